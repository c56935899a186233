"""HEPData-format export of a scan (hepdata_lib): R95 versus c tau per (m_c, dm), and the mass reach; for models
scanned in their own plane (higgsinos, heavy neutral leptons) R95 over that plane.

``export_hepdata(rows, lumis, folder)`` writes ``folder/hepdata/`` (submission.yaml and one YAML file per
table, plus the archive hepdata_lib builds), ready to attach to a paper's HEPData record.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from lepreint.results.plots import cls_curves, curves, mass_reach, plane, plane_axes

__all__ = ["export_hepdata"]


#: the CLs columns of a scan with the observed counts: (row key, HEPData variable)
CLS_COLUMNS = (
    ("CLs_mu_up", "CLs mu_up observed"),
    ("CLs_mu_up_exp", "CLs mu_up expected"),
    ("CLs_mu_up_exp_m1", "CLs mu_up expected -1 sigma"),
    ("CLs_mu_up_exp_p1", "CLs mu_up expected +1 sigma"),
)


def export_hepdata(
    rows: list[dict],
    lumis: list[float],
    folder: str | os.PathLike,
    description: str = "",
    model: str = "coscattering",
    sqrt_s_tev: float = 13.0,
    statistic: str = "expected",
) -> Path:
    """HEPData tables of a scan in ``folder/hepdata``; ``sqrt_s_tev``: the collision energy of the analysis;
    ``statistic``: the scan's (``expected``: R95 with N = B; ``observed``: with the observed counts)."""
    from hepdata_lib import Submission, Table, Variable

    sub = Submission()
    sub.comment = description or "lepreint reinterpretation of the soft displaced e-mu search (R95 = Q/5.99)."
    word = "Observed" if statistic == "observed" else "Expected"
    if plane_axes(model) is not None:
        return _write(_plane_tables(sub, rows, lumis, model, sqrt_s_tev, word), folder)
    cls = {(lumi, key): cls_curves(rows, lumi, key) for lumi in lumis for key, _ in CLS_COLUMNS}
    by_point: dict = {}
    for lumi in lumis:
        for key, (c, r) in curves(rows, lumi).items():
            by_point.setdefault(key, {})[lumi] = (c, r)
    for (mc, dm), per_lumi in sorted(by_point.items()):
        if dm is None:  # a model without a dm axis (top squarks)
            t = Table(f"R95 vs ctau mass {mc:g} GeV")
            t.description = (
                f"{word} R95 (> 1: excluded at 95% CL) versus the proper decay length for a mass of {mc:g} GeV."
            )
        else:
            t = Table(f"R95 vs ctau mc {mc:g} GeV dm {dm:g} GeV")  # file r95_vs_ctau_mc_220_gev_dm_20_gev.yaml
            t.description = (
                f"{word} R95 (> 1: excluded at 95% CL) versus the mediator's proper decay length for "
                f"m_c = {mc:g} GeV, dm = {dm:g} GeV."
            )
        c0 = next(iter(per_lumi.values()))[0]
        x = Variable("c tau", is_independent=True, is_binned=False, units="mm")
        x.values = [float(v) for v in c0]
        t.add_variable(x)
        for lumi, (_c, r) in per_lumi.items():
            y = Variable("R95", is_independent=False, is_binned=False, units="")
            y.values = [float(v) for v in r]
            y.add_qualifier("SQRT(S)", sqrt_s_tev, "TeV")
            y.add_qualifier("LUMINOSITY", lumi, "fb$^{-1}$")
            t.add_variable(y)
            for key, name in CLS_COLUMNS:  # a scan with the observed counts: the CLs limits beside R95
                cv = cls[(lumi, key)].get((mc, dm))
                if cv is None:
                    continue
                y = Variable(name, is_independent=False, is_binned=False, units="")
                y.values = [float(1.0 / v) if v > 0 else "-" for v in cv[1]]
                y.add_qualifier("SQRT(S)", sqrt_s_tev, "TeV")
                y.add_qualifier("LUMINOSITY", lumi, "fb$^{-1}$")
                t.add_variable(y)
        sub.add_table(t)
    for dm in sorted({r["dm"] for r in rows if r.get("status") == "ok"}):
        masses = sorted({r["mc"] for r in rows if r.get("status") == "ok" and r["dm"] == dm})
        if len(masses) < 2:  # one mass: no reach to interpolate
            continue
        reach = [(lumi, mass_reach(rows, lumi).get(dm)) for lumi in lumis]
        if all(v is None for _, v in reach):
            continue
        tag = "" if dm is None else f" dm {dm:g} GeV"
        t = Table(f"Mass reach{tag}")
        t.description = (
            f"Largest mass with {word.lower()} R95 > 1 for some c tau{tag}, versus integrated luminosity; '-' where "
            f"no mass is excluded or where the heaviest scanned ({masses[-1]:g} GeV) is (the reach lies beyond the grid)."
        )
        x = Variable("Integrated luminosity", is_independent=True, is_binned=False, units="fb$^{-1}$")
        x.values = [float(lumi) for lumi, _ in reach]
        y = Variable("mass reach", is_independent=False, is_binned=False, units="GeV")
        # the heaviest scanned mass excluded: the reach is beyond the grid, not that mass
        y.values = [float(v) if v is not None and v < masses[-1] else "-" for _, v in reach]
        t.add_variable(x)
        t.add_variable(y)
        sub.add_table(t)
    return _write(sub, folder)


def _plane_tables(sub, rows, lumis, model, sqrt_s_tev, word="Expected"):
    """R95 in a model's natural plane, one table per luminosity (x, y independent, R95 dependent)."""
    from hepdata_lib import Table, Variable

    (kx, _, _), (ky, _, _) = plane_axes(model)
    for lumi in lumis:
        x, y, z = plane(rows, lumi, model)
        t = Table(f"R95 {model} {lumi:g} invfb")
        t.description = f"{word} R95 (> 1: excluded at 95% CL) in the ({kx}, {ky}) plane, {lumi:g} fb^-1."
        vx = Variable(kx, is_independent=True, is_binned=False, units="GeV" if kx in ("mc", "mN") else "")
        vy = Variable(ky, is_independent=True, is_binned=False, units="GeV" if ky == "dm" else "")
        vz = Variable("R95", is_independent=False, is_binned=False, units="")
        xx, yy = np.meshgrid(x, y)
        vx.values, vy.values = [float(v) for v in xx.ravel()], [float(v) for v in yy.ravel()]
        vz.values = [float(v) if np.isfinite(v) else "-" for v in z.ravel()]
        vz.add_qualifier("SQRT(S)", sqrt_s_tev, "TeV")
        vz.add_qualifier("LUMINOSITY", lumi, "fb$^{-1}$")
        for v in (vx, vy, vz):
            t.add_variable(v)
        sub.add_table(t)
    return sub


def _write(sub, folder) -> Path:
    out = (Path(folder) / "hepdata").resolve()
    # hepdata_lib writes its archive (submission.tar.gz) into the working directory: work in the scan's folder
    import contextlib

    for t in sub.tables:  # hepdata_lib's default is a placeholder ("Example location")
        t.location = "lepreint scan (scan.csv of this folder); not a figure of a publication"
    with contextlib.chdir(out.parent):
        sub.create_files(str(out), remove_old=True)
    return out
