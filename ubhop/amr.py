"""Anisotropic magnetoresistance: from a texture to the conductance matrix.

Per cell the in-plane resistivity tensor is
``rho(m) = rho_perp I + (rho_par - rho_perp) m m^T`` (x, y components of the
unit magnetisation). Its inverse times the layer thickness, summed over the
layers, is the sheet conductance that the Q1 solver in ``conduction`` takes.
The pads are equipotential contacts on the Py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .conduction import SheetConductor, pseudo_resistance
from .validation import check_magnetisation

if TYPE_CHECKING:
    import discretisedfield as df

    from .device import Device


def sheet_conductance(m_unit, py, dz):
    """Sheet conductance tensor ``(nx, ny, 2, 2)`` (S) from unit m.

    Parameters
    ----------
    m_unit : numpy.ndarray
        ``(nx, ny, nz, 3)`` unit magnetisation.
    py : Permalloy
        Transport parameters (``rho_perp`` in Ohm m, ``amr_ratio``).
    dz : float
        Layer thickness (m).

    Notes
    -----
    For ``rho = rho_perp (I + a p p^T)`` with ``p`` the in-plane part of m and
    ``a`` the AMR ratio, ``rho^-1 = (I - a / (1 + a |p|^2) p p^T) / rho_perp``.
    """
    a = py.amr_ratio
    p = m_unit[..., :2]
    p2 = np.einsum("...i,...i->...", p, p)
    outer = p[..., :, None] * p[..., None, :]
    sigma = (np.eye(2) - (a / (1 + a * p2))[..., None, None] * outer) / py.rho_perp
    return sigma.sum(axis=2) * dz


def py_conductor(dev: Device, m: df.Field) -> SheetConductor:
    """The factorised Py sheet of ``dev`` for texture ``m`` (a ``df.Field``)."""
    mu = check_magnetisation(dev, m)
    sheet = sheet_conductance(mu, dev.py, dev.cell[2])
    return SheetConductor(sheet, dev.node_of_cell, dev.n_nodes, dev.cell[:2])


def terminal_matrix(dev: Device, m: df.Field) -> np.ndarray:
    """Terminal matrix ``K`` (S) of the Py film: pad currents ``I = K V``.

    Parameters
    ----------
    dev : Device
        The device.
    m : df.Field
        Magnetisation on ``dev.mesh`` (any nonzero norm; it is normalised).

    Returns
    -------
    numpy.ndarray
        ``(N, N)`` symmetric matrix whose rows sum to zero. ``I_i`` is the
        current into the film through node i when the nodes are held at ``V``.
    """
    return py_conductor(dev, m).K


def conductance_matrix(dev: Device, m: df.Field) -> np.ndarray:
    """Conductance matrix ``G_ij = -K_ij`` (S) of the Py film, zero diagonal.

    ``G_ij`` is the current into node i per volt on node j with every other
    node grounded; it is symmetric and, for a connected film, positive.

    Parameters
    ----------
    dev : Device
        The device.
    m : df.Field
        Magnetisation on ``dev.mesh``.

    Returns
    -------
    numpy.ndarray
        ``(N, N)`` conductances (S).

    Examples
    --------
    >>> import discretisedfield as df, ubhop
    >>> dev = ubhop.Device.square4(size=200e-9, cell=(10e-9, 10e-9, None))
    >>> m = df.Field(dev.mesh, nvdim=3, value=(1, 0, 0))
    >>> G = ubhop.conductance_matrix(dev, m)
    >>> bool(abs(G[1, 3] - G[3, 1]) < 1e-12 * G[1, 3])
    True
    """
    g = -terminal_matrix(dev, m)
    np.fill_diagonal(g, 0.0)
    return g


def two_terminal_resistance(dev: Device, m: df.Field, i: int | None = None,
                            j: int | None = None) -> float | np.ndarray:
    """Two-terminal resistance (Ohm) between nodes, all other nodes floating.

    Parameters
    ----------
    dev : Device
        The device.
    m : df.Field
        Magnetisation on ``dev.mesh``.
    i, j : int, optional
        The pair. Without them, the full ``(N, N)`` matrix is returned.

    Returns
    -------
    float or numpy.ndarray
        ``R_ij`` (Ohm); ``inf`` for nodes with no path between them.

    Notes
    -----
    This is what an ohmmeter between i and j reads. It is not ``1 / G_ij``,
    which is measured with the other nodes grounded.
    """
    k = terminal_matrix(dev, m)
    n = k.shape[0]
    if i is not None or j is not None:
        for name, v in (("i", i), ("j", j)):
            if not isinstance(v, int | np.integer) or not 0 <= v < n:
                raise ValueError(
                    f"{name} must be a node index in 0..{n - 1}, got {v!r}."
                )
        if i == j:
            raise ValueError("i and j must be different nodes.")
        return pseudo_resistance(k, i, j)
    r = np.zeros((n, n))
    for a in range(n):
        for b in range(a + 1, n):
            r[a, b] = r[b, a] = pseudo_resistance(k, a, b)
    return r
