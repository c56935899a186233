"""The closure of lepreint's decays against Pythia's (`-m slow`; also a record of `make validate`)."""

import pytest

from lepreint.events.generation.closure import closure


@pytest.mark.slow
def test_flat_decays_close_on_pythia():
    r = closure()
    assert abs(r["pull_flat_vs_pythia"]) < 2.0
    assert r["spectrum_p_value"] > 0.01
