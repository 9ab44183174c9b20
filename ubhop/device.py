"""The device: a Py film under an Au conductor, with electrode pads as nodes.

Coordinates are in metres with the film's lower corner at the origin; the Py
film fills ``0 <= z <= thickness``, the Al2O3 spacer lies on top of it and the
Au layer on top of the spacer.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tomllib
from collections.abc import Sequence

import discretisedfield as df
import numpy as np
import tomli_w

from .grains import voronoi_grains
from .materials import Disorder, Gold, Permalloy
from .validation import build, check_int, check_keys, check_number, require_keys

_REL_TOL = 1e-6

#: Where the training current flows: the Au layer (the model's default), the Py
#: film (pads contacting the Py), or both in parallel (``ubhop.py_current``).
CURRENT_PATHS = ("au", "py", "both")


@dataclasses.dataclass(frozen=True)
class Pad:
    """A rectangular electrode pad owned by one node.

    A pad covers the cells whose centres lie inside its rectangle. It is a
    terminal of the Au layer (where the training voltage is applied) and an
    equipotential contact of the Py film (where the conductance is read).
    Several pads may belong to the same node; they are then wired together.

    Parameters
    ----------
    node : int
        Index of the node (neuron) that owns the pad, from 0.
    x : tuple of float
        ``(x0, x1)``, the pad's extent along x (m), ``x0 < x1``.
    y : tuple of float
        ``(y0, y1)``, the pad's extent along y (m), ``y0 < y1``.

    Examples
    --------
    >>> import ubhop
    >>> ubhop.Pad(node=0, x=(0, 50e-9), y=(400e-9, 600e-9)).width
    2e-07
    """

    node: int
    x: tuple[float, float]
    y: tuple[float, float]

    def __post_init__(self):
        check_int(self.node, "Pad.node", minimum=0)
        for name in ("x", "y"):
            span = getattr(self, name)
            try:
                lo, hi = (float(v) for v in span)
            except (TypeError, ValueError):
                raise ValueError(
                    f"Pad.{name} must be a pair (lo, hi) of numbers in metres, "
                    f"got {span!r}."
                ) from None
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise ValueError(
                    f"Pad.{name} must be a finite pair with lo < hi, got {span!r}."
                )
            object.__setattr__(self, name, (lo, hi))
        object.__setattr__(self, "node", int(self.node))

    @property
    def width(self) -> float:
        """The pad's longer side (m)."""
        return max(self.x[1] - self.x[0], self.y[1] - self.y[0])

    @property
    def centre(self) -> tuple[float, float]:
        """Centre of the pad (m)."""
        return (0.5 * (self.x[0] + self.x[1]), 0.5 * (self.y[0] + self.y[1]))


def _pad_from_dict(data, k) -> Pad:
    section = f"device.pads[{k}]"
    check_keys(data, ("node", "x", "y"), section)
    require_keys(data, ("node", "x", "y"), section)
    return Pad(data["node"], tuple(data["x"]) if isinstance(data["x"], list)
               else data["x"], tuple(data["y"]) if isinstance(data["y"], list)
               else data["y"])


def _as_pair(value, name):
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair of numbers, got {value!r}.") from None
    return a, b


def _divisions(length, step, what):
    n = length / step
    k = round(n)
    if k < 1 or abs(n - k) > _REL_TOL * max(1.0, n):
        raise ValueError(
            f"The cell does not divide the film: {what} {length:g} m / cell "
            f"{step:g} m = {n:g} is not a whole number. Choose a cell that "
            f"divides the film exactly."
        )
    return k


# device classes other than the continuous film, by their TOML ``layout``
# (``register_layout``; ``ubhop.channel_film`` adds "channels")
LAYOUTS: dict[str, type] = {}


def register_layout(name: str, cls: type) -> type:
    """Make ``Device.from_dict`` build ``cls`` for ``layout = name``.

    ``cls`` must be a ``Device`` subclass with its own ``from_dict``.
    """
    if not (isinstance(cls, type) and issubclass(cls, Device)):
        raise TypeError(f"A layout must be a Device subclass, got {cls!r}.")
    if name == "film":
        raise ValueError("'film' is the continuous film's layout.")
    LAYOUTS[name] = cls
    return cls


