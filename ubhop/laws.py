"""Learning laws as iterated updates over a training schedule.

Each law is applied pulse by pulse over cycles of the pattern set (``pulses``
pulses per pattern per cycle, one by default) until the weights stop changing:
after every cycle the relative change over that cycle,
``||W(after) - W(before)||_F / ||W(after)||_F`` (Frobenius norm), is compared
with ``tol``. ``W`` is what the law learns: ``G - G_avg`` off the diagonal for
eq. (1) (the diagonal does not learn), ``W^T W`` or ``Q`` with its diagonal for
the Oja laws (whose off-diagonal part may converge to zero, e.g. for ``P = N``
independent patterns). A law that has not converged after
``max_cycles`` cycles warns (``NotConvergedWarning``), or raises with
``on_max="raise"``. The registered rules of ``ubhop.rules`` (``"eq1"``,
``"eq1-voltage"``, ``"oja"``, ``"oja-symmetric"``) call these functions.

The laws
--------
``eq1`` (eq. (1), uniform ``alpha``), per pair and pulse with ``V = v0 x``::

    G_ij(t) = G_ij(t-1) + eta [V_i V_j - 2 alpha (G_ij(t-1) - G_avg_ij)]

run by ``ubhop.compact.CompactModel``; weights from ``G - G_avg`` through its
weight map. Its steady cycle has the mean ``<V_i V_j> / (2 alpha)``: the
outer product (``ubhop.compact``).

``eq1-voltage``: eq. (1) with ``alpha`` set, pulse by pulse, by the voltage
difference of the pair (the paper's "alpha_ij an effective learning rate
determined by voltage differences"), here

    alpha_ij(t) = alpha [floor + (1 - floor) |V_i - V_j| / (2 v0)],

which for patterns of +1/-1 is ``alpha`` where ``x_i != x_j`` and
``alpha floor`` where ``x_i = x_j``. With ``floor = 0`` (the default, the
wording taken literally) a pair at equal voltages grows by ``eta V_i V_j``
and does not relax. Summing one steady cycle gives, per pair, the mean of
``G - G_avg`` just before the pulses in which the pair differs::

    <D>_differ = v0^2 (n_same - n_differ) / (2 alpha n_differ)

(``n_same``, ``n_differ``: pulses of the cycle with ``x_i = x_j`` and
``x_i != x_j``); slow learning makes ``D`` nearly constant, so the weights
are the outer product divided, pair by pair, by how often the pair differs.
A pair that is equal in every pattern (``n_differ = 0``) has no fixed point:
it grows by ``eta v0^2`` per pulse for ever. Such pairs are reported
(``LawResult.never_relax``), left out of the convergence check, and their
weights are those after the cycles run; ``floor > 0`` gives every pair a
fixed point.

``oja``: Oja's subspace rule, ``W <- W + (eta / N) (y x^T - y y^T W)``,
``y = W x``, ``W`` of ``outputs x N`` (``N x N`` by default) from a small
random start; the Hopfield weights are ``Q = W^T W`` with a zero diagonal.
At ``W^T W = P``, the projection onto the span of the patterns, every update
vanishes (``y^T W = x^T P = x^T`` for ``x`` in the span), so the fixed point
is the projection rule at any stable ``eta``. With the ``1 / N``
normalisation (``|x|^2 = N``) the update along a pattern contracts by
``1 - 2 eta`` per pulse near the fixed point: ``0 < eta < 1``.

``oja-symmetric``: the same law written for the symmetric matrix ``Q = W^T W``
itself, the form that a device with a symmetric weight matrix could follow,
since its update needs only the input ``x`` and the network's output (its
local fields) ``h = Q x``::

    Q <- Q + e (x h^T + h x^T - 2 h h^T) + e^2 (x . h) (x - h)(x - h)^T,

``e = eta / N``. It is exact: ``Q(t) = W(t)^T W(t)`` for any ``W(0)`` with
``W(0)^T W(0) = Q(0)`` (Oja's rule depends on ``W`` only through ``W^T W``).
It starts from ``Q = init^2 I``. Without the ``e^2`` term (``order="first"``)
the map does not keep ``Q`` positive semi-definite: a direction of the
patterns' span that turns negative runs away (on ``E F H P`` at ``eta =
0.01`` within a few hundred cycles), and the law raises.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from .compact import CompactModel, drives_current, products
from .patterns import as_patterns

ON_MAX = ("warn", "raise", "ignore")


class NotConvergedWarning(RuntimeWarning):
    """A learning law reached ``max_cycles`` before its convergence check passed."""


@dataclasses.dataclass
class LawResult:
    """What a learning law learnt, and how it got there.

    Attributes
    ----------
    law : str
        The law's name (``"eq1"``, ``"eq1-voltage"``, ``"oja"``,
        ``"oja-symmetric"``).
    w : numpy.ndarray
        ``(N, N)`` Hopfield weights after the last cycle, symmetric, zero
        diagonal (dimensionless).
    w_mean : numpy.ndarray
        ``(N, N)`` mean of the weights over the last cycle (the states before
        each pulse of the cycle that drives current); equal to ``w`` for the
        Oja laws at their fixed point.
    state : numpy.ndarray
        The law's own variables at the end: ``G`` (S) for eq. (1), ``W`` for
        ``oja``, ``Q`` for ``oja-symmetric``.
    cycles : int
        Cycles run.
    converged : bool
        Whether the relative change over a cycle fell below ``tol``.
    tol : float
        The tolerance.
    changes : numpy.ndarray
        ``(cycles,)`` relative change of the weights over each cycle.
    never_relax : list of tuple
        Pairs ``(i, j)``, ``i < j``, with no fixed point (``eq1-voltage``
        with ``floor = 0``: equal in every pattern); left out of the check.
    """

    law: str
    w: np.ndarray
    w_mean: np.ndarray
    state: np.ndarray
    cycles: int
    converged: bool
    tol: float
    changes: np.ndarray
    never_relax: list = dataclasses.field(default_factory=list)

    @property
    def change(self) -> float:
        """Relative change of the weights over the last cycle."""
        return float(self.changes[-1]) if len(self.changes) else float("nan")


def relative_change(before, after, mask=None) -> float:
    """``||after - before||_F / ||after||_F`` over the off-diagonal entries.

    Parameters
    ----------
    before, after : array_like
        ``(N, N)`` weights.
    mask : array_like of bool, optional
        ``(N, N)`` entries to compare; default every off-diagonal entry.

    Returns
    -------
    float
        0 when nothing changed (also for all-zero weights), ``inf`` when the
        weights changed to zero.
    """
    a = np.asarray(before, dtype=float)
    b = np.asarray(after, dtype=float)
    if mask is None:
        mask = ~np.eye(a.shape[0], dtype=bool)
    num = float(np.linalg.norm((b - a)[mask]))
    den = float(np.linalg.norm(b[mask]))
    if num == 0.0:
        return 0.0
    return num / den if den > 0 else float("inf")


# --- argument checks ---------------------------------------------------------

def _number(value, name, low=None, high=None, low_open=True, high_open=True,
            why=""):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}.") from None
    if isinstance(value, bool) or not np.isfinite(v):
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    bad_low = low is not None and (v <= low if low_open else v < low)
    bad_high = high is not None and (v >= high if high_open else v > high)
    if bad_low or bad_high:
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        interval = (("(" if low_open else "[") + f"{lo}, {hi}"
                    + (")" if high_open else "]"))
        raise ValueError(f"{name} must lie in {interval}{why}, got {value!r}.")
    return v


def _count(value, name):
    if isinstance(value, bool) or not isinstance(value, int | np.integer) \
            or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}.")
    return int(value)


def _schedule(pulses, tol, max_cycles, on_max):
    pulses = _count(pulses, "pulses")
    max_cycles = _count(max_cycles, "max_cycles")
    tol = _number(tol, "tol", low=0.0)
    if on_max not in ON_MAX:
        raise ValueError(f"on_max must be one of {ON_MAX}, got {on_max!r}.")
    return pulses, tol, max_cycles


def _finish(name, tol, max_cycles, on_max, converged, changes):
    if converged or on_max == "ignore":
        return
    msg = (f"Learning law {name!r} did not converge in max_cycles = {max_cycles} "
           f"cycles: the weights still changed by {changes[-1]:.3g} (relative, "
           f"Frobenius) over the last cycle, above tol = {tol:g}. Raise "
           f"max_cycles or the rate, or loosen tol.")
    if on_max == "raise":
        raise RuntimeError(msg)
    warnings.warn(msg, NotConvergedWarning, stacklevel=3)


def _iterate(name, run_cycle, measure, state, tol, max_cycles, on_max, mask=None,
             hint="lower eta"):
    """Run cycles until the relative change of ``measure(state)`` is below ``tol``."""
    w = measure(state)
    changes = []
    converged = False
    for _ in range(max_cycles):
        state = run_cycle(state)
        if not np.isfinite(state).all():
            raise RuntimeError(
                f"Learning law {name!r} diverged after {len(changes) + 1} cycles "
                f"(non-finite weights): {hint}.")
        w_new = measure(state)
        changes.append(relative_change(w, w_new, mask))
        w = w_new
        if changes[-1] < tol:
            converged = True
            break
    changes = np.array(changes)
    _finish(name, tol, max_cycles, on_max, converged, changes)
    return state, converged, changes


def _symmetric_zero_diagonal(q):
    w = 0.5 * (q + q.T)
    np.fill_diagonal(w, 0.0)
    return w


# --- eq. (1) -------------------------------------------------------------------

def _eq1_check(eta, alpha, v0):
    alpha = _number(alpha, "alpha", low=0.0,
                    why=" (V^2/S; its sign is the weight map's, +1 here)")
    eta = _number(eta, "eta", low=0.0, high=1.0 / alpha,
                  why=f" (S/V^2 per pulse: eq. (1) is stable only for "
                      f"0 < 2 eta alpha < 2, i.e. eta < 1 / alpha = "
                      f"{1.0 / alpha:g})")
    v0 = _number(v0, "v0", low=0.0, why=" (V)")
    return eta, alpha, v0


def eq1(patterns, eta: float = 0.005, alpha: float = 1.0, pulses: int = 1,
        v0: float = 1.0, tol: float = 1e-9, max_cycles: int = 20000,
        on_max: str = "warn") -> LawResult:
    """Eq. (1) with uniform ``alpha``, cycled until its steady cycle.

    Parameters
    ----------
    patterns : array_like
        ``(P, N)`` patterns of +1/-1, applied in order within a cycle.
    eta : float
        ``eta`` (S/V^2 per pulse), ``0 < eta < 1 / alpha``; the approach rate
        per pulse is ``2 eta alpha`` (0.01 by default: slow learning).
    alpha : float
        ``alpha`` (V^2/S), > 0.
    pulses : int
        Pulses per pattern per cycle.
    v0 : float
        Pulse voltage (V): ``V = v0 x``.
    tol : float
        Convergence: relative change of the weights over a cycle.
    max_cycles : int
        Most cycles to run.
    on_max : str
        ``"warn"``, ``"raise"`` or ``"ignore"`` when ``max_cycles`` is reached.

    Returns
    -------
    LawResult
        ``w`` the weights ``(G - G_avg) / G_scale`` after the last cycle
        (``G_scale = v0^2 / (2 alpha)``, ``ubhop.compact.CompactModel.weight_map``),
        ``w_mean`` their mean over the steady cycle, which is
        ``(N / P_d) W_outer`` exactly (``P_d`` the patterns that drive current).

    Raises
    ------
    ValueError
        For patterns other than +1/-1, no pattern that drives current, or a
        parameter out of range.
    """
    x = as_patterns(patterns)
    eta, alpha, v0 = _eq1_check(eta, alpha, v0)
    pulses, tol, max_cycles = _schedule(pulses, tol, max_cycles, on_max)
    n = x.shape[1]
    model = CompactModel(eta, alpha, 0.0, n=n)
    model.cycle_mean(x)  # raises when no pattern drives current

    def run_cycle(g):
        return model.train(x, pulses=pulses, cycles=1, v0=v0, g0=g,
                           record="final", method="block")[-1]

    def weights(g):
        return model.weights(g, v0)

    g0 = np.zeros((n, n))
    g, converged, changes = _iterate("eq1", run_cycle, weights, g0, tol,
                                     max_cycles, on_max)
    w = weights(g)
    hist = model.train(x, pulses=pulses, cycles=1, v0=v0, g0=g, record="pulse")
    driving = np.repeat([drives_current(p) for p in x], pulses)
    w_mean = weights(hist[:-1][driving].mean(axis=0))
    return LawResult("eq1", w, w_mean, g, len(changes), converged, tol, changes)


def voltage_alpha(pattern, alpha: float = 1.0, floor: float = 0.0,
                  v0: float = 1.0) -> np.ndarray:
    """``alpha_ij = alpha [floor + (1 - floor) |V_i - V_j| / (2 v0)]`` of one pulse.

    Parameters
    ----------
    pattern : array_like
        ``(N,)`` pattern of +1/-1; ``V = v0 x``.
    alpha : float
        ``alpha`` (V^2/S) of a pair at opposite voltages.
    floor : float
        Fraction of ``alpha`` left to a pair at equal voltages, in ``[0, 1]``.
    v0 : float
        Pulse voltage (V).

    Returns
    -------
    numpy.ndarray
        ``(N, N)`` (V^2/S), zero diagonal.

    Examples
    --------
    >>> from ubhop.laws import voltage_alpha
    >>> voltage_alpha([1, 1, -1]).tolist()
    [[0.0, 0.0, 1.0], [0.0, 0.0, 1.0], [1.0, 1.0, 0.0]]
    """
    x = as_patterns(pattern)[0].astype(float)
    v = v0 * x
    a = alpha * (floor + (1.0 - floor) * np.abs(v[:, None] - v[None, :]) / (2 * v0))
    np.fill_diagonal(a, 0.0)
    return a


def eq1_voltage(patterns, eta: float = 0.005, alpha: float = 1.0,
                floor: float = 0.0, pulses: int = 1, v0: float = 1.0,
                tol: float = 1e-9, max_cycles: int = 20000,
                on_max: str = "warn") -> LawResult:
    """Eq. (1) with ``alpha`` set by each pulse's voltage difference.

    Per pulse, ``alpha_ij = voltage_alpha(x, alpha, floor, v0)``; patterns
    whose pads are all at one voltage drive no current and change nothing
    (as in ``ubhop.compact``).

    Parameters
    ----------
    patterns : array_like
        ``(P, N)`` patterns of +1/-1.
    eta : float
        ``eta`` (S/V^2 per pulse), ``0 < eta < 1 / alpha``.
    alpha : float
        ``alpha`` (V^2/S) of a pair at opposite voltages, > 0.
    floor : float
        ``alpha_ij / alpha`` of a pair at equal voltages, in ``[0, 1]``; 0 (the
        default) leaves such a pair without decay, 1 is ``eq1``.
    pulses, v0, tol, max_cycles, on_max
        As for :func:`eq1`.

    Returns
    -------
    LawResult
        Weights ``(G - G_avg) / G_scale`` with ``G_scale = v0^2 / (2 alpha)``;
        ``never_relax`` lists the pairs without a fixed point (equal in every
        pattern that drives current, with ``floor = 0``): they are left out of
        the convergence check and keep growing by ``eta v0^2`` per pulse.
    """
    x = as_patterns(patterns)
    eta, alpha, v0 = _eq1_check(eta, alpha, v0)
    floor = _number(floor, "floor", low=0.0, high=1.0, low_open=False,
                    high_open=False, why=" (alpha of a pair at equal voltages, "
                                         "as a fraction of alpha)")
    pulses, tol, max_cycles = _schedule(pulses, tol, max_cycles, on_max)
    n = x.shape[1]
    xd = x[[drives_current(p) for p in x]]
    if not len(xd):
        raise ValueError("No pattern drives current (each is uniform: every pad at "
                         "one voltage), so none changes G.")
    prods = [products(p, v0) for p in xd]
    alphas = [voltage_alpha(p, alpha, floor, v0) for p in xd]
    relaxes = np.any([a > 0 for a in alphas], axis=0)
    off = ~np.eye(n, dtype=bool)
    mask = off & relaxes
    never = [(int(i), int(j)) for i, j in zip(*np.nonzero(np.triu(off & ~relaxes)),
                                              strict=True)]
    g_scale = v0**2 / (2.0 * alpha)

    def run_cycle(g):
        g = g.copy()
        for p, a in zip(prods, alphas, strict=True):
            for _ in range(pulses):
                g += eta * (p - 2.0 * a * g)
        return g

    def weights(g):
        return _symmetric_zero_diagonal(g / g_scale)

    g0 = np.zeros((n, n))
    g, converged, changes = _iterate("eq1-voltage", run_cycle, weights, g0, tol,
                                     max_cycles, on_max, mask=mask)
    w = weights(g)
    before = []
    gg = g.copy()
    for p, a in zip(prods, alphas, strict=True):
        for _ in range(pulses):
            before.append(gg.copy())
            gg = gg + eta * (p - 2.0 * a * gg)
    w_mean = weights(np.mean(before, axis=0))
    return LawResult("eq1-voltage", w, w_mean, g, len(changes), converged, tol,
                     changes, never)


# --- Oja's subspace rule ---------------------------------------------------------

def _oja_check(eta, init):
    eta = _number(eta, "eta", low=0.0, high=1.0,
                  why=" (per pulse, with the 1/N normalisation: the update along "
                      "a pattern contracts by 1 - 2 eta, stable only for eta < 1)")
    init = _number(init, "init", low=0.0, why=" (scale of the small start)")
    return eta, init


def oja(patterns, eta: float = 0.1, outputs: int | None = None, init: float = 1e-3,
        seed: int = 0, pulses: int = 1, tol: float = 1e-9,
        max_cycles: int = 100000, on_max: str = "warn") -> LawResult:
    """Oja's subspace rule; the Hopfield weights are ``W^T W``, zero diagonal.

    Parameters
    ----------
    patterns : array_like
        ``(P, N)`` patterns of +1/-1, applied in order within a cycle.
    eta : float
        Rate per pulse, ``0 < eta < 1``: ``W <- W + (eta / N) (y x^T - y y^T W)``.
    outputs : int, optional
        Rows of ``W`` (outputs ``y``); default ``N``. Fewer than the rank of
        the patterns cannot hold their span.
    init : float
        Scale of the random start, ``W_0 = init * g / sqrt(N)`` with ``g``
        standard normal (seed ``seed``).
    seed : int
        Seed of the start.
    pulses, tol, max_cycles, on_max
        As for :func:`eq1`.

    Returns
    -------
    LawResult
        ``w`` is ``W^T W`` with a zero diagonal; at the fixed point it is the
        projection rule (``ubhop.hopfield.projection``).
    """
    x = as_patterns(patterns).astype(float)
    eta, init = _oja_check(eta, init)
    pulses, tol, max_cycles = _schedule(pulses, tol, max_cycles, on_max)
    n = x.shape[1]
    m = n if outputs is None else _count(outputs, "outputs")
    e = eta / n
    w0 = init * np.random.default_rng(seed).standard_normal((m, n)) / np.sqrt(n)

    def run_cycle(w):
        w = w.copy()
        for xi in x:
            for _ in range(pulses):
                y = w @ xi
                w += e * np.outer(y, xi - w.T @ y)
        return w

    def gram(w):
        return w.T @ w

    w, converged, changes = _iterate("oja", run_cycle, gram, w0, tol, max_cycles,
                                     on_max, mask=np.ones((n, n), dtype=bool))
    q = _symmetric_zero_diagonal(gram(w))
    return LawResult("oja", q, q, w, len(changes), converged, tol, changes)


def oja_symmetric_step(q, x, e: float, order: str = "exact") -> np.ndarray:
    """One pulse of Oja's subspace rule written for ``Q = W^T W``.

    Parameters
    ----------
    q : numpy.ndarray
        ``(N, N)`` symmetric ``Q``.
    x : numpy.ndarray
        ``(N,)`` input.
    e : float
        ``eta / N``.
    order : str
        ``"exact"``: ``Q + e (x h^T + h x^T - 2 h h^T) + e^2 (x . h) (x - h)
        (x - h)^T`` with ``h = Q x``, equal to ``(W + dW)^T (W + dW)``;
        ``"first"``: without the ``e^2`` term.

    Returns
    -------
    numpy.ndarray
        ``Q`` after the pulse.
    """
    h = q @ x
    out = q + e * (np.outer(x, h) + np.outer(h, x) - 2.0 * np.outer(h, h))
    if order == "exact":
        d = x - h
        out += e * e * float(x @ h) * np.outer(d, d)
    return out


def oja_symmetric(patterns, eta: float = 0.1, init: float = 1e-3,
                  order: str = "exact", pulses: int = 1, tol: float = 1e-9,
                  max_cycles: int = 100000, on_max: str = "warn") -> LawResult:
    """Oja's subspace rule in its symmetric form, on ``Q = W^T W`` directly.

    Parameters
    ----------
    patterns : array_like
        ``(P, N)`` patterns of +1/-1.
    eta : float
        Rate per pulse, ``0 < eta < 1`` (``e = eta / N``).
    init : float
        Start ``Q = init^2 I`` (the ``W^T W`` of ``W = init I``).
    order : str
        ``"exact"`` or ``"first"`` (see :func:`oja_symmetric_step`).
    pulses, tol, max_cycles, on_max
        As for :func:`eq1`.

    Returns
    -------
    LawResult
        ``w`` is ``Q`` with a zero diagonal; at the fixed point the projection
        rule.

    Raises
    ------
    RuntimeError
        If ``Q`` runs away (non-finite), which the first-order form does.
    """
    x = as_patterns(patterns).astype(float)
    eta, init = _oja_check(eta, init)
    if order not in ("exact", "first"):
        raise ValueError(f"order must be 'exact' or 'first', got {order!r}.")
    pulses, tol, max_cycles = _schedule(pulses, tol, max_cycles, on_max)
    n = x.shape[1]
    e = eta / n

    def run_cycle(q):
        for xi in x:
            for _ in range(pulses):
                q = oja_symmetric_step(q, xi, e, order)
        return 0.5 * (q + q.T)

    q0 = init**2 * np.eye(n)
    with np.errstate(over="ignore", invalid="ignore"):
        q, converged, changes = _iterate(
            "oja-symmetric", run_cycle, np.asarray, q0, tol, max_cycles, on_max,
            mask=np.ones((n, n), dtype=bool),
            hint=("the first-order form does not keep Q positive semi-definite; "
                  "use order='exact'" if order == "first" else "lower eta"))
    w = _symmetric_zero_diagonal(q)
    return LawResult("oja-symmetric", w, w, q, len(changes), converged, tol, changes)
