"""Self-learning: train a device with voltage pulses and record G after each.

Each training step is one pulse (the field of ``V0 * pattern``,
``dev.drive_field``: the Au layer's Oersted field, or a ``ChannelFilm``'s
lines, times the pulse profile) followed by relaxation at zero field; the AMR
conductance matrix (``dev.conductance``) is read after the pulse and after the
relaxation. A run lives in a
directory (see ``ubhop.runs``) and resumes from its last complete step.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

import discretisedfield as df
import numpy as np
import tomli_w
from tqdm.auto import tqdm

from . import runs
from .device import Device
from .oersted import voltages_for_peak_field
from .patterns import as_pattern, pattern_string, training_voltages
from .schedule import Pulse, Relax
from .validation import build, check_int, check_keys, check_number, require_keys

if TYPE_CHECKING:
    import os
    from collections.abc import Callable

    import xarray as xr

    from .engines.base import Engine

# physical limits of the training inputs (a value outside is refused)
MAX_PEAK_FIELD = 1.0  # T: on-chip Oersted pulses are mT
MAX_V0 = 100.0  # V
MAX_PULSE_DURATION = 1e-6  # s
MAX_TEMPERATURE = 850.0  # K: about the Curie temperature of Py
STARTS = ("demagnetised", "vortex", "uniform_x", "uniform_y", "uniform_diag")


@dataclasses.dataclass(frozen=True)
class Segment:
    """``pulses`` training pulses of one pattern."""

    pattern: str
    pulses: int

    def __post_init__(self):
        object.__setattr__(self, "pattern", pattern_string(self.pattern))
        check_int(self.pulses, f"pulses of pattern {self.pattern!r}", minimum=1)


@dataclasses.dataclass
class TrainingConfig:
    """Everything that defines a training run.

    Parameters
    ----------
    device : Device
        The device.
    schedule : list of Segment or (pattern, pulses)
        Patterns in order, each for a number of pulses.
    peak_field : float, optional
        Peak Oersted field ``max |mu0 H|`` (T) of every pattern's pulse; the
        voltage V0 is set per pattern to reach it. Give this or ``v0``.
    v0 : float, optional
        Pad voltage magnitude (V); pads get ``V0 * pattern``.
    pulse_duration : float
        Pulse length (s), ramps included. Default 1e-9.
    rise : float
        Pulse ramp time (s). Default 50e-12.
    relax : Relax
        How the texture relaxes after each pulse. Default ``Relax()``
        (energy minimisation).
    start : str
        Starting texture: ``"demagnetised"`` (random m, seeded, then relaxed),
        ``"vortex"``, ``"uniform_x"``, ``"uniform_y"``, ``"uniform_diag"``
        (each relaxed), or the path of an OVF file (used as it is).
    seed : int
        Seed of the random starting texture. Default 0.
    cycles : int
        Repeat the schedule this many times. Default 1.
    engine : str
        ``"auto"``, ``"oommf"`` or ``"magnumnp"``. Default ``"auto"``.
    chunk : int
        Pulses per engine call (an engine starts once per call). Default 1.
        With OOMMF and ``Relax(method="time")`` at the device's damping, a
        chunk runs in one OOMMF process (OOMMF starts and sets up the
        demagnetisation kernel once per chunk, not once per pulse); with
        minimisation, each pulse and each relaxation is an OOMMF process of
        its own. A run killed during a chunk's engine call redoes that chunk
        when it resumes (the steps are committed after the call).
    au_layers : int
        Gauss points across the Au thickness for the Oersted field. Default 3.
    temperature : float
        Temperature during each pulse (K). Default 0. Above 0 each pulse is a
        stochastic LLG run (both engines) seeded from ``seed`` and the
        step number, so that a resumed run repeats the same pulses; the
        relaxation stays at 0 K.
    """

    device: Device
    schedule: list
    peak_field: float | None = None
    v0: float | None = None
    pulse_duration: float = 1e-9
    rise: float = 50e-12
    relax: Relax = dataclasses.field(default_factory=Relax)
    start: str = "demagnetised"
    seed: int = 0
    cycles: int = 1
    engine: str = "auto"
    chunk: int = 1
    au_layers: int = 3
    temperature: float = 0.0

    def __post_init__(self):
        self.schedule = [s if isinstance(s, Segment) else Segment(*s)
                         for s in self.schedule]
        if not self.schedule:
            raise ValueError("The training schedule is empty.")
        n = self.device.n_nodes
        for s in self.schedule:
            training_voltages(s.pattern, 1.0, n)  # length, values, not uniform
        if (self.peak_field is None) == (self.v0 is None):
            raise ValueError("Give exactly one of peak_field (T) and v0 (V).")
        if self.v0 is None:
            # on-chip Oersted pulses are mT; 50 would be 50 T, not 50 mT
            check_number(self.peak_field, "peak_field", low=0, high=MAX_PEAK_FIELD,
                         unit="T")
        else:
            check_number(self.v0, "v0", low=0, high=MAX_V0, unit="V")
        check_number(self.pulse_duration, "pulse_duration", low=0,
                     high=MAX_PULSE_DURATION, unit="s")
        check_number(self.rise, "rise", low=0, low_inclusive=True, unit="s")
        check_int(self.seed, "seed", minimum=0, maximum=2**31 - 1)
        from .engines import engine_names

        if self.engine not in engine_names(auto=True):
            raise ValueError(f"engine must be one of {engine_names(auto=True)}, got "
                             f"{self.engine!r}.")
        if not isinstance(self.relax, Relax):
            raise ValueError(f"relax must be a Relax, got {self.relax!r}.")
        Pulse(df.Field(self.device.mesh, nvdim=3, value=(0, 0, 0)),
              self.pulse_duration, self.rise)  # checks rise against duration
        if not isinstance(self.start, str) or (
                self.start not in STARTS and not Path(self.start).suffix == ".ovf"):
            raise ValueError(
                f"start must be one of {STARTS} or the path of an .ovf file, got "
                f"{self.start!r}."
            )
        # the micromagnetic model holds below the Curie temperature of Py
        check_number(self.temperature, "temperature", low=0, low_inclusive=True,
                     high=MAX_TEMPERATURE, high_inclusive=False, unit="K")
        for name in ("cycles", "chunk"):
            check_int(getattr(self, name), name, minimum=1)
        check_int(self.au_layers, "au_layers", minimum=1, maximum=32)

    @property
    def steps(self) -> list[tuple[int, str]]:
        """``(segment index, pattern)`` of every pulse, in order."""
        out = []
        for _ in range(self.cycles):
            for k, s in enumerate(self.schedule):
                out += [(k, s.pattern)] * s.pulses
        return out

    def voltages(self, pattern) -> np.ndarray:
        """Pad voltages (V) of a training pulse for ``pattern``."""
        if self.v0 is not None:
            return training_voltages(pattern, self.v0, self.device.n_nodes)
        return voltages_for_peak_field(self.device, pattern, self.peak_field,
                                       au_layers=self.au_layers)

    # ------------------------------------------------------------------ io
    def to_dict(self) -> dict:
        """``{"device": ..., "training": ...}``, as written to ``config.toml``."""
        t = {
            "schedule": [{"pattern": s.pattern, "pulses": s.pulses}
                         for s in self.schedule],
            "pulse_duration": self.pulse_duration,
            "rise": self.rise,
            "relax": {k: v for k, v in dataclasses.asdict(self.relax).items()
                      if v is not None},
            "start": self.start,
            "seed": self.seed,
            "cycles": self.cycles,
            "engine": self.engine,
            "chunk": self.chunk,
            "au_layers": self.au_layers,
        }
        if self.temperature:
            t["temperature"] = self.temperature
        if self.v0 is not None:
            t["v0"] = self.v0
        else:
            t["peak_field"] = self.peak_field
        return {"device": self.device.to_dict(), "training": t}

    @classmethod
    def from_dict(cls, data: dict) -> TrainingConfig:
        """A configuration from ``to_dict``'s layout, checked."""
        if "device" not in data or "training" not in data:
            raise ValueError("A training configuration needs [device] and [training].")
        fields = {f.name for f in dataclasses.fields(cls)} - {"device"}
        t = dict(check_keys(data["training"], fields, "training"))
        require_keys(t, ("schedule",), "training")
        if not isinstance(t["schedule"], list):
            raise ValueError(f"training.schedule must be a list of tables with "
                             f"pattern and pulses, got {t['schedule']!r}.")
        segments = []
        for k, s in enumerate(t["schedule"]):
            check_keys(s, ("pattern", "pulses"), f"training.schedule[{k}]")
            require_keys(s, ("pattern", "pulses"), f"training.schedule[{k}]")
            segments.append(Segment(s["pattern"], s["pulses"]))
        t["schedule"] = segments
        t["relax"] = build(Relax, t.get("relax", {}), "training.relax")
        device = Device.from_dict(data["device"])
        try:
            return cls(device=device, **t)
        except TypeError as exc:
            raise ValueError(f"[training]: {exc}") from None

    def to_toml(self) -> str:
        """The configuration as TOML text."""
        return tomli_w.dumps(self.to_dict())

    @classmethod
    def from_toml(cls, path) -> TrainingConfig:
        """Read a configuration from a TOML file (``[device]``, ``[training]``)."""
        with open(path, "rb") as f:
            return cls.from_dict(tomllib.load(f))


