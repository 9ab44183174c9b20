"""The OOMMF engine and ubhop's OOMMF runners.

The runner tests check the command lines ubhop builds and its process
handling with stand-in programs: they need neither OOMMF nor Docker. The
engine tests need an OOMMF runner (marker ``oommf``) and are skipped, with the
reason, when none is found. Energies and torques are checked against the
independent finite-difference model of ``test_engine_magnumnp.py``.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import discretisedfield as df
import numpy as np
import pytest
from engine_physics import (
    MU0,
    check_anisotropy_enters_the_minimum,
    check_oersted_pulse_changes_m_under_the_current,
    check_pulse_turns_m_from_y,
    check_relax_lowers_energy,
    check_second_relax_changes_nothing,
    check_thermal_equilibrium_is_equipartition,
    check_thermal_kicks_follow_fluctuation_dissipation,
    check_thermal_pulse_is_seeded_and_fluctuates,
    check_time_relax_lowers_energy,
    check_weak_boundaries_enter_the_minimum,
)
from engine_physics import unit_field as _uniform

import ubhop
from ubhop.engines import get_engine
from ubhop.engines import oommf_runners as runners
from ubhop.engines.oommf import OOMMFEngine, oommf_available, pulse_tcl

_SPEC = runners.find_runner_spec()
needs_oommf = [
    pytest.mark.oommf,
    pytest.mark.skipif(_SPEC[0] is None,
                       reason=f"no OOMMF runner found ({_SPEC[1]})"),
]
linux_only = pytest.mark.skipif(not os.path.isdir("/proc"),
                                reason="process lookup needs Linux /proc")
# --------------------------------------------------------------------------
# runner fixes (no OOMMF needed)
# --------------------------------------------------------------------------
def _bare(cls, oommf, **attrs):
    """A host runner without launching a host server (no __init__)."""
    runner = object.__new__(cls)
    runner.oommf = list(oommf)
    runner.env = dict(os.environ)
    for key, value in attrs.items():
        setattr(runner, key, value)
    return runner


def test_kill_command_is_headless():
    runner = _bare(runners.TclRunner, ["tclsh", "/opt/oommf/oommf.tcl"])
    assert runner.kill_command() == ["tclsh", "/opt/oommf/oommf.tcl", "killoommf",
                                     "-tk", "0", "-q", "all"]
    assert runner._kill(dry_run=True) == (
        "tclsh /opt/oommf/oommf.tcl killoommf -tk 0 -q all")
    # boxsi itself is headless already and keeps oommfc's command line
    assert runner._call("a.mif", n_threads=3, dry_run=True) == (
        "tclsh /opt/oommf/oommf.tcl boxsi +fg a.mif -exitondone 1 -threads 3")


def test_kill_runs_killoommf_then_sweeps(monkeypatch):
    calls = []
    monkeypatch.setattr(runners.sp, "run",
                        lambda cmd, **kw: calls.append((cmd, kw)))
    runner = _bare(runners.ExeRunner, ["/opt/bin/oommf"])
    runner.env["OOMMF_HOSTPORT"] = "40000"
    swept = []
    monkeypatch.setattr(runner, "terminate_daemons", lambda: swept.append(1))
    runner._kill()
    ((cmd, kw),) = calls
    assert cmd == ["/opt/bin/oommf", "killoommf", "-tk", "0", "-q", "all"]
    assert kw["env"]["OOMMF_HOSTPORT"] == "40000" and kw["timeout"] > 0
    assert kw["stdout"] is runners.sp.DEVNULL and swept == [1]


def test_boxsi_timeout_kills_the_process_group():
    code = "import subprocess, time; subprocess.Popen(['sleep', '60']); time.sleep(60)"
    runner = _bare(runners.TclRunner, [sys.executable, "-c", code], timeout=0.5)
    t0 = time.perf_counter()
    with pytest.raises(runners.OOMMFTimeoutError, match="timeout=0.5"):
        runner._call("x.mif")
    assert time.perf_counter() - t0 < 10


def test_launchhost_does_not_hold_our_stderr(tmp_path):
    """The host server (here a stand-in) gets a file, not the caller's stderr."""
    fake = tmp_path / "fake_launchhost.py"
    fake.write_text(textwrap.dedent("""
        import os, sys
        if os.fork() == 0:  # the 'host server' outlives launchhost; like
            # OOMMF's, it lets go of stdout but inherits stderr
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            os.execvp("sleep", ["sleep", "30"])
        print("43210")
    """))
    runner = _bare(runners.TclRunner, [sys.executable, str(fake)])
    r, w = os.pipe()
    saved = os.dup(2)
    os.dup2(w, 2)  # our stderr is a pipe, as in `python x.py 2>&1 | cat`
    try:
        port = runner._launchhost()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(w)
    try:
        os.set_blocking(r, False)
        # end of file: no live process holds our stderr pipe
        assert os.read(r, 10) == b""
        assert port == "43210" and runner._host_session > 0
        # the daemon lives on in the runner's own session, away from ours
        os.killpg(runner._host_session, 0)  # raises if no process is left in it
        assert runner._host_session != os.getsid(0)
    finally:
        os.close(r)
        with contextlib.suppress(OSError):
            os.killpg(runner._host_session, signal.SIGKILL)


