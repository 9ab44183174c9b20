"""How much of a film does a pattern's field put inside the thermal window?

A two-state unit switches at random, pulse by pulse, only when the field it
sees lies within about 2 % below its 0 K threshold (``studies/thermal``: the
200 nm unit at 0.98-0.995 of its threshold switches with q = 0.19-0.50 per
pulse; at 0.97 nothing happens). A film of identical units follows eq. (1)
only if many units sit in that window at once (``units_needed.py``: about 32
of them). This script measures, from ubhop's Oersted fields (no engine), the
area of a film in which the in-plane field magnitude lies within
``[0.98, 1] x H_c``, with ``H_c`` chosen to make that area largest, for:

- the four-pad square (0.5, 1 and 2 um, pads on the edges, the paper's
  layout), for each of the seven patterns, and for all seven at one voltage
  (the cells inside the window for every pattern: one unit must serve all);
- a wide strip with full-width pads (route 1 of the study: a uniform current
  path), whose field is nearly uniform away from the edges.

Printed: the area fraction and the number of 200 nm x 200 nm units that fit in
it. Results are written to ``data/field_window.json``.

Run: python studies/single_film/field_window.py [--analyse-only]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import ubhop
from ubhop.experiments.associative import seven_patterns
from ubhop.patterns import pattern_string

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "studies" / "single_film" / "data" / "field_window.json"
WINDOW = 0.02
UNIT = 200e-9


def in_window(h, low=1 - WINDOW):
    """Largest fraction of cells with ``low H_c <= |H| <= H_c`` over ``H_c``."""
    mags = np.sort(h.ravel())
    # for each candidate H_c = mags[k]: cells in [low mags[k], mags[k]]
    lo = np.searchsorted(mags, low * mags, side="left")
    counts = np.arange(1, mags.size + 1) - lo
    k = int(np.argmax(counts))
    return counts[k] / mags.size, float(mags[k])


def inplane(dev, volts):
    h = ubhop.oersted_field(dev, volts).array[:, :, 0, :2]
    return np.linalg.norm(h, axis=-1)


def square(size):
    dev = ubhop.Device.square4(size=size, cell=(10e-9, 10e-9, None))
    rows = {}
    mags = []
    for p in seven_patterns(4):
        h = inplane(dev, 1e-3 * p.astype(float))
        frac, hc = in_window(h)
        rows[pattern_string(p)] = {"fraction": frac, "H_c_A_per_m": hc}
        mags.append(h)
    # one unit serves every pattern: at one voltage and one threshold, the
    # cells inside the window for all seven (scanned over H_c)
    stack = np.array(mags)
    best = 0.0
    for hc in np.quantile(stack.max(axis=0), np.linspace(0.01, 0.99, 400)):
        inside = ((stack >= (1 - WINDOW) * hc) & (stack <= hc)).all(axis=0)
        best = max(best, float(inside.mean()))
    return {"size_m": size, "patterns": rows, "all_seven": best}


def strip(length=4e-6, width=1e-6):
    pads = [ubhop.Pad(0, (0, 50e-9), (0, width)),
            ubhop.Pad(1, (length - 50e-9, length), (0, width))]
    dev = ubhop.Device(size=(length, width), cell=(20e-9, 20e-9, None), pads=pads)
    frac, hc = in_window(inplane(dev, [1e-3, -1e-3]))
    return {"size_m": [length, width], "fraction": frac, "H_c_A_per_m": hc}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--analyse-only", action="store_true",
                    help="reprint data/field_window.json")
    args = ap.parse_args()
    if args.analyse_only:
        res = json.loads(OUT.read_text())
    else:
        res = {"window": WINDOW, "unit_m": UNIT,
               "square": [square(s) for s in (0.5e-6, 1e-6, 2e-6)],
               "strip": strip()}
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(res, indent=1) + "\n")
    print(f"area with the in-plane field within [{1 - res['window']:g}, 1] x H_c "
          f"(H_c chosen for the largest area), and the {res['unit_m'] * 1e9:g} nm "
          f"units it holds")
    print("| film | pattern | area fraction | units |")
    print("| --- | --- | --- | --- |")
    for sq in res["square"]:
        area = sq["size_m"] ** 2
        name = f"square {sq['size_m'] * 1e6:g} um"
        for pat, r in sq["patterns"].items():
            units = r["fraction"] * area / res["unit_m"] ** 2
            print(f"| {name} | `{pat}` | {r['fraction']:.3f} | {units:.2f} |")
        units = sq["all_seven"] * area / res["unit_m"] ** 2
        print(f"| {name} | all seven at once | {sq['all_seven']:.4f} | {units:.3f} |")
    st = res["strip"]
    area = st["size_m"][0] * st["size_m"][1]
    units = st["fraction"] * area / res["unit_m"] ** 2
    print(f"| strip {st['size_m'][0] * 1e6:g} x {st['size_m'][1] * 1e6:g} um, "
          f"full-width pads | (one current path) | {st['fraction']:.3f} | "
          f"{units:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
