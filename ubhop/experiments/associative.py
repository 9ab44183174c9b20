"""Associative memory on the 4-node device: the paper's Fig. 3.

Four nodes have 16 states; a global flip leaves the Hopfield energy unchanged,
so there are 8 classes, one of them uniform (``"++++"``, which drives no
current). The other seven are the independent patterns a device can be taught
(``seven_patterns``). ``train_patterns`` trains the device on each of them, one
at a time, from one shared starting texture; ``weights_for_run`` turns a run's
conductances into Hopfield weights through the calibrated weight map
(``ubhop.weights.calibrate``); ``energy_table`` and ``recall_table`` measure
whether the trained pattern is the energy minimum and whether every one-bit
corruption of it is recalled; ``fig3`` draws the energy diagrams.
"""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np

from .. import runs
from ..hopfield import HopfieldNetwork
from ..patterns import as_pattern, as_patterns, pattern_string

START_FILE = "start.ovf"
NODE_NAMES = ("N", "E", "S", "W")


def seven_patterns(n: int = 4) -> np.ndarray:
    """The independent non-uniform patterns of ``n`` nodes, up to a global flip.

    Canonical form: the first node is ``+1``. These are the ``2^(n-1)`` states
    with ``s_0 = +1`` (binary order, ``+`` before ``-``) less the uniform one;
    for ``n = 4`` they are ``+++-, ++-+, ++--, +-++, +-+-, +--+, +---``.

    Parameters
    ----------
    n : int
        Number of nodes (>= 2). Default 4 (seven patterns).

    Returns
    -------
    numpy.ndarray
        ``(2^(n-1) - 1, n)`` int8 array of +1/-1 (dimensionless).

    Examples
    --------
    >>> from ubhop.experiments.associative import seven_patterns
    >>> [pattern_string(p) for p in seven_patterns()][:3]
    ['+++-', '++-+', '++--']
    """
    if not (isinstance(n, int) and n >= 2):
        raise ValueError(f"n must be an int >= 2, got {n!r}.")
    rest = itertools.product((1, -1), repeat=n - 1)
    out = [(1, *r) for r in rest if not all(v == 1 for v in r)]
    return np.array(out, dtype=np.int8)


def all_states(n: int = 4) -> np.ndarray:
    """All ``2^n`` states of +1/-1, binary order with ``+`` first, ``(2^n, n)``."""
    return np.array(list(itertools.product((1, -1), repeat=n)), dtype=np.int8)


def _names(patterns) -> list[str]:
    if isinstance(patterns, str):
        patterns = [patterns]
    rows = [as_pattern(x) for x in patterns]
    return [pattern_string(x) for x in as_patterns(rows)]


def prepare_start(base_config, out_dir, engine=None) -> Path:
    """Relax the base configuration's starting texture once; return its OVF path.

    The texture is written to ``out_dir/start.ovf`` (kept if it exists) so that
    every pattern's run starts from the same magnetisation and the same
    conductances ``G(step 0)``.

    Parameters
    ----------
    base_config : TrainingConfig
        Its ``device``, ``start``, ``seed`` and ``relax`` are used.
    out_dir : str or Path
        Directory of the experiment.
    engine : Engine, optional
        Default: ``ubhop.get_engine(base_config.engine)``.

    Returns
    -------
    pathlib.Path
        Absolute path of the relaxed starting texture.
    """
    from ..engines import get_engine
    from ..schedule import Relax
    from ..training import starting_texture

    out_dir = Path(out_dir).resolve()
    path = out_dir / START_FILE
    if path.exists():
        return path
    if Path(base_config.start).suffix == ".ovf":
        m = starting_texture(base_config.device, base_config.start, base_config.seed)
    else:
        engine = get_engine(base_config.engine) if engine is None else engine
        relax = base_config.relax if base_config.relax.method == "minimise" else Relax()
        m0 = starting_texture(base_config.device, base_config.start, base_config.seed)
        (m,) = engine.run(base_config.device, m0, [relax])
    runs.write_field(path, m)
    return path


