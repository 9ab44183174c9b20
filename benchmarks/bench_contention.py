"""One embedded-engine pulse alone and beside a second engine job, with and
without passive OpenMP waiting.

A magnum.np pulse (200 nm film in 5 nm cells, 0.3 ns, plus a short damped
relaxation) is timed:

1. alone, on all the cores;
2. while a second, identical engine job runs in another process on the same
   cores, with the worker's OpenMP threads spinning while they wait (the
   default of the OpenMP runtime, ``passive_wait=False``);
3. the same with ``passive_wait=True`` (``OMP_WAIT_POLICY=PASSIVE``,
   ubhop's default).

Two jobs that share the cores fairly each take about twice as long as one
alone (ratio about 2 on any machine); spinning threads make it much worse.
Printed: the three wall times and the ratios 2/1 and 3/1 measured in this
one run.

Run: python benchmarks/bench_contention.py [--size 200e-9] [--repeats 2]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time

import discretisedfield as df

import ubhop


def _stages(dev, duration):
    field = ubhop.oersted_field(dev, [2e-3, 2e-3, -2e-3, -2e-3])
    return [ubhop.Pulse(field=field, duration=duration, rise=20e-12),
            ubhop.Relax(method="time", duration=50e-12, alpha=0.5)]


def _job(size, cell, duration, threads, passive, repeats, out):
    dev = ubhop.Device.square4(size=size, cell=(cell, cell, None))
    m0 = df.Field(dev.mesh, nvdim=3, value=(1, 1, 0), norm=1.0)
    engine = ubhop.get_engine("magnumnp", n_threads=threads, passive_wait=passive)
    times = []
    for _ in range(repeats):
        engine.run(dev, m0, _stages(dev, duration))
        times.append(engine.provenance["solver_s"])
    out.put(min(times))


def _timed(args, passive, beside):
    """Solver time of one job (min over repeats), optionally beside another."""
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    job = (args.size, args.cell, args.duration, args.threads, passive, args.repeats)
    other = None
    if beside:
        # the other job waits the same way (both spin, or both sleep)
        other = ctx.Process(target=_job, args=(*job[:-1], 4 * args.repeats,
                                               ctx.Queue()))
        other.start()
        time.sleep(8.0)  # let the other job pass its imports and start solving
    p = ctx.Process(target=_job, args=(*job, q))
    p.start()
    t = q.get()
    p.join()
    if other is not None:
        other.terminate()
        other.join()
    return t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=float, default=200e-9, help="film side (m)")
    ap.add_argument("--cell", type=float, default=5e-9, help="cell side (m)")
    ap.add_argument("--duration", type=float, default=0.3e-9, help="pulse (s)")
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                    help="engine threads of each job (default: all cores)")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    print(f"{os.cpu_count()} cores; each job: magnum.np, {args.threads} threads, "
          f"{args.size * 1e9:g} nm film in {args.cell * 1e9:g} nm cells, "
          f"{args.duration * 1e9:g} ns pulse (solver time, min of {args.repeats})")
    alone = _timed(args, passive=True, beside=False)
    print(f"  alone:                                {alone:7.2f} s", flush=True)
    spin = _timed(args, passive=False, beside=True)
    print(f"  beside another job, spinning threads: {spin:7.2f} s", flush=True)
    passive = _timed(args, passive=True, beside=True)
    print(f"  beside another job, passive waiting:  {passive:7.2f} s", flush=True)
    print(f"slow-down beside another job: {spin / alone:.2f} (spinning, before), "
          f"{passive / alone:.2f} (passive, ubhop's default)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
