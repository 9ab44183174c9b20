"""Shared helpers for the tests: small devices with known analytic answers."""

import discretisedfield as df
import numpy as np
import pytest

import ubhop
from ubhop.analytic import vortex_texture


def bar_device(length=2000e-9, width=200e-9, cell=10e-9, thickness=10e-9,
               pad_depth=20e-9, side_pads=False, side_pad_width=20e-9, **kwargs):
    """A bar along x with full-width pads at both ends (nodes 0 and 1).

    With ``side_pads`` two small pads (nodes 2 at y=0 and 3 at y=width) sit at
    mid-length on the long edges, for planar-Hall measurements.
    """
    pads = [ubhop.Pad(0, (0, pad_depth), (0, width)),
            ubhop.Pad(1, (length - pad_depth, length), (0, width))]
    if side_pads:
        x0 = 0.5 * (length - side_pad_width)
        pads += [ubhop.Pad(2, (x0, x0 + side_pad_width), (0, cell)),
                 ubhop.Pad(3, (x0, x0 + side_pad_width), (width - cell, width))]
    return ubhop.Device(size=(length, width), thickness=thickness,
                        cell=(cell, cell, thickness), pads=pads, **kwargs)


def uniform_m(dev, theta):
    """In-plane unit magnetisation at angle theta (rad) to +x."""
    return df.Field(dev.mesh, nvdim=3, value=(np.cos(theta), np.sin(theta), 0.0))


vortex_m = vortex_texture  # the tests' short name


@pytest.fixture
def small4():
    """A 200 nm square 4-node device with 10 nm cells."""
    return ubhop.Device.square4(size=200e-9, cell=(10e-9, 10e-9, None))


# Engine test modules (test_engine_magnumnp, test_engine_oommf) each define an
# ``engine`` fixture; the fixtures below use whichever the module provides.
@pytest.fixture(scope="module")
def dev100():
    """A 100 nm square 4-node device with 10 nm cells."""
    return ubhop.Device.square4(size=100e-9, cell=(10e-9, 10e-9, None))


@pytest.fixture(scope="module")
def dev200():
    """A 200 nm square 4-node device with 10 nm cells."""
    return ubhop.Device.square4(size=200e-9, cell=(10e-9, 10e-9, None))


@pytest.fixture(scope="module")
def relaxed_twice(engine, dev100):
    """A uniform square (m at 30 degrees to x) minimised twice by ``engine``."""
    m0 = df.Field(dev100.mesh, nvdim=3,
                  value=(np.cos(np.pi / 6), np.sin(np.pi / 6), 0.0), norm=1.0)
    ms = engine.run(dev100, m0, [ubhop.Relax(), ubhop.Relax()])
    return m0, ms, dict(engine.provenance)
