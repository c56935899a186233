"""The two leading displaced leptons of any flavours: generator-level acceptance, then the leptons' efficiencies.

The recipe of ATLAS's displaced-lepton search (SUSY-2018-14), which published the acceptance and the efficiency of
each signal point apart (an analysis card with ``pairing: leading_two``):

Acceptance, per region (generator level):
  * the acceptance leptons: e and mu with pT > the card's ``pt_min`` and |eta| < its ``abs_eta_max`` (per
    flavour) and |d0| above the lowest region edge (3 mm);
  * the two leading of them (in pT) have the region's ``flavours`` (ee, mumu, emu), are Delta R >
    ``pair_min_dr`` apart (and of opposite charge if the card asks);
  * the event fires the trigger emulation: any of the card's ``trigger`` legs (``count`` leptons of a flavour
    above ``pt_min``, inside ``abs_eta_max``) among all generator-level leptons.
Efficiency: eff_1 x eff_2, the detector's probabilities of the two leptons (for ``atlas_run2``, ATLAS's own
(pT, |d0|) maps, which hold reconstruction, identification, isolation, track quality and the cosmic veto), both
|d0| below the region's ``d0_max``.  That a third lepton could take the place of one not reconstructed is
neglected, as in ATLAS's recipe.

All quantities are generator-level: the ``atlas_run2`` card smears nothing (its maps are functions of the
generator-level pT and |d0|).
"""

from __future__ import annotations

from dataclasses import dataclass

import awkward as ak
import numpy as np

from lepreint.config.cards import AnalysisConfig

__all__ = ["LeadingPairSelection", "select_leading_pair"]

_FLAVOURS = {"ee": (11, 11), "mumu": (13, 13), "emu": (11, 13)}


@dataclass
class LeadingPairSelection:
    """Per-row probabilities (rows x regions): in the acceptance, and selected; the cutflow (per-row
    probabilities of each step, in the order of the card's regions' flavours)."""

    acceptance: np.ndarray
    region_prob: np.ndarray
    cutflow: dict[str, np.ndarray]


def _leading_two(counts: np.ndarray, keep: np.ndarray, pt: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row has two, flat index of its leading, of its subleading) among the leptons ``keep``-ed."""
    n = counts.size
    kept = ak.unflatten(keep, counts)
    idx = ak.unflatten(np.arange(pt.size), counts)[kept]
    ranked = idx[ak.argsort(ak.unflatten(pt, counts)[kept], axis=1, ascending=False)]
    has = ak.to_numpy(ak.num(ranked)) >= 2
    first = np.zeros(n, np.int64)
    second = np.zeros(n, np.int64)
    if has.any():
        top = ranked[has]
        first[has] = ak.to_numpy(top[:, 0])
        second[has] = ak.to_numpy(top[:, 1])
    return has, first, second


def _trigger(counts, apdg, pt, eta, cfg: AnalysisConfig) -> np.ndarray:
    """Per row: any trigger leg fires (True everywhere without legs)."""
    n = counts.size
    if not cfg.trigger:
        return np.ones(n, bool)
    row = np.repeat(np.arange(n), counts)
    fired = np.zeros(n, bool)
    for leg in cfg.trigger:
        fl = 11 if leg.flavour == "e" else 13
        cuts = cfg.electron if fl == 11 else cfg.muon
        eta_max = leg.abs_eta_max if leg.abs_eta_max is not None else cuts.abs_eta_max
        ok = (apdg == fl) & (pt > leg.pt_min) & (np.abs(eta) < eta_max)
        fired |= np.bincount(row[ok], minlength=n) >= leg.count
    return fired


def select_leading_pair(
    prep,
    d0: np.ndarray,
    eff: np.ndarray,
    cfg: AnalysisConfig,
    rxy: np.ndarray | None = None,
    z: np.ndarray | None = None,
) -> LeadingPairSelection:
    """The selection of a ``leading_two`` card on the detector's prepared leptons (``Detector.prepare``: flat arrays
    in the slim events' order), their |d0| (mm), efficiencies and production points (``rxy``, ``z``, mm: needed with
    the card's ``truth_volume``)."""
    counts = np.asarray(prep.counts)
    n = counts.size
    apdg, pt, eta, phi, charge = prep.apdg, prep.pt, prep.eta, prep.phi, prep.charge
    d0 = np.abs(d0)
    if apdg.size == 0:  # no row has a lepton (hadronic taus): nothing accepted, every step empty
        return _nothing(n, cfg)
    d0_lo = min(r.d0_min for r in cfg.regions)
    is_e, is_m = apdg == 11, apdg == 13
    accept = (
        (is_e & (pt > cfg.electron.pt_min) & (np.abs(eta) < cfg.electron.abs_eta_max))
        | (is_m & (pt > cfg.muon.pt_min) & (np.abs(eta) < cfg.muon.abs_eta_max))
    ) & (d0 > d0_lo)
    recorded = np.ones(apdg.size, bool)  # the leptons of the experiment's generator-level record
    if cfg.truth_volume is not None:
        if rxy is None or z is None:
            raise ValueError("a truth_volume needs the leptons' production points")
        recorded = (rxy < cfg.truth_volume[0]) & (np.abs(z) < cfg.truth_volume[1])
        accept &= recorded
    has, i1, i2 = _leading_two(counts, accept, pt)
    dphi = (phi[i1] - phi[i2] + np.pi) % (2 * np.pi) - np.pi
    dr_ok = (eta[i1] - eta[i2]) ** 2 + dphi**2 > cfg.pair_min_dr**2
    charge_ok = (charge[i1] * charge[i2] < 0) if cfg.opposite_charge else np.ones(n, bool)
    trig = _trigger(counts, np.where(recorded, apdg, 0), pt, eta, cfg)  # fired by recorded leptons only
    pair = has & dr_ok & charge_ok
    f1, f2 = np.minimum(apdg[i1], apdg[i2]), np.maximum(apdg[i1], apdg[i2])
    p_eff = eff[i1] * eff[i2]
    acc = np.zeros((n, len(cfg.regions)))
    prob = np.zeros((n, len(cfg.regions)))
    for k, r in enumerate(cfg.regions):
        a, b = _FLAVOURS[r.flavours or "emu"]
        in_acc = pair & trig & (f1 == a) & (f2 == b) & (d0[i1] >= r.d0_min) & (d0[i2] >= r.d0_min)
        acc[:, k] = in_acc
        prob[:, k] = np.where(in_acc & (d0[i1] < r.d0_max) & (d0[i2] < r.d0_max), p_eff, 0.0)
    cutflow = {
        "all": np.ones(n),
        "trigger": trig.astype(float),
        "two acceptance leptons": (trig & has).astype(float),
        "Delta R, charge": (trig & pair).astype(float),
        "acceptance (any region)": acc.max(axis=1) if acc.size else np.zeros(n),
        "selected (any region)": prob.sum(axis=1),
    }
    cutflow.update(_steps(counts, apdg, pt, eta, phi, d0, trig, acc, prob, cfg, rxy, z))
    return LeadingPairSelection(acc, prob, cutflow)


