"""The learning law of the seed's eq. (1) and its fit to training histories.

Eq. (1):  ``G_ij(t) - G_ij(t-1) = eta [V_i V_j - 2 alpha_ij (G_ij(t-1) - G_avg_ij)]``.

For a fixed pattern this is a geometric approach, at rate ``2 eta alpha_ij``
per pulse, to the fixed point ``G*_ij = G_avg_ij + V_i V_j / (2 alpha_ij)``.
Units: G in S, V in V, eta in S/V^2 per pulse, alpha in V^2/S.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
from scipy.optimize import least_squares


def oja_step(g, products, eta, alpha, g_avg):
    """One pulse of eq. (1): ``G + eta (V_i V_j - 2 alpha (G - G_avg))``."""
    return g + eta * (products - 2 * alpha * (g - g_avg))


def oja_trajectory(g0, products, eta, alpha, g_avg):
    """Iterate eq. (1) over a sequence of pulses.

    Parameters
    ----------
    g0 : array_like
        Conductances before the first pulse (S), any shape.
    products : array_like
        ``V_i V_j`` (V^2) per pulse, shape ``(T,) + g0.shape``.
    eta, alpha, g_avg : float or array_like
        Parameters of eq. (1), broadcastable to ``g0``.

    Returns
    -------
    numpy.ndarray
        ``(T + 1,) + g0.shape``, starting with ``g0``.
    """
    out = [np.asarray(g0, dtype=float)]
    for p in np.asarray(products, dtype=float):
        out.append(oja_step(out[-1], p, eta, alpha, g_avg))
    return np.array(out)


class FitWarning(UserWarning):
    """A fit of eq. (1) that cannot test the law (too few pulses)."""


@dataclasses.dataclass
class PairFit:
    """Fit of eq. (1) to one pair's history.

    Attributes
    ----------
    pair : tuple of int
        ``(i, j)``.
    rate, rate_err : float
        Approach rate ``2 eta alpha`` per pulse and its standard error.
    eta, eta_err : float
        ``eta`` (S/V^2) and its standard error; NaN where not identifiable.
    alpha, alpha_err : float
        ``alpha_ij`` (V^2/S) and its standard error; NaN where not identifiable.
    g_avg, g_avg_err : float
        ``G_avg_ij`` (S) and its standard error; NaN where not identifiable.
    r2 : float
        Coefficient of determination of the trajectory fit.
    identifiable : bool
        Whether ``V_i V_j`` took more than one value in the history, so that
        eta, alpha and G_avg are separately determined (with one pattern only
        the rate and the fixed point are).
    fixed_points : dict
        ``{V_i V_j: G*}`` (S) for each product value seen.
    dof : int
        Pulses minus fitted parameters (3 where identifiable, else 2). With
        ``dof <= 0`` eq. (1) passes through every point whatever the data:
        ``r2`` and the uncertainties are then NaN (not a test of the law).
    """

    pair: tuple
    rate: float
    rate_err: float
    eta: float
    eta_err: float
    alpha: float
    alpha_err: float
    g_avg: float
    g_avg_err: float
    r2: float
    identifiable: bool
    fixed_points: dict
    dof: int = 1


def r_squared(y, model) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot`` of ``model`` for ``y``.

    NaN when ``y`` is constant (``SS_tot = 0``): a flat history has no
    variance for a law to explain.
    """
    ss_res = float(((y - model) ** 2).sum())
    ss_tot = float(((y - y.mean()) ** 2).sum())
    return 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")


def _cov(res):
    j = res.jac
    dof = max(1, res.fun.size - j.shape[1])
    s2 = float((res.fun**2).sum()) / dof
    try:
        return np.linalg.inv(j.T @ j) * s2
    except np.linalg.LinAlgError:
        return np.full((j.shape[1], j.shape[1]), np.nan)


