"""The nine kinematic variables of the paper's Eq. (4.2), per candidate e-mu pair.

Objects: the pair's electron and muon (``l1`` the harder, ``l2`` the softer), the event's jets after
the detector (anti-kT 0.4, pT > 20 GeV, |eta| < 2.5, lepton overlaps removed), and the missing pT of
the detector card (``missing_pt``; by default the true invisible pT).  No variable uses d0 or any
displacement (Sec. 4.2).  All are computed vectorised over the flat list of candidate pairs.

=====================  ==========================================================================
``met_sig``            pT^miss / sqrt(H_T), GeV^1/2: the detector's missing pT over the scalar sum
                       H_T of the two leptons' and the jets' pT
``ht``                 H_T = pT(e) + pT(mu) + sum pT(jets), GeV (no jets: the two leptons)
``dr_emu``             Delta R(e, mu) = sqrt(d eta^2 + d phi^2), Eq. (4.1)
``mt_l1_met``          m_T(l1, pT^miss) = sqrt(2 pT(l1) pT^miss (1 - cos d phi)), GeV
``met_sig_objects``    |-(sum of the leptons' and jets' pT vectors)| / sqrt(H_T): the significance
                       "with the selected objects only" (both from the leptons and jets)
``dphi_l1_met``        |Delta phi(l1, pT^miss)| in [0, pi]
``sphericity``         transverse sphericity 2 lambda_2 / (lambda_1 + lambda_2) of the linearised
                       momentum tensor S_ab = sum p_a p_b / pT over leptons and jets (a, b = x, y);
                       0 for a pencil-like, 1 for an isotropic event; two back-to-back leptons give 0
``alpha_t``            pT(l2) / m_T(l1, l2), m_T(l1, l2)^2 = (pT1 + pT2)^2 - |pT1 + pT2|^2 (vectors);
                       0.5 for back-to-back leptons of equal pT
``spherocity``         transverse spherocity (pi^2 / 4) min_n (sum |pT_i x n| / sum pT_i)^2 over the
                       leptons and jets, minimised over unit vectors n in the transverse plane (the
                       minimum lies along one of the objects' directions, which are the candidates)
=====================  ==========================================================================

Events with one jet or none are well defined: the sums run over the objects present.
"""

from __future__ import annotations

from dataclasses import dataclass

import awkward as ak
import numpy as np

from lepreint.analysis.selection import Selection
from lepreint.detector.simulate import RecoEvents

__all__ = ["FEATURES", "PairFeatures", "feature_matrix", "pair_features"]

#: the order of Eq. (4.2) (the paper's ranking)
FEATURES = (
    "met_sig",
    "ht",
    "dr_emu",
    "mt_l1_met",
    "met_sig_objects",
    "dphi_l1_met",
    "sphericity",
    "alpha_t",
    "spherocity",
)


@dataclass
class PairFeatures:
    """One row per candidate pair (all rows of all events flattened)."""

    x: np.ndarray  #: (pairs, 9) in the order of ``FEATURES``
    row: np.ndarray  #: the slim-event row of each pair
    prob: np.ndarray  #: probability that the pair is the event's selected pair (0 if it fails a cut)
    region: np.ndarray  #: signal region index, -1 for none

    def table(self) -> dict[str, np.ndarray]:
        return {f: self.x[:, i] for i, f in enumerate(FEATURES)}


def _dphi(a, b):
    return np.abs((a - b + np.pi) % (2 * np.pi) - np.pi)


