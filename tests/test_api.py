"""The Python API: one function per subcommand, the same options (units as strings or numbers), typed results
whose ``to_dict()`` is what ``--json`` prints; and the example script in docs/ runs."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import lepreint

ROOT = Path(__file__).resolve().parent.parent


def test_every_subcommand_has_a_documented_function():
    for name in (
        "generate",
        "simulate",
        "yields",
        "inspect",
        "train",
        "scan",
        "limit",
        "xsec",
        "background",
        "load_card",
    ):
        f = getattr(lepreint, name)
        assert callable(f) and len(f.__doc__ or "") > 80, name


def test_generate_simulate_inspect_with_units(tmp_path):
    s = lepreint.generate("coscattering", mc="220 GeV", dm="20 GeV", ctau="1 cm", events=60, shower={"mpi": False})
    assert isinstance(s, lepreint.GenerateResult) and s.parameters == {"mc": 220.0, "dm": 20.0, "ctau": 10.0}
    same = lepreint.generate("coscattering", mc=220, dm=20, ctau=10, events=60, shower={"mpi": False})
    assert same.cache_hit and same.sample_id == s.sample_id  # numbers in GeV and mm are the same point
    a = lepreint.simulate(s.sample_id, lumi="300 /fb", xsec="1 pb")
    b = lepreint.simulate(s.sample, lumi=300, xsec=1000)
    assert isinstance(a, lepreint.SimulateResult) and a.S == b.S and a.luminosity_ifb == 300 and a.xsec_fb == 1000
    assert a.excluded == (a.R95 > 1) and len(a.R95_by_region) == 3
    json.dumps(a.to_dict()), json.dumps(s.to_dict())
    i = lepreint.inspect(s.path)
    assert isinstance(i, lepreint.InspectResult) and i.llp_summary[0]["pdg_id"] == 1000024


def test_xsec_takes_sqrt_s_in_gev_or_with_a_unit():
    assert lepreint.xsec("wino-c1c1", 220, sqrt_s=13000).xsec_fb == lepreint.xsec("wino-c1c1", "220 GeV").xsec_fb
    assert lepreint.xsec("wino-c1c1", 220, sqrt_s="13.6 TeV").sqrt_s == 13.6
    with pytest.raises(lepreint.errors.LepreintError, match="sqrt_s"):
        lepreint.xsec("wino-c1c1", 220, sqrt_s=13)


def test_load_card_by_name_as_on_the_command_line():
    assert lepreint.load_card("soft_displaced_emu").kind == "analysis"
    assert lepreint.load_card("coscattering_grid", "scan").kind == "scan"


def test_scan_from_python(tmp_path):
    r = lepreint.scan(
        mc=[220],
        dm="20 GeV",
        ctau=["1 mm", "10 cm"],
        lumi="140,300 /fb",
        events=150,
        mpi=False,
        draws=2,
        output=tmp_path / "s",
    )
    assert isinstance(r, lepreint.ScanResult) and r.points == r.ok == 2 and r.lumis == [140.0, 300.0]
    assert set(r.excluded) == {"140", "300"} and all("R95@300" in row for row in r.rows)


def test_full_run2_search_from_python(tmp_path):
    """Top squarks (R-hadrons, Pythia's decays) in CMS's full Run 2 search, as a notebook calls it: 30 regions,
    the observed CLs limit, the region-by-region signal; a longer lifetime moves the signal to larger |d0|."""
    r = lepreint.scan(
        model="stop",
        mc="1200",
        dm=None,
        ctau="0.5mm,5cm",
        analysis="cms_exo_18_003",
        classifier=False,
        statistic="observed",
        lumi="117.3",
        events=200,
        mpi=False,
        workers=1,
        options={"tune": "CP5"},
        output=tmp_path / "stop",
    )
    assert r.points == r.ok == 2
    short, long_ = sorted(r.rows, key=lambda row: row["ctau_mm"])
    # regions 1-5 of each part: I lowpT, I highpT, II, III, IV (|d0| of both leptons below / above 500 um)
    inner = [k for k in range(1, 31) if k % 5 in (1, 2)]
    outer = [k for k in range(1, 31) if k % 5 == 0]
    frac = [
        (sum(row[f"S_{k}@117.3"] for k in inner), sum(row[f"S_{k}@117.3"] for k in outer)) for row in (short, long_)
    ]
    assert frac[0][0] > frac[0][1] and frac[1][1] > frac[1][0]
    assert 0 < long_["CLs_mu_up@117.3"] < 1  # a 1.2 TeV top squark at 5 cm: excluded (CMS: to about 1.4 TeV)


def test_simulate_against_the_data_of_a_search(run_cli):
    """A sample in a search with observed counts: R95 with them, the observed CLs limit, the expected one and its
    band; a combination's channels alone beside it; none of that at another luminosity (no data there)."""
    from lepreint.config.cards import analysis_config
    from lepreint.stats.limits import cls_upper_limit

    s = lepreint.generate("stop", mstop=1200, ctau="2 cm", events=150, options={"tune": "CP5"}, shower={"mpi": False})
    r = lepreint.simulate(s.sample_id, analysis="cms_exo_18_003")
    o = r.observed
    assert o is not None and len(o["N"]) == len(r.S) == 30 and set(o["by_channel"]) == {"emu", "ee", "mumu"}
    band = o["cls_mu_up_band"]
    assert band[0] < band[1] < o["cls_mu_up_expected"] < band[2] < band[3]
    assert o["excluded"] == (o["cls_mu_up_observed"] < 1)
    unc = analysis_config("cms_exo_18_003").background.uncertainty
    alone = cls_upper_limit(r.S[:10], r.B[:10], o["N"][:10], unc[:10])  # the first two bins: e-mu, 2016 and 2017-18
    assert o["by_channel"]["emu"]["cls_mu_up_observed"] == pytest.approx(alone.mu_up_observed)
    mumu = cls_upper_limit(r.S[20:], r.B[20:], o["N"][20:], unc[20:])  # the last two bins
    assert o["by_channel"]["mumu"]["cls_mu_up_expected"] == pytest.approx(mumu.mu_up_expected)
    assert o["R95"] == pytest.approx(lepreint.limit(r.S, r.B, observed=o["N"], cls=False).R95)
    assert lepreint.simulate(s.sample_id, analysis="cms_exo_18_003", lumi=300).observed is None
    assert "by_channel" not in lepreint.simulate(s.sample_id, analysis="cms_exo_18_003_mumu").observed
    code, out, err = run_cli("simulate", s.sample_id, "--analysis", "cms_exo_18_003")
    assert code == 0, err
    assert "CLs mu_up: observed" in out and "mumu alone" in out and "mumu 2017-18 IV" in out


def test_importing_lepreint_changes_no_global_state():
    code = (
        "import os, sys; before = dict(os.environ); import lepreint, lepreint.cli; "
        "assert dict(os.environ) == before; assert 'matplotlib' not in sys.modules; "
        "assert 'tensorflow' not in sys.modules and 'pyhf' not in sys.modules; print('clean')"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout.strip() == "clean", p.stderr


def test_the_example_script_runs(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg"}
    p = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "example.py"), "--events", "300", "--output", str(tmp_path / "ex")],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert p.returncode == 0, p.stderr
    assert "cut-based R95 = " in p.stdout and "CLs: signal strength below" in p.stdout