def starting_texture(dev: Device, start: str, seed: int = 0) -> df.Field:
    """The unrelaxed starting texture (unit m) named by ``start``."""
    mesh = dev.mesh
    if start == "demagnetised":
        rng = np.random.default_rng(seed)
        arr = rng.normal(size=(*dev.n, 3))
        return df.Field(mesh, nvdim=3, value=arr, norm=1.0)
    if start == "vortex":
        cx, cy = 0.5 * dev.size[0], 0.5 * dev.size[1]
        core = 2 * dev.py.exchange_length

        def value(p):
            x, y = p[0] - cx, p[1] - cy
            return (-y, x, core * math.exp(-(x * x + y * y) / core**2))

        return df.Field(mesh, nvdim=3, value=value, norm=1.0)
    if start.startswith("uniform"):
        direction = {"uniform_x": (1, 0, 0), "uniform_y": (0, 1, 0),
                     "uniform_diag": (1, 1, 0)}[start]
        return df.Field(mesh, nvdim=3, value=direction, norm=1.0)
    m = runs.read_field(start)
    return df.Field(mesh, nvdim=3, value=m.array, norm=1.0)


def thermal_seed(seed: int, step: int) -> int:
    """The thermal-field seed of pulse ``step`` of a run with ``seed``."""
    return (int(seed) * 1_000_003 + int(step)) % (2**31 - 1)


