"""One input path: sample folders, sample ids, and HepMC3 files read once and cached by content."""

import pytest

from lepreint.errors import LepreintError
from lepreint.events.generation.engine import GenerationRequest, generate
from lepreint.events.generation.pythia import ShowerOptions
from lepreint.events.inputs import load_input, sample_id


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    d = tmp_path_factory.mktemp("inputs")
    req = GenerationRequest(
        "coscattering",
        {"mc": 220, "dm": 20, "ctau": 10.0},
        events=30,
        seed=9,
        oversampling=2,
        options={"decays": "leptonic"},
        shower=ShowerOptions(mpi=False),
    )
    return generate(req, hepmc=d / "s.hepmc3"), generate(req), d / "s.hepmc3"


def test_a_hepmc_file_is_read_once_and_a_changed_file_is_read_again(generated, tmp_path):
    _, _, f = generated
    copy = tmp_path / "s.hepmc3"
    copy.write_bytes(f.read_bytes())
    first, info1 = load_input(copy)
    second, info2 = load_input(copy)
    assert not info1["cache_hit"] and info2["cache_hit"]
    assert first.meta["digest"] == second.meta["digest"] and second.meta["source_file"] == str(copy)
    assert second.path is None  # named by its file, not by the cache folder
    # other reader options: another cache entry
    _, info3 = load_input(copy, llp_ids=[1000024])
    assert not info3["cache_hit"]
    # the same bytes under another name: the cache serves them; changed bytes: read again
    other = tmp_path / "renamed.hepmc3"
    other.write_bytes(copy.read_bytes())
    assert load_input(other)[1]["cache_hit"]
    text = copy.read_text()
    copy.write_text(
        text.replace("E 0 ", "E 0 ", 1).replace(
            "HepMC::Asciiv3-END_EVENT_LISTING", "HepMC::Asciiv3-END_EVENT_LISTING\n"
        )
    )
    assert not load_input(copy)[1]["cache_hit"]


def test_samples_by_folder_and_by_id(generated):
    _, cached, _ = generated
    sid = sample_id(cached)
    for spec in (cached.path, cached.path / "events.parquet", sid, sid[:8]):
        s, info = load_input(spec)
        assert s.meta["digest"] == cached.meta["digest"] and info == {}
    with pytest.raises(LepreintError, match="no such file, sample folder or sample id"):
        load_input("0000000000ff")
    with pytest.raises(LepreintError, match="apply to HepMC3 files"):
        load_input(sid, llp_ids=[1000024])
