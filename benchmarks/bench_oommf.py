"""OOMMF engine: wrapper overhead, one process against one per stage, magnum.np.

Device: the 500 nm 4-node square with 10 nm cells (50 x 50 x 1); the pulse is
N, E at +V0 and S, W at -V0 with V0 chosen for a 10 mT peak field, followed by
an energy minimisation.

(i) ``OOMMFEngine.run`` of pulse + relax (one warm-up run first, so that the
    host server and version query are not counted) against the bare OOMMF
    runs: ``boxsi +fg MIF -exitondone 1 -threads N`` on the very MIF files the
    engine wrote, timed with ``subprocess``. The ratio is ubhop's overhead
    (building the systems, writing and reading OVF/ODT files, oommfc).
(ii) one OOMMF process for a schedule against one process per stage, on the
    five-stage schedule of ``tests/test_engine_oommf.py::TestSingleProcess``
    (200 nm film, pulses of two patterns at 20 mT, 0.5 ns time relaxations):
    wall times, their ratio, and per stage the largest difference in m
    between the two ways beside how far the stage moves m.

(iii) magnum.np against OOMMF on the same pulse (pulse only), as a ratio of
    ``engine.run`` wall times. Skipped when magnum.np is not installed.

Prints a message and exits 0 when no OOMMF runner is found.

Run: python benchmarks/bench_oommf.py [--duration 0.5e-9] [--threads 2]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

import discretisedfield as df

import ubhop
from ubhop.engines import oommf_runners
from ubhop.engines.magnumnp import MagnumNPEngine, magnumnp_available
from ubhop.engines.oommf import OOMMFEngine
from ubhop.oersted import voltages_for_peak_field


def bare_boxsi(runner, stage_dirs, threads):
    """Wall time (s) of running boxsi directly on each stage's MIF file."""
    total = 0.0
    for d in stage_dirs:
        mif = next(f for f in os.listdir(d) if f.endswith(".mif"))
        if isinstance(runner, oommf_runners.DockerRunner):
            cmd = runner.command(mif, n_threads=threads, cwd=d)
        else:
            cmd = [*runner.oommf, "boxsi", "+fg", mif, "-exitondone", "1",
                   "-threads", str(threads)]
        t0 = time.perf_counter()
        res = subprocess.run(cmd, cwd=d, env=getattr(runner, "env", None),
                             capture_output=True, check=False)
        total += time.perf_counter() - t0
        if res.returncode != 0:
            sys.exit(f"bare boxsi failed in {d}:\n{res.stderr.decode()[-2000:]}")
    return total


