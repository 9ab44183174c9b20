"""AMR conductance: analytic bar results, planar Hall effect, symmetries."""

import discretisedfield as df
import numpy as np
import pytest
from conftest import bar_device, uniform_m, vortex_m

import ubhop


@pytest.mark.parametrize("cell", [10e-9, 5e-9])
def test_bar_longitudinal_and_transverse(cell):
    dev = bar_device(length=1000e-9, width=100e-9, cell=cell, pad_depth=20e-9)
    length, wt = 1000e-9 - 40e-9, 100e-9 * dev.thickness
    g_par = ubhop.conductance_matrix(dev, uniform_m(dev, 0.0))[0, 1]
    g_perp = ubhop.conductance_matrix(dev, uniform_m(dev, np.pi / 2))[0, 1]
    assert g_par == pytest.approx(wt / (dev.py.rho_par * length), rel=0.01)
    assert g_perp == pytest.approx(wt / (dev.py.rho_perp * length), rel=0.01)
    # m out of plane: current is perpendicular to m as well
    g_z = ubhop.conductance_matrix(
        dev, df.Field(dev.mesh, nvdim=3, value=(0, 0, 1)))[0, 1]
    assert g_z == pytest.approx(g_perp, rel=1e-9)
    # Ms as the norm of m changes nothing
    g_ms = ubhop.conductance_matrix(
        dev, df.Field(dev.mesh, nvdim=3, value=(1, 0, 0), norm=8e5))[0, 1]
    assert g_ms == pytest.approx(g_par, rel=1e-12)


def hall_voltage(dev, m, drive=1e-3):
    """Drive current between the end pads; side pads float (zero net current)."""
    k = ubhop.terminal_matrix(dev, m)
    v_end = np.array([drive, 0.0])
    v_side = np.linalg.solve(k[2:, 2:], -k[2:, :2] @ v_end)
    current = k[0, :2] @ v_end + k[0, 2:] @ v_side
    return v_side[0] - v_side[1], current  # V(y=0) - V(y=w)


@pytest.mark.parametrize("theta_deg", [15, 30, 45, 60, 120, -30])
def test_planar_hall_voltage(theta_deg):
    width, cell = 400e-9, 5e-9
    dev = bar_device(length=4000e-9, width=width, cell=cell, side_pads=True,
                     side_pad_width=10e-9)
    theta = np.radians(theta_deg)
    v_h, current = hall_voltage(dev, uniform_m(dev, theta))
    d_rho = dev.py.rho_par - dev.py.rho_perp
    expected = d_rho * current * np.sin(2 * theta) / (2 * dev.thickness)
    assert v_h == pytest.approx(expected, rel=0.05)
    # the side pads are one cell deep: they sense the field over w - 2 cells,
    # which accounts for most of what remains (about 2 % here)
    assert v_h == pytest.approx(expected * (width - 2 * cell) / width, rel=0.01)


def test_no_hall_voltage_along_principal_axes():
    dev = bar_device(length=2000e-9, width=100e-9, cell=10e-9, side_pads=True)
    for theta in (0.0, np.pi / 2):
        v_h, current = hall_voltage(dev, uniform_m(dev, theta))
        assert abs(v_h) < 1e-9 * abs(current) * dev.py.rho_perp / dev.thickness


def test_symmetry_and_row_sums():
    dev = ubhop.Device.ring(7, size=400e-9, cell=(10e-9, 10e-9, None))
    m = vortex_m(dev, core=30e-9)
    k = ubhop.terminal_matrix(dev, m)
    g = ubhop.conductance_matrix(dev, m)
    assert np.abs(g - g.T).max() <= 1e-10 * np.abs(g).max()
    # each row of K sums to zero: no current flows when all nodes are equal
    assert np.abs(k.sum(axis=1)).max() <= 1e-10 * np.abs(k).max()
    assert np.all(g[~np.eye(7, dtype=bool)] > 0)
    np.testing.assert_array_equal(np.diag(g), 0.0)


