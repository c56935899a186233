"""Compressed higgsinos (a simplified model; the paper's Sec. 2 motivation): chi1+-, chi2^0 and chi1^0 nearly degenerate.

Model point: ``mc`` = m(chi1+-), ``dm`` = dm+- = m(chi1+-) - m(chi1^0) (GeV); dm^0 = m(chi2^0) - m(chi1^0)
= ``dm0_ratio`` x dm+- (2 by default: large tan beta).

Production (Pythia, LO): q q-bar -> chi1+ chi1-, chi2^0 chi1+-, chi1^0 chi1+-, chi1^0 chi2^0 for a pure higgsino
spectrum (chi1^0, chi2^0 = (H_d -+ H_u) / sqrt 2, chi1+- the charged higgsino; everything else at 5 TeV),
normalised to the sum of the LHC SUSY WG degenerate-higgsino NLO+NLL tables (C1C1 + (N1 + N2) C1 + N1N2).
The mix of the processes inside the sample is Pythia's LO one (the K-factors of these Drell-Yan-like
processes agree within a few per cent).

Decays (lepreint, ``lepreint.events.generation.species``): chi1+- -> chi1^0 W* (``wstar``, pure-higgsino couplings
O_L = O_R = 1/2, vector-like) and chi2^0 -> chi1^0 Z* (``zstar``, Z* -> e e, mu mu each 5% by default (the simplified model's choice); nu nu and
hadrons share the rest in the Z's proportions).  The W* branching ratios: ``w_br = virtual_boson`` (default:
those of a W, B(e nu) = B(mu nu) = B(tau nu) = 10.86%, channels closed by dm+- given to the rest) or
``widths`` (from the approximate partial widths below, dm-dependent: the single pion dominates below ~1 GeV).
The two differ: with ``widths`` B(e nu), B(mu nu) are 4.9%, 3.1% at dm+- = 0.34 GeV, 9.2%, 7.4% at 0.5 GeV and
about 20% each from 1 GeV (no tau), so the default's chargino leptons are 2-3.5 times those of its own widths
below 0.4 GeV and half of them above 1 GeV.

Lifetimes (``lifetime = computed``, the default; ``given``: the chargino's ``ctau`` parameter, with the
chi2^0 lifetime scaled by the ratio of the computed widths).  APPROXIMATE (reference/physics_constants.md):
pure-higgsino rates into chi1^0 are ``higgsino_factor`` = 1/4 times the pure-wino ones (|O_L| = |O_R| = 1/2
against 1, both vector-like).  The ~7 mm often quoted for a pure higgsino at dm = 340 MeV (1/2 of the wino
rate) counts decays into both neutral states, nearly degenerate there; with dm^0 = 2 dm+- the chi2^0 lies
above the chargino and only chi1^0 is open (this model: 15 mm at 340 MeV).  Gamma(chi+ -> chi0 e nu) =
2 G_F^2 dm^5 / (15 pi^3) x factor; mu nu and tau nu with the non-relativistic phase-space factor of a
compressed parent (the lepton's mass in int p E (dm - E)^2 dE, normalised to dm^5 / 30: 0.11 at dm = 164
MeV, as the reference's ~0.12); the pion mode Gamma = (2/pi) G_F^2 cos^2 theta_c f_pi^2 dm^3
sqrt(1 - m_pi^2/dm^2) x factor below 1 GeV and the quark level (3 colours,
u d-bar, and c s-bar above 2.5 GeV) above; chi2^0: the same three-body rate in dm^0 with the Z couplings,
sum over open fermions of 2 N_c (g_L^2 + g_R^2) (quarks from two pions on: crude at dm^0 ~ 1 GeV; the fixed
Z* branching ratios of the decays are not those of these widths).  NOT MODELLED: chi2^0 -> chi1+- X (a gap
of dm^0 - dm+-, both charges, the pion mode included: 2 x the chargino's width at that gap), 0.69, 0.32, 0.13,
0.06 times the Z* width at dm+- = 0.2, 0.34, 0.5, 1 GeV (dm^0 = 2 dm+-), so below 0.5 GeV the chi2^0 lifetime
is up to 1.7 times too long and its Z* decays too frequent by as much; and chi2^0 -> chi1^0 gamma (a loop
decay).  Multi-pion modes and radiative corrections are not included: trust the lifetimes to a factor of about
two.
"""

