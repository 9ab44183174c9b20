"""The magnum.np engine: physics checks on small films (runs in a worker process).

Energies and torques are checked against the independent finite-difference
model of ``engine_physics`` (shared with the OOMMF tests), not against
numbers the engine reports.
"""

import numpy as np
import pytest
from engine_physics import (
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
    demag_tensor,
)
from engine_physics import unit_field as _uniform

import ubhop
from ubhop.engines import get_engine
from ubhop.engines._magnumnp_worker import pulse_profile
from ubhop.engines.magnumnp import MagnumNPEngine, magnumnp_available

pytestmark = [
    pytest.mark.magnumnp,
    pytest.mark.skipif(not magnumnp_available(),
                       reason='magnum.np not installed: pip install "ubhop[magnumnp]"'),
]

def test_reference_demag_tensor():
    # a cube: N = 1/3 on the diagonal; a 100:1 plate: N_zz close to 1
    n = demag_tensor(np.float64(0), np.float64(0), np.float64(0), 1.0, 1.0, 1.0)
    assert np.allclose(np.diag(n), 1 / 3, atol=1e-12)
    assert np.allclose(n - np.diag(np.diag(n)), 0, atol=1e-12)
    flat = demag_tensor(np.float64(0), np.float64(0), np.float64(0), 100., 100., 1.)
    assert np.isclose(np.trace(flat), 1.0) and flat[2, 2] > 0.95
    # a cube split into 2 x 2 x 2 cells: the cell-cell sum gives the cube back
    idx = np.indices((2, 2, 2)).reshape(3, -1).T.astype(float)
    off = idx[:, None, :] - idx[None, :, :]
    n = demag_tensor(off[..., 0], off[..., 1], off[..., 2], 1.0, 1.0, 1.0)
    assert np.allclose(n.sum(axis=(2, 3)) / 8, np.eye(3) / 3, atol=1e-10)
    # far apart: the point-dipole tensor -V / (4 pi r^3) (3 r r / r^2 - 1)
    r = np.array([11.0, 7.0, 5.0])
    n = demag_tensor(*r, 1.0, 2.0, 0.5)
    dist = np.linalg.norm(r)
    dip = -1.0 / (4 * np.pi * dist**3) * (3 * np.outer(r, r) / dist**2 - np.eye(3))
    assert np.allclose(n, dip, rtol=0, atol=0.01 * np.abs(dip).max())


# --------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def engine():
    return MagnumNPEngine(n_threads=2)


# --------------------------------------------------------------------------
# physics
# --------------------------------------------------------------------------
def test_pulse_along_x_turns_m_from_y(engine, dev100):
    check_pulse_turns_m_from_y(engine, dev100)
    prov = engine.provenance
    assert prov["engine"] == "magnumnp" and prov["threads"] == 2
    assert prov["device"] == "cpu" or prov["device"].startswith("cuda")
    assert prov["magnumnp_version"] and prov["torch_version"]
    (stage,) = prov["stages"]
    assert stage["kind"] == "pulse" and 0 < stage["solver_s"] <= stage["wall_s"]
    assert prov["solver_s"] < prov["wall_s"]


def test_square_pulse_differs_from_slow_ramps(engine, dev100):
    """The worker applies Pulse.profile: long ramps mean less field-time."""
    m0 = _uniform(dev100, (0, 1, 0))
    h = _uniform(dev100, (1, 0, 0)) * 2e4
    mx = []
    for rise in (0.0, 0.05e-9):
        (m,) = engine.run(dev100, m0, [ubhop.Pulse(field=h, duration=0.1e-9,
                                                   rise=rise)])
        mx.append(m.mean()[0])
    assert mx[0] > mx[1] + 0.05, mx


def test_worker_profile_matches_pulse_profile(dev100):
    h = _uniform(dev100, (1, 0, 0))
    t = np.linspace(-0.1e-9, 1.1e-9, 241)
    for rise in (0.0, 50e-12, 0.5e-9):
        p = ubhop.Pulse(field=h, duration=1e-9, rise=rise)
        assert np.allclose(pulse_profile(t, 1e-9, rise), p.profile(t), atol=1e-15)


def test_relax_lowers_energy_to_a_minimum(relaxed_twice, dev100):
    e0, e1, rep = check_relax_lowers_energy(relaxed_twice, dev100)
    # the engine's own energies agree with the reference model
    assert sum(rep["energy_start_J"].values()) == pytest.approx(e0, rel=1e-6)
    assert sum(rep["energy_end_J"].values()) == pytest.approx(e1, rel=1e-6)
    assert rep["converged"] and rep["method"] == "bb"


def test_second_relax_changes_nothing(relaxed_twice):
    check_second_relax_changes_nothing(relaxed_twice)


def test_relax_time_with_strong_damping_lowers_energy(engine, dev100):
    check_time_relax_lowers_energy(engine, dev100)


def test_anisotropy_enters_the_minimum(engine):
    check_anisotropy_enters_the_minimum(engine)


def test_weak_grain_boundaries_enter_the_minimum(engine):
    check_weak_boundaries_enter_the_minimum(engine)


def test_oersted_pulse_changes_m_under_the_current(engine, dev200):
    check_oersted_pulse_changes_m_under_the_current(engine, dev200)


# --------------------------------------------------------------------------
# bad input and failures
# --------------------------------------------------------------------------
def test_negative_duration_is_rejected(dev100):
    with pytest.raises(ValueError, match="Pulse.duration must be a finite time > 0"):
        ubhop.Pulse(field=_uniform(dev100, (1, 0, 0)), duration=-1e-9)