class Device:
    """A Py film with an Au conductor on top and electrode pads as nodes.

    Parameters
    ----------
    size : tuple of float
        In-plane film size ``(Lx, Ly)`` (m).
    thickness : float
        Py thickness (m). Default 10e-9.
    cell : tuple of float
        Finite-difference cell ``(dx, dy, dz)`` (m). ``dz`` may be None for the
        whole thickness. The cell must divide the film. Default
        ``(5e-9, 5e-9, thickness)``.
    pads : sequence of Pad
        The electrode pads. Node indices must run over ``0 .. N-1``.
    py : Permalloy, optional
        Py parameters. Default ``Permalloy()``.
    au : Gold, optional
        Au parameters. Default ``Gold()``.
    spacer : float
        Al2O3 spacer thickness (m). Default 10e-9.
    au_mask : array_like or sequence of rectangles, optional
        The cells that carry Au: a boolean array of shape ``(nx, ny)``, or a
        list of rectangles ``((x0, x1), (y0, y1))`` in metres. Default: the
        whole film footprint. Every pad must lie on the mask.
    disorder : Disorder, optional
        Grain disorder (random uniaxial anisotropy per grain). Default None.
    current_path : str
        Where the training current flows (``CURRENT_PATHS``): ``"au"`` (the
        default: the Au layer, as everywhere in the training), ``"py"`` (pads
        contacting the Py, the current through the film) or ``"both"`` (Au and
        Py in parallel). ``ubhop.py_current`` computes the node currents and
        the field for each.

    Examples
    --------
    >>> import ubhop
    >>> dev = ubhop.Device.square4(size=200e-9, cell=(10e-9, 10e-9, None))
    >>> dev.n_nodes, tuple(dev.mesh.n)
    (4, (20, 20, 1))
    """

    def __init__(
        self,
        size: Sequence[float],
        thickness: float = 10e-9,
        cell: Sequence[float | None] | None = None,
        pads: Sequence[Pad] = (),
        py: Permalloy | None = None,
        au: Gold | None = None,
        spacer: float = 10e-9,
        au_mask=None,
        disorder: Disorder | None = None,
        current_path: str = "au",
    ):
        if isinstance(size, str) or not hasattr(size, "__len__") or len(size) != 2:
            raise ValueError(f"Device.size must be a pair (Lx, Ly) in metres, got "
                             f"{size!r}.")
        self.size = tuple(check_number(v, f"Device.size[{k}]", low=0, high=1e-3,
                                       unit="m") for k, v in enumerate(size))
        self.thickness = check_number(thickness, "Device.thickness", low=0,
                                      high=1e-6, unit="m")
        if cell is None:
            cell = (5e-9, 5e-9, None)
        if isinstance(cell, str) or not hasattr(cell, "__len__") or len(cell) != 3:
            raise ValueError(f"Device.cell must be (dx, dy, dz) in metres (dz may be "
                             f"None: the thickness), got {cell!r}.")
        dz = self.thickness if cell[2] is None else cell[2]
        self.cell = tuple(check_number(c, f"Device.cell[{k}]", low=0, unit="m")
                          for k, c in enumerate((cell[0], cell[1], dz)))
        self.n = (
            _divisions(self.size[0], self.cell[0], "Lx"),
            _divisions(self.size[1], self.cell[1], "Ly"),
            _divisions(self.thickness, self.cell[2], "thickness"),
        )
        self.spacer = check_number(spacer, "Device.spacer", low=0, low_inclusive=True,
                                   unit="m")
        self.py = Permalloy() if py is None else py
        self.au = Gold() if au is None else au
        if not isinstance(self.py, Permalloy) or not isinstance(self.au, Gold):
            raise ValueError("Device.py must be a Permalloy and Device.au a Gold.")
        if disorder is not None and not isinstance(disorder, Disorder):
            raise ValueError(f"Device.disorder must be a Disorder, got {disorder!r}.")
        self.disorder = disorder
        if current_path not in CURRENT_PATHS:
            raise ValueError(f"Device.current_path must be one of {CURRENT_PATHS}, "
                             f"got {current_path!r}.")
        self.current_path = current_path
        self._au_rects = None
        self.au_mask = self._make_mask(au_mask)
        self.pads = tuple(pads)
        self._check_pads()

    # ------------------------------------------------------------------ layout
    def _make_mask(self, au_mask):
        nx, ny, _ = self.n
        if au_mask is None:
            return np.ones((nx, ny), dtype=bool)
        arr = np.asarray(au_mask, dtype=object)
        if arr.dtype == object and arr.ndim >= 1 and arr.shape != (nx, ny):
            rects = [(_as_pair(r[0], "au_mask x"), _as_pair(r[1], "au_mask y"))
                     for r in au_mask]
            self._au_rects = rects
            mask = np.zeros((nx, ny), dtype=bool)
            for rx, ry in rects:
                mask |= self._rect_cells(rx, ry, "Au mask rectangle")
            return mask
        mask = np.asarray(au_mask)
        if mask.shape != (nx, ny) or mask.dtype != bool:
            raise ValueError(
                f"au_mask must be a bool array of shape (nx, ny) = {(nx, ny)} or a "
                f"list of rectangles ((x0, x1), (y0, y1)); got shape {mask.shape} "
                f"and dtype {mask.dtype}."
            )
        return mask.copy()

    def _rect_cells(self, rx, ry, what):
        lx, ly = self.size
        tol = 1e-9 * max(lx, ly)
        if rx[0] < -tol or ry[0] < -tol or rx[1] > lx + tol or ry[1] > ly + tol:
            raise ValueError(
                f"{what} x={rx}, y={ry} lies (partly) outside the film "
                f"[0, {lx:g}] x [0, {ly:g}] m."
            )
        xc, yc = self.cell_centres()
        mx = (xc >= rx[0]) & (xc <= rx[1])
        my = (yc >= ry[0]) & (yc <= ry[1])
        cells = mx[:, None] & my[None, :]
        if not cells.any():
            raise ValueError(
                f"{what} x={rx}, y={ry} covers no cell centre; make it at least "
                f"one cell ({self.cell[0]:g} x {self.cell[1]:g} m) wide."
            )
        return cells

    def _check_pads(self):
        if len(self.pads) < 2:
            raise ValueError(f"A device needs at least 2 pads, got {len(self.pads)}.")
        bad = [p for p in self.pads if not isinstance(p, Pad)]
        if bad:
            raise ValueError(f"Device.pads must hold Pad objects, got {bad[0]!r}.")
        nodes = sorted({p.node for p in self.pads})
        if len(nodes) < 2:
            raise ValueError(
                f"A device needs at least 2 nodes, but all {len(self.pads)} pads "
                f"belong to node {nodes[0]}: give the pads different node numbers."
            )
        if nodes != list(range(len(nodes))):
            raise ValueError(
                f"Pad nodes must run over 0 .. N-1 without gaps, got nodes {nodes}."
            )
        owner = np.full(self.n[:2], -1, dtype=int)
        for k, pad in enumerate(self.pads):
            if not isinstance(pad, Pad):
                raise ValueError(f"Device.pads[{k}] must be a Pad, got {pad!r}.")
            cells = self._rect_cells(pad.x, pad.y, f"Pad {k} (node {pad.node})")
            clash = np.unique(owner[cells & (owner >= 0)])
            if clash.size:
                raise ValueError(
                    f"Pad {k} (node {pad.node}) overlaps pad {int(clash[0])}: pads "
                    f"must not share cells."
                )
            if not self.au_mask[cells].all():
                raise ValueError(
                    f"Pad {k} (node {pad.node}) is not entirely on the Au mask."
                )
            owner[cells] = k
        self._pad_of_cell = owner

    @property
    def n_nodes(self) -> int:
        """Number of nodes (neurons)."""
        return 1 + max(p.node for p in self.pads)

    @property
    def node_names(self) -> list[str]:
        """Names of the nodes: ``N E S W`` for the four-pad square, else indices.

        Four nodes whose pads sit on the top, right, bottom and left edges, in
        that order (``Device.square4``), are named N, E, S, W; any other
        device's nodes are named by their index.
        """
        n = self.n_nodes
        if n == 4:
            lx, ly = self.size
            edges = []
            for node in range(4):
                pads = [p for p in self.pads if p.node == node]
                if len(pads) != 1:
                    break
                (x0, x1), (y0, y1) = pads[0].x, pads[0].y
                edges.append("N" if y1 >= ly * (1 - 1e-9) else "E" if x1 >= lx * (
                    1 - 1e-9) else "S" if y0 <= 1e-9 * ly else "W" if x0 <= 1e-9 * lx
                    else "")
            if edges == ["N", "E", "S", "W"]:
                return edges
        return [str(k) for k in range(n)]

    @property
    def pad_of_cell(self) -> np.ndarray:
        """``(nx, ny)`` int array: index of the pad covering each cell, or -1."""
        return self._pad_of_cell.copy()

    @property
    def node_of_cell(self) -> np.ndarray:
        """``(nx, ny)`` int array: node owning each cell through a pad, or -1."""
        nodes = np.array([p.node for p in self.pads] + [-1])
        return nodes[self._pad_of_cell]

    def cell_centres(self):
        """Cell-centre coordinates ``(x, y)`` (m), 1-d arrays of length nx, ny."""
        (nx, ny, _), (dx, dy, _) = self.n, self.cell
        return (np.arange(nx) + 0.5) * dx, (np.arange(ny) + 0.5) * dy

    @property
    def mesh(self) -> df.Mesh:
        """The Py film as a ``df.Mesh`` (SI units, ``pmin`` at the origin)."""
        return df.Mesh(
            p1=(0.0, 0.0, 0.0),
            p2=(self.size[0], self.size[1], self.thickness),
            n=self.n,
        )

    @property
    def au_height(self) -> float:
        """Height of the Au mid-plane above the Py mid-plane (m)."""
        return 0.5 * self.thickness + self.spacer + 0.5 * self.au.thickness

    # ---------------------------------------------------------------- disorder
    def anisotropy(self):
        """Grain anisotropy as fields ready for ``mm.UniaxialAnisotropy``.

        Returns
        -------
        tuple of df.Field or None
            ``(K, u)``: the anisotropy constant (J/m^3, ``nvdim=1``) and the unit
            easy axis (``nvdim=3``) on ``dev.mesh``; None without disorder.
            Grains are columnar (the same through the thickness).
        """
        if self.disorder is None:
            return None
        d = self.disorder
        labels, n_grains = voronoi_grains(self.size, self.n[:2], self.cell[:2],
                                          d.grain_size, d.seed)
        rng = np.random.default_rng([d.seed, 1])
        if d.axes == "inplane":
            phi = rng.uniform(0, 2 * np.pi, n_grains)
            axes = np.stack([np.cos(phi), np.sin(phi), np.zeros_like(phi)], -1)
        else:
            axes = rng.normal(size=(n_grains, 3))
            axes /= np.linalg.norm(axes, axis=1, keepdims=True)
        kvals = d.K * rng.uniform(1 - d.K_spread, 1 + d.K_spread, n_grains)
        nz = self.n[2]
        k_arr = np.repeat(kvals[labels][:, :, None, None], nz, axis=2)
        u_arr = np.repeat(axes[labels][:, :, None, :], nz, axis=2)
        mesh = self.mesh
        return (df.Field(mesh, nvdim=1, value=k_arr),
                df.Field(mesh, nvdim=3, value=u_arr))

    def boundary_cells(self) -> np.ndarray | None:
        """In-plane cells of reduced exchange on the grain boundaries.

        Returns
        -------
        numpy.ndarray or None
            ``(nx, ny)`` bool: the cells with an in-plane neighbour (+-x,
            +-y) in a grain of higher index, i.e. one side of each boundary;
            None without disorder.
        """
        if self.disorder is None:
            return None
        d = self.disorder
        labels, _ = voronoi_grains(self.size, self.n[:2], self.cell[:2],
                                   d.grain_size, d.seed)
        mark = np.zeros(labels.shape, dtype=bool)
        mark[:-1, :] |= labels[1:, :] > labels[:-1, :]
        mark[1:, :] |= labels[:-1, :] > labels[1:, :]
        mark[:, :-1] |= labels[:, 1:] > labels[:, :-1]
        mark[:, 1:] |= labels[:, :-1] > labels[:, 1:]
        return mark

    def exchange(self):
        """The exchange stiffness as a field, or None where it is uniform.

        Returns
        -------
        df.Field or None
            ``A`` (J/m, ``nvdim=1``) on ``dev.mesh``: ``py.A``, times
            ``disorder.boundary_exchange`` in :meth:`boundary_cells`; None
            when the device has no disorder or ``boundary_exchange == 1``
            (then ``py.A`` everywhere).
        """
        if self.disorder is None or self.disorder.boundary_exchange == 1:
            return None
        mark = self.boundary_cells()
        a = np.where(mark, self.disorder.boundary_exchange * self.py.A, self.py.A)
        a = np.repeat(a[:, :, None, None], self.n[2], axis=2)
        return df.Field(self.mesh, nvdim=1, value=a)

    # --------------------------------------------------- material and drive
    def magnet_mask(self) -> np.ndarray | None:
        """The cells that hold magnetic material.

        Returns
        -------
        numpy.ndarray or None
            ``(nx, ny, nz)`` bool, True where there is material; None for a
            continuous film (every cell). Patterned devices
            (``ubhop.ChannelFilm``) return their islands; the engines give
            the other cells zero Ms.
        """
        return None

    def cubic_anisotropy(self):
        """Cubic magnetocrystalline anisotropy, as ``(K1, u1, u2)``, or None.

        Returns
        -------
        tuple or None
            ``K1`` (J/m^3, ``df.Field`` with ``nvdim=1``) and the two unit
            axes ``u1``, ``u2`` (3-tuples); None for Py (no cubic term).
        """
        return None

    def drive_field(self, voltages, au_layers: int = 3) -> df.Field:
        """The field (A/m) of one pulse with pad ``voltages`` (V), on ``dev.mesh``.

        The Oersted field of the Au layer's current (``ubhop.oersted_field``);
        devices with other current paths override this.
        """
        from .oersted import oersted_field

        return oersted_field(self, voltages, au_layers=au_layers)

    def conductance(self, m: df.Field) -> np.ndarray:
        """``(N, N)`` conductance matrix (S) read through AMR for texture ``m``.

        ``ubhop.conductance_matrix`` of the film; devices with other
        conduction paths override this.
        """
        from .amr import conductance_matrix

        return conductance_matrix(self, m)

    # ----------------------------------------------------------------- layouts
    @classmethod
    def square4(cls, size: float = 1e-6, thickness: float = 10e-9, cell=None,
                pad_width: float | None = None, pad_depth: float | None = None,
                **kwargs) -> Device:
        """The 4-node square: pads centred on the four edges, nodes N, E, S, W.

        Parameters
        ----------
        size : float
            Side of the square film (m). Default 1e-6.
        thickness : float
            Py thickness (m). Default 10e-9.
        cell : tuple, optional
            ``(dx, dy, dz)`` (m). Default ``(5e-9, 5e-9, thickness)``.
        pad_width : float, optional
            Pad length along the edge (m). Default ``0.2 * size``.
        pad_depth : float, optional
            Pad extent into the film (m). Default ``0.05 * size``.
        **kwargs
            Passed on to ``Device`` (``py``, ``au``, ``spacer``, ``disorder``).
        """
        cell = (5e-9, 5e-9, None) if cell is None else cell
        L = check_number(size, "size", low=0, high=1e-3, unit="m")
        w = 0.2 * L if pad_width is None else pad_width
        d = 0.05 * L if pad_depth is None else pad_depth
        dx, dy = cell[0], cell[1]
        wx = _snap(w, dx, minimum=1)
        wy = _snap(w, dy, minimum=1)
        dxp, dyp = _snap(d, dx, minimum=1), _snap(d, dy, minimum=1)
        x0 = _snap(0.5 * (L - wx), dx)
        y0 = _snap(0.5 * (L - wy), dy)
        pads = [
            Pad(0, (x0, x0 + wx), (L - dyp, L)),  # N
            Pad(1, (L - dxp, L), (y0, y0 + wy)),  # E
            Pad(2, (x0, x0 + wx), (0.0, dyp)),  # S
            Pad(3, (0.0, dxp), (y0, y0 + wy)),  # W
        ]
        return cls(size=(L, L), thickness=thickness, cell=cell, pads=pads, **kwargs)

    @classmethod
    def ring(cls, n: int, size: float = 1e-6, thickness: float = 10e-9, cell=None,
             pad_width: float | None = None, pad_depth: float | None = None,
             **kwargs) -> Device:
        """``n`` pads spread evenly round the perimeter of a square film.

        The pads go counter-clockwise from the south-west corner: each edge
        (south, east, north, west) holds ``n // 4`` pads, the first ``n % 4``
        edges one more, spaced evenly along the edge with the corner squares
        (of side ``pad_depth``) left free.

        Parameters
        ----------
        n : int
            Number of nodes, >= 2.
        size, thickness, cell, pad_depth, **kwargs
            As for ``square4``.
        pad_width : float, optional
            Pad length along the edge (m). Default: half the pad spacing.
        """
        if not isinstance(n, int) or n < 2:
            raise ValueError(f"ring(n) needs an int n >= 2, got {n!r}.")
        cell = (5e-9, 5e-9, None) if cell is None else cell
        L = check_number(size, "size", low=0, high=1e-3, unit="m")
        dx, dy = cell[0], cell[1]
        per_edge = [n // 4 + (1 if k < n % 4 else 0) for k in range(4)]
        d = 0.05 * L if pad_depth is None else pad_depth
        # pads stay out of the corner squares of side d, so that pads on
        # neighbouring edges never meet
        span = L - 2 * d
        spacing = span / max(per_edge)
        w = 0.5 * spacing if pad_width is None else pad_width
        pads, node = [], 0
        for edge, count in enumerate(per_edge):
            h = _snap(d, dy if edge in (0, 2) else dx, minimum=1)
            step = dx if edge in (0, 2) else dy
            ww = _snap(w, step, minimum=1)
            for k in range(count):
                s = d + span * (k + 0.5) / count
                a = _snap(s - 0.5 * ww, step)
                if edge == 0:  # south, left to right
                    pads.append(Pad(node, (a, a + ww), (0.0, h)))
                elif edge == 1:  # east, bottom to top
                    pads.append(Pad(node, (L - h, L), (a, a + ww)))
                elif edge == 2:  # north, right to left
                    b = L - a - ww
                    pads.append(Pad(node, (b, b + ww), (L - h, L)))
                else:  # west, top to bottom
                    b = L - a - ww
                    pads.append(Pad(node, (0.0, h), (b, b + ww)))
                node += 1
        return cls(size=(L, L), thickness=thickness, cell=cell, pads=pads, **kwargs)

    @classmethod
    def grid(cls, rows: int, cols: int, size: float = 1e-6, thickness: float = 10e-9,
             cell=None, pad_size: float | None = None, **kwargs) -> Device:
        """``rows x cols`` square pads in an interior array; node = row-major index.

        Row 0 is the top row (largest y), so that node order matches the reading
        order of a bitmap.

        Parameters
        ----------
        rows, cols : int
            Array shape, each >= 1 with ``rows * cols >= 2``.
        pad_size : float, optional
            Side of each square pad (m). Default: 0.3 of the pitch.
        size, thickness, cell, **kwargs
            As for ``square4``.
        """
        if not (isinstance(rows, int) and isinstance(cols, int)
                and rows >= 1 and cols >= 1 and rows * cols >= 2):
            raise ValueError(
                f"grid(rows, cols) needs ints >= 1 with rows * cols >= 2, got "
                f"({rows!r}, {cols!r})."
            )
        cell = (5e-9, 5e-9, None) if cell is None else cell
        L = check_number(size, "size", low=0, high=1e-3, unit="m")
        dx, dy = cell[0], cell[1]
        px, py_ = L / cols, L / rows
        p = 0.3 * min(px, py_) if pad_size is None else pad_size
        sx, sy = _snap(p, dx, minimum=1), _snap(p, dy, minimum=1)
        pads = []
        for r in range(rows):
            for c in range(cols):
                x0 = _snap((c + 0.5) * px - 0.5 * sx, dx)
                y0 = _snap(L - (r + 0.5) * py_ - 0.5 * sy, dy)
                pads.append(Pad(r * cols + c, (x0, x0 + sx), (y0, y0 + sy)))
        return cls(size=(L, L), thickness=thickness, cell=cell, pads=pads, **kwargs)

    # ----------------------------------------------------------------- TOML io
    def to_dict(self) -> dict:
        """The device as a plain dict (SI units) that ``from_dict`` reads back."""
        out = {
            "size": list(self.size),
            "thickness": self.thickness,
            "cell": list(self.cell),
            "spacer": self.spacer,
            "py": dataclasses.asdict(self.py),
            "au": dataclasses.asdict(self.au),
            "pads": [{"node": p.node, "x": list(p.x), "y": list(p.y)}
                     for p in self.pads],
        }
        if self._au_rects is not None:
            out["au_mask"] = {"rectangles": [[list(rx), list(ry)]
                                             for rx, ry in self._au_rects]}
        elif not self.au_mask.all():
            # one string per x column, '1' where the cell carries Au
            out["au_mask"] = {"columns": ["".join("1" if v else "0" for v in col)
                                          for col in self.au_mask]}
        if self.disorder is not None:
            out["disorder"] = dataclasses.asdict(self.disorder)
        if self.current_path != "au":
            out["current_path"] = self.current_path
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Device:
        """Build a device from the dict that ``to_dict`` writes.

        A dict with ``layout = "channels"`` builds a ``ubhop.ChannelFilm``.
        """
        if isinstance(data, dict) and data.get("layout", "film") != "film":
            layout = data["layout"]
            if layout not in LAYOUTS:
                raise ValueError(f"device.layout must be 'film' or one of "
                                 f"{sorted(LAYOUTS)}, got {layout!r}.")
            return LAYOUTS[layout].from_dict(data)
        known = {"size", "thickness", "cell", "spacer", "py", "au", "pads",
                 "au_mask", "disorder", "current_path", "layout"}
        data = dict(check_keys(data, known, "device"))
        require_keys(data, ("size", "pads"), "device")
        if not isinstance(data["pads"], list):
            raise ValueError(f"device.pads must be a list of tables with node, x and "
                             f"y, got {data['pads']!r}.")
        mask = data.get("au_mask")
        if mask is not None:
            if "rectangles" in mask:
                mask = [tuple(tuple(v) for v in r) for r in mask["rectangles"]]
            elif "columns" in mask:
                mask = np.array([[c == "1" for c in col] for col in mask["columns"]])
            else:
                raise ValueError("au_mask must hold 'rectangles' or 'columns'.")
        return cls(
            size=data["size"],
            thickness=data.get("thickness", 10e-9),
            cell=data.get("cell"),
            pads=[_pad_from_dict(p, k) for k, p in enumerate(data["pads"])],
            py=build(Permalloy, data.get("py", {}), "device.py"),
            au=build(Gold, data.get("au", {}), "device.au"),
            spacer=data.get("spacer", 10e-9),
            au_mask=mask,
            disorder=(build(Disorder, data["disorder"], "device.disorder")
                      if "disorder" in data else None),
            current_path=data.get("current_path", "au"),
        )

    def to_toml(self, path) -> None:
        """Write the device to a TOML file (atomically)."""
        path = os.fspath(path)
        tmp = f"{path}.tmp{os.getpid()}"
        with open(tmp, "wb") as f:
            tomli_w.dump({"device": self.to_dict()}, f)
        os.replace(tmp, path)

    @classmethod
    def from_toml(cls, path) -> Device:
        """Read a device from a TOML file written by ``to_toml``."""
        with open(path, "rb") as f:
            data = tomllib.load(f)
        return cls.from_dict(data.get("device", data))

    def __eq__(self, other):
        return isinstance(other, Device) and self.to_dict() == other.to_dict()

    __hash__ = None

    def __repr__(self):
        nx, ny, nz = self.n
        return (
            f"Device(size=({self.size[0]:g}, {self.size[1]:g}) m, "
            f"thickness={self.thickness:g} m, cells={nx}x{ny}x{nz}, "
            f"n_nodes={self.n_nodes}, pads={len(self.pads)}, "
            f"disorder={'yes' if self.disorder else 'no'})"
        )


def _snap(value, step, minimum=0):
    """Round ``value`` to a whole number (>= minimum) of ``step``."""
    return max(minimum, round(value / step)) * step
