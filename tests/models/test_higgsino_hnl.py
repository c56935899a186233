"""Compressed higgsinos and heavy neutral leptons: cross sections, lifetimes, branching ratios, generated events."""

import math

import awkward as ak
import numpy as np
import pytest

from lepreint.errors import LepreintError
from lepreint.events.generation.engine import GenerationRequest, generate
from lepreint.events.generation.pythia import ShowerOptions
from lepreint.models import higgsino, hnl
from lepreint.models.xsec import xsec


def _flat(a, k):
    return ak.to_numpy(ak.flatten(a[k]))


# ---------------------------------------------------------------- higgsino
@pytest.mark.parametrize("dm", [0.2, 0.5, 1.0, 3.0, 10.0])
@pytest.mark.parametrize("w_br", ["virtual_boson", "widths"])
def test_higgsino_branching_ratios_sum_to_one(dm, w_br):
    opts = {**higgsino.DEFAULT_OPTIONS, "w_br": w_br}
    for br in (higgsino.chargino_branching(dm, opts), higgsino.neutralino_branching(2 * dm, opts)):
        assert sum(br.values()) == pytest.approx(1.0, abs=1e-12) and min(br.values()) >= 0
    nb = higgsino.neutralino_branching(2 * dm, opts)
    assert nb[11] == pytest.approx(0.05) and nb.get(13, 0) == (pytest.approx(0.05) if 2 * dm > 0.212 else 0)


def test_higgsino_cross_section_is_the_sum_of_the_tables():
    for ecm, sqrt_s in ((13000.0, 13.0), (13600.0, 13.6)):
        total, src = higgsino.cross_section({"mc": 150.0, "dm": 1.0}, ecm)
        parts = (
            xsec("higgsino-c1c1", 150, sqrt_s).xsec_fb
            + 2 * xsec("higgsino-nc1", 150, sqrt_s).xsec_fb
            + xsec("higgsino-n1n2", 150, sqrt_s).xsec_fb
        )
        assert total == pytest.approx(parts, rel=1e-12) and "higgsino-n1n2" in src


def test_higgsino_lifetimes():
    # the wino normalisation (factor 1) gives the reference's check: dm = 164 MeV, c tau ~ 6 cm
    wino = sum(higgsino.chargino_widths(0.164, factor=1.0).values())
    assert 40 < 1.973269804e-13 / wino < 80
    # the chargino decays more slowly than chi2^0 (dm0 = 2 dm), both fall steeply with dm
    c1, n1 = higgsino.lifetimes({"mc": 150.0, "dm": 0.5}, higgsino.DEFAULT_OPTIONS)
    c2, n2 = higgsino.lifetimes({"mc": 150.0, "dm": 1.0}, higgsino.DEFAULT_OPTIONS)
    assert c1 > n1 and c2 > n2 and c1 / c2 > 10
    given = higgsino.lifetimes(
        {"mc": 150.0, "dm": 1.0, "ctau": 50.0}, {**higgsino.DEFAULT_OPTIONS, "lifetime": "given"}
    )
    assert given[0] == 50.0 and given[1] == pytest.approx(50.0 * n2 / c2)
    with pytest.raises(LepreintError, match="pion"):
        higgsino.check_parameters({"mc": 150.0, "dm": 0.1})


def test_higgsino_events():
    s = generate(
        GenerationRequest(
            "higgsino", {"mc": 150.0, "dm": 15.0}, 300, 3, 5, {}, ShowerOptions(mpi=False), chunk_size=300
        )
    )
    ev = s.events
    pdg = _flat(ev.llps, "pdg")
    assert set(np.abs(pdg)) == {1000024, 1000023}  # chi1+- and chi2^0 both decayed by lepreint
    # chi2^0 -> chi1^0 l+ l-: opposite-charge same-flavour pairs from the same vertex, m_ll < dm0 = 30 GeV
    n2 = ev.llps.pdg == 1000023
    mode = ev.llps.mode
    lep = ev.leptons
    rows = np.flatnonzero(ak.to_numpy(ak.any(n2 & ((mode == 11) | (mode == 13)), axis=1)))
    checked = 0
    for r in rows[:50]:
        i = int(np.flatnonzero(ak.to_numpy(n2[r] & ((mode[r] == 11) | (mode[r] == 13))))[0])
        ll = lep[r][lep[r].llp == i]
        if len(ll) == 2:  # both above the slim events' lepton threshold
            assert ll.pdg[0] == -ll.pdg[1] and ll.vx[0] == ll.vx[1]
            p = sum(np.array([ll.e[j], ll.px[j], ll.py[j], ll.pz[j]]) for j in range(2))
            assert np.sqrt(max(p[0] ** 2 - p[1] ** 2 - p[2] ** 2 - p[3] ** 2, 0)) < 30.0
            checked += 1
    assert checked > 5
    assert s.meta["xsec_fb"] == pytest.approx(higgsino.cross_section({"mc": 150.0, "dm": 15.0}, 13000.0)[0])
    assert isinstance(s.meta["llp_decay"], list) and s.meta["llp_decay"][1]["kind"] == "zstar"


