"""Ensembles of training runs: thermal realisations and their mean conductances.

Near its switching threshold a film at finite temperature switches at random
(``studies/thermal``): each realisation jumps between a few pinned states, and
only the mean over many realisations (many samples, or many independent regions
of one large film) approaches its fixed point gradually, as eq. (1) says. This
module runs such an ensemble, one ordinary run directory per realisation (each
resumable), and stacks the histories so that ``ubhop.fit_learning_law`` can be
applied to the mean.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import xarray as xr

from . import runs
from .training import TrainingConfig, train


def realisation_dir(out_dir, k: int) -> Path:
    """The run directory of realisation ``k`` (from 0)."""
    return Path(out_dir) / f"r{k:04d}"


def realisation_config(config: TrainingConfig, k: int) -> TrainingConfig:
    """Realisation ``k``: the configuration with ``seed = config.seed + k``.

    The seed sets the thermal field of every pulse (``temperature > 0``) and a
    ``"demagnetised"`` starting texture; the device, its grains and the
    schedule are the same for every realisation.
    """
    return dataclasses.replace(config, seed=config.seed + int(k))


def train_ensemble(config: TrainingConfig, out_dir, realisations: int, engine=None,
                   progress: bool = True) -> xr.Dataset:
    """Train ``realisations`` runs of ``config`` that differ only in their seed.

    Parameters
    ----------
    config : TrainingConfig
        The configuration of realisation 0; usually ``temperature > 0``, else
        every realisation with a deterministic start gives the same history.
    out_dir : str or Path
        Holds one run directory per realisation (``r0000``, ``r0001``, ...).
        Running again resumes: complete realisations are read back, an
        interrupted one continues from its last step.
    realisations : int
        Number of realisations, >= 1.
    engine : Engine, optional
        Default: ``ubhop.get_engine(config.engine)``.
    progress : bool
        Show a progress bar over the realisations.

    Returns
    -------
    xarray.Dataset
        ``ensemble_history(out_dir)``.
    """
    from tqdm.auto import tqdm

    from .engines import get_engine

    if not (isinstance(realisations, int) and realisations >= 1):
        raise ValueError(f"realisations must be an int >= 1, got {realisations!r}.")
    if engine is None:
        engine = get_engine(config.engine)
    for k in tqdm(range(realisations), disable=not progress, desc="realisations",
                  unit="run"):
        train(realisation_config(config, k), realisation_dir(out_dir, k),
              engine=engine, progress=False)
    return ensemble_history(out_dir, realisations)


def ensemble_history(out_dir, realisations: int | None = None) -> xr.Dataset:
    """Stack the histories of an ensemble's realisations.

    Parameters
    ----------
    out_dir : str or Path
        The ensemble directory.
    realisations : int, optional
        Use realisations ``0 .. realisations - 1`` (all must be complete);
        default: every complete realisation found.

    Returns
    -------
    xarray.Dataset
        ``G`` and ``G_pulse`` (realisation, step, i, j) in S, after each
        relaxation and right after each pulse; ``G_mean`` and ``G_sem`` (step,
        i, j), the mean over the realisations and its standard error (zero for
        one realisation); ``pattern``, ``voltage`` and ``segment`` of the
        schedule (the same for every realisation). The mean can be fitted like
        a single history (``ubhop.fit_learning_law(G_mean, V_i V_j)``).

    Raises
    ------
    ValueError
        If no realisation is complete, or the realisations' schedules differ.
    """
    dirs = sorted(Path(out_dir).glob("r[0-9][0-9][0-9][0-9]"))
    if realisations is not None:
        dirs = [realisation_dir(out_dir, k) for k in range(realisations)]
    hists = []
    for d in dirs:
        path = d / "history.nc"
        if not path.exists():
            if realisations is not None:
                raise ValueError(f"Realisation {d.name} of {out_dir} has no history.")
            continue
        hists.append(runs.read_history(path))
    if not hists:
        raise ValueError(f"{out_dir} holds no training history.")
    n_steps = max(h.sizes["step"] for h in hists)
    complete = [h for h in hists if h.sizes["step"] == n_steps]
    if realisations is not None and len(complete) != len(hists):
        raise ValueError(f"Some of the {len(hists)} realisations of {out_dir} are "
                         "incomplete; run train_ensemble again to finish them.")
    ref = complete[0]
    for h in complete[1:]:
        if not (np.array_equal(h.voltage.values, ref.voltage.values)
                and np.array_equal(h.pattern.values, ref.pattern.values)):
            raise ValueError(f"The realisations in {out_dir} have different "
                             "schedules or voltages; an ensemble needs one.")
    g = np.stack([h.G.values for h in complete])
    gp = np.stack([h.G_pulse.values for h in complete])
    r = g.shape[0]
    sem = (g.std(axis=0, ddof=1) / np.sqrt(r)) if r > 1 else np.zeros_like(g[0])
    return xr.Dataset(
        {
            "G": (("realisation", "step", "i", "j"), g, {"units": "S"}),
            "G_pulse": (("realisation", "step", "i", "j"), gp,
                        {"units": "S", "long_name": "G right after the pulse"}),
            "G_mean": (("step", "i", "j"), g.mean(axis=0),
                       {"units": "S", "long_name": "mean over the realisations"}),
            "G_sem": (("step", "i", "j"), sem,
                      {"units": "S", "long_name": "standard error of the mean"}),
            "pattern": ref.pattern,
            "voltage": ref.voltage,
            "segment": ref.segment,
        },
        coords={"realisation": np.arange(r), "step": ref.step, "i": ref.i,
                "j": ref.j, "node": ref.node},
        attrs={"realisations": r},
    )
