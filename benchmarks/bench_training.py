"""Training cost per pulse: ubhop against the engines' own solver time, one
engine call per pulse (the naive way) against one call for the schedule, and
for OOMMF one process per stage against one process for the whole schedule.

P pulses of '++--' on the 4-node device, from the same relaxed start, each
way timed in this one run:

- naive: one engine call per pulse (``chunk=1``): a new magnum.np worker, or
  a new OOMMF process for every pulse and every relaxation;
- batched: one engine call for the schedule (``chunk=P``). magnum.np runs it
  in one worker. OOMMF runs it in one process when the relaxation is a time
  evolution (``Relax(method="time")``, the damped interval between pulses):
  start-up and demagnetisation set-up happen once. With energy minimisation
  OOMMF still needs a process per stage (one OOMMF problem has one driver),
  so that row shows what batching alone saves.

Printed per way: wall time per pulse, the solver's own time per pulse (time
inside the OOMMF processes, or magnum.np's integrator), their ratio (ubhop's
cost around the solver: conductance solves, run-directory writes, oommfc),
and the ratios to the naive way.

Run: python benchmarks/bench_training.py [--pulses 8] [--size 500e-9]
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import ubhop
from ubhop.engines.magnumnp import magnumnp_available
from ubhop.engines.oommf import oommf_available
from ubhop.schedule import Relax
from ubhop.training import TrainingConfig, train


def run(config, engine):
    """Train in a temporary directory: wall and solver time (s), calls, modes."""
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        train(config, d, engine=engine, progress=False)
        wall = time.perf_counter() - t0
        prov = json.loads((Path(d) / "provenance.json").read_text())
    calls = [c for c in prov["engine_calls"] if c["what"] != "start"]
    start_wall = sum(c["wall_s"] for c in prov["engine_calls"]
                     if c["what"] == "start")
    solver = 0.0
    for c in calls:  # time inside the OOMMF processes, or magnum.np's integrator
        if c.get("mode") == "single-process":
            solver += c["boxsi_s"]
        else:
            solver += sum(st.get("boxsi_s") or st["solver_s"] for st in c["stages"])
    return wall - start_wall, solver, len(calls), {c.get("mode") for c in calls}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pulses", type=int, default=8)
    parser.add_argument("--size", type=float, default=500e-9,
                        help="film side (m); 10 nm cells")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    p = args.pulses
    dev = ubhop.Device.square4(size=args.size, cell=(10e-9, 10e-9, None),
                               disorder=ubhop.Disorder(grain_size=50e-9, K=5e3))
    print(f"device: {dev}; {p} pulses of ++--, 0.2 ns, 10 mT, {args.threads} "
          f"threads")
    ways = []
    if oommf_available():
        from ubhop.engines.oommf import OOMMFEngine

        per_stage = OOMMFEngine(n_threads=args.threads, single_process=False)
        auto = OOMMFEngine(n_threads=args.threads)
        time_relax = Relax("time", 1e-9)
        ways += [("oommf", "time relax 1 ns", "naive", per_stage, time_relax, 1),
                 ("oommf", "time relax 1 ns", "batched, a process per stage",
                  per_stage, time_relax, p),
                 ("oommf", "time relax 1 ns", "batched, one process", auto,
                  time_relax, p),
                 ("oommf", "minimise", "naive", auto, Relax(), 1),
                 ("oommf", "minimise", "batched, a process per stage", auto,
                  Relax(), p)]
    if magnumnp_available():
        mnp = ubhop.get_engine("magnumnp", n_threads=args.threads)
        ways += [("magnumnp", "minimise", "naive", mnp, Relax(), 1),
                 ("magnumnp", "minimise", "batched, one worker", mnp, Relax(), p)]
    if not ways:
        print("no engine available")
        return
    naive = {}
    for name, relax_label, label, engine, relax, chunk in ways:
        cfg = TrainingConfig(device=dev, schedule=[("++--", p)], peak_field=10e-3,
                             pulse_duration=0.2e-9, start="vortex", relax=relax,
                             engine=name, chunk=chunk)
        wall, solver, calls, modes = run(cfg, engine)
        key = (name, relax_label)
        naive.setdefault(key, wall)
        mode = ", ".join(sorted(m for m in modes if m))
        print(f"{name:8s} {relax_label:15s} {label:28s}: {wall / p:6.2f} s per "
              f"pulse ({calls} engine calls{', ' + mode if mode else ''}); solver "
              f"{solver / p:6.2f} s per pulse, ubhop / solver = "
              f"{wall / solver:.2f}; naive / this = {naive[key] / wall:.2f}")


if __name__ == "__main__":
    main()
