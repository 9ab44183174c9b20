"""The seven-pattern associative-memory experiment (the paper's Fig. 3).

Trains the demo's device (``ubhop.experiments.presets.demo_config``: 1 um film, 10 nm
cells, 50 nm grains with K = 2e4 J/m^3, start along the diagonal, 15 mT, 0.2 ns
pulses, minimisation) on each of the seven independent 4-node patterns, one at
a time, from one shared relaxed start; then writes into the output directory

- ``energy_table.md`` / ``energy_table.json``: energies of all 16 states per
  trained pattern, the minima, whether the trained pattern is the minimum,
  and recall from every one-bit corruption, for each reference of the weight
  map (``ubhop.experiments.associative.REFERENCES``: the relaxed start, ``G_avg`` fitted
  over the seven runs, ``G_avg`` fitted over the other six) and for the
  start with each run's own sign; ``recall_table.json`` holds the recalls;
- ``fig3.png``: the energy diagrams (reference ``--reference``), current maps
  and textures.

Usage::

    python studies/fig3/run_fig3.py --engine oommf --out runs/fig3
    python studies/fig3/run_fig3.py --engine oommf --start vortex --out runs/fig3_vortex
    python studies/fig3/run_fig3.py --engine oommf --peak 25e-3 --k-spread 0.5 \
        --boundary-exchange 0.1 --out runs/fig3_granular
    python studies/fig3/run_fig3.py --engine oommf --peak 100e-3 --duration 1e-9 \
        --pulses 4 --reference others --out runs/fig3_write
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import numpy as np

from ubhop import runs
from ubhop.current import sheet_current
from ubhop.engines import get_engine
from ubhop.experiments.associative import (
    REFERENCES,
    energy_table,
    experiment_weights,
    recall_table,
    seven_patterns,
    train_patterns,
)
from ubhop.experiments.presets import demo_config
from ubhop.figures import fig3
from ubhop.report import format_energy_table, format_recall_table


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
    ap.add_argument("--grain-k", type=float, default=2e4,
                    help="grain anisotropy K (J/m^3); 0: no grains (default 2e4)")
    ap.add_argument("--duration", type=float, default=None,
                    help="pulse duration (s); default: the demo's 0.2 ns")
    ap.add_argument("--reference", choices=REFERENCES, default="start",
                    help="G_ref of the weight map in the figure and the printed "
                         "tables (all three are written to energy_table.md)")
    args = ap.parse_args(argv)

    out = Path(args.out)
    base = demo_config(pulses=args.pulses, engine=args.engine, size=args.size,
                       seed=args.seed, k_spread=args.k_spread,
                       boundary_exchange=args.boundary_exchange,
                       grain_k=args.grain_k)
    base = dataclasses.replace(base, start=args.start, peak_field=args.peak)
    if args.duration is not None:
        base = dataclasses.replace(base, pulse_duration=args.duration,
                                   rise=min(base.rise, args.duration / 4))
    engine = get_engine(args.engine)
    print(f"engine: {engine.name}")
    t0 = time.perf_counter()
    found = train_patterns(base, seven_patterns(), out, engine=engine,
                           progress=True)
    wall = time.perf_counter() - t0
    print(f"trained {len(found)} patterns in {wall:.0f} s")

    tables = {}
    for ref in REFERENCES:
        w = experiment_weights(out, sign="global", reference=ref)
        tables[ref] = (w, energy_table(w), recall_table(w, seed=0))
    w = experiment_weights(out, sign="run")
    tables["run"] = (w, energy_table(w), recall_table(w, seed=0))
    w, rows, rec = tables[args.reference]
    sign = next(iter(w.values())).sign
    dg = {k: (rw.dg * 1e3).round(6).tolist() for k, rw in w.items()}
    g_all = {k: runs.read_history(d / "history.nc").G.values for k, d in found.items()}
    g0 = next(iter(g_all.values()))[0]
    dg_steps = {k: ((g - g0) * 1e3).round(9).tolist() for k, g in g_all.items()}
    titles = {"start": "Reference: the relaxed start; sign over all runs",
              "patterns": "Reference: G_avg fitted over the seven runs "
                          "(calibrate_patterns)",
              "others": "Reference: G_avg fitted over the other six runs "
                        "(cross-validated)",
              "run": "Reference: the relaxed start; each run's own sign"}
    text = ""
    for key in (*REFERENCES, "run"):
        ws, rows_k, rec_k = tables[key]
        n_min = sum(r["is_minimum"] for r in rows_k)
        n_rec = sum(r["recalled"] for r in rec_k)
        sign_k = ("each run's own" if key == "run"
                  else f"{next(iter(ws.values())).sign:+d}")
        text += (f"## {titles[key]}\n\nsign {sign_k}; "
                 f"{n_min} of {len(rows_k)} patterns are minima; {n_rec} of "
                 f"{len(rec_k)} one-bit corruptions recalled\n\n"
                 + format_energy_table(rows_k) + "\n\n"
                 + format_recall_table(rec_k) + "\n\n")
    runs.write_text(out / "energy_table.md", text)
    runs.write_json(out / "energy_table.json",
                    {**{k: tables[k][1] for k in tables}, "dG_mS": dg,
                     "G0_mS": (g0 * 1e3).tolist(), "dG_steps_mS": dg_steps,
                     "wall_s": wall, "engine": engine.name,
                     "reference": args.reference})
    runs.write_json(out / "recall_table.json", {k: tables[k][2] for k in tables})

    dev = base.device
    textures = {k: runs.read_field(runs.texture_path(d, base.schedule[0].pulses))
                for k, d in found.items()}
    currents = {k: sheet_current(dev, [1.0 if c == "+" else -1.0 for c in k])
                for k in found}
    import matplotlib.pyplot as plt

    fig = fig3(rows, textures=textures, currents=currents, path=out / "fig3.png",
               title=f"{engine.name}: {args.pulses} pulses per pattern, "
                     f"reference {args.reference}, sign {sign:+d}")
    plt.close(fig)
    print(text)
    print(f"W per pattern (reference {args.reference}, sign {sign:+d}):")
    for k, rw in w.items():
        iu = np.triu_indices(4, 1)
        print(f"  {k}: " + " ".join(f"{a}{b}={x:+.2f}" for a, b, x in
                                    zip("NNNEES", "ESWSWW", rw.w[iu], strict=True)))
    print(json.dumps({"figure": str(out / "fig3.png")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
