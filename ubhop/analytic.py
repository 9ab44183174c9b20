"""Geometries with closed-form answers, for checks of ubhop and of other solvers.

- ``strip_device``: a long Au strip over a wider Py film, whose field under the
  axis is that of an infinite thin strip, ``strip_field`` (Biot-Savart in
  closed form), ``H_y = I / (pi w) arctan(w / (2 h))`` at the centre.
- ``thick_strip_field``: the field of a uniform current in a strip at its own
  mid-plane (the Py current's field at the Py, ``ubhop.py_current``).
- ``vortex_texture``: a smooth vortex-like texture for convergence checks of
  the AMR conduction.

The tests of ``ubhop.oersted`` and ``ubhop.amr`` and the accuracy study use
them; they are public so that other codes can run the same checks.
"""

from __future__ import annotations

import discretisedfield as df
import numpy as np

from .device import Device, Pad
from .materials import Gold


def strip_device(h: float, w: float = 210e-9, cell: float = 10e-9,
                 length: float = 2600e-9, film_width: float = 1410e-9,
                 thickness: float = 2e-9, au_thickness: float = 2e-9) -> Device:
    """A long Au strip centred over a wider Py film.

    The strip (the Au mask) runs along x over the whole length, with one pad
    of 50 nm at each end (nodes 0 and 1); an odd number of cells across it puts
    a cell centre on its axis. The spacer is chosen so that the Au mid-plane is
    ``h`` above the Py mid-plane.

    Parameters
    ----------
    h : float
        Height of the Au sheet above the Py mid-plane (m), > the half
        thicknesses.
    w : float
        Strip width (m). Default 210 nm.
    cell : float
        In-plane cell side (m). Default 10 nm.
    length, film_width : float
        Film size (m). Defaults 2.6 um x 1.41 um.
    thickness, au_thickness : float
        Py and Au thicknesses (m). Default 2 nm each (thin sheets).

    Returns
    -------
    Device
    """
    y0 = 0.5 * (film_width - w)
    pads = [Pad(0, (0, 50e-9), (y0, y0 + w)),
            Pad(1, (length - 50e-9, length), (y0, y0 + w))]
    return Device(size=(length, film_width), thickness=thickness,
                  cell=(cell, cell, thickness), pads=pads,
                  au=Gold(thickness=au_thickness),
                  spacer=h - 0.5 * (thickness + au_thickness),
                  au_mask=[((0, length), (y0, y0 + w))])


def strip_field(y, current: float, w: float, h: float):
    """Field of an infinite thin strip at lateral offset ``y``, ``h`` below it.

    The strip carries ``current`` (A) along +x, uniformly over its width
    ``w`` (m).

    Parameters
    ----------
    y : float or array_like
        Lateral offset from the strip's axis (m).
    current : float
        Total current (A).
    w, h : float
        Strip width and distance below the sheet (m).

    Returns
    -------
    (H_y, H_z) : tuple of numpy.ndarray
        In A/m (right-hand rule: below a current along +x, ``H_y > 0``).

    Examples
    --------
    >>> from ubhop.analytic import strip_field
    >>> hy, hz = strip_field(0.0, 1e-3, 200e-9, 20e-9)
    >>> round(float(hy), 1), float(hz)
    (2185.8, 0.0)
    """
    y = np.asarray(y, dtype=float)
    hy = current / (2 * np.pi * w) * (np.arctan((w / 2 - y) / h)
                                      + np.arctan((w / 2 + y) / h))
    hz = current / (4 * np.pi * w) * np.log(((y + w / 2) ** 2 + h**2)
                                            / ((y - w / 2) ** 2 + h**2))
    return hy, hz


def thick_strip_field(y, current: float, w: float, t: float):
    """Field of a uniform current in a thick strip, at the strip's own mid-plane.

    The strip has width ``w`` and thickness ``t``; the current ``I`` flows
    along +x, uniform over the cross-section. At the mid-plane the in-plane
    field vanishes (it is odd in the height), and the out-of-plane field is
    the thin-strip field (``strip_field``) averaged over
    the heights ``h`` of the layers, ``-t/2 < h < t/2``::

        H_z(y) = I / (4 pi w t) [F(y + w/2) - F(y - w/2)],
        F(a) = 2 [c ln(a^2 + c^2) + 2 |a| arctan(c / |a|)],   c = t / 2,

    from ``int_0^c ln(a^2 + h^2) dh = c ln(a^2 + c^2) - 2 c + 2 a arctan(c / a)``.
    Finite at the edges (the thin strip's ``H_z`` diverges there as a log).

    Parameters
    ----------
    y : float or array_like
        Lateral offset from the strip's axis (m), inside or outside it.
    current : float
        Total current (A).
    w, t : float
        Strip width and thickness (m).

    Returns
    -------
    (H_y, H_z) : tuple of numpy.ndarray
        In A/m; ``H_y`` is zero.

    Examples
    --------
    >>> from ubhop.analytic import thick_strip_field
    >>> hy, hz = thick_strip_field([-50e-9, 0.0, 50e-9], 1e-3, 200e-9, 10e-9)
    >>> [round(float(v), 1) for v in hz]
    [-873.1, 0.0, 873.1]
    """
    y = np.asarray(y, dtype=float)
    c = 0.5 * t

    def f(a):
        a = np.abs(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            atan = np.where(a > 0, a * np.arctan(c / np.where(a > 0, a, 1.0)), 0.0)
        return 2.0 * (c * np.log(a * a + c * c) + 2.0 * atan)

    hz = current / (4 * np.pi * w * t) * (f(y + w / 2) - f(y - w / 2))
    return np.zeros_like(hz), hz


def vortex_texture(dev: Device, core: float = 20e-9, chirality: int = 1) -> df.Field:
    """A vortex-like unit texture centred in the film.

    In-plane curl of chirality ``+1`` (counter-clockwise) or ``-1``, with an
    out-of-plane core of radius ``core`` (m). Smooth, so conductances computed
    on it converge with the cell size.
    """
    if chirality not in (1, -1):
        raise ValueError(f"chirality must be +1 or -1, got {chirality!r}.")
    cx, cy = 0.5 * dev.size[0], 0.5 * dev.size[1]

    def value(p):
        x, y = p[0] - cx, p[1] - cy
        r2 = x * x + y * y
        mz = np.exp(-r2 / core**2)
        return (-chirality * y, chirality * x, mz * (core + np.sqrt(r2)))

    return df.Field(dev.mesh, nvdim=3, value=value, norm=1.0)
