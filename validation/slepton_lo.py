"""Pythia's slepton-pair production against leading order (no published number: a check of the generator).

Leading order for q qbar -> gamma*/Z -> slepton pairs, without a PDF library: Pythia's own Drell-Yan
q qbar -> gamma*/Z -> mu+ mu- (the same parton luminosities, its own PDFs), each event reweighted by the
scalar-to-fermion ratio of the same propagators and couplings at its mass and incoming flavour,

    sigma(~l ~l*) / sigma(mu mu) = beta^3 sum_h |A_s(h)|^2 / (2 sum_{h,h'} |A_f(h, h')|^2),
    A(h, h') = Q_q Q_l + g_q(h) g_l(h') s / (s - m_Z^2 + i m_Z Gamma_Z),  g = (T3 - Q sin^2 theta_W) / (sin cos),

(h the quark's helicity, h' the muon's; the slepton ~l_L couples as a left-handed lepton, ~l_R as a right-handed
one; beta^3 and sin^2 theta* against (1 +- cos theta*)^2 give the 1/2 and the photon-only ratio beta^3 / 4).
Records ``slepton_lo.m<mass>.<L|R>.``: Pythia's cross section over that leading order, the table's NLO+NLL over
it (the K factor), and the median of the pair's mass, Pythia's over leading order's (the kinematics the samples
use; within 2%).
"""

from __future__ import annotations

import numpy as np

from validation.core import producer

__all__ = ["leading_order"]

MASS = 100.0
EVENTS = 40000
SEED = 7
SIN2W, MZ, GZ = 0.2312, 91.1876, 2.4952  # Pythia's StandardModel:sin2thetaW and the Z's mass and width
_CHARGE = {1: -1 / 3, 2: 2 / 3, 3: -1 / 3, 4: 2 / 3, 5: -1 / 3}


def _run(setup, n: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(mHat, |incoming flavour|, sigma fb) of ``n`` hard processes of a ``PythiaSetup`` at 13 TeV (no shower)."""
    from lepreint.events.generation.pythia import hard_process_run

    run = hard_process_run(setup, 13000.0, SEED)
    try:
        mh, q = np.empty(n), np.empty(n, dtype=int)
        i = 0
        while i < n:
            if not run.py.next():
                continue
            info = run.py.infoPython()
            mh[i], q[i] = info.mHat(), abs(info.id1())
            i += 1
        return mh, q, run.sigma_fb()
    finally:
        run.close()


def _coupling(t3: float | np.ndarray, charge: float | np.ndarray, helicity: str):
    return ((t3 if helicity == "L" else 0.0) - charge * SIN2W) / np.sqrt(SIN2W * (1 - SIN2W))


def scalar_over_fermion(mhat: np.ndarray, quark: np.ndarray, mass: float, state: str) -> np.ndarray:
    """sigma-hat(q qbar -> ~l_state ~l_state*) / sigma-hat(q qbar -> mu+ mu-) per event."""
    s = mhat**2
    prop = s / (s - MZ**2 + 1j * MZ * GZ)
    beta3 = np.clip(1.0 - 4.0 * mass**2 / s, 0.0, None) ** 1.5
    qq = np.vectorize(_CHARGE.get)(quark)
    t3 = np.where(qq > 0, 0.5, -0.5)
    num = den = 0.0
    for h in "LR":
        gq = _coupling(t3, qq, h)
        num = num + np.abs(-qq + gq * _coupling(-0.5, -1.0, state) * prop) ** 2
        for hl in "LR":
            den = den + np.abs(-qq + gq * _coupling(-0.5, -1.0, hl) * prop) ** 2
    return beta3 * num / (2.0 * den)


def _weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    o = np.argsort(x)
    c = np.cumsum(w[o])
    return float(x[o][np.searchsorted(c, 0.5 * c[-1])])


def leading_order(mass: float = MASS, events: int = EVENTS) -> dict:
    """{state: (Pythia's sigma fb, leading order fb, Pythia's median mHat, leading order's)}."""
    from lepreint.events.generation.pythia import PythiaSetup
    from lepreint.models import slepton

    dy = ["WeakSingleBoson:ffbar2gmZ = on", "23:onMode = off", "23:onIfAny = 13"]
    dy += [f"PhaseSpace:mHatMin = {2 * mass:g}", f"PhaseSpace:mHatMax = {max(3000.0, 12 * mass):g}"]
    mh, q, sigma_dy = _run(PythiaSetup(dy), events)
    out = {}
    for state in "LR":
        w = scalar_over_fermion(mh, q, mass, state)
        setup = slepton.pythia_setup({"mslep": mass, "ctau": 1.0}, {"flavour": "e", "states": state})
        mh_py, _, sigma_py = _run(setup, events // 2)
        out[state] = (sigma_py, sigma_dy * float(np.mean(w)), float(np.median(mh_py)), _weighted_median(mh, w))
    return out


@producer("slepton_lo.", slow=True)
def _slepton_lo():
    from lepreint.models import slepton

    out = {}
    m = MASS
    for state, (py, lo, med_py, med_lo) in leading_order().items():
        nlo = slepton.cross_section({"mslep": m, "ctau": 1.0}, 13000.0, options={"flavour": "e", "states": state})[0]
        key = f"slepton_lo.m{m:g}.{state}"
        out[f"{key}.pythia_over_lo"] = (
            py / lo,
            f"Pythia {py:.4g} fb, leading order {lo:.4g} fb (Drell-Yan reweighted, {EVENTS} events): Pythia's "
            "colour average is 1/9 instead of 1/3 and its Z terms differ; not used (samples are normalised to the "
            "NLO+NLL table, and weighted per state to its composition)",
        )
        out[f"{key}.nlo_nll_over_lo"] = (nlo / lo, f"the K factor: NLO+NLL {nlo:.4g} fb (PDF4LHC15) over leading order")
        out[f"{key}.mhat_median_pythia_over_lo"] = (
            med_py / med_lo,
            f"median pair mass: Pythia {med_py:.1f} GeV, leading order {med_lo:.1f} GeV (the kinematics the samples use)",
        )
    return out
