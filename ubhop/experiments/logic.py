"""Boolean logic gates as 4-node Hopfield networks, and their reprogramming.

Node order: ``(a, b, out, bias)``. Values are +1 (True) and -1 (False); node 3,
the bias, is held at +1 in training and in inference (on the film it is a pad
held at ``+V0`` in every training pulse, so a gate's pattern voltages are
``V0 * (a, b, out, +1)``).

Why a bias node: the energy ``E(s) = -1/2 s^T W s`` is even, ``E(s) = E(-s)``,
so a network of the three nodes ``(a, b, out)`` alone cannot tell a truth
table from its complement (``(a, b, out)`` and ``(-a, -b, -out)`` are learnt
and recalled alike), and AND and OR are not symmetric under a global flip
(AND's complement under the flip is OR). A node held at +1 breaks the symmetry:
it adds the threshold ``W_out,bias`` to the output's local field.

Training: the network learns the gate's four patterns ``(a, b, out, +1)``
(``gate_patterns``), with the outer-product or projection rule or with the
compact model of eq. (1) (``ubhop.compact.CompactModel``, the software stand-in
for the film's learning law), the four patterns applied in cycles of pulses.
AND's and OR's row ``a = b = out = +1`` is the uniform pattern: a pulse of it
drives no current and teaches nothing, on the film and in the compact model, so
a device that follows eq. (1) holds AND only if its (out, bias) pair's
``alpha`` exceeds 3/2 of the others' (``bias_ratio_interval``).

Inference: inputs and bias are clamped; the output takes the sign of its local
field ``h = W_oa a + W_ob b + W_o,bias`` (``clamped_output``). A zero field is
undecided (returned as 0) and counts as a wrong output. Because only the
output row of ``W`` enters, a gate is a linear threshold unit, so XOR and XNOR
cannot be learnt by any weights (``xor_learnable``).
"""

from __future__ import annotations

import itertools

import numpy as np

from ..hopfield import check_weights
from ..rules import get_rule, learn

NODES = ("a", "b", "out", "bias")
INPUTS = ((1, 1), (1, -1), (-1, 1), (-1, -1))
_TABLES = {
    "AND": lambda a, b: 1 if (a > 0 and b > 0) else -1,
    "OR": lambda a, b: 1 if (a > 0 or b > 0) else -1,
    "NAND": lambda a, b: -1 if (a > 0 and b > 0) else 1,
    "NOR": lambda a, b: -1 if (a > 0 or b > 0) else 1,
    "XOR": lambda a, b: 1 if (a > 0) != (b > 0) else -1,
    "XNOR": lambda a, b: -1 if (a > 0) != (b > 0) else 1,
}
GATES = tuple(_TABLES)
LEARNABLE = ("AND", "OR", "NAND", "NOR")


def gate_name(name) -> str:
    """The canonical name of a gate (``GATES``), case-insensitive."""
    key = str(name).upper() if isinstance(name, str) else None
    if key not in _TABLES:
        raise ValueError(f"Unknown gate {name!r}; allowed: {', '.join(GATES)}.")
    return key


def _bit(v, what) -> int:
    try:
        f = float(v)
    except (TypeError, ValueError):
        f = None
    if f not in (1.0, -1.0):
        raise ValueError(f"Input {what} must be +1 or -1, got {v!r}.")
    return int(f)


def expected(name, a, b) -> int:
    """The gate's output (+1 True, -1 False) for inputs ``a, b`` of +1/-1."""
    return _TABLES[gate_name(name)](_bit(a, "a"), _bit(b, "b"))


def gate_patterns(name) -> np.ndarray:
    """The gate's four training patterns ``(a, b, out, bias=+1)``, ``(4, 4)`` int8.

    Rows in the order of ``INPUTS``: ``(+1, +1), (+1, -1), (-1, +1), (-1, -1)``.

    Examples
    --------
    >>> from ubhop.experiments.logic import gate_patterns
    >>> gate_patterns("AND").tolist()[0]
    [1, 1, 1, 1]
    """
    key = gate_name(name)
    return np.array([(a, b, _TABLES[key](a, b), 1) for a, b in INPUTS],
                    dtype=np.int8)


