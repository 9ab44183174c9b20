"""The seven-pattern associative-memory experiment (the paper's Fig. 3).

Trains the demo's device (``ubhop.demo.demo_config``: 1 um film, 10 nm cells,
50 nm grains with K = 2e4 J/m^3, start along the diagonal, 15 mT, 0.2 ns
pulses, minimisation) on each of the seven independent 4-node patterns, one at
a time, from one shared relaxed start; then writes into the output directory

- ``energy_table.md`` / ``energy_table.json``: energies of all 16 states per
  trained pattern, the minima, and whether the trained pattern is the minimum,
  with the weight-map sign over all runs and with each run's own sign;
- ``recall_table.md`` / ``recall_table.json``: recall from every one-bit
  corruption;
- ``fig3.png``: the energy diagrams, current maps and textures.

Usage::

    python studies/fig3/run_fig3.py --engine oommf --out runs/fig3
    python studies/fig3/run_fig3.py --engine oommf --start vortex --out runs/fig3_vortex
    python studies/fig3/run_fig3.py --engine oommf --peak 25e-3 --k-spread 0.5 \
        --boundary-exchange 0.1 --out runs/fig3_granular
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np

from ubhop import runs
from ubhop.associative import (
    energy_table,
    experiment_weights,
    fig3,
    format_energy_table,
    format_recall_table,
    recall_table,
    seven_patterns,
    train_patterns,
)
from ubhop.current import sheet_current
from ubhop.demo import demo_config
from ubhop.engines import get_engine


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", default="auto", help="auto, oommf or magnumnp")
    ap.add_argument("--out", default="runs/fig3", help="experiment directory")
    ap.add_argument("--pulses", type=int, default=4, help="pulses per pattern")
    ap.add_argument("--size", type=float, default=1e-6, help="film side (m)")
    ap.add_argument("--seed", type=int, default=0, help="grain seed")
    ap.add_argument("--start", default="uniform_diag",
                    help="starting texture (TrainingConfig.start)")
    ap.add_argument("--peak", type=float, default=15e-3, help="peak field (T)")
    ap.add_argument("--boundary-exchange", type=float, default=1.0,
                    help="grain-boundary exchange / A (Disorder.boundary_exchange)")
    ap.add_argument("--k-spread", type=float, default=0.0,
                    help="relative spread of the grains' K (Disorder.K_spread)")
    args = ap.parse_args(argv)

    out = Path(args.out)
    base = demo_config(pulses=args.pulses, engine=args.engine, size=args.size,
                       seed=args.seed, k_spread=args.k_spread,
                       boundary_exchange=args.boundary_exchange)
    base = dataclasses.replace(base, start=args.start, peak_field=args.peak)
    engine = get_engine(args.engine)
    print(f"engine: {engine.name}")
    t0 = time.perf_counter()
    found = train_patterns(base, seven_patterns(), out, engine=engine,
                           progress=True)
    wall = time.perf_counter() - t0
    print(f"trained {len(found)} patterns in {wall:.0f} s")

    tables = {}
    for mode in ("global", "run"):
        w = experiment_weights(out, sign=mode)
        tables[mode] = (w, energy_table(w), recall_table(w, seed=0))
    w, rows, rec = tables["global"]
    dg = {k: (rw.dg * 1e3).round(6).tolist() for k, rw in w.items()}
    text = (f"## Weight-map sign over all runs: {next(iter(w.values())).sign:+d}\n\n"
            + format_energy_table(rows)
            + "\n\n## Each run's own sign\n\n"
            + format_energy_table(tables["run"][1]) + "\n")
    runs.write_text(out / "energy_table.md", text)
    runs.write_json(out / "energy_table.json",
                    {"global": rows, "run": tables["run"][1], "dG_mS": dg,
                     "wall_s": wall, "engine": engine.name})
    runs.write_text(out / "recall_table.md",
                    "## Sign over all runs\n\n" + format_recall_table(rec)
                    + "\n\n## Each run's own sign\n\n"
                    + format_recall_table(tables["run"][2]) + "\n")
    runs.write_json(out / "recall_table.json",
                    {"global": rec, "run": tables["run"][2]})

    dev = base.device
    textures = {k: runs.read_field(runs.texture_path(d, base.schedule[0].pulses))
                for k, d in found.items()}
    currents = {k: sheet_current(dev, [1.0 if c == "+" else -1.0 for c in k])
                for k in found}
    import matplotlib.pyplot as plt

    fig = fig3(rows, textures=textures, currents=currents, path=out / "fig3.png",
               title=f"{engine.name}: {args.pulses} pulses per pattern, "
                     f"sign {next(iter(w.values())).sign:+d}")
    plt.close(fig)
    print(text)
    print(format_recall_table(rec))
    print("W per pattern (sign over all runs):")
    for k, rw in w.items():
        iu = np.triu_indices(4, 1)
        print(f"  {k}: " + " ".join(f"{a}{b}={x:+.2f}" for a, b, x in
                                    zip("NNNEES", "ESWSWW", rw.w[iu], strict=True)))
    print(json.dumps({"figure": str(out / "fig3.png")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
