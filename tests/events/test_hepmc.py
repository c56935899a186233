"""HepMC3: the writer/reader round trip, units, broken files."""

import gzip
import re

import awkward as ak
import numpy as np
import pytest

from lepreint.analysis.yields import normalisation
from lepreint.events.generation.engine import GenerationRequest, generate
from lepreint.events.generation.pythia import ShowerOptions
from lepreint.events.hepmc import HepMCError, read_hepmc


def _assert_same_rows(a, b, rtol=1e-9, atol=1e-9):
    assert len(a) == len(b)
    for f in a.fields:
        if f in ("leptons", "jets", "llps"):
            assert ak.to_list(ak.num(a[f])) == ak.to_list(ak.num(b[f])), f
            for g in a[f].fields:
                x = ak.to_numpy(ak.flatten(a[f][g])).astype(float)
                y = ak.to_numpy(ak.flatten(b[f][g])).astype(float)
                assert np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=True), f"{f}.{g}"
        else:
            assert np.allclose(
                ak.to_numpy(a[f]).astype(float), ak.to_numpy(b[f]).astype(float), rtol=rtol, atol=atol
            ), f


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    d = tmp_path_factory.mktemp("hepmc")
    req = GenerationRequest(
        "coscattering",
        {"mc": 220, "dm": 20, "ctau": 10.0},
        events=40,
        seed=4,
        oversampling=3,
        options={"decays": "eq2.16"},
        shower=ShowerOptions(mpi=False),
    )
    gev_mm = generate(req, cache=False, hepmc=d / "s.hepmc3")
    generate(req, cache=False, hepmc=d / "s_mev_cm.hepmc3", hepmc_options={"momentum_unit": "MEV", "length_unit": "CM"})
    return d, gev_mm


def test_round_trip_reproduces_the_slim_events(written):
    d, sample = written
    back, stats = read_hepmc(d / "s.hepmc3")
    assert stats.events == 120 and stats.bad_events == 0 and not stats.truncated
    _assert_same_rows(sample.events, back.events)
    assert back.meta["events"] == 40 and back.meta["oversampling"] == 3  # copies keep their event id


def test_mev_and_cm_read_the_same_as_gev_and_mm(written):
    d, _ = written
    text = (d / "s_mev_cm.hepmc3").read_text()
    assert "U MEV CM" in text
    a, _ = read_hepmc(d / "s.hepmc3")
    b, _ = read_hepmc(d / "s_mev_cm.hepmc3")
    _assert_same_rows(a.events, b.events, rtol=1e-9, atol=1e-9)


def test_gzip_is_read_transparently(written, tmp_path):
    d, _ = written
    gz = tmp_path / "s.hepmc3.gz"
    gz.write_bytes(gzip.compress((d / "s.hepmc3").read_bytes()))
    a, _ = read_hepmc(d / "s.hepmc3")
    b, _ = read_hepmc(gz)
    assert a.meta["digest"] == b.meta["digest"]


def test_bbbar_round_trip_keeps_displaced_lepton_vertices(tmp_path):
    req = GenerationRequest(
        "bbbar", {}, events=3, seed=5, shower=ShowerOptions(mpi=False), chunk_size=100, options={"filter_pt": 8.0}
    )
    s = generate(req, cache=False, hepmc=tmp_path / "bb.hepmc3")
    back, _ = read_hepmc(tmp_path / "bb.hepmc3")
    _assert_same_rows(s.events, back.events)
    # the file holds the filtered events only: its cross section is the process's times the filter's efficiency,
    # so that a reader's cross section per unit of the file's weight is the sample's (the yields are the same)
    assert 0 < s.meta["filter_efficiency"] < 0.5
    assert back.meta["xsec_fb"] == pytest.approx(s.meta["xsec_fb"] * s.meta["filter_efficiency"], rel=1e-6)
    per_weight = back.meta["xsec_fb"] / normalisation(back)
    assert per_weight == pytest.approx(s.meta["xsec_fb"] / normalisation(s), rel=1e-6)


