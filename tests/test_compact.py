"""The compact model: eq. (1) per pair, its fixed points, its cycled steady state."""

import numpy as np
import pytest

import ubhop
from ubhop.compact import CompactModel, node_positions, products
from ubhop.learning import oja_trajectory
from ubhop.letters import letters


def random_model(n, rng, g_avg=1e-2):
    def sym(lo, hi):
        a = rng.uniform(lo, hi, (n, n))
        return 0.5 * (a + a.T)
    alpha = sym(0.5, 2.0)
    rate = sym(0.02, 0.6)
    return CompactModel(rate / (2 * alpha), alpha, g_avg + sym(-1e-3, 1e-3))


def test_reproduces_eq1_exactly():
    rng = np.random.default_rng(0)
    m = random_model(6, rng)
    x = rng.choice([-1, 1], size=(3, 6))
    g0 = m.g_avg + 1e-3 * np.eye(6)
    g = m.train(x, pulses=5, cycles=4, v0=0.7, g0=g0)
    ref = oja_trajectory(g0, m.schedule(x, 5, 4, 0.7), m.eta, m.alpha, m.g_avg)
    assert g.shape == (61, 6, 6)
    np.testing.assert_array_equal(g, ref)                 # bit for bit
    np.testing.assert_array_equal(g[:, np.arange(6), np.arange(6)],
                                  np.broadcast_to(np.diag(g0), (61, 6)))
    # the closed-form blocks agree to rounding, recorded per pattern and cycle
    gb = m.train(x, pulses=5, cycles=4, v0=0.7, g0=g0, record="pattern",
                 method="block")
    np.testing.assert_allclose(gb, g[::5], rtol=1e-13, atol=1e-16)
    gc = m.train(x, pulses=5, cycles=4, v0=0.7, g0=g0, record="cycle")
    np.testing.assert_array_equal(gc, g[::15])
    np.testing.assert_array_equal(
        m.train(x, pulses=5, cycles=4, v0=0.7, g0=g0, record="final"), g[[0, -1]])


def test_calibrated_from_a_fit_reproduces_the_history():
    # a 4-node history of eq. (1) with known parameters, two patterns so that
    # eta, alpha and G_avg are identifiable on every pair whose V_i V_j flips
    rng = np.random.default_rng(1)
    true = random_model(4, rng)
    pats = np.array([[1, 1, -1, -1], [1, -1, -1, 1], [1, -1, 1, -1]])
    prods = true.schedule(pats, pulses=6, v0=0.5)
    hist = oja_trajectory(true.g_avg, prods, true.eta, true.alpha, true.g_avg)
    fit = ubhop.fit_learning_law(hist, prods)
    m = CompactModel.from_fit(fit)
    iu = np.triu_indices(4, 1)
    for name in ("eta", "alpha", "g_avg"):
        np.testing.assert_allclose(getattr(m, name)[iu], getattr(true, name)[iu],
                                   rtol=1e-6)
    g = m.train(pats, pulses=6, v0=0.5)
    np.testing.assert_allclose(g[:, iu[0], iu[1]], hist[:, iu[0], iu[1]],
                               rtol=1e-8)


def test_single_pattern_fixed_point_and_minima():
    rng = np.random.default_rng(2)
    m = random_model(8, rng)
    x = rng.choice([-1, 1], size=8)
    g = m.train([x], pulses=3000, v0=0.3)[-1]
    v = 0.3 * x
    expect = m.g_avg + np.outer(v, v) / (2 * m.alpha)
    np.fill_diagonal(expect, 0.0)
    np.testing.assert_allclose(g, expect, rtol=1e-12)
    np.testing.assert_allclose(m.fixed_point(x, 0.3), expect, rtol=1e-15)
    # approach: geometric at rate 2 eta alpha per pulse
    d = m.train([x], pulses=3, v0=0.3)[:, 0, 1] - expect[0, 1]
    np.testing.assert_allclose(d[1:] / d[:-1], 1 - m.rate[0, 1], rtol=1e-9)
    # its Hopfield minima are exactly the pattern and its flip
    w = m.weights(g, v0=0.3)
    minima = ubhop.HopfieldNetwork(w).minima()
    assert {tuple(s) for s in minima} == {tuple(x), tuple(-x)}
    # with alpha < 0 (anti-Hebbian in G) the weight map's sign makes it so too
    anti = CompactModel(-m.eta, -m.alpha, m.g_avg)
    assert anti.sign == -1
    wa = anti.weights(anti.train([x], pulses=3000, v0=0.3)[-1], v0=0.3)
    np.testing.assert_allclose(wa, w, rtol=1e-9, atol=1e-12)


