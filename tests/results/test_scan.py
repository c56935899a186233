"""lepreint scan: grid syntax, results table, failures recorded, resumable after kill -9."""

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lepreint.errors import LepreintError
from lepreint.events.generation.engine import GENERATION_REVISION
from lepreint.results.scan import ScanConfig, parse_axis, run_scan

ROOT = Path(__file__).resolve().parents[2]


def test_parse_axis():
    assert parse_axis("150:300:50", "energy") == [150.0, 200.0, 250.0, 300.0]
    assert parse_axis("10,20,40", "energy") == [10.0, 20.0, 40.0]
    c = parse_axis("0.1mm:10m:log30", "length")
    assert len(c) == 30 and c[0] == pytest.approx(0.1) and c[-1] == pytest.approx(1e4)
    assert parse_axis("1cm", "length") == [10.0]
    with pytest.raises(LepreintError, match="axis"):
        parse_axis("1:2", "energy")
    with pytest.raises(LepreintError, match="axis"):
        parse_axis("1 kg", "length")


def _cfg(**kw):
    return ScanConfig(mc=[220.0, 5000.0], dm=[20.0], ctau=[1.0, 10.0, 100.0], events=150, mpi=False, draws=2, **kw)


def test_scan_table_failures_and_resume(tmp_path):
    rows = run_scan(_cfg(), tmp_path / "s", workers=1)
    assert len(rows) == 6
    ok = [r for r in rows if r["status"] == "ok"]
    bad = [r for r in rows if r["status"] == "failed"]
    assert len(ok) == 3 and len(bad) == 3 and "5000" in bad[0]["reason"]
    assert all(r["R95@140"] >= 0 and len([k for k in r if k.startswith("S_nn_")]) >= 3 for r in ok)
    assert (tmp_path / "s" / "hepdata" / "submission.yaml").exists() and (tmp_path / "s" / "r95_vs_ctau.png").exists()
    table = list(csv.DictReader(open(tmp_path / "s" / "scan.csv")))
    assert [t["ctau_mm"] for t in table[:3]] == ["1", "10", "100"] and "R95@140" in table[0]
    # resume: delete one point, rerun; the others are not recomputed
    pts = sorted((tmp_path / "s" / "points").glob("*.json"))
    before = {p.name: p.stat().st_mtime_ns for p in pts}
    victim = [p for p in pts if "mc220_" in p.name][1]
    victim.unlink()
    run_scan(_cfg(), tmp_path / "s", workers=1)
    after = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "s" / "points").glob("*.json")}
    assert set(after) == set(before)
    # finished points untouched; the deleted one and the failed ones (m_c = 5000 GeV) recomputed
    assert all(after[n] == before[n] for n in before if n != victim.name and "mc5000" not in n)
    assert after[victim.name] > before[victim.name]
    assert all(after[n] > before[n] for n in before if "mc5000" in n)


def _small(**kw):
    return ScanConfig(
        **{"mc": [220.0], "dm": [20.0], "ctau": [1.0, 10.0, 100.0], "events": 150, "mpi": False, "draws": 2, **kw}
    )


@pytest.mark.parametrize(
    "change",
    [
        {"nn_cut": 0.5},
        {"classifier": False},
        {"lumi": [300.0]},
        {"draws": 3},
        {"xsec_source": "paper"},
        {"statistic": "expected", "seed": 2},
    ],
)
def test_a_rerun_with_other_options_refuses_or_gives_the_clean_answer(tmp_path, change):
    from lepreint.results.scan import ScanFolderError

    first = run_scan(_small(), tmp_path / "s", workers=1, plots=False)
    with pytest.raises(ScanFolderError, match=r"holds a different scan \(.*--overwrite"):
        run_scan(_small(**change), tmp_path / "s", workers=1, plots=False)
    assert run_scan(_small(), tmp_path / "s", workers=1, plots=False) == first  # refused: nothing changed
    clean = run_scan(_small(**change), tmp_path / "clean", workers=1, plots=False)
    again = run_scan(_small(**change), tmp_path / "s", workers=1, plots=False, overwrite=True)
    assert again == clean and again != first
    assert (tmp_path / "s" / "scan.csv").read_text() == (tmp_path / "clean" / "scan.csv").read_text()