@linux_only
def test_own_processes_are_found_by_port_and_nothing_else(tmp_path):
    omfsh = tmp_path / "omfsh"  # an 'OOMMF program' that only sleeps
    omfsh.symlink_to(shutil.which("sleep"))
    ours = subprocess.Popen([str(omfsh), "30"],
                            env={**os.environ, "OOMMF_HOSTPORT": "54321"})
    other_port = subprocess.Popen([str(omfsh), "30"],
                                  env={**os.environ, "OOMMF_HOSTPORT": "54322"})
    not_oommf = subprocess.Popen(["sleep", "30"],
                                 env={**os.environ, "OOMMF_HOSTPORT": "54321"})
    try:
        time.sleep(0.2)
        found = runners.own_oommf_processes(port="54321")
        assert ours.pid in found
        assert other_port.pid not in found and not_oommf.pid not in found
        assert runners.terminate(found, grace=2.0) == []
        assert ours.wait(timeout=5) is not None
        assert other_port.poll() is None and not_oommf.poll() is None
    finally:
        for p in (ours, other_port, not_oommf):
            p.kill()
            p.wait()


def test_docker_command(monkeypatch):
    monkeypatch.delenv(runners.IMAGE_ENV, raising=False)
    monkeypatch.delenv(runners.IMAGE_OOMMF_ENV, raising=False)
    monkeypatch.setattr(os, "getuid", lambda: 1234)
    monkeypatch.setattr(os, "getgid", lambda: 567)
    runner = runners.DockerRunner()
    assert runner.image == runners.DEFAULT_IMAGE
    cmd = runner.command("stage0.mif", n_threads=4, name="c1", cwd="/data/run")
    assert cmd[:3] == ["docker", "run", "--rm"]
    assert cmd[cmd.index("--name") + 1] == "c1"
    assert cmd[cmd.index("-v") + 1] == "/data/run:/io"
    assert cmd[cmd.index("-w") + 1] == "/io"
    assert cmd[cmd.index("-u") + 1] == "1234:567"
    assert cmd[-4:-1] == [runners.DEFAULT_IMAGE, "/bin/bash", "-c"]
    # the thread count is inside the bash -c string, where OOMMF sees it
    assert cmd[-1] == "oommf boxsi +fg stage0.mif -exitondone 1 -threads 4"
    assert cmd.index("--rm") < cmd.index(runners.DEFAULT_IMAGE)


def test_docker_as_root_runs_as_the_image_user(monkeypatch):
    monkeypatch.setattr(os, "getuid", lambda: 0)
    runner = runners.DockerRunner(image="oommf/oommf:20b0",
                                  oommf="tclsh /usr/local/oommf/oommf/oommf.tcl",
                                  selinux=True)
    cmd = runner.command("a.mif", cwd="/x")
    assert "-u" not in cmd and cmd[cmd.index("-v") + 1] == "/x:/io:z"
    assert cmd[-1] == ("tclsh /usr/local/oommf/oommf/oommf.tcl boxsi +fg a.mif "
                       "-exitondone 1")


