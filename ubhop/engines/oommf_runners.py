"""OOMMF runners: oommfc 0.66's runners with ubhop's fixes, and runner discovery.

oommfc runs OOMMF through a runner object (``oommfc.oommf``). ubhop keeps that
design and subclasses the runners to fix what breaks on headless machines and
in Docker:

Host runners (:class:`TclRunner` for ``OOMMFTCL``, :class:`ExeRunner` for an
``oommf`` executable on ``PATH``, e.g. conda-forge's ``oommf`` package):

- ``killoommf`` gets ``-tk 0``. oommfc's exit cleanup runs ``oommf.tcl
  killoommf -q all``; without a display that command dies in Tk's
  initialisation ("no display name") and kills nothing, so every Python
  session leaked OOMMF's host server, account server and mmArchive. ``-tk 0``
  is a standard option of OOMMF's Tcl shells; killoommf needs no window.
- After ``killoommf`` the runner terminates, by pid, whatever is left of
  *its own* OOMMF daemons, found through ``/proc`` (Linux): processes in the
  session of the host server this runner launched, or carrying this runner's
  ``OOMMF_HOSTPORT`` in their environment, with an OOMMF program on their
  command line. Nothing else is ever signalled.
- ``launchhost`` runs in a session of its own with its stderr sent to a file,
  so the host server no longer holds the caller's stderr: ``python x.py 2>&1
  | cat`` cannot hang on a leftover server.
- ``boxsi`` runs in a session of its own, with an optional ``timeout`` (s):
  past it the solver's process group is killed and :class:`OOMMFTimeoutError`
  raised (oommfc waits forever).

:class:`DockerRunner` fixes oommfc's Docker runner: ``-threads N`` goes inside
the ``bash -c`` string (oommfc appends it after the string, where bash drops
it), containers are started with ``--rm`` (oommfc leaves one stopped
container per drive) and a name (so a timed-out run can be killed), as the
calling user (``-u UID:GID``, so output files are not root-owned), in
``/io``, and on the project's image by default.

:func:`find_runner` chooses a runner in oommfc's order (``OOMMFTCL``, then
``oommf`` on ``PATH``, then Docker) with cheap probes that start no OOMMF
daemons; :func:`no_runner_message` says how to get one.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shlex
import shutil
import signal
import subprocess as sp
import tempfile
import time
import uuid

import oommfc as oc

#: Image of the project's Dockerfile (OOMMF and ubhop), the Docker default.
DEFAULT_IMAGE = "ubhop-oommf:0.1.0"
#: OOMMF command inside the project's image (conda-forge's ``oommf`` script).
DEFAULT_IMAGE_OOMMF = "oommf"
#: Environment variables that override the Docker image and its OOMMF command.
IMAGE_ENV, IMAGE_OOMMF_ENV = "UBHOP_OOMMF_IMAGE", "UBHOP_OOMMF_IMAGE_COMMAND"

_PROBE_TIMEOUT = 60.0
_KILL_TIMEOUT = 20.0
# programs an OOMMF daemon or solver runs as (argv[0] or an argument)
_OOMMF_PROGRAMS = ("omfsh", "filtersh", "oxs", "tclsh", "oommf", "boxsi",
                   "mmarchive", "mmArchive")


class OOMMFTimeoutError(RuntimeError):
    """An OOMMF run took longer than the runner's ``timeout``."""


def no_runner_message(details: str = "") -> str:
    """Text of the error raised when no OOMMF runner is found.

    Parameters
    ----------
    details : str
        What was tried and why it failed, appended to the message.
    """
    msg = (
        "Cannot find OOMMF. ubhop's OOMMF engine needs one of:\n"
        "  1. OOMMF installed on this machine, with the environment variable "
        "OOMMFTCL set to its oommf.tcl (e.g. export OOMMFTCL=$HOME/oommf/oommf/"
        "oommf.tcl; tclsh must be on PATH);\n"
        "  2. an `oommf` executable on PATH, e.g. from conda-forge: "
        "`conda install -c conda-forge oommf`;\n"
        "  3. Docker with the project's image: `docker build -t "
        f"{DEFAULT_IMAGE} .` in the ubhop repository (then a running Docker "
        "daemon is all it takes).\n"
        "Without OOMMF, ubhop.get_engine('auto') uses the magnum.np engine "
        "(pip install \"ubhop[magnumnp]\")."
    )
    return msg + (f"\nTried: {details}" if details else "")


