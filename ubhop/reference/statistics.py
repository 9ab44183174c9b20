"""Thermal statistics of problem ``thermal``: what compare measures from textures.

- Fluctuation-dissipation: after a time ``t`` short against every restoring
  rate, each cell's unit m has random-walked away from the 0 K trajectory with
  ``<dm^2> = 2 alpha gamma0 kB T t / ((1 + alpha^2) mu0 Ms V)`` per transverse
  component. :func:`fd_ratio` is the measured rms over the analytic one.
- Equipartition: at equilibrium in a strong field the energy above the ground
  state is ``kB T`` per cell (two harmonic transverse degrees of freedom).
  :func:`equipartition_ratio` is ``<E - E0> / (N kB T)``, with the energy
  from an independent finite-difference model (:func:`film_energy`:
  nearest-neighbour exchange, the Newell demagnetisation tensor summed
  directly, Zeeman), the same for every submission.
"""

from __future__ import annotations

import functools
import math

import numpy as np

MU0 = 4e-7 * math.pi


def _ratio(num, den):
    safe = np.where(den == 0, 1.0, den)
    return np.where(den == 0, 0.0, num / safe)


def _newell_f(x, y, z):
    x2, y2, z2 = x * x, y * y, z * z
    r = np.sqrt(x2 + y2 + z2)
    return (0.5 * y * (z2 - x2) * np.arcsinh(_ratio(y, np.sqrt(x2 + z2)))
            + 0.5 * z * (y2 - x2) * np.arcsinh(_ratio(z, np.sqrt(x2 + y2)))
            - x * y * z * np.arctan(_ratio(y * z, x * r))
            + (2 * x2 - y2 - z2) * r / 6)


def _newell_g(x, y, z):
    x2, y2, z2 = x * x, y * y, z * z
    r = np.sqrt(x2 + y2 + z2)
    return (x * y * z * np.arcsinh(_ratio(z, np.sqrt(x2 + y2)))
            + y / 6 * (3 * z2 - y2) * np.arcsinh(_ratio(x, np.sqrt(y2 + z2)))
            + x / 6 * (3 * z2 - x2) * np.arcsinh(_ratio(y, np.sqrt(x2 + z2)))
            - z**3 / 6 * np.arctan(_ratio(x * y, z * r))
            - z * y2 / 2 * np.arctan(_ratio(x * z, y * r))
            - z * x2 / 2 * np.arctan(_ratio(y * z, x * r))
            - x * y * r / 3)


def _second_difference(func, x, y, z, a, b, c):
    w = {-1: -1.0, 0: 2.0, 1: -1.0}
    total = 0.0
    for i in (-1, 0, 1):
        for j in (-1, 0, 1):
            for k in (-1, 0, 1):
                total = total + w[i] * w[j] * w[k] * func(x + i * a, y + j * b,
                                                          z + k * c)
    return total / (4 * math.pi * a * b * c)


def demag_tensor(x, y, z, dx, dy, dz):
    """Newell's demagnetisation tensor between cells at offset ``(x, y, z)``.

    Parameters
    ----------
    x, y, z : array_like
        Offsets between cell centres (any length unit, the same as the cell).
    dx, dy, dz : float
        Cell sizes.

    Returns
    -------
    numpy.ndarray
        ``(3, 3, ...)``, dimensionless: ``H = -N M``.
    """
    nxx = _second_difference(_newell_f, x, y, z, dx, dy, dz)
    nyy = _second_difference(_newell_f, y, z, x, dy, dz, dx)
    nzz = _second_difference(_newell_f, z, x, y, dz, dx, dy)
    nxy = _second_difference(_newell_g, x, y, z, dx, dy, dz)
    nxz = _second_difference(_newell_g, x, z, y, dx, dz, dy)
    nyz = _second_difference(_newell_g, y, z, x, dy, dz, dx)
    return np.array([[nxx, nxy, nxz], [nxy, nyy, nyz], [nxz, nyz, nzz]])


