"""The main job: a small 4-node device trained on '++--', then on '+--+'."""

from __future__ import annotations

from ..device import Device
from ..materials import Disorder
from ..schedule import Relax
from ..training import TrainingConfig

DEMO_PULSES = 4
DEMO_SIZE = 1e-6


def demo_config(pulses: int | None = None, engine: str = "auto",
                size: float = DEMO_SIZE, seed: int = 0, k_spread: float = 0.0,
                boundary_exchange: float = 1.0, grain_k: float = 2e4) -> TrainingConfig:
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
    grain_k : float
        Anisotropy constant ``K`` of the grains (J/m^3). Default 2e4 (the
        demo's); 0 gives a film without grains (no ``Disorder``).
    """
    pulses = DEMO_PULSES if pulses is None else pulses
    if not grain_k >= 0:
        raise ValueError(f"grain_k must be >= 0 J/m^3, got {grain_k!r}.")
    disorder = (Disorder(grain_size=50e-9, K=grain_k, seed=seed, K_spread=k_spread,
                         boundary_exchange=boundary_exchange) if grain_k > 0 else None)
    dev = Device.square4(size=size, cell=(10e-9, 10e-9, None), disorder=disorder)
    return TrainingConfig(
        device=dev, schedule=[("++--", pulses), ("+--+", pulses)],
        peak_field=15e-3, pulse_duration=0.2e-9, rise=50e-12,
        relax=Relax(method="minimise"), start="uniform_diag", seed=seed,
        engine=engine, chunk=pulses,
    )


def fig3_config(pulses: int = 2, engine: str = "auto", size: float = DEMO_SIZE,
                cell: float = 10e-9) -> TrainingConfig:
    """The write regime in which the film stores each of the seven patterns.

    A soft Py film (no grains) from the diagonal start, written by strong
    pulses (100 mT peak, 1 ns, 50 ps ramps) and relaxed by minimisation. The
    pulse turns the film along its pattern's field, and the relaxed texture is
    mostly set by the pattern: from the shared start every pattern's G stops
    moving after one or two pulses, and with the weight reference fitted over
    the seven runs (``ubhop.experiments.associative.experiment_weights(...,
    reference="others")``) each pattern becomes its own energy minimum
    (OOMMF on 0.5 and 1 um films, ``studies/fig3/README.md``). Written over
    another pattern, a write reaches the same conductances in about half of
    the cases; the film has more than one texture for some patterns.

    The field is strong: on a 1 um film 100 mT needs a sheet current of about
    9e4 A/m in the middle of the Au (4e12 A/m^2 in 20 nm of Au).

    Parameters
    ----------
    pulses : int
        Pulses per pattern (the write is complete after 1-2).
    engine : str
        Engine name for the configuration.
    size : float
        Film side (m). Default ``DEMO_SIZE``.
    cell : float
        In-plane cell edge (m). Default 10e-9.
    """
    dev = Device.square4(size=size, cell=(cell, cell, None))
    return TrainingConfig(
        device=dev, schedule=[("++--", pulses)], peak_field=100e-3,
        pulse_duration=1e-9, rise=50e-12, relax=Relax(method="minimise"),
        start="uniform_diag", seed=0, engine=engine, chunk=pulses,
    )
