"""Logic gates on the film: one device trained as AND, OR, NAND, NOR in turn.

Trains the demo's device (``ubhop.experiments.presets.demo_config``: 1 um film, 10 nm
cells, 50 nm grains with K = 2e4 J/m^3, start along the diagonal, 15 mT, 0.2 ns
pulses, minimisation) in one run whose schedule holds, gate after gate,
``--cycles`` cycles of the gate's patterns ``(a, b, out, bias=+1)`` with
``--pulses`` pulses each; the texture is never reset between gates. The
uniform pattern ``++++`` (AND and OR at ``a = b = +1``) drives no current, so
no pulse can train it: it is left out (on the film it would be a no-op).

After each gate's last pulse the conductances are read through the weight map
calibrated on the whole run (``ubhop.weights.calibrate``: the sign from the
first pulse of every segment, ``G_ref`` the relaxed start) and the truth table
is taken with inputs and bias clamped. For comparison, the table of a pure
one-jump memory (weights ``x x^T`` of the gate's last trained pattern alone) is
given too. The noise table adds a relative error to the read conductances.
Writes ``logic_table.md`` and ``logic_table.json`` into the output directory.

Usage::

    python studies/logic/run_logic.py --engine oommf --out runs/logic --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np

from ubhop import runs
from ubhop.engines import get_engine
from ubhop.experiments.logic import (
    LEARNABLE,
    gate_patterns,
    noise_table,
    truth_table,
)
from ubhop.experiments.presets import demo_config
from ubhop.hopfield import outer_product
from ubhop.patterns import pattern_string
from ubhop.report import format_truth_table
from ubhop.thresholds import lasting_change
from ubhop.training import train
from ubhop.weights import calibrate

LEVELS = (0.0, 1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 1e-3, 1e-2)


def gate_segments(gates, cycles, pulses):
    """Schedule segments, and the pulse count after each gate."""
    segs, ends, total = [], [], 0
    for g in gates:
        pats = [pattern_string(x) for x in gate_patterns(g)]
        pats = [p for p in pats if set(p) != {"+"}]  # "++++" drives no current
        for _ in range(cycles):
            for p in pats:
                segs.append((p, pulses))
                total += pulses
        ends.append(total)
    return segs, ends


def run_seed(args, seed, engine):
    base = demo_config(pulses=args.pulses, engine=args.engine, size=args.size,
                       seed=seed, k_spread=args.k_spread,
                       boundary_exchange=args.boundary_exchange)
    segs, ends = gate_segments(args.gates, args.cycles, args.pulses)
    cfg = dataclasses.replace(base, schedule=segs, cycles=1, chunk=args.pulses)
    run_dir = Path(args.out) / f"seed{seed}"
    hist = train(cfg, run_dir, engine=engine, progress=False)
    # engine time from the run's provenance: the same when the run is reread
    prov = json.loads((run_dir / "provenance.json").read_text())
    wall = sum(c["wall_s"] for c in prov["engine_calls"])
    g = hist.G.values
    # the pulses after which G moved (relative change of some pair > 1e-6)
    moves = [(t, lasting_change(g[t - 1:t + 1])) for t in range(1, len(g))]
    moves = [(t, c) for t, c in moves if c > 1e-6]
    wmap = calibrate(hist)
    gates, g_end = {}, {}
    for name, end in zip(args.gates, ends, strict=True):
        w = wmap.weights(g[end])
        idx = np.searchsorted(np.cumsum([p for _, p in segs]), end)
        last = segs[idx][0]
        one_jump = outer_product([[1 if c == "+" else -1 for c in last]])
        tab = truth_table(w, name)
        gates[name] = {"table": tab, "w": w.round(4).tolist(),
                       "dG_mS": ((g[end] - g[0]) * 1e3).round(6).tolist(),
                       "last_pattern": last,
                       "one_jump": truth_table(one_jump, name)}
        g_end[name] = g[end]
    noise = noise_table(g_end, LEVELS, trials=args.trials, seed=0, weight_map=wmap)
    return {"seed": seed, "wall_s": wall, "sign": wmap.sign,
            "g_scale_mS": wmap.g_scale * 1e3,
            "G0_mS": float(np.median(g[0][~np.eye(4, dtype=bool)]) * 1e3),
            "evidence": wmap.evidence, "gates": gates, "noise": noise,
            "moves": moves,
            "pulses": int(ends[-1])}


def report(results, levels) -> str:
    out = []
    for r in results:
        out.append(f"## Grain seed {r['seed']} ({r['pulses']} pulses, "
                   f"{r['wall_s']:.0f} s; weight-map sign {r['sign']:+d}, "
                   f"correlation {r['evidence']['correlation']:+.2f}; "
                   f"G_scale {r['g_scale_mS']:.3g} mS, median G {r['G0_mS']:.4g} mS)\n")
        out.append("Pulses after which G moved (largest relative change of a "
                   "pair): " + (", ".join(f"{t} ({c:.2g})" for t, c in r["moves"])
                                or "none") + "\n")
        for name, d in r["gates"].items():
            t = d["table"]
            oj = d["one_jump"]
            out.append(f"### {name}: {'correct' if t['correct'] else 'wrong'} "
                       f"(table is {t['gate'] or 'no gate'}; last pattern "
                       f"`{d['last_pattern']}`, whose one-jump table is "
                       f"{oj['gate'] or 'no gate'})\n")
            out.append(format_truth_table(t) + "\n")
        out.append("Noise (relative error of the read G; accuracy over reads):\n")
        out.append("| gate | " + " | ".join(f"{x:g}" for x in levels)
                   + " | fails at |")
        out.append("| --- " * (len(levels) + 2) + "|")
        for name, d in r["noise"].items():
            out.append(f"| {name} | " + " | ".join(f"{a:.2f}" for a in d["accuracy"])
                       + f" | {d['fails_at']} |")
        out.append("")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--engine", default="auto", help="auto, oommf or magnumnp")
    ap.add_argument("--out", default="runs/logic", help="experiment directory")
    ap.add_argument("--pulses", type=int, default=2, help="pulses per pattern")
    ap.add_argument("--cycles", type=int, default=2, help="cycles per gate")
    ap.add_argument("--size", type=float, default=1e-6, help="film side (m)")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0], help="grain seeds")
    ap.add_argument("--gates", nargs="+", default=list(LEARNABLE))
    ap.add_argument("--trials", type=int, default=200, help="noisy reads per level")
    ap.add_argument("--boundary-exchange", type=float, default=1.0,
                    help="grain-boundary exchange / A (Disorder.boundary_exchange)")
    ap.add_argument("--k-spread", type=float, default=0.0,
                    help="relative spread of the grains' K (Disorder.K_spread)")
    args = ap.parse_args(argv)
    args.gates = [g.upper() for g in args.gates]

    engine = get_engine(args.engine)
    print(f"engine: {engine.name}")
    results = []
    for seed in args.seeds:
        r = run_seed(args, seed, engine)
        results.append(r)
        print(f"seed {seed}: " + ", ".join(
            f"{k} {'ok' if v['table']['correct'] else 'wrong'} ({v['table']['gate']})"
            for k, v in r["gates"].items()) + f"; {r['wall_s']:.0f} s", flush=True)
        out = Path(args.out)
        runs.write_text(out / "logic_table.md", report(results, LEVELS))
        runs.write_json(out / "logic_table.json",
                        json.loads(json.dumps(results, default=float)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
