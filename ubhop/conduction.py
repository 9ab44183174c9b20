"""Steady conduction in a thin sheet with a per-cell conductivity tensor.

``div(S grad phi) = 0`` is solved with bilinear (Q1) finite elements whose
nodes are the corners of the finite-difference cells, with one constant 2 x 2
sheet-conductance tensor ``S`` (siemens) per cell. Q1 elements reproduce any
linear potential exactly, so the scheme is exact for a uniform tensor,
off-diagonal (planar Hall) part included. Boundaries are insulating; pads are
perfectly conducting contacts: all nodes of a node's pad cells share one
potential (a terminal).

The terminal matrix ``K`` (siemens) maps terminal potentials to the currents
flowing into the sheet through the terminals, ``I = K V``. It is the Schur
complement of the stiffness matrix onto the terminals, computed from one sparse
LU factorisation of the interior block, reused for every terminal.
"""

from __future__ import annotations

import functools

import numpy as np
import scipy.ndimage as ndi
import scipy.sparse as sp
import scipy.sparse.linalg as spla

# Local node order of a cell: (0,0), (1,0), (0,1), (1,1) in (x, y) corner offsets.
_CORNERS = np.array([[0, 0], [1, 0], [0, 1], [1, 1]])


@functools.cache
def _reference_matrices():
    """Q1 stiffness pieces on the unit square, by exact 2 x 2 Gauss quadrature.

    Returns ``(Kxx, Kyy, Kxy)`` with ``Kxx[a, b] = int dNa/dxi dNb/dxi``,
    ``Kyy`` likewise in eta and ``Kxy[a, b] = int dNa/dxi dNb/deta``.
    """
    g = 0.5 + np.array([-1.0, 1.0]) / (2 * np.sqrt(3.0))
    kxx, kyy, kxy = (np.zeros((4, 4)) for _ in range(3))
    for xi in g:
        for eta in g:
            fx = np.where(_CORNERS[:, 0] == 1, xi, 1 - xi)
            fy = np.where(_CORNERS[:, 1] == 1, eta, 1 - eta)
            sx = np.where(_CORNERS[:, 0] == 1, 1.0, -1.0)
            sy = np.where(_CORNERS[:, 1] == 1, 1.0, -1.0)
            dx, dy = sx * fy, sy * fx
            kxx += 0.25 * np.outer(dx, dx)
            kyy += 0.25 * np.outer(dy, dy)
            kxy += 0.25 * np.outer(dx, dy)
    return kxx, kyy, kxy


def element_matrices(sheet, cell, active):
    """Q1 element stiffness matrices of the active cells.

    Parameters
    ----------
    sheet : numpy.ndarray
        ``(nx, ny, 2, 2)`` sheet conductance (S).
    cell : tuple of float
        ``(dx, dy)`` (m).
    active : numpy.ndarray
        ``(nx, ny)`` bool: the cells to assemble.

    Returns
    -------
    gnode : numpy.ndarray
        ``(n_cells, 4)`` global corner-node indices ``i * (ny + 1) + j``.
    ke : numpy.ndarray
        ``(n_cells, 4, 4)`` element matrices (S),
        ``Sxx Kxx + Syy Kyy + Sxy (Kxy + Kxy^T)``.
    """
    ny = sheet.shape[1]
    ci, cj = np.nonzero(active)
    gnode = ((ci[:, None] + _CORNERS[None, :, 0]) * (ny + 1)
             + cj[:, None] + _CORNERS[None, :, 1])
    kxx, kyy, kxy = _reference_matrices()
    dx, dy = cell
    s = sheet[ci, cj]
    ke = (s[:, 0, 0, None, None] * (dy / dx) * kxx
          + s[:, 1, 1, None, None] * (dx / dy) * kyy
          + s[:, 0, 1, None, None] * kxy + s[:, 1, 0, None, None] * kxy.T)
    return gnode, ke


def _check_tensor(sheet):
    sheet = np.asarray(sheet, dtype=float)
    if sheet.ndim != 4 or sheet.shape[2:] != (2, 2):
        raise ValueError(
            f"The sheet conductance must have shape (nx, ny, 2, 2), got {sheet.shape}."
        )
    if not np.isfinite(sheet).all():
        raise ValueError("The sheet conductance holds NaN or infinite values.")
    asym = np.abs(sheet[..., 0, 1] - sheet[..., 1, 0]).max()
    scale = max(float(np.abs(sheet).max()), 1e-300)
    if asym > 1e-12 * scale:
        raise ValueError(
            f"The sheet conductance tensor must be symmetric in every cell (Onsager "
            f"reciprocity at zero field): max |S_xy - S_yx| = {asym:.3g} S, "
            f"{asym / scale:.1e} of the largest entry.")
    return sheet