from __future__ import annotations

import math

import numpy as np

from lepreint.constants import COS2_THETA_C, F_PI, G_F, HBARC_GEV_MM, M_MU, M_PI, M_W, M_Z, SIN2_THETA_W
from lepreint.errors import LepreintError
from lepreint.events.generation.decays import M_TAU, PURE_HIGGSINO
from lepreint.events.generation.pythia import PythiaSetup
from lepreint.models.base import ScanPlane, chiral_taus
from lepreint.models.coscattering import SLHA_HEADER
from lepreint.models.xsec import XsecError, xsec

__all__ = [
    "DEFAULT_OPTIONS",
    "pythia_setup",
    "llp_decay",
    "cross_section",
    "check_parameters",
    "lifetimes",
    "chargino_widths",
    "neutralino_widths",
    "chargino_branching",
    "neutralino_branching",
]

PDG_C1, PDG_N1, PDG_N2 = 1000024, 1000022, 1000023
DEFAULT_OVERSAMPLING = 20
DEFAULT_XSEC_SOURCE = "table"
DEFAULT_CHUNK = 1000
#: the model's physics revision in scan identities (2: taus decay with the chirality of their W or Z current)
MODEL_REVISION = 2
#: options whose whole effect the decay specification records (left out of the samples' keys' options)
OPTIONS_IN_DECAY = ("tau_polarisation",)
#: the words each string option takes (``lepreint.models.check_options``)
OPTION_CHOICES = {
    "lifetime": ("computed", "given"),
    "w_br": ("virtual_boson", "widths"),
    "tau_polarisation": ("chirality", "none"),
}
DEFAULT_OPTIONS = {
    "dm0_ratio": 2.0,  # dm^0 / dm^+-
    "lifetime": "computed",  # or 'given' (the chargino's c tau from the parameters)
    "w_br": "virtual_boson",  # or 'widths'
    "z_ee": 0.05,  # B(Z* -> e e), the simplified model's
    "z_mumu": 0.05,  # B(Z* -> mu mu), the simplified model's
    "higgsino_factor": 0.25,  # pure-higgsino (into chi1^0) / pure-wino rates (see the module docstring)
    "tau_polarisation": "chirality",  # taus of the W* left-handed, of the Z* as its couplings; or 'none'
}
#: on-shell W and Z branching ratios (PDG 2024): l nu per flavour; Z -> tau tau, nu nu (3 flavours)
W_LNU = 0.1086
Z_TAUTAU, Z_NUNU = 0.03370, 0.2000
#: quark-level hadronic width above this dm (GeV); the single-pion formula below
QUARK_LEVEL_DM = 1.0
CS_THRESHOLD = 2.5


def check_parameters(params: dict) -> dict:
    missing = [k for k in ("mc", "dm") if k not in params]
    if missing:
        raise LepreintError(f"higgsino needs parameters mc (m(chi1+-)) and dm (dm+-); missing {', '.join(missing)}")
    out = {"mc": float(params["mc"]), "dm": float(params["dm"])}
    if not 0 < out["dm"] < out["mc"]:
        raise LepreintError(f"need 0 < dm < mc, got mc = {out['mc']:g} GeV, dm = {out['dm']:g} GeV")
    if out["dm"] <= M_PI:
        raise LepreintError(
            f"dm+- = {out['dm']:g} GeV is below the pion mass: chi1+- -> chi1^0 e nu only, not modelled"
        )
    if "ctau" in params:
        out["ctau"] = float(params["ctau"])
        if not out["ctau"] > 0:
            raise LepreintError(f"need ctau > 0, got {out['ctau']:g} mm")
    return out