def pattern_config(base_config, pattern, start, pulses: int | None = None):
    """The configuration of one pattern's run: ``pulses`` pulses of ``pattern``.

    Parameters
    ----------
    base_config : TrainingConfig
        Device, pulse, relaxation and engine settings.
    pattern : str or array_like
        The training pattern (+1/-1 per node).
    start : str or Path
        OVF path of the shared starting texture.
    pulses : int, optional
        Pulses of the pattern. Default: the first segment's pulse count.

    Returns
    -------
    TrainingConfig
    """
    pulses = base_config.schedule[0].pulses if pulses is None else pulses
    name = pattern_string(as_pattern(pattern, base_config.device.n_nodes))
    return dataclasses.replace(base_config, schedule=[(name, pulses)],
                               start=str(start), cycles=1,
                               chunk=min(base_config.chunk, pulses))


def train_patterns(base_config, patterns=None, out_dir="runs/fig3", engine=None,
                   pulses: int | None = None, progress: bool = False,
                   workers: int = 1, scheduler=None) -> dict:
    """Train the device on each pattern, one run per pattern, from one start.

    Run ``k`` lives in ``out_dir/<pattern>/`` (e.g. ``out_dir/++--/``) and
    resumes like any ``ubhop.train`` run; the shared relaxed starting texture
    is ``out_dir/start.ovf``.

    Parameters
    ----------
    base_config : TrainingConfig
        Device, pulse (``peak_field`` in T or ``v0`` in V, durations in s),
        relaxation, starting texture and engine; its schedule only gives the
        default number of pulses.
    patterns : array_like, optional
        ``(P, N)`` patterns of +1/-1. Default ``seven_patterns(N)``.
    out_dir : str or Path
        Directory of the experiment.
    engine : Engine or str, optional
        Default: ``base_config.engine``. An ``Engine`` object only with
        ``workers=1``.
    pulses : int, optional
        Pulses per pattern. Default: the base schedule's first segment.
    progress : bool
        Show a progress bar over the patterns.
    workers : int
        Local worker processes for the pattern runs (``ubhop.sweep``).
    scheduler : str or distributed.Client, optional
        Run the patterns on a Dask cluster instead.

    Returns
    -------
    dict
        Pattern string -> run directory (Path), in the order of ``patterns``.

    Raises
    ------
    RuntimeError
        If a pattern's run failed (the others are kept).
    """
    from ..engines import get_engine
    from ..sweep import Family, run_family

    n = base_config.device.n_nodes
    patterns = seven_patterns(n) if patterns is None else patterns
    names = _names(patterns)
    out_dir = Path(out_dir).resolve()
    start_engine = engine
    if start_engine is None or isinstance(start_engine, str):
        start_engine = get_engine(engine or base_config.engine)
    start = prepare_start(base_config, out_dir, start_engine)
    family = Family(None, vary={"pattern": names},
                    configs=[pattern_config(base_config, name, start, pulses)
                             for name in names],
                    dirname="{pattern}", members_dir=".")
    run_family(family, out_dir, workers=workers, scheduler=scheduler, engine=engine,
               progress=progress, gather_results=False, raise_failures=True)
    return {name: out_dir / name for name in names}


def pattern_runs(out_dir) -> dict:
    """The pattern runs of an experiment directory: pattern -> run directory."""
    out_dir = Path(out_dir)
    found = {}
    for d in sorted(out_dir.iterdir()):
        if (d / "history.nc").exists() and set(d.name) <= {"+", "-"}:
            found[d.name] = d
    return found


