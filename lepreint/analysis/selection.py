"""The displaced lepton-pair selection of an analysis card, applied to reconstructed events.

The card's ``pairing`` is the channel: ``emu`` (exactly one electron and one muon), ``ee`` or ``mumu`` (exactly
two electrons or two muons; with ``veto_other_flavour``, no identified lepton of the other flavour above its |d0|).
Steps (each a line of the cutflow, as weighted sums over generated events):

1. ``preselection``: leptons with pT > ``preselection_pt_min`` (without it: their flavour's ``pt_min``) and |eta| <
   the card's ``abs_eta_max``;
2. ``isolation``: relative isolation in the card's cone (``isolation_cone``, R = 0.2 for the paper) below
   its ``isolation_max``, per flavour;
3. ``pair``: exactly one identified electron and one identified muon (ee, mumu: exactly two of the flavour)
   among the preselected, isolated leptons, of opposite charge (if the card asks);
4. ``pT thresholds``: the analysis thresholds on the two leptons (and the card's Delta R, no jet);
5. ``d0 < d0_max``: both leptons (``d0_max_policy: veto``, the default); with ``literal`` there is
   no such cut and Eq. (3.1) is read word by word: "SR III: both leptons 1 mm < d0 < 10 cm; SR II: at
   least one lepton failing SR III and both with d0 > 500 um", so a pair with one lepton beyond 10 cm
   and the other above 500 um counts in SR II;
6. the signal regions: exclusive intervals of the *smaller* |d0| of the pair (regions ordered in d0), or boxes in
   the two leptons' |d0| (the first lepton the electron of an e-mu pair, the leading one of a same-flavour pair)
   and the leading lepton's pT.

Identification is a probability per lepton (``lepreint.detector.simulate``).  The probability that a
given (e, mu) pair is *the* identified pair of the event is eff_e eff_mu prod_(other candidates) (1 - eff);
summing it over the pairs of a row is exact for "exactly one e and one mu", and costs no random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import awkward as ak
import numpy as np

from lepreint.config.cards import AnalysisConfig
from lepreint.detector.simulate import RecoEvents, iso_field
from lepreint.errors import LepreintError

__all__ = [
    "CHANNELS",
    "Selection",
    "id_efficiency",
    "isolation_limit",
    "lepton_ok",
    "near_jet",
    "pair_probability",
    "region_masks",
    "select",
]


def _dr2(eta1, phi1, eta2, phi2):
    dphi = (phi1 - phi2 + np.pi) % (2 * np.pi) - np.pi
    return (eta1 - eta2) ** 2 + dphi**2


def preselection_floor(is_e, cfg: AnalysisConfig):
    """Per lepton: the pT above which it counts as a candidate (``exactly one`` of a flavour, the other-flavour
    veto): the card's ``preselection_pt_min``, else its flavour's ``pt_min`` (a lepton below the search's
    thresholds is not one of its leptons and vetoes nothing).  numpy or awkward."""
    if cfg.preselection_pt_min is not None:
        return cfg.preselection_pt_min
    return is_e * cfg.electron.pt_min + (~is_e) * cfg.muon.pt_min


def lepton_ok(is_e, pt, eta, iso: dict, cfg: AnalysisConfig, phi=None):
    """Per lepton: a candidate of the pair (preselection pT, |eta| acceptance and gap, (eta, phi) vetoes,
    isolation).  Works on numpy and awkward arrays; shared by ``select`` and the fast c tau path.  ``iso``: relative
    isolation per cone field; ``phi``: needed with a card's ``eta_phi_veto``."""
    out = (pt > preselection_floor(is_e, cfg)) & (
        (is_e & (abs(eta) < cfg.electron.abs_eta_max)) | (~is_e & (abs(eta) < cfg.muon.abs_eta_max))
    )
    for flag, cuts in ((is_e, cfg.electron), (~is_e, cfg.muon)):
        if cuts.eta_veto is not None:
            lo, hi = cuts.eta_veto
            out = out & ~(flag & (abs(eta) > lo) & (abs(eta) < hi))
        for e_lo, e_hi, p_lo, p_hi in cuts.eta_phi_veto:
            if phi is None:
                raise LepreintError(f"analysis {cfg.name}: its (eta, phi) vetoes need the leptons' phi")
            out = out & ~(flag & (eta > e_lo) & (eta < e_hi) & (phi > p_lo) & (phi < p_hi))
        if cuts.isolation_max is not None:
            out = out & ~(flag & ~(iso[iso_field(cuts.isolation_cone)] < isolation_limit(cuts, pt)))
    return out


