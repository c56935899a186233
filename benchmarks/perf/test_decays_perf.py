"""Speed of lepreint's own LLP decays (`make bench`): decays per second on one core, printed."""

import time

import numpy as np
import pytest

from lepreint.events.generation.decays import decay_llps


@pytest.mark.slow
@pytest.mark.parametrize("me", ["flat", "V-A"])
def test_decay_throughput(me, capsys):
    rng = np.random.default_rng(1)
    n, k = 20_000, 10
    p = np.column_stack([np.zeros(n), rng.normal(0, 100, (n, 3))])
    p[:, 0] = np.sqrt(220.0**2 + np.sum(p[:, 1:] ** 2, axis=1))
    decay_llps(rng, p[:100], 220.0, 200.0, 10.0, {11: 0.5, 13: 0.5}, k=2, matrix_element=me)  # warm-up (w_max)
    t = time.perf_counter()
    out = decay_llps(rng, p, 220.0, 200.0, 10.0, {11: 0.5, 13: 0.5}, k=k, matrix_element=me)
    dt = time.perf_counter() - t
    rate = n * k / dt
    with capsys.disabled():
        print(f"\n[bench] {me:>4} decays chi+ -> chi0 l nu (220, 200), K = {k}: {rate:,.0f} decays/s on one core")
    assert out.lepton.shape == (n, k, 4) and rate > 0
