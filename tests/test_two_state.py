"""Eq. (1) in the mean of two-state units that switch at random.

A unit with a start state and an absorbing switched state, switched by each
pulse with probability q, is switched after n pulses with probability
1 - (1 - q)^n. The mean conductance of many such units therefore follows
eq. (1) with the approach rate 2 eta alpha_ij = q, on every pair. The tests
check that the analysis (``ubhop.experiments.ensemble.ensemble_summary``,
``first_switch_rate``) finds this law and this rate in synthetic ensembles,
and fails to find it where it does not hold.
"""

import numpy as np
import pytest
import xarray as xr

from ubhop.experiments.ensemble import ensemble_summary, first_switch_rate
from ubhop.report import format_ensemble_summary

PATTERN = np.array([1.0, 1.0, -1.0, -1.0])  # "++--"
G0 = np.full((4, 4), 0.03) + np.eye(4) * 0.09
# the switched state: anti-Hebbian, G falls by 1 % where V_i V_j = +1
G1 = G0 * (1 - 0.01 * np.outer(PATTERN, PATTERN))
np.fill_diagonal(G1, np.diag(G0))


def _ensemble(states):
    """An ensemble dataset from (R, T + 1) state indices (0 start, 1 switched)."""
    g = np.where(states[..., None, None] == 1, G1, G0)
    r, t1 = states.shape
    return xr.Dataset(
        {"G": (("realisation", "step", "i", "j"), g),
         "G_mean": (("step", "i", "j"), g.mean(axis=0)),
         "G_sem": (("step", "i", "j"), g.std(axis=0, ddof=1) / np.sqrt(r)),
         "voltage": (("step", "node"), np.tile(PATTERN, (t1, 1)))})


def _two_state(q, realisations, pulses, seed=0, back=0.0):
    """Realisations of a unit switched with probability q, returned with ``back``."""
    rng = np.random.default_rng(seed)
    s = np.zeros((realisations, pulses + 1), dtype=int)
    for t in range(1, pulses + 1):
        u = rng.random(realisations)
        s[:, t] = np.where(s[:, t - 1] == 0, u < q, u >= back)
    return s


@pytest.mark.parametrize("q", [0.15, 0.45])
def test_mean_of_two_state_units_follows_eq1_at_rate_q(q):
    ens = _ensemble(_two_state(q, realisations=4000, pulses=8))
    summ = ensemble_summary(ens)
    fs = summ["first_switch"]
    # the switching statistics give q, with no return to the start
    assert fs["q_low"] < q < fs["q_high"]
    assert fs["returns"] == 0
    for p in summ["pairs"]:
        assert p["r2"] > 0.995
        assert abs(p["rate"] - q) < 0.05  # rate = q on every pair
        assert p["anti_hebbian"]
    # the fraction switched after n pulses: 1 - (1 - q)^n
    n = np.arange(9)
    np.testing.assert_allclose(summ["left_start_fraction"], 1 - (1 - q) ** n,
                               atol=0.03)
    assert "first switch out of the start: q = " in format_ensemble_summary(summ)


def test_units_that_fall_back_are_counted_and_do_not_settle():
    # the switched state is left again at the next pulse with probability 0.9
    # (the 0.97 H_c case of studies/thermal): the returns are counted, and the
    # mean settles at a fraction far from 1 instead of approaching the switched
    # state
    ens = _ensemble(_two_state(0.2, realisations=2000, pulses=8, back=0.9))
    summ = ensemble_summary(ens)
    assert summ["first_switch"]["returns"] > 100
    assert summ["left_start_fraction"][-1] < 0.3


def test_no_pulse_at_the_start_is_an_error():
    s = np.zeros((3, 1), dtype=int)
    with pytest.raises(ValueError, match="no pulse applied at its start"):
        first_switch_rate(_ensemble(s))
