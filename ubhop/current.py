"""The training current in the Au layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .conduction import SheetConductor, isotropic_sheet
from .validation import check_voltages

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .device import Device


def au_conductor(dev: Device) -> SheetConductor:
    """The factorised Au sheet of ``dev``: pads as terminals, insulating edges."""
    key = ("au", tuple(dev.n), dev.cell, dev.au, dev.au_mask.tobytes(),
           tuple(dev.pads))
    cached = getattr(dev, "_au_cache", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    sheet = isotropic_sheet(dev.au.thickness / dev.au.rho, dev.au_mask)
    cond = SheetConductor(sheet, dev.node_of_cell, dev.n_nodes, dev.cell[:2],
                          conducting=dev.au_mask)
    dev._au_cache = (key, cond)
    return cond


def sheet_current(dev: Device, voltages: ArrayLike) -> np.ndarray:
    """Sheet current density in the Au layer for pad voltages.

    Solves ``div(sigma_Au grad phi) = 0`` on the Au mask with ``phi = V_k`` on
    the pads of node k and no current through the mask's boundary.

    Parameters
    ----------
    dev : Device
        The device.
    voltages : array_like
        Length-N pad voltages (V), node order as in ``dev.pads``.

    Returns
    -------
    numpy.ndarray
        ``(nx, ny, 2)`` sheet current ``K = -sigma_Au t_Au grad phi`` (A/m) at
        cell centres; zero off the mask and inside pads (the vertical current
        that feeds a pad is not modelled).

    Examples
    --------
    >>> import ubhop
    >>> dev = ubhop.Device.square4(size=200e-9, cell=(10e-9, 10e-9, None))
    >>> ubhop.sheet_current(dev, [1, 1, -1, -1]).shape
    (20, 20, 2)
    """
    v = check_voltages(dev, voltages)
    cond = au_conductor(dev)
    return -(dev.au.thickness / dev.au.rho) * cond.cell_gradient(v)


def pad_currents(dev: Device, voltages: ArrayLike) -> np.ndarray:
    """Currents (A) flowing into the Au through each node's pads, ``K_Au @ V``."""
    v = check_voltages(dev, voltages)
    return au_conductor(dev).terminal_currents(v)
