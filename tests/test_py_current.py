"""The training current through the Py: conservation, AMR, and its field."""

import discretisedfield as df
import numpy as np
import pytest
from scipy.integrate import quad

import ubhop
from ubhop.analytic import strip_field, thick_strip_field
from ubhop.py_current import (
    node_currents,
    py_field,
    py_sheet_current,
    terminal_matrix,
    training_field,
)


def _bar(length=4e-6, w=200e-9, t=10e-9, cell=20e-9, nz=1, path="py"):
    """A Py bar with pads over its whole width at both ends."""
    return ubhop.Device(size=(length, w), thickness=t, cell=(cell, cell, t / nz),
                        pads=[ubhop.Pad(0, (0, cell), (0, w)),
                              ubhop.Pad(1, (length - cell, length), (0, w))],
                        current_path=path)


def _uniform(dev, value):
    return df.Field(dev.mesh, nvdim=3, value=value, norm=1.0)


def test_node_currents_are_conserved_on_any_texture():
    dev = ubhop.Device.square4(size=200e-9, cell=(10e-9, 10e-9, None))
    m = ubhop.analytic.vortex_texture(dev, core=30e-9)
    v = [1e-3, 0.4e-3, -1e-3, -0.2e-3]
    for path in ("au", "py", "both"):
        y = node_currents(dev, v, m, path=path)
        assert abs(y.sum()) < 1e-12 * np.abs(y).max()
        k = terminal_matrix(dev, m, path=path)
        assert np.allclose(k, k.T, rtol=0, atol=1e-14 * np.abs(k).max())
    # the parallel paths add
    assert np.allclose(node_currents(dev, v, m, "both"),
                       node_currents(dev, v, m, "au") + node_currents(dev, v, m, "py"))


