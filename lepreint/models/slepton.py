"""Long-lived sleptons of gauge-mediated supersymmetry breaking: slepton -> lepton + gravitino.

The benchmark of ATLAS's displaced-lepton search (SUSY-2018-14) and of CMS's full Run 2 one: pair-produced
sleptons, each decaying to its lepton and a massless gravitino, long-lived when the gravitino couples weakly
(a high supersymmetry-breaking scale).

Model point: ``mslep`` (GeV) and ``ctau`` (mm; c tau = 299.792458 mm x tau / ns: ATLAS's lifetimes 0.01, 0.1, 1,
10 ns are 3.0, 30, 300, 3000 mm).

Options:

``flavour``   ``e``, ``mu`` or ``tau`` (selectrons, smuons, staus), or ``co_nlsp`` (all three flavours
              together, mass degenerate: the co-NLSP scenario); ``stau_nlsp`` is ``tau`` (the stau NLSP scenario,
              the lighter sleptons of the other flavours decaying through it are not modelled), with ``states``
              as given: the default LR is ATLAS's benchmark; a mostly right-handed stau_1, as in minimal GMSB,
              is ``states = R`` (at 100 GeV 1/3.7 of the LR cross section, taus right-handed).
``states``    ``LR`` (left and right states, mass degenerate: ATLAS's benchmark), ``L`` or ``R``.  Staus unmixed
              (stau_1 = stau_L, stau_2 = stau_R).
``tau_polarisation``  ``chirality`` (default): the gravitino couples to the slepton's chiral partner, so
              stau_L -> tau_L and stau_R -> tau_R, and the taus decay polarised (``decays.decay_taus``):
              the e or mu of a left-handed tau is harder, of a right-handed one softer (mean energy fraction
              0.40 and 0.30 of the tau's in the collinear limit, 0.35 unpolarised); ``none``: unpolarised.

Production: Pythia 8 (``SUSY:qqbar2sleptonantislepton``, s-channel gamma/Z, restricted to the chosen charged
sleptons; ISR, multiple interactions and hadronisation from the shower options), normalised to the LHC SUSY Cross
Section Working Group's NLO+NLL table of the chosen states per flavour (13 TeV), times the number of flavours.
Pythia's own normalisation of this process is not used, and is refused as a cross-section source: Pythia 8.3's
``Sigma2qqbar2sleptonantislepton`` averages the colours with 1/9 instead of 1/N_c = 1/3, and its Z terms do not
give the left and right states' leading-order ratio (at 100 GeV, 13 TeV: Pythia 88.8 fb L and 42.8 fb R; leading
order from the Drell-Yan cross section reweighted by the scalar-to-fermion ratio of the same couplings, 213 and
85.5 fb; NLO+NLL 268 and 97.8 fb).  Its kinematics are right: the pair's mass distribution agrees with that
leading-order one (median 315 GeV at 100 GeV both), the angle is sin^2 theta*.  With ``states = LR`` the events are
weighted per state to the table's L : R composition (``PythiaSetup.state_fractions``; Pythia's own mix, L : R =
2.1 : 1, against the table's 2.7 : 1 at 100 GeV), which the taus' polarisation depends on; the composition is the
13 TeV table's at every beam energy.

Decay: lepreint's own (``lepreint.events.generation.species``, kind ``twobody``): isotropic in the slepton's rest
frame (a scalar), the lepton of the slepton's sign, the gravitino massless and invisible; copies per event
(oversampling) like every lepreint decay, and movable in c tau.  Taus are decayed by ``decays.decay_taus``,
polarised by the option ``tau_polarisation`` (leptonic modes; the hadronic ones isotropic).  For the L + R mix
(ll : rr = 4.51 : 1.75 fb at 300 GeV, the sample's weighted composition) the mean chirality is -0.44: leptons above 65 GeV from 100-150 GeV taus
are ~15% more frequent per tau than unpolarised.
"""

from __future__ import annotations

from lepreint.constants import C_MM_PER_NS
from lepreint.errors import LepreintError
from lepreint.events.generation.pythia import PythiaSetup
from lepreint.models.base import ScanPlane
from lepreint.models.coscattering import SLHA_HEADER
from lepreint.models.xsec import XsecError, xsec