def test_docker_call_and_timeout(monkeypatch):
    """_call runs the built command; on timeout it kills the named container."""
    seen = []

    class FakePopen:
        def __init__(self, cmd, **kw):
            seen.append(("popen", cmd))
            self.returncode = 0
            self.pid = 1

        def communicate(self, timeout=None):
            if timeout and seen[0][1][-1].endswith("slow.mif -exitondone 1"):
                raise runners.sp.TimeoutExpired("docker", timeout)
            return b"out", b"err"

        def kill(self):
            seen.append(("kill",))

    monkeypatch.setattr(runners.sp, "Popen", FakePopen)
    monkeypatch.setattr(runners.sp, "run", lambda cmd, **kw: seen.append(("run", cmd)))
    runner = runners.DockerRunner(image="img:1", timeout=5.0)
    res = runner._call("fast.mif", n_threads=2)
    assert res.returncode == 0 and res.stdout == b"out"
    assert "-threads 2" in seen[0][1][-1] and runner.last_call_s >= 0
    seen.clear()
    with pytest.raises(runners.OOMMFTimeoutError, match="was killed"):
        runner._call("slow.mif")
    name = seen[0][1][seen[0][1].index("--name") + 1]
    assert ("run", ["docker", "kill", name]) in seen


def test_no_runner_says_how_to_get_one(monkeypatch, tmp_path):
    monkeypatch.delenv("OOMMFTCL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no oommf, no docker
    runners.find_runner_spec.cache_clear()
    try:
        assert not oommf_available()
        for make in (OOMMFEngine, lambda: get_engine("oommf")):
            with pytest.raises(RuntimeError) as err:
                make()
            msg = str(err.value)
            assert "Cannot find OOMMF" in msg and "OOMMFTCL" in msg
            assert "conda-forge" in msg and "docker build" in msg
            assert "no `oommf` on PATH" in msg
    finally:
        runners.find_runner_spec.cache_clear()


def _profile_slope(t, d, r):
    """d/dt of Pulse.profile, analytically."""
    t = np.asarray(t)
    if r == 0:
        return np.zeros_like(t)
    up = (t > 0) & (t < r)
    down = (t > d - r) & (t < d)
    return np.where(up, 0.5 * np.pi / r * np.sin(np.pi * t / r),
                    np.where(down, -0.5 * np.pi / r * np.sin(np.pi * (d - t) / r),
                             0.0))


def test_pulse_tcl_is_the_pulse_profile():
    """The Tcl procedure, run by tclsh where one exists, gives Pulse.profile."""
    tclsh = shutil.which("tclsh")
    if tclsh is None:
        pytest.skip("no tclsh to evaluate the Tcl profile")
    mesh = df.Mesh(p1=(0, 0, 0), p2=(1e-8, 1e-8, 1e-8), n=(1, 1, 1))
    h = df.Field(mesh, nvdim=3, value=(1, 0, 0))
    t = np.linspace(-0.1e-9, 1.1e-9, 121) + 1e-13
    for rise in (0.0, 50e-12, 0.5e-9):
        p = ubhop.Pulse(field=h, duration=1e-9, rise=rise)
        ts = pulse_tcl(p, name="p")
        assert ts["energy"] == "Oxs_TransformZeeman" and ts["type"] == "diagonal"
        script = ts["script"] + "".join(
            f"puts [{ts['script_name']} {float(x)!r}]\n" for x in t)
        out = subprocess.run([tclsh], input=script, capture_output=True, text=True,
                             check=True, timeout=30).stdout.split("\n")
        vals = np.array([[float(v) for v in line.split()] for line in out if line])
        assert vals.shape == (len(t), 6)
        assert np.allclose(vals[:, :3], p.profile(t)[:, None], rtol=0, atol=1e-12)
        slope = _profile_slope(t, 1e-9, rise)
        assert np.allclose(vals[:, 3:], slope[:, None], rtol=1e-9, atol=1e-3)


@pytest.mark.parametrize("options, match", [
    ({"n_threads": 0}, "n_threads"),
    ({"timeout": -1}, "timeout"),
    ({"min_torque": float("nan")}, "min_torque"),
    ({"relax_alpha": 0}, "relax_alpha"),
    ({"workdir": "/no/such/dir"}, "workdir"),
    ({"runner": "docker"}, "runner"),
    ({"single_process": "yes"}, "single_process"),
    ({"single_process": 1}, "single_process"),
])
def test_bad_options(options, match):
    fake = runners.DockerRunner(image="img:1")
    kwargs = {"runner": fake, **options}
    with pytest.raises(ValueError, match=match):
        OOMMFEngine(**kwargs)


# --------------------------------------------------------------------------
# physics (needs OOMMF)
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def engine():
    if _SPEC[0] is None:
        pytest.skip(f"no OOMMF runner found ({_SPEC[1]})")
    return OOMMFEngine(n_threads=2, timeout=120)


@pytest.mark.timeout(120)
class TestPhysics:
    pytestmark = needs_oommf

    def test_pulse_along_x_turns_m_from_y(self, engine, dev100):
        check_pulse_turns_m_from_y(engine, dev100)
        prov = engine.provenance
        assert prov["engine"] == "oommf" and prov["threads"] == 2
        assert prov["oommf_version"][0].isdigit() and prov["oommfc_version"]
        assert prov["runner"] in ("tcl", "exe", "docker") and prov["runner_command"]
        (stage,) = prov["stages"]
        assert stage["kind"] == "pulse" and stage["alpha"] == dev100.py.alpha
        assert 0 < stage["boxsi_s"] <= stage["solver_s"] <= stage["wall_s"]
        assert stage["t_end_s"] == pytest.approx(0.2e-9)
        assert "stage0.mif" in stage["files"] and "pulse_H.ovf" in stage["files"]

    def test_profile_is_honoured(self, dev100, tmp_path):
        """E_pulse(t) / (-mu0 Ms H V <m_x>) in OOMMF's table is Pulse.profile."""
        import ubermagtable as ut

        engine = OOMMFEngine(n_threads=1, workdir=str(tmp_path))
        h0 = 2e4
        pulse = ubhop.Pulse(field=_uniform(dev100, (1, 0, 0)) * h0,
                            duration=0.2e-9, rise=0.05e-9, n_output=40)
        engine.run(dev100, _uniform(dev100, (1, 0, 0)), [pulse])
        (stage,) = engine.provenance["stages"]
        table = ut.Table.fromfile(os.path.join(stage["dir"], "stage0.odt"), x="t")
        d = table.data
        volume = 100e-9 * 100e-9 * 10e-9
        f = -d["E_pulse"] / (MU0 * dev100.py.Ms * h0 * volume * d["mx"])
        assert len(d) == 40
        assert np.allclose(f, pulse.profile(d["t"]), atol=1e-9)

    def test_relax_lowers_energy_to_a_minimum(self, relaxed_twice, dev100):
        _, e1, rep = check_relax_lowers_energy(relaxed_twice, dev100)
        assert rep["energy_end_J"] == pytest.approx(e1, rel=1e-5)
        assert rep["max_torque_end_A_per_m"] < 0.1 and rep["method"] == "minimise"

    def test_second_relax_changes_nothing(self, relaxed_twice):
        check_second_relax_changes_nothing(relaxed_twice)

    def test_relax_time_with_strong_damping_lowers_energy(self, engine, dev100):
        check_time_relax_lowers_energy(engine, dev100)

    def test_weak_grain_boundaries_enter_the_minimum(self, engine):
        check_weak_boundaries_enter_the_minimum(engine)

    def test_anisotropy_enters_the_minimum(self, engine):
        check_anisotropy_enters_the_minimum(engine)
        assert "anisotropy" in " ".join(engine.provenance["stages"][0][
            "energy_terms_end_J"])

    def test_oersted_pulse_changes_m_under_the_current(self, engine, dev200):
        check_oersted_pulse_changes_m_under_the_current(engine, dev200)

    def test_timeout_stops_oommf(self, dev100):
        engine = OOMMFEngine(n_threads=1, timeout=0.3)
        h = _uniform(dev100, (1, 0, 0)) * 2e4
        with pytest.raises(runners.OOMMFTimeoutError, match="timeout=0.3"):
            engine.run(dev100, _uniform(dev100, (0, 1, 0)),
                       [ubhop.Pulse(field=h, duration=50e-9)])


@pytest.fixture(scope="module")
def both(dev200):
    """Five stages run in one OOMMF process and in one process per stage."""
    if _SPEC[0] is None:
        pytest.skip(f"no OOMMF runner found ({_SPEC[1]})")
    from ubhop.oersted import voltages_for_peak_field

    h1 = ubhop.oersted_field(dev200, voltages_for_peak_field(dev200, "++--", 20e-3))
    h2 = ubhop.oersted_field(dev200, voltages_for_peak_field(dev200, "+-+-", 20e-3))
    m0 = df.Field(dev200.mesh, nvdim=3, value=(1, 1, 0), norm=1.0)
    stages = [ubhop.Pulse(h1, 0.2e-9), ubhop.Relax("time", 0.5e-9),
              ubhop.Pulse(h2, 0.2e-9, n_output=2), ubhop.Relax("time", 0.5e-9),
              ubhop.Pulse(h1, 0.2e-9)]
    out = {}
    for mode in (False, True):
        engine = OOMMFEngine(n_threads=2, timeout=120, single_process=mode)
        out[mode] = (engine.run(dev200, m0, stages), engine.provenance)
    return m0, out


@pytest.mark.timeout(180)
class TestSingleProcess:
    """A schedule in one OOMMF process gives what one process per stage gives."""

    pytestmark = needs_oommf

    def test_same_textures_as_stage_by_stage(self, both):
        m0, out = both
        (ms_per, prov_per), (ms_one, prov_one) = out[False], out[True]
        assert prov_per["mode"] == "per-stage" and prov_one["mode"] == "single-process"
        assert prov_one["why_per_stage"] is None
        # stage 0 is the same computation (the other pulse's term adds 0)
        assert np.abs(ms_one[0].array - ms_per[0].array).max() < 1e-9
        moved = [np.abs(b.array - a.array).max()
                 for a, b in zip([m0, *ms_per[:-1]], ms_per, strict=True)]
        for k, (a, b) in enumerate(zip(ms_per, ms_one, strict=True)):
            # later stages differ only by the adaptive step restarting at each
            # process start: far below what each stage moves m
            diff = np.abs(a.array - b.array).max()
            assert diff < 2e-3 and diff < 0.05 * moved[k], (k, diff, moved[k])

    def test_stage_reports(self, both):
        _, out = both
        prov = out[True][1]
        stages = prov["stages"]
        assert [s["kind"] for s in stages] == ["pulse", "relax", "pulse", "relax",
                                               "pulse"]
        assert [s["oommf_stages"] for s in stages] == [[0], [1], [2, 3], [4], [5]]
        ends = np.cumsum([0.2e-9, 0.5e-9, 0.2e-9, 0.5e-9, 0.2e-9])
        assert [s["t_end_s"] for s in stages] == pytest.approx(ends, rel=1e-9)
        assert all(s["iterations"] > 0 for s in stages)
        # the pulse terms carry no energy at the end of their profiles
        for s in stages:
            assert abs(s["energy_terms_end_J"]["pulse0"]) < 1e-6 * abs(
                s["energy_end_J"])
        assert 0 < prov["boxsi_s"] <= prov["solver_s"] <= prov["wall_s"]
        assert "schedule.mif" in prov["files"]

    def test_minimisation_runs_stage_by_stage(self, dev100):
        h = _uniform(dev100, (1, 0, 0)) * 2e4
        m0 = _uniform(dev100, (0, 1, 0))
        stages = [ubhop.Pulse(field=h, duration=0.1e-9), ubhop.Relax()]
        with pytest.raises(ValueError, match="minimise.*one driver"):
            OOMMFEngine(n_threads=1, single_process=True).run(dev100, m0, stages)
        engine = OOMMFEngine(n_threads=1)
        engine.run(dev100, m0, stages)
        assert engine.provenance["mode"] == "per-stage"
        assert "minimise" in engine.provenance["why_per_stage"]


# --------------------------------------------------------------------------
# processes: clean exit, pipes, parallel runs (needs OOMMF)
# --------------------------------------------------------------------------
_CHILD = textwrap.dedent("""
    import sys
    import discretisedfield as df
    import ubhop
    from ubhop.engines.oommf import OOMMFEngine
    dev = ubhop.Device.square4(size=100e-9, cell=(10e-9, 10e-9, None))
    engine = OOMMFEngine(n_threads=1)
    m0 = df.Field(dev.mesh, nvdim=3, value=(1, 1, 0), norm=1.0)
    (m,) = engine.run(dev, m0, [ubhop.Relax()])
    r = engine.runner
    print(getattr(r, "env", {}).get("OOMMF_HOSTPORT"),
          getattr(r, "_host_session", None), *m.mean(), flush=True)
""")


def _leftovers(port, session, wait=5.0):
    deadline = time.monotonic() + wait
    while True:
        left = runners.own_oommf_processes(port=port, session=int(session))
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


@pytest.mark.timeout(180)
@linux_only
class TestProcesses:
    pytestmark = needs_oommf

    def test_exit_leaves_no_oommf_and_a_pipe_does_not_hang(self):
        if _SPEC[0] == "docker":
            pytest.skip("host runners only")
        cmd = f"{sys.executable} -c '{_CHILD}' 2>&1 | cat"
        res = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True,
                             timeout=120)
        port, session, *_ = res.stdout.split()[-5:]
        assert port.isdigit(), res.stdout
        assert _leftovers(port, session) == []

    def test_two_processes_at_once(self):
        procs = [subprocess.Popen([sys.executable, "-c", _CHILD],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        outs = [p.communicate(timeout=150) for p in procs]
        for p, (_out, err) in zip(procs, outs, strict=True):
            assert p.returncode == 0, err
        lines = [out.split() for out, _ in outs]
        if _SPEC[0] != "docker":
            assert lines[0][0] != lines[1][0]  # own host servers
            for port, session, *_ in lines:
                assert _leftovers(port, session) == []
        m = np.array([[float(v) for v in line[2:]] for line in lines])
        assert np.allclose(m[0], m[1], atol=1e-9)


@pytest.mark.timeout(180)
class TestThermal:
    pytestmark = needs_oommf

    def test_thermal_pulse_is_seeded_and_fluctuates(self, engine, dev100):
        prov = check_thermal_pulse_is_seeded_and_fluctuates(engine, dev100)
        stage = prov["stages"][0]
        assert stage["temperature_K"] == 300.0 and stage["thermal_seed"] == 2

    def test_thermal_kicks_follow_fluctuation_dissipation(self, engine, dev100):
        check_thermal_kicks_follow_fluctuation_dissipation(engine, dev100)

    def test_thermal_equilibrium_is_equipartition(self, engine):
        check_thermal_equilibrium_is_equipartition(engine)

    def test_thermal_ensemble_realisations_differ_and_repeat(self, engine, tmp_path):
        from ubhop.experiments.ensemble import realisation_config, train_ensemble
        from ubhop.training import TrainingConfig, train

        dev = ubhop.Device.square4(size=100e-9, cell=(10e-9, 10e-9, None))
        cfg = TrainingConfig(device=dev, schedule=[("++--", 2)], peak_field=20e-3,
                             pulse_duration=40e-12, rise=10e-12, engine="oommf",
                             start="uniform_diag", chunk=2, temperature=300.0)
        ens = train_ensemble(cfg, tmp_path / "ens", 2, engine=engine, progress=False)
        gp = ens.G_pulse.values
        assert np.abs(gp[0, 1:] - gp[1, 1:]).max() > 1e-9 * np.abs(gp[0, 1:]).max()
        again = train(realisation_config(cfg, 1), tmp_path / "again", engine=engine,
                      progress=False)
        np.testing.assert_array_equal(again.G_pulse.values[1:], gp[1, 1:])