class TrainingInterrupted(RuntimeError):
    """Raised by a callback to stop training (the run can be resumed)."""


def train(config: TrainingConfig, run_dir: str | os.PathLike,
          engine: Engine | None = None, progress: bool = True,
          callback: Callable | None = None) -> xr.Dataset:
    """Train a device and record its conductance history in ``run_dir``.

    If ``run_dir`` already holds a run with the same configuration, training
    resumes after its last complete step; a run with another configuration is
    refused, and so is a run directory that another process is writing
    (``ubhop.runs.run_lock``).

    Parameters
    ----------
    config : TrainingConfig
        The run's configuration.
    run_dir : str or Path
        The run directory (created if needed).
    engine : Engine, optional
        Default: ``ubhop.get_engine(config.engine)``.
    progress : bool
        Show a progress bar over the pulses.
    callback : callable, optional
        ``callback(step, m, G)`` after each committed step; may raise to stop.

    Returns
    -------
    xarray.Dataset
        The history: ``G`` (step, i, j) in S after each relaxation, ``G_pulse``
        right after each pulse, ``pattern`` and ``voltage`` (step, node),
        ``segment``; step 0 is the relaxed start.
    """
    run_dir = Path(run_dir)
    if not isinstance(config, TrainingConfig):
        raise ValueError(f"train needs a TrainingConfig, got {type(config).__name__}.")
    if (not (run_dir / "history.nc").exists() and config.start not in STARTS
            and not Path(config.start).is_file()):
        raise ValueError(f"start: no such OVF file {config.start!r} (nothing was "
                         f"written to {run_dir}).")
    with runs.run_lock(run_dir):
        return _train(config, run_dir, engine, progress, callback)


