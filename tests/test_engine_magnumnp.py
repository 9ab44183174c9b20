"""The magnum.np engine: physics checks on small films (runs in a worker process).

Energies and torques are checked against an independent finite-difference
model written here (Newell demag tensor summed directly, nearest-neighbour
exchange, uniaxial anisotropy), not against numbers the engine reports.
"""

import math

import discretisedfield as df
import numpy as np
import pytest

import ubhop
from ubhop.engines import get_engine
from ubhop.engines._magnumnp_worker import pulse_profile
from ubhop.engines.magnumnp import MagnumNPEngine, magnumnp_available

pytestmark = [
    pytest.mark.magnumnp,
    pytest.mark.skipif(not magnumnp_available(),
                       reason='magnum.np not installed: pip install "ubhop[magnumnp]"'),
]

MU0 = 4e-7 * math.pi


# --------------------------------------------------------------------------
# independent reference model
# --------------------------------------------------------------------------
def _ratio(num, den):
    """num / den with 0 where den == 0 (the terms using it vanish there)."""
    safe = np.where(den == 0, 1.0, den)
    return np.where(den == 0, 0.0, num / safe)


def _newell_f(x, y, z):
    x2, y2, z2 = x * x, y * y, z * z
    r = np.sqrt(x2 + y2 + z2)
    return (0.5 * y * (z2 - x2) * np.arcsinh(_ratio(y, np.sqrt(x2 + z2)))
            + 0.5 * z * (y2 - x2) * np.arcsinh(_ratio(z, np.sqrt(x2 + y2)))
            - x * y * z * np.arctan(_ratio(y * z, x * r))
            + (2 * x2 - y2 - z2) * r / 6)


def _newell_g(x, y, z):
    x2, y2, z2 = x * x, y * y, z * z
    r = np.sqrt(x2 + y2 + z2)
    return (x * y * z * np.arcsinh(_ratio(z, np.sqrt(x2 + y2)))
            + y / 6 * (3 * z2 - y2) * np.arcsinh(_ratio(x, np.sqrt(y2 + z2)))
            + x / 6 * (3 * z2 - x2) * np.arcsinh(_ratio(y, np.sqrt(x2 + z2)))
            - z**3 / 6 * np.arctan(_ratio(x * y, z * r))
            - z * y2 / 2 * np.arctan(_ratio(x * z, y * r))
            - z * x2 / 2 * np.arctan(_ratio(y * z, x * r))
            - x * y * r / 3)


def _stencil(func, x, y, z, a, b, c):
    """Newell's second difference of ``func`` over the cell sizes, / (4 pi V)."""
    w = {-1: -1.0, 0: 2.0, 1: -1.0}
    total = 0.0
    for i in (-1, 0, 1):
        for j in (-1, 0, 1):
            for k in (-1, 0, 1):
                total = total + w[i] * w[j] * w[k] * func(x + i * a, y + j * b,
                                                          z + k * c)
    return total / (4 * math.pi * a * b * c)


def demag_tensor(x, y, z, dx, dy, dz):
    """Demag tensor N (3, 3, ...) between cells at offset (x, y, z), H = -N M."""
    nxx = _stencil(_newell_f, x, y, z, dx, dy, dz)
    nyy = _stencil(_newell_f, y, z, x, dy, dz, dx)
    nzz = _stencil(_newell_f, z, x, y, dz, dx, dy)
    nxy = _stencil(_newell_g, x, y, z, dx, dy, dz)
    nxz = _stencil(_newell_g, x, z, y, dx, dz, dy)
    nyz = _stencil(_newell_g, y, z, x, dy, dz, dx)
    return np.array([[nxx, nxy, nxz], [nxy, nyy, nyz], [nxz, nyz, nzz]])


