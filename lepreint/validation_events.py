"""Validation producers that need generated events (Pythia runs; cached under $LEPREINT_CACHE).

``events.`` : the lepton pT spectrum of Fig. 2, the closure of lepreint's decays against Pythia's,
the effect of the V-A matrix element.  ``bbbar.`` : the heavy-flavour sample and the
double-exponential fit of its lepton spectra beside Eq. (3.7).
"""

from __future__ import annotations

import awkward as ak
import numpy as np

from .validation import producer

__all__ = ["lepton_pt_mode", "bbbar_sample", "bbbar_fit"]

#: the b-bbar sample of the validation (and of the classifier, later): 7000 filtered events give
#: ~4500 opposite-charge e-mu pairs with both pT > 20 GeV
BBBAR_EVENTS = 7000
BBBAR_SEED = 1


def lepton_pt_mode(mc: float = 324.0, dm: float = 20.0, events: int = 2000, k: int = 20, seed: int = 7):
    """Mode of dN/dpT of the l+ from chi+ decays (no cuts) and the range where dN/dpT > 90% of it."""
    from scipy.stats import gaussian_kde

    from .generate.engine import GenerationRequest, generate
    from .generate.pythia import ShowerOptions

    s = generate(GenerationRequest("coscattering", {"mc": mc, "dm": dm, "ctau": 10.0}, events, seed, k,
                                   shower=ShowerOptions(mpi=False)))
    lep = s.events.leptons
    lep = lep[(lep.llp >= 0) & (lep.charge > 0)]
    pt = ak.to_numpy(ak.flatten(np.hypot(lep.px, lep.py)))
    # leptons are stored above 2 GeV: reflect the density at that boundary so the KDE is not biased there
    x = np.linspace(2.0, 25.0, 461)
    kde = gaussian_kde(np.concatenate([pt, 4.0 - pt[pt < 6.0]]), bw_method=0.08)
    dens = kde(x)
    mode = float(x[np.argmax(dens)])
    above = x[dens > 0.9 * dens.max()]
    return mode, float(above.min()), float(above.max()), float(np.mean(pt > 20.0))


@producer("events.", slow=True)
def _events():
    from .generate.closure import closure

    out = {}
    mode, lo, hi, frac20 = lepton_pt_mode()
    out["events.fig2.lepton_pt_mode.mc324_dm20"] = (
        mode, f"V-A decays, Pythia ISR; dN/dpT within 90% of its maximum for {lo:.1f}-{hi:.1f} GeV; "
              f"{frac20:.1%} of the l+ have pT > 20 GeV")
    c = closure()
    a, af, b, v = c["pythia_decays"], c["pythia_decays_with_qed_fsr"], c["lepreint_flat"], c["lepreint_va"]
    out["events.closure.pull_flat_vs_pythia"] = (
        c["pull_flat_vs_pythia"],
        f"e-mu yield per event, both pT > 20 GeV: Pythia's decays {a['yield']:.5f} +- {a['err']:.5f} "
        f"({a['events']} events), lepreint flat {b['yield']:.5f} +- {b['err']:.5f} ({b['events']} events x K={b['k']}, "
        f"copies correlated); lepton pT spectra chi2/ndf = {c['spectrum_chi2']:.1f}/{c['spectrum_ndf']} "
        f"(p = {c['spectrum_p_value']:.2f})")
    out["events.closure.yield_pythia_decays"] = (a["yield"], "QED FSR off leptons switched off, as lepreint's decays")
    out["events.closure.yield_pythia_decays_qed_fsr"] = (
        af["yield"], f"Pythia's default (photons radiated off the leptons, not recombined): "
                     f"{af['yield'] / a['yield'] - 1:+.1%} from the dressed yield")
    out["events.closure.yield_lepreint_flat"] = (b["yield"], f"+- {b['err']:.5f}")
    out["events.closure.spectrum_p_value"] = (c["spectrum_p_value"], f"chi2 = {c['spectrum_chi2']:.1f} for "
                                              f"{c['spectrum_ndf']} bins of lepton pT (2-60 GeV)")
    out["events.va.yield_ratio_va_over_flat"] = (
        c["va_over_flat"], f"+- {c['va_over_flat_err']:.3f}: V-A yield {v['yield']:.5f} +- {v['err']:.5f} "
                           f"over flat {b['yield']:.5f}; e-mu, both pT > 20 GeV, (220, 20)")
    return out