def test_failed_points_are_recomputed_and_a_grid_can_be_extended(tmp_path):
    lines = []
    rows = run_scan(_small(), tmp_path / "s", workers=1, plots=False)
    p = tmp_path / "s" / "points" / "mc220_dm20_ctau10mm.json"
    p.write_text(p.read_text().replace('"status": "ok"', '"status": "failed"'))
    wider = ScanConfig(mc=[220.0], dm=[20.0], ctau=[1.0, 10.0, 100.0, 1000.0], events=150, mpi=False, draws=2)
    again = run_scan(wider, tmp_path / "s", workers=1, plots=False, log=lines.append)
    assert again[:3] == rows and again[3]["status"] == "ok"
    assert lines == [f"resuming scan {rows[0]['scan_id']} in {tmp_path / 's'}: reusing 2 of 4 points, computing 2"]


def test_a_folder_from_an_older_scan_without_identity_is_refused(tmp_path):
    from lepreint.results.scan import ScanFolderError

    (tmp_path / "s" / "points").mkdir(parents=True)
    (tmp_path / "s" / "points" / "mc220_dm20_ctau1mm.json").write_text('{"status": "ok", "R95@140": 17.4}')
    with pytest.raises(ScanFolderError, match="older lepreint"):
        run_scan(_small(), tmp_path / "s", workers=1, plots=False)