def _phase(x: float) -> float:
    """Phase-space suppression of a lepton of mass x dm in the decay of a compressed parent (M >> dm): the
    lepton's spectrum p E (dm - E)^2 (the neutrino takes the rest, the heavy daughter recoils without
    energy) integrated from E = m to dm, over dm^5 / 30 (its massless value)."""
    if x >= 1:
        return 0.0
    if x <= 0:
        return 1.0
    e = np.linspace(x, 1.0, 4001)
    f = np.sqrt(np.maximum(e**2 - x**2, 0.0)) * e * (1.0 - e) ** 2
    return float(np.sum((f[1:] + f[:-1]) * np.diff(e)) / 2 * 30.0)


def _gamma3(dm: float) -> float:
    """Pure-wino chi+ -> chi0 e nu, 2 G_F^2 dm^5 / (15 pi^3) (GeV)."""
    return 2 * G_F**2 * dm**5 / (15 * math.pi**3)


def chargino_widths(dm: float, factor: float = 0.25) -> dict[int, float]:
    """Approximate partial widths (GeV) of the higgsino chi1+- -> chi1^0 + {e nu, mu nu, tau nu, hadrons (0)}."""
    g3 = _gamma3(dm)
    w = {11: g3, 13: g3 * _phase(M_MU / dm), 15: g3 * _phase(M_TAU / dm)}
    if dm < QUARK_LEVEL_DM:
        had = (2 / math.pi) * G_F**2 * COS2_THETA_C * F_PI**2 * dm**3 * math.sqrt(max(1 - M_PI**2 / dm**2, 0.0))
    else:
        had = 3 * g3 * (1 + (_phase(1.5 / dm) if dm > CS_THRESHOLD else 0.0))
    w[0] = had
    return {k: factor * v for k, v in w.items()}


#: (charge, N_c, mass threshold of the pair in GeV) of the fermions a Z* can give: nu (3 flavours), e, mu, tau,
#: u, d, s, c, b (light quarks open above two pions)
_Z_FERMIONS = {
    "nu": (0.0, 3, 0.0),
    11: (-1.0, 1, 0.001),
    13: (-1.0, 1, 2 * M_MU),
    15: (-1.0, 1, 2 * M_TAU),
    "u": (2 / 3, 3, 2 * M_PI),
    "d": (-1 / 3, 3, 2 * M_PI),
    "s": (-1 / 3, 3, 2 * 0.4937),
    "c": (2 / 3, 3, 2 * 1.8648),
    "b": (-1 / 3, 3, 2 * 5.2793),
}


def _z_strength(charge: float, isospin: float) -> float:
    g_l = isospin - charge * SIN2_THETA_W
    g_r = -charge * SIN2_THETA_W
    return 2 * (g_l**2 + g_r**2)


def neutralino_widths(dm0: float, factor: float = 0.25) -> dict[str, float]:
    """Approximate partial widths (GeV) of chi2^0 -> chi1^0 Z*, Z* -> f f-bar, per fermion (see the module docstring)."""
    g3 = factor * _gamma3(dm0)
    out = {}
    for f, (q, nc, thr) in _Z_FERMIONS.items():
        if dm0 <= thr:
            continue
        t3 = 0.5 if (f == "nu" or q > 0) else -0.5
        out[f] = g3 * _z_strength(q, t3) * nc  # (nc = 3 flavours for the neutrinos)
    return out


def chargino_branching(dm: float, options: dict) -> dict[int, float]:
    open_ = {11: True, 13: dm > M_MU, 15: dm > M_TAU}
    if options.get("w_br", "virtual_boson") == "widths":
        w = chargino_widths(dm, float(options.get("higgsino_factor", 0.25)))
        tot = sum(w.values())
        return {k: v / tot for k, v in w.items() if v > 0}
    if options.get("w_br") != "virtual_boson":
        raise LepreintError(f"w_br must be 'virtual_boson' or 'widths', got {options.get('w_br')!r}")
    br = {k: W_LNU for k, o in open_.items() if o}
    br[0] = 1.0 - sum(br.values())
    return br


