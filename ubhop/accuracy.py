"""Recall accuracy of Hopfield weights: distorted letters and capacity curves.

Accuracy experiment (``accuracy_table``): for every stored pattern and every
number ``k`` of flipped pixels, ``trials`` distorted inputs are drawn (``k``
distinct pixels chosen uniformly and flipped); each is recalled
(``HopfieldNetwork.recall``, asynchronous, all trials of one ``k`` in one
batch). A trial succeeds only when recall ends *exactly* on the stored pattern.
Ending on its global flip ``-x`` is **not** a success (the task is to show the
stored letter; the flip is reported separately, as is ending on another stored
pattern or its flip, and anything else, a spurious state). The inputs depend
only on the seed, ``k`` and the patterns, so every rule sees the same
distorted inputs and the same update order; the comparison is paired.

Each accuracy comes with the Wilson score interval (95 % by default), which
stays inside ``[0, 1]`` and is sensible at 0 or ``n`` successes.

Capacity (``capacity_curve``): ``P`` random patterns of ``N`` nodes are stored
by each rule; reported are the fraction of patterns that are exact fixed points
(every local field agrees with the pattern), the fraction recalled exactly from
the pattern itself, and the mean overlap ``x . s / N`` of the recalled state.
For the outer-product rule the exact fixed points disappear near
``P ~ N / (2 ln N)`` and retrieval with a few per cent of wrong bits collapses
at ``P ~ 0.138 N`` (Amit, Gutfreund and Sompolinsky 1987); the projection rule
keeps every linearly independent set exactly (``P < N``).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from .hopfield import HopfieldNetwork
from .patterns import as_patterns
from .rules import get_rule, learn

Z95 = 1.959963984540054
OUTCOMES = ("correct", "flipped", "other", "spurious")


def wilson_interval(successes, n, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion.

    Parameters
    ----------
    successes : int
        Successes, ``0 <= successes <= n``.
    n : int
        Trials, ``>= 1``.
    z : float
        Normal quantile (1.96 for 95 %).

    Returns
    -------
    tuple of float
        ``(low, high)`` within ``[0, 1]``; it contains ``successes / n``.

    Examples
    --------
    >>> from ubhop.accuracy import wilson_interval
    >>> [round(v, 3) for v in wilson_interval(97, 100)]
    [0.915, 0.99]
    """
    if not (isinstance(n, int | np.integer) and n >= 1):
        raise ValueError(f"n must be an int >= 1, got {n!r}.")
    if not (isinstance(successes, int | np.integer) and 0 <= successes <= n):
        raise ValueError(f"successes must be an int in [0, {n}], got {successes!r}.")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    # at 0 (n) successes the lower (upper) bound is exactly 0 (1)
    lo = 0.0 if successes == 0 else max(0.0, min(centre - half, p))
    hi = 1.0 if successes == n else min(1.0, max(centre + half, p))
    return lo, hi


def _check_k(k, n):
    if not isinstance(k, int | np.integer) or not 0 <= k <= n:
        raise ValueError(
            f"The number of flipped pixels k must be an int in [0, {n}] (the "
            f"pattern's size), got {k!r}.")
    return int(k)


def distort(patterns, k: int, trials: int, seed=0) -> np.ndarray:
    """Copies of each pattern with ``k`` distinct, uniformly chosen pixels flipped.

    Parameters
    ----------
    patterns : array_like
        ``(P, N)`` patterns of +1/-1.
    k : int
        Pixels flipped per copy, ``0 <= k <= N``.
    trials : int
        Copies per pattern.
    seed : int or sequence of int
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    numpy.ndarray
        ``(P, trials, N)`` int8; each copy differs from its pattern in exactly
        ``k`` pixels.
    """
    x = as_patterns(patterns)
    p, n = x.shape
    k = _check_k(k, n)
    if not isinstance(trials, int | np.integer) or trials < 1:
        raise ValueError(f"trials must be an int >= 1, got {trials!r}.")
    rng = np.random.default_rng(seed)
    # the k smallest of N uniform keys: a uniform k-subset, for every copy at once
    keys = rng.random((p, trials, n))
    flip = np.zeros((p, trials, n), dtype=bool)
    if k:
        idx = np.argpartition(keys, k - 1, axis=-1)[..., :k]
        np.put_along_axis(flip, idx, True, axis=-1)
    return np.where(flip, -x[:, None, :], x[:, None, :]).astype(np.int8)


