"""The displaced-lepton efficiency versus d0 and its extrapolations beyond 2 cm."""

import numpy as np
import pytest

from lepreint.detector.efficiency import D0Efficiency
from lepreint.errors import LepreintError


def test_table_values_inside_2cm():
    e = D0Efficiency.cms_8tev("e")
    m = D0Efficiency.cms_8tev("mu")
    assert e(0.5) == pytest.approx(0.8926) and e(-0.5) == pytest.approx(0.8926)  # |d0|
    assert e(19.9) == pytest.approx(0.1754) and m(15.0) == pytest.approx(0.8378)


@pytest.mark.parametrize("mode", ["linear_trend", "linear_to_zero", "flat", "zero", "polynomial"])
def test_extrapolations_beyond_2cm_are_bounded_and_vanish_above_10cm(mode):
    for fl in ("e", "mu"):
        f = D0Efficiency.cms_8tev(fl, mode)
        d0 = np.linspace(20.0, 100.0, 81)
        eff = f(d0)
        assert np.all((eff >= 0) & (eff <= 1))
        assert np.all(np.diff(eff) <= 1e-12) or mode == "flat"
        assert f(100.5) == 0.0


def test_named_extrapolations():
    m = D0Efficiency.cms_8tev("mu", "linear_to_zero")
    assert m(20.0) == pytest.approx(0.8090) and m(60.0) == pytest.approx(0.8090 / 2) and m(100.0) == 0.0
    assert D0Efficiency.cms_8tev("mu", "flat")(80.0) == pytest.approx(0.8090)
    assert D0Efficiency.cms_8tev("e", "zero")(25.0) == 0.0
    # the electron trend of the 1-2 cm bins reaches zero well before 10 cm, the muon one does not
    assert D0Efficiency.cms_8tev("e", "linear_trend")(40.0) == 0.0
    assert 0.3 < D0Efficiency.cms_8tev("mu", "linear_trend")(100.0) < 0.8
    # the published electron polynomial is close to the table
    p = D0Efficiency.cms_8tev("e", "polynomial")
    centres = np.arange(0.5, 20, 1.0)
    assert np.max(np.abs(p(centres) - D0Efficiency.cms_8tev("e")(centres))) < 0.08
    with pytest.raises(LepreintError):
        D0Efficiency.cms_8tev("e", "quadratic")


def test_beyond_10cm_is_a_named_option():
    zero = D0Efficiency.cms_8tev("mu", "flat")
    hold = D0Efficiency.cms_8tev("mu", "flat", beyond="hold")
    unity = D0Efficiency.cms_8tev("mu", "linear_to_zero", beyond="unity")
    assert zero(150.0) == 0.0
    assert hold(150.0) == pytest.approx(0.8090) and hold(50.0) == pytest.approx(0.8090)
    assert unity(150.0) == 1.0 and unity(60.0) == pytest.approx(0.8090 / 2)
    with pytest.raises(LepreintError, match="beyond"):
        D0Efficiency.cms_8tev("mu", beyond="sometimes")


def _synthetic_map(a, h, g, seed=3):
    """Leptons whose |d0| comes from larger radii at higher pT (as a slepton sample's), and the (pT, |d0|) map
    the efficiency a(pT) h(r) g(|d0|) gives them."""
    rng = np.random.default_rng(seed)
    pt_edges, d0_edges, r_edges = (
        np.array([0.0, 100.0, 200.0, 300.0]),
        np.arange(0.0, 301.0, 50.0),
        np.arange(0.0, 301.0, 50.0),
    )
    n = 200_000
    pt = rng.uniform(0.0, 300.0, n)
    r = rng.uniform(0.0, 300.0, n)
    d0 = r * rng.beta(1.0, 0.5 + pt / 60.0, n)  # the higher the pT, the smaller |d0| for its radius
    i = np.searchsorted(pt_edges, pt, side="right") - 1
    j = np.searchsorted(d0_edges, d0, side="right") - 1
    k = np.searchsorted(r_edges, r, side="right") - 1
    eff = a[i] * h[k] * g[j]
    values = np.zeros((3, 6))
    for x in range(3):
        for y in range(6):
            c = (i == x) & (j == y)
            values[x, y] = eff[c].mean() if c.any() else 0.0
    return values, pt_edges, d0_edges, r_edges, pt, d0, r


