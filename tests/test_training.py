"""Training runs: configuration checks, atomic run directories, resume."""

import numpy as np
import pytest

import ubhop
from ubhop import runs
from ubhop.engines.magnumnp import magnumnp_available
from ubhop.training import Segment, TrainingConfig, TrainingInterrupted, train

needs_magnumnp = pytest.mark.skipif(not magnumnp_available(),
                                    reason='needs the magnum.np extra: '
                                           'pip install "ubhop[magnumnp]"')


def tiny_config(**kw):
    dev = ubhop.Device.square4(size=100e-9, cell=(10e-9, 10e-9, None))
    base = dict(device=dev, schedule=[("++--", 2), ("+-+-", 1)], peak_field=20e-3,
                pulse_duration=60e-12, rise=20e-12, start="uniform_diag",
                engine="magnumnp", chunk=2)
    base.update(kw)
    return TrainingConfig(**base)


def test_config_roundtrip():
    cfg = tiny_config(relax=ubhop.Relax(method="time", duration=1e-9), cycles=2)
    back = TrainingConfig.from_dict(cfg.to_dict())
    assert back.to_toml() == cfg.to_toml()
    assert len(back.steps) == 6
    assert back.steps[3] == (0, "++--")


def test_peak_field_sets_the_voltage():
    cfg = tiny_config()
    v = cfg.voltages("++--")
    h = ubhop.oersted_field(cfg.device, v)
    peak = 4e-7 * np.pi * np.linalg.norm(h.array, axis=-1).max()
    assert peak == pytest.approx(20e-3, rel=1e-9)
    np.testing.assert_allclose(np.sign(v), [1, 1, -1, -1])


@pytest.mark.parametrize("change, match", [
    ({"schedule": [("++-0", 2)]}, "only '\\+' and '-'"),
    ({"schedule": [("++-", 2)]}, "3 values; expected 4"),
    ({"schedule": [("++++", 2)]}, "no current flows"),
    ({"schedule": [("++--", 0)]}, "pulses of pattern .* must be an integer >= 1"),
    ({"pulse_duration": 0.0}, "pulse_duration must be a finite number > 0 s"),
    ({"pulse_duration": -1e-9}, "pulse_duration must be a finite number > 0 s"),
    ({"peak_field": -1e-3}, "peak_field must be a finite number > 0 T"),
    ({"peak_field": None, "v0": 0.0}, "v0 must be a finite number > 0 V"),
    ({"v0": 1e-3}, "exactly one of peak_field"),
    ({"start": "spiral"}, "start must be one of"),
])
def test_bad_configuration(change, match):
    with pytest.raises(ValueError, match=match):
        tiny_config(**change)


def test_segment_accepts_lists():
    assert Segment([1, -1, -1, 1], 3).pattern == "+--+"


def _engine():
    # one thread: on a 10 x 10 cell film more threads only add overhead
    return ubhop.get_engine("magnumnp", n_threads=1)


def _interrupt_at(k):
    def callback(step, m, g):
        if step == k:
            raise TrainingInterrupted("injected failure")
    return callback


@needs_magnumnp
@pytest.mark.magnumnp
def test_resume_after_interruption_equals_uninterrupted(tmp_path):
    cfg = tiny_config(chunk=1)
    engine = _engine()
    full = train(cfg, tmp_path / "full", engine=engine, progress=False)
    assert list(full.step.values) == [0, 1, 2, 3]
    with pytest.raises(TrainingInterrupted):
        train(cfg, tmp_path / "cut", engine=engine, progress=False,
              callback=_interrupt_at(2))
    partial = runs.read_history(tmp_path / "cut" / "history.nc")
    assert list(partial.step.values) == [0, 1, 2]
    resumed = train(cfg, tmp_path / "cut", engine=engine, progress=False)
    assert list(resumed.step.values) == [0, 1, 2, 3]  # nothing lost or repeated
    np.testing.assert_array_equal(resumed.pattern.values, full.pattern.values)
    np.testing.assert_array_equal(resumed.G.values, full.G.values)
    np.testing.assert_array_equal(resumed.G_pulse.values, full.G_pulse.values)
    m_full = runs.read_field(runs.texture_path(tmp_path / "full", 3))
    m_cut = runs.read_field(runs.texture_path(tmp_path / "cut", 3))
    np.testing.assert_array_equal(m_cut.array, m_full.array)
    # the pulses did something: G moved
    assert np.abs(full.G.values[-1] - full.G.values[0]).max() > 0
    # resuming with another configuration is refused
    with pytest.raises(ValueError, match="another configuration"):
        train(tiny_config(chunk=1, peak_field=10e-3), tmp_path / "cut",
              engine=engine, progress=False)

    # Several pulses per engine call: interrupted inside a chunk, the run
    # restarts from the saved texture instead of the engine's in-memory state,
    # so it agrees to the relaxation's tolerance, not bit for bit.
    cfg2 = tiny_config(chunk=2)
    with pytest.raises(TrainingInterrupted):
        train(cfg2, tmp_path / "cut2", engine=engine, progress=False,
              callback=_interrupt_at(1))
    resumed2 = train(cfg2, tmp_path / "cut2", engine=engine, progress=False)
    assert list(resumed2.step.values) == [0, 1, 2, 3]
    np.testing.assert_allclose(resumed2.G.values, full.G.values, rtol=1e-7)


