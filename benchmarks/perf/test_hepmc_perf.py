"""HepMC3 reading speed (`make bench`): lepreint's reader (events -> slim events, with isolation and
jets) next to pyhepmc's bare read of the same file (parsing only), in events per second."""

import time

import pyhepmc
import pytest

from lepreint.generate.engine import GenerationRequest, generate
from lepreint.io.hepmc import read_hepmc


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
        print(f"\n[bench] HepMC3 read, {n_bare} events, {size:.0f} MB: pyhepmc bare {n_bare / bare:,.0f} ev/s; "
              f"lepreint -> slim events {stats.events / ours:,.0f} ev/s ({bare / ours:.0%} of bare)")
    assert stats.events == n_bare == 1000
