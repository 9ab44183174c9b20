"""Text reports: the Markdown tables and summaries that the command line prints.

Pure functions from the data that the domain modules return to strings; the
command line (``ubhop.cli``) and the study scripts print them. Nothing here
computes physics or reads files.
"""

from __future__ import annotations

import numpy as np

SQUARE4_NAMES = ("N", "E", "S", "W")


def node_names(n: int) -> list[str]:
    """Names of ``n`` nodes: ``N E S W`` for four (``Device.square4``).

    Other node counts are named by their indices.
    """
    return list(SQUARE4_NAMES) if n == 4 else [str(k) for k in range(n)]


def format_matrix(g, label: str, names=None, scale: float = 1e3,
                  unit: str = "mS") -> str:
    """An ``(N, N)`` matrix as aligned text, rows and columns named.

    Parameters
    ----------
    g : array_like
        ``(N, N)`` matrix, e.g. conductances in S.
    label : str
        Heading.
    names : sequence of str, optional
        Node names; default ``node_names(N)``.
    scale : float
        Factor applied before printing (1e3: S to mS).
    unit : str
        Unit after scaling, for the heading.
    """
    g = np.asarray(g, dtype=float)
    names = list(names) if names is not None else node_names(len(g))
    lines = [f"{label} ({unit}):",
             "      " + "".join(f"{x:>11}" for x in names)]
    for k, row in enumerate(g * scale):
        lines.append(f"  {names[k]:>3} " + "".join(f"{v:11.6f}" for v in row))
    return "\n".join(lines)


def format_training_summary(summary: dict, names=None) -> str:
    """The eq. (1) fit, surviving fraction and weight map of ``analyse``.

    Parameters
    ----------
    summary : dict
        ``ubhop.analyse(run)["summary"]``.
    names : sequence of str, optional
        Node names; default ``node_names(N)``.
    """
    g_first = np.asarray(summary["G_first_S"])
    if names is None:
        names = summary.get("node_names") or node_names(len(g_first))
    names = list(names)
    lines = [format_matrix(g_first, "G before training", names),
             format_matrix(summary["G_last_S"], "G after training", names)]
    eta = summary["eta_S_per_V2"]
    min_r2 = summary["min_r2"]
    r2_text = (f"{min_r2:.3f}" if min_r2 is not None and np.isfinite(min_r2)
               else "n/a (a pair has no more pulses than parameters)")
    lines.append(f"eq. (1) fit: eta = {eta:.4g} +- {summary['eta_err']:.2g} S/V^2 "
                 f"per pulse; min R^2 over pairs = {r2_text}")
    for p in summary["pairs"]:
        i, j = p["pair"]
        if p.get("dof", 1) <= 0:
            lines.append(f"  G{names[i]}{names[j]}: not a test of eq. (1): "
                         f"{p['dof']} degrees of freedom (the fit passes through "
                         f"every point)")
            continue
        alpha = (f"alpha = {p['alpha_V2_per_S']:.4g} +- {p['alpha_err']:.2g} V^2/S"
                 if p["identifiable"] else "alpha not identifiable (one sign)")
        lines.append(f"  G{names[i]}{names[j]}: rate 2 eta alpha = {p['rate']:.3f} "
                     f"+- {p['rate_err']:.2g}, {alpha}, R^2 = {p['r2']:.3f}")
    sf = summary["surviving_fraction"]["median"]
    lines.append("median fraction of each pulse's change in G that survives "
                 f"relaxation: {sf:.2f}" if sf is not None else "no pulse changed G")
    firsts = ", ".join(f"{x:.2f}"
                       for x in summary["surviving_fraction"]["first_of_segment"])
    lines.append(f"  at the first pulse of each pattern: {firsts}")
    wm = summary["weight_map"]
    lines.append(f"weight map: sign {wm['sign']:+d} (correlation of the first "
                 f"pulse's dG with V_i V_j: {wm['correlation']:+.2f})")
    return "\n".join(lines)


