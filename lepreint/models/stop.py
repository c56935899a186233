"""Top squarks with an R-parity-violating decay to a quark and a lepton, long-lived, decayed by Pythia.

The benchmark of CMS's displaced e-mu searches ("displaced supersymmetry"): pair-produced top squarks,
``stop -> b l`` (option ``decay = bl``, the lambda'_{i33} coupling) or ``stop -> d l`` (``dl``, lambda'_{i31}),
the lepton flavour by the option ``branching`` (fractions of e, mu, tau; 1/3 each by default, as CMS).

Model point: ``mstop`` (GeV) and ``ctau`` (mm, the stop's proper decay length).

Generation as CMS's (Pythia 8, ``SUSY:gg2squarkantisquark`` and ``SUSY:qqbar2squarkantisquark`` for 1000006,
the other sparticles decoupled): the stop hadronises into an R-hadron (option ``rhadrons``, on by default:
``RHadrons:allow``, ``allowDecay``, ``setMasses``) which carries the stop's lifetime; at its decay vertex the
stop decays with the R-hadron's spectator beside it, so the b quark showers and hadronises with it.  Pythia
decays the LLP itself; lepreint records the R-hadron (or, without R-hadrons, the stop) as the LLP with its
decay vertex and moves it to any c tau (``lepreint.events.lifetime``).  The lifetime is written into the SLHA
decay table as the width hbar c / (c tau): a width in the SLHA file overrides ``1000006:tau0`` (a width of
1e-15 GeV would mean c tau = 197 mm whatever tau0 says).

Tune (option ``tune``): ``4C`` (``Tune:pp = 5``; CMS's 8 TeV samples), ``CP5`` (CMS's Run 2 tune: Monash with
CMS's MPI, colour-reconnection and alpha_s settings and NNPDF3.1 NNLO) or ``shower`` (the sample's shower
options' tune, Monash by default).

Cross sections (``source``): ``table``: NLO+NLL, the LHC SUSY Cross Section Working Group's values that CMS used
(8 and 13 TeV); ``nnlo_nnll``: NNLOapprox+NNLL (13 and 13.6 TeV); ``pythia``: Pythia's leading order.
"""

from __future__ import annotations

from lepreint.constants import HBARC_GEV_MM, STOP_RHADRON_IDS
from lepreint.errors import LepreintError
from lepreint.events.generation.pythia import PythiaSetup
from lepreint.models.base import ScanPlane
from lepreint.models.xsec import XsecError, xsec

__all__ = [
    "DEFAULT_OPTIONS",
    "RHADRON_IDS",
    "check_parameters",
    "pythia_setup",
    "llp_decay",
    "cross_section",
    "slha",
    "SCAN",
]

PDG_STOP = 1000006
#: Pythia's stop R-hadrons: mesons (stop + antiquark d, u, s, c, b) and baryons (stop + diquark)
RHADRON_IDS = STOP_RHADRON_IDS
DEFAULT_OVERSAMPLING = 1  # Pythia decays the LLPs: one record per event
DEFAULT_XSEC_SOURCE = "table"
DEFAULT_CHUNK = 500
#: the words each string option takes (``lepreint.models.check_options``)
OPTION_CHOICES = {"decay": ("bl", "dl"), "tune": ("4C", "CP5", "shower")}
DEFAULT_OPTIONS = {
    "decay": "bl",  # stop -> b l (or 'dl': stop -> d l)
    "branching": {"e": 1 / 3, "mu": 1 / 3, "tau": 1 / 3},  # lepton flavour fractions
    "rhadrons": True,
    "tune": "shower",  # '4C', 'CP5' or 'shower'
}
XSEC_SOURCES = ("table", "nnlo_nnll", "pythia")
_LEPTON = {"e": 11, "mu": 13, "tau": 15}
_QUARK = {"bl": 5, "dl": 1}
#: CMS's CP5 tune (CMS, Eur. Phys. J. C 80 (2020) 4, Table 2) on top of Monash
CP5_SETTINGS = (
    "Tune:pp = 14",
    "Tune:ee = 7",
    "PDF:pSet = 20",
    "MultipartonInteractions:ecmPow = 0.03344",
    "MultipartonInteractions:bProfile = 2",
    "MultipartonInteractions:pT0Ref = 1.41",
    "MultipartonInteractions:coreRadius = 0.7634",
    "MultipartonInteractions:coreFraction = 0.63",
    "ColourReconnection:range = 5.176",
    "SigmaTotal:zeroAXB = off",
    "SpaceShower:alphaSorder = 2",
    "SpaceShower:alphaSvalue = 0.118",
    "SigmaProcess:alphaSvalue = 0.118",
    "SigmaProcess:alphaSorder = 2",
    "MultipartonInteractions:alphaSvalue = 0.118",
    "MultipartonInteractions:alphaSorder = 2",
    "TimeShower:alphaSorder = 2",
    "TimeShower:alphaSvalue = 0.118",
)
TUNES = {"4C": ("Tune:pp = 5",), "CP5": CP5_SETTINGS, "shower": ()}


