"""What a scan hands back: excluded c tau ranges, mass reach, and the plots (matplotlib + mplhep).

``excluded_range``  the c tau interval with R95 > 1 on one (m_c, dm) curve (log-log interpolation);
                    an end is None when R95 > 1 at the scan's edge (the range continues beyond it)
``mass_reach``      per dm and luminosity: the largest m_c at which some c tau has R95 > 1, interpolated
                    (log R95 linear in m_c) between the last excluded and the first non-excluded mass
``plot_scan``       R95 vs c tau per (m_c, dm) and luminosity; the exclusion map in the (m_c, c tau) plane per
                    dm with the R95 = 1 contour (when the scan has several masses)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lepreint.extras import available
from lepreint.models import scan_plane

__all__ = ["excluded_intervals", "excluded_range", "mass_limit", "mass_reach", "plot_scan", "curves"]


def _pair(mc: float, dm: float | None) -> str:
    """A group's label: (m, dm) GeV, or m GeV for a model without a dm axis."""
    return f"{mc:g} GeV" if dm is None else f"({mc:g}, {dm:g}) GeV"


def _dm_tag(dm: float | None, sep: str = " = ") -> str:
    return "" if dm is None else f"dm{sep}{dm:g}"


def curves(rows: list[dict], lumi: float) -> dict[tuple[float, float], tuple[np.ndarray, np.ndarray]]:
    """(m_c, dm) -> (c tau, R95) arrays of the successful points, c tau ascending."""
    out: dict = {}
    for r in rows:
        if r.get("status") != "ok":
            continue
        out.setdefault((r["mc"], r["dm"]), []).append((r["ctau_mm"], r[f"R95@{lumi:g}"]))
    return {k: tuple(np.array(x) for x in zip(*sorted(v))) for k, v in out.items()}


def cls_curves(rows: list[dict], lumi: float, key: str = "CLs_mu_up") -> dict:
    """(m_c, dm) -> (c tau, 1 / mu_up) arrays of a scan with the observed counts (``key``: ``CLs_mu_up``, the observed
    limit; ``CLs_mu_up_exp`` the expected one, ``CLs_mu_up_exp_m1`` / ``_p1`` its band), > 1 where excluded like
    R95; empty unless every successful point has it (points computed before expected limits were kept have none)."""
    ok = [r for r in rows if r.get("status") == "ok"]
    col = f"{key}@{lumi:g}"
    if not ok or any(r.get(col) in (None, "") for r in ok):
        return {}
    out: dict = {}
    for r in ok:
        mu = float(r[col])
        out.setdefault((r["mc"], r["dm"]), []).append((r["ctau_mm"], 1.0 / mu if mu > 0 else np.inf))
    return {k: tuple(np.array(x) for x in zip(*sorted(v))) for k, v in out.items()}


def _stretches(ctau: np.ndarray, r95: np.ndarray):
    """(the log c tau grid, its stretches [a, b) of R95 > 1) by log-log interpolation."""
    lc, lr = np.log(ctau), np.log(np.maximum(r95, 1e-300))
    grid = np.linspace(lc[0], lc[-1], 4001)
    above = np.interp(grid, lc, lr) > 0
    edges = np.flatnonzero(np.diff(np.concatenate([[False], above, [False]]).astype(int)))
    return grid, list(zip(edges[::2], edges[1::2]))


def _ends(grid, a: int, b: int) -> tuple[float | None, float | None]:
    """A stretch's c tau ends; an end at the curve's edge is None (the exclusion may go on beyond it)."""
    return (None if a == 0 else float(np.exp(grid[a]))), (None if b == grid.size else float(np.exp(grid[b - 1])))


def excluded_intervals(ctau: np.ndarray, r95: np.ndarray) -> list[tuple[float | None, float | None]]:
    """Every c tau interval with R95 > 1 (log-log interpolation), in order; an end at the curve's edge is None
    (the exclusion may go on beyond the scanned c tau)."""
    grid, stretches = _stretches(np.asarray(ctau, float), np.asarray(r95, float))
    return [_ends(grid, a, b) for a, b in stretches]


