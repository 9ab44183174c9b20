"""The ``ubhop`` command line: demo, train, analyse, ensemble, energy, recall,
letters, logic."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np


def _print_matrix(g, label, names=None):
    n = len(g)
    names = names or [str(k) for k in range(n)]
    print(f"{label} (mS):")
    print("      " + "".join(f"{x:>11}" for x in names))
    for k, row in enumerate(np.asarray(g) * 1e3):
        print(f"  {names[k]:>3} " + "".join(f"{v:11.6f}" for v in row))


def _report(run_dir, result, engine_name, seconds):
    s = result["summary"]
    hist = result["history"]
    names = ["N", "E", "S", "W"] if hist.G.shape[1] == 4 else None
    _print_matrix(hist.G.values[0], "G before training", names)
    _print_matrix(hist.G.values[-1], "G after training", names)
    print(f"eq. (1) fit: eta = {s['eta_S_per_V2']:.4g} +- {s['eta_err']:.2g} S/V^2 "
          f"per pulse; min R^2 over pairs = {s['min_r2']:.3f}")
    for p in s["pairs"]:
        i, j = p["pair"]
        lab = f"{names[i]}{names[j]}" if names else f"{i}{j}"
        alpha = (f"alpha = {p['alpha_V2_per_S']:.4g} +- {p['alpha_err']:.2g} V^2/S"
                 if p["identifiable"] else "alpha not identifiable (one sign)")
        print(f"  G{lab}: rate 2 eta alpha = {p['rate']:.3f} +- {p['rate_err']:.2g}, "
              f"{alpha}, R^2 = {p['r2']:.3f}")
    sf = s["surviving_fraction"]["median"]
    print(f"median fraction of each pulse's change in G that survives relaxation: "
          f"{sf:.2f}" if sf is not None else "no pulse changed G")
    firsts = ", ".join(f"{x:.2f}" for x in s["surviving_fraction"]["first_of_segment"])
    print(f"  at the first pulse of each pattern: {firsts}")
    wm = s["weight_map"]
    print(f"weight map: sign {wm['sign']:+d} (correlation of the first pulse's dG "
          f"with V_i V_j: {wm['correlation']:+.2f})")
    print(f"engine: {engine_name}; {seconds:.0f} s; run directory: {run_dir}; "
          f"figure: {Path(run_dir) / 'figures' / 'fig2.png'}")


def _train_and_report(config, run_dir, engine_name, progress=True):
    from .analysis import analyse
    from .engines import get_engine
    from .training import train

    engine = get_engine(engine_name)
    print(f"engine: {engine.name}")
    t0 = time.perf_counter()
    train(config, run_dir, engine=engine, progress=progress)
    result = analyse(run_dir)
    _report(run_dir, result, engine.name, time.perf_counter() - t0)
    return 0


def _demo(args):
    from .demo import demo_config

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
    from .analysis import analyse

    result = analyse(args.run)
    _report(args.run, result, "(from the run)", 0.0)
    return 0


def _ensemble(args):
    import dataclasses

    from .engines import get_engine
    from .ensemble import (
        ensemble_summary,
        format_ensemble_summary,
        switching_threshold,
        train_ensemble,
    )
    from .training import TrainingConfig

    config = TrainingConfig.from_toml(args.config)
    if args.engine:
        config = dataclasses.replace(config, engine=args.engine)
    out = Path(args.out) if args.out else Path("runs") / f"{Path(args.config).stem}_ens"
    if args.below is not None and not 0 < args.below <= 1:
        raise ValueError(f"--below must lie in (0, 1], got {args.below!r}.")
    engine = get_engine(config.engine)
    print(f"engine: {engine.name}")
    if args.below is not None:
        lo, hi = args.bracket
        print(f"0 K switching threshold of one {config.steps[0][1]!r} pulse, "
              f"bisected in [{lo * 1e3:g}, {hi * 1e3:g}] mT:")
        thr = switching_threshold(config, lo, hi, out / "threshold",
                                  steps=args.steps, engine=engine)
        peak = args.below * thr.hi
        print(f"threshold in [{thr.lo * 1e3:.4f}, {thr.hi * 1e3:.4f}] mT; training "
              f"at {args.below:g} x {thr.hi * 1e3:.4f} = {peak * 1e3:.4f} mT")
        config = dataclasses.replace(config, peak_field=peak, v0=None)
    ens = train_ensemble(config, out / "runs", args.realisations, engine=engine,
                         progress=not args.quiet)
    s = ensemble_summary(ens)
    print(f"{s['realisations']} realisations x {s['pulses']} pulses at "
          f"{config.temperature:g} K")
    print(format_ensemble_summary(s, "NESW" if ens.G.shape[-1] == 4 else None))
    print(f"runs: {out / 'runs'}")
    return 0


def _add_reference(parser) -> None:
    from .associative import REFERENCES

    parser.add_argument("--reference", choices=REFERENCES,
                        default="start",
                        help="G_ref of the weight map: the relaxed start (default), "
                             "G_avg fitted over all runs of a seven-pattern "
                             "experiment, or over the other runs (cross-validated)")


def _energy(args):
    from .associative import energy_command

    return energy_command(args.run, reference=args.reference)


def _recall(args):
    from .associative import recall_command

    return recall_command(args.run, args.state, seed=args.seed,
                          reference=args.reference)


def _letters(args):
    from .accuracy import letters_command

    return letters_command(letter_set=args.letters, set_size=args.set_size,
                           trials=args.trials, k_max=args.k_max, seed=args.seed,
                           rate=args.rate, cycles=args.cycles, json_path=args.json,
                           device_runs=args.device)


def _logic(args):
    from .logic import logic_command

    return logic_command(args.gate, args.rule, args.rate, args.pulses, args.cycles,
                         args.noise, args.trials, args.seed, args.bias_ratio)


def main(argv=None) -> int:
    """Entry point of the ``ubhop`` command."""
    parser = argparse.ArgumentParser(
        prog="ubhop",
        description="Self-learning magnetic Hopfield network (Niu et al., PNAS 2024).",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser(
        "demo", help="train the small 4-node device on '++--', then switch pattern")
    demo.add_argument("--engine", default="auto",
                      choices=["auto", "oommf", "magnumnp"])
    demo.add_argument("--run", help="run directory (default runs/demo)")
    demo.add_argument("--pulses", type=int, default=None,
                      help="pulses per pattern (default: the demo's)")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(func=_demo)

    tr = sub.add_parser("train", help="train a device from a TOML configuration")
    tr.add_argument("config", help="TOML file with [device] and [training]")
    tr.add_argument("--run", help="run directory (default runs/<config name>)")
    tr.add_argument("--engine", choices=["auto", "oommf", "magnumnp"],
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
    es.add_argument("--realisations", type=int, default=16)
    es.add_argument("--out", help="ensemble directory (default runs/<config>_ens)")
    es.add_argument("--below", type=float, default=None,
                    help="train at this fraction of the bisected 0 K threshold "
                         "(e.g. 0.99) instead of the configuration's field")
    es.add_argument("--bracket", type=float, nargs=2, default=[1e-3, 50e-3],
                    metavar=("LO", "HI"),
                    help="peak fields (T) that bracket the threshold")
    es.add_argument("--steps", type=int, default=8, help="bisection steps")
    es.add_argument("--engine", choices=["auto", "oommf", "magnumnp"],
                    help="override the configuration's engine")
    es.add_argument("--quiet", action="store_true", help="no progress bar")
    es.set_defaults(func=_ensemble)

    en = sub.add_parser("energy",
                        help="Hopfield energies of all states of a trained run")
    en.add_argument("run", help="run directory (or a seven-pattern experiment)")
    _add_reference(en)
    en.set_defaults(func=_energy)

    rc = sub.add_parser("recall", help="recall from a state with a run's weights")
    rc.add_argument("run", help="run directory (or a seven-pattern experiment)")
    rc.add_argument("--state", required=True, help="input state, e.g. '+-+-'")
    rc.add_argument("--seed", type=int, default=0, help="seed of the update order")
    _add_reference(rc)
    rc.set_defaults(func=_recall)

    le = sub.add_parser(
        "letters", help="recall accuracy on similar 5 x 7 letters, rule by rule")
    le.add_argument("--letters", help="letters to store (default: the most similar)")
    le.add_argument("--set-size", type=int, default=4, help="letters in the set")
    le.add_argument("--trials", type=int, default=500,
                    help="distorted inputs per letter and k")
    le.add_argument("--k-max", type=int, default=7, help="largest number of flips")
    le.add_argument("--seed", type=int, default=0)
    le.add_argument("--rate", type=float, default=0.01,
                    help="compact model's approach rate per pulse")
    le.add_argument("--cycles", type=int, default=None, help="training cycles")
    le.add_argument("--json", help="write the table as JSON here")
    le.add_argument("--device", nargs="+", metavar="RUN", default=(),
                    help="trained 35-node runs of these letters: their calibrated "
                         "weights become rules beside the others")
    le.set_defaults(func=_letters)

    lo = sub.add_parser(
        "logic", help="learn a logic gate (AND, OR, NAND, NOR, XOR, XNOR) and print "
                      "its truth table")
    lo.add_argument("gate")
    lo.add_argument("--rule", choices=["outer", "projection", "compact"],
                    default="outer")
    lo.add_argument("--rate", type=float, default=0.1,
                    help="compact model's approach rate per pulse")
    lo.add_argument("--bias-ratio", type=float, default=1.0,
                    help="compact model: alpha of the (out, bias) pair over the "
                         "others' (AND needs > 1.5)")
    lo.add_argument("--pulses", type=int, default=1, help="pulses per pattern")
    lo.add_argument("--cycles", type=int, default=30)
    lo.add_argument("--noise", type=float, default=0.0,
                    help="relative error in the weights")
    lo.add_argument("--trials", type=int, default=100)
    lo.add_argument("--seed", type=int, default=0)
    lo.set_defaults(func=_logic)

    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, RuntimeError, FileNotFoundError) as exc:
        print(f"ubhop: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
