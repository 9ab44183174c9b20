"""What both engine test modules check: an independent reference model and
the engine-independent physics of pulses and relaxation.

The energies and torques come from a finite-difference model written here
(Newell demag tensor summed directly, nearest-neighbour exchange, uniaxial
anisotropy), not from numbers an engine reports. Each ``check_*`` function
asserts the physics and returns what the calling module needs for its own
engine-specific assertions (provenance).
"""

import copy
import math

import discretisedfield as df
import numpy as np
import pytest

import ubhop
from ubhop.reference.statistics import demag_tensor  # Newell's tensor

MU0 = 4e-7 * math.pi


def unit_field(dev, value):
    """A uniform unit field on the device mesh."""
    return df.Field(dev.mesh, nvdim=3, value=value, norm=1.0)


# --------------------------------------------------------------------------
# independent reference model
# --------------------------------------------------------------------------
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
        exch = dev.exchange()
        self.A = (np.full(dev.n, dev.py.A) if exch is None
                  else exch.array[..., 0])  # (nx, ny, nz), J/m

    def fields(self, m):
        """Exchange, demag and anisotropy fields (A/m) of unit m (nx, ny, nz, 3)."""
        py = self.dev.py
        h_d = -py.Ms * (self.n_big @ m.reshape(-1)).reshape(m.shape)
        h_ex = np.zeros_like(m)
        for axis, d in enumerate(self.dev.cell):
            lo = [slice(None)] * 4
            hi = [slice(None)] * 4
            lo[axis], hi[axis] = slice(None, -1), slice(1, None)
            a_lo, a_hi = self.A[tuple(lo[:3])], self.A[tuple(hi[:3])]
            # each link couples with the harmonic mean of its two cells' A
            a_link = (2 * a_lo * a_hi / (a_lo + a_hi))[..., None]
            diff = a_link * np.diff(m, axis=axis) / d**2
            h_ex[tuple(lo)] += diff
            h_ex[tuple(hi)] -= diff
        h_ex *= 2 / (MU0 * py.Ms)
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


# --------------------------------------------------------------------------
# engine-independent physics checks
# --------------------------------------------------------------------------
def check_pulse_turns_m_from_y(engine, dev):
    """A 25 mT pulse along +x for 0.2 ns turns a +y film towards +x."""
    m0 = unit_field(dev, (0, 1, 0))
    h = unit_field(dev, (1, 0, 0)) * 2e4  # 25 mT along +x
    (m,) = engine.run(dev, m0, [ubhop.Pulse(field=h, duration=0.2e-9)],
                      progress=True)
    mx, my, _ = m.mean()
    assert mx > 0.6, f"mean m_x after the pulse is {mx:.3f}"
    assert my < 0.85
    assert np.allclose(np.linalg.norm(m.array, axis=-1), 1.0)
    assert m.mesh == dev.mesh
    return m


def check_relax_lowers_energy(relaxed, dev):
    """A uniform square relaxes to a stationary state of lower energy.

    ``relaxed`` is ``(m0, (m1, m2), provenance)``; returns ``(e0, e1, stage)``
    with the reference energies and the first stage's provenance.
    """
    m0, (m1, _), prov = relaxed
    ref = Reference(dev)
    e0, e1 = ref.energy(m0.array), ref.energy(m1.array)
    # a uniform 100 nm square relaxes into a flower state: about 13 % lower
    assert e1 < 0.95 * e0, (e0, e1)
    # a stationary point: the reference torque is small (the engine stops
    # below min_torque = 0.1 A/m; Ms = 8e5 A/m)
    assert ref.max_torque(m0.array) > 1e4
    assert ref.max_torque(m1.array) < 0.2
    return e0, e1, prov["stages"][0]


def check_second_relax_changes_nothing(relaxed):
    _, (m1, m2), _ = relaxed
    assert np.abs(m2.array - m1.array).max() < 1e-6


def check_time_relax_lowers_energy(engine, dev):
    """A damped time evolution (alpha 0.5) lowers the energy."""
    m0 = unit_field(dev, (1, 1, 0))
    (m,) = engine.run(dev, m0, [ubhop.Relax(method="time", duration=0.2e-9,
                                            alpha=0.5)])
    ref = Reference(dev)
    assert ref.energy(m.array) < ref.energy(m0.array)
    assert engine.provenance["stages"][0]["alpha"] == 0.5


