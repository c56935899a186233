"""CMS's own numbers: its full-simulation signal yields for top squarks (stop -> b l, R-hadrons) in its 8 TeV
and 2015 displaced e-mu searches, against lepreint's (Pythia 8 with CMS's settings, the parametrised detector, the
analysis cards).

One sample per search, generated at c tau = 1 cm with CMS's tune, moved to every c tau of CMS's grid (the scans'
fast c tau path, ``DRAWS`` decay-length draws per event).  Also: the closure of moving Pythia's
decays (a 1 cm sample moved to 1 mm, 10 cm and 1 m against samples generated there, and against an independent 1
cm sample), and the effect of the R-hadron treatment (the stop hadronising first, or decaying as a bare coloured
particle).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from validation.core import SECTIONS, producer

__all__ = ["SEARCHES", "cms_yields", "stop_sample"]

_REF = Path(__file__).resolve().parent / "reference" / "cms_displaced_stops"
#: report prefix -> (analysis card, m_stop, CMS's file, tune, MC events, minimum CMS yield compared, factor)
SEARCHES = {
    "cms8tev": ("cms_8tev_emu", 500.0, "stop_yields_8tev_m500.csv", "4C", 20_000, 5.0, 1.3),
    "cms2015": ("cms_exo_16_022", 700.0, "stop_yields_13tev_2015_m700.csv", "CP5", 20_000, 2.0, 1.5),
}
GENERATION_CTAU = 10.0
SEED = 500
CLOSURE_CTAUS = (1.0, 10.0, 100.0, 1000.0)
CLOSURE_EVENTS = 10_000
#: independent samples generated at each closure c tau (CLOSURE_EVENTS each, seeds apart): their mean is the
#: direct yield.  One 10 000-event sample at 1 mm alone was 2.7 sigma off the same events' decays redrawn (a
#: fluctuation of its decay lengths), so the direct side has several; eight put its error below the moved one's.
CLOSURE_SAMPLES = 8


def cms_yields(prefix: str) -> dict[float, dict]:
    """c tau (mm) -> {"S": [SR1, SR2, SR3], "mc": [MC events behind each], "B": [...], "N": [...]}."""
    f = _REF / SEARCHES[prefix][2]
    lines = [ln for ln in f.read_text().splitlines() if not ln.startswith("#")]
    out: dict[float, dict] = {}
    for r in csv.DictReader(lines):
        d = out.setdefault(float(r["ctau_mm"]), {"S": [0.0] * 3, "mc": [0] * 3, "B": [0.0] * 3, "N": [0.0] * 3})
        k = int(r["region"][2]) - 1
        d["S"][k] = float(r["signal_yield"])
        d["mc"][k] = int(r["signal_mc_events"])
        d["B"][k] = float(r["background_total"])
        d["N"][k] = float(r["observed"])
    return out


def stop_sample(prefix: str, ctau: float = GENERATION_CTAU, events: int | None = None, seed: int = SEED, **options):
    """The search's top-squark sample (cached), generated at ``ctau`` (mm) with CMS's tune."""
    from lepreint.config.cards import analysis_config
    from lepreint.events.generation.engine import build_request, generate

    card, m, _, tune, n, _, _ = SEARCHES[prefix]
    req = build_request(
        model="stop",
        parameters={"mstop": m, "ctau": ctau},
        events=events or n,
        seed=seed,
        options={"tune": tune, **options},
        shower={"ecm": analysis_config(card).sqrt_s},
    )
    return generate(req, workers=2, progress=False)


#: the lifetimes (mm) of the samples CMS generated for its datacards: every other cell is the next longer of them
#: reweighted to a shorter c tau.  The MC events behind the cells say so: they peak at these and fall on either side
#: (``source_steps`` checks it).
CMS_SOURCES_MM = (1.0, 10.0, 100.0, 1000.0)


def source_steps(prefix: str, refs: dict[float, dict], ours: dict[float, tuple]) -> dict[str, tuple[float, str]]:
    """At each boundary between two of CMS's samples (its sample at c tau_s below, the next longer one reweighted
    above): ours / CMS summed over the three regions just above the boundary over the same just below.  Ours is one
    sample moved, a smooth function of c tau, so a step there is a difference between CMS's two samples.  ``ours``:
    c tau -> (S per region, its error)."""
    ctaus = sorted(refs)
    mc = {c: sum(refs[c]["mc"]) for c in ctaus}

    def ratio(c: float) -> tuple[float, float]:  # ours / CMS summed over the regions, its relative error
        S, err = float(np.sum(ours[c][0])), float(np.sqrt(np.sum(np.square(ours[c][1]))))
        return S / sum(refs[c]["S"]), float(np.hypot(err / S, 1 / np.sqrt(mc[c])))

    out: dict[str, tuple[float, str]] = {}
    for j, src in enumerate(CMS_SOURCES_MM):
        if src not in refs:
            continue
        i = ctaus.index(src)
        if (i > 0 and mc[ctaus[i - 1]] > mc[src]) or (i + 1 < len(ctaus) and mc[ctaus[i + 1]] >= mc[src]):
            raise RuntimeError(
                f"{prefix}: CMS's MC events do not peak at c tau = {src:g} mm; its samples are not the assumed ones"
            )
        if i + 1 == len(ctaus) or src == CMS_SOURCES_MM[-1]:  # CMS's last sample: beyond it, no boundary of ours
            continue
        nxt = ctaus[i + 1]
        first = min(c for c in ctaus if c > (CMS_SOURCES_MM[j - 1] if j else 0.0))  # the sample's first cell

        (lo, e_lo), (hi, e_hi) = ratio(src), ratio(nxt)
        step = hi / lo
        drift = ""
        if first < src:
            r0, _ = ratio(first)
            drift = (
                f"; within CMS's {src:g} mm sample ours / CMS goes {r0:.3f} -> {lo:.3f} from {first:g} to {src:g} mm"
            )
        nsrc = CMS_SOURCES_MM[j + 1]
        if nsrc in refs and nsrc > nxt:
            r1, _ = ratio(nsrc)
            drift += f", within its {nsrc:g} mm sample {hi:.3f} -> {r1:.3f} from {nxt:g} to {nsrc:g} mm"
        out[f"{prefix}.stop.source_step.ctau_{src:g}mm"] = (
            step,
            f"+- {step * np.hypot(e_lo, e_hi):.2g}: ours / CMS (SR1-3 summed) {lo:.3f} at {src:g} mm ({mc[src]} CMS MC "
            f"events, its {src:g} mm sample) -> {hi:.3f} at {nxt:g} mm ({mc[nxt]} MC events, its {nsrc:g} mm sample "
            f"reweighted){drift}",
        )
    return out


#: decay-length draws per event and c tau (the fast c tau path, the scans' own)
DRAWS = 20


class _Yields:
    """The sample's yields at any c tau in one analysis (``LifetimeScan``: the c tau-independent work once), or at
    the sample's own c tau (``ctau=None``: the full chain)."""

    def __init__(self, sample, card: str):
        from lepreint.config.cards import analysis_config
        from lepreint.detector.simulate import Detector
        from lepreint.results.fast_scan import LifetimeScan

        self.sample, self.cfg = sample, analysis_config(card)
        self.scan = LifetimeScan(sample, self.cfg, Detector("cms_run2"), None, 0.9, DRAWS, 7, "table")

    def __call__(self, ctau: float | None):
        from lepreint.analysis.yields import signal_yields

        if ctau is None:
            return signal_yields(self.sample, self.cfg, xsec_source="table")
        return self.scan.evaluate(ctau)


