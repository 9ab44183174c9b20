"""Patterns written one over another on one film: does a write erase?

``run_fig3.py`` trains every pattern from the same relaxed start. A device that
is reprogrammed writes each pattern over the previous one. This script trains
one film through a sequence of patterns (``--pulses`` each), starting from
the experiment's ``start.ovf``, and compares each segment's end with the same
pattern written from the start (the experiment's run after as many pulses):

- ``dev``: ``max |G - G(from start)|`` over the pairs, relative to the median
  ``|G_p - G_avg|`` of the experiment (0: the write erased what the film held);
- whether the pattern is the energy minimum of the weights that the map
  calibrated over the experiment's seven runs (``calibrate_patterns``) gives
  the segment's end, and the gap.

Usage, from the repository root (OOMMF; about 70 s for 8 writes on 1 um)::

    python studies/fig3/run_fig3.py --engine oommf --grain-k 0 --peak 100e-3 \\
        --duration 1e-9 --pulses 4 --reference others --out runs/fig3_write
    python studies/fig3/write_sequence.py --experiment runs/fig3_write \\
        --out runs/fig3_sequence
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np

from ubhop import runs
from ubhop.engines import get_engine
from ubhop.experiments.associative import energy_row, pattern_runs
from ubhop.experiments.presets import fig3_config
from ubhop.patterns import as_pattern
from ubhop.training import train
from ubhop.weights import calibrate_patterns

ORDER = "+++-,++--,++-+,+-+-,+---,+--+,+-++,+++-"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--experiment", required=True,
                    help="a run_fig3.py output folder (fig3_config's film)")
    ap.add_argument("--out", required=True, help="run directory of the sequence")
    ap.add_argument("--order", default=ORDER, help="comma-separated patterns")
    ap.add_argument("--pulses", type=int, default=2, help="pulses per pattern")
    ap.add_argument("--size", type=float, default=1e-6, help="film side (m)")
    ap.add_argument("--engine", default="oommf")
    args = ap.parse_args(argv)

    exp = Path(args.experiment)
    order = args.order.split(",")
    found = pattern_runs(exp)
    names = list(found)
    missing = [p for p in order if p not in found]
    if missing:
        raise SystemExit(f"{exp} has no run for {missing}; give canonical patterns "
                         f"(node N '+') from {names}.")
    base = fig3_config(pulses=args.pulses, engine=args.engine, size=args.size)
    cfg = dataclasses.replace(base, schedule=[(p, args.pulses) for p in order],
                              start=str((exp / "start.ovf").resolve()),
                              chunk=args.pulses)
    train(cfg, args.out, engine=get_engine(args.engine), progress=True)

    step = args.pulses
    ref = {k: runs.read_history(found[k] / "history.nc").G.values[step]
           for k in names}
    g_exp = np.array([ref[k] for k in names])
    wmap = calibrate_patterns(g_exp, [as_pattern(k) for k in names])
    off = ~np.eye(4, dtype=bool)
    scale = float(np.median(np.abs(g_exp - wmap.g_ref)[:, off]))
    g = runs.read_history(Path(args.out) / "history.nc").G.values
    rows = []
    print("| write | over | dev | minimum | gap |\n| --- | --- | --- | --- | --- |")
    for k, p in enumerate(order):
        gk = g[(k + 1) * args.pulses]
        dev = float(np.abs(gk - ref[p])[off].max() / scale)
        row = energy_row(wmap.weights(gk), p)
        rows.append({"pattern": p, "over": order[k - 1] if k else "start",
                     "dev": dev, "is_minimum": row["is_minimum"], "gap": row["gap"]})
        print(f"| `{p}` | {rows[-1]['over']} | {dev:.2g} | "
              f"{'yes' if row['is_minimum'] else 'no'} | {row['gap']:+.2f} |")
    runs.write_json(Path(args.out) / "sequence.json",
                    {"order": order, "pulses": args.pulses, "rows": rows})
    print(json.dumps({"minima": sum(r["is_minimum"] for r in rows),
                      "writes": len(rows),
                      "erased": sum(r["dev"] < 1e-3 for r in rows)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