def _truncate(src, dst, frac=0.6):
    text = src.read_text()
    dst.write_text(text[: int(len(text) * frac)])


def test_truncated_file_names_the_event(written, tmp_path):
    d, _ = written
    bad = tmp_path / "cut.hepmc3"
    _truncate(d / "s.hepmc3", bad)
    with pytest.raises(HepMCError, match=r"cut.hepmc3: event \d+ \(line \d+\): malformed or truncated"):
        read_hepmc(bad)
    sample, stats = read_hepmc(bad, skip_bad=True)
    assert stats.bad_events == 1 and stats.truncated
    assert 0 < stats.events < 120


def test_malformed_event_in_the_middle_is_skipped_and_counted(written, tmp_path):
    d, _ = written
    lines = (d / "s.hepmc3").read_text().splitlines(keepends=True)
    starts = [i for i, ln in enumerate(lines) if ln.startswith("E ")]
    victim = next(i for i in range(starts[5], starts[6]) if lines[i].startswith("P "))
    del lines[victim]  # event 6 now has one particle fewer than its header says
    bad = tmp_path / "hole.hepmc3"
    bad.write_text("".join(lines))
    with pytest.raises(HepMCError, match="event 6 "):
        read_hepmc(bad)
    sample, stats = read_hepmc(bad, skip_bad=True)
    assert stats.bad_events == 1 and stats.events == 119 and not stats.truncated


def test_not_a_hepmc_file(tmp_path):
    f = tmp_path / "x.hepmc3"
    f.write_text("hello\n")
    with pytest.raises(HepMCError, match="not an ASCII HepMC3 file"):
        read_hepmc(f)
    with pytest.raises(HepMCError, match="no such file"):
        read_hepmc(tmp_path / "missing.hepmc3")


def test_stand_in_mothers_are_never_llps(tmp_path):
    # b-bbar leptons come from displaced vertices whose mothers lepreint writes as status-11 stand-ins;
    # even the 'displaced' LLP rule must not pick them up
    req = GenerationRequest(
        "bbbar", {}, events=3, seed=5, shower=ShowerOptions(mpi=False), chunk_size=100, options={"filter_pt": 8.0}
    )
    s = generate(req, cache=False, hepmc=tmp_path / "bb.hepmc3")
    back, _ = read_hepmc(tmp_path / "bb.hepmc3", displaced_mm=0.001)
    _assert_same_rows(s.events, back.events)


def _write(path, body):
    path.write_text("HepMC::Version 3.02.05\nHepMC::Asciiv3-START_EVENT_LISTING\n" + body)


def test_empty_file_and_event_without_vertices(tmp_path):
    empty = tmp_path / "empty.hepmc3"
    _write(empty, "HepMC::Asciiv3-END_EVENT_LISTING\n")
    sample, stats = read_hepmc(empty)
    assert stats.events == 0 and not stats.truncated
    novtx = tmp_path / "novtx.hepmc3"
    _write(
        novtx,
        "E 0 0 2\nU GEV MM\nP 1 0 13 3.0 4.0 0.0 5.0011 0.1057 1\nP 2 0 -11 -3.0 -4.0 1.0 5.1 0.0005 1\n"
        "HepMC::Asciiv3-END_EVENT_LISTING\n",
    )
    sample, stats = read_hepmc(novtx)
    assert stats.events == 1 and len(sample.events.leptons[0]) == 2