def _nothing(n: int, cfg: AnalysisConfig) -> LeadingPairSelection:
    """The selection of ``n`` rows without leptons: the cutflow's steps, all empty after the first."""
    zero = np.zeros(n)
    steps = ["trigger", "two acceptance leptons", "Delta R, charge", "acceptance (any region)", "selected (any region)"]
    steps.append("trigger, two leptons in |eta|")
    for r in cfg.regions:
        steps += [f"{r.name}: {x}" for x in (f"two leading are {r.flavours or 'emu'}", "pT", "|d0|", "Delta R")]
        steps += [f"{r.name}: acceptance", f"{r.name}: selected"]
    return LeadingPairSelection(
        np.zeros((n, len(cfg.regions))),
        np.zeros((n, len(cfg.regions))),
        {"all": np.ones(n), **{k: zero for k in steps}},
    )


def _steps(counts, apdg, pt, eta, phi, d0, trig, acc, prob, cfg: AnalysisConfig, rxy, z) -> dict[str, np.ndarray]:
    """The cutflow per region in the order of ATLAS's published cutflows, at generator level: the trigger and two
    leptons inside |eta|; the two leading of them have the region's flavours; both above ``pt_min``; both inside
    the region's |d0| window (and the truth volume); Delta R (and charge); then the recipe's acceptance (the two
    leading of the leptons passing pT and |d0|: the same events unless a third lepton takes a place) and the
    selected events (x the efficiencies)."""
    n = counts.size
    is_e, is_m = apdg == 11, apdg == 13
    in_eta = (is_e & (np.abs(eta) < cfg.electron.abs_eta_max)) | (is_m & (np.abs(eta) < cfg.muon.abs_eta_max))
    has, j1, j2 = _leading_two(counts, in_eta, pt)
    base = trig & has
    g1, g2 = np.minimum(apdg[j1], apdg[j2]), np.maximum(apdg[j1], apdg[j2])
    pt_min = np.where(apdg == 11, cfg.electron.pt_min, cfg.muon.pt_min)
    pt_ok = (pt[j1] > pt_min[j1]) & (pt[j2] > pt_min[j2])
    inside = np.ones(apdg.size, bool)
    if cfg.truth_volume is not None and rxy is not None and z is not None:
        inside = (rxy < cfg.truth_volume[0]) & (np.abs(z) < cfg.truth_volume[1])
    dphi = (phi[j1] - phi[j2] + np.pi) % (2 * np.pi) - np.pi
    dr_ok = (eta[j1] - eta[j2]) ** 2 + dphi**2 > cfg.pair_min_dr**2
    out = {"trigger, two leptons in |eta|": base.astype(float)}
    for k, r in enumerate(cfg.regions):
        a, b = _FLAVOURS[r.flavours or "emu"]
        win = (d0 >= r.d0_min) & (d0 < r.d0_max) & inside
        step = base & (g1 == a) & (g2 == b)
        out[f"{r.name}: two leading are {r.flavours or 'emu'}"] = step.astype(float)
        step = step & pt_ok
        out[f"{r.name}: pT"] = step.astype(float)
        step = step & win[j1] & win[j2]
        out[f"{r.name}: |d0|"] = step.astype(float)
        out[f"{r.name}: Delta R"] = (step & dr_ok).astype(float)
        out[f"{r.name}: acceptance"] = acc[:, k] if n else np.zeros(0)
        out[f"{r.name}: selected"] = prob[:, k] if n else np.zeros(0)
    return out
