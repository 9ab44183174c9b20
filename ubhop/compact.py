"""The compact model: eq. (1) per pair, trained on pattern sequences.

Eq. (1), for every pair ``i != j`` and every pulse ``t`` with pad voltages
``V = V0 x`` (``x`` a pattern of +1/-1)::

    G_ij(t) = G_ij(t-1) + eta_ij [V_i V_j - 2 alpha_ij (G_ij(t-1) - G_avg_ij)]

Write ``D = G - G_avg`` and ``r = 1 - 2 eta alpha`` (per pair). One pulse is the
affine map ``D -> r D + eta V_i V_j``, stable for ``0 < 2 eta alpha < 2``.

Results used by the tests and the accuracy study:

* One pattern, repeated: ``D`` approaches ``V_i V_j / (2 alpha)`` geometrically
  (rate ``2 eta alpha`` per pulse; a rate of 1 is a one-pulse jump).
* Patterns cycled: ``D`` becomes periodic. Summing the pulse map over one
  steady cycle of ``T`` pulses (``D`` after the cycle equals ``D`` before it)
  gives ``0 = eta sum_t [V_i V_j(t) - 2 alpha D(t-1)]``, so the mean of ``D``
  over the states before each pulse of the cycle is exactly
  ``<V_i V_j> / (2 alpha)``, whatever ``eta``. With ``p`` pulses per pattern,
  ``<V_i V_j> = V0^2 / P sum_mu x_i^mu x_j^mu = V0^2 (N / P) W^outer_ij``: the
  cycle-averaged weights are the outer-product (Hebbian) rule when ``alpha`` is
  the same for every pair. The weights at one instant weigh recent patterns
  more (a forgetting, Oja-like rule); the bias vanishes for slow learning,
  ``2 eta alpha P p << 1``, and is total for a one-jump rate of 1 (only the
  last pattern is kept).
* A uniform pattern (every pad at one voltage) drives no current, so no
  Oersted field: its pulses leave ``G`` as it is (eq. (1) describes pulses that
  drive current, and the film's training refuses uniform patterns). The cycle
  averages above are then over the patterns that drive current.

The model is constructed directly (``CompactModel``, ``CompactModel.uniform``)
or from a fit of eq. (1) to an engine's training history
(``CompactModel.from_fit``); ``CompactModel.extend`` carries a calibration of
a small device to more nodes under a stated assumption. Its weight map
``W = s (G - G_ref) / G_scale`` is a ``ubhop.weights.WeightMap`` with
``G_ref = G_avg``, ``s`` the sign of ``alpha`` and ``G_scale = V0^2 / (2 |alpha|)``
(median over the pairs), so that one fully learnt pattern gives ``W = x x^T``
(zero diagonal) for a uniform ``alpha``.
"""

from __future__ import annotations

import numpy as np

from .learning import oja_step
from .patterns import as_patterns
from .weights import WeightMap

RECORDS = ("pulse", "pattern", "cycle", "final")


def _matrix(value, n, name):
    a = np.asarray(value, dtype=float)
    if a.ndim == 0:
        a = np.full((n, n), float(a))
    if a.shape != (n, n):
        raise ValueError(f"{name} must be a scalar or an ({n}, {n}) matrix, got "
                         f"shape {a.shape}.")
    a = a.copy()
    np.fill_diagonal(a, 0.0)
    if not np.isfinite(a).all():
        raise ValueError(f"{name} holds NaN or infinite values off the diagonal.")
    if np.abs(a - a.T).max() > 1e-12 * max(np.abs(a).max(), 1e-300):
        raise ValueError(f"{name} must be symmetric.")
    return 0.5 * (a + a.T)


def _float_patterns(patterns, n=None):
    return as_patterns(patterns, n).astype(float)


def _positive_int(value, name):
    if not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}.")
    return int(value)


def drives_current(pattern) -> bool:
    """Whether a pulse of ``pattern`` drives current: its pads are not all equal.

    Examples
    --------
    >>> from ubhop.compact import drives_current
    >>> drives_current([1, 1, -1, 1]), drives_current([1, 1, 1, 1])
    (True, False)
    """
    x = _float_patterns(pattern)[0]
    return bool(np.any(x != x[0]))