@dataclasses.dataclass
class RunWeights:
    """Hopfield weights of one run.

    Attributes
    ----------
    pattern : str
        The run's training pattern (its last pulse's pattern).
    w : numpy.ndarray
        ``(N, N)`` weights (dimensionless), zero diagonal.
    sign : int
        Sign of the weight map used (+1 Hebbian in G, -1 anti-Hebbian).
    run_sign : int or None
        The sign calibrated from this run alone (None if the run changed
        nothing).
    correlation : float
        Correlation of the first pulse's ``dG_ij`` with ``V_i V_j`` (NaN if
        nothing changed).
    dg : numpy.ndarray
        ``G(step) - G(step 0)`` (S).
    g_scale : float
        Conductance scale of the map (S).
    reference : str
        What ``G_ref`` is: ``"start"`` (the relaxed start, ``G(step 0)``),
        ``"patterns"`` (``G_avg`` fitted over all runs of the experiment,
        ``ubhop.weights.calibrate_patterns``) or ``"others"`` (fitted over the
        other runs only: cross-validated).
    """

    pattern: str
    w: np.ndarray
    sign: int
    run_sign: int | None
    correlation: float
    dg: np.ndarray
    g_scale: float
    reference: str = "start"


def weights_for_run(run_dir, sign: int | None = None, step: int = -1,
                    rtol: float = 1e-5) -> RunWeights:
    """Hopfield weights of a trained run through the calibrated weight map.

    ``W = s (G(step) - G_ref) / G_scale`` with ``G_ref = G(step 0)``, the
    relaxed start (``ubhop.weights.calibrate`` without a fit: for one pattern
    ``G_avg`` of eq. (1) is not identifiable).

    Parameters
    ----------
    run_dir : str or Path
        A run directory written by ``ubhop.train``.
    sign : int, optional
        Override the sign ``s`` (e.g. the sign over all seven runs); default:
        the sign calibrated from this run.
    step : int
        The step whose ``G`` gives the weights. Default: the last.
    rtol : float
        A run whose ``max |G_ij(step) - G_ij(0)|`` is below ``rtol * max |G_ij|``
        kept nothing (the relaxation undid the pulses; what is left is solver
        noise, about 1e-8 relative): its weights are zero. Default 1e-5.

    Returns
    -------
    RunWeights
        If the run kept no change of G (or its first pulse changed nothing),
        ``w`` is zero; ``run_sign`` is None when the first pulse changed
        nothing.
    """
    from ..weights import calibrate

    if sign not in (None, 1, -1):
        raise ValueError(f"sign must be None, +1 or -1, got {sign!r}.")
    hist = runs.read_history(Path(run_dir) / "history.nc")
    g = hist.G.values
    if g.shape[0] < 2:
        raise ValueError(f"{run_dir} holds no training step yet.")
    pattern = pattern_string(hist.pattern.values[-1])
    dg = g[step] - g[0]
    n = g.shape[1]
    off = ~np.eye(n, dtype=bool)
    scale = np.abs(g[0][off]).max()
    first = np.abs(g[1] - g[0])[off].max()
    if first <= rtol * scale:
        return RunWeights(pattern, np.zeros((n, n)), sign or -1, None, float("nan"),
                          dg, 1.0)
    wmap = calibrate(hist)
    used = wmap.sign if sign is None else sign
    wmap = dataclasses.replace(wmap, sign=used)
    kept = np.abs(dg[off]).max() > rtol * scale
    w = wmap.weights(g[step]) if kept else np.zeros((n, n))
    return RunWeights(pattern, w, used, wmap.sign, wmap.evidence["correlation"],
                      dg, wmap.g_scale)


def global_sign(weights: dict) -> int:
    """The sign over several runs: the sign of the summed calibrated evidence.

    Parameters
    ----------
    weights : dict
        Pattern -> RunWeights.

    Returns
    -------
    int
        ``-1`` if the runs' first-pulse correlations sum to < 0, else ``+1``.
    """
    c = [w.correlation for w in weights.values() if np.isfinite(w.correlation)]
    if not c:
        raise ValueError("No run changed G: the sign cannot be determined.")
    return -1 if float(np.sum(c)) < 0 else 1


