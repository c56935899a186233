"""Exclusion statistics: the paper's Poisson likelihood ratio Q and R95 (Eqs. 3.2-3.3), and CLs.

Q = sum_i -2 ln( L(S_i + B_i) / L(B_i) ),  L(mu) = e^-mu mu^N / N!
  = sum_i 2 [ S_i - N_i ln(1 + S_i / B_i) ]

By default N_i = B_i (the expected, "Asimov", outcome); observed counts may be given instead.
R95 = Q / 5.99: R95 > 1 means excluded at 95% CL.  5.99 is the paper's rounding of the
chi-square 95% quantile for 2 degrees of freedom (5.9915); it is kept as printed.

Beside it, :func:`cls_upper_limit` gives the standard LHC statistic for the same regions: the
95% CL upper limit on the signal strength mu by the CLs method (pyhf, asymptotic q~_mu), with
optional relative background uncertainties.  mu_up < 1 means excluded.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from lepreint.errors import LepreintError

__all__ = ["Q95", "q_statistic", "r95", "CLsResult", "cls_upper_limit", "LimitResult", "limit", "StatsError"]

#: Q at the 95% CL for the paper's three-region statistic, as printed in Eq. (3.3).
Q95 = 5.99


class StatsError(LepreintError):
    """Inputs the statistic cannot use (negative or non-finite counts, mismatched lengths)."""


def _arrays(s, b, n):
    s = np.atleast_1d(np.asarray(s, dtype=float))
    b = np.atleast_1d(np.asarray(b, dtype=float))
    if s.shape != b.shape:
        raise StatsError(f"signal and background need one value per region: {s.size} vs {b.size}")
    n = b.copy() if n is None else np.atleast_1d(np.asarray(n, dtype=float))
    if n.shape != b.shape:
        raise StatsError(f"observed counts need one value per region: {n.size} vs {b.size}")
    for name, x in (("signal", s), ("background", b), ("observed", n)):
        if not np.all(np.isfinite(x)) or np.any(x < 0):
            raise StatsError(f"{name} must be finite and non-negative, got {x.tolist()}")
    return s, b, n


def q_statistic(s, b, n=None) -> float:
    """Eq. (3.2): Q for signal ``s``, background ``b`` and counts ``n`` (default n = b), summed
    over regions.  Safe for s = 0 (Q = 0), b -> 0 with n = 0 (Q = 2 s) and very large s.
    A region with b = 0 and n > 0 has no background-only likelihood: that is an error."""
    s, b, n = _arrays(s, b, n)
    if np.any((b == 0) & (n > 0)):
        raise StatsError("a region with zero background and non-zero observed count has L(B) = 0")
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(b > 0, s / np.where(b > 0, b, 1.0), 0.0)
        term = 2.0 * (s - np.where(n > 0, n * np.log1p(ratio), 0.0))
    return float(np.sum(term))


def r95(s, b, n=None) -> float:
    """Eq. (3.3): R95 = Q / 5.99."""
    return q_statistic(s, b, n) / Q95


class CLsResult(NamedTuple):
    mu_up_expected: float  #: median expected 95% CL upper limit on mu (background-only Asimov)
    mu_up_band: tuple[float, float, float, float]  #: expected -2, -1, +1, +2 sigma
    mu_up_observed: float | None  #: with the observed counts, if given


def _pyhf_model(s, b, rel_unc):
    import pyhf

    mod_b = []
    if rel_unc is not None:
        mod_b = [{"name": "bkg_unc", "type": "shapesys", "data": [float(u * x) for u, x in zip(rel_unc, b)]}]
    spec = {
        "channels": [
            {
                "name": "srs",
                "samples": [
                    {
                        "name": "signal",
                        "data": [float(x) for x in s],
                        "modifiers": [{"name": "mu", "type": "normfactor", "data": None}],
                    },
                    {"name": "background", "data": [float(x) for x in b], "modifiers": mod_b},
                ],
            }
        ]
    }
    return pyhf.Model(spec, poi_name="mu", validate=False)


def cls_upper_limit(s, b, n=None, rel_unc=None) -> CLsResult:
    """95% CL upper limit on the signal strength by CLs (pyhf, asymptotic q~_mu).

    ``rel_unc``: optional relative background uncertainty per region (uncorrelated, Poisson-
    constrained shapesys).  Regions with b = 0 get a tiny floor (1e-9) since pyhf needs b > 0.
    """
    import pyhf
    from pyhf.infer.intervals.upper_limits import toms748_scan

    s, b, n_arr = _arrays(s, b, n)
    if not np.any(s > 0):
        inf = math.inf
        return CLsResult(inf, (inf, inf, inf, inf), None if n is None else inf)
    b = np.maximum(b, 1e-9)
    if rel_unc is not None:
        rel_unc = np.atleast_1d(np.asarray(rel_unc, dtype=float))
        if rel_unc.size not in (1, b.size) or not np.all(np.isfinite(rel_unc)) or np.any(rel_unc < 0):
            raise StatsError(
                f"--rel-unc: need one finite, non-negative relative uncertainty per region ({b.size}), "
                f"got {rel_unc.tolist()}"
            )
        rel_unc = np.broadcast_to(rel_unc, b.shape)
        if np.any(rel_unc <= 0):
            rel_unc = None if np.all(rel_unc == 0) else np.maximum(rel_unc, 1e-6)
    pyhf.set_backend("numpy")
    # Work in units of the naive Gaussian limit ``unit``: the model's signal is s x unit, so that the limit on its
    # strength is O(1) whatever S/B (1e9 signal events on 1 background: 3e-9), and scaled back at the end.
    z_per_mu = math.sqrt(float(np.sum(s**2 / (b * (1 + (0 if rel_unc is None else rel_unc**2 * b))))))
    unit = 2.0 / max(z_per_mu, 1e-300)
    model = _pyhf_model(s * unit, b, rel_unc)
    hi = max(20.0, 10.0 * float(np.max(n_arr) + 10) / float(np.max(s * unit)))
    bounds = model.config.suggested_bounds()
    init = model.config.suggested_init()
    bounds[model.config.poi_index] = (0.0, hi)
    init[model.config.poi_index] = 1.0
    from pyhf.exceptions import FailedMinimization

    def run(counts):
        data = list(counts) + model.config.auxdata
        # The bracket starts at mu = 0 as pyhf's own upper_limit does; where the asymptotic CLs is 0/0 there (NaN:
        # observed zeros with background uncertainties) or a fit fails, it starts a little above: in these units
        # the limit is O(1), so CLs(0.01) is close to 1 and the root is the same.  pyhf's toms748_scan widens
        # the bracket's top end itself until it holds the root.
        failure = None
        for lo in (0.0, 0.01, 0.1):
            try:
                with np.errstate(all="ignore"):
                    obs, exp = toms748_scan(
                        data,
                        model,
                        lo,
                        5.0,
                        level=0.05,
                        par_bounds=bounds,
                        init_pars=init,
                        test_stat="qtilde",
                        calctype="asymptotics",
                    )
            except (FailedMinimization, ValueError) as e:  # a failed fit, or NaN at the bracket's ends
                failure = e
                continue
            vals = [float(obs), *(float(x) for x in np.ravel(exp))]
            if all(math.isfinite(v) and v > 0 for v in vals):
                return vals[0] * unit, [v * unit for v in vals[1:]]
        what = _first_line(failure) if failure is not None else "NaN limits"
        raise StatsError(
            f"the CLs upper limit failed ({what}) for S = {s.tolist()}, B = {b.tolist()}, "
            f"N = {[float(x) for x in counts]}"
            + (f", relative uncertainties {rel_unc.tolist()}" if rel_unc is not None else "")
            + ": use --no-cls for R95 alone"
        )

    import logging

    # pyhf logs a failed minimisation with its traceback before raising: the error above says it in one line
    quiet = logging.getLogger("pyhf")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        _, exp = run(b)
        obs = run(n_arr)[0] if n is not None else None
    finally:
        quiet.setLevel(level)
    return CLsResult(exp[2], (exp[0], exp[1], exp[3], exp[4]), obs)


def _first_line(e: BaseException) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


class LimitResult(NamedTuple):
    Q: float
    R95: float
    cls_mu_up: float  #: median expected CLs upper limit on mu
    cls_mu_up_band: tuple[float, float, float, float]
    cls_mu_up_observed: float | None
    signal: tuple[float, ...]
    background: tuple[float, ...]
    observed: tuple[float, ...] | None
    mode: str  #: 'expected' (N = B) or 'observed'

    def as_dict(self) -> dict:
        d = self._asdict()
        for k in ("signal", "background", "observed", "cls_mu_up_band"):
            d[k] = None if d[k] is None else list(d[k])
        return d


def limit(signal, background, observed=None, rel_unc=None, cls: bool = True) -> LimitResult:
    """``lepreint limit``: Q and R95 = Q/5.99 (Eqs. 3.2-3.3) and the CLs upper limit on the signal strength mu.

    ``signal``, ``background``, ``observed``: expected events per signal region (``observed`` None: N = B, the
    expected outcome); ``rel_unc``: relative background uncertainty per region for CLs (uncorrelated shapesys);
    ``cls=False`` skips pyhf.  R95 > 1 or ``cls_mu_up`` < 1: excluded at 95% CL."""
    q = q_statistic(signal, background, observed)
    if cls:
        c = cls_upper_limit(signal, background, observed, rel_unc)
    else:
        nan = math.nan
        c = CLsResult(nan, (nan, nan, nan, nan), None)
    return LimitResult(
        Q=q,
        R95=q / Q95,
        cls_mu_up=c.mu_up_expected,
        cls_mu_up_band=c.mu_up_band,
        cls_mu_up_observed=c.mu_up_observed,
        signal=tuple(float(x) for x in np.atleast_1d(signal)),
        background=tuple(float(x) for x in np.atleast_1d(background)),
        observed=None if observed is None else tuple(float(x) for x in np.atleast_1d(observed)),
        mode="expected" if observed is None else "observed",
    )
