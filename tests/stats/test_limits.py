"""Eqs. (3.2)-(3.3) and the CLs companion."""

import math

import numpy as np
import pytest

from lepreint.errors import LepreintError
from lepreint.stats.limits import (
    StatsError,
    _asymptotic_upper_limit,
    _profiled_limit,
    cls_upper_limit,
    limit,
    q_statistic,
    r95,
)


def test_acceptance_r95_of_benchmark4():
    r = r95([174, 157, 283], [221997, 34688, 1318])
    assert r == pytest.approx(9.03, rel=0.005)


def test_q_closed_form():
    s, b = 10.0, 40.0
    assert q_statistic(s, b) == pytest.approx(2 * (s - b * math.log(1 + s / b)))
    assert q_statistic(s, b, 45) == pytest.approx(2 * (s - 45 * math.log(1 + s / b)))


def test_edge_cases():
    assert q_statistic([0, 0], [5, 1]) == 0.0
    assert q_statistic([3.0], [0.0]) == pytest.approx(6.0)  # b -> 0 with N = B = 0: Q = 2S
    assert q_statistic([3.0], [1e-300]) == pytest.approx(6.0)
    big = q_statistic([1e12], [1.0])
    assert math.isfinite(big) and big > 1e12
    with pytest.raises(StatsError):
        q_statistic([1.0], [0.0], [2])
    with pytest.raises(StatsError):
        q_statistic([-1.0], [1.0])
    with pytest.raises(StatsError):
        q_statistic([1.0, 2.0], [1.0])


def test_asymptotic_limit_matches_s2_over_b():
    # S << B: Q -> sum S^2/B
    s, b = [1.0, 2.0], [1e4, 4e4]
    assert q_statistic(s, b) == pytest.approx(1e-4 + 1e-4, rel=1e-3)


def test_cls_expected_limit_in_gaussian_regime():
    # large B, no systematics: median expected mu_up ~ 1.96 sigma_mu (qtilde ~ one-sided 1.64..1.96)
    s, b = [100.0], [10000.0]
    r = cls_upper_limit(s, b)
    sigma_mu = math.sqrt(b[0]) / s[0]
    assert 1.6 * sigma_mu < r.mu_up_expected < 2.1 * sigma_mu
    lo2, lo1, hi1, hi2 = r.mu_up_band
    assert lo2 < lo1 < r.mu_up_expected < hi1 < hi2


def test_cls_background_uncertainty_weakens_limit():
    s, b = [174, 157, 283], [221997, 34688, 1318]
    tight = cls_upper_limit(s, b).mu_up_expected
    loose = cls_upper_limit(s, b, rel_unc=[0.2, 0.2, 0.2]).mu_up_expected
    assert loose > tight


def test_observed_mode_uses_counts():
    r_exp = limit([3, 1, 0.5], [18.0, 1.01, 0.051])
    r_obs = limit([3, 1, 0.5], [18.0, 1.01, 0.051], observed=[19, 0, 0])
    assert r_obs.mode == "observed" and r_exp.mode == "expected"
    assert r_obs.Q != r_exp.Q
    assert r_obs.cls_mu_up_observed is not None


def test_zero_signal_gives_infinite_limit():
    r = cls_upper_limit([0, 0], [1, 1])
    assert math.isinf(r.mu_up_expected)


def test_exact_cls_reproduces_the_classic_poisson_limits():
    # one region: CLs = P(n <= n_obs | s + b) / P(n <= n_obs | b); n = 0 gives s = -ln 0.05 whatever b
    assert cls_upper_limit([1.0], [0.0], [0], calculator="exact").mu_up_observed == pytest.approx(
        -math.log(0.05), rel=1e-4
    )
    # n = 1, b = 0.5: e^-s (1 + s + b) / (1 + b) = 0.05
    from scipy.optimize import brentq

    s_up = brentq(lambda s: math.exp(-s) * (1.5 + s) / 1.5 - 0.05, 1, 10)
    r = cls_upper_limit([2.0], [0.5], [1], calculator="exact")
    assert r.calculator == "exact"
    assert 2.0 * r.mu_up_observed == pytest.approx(s_up, rel=1e-4)


