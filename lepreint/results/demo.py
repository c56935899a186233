"""`lepreint demo`: the main job on the built-in default.

``main_job``: is (m_c, dm) = (220, 20) GeV excluded, and for which c tau?  One Pythia production
(MPI on, lepreint's V-A decays into e and mu), moved to 30 c tau from 0.3 mm to 3 m, the CMS-like
detector, the paper's selection, the shipped network (NN >= 0.9), the heavy-flavour background of the
paper's analysis card, R95 at 140 and 300 /fb with the LHC SUSY WG cross section.  Writes a table
(CSV, parquet) and a plot into the output folder.

``demo`` (``--analytic``): R95 for the yields the paper prints in Table 4, no events.
"""

from __future__ import annotations

from lepreint.analysis.projection import analysis_background, selection
from lepreint.config.cards import analysis_config, benchmarks
from lepreint.errors import LepreintError
from lepreint.results.plots import curves, excluded_intervals, excluded_range
from lepreint.results.scan import ScanConfig, parse_axis, run_scan
from lepreint.stats.limits import r95

__all__ = ["demo", "main_job", "LUMINOSITIES", "TABLE4"]

LUMINOSITIES = (2.6, 140.0, 300.0)

#: Table 4 of the paper (140 fb^-1, pT > 20 GeV): benchmark -> (S_I, S_II, S_III); 'hf' -> B.
TABLE4 = {
    1: (0.38, 0.43, 1.18),
    2: (1.18, 1.40, 5.55),
    3: (139, 37, 5.98),
    4: (174, 157, 283),
    5: (32, 93, 318),
    6: (1.35, 2.15, 31),
    7: (1067, 980, 1826),
    "hf": (221997, 34688, 1318),
}


def demo(analysis: str = "soft_displaced_emu") -> dict:
    """The paper's Table 4 signals (13 TeV, its three regions and thresholds) against ``analysis``'s background: a
    card of the paper's selection with another background (``mode: formula``, own counts); any other is refused,
    its background being of another selection than these signals."""
    ana, paper = analysis_config(analysis), analysis_config("soft_displaced_emu")
    if (ana.sqrt_s, selection(ana)) != (paper.sqrt_s, selection(paper)):
        raise LepreintError(
            f"the demo's signals are the paper's Table 4 (13 TeV, its regions and thresholds); analysis {ana.name} "
            "selects otherwise: run a scan with it instead"
        )
    pts = benchmarks()
    bkgs = [analysis_background(ana, L) for L in LUMINOSITIES]  # the card's model and scale
    rows = []
    for k, p in pts.items():
        s140 = TABLE4[k]
        r = [r95([s * L / 140.0 for s in s140], B) for L, B in zip(LUMINOSITIES, bkgs)]
        rows.append(
            {"benchmark": k, "point": f"({p.mc:g}, {p.dm:g}, {p.ctau / 10:g} cm)", "S_140": list(s140), "R95": r}
        )
    return {
        "analysis": ana.name,
        "analysis_digest": ana.digest,
        "background_mode": ana.background.mode,
        "luminosities": list(LUMINOSITIES),
        "background": [list(x) for x in bkgs],
        "signal_source": "the paper's Table 4 (140 /fb, pT > 20 GeV, before the NN cut)",
        "rows": rows,
    }


def main_job(
    output: str = "demo_output", events: int = 20_000, mpi: bool = True, workers: int = 2, progress: bool | str = False
) -> dict:

    cfg = ScanConfig(
        [220.0],
        [20.0],
        parse_axis("0.3mm:3m:log30", "length"),
        lumi=[140.0, 300.0],
        events=events,
        mpi=mpi,
        classifier=True,
    )
    rows = run_scan(cfg, output, workers, progress=progress, overwrite=True)  # the demo folder holds the last demo
    result = {
        "output": output,
        "point": "(m_c, dm) = (220, 20) GeV",
        "events": events,
        "mpi": mpi,
        "xsec_source": cfg.xsec_source,
        "nn_cut": cfg.nn_cut,
        "rows": rows,
        "excluded": {},
    }
    for lumi in cfg.lumi:
        c, r = curves(rows, lumi)[(220.0, 20.0)]
        lo, hi, best = excluded_range(c, r)
        result["excluded"][f"{lumi:g}"] = {
            "ctau_min_mm": lo,
            "ctau_max_mm": hi,
            "intervals_mm": excluded_intervals(c, r),  # more than one where R95 dips below 1 and rises again
            "ctau_best_mm": best,
            "R95_max": float(max(r)),
        }
    result["xsec_fb"] = rows[0].get("xsec_fb")
    return result
