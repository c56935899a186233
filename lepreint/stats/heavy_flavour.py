"""Heavy-flavour background: double-exponential lepton-pT spectra and kappa transfer factors.

The paper (Sec. 3.3) extrapolates CMS EXO-16-022's background upper limits N_i, obtained with
pT(e) > 42 GeV and pT(mu) > 40 GeV in 2.6 fb^-1, to lower thresholds:

* Eq. (3.7): f_l(pT) = exp(a1 - b1 pT) + exp(a2 - b2 pT),
  kappa_l(pT) = int_pT^U f_l / int_ref^U f_l  (ref = 42 GeV for e, 40 GeV for mu, U = 70 GeV as printed);
* Eq. (3.8): kappa_emu = kappa_e * kappa_mu;
* Eq. (3.9): B_i = kappa_emu * N_i, scaled linearly with luminosity.

The paper's own numbers do not agree with each other (see ``shared/reference/README.md`` and the
validation report): Eq. (3.7)'s rounded coefficients give kappa_emu(20) = 1362 (U = 70 GeV),
Table 2 says 1139.46, and Table 3 implies 4123 / 3.2 = 1288.  Two named modes therefore exist:

``formula``
    Eq. (3.7) integrated with the stated upper limit, times the reference counts N_i.
``published``
    Table 2's kappa values and Table 3's B values taken as printed, interpolated
    log-linearly between thresholds.
"""

from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

import numpy as np

from lepreint.errors import LepreintError

__all__ = [
    "DoubleExponential",
    "EQ37_ELECTRON",
    "EQ37_MUON",
    "REF_PT_E",
    "REF_PT_MU",
    "TABLE2",
    "TABLE3",
    "TABLE3_REFERENCE_COUNTS",
    "EQ34_COUNTS",
    "REFERENCE_LUMI",
    "BackgroundResult",
    "BackgroundError",
    "kappa_formula",
    "kappa_published",
    "background",
    "FitResult",
    "fit_double_exponential",
]

#: Reference thresholds of CMS EXO-16-022 (GeV): the denominators of Eq. (3.7).
REF_PT_E = 42.0
REF_PT_MU = 40.0
#: Luminosity of CMS EXO-16-022 and of the paper's Table 3 (fb^-1).
REFERENCE_LUMI = 2.6
#: Table 3, row (42, 40): the counts N_i the paper multiplies by kappa_emu (Eq. 3.9).
TABLE3_REFERENCE_COUNTS = (3.2, 0.5, 0.019)
#: Eq. (3.4): the same upper limits as printed in the text (differs from Table 3 in SR I).
EQ34_COUNTS = (3.0, 0.50, 0.019)


class BackgroundError(LepreintError):
    """A request outside what a background mode can provide."""


@dataclasses.dataclass(frozen=True)
class DoubleExponential:
    """f(pT) = exp(a1 - b1 pT) + exp(a2 - b2 pT), pT in GeV, f per GeV."""

    a1: float
    b1: float
    a2: float
    b2: float

    def __call__(self, pt):
        pt = np.asarray(pt, dtype=float)
        return np.exp(self.a1 - self.b1 * pt) + np.exp(self.a2 - self.b2 * pt)

    def integral(self, lo, hi=None):
        """int_lo^hi f(pT) dpT; ``hi=None`` integrates to infinity (needs b1, b2 > 0)."""
        lo = np.asarray(lo, dtype=float)
        out = 0.0
        for a, b in ((self.a1, self.b1), (self.a2, self.b2)):
            upper = 0.0 if hi is None else np.exp(-b * np.asarray(hi, dtype=float))
            out = out + np.exp(a) / b * (np.exp(-b * lo) - upper)
        return out

    def params(self) -> tuple[float, float, float, float]:
        return (self.a1, self.b1, self.a2, self.b2)


