"""The OOMMF engine: micromagneticmodel systems driven by OOMMF through oommfc.

This is the reference engine. Each stage of a schedule is one oommfc drive of
a ``micromagneticmodel.System`` with the device's energy:

- exchange ``mm.Exchange(A)`` (``A`` a field, ``Oxs_ExchangePtwise``, when
  ``dev.exchange()`` weakens the grain boundaries), demagnetisation
  ``mm.Demag()`` and, for a device with grain disorder,
  ``mm.UniaxialAnisotropy(K, u)`` with the fields of ``dev.anisotropy()``;
- during a ``Pulse`` also ``mm.Zeeman(H=pulse.field, name="pulse")`` whose
  time profile is ``Pulse.profile``: an ``Oxs_TransformZeeman`` with a Tcl
  script that evaluates the raised-cosine profile and its derivative
  analytically (see :func:`pulse_tcl`). A pulse with ``temperature > 0`` is
  integrated with OOMMF's stochastic UHH theta evolver (fixed step, seeded).

The runner (how OOMMF is started) comes from
:mod:`ubhop.engines.oommf_runners`, which fixes oommfc's cleanup on headless
machines and its Docker runner.

Parallel runs: an oommfc drive changes the process's working directory while
it runs, so OOMMF drives in one Python process are serialised by a lock (two
threads never drive at the same time). Run independent simulations in
separate *processes* (``multiprocessing``, ``concurrent.futures.
ProcessPoolExecutor``, separate scripts): each drive runs in its own fresh
temporary directory and each process talks to its own OOMMF host server (a
random port), so they do not interfere.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import tempfile
import threading
import time

import discretisedfield as df
import micromagneticmodel as mm
import numpy as np
import oommfc as oc
import ubermagtable as ut
import ubermagutil as uu

from .. import energy
from ..schedule import Pulse
from . import oommf_runners as _runners
from . import oommf_schedule as _schedule
from .base import Engine, default_threads, progress_bar
from .oommf_schedule import RAMP_TCL

# oommfc drives chdir: one drive at a time per process
_DRIVE_LOCK = threading.RLock()


def oommf_available() -> bool:
    """Whether an OOMMF runner is found.

    The runners are a host ``OOMMFTCL``, ``oommf`` on PATH, or Docker with
    the project's image.

    Cheap and cached: the first call runs ``+version`` probes (a few tens of
    ms) and starts no OOMMF daemons. Clear the cache with
    ``ubhop.engines.oommf_runners.find_runner_spec.cache_clear()`` after
    changing the environment.
    """
    return _runners.find_runner_spec()[0] is not None


def pulse_tcl(pulse: Pulse, name: str = "pulse") -> dict:
    """``tcl_strings`` of an ``mm.Zeeman`` whose field follows ``pulse.profile``.

    OOMMF's ``Oxs_TransformZeeman`` (type ``diagonal``) multiplies the field
    ``H(r)`` by the Tcl procedure's ``f(t)`` and needs ``df/dt`` too; both are
    computed analytically from the raised-cosine ramps, so the profile is
    exact at every solver step (no tabulated ``tlist``: a coarse table made
    OOMMF's adaptive stepper stall).

    Parameters
    ----------
    pulse : Pulse
        The pulse (duration and rise in s).
    name : str
        Name of the Zeeman term (the Tcl procedure is ``UbhopProfile_<name>``).

    Returns
    -------
    dict
        Keys ``script``, ``energy``, ``type``, ``script_args``, ``script_name``.
    """
    proc = f"UbhopProfile_{name}"
    d, r = float(pulse.duration), float(pulse.rise)
    script = RAMP_TCL + f"""proc {proc} {{ total_time }} {{
  lassign [UbhopRamp $total_time {d!r} {r!r}] f df
  return [list $f $f $f $df $df $df]
}}
"""
    return {"script": script, "energy": "Oxs_TransformZeeman", "type": "diagonal",
            "script_args": "total_time", "script_name": proc}


# ubhop.energy term -> micromagneticmodel term (oommfc writes the MIF)
_MM_TERMS = {
    energy.Exchange: lambda t: mm.Exchange(A=t.A),
    energy.Demag: lambda t: mm.Demag(),
    energy.UniaxialAnisotropy: lambda t: mm.UniaxialAnisotropy(K=t.K, u=t.u),
    energy.CubicAnisotropy: lambda t: mm.CubicAnisotropy(K=t.K1, u1=t.u1, u2=t.u2),
    energy.Zeeman: lambda t: mm.Zeeman(H=t.pulse.field,
                                       tcl_strings=pulse_tcl(t.pulse, t.name),
                                       name=t.name),
}


class OOMMFEngine(Engine):
    """Pulse and relax with OOMMF (the reference engine), through oommfc.

    The physics is the magnum.np engine's: exchange, demagnetisation, uniaxial
    grain anisotropy (when ``dev.anisotropy()`` is not None) and, during a
    pulse, the Zeeman field ``H(r) * f(t)`` with ``f = Pulse.profile``. The
    cells are ``dev.mesh``'s cells.

    - ``Pulse``: ``oc.TimeDriver`` (OOMMF's RK5(4) evolver) for ``duration``
      with ``alpha = dev.py.alpha``, ``n_output`` snapshots; at
      ``temperature > 0`` the UHH theta evolver (stochastic LLG with a thermal
      field, fixed step ``timestep``, ``uniform_seed = seed``).
    - ``Relax(method="time")``: ``oc.TimeDriver`` at zero field for
      ``duration`` with ``relax.alpha`` (else ``relax_alpha``, else
      ``dev.py.alpha``).
    - ``Relax(method="minimise")``: ``oc.MinDriver`` (conjugate gradient) at
      zero field until ``max |m x H| < min_torque`` (``stopping_mxHxm``).

    Each drive runs in a fresh directory under a temporary directory (or
    under ``workdir`` when given, where the files are kept).

    A schedule of zero-temperature pulses and time relaxations with one
    damping runs in **one** OOMMF process (one MIF file with a stage per
    pulse and per relaxation, see :mod:`ubhop.engines.oommf_schedule`), so
    OOMMF starts and sets up the demagnetisation kernel once, not once per
    stage. Other schedules (minimisation, thermal pulses) run one OOMMF
    process per stage. ``provenance["mode"]`` says which was used.

    Parameters
    ----------
    n_threads : int, optional
        OOMMF threads (``boxsi -threads``). Default: the CPUs this process may
        use, at most 8.
    runner : oommfc runner, optional
        An explicit runner (e.g. ``oommf_runners.DockerRunner(image=...)``).
        Default: found like oommfc does (``OOMMFTCL``, ``oommf`` on PATH,
        Docker), one per process, with ubhop's fixes.
    timeout : float, optional
        Wall-clock limit of one OOMMF process (s): one stage, or the whole
        schedule when it runs in one process. Past it OOMMF is stopped and
        ``OOMMFTimeoutError`` (a ``RuntimeError``) raised. None: no limit.
    min_torque : float
        ``stopping_mxHxm`` of ``Relax(method="minimise")`` (A/m). Default 0.1.
    relax_alpha : float, optional
        Damping of ``Relax(method="time")`` stages whose ``alpha`` is None.
        Default None: the device's alpha.
    workdir : str, optional
        Keep every run's OOMMF files (MIF, OVF, ODT) in a new directory under
        this one. Default None: a temporary directory, deleted after the run.
    single_process : {"auto", True, False}
        ``"auto"`` (default): one OOMMF process for a schedule of more than
        one stage when it can hold it, one per stage otherwise. ``True``:
        always one process; a schedule it cannot hold raises ``ValueError``
        saying why. ``False``: always one process per stage.

    Raises
    ------
    RuntimeError
        If no OOMMF runner is found; the message lists the three ways to get
        one.

    Examples
    --------
    >>> import ubhop
    >>> engine = ubhop.get_engine("oommf", n_threads=2)  # doctest: +SKIP
    """

    name = "oommf"

    def __init__(self, n_threads: int | None = None, runner=None,
                 timeout: float | None = None, min_torque: float = 0.1,
                 relax_alpha: float | None = None, workdir: str | None = None,
                 single_process: bool | str = "auto"):
        super().__init__()
        if not (single_process == "auto" or single_process is True
                or single_process is False):
            raise ValueError(f"single_process must be 'auto', True or False, got "
                             f"{single_process!r}.")
        if n_threads is None:
            n_threads = default_threads()
        if not (isinstance(n_threads, int | np.integer) and n_threads >= 1):
            raise ValueError(f"n_threads must be an int >= 1, got {n_threads!r}.")
        if timeout is not None and not (isinstance(timeout, int | float)
                                        and math.isfinite(timeout) and timeout > 0):
            raise ValueError(f"timeout must be > 0 s or None, got {timeout!r}.")
        if not (isinstance(min_torque, int | float) and math.isfinite(min_torque)
                and min_torque > 0):
            raise ValueError(f"min_torque must be a finite number > 0 (A/m), got "
                             f"{min_torque!r}.")
        if relax_alpha is not None and not (isinstance(relax_alpha, int | float)
                                            and math.isfinite(relax_alpha)
                                            and relax_alpha > 0):
            raise ValueError(f"relax_alpha must be > 0 or None, got {relax_alpha!r}.")
        if workdir is not None and not os.path.isdir(workdir):
            raise ValueError(f"workdir must be an existing directory, got "
                             f"{workdir!r}.")
        if runner is None:
            spec = _runners.find_runner_spec()
            if spec[0] is None:
                raise RuntimeError(_runners.no_runner_message(spec[1]))
            runner = _runners.make_runner(spec)
        elif not isinstance(runner, oc.oommf.OOMMFRunner):
            raise ValueError(f"runner must be an oommfc OOMMFRunner, got {runner!r}.")
        self.runner = runner
        self.n_threads = int(n_threads)
        self.timeout = None if timeout is None else float(timeout)
        self.min_torque = float(min_torque)
        self.relax_alpha = None if relax_alpha is None else float(relax_alpha)
        self.workdir = workdir
        self.single_process = single_process

    def __repr__(self):
        return (f"OOMMFEngine(n_threads={self.n_threads}, runner={self.runner!r}, "
                f"min_torque={self.min_torque:g})")

    def close(self):
        """Stop the OOMMF daemons of this engine's runner now.

        Also done when Python exits. Later runs start new ones.
        """
        close = getattr(self.runner, "close", None)
        if close is not None:
            close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --------------------------------------------------------------- systems
    def _energy(self, terms, pulse=None):
        """``mm.Energy`` of the device's terms, plus the pulse's Zeeman term."""
        if pulse is not None:
            terms = [*terms, energy.zeeman_term(pulse)]
        parts = energy.translate(terms, _MM_TERMS, "OOMMF")
        total = parts[0]
        for part in parts[1:]:
            total += part
        return total

    def _stage(self, k, st, dev, terms, m):
        """System, driver and drive arguments of stage ``k``."""
        system = mm.System(name=f"stage{k}")
        if isinstance(st, Pulse):
            system.energy = self._energy(terms, st)
            alpha = _schedule.stage_alpha(dev, st)
            driver, kwargs = oc.TimeDriver(), {"t": st.duration, "n": st.n_output}
            if st.temperature > 0:
                # stochastic LLG: OOMMF's UHH theta evolver (thermal field of
                # fixed step); oommfc passes system.T as its temperature
                system.T = float(st.temperature)
                driver = oc.TimeDriver(evolver=oc.UHH_ThetaEvolver(
                    fixed_timestep=float(st.timestep), uniform_seed=int(st.seed)))
        elif st.method == "time":
            system.energy = self._energy(terms)
            alpha = _schedule.stage_alpha(dev, st, self.relax_alpha)
            driver, kwargs = oc.TimeDriver(), {"t": st.duration, "n": 1}
        else:
            system.energy = self._energy(terms)
            alpha = None
            driver, kwargs = oc.MinDriver(stopping_mxHxm=self.min_torque), {}
        if alpha is not None:
            system.dynamics = (mm.Precession(gamma0=mm.consts.gamma0)
                               + mm.Damping(alpha=float(alpha)))
        system.m = _magnetisation(dev, m)
        return system, driver, kwargs, alpha

    # --------------------------------------------------------------- the run
    def _run(self, dev, m, stages, *, progress=False):

        t_wall = time.perf_counter()
        reason = _schedule.single_process_reason(dev, stages, self.relax_alpha)
        if self.single_process is True and reason is not None:
            raise ValueError(f"single_process=True, but this schedule cannot run in "
                             f"one OOMMF process: {reason}.")
        single = (reason is None and (self.single_process is True
                                      or (self.single_process == "auto"
                                          and len(stages) > 1)))
        runner = self.runner
        if hasattr(runner, "timeout"):
            runner.timeout = self.timeout
        terms = energy.energy_terms(dev)
        arrays, infos = [], []
        if self.workdir is None:
            work = tempfile.mkdtemp(prefix="ubhop-oommf-")
        else:
            work = tempfile.mkdtemp(prefix="run-", dir=self.workdir)
        docker_as_root = (isinstance(runner, _runners.DockerRunner)
                          and hasattr(os, "getuid") and os.getuid() == 0)
        if docker_as_root:  # the image's non-root user writes here
            os.chmod(work, 0o777)
        bar = progress_bar(len(stages), progress, "OOMMF")
        try:
            if single:
                arrays, infos = self._run_single(dev, m, stages, terms, work,
                                                 docker_as_root, bar)
            for k, st in enumerate(stages if not single else ()):
                t0 = time.perf_counter()
                system, driver, kwargs, alpha = self._stage(k, st, dev, terms, m)
                kind = "pulse" if isinstance(st, Pulse) else "relax"
                label = kind if kind == "pulse" else f"relax, {st.method}"
                t1 = time.perf_counter()
                self._drive(driver, system, work, kwargs, k, label, docker_as_root)
                solver_s = time.perf_counter() - t1
                m = _unit(system.m.array, dev, k, label)
                arrays.append(m)
                info = {"kind": kind, "wall_s": time.perf_counter() - t0,
                        "solver_s": solver_s,
                        "boxsi_s": getattr(runner, "last_call_s", None)}
                if kind == "relax":
                    info["method"] = st.method
                if alpha is not None:
                    info["alpha"] = float(alpha)
                if kind == "pulse" and st.temperature > 0:
                    info.update(temperature_K=float(st.temperature),
                                thermal_seed=int(st.seed),
                                timestep_s=float(st.timestep))
                info.update(_table_summary(system))
                drive_dir = os.path.join(work, system.name, "drive-0")
                info["files"] = sorted(os.listdir(drive_dir))
                if self.workdir is not None:
                    info["dir"] = drive_dir
                infos.append(info)
                bar.update(1)
        finally:
            bar.close()
            if self.workdir is None:
                shutil.rmtree(work, ignore_errors=True)
        self._provenance(infos, time.perf_counter() - t_wall,
                         work if self.workdir is not None else None,
                         "single-process" if single else "per-stage", reason)
        return arrays

    def _run_single(self, dev, m, stages, terms, work, docker_as_root, bar):
        """The whole schedule in one OOMMF process (see ``oommf_schedule``)."""
        t0 = time.perf_counter()
        plan, fields = _schedule.stage_plan(stages)
        total = self._energy(terms)
        for i, h in enumerate(fields):
            total += mm.Zeeman(H=h, name=f"pulse{i}",
                               tcl_strings=_schedule.profile_tcl(plan, i,
                                                                 f"pulse{i}"))
        # single_process_reason checked that every stage has this damping
        alpha = _schedule.stage_alpha(dev, stages[0], self.relax_alpha)
        system = mm.System(name="schedule", energy=total)
        system.m = _magnetisation(dev, m)
        drive_dir = os.path.join(work, system.name, "drive-0")
        os.makedirs(drive_dir)
        label = f"single process, {len(plan)} OOMMF stages"
        with _DRIVE_LOCK, uu.changedir(drive_dir):
            umask = os.umask(0) if docker_as_root else None
            try:
                mif = oc.scripts.system_script(system, ovf_format="bin8")
                mif += _schedule.driver_mif(plan, alpha, mm.consts.gamma0)
                with open("schedule.mif", "w", encoding="utf-8") as f:
                    f.write(mif)
                t1 = time.perf_counter()
                with self._errors(0, label), _watch_stages(drive_dir, plan, bar):
                    self.runner.call(argstr="schedule.mif", n_threads=self.n_threads,
                                     verbose=0)
                solver_s = time.perf_counter() - t1
            finally:
                if umask is not None:
                    os.umask(umask)
        names = sorted(os.listdir(drive_dir))
        files = _schedule.stage_files(names, len(plan))
        table = ut.Table.fromfile(os.path.join(drive_dir, "schedule.odt"), x="t").data
        summaries = _schedule.stage_summaries(table, plan)
        arrays, infos = [], []
        for k, (st, i) in enumerate(zip(stages, _schedule.source_of_results(plan),
                                        strict=True)):
            a = df.Field.from_file(os.path.join(drive_dir, files[i])).array
            arrays.append(_unit(a, dev, k, label))
            kind = "pulse" if isinstance(st, Pulse) else "relax"
            info = {"kind": kind, "alpha": float(alpha), "oommf_stages":
                    [j for j, s in enumerate(plan) if s.source == k],
                    **summaries[k]}
            if kind == "relax":
                info["method"] = st.method
            infos.append(info)
        bar.n = len(stages)
        bar.refresh()
        wall = time.perf_counter() - t0
        # one process: its times belong to the schedule, not to a stage
        self._single_times = {"solver_s": solver_s, "wall_s": wall,
                              "boxsi_s": getattr(self.runner, "last_call_s", None),
                              "files": names, "dir": drive_dir}
        return arrays, infos

    @contextlib.contextmanager
    def _errors(self, k, label):
        """Turn a failed or timed-out OOMMF call into a message naming the stage."""
        try:
            yield
        except _runners.OOMMFTimeoutError as exc:
            raise _runners.OOMMFTimeoutError(
                f"OOMMF: stage {k} ({label}) ran past timeout={self.timeout:g} s "
                f"and was stopped. {exc}"
            ) from None
        except RuntimeError as exc:
            raise RuntimeError(
                f"OOMMF failed in stage {k} ({label}) with runner "
                f"{self.runner!r}:\n{_tail(str(exc))}{_errors_tail(self.runner)}"
            ) from None

    def _drive(self, driver, system, work, kwargs, k, label, docker_as_root):
        with _DRIVE_LOCK:
            umask = os.umask(0) if docker_as_root else None
            try:
                with self._errors(k, label):
                    driver.drive(system, dirname=work, append=False,
                                 runner=self.runner, n_threads=self.n_threads,
                                 verbose=0, **kwargs)
            finally:
                if umask is not None:
                    os.umask(umask)

    def _provenance(self, infos, wall, kept, mode, reason):
        runner = self.runner
        single = mode == "single-process"
        if single:
            times = self._single_times
            solver = times["solver_s"]
        else:
            solver = sum(s["solver_s"] for s in infos)
        self.provenance = {
            "engine": "oommf",
            "mode": mode,
            "why_per_stage": None if single else reason,
            "oommf_version": _oommf_version(runner),
            "oommfc_version": oc.__version__,
            "runner": _runners.runner_kind(runner),
            "runner_repr": repr(runner),
            "runner_command": _runners.runner_command(runner),
            "threads": self.n_threads,
            "min_torque_A_per_m": self.min_torque,
            "timeout_s": self.timeout,
            "stages": infos,
            "wall_s": wall,
            "solver_s": solver,
            "workdir": kept,
        }
        if single:
            self.provenance.update(
                boxsi_s=times["boxsi_s"], files=times["files"],
                **({"dir": times["dir"]} if kept is not None else {}))


@contextlib.contextmanager
def _watch_stages(drive_dir, plan, bar, every=0.5):
    """While OOMMF runs, move ``bar`` on as the stages' m files appear."""
    if bar.disable:
        yield
        return
    last = {k: s.source for k, s in enumerate(plan) if s.last}
    stop = threading.Event()

    def poll():
        while not stop.wait(every):
            done = _schedule.finished_stages(os.listdir(drive_dir))
            n = sum(1 for k in done if k in last)
            if n > bar.n:
                bar.n = n
                bar.refresh()

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _magnetisation(dev, m):
    """``system.m``: unit ``m`` times Ms, zero where the film has no material."""
    magnet = dev.magnet_mask()
    if magnet is None:
        return df.Field(dev.mesh, nvdim=3, value=m, norm=dev.py.Ms,
                        vdims=["x", "y", "z"])
    # Ms = 0 outside the islands: OOMMF leaves those cells out of every term
    return df.Field(dev.mesh, nvdim=3, value=m * (dev.py.Ms * magnet)[..., None],
                    vdims=["x", "y", "z"])


def _unit(array, dev, k, label):
    """The unit magnetisation of an OOMMF result; a clear error if it is bad.

    Cells without material (``dev.magnet_mask()``) come back as zero vectors.
    """
    m = np.asarray(array, dtype=np.float64)
    norm = np.linalg.norm(m, axis=-1, keepdims=True)
    magnet = dev.magnet_mask()
    zero = (norm[..., 0] == 0) if magnet is None else (norm[..., 0] == 0) & magnet
    if m.shape != (*dev.n, 3) or not np.isfinite(m).all() or zero.any():
        raise RuntimeError(f"OOMMF returned a bad m in stage {k} ({label}): shape "
                           f"{m.shape}, NaN or zero.")
    return m / np.where(norm > 0, norm, 1.0)


def _oommf_version(runner):
    """OOMMF's version string (asked once per runner)."""
    version = getattr(runner, "_ubhop_oommf_version", None)
    if version is None:
        try:
            version = runner.version
        except (OSError, RuntimeError) as exc:
            version = f"unknown ({type(exc).__name__})"
        runner._ubhop_oommf_version = version
    return version


def _table_summary(system) -> dict:
    """Last row of the drive's ODT table: energies (J), torque (A/m), steps."""
    table = getattr(system, "table", None)
    if table is None or len(table.data) == 0:
        return {}
    row = table.data.iloc[-1]
    out = _schedule.row_energies(row)
    for col, key in (("max_mxHxm", "max_torque_end_A_per_m"),
                     ("iteration", "iterations"), ("t", "t_end_s")):
        if col in row:
            out[key] = float(row[col])
    out["table_rows"] = int(len(table.data))
    return out


def _tail(text, n_lines=30, n_chars=4000):
    text = "\n".join(text.strip().splitlines()[-n_lines:])
    return text[-n_chars:]


def _errors_tail(runner):
    try:
        errors = runner.errors()
    except (OSError, AttributeError, TypeError):
        return ""
    tail = _tail(errors, n_lines=10, n_chars=1500)
    return f"\nEnd of OOMMF's boxsi.errors:\n{tail}" if tail else ""


__all__ = ["OOMMFEngine", "oommf_available", "pulse_tcl"]