def characteristic_pattern(name):
    """The one pattern whose outer product programs the gate, or None.

    Only the output row of ``W`` enters inference. The outer-product sum of
    the gate's four patterns has the output row ``sum_k out_k (a_k, b_k, 1)``;
    a single pattern ``p`` gives ``p_out (p_a, p_b, p_bias)``. Where the signs
    agree, writing ``p`` alone programs the gate: a device whose write erases
    what it held (one pattern at a time,
    ``ubhop.experiments.presets.fig3_config``) can hold such a gate. For OR
    the row is ``(+, +, +)``: ``p`` is uniform, which drives no current and
    cannot be written, so OR has none.

    Parameters
    ----------
    name : str
        A gate in ``LEARNABLE``.

    Returns
    -------
    numpy.ndarray or None
        ``(a, b, out, bias)`` of +1/-1 (int8), with ``out = +1``; None when the
        pattern would be uniform.

    Raises
    ------
    ValueError
        For a gate that is not a linear threshold unit (XOR, XNOR) or an
        unknown name.

    Examples
    --------
    >>> from ubhop.experiments.logic import characteristic_pattern
    >>> characteristic_pattern("AND").tolist(), characteristic_pattern("OR")
    ([1, 1, 1, -1], None)
    """
    key = gate_name(name)
    if not threshold_learnable(key):
        raise ValueError(f"{key} is not a linear threshold unit: no weights, and no "
                         f"pattern, program it (see xor_learnable).")
    pats = gate_patterns(key).astype(int)
    row = pats[:, 2] @ pats[:, [0, 1, 3]]
    if np.any(row == 0):
        raise ValueError(f"{key}: the Hebbian output row {row.tolist()} has a zero.")
    p = np.array([np.sign(row[0]), np.sign(row[1]), 1, np.sign(row[2])], dtype=np.int8)
    return None if np.all(p == 1) else p


def local_field(w, a, b) -> float:
    """The output's local field ``W_oa a + W_ob b + W_o,bias`` (bias at +1)."""
    w = check_weights(w)
    if w.shape != (4, 4):
        raise ValueError(f"A gate's W must be (4, 4) (nodes a, b, out, bias), got "
                         f"{w.shape}.")
    return float(w[2, 0] * _bit(a, "a") + w[2, 1] * _bit(b, "b") + w[2, 3])


def clamped_output(w, a, b, atol: float = 1e-12) -> int:
    """Output with inputs and bias clamped: the sign of its local field.

    Parameters
    ----------
    w : array_like
        ``(4, 4)`` symmetric weights, nodes ``(a, b, out, bias)``.
    a, b : int
        Inputs, +1 or -1.
    atol : float
        A field with ``|h| <= atol * max |W|`` is undecided.

    Returns
    -------
    int
        +1, -1, or 0 when the field is zero (undecided).
    """
    h = local_field(w, a, b)
    scale = max(float(np.abs(np.asarray(w, dtype=float)).max()), 1e-300)
    if abs(h) <= atol * scale:
        return 0
    return 1 if h > 0 else -1


def truth_table(w, gate=None) -> dict:
    """The network's truth table, and whether it is the gate's.

    Parameters
    ----------
    w : array_like
        ``(4, 4)`` weights.
    gate : str, optional
        Compare with this gate.

    Returns
    -------
    dict
        ``rows`` (list of ``(a, b, out)``), ``fields`` (local fields),
        ``gate`` (the name of the gate the table equals, or None), and with
        ``gate`` given, ``target``, ``expected`` (the gate's four outputs)
        and ``correct`` (all four outputs right).
    """
    rows, fields = [], []
    for a, b in INPUTS:
        rows.append((a, b, clamped_output(w, a, b)))
        fields.append(local_field(w, a, b))
    outs = [r[2] for r in rows]
    match = next((g for g in GATES
                  if outs == [_TABLES[g](a, b) for a, b in INPUTS]), None)
    out = {"rows": rows, "fields": fields, "gate": match}
    if gate is not None:
        key = gate_name(gate)
        out["target"] = key
        out["expected"] = [_TABLES[key](a, b) for a, b in INPUTS]
        out["correct"] = match == key
    return out


def default_model(rate: float = 0.1, bias_ratio: float = 1.0):
    """A 4-node compact model (eq. (1)) for gates, with the rate ``2 eta alpha``.

    Parameters
    ----------
    rate : float
        ``2 eta alpha`` per pulse, the same for every pair.
    bias_ratio : float
        ``alpha`` of the pair (out, bias) over that of the other pairs (> 0):
        the bias weight's fixed point is ``bias_ratio`` times smaller. Default
        1 (a uniform model). AND needs more than 3/2 (``bias_ratio_interval``).
    """
    from ..compact import CompactModel

    if not (isinstance(bias_ratio, int | float) and np.isfinite(bias_ratio)
            and bias_ratio > 0):
        raise ValueError(f"bias_ratio must be a finite number > 0, got {bias_ratio!r}.")
    alpha = np.ones((4, 4))
    alpha[2, 3] = alpha[3, 2] = bias_ratio
    return CompactModel(rate / (2.0 * alpha), alpha, 0.0)