def fit_pair(g, products):
    """Fit eq. (1) to one pair: trajectory least squares from the first value.

    Parameters
    ----------
    g : array_like
        ``(T + 1,)`` conductance history (S), before and after each pulse.
    products : array_like
        ``(T,)`` ``V_i V_j`` of each pulse (V^2).

    Returns
    -------
    PairFit
    """
    g = np.asarray(g, dtype=float)
    s = np.asarray(products, dtype=float)
    if g.ndim != 1 or s.shape != (g.size - 1,):
        raise ValueError(
            f"Need T+1 conductances and T products, got {g.shape} and {s.shape}."
        )
    scale_g = max(np.abs(np.diff(g)).max(), 1e-30 * max(abs(g[0]), 1e-300))
    scale_s = np.abs(s).max()
    if scale_s == 0:
        raise ValueError("All V_i V_j are zero: there is nothing to fit.")
    values = np.unique(s)
    # dimensionless variables: x = (G - G0) / scale_g, p = s / scale_s
    x = (g - g[0]) / scale_g
    p = s / scale_s
    identifiable = values.size > 1
    if identifiable:
        # x_t = x_{t-1} + a p_t - b (x_{t-1} - c)
        def model(theta):
            a, b, c = theta
            out = [0.0]
            for pt in p:
                out.append(out[-1] + a * pt - b * (out[-1] - c))
            return np.array(out)
        guess = _guess(x, p, identifiable=True)
    else:
        # x_t = x_{t-1} - b (x_{t-1} - x*)
        def model(theta):
            b, xs = theta
            out = [0.0]
            for _ in p:
                out.append(out[-1] - b * (out[-1] - xs))
            return np.array(out)
        guess = _guess(x, p, identifiable=False)
    res = least_squares(lambda th: model(th) - x, guess, method="lm", x_scale="jac")
    dof = p.size - guess.size
    cov = _cov(res) if dof > 0 else np.full((guess.size, guess.size), np.nan)
    r2 = r_squared(x, model(res.x)) if dof > 0 else float("nan")
    if identifiable:
        a, b, c = res.x
        eta = a * scale_g / scale_s
        alpha = b / (2 * eta)
        g_avg = g[0] + c * scale_g
        # delta method for alpha = b / (2 a) in scaled units
        ja = np.array([-b / (2 * a * a), 1 / (2 * a), 0.0])
        alpha_err = float(np.sqrt(ja @ cov @ ja)) * scale_s / scale_g
        fixed = {float(v): float(g_avg + v / (2 * alpha)) for v in values}
        return PairFit(
            pair=(), rate=float(b), rate_err=float(np.sqrt(cov[1, 1])),
            eta=float(eta), eta_err=float(np.sqrt(cov[0, 0]) * scale_g / scale_s),
            alpha=float(alpha), alpha_err=alpha_err, g_avg=float(g_avg),
            g_avg_err=float(np.sqrt(cov[2, 2]) * scale_g), r2=r2,
            identifiable=True, fixed_points=fixed, dof=int(dof),
        )
    b, xs = res.x
    nan = float("nan")
    return PairFit(
        pair=(), rate=float(b), rate_err=float(np.sqrt(cov[0, 0])), eta=nan,
        eta_err=nan, alpha=nan, alpha_err=nan, g_avg=nan, g_avg_err=nan, r2=r2,
        identifiable=False, fixed_points={float(values[0]): float(g[0] + xs * scale_g)},
        dof=int(dof),
    )


def _guess(x, p, identifiable):
    """Initial values from the one-step regression dx = a p - b x + b c."""
    dx = np.diff(x)
    prev = x[:-1]
    if identifiable:
        design = np.stack([p, -prev, np.ones_like(prev)], axis=1)
        coef, *_ = np.linalg.lstsq(design, dx, rcond=None)
        a, b, bc = coef
        b = b if 0 < b < 2 else 0.5
        return np.array([a if a != 0 else 1.0, b, bc / b])
    design = np.stack([-prev, np.ones_like(prev)], axis=1)
    coef, *_ = np.linalg.lstsq(design, dx, rcond=None)
    b, bxs = coef
    b = b if 0 < b < 2 else 0.5
    return np.array([b, bxs / b])