def neutralino_branching(dm0: float, options: dict) -> dict[int, float]:
    """Z* branching ratios: e e and mu mu as the options say (5% each), tau tau and nu nu as for a Z, hadrons the rest."""
    ee, mm = float(options.get("z_ee", 0.05)), float(options.get("z_mumu", 0.05))
    tt = Z_TAUTAU if dm0 > 2 * M_TAU else 0.0
    mm = mm if dm0 > 2 * M_MU else 0.0
    br = {11: ee, 13: mm, 15: tt, 12: Z_NUNU}
    rest = 1.0 - sum(br.values())
    if rest < 0 or ee < 0 or mm < 0:
        raise LepreintError(f"Z* branching ratios exceed 1: {br}")
    br[0] = rest if dm0 > 2 * M_PI else 0.0
    if br[0] == 0.0:  # below two pions the rest is invisible
        br[12] += rest
    return {k: v for k, v in br.items() if v > 0}


def check_request(params: dict, options: dict) -> None:
    """Options outside the model (a chi2^0 not above chi1^0, a non-positive width factor, an on-shell W or Z in the
    decays) and a c tau given with ``lifetime = computed`` (recorded and not used): refused."""
    ratio, factor = float(options.get("dm0_ratio", 2.0)), float(options.get("higgsino_factor", 0.25))
    if not ratio > 0:
        raise LepreintError(f"dm0_ratio = {ratio:g}: chi2^0 must lie above chi1^0 (dm0_ratio > 0)")
    if not factor > 0:
        raise LepreintError(f"higgsino_factor = {factor:g}: a width factor must be > 0")
    dm = float(params["dm"])
    if dm >= M_W or ratio * dm >= M_Z:
        raise LepreintError(
            f"dm+- = {dm:g} GeV, dm0 = {ratio * dm:g} GeV: the decays go through an off-shell W and Z (dm+- < m_W, "
            f"dm0 < m_Z); on-shell bosons make two-body decays this model does not describe"
        )
    if "ctau" in params and options.get("lifetime", "computed") == "computed":
        computed = lifetimes({k: v for k, v in params.items() if k != "ctau"}, options)[0]
        raise LepreintError(
            f"ctau = {params['ctau']:g} mm is not used: with lifetime = computed the chargino's c tau follows from "
            f"dm ({computed:.3g} mm here); drop --ctau, or impose it with --option lifetime=given"
        )


def lifetimes(params: dict, options: dict) -> tuple[float, float]:
    """(c tau of chi1+-, c tau of chi2^0) in mm."""
    dm = params["dm"]
    dm0 = float(options.get("dm0_ratio", 2.0)) * dm
    f = float(options.get("higgsino_factor", 0.25))
    gc = sum(chargino_widths(dm, f).values())
    gn = sum(neutralino_widths(dm0, f).values())
    ctau_c, ctau_n = HBARC_GEV_MM / gc, HBARC_GEV_MM / gn
    if options.get("lifetime", "computed") == "given":
        if "ctau" not in params:
            raise LepreintError("lifetime 'given' needs the chargino's ctau parameter")
        return params["ctau"], params["ctau"] * ctau_n / ctau_c
    if options.get("lifetime") != "computed":
        raise LepreintError(f"lifetime must be 'computed' or 'given', got {options.get('lifetime')!r}")
    return ctau_c, ctau_n


_SLHA = (
    SLHA_HEADER
    + """BLOCK MASS
   1000022   {m1:.6E}
   1000023   {m2:.6E}
   1000025   5.000000E+03
   1000035   5.000000E+03
   1000024   {mc:.6E}
   1000037   5.000000E+03
# chi1^0, chi2^0 = (H_d -+ H_u)/sqrt 2 (the negative mass of chi2^0 carries its CP phase), chi1+- the charged
# higgsino, chi3^0, chi4^0 bino and wino, chi2+- the charged wino (all at 5 TeV)
BLOCK NMIX
  1  1   0.0
  1  2   0.0
  1  3   0.70710678
  1  4  -0.70710678
  2  1   0.0
  2  2   0.0
  2  3   0.70710678
  2  4   0.70710678
  3  1   1.0
  3  2   0.0
  3  3   0.0
  3  4   0.0
  4  1   0.0
  4  2   1.0
  4  3   0.0
  4  4   0.0
BLOCK UMIX
  1  1   0.0
  1  2   1.0
  2  1   1.0
  2  2   0.0
BLOCK VMIX
  1  1   0.0
  1  2   1.0
  2  1   1.0
  2  2   0.0
DECAY   1000022   0.0
DECAY   1000023   0.0
DECAY   1000024   0.0
"""
)


