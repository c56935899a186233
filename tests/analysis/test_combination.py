"""A search made of several analysis cards: CMS's full Run 2 search (EXO-18-003) as a combination card."""

import numpy as np
import pytest

from lepreint.analysis.yields import signal_yields
from lepreint.config.cards import InvalidCard, analysis_config, load_card
from lepreint.detector.simulate import Detector
from lepreint.events.generation.engine import GenerationRequest, generate
from lepreint.events.generation.pythia import ShowerOptions
from lepreint.events.lifetime import kinematic_prefilter


@pytest.fixture(scope="module")
def sleptons():
    """Co-NLSP sleptons (e, mu and tau pairs), 300 GeV, c tau = 2 mm: displaced leptons in all three channels."""
    req = GenerationRequest(
        "slepton",
        {"mslep": 300.0, "ctau": 2.0},
        300,
        seed=3,
        oversampling=4,
        options={"flavour": "co_nlsp"},
        shower=ShowerOptions(mpi=False),
    )
    return generate(req, cache=False)


def test_the_combination_card():
    c = analysis_config("cms_exo_18_003")
    assert len(c.regions) == 30 and len(c.parts) == 9 and c.pairing == "combination"
    assert c.regions[5].name == "emu 2017-18 I lowpT" and c.bins[1] == ("emu 2017-18", (1, 2))
    assert c.background.counts[:5] == pytest.approx((3.8, 0.41, 0.09, 0.15, 0.003))
    assert c.observed[10:15] == (40, 0, 0, 1, 0)  # ee, 2016
    assert c.luminosity == pytest.approx(117.3)


def test_combined_yields_add_their_parts(sleptons):
    det = Detector("cms_run2")
    c = analysis_config("cms_exo_18_003")
    y = signal_yields(sleptons, c, det)
    assert y.regions == [r.name for r in c.regions]
    parts = {p.name: signal_yields(sleptons, p, det) for p in c.parts}
    for b, (_label, idx) in enumerate(c.bins):
        names = [c.parts[i].name for i in idx]
        for k in range(5):
            # each part's signal at its own luminosity; the combination at its own (the same here)
            expected = sum(parts[n].S[k] for n in names)
            assert y.S[5 * b + k] == pytest.approx(expected, rel=1e-9, abs=1e-12)
            # the parts share their events: the error of the sum is per event, between the quadrature sum of the
            # parts' (independent samples) and their linear sum (identical selections)
            errs = [parts[n].S_err[k] for n in names]
            assert np.hypot.reduce(errs) * (1 - 1e-9) <= y.S_err[5 * b + k] <= sum(errs) * (1 + 1e-9)
    assert sum(y.S[10:20]) > 0 and sum(y.S[20:30]) > 0 and sum(y.S[:10]) > 0  # ee, mu-mu and e-mu all filled
    # another luminosity scales every bin
    y2 = signal_yields(sleptons, c, det, luminosity=2 * c.luminosity)
    assert y2.S == pytest.approx([2 * s for s in y.S])
    # the prefilter keeps the rows any part could select
    keep = kinematic_prefilter(sleptons.events, c)
    assert keep.tolist() == np.logical_or.reduce([kinematic_prefilter(sleptons.events, p) for p in c.parts]).tolist()


def test_a_bad_combination_names_its_field(tmp_path):
    text = tmp_path / "x.yaml"
    good = analysis_config("cms_exo_18_003").card
    src = open(good).read()
    text.write_text(
        src.replace("parts: [cms_exo_18_003_ee_2016]", "parts: [cms_exo_18_003_ee_2016, soft_displaced_emu]", 1)
    )
    with pytest.raises(InvalidCard, match=r"bins\[2\]\.parts\[1\]: soft_displaced_emu's regions"):
        load_card(text)
    text.write_text(src.replace("observed: [40, 0, 0, 1, 0]", "observed: [40, 0, 0, 1]", 1))
    with pytest.raises(InvalidCard, match=r"bins\[2\]\.observed: expected 5 values"):
        load_card(text)


def test_the_fast_ctau_path_of_a_combination_equals_the_full_chain(sleptons):
    from lepreint.events.lifetime import resample
    from lepreint.results.fast_scan import CombinedScan

    c, det = analysis_config("cms_exo_18_003"), Detector("cms_run2")
    sc = CombinedScan(sleptons, c, det, draws=2, seed=5)
    assert sc.supported, sc.reason
    for ctau in (0.5, 5.0, 50.0):
        fast = sc.evaluate(ctau)
        full = signal_yields(resample(sleptons, ctau, 2, 5), c, det)
        np.testing.assert_allclose(fast.S, full.S, rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(fast.S_err, full.S_err, rtol=1e-10, atol=1e-13)
    assert sum(sc.evaluate(5.0).S) > 0


def test_a_combination_with_a_part_off_the_fast_path_falls_back(sleptons):
    """A part the fast path does not cover (ATLAS's leading-pair selection) makes the combination's scanner report
    itself unsupported (the scan then runs the full chain), not fail."""
    import dataclasses

    from lepreint.results.fast_scan import CombinedScan

    atlas = analysis_config("atlas_susy_2018_14")
    c = dataclasses.replace(
        analysis_config("cms_exo_18_003"), parts=(atlas,), bins=(("atlas", (0,)),), regions=atlas.regions
    )
    sc = CombinedScan(sleptons, c, Detector("atlas_run2"))
    assert not sc.supported and "atlas_susy_2018_14" in sc.reason
