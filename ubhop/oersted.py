"""Oersted field of the Au sheet current in the Py film (Biot-Savart).

The sheet current is piecewise constant over the cells. The field of one
uniformly carrying rectangle at a point is integrated analytically, so the
kernel is exact for that current at any height, even below one cell. The sum
over source cells is a discrete convolution, done by FFT with zero padding (no
periodic images). The Au layer's finite thickness is taken into account with
Gauss-Legendre points across it (the current is uniform through the thickness).

For a sheet current ``K`` in the plane ``z = z_s`` the field at ``r`` is
``H(r) = 1/(4 pi) * int K(r') x (r - r') / |r - r'|^3 dA'``, in A/m.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import discretisedfield as df
import numpy as np
import scipy.fft as sfft

from .current import sheet_current

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .device import Device


def rectangle_kernel(x, y, z, dx, dy):
    """Field per unit sheet current of a ``dx x dy`` rectangle, exact.

    Parameters
    ----------
    x, y : numpy.ndarray
        Displacement of the field point from the rectangle's centre, in plane (m).
    z : float
        Height of the field point above the sheet (m), nonzero.
    dx, dy : float
        Rectangle size (m).

    Returns
    -------
    tuple of numpy.ndarray
        ``(g0, gx, gy)`` (dimensionless) such that a current ``(Kx, Ky)`` (A/m)
        in the rectangle gives ``Hx = Ky g0``, ``Hy = -Kx g0`` and
        ``Hz = Kx gx - Ky gy`` (A/m).
    """
    if z == 0:
        raise ValueError("The field point must lie off the current sheet (z != 0).")
    g0 = np.zeros(np.broadcast(x, y).shape)
    gx, gy = np.zeros_like(g0), np.zeros_like(g0)
    for sa, a in ((1.0, x + 0.5 * dx), (-1.0, x - 0.5 * dx)):
        for sb, b in ((1.0, y + 0.5 * dy), (-1.0, y - 0.5 * dy)):
            s = sa * sb
            r = np.sqrt(a * a + b * b + z * z)
            g0 += s * np.arctan(a * b / (z * r))
            gx -= s * np.arcsinh(a / np.sqrt(b * b + z * z))
            gy -= s * np.arcsinh(b / np.sqrt(a * a + z * z))
    return g0 / (4 * np.pi), gx / (4 * np.pi), gy / (4 * np.pi)


def _gauss_heights(dev, au_layers):
    if not isinstance(au_layers, int) or au_layers < 1:
        raise ValueError(f"au_layers must be an int >= 1, got {au_layers!r}.")
    xi, w = np.polynomial.legendre.leggauss(au_layers)
    # Height of the Au points above the Py mid-plane.
    zs = dev.au_height + 0.5 * dev.au.thickness * xi
    return tuple(zs), tuple(0.5 * w)


@functools.lru_cache(maxsize=8)
def kernel_fft(nx, ny, dx, dy, heights, weights):
    """FFT of the three kernels on the zero-padded (2 nx, 2 ny) grid."""
    i = np.arange(2 * nx)
    j = np.arange(2 * ny)
    i = np.where(i < nx, i, i - 2 * nx)  # displacement index, wrapped
    j = np.where(j < ny, j, j - 2 * ny)
    x, y = np.meshgrid(i * dx, j * dy, indexing="ij")
    out = []
    for z_py in heights:  # one entry per Py layer: tuple of Au heights
        g0 = np.zeros_like(x)
        gx, gy = np.zeros_like(x), np.zeros_like(x)
        for z, w in zip(z_py, weights, strict=True):
            a, b, c = rectangle_kernel(x, y, -z, dx, dy)
            g0 += w * a
            gx += w * b
            gy += w * c
        out.append(tuple(sfft.rfft2(g) for g in (g0, gx, gy)))
    return out


def _layer_heights(dev, au_layers):
    """Per Py layer: heights of the Au Gauss points above that layer's centre."""
    zs, w = _gauss_heights(dev, au_layers)
    nz, dz = dev.n[2], dev.cell[2]
    z_layers = (np.arange(nz) + 0.5) * dz - 0.5 * dev.thickness
    return tuple(tuple(z - zl for z in zs) for zl in z_layers), w


def field_from_sheet(sheet, dev, au_layers=3):
    """Oersted field array ``(nx, ny, nz, 3)`` (A/m) of a given Au sheet current.

    Parameters
    ----------
    sheet : numpy.ndarray
        ``(nx, ny, 2)`` sheet current (A/m) at the Au cell centres.
    dev : Device
        The device (cells, heights).
    au_layers : int
        Gauss-Legendre points across the Au thickness (1: a sheet at the Au
        mid-plane). Default 3.
    """
    heights, weights = _layer_heights(dev, au_layers)
    return field_at_heights(sheet, dev, heights, weights)


