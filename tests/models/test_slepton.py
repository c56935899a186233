"""GMSB sleptons: the spectrum, cross sections per flavour and state, lepreint's two-body decay slepton -> l G~."""

import awkward as ak
import numpy as np
import pytest

from lepreint.constants import C_MM_PER_NS
from lepreint.errors import LepreintError
from lepreint.events.generation.engine import GenerationRequest, generate
from lepreint.events.generation.pythia import ShowerOptions
from lepreint.events.generation.species import decay_species
from lepreint.models import slepton


def test_ids_flavours_and_states():
    assert slepton.ids({"flavour": "e", "states": "LR"}) == [1000011, 2000011]
    assert slepton.ids({"flavour": "mu", "states": "R"}) == [2000013]
    assert slepton.ids({"flavour": "co_nlsp", "states": "L"}) == [1000011, 1000013, 1000015]
    assert slepton.ids({"flavour": "stau_nlsp"}) == [1000015, 2000015]
    for bad in ({"flavour": "nu"}, {"states": "LL"}):
        with pytest.raises(LepreintError):
            slepton.ids(bad)


def test_cross_sections_per_flavour_and_state():
    p = {"mslep": 300.0, "ctau": 300.0}
    lr, src = slepton.cross_section(p, 13000.0, options={"flavour": "e"})
    assert lr == pytest.approx(6.254) and "NLO+NLL" in src  # the Working Group's L + R at 300 GeV, 0.006254 pb
    left = slepton.cross_section(p, 13000.0, options={"flavour": "mu", "states": "L"})[0]
    right = slepton.cross_section(p, 13000.0, options={"flavour": "mu", "states": "R"})[0]
    assert left + right == pytest.approx(lr, rel=2e-3)
    assert slepton.cross_section(p, 13000.0, options={"flavour": "co_nlsp"})[0] == pytest.approx(3 * lr)
    with pytest.raises(LepreintError, match="50-1000"):
        slepton.check_parameters({"mslep": 1200.0, "ctau": 1.0})
    with pytest.raises(LepreintError, match="13.6"):
        slepton.cross_section(p, 13600.0, options={"flavour": "e"})


def test_two_body_decay_kinematics_and_charges():
    rng = np.random.default_rng(5)
    n, m = 4000, 400.0
    pz = rng.uniform(-800, 800, n)
    p4 = np.column_stack([np.hypot(m, pz), np.zeros(n), np.zeros(n), pz])
    pdg = np.where(rng.uniform(size=n) < 0.5, 1000013, -1000013)
    spec = {"kind": "twobody", "pdg": 1000013, "m_parent": m, "lepton": 13, "ctau": 30.0, "branching": {13: 1.0}}
    d, _ = decay_species(rng, [spec], pdg, p4, np.zeros((n, 4)), 2)
    lep, inv = d.lep_p4[:, :, 0].reshape(-1, 4), d.invisible.reshape(-1, 4)
    tot = lep + inv
    mass = np.sqrt(tot[:, 0] ** 2 - np.sum(tot[:, 1:] ** 2, axis=1))
    assert mass == pytest.approx(np.full(mass.size, m), rel=1e-6)  # l + massless gravitino = the slepton
    assert np.all(np.sign(d.lep_pdg[:, :, 0]) == np.sign(pdg)[:, None])  # slepton- -> l-: positive pdg
    assert np.all(np.abs(d.lep_pdg[:, :, 0]) == 13)
    # isotropic in the rest frame: the lepton's direction along the flight, cos theta*, is flat (mean 0, var 1/3)
    beta = pz / p4[:, 0]
    gamma = p4[:, 0] / m
    e_star = np.repeat(gamma, 2) * (lep[:, 0] - np.repeat(beta, 2) * lep[:, 3])
    assert e_star == pytest.approx(np.full(e_star.size, m / 2), rel=1e-3)  # E* = M / 2 (massless lepton)
    pz_star = np.repeat(gamma, 2) * (lep[:, 3] - np.repeat(beta, 2) * lep[:, 0])
    cos = pz_star / (m / 2)
    assert abs(cos.mean()) < 0.03 and np.var(cos) == pytest.approx(1 / 3, abs=0.02)
    # proper decay lengths Exp(c tau) and vertices along the flight
    assert d.ctau.mean() == pytest.approx(30.0, rel=0.05)
    assert np.allclose(d.lep_p4[:, :, 0, 0] > 0, True)


