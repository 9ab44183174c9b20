"""Does a training history follow eq. (1)? The checks, pair by pair.

A device self-learns along eq. (1) when, pulsed again and again with one
pattern, each conductance approaches its fixed point ``G_avg + V_i V_j /
(2 alpha_ij)`` step by step, and its net change follows ``V_i V_j``. For every
segment of a history (consecutive pulses of one pattern) ``eq1_verdict``
checks, with the thresholds of the project's criteria:

- enough pulses: at least ``min_pulses`` (8);
- the pairs that move: those whose net change exceeds ``moving`` (10 %) of the
  largest net change of the segment;
- gradual: eq. (1) fits each moving pair with ``R^2 >= min_r2`` (0.95), and
  the first pulse carries at most ``max_first`` (40 %) of the segment's total
  change (summed over the pairs) -- a film that jumps in one pulse fails here;
- Hebbian direction: the net changes correlate with ``V_i V_j`` over the
  pairs, ``|corr| >= min_corr`` (0.8), with one sign for every segment.

The functions return data; ``ubhop.report.format_verdict`` prints it and
``ubhop verdict RUN`` runs it on run directories.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import numpy as np

from . import runs
from .learning import fit_pair

DEFAULTS = {"min_pulses": 8, "moving": 0.10, "min_r2": 0.95, "max_first": 0.40,
            "min_corr": 0.8}


@dataclasses.dataclass
class SegmentVerdict:
    """The checks of one segment (a pattern pulsed ``pulses`` times).

    Attributes
    ----------
    pattern : str
        The segment's pattern.
    first_step, pulses : int
        Step before the segment's first pulse, and its number of pulses.
    pairs : list of dict
        Per pair ``i < j``: ``pair``, ``vv`` (sign of ``V_i V_j``),
        ``change`` (net relative change), ``moving``, ``r2`` (NaN for a pair
        that does not move), ``ok``.
    first_share : float
        The first pulse's share of the segment's total change.
    corr : float
        Correlation of the net changes with ``V_i V_j`` over the pairs.
    checks : dict
        Name -> bool of every check.
    """

    pattern: str
    first_step: int
    pulses: int
    pairs: list
    first_share: float
    corr: float
    checks: dict

    @property
    def passed(self) -> bool:
        """Whether every check of the segment passed."""
        return all(self.checks.values())


def _segments(hist):
    seg = hist.segment.values
    out, start = [], 1
    for t in range(2, len(seg) + 1):
        if t == len(seg) or seg[t] != seg[t - 1]:
            out.append((start - 1, t - 1))  # steps start-1 .. t-1
            start = t
    return out


def segment_verdict(g, vv, pattern: str, first_step: int, **criteria) -> SegmentVerdict:
    """Check one segment.

    Parameters
    ----------
    g : numpy.ndarray
        ``(P + 1, N, N)`` conductances (S): before the segment's first pulse,
        then after each of its ``P`` pulses.
    vv : numpy.ndarray
        ``(N, N)`` ``V_i V_j`` of the segment's pattern (any scale).
    pattern : str
        The pattern, for the report.
    first_step : int
        The history step of ``g[0]``.
    **criteria
        Overrides of ``DEFAULTS``.
    """
    c = {**DEFAULTS, **criteria}
    unknown = set(criteria) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"Unknown criteria {sorted(unknown)}; allowed: "
                         f"{sorted(DEFAULTS)}.")
    g = np.asarray(g, dtype=float)
    n = g.shape[1]
    iu = np.triu_indices(n, 1)
    pairs_g = g[:, iu[0], iu[1]]  # (P + 1, pairs)
    rel = (pairs_g - pairs_g[0]) / pairs_g[0]
    net = rel[-1]
    largest = np.abs(net).max()
    moving = np.abs(net) > c["moving"] * largest if largest > 0 else np.zeros_like(
        net, dtype=bool)
    total = np.abs(net).sum()
    first = np.abs(rel[1]).sum() / total if total > 0 else float("nan")
    signs = np.sign(np.asarray(vv, dtype=float)[iu])
    corr = (float(np.corrcoef(net, signs)[0, 1])
            if np.std(net) > 0 and np.std(signs) > 0 else float("nan"))
    pairs = []
    for k, (i, j) in enumerate(zip(*iu, strict=True)):
        r2 = float("nan")
        if moving[k] and g.shape[0] >= 4:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r2 = fit_pair(g[:, i, j], np.full(g.shape[0] - 1, signs[k] or 1.0)).r2
        pairs.append({"pair": (int(i), int(j)), "vv": int(signs[k]),
                      "change": float(net[k]), "moving": bool(moving[k]),
                      "r2": r2, "ok": (not moving[k]) or bool(r2 >= c["min_r2"])})
    checks = {
        f"at least {c['min_pulses']} pulses": g.shape[0] - 1 >= c["min_pulses"],
        "something moves": bool(largest > 0),
        f"R^2 >= {c['min_r2']:g} on every moving pair": all(p["ok"] for p in pairs),
        f"first pulse <= {c['max_first']:.0%} of the change": bool(
            np.isfinite(first) and first <= c["max_first"]),
        f"|corr(change, V_iV_j)| >= {c['min_corr']:g}": bool(
            np.isfinite(corr) and abs(corr) >= c["min_corr"]),
    }
    return SegmentVerdict(pattern, int(first_step), g.shape[0] - 1, pairs,
                          float(first), corr, checks)


def eq1_verdict(run_dirs, **criteria) -> dict:
    """Check every segment of one or several runs against eq. (1).

    Parameters
    ----------
    run_dirs : str, Path or sequence of them
        Run directories (``history.nc``), e.g. the seven pattern runs of an
        experiment; their segments are checked together for one sign.
    **criteria
        Overrides of ``DEFAULTS`` (``min_pulses``, ``moving``, ``min_r2``,
        ``max_first``, ``min_corr``).

    Returns
    -------
    dict
        ``segments`` (list of ``(run, SegmentVerdict)``), ``one_sign`` (the
        correlations of all segments share a sign), ``sign`` (+1 Hebbian in
        G, -1 anti-Hebbian, 0 mixed) and ``passed``.
    """
    if isinstance(run_dirs, str | Path):
        run_dirs = [run_dirs]
    segments = []
    for run in run_dirs:
        hist = runs.read_history(Path(run) / "history.nc")
        g = hist.G.values
        for a, b in _segments(hist):
            v = hist.voltage.values[a + 1]
            pattern = "".join("+" if x > 0 else "-" for x in hist.pattern.values[a + 1])
            segments.append((str(run), segment_verdict(g[a:b + 1], np.outer(v, v),
                                                       pattern, a, **criteria)))
    if not segments:
        raise ValueError("No pulse in the history: nothing to check.")
    signs = {int(np.sign(s.corr)) for _, s in segments if np.isfinite(s.corr)}
    one_sign = len(signs) == 1
    return {"segments": segments, "one_sign": one_sign,
            "sign": signs.pop() if one_sign else 0,
            "passed": one_sign and all(s.passed for _, s in segments)}
