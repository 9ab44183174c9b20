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

Needs OOMMF with the UHH theta evolver.

Usage::

    python studies/thermal/near_threshold.py --below 0.99 0.97 --seeds 8 --pulses 6
    python studies/thermal/near_threshold.py --below 0.99 0.97 --analyse-only \
        --out studies/thermal/near_threshold.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

import discretisedfield as df
import micromagneticmodel as mm
import numpy as np
import oommfc as oc

import ubhop
from ubhop.accuracy import wilson_interval
from ubhop.experiments.presets import demo_config
from ubhop.schedule import Relax
from ubhop.training import starting_texture

PAIRS = [(i, j) for i in range(4) for j in range(i + 1, 4)]


def pulse(dev, m, field, temperature, seed=None, duration=0.2e-9, dt=5e-14):
    """Square field pulse, stochastic LLG (UHH theta evolver); returns unit m.

    ``seed=None`` lets OOMMF seed the thermal field itself (not reproducible).
    """
    k, u = dev.anisotropy()
    system = mm.System(name="near_threshold")
    system.energy = (mm.Exchange(A=dev.py.A) + mm.Demag()
                     + mm.UniaxialAnisotropy(K=k, u=u) + mm.Zeeman(H=field))
    system.dynamics = (mm.Precession(gamma0=mm.consts.gamma0)
                       + mm.Damping(alpha=dev.py.alpha))
    system.m = df.Field(dev.mesh, nvdim=3, value=m.array, norm=dev.py.Ms)
    system.T = temperature
    seeded = {} if seed is None else {"uniform_seed": int(seed)}
    evolver = oc.UHH_ThetaEvolver(fixed_timestep=dt, **seeded)
    with tempfile.TemporaryDirectory() as work:  # oommfc writes its drive here
        oc.TimeDriver(evolver=evolver).drive(system, t=duration, n=1, verbose=0,
                                             dirname=work)
    return df.Field(dev.mesh, nvdim=3, value=system.m.array, norm=1.0)


def rel_change(g, g0):
    """``dG / G`` of the six pairs."""
    return np.array([(g[p] - g0[p]) / g0[p] for p in PAIRS])


def one_pulse(ctx, m, scale, temperature, seed):
    m_p = pulse(ctx["dev"], m, ctx["field"] * scale, temperature, seed)
    (m_r,) = ctx["engine"].run(ctx["dev"], m_p, [Relax()])
    return m_r, rel_change(ubhop.conductance_matrix(ctx["dev"], m_r), ctx["g0"])


def bisect_threshold(ctx, lo, hi, steps, switched):
    """The 0 K threshold scale of the first switch, and the switched dG/G."""
    _, d_lo = one_pulse(ctx, ctx["m0"], lo, 0.0, 1)
    _, d_hi = one_pulse(ctx, ctx["m0"], hi, 0.0, 1)
    if np.abs(d_lo).max() > switched or np.abs(d_hi).max() <= switched:
        raise SystemExit(f"threshold not bracketed by scales {lo}, {hi}: "
                         f"{np.abs(d_lo).max():.2e}, {np.abs(d_hi).max():.2e}")
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        _, d = one_pulse(ctx, ctx["m0"], mid, 0.0, 1)
        if np.abs(d).max() > switched:
            hi, d_hi = mid, d
        else:
            lo = mid
        print(f"  bracket [{lo:.5f}, {hi:.5f}]", flush=True)
    return lo, hi, d_hi


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
    """Distinct relaxed states of the realisations and the transitions between them.

    States are told apart by their ``dG / G`` vectors (equal within ``tol``);
    state 0 is the start and, with a threshold record ``thr``, state 1 is its
    0 K switch. Returns the state vectors, each realisation's state sequence
    (pulse 0 = start) and the transition counts ``[from, to]``.
    """
    vecs = [np.zeros(len(PAIRS))]

    def index(d):
        for k, v in enumerate(vecs):
            if np.abs(v - d).max() < tol:
                return k
        vecs.append(np.asarray(d))
        return len(vecs) - 1

    if thr is not None:
        index(np.asarray(thr["dG_over_G"]))  # state 1: the 0 K switch
    seqs = [[0] + [index(np.asarray(d)) for d in r["dG_over_G"]] for r in recs]
    counts = np.zeros((len(vecs), len(vecs)), dtype=int)
    for q in seqs:
        for a, b in zip(q[:-1], q[1:], strict=True):
            counts[a, b] += 1
    return np.array(vecs), seqs, counts


def print_absorption(seqs, counts, pulses):
    """Print the absorbing states, the entry rate q and the absorbed fraction.

    A state is absorbing when the realisations that reached it never left it;
    ``q`` is the number of entries over the pulses spent outside the absorbing
    states (Wilson 95 % interval), compared with ``1 - (1 - q)^n``.
    """
    n_states = counts.shape[0]
    absorbing = [k for k in range(n_states) if counts[k, k] > 0
                 and counts[k].sum() == counts[k, k]]
    if not absorbing:
        print("  no absorbing state")
        return
    into = sum(counts[a, b] for a in range(n_states) if a not in absorbing
               for b in absorbing)
    outside = sum(counts[a].sum() for a in range(n_states) if a not in absorbing)
    q = into / outside
    qlo, qhi = wilson_interval(into, outside)
    print(f"  absorbing state(s) {absorbing}: entered {into} times in {outside} "
          f"pulses outside them, q = {q:.3f} [{qlo:.3f}, {qhi:.3f}] per pulse")
    for n in range(1, pulses + 1):
        occ = np.mean([seq[n] in absorbing for seq in seqs])
        print(f"    pulse {n}: absorbed fraction {occ:.2f}, "
              f"1-(1-q)^n {1 - (1 - q) ** n:.2f}")


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
    print_absorption(seqs, counts, pulses)
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
        lo, hi, d_hi = bisect_threshold(ctx, *args.bracket, args.bisect, args.switched)
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
