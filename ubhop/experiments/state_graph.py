"""The state graph of a film at 0 K, and the logic gates its states can hold.

A small film holds a few relaxed textures. At 0 K one training pulse of a
signed pattern takes it from one of them to another (or leaves it), always the
same way, so its whole learning is a finite map: states, and for each state and
pattern the state that follows (:class:`StateGraph`, found by
:func:`explore_states`). From that map alone follow what any schedule of
pulses does (:meth:`StateGraph.drive`) and which logic gates the film can hold
at all, in one state (:func:`gates_read`) or in a population of films, of
thermal realisations or of identical units in parallel, which holds a mixture
of the states (:func:`mixture_reads`, a linear programme).

Gates use the node order of :mod:`ubhop.experiments.logic`, ``(a, b, out, bias)``; an
assignment gives the pad of each node. The weights are
``W = sign (G - G_ref)`` in that order, with ``G_ref`` the start's
conductances.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence

import numpy as np

from ..patterns import as_pattern, pattern_string
from ..thresholds import lasting_change
from .logic import INPUTS, LEARNABLE, expected, gate_name, gate_patterns, truth_table


def signed_patterns(n: int = 4) -> list[str]:
    """The ``2**n - 2`` non-uniform patterns of ``n`` pads, as ``+``/``-`` strings.

    A pattern and its negative are different pulses (the Oersted field turns
    over), so both are listed.

    Examples
    --------
    >>> from ubhop.experiments.state_graph import signed_patterns
    >>> len(signed_patterns(4)), signed_patterns(4)[:2]
    (14, ['+++-', '++-+'])
    """
    if not (isinstance(n, int) and n >= 2):
        raise ValueError(f"n must be an int >= 2 (pads), got {n!r}.")
    return ["".join(p) for p in itertools.product("+-", repeat=n) if len(set(p)) > 1]


def _pattern_text(pattern, n: int) -> str:
    return pattern_string(as_pattern(pattern, n))


@dataclasses.dataclass
class StateGraph:
    """A film's relaxed states and the state each signed pulse leads to, at 0 K.

    Attributes
    ----------
    conductances : numpy.ndarray
        ``(K, N, N)`` conductances (S) of the ``K`` states; state 0 is the start.
    transitions : list of dict
        ``transitions[k][pattern]``: the state after one pulse of ``pattern``
        (a ``+``/``-`` string over the pads) from state ``k``.
    peak_field : float
        Peak Oersted field of the pulses (T).
    """

    conductances: np.ndarray
    transitions: list
    peak_field: float

    def __post_init__(self):
        self.conductances = np.asarray(self.conductances, dtype=float)
        if self.conductances.ndim != 3 or self.conductances.shape[1:] != (
                self.conductances.shape[1],) * 2:
            raise ValueError(f"conductances must be (K, N, N), got "
                             f"{self.conductances.shape}.")
        k = self.conductances.shape[0]
        if len(self.transitions) != k:
            raise ValueError(f"{k} states but {len(self.transitions)} rows of "
                             f"transitions.")
        n = self.conductances.shape[1]
        for row in self.transitions:
            for p, s in row.items():
                _pattern_text(p, n)
                if not (isinstance(s, int | np.integer) and 0 <= s < k):
                    raise ValueError(f"Pattern {p!r} leads to {s!r}, not a state "
                                     f"0..{k - 1}.")

    @property
    def n_states(self) -> int:
        """Number of states."""
        return self.conductances.shape[0]

    def step(self, state: int, pattern: str) -> int:
        """The state after one pulse of ``pattern`` from ``state``.

        A uniform pattern drives no current and leaves the state.
        """
        n = self.conductances.shape[1]
        _pattern_text(pattern, n)
        if len(set(pattern)) == 1:
            return int(state)
        try:
            return int(self.transitions[state][pattern])
        except (IndexError, KeyError):
            raise ValueError(f"No transition of state {state!r} under {pattern!r} "
                             f"in the graph.") from None

    def drive(self, patterns: Sequence[str], start: int = 0) -> list[int]:
        """The states after each pulse of ``patterns``, from ``start``."""
        out, s = [], int(start)
        for p in patterns:
            s = self.step(s, p)
            out.append(s)
        return out

    def changes(self) -> np.ndarray:
        """``(K, N, N)`` conductance changes from the start (S)."""
        return self.conductances - self.conductances[0]

    def to_dict(self) -> dict:
        """JSON-ready dict (conductances in S, fields in T)."""
        return {"peak_field_T": float(self.peak_field),
                "conductances_S": self.conductances.tolist(),
                "transitions": [dict(sorted(r.items())) for r in self.transitions]}

    @classmethod
    def from_dict(cls, data: dict) -> StateGraph:
        """The graph of ``to_dict``'s output."""
        return cls(np.array(data["conductances_S"], dtype=float),
                   [{p: int(s) for p, s in r.items()} for r in data["transitions"]],
                   float(data["peak_field_T"]))


