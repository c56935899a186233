"""The displaced-lepton efficiency versus d0 and its extrapolations beyond 2 cm."""

import numpy as np
import pytest

from lepreint.detector.efficiency import D0Efficiency
from lepreint.errors import LepreintError


def test_table_values_inside_2cm():
    e = D0Efficiency.cms_8tev("e")
    m = D0Efficiency.cms_8tev("mu")
    assert e(0.5) == pytest.approx(0.8926) and e(-0.5) == pytest.approx(0.8926)  # |d0|
    assert e(19.9) == pytest.approx(0.1754) and m(15.0) == pytest.approx(0.8378)


@pytest.mark.parametrize("mode", ["linear_trend", "linear_to_zero", "flat", "zero", "polynomial"])
def test_extrapolations_beyond_2cm_are_bounded_and_vanish_above_10cm(mode):
    for fl in ("e", "mu"):
        f = D0Efficiency.cms_8tev(fl, mode)
        d0 = np.linspace(20.0, 100.0, 81)
        eff = f(d0)
        assert np.all((eff >= 0) & (eff <= 1))
        assert np.all(np.diff(eff) <= 1e-12) or mode == "flat"
        assert f(100.5) == 0.0


def test_named_extrapolations():
    m = D0Efficiency.cms_8tev("mu", "linear_to_zero")
    assert m(20.0) == pytest.approx(0.8090) and m(60.0) == pytest.approx(0.8090 / 2) and m(100.0) == 0.0
    assert D0Efficiency.cms_8tev("mu", "flat")(80.0) == pytest.approx(0.8090)
    assert D0Efficiency.cms_8tev("e", "zero")(25.0) == 0.0
    # the electron trend of the 1-2 cm bins reaches zero well before 10 cm, the muon one does not
    assert D0Efficiency.cms_8tev("e", "linear_trend")(40.0) == 0.0
    assert 0.3 < D0Efficiency.cms_8tev("mu", "linear_trend")(100.0) < 0.8
    # the published electron polynomial is close to the table
    p = D0Efficiency.cms_8tev("e", "polynomial")
    centres = np.arange(0.5, 20, 1.0)
    assert np.max(np.abs(p(centres) - D0Efficiency.cms_8tev("e")(centres))) < 0.08
    with pytest.raises(LepreintError):
        D0Efficiency.cms_8tev("e", "quadratic")


def test_beyond_10cm_is_a_named_option():
    zero = D0Efficiency.cms_8tev("mu", "flat")
    hold = D0Efficiency.cms_8tev("mu", "flat", beyond="hold")
    unity = D0Efficiency.cms_8tev("mu", "linear_to_zero", beyond="unity")
    assert zero(150.0) == 0.0
    assert hold(150.0) == pytest.approx(0.8090) and hold(50.0) == pytest.approx(0.8090)
    assert unity(150.0) == 1.0 and unity(60.0) == pytest.approx(0.8090 / 2)
    with pytest.raises(LepreintError, match="beyond"):
        D0Efficiency.cms_8tev("mu", beyond="sometimes")
