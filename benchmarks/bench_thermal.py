"""Thermal pulses: magnum.np's stochastic Heun scheme against OOMMF's theta evolver.

The same schedule on both engines: ``--pulses`` pulses of ``--duration`` at
300 K and 0.5 T along x on the 100 nm 4-node square with 10 nm cells
(10 x 10 x 1), fixed 50 fs steps, in one ``engine.run`` call. Prints the wall
time per pulse of each engine and their ratio. (The physics of the two
schemes is checked in ``tests/engine_physics.py``: the kicks against the
fluctuation-dissipation theorem, and equipartition at equilibrium.)

Run: python benchmarks/bench_thermal.py [--pulses 20] [--duration 20e-12]
"""

import argparse
import math
import time

import discretisedfield as df

import ubhop
from ubhop.engines import oommf_runners
from ubhop.engines.magnumnp import magnumnp_available


def run(engine, dev, pulses, duration):
    h = df.Field(dev.mesh, nvdim=3, value=(0.5 / (4e-7 * math.pi), 0, 0))
    m0 = df.Field(dev.mesh, nvdim=3, value=(1, 0, 0), norm=1.0)
    stages = [ubhop.Pulse(h, duration, rise=0.0, temperature=300.0, seed=k + 1)
              for k in range(pulses)]
    t0 = time.perf_counter()
    engine.run(dev, m0, stages)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pulses", type=int, default=20)
    ap.add_argument("--duration", type=float, default=20e-12)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    dev = ubhop.Device.square4(size=100e-9, cell=(10e-9, 10e-9, None))
    out = {}
    if oommf_runners.find_runner_spec()[0] is not None:
        out["oommf"] = run(ubhop.get_engine("oommf", n_threads=args.threads), dev,
                           args.pulses, args.duration)
    if magnumnp_available():
        out["magnumnp"] = run(ubhop.get_engine("magnumnp", n_threads=args.threads),
                              dev, args.pulses, args.duration)
    for name, wall in out.items():
        print(f"{name:9s}: {wall / args.pulses:.3f} s per {args.duration * 1e12:g} ps "
              f"pulse ({wall:.1f} s for {args.pulses})")
    if len(out) == 2:
        print(f"magnum.np / OOMMF wall time: {out['magnumnp'] / out['oommf']:.1f}")
    if not out:
        print("neither engine is available")


if __name__ == "__main__":
    main()