def explore_states(pulse: Callable, start, g_start, patterns: Sequence[str],
                   rtol: float = 2e-5, max_states: int = 32,
                   progress: Callable | None = None):
    """Breadth-first search of the states a film reaches by single pulses.

    From the start, every pattern is pulsed once; each relaxed state not seen
    before (by its conductances) is pulsed in turn, until no new state turns up.

    Parameters
    ----------
    pulse : callable
        ``pulse(texture, pattern) -> (G, texture)``: one 0 K pulse of
        ``pattern`` from ``texture`` and the relaxation after it; returns the
        relaxed conductances (S) and a handle of the relaxed texture (anything
        ``pulse`` accepts back, e.g. a ``df.Field`` or a file).
    start
        Handle of the starting (relaxed) texture.
    g_start : array_like
        ``(N, N)`` conductances (S) of the start.
    patterns : sequence of str
        The pulses to try from every state (e.g. :func:`signed_patterns`).
    rtol : float
        Two relaxed states are the same when no pair's conductance differs by
        more than ``rtol`` (relative). Default 2e-5.
    max_states : int
        Stop with an error beyond this many states. Default 32.
    progress : callable, optional
        ``progress(state, pattern, next_state)`` after every pulse.

    Returns
    -------
    graph : StateGraph
        With ``peak_field`` set to NaN (the caller knows it).
    textures : list
        The handle of each state.
    """
    if not (rtol > 0 and np.isfinite(rtol)):
        raise ValueError(f"rtol must be a finite number > 0, got {rtol!r}.")
    g_start = np.asarray(g_start, dtype=float)
    n = g_start.shape[0]
    patterns = [_pattern_text(p, n) for p in patterns]
    conds, textures, rows = [g_start], [start], []
    k = 0
    while k < len(conds):
        row = {}
        for p in patterns:
            g, tex = pulse(textures[k], p)
            g = np.asarray(g, dtype=float)
            same = [j for j, c in enumerate(conds)
                    if lasting_change([c, g]) <= rtol]
            if same:
                nxt = same[0]
            else:
                if len(conds) >= max_states:
                    raise RuntimeError(f"More than {max_states} states: raise "
                                       f"max_states or rtol.")
                conds.append(g)
                textures.append(tex)
                nxt = len(conds) - 1
            row[p] = nxt
            if progress is not None:
                progress(k, p, nxt)
        rows.append(row)
        k += 1
    return StateGraph(np.array(conds), rows, float("nan")), textures


def assignments(n: int = 4) -> list[tuple[int, ...]]:
    """Every assignment of the nodes ``(a, b, out, bias)`` to ``n`` = 4 pads."""
    if n != 4:
        raise ValueError(f"A gate has 4 nodes (a, b, out, bias); got {n} pads.")
    return list(itertools.permutations(range(4)))


