"""LLP decays of several species and kinds, in one flat structure for the slim-event assembly.

A model's ``llp_decay`` returns one decay specification (a dict) or a list of them, one per LLP species
(``pdg``, matched on |pdg|).  Each has a ``kind``:

``wstar``   chi+- -> chi0 l nu (or W* -> hadrons) through an off-shell W: ``lepreint.events.generation.decays``
            (the co-scattering mediator, the higgsino chi1+-).  One charged lepton, of the parent's sign.
``zstar``   chi2^0 -> chi1^0 Z*, Z* -> l+ l- (``branching`` keys 11, 13, 15), nu nu (12) or hadrons (0):
            the three-body matrix element of ``decays`` with the Z propagator and the Z's chiral
            couplings to the lepton pair (left- and right-handed currents add incoherently for
            massless leptons: the right-handed part is the left-handed one with l+ <-> l-, weight
            g_R^2 / (g_L^2 + g_R^2)).  Two charged leptons.
``hnl``     a heavy neutral lepton N (``lepreint.models.hnl``).  Pythia leaves the W undecayed (with its
            initial-state-radiation recoil); lepreint decays it, W -> l_a N (isotropic in the W rest
            frame, flavour a with probability |U_a|^2 / |U|^2, l+ for a W+, N-bar for a W-): the charged
            lepton is prompt (slot 3, not moved by a change of c tau), the N is the long-lived particle
            of the slim event (its pdg, mass and momentum replace the W's).  W and N polarisations are
            neglected.  Each decay's rate follows its event's W mass m_W* (the event weight times
            (1 - x)^2 (1 + x/2), x = m_N^2 / m_W*^2, over its on-shell value, which the cross section holds):
            near m_W the line shape's tails matter.  Where m_W* < m_N + m_l the decay cannot happen (weight
            0; the N takes the W's momentum).  Then the N decays: charged current N -> l_a W*, W* -> l_b nu
            or hadrons, and neutral current N -> nu_a Z*, Z* -> l l, nu nu, hadrons; channel codes
            ``100 a + mode`` (a = 1, 2, 3 for e, mu, tau; mode 11/13/15 = W* -> e/mu/tau nu,
            1 = W* -> hadrons, 51/53/55 = Z* -> ee/mumu/tautau, 52 = Z* -> nu nu, 50 = Z* -> hadrons).
            The N - l_a current is V-A with N in the parent slot (the muon-decay matrix element);
            Majorana N: each decay has either charge assignment with probability 1/2, Dirac N:
            N -> l_a^- (lepton number).

``twobody``  a scalar LLP -> charged lepton + an invisible particle (``lepton``: 11, 13 or 15; ``m_invisible``,
            0 for a gravitino), isotropic in the LLP's rest frame (a scalar's decay); the lepton of the
            parent's sign (a slepton, positive pdg, gives l-: positive pdg).  The GMSB slepton.  A tau's
            ``tau_chirality`` (+1 right-handed, -1 left-handed, 0 or absent: unpolarised) sets its decay.

Taus from any decay decay in turn (``decays.decay_taus``); the e or mu they give replaces them in
their slot (hadronic taus: visible system), produced at the tau's decay vertex.  ``tau_polarisation: chirality``
in a ``wstar``, ``zstar`` or ``hnl`` specification: each tau decays with the chirality of the current that made it
(a W's: left-handed; a Z's: left- or right-handed with the pair, as its couplings choose), exact for relativistic
taus; absent: unpolarised.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from lepreint.constants import M_E, M_MU, M_W, M_Z, SIN2_THETA_W
from lepreint.errors import LepreintError
from lepreint.events.generation.decays import (
    M_TAU,
    PURE_HIGGSINO,
    Couplings,
    _pstar,
    _random_rotation,
    boost,
    decay_llps,
    decay_positions,
    decay_taus,
    three_body_rest,
)

__all__ = ["SLOTS", "LLPDecays", "decay_species", "HNL_MODES"]

#: charged-lepton slots per LLP decay (the third for a prompt lepton produced with the LLP: W -> l N)
SLOTS = 3
LEPTON_MASSES = {11: M_E, 13: M_MU, 15: M_TAU}
#: Z couplings of a charged lepton: g_L = -1/2 + s_W^2, g_R = s_W^2
G_L, G_R = -0.5 + SIN2_THETA_W, SIN2_THETA_W
P_RIGHT = G_R**2 / (G_L**2 + G_R**2)
#: hnl modes (the last two digits of a channel code), see the module docstring
HNL_MODES = {
    11: "W*->e nu",
    13: "W*->mu nu",
    15: "W*->tau nu",
    1: "W*->hadrons",
    51: "Z*->ee",
    53: "Z*->mumu",
    55: "Z*->tautau",
    52: "Z*->nu nu",
    50: "Z*->hadrons",
}
FLAVOUR = {1: 11, 2: 13, 3: 15}


class LLPDecays(NamedTuple):
    """K decays of each of n LLPs, arrays (n, K, ...); momenta (E, px, py, pz) GeV, vertices (x, y, z mm, t ns)."""

    channel: np.ndarray  #: (n, K) int, the kind's channel code
    vertex: np.ndarray  #: (n, K, 4) decay vertex
    ctau: np.ndarray  #: (n, K) proper decay length drawn (mm)
    lep_pdg: np.ndarray  #: (n, K, SLOTS) signed pdg of each visible e or mu, 0 for an empty slot
    lep_p4: np.ndarray  #: (n, K, SLOTS, 4)
    lep_vtx: np.ndarray  #: (n, K, SLOTS, 4) production vertex (a tau's decay vertex for tau -> l)
    lep_prompt: np.ndarray  #: (n, K, SLOTS) bool: produced with the LLP, not in its decay (does not move with c tau)
    other: np.ndarray  #: (n, K, 4) other visible products, summed (W*/Z* hadrons, hadronic taus)
    invisible: np.ndarray  #: (n, K, 4) invisible products, summed
    llp_pdg: np.ndarray  #: (n, K) the long-lived particle of each copy (the input's, or the N of W -> l N)
    llp_p4: np.ndarray  #: (n, K, 4)
    llp_mass: np.ndarray  #: (n, K)
    #: (n, K) the copy's rate relative to the one its cross section assumes, a factor of its event's weight (1 but
    #: for W -> l N, whose rate follows the W's mass in the event)
    rate: np.ndarray


class _Flat:
    """Per-decay (n K) arrays being filled."""

    def __init__(self, nk: int, pdg, p4, mass, k: int):
        self.llp_pdg = np.repeat(pdg, k).astype(np.int64)
        self.llp_p4 = np.repeat(p4, k, axis=0).astype(float)
        self.llp_mass = np.repeat(mass, k).astype(float)
        self.lep_prompt = np.zeros((nk, SLOTS), bool)
        self.channel = np.zeros(nk, np.int64)
        self.vertex = np.zeros((nk, 4))
        self.ctau = np.zeros(nk)
        self.lep_pdg = np.zeros((nk, SLOTS), np.int64)
        self.lep_p4 = np.zeros((nk, SLOTS, 4))
        self.lep_vtx = np.zeros((nk, SLOTS, 4))
        self.other = np.zeros((nk, 4))
        self.invisible = np.zeros((nk, 4))
        #: chirality of a tau in the slot (+1 right-handed, -1 left-handed, 0 unpolarised): ``decay_taus``
        self.tau_chirality = np.zeros((nk, SLOTS))
        self.rate = np.ones(nk)


def _choose(rng, branching: dict, size: int) -> np.ndarray:
    chans = np.array(sorted(branching))
    probs = np.array([branching[c] for c in chans], dtype=float)
    if np.any(probs < 0) or not np.isclose(probs.sum(), 1.0, atol=1e-9):
        raise LepreintError(f"branching ratios must be non-negative and sum to 1, got {branching}")
    return rng.choice(chans, size=size, p=probs / probs.sum())


def _pair(rng, par, m_parent, m_daughter, m_a, m_b, couplings, m_boson, p_swap):
    """A three-body decay parent -> daughter + (a b) through a vector boson; a and b swapped with ``p_swap``."""
    tb = three_body_rest(rng, par.shape[0], m_parent, m_daughter, m_a, "V-A", couplings, m_boson, m_third=m_b)
    d, a, b = boost(tb.daughter, par), boost(tb.antilepton, par), boost(tb.neutrino, par)
    sw = np.zeros(par.shape[0], bool)
    if p_swap > 0:
        sw = rng.uniform(size=par.shape[0]) < p_swap
        a[sw], b[sw] = b[sw].copy(), a[sw].copy()
    return d, a, b, sw


def _chiral(spec) -> bool:
    """The specification's taus decay with their current's chirality (``tau_polarisation: chirality``)."""
    pol = spec.get("tau_polarisation", "none")
    if pol not in ("chirality", "none"):
        raise LepreintError(f"tau_polarisation must be 'chirality' or 'none', got {pol!r}")
    return pol == "chirality"


def _fill_pair(out: _Flat, r: np.ndarray, f: int, sign, a, b, vtx) -> None:
    """The first two lepton slots of decays ``r``: a lepton pair of flavour ``f`` from a neutral current, ``a`` the l+ of the
    decay (``sign`` = +1) or the l- of its conjugate (-1), ``b`` the other, both produced at ``vtx``."""
    out.lep_pdg[r, 0], out.lep_pdg[r, 1] = -sign * f, sign * f
    out.lep_p4[r, 0], out.lep_p4[r, 1] = a, b
    out.lep_vtx[r, 0] = out.lep_vtx[r, 1] = vtx


def _wstar(rng, spec, pdg, p4, origin, k, out: _Flat, rows: np.ndarray):
    d = decay_llps(
        rng,
        p4,
        spec["m_parent"],
        spec["m_daughter"],
        spec["ctau"],
        spec["branching"],
        k,
        spec.get("matrix_element", "V-A"),
        spec.get("couplings", Couplings(1.0, 1.0)),
        origin,
        -1.0 if _chiral(spec) else 0.0,
    )
    sign = np.repeat(-np.sign(pdg), k)  # chi+ -> l+ (negative pdg)
    out.channel[rows] = d.channel.reshape(-1)
    out.vertex[rows] = d.vertex.reshape(-1, 4)
    out.ctau[rows] = d.ctau.reshape(-1)
    vp = d.visible_pdg.reshape(-1)
    out.lep_pdg[rows, 0] = np.where(vp > 0, sign * vp, 0)
    out.lep_p4[rows, 0] = d.visible.reshape(-1, 4)
    out.lep_vtx[rows, 0] = d.visible_vertex.reshape(-1, 4)
    out.other[rows] = d.other_visible.reshape(-1, 4)
    out.invisible[rows] = d.invisible.reshape(-1, 4)
    return d


def _zstar(rng, spec, pdg, p4, origin, k, out: _Flat, rows: np.ndarray):
    M, m0 = spec["m_parent"], spec["m_daughter"]
    cpl = spec.get("couplings", PURE_HIGGSINO)
    parent = np.repeat(p4, k, axis=0)
    org = np.repeat(origin, k, axis=0)
    vtx, ct = decay_positions(rng, parent, M, spec["ctau"], org)
    ch = _choose(rng, spec["branching"], parent.shape[0])
    out.channel[rows], out.vertex[rows], out.ctau[rows] = ch, vtx, ct
    for c in np.unique(ch):
        sel = np.flatnonzero(ch == c)
        m_l = LEPTON_MASSES.get(int(c), 0.0)
        if M <= m0 + 2 * m_l:
            raise LepreintError(f"chi2^0 -> chi1^0 Z* -> {c}: closed for dm = {M - m0:g} GeV (give it branching 0)")
        d, a, b, sw = _pair(rng, parent[sel], M, m0, m_l, m_l, cpl, M_Z, P_RIGHT if c in (11, 13, 15) else 0.0)
        r = rows[sel]
        if c == 15 and _chiral(spec):  # the pair's current: left-handed, or right-handed where swapped
            out.tau_chirality[r, 0] = out.tau_chirality[r, 1] = np.where(sw, 1.0, -1.0)
        out.invisible[r] += d
        if c in (11, 13, 15):
            _fill_pair(out, r, int(c), 1, a, b, vtx[sel])  # a: l+, b: l-
        elif c == 12:
            out.invisible[r] += a + b
        elif c == 0:
            out.other[r] += a + b
        else:
            raise LepreintError(f"zstar channels are 11, 13, 15, 12 (nu nu) and 0 (hadrons), got {c}")


def _hnl(rng, spec, pdg, p4, origin, k, out: _Flat, rows: np.ndarray):

    M = spec["m_parent"]
    w = np.repeat(p4, k, axis=0)
    org = np.repeat(origin, k, axis=0)
    nk = w.shape[0]
    # W -> l_a N, isotropic in the W rest frame
    fl = _choose(rng, spec["production"], nk)
    m_l = np.array([LEPTON_MASSES[int(f)] for f in fl]) if nk else np.zeros(0)
    m_w = np.sqrt(np.maximum(w[:, 0] ** 2 - np.sum(w[:, 1:] ** 2, axis=1), 0.0))
    # the far low tail of the W line shape: no such decay (rate 0; the N takes the W's momentum)
    closed = m_w <= M + m_l
    # the rate of W -> l N at this event's W mass against the on-shell one the cross section holds,
    # (1 - x)^2 (1 + x / 2) with x = m_N^2 / m_W^2: near m_W the line shape's tails matter
    x_evt, x_on = (M / np.maximum(m_w, 1e-9)) ** 2, (M / M_W) ** 2
    out.rate[rows] = np.where(closed, 0.0, (1 - x_evt) ** 2 * (1 + x_evt / 2) / ((1 - x_on) ** 2 * (1 + x_on / 2)))
    pstar = np.where(closed, 0.0, _pstar(np.maximum(m_w, M + m_l + 1e-9), m_l, M))
    u = np.einsum("nij,j->ni", _random_rotation(rng, nk), np.array([0.0, 0.0, 1.0]))
    n_rest = np.column_stack([np.sqrt(pstar**2 + M**2), -pstar[:, None] * u])
    l_rest = np.column_stack([np.sqrt(pstar**2 + m_l**2), pstar[:, None] * u])
    n4, l4 = boost(n_rest, w), boost(l_rest, w)
    wsign = np.repeat(np.sign(pdg), k).astype(np.int64)  # W+ -> l+ N, W- -> l- N-bar
    out.lep_pdg[rows, 2] = -wsign * fl
    out.lep_p4[rows, 2] = l4
    out.lep_vtx[rows, 2] = org
    out.lep_prompt[rows, 2] = True
    chiral = _chiral(spec)
    if chiral:  # W -> tau N: a left-handed tau
        out.tau_chirality[rows, 2] = np.where(fl == 15, -1.0, 0.0)
    out.llp_pdg[rows] = wsign * spec["pdg_n"]
    out.llp_p4[rows] = n4
    out.llp_mass[rows] = M
    # the N's flight and decay
    vtx, ct = decay_positions(rng, n4, M, spec["ctau"], org)
    ch = _choose(rng, spec["branching"], nk)
    out.channel[rows], out.vertex[rows], out.ctau[rows] = ch, vtx, ct
    # the charge of l_a: Dirac N -> l_a^- (N-bar -> l_a^+); Majorana: either, with probability 1/2
    sign = wsign.copy()
    if spec.get("majorana", True):
        sign = np.where(rng.uniform(size=nk) < 0.5, 1, -1)
    for c in np.unique(ch):
        sel = np.flatnonzero(ch == c)
        a_fl, mode = FLAVOUR[int(c) // 100], int(c) % 100
        r, par, s = rows[sel], n4[sel], sign[sel]
        if mode in (11, 13, 15, 1):  # N -> l_a W*, the l_a in the daughter slot
            m_b = LEPTON_MASSES.get(mode, 0.0)
            la, lb, nu, _ = _pair(rng, par, M, LEPTON_MASSES[a_fl], m_b, 0.0, Couplings(1.0, 0.0), M_W, 0.0)
            out.lep_pdg[r, 0], out.lep_p4[r, 0], out.lep_vtx[r, 0] = s * a_fl, la, vtx[sel]
            if chiral:  # both charged currents are left-handed
                out.tau_chirality[r, 0] = -1.0 if a_fl == 15 else 0.0
                out.tau_chirality[r, 1] = -1.0 if mode == 15 else 0.0
            if mode == 1:
                out.other[r] += lb + nu
            else:
                out.lep_pdg[r, 1], out.lep_p4[r, 1], out.lep_vtx[r, 1] = -s * mode, lb, vtx[sel]
                out.invisible[r] += nu
        elif mode in (51, 53, 55, 52, 50):  # N -> nu_a Z*
            f = {51: 11, 53: 13, 55: 15}.get(mode, 0)
            m_f = LEPTON_MASSES.get(f, 0.0)
            nu, a, b, sw = _pair(rng, par, M, 0.0, m_f, m_f, Couplings(1.0, 0.0), M_Z, P_RIGHT if f else 0.0)
            out.invisible[r] += nu
            if f:  # N -> nu (l+ l-): l+ in the 'antilepton' slot; the conjugate decay swaps the charges
                _fill_pair(out, r, f, s, a, b, vtx[sel])
                if f == 15 and chiral:
                    out.tau_chirality[r, 0] = out.tau_chirality[r, 1] = np.where(sw, 1.0, -1.0)
            elif mode == 52:
                out.invisible[r] += a + b
            else:
                out.other[r] += a + b
        else:
            raise LepreintError(f"unknown hnl channel {c}")


def _twobody(rng, spec, pdg, p4, origin, k, out: _Flat, rows: np.ndarray):
    M, f = spec["m_parent"], int(spec["lepton"])
    if f not in LEPTON_MASSES:
        raise LepreintError(f"twobody decays give e, mu or tau (11, 13, 15), got {f}")
    m_l, m_x = LEPTON_MASSES[f], float(spec.get("m_invisible", 0.0))
    if M <= m_l + m_x:
        raise LepreintError(f"{M:g} GeV -> {f} + {m_x:g} GeV: closed")
    parent = np.repeat(p4, k, axis=0)
    org = np.repeat(origin, k, axis=0)
    vtx, ct = decay_positions(rng, parent, M, spec["ctau"], org)
    n = parent.shape[0]
    u = rng.normal(size=(n, 3))
    u /= np.linalg.norm(u, axis=1, keepdims=True)
    ps = _pstar(M, m_l, m_x)
    lep = boost(np.column_stack([np.full(n, np.hypot(ps, m_l)), ps * u]), parent)
    inv = boost(np.column_stack([np.full(n, np.hypot(ps, m_x)), -ps * u]), parent)
    out.channel[rows], out.vertex[rows], out.ctau[rows] = f, vtx, ct
    out.lep_pdg[rows, 0] = np.repeat(np.sign(pdg), k).astype(np.int64) * f
    out.lep_p4[rows, 0], out.lep_vtx[rows, 0] = lep, vtx
    out.tau_chirality[rows, 0] = float(spec.get("tau_chirality", 0.0)) if f == 15 else 0.0
    out.invisible[rows] += inv


KINDS = {"wstar": _wstar, "zstar": _zstar, "hnl": _hnl, "twobody": _twobody}


def _taus(rng, out: _Flat) -> None:
    """Decay the taus of every slot; their e or mu takes the slot (hadronic: visible system)."""
    for s in range(SLOTS):
        t = np.flatnonzero(np.abs(out.lep_pdg[:, s]) == 15)
        if t.size == 0:
            continue
        chir = out.tau_chirality[t, s]
        pdg, lep, oth, inv, tv = decay_taus(
            rng, out.lep_p4[t, s], out.lep_vtx[t, s], chir if np.any(chir != 0) else None
        )
        sign = np.sign(out.lep_pdg[t, s])
        out.lep_pdg[t, s] = np.where(pdg > 0, sign * pdg, 0)
        out.lep_p4[t, s] = np.where(pdg[:, None] > 0, lep, 0.0)
        out.lep_vtx[t, s] = tv
        out.other[t] += oth
        out.invisible[t] += inv


def decay_species(
    rng: np.random.Generator,
    specs,
    pdg: np.ndarray,
    p4: np.ndarray,
    origin: np.ndarray,
    k: int,
    mass: np.ndarray | None = None,
):
    """Decay n LLPs (signed ``pdg`` (n,), ``p4`` (n, 4) as (E, px, py, pz), ``origin`` (n, 4), ``mass``) ``k`` times each.

    ``specs``: one decay specification or a list (see the module docstring).  Returns (``LLPDecays``, the
    ``decays.DecayedLLP`` when the only species is a ``wstar`` one (for the HepMC writer), else None).
    """
    specs = [specs] if isinstance(specs, dict) else list(specs)
    n = pdg.size
    mass = np.sqrt(np.maximum(p4[:, 0] ** 2 - np.sum(p4[:, 1:] ** 2, axis=1), 0.0)) if mass is None else mass
    out = _Flat(n * k, pdg, p4, mass, k)
    done = np.zeros(n, bool)
    raw = None
    for spec in specs:
        kind = spec.get("kind", "wstar")
        if kind not in KINDS:
            raise LepreintError(f"unknown LLP decay kind {kind!r} (known: {', '.join(KINDS)})")
        sel = np.flatnonzero(np.abs(pdg) == spec["pdg"])
        done[sel] = True
        if sel.size == 0:
            continue
        rows = (sel[:, None] * k + np.arange(k)).reshape(-1)
        d = KINDS[kind](rng, spec, pdg[sel], p4[sel], origin[sel], k, out, rows)
        if kind == "wstar" and len(specs) == 1:
            raw = d
    if not np.all(done):
        raise LepreintError(f"long-lived particles without a decay: pdg {sorted(set(np.abs(pdg[~done]).tolist()))}")
    if any(s.get("kind", "wstar") != "wstar" for s in specs):
        _taus(rng, out)  # (wstar decays their taus themselves)
    shape = (n, k)
    return LLPDecays(
        out.channel.reshape(shape),
        out.vertex.reshape(*shape, 4),
        out.ctau.reshape(shape),
        out.lep_pdg.reshape(*shape, SLOTS),
        out.lep_p4.reshape(*shape, SLOTS, 4),
        out.lep_vtx.reshape(*shape, SLOTS, 4),
        out.lep_prompt.reshape(*shape, SLOTS),
        out.other.reshape(*shape, 4),
        out.invisible.reshape(*shape, 4),
        out.llp_pdg.reshape(shape),
        out.llp_p4.reshape(*shape, 4),
        out.llp_mass.reshape(shape),
        out.rate.reshape(shape),
    ), raw
