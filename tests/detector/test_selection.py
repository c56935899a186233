"""The e-mu selection with identification probabilities."""

import awkward as ak
import numpy as np
import pytest

from lepreint.analysis.selection import select
from lepreint.cards import analysis_config
from lepreint.detector.simulate import RecoEvents


def _reco(rows):
    leptons = ak.Array([[dict(pdg=p, charge=int(-np.sign(p)), pt=pt, eta=0.0, phi=0.0, d0=d0, eff=eff, iso02=iso, iso03=iso, iso04=iso, llp=0)
                         for (p, pt, d0, eff, iso) in row] for row in rows])
    n = len(rows)
    return RecoEvents(leptons, ak.Array([[]] * n), np.zeros((n, 2)), np.ones(n), np.arange(n))


def test_regions_and_probabilities():
    cfg = analysis_config("soft_displaced_emu")
    reco = _reco([
        [(11, 30, 0.3, 0.8, 0.0), (-13, 25, 2.0, 0.9, 0.0)],      # SR I (smaller d0 0.3 mm)
        [(11, 30, 0.7, 0.8, 0.0), (-13, 25, 5.0, 0.9, 0.0)],      # SR II
        [(11, 30, 3.0, 0.8, 0.0), (-13, 25, 50.0, 0.9, 0.0)],     # SR III
        [(11, 30, 3.0, 0.8, 0.0), (13, 25, 50.0, 0.9, 0.0)],      # same charge
        [(11, 18, 3.0, 0.8, 0.0), (-13, 25, 50.0, 0.9, 0.0)],     # electron below 20 GeV
        [(11, 30, 3.0, 0.8, 0.2), (-13, 25, 50.0, 0.9, 0.0)],     # electron not isolated (0.2 > 0.12)
        [(11, 30, 3.0, 0.8, 0.0), (-13, 25, 150.0, 0.9, 0.0)],    # muon beyond 10 cm: vetoed
        [(11, 30, 0.1, 0.8, 0.0), (-13, 25, 5.0, 0.9, 0.0)],      # below 200 um: no region
        # a second electron candidate: either one may be the identified one
        [(11, 30, 3.0, 0.8, 0.0), (11, 22, 0.3, 0.5, 0.0), (-13, 25, 50.0, 0.9, 0.0)],
    ])
    s = select(reco, cfg)
    p = 0.8 * 0.9
    assert np.allclose(s.region_prob[:3], [[p, 0, 0], [0, p, 0], [0, 0, p]])
    assert np.all(s.region_prob[3:8] == 0)
    # row 8: (e1, mu) with e2 not identified, or (e2, mu) with e1 not identified
    assert s.region_prob[8].tolist() == pytest.approx([0.5 * 0.9 * 0.2, 0, 0.8 * 0.9 * 0.5])
    assert s.cutflow["e-mu pair"][7] == pytest.approx(p) and s.cutflow["d0 < d0_max"][6] == 0
