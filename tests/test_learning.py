"""Eq. (1): exact recovery of its own parameters, uncertainties, identifiability."""

import numpy as np
import pytest

import ubhop
from ubhop.learning import fit_pair, oja_trajectory


def _products(*patterns, pulses=8, v0=1e-3):
    out = []
    for p in patterns:
        v = ubhop.training_voltages(p, v0)
        out += [np.outer(v, v) * (1 - np.eye(v.size))] * pulses
    return np.array(out)


def test_fixed_pattern_is_a_geometric_approach():
    prods = _products("++--")
    g = oja_trajectory(np.full((4, 4), 1e-2), prods, -300.0, -5e-4, 1e-2)
    rate = 2 * 300.0 * 5e-4
    gstar = 1e-2 + 1e-6 / (2 * -5e-4)
    expected = gstar + (1e-2 - gstar) * (1 - rate) ** np.arange(9)
    np.testing.assert_allclose(g[:, 0, 1], expected, rtol=1e-12)


def test_fit_recovers_parameters_with_noise():
    rng = np.random.default_rng(1)
    prods = _products("++--", "+-+-")
    g0 = 1e-2 + 1e-3 * rng.random((4, 4))
    g0 = 0.5 * (g0 + g0.T)
    g_avg = g0 + 2e-4
    g = oja_trajectory(g0, prods, -300.0, -5e-4, g_avg)
    noisy = g + 1e-5 * rng.normal(size=g.shape)
    fit = ubhop.fit_learning_law(noisy, prods)
    assert fit.min_r2() > 0.95
    for p in fit.pairs:
        assert p.rate == pytest.approx(0.3, abs=4 * p.rate_err + 1e-3)
        if p.identifiable:  # the sign of V_i V_j changed between patterns
            assert p.eta == pytest.approx(-300.0, abs=4 * p.eta_err)
            assert p.alpha == pytest.approx(-5e-4, abs=4 * p.alpha_err)
            assert p.g_avg == pytest.approx(g_avg[p.pair], abs=4 * p.g_avg_err)
    # (0, 3) and (1, 2) keep the sign of V_i V_j: only rate and fixed point
    ident = {p.pair: p.identifiable for p in fit.pairs}
    assert not ident[(0, 3)] and not ident[(1, 2)] and ident[(0, 1)]
    assert fit.eta == pytest.approx(-300.0, rel=0.02)
    # theory curve from the fit follows the truth within the noise
    th = fit.theory(g0, prods)
    off = ~np.eye(4, dtype=bool)
    assert np.abs(th - g)[:, off].max() < 5e-5


def test_fit_is_exact_on_its_own_model():
    prods = _products("+--+", "++--", pulses=6)
    g0 = np.full((4, 4), 2e-2)
    g = oja_trajectory(g0, prods, 150.0, 1e-3, 2.1e-2)
    fit = ubhop.fit_learning_law(g, prods)
    off = ~np.eye(4, dtype=bool)
    np.testing.assert_allclose(fit.theory(g0, prods)[:, off], g[:, off], rtol=1e-9)
    assert fit.eta == pytest.approx(150.0, rel=1e-8)


def test_fit_pair_rejects_bad_shapes():
    with pytest.raises(ValueError, match="T\\+1"):
        fit_pair(np.zeros(5), np.ones(5))
    with pytest.raises(ValueError, match="nothing to fit"):
        fit_pair(np.zeros(5), np.zeros(4))


@pytest.mark.parametrize("bad, match", [
    ("++-0", "only '\\+' and '-'"),
    ([1, 0, -1, 1], "values \\+1 or -1"),
    ([1, 2, -1, 1], "values \\+1 or -1"),
    ("++-", "3 values; expected 4"),
    ("++++", "all values equal"),
    ("----", "no current flows"),
])
def test_bad_patterns(bad, match):
    with pytest.raises(ValueError, match=match):
        ubhop.training_voltages(bad, 1e-3, n_nodes=4)


def test_bad_voltage():
    with pytest.raises(ValueError, match="V0 must be > 0"):
        ubhop.training_voltages("++--", 0.0)
    with pytest.raises(ValueError, match="V0 must be > 0"):
        ubhop.training_voltages("++--", -1e-3)