def test_radius_and_d0_factorisation_recovers_a_known_efficiency():
    """The map is an average over where its leptons were produced; the fit must give back the radius and |d0|
    dependences that made it, not fold one into the other."""
    from lepreint.detector.efficiency import PtRD0Map, fit_radius_and_d0

    a, h, g = (
        np.array([0.6, 0.75, 0.9]),
        np.array([1.0, 0.8, 0.6, 0.5, 0.45, 0.4]),
        np.array([1.0, 0.9, 0.7, 0.5, 0.3, 0.1]),
    )
    values, pt_edges, d0_edges, r_edges, pt, d0, r = _synthetic_map(a, h, g)
    fa, fh, fg = fit_radius_and_d0(values, pt_edges, d0_edges, r_edges, pt, d0, r)
    assert np.allclose(fa, a, atol=0.02) and np.allclose(fh, h, atol=0.03) and np.allclose(fg, g, atol=0.03)
    m = PtRD0Map(pt_edges, r_edges, d0_edges, fa, fh, fg)
    assert m(
        np.array([150.0, 150.0, 150.0, -1.0]), np.array([10.0, 120.0, 350.0, 10.0]), np.array([5.0, 60.0, 5.0, 5.0])
    ) == pytest.approx([fa[1] * fh[0] * fg[0], fa[1] * fh[2] * fg[1], 0.0, 0.0])


def test_leptons_above_the_last_pt_bin_do_not_enter_the_fits():
    """ATLAS's maps leave the overflow out ("the overflow is not shown"): leptons above the last pT edge, with any
    efficiency, must change neither the factorised fit nor the unfolding in radius."""
    from lepreint.detector.efficiency import fit_radius_and_d0, unfold_in_radius

    a, h, g = (
        np.array([0.6, 0.75, 0.9]),
        np.array([1.0, 0.8, 0.6, 0.5, 0.45, 0.4]),
        np.array([1.0, 0.9, 0.7, 0.5, 0.3, 0.1]),
    )
    values, pt_edges, d0_edges, r_edges, pt, d0, r = _synthetic_map(a, h, g)
    rng = np.random.default_rng(5)
    extra = 100_000  # more overflow than leptons in the last bin, all produced at small radius
    pt2 = np.concatenate([pt, rng.uniform(300.0, 600.0, extra)])
    r2 = np.concatenate([r, rng.uniform(0.0, 20.0, extra)])
    d02 = np.concatenate([d0, rng.uniform(0.0, 20.0, extra)])
    for f in (fit_radius_and_d0, unfold_in_radius):
        one, two = (
            f(values, pt_edges, d0_edges, r_edges, pt, d0, r),
            f(values, pt_edges, d0_edges, r_edges, pt2, d02, r2),
        )
        for x, y in zip(one if isinstance(one, tuple) else [one], two if isinstance(two, tuple) else [two]):
            assert np.allclose(x, y, atol=1e-6), f.__name__


def test_the_shipped_radius_and_d0_maps_are_monotone_and_exceed_the_first_published_bin():
    """The shipped factorised maps (their fit to ATLAS's maps is a validation record, ``atlas_maps.``): h and g
    start at 1 and do not increase, and a lepton produced near the beam line is found more often than ATLAS's
    first |d0| bin, which averages over leptons produced tens of cm out, says."""
    from lepreint.detector.efficiency import PtD0Map, PtRD0Map

    for fl in ("e", "mu"):
        m, pub = PtRD0Map.atlas_susy_2018_14(fl), PtD0Map.atlas_susy_2018_14(fl, "flat")
        assert m.h[0] == m.g[0] == 1.0 and np.all(np.diff(m.h) <= 0) and np.all(np.diff(m.g) <= 0)
        assert np.all((m.a > 0) & (m.a <= 1))
        assert np.all(m.a[:5] >= pub.values[:5, 0])


def test_each_reading_of_the_maps_has_its_own_digest():
    """A scan's identity carries the digest of the map files its detector reads: regenerated maps (python -m
    validation.atlas_maps) are another scan, not points to resume."""
    from lepreint.detector.simulate import Detector
    from lepreint.results.scan import ScanConfig

    digests = {
        v: Detector("atlas_run2", map_variable=v).options()["maps_digest"]
        for v in ("d0", "production_radius", "radius_and_d0")
    }
    assert len(set(digests.values())) == 3 and Detector("cms_run2").maps_digest is None
    identity = ScanConfig.from_card("slepton_grid_e").identity()
    assert identity["maps_digest"] == digests["radius_and_d0"]
