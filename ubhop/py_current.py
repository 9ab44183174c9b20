"""The training current through the Py film: node currents ``y = K(m) V`` and its field.

In the model everywhere else the training pulse drives its current through the
Au layer, whose conductance does not depend on the texture: the drive of a
pulse is fixed by the pad voltages alone. If the pads contact the Py (the Au
patterned as pads only, ``Device(current_path="py")``), or the Au and the Py
carry the current in parallel (``"both"``), the node currents

    y = K(m) V,   K = K_Au (au, both) + K_Py(m) (py, both)

depend on the texture through AMR (``ubhop.amr``): ``K_Py(m)`` is the terminal
matrix of the Py sheet, whose conductances ``G_ij = -K_ij`` are the network's
weights. The node currents sum to zero (conservation), and for a uniform
texture along a bar the Py conductance is ``1 / (1 + AMR ratio)`` of its
value for a texture across it.

The Oersted field of the Py's own current, at the Py (``py_field``): with the
current uniform through a layer's thickness, the in-plane field at the
layer's mid-plane is zero by symmetry (it is odd in the height above the
mid-plane: ``H_y = -(K/t) z`` inside a wide uniform sheet), so it averages to
zero over the film; what is left at the Py is the out-of-plane field at the
edges of the current path and, with several layers, the in-plane field of
one layer at another. For a uniform current ``I`` in a strip of width ``w``
and thickness ``t`` the mid-plane field is ``ubhop.analytic.thick_strip_field``:
``H_y = 0`` and ``H_z(y)`` the thin-strip field averaged over the thickness.
The Au current's field at the Py is ``ubhop.oersted_field`` as before.

Spin-transfer (Zhang-Li) torque of the Py current is not modelled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discretisedfield as df
import numpy as np

from .amr import py_conductor, sheet_conductance
from .current import au_conductor
from .device import CURRENT_PATHS
from .oersted import field_at_heights, oersted_field
from .validation import check_magnetisation, check_voltages

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .device import Device


def current_path(dev: Device, path: str | None = None) -> str:
    """The current path to use: ``path``, or the device's own.

    Raises
    ------
    ValueError
        For a path other than ``"au"``, ``"py"``, ``"both"``.
    """
    path = dev.current_path if path is None else path
    if path not in CURRENT_PATHS:
        raise ValueError(f"path must be one of {CURRENT_PATHS}, got {path!r}.")
    return path


def _needs_m(path, m):
    if path != "au" and m is None:
        raise ValueError(f"The current path {path!r} runs through the Py: give the "
                         f"magnetisation m (a df.Field on dev.mesh).")


def terminal_matrix(dev: Device, m: df.Field | None = None,
                    path: str | None = None) -> np.ndarray:
    """Terminal matrix ``K`` (S) of the training current: ``y = K V``.

    Parameters
    ----------
    dev : Device
        The device.
    m : df.Field, optional
        Magnetisation on ``dev.mesh``; needed for ``"py"`` and ``"both"``.
    path : str, optional
        ``"au"``, ``"py"`` or ``"both"``; default ``dev.current_path``.

    Returns
    -------
    numpy.ndarray
        ``(N, N)`` symmetric, rows summing to zero: ``K_Au``, ``K_Py(m)`` or
        their sum.
    """
    path = current_path(dev, path)
    _needs_m(path, m)
    k = np.zeros((dev.n_nodes, dev.n_nodes))
    if path in ("au", "both"):
        k = k + au_conductor(dev).K
    if path in ("py", "both"):
        k = k + py_conductor(dev, m).K
    return k


def node_currents(dev: Device, voltages: ArrayLike, m: df.Field | None = None,
                  path: str | None = None) -> np.ndarray:
    """Currents ``y = K V`` (A) into the device through each node.

    Parameters
    ----------
    dev : Device
        The device.
    voltages : array_like
        Length-N pad voltages (V).
    m : df.Field, optional
        Magnetisation; needed for ``"py"`` and ``"both"``.
    path : str, optional
        Default ``dev.current_path``.

    Returns
    -------
    numpy.ndarray
        ``(N,)`` currents (A), summing to zero.

    Examples
    --------
    >>> import discretisedfield as df, ubhop
    >>> from ubhop.py_current import node_currents
    >>> dev = ubhop.Device.square4(size=200e-9, cell=(10e-9, 10e-9, None))
    >>> m = df.Field(dev.mesh, nvdim=3, value=(1, 0, 0))
    >>> y = node_currents(dev, [1e-3, 1e-3, -1e-3, -1e-3], m, path="py")
    >>> bool(abs(y.sum()) < 1e-12 * abs(y).max())
    True
    """
    v = check_voltages(dev, voltages)
    return terminal_matrix(dev, m, path) @ v


def py_sheet_current(dev: Device, m: df.Field, voltages: ArrayLike) -> np.ndarray:
    """Sheet current (A/m) of each Py layer, ``K_l = -sigma_l(m) dz grad phi``.

    The potential ``phi`` is that of the whole film's (layer-summed) AMR
    sheet (``ubhop.amr.py_conductor``); each layer carries it with its own
    conductivity tensor, so the layers' currents add to the film's.

    Parameters
    ----------
    dev : Device
        The device.
    m : df.Field
        Magnetisation on ``dev.mesh``.
    voltages : array_like
        Length-N pad voltages (V).

    Returns
    -------
    numpy.ndarray
        ``(nx, ny, nz, 2)`` (A/m) at cell centres; zero inside pads (the
        vertical current that feeds a pad is not modelled).
    """
    v = check_voltages(dev, voltages)
    mu = check_magnetisation(dev, m)
    grad = py_conductor(dev, m).cell_gradient(v)
    out = np.empty(tuple(dev.n) + (2,))
    for layer in range(dev.n[2]):
        sigma = sheet_conductance(mu[:, :, layer:layer + 1], dev.py, dev.cell[2])
        out[:, :, layer] = -np.einsum("xyab,xyb->xya", sigma, grad)
    return out


def _py_heights(dev, z_points):
    if not isinstance(z_points, int) or z_points < 2 or z_points % 2:
        raise ValueError(f"z_points must be an even int >= 2 (no point on the "
                         f"source layer's mid-plane), got {z_points!r}.")
    xi, w = np.polynomial.legendre.leggauss(z_points)
    dz, nz = dev.cell[2], dev.n[2]
    centres = (np.arange(nz) + 0.5) * dz
    out = []
    for src in range(nz):
        zs = centres[src] + 0.5 * dz * xi
        out.append(tuple(tuple(float(z - zc) for z in zs) for zc in centres))
    return out, tuple(0.5 * w)


def py_field(dev: Device, m: df.Field, voltages: ArrayLike,
             z_points: int = 8) -> np.ndarray:
    """Oersted field ``(nx, ny, nz, 3)`` (A/m) of the Py current, at the Py layers.

    Biot-Savart from each layer's sheet current (``py_sheet_current``), spread
    uniformly over that layer's thickness (``z_points`` Gauss-Legendre points),
    to the centre of every layer, with the exact rectangle kernel of
    ``ubhop.oersted``.

    Parameters
    ----------
    dev : Device
        The device.
    m : df.Field
        Magnetisation on ``dev.mesh``.
    voltages : array_like
        Length-N pad voltages (V).
    z_points : int
        Even number of points across a layer (default 8); a layer's own
        in-plane field at its mid-plane cancels exactly between them.

    Returns
    -------
    numpy.ndarray
        ``(nx, ny, nz, 3)`` (A/m).
    """
    sheets = py_sheet_current(dev, m, voltages)
    heights, weights = _py_heights(dev, z_points)
    h = np.zeros(tuple(dev.n) + (3,))
    for src, hs in enumerate(heights):
        h += field_at_heights(sheets[:, :, src], dev, tuple(hs), weights)
    return h


def training_field(dev: Device, voltages: ArrayLike, m: df.Field | None = None,
                   path: str | None = None, au_layers: int = 3,
                   z_points: int = 8) -> df.Field:
    """Oersted field (A/m) of the training current for the device's current path.

    Parameters
    ----------
    dev : Device
        The device.
    voltages : array_like
        Length-N pad voltages (V).
    m : df.Field, optional
        Magnetisation; needed for ``"py"`` and ``"both"`` (the Py current
        depends on it through AMR).
    path : str, optional
        Default ``dev.current_path``.
    au_layers, z_points : int
        Points across the Au (``ubhop.oersted_field``) and across each Py layer
        (``py_field``).

    Returns
    -------
    df.Field
        ``H`` on ``dev.mesh``: the Au current's field (``"au"``), the Py
        current's (``"py"``) or their sum (``"both"``).
    """
    path = current_path(dev, path)
    _needs_m(path, m)
    h = np.zeros(tuple(dev.n) + (3,))
    if path in ("au", "both"):
        h += oersted_field(dev, voltages, au_layers=au_layers).array
    if path in ("py", "both"):
        h += py_field(dev, m, voltages, z_points=z_points)
    return df.Field(dev.mesh, nvdim=3, value=h, vdims=["x", "y", "z"])