@producer(
    "cms8tev.stop.m500.",
    "cms2015.stop.m700.",
    "cms8tev.stop.source_step",
    "cms2015.stop.source_step",
    "stop.rhadrons.",
    slow=True,
)
def _cms_stops():
    out: dict[str, tuple[float | None, str]] = {}
    for prefix, (card, m, _, _, _, _, _) in SEARCHES.items():
        ys = _Yields(stop_sample(prefix), card)
        refs = cms_yields(prefix)
        ours = {}
        for ctau, ref in sorted(refs.items()):
            y = ours[ctau] = ys(ctau)
            for k in range(3):
                cms_err = ref["S"][k] / np.sqrt(ref["mc"][k]) if ref["mc"][k] > 0 else float("nan")
                ratio = y.S[k] / ref["S"][k] if ref["S"][k] > 0 else float("nan")
                out[f"{prefix}.stop.m{m:g}.ctau_{ctau:g}mm.SR{k + 1}"] = (
                    y.S[k],
                    f"+- {y.S_err[k]:.2g} (MC); CMS {ref['S'][k]:.4g} +- {cms_err:.2g} ({ref['mc'][k]} MC events); "
                    f"ratio {ratio:.3g}",
                )
        out.update(source_steps(prefix, refs, {c: (y.S, y.S_err) for c, y in ours.items()}))
        # R-hadrons off: the stop decays as a bare coloured particle, its b quark joined to the rest of the event
        dressed = _Yields(stop_sample(prefix, events=CLOSURE_EVENTS, seed=SEED + 1), card)
        bare = _Yields(stop_sample(prefix, events=CLOSURE_EVENTS, seed=SEED + 1, rhadrons=False), card)
        for ctau in (1.0, 10.0, 100.0):
            a, b = dressed(ctau), bare(ctau)
            for k in range(3):
                r = a.S[k] / b.S[k] if b.S[k] > 0 else float("nan")
                err = r * np.hypot(a.S_err[k] / a.S[k], b.S_err[k] / b.S[k]) if a.S[k] > 0 and b.S[k] > 0 else 0.0
                out[f"stop.rhadrons.{prefix}.ctau_{ctau:g}mm.SR{k + 1}"] = (
                    r,
                    f"+- {err:.2g}: R-hadrons on {a.S[k]:.4g} / off {b.S[k]:.4g} events (same seed, "
                    f"{CLOSURE_EVENTS} events each)",
                )
    return out