def isolation_limit(cuts, pt):
    """The relative-isolation requirement of a flavour at ``pt`` (GeV): ``isolation_max + isolation_pt_term / pT``
    (infinite without a requirement)."""
    if cuts.isolation_max is None:
        return np.inf
    if not cuts.isolation_pt_term:
        return cuts.isolation_max
    return cuts.isolation_max + cuts.isolation_pt_term / np.maximum(pt, 1e-12)  # (pT = 0: no lepton, no limit)


def near_jet(row: np.ndarray, eta: np.ndarray, phi: np.ndarray, jets, cfg: AnalysisConfig) -> np.ndarray:
    """Per lepton (flat, ``row``: its event row): a residual jet (``RecoEvents.residual_jets``) above the card's
    ``lepton_jet_veto.jet_pt_min`` lies within its ``dr``.  All False without the requirement."""
    if cfg.jet_veto_pt_min is None or jets is None or row.size == 0:
        return np.zeros(row.size, bool)
    j = jets[jets.pt > cfg.jet_veto_pt_min][row]
    d2 = _dr2(j.eta, j.phi, ak.Array(eta), ak.Array(phi))
    return ak.to_numpy(ak.any(d2 < cfg.jet_veto_dr**2, axis=1)).astype(bool)


def id_efficiency(is_e, rxy, eff, cfg: AnalysisConfig, where=np.where):
    """The identification probability with the card's ``max_production_radius`` (per flavour): zero for a lepton
    produced further out.  numpy or (``where=ak.where``) awkward."""
    for flag, cuts in ((is_e, cfg.electron), (~is_e, cfg.muon)):
        if cuts.max_production_radius is not None:
            eff = where(flag & (rxy >= cuts.max_production_radius), 0.0, eff)
    return eff


def pair_dr_ok(e_eta, e_phi, m_eta, m_phi, cfg: AnalysisConfig):
    """The e-mu separation of the card (``pair_min_dr``); numpy or awkward."""
    if cfg.pair_min_dr <= 0:
        return True
    return _dr2(e_eta, e_phi, m_eta, m_phi) > cfg.pair_min_dr**2


def pair_probability(eff_e, eff_m, prod_q, n_certain, where=np.where):
    """P(this (e, mu) pair is *the* identified pair of its row) = eff_e eff_mu prod_(other candidates) (1 - eff).

    ``prod_q``: the product of (1 - eff) over the row's non-certain candidates (eff < 1), ``n_certain``: how many
    candidates of the row are certain (eff = 1), both per pair; the pair's own factors are divided out, certain
    ones counted apart, so that no 0/0 appears.  Works on numpy arrays and (with ``where=ak.where``) on awkward
    arrays: the full chain (``select``) and the fast c tau path (``lepreint.results.fast_scan``) share it."""
    qe, qm = 1.0 - eff_e, 1.0 - eff_m
    others_certain = n_certain - (qe <= 0) - (qm <= 0)
    others = prod_q / (where(qe > 0, qe, 1.0) * where(qm > 0, qm, 1.0))
    return eff_e * eff_m * where(others_certain > 0, 0.0, others)