def bias_ratio_interval(name) -> tuple:
    """The ``bias_ratio`` range in which slow eq. (1) learning holds the gate.

    On the film a pattern with every pad at one voltage drives no current and
    changes nothing (``ubhop.compact.drives_current``). AND and OR have one
    (``a = b = out = bias = +1``), so they learn from three patterns only.
    For slow learning (rate ``2 eta alpha << 1``) the weights over a steady
    cycle are ``<V_i V_j> / (2 alpha_ij)``, the mean over the pulses that drive
    current. With ``alpha`` the same on the pairs (out, a) and (out, b), and
    ``bias_ratio`` times larger on (out, bias), the output's row is
    ``(S_a, S_b, S_bias / bias_ratio)`` with ``S = <out (a, b, 1)>``:

    - AND: ``S = (1, 1, -3) / 3``, so ``h(+1, +1) = 2/3 - 1/bias_ratio``:
      correct only for ``bias_ratio > 3/2``. With equal ``alpha`` every output
      is False.
    - OR: ``S = (1, 1, 1) / 3``; NAND, NOR: ``S = (-1, -1, +-1) / 2``: correct
      for ``bias_ratio > 1/2``.

    So one device holds all four only if its (out, bias) pair learns a weight
    less than 2/3 of the inputs' for the same pattern. (The outer-product rule
    counts the uniform pattern too, which no pulse can apply.)

    Parameters
    ----------
    name : str
        A gate of ``LEARNABLE``.

    Returns
    -------
    (float, float) or None
        ``(lo, hi)`` with the gate correct for ``lo < bias_ratio < hi``
        (``hi`` may be ``inf``), or None if no ratio is.

    Examples
    --------
    >>> from ubhop.experiments.logic import bias_ratio_interval
    >>> bias_ratio_interval("AND"), bias_ratio_interval("OR")
    ((1.5, inf), (0.5, inf))
    """
    key = gate_name(name)
    if not threshold_learnable(key):
        raise ValueError(f"{key} is not a linear threshold unit: no weights hold it.")
    from ..compact import drives_current

    x = gate_patterns(key).astype(float)
    x = x[[drives_current(p) for p in x]]
    s = (x[:, 2:3] * x[:, [0, 1, 3]]).mean(axis=0)
    # expected * (s_a a + s_b b + s_bias u) > 0 for u = 1 / bias_ratio > 0
    lo_u, hi_u = 0.0, np.inf
    for a, b in INPUTS:
        t = _TABLES[key](a, b)
        c0, c1 = t * (s[0] * a + s[1] * b), t * s[2]
        if c1 > 0:
            lo_u = max(lo_u, -c0 / c1)
        elif c1 < 0:
            hi_u = min(hi_u, -c0 / c1)
        elif c0 <= 0:
            return None
    if not lo_u < hi_u:
        return None
    lo = 0.0 if np.isinf(hi_u) else 1.0 / hi_u
    hi = np.inf if lo_u == 0 else 1.0 / lo_u
    return (float(lo), float(hi))