#: Eq. (3.7) as printed (rounded coefficients).
EQ37_ELECTRON = DoubleExponential(13.65, 0.23, 8.62, 0.10)
EQ37_MUON = DoubleExponential(13.50, 0.22, 8.73, 0.10)

#: Table 2: pT threshold (GeV) -> (kappa_e, err, kappa_mu, err, kappa_emu, err), as printed.
TABLE2 = {
    35.0: (2.67, 0.14, 2.06, 0.12, 5.51, 0.42),
    30.0: (5.94, 0.28, 4.57, 0.24, 27.12, 1.92),
    25.0: (14.55, 0.66, 11.04, 0.55, 160.65, 10.83),
    20.0: (39.19, 1.73, 29.08, 1.45, 1139.46, 75.97),
}
#: Table 3: (pT(e), pT(mu)) in GeV -> (B_I, B_II, B_III) at 2.6 fb^-1, as printed.
TABLE3 = {
    (42.0, 40.0): (3.2, 0.5, 0.019),
    (35.0, 35.0): (20.0, 3.2, 0.120),
    (30.0, 30.0): (99.0, 15.0, 0.587),
    (25.0, 25.0): (582.0, 91.0, 3.5),
    (20.0, 20.0): (4123.0, 644.0, 25.0),
}


def kappa_formula(pt, flavour: str, upper: float | None = 70.0, spectrum: DoubleExponential | None = None):
    """kappa_l(pT) of Eq. (3.7) for ``flavour`` 'e' or 'mu'.

    ``upper`` is the upper integration limit in GeV (70 as printed; None = infinity).
    ``spectrum`` replaces Eq. (3.7)'s coefficients (e.g. by a fit to our own b-bbar sample).
    """
    f, ref = _flavour(flavour)
    f = spectrum or f
    a = np.asarray(pt, dtype=float)
    if not np.all(np.isfinite(a) & (a > 0)):
        raise BackgroundError(f"pT threshold ({flavour}): need a positive, finite energy, got {pt!r} GeV")
    if upper is not None and not (math.isfinite(upper) and upper > 0):
        raise BackgroundError(f"upper integration limit: need a positive, finite energy or none, got {upper!r} GeV")
    num = f.integral(pt, upper)
    den = f.integral(ref, upper)
    if upper is not None and np.any(np.asarray(pt) >= upper):
        raise BackgroundError(f"pT threshold must lie below the upper integration limit {upper} GeV")
    return num / den


def _flavour(flavour: str) -> tuple[DoubleExponential, float]:
    if flavour == "e":
        return EQ37_ELECTRON, REF_PT_E
    if flavour == "mu":
        return EQ37_MUON, REF_PT_MU
    raise BackgroundError(f"flavour must be 'e' or 'mu', got {flavour!r}")


def _loglinear(x: float, xs: list[float], ys: list[float]) -> float:
    """Interpolate log(y) linearly in x; exact at the nodes (the printed number, no log/exp round trip)."""
    if x in xs:
        return float(ys[xs.index(x)])
    return float(np.exp(np.interp(x, xs, np.log(ys))))


def kappa_published(pt: float, flavour: str) -> tuple[float, float]:
    """(kappa, uncertainty) from Table 2, log-linear between its thresholds 20, 25, 30, 35 GeV and
    the reference threshold (42 GeV for e, 40 GeV for mu) where kappa = 1 by definition."""
    _, ref = _flavour(flavour)
    col = 0 if flavour == "e" else 2
    nodes = sorted(TABLE2)
    xs = [*nodes, ref]
    ks = [TABLE2[x][col] for x in nodes] + [1.0]
    rel = [TABLE2[x][col + 1] / TABLE2[x][col] for x in nodes] + [0.0]
    if not xs[0] <= pt <= xs[-1]:
        raise BackgroundError(
            f"published mode covers pT({flavour}) thresholds {xs[0]:g}-{xs[-1]:g} GeV (Table 2); "
            f"got {pt:g} GeV: use mode 'formula'"
        )
    k = _loglinear(pt, xs, ks)
    return k, k * float(np.interp(pt, xs, rel))


