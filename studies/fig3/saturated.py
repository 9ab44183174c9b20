"""What the 4-pad AMR read-out can store: the saturated response.

For each film size and cell, the conductances of textures parallel to each
pattern's in-plane Oersted field (``ubhop.experiments.aligned``), the weight map fitted
over the seven patterns (``ubhop.weights.calibrate_patterns``), and for each
pattern, with the reference fitted over the other six: whether it is the
energy minimum, the energy gap (units of ``W = s (G - G_avg) / G_scale``), and
the recall of its one-bit corruptions. Also the N-S and E-W weights of
``+-+-`` and the sheet current that a 100 mT peak field takes. No engine is
needed (about 10 s).

Usage, from the repository root::

    python studies/fig3/saturated.py
"""

from __future__ import annotations

import argparse

import numpy as np

import ubhop
from ubhop.current import sheet_current
from ubhop.experiments.aligned import aligned_conductances
from ubhop.experiments.associative import energy_row, recall_table, seven_patterns
from ubhop.oersted import voltages_for_peak_field
from ubhop.patterns import pattern_string
from ubhop.weights import calibrate_patterns

FILMS = ((0.5e-6, 25e-9), (0.5e-6, 10e-9), (1e-6, 10e-9), (2e-6, 20e-9))


def main() -> int:
    pats = seven_patterns()
    names = [pattern_string(p) for p in pats]
    iu = np.triu_indices(4, 1)
    print("| film | cell | minima (other six) | gaps | recalled | slopes < 0 | "
          "R^2 adjacent / N-S, E-W | +-+- W_NS, W_EW |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for size, cell in FILMS:
        dev = ubhop.Device.square4(size=size, cell=(cell, cell, None))
        g = aligned_conductances(dev, pats)
        whole = calibrate_patterns(g, pats)
        weights = {name: calibrate_patterns(g, pats, holdout=k).weights(g[k])
                   for k, name in enumerate(names)}
        rows = [energy_row(w, k) for k, w in weights.items()]
        gaps = [r["gap"] for r in rows]
        rec = sum(r["recalled"] for r in recall_table(weights))
        r2 = whole.evidence["r2"]
        w = weights["+-+-"]
        print(f"| {size * 1e6:g} um | {cell * 1e9:g} nm | "
              f"{sum(r['is_minimum'] for r in rows)}/7 | "
              f"{min(gaps):.2f}-{max(gaps):.2f} | {rec}/28 | "
              f"{int(np.sum(whole.evidence['slopes'][iu] < 0))}/6 | "
              f"{r2[0, 1]:.2f} / {r2[0, 2]:.2f} | {w[0, 2]:+.2f}, {w[1, 3]:+.2f} |")
    dev = ubhop.Device.square4(size=1e-6, cell=(10e-9, 10e-9, None))
    k = np.linalg.norm(sheet_current(dev, voltages_for_peak_field(dev, "++--", 0.1)),
                       axis=-1)
    t_au = dev.au.thickness
    print(f"\n100 mT peak on the 1 um film ('++--'): sheet current median "
          f"{np.median(k):.2g} A/m, largest {k.max():.2g} A/m; in {t_au * 1e9:g} nm "
          f"of Au {np.median(k) / t_au:.2g} and {k.max() / t_au:.2g} A/m^2")
    return 0


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    raise SystemExit(main())
