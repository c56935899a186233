"""Expected signal yields per signal region: S_i = sigma x L x efficiency_i, with Monte Carlo errors.

The branching ratios of the LLP decays are in the sample (the e-mu fraction of the generated decays
is part of the efficiency).  The efficiency is sum(weight x P_i) / sum of generator weights tried,
with P_i the row's probability to land in region i (``lepreint.analysis.selection``).  Its error
treats the K copies of one generated event as correlated: the variance is the sum over events of
(sum over the event's copies of weight x P_i)^2 (``lepreint.events.slim.weighted_sum``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import awkward as ak
import numpy as np

from lepreint.analysis.leading_pair import LeadingPairSelection, select_leading_pair
from lepreint.analysis.selection import Selection, select
from lepreint.config.cards import AnalysisConfig, analysis_config, benchmarks, detector_for
from lepreint.detector.simulate import Detector
from lepreint.errors import LepreintError
from lepreint.events.generation.engine import GenerationRequest, model_module
from lepreint.events.generation.pythia import ShowerOptions
from lepreint.events.slim import Sample, llp_leptons_in_jets, weighted_sum

__all__ = ["YieldResult", "check_energy", "leading_pair_rows", "signal_yields", "resolve_xsec"]


@dataclass
class YieldResult:
    S: list[float]
    S_err: list[float]
    efficiency: list[float]
    efficiency_err: list[float]
    cutflow: dict[str, float]
    xsec_fb: float
    xsec_source: str
    luminosity: float
    regions: list[str]
    options: dict = field(default_factory=dict)
    #: ``leading_two`` analyses: the generator-level acceptance per region (fraction of the events) and its error;
    #: ``efficiency`` / ``acceptance`` is then the detector-level efficiency of the accepted events
    acceptance: list[float] = field(default_factory=list)
    acceptance_err: list[float] = field(default_factory=list)

    def as_dict(self) -> dict:
        extra = {"acceptance": self.acceptance, "acceptance_err": self.acceptance_err} if self.acceptance else {}
        return {
            **extra,
            "S": self.S,
            "S_err": self.S_err,
            "efficiency": self.efficiency,
            "efficiency_err": self.efficiency_err,
            "cutflow": self.cutflow,
            "xsec_fb": self.xsec_fb,
            "xsec_source": self.xsec_source,
            "luminosity_ifb": self.luminosity,
            "regions": self.regions,
            "options": self.options,
        }


def resolve_xsec(sample: Sample, source: str | None = None, value_fb: float | None = None) -> tuple[float, str]:
    """The cross section to use: an explicit value, a named source recomputed for the sample's model, or the sample's own."""
    if value_fb is not None:
        return float(value_fb), "user value (--xsec)"
    meta = sample.meta
    if source is not None and source != (meta.get("xsec_source") or "").split(":")[0]:
        if meta.get("model") in (None, "hepmc"):
            raise LepreintError("a HepMC sample has no model to look a cross section up for: give --xsec")
        if source == "pythia":  # Pythia's cross section is a generation's running estimate, not a lookup
            raise LepreintError(
                f"--xsec-source pythia: {sample.path or 'the sample'} was normalised to "
                f"{meta.get('xsec_source')!r}; Pythia's own cross section comes with a generation "
                "(generate --xsec-source pythia)"
            )
        mod = model_module(meta["model"])
        ecm = meta.get("shower", {}).get("ecm_GeV", 13000.0)
        return mod.cross_section(meta["parameters"], ecm, source, meta.get("options") or {})
    if meta.get("xsec_fb") is None:
        raise LepreintError(
            f"{sample.path or meta.get('source_file')}: the sample carries no cross section; give --xsec"
        )
    return float(meta["xsec_fb"]), str(meta.get("xsec_source"))


def check_jet_input(sample: Sample, cfg: AnalysisConfig) -> None:
    """A lepton-in-a-jet requirement needs the jets of the LLP decays, which HepMC3 input leaves out of its jets:
    refused there rather than answered wrongly."""
    if cfg.jet_veto_pt_min is None or sample.meta.get("model") != "hepmc" or not len(sample.events):
        return
    if ak.any(sample.events.leptons.llp >= 0):
        raise LepreintError(
            f"{sample.path or sample.meta.get('source_file', 'sample')}: analysis {cfg.name} requires leptons not "
            "in a jet, and HepMC3 input leaves the LLP decays out of its jets (not supported yet): use a generated "
            "sample"
        )


def normalisation(sample: Sample) -> float:
    """The sum of weights the yields are divided by: every generated event (before filters), else the rows'."""
    tried = sample.meta.get("sum_weights_tried")
    return float(tried) if tried else float(np.sum(ak.to_numpy(sample.events.weight))) if len(sample.events) else 0.0