def test_writer_carries_the_cross_section_and_can_write_one_copy_per_event(tmp_path):
    req = GenerationRequest(
        "coscattering",
        {"mc": 220, "dm": 20, "ctau": 10.0},
        events=30,
        seed=4,
        oversampling=3,
        options={"decays": "leptonic"},
        shower=ShowerOptions(mpi=False),
    )
    s = generate(req, cache=False, hepmc=tmp_path / "one.hepmc3", hepmc_options={"copies": "one"})
    back, stats = read_hepmc(tmp_path / "one.hepmc3")
    assert stats.events == 30 and back.meta["oversampling"] == 1
    assert back.meta["xsec_fb"] == pytest.approx(s.meta["xsec_fb"], rel=1e-6)
    assert "GenCrossSection" in back.meta["xsec_source"]
    # the first copy of each event, with the event's whole weight
    first = s.events[ak.to_numpy(s.events.copy) == 0]
    np.testing.assert_allclose(ak.to_numpy(back.events.weight), 3 * ak.to_numpy(first.weight))
    _assert_same_rows(ak.with_field(first, first.weight * 3, "weight"), back.events)


def test_pythias_running_cross_section_is_written_when_it_is_the_source(tmp_path):
    req = GenerationRequest(
        "coscattering",
        {"mc": 220, "dm": 20, "ctau": 10.0},
        events=20,
        seed=4,
        oversampling=2,
        options={"decays": "leptonic"},
        shower=ShowerOptions(mpi=False),
        xsec_source="pythia",
    )
    s = generate(req, cache=False, hepmc=tmp_path / "py.hepmc3")
    back, _ = read_hepmc(tmp_path / "py.hepmc3")
    assert back.meta["xsec_fb"] == pytest.approx(s.meta["xsec_fb"], rel=1e-6)


def _rewritten(src, dst, fn):
    dst.write_text(fn(src.read_text()))
    return dst


def test_the_beams_energy_in_the_files_units_is_checked_against_the_analysis(written, tmp_path):
    """Momenta in another unit than the file declares (here GeV declared as MeV) put the beams at another energy:
    refused in one line, never turned into a yield."""
    from lepreint.analysis.yields import check_energy
    from lepreint.config.cards import analysis_config
    from lepreint.errors import LepreintError

    d, _ = written
    cfg = analysis_config("soft_displaced_emu")
    good, _ = read_hepmc(d / "s.hepmc3")
    assert good.meta["beams_sqrt_s_GeV"] == pytest.approx(13000.0)
    check_energy(good, cfg)
    bad, _ = read_hepmc(
        _rewritten(d / "s.hepmc3", tmp_path / "mev.hepmc3", lambda t: t.replace("U GEV MM", "U MEV MM"))
    )
    assert bad.meta["beams_sqrt_s_GeV"] == pytest.approx(13.0)
    with pytest.raises(LepreintError, match=r"mev.hepmc3: its beams collide at sqrt\(s\) = 0.013 TeV"):
        check_energy(bad, cfg)


def test_llps_decaying_where_they_were_produced_are_refused(written, tmp_path):
    """A file without decay vertex positions (every LLP decays at its production point) would give no displaced
    lepton: refused, not a zero yield."""

    from lepreint.analysis.yields import check_energy
    from lepreint.config.cards import analysis_config
    from lepreint.errors import LepreintError

    d, _ = written
    good, _ = read_hepmc(d / "s.hepmc3")
    assert good.meta["llps_decayed"] == good.meta["llps_flying"] == 240
    path = _rewritten(d / "s.hepmc3", tmp_path / "nopos.hepmc3", lambda t: re.sub(r"(?m)^(V [^@\n]*) @ .*$", r"\1", t))
    flat, _ = read_hepmc(path)
    assert flat.meta["llps_decayed"] == 240 and flat.meta["llps_flying"] == 0
    with pytest.raises(LepreintError, match="none of its 240 long-lived particles decays away"):
        check_energy(flat, analysis_config("soft_displaced_emu"))


def test_hepmc2_files_are_named_as_such(tmp_path):
    path = tmp_path / "old.hepmc"
    path.write_text("HepMC::Version 2.06.09\nHepMC::IO_GenEvent-START_EVENT_LISTING\nE 0 -1 -1 -1 -1 0 0 0 0\n")
    with pytest.raises(HepMCError, match="a HepMC2 file"):
        read_hepmc(path)


