"""Oersted field: FFT Biot-Savart on 400 x 400 cells vs the direct sum.

The direct (non-FFT) sum over source cells costs O(N^2); it is timed on a
smaller grid, checked against the FFT result there, and extrapolated to
400 x 400 cells by (N_big / N_small)^2.

Run: python benchmarks/bench_oersted.py [--small 40]
"""

import argparse
import time

import numpy as np

import ubhop
from ubhop.current import sheet_current
from ubhop.oersted import field_from_sheet, field_from_sheet_direct, kernel_fft


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=40,
                        help="cells per side of the grid where the direct sum runs")
    args = parser.parse_args()
    cell = 5e-9
    volts = 1e-3 * np.array([1, 1, -1, -1])

    dev = ubhop.Device.square4(size=400 * cell, cell=(cell, cell, None))
    ubhop.oersted_field(dev, volts)  # warm: Au factorisation
    kernel_fft.cache_clear()
    t0 = time.perf_counter()
    ubhop.oersted_field(dev, volts)
    t_cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    reps = 5
    for _ in range(reps):
        ubhop.oersted_field(dev, 1.1 * volts)
    t_warm = (time.perf_counter() - t0) / reps
    print(f"oersted_field on {dev.n[0]} x {dev.n[1]} cells: {t_cold:.3f} s with kernel "
          f"set-up, {t_warm:.3f} s with the cached kernel (Au solve cached too)")

    small = ubhop.Device.square4(size=args.small * cell, cell=(cell, cell, None))
    k = sheet_current(small, volts)
    t0 = time.perf_counter()
    direct = field_from_sheet_direct(k, small)
    t_direct = time.perf_counter() - t0
    fft = field_from_sheet(k, small)
    err = np.abs(fft - direct).max() / np.abs(direct).max()
    scale = (dev.n[0] * dev.n[1] / (small.n[0] * small.n[1])) ** 2
    t_direct_big = t_direct * scale
    print(f"direct sum on {small.n[0]} x {small.n[1]} cells: {t_direct:.2f} s "
          f"(max relative difference to FFT {err:.1e}); extrapolated x{scale:.0f} "
          f"to {dev.n[0]} x {dev.n[1]}: {t_direct_big:.0f} s")
    print(f"ratio direct / FFT at {dev.n[0]} x {dev.n[1]}: "
          f"{t_direct_big / t_cold:.0f} x (with kernel set-up), "
          f"{t_direct_big / t_warm:.0f} x (cached kernel)")


if __name__ == "__main__":
    main()