def region_masks(d0_small, d0_large, cfg: AnalysisConfig, first=None) -> tuple[object | None, list]:
    """(the d0 veto, or None, and one mask per signal region) of pairs with the smaller and larger |d0| given.

    Regions are exclusive intervals of the smaller |d0|, or boxes (``Region.is_box``) in the |d0| of the pair's first
    and second lepton and the leading lepton's pT: ``first`` = (|d0| first, |d0| second, leading pT) then.
    ``d0_max_policy: veto``: both leptons below ``d0_max``; ``literal``: Eq. (3.1) word by word: the last region
    needs both leptons inside it, and a pair with one lepton above its upper edge "fails SR III" and, both above
    the lower edge of SR II, lands in SR II.  Shared by ``select`` and the fast c tau path."""
    veto = (d0_large < cfg.d0_max) if (cfg.d0_max is not None and cfg.d0_max_policy == "veto") else None
    if cfg.regions and cfg.regions[0].is_box:
        if first is None:
            raise LepreintError(f"analysis {cfg.name}: its regions are boxes in both leptons' |d0|")
        d1, d2, lead_pt = first
        return veto, [
            (d1 >= r.d0_first[0])
            & (d1 < r.d0_first[1])
            & (d2 >= r.d0_second[0])
            & (d2 < r.d0_second[1])
            & (lead_pt >= r.lead_pt_min)
            & (lead_pt < r.lead_pt_max)
            for r in cfg.regions
            if r.d0_first is not None and r.d0_second is not None
        ]
    masks = [(d0_small >= r.d0_min) & (d0_small < r.d0_max) for r in cfg.regions]
    if cfg.d0_max_policy == "literal" and len(masks) >= 2:
        last, prev = cfg.regions[-1], cfg.regions[-2]
        masks[-1] = masks[-1] & (d0_large < last.d0_max)
        masks[-2] = (d0_small >= prev.d0_min) & ~masks[-1]
    return veto, masks


@dataclass
class Selection:
    """Per-row probabilities of passing, per signal region, and the cutflow."""

    region_prob: np.ndarray  #: (rows, regions): probability of the row to land in each region
    cutflow: dict[str, np.ndarray]  #: step -> per-row probability (for weighted sums)
    d0_small: ak.Array  #: per row and pair: the smaller |d0| of each candidate pair (mm)
    pairs: ak.Array | None = None  #: per row: candidate (e, m) pairs (records of reconstructed leptons)
    pair_prob: ak.Array | None = None  #: per row and pair: probability that this is the selected pair
    pair_region: ak.Array | None = None  #: per row and pair: index of its signal region, -1 for none


#: pairing -> the flavours of the pair's first and second lepton
CHANNELS = {"emu": (11, 13), "ee": (11, 11), "mumu": (13, 13)}


