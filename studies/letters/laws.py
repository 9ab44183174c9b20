"""Learning laws on similar letters: accuracy against k, the 33 % protocol, capacity.

Every registered learning law of ``ubhop.rules`` (outer product, projection,
eq. (1) with uniform alpha, eq. (1) with alpha set by the voltage difference,
Oja's subspace rule and its symmetric form) plus one stated variant
(eq. (1) with voltage alpha and a floor of 0.1 for pairs at equal voltage)
learns each letter set; ``ubhop.accuracy.accuracy_table`` recalls the same
distorted inputs with every law's weights (k = 1..7 flipped pixels, success =
recall ends exactly on the stored letter, Wilson 95 % intervals).

Sets: E F H P, B C G O, the paper's i n q c (lowercase), and held-out sets
from ``ubhop.letters.rank_similar_sets`` (the most similar 4-sets of capitals
and of lowercase letters, leaving out those above).

The 33 % protocol: over the most similar 3-, 4- and 5-sets of capitals and
of lowercase letters and k = 1..7, the (set, k) at which the outer product's
accuracy lies within 3 points of 33 % are searched with one seed; the most
similar of those sets are then measured, for every law, with fresh
distortions (another seed).

Capacity: random patterns on N = 35 nodes (``ubhop.accuracy.capacity_curve``)
for every law.

Usage::

    python studies/letters/laws.py                  # about 2 min on 2 cores
    python studies/letters/laws.py --analyse-only   # reprint from the JSON
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np

from ubhop import laws
from ubhop.accuracy import accuracy_table, capacity_curve, summary_rows
from ubhop.hopfield import outer_product, projection
from ubhop.letters import LOWERCASE, letters, overlaps, rank_similar_sets, similarity
from ubhop.report import format_accuracy_table
from ubhop.rules import RULES

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
NAMED = {"E F H P": "EFHP", "B C G O": "BCGO", "i n q c (the paper's)": "inqc"}
LAWS = ["outer", "projection", "eq1", "eq1-voltage", "oja", "oja-symmetric"]
FLOOR = 0.1
FLOOR_LABEL = f"eq. (1), alpha by voltage difference, floor {FLOOR:g}"
TARGET = 0.33
WINDOW = 0.03
ROUND_BITS = 20
TIE_LAWS = ("outer", "projection", "eq1", "oja", "oja-symmetric")

LAW_FUNCTIONS = {"eq1": laws.eq1, "eq1-voltage": laws.eq1_voltage,
                 "oja": laws.oja, "oja-symmetric": laws.oja_symmetric}


def _corr(a, b):
    iu = np.triu_indices(len(a), 1)
    return float(np.corrcoef(a[iu], b[iu])[0, 1])


def learn_all(x):
    """``{label: W}`` of every law, and how each law's training went."""
    weights, training = {}, {}
    outer, proj = outer_product(x), projection(x)
    for name in LAWS + [FLOOR_LABEL]:
        if name == FLOOR_LABEL:
            res = laws.eq1_voltage(x, floor=FLOOR)
            label = FLOOR_LABEL
        elif name in LAW_FUNCTIONS:
            res = LAW_FUNCTIONS[name](x)
            label = RULES[name].label
        else:
            label = RULES[name].label
            weights[label] = RULES[name].learn(x)
            continue
        weights[label] = res.w
        training[label] = {
            "cycles": res.cycles, "converged": bool(res.converged),
            "change": res.change, "never_relax": len(res.never_relax),
            "corr_outer": _corr(res.w, outer), "corr_projection": _corr(res.w, proj),
            "rel_projection": float(np.linalg.norm(res.w - proj)
                                    / np.linalg.norm(proj)),
            "corr_mean_outer": _corr(res.w_mean, outer)}
    return weights, training


def _lean(rows):
    """Accuracy rows without the per-letter split (unused; a smaller JSON)."""
    return [{k: v for k, v in r.items() if k != "per_pattern"} for r in rows]


def rounded(w, bits=ROUND_BITS):
    """``w`` on a grid of ``2^-bits`` of its largest entry (exact sums in recall)."""
    scale = np.abs(w).max()
    return np.round(w / scale * 2.0**bits) * scale / 2.0**bits


