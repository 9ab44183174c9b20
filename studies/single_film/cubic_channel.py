"""One conduction channel of four-fold units, pulsed at 300 K: gradual in ONE film?

Route 3 of issue 17 (``README.md`` of this study): a unit with four-fold
in-plane anisotropy (easy axes x and y) has four states, and AMR tells the
x pair (m along the channel's current) from the y pair (m across it), not
the sign of m. A field pulse across the channel, of EITHER sign, takes
units from x to y (G of the channel up); a pulse along it, of either sign,
takes them back (G down). Just below the 0 K switching field, each pulse
switches each unit with a probability q, so a channel of N units in one film
moves by ``1 - (1 - q)^n``: the geometric approach of eq. (1), in one
realisation, if the units stay independent.

This script checks that micromagnetically with magnum.np: a row of
``--units`` disk-shaped islands (``--size`` across, 10 nm thick, ``--pitch`` apart,
vacuum between them, so exchange-decoupled and coupled only by their
stray fields) with cubic anisotropy ``K1`` (bcc Fe's numbers by default),
pulsed by a uniform in-plane field:

1. the 0 K threshold of the x -> y switch of the row, bisected
   (``ubhop.thresholds.bisect_threshold``) with 0 K pulses;
2. at ``--below`` of it, 300 K: ``--pulses`` pulses across the channel
   (alternating in sign: +y, -y, ...), then as many along it (+x, -x, ...),
   each a pulse of ``--duration`` (50 ps rise and fall) at 300 K followed,
   as in ubhop's training, by energy minimisation at 0 K; after every pulse
   each island is read as x or y (the larger of its |<m_x>| and |<m_y>|) and
   the channel's conductance is that of the islands in series with AMR ratio
   ``--amr``.

It prints the switched fraction after each pulse, eq. (1)'s fit (R^2) and the
first pulse's share of each segment's change, and writes everything to
``--out`` (JSON). ``--analyse-only`` reprints a committed result.

Run: python studies/single_film/cubic_channel.py [--units 16] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

from ubhop import runs
from ubhop.learning import fit_pair
from ubhop.thresholds import bisect_threshold

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "studies" / "single_film" / "data" / "cubic_channel.json"
MU0 = 4e-7 * math.pi
KB = 1.380649e-23

# bcc Fe (room temperature): Ms (A/m), A (J/m), K1 (J/m^3)
FE = {"Ms": 1.71e6, "A": 2.1e-11, "K1": 4.8e4, "alpha": 0.1}


def build(args, start=(1.0, 0.0, 0.0)):
    """The magnum.np state of the row of islands, every island along ``start``."""
    os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")
    import magnumnp as mnp
    import torch

    torch.set_num_threads(args.threads)
    c = args.cell
    per = int(round(args.pitch / c))
    side = int(round(args.size / c))
    nx, ny = per * args.units, side
    mesh = mnp.Mesh((nx, ny, 1), (c, c, args.thickness))
    state = mnp.State(mesh)
    island = np.zeros((nx, ny, 1), dtype=bool)
    offset = (per - side) // 2
    # disks of diameter ``size`` (a square's corners pin C and S states)
    u = (np.arange(side) + 0.5 - side / 2) / (side / 2)
    disk = (u[:, None] ** 2 + u[None, :] ** 2) <= 1.0
    for k in range(args.units):
        island[k * per + offset:k * per + offset + side, :, 0] = disk
    mask = torch.as_tensor(island.astype(np.float64), device=state.device)
    ones3 = torch.ones((nx, ny, 1, 3), dtype=torch.float64, device=state.device)
    state.material = {
        "Ms": mask * FE["Ms"], "A": mask * FE["A"], "alpha": FE["alpha"],
        "Kc1": mask * FE["K1"], "Kc2": mask * 0.0, "Kc3": mask * 0.0,
        "Kc_axis1": ones3 * torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64),
        "Kc_axis2": ones3 * torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64),
    }
    m = torch.zeros((nx, ny, 1, 3), dtype=torch.float64, device=state.device)
    m[...] = torch.tensor(start, dtype=torch.float64)
    state.m = m * mask[..., None]
    terms = [mnp.ExchangeField(), mnp.DemagField(), mnp.CubicAnisotropyField2()]
    slices = [slice(k * per + offset, k * per + offset + side)
              for k in range(args.units)]
    return mnp, torch, state, terms, slices, mask


def read_states(state, slices):
    """Per island: mean (m_x, m_y), and 'x' or 'y' by the larger component."""
    m = state.m.detach().cpu().numpy()[..., 0, :]
    means = np.array([m[s].reshape(-1, 3).mean(axis=0)[:2] for s in slices])
    kinds = np.where(np.abs(means[:, 0]) >= np.abs(means[:, 1]), "x", "y")
    return means, kinds


def channel_conductance(kinds, amr):
    """Series conductance of the islands (units of one x-island's G).

    An island along the current (x) has resistance ``1 + amr``, one across it
    (y) ``1`` (rho_par = rho_perp (1 + amr)).
    """
    r = np.where(np.asarray(kinds) == "x", 1.0 + amr, 1.0)
    return len(r) / r.sum()


def profile(t, duration, rise):
    """Trapezoidal pulse shape: linear rise and fall of ``rise`` (s)."""
    if t <= 0 or t >= duration:
        return 0.0
    return min(1.0, t / rise, (duration - t) / rise) if rise > 0 else 1.0


def pulse(mnp, torch, state, terms, field, duration, temperature, dt, seed,
          rise=50e-12):
    """A trapezoidal pulse of ``field`` (A/m, uniform), then 0 K minimisation.

    As ubhop's training protocol: the pulse runs Heun's scheme with fixed
    step ``dt``, with magnum.np's thermal field at T > 0 (as ubhop's magnum.np
    engine); then magnum.np's Barzilai-Borwein minimiser relaxes the row at
    zero field.
    """
    h = torch.zeros_like(state.m)
    h[...] = torch.tensor(field, dtype=torch.float64)
    ext = mnp.ExternalField(lambda s: h * profile(float(s.t), duration, rise))
    state.t = 0.0
    state.T = float(temperature)
    extra = [mnp.ThermalField()] if temperature > 0 else []
    llg = mnp.LLGSolver(terms + [ext] + extra)
    torch.manual_seed(int(seed))
    n_steps = int(math.ceil(duration / dt - 1e-9))
    dt = duration / n_steps
    state._dt = dt
    for k in range(n_steps):
        state._step += 1  # a new thermal field for this step (none at 0 K)
        t, m = k * dt, state.m
        f1 = llg.dm(t, m, state)
        m1 = torch.nan_to_num(m + dt * f1)
        m1 = torch.nan_to_num(m1 / m1.norm(dim=-1, keepdim=True))
        f2 = llg.dm(t + dt, m1, state)
        m2 = m + 0.5 * dt * (f1 + f2)
        state.m = torch.nan_to_num(m2 / m2.norm(dim=-1, keepdim=True))
        state.t = (k + 1) * dt
    state.T = 0.0
    mnp.MinimizerBB(terms).minimize(state, maxiter=20000, dm_tol=10.0)


def threshold(args, across: bool):
    """0 K bisection of the field that switches the row's first island.

    ``across``: the row starts along x (relaxed) and the field is along y;
    else it starts along y and the field is along x (the B line's switch).
    """
    start, field, to = (((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), "y") if across
                        else ((0.0, 1.0, 0.0), (1.0, 0.0, 0.0), "x"))
    mnp, torch, state, terms, slices, _ = build(args, start)
    m0 = state.m.clone()

    def change(peak):
        state.m = m0.clone()
        pulse(mnp, torch, state, terms, tuple(peak / MU0 * v for v in field),
              args.duration, 0.0, args.dt, 0)
        _, kinds = read_states(state, slices)
        frac = float(np.mean(kinds == to))
        print(f"  0 K pulse of {peak * 1e3:.3f} mT along {'yx'[not across]}: "
              f"{frac:.2f} of the islands switch", flush=True)
        return frac

    hk = coherent_field()
    lo, hi, probes = bisect_threshold(change, 0.3 * hk, 1.3 * hk, args.steps,
                                      0.5 / args.units)
    return lo, hi, probes, hk


def coherent_field() -> float:
    """Quasi-static field (T) across a macrospin along x that takes it to y.

    ``E(theta) = K1 sin^2(2 theta) / 4 - mu0 Ms H sin(theta)``: the minimum
    near x vanishes when ``mu0 Ms H = max 2 K1 sin(t) cos(2 t) = 4 K1 /
    (3 sqrt(6))`` (at ``sin t = 1 / sqrt(6)``), i.e. ``B = 0.544 K1 / Ms``.
    """
    return 4 * FE["K1"] / (3 * math.sqrt(6) * FE["Ms"])


def eq1_fit(g, product):
    """R^2 and rate of eq. (1) on one channel's segment, and the first share.

    ``product`` is the pattern's ``V_i V_j`` sign for the segment (the channel's
    pair sees -1 while the field is across it, +1 while along it).
    """
    g = np.asarray(g, dtype=float)
    fit = fit_pair(g, np.full(g.size - 1, float(product)))
    total = abs(g[-1] - g[0])
    first = abs(g[1] - g[0]) / total if total > 0 else float("nan")
    return {"r2": float(fit.r2), "rate": float(fit.rate), "first_share": float(first),
            "net_change": float((g[-1] - g[0]) / g[0])}


def thermal_run(args, peak, peak_along):
    """Pulses across then along the channel at 300 K; the row after each.

    ``peak`` (T) is the across field's amplitude, ``peak_along`` the along one's.
    """
    mnp, torch, state, terms, slices, _ = build(args)
    fields = ([(0.0, (-1) ** k * peak / MU0, 0.0) for k in range(args.pulses)]
              + [((-1) ** k * peak_along / MU0, 0.0, 0.0)
                 for k in range(args.pulses)])
    means, kinds = read_states(state, slices)
    rec = {"kinds": ["".join(kinds)], "means": [means.tolist()],
           "G": [channel_conductance(kinds, args.amr)], "fields_T": []}
    t0 = time.perf_counter()
    for k, f in enumerate(fields):
        pulse(mnp, torch, state, terms, f, args.duration, args.temperature, args.dt,
              args.seed * 1000 + k)
        means, kinds = read_states(state, slices)
        rec["kinds"].append("".join(kinds))
        rec["means"].append(means.tolist())
        rec["G"].append(channel_conductance(kinds, args.amr))
        rec["fields_T"].append([v * MU0 for v in f])
        print(f"  pulse {k + 1:2d} ({'across' if k < args.pulses else 'along '}): "
              f"{''.join(kinds)}  y-fraction {np.mean(kinds == 'y'):.3f}  "
              f"({time.perf_counter() - t0:.0f} s)", flush=True)
    return rec


def report(res) -> str:
    """The result as text."""
    a = res["args"]
    lines = [
        f"Row of {a['units']} islands, {a['size'] * 1e9:.0f} nm disks, "
        f"{a['thickness'] * 1e9:.0f} nm thick, {a['pitch'] * 1e9:.0f} nm pitch, "
        f"{a['cell'] * 1e9:.0f} nm cells; bcc Fe: Ms {FE['Ms']:.3g} A/m, "
        f"K1 {FE['K1']:.3g} J/m^3, A {FE['A']:.3g} J/m; AMR {a['amr']:.3g}.",
        f"Macrospin's quasi-static 90 degree switching field 0.544 K1 / Ms: "
        f"{res['hk_T'] * 1e3:.1f} mT; "
        f"0 K thresholds of the row ({a['duration'] * 1e9:.2g} ns pulses): across "
        f"(x -> y) {res['threshold_T'][0] * 1e3:.2f}-{res['threshold_T'][1] * 1e3:.2f} "
        f"mT, along (y -> x) {res['threshold_along_T'][0] * 1e3:.2f}-"
        f"{res['threshold_along_T'][1] * 1e3:.2f} mT.",
        f"Barrier at zero field K1 V / 4 = {res['barrier_kT']:.0f} kT at "
        f"{a['temperature']:.0f} K.",
        "",
        f"At {a['temperature']:.0f} K: {a['pulses']} pulses across (alternating "
        f"sign) at {res['peak_T'] * 1e3:.2f} mT ({a['below']} of the across "
        f"threshold's upper bound), then {a['pulses']} along (alternating sign) at "
        f"{res['peak_along_T'] * 1e3:.2f} mT ("
        + ("the across field" if a["same_field"] else
           f"{a['below']} of the along threshold's upper bound") + "):",
        "",
        "| pulse | field | islands (x or y) | y fraction | G / G_x |",
        "| --- | --- | --- | --- | --- |",
    ]
    th = res["thermal"]
    for k, kinds in enumerate(th["kinds"]):
        if k == 0:
            f = "start"
        else:
            b = th["fields_T"][k - 1]
            f = f"{1e3 * sum(b):+.2f} mT along {'y' if abs(b[1]) > 0 else 'x'}"
        lines.append(f"| {k} | {f} | {kinds} | {kinds.count('y') / len(kinds):.3f} | "
                     f"{th['G'][k]:.5f} |")
    lines += ["", "| segment | pulses | net dG/G | eq. (1) R^2 | first pulse's share |",
              "| --- | --- | --- | --- | --- |"]
    for name, s in res["segments"].items():
        lines.append(f"| {name} | {a['pulses']} | {s['net_change']:+.4%} | "
                     f"{s['r2']:.3f} | {s['first_share']:.0%} |")
    lines.append(f"\nRun time: {res['seconds']:.0f} s.")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=16, help="islands in the row")
    ap.add_argument("--size", type=float, default=40e-9, help="disk diameter (m)")
    ap.add_argument("--pitch", type=float, default=160e-9, help="island pitch (m)")
    ap.add_argument("--thickness", type=float, default=10e-9, help="(m)")
    ap.add_argument("--cell", type=float, default=5e-9, help="in-plane cell (m)")
    ap.add_argument("--duration", type=float, default=0.2e-9, help="pulse (s)")
    ap.add_argument("--dt", type=float, default=5e-14, help="thermal step (s)")
    ap.add_argument("--steps", type=int, default=7, help="bisection steps")
    ap.add_argument("--below", type=float, default=0.97,
                    help="pulse field over the 0 K threshold's upper bound")
    ap.add_argument("--pulses", type=int, default=10, help="pulses per direction")
    ap.add_argument("--temperature", type=float, default=300.0, help="(K)")
    ap.add_argument("--amr", type=float, default=0.02, help="rho_par / rho_perp - 1")
    ap.add_argument("--same-field", action="store_true",
                    help="pulse along x at the across field too (not at 'below' of "
                    "the along threshold)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch threads")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--analyse-only", action="store_true",
                    help="reprint --out without running the engine")
    args = ap.parse_args(argv)
    if args.analyse_only:
        print(report(json.loads(args.out.read_text())))
        return 0
    if args.units < 1 or args.pitch < args.size or args.pulses < 2:
        ap.error("need --units >= 1, --pitch >= --size and --pulses >= 2")
    t0 = time.perf_counter()
    print("0 K thresholds of the row, across (x -> y) and along (y -> x):",
          flush=True)
    lo, hi, probes, hk = threshold(args, across=True)
    lo_b, hi_b, probes_b, _ = threshold(args, across=False)
    peak = args.below * hi
    peak_along = peak if args.same_field else args.below * hi_b
    print(f"thresholds {lo * 1e3:.3f}-{hi * 1e3:.3f} mT (across), "
          f"{lo_b * 1e3:.3f}-{hi_b * 1e3:.3f} mT (along); pulses at "
          f"{peak * 1e3:.3f} and {peak_along * 1e3:.3f} mT", flush=True)
    th = thermal_run(args, peak, peak_along)
    g = np.asarray(th["G"])
    n = args.pulses
    segments = {"across (x -> y)": eq1_fit(g[:n + 1], -1),
                "along (y -> x)": eq1_fit(g[n:], +1)}
    vol = math.pi * (args.size / 2) ** 2 * args.thickness
    res = {"args": vars(args),
           "hk_T": hk, "threshold_T": [lo, hi], "probes": probes, "peak_T": peak,
           "threshold_along_T": [lo_b, hi_b], "probes_along": probes_b,
           "peak_along_T": peak_along,
           "barrier_kT": FE["K1"] * vol / 4 / (KB * args.temperature),
           "thermal": th, "segments": segments,
           "seconds": time.perf_counter() - t0}
    runs.write_json(args.out, res)  # atomic
    print(report(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
