"""Co-scattering dark matter (the paper, Sec. 2): chi+- -> chi0 l nu through an off-shell W.

Model point: (m_c, dm, c tau) with m_c the mediator mass, dm = m_c - m_0 (GeV) and c tau the
nominal (proper) decay length (mm).  Production is wino-like chargino pair production
(``xsec`` process ``wino-c1c1``).  This module holds the paper's closed-form estimates.
"""

from __future__ import annotations

import functools
import math

from lepreint.constants import F_PI, G_F, HBAR_GEV_NS, HBARC_GEV_MM, M_PI, M_W
from lepreint.errors import LepreintError
from lepreint.events.generation.decays import Couplings
from lepreint.events.generation.pythia import PythiaSetup, lo_cross_section
from lepreint.models.base import ScanPlane, chiral_taus, point_key
from lepreint.models.xsec import XsecError, have_table, xsec

__all__ = [
    "XSEC_PROCESS",
    "width_estimate",
    "ctau_from_width",
    "lifetime_from_width",
    "pion_width",
    "leptonic_branching_ratio",
    "emu_pair_fraction",
]

#: The cross-section table of chi+ chi- production (identical to wino-like charginos, Sec. 3.2).
XSEC_PROCESS = "wino-c1c1"
#: Eq. (2.10)'s quoted normalisation: 4e-15 GeV at g = 1e-6, dm = 20 GeV.
EQ210_REFERENCE_WIDTH = 4e-15


def width_estimate(g: float, dm: float, normalisation: str = "formula", m_w: float = M_W) -> float:
    """Three-body width of the mediator (GeV), Eq. (2.10).

    ``normalisation='formula'``: Gamma = g^2 / (2 pi)^3 * dm^3 / m_W^2 (dm in GeV), the estimate itself;
    ``normalisation='paper'``: Gamma = 4e-15 GeV (g / 1e-6)^2 (dm / 20 GeV)^3, the paper's rounded
    number.  The two differ by 25% at the reference point (the formula gives 5.0e-15 GeV).
    """
    if dm <= 0 or g < 0:
        raise LepreintError("need dm > 0 and g >= 0")
    if normalisation == "formula":
        return g**2 / (2 * math.pi) ** 3 * dm**3 / m_w**2
    if normalisation == "paper":
        return EQ210_REFERENCE_WIDTH * (g / 1e-6) ** 2 * (dm / 20.0) ** 3
    raise LepreintError(f"normalisation must be 'formula' or 'paper', got {normalisation!r}")


def ctau_from_width(gamma: float) -> float:
    """Nominal decay length c tau = hbar c / Gamma in mm (Gamma in GeV), Eq. (2.11)."""
    return HBARC_GEV_MM / gamma


def lifetime_from_width(gamma: float) -> float:
    """Proper lifetime tau = hbar / Gamma in ns (Gamma in GeV)."""
    return HBAR_GEV_NS / gamma


def pion_width(dm_hc: float, theta: float = 0.0, v_ud: float = 1.0, f_pi: float = F_PI) -> float:
    """Gamma(chi+ -> chi_h^0 pi+) in GeV, Eq. (2.17); ``dm_hc`` = m_h - m_c in GeV (> m_pi)."""
    if abs(dm_hc) <= M_PI:
        return 0.0
    return (
        (2 * G_F**2 / math.pi)
        * v_ud**2
        * f_pi**2
        * math.cos(theta) ** 2
        * abs(dm_hc) ** 3
        * math.sqrt(1 - M_PI**2 / dm_hc**2)
    )


def leptonic_branching_ratio(gamma_l: float, gamma_pi: float = 0.0, n_c: int = 3) -> float:
    """B(chi+ -> chi0 l nu) per lepton flavour, Eq. (2.16): Gamma_l / (3 Gamma_l + 2 N_c Gamma_l + Gamma_pi).

    The denominator counts three lepton flavours and two quark doublets (V_ud = V_cs = 1) with
    N_c colours, all with the same three-body width Gamma_l, plus the pion mode.  With no pion
    mode this is 1/9.
    """
    return gamma_l / (3 * gamma_l + 2 * n_c * gamma_l + gamma_pi)


def emu_pair_fraction(b_e: float, b_mu: float | None = None) -> float:
    """Probability that a chi+ chi- pair decays to one electron and one muon: 2 B_e B_mu.

    With B_e = B_mu = 1/9 (Eq. 2.16, no pion mode) this is 2/81 = 0.0247, the 0.025 that Table 1
    lists as B(l+ l-) for benchmark 1: the paper's B(l+l-) is the e-mu fraction.
    """
    b_mu = b_e if b_mu is None else b_mu
    return 2.0 * b_e * b_mu