def test_four_fold_symmetry_of_square4():
    """Uniform m along x on the square: N-S and E-W pairs differ by AMR only."""
    dev = ubhop.Device.square4(size=300e-9, cell=(10e-9, 10e-9, None))
    g = ubhop.conductance_matrix(dev, uniform_m(dev, 0.0))
    # mirror symmetries y -> -y and x -> -x
    assert g[0, 1] == pytest.approx(g[2, 1], rel=1e-10)
    assert g[0, 1] == pytest.approx(g[0, 3], rel=1e-10)
    # E-W current runs along m (higher resistivity) -> lower conductance
    assert g[1, 3] < g[0, 2]
    g90 = ubhop.conductance_matrix(dev, uniform_m(dev, np.pi / 2))
    assert g90[1, 3] == pytest.approx(g[0, 2], rel=1e-10)


def test_amr_change_is_small_and_signed():
    """Rotating m from x to y changes G_EW by about the AMR ratio."""
    dev = bar_device(length=600e-9, width=100e-9, cell=10e-9)
    gx = ubhop.conductance_matrix(dev, uniform_m(dev, 0.0))[0, 1]
    gy = ubhop.conductance_matrix(dev, uniform_m(dev, np.pi / 2))[0, 1]
    assert (gy - gx) / gx == pytest.approx(dev.py.amr_ratio, rel=1e-9)


def test_two_terminal_resistance():
    dev = bar_device(length=1000e-9, width=100e-9, cell=10e-9)
    m = uniform_m(dev, 0.0)
    r = ubhop.two_terminal_resistance(dev, m, 0, 1)
    g = ubhop.conductance_matrix(dev, m)[0, 1]
    assert r == pytest.approx(1 / g, rel=1e-9)  # two nodes only: R = 1/G
    dev4 = ubhop.Device.square4(size=300e-9, cell=(10e-9, 10e-9, None))
    m4 = vortex_m(dev4)
    rm = ubhop.two_terminal_resistance(dev4, m4)
    g4 = ubhop.conductance_matrix(dev4, m4)
    assert np.allclose(rm, rm.T)
    # other nodes floating offer parallel paths: R_ij < 1 / G_ij
    off = ~np.eye(4, dtype=bool)
    assert np.all(rm[off] < 1 / g4[off])
    with pytest.raises(ValueError, match="node index"):
        ubhop.two_terminal_resistance(dev4, m4, 0, 4)


def test_conductance_converges_with_cell_size():
    """A vortex on the square: G at cells 20, 10, 5, 2.5 nm; order >= 1."""
    gs = []
    for c in (20e-9, 10e-9, 5e-9, 2.5e-9):
        dev = ubhop.Device.square4(size=400e-9, cell=(c, c, None),
                                   pad_width=80e-9, pad_depth=40e-9)
        gs.append(ubhop.conductance_matrix(dev, vortex_m(dev, core=40e-9)))
    gs = np.array(gs)
    err = [np.abs(gs[k] - gs[k + 1]).max() for k in range(3)]
    orders = np.log2(np.array(err[:-1]) / np.array(err[1:]))
    assert np.all(orders > 1.0), orders
    assert err[-1] < 2e-3 * np.abs(gs[-1]).max()


# ------------------------------------------------------------------ bad input
def test_bad_magnetisation(small4):
    m = df.Field(small4.mesh, nvdim=3, value=(1, 0, 0))
    arr = m.array.copy()
    arr[3, 4, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ubhop.conductance_matrix(small4, df.Field(small4.mesh, nvdim=3, value=arr))
    arr[3, 4, 0] = 0.0
    with pytest.raises(ValueError, match="zero norm in 1 cells"):
        ubhop.conductance_matrix(small4, df.Field(small4.mesh, nvdim=3, value=arr))
    other = ubhop.Device.square4(size=300e-9, cell=(10e-9, 10e-9, None))
    with pytest.raises(ValueError, match="another mesh"):
        ubhop.conductance_matrix(small4, df.Field(other.mesh, nvdim=3,
                                                  value=(1, 0, 0)))
    with pytest.raises(TypeError, match="nvdim=3"):
        ubhop.conductance_matrix(small4, np.ones((20, 20, 1, 3)))
