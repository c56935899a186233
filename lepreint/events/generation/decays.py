"""lepreint's own decays of long-lived charged mediators, vectorised in numpy.

chi+ -> chi0 l+ nu through an off-shell W (the paper's Eq. 2.8).  With the chi+ chi0 W vertex
chi0-bar gamma^mu (O_L P_L + O_R P_R) chi+ and the V-A lepton current, the spin-summed matrix
element squared for parent P (mass M), daughter p1 (mass m0), antilepton a (l+) and lepton b (nu) is

    |M|^2  ~  [ |O_L|^2 (P.a)(p1.b) + |O_R|^2 (P.b)(p1.a) - Re(O_L O_R^*) M m0 (a.b) ]  /  (q^2 - m_W^2)^2

with q = a + b.  Checks of the structure: with O_R = 0 it is muon decay, (P.a)(p1.b); in the
non-relativistic limit O_L = O_R gives the Fermi angular correlation 1 + cos(theta_ab) and
O_L = -O_R the Gamow-Teller 1 - cos(theta_ab)/3.  The default couplings are the pure-wino
(pure vector, O_L = O_R = 1) ones: a triplet-triplet-W coupling is vector-like, as in the paper's
co-scattering model.  ``matrix_element='flat'`` gives flat three-body phase space, which is what
Pythia's SLHA three-body decays do: it is used to validate this code against Pythia.

Kinematics: Dalitz-plot sampling (uniform in (m12^2, m23^2) is flat phase space), accept-reject on
|M|^2, a uniformly random orientation, a boost to the lab.  Decay vertices: proper decay length
c t ~ Exp(c tau), displacement (p / M) c t from the production vertex.

Units: GeV, mm, ns.  Every random function takes a ``numpy.random.Generator``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lepreint.constants import C_MM_PER_NS, M_E, M_MU, M_W
from lepreint.errors import LepreintError

__all__ = [
    "Couplings",
    "PURE_WINO",
    "PURE_HIGGSINO",
    "LEPTON_MASS",
    "ThreeBody",
    "three_body_rest",
    "boost",
    "decay_positions",
    "DecayedLLP",
    "decay_llps",
    "decay_taus",
    "M_TAU",
    "CTAU_TAU",
]

LEPTON_MASS = {11: M_E, 13: M_MU}


class Couplings(NamedTuple):
    """chi+ chi0 W couplings (O_L, O_R), real; only their ratio matters for kinematics."""

    o_l: float
    o_r: float


PURE_WINO = Couplings(1.0, 1.0)
#: pure higgsino chi1+ -> chi1^0 (and chi2^0 -> chi1^0 through the Z) with positive masses: O_L = O_R = 1/2.
#: The higgsino doublet is a Dirac fermion whose W and Z currents are vector; its neutral Majorana halves
#: (H_d -+ H_u)/sqrt 2 keep a vector coupling once both masses are taken positive (Haber-Kane with the
#: SLHA mixing of ``lepreint.models.higgsino``: O_L = -N14 V12 / sqrt 2 = 1/2, O_R = N13 U12 / sqrt 2 = 1/2).
PURE_HIGGSINO = Couplings(0.5, 0.5)


def _dot(a, b):
    return a[..., 0] * b[..., 0] - a[..., 1] * b[..., 1] - a[..., 2] * b[..., 2] - a[..., 3] * b[..., 3]


def _pstar(m, m1, m2):
    """Momentum of the daughters of a two-body split of mass m into m1 + m2."""
    arg = (m**2 - (m1 + m2) ** 2) * (m**2 - (m1 - m2) ** 2)
    return np.sqrt(np.maximum(arg, 0.0)) / (2 * m)


def _random_rotation(rng: np.random.Generator, n: int) -> np.ndarray:
    """n uniformly distributed rotation matrices (n, 3, 3), from random unit quaternions."""
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    w, x, y, z = q.T
    return np.stack(
        [
            np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
            np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
            np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
        ],
        -2,
    )


class ThreeBody(NamedTuple):
    """Four-momenta (E, px, py, pz) in GeV of the three daughters, shape (n, 4) each."""

    daughter: np.ndarray  #: chi0
    antilepton: np.ndarray  #: l+ (for chi+; the charge-conjugate for chi-)
    neutrino: np.ndarray


def _flat_dalitz(rng, n, M, m1, m2, m3):
    """Energies and momenta in the rest frame for n points flat in the Dalitz plot (1=chi0, 2=l, 3=nu)."""
    lo12, hi12 = (m1 + m2) ** 2, (M - m3) ** 2
    out_s12 = np.empty(0)
    out_s23 = np.empty(0)
    while out_s12.size < n:
        k = int(1.3 * (n - out_s12.size)) + 16
        s12 = rng.uniform(lo12, hi12, k)
        m12 = np.sqrt(s12)
        # limits on s23 at fixed s12 (PDG kinematics, Eq. 49.23)
        e2 = (s12 - m1**2 + m2**2) / (2 * m12)
        e3 = (M**2 - s12 - m3**2) / (2 * m12)
        p2 = np.sqrt(np.maximum(e2**2 - m2**2, 0))
        p3 = np.sqrt(np.maximum(e3**2 - m3**2, 0))
        s23_lo = (e2 + e3) ** 2 - (p2 + p3) ** 2
        s23_hi = (e2 + e3) ** 2 - (p2 - p3) ** 2
        glob_lo, glob_hi = (m2 + m3) ** 2, (M - m1) ** 2
        s23 = rng.uniform(glob_lo, glob_hi, k)
        ok = (s23 >= s23_lo) & (s23 <= s23_hi)
        out_s12 = np.concatenate([out_s12, s12[ok]])
        out_s23 = np.concatenate([out_s23, s23[ok]])
    return out_s12[:n], out_s23[:n]


def _build(rng, M, m1, m2, m3, s12, s23):
    n = s12.size
    s13 = M**2 + m1**2 + m2**2 + m3**2 - s12 - s23
    E1 = (M**2 + m1**2 - s23) / (2 * M)
    E2 = (M**2 + m2**2 - s13) / (2 * M)
    E3 = (M**2 + m3**2 - s12) / (2 * M)
    P1 = np.sqrt(np.maximum(E1**2 - m1**2, 0))
    P2 = np.sqrt(np.maximum(E2**2 - m2**2, 0))
    # angle between 1 and 2 from s12 = m1^2 + m2^2 + 2 (E1 E2 - P1 P2 cos)
    with np.errstate(divide="ignore", invalid="ignore"):
        c12 = np.where(P1 * P2 > 0, (m1**2 + m2**2 + 2 * E1 * E2 - s12) / (2 * P1 * P2), 1.0)
    c12 = np.clip(c12, -1, 1)
    s12n = np.sqrt(1 - c12**2)
    v1 = np.stack([np.zeros(n), np.zeros(n), P1], -1)
    v2 = np.stack([P2 * s12n, np.zeros(n), P2 * c12], -1)
    v3 = -(v1 + v2)
    R = _random_rotation(rng, n)
    v1, v2, v3 = (np.einsum("nij,nj->ni", R, v) for v in (v1, v2, v3))
    return (
        np.column_stack([E1, v1]),
        np.column_stack([E2, v2]),
        np.column_stack([E3, v3]),
    )


def _me2(M, m1, m2, s12, s23, c: Couplings, m_w, m3=0.0):
    """|M|^2 of the module docstring from the Dalitz invariants alone (1 = chi0, 2 = l+, 3 = nu):
    it is rotation invariant, so candidates are weighted before momenta are built.  A massive third body
    (``m3``, e.g. the l- of Z* -> l+ l-) adds no term for a purely chiral current: the m2 m3 term of the
    lepton trace is projected out."""
    s13 = M**2 + m1**2 + m2**2 + m3**2 - s12 - s23
    P_a = 0.5 * (M**2 + m2**2 - s13)
    P_b = 0.5 * (M**2 + m3**2 - s12)
    p1_b = 0.5 * (s13 - m1**2 - m3**2)
    p1_a = 0.5 * (s12 - m1**2 - m2**2)
    a_b = 0.5 * (s23 - m2**2 - m3**2)
    num = c.o_l**2 * P_a * p1_b + c.o_r**2 * P_b * p1_a - c.o_l * c.o_r * M * m1 * a_b
    return num / (s23 - m_w**2) ** 2


def three_body_rest(
    rng: np.random.Generator,
    n: int,
    m_parent: float,
    m_daughter: float,
    m_lepton: float = 0.0,
    matrix_element: str = "V-A",
    couplings: Couplings = PURE_WINO,
    m_w: float = M_W,
    m_third: float = 0.0,
) -> ThreeBody:
    """n decays chi+ -> chi0 l+ nu in the parent rest frame.

    ``matrix_element``: 'V-A' (the |M|^2 of the module docstring) or 'flat' (phase space only);
    ``m_w``: the mass in the propagator of the (a, b) pair (m_Z for a neutral current); ``m_third``: the
    mass of the ``neutrino`` slot (0 for a neutrino; the lepton mass for Z* -> l+ l-).
    Unweighted events: accept-reject on |M|^2 with a maximum estimated on a large pre-sample
    (times 1.2; the sampler raises if an accepted weight ever exceeds it).
    """
    if not m_parent > m_daughter + m_lepton + m_third:
        raise LepreintError(f"decay closed: M = {m_parent} GeV <= m0 + m_l = {m_daughter + m_lepton + m_third} GeV")
    if matrix_element not in ("V-A", "flat"):
        raise LepreintError(f"matrix_element must be 'V-A' or 'flat', got {matrix_element!r}")
    M, m1, m2, m3 = m_parent, m_daughter, m_lepton, float(m_third)
    if matrix_element == "flat":
        s12, s23 = _flat_dalitz(rng, n, M, m1, m2, m3)
        return ThreeBody(*_build(rng, M, m1, m2, m3, s12, s23))
    wmax = _wmax(M, m1, m2, couplings, m_w, m3)
    if not (np.isfinite(wmax) and wmax > 0):  # couplings O_L = O_R = 0: a matrix element zero everywhere
        raise LepreintError(f"three-body decay with couplings {list(couplings)}: its matrix element is zero")
    parts: list[tuple[np.ndarray, ...]] = []
    have = 0
    while have < n:
        k = int(2.5 * (n - have)) + 64
        s12, s23 = _flat_dalitz(rng, k, M, m1, m2, m3)
        w = _me2(M, m1, m2, s12, s23, couplings, m_w, m3)
        if np.any(w > wmax):
            raise RuntimeError("three-body sampler: weight above the estimated maximum")
        keep = rng.uniform(0, wmax, k) < w
        parts.append((s12[keep], s23[keep]))
        have += int(keep.sum())
    s12, s23 = (np.concatenate([p[i] for p in parts])[:n] for i in range(2))
    return ThreeBody(*_build(rng, M, m1, m2, m3, s12, s23))


_WMAX_CACHE: dict = {}


def _wmax(M, m1, m2, c, m_w, m3=0.0):
    key = (M, m1, m2, c, m_w, m3)
    if key not in _WMAX_CACHE:
        rng = np.random.default_rng(12345)  # fixed: the bound must not depend on the caller's stream
        s12, s23 = _flat_dalitz(rng, 200_000, M, m1, m2, m3)
        _WMAX_CACHE[key] = 1.2 * float(np.max(_me2(M, m1, m2, s12, s23, c, m_w, m3)))
    return _WMAX_CACHE[key]


def boost(p: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Boost four-momenta ``p`` (n, 4) from the rest frame of ``parent`` (n, 4) to the lab."""
    m = np.sqrt(np.maximum(_dot(parent, parent), 0.0))
    beta = parent[:, 1:] / parent[:, :1]
    b2 = np.sum(beta**2, axis=1)
    gamma = parent[:, 0] / m
    bp = np.sum(beta * p[:, 1:], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        g2 = np.where(b2 > 0, (gamma - 1) / b2, 0.0)
    E = gamma * (p[:, 0] + bp)
    vec = p[:, 1:] + (g2 * bp + gamma * p[:, 0])[:, None] * beta
    return np.column_stack([E, vec])


def decay_positions(rng: np.random.Generator, p: np.ndarray, mass: float, ctau: float, origin=None):
    """Decay vertices of particles with four-momenta ``p`` (n, 4), GeV, and proper decay length ``ctau`` (mm).

    Returns (vertex (n, 4) as (x, y, z, t) in mm and ns, proper decay length c t (n,) in mm).
    """
    n = p.shape[0]
    ct = rng.exponential(ctau, n)
    disp = p[:, 1:] / mass * ct[:, None]  # beta gamma c t
    t = p[:, 0] / mass * ct / C_MM_PER_NS  # gamma t
    origin = np.zeros((n, 4)) if origin is None else np.asarray(origin, dtype=float)
    vtx = origin + np.column_stack([disp, t])
    return vtx, ct


M_TAU = 1.77686
#: c tau of the tau lepton (mm), PDG
CTAU_TAU = 0.08703
#: tau -> e nu nu, tau -> mu nu nu (PDG); the rest is hadronic
TAU_BRANCHING = {11: 0.1782, 13: 0.1739}
#: mass of the visible system of a hadronic tau decay, treated as one two-body tau -> nu X (rho-like)
TAU_HADRONIC_MASS = 0.775


class DecayedLLP(NamedTuple):
    """K decays of each of n LLPs: arrays of shape (n, K, ...).  Momenta (E, px, py, pz) in GeV."""

    channel: np.ndarray  #: int, |pdg| of the W*'s charged lepton (11, 13, 15), 0 for a non-leptonic decay
    lepton: np.ndarray  #: (n, K, 4) the W*'s charged lepton (e, mu or tau); zero for non-leptonic
    neutrino: np.ndarray  #: (n, K, 4) its neutrino; for non-leptonic decays the W* system
    daughter: np.ndarray  #: (n, K, 4) chi0
    vertex: np.ndarray  #: (n, K, 4) decay vertex (x, y, z mm; t ns)
    ctau: np.ndarray  #: (n, K) proper decay length drawn (mm)
    visible_pdg: np.ndarray  #: (n, K) |pdg| of the visible e or mu (direct or from the tau), 0 if none
    visible: np.ndarray  #: (n, K, 4) that e or mu
    visible_vertex: np.ndarray  #: (n, K, 4) its production vertex (the tau's decay vertex for tau -> l)
    other_visible: np.ndarray  #: (n, K, 4) other visible products (W* system, hadronic tau), summed
    invisible: np.ndarray  #: (n, K, 4) all invisible products (chi0 and neutrinos), summed


#: reverses a four-momentum's three-momentum
_REVERSE = np.array([1.0, -1.0, -1.0, -1.0])


def _polarisation_flips(rng, chirality: np.ndarray, l_rest: np.ndarray, tau_lab: np.ndarray) -> np.ndarray:
    """Which unpolarised leptonic tau decays to reverse (``decay_taus``): with probability max(0, chirality a(x) c)."""
    x = 2.0 * l_rest[:, 0] / M_TAU
    p = np.linalg.norm(l_rest[:, 1:], axis=1)
    axis = tau_lab[:, 1:] / np.maximum(np.linalg.norm(tau_lab[:, 1:], axis=1), 1e-300)[:, None]
    c = np.einsum("ij,ij->i", l_rest[:, 1:], axis) / np.maximum(p, 1e-300)
    a = (2.0 * x - 1.0) / (3.0 - 2.0 * x)
    u = rng.uniform(size=x.size)
    return u < np.clip(chirality * a * c, 0.0, 1.0)


def decay_taus(rng: np.random.Generator, tau_p4: np.ndarray, origin: np.ndarray, chirality: np.ndarray | None = None):
    """Decay taus (lab four-momenta (n, 4)) produced at ``origin`` (n, 4).

    Leptonic modes with the V-A (muon-decay) matrix element and the charged lepton's mass.  ``chirality`` (n,):
    the taus' chirality as +1 (right-handed: tau- of helicity +1, or its CP conjugate, tau+ of helicity -1), -1
    (left-handed) or 0 (unpolarised; all of them without the argument).  In the tau's rest frame the charged
    lepton's distribution in its energy fraction x = 2E/m_tau and the cosine c of its angle to the tau's flight
    direction is then  x^2 [(3 - 2x) - chirality c (2x - 1)]  (Michel, V-A; the l- of a tau- is emitted against
    the tau's spin, the l+ of a tau+ along it): right-handed taus give softer leptons in the lab, left-handed
    harder.  Drawn from the unpolarised decay by reversing every daughter's rest-frame momentum (a decay of the
    same x, opposite c) with probability max(0, chirality a(x) c), a(x) = (2x - 1)/(3 - 2x), which turns the
    isotropic density into 1 - chirality a(x) c exactly.  Hadronic modes: one visible system of mass
    ``TAU_HADRONIC_MASS`` recoiling against nu_tau, isotropic (their polarisation is not modelled).
    Returns (pdg of the charged lepton or 0, its four-momentum, the other visible four-momentum,
    the invisible four-momentum, the decay vertex).
    """
    n = tau_p4.shape[0]
    pdg = rng.choice([11, 13, 0], size=n, p=[TAU_BRANCHING[11], TAU_BRANCHING[13], 1 - sum(TAU_BRANCHING.values())])
    lep = np.zeros((n, 4))
    other = np.zeros((n, 4))
    inv = np.zeros((n, 4))
    for l_pdg in (11, 13):
        sel = np.flatnonzero(pdg == l_pdg)
        if sel.size == 0:
            continue
        # tau- -> nu_tau l- nu_l-bar: |M|^2 ~ (p_tau . p_nubar_l)(p_l . p_nu_tau), the muon-decay matrix
        # element of the module docstring with O_R = 0 when the charged lepton takes the (massive)
        # daughter slot, nu_l-bar the 'antilepton' slot (paired with the parent) and nu_tau the last one
        # (the W propagator of three_body_rest would sit on the wrong pair here: Fermi limit, m_W -> inf,
        # exact to O(m_tau^2 / m_W^2) = 5e-4)
        tb = three_body_rest(rng, sel.size, M_TAU, LEPTON_MASS[l_pdg], 0.0, "V-A", Couplings(1.0, 0.0), m_w=1e6)
        par = tau_p4[sel]
        l_rest, nu_rest = tb.daughter, tb.antilepton + tb.neutrino
        if chirality is not None:
            flip = _polarisation_flips(rng, np.asarray(chirality, float)[sel], l_rest, par)
            l_rest = np.where(flip[:, None], l_rest * _REVERSE, l_rest)
            nu_rest = np.where(flip[:, None], nu_rest * _REVERSE, nu_rest)
        lep[sel] = boost(l_rest, par)
        inv[sel] = boost(nu_rest, par)
    had = np.flatnonzero(pdg == 0)
    if had.size:
        p = _pstar(M_TAU, TAU_HADRONIC_MASS, 0.0)
        u = rng.normal(size=(had.size, 3))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        x = np.column_stack([np.full(had.size, np.sqrt(p**2 + TAU_HADRONIC_MASS**2)), p * u])
        nu = np.column_stack([np.full(had.size, p), -p * u])
        other[had] = boost(x, tau_p4[had])
        inv[had] = boost(nu, tau_p4[had])
    vtx, _ = decay_positions(rng, tau_p4, M_TAU, CTAU_TAU, origin)
    return pdg, lep, other, inv, vtx


def decay_llps(
    rng: np.random.Generator,
    llp_p4: np.ndarray,
    m_parent: float,
    m_daughter: float,
    ctau: float,
    branching: dict[int, float],
    k: int = 1,
    matrix_element: str = "V-A",
    couplings: Couplings = PURE_WINO,
    origin: np.ndarray | None = None,
    tau_chirality: float = 0.0,
) -> DecayedLLP:
    """Decay each LLP (four-momenta ``llp_p4`` (n, 4), GeV) ``k`` times.

    ``branching``: {11: B_e, 13: B_mu, 15: B_tau, 0: rest}; the rest (W* -> quarks, pion modes) is
    channel 0: no charged lepton, the W* system kept as one visible object.  Taus decay in turn
    (``decay_taus``).  Each copy has its own channel, decay kinematics and decay vertex; copies are
    meant to carry weight 1/k.
    """
    llp_p4 = np.asarray(llp_p4, dtype=float)
    n = llp_p4.shape[0]
    total = sum(branching.values())
    if not np.isclose(total, 1.0, atol=1e-9) or any(v < 0 for v in branching.values()):
        raise LepreintError(f"branching ratios must be non-negative and sum to 1, got {branching}")
    if set(branching) - {0, 11, 13, 15}:
        raise LepreintError(f"decay channels are 11, 13, 15 and 0 (other), got {sorted(branching)}")
    chans = np.array(sorted(branching))
    probs = np.array([branching[c] for c in chans])
    channel = rng.choice(chans, size=(n, k), p=probs)
    parent = np.repeat(llp_p4, k, axis=0)
    flat_channel = channel.reshape(-1)
    nk = n * k
    lep, nu, dau, other = (np.zeros((nk, 4)) for _ in range(4))
    for c in chans:
        sel = np.flatnonzero(flat_channel == c)
        if sel.size == 0:
            continue
        m_l = {11: M_E, 13: M_MU, 15: M_TAU}.get(int(c), 0.0)
        tb = three_body_rest(rng, sel.size, m_parent, m_daughter, m_l, matrix_element, couplings)
        par = parent[sel]
        dau[sel] = boost(tb.daughter, par)
        if c != 0:
            lep[sel] = boost(tb.antilepton, par)
            nu[sel] = boost(tb.neutrino, par)
        else:  # non-leptonic: the W* system, kept as one object in the neutrino slot
            nu[sel] = boost(tb.antilepton + tb.neutrino, par)
    org = None if origin is None else np.repeat(np.asarray(origin, dtype=float), k, axis=0)
    vtx, ct = decay_positions(rng, parent, m_parent, ctau, org)

    vis_pdg = np.where((flat_channel == 11) | (flat_channel == 13), flat_channel, 0)
    vis = np.where(vis_pdg[:, None] > 0, lep, 0.0)
    vis_vtx = vtx.copy()
    inv = dau + np.where((flat_channel != 0)[:, None], nu, 0.0)
    other = np.where((flat_channel == 0)[:, None], nu, 0.0)
    taus = np.flatnonzero(flat_channel == 15)
    if taus.size:
        # a W* gives left-handed taus (tau_chirality -1; 0: unpolarised)
        chir = np.full(taus.size, float(tau_chirality)) if tau_chirality else None
        t_pdg, t_lep, t_other, t_inv, t_vtx = decay_taus(rng, lep[taus], vtx[taus], chir)
        vis_pdg[taus] = t_pdg
        vis[taus] = t_lep
        vis_vtx[taus] = t_vtx
        other[taus] = t_other
        inv[taus] = dau[taus] + nu[taus] + t_inv
    shape = (n, k)
    return DecayedLLP(
        channel,
        lep.reshape(*shape, 4),
        nu.reshape(*shape, 4),
        dau.reshape(*shape, 4),
        vtx.reshape(*shape, 4),
        ct.reshape(shape),
        vis_pdg.reshape(shape),
        vis.reshape(*shape, 4),
        vis_vtx.reshape(*shape, 4),
        other.reshape(*shape, 4),
        inv.reshape(*shape, 4),
    )
