"""Switching thresholds: the lasting change of one pulse, and its bisection.

A pulse "switches" a film when the conductances it leaves after relaxing
differ from the start's by more than a tolerance. ``bisect_threshold`` finds
the peak field at which that first happens, assuming one crossing; the
experiments (``ubhop.experiments.ensemble.switching_threshold``) and the
reference problems (``ubhop.reference``) both use it.
"""

from __future__ import annotations

import numpy as np


def lasting_change(g_hist) -> float:
    """``max |G(1) - G(0)| / G(0)`` over the off-diagonal pairs of a history.

    Parameters
    ----------
    g_hist : array_like
        ``(T + 1, N, N)`` conductances (S); steps 0 and 1 are used.
    """
    g = np.asarray(g_hist, dtype=float)
    off = ~np.eye(g.shape[-1], dtype=bool)
    return float(np.abs((g[1] - g[0])[off] / g[0][off]).max())


def bisect_threshold(changes, lo: float, hi: float, steps: int, tol: float):
    """Bisect the field at which ``changes(peak)`` first exceeds ``tol``.

    Assumes one crossing in ``[lo, hi]`` (a pulse that switches at some field
    switches at every larger one); the returned bracket is then
    ``(hi - lo) / 2**steps`` wide.

    Parameters
    ----------
    changes : callable
        ``changes(peak)`` -> the lasting change (dimensionless) of one pulse.
    lo, hi : float
        Starting bracket (T), ``0 < lo < hi``.
    steps : int
        Bisection steps, >= 0.
    tol : float
        Change above which a pulse switches, > 0.

    Returns
    -------
    lo, hi : float
    probes : list of (float, float)

    Raises
    ------
    ValueError
        If ``lo`` already switches or ``hi`` does not: no bracket.
    """
    if not (0 < lo < hi and np.isfinite(hi)):
        raise ValueError(f"The bracket must satisfy 0 < lo < hi (T), got lo={lo!r}, "
                         f"hi={hi!r}.")
    if not (isinstance(steps, int) and steps >= 0):
        raise ValueError(f"steps must be an int >= 0, got {steps!r}.")
    if not (tol > 0 and np.isfinite(tol)):
        raise ValueError(f"tol must be a finite number > 0, got {tol!r}.")
    probes = []

    def switches(peak):
        c = float(changes(peak))
        probes.append((float(peak), c))
        return c > tol

    if switches(lo):
        raise ValueError(f"One pulse at lo = {lo * 1e3:g} mT already changes G by "
                         f"{probes[-1][1]:.3g} > tol = {tol:g}: lower lo.")
    if not switches(hi):
        raise ValueError(f"One pulse at hi = {hi * 1e3:g} mT changes G by only "
                         f"{probes[-1][1]:.3g} <= tol = {tol:g}: raise hi.")
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if switches(mid) else (mid, hi)
    return lo, hi, probes