def test_the_current_through_a_cut_is_the_node_current():
    # tilted m: planar Hall, the current still crosses every cut whole
    dev = _bar(length=2e-6)
    m = _uniform(dev, (np.cos(0.5), np.sin(0.5), 0.0))
    v = [2e-3, -1e-3]
    y = node_currents(dev, v, m)
    k = py_sheet_current(dev, m, v)
    for ix in (dev.n[0] // 4, dev.n[0] // 2):
        flux = k[ix, :, :, 0].sum() * dev.cell[1]
        assert flux == pytest.approx(y[0], rel=1e-9)


@pytest.mark.parametrize("nz", [1, 2])
def test_amr_ratio_of_the_node_currents(nz):
    dev = _bar(length=1e-6, nz=nz)
    a = dev.py.amr_ratio
    v = [1e-3, -1e-3]
    par = node_currents(dev, v, _uniform(dev, (1, 0, 0)))
    perp = node_currents(dev, v, _uniform(dev, (0, 1, 0)))
    out = node_currents(dev, v, _uniform(dev, (0, 0, 1)))
    # G_par / G_perp = rho_perp / rho_par = 1 / (1 + AMR ratio)
    assert par[0] / perp[0] == pytest.approx(1 / (1 + a), rel=1e-10)
    assert out[0] == pytest.approx(perp[0], rel=1e-12)
    # and the Ohmic value: rho_par (L - pads) / (w t)
    length = dev.size[0] - 2 * dev.cell[0]
    r_par = dev.py.rho_perp * (1 + a) * length / (dev.size[1] * dev.thickness)
    assert par[0] == pytest.approx(2e-3 / r_par, rel=1e-9)


def test_au_in_parallel_dilutes_the_amr_dependence():
    dev = _bar(length=1e-6, path="both")
    a = dev.py.amr_ratio
    s_au = dev.au.thickness / dev.au.rho
    s_py = dev.thickness / dev.py.rho_perp
    v = [1e-3, -1e-3]
    par = node_currents(dev, v, _uniform(dev, (1, 0, 0)))
    perp = node_currents(dev, v, _uniform(dev, (0, 1, 0)))
    expect = (s_au + s_py / (1 + a)) / (s_au + s_py)
    assert par[0] / perp[0] == pytest.approx(expect, rel=1e-10)
    # the texture-independent Au current: the Au path alone ignores m
    assert np.allclose(node_currents(dev, v, _uniform(dev, (1, 0, 0)), "au"),
                       node_currents(dev, v, _uniform(dev, (0, 1, 0)), "au"))


def test_field_of_a_uniform_py_current_is_the_thick_strip_field():
    dev = _bar(length=4e-6, cell=10e-9)
    m = _uniform(dev, (1, 0, 0))
    v = [1e-3, -1e-3]
    current = node_currents(dev, v, m)[0]
    h = py_field(dev, m, v)
    mid = h[dev.n[0] // 2, :, 0]
    w, t = dev.size[1], dev.thickness
    y = (np.arange(dev.n[1]) + 0.5) * dev.cell[1] - 0.5 * w
    _, hz = thick_strip_field(y, current, w, t)
    # in-plane: zero at the mid-plane of the current's own film
    assert np.abs(mid[:, :2]).max() < 1e-9 * np.abs(hz).max()
    # out of plane: the closed form, to the finite length (L = 20 w)
    assert np.allclose(mid[:, 2], hz, rtol=1.5e-3, atol=0)
    # antisymmetric across the strip, largest at its edges
    assert np.allclose(mid[:, 2], -mid[::-1, 2], rtol=1e-9)
    assert np.argmax(mid[:, 2]) == dev.n[1] - 1


def test_thick_strip_field_is_the_average_of_the_thin_strip_field():
    w, t, current = 200e-9, 10e-9, 1e-3
    for y in (20e-9, 99e-9, 100e-9, 160e-9):
        avg = quad(lambda h, y=y: strip_field(y, current, w, h)[1], -t / 2, t / 2,
                   points=[0.0], limit=200)[0] / t
        assert thick_strip_field(y, current, w, t)[1] == pytest.approx(avg, rel=1e-9)
    # thin limit: away from the edges it is the thin strip's field at h -> 0
    assert thick_strip_field(50e-9, current, w, 1e-12)[1] == pytest.approx(
        strip_field(50e-9, current, w, 1e-12)[1], rel=1e-6)


def test_two_layers_see_each_others_in_plane_field():
    # each layer carries half the current; the other layer's field at a
    # layer's centre is the thin-strip field averaged over that layer's heights
    dev = _bar(length=4e-6, cell=10e-9, nz=2)
    m = _uniform(dev, (1, 0, 0))
    v = [1e-3, -1e-3]
    half = node_currents(dev, v, m)[0] / 2
    h = py_field(dev, m, v, z_points=8)[dev.n[0] // 2]
    w, dz = dev.size[1], dev.cell[2]
    for j in (2, 10):
        y = (j + 0.5) * dev.cell[1] - 0.5 * w
        hy_other = quad(lambda z, y=y: strip_field(y, half, w, z)[0], dz / 2,
                        3 * dz / 2)[0] / dz
        # below the top layer's current (+x) H_y > 0, above the bottom's < 0
        assert h[j, 0, 1] == pytest.approx(hy_other, rel=2e-3)
        assert h[j, 1, 1] == pytest.approx(-hy_other, rel=2e-3)
    # the film's mean in-plane field vanishes
    assert np.abs(h[:, :, :2].mean(axis=1)).max() < 1e-9 * np.abs(h).max()


def test_training_field_by_path():
    dev = ubhop.Device.square4(size=200e-9, cell=(10e-9, 10e-9, None))
    m = _uniform(dev, (1, 1, 0))
    v = [1e-3, 1e-3, -1e-3, -1e-3]
    au = training_field(dev, v, path="au").array
    assert np.array_equal(au, ubhop.oersted_field(dev, v).array)
    py = training_field(dev, v, m, path="py").array
    both = training_field(dev, v, m, path="both").array
    assert np.allclose(both, au + py)
    # the Py's own current makes no in-plane field at its mid-plane (one layer)
    assert np.abs(py[..., :2]).max() < 1e-9 * np.abs(py).max()
    with pytest.raises(ValueError, match="give the magnetisation m"):
        training_field(dev, v, path="py")
    with pytest.raises(ValueError, match="path must be one of"):
        node_currents(dev, v, m, path="gold")
    with pytest.raises(ValueError, match="one value per node"):
        node_currents(dev, v[:3], m, path="au")
    with pytest.raises(ValueError, match="z_points must be an even int"):
        py_field(dev, m, v, z_points=3)


def test_device_current_path_option(tmp_path):
    dev = ubhop.Device.square4(size=200e-9, cell=(10e-9, 10e-9, None))
    assert dev.current_path == "au" and "current_path" not in dev.to_dict()
    for path in ("py", "both"):
        d = ubhop.Device.square4(size=200e-9, cell=(10e-9, 10e-9, None),
                                 current_path=path)
        d.to_toml(tmp_path / f"{path}.toml")
        back = ubhop.Device.from_toml(tmp_path / f"{path}.toml")
        assert back.current_path == path and back == d and back != dev
    with pytest.raises(ValueError, match="current_path must be one of"):
        ubhop.Device.square4(current_path="Au")
