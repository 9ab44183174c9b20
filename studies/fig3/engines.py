"""The Fig. 3 write regime on both engines: tables, G differences, wall time.

Trains ``ubhop.experiments.presets.fig3_config`` (soft film, one 100 mT, 1 ns write per
pattern by default) on a small film with each engine, then prints per engine
the wall time and the minima and recalls with the cross-validated reference,
and per pattern the largest difference of the trained G between the engines
relative to the pattern's change.

Usage, from the repository root (OOMMF and magnum.np; about 1 min)::

    python studies/fig3/engines.py --out runs/fig3_engines
    python studies/fig3/engines.py --engines magnumnp --size 0.25e-6 --cell 12.5e-9 \\
        --out runs/fig3_mnp_250nm
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from ubhop import runs
from ubhop.engines import get_engine
from ubhop.experiments import associative as am
from ubhop.experiments.presets import fig3_config


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, help="output folder (one per engine)")
    ap.add_argument("--engines", nargs="+", default=["oommf", "magnumnp"])
    ap.add_argument("--size", type=float, default=0.2e-6, help="film side (m)")
    ap.add_argument("--cell", type=float, default=20e-9, help="cell edge (m)")
    ap.add_argument("--pulses", type=int, default=1, help="writes per pattern")
    args = ap.parse_args(argv)
    g = {}
    for name in args.engines:
        out = Path(args.out) / name
        base = fig3_config(pulses=args.pulses, engine=name, size=args.size,
                           cell=args.cell)
        t0 = time.perf_counter()
        found = am.train_patterns(base, None, out, engine=get_engine(name))
        wall = time.perf_counter() - t0
        g[name] = {k: runs.read_history(d / "history.nc").G.values
                   for k, d in found.items()}
        w = am.experiment_weights(out, reference="others")
        rows, rec = am.energy_table(w), am.recall_table(w)
        print(f"{name}: {wall:.0f} s; {sum(r['is_minimum'] for r in rows)}/7 minima, "
              f"{sum(r['recalled'] for r in rec)}/28 recalled; not recalled: "
              + ", ".join(f"{r['input']}->{r['output']} ({r['pattern']})"
                          for r in rec if not r["recalled"]))
    if len(g) == 2:
        a, b = (g[n] for n in args.engines)
        off = ~np.eye(4, dtype=bool)
        print("largest |G_a - G_b| after training, and the pattern's change (S):")
        for k in a:
            diff = np.abs(a[k][-1] - b[k][-1])[off].max()
            change = np.abs(a[k][-1] - a[k][0])[off].max()
            print(f"  {k}: {diff:.2g} of {change:.2g}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