def format_accuracy_table(rows, digits: int = 1) -> str:
    """A Markdown table of accuracy rows: one line per ``k``, one column per rule.

    Cells read ``accuracy % [low, high]`` (Wilson interval, percent).
    """
    rules = list(dict.fromkeys(r["rule"] for r in rows))
    ks = list(dict.fromkeys(r["k"] for r in rows))
    cell = {(r["k"], r["rule"]): r for r in rows}
    head = "| k | " + " | ".join(rules) + " | trials per cell |"
    lines = [head, "|" + " --- |" * (len(rules) + 2)]
    for k in ks:
        cells = []
        for name in rules:
            r = cell.get((k, name))
            cells.append("-" if r is None else
                         f"{100 * r['accuracy']:.{digits}f} "
                         f"[{100 * r['ci_low']:.{digits}f}, "
                         f"{100 * r['ci_high']:.{digits}f}]")
        n_trials = {cell[(k, name)]["n_trials"] for name in rules if (k, name) in cell}
        lines.append(f"| {k} | " + " | ".join(cells) + " | "
                     + ", ".join(str(v) for v in sorted(n_trials)) + " |")
    return "\n".join(lines)


def _minima_text(row) -> str:
    if len(row["minima"]) == len(row["states"]):
        return "all states (W = 0)"
    return ", ".join(f"`{m}`" for m in row["minima"])