def check_normalisation(sample: Sample, xsec_fb: float, luminosity: float) -> None:
    """A yield needs events whose weights sum to a positive number, a positive cross section and luminosity:
    anything else is named, never turned into a negative, zero or NaN yield."""
    import math

    where = sample.path or sample.meta.get("source_file") or "the sample"
    norm = normalisation(sample)
    if not len(sample.events) and not norm:  # (a prefiltered sample may have no rows left: then S = 0)
        raise LepreintError(f"{where}: no events to compute a yield from")
    if not (math.isfinite(norm) and norm > 0):
        raise LepreintError(f"{where}: the event weights sum to {norm:g}: a yield cannot be normalised to it")
    if not (math.isfinite(xsec_fb) and xsec_fb > 0):
        raise LepreintError(f"cross section: need a positive value, got {xsec_fb:g} fb")
    if not (math.isfinite(luminosity) and luminosity > 0):
        raise LepreintError(f"--lumi: need a positive luminosity, got {luminosity:g} /fb")


def check_energy(sample: Sample, cfg: AnalysisConfig) -> None:
    """The sample must be generated at the analysis' centre-of-mass energy (a HepMC3 file: its beams' energy in
    the file's own units, which also catches momenta in MeV declared as GeV).  A HepMC3 file whose long-lived
    particles all decay where they were produced (no vertex positions written) would give no displaced lepton:
    refused, not turned into a zero yield."""
    ecm = (sample.meta.get("shower") or {}).get("ecm_GeV")
    if ecm is not None and abs(float(ecm) - cfg.sqrt_s) > 1.0:
        raise LepreintError(
            f"{sample.path or 'the sample'} was generated at sqrt(s) = {float(ecm) / 1000:g} TeV; "
            f"analysis {cfg.name} is at {cfg.sqrt_s / 1000:g} TeV (generate with --ecm)"
        )
    where = sample.meta.get("source_file") or sample.path or "the sample"
    beams = sample.meta.get("beams_sqrt_s_GeV")
    if ecm is None and beams is not None and abs(float(beams) - cfg.sqrt_s) > 1e-3 * cfg.sqrt_s:
        raise LepreintError(
            f"{where}: its beams collide at sqrt(s) = {float(beams) / 1000:.6g} TeV in the file's units; analysis "
            f"{cfg.name} is at {cfg.sqrt_s / 1000:g} TeV (another energy, or momenta in MeV declared as GeV?)"
        )
    decayed, flying = sample.meta.get("llps_decayed") or 0, sample.meta.get("llps_flying")
    if decayed and flying == 0:
        raise LepreintError(
            f"{where}: none of its {decayed} long-lived particles decays away from its production vertex (the file "
            "has no decay vertex positions?): write them, or name the long-lived particles with --llp-ids"
        )


def leading_pair_rows(sample: Sample, cfg: AnalysisConfig, det: Detector, rng: np.random.Generator):
    """(the detector's prepared leptons, the ``leading_two`` selection) per row of the sample."""
    ev = sample.events
    prep = det.prepare(ev, rng, llp_leptons_in_jets(sample.meta))
    vx, vy, vz = (ak.to_numpy(ak.flatten(ev.leptons[f])) for f in ("vx", "vy", "vz"))
    d0 = det.impact_parameter(prep, vx, vy)
    return prep, select_leading_pair(prep, d0, det.efficiency(prep, vx, vy, vz, d0), cfg, np.hypot(vx, vy), vz)


@dataclass
class _Combined:
    """A combination's per-row region probabilities (its parts' at their luminosities over the combination's, added
    per bin) and its parts' cutflows (at the combination's luminosity, prefixed by the part)."""

    region_prob: np.ndarray
    cutflow: dict[str, np.ndarray]


def _combined_selection(sample: Sample, cfg: AnalysisConfig, det: Detector, seed: int) -> _Combined:
    """Every part's selection on the same events (the same detector draws: ``seed``), the signal of a bin the sum
    of its parts' weighted by their luminosities.  Per row, so that the Monte Carlo error of the sum is exact (the
    parts share their events)."""
    probs, cutflow = [], {}
    reco = None  # the detector acts on the events once, whichever pair-selecting parts read it
    for part in cfg.parts:
        check_jet_input(sample, part)
        sel: Selection | LeadingPairSelection
        if part.pairing == "leading_two":
            _, sel = leading_pair_rows(sample, part, det, np.random.default_rng(seed))
        else:
            if reco is None:
                reco = det.simulate(sample.events, np.random.default_rng(seed), llp_leptons_in_jets(sample.meta))
            sel = select(reco, part)
        f = part.luminosity / cfg.luminosity
        probs.append(sel.region_prob * f)
        cutflow.update({f"{part.name}: {k}": v * f for k, v in sel.cutflow.items()})
    out = []
    for _, idx in cfg.bins:
        total = probs[idx[0]].copy()
        for i in idx[1:]:
            total += probs[i]
        out.append(total)
    return _Combined(np.concatenate(out, axis=1) if out else np.zeros((len(sample.events), 0)), cutflow)


