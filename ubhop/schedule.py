"""Stages of a micromagnetic schedule: field pulses and relaxations."""

from __future__ import annotations

import dataclasses
import math

import discretisedfield as df
import numpy as np


@dataclasses.dataclass(frozen=True, eq=False)
class Pulse:
    """A field pulse: ``H(r, t) = field(r) * profile(t)`` for ``0 <= t <= duration``.

    The profile is rectangular with smooth (raised-cosine) ramps of length
    ``rise`` at both ends, so it is 0 at both ends and 1 on the plateau.

    Parameters
    ----------
    field : df.Field
        Peak field ``H`` (A/m), ``nvdim=3``, on the device mesh.
    duration : float
        Pulse length (s), > 0, ramps included.
    rise : float
        Ramp time (s), ``0 <= 2 * rise <= duration``. Default 50e-12.
    n_output : int
        Snapshots saved during the pulse: OOMMF writes this many magnetisation
        files and table rows into its drive directory (kept with the engine's
        ``workdir``); magnum.np ignores it. ``engine.run`` always returns the
        magnetisation at the end of the pulse. Default 1.
    temperature : float
        Temperature during the pulse (K), >= 0. Default 0 (deterministic LLG).
        Above 0 the pulse is integrated with a stochastic LLG (a thermal
        field of fixed step ``timestep``): OOMMF's UHH theta evolver, or
        magnum.np's ``ThermalField`` in a stochastic Heun scheme.
    seed : int
        Seed of the thermal field (``temperature > 0``); the same seed gives
        the same pulse. Default 1.
    timestep : float
        Fixed time step of the stochastic integration (s), > 0, and at most
        ``duration`` when ``temperature > 0``. Default 5e-14.

    Examples
    --------
    >>> import discretisedfield as df, ubhop
    >>> mesh = df.Mesh(p1=(0, 0, 0), p2=(1e-7, 1e-7, 1e-8), n=(10, 10, 1))
    >>> p = ubhop.Pulse(field=df.Field(mesh, nvdim=3, value=(1e4, 0, 0)),
    ...                 duration=1e-9)
    >>> float(p.profile(0.5e-9)), float(p.profile(0.0))
    (1.0, 0.0)
    """

    field: df.Field
    duration: float
    rise: float = 50e-12
    n_output: int = 1
    temperature: float = 0.0
    seed: int = 1
    timestep: float = 5e-14

    def __post_init__(self):
        if not isinstance(self.field, df.Field) or self.field.nvdim != 3:
            raise TypeError(
                "Pulse.field must be a discretisedfield.Field with nvdim=3 (A/m)."
            )
        if not np.isfinite(self.field.array).all():
            raise ValueError("Pulse.field holds NaN or infinite values.")
        if not (isinstance(self.duration, int | float) and math.isfinite(self.duration)
                and self.duration > 0):
            raise ValueError(
                f"Pulse.duration must be a finite time > 0 s, got {self.duration!r}."
            )
        if not (math.isfinite(self.rise) and 0 <= 2 * self.rise <= self.duration):
            raise ValueError(
                f"Pulse.rise must satisfy 0 <= 2 * rise <= duration, got rise="
                f"{self.rise!r} for duration={self.duration!r}."
            )
        if not (isinstance(self.n_output, int) and self.n_output >= 1):
            raise ValueError(f"Pulse.n_output must be an int >= 1, got "
                             f"{self.n_output!r}.")
        if not (isinstance(self.temperature, int | float)
                and math.isfinite(self.temperature) and self.temperature >= 0):
            raise ValueError(f"Pulse.temperature must be a finite value >= 0 K, got "
                             f"{self.temperature!r}.")
        if not (isinstance(self.seed, int) and 0 <= self.seed < 2**31):
            raise ValueError(f"Pulse.seed must be an int in [0, 2**31), got "
                             f"{self.seed!r}.")
        if not (isinstance(self.timestep, int | float) and math.isfinite(self.timestep)
                and self.timestep > 0
                and (self.temperature == 0 or self.timestep <= self.duration)):
            raise ValueError(f"Pulse.timestep must satisfy 0 < timestep <= duration, "
                             f"got {self.timestep!r} for duration "
                             f"{self.duration!r}.")

    def profile(self, t):
        """Dimensionless time profile f(t) in [0, 1]; 0 outside the pulse."""
        t = np.asarray(t, dtype=float)
        r, d = self.rise, self.duration
        if r == 0:
            return np.where((t >= 0) & (t <= d), 1.0, 0.0)
        up = 0.5 * (1 - np.cos(np.pi * np.clip(t / r, 0, 1)))
        down = 0.5 * (1 - np.cos(np.pi * np.clip((d - t) / r, 0, 1)))
        return np.where((t < 0) | (t > d), 0.0, np.minimum(up, down))


@dataclasses.dataclass(frozen=True)
class Relax:
    """Relaxation at zero applied field.

    Parameters
    ----------
    method : str
        ``"minimise"``: energy minimisation to a local minimum (OOMMF's
        ``MinDriver``); ``"time"``: damped LLG time evolution for ``duration``
        (the interval between pulses of a real device).
    duration : float
        Length of the time evolution (s), for ``method="time"``. Default 2e-9.
    alpha : float, optional
        Damping for the time evolution; default: the device's alpha.
    """

    method: str = "minimise"
    duration: float = 2e-9
    alpha: float | None = None

    def __post_init__(self):
        if self.method not in ("minimise", "time"):
            raise ValueError(
                f"Relax.method must be 'minimise' or 'time', got {self.method!r}."
            )
        from .validation import check_number

        check_number(self.duration, "Relax.duration", low=0, high=1e-6, unit="s")
        if self.alpha is not None:
            check_number(self.alpha, "Relax.alpha", low=0, high=10)


def check_schedule(dev, stages):
    """Check a list of stages against a device; return it as a list."""
    from .validation import same_mesh

    stages = list(stages)
    if not stages:
        raise ValueError("The schedule is empty: give at least one Pulse or Relax.")
    for k, st in enumerate(stages):
        if isinstance(st, Pulse):
            if not same_mesh(st.field.mesh, dev.mesh):
                raise ValueError(
                    f"Stage {k}: the pulse field lives on another mesh than the "
                    f"device; build it with ubhop.oersted_field(dev, ...)."
                )
        elif not isinstance(st, Relax):
            raise TypeError(
                f"Stage {k} must be a ubhop.Pulse or ubhop.Relax, got "
                f"{type(st).__name__}."
            )
    return stages