def test_stau_decays_carry_the_staus_chirality():
    params = {"mslep": 300.0, "ctau": 30.0}
    specs = slepton.llp_decay(params, {"flavour": "tau", "states": "LR", "tau_polarisation": "chirality"})
    assert {s["pdg"]: s["tau_chirality"] for s in specs} == {1000015: -1.0, 2000015: 1.0}
    specs = slepton.llp_decay(params, {"flavour": "tau", "states": "LR", "tau_polarisation": "none"})
    assert {s["tau_chirality"] for s in specs} == {0.0}
    with pytest.raises(LepreintError, match="tau_polarisation"):
        slepton.llp_decay(params, {"flavour": "tau", "tau_polarisation": "left"})
    # left-handed taus give harder leptons than right-handed ones (the same staus, the same random streams)
    rng_l, rng_r = np.random.default_rng(8), np.random.default_rng(8)
    n, m = 20_000, 300.0
    p4 = np.column_stack([np.full(n, np.hypot(m, 600.0)), np.zeros(n), np.zeros(n), np.full(n, 600.0)])
    pdg = np.full(n, 1000015)
    spec = {"kind": "twobody", "pdg": 1000015, "m_parent": m, "lepton": 15, "ctau": 30.0, "branching": {15: 1.0}}
    left, _ = decay_species(rng_l, [dict(spec, tau_chirality=-1.0)], pdg, p4, np.zeros((n, 4)), 1)
    right, _ = decay_species(rng_r, [dict(spec, tau_chirality=1.0)], pdg, p4, np.zeros((n, 4)), 1)
    e_l = left.lep_p4[:, :, 0, 0][left.lep_pdg[:, :, 0] != 0]
    e_r = right.lep_p4[:, :, 0, 0][right.lep_pdg[:, :, 0] != 0]
    assert e_l.mean() / e_r.mean() == pytest.approx(0.40 / 0.30, rel=0.05)


@pytest.fixture(scope="module")
def smuons():
    req = GenerationRequest(
        "slepton",
        {"mslep": 300.0, "ctau": 0.1 * C_MM_PER_NS},
        200,
        seed=4,
        oversampling=2,
        options={"flavour": "mu"},
        shower=ShowerOptions(mpi=False),
    )
    return generate(req, cache=False)


def test_generated_smuons_decay_to_displaced_muons(smuons):
    ev = smuons.events
    assert len(ev) == 400
    llp = ev.llps
    assert set(np.abs(ak.to_numpy(ak.flatten(llp.pdg))).tolist()) <= {1000013, 2000013}
    assert ak.to_numpy(ak.num(llp)).tolist() == [2] * 400
    # each LLP's muon, produced at its decay vertex, of its sign
    lep = ev.leptons[ev.leptons.llp >= 0]
    assert ak.all(ak.num(lep) == 2)
    assert set(np.abs(ak.to_numpy(ak.flatten(lep.pdg))).tolist()) == {13}
    sign_llp = np.sign(ak.to_numpy(ak.flatten(llp.pdg[lep.llp])))
    assert np.all(np.sign(ak.to_numpy(ak.flatten(lep.pdg))) == sign_llp)
    vx = ak.to_numpy(ak.flatten(lep.vx))
    dx = ak.to_numpy(ak.flatten(llp.dx[lep.llp]))
    assert vx == pytest.approx(dx)
    assert ak.mean(llp.ctau) == pytest.approx(0.1 * C_MM_PER_NS, rel=0.2)
    assert smuons.meta["xsec_fb"] == pytest.approx(6.254)


