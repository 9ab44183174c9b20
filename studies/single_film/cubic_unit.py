"""The four-fold unit of the pair-channel design, alone, on both engines.

The unit of ``ubhop.channels`` (a disk of bcc Fe, 40 nm across, 10 nm thick,
cubic anisotropy K1 with easy axes x and y) must (a) hold x and y at zero
field, (b) go from x to y under a field across it of EITHER sign, and (c)
switch at about the macrospin's quasi-static field ``0.544 K1 / Ms`` if the
barrier model of ``ubhop.channels`` is to describe it. This script steps a
field along +y (and -y) from ``--start`` in steps of ``--step``, minimising at
each, until the disk turns to y, for each cell size on magnum.np, and on
OOMMF (through oommfc, with ubhop's runner) where OOMMF is found; then a
field along x brings it back. ``--analyse-only`` reprints ``--out``.

Run: python studies/single_film/cubic_unit.py [--cells 10e-9 5e-9 2.5e-9 1.25e-9]
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

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "studies" / "single_film" / "data" / "cubic_unit.json"
MU0 = 4e-7 * math.pi
FE = {"Ms": 1.71e6, "A": 2.1e-11, "K1": 4.8e4}
DIAMETER, THICKNESS = 40e-9, 10e-9


def disk_mask(n: int) -> np.ndarray:
    """``(n, n)`` cells whose centres lie in the disk inscribed in the square."""
    u = (np.arange(n) + 0.5 - n / 2) / (n / 2)
    return (u[:, None] ** 2 + u[None, :] ** 2) <= 1.0


def macrospin_field() -> float:
    """Quasi-static 90 degree switching field of the macrospin (T)."""
    return 4 * FE["K1"] / (3 * math.sqrt(6) * FE["Ms"])


class MagnumNP:
    """The disk on magnum.np: minimisation (Barzilai-Borwein) at a field."""

    name = "magnum.np"

    def __init__(self, n):
        os.environ.setdefault("TORCHDYNAMO_DISABLE", "1")
        import logging

        import magnumnp as mnp
        import torch

        logging.getLogger("magnum.np").setLevel(logging.WARNING)
        torch.set_num_threads(1)
        self.mnp, self.torch = mnp, torch
        c = DIAMETER / n
        state = mnp.State(mnp.Mesh((n, n, 1), (c, c, THICKNESS)))
        mask = torch.as_tensor(disk_mask(n)[:, :, None].astype(np.float64))
        ones = torch.ones((n, n, 1, 3), dtype=torch.float64)
        state.material = {
            "Ms": mask * FE["Ms"], "A": mask * FE["A"], "alpha": 0.5,
            "Kc1": mask * FE["K1"], "Kc2": mask * 0.0, "Kc3": mask * 0.0,
            "Kc_axis1": ones * torch.tensor([1.0, 0.0, 0.0], dtype=torch.float64),
            "Kc_axis2": ones * torch.tensor([0.0, 1.0, 0.0], dtype=torch.float64)}
        self.mask, self.state = mask, state
        self.terms = [mnp.ExchangeField(), mnp.DemagField(),
                      mnp.CubicAnisotropyField2()]
        self.set_m((1.0, 0.0, 0.0))

    def set_m(self, v):
        m = self.torch.zeros_like(self.state.material["Kc_axis1"])
        m[...] = self.torch.tensor(v, dtype=self.torch.float64)
        self.state.m = m * self.mask[..., None]

    def relax(self, b):
        h = self.torch.zeros_like(self.state.m)
        h[...] = self.torch.tensor([v / MU0 for v in b], dtype=self.torch.float64)
        self.mnp.MinimizerBB(self.terms + [self.mnp.ExternalField(h)]).minimize(
            self.state, maxiter=50000, dm_tol=1.0)
        m = self.state.m.detach().numpy()[..., 0, :]
        return m[disk_mask(m.shape[0])].mean(axis=0)


class OOMMF:
    """The disk on OOMMF through oommfc: MinDriver at a field."""

    name = "OOMMF"

    def __init__(self, n, runner, workdir):
        import discretisedfield as df
        import micromagneticmodel as mm

        self.df, self.mm, self.runner, self.workdir = df, mm, runner, workdir
        c = DIAMETER / n
        self.mesh = df.Mesh(p1=(0, 0, 0), p2=(DIAMETER, DIAMETER, THICKNESS),
                            cell=(c, c, THICKNESS))
        self.inside = disk_mask(n)
        self.ms = df.Field(self.mesh, nvdim=1,
                           value=(self.inside[:, :, None] * FE["Ms"]).astype(float))
        self.set_m((1.0, 0.0, 0.0))
        self.k = 0

    def set_m(self, v):
        self.m = self.df.Field(self.mesh, nvdim=3, value=v, norm=self.ms)

    def relax(self, b):
        import oommfc as oc

        mm = self.mm
        system = mm.System(name=f"unit{self.k}")
        self.k += 1
        system.energy = (mm.Exchange(A=FE["A"]) + mm.Demag()
                         + mm.CubicAnisotropy(K=FE["K1"], u1=(1, 0, 0), u2=(0, 1, 0))
                         + mm.Zeeman(H=tuple(v / MU0 for v in b)))
        system.m = self.m
        cwd = os.getcwd()
        os.chdir(self.workdir)
        try:
            oc.MinDriver().drive(system, runner=self.runner, verbose=0,
                                 dirname=str(self.workdir))
        finally:
            os.chdir(cwd)
        self.m = system.m
        arr = system.m.orientation.array[..., 0, :]
        return arr[self.inside].mean(axis=0)


def switching_field(unit, direction, start, step, stop):
    """Step the field along ``direction`` from ``start``: the last field that
    keeps x and the first that turns the disk to ``direction``'s axis (T)."""
    unit.set_m((1.0, 0.0, 0.0))
    axis = int(np.argmax(np.abs(direction)))
    b, last = start, None
    while b <= stop + 1e-12:
        m = unit.relax(tuple(b * d for d in direction))
        if abs(m[axis]) > 0.9:
            return last, b, m.tolist()
        last = b
        b += step
    return last, None, m.tolist()


