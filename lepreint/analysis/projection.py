"""The neural-network projection (Sec. 4.3, 5): yields after NN >= cut, background, and R95 per luminosity.

Signal after the cut: each candidate pair's selection probability in its region, counted when the
network scores the pair at or above ``cut`` (the nine features are pair-dependent).

Background after the cut: the kappa-normalised heavy-flavour upper limits B_i of the analysis card
(Table 4's HF row at 140 /fb for the paper) times the network's efficiency on heavy flavour, measured
on an independent b-bbar sample with the training selection (analysis cuts without isolation and d0,
like the paper's Fig. 4 sample; the paper finds no correlation between the leptons' pT and d0, so one
efficiency serves all regions).  Its statistical error uses the sample's weights: it is a percent-level
efficiency on a few thousand weighted events, and it is reported beside every B.

R95 (Eq. 3.3) combines the three regions; signal and background scale with the luminosity.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import awkward as ak
import numpy as np

from lepreint.analysis.features import pair_features
from lepreint.analysis.selection import select
from lepreint.analysis.yields import check_energy, check_jet_input, check_normalisation, normalisation, resolve_xsec
from lepreint.config.cards import AnalysisConfig, analysis_config, detector_for
from lepreint.detector.simulate import Detector
from lepreint.errors import LepreintError
from lepreint.events.slim import Sample, llp_leptons_in_jets, weighted_sum
from lepreint.stats.heavy_flavour import background as hf_background
from lepreint.stats.limits import r95

__all__ = [
    "LUMIS",
    "NNSignal",
    "nn_signal",
    "projection",
    "analysis_background",
    "observed_counts",
]

#: the paper's luminosities (fb^-1): CMS 2016 (EXO-16-022), Run 2, Run 2 + 3
LUMIS = (2.6, 140.0, 300.0)


@dataclass
class NNSignal:
    S: list[float]  #: before the network, at the analysis luminosity
    S_nn: list[float]  #: after NN >= cut
    S_nn_err: list[float]
    cut: float
    xsec_fb: float
    luminosity: float
    scores: np.ndarray = field(repr=False, default=None)  #: per pair
    pair_weight: np.ndarray = field(repr=False, default=None)  #: per pair: yield weight x probability
    pair_region: np.ndarray = field(repr=False, default=None)


def selection(cfg: AnalysisConfig) -> tuple:
    """What an analysis card selects (leptons, pairs, regions, vetoes, trigger), apart from its energy, luminosity,
    background and data: two cards with equal selections accept the same events."""
    return (
        cfg.electron,
        cfg.muon,
        tuple(
            (r.d0_min, r.d0_max, r.flavours, r.d0_first, r.d0_second, r.lead_pt_min, r.lead_pt_max) for r in cfg.regions
        ),
        cfg.preselection_pt_min,
        cfg.opposite_charge,
        cfg.d0_max,
        cfg.d0_max_policy,
        cfg.pair_min_dr,
        cfg.jet_veto_pt_min,
        cfg.jet_veto_dr,
        cfg.pairing,
        cfg.truth_volume,
        cfg.trigger,
        cfg.veto_other_flavour_d0_min,
        tuple(selection(p) for p in cfg.parts),
    )


#: the analysis whose selection the shipped network's heavy-flavour efficiency was measured with (``calibrate``)
NETWORK_CALIBRATION_ANALYSIS = "soft_displaced_emu"


def check_network_background(cfg: AnalysisConfig, clf=None) -> None:
    """The network's background efficiency was measured on heavy-flavour (b b-bar) events passing the paper's
    selection: it scales a heavy-flavour background of that selection, not an experiment's total estimate of other
    sources, nor the heavy flavour of another selection (its thresholds change the network's inputs: at CMS 2015's
    42 / 40 GeV the efficiency at NN >= 0.9 is 0.029, not 0.0099).  Refused rather than applied.  ``clf``: the
    network used (its calibration's analysis, else its training's; without it, the shipped network's)."""
    if cfg.background.model != "heavy_flavour_kappa":
        raise LepreintError(
            f"analysis {cfg.name}: the network's background efficiency is measured on heavy flavour, "
            f"but this card's background is {cfg.background.model!r}: use it without the network"
        )
    meta = getattr(clf, "meta", None) or {}
    ref = (
        (meta.get("background_efficiency") or {}).get("analysis")
        or (meta.get("training") or {}).get("analysis")
        or NETWORK_CALIBRATION_ANALYSIS
    )
    paper = analysis_config(ref)
    if (selection(cfg), detector_for(cfg)) != (selection(paper), detector_for(paper)):
        raise LepreintError(
            f"analysis {cfg.name}: the network's background efficiency is measured with the selection and detector "
            f"of {ref}, and this card's differ: use it without the network"
        )


def nn_signal(
    sample: Sample,
    classifier,
    cut: float = 0.9,
    analysis: AnalysisConfig | str = "soft_displaced_emu",
    detector: Detector | None = None,
    xsec_source: str | None = None,
    xsec_fb: float | None = None,
    seed: int = 0,
) -> NNSignal:
    cfg = analysis if isinstance(analysis, AnalysisConfig) else analysis_config(analysis)
    det = detector or Detector(detector_for(cfg))
    check_energy(sample, cfg)
    check_jet_input(sample, cfg)
    xs, _ = resolve_xsec(sample, xsec_source, xsec_fb)
    check_normalisation(sample, xs, cfg.luminosity)
    reco = det.simulate(sample.events, np.random.default_rng(seed), llp_leptons_in_jets(sample.meta))
    sel = select(reco, cfg)
    f = pair_features(reco, sel, keep="in_region")
    score = classifier.predict(f.x) if len(f.row) else np.zeros(0)
    norm = normalisation(sample)
    scale = xs * cfg.luminosity / norm
    n_rows = len(sample.events)
    pre, post, err = [], [], []
    for i in range(len(cfg.regions)):
        in_r = f.region == i
        p_all = np.bincount(f.row[in_r], weights=f.prob[in_r], minlength=n_rows)
        keep = in_r & (score >= cut)
        p_nn = np.bincount(f.row[keep], weights=f.prob[keep], minlength=n_rows)
        pre.append(scale * weighted_sum(sample.events, p_all)[0])
        tot, e = weighted_sum(sample.events, p_nn)
        post.append(scale * tot)
        err.append(scale * e)
    w = ak.to_numpy(sample.events.weight)[f.row] * f.prob * scale
    return NNSignal(pre, post, err, cut, xs, cfg.luminosity, score, w, f.region)


def projection(S_nn: list[float], B_nn: list[float], luminosity: float, lumis=LUMIS) -> dict[float, float]:
    """R95 of the three regions combined at each luminosity (yields given at ``luminosity``)."""
    out = {}
    for lumi in lumis:
        f = lumi / luminosity
        out[lumi] = r95([s * f for s in S_nn], [b * f for b in B_nn])
    return out


def analysis_background(cfg: AnalysisConfig | str = "soft_displaced_emu", lumi: float | None = None) -> list[float]:
    """The expected background B_i of an analysis card at ``lumi`` (its own luminosity by default).

    ``heavy_flavour_kappa``: the kappa-normalised upper limits (Tables 2, 3 as printed in ``published``
    mode; Eqs. (3.7)-(3.9) with the card's counts in ``formula`` mode).  ``published_counts``: the
    experiment's own background estimate per region, scaled from ``counts_luminosity``.  Both times the
    card's ``background.scale`` (1 unless the card's energy differs from that of the counts)."""
    cfg = cfg if isinstance(cfg, AnalysisConfig) else analysis_config(cfg)
    b = cfg.background
    lumi = cfg.luminosity if lumi is None else float(lumi)
    if b.model == "none":
        raise LepreintError(
            f"analysis card {cfg.name} has no background section (a part of a combination has its backgrounds in "
            "the combination's card): run the combination, or give the card a background"
        )
    if b.model == "published_counts":
        return [n * lumi / b.counts_luminosity * b.scale for n in b.counts]
    kw = {"counts": b.counts} if b.counts else {}
    return [
        x * b.scale
        for x in hf_background(
            cfg.electron.pt_min,
            cfg.muon.pt_min,
            lumi,
            b.mode,
            counts_lumi=b.counts_luminosity,
            upper_limit=b.formula_upper_limit,
            **kw,
        ).B
    ]


def observed_counts(cfg: AnalysisConfig, lumi: float) -> list[float]:
    """The card's observed counts, for the observed-count statistic (only at the card's own luminosity)."""
    if cfg.observed is None:
        raise LepreintError(f"analysis {cfg.name} has no observed counts (the card's 'observed')")
    if abs(lumi - cfg.luminosity) > 1e-6 * cfg.luminosity:
        raise LepreintError(f"observed counts of {cfg.name} are for {cfg.luminosity:g} /fb, not {lumi:g} /fb")
    return [float(n) for n in cfg.observed]
