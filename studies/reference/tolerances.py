"""What the tolerances of the reference problems rest on: the deviations of
legitimate alternatives and of deliberate mistakes, measured against the
shipped references.

For the engine-free problems (Oersted field, AMR) it computes other ways to
solve them (finer cells, a thin Au sheet, a different quadrature) and the
mistakes (sign, pads shifted by one cell, a node order transposed); for the
engine problems it reads the committed magnum.np submissions and the OOMMF
references (``studies/reference/magnumnp``) and measures how different two
genuinely different states are. Every number quoted in the specifications'
tolerance sections is printed here. No micromagnetic engine is run (about
1 min on 2 cores).

    python studies/reference/tolerances.py
"""

import argparse
import json
import math
from pathlib import Path

import discretisedfield as df
import numpy as np

import ubhop
from ubhop.reference import io as rio
from ubhop.reference import problems as rp
from ubhop.reference.compare import (
    ILL_CONDITIONED,
    absolute_pairs,
    bracket_gap,
    field_deviation,
    relative_pairs,
    relative_to,
    texture_deviation,
)

HERE = Path(__file__).resolve().parent
MAGNUMNP = HERE / "magnumnp"


def refined(dev, k):
    return ubhop.Device(size=dev.size, thickness=dev.thickness,
                        cell=(dev.cell[0] / k, dev.cell[1] / k, dev.cell[2]),
                        pads=dev.pads, py=dev.py, au=dev.au, spacer=dev.spacer)


def oersted():
    dev = rp.square_device()
    ref = rio.read_ovf(rp.reference_dir("oersted_square") / "H.ovf", dev.mesh, "H")
    print("## oersted_square: deviation from the reference (relative L2, max)")

    def show(label, h):
        l2, mx, cell = field_deviation(h, ref)
        print(f"  {label:58s} {l2:.4f}  {mx:.4f}  (max at cell {cell[:2]})")

    v = rp.SQUARE_VOLTAGES
    show("ubhop, 10 nm cells, 3 Gauss points in the Au", ubhop.oersted_field(dev, v))
    show("ubhop, 10 nm cells, thin sheet at the Au mid-plane",
         ubhop.oersted_field(dev, v, au_layers=1))
    fine = ubhop.oersted_field(refined(dev, 3), v, au_layers=8).array
    show("ubhop, 10/3 nm sub-cells, centre sub-cell", fine[1::3, 1::3])
    avg = ubhop.oersted_field(refined(dev, 2), v, au_layers=8).array
    show("ubhop, 5 nm cells averaged over each 10 nm cell",
         avg.reshape(50, 2, 50, 2, 1, 3).mean(axis=(1, 3)))
    show("mistake: the sign flipped", -ref.array)
    c = rp.CELL
    pads = [ubhop.Pad(p.node, (p.x[0] + c, p.x[1] + c), p.y) if p.node in (0, 2)
            else ubhop.Pad(p.node, p.x, (p.y[0] + c, p.y[1] + c)) for p in dev.pads]
    shifted = ubhop.Device(size=dev.size, cell=dev.cell, pads=pads)
    show("mistake: pads shifted by one cell along their edges",
         ubhop.oersted_field(shifted, v, au_layers=8))
    deeper = ubhop.Device.square4(size=rp.SQUARE_SIZE, cell=(c, c, None),
                                  pad_depth=30e-9)
    show("mistake: pads one cell deeper (30 nm)",
         ubhop.oersted_field(deeper, v, au_layers=8))
    print(f"  peak |H_ref| = {np.linalg.norm(ref.array, axis=-1).max():.4g} A/m")


