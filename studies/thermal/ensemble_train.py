"""Eq. (1) in the ensemble mean, through ubhop's own training (thermal pulses).

``near_threshold.py`` found, with square pulses driven by hand, that at 300 K
and 0.99 of the 0 K switching field the demo's film switches at random and the
mean over realisations approaches its fixed point geometrically. This script
does the same with the package: ``TrainingConfig(temperature=300)`` (the
training's raised-cosine pulses) and ``ubhop.ensemble.train_ensemble``.

1. Bisect the peak field at which one 0 K training pulse of ``++--`` first
   changes G lastingly (``max |dG/G| > 1e-4`` after minimisation).
2. Train ``--realisations`` thermal realisations of ``--pulses`` pulses at
   ``--below`` of that field, 300 K.
3. Fit eq. (1) (``ubhop.fit_learning_law``) to the mean G and print, per pair,
   R^2, the rate and the change; and the fraction of realisations that have
   left the start after each pulse.

Everything is written under ``--out`` (one resumable run per realisation, and
``threshold.json``, ``summary.json``). Needs OOMMF.

Usage::

    python studies/thermal/ensemble_train.py --realisations 16 --out runs/ensemble
    python studies/thermal/ensemble_train.py --analyse-only \
        --out studies/thermal/data/ensemble       # the committed runs, no engine
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np
from near_threshold import print_absorption, states_and_chain

import ubhop
from ubhop import runs
from ubhop.demo import demo_config
from ubhop.ensemble import ensemble_history, train_ensemble
from ubhop.training import train

PAIRS = [(i, j) for i in range(4) for j in range(i + 1, 4)]


def switches(peak, out, engine, tol=1e-4):
    """Whether one 0 K training pulse at ``peak`` (T) changes G lastingly."""
    cfg = dataclasses.replace(demo_config(engine="oommf"), schedule=[("++--", 1)],
                              peak_field=peak, chunk=1)
    h = train(cfg, Path(out) / f"bisect_{peak * 1e3:.4f}mT", engine=engine,
              progress=False)
    g = h.G.values
    off = ~np.eye(4, dtype=bool)
    return float(np.abs((g[1] - g[0])[off] / g[0][off]).max()) > tol


def report(ens, out, summary=None):
    """Fit eq. (1) to the ensemble mean and print the states the runs visit.

    With ``summary`` (the run's settings), also writes ``out/summary.json``.
    """
    g = ens.G.values  # (R, T + 1, 4, 4)
    v = ens.voltage.values
    prods = np.einsum("ti,tj->tij", v[1:], v[1:])
    fit = ubhop.fit_learning_law(ens.G_mean.values, prods)
    off = ~np.eye(4, dtype=bool)
    left = [float(np.mean([np.abs((gr[t] - gr[0])[off] / gr[0][off]).max() > 1e-4
                           for gr in g])) for t in range(g.shape[1])]
    g0 = ens.G_mean.values[0]
    rows = []
    for p in fit.pairs:
        i, j = p.pair
        change = (ens.G_mean.values[-1, i, j] - g0[i, j]) / g0[i, j]
        sem = ens.G_sem.values[-1, i, j] / g0[i, j]
        rows.append({"pair": "NESW"[i] + "NESW"[j], "r2": p.r2, "rate": p.rate,
                     "change_pct": 100 * change, "sem_pct": 100 * sem,
                     "anti_hebbian": bool(np.sign(change) == -np.sign(prods[0, i, j]))})
    if summary is not None:
        runs.write_json(Path(out) / "summary.json",
                        {**summary, "realisations": int(g.shape[0]),
                         "pulses": int(g.shape[1] - 1), "left_start_fraction": left,
                         "pairs": rows})
    print("fraction of realisations that have left the start, per pulse: "
          + " ".join(f"{x:.2f}" for x in left))
    for r in rows:
        print(f"{r['pair']}: R^2 {r['r2']:.3f}, rate {r['rate']:.3f}, mean change "
              f"{r['change_pct']:+.4f} +- {r['sem_pct']:.4f} %, "
              f"{'anti-Hebbian' if r['anti_hebbian'] else 'Hebbian'}")
    # the relaxed states each realisation visits (dG/G of the six pairs)
    recs = [{"dG_over_G": [[(gr[t, i, j] - gr[0, i, j]) / gr[0, i, j]
                            for i, j in PAIRS] for t in range(1, g.shape[1])]}
            for gr in g]
    vecs, seqs, counts = states_and_chain(recs, tol=1e-6)
    print("states (dG/G %, pairs NE NS NW ES EW SW; 0 = start):")
    for k, vec in enumerate(vecs):
        print(f"  {k}: " + " ".join(f"{100 * a:+.4f}" for a in vec))
    print("transition counts [from][to]: " + str(counts.tolist()))
    print_absorption(seqs, counts, g.shape[1] - 1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bracket", type=float, nargs=2, default=[6e-3, 9e-3],
                    help="peak fields (T) that bracket the 0 K threshold")
    ap.add_argument("--bisect", type=int, default=6)
    ap.add_argument("--below", type=float, default=0.99)
    ap.add_argument("--temperature", type=float, default=300.0)
    ap.add_argument("--realisations", type=int, default=16)
    ap.add_argument("--pulses", type=int, default=6)
    ap.add_argument("--out", type=Path, default=Path("runs/ensemble"))
    ap.add_argument("--analyse-only", action="store_true",
                    help="only analyse the realisations already in --out")
    args = ap.parse_args(argv)
    if args.analyse_only:
        report(ensemble_history(args.out / "runs"), args.out)
        return 0
    engine = ubhop.get_engine("oommf")
    args.out.mkdir(parents=True, exist_ok=True)

    thr_path = args.out / "threshold.json"
    if thr_path.exists():
        lo, hi = json.loads(thr_path.read_text())["bracket"]
    else:
        lo, hi = args.bracket
        if switches(lo, args.out, engine) or not switches(hi, args.out, engine):
            raise SystemExit(f"{lo} T and {hi} T do not bracket the threshold")
        for _ in range(args.bisect):
            mid = 0.5 * (lo + hi)
            lo, hi = (lo, mid) if switches(mid, args.out, engine) else (mid, hi)
            print(f"threshold in [{lo * 1e3:.4f}, {hi * 1e3:.4f}] mT", flush=True)
        runs.write_json(thr_path, {"bracket": [lo, hi]})
    peak = args.below * hi
    print(f"0 K threshold in [{lo * 1e3:.4f}, {hi * 1e3:.4f}] mT; training at "
          f"{peak * 1e3:.4f} mT, {args.temperature:g} K", flush=True)

    cfg = dataclasses.replace(demo_config(engine="oommf"),
                              schedule=[("++--", args.pulses)], peak_field=peak,
                              chunk=args.pulses, temperature=args.temperature)
    ens = train_ensemble(cfg, args.out / "runs", args.realisations, engine=engine)
    report(ens, args.out, summary={"threshold_mT": [lo * 1e3, hi * 1e3],
                                   "peak_mT": peak * 1e3,
                                   "temperature_K": args.temperature})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
