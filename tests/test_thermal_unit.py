"""A 200 nm film near its switching field at 300 K: eq. (1) in the mean (OOMMF).

The demo's film (``ubhop.experiments.presets.demo_config``) cut to 200 nm is one
two-state unit: a 0 K "++--" pulse either leaves its diagonal start or switches it into
one other state, with a threshold between 38.36 and 38.48 mT (bisected with
OOMMF 2.1a0, ``studies/thermal/README.md``). At 300 K and 0.99 of the
threshold each pulse switches it at random, the switched state is kept, and
the mean over realisations approaches the switched state geometrically, which
is eq. (1) with the rate equal to the switching probability per pulse.

Needs OOMMF, whose threshold the constants are (magnum.np runs thermal pulses
too, about 3 times slower); skipped without it.
"""

import dataclasses

import numpy as np
import pytest

from ubhop.engines import get_engine
from ubhop.engines import oommf_runners as runners
from ubhop.experiments.ensemble import ensemble_summary, train_ensemble
from ubhop.patterns import as_pattern
from ubhop.training import train

_SPEC = runners.find_runner_spec()
pytestmark = [
    pytest.mark.oommf,
    pytest.mark.skipif(_SPEC[0] is None, reason=f"no OOMMF runner found ({_SPEC[1]})"),
]

THRESHOLD = (38.36e-3, 38.48e-3)  # T, the 0 K bracket of the 200 nm demo film
IU = np.triu_indices(4, 1)
ADJACENT = [0, 2, 3, 5]  # NE, NW, ES, SW in IU order


def _config(pulses, peak, temperature=0.0):
    from ubhop.experiments.presets import demo_config

    base = demo_config(engine="oommf", size=0.2e-6)
    return dataclasses.replace(base, schedule=[("++--", pulses)], chunk=pulses,
                               peak_field=peak, temperature=temperature)


@pytest.fixture(scope="module")
def engine():
    return get_engine("oommf")


@pytest.fixture(scope="module")
def switched_state(engine, tmp_path_factory):
    """G of the start and of the 0 K switched state (one pulse 2 % above)."""
    hist = train(_config(1, 1.02 * THRESHOLD[1]), tmp_path_factory.mktemp("above"),
                 engine=engine, progress=False)
    return hist.G.values[0], hist.G.values[1]


def _rel(a, b):
    return np.abs((a - b)[IU] / b[IU]).max()


def test_zero_kelvin_threshold_separates_two_states(engine, switched_state, tmp_path):
    g0, g1 = switched_state
    assert _rel(g1, g0) > 5e-3  # the switch moves G by about 1 %
    below = train(_config(1, 0.98 * THRESHOLD[0]), tmp_path, engine=engine,
                  progress=False)
    np.testing.assert_allclose(below.G.values[0], g0, rtol=1e-9)
    assert _rel(below.G.values[1], g0) < 1e-6  # below it nothing is kept


def test_thermal_pulses_switch_at_random_between_two_states(engine, switched_state,
                                                            tmp_path):
    g0, g1 = switched_state
    cfg = _config(3, 0.99 * THRESHOLD[1], temperature=300.0)
    ens = train_ensemble(cfg, tmp_path, 6, engine=engine, progress=False)
    g = ens.G.values  # (6, 4, 4, 4)
    at_start = np.array([[_rel(gt, g0) < 1e-5 for gt in gr] for gr in g])
    at_switched = np.array([[_rel(gt, g1) < 1e-5 for gt in gr] for gr in g])
    # every relaxed state is the start or the 0 K switched state
    assert np.all(at_start | at_switched), [[_rel(gt, g0) for gt in gr] for gr in g]
    # below the 0 K threshold, so only the thermal field switches: some
    # pulses do, some do not, and a switched unit stays switched
    assert 0 < at_switched.sum() < at_switched[:, 1:].size
    for row in at_switched:
        first = np.argmax(row) if row.any() else row.size
        assert row[first:].all()


@pytest.mark.slow
def test_ensemble_mean_follows_eq1(engine, tmp_path):
    # 24 realisations x 6 pulses (about 5 min on 2 threads)
    cfg = _config(6, 0.99 * THRESHOLD[1], temperature=300.0)
    ens = train_ensemble(cfg, tmp_path, 24, engine=engine, progress=False)
    summ = ensemble_summary(ens)
    pairs = summ["pairs"]
    assert all(p["r2"] >= 0.95 for p in pairs), [p["r2"] for p in pairs]
    rates = np.array([p["rate"] for p in pairs])
    assert np.all(rates > 0.05) and np.ptp(rates) < 1e-3  # one rate: one unit
    assert summ["first_switch"]["returns"] == 0
    # anti-Hebbian on the adjacent pairs; N-S and E-W follow the rotation of
    # the film, not V_i V_j (studies/fig3, the saturated read-out)
    vv = np.outer(as_pattern("++--"), as_pattern("++--"))[IU]
    change = np.array([p["change"] for p in pairs])
    assert np.all(np.sign(change[ADJACENT]) == -vv[ADJACENT]), change
