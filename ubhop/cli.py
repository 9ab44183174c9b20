"""The ``ubhop`` command line."""

from __future__ import annotations

import argparse
import sys

import numpy as np


def _print_matrix(g, label, unit_scale=1e3, unit="mS"):
    print(f"{label} ({unit}):")
    for row in np.asarray(g) * unit_scale:
        print("  " + " ".join(f"{v:10.6f}" for v in row))


def _demo(args):
    import discretisedfield as df

    import ubhop

    dev = ubhop.Device.square4(size=args.size, cell=(args.cell, args.cell, None))
    print(dev)
    pattern = np.array([1, 1, -1, -1])
    volts = args.voltage * pattern
    current = ubhop.pad_currents(dev, volts)
    field = ubhop.oersted_field(dev, volts)
    mu0 = 4e-7 * np.pi
    h = np.linalg.norm(field.array, axis=-1)
    print(f"pattern ++-- at {args.voltage:g} V: pad currents (mA) "
          f"{np.array2string(current * 1e3, precision=3)}")
    print(f"Oersted field: max |mu0 H| = {mu0 * h.max() * 1e3:.3f} mT, "
          f"mean = {mu0 * h.mean() * 1e3:.3f} mT")
    m = df.Field(dev.mesh, nvdim=3, value=(1, 0, 0))
    _print_matrix(ubhop.conductance_matrix(dev, m), "G for uniform m along +x")
    return 0


def main(argv=None) -> int:
    """Entry point of the ``ubhop`` command."""
    parser = argparse.ArgumentParser(
        prog="ubhop",
        description="Self-learning magnetic Hopfield network (Niu et al., PNAS 2024).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the main job on the default device")
    demo.add_argument("--size", type=float, default=1e-6, help="film side (m)")
    demo.add_argument("--cell", type=float, default=5e-9, help="cell side (m)")
    demo.add_argument("--voltage", type=float, default=1e-3,
                      help="pulse voltage V0 (V)")
    demo.set_defaults(func=_demo)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