def test_unknown_stable_new_particles_and_the_weight_name_are_reported(written, tmp_path):
    from lepreint.events.inputs import hepmc_notes, load_input

    d, _ = written
    path = _rewritten(d / "s.hepmc3", tmp_path / "dm.hepmc3", lambda t: t.replace(" 1000022 ", " 9000022 "))
    sample, info = load_input(path, cache=False)
    assert sample.meta["visible_bsm_ids"] == [9000022] and info["visible_bsm_ids"] == [9000022]
    assert info["notes"] == hepmc_notes(info) and "9000022" in info["notes"][0]
    notes = hepmc_notes({**info, "weight_name": "MUR2_MUF2", "bad_events": 2})
    assert notes[0] == "2 bad events skipped (--skip-bad-events)"
    assert notes[1] == "event weights: 'MUR2_MUF2' (the file's first)"
    assert notes[2].startswith("stable new-physics particles 9000022 are counted as visible (invisible: 12, 14, 16")


def test_a_truncated_file_read_with_skip_bad_events_says_so(written, tmp_path):
    from lepreint.events.inputs import load_input

    d, _ = written
    bad = tmp_path / "cut.hepmc3"
    _truncate(d / "s.hepmc3", bad)
    _, info = load_input(bad, skip_bad=True, cache=False)
    assert info["truncated"] and any("ends without HepMC3's footer" in n for n in info["notes"])


def test_a_region_made_negative_by_negative_weights_is_named():
    """NLO generators' negative weights can leave a region's sum below zero: named, never passed on as a yield."""
    from lepreint.analysis.yields import signal_yields
    from lepreint.detector.simulate import Detector
    from lepreint.errors import LepreintError
    from lepreint.events.slim import Sample

    req = GenerationRequest("slepton", {"mslep": 300.0, "ctau": 30.0}, 100, seed=2, shower=ShowerOptions(mpi=False))
    sample = generate(req, cache=False)
    ev = sample.events
    soft = ak.to_numpy(ak.sum(np.hypot(ev.leptons.px, ev.leptons.py) > 65.0, axis=1)) < 2  # cannot pass a region
    w = np.where(soft, 1000.0, -1.0)  # the weights still sum to a positive number, every passing row's is negative
    flipped = Sample(ak.with_field(ev, w, "weight"), dict(sample.meta), None)
    y = signal_yields(sample, "atlas_susy_2018_14", Detector("atlas_run2"))
    first = next(name for name, x in zip(y.regions, y.S) if x > 0)  # the first region with signal turns negative
    with pytest.raises(LepreintError, match=rf"region {first}: efficiency -[0-9.e-]+ \+- .* < 0 from the negative"):
        signal_yields(flipped, "atlas_susy_2018_14", Detector("atlas_run2"))


