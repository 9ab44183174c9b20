"""Binary patterns (+1/-1 per node) and the pad voltages they become."""

from __future__ import annotations

import numpy as np


def check_states(states, n_nodes: int | None = None, *,
                 what: str = "pattern") -> np.ndarray:
    """Check values of +1/-1 and return them as int8, keeping the shape.

    The one validator of patterns and Hopfield states: ``as_pattern``,
    ``as_patterns``, the Hopfield layer, the rules and the experiments all
    check through it.

    Parameters
    ----------
    states : str, sequence of str or array_like
        ``"++--"`` (one ``+`` or ``-`` per node), a sequence of such strings
        (a batch), or a 1-d ``(N,)`` or 2-d ``(B, N)`` array of +1/-1.
    n_nodes : int, optional
        Required number of values per state (the last axis).
    what : str
        What the values are, for the error message (``"pattern"``,
        ``"state"``).

    Returns
    -------
    numpy.ndarray
        int8, ``(N,)`` or ``(B, N)``.

    Raises
    ------
    ValueError
        For a value other than +1/-1, a character other than ``+``/``-``, an
        empty or ragged input, more than two dimensions, or the wrong length.

    Examples
    --------
    >>> from ubhop.patterns import check_states
    >>> check_states(["++--", "+-+-"]).tolist()
    [[1, 1, -1, -1], [1, -1, 1, -1]]
    """
    if isinstance(states, str) or (
            isinstance(states, list | tuple) and states
            and all(isinstance(v, str) for v in states)):
        strings = [states] if isinstance(states, str) else list(states)
        for text in strings:
            bad = sorted(set(text) - {"+", "-"})
            if bad or not text:
                raise ValueError(
                    f"A {what} string may hold only '+' and '-' (one per node), "
                    f"got {bad or 'an empty string'} in {text!r}.")
        if len({len(t) for t in strings}) != 1:
            raise ValueError(f"The {what} strings differ in length: {strings!r}.")
        arr = np.array([[1 if c == "+" else -1 for c in t] for t in strings])
        arr = arr[0] if isinstance(states, str) else arr
    else:
        try:
            arr = np.asarray(states, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(
                f"A {what} must be a string of '+'/'-' or a sequence of +1/-1, "
                f"got {states!r}.") from None
        if arr.ndim not in (1, 2) or arr.size == 0:
            raise ValueError(f"A {what} must be 1-d (N,) or a batch (B, N) of "
                             f"+1/-1, got shape {arr.shape}.")
        if not np.isin(arr, (-1.0, 1.0)).all():
            raise ValueError(f"A {what} must hold values +1 or -1 only, got "
                             f"{states!r}.")
    if n_nodes is not None and arr.shape[-1] != n_nodes:
        raise ValueError(f"The {what} has {arr.shape[-1]} values; expected "
                         f"{n_nodes} values, one per node.")
    return arr.astype(np.int8)


def as_pattern(pattern, n_nodes: int | None = None) -> np.ndarray:
    """Return one pattern as an int array of +1/-1 after checking it.

    Parameters
    ----------
    pattern : str or array_like
        ``"++--"`` (one ``+`` or ``-`` per node) or a sequence of +1/-1.
    n_nodes : int, optional
        Required length.

    Raises
    ------
    ValueError
        If a value is not +1/-1, the length is wrong, or more than one
        pattern is given.

    Examples
    --------
    >>> import ubhop
    >>> ubhop.as_pattern("+-+-").tolist()
    [1, -1, 1, -1]
    """
    arr = check_states(pattern, n_nodes)
    if arr.ndim != 1:
        raise ValueError(f"A pattern must be 1-d (one value per node), got shape "
                         f"{arr.shape}.")
    return arr.astype(int)


def as_patterns(patterns, n_nodes: int | None = None) -> np.ndarray:
    """Return a pattern set as a ``(P, N)`` int8 array of +1/-1.

    Parameters
    ----------
    patterns : str, sequence of str or array_like
        One pattern or several (strings or rows of +1/-1).
    n_nodes : int, optional
        Required number of nodes.

    Examples
    --------
    >>> from ubhop.patterns import as_patterns
    >>> as_patterns("+-").tolist()
    [[1, -1]]
    """
    return np.atleast_2d(check_states(patterns, n_nodes))


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
