"""Signal regions on generated events: exclusive, from non-degenerate d0, moving with c tau as Fig. 5 says."""

import dataclasses

import awkward as ak
import numpy as np
import pytest

from lepreint.analysis.selection import select
from lepreint.config.cards import analysis_config
from lepreint.detector.simulate import Detector
from lepreint.events.generation.engine import GenerationRequest, generate
from lepreint.events.generation.pythia import ShowerOptions


def _sample(ctau_mm, events=150, k=20):
    req = GenerationRequest(
        "coscattering",
        {"mc": 220, "dm": 20, "ctau": ctau_mm},
        events=events,
        seed=5,
        oversampling=k,
        shower=ShowerOptions(mpi=False),
        chunk_size=events,
    )
    return generate(req, workers=1)


def _loose():
    """The paper's regions with the lepton thresholds lowered to 5 GeV (more selected pairs per test event)."""
    cfg = analysis_config("soft_displaced_emu")
    low = {"pt_min": 5.0}
    return dataclasses.replace(
        cfg,
        preselection_pt_min=5.0,
        electron=dataclasses.replace(cfg.electron, **low),
        muon=dataclasses.replace(cfg.muon, **low),
    )


@pytest.fixture(scope="module")
def by_ctau():
    det, cfg = Detector("cms_run2"), _loose()
    out = {}
    for ctau in (0.3, 3.0, 30.0, 300.0):
        s = _sample(ctau)
        reco = det.simulate(s.events, np.random.default_rng(0))
        out[ctau] = (s, reco, select(reco, cfg))
    return out


def test_regions_are_exclusive_and_ordered(by_ctau):
    cfg = _loose()
    edges = [(r.d0_min, r.d0_max) for r in cfg.regions]
    assert all(a[1] <= b[0] for a, b in zip(edges, edges[1:])), "regions ordered and non-overlapping in d0"
    for _, _reco, sel in by_ctau.values():
        # every candidate pair's smaller d0 falls in at most one region
        d0 = ak.to_numpy(ak.flatten(sel.d0_small))
        inside = np.column_stack([(d0 >= lo) & (d0 < hi) for lo, hi in edges])
        assert inside.sum(axis=1).max() <= 1
        # per row the region probabilities add up to at most the probability of passing the selection
        total = sel.region_prob.sum(axis=1)
        assert np.all(total <= sel.cutflow["d0 < d0_max"] + 1e-12)
        assert np.all(total <= 1 + 1e-12) and np.all(sel.region_prob >= 0)


def test_d0_is_not_degenerate(by_ctau):
    for ctau, (_, reco, _) in by_ctau.items():
        lep = reco.leptons[reco.leptons.llp >= 0]
        d0 = ak.to_numpy(ak.flatten(lep.d0))
        assert d0.size > 100
        assert np.all(np.isfinite(d0)) and np.all(d0 >= 0)
        assert np.mean(d0 == 0) < 0.01, f"c tau = {ctau} mm: d0 is zero for displaced leptons"
        assert np.std(np.log(d0[d0 > 0])) > 0.5, f"c tau = {ctau} mm: d0 nearly constant"
    # Eq. (2.13): d0 scales with the decay length (equally spaced in log d0 for c tau x 10 steps)
    med = [np.median(ak.to_numpy(ak.flatten(r.leptons[r.leptons.llp >= 0].d0))) for _, r, _ in by_ctau.values()]
    steps = np.diff(np.log10(med))
    assert np.all(steps[:2] > 0.8) and np.all(steps[:2] < 1.2), med
    # ... until the efficiency (zero beyond d0 = 10 cm) and the tracker volume cut it off at 30 cm
    assert 0 < steps[2] < 0.8, med


def test_region_fractions_move_with_ctau_as_fig5(by_ctau):
    """Fig. 5: SR I is sensitive up to c tau ~ 2 mm, SR II and III probe longer decay lengths."""
    frac = {}
    for ctau, (s, _, sel) in by_ctau.items():
        w = ak.to_numpy(s.events.weight)
        y = (w[:, None] * sel.region_prob).sum(axis=0)
        assert y.sum() > 0
        frac[ctau] = y / y.sum()
    ctaus = sorted(frac)
    # SR I dominates at 0.3 mm, SR III at 3 cm and beyond
    assert np.argmax(frac[0.3]) == 0
    assert frac[30.0][2] > 0.6 and frac[300.0][2] > 0.8
    # the SR I share falls and the SR III share rises monotonically with c tau
    assert all(frac[a][0] > frac[b][0] for a, b in zip(ctaus, ctaus[1:]))
    assert all(frac[a][2] < frac[b][2] for a, b in zip(ctaus, ctaus[1:]))
    # the 1 m benchmark loses events to the tracker volume: fewer selected than at 3 cm
    n = {c: (ak.to_numpy(by_ctau[c][0].events.weight)[:, None] * by_ctau[c][2].region_prob).sum() for c in ctaus}
    assert n[300.0] < n[30.0]
