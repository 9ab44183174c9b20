"""Conductance matrix for 35 pads on a 400 x 400 cell film: ours vs the naive way.

Ours: one sparse LU factorisation of the interior block per texture, reused
for all 35 terminals (Schur complement). The naive way: for every pair (i, j),
assemble afresh, hold pad j at 1 V and every other pad at 0 V, factorise,
solve, and read the current into pad i: 595 fresh solves. The naive time is
measured on a sample of pairs and extrapolated to all 595 (stated in the
output); the sampled values are checked against ours.

Run: python benchmarks/bench_conductance.py [--pairs 8]
"""

import argparse
import time

import discretisedfield as df
import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

import ubhop
from ubhop.amr import sheet_conductance
from ubhop.conduction import element_matrices


def naive_pair(dev, m_unit, i, j):
    """G_ij from one fresh Dirichlet solve (pad j at 1 V, all others at 0 V)."""
    sheet = sheet_conductance(m_unit, dev.py, dev.cell[2])
    nx, ny = dev.n[:2]
    active = np.ones((nx, ny), dtype=bool)
    gnode, ke = element_matrices(sheet, dev.cell[:2], active)
    n_nodes = (nx + 1) * (ny + 1)
    rows = np.repeat(gnode, 4, axis=1).ravel()
    cols = np.tile(gnode, (1, 4)).ravel()
    a = sp.csr_matrix((ke.ravel(), (rows, cols)), shape=(n_nodes, n_nodes))
    owner = dev.node_of_cell
    node_pad = np.full(n_nodes, -1)
    pc = owner[np.nonzero(active)] >= 0
    node_pad[gnode[pc].ravel()] = np.repeat(owner[np.nonzero(active)][pc], 4)
    fixed = node_pad >= 0
    phi = np.zeros(n_nodes)
    phi[node_pad == j] = 1.0
    free = ~fixed
    a_ff = a[free][:, free].tocsc()
    rhs = -a[free][:, fixed] @ phi[fixed]
    phi[free] = spla.splu(a_ff, permc_spec="MMD_AT_PLUS_A").solve(rhs)
    current = a @ phi
    return -current[node_pad == i].sum()  # G_ij = -K_ij


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=8,
                        help="naive pairs to time (extrapolated to all)")
    parser.add_argument("--cells", type=int, default=400)
    args = parser.parse_args()

    cell = 5e-9
    dev = ubhop.Device.ring(35, size=args.cells * cell, cell=(cell, cell, None))
    cx = cy = 0.5 * dev.size[0]

    def vortex(p):
        x, y = p[0] - cx, p[1] - cy
        return (-y, x, 50e-9 * np.exp(-(x * x + y * y) / (30e-9) ** 2))

    m = df.Field(dev.mesh, nvdim=3, value=vortex, norm=1.0)
    m_unit = m.array
    n = dev.n_nodes
    print(f"device: {dev}")
    t0 = time.perf_counter()
    g = ubhop.conductance_matrix(dev, m)
    t_ours = time.perf_counter() - t0
    print(f"ours: conductance_matrix for {n} pads on {dev.n[0]} x {dev.n[1]} cells: "
          f"{t_ours:.2f} s")

    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    rng = np.random.default_rng(0)
    sample = [pairs[k] for k in rng.choice(len(pairs), args.pairs, replace=False)]
    t0 = time.perf_counter()
    worst = 0.0
    for i, j in sample:
        gij = naive_pair(dev, m_unit, i, j)
        worst = max(worst, abs(gij - g[i, j]) / g[i, j])
    t_pair = (time.perf_counter() - t0) / len(sample)
    t_naive = t_pair * len(pairs)
    print(f"naive: {t_pair:.2f} s per pair, measured on {len(sample)} pairs, "
          f"x {len(pairs)} pairs = {t_naive:.0f} s (extrapolated)")
    print(f"largest relative difference naive vs ours on the sample: {worst:.1e}")
    print(f"ratio naive / ours: {t_naive / t_ours:.0f} x")


if __name__ == "__main__":
    main()
