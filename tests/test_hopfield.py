"""The Hopfield layer: energy descent, determinism, storage rules."""

import numpy as np
import pytest

import ubhop


def random_symmetric(n, rng):
    a = rng.normal(size=(n, n))
    return a + a.T


def test_energy_never_rises_in_async_recall():
    rng = np.random.default_rng(0)
    for _ in range(20):
        net = ubhop.HopfieldNetwork(random_symmetric(16, rng))
        s = rng.choice([-1, 1], size=(50, 16))
        fixed, path = net.recall(s, seed=3, return_path=True)
        assert np.all(np.diff(path, axis=0) <= 1e-12)
        # ends on fixed points: one more sweep changes nothing
        np.testing.assert_array_equal(net.recall(fixed, seed=9), fixed)
        np.testing.assert_allclose(path[-1], net.energy(fixed))


def test_recall_is_deterministic_given_seed():
    rng = np.random.default_rng(1)
    net = ubhop.HopfieldNetwork(random_symmetric(20, rng))
    s = rng.choice([-1, 1], size=(200, 20))
    a = net.recall(s, seed=5)
    np.testing.assert_array_equal(a, net.recall(s, seed=5))
    # batch equals one by one
    for k in range(0, 200, 37):
        np.testing.assert_array_equal(net.recall(s[k], seed=5), a[k])
    # another seed gives another order, and on a frustrated W some other ends
    assert not np.array_equal(a, net.recall(s, seed=6))


def test_single_pattern_minima_are_pattern_and_flip():
    for p in ([1, 1, -1, -1], [1, -1, 1, -1], [1, -1, -1, -1]):
        net = ubhop.HopfieldNetwork(ubhop.outer_product([p]))
        minima = {tuple(m) for m in net.minima()}
        assert minima == {tuple(p), tuple(-np.array(p))}


def test_projection_stores_independent_patterns_exactly():
    rng = np.random.default_rng(2)
    n, count = 35, 12
    pats = rng.choice([-1, 1], size=(count, n))
    assert np.linalg.matrix_rank(pats) == count
    net = ubhop.HopfieldNetwork(ubhop.projection(pats))
    np.testing.assert_array_equal(net.recall(pats, seed=0), pats)
    # the outer-product rule at 12/35 = 0.34 N loses some of them
    hebb = ubhop.HopfieldNetwork(ubhop.outer_product(pats))
    assert not np.array_equal(hebb.recall(pats, seed=0), pats)


def test_outer_product_capacity_collapse():
    """Fraction of random patterns that are exact fixed points: high below
    0.1 N, collapsed above 0.2 N (Amit-Gutfreund-Sompolinsky ~0.14 N)."""
    rng = np.random.default_rng(3)
    n = 100

    def stable_fraction(p, trials=20):
        ok = 0
        for _ in range(trials):
            pats = rng.choice([-1, 1], size=(p, n))
            net = ubhop.HopfieldNetwork(ubhop.outer_product(pats))
            ok += np.sum(np.all(net.recall(pats, seed=0) == pats, axis=1))
        return ok / (p * trials)

    assert stable_fraction(5) > 0.9
    assert stable_fraction(30) < 0.1


def test_sync_mode_and_landscape():
    net = ubhop.HopfieldNetwork(ubhop.outer_product([[1, 1, -1, -1]]))
    states, e = net.landscape()
    assert states.shape == (16, 4) and e.shape == (16,)
    fixed = net.recall([1, 1, 1, -1], mode="sync")
    np.testing.assert_array_equal(fixed, [1, 1, -1, -1])


@pytest.mark.parametrize("bad, match", [
    ([1, 1, -1], "expected 4"),
    ([1, 0, -1, 1], "values \\+1 or -1 only"),
    ([[[1, 1, 1, 1]]], "1-d"),
])
def test_bad_states(bad, match):
    net = ubhop.HopfieldNetwork(ubhop.outer_product([[1, 1, -1, -1]]))
    with pytest.raises(ValueError, match=match):
        net.recall(bad)
    with pytest.raises(ValueError, match=match):
        net.energy(bad)


def test_bad_weights():
    with pytest.raises(ValueError, match="symmetric"):
        ubhop.HopfieldNetwork([[0, 1], [2, 0]])
    with pytest.raises(ValueError, match="square"):
        ubhop.HopfieldNetwork(np.zeros((2, 3)))


@pytest.mark.parametrize("mode", ["async", "sync"])
def test_an_exact_tie_keeps_the_state_whatever_the_rounding(mode):
    # h_0 = 0.1 + 0.2 - 0.3, zero in exact arithmetic, 5.6e-17 in floating point
    w = np.array([[0.0, 0.1, 0.2, -0.3],
                  [0.1, 0.0, 1.0, 1.0],
                  [0.2, 1.0, 0.0, 1.0],
                  [-0.3, 1.0, 1.0, 0.0]])
    s = np.array([-1, 1, 1, 1])
    assert s[1:] @ w[0, 1:] != 0.0
    net = ubhop.HopfieldNetwork(w)
    # both states have the same energy: recall must not move on a rounding error
    up = np.array([1, 1, 1, 1])
    assert net.energy(s) == pytest.approx(net.energy(up))
    assert net.recall(s, mode=mode).tolist() == [-1, 1, 1, 1]
    assert net.recall(up, mode=mode).tolist() == [1, 1, 1, 1]
