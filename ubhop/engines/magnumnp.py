"""The magnum.np engine: LLG and energy minimisation on PyTorch, in a worker process.

magnum.np (PyPI ``magnumnp``, GPL-3) is an optional extra. Its import sets
torch's global default dtype and device and may call ``exit()``, so this module
never imports it: the schedule runs in ``_magnumnp_worker.py``, a separate
Python process, with inputs and outputs exchanged as ``.npz``/``.json`` files in
a temporary directory.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np

from .. import energy
from ..schedule import Pulse
from .base import Engine, default_threads, progress_bar

_WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "_magnumnp_worker.py")
_INSTALL = 'pip install "ubhop[magnumnp]"'


def magnumnp_available() -> bool:
    """Whether magnum.np and torch are installed (checked without importing them)."""
    return all(importlib.util.find_spec(name) is not None
               for name in ("magnumnp", "torch"))


def _tail(text: str, n_lines: int = 40, n_chars: int = 4000) -> str:
    """The last lines of a worker's stderr, without terminal colour codes."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    text = "\n".join(text.strip().splitlines()[-n_lines:])
    return text[-n_chars:]


def _array(field) -> np.ndarray:
    return np.asarray(field.array, dtype=np.float64)


def _exchange(term, data):
    if isinstance(term.A, int | float):
        return {"kind": "exchange", "A": float(term.A)}
    data["A"] = _array(term.A)  # weakened grain boundaries: A per cell
    return {"kind": "exchange", "A": "A"}


def _anisotropy(term, data):
    data["K"], data["u"] = _array(term.K), _array(term.u)
    return {"kind": "anisotropy", "K": "K", "u": "u"}


def _cubic(term, data):
    data["Kc1"] = (_array(term.K1) if not isinstance(term.K1, int | float)
                   else np.full((), float(term.K1)))
    return {"kind": "cubic", "K1": "Kc1", "u1": [float(v) for v in term.u1],
            "u2": [float(v) for v in term.u2]}


def _worker_terms(data) -> dict:
    """``ubhop.energy`` term -> the worker's JSON description (arrays in ``data``).

    The pulse's Zeeman term travels with its stage (``H{k}``), not here.
    """
    return {
        energy.Exchange: lambda t: _exchange(t, data),
        energy.Demag: lambda t: {"kind": "demag"},
        energy.UniaxialAnisotropy: lambda t: _anisotropy(t, data),
        energy.CubicAnisotropy: lambda t: _cubic(t, data),
    }


SMALL_FILM_CELLS = 20_000  # below this, one torch thread (see MagnumNPEngine)


