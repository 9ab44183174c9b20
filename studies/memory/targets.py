"""Conductances of the "ideal" targets: textures parallel to the pattern field.

For each training pattern, the film's magnetisation is set parallel to the
in-plane Oersted field of that pattern (m || H, the saturated response), and
the relative change of each pair's conductance is printed against an
isotropic reference (the mean of G for m uniform along x and along y). Uniform
textures along x, y and the two diagonals are listed for comparison. This is
the scale against which the measured max |dG/G| is judged in README.md.

Usage, from the repository root::

    python studies/memory/targets.py --size 1e-6
"""

from __future__ import annotations

import argparse

import discretisedfield as df
import numpy as np

import ubhop
from ubhop.patterns import training_voltages

PAIRS = [(i, j) for i in range(4) for j in range(i + 1, 4)]
NODE_NAMES = "NESW"


def relative_row(g: np.ndarray, g0: np.ndarray) -> str:
    """Per-pair relative difference of ``g`` from ``g0`` (%), as text."""
    return " ".join(f"{(g[i, j] - g0[i, j]) / g0[i, j] * 100:+.3f}" for i, j in PAIRS)


def main(argv=None) -> None:
    """Command line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=float, default=1e-6,
                    help="film edge in m (default: %(default)s)")
    ap.add_argument("--cell", type=float, default=10e-9,
                    help="in-plane cell edge in m (default: %(default)s)")
    ap.add_argument("--patterns", nargs="+", default=["++--", "+--+", "+-+-"])
    args = ap.parse_args(argv)

    dev = ubhop.Device.square4(size=args.size, cell=(args.cell, args.cell, None))

    def conductance(value) -> np.ndarray:
        m = df.Field(dev.mesh, nvdim=3, value=value, norm=1)
        return ubhop.conductance_matrix(dev, m)

    g0 = 0.5 * (conductance((1, 0, 0)) + conductance((0, 1, 0)))
    pairs = " ".join(NODE_NAMES[i] + NODE_NAMES[j] for i, j in PAIRS)
    print(f"{'texture':14s} {pairs}  (% vs mean of uniform x, y)")
    for label, value in [("uniform x", (1, 0, 0)), ("uniform y", (0, 1, 0)),
                         ("diag (1,1)", (1, 1, 0)), ("diag (1,-1)", (1, -1, 0))]:
        print(f"{label:14s}", relative_row(conductance(value), g0))
    for pattern in args.patterns:
        v = training_voltages(pattern, 1.0, 4)
        h = ubhop.oersted_field(dev, v).array.copy()
        h[..., 2] = 0.0
        vv = np.outer(v, v)
        signs = " ".join(f"{int(vv[i, j]):+d}" for i, j in PAIRS)
        print(f"m || H {pattern:6s}", relative_row(conductance(h), g0),
              "  V_iV_j:", signs)


if __name__ == "__main__":
    main()