def test_m_on_another_mesh_is_rejected(engine, dev100, dev200):
    with pytest.raises(ValueError, match="another mesh"):
        engine.run(dev100, _uniform(dev200, (1, 0, 0)), [ubhop.Relax()])


def test_unknown_engine_name():
    with pytest.raises(ValueError, match="Unknown engine 'nope'"):
        get_engine("nope")


def test_get_engine_passes_options():
    engine = get_engine("magnumnp", n_threads=1, min_torque=0.5)
    assert isinstance(engine, MagnumNPEngine) and engine.name == "magnumnp"
    assert engine.n_threads == 1 and engine.min_torque == 0.5


@pytest.mark.parametrize("options, match", [
    ({"n_threads": 0}, "n_threads"),
    ({"device": "gpu"}, "device"),
    ({"min_torque": -1.0}, "min_torque"),
    ({"tolerance": float("nan")}, "tolerance"),
    ({"timeout": 0}, "timeout"),
])
def test_bad_options(options, match):
    with pytest.raises(ValueError, match=match):
        MagnumNPEngine(**options)


def test_missing_package_says_how_to_install(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "magnumnp" else real(name, *a))
    assert not magnumnp_available()
    with pytest.raises(RuntimeError, match=r'pip install "ubhop\[magnumnp\]"'):
        MagnumNPEngine()


def test_unconverged_minimisation_warns(dev100):
    """Minimiser cut short, then a capped damped-LLG fallback: a warning."""
    engine = MagnumNPEngine(n_threads=1, max_iter=1, max_relax_time=50e-12)
    with pytest.warns(RuntimeWarning, match="did not reach max"):
        engine.run(dev100, _uniform(dev100, (1, 1, 0)), [ubhop.Relax()])
    (stage,) = engine.provenance["stages"]
    assert stage["method"] == "bb+llg+bb" and not stage["converged"]
    assert stage["llg_time_s"] == pytest.approx(50e-12)


def test_worker_failure_carries_its_stderr(dev100):
    engine = MagnumNPEngine(n_threads=1, device="cuda:99")
    with pytest.raises(RuntimeError, match=r"(?s)worker failed.*cuda:99"):
        engine.run(dev100, _uniform(dev100, (1, 0, 0)), [ubhop.Relax()])


def test_timeout_stops_the_worker(dev100):
    engine = MagnumNPEngine(n_threads=1, timeout=0.3)
    with pytest.raises(RuntimeError, match="timeout=0.3"):
        engine.run(dev100, _uniform(dev100, (1, 0, 0)), [ubhop.Relax()])


def test_thermal_pulse_input_checks(dev100):
    h = _uniform(dev100, (1, 0, 0)) * 1e4
    with pytest.raises(ValueError, match="Pulse.temperature must be a finite value"):
        ubhop.Pulse(field=h, duration=1e-10, temperature=-1.0)
    with pytest.raises(ValueError, match="Pulse.seed must be an int"):
        ubhop.Pulse(field=h, duration=1e-10, temperature=300.0, seed=-3)
    with pytest.raises(ValueError, match="0 < timestep <= duration"):
        ubhop.Pulse(field=h, duration=1e-10, temperature=300.0, timestep=1e-9)


def test_thermal_pulse_is_seeded_and_fluctuates(engine, dev100):
    # magnum.np's ThermalField in a stochastic Heun scheme of fixed step
    prov = check_thermal_pulse_is_seeded_and_fluctuates(engine, dev100,
                                                        duration=5e-12, sqrt_t=False)
    stage = prov["stages"][0]
    assert stage["temperature_K"] == 300.0 and stage["thermal_seed"] == 2
    assert stage["steps"] == 100  # 5 ps in fixed steps of 50 fs


def test_thermal_kicks_follow_fluctuation_dissipation(engine, dev100):
    check_thermal_kicks_follow_fluctuation_dissipation(engine, dev100)


def test_thermal_equilibrium_is_equipartition(engine):
    check_thermal_equilibrium_is_equipartition(engine)


def test_progress_reports_simulated_time_and_minimiser_work(engine, capsys):
    """A bar over the stages, advanced by the worker's reports within a stage;
    the minimiser's work is in the provenance (it once said "steps": 0)."""
    import discretisedfield as df

    dev = ubhop.Device.square4(size=100e-9, cell=(10e-9, 10e-9, None))
    m0 = df.Field(dev.mesh, nvdim=3, value=(1, 1, 0), norm=1.0)
    field = ubhop.oersted_field(dev, [2e-3, 2e-3, -2e-3, -2e-3])
    m_p, m_r = engine.run(dev, m0, [ubhop.Pulse(field=field, duration=0.1e-9),
                                    ubhop.Relax()], progress=True)
    err = capsys.readouterr().err
    assert "magnum.np" in err and "2.00/2 stages" in err
    stages = engine.provenance["stages"]
    assert stages[1]["minimiser_iterations"] > 1
    assert stages[0]["steps"] > 1
    # showing the bar changes nothing: the same run without one gives the same m
    m_p2, m_r2 = engine.run(dev, m0, [ubhop.Pulse(field=field, duration=0.1e-9),
                                      ubhop.Relax()], progress=False)
    np.testing.assert_array_equal(m_r.array, m_r2.array)
    assert capsys.readouterr().err == ""
