"""The ``ubhop`` command line.

Commands: demo, train, analyse, ensemble, batch, energy, recall, letters, logic,
compare, reference. The
command line is the only place that prints; the domain modules return data and
``ubhop.report`` turns it into text.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import numpy as np


def _int_at_least(minimum: int):
    """An argparse type: an integer >= ``minimum`` (``2.7`` is refused)."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {minimum}, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {minimum}, got {text!r}")
        return value

    parse.__name__ = f"integer >= {minimum}"
    return parse


def _float_in(low: float, high: float = float("inf"), low_inclusive: bool = False,
              high_inclusive: bool = True):
    """An argparse type: a finite number in a range (``nan`` is refused)."""
    import math

    lo = f"{'>=' if low_inclusive else '>'} {low:g}"
    hi = "" if math.isinf(high) else f" and {'<=' if high_inclusive else '<'} {high:g}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        ok = (math.isfinite(value)
              and (value > low or (low_inclusive and value == low))
              and (value < high or (high_inclusive and value == high)))
        if not ok:
            raise argparse.ArgumentTypeError(
                f"expected a finite number {lo}{hi}, got {text!r}")
        return value

    parse.__name__ = f"number {lo}{hi}"
    return parse


_positive_int = _int_at_least(1)
_count = _int_at_least(0)
_rate = _float_in(0.0, 1.0)
_positive = _float_in(0.0)
_nonnegative = _float_in(0.0, low_inclusive=True)


def _report(run_dir, result, engine_name, seconds):
    from .report import format_training_summary

    print(format_training_summary(result["summary"]))
    print(f"engine: {engine_name}; {seconds:.0f} s; run directory: {run_dir}; "
          f"figure: {Path(run_dir) / 'figures' / 'fig2.png'}")


def _with_notes(fn, *args, **kwargs):
    """Call ``fn``; print the warnings it gives (too-short fits) as notes."""
    import warnings

    from .learning import FitWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", FitWarning)
        out = fn(*args, **kwargs)
    for w in caught:
        if issubclass(w.category, FitWarning):
            print(f"note: {w.message}")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return out


def _analyse_and_draw(run_dir):
    from .analysis import analyse
    from .figures import save_fig2

    result = _with_notes(analyse, run_dir)
    save_fig2(run_dir, result)
    return result


def _train_and_report(config, run_dir, engine_name, progress=True):
    from .engines import get_engine
    from .training import train

    engine = get_engine(engine_name)
    print(f"engine: {engine.name}")
    t0 = time.perf_counter()
    train(config, run_dir, engine=engine, progress=progress)
    result = _analyse_and_draw(run_dir)
    _report(run_dir, result, engine.name, time.perf_counter() - t0)
    return 0


def _demo(args):
    from .experiments.presets import demo_config

    config = demo_config(pulses=args.pulses, engine=args.engine)
    print(config.device)
    plan = " then ".join(f"{s.pattern} x {s.pulses}" for s in config.schedule)
    print(f"training: {plan}, {config.pulse_duration * 1e9:g} ns pulses of "
          f"{config.peak_field * 1e3:g} mT peak, relax: {config.relax.method}")
    run_dir = Path(args.run) if args.run else Path("runs") / "demo"
    return _train_and_report(config, run_dir, args.engine, progress=not args.quiet)


def _train(args):
    from .training import TrainingConfig

    config = TrainingConfig.from_toml(args.config)
    engine = args.engine or config.engine
    run_dir = Path(args.run) if args.run else Path("runs") / Path(args.config).stem
    return _train_and_report(config, run_dir, engine, progress=not args.quiet)


def _analyse(args):
    result = _analyse_and_draw(args.run)
    _report(args.run, result, "(from the run)", 0.0)
    return 0


def _print_probe(peak, change):
    print(f"  {peak * 1e3:.4f} mT: max |dG/G| = {change:.3g}", flush=True)


