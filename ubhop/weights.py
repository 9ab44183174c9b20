"""The calibrated map from conductances to Hopfield weights.

``W = s (G - G_ref) / G_scale`` with a zero diagonal. The sign ``s`` says
whether a pulse pattern raises (+1) or lowers (-1) ``G_ij`` where
``V_i V_j > 0``; it is measured from a training history, never assumed. So is
the reference ``G_ref``: per pair, the ``G_avg`` of eq. (1) where the history
determines it, else the conductance before training.
"""

from __future__ import annotations

import dataclasses

import numpy as np


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


def calibrate(hist, fit=None) -> WeightMap:
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