def strip():
    dev = rp.strip()
    current = ubhop.pad_currents(dev, rp.STRIP_VOLTAGES)[0]
    y = dev.cell_centres()[1] - 0.5 * dev.size[1]
    closed = np.stack(rp.strip_closed_form(y, 1.0), -1)
    n = np.linalg.norm(closed, axis=-1)
    print("## oersted_strip: H / I against the closed form (max / peak, L2)")
    for label, layers in (("ubhop, 10 nm cells, 3 Gauss points", 3),
                          ("ubhop, 10 nm cells, thin sheet", 1)):
        h = ubhop.oersted_field(dev, rp.STRIP_VOLTAGES, au_layers=layers).array
        d = np.linalg.norm(h[rp.STRIP_ROW, :, 0] / current - closed, axis=-1)
        print(f"  {label:40s} {d.max() / n.max():.4f}  "
              f"{np.sqrt((d ** 2).sum() / (n ** 2).sum()):.4f}")
    print(f"  current: ubhop {current:.6g} A, closed form {rp.strip_current():.6g} A")
    h_inf = np.stack([0 * y, *ubhop.analytic.strip_field(y, 1.0, rp.STRIP_W,
                                                         rp.STRIP_H)], -1)
    d = np.linalg.norm(h_inf - closed, axis=-1)
    print(f"  the finite-length factor itself: {d.max() / n.max():.4f} of the peak")
    hy_hi = ubhop.analytic.strip_field(0.0, 1.0, rp.STRIP_W, rp.STRIP_H + 2e-9)[0]
    print(f"  the sheet 2 nm higher: peak H_y changes by "
          f"{1 - float(hy_hi) / float(h_inf[len(y) // 2, 1]):.4f}")


def amr():
    prob = rp.get_problem("amr")
    ref = rio.read_table(rp.reference_dir("amr") / "G.csv", prob.output("G"))
    ref_h = rio.read_table(rp.reference_dir("amr") / "G_hall.csv",
                           prob.output("G_hall"))
    dev = rp.square_device()
    print("## amr: G relative per pair (max), AMR part G/G[z]-1 absolute (max)")

    def show(label, gs):
        rel, _ = relative_pairs(gs, ref.values)
        amr_dev = max(absolute_pairs(relative_to(gs[k], gs[0]),
                                     relative_to(ref.values[k], ref.values[0]))[0]
                      for k in (1, 2, 3))
        print(f"  {label:48s} {rel:.4f}  {amr_dev:.2e}")

    textures = list(rp.amr_textures().values())
    for k, label in ((1, "ubhop, 10 nm cells"), (2, "ubhop, 5 nm cells"),
                     (3, "ubhop, 10/3 nm cells")):
        fine = refined(dev, k) if k > 1 else dev
        gs = []
        for m in textures:
            arr = np.repeat(np.repeat(m.array, k, 0), k, 1)
            gs.append(ubhop.conductance_matrix(
                fine, df.Field(fine.mesh, nvdim=3,
                                      value=arr)))
        show(label, np.array(gs))
        if k == 1:
            g10 = np.array(gs)
    for order, label in (([1, 0, 3, 2], "x <-> y"), ([3, 2, 1, 0], "reversed")):
        show(f"mistake: node order transposed ({label})",
             g10[:, order][:, :, order])
    amr_r = {t: relative_to(ref.sel(texture=t).values, ref.sel(texture="z").values)
             for t in ("x", "diag", "vortex")}
    print("  reference AMR parts (NE, NS, NW, ES, EW, SW):")
    iu = np.triu_indices(4, 1)
    for t, a in amr_r.items():
        print(f"    {t:7s} " + " ".join(f"{v:+.5f}" for v in a[iu]))
    g_hall = ubhop.conductance_matrix(rp.hall_bar(), rp.hall_texture())
    rel, _ = relative_pairs(g_hall, ref_h.values)
    closed = rp.planar_hall_closed_form()
    print(f"  Hall bar G, 10 nm cells vs reference (2 nm): {rel:.4f}")
    for label, g in (("10 nm cells", g_hall), ("reference", ref_h.values)):
        r = rp.planar_hall_resistance(g)
        print(f"  V_H / I, {label:12s} {r:.5g} Ohm, {r / closed - 1:+.4f} vs the "
              f"closed form {closed:.5g} Ohm")
    a = math.radians(rp.HALL_ANGLE)
    d_rho = dev.py.rho_par - dev.py.rho_perp
    bare = d_rho * math.sin(2 * a) / (2 * dev.thickness)
    print(f"  without the (w - 2c)/w factor the closed form is {bare:.5g} Ohm "
          f"({bare / closed - 1:+.4f})")


