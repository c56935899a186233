"""The three analysis cards through the whole pipeline (generation, detector, selection, yields)."""

import pytest

from lepreint.analysis.yields import signal_yields
from lepreint.config.cards import analysis_config
from lepreint.errors import LepreintError
from lepreint.events.generation.engine import GenerationRequest, generate
from lepreint.events.generation.pythia import ShowerOptions


def _sample(ecm):
    req = GenerationRequest(
        "coscattering",
        {"mc": 220, "dm": 40, "ctau": 5.0},
        events=150,
        seed=3,
        oversampling=20,
        shower=ShowerOptions(ecm=ecm, mpi=False),
        chunk_size=150,
    )
    return generate(req, workers=1)


@pytest.fixture(scope="module")
def s13():
    return _sample(13000.0)


def test_cms_exo_16_022_is_a_subset_of_the_paper_selection_at_its_thresholds(s13):
    """The 2015 search is the paper's selection at (42, 40) GeV with CMS's lepton definition (its leptons are those
    above its thresholds: a softer one vetoes nothing) and the identifications' production radii on top: a subset,
    per unit luminosity."""
    import dataclasses

    paper_cfg = analysis_config("soft_displaced_emu")
    at_42_40 = dataclasses.replace(
        paper_cfg,
        electron=dataclasses.replace(paper_cfg.electron, pt_min=42.0),
        muon=dataclasses.replace(paper_cfg.muon, pt_min=40.0),
        preselection_pt_min=None,
    )
    paper = signal_yields(s13, at_42_40)
    cms = signal_yields(s13, "cms_exo_16_022")
    assert cms.luminosity == 2.6 and paper.luminosity == 140
    for a, b in zip(cms.efficiency, paper.efficiency):
        assert 0 <= a <= b
    assert sum(cms.efficiency) > 0
    assert sum(cms.efficiency) < sum(signal_yields(s13, "soft_displaced_emu").efficiency)


def test_cms_8tev_needs_an_8tev_sample(s13):
    with pytest.raises(LepreintError, match="8 TeV"):
        signal_yields(s13, "cms_8tev_emu")
    s8 = _sample(8000.0)
    assert s8.meta["xsec_source"].startswith("table x K")
    assert 0.3 < s8.meta["xsec_fb"] / s13.meta["xsec_fb"] < 0.5
    r = signal_yields(s8, "cms_8tev_emu")
    cfg = analysis_config("cms_8tev_emu")
    assert r.luminosity == 19.7 and r.regions == ["SR1", "SR2", "SR3"] and cfg.d0_max == 20.0
    assert sum(r.S) > 0