# ---------------------------------------------------------------- heavy neutral leptons
def test_hnl_ctau_scales_as_one_over_u2_m5():
    for m, ref in ((5, 134.0), (10, 3.70), (15, 0.468), (20, 0.109)):  # reference/physics_constants.md
        assert hnl.ctau(m, 1e-6) == pytest.approx(ref, rel=0.01)
    assert hnl.ctau(10, 1e-5) == pytest.approx(hnl.ctau(10, 1e-6) / 10, rel=1e-12)
    # at fixed a(m): c tau m^5 a(m) is constant
    assert hnl.ctau(10, 1e-6) * 10**5 * hnl.width_factor(10) == pytest.approx(
        hnl.ctau(20, 1e-6) * 20**5 * hnl.width_factor(20), rel=1e-12
    )
    assert hnl.ctau(10, 1e-6, majorana=False) == pytest.approx(2 * hnl.ctau(10, 1e-6))


@pytest.mark.parametrize("m", [3.0, 10.0, 20.0, 40.0])
def test_hnl_branching_ratios(m):
    for mixing in ({"mu": 1.0}, {"e": 1.0, "mu": 1.0}, {"tau": 1.0}):
        br = hnl.branching(m, {"mixing": mixing})
        assert sum(br.values()) == pytest.approx(1.0, abs=1e-12) and min(br.values()) > 0


#: Bondarenko et al. (arXiv:1805.08567): the total width of a Majorana N mixing with e or mu, in units of
#: G_F^2 m^5 |U|^2 / (96 pi^3), at 5, 10, 15, 20 and 30 GeV
BONDARENKO_A = {5.0: 10.27, 10.0: 11.67, 15.0: 12.14, 20.0: 12.39, 30.0: 12.60}


@pytest.mark.parametrize("flavour", ["e", "mu"])
def test_hnl_partial_widths_sum_to_the_published_total_width(flavour):
    for m, a in BONDARENKO_A.items():
        assert hnl.width_factor(m, {"mixing": {flavour: 1.0}}) == pytest.approx(a, rel=0.005)


def test_hnl_tau_mixing_has_its_own_width_and_its_dilepton_channels():
    """Mixing with tau: every charged-current channel holds a tau, so the width is smaller (c tau longer) where the
    tau's mass matters; below the tau mass the neutral currents nu_tau e e and nu_tau mu mu remain."""
    tau, mu = {"mixing": {"tau": 1.0}}, {"mixing": {"mu": 1.0}}
    for m, lo, hi in ((5.0, 1.6, 1.9), (10.0, 1.1, 1.25), (30.0, 1.0, 1.05)):
        assert lo < hnl.ctau(m, 1e-6, options=tau) / hnl.ctau(m, 1e-6, options=mu) < hi
    br = hnl.branching(1.0, tau)
    assert br[351] > 0.04 and br[353] > 0.04  # nu_tau e e, nu_tau mu mu
    assert not any(c in br for c in (311, 313, 301))  # tau + anything: closed
    assert hnl.branching(1.0, {"mixing": {"e": 1.0, "tau": 1.0}}) != hnl.branching(1.0, tau)


def test_hnl_phase_space_factors():
    from lepreint.constants import SIN2_THETA_W as s2

    assert hnl.phase_space(0.0, 0.0, 0.0) == 1.0
    # one massive final state: 1 - 8 x^2 + 8 x^6 - x^8 - 24 x^4 ln x, in any slot
    x = 0.3
    ref = 1 - 8 * x**2 + 8 * x**6 - x**8 - 24 * x**4 * math.log(x)
    for args in ((x, 0, 0), (0, x, 0), (0, 0, x)):
        assert hnl.phase_space(*args) == pytest.approx(ref, rel=1e-8)
    assert hnl.phase_space(0.6, 0.5, 0.0) == 0.0
    # the neutral current: C1 for a massless fermion, nothing at threshold
    g_l, g_r = -0.5 + s2, s2
    assert hnl.neutral_current(0.0, g_l, g_r) == pytest.approx(g_l**2 + g_r**2)
    assert hnl.neutral_current(0.4999999, g_l, g_r) == pytest.approx(0.0, abs=1e-6)
    assert 0 < hnl.neutral_current(0.2, g_l, g_r) < g_l**2 + g_r**2
    assert hnl.alpha_s(91.1876) == pytest.approx(0.118, rel=1e-3) and 0.17 < hnl.alpha_s(10.0) < 0.19


