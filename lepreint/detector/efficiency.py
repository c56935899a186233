"""Displaced-lepton identification efficiency versus |d0|.

The CMS 8 TeV displaced e-mu search published the electron and muon identification efficiency in
0.1 cm bins of |d0| from 0 to 2 cm (``lepreint/data/cms_8tev_d0_efficiency.yaml``).  The paper uses it
up to 2 cm and "linearly extrapolates to 10 cm".  How to go beyond 2 cm is a named option:

``linear_trend``  a straight line fitted (least squares, bin centres) to the last ``fit_bins`` bins
                  (default the 1-2 cm half), continued to 10 cm and clipped to [0, 1]
``linear_to_zero`` a straight line from the last bin's value at 2 cm down to zero at ``d0_max``
``flat``          the last bin's value up to ``d0_max``
``zero``          nothing is identified above 2 cm
``polynomial``    electrons: the published sixth-order polynomial (valid to 20 mm) below 2 cm and
                  ``linear_trend`` above; muons: the table (there is no muon polynomial)

Inside 0-2 cm the efficiency is the table's bin value (a histogram, as published).  Beyond
``d0_max`` (10 cm, the end of the paper's extrapolation) the named option ``beyond``: ``zero``
(default: nothing is identified there), ``hold`` (the extrapolated value at 10 cm continues) or
``unity`` (no d0 factor at all: only the prompt efficiency acts, as a Delphes simulation to which the
d0 parametrisation is applied only up to 10 cm would do).  Whether such a lepton can enter a signal
region is the analysis' business (``d0_max_policy``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import yaml

from lepreint.errors import LepreintError

__all__ = ["BEYOND", "EXTRAPOLATIONS", "D0Efficiency", "load_cms_8tev_table"]

EXTRAPOLATIONS = ("linear_trend", "linear_to_zero", "flat", "zero", "polynomial")
BEYOND = ("zero", "hold", "unity")


def load_cms_8tev_table() -> dict:
    text = resources.files("lepreint").joinpath("data/cms_8tev_d0_efficiency.yaml").read_text()
    return yaml.safe_load(text)


@dataclass(frozen=True)
class D0Efficiency:
    """Efficiency of one lepton flavour versus |d0| (mm)."""

    edges_mm: np.ndarray
    values: np.ndarray
    extrapolation: str = "linear_to_zero"
    d0_max_mm: float = 100.0
    fit_bins: int = 10
    polynomial_mm: tuple[float, ...] | None = None
    beyond: str = "zero"

    def __post_init__(self):
        if self.extrapolation not in EXTRAPOLATIONS:
            raise LepreintError(
                f"d0 extrapolation must be one of {', '.join(EXTRAPOLATIONS)}, got {self.extrapolation!r}"
            )
        if self.beyond not in BEYOND:
            raise LepreintError(
                f"d0 efficiency beyond {self.d0_max_mm:g} mm must be one of {', '.join(BEYOND)}, got {self.beyond!r}"
            )

    @classmethod
    def cms_8tev(
        cls, flavour: str, extrapolation: str = "linear_to_zero", d0_max_mm: float = 100.0, beyond: str = "zero"
    ) -> D0Efficiency:
        t = load_cms_8tev_table()
        key = {"e": "electron", "mu": "muon"}.get(flavour)
        if key is None:
            raise LepreintError(f"flavour must be 'e' or 'mu', got {flavour!r}")
        poly = tuple(t["electron_d0_polynomial_mm"]) if key == "electron" else None
        return cls(
            np.asarray(t["bin_edges_cm"], dtype=float) * 10.0,
            np.asarray(t[key], dtype=float),
            extrapolation,
            d0_max_mm,
            polynomial_mm=poly,
            beyond=beyond,
        )

    def _trend(self):
        centres = 0.5 * (self.edges_mm[1:] + self.edges_mm[:-1])[-self.fit_bins :]
        slope, intercept = np.polyfit(centres, self.values[-self.fit_bins :], 1)
        return slope, intercept

    def __call__(self, d0_mm) -> np.ndarray:
        d0 = np.abs(np.asarray(d0_mm, dtype=float))
        far = d0 > self.d0_max_mm
        if self.beyond == "hold":
            d0 = np.minimum(d0, self.d0_max_mm)
        last = self.edges_mm[-1]
        idx = np.clip(np.searchsorted(self.edges_mm, d0, side="right") - 1, 0, self.values.size - 1)
        eff = self.values[idx].astype(float)
        if self.extrapolation == "polynomial" and self.polynomial_mm is not None:
            inside = d0 < last
            eff = np.where(inside, np.polynomial.polynomial.polyval(d0, self.polynomial_mm), eff)
        beyond = d0 >= last
        mode = self.extrapolation
        if mode in ("linear_trend", "polynomial"):
            slope, intercept = self._trend()
            ext = slope * d0 + intercept
        elif mode == "linear_to_zero":
            ext = self.values[-1] * (self.d0_max_mm - d0) / (self.d0_max_mm - last)
        elif mode == "flat":
            ext = np.full_like(d0, self.values[-1])
        else:  # zero
            ext = np.zeros_like(d0)
        eff = np.where(beyond, ext, eff)
        if self.beyond == "zero":
            eff = np.where(far, 0.0, eff)
        elif self.beyond == "unity":
            eff = np.where(far, 1.0, eff)
        return np.clip(eff, 0.0, 1.0)


#: how the first |d0| bin of a (pT, |d0|) map is read (see ``PtD0Map``)
FIRST_BIN = ("linear", "flat")


def _hepdata_map(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pT bin centres, |d0| bin centres, efficiency (pT x d0), missing cells 0) of a HEPData CSV of three columns."""
    rows = []
    for line in text.splitlines():
        parts = line.split(",")
        if line.startswith("#") or len(parts) != 3:
            continue
        try:
            rows.append([float(x) for x in parts])
        except ValueError:  # the header
            continue
    arr = np.array(rows)
    pts, d0s = np.unique(arr[:, 0]), np.unique(arr[:, 1])
    values = np.zeros((pts.size, d0s.size))
    values[np.searchsorted(pts, arr[:, 0]), np.searchsorted(d0s, arr[:, 1])] = arr[:, 2]
    return pts, d0s, values


