"""Does the demo's film switch for every grain seed, at 0.5 um and at 1 um?

For each grain seed, the demo's configuration
(``ubhop.experiments.presets.demo_config``) at the given film size is trained with 2
pulses of "++--" and 2 of "+--+", and the first pulse's relative change in G is printed
with its correlation to V_i V_j (negative: anti-Hebbian in G).

Run: python studies/memory/seed_check.py --size 500e-9 --seeds 0 1 2 3
"""

import argparse
import tempfile

import numpy as np

from ubhop.experiments.presets import demo_config
from ubhop.training import train

PAIRS = [(i, j) for i in range(4) for j in range(i + 1, 4)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=500e-9, help="film side (m)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--engine", default="auto")
    args = parser.parse_args()
    p = np.array([1, 1, -1, -1])
    vv = np.array([p[i] * p[j] for i, j in PAIRS])
    print("seed  first-pulse dG/G (%) NE NS NW ES EW SW   corr(dG, ViVj)")
    for seed in args.seeds:
        cfg = demo_config(pulses=2, engine=args.engine, size=args.size, seed=seed)
        with tempfile.TemporaryDirectory() as d:
            g = train(cfg, d, progress=False).G.values
        dg = np.array([(g[1][q] - g[0][q]) / g[0][q] * 100 for q in PAIRS])
        corr = np.corrcoef(dg, vv)[0, 1] if dg.std() > 0 else float("nan")
        print(f"{seed:4d}  " + " ".join(f"{x:+.3f}" for x in dg) + f"   {corr:+.2f}")


if __name__ == "__main__":
    main()
