"""Moving LLP decay vertices to another c tau."""

import awkward as ak
import numpy as np
import pytest

from lepreint.events.generation.engine import GenerationRequest, generate
from lepreint.events.generation.pythia import ShowerOptions
from lepreint.events.lifetime import LifetimeError, expectation, resample
from lepreint.events.slim import Sample


@pytest.fixture(scope="module")
def sample():
    return generate(
        GenerationRequest(
            "coscattering",
            {"mc": 220, "dm": 20, "ctau": 10.0},
            200,
            21,
            10,
            {"decays": "eq2.16"},
            ShowerOptions(mpi=False),
            chunk_size=200,
        )
    )


def _flat(a, k):
    return ak.to_numpy(ak.flatten(a[k]))


def test_decay_vertices_move_along_the_flight_direction(sample):
    r = resample(sample, 300.0, draws=3, seed=2)
    assert len(r.events) == 3 * len(sample.events)
    assert np.isclose(ak.sum(r.events.weight), ak.sum(sample.events.weight))
    llp = r.events.llps
    p = np.column_stack([_flat(llp, "px"), _flat(llp, "py"), _flat(llp, "pz")])
    d = np.column_stack([_flat(llp, k) - _flat(llp, v) for k, v in (("dx", "vx"), ("dy", "vy"), ("dz", "vz"))])
    pn = np.linalg.norm(p, axis=1)
    bg = pn / _flat(llp, "mass")
    # parallel to the momentum, length beta gamma c t
    assert np.allclose(np.cross(d, p) / pn[:, None], 0.0, atol=1e-6)
    assert np.allclose(np.linalg.norm(d, axis=1), bg * _flat(llp, "ctau"), rtol=1e-9)
    ct = _flat(llp, "ctau")
    assert abs(ct.mean() / 300.0 - 1) < 4 / np.sqrt(ct.size)
    assert r.meta["parameters"]["ctau"] == 300.0 and r.meta["lifetime"]["from_ctau_mm"] == 10.0


def test_daughter_leptons_follow_their_llp(sample):
    r = resample(sample, 50.0, draws=1, seed=3)
    old, new = sample.events, r.events
    for row in range(20):
        for lo, ln in zip(old.leptons[row], new.leptons[row]):
            if lo.llp < 0:
                assert (ln.vx, ln.vy, ln.vz) == (lo.vx, lo.vy, lo.vz)
                continue
            a, b = old.llps[row][lo.llp], new.llps[row][lo.llp]
            for k, dk in (("vx", "dx"), ("vy", "dy"), ("vz", "dz")):
                # the lepton keeps its offset from the decay vertex (a tau's flight for tau daughters)
                assert ln[k] - b[dk] == pytest.approx(lo[k] - a[dk], abs=1e-6)
            assert (ln.px, ln.pz) == (lo.px, lo.pz)


def test_expectation_is_deterministic_and_keeps_the_weight(sample):
    e1 = expectation(sample, 30.0, nodes=6)
    e2 = expectation(sample, 30.0, nodes=6)
    assert np.isclose(ak.sum(e1.events.weight), ak.sum(sample.events.weight))
    assert ak.all(e1.events.llps.ctau == e2.events.llps.ctau)
    # the nodes' mean is the exponential's mean
    n = ak.num(e1.events.llps)
    w = np.repeat(ak.to_numpy(e1.events.weight), ak.to_numpy(n))
    assert np.average(_flat(e1.events.llps, "ctau"), weights=w) == pytest.approx(30.0, rel=1e-6)


def test_a_sample_without_llp_links_is_refused(sample):
    ev = ak.with_field(sample.events, ak.full_like(sample.events.leptons.llp, -1), ["leptons", "llp"])
    with pytest.raises(LifetimeError, match="long-lived ancestor"):
        resample(Sample(ev, sample.meta, None), 10.0)
    with pytest.raises(LifetimeError, match="ctau must be > 0"):
        resample(sample, 0.0)


def test_kinematic_prefilter_per_channel():
    """Rows that can pass a channel's pT and |eta| cuts with an opposite-charge pair of its flavours."""
    import dataclasses

    from lepreint.config.cards import analysis_config
    from lepreint.events.lifetime import kinematic_prefilter

    def lep(pdg, pt):
        return {"pdg": pdg, "charge": int(-np.sign(pdg)), "px": pt, "py": 0.0, "pz": 0.0}

    events = ak.zip(
        {
            "leptons": ak.Array(
                [
                    [lep(11, 100), lep(-11, 100)],  # an ee pair
                    [lep(13, 100), lep(-13, 100)],  # a mu-mu pair
                    [lep(11, 100), lep(-13, 100)],  # e-mu
                    [lep(11, 100), lep(11, 100)],  # same-charge electrons
                    [lep(11, 100), lep(-11, 5)],  # the positron far below threshold
                ]
            )
        },
        depth_limit=1,
    )
    cfg = analysis_config("cms_exo_16_022")
    assert kinematic_prefilter(events, cfg).tolist() == [False, False, True, False, False]
    assert kinematic_prefilter(events, dataclasses.replace(cfg, pairing="ee")).tolist() == [
        True,
        False,
        False,
        False,
        False,
    ]
    assert kinematic_prefilter(events, dataclasses.replace(cfg, pairing="mumu")).tolist() == [
        False,
        True,
        False,
        False,
        False,
    ]
    same_sign = dataclasses.replace(cfg, pairing="ee", opposite_charge=False)
    assert kinematic_prefilter(events, same_sign).tolist() == [True, False, False, True, False]