def check_parameters(params: dict) -> dict:
    missing = [k for k in ("mstop", "ctau") if k not in params]
    if missing:
        raise LepreintError(f"stop needs parameters mstop (GeV) and ctau (mm); missing {', '.join(missing)}")
    out = {"mstop": float(params["mstop"]), "ctau": float(params["ctau"])}
    if not 100.0 <= out["mstop"] <= 3000.0:
        raise LepreintError(f"mstop = {out['mstop']:g} GeV: this model covers 100-3000 GeV")
    if not out["ctau"] > 0:
        raise LepreintError(f"ctau must be > 0 (mm), got {out['ctau']:g}")
    return out


def _branching(options: dict) -> dict[int, float]:
    b = options.get("branching", DEFAULT_OPTIONS["branching"])
    if not isinstance(b, dict) or set(b) - set(_LEPTON):
        raise LepreintError(f"branching must give fractions for e, mu, tau; got {b!r}")
    try:
        vals = {k: float(v) for k, v in b.items()}
    except (TypeError, ValueError):
        raise LepreintError(f"branching must give numbers for e, mu, tau; got {b!r}") from None
    tot = sum(vals.values())
    if any(v < 0 for v in vals.values()) or not tot > 0:
        raise LepreintError(f"branching must give non-negative fractions with a positive sum; got {b!r}")
    return {_LEPTON[k]: v / tot for k, v in vals.items() if v > 0}


def slha(params: dict, options: dict) -> str:
    """The SLHA spectrum: the stop mass and its decay table, the width set from c tau."""
    decay = options.get("decay", "bl")
    if decay not in _QUARK:
        raise LepreintError(f"decay must be 'bl' or 'dl', got {decay!r}")
    width = HBARC_GEV_MM / params["ctau"]
    lines = [
        "BLOCK MODSEL",
        "    1    1",
        "BLOCK MASS",
        f"   {PDG_STOP}   {params['mstop']:.6e}",
        f"DECAY   {PDG_STOP}   {width:.8e}   # c tau = {params['ctau']:g} mm",
    ]
    # stop (charge +2/3) -> quark (-1/3) + anti-lepton (+1)
    lines += [f"   {br:.8f}   2   {_QUARK[decay]}   {-lep}" for lep, br in sorted(_branching(options).items())]
    return "\n".join(lines) + "\n"


def pythia_setup(params: dict, options: dict) -> PythiaSetup:
    tune = options.get("tune", "shower")
    if tune not in TUNES:
        raise LepreintError(f"tune must be one of {', '.join(TUNES)}; got {tune!r}")
    rh = bool(options.get("rhadrons", True))
    on = "on" if rh else "off"
    settings = [
        *TUNES[tune],
        "SUSY:all = off",
        "SUSY:gg2squarkantisquark = on",
        "SUSY:qqbar2squarkantisquark = on",
        f"SUSY:idA = {PDG_STOP}",
        f"SUSY:idB = {PDG_STOP}",
        f"RHadrons:allow = {on}",
        "RHadrons:allowDecay = on",
        "RHadrons:setMasses = on",
        f"{PDG_STOP}:tau0 = {params['ctau']:.8g}",  # the same as the SLHA width says
    ]
    return PythiaSetup(settings, slha(params, options), decayed_llp_ids=frozenset({PDG_STOP}) | RHADRON_IDS)


def llp_decay(params: dict, options: dict) -> None:
    """None: Pythia decays the LLPs."""
    _branching(options)  # a bad option fails before any generation
    return None


def cross_section(
    params: dict, ecm_gev: float, source: str = "table", options: dict | None = None
) -> tuple[float, str]:
    """(sigma(pp -> stop stop*) in fb, its source); ``source`` ``table`` (NLO+NLL, CMS's) or ``nnlo_nnll``."""
    if source not in ("table", "nnlo_nnll"):
        raise LepreintError(
            f"stop cross sections: source must be 'table' (NLO+NLL) or 'nnlo_nnll' ('pythia' is the generation's own "
            f"leading order, given at generation); got {source!r}"
        )
    sqrt_s = round(ecm_gev / 1000.0, 3)
    process = "stop-pair" if source == "table" else "stop-pair-nnll"
    try:
        x = xsec(process, params["mstop"], sqrt_s)
    except XsecError as e:
        other = "nnlo_nnll" if source == "table" else "table"
        raise LepreintError(f"{e}; the other source ({other}) or 'pythia' may cover it") from None
    return x.xsec_fb, f"{x.reference} (+- {x.unc_fb:.3g} fb)"


def _scan_points(mc: float, dm, ctau_axis: list[float], u2_axis: list[float], options: dict) -> list[dict]:
    return [
        {
            "key": f"mstop{mc:.6g}_ctau{c:.6g}mm",
            "ctau": c,
            "scale": 1.0,
            "fields": {"mc": mc, "dm": None, "ctau_mm": c, "mstop": mc},
        }
        for c in ctau_axis
    ]


def _scan_plane():
    # one Pythia sample per mass at any c tau: the decay vertices move (the kinematics do not depend on it)
    return ScanPlane(("mc", "ctau"), lambda mc, dm, gen_ctau: {"mstop": mc, "ctau": gen_ctau}, _scan_points)


SCAN = _scan_plane()
