"""Slim-event helpers: isolation sums, jets, correlated errors, the sample store."""

import awkward as ak
import numpy as np
import pytest

from lepreint.events.slim import (
    Ragged,
    SampleError,
    cluster_jets,
    content_digest,
    isolation_sums,
    load_sample,
    save_sample,
    weighted_sum,
)


def _random_particles(rng, counts):
    n = int(np.sum(counts))
    pt = rng.exponential(2.0, n)
    eta = rng.uniform(-2.5, 2.5, n)
    phi = rng.uniform(-np.pi, np.pi, n)
    return Ragged.from_counts(counts, px=pt * np.cos(phi), py=pt * np.sin(phi), pz=pt * np.sinh(eta))


def test_isolation_sums_match_a_brute_force_loop():
    rng = np.random.default_rng(1)
    counts = rng.integers(0, 40, 30)
    others = _random_particles(rng, counts)
    # leptons: some are members of `others` (self index), some are not
    lep_row, lep_self, lp = [], [], []
    for r in range(others.rows):
        lo = others.offsets[r]
        for j in range(min(2, counts[r])):
            lep_row.append(r)
            lep_self.append(j)
            lp.append((others["px"][lo + j], others["py"][lo + j], others["pz"][lo + j]))
        lep_row.append(r)
        lep_self.append(-1)
        lp.append((3.0, 1.0, 0.5))
    lep_row, lep_self, lp = np.array(lep_row), np.array(lep_self), np.array(lp)
    got = isolation_sums(lep_row, (lp[:, 0], lp[:, 1], lp[:, 2]), lep_self, others, chunk_pairs=50)
    for i, (r, s) in enumerate(zip(lep_row, lep_self)):
        lpt = np.hypot(lp[i, 0], lp[i, 1])
        leta, lphi = np.arcsinh(lp[i, 2] / lpt), np.arctan2(lp[i, 1], lp[i, 0])
        want = np.zeros(3)
        for j in range(others.offsets[r], others.offsets[r + 1]):
            if j - others.offsets[r] == s:
                continue
            pt = np.hypot(others["px"][j], others["py"][j])
            if pt <= 0.5:
                continue
            eta, phi = np.arcsinh(others["pz"][j] / pt), np.arctan2(others["py"][j], others["px"][j])
            dphi = (phi - lphi + np.pi) % (2 * np.pi) - np.pi
            dr = np.hypot(eta - leta, dphi)
            want += pt * (dr < np.array([0.2, 0.3, 0.4]))
        assert got[i] == pytest.approx(want, abs=1e-12)


def test_jets_anti_kt_merges_close_particles_and_orders_by_pt():
    # event 0: two particles 0.2 apart (one jet), one far away below threshold; event 1: empty
    p = Ragged.from_counts(
        [3, 0],
        px=np.array([20.0, 15.0 * np.cos(0.2), 5.0]),
        py=np.array([0.0, 15.0 * np.sin(0.2), -5.0]),
        pz=np.array([0.0, 0.0, 3.0]),
    )
    p.columns["e"] = np.sqrt(p["px"] ** 2 + p["py"] ** 2 + p["pz"] ** 2)
    jets = cluster_jets(p)
    assert list(jets.counts) == [1, 0]
    assert np.hypot(jets["px"][0], jets["py"][0]) == pytest.approx(np.hypot(20 + 15 * np.cos(0.2), 15 * np.sin(0.2)))


def test_weighted_sum_error_counts_copies_of_one_event_as_correlated():
    ev = ak.Array({"event": [0, 0, 0, 0, 1, 1, 1, 1], "weight": [0.25] * 8})
    passed = np.array([1, 1, 1, 1, 0, 0, 0, 1])
    total, err = weighted_sum(ev, passed)
    assert total == pytest.approx(1.25)
    # event 0 contributes (4 x 0.25)^2 = 1, event 1 (0.25)^2; independent rows would give 5 x 0.0625
    assert err == pytest.approx(np.sqrt(1 + 0.0625))


def test_sample_round_trip_and_digest(tmp_path):
    ev = ak.Array({"event": np.arange(3), "weight": np.ones(3), "leptons": [[{"px": 1.0}], [], [{"px": 2.0}]]})
    s = save_sample(ev, {"config_digest": "abc", "events": 3}, tmp_path / "s")
    back = load_sample(tmp_path / "s")
    assert back.meta["digest"] == s.meta["digest"] == content_digest(back.events)
    assert ak.to_list(back.events) == ak.to_list(ev)
    changed = ak.with_field(ev, np.array([1.0, 1.0, 1.5]), "weight")
    assert content_digest(changed) != s.meta["digest"]


def test_load_sample_errors_name_the_path(tmp_path):
    with pytest.raises(SampleError, match="not a lepreint sample"):
        load_sample(tmp_path)
    (tmp_path / "meta.json").write_text("{broken")
    (tmp_path / "events.parquet").write_text("")
    with pytest.raises(SampleError, match="meta.json: unreadable"):
        load_sample(tmp_path)