def _train(config, run_dir, engine, progress, callback):
    """``train`` with the run directory locked."""
    from .engines import get_engine

    dev = config.device
    cfg_text = config.to_toml()
    cfg_path = run_dir / "config.toml"
    hist_path = run_dir / "history.nc"
    if engine is None:
        engine = get_engine(config.engine)
    relax = config.relax
    prov_path = run_dir / "provenance.json"

    if hist_path.exists():
        saved = TrainingConfig.from_toml(cfg_path).to_toml()
        if saved != cfg_text:
            raise ValueError(
                f"{run_dir} holds a run with another configuration; use a new "
                f"directory or the same configuration to resume it."
            )
        hist = runs.read_history(hist_path)
        done = int(hist.step[-1])
        m = runs.read_field(runs.texture_path(run_dir, done))
        m = df.Field(dev.mesh, nvdim=3, value=m.array)
        prov = json.loads(prov_path.read_text())
    else:
        run_dir.mkdir(parents=True, exist_ok=True)
        runs.write_text(cfg_path, cfg_text)
        prov = {"versions": runs.versions(), "engine": engine.name,
                "seed": config.seed, "engine_calls": []}
        m_start = starting_texture(dev, config.start, config.seed)
        if Path(config.start).suffix == ".ovf":
            m = m_start
        else:
            # the start's relaxation can take minutes: its own bar
            (m,) = engine.run(dev, m_start, [relax if relax.method == "minimise"
                                             else Relax()],
                              progress=None if progress else False)
            prov["engine_calls"].append({"what": "start", **engine.provenance})
        runs.write_field(runs.texture_path(run_dir, 0), m)
        g0 = dev.conductance(m)
        hist = runs.new_history(
            dev.n_nodes, g0, names=dev.node_names,
            attrs={"ubhop_run": 1, "ubhop_version": runs.versions().get("ubhop", ""),
                   "engine": engine.name, "source": "ubhop.train"})
        hist["G_pulse"] = (("step", "i", "j"), np.full_like(hist.G.values, np.nan),
                           {"units": "S", "long_name": "G right after the pulse",
                            "description": "NaN at step 0: no pulse before the "
                                           "relaxed start"})
        runs.write_json(prov_path, prov)
        runs.write_history(hist_path, hist)
        done = 0

    steps = config.steps
    fields = {}
    bar = tqdm(total=len(steps), initial=done, disable=not progress,
               desc=f"training ({engine.name})", unit="pulse")
    try:
        while done < len(steps):
            todo = steps[done:done + config.chunk]
            stages = []
            for k, (_, pattern) in enumerate(todo):
                if pattern not in fields:
                    v = config.voltages(pattern)
                    fields[pattern] = (v, dev.drive_field(
                        v, au_layers=config.au_layers))
                stages += [Pulse(fields[pattern][1], config.pulse_duration,
                                 config.rise, temperature=config.temperature,
                                 seed=thermal_seed(config.seed, done + k + 1)),
                           relax]
            t0 = time.perf_counter()
            ms = engine.run(dev, m, stages, progress=None if progress else False)
            prov["engine_calls"].append({"what": f"steps {done + 1}-{done + len(todo)}",
                                         "wall_s": time.perf_counter() - t0,
                                         **engine.provenance})
            for k, (segment, pattern) in enumerate(todo):
                m_pulse, m = ms[2 * k], ms[2 * k + 1]
                g_pulse = dev.conductance(m_pulse)
                g = dev.conductance(m)
                step = done + 1
                runs.write_field(runs.texture_path(run_dir, step), m)
                hist = runs.append_step(hist, g, as_pattern(pattern),
                                        fields[pattern][0], segment)
                hist["G_pulse"][-1] = g_pulse
                runs.write_json(prov_path, prov)
                runs.write_history(hist_path, hist)  # the commit point
                done = step
                bar.update(1)
                if callback is not None:
                    callback(step, m, g)
    finally:
        bar.close()
    return hist


def surviving_fraction(hist: xr.Dataset) -> np.ndarray:
    """Per pulse: the fraction of the pulse's change in G that survives relaxing.

    ``sum |G(t) - G(t-1)| / sum |G_pulse(t) - G(t-1)|`` over the pairs, one value
    per pulse (dimensionless; NaN where the pulse changed nothing).
    """
    g = hist.G.values
    gp = hist.G_pulse.values
    n = g.shape[1]
    off = ~np.eye(n, dtype=bool)
    kept = np.abs(g[1:] - g[:-1])[:, off].sum(axis=1)
    moved = np.abs(gp[1:] - g[:-1])[:, off].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(moved > 0, kept / moved, np.nan)