def classify(final, patterns) -> np.ndarray:
    """Outcome of each recall: index into ``OUTCOMES``.

    Parameters
    ----------
    final : array_like
        ``(P, T, N)`` recalled states, ``final[a]`` from distortions of
        pattern ``a``.
    patterns : array_like
        ``(P, N)`` stored patterns.

    Returns
    -------
    numpy.ndarray
        ``(P, T)`` ints: 0 correct (exactly ``x_a``), 1 flipped (``-x_a``),
        2 another stored pattern or its flip, 3 spurious.
    """
    x = as_patterns(patterns).astype(np.int32)
    s = np.asarray(final).astype(np.int32)
    n = x.shape[1]
    ov = np.einsum("atn,bn->atb", s, x)  # (P, T, P) overlaps times N
    own = np.take_along_axis(ov, np.arange(x.shape[0])[:, None, None], axis=-1)[..., 0]
    out = np.full(own.shape, 3, dtype=np.int8)
    other = (np.abs(ov) == n).any(axis=-1)
    out[other] = 2
    out[own == -n] = 1
    out[own == n] = 0
    return out


def recall_outcomes(w, inputs, patterns, seed: int = 0, mode: str = "async"):
    """Recall a batch of inputs with weights ``w`` and classify the results.

    Parameters
    ----------
    w : array_like
        ``(N, N)`` symmetric weights.
    inputs : array_like
        ``(P, T, N)`` inputs, ``inputs[a]`` derived from pattern ``a``.
    patterns : array_like
        ``(P, N)`` stored patterns.
    seed : int
        Seed of the asynchronous update order (shared by all inputs).
    mode : str
        ``"async"`` or ``"sync"`` (see ``HopfieldNetwork.recall``).

    Returns
    -------
    numpy.ndarray
        ``(P, T)`` outcome indices (see ``classify``).
    """
    inputs = np.asarray(inputs)
    p, t, n = inputs.shape
    net = HopfieldNetwork(w)
    final = net.recall(inputs.reshape(p * t, n), seed=seed, mode=mode)
    return classify(final.reshape(p, t, n), patterns)


def standard_rules(patterns, compact: dict | None = None,
                   names=("outer", "projection"), options: dict | None = None) -> dict:
    """Weights of registered rules for ``patterns``, by label.

    Parameters
    ----------
    patterns : array_like
        ``(P, N)`` patterns of +1/-1.
    compact : dict, optional
        ``{label: (CompactModel, train_kwargs)}``: each model learns the
        patterns with ``CompactModel.learn(patterns, **train_kwargs)``.
    names : sequence of str
        Rules of ``ubhop.rules.RULES`` to include (``ubhop.rules.rule_names()``
        for all of them).
    options : dict, optional
        ``{rule name: {option: value}}``: options of a rule (default: the
        rule's own defaults).

    Returns
    -------
    dict
        ``{rule label: W}``, e.g. ``{"outer product": W, "projection": W,
        **compact}``.

    Raises
    ------
    ValueError
        For an unknown rule name, or options for a rule not in ``names``.
    """
    x = as_patterns(patterns)
    options = dict(options or {})
    rules = [get_rule(name) for name in names]
    unused = set(options) - {r.name for r in rules}
    if unused:
        raise ValueError(f"options given for rules not in names: {sorted(unused)}.")
    out = {}
    for rule in rules:
        out[rule.label] = learn(rule, x, **options.get(rule.name, {}))
    for label, (model, kwargs) in (compact or {}).items():
        out[label] = model.learn(x, **kwargs)
    return out


def accuracy_table(patterns, rules: dict, ks=range(1, 8), trials: int = 500,
                   seed: int = 0, mode: str = "async", z: float = Z95) -> list:
    """Recall accuracy of each rule on the same distorted inputs.

    Parameters
    ----------
    patterns : array_like
        ``(P, N)`` stored patterns of +1/-1.
    rules : dict
        ``{name: W}``: ``(N, N)`` weights (any source: a software rule, the
        compact model, a device's calibrated weight map).
    ks : iterable of int
        Numbers of flipped pixels.
    trials : int
        Distorted inputs per pattern and ``k`` (``n_trials = P * trials``).
    seed : int
        Seed of the distortions (``[seed, k]``) and of the update order.
    mode : str
        Recall mode.
    z : float
        Normal quantile of the Wilson interval.

    Returns
    -------
    list of dict
        One row per ``(k, rule)``: ``k``, ``rule``, ``accuracy``,
        ``successes``, ``n_trials``, ``ci_low``, ``ci_high`` and the fractions
        ``flipped``, ``other``, ``spurious``; ``per_pattern`` lists the
        accuracy of each stored pattern.
    """
    x = as_patterns(patterns)
    n = x.shape[1]
    ks = [_check_k(k, n) for k in ks]
    if not rules:
        raise ValueError("Give at least one rule {name: W}.")
    for name, w in rules.items():
        if np.shape(w) != (n, n):
            raise ValueError(f"Rule {name!r}: W must be ({n}, {n}), got {np.shape(w)}.")
    rows = []
    for k in ks:
        inputs = distort(x, k, trials, seed=[seed, k])
        for name, w in rules.items():
            out = recall_outcomes(w, inputs, x, seed=seed, mode=mode)
            total = out.size
            ok = int((out == 0).sum())
            lo, hi = wilson_interval(ok, total, z)
            rows.append({
                "k": k, "rule": name, "accuracy": ok / total, "successes": ok,
                "n_trials": total, "ci_low": lo, "ci_high": hi,
                "flipped": float((out == 1).mean()),
                "other": float((out == 2).mean()),
                "spurious": float((out == 3).mean()),
                "per_pattern": [float(v) for v in (out == 0).mean(axis=1)],
            })
    return rows


