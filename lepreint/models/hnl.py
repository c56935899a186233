"""Heavy neutral leptons: pp -> W -> l N, with the N displaced, N -> l l' nu, nu l l, hadrons.

Model point: ``mN`` (GeV) and ``U2`` = |U_e|^2 + |U_mu|^2 + |U_tau|^2; the flavour pattern is the option
``mixing`` (fractions of U2 per flavour, default pure muon mixing), Majorana (default) or Dirac.

Production: Pythia's q q-bar' -> W (LO, with its initial-state radiation and underlying event), the W left
undecayed; lepreint decays W -> l_a N and then the N (``lepreint.events.generation.species``, kind ``hnl``).
Cross section (reference/physics_constants.md): sigma(pp -> W -> l N) = sum_a sigma(W -> l nu) |U_a|^2
(1 - x)^2 (1 + x/2), x = m_N^2 / m_W^2, with sigma(W -> l nu) = 20.62 nb per lepton flavour at 13 TeV
(ATLAS, PLB 759 (2016) 601: W+ 11.83 nb, W- 8.79 nb); at other energies times Pythia's LO ratio
sigma_LO(E) / sigma_LO(13 TeV) of q q-bar' -> W.

Widths (``lifetime = computed``) and branching ratios: the partial widths of Bondarenko, Boyarsky, Gorbunov and
Ruchayskiy (arXiv:1805.08567, Sec. 3 and App. A; the same as the ATLAS implementation cHNLdecay) at quark level,
in units of G_F^2 m_N^5 |U_a|^2 / (192 pi^3) for a Dirac N; a Majorana N has twice the total width and the same
branching ratios.  Per mixing flavour a:
charged current l_a + (l_b nu_b, b != a: I(x_a, x_b, 0); u d' and c s' quarks: 3 I(x_a, x_u, x_d) and
3 I(x_a, x_c, x_s), CKM unitarity per up-type row), neutral current nu_a + (nu nu: 1 summed; l_b l_b, b != a, and
q q-bar: N_c [C1 f1(x) + 4 C2 f2(x)] with C1 = g_L^2 + g_R^2, C2 = g_L g_R of the fermion's Z couplings), and for
l_a l_a nu_a the charged and neutral currents together (g_L + 1 for the charged lepton).  I is the massive V-A
three-body phase space (1 for massless), f1, f2 Bondarenko's functions of x = m_f / m_N (1 and 0 for massless);
the hadronic widths carry (1 + Delta_QCD), Delta_QCD = a + 5.2 a^2 + 26.4 a^3, a = alpha_s(m_N) / pi (two-loop
running from alpha_s(m_Z), held at its 2 GeV value below).  A channel opens at its lightest hadronic state
(two pions, D_s, K K, D D, B B) and carries its quark masses' phase space above.  APPROXIMATE: below about 2 GeV
(exclusive mesons, not modelled, carry the hadronic width) and above about 30 GeV (Fermi theory, no W or Z
propagator: c tau about 8% too long at 30 GeV, 30% at 50 GeV).  Check: for e or mu mixing the sum reproduces
Bondarenko's total width within 1% from 5 to 30 GeV; c tau = 3.70 mm at 10 GeV, |U|^2 = 1e-6.  The decays'
spectra: V-A matrix elements; the interference term of l_a l_a nu_a decays with charged-current kinematics.
"""

from __future__ import annotations

import functools
import math

from scipy.integrate import quad

from lepreint.constants import G_F, HBARC_GEV_MM, M_W, M_Z, SIN2_THETA_W
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
    "partial_widths",
    "phase_space",
    "neutral_current",
    "alpha_s",
]