def test_auto_calculator_is_exact_for_few_events_and_asymptotic_for_many():
    few = cls_upper_limit([0.2, 0.3, 1.0], [0.544, 0.061, 0.0029], [1, 0, 0])
    assert few.calculator == "exact"
    # the asymptotic formulae are too strong with no background: 1.9 instead of 3.0 events for n = 0
    asym = cls_upper_limit([1.0], [0.0029], [0], calculator="asymptotic").mu_up_observed
    assert asym < 2.2 < 2.9 < cls_upper_limit([1.0], [0.0029], [0]).mu_up_observed
    assert cls_upper_limit([174, 157, 283], [221997, 34688, 1318]).calculator == "asymptotic"


def test_exact_and_asymptotic_agree_where_counts_are_large():
    s, b = [20.0, 10.0], [400.0, 100.0]
    ex = cls_upper_limit(s, b, [400, 100], calculator="exact")
    asym = cls_upper_limit(s, b, [400, 100], calculator="asymptotic")
    assert ex.mu_up_observed == pytest.approx(asym.mu_up_observed, rel=0.05)
    assert ex.mu_up_expected == pytest.approx(asym.mu_up_expected, rel=0.05)
    lo2, lo1, hi1, hi2 = ex.mu_up_band
    assert lo2 < lo1 < ex.mu_up_expected < hi1 < hi2


def test_exact_cls_background_uncertainty_weakens_the_limit():
    s, b, n = [3.0, 1.0], [5.0, 1.0], [5, 1]
    tight = cls_upper_limit(s, b, n, calculator="exact").mu_up_observed
    loose = cls_upper_limit(s, b, n, rel_unc=[0.5, 0.5], calculator="exact").mu_up_observed
    assert loose > 1.05 * tight


def test_exact_cls_refuses_fractional_counts():
    with pytest.raises(StatsError, match="whole observed counts"):
        cls_upper_limit([1.0], [1.0], [0.5], calculator="exact")
    # auto falls back to the asymptotic formulae, which take any count
    assert cls_upper_limit([1.0], [1.0], [0.5]).calculator == "asymptotic"


def test_published_likelihood_with_our_signal_patched_in():
    """ATLAS's background-only workspace (SUSY-2018-14) with a signal in SR-ee: the limit on the strength scales
    inversely with the signal, and the asymptotic formulae exclude with fewer than the 3 events of an exact
    counting limit (0 observed, 0.46 expected)."""
    from lepreint.config.cards import analysis_config
    from lepreint.stats.likelihood import published_likelihood_limit, published_workspace

    cfg = analysis_config("atlas_susy_2018_14")
    spec = published_workspace(cfg, [2.0, 0.0, 0.0])
    ee = next(c for c in spec["channels"] if c["name"] == "SRee_cuts")
    assert ee["samples"][-1]["data"] == [2.0]
    one = published_likelihood_limit(cfg, [1.0, 0.0, 0.0])
    two = published_likelihood_limit(cfg, [2.0, 0.0, 0.0])
    assert two.mu_up_observed == pytest.approx(one.mu_up_observed / 2, rel=1e-3)
    assert 1.5 < one.mu_up_observed < 3.0 and one.calculator == "asymptotic"
    assert math.isinf(published_likelihood_limit(cfg, [0, 0, 0]).mu_up_observed)
    with pytest.raises(LepreintError, match="published likelihood"):
        published_likelihood_limit(analysis_config("cms_8tev_emu"), [1.0, 1.0, 1.0])