def energy_row(w, pattern) -> dict:
    """Energies of all states under ``w`` and whether ``pattern`` is the minimum.

    Parameters
    ----------
    w : array_like
        ``(N, N)`` symmetric weights (dimensionless), N <= 20.
    pattern : str or array_like
        The trained pattern.

    Returns
    -------
    dict
        ``pattern``, ``states`` (strings), ``energies`` (dimensionless,
        ``-1/2 s^T W s``), ``minima`` (strings), ``is_minimum`` (the minima are
        exactly the pattern and its flip), ``gap`` (lowest energy of any other
        state minus the pattern's energy; > 0 when the pattern is the unique
        minimum up to the flip), ``pairs_following`` (pairs with
        ``sign W_ij = p_i p_j``) and ``pairs`` (all pairs).
    """
    net = HopfieldNetwork(w)
    p = as_pattern(pattern, net.n)
    states, e = net.landscape()
    e_p = float(net.energy(p))
    mins = {pattern_string(s) for s in net.minima(atol=1e-9)}
    target = {pattern_string(p), pattern_string(-p)}
    other = ~(np.all(states == p, axis=1) | np.all(states == -p, axis=1))
    iu = np.triu_indices(net.n, 1)
    follow = int(np.sum(np.sign(net.w[iu]) == np.outer(p, p)[iu]))
    return {"pattern": pattern_string(p),
            "states": [pattern_string(s) for s in states],
            "energies": [float(x) for x in e],
            "minima": sorted(mins),
            "is_minimum": mins == target,
            "gap": float(e[other].min() - e_p),
            "pairs_following": follow,
            "pairs": len(iu[0])}


def energy_table(weights: dict) -> list[dict]:
    """One ``energy_row`` per trained pattern.

    Parameters
    ----------
    weights : dict
        Pattern -> ``(N, N)`` weights, or pattern -> RunWeights.

    Returns
    -------
    list of dict
        As ``energy_row``, plus ``sign`` and ``correlation`` for RunWeights.
    """
    rows = []
    for name, w in weights.items():
        if isinstance(w, RunWeights):
            row = energy_row(w.w, name)
            row.update(sign=w.sign, run_sign=w.run_sign, correlation=w.correlation,
                       changed=w.run_sign is not None)
        else:
            row = energy_row(w, name)
        rows.append(row)
    return rows


def one_bit_corruptions(pattern) -> np.ndarray:
    """Every state one bit away from ``pattern``, ``(N, N)`` (row k flips node k)."""
    p = as_pattern(pattern)
    out = np.tile(p, (p.size, 1))
    out[np.arange(p.size), np.arange(p.size)] *= -1
    return out.astype(np.int8)


def recall_table(weights: dict, seed: int = 0, mode: str = "async") -> list[dict]:
    """Recall from every one-bit corruption of each trained pattern (batched).

    Parameters
    ----------
    weights : dict
        Pattern -> ``(N, N)`` weights or RunWeights.
    seed : int
        Seed of the asynchronous update order.
    mode : str
        ``"async"`` or ``"sync"`` (see ``HopfieldNetwork.recall``).

    Returns
    -------
    list of dict
        One per (pattern, corrupted node): ``pattern``, ``flipped`` (node
        index), ``input``, ``output`` (strings) and ``recalled`` (the output is
        the pattern or its flip).
    """
    rows = []
    for name, w in weights.items():
        w = w.w if isinstance(w, RunWeights) else w
        net = HopfieldNetwork(w)
        p = as_pattern(name, net.n)
        inputs = one_bit_corruptions(p)
        outs = net.recall(inputs, seed=seed, mode=mode)
        for k, (x, y) in enumerate(zip(inputs, outs, strict=True)):
            rows.append({"pattern": name, "flipped": k, "input": pattern_string(x),
                         "output": pattern_string(y),
                         "recalled": bool(np.all(y == p) or np.all(y == -p))})
    return rows


