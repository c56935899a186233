import pytest

from lepreint.models.xsec import XsecError, table_range, xsec


def test_table_node_exact():
    r = xsec("wino-c1c1", 200)
    assert r.xsec_fb == pytest.approx(902.569, rel=1e-9)
    assert r.unc_fb == pytest.approx(53.7411, rel=1e-9)
    assert r.source == "table"


def test_loglinear_interpolation_between_nodes():
    a, b = xsec("wino-c1c1", 200).xsec_fb, xsec("wino-c1c1", 225).xsec_fb
    mid = xsec("wino-c1c1", 212.5).xsec_fb
    assert mid == pytest.approx((a * b) ** 0.5, rel=1e-9)
    assert 620 < xsec("wino-c1c1", 220).xsec_fb < 650  # the reference README: 635-645 fb


def test_paper_override():
    assert xsec("wino-c1c1", 220, source="paper").xsec_fb == 903.0
    assert xsec("wino-c1c1", 324, source="paper").unc_fb == 9.5
    with pytest.raises(XsecError, match="only for masses"):
        xsec("wino-c1c1", 300, source="paper")


def test_out_of_range_and_unknown():
    with pytest.raises(XsecError, match="outside"):
        xsec("wino-c1c1", 5000)
    with pytest.raises(XsecError, match="no cross-section table"):
        xsec("gluino", 1000)


def test_all_tables_load_and_13p6_exceeds_13():
    for proc in ("wino-c1c1", "higgsino-c1c1", "higgsino-n1n2", "higgsino-nc1"):
        lo, hi = table_range(proc, 13.6)
        m = max(lo, 300.0)
        assert xsec(proc, m, 13.6).xsec_fb > xsec(proc, m, 13.0).xsec_fb
    assert xsec("wino-n2c1", 300).xsec_fb > xsec("wino-c1c1", 300).xsec_fb
