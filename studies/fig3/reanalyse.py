"""Recount the stored seven-pattern experiments with each weight-map reference.

Every ``data/*/energy_table.json`` holds the energy rows that ``run_fig3.py``
wrote with the relaxed start as the reference (key ``"start"``, or
``"global"`` in tables written before the fitted references existed) and the
change of G of each pattern's run from the shared start (``dG_mS``, mS). The
fitted references (``ubhop.weights.calibrate_patterns``: a per-pair line
through the seven trained states, over all seven runs or over the other six)
are recomputed from ``dG_mS``: the start only shifts the intercept, so the
weights are those of ``G``. No engine is needed.

With ``--detail``, for experiments that store the start's G and every step
(``G0_mS``, ``dG_steps_mS``) it also prints each run's largest change per
pulse (relative to the largest G) and the fitted line per pair (slope over
``G_avg``, and R^2).

Usage, from the repository root::

    python studies/fig3/reanalyse.py
    python studies/fig3/reanalyse.py --detail studies/fig3/data/fig3_write_1um
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ubhop.experiments.associative import energy_row, recall_table
from ubhop.patterns import as_pattern
from ubhop.weights import calibrate_patterns

HERE = Path(__file__).parent
PAIRS = ("NE", "NS", "NW", "ES", "EW", "SW")


def fitted_counts(dg: dict, holdout: bool) -> tuple[int, int, int]:
    """(patterns that are minima, corruptions recalled, sign), fitted reference."""
    names = list(dg)
    g = np.array([dg[k] for k in names]) * 1e-3
    pats = [as_pattern(k) for k in names]
    weights = {name: calibrate_patterns(g, pats, holdout=k if holdout else None)
               .weights(g[k]) for k, name in enumerate(names)}
    minima = sum(energy_row(w, k)["is_minimum"] for k, w in weights.items())
    recalled = sum(r["recalled"] for r in recall_table(weights))
    return minima, recalled, calibrate_patterns(g, pats).sign


def start_cell(d: Path, data: dict) -> str:
    """Minima (and recalls, where stored) with the relaxed start as reference."""
    rows = data.get("start", data.get("global"))
    cell = f"{sum(r['is_minimum'] for r in rows)}/7"
    rec = d / "recall_table.json"
    if rec.exists():
        recalls = json.loads(rec.read_text())["start"]
        cell += f", {sum(r['recalled'] for r in recalls)}/28"
    return cell + f" ({rows[0]['sign']:+d})"


def detail(data: dict) -> None:
    """Per-pulse changes of each run and the per-pair lines of the fit."""
    g0 = np.array(data["G0_mS"])
    off = ~np.eye(4, dtype=bool)
    print("largest |G(t) - G(t-1)| / max G per pulse:")
    for k, steps in data["dG_steps_mS"].items():
        s = np.array(steps)
        change = np.abs(np.diff(s, axis=0))[:, off].max(axis=1) / g0[off].max()
        print(f"  {k}: " + " ".join(f"{x:.1e}" for x in change))
    names = list(data["dG_mS"])
    g = (g0 + np.array([data["dG_mS"][k] for k in names])) * 1e-3
    wm = calibrate_patterns(g, [as_pattern(k) for k in names])
    iu = np.triu_indices(4, 1)
    print("per pair: slope / G_avg (%), R^2 of the line")
    for name, c, a, r2 in zip(PAIRS, wm.evidence["slopes"][iu], wm.g_ref[iu],
                              wm.evidence["r2"][iu], strict=True):
        print(f"  {name}: {c / a * 100:+.3f} %, {r2:.2f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="*", help="experiment table directories "
                    "(default: every directory under studies/fig3/data)")
    ap.add_argument("--detail", action="store_true",
                    help="per-pulse changes and the per-pair lines")
    args = ap.parse_args(argv)
    dirs = ([Path(d) for d in args.dirs] if args.dirs
            else sorted(p.parent for p in (HERE / "data").glob("*/energy_table.json")))
    print("| experiment | start: minima, recalled (sign) | G_avg over 7 | "
          "G_avg over the other 6 |")
    print("| --- | --- | --- | --- |")
    stored = {}
    for d in dirs:
        data = json.loads((d / "energy_table.json").read_text())
        stored[d.name] = data
        cells = [start_cell(d, data)]
        for holdout in (False, True):
            m, r, s = fitted_counts(data["dG_mS"], holdout)
            cells.append(f"{m}/7, {r}/28 ({s:+d})")
        print(f"| {d.name} | " + " | ".join(cells) + " |")
    if args.detail:
        for name, data in stored.items():
            if "dG_steps_mS" in data:
                print(f"\n{name}")
                detail(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
