"""lepreint's own LLP decays (generate/decays.py)."""

import numpy as np
import pytest

from lepreint.events.generation.decays import PURE_WINO, Couplings, boost, decay_llps, decay_positions, three_body_rest


def _mass2(p):
    return p[:, 0] ** 2 - np.sum(p[:, 1:] ** 2, axis=1)


@pytest.mark.parametrize("me", ["flat", "V-A"])
def test_conservation_and_on_shell(me):
    rng = np.random.default_rng(3)
    tb = three_body_rest(rng, 5000, 220.0, 200.0, 0.1056583755, me)
    tot = tb.daughter + tb.antilepton + tb.neutrino
    assert np.allclose(tot[:, 0], 220.0) and np.allclose(tot[:, 1:], 0.0, atol=1e-9)
    assert np.allclose(_mass2(tb.daughter), 200.0**2, rtol=1e-9)
    assert np.allclose(_mass2(tb.antilepton), 0.1056583755**2, atol=1e-6)
    assert np.allclose(_mass2(tb.neutrino), 0.0, atol=1e-6)


def test_lepton_energy_tail_flat_and_va():
    # the events issue: in the chi+ rest frame for (220, 200), P(E_l > 15 GeV) is 0.126 with flat
    # phase space and about 0.074 with the V-A matrix element
    rng = np.random.default_rng(11)
    n = 100_000
    flat = np.mean(three_body_rest(rng, n, 220.0, 200.0, 0.0, "flat").antilepton[:, 0] > 15)
    va = np.mean(three_body_rest(rng, n, 220.0, 200.0, 0.0, "V-A", PURE_WINO).antilepton[:, 0] > 15)
    assert flat == pytest.approx(0.126, abs=0.004)
    assert va == pytest.approx(0.074, abs=0.004)


def test_muon_decay_limit_gives_michel_spectra():
    # O_R = 0, massless daughter: muon decay.  The 'neutrino' slot plays the electron (Michel
    # spectrum x^2 (3 - 2x), <x> = 0.7) and the 'antilepton' slot the anti-neutrino (x^2 (1 - x), <x> = 0.6)
    rng = np.random.default_rng(5)
    tb = three_body_rest(rng, 100_000, 1.0, 1e-7, 0.0, "V-A", Couplings(1.0, 0.0), m_w=1e3)
    x_b = 2 * tb.neutrino[:, 0]
    x_a = 2 * tb.antilepton[:, 0]
    assert x_b.mean() == pytest.approx(0.7, abs=0.003)
    assert x_a.mean() == pytest.approx(0.6, abs=0.003)
    # and the shape: fraction above x = 0.5 for x^2(3-2x) is 1 - (3/3 x^3 - 2/4 x^4)/(1/2) at 0.5 = 0.8125
    assert np.mean(x_b > 0.5) == pytest.approx(0.8125, abs=0.004)


def test_boost_round_trip_and_mass():
    rng = np.random.default_rng(2)
    parent = np.column_stack([np.zeros(1000), rng.normal(0, 150, (1000, 3))])
    parent[:, 0] = np.sqrt(220.0**2 + np.sum(parent[:, 1:] ** 2, axis=1))
    tb = three_body_rest(rng, 1000, 220.0, 200.0)
    lab = [boost(p, parent) for p in tb]
    assert np.allclose(sum(lab), parent, atol=1e-8)
    assert np.allclose(_mass2(lab[0]), 200.0**2, rtol=1e-8)


def test_decay_lengths_follow_ctau():
    rng = np.random.default_rng(8)
    n = 10_000
    p = np.column_stack([np.zeros(n), rng.normal(0, 100, (n, 3))])
    p[:, 0] = np.sqrt(220.0**2 + np.sum(p[:, 1:] ** 2, axis=1))
    vtx, ct = decay_positions(rng, p, 220.0, 10.0)
    assert ct.mean() == pytest.approx(10.0, rel=0.02)  # maximum-likelihood fit of an exponential
    flight = np.linalg.norm(vtx[:, :3], axis=1)
    betagamma = np.linalg.norm(p[:, 1:], axis=1) / 220.0
    assert np.allclose(flight, betagamma * ct)
    cosang = np.sum(vtx[:, :3] * p[:, 1:], axis=1) / (flight * np.linalg.norm(p[:, 1:], axis=1))
    assert np.allclose(cosang, 1.0)
    assert np.all(vtx[:, 3] > 0)