def _driving(x):
    """The rows of ``x`` that drive current; an error if none does."""
    keep = np.array([drives_current(p) for p in x])
    if not keep.any():
        raise ValueError("No pattern drives current (each is uniform: every pad at "
                         "one voltage), so none changes G.")
    return x[keep]


def products(pattern, v0: float = 1.0) -> np.ndarray:
    """``V_i V_j`` (V^2) for the pad voltages ``V = v0 * pattern``, zero diagonal."""
    if not (np.isfinite(v0) and v0 > 0):
        raise ValueError(f"The pulse voltage v0 must be > 0 V, got {v0!r}.")
    v = v0 * _float_patterns(pattern)[0]
    out = np.outer(v, v)
    np.fill_diagonal(out, 0.0)
    return out


def node_positions(device) -> np.ndarray:
    """``(N, 2)`` node positions (m): the mean centre of each node's pads."""
    n = device.n_nodes
    out = np.zeros((n, 2))
    count = np.zeros(n)
    for pad in device.pads:
        out[pad.node] += pad.centre
        count[pad.node] += 1
    return out / count[:, None]


class CompactModel:
    """Eq. (1) with per-pair parameters, for any number of nodes.

    Parameters
    ----------
    eta : float or array_like
        ``eta_ij`` (S/V^2 per pulse), scalar or ``(N, N)``.
    alpha : float or array_like
        ``alpha_ij`` (V^2/S), scalar or ``(N, N)``; non-zero off the diagonal.
    g_avg : float or array_like
        ``G_avg_ij`` (S), scalar or ``(N, N)``.
    n : int, optional
        Number of nodes; needed when all three parameters are scalars.

    Raises
    ------
    ValueError
        If the shapes disagree, a matrix is not symmetric or not finite, an
        ``alpha_ij`` is zero, or a rate ``2 eta_ij alpha_ij`` lies outside
        ``(0, 2)`` (eq. (1) would not converge).

    Notes
    -----
    The diagonal carries no weight: there ``eta`` is set to 0, so ``G_ii``
    keeps its starting value.

    Examples
    --------
    >>> import numpy as np
    >>> from ubhop.compact import CompactModel
    >>> m = CompactModel.uniform(4, rate=0.5)
    >>> g = m.train([[1, 1, -1, -1]], pulses=40)
    >>> bool(np.allclose(g[-1], m.fixed_point([1, 1, -1, -1])))
    True
    """

    def __init__(self, eta, alpha, g_avg, n: int | None = None):
        if n is None:
            shapes = [np.shape(a) for a in (eta, alpha, g_avg) if np.ndim(a) == 2]
            if not shapes:
                raise ValueError("Give n when eta, alpha and g_avg are all scalars.")
            n = shapes[0][0]
        self.n = _positive_int(n, "n")
        self.eta = _matrix(eta, self.n, "eta")
        alpha = _matrix(alpha, self.n, "alpha")
        off = ~np.eye(self.n, dtype=bool)
        if np.any(alpha[off] == 0):
            raise ValueError("alpha must be non-zero for every pair.")
        np.fill_diagonal(alpha, 1.0)
        self.alpha = alpha
        self.g_avg = _matrix(g_avg, self.n, "g_avg")
        rate = self.rate[off]
        if rate.size and not np.all((rate > 0) & (rate < 2)):
            raise ValueError(
                f"Every rate 2 eta alpha must lie in (0, 2) for eq. (1) to "
                f"converge; got {rate.min():.3g} .. {rate.max():.3g}."
            )

    @classmethod
    def uniform(cls, n: int, rate: float, alpha: float = 1.0, g_avg: float = 0.0):
        """The same parameters for every pair, from the rate ``2 eta alpha``.

        Parameters
        ----------
        n : int
            Number of nodes.
        rate : float
            ``2 eta alpha`` per pulse, in ``(0, 2)``; 1 is a one-pulse jump.
        alpha : float
            ``alpha`` (V^2/S); its sign is the weight map's sign.
        g_avg : float
            ``G_avg`` (S).
        """
        return cls(rate / (2.0 * alpha), alpha, g_avg, n=n)

    @classmethod
    def from_fit(cls, fit):
        """The model of a ``ubhop.learning.LearningFit`` (its ``parameters()``).

        Raises
        ------
        ValueError
            If a pair's parameters are not finite or its rate is outside
            ``(0, 2)``.
        """
        eta, alpha, g_avg = fit.parameters()
        return cls(eta, alpha, g_avg)

    # --- derived quantities -------------------------------------------------

    @property
    def rate(self) -> np.ndarray:
        """``2 eta_ij alpha_ij`` per pulse, ``(N, N)`` (zero diagonal)."""
        return 2.0 * self.eta * self.alpha

    @property
    def sign(self) -> int:
        """+1 if the median ``alpha`` over the pairs is positive (Hebbian in G)."""
        iu = np.triu_indices(self.n, 1)
        return 1 if np.median(self.alpha[iu]) > 0 else -1

    def fixed_point(self, pattern, v0: float = 1.0) -> np.ndarray:
        """``G_avg + V_i V_j / (2 alpha)`` (S): where one repeated pattern leads.

        Raises
        ------
        ValueError
            For a uniform pattern: it drives no current and leads nowhere.
        """
        p = products(_driving(_float_patterns(pattern, self.n))[0], v0)
        g = self.g_avg + p / (2.0 * self.alpha)
        np.fill_diagonal(g, 0.0)
        return g

    def cycle_mean(self, patterns, v0: float = 1.0) -> np.ndarray:
        """``G_avg + <V_i V_j> / (2 alpha)`` (S), the mean over a steady cycle.

        ``<V_i V_j>`` is the mean over the pulses of one cycle that drive
        current, with the same number of pulses for every pattern (a uniform
        pattern's pulses change nothing and do not count).
        """
        x = _driving(_float_patterns(patterns, self.n))
        mean = v0**2 * (x.T @ x) / x.shape[0]
        np.fill_diagonal(mean, 0.0)
        g = self.g_avg + mean / (2.0 * self.alpha)
        np.fill_diagonal(g, 0.0)
        return g

    # --- training ------------------------------------------------------------

    def schedule(self, patterns, pulses: int = 1, cycles: int = 1,
                 v0: float = 1.0) -> np.ndarray:
        """The ``V_i V_j`` of every pulse, ``(cycles * P * pulses, N, N)``.

        The input of ``ubhop.learning.oja_trajectory`` for the same training.

        Raises
        ------
        ValueError
            If a pattern is uniform: its pulses change nothing, which
            ``oja_trajectory`` cannot express (use ``train``).
        """
        x = _float_patterns(patterns, self.n)
        if len(_driving(x)) != len(x):
            raise ValueError("A uniform pattern drives no current and leaves G as it "
                             "is; oja_trajectory would apply eq. (1) to it. Leave it "
                             "out, or use CompactModel.train.")
        pulses = _positive_int(pulses, "pulses")
        cycles = _positive_int(cycles, "cycles")
        prods = np.stack([products(p, v0) for p in x])
        return np.tile(np.repeat(prods, pulses, axis=0), (cycles, 1, 1))

    def step(self, g, prods) -> np.ndarray:
        """One pulse of eq. (1) (``ubhop.learning.oja_step`` with this model)."""
        return oja_step(g, prods, self.eta, self.alpha, self.g_avg)

    def train(self, patterns, pulses: int = 1, cycles: int = 1, v0: float = 1.0,
              g0=None, record: str = "pulse", method: str = "step") -> np.ndarray:
        """Train on ``cycles`` cycles of the patterns, ``pulses`` pulses each.

        Parameters
        ----------
        patterns : array_like
            ``(P, N)`` patterns of +1/-1, applied in order within a cycle.
        pulses : int
            Pulses per pattern in each cycle.
        cycles : int
            Repetitions of the whole sequence.
        v0 : float
            Pulse voltage (V): ``V = v0 * pattern``.
        g0 : array_like, optional
            ``(N, N)`` conductances before training (S); default ``G_avg``.
        record : str
            ``"pulse"`` (after every pulse), ``"pattern"`` (after each
            pattern's pulses), ``"cycle"`` (after each cycle) or ``"final"``.
        method : str
            ``"step"``: pulse by pulse, the same floating-point operations as
            ``ubhop.learning.oja_trajectory``; ``"block"``: each pattern's
            pulses in one closed-form step, ``D -> r^p D + (1 - r^p) V_i V_j /
            (2 alpha)`` (equal to rounding; not with ``record="pulse"``).

        Returns
        -------
        numpy.ndarray
            ``(R + 1, N, N)`` conductances (S): ``g0``, then one per record.
        """
        x = _float_patterns(patterns, self.n)
        pulses = _positive_int(pulses, "pulses")
        cycles = _positive_int(cycles, "cycles")
        if record not in RECORDS:
            raise ValueError(f"record must be one of {RECORDS}, got {record!r}.")
        if method not in ("step", "block"):
            raise ValueError(f"method must be 'step' or 'block', got {method!r}.")
        if method == "block" and record == "pulse":
            raise ValueError("method='block' cannot record every pulse; use "
                             "record='pattern', 'cycle' or 'final'.")
        g = (self.g_avg.copy() if g0 is None
             else np.array(g0, dtype=float).reshape(self.n, self.n))
        prods = [products(p, v0) for p in x]
        inert = [not drives_current(p) for p in x]  # no current: G stays
        out = [g.copy()]
        if method == "block":
            r_p = (1.0 - self.rate) ** pulses
            targets = [p / (2.0 * self.alpha) for p in prods]
            off = ~np.eye(self.n, dtype=bool)
        two_alpha = 2 * self.alpha
        tmp = np.empty_like(g)
        for _ in range(cycles):
            for k in range(len(prods)):
                if inert[k]:
                    if record == "pulse":
                        out.extend([g] * pulses)
                elif method == "block":
                    d = g - self.g_avg
                    d = r_p * d + (1.0 - r_p) * targets[k]
                    g = np.where(off, self.g_avg + d, g)
                else:
                    p = prods[k]
                    for _ in range(pulses):
                        # g + eta * (p - 2 alpha (g - g_avg)), in place
                        np.subtract(g, self.g_avg, out=tmp)
                        tmp *= two_alpha
                        np.subtract(p, tmp, out=tmp)
                        tmp *= self.eta
                        g = g + tmp
                        if record == "pulse":
                            out.append(g)
                if record == "pattern":
                    out.append(g.copy())
            if record == "cycle":
                out.append(g.copy())
        if record == "final":
            out.append(g.copy())
        return np.array(out)

    def steady_cycle(self, patterns, pulses: int = 1, v0: float = 1.0) -> np.ndarray:
        """The periodic steady state: ``G`` over one cycle, ``(T + 1, N, N)``.

        Per pair one cycle is the affine map ``D -> r^T D + b``; its fixed point
        ``D* = b / (1 - r^T)`` starts the returned cycle, which ends on it again
        (to rounding). The mean of ``G`` before each pulse that drives current
        equals ``cycle_mean`` (``G[:-1].mean(axis=0)`` when every pattern does).
        """
        x = _float_patterns(patterns, self.n)
        _driving(x)
        pulses = _positive_int(pulses, "pulses")
        r = 1.0 - self.rate
        a = np.ones_like(r)
        b = np.zeros_like(r)
        for p in x:
            if not drives_current(p):
                continue
            prod = products(p, v0)
            for _ in range(pulses):
                a, b = r * a, r * b + self.eta * prod
        den = 1.0 - a
        np.fill_diagonal(den, 1.0)  # the diagonal does not learn (eta = 0)
        d0 = b / den
        g0 = self.g_avg + d0
        np.fill_diagonal(g0, 0.0)
        return self.train(x, pulses=pulses, cycles=1, v0=v0, g0=g0)

    # --- extension and weights -----------------------------------------------

    def extend(self, n: int, mode: str = "median", positions=None,
               source_positions=None) -> CompactModel:
        """Carry this calibration to a device of ``n`` nodes.

        Parameters
        ----------
        n : int
            Nodes of the new device.
        mode : str
            ``"median"`` or ``"mean"``: every pair of the new device gets the
            median (mean) over this model's pairs of the rate ``2 eta alpha``
            (what a training history measures best), ``alpha`` and ``G_avg``;
            ``eta = rate / (2 alpha)``. Assumption: all pairs of the larger
            film learn alike; the median is robust to pairs whose fit is poor.
            ``"distance"``: the parameters depend on the pair's distance only.
            Distances are divided by the largest pair distance of each layout
            (so the 4-node square's diagonal maps to the new device's widest
            pair); pairs at one distance are pooled by their median and the
            new pairs get the linear interpolation in scaled distance,
            constant beyond the calibrated range.
        positions : array_like, optional
            ``(n, 2)`` node positions of the new device (``"distance"``);
            ``node_positions(device)`` gives them.
        source_positions : array_like, optional
            ``(N, 2)`` node positions of this model's device (``"distance"``).

        Returns
        -------
        CompactModel
        """
        n = _positive_int(n, "n")
        iu = np.triu_indices(self.n, 1)
        params = [self.rate[iu], self.alpha[iu], self.g_avg[iu]]
        if mode in ("median", "mean"):
            f = np.median if mode == "median" else np.mean
            rate, alpha, g_avg = (float(f(p)) for p in params)
            return CompactModel(rate / (2.0 * alpha), alpha, g_avg, n=n)
        if mode != "distance":
            raise ValueError(
                f"mode must be 'median', 'mean' or 'distance', got {mode!r}.")
        if positions is None or source_positions is None:
            raise ValueError("mode='distance' needs positions and source_positions.")
        src = np.asarray(source_positions, dtype=float)
        dst = np.asarray(positions, dtype=float)
        if src.shape != (self.n, 2) or dst.shape != (n, 2):
            raise ValueError(
                f"positions must be ({n}, 2) and source_positions ({self.n}, 2), "
                f"got {dst.shape} and {src.shape}.")

        def scaled(pos):
            d = np.linalg.norm(pos[:, None] - pos[None], axis=-1)
            return d / d.max()

        ds = scaled(src)[iu]
        keys = np.round(ds, 6)
        classes = np.unique(keys)
        pooled = [np.array([np.median(p[keys == c]) for c in classes])
                  for p in params]
        dd = scaled(dst)
        rate, alpha, g_avg = (np.interp(dd, classes, q) for q in pooled)
        return CompactModel(rate / (2.0 * alpha), alpha, g_avg, n=n)

    def weight_map(self, v0: float = 1.0, g_scale: float | None = None) -> WeightMap:
        """The weight map ``W = s (G - G_avg) / G_scale``.

        Parameters
        ----------
        v0 : float
            Training voltage (V); sets the default scale.
        g_scale : float, optional
            Conductance scale (S); default ``v0^2 / (2 |alpha|)``, median over
            the pairs, so a fully learnt single pattern gives weights of size 1.
        """
        iu = np.triu_indices(self.n, 1)
        if g_scale is None:
            g_scale = float(np.median(v0**2 / (2.0 * np.abs(self.alpha[iu]))))
        return WeightMap(sign=self.sign, g_ref=self.g_avg.copy(),
                         g_scale=float(g_scale),
                         evidence={"source": "compact model (eq. (1))",
                                   "sign_from": "median alpha"})

    def weights(self, g, v0: float = 1.0) -> np.ndarray:
        """Hopfield weights (dimensionless) of conductances ``g`` (S)."""
        return self.weight_map(v0).weights(g)

    def learn(self, patterns, pulses: int = 1, cycles: int = 1,
              v0: float = 1.0) -> np.ndarray:
        """Weights after training from ``G_avg``: the compact model as a rule.

        ``cycles`` cycles of the patterns, ``pulses`` per pattern (closed-form
        blocks); returns the ``(N, N)`` weights of the final ``G``.
        """
        g = self.train(patterns, pulses=pulses, cycles=cycles, v0=v0,
                       record="final", method="block")[-1]
        return self.weights(g, v0)

    def predict(self, g0, prods) -> np.ndarray:
        """Eq. (1) from ``g0`` under given pulses.

        Parameters
        ----------
        g0 : array_like
            ``(N, N)`` conductances before the first pulse (S).
        prods : array_like
            ``(T, N, N)`` ``V_i V_j`` of each pulse (V^2), e.g. from a history's
            ``voltage``.

        Returns
        -------
        numpy.ndarray
            ``(T + 1, N, N)``: ``g0``, then ``G`` after each pulse (the diagonal
            keeps its value).
        """
        g = np.array(g0, dtype=float).reshape(self.n, self.n)
        prods = np.asarray(prods, dtype=float)
        if prods.ndim != 3 or prods.shape[1:] != (self.n, self.n):
            raise ValueError(f"prods must have shape (T, {self.n}, {self.n}), got "
                             f"{prods.shape}.")
        out = [g]
        for p in prods:
            out.append(self.step(out[-1], p))
        return np.array(out)

    def __repr__(self):
        iu = np.triu_indices(self.n, 1)
        rate = self.rate[iu]
        return (f"CompactModel(n={self.n}, rate {rate.min():.3g}..{rate.max():.3g} "
                f"per pulse, sign {self.sign:+d})")