# --------------------------------------------------------------------------------------------
# event generation: Pythia produces the chi+ chi- pair, lepreint decays it
# --------------------------------------------------------------------------------------------

#: PDG ids: the charged mediator (as the lighter chargino) and the dark-matter state (as the lightest neutralino)
PDG_MEDIATOR = 1000024
PDG_DM = 1000022

#: decays per generated event (K).  benchmarks/perf/test_generation_perf.py (MPI on, (220, 20)): the
#: effective number of selected e-mu events per CPU second is 10x that of Pythia's own decays at K = 20
#: and hardly more at K = 50 or 100 (the copies of one event share its chargino kinematics), while
#: rows and disk grow with K: 20
DEFAULT_OVERSAMPLING = 20
#: the Working Group's NLO+NLL table; 'paper' (Eq. 3.6, 220 and 324 GeV only) or 'pythia' (LO)
DEFAULT_XSEC_SOURCE = "table"
#: Pythia events per worker chunk (part of the sample's identity: it fixes the seeds)
DEFAULT_CHUNK = 1000
#: the model's physics revision in scan identities (2: taus decay with the chirality of their W or Z current)
MODEL_REVISION = 2
#: options whose whole effect the decay specification records (left out of the samples' keys' options)
OPTIONS_IN_DECAY = ("tau_polarisation",)

#: physics options of the co-scattering generation (each one is recorded in every sample)
#: the words each string option takes (``lepreint.models.check_options``)
OPTION_CHOICES = {
    "decays": ("leptonic", "eq2.16"),
    "matrix_element": ("V-A", "flat"),
    "decayer": ("lepreint", "pythia"),
    "tau_polarisation": ("chirality", "none"),
}
DEFAULT_OPTIONS = {
    # 'leptonic': B(e) = B(mu) = 1/2, the paper's benchmarks 3-7 ("exclusively into electrons and
    # muons"); 'eq2.16': e, mu, tau, and 2 N_c quark channels with one common three-body width,
    # plus a pion mode of relative width gamma_pi_ratio (benchmarks 1 and 2)
    "decays": "leptonic",
    "gamma_pi_ratio": 0.0,
    # 'V-A': the off-shell-W matrix element; 'flat': phase space (what Pythia's SLHA decays do)
    "matrix_element": "V-A",
    # (O_L, O_R) of the chi+ chi0 W vertex; pure wino (1, 1) by default
    "couplings": [1.0, 1.0],
    # 'lepreint': Pythia keeps chi+- stable, lepreint decays them K times; 'pythia': Pythia's own
    # SLHA decays (flat phase space, one decay per event): only for validating lepreint's decays
    "decayer": "lepreint",
    # 'chirality': a W*'s taus decay left-handed (with the V-A matrix element; with 'flat', phase space without
    # spins, they are unpolarised); 'none': unpolarised
    "tau_polarisation": "chirality",
}

#: the SLHA blocks before MASS: model selection and the Standard-Model inputs Pythia reads (shared with
#: ``lepreint.models.higgsino``)
SLHA_HEADER = """BLOCK MODSEL
    1   0
BLOCK SMINPUTS
    1   1.279340E+02
    2   1.166370E-05
    3   1.180000E-01
    4   9.118760E+01
    5   4.180000E+00
    6   1.730000E+02
    7   1.776820E+00
BLOCK MINPAR
    3   1.000000E+01
"""

_SLHA = (
    SLHA_HEADER
    + """BLOCK MASS
   1000022   {m0:.6E}
   1000023   5.000000E+03
   1000025   5.000000E+03
   1000035   5.000000E+03
   1000024   {mc:.6E}
   1000037   5.000000E+03
# chi1^0 is the neutral wino (NMIX 1 2), chi1^+- the charged wino: the chi+ chi- Z/gamma couplings
# of a wino triplet, which is the paper's production model (its Sec. 3.2)
BLOCK NMIX
  1  1   0.0
  1  2   1.0
  1  3   0.0
  1  4   0.0
  2  1   1.0
  2  2   0.0
  2  3   0.0
  2  4   0.0
  3  1   0.0
  3  2   0.0
  3  3   0.70710678
  3  4   0.70710678
  4  1   0.0
  4  2   0.0
  4  3   0.70710678
  4  4  -0.70710678
BLOCK UMIX
  1  1   1.0
  1  2   0.0
  2  1   0.0
  2  2   1.0
BLOCK VMIX
  1  1   1.0
  1  2   0.0
  2  1   0.0
  2  2   1.0
DECAY   1000022   0.0
{chargino_decay}"""
)


