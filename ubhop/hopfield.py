"""The Hopfield layer: energy, recall, landscapes, and software learning rules.

States are vectors of +1/-1. The energy is ``E(s) = -1/2 s^T W s`` and recall
updates ``s_i <- sign(sum_j W_ij s_j)`` (a zero local field keeps ``s_i``) until
a fixed point. With a symmetric ``W`` and zero diagonal, asynchronous updates
never raise the energy, so recall always ends at a fixed point.

A local field counts as zero when ``|h_i| <= 1e-12 sum_j |W_ij|`` (as in
``ubhop.accuracy.stable_fraction``): a field that is zero in exact arithmetic
comes out of the floating-point sum as a rounding error of either sign, and
would otherwise decide the update. Such exact ties are common for the
projection rule on letters that share pixels (a pixel equal in every stored
letter).
"""

from __future__ import annotations

import itertools

import numpy as np

from .patterns import as_patterns, check_states

ZERO_FIELD = 1e-12


def check_weights(w, rtol: float = 1e-9) -> np.ndarray:
    """Return ``W`` as a float array after checking it is square and symmetric."""
    w = np.asarray(w, dtype=float)
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"W must be a square (N, N) matrix, got shape {w.shape}.")
    if not np.isfinite(w).all():
        raise ValueError("W holds NaN or infinite values.")
    scale = max(np.abs(w).max(), 1e-300)
    asym = np.abs(w - w.T).max()
    if asym > rtol * scale:
        raise ValueError(
            f"W must be symmetric: max |W - W^T| = {asym:.3g} (relative "
            f"{asym / scale:.1e}) exceeds {rtol:g}."
        )
    return w


class HopfieldNetwork:
    """A Hopfield network with symmetric weights.

    Parameters
    ----------
    w : array_like
        ``(N, N)`` symmetric weights; the diagonal is set to zero.

    Examples
    --------
    >>> import ubhop
    >>> net = ubhop.HopfieldNetwork(ubhop.outer_product([[1, 1, -1, -1]]))
    >>> net.recall([1, -1, -1, -1]).tolist()
    [1, 1, -1, -1]
    """

    def __init__(self, w):
        w = check_weights(w).copy()
        np.fill_diagonal(w, 0.0)
        self.w = 0.5 * (w + w.T)
        self.n = w.shape[0]
        # |h_i| at or below this is a zero field (rounding of an exact tie)
        self.zero_field = ZERO_FIELD * np.abs(self.w).sum(axis=1)

    def energy(self, s):
        """``-1/2 s^T W s`` for one state ``(N,)`` or a batch ``(B, N)``."""
        s = check_states(s, self.n, what="state").astype(float)
        return -0.5 * np.einsum("...i,ij,...j->...", s, self.w, s)

    def recall(self, s, seed: int = 0, mode: str = "async", max_sweeps: int = 1000,
               return_path: bool = False):
        """Recall from one state, or from a batch of states at once.

        Parameters
        ----------
        s : array_like
            ``(N,)`` or ``(B, N)`` states of +1/-1.
        seed : int
            Seed of the update order (asynchronous mode).
        mode : str
            ``"async"``: one node at a time, each sweep in a fresh random
            order (the same for every state of a batch); ``"sync"``: all nodes
            at once (may end in a 2-cycle, reported by a ``RuntimeError``).
        max_sweeps : int
            Give up (``RuntimeError``) after this many sweeps.
        return_path : bool
            Also return the energies after every single update (async) or
            sweep (sync), ``(steps, B)``.

        Returns
        -------
        numpy.ndarray
            The fixed points, same shape as ``s``; with ``return_path`` a tuple
            ``(fixed points, energies)``.
        """
        s0 = check_states(s, self.n, what="state")
        if mode not in ("async", "sync"):
            raise ValueError(f"mode must be 'async' or 'sync', got {mode!r}.")
        single = s0.ndim == 1
        x = np.atleast_2d(s0).astype(float).copy()
        rng = np.random.default_rng(seed)
        path = [self._energies(x)] if return_path else None
        for _ in range(max_sweeps):
            if mode == "async":
                changed = False
                for i in rng.permutation(self.n):
                    h = x @ self.w[i]
                    tie = self.zero_field[i]
                    new = np.where(h > tie, 1.0, np.where(h < -tie, -1.0, x[:, i]))
                    if np.any(new != x[:, i]):
                        changed = True
                        x[:, i] = new
                    if return_path:
                        path.append(self._energies(x))
            else:
                h = x @ self.w
                tie = self.zero_field
                new = np.where(h > tie, 1.0, np.where(h < -tie, -1.0, x))
                changed = bool(np.any(new != x))
                x = new
                if return_path:
                    path.append(self._energies(x))
            if not changed:
                break
        else:
            raise RuntimeError(
                f"Recall did not reach a fixed point in {max_sweeps} sweeps "
                f"(mode={mode!r}); synchronous updates can cycle."
            )
        out = x.astype(np.int8)
        out = out[0] if single else out
        if return_path:
            return out, np.array(path)
        return out

    def _energies(self, x):
        return -0.5 * np.einsum("bi,ij,bj->b", x, self.w, x)

    def landscape(self):
        """All ``2^N`` states and their energies (N <= 20).

        Returns
        -------
        states : numpy.ndarray
            ``(2^N, N)`` of +1/-1, in binary order with ``+`` as 0.
        energies : numpy.ndarray
            ``(2^N,)``.
        """
        if self.n > 20:
            raise ValueError(f"The full landscape needs N <= 20, got N = {self.n}.")
        states = np.array(list(itertools.product((1, -1), repeat=self.n)),
                          dtype=np.int8)
        return states, self.energy(states)

    def minima(self, atol: float = 1e-12):
        """The states of lowest energy over the full landscape (N <= 20)."""
        states, e = self.landscape()
        return states[e <= e.min() + atol * max(1.0, abs(e.min()))]


def outer_product(patterns) -> np.ndarray:
    """Hebbian (outer-product) weights ``W = 1/N sum_p x_p x_p^T``, zero diagonal.

    Parameters
    ----------
    patterns : array_like
        ``(P, N)`` patterns of +1/-1.
    """
    x = as_patterns(patterns).astype(float)
    w = x.T @ x / x.shape[1]
    np.fill_diagonal(w, 0.0)
    return w


def projection(patterns) -> np.ndarray:
    """Projection (pseudo-inverse) rule ``W = X X^+``, zero diagonal.

    Every linearly independent pattern set is stored exactly: ``W x_p = x_p``
    before the diagonal is removed, and removing it keeps each pattern a fixed
    point as long as ``W_ii < 1``.

    Parameters
    ----------
    patterns : array_like
        ``(P, N)`` patterns of +1/-1.
    """
    x = as_patterns(patterns).astype(float).T  # (N, P)
    w = x @ np.linalg.pinv(x)
    np.fill_diagonal(w, 0.0)
    return 0.5 * (w + w.T)
