"""The eq. (1) checks applied to the films the project has simulated.

Every single film of ``studies/memory`` (33 configurations, 0.5-2 um, with and
without grain disorder, 0 K and 300 K) is checked with ``ubhop.verdict``
(``ubhop verdict RUN``), and so is the MEAN over the realisations of the
200 nm two-state unit (``studies/thermal``), which is not one film. Printed:
per run, which checks its segments pass.

Run: python studies/single_film/verdicts.py
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ubhop.experiments.ensemble import ensemble_history
from ubhop.verdict import eq1_verdict, segment_verdict

ROOT = Path(__file__).resolve().parents[2]
MEMORY = ROOT / "studies" / "memory" / "data" / "runs"
THERMAL = ROOT / "studies" / "thermal" / "data" / "unit_200nm"


def _short(checks: dict) -> str:
    keys = list(checks)
    marks = ["pulses", "moves", "R^2", "first", "corr"]
    return " ".join(m if checks[k] else "-" for m, k in zip(marks, keys, strict=True))


def main() -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    print("checks passed per segment (pulses >= 8, moves, R^2 >= 0.95 on the moving "
          "pairs, first pulse <= 40 %, |corr| >= 0.8); '-' = failed")
    print("| run | segment | checks | first-pulse share | corr |")
    print("| --- | --- | --- | --- | --- |")
    n_seg = n_pass = n_gradual = 0
    for run in sorted(p for p in MEMORY.iterdir() if (p / "history.nc").exists()):
        v = eq1_verdict(run)
        for _, s in v["segments"]:
            n_seg += 1
            n_pass += s.passed
            keys = list(s.checks)
            n_gradual += s.checks[keys[0]] and s.checks[keys[2]] and s.checks[keys[3]]
            print(f"| {run.name} | `{s.pattern}` x {s.pulses} | {_short(s.checks)} | "
                  f"{s.first_share:.2f} | {s.corr:+.2f} |")
    print(f"\nsingle films: {n_pass} of {n_seg} segments pass every check; "
          f"{n_gradual} are gradual (8 pulses or more, R^2 and first pulse)")
    print("\nthe MEAN over realisations of the 200 nm unit (not one film; 6 pulses, "
          "checked with min_pulses=6):")
    for below in ("0.98", "0.99", "0.995"):
        ens = ensemble_history(THERMAL / f"b{below}" / "runs")
        v = ens.voltage.values[1]
        s = segment_verdict(ens.G_mean.values, np.outer(v, v), "++--", 0,
                            min_pulses=6)
        print(f"  {below} of the threshold, {ens.sizes['realisation']} realisations: "
              f"{_short(s.checks)}; first pulse {s.first_share:.2f}, corr "
              f"{s.corr:+.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