def held_out(g_hist, voltages, n_train: int) -> dict:
    """How well eq. (1), fitted to the first pulses, predicts the later ones.

    The model is calibrated (``ubhop.fit_learning_law``, ``CompactModel.from_fit``)
    on pulses ``1 .. n_train`` and run from the engine's ``G(n_train)`` with the
    voltages of the held-out pulses ``n_train + 1 .. T``; its ``G`` is compared
    with the engine's, and with persistence (``G`` stays at ``G(n_train)``), the
    predictor that needs no model.

    Parameters
    ----------
    g_hist : array_like
        ``(T + 1, N, N)`` conductances (S): before training, then after each
        pulse (a history's ``G``).
    voltages : array_like
        ``(T + 1, N)`` pad voltages (V), row 0 unused (a history's ``voltage``).
    n_train : int
        Pulses used for the calibration, ``2 <= n_train < T``.

    Returns
    -------
    dict
        ``model`` (the ``CompactModel``), ``fit``, ``predicted`` and ``engine``
        (``(T - n_train + 1, N, N)``, from ``G(n_train)``), and the errors over
        the held-out pulses and the pairs: ``rms_model``, ``rms_persistence``
        and ``rms_change`` (RMS of the engine's own change from ``G(n_train)``,
        the scale to compare with), all in S, and ``rel_model`` =
        ``rms_model / rms_change`` (1: no better than predicting nothing
        changed from the start of the held-out part; 0: exact).

    Raises
    ------
    ValueError
        If ``n_train`` is out of range, or the calibration cannot give a model
        (a pair's rate outside ``(0, 2)``).
    """
    from .learning import fit_learning_law

    g = np.asarray(g_hist, dtype=float)
    v = np.asarray(voltages, dtype=float)
    t = g.shape[0] - 1
    if not (isinstance(n_train, int | np.integer) and 2 <= n_train < t):
        raise ValueError(f"n_train must be an int in [2, {t - 1}], got {n_train!r}.")
    prods = np.einsum("ti,tj->tij", v[1:], v[1:])
    fit = fit_learning_law(g[: n_train + 1], prods[:n_train])
    model = CompactModel.from_fit(fit)
    pred = model.predict(g[n_train], prods[n_train:])
    eng = g[n_train:]
    off = ~np.eye(g.shape[1], dtype=bool)

    def rms(a):
        return float(np.sqrt(np.mean(a[1:][:, off] ** 2)))

    change = rms(eng - eng[0])
    out = {"model": model, "fit": fit, "predicted": pred, "engine": eng,
           "rms_model": rms(pred - eng), "rms_persistence": change,
           "rms_change": change}
    out["rel_model"] = out["rms_model"] / change if change > 0 else float("nan")
    return out
