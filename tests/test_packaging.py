"""The wheel works on its own: built from this tree, installed into a fresh virtual environment outside the
repository (core dependencies only, no extras), it finds its cards and data by name and runs the main job and
a scan.  Slow-ish (about a minute: the install and 2000 Pythia events); built once per test session."""

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    d = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            str(ROOT),
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(d / "dist"),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = (d / "dist").glob("lepreint-*.whl")
    venv.create(d / "venv", with_pip=True)
    py = d / "venv" / "bin" / "python"
    p = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--prefer-binary", str(wheel)], capture_output=True, text=True
    )
    assert p.returncode == 0, p.stderr[-2000:]
    work = d / "work"  # outside the repository: nothing can be found through the source tree
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "LEPREINT_CARDS")}
    env.update(LEPREINT_CACHE=str(d / "cache"), COLUMNS="200")

    def run(*args):
        return subprocess.run(
            [str(d / "venv" / "bin" / args[0]), *map(str, args[1:])], capture_output=True, text=True, cwd=work, env=env
        )

    return run, work


def test_the_wheel_has_no_extras_and_finds_its_cards(installed):
    run, _ = installed
    p = run(
        "python",
        "-c",
        "import lepreint, importlib.util as u; "
        "print(lepreint.__file__); print([m for m in ('tensorflow', 'keras', 'dask', 'hepdata_lib', 'mplhep') "
        "if u.find_spec(m)]); print(lepreint.load_card('soft_displaced_emu').kind)",
    )
    assert p.returncode == 0, p.stderr
    where, extras, kind = p.stdout.splitlines()
    assert str(ROOT) not in where and extras == "[]" and kind == "analysis"
    p = run("lepreint", "check", "soft_displaced_emu", "cms_run2", "table1", "coscattering_grid", "coscattering_bm4")
    assert p.returncode == 0, p.stderr
    # the ATLAS detector's maps (all three readings) and its likelihood are package data too
    p = run(
        "python",
        "-c",
        "from lepreint.detector.simulate import Detector; from lepreint.config.cards import analysis_config; "
        "from lepreint.stats.likelihood import published_workspace; "
        "[Detector('atlas_run2', map_variable=v) for v in ('d0', 'production_radius', 'radius_and_d0')]; "
        "print(len(published_workspace(analysis_config('atlas_susy_2018_14'), [1, 1, 1])['channels']))",
    )
    assert p.returncode == 0 and p.stdout.strip() == "3", p.stderr[-2000:]
    p = run("lepreint", "train", "--epochs", "1")
    assert p.returncode == 2 and p.stderr.startswith(
        "lepreint: error: training the network needs tensorflow: pip install 'lepreint[train]'"
    ), p.stderr


def test_demo_and_a_scan_run_from_the_wheel(installed):
    run, work = installed
    p = run("lepreint", "demo", "--events", "2000", "--json")
    assert p.returncode == 0, p.stderr
    demo = json.loads(p.stdout)
    assert len(demo["rows"]) == 30 and (work / "demo_output" / "r95_vs_ctau.png").exists()
    # the same events and numbers as from the source tree before any of the restructuring
    from test_regression import DEMO_2000_DIGEST, DEMO_2000_EXCLUDED

    assert {r["sample_digest"] for r in demo["rows"]} == {DEMO_2000_DIGEST}
    for lumi, (lo, hi) in DEMO_2000_EXCLUDED.items():
        assert demo["excluded"][lumi]["ctau_min_mm"] == pytest.approx(lo, rel=1e-9)
        assert demo["excluded"][lumi]["ctau_max_mm"] == pytest.approx(hi, rel=1e-9)
    p = run("lepreint", "scan", "--mc", "220", "--dm", "20", "--ctau", "1mm:1m:log5", "--events", "2000", "--json")
    assert p.returncode == 0, p.stderr
    s = json.loads(p.stdout)
    assert s["points"] == 5 and s["ok"] == 5 and (work / "scan" / "scan.csv").exists()
    assert "HEPData tables not written: pip install 'lepreint[hepdata]'" in p.stderr
    # and from Python, on the scan's sample
    code = (
        "import lepreint; s = lepreint.generate('coscattering', mc='220 GeV', dm='20 GeV', ctau='1 cm', "
        "events=2000); r = lepreint.simulate(s.sample_id, lumi='300 /fb', classifier=True); "
        "print(s.events, r.luminosity_ifb, r.R95_nn > 1)"
    )
    p = run("python", "-c", code)
    assert p.returncode == 0, p.stderr
    assert p.stdout.split() == ["2000", "300.0", "True"]
