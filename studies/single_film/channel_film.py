"""The pair-channel film on an engine: one film, 300 K pulses, ubhop's training.

Route 3 of issue 17 as a ``Device`` and a ``TrainingConfig``
(``ubhop.ChannelFilm``): one row of Fe islands (cubic anisotropy, easy axes x
and y) per pair of pads, two Au line levels (A along each row, B across it),
the conductance of each pair its row's islands in series with AMR. Every
step below is ``ubhop.train`` on an engine, so the film, its fields and its
readout are those a user gets from the TOML this script writes.

1. The design's field check (``ChannelFilm.crosstalk``): how much of a row's
   drive comes from the other rows' lines, and how even the drive is over
   the islands.
2. The 0 K thresholds, bisected over the pulse's peak field with single
   0.2 ns pulses of the pattern ``--pattern``: x -> y for the rows on line A
   (from every island along x) and y -> x for the rows on line B (from every
   island along y); then a ramp of single pulses above it gives each
   island's own threshold (the spread that the islands' stray fields and
   the lines' fields leave between identical islands).
3. Calibration at 300 K: single pulses from the switch's start axis at a
   few fractions of each threshold give the switching probability ``q``
   per pulse; the A field for ``--q`` is the run's peak field, and the B
   lines' gain is set so that the B switch gets its own field for ``--q``.
4. One film at 300 K, from a relaxed start with each island on a random
   axis, pulsed ``--pulses`` times with each pattern of ``--schedule`` (by
   default "+-+" then "++-", the Fig. 2 switch). ``ubhop verdict`` is then
   applied to the run directory (eq. (1) per pair: R^2, first-pulse share,
   correlation with V_i V_j).

Writes ``--out`` (a JSON summary) with ``setup.json`` (steps 1-3) and the
run directory ``run/`` beside it, and prints the tables; the run resumes
after a crash (``--resume``), ``--resume --summarise`` summarises a run as
far as it got, and ``--analyse-only`` reprints a committed result. The
textures (``run/textures``, ``start.ovf``) are not committed.

Run: python studies/single_film/channel_film.py [--engine oommf] [--units 8]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

import discretisedfield as df
import numpy as np

import ubhop
from ubhop import runs
from ubhop.thresholds import bisect_threshold
from ubhop.verdict import eq1_verdict

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "studies" / "single_film" / "data" / "channel_film" / "summary.json"


def make_film(args, b_gain: float = 1.0) -> ubhop.ChannelFilm:
    """The film of the study."""
    return ubhop.ChannelFilm(n_nodes=args.nodes, units=args.units, cell=args.cell,
                             pitch=args.pitch, row_pitch=args.row_pitch,
                             dummies=args.dummies, K1_spread=args.spread,
                             seed=args.seed, b_gain=b_gain)


def one_pulse(dev, pattern, peak, start, args, work, temperature=0.0,
              seed=0) -> df.Field:
    """The texture after one pulse of ``pattern`` at ``peak`` (T) and relaxing."""
    run = Path(tempfile.mkdtemp(dir=work))
    cfg = ubhop.TrainingConfig(device=dev, schedule=[(pattern, 1)], peak_field=peak,
                               pulse_duration=args.duration, start=start,
                               engine=args.engine, temperature=temperature,
                               seed=seed)
    ubhop.train(cfg, run, progress=False)
    m = runs.read_field(runs.texture_path(run, 1))
    shutil.rmtree(run)
    return df.Field(dev.mesh, nvdim=3, value=m.array)


def switches(args):
    """The study's film and its two switches under ``args.pattern``.

    Returns ``dev`` and, per switch, ``(name, start, rows, to_y)``: line A
    takes the rows with ``V_i V_j = -1`` from x (``uniform_x``) to y, line B
    the others from y back to x.
    """
    dev = make_film(args)
    v = ubhop.training_voltages(args.pattern, 1.0, dev.n_nodes)
    on_a = np.array([v[i] * v[j] < 0 for i, j in dev.pairs])
    return dev, (("A", "uniform_x", on_a, True), ("B", "uniform_y", ~on_a, False))


def thresholds(args, work) -> dict:
    """0 K thresholds (T, as the pulse's peak field) of both switches."""
    dev, both = switches(args)
    out = {}
    for name, start, rows, to_y in both:
        def change(peak, start=start, rows=rows, to_y=to_y, name=name):
            f = dev.across_fraction(one_pulse(dev, args.pattern, peak, start, args,
                                              work))[rows]
            moved = float((f if to_y else 1 - f).max())
            print(f"  line {name}: {peak * 1e3:7.3f} mT -> {moved:.3f} of a row "
                  f"switched", flush=True)
            return moved

        lo, hi, probes = bisect_threshold(change, args.lo, args.hi, args.steps,
                                          0.5 / args.units)
        out[name] = {"lo": lo, "hi": hi, "probes": probes}
    return out


def island_thresholds(args, work, th) -> dict:
    """Each island's 0 K threshold (T): the weakest field of a ramp that switched it.

    The ramp runs in ``args.ramp`` steps from the top of the bisected
    bracket of the weakest island to ``args.ramp_top`` times it; an island
    that no field of the ramp switched gets NaN.
    """
    dev, both = switches(args)
    out = {}
    for name, start, rows, to_y in both:
        fields = th[name]["hi"] * np.linspace(1.0, args.ramp_top, args.ramp)
        first = np.full((len(dev.pairs), dev.units), np.nan)
        for peak in fields:
            s = dev.unit_states(one_pulse(dev, args.pattern, peak, start, args, work))
            across = np.abs(s[..., 1]) > np.abs(s[..., 0])
            moved = (across if to_y else ~across) & rows[:, None]
            first[np.isnan(first) & moved] = peak
            print(f"  line {name}: {peak * 1e3:7.3f} mT: {int(moved.sum())} islands "
                  f"switched", flush=True)
        out[name] = {"fields": fields.tolist(),
                     "first": [[None if np.isnan(x) else float(x) for x in r]
                               for r, keep in zip(first, rows, strict=True) if keep]}
    return out


def calibrate(args, work, th) -> dict:
    """Switching probability of one 300 K pulse against its peak field, per switch.

    From every island on the switch's start axis, one pulse at each fraction
    ``args.calibrate`` of the switch's 0 K threshold (the weakest island's);
    the fraction of the islands on the switch's rows that switched is the
    per-pulse probability ``q``. The field for ``args.q`` comes from a
    straight line fitted to ``log q`` against the field (kept within the
    probed range).
    """
    dev, both = switches(args)
    out = {}
    for name, start, rows, to_y in both:
        thr = 0.5 * (th[name]["lo"] + th[name]["hi"])
        fields, q = [], []
        for k, below in enumerate(args.calibrate):
            f = dev.across_fraction(one_pulse(dev, args.pattern, below * thr, start,
                                              args, work, 300.0, 1000 + k))[rows]
            fields.append(below * thr)
            q.append(float((f if to_y else 1 - f).mean()))
            print(f"  line {name}: {below:.3f} of the threshold, 300 K: q = "
                  f"{q[-1]:.3f}", flush=True)
        # log q linear in the field (Arrhenius near the threshold), fitted
        # through the probes that switched something; kept in their range
        ok = np.array(q) > 0
        if ok.sum() >= 2 and np.ptp(np.array(fields)[ok]) > 0:
            slope, icpt = np.polyfit(np.array(fields)[ok], np.log(np.array(q)[ok]), 1)
            pick = ((np.log(args.q) - icpt) / slope if slope > 0
                    else float(np.mean(fields)))
        else:
            pick = max(fields)
        pick = float(np.clip(pick, min(fields), max(fields)))
        out[name] = {"fields": fields, "q": q, "field": pick}
    return out


def random_start(dev, args, work) -> Path:
    """A relaxed start with each island along one of +-x, +-y at random (OVF)."""
    rng = np.random.default_rng([args.seed, 3])
    axes = np.array([(1, 0, 0), (-1, 0, 0), (0, 1, 0), (0, -1, 0)], dtype=float)
    pick = axes[rng.integers(0, 4, len(dev.pairs) * (dev.units + 2 * dev.dummies))]
    labels = dev.island_labels(include_dummies=True)
    arr = np.zeros((*dev.n[:2], 1, 3))
    arr[..., 0, :] = np.where((labels >= 0)[..., None], pick[labels], (1, 0, 0))
    engine = ubhop.get_engine(args.engine)
    (m,) = engine.run(dev, df.Field(dev.mesh, nvdim=3, value=arr), [ubhop.Relax()])
    path = Path(work) / "start.ovf"
    runs.write_field(path, m)
    return path


def scrub_provenance(run_dir) -> None:
    """Name the engine's runner by its program, not by where it lies on a host."""
    path = Path(run_dir) / "provenance.json"
    if path.exists():
        text = re.sub(r"/[^\s\"()']*/([^/\s\"()']+)", r"\1", path.read_text())
        runs.write_text(path, text)


def fractions(run_dir, dev) -> list:
    """Per step: the fraction of each row's islands across it (y)."""
    hist = runs.read_history(Path(run_dir) / "history.nc")
    return [dev.across_fraction(runs.read_field(runs.texture_path(run_dir, int(s))))
            .tolist() for s in hist.step.values]


def crosstalk_table(args) -> str:
    """``ChannelFilm.crosstalk`` of the study's film against the row pitch."""
    lines = [f"field check of a film of {args.nodes} pads, {args.units} islands per "
             f"row {args.pitch * 1e9:g} nm apart (ChannelFilm.crosstalk; "
             "A lines a quarter of the row pitch wide):",
             "| row pitch (nm) | field across the drive | spread of the drive | "
             "out of plane |", "| --- | --- | --- | --- |"]
    for rp in (160e-9, 320e-9, 480e-9, 640e-9):
        args.row_pitch = rp
        c = make_film(args).crosstalk()
        lines.append(f"| {rp * 1e9:g} | {100 * c['perpendicular']:.1f} % | "
                     f"{100 * c['spread']:.1f} % | {100 * c['out_of_plane']:.0f} % |")
    return "\n".join(lines)


def report(res) -> str:
    """The tables of a result."""
    a = res["args"]
    lines = [f"film: {a['nodes']} pads, {len(res['pairs'])} rows of {a['units']} Fe "
             f"islands (40 nm, {a['cell'] * 1e9:g} nm cells, "
             f"{a.get('pitch', 160e-9) * 1e9:g} nm apart, "
             f"{a.get('dummies', 0)} dummies at each end), rows "
             f"{a['row_pitch'] * 1e9:g} nm apart, engine {res['engine']}",
             "field check (ChannelFilm.crosstalk): in-plane field across a row's own "
             f"drive up to {100 * res['crosstalk']['perpendicular']:.1f} % of it; "
             "spread of the drive over the islands "
             f"{100 * res['crosstalk']['spread']:.1f} %; out of plane up to "
             f"{100 * res['crosstalk']['out_of_plane']:.0f} %"]
    th = res["thresholds"]
    lines.append(f"0 K thresholds of the weakest island (pulse peak field): line A "
                 f"(x -> y) {th['A']['lo'] * 1e3:.3f}-{th['A']['hi'] * 1e3:.3f} mT, "
                 f"line B (y -> x) {th['B']['lo'] * 1e3:.3f}-"
                 f"{th['B']['hi'] * 1e3:.3f} mT")
    for name, d in res.get("island_thresholds", {}).items():
        first = np.array([[np.nan if x is None else x for x in r] for r in d["first"]])
        lo = d["fields"][0]
        share = np.isfinite(first).mean()
        rel = first[np.isfinite(first)] / lo - 1
        if not rel.size:
            rel = np.array([np.nan])
        lines.append(f"line {name}, each island's 0 K threshold over the weakest's: "
                     f"median +{100 * np.median(rel):.1f} %, max "
                     f"+{100 * np.max(rel):.1f} %; {100 * share:.0f} % of the islands "
                     f"switched by {d['fields'][-1] * 1e3:.2f} mT "
                     f"(+{100 * (d['fields'][-1] / lo - 1):.0f} %)")
        for r in first:
            lines.append("    " + " ".join("  -  " if np.isnan(x) else f"{x * 1e3:5.2f}"
                                           for x in r))
    for name, d in res.get("ramp_counts", {}).items():
        lines.append(f"line {name}, islands switched by one 0 K pulse: " + ", ".join(
            f"{n} at {f * 1e3:.3f} mT" for f, n in zip(d["fields"], d["counts"],
                                                      strict=True)))
    if "calibration" not in res:
        return "\n".join(lines)
    for name, c in res["calibration"].items():
        lines.append(f"line {name}, one 300 K pulse: q = " + ", ".join(
            f"{q:.2f} at {f * 1e3:.3f} mT" for f, q in zip(c["fields"], c["q"],
                                                          strict=True))
            + f"; q = {a['q']} at {c['field'] * 1e3:.3f} mT")
    lines.append(f"300 K: {a['schedule']}, {a['pulses']} pulses each, "
                 f"peak field {res['peak_field'] * 1e3:.3f} mT (line A), B gain "
                 f"{res['b_gain']:.3f}, pulses of {a['duration'] * 1e9:g} ns, "
                 f"{res['train_s']:.0f} s")
    if res.get("note"):
        lines.append(f"note: {res['note']}")
    lines.append("fraction of each row across (y) after each pulse:")
    lines.append("| step | " + " | ".join(f"{i}{j}" for i, j in res["pairs"]) + " |")
    lines.append("| --- |" + " --- |" * len(res["pairs"]))
    for s, f in enumerate(res["fractions"]):
        lines.append(f"| {s} | " + " | ".join(f"{x:.3f}" for x in f) + " |")
    lines.append("eq. (1) per segment (ubhop verdict):")
    for seg in res["verdict"]:
        failed = ", ".join(k for k, v in seg["checks"].items() if not v) or "none"
        lines.append(f"  {seg['pattern']} x {seg['pulses']}: R^2 of the moving pairs "
                     f"{seg['r2']}, first pulse {seg['first_share']:.2f}, corr "
                     f"{seg['corr']:+.2f}, {'PASS' if seg['passed'] else 'fail'} "
                     f"(failed: {failed})")
    return "\n".join(lines)


def setup(args, work) -> dict | None:
    """Field check, thresholds, calibration and start: ``setup.json`` of a run.

    Returns None after ``--thresholds-only`` (the summary is then written).
    """
    dev = make_film(args)
    cross = dev.crosstalk()
    print("thresholds at 0 K:", flush=True)
    th = thresholds(args, work)
    per_island = {}
    if args.ramp:
        print("each island's threshold at 0 K:", flush=True)
        per_island = island_thresholds(args, work, th)
    res = {"args": {k: (str(v) if isinstance(v, Path) else v)
                    for k, v in vars(args).items()},
           "engine": args.engine, "pairs": dev.pairs,
           "crosstalk": {k: float(v) for k, v in cross.items()},
           "thresholds": th, "island_thresholds": per_island}
    if args.thresholds_only:
        runs.write_json(args.out, res)
        print(report(res))
        return None
    print(f"one 300 K pulse, per switch (target q = {args.q}):", flush=True)
    cal = calibrate(args, work, th)
    b_gain = cal["B"]["field"] / cal["A"]["field"]
    start = random_start(make_film(args, b_gain=b_gain), args, work)
    # the start stays beside the run (not committed: one texture is ~1 MB)
    kept = args.out.parent.resolve() / "start.ovf"
    shutil.copy2(start, kept)
    # named from the repository's root where it lies inside it
    name = (kept.relative_to(ROOT) if kept.is_relative_to(ROOT) else kept).as_posix()
    res.update({"calibration": cal, "b_gain": b_gain, "peak_field": cal["A"]["field"],
                "start": name, "train_s": 0.0})
    runs.write_json(args.out.parent / "setup.json", res)
    return res


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--engine", default="oommf", choices=["oommf", "magnumnp"])
    p.add_argument("--nodes", type=int, default=3)
    p.add_argument("--units", type=int, default=8)
    p.add_argument("--cell", type=float, default=10e-9)
    p.add_argument("--pitch", type=float, default=160e-9)
    p.add_argument("--row-pitch", type=float, default=480e-9)
    p.add_argument("--dummies", type=int, default=2)
    p.add_argument("--spread", type=float, default=0.0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--pattern", default="+-+", type=str,
                   help="the pattern of the 0 K thresholds and the calibration")
    p.add_argument("--schedule", default="+-+,++-",
                   help="the patterns of the 300 K run, comma-separated, --pulses "
                        "each")
    p.add_argument("--pulses", type=int, default=8)
    p.add_argument("--q", type=float, default=0.25,
                   help="switching probability per pulse to aim at")
    p.add_argument("--calibrate", type=float, nargs="+", default=[0.9, 0.94, 0.98],
                   help="fields of the calibration, over the 0 K threshold")
    p.add_argument("--duration", type=float, default=0.2e-9)
    p.add_argument("--lo", type=float, default=4e-3)
    p.add_argument("--hi", type=float, default=20e-3)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--ramp", type=int, default=7)
    p.add_argument("--ramp-top", type=float, default=1.08)
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--analyse-only", action="store_true")
    p.add_argument("--resume", action="store_true",
                   help="go on with the run beside --out (setup.json, run/)")
    p.add_argument("--summarise", action="store_true",
                   help="with --resume: summarise the run as far as it got")
    p.add_argument("--thresholds-only", action="store_true",
                   help="stop after the 0 K thresholds (no 300 K pulses)")
    p.add_argument("--crosstalk", action="store_true",
                   help="print the field check for rows 160-640 nm apart (no engine)")
    args = p.parse_args(argv)
    if args.analyse_only:
        print(report(json.loads(args.out.read_text())))
        return 0
    if args.crosstalk:
        print(crosstalk_table(args))
        return 0
    # the run names its start from the repository's root (no machine path)
    args.out = args.out.resolve()
    os.chdir(ROOT)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    run_dir = args.out.parent / "run"
    setup_path = args.out.parent / "setup.json"
    if args.resume:
        # the film, its thresholds and calibration as the first call found
        # them; the run goes on from its last complete pulse
        res = json.loads(setup_path.read_text())
        for key in ("nodes", "units", "cell", "pitch", "row_pitch", "dummies",
                    "spread", "seed", "engine", "pulses", "schedule", "duration"):
            setattr(args, key, res["args"][key])
    else:
        with tempfile.TemporaryDirectory(prefix="channel-film-") as work:
            res = setup(args, work)
        if res is None:
            return 0
        if run_dir.exists():
            shutil.rmtree(run_dir)
    if not args.summarise:
        dev = make_film(args, b_gain=res["b_gain"])
        schedule = [(p_, args.pulses) for p_ in args.schedule.split(",")]
        cfg = ubhop.TrainingConfig(
            device=dev, schedule=schedule, peak_field=res["peak_field"],
            pulse_duration=args.duration, start=res["start"],
            temperature=300.0, seed=args.seed, engine=args.engine)
        t0 = time.perf_counter()
        ubhop.train(cfg, run_dir)
        res["train_s"] = res.get("train_s", 0.0) + time.perf_counter() - t0
        runs.write_json(setup_path, res)
    scrub_provenance(run_dir)
    dev = make_film(args, b_gain=res["b_gain"])
    res["fractions"] = fractions(run_dir, dev)
    verdict = eq1_verdict(run_dir)
    res["verdict"] = [
        {"pattern": s.pattern, "pulses": s.pulses,
         "r2": [None if not q["moving"] else round(float(q["r2"]), 3)
                for q in s.pairs],
         "first_share": float(s.first_share), "corr": float(s.corr),
         "checks": {k: bool(v) for k, v in s.checks.items()},
         "passed": bool(s.passed)} for _, s in verdict["segments"]]
    runs.write_json(args.out, res)
    print(report(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
