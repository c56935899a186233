"""CMS's full Run 2 search for displaced leptons (EXO-18-003, 113-118 /fb): its benchmark top squark (stop -> b l,
1500 GeV, c tau = 1 cm, NLO+NLL) per channel and region beside CMS's expected signal (HEPData 'SR yields').

lepreint: Pythia 8 with CMS's CP5 tune (R-hadrons, Pythia's decays), the cms_run2 detector, the channel cards
``cms_exo_18_003_<emu|ee|mumu>_<2016|2017|2018>`` summed over the years (Run 2 totals, as CMS's table).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from validation.core import SECTIONS, producer

__all__ = ["CHANNELS", "REGIONS", "YEARS", "cms_signal", "benchmark_sample"]

_REF = Path(__file__).resolve().parent / "reference" / "cms_exo_18_003"
CHANNELS = ("emu", "ee", "mumu")
YEARS = ("2016", "2017", "2018")
#: the cards' region names -> the report ids' and CMS's table's
REGIONS = {"I lowpT": "I_lowpt", "I highpT": "I_highpt", "II": "II", "III": "III", "IV": "IV"}
BENCHMARK = {"mstop": 1500.0, "ctau": 10.0}
EVENTS = 20_000
SEED = 18003
#: compared where CMS expects at least this many signal events (within x1.5); the region fractions within 0.1
MIN_COMPARED = 0.3


def cms_signal(period: str = "Run2") -> dict[tuple[str, str], tuple[float, float]]:
    """{(channel, region id): (CMS's expected benchmark signal, its uncertainty)} of one period."""
    lines = [ln for ln in (_REF / "sr_yields_obs_bkg_signal.csv").read_text().splitlines() if not ln.startswith("#")]
    out = {}
    for r in csv.DictReader(lines):
        if r["period"] != period:
            continue
        ch, reg = r["SR"].split(" ", 1)
        out[(ch, REGIONS[reg])] = (float(r["signal"]), float(r["signal_err"]))
    return out


def benchmark_sample():
    """The benchmark top squark at 13 TeV with CMS's CP5 tune (cached)."""
    from lepreint.events.generation.engine import build_request, generate

    req = build_request(
        model="stop", parameters=BENCHMARK, events=EVENTS, seed=SEED, options={"tune": "CP5"}, shower={"ecm": 13000.0}
    )
    return generate(req, workers=2, progress=False)


def channel_yields(sample, channel: str):
    """(Run 2 totals per region, their MC errors, the cross section in fb): the channel's three yearly cards."""
    from lepreint.analysis.yields import signal_yields
    from lepreint.detector.simulate import Detector

    det = Detector("cms_run2")
    tot, err2, xs = np.zeros(len(REGIONS)), np.zeros(len(REGIONS)), 0.0
    for year in YEARS:
        y = signal_yields(sample, f"cms_exo_18_003_{channel}_{year}", det, xsec_source="table")
        tot += y.S
        err2 += np.square(y.S_err)
        xs = y.xsec_fb
    return tot, np.sqrt(err2), xs


#: the exclusion scans: label -> (scan card, analysis, model options replacing the card's)
STOP_SCANS = {
    "emu": ("exo18003_stop", "cms_exo_18_003_emu", None),
    "ee": ("exo18003_stop", "cms_exo_18_003_ee", None),
    "mumu": ("exo18003_stop", "cms_exo_18_003_mumu", None),
    "combined": ("exo18003_stop", "cms_exo_18_003", None),
}
SLEPTON_SCANS = {
    "selectron": ("exo18003_slepton", "cms_exo_18_003_ee", {"flavour": "e", "states": "LR"}),
    "smuon": ("exo18003_slepton", "cms_exo_18_003_mumu", {"flavour": "mu", "states": "LR"}),
    "stau": ("exo18003_slepton", "cms_exo_18_003", {"flavour": "tau", "states": "LR"}),
    "conlsp": ("exo18003_slepton", "cms_exo_18_003", {"flavour": "co_nlsp", "states": "LR"}),
}
#: c tau (mm) at which the largest excluded mass is printed (grid values of both scan cards)
LIMIT_CTAUS = (0.1, 1.0, 10.0, 100.0, 1000.0)
_REPORT = Path(__file__).resolve().parent / "report" / "exo18003"


def _scan_config(card: str, analysis: str, options: dict | None):
    import dataclasses

    from lepreint.config.cards import analysis_config
    from lepreint.results.scan import ScanConfig

    cfg = ScanConfig.from_card(card)
    cfg = dataclasses.replace(cfg, analysis=analysis, lumi=[analysis_config(analysis).luminosity])
    return dataclasses.replace(cfg, options=options) if options is not None else cfg


def _limits(out: dict, rows: list[dict], base: str, lumi: float) -> None:
    from validation.cms_stops import _crossing

    tag = f"{lumi:g}"
    for ctau in LIMIT_CTAUS:
        pts = sorted(
            (r for r in rows if r.get("status") == "ok" and abs(r["ctau_mm"] / ctau - 1) < 1e-6),
            key=lambda r: r["mc"],
        )
        if not pts:
            continue
        ms = [r["mc"] for r in pts]
        cls = _crossing(ms, [1.0 / max(r[f"CLs_mu_up@{tag}"], 1e-300) for r in pts])
        r95 = _crossing(ms, [r[f"R95@{tag}"] for r in pts])
        table = ", ".join(f"{r['mc']:g}: {r[f'CLs_mu_up@{tag}']:.3g}" for r in pts)
        out[f"{base}.ctau_{ctau:g}mm"] = (
            cls,
            f"CLs ({pts[0].get(f'CLs_calculator@{tag}', '')}; CMS's backgrounds, uncertainties and observed counts); "
            f"mu_up per mass (GeV): {table}; R95 > 1: {'none' if r95 is None else f'{r95:.0f} GeV'}",
        )


@producer("exo18003.", slow=True)
def _exo18003():
    from validation.cms_stops import publish_scan

    out: dict[str, tuple[float | None, str]] = {}
    sample = benchmark_sample()
    ref = cms_signal()
    base = "exo18003.stop.m1500.ctau_10mm"
    for ch in CHANNELS:
        S, err, xs = channel_yields(sample, ch)
        cms = np.array([ref[(ch, r)][0] for r in REGIONS.values()])
        for k, rid in enumerate(REGIONS.values()):
            c, c_err = ref[(ch, rid)]
            ratio = f"ratio {S[k] / c:.3g}" if c > 0 else "CMS expects none"
            out[f"{base}.{ch}.{rid}"] = (
                float(S[k]),
                f"+- {err[k]:.2g} (MC); CMS {c:g} +- {c_err:.2g}; {ratio} (sigma {xs:.4g} fb, {EVENTS} events)",
            )
            out[f"{base}.{ch}.fraction.{rid}"] = (
                float(S[k] / S.sum()) if S.sum() > 0 else 0.0,
                f"CMS {cms[k] / cms.sum():.3f} of its {cms.sum():.3g} events; ours of {S.sum():.3g}",
            )
    # the exclusions: per channel and combined (top squarks), the slepton scenarios in their channels
    for kind, scans in (("stop", STOP_SCANS), ("slepton", SLEPTON_SCANS)):
        for label, (card, analysis, options) in scans.items():
            cfg = _scan_config(card, analysis, options)
            rows = publish_scan(cfg, f"{card}_{label}", _REPORT / f"{kind}_{label}")
            base = f"exo18003.stop.mass_limit.{label}" if kind == "stop" else f"exo18003.{label}.mass_limit"
            _limits(out, rows, base, cfg.lumi[0])
    return out


def _section(by: dict) -> list[str]:
    base = "exo18003.stop.m1500.ctau_10mm"
    if not any(i.startswith(base) and by[i].ours is not None for i in by):
        return []
    out = [
        "## CMS's full Run 2 search (EXO-18-003): the benchmark top squark",
        "",
        "CMS's expected signal of its benchmark (stop -> b l, 1500 GeV, c tau = 1 cm, NLO+NLL; Run 2 totals: 2016 + "
        "2017-18) per channel and region beside lepreint's: Pythia 8 with CP5 (R-hadrons), the cms_run2 detector, the "
        f"cards cms_exo_18_003_<channel>_<year> summed over the years ({EVENTS} events). Compared where CMS expects "
        f"at least {MIN_COMPARED} events (within x1.5); the fractions of each channel's signal per region within 0.1.",
        "",
        "| channel | " + " | ".join(f"{r} ours | CMS | ratio" for r in REGIONS.values()) + " |",
        "|---|" + "---|---|---|" * len(REGIONS),
    ]
    for ch in CHANNELS:
        cells = []
        for rid in REGIONS.values():
            r = by.get(f"{base}.{ch}.{rid}")
            if r is None or r.ours is None:
                cells += ["—"] * 3
                continue
            mark = "" if r.passed is None else (" ✓" if r.passed else " ✗")
            cells += [f"{r.ours:.3g}", f"{r.paper:g}", (f"{r.ours / r.paper:.2f}" if r.paper else "—") + mark]
        out.append(f"| {ch} | " + " | ".join(cells) + " |")
    out += [
        "",
        "| channel | " + " | ".join(f"{r} ours | CMS" for r in REGIONS.values()) + " |",
        "|---|" + "---|---|" * len(REGIONS),
    ]
    for ch in CHANNELS:
        cells = []
        for rid in REGIONS.values():
            r = by.get(f"{base}.{ch}.fraction.{rid}")
            cells += ["—", "—"] if r is None or r.ours is None else [f"{r.ours:.3f}", f"{r.paper:.3f}"]
        out.append(f"| {ch} fractions | " + " | ".join(cells) + " |")
    out.append("")
    lim = [i for i in by if i.startswith("exo18003.") and ".mass_limit." in i and by[i].ours is not None]
    if lim:
        out += [
            "### Exclusion: the largest excluded mass per c tau",
            "",
            "CLs with CMS's pre-fit backgrounds, their uncertainties and the observed counts (pyhf's asymptotic "
            "formulae over the bins of each analysis: 10 per channel, 30 combined); top squarks per channel and "
            "combined, the selectron NLSP in ee, the smuon NLSP in mu-mu, the stau NLSP and co-NLSP in the "
            "combination. Plots, tables and HEPData: `validation/report/exo18003/`.",
            "",
            "| model, analysis | " + " | ".join(f"{c:g} mm" for c in LIMIT_CTAUS) + " |",
            "|---|" + "---|" * len(LIMIT_CTAUS),
        ]
        rows_ = [(f"stop, {k}", f"exo18003.stop.mass_limit.{k}") for k in STOP_SCANS]
        rows_ += [(f"{k}, {SLEPTON_SCANS[k][1]}", f"exo18003.{k}.mass_limit") for k in SLEPTON_SCANS]
        for name, base in rows_:
            cells = []
            for c in LIMIT_CTAUS:
                r = by.get(f"{base}.ctau_{c:g}mm")
                cells.append("—" if r is None or r.ours is None else f"{r.ours:.0f} GeV")
            out.append(f"| {name} | " + " | ".join(cells) + " |")
        out.append("")
        for d in sorted(_REPORT.glob("*")) if _REPORT.is_dir() else []:
            for png in sorted(d.glob("exclusion_*.png")):
                out += [f"![{d.name}]({png.relative_to(_REPORT.parent)})", ""]
    return out


SECTIONS.append(_section)
