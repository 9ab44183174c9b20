"""Does thermal noise during the pulse make the memory gradual?

At zero temperature with minimisation between pulses, a repeated pulse is one
deterministic map applied again and again, so the texture reaches a fixed point
in one to three pulses (``studies/memory``). A standard way to get a gradual,
geometric approach is thermally activated switching: if each pinned region
flips with some probability per pulse, the unswitched fraction decays as
(1 - p)^t. This script tests that on the demo's film (``ubhop.experiments.presets``):
each pulse is a square pulse of the ``++--`` Oersted field (scaled by ``--scale``)
for 0.2 ns with OOMMF's stochastic LLG (UHH theta evolver, fixed step 50 fs) at
temperature ``--temperature``, followed by energy minimisation at T = 0; the
conductances are printed after each pulse. Runs with T = 0 are the control.

Needs OOMMF with the UHH theta-evolve extension (part of the standard OOMMF
2.x builds and the conda-forge package).

Run: python studies/thermal/thermal_pulse.py --temperature 300 --scale 0.6
"""

import argparse
import time

import ubhop
from ubhop.experiments.presets import demo_config
from ubhop.schedule import Relax
from ubhop.training import starting_texture

PAIRS = [(i, j) for i in range(4) for j in range(i + 1, 4)]


def thermal_pulse(engine, dev, m, field, temperature, seed, duration=0.2e-9,
                  dt=5e-14):
    """Square field pulse with OOMMF's stochastic LLG; returns unit m."""
    (m_p,) = engine.run(dev, m, [ubhop.Pulse(field=field, duration=duration, rise=0.0,
                                             temperature=temperature, seed=seed,
                                             timestep=dt)])
    return m_p


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--temperature", type=float, default=300.0, help="K")
    parser.add_argument("--scale", type=float, default=0.6,
                        help="field relative to the demo's 15 mT peak")
    parser.add_argument("--pulses", type=int, default=8)
    parser.add_argument("--pattern", default="++--")
    parser.add_argument("--seed", type=int, default=1,
                        help="seed of the thermal field of pulse 1 (then +1 a pulse)")
    args = parser.parse_args()

    config = demo_config()
    dev = config.device
    engine = ubhop.get_engine("oommf")
    (m,) = engine.run(dev, starting_texture(dev, "uniform_diag"), [Relax()])
    g0 = ubhop.conductance_matrix(dev, m)
    field = ubhop.oersted_field(dev, config.voltages(args.pattern)) * args.scale
    print(f"T = {args.temperature:g} K, peak field {15 * args.scale:g} mT, "
          f"pattern {args.pattern}; dG/G (%) for pairs NE NS NW ES EW SW")
    for k in range(args.pulses):
        t0 = time.perf_counter()
        m_pulse = thermal_pulse(engine, dev, m, field, args.temperature,
                                seed=args.seed + k)
        (m,) = engine.run(dev, m_pulse, [Relax()])
        g = ubhop.conductance_matrix(dev, m)
        rel = [(g[p] - g0[p]) / g0[p] * 100 for p in PAIRS]
        print(f"pulse {k + 1}: " + " ".join(f"{x:+.4f}" for x in rel)
              + f"   ({time.perf_counter() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
