"""ATLAS's own numbers: its displaced-lepton search (SUSY-2018-14, 139 /fb) published the generator-level acceptance
and the detector-level efficiency of every selectron point apart; lepreint's, with the atlas_run2 detector (ATLAS's
(pT, |d0|) maps) and the atlas_susy_2018_14 card, beside them.

One Pythia production per mass (``EVENTS`` events, lepreint's decays ``OVERSAMPLING`` times each), its decays moved
to each lifetime (the full chain on the moved sample).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from validation.core import SECTIONS, producer

__all__ = ["MASSES", "LIFETIMES_NS", "atlas_table", "slepton_sample"]

_REF = Path(__file__).resolve().parent / "reference" / "atlas_susy_2018_14"
MASSES = (50, 100, 200, 300, 400, 500, 600, 700, 800, 900)
LIFETIMES_NS = (0.01, 0.1, 1.0, 10.0)
EVENTS = 5000
OVERSAMPLING = 10
SEED = 1814
C_MM_PER_NS = 299.792458


def atlas_table(name: str) -> dict[tuple[int, float], float]:
    """An ATLAS (mass, log10 lifetime) table: {(mass GeV, lifetime ns): value}; the bin centred at
    (m + 25 GeV, log10 tau + 0.5) holds the point (m, tau)."""
    out = {}
    for line in (_REF / name).read_text().splitlines():
        parts = line.split(",")
        if line.startswith("#") or len(parts) != 3:
            continue
        try:
            m, lt, v = (float(x) for x in parts)
        except ValueError:
            continue
        out[(round(m - 25), round(10 ** (lt - 0.5), 4))] = v
    return out


def slepton_sample(mass: float, flavour: str = "e", events: int = EVENTS, seed: int = SEED):
    """The slepton production at ``mass`` (cached), its decays at 1 ns."""
    from lepreint.events.generation.engine import build_request, generate

    req = build_request(
        model="slepton",
        parameters={"mslep": float(mass), "ctau": C_MM_PER_NS},
        events=events,
        seed=seed,
        oversampling=OVERSAMPLING,
        options={"flavour": flavour},
    )
    return generate(req, workers=2, progress=False)


def _moved(sample, tau_ns: float):
    from lepreint.events.lifetime import resample

    return sample if tau_ns == 1.0 else resample(sample, tau_ns * C_MM_PER_NS, draws=1, seed=SEED)


def _yields(moved, map_variable: str | None = None, anywhere: bool = False):
    """Yields in ATLAS's search; ``map_variable``: the detector option; ``anywhere``: no truth volume."""
    import dataclasses

    from lepreint.analysis.yields import signal_yields
    from lepreint.config.cards import analysis_config
    from lepreint.detector.simulate import Detector

    cfg = analysis_config("atlas_susy_2018_14")
    if anywhere:
        cfg = dataclasses.replace(cfg, truth_volume=None)
    return signal_yields(moved, cfg, Detector("atlas_run2", map_variable=map_variable))


@producer("atlas18014.selectron.", slow=True)
def _selectron_grid():
    acc_ref, eff_ref = atlas_table("Selectronacceptance.csv"), atlas_table("Selectronefficiency.csv")
    out: dict[str, tuple[float | None, str]] = {}
    for m in MASSES:
        sample = slepton_sample(m)
        for tau in LIFETIMES_NS:
            moved = _moved(sample, tau)
            y = _yields(moved)
            by_d0 = _yields(moved, "d0")  # the maps as published, in |d0|
            anywhere = _yields(moved, anywhere=True).acceptance[0]  # decays anywhere in the acceptance
            a, a_err = y.acceptance[0], y.acceptance_err[0]
            ae, ae_err = y.efficiency[0], y.efficiency_err[0]
            e = ae / a if a > 0 else 0.0
            A, E = acc_ref.get((m, tau)), eff_ref.get((m, tau))
            base = f"atlas18014.selectron.m{m}.tau_{tau:g}ns.SRee"

            def ratio(x, ref):
                return f"ratio {x / ref:.3g}" if ref else "ATLAS 0"

            out[f"{base}.acceptance"] = (
                a,
                f"+- {a_err:.2g} (MC); {ratio(a, A)}; with decays anywhere (no truth volume): {anywhere:.3g}",
            )
            e_d0 = by_d0.efficiency[0] / a if a else 0.0
            out[f"{base}.efficiency"] = (e, f"{ratio(e, E)}; maps read in |d0| instead: {e_d0:.3g} ({ratio(e_d0, E)})")
            out[f"{base}.acc_eff"] = (
                ae,
                f"+- {ae_err:.2g} (MC); {ratio(ae, (A or 0) * (E or 0))}; S = {y.S[0]:.3g} events at 139 /fb "
                f"(sigma {y.xsec_fb:.4g} fb)",
            )
    return out


def _section(by: dict) -> list[str]:
    ids = [i for i in by if i.startswith("atlas18014.selectron.") and by[i].ours is not None]
    if not ids:
        return []
    out = [
        "## ATLAS's own numbers: sleptons in the displaced-lepton search (SUSY-2018-14)",
        "",
        "ATLAS published the generator-level acceptance and the detector-level efficiency (over the acceptance) of "
        "every selectron point in SR-ee. lepreint: Pythia 8 slepton pairs (L and R, mass degenerate), its own "
        f"decay to e + gravitino ({EVENTS} events per mass, {OVERSAMPLING} decays each, moved to each lifetime), "
        "the atlas_run2 detector (ATLAS's (pT, |d0|) maps read in production radius), the atlas_susy_2018_14 card "
        "(decays inside the calorimeters' envelope in the acceptance). "
        "Compared where ATLAS's acceptance exceeds 0.05 (acceptance within 15%, acceptance x efficiency within 25%).",
        "",
        "| m (GeV) | tau (ns) | acceptance ours | ATLAS | ratio | efficiency ours | ATLAS | ratio | A x eff ours | "
        "ATLAS | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    logs = []
    for m in MASSES:
        for tau in LIFETIMES_NS:
            base = f"atlas18014.selectron.m{m}.tau_{tau:g}ns.SRee"
            row = [f"{m}", f"{tau:g}"]
            for q in ("acceptance", "efficiency", "acc_eff"):
                r = by.get(f"{base}.{q}")
                if r is None or r.ours is None:
                    row += ["—", "—", "—"]
                    continue
                mark = "" if r.passed is None else (" ✓" if r.passed else " ✗")
                rat = f"{r.ours / r.paper:.2f}" if r.paper else "—"
                row += [f"{r.ours:.3g}", f"{r.paper:.3g}", rat + mark]
                if q == "acc_eff" and r.passed is not None and r.ours > 0:
                    logs.append(abs(np.log(r.ours / r.paper)))
            out.append("| " + " | ".join(row) + " |")
    med = float(np.median(logs)) if logs else float("nan")
    out += ["", f"Median |ln(ours / ATLAS)| of acceptance x efficiency over the compared points: {med:.3f}.", ""]
    return out


SECTIONS.append(_section)
