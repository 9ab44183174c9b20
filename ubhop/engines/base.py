"""The engine interface shared by OOMMF and magnum.np."""

from __future__ import annotations

import abc
import os
from typing import TYPE_CHECKING

import discretisedfield as df
import numpy as np

from ..schedule import check_schedule
from ..validation import check_magnetisation

if TYPE_CHECKING:
    from collections.abc import Sequence

    from ..device import Device
    from ..schedule import Pulse, Relax

MAX_DEFAULT_THREADS = 8
PROGRESS_DELAY = 2.0  # s: engine calls shorter than this show no bar


def progress_bar(total: int, progress: bool | None, desc: str):
    """The tqdm bar of an engine call (see ``Engine.run``'s ``progress``)."""
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="stage", disable=progress is False,
                delay=0 if progress else PROGRESS_DELAY, leave=bool(progress),
                bar_format="{l_bar}{bar}| {n:.2f}/{total} stages "
                           "[{elapsed}<{remaining}{postfix}]")


def default_threads() -> int:
    """Threads an engine uses by default.

    The CPUs this process may run on, at most ``MAX_DEFAULT_THREADS``.
    """
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    return max(1, min(n, MAX_DEFAULT_THREADS))


class Engine(abc.ABC):
    """Pulse and relax the Py texture of a device.

    An engine takes a device, a starting magnetisation and a schedule of
    stages and returns the unit magnetisation after each stage. The device and
    the fields know nothing about the engine.

    Attributes
    ----------
    name : str
        ``"oommf"`` or ``"magnumnp"``.
    provenance : dict
        Filled by ``run``: engine and version, runner, threads, per-stage wall
        and solver times, output files.
    """

    name = "engine"

    def __init__(self):
        self.provenance = {}

    def run(self, dev: Device, m0: df.Field, stages: Sequence[Pulse | Relax], *,
            progress: bool | None = None) -> list[df.Field]:
        """Apply ``stages`` in order to ``m0``.

        Parameters
        ----------
        dev : Device
            The device (mesh, materials, grain disorder).
        m0 : df.Field
            Starting magnetisation on ``dev.mesh`` (any nonzero norm).
        stages : sequence of Pulse or Relax
            The schedule.
        progress : bool, optional
            Show a progress bar over the stages (with the fraction of a
            stage's simulated time, or a minimisation's iterations, where the
            engine reports them). Default None: a bar appears only when the
            call lasts more than ``PROGRESS_DELAY`` seconds, and goes when it
            ends; False never shows one.

        Returns
        -------
        list of df.Field
            Unit magnetisation (``nvdim=3``) on ``dev.mesh`` after each stage;
            zero in cells without material (``dev.magnet_mask()``).
        """
        m = check_magnetisation(dev, m0)
        stages = check_schedule(dev, stages)
        arrays = self._run(dev, m, stages, progress=progress)
        magnet = dev.magnet_mask()
        if magnet is not None:  # zero where there is no material
            return [df.Field(dev.mesh, nvdim=3, value=a * magnet[..., None],
                             vdims=["x", "y", "z"]) for a in arrays]
        return [df.Field(dev.mesh, nvdim=3, value=a, norm=1.0,
                         vdims=["x", "y", "z"]) for a in arrays]

    @abc.abstractmethod
    def _run(self, dev, m, stages, *, progress=False) -> list[np.ndarray]:
        """Run the schedule from unit m ``(nx, ny, nz, 3)``; return arrays."""
