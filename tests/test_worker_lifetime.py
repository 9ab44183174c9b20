"""Engine workers end with their driver and leave no temporary directory.

A driver (``ubhop train`` in a subprocess, on the embedded engine) is killed
in the middle of a pulse, with SIGKILL and with SIGTERM; within a few seconds
no magnum.np worker is left and its temporary directory is gone. After
SIGTERM the command says how to resume, and resuming finishes the run.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ubhop
from ubhop.engines.magnumnp import magnumnp_available
from ubhop.training import TrainingConfig

pytestmark = [
    pytest.mark.skipif(not magnumnp_available(), reason="needs the magnum.np extra"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux /proc"),
    pytest.mark.magnumnp,
]


def _config(tmp_path):
    # a 1 ns pulse on 40 x 40 cells: several seconds inside one engine call
    dev = ubhop.Device.square4(size=200e-9, cell=(5e-9, 5e-9, None))
    cfg = TrainingConfig(device=dev, schedule=[("++--", 2)], peak_field=20e-3,
                         pulse_duration=1e-9, start="uniform_diag", engine="magnumnp",
                         relax=ubhop.Relax(method="time", duration=0.1e-9))
    path = tmp_path / "cfg.toml"
    path.write_text(cfg.to_toml())
    return path


def _workers():
    """pid -> work directory of every magnum.np worker on the machine."""
    out = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().split(b"\0")
            state = (proc / "stat").read_text().split()[2]
        except OSError:
            continue
        if state != "Z" and any(a.endswith(b"_magnumnp_worker.py") for a in args):
            out[int(proc.name)] = args[args.index(next(
                a for a in args if a.endswith(b"_magnumnp_worker.py"))) + 1].decode()
    return out


def _start_driver(tmp_path, run):
    before = set(_workers())
    with open(tmp_path / "driver.out", "wb") as out, \
            open(tmp_path / "driver.err", "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "ubhop.cli", "train",
                                 str(_config(tmp_path)), "--run", str(run), "--quiet"],
                                stdout=out, stderr=err, start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline:
        mine = {p: d for p, d in _workers().items() if p not in before}
        # past the start relaxation: the worker of the pulses has begun
        if mine and (run / "history.nc").exists():
            time.sleep(3.0)  # mid-pulse
            return proc, mine
        assert proc.poll() is None, (tmp_path / "driver.err").read_text()
        time.sleep(0.2)
    proc.kill()
    pytest.fail("no engine worker appeared")


def _gone(workers, timeout=5.0):
    t0 = time.time()
    while time.time() - t0 < timeout:
        alive = set(_workers()) & set(workers)
        dirs = [d for d in workers.values() if os.path.exists(d)]
        if not alive and not dirs:
            return time.time() - t0
        time.sleep(0.1)
    raise AssertionError(f"left behind: workers {alive}, directories {dirs}")


def test_sigkill_of_the_driver_mid_pulse_leaves_nothing(tmp_path):
    proc, workers = _start_driver(tmp_path, tmp_path / "run")
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    _gone(workers)


def test_sigterm_cleans_up_says_how_to_resume_and_resuming_finishes(tmp_path):
    run = tmp_path / "run"
    proc, workers = _start_driver(tmp_path, run)
    os.killpg(proc.pid, signal.SIGTERM)  # as `timeout` does: the whole group
    proc.wait(timeout=60)
    assert proc.returncode == 143
    err = (tmp_path / "driver.err").read_text()
    assert "run the same command again to resume" in err
    _gone(workers)
    done = ubhop.runs.read_history(run / "history.nc").sizes["step"]
    assert done < 3
    again = subprocess.run([sys.executable, "-m", "ubhop.cli", "train",
                            str(tmp_path / "cfg.toml"), "--run", str(run), "--quiet"],
                           capture_output=True, timeout=600)
    assert again.returncode == 0, again.stderr
    assert ubhop.runs.read_history(run / "history.nc").sizes["step"] == 3