@producer("stop.closure.", slow=True)
def _closure():
    """Pythia's decays generated at 1 cm and moved, against samples generated at the target c tau."""
    out: dict[str, tuple[float | None, str]] = {}
    card = SEARCHES["cms8tev"][0]
    src = _Yields(stop_sample("cms8tev"), card)
    for ctau in CLOSURE_CTAUS:
        seeds = [SEED + 10 + int(ctau) + i for i in range(CLOSURE_SAMPLES)]
        direct = [_Yields(stop_sample("cms8tev", ctau, CLOSURE_EVENTS, seed=s), card)(None) for s in seeds]
        d_S = np.mean([d.S for d in direct], axis=0)
        d_err = np.sqrt(np.sum([np.square(d.S_err) for d in direct], axis=0)) / len(direct)
        r = src(ctau)
        for k in range(3):
            err = np.hypot(d_err[k], r.S_err[k])
            each = " / ".join(f"{d.S[k]:.4g}" for d in direct)
            out[f"stop.closure.cms8tev.ctau_{ctau:g}mm.pull_SR{k + 1}"] = (
                (r.S[k] - d_S[k]) / err if err > 0 else 0.0,
                f"moved from 1 cm ({DRAWS} draws): {r.S[k]:.4g} +- {r.S_err[k]:.2g}; generated at {ctau:g} mm: "
                f"{d_S[k]:.4g} +- {d_err[k]:.2g} events ({len(direct)} x {CLOSURE_EVENTS} events: {each})",
            )
    _pooled_closure(out, card, src)
    return out


def _mean_yields(ys) -> tuple[np.ndarray, np.ndarray]:
    """(mean S per region, its error) of independent samples' yields."""
    S = np.mean([y.S for y in ys], axis=0)
    return S, np.sqrt(np.sum([np.square(y.S_err) for y in ys], axis=0)) / len(ys)


def _pooled_closure(out: dict, card: str, main) -> None:
    """The closure with the source's statistics pooled: the CLOSURE_SAMPLES samples generated at 1 cm (independent
    of one another) each moved to every closure c tau and averaged, against the samples generated there (at 1 cm:
    the search's own 1 cm sample, independent of the pooled ones).  The single-source closure above shares one
    source's fluctuation among all its cells; this one divides it by the number of sources."""
    seeds = {c: [SEED + 10 + int(c) + i for i in range(CLOSURE_SAMPLES)] for c in CLOSURE_CTAUS}
    sources = [
        _Yields(stop_sample("cms8tev", GENERATION_CTAU, CLOSURE_EVENTS, seed=s), card) for s in seeds[GENERATION_CTAU]
    ]
    z_all = []
    for ctau in CLOSURE_CTAUS:
        moved = [y(ctau) for y in sources]
        m_S, m_err = _mean_yields(moved)
        # Pythia's one draw of decay lengths against lepreint's redraws, sample by sample (the same events): the
        # difference's scatter over the independent samples is its error (Student's t, 7 degrees of freedom)
        if ctau == GENERATION_CTAU:
            _generated_vs_redrawn(out, ctau, [y(None) for y in sources], moved, z_all)
            d = main(None)
            d_S, d_err, what = np.asarray(d.S), np.asarray(d.S_err), "the search's own 1 cm sample (20 000 events)"
            r = main(ctau)
            r_S, r_err = np.asarray(r.S), np.asarray(r.S_err)
        else:
            direct = [_Yields(stop_sample("cms8tev", ctau, CLOSURE_EVENTS, seed=s), card) for s in seeds[ctau]]
            as_generated = [y(None) for y in direct]
            d_S, d_err = _mean_yields(as_generated)
            what = f"{CLOSURE_SAMPLES} x {CLOSURE_EVENTS} events generated at {ctau:g} mm"
            # the same generated events with their decays (and detector) redrawn at their own c tau: the moved
            # yields against the direct side's kinematics without its one draw of decay lengths
            redrawn = [y(ctau) for y in direct]
            r_S, r_err = _mean_yields(redrawn)
            _generated_vs_redrawn(out, ctau, as_generated, redrawn, z_all)
        for k in range(3):
            err = np.hypot(m_err[k], d_err[k])
            out[f"stop.closure.cms8tev.pooled.ctau_{ctau:g}mm.pull_SR{k + 1}"] = (
                (m_S[k] - d_S[k]) / err if err > 0 else 0.0,
                f"{CLOSURE_SAMPLES} x {CLOSURE_EVENTS} events generated at 1 cm, moved ({DRAWS} draws): {m_S[k]:.4g} "
                f"+- {m_err[k]:.2g}; {what}: {d_S[k]:.4g} +- {d_err[k]:.2g}",
            )
            err = np.hypot(m_err[k], r_err[k])
            out[f"stop.closure.cms8tev.redrawn.ctau_{ctau:g}mm.pull_SR{k + 1}"] = (
                (m_S[k] - r_S[k]) / err if err > 0 else 0.0,
                f"moved from 1 cm {m_S[k]:.4g} +- {m_err[k]:.2g}; {what} with the decays redrawn ({DRAWS} draws): "
                f"{r_S[k]:.4g} +- {r_err[k]:.2g} (as generated: {d_S[k]:.4g} +- {d_err[k]:.2g})",
            )


