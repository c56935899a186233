"""Validation of lepreint's own LLP decays against Pythia's, and the effect of the V-A matrix element.

The closure test: at (m_c, dm) = (220, 20) GeV with B(e) = B(mu) = 1/2,

* sample A: Pythia decays the charginos itself (SLHA decay table: flat three-body phase space),
  one decay per event, with Pythia's QED radiation off leptons switched off (lepreint's decays
  radiate no photons; the size of that radiation is reported from a second Pythia sample with it on);
* sample B: Pythia keeps them stable and lepreint decays each K times with ``matrix_element='flat'``;
* sample C: as B with the V-A matrix element (the physics default).

Observable: the e-mu yield per generated event, an electron and a muon both with pT > 20 GeV and
|eta| < 2.4 (truth level, no isolation), with statistical errors that treat the K copies of an event
as correlated; and the normalised pT spectra of all stored leptons, compared bin by bin with a chi2
whose per-bin variances are again computed per event (copies correlated).  Multiple interactions
are off: they do not touch the decay kinematics and cost 90% of the time.
"""

from __future__ import annotations

import awkward as ak
import numpy as np
from scipy import stats

from lepreint.events.generation.engine import GenerationRequest, generate
from lepreint.events.generation.pythia import ShowerOptions

__all__ = ["emu_pass", "yield_per_event", "closure"]

PT_BINS = np.array([2, 4, 6, 8, 10, 12, 15, 20, 25, 30, 40, 60])


def emu_pass(events: ak.Array, pt_min: float = 20.0, eta_max: float = 2.4) -> np.ndarray:
    """Rows with at least one electron and one muon above ``pt_min`` within |eta| < ``eta_max``."""
    lep = events.leptons
    pt = np.hypot(lep.px, lep.py)
    eta = np.arcsinh(lep.pz / pt)
    ok = (pt > pt_min) & (abs(eta) < eta_max)
    has_e = ak.any(ok & (abs(lep.pdg) == 11), axis=1)
    has_mu = ak.any(ok & (abs(lep.pdg) == 13), axis=1)
    return ak.to_numpy(has_e & has_mu)


def yield_per_event(sample, passed: np.ndarray) -> tuple[float, float]:
    """Weighted fraction of generated events passing, and its error (copies of one event correlated)."""
    ev = sample.events
    w = ak.to_numpy(ev.weight) * passed
    per_event = np.bincount(ak.to_numpy(ev.event), weights=w, minlength=sample.meta["events"])
    n = sample.meta["sum_weights_tried"]
    mean = per_event.sum() / n
    # the events are independent: the variance of the mean of per-event sums
    err = np.sqrt(np.sum((per_event - mean) ** 2)) / n
    return float(mean), float(err)


def _spectrum(sample):
    """Normalised lepton pT histogram per generated event, with per-bin errors (copies correlated)."""
    ev = sample.events
    lep = ev.leptons
    pt = ak.to_numpy(ak.flatten(np.hypot(lep.px, lep.py)))
    row = np.repeat(np.arange(len(ev)), ak.to_numpy(ak.num(lep)))
    w = ak.to_numpy(ev.weight)[row]
    evt = ak.to_numpy(ev.event)[row]
    b = np.digitize(pt, PT_BINS) - 1
    ok = (b >= 0) & (b < PT_BINS.size - 1)
    nb = PT_BINS.size - 1
    n = sample.meta["sum_weights_tried"]
    per = np.zeros((sample.meta["events"], nb))
    np.add.at(per, (evt[ok], b[ok]), w[ok])
    h = per.sum(0) / n
    err = np.sqrt(np.sum((per - per.mean(0)) ** 2, axis=0)) / n
    return h, err


def closure(
    n_pythia: int = 240_000,
    n_lepreint: int = 24_000,
    k: int = 20,
    seed: int = 2024,
    workers: int = 2,
    mc: float = 220.0,
    dm: float = 20.0,
) -> dict:
    """Run the three samples and compare (see the module docstring).  Returns a dict of figures."""
    shower = ShowerOptions(mpi=False)
    params = {"mc": mc, "dm": dm, "ctau": 10.0}
    # Pythia would let its decay leptons radiate photons (QED FSR), lepreint's do not: switch it off
    # for the comparison of the decay machinery (sample A_fsr keeps it, to show its size)
    a = generate(
        GenerationRequest(
            "coscattering",
            params,
            n_pythia,
            seed,
            None,
            {"decayer": "pythia"},
            ShowerOptions(mpi=False, qed_fsr_leptons=False),
        ),
        workers=workers,
    )
    a_fsr = generate(
        GenerationRequest("coscattering", params, n_pythia, seed, None, {"decayer": "pythia"}, shower), workers=workers
    )
    b = generate(
        GenerationRequest("coscattering", params, n_lepreint, seed + 1, k, {"matrix_element": "flat"}, shower),
        workers=workers,
    )
    c = generate(
        GenerationRequest("coscattering", params, n_lepreint, seed + 2, k, {"matrix_element": "V-A"}, shower),
        workers=workers,
    )
    ya, ea = yield_per_event(a, emu_pass(a.events))
    yf, ef = yield_per_event(a_fsr, emu_pass(a_fsr.events))
    yb, eb = yield_per_event(b, emu_pass(b.events))
    yc, ec = yield_per_event(c, emu_pass(c.events))
    ha, sa = _spectrum(a)
    hb, sb = _spectrum(b)
    use = (sa > 0) & (sb > 0)
    chi2 = float(np.sum((ha[use] - hb[use]) ** 2 / (sa[use] ** 2 + sb[use] ** 2)))
    ndf = int(use.sum())
    return {
        "point": {"mc": mc, "dm": dm},
        "pythia_decays": {"events": a.meta["events"], "yield": ya, "err": ea, "digest": a.digest},
        "pythia_decays_with_qed_fsr": {"events": a_fsr.meta["events"], "yield": yf, "err": ef},
        "lepreint_flat": {"events": b.meta["events"], "k": k, "yield": yb, "err": eb, "digest": b.digest},
        "lepreint_va": {"events": c.meta["events"], "k": k, "yield": yc, "err": ec, "digest": c.digest},
        "pull_flat_vs_pythia": (yb - ya) / np.hypot(ea, eb),
        "spectrum_chi2": chi2,
        "spectrum_ndf": ndf,
        "spectrum_p_value": float(stats.chi2.sf(chi2, ndf)),
        "va_over_flat": yc / yb,
        "va_over_flat_err": yc / yb * np.hypot(ec / yc, eb / yb),
        "pt_bins": PT_BINS.tolist(),
        "spectrum_pythia": ha.tolist(),
        "spectrum_lepreint_flat": hb.tolist(),
    }