def _table3(pt_e: float, pt_mu: float) -> tuple[float, ...]:
    if (pt_e, pt_mu) in TABLE3:
        return TABLE3[(pt_e, pt_mu)]
    sym = sorted(k[0] for k in TABLE3 if k[0] == k[1])
    if pt_e == pt_mu and sym[0] <= pt_e <= sym[-1]:
        return tuple(_loglinear(pt_e, sym, [TABLE3[(x, x)][i] for x in sym]) for i in range(3))
    raise BackgroundError(
        f"published mode has Table 3 values for pT(e) = pT(mu) in {sym[0]:g}-{sym[-1]:g} GeV and for "
        f"(42, 40) GeV; got ({pt_e:g}, {pt_mu:g}): use mode 'formula'"
    )


class BackgroundResult(NamedTuple):
    mode: str
    pt_e: float  #: GeV
    pt_mu: float  #: GeV
    lumi_ifb: float  #: fb^-1
    kappa_e: float
    kappa_mu: float
    kappa_emu: float
    kappa_emu_err: float | None  #: Table 2 uncertainty (published mode); None in formula mode
    B: tuple[float, ...]  #: expected background per signal region at lumi_ifb
    B_err: tuple[float, ...] | None
    counts: tuple[float, ...]  #: reference counts N_i at REFERENCE_LUMI (formula mode)
    upper_limit: float | None  #: GeV, Eq. (3.7) integration limit (formula mode)

    def as_dict(self) -> dict:
        d = self._asdict()
        d["B"], d["counts"] = list(self.B), list(self.counts)
        d["B_err"] = None if self.B_err is None else list(self.B_err)
        return d


def background(
    pt_e: float = 20.0,
    pt_mu: float = 20.0,
    lumi: float = 140.0,
    mode: str = "published",
    counts: tuple[float, ...] = TABLE3_REFERENCE_COUNTS,
    counts_lumi: float = REFERENCE_LUMI,
    upper_limit: float | None = 70.0,
) -> BackgroundResult:
    """Heavy-flavour background B_i for thresholds (pt_e, pt_mu) in GeV at ``lumi`` fb^-1.

    ``mode='formula'``: B_i = kappa_e(pt_e) kappa_mu(pt_mu) N_i (lumi / counts_lumi), Eqs. (3.7)-(3.9),
    with ``counts`` = N_i (default: Table 3's (42, 40) row; Eq. (3.4) is :data:`EQ34_COUNTS`).
    ``mode='published'``: kappa from Table 2 and B_i from Table 3 as printed, scaled from 2.6 fb^-1.
    """
    if not (math.isfinite(lumi) and lumi > 0) or not counts_lumi > 0:
        raise BackgroundError(f"--lumi: luminosities must be positive, got {lumi:g} /fb")
    if len(counts) != 3 or not all(math.isfinite(n) and n >= 0 for n in counts):
        raise BackgroundError(
            f"--counts: need three non-negative reference counts N_I, N_II, N_III, got {list(counts)}"
        )
    scale = lumi / counts_lumi
    if mode == "formula":
        ke = float(kappa_formula(pt_e, "e", upper_limit))
        km = float(kappa_formula(pt_mu, "mu", upper_limit))
        kem = ke * km
        B = tuple(kem * n * scale for n in counts)
        return BackgroundResult(mode, pt_e, pt_mu, lumi, ke, km, kem, None, B, None, tuple(counts), upper_limit)
    if mode == "published":
        if counts_lumi != REFERENCE_LUMI:
            raise BackgroundError("published mode uses Table 3, given for 2.6 /fb")
        ke, dke = kappa_published(pt_e, "e")
        km, dkm = kappa_published(pt_mu, "mu")
        kem = ke * km
        if pt_e == pt_mu and pt_e in TABLE2:  # Table 2 prints kappa_emu with its own error
            kem, dkem = TABLE2[pt_e][4], TABLE2[pt_e][5]
        else:
            dkem = kem * math.hypot(dke / ke, dkm / km)
        b_ref = _table3(pt_e, pt_mu)
        B = tuple(b * lumi / REFERENCE_LUMI for b in b_ref)
        B_err = tuple(b * dkem / kem for b in B)
        return BackgroundResult(
            mode, pt_e, pt_mu, lumi, ke, km, kem, dkem, B, B_err, TABLE3[(REF_PT_E, REF_PT_MU)], None
        )
    raise BackgroundError(f"mode must be 'formula' or 'published', got {mode!r}")


