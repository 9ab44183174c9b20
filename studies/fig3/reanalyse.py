"""Recount the stored seven-pattern experiments with each weight-map reference.

Every ``data/*/energy_table.json`` holds the change of G of each pattern's run
from the shared start (``dG_mS``, mS). Weights with the start as reference use
that change; weights with ``G_avg`` fitted over the patterns
(``ubhop.weights.calibrate_patterns``) use a per-pair line through the seven
trained states, over all seven runs or over the other six (cross-validated).
The fit is the same on ``dG`` as on ``G``: the start only shifts the intercept.
No engine is needed.

Usage, from the repository root::

    python studies/fig3/reanalyse.py
    python studies/fig3/reanalyse.py studies/fig3/data/fig3_write_100mT
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ubhop.associative import energy_row, recall_table
from ubhop.patterns import as_pattern
from ubhop.weights import calibrate_patterns

HERE = Path(__file__).parent


def counts(dg: dict, reference: str) -> tuple[int, int, int]:
    """(patterns that are minima, corruptions recalled, sign) for a reference."""
    names = list(dg)
    g = np.array([dg[k] for k in names]) * 1e-3
    pats = [as_pattern(k) for k in names]
    weights = {}
    if reference == "start":
        off = ~np.eye(4, dtype=bool)
        flat, vv = [], []
        for k, p in zip(names, pats, strict=True):
            flat.append(g[names.index(k)][off])
            vv.append(np.outer(p, p)[off])
        corr = np.corrcoef(np.concatenate(flat), np.concatenate(vv))[0, 1]
        sign = -1 if corr < 0 else 1
        for k, gk in zip(names, g, strict=True):
            weights[k] = sign * gk / max(np.abs(gk).max(), 1e-30)
    else:
        sign = calibrate_patterns(g, pats).sign
        for k, name in enumerate(names):
            wm = calibrate_patterns(g, pats,
                                    holdout=k if reference == "others" else None)
            weights[name] = wm.weights(g[k])
    for w in weights.values():
        np.fill_diagonal(w, 0.0)
    minima = sum(energy_row(w, k)["is_minimum"] for k, w in weights.items())
    recalled = sum(r["recalled"] for r in recall_table(weights))
    return minima, recalled, sign


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="*", help="experiment table directories "
                    "(default: every directory under studies/fig3/data)")
    args = ap.parse_args(argv)
    dirs = ([Path(d) for d in args.dirs] if args.dirs
            else sorted(p.parent for p in (HERE / "data").glob("*/energy_table.json")))
    print("| experiment | start: minima, recalled (sign) | G_avg over 7 | "
          "G_avg over the other 6 |")
    print("| --- | --- | --- | --- |")
    for d in dirs:
        dg = json.loads((d / "energy_table.json").read_text())["dG_mS"]
        cells = []
        for ref in ("start", "patterns", "others"):
            m, r, s = counts(dg, ref)
            cells.append(f"{m}/7, {r}/28 ({s:+d})")
        print(f"| {d.name} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