def test_temperature_is_checked_stored_and_seeds_each_pulse(tmp_path):
    from ubhop.training import thermal_seed

    with pytest.raises(ValueError, match="temperature must be a finite number >= 0 K"):
        tiny_config(temperature=-5.0)
    cfg = tiny_config(temperature=300.0, seed=7)
    back = TrainingConfig.from_dict(cfg.to_dict())
    assert back.temperature == 300.0
    assert "temperature" not in tiny_config().to_dict()["training"]  # T = 0 default
    seeds = [thermal_seed(7, s) for s in range(1, 200)]
    assert len(set(seeds)) == len(seeds)  # a different thermal field per pulse
    assert seeds == [thermal_seed(7, s) for s in range(1, 200)]  # and reproducible
    assert all(0 <= s < 2**31 for s in seeds)
    assert thermal_seed(8, 1) != thermal_seed(7, 1)


@needs_magnumnp
@pytest.mark.magnumnp
def test_ensemble_of_deterministic_runs_has_no_spread_and_resumes(tmp_path):
    from ubhop.experiments.ensemble import (
        ensemble_history,
        realisation_dir,
        train_ensemble,
    )

    cfg = tiny_config(schedule=[("++--", 2)], chunk=2)
    engine = _engine()
    ens = train_ensemble(cfg, tmp_path, 2, engine=engine, progress=False)
    assert ens.sizes == {"realisation": 2, "step": 3, "i": 4, "j": 4, "node": 4}
    # T = 0 and a uniform start: the seed changes nothing, so the realisations
    # agree and the standard error is zero (a leak of the seed into a T = 0
    # run would show here)
    np.testing.assert_array_equal(ens.G.values[0], ens.G.values[1])
    assert float(np.abs(ens.G_sem).max()) == 0.0
    np.testing.assert_array_equal(ens.G_mean.values, ens.G.values[0])
    assert runs.read_history(realisation_dir(tmp_path, 1) / "history.nc").G.shape \
        == (3, 4, 4)
    # a third realisation reuses the first two, and the fit works on the mean
    ens3 = train_ensemble(cfg, tmp_path, 3, engine=engine, progress=False)
    assert ens3.sizes["realisation"] == 3
    np.testing.assert_array_equal(ens3.G.values[:2], ens.G.values)
    assert ensemble_history(tmp_path).sizes["realisation"] == 3


def test_ensemble_input_checks(tmp_path):
    from ubhop.experiments.ensemble import (
        ensemble_history,
        realisation_config,
        train_ensemble,
    )

    cfg = tiny_config()
    with pytest.raises(ValueError, match="realisations must be an int >= 1"):
        train_ensemble(cfg, tmp_path, 0)
    with pytest.raises(ValueError, match="holds no training history"):
        ensemble_history(tmp_path)
    assert realisation_config(cfg, 3).seed == cfg.seed + 3
    assert realisation_config(cfg, 3).device == cfg.device


