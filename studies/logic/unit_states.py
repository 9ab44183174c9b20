"""The logic gates the 200 nm two-state unit can hold: its 0 K state graph.

The 200 nm cut of the demo's film (``demo_config(size=0.2e-6)``) is the
unit whose thermal ensemble follows eq. (1) (``studies/thermal``). This script
finds, at each peak field, every relaxed state that single 0 K pulses of the
14 signed patterns reach from the start, and where each pulse takes each state
(``ubhop.experiments.state_graph.explore_states``). From that map it reads:

1. which gate each state holds, for each of the 24 assignments of
   ``(a, b, out, bias)`` to the pads (reference: the start; map sign -1 and +1);
2. which gates any mixture of the states holds (a population of the unit:
   thermal realisations, or identical units wired in parallel);
3. the gates trained in turn (AND, OR, NAND, NOR, 2 cycles each, no reset) on
   the graph, for every assignment;
4. the same for an array of 24 units in parallel, one per assignment (every
   wiring of the pads to the nodes), whose conductances add.

Usage::

    python studies/logic/unit_states.py --peaks 34e-3 38e-3 42e-3 \
        --out runs/unit_states                       # OOMMF, about 2.5 min
    python studies/logic/unit_states.py --analyse-only \
        --graphs studies/logic/data/unit_200nm_states.json   # no engine

The graphs are written to ``--out/graphs.json`` (the committed one is
``data/unit_200nm_states.json``, grain seed 0). Other grain seeds (``--seed``)
give other units: seed 1 has 7 states at 38 mT, and seed 2 more than 32 (a
near-continuous family), which ``explore_states`` refuses beyond
``--max-states``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np

from ubhop import runs
from ubhop.experiments.logic import LEARNABLE
from ubhop.experiments.state_graph import (
    StateGraph,
    assignments,
    explore_states,
    gate_pulses,
    gates_read,
    mixture_reads,
    noise_floor,
    signed_patterns,
    train_gates,
)

PADS = "NESW"
PAIRS = [(i, j) for i in range(4) for j in range(i + 1, 4)]


def explore(peak, out, engine_name, seed=0, max_states=32):
    """The state graph at ``peak`` (T), each pulse an ordinary one-pulse run."""
    import ubhop
    from ubhop.experiments.presets import demo_config
    from ubhop.training import train

    engine = ubhop.get_engine(engine_name)
    base = demo_config(engine=engine_name, size=0.2e-6, seed=seed)
    tag = f"{peak * 1e3:.2f}mT"
    # the relaxed start: a run whose one pulse is far below any threshold
    c0 = dataclasses.replace(base, schedule=[("++--", 1)], peak_field=1e-4, chunk=1)
    h0 = train(c0, out / tag / "start", engine=engine, progress=False)
    count = [0]

    def pulse(texture, pattern):
        count[0] += 1
        d = out / tag / f"p{count[0]:03d}_{pattern}"
        c = dataclasses.replace(base, schedule=[(pattern, 1)], peak_field=peak,
                                chunk=1, start=texture)
        h = train(c, d, engine=engine, progress=False)
        return h.G.values[1], str(runs.texture_path(d, 1))

    def show(k, p, nxt):
        if nxt != k:
            print(f"  {tag}: state {k} --{p}--> {nxt}", flush=True)

    graph, _ = explore_states(pulse, base.start, h0.G.values[0], signed_patterns(4),
                              max_states=max_states, progress=show)
    return dataclasses.replace(graph, peak_field=float(peak))


def name(a):
    return "".join(PADS[p] for p in a)


def report(graphs):
    """Print the four analyses of the module docstring for each graph."""
    for g in graphs:
        d = g.changes()
        floor = noise_floor(g.conductances[0])
        rel = d / np.where(g.conductances[0] > 0, g.conductances[0], 1.0)
        print(f"\n## {g.peak_field * 1e3:.2f} mT: {g.n_states} states\n")
        print("| state | dG/G (%) NE NS NW ES EW SW | reached from | "
              "reads (sign -1) | reads (sign +1) |")
        print("| --- | --- | --- | --- | --- |")
        for k in range(g.n_states):
            src = sorted({f"{s}:{p}" for s, row in enumerate(g.transitions)
                          for p, t in row.items() if t == k and s != k})
            reads = []
            for sign in (-1, 1):
                got = {}
                for a, gate in gates_read(d[k], sign, floor).items():
                    if gate:
                        got.setdefault(gate, []).append(name(a))
                reads.append(", ".join(f"{gt} ({len(v)})" for gt, v in got.items())
                             or "none")
            vec = " ".join(f"{100 * rel[k, i, j]:+.3f}" for i, j in PAIRS)
            print(f"| {k} | {vec} | {', '.join(src[:4]) or 'start'}"
                  f"{' ...' if len(src) > 4 else ''} | {reads[0]} | {reads[1]} |")
        # the start, and the mean of the states (a population's centre)
        for ref_name, ref in (("the start", g.conductances[0]),
                              ("the mean of the states", g.conductances.mean(axis=0))):
            dd = g.conductances - ref
            print(f"\nReference: {ref_name}. Assignments under which some mixture of "
                  f"the states holds the gate:")
            for sign in (-1, 1):
                ok = {a: [mixture_reads(dd, gt, a, sign) is not None
                          for gt in LEARNABLE] for a in assignments()}
                counts = ", ".join(f"{gt} {sum(v[k] for v in ok.values())}/24"
                                   for k, gt in enumerate(LEARNABLE))
                print(f"  sign {sign:+d}: {counts}; all four under "
                      f"{sum(all(v) for v in ok.values())}")
            print("AND, OR, NAND, NOR trained in turn (2 cycles each, no reset), "
                  "sign -1:")
            tally = {}
            for a in assignments():
                res = train_gates(g, a, cycles=2, reference=ref)
                right = tuple(r["gate"] for r in res if r["correct"])
                tally.setdefault(right, []).append(name(a))
            for right, names in sorted(tally.items(), key=lambda x: -len(x[1])):
                print(f"  correct {', '.join(right) or 'none'}: {len(names)} "
                      f"assignments ({', '.join(names[:6])}"
                      f"{' ...' if len(names) > 6 else ''})")
        print("  array of 24 units, one per wiring (conductances add): "
              + array_gates(g))


def array_gates(graph, cycles=2):
    """Gates read by 24 units in parallel, one per assignment of the pads."""
    from ubhop.experiments.logic import truth_table

    # unit u wires its pad p to node u[p], so node x sits on its pad pads[u][x]
    pads = {u: tuple(int(p) for p in np.argsort(u)) for u in assignments()}
    state = dict.fromkeys(pads, 0)
    d = graph.changes()
    out = []
    for gate in LEARNABLE:
        total = np.zeros((4, 4))
        for u, idx in pads.items():
            state[u] = graph.drive(gate_pulses(gate, idx) * cycles, state[u])[-1]
            total += d[state[u]][np.ix_(idx, idx)]
        w = -total / max(np.abs(total).max(), 1e-300)
        read = truth_table(w)["gate"]
        out.append(f"{gate} -> {read or 'no gate'}")
    return "; ".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--peaks", type=float, nargs="+", default=[34e-3, 38e-3, 42e-3],
                    help="peak fields (T) of the pulses")
    ap.add_argument("--engine", choices=["oommf", "magnumnp"], default="oommf")
    ap.add_argument("--seed", type=int, default=0, help="grain seed of the unit")
    ap.add_argument("--max-states", type=int, default=32,
                    help="stop when the unit has more states than this")
    ap.add_argument("--out", type=Path, default=Path("runs/unit_states"))
    ap.add_argument("--analyse-only", action="store_true",
                    help="only analyse the graphs in --graphs")
    ap.add_argument("--graphs", type=Path, default=None,
                    help="graphs file to analyse (default --out/graphs.json)")
    args = ap.parse_args(argv)
    path = args.graphs or args.out / "graphs.json"
    if not args.analyse_only:
        args.out.mkdir(parents=True, exist_ok=True)
        try:
            graphs = [explore(p, args.out, args.engine, args.seed, args.max_states)
                      for p in args.peaks]
        except RuntimeError as e:  # not a few-state unit
            print(f"grain seed {args.seed}: {e}")
            return 1
        runs.write_json(path, {"engine": args.engine, "size_m": 0.2e-6,
                               "seed": args.seed,
                               "graphs": [g.to_dict() for g in graphs]})
    data = json.loads(Path(path).read_text())
    report([StateGraph.from_dict(g) for g in data["graphs"]])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
