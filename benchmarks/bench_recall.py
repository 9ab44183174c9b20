"""Batched Hopfield recall (N = 35) against a plain Python loop over states.

``HopfieldNetwork.recall`` on a batch of B states updates node i of every state
at once (one matrix-vector product per node); the reference recalls one state
at a time with Python lists. Both use the same asynchronous update order, so
their fixed points must agree; the script checks that and prints recalls per
second for both and the ratio.

Usage::

    python benchmarks/bench_recall.py [--states 10000] [--patterns 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from ubhop import HopfieldNetwork, outer_product


def recall_loop(w: list, s: list, orders: list) -> list:
    """Asynchronous recall of one state in pure Python (lists of floats/ints)."""
    s = list(s)
    n = len(s)
    for order in orders:
        changed = False
        for i in order:
            row = w[i]
            h = 0.0
            for j in range(n):
                h += row[j] * s[j]
            new = 1 if h > 0 else (-1 if h < 0 else s[i])
            if new != s[i]:
                s[i] = new
                changed = True
        if not changed:
            return s
    raise RuntimeError("no fixed point")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=35)
    ap.add_argument("--states", type=int, default=10_000)
    ap.add_argument("--patterns", type=int, default=3)
    ap.add_argument("--loop-states", type=int, default=1000,
                    help="states recalled by the Python loop (it is slow)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    n = args.nodes
    pats = rng.choice([-1, 1], size=(args.patterns, n))
    # integer weights (N times the outer product): both sides sum exactly, so a
    # zero local field is zero in both and the fixed points can be compared
    net = HopfieldNetwork(np.rint(outer_product(pats) * n))
    states = rng.choice([-1, 1], size=(args.states, n)).astype(np.int8)

    t0 = time.perf_counter()
    out = net.recall(states, seed=args.seed)
    t_batch = time.perf_counter() - t0

    # the same update order as recall(): one permutation per sweep from the seed
    order_rng = np.random.default_rng(args.seed)
    orders = [order_rng.permutation(n).tolist() for _ in range(1000)]
    w = net.w.tolist()
    k = min(args.loop_states, args.states)
    t0 = time.perf_counter()
    ref = [recall_loop(w, s, orders) for s in states[:k].tolist()]
    t_loop = time.perf_counter() - t0
    # a state's batched result depends only on its own updates and the shared
    # order, but the batch runs until every state is fixed: the extra sweeps
    # change nothing, so the results agree state by state
    agree = bool(np.array_equal(np.array(ref, dtype=np.int8), out[:k]))

    r_batch = args.states / t_batch
    r_loop = k / t_loop
    print(f"N = {n}, W = N x outer product of {args.patterns} random patterns")
    print(f"batched recall:     {args.states:6d} states in {t_batch:8.3f} s: "
          f"{r_batch:12.0f} recalls/s")
    print(f"Python loop:        {k:6d} states in {t_loop:8.3f} s: "
          f"{r_loop:12.0f} recalls/s")
    print(f"ratio: {r_batch / r_loop:.0f}x; fixed points agree: {agree}")
    return 0 if agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
