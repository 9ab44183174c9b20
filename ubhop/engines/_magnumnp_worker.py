"""Worker process of the magnum.np engine: the only module that imports magnumnp.

magnum.np sets torch's global default dtype and device when it is imported and
calls ``exit()`` when one of its submodules fails to import, so it never runs in
the user's process. ``MagnumNPEngine`` starts this file as a script::

    python -P _magnumnp_worker.py WORKDIR

(``-P`` keeps ``ubhop/engines`` off ``sys.path``, where ``magnumnp.py`` would
shadow the real package). The worker reads ``WORKDIR/input.json`` and
``WORKDIR/input.npz``, runs the stages, and writes ``WORKDIR/output.npz`` (one
unit magnetisation ``m{k}`` of shape ``(nx, ny, nz, 3)`` per stage) and
``WORKDIR/output.json`` (versions, device, per-stage times, energies, torques).
During a stage it prints ``progress k F TEXT`` (F the fraction of the
stage's simulated time done, or -1 for a minimisation, whose TEXT counts its
iterations) at most twice a second; after each stage ``stage k done``.
Failures go to stderr with a nonzero exit status.

The worker ends with its driver: the driver holds the worker's stdin open for
the whole run, and a watchdog thread that reads it sees end-of-file when the
driver dies (SIGKILL included) or gives up; the kernel also sends SIGTERM when
the driver dies (``PR_SET_PDEATHSIG``, Linux). Either way the worker deletes
``WORKDIR`` (the driver's temporary directory) and exits at once, so a killed
run leaves neither a computing process nor files behind.

Only numpy and the standard library are imported at module level, so that the
profile helper can be tested without torch.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import time

import numpy as np

MU0 = 4e-7 * math.pi


def pulse_profile(t, duration, rise):
    """Time profile of ``ubhop.Pulse`` (raised-cosine ramps), in plain numpy.

    Parameters
    ----------
    t : float or array_like
        Time since the start of the pulse (s).
    duration : float
        Pulse length (s), ramps included.
    rise : float
        Ramp time (s).

    Returns
    -------
    ndarray
        f(t) in [0, 1]; 0 outside ``[0, duration]``.
    """
    t = np.asarray(t, dtype=float)
    if rise == 0:
        return np.where((t >= 0) & (t <= duration), 1.0, 0.0)
    up = 0.5 * (1 - np.cos(np.pi * np.clip(t / rise, 0, 1)))
    down = 0.5 * (1 - np.cos(np.pi * np.clip((duration - t) / rise, 0, 1)))
    return np.where((t < 0) | (t > duration), 0.0, np.minimum(up, down))


def _torch_profile(torch, t, duration, rise):
    """``pulse_profile`` on a torch scalar (stays on the device, no sync)."""
    t = torch.as_tensor(t)
    inside = (t >= 0) & (t <= duration)
    if rise == 0:
        return inside.to(torch.get_default_dtype())
    up = 0.5 * (1 - torch.cos(math.pi * torch.clamp(t / rise, 0, 1)))
    down = 0.5 * (1 - torch.cos(math.pi * torch.clamp((duration - t) / rise, 0, 1)))
    return torch.where(inside, torch.minimum(up, down), torch.zeros_like(up))


def _select_device(torch, wanted):
    """Torch device string and the ``CUDA_DEVICE`` value magnumnp reads."""
    if wanted == "auto":
        wanted = "cuda" if torch.cuda.is_available() else "cpu"
    if wanted == "cpu":
        return "cpu", "-1"
    index = 0
    if wanted.startswith("cuda:"):
        index = int(wanted.split(":", 1)[1])
    if not torch.cuda.is_available():
        raise RuntimeError(
            f"device={wanted!r} was asked for but torch sees no CUDA GPU "
            f"(torch {torch.__version__}, built for CUDA {torch.version.cuda}); "
            f"use device='cpu' or 'auto'."
        )
    count = torch.cuda.device_count()
    if index >= count:
        raise RuntimeError(
            f"device={wanted!r} was asked for but torch sees only {count} CUDA "
            f"device(s)."
        )
    return f"cuda:{index}", str(index)


def _import_magnumnp():
    try:
        import magnumnp
    except SystemExit as exc:  # magnumnp calls exit() when a submodule fails
        raise RuntimeError(
            "magnumnp failed to import (it called exit(); its log above says "
            "why)."
        ) from exc
    if not hasattr(magnumnp, "LLGSolver"):
        raise RuntimeError("magnumnp imported without its solvers (see log above).")
    return magnumnp


class _Probe:
    """A zero field term that reports the solver's progress.

    The LLG solver and the minimiser evaluate every term at each step; this one
    adds exactly zero to the field and energy (so results are unchanged to
    the bit) and prints the progress of the stage.
    """

    def __init__(self, run, t_end=None):
        self.run, self.t_end, self.calls = run, t_end, 0

    def h(self, state):
        self.calls += 1
        if self.t_end:
            self.run.report(min(1.0, float(state.t) / self.t_end))
        else:
            self.run.report(-1.0, f"minimising, {self.calls} evaluations")
        return 0.0

    def E(self, state):
        return 0.0


class _Run:
    """State, field terms and stage drivers of one schedule."""

    stage = 0
    _last = 0.0

    def report(self, fraction, text=""):
        """Print the stage's progress, at most twice a second."""
        now = time.perf_counter()
        if now - self._last >= 0.5:
            self._last = now
            print(f"progress {self.stage} {fraction:.4f} {text}".rstrip(), flush=True)

    def __init__(self, mnp, torch, cfg, data):
        self.mnp, self.torch, self.cfg = mnp, torch, cfg
        n = tuple(int(v) for v in cfg["n"])
        mesh = mnp.Mesh(n, tuple(float(c) for c in cfg["cell"]))
        self.state = state = mnp.State(mesh)
        # a patterned film: Ms (and A, so no exchange across a gap) only on
        # the islands; m is kept zero between them
        self.magnet = (self._tensor(data[cfg["magnet"]].reshape(n))
                       if cfg.get("magnet") else None)
        ms = float(cfg["Ms"])
        state.material = {"Ms": ms if self.magnet is None else ms * self.magnet,
                          "A": float(cfg["A"]), "alpha": float(cfg["alpha"])}
        # the device's energy terms (ubhop.energy), translated in the engine
        self.names, self.terms = [], []
        for term in cfg["terms"]:
            kind = term["kind"]
            if kind == "exchange":
                a = term["A"]
                a = (float(a) if not isinstance(a, str)
                     else self._tensor(data[a].reshape(n)))
                state.material["A"] = a if self.magnet is None else a * self.magnet
                self.terms.append(mnp.ExchangeField())
            elif kind == "demag":
                self.terms.append(mnp.DemagField())
            elif kind == "anisotropy":
                state.material["Ku"] = self._tensor(data[term["K"]].reshape(n))
                state.material["Ku_axis"] = self._tensor(data[term["u"]])
                self.terms.append(mnp.UniaxialAnisotropyField())
            elif kind == "cubic":
                k1 = data[term["K1"]]
                k1 = (self._tensor(k1.reshape(n)) if k1.ndim
                      else float(k1) * self._tensor(np.ones(n)))
                state.material["Kc1"] = k1
                state.material["Kc2"] = 0.0 * k1
                state.material["Kc3"] = 0.0 * k1
                ones = self._tensor(np.ones((*n, 3)))
                state.material["Kc_axis1"] = ones * self._tensor(term["u1"])
                state.material["Kc_axis2"] = ones * self._tensor(term["u2"])
                self.terms.append(mnp.CubicAnisotropyField2())
            else:
                raise RuntimeError(f"Unknown energy term {kind!r} in input.json.")
            self.names.append(kind)
        state.m = self.unit(self._tensor(data["m0"]))
        self.tol = float(cfg["tolerance"])
        self.min_torque = float(cfg["min_torque"])

    def unit(self, m):
        """``m`` normalised, zero where the film has no material."""
        m = self.torch.nan_to_num(m / m.norm(dim=-1, keepdim=True), nan=0.0,
                                  posinf=0.0, neginf=0.0)
        return m if self.magnet is None else m * self.magnet[..., None]

    def _tensor(self, arr):
        return self.torch.as_tensor(np.ascontiguousarray(arr, dtype=np.float64),
                                    device=self.state.device)

    # ----------------------------------------------------------- diagnostics
    def energy(self):
        """Zero-field energy (J) by term: exchange, demag, anisotropy."""
        return {name: float(term.E(self.state))
                for name, term in zip(self.names, self.terms, strict=True)}

    def torque(self, terms=None):
        """Max |m x H_eff| (A/m) over the cells, for ``terms`` (default zero field)."""
        torch, state = self.torch, self.state
        h = sum(term.h(state) for term in (terms or self.terms))
        return float(torch.linalg.cross(state.m, h).norm(dim=-1).max())

    # ---------------------------------------------------------------- stages
    def _llg(self, terms, alpha, t_end, breakpoints=()):
        state = self.state
        state.material["alpha"] = float(alpha)
        llg = self.mnp.LLGSolver([*terms, _Probe(self, t_end)], atol=self.tol,
                                 rtol=self.tol)
        state.t = 0.0
        steps0 = state._step
        for tb in sorted({*(b for b in breakpoints if 0 < b < t_end), t_end}):
            llg.step(state, tb - float(state.t))
        state.material["alpha"] = float(self.cfg["alpha"])
        return state._step - steps0

    def pulse(self, st, H):
        field = self._tensor(H)
        torch = self.torch
        d, r = float(st["duration"]), float(st["rise"])
        ext = self.mnp.ExternalField(
            lambda s: field * _torch_profile(torch, s.t, d, r))
        if float(st.get("temperature", 0.0)) > 0:
            return self._stochastic(st, ext)
        steps = self._llg(self.terms + [ext], self.cfg["alpha"], d,
                          breakpoints=(r, d - r))
        return {"steps": steps}

    def _stochastic(self, st, ext):
        """Stochastic LLG: Heun's scheme with a thermal field of fixed step.

        The thermal field (magnum.np's ``ThermalField``: Gaussian, variance
        ``2 alpha kB T / (mu0 Ms gamma V dt)`` per component and cell) is
        drawn once per step from torch's generator seeded with ``st["seed"]``, and
        held through both stages of the step (Heun's predictor-corrector
        converges to the Stratonovich solution, the physical one).
        """
        mnp, torch, state = self.mnp, self.torch, self.state
        d, dt = float(st["duration"]), float(st["timestep"])
        n_steps = max(1, int(math.ceil(d / dt - 1e-9)))
        dt = d / n_steps
        alpha = float(self.cfg["alpha"])
        state.material["alpha"] = alpha
        state.T = float(st["temperature"])
        thermal = mnp.ThermalField()
        llg = mnp.LLGSolver(self.terms + [ext, thermal])
        # ThermalField draws with torch's global generator (on the CPU) each
        # time state._step changes: seeding it here makes the pulse repeatable
        torch.manual_seed(int(st["seed"]))
        state.t = 0.0
        state._dt = dt
        for k in range(n_steps):
            state._step += 1  # a new thermal field for this step
            t, m = k * dt, state.m
            f1 = llg.dm(t, m, state)
            m1 = self.unit(m + dt * f1)
            f2 = llg.dm(t + dt, m1, state)  # same step: same thermal field
            state.m = self.unit(m + 0.5 * dt * (f1 + f2))
            state.t = (k + 1) * dt
            self.report((k + 1) / n_steps)
        return {"steps": n_steps, "temperature_K": state.T, "timestep_s": dt,
                "thermal_seed": int(st["seed"])}

    def relax_time(self, st):
        alpha = st["alpha"] if st["alpha"] is not None else self.cfg["alpha"]
        steps = self._llg(self.terms, alpha, float(st["duration"]))
        return {"steps": steps, "alpha": float(alpha)}

    def relax_minimise(self):
        """Barzilai-Borwein minimiser, damped LLG as a fallback.

        magnum.np's ``MinimizerBB`` stops on the largest *component* of
        ``m x (m x H)``; asking for ``min_torque / sqrt(3)`` there guarantees
        ``max |m x H| < min_torque``.
        """
        mnp, state, cfg = self.mnp, self.state, self.cfg
        tol = self.min_torque / math.sqrt(3)
        methods = ["bb"]
        probe = _Probe(self)
        ok = mnp.MinimizerBB([*self.terms, probe]).minimize(
            state, maxiter=int(cfg["max_iter"]), dm_tol=tol)
        llg_time, steps = 0.0, 0
        if not ok:
            # high-damping LLG, checked every 50 ps, then BB again
            methods.append("llg")
            state.material["alpha"] = 1.0
            llg = mnp.LLGSolver(self.terms, atol=self.tol, rtol=self.tol)
            state.t = 0.0
            steps0 = state._step
            cap = float(cfg["max_relax_time"])
            while llg_time < cap and self.torque() >= self.min_torque:
                llg.step(state, 50e-12)
                llg_time += 50e-12
            steps = state._step - steps0
            state.material["alpha"] = float(cfg["alpha"])
            methods.append("bb")
            ok = mnp.MinimizerBB([*self.terms, probe]).minimize(
                state, maxiter=int(cfg["max_iter"]), dm_tol=tol)
        torque = self.torque()
        # the minimiser evaluates the field once per iteration (and once to
        # start): its iterations, with the fallback's LLG steps beside them
        return {"method": "+".join(methods), "converged": bool(
            ok or torque < self.min_torque), "llg_time_s": llg_time,
            "steps": steps, "minimiser_iterations": probe.calls}