# --------------------------------------------------------------------------- fitting


class FitResult(NamedTuple):
    spectrum: DoubleExponential
    cov: np.ndarray  #: 4x4 covariance of (a1, b1, a2, b2)
    chi2: float
    ndf: int

    def kappa(self, pt: float, ref: float, upper: float | None = 70.0) -> tuple[float, float]:
        """(kappa, uncertainty) for threshold ``pt`` relative to ``ref``, error propagated from ``cov``."""

        def k(p):
            f = DoubleExponential(*p)
            return float(f.integral(pt, upper) / f.integral(ref, upper))

        p0 = np.array(self.spectrum.params())
        grad = np.empty(4)
        for i in range(4):
            h = 1e-6 * max(1.0, abs(p0[i]))
            up, dn = p0.copy(), p0.copy()
            up[i] += h
            dn[i] -= h
            grad[i] = (k(up) - k(dn)) / (2 * h)
        return k(p0), float(np.sqrt(max(grad @ self.cov @ grad, 0.0)))


def fit_double_exponential(edges, counts, errors=None) -> FitResult:
    """Fit Eq. (3.7)'s form to a histogram of lepton pT.

    ``edges`` (GeV, n+1 values), ``counts`` (n bin contents, weighted or not), ``errors`` (n
    uncertainties; default sqrt(counts), at least 1).  The model is integrated over each bin, so the
    fitted f is a density per GeV, like Eq. (3.7).  Least squares with the given errors; the
    steeper component is labelled 1 (b1 > b2).
    """
    from scipy.optimize import least_squares

    edges = np.asarray(edges, dtype=float)
    y = np.asarray(counts, dtype=float)
    if edges.ndim != 1 or len(edges) != len(y) + 1 or np.any(np.diff(edges) <= 0):
        raise LepreintError("edges must be increasing and have one more entry than counts")
    sigma = np.sqrt(np.maximum(y, 1.0)) if errors is None else np.asarray(errors, dtype=float)
    if np.any(sigma <= 0):
        raise LepreintError("errors must be positive")
    lo, hi = edges[:-1], edges[1:]
    centres, widths = 0.5 * (lo + hi), hi - lo

    # start: straight lines in log(density) on the lower and upper halves
    dens = np.maximum(y, 0.5) / widths
    half = len(y) // 2
    s2, c2 = np.polyfit(centres[half:], np.log(dens[half:]), 1)
    s1, c1 = np.polyfit(centres[:half], np.log(dens[:half]), 1)
    p0 = np.array([c1, max(-s1, 1e-3), c2 - 1.0, max(-s2, 1e-3) * 0.5])

    def resid(p):
        f = DoubleExponential(*p)
        return (f.integral(lo, hi) - y) / sigma

    res = least_squares(resid, p0, method="lm", x_scale="jac", max_nfev=20000)
    p = res.x
    J = res.jac
    try:
        cov = np.linalg.inv(J.T @ J)
    except np.linalg.LinAlgError:
        cov = np.full((4, 4), np.nan)
    if p[1] < p[3]:  # order: steep first
        order = [2, 3, 0, 1]
        p, cov = p[order], cov[np.ix_(order, order)]
    chi2 = float(np.sum(res.fun**2))
    return FitResult(DoubleExponential(*map(float, p)), cov, chi2, len(y) - 4)