def test_extra_invisible_ids_and_a_named_weight(written, tmp_path):
    """--invisible makes a model's own dark-matter candidate invisible (the same events as with lepreint's id);
    --weight picks a named weight, and a name the file does not have is refused with the names it has."""

    from lepreint.events.inputs import load_input

    d, _ = written
    base, _ = load_input(d / "s.hepmc3", cache=False)
    dm = _rewritten(d / "s.hepmc3", tmp_path / "dm.hepmc3", lambda t: t.replace(" 1000022 ", " 9000022 "))
    visible, _ = load_input(dm, cache=False)
    fixed, info = load_input(dm, cache=False, invisible_ids=[9000022])
    assert info["visible_bsm_ids"] == [] and fixed.meta["options"]["invisible_ids"] == [9000022]
    assert np.allclose(ak.to_numpy(fixed.events.inv_px), ak.to_numpy(base.events.inv_px))
    assert not np.allclose(ak.to_numpy(visible.events.inv_px), ak.to_numpy(base.events.inv_px))

    def two_weights(text: str) -> str:
        text = re.sub(r"(?m)^W (\S+)$", lambda m: f"W {m.group(1)} {0.5 * float(m.group(1)):.16e}", text)
        return text.replace("START_EVENT_LISTING\n", "START_EVENT_LISTING\nW nominal\\|half\n", 1)  # names

    named = _rewritten(d / "s.hepmc3", tmp_path / "w.hepmc3", two_weights)
    half, info = load_input(named, cache=False, weight="half")
    assert info["weight_name"] == "half" and info["weight_chosen"]
    assert np.allclose(ak.to_numpy(half.events.weight), 0.5 * ak.to_numpy(base.events.weight))
    with pytest.raises(HepMCError, match=r"no weight named 'double' \(its weights: 'nominal', 'half'\)"):
        load_input(named, cache=False, weight="double")

    # the variation's change of the total rate survives the normalisation: with the file's one (the nominal
    # weights') cross section, the varied weights are normalised to the nominal weights' sum ...
    def total(s) -> float:
        return s.meta["xsec_fb"] * float(ak.sum(s.events.weight)) / normalisation(s)

    assert "normalised to the sum of the nominal weights" in half.meta["xsec_source"]
    assert total(half) == pytest.approx(0.5 * total(base), rel=1e-9)

    # ... and with a cross section per weight in the file, the chosen weight's, normalised to its own weights
    def per_weight_xsec(text: str) -> str:
        def both(m: re.Match) -> str:
            return f"{m.group(0)} {0.5 * float(m.group(1)):.16e} {0.5 * float(m.group(2)):.16e}"

        return re.sub(r"(?m)^A 0 GenCrossSection (\S+) (\S+) -?\d+ -?\d+$", both, text)

    both_xs = _rewritten(named, tmp_path / "wx.hepmc3", per_weight_xsec)
    half_xs, _ = load_input(both_xs, cache=False, weight="half")
    assert half_xs.meta["xsec_source"] == "the file's GenCrossSection for weight 'half'"
    assert half_xs.meta["xsec_fb"] == pytest.approx(0.5 * base.meta["xsec_fb"], rel=1e-9)
    assert total(half_xs) == pytest.approx(0.5 * total(base), rel=1e-9)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        # a lepton's production vertex that does not exist: HepMC3 drops the link without a word (no LLP, no yield)
        (lambda t: re.sub(r"(?m)^(P \d+) -\d+ (-?11 )", r"\1 -99 \2", t, count=1), r"names a parent \(-99\)"),
        # a vertex whose incoming particle does not exist: HepMC3's reader crashes the process on it
        (
            lambda t: re.sub(r"(?m)^(V -\d+ -?\d+) \[[^\]]*\]", r"\1 [99999]", t, count=1),
            r"incoming particles \[99999\]",
        ),
    ],
)
def test_links_to_particles_or_vertices_the_event_lacks_are_named(written, tmp_path, edit, message):
    d, _ = written
    path = _rewritten(d / "s.hepmc3", tmp_path / "broken.hepmc3", edit)
    assert path.read_text() != (d / "s.hepmc3").read_text()
    with pytest.raises(HepMCError, match=r"broken.hepmc3: event \d+ \(line \d+\): broken link: .*" + message):
        read_hepmc(path)
    sample, stats = read_hepmc(path, skip_bad=True)
    assert stats.bad_events == 1 and stats.events == 119


def _edit_lepton(text: str, fn) -> str:
    """``text`` with the first final-state muon's P line passed through ``fn`` (its list of fields)."""
    lines = text.split("\n")
    for i, ln in enumerate(lines):
        f = ln.split()
        if f[:1] == ["P"] and abs(int(f[3])) == 13 and f[-1] == "1":
            lines[i] = " ".join(fn(f))
            return "\n".join(lines)
    raise AssertionError("no final-state muon")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: _edit_lepton(t, lambda f: [*f[:4], "1e30", *f[5:]]), "momentum .* GeV above its energy"),
        (lambda t: _edit_lepton(t, lambda f: [*f[:7], "-" + f[7], *f[8:]]), "of negative energy"),
        (lambda t: _edit_lepton(t, lambda f: [*f[:7], "9e6", *f[8:]]), "more than its beams carry"),
    ],
)
def test_unphysical_events_are_named(written, tmp_path, edit, message):
    d, _ = written
    path = _rewritten(d / "s.hepmc3", tmp_path / "odd.hepmc3", edit)
    with pytest.raises(HepMCError, match=r"odd.hepmc3: event 1 \(line 3\): .*" + message):
        read_hepmc(path)