def test_cycled_patterns_average_to_the_outer_product():
    # steady cycle: mean of D over the cycle = <V_i V_j> / (2 alpha), any eta
    rng = np.random.default_rng(3)
    m = random_model(7, rng)
    x = rng.choice([-1, 1], size=(3, 7))
    cyc = m.steady_cycle(x, pulses=4, v0=0.8)
    np.testing.assert_allclose(cyc[-1], cyc[0], rtol=1e-12)     # periodic
    np.testing.assert_allclose(cyc[:-1].mean(axis=0), m.cycle_mean(x, 0.8),
                               rtol=1e-12)
    # long training from G_avg reaches that cycle
    g = m.train(x, pulses=4, cycles=300, v0=0.8, record="cycle")
    np.testing.assert_allclose(g[-1], cyc[0], rtol=1e-12)

    # uniform alpha: the cycle-mean weights are (N / P) times the outer product
    pats = letters("HOTEL")
    p, n = pats.shape
    u = CompactModel.uniform(n, rate=0.3, alpha=2.0, g_avg=5e-3)
    w_mean = u.weights(u.cycle_mean(pats, v0=0.2), v0=0.2)
    np.testing.assert_allclose(w_mean, n / p * ubhop.outer_product(pats), atol=1e-9)
    # ... so the cycle average of the instantaneous weights is too
    cyc = u.steady_cycle(pats, pulses=2, v0=0.2)
    w_cyc = np.mean([u.weights(gt, v0=0.2) for gt in cyc[:-1]], axis=0)
    np.testing.assert_allclose(w_cyc, n / p * ubhop.outer_product(pats), atol=1e-9)
    # non-uniform alpha weighs pairs by 1 / alpha: no longer the outer product
    a = np.full((n, n), 2.0)
    a[0, 1] = a[1, 0] = 4.0
    nu = CompactModel(0.3 / (2 * a), a, 5e-3)
    w_nu = nu.weights(nu.cycle_mean(pats, v0=0.2), v0=0.2)
    assert w_nu[0, 1] == pytest.approx(0.5 * w_mean[0, 1])


def test_learning_speed_sets_what_the_weights_keep():
    pats = letters("BCGO")
    n = pats.shape[1]
    iu = np.triu_indices(n, 1)
    outer = ubhop.outer_product(pats)[iu]
    # slow learning: the final weights are the outer product (up to scale)
    slow = CompactModel.uniform(n, rate=1e-3).learn(pats, pulses=1, cycles=5000)
    assert np.corrcoef(slow[iu], outer)[0, 1] > 0.9999
    # one-jump learning (rate 1): only the last pattern is kept
    jump = CompactModel.uniform(n, rate=1.0).learn(pats, pulses=1, cycles=3)
    last = np.outer(pats[-1], pats[-1]).astype(float)
    np.fill_diagonal(last, 0.0)
    np.testing.assert_allclose(jump, last, atol=1e-12)


def test_extend_by_median_and_by_distance():
    # a 4-node square: adjacent pairs learn at rate 0.2, the diagonals at 0.6
    src = node_positions(ubhop.Device.square4())
    d = np.linalg.norm(src[:, None] - src[None], axis=-1)
    diag = np.isclose(d, d.max())
    rate = np.where(diag, 0.6, 0.2)
    m4 = CompactModel(rate / 2.0, 1.0, 1e-2, n=4)
    med = m4.extend(35)
    assert med.n == 35
    np.testing.assert_allclose(med.rate[np.triu_indices(35, 1)], 0.2)  # 4 of 6 pairs
    np.testing.assert_allclose(m4.extend(9, mode="mean").rate[0, 1],
                               (4 * 0.2 + 2 * 0.6) / 6)
    # 8 points on a circle: opposite pairs are the widest (rate 0.6), pairs two
    # apart are at the square's adjacent distance (rate 0.2), nearer ones clamp
    ang = 2 * np.pi * np.arange(8) / 8
    ring = np.stack([np.cos(ang), np.sin(ang)], axis=1)
    m8 = m4.extend(8, mode="distance", positions=ring, source_positions=src)
    assert m8.rate[0, 4] == pytest.approx(0.6)
    assert m8.rate[0, 2] == pytest.approx(0.2)
    assert m8.rate[0, 1] == pytest.approx(0.2)
    assert 0.2 < m8.rate[0, 3] < 0.6
    np.testing.assert_allclose(m8.rate, m8.rate.T)


