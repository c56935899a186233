"""Every bad input gives one line 'lepreint: error: ...' naming what is wrong, and exit code 2; never a traceback.

One row per input: the command line (``{d}`` is a folder of prepared bad files) and a fragment the one line must
contain.  The rows run in-process through the console entry point (``lepreint.cli.main``)."""

import gzip
import json
import sys

import pytest

from lepreint.cli import main

GOOD_EVENT = "E {n} 0 2\nU GEV MM\nW {w}\nP 1 0 13 3.0 4.0 0.0 5.0011 0.1057 1\nP 2 0 -11 -3.0 -4.0 1.0 5.1 0.0005 1\n"
HEAD = "HepMC::Version 3.02.05\nHepMC::Asciiv3-START_EVENT_LISTING\n"
FOOT = "HepMC::Asciiv3-END_EVENT_LISTING\n"
MODEL = "version: 1\nkind: model\nname: x\nmodel: coscattering\nparameters: {{{params}}}\n"
SCAN = "version: 1\nkind: scan\nname: x\nmodel: coscattering\nmc: '220'\ndm: '20'\nctau: 1mm:1m:log3\n{extra}\n"


def _events(n, w=1.0, body=None):
    return HEAD + "".join((body or GOOD_EVENT).format(n=i, w=w) for i in range(n)) + FOOT


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    (d / "random.yaml").write_bytes(bytes(range(256)) * 4)
    (d / "list.yaml").write_text("- a\n- b\n")
    (d / "noversion.yaml").write_text("kind: model\nname: x\n")
    (d / "badyaml.yaml").write_text("version: 1\nkind: [model\n")
    (d / "dm_above_mc.yaml").write_text(MODEL.format(params="mc: 100 GeV, dm: 200 GeV, ctau: 1 cm"))
    (d / "no_dm.yaml").write_text(MODEL.format(params="mc: 220 GeV, ctau: 1 cm"))
    (d / "dm_below_muon.yaml").write_text(MODEL.format(params="mc: 220 GeV, dm: 50 MeV, ctau: 1 cm"))
    (d / "extra_param.yaml").write_text(MODEL.format(params="mc: 220 GeV, dm: 20 GeV, ctau: 1 cm, br_ll: 1"))
    (d / "ctau_kg.yaml").write_text(MODEL.format(params="mc: 220 GeV, dm: 20 GeV, ctau: 1 kg"))
    (d / "scan_draws0.yaml").write_text(SCAN.format(extra="draws: 0"))
    (d / "scan_lumi0.yaml").write_text(SCAN.format(extra="lumi: [0]"))
    hnl = "version: 1\nkind: scan\nname: x\nmodel: hnl\nmc: '5'\nu2: 1e-6\n"
    (d / "scan_majorana_quoted.yaml").write_text(hnl + "options: {majorana: 'no'}\n")
    (d / "scan_couplings_number.yaml").write_text(SCAN.format(extra="options: {couplings: 5}"))
    (d / "good.hepmc3").write_text(_events(3))
    (d / "zero_weights.hepmc3").write_text(_events(3, w=0.0))
    (d / "number.hepmc3").write_text(_events(3, body=GOOD_EVENT.replace("5.0011", "1.2.3e")))
    (d / "letters.hepmc3").write_text(_events(3, body=GOOD_EVENT.replace("5.0011", "5x")))
    (d / "all_bad.hepmc3").write_text(_events(3, body=GOOD_EVENT.replace("E {n} 0 2", "E {n} 0 3")))
    (d / "truncated.hepmc3").write_text(_events(3)[: -len(FOOT) - 30])
    (d / "not_hepmc.hepmc3").write_text("hello\n")
    (d / "empty.hepmc3").write_text("")
    (d / "broken.hepmc3.gz").write_bytes(gzip.compress(_events(50).encode())[:200])
    (d / "nan.hepmc3").write_text(_events(3, body=GOOD_EVENT.replace("5.0011", "nan")))
    (d / "a_file").write_text("x")
    (d / "other_scan" / "points").mkdir(parents=True)
    from lepreint.results.scan import ScanConfig, scan_id

    identity = ScanConfig([220.0], [20.0], [1.0], events=10, nn_cut=0.5).identity()  # `scan --nn-cut 0.5 ...`
    (d / "other_scan" / "provenance.json").write_text(json.dumps({"scan_id": scan_id(identity), "identity": identity}))
    (d / "old_scan" / "points").mkdir(parents=True)
    (d / "old_scan" / "points" / "mc220_dm20_ctau1mm.json").write_text('{"status": "ok", "R95@140": 17.38}')
    (d / "not_a_sample").mkdir()
    return d