def set_entry(name, s, group, ks, trials, seed):
    x = letters(s)
    o = overlaps(x)
    weights, training = learn_all(x)
    rows = accuracy_table(x, weights, ks=ks, trials=trials, seed=seed)
    # exact ties (a local field that is zero in exact arithmetic) keep the
    # node's state; how much of each law's accuracy rests on them: its weights
    # on a grid that makes every field sum exact, and with the ties broken at
    # random by a perturbation of 1e-9 of the largest weight
    tie = {}
    rng = np.random.default_rng([seed, 7])
    for n in TIE_LAWS:
        w = weights[RULES[n].label]
        noise = rng.standard_normal(w.shape)
        noise = 0.5 * (noise + noise.T)
        tie[f"{RULES[n].label}, rounded"] = rounded(w)
        tie[f"{RULES[n].label}, ties broken"] = w + 1e-9 * np.abs(w).max() * noise
    tie_rows = summary_rows(accuracy_table(x, tie, ks=ks, trials=trials, seed=seed))
    return {"name": name, "letters": s, "group": group, "similarity": similarity(x),
            "largest_overlap": float(o[np.triu_indices(len(x), 1)].max()),
            "rows": _lean(rows), "training": training, "rounded": tie_rows}


def search_protocol(trials, seed, top):
    """Outer-product accuracy for similar sets and every k; the closest to 33 %."""
    from ubhop.letters import UPPERCASE

    found = []
    for alphabet in (UPPERCASE, LOWERCASE):
        for p in (3, 4, 5):
            for s, sim in rank_similar_sets(p, alphabet=alphabet, top=top):
                x = letters(s)
                rows = accuracy_table(x, {"outer": outer_product(x)},
                                      ks=range(1, 8), trials=trials, seed=seed)
                for r in rows:
                    found.append({"letters": s, "similarity": sim, "k": r["k"],
                                  "accuracy": r["accuracy"], "ci_low": r["ci_low"],
                                  "ci_high": r["ci_high"]})
    found.sort(key=lambda r: (abs(r["accuracy"] - TARGET), -r["similarity"], r["k"]))
    return found


