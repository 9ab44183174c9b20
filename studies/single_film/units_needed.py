"""How many independent two-state units must one film hold to follow eq. (1)?

A film made of ``N`` identical, independent two-state units, pulsed with one
pattern, changes its conductances by ``(k_n / N) dG`` after ``n`` pulses, where
``k_n`` counts the units switched so far and ``dG`` is one unit's switch. Each
unit switches with probability ``q`` per pulse and never returns (the 200 nm
unit of ``studies/thermal``: no return in 288 pulses). In ONE film (one draw
of the ``N`` units) the history is a binomial staircase; this script applies
the project's eq. (1) checks (``ubhop.verdict.segment_verdict``: R^2 >= 0.95
on every moving pair, first pulse <= 40 % of the change, |corr(dG, V_iV_j)|
>= 0.8; 8 pulses) to many such films and prints, for each ``N``, the
fraction of films that pass.

``q`` and ``dG`` are the measured ones: ``q`` from the committed OOMMF
ensembles of the 200 nm unit at 0.98, 0.99 and 0.995 of its 0 K threshold
(``ubhop.experiments.ensemble.first_switch_rate``), ``dG`` its switched state
(the ensemble's switched realisations). Magnetostatic coupling between units,
units that the pattern's field does not reach, and a spread of thresholds
are left out: this is the best case of route 1 of the study.

Run: python studies/single_film/units_needed.py [--films 2000] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ubhop.experiments.ensemble import ensemble_history, first_switch_rate
from ubhop.verdict import segment_verdict

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "studies" / "thermal" / "data" / "unit_200nm"
BELOW = ("0.98", "0.99", "0.995")
UNITS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
PULSES = 8


def measured_unit(below: str):
    """q per pulse (with its interval) and the switched state's G, from data."""
    ens = ensemble_history(DATA / f"b{below}" / "runs")
    rate = first_switch_rate(ens)
    g = ens.G.values  # (R, T + 1, N, N)
    iu = np.triu_indices(g.shape[-1], 1)
    change = np.abs((g[:, -1] - g[:, 0])[:, iu[0], iu[1]]
                    / g[:, 0][:, iu[0], iu[1]]).max(axis=1)
    switched = g[change > 1e-4, -1].mean(axis=0)
    return rate, g[0, 0], switched


def film_passes(rng, n_units, q, g0, g1, vv, films):
    """Fraction of single films of ``n_units`` units that pass each check."""
    counts = {"R^2": 0, "first": 0, "gradual": 0, "corr": 0, "all": 0}
    for _ in range(films):
        # the pulse at which each unit first switches (geometric, censored)
        first = rng.geometric(q, size=n_units)
        k = np.array([(first <= n).sum() for n in range(PULSES + 1)]) / n_units
        g = g0[None] + k[:, None, None] * (g1 - g0)[None]
        s = segment_verdict(g, vv, "++--", 0)
        keys = list(s.checks)
        ok_r2 = s.checks[keys[2]] and s.checks[keys[1]]
        ok_first, ok_corr = s.checks[keys[3]], s.checks[keys[4]]
        counts["R^2"] += ok_r2
        counts["first"] += ok_first
        counts["gradual"] += ok_r2 and ok_first
        counts["corr"] += ok_corr
        counts["all"] += ok_r2 and ok_first and ok_corr
    return {k: v / films for k, v in counts.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--films", type=int, default=2000, help="films per N")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path,
                    default=ROOT / "studies" / "single_film" / "data" /
                    "units_needed.json")
    ap.add_argument("--analyse-only", action="store_true",
                    help="reprint the committed results")
    args = ap.parse_args()
    if args.analyse_only:
        res = json.loads(args.out.read_text())
    else:
        rng = np.random.default_rng(args.seed)
        v = np.array([1.0, 1.0, -1.0, -1.0])
        vv = np.outer(v, v)
        res = {"films": args.films, "pulses": PULSES, "below": {}}
        for below in BELOW:
            rate, g0, g1 = measured_unit(below)
            iu = np.triu_indices(4, 1)
            d = (g1 - g0)[iu] / g0[iu]
            corr = float(np.corrcoef(d, np.sign(vv[iu]))[0, 1])
            rows = {str(n): film_passes(rng, n, rate["q"], g0, g1, vv, args.films)
                    for n in UNITS}
            res["below"][below] = {"q": rate["q"], "q_low": rate["q_low"],
                                   "q_high": rate["q_high"],
                                   "switch_dG_over_G": d.tolist(), "corr": corr,
                                   "units": rows}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(res, indent=1) + "\n")
    print(f"one film of N independent two-state units (the 200 nm unit of "
          f"studies/thermal), {res['pulses']} pulses of ++--, {res['films']} films "
          f"per N: the fraction of films that pass")
    for below, r in res["below"].items():
        d = " ".join(f"{100 * x:+.3f}" for x in r["switch_dG_over_G"])
        print(f"\nat {below} of the threshold: q = {r['q']:.3f} [{r['q_low']:.3f}, "
              f"{r['q_high']:.3f}] per pulse; a unit's switch dG/G (%) NE NS NW ES "
              f"EW SW: {d}; corr with V_iV_j {r['corr']:+.2f}")
        print("| N units | R^2 >= 0.95 (moving pairs) | first pulse <= 40 % | "
              "both (gradual) | |corr| >= 0.8 | all |")
        print("| --- | --- | --- | --- | --- | --- |")
        for n, f in r["units"].items():
            print(f"| {n} | {f['R^2']:.2f} | {f['first']:.2f} | {f['gradual']:.2f} | "
                  f"{f['corr']:.2f} | {f['all']:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
