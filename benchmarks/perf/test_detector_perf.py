"""Speed of the detector + selection stage on slim events (`make bench`), printed: rows per CPU second.

The sample is a real production (220, 20, 1 cm) with multiple interactions (so the events carry the
jets and isolation sums of a full event), 4000 Pythia events x K = 50 = 200 000 slim rows, from the
cache after the first run.  One process, CPU time: the figure is per core.
"""

import time

import numpy as np
import pytest

from lepreint.analysis.selection import select
from lepreint.config.cards import analysis_config
from lepreint.detector.simulate import Detector
from lepreint.events.generation.engine import GenerationRequest, generate


@pytest.mark.slow
def test_detector_and_selection_throughput(capsys):
    s = generate(GenerationRequest("coscattering", {"mc": 220.0, "dm": 20.0, "ctau": 10.0}, 4000, 11, 50), workers=2)
    det, cfg = Detector("cms_run2"), analysis_config("soft_displaced_emu")
    ev = s.events
    select(det.simulate(ev[:1000], np.random.default_rng(0)), cfg)  # warm-up
    rates = []
    for rep in range(3):
        t0 = time.process_time()
        reco = det.simulate(ev, np.random.default_rng(rep))
        t1 = time.process_time()
        sel = select(reco, cfg)
        t2 = time.process_time()
        rates.append((len(ev) / (t1 - t0), len(ev) / (t2 - t1), len(ev) / (t2 - t0)))
    det_rate, sel_rate, total = np.median(np.array(rates), axis=0)
    with capsys.disabled():
        print(
            f"\n[bench] detector + selection on {len(ev):,} slim rows (MPI on): detector {det_rate:,.0f}/s, "
            f"selection {sel_rate:,.0f}/s, together {total:,.0f} rows per CPU s (target 200,000)"
        )
    assert sel.region_prob.shape == (len(ev), 3)
    assert total >= 200_000
