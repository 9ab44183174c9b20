"""A device of pair channels (``ubhop.channels``) against every check of issue 17.

One film, one realisation: each pair of the four pads has its own channel of
``--units`` four-fold units (a Fe disk 40 nm across and 10 nm thick by
default), driven by two Au lines (across the channel when ``V_i V_j = -1``,
along it when ``+1``) at the field where one pulse switches a unit with
probability ``--q``. The script runs, with ``ubhop.verdict`` as the judge:

1. the seven four-node patterns on one film, ``--pulses`` each, each after
   an erase (``ERASE`` cycled ``--erase`` times: every channel back to about
   half its units across; the uniform pattern ``++++`` drives every B line);
2. Fig. 2's switch: ``+--+`` then ``++--``, ``--pulses`` each; every pair must
   end within 10 % of its range from the new fixed point;
3. superposition: ``+--+`` and ``++--`` alternated for ``2 --pulses`` pulses;
   every pair must end between the two patterns' fixed points (each trained
   alone for ``3 --pulses``), or within 20 % of their range (of the channel's
   whole swing where the two fixed points coincide);
4. each of the seven patterns after its training in 1: is it an energy
   minimum of the Hopfield network whose weights are the trained G (``W =
   -(G - G_mid)``, the device's sign, ``G_mid`` the middle of a channel's
   range)?
5. how often a film passes: ``--films`` films per number of units, spread of
   the units' switching fields and ``q``.

Histories are written as ubhop run directories (``history.nc``), so that
``ubhop verdict DIR`` judges them like any device's. Results: ``--out``
(JSON); ``--analyse-only`` reprints them.

Run: python studies/single_film/pair_channels.py [--films 50] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from ubhop import runs
from ubhop.channels import ChannelDevice, field_for_probability
from ubhop.experiments.associative import NODE_NAMES, seven_patterns
from ubhop.hopfield import HopfieldNetwork
from ubhop.patterns import pattern_string
from ubhop.verdict import DEFAULTS, eq1_verdict, segment_verdict

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "studies" / "single_film" / "data" / "pair_channels"
SWITCH = ("+--+", "++--")
# every pair sees V_i V_j = +1 in two of these and -1 in the other two (the
# uniform pattern drives every B line): cycled, they bring every channel to
# about half its units across, whatever the film held before
ERASE = ("++--", "+-+-", "+--+", "++++")


def pulse_schedule(dev, schedule, h):
    """Pulse ``dev`` through ``[(pattern, pulses), ...]``.

    Returns ``g`` ``(T + 1, N, N)`` (S) and the ``(T, N)`` +-1 patterns.
    """
    g, pats = [dev.conductance()], []
    for pattern, pulses in schedule:
        v = np.array([1 if c == "+" else -1 for c in pattern])
        for _ in range(pulses):
            g.append(dev.pulse(pattern, h))
            pats.append(v)
    return np.array(g), np.array(pats)


def as_history(dev, g, pats, h, segments):
    """A ubhop history Dataset of a pulsed film (``segments``: per pulse)."""
    ds = runs.new_history(dev.n_nodes, g[0],
                          {"ubhop_model": "ubhop.channels.ChannelDevice",
                           "units": dev.units, "spread": dev.spread,
                           "field_over_threshold": h, "seed": dev.seed},
                          names=NODE_NAMES[:dev.n_nodes])
    for t, v in enumerate(pats):
        ds = runs.append_step(ds, g[t + 1], v, v.astype(float), segments[t])
    return ds


def run_schedule(dev, schedule, h):
    """Pulse ``dev`` through ``[(pattern, pulses), ...]``; the history Dataset."""
    g, pats = pulse_schedule(dev, schedule, h)
    segments = [k for k, (_, n) in enumerate(schedule) for _ in range(n)]
    return as_history(dev, g, pats, h, segments)


def erase(dev, h, cycles: int) -> None:
    """Cycle ``ERASE`` ``cycles`` times: every channel to about half across."""
    for _ in range(cycles):
        for p in ERASE:
            dev.pulse(p, h)


def seven_runs(dev, h, pulses: int, cycles: int) -> list:
    """On ONE film: for each of the seven patterns, erase, then ``pulses``.

    Returns ``(g, patterns)`` per pattern (``pulse_schedule``), step 0 being
    the film after the erase.
    """
    out = []
    for p in seven_patterns():
        erase(dev, h, cycles)
        out.append(pulse_schedule(dev, [(pattern_string(p), pulses)], h))
    return out


def write_run(ds, path: Path) -> None:
    """A run directory holding ``history.nc``."""
    path.mkdir(parents=True, exist_ok=True)
    runs.write_history(path / "history.nc", ds)


def verdict_rows(g, pats):
    """``segment_verdict`` of every run of one pattern in a pulse sequence."""
    rows = []
    bounds = [0] + [t for t in range(1, len(pats))
                    if not np.array_equal(pats[t], pats[t - 1])] + [len(pats)]
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        v = pats[a]
        sv = segment_verdict(g[a:b + 1], np.outer(v, v), pattern_string(v), int(a))
        moving = [p for p in sv.pairs if p["moving"]]
        rows.append({"pattern": sv.pattern, "pulses": sv.pulses,
                     "moving": len(moving),
                     "min_r2": min((p["r2"] for p in moving), default=float("nan")),
                     "first_share": sv.first_share, "corr": sv.corr,
                     "passed": sv.passed})
    return rows


def fraction_from_g(dev, g):
    """Fraction of units across per pair, from the channel conductances."""
    g_min, g_max = dev.limits()
    iu = np.triu_indices(dev.n_nodes, 1)
    r = dev.g_channel / g[iu]  # mean resistance, 1 + amr (1 - f)
    return 1 - (r - 1) / dev.amr, (g_min, g_max)


def switch_check(dev, h, pulses):
    """Fig. 2: the final distance of every pair from the new fixed point."""
    g, pats = pulse_schedule(dev, [(SWITCH[0], pulses), (SWITCH[1], pulses)], h)
    ds = as_history(dev, g, pats, h, [0] * pulses + [1] * pulses)
    f, _ = fraction_from_g(dev, g[-1])
    v = np.array([1 if c == "+" else -1 for c in SWITCH[1]])
    iu = np.triu_indices(dev.n_nodes, 1)
    target = (1 - np.outer(v, v)[iu]) / 2  # every unit across where V_iV_j = -1
    return ds, verdict_rows(g, pats), float(np.abs(f - target).max())


def superposition_check(make, h, pulses):
    """Alternate the two patterns; where each pair ends against each alone."""
    alone = []
    for p in SWITCH:
        dev = make()
        ds = run_schedule(dev, [(p, 3 * pulses)], h)
        alone.append(fraction_from_g(dev, ds.G.values[-1])[0])
    dev = make()
    ds = run_schedule(dev, [(SWITCH[k % 2], 1) for k in range(2 * pulses)], h)
    f = fraction_from_g(dev, ds.G.values[-1])[0]
    lo, hi = np.minimum(*alone), np.maximum(*alone)
    # a fraction's whole swing is 1; where both fixed points coincide, use it
    rng = np.where(hi - lo > 0.5, hi - lo, 1.0)
    outside = np.maximum(lo - f, f - hi) / rng
    return ds, {"alone": [a.tolist() for a in alone], "cycled": f.tolist(),
                "outside_over_range": float(np.max(np.maximum(outside, 0))),
                "passed": bool(np.all(outside <= 0.2))}


def minima_check(dev, histories):
    """Each of the seven patterns after its training: a minimum of the network?"""
    rows = []
    for p, (g_hist, _) in zip(seven_patterns(), histories, strict=True):
        pat = pattern_string(p)
        g = g_hist[-1]
        g_min, g_max = dev.limits()
        w = -(g - 0.5 * (g_min + g_max))
        np.fill_diagonal(w, 0.0)
        net = HopfieldNetwork(w)
        minima = {pattern_string(m) for m in net.minima()}
        neg = pattern_string(-p)
        rows.append({"pattern": pat, "minimum": pat in minima or neg in minima,
                     "minima": sorted(minima)})
    return rows


def pass_rates(args):
    """Fraction of films passing every check of the seven-pattern histories.

    Over the product of ``--q-scan``, ``--spreads``, ``--units-scan`` and
    ``--barriers`` (K1 V / kT); ``--films`` films (seeds 1000...) each.
    """
    table = []
    for barrier in args.barriers:
        for q in args.q_scan:
            h = field_for_probability(q, barrier, args.attempts)
            for spread in args.spreads:
                for units in args.units_scan:
                    passed = gradual = 0
                    for seed in range(args.films):
                        dev = ChannelDevice(units=units, spread=spread,
                                            seed=1000 + seed, barrier_kT=barrier,
                                            attempts=args.attempts)
                        rows = [r for g, pats in seven_runs(dev, h, args.pulses,
                                                            args.erase)
                                for r in verdict_rows(g, pats)]
                        signs = {np.sign(r["corr"]) for r in rows}
                        passed += all(r["passed"] for r in rows) and len(signs) == 1
                        gradual += all(r["min_r2"] >= DEFAULTS["min_r2"]
                                       and r["first_share"] <= DEFAULTS["max_first"]
                                       for r in rows)
                    table.append({"barrier_kT": barrier, "q": q, "h": h,
                                  "spread": spread, "units": units,
                                  "films": args.films, "passed": passed / args.films,
                                  "gradual": gradual / args.films})
                    print(f"  K1V/kT {barrier:g}, q {q}, spread {spread}, {units} "
                          f"units: {passed / args.films:.2f} of films pass", flush=True)
    return table


def windows(barriers, attempts):
    """Per ``K1 V / kT``: the fields at which q = 0.05, 0.2 and 0.5."""
    return [{"barrier_kT": b, "h": {str(q): field_for_probability(q, b, attempts)
                                    for q in (0.05, 0.2, 0.5)}} for b in barriers]


def report(res) -> str:
    """The results as text."""
    a = res["args"]
    out = [f"Device: {a['units']} units per channel, switching-field spread "
           f"{a['spread']:.0%}, K1 V / kT = {a['barrier_kT']}, f0 tau = "
           f"{a['attempts']:g}; pulses at h = {res['h']:.4f} of the mean 0 K "
           f"switching field (q = {a['q']} per pulse); seed {a['seed']}.", "",
           "### 1. The seven patterns on one film, each after an erase", "",
           "| pattern | pulses | moving pairs | min R^2 | first pulse's share | "
           "corr(dG, V_iV_j) | passed |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in res["seven"]:
        out.append(f"| {r['pattern']} | {r['pulses']} | {r['moving']} | "
                   f"{r['min_r2']:.3f} | {r['first_share']:.0%} | {r['corr']:+.3f} | "
                   f"{'yes' if r['passed'] else 'no'} |")
    out += [f"\n`ubhop verdict` on the seven histories: "
            f"{'PASS' if res['seven_verdict'] else 'FAIL'}", "",
            "### 2. Fig. 2's switch, `+--+` then `++--`", ""]
    for r in res["switch"]["segments"]:
        out.append(f"- {r['pattern']}: min R^2 {r['min_r2']:.3f}, first pulse "
                   f"{r['first_share']:.0%}, corr {r['corr']:+.3f}, "
                   f"{'passed' if r['passed'] else 'failed'}")
    out.append(f"- largest distance of a pair from the new fixed point: "
               f"{res['switch']['distance']:.1%} of its range (<= 10 %: "
               f"{'yes' if res['switch']['distance'] <= 0.1 else 'no'})")
    s = res["superposition"]
    out += ["", "### 3. Superposition: `+--+` and `++--` alternated", "",
            "| pair | alone +--+ | alone ++-- | alternated |",
            "| --- | --- | --- | --- |"]

    def frac(v):  # a fraction, without the sign of a rounding error
        return f"{min(max(v, 0.0), 1.0):.2f}"

    for k, pair in enumerate(res["pair_names"]):
        out.append(f"| {pair} | {frac(s['alone'][0][k])} | {frac(s['alone'][1][k])} "
                   f"| {frac(s['cycled'][k])} |")
    out.append(f"\n(fraction of units across.) Largest excursion outside the two "
               f"fixed points: {s['outside_over_range']:.0%} of the range; "
               f"passed: {'yes' if s['passed'] else 'no'}")
    out += ["", "### 4. Each pattern after its training in part 1: an energy minimum?",
            "", "| pattern | minimum | minima of the trained network |",
            "| --- | --- | --- |"]
    for r in res["minima"]:
        out.append(f"| {r['pattern']} | {'yes' if r['minimum'] else 'no'} | "
                   f"{' '.join(r['minima'])} |")
    out += ["", "### 5. Films that pass every check of part 1", "",
            "| K1 V / kT | q | h | spread | units per channel | films | pass | "
            "gradual (R^2 and first pulse) |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in res["rates"]:
        out.append(f"| {r['barrier_kT']:g} | {r['q']} | {r['h']:.3f} | "
                   f"{r['spread']:.0%} | {r['units']} | {r['films']} | "
                   f"{r['passed']:.2f} | {r['gradual']:.2f} |")
    out += ["", "The thermal window: the field (over the 0 K switching field) at which "
            f"one pulse (f0 tau = {a['attempts']:g}) switches a unit with probability "
            "q", "", "| K1 V / kT | zero-field barrier (kT) | q = 0.05 | q = 0.2 | "
            "q = 0.5 | width (0.05 to 0.5) over h(0.2) |",
            "| --- | --- | --- | --- | --- | --- |"]
    for w in res["windows"]:
        h = w["h"]
        out.append(f"| {w['barrier_kT']:g} | {w['barrier_kT'] / 4:.0f} | "
                   f"{h['0.05']:.3f} | {h['0.2']:.3f} | {h['0.5']:.3f} | "
                   f"{(h['0.5'] - h['0.05']) / h['0.2']:.1%} |")
    out.append(f"\nRun time: {res['seconds']:.0f} s.")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=128, help="units per channel")
    ap.add_argument("--spread", type=float, default=0.02,
                    help="relative spread of the units' switching fields")
    ap.add_argument("--q", type=float, default=0.2, help="switching probability")
    ap.add_argument("--barrier-kT", type=float, default=146.0, help="K1 V / kT")
    ap.add_argument("--attempts", type=float, default=1e3, help="f0 tau")
    ap.add_argument("--pulses", type=int, default=16, help="pulses per segment")
    ap.add_argument("--erase", type=int, default=6, help="erase cycles (4 pulses)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--films", type=int, default=50, help="films per scan point")
    ap.add_argument("--units-scan", type=int, nargs="+", default=[32, 64, 128, 256])
    ap.add_argument("--spreads", type=float, nargs="+",
                    default=[0.0, 0.02, 0.05, 0.1])
    ap.add_argument("--barriers", type=float, nargs="+", default=[73.0, 146.0, 292.0],
                    help="K1 V / kT of the scan")
    ap.add_argument("--q-scan", type=float, nargs="+", default=[0.1, 0.2, 0.3])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--analyse-only", action="store_true",
                    help="reprint --out/results.json")
    args = ap.parse_args(argv)
    if args.analyse_only:
        print(report(json.loads((args.out / "results.json").read_text())))
        return 0
    t0 = time.perf_counter()
    h = field_for_probability(args.q, args.barrier_kT, args.attempts)

    def make():
        return ChannelDevice(units=args.units, spread=args.spread, seed=args.seed,
                             barrier_kT=args.barrier_kT, attempts=args.attempts)

    film = make()
    seven = seven_runs(film, h, args.pulses, args.erase)
    dirs = []
    for p, (g, pats) in zip(seven_patterns(), seven, strict=True):
        dirs.append(args.out / "seven" / pattern_string(p).replace("+", "p").replace(
            "-", "m"))
        write_run(as_history(film, g, pats, h, [0] * len(pats)), dirs[-1])
    switch, switch_rows, distance = switch_check(make(), h, args.pulses)
    write_run(switch, args.out / "switch")
    sup_ds, sup = superposition_check(make, h, args.pulses)
    write_run(sup_ds, args.out / "superposition")
    dev = make()
    res = {"args": vars(args),
           "h": h, "pair_names": [f"{NODE_NAMES[i]}{NODE_NAMES[j]}"
                                  for i, j in dev.pairs],
           "seven": [r for g, pats in seven for r in verdict_rows(g, pats)],
           "seven_verdict": bool(eq1_verdict(dirs)["passed"]),
           "switch": {"segments": switch_rows, "distance": distance},
           "superposition": sup, "minima": minima_check(film, seven)}
    print("films:", flush=True)
    res["rates"] = pass_rates(args)
    res["windows"] = windows(sorted({args.barrier_kT, *args.barriers}), args.attempts)
    res["seconds"] = time.perf_counter() - t0
    runs.write_json(args.out / "results.json", res)
    print(report(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
