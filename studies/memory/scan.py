"""Gradual memory in the 4-node square: the parameter scan.

What it measures
----------------
Each configuration trains a ``Device.square4`` film with ``ubhop.training.train``:
N pulses of the pattern "++--" followed by N pulses of "+--+" (N = 10, or 8
for the 2 um film and the ``uniform_diag`` runs), with an energy minimisation
(or, for one run, a damped time evolution) after every pulse. From the
conductance history it computes, per schedule segment,

* the eq. (1) fit of every pair (``ubhop.learning.fit_pair``): R^2 and rate;
* ``antihebb_match``: the fraction of the 6 pairs whose net change has the sign
  of -V_i V_j;
* ``corr_dG_VV``: the correlation of the net change with V_i V_j;
* ``first_step_share``: the first pulse's share of each pair's total |dG|;
* ``sign_reversals``: how often a pair's per-pulse change flips sign;
* ``rel_change_pct``: each pair's net relative change (%),

and, over the whole run, ``ubhop.training.surviving_fraction`` per pulse and
its median. ``make_table.py`` turns these records into the study's table; see
``README.md`` for the definitions and the findings.

How to rerun
------------
From the repository root (OOMMF must be available to ubhop)::

    python studies/memory/scan.py --out studies/memory/data            # every run
    python studies/memory/scan.py --only D2_k2e4_15mT_0.2ns --out studies/memory/data

The runs are one family of ``ubhop.sweep`` (``--workers N`` runs N at once,
``--scheduler ADDRESS`` on a Dask cluster). Each run goes to ``OUT/runs/NAME``
and its record is appended to ``OUT/results.jsonl``. A run whose history is
complete is not run again (a run with a record is only reprinted); an
interrupted run resumes from its last complete step (ubhop runs resume). A run with
``--engine magnumnp`` stores another configuration than the OOMMF run of the same name,
so give it another ``--out``.

``CONFIGS`` holds the runs of the study's table. ``EXTRA_CONFIGS`` holds runs
that were planned or tried but are not in the table (run them with ``--only``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

import ubhop
from ubhop import runs
from ubhop.analysis import analyse
from ubhop.learning import fit_pair
from ubhop.schedule import Relax
from ubhop.sweep import Family, run_family
from ubhop.training import TrainingConfig, surviving_fraction

PAIRS = [(i, j) for i in range(4) for j in range(i + 1, 4)]
NODE_NAMES = "NESW"

DEFAULTS = {
    "size": 1e-6,  # film edge (m)
    "cell": 10e-9,  # in-plane cell edge (m)
    "grain": None,  # Voronoi grain size (m); None: no grains
    "K": 0.0,  # grain anisotropy (J/m^3), random in-plane axes
    "K_spread": 0.0,
    "peak": 5e-3,  # peak Oersted field (T)
    "dur": 0.2e-9,  # pulse duration (s)
    "start": "demagnetised",
    "pulses": 8,  # pulses per pattern (int) or one count per pattern
    "pats": ("++--", "+--+"),
    "relax": "minimise",  # "minimise" (MinDriver) or "time"
    "seed": 0,
    "rdur": 2e-9,  # relax duration (s) for relax="time"
    "ralpha": None,  # damping during relax="time"
    "rise": None,  # default: min(50 ps, dur / 4)
    "chunk": None,  # pulses per engine call; default: all of them
    "bx": 1.0,  # grain-boundary exchange / A (Disorder.boundary_exchange)
    "T": 0.0,  # temperature during the pulses (K)
}

# Batch A: 1 um, 50 nm grains, demagnetised start: pulse duration / field / K.
_A = {"size": 1e-6, "pulses": 10, "grain": 50e-9}
# Batch B: starting state and film size.
_B = {"size": 1e-6, "pulses": 10, "grain": 50e-9}
# Batch V: vortex (Landau) start: pinning grain size, field, pulse length, seed.
_V = {"size": 1e-6, "pulses": 10, "start": "vortex"}
# Batch D: uniform_diag start, strong pinning, field near the rotation threshold.
_D = {"size": 1e-6, "pulses": 8, "start": "uniform_diag", "grain": 50e-9}
# Batch F: fine pinning on 5 nm cells.
_F = {"size": 1e-6, "pulses": 8, "cell": 5e-9, "K": 2e4, "K_spread": 0.5}
# Batch G: a granular film, grain boundaries of reduced exchange (bx * A).
_G = {"size": 1e-6, "pulses": 8, "grain": 50e-9, "K": 2e4, "K_spread": 0.5,
      "dur": 0.2e-9}

CONFIGS = [
    {"name": "smoke", "size": 0.5e-6, "grain": 50e-9, "K": 5e3, "peak": 10e-3,
     "dur": 0.2e-9, "pulses": 3},
    {"name": "A1_k5e3_10mT_1ns", **_A, "K": 5e3, "peak": 10e-3, "dur": 1e-9},
    {"name": "A2_k5e3_10mT_0.2ns", **_A, "K": 5e3, "peak": 10e-3, "dur": 0.2e-9},
    {"name": "A3_k5e3_5mT_0.2ns", **_A, "K": 5e3, "peak": 5e-3, "dur": 0.2e-9},
    {"name": "A4_k5e3_20mT_0.1ns", **_A, "K": 5e3, "peak": 20e-3, "dur": 0.1e-9},
    {"name": "A5_k2e4_10mT_0.2ns", **_A, "K": 2e4, "peak": 10e-3, "dur": 0.2e-9},
    {"name": "A6_k2e4_20mT_0.2ns", **_A, "K": 2e4, "peak": 20e-3, "dur": 0.2e-9},
    {"name": "A7_nograin_10mT_0.2ns", "size": 1e-6, "pulses": 10, "peak": 10e-3,
     "dur": 0.2e-9},
    {"name": "B1_diag_k5e3_10mT_0.2ns", **_B, "K": 5e3, "peak": 10e-3,
     "dur": 0.2e-9, "start": "uniform_diag"},
    {"name": "B2_vortex_k5e3_10mT_0.2ns", **_B, "K": 5e3, "peak": 10e-3,
     "dur": 0.2e-9, "start": "vortex"},
    {"name": "B3_diag_k2e4_20mT_0.2ns", **_B, "K": 2e4, "peak": 20e-3,
     "dur": 0.2e-9, "start": "uniform_diag"},
    {"name": "B4_2um_k1e4_10mT_1ns", "size": 2e-6, "pulses": 8, "grain": 50e-9,
     "K": 1e4, "peak": 10e-3, "dur": 1e-9},
    {"name": "V1_nograin_10mT_0.2ns", **_V, "peak": 10e-3, "dur": 0.2e-9},
    {"name": "V2_g20k5e3_10mT_0.2ns", **_V, "grain": 20e-9, "K": 5e3,
     "peak": 10e-3, "dur": 0.2e-9},
    {"name": "V3_g50k5e3_5mT_0.2ns", **_V, "grain": 50e-9, "K": 5e3,
     "peak": 5e-3, "dur": 0.2e-9},
    {"name": "V4_g50k5e3_10mT_0.1ns", **_V, "grain": 50e-9, "K": 5e3,
     "peak": 10e-3, "dur": 0.1e-9},
    {"name": "V5_g50k5e3_10mT_1ns", **_V, "grain": 50e-9, "K": 5e3,
     "peak": 10e-3, "dur": 1e-9},
    {"name": "V6_g50k5e3_20mT_0.1ns", **_V, "grain": 50e-9, "K": 5e3,
     "peak": 20e-3, "dur": 0.1e-9},
    {"name": "V7_g50k5e3_10mT_0.2ns_s1", **_V, "grain": 50e-9, "K": 5e3,
     "peak": 10e-3, "dur": 0.2e-9, "seed": 1},
    {"name": "V8_g50k5e3_10mT_0.2ns_s2", **_V, "grain": 50e-9, "K": 5e3,
     "peak": 10e-3, "dur": 0.2e-9, "seed": 2},
    {"name": "D1_k2e4_20mT_0.1ns", **_D, "K": 2e4, "peak": 20e-3, "dur": 0.1e-9},
    {"name": "D2_k2e4_15mT_0.2ns", **_D, "K": 2e4, "peak": 15e-3, "dur": 0.2e-9},
    {"name": "D3_k1e4_15mT_0.2ns", **_D, "K": 1e4, "peak": 15e-3, "dur": 0.2e-9},
    {"name": "D4_k2e4_20mT_0.2ns_s1", **_D, "K": 2e4, "peak": 20e-3,
     "dur": 0.2e-9, "seed": 1},
    {"name": "D5_k2e4_20mT_0.2ns_time", **_D, "K": 2e4, "peak": 20e-3,
     "dur": 0.2e-9, "relax": "time", "rdur": 2e-9, "ralpha": 0.05},
    # Batch F: a pinning landscape finer than a pulse's step (5 nm cells, below
    # the exchange length; 10-20 nm grains with a 50 % spread of K).
    {"name": "F1_5nm_g20_diag_15mT_0.2ns", **_F, "grain": 20e-9,
     "start": "uniform_diag", "peak": 15e-3, "dur": 0.2e-9},
    {"name": "F2_5nm_g10_vortex_10mT_0.1ns", **_F, "grain": 10e-9,
     "start": "vortex", "peak": 10e-3, "dur": 0.1e-9},
    {"name": "G1_bx0.1_diag_15mT", **_G, "bx": 0.1, "start": "uniform_diag",
     "peak": 15e-3},
    {"name": "G2_bx0.1_demag_15mT", **_G, "bx": 0.1, "start": "demagnetised",
     "peak": 15e-3},
    {"name": "G3_bx0.1_diag_15mT_300K", **_G, "bx": 0.1, "start": "uniform_diag",
     "peak": 15e-3, "T": 300.0},
    {"name": "G4_bx0.1_demag_15mT_300K", **_G, "bx": 0.1, "start": "demagnetised",
     "peak": 15e-3, "T": 300.0},
    {"name": "G5_bx0.02_demag_15mT_300K", **_G, "bx": 0.02,
     "start": "demagnetised", "peak": 15e-3, "T": 300.0},
    {"name": "G6_bx0.1_demag_20mT_300K", **_G, "bx": 0.1, "start": "demagnetised",
     "peak": 20e-3, "T": 300.0},
    {"name": "G7_bx0.1_demag_15mT_300K_s1", **_G, "bx": 0.1, "seed": 1,
     "start": "demagnetised", "peak": 15e-3, "T": 300.0},
    {"name": "G8_2um_bx0.1_demag_15mT_300K", **_G, "size": 2e-6, "bx": 0.1,
     "start": "demagnetised", "peak": 15e-3, "T": 300.0},
]

# Not in the table. B5 was queued after B4 but not run. The b_* runs were a
# first look with magnum.np (pattern pair "++--" / "+-+-", 6 + 6 pulses, one
# engine call per segment); only their conductance printouts were kept.
_P = {"pulses": 6, "pats": ("++--", "+-+-"), "chunk": 6}
EXTRA_CONFIGS = [
    {"name": "B5_2um_k1e4_10mT_0.2ns", "size": 2e-6, "pulses": 8, "grain": 50e-9,
     "K": 1e4, "peak": 10e-3, "dur": 0.2e-9},
    {"name": "b_vortex500", **_P, "size": 0.5e-6, "start": "vortex",
     "peak": 10e-3, "dur": 0.2e-9},
    {"name": "b_g50k5e3_5mT", **_P, "size": 1e-6, "grain": 50e-9, "K": 5e3,
     "peak": 5e-3, "dur": 0.2e-9},
    {"name": "b_g50k5e3_10mT", **_P, "size": 1e-6, "grain": 50e-9, "K": 5e3,
     "peak": 10e-3, "dur": 0.2e-9},
    {"name": "b_g50k1e4_10mT", **_P, "size": 1e-6, "grain": 50e-9, "K": 1e4,
     "peak": 10e-3, "dur": 0.2e-9},
    {"name": "b_g50k5e3_10mT_05ns", **_P, "size": 1e-6, "grain": 50e-9,
     "K": 5e3, "peak": 10e-3, "dur": 0.5e-9},
]


def full_params(config: dict) -> dict:
    """Return ``DEFAULTS`` updated with ``config`` (``name`` removed).

    Parameters
    ----------
    config : dict
        One entry of ``CONFIGS`` or ``EXTRA_CONFIGS``.

    Returns
    -------
    dict
        Every parameter of the run.
    """
    unknown = set(config) - set(DEFAULTS) - {"name"}
    if unknown:
        raise ValueError(f"{config['name']}: unknown parameters {sorted(unknown)}")
    p = {**DEFAULTS, **{k: v for k, v in config.items() if k != "name"}}
    if isinstance(p["pulses"], int):
        p["schedule"] = [(pat, p["pulses"]) for pat in p["pats"]]
    else:
        p["schedule"] = list(zip(p["pats"], p["pulses"], strict=True))
    return p


def training_config(p: dict, engine: str = "oommf") -> TrainingConfig:
    """Build the ``TrainingConfig`` of one run.

    Parameters
    ----------
    p : dict
        Output of ``full_params``.
    engine : str
        ``"oommf"`` or ``"magnumnp"`` (stored in the configuration).

    Returns
    -------
    TrainingConfig
    """
    disorder = None
    if p["grain"]:
        disorder = ubhop.Disorder(grain_size=p["grain"], K=p["K"],
                                  K_spread=p["K_spread"], seed=p["seed"],
                                  boundary_exchange=p["bx"])
    dev = ubhop.Device.square4(size=p["size"], cell=(p["cell"], p["cell"], None),
                               disorder=disorder)
    n_pulses = sum(n for _, n in p["schedule"])
    rise = p["rise"] if p["rise"] is not None else min(50e-12, p["dur"] / 4)
    return TrainingConfig(
        device=dev, schedule=p["schedule"], peak_field=p["peak"],
        pulse_duration=p["dur"], rise=rise,
        relax=Relax(method=p["relax"], duration=p["rdur"], alpha=p["ralpha"]),
        start=p["start"], seed=p["seed"], engine=engine,
        chunk=p["chunk"] or n_pulses, temperature=p["T"],
    )


def _rounded(values, ndigits: int) -> list:
    """Round finite values for JSON; NaN becomes ``None``."""
    return [round(float(x), ndigits) if np.isfinite(x) else None for x in values]


def metrics(hist) -> dict:
    """Per-segment learning metrics of a training history.

    Parameters
    ----------
    hist : xarray.Dataset
        History from ``ubhop.training.train`` (or ``ubhop.runs.read_history``).

    Returns
    -------
    dict
        ``surv_median`` and ``surv`` (surviving fraction per pulse), and
        ``segments``: per segment the ``pattern``, ``steps`` [first, last] (the
        segment's G runs from step ``first`` to ``last``), eq. (1) fit ``r2``
        and ``rate`` per pair, ``antihebb_match``, ``corr_dG_VV``,
        ``first_step_share``, ``sign_reversals`` and ``rel_change_pct``. Pairs
        are ordered as ``PAIRS`` (NE NS NW ES EW SW); a pair that never changes
        has ``None`` for its fit.
    """
    g = hist.G.values
    seg = hist.segment.values
    pats = hist.pattern.values
    sf = surviving_fraction(hist)
    out = {"surv_median": float(np.nanmedian(sf)),
           "surv": [round(float(x), 3) for x in sf], "segments": []}
    steps = np.arange(1, len(g))
    for k in np.unique(seg[1:]):
        idx = steps[seg[1:] == k]
        t0, t1 = idx[0] - 1, idx[-1]
        pat = pats[idx[0]]
        vv = np.outer(pat, pat)
        gh = g[t0:t1 + 1]
        dtot = gh[-1] - gh[0]
        r2, rate, match, jump, zig = [], [], [], [], []
        for i, j in PAIRS:
            x = gh[:, i, j]
            d = np.diff(x)
            if np.abs(d).max() == 0:
                r2.append(np.nan)
                rate.append(np.nan)
                jump.append(np.nan)
                zig.append(0)
            else:
                fit = fit_pair(x, np.full(len(x) - 1, vv[i, j], float))
                r2.append(fit.r2)
                rate.append(fit.rate)
                jump.append(float(abs(d[0]) / np.abs(d).sum()))
                nz = d[np.abs(d) > 1e-3 * np.abs(d).max()]
                zig.append(int((np.sign(nz[1:]) != np.sign(nz[:-1])).sum()))
            match.append(bool(np.sign(dtot[i, j]) == -vv[i, j]))
        dv = np.array([dtot[i, j] for i, j in PAIRS])
        sv = np.array([vv[i, j] for i, j in PAIRS], float)
        corr = float(np.corrcoef(dv, sv)[0, 1]) if dv.std() > 0 else np.nan
        out["segments"].append({
            "pattern": "".join("+" if v > 0 else "-" for v in pat),
            "steps": [int(t0), int(t1)],
            "r2": _rounded(r2, 3),
            "rate": _rounded(rate, 3),
            "antihebb_match": float(np.mean(match)),
            "corr_dG_VV": round(corr, 3),
            "first_step_share": _rounded(jump, 2),
            "sign_reversals": zig,
            "rel_change_pct": [round(float(dtot[i, j] / gh[0][i, j] * 100), 4)
                               for i, j in PAIRS],
        })
    return out


def record(name: str, p: dict, hist, wall: float | None, engine: str) -> dict:
    """The results.jsonl record of one run (parameters, timing, metrics).

    Parameters
    ----------
    name : str
        Run name.
    p : dict
        Output of ``full_params``.
    hist : xarray.Dataset
        The run's history.
    wall : float or None
        Wall time of the training call (s); ``None`` if not measured.
    engine : str
        Engine name.

    Returns
    -------
    dict
    """
    n_pulses = sum(n for _, n in p["schedule"])
    return {
        "name": name, "size": p["size"], "cell": p["cell"], "grain": p["grain"],
        "K": p["K"], "K_spread": p["K_spread"], "start": p["start"],
        "peak_mT": p["peak"] * 1e3, "dur_ns": p["dur"] * 1e9, "relax": p["relax"],
        "rdur_ns": p["rdur"] * 1e9, "ralpha": p["ralpha"],
        "pulses": [n for _, n in p["schedule"]],
        "pats": [pat for pat, _ in p["schedule"]], "seed": p["seed"],
        "engine": engine,
        "wall_s": None if wall is None else round(wall, 1),
        "wall_per_step_s": None if wall is None else round(wall / n_pulses, 2),
        **metrics(hist),
    }


def print_run(rec: dict, hist) -> None:
    """Print a run's relative conductance changes (%) per step and its metrics."""
    g = hist.G.values
    rel = (g - g[0]) / g[0] * 100
    wall = "?" if rec["wall_s"] is None else f"{rec['wall_s']:.0f}s"
    print(f"== {rec['name']}: {wall}  surv_med={rec['surv_median']:.2f}")
    print("pairs:", " ".join(NODE_NAMES[i] + NODE_NAMES[j] for i, j in PAIRS))
    for t in range(len(g)):
        pat = "".join("+" if v > 0 else ("-" if v < 0 else "0")
                      for v in hist.pattern.values[t])
        surv = "" if t == 0 else f"surv={rec['surv'][t - 1]:.2f}"
        print(t, pat, " ".join(f"{rel[t, i, j]:+.4f}" for i, j in PAIRS), surv)
    for s in rec["segments"]:
        print(s["pattern"], "r2", s["r2"], "rate", s["rate"],
              "match", round(s["antihebb_match"], 2), "corr", s["corr_dG_VV"],
              "first", s["first_step_share"], "zig", s["sign_reversals"])
    sys.stdout.flush()


def read_records(path: Path) -> dict:
    """Records of ``results.jsonl`` by name (the last one of each name wins)."""
    recs = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                r = json.loads(line)
                recs[r["name"]] = r
    return recs


def complete_history(run_dir: Path, n_pulses: int):
    """The run's history if it holds all ``n_pulses`` steps, else ``None``."""
    path = run_dir / "history.nc"
    if not path.exists():
        return None
    hist = runs.read_history(path)
    return hist if int(hist.step[-1]) >= n_pulses else None


def report_run(config: dict, out: Path, engine_name: str, done: dict,
               wall: float | None) -> None:
    """Record and print one finished run of the scan.

    Parameters
    ----------
    config : dict
        One entry of ``CONFIGS``.
    out : Path
        Output folder.
    engine_name : str
        Engine of the run.
    done : dict
        Records already in ``results.jsonl``, by name.
    wall : float or None
        Wall time of the training call that finished it (None: finished
        earlier).

    Notes
    -----
    Writes ``OUT/runs/NAME/summary.json`` (``ubhop.analysis.analyse``, no
    figures) and appends the record to ``OUT/results.jsonl``.
    """
    name = config["name"]
    p = full_params(config)
    run_dir = out / "runs" / name
    hist = complete_history(run_dir, sum(n for _, n in p["schedule"]))
    if hist is None:
        print(f"{name}: not finished (see {out / 'record.json'})")
        return
    if name in done:  # reprint the stored run: its steps and metrics
        print_run(done[name], hist)
        return
    analyse(run_dir)  # writes run_dir/summary.json
    rec = record(name, p, hist, wall, engine_name)
    with open(out / "results.jsonl", "a") as f:
        f.write(json.dumps(rec) + "\n")
    done[name] = rec
    print_run(rec, hist)


def main(argv=None) -> None:
    """Command line entry point."""
    ap = argparse.ArgumentParser(
        description="Gradual-memory scan of the 4-node square (see README.md).")
    ap.add_argument("--only", nargs="+", metavar="NAME",
                    help="run only these configurations (also those of "
                         "EXTRA_CONFIGS); default: every run of the table")
    ap.add_argument("--out", type=Path, default=Path("studies/memory/data"),
                    help="output folder (default: %(default)s)")
    ap.add_argument("--engine", choices=("oommf", "magnumnp"), default="oommf",
                    help="micromagnetic engine (default: %(default)s)")
    ap.add_argument("--threads", type=int, default=None,
                    help="engine threads per run (default: cores / runs at once)")
    ap.add_argument("--workers", type=int, default=1,
                    help="runs at once, in local worker processes (default 1)")
    ap.add_argument("--scheduler",
                    help="address of a Dask scheduler to run the runs on instead")
    ap.add_argument("--list", action="store_true",
                    help="list the configurations and exit")
    args = ap.parse_args(argv)

    by_name = {c["name"]: c for c in CONFIGS + EXTRA_CONFIGS}
    if args.list:
        for c in CONFIGS + EXTRA_CONFIGS:
            extra = "  (not in the table)" if c in EXTRA_CONFIGS else ""
            print(c["name"] + extra)
        return
    if args.only:
        missing = [n for n in args.only if n not in by_name]
        if missing:
            ap.error(f"unknown run(s) {missing}; see --list")
        todo = [by_name[n] for n in args.only]
    else:
        todo = CONFIGS
    args.out.mkdir(parents=True, exist_ok=True)
    done = read_records(args.out / "results.jsonl")
    # one family of runs (ubhop.sweep): finished runs are skipped, a failed
    # one is recorded in OUT/record.json while the others go on
    family = Family(None, vary={"name": [c["name"] for c in todo]},
                    configs=[training_config(full_params(c), args.engine)
                             for c in todo],
                    dirname="{name}", members_dir="runs")
    walls = {}
    run_family(family, args.out, workers=args.workers, scheduler=args.scheduler,
               threads=args.threads, gather_results=False,
               on_member=lambda m, r: walls.update({m.name: r["seconds"]}))
    for config in todo:
        report_run(config, args.out, args.engine, done, walls.get(config["name"]))


if __name__ == "__main__":
    main()
