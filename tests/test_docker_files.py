"""The Docker image's entry point and compose file (no Docker engine needed).

The image cannot be built here; what can run is checked: the entry point's
dispatch (``ubhop batch FILE.toml``, other ubhop commands, any program such as
``dask worker`` or the ``/bin/bash -c`` of ubhop's own OOMMF Docker runner),
and the compose file's cluster (scheduler, workers, batch on one volume).
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ubhop.engines.oommf_runners import DockerRunner

ROOT = Path(__file__).resolve().parents[1]
ENTRY = ROOT / "docker" / "entrypoint.sh"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


@pytest.fixture
def fake_path(tmp_path):
    """A PATH whose ubhop and dask print what they were called with."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("ubhop", "dask"):
        exe = bin_dir / name
        exe.write_text(f'#!/usr/bin/env bash\necho "{name} $*"\n')
        exe.chmod(0o755)
    return f"{bin_dir}:/usr/bin:/bin"


def _entry(args, path):
    out = subprocess.run(["bash", str(ENTRY), *args], capture_output=True, text=True,
                         env={**os.environ, "PATH": path}, check=True)
    return out.stdout.strip()


@pytest.mark.parametrize("args, expected", [
    ([], "ubhop demo"),
    (["scan.toml", "--workers", "2"], "ubhop batch scan.toml --workers 2"),
    (["batch", "scan.toml"], "ubhop batch scan.toml"),
    (["train", "config.toml"], "ubhop train config.toml"),
    (["ubhop", "letters"], "ubhop letters"),
    (["dask", "worker", "tcp://scheduler:8786"], "dask worker tcp://scheduler:8786"),
    (["/bin/echo", "oommf", "boxsi"], "oommf boxsi"),
])
def test_entry_point_dispatch(args, expected, fake_path):
    assert _entry(args, fake_path) == expected


def test_the_oommf_docker_runner_passes_the_entry_point(fake_path):
    # ubhop's runner starts `IMAGE /bin/bash -c "oommf boxsi ..."`: the entry
    # point must run that command as it is
    cmd = DockerRunner(image="ubhop-oommf:0.1.0").command("x.mif", n_threads=2,
                                                            cwd="/tmp")
    after_image = cmd[cmd.index("ubhop-oommf:0.1.0") + 1:]
    assert after_image[:2] == ["/bin/bash", "-c"] and "-threads 2" in after_image[2]
    ran = _entry(["/bin/bash", "-c", "echo ran: $0", "boxsi"], fake_path)
    assert ran == "ran: boxsi"


def test_dockerfile_uses_the_entry_point_and_dask():
    text = (ROOT / "Dockerfile").read_text()
    assert '"/opt/ubhop/docker/entrypoint.sh"' in text
    assert "/usr/local/bin/_entrypoint.sh" in text  # micromamba's activation first
    assert '"/opt/ubhop[dask]"' in text
    env = (ROOT / "docker" / "environment.yml").read_text()
    assert "oommf" in env and "conda-forge" in env


def test_compose_file_starts_a_cluster_and_a_batch():
    yaml = pytest.importorskip("yaml")
    spec = yaml.safe_load((ROOT / "docker" / "compose.yml").read_text())
    services = spec["services"]
    assert set(services) == {"scheduler", "worker", "batch"}
    assert services["scheduler"]["command"][:2] == ["dask", "scheduler"]
    worker = services["worker"]["command"]
    assert worker[:3] == ["dask", "worker", "tcp://scheduler:8786"]
    assert worker[worker.index("--nthreads") + 1] == "1"
    batch = services["batch"]["command"]
    assert batch[:2] == ["ubhop", "batch"]
    assert batch[batch.index("--scheduler") + 1] == "tcp://scheduler:8786"
    # workers and the batch share the family directory
    assert services["worker"]["volumes"] == services["batch"]["volumes"]
    assert all(v.endswith(":/io") for v in services["batch"]["volumes"])
    images = {s["image"] for s in services.values()}
    assert images == {"ubhop-oommf:0.1.0"}