def _generated_vs_redrawn(out: dict, ctau: float, as_generated: list, redrawn: list, z_all: list) -> None:
    """Per region: the yields of independent samples generated at ``ctau``, as generated (Pythia's decay lengths)
    minus the same events' with their decays redrawn by lepreint, as Student's t over the samples; after the last c
    tau the t's turned into normal deviates and summed in quadrature (a chi2 of 3 x 4 cells; the regions of one c tau
    are exclusive, nearly independent)."""
    from scipy import stats

    gen = np.array([y.S for y in as_generated])
    red = np.array([y.S for y in redrawn])
    n = len(as_generated)
    for k in range(3):
        d = gen[:, k] - red[:, k]
        sd = float(np.std(d, ddof=1))
        t = float(np.mean(d) / (sd / np.sqrt(n))) if sd > 0 else 0.0
        p = float(2 * stats.t.sf(abs(t), n - 1))
        z_all.append(float(stats.norm.isf(p / 2)) * np.sign(t) if p > 0 else 0.0)
        out[f"stop.closure.cms8tev.generated_vs_redrawn.ctau_{ctau:g}mm.SR{k + 1}"] = (
            t,
            f"Student's t ({n - 1} dof, p = {p:.2g}): as generated {np.mean(gen[:, k]):.4g}, redrawn "
            f"{np.mean(red[:, k]):.4g} events (mean of {n} samples of {CLOSURE_EVENTS} events); mean difference "
            f"{np.mean(d):+.3g} ({np.mean(d) / np.mean(red[:, k]):+.1%})",
        )
    if len(z_all) == 3 * len(CLOSURE_CTAUS):
        chi2 = float(np.sum(np.square(z_all)))
        out["stop.closure.cms8tev.generated_vs_redrawn.chi2"] = (
            chi2,
            f"{len(z_all)} cells: p = {stats.chi2.sf(chi2, len(z_all)):.2g} (each cell's t as a normal deviate); "
            "whether Pythia's decay lengths and lepreint's redraws of the same events differ beyond their scatter",
        )


#: the exclusion scans: report prefix -> (scan card, the background its card uses)
GRIDS = {
    "cms8tev": ("stop_grid_8tev", "CMS's published estimates 18.0 / 1.01 / 0.051 (stat + syst 21-35%)"),
    "cms2015": (
        "stop_grid_2015",
        "CMS's central estimate from its datacards, 0.544 / 0.061 / 0.0029 (the card's default; the "
        "soft-displaced-lepton paper's 95% CL upper limits 3.2 / 0.5 / 0.019 are the option "
        "cms_exo_16_022@paper_upper_limits)",
    ),
}
LIMIT_CTAUS = (20.0, 100.0)
_REPORT = Path(__file__).resolve().parent / "report" / "cms_stops"


def publish_scan(cfg, name: str, dest: Path) -> list[dict]:
    """Run a scan (into the cache's ``validation/<name>``, replacing any) and copy its plots, table and HEPData into
    the report folder ``dest``; the scan's rows."""
    import shutil

    from lepreint.events.slim import cache_root
    from lepreint.results.scan import run_scan

    folder = cache_root() / "validation" / name
    rows = run_scan(cfg, folder, workers=2, plots=True, overwrite=True)
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for f in [*folder.glob("*.png"), folder / "scan.csv"]:
        shutil.copy(f, dest / f.name)
    if (folder / "hepdata").is_dir():
        shutil.copytree(folder / "hepdata", dest / "hepdata")
    return rows