def excluded_range(ctau: np.ndarray, r95: np.ndarray) -> tuple[float | None, float | None, float | None]:
    """(lowest, highest c tau of the excluded interval around the largest R95, c tau of the largest R95); (None,
    None, c) if nothing is excluded.  An end at the curve's edge is None.  Where R95 falls below 1 and rises again,
    the other intervals are ``excluded_intervals``'s."""
    ctau, r95 = np.asarray(ctau, float), np.asarray(r95, float)
    i = int(np.argmax(r95))
    best = float(ctau[i])
    if not r95[i] > 1:
        return None, None, best
    grid, stretches = _stretches(ctau, r95)
    k = int(np.argmin(np.abs(grid - np.log(best))))  # the grid point at the largest R95 (a node of the grid's ends)
    for a, b in stretches:
        if a <= k < b:
            return (*_ends(grid, a, b), best)
    # the peak between grid points (a spike narrower than the grid's step): the nearest stretch
    a, b = min(stretches, key=lambda ab: min(abs(ab[0] - k), abs(ab[1] - 1 - k)))
    return (*_ends(grid, a, b), best)


def mass_reach(rows: list[dict], lumi: float, scale_to: float | None = None) -> dict[float, float | None]:
    """dm -> the largest excluded m_c (None if no mass is excluded; the largest scanned if all are).

    ``scale_to``: the reach at another luminosity from the R95 at ``lumi``: R95 (Eq. 3.3, Q with N = B) is
    linear in the luminosity when signal and background both scale with it.
    """
    f = 1.0 if scale_to is None else scale_to / lumi
    best: dict = {}
    for (mc, dm), (_, r) in curves(rows, lumi).items():
        best.setdefault(dm, []).append((mc, float(np.max(r)) * f))
    out = {}
    for dm, v in best.items():
        v.sort()
        mcs, rmax = np.array([a for a, _ in v]), np.array([b for _, b in v])
        exc = rmax > 1
        if not exc.any():
            out[dm] = None
            continue
        i = int(np.flatnonzero(exc).max())
        if i == len(mcs) - 1:
            out[dm] = float(mcs[-1])
            continue
        l1, l2 = np.log(rmax[i]), np.log(max(rmax[i + 1], 1e-300))
        out[dm] = float(mcs[i] + (mcs[i + 1] - mcs[i]) * l1 / (l1 - l2))
    return out


def mass_limit(rows: list[dict], lumi: float, ctau: float, dm: float | None = None, key: str = "R95") -> float | None:
    """The largest excluded mass at proper decay length ``ctau`` (mm): per mass, ``key`` (``R95``: excluded above 1;
    a ``CLs_mu_up`` column, the CLs upper limit on the signal strength: excluded below 1) interpolated in log c tau,
    then the crossing in mass (log-linear).  None: no mass excluded; the largest scanned mass if all are."""
    if key != "R95" and not key.startswith("CLs_mu_up"):
        raise ValueError(f"key must be 'R95' or a CLs_mu_up column, got {key!r}")
    per_mass = []
    for r_mc in sorted({r["mc"] for r in rows if r.get("status") == "ok" and r.get("dm") == dm}):
        pts = sorted(
            (r["ctau_mm"], r[f"{key}@{lumi:g}"])
            for r in rows
            if r.get("status") == "ok" and r["mc"] == r_mc and r.get("dm") == dm
        )
        c, v = np.array([p[0] for p in pts]), np.array([p[1] for p in pts], float)
        if not c[0] <= ctau <= c[-1]:
            continue
        val = float(np.exp(np.interp(np.log(ctau), np.log(c), np.log(np.maximum(v, 1e-300)))))
        # excluded when R95 > 1 or mu_up < 1: one "strength" above 1 either way
        per_mass.append((r_mc, val if key == "R95" else 1.0 / max(val, 1e-300)))
    if not per_mass:
        return None
    mcs, strength = np.array([m for m, _ in per_mass]), np.array([x for _, x in per_mass])
    exc = strength > 1
    if not exc.any():
        return None
    i = int(np.flatnonzero(exc).max())
    if i == len(mcs) - 1:
        return float(mcs[-1])
    l1, l2 = np.log(strength[i]), np.log(max(strength[i + 1], 1e-300))
    return float(mcs[i] + (mcs[i + 1] - mcs[i]) * l1 / (l1 - l2))


def _style():
    """A context with mplhep's CMS style when the ``plots`` extra is installed, matplotlib's own otherwise; the
    global style is restored afterwards (plots change no state of the caller's matplotlib)."""
    import contextlib

    if available("mplhep"):
        import matplotlib.style
        import mplhep

        return matplotlib.style.context(mplhep.style.CMS)
    return contextlib.nullcontext()


