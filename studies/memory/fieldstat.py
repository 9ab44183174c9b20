"""Non-uniformity of the pattern Oersted field over the film.

For each film size and training pattern, prints statistics of the in-plane
field magnitude over all cells, normalised to its maximum (the "peak" of a
pulse): median, 10th and 90th percentiles, the value at the film centre, and
the largest |H_z| relative to the largest in-plane field.

Usage, from the repository root::

    python studies/memory/fieldstat.py --sizes 0.5e-6 1e-6 2e-6
"""

from __future__ import annotations

import argparse

import numpy as np

import ubhop
from ubhop.patterns import training_voltages


def main(argv=None) -> None:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", type=float, default=[0.5e-6, 1e-6, 2e-6],
                    help="film edges in m (default: %(default)s)")
    ap.add_argument("--cell", type=float, default=10e-9,
                    help="in-plane cell edge in m (default: %(default)s)")
    ap.add_argument("--patterns", nargs="+", default=["++--", "+--+", "+-+-"])
    args = ap.parse_args(argv)

    for size in args.sizes:
        dev = ubhop.Device.square4(size=size, cell=(args.cell, args.cell, None))
        for pattern in args.patterns:
            h = ubhop.oersted_field(dev, training_voltages(pattern, 1.0, 4)).array
            inplane = np.linalg.norm(h[..., :2], axis=-1)
            b = inplane.ravel() / inplane.max()
            centre = b.reshape(dev.n[:2])[dev.n[0] // 2, dev.n[1] // 2]
            hz = np.abs(h[..., 2]).max() / inplane.max()
            print(f"{size * 1e6:.1f} um {pattern}: |H_inplane|/peak "
                  f"median {np.median(b):.3f}  p10 {np.percentile(b, 10):.3f}  "
                  f"p90 {np.percentile(b, 90):.3f}  centre {centre:.3f}  "
                  f"max|Hz|/max|Hxy| {hz:.2f}")


if __name__ == "__main__":
    main()