class MagnumNPEngine(Engine):
    """Pulse and relax with magnum.np (finite differences on PyTorch).

    The physics is OOMMF's: exchange (``A``), demagnetisation, uniaxial grain
    anisotropy (``dev.anisotropy()``, when the device has disorder) and, during
    a pulse, the Zeeman field ``H(r) * f(t)`` with ``f`` the pulse's
    raised-cosine profile. The cells are ``dev.mesh``'s cells.

    - ``Pulse``: LLG (RKF45) for ``duration`` with ``alpha = dev.py.alpha``;
      the integrator stops at the ends of the ramps. At ``temperature > 0``:
      stochastic LLG, Heun's scheme with fixed step ``timestep`` and
      magnum.np's ``ThermalField`` (seeded with the pulse's ``seed``).
    - ``Relax(method="time")``: LLG at zero field for ``duration`` with
      ``relax.alpha`` (default ``dev.py.alpha``).
    - ``Relax(method="minimise")``: magnum.np's Barzilai-Borwein energy
      minimiser at zero field until ``max |m x H_eff| < min_torque``; if it
      does not converge in ``max_iter`` iterations, LLG with ``alpha = 1`` for
      up to ``max_relax_time``, then the minimiser again. A stage that still
      misses ``min_torque`` gives a ``RuntimeWarning``.

    Parameters
    ----------
    n_threads : int, optional
        Torch CPU threads in the worker. Default: chosen by the film's size,
        one thread below ``SMALL_FILM_CELLS`` cells (on the CPU a second
        thread did not speed up 10,000 cells, and two engine jobs of two
        threads each on two cores ran each other 5 times slower), else the
        CPUs this process may use, at most 8 (40,000 cells: 1.6 times faster
        on two threads).
    device : str
        ``"auto"`` (CUDA when torch sees a GPU, else CPU), ``"cpu"``,
        ``"cuda"`` or ``"cuda:N"``. Default ``"auto"``.
    min_torque : float
        Stopping criterion of ``Relax(method="minimise")``: max over the cells
        of ``|m x H_eff|`` (A/m), as OOMMF's ``stopping_mxHxm``. Default 0.1.
    tolerance : float
        Absolute and relative error tolerance of the RKF45 LLG integrator
        (dimensionless, on m). Default 1e-5.
    max_iter : int
        Iterations of the minimiser per attempt. Default 20000.
    max_relax_time : float
        Cap on the damped-LLG fallback of a minimisation (s). Default 10e-9.
    timeout : float, optional
        Wall-clock limit for the whole worker run (s); None for no limit.
    passive_wait : bool
        Let the worker's OpenMP threads sleep, not spin, while they wait for
        work (``OMP_WAIT_POLICY=PASSIVE``). Default False: measured beside
        another engine job it made a pulse slower, not faster (each of the
        many short parallel regions then pays a wake-up;
        ``benchmarks/bench_contention.py``).
    compile : bool
        Let magnum.np use ``torch.compile``. Default False: on CPU it made
        one pulse + relax on 50 x 50 cells 25 times slower (300 s instead of
        12 s, compilation and recompilation); untried on GPUs.

    Raises
    ------
    RuntimeError
        If magnum.np or torch is not installed.

    Examples
    --------
    >>> import ubhop
    >>> engine = ubhop.get_engine("magnumnp", n_threads=2)  # doctest: +SKIP
    """

    name = "magnumnp"

    def __init__(self, n_threads: int | None = None, device: str = "auto",
                 min_torque: float = 0.1, tolerance: float = 1e-5,
                 max_iter: int = 20000, max_relax_time: float = 10e-9,
                 timeout: float | None = None, compile: bool = False,
                 passive_wait: bool = False):
        super().__init__()
        if not magnumnp_available():
            raise RuntimeError(
                f"The magnum.np engine needs the packages magnumnp and torch, "
                f"which are not installed: {_INSTALL}"
            )
        if n_threads is not None and not (isinstance(n_threads, int | np.integer)
                                          and n_threads >= 1):
            raise ValueError(f"n_threads must be an int >= 1 or None (by the "
                             f"film's size), got {n_threads!r}.")
        if not (isinstance(device, str)
                and re.fullmatch(r"auto|cpu|cuda(:\d+)?", device)):
            raise ValueError(
                f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}."
            )
        for key, value in (("min_torque", min_torque), ("tolerance", tolerance),
                           ("max_relax_time", max_relax_time)):
            if not (isinstance(value, int | float) and math.isfinite(value)
                    and value > 0):
                raise ValueError(f"{key} must be a finite number > 0, got {value!r}.")
        if not (isinstance(max_iter, int | np.integer) and max_iter >= 1):
            raise ValueError(f"max_iter must be an int >= 1, got {max_iter!r}.")
        if timeout is not None and not (isinstance(timeout, int | float)
                                        and timeout > 0):
            raise ValueError(f"timeout must be > 0 s or None, got {timeout!r}.")
        self.n_threads = None if n_threads is None else int(n_threads)
        self.device = device
        self.min_torque = float(min_torque)
        self.tolerance = float(tolerance)
        self.max_iter = int(max_iter)
        self.max_relax_time = float(max_relax_time)
        self.timeout = None if timeout is None else float(timeout)
        self.compile = bool(compile)
        self.passive_wait = bool(passive_wait)

    def threads_for(self, dev) -> int:
        """Torch threads for ``dev``: ``n_threads``, or one for a small film."""
        if self.n_threads is not None:
            return self.n_threads
        return 1 if math.prod(dev.n) < SMALL_FILM_CELLS else default_threads()

    def __repr__(self):
        return (f"MagnumNPEngine(n_threads={self.n_threads}, device={self.device!r}, "
                f"min_torque={self.min_torque:g}, tolerance={self.tolerance:g})")

    # ------------------------------------------------------------------ inputs
    def _inputs(self, dev, m, stages):
        cfg = {
            "n": list(dev.n), "cell": list(dev.cell),
            "Ms": dev.py.Ms, "A": dev.py.A, "alpha": dev.py.alpha,
            "n_threads": self.threads_for(dev), "device": self.device,
            "min_torque": self.min_torque, "tolerance": self.tolerance,
            "max_iter": self.max_iter, "max_relax_time": self.max_relax_time,
            "compile": self.compile,
            "passive_wait": self.passive_wait, "stages": [], "terms": [],
        }
        data = {"m0": np.asarray(m, dtype=np.float64)}
        magnet = dev.magnet_mask()
        if magnet is not None:  # a patterned film: Ms = 0 between the islands
            data["magnet"] = magnet.astype(np.float64)
            cfg["magnet"] = "magnet"
        cfg["terms"] = energy.translate(energy.energy_terms(dev),
                                        _worker_terms(data), "magnum.np")
        for k, st in enumerate(stages):
            if isinstance(st, Pulse):
                cfg["stages"].append({"kind": "pulse", "duration": st.duration,
                                      "rise": st.rise,
                                      "temperature": st.temperature,
                                      "seed": st.seed, "timestep": st.timestep})
                data[f"H{k}"] = np.asarray(st.field.array, dtype=np.float64)
            else:
                cfg["stages"].append({"kind": "relax",
                                      **dataclasses.asdict(st)})
        return cfg, data

    # --------------------------------------------------------------- the run
    def _run(self, dev, m, stages, *, progress=False):

        t_wall = time.perf_counter()
        cfg, data = self._inputs(dev, m, stages)
        with tempfile.TemporaryDirectory(prefix="ubhop-magnumnp-") as work:
            with open(os.path.join(work, "input.json"), "w") as fh:
                json.dump(cfg, fh)
            np.savez(os.path.join(work, "input.npz"), **data)
            env = dict(os.environ)
            for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                env[var] = str(cfg["n_threads"])
            if self.passive_wait:
                # idle OpenMP threads sleep instead of spinning (GNU and Intel)
                env.update(OMP_WAIT_POLICY="PASSIVE", KMP_BLOCKTIME="0")
            out_path, err_path = (os.path.join(work, f) for f in ("stdout", "stderr"))
            bar = progress_bar(len(stages), progress, "magnum.np")
            env["UBHOP_DRIVER_PID"] = str(os.getpid())
            with open(out_path, "w") as out, open(err_path, "w") as err:
                # stdin stays open while the worker runs: its watchdog ends the
                # worker (and deletes `work`) when this process dies
                proc = subprocess.Popen([sys.executable, "-P", _WORKER, work],
                                        stdin=subprocess.PIPE, stdout=out,
                                        stderr=err, env=env, cwd=work)
                try:
                    rc = self._wait(proc, out_path, bar, t_wall)
                finally:
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait()
                    proc.stdin.close()
                    bar.close()
            with open(err_path, errors="replace") as fh:
                stderr = fh.read()
            if rc == "timeout":
                raise RuntimeError(
                    f"The magnum.np worker ran past timeout={self.timeout:g} s and "
                    f"was stopped. Its stderr ends with:\n{_tail(stderr)}"
                )
            files = [os.path.join(work, f) for f in ("output.npz", "output.json")]
            if rc != 0 or not all(os.path.isfile(f) for f in files):
                raise RuntimeError(
                    f"The magnum.np worker failed (exit status {rc}"
                    f"{'' if rc != 0 else ', no output written'}). Its stderr "
                    f"ends with:\n{_tail(stderr) or '(empty)'}"
                )
            with np.load(files[0]) as npz:
                arrays = [np.array(npz[f"m{k}"]) for k in range(len(stages))]
            with open(files[1]) as fh:
                meta = json.load(fh)
        for k, a in enumerate(arrays):
            if a.shape != (*dev.n, 3) or not np.isfinite(a).all():
                raise RuntimeError(f"The magnum.np worker returned a bad m for stage "
                                   f"{k} (shape {a.shape}).")
        self._provenance(meta, time.perf_counter() - t_wall, stderr)
        for k, info in enumerate(meta["stages"]):
            if info.get("converged") is False:
                warnings.warn(
                    f"magnum.np: stage {k} (Relax, minimise) did not reach "
                    f"max |m x H| < {self.min_torque:g} A/m (got "
                    f"{info['max_torque_end_A_per_m']:.3g} A/m after "
                    f"{self.max_iter} minimiser iterations and "
                    f"{info['llg_time_s']:.3g} s of damped LLG); the returned m is "
                    f"not a converged minimum. Raise max_iter or max_relax_time.",
                    RuntimeWarning, stacklevel=3,
                )
        return arrays

    def _wait(self, proc, out_path, bar, t_wall):
        """Wait for the worker, updating the bar; return its rc or 'timeout'."""
        while True:
            try:
                rc = proc.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                rc = None
            with open(out_path, errors="replace") as fh:
                lines = fh.read().splitlines()
            done = sum(1 for line in lines if line.startswith("stage "))
            position, text = float(done), ""
            last = next((ln for ln in reversed(lines)
                         if ln.startswith(("progress ", "stage "))), "")
            if last.startswith("progress "):
                parts = last.split(" ", 3)
                with contextlib.suppress(ValueError, IndexError):
                    k, frac = int(parts[1]), float(parts[2])
                    text = parts[3] if len(parts) > 3 else ""
                    if k == done and frac >= 0:
                        position = done + frac
            if position != bar.n or text:
                bar.n = position
                bar.set_postfix_str(text, refresh=False)
                bar.refresh()
            if rc is not None:
                return rc
            if self.timeout is not None and time.perf_counter() - t_wall > self.timeout:
                proc.kill()
                proc.wait()
                return "timeout"

    def _provenance(self, meta, wall, stderr):
        solver = sum(s["solver_s"] for s in meta["stages"])
        self.provenance = {
            "engine": "magnumnp",
            "magnumnp_version": meta["magnumnp_version"],
            "torch_version": meta["torch_version"],
            "runner": f"worker process ({sys.executable})",
            "device": meta["device"],
            "dtype": meta["dtype"],
            "threads": meta["threads"],
            "compile": self.compile,
            "passive_wait": self.passive_wait,
            "min_torque_A_per_m": self.min_torque,
            "tolerance": self.tolerance,
            "stages": meta["stages"],
            "import_s": meta["import_s"],
            "worker_wall_s": meta["worker_wall_s"],
            "wall_s": wall,
            "solver_s": solver,
            "worker_warnings": _tail(stderr, n_lines=20),
        }