def learn_gate_software(name, rule: str = "outer", model=None, rate: float = 0.1,
                        pulses_per_pattern: int = 1, cycles: int = 30,
                        bias_ratio: float = 1.0) -> np.ndarray:
    """Weights that learn a gate's truth table in software.

    Parameters
    ----------
    name : str
        Gate name (``GATES``).
    rule : str
        A rule of ``ubhop.rules.RULES``: ``"outer"`` (Hebbian),
        ``"projection"`` (pseudo-inverse), ``"compact"`` (eq. (1):
        ``cycles`` cycles of the four patterns, ``pulses_per_pattern`` each,
        from ``G_avg``; weights from the model's weight map), or any other
        registered rule with its default options.
    model : CompactModel, optional
        For ``"compact"``; default ``default_model(rate, bias_ratio)``.
    rate : float
        The default model's rate ``2 eta alpha`` per pulse.
    pulses_per_pattern, cycles : int
        The compact model's training schedule.
    bias_ratio : float
        The default model's ``alpha`` of (out, bias) over the others'.

    Returns
    -------
    numpy.ndarray
        ``(4, 4)`` weights.

    Notes
    -----
    The four patterns of AND, OR, NAND or NOR are linearly independent in four
    dimensions (the output column holds an ``a b`` term), so the projection
    rule gives the identity and, with its diagonal removed, ``W = 0`` (entries
    below 1e-6 of the largest weight, or of 1, are rounding or the residual of
    an iterated law's convergence and are set to 0): every output is
    undecided. Oja's subspace rules (``"oja"``, ``"oja-symmetric"``) converge
    to the same ``W = 0``.
    The outer-product rule gives ``h = (2a + 2b -+ 2) / 4``
    for AND/OR (and minus that for NAND/NOR), correct for all four inputs. The
    compact model, like the film, learns nothing from the uniform pattern of
    AND and OR (no current), so its weights average to the outer-product rule
    over the other three: AND then needs ``bias_ratio > 3/2``
    (``bias_ratio_interval``). At one instant they weigh recent patterns more,
    and for a rate near 1 (a one-jump memory, like the film) only the last
    pattern is kept.
    """
    x = gate_patterns(name)
    rule = get_rule(rule)
    if rule.name == "compact":
        m = default_model(rate, bias_ratio) if model is None else model
        w = learn(rule, x, model=m, pulses=pulses_per_pattern, cycles=cycles)
    else:
        w = learn(rule, x)
    # rounding (the projection's identity off-diagonal) and the residual of an
    # iterated law's convergence (Oja's W^T W -> I, about 1e-8 at tol 1e-9)
    # read as zero
    w[np.abs(w) < 1e-6 * max(1.0, np.abs(w).max())] = 0.0
    return w


def reprogram_sequence(model, gates=LEARNABLE, pulses_per_pattern: int = 1,
                       max_cycles: int = 50, g0=None, v0: float = 1.0) -> list[dict]:
    """Train one compact model on gate after gate, without resetting.

    Each gate's four patterns are applied in cycles, ``pulses_per_pattern``
    pulses each, continuing from the conductances the previous gate left. The
    truth table is read after every pulse. A gate is learnt when it is correct
    after every pulse of one whole cycle; training then moves to the next gate.

    Parameters
    ----------
    model : CompactModel
        A 4-node model (nodes ``(a, b, out, bias)``).
    gates : sequence of str
        Gates in training order.
    pulses_per_pattern : int
        Pulses per pattern in a cycle.
    max_cycles : int
        Give up on a gate after this many cycles.
    g0 : array_like, optional
        Starting conductances (S); default ``G_avg``.
    v0 : float
        Pulse voltage (V).

    Returns
    -------
    list of dict
        Per gate: ``gate``, ``first_pulse`` (pulses until the table was first
        correct, or None), ``pulses`` (pulses until the end of the first cycle
        that was correct throughout, or None), ``cycles`` used, ``correct``
        (the table after the last pulse), ``w`` (final weights) and ``g``.
    """
    if model.n != 4:
        raise ValueError(f"A gate needs a 4-node model, got n = {model.n}.")
    if not (isinstance(max_cycles, int) and max_cycles >= 1):
        raise ValueError(f"max_cycles must be an int >= 1, got {max_cycles!r}.")
    g = model.g_avg.copy() if g0 is None else np.array(g0, dtype=float)
    wmap = model.weight_map(v0)
    out = []
    for name in gates:
        key = gate_name(name)
        x = gate_patterns(key)
        first = stable = None
        count = 0
        used = 0
        for cyc in range(max_cycles):
            traj = model.train(x, pulses=pulses_per_pattern, cycles=1, v0=v0, g0=g,
                               record="pulse")
            ok = [truth_table(wmap.weights(gk), key)["correct"] for gk in traj[1:]]
            if first is None and any(ok):
                first = count + ok.index(True) + 1
            count += len(ok)
            g = traj[-1]
            used = cyc + 1
            if all(ok):
                stable = count
                break
        w = wmap.weights(g)
        out.append({"gate": key, "first_pulse": first, "pulses": stable,
                    "cycles": used, "correct": truth_table(w, key)["correct"],
                    "w": w, "g": g.copy()})
    return out