__all__ = [
    "DEFAULT_OPTIONS",
    "check_parameters",
    "pythia_setup",
    "llp_decay",
    "cross_section",
    "slha",
    "SCAN",
    "ids",
    "state_fractions",
]

DEFAULT_OVERSAMPLING = 10
DEFAULT_XSEC_SOURCE = "table"
DEFAULT_CHUNK = 1000
DEFAULT_OPTIONS = {"flavour": "e", "states": "LR", "tau_polarisation": "chirality"}
#: the model's physics revision in scan identities (2: the samples weighted to the tables' left : right composition)
MODEL_REVISION = 2
#: why Pythia's own cross section is not offered (``GenerationRequest``)
PYTHIA_XSEC_REFUSED = (
    "Pythia 8.3's slepton-pair cross section averages the colours with 1/9 instead of 1/3 and mixes the left and "
    "right states in another ratio than leading order (x0.42 and x0.50 of it at 100 GeV); use 'table' (NLO+NLL) "
    "or 'none' and the cross section to simulate (--xsec)"
)
TAU_POLARISATIONS = ("chirality", "none")
FLAVOURS = {"e": (11,), "mu": (13,), "tau": (15,), "co_nlsp": (11, 13, 15), "stau_nlsp": (15,)}
STATES = ("LR", "L", "R")
#: the words each string option takes (``lepreint.models.check_options``)
OPTION_CHOICES = {"flavour": tuple(FLAVOURS), "states": STATES, "tau_polarisation": TAU_POLARISATIONS}
PDG_GRAVITINO = 1000039
#: heavy sparticles (GeV): decoupled
HEAVY = 5000.0


def ids(options: dict) -> list[int]:
    """The PDG ids of the model's sleptons: 1000000 + l (left), 2000000 + l (right)."""
    flavour, states = options.get("flavour", "e"), options.get("states", "LR")
    if flavour not in FLAVOURS:
        raise LepreintError(f"slepton flavour must be one of {', '.join(FLAVOURS)}; got {flavour!r}")
    if states not in STATES:
        raise LepreintError(f"slepton states must be one of {', '.join(STATES)}; got {states!r}")
    base = [b for s, b in (("L", 1000000), ("R", 2000000)) if s in states]
    return [b + f for f in FLAVOURS[flavour] for b in base]


def check_parameters(params: dict) -> dict:
    missing = [k for k in ("mslep", "ctau") if k not in params]
    if missing:
        raise LepreintError(f"slepton needs parameters mslep (GeV) and ctau (mm); missing {', '.join(missing)}")
    out = {"mslep": float(params["mslep"]), "ctau": float(params["ctau"])}
    if not 50.0 <= out["mslep"] <= 1000.0:
        raise LepreintError(f"mslep = {out['mslep']:g} GeV: the cross-section tables cover 50-1000 GeV")
    if not out["ctau"] > 0:
        raise LepreintError(f"the slepton's lifetime must be > 0, got c tau = {out['ctau']:g} mm")
    return out


def slha(params: dict, options: dict) -> str:
    """The spectrum: the chosen sleptons at ``mslep``, a massless gravitino, everything else decoupled."""
    light = set(ids(options))
    others = [1000011, 2000011, 1000013, 2000013, 1000015, 2000015, 1000012, 1000014, 1000016]
    lines = ["BLOCK MASS"]
    for pid in others:
        lines.append(f"   {pid}   {params['mslep'] if pid in light else HEAVY:.6E}")
    for pid in (1000022, 1000023, 1000025, 1000035, 1000024, 1000037):
        lines.append(f"   {pid}   {HEAVY:.6E}")
    lines.append(f"   {PDG_GRAVITINO}   0.000000E+00")
    # unmixed staus (stau_1 = stau_L), bino-, wino- and higgsino-like neutralinos and charginos (all decoupled:
    # the sleptons' pair production through gamma and Z does not depend on them, but Pythia needs the blocks)
    lines += ["BLOCK STAUMIX", "  1  1   1.0", "  1  2   0.0", "  2  1   0.0", "  2  2   1.0"]
    lines += ["BLOCK NMIX"] + [f"  {i}  {j}   {1.0 if i == j else 0.0}" for i in range(1, 5) for j in range(1, 5)]
    for block in ("UMIX", "VMIX"):
        lines += [f"BLOCK {block}"] + [f"  {i}  {j}   {1.0 if i == j else 0.0}" for i in (1, 2) for j in (1, 2)]
    # the sleptons are stable for Pythia (lepreint decays them)
    lines += [f"DECAY   {pid}   0.000000E+00" for pid in sorted(light)]
    return SLHA_HEADER + "\n".join(lines) + "\n"