def _figure():
    """A figure of its own (no pyplot: no backend switch, nothing left open in the caller's session)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 8))
    return fig, fig.subplots()


#: the files the plots below write into a scan's folder (``run_scan`` removes them with a replaced scan)
PLOT_GLOBS = ("r95_vs_ctau.png", "mass_reach_vs_lumi.png", "exclusion_*.png", "r95_*.png")


def plot_scan(rows: list[dict], lumis: list[float], folder: str | Path, extrapolate: bool = True) -> list[Path]:
    """R95 against c tau per mass (and dm), the exclusion per dm and luminosity, and (``extrapolate``) the mass
    reach against luminosity scaled from the first luminosity's R95, which holds for expected limits (N = B) only:
    a scan with the observed counts has no such curve."""
    with _style():
        return _plot_scan(rows, lumis, folder, extrapolate)


def _plot_scan(rows: list[dict], lumis: list[float], folder: str | Path, extrapolate: bool) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    fig, ax = _figure()
    with_dm = False
    for lumi in lumis:
        for (mc, dm), (c, r) in sorted(curves(rows, lumi).items()):
            with_dm |= dm is not None
            ax.plot(c, r, marker=".", label=f"{_pair(mc, dm)}, {lumi:g} /fb")
    ax.axhline(1.0, color="k", ls="--")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("c tau [mm]")
    ax.set_ylabel("R95  (> 1: excluded at 95% CL)")
    ax.legend(fontsize=15, ncol=2, title="(m_c, dm), luminosity" if with_dm else "mass, luminosity", title_fontsize=15)
    fig.tight_layout()
    written.append(folder / "r95_vs_ctau.png")
    fig.savefig(written[-1], dpi=70)
    mcs = sorted({r["mc"] for r in rows if r.get("status") == "ok"})
    if len(mcs) >= 2:
        if extrapolate:
            lgrid = np.geomspace(1.0, 3000.0, 60)
            fig, ax = _figure()
            for dm in sorted({r["dm"] for r in rows if r.get("status") == "ok"}):
                reach = [mass_reach(rows, lumis[0], L).get(dm) for L in lgrid]
                label = f"{_dm_tag(dm)} GeV" if dm else "reach"
                ax.plot(lgrid, [np.nan if v is None else v for v in reach], label=label)
            ax.axhline(max(mcs), color="grey", ls=":", label="largest mass scanned")
            ax.set_xscale("log")
            ax.set_xlabel("integrated luminosity [fb$^{-1}$]")
            ax.set_ylabel("mass reach [GeV] (R95 > 1 for some c tau)")
            ax.legend(fontsize=12)
            fig.tight_layout()
            written.append(folder / "mass_reach_vs_lumi.png")
            fig.savefig(written[-1], dpi=70)
        for dm in sorted({r["dm"] for r in rows if r.get("status") == "ok"}):
            for lumi in lumis:
                cv = {mc: v for (mc, d), v in curves(rows, lumi).items() if d == dm}
                ct = sorted({float(x) for v in cv.values() for x in v[0]})
                if len(cv) < 2 or len(ct) < 2:
                    continue
                z = np.full((len(ct), len(cv)), np.nan)
                for j, mc in enumerate(sorted(cv)):
                    c, r = cv[mc]
                    z[:, j] = np.interp(np.log(ct), np.log(c), np.log10(np.maximum(r, 1e-300)))
                fig, ax = _figure()
                m = ax.pcolormesh(sorted(cv), ct, z, shading="nearest", cmap="viridis", vmin=-3, vmax=3)
                ax.contour(sorted(cv), ct, z, levels=[0.0], colors="r", linewidths=2)
                drawn = _cls_contours(ax, rows, lumi, dm, sorted(cv), ct)
                fig.colorbar(m, ax=ax, label="log10 R95")
                ax.set_yscale("log")
                ax.set_xlabel("mass [GeV]" if dm is None else "m_c [GeV]")
                ax.set_ylabel("c tau [mm]")
                what = "red: R95 = 1" + (
                    "; white: CLs observed (solid), expected (dashed) +-1 sigma (dotted)" if drawn else ""
                )
                ax.set_title(
                    f"{_dm_tag(dm)} GeV, {lumi:g} /fb; {what}" if dm is not None else f"{lumi:g} /fb; {what}",
                    fontsize=14 if not drawn else 11,
                )
                fig.tight_layout()
                written.append(
                    folder
                    / (
                        f"exclusion_{_dm_tag(dm, '')}_lumi{lumi:g}.png"
                        if dm is not None
                        else f"exclusion_lumi{lumi:g}.png"
                    )
                )
                fig.savefig(written[-1], dpi=70)
    return written


#: the CLs contours of an exclusion map: (row key, line style)
CLS_CONTOURS = (
    ("CLs_mu_up", "solid"),
    ("CLs_mu_up_exp", "dashed"),
    ("CLs_mu_up_exp_m1", "dotted"),
    ("CLs_mu_up_exp_p1", "dotted"),
)


def _cls_contours(ax, rows: list[dict], lumi: float, dm, masses: list, ct: list) -> bool:
    """mu_up = 1 contours on an exclusion map, where the scan has the observed counts' CLs; whether any was drawn."""
    drawn = False
    for key, style in CLS_CONTOURS:
        cv = {mc: v for (mc, d), v in cls_curves(rows, lumi, key).items() if d == dm}
        if len(cv) != len(masses):
            continue
        z = np.full((len(ct), len(masses)), np.nan)
        for j, mc in enumerate(masses):
            c, inv = cv[mc]
            z[:, j] = np.interp(np.log(ct), np.log(c), np.log10(np.clip(inv, 1e-300, 1e300)))
        if np.nanmax(z) > 0 > np.nanmin(z):
            ax.contour(masses, ct, z, levels=[0.0], colors="w", linewidths=2, linestyles=style)
            drawn = True
    return drawn


