"""Heavy neutral leptons: pp -> W -> l N, with the N displaced, N -> l l' nu, nu l l, hadrons.

Model point: ``mN`` (GeV) and ``U2`` = |U_e|^2 + |U_mu|^2 + |U_tau|^2; the flavour pattern is the option
``mixing`` (fractions of U2 per flavour, default pure muon mixing), Majorana (default) or Dirac.

Production: Pythia's q q-bar' -> W (LO, with its initial-state radiation and underlying event), the W left
undecayed; lepreint decays W -> l_a N and then the N (``lepreint.events.generation.species``, kind ``hnl``).
Cross section (reference/physics_constants.md): sigma(pp -> W -> l N) = sum_a sigma(W -> l nu) |U_a|^2
(1 - x)^2 (1 + x/2), x = m_N^2 / m_W^2, with sigma(W -> l nu) = 20.62 nb per lepton flavour at 13 TeV
(ATLAS, PLB 759 (2016) 601: W+ 11.83 nb, W- 8.79 nb); at other energies times Pythia's LO ratio
sigma_LO(E) / sigma_LO(13 TeV) of q q-bar' -> W.

Lifetime (``lifetime = computed``): Gamma = a(m_N) G_F^2 m_N^5 |U|^2 / (96 pi^3) for a Majorana N (Bondarenko
et al., arXiv:1805.08567; a = 10.27, 11.67, 12.14, 12.39, 12.60 at 5, 10, 15, 20, 30 GeV, linear in between,
held constant outside: APPROXIMATE there; Fermi theory fails above ~30 GeV), half for a Dirac N.  Check:
c tau = 3.70 mm at 10 GeV, |U|^2 = 1e-6.

Branching ratios (``branching``): the partial widths of the N in units of G_F^2 m_N^5 |U_a|^2 / (192 pi^3), for
m_N well above the final-state masses: charged current l_a + (e nu, mu nu, tau nu: 1 each; u d'-bar, c s'-bar:
3 each by CKM unitarity), neutral current nu_a + (nu nu: 1 summed; l_b l_b: (1 - 4 s^2 + 8 s^4) / 4 for b != a; quarks:
N_c (g_L^2 + g_R^2)), with the same-flavour CC + NC interference (1 + 4 s^2 + 8 s^4) / 4 for l_a l_a nu_a in
place of the separate terms (decayed with charged-current kinematics: the interference is not modelled in the
spectra).  Channels closed by the mass (tau, c, b) are dropped; their sum reproduces
a(m_N) within ~6% at 10 GeV.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from lepreint.constants import G_F, HBARC_GEV_MM, M_W, SIN2_THETA_W
from lepreint.errors import LepreintError
from lepreint.events.generation.decays import M_TAU
from lepreint.events.generation.pythia import PythiaSetup, lo_cross_section
from lepreint.models.base import ScanPlane

__all__ = [
    "DEFAULT_OPTIONS",
    "pythia_setup",
    "llp_decay",
    "cross_section",
    "check_parameters",
    "ctau",
    "branching",
    "width_factor",
]

PDG_N = 9900012
PDG_W = 24
DEFAULT_OVERSAMPLING = 20
DEFAULT_XSEC_SOURCE = "table"
DEFAULT_CHUNK = 2000
DEFAULT_OPTIONS = {
    "mixing": {"e": 0.0, "mu": 1.0, "tau": 0.0},  # fractions of U2
    "majorana": True,
    "lifetime": "computed",  # or 'given' (the ctau parameter)
}
#: sigma(pp -> W -> l nu) per lepton flavour at 13 TeV (nb), W+ + W-
SIGMA_W_LNU_13 = 11.83 + 8.79
#: a(m_N) of the Majorana total width (Bondarenko et al.)
A_TABLE = ((5.0, 10.27), (10.0, 11.67), (15.0, 12.14), (20.0, 12.39), (30.0, 12.60))
FLAVOURS = {"e": 1, "mu": 2, "tau": 3}
_LEPTON = {1: 11, 2: 13, 3: 15}
_LEPTON_MASS = {1: 0.000511, 2: 0.10566, 3: M_TAU}
#: quark thresholds (GeV) of the hadronic channels (two pions, K K, D D_s-like, B B)
_TH = {"ud": 0.28, "cs": 2.5, "u": 0.28, "d": 0.28, "s": 1.0, "c": 3.7, "b": 10.6}


def check_parameters(params: dict) -> dict:
    missing = [k for k in ("mN", "U2") if k not in params]
    if missing:
        raise LepreintError(f"hnl needs parameters mN (GeV) and U2 (|U|^2); missing {', '.join(missing)}")
    out = {"mN": float(params["mN"]), "U2": float(params["U2"])}
    if not 0.5 < out["mN"] < M_W - 2.0:
        raise LepreintError(f"mN = {out['mN']:g} GeV: this model covers 0.5 GeV < m_N < m_W - 2 GeV (W -> l N)")
    if not 0 < out["U2"] <= 1:
        raise LepreintError(f"need 0 < U2 <= 1, got {out['U2']:g}")
    if "ctau" in params:
        out["ctau"] = float(params["ctau"])
    return out


def _mixing(options: dict) -> dict[int, float]:
    m = options.get("mixing", {"mu": 1.0})
    unknown = set(m) - set(FLAVOURS)
    if unknown or any(float(v) < 0 for v in m.values()) or sum(float(v) for v in m.values()) <= 0:
        raise LepreintError(f"mixing must give non-negative fractions for e, mu, tau, got {m}")
    tot = sum(float(v) for v in m.values())
    return {FLAVOURS[k]: float(v) / tot for k, v in m.items() if float(v) > 0}


def width_factor(m_n: float) -> float:
    """a(m_N) of the Majorana width, linear between the tabulated masses, constant outside."""
    x, y = zip(*A_TABLE)
    return float(np.interp(m_n, x, y))


def ctau(m_n: float, u2: float, majorana: bool = True) -> float:
    """Proper decay length (mm) of the N."""
    gamma = width_factor(m_n) * G_F**2 * m_n**5 * u2 / (96 * math.pi**3)
    if not majorana:
        gamma /= 2
    return HBARC_GEV_MM / gamma


def _z(charge: float, t3: float, nc: int) -> float:
    g_l, g_r = t3 - charge * SIN2_THETA_W, -charge * SIN2_THETA_W
    return nc * (g_l**2 + g_r**2)


def branching(m_n: float, options: dict) -> dict[int, float]:
    """N decay channels (codes of ``lepreint.events.generation.species``) and their branching ratios."""
    s2 = SIN2_THETA_W
    w: dict[int, float] = {}
    for a, frac in _mixing(options).items():
        ma = _LEPTON_MASS[a]
        for b in (1, 2, 3):  # charged current, W* -> l_b nu_b
            if m_n <= ma + _LEPTON_MASS[b]:
                continue
            if b == a:  # CC and NC interfere: l_a l_a nu_a
                w[100 * a + _LEPTON[b]] = frac * (1 + 4 * s2 + 8 * s2**2) / 4
            else:
                w[100 * a + _LEPTON[b]] = frac * 1.0
                if m_n > 2 * _LEPTON_MASS[b]:
                    w[100 * a + 40 + _LEPTON[b]] = frac * (1 - 4 * s2 + 8 * s2**2) / 4  # NC nu_a l_b l_b: 51/53/55
        # u d-bar + u s-bar (3 (|V_ud|^2 + |V_us|^2) = 3 by unitarity), and c s-bar + c d-bar above threshold
        had_cc = (3.0 if m_n > ma + _TH["ud"] else 0.0) + (3.0 if m_n > ma + _TH["cs"] else 0.0)
        if had_cc > 0:
            w[100 * a + 1] = frac * had_cc
        w[100 * a + 52] = frac * 1.0  # nu_a nu nu-bar, summed over flavours
        had_nc = sum(
            _z(q, t3, 3)
            for f, q, t3 in (
                ("u", 2 / 3, 0.5),
                ("d", -1 / 3, -0.5),
                ("s", -1 / 3, -0.5),
                ("c", 2 / 3, 0.5),
                ("b", -1 / 3, -0.5),
            )
            if m_n > _TH[f]
        )
        if had_nc > 0:
            w[100 * a + 50] = frac * had_nc
    tot = sum(w.values())
    return {c: v / tot for c, v in sorted(w.items())}


def _lifetime(params: dict, options: dict) -> float:
    if options.get("lifetime", "computed") == "given":
        if "ctau" not in params:
            raise LepreintError("lifetime 'given' needs the ctau parameter")
        return params["ctau"]
    if options.get("lifetime") != "computed":
        raise LepreintError(f"lifetime must be 'computed' or 'given', got {options.get('lifetime')!r}")
    return ctau(params["mN"], params["U2"], bool(options.get("majorana", True)))


def pythia_setup(params: dict, options: dict):

    settings = ["WeakSingleBoson:ffbar2W = on", f"{PDG_W}:mayDecay = off", "ProcessLevel:resonanceDecays = off"]
    return PythiaSetup(settings, None, frozenset({PDG_W}))


def llp_decay(params: dict, options: dict) -> dict:
    mix = _mixing(options)
    return {
        "kind": "hnl",
        "pdg": PDG_W,
        "pdg_n": PDG_N,
        "m_parent": params["mN"],
        "ctau": _lifetime(params, options),
        "production": {_LEPTON[a]: f for a, f in mix.items()},
        "branching": branching(params["mN"], options),
        "majorana": bool(options.get("majorana", True)),
    }


@functools.lru_cache(maxsize=16)
def _lo_ratio(ecm_gev: float) -> float:

    setup = PythiaSetup(["WeakSingleBoson:ffbar2W = on"], None, frozenset())
    return lo_cross_section(setup, ecm_gev)[0] / lo_cross_section(setup, 13000.0)[0]


def cross_section(
    params: dict, ecm_gev: float, source: str = "table", options: dict | None = None
) -> tuple[float, str]:
    if source != "table":
        raise LepreintError(f"hnl cross sections come from the W cross section (source 'table'), got {source!r}")
    x = params["mN"] ** 2 / M_W**2
    per_u2 = SIGMA_W_LNU_13 * 1e6 * (1 - x) ** 2 * (1 + x / 2)  # fb
    note = "sigma(W -> l nu) = 20.62 nb per flavour (13 TeV, ATLAS) x |U|^2 (1 - x)^2 (1 + x/2)"
    if abs(ecm_gev - 13000.0) > 1.0:
        r = _lo_ratio(ecm_gev)
        per_u2 *= r
        note += f" x Pythia LO sigma(W) ratio {ecm_gev / 1000:g} / 13 TeV = {r:.4f}"
    return per_u2 * params["U2"], note


#: |U|^2 of the one production per m_N of a scan (its points move the c tau and scale the cross section)
GENERATION_U2 = 1e-6


def _scan_points(mc: float, dm, ctau_axis: list[float], u2_axis: list[float], options: dict) -> list[dict]:
    maj = bool(options.get("majorana", True))
    return [
        {
            "key": f"mN{mc:.6g}_U2{u:.6g}",
            "ctau": ctau(mc, u, maj),
            "scale": u / GENERATION_U2,
            "fields": {"mc": mc, "dm": None, "ctau_mm": ctau(mc, u, maj), "mN": mc, "U2": u},
        }
        for u in u2_axis
    ]


def _scan_check(options: dict) -> None:
    if options.get("lifetime", "computed") != "computed":
        raise LepreintError("a heavy-neutral-lepton scan computes c tau from (m_N, |U|^2): lifetime must be 'computed'")


def _scan_plane():

    return ScanPlane(
        ("mc", "u2"),
        lambda mc, dm, gen_ctau: {"mN": mc, "U2": GENERATION_U2},
        _scan_points,
        plane=(("mN", "m$_N$ [GeV]", "linear"), ("U2", "$|U|^2$", "log")),
        check=_scan_check,
    )


SCAN = _scan_plane()
