"""Markdown table of the gradual-memory scan.

Reads ``OUT/results.jsonl`` (the last record of each run name, written by
``scan.py``) and ``OUT/runs/NAME/history.nc``, and prints one table row per
run: the run's parameters, the metrics of its record and the measures computed
here from the history (largest relative change, n90, switching). The columns
are defined in ``README.md``.

Usage, from the repository root::

    python studies/memory/make_table.py --out studies/memory/data
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ubhop import runs

PAIRS = [(i, j) for i in range(4) for j in range(i + 1, 4)]
HEADER = (
    "| run | size um | cell nm | grains nm | K J/m3 | start | peak mT | dur ns "
    "| relax | pulses | seed | max abs dG/G % | surv med | R2 min/med seg1 "
    "| R2 min/med seg2 | n90 seg1/seg2 | match seg1/seg2 | corr(dG,VV) seg1/seg2 "
    "| switch toward new FP | s/step |"
)


def fmt(x, ndigits: int = 2) -> str:
    """``x`` with ``ndigits`` decimals, ``-`` for ``None`` or NaN."""
    return "-" if x is None or not np.isfinite(x) else f"{x:.{ndigits}f}"


def read_records(path: Path) -> dict:
    """Records of ``results.jsonl`` by name, in first-seen order (last one wins)."""
    recs = {}
    for line in path.read_text().splitlines():
        if line.strip():
            r = json.loads(line)
            recs[r["name"]] = r
    return recs


def relative_change(hist) -> np.ndarray:
    """Relative change of each pair from step 0 (%), shape ``(steps, 6)``."""
    g = hist.G.values
    return np.array([(g[:, i, j] - g[0, i, j]) / g[0, i, j] * 100
                     for i, j in PAIRS]).T


def n90(rel: np.ndarray, first: int, last: int) -> str:
    """Pulses needed to come within 10 % (L1 over pairs) of the segment's end.

    Parameters
    ----------
    rel : ndarray
        Output of ``relative_change``.
    first, last : int
        The segment's steps (G from ``first`` to ``last``).

    Returns
    -------
    str
        The count, or ``-`` if the segment changes nothing.
    """
    total = np.abs(rel[last] - rel[first]).sum()
    if total < 1e-3:
        return "-"
    dist = np.abs(rel[first:last + 1] - rel[last]).sum(1)
    return str(int(np.argmax(dist <= 0.1 * total)))


def switch(segs: list, rel: np.ndarray, max_change: float) -> str:
    """Does segment 2 move G toward the second pattern's (anti-Hebbian) state?

    ``yes``: corr(dG, V_iV_j) < -0.5 and segment 2 moves some pair by more than
    20 % of the run's largest change; ``weak``: corr < -0.3; else ``no``.
    """
    if len(segs) < 2:
        return "-"
    if max_change < 1e-3:
        return "n/a (no change)"
    c2 = segs[1]["corr_dG_VV"]
    a, b = segs[1]["steps"]
    big = np.abs(rel[b] - rel[a]).max() > 0.2 * max(max_change, 1e-9)
    if c2 is not None and c2 < -0.5 and big:
        return "yes"
    return "weak" if c2 is not None and c2 < -0.3 else "no"


def row(name: str, r: dict, hist) -> str:
    """One markdown table row for run ``name`` with record ``r``."""
    rel = relative_change(hist)
    mx = np.abs(rel).max()
    segs = r["segments"][:2]
    r2_cells, n90_cells = [], []
    for s in segs:
        r2 = np.array([np.nan if x is None else x for x in s["r2"]])
        r2_cells.append(f"{fmt(np.nanmin(r2))}/{fmt(np.nanmedian(r2))}"
                        if mx > 1e-3 else "n/a")
        n90_cells.append(n90(rel, *s["steps"]))
    r2_cells += ["-"] * (2 - len(r2_cells))
    match = "/".join(fmt(s["antihebb_match"]) for s in segs)
    corr = "/".join(fmt(s["corr_dG_VV"]) for s in segs)
    grain = "-" if not r["grain"] else format(r["grain"] * 1e9, "g")
    relax = (r["relax"] if r["relax"] == "minimise"
             else f"time {r['rdur_ns']:.0f}ns a={r['ralpha']}")
    pulses = "+".join(map(str, r["pulses"]))
    per_step = "-" if r["wall_per_step_s"] is None else r["wall_per_step_s"]
    cells = [
        name, f"{r['size'] * 1e6:g}", f"{r['cell'] * 1e9:g}", grain, f"{r['K']:g}",
        r["start"], f"{r['peak_mT']:g}", f"{r['dur_ns']:g}", relax, pulses,
        str(r["seed"]), f"{mx:.3f}", fmt(r["surv_median"]), r2_cells[0],
        r2_cells[1], "/".join(n90_cells), match, corr,
        switch(r["segments"], rel, mx), str(per_step),
    ]
    return "| " + " | ".join(cells) + " |"


def table(out: Path) -> str:
    """The markdown table of every run recorded in ``out``."""
    lines = [HEADER, "|" + "|".join(["---"] * (HEADER.count("|") - 1)) + "|"]
    for name, r in read_records(out / "results.jsonl").items():
        hist = runs.read_history(out / "runs" / name / "history.nc")
        lines.append(row(name, r, hist))
    return "\n".join(lines)


def main(argv=None) -> None:
    """Command line entry point."""
    ap = argparse.ArgumentParser(
        description="Print the markdown table of the gradual-memory scan.")
    ap.add_argument("--out", type=Path, default=Path("studies/memory/data"),
                    help="folder holding results.jsonl and runs/ "
                         "(default: %(default)s)")
    args = ap.parse_args(argv)
    print(table(args.out))


if __name__ == "__main__":
    main()
