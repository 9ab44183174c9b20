"""The saturated response: textures parallel to a pattern's Oersted field.

A strong enough pulse turns the magnetisation of the film along the in-plane
Oersted field of its pattern. If the film kept that texture, the device's
conductances would be those of ``aligned_texture``: the best a film can store
of the pattern, with no pinning, ringing or sample-specific texture in the way.
These conductances separate what the AMR read-out of a layout can hold from
what a simulated film keeps after relaxing: `aligned_conductances` of the
seven patterns, through ``ubhop.weights.calibrate_patterns``, tell whether
the layout's read-out can make each pattern a Hopfield energy minimum at all.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import discretisedfield as df
import numpy as np

from ..amr import conductance_matrix
from ..oersted import oersted_field
from ..patterns import training_voltages

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from ..device import Device


def aligned_texture(dev: Device, pattern: str | ArrayLike) -> df.Field:
    """Unit magnetisation along the in-plane Oersted field of ``pattern``.

    Parameters
    ----------
    dev : Device
        The device.
    pattern : str or array_like
        The pattern (+1/-1 per node, not uniform: a uniform pattern drives no
        current).

    Returns
    -------
    discretisedfield.Field
        ``m`` (dimensionless, unit length) on ``dev.mesh``. A cell where the
        in-plane field vanishes (below 1e-9 of its largest value, e.g. at the
        centre of a quadrupolar pattern) gets ``m`` along ``x``.
    """
    v = training_voltages(pattern, 1.0, dev.n_nodes)
    h = oersted_field(dev, v).array.copy()
    h[..., 2] = 0.0
    norm = np.linalg.norm(h, axis=-1, keepdims=True)
    small = norm[..., 0] <= 1e-9 * norm.max()
    h[small] = (1.0, 0.0, 0.0)
    norm[small] = 1.0
    return df.Field(dev.mesh, nvdim=3, value=h / norm)


def aligned_conductances(dev: Device, patterns: ArrayLike) -> np.ndarray:
    """Conductance matrices (S) of ``aligned_texture`` for each pattern.

    Parameters
    ----------
    dev : Device
        The device.
    patterns : array_like
        ``(P, N)`` patterns of +1/-1 (or strings such as ``"++--"``).

    Returns
    -------
    numpy.ndarray
        ``(P, N, N)`` conductance matrices (S).
    """
    return np.array([conductance_matrix(dev, aligned_texture(dev, p))
                     for p in patterns])