def _crossing(masses, strength) -> float | None:
    """The largest mass with strength > 1 (excluded), log-linear between grid masses."""
    m, st = np.asarray(masses, float), np.asarray(strength, float)
    exc = st > 1
    if not exc.any():
        return None
    i = int(np.flatnonzero(exc).max())
    if i == m.size - 1:
        return float(m[-1])
    l1, l2 = np.log(st[i]), np.log(max(st[i + 1], 1e-300))
    return float(m[i] + (m[i + 1] - m[i]) * l1 / (l1 - l2))


@producer("cms8tev.stop.mass_limit", "cms2015.stop.mass_limit", slow=True)
def _exclusion():
    """The (m_stop, c tau) scans of both searches (plots and HEPData into the report), and the largest excluded
    mass at c tau = 2 and 10 cm: CLs (pyhf, observed counts, published backgrounds) and R95."""

    from lepreint.analysis.projection import analysis_background, observed_counts
    from lepreint.events.generation.engine import generate
    from lepreint.results.scan import ScanConfig, _request
    from lepreint.stats.limits import cls_upper_limit, r95

    out: dict[str, tuple[float | None, str]] = {}
    for prefix, (card, b_src) in GRIDS.items():
        cfg = ScanConfig.from_card(card)
        publish_scan(cfg, card, _REPORT / prefix)
        from lepreint.config.cards import analysis_config

        ana = analysis_config(cfg.analysis)
        lumi = ana.luminosity
        B = analysis_background(ana, lumi)
        N = observed_counts(ana, lumi)
        unc = list(ana.background.uncertainty) or None
        samples = {m: generate(_request(cfg, m, None), workers=2) for m in cfg.mc}
        for ctau in LIMIT_CTAUS:
            mu, mu_asym, rr, calc = [], [], [], set()
            for m in cfg.mc:
                y = _Yields(samples[m], cfg.analysis)(ctau)
                c = cls_upper_limit(y.S, B, N, unc)
                mu.append(c.mu_up_observed)
                calc.add(c.calculator)
                mu_asym.append(cls_upper_limit(y.S, B, N, unc, calculator="asymptotic").mu_up_observed)
                rr.append(r95(y.S, B, N))
            cls_lim = _crossing(cfg.mc, [1.0 / max(x, 1e-300) for x in mu])
            asym_lim = _crossing(cfg.mc, [1.0 / max(x, 1e-300) for x in mu_asym])
            r95_lim = _crossing(cfg.mc, rr)
            table = ", ".join(f"{m:g}: {x:.3g}" for m, x in zip(cfg.mc, mu))
            out[f"{prefix}.stop.mass_limit.ctau_{ctau:g}mm"] = (
                cls_lim,
                f"CLs ({'/'.join(sorted(calc))}; observed {list(N)}, background {b_src}"
                f"{'' if unc is None else f', relative uncertainties {unc}'}; no signal uncertainty); mu_up per "
                f"mass (GeV): {table}; asymptotic CLs instead: {_fmt_gev(asym_lim)}; R95 > 1 instead: "
                f"{_fmt_gev(r95_lim)}",
            )
            out[f"{prefix}.stop.mass_limit_r95.ctau_{ctau:g}mm"] = (
                r95_lim,
                "R95 = Q / 5.99 with the observed counts; " + ", ".join(f"{m:g}: {x:.3g}" for m, x in zip(cfg.mc, rr)),
            )
    return out


def _fmt_gev(x) -> str:
    return "—" if x is None else f"{x:.0f} GeV"


def _cell(by: dict, rid: str) -> tuple[str, str, str]:
    r = by.get(rid)
    if r is None or r.ours is None:
        return "—", "—", "—"
    m = re.search(r"\+- ([^ ;]+) \(MC\)", r.note)
    err = m.group(1) if m else "?"
    ratio = f"{r.ours / r.paper:.2f}" if r.paper else "—"
    mark = "" if r.passed is None else (" ✓" if r.passed else " ✗")
    return f"{r.ours:.3g} ± {err}", f"{r.paper:.3g}", ratio + mark


