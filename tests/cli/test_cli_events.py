"""The generate and inspect commands through the real entry point."""

import json

import pytest


def _gen(run_cli, *extra):
    return run_cli(
        "generate",
        "--model",
        "coscattering",
        "--mc",
        "220",
        "--dm",
        "20",
        "--ctau",
        "1cm",
        "--events",
        "60",
        "--seed",
        "7",
        "-K",
        "4",
        "--no-mpi",
        "--json",
        *extra,
    )


def test_generate_json_keys_cache_hit_and_workers(run_cli, tmp_path):
    code, out, err = _gen(run_cli)
    assert code == 0, err
    p = json.loads(out)
    for key in ("sample", "digest", "events", "tried", "filter_efficiency", "xsec_fb", "options", "seed"):
        assert key in p
    assert p["events"] == 60 and p["tried"] == 60 and p["cache_hit"] is False
    assert p["parameters"] == {"mc": 220.0, "dm": 20.0, "ctau": 10.0}  # 1 cm in mm
    code, out2, _ = _gen(run_cli)
    again = json.loads(out2)
    assert again["cache_hit"] is True and again["digest"] == p["digest"]
    code, out3, err3 = _gen(run_cli, "--force", "--workers", "2", "--chunk", "1000")
    assert code == 0, err3
    # a different chunk size is a different configuration, but the same events per chunk => the same
    # content only if the chunking agrees; with one chunk either way the digest is equal
    assert json.loads(out3)["digest"] == p["digest"]


def test_generate_hepmc_then_inspect_both(run_cli, tmp_path):
    f = tmp_path / "out.hepmc3"
    code, out, err = _gen(run_cli, "--hepmc", str(f))
    assert code == 0, err
    p = json.loads(out)
    code, out, err = run_cli("inspect", str(f), "--json")
    assert code == 0, err
    h = json.loads(out)
    assert h["rows"] == 240 and h["events"] == 60 and h["llps"] == 480
    assert h["leptons"] == p["leptons"]
    code, out, err = run_cli("inspect", p["sample"], "--json")
    assert code == 0 and json.loads(out)["digest"] == p["digest"]


