"""Binary patterns (+1/-1 per node) and the pad voltages they become."""

from __future__ import annotations

import numpy as np


def as_pattern(pattern, n_nodes: int | None = None) -> np.ndarray:
    """Return a pattern as an int array of +1/-1 after checking it.

    Parameters
    ----------
    pattern : str or array_like
        ``"++--"`` (one ``+`` or ``-`` per node) or a sequence of +1/-1.
    n_nodes : int, optional
        Required length.

    Raises
    ------
    ValueError
        If a value is not +1/-1 or the length is wrong.

    Examples
    --------
    >>> import ubhop
    >>> ubhop.as_pattern("+-+-").tolist()
    [1, -1, 1, -1]
    """
    if isinstance(pattern, str):
        bad = sorted(set(pattern) - {"+", "-"})
        if bad:
            raise ValueError(
                f"A pattern string may hold only '+' and '-', got {bad} in "
                f"{pattern!r}."
            )
        arr = np.array([1 if c == "+" else -1 for c in pattern])
    else:
        try:
            raw = np.asarray(pattern, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(
                f"A pattern must be a string of '+'/'-' or a sequence of +1/-1, "
                f"got {pattern!r}."
            ) from None
        if raw.ndim != 1 or not np.isin(raw, (-1.0, 1.0)).all():
            raise ValueError(
                f"A pattern must be a 1-d sequence of values +1 or -1 only, got "
                f"{pattern!r}."
            )
        arr = raw.astype(int)
    if n_nodes is not None and arr.size != n_nodes:
        raise ValueError(
            f"The pattern has {arr.size} values but the device has {n_nodes} nodes."
        )
    return arr


def pattern_string(pattern) -> str:
    """``[1, 1, -1, -1]`` -> ``"++--"``."""
    return "".join("+" if v > 0 else "-" for v in as_pattern(pattern))


def training_voltages(pattern, v0: float, n_nodes: int | None = None) -> np.ndarray:
    """Pad voltages ``V0 * pattern`` (V) for a training pulse.

    Raises
    ------
    ValueError
        If ``v0`` is not > 0, or the pattern is uniform (all pads at one
        potential: no current flows, so there is no field to train with).
    """
    p = as_pattern(pattern, n_nodes)
    if not (np.isfinite(v0) and v0 > 0):
        raise ValueError(f"The pulse voltage V0 must be > 0 V, got {v0!r}.")
    if np.all(p == p[0]):
        raise ValueError(
            f"The pattern {pattern_string(p)!r} has all values equal: every pad "
            f"is at the same potential, no current flows and there is no "
            f"Oersted field to train with. Use a pattern with both signs."
        )
    return v0 * p.astype(float)


def pair_products(voltages) -> np.ndarray:
    """``V_i V_j`` (V^2) as an ``(N, N)`` matrix with a zero diagonal."""
    v = np.asarray(voltages, dtype=float)
    out = np.outer(v, v)
    np.fill_diagonal(out, 0.0)
    return out