def _check_assignment(assignment) -> tuple[int, ...]:
    a = tuple(int(x) for x in assignment)
    if sorted(a) != [0, 1, 2, 3]:
        raise ValueError(f"An assignment gives a different pad 0..3 to each of the "
                         f"nodes (a, b, out, bias), got {assignment!r}.")
    return a


def gate_weights(change, assignment, sign: int = -1, floor: float = 0.0) -> np.ndarray:
    """The gate's weights ``sign * dG`` in node order ``(a, b, out, bias)``.

    Parameters
    ----------
    change : array_like
        ``(4, 4)`` conductance change from the reference (S), in pad order.
    assignment : sequence of int
        The pad of nodes a, b, out and bias.
    sign : int
        Weight-map sign, -1 (anti-Hebbian in G, the film's) or +1.
    floor : float
        Changes up to ``floor`` (S) are solver noise and count as 0: a state
        that is the reference again reads no gate. Default 0.

    Returns
    -------
    numpy.ndarray
        ``(4, 4)`` weights, divided by ``max |dG|`` (all zero if nothing changed).
    """
    if sign not in (1, -1):
        raise ValueError(f"sign must be +1 or -1, got {sign!r}.")
    pads = list(_check_assignment(assignment))
    d = np.asarray(change, dtype=float)
    if d.shape != (4, 4):
        raise ValueError(f"change must be (4, 4) (pads), got {d.shape}.")
    if not (floor >= 0 and np.isfinite(floor)):
        raise ValueError(f"floor must be a finite number >= 0 S, got {floor!r}.")
    w = sign * d[np.ix_(pads, pads)]
    w[np.abs(w) <= floor] = 0.0
    np.fill_diagonal(w, 0.0)
    scale = np.abs(w).max()
    return w / scale if scale > 0 else w


def gates_read(change, sign: int = -1, floor: float = 0.0) -> dict:
    """The gate each assignment of the pads reads from one conductance change.

    ``floor`` (S) as in :func:`gate_weights`.

    Returns
    -------
    dict
        ``{assignment: gate name or None}`` over the 24 assignments.
    """
    return {a: truth_table(gate_weights(change, a, sign, floor))["gate"]
            for a in assignments()}


def noise_floor(g, rtol: float = 1e-6) -> float:
    """``rtol`` times the median pair conductance of ``g`` (S).

    Relaxed states repeat to about 1e-8 of G between runs and engines
    (``tests/test_state_graph.py``); 1e-6 separates that from any switch
    (1e-3 and more).
    """
    g = np.asarray(g, dtype=float)
    return float(rtol * np.median(g[~np.eye(g.shape[-1], dtype=bool)]))


def mixture_reads(changes, gate, assignment, sign: int = -1, margin: float = 1e-3):
    """Whether some mixture of states reads ``gate``: a linear programme.

    A population (thermal realisations, samples, identical units wired in
    parallel) in which a fraction ``p_k`` holds state ``k`` has the mean change
    ``sum_k p_k dG_k`` (``p_k >= 0``, ``sum_k p_k = 1``). It holds the gate when
    the output's local field has the truth table's sign at all four inputs,
    by at least ``margin`` times the largest change of any state: a mixture
    that leans on a state's solver noise (a relaxed state repeats to about
    1e-8 of G) does not count.

    Parameters
    ----------
    changes : array_like
        ``(K, 4, 4)`` conductance changes of the states from the reference (S);
        include the reference itself (a zero change) if the population may sit
        there.
    gate : str
        A gate of ``ubhop.experiments.logic.LEARNABLE``.
    assignment : sequence of int
        The pad of nodes a, b, out and bias.
    sign : int
        Weight-map sign.
    margin : float
        Each ``expected * h`` must reach ``margin * max |dG|``. Default 1e-3.

    Returns
    -------
    numpy.ndarray or None
        Fractions ``p`` of one such mixture, or None if none is.
    """
    from scipy.optimize import linprog

    key = gate_name(gate)
    pads = _check_assignment(assignment)
    if sign not in (1, -1):
        raise ValueError(f"sign must be +1 or -1, got {sign!r}.")
    if not (margin > 0 and np.isfinite(margin)):
        raise ValueError(f"margin must be a finite number > 0, got {margin!r}.")
    d = np.asarray(changes, dtype=float)
    if d.ndim != 3 or d.shape[1:] != (4, 4):
        raise ValueError(f"changes must be (K, 4, 4), got {d.shape}.")
    scale = np.abs(d).max()
    if scale == 0:
        return None
    pa, pb, po, pc = pads
    # h_k(a, b) = sign (d_k[o,a] a + d_k[o,b] b + d_k[o,bias]) / scale
    rows = []
    for a, b in INPUTS:
        h = sign * (d[:, po, pa] * a + d[:, po, pb] * b + d[:, po, pc]) / scale
        rows.append(-expected(key, a, b) * h)
    k = d.shape[0]
    res = linprog(np.zeros(k), A_ub=np.array(rows), b_ub=-margin * np.ones(len(rows)),
                  A_eq=np.ones((1, k)), b_eq=[1.0], bounds=[(0, 1)] * k,
                  method="highs")
    if res.status != 0:
        return None
    return res.x