def select(reco: RecoEvents, cfg: AnalysisConfig) -> Selection:
    if cfg.pairing == "combination":
        raise LepreintError(
            f"analysis {cfg.name} is a combination of {len(cfg.parts)} analyses: its yields are their sums "
            "(signal_yields); the network's projection is for a single e-mu analysis"
        )
    if cfg.pairing not in CHANNELS:
        raise LepreintError(
            f"analysis {cfg.name} selects the two leading leptons of any flavours (pairing {cfg.pairing}): "
            "lepreint.analysis.leading_pair, through signal_yields"
        )
    lep = reco.leptons
    n = len(lep)
    presel = (lep.pt > preselection_floor(abs(lep.pdg) == 11, cfg)) & (
        ((abs(lep.pdg) == 11) & (abs(lep.eta) < cfg.electron.abs_eta_max))
        | ((abs(lep.pdg) == 13) & (abs(lep.eta) < cfg.muon.abs_eta_max))
    )
    is_e = abs(lep.pdg) == 11
    iso_ok = ak.where(
        is_e,
        lep[iso_field(cfg.electron.isolation_cone)] < isolation_limit(cfg.electron, lep.pt),
        lep[iso_field(cfg.muon.isolation_cone)] < isolation_limit(cfg.muon, lep.pt),
    )
    ok = lepton_ok(is_e, lep.pt, lep.eta, {f: lep[f] for f in ("iso02", "iso03", "iso04")}, cfg, lep.phi)
    counts = ak.to_numpy(ak.num(lep))
    row = np.repeat(np.arange(n), counts)
    flat_eta, flat_phi = ak.to_numpy(ak.flatten(lep.eta)), ak.to_numpy(ak.flatten(lep.phi))
    lep = ak.with_field(
        lep, ak.unflatten(near_jet(row, flat_eta, flat_phi, reco.residual_jets, cfg), counts), "near_jet"
    )
    cand = lep[ok]
    if cfg.electron.max_production_radius is not None or cfg.muon.max_production_radius is not None:
        cand = ak.with_field(cand, id_efficiency(abs(cand.pdg) == 11, cand.rxy, cand.eff, cfg, where=ak.where), "eff")
    # P(the others are not identified) = prod over the other counted candidates of (1 - eff); computed as the
    # product over the non-certain candidates divided by the pair's own factors, with the certain ones
    # (eff = 1) counted apart so that no 0/0 appears.  Counted: e-mu, every candidate (exactly one e and one mu);
    # ee and mu-mu, the channel's flavour, and the other flavour's above the card's veto |d0|
    fa, fb = CHANNELS[cfg.pairing]
    counted = ak.ones_like(cand.eff, dtype=bool)
    if fa == fb:
        other = abs(cand.pdg) != fa
        veto_d0 = cfg.veto_other_flavour_d0_min
        counted = ~other if veto_d0 is None else (~other | (cand.d0 > veto_d0))
    q = ak.where(counted, 1.0 - cand.eff, 1.0)
    certain = counted & (q <= 0.0)
    n_certain = ak.sum(certain, axis=1)
    prod_q = ak.prod(ak.where(certain, 1.0, q), axis=1)
    if fa != fb:
        pairs = ak.cartesian({"e": cand[abs(cand.pdg) == 11], "m": cand[abs(cand.pdg) == 13]}, axis=1)
        pe, pm = pairs.e, pairs.m
    else:  # the first of a same-flavour pair is the leading one
        same = cand[abs(cand.pdg) == fa]
        same = same[ak.argsort(same.pt, axis=1, ascending=False)]
        pairs = ak.combinations(same, 2, fields=["l1", "l2"], axis=1)
        pe, pm = pairs.l1, pairs.l2
    p_pair = pair_probability(pe.eff, pm.eff, prod_q, n_certain, where=ak.where)
    charge_ok = (pe.charge * pm.charge < 0) if cfg.opposite_charge else ak.ones_like(pe.charge, dtype=bool)
    p_pair_os = ak.where(charge_ok, p_pair, 0.0)
    cuts = {11: cfg.electron, 13: cfg.muon}
    pt_ok = (pe.pt > cuts[fa].pt_min) & (pm.pt > cuts[fb].pt_min)
    # the pair's own requirements: e-mu separation, neither lepton in a jet (extra leptons count regardless)
    pt_ok = pt_ok & pair_dr_ok(pe.eta, pe.phi, pm.eta, pm.phi, cfg) & ~pe.near_jet & ~pm.near_jet
    d0_small = np.minimum(pe.d0, pm.d0)
    d0_large = np.maximum(pe.d0, pm.d0)
    veto, masks = region_masks(d0_small, d0_large, cfg, (pe.d0, pm.d0, np.maximum(pe.pt, pm.pt)))
    d0_ok = veto if veto is not None else ak.ones_like(pt_ok)
    p_final = ak.where(pt_ok & d0_ok, p_pair_os, 0.0)

    def per_row(x):
        return ak.to_numpy(ak.fill_none(ak.sum(x, axis=1), 0.0)) if n else np.zeros(0)

    cutflow = {
        "all": np.ones(n),
        "preselection": ak.to_numpy(ak.any(presel, axis=1)).astype(float),
        "isolation": ak.to_numpy(ak.any(presel & iso_ok, axis=1)).astype(float),
        {"emu": "e-mu pair", "ee": "ee pair", "mumu": "mu-mu pair"}[cfg.pairing]: per_row(p_pair),
        "opposite charge": per_row(p_pair_os),
        "pT thresholds": per_row(ak.where(pt_ok, p_pair_os, 0.0)),
        "d0 < d0_max": per_row(p_final),
    }
    regions = np.column_stack([per_row(ak.where(m, p_final, 0.0)) for m in masks]) if masks else np.zeros((n, 0))
    region = ak.zeros_like(d0_small, dtype=np.int64) - 1
    for i, m in enumerate(masks):
        region = ak.where(m, i, region)
    return Selection(regions, cutflow, d0_small, pairs, p_final, region)