def engines():
    print("## engine problems: magnum.np (studies/reference/magnumnp) vs OOMMF")
    prob = rp.get_problem("unit_switching")
    sub, ref = MAGNUMNP / "unit_switching", rp.reference_dir("unit_switching")
    _, s = rio.load_submission(sub, prob.outputs, prob.name, rp.KIT_VERSION)
    _, r = rio.load_submission(ref, prob.outputs, prob.name, rp.KIT_VERSION)
    print(f"  unit threshold: magnum.np [{s['threshold'][0] * 1e3:.4f}, "
          f"{s['threshold'][1] * 1e3:.4f}] mT, OOMMF [{r['threshold'][0] * 1e3:.4f}, "
          f"{r['threshold'][1] * 1e3:.4f}] mT")
    for f in (1.03, 0.97):
        gap = bracket_gap(tuple(f * v for v in r["threshold"]), r["threshold"])[0]
        print(f"  unit threshold {f:g} x the reference: gap {gap:.4f}")
    probes = json.loads((ref / "provenance.json").read_text())["probes"]
    kept = max(p["max_rel_change"] for p in probes
               if p["peak_T"] <= r["threshold"][0])
    print(f"  unit: largest lasting max |dG/G| of a pulse that does not switch "
          f"(OOMMF) {kept:.2g}")
    ds_r = relative_to(r["G"].sel(state="switched").values,
                       r["G"].sel(state="start").values)
    print(f"  unit: switched vs start, max |dG/G| = {np.abs(ds_r).max():.4f}; "
          f"texture mean {texture_deviation(r['m_switched'], r['m_start'])[0]:.3f}, "
          f"rms {texture_deviation(r['m_switched'], r['m_start'])[1]:.3f}")
    prob = rp.get_problem("write_regime")
    _, s = rio.load_submission(MAGNUMNP / "write_regime", prob.outputs, prob.name,
                               rp.KIT_VERSION)
    _, r = rio.load_submission(rp.reference_dir("write_regime"), prob.outputs,
                               prob.name, rp.KIT_VERSION)
    dr = relative_to(r["G"].values[:, -1], r["G_start"].values)
    ds = relative_to(s["G"].values[:, -1], s["G_start"].values)
    print(f"  write regime: max |dG/G| of a write {np.abs(dr).max():.4f}; "
          f"magnum.np vs OOMMF {absolute_pairs(ds, dr)[0]:.2e}")
    pats = rp.PATTERNS
    between = min(absolute_pairs(dr[a], dr[b])[0] for a in range(7)
                  for b in range(a + 1, 7))
    print(f"  write regime: smallest max |dG/G| difference between two patterns' "
          f"states {between:.4f}")
    judged = [p for p in pats if p not in ILL_CONDITIONED]
    dev = {p: texture_deviation(s["m"][p], r["m"][p]) for p in pats}
    print(f"  write regime textures, magnum.np vs OOMMF, judged patterns: worst mean "
          f"{max(dev[p][0] for p in judged):.2e}, rms "
          f"{max(dev[p][1] for p in judged):.2e}")
    for p in ILL_CONDITIONED:
        print(f"  write regime texture {p} (not judged): mean {dev[p][0]:.3f}, rms "
              f"{dev[p][1]:.3f}")
    mins = min(texture_deviation(r["m"][a], r["m"][b])[1] for a in pats
               for b in pats if a < b)
    print(f"  write regime: smallest rms |m_a - m_b| between two patterns' "
          f"textures {mins:.3f}")
    a = math.radians(5)
    print(f"  a 5 degree rotation: rms |dm| = {2 * math.sin(a / 2):.4f}")


def main():
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    oersted()
    strip()
    amr()
    engines()


if __name__ == "__main__":
    main()
