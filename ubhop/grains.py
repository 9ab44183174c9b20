"""Voronoi grains for the polycrystalline disorder of the Py film."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree


def voronoi_grains(size, n, cell, grain_size, seed):
    """Label each in-plane cell with the Voronoi grain it belongs to.

    Grain seeds are uniform random points in the film (a Poisson-Voronoi
    tessellation), as many as ``round(Lx * Ly / grain_size**2)`` (at least 1),
    so the mean grain area is ``grain_size**2``.

    Parameters
    ----------
    size : tuple of float
        Film size ``(Lx, Ly)`` (m).
    n : tuple of int
        Cells ``(nx, ny)``.
    cell : tuple of float
        Cell size ``(dx, dy)`` (m).
    grain_size : float
        Mean grain diameter (m).
    seed : int
        Random seed.

    Returns
    -------
    labels : numpy.ndarray
        ``(nx, ny)`` int array of grain indices.
    n_grains : int
        Number of grains.
    """
    rng = np.random.default_rng([seed, 0])
    n_grains = max(1, round(size[0] * size[1] / grain_size**2))
    points = rng.uniform((0.0, 0.0), size, size=(n_grains, 2))
    xc = (np.arange(n[0]) + 0.5) * cell[0]
    yc = (np.arange(n[1]) + 0.5) * cell[1]
    xx, yy = np.meshgrid(xc, yc, indexing="ij")
    _, labels = cKDTree(points).query(np.stack([xx.ravel(), yy.ravel()], -1))
    return labels.reshape(n[0], n[1]), n_grains