def test_sample_has_the_tables_left_right_composition(smuons):
    """Pythia mixes the states in its own (wrong) ratio; the sample's weights carry the NLO+NLL table's, and the
    sum of weights over the generated events is unchanged."""
    table = slepton.state_fractions({"mslep": 300.0}, {"flavour": "mu", "states": "LR"})
    left, right = (
        slepton.cross_section({"mslep": 300.0, "ctau": 1.0}, 13000.0, options={"flavour": "mu", "states": s})[0]
        for s in "LR"
    )
    assert table == pytest.approx({1000013: left / (left + right), 2000013: right / (left + right)})
    ev = smuons.events[smuons.events.copy == 0]  # one row per event
    w = ak.to_numpy(ev.weight)
    state = np.abs(ak.to_numpy(ev.llps.pdg[:, 0]))
    n_left = int(np.sum(state == 1000013))
    assert 0 < n_left < len(w)
    # Pythia's own share of left-handed pairs is ~2.1/3.1 = 0.68; the weighted share is the table's (0.72)
    assert np.sum(w[state == 1000013]) / np.sum(w) == pytest.approx(table[1000013], rel=1e-9)
    assert ak.sum(smuons.events.weight) == pytest.approx(smuons.meta["sum_weights_tried"], rel=1e-9)
    assert slepton.state_fractions({"mslep": 300.0}, {"flavour": "mu", "states": "R"}) is None
    co = slepton.state_fractions({"mslep": 300.0}, {"flavour": "co_nlsp"})
    assert sum(co.values()) == pytest.approx(1.0) and co[1000011] == co[1000015] == pytest.approx(table[1000013] / 3)


def test_pythias_slepton_cross_section_is_refused():
    with pytest.raises(LepreintError, match="1/9 instead of 1/3"):
        GenerationRequest("slepton", {"mslep": 300.0, "ctau": 1.0}, 10, xsec_source="pythia")


def test_composition_over_the_whole_sample_whatever_the_chunks():
    """The weights are set over every generated event at once: a last chunk of one event is fine."""
    req = GenerationRequest(
        "slepton",
        {"mslep": 300.0, "ctau": 30.0},
        101,
        seed=8,
        oversampling=1,
        options={"flavour": "e"},
        shower=ShowerOptions(mpi=False),
        chunk_size=50,
    )
    s = generate(req, cache=False)
    target = slepton.state_fractions({"mslep": 300.0}, {"flavour": "e"})
    w = ak.to_numpy(s.events.weight)
    state = np.abs(ak.to_numpy(s.events.llps.pdg[:, 0]))
    assert np.sum(w[state == 1000011]) / np.sum(w) == pytest.approx(target[1000011], rel=1e-9)
    assert np.sum(w) == pytest.approx(s.meta["sum_weights_tried"], rel=1e-9)
    assert s.meta["state_fractions"] == {str(k): v for k, v in sorted(target.items())}


def test_state_fractions_must_add_up_to_one():
    from lepreint.events.generation.pythia import PythiaSetup

    with pytest.raises(LepreintError, match="add up to 1"):
        PythiaSetup([], state_fractions={1000011: 0.7, 2000011: 0.7})
    with pytest.raises(LepreintError, match=">= 0"):
        PythiaSetup([], state_fractions={1000011: 1.5, 2000011: -0.5})
    with pytest.raises(LepreintError, match=">= 0"):
        PythiaSetup([], state_fractions={1000011: float("nan"), 2000011: 0.5})


def test_other_energies_generate_without_a_cross_section():
    """No table at 13.6 TeV and Pythia's own refused: the sample carries none, and simulate asks for one."""
    from lepreint.analysis.yields import signal_yields

    with pytest.raises(LepreintError, match="xsec-source none"):
        generate(GenerationRequest("slepton", {"mslep": 300.0, "ctau": 30.0}, 10, shower=ShowerOptions(ecm=13600.0)))
    req = GenerationRequest(
        "slepton",
        {"mslep": 300.0, "ctau": 30.0},
        20,
        oversampling=1,
        xsec_source="none",
        shower=ShowerOptions(ecm=13600.0, mpi=False),
    )
    s = generate(req, cache=False)
    assert s.meta["xsec_fb"] is None and s.meta["xsec_source"].startswith("none")
    with pytest.raises(LepreintError, match="give --xsec"):
        signal_yields(s, "soft_displaced_emu_run3")
    assert signal_yields(s, "soft_displaced_emu_run3", xsec_fb=30.0).xsec_fb == 30.0


def test_scans_of_sleptons_carry_the_models_revision():
    from lepreint.results.scan import ScanConfig

    ident = ScanConfig.from_card("slepton_grid_e").identity()
    assert ident["model_revision"] == slepton.MODEL_REVISION == 2
    assert "model_revision" not in ScanConfig.from_card("stop_grid_8tev").identity()
