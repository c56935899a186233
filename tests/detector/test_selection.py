"""The e-mu selection with identification probabilities."""

import awkward as ak
import numpy as np
import pytest

from lepreint.analysis.selection import select
from lepreint.config.cards import analysis_config
from lepreint.detector.simulate import RecoEvents


def _reco(rows):
    leptons = ak.Array(
        [
            [
                dict(
                    pdg=p,
                    charge=int(-np.sign(p)),
                    pt=pt,
                    eta=0.0,
                    phi=0.0,
                    d0=d0,
                    eff=eff,
                    iso02=iso,
                    iso03=iso,
                    iso04=iso,
                    llp=0,
                )
                for (p, pt, d0, eff, iso) in row
            ]
            for row in rows
        ]
    )
    n = len(rows)
    return RecoEvents(leptons, ak.Array([[]] * n), np.zeros((n, 2)), np.ones(n), np.arange(n))


def test_regions_and_probabilities():
    cfg = analysis_config("soft_displaced_emu")
    reco = _reco(
        [
            [(11, 30, 0.3, 0.8, 0.0), (-13, 25, 2.0, 0.9, 0.0)],  # SR I (smaller d0 0.3 mm)
            [(11, 30, 0.7, 0.8, 0.0), (-13, 25, 5.0, 0.9, 0.0)],  # SR II
            [(11, 30, 3.0, 0.8, 0.0), (-13, 25, 50.0, 0.9, 0.0)],  # SR III
            [(11, 30, 3.0, 0.8, 0.0), (13, 25, 50.0, 0.9, 0.0)],  # same charge
            [(11, 18, 3.0, 0.8, 0.0), (-13, 25, 50.0, 0.9, 0.0)],  # electron below 20 GeV
            [(11, 30, 3.0, 0.8, 0.2), (-13, 25, 50.0, 0.9, 0.0)],  # electron not isolated (0.2 > 0.12)
            [(11, 30, 3.0, 0.8, 0.0), (-13, 25, 150.0, 0.9, 0.0)],  # muon beyond 10 cm: vetoed
            [(11, 30, 0.1, 0.8, 0.0), (-13, 25, 5.0, 0.9, 0.0)],  # below 200 um: no region
            # a second electron candidate: either one may be the identified one
            [(11, 30, 3.0, 0.8, 0.0), (11, 22, 0.3, 0.5, 0.0), (-13, 25, 50.0, 0.9, 0.0)],
        ]
    )
    s = select(reco, cfg)
    p = 0.8 * 0.9
    assert np.allclose(s.region_prob[:3], [[p, 0, 0], [0, p, 0], [0, 0, p]])
    assert np.all(s.region_prob[3:8] == 0)
    # row 8: (e1, mu) with e2 not identified, or (e2, mu) with e1 not identified
    assert s.region_prob[8].tolist() == pytest.approx([0.5 * 0.9 * 0.2, 0, 0.8 * 0.9 * 0.5])
    assert s.cutflow["e-mu pair"][7] == pytest.approx(p) and s.cutflow["d0 < d0_max"][6] == 0


def test_literal_reading_of_eq_3_1_moves_pairs_beyond_10cm_to_sr_ii():
    import dataclasses

    veto = analysis_config("soft_displaced_emu")
    literal = dataclasses.replace(veto, d0_max_policy="literal")
    reco = _reco(
        [
            [(11, 30, 3.0, 1.0, 0.0), (-13, 25, 150.0, 1.0, 0.0)],  # one lepton beyond 10 cm, the other in SR III
            [(11, 30, 0.7, 1.0, 0.0), (-13, 25, 150.0, 1.0, 0.0)],  # ... the other in SR II's range
            [(11, 30, 0.3, 1.0, 0.0), (-13, 25, 150.0, 1.0, 0.0)],  # ... the other in SR I's range
            [(11, 30, 3.0, 1.0, 0.0), (-13, 25, 50.0, 1.0, 0.0)],  # both inside: SR III either way
        ]
    )
    assert select(reco, veto).region_prob.tolist() == [[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 1]]
    assert select(reco, literal).region_prob.tolist() == [[0, 1, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]]


def test_isolation_cone_comes_from_the_card():
    import dataclasses

    cfg = analysis_config("soft_displaced_emu")
    lep = [
        dict(pdg=11, charge=-1, pt=30.0, eta=0.0, phi=0.0, d0=3.0, eff=1.0, iso02=0.0, iso03=0.0, iso04=0.5, llp=0),
        dict(pdg=-13, charge=1, pt=30.0, eta=0.0, phi=0.0, d0=3.0, eff=1.0, iso02=0.0, iso03=0.0, iso04=0.0, llp=0),
    ]
    reco = RecoEvents(ak.Array([lep]), ak.Array([[]]), np.zeros((1, 2)), np.ones(1), np.arange(1))
    wide = dataclasses.replace(cfg, electron=dataclasses.replace(cfg.electron, isolation_cone=0.4))
    assert select(reco, cfg).region_prob.sum() == 1.0
    assert select(reco, wide).region_prob.sum() == 0.0