def check_anisotropy_enters_the_minimum(engine):
    """Grain anisotropy is part of the minimised energy."""
    dev = ubhop.Device.square4(size=100e-9, cell=(10e-9, 10e-9, None),
                               disorder=ubhop.Disorder(grain_size=30e-9, K=5e4,
                                                       seed=3))
    m0 = unit_field(dev, (1, 0, 0))
    (m,) = engine.run(dev, m0, [ubhop.Relax()])
    ref = Reference(dev)
    assert ref.max_torque(m.array) < 0.2
    assert ref.energy(m.array) < ref.energy(m0.array)
    # without the anisotropy field the state would not be stationary
    h_ex, h_d, _ = ref.fields(m.array)
    assert np.linalg.norm(np.cross(m.array, h_ex + h_d), axis=-1).max() > 100


def check_weak_boundaries_enter_the_minimum(engine):
    """Grain boundaries of reduced exchange are part of the minimised energy."""
    disorder = ubhop.Disorder(grain_size=30e-9, K=5e4, seed=3, boundary_exchange=0.05)
    dev = ubhop.Device.square4(size=100e-9, cell=(10e-9, 10e-9, None),
                               disorder=disorder)
    m0 = unit_field(dev, (1, 0, 0))
    (m,) = engine.run(dev, m0, [ubhop.Relax()])
    ref = Reference(dev)
    assert ref.max_torque(m.array) < 0.2
    # with full exchange across the boundaries the state is not stationary
    coupled = ubhop.Device.square4(
        size=100e-9, cell=(10e-9, 10e-9, None),
        disorder=ubhop.Disorder(grain_size=30e-9, K=5e4, seed=3))
    assert Reference(coupled).max_torque(m.array) > 100
    return dev, m


def check_oersted_pulse_changes_m_under_the_current(engine, dev):
    """N, E at +V0 and S, W at -V0: m moves most where the field is strong."""
    pattern = np.array([1.0, 1.0, -1.0, -1.0])
    unit = np.linalg.norm(ubhop.oersted_field(dev, pattern).array, axis=-1).max()
    v0 = 4e3 / unit  # peak |H| = 4 kA/m (5 mT); a few mV
    h = ubhop.oersted_field(dev, v0 * pattern)
    m0 = unit_field(dev, (1, 1, 0))
    m_rel, m_pulse = engine.run(dev, m0, [
        ubhop.Relax(), ubhop.Pulse(field=h, duration=40e-12, rise=20e-12)])
    dm = np.linalg.norm(m_pulse.array - m_rel.array, axis=-1).ravel()
    habs = np.linalg.norm(h.array, axis=-1).ravel()
    strong = habs >= np.quantile(habs, 0.75)
    weak = habs <= np.quantile(habs, 0.25)
    assert dm[strong].mean() > 2.5 * dm[weak].mean(), (dm[strong].mean(),
                                                        dm[weak].mean())
    assert np.corrcoef(dm, habs)[0, 1] > 0.5


def check_thermal_pulse_is_seeded_and_fluctuates(engine, dev, duration=20e-12,
                                                 sqrt_t=True):
    """A 300 K pulse at zero field: repeatable per seed, spread as sqrt(T).

    ``sqrt_t=False`` leaves out the sqrt(T) scaling (five more runs), for an
    engine whose amplitude :func:`check_thermal_kicks_follow_fluctuation_dissipation`
    checks against the analytic value.

    Returns the provenance of the run at 300 K with seed 2 (its stage reports
    the temperature and the seed).
    """
    m0 = unit_field(dev, (1, 0, 0))
    zero = unit_field(dev, (1, 0, 0)) * 0.0

    def hot(seed, temperature=300.0):
        (m,) = engine.run(dev, m0, [ubhop.Pulse(
            field=zero, duration=duration, rise=0.0, temperature=temperature,
            seed=seed)])
        return m.array

    a, b, c = hot(1), hot(1), hot(2)
    provenance = copy.deepcopy(engine.provenance)  # of the 300 K, seed 2 run
    np.testing.assert_array_equal(a, b)  # same seed, same thermal field
    assert np.abs(a - c).max() > 1e-3  # another seed, another trajectory
    if not sqrt_t:
        return provenance
    # the thermal field's variance is proportional to T (fluctuation-
    # dissipation), so for small deviations the distance from the T = 0
    # trajectory grows as sqrt(T): x 4 from 75 K to 1200 K
    cold = hot(1, temperature=0.0)

    def spread(temperature):
        return np.mean([np.sqrt(np.mean((hot(s, temperature) - cold) ** 2))
                        for s in (1, 2)])

    ratio = spread(1200.0) / spread(75.0)
    assert ratio == pytest.approx(4.0, rel=0.05), ratio
    return provenance