def pythia_setup(params: dict, options: dict) -> PythiaSetup:
    chosen = ",".join(str(i) for i in ids(options))
    settings = [
        "SUSY:all = off",
        "SUSY:qqbar2sleptonantislepton = on",
        "SUSY:idA = 0",
        "SUSY:idB = 0",
        f"SUSY:idVecA = {chosen}",
        f"SUSY:idVecB = {chosen}",
        "SLHA:minMassSM = 1000.",
    ]
    return PythiaSetup(
        settings, slha(params, options), frozenset(ids(options)), state_fractions=state_fractions(params, options)
    )


def state_fractions(params: dict, options: dict) -> dict[int, float] | None:
    """{slepton |PDG id|: its fraction of the cross section} with both states (the 13 TeV NLO+NLL tables' L : R, the
    flavours equal); None with one state (nothing to weight)."""
    chosen = ids(options)
    if options.get("states", "LR") != "LR":
        return None
    try:
        left, right = (xsec(f"slepton-{s}", params["mslep"], 13.0).xsec_fb for s in ("L", "R"))
    except XsecError as e:
        raise LepreintError(f"the left and right sleptons' composition: {e}") from None
    n_fl = len(chosen) // 2
    return {pid: (left if pid // 1000000 == 1 else right) / (left + right) / n_fl for pid in chosen}


def llp_decay(params: dict, options: dict) -> list[dict]:
    """slepton -> lepton + gravitino for each chosen slepton (lepreint's ``twobody`` decay)."""
    pol = options.get("tau_polarisation", "chirality")
    if pol not in TAU_POLARISATIONS:
        raise LepreintError(f"tau_polarisation must be one of {', '.join(TAU_POLARISATIONS)}; got {pol!r}")
    return [
        {
            "kind": "twobody",
            "pdg": pid,
            "m_parent": params["mslep"],
            "lepton": pid % 100,
            "m_invisible": 0.0,
            "branching": {pid % 100: 1.0},  # (for the sample's description)
            "ctau": params["ctau"],
            # stau_L -> tau_L (-1), stau_R -> tau_R (+1)
            "tau_chirality": (1.0 if pid // 1000000 == 2 else -1.0) if pol == "chirality" else 0.0,
        }
        for pid in ids(options)
    ]


def cross_section(
    params: dict, ecm_gev: float, source: str = "table", options: dict | None = None
) -> tuple[float, str]:
    """(sigma(pp -> slepton pairs) in fb, its source): the Working Group's NLO+NLL per flavour, times the flavours."""
    options = options or {}
    if source != "table":
        raise LepreintError(f"slepton cross sections: source must be 'table' (NLO+NLL); got {source!r}")
    ids(options)
    states = options.get("states", "LR")
    n_fl = len(FLAVOURS[options.get("flavour", "e")])
    try:
        x = xsec(f"slepton-{states}", params["mslep"], round(ecm_gev / 1000.0, 3))
    except XsecError as e:
        raise LepreintError(
            f"{e}; generate with --xsec-source none and give the cross section to simulate (--xsec)"
        ) from None
    times = f" x {n_fl} flavours" if n_fl > 1 else ""
    return x.xsec_fb * n_fl, f"{x.reference}{times} (+- {x.unc_fb * n_fl:.3g} fb)"


def _scan_points(mc: float, dm, ctau_axis: list[float], u2_axis: list[float], options: dict) -> list[dict]:
    return [
        {
            "key": f"mslep{mc:.6g}_ctau{c:.6g}mm",
            "ctau": c,
            "scale": 1.0,
            "fields": {"mc": mc, "dm": None, "ctau_mm": c, "mslep": mc, "tau_ns": c / C_MM_PER_NS},
        }
        for c in ctau_axis
    ]


def _scan_plane():
    # one Pythia production per mass, decayed by lepreint: its decays move to every c tau
    return ScanPlane(("mc", "ctau"), lambda mc, dm, gen_ctau: {"mslep": mc, "ctau": gen_ctau}, _scan_points)


SCAN = _scan_plane()