def pair_features(reco: RecoEvents, sel: Selection, keep: str = "all") -> PairFeatures:
    """Features of the candidate pairs: ``keep='all'``, ``'selected'`` (probability > 0) or ``'in_region'``
    (selected and in a signal region: all a yield needs)."""
    pairs = sel.pairs
    counts = ak.to_numpy(ak.num(pairs))
    row = np.repeat(np.arange(len(counts)), counts)
    prob = ak.to_numpy(ak.flatten(sel.pair_prob)).astype(float)
    region = ak.to_numpy(ak.flatten(sel.pair_region)).astype(np.int64)
    mask = np.ones(row.size, bool) if keep == "all" else (prob > 0) & ((region >= 0) if keep == "in_region" else True)
    e = ak.flatten(pairs.e)[mask]
    m = ak.flatten(pairs.m)[mask]
    row, prob, region = row[mask], prob[mask], region[mask]
    pe, ee, fe = (ak.to_numpy(e[f]).astype(float) for f in ("pt", "eta", "phi"))
    pm, em, fm = (ak.to_numpy(m[f]).astype(float) for f in ("pt", "eta", "phi"))
    n = row.size
    if n == 0:
        return PairFeatures(np.zeros((0, len(FEATURES))), row, prob, region)

    # jets of each pair's event, padded to a rectangle (events have few jets)
    jets = reco.jets[row] if "pt" in ak.fields(reco.jets) else ak.Array([[]] * n)
    if "pt" in ak.fields(jets):
        nj = max(int(ak.max(ak.num(jets))), 1)
        jpt = ak.to_numpy(ak.fill_none(ak.pad_none(jets.pt, nj, clip=True), 0.0)).astype(float)
        jphi = ak.to_numpy(ak.fill_none(ak.pad_none(jets.phi, nj, clip=True), 0.0)).astype(float)
    else:
        jpt = jphi = np.zeros((n, 1))
    x = feature_matrix(pe, ee, fe, pm, em, fm, jpt, jphi, np.asarray(reco.met, dtype=float)[row])
    return PairFeatures(x, row, prob, region)


def feature_matrix(pe, ee, fe, pm, em, fm, jpt, jphi, met) -> np.ndarray:
    """The nine features from flat arrays: the pair's electron and muon (pT, eta, phi), the jets of each
    pair's event as (pairs, n) rectangles with pT = 0 for padding (or removed jets: a jet of pT 0 drops
    out of every variable) and the (pairs, 2) missing pT vectors."""
    # all objects: e, mu, jets (pt = 0 for padding: they drop out of every sum)
    pt = np.column_stack([pe, pm, jpt])
    phi = np.column_stack([fe, fm, jphi])
    px, py = pt * np.cos(phi), pt * np.sin(phi)
    ht = pt.sum(axis=1)
    met_pt = np.hypot(met[:, 0], met[:, 1])
    met_phi = np.arctan2(met[:, 1], met[:, 0])
    sqrt_ht = np.sqrt(np.maximum(ht, 1e-12))

    lead_is_e = pe >= pm
    p1, f1 = np.where(lead_is_e, pe, pm), np.where(lead_is_e, fe, fm)
    p2 = np.where(lead_is_e, pm, pe)

    dr = np.hypot(ee - em, _dphi(fe, fm))
    dphi1 = _dphi(f1, met_phi)
    mt1 = np.sqrt(np.maximum(2 * p1 * met_pt * (1 - np.cos(dphi1)), 0.0))
    obj_met = np.hypot(px.sum(axis=1), py.sum(axis=1))
    sx, sy = pe * np.cos(fe) + pm * np.cos(fm), pe * np.sin(fe) + pm * np.sin(fm)
    mt12 = np.sqrt(np.maximum((pe + pm) ** 2 - sx**2 - sy**2, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha_t = np.where(mt12 > 0, p2 / mt12, 0.0)

    # transverse sphericity of the linearised tensor S_ab = sum p_a p_b / pT
    w = np.where(pt > 0, 1.0 / np.maximum(pt, 1e-12), 0.0)
    sxx, syy, sxy = (w * px * px).sum(1), (w * py * py).sum(1), (w * px * py).sum(1)
    tr = sxx + syy
    disc = np.sqrt(np.maximum((sxx - syy) ** 2 / 4 + sxy**2, 0.0))
    lam2 = tr / 2 - disc
    sphericity = np.where(tr > 0, 2 * lam2 / np.maximum(tr, 1e-12), 0.0)

    # transverse spherocity: candidate axes along each object's direction
    nx, ny = np.cos(phi), np.sin(phi)  # (pairs, objects) candidate axes
    cross = np.abs(px[:, :, None] * ny[:, None, :] - py[:, :, None] * nx[:, None, :]).sum(axis=1)  # (pairs, axes)
    cross = np.where(pt > 0, cross, np.inf)  # padded objects are no axes
    spherocity = (np.pi**2 / 4) * (cross.min(axis=1) / np.maximum(ht, 1e-12)) ** 2

    return np.column_stack([met_pt / sqrt_ht, ht, dr, mt1, obj_met / sqrt_ht, dphi1, sphericity, alpha_t, spherocity])
