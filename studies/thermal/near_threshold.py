"""Thermally activated switching just below the 0 K threshold: an eq. (1) ensemble?

``thermal_pulse.py`` showed that at 0.45, 0.6 and 0.75 of the demo's field the
300 K pulse lands in the same minima as the 0 K one: the pinning barriers are
~120 kT there. A barrier that the field lowers vanishes at the 0 K switching
threshold H_c, roughly as ``E_b ~ E_0 (1 - H / H_c)^(3/2)``, so just below H_c
it is a few kT and switching during a nanosecond pulse becomes a random event
with some probability ``p`` per pulse. For an ensemble of samples (or of
independent regions of one large film) the switched fraction then grows as
``1 - (1 - p)^n``: the geometric approach of eq. (1), with rate ``p``.

This script measures it on the demo's film (``ubhop.experiments.presets``):

1. relax the diagonal start (0 K, minimisation) and read G;
2. bisect the 0 K threshold ``s_c`` (field scale relative to the 15 mT peak) of
   the first switch under square 0.2 ns ``++--`` pulses (OOMMF's UHH theta
   evolver at T = 0, then minimisation): "switched" means ``max |dG / G|``
   above ``--switched`` (default 1e-4);
3. at each ``--below`` fraction of ``s_c`` and temperature ``--temperature``,
   run ``--seeds`` independent realisations (the evolver's ``uniform_seed``)
   of ``--pulses`` pulses each, minimising after every pulse, and record when
   each realisation first switches and its G after each pulse;
4. print the switching probability per pulse (maximum likelihood from the
   first-switch pulses, a geometric distribution, with a Wilson interval), and
   the ensemble-mean ``dG / G`` after each pulse against ``1 - (1 - p)^n``.

Results are appended to ``--out`` (JSON lines) after every realisation; a
realisation already recorded is skipped, so the script resumes.

Needs OOMMF with the UHH theta evolver; the pulses and relaxations run through
``ubhop.get_engine("oommf")``.

Usage::

    python studies/thermal/near_threshold.py --below 0.99 0.97 --seeds 8 --pulses 6
    python studies/thermal/near_threshold.py --below 0.99 0.97 --analyse-only \
        --out studies/thermal/near_threshold.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import numpy as np

import ubhop
from ubhop.accuracy import wilson_interval
from ubhop.experiments.ensemble import absorption, state_chain
from ubhop.experiments.presets import demo_config
from ubhop.report import format_absorption
from ubhop.schedule import Relax
from ubhop.thresholds import bisect_threshold
from ubhop.training import starting_texture

PAIRS = [(i, j) for i in range(4) for j in range(i + 1, 4)]
PEAK = 15e-3  # the demo's peak field (T); scales are relative to it


def pulse(engine, dev, m, field, temperature, seed=1, duration=0.2e-9, dt=5e-14):
    """Square field pulse, stochastic LLG at ``temperature``; returns unit m.

    One ``ubhop.Pulse`` (no ramps) on the engine: OOMMF's UHH theta evolver
    (fixed step ``dt``) above 0 K, its RKF evolver at 0 K.
    """
    (m_p,) = engine.run(dev, m, [ubhop.Pulse(field=field, duration=duration, rise=0.0,
                                             temperature=temperature, seed=seed,
                                             timestep=dt)])
    return m_p


def rel_change(g, g0):
    """``dG / G`` of the six pairs."""
    return np.array([(g[p] - g0[p]) / g0[p] for p in PAIRS])


def one_pulse(ctx, m, scale, temperature, seed):
    m_p = pulse(ctx["engine"], ctx["dev"], m, ctx["field"] * scale, temperature, seed)
    (m_r,) = ctx["engine"].run(ctx["dev"], m_p, [Relax()])
    return m_r, rel_change(ubhop.conductance_matrix(ctx["dev"], m_r), ctx["g0"])


def threshold(ctx, lo, hi, steps, switched):
    """The 0 K threshold scale of the first switch, and the switched dG/G.

    Bisected with ``ubhop.thresholds.bisect_threshold`` on the peak
    field (the 15 mT peak times the scale).
    """
    last = {}

    def change(peak):
        _, d = one_pulse(ctx, ctx["m0"], peak / PEAK, 0.0, 1)
        last[peak] = d
        return float(np.abs(d).max())

    lo_t, hi_t, _ = bisect_threshold(change, lo * PEAK, hi * PEAK, steps, switched)
    return lo_t / PEAK, hi_t / PEAK, last[hi_t]


def geometric_p(first, pulses):
    """ML switching probability per pulse from first-switch pulses (None: never).

    Each realisation contributes its pulses up to and including the first
    switch (or all ``pulses`` if it never switched); p = switches / trials.
    """
    trials = sum(f if f is not None else pulses for f in first)
    k = sum(f is not None for f in first)
    lo, hi = wilson_interval(k, trials)
    return k / trials, lo, hi, k, trials


def states_and_chain(recs, thr=None, tol=1e-6):
    """``state_chain`` of the realisations' ``dG / G`` (state 1: the 0 K switch)."""
    return state_chain([r["dG_over_G"] for r in recs],
                       first=None if thr is None else thr["dG_over_G"], tol=tol)