def _ensemble(args):
    import dataclasses

    from .engines import get_engine
    from .experiments.ensemble import (
        ensemble_summary,
        switching_threshold,
        train_ensemble,
    )
    from .report import format_ensemble_summary
    from .training import TrainingConfig

    config = TrainingConfig.from_toml(args.config)
    if args.engine:
        config = dataclasses.replace(config, engine=args.engine)
    out = Path(args.out) if args.out else Path("runs") / f"{Path(args.config).stem}_ens"
    engine = get_engine(config.engine)
    print(f"engine: {engine.name}")
    if args.below is not None:
        lo, hi = args.bracket
        print(f"0 K switching threshold of one {config.steps[0][1]!r} pulse, "
              f"bisected in [{lo * 1e3:g}, {hi * 1e3:g}] mT:")
        thr = switching_threshold(config, lo, hi, out / "threshold",
                                  steps=args.steps, engine=engine,
                                  on_probe=_print_probe)
        peak = args.below * thr.hi
        print(f"threshold in [{thr.lo * 1e3:.4f}, {thr.hi * 1e3:.4f}] mT; training "
              f"at {args.below:g} x {thr.hi * 1e3:.4f} = {peak * 1e3:.4f} mT")
        config = dataclasses.replace(config, peak_field=peak, v0=None)
    ens = train_ensemble(config, out / "runs", args.realisations, engine=engine,
                         progress=not args.quiet)
    s = _with_notes(ensemble_summary, ens)
    print(f"{s['realisations']} realisations x {s['pulses']} pulses at "
          f"{config.temperature:g} K")
    print(format_ensemble_summary(s, config.device.node_names))
    print(f"runs: {out / 'runs'}")
    return 0


def _batch(args):
    """``ubhop batch FAMILY.toml``: run a family of runs and gather it."""
    from .report import format_family_summary
    from .sweep import Family, family_summary, run_family

    family = Family.from_toml(args.family)
    out = Path(args.out) if args.out else Path("runs") / Path(args.family).stem
    where = (f"Dask scheduler {args.scheduler}" if args.scheduler
             else f"{args.workers} local worker process(es)")
    members = family.members()
    print(f"family {args.family}: {len(members)} members "
          f"(dimensions {', '.join(family.dims) or 'none'}) on {where}; "
          f"directory {out}")
    ds = run_family(family, out, workers=args.workers, scheduler=args.scheduler,
                    engine=args.engine, threads=args.threads,
                    progress=not args.quiet)
    summary = family_summary(ds)
    print(format_family_summary(summary))
    print(f"gathered: {out / 'family.nc'}")
    return 0 if summary["failed"] == 0 else 1


def _verdict(args):
    """``ubhop verdict RUN [RUN ...]``: check histories against eq. (1)."""
    from pathlib import Path

    from .analysis import history_node_names
    from .report import format_verdict
    from .runs import read_history
    from .verdict import eq1_verdict

    verdict = eq1_verdict(args.run, min_pulses=args.min_pulses, min_r2=args.min_r2,
                          max_first=args.max_first, min_corr=args.min_corr)
    # the pairs by the nodes' names in the (first) run's history
    names = history_node_names(read_history(Path(args.run[0]) / "history.nc"))
    print(format_verdict(verdict, names=names))
    return 0 if verdict["passed"] else 1


def _add_reference(parser) -> None:
    from .experiments.associative import REFERENCES

    parser.add_argument("--reference", choices=REFERENCES,
                        default="start",
                        help="G_ref of the weight map: the relaxed start (default), "
                             "G_avg fitted over all runs of a seven-pattern "
                             "experiment, or over the other runs (cross-validated)")


def _energy(args):
    """``ubhop energy RUN``: energies of all states with a run's weights.

    ``RUN`` is one run directory (weights with its own calibrated sign) or an
    experiment directory of ``train_patterns`` (one table row per pattern, the
    sign over all runs); ``--reference`` is ``G_ref`` of the weight map (see
    ``ubhop.experiments.associative.experiment_weights``).
    """
    from .experiments.associative import energy_table, run_weights
    from .patterns import as_pattern, pattern_string
    from .report import format_energy_table

    weights = run_weights(args.run, args.reference)
    rows = energy_table(weights)
    for r, rw in zip(rows, weights.values(), strict=True):
        print(f"trained pattern {r['pattern']}: reference {rw.reference}, "
              f"weight-map sign {rw.sign:+d}, "
              f"correlation of the first pulse's dG with V_i V_j "
              f"{rw.correlation:+.2f}, G_scale {rw.g_scale:.3g} S")
        target = (r["pattern"], pattern_string(-as_pattern(r["pattern"])))
        for s, e in sorted(zip(r["states"], r["energies"], strict=True),
                           key=lambda t: t[1]):
            mark = " <- trained" if s in target else ""
            print(f"  {s}  E = {e:+.4f}{mark}")
        print(f"  minima: {', '.join(r['minima'])}; trained pattern is the minimum: "
              f"{'yes' if r['is_minimum'] else 'no'}")
    if len(rows) > 1:
        print(format_energy_table(rows))
    return 0


