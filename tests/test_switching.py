"""Pattern switching on one film: G goes to the new pattern's fixed point.

The write regime (``ubhop.experiments.presets.fig3_config``: soft film, 100 mT, 1 ns
pulses, minimisation) on a 200 nm film, "++--" three times, then "+--+" three times.
The fixed point of a pattern is taken from an independent limit, not from the
run: ``ubhop.experiments.aligned.aligned_conductances``, the conductances of m parallel
to the pattern's in-plane field.
"""

import dataclasses

import numpy as np
import pytest

import ubhop
from ubhop import runs
from ubhop.engines.magnumnp import magnumnp_available
from ubhop.experiments.aligned import aligned_conductances
from ubhop.patterns import as_pattern

pytestmark = pytest.mark.skipif(not magnumnp_available(),
                                reason="magnum.np is not installed")

IU = np.triu_indices(4, 1)
ADJACENT = [0, 2, 3, 5]  # NE, NW, ES, SW in IU order (NS = 1, EW = 4)


def _distance(g, target):
    """Relative distance of the six pair conductances from ``target``."""
    return np.linalg.norm((g - target)[IU]) / np.linalg.norm(target[IU])


@pytest.fixture(scope="module")
def switched(tmp_path_factory):
    from ubhop.experiments.presets import fig3_config

    base = fig3_config(pulses=3, engine="magnumnp", size=0.2e-6, cell=20e-9)
    cfg = dataclasses.replace(base, schedule=[("++--", 3), ("+--+", 3)], chunk=6)
    out = tmp_path_factory.mktemp("switch")
    ubhop.training.train(cfg, out, engine=ubhop.get_engine("magnumnp"),
                         progress=False)
    hist = runs.read_history(out / "history.nc")
    return cfg.device, hist.G.values  # (7, 4, 4): start, 3 + 3 pulses


def test_switching_moves_g_to_the_new_fixed_point(switched):
    dev, g = switched
    fp = dict(zip(("++--", "+--+"), aligned_conductances(dev, ["++--", "+--+"]),
                  strict=True))
    # "++--": from the diagonal start (near the "+--+" state) to "++--"
    d_old, d_new = _distance(g[0], fp["++--"]), _distance(g[3], fp["++--"])
    assert d_new < d_old / 3, (d_old, d_new)
    assert d_new < _distance(g[3], fp["+--+"]) / 3
    # switching to "+--+": the distance to its fixed point falls, and the
    # film leaves the old one
    d_old, d_new = _distance(g[3], fp["+--+"]), _distance(g[6], fp["+--+"])
    assert d_new < d_old / 3, (d_old, d_new)
    assert _distance(g[6], fp["++--"]) > 3 * d_new
    # no step of the new pattern takes G further from its fixed point (to
    # the minimiser's stopping tolerance, 1e-4 of the distance)
    d = [_distance(gk, fp["+--+"]) for gk in g[3:]]
    assert all(b <= a + 1e-4 * d[0] for a, b in zip(d, d[1:], strict=False)), d


def test_direction_follows_the_sign_of_vivj_on_adjacent_pairs(switched):
    _, g = switched
    for seg, pattern in ((slice(0, 4), "++--"), (slice(3, 7), "+--+")):
        gs = g[seg]
        dg = (gs[-1] - gs[0])[IU]
        v = as_pattern(pattern)
        vv = np.outer(v, v)[IU]
        adj = np.array(ADJACENT)
        # anti-Hebbian in G: every adjacent pair with V_i V_j = +1 falls, every
        # one with -1 rises, by more than 0.5 % of G
        assert np.all(np.sign(dg[adj]) == -vv[adj]), (pattern, dg, vv)
        assert np.all(np.abs(dg[adj]) > 5e-3 * gs[0][IU][adj]), (pattern, dg)


def test_one_film_moves_in_one_jump(switched):
    # What limits eq. (1) on a single film (studies/memory/README.md): the
    # write is complete after its first pulse, the later pulses of the same
    # pattern leave G where it is. The approach is a step (rate 1), not
    # geometric.
    _, g = switched
    for first in (1, 4):
        jump = np.abs(g[first] - g[first - 1]).max()
        rest = np.abs(g[first + 2] - g[first]).max()
        assert jump > 1e-3 * np.abs(g[0]).max()
        assert rest < 1e-4 * jump, (first, jump, rest)
