"""How much of the film each 35-node layout's pulse field reaches.

For the letters ``BCGO`` on ``ubhop.experiments.scaleup.letters_device("grid")`` and
``("ring")``, on 1 um (20 nm cells) and 2 um (10 nm and 20 nm cells) films:
the in-plane Oersted field of each letter's pattern, and the fraction of the
cells where it exceeds a quarter of its own maximum, and its median relative to
the maximum (means over the four letters). The field is linear in the
voltages, so the fractions do not depend on V0.

Usage::

    python studies/letters/field_coverage.py
"""

from __future__ import annotations

import argparse

from ubhop.experiments.scaleup import field_coverage, letters_device
from ubhop.letters import letters


def main() -> int:
    print("| film | cell | layout | median / max | fraction above max / 4 |")
    print("| --- | --- | --- | --- | --- |")
    for size, cell in ((1e-6, 20e-9), (2e-6, 10e-9), (2e-6, 20e-9)):
        for layout in ("grid", "ring"):
            c = field_coverage(letters_device(layout, size=size, cell=cell),
                               letters("BCGO"))
            med, frac = c["median"], c["above"]
            print(f"| {size * 1e6:g} um | {cell * 1e9:g} nm | {layout} | {med:.3f} | "
                  f"{frac:.3f} |")
    return 0


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    raise SystemExit(main())