def _masses(params: dict, options: dict) -> tuple[float, float, float]:
    mc, dm = params["mc"], params["dm"]
    m1 = mc - dm
    return mc, m1, m1 + float(options.get("dm0_ratio", 2.0)) * dm


def pythia_setup(params: dict, options: dict):

    mc, m1, m2 = _masses(params, options)
    settings = [
        "SUSY:qqbar2chi+chi- = on",
        "SUSY:qqbar2chi+-chi0 = on",
        "SUSY:qqbar2chi0chi0 = on",
        "SUSY:idVecA = 1000022,1000023,1000024",
        "SUSY:idVecB = 1000022,1000023,1000024",
        "SLHA:minMassSM = 1000.",
    ]
    return PythiaSetup(settings, _SLHA.format(m1=m1, m2=-m2, mc=mc), frozenset({PDG_C1, PDG_N2}))


def llp_decay(params: dict, options: dict) -> list[dict]:
    mc, m1, m2 = _masses(params, options)
    ctau_c, ctau_n = lifetimes(params, options)
    b_c, b_n = chargino_branching(mc - m1, options), neutralino_branching(m2 - m1, options)
    return [
        {
            "kind": "wstar",
            "pdg": PDG_C1,
            "m_parent": mc,
            "m_daughter": m1,
            "ctau": ctau_c,
            "branching": b_c,
            "matrix_element": "V-A",
            "couplings": PURE_HIGGSINO,
            **chiral_taus(b_c, options),
        },
        {
            "kind": "zstar",
            "pdg": PDG_N2,
            "m_parent": m2,
            "m_daughter": m1,
            "ctau": ctau_n,
            "branching": b_n,
            "couplings": PURE_HIGGSINO,
            **chiral_taus(b_n, options),
        },
    ]


#: the degenerate-higgsino tables whose sum is the sample's cross section (N_i C1: per neutralino, so x 2)
XSEC_PARTS = (("higgsino-c1c1", 1.0), ("higgsino-nc1", 2.0), ("higgsino-n1n2", 1.0))


def cross_section(
    params: dict, ecm_gev: float, source: str = "table", options: dict | None = None
) -> tuple[float, str]:

    if source != "table":
        raise LepreintError(f"higgsino cross sections come from the tables (source 'table'), got {source!r}")
    try:
        parts = [(p, f, xsec(p, params["mc"], ecm_gev / 1000.0).xsec_fb) for p, f in XSEC_PARTS]
    except XsecError as e:
        raise LepreintError(str(e)) from None
    total = sum(f * x for _, f, x in parts)
    return total, "table: LHC SUSY WG degenerate higgsino, " + " + ".join(
        f"{f:g} x {p} ({x:.4g} fb)" for p, f, x in parts
    )


def _scan_points(mc: float, dm: float, ctau_axis: list[float], u2_axis: list[float], options: dict) -> list[dict]:
    """One point per (m(chi1+-), dm+-): the sample as generated, its lifetimes computed from dm."""
    try:
        c1, n2 = lifetimes({"mc": mc, "dm": dm}, {**DEFAULT_OPTIONS, **options})
    except LepreintError:
        c1, n2 = float("nan"), float("nan")
    return [
        {
            "key": f"mc{mc:.6g}_dm{dm:.6g}",
            "ctau": None,
            "scale": 1.0,
            "fields": {"mc": mc, "dm": dm, "ctau_mm": c1, "ctau_n2_mm": n2},
        }
    ]


def _scan_plane():

    return ScanPlane(
        ("mc", "dm"),
        lambda mc, dm, gen_ctau: {"mc": mc, "dm": dm},
        _scan_points,
        plane=(("mc", "m($\\tilde\\chi_1^\\pm$) [GeV]", "linear"), ("dm", "$\\Delta m^\\pm$ [GeV]", "log")),
    )


SCAN = _scan_plane()
