"""How closely the compact model follows the micromagnetic G on held-out pulses.

For each 4-node run of the memory study (``studies/memory/data/runs``) whose
schedule switches pattern, eq. (1) is fitted to the first ``n_train`` pulses
(``ubhop.compact.held_out``: the fit must contain the switch, so that
``eta``, ``alpha`` and ``G_avg`` are identifiable) and run from the engine's
``G(n_train)`` under the voltages of the remaining pulses. Printed: the RMS
error of the model over the held-out pulses and pairs, relative to the RMS of
the engine's own change over them (1 = no better than assuming nothing
changes; 0 = exact), or why no model could be built, and a summary.

Usage::

    python studies/letters/held_out.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ubhop import runs
from ubhop.compact import held_out

DATA = Path(__file__).resolve().parent.parent / "memory" / "data" / "runs"


def main() -> int:
    print("| run | pulses | calibrated on | held out | RMS error / RMS change | "
          "RMS change (uS) |")
    print("| --- | --- | --- | --- | --- | --- |")
    rels, no_model, static = [], 0, 0
    for d in sorted(DATA.iterdir()):
        h = runs.read_history(d / "history.nc")
        seg = h.segment.values
        t = len(seg) - 1
        switch = next((k for k in range(2, t + 1) if seg[k] != seg[k - 1]), None)
        if switch is None:
            continue
        for n_train in sorted({switch, switch + 1, t - 2}):
            if not 2 <= n_train < t:
                continue
            try:
                r = held_out(h.G.values, h.voltage.values, n_train)
            except ValueError as err:
                no_model += 1
                print(f"| {d.name} | {t} | 1-{n_train} | {n_train + 1}-{t} | "
                      f"no model: {str(err).split(';')[0]} | |")
                continue
            change = r["rms_change"]
            rel = f"{r['rel_model']:.2f}" if change > 1e-9 else "(no change)"
            if change > 1e-9:
                rels.append(r["rel_model"])
            else:
                static += 1
            print(f"| {d.name} | {t} | 1-{n_train} | {n_train + 1}-{t} | {rel} | "
                  f"{change * 1e6:.3g} |")
    q = np.percentile(rels, [0, 25, 50, 75, 100])
    print(f"\n{len(rels) + no_model + static} splits: no model {no_model}, engine "
          f"static over the held-out pulses {static}, compared {len(rels)}: "
          f"RMS error / RMS change min {q[0]:.2f}, quartiles {q[1]:.2f} "
          f"{q[2]:.2f} {q[3]:.2f}, max {q[4]:.2f}; below 1 in "
          f"{sum(x < 1 for x in rels)}")
    return 0


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    raise SystemExit(main())
