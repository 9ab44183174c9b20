"""The main job: a small 4-node device trained on '++--', then on '+--+'."""

from __future__ import annotations

from .device import Device
from .materials import Disorder
from .schedule import Relax
from .training import TrainingConfig

DEMO_PULSES = 4
DEMO_SIZE = 1e-6


def demo_config(pulses: int | None = None, engine: str = "auto",
                size: float = DEMO_SIZE, seed: int = 0) -> TrainingConfig:
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
    """
    pulses = DEMO_PULSES if pulses is None else pulses
    dev = Device.square4(size=size, cell=(10e-9, 10e-9, None),
                         disorder=Disorder(grain_size=50e-9, K=2e4, seed=seed))
    return TrainingConfig(
        device=dev, schedule=[("++--", pulses), ("+--+", pulses)],
        peak_field=15e-3, pulse_duration=0.2e-9, rise=50e-12,
        relax=Relax(method="minimise"), start="uniform_diag", seed=seed,
        engine=engine, chunk=pulses,
    )