def gate_pulses(gate, assignment) -> list[str]:
    """A gate's training pulses on the pads: its patterns ``(a, b, out, +1)``.

    In truth-table order, as ``+``/``-`` strings over the pads; the uniform
    pattern (AND's and OR's ``a = b = +1`` row) drives no current and is left
    out.

    Examples
    --------
    >>> from ubhop.experiments.state_graph import gate_pulses
    >>> gate_pulses("AND", (0, 1, 2, 3))
    ['+--+', '-+-+', '---+']
    """
    pads = _check_assignment(assignment)
    out = []
    for node_values in gate_patterns(gate_name(gate)):
        v = ["+"] * 4
        for pad, x in zip(pads, node_values, strict=True):
            v[pad] = "+" if x > 0 else "-"
        if len(set(v)) > 1:
            out.append("".join(v))
    return out


def train_gates(graph: StateGraph, assignment, gates: Sequence[str] = LEARNABLE,
                cycles: int = 2, sign: int = -1, start: int = 0,
                reference=None) -> list[dict]:
    """Train the gates in turn on the state graph, without a reset, and read each.

    Each gate's patterns ``(a, b, out, +1)`` (truth-table order, the uniform one
    left out) are pulsed ``cycles`` times on the pads of ``assignment``. The
    weights are ``sign (G - reference)``; default reference: the start's G.

    Returns
    -------
    list of dict
        Per gate: ``gate``, ``state`` after its pulses, ``pulses``,
        ``last_change`` (the pulse, from 1, after which the state last changed;
        0 if it never did), ``read`` (the gate the state reads, or None) and
        ``correct``.
    """
    pads = _check_assignment(assignment)
    if not (isinstance(cycles, int) and cycles >= 1):
        raise ValueError(f"cycles must be an int >= 1, got {cycles!r}.")
    s, out = int(start), []
    ref = graph.conductances[0] if reference is None else np.asarray(reference, float)
    if ref.shape != graph.conductances.shape[1:]:
        raise ValueError(f"reference must be {graph.conductances.shape[1:]} (S), got "
                         f"{ref.shape}.")
    d = graph.conductances - ref
    floor = noise_floor(graph.conductances[0])
    for gate in gates:
        key = gate_name(gate)
        seq = graph.drive(gate_pulses(key, pads) * cycles, s)
        path = [s, *seq]
        last = max((t for t in range(1, len(path)) if path[t] != path[t - 1]),
                   default=0)
        s = seq[-1] if seq else s
        read = truth_table(gate_weights(d[s], pads, sign, floor))["gate"]
        out.append({"gate": key, "state": s, "pulses": len(seq), "last_change": last,
                    "read": read, "correct": read == key})
    return out