def test_a_cross_section_that_is_not_a_positive_number_counts_as_not_given(written, tmp_path):
    """NaN, zero or negative GenCrossSection (written before the generator knew it): not given, so the yield asks
    for --xsec by the file's name, and --xsec works."""
    from lepreint.analysis.yields import resolve_xsec
    from lepreint.errors import LepreintError

    d, _ = written
    path = _rewritten(
        d / "s.hepmc3", tmp_path / "nan.hepmc3", lambda t: re.sub(r"GenCrossSection \S+", "GenCrossSection nan", t)
    )
    sample, _ = read_hepmc(path)
    assert sample.meta["xsec_fb"] is None
    with pytest.raises(LepreintError, match="nan.hepmc3: the sample carries no cross section; give --xsec"):
        resolve_xsec(sample)
    assert resolve_xsec(sample, value_fb=600.0)[0] == 600.0


def test_link_check_accepts_what_the_format_allows():
    """A vertex without incoming particles ('[]'), a particle whose parent particle comes later in the record:
    both valid HepMC3; an id too long for a number is its event's error, not a crash of the whole read."""
    from lepreint.events.hepmc import _broken_links

    p = "0 0 0 1 0"
    no_incoming = f"E 0 1 1\nV -1 0 [] @ 1 2 3 0\nP 1 -1 11 {p} 1\n".encode()
    later_parent = f"E 0 0 2\nP 1 2 11 {p} 1\nP 2 0 23 {p} 2\n".encode()
    huge = f"E 0 0 2\nP 1 0 11 {p} 1\nP 2 999999999999999999999999 11 {p} 1\n".encode()
    assert _broken_links([no_incoming, later_parent]) == {}
    assert _broken_links([no_incoming, huge, later_parent]) == {1: "an id that is not a number of at most 18 digits"}
    # a line the check cannot read (HepMC3's parser judges it) does not hide another event's broken link
    unread = f"E 0 1 1\nV -1 [1]\nP 1 0 11 {p} 1\n".encode()
    broken = f"E 0 0 1\nP 1 -5 11 {p} 1\n".encode()
    assert _broken_links([unread, broken]) == {1: "particle 1 names a parent (-5) the event does not have"}


def test_incoming_partons_marked_as_beams_are_not_the_collider(tmp_path):
    """HepMC3's LHE conversion gives the incoming partons status 4: their energy is not sqrt(s), so no energy
    check is made on it (protons or nuclei only)."""
    path = tmp_path / "lhe.hepmc3"
    _write(
        path,
        "E 0 1 4\nU GEV MM\nP 1 0 21 0 0 100 100 0 4\nP 2 0 2 0 0 -80 80 0 4\nV -1 0 [1,2]\n"
        "P 3 -1 13 30 40 10 50.99 0.1057 1\nP 4 -1 -11 -30 -40 10 50.99 0.0005 1\n"
        "HepMC::Asciiv3-END_EVENT_LISTING\n",
    )
    sample, _ = read_hepmc(path)
    assert sample.meta["beams_sqrt_s_GeV"] is None and len(sample.events) == 1


def test_inspect_shows_what_the_reading_found(written, tmp_path, run_cli):
    d, _ = written
    dm = _rewritten(d / "s.hepmc3", tmp_path / "dm.hepmc3", lambda t: t.replace(" 1000022 ", " 9000022 "))
    code, out, err = run_cli("inspect", dm)
    assert code == 0, err
    assert "stable new-physics particles 9000022 are counted as visible" in " ".join(out.split())