def back_along_x(unit, b):
    """From the switched state, a field ``b`` along +x: the disk's mean m."""
    return unit.relax((b, 0.0, 0.0)).tolist(), unit.relax((0.0, 0.0, 0.0)).tolist()


def report(res) -> str:
    """The result as text."""
    lines = [f"Disk of bcc Fe, {DIAMETER * 1e9:.0f} nm across, "
             f"{THICKNESS * 1e9:.0f} nm thick (K1 {FE['K1']:.3g} J/m^3, "
             f"Ms {FE['Ms']:.3g} A/m, A "
             f"{FE['A']:.3g} J/m); macrospin's quasi-static switching field "
             f"{res['macrospin_T'] * 1e3:.2f} mT.", "",
             "| engine | cell (nm) | field | kept x up to (mT) | turned at (mT) | "
             "m after | then +x field, then zero: m |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    for r in res["rows"]:
        def mt(v):
            return "-" if v is None else f"{v * 1e3:.2f}"

        m = ", ".join(f"{v:+.3f}" for v in r["m"][:2])
        back = ", ".join(f"{v:+.3f}" for v in r["back"][1][:2]) if r["back"] else "-"
        lines.append(f"| {r['engine']} | {r['cell'] * 1e9:g} | {r['direction']} | "
                     f"{mt(r['kept'])} | {mt(r['turned'])} | ({m}) | ({back}) |")
    lines.append(f"\nRun time: {res['seconds']:.0f} s.")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", type=float, nargs="+",
                    default=[10e-9, 5e-9, 2.5e-9, 1.25e-9],
                    help="in-plane cell sizes (m); each divides 40 nm")
    ap.add_argument("--start", type=float, default=6e-3, help="first field (T)")
    ap.add_argument("--step", type=float, default=0.25e-3, help="field step (T)")
    ap.add_argument("--stop", type=float, default=20e-3, help="last field (T)")
    ap.add_argument("--engines", nargs="+", default=["magnumnp", "oommf"],
                    choices=["magnumnp", "oommf"])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--analyse-only", action="store_true",
                    help="reprint --out without running an engine")
    args = ap.parse_args(argv)
    if args.analyse_only:
        print(report(json.loads(args.out.read_text())))
        return 0
    t0 = time.perf_counter()
    rows = []
    runner = None
    if "oommf" in args.engines:
        from ubhop.engines.oommf_runners import find_runner_spec, make_runner

        spec = find_runner_spec()
        if spec[0] is None:
            print(f"OOMMF not found ({spec[1]}): magnum.np only.", flush=True)
        else:
            runner = make_runner(spec)
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for cell in args.cells:
            n = int(round(DIAMETER / cell))
            for eng in args.engines:
                if eng == "oommf" and runner is None:
                    continue
                unit = (MagnumNP(n) if eng == "magnumnp"
                        else OOMMF(n, runner, Path(tmp)))
                for name, d in (("+y", (0.0, 1.0, 0.0)), ("-y", (0.0, -1.0, 0.0))):
                    kept, turned, m = switching_field(unit, d, args.start, args.step,
                                                      args.stop)
                    back = back_along_x(unit, 2 * turned) if turned else None
                    rows.append({"engine": unit.name, "cell": cell, "direction": name,
                                 "kept": kept, "turned": turned, "m": m,
                                 "back": back})
                    print(f"  {unit.name}, {cell * 1e9:g} nm, {name}: kept x to "
                          f"{kept}, turned at {turned} T", flush=True)
    res = {"macrospin_T": macrospin_field(), "rows": rows, "args": vars(args),
        "seconds": time.perf_counter() - t0}
    runs.write_json(args.out, res)  # atomic
    print(report(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
