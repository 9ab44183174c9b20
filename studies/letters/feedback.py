"""Could a device's own output give Oja's decay? The training current through the Py.

Oja's subspace rule reaches the projection rule because its decay depends on
the network's output, ``y y^T W`` with ``y = W x``; eq. (1)'s decay depends only
on each pair's own G. In the model the training current flows in the Au, so a
pulse's drive does not depend on G at all. If the current also flows through
the Py (``ubhop.Device(current_path="py" | "both")``, ``ubhop.py_current``),
the node currents ``y = K(m) V`` depend on the texture through AMR. This
script measures how much, and what it could do:

1. device: the Py's share of the node currents, the AMR bound on how much
   ``y`` can change with the texture, and the Py current's own field, on the
   demo's 1 um film and the 200 nm unit (``ubhop.py_current``);
2. histories: the change of ``y`` over the committed 4-node engine runs of
   ``studies/memory`` (their G histories), i.e. the output-dependent part of
   a drive by ``y`` on the simulated device, against the Hebbian part;
3. compact: eq. (1) with its drive ``V_i V_j`` replaced by ``y_i y_j`` or
   ``(V_i y_j + y_i V_j) / 2`` with ``y = K(G) V`` (all-to-all ``G = g0 + D``,
   ``|D|`` up to ``a g0``, ``a`` the AMR ratio, diluted by the Au in
   parallel), trained on similar letters: how large the output-dependent part
   of the drive is, and whether the weights move from the outer product to
   the projection (correlations, recall accuracy); ``a`` scanned far beyond
   the AMR ratio to find where it would matter;
4. engine: the 200 nm unit trained on OOMMF (or magnum.np) with the training
   field of each current path recomputed from the texture before every pulse.

Usage::

    python studies/letters/feedback.py                  # about 6 min on 2 cores
    python studies/letters/feedback.py --parts device compact histories
    python studies/letters/feedback.py --analyse-only   # reprint from the JSON
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import discretisedfield as df
import numpy as np

import ubhop
from ubhop import laws, py_current
from ubhop.accuracy import accuracy_table, summary_rows
from ubhop.amr import conductance_matrix
from ubhop.analytic import vortex_texture
from ubhop.current import au_conductor
from ubhop.experiments.presets import demo_config
from ubhop.hopfield import outer_product, projection
from ubhop.letters import letters
from ubhop.oersted import voltages_for_peak_field

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
MEMORY_RUNS = HERE.parent / "memory" / "data" / "runs"
MU0 = 4e-7 * np.pi
# spin polarisation of the Py current (an assumption for the Zhang-Li estimate)
POLARISATION = 0.7
MU_B, E_CHARGE = 9.2740100783e-24, 1.602176634e-19
PARTS = ("device", "histories", "compact", "engine")
DRIVES = ("VV", "y0y0", "yy", "Vy")
DRIVE_TEXT = {"VV": "V_i V_j (eq. (1))",
              "y0y0": "y0_i y0_j (y at the untrained G: no feedback)",
              "yy": "y_i y_j, y = K(G) V",
              "Vy": "(V_i y_j + y_i V_j) / 2"}


def _corr(a, b):
    iu = np.triu_indices(len(a), 1)
    return float(np.corrcoef(a[iu], b[iu])[0, 1])


def _laplacian(g):
    g = np.array(g, dtype=float)
    np.fill_diagonal(g, 0.0)
    return np.diag(g.sum(axis=1)) - g


# --- 1. the device --------------------------------------------------------------------

def device_part():
    out = []
    for name, size in (("demo film, 1 um", 1e-6), ("unit, 200 nm", 200e-9)):
        dev = demo_config(size=size).device
        mesh = dev.mesh
        s_au = dev.au.thickness / dev.au.rho
        s_py = dev.thickness / dev.py.rho_perp
        textures = {"diagonal": (1, 1, 0), "x": (1, 0, 0), "y": (0, 1, 0)}
        ms = {k: df.Field(mesh, nvdim=3, value=v, norm=1.0)
              for k, v in textures.items()}
        ms["vortex"] = vortex_texture(dev, core=20e-9)
        v = voltages_for_peak_field(dev, "++--", 15e-3)
        ref = ms["diagonal"]
        y = {p: py_current.node_currents(dev, v, ref, path=p)
             for p in ("au", "py", "both")}
        change = {}
        for p in ("py", "both"):
            change[p] = max(float(np.linalg.norm(
                py_current.node_currents(dev, v, m, path=p) - y[p])
                / np.linalg.norm(y[p])) for m in ms.values())
        h_au = py_current.training_field(dev, v, path="au").array
        h_py = py_current.training_field(dev, v, ref, path="py").array
        sheet = py_current.py_sheet_current(dev, ref, v)
        j_py = float(np.linalg.norm(sheet, axis=-1).max() / dev.cell[2])
        u = POLARISATION * MU_B * j_py / (E_CHARGE * dev.py.Ms)
        out.append({
            "device": name, "v0_V": float(np.abs(v).max()),
            "sheet_au_S": s_au, "sheet_py_S": s_py,
            "py_share": float(np.linalg.norm(y["py"]) / np.linalg.norm(y["both"])),
            "y_change_py": change["py"], "y_change_both": change["both"],
            "au_peak_inplane_mT": float(MU0 * np.linalg.norm(h_au[..., :2],
                                                             axis=-1).max() * 1e3),
            "au_peak_z_mT": float(MU0 * np.abs(h_au[..., 2]).max() * 1e3),
            "py_peak_inplane_mT": float(MU0 * np.linalg.norm(h_py[..., :2],
                                                             axis=-1).max() * 1e3),
            "py_peak_z_mT": float(MU0 * np.abs(h_py[..., 2]).max() * 1e3),
            "py_mean_abs_z_mT": float(MU0 * np.abs(h_py[..., 2]).mean() * 1e3),
            "py_peak_current_density_A_m2": j_py,
            "zhang_li_u_m_s": float(u), "zhang_li_drift_nm_in_0.2ns": float(u * 0.2),
        })
    return out


# --- 2. the committed engine histories ------------------------------------------------

def histories_part():
    rows = []
    for run in sorted(MEMORY_RUNS.iterdir()):
        if not (run / "history.nc").exists() or run.name == "smoke":
            continue
        import xarray as xr

        config = ubhop.TrainingConfig.from_toml(run / "config.toml")
        k_au = au_conductor(config.device).K
        with xr.open_dataset(run / "history.nc") as h:
            g, volt = h.G.values, h.voltage.values
        k0 = _laplacian(g[0])
        r_py, r_both, dg = [], [], []
        for t in range(1, len(g)):
            v = volt[t]
            d = (_laplacian(g[t - 1]) - k0) @ v   # texture-dependent part of y
            r_py.append(float(np.linalg.norm(d) / np.linalg.norm(k0 @ v)))
            r_both.append(float(np.linalg.norm(d) / np.linalg.norm((k_au + k0) @ v)))
            off = ~np.eye(4, dtype=bool)
            dg.append(float(np.abs(g[t][off] - g[0][off]).max() / g[0][off].max()))
        rows.append({"run": run.name, "pulses": len(g) - 1,
                     "max_dG_over_G": max(dg), "max_y_change_py": max(r_py),
                     "max_y_change_both": max(r_both),
                     "median_y_change_py": float(np.median(r_py))})
    return rows


# --- 3. the compact model with a drive by the node currents ---------------------------

def feedback_law(x, drive, a, sign=1, au_over_py=0.0, rate=0.01, tol=1e-9,
                 max_cycles=20000):
    """Eq. (1) with the drive ``u`` (V^2): ``D += (rate / 2) (s a g0 u / v0^2 - D)``.

    ``G = g0 (1 - I) + D`` (all-to-all, g0 = 1 S, v0 = 1 V), node currents
    ``y = (K_Au + K(G)) V`` with ``K_Au = au_over_py K(g0)``, normalised by
    ``N g0 (1 + au_over_py)`` so that at ``D = 0`` ``y = V - mean(V)``. The weights
    are ``W = s D / (a g0)``: for the drive ``V V^T`` the outer product for
    either sign ``s``; ``s`` sets whether G rises (+1) or falls (-1, the
    simulated film's sign) where ``V_i V_j > 0``, and so the sign of the
    feedback through ``y``.
    """
    p, n = x.shape
    v_all = x.astype(float)
    k0 = (1.0 + au_over_py) * _laplacian(np.ones((n, n)))
    norm = n * (1.0 + au_over_py)
    off = ~np.eye(n, dtype=bool)

    def u(v, d):
        y = (k0 + _laplacian(d)) @ v / norm
        if drive == "VV":
            return np.outer(v, v)
        if drive == "y0y0":
            y0 = k0 @ v / norm
            return np.outer(y0, y0)
        if drive == "yy":
            return np.outer(y, y)
        return 0.5 * (np.outer(v, y) + np.outer(y, v))

    d = np.zeros((n, n))
    converged, cycles, status = False, 0, "converged"
    with np.errstate(over="ignore", invalid="ignore"):
        for cycles in range(1, max_cycles + 1):  # noqa: B007
            before = d.copy()
            for v in v_all:
                d = d + 0.5 * rate * (sign * a * u(v, d) - d) * off
            if not np.isfinite(d).all() or np.abs(d).max() > 1e3:
                status = "diverged"
                break
            if laws.relative_change(before, d) < tol:
                converged = True
                break
    if status != "diverged" and not converged:
        status = "not converged"
    w = sign * d / a
    zero = np.zeros_like(d)
    ratio = (float(np.mean([np.linalg.norm(u(v, d) - u(v, zero))
                            / np.linalg.norm(u(v, zero)) for v in v_all]))
             if status != "diverged" else float("nan"))
    return w, cycles, status, ratio


def oja_reference(x):
    """Oja's output-dependent term against its Hebbian term at its fixed point."""
    res = laws.oja(x)
    w = res.state
    n = x.shape[1]
    ratios = []
    for xi in x.astype(float):
        y = w @ xi
        ratios.append(np.linalg.norm(np.outer(y, y) @ w) / np.linalg.norm(
            np.outer(y, xi)))
    return float(np.mean(ratios)), res.w, n


def compact_part(sets, trials, scan):
    au_over_py = (20e-9 / 2.4e-8) / (10e-9 / 2e-7)  # the default Au and Py sheets
    amr = 0.02
    cases = [("both: AMR 0.02 diluted by the Au", amr, au_over_py),
             ("py: AMR 0.02", amr, 0.0)]
    cases += [(f"scan: a = {a:g}", a, 0.0) for a in scan]
    out = {"au_over_py": au_over_py, "sets": []}
    for s in sets:
        x = letters(s)
        outer, proj = outer_product(x), projection(x)
        xc = x - x.mean(axis=1, keepdims=True)
        centred = xc.T @ xc / x.shape[1]
        np.fill_diagonal(centred, 0.0)
        ratio_oja, w_oja, _ = oja_reference(x)
        rows, weights = [], {"outer product": outer, "projection": proj,
                             "Oja subspace": w_oja}
        for k, (label, a, c) in enumerate(cases):
            for drive in DRIVES:
                for sign in (1, -1):
                    if drive in ("VV", "y0y0") and (sign == -1 or k):
                        continue  # no feedback: a and the sign only scale D
                    w, cycles, status, ratio = feedback_law(x, drive, a, sign, c)
                    row = {"case": label, "a": a, "au_over_py": c,
                           "a_eff": a / (1 + c), "drive": drive, "sign": sign,
                           "cycles": cycles, "status": status, "ratio": ratio}
                    if status != "diverged":
                        row.update(corr_outer=_corr(w, outer),
                                   corr_centred=_corr(w, centred),
                                   corr_projection=_corr(w, proj))
                        key = f"{drive} s{sign:+d} {label}"
                        weights[key] = w
                        row["key"] = key
                    rows.append(row)
        acc = {r["rule"]: r for r in summary_rows(accuracy_table(
            x, weights, ks=[1, 2, 3], trials=trials, seed=0))}
        for r in rows:
            if "key" in r:
                r["accuracy"] = acc[r["key"]]["accuracy"]
                r["ci"] = [acc[r["key"]]["ci_low"], acc[r["key"]]["ci_high"]]
        out["sets"].append({
            "letters": s, "rows": rows, "oja_ratio": ratio_oja,
            "reference": {k: {"accuracy": acc[k]["accuracy"],
                              "ci": [acc[k]["ci_low"], acc[k]["ci_high"]],
                              "corr_outer": _corr(weights[k], outer),
                              "corr_projection": _corr(weights[k], proj)}
                          for k in ("outer product", "projection", "Oja subspace")}})
        print(f"compact {s}: done", flush=True)
    return out


# --- 4. the 200 nm unit on the engine -------------------------------------------------

ENGINE_PATTERNS = ("++--", "+--+", "---+")  # corr(outer, projection) 0.76


def engine_part(engine_name, peak, cycles):
    from ubhop.schedule import Pulse, Relax

    engine = ubhop.get_engine(engine_name, n_threads=1) if engine_name == "oommf" \
        else ubhop.get_engine(engine_name)
    config = demo_config(size=200e-9)
    dev = config.device
    m0 = df.Field(dev.mesh, nvdim=3, value=(1, 1, 0), norm=1.0)
    start = engine.run(dev, m0, [Relax(method="minimise")])[-1]
    g_start = conductance_matrix(dev, start)
    x = np.array([ubhop.as_pattern(p) for p in ENGINE_PATTERNS])
    outer, proj = outer_product(x), projection(x)
    k_au = au_conductor(dev).K
    volts = {p: voltages_for_peak_field(dev, p, peak) for p in ENGINE_PATTERNS}
    out = {"engine": engine.name, "peak_field_T": peak, "cycles": cycles,
           "patterns": list(ENGINE_PATTERNS), "paths": {}}
    histories = {}
    for path in ("au", "both", "py"):
        t0 = time.perf_counter()
        m, gs, ratios, peaks = start, [g_start], [], []
        for _ in range(cycles):
            for p in ENGINE_PATTERNS:
                v = volts[p]
                k_py = -conductance_matrix(dev, m)
                np.fill_diagonal(k_py, -k_py.sum(axis=1))
                k_py0 = -g_start.copy()
                np.fill_diagonal(k_py0, -k_py0.sum(axis=1))
                base = (k_au + k_py0) @ v if path == "both" else k_py0 @ v
                if path != "au":
                    ratios.append(float(np.linalg.norm((k_py - k_py0) @ v)
                                        / np.linalg.norm(base)))
                h = py_current.training_field(dev, v, m, path=path)
                peaks.append(float(MU0 * np.linalg.norm(h.array[..., :2],
                                                        axis=-1).max()))
                m = engine.run(dev, m, [Pulse(field=h, duration=0.2e-9,
                                              rise=50e-12),
                                        Relax(method="minimise")])[-1]
                gs.append(conductance_matrix(dev, m))
        gs = np.array(gs)
        histories[path] = gs
        off = ~np.eye(4, dtype=bool)
        # weights: the mean change over the last cycle (the unit toggles between
        # pinned states within a cycle), with the film's sign, -1
        dg = gs[-len(ENGINE_PATTERNS):].mean(axis=0) - g_start
        np.fill_diagonal(dg, 0.0)
        w = -dg
        changed = float(np.abs(gs - g_start)[:, off].max() / g_start[off].max())
        row = {"max_dG_over_G": changed,
               "pulses_that_changed": [int(t) for t in range(1, len(gs))
                                       if np.abs(gs[t] - gs[t - 1])[off].max()
                                       > 1e-6 * g_start[off].max()],
               "peak_inplane_field_mT": float(max(peaks) * 1e3),
               "max_y_change": max(ratios) if ratios else 0.0,
               "seconds": time.perf_counter() - t0}
        if np.abs(dg[off]).max() > 1e-6 * g_start[off].max():
            row.update(corr_outer=_corr(w, outer), corr_projection=_corr(w, proj))
        row["max_dG_from_au_path"] = float(
            np.abs(gs - histories["au"])[:, off].max() / g_start[off].max())
        out["paths"][path] = row
        print(f"engine, path {path}: {row['seconds']:.0f} s", flush=True)
    return out


# --- report ---------------------------------------------------------------------------

def _pc(v):
    return f"{100 * v:.3g} %"


def format_report(rep) -> str:
    md = []
    if "device" in rep:
        md.append("### The device: the Py's share of the node currents, the AMR bound, "
                  "the Py current's field\n")
        md.append("Pattern `++--` at the voltage that gives the Au field a 15 mT "
                  "peak; textures: uniform along the diagonal (reference), x, y, "
                  "and a vortex.\n")
        md.append("| device | V0 | Py share of y (both) | max change of y with the "
                  "texture, py / both | Au field: peak in-plane / peak z | Py "
                  "current's field: peak in-plane / peak z / mean abs z | peak J in "
                  "the Py | Zhang-Li u (P = 0.7) / drift in 0.2 ns |")
        md.append("|" + " --- |" * 8)
        for r in rep["device"]:
            md.append(
                f"| {r['device']} | {r['v0_V'] * 1e3:.3g} mV | {_pc(r['py_share'])} | "
                f"{_pc(r['y_change_py'])} / {_pc(r['y_change_both'])} | "
                f"{r['au_peak_inplane_mT']:.3g} / {r['au_peak_z_mT']:.3g} mT | "
                f"{r['py_peak_inplane_mT']:.2g} / {r['py_peak_z_mT']:.3g} / "
                f"{r['py_mean_abs_z_mT']:.3g} mT | "
                f"{r['py_peak_current_density_A_m2']:.3g} A/m^2 | "
                f"{r['zhang_li_u_m_s']:.3g} m/s / "
                f"{r['zhang_li_drift_nm_in_0.2ns']:.3g} nm |")
        md.append("")
    if "histories" in rep:
        h = rep["histories"]
        md.append("### The simulated 4-node film: how much y = K(m) V changed over "
                  "its training (committed runs of `studies/memory`)\n")
        md.append("`|(K_Py(G(t-1)) - K_Py(G(0))) V_t| / |K(G(0)) V_t|`, the "
                  "output-dependent part of a drive by the node currents against "
                  "its texture-independent part, per pulse.\n")
        md.append("| run | pulses | max dG/G | max, py | median, py | max, both |")
        md.append("| --- | --- | --- | --- | --- | --- |")
        for r in h:
            md.append(f"| {r['run']} | {r['pulses']} | {_pc(r['max_dG_over_G'])} | "
                      f"{_pc(r['max_y_change_py'])} | {_pc(r['median_y_change_py'])} "
                      f"| {_pc(r['max_y_change_both'])} |")
        md.append(f"| all {len(h)} runs | | {_pc(max(r['max_dG_over_G'] for r in h))} "
                  f"| {_pc(max(r['max_y_change_py'] for r in h))} | | "
                  f"{_pc(max(r['max_y_change_both'] for r in h))} |")
        md.append("")
    if "compact" in rep:
        c = rep["compact"]
        md.append("### The compact model with a drive by the node currents\n")
        md.append("Drives: " + "; ".join(f"`{k}` {v}" for k, v in DRIVE_TEXT.items())
                  + f". All-to-all G = g0 + D, |D| up to a g0; Au in parallel: "
                  f"K_Au = {c['au_over_py']:.3g} K_Py(g0), so a_eff = a / "
                  f"{1 + c['au_over_py']:.3g}. Sign s: +1, G rises where V_i V_j > 0; "
                  f"-1, falls (the simulated film). Ratio: |u(D) - u(0)| / |u(0)| "
                  f"at the end, the output-dependent part of the drive against the "
                  f"rest (Oja's own ratio, |y y^T W| / |y x^T| at its fixed point, "
                  f"beside it). Accuracy: k = 1-3 pooled, Wilson 95 %.\n")
        for e in c["sets"]:
            ref = e["reference"]
            md.append(f"`{e['letters']}`: outer product "
                      f"{100 * ref['outer product']['accuracy']:.1f} %, projection "
                      f"{100 * ref['projection']['accuracy']:.1f} %, Oja "
                      f"{100 * ref['Oja subspace']['accuracy']:.1f} % (its ratio "
                      f"{e['oja_ratio']:.3f}); corr(outer, projection) "
                      f"{ref['outer product']['corr_projection']:.4f}.\n")
            md.append("| case | a_eff | drive | s | status | ratio | corr(W, outer) "
                      "| corr(W, centred outer) | corr(W, projection) | accuracy |")
            md.append("|" + " --- |" * 10)
            for r in e["rows"]:
                if r["status"] == "diverged":
                    md.append(f"| {r['case']} | {r['a_eff']:.3g} | {r['drive']} | "
                              f"{r['sign']:+d} | diverged | | | | | |")
                    continue
                md.append(
                    f"| {r['case']} | {r['a_eff']:.3g} | {r['drive']} | "
                    f"{r['sign']:+d} | {r['status']} ({r['cycles']}) | "
                    f"{r['ratio']:.3g} | {r['corr_outer']:.4f} | "
                    f"{r['corr_centred']:.4f} | {r['corr_projection']:.4f} | "
                    f"{100 * r['accuracy']:.1f} [{100 * r['ci'][0]:.1f}, "
                    f"{100 * r['ci'][1]:.1f}] |")
            md.append("")
    if "engine" in rep:
        e = rep["engine"]
        md.append(f"### The 200 nm unit on {e['engine']}: patterns "
                  f"{', '.join(e['patterns'])} x {e['cycles']} cycles, voltages for a "
                  f"{e['peak_field_T'] * 1e3:g} mT Au-field peak\n")
        md.append("W: minus the mean change of G over the last cycle (the film's "
                  "sign); G changed: by more than 1e-6 of G.\n")
        md.append("| path | peak in-plane field | pulses that changed G | max dG/G | "
                  "max G difference from the au path | max change of y | "
                  "corr(W, outer) | corr(W, projection) | s |")
        md.append("|" + " --- |" * 9)
        for path, r in e["paths"].items():
            co = f"{r['corr_outer']:+.3f}" if "corr_outer" in r else "-"
            cp = f"{r['corr_projection']:+.3f}" if "corr_projection" in r else "-"
            md.append(f"| {path} | {r['peak_inplane_field_mT']:.3g} mT | "
                      f"{r['pulses_that_changed'] or 'none'} | "
                      f"{_pc(r['max_dG_over_G'])} | "
                      f"{_pc(r['max_dG_from_au_path'])} | "
                      f"{_pc(r['max_y_change'])} | {co} | "
                      f"{cp} | {r['seconds']:.0f} |")
        md.append("")
    md.append(f"Run time: {rep.get('seconds', 0):.0f} s.")
    return "\n".join(md)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parts", nargs="+", choices=PARTS, default=list(PARTS))
    ap.add_argument("--sets", nargs="+", default=["EFHP", "BCGO", "hnr"],
                    help="letter sets of the compact part")
    ap.add_argument("--trials", type=int, default=300,
                    help="distorted inputs per letter and k (compact part)")
    ap.add_argument("--scan", type=float, nargs="+",
                    default=[0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0],
                    help="feedback strengths a beyond the AMR ratio")
    ap.add_argument("--engine", default="oommf", help="engine of the engine part")
    ap.add_argument("--peak", type=float, default=42e-3,
                    help="peak Au field of the engine part's pulses (T)")
    ap.add_argument("--cycles", type=int, default=3,
                    help="cycles of the engine part's patterns")
    ap.add_argument("--out", default=str(DATA / "feedback.json"))
    ap.add_argument("--analyse-only", action="store_true",
                    help="reprint the tables from the JSON without running")
    args = ap.parse_args(argv)
    out = Path(args.out)
    if args.analyse_only:
        rep = json.loads(out.read_text())
    else:
        t0 = time.perf_counter()
        rep = json.loads(out.read_text()) if out.exists() else {}
        if "device" in args.parts:
            rep["device"] = device_part()
        if "histories" in args.parts:
            rep["histories"] = histories_part()
        if "compact" in args.parts:
            rep["compact"] = compact_part(args.sets, args.trials, args.scan)
        if "engine" in args.parts:
            rep["engine"] = engine_part(args.engine, args.peak, args.cycles)
        rep["seconds"] = time.perf_counter() - t0
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(rep, indent=1))
    text = format_report(rep)
    if not args.analyse_only:
        out.with_suffix(".md").write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