def check_thermal_kicks_follow_fluctuation_dissipation(engine, dev, seeds=4):
    """The thermal field's amplitude against the fluctuation-dissipation theorem.

    For a time ``t`` short against every restoring rate (here 2 ps at
    ``alpha = 0.01``: precession mixes the two transverse components but
    does not damp them), each cell's m random-walks away from the T = 0
    trajectory with ``<dm^2> = 2 alpha gamma0 kB T t / ((1 + alpha^2) mu0 Ms V)``
    per transverse component (V the cell volume). Averaged over the cells,
    both components and ``seeds`` pulses, the rms agrees with it to a few
    percent (the sample holds 2 * seeds * cells values).
    """
    kb, gamma0, temperature, t = 1.380649e-23, 2.21276157e5, 300.0, 2e-12
    alpha, ms = dev.py.alpha, dev.py.Ms
    volume = float(np.prod(dev.cell))
    m0 = unit_field(dev, (1, 0, 0))
    zero = unit_field(dev, (1, 0, 0)) * 0.0

    def run(temp, seed):
        (m,) = engine.run(dev, m0, [ubhop.Pulse(
            field=zero, duration=t, rise=0.0, temperature=temp, seed=seed)])
        return m.array.reshape(-1, 3)

    cold = run(0.0, 1)
    d = np.concatenate([run(temperature, s) - cold for s in range(1, seeds + 1)])
    rms = np.sqrt(np.mean(d[:, 1:] ** 2))
    expected = math.sqrt(2 * alpha * gamma0 * kb * temperature * t
                         / ((1 + alpha**2) * MU0 * ms * volume))
    print(f"{engine.name}: thermal kicks, rms / fluctuation-dissipation "
          f"{rms / expected:.3f}")  # shown with pytest -s
    assert rms == pytest.approx(expected, rel=0.1), (rms, expected)
    # along m the walk is second order: |m| = 1
    assert np.sqrt(np.mean(d[:, 0] ** 2)) < 0.05 * rms
    return rms / expected


def check_thermal_equilibrium_is_equipartition(engine, samples=20):
    """At equilibrium the energy above the ground state is kT per cell.

    A 100 nm film of 10 x 10 cells in 0.5 T along x, with alpha = 0.5 so that
    it thermalises within a few 20 ps pulses at 300 K. Each cell's unit m has
    two transverse degrees of freedom, and at 300 K every mode's energy
    (mu0 Ms V H = 4e-19 J per cell and more) is far above kT = 4.1e-21 J, so
    the energy is harmonic in them: the mean of ``E - E0`` over the samples is
    ``N kT`` (equipartition), with ``E0`` the ground state's energy and
    ``E`` from the independent reference model (exchange, demag, Zeeman).
    ``E0`` is the energy after 200 ps of damped LLG in the field at 0 K.
    Its standard deviation is ``sqrt(N) kT``: 10 % per sample, about 3 % for
    the mean of 20 (less than independent, the samples are 20 ps apart).
    Returns ``<E - E0> / (N kT)``.
    """
    kt = 1.380649e-23 * 300.0
    dev = ubhop.Device.square4(size=100e-9, cell=(10e-9, 10e-9, None),
                               py=ubhop.Permalloy(alpha=0.5))
    h = 0.5 / MU0
    field = unit_field(dev, (1, 0, 0)) * h
    # the ground state in the field: 200 ps of damped LLG at 0 K (the
    # relaxation time at alpha = 0.5 is about 10 ps)
    (relaxed,) = engine.run(dev, unit_field(dev, (1, 0, 0)),
                            [ubhop.Pulse(field, 200e-12, rise=0.0)])
    burn_in = 4
    ms = engine.run(dev, relaxed, [
        ubhop.Pulse(field, 20e-12, rise=0.0, temperature=300.0, seed=k + 1)
        for k in range(burn_in + samples)])
    ref = Reference(dev)
    zeeman = dev.py.Ms * MU0 * ref.volume * h

    def energy(m):
        return ref.energy(m) - zeeman * float(np.sum(m[..., 0]))

    e0 = energy(relaxed.array)
    excess = np.array([energy(m.array) - e0 for m in ms[burn_in:]])
    n_cells = int(np.prod(dev.n))
    ratio = excess.mean() / (n_cells * kt)
    print(f"{engine.name}: <E - E0> / (N kT) = {ratio:.3f}")  # shown with pytest -s
    assert ratio == pytest.approx(1.0, abs=0.1), (ratio, excess / (n_cells * kt))
    return ratio
