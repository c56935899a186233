"""Cards: schema + semantic validation, one-line errors naming the field."""

import textwrap
from pathlib import Path

import pytest

from lepreint.config.cards import InvalidCard, analysis_config, benchmarks, find_card, load_card

ROOT = Path(__file__).resolve().parents[2]
GOOD = (ROOT / "cards/analyses/soft_displaced_emu.yaml").read_text()


def _edit(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new)


MODEL = textwrap.dedent("""\
    version: 1
    kind: model
    model: coscattering
    parameters: {mc: 220 GeV, dm: 20 GeV, ctau: 1 cm}
    """)

# (card text, field path that the message must name, words the message must contain)
BAD = {
    "missing_field": (_edit("luminosity: 140 /fb\n", ""), "luminosity", "missing"),
    "wrong_unit": (_edit("luminosity: 140 /fb", "luminosity: 140 GeV"), "luminosity", "integrated luminosity"),
    "no_unit": (
        _edit(
            "pt_min: 20 GeV, abs_eta_max: 2.4, isolation_cone: 0.2, isolation_max: 0.12", "pt_min: 20, abs_eta_max: 2.4"
        ),
        "electron.pt_min",
        "expected string",
    ),
    "overlapping_regions": (
        _edit("{name: SR II,  d0_min: 500 um", "{name: SR II,  d0_min: 400 um"),
        "signal_regions[1].d0_min",
        "overlap",
    ),
    "unordered_regions": (
        _edit("{name: SR III, d0_min: 1 mm,   d0_max: 10 cm}", "{name: SR III, d0_min: 0.1 mm, d0_max: 0.15 mm}"),
        "signal_regions[2].d0_min",
        "ordered",
    ),
    "empty_region": (
        _edit("{name: SR I,   d0_min: 200 um, d0_max: 500 um}", "{name: SR I, d0_min: 200 um, d0_max: 100 um}"),
        "signal_regions[0].d0_max",
        "d0_max > d0_min",
    ),
    "negative_luminosity": (_edit("luminosity: 140 /fb", "luminosity: -140 /fb"), "luminosity", "positive"),
    "wrong_type": (_edit("opposite_charge: true", "opposite_charge: sometimes"), "opposite_charge", "boolean"),
    "unknown_field": (
        _edit("opposite_charge: true", "opposite_charge: true\ntrigger_menu: yes"),
        "trigger_menu",
        "unknown field",
    ),
    "bad_enum": (_edit("mode: published", "mode: guess"), "background.mode", "formula"),
    "wrong_version": (_edit("version: 1", "version: 2"), "version", "expected 1"),
    "wrong_kind": (_edit("kind: analysis", "kind: detector_map"), "kind", "expected one of"),
    "counts_length": (_edit("counts: [3.2, 0.5, 0.019]", "counts: [3.2, 0.5]"), "background.counts", "3 values"),
    "region_beyond_d0max": (_edit("d0_max: 10 cm\n", "d0_max: 5 cm\n"), "signal_regions", "d0_max"),
    "not_yaml": ("version: 1\nkind: [analysis\n", "(top level)", "not valid YAML"),
    "trigger_with_emu": (
        _edit("opposite_charge: true", "opposite_charge: true\ntrigger: [{flavour: e, pt_min: 160 GeV}]"),
        "trigger",
        "only with pairing leading_two",
    ),
    "unknown_detector": (_edit("detector: cms_run2", "detector: cms_run9"), "detector", "no detector card"),
    "overlapping_boxes": (
        _edit(
            "{name: SR III, d0_min: 1 mm,   d0_max: 10 cm}",
            "{name: SR III, d0_first: [1 mm, 10 cm], d0_second: [0.4 mm, 10 cm]}",
        )
        .replace(
            "{name: SR I,   d0_min: 200 um, d0_max: 500 um}",
            "{name: SR I, d0_first: [0.2 mm, 1 mm], d0_second: [0.2 mm, 1 mm]}",
        )
        .replace(
            "{name: SR II,  d0_min: 500 um, d0_max: 1 mm}",
            "{name: SR II, d0_first: [5 mm, 10 cm], d0_second: [0.2 mm, 0.5 mm]}",
        ),
        "signal_regions[2]",
        "overlaps SR II",
    ),
    "box_and_interval": (
        _edit(
            "{name: SR III, d0_min: 1 mm,   d0_max: 10 cm}",
            "{name: SR III, d0_first: [1 mm, 10 cm], d0_second: [1 mm, 10 cm]}",
        ),
        "signal_regions[0]",
        "all regions boxes, or none",
    ),
    "veto_other_flavour_emu": (
        _edit("opposite_charge: true", "opposite_charge: true\nveto_other_flavour: {d0_min: 100 um}"),
        "veto_other_flavour",
        "only with pairing ee or mumu",
    ),
    "unknown_model": (MODEL.replace("coscattering", "axion_portal"), "model", "unknown model"),
    "dm_above_mc": (MODEL.replace("dm: 20 GeV", "dm: 300 GeV"), "parameters.dm", "dm < mc"),
    "negative_ctau": (MODEL.replace("ctau: 1 cm", "ctau: -1 cm"), "parameters.ctau", "positive"),
    "ctau_as_energy": (MODEL.replace("ctau: 1 cm", "ctau: 1 GeV"), "parameters.ctau", "a length"),
    # no NaN or infinity anywhere: they would pass every comparison and give a silent zero or a silent everything
    "nan_quantity": (_edit("d0_max: 10 cm\n", "d0_max: nan cm\n"), "d0_max", "is not finite"),
    "nan_number": (_edit("counts: [3.2, 0.5, 0.019]", "counts: [.nan, 0.5, 0.019]"), "background.counts[0]", "finite"),
    "inf_number": (_edit("counts: [3.2, 0.5, 0.019]", "counts: [3.2, .inf, 0.019]"), "background.counts[1]", "finite"),
    "key_twice": (_edit("luminosity: 140 /fb", "luminosity: 140 /fb\nluminosity: 1 /fb"), "(top level)", "given twice"),
    "sqrt_s_not_a_collider": (_edit("sqrt_s: 13 TeV", "sqrt_s: 13 GeV"), "sqrt_s", "1-100 TeV"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_invalid_card_names_field(tmp_path, name):
    text, field, words = BAD[name]
    f = tmp_path / f"{name}.yaml"
    f.write_text(text)
    with pytest.raises(InvalidCard) as exc:
        load_card(f)
    msg = str(exc.value)
    assert "\n" not in msg
    assert msg.startswith(str(f))
    assert f": {field}: " in msg, msg
    assert words in msg, msg


@pytest.mark.parametrize("name", ["wrong_unit", "overlapping_regions", "unknown_model", "not_yaml"])
def test_cli_check_one_line_exit_2(tmp_path, run_cli, name):
    text, field, _ = BAD[name]
    f = tmp_path / f"{name}.yaml"
    f.write_text(text)
    code, out, err = run_cli("check", f)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert str(f) in lines[0] and field in lines[0]


def test_missing_file_is_clean(run_cli):
    code, _, err = run_cli("check", "no/such/card.yaml")
    assert code == 2 and "file not found" in err and "Traceback" not in err


def test_shipped_cards_are_valid(run_cli):
    cards = [*sorted(str(p) for p in (ROOT / "cards").rglob("*.yaml")), str(ROOT / "benchmarks/table1.yaml")]
    code, out, err = run_cli("check", *cards)
    assert code == 0, err
    assert out.count("ok ") == len(cards)


def test_typed_analysis_view_in_internal_units():
    a = analysis_config("soft_displaced_emu")
    assert a.luminosity == 140.0 and a.sqrt_s == 13000.0
    assert [(r.d0_min, r.d0_max) for r in a.regions] == [(0.2, 0.5), (0.5, 1.0), (1.0, 100.0)]
    assert a.electron.isolation_max == 0.12 and a.muon.isolation_max == 0.15
    assert a.background.counts == (3.2, 0.5, 0.019) and a.background.formula_upper_limit == 70.0
    assert len(a.digest) == 64


def test_table1_benchmarks():
    bm = benchmarks()
    assert sorted(bm) == list(range(1, 8))
    assert (bm[1].mc, bm[1].dm, bm[1].ctau, bm[1].br_ll) == (324.0, 20.0, 20.0, 0.025)
    assert bm[6].ctau == 1000.0 and bm[7].dm == 40.0


def test_find_card_by_name_and_unknown_name():
    assert find_card("soft_displaced_emu", "analysis").name == "soft_displaced_emu.yaml"
    with pytest.raises(InvalidCard, match="known: .*soft_displaced_emu"):
        find_card("no_such_analysis", "analysis")


def test_cms_run2_channel_cards():
    """CMS's full Run 2 search as nine cards (channel x year): luminosities adding up to CMS's, the thresholds of
    2016 and 2017-18, each year's dead pixel region, five exclusive boxes per card."""
    import math

    lumi = {
        ch: sum(analysis_config(f"cms_exo_18_003_{ch}_{y}").luminosity for y in ("2016", "2017", "2018"))
        for ch in ("emu", "ee", "mumu")
    }
    assert lumi == pytest.approx({"emu": 112.5, "ee": 117.3, "mumu": 112.5})
    ee16, ee17 = analysis_config("cms_exo_18_003_ee_2016"), analysis_config("cms_exo_18_003_ee_2017")
    assert (ee16.pairing, ee16.electron.pt_min, ee17.electron.pt_min) == ("ee", 65.0, 75.0)
    assert ee16.veto_other_flavour_d0_min == pytest.approx(0.1) and ee16.electron.eta_phi_veto == ()
    assert ee17.electron.eta_phi_veto == ((1.0, 1.5, 2.7, 3.1416),)
    assert ee17.electron.isolation_pt_term == pytest.approx(0.506)
    mm18 = analysis_config("cms_exo_18_003_mumu_2018")
    assert mm18.muon.eta_phi_veto == ((0.3, 1.2, 0.4, 0.8),) and mm18.muon.max_production_radius == pytest.approx(160.0)
    emu = analysis_config("cms_exo_18_003_emu_2016")
    assert [r.name for r in emu.regions] == ["I lowpT", "I highpT", "II", "III", "IV"]
    low, high = emu.regions[0], emu.regions[1]
    assert (low.lead_pt_max, high.lead_pt_min, high.lead_pt_max) == (90.0, 90.0, math.inf)
    assert emu.regions[2].d0_first == pytest.approx((0.1, 0.5)) and emu.regions[2].d0_second == pytest.approx(
        (0.5, 100.0)
    )
    assert emu.observed == (8, 1, 0, 0, 0) and emu.background.counts[0] == pytest.approx(3.8)


def test_a_missing_own_card_folder_is_named(monkeypatch, tmp_path):
    """$LEPREINT_CARDS pointing nowhere would silently fall back to the shipped card of the same name."""
    from lepreint.errors import LepreintError

    monkeypatch.setenv("LEPREINT_CARDS", str(tmp_path / "nowhere"))
    with pytest.raises(LepreintError, match=r"LEPREINT_CARDS=.*nowhere: no such folder"):
        find_card("soft_displaced_emu", "analysis")


def test_yaml_merge_keys_are_not_duplicates(tmp_path):
    """'<<: *anchor' merges keys that the mapping's own keys may override: valid YAML, accepted; a key written
    twice in one mapping is not."""
    text = Path(find_card("slepton_grid_e", "scan")).read_text().replace("name: slepton_grid_e", "name: merged")
    merged = text.replace(
        "options: {flavour: e, states: LR}", "options:\n  <<: {flavour: mu, states: LR}\n  flavour: e"
    )
    assert merged != text
    path = tmp_path / "merged.yaml"
    path.write_text(merged)
    assert load_card(path).data["options"] == {"flavour": "e", "states": "LR"}
    path.write_text(merged.replace("  flavour: e", "  flavour: e\n  flavour: mu"))
    with pytest.raises(InvalidCard, match="the key 'flavour' is given twice"):
        load_card(path)


def test_an_analysis_runs_with_its_own_detector_and_refuses_another_built_in_one():
    """ATLAS's search with CMS's detector card would apply CMS's d0 tables instead of ATLAS's maps: refused."""
    from lepreint.config.cards import detector_for
    from lepreint.errors import LepreintError

    assert detector_for("atlas_susy_2018_14") == "atlas_run2"
    assert detector_for("soft_displaced_emu") == "cms_run2"
    assert detector_for("cms_exo_18_003") == "cms_run2"  # a combination: its parts' common detector
    assert detector_for("atlas_susy_2018_14", "atlas_run2") == "atlas_run2"
    with pytest.raises(LepreintError, match="atlas_susy_2018_14 is defined with the atlas_run2 detector"):
        detector_for("atlas_susy_2018_14", "cms_run2")
    with pytest.raises(LepreintError, match="defined with the cms_run2 detector"):
        detector_for("cms_8tev_emu", "atlas_run2")
    own = str(ROOT / "cards/detector/cms_run2.yaml")  # a detector card by path is the user's choice
    assert detector_for("atlas_susy_2018_14", own) == own


@pytest.mark.parametrize(
    "old, new, field",
    [
        ("electron: {pt_min: 65 GeV, abs_eta_max: 2.47}", "electron: {pt_min: 65 GeV, abs_eta_max: 2.47, isolation_max: 0.1}",
         "electron.isolation_max"),
        ("muon:     {pt_min: 65 GeV, abs_eta_max: 2.5}", "muon:     {pt_min: 65 GeV, abs_eta_max: 2.5, max_production_radius: 1 mm}",
         "muon.max_production_radius"),
        ("pair_min_dr: 0.2", "pair_min_dr: 0.2\nlepton_jet_veto: {jet_pt_min: 10 GeV, dr: 0.5}", "lepton_jet_veto"),
    ],
)  # fmt: skip
def test_a_leading_two_card_refuses_what_its_selection_does_not_read(tmp_path, old, new, field):
    """ATLAS's recipe takes isolation and the rest from its maps: such a field in its card would be ignored."""
    text = (ROOT / "cards/analyses/atlas_susy_2018_14.yaml").read_text()
    assert old in text
    f = tmp_path / "a.yaml"
    f.write_text(text.replace(old, new))
    with pytest.raises(InvalidCard) as e:
        load_card(f)
    assert e.value.field == field and "not read with pairing leading_two" in str(e.value)


def test_a_combination_of_parts_with_different_detectors_is_refused(tmp_path):
    """One detector simulates a combination's events: a part defined with another would run with the wrong one."""
    part = (ROOT / "cards/analyses/cms_exo_18_003_emu_2018.yaml").read_text()
    assert "detector: cms_run2" in part
    other = tmp_path / "emu_2018_atlas.yaml"
    other.write_text(part.replace("detector: cms_run2", "detector: atlas_run2"))
    comb = (ROOT / "cards/analyses/cms_exo_18_003.yaml").read_text()
    old = "parts: [cms_exo_18_003_emu_2017, cms_exo_18_003_emu_2018]"
    assert old in comb
    f = tmp_path / "comb.yaml"
    f.write_text(comb.replace(old, f"parts: [cms_exo_18_003_emu_2017, {other}]"))
    with pytest.raises(InvalidCard, match="runs with the atlas_run2 detector, another part with cms_run2"):
        load_card(f)


@pytest.mark.parametrize(
    "card, old, new, field, words",
    [
        # the signals go into the published likelihood's channels in order: one named twice took both signals and
        # pyhf kept one; one not in the file
        ("atlas_susy_2018_14", "channels: [SRee_cuts, SRmm_cuts, SRem_cuts]",
         "channels: [SRee_cuts, SRee_cuts, SRem_cuts]", "likelihood.channels", "named twice"),
        ("atlas_susy_2018_14", "channels: [SRee_cuts, SRmm_cuts, SRem_cuts]",
         "channels: [SRee_cuts, SRmumu_cuts, SRem_cuts]", "likelihood.channels", "SRmumu_cuts not in"),
        # the paper's Table 3 as printed: reference counts changed in that mode were not read
        ("soft_displaced_emu", "counts: [3.2, 0.5, 0.019]", "counts: [0.32, 0.05, 0.0019]", "background.counts",
         "read in mode 'formula' only"),
        ("soft_displaced_emu", "formula_upper_limit: 70 GeV", "formula_upper_limit: 100 GeV",
         "background.formula_upper_limit", "read in mode 'formula' only"),
    ],
)  # fmt: skip
def test_card_settings_that_would_not_be_read_as_written_are_refused(tmp_path, card, old, new, field, words):
    text = (ROOT / f"cards/analyses/{card}.yaml").read_text()
    assert old in text
    f = tmp_path / "a.yaml"
    f.write_text(text.replace(old, new))
    with pytest.raises(InvalidCard, match=words) as e:
        load_card(f)
    assert e.value.field == field
    # in formula mode the counts and the limit are what the background is computed from
    if card == "soft_displaced_emu":
        f.write_text(text.replace(old, new).replace("mode: published", "mode: formula"))
        load_card(f)


def test_a_card_without_a_background_has_none_rather_than_the_papers():
    """A part of CMS's Run 2 combination carries no background section; it fell back to the paper's heavy-flavour
    model and stopped with advice about that model's modes."""
    from lepreint.analysis.projection import analysis_background
    from lepreint.config.cards import analysis_config
    from lepreint.errors import LepreintError

    assert analysis_config("cms_exo_18_003_ee_2017").background.model == "none"
    with pytest.raises(LepreintError, match="cms_exo_18_003_ee_2017 has no background section"):
        analysis_background("cms_exo_18_003_ee_2017")
    assert analysis_background("cms_exo_18_003")[:3] == pytest.approx([3.8, 0.41, 0.09])


def test_the_network_runs_only_with_the_selection_and_detector_it_was_calibrated_with(tmp_path):
    """The network's heavy-flavour efficiency belongs to the paper's selection and detector: a copy of the paper's
    card at another energy passes, one with another detector or other thresholds does not."""
    from lepreint.analysis.projection import check_network_background
    from lepreint.config.cards import analysis_config
    from lepreint.errors import LepreintError

    check_network_background(analysis_config("soft_displaced_emu_run3"))
    text = (ROOT / "cards/analyses/soft_displaced_emu.yaml").read_text()
    for old, new in (("detector: cms_run2", "detector: atlas_run2"), ("{pt_min: 20 GeV", "{pt_min: 25 GeV")):
        assert old in text
        f = tmp_path / f"{new.split()[-1]}.yaml"
        f.write_text(text.replace(old, new, 1))
        with pytest.raises(LepreintError, match="selection and detector of soft_displaced_emu"):
            check_network_background(analysis_config(str(f)))


def test_a_network_is_checked_against_the_selection_it_was_calibrated_with():
    """A network calibrated (``calibrate``) with another card: that card's selection is the reference."""
    import copy

    from lepreint.analysis.projection import check_network_background
    from lepreint.classifier.network import load_classifier
    from lepreint.config.cards import analysis_config
    from lepreint.errors import LepreintError

    clf = load_classifier()
    assert clf.meta["training"]["analysis"] == "soft_displaced_emu"
    other = copy.copy(clf)
    other.meta = {**clf.meta, "background_efficiency": {**clf.meta["background_efficiency"]}}
    other.meta["background_efficiency"]["analysis"] = "cms_exo_16_022@paper_upper_limits"
    check_network_background(analysis_config("cms_exo_16_022@paper_upper_limits"), other)
    with pytest.raises(LepreintError, match="of cms_exo_16_022@paper_upper_limits, and this card's differ"):
        check_network_background(analysis_config("soft_displaced_emu"), other)