def _recall(args):
    """``ubhop recall RUN --state S``: recall from a state with a run's weights."""
    from .experiments.associative import run_weights
    from .hopfield import HopfieldNetwork
    from .patterns import as_pattern, pattern_string

    state, seed = args.state, args.seed
    weights = run_weights(args.run, args.reference)
    for name, rw in weights.items():
        net = HopfieldNetwork(rw.w)
        s = as_pattern(state, net.n)
        out, path = net.recall(s, seed=seed, return_path=True)
        p = as_pattern(name)
        ok = bool(np.all(out == p) or np.all(out == -p))
        print(f"trained {name}: {pattern_string(s)} (E = {path[0, 0]:+.4f}) -> "
              f"{pattern_string(out)} (E = {path[-1, 0]:+.4f}); "
              f"{'the trained pattern' if ok else 'not the trained pattern'}")
    return 0


def _letters(args):
    """``ubhop letters``: recall accuracy of similar letters, rule by rule."""
    from .accuracy import summary_rows
    from .experiments.scaleup import device_rules, letters_accuracy
    from .letters import letters, rank_similar_sets, similarity
    from .report import format_accuracy_table

    letter_set, json_path = args.letters, args.json
    if letter_set is None:
        letter_set = rank_similar_sets(args.set_size, top=1)[0][0]
    x = letters(letter_set)
    extra = device_rules(args.device, x) if args.device else None
    rows = letters_accuracy(x, trials=args.trials, k_max=args.k_max, seed=args.seed,
                            rate=args.rate, cycles=args.cycles, extra=extra,
                            names=args.rules)
    print(f"letters {letter_set!r}: N = {x.shape[1]}, P = {x.shape[0]}, "
          f"similarity (mean |overlap|) {similarity(x):.3f}")
    print("accuracy % [Wilson 95 % interval]; success = recall ends exactly on "
          "the stored letter")
    print(format_accuracy_table(rows + summary_rows(rows)))
    if json_path is not None:
        from .runs import write_json

        write_json(json_path, {"letters": letter_set, "rows": rows})
    return 0


def _logic(args):
    """``ubhop logic GATE``: learn a gate in software and print its truth table."""
    from .experiments.logic import (
        LEARNABLE,
        bias_ratio_interval,
        gate_name,
        learn_gate_software,
        noise_accuracy,
        truth_table,
    )
    from .report import format_truth_table

    gate, rule, rate, pulses = args.gate, args.rule, args.rate, args.pulses
    cycles, noise, trials, seed = args.cycles, args.noise, args.trials, args.seed
    bias_ratio = args.bias_ratio
    key = gate_name(gate)
    w = learn_gate_software(key, rule=rule, rate=rate, pulses_per_pattern=pulses,
                            cycles=cycles, bias_ratio=bias_ratio)
    table = truth_table(w, key)
    print(f"gate {key}, rule {rule}; nodes (a, b, out, bias=+1); +1 = True")
    print(format_truth_table(table))
    print(f"learnt: {'yes' if table['correct'] else 'no'}"
          + (f" (the table is {table['gate']})" if table["gate"] and not
             table["correct"] else ""))
    if rule == "compact" and key in LEARNABLE and not table["correct"]:
        lo, hi = bias_ratio_interval(key)
        print(f"The uniform pattern drives no current, so the compact model learns "
              f"{key} only for {lo:g} < --bias-ratio < {hi:g} (slow learning).")
    if key in ("XOR", "XNOR"):
        print("XOR/XNOR are not linearly separable: no weights compute them "
              "(a clamped output is a linear threshold unit).")
    if noise > 0:
        acc = noise_accuracy(w, key, level=noise, trials=trials, seed=seed)
        print(f"relative weight error {noise:g}: {acc:.0%} of {trials} reads correct")
    return 0