def noise_accuracy(w=None, gate=None, level: float = 0.0, trials: int = 100,
                   seed: int = 0, g=None, weight_map=None) -> float:
    """Fraction of noisy reads whose truth table is the gate's.

    Parameters
    ----------
    w : array_like, optional
        ``(4, 4)`` weights; the noise is relative to each ``W_ij``:
        ``W_ij (1 + level * n_ij)``, ``n_ij`` standard normal, symmetric.
    gate : str
        The target gate.
    level : float
        Relative error (standard deviation), >= 0.
    trials : int
        Noisy reads.
    seed : int
        Seed of the noise.
    g, weight_map : array_like, WeightMap, optional
        Instead of ``w``: conductances (S) read with relative error
        ``G_ij (1 + level * n_ij)``, then mapped to weights. A relative error
        of ``G`` is an absolute error of ``level * G / G_scale`` in ``W``.

    Returns
    -------
    float
    """
    key = gate_name(gate)
    if not (np.isfinite(level) and level >= 0):
        raise ValueError(f"level must be >= 0, got {level!r}.")
    if (w is None) == (g is None) or (g is not None and weight_map is None):
        raise ValueError("Give either w, or g with weight_map.")
    base = np.asarray(w if g is None else g, dtype=float)
    rng = np.random.default_rng(seed)
    good = 0
    for _ in range(trials):
        n = rng.standard_normal(base.shape)
        n = np.triu(n, 1)
        n = n + n.T
        noisy = base * (1.0 + level * n)
        wk = noisy if g is None else weight_map.weights(noisy)
        good += truth_table(wk, key)["correct"]
    return good / trials


def noise_table(weights: dict, levels, trials: int = 100, seed: int = 0,
                weight_map=None) -> dict:
    """The relative read error at which each gate first fails.

    Parameters
    ----------
    weights : dict
        Gate name -> ``(4, 4)`` weights, or conductances (S) when
        ``weight_map`` is given (a WeightMap, or a dict gate -> WeightMap).
    levels : sequence of float
        Relative errors, increasing.
    trials : int
        Noisy reads per level.
    seed : int
        Seed of the noise.
    weight_map : WeightMap or dict, optional
        Map conductances to weights.

    Returns
    -------
    dict
        Gate -> ``{"accuracy": [...] per level, "fails_at": the first level
        with accuracy < 1 (0.0 if wrong without noise, None if it never
        fails)}``.
    """
    levels = [float(x) for x in levels]
    out = {}
    for name, m in weights.items():
        wm = weight_map.get(name) if isinstance(weight_map, dict) else weight_map
        acc = []
        for lev in levels:
            kw = {"g": m, "weight_map": wm} if wm is not None else {"w": m}
            acc.append(noise_accuracy(gate=name, level=lev, trials=trials, seed=seed,
                                      **kw))
        clean = truth_table(m if wm is None else wm.weights(m), name)["correct"]
        fails = 0.0 if not clean else next(
            (lev for lev, a in zip(levels, acc, strict=True) if a < 1.0), None)
        out[gate_name(name)] = {"accuracy": acc, "fails_at": fails}
    return out


def threshold_learnable(name) -> bool:
    """Whether some ``(W_oa, W_ob, W_o,bias)`` computes the gate.

    Exhaustive over integer weights in ``{-2, ..., 2}``: complete for two
    inputs, since every one of the 14 threshold functions of two inputs is
    realised with weights and threshold in ``{-1, 0, 1}`` (or ``{-2, ..., 2}``
    with strict margins).
    """
    key = gate_name(name)
    target = [_TABLES[key](a, b) for a, b in INPUTS]
    for wa, wb, c in itertools.product(range(-2, 3), repeat=3):
        h = [wa * a + wb * b + c for a, b in INPUTS]
        if all(t * x > 0 for t, x in zip(target, h, strict=True)):
            return True
    return False


def xor_learnable() -> bool:
    """Whether any 4-node Hopfield gate computes XOR. It does not: False.

    With inputs and bias clamped, the output is ``sign(h)`` with
    ``h = W_oa a + W_ob b + W_o,bias`` (symmetry and the zero diagonal do not
    matter: only the output's row enters), a linear threshold unit. XOR
    (``out = -a b``) needs ``h > 0`` at ``(+1, -1)`` and ``(-1, +1)`` and
    ``h < 0`` at ``(+1, +1)`` and ``(-1, -1)``. Adding the first two
    conditions gives ``2 W_o,bias > 0``, adding the last two ``2 W_o,bias < 0``:
    a contradiction, for every real ``W``. Equivalently, ``sum out * h = 0``
    over the four inputs, since ``-a b`` is orthogonal to ``a``, ``b`` and
    ``1``, so ``out * h > 0`` cannot hold for all four.

    Returns
    -------
    bool
        False, found by checking the certificate (the orthogonality) and the
        exhaustive search of ``threshold_learnable``.
    """
    out = np.array([_TABLES["XOR"](a, b) for a, b in INPUTS], dtype=float)
    basis = np.array([[a, b, 1] for a, b in INPUTS], dtype=float)
    certificate = bool(np.allclose(out @ basis, 0.0))
    return not certificate and threshold_learnable("XOR")


