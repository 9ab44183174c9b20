"""A family of runs on one worker, on two, on a Dask LocalCluster, oversubscribed.

Eight small members (a 200 nm film in 5 nm cells, two pulses and a damped time
relaxation each, on the embedded engine) are run as one family of
``ubhop.sweep``, from a relaxed start read from an OVF file:

1. one worker process-free run, one member after another (engine threads =
   the cores);
2. two local worker processes (engine threads = cores / 2 each);
3. a Dask ``LocalCluster`` with two worker processes of one thread;
4. two local workers whose engines each take all the cores (torch threads
   oversubscribed: 2 workers x cores threads), the default the runner avoids.

Printed: each wall time and the ratios 1/2, 1/3 and 4/2, measured in this one
run. On 2 cores the ideal of 1/2 is 2; the members' fixed costs (a worker
process and its torch import per engine call) keep it lower.

Run: python benchmarks/bench_sweep.py [--members 8] [--size 200e-9]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import ubhop
from ubhop import runs
from ubhop.sweep import Family, run_family
from ubhop.training import TrainingConfig, train


def base_config(size: float, cell: float) -> TrainingConfig:
    dev = ubhop.Device.square4(size=size, cell=(cell, cell, None))
    return TrainingConfig(device=dev, schedule=[("++--", 1), ("+--+", 1)],
                          peak_field=20e-3, pulse_duration=0.1e-9, rise=20e-12,
                          start="uniform_diag", engine="magnumnp", chunk=2,
                          relax=ubhop.Relax(method="time", duration=0.1e-9,
                                            alpha=0.5))


def timed(label, fn):
    t0 = time.perf_counter()
    ds = fn()
    wall = time.perf_counter() - t0
    assert (ds.status == "done").all(), ds.error.values
    print(f"  {label:<52} {wall:7.1f} s", flush=True)
    return wall, ds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=8)
    ap.add_argument("--size", type=float, default=200e-9, help="film side (m)")
    ap.add_argument("--cell", type=float, default=5e-9, help="cell side (m)")
    args = ap.parse_args()
    cores = len(os.sched_getaffinity(0))
    work = Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    base = base_config(args.size, args.cell)
    start_run = work / "start"
    train(TrainingConfig(**{**vars(base), "schedule": [("++--", 1)], "chunk": 1}),
          start_run, progress=False)
    base = TrainingConfig(**{**vars(base),
                             "start": str(runs.texture_path(start_run, 0))})
    peaks = [10e-3 + 2e-3 * k for k in range(args.members)]
    fam = Family(base, vary={"peak_field": peaks})
    n = base.device.n
    print(f"{args.members} members: {n[0]} x {n[1]} cells, 2 pulses + relaxation "
          f"each, magnum.np; {cores} cores")

    t1, ds1 = timed(f"1 worker ({cores} engine threads)",
                    lambda: run_family(fam, work / "w1", workers=1, progress=False))
    t2, ds2 = timed(f"2 workers ({max(1, cores // 2)} engine thread(s) each)",
                    lambda: run_family(fam, work / "w2", workers=2, progress=False))

    def dask():
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster, Client(cluster) as c:
            return run_family(fam, work / "dask", scheduler=c, progress=False)

    t3, ds3 = timed("Dask LocalCluster, 2 worker processes x 1 thread", dask)
    t4, _ = timed(f"2 workers x {cores} engine threads (oversubscribed)",
                  lambda: run_family(fam, work / "over", workers=2, threads=cores,
                                     progress=False))
    same = all(float(abs(d.G - ds1.G).max()) < 1e-9 * float(abs(ds1.G).max())
               for d in (ds2, ds3))
    print(f"speed-up, 2 local workers over 1: {t1 / t2:.2f}")
    print(f"speed-up, Dask LocalCluster over 1 worker: {t1 / t3:.2f}")
    print(f"slow-down when each of 2 workers takes {cores} threads: {t4 / t2:.2f}")
    print(f"same G in every way of running (to 1e-9): {same}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