PDG_N = 9900012
PDG_W = 24
DEFAULT_OVERSAMPLING = 20
DEFAULT_XSEC_SOURCE = "table"
DEFAULT_CHUNK = 2000
#: the model's physics revision in scan identities (2: the widths with the final states' masses, per mixing flavour;
#: 3: taus decay with the chirality of their current; W -> l N at each event's W mass)
MODEL_REVISION = 3
#: options whose whole effect the decay specification records (left out of the samples' keys' options)
OPTIONS_IN_DECAY = ("tau_polarisation",)
#: the words each string option takes (``lepreint.models.check_options``)
OPTION_CHOICES = {"lifetime": ("computed", "given"), "tau_polarisation": ("chirality", "none")}
DEFAULT_OPTIONS = {
    "mixing": {"e": 0.0, "mu": 1.0, "tau": 0.0},  # fractions of U2
    "majorana": True,
    "lifetime": "computed",  # or 'given' (the ctau parameter)
    "tau_polarisation": "chirality",  # taus of the W and W* left-handed, of the Z* as its couplings; or 'none'
}
#: sigma(pp -> W -> l nu) per lepton flavour at 13 TeV (nb), W+ + W-
SIGMA_W_LNU_13 = 11.83 + 8.79
#: quark masses (GeV) in the phase space of the quark-level channels (PDG 2024: MS-bar u, d, s at 2 GeV, c and b at
#: their own scale)
M_QUARK = {"u": 0.00216, "d": 0.00470, "s": 0.0935, "c": 1.273, "b": 4.183}
#: alpha_s(m_Z) (PDG 2024) and the quark thresholds of its running (GeV)
ALPHA_S_MZ = 0.1180
#: (|charge|-signed charge, T3) of the quarks and leptons in the neutral current
_Z_CHARGES = {"u": (2 / 3, 0.5), "c": (2 / 3, 0.5), "d": (-1 / 3, -0.5), "s": (-1 / 3, -0.5), "b": (-1 / 3, -0.5)}
FLAVOURS = {"e": 1, "mu": 2, "tau": 3}
_LEPTON = {1: 11, 2: 13, 3: 15}
_LEPTON_MASS = {1: 0.000511, 2: 0.10566, 3: M_TAU}
#: where the hadronic channels open (GeV): their lightest hadronic states (charged current: two pions, D_s;
#: neutral current: two pions, K K, D D, B B)
_TH = {"ud": 0.28, "cs": 1.97, "u": 0.28, "d": 0.28, "s": 1.0, "c": 3.73, "b": 10.56}


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


def _kallen(a: float, b: float, c: float) -> float:
    return a * a + b * b + c * c - 2 * (a * b + a * c + b * c)


@functools.lru_cache(maxsize=4096)
def phase_space(x1: float, x2: float, x3: float) -> float:
    """The V-A three-body phase-space factor I of final-state masses x_i = m_i / m_N (1 when all vanish; symmetric
    in its arguments): 12 int ds/s (s - x1^2 - x2^2)(1 + x3^2 - s) lambda^1/2(s, x1^2, x2^2) lambda^1/2(1, s, x3^2)."""
    lo, hi = (x1 + x2) ** 2, (1 - x3) ** 2
    if hi <= lo:
        return 0.0
    big, second = sorted((x1, x2, x3))[:0:-1]
    if second < 1e-3:  # one massive final state (or none): closed form, exact up to O(second^2)
        if big < 1e-6:
            return 1.0
        return 1 - 8 * big**2 + 8 * big**6 - big**8 - 24 * big**4 * math.log(big)

    def f(t: float) -> float:
        return (
            (t - x1**2 - x2**2)
            * (1 + x3**2 - t)
            * math.sqrt(max(_kallen(t, x1**2, x2**2), 0.0) * max(_kallen(1.0, t, x3**2), 0.0))
            / t
        )

    return 12 * float(quad(f, lo, hi, limit=200, epsabs=1e-11, epsrel=1e-8)[0])