def format_energy_table(rows) -> str:
    """A Markdown table of the energy rows (one line per pattern)."""
    lines = ["| pattern | sign (run) | corr | pairs following | minima | "
             "trained = minimum | gap |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        rs = r.get("run_sign")
        sign = (f"{r['sign']:+d} ({rs:+d})" if rs is not None
                else ("no change" if "sign" in r else "-"))
        corr = f"{r['correlation']:+.2f}" if np.isfinite(r.get("correlation",
                                                                np.nan)) else "-"
        lines.append(f"| `{r['pattern']}` | {sign} | {corr} | "
                     f"{r['pairs_following']}/{r['pairs']} | "
                     f"{_minima_text(r)} | "
                     f"{'yes' if r['is_minimum'] else 'no'} | {r['gap']:+.3f} |")
    return "\n".join(lines)


def format_recall_table(rows) -> str:
    """A Markdown table of the recall rows (one line per pattern)."""
    by = {}
    for r in rows:
        by.setdefault(r["pattern"], []).append(r)
    lines = ["| pattern | input -> output (one bit flipped) | recalled |",
             "| --- | --- | --- |"]
    for name, rs in by.items():
        pairs = ", ".join(f"`{r['input']}`->`{r['output']}`" for r in rs)
        lines.append(f"| `{name}` | {pairs} | {sum(r['recalled'] for r in rs)}/"
                     f"{len(rs)} |")
    return "\n".join(lines)


def _output(v) -> str:
    return "0 (undecided)" if v == 0 else f"{v:+d}"


def format_truth_table(table) -> str:
    """A Markdown table of ``ubhop.experiments.logic.truth_table`` output.

    An output of 0 (a zero local field) reads ``0 (undecided)``.
    """
    target = table.get("target")
    head = "| a | b | out | field |" + (" expected |" if target else "")
    lines = [head, "| --- " * (5 if target else 4) + "|"]
    expected = table.get("expected", [None] * len(table["rows"]))
    for (a, b, o), h, e in zip(table["rows"], table["fields"], expected,
                               strict=True):
        line = f"| {a:+d} | {b:+d} | {_output(o)} | {h:+.3g} |"
        if target:
            line += f" {_output(e)} |"
        lines.append(line)
    return "\n".join(lines)


def format_ensemble_summary(summary: dict, names=None) -> str:
    """The lines ``ubhop ensemble`` prints for an ensemble summary.

    Parameters
    ----------
    summary : dict
        From :func:`ubhop.experiments.ensemble.ensemble_summary`.
    names : sequence of str, optional
        Node names (e.g. ``"NESW"``); default the node indices.
    """
    names = names or [str(k) for k in range(1 + max(p["j"] for p in summary["pairs"]))]
    lines = ["fraction of realisations that have left the start, per pulse: "
             + " ".join(f"{x:.2f}" for x in summary["left_start_fraction"]),
             "eq. (1) fitted to the mean G:"]
    fs = summary.get("first_switch")
    if fs is not None:
        lines.insert(1, f"first switch out of the start: q = {fs['q']:.3f} "
                        f"[{fs['q_low']:.3f}, {fs['q_high']:.3f}] per pulse "
                        f"({fs['exits']} in {fs['pulses_at_start']} pulses), "
                        f"{fs['returns']} returns to the start")
    for p in summary["pairs"]:
        lines.append(
            f"  G{names[p['i']]}{names[p['j']]}: R^2 = {p['r2']:.3f}, rate "
            f"{p['rate']:.3f} per pulse, mean change {100 * p['change']:+.4f} +- "
            f"{100 * p['sem']:.4f} %, "
            f"{'anti-Hebbian' if p['anti_hebbian'] else 'Hebbian'}")
    return "\n".join(lines)


def format_absorption(result) -> str:
    """Absorbing states and their entry rate, from ``ensemble.absorption``.

    Each pulse's absorbed fraction is printed beside ``1 - (1 - q)^n``.
    """
    if result is None:
        return "  no absorbing state"
    q = result["q"]
    lines = [f"  absorbing state(s) {result['absorbing']}: entered "
             f"{result['entries']} times in {result['pulses_outside']} pulses "
             f"outside them, q = {q:.3f} [{result['q_low']:.3f}, "
             f"{result['q_high']:.3f}] per pulse"]
    for n, occ in enumerate(result["absorbed"], start=1):
        lines.append(f"    pulse {n}: absorbed fraction {occ:.2f}, "
                     f"1-(1-q)^n {1 - (1 - q) ** n:.2f}")
    return "\n".join(lines)


def format_family_summary(summary: dict) -> str:
    """Members by status and the failed members' errors (``sweep.family_summary``)."""
    lines = [f"{summary['members']} members: {summary['done']} done, "
             f"{summary['failed']} failed, {summary['pending']} pending; "
             f"{summary['seconds']:.0f} s of member time"]
    lines += [f"  failed: {e}" for e in summary["errors"]]
    return "\n".join(lines)


def format_verdict(verdict: dict, names=None) -> str:
    """The eq. (1) checks of ``ubhop.verdict.eq1_verdict``, segment by segment."""
    lines = []
    for run, s in verdict["segments"]:
        n = 1 + max(p["pair"][1] for p in s.pairs)
        nm = list(names) if names is not None else node_names(n)
        lines.append(f"{run}: {s.pattern} x {s.pulses} (from step {s.first_step}): "
                     f"{'PASS' if s.passed else 'FAIL'}")
        for check, ok in s.checks.items():
            lines.append(f"  [{'x' if ok else ' '}] {check}")
        lines.append(f"  first pulse {s.first_share:.0%} of the change; corr "
                     f"{s.corr:+.2f}")
        for p in s.pairs:
            i, j = p["pair"]
            r2 = f"R^2 {p['r2']:.3f}" if p["moving"] else "does not move"
            lines.append(f"    G{nm[i]}{nm[j]}: V_iV_j {p['vv']:+d}, change "
                         f"{100 * p['change']:+.4f} %, {r2}"
                         f"{'' if p['ok'] else '  <- fails'}")
    sign = {1: "Hebbian in G", -1: "anti-Hebbian in G", 0: "mixed"}[verdict["sign"]]
    lines.append(f"one sign for every segment: {'yes' if verdict['one_sign'] else 'no'}"
                 f" ({sign}); eq. (1): {'PASS' if verdict['passed'] else 'FAIL'}")
    return "\n".join(lines)