@pytest.mark.parametrize(
    "s, b, n, rel",
    [
        ([3.0], [1.0], [2], [0.3]),  # one region
        ([0.5, 2.0, 0.0, 4.0], [3.8, 0.4, 0.1, 0.01], [8, 1, 0, 0], [1.3, 1.3, 1.5, 1.4]),  # a region without signal
        ([10.0, 5.0], [40.0, 20.0], [35, 30], [0.2, 0.5]),  # large counts, an excess in one
        ([1.0, 1.0, 1.0], [2.0, 3.0, 0.5], [4, 1, 0], None),  # no background uncertainty
        ([2.0, 1.0], [40.0, 62.0], [22, 41], [0.3, 0.29]),  # a strong deficit in both
        ([30.0, 4.0, 1.0], [900.0, 120.0, 3.6], [950, 118, 4], [0.8, 1.5, 0.39]),  # large counts, large uncertainties
    ],
)
def test_profiled_limits_equal_pyhfs(s, b, n, rel):
    """The asymptotic CLs limits (every nuisance profiled in closed form), observed, median expected and the
    expected band, are pyhf's."""
    s, b, n = np.asarray(s, float), np.asarray(b, float), np.asarray(n, float)
    r = None if rel is None else np.asarray(rel, float)
    fast = _profiled_limit(s, b, n, r, expected=False)
    slow = _asymptotic_upper_limit(s, b, n, r)
    assert fast.mu_up_observed == pytest.approx(slow.mu_up_observed, rel=2e-4)
    assert fast.calculator == "asymptotic"
    full = cls_upper_limit(s, b, n, r, calculator="asymptotic")
    assert full.mu_up_observed == pytest.approx(slow.mu_up_observed, rel=2e-4)
    assert full.mu_up_expected == pytest.approx(slow.mu_up_expected, rel=2e-4)
    assert full.mu_up_band == pytest.approx(slow.mu_up_band, rel=2e-4)
    assert full.mu_up_band[0] < full.mu_up_band[1] < full.mu_up_expected < full.mu_up_band[2] < full.mu_up_band[3]
    expected_only = cls_upper_limit(s, b, None, r, calculator="asymptotic")
    assert expected_only.mu_up_observed is None
    assert expected_only.mu_up_expected == pytest.approx(slow.mu_up_expected, rel=2e-4)
    # the scan's path: observed only, the asymptotic calculator chosen
    via = cls_upper_limit(s, b, n, rel, calculator="asymptotic", expected=False)
    assert via.mu_up_observed == pytest.approx(fast.mu_up_observed) and np.isnan(via.mu_up_expected)


def test_profiled_observed_limit_edge_cases():
    """A region known to 0 (floored to 1e-6: tau = 1e12) and a region without background keep their precision."""
    tight = cls_upper_limit([1, 1], [50, 50], [40, 50], [0.0, 0.3], calculator="asymptotic", expected=False)
    loose = cls_upper_limit([1, 1], [50, 50], [40, 50], [0.001, 0.3], calculator="asymptotic", expected=False)
    assert math.isfinite(tight.mu_up_observed) and tight.mu_up_observed == pytest.approx(loose.mu_up_observed, rel=0.01)
    empty = _profiled_limit(np.array([1.0]), np.array([0.0]), np.array([0.0]), None, expected=False)
    assert empty.mu_up_observed == pytest.approx(
        _asymptotic_upper_limit(np.array([1.0]), np.array([0.0]), np.array([0.0]), None).mu_up_observed, rel=1e-3
    )


def test_a_published_likelihood_with_large_backgrounds_gives_its_limit(monkeypatch):
    """The signal strength's range is set in units of the events a limit needs: with ~1000 background events the
    fit no longer starts outside its bounds (it stopped there), and the limit is the counting one, ~2 sqrt(B)."""
    import json

    from lepreint.config.cards import analysis_config
    from lepreint.stats import likelihood

    cfg = analysis_config("atlas_susy_2018_14")
    spec = json.loads(likelihood._workspace_text(cfg.likelihood))
    for ch in spec["channels"]:  # every background x 2000, the observed counts equal to them
        for smp in ch["samples"]:
            smp["data"] = [x * 2000 for x in smp["data"]]
    for obs in spec["observations"]:
        ch = next(c for c in spec["channels"] if c["name"] == obs["name"])
        obs["data"] = [round(sum(smp["data"][0] for smp in ch["samples"]))]
    text = json.dumps(spec)
    monkeypatch.setattr(likelihood, "_workspace_text", lambda path: text)
    r = likelihood.published_likelihood_limit(cfg, [1.0, 0.0, 0.0])
    # pyhf itself, with a range of signal strengths wide enough for this background
    import pyhf
    from pyhf.infer.intervals.upper_limits import toms748_scan

    ws = pyhf.Workspace(likelihood.published_workspace(cfg, [1.0, 0.0, 0.0]))
    model = ws.model()
    bounds = model.config.suggested_bounds()
    bounds[model.config.poi_index] = (0.0, 1e4)
    obs, _ = toms748_scan(ws.data(model), model, 1.0, 5000.0, level=0.05, par_bounds=bounds, test_stat="qtilde")
    assert r.mu_up_observed == pytest.approx(float(obs), rel=0.01)