def _edges(centres: np.ndarray) -> np.ndarray:
    half = 0.5 * (centres[1] - centres[0])
    return np.concatenate([centres - half, [centres[-1] + half]])


@dataclass(frozen=True)
class PtD0Map:
    """Efficiency of one lepton flavour versus generator-level pT and |d0| (an experiment's published map).

    Bins as published (a histogram); a pT above the last bin takes the last bin's value (the overflow is not
    published), below the first bin and beyond the last |d0| bin the efficiency is zero, and so are the cells
    the table leaves out.  The first |d0| bin, 0-50 mm, holds leptons from ``d0_min`` (3 mm) on, the
    denominator's lower edge.  ``first_bin``: ``flat`` (the published value throughout) or ``linear``
    (default): the efficiency falls through the bin with the slope between the first two bins' centres,
    its mean over [d0_min, bin end] the published value (a uniform |d0| distribution in the bin), clipped to
    [0, 1] -- tracks closer to the beam line are found more often, as every neighbouring bin says."""

    pt_edges: np.ndarray
    d0_edges: np.ndarray
    values: np.ndarray
    first_bin: str = "linear"
    d0_min: float = 3.0

    def __post_init__(self):
        if self.first_bin not in FIRST_BIN:
            raise LepreintError(f"first_bin must be one of {', '.join(FIRST_BIN)}, got {self.first_bin!r}")

    @classmethod
    def atlas_susy_2018_14(cls, flavour: str, first_bin: str = "linear") -> PtD0Map:
        name = {"e": "electron", "mu": "muon"}.get(flavour)
        if name is None:
            raise LepreintError(f"flavour must be 'e' or 'mu', got {flavour!r}")
        text = resources.files("lepreint").joinpath(f"data/atlas_susy_2018_14/pt-d0{name}efficiency.csv").read_text()
        pts, d0s, values = _hepdata_map(text)
        return cls(_edges(pts), _edges(d0s), values, first_bin)

    def __call__(self, pt, d0_mm) -> np.ndarray:
        pt = np.asarray(pt, dtype=float)
        d0 = np.abs(np.asarray(d0_mm, dtype=float))
        npt, nd0 = self.values.shape
        i = np.clip(np.searchsorted(self.pt_edges, pt, side="right") - 1, 0, npt - 1)
        j = np.searchsorted(self.d0_edges, d0, side="right") - 1
        inside = (pt >= self.pt_edges[0]) & (j >= 0) & (j < nd0)
        jj = np.clip(j, 0, nd0 - 1)
        eff = self.values[i, jj]
        if self.first_bin == "linear" and nd0 > 1:
            lo, hi = self.d0_min, self.d0_edges[1]
            c1, c2 = self.values[i, 0], self.values[i, 1]
            slope = (c2 - c1) / (0.5 * (self.d0_edges[2] - self.d0_edges[0]))  # per mm, between the centres
            first = c1 + slope * (d0 - 0.5 * (lo + hi))  # the mean over [lo, hi] is c1
            eff = np.where((jj == 0) & (c2 > 0), np.clip(first, 0.0, 1.0), eff)
        return np.where(inside, eff, 0.0)


