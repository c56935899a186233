"""The heavy-flavour sample (`make bench`): wall time on 2 cores for >= 4000 opposite-charge e-mu
events with both pT > 20 GeV, from an empty cache, default settings (multiple interactions on)."""

import time

import awkward as ak
import numpy as np
import pytest

from lepreint.classifier.network import BBBAR_EVENTS, BBBAR_SEED
from lepreint.events.generation.engine import GenerationRequest, generate
from validation.events import os_emu


@pytest.mark.slow
def test_bbbar_4000_os_emu_within_an_hour(capsys):
    req = GenerationRequest("bbbar", {}, BBBAR_EVENTS, BBBAR_SEED)
    t = time.perf_counter()
    s = generate(req, workers=2, cache=False)
    wall = time.perf_counter() - t
    ok = os_emu(s)
    w = ak.to_numpy(s.events.weight)[ok]
    n_eff = w.sum() ** 2 / np.sum(w**2)
    with capsys.disabled():
        print(
            f"\n[bench] b-bbar: {s.meta['events']} filtered events of {s.meta['tried']} tried in {wall:.0f} s on 2 workers; "
            f"{ok.sum()} opposite-charge e-mu with both pT > 20 GeV (effective {n_eff:.0f} after the pT-hat bias weights)"
        )
    assert ok.sum() >= 4000 and wall < 3600
