"""`lepreint demo`: the main job at the current stage of the pipeline.

At this stage it is the analytic projection: the heavy-flavour background of the paper's analysis
card and R95 for the signal yields the paper prints in Table 4 (before the NN cut), at 2.6, 140 and
300 fb^-1 with signal and background scaled linearly in luminosity.  When the detector and
classifier stages land, the yields come from our own pipeline instead.
"""

from __future__ import annotations

from .background import background
from .stats import r95
from .cards import analysis_config, benchmarks

__all__ = ["demo", "LUMINOSITIES"]

LUMINOSITIES = (2.6, 140.0, 300.0)


def demo(analysis: str = "soft_displaced_emu") -> dict:
    from .validation import TABLE4

    ana = analysis_config(analysis)
    b = ana.background
    pts = benchmarks()
    bkgs = [background(ana.electron.pt_min, ana.muon.pt_min, L, b.mode, counts=b.counts,
                          counts_lumi=b.counts_luminosity, upper_limit=b.formula_upper_limit).B
            for L in LUMINOSITIES]
    rows = []
    for k, p in pts.items():
        s140 = TABLE4[k]
        r = [r95([s * L / 140.0 for s in s140], B) for L, B in zip(LUMINOSITIES, bkgs)]
        rows.append({"benchmark": k, "point": f"({p.mc:g}, {p.dm:g}, {p.ctau / 10:g} cm)",
                     "S_140": list(s140), "R95": r})
    return {
        "analysis": ana.name,
        "analysis_digest": ana.digest,
        "background_mode": b.mode,
        "luminosities": list(LUMINOSITIES),
        "background": [list(x) for x in bkgs],
        "signal_source": "the paper's Table 4 (140 /fb, pT > 20 GeV, before the NN cut)",
        "rows": rows,
    }
