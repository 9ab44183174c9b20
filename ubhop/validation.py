"""Checks of user input that fail early with a message naming the problem."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discretisedfield as df
import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from .device import Device


def check_voltages(dev: Device, voltages: ArrayLike) -> np.ndarray:
    """Return ``voltages`` as a float array after checking length and values.

    Raises
    ------
    ValueError
        If the length is not ``dev.n_nodes`` or a value is NaN or infinite.
    """
    try:
        v = np.asarray(voltages, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(
            f"voltages must be a sequence of {dev.n_nodes} numbers (V), got "
            f"{voltages!r}."
        ) from None
    if v.shape != (dev.n_nodes,):
        raise ValueError(
            f"voltages must have one value per node: expected length "
            f"{dev.n_nodes}, got shape {v.shape}."
        )
    if not np.isfinite(v).all():
        bad = np.flatnonzero(~np.isfinite(v)).tolist()
        raise ValueError(f"voltages must be finite; nodes {bad} are NaN or inf.")
    return v


def same_mesh(a: df.Mesh, b: df.Mesh) -> bool:
    """Whether two meshes have the same cells and region (to 1e-15 m / 1e-9)."""
    return (tuple(a.n) == tuple(b.n)
            and np.allclose(a.region.pmin, b.region.pmin, rtol=0, atol=1e-15)
            and np.allclose(a.region.pmax, b.region.pmax, rtol=1e-9, atol=0))


def check_magnetisation(dev: Device, m: df.Field) -> np.ndarray:
    """Unit magnetisation array ``(nx, ny, nz, 3)`` from a ``df.Field`` on the film.

    ``m`` may be normalised or carry Ms as its norm; it is normalised here.

    Raises
    ------
    TypeError
        If ``m`` is not a 3-component ``df.Field``.
    ValueError
        If ``m`` lives on another mesh, holds NaN, or has zero norm in a Py cell.
    """
    if not isinstance(m, df.Field) or m.nvdim != 3:
        raise TypeError(
            f"m must be a discretisedfield.Field with nvdim=3 on dev.mesh, got "
            f"{type(m).__name__}."
        )
    if not same_mesh(m.mesh, dev.mesh):
        raise ValueError(
            f"m is defined on another mesh (n={tuple(m.mesh.n)}, region "
            f"{m.mesh.region.pmin}..{m.mesh.region.pmax}) than the device "
            f"(n={tuple(dev.mesh.n)}, region {dev.mesh.region.pmin}.."
            f"{dev.mesh.region.pmax}); resample it onto dev.mesh first."
        )
    arr = np.asarray(m.array, dtype=float)
    if not np.isfinite(arr).all():
        raise ValueError(
            f"m holds NaN or infinite values in "
            f"{int((~np.isfinite(arr)).any(axis=-1).sum())} cells."
        )
    norm = np.linalg.norm(arr, axis=-1)
    zero = norm <= 1e-12 * max(norm.max(), 1e-300)
    if zero.any():
        raise ValueError(
            f"m has zero norm in {int(zero.sum())} cells of the Py film; m must be "
            f"nonzero wherever there is Py."
        )
    return arr / norm[..., None]
