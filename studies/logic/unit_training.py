"""The 200 nm unit trained as AND, OR, NAND, NOR in turn, for every pad assignment.

The direct experiment behind ``unit_states.py``: for each of the 24
assignments of ``(a, b, out, bias)`` to the pads, one 0 K run of the 200 nm cut
of the demo's film (grain ``--seed``) whose schedule holds ``--cycles`` cycles
of AND's current-driving patterns, then OR's, NAND's and NOR's (one pulse each,
truth-table order, the uniform ``++++`` left out), never resetting the texture.
After each gate's last pulse the truth table is read from
``W = sign (G - G_ref)`` with ``G_ref`` the relaxed start or the mean G over
the run, and both signs. Every run also records the states it visits, and
their mixtures are tested for each gate
(``ubhop.experiments.state_graph.mixture_reads``, with the start or the mean of those
states as reference): what the unit could hold, against what its training gives.

With ``--temperature T --realisations R`` every assignment is an ensemble of
thermal realisations (``ubhop.experiments.ensemble.train_ensemble``), read through its
mean conductances: whether thermal switching lets a population learn what one unit
at 0 K does not.

Usage::

    python studies/logic/unit_training.py --seed 2 --out runs/unit_training_s2
    python studies/logic/unit_training.py --seed 2 --out runs/unit_training_s2 \
        --analyse-only
    python studies/logic/unit_training.py --assignments NWES --temperature 300 \
        --realisations 24 --out runs/unit_thermal      # about 30 min

About 25 s per assignment with OOMMF (10 min a seed) at 0 K, and about 70 s
per realisation at 300 K. Writes ``summary.json``.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections import Counter
from pathlib import Path

import numpy as np

from ubhop import runs
from ubhop.experiments.logic import LEARNABLE, truth_table
from ubhop.experiments.state_graph import (
    assignments,
    gate_pulses,
    gate_weights,
    mixture_reads,
    noise_floor,
)

PADS = "NESW"


def gate_schedule(assignment, cycles):
    """The schedule (pattern, 1) of the four gates on the pads, and each end."""
    segs, ends = [], []
    for gate in LEARNABLE:
        segs += [(p, 1) for p in gate_pulses(gate, assignment)] * cycles
        ends.append(len(segs))
    return segs, ends


def name(a):
    return "".join(PADS[p] for p in a)


def history(run):
    """``(G, visited)``: the run's conductances (an ensemble's mean) and every
    relaxed state of it (of every realisation), ``(T + 1, 4, 4)`` and
    ``(M, 4, 4)``; None if there is no run."""
    from ubhop.experiments.ensemble import ensemble_history

    if (run / "history.nc").exists():
        g = runs.read_history(run / "history.nc").G.values
        return g, g
    if (run / "r0000" / "history.nc").exists():
        ens = ensemble_history(run)
        return ens.G_mean.values, ens.G.values.reshape(-1, 4, 4)
    return None


def analyse(out, cycles):
    """Read every run under ``out``; print and return the summary."""
    rows, tally = [], Counter()
    union = []
    for a in assignments():
        got = history(out / name(a))
        if got is None:
            continue
        g, visited = got
        _, ends = gate_schedule(a, cycles)
        iu = np.triu_indices(4, 1)
        moved = int(sum(np.abs((g[t] - g[t - 1])[iu] / g[0][iu]).max() > 1e-5
                        for t in range(1, len(g))))
        union.append(visited - g[0])
        row = {"assignment": name(a), "pulses_that_moved_G": moved,
               "pulses": len(g) - 1}
        floor = noise_floor(g[0])
        for ref_name, ref in (("start", g[0]), ("mean", g.mean(axis=0))):
            for sign in (-1, 1):
                reads = [truth_table(gate_weights(g[e] - ref, a, sign, floor))["gate"]
                         for e in ends]
                ok = sum(r == gt for r, gt in zip(reads, LEARNABLE, strict=True))
                row[f"{ref_name}_{sign:+d}"] = reads
                tally[(ref_name, sign, ok)] += 1
        rows.append(row)
    if not rows:
        raise SystemExit(f"No runs under {out}.")
    d = np.concatenate(union)  # every relaxed state, from its run's start
    held, all_four = {}, {}
    for ref_name, dd in (("start", d), ("mean", d - d.mean(axis=0))):
        for sign in (-1, 1):
            ok = {a: [mixture_reads(dd, gt, a, sign) is not None for gt in LEARNABLE]
                  for a in assignments()}
            key = f"{ref_name} {sign:+d}"
            held[key] = {gt: sum(v[k] for v in ok.values())
                         for k, gt in enumerate(LEARNABLE)}
            all_four[key] = [name(a) for a, v in ok.items() if all(v)]
    print(f"{len(rows)} assignments, {cycles} cycles per gate")
    print("pulses that moved G (median):",
          int(np.median([r["pulses_that_moved_G"] for r in rows])), "of",
          rows[0]["pulses"])
    print("\n| reference | sign | 0 right | 1 | 2 | 3 | 4 |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for ref_name in ("start", "mean"):
        for sign in (-1, 1):
            counts = [tally[(ref_name, sign, k)] for k in range(5)]
            print(f"| {ref_name} | {sign:+d} | " + " | ".join(map(str, counts)) + " |")
    best = max(rows, key=lambda r: max(
        sum(x == gt for x, gt in zip(r[k], LEARNABLE, strict=True))
        for k in r if k.startswith(("start", "mean"))))
    print("\nbest run:", best)
    print("\nassignments under which a mixture of the visited states holds each "
          "gate (reference: the start, or the mean of those states):")
    for key in held:
        print(f"  {key}: {held[key]}; all four under {len(all_four[key])}")
    summary = {"cycles": cycles, "runs": rows, "mixtures": held,
               "mixtures_all_four": all_four,
               "tally": {f"{k[0]} {k[1]:+d} {k[2]}": v for k, v in tally.items()}}
    runs.write_json(out / "summary.json", summary)
    return summary


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0, help="grain seed of the unit")
    ap.add_argument("--peak", type=float, default=38e-3, help="peak field (T)")
    ap.add_argument("--cycles", type=int, default=2, help="cycles per gate")
    ap.add_argument("--engine", choices=["oommf", "magnumnp"], default="oommf")
    ap.add_argument("--out", type=Path, default=Path("runs/unit_training"))
    ap.add_argument("--assignments", nargs="+", default=None, metavar="PADS",
                    help="pads of a, b, out, bias, e.g. NWES (default: all 24)")
    ap.add_argument("--temperature", type=float, default=0.0,
                    help="K; above 0 each assignment is a thermal ensemble")
    ap.add_argument("--realisations", type=int, default=24)
    ap.add_argument("--analyse-only", action="store_true")
    args = ap.parse_args(argv)
    chosen = assignments()
    if args.assignments:
        names = {name(a): a for a in assignments()}
        bad = [x for x in args.assignments if x not in names]
        if bad:
            ap.error(f"unknown assignments {bad}: give the pads of a, b, out and "
                     f"bias as four different letters of NESW, e.g. NWES")
        chosen = [names[x] for x in args.assignments]
    if not args.analyse_only:
        import ubhop
        from ubhop.experiments.ensemble import train_ensemble
        from ubhop.experiments.presets import demo_config
        from ubhop.training import train

        engine = ubhop.get_engine(args.engine)
        base = demo_config(engine=args.engine, size=0.2e-6, seed=args.seed)
        for a in chosen:
            segs, _ = gate_schedule(a, args.cycles)
            cfg = dataclasses.replace(base, schedule=segs, peak_field=args.peak,
                                      chunk=len(segs), temperature=args.temperature)
            if args.temperature > 0:
                train_ensemble(cfg, args.out / name(a), args.realisations,
                               engine=engine)
            else:
                train(cfg, args.out / name(a), engine=engine, progress=False)
            print(f"  {name(a)} done", flush=True)
    analyse(args.out, args.cycles)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
