"""One embedded-engine pulse alone and beside a second engine job, before and
after the fix.

A magnum.np pulse (200 nm film in 5 nm cells, 0.3 ns, plus a short damped
relaxation) is timed while nothing else runs, and while a second engine job
(one long pulse) solves in another process on the same cores:

- before: every engine on all the cores (the old default), its OpenMP threads
  spinning while they wait (the runtime's default);
- tried: the same with ``passive_wait=True`` (``OMP_WAIT_POLICY=PASSIVE``);
- after: the engine's default threads (``MagnumNPEngine.threads_for``: one
  for a film under ``SMALL_FILM_CELLS`` cells).

Two jobs that share two cores fairly each take about twice as long as one
alone; oversubscribed threads make it much worse. Printed: the five solver
times and the ratios, measured in this one run.

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
    engine = ubhop.get_engine("magnumnp", n_threads=threads or None,
                              passive_wait=passive)
    times = []
    for _ in range(repeats):
        engine.run(dev, m0, _stages(dev, duration), progress=False)
        times.append(engine.provenance["solver_s"])
    out.put(min(times))


def _timed(args, passive, beside, threads=None):
    """Solver time of one job (min over repeats), optionally beside another.

    ``threads`` 0 means the engine's default, None ``args.threads``.
    """
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    threads = args.threads if threads is None else threads
    job = (args.size, args.cell, args.duration, threads, passive, args.repeats)
    other, other_q = None, ctx.Queue()  # keep the queue alive for the child
    if beside:
        # the other job waits the same way (both spin, or both sleep) and
        # solves one long pulse through the whole measurement
        other = ctx.Process(target=_job, args=(args.size, args.cell,
                                               60 * args.duration, threads,
                                               passive, 1, other_q))
        other.start()
        time.sleep(15.0)  # past its imports and set-up: solving
    p = ctx.Process(target=_job, args=(*job, q))
    p.start()
    t = q.get()
    p.join()
    if other is not None:
        if not other.is_alive():
            raise RuntimeError("the other job ended before the timed one: no "
                               "contention was measured; raise --repeats")
        other.terminate()
        other.join()
    return t


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=float, default=200e-9, help="film side (m)")
    ap.add_argument("--cell", type=float, default=5e-9, help="cell side (m)")
    ap.add_argument("--duration", type=float, default=0.3e-9, help="pulse (s)")
    ap.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)),
                    help="engine threads of each job before the fix (default: "
                         "all cores, the old default)")
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    cells = round(args.size / args.cell) ** 2
    print(f"{os.cpu_count()} cores; each job: magnum.np, {args.size * 1e9:g} nm "
          f"film in {args.cell * 1e9:g} nm cells ({cells} cells), "
          f"{args.duration * 1e9:g} ns pulse; solver time, min of {args.repeats}")
    before = _timed(args, passive=False, beside=False)
    print(f"  before, alone ({args.threads} threads):            {before:7.2f} s",
          flush=True)
    spin = _timed(args, passive=False, beside=True)
    print(f"  before, beside another job:                {spin:7.2f} s", flush=True)
    passive = _timed(args, passive=True, beside=True)
    print(f"  tried: passive waiting, beside another:    {passive:7.2f} s",
          flush=True)
    after = _timed(args, passive=False, beside=False, threads=0)
    print(f"  after, alone (the engine's default):       {after:7.2f} s", flush=True)
    after_beside = _timed(args, passive=False, beside=True, threads=0)
    print(f"  after, beside another job:                 {after_beside:7.2f} s",
          flush=True)
    print(f"slow-down beside another job: {spin / before:.2f} before, "
          f"{passive / before:.2f} with passive waiting, {after_beside / after:.2f} "
          f"after (the engine's default threads); after beside another / before "
          f"alone: {after_beside / before:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