#: weight of the |d0| reading as a prior in ``unfold_in_radius`` (against 1 per |d0| bin of the simulated sample)
PRIOR_WEIGHT = 0.1


def unfold_in_radius(
    values: np.ndarray,
    pt_edges: np.ndarray,
    d0_edges: np.ndarray,
    r_edges: np.ndarray,
    pt: np.ndarray,
    d0: np.ndarray,
    r: np.ndarray,
) -> np.ndarray:
    """A (pT, |d0|) efficiency map read as an efficiency in (pT, production radius): per pT bin, the f(r) in
    ``r_edges`` bins, non-increasing in r and non-negative, whose averages over the leptons of each |d0| bin of a
    simulation of the map's own sample (``pt``, ``d0``, ``r``) reproduce the map (least squares; leptons produced
    beyond the last radius edge count with efficiency 0).  A weak prior (weight ``PRIOR_WEIGHT``) pulls each f(r)
    towards the map's value at |d0| = r: where the sample cannot tell (few leptons, e.g. high pT at large
    |d0|), the |d0| reading stands.  Requires ``r_edges`` = the map's |d0| edges.  Returns (pT bins x r bins)."""
    from scipy.optimize import lsq_linear

    npt, nd0 = values.shape
    nr = r_edges.size - 1
    out = np.zeros((npt, nr))
    upper = np.triu(np.ones((nr, nr)))  # f = U delta, delta >= 0: f non-increasing in r
    for i in range(npt):
        in_pt = (pt >= pt_edges[i]) & (pt < pt_edges[i + 1])  # the overflow is not in the published last bin
        rows, target = [], []
        for j in range(nd0):
            b = in_pt & (d0 >= d0_edges[j]) & (d0 < d0_edges[j + 1])
            if b.sum() < 20:  # too few simulated leptons to constrain anything
                continue
            k = np.searchsorted(r_edges, r[b], side="right") - 1
            frac = np.bincount(k[(k >= 0) & (k < nr)], minlength=nr)[:nr] / b.sum()
            rows.append(frac)
            target.append(values[i, j])
        if not rows:
            continue
        a = np.vstack([np.array(rows), PRIOR_WEIGHT * np.eye(nr)]) @ upper
        t = np.concatenate([np.array(target), PRIOR_WEIGHT * values[i, :nr]])
        sol = lsq_linear(a, t, bounds=(0.0, np.inf))
        out[i] = np.clip(upper @ sol.x, 0.0, 1.0)
    return out


def _atlas_maps(name: str, flavour: str) -> tuple[dict, str]:
    """(the shipped JSON file ``name`` of ATLAS's maps read another way, the flavour's key in it)."""
    import json

    key = {"e": "electron", "mu": "muon"}.get(flavour)
    if key is None:
        raise LepreintError(f"flavour must be 'e' or 'mu', got {flavour!r}")
    return json.loads(resources.files("lepreint").joinpath(f"data/atlas_susy_2018_14/{name}").read_text()), key


@dataclass(frozen=True)
class PtRMap:
    """Efficiency of one lepton flavour versus generator-level pT and production radius (mm): a (pT, |d0|) map
    unfolded in radius (``unfold_in_radius``; ``lepreint/data/atlas_susy_2018_14/radius_maps.json``, made by
    ``python -m validation.atlas_maps``).  Histogram in both; pT above the last bin takes the last bin, below the
    first bin and beyond the last radius edge the efficiency is zero."""

    pt_edges: np.ndarray
    r_edges: np.ndarray
    values: np.ndarray

    @classmethod
    def atlas_susy_2018_14(cls, flavour: str) -> PtRMap:
        d, key = _atlas_maps("radius_maps.json", flavour)
        return cls(np.asarray(d["pt_edges_GeV"]), np.asarray(d["r_edges_mm"]), np.asarray(d[key]))

    def __call__(self, pt, r_mm) -> np.ndarray:
        pt = np.asarray(pt, dtype=float)
        r = np.asarray(r_mm, dtype=float)
        npt, nr = self.values.shape
        i = np.clip(np.searchsorted(self.pt_edges, pt, side="right") - 1, 0, npt - 1)
        k = np.searchsorted(self.r_edges, r, side="right") - 1
        inside = (pt >= self.pt_edges[0]) & (k >= 0) & (k < nr)
        return np.where(inside, self.values[i, np.clip(k, 0, nr - 1)], 0.0)


