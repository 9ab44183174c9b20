"""Recall accuracy of similar letters on 35 nodes: software rules side by side.

The paper (Niu et al., PNAS 2024) reports, for its 35-node device trained on
similar letters, 97 % recall accuracy against 33 % for the outer-product rule.
This script measures the software side: the outer-product rule, the
projection rule and the compact model of eq. (1) (``ubhop.compact``) with
three stated calibrations, on the same distorted inputs:

* ``compact, rate 0.01``: synthetic, uniform ``alpha``, gradual learning
  (``2 eta alpha = 0.01`` per pulse), one pulse per letter per cycle, trained
  to its steady cycle;
* ``compact, one-jump``: rate 1 per pulse, as the eq. (1) fits of the
  simulated 4-node film give;
* ``compact, film fit``: the eq. (1) fit of the 4-node study run D2
  (``studies/memory``), carried to 35 nodes by the median over its pairs
  (``CompactModel.extend``), trained at that run's pulse voltage.

No micromagnetic 35-node device is simulated, so there is no device column.

Usage::

    python studies/letters/run_letters.py [--trials 1000] [--out runs/letters]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import ubhop
from ubhop.accuracy import (
    accuracy_table,
    capacity_curve,
    standard_rules,
    summary_rows,
)
from ubhop.compact import CompactModel
from ubhop.experiments.scaleup import compact_rules
from ubhop.letters import UPPERCASE, letters, rank_similar_sets, similarity
from ubhop.report import format_accuracy_table

HERE = Path(__file__).resolve().parent
FILM_RUN = HERE.parent / "memory" / "data" / "runs" / "D2_k2e4_15mT_0.2ns"


def film_model(run_dir=FILM_RUN, n=35):
    """The eq. (1) fit of a 4-node run, extended to ``n`` nodes by the median."""
    import xarray as xr

    with xr.open_dataset(Path(run_dir) / "history.nc") as h:
        g = h.G.values
        v = h.voltage.values
    prods = np.einsum("ti,tj->tij", v[1:], v[1:])
    fit = ubhop.fit_learning_law(g, prods)
    m4 = CompactModel.from_fit(fit)
    v0 = float(np.abs(v[1:]).max())
    return m4, m4.extend(n, mode="median"), v0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=1000,
                    help="distorted inputs per letter and k")
    ap.add_argument("--k-max", type=int, default=7)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="runs/letters",
                    help="where results.json and results.md go")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()

    ranked = rank_similar_sets(4, top=14950)
    sets = {"most similar 4": ranked[0][0], "second most similar 4": ranked[1][0],
            "most similar 5": rank_similar_sets(5, top=1)[0][0],
            "least similar 4 (reference)": ranked[-1][0]}

    m4, m35, v0 = film_model()
    report = {"trials_per_letter_and_k": args.trials, "seed": args.seed,
              "film_fit": {"rates_4node": m4.rate[np.triu_indices(4, 1)].tolist(),
                           "rate_35node": float(m35.rate[0, 1]),
                           "sign": m35.sign, "v0_V": v0},
              "sets": {}}
    md = []
    for label, s in sets.items():
        x = letters(s)
        compact = compact_rules(x.shape[1], x.shape[0], rate=0.01)
        compact["compact, film fit"] = (m35, {"pulses": 1, "cycles": 20, "v0": v0})
        rules = standard_rules(x, compact)
        rows = accuracy_table(x, rules, ks=range(1, args.k_max + 1),
                              trials=args.trials, seed=args.seed)
        allk = summary_rows(rows)
        report["sets"][label] = {"letters": s, "similarity": similarity(x),
                                 "rows": rows, "all_k": allk}
        md.append(f"### {label}: `{s}` (similarity {similarity(x):.3f})\n")
        md.append(format_accuracy_table(rows + allk))
        md.append("")
        print(md[-3].strip())
        print(md[-2])
        print(flush=True)

    cap = []
    for n, loads in ((35, (0.05, 0.1, 0.14, 0.2, 0.3, 0.5)),
                     (200, (0.05, 0.1, 0.14, 0.2, 0.3))):
        counts = sorted({max(1, round(a * n)) for a in loads})
        cap += capacity_curve(n, counts, draws=max(4, 2000 // n), seed=args.seed)
    report["capacity"] = cap
    lines = ["| N | P | P/N | rule | stable | exact recall [95 % CI] | overlap | "
             "patterns |", "|" + " --- |" * 8]
    for r in cap:
        lines.append(f"| {r['n']} | {r['p']} | {r['load']:.3f} | {r['rule']} | "
                     f"{r['stable']:.3f} | {r['exact']:.3f} [{r['ci_low']:.3f}, "
                     f"{r['ci_high']:.3f}] | {r['overlap']:.3f} | "
                     f"{r['n_patterns']} |")
    md.append("### Capacity: random patterns, recalled from themselves\n")
    md.append("\n".join(lines))
    print("\n".join(lines))
    report["alphabet"] = {"uppercase": UPPERCASE,
                          "projection_stable_all_26": ubhop.accuracy.stable_fraction(
                              ubhop.projection(letters(UPPERCASE)),
                              letters(UPPERCASE))}
    report["seconds"] = time.perf_counter() - t_start
    (out / "results.json").write_text(json.dumps(report, indent=1))
    (out / "results.md").write_text("\n".join(md) + "\n")
    print(f"{report['seconds']:.1f} s; wrote {out / 'results.json'} and results.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