def branching(dm: float, options: dict) -> dict[int, float]:
    """Branching ratios of chi+ -> chi0 + {e nu (11), mu nu (13), tau nu (15), other (0)}."""
    mode = options.get("decays", "leptonic")
    m_mu = 0.1056583755
    if mode in ("leptonic", "eq2.16") and dm <= m_mu:
        raise LepreintError(
            f"dm = {dm:g} GeV is below the muon channel (chi+ -> chi0 mu nu needs dm > {m_mu:.4f} GeV): "
            "the e-mu signal of this model needs both channels open"
        )
    if mode == "leptonic":
        return {11: 0.5, 13: 0.5}
    if mode == "eq2.16":
        r = float(options.get("gamma_pi_ratio", 0.0))
        if r < 0:
            raise LepreintError(f"gamma_pi_ratio must be >= 0, got {r}")
        b = leptonic_branching_ratio(1.0, r)
        if dm <= 1.77686:  # chi+ -> chi0 tau nu is closed: its share goes to the open channels
            rest = 1.0 - 3 * b
            scale = 1.0 / (1.0 - b)
            return {11: b * scale, 13: b * scale, 0: rest * scale}
        return {11: b, 13: b, 15: b, 0: 1.0 - 3 * b}
    raise LepreintError(f"decays must be 'leptonic' or 'eq2.16', got {mode!r}")


def slha(mc: float, m0: float, chargino_decay: str | None = None) -> str:
    """The SLHA spectrum Pythia reads: pure-wino chi1+- (mc) and chi1^0 (m0), everything else at 5 TeV."""
    return _SLHA.format(mc=mc, m0=m0, chargino_decay=chargino_decay or "DECAY   1000024   0.0")


def _pythia_decay_table(params: dict, options: dict) -> str:
    """An SLHA DECAY block for Pythia's own (flat phase-space) chi+ decays: validation mode only."""
    width = HBARC_GEV_MM / params["ctau"]
    lines = [f"DECAY   1000024   {width:.6E}"]
    br = branching(params["dm"], options)
    for ch, b in sorted(br.items()):
        if b <= 0:
            continue
        if ch == 0:
            lines.append(f"   {b:.6E}   3   1000022   2   -1")  # W*+ -> u d-bar
        else:
            lines.append(f"   {b:.6E}   3   1000022   {-ch}   {ch + 1}")
    return "\n".join(lines) + "\n"


def pythia_setup(params: dict, options: dict):
    """Pythia settings for pp -> Z*/gamma* -> chi+ chi- (plus ISR, MPI, hadronisation from the shower options)."""

    mc, dm = params["mc"], params["dm"]
    settings = [
        "SUSY:qqbar2chi+chi- = on",
        f"SUSY:idA = {PDG_MEDIATOR}",
        f"SUSY:idB = {PDG_MEDIATOR}",
        # keep Pythia from overwriting our SM inputs and masses from its SLHA defaults
        "SLHA:minMassSM = 1000.",
    ]
    if options.get("decayer", "lepreint") == "pythia":
        settings += [f"{PDG_MEDIATOR}:tau0 = {params['ctau']:.9g}"]
        # Pythia decays the chargino (its tau0): recorded with its decay vertex and movable in c tau all the same
        return PythiaSetup(
            settings,
            slha(mc, mc - dm, _pythia_decay_table(params, options)),
            decayed_llp_ids=frozenset({PDG_MEDIATOR}),
        )
    return PythiaSetup(settings, slha(mc, mc - dm), frozenset({PDG_MEDIATOR}))


def check_request(params: dict, options: dict) -> None:
    """Options that the chosen decays would not read, refused rather than recorded and ignored: a pion mode with
    the purely leptonic decays, lepreint's matrix element or couplings with Pythia's decays."""
    if options.get("decays", "leptonic") == "leptonic" and float(options.get("gamma_pi_ratio", 0.0)) != 0.0:
        raise LepreintError(
            "gamma_pi_ratio is read by decays = eq2.16 only (decays = leptonic: B(e) = B(mu) = 1/2); "
            "add --option decays=eq2.16"
        )
    if [float(x) for x in options.get("couplings", [1.0, 1.0])] == [0.0, 0.0]:
        raise LepreintError("couplings = [0, 0]: the mediator would not decay (its matrix element is zero)")
    if options.get("decayer", "lepreint") == "pythia":
        changed = []
        if options.get("matrix_element", "V-A") != "V-A":
            changed.append("matrix_element")
        if [float(x) for x in options.get("couplings", [1.0, 1.0])] != [1.0, 1.0]:
            changed.append("couplings")
        if options.get("tau_polarisation", "chirality") != "chirality":
            changed.append("tau_polarisation")
        if changed:
            raise LepreintError(
                f"{', '.join(changed)}: lepreint's decays' options; with decayer = pythia Pythia decays the "
                "charginos (flat phase space)"
            )


