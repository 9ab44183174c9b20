"""Eq. (1) in the ensemble mean, through ubhop's own training (thermal pulses).

``near_threshold.py`` found, with square pulses driven by hand, that at 300 K
and 0.99 of the 0 K switching field the demo's film switches at random and the
mean over realisations approaches its fixed point geometrically. This script
does the same with the package: ``TrainingConfig(temperature=300)`` (the
training's raised-cosine pulses) and ``ubhop.experiments.ensemble.train_ensemble``.

1. Bisect the peak field at which one 0 K training pulse of ``++--`` first
   changes G lastingly (``max |dG/G| > 1e-4`` after minimisation):
   ``ubhop.experiments.ensemble.switching_threshold``.
2. Train ``--realisations`` thermal realisations of ``--pulses`` pulses at
   ``--below`` of that field, 300 K.
3. Fit eq. (1) (``ubhop.fit_learning_law``) to the mean G and print, per pair,
   R^2, the rate and the change; and the fraction of realisations that have
   left the start after each pulse.

Everything is written under ``--out`` (one resumable run per realisation, and
``threshold.json``, ``summary.json``). Runs OOMMF unless ``--engine magnumnp``
(about 3 times slower per thermal pulse; its threshold is its own).

``--size`` cuts the demo's film to another side: at 0.2e-6 it is a single
two-state unit, whose mean follows eq. (1) on every pair (README).

Usage::

    python studies/thermal/ensemble_train.py --realisations 16 --out runs/ensemble
    python studies/thermal/ensemble_train.py --size 0.2e-6 --bracket 2e-3 60e-3 \
        --bisect 9 --realisations 48 --out runs/unit
    python studies/thermal/ensemble_train.py --analyse-only \
        --out studies/thermal/data/ensemble       # the committed runs, no engine
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np

import ubhop
from ubhop import fit_learning_law, runs
from ubhop.experiments.ensemble import (
    absorption,
    ensemble_history,
    ensemble_summary,
    lasting_change,
    state_chain,
    switching_threshold,
    train_ensemble,
)
from ubhop.experiments.presets import demo_config
from ubhop.patterns import pattern_string
from ubhop.report import format_absorption, format_ensemble_summary
from ubhop.training import surviving_fraction, train

PAIRS = [(i, j) for i in range(4) for j in range(i + 1, 4)]


def print_probe(peak, change):
    print(f"  {peak * 1e3:.4f} mT: max |dG/G| = {change:.3g}", flush=True)


def report(ens, out, summary=None):
    """Fit eq. (1) to the ensemble mean and print the states the runs visit.

    With ``summary`` (the run's settings), also writes ``out/summary.json``.
    """
    g = ens.G.values  # (R, T + 1, 4, 4)
    summ = ensemble_summary(ens)
    left = summ["left_start_fraction"]
    rows = [{"pair": "NESW"[p["i"]] + "NESW"[p["j"]], "r2": p["r2"], "rate": p["rate"],
             "change_pct": 100 * p["change"], "sem_pct": 100 * p["sem"],
             "anti_hebbian": p["anti_hebbian"]} for p in summ["pairs"]]
    if summary is not None:
        runs.write_json(Path(out) / "summary.json",
                        {**summary, "realisations": summ["realisations"],
                         "pulses": summ["pulses"], "left_start_fraction": left,
                         "pairs": rows})
    print(format_ensemble_summary(summ, "NESW"))
    # the relaxed states each realisation visits (dG/G of the six pairs)
    recs = [{"dG_over_G": [[(gr[t, i, j] - gr[0, i, j]) / gr[0, i, j]
                            for i, j in PAIRS] for t in range(1, g.shape[1])]}
            for gr in g]
    vecs, seqs, counts = state_chain([r["dG_over_G"] for r in recs], tol=1e-6)
    print("states (dG/G %, pairs NE NS NW ES EW SW; 0 = start):")
    for k, vec in enumerate(vecs):
        print(f"  {k}: " + " ".join(f"{100 * a:+.4f}" for a in vec))
    spread = max(np.abs(np.asarray(d) - vecs[k]).max()
                 for rec, seq in zip(recs, seqs, strict=True)
                 for d, k in zip(rec["dG_over_G"], seq[1:], strict=True))
    print(f"largest distance of a relaxed state from its state's dG/G: {spread:.1e}")
    print("transition counts [from][to]: " + str(counts.tolist()))
    print(format_absorption(absorption(seqs, counts)))
    # of each pulse's change in G, the part the relaxation keeps, split by
    # whether the pulse moved the realisation to another state
    moved, stayed = [], []
    for r, seq in enumerate(seqs):
        kept = surviving_fraction(ens.isel(realisation=r))
        for t in range(1, len(seq)):
            (moved if seq[t] != seq[t - 1] else stayed).append(kept[t - 1])
    for name, vals in (("that change the state", moved), ("that do not", stayed)):
        if vals:
            print(f"surviving fraction, median over the {len(vals)} pulses {name}: "
                  f"{np.nanmedian(vals):.3g}")
    if len(np.unique(ens.segment.values[1:])) > 1:
        report_segments(ens)


def report_segments(ens):
    """Per segment of the schedule: eq. (1) fitted to the mean, and switches.

    A realisation counts as switched when its G differs from its start by more
    than 1e-4 (relative, some pair); the counts are the pulses that switch it
    out of the start and back, over the pulses it spent in each state.
    """
    g = ens.G.values
    v = ens.voltage.values
    seg = ens.segment.values
    away = np.array([[lasting_change([gr[0], gr[t]]) > 1e-4 for t in range(g.shape[1])]
                     for gr in g])
    for k in np.unique(seg[1:]):
        steps = np.flatnonzero(seg == k)
        first, last = steps[0] - 1, steps[-1]
        prods = np.einsum("ti,tj->tij", v[first + 1:last + 1], v[first + 1:last + 1])
        fit = fit_learning_law(ens.G_mean.values[first:last + 1], prods)
        out = sum(int(not away[r, t - 1] and away[r, t]) for r in range(len(g))
                  for t in steps)
        at0 = sum(int(not away[r, t - 1]) for r in range(len(g)) for t in steps)
        back = sum(int(away[r, t - 1] and not away[r, t]) for r in range(len(g))
                   for t in steps)
        at1 = sum(int(away[r, t - 1]) for r in range(len(g)) for t in steps)
        pattern = pattern_string(ens.pattern.values[steps[0]])
        print(f"segment {k} ({pattern}, steps {first + 1}-{last}): out of the start "
              f"{out}/{at0}, back to it {back}/{at1}; eq. (1) per pair: "
              + ", ".join(f"{'NESW'[p.pair[0]]}{'NESW'[p.pair[1]]} R^2 {p.r2:.3f} "
                          f"rate {p.rate:.3f}" for p in fit.pairs))


def back_threshold(args, hi, engine):
    """Bisect the threshold of ``--then`` from the state ``++--`` switches to."""
    base = demo_config(engine=args.engine, size=args.size)
    switched = train(dataclasses.replace(base, schedule=[("++--", 1)],
                                         peak_field=1.02 * hi),
                     args.out / "back" / "switch", engine=engine, progress=False)
    start = args.out / "back" / "switch" / "textures" / "m_00001.ovf"
    print(f"switched state: max |dG/G| = {lasting_change(switched.G.values):.3g}")
    thr = switching_threshold(
        dataclasses.replace(base, start=str(start), schedule=[(args.then, 1)]),
        args.bracket[0], 1.02 * hi, args.out / "back" / "threshold",
        steps=args.bisect, engine=engine, on_probe=print_probe)
    print(f"0 K threshold of {args.then} from the switched state: "
          f"[{thr.lo * 1e3:.4f}, {thr.hi * 1e3:.4f}] mT")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bracket", type=float, nargs=2, default=[6e-3, 9e-3],
                    help="peak fields (T) that bracket the 0 K threshold")
    ap.add_argument("--bisect", type=int, default=6)
    ap.add_argument("--below", type=float, default=0.99)
    ap.add_argument("--temperature", type=float, default=300.0)
    ap.add_argument("--realisations", type=int, default=16)
    ap.add_argument("--pulses", type=int, default=6)
    ap.add_argument("--size", type=float, default=1e-6,
                    help="film side (m) of the demo's film; 0.2e-6 is a single "
                         "two-state unit (bracket it with 2e-3 60e-3)")
    ap.add_argument("--out", type=Path, default=Path("runs/ensemble"))
    ap.add_argument("--engine", choices=["oommf", "magnumnp"], default="oommf")
    ap.add_argument("--peak", type=float, default=None,
                    help="train at this peak field (T) instead of --below x threshold")
    ap.add_argument("--back-threshold", action="store_true",
                    help="also bisect the 0 K threshold of the --then pattern "
                         "from the switched state (a ++-- pulse at 1.02 x the "
                         "threshold)")
    ap.add_argument("--then", default=None, metavar="PATTERN",
                    help="after the ++-- pulses, as many pulses of this pattern "
                         "(the Fig. 2 switch)")
    ap.add_argument("--analyse-only", action="store_true",
                    help="only analyse the realisations already in --out")
    args = ap.parse_args(argv)
    if args.analyse_only:
        report(ensemble_history(args.out / "runs"), args.out)
        return 0
    engine = ubhop.get_engine(args.engine)
    args.out.mkdir(parents=True, exist_ok=True)

    thr_path = args.out / "threshold.json"
    if thr_path.exists():  # a bracket found before (also the committed runs')
        saved = json.loads(thr_path.read_text())
        lo, hi = saved["bracket"] if "bracket" in saved else (saved["lo_T"],
                                                              saved["hi_T"])
    else:
        cfg0 = dataclasses.replace(demo_config(engine=args.engine, size=args.size),
                                   schedule=[("++--", 1)])
        thr = switching_threshold(cfg0, *args.bracket, args.out / "threshold",
                                  steps=args.bisect, engine=engine,
                                  on_probe=print_probe)
        lo, hi = thr.lo, thr.hi
        runs.write_json(thr_path, thr.to_dict())
    if args.back_threshold:
        back_threshold(args, hi, engine)
    peak = args.below * hi if args.peak is None else args.peak
    print(f"0 K threshold in [{lo * 1e3:.4f}, {hi * 1e3:.4f}] mT; training at "
          f"{peak * 1e3:.4f} mT, {args.temperature:g} K", flush=True)

    schedule = [("++--", args.pulses)] + ([(args.then, args.pulses)] if args.then
                                          else [])
    cfg = dataclasses.replace(demo_config(engine=args.engine, size=args.size),
                              schedule=schedule, peak_field=peak,
                              chunk=args.pulses * len(schedule),
                              temperature=args.temperature)
    ens = train_ensemble(cfg, args.out / "runs", args.realisations, engine=engine)
    report(ens, args.out, summary={"threshold_mT": [lo * 1e3, hi * 1e3],
                                   "peak_mT": peak * 1e3,
                                   "temperature_K": args.temperature,
                                   "size_m": args.size})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
