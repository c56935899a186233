"""Track geometry in the solenoid: transverse impact parameter d0 (helix or straight line) and the
tracker-volume acceptance of a lepton's production vertex.

A charged particle produced at (x0, y0) with transverse momentum (px, py) and charge q in a uniform
field B along +z moves on a circle of radius R = pT / (0.299792458 B) (R in m, pT in GeV, B in T),
clockwise seen from +z for q > 0 (the force q v x B points to the right of the motion).  Its
centre is c = (x0, y0) + R (py, -px) / pT for q > 0 (the opposite side for q < 0), and the
unsigned transverse impact parameter, the distance of closest approach of that circle to the beam
line, is d0 = | |c| - R |.  The straight-line approximation (a track that does not bend) gives
d0 = |x0 py - y0 px| / pT.  Both are exact for their track model; the helix is the physics, the
straight line what a quick estimate uses (``lepreint.detector.geometry.d0_straight``).
Units: mm, GeV, T.
"""

from __future__ import annotations

import numpy as np

__all__ = ["C_GEV_PER_T_M", "curvature_radius_mm", "d0_helix", "d0_straight", "in_tracker"]

#: pT [GeV] = 0.299792458 B [T] R [m]
C_GEV_PER_T_M = 0.299792458


def curvature_radius_mm(pt, bfield_t: float):
    """Radius of the helix in the transverse plane (mm) for pT in GeV and B in T."""
    return np.asarray(pt, dtype=float) / (C_GEV_PER_T_M * bfield_t) * 1000.0


def d0_straight(x0, y0, px, py):
    """Unsigned transverse impact parameter (mm) of a straight track from (x0, y0) along (px, py)."""
    pt = np.hypot(px, py)
    return np.abs(x0 * py - y0 * px) / pt


def d0_helix(x0, y0, px, py, charge, bfield_t: float):
    """Unsigned transverse impact parameter (mm) of the helix through (x0, y0) with momentum (px, py).

    Computed as |c| - R in a form that stays accurate when d0 << R (R is metres for a 20 GeV track):
    |c|^2 - R^2 = x0^2 + y0^2 + 2 s R (x0 py - y0 px) / pT, with s = sign(q), so
    |c| - R = (|c|^2 - R^2) / (|c| + R).
    """
    x0, y0, px, py, charge = (np.asarray(a, dtype=float) for a in (x0, y0, px, py, charge))
    pt = np.hypot(px, py)
    r = curvature_radius_mm(pt, bfield_t)
    s = np.sign(charge)
    cx = x0 + s * r * py / pt
    cy = y0 - s * r * px / pt
    c = np.hypot(cx, cy)
    num = x0**2 + y0**2 + 2 * s * r * (x0 * py - y0 * px) / pt
    return np.abs(num / (c + r))


def in_tracker(x, y, z, radius_mm: float, half_length_mm: float):
    """Production vertex inside the tracker volume (a cylinder around the beam line)."""
    return (np.hypot(x, y) < radius_mm) & (np.abs(z) < half_length_mm)