def neutral_current(x: float, g_l: float, g_r: float) -> float:
    """N -> nu f f-bar for one fermion of mass x m_N with Z couplings g_L, g_R (Bondarenko et al., Eq. 3.4):
    C1 f1(x) + 4 C2 f2(x), C1 = g_L^2 + g_R^2, C2 = g_L g_R; C1 for massless f, 0 at x = 1/2."""
    c1, c2 = g_l**2 + g_r**2, g_l * g_r
    if x >= 0.5:
        return 0.0
    if x < 1e-4:
        return c1
    r = math.sqrt(1 - 4 * x * x)
    # ln[(1 - 3x^2 - (1 - x^2) r) / (x^2 (1 + r))], the numerator rationalised (it cancels at small x)
    big_l = math.log(4 * x**4 / ((1 + r) * (1 - 3 * x * x + (1 - x * x) * r)))
    f1 = (1 - 14 * x**2 - 2 * x**4 - 12 * x**6) * r + 12 * x**4 * (x**4 - 1) * big_l
    f2 = x**2 * (2 + 10 * x**2 - 12 * x**4) * r + 6 * x**4 * (1 - 2 * x**2 + 2 * x**4) * big_l
    return max(c1 * f1 + 4 * c2 * f2, 0.0)  # (round-off just below threshold)


def _z_couplings(charge: float, t3: float) -> tuple[float, float]:
    return t3 - charge * SIN2_THETA_W, -charge * SIN2_THETA_W


@functools.lru_cache(maxsize=256)
def alpha_s(mu: float) -> float:
    """alpha_s at ``mu`` (GeV): two-loop running from alpha_s(m_Z), 5 flavours above m_b, 4 above m_c, 3 below."""

    def run(a: float, mu0: float, mu1: float, nf: int) -> float:
        b0, b1 = (33 - 2 * nf) / (12 * math.pi), (153 - 19 * nf) / (24 * math.pi**2)
        steps = 200
        h = (math.log(mu1**2) - math.log(mu0**2)) / steps
        for _ in range(steps):  # d a / d ln mu^2 = -b0 a^2 - b1 a^3 (RK4)
            k1 = -b0 * a**2 - b1 * a**3
            a2 = a + h * k1 / 2
            k2 = -b0 * a2**2 - b1 * a2**3
            a3 = a + h * k2 / 2
            k3 = -b0 * a3**2 - b1 * a3**3
            a4 = a + h * k3
            k4 = -b0 * a4**2 - b1 * a4**3
            a += h * (k1 + 2 * k2 + 2 * k3 + k4) / 6
        return a

    mb, mc = M_QUARK["b"], M_QUARK["c"]
    if mu >= mb:
        return run(ALPHA_S_MZ, M_Z, mu, 5)
    a_b = run(ALPHA_S_MZ, M_Z, mb, 5)
    if mu >= mc:
        return run(a_b, mb, mu, 4)
    return run(run(a_b, mb, mc, 4), mc, mu, 3)


def qcd_factor(m_n: float) -> float:
    """1 + Delta_QCD of the hadronic widths (Bondarenko et al., Eq. 3.8), alpha_s held at 2 GeV below 2 GeV."""
    a = alpha_s(max(m_n, 2.0)) / math.pi
    return 1 + a + 5.2 * a**2 + 26.4 * a**3


def partial_widths(m_n: float, flavour: int) -> dict[int, float]:
    """The N's partial widths for mixing with one flavour (1, 2, 3: e, mu, tau), by the channel codes of
    ``lepreint.events.generation.species``, in units of G_F^2 m_N^5 |U_a|^2 / (192 pi^3) for a Dirac N."""
    a = flavour
    ma = _LEPTON_MASS[a]
    xa = ma / m_n
    out: dict[int, float] = {}
    for b in (1, 2, 3):
        mb = _LEPTON_MASS[b]
        if b == a:  # l_a l_a nu_a: charged and neutral currents together (the charged lepton's g_L + 1)
            g_l, g_r = _z_couplings(-1.0, -0.5)
            w = neutral_current(mb / m_n, g_l + 1, g_r) if m_n > 2 * mb else 0.0
            if w > 0:
                out[100 * a + _LEPTON[b]] = w
            continue
        w = phase_space(xa, mb / m_n, 0.0) if m_n > ma + mb else 0.0
        if w > 0:
            out[100 * a + _LEPTON[b]] = w  # l_a l_b nu_b: 113, 115, 211, ...
        w = neutral_current(mb / m_n, *_z_couplings(-1.0, -0.5)) if m_n > 2 * mb else 0.0
        if w > 0:
            out[100 * a + 40 + _LEPTON[b]] = w  # nu_a l_b l_b: 153, 155, 251, ...
    k = qcd_factor(m_n)
    q = M_QUARK
    cc = (3 * phase_space(xa, q["u"] / m_n, q["d"] / m_n) if m_n > ma + _TH["ud"] else 0.0) + (
        3 * phase_space(xa, q["c"] / m_n, q["s"] / m_n) if m_n > ma + _TH["cs"] else 0.0
    )
    if cc > 0:
        out[100 * a + 1] = cc * k
    out[100 * a + 52] = 1.0  # nu_a nu nu-bar, summed over the flavours
    nc = sum(3 * neutral_current(q[f] / m_n, *_z_couplings(*_Z_CHARGES[f])) for f in q if m_n > _TH[f])
    if nc > 0:
        out[100 * a + 50] = nc * k
    return out


