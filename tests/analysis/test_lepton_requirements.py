"""The analysis cards' lepton requirements on hand-made events: a lepton in a jet, the e-mu separation, an |eta|
gap, the identification's production radius."""

import dataclasses

import awkward as ak
import numpy as np
import pytest

from lepreint.analysis.selection import id_efficiency, near_jet, select
from lepreint.config.cards import analysis_config
from lepreint.detector.simulate import RecoEvents, residual_jets


def _lepton(pdg, pt, eta, phi, rxy=1.0):
    return {
        "pdg": pdg, "charge": -int(np.sign(pdg)), "pt": pt, "eta": eta, "phi": phi, "d0": 0.3, "eff": 1.0,
        "rxy": rxy, "iso02": 0.0, "iso03": 0.0, "iso04": 0.0, "llp": 0,
    }  # fmt: skip


def _p4(pt, eta, phi):
    return {"px": pt * np.cos(phi), "py": pt * np.sin(phi), "pz": pt * np.sinh(eta), "e": pt * np.cosh(eta)}


def _reco(leptons, jets):
    """One row: reconstructed leptons and the generator's jets (four-momenta), leptons included in the jets."""
    truth = ak.Array(
        [
            {
                "leptons": [{**_p4(x["pt"], x["eta"], x["phi"]), "llp": -1} for x in leptons],
                "jets": [_p4(*j) for j in jets or [(1, 0, 0)]],
            }
        ]
    )
    if not jets:  # typed, empty
        truth = ak.with_field(truth, truth.jets[:, :0], "jets")
    return RecoEvents(
        ak.Array([leptons]),
        ak.Array([[]], with_name=None),
        np.zeros((1, 2)),
        np.ones(1),
        np.zeros(1, int),
        residual_jets(truth),
    )


@pytest.fixture
def cms8():
    return analysis_config("cms_8tev_emu")


def test_a_lepton_alone_in_its_jet_is_not_in_a_jet(cms8):
    e, m = _lepton(11, 60.0, 0.2, 0.0), _lepton(-13, 50.0, -0.5, 2.5)
    # each lepton is a jet of its own (plus 3 GeV of hadrons): the residual is soft
    alone = _reco([e, m], [(63.0, 0.2, 0.0), (50.0, -0.5, 2.5)])
    assert select(alone, cms8).region_prob.sum() == pytest.approx(1.0)
    # the electron's jet holds 20 GeV more: the electron is in a jet
    in_jet = _reco([e, m], [(80.0, 0.21, 0.02), (50.0, -0.5, 2.5)])
    assert select(in_jet, cms8).region_prob.sum() == 0.0
    # a separate 30 GeV jet at Delta R = 0.45 from the muon vetoes it; at 0.6 it does not
    near = _reco([e, m], [(63.0, 0.2, 0.0), (50.0, -0.5, 2.5), (30.0, -0.05, 2.5)])
    far = _reco([e, m], [(63.0, 0.2, 0.0), (50.0, -0.5, 2.5), (30.0, 0.1, 2.5)])
    assert select(near, cms8).region_prob.sum() == 0.0
    assert select(far, cms8).region_prob.sum() == pytest.approx(1.0)


def test_near_jet_needs_the_card_requirement():
    ana = analysis_config("soft_displaced_emu")
    jets = ak.Array([[{"pt": 50.0, "eta": 0.0, "phi": 0.0}]])
    assert not near_jet(np.array([0]), np.array([0.0]), np.array([0.0]), jets, ana).any()
    on = dataclasses.replace(ana, jet_veto_pt_min=10.0, jet_veto_dr=0.5)
    assert near_jet(np.array([0]), np.array([0.0]), np.array([0.0]), jets, on).all()


def test_pair_separation_eta_gap_and_production_radius(cms8):
    e, m = _lepton(11, 60.0, 0.2, 0.0), _lepton(-13, 50.0, -0.5, 2.5)
    assert select(_reco([e, m], []), cms8).region_prob.sum() == pytest.approx(1.0)
    close = _lepton(-13, 50.0, 0.4, 0.3)  # Delta R = 0.36 from the electron
    assert select(_reco([e, close], []), cms8).region_prob.sum() == 0.0
    crack = _lepton(11, 60.0, 1.5, 0.0)
    assert select(_reco([crack, m], []), cms8).region_prob.sum() == 0.0
    outside = _lepton(11, 60.0, 0.2, 0.0, rxy=50.0)  # beyond the first pixel layer: no inner hit
    assert select(_reco([outside, m], []), cms8).region_prob.sum() == 0.0
    eff = id_efficiency(np.array([True, False, False]), np.array([50.0, 50.0, 120.0]), np.ones(3), cms8)
    np.testing.assert_array_equal(eff, [0.0, 1.0, 0.0])


def test_leptons_of_lepreint_decays_are_not_taken_out_of_jets():
    """lepreint's own decay leptons (llp >= 0) were never clustered: a jet next to one keeps its full pT, unless
    the generator decayed the LLP (then its leptons are in the jets)."""
    lep = _p4(15.0, 0.0, 0.0)
    truth = ak.Array([{"leptons": [{**lep, "llp": 0}], "jets": [_p4(20.0, 0.3, 0.0)]}])
    assert residual_jets(truth).pt[0, 0] == pytest.approx(20.0)
    assert residual_jets(truth, llp_leptons_clustered=True).pt[0, 0] < 10.0
    prompt = ak.Array([{"leptons": [{**lep, "llp": -1}], "jets": [_p4(20.0, 0.3, 0.0)]}])
    assert residual_jets(prompt).pt[0, 0] < 10.0


def test_a_lepton_below_the_searchs_thresholds_vetoes_nothing(cms8):
    """CMS's 'exactly one electron and one muon' counts the search's leptons (above its thresholds): an isolated
    15 GeV electron beside the pair (the 8 TeV search's 25 GeV) leaves it selected; a third lepton above the
    threshold vetoes it.  The soft-displaced-lepton paper's card counts from its preselection's 15 GeV."""
    e, m = _lepton(11, 60.0, 0.2, 0.0), _lepton(-13, 50.0, -0.5, 2.5)
    soft, hard = _lepton(11, 15.0, 1.0, 1.0), _lepton(11, 30.0, 1.0, 1.0)
    assert select(_reco([e, m, soft], []), cms8).region_prob.sum() == pytest.approx(1.0)
    assert select(_reco([e, m, hard], []), cms8).region_prob.sum() == 0.0
    paper = analysis_config("soft_displaced_emu")
    assert select(_reco([e, m, _lepton(11, 16.0, 1.0, 1.0)], []), paper).region_prob.sum() == 0.0
    # the same-flavour channels' other-flavour veto: a muon below the e-mu channel's threshold vetoes no ee pair
    ee = analysis_config("cms_exo_18_003_ee_2018")
    e1, e2 = _lepton(11, 150.0, 0.2, 0.0), _lepton(-11, 120.0, -0.5, 2.5)
    e1["d0"] = e2["d0"] = 0.3
    m_soft = {**_lepton(13, ee.muon.pt_min - 5.0, 1.0, 1.0), "d0": 1.0}
    m_hard = {**_lepton(13, ee.muon.pt_min + 5.0, 1.0, 1.0), "d0": 1.0}
    assert select(_reco([e1, e2], []), ee).region_prob.sum() > 0
    assert select(_reco([e1, e2, m_soft], []), ee).region_prob.sum() == pytest.approx(
        select(_reco([e1, e2], []), ee).region_prob.sum()
    )
    assert select(_reco([e1, e2, m_hard], []), ee).region_prob.sum() == 0.0