# --------------------------------------------------------------------------
# processes
# --------------------------------------------------------------------------
def _proc_info(pid):
    """(state, session id, argv, environ entries) of a Linux process, or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read().decode("utf-8", "replace")
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            argv = [a.decode("utf-8", "replace") for a in fh.read().split(b"\0") if a]
        with open(f"/proc/{pid}/environ", "rb") as fh:
            environ = set(fh.read().split(b"\0"))
    except OSError:  # gone, or not ours to read
        return None
    fields = stat[stat.rfind(")") + 2:].split()
    return fields[0], int(fields[3]), argv, environ


def _is_oommf_program(argv) -> bool:
    return any(os.path.basename(a).split(".")[0] in _OOMMF_PROGRAMS
               or a.endswith(("oommf.tcl", "host.tcl", "account.tcl",
                              "mmarchive.tcl", "boxsi.tcl"))
               for a in argv[:3])


def own_oommf_processes(port=None, session=None) -> list[int]:
    """PIDs of live OOMMF processes that belong to one runner (Linux only).

    A process belongs to the runner when it runs an OOMMF program and either
    lies in ``session`` (the session of the runner's host server) or has
    ``OOMMF_HOSTPORT=port`` in its environment (every application started
    through the runner's host server does).

    Parameters
    ----------
    port : str, optional
        The runner's ``OOMMF_HOSTPORT``.
    session : int, optional
        Session id of the runner's host server.

    Returns
    -------
    list of int
        Matching PIDs; empty where ``/proc`` does not exist.
    """
    if not os.path.isdir("/proc") or (port is None and session is None):
        return []
    key = None if port is None else f"OOMMF_HOSTPORT={port}".encode()
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        info = _proc_info(int(entry))
        if info is None:
            continue
        state, sid, argv, environ = info
        if state in ("Z", "X") or not _is_oommf_program(argv):
            continue
        if (session is not None and sid == session) or (key is not None
                                                         and key in environ):
            found.append(int(entry))
    return found


def terminate(pids, grace: float = 3.0) -> list[int]:
    """SIGTERM ``pids``, wait up to ``grace`` s, SIGKILL survivors.

    Returns
    -------
    list of int
        The PIDs that were still alive and got SIGKILL.
    """
    pids = list(pids)
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    alive = pids
    while alive and time.monotonic() < deadline:
        time.sleep(0.05)
        alive = [p for p in alive if (_proc_info(p) or ("X",))[0] not in ("Z", "X")]
    for pid in alive:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return alive


def _kill_group(pid):
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)


# --------------------------------------------------------------------------
# host runners
# --------------------------------------------------------------------------
class _HostFixes:
    """Cleanup, timeout and stderr fixes shared by the host runners."""

    #: Wall-clock limit of one boxsi run (s), or None.
    timeout = None
    #: Wall time of the last boxsi run (s).
    last_call_s = None
    _host_session = None

    def _launchhost(self, dry_run=False):
        command = [*self.oommf, "launchhost", "0"]
        if dry_run:
            return " ".join(command)
        # The host server inherits stderr: give it a file, not our stderr
        # (a server that outlives us would hold a caller's pipe open).
        with tempfile.TemporaryFile(prefix="ubhop-oommf-host-") as log:
            proc = sp.Popen(command, stdin=sp.DEVNULL, stdout=sp.PIPE, stderr=log,
                            start_new_session=True)
            try:
                out, _ = proc.communicate(timeout=_PROBE_TIMEOUT)
            except sp.TimeoutExpired:
                _kill_group(proc.pid)
                proc.communicate()
                raise RuntimeError(
                    f"OOMMF's launchhost did not answer within {_PROBE_TIMEOUT:g} "
                    f"s: {' '.join(command)}"
                ) from None
            self._host_session = proc.pid
            port = out.decode("utf-8", "replace").strip()
            if proc.returncode != 0 or not port.isdigit():
                log.seek(0)
                err = log.read().decode("utf-8", "replace")[-2000:]
                raise RuntimeError(
                    f"OOMMF's host server did not start ({' '.join(command)}: "
                    f"exit status {proc.returncode}, output {port!r}). stderr:\n"
                    f"{err}"
                )
        return port

    def _call(self, argstr, need_stderr=False, n_threads=None, dry_run=False):
        command = [*self.oommf, "boxsi", "+fg", argstr, "-exitondone", "1"]
        if n_threads is not None:
            command += ["-threads", str(n_threads)]
        if dry_run:
            return " ".join(command)
        t0 = time.perf_counter()
        proc = sp.Popen(command, stdin=sp.DEVNULL, stdout=sp.PIPE, stderr=sp.PIPE,
                        env=self.env, start_new_session=True)
        try:
            out, err = proc.communicate(timeout=self.timeout)
        except sp.TimeoutExpired:
            _kill_group(proc.pid)
            proc.communicate()
            raise OOMMFTimeoutError(
                f"OOMMF ran past timeout={self.timeout:g} s and was stopped: "
                f"{' '.join(command)}"
            ) from None
        except BaseException:  # KeyboardInterrupt: stop the solver too
            _kill_group(proc.pid)
            proc.communicate()
            raise
        self.last_call_s = time.perf_counter() - t0
        return sp.CompletedProcess(command, proc.returncode, out, err)

    def kill_command(self, targets=("all",)):
        """The ``killoommf`` command line this runner uses (a list)."""
        return [*self.oommf, "killoommf", "-tk", "0", "-q", *targets]

    def _kill(self, targets=("all",), dry_run=False):
        command = self.kill_command(targets)
        if dry_run:
            return " ".join(command)
        with contextlib.suppress(OSError, sp.TimeoutExpired):
            sp.run(command, env=self.env, stdin=sp.DEVNULL, stdout=sp.DEVNULL,
                   stderr=sp.DEVNULL, timeout=_KILL_TIMEOUT)
        if tuple(targets) == ("all",):
            self.terminate_daemons()

    def own_processes(self) -> list[int]:
        """PIDs of the OOMMF processes this runner started that are still alive."""
        return own_oommf_processes(port=self.env.get("OOMMF_HOSTPORT"),
                                   session=self._host_session)

    def terminate_daemons(self, grace: float = 3.0) -> list[int]:
        """Terminate this runner's leftover OOMMF daemons; return their PIDs.

        The host and account servers exit by themselves about a second after
        mmArchive, so they get ``grace`` s before a SIGTERM of their own.
        """
        deadline = time.monotonic() + grace
        pids = self.own_processes()
        while pids and time.monotonic() < deadline:
            # killoommf may still be shutting them down
            time.sleep(0.1)
            pids = self.own_processes()
        if pids:
            terminate(pids, grace=grace)
        return pids

    def close(self):
        """Stop this runner's OOMMF daemons now (also done at exit)."""
        self._kill()


class TclRunner(_HostFixes, oc.oommf.TclOOMMFRunner):
    """OOMMF installed on the host, run as ``tclsh OOMMFTCL ...``.

    Parameters
    ----------
    oommf_tcl : str
        Path to ``oommf.tcl``.
    """


class ExeRunner(_HostFixes, oc.oommf.ExeOOMMFRunner):
    """OOMMF run through an ``oommf`` executable (e.g. conda-forge's ``oommf``).

    Parameters
    ----------
    oommf_exe : str
        Name or path of the executable. Default ``"oommf"``.
    """


# --------------------------------------------------------------------------
# Docker
# --------------------------------------------------------------------------
class DockerRunner(oc.oommf.DockerOOMMFRunner):
    """OOMMF in a Docker container, with oommfc's Docker problems fixed.

    Each ``boxsi`` run is ``docker run --rm --name ubhop-oommf-<id> -v
    CWD:/io -w /io -u UID:GID IMAGE /bin/bash -c "OOMMF boxsi +fg MIF
    -exitondone 1 [-threads N]"``: the container is removed after the run,
    the thread count reaches OOMMF, files belong to the calling user. As root
    (uid 0) ``-u`` is left out, because OOMMF refuses to run as root; the
    image's own non-root user runs OOMMF then, and the working directory
    must be writable for it (ubhop's engine makes its run directories so).

    Parameters
    ----------
    docker_exe : str
        Docker executable. Default ``"docker"``.
    image : str, optional
        Image with OOMMF. Default: ``$UBHOP_OOMMF_IMAGE`` or
        :data:`DEFAULT_IMAGE`, the image of the project's Dockerfile.
    oommf : str, optional
        The OOMMF command inside the image. Default:
        ``$UBHOP_OOMMF_IMAGE_COMMAND`` or ``"oommf"``; for oommfc's own
        ``oommf/oommf`` images use ``"tclsh /usr/local/oommf/oommf/oommf.tcl"``.
    selinux : bool
        Add ``:z`` to the bind mount (SELinux hosts). Default False.
    timeout : float, optional
        Wall-clock limit of one run (s); past it the container is killed.
    """

    def __init__(self, docker_exe="docker", image=None, oommf=None, selinux=False,
                 timeout=None):
        if image is None:
            image = os.environ.get(IMAGE_ENV, DEFAULT_IMAGE)
        super().__init__(docker_exe=docker_exe, image=image, selinux=selinux)
        self.oommf_command = (oommf if oommf is not None
                              else os.environ.get(IMAGE_OOMMF_ENV, DEFAULT_IMAGE_OOMMF))
        self.timeout = timeout

    def command(self, argstr, n_threads=None, name=None, cwd=None):
        """The ``docker run`` command line for one ``boxsi`` run (a list)."""
        cwd = os.getcwd() if cwd is None else cwd
        inner = f"{self.oommf_command} boxsi +fg {shlex.quote(argstr)} -exitondone 1"
        if n_threads is not None:
            inner += f" -threads {int(n_threads)}"
        cmd = [self.docker_exe, "run", "--rm"]
        if name is not None:
            cmd += ["--name", name]
        cmd += ["-v", f"{cwd}:/io{':z' if self.selinux else ''}", "-w", "/io"]
        if hasattr(os, "getuid") and os.getuid() != 0:
            cmd += ["-u", f"{os.getuid()}:{os.getgid()}", "-e", "HOME=/tmp",
                    "-e", "USER=oommf"]
        return [*cmd, self.image, "/bin/bash", "-c", inner]

    def _call(self, argstr, need_stderr=False, n_threads=None, dry_run=False):
        name = f"ubhop-oommf-{uuid.uuid4().hex[:12]}"
        cmd = self.command(argstr, n_threads=n_threads, name=name)
        if dry_run:
            return " ".join(shlex.quote(c) for c in cmd)
        t0 = time.perf_counter()
        proc = sp.Popen(cmd, stdin=sp.DEVNULL, stdout=sp.PIPE, stderr=sp.PIPE)
        try:
            out, err = proc.communicate(timeout=self.timeout)
        except (sp.TimeoutExpired, KeyboardInterrupt) as exc:
            sp.run([self.docker_exe, "kill", name], stdout=sp.DEVNULL,
                   stderr=sp.DEVNULL, timeout=_KILL_TIMEOUT, check=False)
            proc.kill()
            proc.communicate()
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise OOMMFTimeoutError(
                f"OOMMF (Docker) ran past timeout={self.timeout:g} s; container "
                f"{name} was killed."
            ) from None
        self.last_call_s = time.perf_counter() - t0
        return sp.CompletedProcess(cmd, proc.returncode, out, err)

    def close(self):
        """Nothing to stop: every container is removed after its run."""

    def __repr__(self):
        return (f"DockerRunner(docker_exe={self.docker_exe!r}, image={self.image!r}, "
                f"oommf={self.oommf_command!r})")


# --------------------------------------------------------------------------
# discovery
# --------------------------------------------------------------------------
def _probe(cmd, env=None):
    """Run a probe command; (ok, short reason)."""
    try:
        res = sp.run(cmd, stdin=sp.DEVNULL, capture_output=True,
                     timeout=_PROBE_TIMEOUT, env=env)
    except FileNotFoundError:
        return False, f"{cmd[0]} not found"
    except (OSError, sp.TimeoutExpired) as exc:
        return False, f"{' '.join(cmd)}: {exc}"
    if res.returncode != 0:
        text = (res.stderr or res.stdout).decode("utf-8", "replace").strip()
        return False, f"{' '.join(cmd)} exited with {res.returncode}: {text[-300:]}"
    return True, (res.stderr + res.stdout).decode("utf-8", "replace").strip()


@functools.cache
def find_runner_spec() -> tuple[str, str] | tuple[None, str]:
    """Which kind of OOMMF runner this machine offers (cached, no daemons started).

    Checks, in oommfc's order: ``OOMMFTCL`` (``tclsh $OOMMFTCL +version``),
    an ``oommf`` executable on ``PATH`` (``oommf +version``), and a Docker
    daemon that has the image (``docker image inspect IMAGE``).

    Returns
    -------
    tuple
        ``("tcl", path)``, ``("exe", path)`` or ``("docker", image)``; or
        ``(None, reasons)`` when there is none.
    """
    reasons = []
    oommf_tcl = os.environ.get("OOMMFTCL")
    if oommf_tcl:
        ok, why = _probe(["tclsh", oommf_tcl, "+version"])
        if ok and "OOMMF" in why:
            return "tcl", oommf_tcl
        reasons.append(f"OOMMFTCL={oommf_tcl}: {why}")
    else:
        reasons.append("OOMMFTCL is not set")
    exe = shutil.which("oommf")
    if exe:
        ok, why = _probe([exe, "+version"])
        if ok and "OOMMF" in why:
            return "exe", exe
        reasons.append(f"oommf on PATH ({exe}): {why}")
    else:
        reasons.append("no `oommf` on PATH")
    docker = shutil.which("docker")
    image = os.environ.get(IMAGE_ENV, DEFAULT_IMAGE)
    if docker:
        ok, why = _probe([docker, "image", "inspect", "--format", "{{.Id}}", image])
        if ok:
            return "docker", image
        reasons.append(f"Docker: {why}")
    else:
        reasons.append("no `docker` on PATH")
    return None, "; ".join(reasons)


_RUNNERS = {}


def make_runner(spec):
    """The runner for a spec from :func:`find_runner_spec` (one per process)."""
    kind, where = spec
    if spec not in _RUNNERS:
        if kind == "tcl":
            _RUNNERS[spec] = TclRunner(where)
        elif kind == "exe":
            _RUNNERS[spec] = ExeRunner(where)
        elif kind == "docker":
            _RUNNERS[spec] = DockerRunner(image=where)
        else:
            raise RuntimeError(no_runner_message(where))
    return _RUNNERS[spec]


def runner_command(runner) -> str:
    """A readable command line of how ``runner`` starts OOMMF."""
    if isinstance(runner, DockerRunner):
        return " ".join(runner.command("MIF", n_threads=None)[:-1]
                        + [shlex.quote(runner.command("MIF")[-1])])
    oommf = getattr(runner, "oommf", None)
    return " ".join(oommf) if oommf else repr(runner)


def runner_kind(runner) -> str:
    """``"tcl"``, ``"exe"``, ``"docker"`` or the runner's class name."""
    for cls, kind in ((TclRunner, "tcl"), (ExeRunner, "exe"),
                      (DockerRunner, "docker")):
        if isinstance(runner, cls):
            return kind
    return type(runner).__name__


__all__ = ["DEFAULT_IMAGE", "DockerRunner", "ExeRunner", "OOMMFTimeoutError",
           "TclRunner", "find_runner_spec", "make_runner", "no_runner_message",
           "own_oommf_processes", "runner_command", "terminate"]

