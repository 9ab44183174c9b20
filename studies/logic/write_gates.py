"""Gates programmed by one write each, from the stored seven-pattern experiment.

A film whose write erases what it held (``ubhop.experiments.presets.fig3_config``)
keeps one pattern at a time, so it cannot superpose a gate's four truth-table patterns.
But only the output row of ``W`` enters a gate, and for AND, NAND and NOR one
pattern has the same output-row signs as the four patterns' outer-product sum
(``ubhop.experiments.logic.characteristic_pattern``). OR's would be uniform, which
drives no current.

This script takes the weights each pattern left on the film, as stored by
``studies/fig3/run_fig3.py`` (``data/fig3_write_1um``: the change of G of each
pattern's run, the reference ``G_avg`` fitted over the other six runs), and
reads each gate's truth table for every assignment of the logical nodes
``(a, b, out, bias)`` to the pads N, E, S, W: no engine is needed. It prints
the table for the assignment a=N, b=E, out=S, bias=W (``ubhop.experiments.logic``'s node
order), the assignments that make AND, NAND and NOR all right, and for each of
them the relative error of the read conductances at which each gate first
fails (each ``G_ij`` read as ``G_ij (1 + level n_ij)``, ``n_ij`` standard
normal).

Usage, from the repository root::

    python studies/logic/write_gates.py
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from ubhop.experiments import logic
from ubhop.patterns import as_pattern, pattern_string
from ubhop.weights import calibrate_patterns

DATA = Path(__file__).parents[1] / "fig3" / "data" / "fig3_write_1um"
PADS = "NESW"
GATES = ("AND", "NAND", "NOR")


def pad_maps(path: Path, step: int = -1) -> dict:
    """Pattern (canonical, node N ``+``) -> (pad conductances (S), weight map).

    ``step``: the pulse after which each run's G is taken (default the last).
    The map's reference ``G_avg`` is fitted over the other six runs.
    """
    data = json.loads((path / "energy_table.json").read_text())
    names = list(data["dG_mS"])
    dg = np.array([data["dG_steps_mS"][k][step] for k in names])
    g = (np.array(data["G0_mS"]) + dg) * 1e-3
    pats = [as_pattern(k) for k in names]
    return {name: (g[k], calibrate_patterns(g, pats, holdout=k))
            for k, name in enumerate(names)}


def written(maps: dict, gate: str, assign):
    """Pad conductances and map of the gate's pattern written with ``assign``.

    ``assign[k]`` is the pad of logical node ``k`` of ``(a, b, out, bias)``.
    """
    p = logic.characteristic_pattern(gate)
    q = np.empty(4, dtype=int)
    q[list(assign)] = p
    if q[0] < 0:  # the global flip leaves the conductances unchanged
        q = -q
    return maps[pattern_string(q)]


def gate_weights(maps: dict, gate: str, assign, g=None) -> np.ndarray:
    """Logical ``(a, b, out, bias)`` weights of the gate written on the film.

    ``g``: pad conductances read instead of the stored ones (noisy reads).
    """
    g0, wmap = written(maps, gate, assign)
    w = wmap.weights(g0 if g is None else g)
    return w[np.ix_(assign, assign)]


def read_noise(maps: dict, gate: str, assign, level: float, trials: int,
               seed: int) -> float:
    """Fraction of reads, each ``G_ij (1 + level n_ij)``, that give the gate."""
    g0, _ = written(maps, gate, assign)
    rng = np.random.default_rng(seed)
    good = 0
    for _ in range(trials):
        n = np.triu(rng.standard_normal((4, 4)), 1)
        w = gate_weights(maps, gate, assign, g0 * (1 + level * (n + n.T)))
        good += logic.truth_table(w, gate)["correct"]
    return good / trials


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(DATA), help="a run_fig3.py output folder")
    ap.add_argument("--step", type=int, default=-1,
                    help="the pulse after which each run's G is taken (default: "
                         "the last)")
    args = ap.parse_args(argv)
    maps = pad_maps(Path(args.data), args.step)
    print(f"OR: characteristic pattern {logic.characteristic_pattern('OR')} "
          "(uniform: no single write holds OR)")

    base = (0, 1, 2, 3)
    print("\nAssignment a=N, b=E, out=S, bias=W:")
    for gate in GATES:
        table = logic.truth_table(gate_weights(maps, gate, base), gate)
        verdict = ("correct" if table["correct"]
                   else f"WRONG: reads as {table['gate']}")
        print(f"{gate}: write {pattern_string(logic.characteristic_pattern(gate))} "
              "(a b out bias); fields "
              + " ".join(f"{h:+.2f}" for h in table["fields"]) + f"; {verdict}")

    good = []
    for assign in itertools.permutations(range(4)):
        ok = [logic.truth_table(gate_weights(maps, g, assign), g)["correct"]
              for g in GATES]
        if all(ok):
            good.append(assign)
    names = [" ".join(f"{n}={PADS[k]}" for n, k in zip(logic.NODES, a, strict=True))
             for a in good]
    print(f"\nAssignments with AND, NAND and NOR all right: {len(good)} of 24")
    for n in names:
        print("  " + n)
    levels = (1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4)
    print(f"\nRelative read error of G at which each gate first fails "
          f"(500 reads per level, seed 0; levels {levels}):")
    for a, name in zip(good, names, strict=True):
        fails = []
        for gate in GATES:
            acc = [read_noise(maps, gate, a, lev, 500, 0) for lev in levels]
            fails.append(next((f"{lev:g}" for lev, x in zip(levels, acc, strict=True)
                               if x < 1.0), "never"))
        print(f"  {name}: " + ", ".join(f"{g} {f}" for g, f in
                                         zip(GATES, fails, strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