ROWS = [
    # limit
    ("limit --signal 1,2 --background 1,2,3", "one value per region"),
    ("limit --signal a,b --background 1,1", "comma-separated numbers"),
    ("limit --signal -1,1,1 --background 1,1,1", "non-negative"),
    ("limit --signal nan,1,1 --background 1,1,1", "finite"),
    ("limit --signal 1,1,1 --background 1,1,1 --observed 1,1", "observed counts need one value"),
    ("limit --signal 1,1,1 --background 0,1,1 --observed 3,1,1", "zero background"),
    ("limit --signal 1,1,1 --background 1,1,1 --rel-unc -0.2,0.1,0.1", "--rel-unc"),
    ("limit --signal 1,1,1 --background 1,1,1 --rel-unc 0.2,0.1", "--rel-unc"),
    ("limit --signal 1,1,1", "Missing option '--background'"),
    # background, xsec
    ("background --lumi -5", "--lumi: luminosities must be positive"),
    ("background --lumi 0", "--lumi: luminosities must be positive"),
    ("background --pt-e abc", "--pt-e"),
    ("background --pt-mu '20 cm'", "--pt-mu"),
    ("background --counts 1,2", "--mode formula"),
    ("background --mode formula --counts 1,2", "three non-negative reference counts"),
    ("xsec --mass 5000", "5000"),
    ("xsec --mass -1", "mass"),
    ("xsec --mass 220 --sqrt-s 7", "7"),
    # generate
    ("generate --mc 220 --dm 20 --ctau 1cm --events 0", "events must be >= 1"),
    ("generate --mc 220 --dm 20 --ctau 1cm --workers 0", "workers"),
    ("generate --mc 220 --dm 20 --ctau 1cm --chunk 0", "chunk"),
    ("generate --mc 220 --dm 20 --ctau 1cm --param bogus=1", "unknown parameter(s) bogus"),
    ("generate --mc 220 --dm 20 --ctau 1cm --param mc", "--param 'mc'"),
    ("generate --mc 220 --dm 20 --ctau 1cm --param seed=3", "seed is not a model parameter; use --seed"),
    ("generate --mc 220 --dm 20 --ctau 1cm --option nosuch=1", "unknown option(s) nosuch"),
    ("generate --mc 100 --dm 200 --ctau 1cm", "need 0 < dm < mc"),
    ("generate --mc 220 --dm 20 --ctau -1mm", "need ctau > 0"),
    ("generate --mc 220 --dm 50MeV --ctau 1cm", "below the muon channel"),
    ("generate --mc 220 --dm 20 --ctau '1 kg'", "parameter ctau: '1 kg' is not a length"),
    ("generate --mc 220 --dm 20 --ctau 1cm --ecm 13", "ecm = '13': a collision energy in GeV"),
    ("xsec --mass 220 --sqrt-s 13", "sqrt_s = '13'"),
    ("generate --model nosuch", "'nosuch' is not one of"),
    ("generate --model hnl --param mN=10 --param U2=2", "U2"),
    ("generate --mc 220 --dm 20 --ctau 1cm --hepmc {d}/missing/x.hepmc3", "No such file or directory"),
    ("generate --model stop --param mstop=500 --ctau 1cm --hepmc {d}/x.hepmc3", "Pythia decays the long-lived"),
    ("generate --model stop --param mstop=50 --ctau 1cm", "mstop = 50 GeV"),
    (
        "generate --model stop --param mstop=500 --ctau 1cm --option decay=tl",
        "option decay of model stop: need one of bl, dl, got 'tl'",
    ),
    ("generate --card {d}/dm_above_mc.yaml", "parameters.dm: expected dm < mc"),
    # scan
    ("scan --lumi 0", "--lumi"),
    ("scan --lumi -140", "--lumi"),
    ("scan --lumi '1 cm'", "--lumi"),
    ("scan --draws 0", "--draws"),
    ("scan --events 0", "--events"),
    ("scan --nn-cut 1.5", "--nn-cut"),
    ("scan --workers 0", "--workers"),
    ("scan --mc 100 --dm 200", "dm < m_c"),
    ("scan --ctau=-1mm:1m:log4", "positive"),
    ("scan --mc 220:100:10", "stop >= start"),
    ("scan --u2 1e-6", "--u2"),
    ("scan --model hnl", "--u2"),
    ("scan --card nosuch_card", "nosuch_card"),
    ("scan --card {d}/scan_draws0.yaml", "draws"),
    ("scan --output {d}/a_file/x --events 10", "a_file"),
    ("scan --output {d}/a_file --events 10", "is a file"),
    (
        "scan --output {d}/other_scan --events 10",
        "holds a different scan (nn_cut 0.5 there, 0.9 now); use another --output, or --overwrite",
    ),
    ("scan --output {d}/old_scan --events 10", "made by an older lepreint"),
    # simulate, inspect
    ("simulate {d}/missing.hepmc3", "no such file"),
    ("simulate {d}/good.hepmc3", "give --xsec"),
    ("simulate {d}/good.hepmc3 --xsec -5", "cross section"),
    ("simulate {d}/good.hepmc3 --xsec '5 cm'", "--xsec"),
    ("simulate {d}/good.hepmc3 --xsec 5 --lumi -1", "--lumi"),
    ("simulate {d}/good.hepmc3 --xsec 5 --nn-cut 2", "--nn-cut"),
    ("simulate {d}/zero_weights.hepmc3 --xsec 5", "weights sum to 0"),
    ("simulate {d}/good.hepmc3 --xsec 5 --analysis nosuch", "nosuch"),
    ("simulate {d}/good.hepmc3 --xsec 5 --detector {d}/random.yaml", "not a text (UTF-8) file"),
    ("simulate {d}/good.hepmc3 --xsec 5 --analysis {d}/no_dm.yaml", "analysis"),
    ("inspect {d}/good.hepmc3 --llp-ids abc", "--llp-ids"),
    ("inspect {d}/good.hepmc3 --displaced=-1mm", "--displaced"),
    ("inspect {d}/not_hepmc.hepmc3", "not an ASCII HepMC3 file"),
    ("inspect {d}/empty.hepmc3", "not an ASCII HepMC3 file"),
    ("inspect {d}/number.hepmc3", "'1.2.3e' is not a number"),
    ("inspect {d}/letters.hepmc3", "'5x' is not a number"),
    ("inspect {d}/all_bad.hepmc3", "event 1"),
    ("inspect {d}/all_bad.hepmc3 --skip-bad-events", "none of its 3 events"),
    ("inspect {d}/truncated.hepmc3", "truncated"),
    ("inspect {d}/broken.hepmc3.gz", "broken.hepmc3.gz"),
    ("inspect {d}/nan.hepmc3", "'nan' is not a number"),
    ("inspect {d}/not_a_sample", "not a lepreint sample"),
    ("inspect {d}", "not a lepreint sample"),
    # cards
    ("check {d}/random.yaml", "not a text (UTF-8) file"),
    ("check {d}/list.yaml", "expected a mapping"),
    ("check {d}/noversion.yaml", "version"),
    ("check {d}/badyaml.yaml", "not valid YAML"),
    ("check {d}/dm_above_mc.yaml", "parameters.dm: expected dm < mc"),
    ("check {d}/no_dm.yaml", "missing dm"),
    ("check {d}/dm_below_muon.yaml", "below the muon channel"),
    ("check {d}/extra_param.yaml", "unknown parameter(s) br_ll"),
    ("check {d}/ctau_kg.yaml", "ctau"),
    ("check {d}/scan_draws0.yaml", "draws: expected a number >= 1"),
    ("check {d}/scan_lumi0.yaml", "lumi[0]: expected a number > 0"),
    ("check {d}/missing.yaml", "file not found"),
    ("check {d}/not_a_sample", "is a folder"),
    # model options of the wrong type or word, which were recorded and then read otherwise
    ("check {d}/scan_majorana_quoted.yaml", "option majorana of model hnl: need true or false, got 'no'"),
    ("check {d}/scan_couplings_number.yaml", "option couplings of model coscattering: need a list of 2"),
    ("generate --model hnl --param mN=5 --param U2=1e-6 --option \"majorana='no'\" --events 10", "need true or"),
    ("generate --mc 220 --dm 20 --ctau 1cm --option couplings=[1,2,3] --events 10", "a list of 2 finite numbers"),
    ("generate --mc 220 --dm 20 --ctau 1cm --option couplings=[a,b] --events 10", "a list of 2 finite numbers"),
    ("generate --mc 220 --dm 20 --ctau 1cm --option decayer=foo --events 10", "need one of lepreint, pythia"),
    ("generate --mc 220 --dm 20 --ctau 1cm --option gamma_pi_ratio=abc --events 10", "need a finite number"),
    ("generate --mc 220 --dm 20 --ctau 1cm --option couplings=[1,2 --events 10", "the value is not YAML"),
    ("scan --model hnl --mc 5 --u2 1e-6 --mixing e:nan --events 10 --output {d}/o", "option mixing of model hnl"),
    # grid axes a model does not have, and values given twice
    ("scan --model higgsino --mc 100 --dm 3 --ctau 5mm --events 10 --output {d}/o", "--ctau: a higgsino scan has"),
    ("scan --model hnl --mc 5 --u2 1e-6 --dm 5 --events 10 --output {d}/o", "--dm: a hnl scan has no such axis"),
    ("scan --mc 220,220 --ctau 1mm --events 10 --output {d}/o", "mc: 220 is given twice"),
    ("scan --mc 220 --ctau 1mm,0.1cm --events 10 --output {d}/o", "ctau: 1 is given twice"),
    ("scan --mc 220 --ctau 1mm --lumi 140,140 --events 10 --output {d}/o", "lumi: 140 is given twice"),
    ("scan --model hnl --mc 5 --u2 1e-7:1e-5:log1 --events 10 --output {d}/o", "at least 2 points"),
    ("scan --model hnl --mc 5 --u2 1e-7:1e-5:log0 --events 10 --output {d}/o", "at least 2 points"),
    ("background --lumi 140,300", "one value expected here"),
    # an exact CLs limit that would enumerate a billion outcomes
    ("limit --signal 5 --background 1e9 --cls-calculator exact", "needs more outcomes than it can enumerate"),
    # the command line itself
    ("nosuch", "No such command 'nosuch'"),
    ("scan --nosuch", "No such option '--nosuch'"),
    ("limit --signal", "requires an argument"),
]


def _run(capsys, monkeypatch, line):
    import shlex

    monkeypatch.setattr(sys, "argv", ["lepreint", *shlex.split(line)])
    with pytest.raises(SystemExit) as e:
        main()
    out, err = capsys.readouterr()
    return e.value.code, out, err


def test_there_are_enough_rows():
    assert len(ROWS) >= 40


@pytest.mark.parametrize("line,fragment", ROWS, ids=[r[0][:60] for r in ROWS])
def test_bad_input_gives_one_line_and_exit_2(line, fragment, d, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("LEPREINT_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    code, out, err = _run(capsys, monkeypatch, line.format(d=d))
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert code == 2, (out, err)
    assert "Traceback" not in err + out
    assert len(lines) == 1 and lines[0].startswith("lepreint: error: "), err
    assert fragment in lines[0], lines[0]