def summary_rows(rows, z: float = Z95) -> list:
    """Pool an accuracy table over ``k``: one row per rule (``k = "all"``)."""
    out = []
    for name in dict.fromkeys(r["rule"] for r in rows):
        sel = [r for r in rows if r["rule"] == name]
        ok = sum(r["successes"] for r in sel)
        total = sum(r["n_trials"] for r in sel)
        lo, hi = wilson_interval(ok, total, z)
        out.append({"k": "all", "rule": name, "accuracy": ok / total,
                    "successes": ok, "n_trials": total, "ci_low": lo, "ci_high": hi})
    return out


def stable_fraction(w, patterns) -> float:
    """Fraction of patterns that are exact fixed points of ``w``.

    A pattern is stable when every local field ``h_i = sum_j W_ij x_j`` has
    the sign of ``x_i`` or is zero (a zero field keeps ``x_i``); fields below
    ``1e-12 sum_j |W_ij|`` count as zero (rounding).
    """
    x = as_patterns(patterns).astype(float)
    w = np.array(w, dtype=float)
    np.fill_diagonal(w, 0.0)
    h = x @ w
    tol = 1e-12 * np.abs(w).sum(axis=1)
    ok = (h * x > 0) | (np.abs(h) <= tol)
    return float(ok.all(axis=1).mean())


def capacity_curve(n: int, counts, rules=("outer", "projection"),
                   draws: int = 10, seed: int = 0, recall: bool = True) -> list:
    """Storage of random patterns against their number, for each rule.

    Parameters
    ----------
    n : int
        Nodes.
    counts : iterable of int
        Numbers ``P`` of stored patterns.
    rules : sequence
        Names of ``ubhop.rules.RULES`` (reported by their label) or
        ``(label, function)`` pairs, where ``function(patterns) -> W``.
    draws : int
        Independent random pattern sets per ``P`` (the same sets for every
        rule; seed ``[seed, P, draw]``).
    seed : int
        Base seed.
    recall : bool
        Also recall every pattern from itself (asynchronous, seed ``seed``).

    Returns
    -------
    list of dict
        One row per ``(P, rule)``: ``n``, ``p``, ``load`` (``P / N``),
        ``rule``, ``stable`` (fraction of exact fixed points), ``n_patterns``
        (``P * draws``), and with ``recall`` ``exact`` (fraction recalled
        exactly, with ``ci_low``, ``ci_high``) and ``overlap`` (mean
        ``x . s / N``).
    """
    if not isinstance(n, int | np.integer) or n < 2:
        raise ValueError(f"n must be an int >= 2, got {n!r}.")
    named = []
    for r in rules:
        if isinstance(r, str):
            rule = get_rule(r)
            named.append((rule.label, functools.partial(learn, rule)))
        else:
            named.append(tuple(r))
    rows = []
    for p in counts:
        if not isinstance(p, int | np.integer) or p < 1:
            raise ValueError(f"Pattern counts must be ints >= 1, got {p!r}.")
        sets = [np.random.default_rng([seed, int(p), d]).choice(
            np.array([-1, 1], dtype=np.int8), size=(int(p), n)) for d in range(draws)]
        for name, fn in named:
            stable, exact, overlap = [], [], []
            for x in sets:
                w = fn(x)
                stable.append(stable_fraction(w, x))
                if recall:
                    s = HopfieldNetwork(w).recall(x, seed=seed).astype(np.int32)
                    exact.append((s == x).all(axis=1))
                    overlap.append((s * x).sum(axis=1) / n)
            row = {"n": int(n), "p": int(p), "load": p / n, "rule": name,
                   "stable": float(np.mean(stable)), "n_patterns": int(p) * draws}
            if recall:
                e = np.concatenate(exact)
                lo, hi = wilson_interval(int(e.sum()), e.size)
                row.update(exact=float(e.mean()), ci_low=lo, ci_high=hi,
                           overlap=float(np.concatenate(overlap).mean()))
            rows.append(row)
    return rows