REFERENCES = ("start", "patterns", "others")


def experiment_weights(out_dir, sign: str | int = "global",
                       reference: str = "start", step: int = -1) -> dict:
    """Weights of every pattern run in an experiment directory.

    Parameters
    ----------
    out_dir : str or Path
        Directory written by ``train_patterns``.
    sign : {"global", "run"} or int
        ``"run"``: each run's own calibrated sign; ``"global"``: the sign over
        all runs (for ``reference="start"`` the sign of the summed first-pulse
        evidence, ``global_sign``; otherwise the sign of the slopes fitted by
        ``ubhop.weights.calibrate_patterns``); or +1/-1.
    reference : {"start", "patterns", "others"}
        ``G_ref`` of the weight map. ``"start"``: each run's relaxed start
        (``weights_for_run``). ``"patterns"``: eq. (1)'s ``G_avg`` fitted over
        the trained states of all runs, per pair ``G_ij = G_avg_ij + c_ij
        v_i v_j`` (``calibrate_patterns``). ``"others"``: the same fit
        without the run being weighted (cross-validation: a pattern's weights
        do not use its own run's reference). The fitted references need at
        least three runs in which every pair takes both signs of ``v_i v_j``.
    step : int
        The step whose ``G`` gives the weights. Default: the last.

    Returns
    -------
    dict
        Pattern -> RunWeights.
    """
    from ..weights import calibrate_patterns

    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}, got {reference!r}.")
    if sign not in ("global", "run", 1, -1):
        raise ValueError(f"sign must be 'global', 'run', +1 or -1, got {sign!r}.")
    found = pattern_runs(out_dir)
    if not found:
        raise ValueError(f"{out_dir} holds no pattern runs.")
    per_run = {k: weights_for_run(d, step=step) for k, d in found.items()}
    if reference == "start":
        if sign == "run":
            return per_run
        s = global_sign(per_run) if sign == "global" else sign
        return {k: weights_for_run(d, sign=s, step=step) for k, d in found.items()}
    if len(found) < 3:
        raise ValueError(f"reference={reference!r} fits G_avg over the runs and needs "
                         f"at least 3 pattern runs; {out_dir} holds {len(found)}.")
    names = list(found)
    g = np.array([runs.read_history(found[k] / "history.nc").G.values[step]
                  for k in names])
    pats = [as_pattern(k) for k in names]
    out = {}
    for k, name in enumerate(names):
        wmap = calibrate_patterns(g, pats,
                                  holdout=k if reference == "others" else None)
        own = per_run[name].run_sign
        if sign == "run":
            used = own if own is not None else wmap.sign
        else:
            used = wmap.sign if sign == "global" else sign
        wmap = dataclasses.replace(wmap, sign=used)
        out[name] = RunWeights(name, wmap.weights(g[k]), used, own,
                               per_run[name].correlation, per_run[name].dg,
                               wmap.g_scale, reference)
    return out


def run_weights(run_dir, reference: str = "start") -> dict:
    """Weights of one run, or of every run of a seven-pattern experiment.

    Parameters
    ----------
    run_dir : str or Path
        A run directory (its own calibrated sign; only ``reference="start"``)
        or an experiment directory of ``train_patterns``.
    reference : {"start", "patterns", "others"}
        ``G_ref`` of the weight map (see ``experiment_weights``).

    Returns
    -------
    dict
        Pattern -> RunWeights.
    """
    run_dir = Path(run_dir)
    if (run_dir / "history.nc").exists():
        if reference != "start":
            raise ValueError(
                f"reference={reference!r} fits G_avg over the runs of a seven-pattern "
                f"experiment; {run_dir} is a single run. Give the experiment "
                f"directory, or use reference='start'.")
        rw = weights_for_run(run_dir)
        return {rw.pattern: rw}
    return experiment_weights(run_dir, reference=reference)