def test_bad_input_gives_clear_errors():
    with pytest.raises(ValueError, match=r"\(0, 2\)"):
        CompactModel.uniform(4, rate=2.5)
    with pytest.raises(ValueError, match="non-zero"):
        CompactModel(0.1, 0.0, 0.0, n=3)
    with pytest.raises(ValueError, match="Give n"):
        CompactModel(0.1, 1.0, 0.0)
    with pytest.raises(ValueError, match="symmetric"):
        CompactModel(np.triu(np.full((3, 3), 0.1)), 1.0, 0.0)
    m = CompactModel.uniform(4, rate=0.5)
    with pytest.raises(ValueError, match="4 values"):
        m.train([[1, -1, 1]])
    with pytest.raises(ValueError, match="record"):
        m.train([[1, -1, 1, -1]], record="step")
    with pytest.raises(ValueError, match="block"):
        m.train([[1, -1, 1, -1]], method="block")
    with pytest.raises(ValueError, match="pulses"):
        m.train([[1, -1, 1, -1]], pulses=0)
    with pytest.raises(ValueError, match="v0"):
        products([1, -1], v0=0.0)
    with pytest.raises(ValueError, match="positions"):
        m.extend(8, mode="distance")
    with pytest.raises(ValueError, match="mode"):
        m.extend(8, mode="nearest")


def test_held_out_prediction_is_exact_for_eq1_and_fails_for_a_one_jump_film():
    from ubhop.compact import held_out

    # eq. (1) itself: calibrated on 10 pulses that include a pattern switch,
    # the model predicts the 8 held-out pulses to rounding
    v0 = 1e-2
    a, b = np.array([1, 1, -1, -1]), np.array([1, -1, -1, 1])
    volts = np.array([np.zeros(4)] + [v0 * a] * 6 + [v0 * b] * 6 + [v0 * a] * 6)
    prods = np.einsum("ti,tj->tij", volts[1:], volts[1:])
    g0 = np.full((4, 4), 1e-2)
    g = oja_trajectory(g0, prods, -2e-1, -1.0, 1e-2)  # rate 0.4 per pulse
    r = held_out(g, volts, 10)
    assert r["rms_change"] > 0
    assert r["rel_model"] < 1e-6
    off = ~np.eye(4, dtype=bool)
    np.testing.assert_allclose(r["predicted"][:, off], g[10:][:, off], rtol=1e-9)

    # a one-jump film (G jumps to the pattern's state on the first pulse) is
    # eq. (1) with rate 1, and is predicted exactly too
    jump = np.array([g0 - 1e-5 * np.outer(volts[t], volts[t]) / v0**2
                     for t in range(1, 19)])
    r = held_out(np.concatenate([g0[None], jump]), volts, 12)  # pulse 13 switches
    assert np.all(np.abs(r["model"].rate[off] - 1) < 1e-6)
    assert r["rel_model"] < 1e-6

    # a film whose changes do not follow V_i V_j (a random walk): the
    # calibrated model predicts no better than assuming nothing changes
    rng = np.random.default_rng(3)
    steps = rng.normal(0, 1e-6, (18, 4, 4))
    walk = g0 + np.cumsum(steps + np.swapaxes(steps, 1, 2), axis=0)
    r = held_out(np.concatenate([g0[None], walk]), volts, 13)
    assert r["rel_model"] > 0.8
    with pytest.raises(ValueError, match="n_train must be an int in"):
        held_out(g, volts, 18)


def test_uniform_pattern_drives_no_current_and_changes_nothing():
    m = CompactModel.uniform(4, rate=0.3, g_avg=2e-3)
    x = np.array([[1, 1, 1, 1], [1, -1, 1, -1], [-1, -1, -1, -1], [1, 1, -1, 1]])
    g0 = m.g_avg + 1e-4 * np.arange(16).reshape(4, 4)
    g0 = 0.5 * (g0 + g0.T)
    for method, record in (("step", "pulse"), ("step", "pattern"),
                           ("block", "pattern")):
        g = m.train(x, pulses=3, cycles=2, g0=g0, record=record, method=method)
        per = 3 if record == "pulse" else 1
        for c in range(2):  # the pulses of the uniform patterns leave G
            for k in (0, 2):
                t = (4 * c + k) * per
                np.testing.assert_array_equal(g[t + per], g[t])
        # and the rest is the training without them
        ref = m.train(x[[1, 3]], pulses=3, cycles=2, g0=g0, record="final",
                      method=method)[-1]
        np.testing.assert_allclose(g[-1], ref, rtol=1e-13)
    # the cycle mean counts only the driving pulses, and the steady cycle's
    # states before those pulses average to it
    cyc = m.steady_cycle(x, pulses=2)
    before = cyc[[2, 3, 6, 7]]  # before each pulse of x[1] and x[3]
    np.testing.assert_allclose(before.mean(axis=0), m.cycle_mean(x), rtol=1e-12)
    np.testing.assert_allclose(m.cycle_mean(x), m.cycle_mean(x[[1, 3]]), rtol=1e-15)
    for call in (lambda: m.fixed_point([1, 1, 1, 1]),
                 lambda: m.cycle_mean([[1, 1, 1, 1], [-1, -1, -1, -1]]),
                 lambda: m.steady_cycle([[1, 1, 1, 1]])):
        with pytest.raises(ValueError, match="drives no current|No pattern drives"):
            call()
    with pytest.raises(ValueError, match="uniform pattern drives no current"):
        m.schedule(x)