def test_decay_llps_oversampling_and_reproducibility():
    p = np.array([[260.0, 50.0, 20.0, 130.0], [300.0, -100.0, 0.0, -160.0]])
    p[:, 0] = np.sqrt(220.0**2 + np.sum(p[:, 1:] ** 2, axis=1))
    br = {11: 0.5, 13: 0.5}
    a = decay_llps(np.random.default_rng(1), p, 220.0, 200.0, 10.0, br, k=50)
    b = decay_llps(np.random.default_rng(1), p, 220.0, 200.0, 10.0, br, k=50)
    assert a.lepton.shape == (2, 50, 4) and a.vertex.shape == (2, 50, 4)
    for x, y in zip(a, b):
        assert np.array_equal(x, y)
    assert len(np.unique(a.lepton[0, :, 0])) == 50  # K distinct decays of the same LLP
    assert set(np.unique(a.channel)) <= {11, 13}
    assert np.allclose((a.lepton + a.neutrino + a.daughter)[0], p[0], atol=1e-8)
    with pytest.raises(ValueError, match="sum to 1"):
        decay_llps(np.random.default_rng(1), p, 220.0, 200.0, 10.0, {11: 0.5}, k=2)


def test_tau_decays_branching_and_kinematics():
    from lepreint.events.generation.decays import CTAU_TAU, M_TAU, TAU_BRANCHING, decay_taus

    rng = np.random.default_rng(21)
    n = 40_000
    tau = np.column_stack([np.full(n, M_TAU), np.zeros((n, 3))])  # at rest
    pdg, lep, other, inv, vtx = decay_taus(rng, tau, np.zeros((n, 4)))
    assert np.mean(pdg == 11) == pytest.approx(TAU_BRANCHING[11], abs=0.005)
    assert np.mean(pdg == 13) == pytest.approx(TAU_BRANCHING[13], abs=0.005)
    # four-momentum conservation, and the Michel spectrum of the electron (<x> = 0.7, x = 2E/m_tau)
    assert np.allclose(lep + other + inv, tau, atol=1e-3)
    x = 2 * lep[pdg == 11, 0] / M_TAU
    assert x.mean() == pytest.approx(0.7, abs=0.01)
    # at rest the tau does not fly: vertices at the origin; boosted, it flies beta gamma c tau
    assert np.allclose(vtx[:, :3], 0)
    boosted = np.column_stack(
        [np.full(n, np.hypot(M_TAU, 10 * M_TAU)), np.zeros(n), np.zeros(n), np.full(n, 10 * M_TAU)]
    )
    _, _, _, _, vtx = decay_taus(rng, boosted, np.zeros((n, 4)))
    assert vtx[:, 2].mean() == pytest.approx(10 * CTAU_TAU, rel=0.03)


@pytest.mark.parametrize("chirality, mean_z", [(-1.0, 0.40), (0.0, 0.35), (1.0, 0.30)])
def test_polarised_tau_decays_lepton_energy_fraction(chirality, mean_z):
    """Collinear limit of the V-A spectrum x^2 [(3 - 2x) - chirality c (2x - 1)]: the lepton's share of the tau's
    energy z = x (1 + c) / 2 has mean 0.35 - 0.05 chirality (left-handed taus give harder leptons)."""
    from lepreint.events.generation.decays import M_TAU, decay_taus

    rng = np.random.default_rng(31)
    n, p = 200_000, 300 * M_TAU
    tau = np.column_stack([np.full(n, np.hypot(M_TAU, p)), np.zeros(n), np.full(n, p * 0.6), np.full(n, p * 0.8)])
    pdg, lep, other, inv, _ = decay_taus(rng, tau, np.zeros((n, 4)), np.full(n, chirality))
    assert np.allclose(lep + other + inv, tau, rtol=1e-9, atol=1e-6)  # the reversed decays conserve momentum
    e = pdg == 11
    z = lep[e, 0] / tau[e, 0]
    assert z.mean() == pytest.approx(mean_z, abs=0.004)  # statistical error 0.0013
    # the reversal keeps the rest-frame energy: the electron's Michel mean <x> = 0.7 whatever the chirality
    gamma, beta = tau[e, 0] / M_TAU, p / tau[e, 0]
    p_along = lep[e, 2] * 0.6 + lep[e, 3] * 0.8
    x = 2 * gamma * (lep[e, 0] - beta * p_along) / M_TAU
    assert x.mean() == pytest.approx(0.7, abs=0.004)


def test_llp_decays_with_taus_conserve_momentum():
    rng = np.random.default_rng(22)
    n = 5000
    p = np.column_stack([np.zeros(n), rng.normal(0, 100, (n, 3))])
    p[:, 0] = np.sqrt(220.0**2 + np.sum(p[:, 1:] ** 2, axis=1))
    d = decay_llps(rng, p, 220.0, 200.0, 10.0, {11: 0.2, 13: 0.2, 15: 0.2, 0: 0.4}, k=3)
    total = d.visible + d.other_visible + d.invisible
    assert np.allclose(total, np.repeat(p[:, None, :], 3, axis=1), atol=1e-6)
    assert set(np.unique(d.visible_pdg)) == {0, 11, 13}
    # every e or mu from a tau comes out of the tau's (displaced) vertex
    from_tau = (d.channel == 15) & (d.visible_pdg > 0)
    assert np.all(np.linalg.norm(d.visible_vertex[from_tau] - d.vertex[from_tau], axis=1) > 0)
