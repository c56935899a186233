"""The real entry point, as a user runs it (acceptance commands of the foundation issue)."""

import csv
import json

import pytest


def test_limit_acceptance(run_cli):
    code, out, err = run_cli("limit", "--signal", "174,157,283", "--background", "221997,34688,1318", "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["R95"] == pytest.approx(9.03, rel=0.005)
    assert {"Q", "R95", "cls_mu_up"} <= set(d)
    assert list(d) == sorted(d)


@pytest.mark.parametrize("mode,tol", [("formula", 0.07), ("published", 0.01)])
def test_background_acceptance(run_cli, mode, tol):
    code, out, err = run_cli("background", "--pt-e", "20", "--pt-mu", "20", "--lumi", "2.6", "--mode", mode, "--json")
    assert code == 0, err
    d = json.loads(out)
    assert {"kappa_e", "kappa_mu", "kappa_emu", "B", "lumi_ifb", "mode"} <= set(d)
    assert d["mode"] == mode and d["lumi_ifb"] == 2.6
    for ours, paper in zip(d["B"], (4123, 644, 25)):
        assert abs(ours / paper - 1) < tol


def test_background_units_on_cli(run_cli):
    code, out, _ = run_cli("background", "--lumi", "140 fb^-1", "--mode", "formula", "--json")
    code2, out2, _ = run_cli("background", "--lumi", "0.14 /ab", "--mode", "formula", "--json")
    assert code == code2 == 0
    assert json.loads(out)["B"] == pytest.approx(json.loads(out2)["B"])


def test_xsec_acceptance(run_cli):
    code, out, _ = run_cli("xsec", "--model", "wino-c1c1", "--mass", "200", "--json")
    assert code == 0
    d = json.loads(out)
    assert round(d["xsec_fb"], 1) == 902.6 and d["source"] == "table"
    code, out, err = run_cli("xsec", "--model", "wino-c1c1", "--mass", "5000", "--json")
    assert code == 2 and out == ""
    assert "5000" in err and "outside" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_bad_numbers_are_clean(run_cli):
    code, _, err = run_cli("limit", "--signal", "1,x", "--background", "1,2")
    assert code == 2 and "Traceback" not in err
    code, _, err = run_cli("limit", "--signal", "1,2", "--background", "1")
    assert code == 2 and "one value per region" in err


def test_demo_runs(run_cli):
    code, out, err = run_cli("demo", "--analytic", "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["luminosities"] == [2.6, 140.0, 300.0]
    bm4 = next(r for r in d["rows"] if r["benchmark"] == 4)
    assert bm4["R95"][1] == pytest.approx(8.87, rel=0.01)  # published-mode B, Table 4 yields
    assert bm4["R95"][2] > bm4["R95"][1] > bm4["R95"][0]
    # the Table 4 signals belong to the paper's selection at 13 TeV: another card's background beside them (another
    # energy, other regions) is refused
    from lepreint.errors import LepreintError
    from lepreint.results.demo import demo

    for other in ("soft_displaced_emu_run3", "cms_8tev_emu", "atlas_susy_2018_14"):
        with pytest.raises(LepreintError, match="the demo's signals are the paper's Table 4"):
            demo(other)


def test_main_job_small(run_cli, tmp_path):
    code, out, err = run_cli("demo", "--events", "300", "--no-mpi", "--output", tmp_path / "d", "--json")
    assert code == 0, err
    d = json.loads(out)
    assert len(d["rows"]) == 30 and set(d["excluded"]) == {"140", "300"}
    assert (tmp_path / "d" / "scan.csv").exists() and (tmp_path / "d" / "r95_vs_ctau.png").exists()
    r = [row["R95@140"] for row in d["rows"]]
    assert max(r) > 1 and r[0] < max(r) and r[-1] < max(r)  # excluded somewhere, less at both ends


def test_python_api_mirrors_cli():
    import lepreint

    assert lepreint.limit([174, 157, 283], [221997, 34688, 1318], cls=False).R95 == pytest.approx(9.03, rel=0.005)
    assert lepreint.background(20, 20, 2.6, "published").B == (4123.0, 644.0, 25.0)
    assert lepreint.xsec("wino-c1c1", 200).xsec_fb == pytest.approx(902.569)


def test_stop_scan_from_the_command_line_and_python(run_cli, tmp_path):
    """Top squarks (Pythia decays the R-hadrons) scanned in (mass, c tau) against the CMS 8 TeV search."""
    from lepreint import api
    from lepreint.results.plots import mass_limit

    args = ["--model", "stop", "--mc", "400,600", "--ctau", "1cm,10cm", "--analysis", "cms_8tev_emu"]
    args += ["--no-classifier", "--statistic", "observed", "--lumi", "19.7", "--events", "200", "--no-mpi"]
    code, out, err = run_cli("scan", *args, "--output", tmp_path / "cli", "--json")
    assert code == 0, err
    d = json.loads(out)
    assert d["ok"] == d["points"] == 4
    for f in ("scan.csv", "exclusion_lumi19.7.png", "r95_vs_ctau.png", "hepdata/r95_vs_ctau_mass_400_gev.yaml"):
        assert (tmp_path / "cli" / f).exists(), f
    r = api.scan(
        model="stop",
        mc="400,600",
        ctau="1cm,10cm",
        analysis="cms_8tev_emu",
        classifier=False,
        statistic="observed",
        lumi=19.7,
        events=200,
        mpi=False,
        output=tmp_path / "py",
    )
    import csv

    with open(tmp_path / "cli" / "scan.csv") as fh:
        cli_rows = {(float(q["mc"]), float(q["ctau_mm"])): float(q["R95@19.7"]) for q in csv.DictReader(fh)}
    rows = {(row["mc"], row["ctau_mm"]): row["R95@19.7"] for row in r.rows}
    assert rows == pytest.approx(cli_rows, rel=1e-6)
    # CMS excludes 400 GeV at 1 cm by far; the lighter stop is the more excluded
    assert rows[(400.0, 10.0)] > 10 and rows[(400.0, 10.0)] > rows[(600.0, 10.0)]
    limit = mass_limit(r.rows, 19.7, 10.0)
    assert limit is not None and limit >= 400
    # with the observed counts: the CLs limits observed and expected with its band, in the table and HEPData
    for row in r.rows:
        band = [row[f"CLs_mu_up_exp_{k}@19.7"] for k in ("m2", "m1")]
        band += [row["CLs_mu_up_exp@19.7"]] + [row[f"CLs_mu_up_exp_{k}@19.7"] for k in ("p1", "p2")]
        assert band == sorted(band) and band[0] < band[-1] and row["CLs_mu_up@19.7"] > 0
    hep = (tmp_path / "cli" / "hepdata" / "r95_vs_ctau_mass_400_gev.yaml").read_text()
    assert "CLs mu_up observed" in hep and "CLs mu_up expected +1 sigma" in hep


def test_slepton_scan_in_the_atlas_search_from_the_command_line_and_python(run_cli, tmp_path):
    """Smuons (lepreint decays them) scanned in (mass, c tau) against ATLAS's search, with its detector card."""
    from lepreint import api

    args = ["--model", "slepton", "--mc", "200,400", "--ctau", "3cm,30cm", "--option", "flavour=mu"]
    args += ["--analysis", "atlas_susy_2018_14", "--detector", "atlas_run2", "--no-classifier"]
    args += ["--statistic", "observed", "--lumi", "139", "--events", "200", "--no-mpi"]
    code, out, err = run_cli("scan", *args, "--output", tmp_path / "cli", "--json")
    assert code == 0, err
    assert json.loads(out)["ok"] == 4
    r = api.scan(
        model="slepton",
        mc="200,400",
        ctau="3cm,30cm",
        options={"flavour": "mu"},
        analysis="atlas_susy_2018_14",
        detector="atlas_run2",
        classifier=False,
        statistic="observed",
        lumi=139,
        events=200,
        mpi=False,
        output=tmp_path / "py",
        workers=2,  # forked after the network tests loaded TensorFlow here: the workers must not collect its objects
    )
    import csv

    with open(tmp_path / "cli" / "scan.csv") as fh:
        cli_rows = {(float(q["mc"]), float(q["ctau_mm"])): float(q["S_2@139"]) for q in csv.DictReader(fh)}
    rows = {(row["mc"], row["ctau_mm"]): row["S_2@139"] for row in r.rows}
    assert rows == pytest.approx(cli_rows, rel=1e-6)
    # smuons fill SR-mumu only; 200 GeV smuons at 3 cm are excluded by far (ATLAS: up to ~500 GeV at 0.1 ns)
    assert all(row["S_1@139"] == 0 and row["S_3@139"] == 0 for row in r.rows)
    assert rows[(200.0, 30.0)] > 10 and rows[(200.0, 30.0)] > rows[(400.0, 30.0)]
    code, _, err = run_cli("scan", *args, "--option", "colour=red", "--output", tmp_path / "bad")
    assert code == 2 and "not an option of model slepton" in err


@pytest.mark.parametrize(
    "model, extra",
    [
        ("slepton", ["--mc", "300", "--ctau", "3mm,3cm", "--option", "flavour=co_nlsp"]),
        ("coscattering", ["--mc", "220", "--dm", "40", "--ctau", "3mm,3cm"]),
        ("higgsino", ["--mc", "200", "--dm", "1"]),
        ("hnl", ["--mc", "10", "--u2", "1e-6,1e-5"]),
    ],
)
def test_cms_full_run2_search_scans_every_model(run_cli, tmp_path, model, extra):
    """CMS's full Run 2 search (a combination: three channels, two periods, 30 regions) from the command line for
    the models lepreint decays (top squarks: tests/analysis/test_combination.py and the validation)."""
    args = ["--model", model, *extra, "--analysis", "cms_exo_18_003", "--no-classifier", "--statistic", "observed"]
    args += ["--lumi", "117.3", "--events", "150", "--no-mpi", "--workers", "1"]
    code, out, err = run_cli("scan", *args, "--output", tmp_path / model, "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["ok"] == summary["points"] > 0
    with open(tmp_path / model / "scan.csv") as fh:
        row = next(csv.DictReader(fh))
    assert "S_30@117.3" in row and "CLs_mu_up@117.3" in row and float(row["B_1@117.3"]) == pytest.approx(3.8)


def _rendered(q, verbose=False) -> str:
    from rich.console import Console

    from lepreint.cli import _yields_table

    console = Console(record=True, width=250)
    console.print(_yields_table(q, "title", verbose))
    return console.export_text()


def test_many_regions_are_listed_one_per_row_with_everything():
    """Above five regions the yields table turns (a row per region): nothing of the narrow table is lost - the
    network's S and B per region, its R95 and projection, the efficiency, and the data's statistics."""
    n = 6
    band = {"cls_mu_up_band": [0.2, 0.3, 0.8, 1.2], "cls_calculator": "asymptotic", "excluded": True}
    q = {
        "regions": [f"bin {k}" for k in range(n)],
        "luminosity_ifb": 117.3,
        "S": [1.0] * n,
        "S_err": [0.1] * n,
        "B": [0.5] * n,
        "R95_by_region": [0.3] * n,
        "R95": 1.8,
        "S_nn": [0.7] * n,
        "S_nn_err": [0.1] * n,
        "B_nn": [0.05] * n,
        "B_nn_err": [0.01] * n,
        "nn_cut": 0.9,
        "R95_nn": 2.5,
        "R95_nn_by_lumi": {"2.6": 0.05, "140": 3.0, "300": 6.4},
        "efficiency": [0.012] * n,
        "cutflow": {"two leptons": 40.0},
        "options": {"detector": "cms_run2"},
        "observed": {
            "N": [1] * n,
            "R95": 1.1,
            "cls_mu_up_observed": 0.61,
            "cls_mu_up_expected": 0.5,
            **band,
            "by_channel": {"ee": {"cls_mu_up_observed": None, "error": "did not converge"}},
        },
    }
    text = _rendered(q, verbose=True)
    assert "bin 5" in text and "S (NN >= 0.9)" in text and "0.7 ± 0.1" in text and "0.012" in text
    assert "R95 (NN >= 0.9) at 2.6 / 140 / 300 /fb" in text and "0.05 / 3 / 6.4" in text
    assert "0.61 / 0.5 [0.2, 0.3, 0.8, 1.2]: excluded (asymptotic)" in text
    assert "ee alone" in text and "not computed: did not converge" in text
    assert "option: detector" in text and "cutflow: two leptons" in text
    narrow = _rendered({**q, **{k: q[k][:5] for k in ("regions", "S", "S_err", "B", "R95_by_region", "S_nn", "B_nn")}})
    assert "bin 4" in narrow and "0.61 / 0.5" in narrow


def test_a_scan_whose_every_point_failed_exits_2(tmp_path, monkeypatch):
    """Each point's reason is in the table; that nothing was computed is in the exit status."""
    from click.testing import CliRunner

    import lepreint.results.scan as scan_module
    from lepreint.cli import cli

    def failing(cfg, output, workers, **kwargs):
        return [{"status": "failed", "reason": "Pythia failed to initialise", "mc": 220.0, "dm": 20.0, "ctau_mm": 10.0}]

    monkeypatch.setattr(scan_module, "run_scan", failing)
    r = CliRunner().invoke(cli, ["scan", "--mc", "220", "--dm", "20", "--ctau", "1cm", "--output", str(tmp_path / "s")])
    assert r.exit_code == 2, r.output
    assert "lepreint: error: every point of the scan failed (first: Pythia failed to initialise)" in r.output


def _fake_sample(folder, meta, parquet=b"PAR1\x00"):
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps(meta))
    (folder / "events.parquet").write_bytes(parquet)
    return folder


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["background", "--mode", "formula", "--pt-e", "-5"], "pT threshold (e): need a positive, finite energy"),
        (["limit", "--signal", "", "--background", ""], "expected at least one number for --signal"),
        (["limit", "--signal", "1,2", "--background", "1,1", "--observed", "1.5,0"], "whole numbers of events"),
        (["scan", "--mc", "220", "--dm", "20", "--ctau", "1cm", "--dask-local", "-1"], "--dask-local: need"),
        (["scan", "--mc", "220", "--dm", "20", "--ctau", "1cm", "--scheduler", "foo"], "--scheduler: expected"),
        (["generate", "--mc", "220", "--dm", "20", "--ctau", "inf", "--events", "10"], "is not finite"),
        # options that would be dropped without a word
        (["scan", "--card", "coscattering_grid", "--lumi", "300", "--mc", "300"], "--mc, --lumi beside it"),
        (["generate", "--mc", "220", "--param", "mc=300", "--events", "10"], "mc is given twice"),
        (["generate", "--events", "10", "--hepmc-copies", "one"], "--hepmc-copies: how HepMC3 output is written"),
        (["demo", "--analytic", "--events", "150"], "--events: --analytic generates no events"),
        (["limit", "--signal", "1", "--background", "1", "--no-cls", "--rel-unc", "0.2"], "--rel-unc: for the CLs"),
        (["background", "--upper-limit", "10"], "--upper-limit: Eq. (3.7)'s integration limit enters the formula"),
    ],
)
def test_bad_values_are_one_line_and_exit_2(run_cli, tmp_path, args, words):
    code, out, err = run_cli(*args, *(["--output", tmp_path / "s"] if args[0] == "scan" else []))
    assert code == 2 and len(err.strip().splitlines()) == 1 and words in err, err


