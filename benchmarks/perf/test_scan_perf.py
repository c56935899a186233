"""Scans (`make bench`): a 30-point c tau scan by moving decay vertices against generating each point, and a
full (m_c, dm, c tau) grid from an empty cache and again from the cache.  Printed: times and peak memory."""

import contextlib
import os
import resource
import shutil
import tempfile
import time

import pytest

from lepreint.results.scan import ScanConfig, parse_axis, run_scan


def _peak_mb():
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


@contextlib.contextmanager
def _fresh_cache(prefix: str):
    """An empty ``LEPREINT_CACHE`` for the block (removed after it)."""
    cache = tempfile.mkdtemp(prefix=prefix)
    old = os.environ.get("LEPREINT_CACHE")
    os.environ["LEPREINT_CACHE"] = cache
    try:
        yield cache
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        if old is None:
            os.environ.pop("LEPREINT_CACHE", None)
        else:
            os.environ["LEPREINT_CACHE"] = old


@pytest.mark.slow
def test_30_point_ctau_scan_resampling_vs_generating(capsys, tmp_path):
    cache = tmp_path / "cache"
    old = os.environ.get("LEPREINT_CACHE")
    os.environ["LEPREINT_CACHE"] = str(cache)
    try:
        cfg = ScanConfig([220.0], [20.0], parse_axis("0.3mm:3m:log30", "length"), events=20_000)
        t0 = time.perf_counter()
        run_scan(cfg, tmp_path / "a", workers=2, plots=False)
        t_first = time.perf_counter() - t0  # one generation + 30 points
        t0 = time.perf_counter()
        run_scan(cfg, tmp_path / "b", workers=2, plots=False)
        t_points = time.perf_counter() - t0  # the 30 points alone (sample from the cache)
    finally:
        if old is None:
            os.environ.pop("LEPREINT_CACHE")
        else:
            os.environ["LEPREINT_CACHE"] = old
    t_gen = t_first - t_points
    ratio = t_points / (30 * t_gen)
    with capsys.disabled():
        print(
            f"\n[bench] 30-point c tau scan at (220, 20), 20 000 events with MPI, 2 workers: one generation "
            f"{t_gen:.0f} s, the 30 points by moving vertices {t_points:.1f} s; generating the 30 points would "
            f"take {30 * t_gen:.0f} s: ratio {ratio:.4f} (target <= 1/20); peak RSS {_peak_mb():.0f} MB"
        )
    assert ratio <= 1 / 20


@pytest.mark.slow
def test_full_grid_540_points(capsys, tmp_path):
    """6 m_c x 3 dm x 30 c tau from an empty cache (target 45 min on 2 cores), then from the cache (1 min)."""
    cache = tempfile.mkdtemp(prefix="lepreint-grid-cache-")
    old = os.environ.get("LEPREINT_CACHE")
    os.environ["LEPREINT_CACHE"] = cache
    try:
        cfg = ScanConfig(
            parse_axis("200:700:100", "energy"),
            [10.0, 20.0, 40.0],
            parse_axis("0.3mm:3m:log30", "length"),
            lumi=[140.0, 300.0],
            events=20_000,
        )
        t0 = time.perf_counter()
        rows = run_scan(cfg, tmp_path / "grid", workers=2, plots=False)
        t_empty = time.perf_counter() - t0
        t0 = time.perf_counter()
        rows2 = run_scan(cfg, tmp_path / "grid2", workers=2)
        t_cached = time.perf_counter() - t0
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        if old is None:
            os.environ.pop("LEPREINT_CACHE")
        else:
            os.environ["LEPREINT_CACHE"] = old
    from lepreint.results.plots import mass_reach

    with capsys.disabled():
        print(
            f"\n[bench] grid 6 m_c x 3 dm x 30 c tau = {len(rows)} points, 20 000 events per (m_c, dm), 2 cores: "
            f"{t_empty / 60:.1f} min from an empty cache (target 45), {t_cached:.0f} s from the cache (target 60); "
            f"peak RSS {_peak_mb():.0f} MB; mass reach dm = 20: 140 /fb {mass_reach(rows2, 140.0).get(20.0)}, "
            f"300 /fb {mass_reach(rows2, 300.0).get(20.0)} GeV"
        )
    assert len(rows) == 540 and rows == rows2
    assert t_empty < 45 * 60 and t_cached < 60