@functools.lru_cache(maxsize=4)
def _demag_matrix(n, cell) -> np.ndarray:
    """The dense ``(3N, 3N)`` demagnetisation matrix of a mesh (``H = -Ms N m``)."""
    scale = min(cell)
    idx = np.indices(n).reshape(3, -1).T
    off = (idx[:, None, :] - idx[None, :, :]) * np.array(cell) / scale
    t = demag_tensor(off[..., 0], off[..., 1], off[..., 2], cell[0] / scale,
                     cell[1] / scale, cell[2] / scale)
    big = t.transpose(2, 0, 3, 1).reshape(3 * len(idx), 3 * len(idx))
    big.setflags(write=False)
    return big


def film_energy(dev, m, field=(0.0, 0.0, 0.0)) -> float:
    """Energy (J) of a unit texture on a small film: exchange, demag, Zeeman.

    A reference model for small meshes (the demagnetisation tensor is a dense
    ``3N x 3N`` matrix): nearest-neighbour exchange with ``dev.py.A``, open
    boundaries, and a uniform applied field. No anisotropy.

    Parameters
    ----------
    dev : Device
        The film (its mesh, ``Ms`` and ``A``).
    m : array_like or df.Field
        Unit magnetisation ``(nx, ny, nz, 3)``.
    field : sequence of float
        Uniform applied field (A/m).

    Returns
    -------
    float
        The energy in J.
    """
    m = np.asarray(getattr(m, "array", m), dtype=float)
    nx, ny, nz = dev.n
    if m.shape != (nx, ny, nz, 3):
        raise ValueError(f"m must have the shape {(nx, ny, nz, 3)}, got {m.shape}.")
    if nx * ny * nz > 2000:
        raise ValueError(f"film_energy builds a dense demag matrix: at most 2000 "
                         f"cells, got {nx * ny * nz}.")
    dx, dy, dz = dev.cell
    big = _demag_matrix(tuple(dev.n), tuple(dev.cell))
    ms, a = dev.py.Ms, dev.py.A
    h_d = -ms * (big @ m.reshape(-1)).reshape(m.shape)
    h_ex = np.zeros_like(m)
    for axis, d in enumerate(dev.cell):
        lo = [slice(None)] * 4
        hi = [slice(None)] * 4
        lo[axis], hi[axis] = slice(None, -1), slice(1, None)
        diff = a * np.diff(m, axis=axis) / d**2
        h_ex[tuple(lo)] += diff
        h_ex[tuple(hi)] -= diff
    h_ex *= 2 / (MU0 * ms)
    volume = dx * dy * dz
    h_app = np.asarray(field, dtype=float)
    return float(-MU0 * ms * volume * np.sum(m * (0.5 * (h_ex + h_d) + h_app)))


def fd_ratio(cold, hot, expected: float) -> float:
    """Rms transverse random walk over the fluctuation-dissipation value.

    Parameters
    ----------
    cold : array_like or df.Field
        Unit m after the interval at 0 K, ``(..., 3)``, m close to +x.
    hot : sequence of array_like or df.Field
        Unit m after the same interval at temperature, one per realisation.
    expected : float
        The analytic rms per transverse component (dimensionless).

    Returns
    -------
    float
        ``sqrt(<dm_y^2 + dm_z^2> / 2) / expected`` over the cells and the
        realisations.
    """
    c = np.asarray(getattr(cold, "array", cold), dtype=float).reshape(-1, 3)
    d = np.concatenate([np.asarray(getattr(h, "array", h), dtype=float)
                        .reshape(-1, 3) - c for h in hot])
    return float(np.sqrt(np.mean(d[:, 1:] ** 2)) / expected)


def equipartition_ratio(dev, ground, samples, field, temperature: float) -> float:
    """``<E - E0> / (N kB T)`` over the samples (1 at equipartition).

    Parameters
    ----------
    dev : Device
        The film.
    ground : array_like or df.Field
        The ground state in the field (0 K).
    samples : sequence of array_like or df.Field
        Equilibrium samples at ``temperature``.
    field : sequence of float
        The uniform applied field (A/m).
    temperature : float
        K.
    """
    e0 = film_energy(dev, ground, field)
    excess = np.array([film_energy(dev, s, field) - e0 for s in samples])
    kt = 1.380649e-23 * temperature
    return float(excess.mean() / (int(np.prod(dev.n)) * kt))