def ensemble_fit(recs, pattern="++--"):
    """Eq. (1) fitted to the ensemble mean ``dG / G`` of each pair (R^2, rate)."""
    from ubhop.learning import fit_pair
    from ubhop.patterns import as_pattern

    x = as_pattern(pattern)
    mean = np.vstack([np.zeros(len(PAIRS)),
                      np.mean([r["dG_over_G"] for r in recs], axis=0)])
    out = []
    for k, (i, j) in enumerate(PAIRS):
        f = fit_pair(mean[:, k], np.full(mean.shape[0] - 1, float(x[i] * x[j])))
        out.append({"pair": "NESW"[i] + "NESW"[j], "r2": f.r2, "rate": f.rate,
                    "final_pct": 100 * mean[-1, k]})
    return out


def report(done, thr, frac, temperature, pulses):
    """Print the analysis of the realisations at one field."""
    recs = [r for r in done if r["kind"] == "realisation" and r["below"] == frac
            and r["temperature"] == temperature]
    p, lo, hi, k, trials = geometric_p([r["first_switch"] for r in recs],
                                       pulses)
    mean = np.mean([r["dG_over_G"] for r in recs], axis=0)  # (pulses, 6)
    final = np.array(thr["dG_over_G"])
    peak = 15 * frac * thr["hi"]
    print(f"below {frac} (peak {peak:.3f} mT), {len(recs)} realisations: "
          f"p = {p:.3f} [{lo:.3f}, {hi:.3f}] per pulse ({k} switches in "
          f"{trials} pulses)")
    for n in range(pulses):
        frac_sw = np.mean([(r["first_switch"] or math.inf) <= n + 1 for r in recs])
        proj = float(mean[n] @ final / (final @ final))
        print(f"  pulse {n + 1}: switched fraction {frac_sw:.2f}, "
              f"1-(1-p)^n {1 - (1 - p) ** (n + 1):.2f}, ensemble dG along the "
              f"0 K switch {proj:+.3f}", flush=True)
    vecs, seqs, counts = states_and_chain(recs, thr)
    print("  states (dG/G %, pairs NE NS NW ES EW SW; 0 = start, 1 = the 0 K "
          "switch):")
    for k, v in enumerate(vecs):
        print(f"    {k}: " + " ".join(f"{100 * a:+.4f}" for a in v))
    print("  state after each pulse, per realisation:")
    for r, q in zip(recs, seqs, strict=True):
        print(f"    seed {r['seed']}: " + " ".join(map(str, q)))
    print("  transition counts [from][to]: " + str(counts.tolist()))
    for n in range(pulses + 1):
        occ = np.bincount([q[n] for q in seqs], minlength=len(vecs)) / len(seqs)
        print(f"  pulse {n}: occupation " + " ".join(f"{o:.2f}" for o in occ))
    print(format_absorption(absorption(seqs, counts)))
    print("  eq. (1) fitted to the ensemble mean per pair:")
    for f in ensemble_fit(recs):
        print(f"    {f['pair']}: R^2 {f['r2']:.3f}, rate {f['rate']:.3f}, "
              f"final {f['final_pct']:+.4f} %")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--below", type=float, nargs="+", default=[0.99, 0.97],
                    help="field as fractions of the 0 K threshold")
    ap.add_argument("--temperature", type=float, default=300.0, help="K")
    ap.add_argument("--seeds", type=int, default=8, help="realisations per field")
    ap.add_argument("--pulses", type=int, default=6, help="pulses per realisation")
    ap.add_argument("--bracket", type=float, nargs=2, default=[0.45, 0.6],
                    help="scales (of the 15 mT peak) that bracket the threshold")
    ap.add_argument("--bisect", type=int, default=6, help="bisection steps")
    ap.add_argument("--switched", type=float, default=1e-4,
                    help="max |dG/G| above which a pulse counts as a switch")
    ap.add_argument("--out", type=Path, default=Path("runs/near_threshold.jsonl"))
    ap.add_argument("--analyse-only", action="store_true",
                    help="only print the analysis of the realisations in --out")
    args = ap.parse_args(argv)

    if args.analyse_only:
        done = [json.loads(line) for line in args.out.read_text().splitlines()]
        thr = next(r for r in done if r["kind"] == "threshold")
        print(f"0 K threshold scale in [{thr['lo']:.5f}, {thr['hi']:.5f}]")
        for frac in args.below:
            report(done, thr, frac, args.temperature, args.pulses)
        return 0

    config = demo_config()
    dev = config.device
    engine = ubhop.get_engine("oommf")
    (m0,) = engine.run(dev, starting_texture(dev, "uniform_diag"), [Relax()])
    ctx = {"dev": dev, "engine": engine, "m0": m0,
           "g0": ubhop.conductance_matrix(dev, m0),
           "field": ubhop.oersted_field(dev, config.voltages("++--"))}
    done = []
    if args.out.exists():
        done = [json.loads(line) for line in args.out.read_text().splitlines()]
    thr = next((r for r in done if r["kind"] == "threshold"), None)
    if thr is None:
        t0 = time.perf_counter()
        lo, hi, d_hi = threshold(ctx, *args.bracket, args.bisect, args.switched)
        thr = {"kind": "threshold", "lo": lo, "hi": hi, "dG_over_G": d_hi.tolist(),
               "seconds": time.perf_counter() - t0}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("a") as fh:
            fh.write(json.dumps(thr) + "\n")
        done.append(thr)
    s_c = thr["hi"]
    print(f"0 K threshold scale in [{thr['lo']:.5f}, {s_c:.5f}] "
          f"(peak {15 * s_c:.3f} mT); switched dG/G (%): "
          + " ".join(f"{100 * x:+.4f}" for x in thr["dG_over_G"]), flush=True)

    for frac in args.below:
        scale = frac * s_c
        for seed in range(1, args.seeds + 1):
            if any(r["kind"] == "realisation" and r["below"] == frac
                   and r["seed"] == seed and r["temperature"] == args.temperature
                   for r in done):
                continue
            t0 = time.perf_counter()
            m, changes, first = m0, [], None
            for n in range(1, args.pulses + 1):
                m, d = one_pulse(ctx, m, scale, args.temperature,
                                 seed * 1000 + n)
                changes.append(d.tolist())
                if first is None and np.abs(d).max() > args.switched:
                    first = n
            rec = {"kind": "realisation", "below": frac, "scale": scale,
                   "temperature": args.temperature, "seed": seed,
                   "first_switch": first, "dG_over_G": changes,
                   "seconds": time.perf_counter() - t0}
            with args.out.open("a") as fh:
                fh.write(json.dumps(rec) + "\n")
            done.append(rec)
            print(f"below {frac}: seed {seed} first switch at pulse {first} "
                  f"({rec['seconds']:.0f} s)", flush=True)

        report(done, thr, frac, args.temperature, args.pulses)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
