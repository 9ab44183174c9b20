"""Families of runs: members, local processes, Dask, resume after SIGKILL, gather."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import xarray as xr

import ubhop
from ubhop import runs
from ubhop.engines.magnumnp import magnumnp_available
from ubhop.sweep import (
    Family,
    family_summary,
    gather,
    member_complete,
    override,
    run_family,
)
from ubhop.training import TrainingConfig, train

needs_magnumnp = pytest.mark.skipif(not magnumnp_available(),
                                    reason='needs the magnum.np extra: '
                                           'pip install "ubhop[magnumnp]"')


def tiny(**kw):
    """A 100 nm film in 10 nm cells, 2 pulses and a damped time relaxation:
    one magnum.np call per member after a start read from an OVF file."""
    dev = ubhop.Device.square4(size=100e-9, cell=(10e-9, 10e-9, None))
    base = dict(device=dev, schedule=[("++--", 1), ("+-+-", 1)], peak_field=20e-3,
                pulse_duration=60e-12, rise=20e-12, start="uniform_diag",
                engine="magnumnp", chunk=2,
                relax=ubhop.Relax(method="time", duration=50e-12, alpha=0.5))
    base.update(kw)
    return TrainingConfig(**base)


def test_members_of_a_grid_a_zip_and_realisations():
    base = tiny()
    grid = Family(base, vary={"peak_field": [10e-3, 20e-3],
                              "device.disorder.seed": [0, 1, 2]})
    assert grid.dims == ["peak_field", "seed"]
    members = grid.members()
    assert len(members) == 6 and len({m.name for m in members}) == 6
    assert members[4].coords == {"peak_field": 20e-3, "seed": 1}
    assert members[4].config["training"]["peak_field"] == 20e-3
    assert members[4].config["device"]["disorder"]["seed"] == 1
    zipped = Family(base, vary={"peak_field": [10e-3, 20e-3],
                                "training.pulse_duration": [60e-12, 80e-12]},
                    mode="zip", realisations=3)
    assert zipped.dims == ["member", "realisation"]
    members = zipped.members()
    assert len(members) == 6
    assert [m.config["training"]["seed"] for m in members] == [0, 1, 2] * 2
    assert members[3].coords == {"peak_field": 20e-3, "pulse_duration": 80e-12,
                                 "realisation": 0}
    # a bad value makes a member that fails alone, with the key in its message
    bad = Family(base, vary={"peak_field": [10e-3, -1.0]}).members()
    assert bad[0].error is None
    assert bad[1].config is None
    assert "peak_field must be a finite number > 0 T" in bad[1].error


def test_family_input_errors_name_the_problem(tmp_path):
    base = tiny()
    with pytest.raises(ValueError, match="mode must be one of"):
        Family(base, mode="cartesian")
    with pytest.raises(ValueError, match="realisations must be an int >= 1"):
        Family(base, realisations=0)
    with pytest.raises(ValueError, match="non-empty list"):
        Family(base, vary={"peak_field": []})
    with pytest.raises(ValueError, match="lengths differ"):
        Family(base, vary={"peak_field": [1e-3], "seed": [0, 1]}, mode="zip")
    with pytest.raises(ValueError, match="distinct names"):
        Family(base, vary={"device.disorder.seed": [0], "training.seed": [1]})
    with pytest.raises(ValueError, match="dotted path"):
        Family(base, vary={"training..seed": [1]})
    with pytest.raises(ValueError, match="is a value, not a section"):
        override(base.to_dict(), "training.peak_field.x", 1)
    path = tmp_path / "f.toml"
    path.write_text(base.to_toml())
    with pytest.raises(ValueError, match=r"no \[family\] section"):
        Family.from_toml(path)
    path.write_text("[family]\nrepeat = 3\n" + base.to_toml())
    with pytest.raises(ValueError, match="Unknown keys in \\[family\\]"):
        Family.from_toml(path)
    with pytest.raises(ValueError, match="workers must be an int >= 1"):
        run_family(Family(base), tmp_path / "x", workers=0)


def test_a_family_file_round_trips(tmp_path):
    base = tiny()
    path = tmp_path / "scan.toml"
    path.write_text('[family]\nrealisations = 2\n[family.vary]\n'
                    '"training.peak_field" = [0.01, 0.02]\n' + base.to_toml())
    fam = Family.from_toml(path)
    assert fam.dims == ["peak_field", "realisation"]
    assert [m.coords["peak_field"] for m in fam.members()] == [0.01] * 2 + [0.02] * 2


def _start(tmp_path):
    """A relaxed start written once, so that each member makes one engine call."""
    cfg = tiny()
    run = tmp_path / "start_run"
    train(TrainingConfig(**{**vars(cfg), "schedule": [("++--", 1)], "chunk": 1}), run,
          engine=ubhop.get_engine("magnumnp", n_threads=1), progress=False)
    return str(runs.texture_path(run, 0))


@needs_magnumnp
@pytest.mark.magnumnp
def test_a_family_on_two_processes_equals_the_runs_one_by_one(tmp_path):
    """Coordinates are the varied values; G equals the members trained alone;
    a member with a bad value fails alone; a rerun runs nothing."""
    start = _start(tmp_path)
    base = tiny(start=start)
    fam = Family(base, vary={"peak_field": [15e-3, 30e-3, -1.0]})
    ds = run_family(fam, tmp_path / "fam", workers=2, progress=False)
    assert list(ds.peak_field.values) == [15e-3, 30e-3, -1.0]
    assert list(ds.status.values) == ["done", "done", "failed"]
    assert "peak_field must be a finite number > 0 T" in str(ds.error.values[2])
    assert np.isnan(ds.G.values[2]).all()
    for k, peak in enumerate((15e-3, 30e-3)):
        alone = train(TrainingConfig(**{**vars(base), "peak_field": peak}),
                      tmp_path / f"alone{k}", progress=False,
                      engine=ubhop.get_engine("magnumnp", n_threads=1))
        np.testing.assert_allclose(ds.G.values[k], alone.G.values, rtol=1e-12)
        np.testing.assert_allclose(ds.voltage.values[k], alone.voltage.values)
    # the stronger pulse changes G more: the gathered values are the members'
    change = np.abs(ds.G.isel(step=-1) - ds.G.isel(step=0)).max(("i", "j")).values
    assert change[1] > change[0] > 0
    on_disk = xr.open_dataset(tmp_path / "fam" / "family.nc", engine="h5netcdf")
    np.testing.assert_array_equal(on_disk.G.values, ds.G.values)
    on_disk.close()
    summary = family_summary(ds)
    assert (summary["done"], summary["failed"]) == (2, 1)
    ran = []
    run_family(fam, tmp_path / "fam", workers=2, progress=False,
               on_member=lambda m, r: ran.append(m.name))
    assert ran == []  # finished members are never recomputed
    with pytest.raises(ValueError, match="holds another family"):
        run_family(Family(base, vary={"peak_field": [16e-3, 30e-3]}),
                   tmp_path / "fam", progress=False)


DRIVER = textwrap.dedent("""
    import sys
    import ubhop
    from ubhop.sweep import Family, run_family
    from ubhop.training import TrainingConfig

    if __name__ == "__main__":
        cfg = TrainingConfig.from_toml(sys.argv[1])
        fam = Family(cfg, vary={"peak_field": [14e-3, 18e-3, 22e-3, 26e-3]})
        run_family(fam, sys.argv[2], workers=2, progress=False)
