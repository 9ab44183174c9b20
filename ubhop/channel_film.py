"""The pair-channel film as a micromagnetic ``Device``: islands, lines, readout.

``ubhop.channels`` holds the design's statistics (Neel-Brown switching of
independent units); this module builds the same design as a film that the
engines simulate cell by cell, so that ``TrainingConfig`` and ``train`` run it
like any other device:

- the film is one row of disk-shaped islands per pair of pads ``(i, j)``
  (``ChannelFilm.pairs`` in ``numpy.triu_indices`` order), with vacuum
  between them (``magnet_mask``): exchange-decoupled units, coupled only by
  their stray fields, which the engines' demagnetisation computes;
- the islands have cubic anisotropy ``K1`` with easy axes x (along the row, the
  channel's current) and y (across it) (``cubic_anisotropy``), bcc Fe by
  default (the ``py`` parameters then hold Fe's, ``IRON``); each island's
  ``K1`` is drawn with a relative spread ``K1_spread``, which spreads the
  switching fields alike; ``dummies`` more islands at each end of a row
  give its end islands the neighbours of the others (they are not read);
- two Au lines drive each row (``drive_field``): line A over the row,
  along it (x), at the first Au level, carries ``(V_i - V_j) / 2`` through
  its resistance and makes a field across the row (y); line B crosses the
  row (current along y) at a second Au level above the first, carries
  ``(V_i + V_j) / 2`` to ground and makes a field along the row (x). Every
  line is a sheet of finite length and width, its field is Biot-Savart's in
  closed form for straight filaments (``segment_field``), summed over all
  lines of the film (so a row also feels its neighbours' lines);
- the conductance of pair ``(i, j)`` is that of its row's islands in series
  (``conductance``), each island one square of film whose resistance has
  the AMR of its cells: ``rho_perp / t (1 + amr <m_x^2>)``.

A pattern of +-1 voltages puts current in line A of the pairs with
``V_i V_j = -1`` (their units go from x to y, either sign of the field) and in
line B of the pairs with ``V_i V_j = +1`` (units go back to x): pulsed just
below the islands' switching field at 300 K, the fraction of a row across it
follows eq. (1) with the pattern's sign (``ubhop.channels``).
"""

from __future__ import annotations

import dataclasses
import math

import discretisedfield as df
import numpy as np

from .device import Device, Pad, register_layout
from .materials import Gold, Permalloy
from .validation import build, check_int, check_keys, check_number

# bcc Fe at room temperature: Ms (A/m), A (J/m), alpha (moderate damping of a
# patterned island), rho_perp (Ohm m), AMR ratio; K1 (J/m^3) below
IRON = Permalloy(Ms=1.71e6, A=2.1e-11, alpha=0.1, rho_perp=1.0e-7, amr_ratio=0.02)
IRON_K1 = 4.8e4


def segment_field(points: np.ndarray, start, end, current: float) -> np.ndarray:
    """Field (A/m) of a straight filament from ``start`` to ``end`` (Biot-Savart).

    ``H = I / (4 pi d) (cos t1 - cos t2)`` around the filament, ``d`` the
    distance of the point from the filament's line.

    Parameters
    ----------
    points : numpy.ndarray
        ``(..., 3)`` positions (m), not on the filament's line.
    start, end : array_like
        The filament's ends (m); the current flows from ``start`` to ``end``.
    current : float
        Current (A).

    Returns
    -------
    numpy.ndarray
        ``(..., 3)`` field (A/m).

    Examples
    --------
    >>> import numpy as np
    >>> from ubhop.channel_film import segment_field
    >>> # a long wire: I / (2 pi d) at d = 1 m
    >>> h = segment_field(np.array([0.0, 0.0, -1.0]), (-1e6, 0, 0), (1e6, 0, 0), 1.0)
    >>> round(float(h[1] * 2 * np.pi), 6)
    1.0
    """
    a, b = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    length = np.linalg.norm(b - a)
    e = (b - a) / length
    ra = points - a
    s1 = ra @ e
    s2 = s1 - length
    rho = ra - s1[..., None] * e
    d2 = np.einsum("...k,...k->...", rho, rho)
    factor = current / (4 * np.pi * d2) * (s1 / np.sqrt(s1**2 + d2)
                                           - s2 / np.sqrt(s2**2 + d2))
    return factor[..., None] * np.cross(e, rho)