def _step_words(by: dict) -> str:
    """The steps of ours / CMS where CMS's yields change from its 10 cm to its 1 m sample, with their errors, and
    the drift inside the 1 m sample, in words."""
    parts, drift = [], []
    for i in sorted(i for i in by if ".stop.source_step.ctau_100mm" in i and by[i].ours is not None):
        m = re.search(r"\+- ([0-9.e+-]+):", by[i].note)
        err = float(m.group(1)) if m else float("nan")
        step = by[i].ours
        parts.append(f"x{step:.2f} +- {err:.2f} ({i.split('.')[0]}, {abs(step - 1) / err:.1f} sigma)")
        d = re.search(r"within its 1000 mm sample ([0-9.]+) -> ([0-9.]+) from", by[i].note)
        if d:
            drift.append(f"x{float(d.group(2)) / float(d.group(1)):.2f} ({i.split('.')[0]})")
    if not parts:
        return "n/a"
    return (
        "from 10 to 20 cm, where CMS's source changes, ours / CMS steps by "
        + " and ".join(parts)
        + " (its MC events alone, without the reweighting's weights)"
        + (f", and inside the 1 m sample it rises by {' and '.join(drift)} from 20 cm to 1 m" if drift else "")
        + ": ours falls more slowly with c tau than CMS's 1 m sample, partly as a step, partly as a slope"
    )