def _compare(args):
    """``ubhop compare SUBMISSION --problem NAME``: a submission against a reference.

    Prints the table of ``ubhop.reference.compare``; returns 0 when every
    quantity passes, 1 when one fails (a submission that cannot be read
    raises, and ``main`` returns 2).
    """
    from .reference import compare

    result = compare(args.submission, args.problem, reference=args.reference)
    print(result.table())
    if args.json:
        from .runs import write_json

        write_json(args.json, result.to_dict())
    return result.exit_code


def _reference(args):
    """``ubhop reference list|make|write-submission``: the reference problems."""
    import contextlib

    from .engines import get_engine
    from .engines.oommf import oommf_available
    from .reference import problems as rp

    names = [rp.get_problem(args.problem).name] if args.problem else rp.problem_names()
    if args.action == "list":
        for name in names:
            prob = rp.get_problem(name)
            inputs = sorted(p.name for p in (rp.problem_dir(name) / "inputs").glob("*"))
            print(f"{name}: {prob.title}\n  specification: {rp.spec_path(name)}\n"
                  f"  inputs: {', '.join(inputs) or 'none'}\n"
                  f"  reference: {rp.reference_dir(name)}")
        return 0
    make = args.action == "make"
    if make and args.engine not in (None, "oommf"):
        raise ValueError("ubhop reference make computes the references with OOMMF; "
                         "--engine is for write-submission.")
    if not make and args.out is None:
        raise ValueError("write-submission needs --out DIR.")
    engine_name = "oommf" if make else (args.engine or "auto")
    needs = [n for n in names if rp.get_problem(n).needs_engine]
    if make and needs and not args.problem and not oommf_available():
        print(f"no OOMMF runner found: {', '.join(needs)} skipped (their references "
              f"need OOMMF)")
        names, needs = [n for n in names if n not in needs], []
    options = {} if args.threads is None else {"n_threads": args.threads}
    engine = get_engine(engine_name, **options) if needs else None
    with contextlib.ExitStack() as stack:
        if engine is not None and hasattr(engine, "close"):
            stack.callback(engine.close)
        for name in names:
            out = (Path(args.out) / name if args.out and len(names) > 1
                   else Path(args.out) if args.out else rp.reference_dir(name))
            print(f"{name}: {'reference' if make else 'submission'} -> {out}",
                  flush=True)
            t0 = time.perf_counter()
            rp.make(name, out, engine=engine, reference=make,
                    on_step=lambda text: print(f"  {text}", flush=True))
            print(f"  done in {time.perf_counter() - t0:.0f} s", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Build the ``ubhop`` argument parser.

    Engine and rule choices come from the registries (``ubhop.engines.ENGINES``,
    ``ubhop.rules.RULES``).
    """
    from .engines import engine_names
    from .rules import rule_names

    parser = argparse.ArgumentParser(
        prog="ubhop",
        description="Self-learning magnetic Hopfield network (Niu et al., PNAS 2024).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo", help="train the small 4-node device on '++--', then switch pattern")
    demo.add_argument("--engine", default="auto",
                      choices=engine_names(auto=True))
    demo.add_argument("--run", help="run directory (default runs/demo)")
    demo.add_argument("--pulses", type=_positive_int, default=None,
                      help="pulses per pattern (default: the demo's)")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(func=_demo)

    tr = sub.add_parser("train", help="train a device from a TOML configuration")
    tr.add_argument("config", help="TOML file with [device] and [training]")
    tr.add_argument("--run", help="run directory (default runs/<config name>)")
    tr.add_argument("--engine", choices=engine_names(auto=True),
                    help="override the configuration's engine")
    tr.add_argument("--quiet", action="store_true", help="no progress bar")
    tr.set_defaults(func=_train)

    an = sub.add_parser("analyse", help="fit eq. (1) and draw Fig. 2 for a run")
    an.add_argument("run", help="run directory")
    an.set_defaults(func=_analyse)

    es = sub.add_parser(
        "ensemble", help="train thermal realisations of a configuration and fit "
                         "eq. (1) to their mean G (optionally just below the "
                         "film's 0 K switching threshold)")
    es.add_argument("config", help="TOML file with [device] and [training]")
    es.add_argument("--realisations", type=_positive_int, default=16)
    es.add_argument("--out", help="ensemble directory (default runs/<config>_ens)")
    es.add_argument("--below", type=_rate, default=None,
                    help="train at this fraction of the bisected 0 K threshold "
                         "(e.g. 0.99) instead of the configuration's field")
    es.add_argument("--bracket", type=_positive, nargs=2, default=[1e-3, 50e-3],
                    metavar=("LO", "HI"),
                    help="peak fields (T) that bracket the threshold")
    es.add_argument("--steps", type=_count, default=8, help="bisection steps")
    es.add_argument("--engine", choices=engine_names(auto=True),
                    help="override the configuration's engine")
    es.add_argument("--quiet", action="store_true", help="no progress bar")
    es.set_defaults(func=_ensemble)

    ba = sub.add_parser(
        "batch", help="run a family of runs (a scan, an ensemble) from a TOML file "
                      "with [family], [device] and [training]; gather it into "
                      "family.nc")
    ba.add_argument("family", help="TOML file: [family] vary/mode/realisations, "
                                   "and the base [device] and [training]")
    ba.add_argument("--out", help="family directory (default runs/<file name>)")
    ba.add_argument("--workers", type=_positive_int, default=1,
                    help="local worker processes (default 1: one after another)")
    ba.add_argument("--scheduler", help="address of a Dask scheduler, e.g. "
                                        "tcp://host:8786 (overrides --workers)")
    ba.add_argument("--threads", type=_positive_int, default=None,
                    help="engine threads per member (default: cores / members "
                         "running at once)")
    ba.add_argument("--engine", choices=engine_names(auto=True),
                    help="override the configurations' engine")
    ba.add_argument("--quiet", action="store_true", help="no progress bar")
    ba.set_defaults(func=_batch)

    ve = sub.add_parser(
        "verdict", help="check run histories against eq. (1), pair by pair: "
                        "gradual (R^2, first-pulse share), Hebbian direction, one "
                        "sign; exit status 0 when every check passes")
    ve.add_argument("run", nargs="+", help="run directories")
    ve.add_argument("--min-pulses", type=_positive_int, default=8)
    ve.add_argument("--min-r2", type=_float_in(0.0, 1.0), default=0.95)
    ve.add_argument("--max-first", type=_rate, default=0.40,
                    help="largest share of a segment's change in its first pulse")
    ve.add_argument("--min-corr", type=_rate, default=0.8,
                    help="smallest |correlation| of the net change with V_iV_j")
    ve.set_defaults(func=_verdict)

    en = sub.add_parser("energy",
                        help="Hopfield energies of all states of a trained run")
    en.add_argument("run", help="run directory (or a seven-pattern experiment)")
    _add_reference(en)
    en.set_defaults(func=_energy)

    rc = sub.add_parser("recall", help="recall from a state with a run's weights")
    rc.add_argument("run", help="run directory (or a seven-pattern experiment)")
    rc.add_argument("--state", required=True,
                    help="input state, e.g. '+-+-' (a state may start with '-': "
                         "--state -+-+ works)")
    rc.add_argument("--seed", type=_count, default=0, help="seed of the update order")
    _add_reference(rc)
    rc.set_defaults(func=_recall)

    le = sub.add_parser(
        "letters", help="recall accuracy on similar 5 x 7 letters, rule by rule")
    le.add_argument("--letters", help="letters to store (default: the most similar)")
    le.add_argument("--set-size", type=_int_at_least(2), default=4,
                    help="letters in the set")
    le.add_argument("--trials", type=_positive_int, default=500,
                    help="distorted inputs per letter and k")
    le.add_argument("--k-max", type=_positive_int, default=7,
                    help="largest number of flips")
    le.add_argument("--seed", type=_count, default=0)
    le.add_argument("--rate", type=_rate, default=0.01,
                    help="compact model's approach rate per pulse")
    le.add_argument("--cycles", type=_positive_int, default=None,
                    help="training cycles")
    le.add_argument("--rules", nargs="+", choices=rule_names(), default=None,
                    metavar="RULE",
                    help="rules of ubhop.rules to compare, with their defaults "
                         f"(choices: {', '.join(rule_names())}; default: outer, "
                         "projection and two compact models)")
    le.add_argument("--json", help="write the table as JSON here")
    le.add_argument("--device", nargs="+", metavar="RUN", default=(),
                    help="trained 35-node runs of these letters: their calibrated "
                         "weights become rules beside the others")
    le.set_defaults(func=_letters)

    lo = sub.add_parser(
        "logic", help="learn a logic gate (AND, OR, NAND, NOR, XOR, XNOR) and print "
                      "its truth table")
    lo.add_argument("gate")
    lo.add_argument("--rule", choices=rule_names(), default="outer",
                    help="learning rule (ubhop.rules)")
    lo.add_argument("--rate", type=_rate, default=0.1,
                    help="compact model's approach rate per pulse")
    lo.add_argument("--bias-ratio", type=_positive, default=1.0,
                    help="compact model: alpha of the (out, bias) pair over the "
                         "others' (AND needs > 1.5)")
    lo.add_argument("--pulses", type=_positive_int, default=1,
                    help="pulses per pattern")
    lo.add_argument("--cycles", type=_positive_int, default=30)
    lo.add_argument("--noise", type=_nonnegative, default=0.0,
                    help="relative error in the weights")
    lo.add_argument("--trials", type=_positive_int, default=100)
    lo.add_argument("--seed", type=_count, default=0)
    lo.set_defaults(func=_logic)

    cp = sub.add_parser(
        "compare", help="compare a submission (another solver's answer to a "
                        "reference problem) with ubhop's reference; exit 0 pass, "
                        "1 fail, 2 bad submission")
    cp.add_argument("submission", help="directory with manifest.toml and its files")
    cp.add_argument("--problem", required=True,
                    help="the reference problem (ubhop reference list)")
    cp.add_argument("--reference", help="another reference directory (default: "
                                        "the one shipped with ubhop)")
    cp.add_argument("--json", help="also write the comparison as JSON here")
    cp.set_defaults(func=_compare)

    rf = sub.add_parser(
        "reference", help="the reference problems: list them, make the references "
                          "(OOMMF), or write a submission from an engine")
    rf.add_argument("action", choices=["list", "make", "write-submission"])
    rf.add_argument("--problem", help="one problem (default: all)")
    rf.add_argument("--engine", choices=engine_names(auto=True),
                    help="write-submission: the engine (default auto)")
    rf.add_argument("--out", help="output directory (make: default the package's "
                                  "reference directories; several problems go "
                                  "into DIR/<problem>)")
    rf.add_argument("--threads", type=_positive_int, default=None,
                    help="engine threads (default: the engine's)")
    rf.set_defaults(func=_reference)

    return parser


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so that clean-up code runs."""


def _on_sigterm(signum, frame):
    raise Terminated


def main(argv=None) -> int:
    """Entry point of the ``ubhop`` command.

    Returns 0 on success, 2 for an error (printed without a traceback), 1 when
    members of a family failed, 130 after Ctrl-C and 143 after SIGTERM: both
    stop after cleaning up (engine workers, temporary directories) and leave
    every finished step in the run directory, so that the same command
    resumes.
    """
    import signal

    argv = list(sys.argv[1:] if argv is None else argv)
    # argparse reads a value that starts with '-' as an option: join a state
    # such as '-+-+' to its option, as if written --state=-+-+
    for k in range(len(argv) - 1):
        if argv[k] == "--state" and re.fullmatch(r"[+-]+", argv[k + 1]):
            argv[k:k + 2] = [f"--state={argv[k + 1]}", ""]
    args = build_parser().parse_args([a for a in argv if a != ""])
    previous = None
    if _in_main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return args.func(args)
    except (ValueError, RuntimeError, FileNotFoundError, OSError) as exc:
        print(f"ubhop: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as exc:
        what = "terminated" if isinstance(exc, Terminated) else "interrupted"
        print(f"\nubhop: {what}. Every finished step is kept: run the same "
              f"command again to resume.", file=sys.stderr)
        return 143 if isinstance(exc, Terminated) else 130
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _in_main_thread() -> bool:
    """Whether this is the main thread (only it may set signal handlers)."""
    import threading

    return threading.current_thread() is threading.main_thread()


if __name__ == "__main__":
    sys.exit(main())
