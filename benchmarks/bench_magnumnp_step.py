"""magnum.np engine: one Oersted pulse and one relaxation on the 500 nm 4-node device.

The device has 10 nm cells (50 x 50 x 1); the pulse is N, E at +V0 and S, W at
-V0 with V0 chosen for a 10 mT peak field. Prints the wall time of
``engine.run``, the worker's start-up (Python, torch and magnum.np imports),
the solver time per stage and the overhead ratio wrapper wall / solver time.

Run: python benchmarks/bench_magnumnp_step.py [--duration 1e-9] [--threads N]
"""

import argparse
import time

import discretisedfield as df
import numpy as np

import ubhop
from ubhop.engines.magnumnp import MagnumNPEngine
from ubhop.oersted import voltages_for_peak_field


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=1e-9,
                        help="pulse length (s)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads in the worker")
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    args = parser.parse_args()

    dev = ubhop.Device.square4(size=500e-9, cell=(10e-9, 10e-9, None))
    volts = voltages_for_peak_field(dev, "++--", 10e-3)  # 10 mT peak
    v0 = abs(volts[0])
    h = ubhop.oersted_field(dev, volts)
    m0 = df.Field(dev.mesh, nvdim=3, value=(1, 1, 0), norm=1.0)

    engine = MagnumNPEngine(n_threads=args.threads, device=args.device)
    t0 = time.perf_counter()
    stages = [ubhop.Pulse(field=h, duration=args.duration), ubhop.Relax()]
    m_pulse, m_relax = engine.run(dev, m0, stages)
    wall = time.perf_counter() - t0
    prov = engine.provenance
    print(f"device {dev.n[0]} x {dev.n[1]} x {dev.n[2]} cells, V0 = {v0 * 1e3:.2f} mV, "
          f"pulse {args.duration * 1e9:g} ns; magnum.np {prov['magnumnp_version']}, "
          f"torch {prov['torch_version']}, {prov['device']}, "
          f"{prov['threads']} threads")
    for k, st in enumerate(prov["stages"]):
        extra = f", {st['steps']} RKF45 steps" if st["kind"] == "pulse" else (
            f", {st['method']}, converged={st['converged']}")
        print(f"  stage {k} ({st['kind']}): solver {st['solver_s']:.2f} s, "
              f"stage wall {st['wall_s']:.2f} s{extra}")
    print(f"engine.run wall {wall:.2f} s; worker start-up (imports) "
          f"{prov['import_s']:.2f} s; solver {prov['solver_s']:.2f} s")
    print(f"overhead ratio wrapper wall / solver time: {wall / prov['solver_s']:.2f}")
    print(f"<m> after pulse {np.round(m_pulse.mean(), 3)}, after relax "
          f"{np.round(m_relax.mean(), 3)}")


if __name__ == "__main__":
    main()
