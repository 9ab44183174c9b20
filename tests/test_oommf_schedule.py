"""The single-process OOMMF schedule: its plan, its Tcl profiles and its files.

These tests need no OOMMF (the Tcl procedures run in ``tclsh`` where one
exists); the runs themselves are compared with stage-by-stage runs in
``test_engine_oommf.py``.
"""

import shutil
import subprocess

import discretisedfield as df
import numpy as np
import pandas as pd
import pytest

import ubhop
from ubhop.engines import oommf_schedule as sched

MESH = df.Mesh(p1=(0, 0, 0), p2=(1e-8, 1e-8, 1e-8), n=(1, 1, 1))
H1 = df.Field(MESH, nvdim=3, value=(1e4, 0, 0))
H2 = df.Field(MESH, nvdim=3, value=(0, 1e4, 0))


@pytest.fixture
def dev():
    return ubhop.Device.square4(size=100e-9, cell=(10e-9, 10e-9, None))


def _pulse(h, d=0.2e-9, r=50e-12, **kw):
    return ubhop.Pulse(field=h, duration=d, rise=r, **kw)


def test_which_schedules_fit_one_process(dev):
    assert sched.single_process_reason(
        dev, [_pulse(H1), ubhop.Relax("time"), _pulse(H2)]) is None
    assert sched.single_process_reason(dev, [ubhop.Relax("time", alpha=0.5)] * 2) \
        is None
    why = sched.single_process_reason(dev, [_pulse(H1), ubhop.Relax()])
    assert "stage 1" in why and "minimise" in why and "Relax(method='time')" in why
    why = sched.single_process_reason(dev, [_pulse(H1, temperature=300.0)])
    assert "stage 0" in why and "300 K" in why
    # pulses run at the device's alpha, relaxations at theirs: one alpha only
    why = sched.single_process_reason(dev, [_pulse(H1), ubhop.Relax("time", alpha=0.5)])
    assert "damping" in why and "0.5" in why
    why = sched.single_process_reason(dev, [_pulse(H1), ubhop.Relax("time")],
                                      relax_alpha=1.0)
    assert "damping" in why
    assert sched.single_process_reason(
        dev, [_pulse(H1), ubhop.Relax("time", alpha=dev.py.alpha)]) is None


def test_stage_plan_splits_snapshots_and_shares_fields():
    p1, p2 = _pulse(H1, n_output=3), _pulse(H2, d=0.4e-9)
    plan, fields = sched.stage_plan([p1, ubhop.Relax("time", 1e-9), p2, p1])
    assert fields == [H1, H2]
    assert [s.source for s in plan] == [0, 0, 0, 1, 2, 3, 3, 3]
    assert [s.field for s in plan] == [0, 0, 0, None, 1, 0, 0, 0]
    d = 0.2e-9 / 3
    assert [s.duration for s in plan] == pytest.approx([d, d, d, 1e-9, 0.4e-9, d, d, d])
    assert [s.offset for s in plan[:3]] == pytest.approx([0, d, 2 * d])
    assert [s.last for s in plan] == [False, False, True, True, True, False, False,
                                      True]
    # the stage whose m is each schedule stage's result
    assert sched.source_of_results(plan).tolist() == [2, 3, 4, 7]
    # equal values share a term too (one term per pattern, not per pulse)
    _, fields = sched.stage_plan([p1, _pulse(H1 * 1.0), _pulse(H2 * 2.0)])
    assert len(fields) == 2
    # the whole schedule's time is kept
    assert sum(s.duration for s in plan) == pytest.approx(0.2e-9 * 2 + 1e-9 + 0.4e-9)


def test_driver_mif_has_one_stopping_time_per_stage():
    plan, _ = sched.stage_plan([_pulse(H1), ubhop.Relax("time", 1e-9)])
    mif = sched.driver_mif(plan, alpha=0.02, gamma0=2.211e5)
    assert "stopping_time {2e-10 1e-09}" in mif and "stage_count 2" in mif
    assert "alpha 0.02" in mif and "gamma_G 221100.0" in mif
    assert "Oxs_TimeDriver::Magnetization mags Stage 1" in mif