""")


def _descendants(pid):
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True,
                         text=True).stdout.split("\n")
    children = {}
    for line in out:
        if line.strip():
            p, pp = map(int, line.split())
            children.setdefault(pp, []).append(p)
    found, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            found.append(c)
            todo.append(c)
    return found


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:
        return fh.read().split()[2] != "Z"


@needs_magnumnp
@pytest.mark.magnumnp
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux processes")
def test_sigkill_of_the_driver_then_rerun_runs_only_the_missing_members(tmp_path):
    start = _start(tmp_path)
    base = tiny(start=start, schedule=[("++--", 2), ("+-+-", 2)])
    cfg_path = tmp_path / "base.toml"
    cfg_path.write_text(base.to_toml())
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    out = tmp_path / "fam"
    proc = subprocess.Popen([sys.executable, str(script), str(cfg_path), str(out)])
    record = out / "record.json"
    deadline = time.time() + 300
    while time.time() < deadline:
        states = json.loads(record.read_text()).values() if record.exists() else []
        if any(r.get("status") == "done" for r in states):
            break
        assert proc.poll() is None, "the driver ended before a member finished"
        time.sleep(0.2)
    workers = _descendants(proc.pid)
    assert workers, "the driver runs its members in worker processes"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    t0 = time.time()
    while any(_alive(p) for p in workers) and time.time() - t0 < 10:
        time.sleep(0.1)
    assert not any(_alive(p) for p in workers), "workers outlived their driver"
    fam = Family(base, vary={"peak_field": [14e-3, 18e-3, 22e-3, 26e-3]})
    # finished = its run directory holds every step (a member may finish after
    # the driver last wrote record.json, just before the kill)
    done_before = {m.name for m in fam.members()
                   if member_complete(m.config, out / "members" / m.name)}
    assert 1 <= len(done_before) < 4
    ran = []
    resumed = run_family(fam, out, workers=2, progress=False,
                         on_member=lambda m, r: ran.append(m.name))
    assert set(ran) == {m.name for m in fam.members()} - done_before
    assert (resumed.status == "done").all()
    whole = run_family(fam, tmp_path / "whole", workers=2, progress=False)
    # a member killed between two pulses of one engine call resumes from its
    # last texture (lossless) in a fresh engine process; the last bit of G can
    # then differ (seen once in several runs: 5e-16 relative)
    np.testing.assert_allclose(resumed.G.values, whole.G.values, rtol=1e-12, atol=0)
    np.testing.assert_allclose(resumed.G_pulse.values, whole.G_pulse.values,
                               rtol=1e-12, atol=0)


@needs_magnumnp
@pytest.mark.magnumnp
def test_a_thermal_ensemble_through_a_dask_local_cluster(tmp_path):
    """Two Dask worker processes; G_mean equals the stacked realisations'
    mean (ubhop.experiments.ensemble.ensemble_history, today's reader)."""
    distributed = pytest.importorskip("distributed")
    from ubhop.experiments.ensemble import ensemble_history

    start = _start(tmp_path)
    base = tiny(start=start, temperature=300.0, relax=ubhop.Relax(
        method="time", duration=50e-12, alpha=0.5))
    fam = Family(base, realisations=3, dirname="r{realisation:04d}", members_dir=".")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        ds = run_family(fam, tmp_path / "ens", scheduler=client, progress=False)
    assert list(ds.realisation.values) == [0, 1, 2]
    assert (ds.status == "done").all()
    # two one-thread workers on this machine share its cores: each member's
    # engine gets cores / 2 threads, not all of them
    record = json.loads((tmp_path / "ens" / "record.json").read_text())
    cores = len(os.sched_getaffinity(0))
    assert {r["threads"] for r in record.values()} == {max(1, cores // 2)}
    ens = ensemble_history(tmp_path / "ens", 3)
    np.testing.assert_allclose(ds.G_mean.values, ens.G_mean.values, rtol=1e-12)
    np.testing.assert_allclose(ds.G_sem.values, ens.G_sem.values, rtol=1e-10,
                               atol=1e-20)
    # different seeds: the thermal pulses differ between realisations
    assert not np.array_equal(ds.G.values[0], ds.G.values[1])
    # the realisations have the seeds of train_ensemble's realisation_config
    seeds = [TrainingConfig.from_toml(tmp_path / "ens" / f"r{k:04d}"
                                      / "config.toml").seed for k in range(3)]
    assert seeds == [base.seed + k for k in range(3)]


def test_gather_refuses_an_empty_family(tmp_path):
    fam = Family(tiny(), vary={"peak_field": [-1.0]})
    with pytest.raises(ValueError, match="No member .* has finished"):
        run_family(fam, tmp_path / "f", progress=False)
    assert json.loads((tmp_path / "f" / "record.json").read_text())[
        "m00000"]["status"] == "failed"
    with pytest.raises(ValueError, match="nothing to gather"):
        gather(tmp_path / "f")


def test_the_committed_thermal_ensemble_read_as_a_family(tmp_path):
    """The 48 OOMMF realisations of the 200 nm unit at 0.99 of its threshold
    (studies/thermal), trained by the earlier train_ensemble: as a family
    they are all finished (nothing runs), and the gathered G_mean is the
    ensemble's mean."""
    import shutil

    from ubhop.experiments.ensemble import ensemble_history

    src = (os.path.dirname(__file__) + "/../studies/thermal/data/unit_200nm/b0.99/runs")
    # (config.toml and history.nc of each realisation; no textures needed)
    out = tmp_path / "ens"
    shutil.copytree(src, out)
    base = TrainingConfig.from_toml(out / "r0000" / "config.toml")
    fam = Family(base, realisations=48, dirname="r{realisation:04d}",
                 members_dir=".")
    ran = []
    ds = run_family(fam, out, engine="no engine is started", progress=False,
                    on_member=lambda m, r: ran.append(m.name))
    assert ran == [] and (ds.status == "done").all()
    ens = ensemble_history(out, 48)
    np.testing.assert_array_equal(ds.G.values, ens.G.values)
    np.testing.assert_allclose(ds.G_mean.values, ens.G_mean.values, rtol=1e-14)
    np.testing.assert_allclose(ds.G_sem.values, ens.G_sem.values, rtol=1e-10)