_END = "HepMC::Asciiv3-END_EVENT_LISTING\n"
#: partons making a chi2^0 (1000023) and a chi1^0; the chi2 decays 5 mm out into a chargino (1000024), which
#: decays 3 mm further into e+ nu chi1: two long-lived particles of lepreint's default ids, one inside the other
_NESTED = (
    "E 0 3 8\nU GEV MM\nP 1 0 21 0 0 300 300 0 4\nP 2 0 21 0 0 -300 300 0 4\nV -1 0 [1,2]\n"
    "P 3 -1 1000023 0 0 50 206.1553 200 2\nP 4 -1 1000022 0 0 -50 201.8 195 1\nV -2 0 [3] @ 0 0 5 0\n"
    "P 5 -2 1000024 0 0 49 204.9 199 2\nV -3 0 [5] @ 0 0 8 0\n"
    "P 6 -3 -11 30 0 10 31.6228 0.000511 1\nP 7 -3 12 -10 0 0 10 0 1\nP 8 -3 1000022 -20 0 39 160 150 1\n"
)


@pytest.mark.parametrize(
    "body, message",
    [
        (_NESTED, "1 of its long-lived particles come from another one's decay"),
        # the chargino left undecayed (as a generator with a decay volume leaves it) beside one that decays
        (
            "E 0 2 6\nU GEV MM\nP 1 0 21 0 0 300 300 0 4\nP 2 0 21 0 0 -300 300 0 4\nV -1 0 [1,2]\n"
            "P 3 -1 1000024 0 0 50 206.1553 200 2\nP 4 -1 -1000024 0 0 -50 206.1553 200 1\nV -2 0 [3] @ 0 0 5 0\n"
            "P 5 -2 -11 30 0 10 31.6228 0.000511 1\nP 6 -2 1000022 -30 0 40 170 160 1\n",
            "1 of its long-lived particles are not decayed in the file",
        ),
    ],
)
def test_what_can_be_simulated_as_written_but_not_moved_in_ctau(tmp_path, body, message):
    """Nested long-lived particles (moving the outer decay would leave the inner one's start behind) and
    undecayed ones (their products are unknown): simulated as written, refused in one line when moved."""
    from lepreint.events.lifetime import LifetimeError, resample

    path = tmp_path / "f.hepmc3"
    _write(path, body + _END)
    sample, _ = read_hepmc(path)
    assert len(sample.events) == 1 and len(sample.events.leptons[0]) == 1
    with pytest.raises(LifetimeError, match=message):
        resample(sample, 1.0)


def test_with_displaced_a_tau_of_a_named_llps_decay_is_not_a_second_llp(tmp_path):
    """--displaced makes every flying particle an LLP, but not one inside a named LLP's decay: the chi2's
    chargino here flies 3 mm, yet with --llp-ids naming the chi2 alone the chargino moves with it."""
    path = tmp_path / "f.hepmc3"
    _write(path, _NESTED + _END)
    sample, _ = read_hepmc(path, llp_ids=[1000023], displaced_mm=1.0)
    assert len(sample.events.llps[0]) == 1 and sample.meta["llps_nested"] == 0


def test_a_long_lived_particle_without_mass_is_named(tmp_path):
    path = tmp_path / "f.hepmc3"
    massless = _NESTED.replace("P 3 -1 1000023 0 0 50 206.1553 200 2", "P 3 -1 1000023 0 0 50 50 0 2")
    _write(path, massless + _END)
    with pytest.raises(HepMCError, match=r"event 1 \(line \d+\): the long-lived particle 1000023 has no mass"):
        read_hepmc(path)


