"""Applying the shipped network to 10^5 slim events (`make bench`): detector, selection, features, NN; one core."""

import time

import pytest

from lepreint.analysis.projection import nn_signal
from lepreint.classifier.network import load_classifier
from lepreint.events.generation.engine import GenerationRequest, generate


@pytest.mark.slow
def test_apply_network_to_1e5_slim_events(capsys):
    s = generate(GenerationRequest("coscattering", {"mc": 220.0, "dm": 20.0, "ctau": 10.0}, 5000, 12, 20), workers=2)
    ev = s.events[:100_000]
    s100k = type(s)(ev, s.meta, s.path)
    clf = load_classifier()
    t0 = time.process_time()
    r = nn_signal(s100k, clf, 0.9)
    dt = time.process_time() - t0
    with capsys.disabled():
        print(
            f"\n[bench] network applied to {len(ev):,} slim rows (detector + selection + 9 features + NN): "
            f"{dt:.2f} CPU s ({len(r.scores):,} candidate pairs; target < 5 s)"
        )
    assert len(ev) == 100_000 and dt < 5.0