class Reference:
    """Exchange, demag and anisotropy energies and fields of a device, by hand."""

    def __init__(self, dev):
        self.dev = dev
        nx, ny, nz = dev.n
        dx, dy, dz = dev.cell
        scale = min(dev.cell)
        idx = np.indices((nx, ny, nz)).reshape(3, -1).T  # (N, 3) cell indices
        off = (idx[:, None, :] - idx[None, :, :]) * np.array(dev.cell) / scale
        n = demag_tensor(off[..., 0], off[..., 1], off[..., 2],
                         dx / scale, dy / scale, dz / scale)  # (3, 3, N, N)
        self.n_big = n.transpose(2, 0, 3, 1).reshape(3 * len(idx), 3 * len(idx))
        self.volume = dx * dy * dz
        aniso = dev.anisotropy()
        self.K = None if aniso is None else aniso[0].array[..., 0]
        self.u = None if aniso is None else aniso[1].array

    def fields(self, m):
        """Exchange, demag and anisotropy fields (A/m) of unit m (nx, ny, nz, 3)."""
        py = self.dev.py
        h_d = -py.Ms * (self.n_big @ m.reshape(-1)).reshape(m.shape)
        h_ex = np.zeros_like(m)
        for axis, d in enumerate(self.dev.cell):
            diff = np.diff(m, axis=axis) / d**2
            lo = [slice(None)] * 4
            hi = [slice(None)] * 4
            lo[axis], hi[axis] = slice(None, -1), slice(1, None)
            h_ex[tuple(lo)] += diff
            h_ex[tuple(hi)] -= diff
        h_ex *= 2 * py.A / (MU0 * py.Ms)
        h_an = np.zeros_like(m)
        if self.K is not None:
            um = np.sum(self.u * m, axis=-1, keepdims=True)
            h_an = 2 * self.K[..., None] / (MU0 * py.Ms) * self.u * um
        return h_ex, h_d, h_an

    def energy(self, m):
        """Total zero-field energy (J): exchange + demag + anisotropy."""
        h_ex, h_d, h_an = self.fields(m)
        e = -0.5 * MU0 * self.dev.py.Ms * self.volume * np.sum(m * (h_ex + h_d + h_an))
        return float(e)

    def max_torque(self, m):
        """max over the cells of |m x H_eff| (A/m)."""
        h = sum(self.fields(m))
        return float(np.linalg.norm(np.cross(m, h), axis=-1).max())


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


@pytest.fixture(scope="module")
def dev100():
    return ubhop.Device.square4(size=100e-9, cell=(10e-9, 10e-9, None))


@pytest.fixture(scope="module")
def dev200():
    return ubhop.Device.square4(size=200e-9, cell=(10e-9, 10e-9, None))


def _uniform(dev, value):
    return df.Field(dev.mesh, nvdim=3, value=value, norm=1.0)


@pytest.fixture(scope="module")
def relaxed_twice(engine, dev100):
    """A uniform square (m at 30 degrees to x) minimised twice."""
    m0 = _uniform(dev100, (math.cos(math.pi / 6), math.sin(math.pi / 6), 0.0))
    ms = engine.run(dev100, m0, [ubhop.Relax(), ubhop.Relax()])
    return m0, ms, dict(engine.provenance)


# --------------------------------------------------------------------------
# physics
# --------------------------------------------------------------------------
def test_pulse_along_x_turns_m_from_y(engine, dev100):
    m0 = _uniform(dev100, (0, 1, 0))
    h = _uniform(dev100, (1, 0, 0)) * 2e4  # 25 mT along +x
    (m,) = engine.run(dev100, m0, [ubhop.Pulse(field=h, duration=0.2e-9)],
                      progress=True)
    mx, my, _ = m.mean()
    assert mx > 0.6, f"mean m_x after the pulse is {mx:.3f}"
    assert my < 0.85
    assert np.allclose(np.linalg.norm(m.array, axis=-1), 1.0)
    assert m.mesh == dev100.mesh
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
    m0, (m1, _), prov = relaxed_twice
    ref = Reference(dev100)
    e0, e1 = ref.energy(m0.array), ref.energy(m1.array)
    # a uniform 100 nm square relaxes into a flower state: about 13 % lower
    assert e1 < 0.95 * e0, (e0, e1)
    # the engine's own energies agree with the reference model
    rep = prov["stages"][0]
    assert sum(rep["energy_start_J"].values()) == pytest.approx(e0, rel=1e-6)
    assert sum(rep["energy_end_J"].values()) == pytest.approx(e1, rel=1e-6)
    # a stationary point: the reference torque is small (the engine stops
    # below min_torque = 0.1 A/m; Ms = 8e5 A/m)
    assert ref.max_torque(m0.array) > 1e4
    assert ref.max_torque(m1.array) < 0.2
    assert rep["converged"] and rep["method"] == "bb"


