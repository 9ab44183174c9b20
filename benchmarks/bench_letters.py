"""Letter recall trials and compact-model training against slower references.

1. Recall trials per second for N = 35 (letters, distorted by k flipped
   pixels): all trials in one batch (``ubhop.accuracy.recall_outcomes``) against
   a loop that recalls one trial at a time with ``HopfieldNetwork.recall``.
   The outcomes must agree trial by trial.
2. The compact model's training speed (pulses per second, pulse by pulse,
   eq. (1) on all 595 pairs) against the micromagnetic engines' time per pulse,
   given on the command line; the defaults are the README's figures for the
   1 um demo on 2 cores: 16 s per 8 pulses on OOMMF (2 s per pulse) and about
   83 s per 8 pulses on magnum.np (about 10 s per pulse).

Usage::

    python benchmarks/bench_letters.py [--letters BCGO] [--trials 500]
        [--oommf-s-per-pulse 2.0] [--magnumnp-s-per-pulse 10.4]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ubhop import HopfieldNetwork, projection
from ubhop.accuracy import classify, distort, recall_outcomes
from ubhop.compact import CompactModel
from ubhop.letters import letters


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--letters", default="BCGO")
    ap.add_argument("--k", type=int, default=3, help="flipped pixels per trial")
    ap.add_argument("--trials", type=int, default=500, help="trials per letter")
    ap.add_argument("--loop-trials", type=int, default=100,
                    help="trials per letter recalled one at a time")
    ap.add_argument("--pulses", type=int, default=20_000,
                    help="compact-model pulses to time")
    ap.add_argument("--oommf-s-per-pulse", type=float, default=16.0 / 8)
    ap.add_argument("--magnumnp-s-per-pulse", type=float, default=83.0 / 8)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    x = letters(args.letters)
    w = projection(x)
    inputs = distort(x, args.k, args.trials, seed=args.seed)
    p, t, n = inputs.shape

    t0 = time.perf_counter()
    batch = recall_outcomes(w, inputs, x, seed=args.seed)
    t_batch = time.perf_counter() - t0

    net = HopfieldNetwork(w)
    m = min(args.loop_trials, t)
    t0 = time.perf_counter()
    loop = np.array([[net.recall(inputs[a, j], seed=args.seed) for j in range(m)]
                     for a in range(p)])
    t_loop = time.perf_counter() - t0
    agree = bool(np.array_equal(classify(loop, x), batch[:, :m]))
    r_batch, r_loop = p * t / t_batch, p * m / t_loop
    print(f"recall, N = {n}, letters {args.letters!r}, k = {args.k}, projection rule")
    print(f"  batched: {p * t:7d} trials in {t_batch:8.3f} s: {r_batch:10.0f} trials/s")
    print(f"  loop:    {p * m:7d} trials in {t_loop:8.3f} s: {r_loop:10.0f} trials/s")
    print(f"  ratio {r_batch / r_loop:.0f}x; outcomes agree: {agree}")

    model = CompactModel.uniform(n, rate=0.01)
    per = max(1, args.pulses // p)
    model.train(x, pulses=1, cycles=2)  # warm-up
    t0 = time.perf_counter()
    model.train(x, pulses=per, cycles=1, record="final")
    t_train = time.perf_counter() - t0
    pulses_per_s = p * per / t_train
    print(f"compact model, N = {n} ({n * (n - 1) // 2} pairs), pulse by pulse: "
          f"{p * per} pulses in {t_train:.3f} s: {pulses_per_s:.0f} pulses/s")
    for name, s in (("OOMMF", args.oommf_s_per_pulse),
                    ("magnum.np", args.magnumnp_s_per_pulse)):
        print(f"  vs {name} at {s:g} s per pulse (4-node 1 um demo): "
              f"{pulses_per_s * s:.3g}x faster")
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
