"""d0 from the helix, against the straight line and a brute-force point-of-closest-approach search."""

import numpy as np
import pytest

from lepreint.detector.geometry import curvature_radius_mm, d0_helix, d0_straight, in_tracker


def _brute_force_d0(x0, y0, px, py, q, b):
    """Walk along the circle and take the minimum distance to the beam line."""
    pt = np.hypot(px, py)
    r = curvature_radius_mm(pt, b)
    s = np.sign(q)
    cx, cy = x0 + s * r * py / pt, y0 - s * r * px / pt
    phi0 = np.arctan2(y0 - cy, x0 - cx)
    phis = phi0 + np.linspace(-np.pi, np.pi, 2_000_001)
    return np.min(np.hypot(cx + r * np.cos(phis), cy + r * np.sin(phis)))


def test_curvature_radius_of_a_1_gev_track_in_cms():
    assert curvature_radius_mm(1.0, 3.8) == pytest.approx(877.8, rel=1e-3)  # 1 / (0.3 x 3.8) m


@pytest.mark.parametrize("q", [1, -1])
def test_helix_d0_matches_brute_force_and_tends_to_the_straight_line(q):
    rng = np.random.default_rng(3)
    for _ in range(5):
        x0, y0 = rng.normal(0, 20, 2)
        phi = rng.uniform(-np.pi, np.pi)
        pt = rng.uniform(1, 5)
        px, py = pt * np.cos(phi), pt * np.sin(phi)
        assert d0_helix(x0, y0, px, py, q, 3.8) == pytest.approx(_brute_force_d0(x0, y0, px, py, q, 3.8), abs=2e-3)
    # a stiff track hardly bends: the helix and the straight line agree
    assert d0_helix(10.0, 5.0, 1000.0, 300.0, q, 3.8) == pytest.approx(d0_straight(10.0, 5.0, 1000.0, 300.0), rel=1e-3)


def test_prompt_and_radial_tracks_have_zero_d0():
    assert d0_helix(0.0, 0.0, 3.0, 4.0, 1, 3.8) == pytest.approx(0.0, abs=1e-12)
    assert d0_straight(30.0, 40.0, 3.0, 4.0) == pytest.approx(0.0, abs=1e-12)
    # a radial soft track still bends: the helix d0 is not zero
    assert d0_helix(30.0, 40.0, 3.0, 4.0, 1, 3.8) > 0.1


def test_tracker_volume():
    inside = in_tracker(np.array([0, 1200, 1300]), np.array([0, 0, 0]), np.array([0, 2900, 0]), 1290.0, 3000.0)
    assert inside.tolist() == [True, True, False]