def test_second_relax_changes_nothing(relaxed_twice):
    _, (m1, m2), _ = relaxed_twice
    assert np.abs(m2.array - m1.array).max() < 1e-6


def test_relax_time_with_strong_damping_lowers_energy(engine, dev100):
    m0 = _uniform(dev100, (1, 1, 0))
    (m,) = engine.run(dev100, m0, [ubhop.Relax(method="time", duration=0.2e-9,
                                               alpha=0.5)])
    ref = Reference(dev100)
    assert ref.energy(m.array) < ref.energy(m0.array)
    assert engine.provenance["stages"][0]["alpha"] == 0.5


def test_anisotropy_enters_the_minimum(engine):
    dev = ubhop.Device.square4(size=100e-9, cell=(10e-9, 10e-9, None),
                               disorder=ubhop.Disorder(grain_size=30e-9, K=5e4,
                                                       seed=3))
    m0 = _uniform(dev, (1, 0, 0))
    (m,) = engine.run(dev, m0, [ubhop.Relax()])
    ref = Reference(dev)
    assert ref.max_torque(m.array) < 0.2
    assert ref.energy(m.array) < ref.energy(m0.array)
    # without the anisotropy field the state would not be stationary
    h_ex, h_d, _ = ref.fields(m.array)
    assert np.linalg.norm(np.cross(m.array, h_ex + h_d), axis=-1).max() > 100


def test_oersted_pulse_changes_m_under_the_current(engine, dev200):
    """N, E at +V0 and S, W at -V0: m moves most where the field is strong."""
    pattern = np.array([1.0, 1.0, -1.0, -1.0])
    unit = np.linalg.norm(ubhop.oersted_field(dev200, pattern).array, axis=-1).max()
    v0 = 4e3 / unit  # peak |H| = 4 kA/m (5 mT); a few mV
    h = ubhop.oersted_field(dev200, v0 * pattern)
    m0 = _uniform(dev200, (1, 1, 0))
    m_rel, m_pulse = engine.run(dev200, m0, [
        ubhop.Relax(), ubhop.Pulse(field=h, duration=40e-12, rise=20e-12)])
    dm = np.linalg.norm(m_pulse.array - m_rel.array, axis=-1).ravel()
    habs = np.linalg.norm(h.array, axis=-1).ravel()
    strong = habs >= np.quantile(habs, 0.75)
    weak = habs <= np.quantile(habs, 0.25)
    assert dm[strong].mean() > 2.5 * dm[weak].mean(), (dm[strong].mean(),
                                                        dm[weak].mean())
    assert np.corrcoef(dm, habs)[0, 1] > 0.5


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


def test_thermal_pulse_input_checks_and_the_engine_that_runs_it(engine, dev100):
    h = _uniform(dev100, (1, 0, 0)) * 1e4
    with pytest.raises(ValueError, match="Pulse.temperature must be a finite value"):
        ubhop.Pulse(field=h, duration=1e-10, temperature=-1.0)
    with pytest.raises(ValueError, match="Pulse.seed must be an int"):
        ubhop.Pulse(field=h, duration=1e-10, temperature=300.0, seed=-3)
    with pytest.raises(ValueError, match="0 < timestep <= duration"):
        ubhop.Pulse(field=h, duration=1e-10, temperature=300.0, timestep=1e-9)
    hot = ubhop.Pulse(field=h, duration=1e-10, rise=2e-11, temperature=300.0)
    with pytest.raises(NotImplementedError, match="thermal pulses need the OOMMF"):
        engine.run(dev100, _uniform(dev100, (0, 1, 0)), [hot])