def signal_yields(
    sample: Sample,
    analysis: AnalysisConfig | str = "soft_displaced_emu",
    detector: Detector | None = None,
    xsec_source: str | None = None,
    xsec_fb: float | None = None,
    seed: int = 0,
    luminosity: float | None = None,
) -> YieldResult:
    cfg = analysis if isinstance(analysis, AnalysisConfig) else analysis_config(analysis)
    det = detector or Detector(detector_for(cfg))
    check_energy(sample, cfg)
    check_jet_input(sample, cfg)
    xs, xs_src = resolve_xsec(sample, xsec_source, xsec_fb)
    lumi = cfg.luminosity if luminosity is None else float(luminosity)
    check_normalisation(sample, xs, lumi)
    acc_sums = []
    sel: Selection | LeadingPairSelection | _Combined
    if cfg.parts:
        sel = _combined_selection(sample, cfg, det, seed)
    elif cfg.pairing == "leading_two":
        _, sel = leading_pair_rows(sample, cfg, det, np.random.default_rng(seed))
        acc_sums = [weighted_sum(sample.events, sel.acceptance[:, i]) for i in range(sel.acceptance.shape[1])]
    else:
        sel = select(det.simulate(sample.events, np.random.default_rng(seed), llp_leptons_in_jets(sample.meta)), cfg)
    w = ak.to_numpy(sample.events.weight)
    norm = normalisation(sample)
    sums = [weighted_sum(sample.events, sel.region_prob[:, i]) for i in range(sel.region_prob.shape[1])]
    eff = [total / norm for total, _ in sums]
    err = [e / norm for _, e in sums]
    negative = [(r.name, e, d) for r, e, d in zip(cfg.regions, eff, err) if e < 0]
    if negative:  # only with negative event weights (NLO generators): the region's yield is not measured
        name, e, d = negative[0]
        where = sample.meta.get("source_file") or sample.path or "the sample"
        raise LepreintError(
            f"{where}: region {name}: efficiency {e:.3g} +- {d:.2g} < 0 from the negative event weights; the sample "
            "is too small to measure this region's yield (more events)"
        )
    scale = xs * lumi
    cutflow = {k: float(scale * np.sum(w * v) / norm) for k, v in sel.cutflow.items()}
    options = {
        **det.options(),
        "analysis": cfg.name,
        "analysis_digest": cfg.digest,
        "background": cfg.background.name,
        "seed": seed,
        "sample_digest": sample.meta.get("digest"),
        "xsec_source": xs_src,
    }
    return YieldResult(
        [scale * e for e in eff],
        [scale * e for e in err],
        eff,
        err,
        cutflow,
        xs,
        xs_src,
        lumi,
        [r.name for r in cfg.regions],
        options,
        [a / norm for a, _ in acc_sums],
        [e / norm for _, e in acc_sums],
    )


#: how to read Table 1's last column, "the total branching ratio into lepton pairs", for benchmarks 1 and 2
BR_READINGS = ("emu_fraction", "lepton_pairs")


def benchmark_request(
    bid: int,
    events: int = 10_000,
    seed: int = 1,
    oversampling: int | None = None,
    shower=None,
    card: str = "table1",
    br_reading: str = "emu_fraction",
):
    """The generation request of one of the paper's Table 1 benchmarks.

    Decays: B(l+l-) = 1 means "exclusively into electrons and muons" (B(e) = B(mu) = 1/2).  Otherwise the
    decays follow Eq. (2.16), with the pion-mode width Gamma_pi = r Gamma_l that reproduces the card's
    B(l+l-) = b under ``br_reading``:

    * ``emu_fraction`` (default): b is the e-mu fraction 2 B_e B_mu.  This is what Eq. (2.16) gives for
      benchmark 1 without a pion mode (2/81 = 0.025), so B_l = sqrt(b/2): r = 0 for benchmark 1 and
      r = 2.95 for benchmark 2;
    * ``lepton_pairs``: b is the probability that both mediators decay to e or mu, (B_e + B_mu)^2, as the
      caption of Table 1 words it; its e-mu fraction is b/2, so B_l = sqrt(b)/2 (r = 3.65 and 7.9).  The
      paper's Table 4 yields for benchmarks 1 and 2 follow this reading (see the validation report).
    """

    points = benchmarks(card)
    if bid not in points:
        raise LepreintError(f"no benchmark {bid} in {card} (known: {', '.join(map(str, sorted(points)))})")
    if br_reading not in BR_READINGS:
        raise LepreintError(f"unknown br_reading {br_reading!r} (known: {', '.join(BR_READINGS)})")
    b = points[bid]
    if b.br_ll >= 1.0:
        options = {"decays": "leptonic"}
    else:
        b_l = np.sqrt(b.br_ll / 2.0) if br_reading == "emu_fraction" else np.sqrt(b.br_ll) / 2.0
        ratio = max(0.0, 1.0 / b_l - 9.0)
        options = {"decays": "eq2.16", "gamma_pi_ratio": round(float(ratio), 6)}
    return GenerationRequest(
        "coscattering",
        {"mc": b.mc, "dm": b.dm, "ctau": b.ctau},
        events,
        seed,
        oversampling,
        options,
        shower or ShowerOptions(),
    )