def fit_radius_and_d0(
    values: np.ndarray,
    pt_edges: np.ndarray,
    d0_edges: np.ndarray,
    r_edges: np.ndarray,
    pt: np.ndarray,
    d0: np.ndarray,
    r: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (pT, |d0|) efficiency map read as a product ``a(pT) h(r) g(|d0|)`` of the lepton's pT, production
    radius and |d0|: tracking loses layers with the radius (``h``), the track finding and the selection lose
    tracks with |d0| (``g``).  ``h`` and ``g`` start at 1 and do not increase, ``a`` lies in [0, 1]; least squares
    of the map's cells against their averages over the leptons of a simulation of the map's own sample (``pt``,
    ``d0``, ``r``; cells with fewer than 20 leptons left out; leptons beyond the last radius edge count 0).  The
    two are told apart because the sample's leptons of a given |d0| come from larger radii at higher pT.
    Returns ``(a, h, g)`` over the pT, radius and |d0| bins."""
    from scipy.optimize import least_squares

    npt, nd0 = values.shape
    nr = r_edges.size - 1
    # the published cells count the leptons inside their pT bins: not the overflow (ATLAS: "the overflow is not
    # shown"), which would otherwise join the last bin
    i = np.where((pt >= pt_edges[0]) & (pt < pt_edges[-1]), np.searchsorted(pt_edges, pt, side="right") - 1, -1)
    j = np.searchsorted(d0_edges, d0, side="right") - 1
    k = np.searchsorted(r_edges, r, side="right") - 1
    cells, frac, target = [], [], []
    for a in range(npt):
        for b in range(nd0):
            c = (i == a) & (j == b)
            if c.sum() < 20:  # too few simulated leptons to constrain anything
                continue
            kk = k[c]
            frac.append(np.bincount(kk[(kk >= 0) & (kk < nr)], minlength=nr)[:nr] / c.sum())
            cells.append((a, b))
            target.append(values[a, b])
    if not cells:
        raise LepreintError("fit_radius_and_d0: no cell of the map holds 20 simulated leptons")
    cell, f, t = np.array(cells), np.array(frac), np.array(target)

    def unpack(x):
        a = x[:npt]
        h = np.concatenate([[1.0], np.cumprod(x[npt : npt + nr - 1])])
        g = np.concatenate([[1.0], np.cumprod(x[npt + nr - 1 :])])
        return a, h, g

    def residuals(x):
        a, h, g = unpack(x)
        return a[cell[:, 0]] * g[cell[:, 1]] * (f @ h) - t

    x0 = np.concatenate([np.full(npt, 0.6), np.full(nr - 1, 0.8), np.full(nd0 - 1, 0.9)])
    sol = least_squares(residuals, x0, bounds=(0.0, 1.0))
    return unpack(sol.x)


@dataclass(frozen=True)
class PtRD0Map:
    """Efficiency of one lepton flavour as ``a(pT) h(production radius) g(|d0|)`` (``fit_radius_and_d0``;
    ``lepreint/data/atlas_susy_2018_14/radius_d0_maps.json``, made by ``python -m validation.atlas_maps``).
    Histograms; pT above the last bin takes the last bin, below the first bin, beyond the last radius or |d0|
    edge the efficiency is zero."""

    pt_edges: np.ndarray
    r_edges: np.ndarray
    d0_edges: np.ndarray
    a: np.ndarray
    h: np.ndarray
    g: np.ndarray

    @classmethod
    def atlas_susy_2018_14(cls, flavour: str) -> PtRD0Map:
        d, key = _atlas_maps("radius_d0_maps.json", flavour)
        f = d[key]
        return cls(
            *(np.asarray(d[e]) for e in ("pt_edges_GeV", "r_edges_mm", "d0_edges_mm")),
            *(np.asarray(f[x]) for x in ("a", "h", "g")),
        )

    def __call__(self, pt, r_mm, d0_mm) -> np.ndarray:
        pt = np.asarray(pt, dtype=float)
        r, d0 = np.asarray(r_mm, dtype=float), np.abs(np.asarray(d0_mm, dtype=float))
        i = np.clip(np.searchsorted(self.pt_edges, pt, side="right") - 1, 0, self.a.size - 1)
        k = np.searchsorted(self.r_edges, r, side="right") - 1
        j = np.searchsorted(self.d0_edges, d0, side="right") - 1
        inside = (pt >= self.pt_edges[0]) & (k >= 0) & (k < self.h.size) & (j >= 0) & (j < self.g.size)
        eff = self.a[i] * self.h[np.clip(k, 0, self.h.size - 1)] * self.g[np.clip(j, 0, self.g.size - 1)]
        return np.where(inside, eff, 0.0)
