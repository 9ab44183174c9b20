"""Training cost per pulse: ubhop against the engines' own solver time, and
one engine call per pulse (the naive way) against one call for the schedule.

For each available engine, P pulses of '++--' (pulse + minimisation each) on
the 4-node device are run twice from the same relaxed start:

- naive: a fresh engine call (a new worker process for magnum.np, new OOMMF
  drives) for every pulse (``chunk=1``);
- batched: one engine call for the whole schedule (``chunk=P``).

Printed: wall time per pulse, the sum of the engine's solver times (time spent
inside the solver), their ratio (ubhop's cost around the solver, including the
conductance solves and the run-directory writes), and naive / batched.

Run: python benchmarks/bench_training.py [--pulses 4] [--size 500e-9]
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import ubhop
from ubhop.engines.magnumnp import magnumnp_available
from ubhop.engines.oommf import oommf_available
from ubhop.training import TrainingConfig, train


def run(config, engine):
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        train(config, d, engine=engine, progress=False)
        wall = time.perf_counter() - t0
        prov = json.loads((Path(d) / "provenance.json").read_text())
    calls = [c for c in prov["engine_calls"] if c["what"] != "start"]
    start = [c for c in prov["engine_calls"] if c["what"] == "start"]
    start_wall = sum(c["wall_s"] for c in start)
    # time inside the solver itself: OOMMF's boxsi calls, magnum.np's integrator
    solver = sum(st.get("boxsi_s") or st["solver_s"]
                 for c in calls for st in c["stages"])
    return wall - start_wall, solver, len(calls)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pulses", type=int, default=4)
    parser.add_argument("--size", type=float, default=500e-9)
    args = parser.parse_args()
    p = args.pulses
    dev = ubhop.Device.square4(size=args.size, cell=(10e-9, 10e-9, None),
                               disorder=ubhop.Disorder(grain_size=50e-9, K=5e3))
    engines = [name for name, ok in (("oommf", oommf_available()),
                                     ("magnumnp", magnumnp_available())) if ok]
    print(f"device: {dev}; {p} pulses of ++--, 0.2 ns, 10 mT, minimise")
    for name in engines:
        engine = ubhop.get_engine(name)
        res = {}
        for label, chunk in (("naive", 1), ("batched", p)):
            cfg = TrainingConfig(device=dev, schedule=[("++--", p)], peak_field=10e-3,
                                 pulse_duration=0.2e-9, start="vortex",
                                 engine=name, chunk=chunk)
            wall, solver, calls = run(cfg, engine)
            res[label] = wall
            print(f"{name:8s} {label:7s}: {wall / p:6.2f} s per pulse "
                  f"({calls} engine calls), solver {solver / p:6.2f} s per pulse, "
                  f"ubhop / solver = {wall / solver:.2f}")
        print(f"{name:8s} naive / batched = {res['naive'] / res['batched']:.2f}")
    if not engines:
        print("no engine available")


if __name__ == "__main__":
    main()
