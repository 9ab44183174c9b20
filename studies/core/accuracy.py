"""Accuracy of the physics core against analytic results, printed.

- Oersted field under the centre of a long Au strip (width w, height h) against
  H = I / (pi w) arctan(w / (2 h)), for h/w from 0.02 to 0.5 (the setup of
  ``tests/test_oersted.py``; the test asserts 2 %).
- Convergence of the conductance matrix of a vortex texture on the 4-node
  square with the cell size (the setup of ``tests/test_amr.py``; the test
  asserts an order above 1).

Run: python studies/core/accuracy.py
"""

import argparse

import numpy as np

import ubhop
from ubhop.analytic import strip_device
from ubhop.analytic import vortex_texture as vortex_m


def strip_errors(w=210e-9):
    print("thin strip, field at the centre: h/w, relative error")
    for ratio in (0.02, 0.05, 0.1, 0.2, 0.5):
        h = ratio * w
        dev = strip_device(h)
        current = ubhop.pad_currents(dev, [1e-3, 0.0])[0]
        field = ubhop.oersted_field(dev, [1e-3, 0.0], au_layers=1).array
        i, j = dev.n[0] // 2, dev.n[1] // 2
        expected = current / (np.pi * w) * np.arctan(w / (2 * h))
        ell = dev.size[0] - 100e-9
        print(f"  {ratio:5.2f}  {(field[i, j, 0, 1] - expected) / expected:+.2e}"
              f"   (finite length alone: {-2 * h**2 / ell**2:+.2e})")


def conductance_convergence():
    cells = (20e-9, 10e-9, 5e-9, 2.5e-9)
    gs = []
    for c in cells:
        dev = ubhop.Device.square4(size=400e-9, cell=(c, c, None),
                                   pad_width=80e-9, pad_depth=40e-9)
        gs.append(ubhop.conductance_matrix(dev, vortex_m(dev, core=40e-9)))
    err = [np.abs(gs[k] - gs[k + 1]).max() for k in range(3)]
    orders = np.log2(np.array(err[:-1]) / np.array(err[1:]))
    print("conductance of a vortex, cells 20, 10, 5, 2.5 nm: successive max "
          f"differences {', '.join(f'{e:.2e}' for e in err)} S; "
          f"observed orders {', '.join(f'{o:.2f}' for o in orders)}")


if __name__ == "__main__":
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    strip_errors()
    conductance_convergence()