def single_vs_per_stage(threads):
    """(ii): the same schedule in one OOMMF process and one per stage."""
    import numpy as np

    dev = ubhop.Device.square4(size=200e-9, cell=(10e-9, 10e-9, None))
    h1 = ubhop.oersted_field(dev, voltages_for_peak_field(dev, "++--", 20e-3))
    h2 = ubhop.oersted_field(dev, voltages_for_peak_field(dev, "+-+-", 20e-3))
    m0 = df.Field(dev.mesh, nvdim=3, value=(1, 1, 0), norm=1.0)
    stages = [ubhop.Pulse(h1, 0.2e-9), ubhop.Relax("time", 0.5e-9),
              ubhop.Pulse(h2, 0.2e-9, n_output=2), ubhop.Relax("time", 0.5e-9),
              ubhop.Pulse(h1, 0.2e-9)]
    out = {}
    for single in (False, True):
        engine = OOMMFEngine(n_threads=threads, single_process=single)
        engine.run(dev, m0, stages)  # warm-up: host server, version query
        t0 = time.perf_counter()
        ms = engine.run(dev, m0, stages)
        out[single] = (ms, time.perf_counter() - t0, engine.provenance["mode"])
    (per, t_per, _), (one, t_one, mode) = out[False], out[True]
    print(f"(ii) 5 stages on a 200 nm film: one process per stage {t_per:.2f} s, "
          f"{mode} {t_one:.2f} s; ratio {t_per / t_one:.2f}")
    prev = m0
    for k, (a, b) in enumerate(zip(per, one, strict=True)):
        moved = np.abs(a.array - prev.array).max()
        diff = np.abs(a.array - b.array).max()
        print(f"     stage {k}: max |dm| between the two ways {diff:.2e}; the stage "
              f"moves m by up to {moved:.2f}")
        prev = a


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=0.5e-9,
                        help="pulse length (s)")
    parser.add_argument("--threads", type=int, default=2,
                        help="OOMMF threads and torch threads")
    parser.add_argument("--repeat", type=int, default=3,
                        help="timed repetitions of (i); the best is reported")
    args = parser.parse_args()

    spec = oommf_runners.find_runner_spec()
    if spec[0] is None:
        print(f"OOMMF not found; nothing to benchmark. {spec[1]}")
        return

    dev = ubhop.Device.square4(size=500e-9, cell=(10e-9, 10e-9, None))
    volts = voltages_for_peak_field(dev, "++--", 10e-3)  # 10 mT peak
    v0 = abs(volts[0])
    h = ubhop.oersted_field(dev, volts)
    m0 = df.Field(dev.mesh, nvdim=3, value=(1, 1, 0), norm=1.0)
    pulse = ubhop.Pulse(field=h, duration=args.duration)
    stages = [pulse, ubhop.Relax()]

    with tempfile.TemporaryDirectory(prefix="bench-oommf-") as keep:
        engine = OOMMFEngine(n_threads=args.threads, workdir=keep)
        t0 = time.perf_counter()
        engine.run(dev, m0, stages)
        cold = time.perf_counter() - t0
        walls, bares = [], []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            engine.run(dev, m0, stages)
            walls.append(time.perf_counter() - t0)
            dirs = [s["dir"] for s in engine.provenance["stages"]]
            bares.append(bare_boxsi(engine.runner, dirs, args.threads))
        prov = engine.provenance
        wall, bare = min(walls), min(bares)
        print(f"device {dev.n[0]} x {dev.n[1]} x {dev.n[2]} cells, V0 = "
              f"{v0 * 1e3:.2f} mV, pulse {args.duration * 1e9:g} ns + minimise; "
              f"OOMMF {prov['oommf_version']} ({prov['runner']}: "
              f"{prov['runner_command']}), {args.threads} threads")
        for k, st in enumerate(prov["stages"]):
            print(f"  stage {k} ({st['kind']}): boxsi {st['boxsi_s']:.2f} s, "
                  f"stage wall {st['wall_s']:.2f} s, {st.get('iterations', 0):.0f} "
                  f"iterations")
        print(f"(i)  OOMMFEngine.run {wall:.2f} s (first run {cold:.2f} s); bare "
              f"boxsi on the same MIF files {bare:.2f} s")
        print(f"     overhead ratio ubhop / bare OOMMF: {wall / bare:.2f}")

    single_vs_per_stage(args.threads)

    if not magnumnp_available():
        print('(iii) skipped: magnum.np not installed (pip install "ubhop[magnumnp]")')
        return
    engine.workdir = None  # temporary directories again
    t0 = time.perf_counter()
    engine.run(dev, m0, [pulse])
    t_oommf = time.perf_counter() - t0
    mnp = MagnumNPEngine(n_threads=args.threads)
    t0 = time.perf_counter()
    (m_mnp,) = mnp.run(dev, m0, [pulse])
    t_mnp = time.perf_counter() - t0
    print(f"(iii) same pulse: OOMMF {t_oommf:.2f} s, magnum.np {t_mnp:.2f} s "
          f"({mnp.provenance['device']}, {mnp.provenance['threads']} threads; "
          f"worker start-up {mnp.provenance['import_s']:.1f} s)")
    print(f"     ratio magnum.np / OOMMF: {t_mnp / t_oommf:.2f}")


if __name__ == "__main__":
    main()
