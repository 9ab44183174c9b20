"""Checks of user input that fail early with a message naming the problem."""

from __future__ import annotations

import math
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
    magnet = dev.magnet_mask()
    if magnet is not None:
        # a patterned film: m is zero (or anything) where there is no material
        zero &= magnet
    if zero.any():
        raise ValueError(
            f"m has zero norm in {int(zero.sum())} cells of the magnetic film; m "
            f"must be nonzero wherever there is material."
        )
    unit = arr / np.where(norm > 0, norm, 1.0)[..., None]
    return unit if magnet is None else unit * magnet[..., None]


def _is_real(value) -> bool:
    return (isinstance(value, int | float | np.integer | np.floating)
            and not isinstance(value, bool | np.bool_))


def check_number(value, name: str, *, low: float | None = None,
                 high: float | None = None, low_inclusive: bool = False,
                 high_inclusive: bool = True, unit: str = "") -> float:
    """Return ``value`` as a float after checking it is a finite real in range.

    Parameters
    ----------
    value
        The input (a string such as ``"1e-8"`` is refused, not converted).
    name : str
        The argument or key, for the message (e.g. ``"training.peak_field"``).
    low, high : float, optional
        Bounds; ``low`` excluded and ``high`` included unless said otherwise.
    low_inclusive, high_inclusive : bool
        Whether the bounds are allowed values.
    unit : str
        Unit of the bounds, for the message (e.g. ``"T"``).

    Raises
    ------
    ValueError
        Naming ``name``, the value and the allowed range.

    Examples
    --------
    >>> from ubhop.validation import check_number
    >>> check_number(0.02, "peak_field", low=0, high=1, unit="T")
    0.02
    """
    u = f" {unit}" if unit else ""
    lo_text = "" if low is None else f"{'>=' if low_inclusive else '>'} {low:g}{u}"
    hi_text = "" if high is None else f"{'<=' if high_inclusive else '<'} {high:g}{u}"
    allowed = " and ".join(t for t in (lo_text, hi_text) if t)
    what = f"a finite number{' ' + allowed if allowed else ''}"
    if not _is_real(value) or not math.isfinite(value):
        hint = " (a string, not a number)" if isinstance(value, str) else ""
        raise ValueError(f"{name} must be {what}, got {value!r}{hint}.")
    v = float(value)
    if low is not None and (v < low or (v == low and not low_inclusive)):
        raise ValueError(f"{name} must be {what}, got {value!r}.")
    if high is not None and (v > high or (v == high and not high_inclusive)):
        raise ValueError(f"{name} must be {what}, got {value!r}.")
    return v


def check_int(value, name: str, *, minimum: int | None = None,
              maximum: int | None = None) -> int:
    """Return ``value`` as an int after checking it is a whole number in range.

    A float such as ``2.7`` (or ``2.0``) and a bool are refused: a count is
    never silently truncated.

    Raises
    ------
    ValueError
        Naming ``name``, the value and the allowed range.
    """
    rng = " and ".join(t for t in (
        None if minimum is None else f">= {minimum}",
        None if maximum is None else f"<= {maximum}") if t)
    what = f"an integer{' ' + rng if rng else ''}"
    if (not isinstance(value, int | np.integer) or isinstance(value, bool | np.bool_)
            or (minimum is not None and value < minimum)
            or (maximum is not None and value > maximum)):
        raise ValueError(f"{name} must be {what}, got {value!r}.")
    return int(value)


def check_keys(data, known, section: str) -> dict:
    """Check that a TOML section is a table without unknown keys.

    Raises
    ------
    ValueError
        Naming the section, the unknown keys and the allowed ones.
    """
    if not isinstance(data, dict):
        raise ValueError(f"[{section}] must be a table of keys, got {data!r}.")
    unknown = set(data) - set(known)
    if unknown:
        raise ValueError(f"Unknown keys in [{section}]: {sorted(unknown)}; allowed: "
                         f"{sorted(known)}.")
    return data


def require_keys(data: dict, required, section: str) -> None:
    """Check that a TOML section holds the keys it needs."""
    missing = [k for k in required if k not in data]
    if missing:
        raise ValueError(f"[{section}] needs the key(s) {missing}; got "
                         f"{sorted(data)}.")


def build(cls, data, section: str):
    """``cls(**data)`` for a dataclass, with the keys checked first.

    Unknown keys and wrong types give a ``ValueError`` naming the section
    instead of a ``TypeError`` traceback.
    """
    import dataclasses

    check_keys(data, {f.name for f in dataclasses.fields(cls)}, section)
    try:
        return cls(**data)
    except TypeError as exc:
        raise ValueError(f"[{section}]: {exc}") from None