def test_with_displaced_only_the_outermost_flying_particle_of_a_chain_is_an_llp(tmp_path):
    """A B meson flying 5 mm whose D flies 2 mm more before its muon: with --displaced the B is the long-lived
    particle and the D part of its decay system (moved with it), not a second one inside it."""
    path = tmp_path / "b.hepmc3"
    _write(
        path,
        "E 0 3 7\nU GEV MM\nP 1 0 21 0 0 300 300 0 4\nP 2 0 21 0 0 -300 300 0 4\nV -1 0 [1,2]\n"
        "P 3 -1 511 0 20 0 20.69 5.28 2\nP 4 -1 -511 0 -20 0 20.69 5.28 1\nV -2 0 [3] @ 0 5 0 0\n"
        "P 5 -2 -411 0 15 0 15.1 1.87 2\nP 6 -2 211 0 4 0 4.1 0.14 1\nV -3 0 [5] @ 0 7 0 0\n"
        "P 7 -3 -13 1 14 0 14.04 0.1057 1\n" + _END,
    )
    sample, _ = read_hepmc(path, llp_ids=[], displaced_mm=1.0)
    llps = sample.events.llps[0]
    assert list(llps.pdg) == [511] and sample.meta["llps_nested"] == 0
    assert list(sample.events.leptons[0].llp) == [0]


_CHARGINO = "P 3 -1 1000024 100 0 0 223.6068 200 2\nV -2 0 [3] @ 10 0 0 0\nP 4 -2 1000022 60 0 0 170 150 1\n"


def test_a_vertex_without_a_position_takes_its_parents_however_deep_the_chain(tmp_path):
    """HepMC3's rule: an unpositioned vertex sits where its first parent was produced, followed all the way up;
    a muon from a 10 mm chargino decay after 80 copies of itself in unpositioned vertices is still displaced."""
    depth = 80
    lines = ["U GEV MM", "P 1 0 2212 0 0 6500 6500 0.938 4", "P 2 0 2212 0 0 -6500 6500 0.938 4", "V -1 0 [1,2]"]
    lines += [*_CHARGINO.strip().splitlines(), "P 5 -2 -13 40 0 0 40.0001 0.1057 2"]
    for k in range(depth):
        last = k == depth - 1
        lines += [f"V -{3 + k} 0 [{5 + k}]", f"P {6 + k} -{3 + k} -13 40 0 0 40.0001 0.1057 {1 if last else 2}"]
    path = tmp_path / "deep.hepmc3"
    _write(path, f"E 0 {2 + depth} {5 + depth}\n" + "\n".join(lines) + "\n" + _END)
    sample, _ = read_hepmc(path)
    mu = sample.events.leptons[0][0]
    assert mu.vx == pytest.approx(10.0) and mu.llp == 0


def test_the_event_position_places_unpositioned_roots_and_not_the_rest(tmp_path):
    """'E ... @ x y z t' (a beam spot): the primary vertex written without a position is there, so its prompt
    positron has |d0| = 3 mm and the chargino flies from there; the positioned decay vertex stays where written."""
    path = tmp_path / "spot.hepmc3"
    _write(
        path,
        "E 0 2 6 @ 0 3 0 0\nU GEV MM\nP 1 0 2212 0 0 6500 6500 0.938 4\nP 2 0 2212 0 0 -6500 6500 0.938 4\n"
        "V -1 0 [1,2]\nP 3 -1 1000024 100 0 0 223.6068 200 2\nP 4 -1 -11 -100 0 0 100 0 1\nV -2 0 [3] @ 10 0 0 0\n"
        "P 5 -2 -13 0 30 0 30.0002 0.1057 1\nP 6 -2 1000022 100 -30 0 195 170 1\n" + _END,
    )
    sample, _ = read_hepmc(path)
    lep = sample.events.leptons[0]
    e = lep[lep.pdg == -11][0]
    mu = lep[lep.pdg == -13][0]
    assert (e.vx, e.vy) == pytest.approx((0.0, 3.0)) and (mu.vx, mu.vy) == pytest.approx((10.0, 0.0))
    llp = sample.events.llps[0][0]
    assert (llp.vx, llp.vy) == pytest.approx((0.0, 3.0))
    assert llp.ctau == pytest.approx(np.hypot(10.0, 3.0) * 200 / 100)
