import pytest

from lepreint.units import UnitError, to_internal


@pytest.mark.parametrize(
    "text,dim,expected",
    [
        ("1 cm", "length", 10.0),
        ("10mm", "length", 10.0),
        ("0.1 m", "length", 100.0),
        ("200 um", "length", 0.2),
        ("20 GeV", "energy", 20.0),
        ("13 TeV", "energy", 13000.0),
        ("500 MeV", "energy", 0.5),
        ("140 /fb", "lumi", 140.0),
        ("140 fb^-1", "lumi", 140.0),
        ("140 fb-1", "lumi", 140.0),
        ("1 /pb", "lumi", 0.001),
        ("1.2 pb", "xsec", 1200.0),
        ("903 fb", "xsec", 903.0),
        ("0.25 ns", "time", 0.25),
    ],
)
def test_conversions(text, dim, expected):
    assert to_internal(text, dim) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("text,dim", [("5 GeV", "length"), ("1 cm", "energy"), ("140 fb", "lumi"), ("abc", "length")])
def test_wrong_dimension_or_garbage(text, dim):
    with pytest.raises(UnitError):
        to_internal(text, dim)


def test_bare_numbers_need_permission():
    with pytest.raises(UnitError, match="no unit"):
        to_internal(3.0, "length")
    with pytest.raises(UnitError, match="no unit"):
        to_internal("3", "length")
    assert to_internal("3", "length", bare_numbers=True) == 3.0


@pytest.mark.parametrize("value", ["nan cm", "inf mm", "-inf GeV", float("nan"), "nan"])
def test_no_quantity_is_nan_or_infinite(value):
    dim = "energy" if "GeV" in str(value) else "length"
    with pytest.raises(UnitError, match="is not finite"):
        to_internal(value, dim, bare_numbers=True)