@dataclasses.dataclass
class LearningFit:
    """Fit of eq. (1) to all pairs of a training history.

    Attributes
    ----------
    pairs : list of PairFit
        One per pair ``i < j``.
    eta : float
        The common eta (S/V^2): the inverse-variance weighted mean over the
        identifiable pairs; NaN if none is.
    """

    pairs: list
    eta: float
    eta_err: float

    def matrix(self, name):
        """An ``(N, N)`` symmetric matrix of a per-pair attribute (NaN diagonal)."""
        n = 1 + max(p.pair[1] for p in self.pairs)
        out = np.full((n, n), np.nan)
        for p in self.pairs:
            out[p.pair] = out[p.pair[::-1]] = getattr(p, name)
        return out

    def theory(self, g0, products):
        """Eq. (1) trajectories from the fitted parameters, ``(T + 1, N, N)``.

        Pairs whose eta, alpha and G_avg are not identifiable use the common
        eta, with alpha and G_avg from their rate and fixed point.
        """
        eta, alpha, g_avg = self.parameters()
        traj = oja_trajectory(g0, products, eta, alpha, g_avg)
        n = traj.shape[1]
        traj[:, np.arange(n), np.arange(n)] = np.nan
        return traj

    def parameters(self):
        """``(eta, alpha, g_avg)`` matrices (S/V^2, V^2/S, S) for eq. (1)."""
        n = 1 + max(p.pair[1] for p in self.pairs)
        eta = np.full((n, n), np.nan)
        alpha, g_avg = eta.copy(), eta.copy()
        for p in self.pairs:
            if p.identifiable:
                e, a, g = p.eta, p.alpha, p.g_avg
            else:
                e = self.eta
                a = p.rate / (2 * e) if np.isfinite(e) else np.nan
                (v, gstar), = p.fixed_points.items()
                g = gstar - v / (2 * a) if np.isfinite(a) else gstar
                if not np.isfinite(e):
                    # no common eta: keep the fixed point and the rate exactly
                    e, a, g = p.rate, 0.5, gstar
            for arr, val in ((eta, e), (alpha, a), (g_avg, g)):
                arr[p.pair] = arr[p.pair[::-1]] = val
        return eta, alpha, g_avg

    def min_r2(self):
        """The smallest R^2 over the pairs; NaN if a pair's fit is not a test.

        A fit with no more pulses than parameters (``PairFit.dof <= 0``) has
        no R^2, and then neither has the history.
        """
        r2 = [p.r2 for p in self.pairs]
        return float("nan") if np.isnan(r2).any() else float(min(r2))


def fit_learning_law(g_hist, products) -> LearningFit:
    """Fit eq. (1) to every pair of a training history.

    Parameters
    ----------
    g_hist : array_like
        ``(T + 1, N, N)`` conductance matrices (S): before training, then after
        each pulse.
    products : array_like
        ``(T, N, N)`` ``V_i V_j`` (V^2) of each pulse.

    Returns
    -------
    LearningFit

    Examples
    --------
    >>> import numpy as np, ubhop
    >>> v = np.array([1.0, 1.0, -1.0, -1.0])
    >>> prods = np.array([np.outer(v, v)] * 8 + [np.outer(v, -v * [1, -1, 1, -1])] * 8)
    >>> g = ubhop.learning.oja_trajectory(np.full((4, 4), 1e-2), prods, -1e-4, -20.0,
    ...                                   1e-2)
    >>> fit = ubhop.fit_learning_law(g, prods)
    >>> round(fit.eta, 6)
    -0.0001
    """
    g_hist = np.asarray(g_hist, dtype=float)
    products = np.asarray(products, dtype=float)
    t1, n, _ = g_hist.shape
    if products.shape != (t1 - 1, n, n):
        raise ValueError(
            f"products must have shape {(t1 - 1, n, n)} to match g_hist "
            f"{g_hist.shape}, got {products.shape}."
        )
    if t1 < 3:
        raise ValueError(f"Need at least 2 pulses to fit, got {t1 - 1}.")
    fits = []
    for i in range(n):
        for j in range(i + 1, n):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                f = fit_pair(g_hist[:, i, j], products[:, i, j])
            f.pair = (i, j)
            fits.append(f)
    short = [f for f in fits if f.dof <= 0]
    if short:
        warnings.warn(
            f"eq. (1) fitted to {t1 - 1} pulses: {len(short)} of {len(fits)} pairs "
            f"have no more pulses than parameters ({3 if short[0].identifiable else 2}"
            f"), so the fit passes through every point whatever the law; their R^2 "
            f"and uncertainties are NaN. Train more pulses per pattern to test "
            f"eq. (1).", FitWarning, stacklevel=2)
    ident = [f for f in fits if f.identifiable and np.isfinite(f.eta_err)
             and f.eta_err > 0]
    if ident:
        w = np.array([1 / f.eta_err**2 for f in ident])
        e = np.array([f.eta for f in ident])
        eta = float((w * e).sum() / w.sum())
        eta_err = float(1 / np.sqrt(w.sum()))
    else:
        exact = [f.eta for f in fits if f.identifiable]
        eta = float(np.mean(exact)) if exact else float("nan")
        eta_err = float("nan")
    return LearningFit(pairs=fits, eta=eta, eta_err=eta_err)