def width_factor(m_n: float, options: dict | None = None) -> float:
    """a(m_N): the total width of a Majorana N in units of G_F^2 m_N^5 |U|^2 / (96 pi^3) (the sum of the Dirac
    partial widths in units of / (192 pi^3)), averaged over the mixing flavours' fractions."""
    return sum(f * sum(partial_widths(m_n, a).values()) for a, f in _mixing(options or {}).items())


def ctau(m_n: float, u2: float, majorana: bool = True, options: dict | None = None) -> float:
    """Proper decay length (mm) of the N (``options``: its ``mixing``; pure muon mixing by default)."""
    gamma = width_factor(m_n, options) * G_F**2 * m_n**5 * u2 / (96 * math.pi**3)
    if not majorana:
        gamma /= 2
    return HBARC_GEV_MM / gamma


def branching(m_n: float, options: dict) -> dict[int, float]:
    """N decay channels (codes of ``lepreint.events.generation.species``) and their branching ratios."""
    w: dict[int, float] = {}
    for a, frac in _mixing(options).items():
        for code, v in partial_widths(m_n, a).items():
            w[code] = w.get(code, 0.0) + frac * v
    tot = sum(w.values())
    return {c: v / tot for c, v in sorted(w.items())}


def check_request(params: dict, options: dict) -> None:
    """A c tau given with ``lifetime = computed`` would be recorded and not used, one given that is not positive
    would be used: both refused."""
    life = options.get("lifetime", "computed")
    if "ctau" in params and life == "computed":
        computed = ctau(params["mN"], params["U2"], bool(options.get("majorana", True)), options)
        raise LepreintError(
            f"ctau = {params['ctau']:g} mm is not used: with lifetime = computed the N's c tau follows from "
            f"(m_N, |U|^2) ({computed:.4g} mm here); drop --ctau, or impose it with --option lifetime=given"
        )
    if life == "given" and "ctau" in params and not params["ctau"] > 0:
        raise LepreintError(f"ctau must be > 0, got {params['ctau']:g} mm")


def _lifetime(params: dict, options: dict) -> float:
    if options.get("lifetime", "computed") == "given":
        if "ctau" not in params:
            raise LepreintError("lifetime 'given' needs the ctau parameter")
        return params["ctau"]
    if options.get("lifetime") != "computed":
        raise LepreintError(f"lifetime must be 'computed' or 'given', got {options.get('lifetime')!r}")
    return ctau(params["mN"], params["U2"], bool(options.get("majorana", True)), options)


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
        # the taus of W -> tau N, N -> tau W*, W* -> tau nu (left-handed) and N -> nu Z* -> tau tau (the Z's)
        **({"tau_polarisation": "chirality"} if options.get("tau_polarisation", "chirality") == "chirality" else {}),
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
    life = {u: ctau(mc, u, maj, options) for u in u2_axis}
    return [
        {
            "key": f"mN{mc:.6g}_U2{u:.6g}",
            "ctau": life[u],
            "scale": u / GENERATION_U2,
            "fields": {"mc": mc, "dm": None, "ctau_mm": life[u], "mN": mc, "U2": u},
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
