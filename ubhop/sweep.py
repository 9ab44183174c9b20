"""Families of runs: one runner for ensembles, scans and pattern sets.

A family is a set of ordinary training runs (members) that differ in a few
parameters. Every member is a resumable run directory (``ubhop.train``); a
member already finished is never run again, a member that fails is recorded
with its error while the others go on, and the results are gathered into one
``xarray.Dataset`` whose dimensions are the varied parameters.

Members are described by overrides of a base configuration, as dotted paths
into its TOML layout: ``"training.peak_field"``, ``"device.disorder.seed"``,
``"training.relax.method"`` (a bare name such as ``"peak_field"`` means
``"training.<name>"``). A grid varies every parameter independently
(``mode="grid"``); ``mode="zip"`` pairs the lists element by element. With
``realisations=R`` every member is run ``R`` times with the seeds
``seed + 0 .. seed + R - 1`` (thermal ensembles).

Execution, by ``run_family``:

- ``workers=1`` (default) runs the members one after another in this process
  (an ``Engine`` object may be passed).
- ``workers=N`` runs them in ``N`` local worker processes (OOMMF and Ubermag
  change the working directory, so processes, not threads).
- ``scheduler="tcp://host:8786"`` (or a ``distributed.Client``) runs them on a
  Dask cluster: ``distributed.LocalCluster`` on a laptop, ``dask-jobqueue`` on
  SLURM or PBS, or the Docker compose file of this project.

Engine threads: each member's engine gets ``threads`` threads, by default the
cores of its machine divided by the members that run there at once, so that
workers x threads never exceeds the cores (the embedded engine slows down
several times when its torch threads are oversubscribed; see
``benchmarks/bench_sweep.py``).

Files of a family directory: ``family.json`` (the members, their coordinates
and configurations; a rerun with another family is refused), ``record.json``
(status, time and error of every member, rewritten as members end),
``members/<name>/`` (the runs) and ``family.nc`` (the gathered Dataset).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import itertools
import json
import math
import os
import signal
import time
import tomllib
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from . import runs
from .processes import die_with_parent
from .training import TrainingConfig

if TYPE_CHECKING:
    from .engines.base import Engine

MODES = ("grid", "zip")
FAMILY_FILE = "family.json"
RECORD_FILE = "record.json"
DATASET_FILE = "family.nc"


@dataclasses.dataclass(frozen=True)
class Member:
    """One run of a family.

    Attributes
    ----------
    name : str
        Directory name under ``members/``.
    coords : dict
        The member's value of every varied parameter (and ``realisation``).
    config : dict or None
        ``TrainingConfig.to_dict()`` of the member; None when its overrides do
        not make a valid configuration (``error`` says why).
    error : str or None
        Why the configuration is invalid.
    """

    name: str
    coords: dict
    config: dict | None
    error: str | None = None


def _path(key: str) -> list[str]:
    if not isinstance(key, str) or not key or any(not p for p in key.split(".")):
        raise ValueError(f"A varied parameter is a dotted path such as "
                         f"'training.peak_field', got {key!r}.")
    parts = key.split(".")
    return parts if parts[0] in ("device", "training") else ["training", *parts]


def override(config: dict, key: str, value) -> dict:
    """A copy of a configuration dict with the dotted path ``key`` set to ``value``.

    Raises
    ------
    ValueError
        If a section on the path does not exist (the message names it).
    """
    out = copy.deepcopy(config)
    parts = _path(key)
    node = out
    for k, part in enumerate(parts[:-1]):
        if part not in node:
            if k < 1:
                raise ValueError(f"No section {part!r} in the configuration.")
            node[part] = {}
        node = node[part]
        if not isinstance(node, dict):
            raise ValueError(f"{'.'.join(parts[:k + 1])} is a value, not a section: "
                             f"cannot set {key!r}.")
    node[parts[-1]] = value
    return out


def dim_name(key: str) -> str:
    """The Dataset dimension of a varied parameter: its last path component."""
    return _path(key)[-1]


@dataclasses.dataclass
class Family:
    """A base configuration and the parameters that vary over its members.

    Parameters
    ----------
    base : TrainingConfig
        The configuration every member starts from.
    vary : dict
        Dotted path -> list of values (see the module docstring).
    mode : {"grid", "zip"}
        Every combination of the values, or the lists element by element.
    realisations : int, optional
        Runs per combination, with seeds ``base.seed + k``, along a
        ``realisation`` dimension. Default None: one run, no such dimension.
    dirname : str
        ``str.format`` template of a member's directory name, from its index
        ``k``, its ``realisation`` and its coordinates (by dimension name).
    configs : sequence of TrainingConfig, optional
        Explicit member configurations instead of ``base`` and ``vary`` (for
        members that differ in more than values, e.g. one run per pattern);
        ``vary`` then gives their coordinates (one value per configuration).
    members_dir : str
        Folder of the member runs inside the family directory (``"."``: the
        family directory itself).
    """

    base: TrainingConfig | None
    vary: dict = dataclasses.field(default_factory=dict)
    mode: str = "grid"
    realisations: int | None = None
    dirname: str = "m{k:05d}"
    configs: Sequence[TrainingConfig] | None = None
    members_dir: str = "members"

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {self.mode!r}.")
        if self.realisations is not None and not (
                isinstance(self.realisations, int) and self.realisations >= 1):
            raise ValueError(f"realisations must be an int >= 1 (or None), got "
                             f"{self.realisations!r}.")
        if not isinstance(self.vary, dict):
            raise ValueError(f"vary must be a dict of path -> list of values, got "
                             f"{type(self.vary).__name__}.")
        self.vary = {k: list(v) if isinstance(v, list | tuple | np.ndarray) else v
                     for k, v in self.vary.items()}
        for key, values in self.vary.items():
            _path(key)
            if not isinstance(values, list) or not values:
                raise ValueError(f"vary[{key!r}] must be a non-empty list of values, "
                                 f"got {values!r}.")
        names = [dim_name(k) for k in self.vary]
        if len(set(names)) != len(names) or "realisation" in names:
            raise ValueError(f"The varied parameters must end in distinct names "
                             f"other than 'realisation' (they name the "
                             f"dimensions), got {list(self.vary)}.")
        if self.configs is not None:
            self.configs = list(self.configs)
            if not self.configs:
                raise ValueError("configs is empty.")
            bad = [k for k, v in self.vary.items() if len(v) != len(self.configs)]
            if bad:
                raise ValueError(f"With explicit configs, vary gives one value per "
                                 f"config ({len(self.configs)}); {bad} do not.")
        elif self.base is None:
            raise ValueError("Give a base configuration (or explicit configs).")
        lengths = {len(v) for v in self.vary.values()}
        if self.mode == "zip" and len(lengths) > 1:
            sizes = {k: len(v) for k, v in self.vary.items()}
            raise ValueError(f"mode='zip' pairs the lists element by element; their "
                             f"lengths differ: {sizes}.")

    # ---------------------------------------------------------------- members
    @property
    def dims(self) -> list[str]:
        """Dimension names of the gathered Dataset, before step, i, j."""
        if self.configs is not None or self.mode == "zip":
            base = ["member"] if self.vary or self.configs is not None else []
        else:
            base = [dim_name(k) for k in self.vary]
        return base + (["realisation"] if self.realisations is not None else [])

    def combinations(self) -> list[dict]:
        """The varied values of each combination (before realisations)."""
        keys = list(self.vary)
        if self.configs is not None or self.mode == "zip":
            n = len(self.configs) if self.configs is not None else (
                len(next(iter(self.vary.values()))) if keys else 1)
            return [{k: self.vary[k][i] for k in keys} for i in range(n)]
        return [dict(zip(keys, values, strict=True))
                for values in itertools.product(*(self.vary[k] for k in keys))]

    def members(self) -> list[Member]:
        """Every member with its coordinates and configuration (or error)."""
        out = []
        n_r = self.realisations or 1
        for c, combo in enumerate(self.combinations()):
            for r in range(n_r):
                k = c * n_r + r
                coords = {dim_name(key): value for key, value in combo.items()}
                if self.realisations is not None:
                    coords["realisation"] = r
                try:
                    base = (self.configs[c] if self.configs is not None
                            else self.base).to_dict()
                    cfg = base
                    if self.configs is None:
                        for key, value in combo.items():
                            cfg = override(cfg, key, value)
                    if self.realisations is not None:
                        cfg = override(cfg, "training.seed",
                                       int(base["training"].get("seed", 0)) + r)
                    cfg = TrainingConfig.from_dict(cfg).to_dict()  # validated
                    error = None
                except (ValueError, TypeError, KeyError) as exc:
                    cfg, error = None, f"{type(exc).__name__}: {exc}"
                name = self.dirname.format(k=k, realisation=coords.get(
                    "realisation", 0), **{d: v for d, v in coords.items()
                                          if d != "realisation"})
                out.append(Member(name, coords, cfg, error))
        names = [m.name for m in out]
        if len(set(names)) != len(names):
            raise ValueError(f"dirname {self.dirname!r} gives the same directory to "
                             f"several members; include {{k}}.")
        return out

    # -------------------------------------------------------------------- io
    @classmethod
    def from_toml(cls, path) -> Family:
        """Read a family file.

        ``[family]`` holds ``vary``, ``mode``, ``realisations`` and
        ``dirname``; ``[device]`` and ``[training]`` the base configuration.
        """
        path = Path(path)
        try:
            with open(path, "rb") as fh:
                data = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path} is not valid TOML: {exc}") from None
        if "family" not in data:
            raise ValueError(f"{path} has no [family] section (with vary = {{...}} "
                             f"and/or realisations = R).")
        fam = dict(data.pop("family"))
        known = {"vary", "mode", "realisations", "dirname"}
        unknown = set(fam) - known
        if unknown:
            raise ValueError(f"Unknown keys in [family]: {sorted(unknown)}; allowed: "
                             f"{sorted(known)}.")
        base = TrainingConfig.from_dict(data)
        return cls(base, vary=dict(fam.get("vary", {})),
                   mode=fam.get("mode", "grid"),
                   realisations=fam.get("realisations"),
                   dirname=fam.get("dirname", "m{k:05d}"))

    def spec(self) -> dict:
        """JSON-ready description: dimensions and every member."""
        return {"ubhop_family": 1, "dims": self.dims, "mode": self.mode,
                "members_dir": self.members_dir,
                "vary": {k: [_jsonable(v) for v in vals]
                         for k, vals in self.vary.items()},
                "realisations": self.realisations,
                "members": [{"name": m.name,
                             "coords": {d: _jsonable(v) for d, v in m.coords.items()},
                             "config": m.config, "error": m.error}
                            for m in self.members()]}


def _jsonable(v):
    if isinstance(v, np.generic):
        return v.item()
    return v


# ------------------------------------------------------------------ a member
def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def member_threads(concurrent: int = 1, by_host: dict | None = None) -> int:
    """Engine threads for one of ``concurrent`` members running on this machine.

    The CPUs this process may use divided by ``concurrent`` (at least 1). In a
    Dask worker, ``by_host`` (from ``dask_threads``: host -> threads, counting
    every worker process on the host) decides; without it, the worker's own
    task threads are the members that run at once.
    """
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError, AttributeError):
        worker = None
    if worker is not None:
        from urllib.parse import urlparse

        host = urlparse(worker.address).hostname
        if by_host and host in by_host:
            return int(by_host[host])
        concurrent = max(concurrent, worker.state.nthreads)
    return max(1, _cores() // max(1, int(concurrent)))


def dask_threads(client) -> dict:
    """Engine threads per member on each host of a Dask cluster.

    A host's cores divided by the task threads of all the worker processes on
    it, so that a ``LocalCluster`` of two one-thread workers on two cores gives
    one thread each (each worker alone would think it had both cores).
    """
    workers = client.scheduler_info()["workers"]
    cores = client.run(_cores)
    tasks, host_cores = {}, {}
    for address, info in workers.items():
        host = info["host"]
        tasks[host] = tasks.get(host, 0) + int(info["nthreads"])
        host_cores[host] = max(host_cores.get(host, 1), int(cores.get(address, 1)))
    return {h: max(1, host_cores[h] // max(1, tasks[h])) for h in tasks}


@contextlib.contextmanager
def _thread_env(threads: int):
    """Cap BLAS/OpenMP threads of this process and of the processes it starts."""
    names = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
    old = {k: os.environ.get(k) for k in names}
    os.environ.update({k: str(threads) for k in names})
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def run_member(config: dict, run_dir: str, engine: str | Engine | None = None,
               threads: int | None = None, concurrent: int = 1,
               threads_by_host: dict | None = None) -> dict:
    """Train one member; never raises for the member's own failure.

    Parameters
    ----------
    config : dict
        ``TrainingConfig.to_dict()`` of the member.
    run_dir : str
        Its run directory (resumed if it holds part of the run).
    engine : str or Engine, optional
        Engine name (default: the configuration's) or an engine object.
    threads : int, optional
        Engine threads; default ``member_threads(concurrent)``.
    concurrent : int
        Members that run at once on this machine.
    threads_by_host : dict, optional
        Host -> engine threads, for members on a Dask cluster
        (``dask_threads``).

    Returns
    -------
    dict
        ``status`` (``"done"`` or ``"failed"``), ``seconds``, ``host``, and
        for a failure ``error`` (type and message) and ``traceback``.
    """
    import socket

    t0 = time.perf_counter()
    out = {"host": socket.gethostname(), "pid": os.getpid()}
    try:
        from .engines import get_engine
        from .training import train

        cfg = TrainingConfig.from_dict(config)
        n = (member_threads(concurrent, threads_by_host) if threads is None
             else int(threads))
        out["threads"] = n
        # the machine's cores to itself: the engine's own default (magnum.np
        # takes one thread for a small film); else at most its share
        cap = None if threads is None and n >= _cores() else n
        with _thread_env(n):
            if engine is None or isinstance(engine, str):
                engine = get_engine(engine or cfg.engine, n_threads=cap)
            train(cfg, run_dir, engine=engine, progress=False)
        out["status"] = "done"
    except Exception as exc:  # the member fails alone, with its message
        out.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                   traceback=traceback.format_exc(limit=20))
    out["seconds"] = time.perf_counter() - t0
    return out


def member_complete(config: dict, run_dir) -> bool:
    """Whether ``run_dir`` holds every step of the member's run, of its config.

    A run directory with another configuration is not complete: training it
    then fails with ``train``'s message, recorded for the member.
    """
    run_dir = Path(run_dir)
    path = run_dir / "history.nc"
    if not path.exists():
        return False
    try:
        cfg = TrainingConfig.from_dict(config)
        if TrainingConfig.from_toml(run_dir / "config.toml").to_toml() != cfg.to_toml():
            return False
        return runs.read_history(path).sizes["step"] == len(cfg.steps) + 1
    except (OSError, ValueError, KeyError):
        return False


# ---------------------------------------------------------------- the family
def prepare(family: Family, out_dir) -> list[Member]:
    """Write (or check) ``family.json``; return the members.

    A family directory may be run again with the same family (it resumes),
    with more members (an ensemble with more realisations, a scan with more
    values) or with some of its members (a subset to rerun): every member it
    already holds keeps its name and configuration, and ``family.json``
    lists all of them.
    """
    out_dir = Path(out_dir)
    spec = json.loads(json.dumps(family.spec()))
    path = out_dir / FAMILY_FILE
    if path.exists():
        saved = json.loads(path.read_text())
        new = {m["name"]: m for m in spec["members"]}
        frame = ("ubhop_family", "dims", "mode", "members_dir")
        same_frame = all(saved.get(k) == spec[k] for k in frame)
        kept = all(new.get(m["name"], m) == m for m in saved["members"])
        if not (same_frame and kept):
            raise ValueError(f"{out_dir} holds another family (its {FAMILY_FILE} "
                             f"differs); use a new directory, or the same family to "
                             f"resume it (members may be added, not changed).")
        old = {m["name"] for m in saved["members"]}
        spec["members"] = saved["members"] + [m for m in spec["members"]
                                              if m["name"] not in old]
    else:
        out_dir.mkdir(parents=True, exist_ok=True)
    runs.write_json(path, spec)
    return family.members()


def run_family(family: Family, out_dir, workers: int = 1, scheduler=None,
               engine: str | Engine | None = None, threads: int | None = None,
               progress: bool = True, gather_results: bool = True,
               on_member: Callable | None = None,
               raise_failures: bool = False) -> xr.Dataset | None:
    """Run every unfinished member of ``family`` and gather the results.

    Parameters
    ----------
    family : Family
        The members.
    out_dir : str or Path
        The family directory (resumed if it holds this family).
    workers : int
        Local worker processes (1: in this process, one after another).
        Ignored with ``scheduler``.
    scheduler : str or distributed.Client, optional
        Address of a Dask scheduler (``"tcp://host:8786"``) or a client.
    engine : str or Engine, optional
        Engine name for every member (default: each configuration's); an
        ``Engine`` object only with ``workers=1`` and no scheduler.
    threads : int, optional
        Engine threads per member; default the cores divided by the members
        that run at once on a machine.
    progress : bool
        Show a progress bar over the members.
    gather_results : bool
        Gather and write ``family.nc`` at the end.
    on_member : callable, optional
        ``on_member(member, result)`` after each member ends.
    raise_failures : bool
        After every member has run, raise a ``RuntimeError`` that lists the
        members of ``family`` that failed (the finished ones are kept).

    Returns
    -------
    xarray.Dataset or None
        ``gather(out_dir)``, or None with ``gather_results=False``.
    """
    from tqdm.auto import tqdm

    if not (isinstance(workers, int) and workers >= 1):
        raise ValueError(f"workers must be an int >= 1, got {workers!r}.")
    if threads is not None and not (isinstance(threads, int) and threads >= 1):
        raise ValueError(f"threads must be an int >= 1, got {threads!r}.")
    if (engine is not None and not isinstance(engine, str)
            and (workers > 1 or scheduler is not None)):
        raise ValueError("An Engine object cannot be sent to worker processes; pass "
                         "the engine's name instead.")
    out_dir = Path(out_dir)
    members = prepare(family, out_dir)
    record_path = out_dir / RECORD_FILE
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    todo = []
    for m in members:
        run_dir = out_dir / family.members_dir / m.name
        if m.config is None:
            record[m.name] = {"status": "failed", "error": m.error, "seconds": 0.0}
        elif member_complete(m.config, run_dir):
            record.setdefault(m.name, {"status": "done"})
            record[m.name]["status"] = "done"
        else:
            todo.append(m)
    runs.write_json(record_path, record)
    bar = tqdm(total=len(members), initial=len(members) - len(todo),
               disable=not progress, desc="family", unit="member")

    def finish(m, result):
        record[m.name] = result
        runs.write_json(record_path, record)  # atomic: a kill keeps the last one
        bar.update(1)
        if result["status"] == "failed":
            bar.write(f"member {m.name} {m.coords} failed: {result['error']}")
        if on_member is not None:
            on_member(m, result)

    def args(m):
        return (m.config, str(out_dir / family.members_dir / m.name))

    try:
        if scheduler is not None:
            _run_dask(todo, args, finish, scheduler, engine, threads)
        elif workers == 1:
            for m in todo:
                finish(m, run_member(*args(m), engine=engine, threads=threads))
        else:
            _run_processes(todo, args, finish, workers, engine, threads)
    finally:
        bar.close()
    if raise_failures:
        failed = [f"{m.name}: {record[m.name].get('error')}" for m in members
                  if record.get(m.name, {}).get("status") == "failed"]
        if failed:
            raise RuntimeError(f"{len(failed)} of {len(members)} members in {out_dir} "
                               f"failed (the others are kept): " + "; ".join(failed))
    return gather(out_dir) if gather_results else None


def _run_processes(todo, args, finish, workers, engine, threads):
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    n = member_threads(workers) if threads is None else threads
    ctx = mp.get_context("spawn")  # no fork of a process that may hold threads
    # a worker dies with the driver (SIGKILL: its engine's own worker then
    # follows), so a killed family leaves nothing running
    with (_thread_env(n),
          ProcessPoolExecutor(max_workers=min(workers, max(1, len(todo))),
                              mp_context=ctx, initializer=die_with_parent,
                              initargs=(signal.SIGKILL, os.getpid())) as pool):
        futures = {pool.submit(run_member, *args(m), engine=engine, threads=n): m
                   for m in todo}
        try:
            for fut in as_completed(futures):
                finish(futures[fut], fut.result())
        except BrokenProcessPool as exc:
            raise RuntimeError(
                "A worker process of the family ended abruptly (killed, out of "
                "memory, or it could not start). Worker processes are started "
                "fresh and import the calling script again: put the code of a "
                "script that calls run_family under `if __name__ == "
                "\"__main__\":`. Rerunning resumes the family.") from exc


def _run_dask(todo, args, finish, scheduler, engine, threads):
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise RuntimeError("A Dask scheduler needs the package 'distributed': "
                           "pip install 'ubhop[dask]'.") from None
    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    try:
        by_host = dask_threads(client) if threads is None else None
        futures = {}
        for m in todo:
            fut = client.submit(run_member, *args(m), engine=engine, threads=threads,
                                threads_by_host=by_host,
                                key=f"ubhop-member-{m.name}-{os.getpid()}",
                                pure=False)
            futures[fut] = m
        for fut in as_completed(list(futures)):
            finish(futures[fut], fut.result())
    finally:
        if own:
            client.close()


# -------------------------------------------------------------------- gather
def _pairs(n: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


def _fit(hist: xr.Dataset) -> dict:
    """Eq. (1) per pair (rate, R^2) of one history; NaN where it cannot fit."""
    import warnings

    from .analysis import pulse_products
    from .learning import fit_learning_law

    n = hist.sizes["i"]
    out = {"rate": np.full(len(_pairs(n)), np.nan),
           "r2": np.full(len(_pairs(n)), np.nan), "eta": np.nan}
    if hist.sizes["step"] < 3:
        return out
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = fit_learning_law(hist.G.values, pulse_products(hist))
    except (ValueError, RuntimeError, np.linalg.LinAlgError):
        return out
    for k, p in enumerate(fit.pairs):
        out["rate"][k], out["r2"][k] = p.rate, p.r2
    out["eta"] = fit.eta
    return out


def _coord(values):
    arr = np.asarray(values)
    return arr if arr.dtype != object else np.asarray([str(v) for v in values])


def gather(out_dir, write: bool = True) -> xr.Dataset:
    """Gather a family's members into one Dataset (and write ``family.nc``).

    Parameters
    ----------
    out_dir : str or Path
        The family directory.
    write : bool
        Also write the Dataset to ``out_dir/family.nc`` (atomically).

    Returns
    -------
    xarray.Dataset
        Dimensions: the family's (the varied parameters, or ``member``, and
        ``realisation``), then ``step``, ``i``, ``j``. ``G`` and ``G_pulse``
        (S; NaN for members that failed or are unfinished), ``status``
        (``"done"``, ``"failed"``, ``"pending"``), ``error``, ``seconds``,
        the eq. (1) fit per pair (``rate``, ``r2``; dimension ``pair``) and
        ``eta``; ``voltage`` (V) of every member's pulses and ``pattern`` of
        the first finished member's schedule. With a ``realisation`` dimension also
        ``G_mean`` and ``G_sem`` (mean over the finished realisations and its standard
        error).
    """
    out_dir = Path(out_dir)
    spec = json.loads((out_dir / FAMILY_FILE).read_text())
    record_path = out_dir / RECORD_FILE
    record = json.loads(record_path.read_text()) if record_path.exists() else {}
    members = spec["members"]
    dims = spec["dims"]
    # coordinate values along each dimension, in member order
    values = {d: [] for d in dims}
    for m in members:
        for d in dims:
            v = m["coords"].get(d) if d != "member" else None
            if d != "member" and v not in values[d]:
                values[d].append(v)
    if "member" in dims:
        values["member"] = list(range(sum(1 for m in members
                                          if m["coords"].get("realisation", 0) == 0)))
    shape = tuple(len(values[d]) for d in dims)

    def index(k, m):
        if "member" not in dims:
            return tuple(values[d].index(m["coords"][d]) for d in dims)
        r = m["coords"].get("realisation", 0)
        n_r = len(values.get("realisation", [0]))
        return tuple(k // n_r if d == "member" else r for d in dims)

    hists, first = {}, None
    for k, m in enumerate(members):
        path = out_dir / spec.get("members_dir", "members") / m["name"] / "history.nc"
        if m["config"] is not None and member_complete(m["config"], path.parent):
            hists[k] = runs.read_history(path)
            first = k if first is None else first
    if first is None:
        raise ValueError(f"No member of {out_dir} has finished: nothing to gather.")
    ref = hists[first]
    n_steps, n = ref.sizes["step"], ref.sizes["i"]
    pairs = _pairs(n)
    g = np.full((*shape, n_steps, n, n), np.nan)
    gp = np.full_like(g, np.nan)
    rate = np.full((*shape, len(pairs)), np.nan)
    r2 = np.full_like(rate, np.nan)
    eta = np.full(shape, np.nan)
    seconds = np.full(shape, np.nan)
    volts = np.full((*shape, n_steps, n), np.nan)
    status = np.full(shape, "pending", dtype=object)
    error = np.full(shape, "", dtype=object)
    for k, m in enumerate(members):
        idx = index(k, m)
        rec = record.get(m["name"], {})
        status[idx] = "done" if k in hists else rec.get("status", "pending")
        if status[idx] == "done" and k not in hists:
            status[idx] = "pending"
        error[idx] = rec.get("error") or m.get("error") or ""
        if m.get("error"):
            status[idx] = "failed"
        seconds[idx] = rec.get("seconds", np.nan)
        if k in hists:
            h = hists[k]
            if h.sizes["step"] != n_steps:
                raise ValueError(f"Member {m['name']} has {h.sizes['step']} steps, "
                                 f"member {members[first]['name']} {n_steps}: a "
                                 f"family gathers runs of one length.")
            g[idx], gp[idx] = h.G.values, h.G_pulse.values
            volts[idx] = h.voltage.values
            f = _fit(h)
            rate[idx], r2[idx], eta[idx] = f["rate"], f["r2"], f["eta"]
    coords = {d: _coord(values[d]) for d in dims}
    coords.update(step=ref.step.values, i=ref.i.values, j=ref.j.values,
                  node=ref.node.values,
                  pair=[f"{i}-{j}" for i, j in pairs])
    for key in spec["vary"]:
        d = key.split(".")[-1]
        if "member" in dims:
            coords[d] = ("member", _coord([m["coords"][d] for m in members
                                           if m["coords"].get("realisation", 0) == 0]))
    data = {
        "G": ((*dims, "step", "i", "j"), g,
              {"units": "S", "long_name": "G after each relaxation"}),
        "G_pulse": ((*dims, "step", "i", "j"), gp,
                    {"units": "S", "long_name": "G right after each pulse"}),
        "rate": ((*dims, "pair"), rate,
                 {"long_name": "eq. (1) approach rate 2 eta alpha per pulse"}),
        "r2": ((*dims, "pair"), r2, {"long_name": "R^2 of eq. (1) per pair"}),
        "eta": (dims, eta, {"units": "S/V^2", "long_name": "eq. (1) eta"}),
        "status": (dims, status.astype(str)),
        "error": (dims, error.astype(str)),
        "seconds": (dims, seconds, {"units": "s", "long_name": "member wall time"}),
        "voltage": ((*dims, "step", "node"), volts,
                    {"units": "V", "long_name": "pad voltages of each pulse"}),
        "pattern": (("step", "node"), ref.pattern.values),
    }
    ds = xr.Dataset(data, coords=coords,
                    attrs={"title": "ubhop family of training runs",
                           "ubhop_family": 1, "members": len(members),
                           "finished": len(hists),
                           "varied": json.dumps(list(spec["vary"]))})
    if "realisation" in dims:
        done = ds.G.where(ds.status == "done")
        n_done = (ds.status == "done").sum("realisation")
        ds["G_mean"] = done.mean("realisation")
        ds["G_mean"].attrs = {"units": "S", "long_name": "mean over the realisations"}
        sem = done.std("realisation", ddof=1) / np.sqrt(n_done)
        ds["G_sem"] = sem.where(n_done > 1, 0.0)
        ds["G_sem"].attrs = {"units": "S", "long_name": "standard error of the mean"}
    if write:
        runs.write_history(out_dir / DATASET_FILE, ds)
    return ds


def family_summary(ds: xr.Dataset) -> dict:
    """Counts of the members by status, and the failed members' errors."""
    status = ds.status.values.ravel()
    errors = ds.error.values.ravel()
    return {"members": int(status.size),
            "done": int((status == "done").sum()),
            "failed": int((status == "failed").sum()),
            "pending": int((status == "pending").sum()),
            "errors": sorted({str(e) for s, e in zip(status, errors, strict=True)
                              if s == "failed"}),
            "seconds": float(np.nansum(ds.seconds.values))
            if np.isfinite(ds.seconds.values).any() else math.nan}
