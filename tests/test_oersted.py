"""Oersted field: thin-strip analytic limits, right-hand rule, linearity."""

import numpy as np
import pytest
from scipy import integrate

import ubhop
from ubhop.analytic import strip_device, strip_field
from ubhop.oersted import field_from_sheet, field_from_sheet_direct, rectangle_kernel


@pytest.mark.parametrize("ratio", [0.02, 0.05, 0.1, 0.2, 0.5])
def test_strip_centre_field(ratio):
    w = 210e-9
    h = ratio * w
    dev = strip_device(h)
    current = ubhop.pad_currents(dev, [1e-3, 0.0])[0]
    field = ubhop.oersted_field(dev, [1e-3, 0.0], au_layers=1).array[:, :, 0, :]
    i, j = dev.n[0] // 2, dev.n[1] // 2  # mid-length, on the strip axis
    expected = current / (np.pi * w) * np.arctan(w / (2 * h))
    # right-hand rule: current along +x, Py below the sheet -> H along +y
    assert field[i, j, 1] == pytest.approx(expected, rel=0.02)
    assert abs(field[i, j, 0]) < 1e-3 * expected
    assert abs(field[i, j, 2]) < 1e-3 * expected


def test_strip_profile_right_hand_rule_and_decay():
    w, h = 210e-9, 25e-9
    dev = strip_device(h)
    current = ubhop.pad_currents(dev, [1e-3, 0.0])[0]
    field = ubhop.oersted_field(dev, [1e-3, 0.0], au_layers=1).array[:, :, 0, :]
    i = dev.n[0] // 2
    y = dev.cell_centres()[1] - 0.5 * dev.size[1]
    hy, hz = strip_field(y, current, w, h)
    # the strip is finite (length l between the pads): far from it the field is
    # that of a finite wire, reduced by l / sqrt(l^2 + 4 d^2)
    ell = dev.size[0] - 100e-9
    finite = ell / np.sqrt(ell**2 + 4 * (y**2 + h**2))
    hy, hz = hy * finite, hz * finite
    peak = hy.max()
    np.testing.assert_allclose(field[i, :, 1], hy, atol=0.01 * peak)
    np.testing.assert_allclose(field[i, :, 2], hz, atol=0.01 * peak)
    # Hz circulates round the current: up on the +y side, down on the -y side
    edge = np.argmin(np.abs(y - w / 2))
    assert field[i, edge, 2] > 0.2 * peak and field[i, -edge - 1, 2] < -0.2 * peak
    # far from the strip the field falls off (as 1/d) towards zero
    far = np.abs(field[i, 0, :]).max()
    assert far < 0.1 * peak
    assert np.all(np.diff(np.linalg.norm(field[i, :20, :], axis=-1)) > 0)
    # a line current's 1/d law, with the sign of the -y side
    np.testing.assert_allclose(-field[i, :20, 2] * np.abs(y[:20]),
                               current / (2 * np.pi) * finite[:20], rtol=0.03)


def test_field_is_linear_in_voltage():
    dev = ubhop.Device.square4(size=300e-9, cell=(10e-9, 10e-9, None))
    v = np.array([1e-3, 1e-3, -1e-3, -1e-3])
    h1 = ubhop.oersted_field(dev, v).array
    h2 = ubhop.oersted_field(dev, 2 * v).array
    np.testing.assert_allclose(h2, 2 * h1, rtol=1e-10, atol=1e-12 * np.abs(h1).max())
    h0 = ubhop.oersted_field(dev, 0 * v).array
    assert np.abs(h0).max() == 0


def test_fft_convolution_equals_direct_sum():
    dev = ubhop.Device.square4(size=200e-9, thickness=10e-9,
                               cell=(10e-9, 10e-9, 5e-9))
    k = ubhop.sheet_current(dev, [1e-3, -2e-3, 0.5e-3, 0.0])
    fft = field_from_sheet(k, dev, au_layers=2)
    direct = field_from_sheet_direct(k, dev, au_layers=2)
    np.testing.assert_allclose(fft, direct, rtol=0, atol=1e-9 * np.abs(direct).max())


def test_rectangle_kernel_against_quadrature():
    # the kernel is dimensionless and scale-free: work in nanometres
    dx, dy = 10.0, 6.0
    for x, y, z in [(3.0, -2.0, 4.0), (25.0, 10.0, 10.0), (0.0, 0.0, -2.0)]:
        g0, gx, gy = rectangle_kernel(np.array(x), np.array(y), z, dx, dy)

        def bs(comp, x=x, y=y, z=z):
            def f(v, u):
                r = np.array([x - u, y - v, z])
                return r[comp] / np.linalg.norm(r) ** 3 / (4 * np.pi)
            return integrate.dblquad(f, -dx / 2, dx / 2, -dy / 2, dy / 2,
                                     epsabs=1e-12, epsrel=1e-10)[0]

        # K x R = (Ky z, -Kx z, Kx Ry - Ky Rx)
        assert float(g0) == pytest.approx(bs(2), rel=1e-6)
        assert float(gx) == pytest.approx(bs(1), rel=1e-6)
        assert float(gy) == pytest.approx(bs(0), rel=1e-6)


def test_thick_au_is_the_average_of_sheets():
    """Gauss points across the Au thickness give the thickness average."""
    dev = strip_device(40e-9)
    dev_thick = ubhop.Device(size=dev.size, thickness=dev.thickness, cell=dev.cell,
                             pads=dev.pads, au=ubhop.Gold(thickness=40e-9),
                             spacer=dev.spacer - 19e-9, au_mask=dev.au_mask)
    assert dev_thick.au_height == pytest.approx(dev.au_height)
    k = ubhop.sheet_current(dev, [1e-3, 0])
    h3 = field_from_sheet(k, dev_thick, au_layers=4)
    sheets = []
    for dz in np.linspace(-20e-9, 20e-9, 41):
        d = ubhop.Device(size=dev.size, thickness=dev.thickness, cell=dev.cell,
                         pads=dev.pads, au=dev.au, spacer=dev.spacer + dz,
                         au_mask=dev.au_mask)
        sheets.append(field_from_sheet(k, d, au_layers=1))
    avg = integrate.simpson(np.array(sheets), dx=1.0, axis=0) / 40
    np.testing.assert_allclose(h3, avg, atol=2e-3 * np.abs(avg).max())


def test_oersted_converges_with_cell_size():
    """Field under the 4-node pattern at fixed points as the cell shrinks."""
    points = [(150e-9, 150e-9), (100e-9, 220e-9), (250e-9, 60e-9)]
    vals = []
    for c in (20e-9, 10e-9, 5e-9):
        dev = ubhop.Device.square4(size=300e-9, cell=(c, c, None),
                                   pad_width=60e-9, pad_depth=20e-9)
        h = ubhop.oersted_field(dev, [1e-3, 1e-3, -1e-3, -1e-3])
        # average over the 20 nm block around each point, same region every time
        vals.append([h.sel(x=(p[0] - 10e-9, p[0] + 10e-9))
                     .sel(y=(p[1] - 10e-9, p[1] + 10e-9)).mean() for p in points])
    vals = np.array(vals)
    e1 = np.abs(vals[0] - vals[1]).max()
    e2 = np.abs(vals[1] - vals[2]).max()
    assert e2 < 0.6 * e1  # converging, at first order or better
    assert e2 < 0.05 * np.abs(vals[2]).max()
