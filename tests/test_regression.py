"""Behaviour pinned across refactoring: sample content digests and the validation report's numbers.

The digests were recorded at commit 8ad0d3a (before the correctness and package work) and must not move
unless generation physics changes on purpose (then ``GENERATION_REVISION`` is bumped and these are re-recorded
with a reason).  The quick validation records (no events) must equal the committed report's numbers."""

import json
import math
from pathlib import Path

import pytest

from lepreint.events.generation.engine import GenerationRequest, generate
from lepreint.events.generation.pythia import ShowerOptions

ROOT = Path(__file__).resolve().parent.parent

#: the demo's sample at 2000 events (its first chunks are those of the 20 000-event demo); checked in
#: tests/test_packaging.py, where the wheel's demo generates it
DEMO_2000_DIGEST = "b5ef79b2047fd6d46acb8f37058e4a1073a3f75fb3237127ca7419b69cbe948b"
#: its excluded c tau range (mm) per luminosity; re-recorded when cross sections between table rows became a power law
#: (220 GeV: 630.7 fb instead of 633.3, which narrows the range by 0.2-0.5%)
DEMO_2000_EXCLUDED = {"140": (1.368110747853888, 701.6511715978058), "300": (1.0048963174734826, 946.5013870123877)}


@pytest.mark.parametrize(
    "request_,digest",
    [
        (
            GenerationRequest(
                "coscattering",
                {"mc": 220, "dm": 20, "ctau": 10.0},
                events=200,
                seed=11,
                oversampling=25,
                options={"decays": "eq2.16"},
                shower=ShowerOptions(mpi=False),
                chunk_size=100,
            ),
            # re-recorded when taus of the W* became left-handed (eq2.16 decays give taus)
            "3a195671f6d1ebadb920802d9c371c874af81c61d563f379db17d03ad02f4610",
        ),
        (
            GenerationRequest(
                "bbbar",
                {},
                events=3,
                seed=5,
                shower=ShowerOptions(mpi=False),
                chunk_size=100,
                options={"filter_pt": 8.0},
            ),
            "cb9759ca3878f515d1c16d0573dcf3667e0e595b19baf711c06562346bb63b0d",
        ),
    ],
    ids=["coscattering", "bbbar"],
)
def test_sample_digests_are_unchanged(request_, digest):
    assert generate(request_, cache=False).meta["digest"] == digest


def test_the_quick_validation_records_equal_the_committed_report(tmp_path):
    from validation import validate

    committed = {r["id"]: r for r in json.loads((ROOT / "validation/report/report.json").read_text())}
    records = validate(tmp_path / "report", quick=True)
    assert len(records) >= 70
    for r in records:
        ours, ref = r.ours, committed[r.id]["ours"]
        if isinstance(ours, (int, float)) and isinstance(ref, (int, float)):
            assert math.isclose(ours, ref, rel_tol=1e-12, abs_tol=1e-15), r.id
        else:
            assert ours == ref, r.id