def llp_decay(params: dict, options: dict) -> dict | None:
    """How lepreint decays the LLPs of this model (None when Pythia decays them)."""
    if options.get("decayer", "lepreint") == "pythia":
        return None

    cpl = options.get("couplings", [1.0, 1.0])
    b = branching(params["dm"], options)
    me = options.get("matrix_element", "V-A")
    return {
        "pdg": PDG_MEDIATOR,
        "m_parent": params["mc"],
        "m_daughter": params["mc"] - params["dm"],
        "daughter_pdg": PDG_DM,
        "ctau": params["ctau"],
        "branching": b,
        "matrix_element": me,
        "couplings": Couplings(float(cpl[0]), float(cpl[1])),
        # a W* gives left-handed taus (with the V-A matrix element; 'flat' is phase space without spins)
        **(chiral_taus(b, options) if me == "V-A" else {}),
    }


def cross_section(
    params: dict, ecm_gev: float, source: str = "table", options: dict | None = None
) -> tuple[float, str]:
    """Production cross section (fb) and its source, from ``lepreint.models.xsec`` (wino chi1+ chi1-).

    At an energy without a table (8 TeV: none ships, none is reachable offline) the 13 TeV NLO+NLL
    value is carried over with Pythia's leading order: sigma(E) = sigma_LO(E) x sigma_NLO+NLL(13) /
    sigma_LO(13), i.e. the 13 TeV K-factor at the same mass (the K-factor of electroweak pair
    production changes by a few per cent between 8 and 13 TeV).
    """

    if source not in ("table", "paper"):
        raise LepreintError(
            f"xsec source must be 'table' or 'paper' here (Pythia's own is asked elsewhere), got {source!r}"
        )
    sqrt_s = ecm_gev / 1000.0
    if source == "table" and not have_table(XSEC_PROCESS, sqrt_s):
        return _lo_scaled(params["mc"], ecm_gev)
    try:
        x = xsec(XSEC_PROCESS, params["mc"], sqrt_s=sqrt_s, source=source)
    except XsecError as e:
        raise LepreintError(str(e)) from None
    return x.xsec_fb, f"{source}: {x.reference}"


@functools.lru_cache(maxsize=64)
def _lo_scaled(mc: float, ecm_gev: float) -> tuple[float, str]:

    setup = pythia_setup({"mc": mc, "dm": 1.0, "ctau": 1.0}, {})
    lo_e, _ = lo_cross_section(setup, ecm_gev)
    lo_13, _ = lo_cross_section(setup, 13000.0)
    nlo_13 = xsec(XSEC_PROCESS, mc, 13.0).xsec_fb
    k = nlo_13 / lo_13
    return lo_e * k, (
        f"table x K: Pythia LO at {ecm_gev / 1000:g} TeV ({lo_e:.4g} fb) x the 13 TeV NLO+NLL/LO "
        f"K-factor {k:.3f} ({nlo_13:.4g} / {lo_13:.4g} fb) at the same mass"
    )


def check_parameters(params: dict) -> dict:
    """Validate (mc, dm, ctau) in GeV, GeV, mm."""
    missing = [k for k in ("mc", "dm", "ctau") if k not in params]
    if missing:
        raise LepreintError(
            f"coscattering needs parameters mc, dm, ctau (--mc, --dm, --ctau or a model --card); "
            f"missing {', '.join(missing)}"
        )
    mc, dm, ctau = float(params["mc"]), float(params["dm"]), float(params["ctau"])
    if not 0 < dm < mc:
        raise LepreintError(f"need 0 < dm < mc, got mc = {mc:g} GeV, dm = {dm:g} GeV")
    if dm >= M_W:
        raise LepreintError(
            f"dm = {dm:g} GeV: the decay goes through an off-shell W (dm < m_W = {M_W:g} GeV); an on-shell W is a "
            "two-body decay this model does not describe"
        )
    if not ctau > 0:
        raise LepreintError(f"need ctau > 0, got {ctau:g} mm")
    return {"mc": mc, "dm": dm, "ctau": ctau}


def _scan_points(mc: float, dm: float, ctau_axis: list[float], u2_axis: list[float], options: dict) -> list[dict]:

    return [
        {"key": point_key(mc, dm, c), "ctau": c, "scale": 1.0, "fields": {"mc": mc, "dm": dm, "ctau_mm": c}}
        for c in ctau_axis
    ]


def _scan_plane():

    # one sample per (m_c, dm) at any c tau (the kinematics do not depend on it); the benchmarks' e-mu decays
    return ScanPlane(
        ("mc", "dm", "ctau"),
        lambda mc, dm, gen_ctau: {"mc": mc, "dm": dm, "ctau": gen_ctau},
        _scan_points,
        {"decays": "leptonic"},
    )


SCAN = _scan_plane()