class SheetConductor:
    """A factorised conducting sheet with terminals.

    Parameters
    ----------
    sheet : numpy.ndarray
        ``(nx, ny, 2, 2)`` sheet conductance tensor per cell (S), symmetric;
        zero in cells that do not conduct.
    node_of_cell : numpy.ndarray
        ``(nx, ny)`` int: the terminal (node) a cell's pad belongs to, -1 if none.
    n_nodes : int
        Number of terminals.
    cell : tuple of float
        ``(dx, dy)`` (m).
    conducting : numpy.ndarray, optional
        ``(nx, ny)`` bool mask of conducting cells. Default: cells with a
        nonzero tensor.

    Notes
    -----
    Conducting islands that touch no pad carry no current and are left out
    (their potential is reported as NaN). Pads of different nodes must not
    touch, not even at a corner, since they would short.
    """

    def __init__(self, sheet, node_of_cell, n_nodes, cell, conducting=None):
        sheet = _check_tensor(sheet)
        nx, ny = sheet.shape[:2]
        node_of_cell = np.asarray(node_of_cell)
        if conducting is None:
            conducting = np.abs(sheet).sum(axis=(2, 3)) > 0
        self.shape = (nx, ny)
        self.cell = (float(cell[0]), float(cell[1]))
        self.n_nodes = int(n_nodes)

        # Keep only conducting islands that touch a pad (8-connectivity: cells
        # that share a corner share a node).
        labels, _ = ndi.label(conducting, structure=np.ones((3, 3)))
        touched = np.unique(labels[(node_of_cell >= 0) & conducting])
        active = np.isin(labels, touched[touched > 0])
        if not active[node_of_cell >= 0].all():
            raise ValueError("Every pad must lie on conducting cells.")
        self.active = active

        gnode, ke = element_matrices(sheet, self.cell, active)
        ci, cj = np.nonzero(active)

        # Terminal of each corner node (-1: free).
        term = np.full((nx + 1) * (ny + 1), -1, dtype=int)
        owner = node_of_cell[ci, cj]
        pc = owner >= 0
        tn, tv = gnode[pc].ravel(), np.repeat(owner[pc], 4)
        term[tn] = tv
        clash = term[tn] != tv
        if clash.any():
            raise ValueError(
                "Pads of different nodes touch (share a cell corner); leave at "
                "least one cell between them."
            )
        used = np.zeros((nx + 1) * (ny + 1), dtype=bool)
        used[gnode.ravel()] = True
        free = used & (term < 0)
        dof = np.full((nx + 1) * (ny + 1), -1, dtype=int)
        n_free = int(free.sum())
        dof[free] = np.arange(n_free)
        dof[term >= 0] = n_free + term[term >= 0]
        self._dof, self._n_free = dof, n_free

        d = dof[gnode]
        rows = np.repeat(d, 4, axis=1).ravel()
        cols = np.tile(d, (1, 4)).ravel()
        n_dof = n_free + self.n_nodes
        a = sp.csr_matrix((ke.ravel(), (rows, cols)), shape=(n_dof, n_dof))
        a_ff = a[:n_free, :n_free].tocsc()
        a_ft = a[:n_free, n_free:].toarray()
        a_tt = a[n_free:, n_free:].toarray()
        if n_free:
            lu = spla.splu(a_ff, permc_spec="MMD_AT_PLUS_A")
            x = lu.solve(a_ft)  # (n_free, N): one factorisation, N solves
        else:
            x = np.zeros((0, self.n_nodes))
        k = a_tt - a_ft.T @ x
        self.K = 0.5 * (k + k.T)
        self._x = x

    def potential(self, voltages):
        """Node potentials (V) for terminal voltages, on the corner grid.

        Parameters
        ----------
        voltages : array_like
            Length-N terminal potentials (V).

        Returns
        -------
        numpy.ndarray
            ``(nx + 1, ny + 1)`` potentials; NaN where no current can flow.
        """
        v = np.asarray(voltages, dtype=float)
        full = np.full(self._dof.shape, np.nan)
        sol = np.concatenate([-self._x @ v, v])
        ok = self._dof >= 0
        full[ok] = sol[self._dof[ok]]
        return full.reshape(self.shape[0] + 1, self.shape[1] + 1)

    def cell_gradient(self, voltages):
        """Potential gradient (V/m) at cell centres, ``(nx, ny, 2)``; 0 off-sheet."""
        phi = np.nan_to_num(self.potential(voltages))
        dx, dy = self.cell
        gx = (phi[1:, :-1] + phi[1:, 1:] - phi[:-1, :-1] - phi[:-1, 1:]) / (2 * dx)
        gy = (phi[:-1, 1:] + phi[1:, 1:] - phi[:-1, :-1] - phi[1:, :-1]) / (2 * dy)
        grad = np.stack([gx, gy], axis=-1)
        grad[~self.active] = 0.0
        return grad

    def terminal_currents(self, voltages):
        """Currents (A) into the sheet through each terminal, ``K @ V``."""
        return self.K @ np.asarray(voltages, dtype=float)


def isotropic_sheet(conductance, mask):
    """``(nx, ny, 2, 2)`` tensor: ``conductance`` (S) times identity on ``mask``."""
    mask = np.asarray(mask, dtype=bool)
    out = np.zeros(mask.shape + (2, 2))
    out[mask, 0, 0] = conductance
    out[mask, 1, 1] = conductance
    return out


def pseudo_resistance(k, i, j):
    """Two-terminal resistance (Ohm) between terminals i and j, others floating.

    Parameters
    ----------
    k : numpy.ndarray
        ``(N, N)`` terminal matrix (S).
    i, j : int
        The two terminals.

    Returns
    -------
    float
        ``(e_i - e_j)^T K^+ (e_i - e_j)``; ``inf`` if they are not connected.
    """
    n = k.shape[0]
    e = np.zeros(n)
    e[i], e[j] = 1.0, -1.0
    # Ground terminal j and solve for the others with unit current into i.
    keep = [t for t in range(n) if t != j]
    sub = k[np.ix_(keep, keep)]
    rhs = e[keep]
    try:
        v = np.linalg.solve(sub, rhs)
    except np.linalg.LinAlgError:
        v, *_ = np.linalg.lstsq(sub, rhs, rcond=None)
    r = float(v[keep.index(i)])
    scale = np.abs(k).max()
    if not np.isfinite(r) or r * scale > 1e12:
        return float("inf")
    return r
