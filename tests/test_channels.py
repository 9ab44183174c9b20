"""The pair-channel device (ubhop.channels): the unit's barrier against its
closed form, Neel-Brown switching, eq. (1) as the mean law, the design's
symmetries, and the eq. (1) verdict on one film."""

import math

import numpy as np
import pytest

from ubhop.channels import (
    B_C,
    ChannelDevice,
    field_for_probability,
    mean_fraction,
    reduced_barrier,
    switch_probability,
)
from ubhop.verdict import segment_verdict


def test_barrier_limits_and_the_three_halves_law_near_threshold():
    # zero field: the saddle at 45 degrees is K1 V / 4 above the easy axis
    assert reduced_barrier(0.0)[0] == pytest.approx(0.25, abs=1e-6)
    assert np.all(reduced_barrier([1.0, 1.2]) == 0)
    # E(s) = s^2 - s^4 - b s with s = sin(theta): a cubic near the inflection
    # s* = 1/sqrt(6) gives dE = (4/3) db^(3/2) / sqrt(12 s*), db = b_c (1 - h)
    s_star = 1 / math.sqrt(6)
    coef = 4 / 3 * B_C**1.5 / math.sqrt(12 * s_star)
    for eps in (1e-2, 1e-3):
        assert reduced_barrier(1 - eps)[0] == pytest.approx(coef * eps**1.5, rel=0.02)
    # b_c: where the minimum and the saddle merge, max of dE/ds + b = 2s - 4s^3
    s = np.linspace(0, 1, 100001)
    assert np.max(2 * s - 4 * s**3) == pytest.approx(B_C, rel=1e-8)
    b = reduced_barrier(np.linspace(0, 0.999, 50))
    assert np.all(np.diff(b) < 0)


@pytest.mark.parametrize("h", [0.0, 0.3, 0.62, 0.9, 0.99])
def test_barrier_closed_form_against_the_energy_on_a_grid(h):
    theta = np.linspace(-0.3, math.pi / 2, 400001)
    e = np.sin(2 * theta) ** 2 / 4 - B_C * h * np.sin(theta)
    de = np.diff(e)
    i_min = int(np.argmax((de[:-1] < 0) & (de[1:] >= 0))) + 1
    i_max = i_min + int(np.argmax(de[i_min:] < 0))
    assert reduced_barrier(h)[0] == pytest.approx(e[i_max] - e[i_min], rel=1e-6,
                                                  abs=1e-12)


def test_switch_probability_is_neel_brown_and_inverts():
    h = 0.6
    rate = 1e3 * np.exp(-146 * reduced_barrier(h)[0])
    assert switch_probability(h, 146, 1e3)[0] == pytest.approx(1 - np.exp(-rate))
    assert switch_probability(1.0, 146, 1e3)[0] == 1.0
    for q in (0.05, 0.2, 0.5):
        h_q = field_for_probability(q, 146, 1e3)
        assert switch_probability(h_q, 146, 1e3)[0] == pytest.approx(q, rel=1e-6)
    # longer pulses (more attempts) switch at a lower field
    assert field_for_probability(0.2, 146, 1e6) < field_for_probability(0.2, 146, 1e3)


def test_many_units_follow_eq1_in_the_mean():
    q = 0.2
    h = field_for_probability(q, 146, 1e3)
    dev = ChannelDevice(units=20000, seed=3)
    f0 = dev.across.mean(axis=1)
    fr = [f0]
    for _ in range(8):
        dev.pulse("++--", h)
        fr.append(dev.across.mean(axis=1))
    fr = np.array(fr)
    v = np.array([1, 1, -1, -1])
    for k, (i, j) in enumerate(dev.pairs):
        expect = mean_fraction(f0[k], [v[i] * v[j]] * 8, q)
        np.testing.assert_allclose(fr[:, k], expect, atol=0.012)


def test_conductance_limits_and_symmetry():
    dev = ChannelDevice(units=16, seed=1, start=0.0)
    g = dev.conductance()
    g_min, g_max = dev.limits()
    np.testing.assert_allclose(g, g.T)
    assert np.all(np.diag(g) == 0)
    np.testing.assert_allclose(g[~np.eye(4, dtype=bool)], g_min)
    dev.across[:] = True
    np.testing.assert_allclose(dev.conductance()[0, 1], g_max)
    assert g_max / g_min == pytest.approx(1 + dev.amr)


def test_the_drive_is_even_in_the_voltages_and_undone_by_the_uniform_pattern():
    h = field_for_probability(0.3, 146, 1e3)
    a, b = ChannelDevice(units=64, seed=5), ChannelDevice(units=64, seed=5)
    for _ in range(5):
        ga, gb = a.pulse("++--", h), b.pulse("--++", h)
    np.testing.assert_array_equal(ga, gb)
    # the uniform pattern drives every B line: every unit goes back along
    for _ in range(60):
        a.pulse("++++", h)
    assert not a.across.any()


def test_every_pair_moves_against_its_product_and_one_film_passes_the_verdict():
    h = field_for_probability(0.2, 146, 1e3)
    dev = ChannelDevice(units=256, seed=0, spread=0.02)
    g = [dev.conductance()] + [dev.pulse("++--", h) for _ in range(16)]
    v = np.array([1, 1, -1, -1])
    s = segment_verdict(np.array(g), np.outer(v, v), "++--", 0)
    assert s.passed, s.checks
    assert s.corr < -0.95
    # one unit per channel jumps: the same checks fail
    dev1 = ChannelDevice(units=1, seed=0)
    g1 = [dev1.conductance()] + [dev1.pulse("++--", h) for _ in range(16)]
    assert not segment_verdict(np.array(g1), np.outer(v, v), "++--", 0).passed


@pytest.mark.parametrize("kwargs, words", [
    ({"units": 0}, "units"), ({"n_nodes": 1}, "n_nodes"), ({"spread": -0.1}, "spread"),
    ({"spread": 0.3}, "spread"),
    ({"amr": 0.0}, "amr"), ({"barrier_kT": float("nan")}, "barrier_kT"),
    ({"start": 1.5}, "start"),
])
def test_bad_device_parameters_are_refused(kwargs, words):
    with pytest.raises(ValueError, match=words):
        ChannelDevice(**kwargs)


def test_bad_pulses_are_refused():
    dev = ChannelDevice(units=4)
    with pytest.raises(ValueError, match="h must"):
        dev.pulse("++--", -0.1)
    with pytest.raises(ValueError):
        dev.pulse("++0-", 0.5)
    with pytest.raises(ValueError, match="q must"):
        field_for_probability(1.5, 146, 1e3)
    with pytest.raises(ValueError, match="without a field"):
        field_for_probability(0.2, 1.0, 1e3)
