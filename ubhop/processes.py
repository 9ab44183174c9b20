"""Child processes that end with the process that started them.

The engines and the family runner start worker processes (the magnum.np
worker, local family workers). If the driver is killed (SIGKILL, an out-of-
memory kill, a closed terminal) a worker must not go on computing for minutes
and compete with a resumed run for the cores. On Linux the kernel sends a
chosen signal to a process when its parent dies (``prctl(PR_SET_PDEATHSIG)``);
``die_with_parent`` asks for it. Elsewhere it does nothing, and the callers'
own watchdogs (a pipe from the parent that closes when it dies) remain.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(sig: int = signal.SIGTERM, parent: int | None = None) -> bool:
    """Have the kernel send ``sig`` to this process when its parent dies.

    Call it in the child (e.g. as ``preexec_fn`` of ``subprocess.Popen`` or
    the initializer of a process pool). If the parent has already gone (the
    child was re-parented before the call), the signal is sent at once.

    Parameters
    ----------
    sig : int
        The signal (default SIGTERM, so that the child can clean up).
    parent : int, optional
        The expected parent's pid, to catch a parent that died before the
        call; default: the current parent.

    Returns
    -------
    bool
        Whether the request was made (False off Linux).
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    if parent is not None and os.getppid() != parent:
        os.kill(os.getpid(), sig)
    return True