def test_hnl_branching_ratios_near_the_tau_threshold():
    """At 5 GeV (mu mixing) the channels with a tau are suppressed by their phase space, not counted as massless:
    N -> mu e nu and mu mu nu as in Bondarenko et al. (9.7% and 5.7%)."""
    br = hnl.branching(5.0, {"mixing": {"mu": 1.0}})
    assert br[211] == pytest.approx(0.0972, rel=0.02) and br[213] == pytest.approx(0.0570, rel=0.02)
    assert br[255] < 0.001


def test_hnl_cross_section():
    x = 10.0**2 / 80.3692**2
    s, _ = hnl.cross_section({"mN": 10.0, "U2": 1e-6}, 13000.0)
    assert s == pytest.approx(20.62e6 * 1e-6 * (1 - x) ** 2 * (1 + x / 2), rel=1e-9)
    with pytest.raises(LepreintError, match="m_W"):
        hnl.check_parameters({"mN": 85.0, "U2": 1e-6})


def test_hnl_events():
    s = generate(
        GenerationRequest(
            "hnl",
            {"mN": 10.0, "U2": 1e-6},
            300,
            2,
            10,
            {"mixing": {"e": 1, "mu": 1}},
            ShowerOptions(mpi=False),
            chunk_size=300,
        )
    )
    ev = s.events
    assert set(np.abs(_flat(ev.llps, "pdg"))) == {9900012}
    assert np.allclose(_flat(ev.llps, "mass"), 10.0)
    ct = _flat(ev.llps, "ctau")
    assert ct.mean() == pytest.approx(hnl.ctau(10.0, 1e-6), rel=4 / np.sqrt(ct.size))
    # the W's lepton is prompt (not linked, at the W vertex); the N's are linked and displaced together
    lep = ev.leptons
    linked = _flat(lep, "llp") >= 0
    r = np.hypot(_flat(lep, "vx"), _flat(lep, "vy"))
    assert np.median(r[~linked]) < 1e-3 and np.median(r[linked]) > 0.1
    assert np.count_nonzero(linked) > 0.5 * len(ev)
    # N daughters: invariant mass of two linked leptons of one row below m_N
    two = ak.to_numpy(ak.sum(lep.llp >= 0, axis=1)) == 2
    ll = lep[two][lep[two].llp >= 0]
    e, px, py, pz = (ak.to_numpy(ak.sum(ll[k], axis=1)) for k in ("e", "px", "py", "pz"))
    assert np.all(np.sqrt(np.maximum(e**2 - px**2 - py**2 - pz**2, 0)) < 10.0 + 1e-6)


def test_a_higgsino_ctau_that_would_not_be_used_is_refused():
    """With lifetime = computed the chargino's c tau follows from dm: a ctau parameter would be recorded in the
    sample and not used.  With lifetime = given it is used."""
    from lepreint.errors import LepreintError
    from lepreint.events.generation.engine import GenerationRequest

    with pytest.raises(LepreintError, match=r"ctau = 10 mm is not used: .* follows from dm \(0\.27\d mm here\)"):
        GenerationRequest("higgsino", {"mc": 200.0, "dm": 1.0, "ctau": 10.0}, 10)
    given = GenerationRequest("higgsino", {"mc": 200.0, "dm": 1.0, "ctau": 10.0}, 10, options={"lifetime": "given"})
    assert given.parameters["ctau"] == 10.0