def sheet_field(points: np.ndarray, start, end, width: float, normal_offset: float,
                current: float, filaments: int = 48) -> np.ndarray:
    """Field (A/m) of a thin straight sheet of current, as parallel filaments.

    The sheet runs from ``start`` to ``end`` (its axis, in a plane
    ``z = const``), is ``width`` wide in that plane, and carries ``current``
    (A) uniformly over its width. ``normal_offset`` is added to the axis' z.

    Parameters
    ----------
    points : numpy.ndarray
        ``(..., 3)`` positions (m).
    start, end : array_like
        Ends of the sheet's axis (m), at the same z.
    width : float
        Width (m).
    normal_offset : float
        Shift of the sheet along z (m).
    current : float
        Total current (A).
    filaments : int
        Filaments across the width (midpoint rule). Default 48.
    """
    a, b = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    a[2] += normal_offset
    b[2] += normal_offset
    e = (b - a) / np.linalg.norm(b - a)
    lateral = np.cross((0.0, 0.0, 1.0), e)
    out = np.zeros(points.shape)
    for u in (np.arange(filaments) + 0.5) / filaments - 0.5:
        shift = u * width * lateral
        out += segment_field(points, a + shift, b + shift, current / filaments)
    return out


class ChannelFilm(Device):
    """A film of pair channels: one row of cubic islands per pair of pads.

    Parameters
    ----------
    n_nodes : int
        Pads (>= 2); one row per pair. Default 4 (six rows).
    units : int
        Islands per row (>= 1). Default 4.
    diameter : float
        Island diameter (m). Default 40e-9.
    pitch : float
        Centre-to-centre distance of the islands along a row (m). Default
        160e-9 (a neighbour's stray field is a few % of the switching field).
    dummies : int
        Islands added at each end of every row, beside the conduction path
        (not read): without them the end islands, with neighbours on one
        side only, switch several % below the others. Default 2.
    row_pitch : float, optional
        Centre-to-centre distance of the rows (m). Default ``2 pitch``
        (``crosstalk`` shows why: at one pitch the neighbouring rows' lines
        put 5-16 % of the drive on a row).
    thickness : float
        Island thickness (m). Default 10e-9.
    cell : float
        In-plane cell side (m); it must divide ``pitch``. Default 5e-9.
    py : Permalloy, optional
        The islands' material parameters (``Ms``, ``A``, ``alpha``,
        ``rho_perp``, ``amr_ratio``). Default ``IRON`` (bcc Fe).
    K1 : float
        Cubic anisotropy constant (J/m^3), > 0 (easy axes x, y, z). Default
        4.8e4 (Fe).
    K1_spread : float
        Relative standard deviation of the islands' ``K1`` (size and shape
        scatter), in [0, 0.2]. Default 0.
    seed : int
        Seed of the islands' ``K1`` draw. Default 0.
    line_width : float, optional
        Width of the A lines and length of the B lines' crossing (m), at
        most ``row_pitch``. Default ``row_pitch / 4`` (wider lines reach
        the neighbouring rows more: ``crosstalk``).
    overhang : float, optional
        How far the lines reach beyond the first and last island's cell
        of a row (m): A lines run on, B lines are wider by this much on
        each side. Default ``4 pitch`` (the drive is then even along a row
        to 0.1 %; at one pitch the end islands get 1.3 % less).
    line_resistance : float
        Resistance of an A line (Ohm), for ``v0``. Default 100.
    b_gain : float
        Field per volt of a B line over an A line's, at a unit's centre (the
        B lines' resistance is set to give it), in (0, 2]. Default 1. The
        two switches of islands in a row have different thresholds (their
        stray fields favour x, along the row): a B gain of the thresholds'
        ratio puts both at the same fraction of their threshold.
    au : Gold, optional
        The Au lines' thickness and resistivity. Default ``Gold()``.
    spacer : float
        Insulator between the islands and the A lines, and between the A
        and B levels (m). Default 10e-9.

    Examples
    --------
    >>> import ubhop
    >>> film = ubhop.ChannelFilm(units=2, cell=10e-9)
    >>> film.n_nodes, film.pairs[:2], tuple(film.mesh.n)
    (4, [(0, 1), (0, 2)], (32, 96, 1))
    """

    def __init__(self, n_nodes: int = 4, units: int = 4, diameter: float = 40e-9,
                 pitch: float = 160e-9, row_pitch: float | None = None,
                 dummies: int = 2,
                 thickness: float = 10e-9, cell: float = 5e-9,
                 py: Permalloy | None = None, K1: float = IRON_K1,
                 K1_spread: float = 0.0, seed: int = 0,
                 line_width: float | None = None, overhang: float | None = None,
                 line_resistance: float = 100.0,
                 b_gain: float = 1.0, au: Gold | None = None, spacer: float = 10e-9):
        check_int(n_nodes, "ChannelFilm.n_nodes", minimum=2, maximum=16)
        check_int(units, "ChannelFilm.units", minimum=1, maximum=1024)
        check_int(seed, "ChannelFilm.seed", minimum=0, maximum=2**31 - 1)
        check_int(dummies, "ChannelFilm.dummies", minimum=0, maximum=64)
        self.units, self.dummies = units, dummies
        self.diameter = check_number(diameter, "ChannelFilm.diameter", low=0,
                                     high=1e-6, unit="m")
        self.pitch = check_number(pitch, "ChannelFilm.pitch", low=0, high=1e-5,
                                  unit="m")
        self.row_pitch = check_number(2 * self.pitch if row_pitch is None
                                      else row_pitch, "ChannelFilm.row_pitch",
                                      low=0, high=1e-5, unit="m")
        cell = check_number(cell, "ChannelFilm.cell", low=0, high=self.pitch,
                            unit="m")
        if self.diameter + cell > min(self.pitch, self.row_pitch):
            raise ValueError(f"ChannelFilm: islands of diameter {diameter:g} m need "
                             f"a pitch and row_pitch of at least diameter + one "
                             f"cell ({diameter + cell:g} m), got {self.pitch:g} m "
                             f"and {self.row_pitch:g} m.")
        if self.diameter < 2 * cell:
            raise ValueError(f"ChannelFilm: an island must span at least two cells; "
                             f"diameter {diameter:g} m, cell {cell:g} m.")
        self.K1 = check_number(K1, "ChannelFilm.K1", low=0, high=1e7, unit="J/m^3")
        self.K1_spread = check_number(K1_spread, "ChannelFilm.K1_spread", low=0,
                                      low_inclusive=True, high=0.2)
        self.seed = seed
        self.line_width = check_number(
            0.25 * self.row_pitch if line_width is None else line_width,
            "ChannelFilm.line_width", low=0, high=self.row_pitch, unit="m")
        self.overhang = check_number(4 * self.pitch if overhang is None
                                     else overhang, "ChannelFilm.overhang",
                                     low=0, low_inclusive=True, high=1e-4, unit="m")
        self.line_resistance = check_number(line_resistance,
                                            "ChannelFilm.line_resistance", low=0,
                                            unit="Ohm")
        self.b_gain = check_number(b_gain, "ChannelFilm.b_gain", low=0, high=2)
        self.pairs = [(int(i), int(j)) for i, j in zip(*np.triu_indices(n_nodes, 1),
                                                        strict=True)]
        rows = len(self.pairs)
        lx, ly = (units + 2 * dummies) * self.pitch, rows * self.row_pitch
        pads = []
        for k, (i, j) in enumerate(self.pairs):
            band = (k * self.row_pitch, (k + 1) * self.row_pitch)
            pads += [Pad(i, (0.0, cell), band), Pad(j, (lx - cell, lx), band)]
        super().__init__(size=(lx, ly), thickness=thickness, cell=(cell, cell, None),
                         pads=pads, py=IRON if py is None else py, au=au,
                         spacer=spacer)
        if self.n[2] != 1:
            raise ValueError("ChannelFilm: one cell through the thickness.")
        self._all, self._islands = self._island_labels()
        rng = np.random.default_rng([seed, 17, 1])
        self.unit_K1 = K1 * (1 + self.K1_spread * rng.standard_normal((rows, units)))
        # the dummies' draws come after the units': dummies = 0 keeps them
        k_dummy = K1 * (1 + self.K1_spread * rng.standard_normal((rows, 2 * dummies)))
        self._all_K1 = np.concatenate([k_dummy[:, :dummies], self.unit_K1,
                                       k_dummy[:, dummies:]], axis=1)

    # ------------------------------------------------------------- layout
    def _island_labels(self):
        """Labels of every island (dummies too) and of the read ones, per cell."""
        xc, yc = self.cell_centres()
        col = np.floor(xc / self.pitch).astype(int)
        row = np.floor(yc / self.row_pitch).astype(int)
        dx = xc - (col + 0.5) * self.pitch
        dy = yc - (row + 0.5) * self.row_pitch
        inside = dx[:, None] ** 2 + dy[None, :] ** 2 <= (self.diameter / 2) ** 2
        ncol = self.units + 2 * self.dummies
        every = np.where(inside, row[None, :] * ncol + col[:, None], -1)
        u = col - self.dummies
        real = (u >= 0) & (u < self.units)
        read = np.where(inside & real[:, None], row[None, :] * self.units + u[:, None],
                        np.where(inside, -2, -1))
        return every, read

    def island_labels(self, include_dummies: bool = False) -> np.ndarray:
        """Which island each cell belongs to.

        Parameters
        ----------
        include_dummies : bool
            False: ``row * units + unit`` on a read island, -2 on a dummy;
            True: ``row * (units + 2 dummies) + column`` on every island.

        Returns
        -------
        numpy.ndarray
            ``(nx, ny)`` int, -1 between islands.
        """
        return (self._all if include_dummies else self._islands).copy()

    def unit_centres(self) -> np.ndarray:
        """``(rows, units, 2)`` centres ``(x, y)`` of the read islands (m)."""
        u = (np.arange(self.units) + self.dummies + 0.5) * self.pitch
        r = (np.arange(len(self.pairs)) + 0.5) * self.row_pitch
        return np.stack(np.broadcast_arrays(u[None, :], r[:, None]), axis=-1)

    def magnet_mask(self) -> np.ndarray:
        """``(nx, ny, 1)`` bool: the islands' cells (dummies included)."""
        return (self._all >= 0)[:, :, None]

    def cubic_anisotropy(self):
        """``(K1, (1, 0, 0), (0, 1, 0))``: each island's ``K1`` (J/m^3) on its cells."""
        k = np.where(self._all >= 0, self._all_K1.ravel()[self._all], 0.0)
        return (df.Field(self.mesh, nvdim=1, value=k[:, :, None, None]),
                (1.0, 0.0, 0.0), (0.0, 1.0, 0.0))

    # -------------------------------------------------------------- drive
    @property
    def level_heights(self) -> tuple[float, float]:
        """Heights (m) of the A and B lines' mid-planes above the islands' mid-plane."""
        h_a = self.au_height
        return h_a, h_a + self.au.thickness + self.spacer

    def _line_geometry(self, k):
        """Axes and widths of row ``k``'s lines A (along x) and B (along y)."""
        lx = self.size[0]  # the row with its dummies
        yk = (k + 0.5) * self.row_pitch
        h_a, h_b = self.level_heights
        w = self.line_width
        # A: along the row and ``overhang`` beyond its ends; B: across the
        # row, as wide as the row plus ``overhang`` each side, line_width long
        o = self.overhang
        a = ((-o, yk, h_a), (lx + o, yk, h_a), w)
        b = ((lx / 2, yk - w / 2, h_b), (lx / 2, yk + w / 2, h_b), lx + 2 * o)
        return a, b

    def _points(self):
        """``(nx, ny, 3)`` cell centres at the islands' mid-plane (z = 0)."""
        xc, yc = self.cell_centres()
        pts = np.zeros((xc.size, yc.size, 3))
        pts[..., 0], pts[..., 1] = xc[:, None], yc[None, :]
        return pts

    def line_fields(self, au_layers: int = 3) -> np.ndarray:
        """``(rows, 2, nx, ny, 3)``: field (A/m) of 1 A in each row's line A and B.

        Each line is a sheet of ``au_layers`` Gauss-Legendre layers across the
        Au thickness (the z of the islands' mid-plane is 0), each layer
        filaments at most a quarter of the line's height apart.
        """
        if getattr(self, "_line_cache", (None,))[0] == au_layers:
            return self._line_cache[1]
        check_int(au_layers, "au_layers", minimum=1, maximum=32)
        pts = self._points()
        nodes, weights = np.polynomial.legendre.leggauss(au_layers)
        out = np.zeros((len(self.pairs), 2, *pts.shape))
        for k in range(len(self.pairs)):
            for ell, (start, end, width) in enumerate(self._line_geometry(k)):
                # filaments a quarter of the line's height apart or closer:
                # the sum is then smooth at the islands (no ripple)
                n_f = max(48, math.ceil(4 * width / start[2]))
                for u, w in zip(nodes, weights, strict=True):
                    out[k, ell] += 0.5 * w * sheet_field(
                        pts, start, end, width, 0.5 * u * self.au.thickness, 1.0,
                        filaments=n_f)
        self._line_cache = (au_layers, out)
        return out

    def _centre_cell(self, row, unit):
        """Indices ``(ix, iy)`` of the cell at (or next to) an island's centre."""
        x, y = self.unit_centres()[row, unit]
        return (min(int(x / self.cell[0]), self.n[0] - 1),
                min(int(y / self.cell[1]), self.n[1] - 1))

    def crosstalk(self, au_layers: int = 3) -> dict:
        """How cleanly each pattern drives each row: the design's field check.

        For every +-1 pattern (up to sign, the uniform one included), at each
        island's centre: the in-plane field along the row's own active line's
        direction (y where ``V_i V_j = -1``, x where ``+1``), and the
        in-plane field across it (the other lines' crosstalk).

        Returns
        -------
        dict
            ``"perpendicular"``: the largest ``|H_perp| / |H_par|`` over
            patterns and islands; ``"spread"``: the largest relative spread
            ``(max - min) / mean`` of ``|H_par|`` over the islands of one
            pattern; ``"out_of_plane"``: the largest ``|H_z| / |H_par|``.
        """
        from .patterns import training_voltages

        n = self.n_nodes
        perp, spread, oop = 0.0, 0.0, 0.0
        for code in range(2 ** (n - 1)):
            v = np.array([1.0] + [1.0 - 2 * ((code >> b) & 1) for b in range(n - 1)])
            if code:  # the uniform pattern is refused by training_voltages
                training_voltages(v, 1.0, n)
            h = self.drive_field(v, au_layers).array[:, :, 0, :]
            par = []
            for k, (i, j) in enumerate(self.pairs):
                own = 1 if v[i] * v[j] < 0 else 0
                for u in range(self.units):
                    hc = h[self._centre_cell(k, u)]
                    # B lines are designed to give b_gain times A's field
                    par.append(abs(hc[own]) / (self.b_gain if own == 0 else 1.0))
                    perp = max(perp, abs(hc[1 - own]) / abs(hc[own]))
                    oop = max(oop, abs(hc[2]) / abs(hc[own]))
            par = np.array(par)
            spread = max(spread, (par.max() - par.min()) / par.mean())
        return {"perpendicular": perp, "spread": spread, "out_of_plane": oop}

    def line_currents(self, voltages) -> np.ndarray:
        """``(rows, 2)`` currents (A) of lines A and B for pad ``voltages`` (V)."""
        v = np.asarray(voltages, dtype=float)
        if v.shape != (self.n_nodes,) or not np.isfinite(v).all():
            raise ValueError(f"voltages must be {self.n_nodes} finite numbers (V), "
                             f"got {voltages!r}.")
        fields = self.line_fields()
        k = len(self.pairs) // 2
        ix, iy = self._centre_cell(k, self.units // 2)
        # per amp at the unit: A's field across (y), B's along (x)
        per_amp = np.array([abs(fields[k, 0, ix, iy, 1]), abs(fields[k, 1, ix, iy, 0])])
        r = self.line_resistance * np.array([1.0, per_amp[1] / per_amp[0]
                                             / self.b_gain])
        out = np.zeros((len(self.pairs), 2))
        for k, (i, j) in enumerate(self.pairs):
            out[k] = np.array([(v[i] - v[j]) / 2, (v[i] + v[j]) / 2]) / r
        return out

    def drive_field(self, voltages, au_layers: int = 3) -> df.Field:
        """Field (A/m) of all lines for pad ``voltages`` (V), on ``dev.mesh``."""
        currents = self.line_currents(voltages)
        fields = self.line_fields(au_layers)
        h = np.einsum("kl,klxyc->xyc", currents, fields)
        return df.Field(self.mesh, nvdim=3, value=h[:, :, None, :],
                        vdims=["x", "y", "z"])

    # ------------------------------------------------------------ readout
    def unit_states(self, m: df.Field) -> np.ndarray:
        """``(rows, units, 3)``: each island's mean m."""
        arr = np.asarray(m.array, dtype=float)[:, :, 0, :]
        labels = self._islands.ravel()
        keep = labels >= 0
        n = len(self.pairs) * self.units
        sums = np.zeros((n, 3))
        for c in range(3):
            sums[:, c] = np.bincount(labels[keep], arr.reshape(-1, 3)[keep, c],
                                     minlength=n)
        counts = np.bincount(labels[keep], minlength=n)
        return (sums / counts[:, None]).reshape(len(self.pairs), self.units, 3)

    def across_fraction(self, m: df.Field) -> np.ndarray:
        """``(rows,)``: fraction of each row's islands closer to y than to x."""
        s = self.unit_states(m)
        return (np.abs(s[..., 1]) > np.abs(s[..., 0])).mean(axis=1)

    def conductance(self, m: df.Field) -> np.ndarray:
        """``(N, N)`` conductances (S): row ``(i, j)``'s islands in series.

        Each island is one square of film, ``rho_perp / t (1 + amr <m_x^2>)``
        with ``<m_x^2>`` over its cells (the current runs along x); the links
        between islands and to the pads are taken as ideal.
        """
        arr = np.asarray(m.array, dtype=float)[:, :, 0, 0] ** 2
        labels = self._islands.ravel()
        keep = labels >= 0
        n = len(self.pairs) * self.units
        mx2 = (np.bincount(labels[keep], arr.ravel()[keep], minlength=n)
               / np.bincount(labels[keep], minlength=n))
        r = (self.py.rho_perp / self.thickness
             * (1 + self.py.amr_ratio * mx2)).reshape(len(self.pairs), self.units)
        g = np.zeros((self.n_nodes, self.n_nodes))
        for k, (i, j) in enumerate(self.pairs):
            g[i, j] = g[j, i] = 1.0 / r[k].sum()
        return g

    # ----------------------------------------------------------------- io
    def to_dict(self) -> dict:
        """The film as a plain dict (SI units), ``layout = "channels"``."""
        return {
            "layout": "channels", "n_nodes": self.n_nodes, "units": self.units,
            "diameter": self.diameter, "pitch": self.pitch,
            "row_pitch": self.row_pitch, "dummies": self.dummies,
            "thickness": self.thickness, "cell": self.cell[0],
            "py": dataclasses.asdict(self.py), "K1": self.K1,
            "K1_spread": self.K1_spread, "seed": self.seed,
            "line_width": self.line_width, "overhang": self.overhang,
            "line_resistance": self.line_resistance,
            "b_gain": self.b_gain,
            "au": dataclasses.asdict(self.au), "spacer": self.spacer,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ChannelFilm:
        """Build the film from the dict that ``to_dict`` writes."""
        known = {"layout", "n_nodes", "units", "dummies", "diameter", "pitch",
                 "row_pitch",
                 "thickness",
                 "cell", "py", "K1", "K1_spread", "seed", "line_width", "overhang",
                 "line_resistance", "b_gain", "au", "spacer"}
        data = dict(check_keys(data, known, "device"))
        data.pop("layout", None)
        if "py" in data:
            data["py"] = build(Permalloy, data["py"], "device.py")
        if "au" in data:
            data["au"] = build(Gold, data["au"], "device.au")
        try:
            return cls(**data)
        except TypeError as exc:
            raise ValueError(f"[device]: {exc}") from None

    def __repr__(self):
        return (f"ChannelFilm(n_nodes={self.n_nodes}, units={self.units}, "
                f"dummies={self.dummies}, "
                f"diameter={self.diameter:g} m, pitch={self.pitch:g} m, "
                f"K1={self.K1:g} J/m^3, K1_spread={self.K1_spread:g}, "
                f"cells={self.n[0]}x{self.n[1]}x{self.n[2]})")


register_layout("channels", ChannelFilm)