def _slope(t, d, r):
    if r == 0:
        return np.zeros_like(t)
    up = (t > 0) & (t < r)
    down = (t > d - r) & (t < d)
    return np.where(up, 0.5 * np.pi / r * np.sin(np.pi * t / r),
                    np.where(down, -0.5 * np.pi / r * np.sin(np.pi * (d - t) / r), 0))


def test_profile_procedures_give_each_pulse_in_its_stages_only():
    """Run by tclsh: f and df/dt of each field's term, stage by stage."""
    tclsh = shutil.which("tclsh")
    if tclsh is None:
        pytest.skip("no tclsh to evaluate the Tcl profiles")
    stages = [_pulse(H1, n_output=2), ubhop.Relax("time", 0.3e-9),
              _pulse(H2, d=0.5e-9, r=0.2e-9), _pulse(H1, r=0.0)]
    plan, fields = sched.stage_plan(stages)
    assert len(fields) == 2
    for i in range(2):
        ts = sched.profile_tcl(plan, i, f"pulse{i}")
        assert ts["script_args"] == "{stage stage_time}"
        calls, want_f, want_df = [], [], []
        for k, s in enumerate([*plan, sched.OOMMFStage(9, 1e-9, None)]):
            t = np.linspace(0, s.duration, 23)[1:-1]
            calls += [f"puts [{ts['script_name']} {k} {float(x)!r}]" for x in t]
            if s.field == i:
                p = stages[s.source]
                want_f.append(p.profile(s.offset + t))
                want_df.append(_slope(s.offset + t, p.duration, p.rise))
            else:
                want_f.append(np.zeros_like(t))
                want_df.append(np.zeros_like(t))
        out = subprocess.run([tclsh], input=ts["script"] + "\n".join(calls) + "\n",
                             capture_output=True, text=True, check=True,
                             timeout=30).stdout.split("\n")
        vals = np.array([[float(v) for v in line.split()] for line in out if line])
        f, dfdt = np.concatenate(want_f), np.concatenate(want_df)
        assert vals.shape == (len(f), 6)
        assert np.allclose(vals[:, :3], f[:, None], atol=1e-12)
        assert np.allclose(vals[:, 3:], dfdt[:, None], rtol=1e-9, atol=1e-3)
        assert (f > 0.99).any() and (f == 0).any()  # the test sees both


def test_stage_files_in_stage_order():
    names = ["schedule.mif", "schedule.odt", "m0.omf",
             "schedule-Oxs_TimeDriver-Magnetization-10-0000300.omf",
             *(f"schedule-Oxs_TimeDriver-Magnetization-{k:02d}-{100 + k:07d}.omf"
               for k in range(10))]
    files = sched.stage_files(sorted(names), 11)
    assert files[2].endswith("-02-0000102.omf")
    assert files[10].endswith("-10-0000300.omf")
    with pytest.raises(RuntimeError, match=r"stage\(s\) \[11\] of 12"):
        sched.stage_files(names, 12)
    with pytest.raises(RuntimeError, match="two magnetisation files for stage 3"):
        sched.stage_files([*names, "x-Oxs_TimeDriver-Magnetization-03-0000999.omf"], 11)


def test_stage_summaries_count_steps_per_schedule_stage():
    plan, _ = sched.stage_plan([_pulse(H1, n_output=2), ubhop.Relax("time", 1e-9)])
    table = pd.DataFrame({"iteration": [10.0, 25.0, 60.0], "t": [1e-10, 2e-10, 1.2e-9],
                          "E": [3.0, 2.0, 1.0], "E_exchange": [1.0, 1.0, 0.5]})
    pulse, relax = sched.stage_summaries(table, plan)
    assert pulse["iterations"] == 25 and relax["iterations"] == 35
    assert relax["t_end_s"] == 1.2e-9
    assert relax["energy_terms_end_J"] == {"exchange": 0.5}
    with pytest.raises(RuntimeError, match="2 rows for 3 stages"):
        sched.stage_summaries(table.iloc[:2], plan)


def test_finished_stages_for_progress():
    names = ["schedule.mif", "schedule-Oxs_TimeDriver-Magnetization-00-0000010.omf",
             "schedule-Oxs_TimeDriver-Magnetization-03-0000310.omf", "m0.omf"]
    assert sched.finished_stages(names) == {0, 3}