@pytest.mark.slow
def test_stop_grid_270_points(capsys, tmp_path):
    """The top-squark grid of the 8 TeV search (9 masses x 30 c tau, Pythia decaying the R-hadrons) from an empty
    cache on 2 cores, and the per-c tau cost (the points from the cache)."""
    with _fresh_cache("lepreint-stop-cache-"):
        cfg = ScanConfig.from_card("stop_grid_8tev")
        t0 = time.perf_counter()
        rows = run_scan(cfg, tmp_path / "a", workers=2, plots=True)
        t_empty = time.perf_counter() - t0
        t0 = time.perf_counter()
        run_scan(cfg, tmp_path / "b", workers=2, plots=False)
        t_cached = time.perf_counter() - t0
    n = len(rows)
    ok = sum(r.get("status") == "ok" for r in rows)
    with capsys.disabled():
        print(
            f"\n[bench] stop grid (cms_8tev_emu), {n} points ({ok} ok), {cfg.events} events per mass with MPI, "
            f"2 workers: empty cache {t_empty / 60:.1f} min; from the cache {t_cached:.1f} s "
            f"({1000 * t_cached / n:.0f} ms per point, loading included); peak RSS {_peak_mb():.0f} MB"
        )
    assert n == 270 and ok == 270


@pytest.mark.slow
def test_slepton_grids_120_points(capsys, tmp_path):
    """ATLAS's slepton grid (10 masses x 4 lifetimes) for selectrons, smuons and staus in its displaced-lepton search,
    from an empty cache on 2 cores (lepreint decays the sleptons; the full chain on the moved decays)."""
    times, rows = {}, []
    with _fresh_cache("lepreint-slepton-cache-"):
        for fl in ("e", "mu", "tau"):
            cfg = ScanConfig.from_card(f"slepton_grid_{fl}")
            t0 = time.perf_counter()
            rows += run_scan(cfg, tmp_path / fl, workers=2, plots=True)
            times[fl] = time.perf_counter() - t0
    n, ok = len(rows), sum(r.get("status") == "ok" for r in rows)
    with capsys.disabled():
        print(
            f"\n[bench] slepton grids (atlas_susy_2018_14), {n} points ({ok} ok), 5000 events x 10 decays per mass, "
            f"2 workers, empty cache: selectrons {times['e'] / 60:.1f} min, smuons {times['mu'] / 60:.1f} min, "
            f"staus {times['tau'] / 60:.1f} min; peak RSS {_peak_mb():.0f} MB"
        )
    assert n == 120 and ok == 120


@pytest.mark.slow
def test_exo18003_coscattering_grid_540_points(capsys, tmp_path):
    """Co-scattering dark matter (10 masses x 3 splittings x 18 c tau) in CMS's full Run 2 search (three channels,
    two periods: nine channel cards per point), from an empty cache on 2 cores and again from the cache; the
    c tau points on the fast path (a scanner per part)."""
    cfg = ScanConfig.from_card("exo18003_coscattering")
    with _fresh_cache("lepreint-exo18003-cache-"):
        t0 = time.perf_counter()
        rows = run_scan(cfg, tmp_path / "cold", workers=2, plots=True)
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = run_scan(cfg, tmp_path / "warm", workers=2, plots=False)
        warm = time.perf_counter() - t0
    n, ok = len(rows), sum(r.get("status") == "ok" for r in rows)
    with capsys.disabled():
        print(
            f"\n[bench] co-scattering grid with cms_exo_18_003 (30 regions), {n} points ({ok} ok), 5000 events per "
            f"(m_c, dm), 2 workers: empty cache {cold / 60:.1f} min; from the cache {warm:.1f} s "
            f"({1000 * warm / max(len(again), 1):.0f} ms per point, loading and the per-part setup included); peak RSS "
            f"{_peak_mb():.0f} MB"
        )
    assert n == 540 and ok == 540 and len(again) == 540