def _section(by: dict) -> list[str]:
    if not any(i.startswith(("cms8tev.stop.", "cms2015.stop.")) and by[i].ours is not None for i in by):
        return []
    out = [
        "## CMS's own numbers: top squarks in the displaced e-mu searches",
        "",
        "CMS's full-simulation signal yields for pair-produced top squarks (stop -> b l, l = e, mu, tau with 1/3 "
        "each, R-hadrons), from its public datacards, against lepreint: Pythia 8 with CMS's settings (R-hadrons on, "
        "the lifetime as the SLHA width, tune 4C at 8 TeV, CP5 at 13 TeV), the cms_run2 detector, the "
        "cms_8tev_emu and cms_exo_16_022 cards, the same NLO+NLL cross sections. One sample of "
        f"{SEARCHES['cms8tev'][4]} events per search at c tau = 1 cm, its decays moved to every c tau. "
        "'± ' is the statistical error (ours: MC; CMS's: its yield / sqrt(MC events behind it)); ✓ / ✗: "
        "compared cells (CMS >= 5 events at 8 TeV, within x1.3; >= 2 in 2015, within x1.5).",
        "",
    ]
    for prefix, (card, m, _, _, _, _, fac) in SEARCHES.items():
        ref = cms_yields(prefix)
        out += [
            f"### {card}: m(stop) = {m:g} GeV",
            "",
            "| c tau (mm) | SR1 ours | CMS | ratio | SR2 ours | CMS | ratio | SR3 ours | CMS | ratio |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        logs, n_ok, n_cmp = [], 0, 0
        for ctau in sorted(ref):
            row = [f"{ctau:g}"]
            for k in range(3):
                rid = f"{prefix}.stop.m{m:g}.ctau_{ctau:g}mm.SR{k + 1}"
                a, b, c = _cell(by, rid)
                cms_err = ref[ctau]["S"][k] / np.sqrt(ref[ctau]["mc"][k]) if ref[ctau]["mc"][k] else float("nan")
                row += [a, f"{b} ± {cms_err:.2g}" if b != "—" else b, c]
                r = by.get(rid)
                if r is not None and r.passed is not None and r.ours:
                    n_cmp += 1
                    n_ok += bool(r.passed)
                    logs.append(abs(np.log(r.ours / r.paper)))
            out.append("| " + " | ".join(row) + " |")
        med = float(np.median(logs)) if logs else float("nan")
        out += [
            "",
            f"{n_ok} of {n_cmp} compared cells within x{fac:g}; median |ln(ours / CMS)| = {med:.3f} "
            f"(acceptance: all within x{fac:g}, median below 0.15).",
            "",
        ]
    steps = sorted(
        (i for i in by if ".stop.source_step." in i and by[i].ours is not None),
        key=lambda i: (i.split(".")[0], float(i.rsplit("_", 1)[1][:-2])),
    )
    if steps:
        out += [
            "### Where CMS's yields change sample",
            "",
            "CMS generated its signal at c tau = " + ", ".join(f"{c:g}" for c in CMS_SOURCES_MM) + " mm and "
            "reweighted each sample to the shorter c tau below it (the MC events behind its cells peak there and fall "
            "on either side). Ours is one sample moved, a smooth function of c tau, so ours / CMS can step only where "
            "CMS's source changes. The step is ours / CMS (SR1-3 summed) at the next c tau over that at the sample's "
            "own c tau (neighbouring cells: a change of slope shows in it too); its error counts CMS's MC events "
            "alone, without the reweighting's weights.",
            "",
            "| record | step | note |",
            "|---|---|---|",
            *(f"| `{i}` | {by[i].ours:.3f} | {by[i].note} |" for i in steps),
            "",
        ]
    rh = sorted(i for i in by if i.startswith("stop.rhadrons.") and by[i].ours is not None)
    if rh:
        out += [
            "### The R-hadron treatment",
            "",
            "Yield with R-hadrons (the stop hadronises, its decay products come with the R-hadron's spectator) over "
            "the yield without (the stop decays as a bare coloured particle, its b quark joined to the rest of the "
            "event), same events otherwise:",
            "",
            "| record | on / off | note |",
            "|---|---|---|",
            *(f"| `{i}` | {by[i].ours:.3f} | {by[i].note} |" for i in rh),
            "",
        ]
    from scipy.stats import chi2

    for title, ids in (
        (
            "### Moving Pythia's decays: closure (one 1 cm sample, 20 000 events, moved)",
            [i for i in by if i.startswith("stop.closure.cms8tev.ctau_")],
        ),
        (
            f"### Moving Pythia's decays: closure with the sources pooled ({CLOSURE_SAMPLES} independent 1 cm samples "
            "moved and averaged)",
            [i for i in by if i.startswith("stop.closure.cms8tev.pooled.")],
        ),
        (
            "### The same, against the direct samples' own events with their decays redrawn\n\nThe direct side's "
            "generated decay lengths and detector smearing are one draw per event; redrawn 20 times at their own c "
            "tau (the same Pythia events) they leave the direct samples' kinematics and remove that draw. Where the "
            "pooled closure is off and this one is not, the direct samples' single draw is what differs (at 1 cm "
            "the direct side is the search's own sample, redrawn).",
            [i for i in by if i.startswith("stop.closure.cms8tev.redrawn.")],
        ),
    ):
        cl = sorted(i for i in ids if by[i].ours is not None)
        if not cl:
            continue
        out += [title, "", "| record | pull | note |", "|---|---|---|"]
        out += [*(f"| `{i}` | {by[i].ours:+.2f} | {by[i].note} |" for i in cl), ""]
        pulls = np.array([by[i].ours for i in cl])
        q = float(np.sum(pulls**2))
        out += [
            f"{int(np.sum(np.abs(pulls) < 2))} of {pulls.size} cells within 2 sigma; chi^2 = sum of pulls^2 = "
            f"{q:.1f} for {pulls.size} cells (p = {chi2.sf(q, pulls.size):.2f}), mean pull {pulls.mean():+.2f}.",
            "",
        ]
    gvr = sorted(
        i for i in by if i.startswith("stop.closure.cms8tev.generated_vs_redrawn.ctau_") and by[i].ours is not None
    )
    if gvr:
        tot = by.get("stop.closure.cms8tev.generated_vs_redrawn.chi2")
        out += [
            "### Pythia's decay lengths against lepreint's redraws of the same events",
            "",
            "Where the closures fail, the direct samples as generated differ from their own events redrawn. Per "
            "cell: as generated minus redrawn, sample by sample, as Student's t over the independent samples (their "
            "scatter is the error, whatever the correlation between the two).",
            "",
            "| record | t | note |",
            "|---|---|---|",
            *(f"| `{i}` | {by[i].ours:+.2f} | {by[i].note} |" for i in gvr),
            "",
        ]
        if tot is not None and tot.ours is not None:
            out += [f"Combined: chi^2 = {tot.ours:.1f}; {tot.note}.", ""]
    lim = [i for i in by if ".stop.mass_limit" in i and by[i].ours is not None]
    if lim:
        out += [
            "### Exclusion in the (m(stop), c tau) plane",
            "",
            "Grids of 9 masses x 30 c tau (scan cards stop_grid_8tev and stop_grid_2015, 5000 events per mass), "
            "cut-based, with each search's observed counts and CMS's own backgrounds (8 TeV: its published "
            "estimates; 2015: its central estimate, the card's default). The maps show R95; the mass limits below "
            "come from CLs computed exactly (every outcome of the three regions' counts enumerated: with 0-1 "
            "events observed the asymptotic formulae exclude too much, 1.9 instead of 3.0 signal events for an "
            "empty region), without the signal uncertainties CMS included. Plots, the table and HEPData: "
            "`validation/report/cms_stops/`.",
            "",
            "| search | c tau | largest excluded m(stop), CLs | CMS | with R95 |",
            "|---|---|---|---|---|",
        ]
        for prefix in SEARCHES:
            for ctau in LIMIT_CTAUS:
                c = by.get(f"{prefix}.stop.mass_limit.ctau_{ctau:g}mm")
                r = by.get(f"{prefix}.stop.mass_limit_r95.ctau_{ctau:g}mm")
                if c is None:
                    continue
                out.append(
                    f"| {prefix} | {ctau / 10:g} cm | {_fmt_gev(c.ours)} | {_fmt_gev(c.paper)} | "
                    f"{_fmt_gev(r.ours if r else None)} |"
                )
        out += [""]
        for prefix in SEARCHES:
            for png in sorted((_REPORT / prefix).glob("exclusion_*.png")):
                out += [f"![{prefix}]({png.relative_to(_REPORT.parent)})", ""]
    out += [
        "### Why the numbers differ where they do",
        "",
        "- The selection the d0 efficiency tables belong to. CMS measured them for leptons that pass the search's "
        "own requirements at generator level (the analysis group's public configuration): exactly one electron and "
        "one muon from the stop decays, Delta R(e, mu) > 0.5, and neither in a jet (no jet above 10 GeV within "
        "Delta R = 0.5). Without the lepton-jet separation, the pair separation, the ECAL-transition veto and the "
        "isolation lepreint's yields were 25-45% above CMS's at every c tau; the b jet of the same decay often "
        "lies next to the lepton.",
        "- The production radius. Tables in d0 alone cannot know where a lepton was produced; CMS's electron "
        "identification requires no missing inner hit and its muon identification a pixel hit, i.e. production "
        "inside the first (4.4 cm) or third (10.2 cm) pixel layer. Without these requirements the yields at "
        "c tau >= 10 cm were 1.5-4 times CMS's (leptons from decays tens of cm out still have |d0| < 2 cm).",
        "- Beyond 10 cm ours falls more slowly with c tau than CMS's (SR3: x1.01 at 1 cm, x1.10 at 10 cm, x1.3-1.6 "
        "from 20 cm on at 8 TeV; x1.14, x1.19, x1.5-1.8 in 2015). There the yield comes from decays a few cm out, "
        "where a step at each identification's pixel layer is a coarse stand-in for CMS's reconstruction, which "
        "loses tracks produced between the layers gradually. Measured at 8 TeV: with muons too required inside "
        "4.4 cm the SR3 ratio at 30 cm is 1.13 (1.37 as carded) and at 1 m 1.02 (1.29); without any radius "
        "requirement 1.92 and 2.46. The card keeps the identifications' own radii. CMS's cells from 20 cm on come "
        "from one reweighted sample each ('signal_mc_events' drops from ~1400 to 4-43), so they move together and "
        "hold a few MC events; the 2015 cells above 20 cm are below 2 events except SR3. Against CMS's 10 cm sample: "
        f"{_step_words(by)} (the table above).",
        "- Moving Pythia's decays, checked three ways. (1) The scans' fast path equals the full chain on the same "
        "events with the same redrawn decay lengths (the test suite, to rounding). (2) Redrawing the decay lengths "
        "of a sample generated at 1 mm reproduces its own full chain within its decay-length fluctuations (SR1 "
        "29.3 +- 1.2 over ten redraws against 32.5 for Pythia's own decay lengths, SR2 8.1 +- 1.0 against 5.6: "
        "that first sample was a 2.7 sigma fluctuation, so the direct side now has eight samples). (3) The search's "
        "1 cm sample moved to 1 mm, 1 cm, 10 cm and 1 m against eight samples generated at each: its pulls lean "
        "negative (mean -0.84), all of them sharing that one source. (4) The eight independent 1 cm samples each "
        "moved and averaged (four times the source statistics): mean pull -0.01, chi^2 19.1 for 12 (p = 0.09); the "
        "two cells beyond 2 sigma are the search's own 1 cm sample at 10 mm SR3 (+2.3: that sample is 7% below "
        "the eight others there, the low source of (3)) and 10 cm SR2 (-2.5, the same eight direct samples as in "
        "(3), whose spread is 5.8-7.6 events). No bias of the move is seen (the R-hadron's decay vertex lies on its "
        "momentum; every lepton of its decay, through a tau or a b hadron too, moves with it); the per-cell "
        "criterion (2 sigma) fails in 2 of 12 cells in both closures.",
        "- The mass limits: CLs exact (the asymptotic formulae, with 0 events observed in two regions, put them "
        "32-68 GeV higher) and without the signal uncertainties CMS included; ours lie 9 GeV (8 TeV) and 27 GeV "
        "(2015) above CMS's, the 2015 one with yields 15% above CMS's at 2 cm.",
        "- The detector's prompt efficiencies (the cms_run2 card multiplies Delphes' CMS efficiencies with the d0 "
        "tables) stand in for what the tables leave out: the tables' denominator has no trigger requirement. With "
        "the tables alone (combine_with_prompt: d0_only, the tables' own recipe) the 8 TeV yields are 15-20% higher.",
        "",
    ]
    return out


SECTIONS.append(_section)