def run(args):
    t0 = time.perf_counter()
    ks = list(range(1, 8))
    report = {"settings": {"trials": args.trials, "seed": args.seed, "ks": ks,
                           "held_out": args.held_out, "floor": FLOOR,
                           "search_trials": args.search_trials,
                           "search_seed": args.seed + 1, "search_top": args.search_top,
                           "capacity_draws": args.draws,
                           "laws": {RULES[n].label: RULES[n].description
                                    for n in LAWS}},
              "sets": []}
    for name, s in NAMED.items():
        report["sets"].append(set_entry(name, s, "named", ks, args.trials, args.seed))
        print(f"{name}: done ({time.perf_counter() - t0:.0f} s)", flush=True)
    taken = set(NAMED.values())
    held = [s for s, _ in rank_similar_sets(4, top=args.held_out + 3) if s not in taken]
    held = held[:args.held_out]
    held += [s for s, _ in rank_similar_sets(4, alphabet=LOWERCASE, top=8)
             if s not in taken][:max(1, args.held_out // 2)]
    for s in held:
        report["sets"].append(set_entry(s, s, "held-out", ks, args.trials, args.seed))
        print(f"{s}: done ({time.perf_counter() - t0:.0f} s)", flush=True)

    found = search_protocol(args.search_trials, args.seed + 1, args.search_top)
    near = [r for r in found if abs(r["accuracy"] - TARGET) <= WINDOW]
    chosen = list(dict.fromkeys(r["letters"] for r in near))[:args.protocols]
    protocols = []
    for s in chosen:
        ks = sorted(r["k"] for r in near if r["letters"] == s)
        x = letters(s)
        weights, training = learn_all(x)
        rows = accuracy_table(x, weights, ks=ks, trials=args.trials, seed=args.seed)
        protocols.append({"letters": s, "ks": ks, "similarity": similarity(x),
                          "search": [r for r in near if r["letters"] == s],
                          "rows": _lean(rows), "training": training})
    sizes = {}
    for r in near:
        sizes[str(len(r["letters"]))] = sizes.get(str(len(r["letters"])), 0) + 1
    report["protocol"] = {"target": TARGET, "window": WINDOW, "searched": len(found),
                          "near": len(near), "near_by_set_size": sizes,
                          "closest": found[:10],
                          "sets": protocols}
    print(f"protocols: {', '.join(chosen)} ({time.perf_counter() - t0:.0f} s)",
          flush=True)

    counts = [2, 4, 5, 7, 10, 14, 18]
    labels = [(RULES[n].label, RULES[n].learn) for n in LAWS]
    labels.append((FLOOR_LABEL, lambda p: laws.eq1_voltage(p, floor=FLOOR).w))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", laws.NotConvergedWarning)
        report["capacity"] = capacity_curve(35, counts, rules=labels,
                                            draws=args.draws, seed=args.seed)
    report["capacity_warnings"] = sorted({str(w.message) for w in caught})
    report["seconds"] = time.perf_counter() - t0
    return report


def _cell(r):
    return (f"{100 * r['accuracy']:.1f} [{100 * r['ci_low']:.1f}, "
            f"{100 * r['ci_high']:.1f}]")


def _pooled(rows, ks):
    sel = [r for r in rows if r["k"] in ks]
    return {r["rule"]: r for r in summary_rows(sel)}


def format_report(report) -> str:
    s = report["settings"]
    md = [f"Trials: {s['trials']} distorted inputs per letter and k (seed "
          f"{s['seed']}); Wilson 95 % intervals; success = the exact stored "
          f"letter.", ""]
    labels = list(dict.fromkeys(r["rule"] for r in report["sets"][0]["rows"]))
    md.append("### Accuracy, pooled over k = 1-3 and k = 1-7\n")
    md.append("| set | similarity | largest overlap | k | " + " | ".join(labels)
              + " |")
    md.append("|" + " --- |" * (len(labels) + 4))
    for e in report["sets"]:
        for ks, tag in (((1, 2, 3), "1-3"), (tuple(range(1, 8)), "1-7")):
            pooled = _pooled(e["rows"], ks)
            md.append(f"| {e['name']} ({e['group']}) | {e['similarity']:.3f} | "
                      f"{e['largest_overlap']:.2f} | {tag} | "
                      + " | ".join(_cell(pooled[lab]) for lab in labels) + " |")
    md.append("")
    md.append("### Ties, k = 1-7 pooled\n")
    md.append(f"A local field that is zero in exact arithmetic (a tie) keeps the "
              f"node's state. \"rounded\": the weights on a grid of 2^-"
              f"{ROUND_BITS} of their largest entry, which makes every field sum "
              f"exact (the Oja laws' start, init^2 = 1e-6, and convergence "
              f"residual mostly vanish); \"ties broken\": the weights plus a random "
              f"symmetric perturbation of 1e-9 of their largest entry, so that no "
              f"field is exactly zero (a device's generic case).\n")
    tl = [r["rule"] for r in report["sets"][0]["rounded"]]
    md.append("| set | " + " | ".join(tl) + " |")
    md.append("|" + " --- |" * (len(tl) + 1))
    for e in report["sets"]:
        cells = {r["rule"]: r for r in e["rounded"]}
        md.append(f"| {e['name']} | " + " | ".join(_cell(cells[t]) for t in tl)
                  + " |")
    md.append("")
    md.append("### Training: cycles to converge (relative change per cycle < tol), "
              "and the weights against the outer product and the projection\n")
    md.append("| set | law | cycles | converged | pairs that never relax | "
              "corr(W, outer) | corr(W, projection) | corr(cycle-mean W, outer) | "
              "\\|W - projection\\| / \\|projection\\| |")
    md.append("|" + " --- |" * 9)
    for e in report["sets"] + [dict(q, name=f"{q['letters']} (33 % protocol)")
                               for q in report["protocol"]["sets"]]:
        for lab, t in e["training"].items():
            md.append(f"| {e['name']} | {lab} | {t['cycles']} | "
                      f"{'yes' if t['converged'] else 'no'} | {t['never_relax']} | "
                      f"{t['corr_outer']:+.4f} | {t['corr_projection']:+.4f} | "
                      f"{t['corr_mean_outer']:+.4f} | {t['rel_projection']:.2g} |")
    md.append("")
    p = report["protocol"]
    md.append("### The 33 % protocol\n")
    md.append(f"Searched {p['searched']} (set, k) for the outer product "
              f"({s['search_trials']} inputs per letter, seed {s['search_seed']}: "
              f"the most similar {s['search_top']} sets of 3, 4 and 5 capitals and "
              f"of lowercase letters, k = 1-7); {p['near']} lie within "
              f"{100 * p['window']:.0f} points of {100 * p['target']:.0f} % (by "
              f"letters per set: {p['near_by_set_size']}). The closest:\n")
    md.append("| letters | similarity | k | outer product (search) |")
    md.append("| --- | --- | --- | --- |")
    for r in p["closest"]:
        md.append(f"| {r['letters']} | {r['similarity']:.3f} | {r['k']} | "
                  f"{_cell(r)} |")
    md.append("")
    md.append(f"Every law on the {len(p['sets'])} most similar sets of those, pooled "
              f"over their k within the window, on fresh inputs (seed "
              f"{s['seed']}):\n")
    plabels = list(dict.fromkeys(r["rule"] for r in p["sets"][0]["rows"]))
    md.append("| letters | similarity | k | " + " | ".join(plabels) + " |")
    md.append("|" + " --- |" * (len(plabels) + 3))
    for q in p["sets"]:
        pooled = {r["rule"]: r for r in summary_rows(q["rows"])}
        ks = ", ".join(map(str, q["ks"]))
        md.append(f"| {q['letters']} | {q['similarity']:.3f} | {ks} | "
                  + " | ".join(_cell(pooled[lab]) for lab in plabels) + " |")
    md.append("")
    for e in report["sets"]:
        if e["group"] != "named":
            continue
        md.append(f"### Per k: {e['name']} (`{e['letters']}`)\n")
        md.append(format_accuracy_table(e["rows"] + summary_rows(e["rows"])))
        md.append("")
    md.append("### Capacity: N = 35, random patterns recalled from themselves\n")
    md.append(f"{s['capacity_draws']} draws per P; stable = fraction of the "
              f"patterns that are exact fixed points; exact = recalled exactly "
              f"from themselves.\n")
    cap = report["capacity"]
    caplabels = list(dict.fromkeys(r["rule"] for r in cap))
    md.append("| P | P/N | " + " | ".join(f"{lab}: stable / exact"
                                           for lab in caplabels) + " |")
    md.append("|" + " --- |" * (len(caplabels) + 2))
    for p_ in dict.fromkeys(r["p"] for r in cap):
        cells = {r["rule"]: r for r in cap if r["p"] == p_}
        md.append(f"| {p_} | {p_ / 35:.3f} | " + " | ".join(
            f"{cells[lab]['stable']:.2f} / {cells[lab]['exact']:.2f}"
            for lab in caplabels) + " |")
    if report.get("capacity_warnings"):
        md.append("")
        md.append(f"Not converged within max_cycles in the capacity runs: "
                  f"{len(report['capacity_warnings'])} distinct warnings "
                  f"(listed in the JSON).")
    md.append("")
    md.append(f"Run time: {report['seconds']:.0f} s.")
    return "\n".join(md)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=1000,
                    help="distorted inputs per letter and k")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--held-out", type=int, default=4,
                    help="held-out sets of capitals from the ranking (and half "
                         "as many of lowercase letters)")
    ap.add_argument("--search-trials", type=int, default=200,
                    help="inputs per letter and k in the 33 %% search")
    ap.add_argument("--search-top", type=int, default=10,
                    help="most similar sets per size and alphabet in the search")
    ap.add_argument("--protocols", type=int, default=6,
                    help="sets measured at the 33 %% protocol")
    ap.add_argument("--draws", type=int, default=20,
                    help="random pattern sets per P for the capacity curves")
    ap.add_argument("--out", default=str(DATA / "laws.json"),
                    help="the JSON results (laws.md goes beside it)")
    ap.add_argument("--analyse-only", action="store_true",
                    help="reprint the tables from the JSON without running")
    args = ap.parse_args(argv)
    out = Path(args.out)
    if args.analyse_only:
        report = json.loads(out.read_text())
    else:
        report = run(args)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=1))
    text = format_report(report)
    if not args.analyse_only:
        out.with_suffix(".md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
