"""The main job: a small 4-node device trained on '++--', then on '+--+'."""

from __future__ import annotations

from .device import Device
from .materials import Disorder
from .schedule import Relax
from .training import TrainingConfig

DEMO_PULSES = 4
DEMO_SIZE = 1e-6


def demo_config(pulses: int | None = None, engine: str = "auto",
                size: float = DEMO_SIZE, seed: int = 0, k_spread: float = 0.0,
                boundary_exchange: float = 1.0) -> TrainingConfig:
    """The demo's training configuration (see the README for the choices).

    Parameters
    ----------
    pulses : int, optional
        Pulses per pattern. Default ``DEMO_PULSES``.
    engine : str
        Engine name for the configuration.
    size : float
        Film side (m). Default ``DEMO_SIZE``.
    seed : int
        Grain seed.
    k_spread : float
        ``Disorder.K_spread`` of the grains. Default 0 (the demo's).
    boundary_exchange : float
        ``Disorder.boundary_exchange``. Default 1 (the demo's); 0.1 with
        ``k_spread=0.5`` is the granular film of the memory study's batch G.
    """
    pulses = DEMO_PULSES if pulses is None else pulses
    disorder = Disorder(grain_size=50e-9, K=2e4, seed=seed, K_spread=k_spread,
                        boundary_exchange=boundary_exchange)
    dev = Device.square4(size=size, cell=(10e-9, 10e-9, None), disorder=disorder)
    return TrainingConfig(
        device=dev, schedule=[("++--", pulses), ("+--+", pulses)],
        peak_field=15e-3, pulse_duration=0.2e-9, rise=50e-12,
        relax=Relax(method="minimise"), start="uniform_diag", seed=seed,
        engine=engine, chunk=pulses,
    )
