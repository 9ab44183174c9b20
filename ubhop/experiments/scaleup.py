"""Letters: the 35-node device, its weights as a rule, and recall accuracy.

The device is trained on 5 x 7 letters; the recall accuracy of similar letters
is measured for every rule.

Two layouts (``Device.grid(7, 5)``: an interior array whose node order is the
bitmap's reading order; ``Device.ring(35)``: pads round the perimeter), the
training configuration for a set of letters, and the Hopfield weights a trained
run gives through its calibrated weight map, with what they resemble.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from ..accuracy import accuracy_table, standard_rules
from ..compact import CompactModel
from ..device import Device
from ..hopfield import outer_product
from ..letters import letters
from ..materials import Disorder
from ..oersted import oersted_field
from ..patterns import as_pattern, as_patterns, pattern_string
from ..schedule import Relax
from ..training import TrainingConfig

LAYOUTS = ("grid", "ring")


def letters_device(layout: str = "grid", size: float = 2e-6, cell: float = 10e-9,
                   disorder: Disorder | None = None) -> Device:
    """A 35-node square film for 5 x 7 letters.

    Parameters
    ----------
    layout : str
        ``"grid"`` (7 rows x 5 columns of interior pads, node = pixel in reading
        order) or ``"ring"`` (35 pads round the perimeter).
    size : float
        Film side (m).
    cell : float
        In-plane cell side (m).
    disorder : Disorder, optional
        Grain pinning; default 50 nm grains with K = 2e4 J/m^3 (the demo's).

    Returns
    -------
    Device
    """
    disorder = Disorder(grain_size=50e-9, K=2e4) if disorder is None else disorder
    c = (cell, cell, None)
    if layout == "grid":
        return Device.grid(7, 5, size=size, cell=c, disorder=disorder)
    if layout == "ring":
        return Device.ring(35, size=size, cell=c, disorder=disorder)
    raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}.")


def letters_config(names: str, device: Device | None = None, pulses: int = 1,
                   cycles: int = 3, peak_field: float = 15e-3,
                   pulse_duration: float = 0.2e-9, start: str = "uniform_diag",
                   seed: int = 0, engine: str = "auto") -> TrainingConfig:
    """Training on letters in cycles: ``pulses`` pulses per letter, ``cycles`` times.

    Parameters
    ----------
    names : str
        The letters, e.g. ``"BCGO"``.
    device : Device, optional
        A 35-node device; default ``letters_device("grid")``.
    pulses, cycles : int
        Pulses per letter in a cycle; cycles of the letters.
    peak_field : float
        Peak Oersted field of every pulse (T).
    pulse_duration : float
        Pulse length (s); the ramps take ``min(50 ps, duration / 4)``.
    start : str
        Starting texture (``TrainingConfig.start``).
    seed : int
        Seed of a random start.
    engine : str
        Engine name.

    Returns
    -------
    TrainingConfig
        Relaxation by energy minimisation after every pulse; one engine call
        per letter.
    """
    device = letters_device("grid") if device is None else device
    x = letters(names)
    if device.n_nodes != x.shape[1]:
        raise ValueError(
            f"Letters have {x.shape[1]} pixels but the device has {device.n_nodes} "
            "nodes: use letters_device()."
        )
    return TrainingConfig(
        device=device, schedule=[(pattern_string(p), pulses) for p in x],
        peak_field=peak_field, pulse_duration=pulse_duration,
        rise=min(50e-12, pulse_duration / 4), relax=Relax(method="minimise"),
        start=start, seed=seed, cycles=cycles, engine=engine, chunk=pulses,
    )


def field_coverage(device: Device, patterns, level: float = 0.25) -> dict:
    """How much of the film the pulse fields of ``patterns`` reach.

    The field is linear in the voltages, so the result does not depend on V0.

    Parameters
    ----------
    device : Device
        The device.
    patterns : array_like
        ``(P, N)`` patterns of +1/-1 (e.g. ``ubhop.letters("BCGO")``).
    level : float
        Threshold as a fraction of each pattern's own maximum in-plane field.

    Returns
    -------
    dict
        Means over the patterns: ``above`` (fraction of the cells whose
        in-plane ``|H|`` exceeds ``level`` times its maximum) and ``median``
        (median in-plane ``|H|`` over its maximum).
    """
    x = np.asarray(patterns, dtype=float).reshape(-1, device.n_nodes)
    above, median = [], []
    for p in x:
        h = oersted_field(device, 1e-3 * p)
        b = np.linalg.norm(h.array[..., :2], axis=-1).ravel()
        above.append((b > level * b.max()).mean())
        median.append(np.median(b) / b.max())
    return {"above": float(np.mean(above)), "median": float(np.mean(median))}


def _corr(a, b) -> float:
    off = ~np.eye(a.shape[0], dtype=bool)
    a, b = a[off], b[off]
    if np.std(a) == 0 or np.std(b) == 0:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1])


def trained_patterns(hist) -> np.ndarray:
    """The distinct patterns of a history, in the order first pulsed, ``(P, N)``."""
    seen = dict.fromkeys(pattern_string(p) for p in hist.pattern.values[1:])
    return np.array([as_pattern(p) for p in seen])


def device_weights(hist, patterns=None) -> tuple[np.ndarray, dict]:
    """Hopfield weights of a trained run, and what they resemble.

    ``W = s (G(last) - G(0)) / G_scale`` through ``ubhop.weights.calibrate``
    (the sign from the first pulse of every segment; for cycles of many
    patterns ``G_avg`` is not identifiable per pair, so ``G_ref`` is the relaxed
    start).

    Parameters
    ----------
    hist : xarray.Dataset
        A training history.
    patterns : array_like, optional
        ``(P, N)`` the stored patterns in training order; default the
        history's (``trained_patterns``).

    Returns
    -------
    w : numpy.ndarray
        ``(N, N)`` weights.
    info : dict
        ``sign``, ``evidence``, ``g_scale_S``, ``median_G_S``,
        ``max_rel_change`` (largest ``|G(last) - G(0)|`` over ``max G``),
        ``corr_outer_all`` and ``corr_outer_last`` (correlation of ``W`` with
        the outer-product weights of all patterns and of the last one alone: a
        one-jump memory keeps the last), ``corr_pulse`` (per pulse, the
        correlation of its change of G with ``V_i V_j``).
    """
    from ..weights import calibrate

    g = hist.G.values
    v = hist.voltage.values
    x = trained_patterns(hist) if patterns is None else np.asarray(patterns)
    last = as_pattern(hist.pattern.values[-1])
    off = ~np.eye(g.shape[1], dtype=bool)
    wmap = calibrate(hist)
    w = wmap.weights(g[-1])
    scale = float(np.abs(g[0][off]).max())
    return w, {
        "sign": wmap.sign, "evidence": wmap.evidence, "g_scale_S": wmap.g_scale,
        "median_G_S": float(np.median(g[0][off])),
        "max_rel_change": float(np.abs(g[-1] - g[0])[off].max() / scale),
        "corr_outer_all": _corr(w, outer_product(x)),
        "corr_outer_last": _corr(w, outer_product(last[None, :])),
        "corr_pulse": [_corr(g[t] - g[t - 1], np.outer(v[t], v[t]))
                       for t in range(1, g.shape[0])],
    }


def device_rules(run_dirs, patterns) -> dict:
    """``{"device (<run name>)": W}`` for trained runs of the given patterns.

    Raises
    ------
    ValueError
        If a run was not trained on exactly these patterns.
    """
    from .. import runs

    x = np.asarray(patterns)
    out = {}
    for d in run_dirs:
        d = Path(d)
        hist = runs.read_history(d / "history.nc")
        trained = trained_patterns(hist)
        if trained.shape != x.shape or not {pattern_string(p) for p in trained} == {
                pattern_string(p) for p in x}:
            raise ValueError(
                f"{d} was trained on {[pattern_string(p) for p in trained]}, not on "
                "the letters asked for: give the run of the same letter set."
            )
        out[f"device ({d.name})"] = device_weights(hist, x)[0]
    return out


def compact_rules(n: int, p: int, rate: float = 0.01, cycles: int | None = None):
    """The two compact models of the letters study, ``{name: (model, kwargs)}``.

    ``compact, rate R`` learns gradually (uniform ``alpha = 1``, ``G_avg = 0``,
    one pulse per pattern per cycle, ``cycles`` cycles); ``compact, one-jump``
    has rate 1 per pulse, as the fits of the simulated 4-node film give.
    """
    if cycles is None:
        cycles = max(1, math.ceil(math.log(1e-9) / (p * math.log1p(-min(rate, 0.99)))))
    return {
        f"compact, rate {rate:g}": (CompactModel.uniform(n, rate=rate),
                                     {"pulses": 1, "cycles": cycles}),
        "compact, one-jump": (CompactModel.uniform(n, rate=1.0),
                              {"pulses": 1, "cycles": 1}),
    }


def letters_accuracy(patterns, trials: int = 500, k_max: int = 7, seed: int = 0,
                     rate: float = 0.01, cycles: int | None = None,
                     extra: dict | None = None, names=None) -> list:
    """``accuracy_table`` of the software rules and two compact models.

    ``extra`` adds ``{name: W}`` rules (e.g. a device's weights). ``names``
    (rules of ``ubhop.rules.RULES``, with their default options) replaces the
    default set, the outer product, the projection and the two compact models
    of ``compact_rules``.
    """
    x = as_patterns(patterns)
    if not isinstance(k_max, int | np.integer) or not 1 <= k_max <= x.shape[1]:
        raise ValueError(f"k_max must be an int in [1, {x.shape[1]}], got {k_max!r}.")
    if names is not None:
        rules = standard_rules(x, names=names)
    else:
        rules = standard_rules(x, compact_rules(x.shape[1], x.shape[0], rate, cycles))
    rules.update(extra or {})
    return accuracy_table(x, rules, ks=range(1, k_max + 1), trials=trials, seed=seed)
