"""A device of pair channels: many four-fold units per pair, each switched at random.

A design that makes ONE film follow eq. (1) (issue 17's route 3; the study
``studies/single_film``). Each pair of pads ``(i, j)`` is joined by its own Py
channel, a row of identical, magnetically separate units with four-fold
in-plane anisotropy (easy axes along the channel, x, and across it, y).
AMR reads the axis, not the sign: a unit along the current has the
resistance ``1 + amr`` of one across it. Two Au lines drive each channel:

- line A runs along the channel from pad ``i`` to pad ``j``: its current is
  ``(V_i - V_j) / 2`` in units of the pulse's, its field is ACROSS the
  channel and takes units from x to y (either sign of the field does);
- line B crosses the channel and joins both pads to a common ground: its
  current is ``(V_i + V_j) / 2``, its field is ALONG the channel and takes
  units back from y to x.

For a pattern of +-1 voltages exactly one line carries current: A when
``V_i V_j = -1``, B when ``+1`` (so, unlike the paper's film, the uniform
pattern ``++++`` drives current: through every B line to ground). The six
channels and their A lines join the four pads as the complete graph, which
is planar; the B lines cross the A lines and need a second Au level.
Pulsed just below the units' switching field, each unit in the state the
field acts on switches with probability ``q`` per pulse (thermal activation
over the remaining barrier), so the fraction ``f`` of units across the
channel obeys, in the mean,

    f -> f + q ((1 - V_i V_j) / 2 - f),

which is eq. (1) with rate ``q`` and fixed points at the channel's two AMR
extremes, and one film of ``N`` units per channel is a binomial sample of
it. The unit is a macrospin: ``E / (K1 V) = sin^2(2 theta) / 4 - b
sin(theta)`` with ``b = mu0 Ms H / K1`` for a field at 90 degrees to its axis;
the barrier vanishes at ``b_c = 4 / (3 sqrt 6)``, and the switching
probability of a pulse is Neel-Brown's ``1 - exp(-f0 tau exp(-dE / kT))``.
Magnetostatic coupling between units is left out here (the units are far
apart), and both lines are taken to sit at the same fraction ``h`` of the
units' switching field (for isolated units the two switches are mirror
images); ``studies/single_film/cubic_channel.py`` checks a row of units with
magnum.np, where the coupling makes the two thresholds differ.

Functions are pure; ``ChannelDevice`` holds one film's units and its
random state.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .patterns import check_states

B_C = 4.0 / (3.0 * math.sqrt(6.0))  # mu0 Ms H_c / K1 of the 90 degree switch


def reduced_barrier(h) -> np.ndarray:
    """Barrier of the 90 degree switch over ``K1 V``, at field ``h = H / H_c``.

    With ``s = sin(theta)`` the energy is ``E / (K1 V) = s^2 - s^4 - b s``
    (``b = B_C h``); its stationary points solve ``s^3 - s / 2 + b / 4 = 0``,
    whose roots are ``2 s* cos(phi - 2 pi k / 3)``, ``s* = 1 / sqrt(6)``, ``phi =
    arccos(-h) / 3``: ``k = 1`` is the minimum near the easy axis, ``k = 0`` the
    saddle toward the field.

    Parameters
    ----------
    h : array_like
        Field across the unit's axis over its 0 K switching field (>= 0).

    Returns
    -------
    numpy.ndarray
        ``(E_saddle - E_min) / (K1 V)``: 1/4 at ``h = 0``, 0 for ``h >= 1``.
        Near ``h = 1`` it vanishes as ``(1 - h)^(3/2)``.
    """
    h = np.atleast_1d(np.asarray(h, dtype=float))
    if np.any(~np.isfinite(h)) or np.any(h < 0):
        raise ValueError(f"h must be finite and >= 0, got {h!r}.")
    hc = np.minimum(h, 1.0)
    phi = np.arccos(-hc) / 3
    s_star = 1 / math.sqrt(6)
    s_max = 2 * s_star * np.cos(phi)
    s_min = 2 * s_star * np.cos(phi - 2 * math.pi / 3)

    def energy(s):
        return s**2 - s**4 - B_C * hc * s

    return np.where(h >= 1, 0.0, np.maximum(energy(s_max) - energy(s_min), 0.0))


def switch_probability(h, barrier_kT: float, attempts: float) -> np.ndarray:
    """Probability that one pulse switches a unit (Neel-Brown).

    Parameters
    ----------
    h : array_like
        Field over the unit's 0 K switching field.
    barrier_kT : float
        ``K1 V / kT``: the unit's anisotropy energy in units of kT (its
        zero-field barrier is a quarter of it).
    attempts : float
        ``f0 tau``: attempt frequency times pulse length.

    Returns
    -------
    numpy.ndarray
        ``1 - exp(-attempts exp(-barrier))``; 1 above the threshold.
    """
    rate = attempts * np.exp(-barrier_kT * reduced_barrier(h))
    return np.where(np.asarray(h) >= 1, 1.0, -np.expm1(-rate))


def field_for_probability(q: float, barrier_kT: float, attempts: float) -> float:
    """The field ``h`` at which one pulse switches a unit with probability ``q``."""
    if not 0 < q < 1:
        raise ValueError(f"q must lie in (0, 1), got {q!r}.")
    lo, hi = 0.0, 1.0
    if switch_probability(0.0, barrier_kT, attempts)[0] >= q:
        raise ValueError("The units switch that often without a field: raise "
                         "barrier_kT or lower attempts.")
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if switch_probability(mid, barrier_kT, attempts)[0] < q:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@dataclasses.dataclass
class ChannelDevice:
    """One film of pair channels: its units, their thresholds and states.

    Parameters
    ----------
    n_nodes : int
        Pads (>= 2); one channel per pair.
    units : int
        Units per channel (>= 1).
    barrier_kT : float
        ``K1 V / kT`` of a unit. Default 146 (a Fe disk 40 nm across and
        10 nm thick at 300 K, K1 = 4.8e4 J/m^3: its barrier at zero field is
        36 kT).
    attempts : float
        ``f0 tau``. Default 1e3 (f0 = 1e10 Hz, 0.1 us pulses).
    spread : float
        Relative standard deviation of the units' switching fields (size and
        shape scatter), in [0, 0.2]. Default 0.
    amr : float
        ``rho_par / rho_perp - 1`` of the units. Default 0.02.
    g_channel : float
        Conductance of a channel with every unit across it (S). Default 1e-3.
    seed : int
        Seed of this film (thresholds, start and every pulse).
    start : float
        Fraction of each channel's units across it at the start, drawn at
        random per unit. Default 0.5.
    """

    n_nodes: int = 4
    units: int = 32
    barrier_kT: float = 146.0
    attempts: float = 1e3
    spread: float = 0.0
    amr: float = 0.02
    g_channel: float = 1e-3
    seed: int = 0
    start: float = 0.5

    def __post_init__(self):
        if not (isinstance(self.n_nodes, int) and self.n_nodes >= 2):
            raise ValueError(f"n_nodes must be an int >= 2, got {self.n_nodes!r}.")
        if not (isinstance(self.units, int) and self.units >= 1):
            raise ValueError(f"units must be an int >= 1, got {self.units!r}.")
        for name in ("barrier_kT", "attempts", "g_channel"):
            v = getattr(self, name)
            if not (np.isfinite(v) and v > 0):
                raise ValueError(f"{name} must be finite and > 0, got {v!r}.")
        if not (np.isfinite(self.spread) and 0 <= self.spread <= 0.2):
            # beyond 0.2 a Gaussian draw below zero field (5 sigma) is no longer
            # negligible among thousands of units
            raise ValueError(f"spread must lie in [0, 0.2], got {self.spread!r}.")
        if not (np.isfinite(self.amr) and 0 < self.amr < 1):
            raise ValueError(f"amr must lie in (0, 1), got {self.amr!r}.")
        if not 0 <= self.start <= 1:
            raise ValueError(f"start must lie in [0, 1], got {self.start!r}.")
        self.pairs = list(zip(*np.triu_indices(self.n_nodes, 1), strict=True))
        self.rng = np.random.default_rng([self.seed, 17])
        shape = (len(self.pairs), self.units)
        self.h_c = 1.0 + self.spread * self.rng.standard_normal(shape)
        self.across = self.rng.random(shape) < self.start
        self._q = None

    def conductance(self) -> np.ndarray:
        """``(N, N)`` conductances (S): channel ``(i, j)`` at ``G_ij``.

        The channels join the pads directly, so the network's terminal
        matrix has ``-K_ij`` = the channel's conductance: its units in series,
        ``1 + amr`` for a unit along the current, 1 across.
        """
        r = np.where(self.across, 1.0, 1.0 + self.amr).mean(axis=1)
        g = np.zeros((self.n_nodes, self.n_nodes))
        for k, (i, j) in enumerate(self.pairs):
            g[i, j] = g[j, i] = self.g_channel / r[k]
        return g

    def pulse(self, pattern, h: float) -> np.ndarray:
        """Apply one pulse of a +-1 pattern at field ``h``; return G after it.

        Parameters
        ----------
        pattern : str or array_like
            +-1 per pad (``"++--"`` or ``[1, 1, -1, -1]``).
        h : float
            The active line's field over the units' mean 0 K switching field.
        """
        v = check_states(pattern, self.n_nodes).astype(int)
        if v.ndim != 1:
            raise ValueError(f"One pattern per pulse, got shape {v.shape}.")
        if not (np.isfinite(h) and h >= 0):
            raise ValueError(f"h must be finite and >= 0, got {h!r}.")
        q = self.probabilities(h)
        for k, (i, j) in enumerate(self.pairs):
            # line A (across) when V_i V_j = -1 acts on units along; B on across
            acting = ~self.across[k] if v[i] * v[j] < 0 else self.across[k]
            flip = acting & (self.rng.random(self.units) < q[k])
            self.across[k] ^= flip
        return self.conductance()

    def probabilities(self, h: float) -> np.ndarray:
        """``(pairs, units)`` switching probability of each unit at field ``h``."""
        if self._q is None or self._q[0] != h:
            q = switch_probability(h / self.h_c.ravel(), self.barrier_kT,
                                   self.attempts).reshape(self.h_c.shape)
            self._q = (h, q)
        return self._q[1]

    def limits(self) -> tuple[float, float]:
        """``(G_min, G_max)`` (S) of a channel: every unit along, every unit across."""
        return self.g_channel / (1 + self.amr), self.g_channel


def mean_fraction(f0: float, products, q: float) -> np.ndarray:
    """Expected fraction across, pulse by pulse: eq. (1) at rate ``q``.

    Parameters
    ----------
    f0 : float
        Start fraction.
    products : array_like
        ``V_i V_j`` (+-1) of each pulse.
    q : float
        Switching probability per pulse.
    """
    f = [float(f0)]
    for s in np.asarray(products, dtype=float):
        f.append(f[-1] + q * ((1 - s) / 2 - f[-1]))
    return np.array(f)
