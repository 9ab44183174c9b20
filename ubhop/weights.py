"""The calibrated map from conductances to Hopfield weights.

``W = s (G - G_ref) / G_scale`` with a zero diagonal. The sign ``s`` says
whether a pulse pattern raises (+1) or lowers (-1) ``G_ij`` where
``V_i V_j > 0``; it is measured from a training history, never assumed. So is
the reference ``G_ref``: per pair, the ``G_avg`` of eq. (1) where the history
determines it, else the conductance before training.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import xarray as xr

    from .learning import LearningFit


@dataclasses.dataclass
class WeightMap:
    """``W = sign (G - g_ref) / g_scale``, zero diagonal.

    Attributes
    ----------
    sign : int
        +1 (Hebbian in G) or -1 (anti-Hebbian in G).
    g_ref : numpy.ndarray
        ``(N, N)`` reference conductances (S).
    g_scale : float
        Conductance scale (S) that makes the weights of order one.
    evidence : dict
        How the sign was found: the correlation of the first pulse's change in
        ``G_ij`` with ``V_i V_j`` over all pairs and segments, and the counts.
    """

    sign: int
    g_ref: np.ndarray
    g_scale: float
    evidence: dict

    def weights(self, g) -> np.ndarray:
        """Hopfield weights (dimensionless) from a conductance matrix (S)."""
        w = self.sign * (np.asarray(g, dtype=float) - self.g_ref) / self.g_scale
        np.fill_diagonal(w, 0.0)
        return 0.5 * (w + w.T)


def calibrate(hist: xr.Dataset, fit: LearningFit | None = None) -> WeightMap:
    """Derive the weight map from a training history.

    Parameters
    ----------
    hist : xarray.Dataset
        A training history (``ubhop.train``): ``G`` (step, i, j), ``voltage``
        (step, node), ``segment`` (step).
    fit : LearningFit, optional
        Fit of eq. (1) to the same history; its ``G_avg`` is used as the
        reference where identifiable.

    Returns
    -------
    WeightMap

    Raises
    ------
    ValueError
        If the history shows no pulse-driven change at all (the sign is
        undetermined).
    """
    g = hist.G.values
    v = hist.voltage.values
    seg = hist.segment.values
    n = g.shape[1]
    off = ~np.eye(n, dtype=bool)
    # first pulse of each segment: the change it makes against V_i V_j
    firsts = [t for t in range(1, len(seg)) if seg[t] != seg[t - 1]]
    d, p = [], []
    for t in firsts:
        d.append((g[t] - g[t - 1])[off])
        p.append(np.outer(v[t], v[t])[off])
    d, p = np.concatenate(d), np.concatenate(p)
    if not np.any(d) or np.std(d) == 0:
        raise ValueError(
            "The history shows no change of G under the pulses: the sign of the "
            "weight map cannot be determined."
        )
    corr = float(np.corrcoef(d, p)[0, 1])
    agree = float(np.mean(np.sign(d) == np.sign(p)))
    sign = 1 if corr > 0 else -1
    g_ref = g[0].copy()
    if fit is not None:
        _, _, g_avg = fit.parameters()
        ok = np.isfinite(g_avg)
        for pf in fit.pairs:
            if pf.identifiable and ok[pf.pair]:
                g_ref[pf.pair] = g_ref[pf.pair[::-1]] = g_avg[pf.pair]
    dev = np.abs(g[1:] - g_ref)[:, off]
    g_scale = float(dev.mean()) if dev.size and dev.mean() > 0 else 1.0
    return WeightMap(sign=sign, g_ref=g_ref, g_scale=g_scale,
                     evidence={"correlation": corr, "sign_agreement": agree,
                               "segments": len(firsts), "pairs": int(off.sum() // 2)})


def calibrate_patterns(conductances, patterns, holdout: int | None = None) -> WeightMap:
    """Derive the weight map from the trained states of several patterns.

    Eq. (1) has, for a fixed pattern ``v``, the fixed point
    ``G_ij = G_avg_ij + v_i v_j / (2 alpha_ij)``: per pair, the trained
    conductance is a straight line in ``v_i v_j`` whose intercept is the
    device's ``G_avg`` and whose slope gives the sign of the map. With one
    pattern the two cannot be told apart; with several (the seven patterns of
    Fig. 3) they can. Per pair, this fits ``G_ij(p) = a_ij + c_ij v_i(p) v_j(p)``
    over the patterns ``p`` by least squares and returns
    ``W = s (G - a) / G_scale`` with ``s`` the sign of the summed slopes.

    The intercept removes what every pattern does to ``G_ij`` alike (with an
    AMR read-out, the pulses raise most conductances, whatever the pattern).
    Left in, such a common part adds ``-c/2 ((sum_i s_i)^2 - N)`` to the energy
    of a state ``s`` and so favours or penalises the unbalanced states
    whatever was trained.

    Parameters
    ----------
    conductances : array_like
        ``(P, N, N)`` conductance matrices (S) of the trained states, one per
        pattern.
    patterns : array_like
        ``(P, N)`` training patterns of +1/-1, in the same order.
    holdout : int, optional
        Leave pattern ``holdout`` out of the fit (cross-validation: the map
        used for that pattern's weights is then calibrated without it).

    Returns
    -------
    WeightMap
        ``g_ref`` is the fitted ``G_avg`` (S). ``evidence`` holds the per-pair
        slopes ``c_ij`` (S), the per-pair ``r2`` of the line, the fraction of
        pairs whose slope has the sign ``s`` (``sign_agreement``), the number
        of ``patterns`` fitted and ``reference = "patterns"``.

    Raises
    ------
    ValueError
        On shapes that do not match, patterns not of +1/-1, fewer than two
        values of ``v_i v_j`` on some pair among the fitted patterns (named),
        or slopes that sum to zero (to 1e-12 of the largest conductance).
    """
    from .learning import r_squared
    from .patterns import as_pattern

    g = np.asarray(conductances, dtype=float)
    if g.ndim != 3 or g.shape[1] != g.shape[2]:
        raise ValueError(f"conductances must be (P, N, N), got shape {g.shape}.")
    n = g.shape[1]
    v = np.array([as_pattern(p, n) for p in patterns], dtype=float)
    if v.shape[0] != g.shape[0]:
        raise ValueError(f"{g.shape[0]} conductance matrices but {v.shape[0]} "
                         "patterns: give one pattern per matrix.")
    keep = np.ones(len(v), dtype=bool)
    if holdout is not None:
        if not 0 <= holdout < len(v):
            raise ValueError(f"holdout must index a pattern (0..{len(v) - 1}), "
                             f"got {holdout!r}.")
        keep[holdout] = False
    g, v = g[keep], v[keep]
    vv = np.einsum("pi,pj->pij", v, v)
    a = np.zeros((n, n))
    c = np.zeros((n, n))
    r2 = np.full((n, n), np.nan)
    for i, j in zip(*np.triu_indices(n, 1), strict=True):
        x, y = vv[:, i, j], g[:, i, j]
        if np.ptp(x) == 0:
            raise ValueError(
                f"Pair ({i}, {j}) has v_i v_j = {x[0]:+.0f} in every fitted pattern: "
                "G_avg and the slope cannot be separated. Give patterns in which "
                "every pair takes both signs.")
        slope, icept = np.polyfit(x, y, 1)
        a[i, j] = a[j, i] = icept
        c[i, j] = c[j, i] = slope
        r2[i, j] = r2[j, i] = r_squared(y, icept + slope * x)
    iu = np.triu_indices(n, 1)
    total = float(np.sum(c[iu]))
    if abs(total) <= 1e-12 * np.abs(g).max():
        raise ValueError("The fitted slopes sum to zero: the trained conductances "
                         "do not depend on the pattern, and the sign of the weight "
                         "map cannot be determined.")
    sign = 1 if total > 0 else -1
    dev = np.abs(g - a)[:, iu[0], iu[1]]
    g_scale = float(dev.mean()) if dev.mean() > 0 else 1.0
    return WeightMap(sign=sign, g_ref=a, g_scale=g_scale,
                     evidence={"reference": "patterns", "slopes": c, "r2": r2,
                               "sign_agreement": float(np.mean(np.sign(c[iu]) == sign)),
                               "patterns": int(len(v)), "pairs": len(iu[0])})
