"""Eqs. (2.10), (2.11), (2.16), (2.17)."""

import pytest

from lepreint.models import coscattering as cs


def test_width_estimate_eq210():
    g = cs.width_estimate(1e-6, 20.0)
    assert g == pytest.approx(5.0e-15, rel=0.01)  # the formula as printed (the paper rounds to ~4e-15)
    assert cs.width_estimate(1e-6, 20.0, "paper") == pytest.approx(4e-15)
    # scaling (g/1e-6)^2 (dm/20)^3
    assert cs.width_estimate(2e-6, 40.0) / g == pytest.approx(4 * 8)


def test_ctau_eq211():
    # the paper's own pair: 4e-15 GeV -> 4.93 cm; its quoted 7.5 cm = c * 250 ps
    assert cs.ctau_from_width(4e-15) == pytest.approx(49.33, rel=1e-3)
    assert cs.ctau_from_width(cs.width_estimate(1e-6, 20)) == pytest.approx(39.5, rel=0.01)
    assert cs.lifetime_from_width(cs.width_estimate(1e-6, 20, "paper")) * 1e3 == pytest.approx(164.6, rel=1e-3)


def test_branching_ratio_eq216():
    assert cs.leptonic_branching_ratio(1.0) == pytest.approx(1 / 9)
    assert cs.emu_pair_fraction(1 / 9) == pytest.approx(0.0247, abs=1e-4)  # Table 1 bm1: 0.025
    assert cs.leptonic_branching_ratio(1.0, gamma_pi=9.0) == pytest.approx(1 / 18)


def test_pion_width_eq217():
    assert cs.pion_width(0.1) == 0.0  # below the pion mass
    w1, w2 = cs.pion_width(0.3), cs.pion_width(0.6)
    assert w2 > w1 > 0
    assert cs.pion_width(0.3, theta=0.5) == pytest.approx(w1 * 0.7701511529340699)
