"""A micromagnetic 35-node device trained on similar letters, against the rules.

Builds a 35-node film (``Device.grid(7, 5)``: an interior 7 x 5 array of pads
whose node order is the bitmap's reading order, or ``Device.ring(35)``: pads
round the perimeter), trains it with pulses on a set of letters in cycles (the
demo's film otherwise: 10 nm cells, 50 nm grains with K = 2e4 J/m^3, start
along the diagonal, 15 mT peak, 0.2 ns pulses, energy minimisation), turns the
final conductances into Hopfield weights through the map calibrated on the run
(``ubhop.weights.calibrate``) and measures the recall accuracy of those weights
beside the outer-product and projection rules and the compact models, on the
same distorted inputs (``ubhop.accuracy.letters_accuracy``).

It also says what the device learnt: the correlation of its weights with the
outer-product weights of all the letters and with those of the last letter
alone (a one-jump memory keeps only the last), and the correlation of each
pulse's change of G with ``V_i V_j``.

The run checkpoints after every pulse and resumes when started again with the
same ``--out``. Writes ``device_<layout>.json`` and ``device_<layout>.md``.

Usage::

    python studies/letters/run_device.py --engine oommf --layout grid --letters BCGO
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from ubhop import runs
from ubhop.accuracy import summary_rows
from ubhop.engines import get_engine
from ubhop.experiments.scaleup import (
    device_weights,
    letters_accuracy,
    letters_config,
    letters_device,
)
from ubhop.letters import letters, similarity
from ubhop.materials import Disorder
from ubhop.report import format_accuracy_table
from ubhop.training import train


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", default="auto", help="auto, oommf or magnumnp")
    ap.add_argument("--layout", default="grid", choices=("grid", "ring"))
    ap.add_argument("--letters", default="BCGO", help="the letters to store")
    ap.add_argument("--size", type=float, default=2e-6, help="film side (m)")
    ap.add_argument("--cell", type=float, default=10e-9, help="cell side (m)")
    ap.add_argument("--peak", type=float, default=15e-3, help="peak field (T)")
    ap.add_argument("--duration", type=float, default=0.2e-9, help="pulse (s)")
    ap.add_argument("--pulses", type=int, default=1, help="pulses per letter")
    ap.add_argument("--cycles", type=int, default=3, help="cycles of the letters")
    ap.add_argument("--seed", type=int, default=0, help="grain seed")
    ap.add_argument("--trials", type=int, default=500,
                    help="distorted inputs per letter and k")
    ap.add_argument("--out", default="runs/letters_device")
    args = ap.parse_args(argv)

    out = Path(args.out)
    x = letters(args.letters)
    dev = letters_device(args.layout, size=args.size, cell=args.cell,
                         disorder=Disorder(grain_size=50e-9, K=2e4, seed=args.seed))
    cfg = letters_config(args.letters, dev, pulses=args.pulses, cycles=args.cycles,
                         peak_field=args.peak, pulse_duration=args.duration,
                         seed=args.seed, engine=args.engine)
    engine = get_engine(args.engine)
    print(f"engine {engine.name}; {args.layout}, {cfg.device.n_nodes} nodes, "
          f"{len(cfg.steps)} pulses", flush=True)
    t0 = time.perf_counter()
    hist = train(cfg, out / f"run_{args.layout}", engine=engine, progress=True)
    wall = time.perf_counter() - t0
    prov = json.loads((out / f"run_{args.layout}" / "provenance.json").read_text())
    engine_s = sum(c.get("wall_s", 0.0) for c in prov["engine_calls"])
    w, info = device_weights(hist, x)
    name = f"device ({args.layout})"
    rows = letters_accuracy(x, trials=args.trials, extra={name: w})
    allk = summary_rows(rows)
    report = {"layout": args.layout, "letters": args.letters,
              "similarity": similarity(x), "pulses": len(cfg.steps),
              "wall_s": wall, "engine_s": engine_s, "args": vars(args), "learnt": info,
              "rows": rows, "all_k": allk}
    md = [f"## {name}: `{args.letters}` (similarity {similarity(x):.3f}), "
          f"{len(cfg.steps)} pulses, {engine_s:.0f} s in the engine\n",
          f"Weight-map sign {info['sign']:+d} (first-pulse correlation "
          f"{info['evidence']['correlation']:+.2f}); largest total change of G "
          f"{100 * info['max_rel_change']:.3f} %; correlation of the device "
          f"weights with the outer product of all letters "
          f"{info['corr_outer_all']:+.2f}, of the last letter "
          f"{info['corr_outer_last']:+.2f}.\n",
          format_accuracy_table(rows + allk)]
    runs.write_json(out / f"device_{args.layout}.json",
                    json.loads(json.dumps(report, default=float)))
    runs.write_text(out / f"device_{args.layout}.md", "\n".join(md) + "\n")
    print("\n".join(md))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