def field_at_heights(sheet, dev, heights, weights):
    """Field ``(nx, ny, nz, 3)`` (A/m) at the Py layers of a sheet current.

    The sheet's current is spread over source points at given heights above
    each Py layer's centre, with given weights (the Gauss-Legendre points of
    a layer's thickness; weights summing to 1 give the average).

    Parameters
    ----------
    sheet : numpy.ndarray
        ``(nx, ny, 2)`` sheet current (A/m) at cell centres.
    dev : Device
        The device (cells).
    heights : tuple of tuple of float
        Per Py layer, the heights (m) of the source points above that layer's
        centre (negative: below); none may be zero.
    weights : tuple of float
        Weight of each source point.
    """
    nx, ny, nz = dev.n
    dx, dy = dev.cell[:2]
    kernels = kernel_fft(nx, ny, dx, dy, heights, weights)
    fkx = sfft.rfft2(sheet[..., 0], s=(2 * nx, 2 * ny))
    fky = sfft.rfft2(sheet[..., 1], s=(2 * nx, 2 * ny))
    h = np.empty((nx, ny, nz, 3))
    for k, (g0, gx, gy) in enumerate(kernels):
        s = (2 * nx, 2 * ny)
        h[:, :, k, 0] = sfft.irfft2(g0 * fky, s=s)[:nx, :ny]
        h[:, :, k, 1] = -sfft.irfft2(g0 * fkx, s=s)[:nx, :ny]
        h[:, :, k, 2] = sfft.irfft2(gx * fkx - gy * fky, s=s)[:nx, :ny]
    return h


def field_from_sheet_direct(sheet, dev, au_layers=3):
    """Reference O(N^2) Biot-Savart sum, same kernel, no FFT (for checks)."""
    nx, ny, nz = dev.n
    dx, dy = dev.cell[:2]
    heights, weights = _layer_heights(dev, au_layers)
    xc = (np.arange(nx) + 0.5) * dx
    yc = (np.arange(ny) + 0.5) * dy
    xs, ys = np.meshgrid(xc, yc, indexing="ij")
    src = np.flatnonzero(np.abs(sheet).sum(axis=-1).ravel() > 0)
    kx = sheet[..., 0].ravel()[src]
    ky = sheet[..., 1].ravel()[src]
    sx, sy = xs.ravel()[src], ys.ravel()[src]
    h = np.zeros((nx, ny, nz, 3))
    for k, z_py in enumerate(heights):
        for i in range(nx):
            ddx = xc[i] - sx
            for j in range(ny):
                ddy = yc[j] - sy
                for z, w in zip(z_py, weights, strict=True):
                    g0, gx, gy = rectangle_kernel(ddx, ddy, -z, dx, dy)
                    h[i, j, k, 0] += w * np.dot(g0, ky)
                    h[i, j, k, 1] -= w * np.dot(g0, kx)
                    h[i, j, k, 2] += w * (np.dot(gx, kx) - np.dot(gy, ky))
    return h


def oersted_field(dev: Device, voltages: ArrayLike, au_layers: int = 3) -> df.Field:
    """Oersted field of the Au current for pad voltages, in the Py film.

    Parameters
    ----------
    dev : Device
        The device.
    voltages : array_like
        Length-N pad voltages (V), node order as in ``dev.pads``.
    au_layers : int
        Gauss-Legendre points across the Au thickness (1: thin sheet at the Au
        mid-plane). Default 3.

    Returns
    -------
    df.Field
        ``H`` (A/m), ``nvdim=3``, on ``dev.mesh``, evaluated at cell centres.
        The field is linear in the voltages.

    Examples
    --------
    >>> import ubhop
    >>> dev = ubhop.Device.square4(size=200e-9, cell=(10e-9, 10e-9, None))
    >>> H = ubhop.oersted_field(dev, [1e-3, 1e-3, -1e-3, -1e-3])
    >>> H.nvdim, H.mesh == dev.mesh
    (3, True)
    """
    k = sheet_current(dev, voltages)
    h = field_from_sheet(k, dev, au_layers=au_layers)
    return df.Field(dev.mesh, nvdim=3, value=h, vdims=["x", "y", "z"])


def voltages_for_peak_field(dev: Device, pattern: str | ArrayLike, peak_field: float,
                            au_layers: int = 3) -> np.ndarray:
    """Pad voltages ``V0 * pattern`` (V) whose Oersted field peaks at ``peak_field``.

    The field (``dev.drive_field``) is linear in the voltages, so V0 is the
    peak field over the peak ``max |mu0 H|`` of the unit pattern, over the
    film's magnetic cells (``dev.magnet_mask()``).

    Parameters
    ----------
    dev : Device
        The device.
    pattern : str or array_like
        Pattern of +1/-1 (``"++--"`` or a sequence), not uniform.
    peak_field : float
        Wanted ``max |mu0 H|`` over the film (T), > 0.
    au_layers : int
        As for ``oersted_field``.

    Returns
    -------
    numpy.ndarray
        Length-N voltages (V).
    """
    from .patterns import training_voltages

    unit = training_voltages(pattern, 1.0, dev.n_nodes)
    h = np.linalg.norm(dev.drive_field(unit, au_layers=au_layers).array, axis=-1)
    magnet = dev.magnet_mask()
    peak = 4e-7 * np.pi * (h.max() if magnet is None else h[magnet].max())
    return unit * (peak_field / peak)
