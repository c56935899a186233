"""Heavy-flavour background: Eqs. (3.7)-(3.9) and Tables 2-4 of the paper."""

import numpy as np
import pytest

from lepreint.stats.heavy_flavour import (
    EQ34_COUNTS,
    EQ37_ELECTRON,
    TABLE2,
    TABLE3,
    BackgroundError,
    DoubleExponential,
    background,
    fit_double_exponential,
    kappa_formula,
    kappa_published,
)


def test_formula_kappa_matches_reference_readme():
    # shared/reference/README.md: 43.8 and 31.1 with U = 70 GeV; 41.8 and 30.1 with no upper limit
    assert kappa_formula(20, "e", 70.0) == pytest.approx(43.8, abs=0.05)
    assert kappa_formula(20, "mu", 70.0) == pytest.approx(31.1, abs=0.05)
    assert kappa_formula(20, "e", None) == pytest.approx(41.8, abs=0.05)
    assert kappa_formula(20, "mu", None) == pytest.approx(30.1, abs=0.05)


def test_kappa_is_one_at_reference_thresholds():
    assert kappa_formula(42, "e") == pytest.approx(1.0)
    assert kappa_formula(40, "mu") == pytest.approx(1.0)
    assert kappa_published(42, "e")[0] == pytest.approx(1.0)
    assert kappa_published(40, "mu")[0] == pytest.approx(1.0)


def test_published_mode_reproduces_tables_2_and_3():
    for pt, row in TABLE2.items():
        r = background(pt, pt, 2.6, "published")
        assert r.kappa_e == pytest.approx(row[0], rel=1e-9)
        assert r.kappa_mu == pytest.approx(row[2], rel=1e-9)
        assert r.kappa_emu == pytest.approx(row[4], rel=1e-9)
        assert r.B == pytest.approx(TABLE3[(pt, pt)], rel=1e-9)


def test_published_interpolation_is_monotonic_and_between_nodes():
    ks = [kappa_published(pt, "e")[0] for pt in np.linspace(20, 42, 45)]
    assert np.all(np.diff(ks) < 0)
    k22 = kappa_published(22.5, "e")[0]
    assert TABLE2[25][0] < k22 < TABLE2[20][0]


def test_acceptance_background_at_2p6_and_140():
    table3 = (4123, 644, 25)
    form = background(20, 20, 2.6, "formula").B
    pub = background(20, 20, 2.6, "published").B
    for ours_f, ours_p, paper in zip(form, pub, table3):
        assert abs(ours_f / paper - 1) < 0.07
        assert abs(ours_p / paper - 1) < 0.01
    table4 = (221997, 34688, 1318)
    for mode in ("formula", "published"):
        for ours, paper in zip(background(20, 20, 140, mode).B, table4):
            assert abs(ours / paper - 1) < 0.07


def test_luminosity_scaling_is_linear():
    a = background(25, 25, 10, "formula").B
    b = background(25, 25, 30, "formula").B
    assert np.allclose(np.array(b) / np.array(a), 3.0)


def test_formula_counts_option():
    b30 = background(20, 20, 2.6, "formula", counts=EQ34_COUNTS).B[0]
    b32 = background(20, 20, 2.6, "formula").B[0]
    assert b30 / b32 == pytest.approx(3.0 / 3.2)


def test_published_mode_refuses_thresholds_it_has_no_table_for():
    with pytest.raises(BackgroundError, match="formula"):
        background(15, 15, 140, "published")
    with pytest.raises(BackgroundError, match="formula"):
        background(20, 30, 140, "published")
    with pytest.raises(BackgroundError):
        background(20, 20, 140, "nonsense")


def test_fit_recovers_a_known_double_exponential():
    rng = np.random.default_rng(7)
    true = DoubleExponential(10.0, 0.25, 6.0, 0.08)
    edges = np.arange(15.0, 71.0, 2.5)
    expected = true.integral(edges[:-1], edges[1:])
    counts = rng.poisson(expected)
    fit = fit_double_exponential(edges, counts)
    p, err = np.array(fit.spectrum.params()), np.sqrt(np.diag(fit.cov))
    assert np.all(np.abs(p - np.array(true.params())) < 4 * err)
    assert fit.chi2 / fit.ndf < 2.0
    k, dk = fit.kappa(20, 42)
    k_true = true.integral(20, 70) / true.integral(42, 70)
    assert abs(k - k_true) < 4 * dk
    assert dk > 0


def test_fit_to_eq37_shape_reproduces_its_kappa():
    edges = np.arange(15.0, 71.0, 1.0)
    f = EQ37_ELECTRON
    fit = fit_double_exponential(edges, f.integral(edges[:-1], edges[1:]))
    assert fit.kappa(20, 42)[0] == pytest.approx(kappa_formula(20, "e"), rel=1e-4)