def _box_card(pairing: str, veto_d0: float | None = None):
    """A two-period-style card in one channel: four boxes in the two leptons' |d0| (0.1-0.5 mm low, 0.5-100 mm high),
    the low-low one split by the leading lepton's pT at 100 GeV."""
    import dataclasses

    from lepreint.config.cards import Region

    lo, hi = (0.1, 0.5), (0.5, 100.0)
    regions = (
        Region("I lowpt", 0.1, 0.5, None, lo, lo, 0.0, 100.0),
        Region("I highpt", 0.1, 0.5, None, lo, lo, 100.0),
        Region("II", 0.1, 100.0, None, lo, hi),
        Region("III", 0.1, 100.0, None, hi, lo),
        Region("IV", 0.5, 100.0, None, hi, hi),
    )
    base = analysis_config("cms_exo_16_022")
    electron = dataclasses.replace(base.electron, isolation_max=None, max_production_radius=None)
    muon = dataclasses.replace(base.muon, isolation_max=None, max_production_radius=None)
    return dataclasses.replace(
        base,
        pairing=pairing,
        regions=regions,
        electron=electron,
        muon=muon,
        veto_other_flavour_d0_min=veto_d0,
        observed=None,
        pair_min_dr=0.0,  # the leptons below sit at one (eta, phi)
    )


def test_same_flavour_pairs_in_boxes_of_both_leptons_d0():
    cfg = _box_card("ee", veto_d0=0.1)
    reco = _reco(
        [
            [(11, 150, 0.3, 1.0, 0.0), (-11, 60, 0.2, 1.0, 0.0)],  # both low, leading above 100 GeV: I highpt
            [(11, 80, 0.3, 1.0, 0.0), (-11, 60, 0.2, 1.0, 0.0)],  # I lowpt
            [(11, 150, 0.3, 1.0, 0.0), (-11, 60, 2.0, 1.0, 0.0)],  # leading low, subleading high: II
            [(11, 60, 0.3, 1.0, 0.0), (-11, 150, 2.0, 1.0, 0.0)],  # the leading one high: III
            [(11, 150, 3.0, 1.0, 0.0), (-11, 60, 2.0, 1.0, 0.0)],  # IV
            [(11, 150, 3.0, 1.0, 0.0), (-11, 60, 2.0, 1.0, 0.0), (13, 50, 0.05, 0.9, 0.0)],  # prompt muon: kept
            [(11, 150, 3.0, 1.0, 0.0), (-11, 60, 2.0, 1.0, 0.0), (13, 50, 0.5, 0.9, 0.0)],  # displaced muon: veto
            [(11, 150, 3.0, 0.8, 0.0), (-11, 60, 2.0, 0.5, 0.0), (11, 70, 1.0, 0.5, 0.0)],  # three electrons
            [(11, 150, 3.0, 1.0, 0.0), (-13, 60, 2.0, 1.0, 0.0)],  # an e-mu pair: not this channel
        ]
    )
    s = select(reco, cfg)
    eye = np.eye(5)
    assert np.allclose(s.region_prob[:5], eye[[1, 0, 2, 3, 4]])
    assert s.region_prob[5].tolist() == pytest.approx(eye[4].tolist())
    assert s.region_prob[6].tolist() == pytest.approx((0.1 * eye[4]).tolist())  # the muon must go unidentified
    # exactly two of three electrons, of opposite charge: (e1, e2) with e3 lost, or (e3, e2) with e1 lost (e1 and
    # e3 have the same charge); both land in IV
    assert s.region_prob[7].tolist() == pytest.approx(((0.8 * 0.5 * 0.5 + 0.5 * 0.5 * 0.2) * eye[4]).tolist())
    assert np.all(s.region_prob[8] == 0)
    assert "ee pair" in s.cutflow


def test_emu_boxes_order_the_electron_first_and_veto_eta_phi():
    import dataclasses

    cfg = _box_card("emu")
    reco = _reco(
        [
            [(11, 150, 0.3, 1.0, 0.0), (-13, 60, 2.0, 1.0, 0.0)],  # electron low, muon high: II
            [(11, 60, 2.0, 1.0, 0.0), (-13, 150, 0.3, 1.0, 0.0)],  # muon low: III
        ]
    )
    s = select(reco, cfg)
    assert np.allclose(s.region_prob, np.eye(5)[[2, 3]])
    # a dead region of the tracker around eta = 0, phi = 0 removes every lepton of these rows
    dead = dataclasses.replace(cfg.electron, eta_phi_veto=((-0.1, 0.1, -0.1, 0.1),))
    assert np.all(select(reco, dataclasses.replace(cfg, electron=dead)).region_prob == 0)


def test_isolation_with_a_pt_term():
    """CMS's 2017-18 electrons: relative isolation below 0.0287 + 0.506 GeV / pT."""
    from lepreint.analysis.selection import isolation_limit

    cuts = analysis_config("cms_exo_18_003_emu_2017").electron
    assert isolation_limit(cuts, 50.0) == pytest.approx(0.0287 + 0.506 / 50.0)
    assert isolation_limit(analysis_config("cms_exo_18_003_emu_2016").electron, 50.0) == pytest.approx(0.0588)
    cfg = _box_card("emu")
    import dataclasses

    cfg = dataclasses.replace(
        cfg, electron=dataclasses.replace(cfg.electron, isolation_max=0.0287, isolation_pt_term=0.506)
    )
    iso = 0.035  # passes at 50 GeV (limit 0.0388), fails at 200 GeV (0.0312)
    reco = _reco(
        [[(11, 50, 3.0, 1.0, iso), (-13, 60, 2.0, 1.0, 0.0)], [(11, 200, 3.0, 1.0, iso), (-13, 60, 2.0, 1.0, 0.0)]]
    )
    assert select(reco, cfg).region_prob.sum(axis=1).tolist() == [1.0, 0.0]