def test_bisection_brackets_a_switching_field():
    from ubhop.thresholds import bisect_threshold, lasting_change

    h_c = 7.3e-3  # a film that switches above 7.3 mT

    def changes(peak):
        return 2e-3 if peak > h_c else 3e-6

    lo, hi, probes = bisect_threshold(changes, 6e-3, 9e-3, steps=8, tol=1e-4)
    assert lo < h_c <= hi
    assert hi - lo == pytest.approx(3e-3 / 2**8)
    assert len(probes) == 2 + 8 and probes[0] == (6e-3, 3e-6)
    with pytest.raises(ValueError, match="already changes G.*lower lo"):
        bisect_threshold(changes, 8e-3, 9e-3, 3, 1e-4)
    with pytest.raises(ValueError, match="only .*raise hi"):
        bisect_threshold(changes, 6e-3, 7e-3, 3, 1e-4)
    with pytest.raises(ValueError, match="0 < lo < hi"):
        bisect_threshold(changes, 9e-3, 6e-3, 3, 1e-4)
    with pytest.raises(ValueError, match="steps"):
        bisect_threshold(changes, 6e-3, 9e-3, -1, 1e-4)
    # the change of a history: the largest relative change of any pair
    g0 = np.full((4, 4), 2.0)
    g1 = g0.copy()
    g1[0, 2] = g1[2, 0] = 2.001
    assert lasting_change([g0, g1]) == pytest.approx(5e-4)


@needs_magnumnp
@pytest.mark.magnumnp
def test_switching_threshold_of_a_grainy_film(tmp_path):
    """A 200 nm film with grains: one 0.2 ns pulse switches it between 20 and
    50 mT; the bisection narrows that, and a second call reuses its probes."""
    import json

    from ubhop.experiments.ensemble import switching_threshold

    dev = ubhop.Device.square4(size=200e-9, cell=(10e-9, 10e-9, None),
                               disorder=ubhop.Disorder(grain_size=50e-9, K=2e4))
    cfg = TrainingConfig(device=dev, schedule=[("++--", 3), ("+-+-", 1)],
                         peak_field=1e-3, pulse_duration=0.2e-9, rise=50e-12,
                         start="uniform_diag", engine="magnumnp", temperature=300.0)
    engine = _engine()
    thr = switching_threshold(cfg, 20e-3, 50e-3, tmp_path, steps=1, engine=engine)
    assert thr.pattern == "++--" and thr.hi - thr.lo == pytest.approx(15e-3)
    changes = dict(thr.probes)
    assert changes[thr.lo] < 1e-6  # below: the pulse leaves nothing
    assert changes[thr.hi] > 1e-3  # above: a switch of more than 0.1 %
    saved = json.loads((tmp_path / "threshold.json").read_text())
    assert saved["lo_T"] == thr.lo and len(saved["probes"]) == 3
    # the probes are 0 K runs of one pulse, whatever the configuration says
    probe = TrainingConfig.from_toml(tmp_path / f"probe_{thr.hi * 1e3:.6f}mT"
                                     / "config.toml")
    assert probe.temperature == 0.0 and probe.schedule[0].pattern == "++--"
    assert len(probe.steps) == 1
    again = switching_threshold(cfg, 20e-3, 50e-3, tmp_path, steps=1, engine=None)
    assert again == thr


@needs_magnumnp
@pytest.mark.magnumnp
def test_ensemble_command(tmp_path, capsys):
    import ubhop.cli

    cfg = tiny_config(schedule=[("++--", 2)], chunk=2)
    path = tmp_path / "tiny.toml"
    path.write_text(cfg.to_toml())
    out = tmp_path / "ens"
    assert ubhop.cli.main(["ensemble", str(path), "--realisations", "2", "--out",
                           str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "2 realisations x 2 pulses at 0 K" in text
    # two pulses of one pattern: eq. (1)'s rate and fixed point pass through
    # both points, so the fit is no test, and the command says so
    assert "note: eq. (1) fitted to 2 pulses" in text
    # deterministic realisations: the mean is each run and its error zero
    assert text.count("+- 0.0000 %") == 6 and "GNE: R^2" in text
    assert (out / "runs" / "r0001" / "history.nc").exists()
    with pytest.raises(SystemExit):
        ubhop.cli.main(["ensemble", str(path), "--below", "1.5"])
    assert "--below: expected a finite number > 0 and <= 1" in \
        capsys.readouterr().err
