"""Generation with Pythia: reproducibility, the LLP table, the decay leptons, the cache, b-bbar."""

import awkward as ak
import numpy as np
import pytest

from lepreint.errors import LepreintError
from lepreint.events.generation.engine import GenerationRequest, generate
from lepreint.events.generation.pythia import ShowerOptions


def test_sample_layout_and_metadata(small_signal):
    req, s = small_signal
    ev = s.events
    assert len(ev) == 200 * 25 and s.meta["events"] == 200 and s.meta["tried"] == 200
    assert sorted(set(ak.to_numpy(ev.copy))) == list(range(25))
    assert np.allclose(ak.to_numpy(ev.weight), 1 / 25)
    # two charginos of opposite charge in every row, decayed at distinct vertices per copy
    assert ak.all(ak.num(ev.llps) == 2)
    assert ak.all(ak.sum(np.sign(ev.llps.pdg), axis=1) == 0)
    assert not np.allclose(ak.to_numpy(ev.llps.dx[ev.copy == 0][:, 0]), ak.to_numpy(ev.llps.dx[ev.copy == 1][:, 0]))
    # the copies share the production kinematics of their event
    assert np.allclose(ak.to_numpy(ev.llps.px[ev.copy == 0][:, 0]), ak.to_numpy(ev.llps.px[ev.copy == 24][:, 0]))
    # decay leptons: charge follows the chargino, vertex is its decay vertex (or the tau's, nearby)
    lep = ev.leptons[ev.leptons.llp >= 0]
    parent = ev.llps[lep.llp]
    assert ak.all(lep.charge == np.sign(parent.pdg))
    dist = np.sqrt((lep.vx - parent.dx) ** 2 + (lep.vy - parent.dy) ** 2 + (lep.vz - parent.dz) ** 2)
    assert ak.mean(dist == 0) > 0.8 and ak.max(dist) < 50  # taus fly ~ 0.1 mm x gamma
    modes = set(ak.to_numpy(ak.flatten(ev.llps.mode)))
    assert modes == {0, 11, 13, 15}
    m = s.meta
    for key in ("xsec_fb", "xsec_source", "seed", "options", "shower", "versions", "digest", "config_digest"):
        assert key in m
    assert m["shower"]["mpi"] is False and m["options"]["matrix_element"] == "V-A"
    assert m["xsec_fb"] == pytest.approx(630.68, rel=1e-3)  # the NLO+NLL table at 220 GeV (a power law from 200, 225)


def test_cache_hit_costs_nothing_and_returns_the_same_sample(small_signal):
    req, s = small_signal
    again = generate(req, workers=1)
    assert again.cache_hit and again.digest == s.digest and again.path == s.path


def test_same_seed_same_digest_whatever_the_workers(small_signal):
    req, s = small_signal
    fresh1 = generate(req, workers=1, cache=False)
    fresh2 = generate(req, workers=2, cache=False)
    assert fresh1.digest == fresh2.digest == s.digest
    other = GenerationRequest(
        req.model,
        req.parameters,
        req.events,
        req.seed + 1,
        req.oversampling,
        req.options,
        req.shower,
        req.xsec_source,
        req.chunk_size,
    )
    assert generate(other, cache=False).digest != s.digest


def test_llp_proper_decay_lengths_follow_ctau(small_signal):
    _, s = small_signal
    ct = ak.to_numpy(ak.flatten(s.events.llps.ctau))
    assert ct.size == 10_000  # every copy draws its own decay length
    # maximum-likelihood fit of an exponential: the mean, 1% statistical error on 10^4 LLPs
    assert ct.mean() == pytest.approx(10.0, rel=0.02)
    # and the decay vertices sit at beta gamma c t from the origin
    llp = s.events.llps
    flight = np.sqrt(llp.dx**2 + llp.dy**2 + llp.dz**2)
    bg = np.sqrt(llp.px**2 + llp.py**2 + llp.pz**2) / llp.mass
    assert np.allclose(ak.to_numpy(ak.flatten(flight)), ak.to_numpy(ak.flatten(bg * llp.ctau)))


def test_bad_requests_are_user_errors():
    with pytest.raises(LepreintError, match="0 < dm < mc"):
        GenerationRequest("coscattering", {"mc": 220, "dm": 300, "ctau": 1}, events=10)
    with pytest.raises(LepreintError, match="unknown model"):
        GenerationRequest("susy", {}, events=10)
    with pytest.raises(LepreintError, match="unknown option"):
        GenerationRequest("coscattering", {"mc": 220, "dm": 20, "ctau": 1}, events=10, options={"colour": 1})
    req = GenerationRequest("coscattering", {"mc": 5000, "dm": 20, "ctau": 1}, events=10)
    with pytest.raises(LepreintError, match="outside the wino-c1c1 table"):
        generate(req, cache=False)


def test_bbbar_filter_keeps_e_mu_events_and_weights():
    req = GenerationRequest(
        "bbbar", {}, events=5, seed=2, shower=ShowerOptions(mpi=False), chunk_size=100, options={"filter_pt": 8.0}
    )
    s = generate(req, cache=False)
    assert s.meta["events"] >= 5 and s.meta["tried"] % 100 == 0
    lep = s.events.leptons
    pt = np.hypot(lep.px, lep.py)
    assert ak.all(ak.any((abs(lep.pdg) == 11) & (pt > 8), axis=1))
    assert ak.all(ak.any((abs(lep.pdg) == 13) & (pt > 8), axis=1))
    assert 0 < s.meta["filter_efficiency"] < 1
    # leptons from b and c decays are displaced (hadron lifetimes), not at the origin
    r = np.hypot(ak.flatten(lep.vx), ak.flatten(lep.vy))
    assert ak.mean(r > 0.01) > 0.5


def test_a_filter_that_accepts_nothing_stops_with_an_error(monkeypatch):
    import lepreint.events.generation.engine as engine

    monkeypatch.setattr(engine, "MAX_EMPTY_CHUNKS", 2)
    req = GenerationRequest(
        "bbbar", {}, events=5, seed=2, shower=ShowerOptions(mpi=False), chunk_size=20, options={"filter_pt": 5000.0}
    )
    with pytest.raises(LepreintError, match="accepted none of 40 events"):
        generate(req, cache=False)


def test_chunk_seeds_of_a_run_are_distinct():
    from lepreint.events.generation.engine import _chunk_seeds

    seeds = [_chunk_seeds(123, i)[0] for i in range(20_000)]
    assert len(set(seeds)) == len(seeds) and min(seeds) >= 1


def test_a_change_of_a_models_decays_is_a_new_sample(monkeypatch):
    """The cache key holds lepreint's own decays as the model computes them: new branching ratios (a corrected
    width) never reuse a sample drawn with the old ones."""
    from lepreint.models import hnl

    req = GenerationRequest("hnl", {"mN": 10.0, "U2": 1e-6}, events=10, seed=3)
    before = req.config()
    assert before["llp_decay"]["ctau"] == pytest.approx(hnl.ctau(10.0, 1e-6))
    monkeypatch.setattr(hnl, "branching", lambda m, o: {201: 1.0})
    after = GenerationRequest("hnl", {"mN": 10.0, "U2": 1e-6}, events=10, seed=3).config()
    assert after["llp_decay"]["branching"] == {"201": 1.0} and after != before


def test_samples_pythia_decays_keep_their_key_without_a_decay_of_lepreint():
    """A model whose long-lived particles Pythia decays has no decay of lepreint's in its key."""
    assert "llp_decay" not in GenerationRequest("stop", {"mstop": 500.0, "ctau": 10.0}, events=10, seed=1).config()