def test_truncated_hepmc_is_one_clean_error(run_cli, tmp_path):
    f = tmp_path / "out.hepmc3"
    assert _gen(run_cli, "--hepmc", str(f))[0] == 0
    text = f.read_text()
    cut = tmp_path / "cut.hepmc3"
    cut.write_text(text[: len(text) // 2])
    code, out, err = run_cli("inspect", str(cut), "--json")
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("lepreint: error: ") and "cut.hepmc3: event " in lines[0]
    code, out, err = run_cli("inspect", str(cut), "--skip-bad-events", "--json")
    assert code == 0
    p = json.loads(out)
    assert p["bad_events"] == 1 and p["truncated"] is True


def test_generate_bad_input_is_one_line(run_cli):
    code, out, err = run_cli("generate", "--mc", "220", "--dm", "300", "--ctau", "1cm", "--json")
    assert code == 2 and "0 < dm < mc" in err and "Traceback" not in err
    code, out, err = run_cli("generate", "--mc", "220", "--dm", "20", "--ctau", "1 GeV")
    assert code == 2 and "Traceback" not in err


def test_generate_from_a_model_card_with_flags_overriding(run_cli, tmp_path):
    card = tmp_path / "bm.yaml"
    card.write_text(
        "version: 1\nkind: model\nname: t\nmodel: coscattering\n"
        "parameters: {mc: 220 GeV, dm: 20 GeV, ctau: 5 mm}\n"
        "generation: {events: 30, seed: 3, oversampling: 3, options: {matrix_element: flat}, shower: {mpi: false}}\n"
    )
    code, out, err = run_cli("generate", "--card", card, "--json")
    assert code == 0, err
    p = json.loads(out)
    assert p["events"] == 30 and p["rows"] == 90 and p["seed"] == 3
    assert p["options"]["matrix_element"] == "flat" and p["shower"]["mpi"] is False
    assert p["parameters"]["ctau"] == 5.0
    code, out, err = run_cli("generate", "--card", card, "--events", "20", "--matrix-element", "V-A", "--json")
    p = json.loads(out)
    assert p["events"] == 20 and p["options"]["matrix_element"] == "V-A"


def test_simulate_a_sample_and_its_hepmc_export(run_cli, tmp_path):
    f = tmp_path / "s.hepmc3"
    code, out, err = _gen(run_cli, "--hepmc", str(f))
    p = json.loads(out)
    code, out, err = run_cli("simulate", p["sample"], "--json")
    assert code == 0, err
    r = json.loads(out)
    assert len(r["S"]) == len(r["S_err"]) == 3 and r["luminosity_ifb"] == 140
    assert r["cutflow"]["all"] == r["xsec_fb"] * 140 * 1.0 and r["options"]["d0_extrapolation"] == "linear_to_zero"
    assert all(s >= 0 for s in r["S"])
    code, out, err = run_cli("simulate", p["sample"], "--xsec-source", "paper", "--json")
    assert json.loads(out)["xsec_fb"] == 903.0
    # the HepMC export of the same events gives the same yields once told the cross section
    code, out, err = run_cli("simulate", str(f), "--xsec", f"{r['xsec_fb']} fb", "--json")
    assert code == 0, err
    h = json.loads(out)
    assert h["S"] == [pytest.approx(x, rel=1e-9, abs=1e-12) for x in r["S"]]
    # the file carries the cross section it was generated with
    code, out, err = run_cli("simulate", str(f), "--json")
    assert code == 0, err
    assert json.loads(out)["xsec_fb"] == pytest.approx(r["xsec_fb"], rel=1e-8)
    assert json.loads(out)["S"] == [pytest.approx(x, rel=1e-7, abs=1e-12) for x in r["S"]]


def test_yields_of_a_benchmark(run_cli):
    code, out, err = run_cli("yields", "--benchmark", "2", "--events", "40", "-K", "5", "--no-mpi", "--json")
    assert code == 0, err
    r = json.loads(out)
    assert r["benchmark"] == 2 and r["options"]["parameters"] == {"mc": 220.0, "dm": 20.0, "ctau": 30.0}
    d = r["options"]["decays"]
    assert d["decays"] == "eq2.16" and d["gamma_pi_ratio"] == pytest.approx(2.95, abs=0.01)
    assert len(r["S"]) == len(r["B"]) == len(r["R95_by_region"]) == 3 and r["excluded"] == (r["R95"] > 1)
    code, out, err = run_cli("yields", "--benchmark", "9", "--json")
    assert code == 2 and "no benchmark 9" in err


def test_simulate_with_the_classifier(run_cli):
    code, out, err = _gen(run_cli)
    p = json.loads(out)
    code, out, err = run_cli("simulate", p["sample"], "--classifier", "--json")
    assert code == 0, err
    r = json.loads(out)
    assert len(r["S_nn"]) == len(r["B_nn"]) == 3 and r["nn_cut"] == 0.9
    assert all(0 <= a <= b + 1e-12 for a, b in zip(r["S_nn"], r["S"]))
    assert 0 < r["background_efficiency"] < 0.1
    assert r["B_nn"][0] == pytest.approx(r["B"][0] * r["background_efficiency"])
    assert r["R95_nn"] >= 0 and set(r["R95_nn_by_lumi"]) == {"2.6", "140", "300"}
    assert r["excluded_nn"] == (r["R95_nn"] > 1)
    code, out, err = run_cli("simulate", p["sample"], "--classifier", "--nn-cut", "0.905")
    assert code == 2 and "not among the calibrated cuts" in err
    # a search whose background is the experiment's total estimate, not heavy flavour: the network's heavy-flavour
    # efficiency would scale it down by 100 (refused, as in scans)
    code, out, err = run_cli("simulate", p["sample"], "--analysis", "cms_exo_16_022", "--classifier")
    assert code == 2 and "measured on heavy flavour" in err and "Traceback" not in err
    # heavy flavour, but of another selection (42 / 40 GeV): the efficiency there is 0.029, not the stored 0.0099
    code, out, err = run_cli("simulate", p["sample"], "--analysis", "cms_exo_16_022@paper_upper_limits", "--classifier")
    assert code == 2 and "measured with the selection and detector of soft_displaced_emu" in err


def test_generate_other_models_from_the_command_line(run_cli, tmp_path):
    import json

    code, out, err = run_cli(
        "generate", "--model", "hnl", "--param", "mN=10", "--param", "U2=1e-6", "--events", "50", "--no-mpi", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["xsec_fb"] == pytest.approx(20.14, rel=1e-3)
    code, out, err = run_cli(
        "generate",
        "--model",
        "hnl",
        "--param",
        "mN=10",
        "--param",
        "U2=1e-6",
        "--events",
        "5",
        "--no-mpi",
        "--hepmc",
        str(tmp_path / "x.hepmc3"),
    )
    assert code == 2 and "HepMC output" in err and "Traceback" not in err
    code, out, err = run_cli(
        "generate", "--model", "higgsino", "--mc", "150", "--dm", "5", "--events", "20", "--no-mpi", "--json"
    )
    assert code == 0 and json.loads(out)["xsec_fb"] > 1000  # the degenerate-higgsino tables at 150 GeV
