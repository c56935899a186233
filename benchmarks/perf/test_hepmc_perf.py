"""HepMC3 reading speed (`make bench`): lepreint's reader (events -> slim events, with isolation and
jets) next to pyhepmc's bare read of the same file (parsing only), in events per second."""

import time

import pyhepmc
import pytest

from lepreint.events.generation.engine import GenerationRequest, generate
from lepreint.events.hepmc import read_hepmc


@pytest.mark.slow
def test_hepmc_read_throughput(tmp_path, capsys):
    f = tmp_path / "s.hepmc3"
    # full events (multiple interactions on: ~400 final-state particles), one copy each
    req = GenerationRequest("coscattering", {"mc": 220, "dm": 20, "ctau": 10.0}, 1000, 3, 1)
    generate(req, cache=False, hepmc=f)
    t = time.perf_counter()
    with pyhepmc.open(f) as fh:
        n_bare = sum(1 for _ in fh)
    bare = time.perf_counter() - t
    t = time.perf_counter()
    sample, stats = read_hepmc(f)
    ours = time.perf_counter() - t
    size = f.stat().st_size / 1e6
    with capsys.disabled():
        print(
            f"\n[bench] HepMC3 read, {n_bare} events, {size:.0f} MB: pyhepmc bare {n_bare / bare:,.0f} ev/s; "
            f"lepreint -> slim events {stats.events / ours:,.0f} ev/s ({bare / ours:.0%} of bare)"
        )
    assert stats.events == n_bare == 1000


@pytest.mark.slow
def test_a_second_simulate_of_a_500_mb_file_reads_the_cache(tmp_path, capsys):
    """`lepreint simulate` twice on a ~500 MB HepMC3 file of another writer (Pythia's full record, converted as
    Pythia's HepMC3 interface does), the second time at another luminosity: the second reads the cache keyed by
    the file's content.  Target: the second run costs under 10% of the first."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "events"))
    from pythia_to_hepmc import write_pythia_hepmc

    from lepreint.models import coscattering

    one = tmp_path / "one.hepmc3"
    setup = coscattering.pythia_setup(
        {"mc": 300.0, "dm": 25.0, "ctau": 50.0}, {"decayer": "pythia", "decays": "leptonic"}
    )
    write_pythia_hepmc(one, setup, events=1000, seed=7)
    text = one.read_bytes()
    head, rest = text.split(b"\nE ", 1)
    body, foot = rest.rsplit(b"HepMC::Asciiv3-END_EVENT_LISTING", 1)
    big = tmp_path / "big.hepmc3"
    with open(big, "wb") as fh:  # the same 1000 events again and again, up to ~500 MB
        fh.write(head + b"\n")
        for _ in range(max(1, round(500e6 / len(text)))):
            fh.write(b"E " + body)
        fh.write(b"HepMC::Asciiv3-END_EVENT_LISTING" + foot)
    exe = Path(sys.executable).parent / "lepreint"
    env = {**os.environ, "LEPREINT_CACHE": str(tmp_path / "cache")}
    times = []
    for lumi in ("140", "300"):
        t = time.perf_counter()
        p = subprocess.run(
            [str(exe), "simulate", str(big), "--xsec", "100 fb", "--lumi", lumi, "--json"],
            capture_output=True,
            text=True,
            env=env,
        )
        times.append(time.perf_counter() - t)
        assert p.returncode == 0, p.stderr
    size = big.stat().st_size / 1e6
    with capsys.disabled():
        print(
            f"\n[bench] simulate on a {size:.0f} MB HepMC3 file: first {times[0]:.1f} s (read, cache), second "
            f"{times[1]:.1f} s at another --lumi ({times[1] / times[0]:.1%} of the first; target < 10%)"
        )
    assert times[1] < 0.1 * times[0]
