"""The nine variables of Eq. (4.2) on hand-made events."""

import awkward as ak
import numpy as np
import pytest

from lepreint.analysis.features import FEATURES, pair_features
from lepreint.analysis.selection import select
from lepreint.config.cards import analysis_config
from lepreint.detector.simulate import RecoEvents


def _reco(leptons, jets, met):
    lep = ak.Array(
        [
            [
                dict(
                    pdg=p,
                    charge=int(-np.sign(p)),
                    pt=pt,
                    eta=eta,
                    phi=phi,
                    d0=d0,
                    eff=0.9,
                    iso02=0.0,
                    iso03=0.0,
                    iso04=0.0,
                    llp=0,
                )
                for (p, pt, eta, phi, d0) in row
            ]
            for row in leptons
        ]
    )
    j = ak.Array([[dict(pt=pt, eta=eta, phi=phi) for (pt, eta, phi) in row] for row in jets])
    return RecoEvents(lep, j, np.asarray(met, float), np.ones(len(leptons)), np.arange(len(leptons)))


def _features(reco):
    f = pair_features(reco, select(reco, analysis_config("soft_displaced_emu")))
    return {k: f.x[:, i] for i, k in enumerate(FEATURES)}, f


def test_back_to_back_pair_without_jets():
    reco = _reco([[(11, 30.0, 0.0, 0.0, 3.0), (-13, 30.0, 0.0, np.pi, 3.0)]], [[]], [[0.0, 40.0]])
    x, f = _features(reco)
    assert x["ht"][0] == pytest.approx(60.0)
    assert x["dr_emu"][0] == pytest.approx(np.pi)
    assert x["alpha_t"][0] == pytest.approx(0.5)  # pT2 / mT(l1, l2) = 30 / 60
    assert x["sphericity"][0] == pytest.approx(0.0, abs=1e-12)  # a line in the transverse plane
    assert x["spherocity"][0] == pytest.approx(0.0, abs=1e-12)
    assert x["met_sig"][0] == pytest.approx(40.0 / np.sqrt(60.0))
    assert x["met_sig_objects"][0] == pytest.approx(0.0, abs=1e-9)  # the two leptons balance
    assert x["dphi_l1_met"][0] == pytest.approx(np.pi / 2)
    assert x["mt_l1_met"][0] == pytest.approx(np.sqrt(2 * 30 * 40))
    assert f.region[0] == 2 and f.prob[0] == pytest.approx(0.81)


def test_jets_enter_ht_shapes_and_objects_met():
    reco = _reco(
        [[(11, 30.0, 0.0, 0.0, 3.0), (-13, 20.0, 1.0, np.pi / 2, 3.0)]],
        [[(50.0, 0.5, np.pi), (25.0, -1.0, -np.pi / 2)]],
        [[10.0, 0.0]],
    )
    x, _ = _features(reco)
    assert x["ht"][0] == pytest.approx(125.0)
    # objects' missing pT: -(30 - 50, 20 - 25) = (20, 5)
    assert x["met_sig_objects"][0] == pytest.approx(np.hypot(20.0, 5.0) / np.sqrt(125.0))
    assert 0 < x["sphericity"][0] <= 1 and 0 < x["spherocity"][0] <= 1
    assert x["dr_emu"][0] == pytest.approx(np.hypot(1.0, np.pi / 2))


def test_isotropic_limits():
    # four objects at right angles with equal pT: sphericity 1; spherocity (pi^2/4)(60/120)^2 = pi^2/16
    # (1 only for a uniform ring of momenta)
    reco = _reco(
        [[(11, 30.0, 0.0, 0.0, 3.0), (-13, 30.0, 0.0, np.pi / 2, 3.0)]],
        [[(30.0, 0.0, np.pi), (30.0, 0.0, -np.pi / 2)]],
        [[0.0, 0.0]],
    )
    x, _ = _features(reco)
    assert x["sphericity"][0] == pytest.approx(1.0)
    assert x["spherocity"][0] == pytest.approx(np.pi**2 / 16)


def test_no_feature_depends_on_d0():
    a = _reco([[(11, 30.0, 0.3, 0.2, 0.6), (-13, 25.0, -1.0, 2.0, 0.7)]], [[(40.0, 0.1, 4.0)]], [[5.0, 7.0]])
    b = _reco([[(11, 30.0, 0.3, 0.2, 30.0), (-13, 25.0, -1.0, 2.0, 2.0)]], [[(40.0, 0.1, 4.0)]], [[5.0, 7.0]])
    xa, fa = _features(a)
    xb, fb = _features(b)
    assert all(np.array_equal(xa[k], xb[k]) for k in FEATURES)
    assert fa.region[0] == 1 and fb.region[0] == 2
