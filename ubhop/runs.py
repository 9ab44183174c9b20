"""Run directories: atomic writes of configuration, provenance, history, textures.

A run is a directory::

    config.toml        the full configuration (device and training)
    provenance.json    versions, engine, runner, seeds, per-call engine records
    history.nc         xarray Dataset (netCDF): G per step, pattern, voltages
    textures/m_00000.ovf ...   the texture after each step (step 0: the start)
    figures/           figures

Every file is written to a temporary name in the same directory and moved into
place with ``os.replace``, so a crash leaves either the old or the new file.
``history.nc`` is written last in each step: it is the commit point.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import discretisedfield as df
import numpy as np
import xarray as xr


def _umask() -> int:
    """The process's umask, read without changing it where possible."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path, suffix=""):
    """Yield a temporary path beside ``path``; move it into place on success.

    The file gets the mode a plain ``open(path, "w")`` would give it
    (``0o666`` less the umask), not the private ``0o600`` of a temporary
    file, so that a group, another user or a Docker volume can read results.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix or path.suffix,
                               dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextlib.contextmanager
def run_lock(run_dir):
    """Hold an exclusive lock on a run directory while it is written.

    Two processes training one run directory would interleave their steps; the
    second is refused at once. The lock (``fcntl.flock`` on ``run_dir/.lock``)
    is released when the holder ends, even by SIGKILL, so a crashed run never
    stays locked.

    Raises
    ------
    RuntimeError
        If another process holds the lock.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # not on POSIX: no lock
        yield
        return
    fh = open(run_dir / ".lock", "a+")  # noqa: SIM115 (held for the block)
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(
                f"Another process is writing the run directory {run_dir} (it holds "
                f"{run_dir / '.lock'}); wait for it to end, or end it, then rerun "
                f"to resume.") from None
        yield
    finally:
        fh.close()


def write_text(path, text: str) -> None:
    """Write a text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json(path, data) -> None:
    """Write JSON atomically (sorted keys, indented)."""
    write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def write_field(path: str | os.PathLike, field: df.Field) -> None:
    """Write a ``df.Field`` as binary OVF (float64, lossless) atomically."""
    with atomic_path(path, suffix=".ovf") as tmp:
        field.to_file(str(tmp), representation="bin8")


def read_field(path: str | os.PathLike) -> df.Field:
    """Read a ``df.Field`` from an OVF file."""
    return df.Field.from_file(str(path))


def write_history(path: str | os.PathLike, ds: xr.Dataset) -> None:
    """Write the history Dataset as netCDF atomically."""
    with atomic_path(path, suffix=".nc") as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf")


def read_history(path: str | os.PathLike) -> xr.Dataset:
    """Read the history Dataset fully into memory (the file is closed after).

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    ValueError
        If the file is not a readable netCDF history (truncated or corrupt);
        the message says what to do.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No history file {path}.")
    try:
        with xr.open_dataset(path, engine="h5netcdf") as ds:
            return ds.load()
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(
            f"{path} is not a readable history (truncated or corrupt: "
            f"{type(exc).__name__}). ubhop writes histories atomically, so this "
            f"file was changed by something else; restore it, or delete the run "
            f"directory and run again.") from None


def versions() -> dict:
    """Versions of Python, ubhop and the packages a run depends on."""
    out = {"python": sys.version.split()[0], "platform": platform.platform()}
    for pkg in ("ubhop", "discretisedfield", "micromagneticmodel", "oommfc",
                "numpy", "scipy", "xarray", "magnumnp", "torch"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def texture_path(run_dir, step: int) -> Path:
    """Path of the texture after ``step`` (step 0: the starting texture)."""
    return Path(run_dir) / "textures" / f"m_{step:05d}.ovf"


def new_history(nodes: int, g0: np.ndarray, attrs: dict,
                names=None) -> xr.Dataset:
    """A history holding step 0 (before training).

    Parameters
    ----------
    nodes : int
        Number of nodes ``N``.
    g0 : numpy.ndarray
        ``(N, N)`` conductances of the relaxed start (S).
    attrs : dict
        Global attributes (a ``title`` is added if missing).
    names : sequence of str, optional
        Node names (``N E S W`` of ``Device.square4``); default the indices.
        They label the ``node``, ``i`` and ``j`` coordinates
        (``node_name``, ``i_name``, ``j_name``).
    """
    names = [str(k) for k in range(nodes)] if names is None else list(names)
    if len(names) != nodes:
        raise ValueError(f"{len(names)} node names for {nodes} nodes.")
    attrs = {"title": "ubhop training history", "Conventions": "CF-1.8", **attrs}
    ds = xr.Dataset(
        {
            "G": (("step", "i", "j"), g0[None].astype(float),
                  {"units": "S", "long_name": "conductance matrix after relaxation",
                   "description": "G_ij = -K_ij: current into pad i per volt on pad "
                                  "j, all other pads grounded (AMR of the Py)"}),
            "pattern": (("step", "node"), np.zeros((1, nodes), dtype=int),
                        {"long_name": "training pattern of the pulse (0: none)"}),
            "voltage": (("step", "node"), np.zeros((1, nodes)),
                        {"units": "V", "long_name": "pad voltage of the pulse"}),
            "segment": (("step",), np.array([-1]),
                        {"long_name": "schedule segment of the pulse (-1: none)"}),
        },
        coords={"step": ("step", [0], {"long_name": "pulse number (0: the relaxed "
                                                    "start)"}),
                "i": np.arange(nodes), "j": np.arange(nodes),
                "node": np.arange(nodes),
                "node_name": ("node", names), "i_name": ("i", names),
                "j_name": ("j", names)},
        attrs=attrs,
    )
    return ds


def append_step(ds: xr.Dataset, g, pattern, voltage, segment) -> xr.Dataset:
    """The history with one more step."""
    step = int(ds.step[-1]) + 1
    new = xr.Dataset(
        {
            "G": (("step", "i", "j"), np.asarray(g, dtype=float)[None]),
            "pattern": (("step", "node"), np.asarray(pattern, dtype=int)[None]),
            "voltage": (("step", "node"), np.asarray(voltage, dtype=float)[None]),
            "segment": (("step",), np.array([segment])),
        },
        coords={"step": [step], "i": ds.i, "j": ds.j, "node": ds.node},
    )
    new = new.assign_coords({k: ds[k] for k in ("node_name", "i_name", "j_name")
                             if k in ds.coords})
    out = xr.concat([ds, new], dim="step", data_vars="all", coords="minimal",
                    compat="override", combine_attrs="override")
    for name in (*ds.data_vars, "step"):
        out[name].attrs = ds[name].attrs
    return out