def test_kill_9_then_restart_gives_the_same_table(tmp_path):
    exe = Path(sys.executable).parent / "lepreint"
    args = [
        str(exe),
        "scan",
        "--mc",
        "200,220,240",
        "--dm",
        "20",
        "--ctau",
        "1mm:1m:log6",
        "--events",
        "150",
        "--no-mpi",
        "--draws",
        "2",
        "--workers",
        "1",
        "--json",
    ]
    # separate sample caches: the interrupted run must generate (not just read) its samples
    env = {**os.environ, "LEPREINT_CACHE": str(tmp_path / "cache_ref")}
    ref = subprocess.run([*args, "--output", str(tmp_path / "ref")], capture_output=True, text=True, env=env)
    env = {**os.environ, "LEPREINT_CACHE": str(tmp_path / "cache_k")}
    assert ref.returncode == 0, ref.stderr
    p = subprocess.Popen(
        [*args, "--output", str(tmp_path / "k")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    pts = tmp_path / "k" / "points"
    t0 = time.time()
    while time.time() - t0 < 60 and (not pts.exists() or len(list(pts.glob("*.json"))) < 2):
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.wait()
    n_before = len(list(pts.glob("*.json")))
    assert 0 < n_before < 18, "the scan was not interrupted midway"
    before = {q.name: q.stat().st_mtime_ns for q in pts.glob("*.json")}
    again = subprocess.run([*args, "--output", str(tmp_path / "k")], capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "k" / "scan.csv").read_text() == (tmp_path / "ref" / "scan.csv").read_text()
    # no finished point was computed twice
    assert all((pts / n).stat().st_mtime_ns == t for n, t in before.items())


def test_mass_reach_and_exclusion_plots(tmp_path):
    from lepreint.results.plots import excluded_range, mass_reach

    rows = [
        {"mc": mc, "dm": 20.0, "ctau_mm": c, "status": "ok", "R95@140": r}
        for mc, peak in ((200.0, 8.0), (300.0, 2.0), (400.0, 0.5))
        for c, r in ((1.0, peak / 10), (10.0, peak), (100.0, peak / 10))
    ]
    reach = mass_reach(rows, 140.0)[20.0]
    assert 300 < reach < 400 and reach == pytest.approx(300 + 100 * np.log(2) / np.log(4))
    assert mass_reach(rows, 140.0, scale_to=140.0 * 4)[20.0] == 400.0  # all excluded: the largest scanned
    lo, hi, best = excluded_range(np.array([1.0, 10.0, 100.0]), np.array([0.8, 8.0, 0.8]))
    assert 1 < lo < 10 < hi < 100 and best == 10.0
    from lepreint.results.plots import plot_scan

    names = {p.name for p in plot_scan(rows, [140.0], tmp_path)}
    assert {"r95_vs_ctau.png", "mass_reach_vs_lumi.png", "exclusion_dm20_lumi140.png"} <= names
    # with the observed counts R95 is not linear in the luminosity: no extrapolated reach
    names = {p.name for p in plot_scan(rows, [140.0], tmp_path / "observed", extrapolate=False)}
    assert "mass_reach_vs_lumi.png" not in names and "exclusion_dm20_lumi140.png" in names


def test_ranges_limits_and_reach_say_what_they_are(tmp_path):
    """Two excluded stretches are two intervals (not one range over a point that is not excluded); a CLs column's
    mass limit reads the strength as 1 / mu_up (it read mu_up as a p-value); a reach at the grid's heaviest mass is
    beyond the grid in HEPData ('-'), and one mass gives no reach table."""
    from lepreint.results.hepdata import export_hepdata
    from lepreint.results.plots import excluded_intervals, excluded_range, mass_limit

    c, r = np.array([1.0, 10.0, 100.0, 1000.0, 1e4]), np.array([0.5, 2.0, 0.5, 2.0, 0.5])
    (a, b), (d, e) = excluded_intervals(c, r)
    assert a < 10 < b < 100 < d < 1000 < e
    lo, hi, best = excluded_range(c, r)
    assert (lo, hi) == (a, b) and best == 10.0
    # a peak just above 1 at one node, an interval of one point: found (the node's c tau recomputed from its log)
    c1 = np.logspace(-1, 4, 11)
    lo, hi, best = excluded_range(c1, np.array([0.1] * 5 + [1.003] + [1e-4] * 5))
    assert lo == pytest.approx(best) and hi == pytest.approx(best) and best == pytest.approx(10**1.5)
    rows = [
        {"mc": mc, "dm": None, "ctau_mm": ct, "status": "ok", "R95@19.7": 1 / mu, "CLs_mu_up@19.7": mu}
        for mc, mu in ((400.0, 0.1), (600.0, 0.5), (800.0, 2.0))
        for ct in (1.0, 100.0)
    ]
    lim = mass_limit(rows, 19.7, 10.0, key="CLs_mu_up")
    assert 600 < lim < 800 and lim == pytest.approx(mass_limit(rows, 19.7, 10.0))
    with pytest.raises(ValueError, match="key must be"):
        mass_limit(rows, 19.7, 10.0, key="CLs")
    heavy = [{**q, "R95@19.7": 5.0} for q in rows]  # every mass excluded: the reach lies beyond the grid
    (tmp_path / "h").mkdir()
    export_hepdata(heavy, [19.7], tmp_path / "h", "test")
    reach = (tmp_path / "h" / "hepdata" / "mass_reach.yaml").read_text()
    assert "value: '-'" in reach and "800" not in reach.split("dependent_variables")[1]
    (tmp_path / "one").mkdir()
    export_hepdata([q for q in rows if q["mc"] == 400.0], [19.7], tmp_path / "one", "test")
    assert not (tmp_path / "one" / "hepdata" / "mass_reach.yaml").exists()


def test_a_rerun_on_a_smaller_grid_leaves_no_plot_of_the_larger(tmp_path):
    """Two masses draw an exclusion map; a rerun on one of them draws none, and the map of the larger grid goes; a
    file of the user's whose name looks like a plot stays (only what lepreint drew is removed)."""
    s = tmp_path / "s"
    run_scan(_small(mc=[200.0, 220.0], ctau=[1.0, 10.0]), s, workers=1)
    old = s / "exclusion_dm20_lumi140.png"
    assert old.exists()
    mine = s / "r95_vs_paper.png"
    mine.write_bytes(b"mine")
    run_scan(_small(mc=[220.0], ctau=[1.0, 10.0]), s, workers=1)  # its points reused, its plots drawn anew
    assert not old.exists() and (s / "r95_vs_ctau.png").exists() and mine.exists()


def test_overwrite_removes_the_replaced_scans_plots_and_archive(tmp_path):
    run_scan(_small(), tmp_path / "s", workers=1, plots=False)
    stale = [tmp_path / "s" / n for n in ("exclusion_dm30_lumi140.png", "mass_reach_vs_lumi.png", "submission.tar.gz")]
    for p in stale:
        p.write_bytes(b"old")
    keep = tmp_path / "s" / "notes.txt"  # the user's own file stays
    keep.write_text("mine")
    run_scan(_small(draws=3), tmp_path / "s", workers=1, plots=False, overwrite=True)
    assert not any(p.exists() for p in stale) and keep.exists()


@pytest.mark.parametrize(
    ("axes", "word"),
    [
        ({"mc": [220.0, 220.0]}, "mc: 220 is given twice"),
        ({"ctau": [1.0, 1.0000001]}, "ctau: 1 is given twice"),
        ({"lumi": [140.0, 140.0000001]}, "lumi: 140 is given twice"),
    ],
)
def test_a_value_given_twice_on_an_axis_is_refused(axes, word):
    with pytest.raises(LepreintError, match=word):
        _small(**axes)


def test_dask_executor_gives_the_same_table(tmp_path):
    cfg = ScanConfig(mc=[200.0, 220.0], dm=[20.0], ctau=[1.0, 30.0], events=150, mpi=False, draws=2)
    run_scan(cfg, tmp_path / "local", workers=1, plots=False)
    run_scan(cfg, tmp_path / "dask", plots=False, executor="local:2")
    assert (tmp_path / "dask" / "scan.csv").read_text() == (tmp_path / "local" / "scan.csv").read_text()


def test_points_in_parallel_give_the_same_table(tmp_path):
    cfg = ScanConfig(
        mc=[220.0], dm=[20.0], ctau=[1.0, 3.0, 10.0, 30.0, 100.0], lumi=[140.0, 300.0], events=150, mpi=False, draws=2
    )
    run_scan(cfg, tmp_path / "one", workers=1, plots=False)
    run_scan(cfg, tmp_path / "two", workers=2, plots=False)
    assert (tmp_path / "one" / "scan.csv").read_text() == (tmp_path / "two" / "scan.csv").read_text()
    # several (m_c, dm): groups in parallel processes
    cfg2 = ScanConfig(mc=[200.0, 220.0, 240.0], dm=[20.0], ctau=[1.0, 30.0], events=150, mpi=False, draws=2)
    run_scan(cfg2, tmp_path / "g1", workers=1, plots=False)
    run_scan(cfg2, tmp_path / "g2", workers=2, plots=False)
    assert (tmp_path / "g1" / "scan.csv").read_text() == (tmp_path / "g2" / "scan.csv").read_text()
    rows = list(csv.DictReader(open(tmp_path / "one" / "scan.csv")))
    # R95 is linear in the luminosity
    assert all(float(r["R95@300"]) == pytest.approx(float(r["R95@140"]) * 300 / 140, rel=1e-9) for r in rows)


def test_backgrounds_and_observed_counts_of_the_cms_searches():
    from lepreint.analysis.projection import analysis_background, observed_counts
    from lepreint.config.cards import analysis_config

    # the 8 TeV search's own background estimates, scaled with the luminosity
    assert analysis_background("cms_8tev_emu") == pytest.approx([18.0, 1.01, 0.051])
    assert analysis_background("cms_8tev_emu", 39.4) == pytest.approx([36.0, 2.02, 0.102])
    # EXO-16-022: CMS's central estimate by default; the paper's heavy-flavour upper limits as an option (kappa = 1
    # at the search's own thresholds, so B = the counts)
    assert analysis_background("cms_exo_16_022") == pytest.approx([0.544, 0.0608, 0.00292], rel=2e-3)
    paper = analysis_config("cms_exo_16_022@paper_upper_limits")
    assert paper.background.name == "paper_upper_limits" and paper.name == "cms_exo_16_022@paper_upper_limits"
    assert analysis_background(paper) == pytest.approx([3.2, 0.5, 0.019], rel=1e-6)
    assert analysis_config("cms_exo_16_022", background="paper_upper_limits") == paper
    with pytest.raises(LepreintError, match="cms_central, paper_upper_limits"):
        analysis_config("cms_exo_16_022@upper")
    assert observed_counts(analysis_config("cms_8tev_emu"), 19.7) == [19, 0, 0]
    with pytest.raises(LepreintError, match="19.7"):
        observed_counts(analysis_config("cms_8tev_emu"), 140.0)
    with pytest.raises(LepreintError, match="no observed"):
        observed_counts(analysis_config("soft_displaced_emu"), 140.0)


def test_scan_options_that_do_not_fit_fail_before_generating(tmp_path):
    with pytest.raises(LepreintError, match="without the network"):
        run_scan(_cfg(analysis="cms_8tev_emu"), tmp_path / "a")
    with pytest.raises(LepreintError, match="19.7"):
        run_scan(_cfg(analysis="cms_8tev_emu", classifier=False, statistic="observed"), tmp_path / "b")
    assert not (tmp_path / "a" / "points").exists() or not any((tmp_path / "a" / "points").iterdir())


def test_8tev_scan_with_observed_counts(tmp_path):
    """Samples are generated at the analysis' sqrt(s); R95 uses the observed counts (19, 0, 0)."""
    cfg = ScanConfig(
        mc=[220.0],
        dm=[40.0],
        ctau=[0.5, 5.0],
        events=150,
        mpi=False,
        draws=2,
        analysis="cms_8tev_emu",
        classifier=False,
        statistic="observed",
        lumi=[19.7],
    )
    rows = run_scan(cfg, tmp_path / "s", workers=1, plots=False)
    assert all(r["status"] == "ok" for r in rows), rows
    r = rows[1]
    from lepreint.stats.limits import r95

    S = [r[f"S_{i}@19.7"] for i in (1, 2, 3)]
    assert sum(S) > 0 and r["R95@19.7"] == pytest.approx(r95(S, [18.0, 1.01, 0.051], [19, 0, 0]))
    # 8 TeV: Pythia LO x the 13 TeV NLO+NLL/LO factor, about 260 fb at 220 GeV (13 TeV table: 640 fb)
    assert 150 < rows[0]["xsec_fb"] < 400
    # the HEPData tables say which R95 they hold
    from lepreint.results.hepdata import export_hepdata

    (tmp_path / "h").mkdir()
    out = export_hepdata(rows, [19.7], tmp_path / "h", sqrt_s_tev=8.0, statistic="observed")
    text = "".join(p.read_text() for p in Path(out).rglob("*.yaml"))
    assert "Observed R95" in text and "Expected R95" not in text


def test_scan_cards():
    from lepreint.config.cards import InvalidCard

    grid = ScanConfig.from_card("coscattering_grid")
    assert (len(grid.mc), len(grid.dm), len(grid.ctau)) == (6, 3, 30) and grid.lumi == [140.0, 300.0]
    hig = ScanConfig.from_card("higgsino_grid")
    assert hig.model == "higgsino" and len(hig.mc) * len(hig.dm) == 18 and not hig.ctau
    hnl = ScanConfig.from_card("hnl_grid")
    assert hnl.model == "hnl" and len(hnl.u2) == 11 and hnl.u2[0] == pytest.approx(1e-9)
    assert hnl.model_options()["mixing"] == {"e": 1.0, "mu": 1.0}
    with pytest.raises(InvalidCard, match="no scan card"):
        ScanConfig.from_card("no_such_grid")


@pytest.mark.parametrize("grid", ["higgsino_grid", "hnl_grid"])
def test_full_run2_planes_reuse_the_grids_productions(grid):
    """The EXO-18-003 cards scan the plane of the paper-style grid with the same productions (samples shared in the
    cache): only the analysis and its statistic differ."""
    from lepreint.results.scan import _request

    base, run2 = ScanConfig.from_card(grid), ScanConfig.from_card(f"exo18003_{grid.split('_')[0]}")
    assert run2.analysis == "cms_exo_18_003" and run2.statistic == "observed" and run2.lumi == [117.3]
    assert (run2.mc, run2.dm, run2.u2) == (base.mc, base.dm, base.u2)
    second = base.dm[1] if base.dm else None
    assert _request(run2, run2.mc[1], second) == _request(base, base.mc[1], second)


def test_hnl_scan_in_its_plane(tmp_path):
    from lepreint.models.hnl import ctau

    cfg = ScanConfig(
        mc=[10.0, 20.0],
        dm=[],
        ctau=[],
        model="hnl",
        u2=[1e-7, 1e-6],
        events=150,
        mpi=False,
        draws=2,
        options={"mixing": {"e": 1.0, "mu": 1.0}, "majorana": True},
    )
    rows = run_scan(cfg, tmp_path / "h", workers=1)
    assert len(rows) == 4 and all(r["status"] == "ok" for r in rows)
    for r in rows:
        assert r["ctau_mm"] == pytest.approx(ctau(r["mN"], r["U2"], True, cfg.options))
        assert "R95@140" in r and "R95_cut@140" in r
    a, b = rows[0], rows[1]  # same m_N: the cross section scales with |U|^2
    assert b["xsec_fb"] / a["xsec_fb"] == pytest.approx(10.0)
    assert (tmp_path / "h" / "r95_hnl_lumi140.png").exists() and (
        tmp_path / "h" / "hepdata" / "submission.yaml"
    ).exists()
    assert (tmp_path / "h" / "r95_cut_hnl_lumi140.png").exists()  # the cut-based map beside the network's
    hep = (tmp_path / "h" / "hepdata" / "submission.yaml").read_text()
    assert "Example location" not in hep and "location: lepreint scan" in hep
    with pytest.raises(LepreintError, match="u2"):
        run_scan(ScanConfig(mc=[10.0], dm=[], ctau=[], model="hnl"), tmp_path / "x")


def test_higgsino_scan_in_its_plane(tmp_path):
    from lepreint.models.higgsino import DEFAULT_OPTIONS, lifetimes

    cfg = ScanConfig(mc=[150.0], dm=[0.5, 20.0], ctau=[], model="higgsino", events=150, mpi=False, classifier=False)
    rows = run_scan(cfg, tmp_path / "g", workers=1)
    assert [r["status"] for r in rows] == ["ok", "ok"]
    assert rows[0]["ctau_mm"] == pytest.approx(lifetimes({"mc": 150.0, "dm": 0.5}, DEFAULT_OPTIONS)[0])
    assert (tmp_path / "g" / "r95_higgsino_lumi140.png").exists()


def test_a_scans_identity_holds_the_models_defaults_and_the_generation_revision():
    """A scan card's options are resolved with the model's defaults: a changed default (or lepreint's decays) must
    not let a rerun reuse the points it changes."""
    ident = ScanConfig.from_card("slepton_grid_tau").identity()
    assert ident["options"] == {"flavour": "tau", "states": "LR", "tau_polarisation": "chirality"}
    assert ident["generation_revision"] == GENERATION_REVISION


def test_exclusion_maps_draw_the_cls_contours(tmp_path):
    """A scan with the observed counts draws mu_up = 1 (observed, expected and its band) on the exclusion map; points
    computed without the expected limits (older results) leave them out instead of drawing half a contour."""
    from matplotlib.figure import Figure

    from lepreint.results.plots import _cls_contours, cls_curves, plot_scan

    rows = []
    for mc in (100.0, 200.0, 300.0):
        for ctau in (1.0, 10.0, 100.0):
            mu = mc / 200.0 * (1 + abs(np.log10(ctau) - 1))  # excluded at low mass, best at 10 mm
            row = {"mc": mc, "dm": None, "ctau_mm": ctau, "status": "ok", "R95@100": 1 / mu}
            row.update({"CLs_mu_up@100": mu, "CLs_mu_up_exp@100": 1.2 * mu})
            row.update({"CLs_mu_up_exp_m1@100": 0.9 * mu, "CLs_mu_up_exp_p1@100": 1.6 * mu})
            rows.append(row)
    assert cls_curves(rows, 100.0)[(100.0, None)][1] == pytest.approx([1.0, 2.0, 1.0])
    ax = Figure().subplots()
    assert _cls_contours(ax, rows, 100.0, None, [100.0, 200.0, 300.0], [1.0, 10.0, 100.0])
    assert len(ax.collections) == 4
    old = [{k: v for k, v in r.items() if "exp" not in k} if r["mc"] == 300.0 else r for r in rows]
    assert cls_curves(old, 100.0, "CLs_mu_up_exp") == {}
    ax = Figure().subplots()
    assert _cls_contours(ax, old, 100.0, None, [100.0, 200.0, 300.0], [1.0, 10.0, 100.0])
    assert len(ax.collections) == 1  # the observed one only
    assert (tmp_path / "exclusion_lumi100.png") in plot_scan(rows, [100.0], tmp_path)


def test_a_sample_of_which_nothing_can_pass_gives_zero_signal_not_failed_points(tmp_path, monkeypatch):
    """When the prefilter keeps no row (nothing can pass at any c tau: here co-scattering's leptons, dm = 5 GeV,
    against the 2015 search's 40-42 GeV, the prefilter made to keep none), every point is 'not excluded' with
    S = 0, as the full chain on the sample says, not a failed point (a hole in the scan)."""
    import lepreint.results.scan as scan_module
    from lepreint.events.slim import Sample

    monkeypatch.setattr(scan_module, "prefiltered", lambda s, cfg: Sample(s.events[:0], s.meta, s.path))
    cfg = _small(dm=[5.0], analysis="cms_exo_16_022", classifier=False)
    rows = run_scan(cfg, tmp_path / "s", workers=1, plots=False)
    assert len(rows) == 3 and all(r["status"] == "ok" for r in rows), [r.get("reason") for r in rows]
    assert all(r[f"S_{k}@140"] == 0.0 and r["R95@140"] == 0.0 for r in rows for k in (1, 2, 3))