def test_taus_of_w_currents_decay_left_handed():
    """A W's tau is left-handed: its e or mu carries 0.40 of its energy on average (V-A, collinear limit: 7/20 +
    1/20), against 0.35 unpolarised; the prompt tau of W -> tau N at rest has a fixed energy.  The chargino's W*
    taus (higgsino) likewise."""
    from lepreint.events.generation.species import decay_species

    spec = hnl.llp_decay({"mN": 10.0, "U2": 1e-6}, {**hnl.DEFAULT_OPTIONS, "mixing": {"e": 0, "mu": 0, "tau": 1}})
    assert spec["tau_polarisation"] == "chirality"
    e_tau = (80.3692**2 + 1.77686**2 - 10.0**2) / (2 * 80.3692)
    m = 20000
    frac = {}
    for pol in ("chirality", "none"):
        d, _ = decay_species(
            np.random.default_rng(1), {**spec, "tau_polarisation": pol}, np.full(m, 24),
            np.tile([80.3692, 0, 0, 0], (m, 1)), np.zeros((m, 4)), 1,
        )  # fmt: skip
        pdg, e = d.lep_pdg[..., 2].reshape(-1), d.lep_p4[..., 2, 0].reshape(-1)
        light = (np.abs(pdg) == 11) | (np.abs(pdg) == 13)
        frac[pol] = float(np.mean(e[light] / e_tau))
    assert frac["chirality"] == pytest.approx(0.40, abs=0.008) and frac["none"] == pytest.approx(0.35, abs=0.008)

    c1 = higgsino.llp_decay({"mc": 200.0, "dm": 20.0}, {**higgsino.DEFAULT_OPTIONS, "dm0_ratio": 1.5})[0]
    assert c1["kind"] == "wstar" and c1["tau_polarisation"] == "chirality"
    mean = {}
    for pol in ("chirality", "none"):
        s = {**c1, "branching": {15: 1.0}, "tau_polarisation": pol}
        d, _ = decay_species(
            np.random.default_rng(2), s, np.full(m, 1000024), np.tile([200.0, 0, 0, 0], (m, 1)), np.zeros((m, 4)), 1
        )
        pdg, e = d.lep_pdg[..., 0].reshape(-1), d.lep_p4[..., 0, 0].reshape(-1)
        mean[pol] = float(np.mean(e[(np.abs(pdg) == 11) | (np.abs(pdg) == 13)]))
    assert mean["chirality"] / mean["none"] > 1.08
    # the model option: unpolarised on request, and its words checked
    off = {**hnl.DEFAULT_OPTIONS, "tau_polarisation": "none"}
    assert "tau_polarisation" not in hnl.llp_decay({"mN": 10.0, "U2": 1e-6}, off)
    with pytest.raises(LepreintError, match="tau_polarisation"):
        GenerationRequest("higgsino", {"mc": 200.0, "dm": 1.0}, events=10, options={"tau_polarisation": "chiral"})


def test_w_to_l_n_follows_each_events_w_mass():
    """The rate of W -> l N depends on the W's mass in the event, (1 - x)^2 (1 + x/2) with x = m_N^2 / m_W*^2, while
    the cross section holds the on-shell value: the events carry the ratio.  At m_N = 10 GeV it is 1 to a few per
    mille; at 75 GeV the W line shape's upper tail opens the decay wider (1.3 on average) and its lower tail closes
    it (weight 0) in ~7% of events."""
    mean, closed = {}, {}
    for m_n in (10.0, 75.0):
        req = GenerationRequest(
            "hnl", {"mN": m_n, "U2": 1e-6}, events=1000, seed=3, shower=ShowerOptions(mpi=False), chunk_size=1000
        )
        s = generate(req, cache=False, progress=False)
        w = ak.to_numpy(s.events.weight) * s.meta["oversampling"]
        ev = ak.to_numpy(s.events.event)
        per_event = np.bincount(ev, weights=w) / np.bincount(ev)
        mean[m_n], closed[m_n] = float(per_event.mean()), float(np.mean(per_event == 0))
    assert mean[10.0] == pytest.approx(1.0, abs=0.005) and closed[10.0] == 0
    assert 1.2 < mean[75.0] < 1.5 and 0.03 < closed[75.0] < 0.12


def test_the_z_star_taus_take_the_chirality_of_their_pairs_current(monkeypatch):
    """chi2^0 -> chi1^0 Z*, Z* -> tau tau: left-handed currents give left-handed taus (their e or mu harder), right-handed
    ones (l+ and l- swapped) right-handed taus (softer): 0.40 and 0.30 of the unpolarised 0.35, as ratios of means."""
    from lepreint.events.generation import species

    n2 = higgsino.llp_decay({"mc": 200.0, "dm": 20.0}, {**higgsino.DEFAULT_OPTIONS, "dm0_ratio": 1.5})[1]
    assert n2["kind"] == "zstar" and n2["tau_polarisation"] == "chirality"
    m = 20000

    def mean_light_energy(spec, p_right):
        monkeypatch.setattr(species, "P_RIGHT", p_right)
        d, _ = species.decay_species(
            np.random.default_rng(4), {**spec, "branching": {15: 1.0}}, np.full(m, 1000023),
            np.tile([200.0, 0, 0, 0], (m, 1)), np.zeros((m, 4)), 1,
        )  # fmt: skip
        pdg, e = d.lep_pdg[..., :2].reshape(-1), d.lep_p4[..., :2, 0].reshape(-1)
        return float(np.mean(e[(np.abs(pdg) == 11) | (np.abs(pdg) == 13)]))

    none = mean_light_energy({**n2, "tau_polarisation": "none"}, 0.0)
    assert mean_light_energy(n2, 0.0) / none == pytest.approx(0.40 / 0.35, abs=0.03)
    assert mean_light_energy(n2, 1.0) / none == pytest.approx(0.30 / 0.35, abs=0.03)