def _end(workdir, code):
    """Delete the work directory and exit now (the driver is gone)."""
    import shutil

    shutil.rmtree(workdir, ignore_errors=True)
    os._exit(code)


def watch_driver(workdir, parent=None):
    """End the worker with its driver: stdin watchdog, SIGTERM, parent-death.

    Parameters
    ----------
    workdir : str
        Deleted when the driver goes.
    parent : int, optional
        The driver's pid; if the worker was already re-parented, it ends now.
    """
    import signal
    import threading

    def on_term(signum, frame):
        _end(workdir, 128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    if parent is not None and os.getppid() != parent:
        _end(workdir, 1)

    def watch():
        try:  # the raw descriptor: no buffered-reader lock held at shutdown
            while os.read(0, 1 << 16):
                pass
        except OSError:
            pass
        _end(workdir, 1)  # end of file: the driver closed the pipe or died

    threading.Thread(target=watch, daemon=True, name="ubhop-driver-watch").start()


def main(workdir):
    """Run the schedule in ``workdir``; see the module docstring."""
    parent = os.environ.get("UBHOP_DRIVER_PID")
    if parent:  # started by MagnumNPEngine, which holds our stdin open
        watch_driver(workdir, int(parent))
    t_start = time.perf_counter()
    with open(os.path.join(workdir, "input.json")) as fh:
        cfg = json.load(fh)
    with np.load(os.path.join(workdir, "input.npz")) as npz:
        data = {k: npz[k] for k in npz.files}

    if not cfg.get("compile", False):
        os.environ["TORCHDYNAMO_DISABLE"] = "1"
    import torch

    torch.set_num_threads(int(cfg["n_threads"]))
    with contextlib.suppress(RuntimeError):  # set once per process, before work
        torch.set_num_interop_threads(1)
    device, cuda_id = _select_device(torch, cfg["device"])
    os.environ["CUDA_DEVICE"] = cuda_id
    mnp = _import_magnumnp()
    mnp.logging.set_log_level(30)  # warnings and errors only
    t_import = time.perf_counter() - t_start

    run = _Run(mnp, torch, cfg, data)
    out, stages = {}, []
    for k, st in enumerate(cfg["stages"]):
        run.stage = k
        t0 = time.perf_counter()
        e_start = run.energy()
        t1 = time.perf_counter()
        if st["kind"] == "pulse":
            info = run.pulse(st, data[f"H{k}"])
        elif st["method"] == "time":
            info = run.relax_time(st)
        else:
            info = run.relax_minimise()
        if run.state.device.type == "cuda":
            torch.cuda.synchronize()
        solver_s = time.perf_counter() - t1
        m = run.unit(run.state.m)
        out[f"m{k}"] = m.detach().cpu().numpy()
        if not np.isfinite(out[f"m{k}"]).all():
            raise RuntimeError(f"Stage {k} ({st['kind']}) produced NaN or inf in m.")
        e_end = run.energy()
        info.update(kind=st["kind"], solver_s=solver_s,
                    wall_s=time.perf_counter() - t0,
                    energy_start_J=e_start, energy_end_J=e_end,
                    max_torque_end_A_per_m=run.torque())
        stages.append(info)
        print(f"stage {k} done", flush=True)

    np.savez(os.path.join(workdir, "output.npz"), **out)
    meta = {
        "magnumnp_version": mnp.__version__,
        "torch_version": torch.__version__,
        "device": str(run.state.device),
        "dtype": str(run.state.dtype),
        "threads": torch.get_num_threads(),
        "import_s": t_import,
        "worker_wall_s": time.perf_counter() - t_start,
        "stages": stages,
    }
    with open(os.path.join(workdir, "output.json"), "w") as fh:
        json.dump(meta, fh, indent=1)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -P _magnumnp_worker.py WORKDIR")
    main(sys.argv[1])