def bbbar_sample(workers: int = 2):
    from .generate.engine import GenerationRequest, generate

    return generate(GenerationRequest("bbbar", {}, BBBAR_EVENTS, BBBAR_SEED), workers=workers)


def os_emu(sample, pt_min=20.0, eta_max=2.4) -> np.ndarray:
    """Rows with an opposite-charge e-mu pair, both above ``pt_min``."""
    lep = sample.events.leptons
    pt = np.hypot(lep.px, lep.py)
    ok = (pt > pt_min) & (abs(np.arcsinh(lep.pz / pt)) < eta_max)
    e = lep[ok & (abs(lep.pdg) == 11)]
    m = lep[ok & (abs(lep.pdg) == 13)]
    pairs = ak.cartesian([e.charge, m.charge])
    return ak.to_numpy(ak.any(pairs["0"] * pairs["1"] < 0, axis=1))


def bbbar_fit(sample, flavour: int, lo: float = 15.0, hi: float = 70.0, width: float = 2.5):
    """Double-exponential fit of the pT spectrum of all e (11) or mu (13) with |eta| < 2.4 in [lo, hi]."""
    from .background import fit_double_exponential

    ev = sample.events
    lep = ev.leptons
    pt = np.hypot(lep.px, lep.py)
    sel = (abs(lep.pdg) == flavour) & (abs(np.arcsinh(lep.pz / pt)) < 2.4)
    w = ak.broadcast_arrays(ev.weight, lep.px)[0]
    x = ak.to_numpy(ak.flatten(pt[sel]))
    ww = ak.to_numpy(ak.flatten(w[sel]))
    edges = np.arange(lo, hi + 1e-9, width)
    h, _ = np.histogram(x, edges, weights=ww)
    h2, _ = np.histogram(x, edges, weights=ww**2)
    err = np.sqrt(np.where(h2 > 0, h2, np.min(h2[h2 > 0]) if np.any(h2 > 0) else 1.0))
    # normalise to unit weight per event so a1, a2 are comparable in size from run to run
    scale = 1.0 / float(np.sum(ww)) if np.sum(ww) > 0 else 1.0
    return fit_double_exponential(edges, h * scale, err * scale)


@producer("bbbar.", slow=True)
def _bbbar():
    from .background import EQ37_ELECTRON, EQ37_MUON, REF_PT_E, REF_PT_MU, kappa_formula

    s = bbbar_sample()
    n_os = int(os_emu(s).sum())
    out = {"bbbar.os_emu20.events": (n_os, f"{s.meta['events']} filtered events of {s.meta['tried']} tried; "
                                            f"opposite-charge e-mu, both pT > 20 GeV, |eta| < 2.4")}
    for name, fl, eq, ref in (("e", 11, EQ37_ELECTRON, REF_PT_E), ("mu", 13, EQ37_MUON, REF_PT_MU)):
        fit = bbbar_fit(s, fl)
        f = fit.spectrum
        err = np.sqrt(np.diag(fit.cov))
        out[f"bbbar.fit.{name}.b1"] = (f.b1, f"+- {err[1]:.3f}; chi2/ndf = {fit.chi2:.1f}/{fit.ndf}")
        out[f"bbbar.fit.{name}.b2"] = (f.b2, f"+- {err[3]:.3f}")
        out[f"bbbar.fit.{name}.a1_minus_a2"] = (f.a1 - f.a2, f"+- {np.hypot(err[0], err[2]):.2f} (shape only)")
        for pt in (20.0, 25.0, 30.0, 35.0):
            k, ke = fit.kappa(pt, ref, 70.0)
            out[f"bbbar.fit.{name}.kappa_pt{pt:g}"] = (
                k, f"+- {ke:.2g} from our fit; Eq. (3.7) gives {float(kappa_formula(pt, name, 70.0)):.3g}")
    return out
