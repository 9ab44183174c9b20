"""Au sheet current: conservation and the resistance of a strip."""

import numpy as np
import pytest
from conftest import bar_device

import ubhop


def test_pad_currents_conserve_charge(small4):
    for v in ([1, 1, -1, -1], [0.3, -0.2, 0.7, 0.1], [1, 0, 0, 0]):
        i = ubhop.pad_currents(small4, v)
        assert abs(i.sum()) <= 1e-9 * np.abs(i).max()


def test_strip_resistance_matches_rho_l_over_wt():
    dev = bar_device(length=1000e-9, width=100e-9, cell=10e-9, pad_depth=20e-9)
    i = ubhop.pad_currents(dev, [1.0, 0.0])
    length = 1000e-9 - 2 * 20e-9  # between the pads' inner edges
    expected = 1.0 / (dev.au.rho * length / (100e-9 * dev.au.thickness))
    assert i[0] == pytest.approx(expected, rel=1e-9)
    assert i[1] == pytest.approx(-expected, rel=1e-9)
    # and the sheet current is uniform, along +x, I / w
    k = ubhop.sheet_current(dev, [1.0, 0.0])
    inner = k[3:-3]
    np.testing.assert_allclose(inner[..., 0], expected / 100e-9, rtol=1e-9)
    np.testing.assert_allclose(inner[..., 1], 0.0, atol=1e-9 * expected / 100e-9)


def test_sheet_current_is_divergence_free_and_flows_downhill(small4):
    k = ubhop.sheet_current(small4, [1, 0, 0, 0])
    # net current through a closed line around the north pad equals its current
    i = ubhop.pad_currents(small4, [1, 0, 0, 0])
    dx = small4.cell[0]
    row = 15  # a horizontal line below the north pad (pads occupy rows 19..)
    through = -(k[:, row, 1].sum() * dx)  # downward flux across y = const
    assert through == pytest.approx(i[0], rel=0.02)


def test_current_is_linear_in_voltage(small4):
    k1 = ubhop.sheet_current(small4, [1, -1, 0.5, 0])
    k2 = ubhop.sheet_current(small4, [2, -2, 1, 0])
    np.testing.assert_allclose(k2, 2 * k1, rtol=1e-12, atol=1e-12 * np.abs(k1).max())


@pytest.mark.parametrize("bad, match", [
    ([1, 1, -1], "expected length 4"),
    ([1, 1, -1, float("nan")], "nodes \\[3\\]"),
    (["a", 1, 1, 1], "sequence of 4 numbers"),
])
def test_bad_voltages(small4, bad, match):
    with pytest.raises(ValueError, match=match):
        ubhop.sheet_current(small4, bad)
    with pytest.raises(ValueError, match=match):
        ubhop.oersted_field(small4, bad)