def plane_axes(model: str) -> tuple:
    """((row key, label, scale), (row key, label, scale)) of a model's map (``ScanPlane.plane``)."""

    return scan_plane(model).plane


def plane(rows: list[dict], lumi: float, model: str, kind: str = "R95"):
    """(x values, y values, ``kind`` matrix (len y, len x), NaN where a point failed) of a model's natural plane."""
    (kx, _, _), (ky, _, _) = plane_axes(model)
    ok = [r for r in rows if r.get("status") == "ok"]
    xs = sorted({r[kx] for r in rows})
    ys = sorted({r[ky] for r in rows})
    z = np.full((len(ys), len(xs)), np.nan)
    for r in ok:
        z[ys.index(r[ky]), xs.index(r[kx])] = r[f"{kind}@{lumi:g}"]
    return np.array(xs), np.array(ys), z


def plot_plane(
    rows: list[dict], lumis: list[float], folder: str | Path, model: str, network: bool = True
) -> list[Path]:
    """R95 maps in a model's natural plane ((m, dm) for higgsinos, (m_N, |U|^2) for heavy neutral leptons),
    with the R95 = 1 contour, one per luminosity (and one without the network when the scan used it).  The
    colour range follows the values (R95 spans many decades where nothing is excluded).  ``network``: whether
    the scan's R95 column is the network's (else it is the cut-based selection's)."""
    with _style():
        return _plot_plane(rows, lumis, folder, model, network)


def _plot_plane(rows: list[dict], lumis: list[float], folder: str | Path, model: str, network: bool) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (_, xl, xscale), (_, yl, yscale) = plane_axes(model)
    written = []
    kinds = [k for k in ("R95", "R95_cut") if any(f"{k}@{lumis[0]:g}" in r for r in rows)]
    for kind in kinds:
        for lumi in lumis:
            x, y, z = plane(rows, lumi, model, kind)
            pos = z[np.isfinite(z) & (z > 0)]
            hi = max(float(np.log10(pos.max())) if pos.size else 0.0, 0.5)
            lo = min(float(np.floor(np.log10(pos.min()))) if pos.size else -1.0, hi - 1)
            lz = np.where(np.isfinite(z), np.log10(np.maximum(z, 10.0**lo)), np.nan)
            fig, ax = _figure()
            m = ax.pcolormesh(x, y, lz, shading="nearest", cmap="viridis", vmin=lo, vmax=hi)
            fig.colorbar(m, ax=ax, label=f"log10 {kind} (0 and below 1e{lo:g} at the bottom)")
            if len(x) >= 2 and len(y) >= 2 and np.nanmax(lz) > 0 > np.nanmin(lz):
                ax.contour(x, y, lz, levels=[0.0], colors="r", linewidths=2)
            ax.set_xscale(xscale)
            ax.set_yscale(yscale)
            ax.set_xlabel(xl)
            ax.set_ylabel(yl)
            what = "network" if kind == "R95" and network else "cut-based"
            ax.set_title(f"{model}, {what}, {lumi:g} /fb; red: R95 = 1 (excluded inside)", fontsize=14)
            fig.tight_layout()
            written.append(folder / f"{kind.lower()}_{model}_lumi{lumi:g}.png")
            fig.savefig(written[-1], dpi=70)
    return written