def test_damaged_sample_folders_are_named(run_cli, tmp_path):
    from lepreint.events.slim import SCHEMA_VERSION

    listed = tmp_path / "listed"
    listed.mkdir()
    (listed / "meta.json").write_text("[1, 2]")
    (listed / "events.parquet").write_bytes(b"")
    cases = {
        listed: "expected a mapping of metadata, got a list",
        _fake_sample(tmp_path / "xs", {"schema": SCHEMA_VERSION, "xsec_fb": "lots"}): "xsec_fb: expected a finite",
        _fake_sample(tmp_path / "broken", {"schema": SCHEMA_VERSION}): "events.parquet: unreadable events",
    }
    for folder, words in cases.items():
        code, _, err = run_cli("inspect", folder)
        assert code == 2 and len(err.strip().splitlines()) == 1 and words in err, err
    code, _, err = run_cli("simulate", tmp_path / "xs", "--seed", "-1")
    assert code == 2 and "--seed: need an integer >= 0" in err, err
    code, _, err = run_cli("simulate", tmp_path / "xs", "--xsec", "1pb", "--xsec-source", "paper")
    assert code == 2 and "give --xsec (a value) or --xsec-source (a table), not both" in err, err


def test_a_scan_card_alone_reaches_the_scan_and_beside_options_are_refused_in_python(tmp_path, monkeypatch):
    """The command line passes its defaults with --card (they are the API's defaults); from Python, an argument
    beside ``card`` that the card replaces is refused, as on the command line."""
    from click.testing import CliRunner

    import lepreint
    import lepreint.results.scan as scan_module
    from lepreint.cli import cli
    from lepreint.errors import LepreintError

    seen = []

    def fake(cfg, output, workers, **kwargs):
        seen.append(cfg)
        return [{"status": "ok", "mc": 100.0, "dm": None, "ctau_mm": 3.0, "R95@139": 2.0}]

    monkeypatch.setattr(scan_module, "run_scan", fake)
    r = CliRunner().invoke(cli, ["scan", "--card", "slepton_grid_e", "--output", str(tmp_path / "s"), "--json"])
    assert r.exit_code == 0, r.output
    assert seen[0].model == "slepton" and seen[0].lumi == [139.0]
    with pytest.raises(LepreintError, match="lumi beside it would be ignored"):
        lepreint.scan(card="slepton_grid_e", lumi="300", output=tmp_path / "t")


def test_the_atlas_search_with_cmss_detector_is_refused_in_one_line(tmp_path):
    from click.testing import CliRunner

    from lepreint.cli import cli

    args = ["scan", "--model", "slepton", "--mc", "300", "--ctau", "10mm", "--analysis", "atlas_susy_2018_14"]
    r = CliRunner().invoke(cli, [*args, "--detector", "cms_run2", "--output", str(tmp_path / "s")])
    assert r.exit_code == 2, r.output
    assert r.output.count("\n") == 1 and "defined with the atlas_run2 detector" in r.output
