"""Bad input, as a new user would give it: a clear error before anything is written.

Each case is a TOML configuration (or a command line) that once ran with a
silently changed value, or failed late with a traceback. Now ``ubhop train``
stops with exit status 2, a message naming the key or argument and what is
allowed, and no run directory.
"""

import math
import os
import stat

import numpy as np
import pytest
import tomli_w

import ubhop
from ubhop import runs
from ubhop.cli import main
from ubhop.learning import FitWarning, fit_learning_law
from ubhop.training import TrainingConfig


def _base():
    dev = ubhop.Device.square4(size=100e-9, cell=(10e-9, 10e-9, None))
    return TrainingConfig(device=dev, schedule=[("++--", 2)], peak_field=20e-3,
                          pulse_duration=60e-12, rise=20e-12, start="uniform_diag",
                          engine="magnumnp").to_dict()


def _set(data, path, value):
    keys = path.split(".")
    node = data
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node.setdefault(k, {})
    last = keys[-1]
    if value is _DELETE:
        del node[int(last) if isinstance(node, list) else last]
    elif isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


_DELETE = object()

CASES = [
    # values that were silently changed
    ("training.schedule.0.pulses", 2.7, "pulses of pattern '\\+\\+--' must be an "
                                        "integer >= 1, got 2.7"),
    ("device.pads.0.node", 1.9, "Pad.node must be an integer >= 0, got 1.9"),
    ("training.engine", "bogus", "engine must be one of \\['auto', 'oommf', "
                                 "'magnumnp'"),
    ("training.seed", "abc", "seed must be an integer >= 0"),
    ("training.seed", -1, "seed must be an integer >= 0"),
    ("training.peak_field", 50.0, "peak_field must be a finite number > 0 T and "
                                  "<= 1 T, got 50.0"),
    ("training.temperature", 2000.0, "temperature must be .* < 850 K"),
    ("training.pulse_duration", -1e-9, "pulse_duration must be a finite number > 0"),
    ("training.cycles", 1.5, "cycles must be an integer >= 1"),
    ("device.pads.1.node", 0, None),  # three pads of node 0: gaps in the nodes
    # type errors that were tracebacks
    ("device.thickness", "1e-8", "Device.thickness must be a finite number .* "
                                 "\\(a string, not a number\\)"),
    ("device.py.spin", 1.0, "Unknown keys in \\[device.py\\]: \\['spin'\\]"),
    ("training.relax.tol", 1.0, "Unknown keys in \\[training.relax\\]: \\['tol'\\]"),
    ("training.relax.duration", "2 ns", "Relax.duration must be a finite number"),
    ("device.py.Ms", float("nan"), "Permalloy.Ms must be a finite number > 0"),
    ("device.disorder", {"grain_size": 20e-9, "K": "big"},
     "Disorder.K must be a finite number >= 0 J/m\\^3"),
    ("device.disorder", {"grain_size": 20e-9, "seed": 1.5},
     "Disorder.seed must be an integer >= 0"),
    # keys that were KeyErrors
    ("device.pads.0.y", _DELETE, "\\[device.pads\\[0\\]\\] needs the key\\(s\\) "
                                 "\\['y'\\]"),
    ("training.schedule.0.pulses", _DELETE, "\\[training.schedule\\[0\\]\\] needs the "
                                            "key\\(s\\) \\['pulses'\\]"),
    ("training.start", "nope.ovf", "start: no such OVF file 'nope.ovf'"),
    ("device.size", [float("nan"), 1e-7], "Device.size\\[0\\] must be a finite"),
]


@pytest.mark.parametrize("path, value, match", CASES,
                         ids=[f"{c[0]}={c[1]!r}" for c in CASES])
def test_bad_configuration_stops_before_anything_is_written(tmp_path, capsys, path,
                                                             value, match):
    data = _base()
    if path == "device.pads.1.node":
        for k in (1, 2):
            data["device"]["pads"][k]["node"] = 0
        data["device"]["pads"][3]["node"] = 2
        match = "Pad nodes must run over 0 .. N-1 without gaps"
    else:
        _set(data, path, value)
    cfg = tmp_path / "bad.toml"
    cfg.write_text(tomli_w.dumps(data) if not _has_nan(data) else _toml_with_nan(data))
    run = tmp_path / "run"
    assert main(["train", str(cfg), "--run", str(run), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ubhop: error: ")
    import re

    assert re.search(match, err), err
    assert "Traceback" not in err
    assert not run.exists(), "nothing may be written for a bad configuration"


def _has_nan(data):
    return "nan" in repr(data)


def _toml_with_nan(data):
    # tomli_w writes nan as 'nan', which TOML reads back as a float NaN
    return tomli_w.dumps(data)


def test_two_pads_on_one_node_is_not_a_device():
    with pytest.raises(ValueError, match="at least 2 nodes, but all 2 pads belong to "
                                         "node 0"):
        ubhop.Device(size=(100e-9, 100e-9), cell=(10e-9, 10e-9, None),
                     pads=[ubhop.Pad(0, (0, 20e-9), (0, 20e-9)),
                           ubhop.Pad(0, (80e-9, 100e-9), (0, 20e-9))])


@pytest.mark.parametrize("kwargs, match", [
    ({"size": math.nan}, "size must be a finite number > 0"),
    ({"size": -1e-6}, "size must be a finite number > 0"),
    ({"size": "1e-6"}, "a string, not a number"),
    ({"size": 1e-6, "thickness": 0.0}, "Device.thickness must be a finite number > 0"),
])
def test_device_constructor_names_the_bad_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ubhop.Device.square4(**kwargs)


@pytest.mark.parametrize("argv, match", [
    (["logic", "AND", "--trials", "0", "--noise", "0.1"],
     "--trials: expected an integer >= 1, got '0'"),
    (["logic", "AND", "--noise", "-0.1"], "--noise: expected a finite number >= 0"),
    (["logic", "AND", "--bias-ratio", "inf"], "--bias-ratio: expected a finite"),
    (["letters", "--rate", "0"], "--rate: expected a finite number > 0 and <= 1, "
                                 "got '0'"),
    (["letters", "--rate", "nan"], "--rate: expected a finite number > 0 and <= 1"),
    (["letters", "--trials", "2.5"], "--trials: expected an integer >= 1, got '2.5'"),
    (["demo", "--pulses", "2.7"], "--pulses: expected an integer >= 1, got '2.7'"),
    (["ensemble", "x.toml", "--below", "1.5"], "--below: expected a finite number > 0 "
                                              "and <= 1"),
    (["batch", "x.toml", "--workers", "0"], "--workers: expected an integer >= 1"),
])
def test_command_line_arguments_are_typed(argv, match, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert match in capsys.readouterr().err


def test_repeated_letters_are_refused(capsys):
    assert main(["letters", "--letters", "AA", "--trials", "2", "--k-max", "1"]) == 2
    assert "The letters must be distinct; ['A'] appear more than once" in \
        capsys.readouterr().err


def test_a_state_that_starts_with_a_minus(tmp_path, capsys):
    # `--state -+-+` used to fail in argparse ("expected one argument")
    from test_analysis import synthetic_run

    run_dir, _, _ = synthetic_run(tmp_path, -200.0)
    assert main(["recall", str(run_dir), "--state", "-+-+"]) == 0
    assert "-+-+" in capsys.readouterr().out


def test_truncated_history_is_explained(tmp_path, capsys):
    from test_analysis import synthetic_run

    run_dir, _, _ = synthetic_run(tmp_path, -200.0)
    path = run_dir / "history.nc"
    path.write_bytes(path.read_bytes()[:200])
    for argv in (["analyse", str(run_dir)], ["energy", str(run_dir)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "is not a readable history (truncated or corrupt" in err
        assert "Traceback" not in err


def test_files_are_readable_as_the_umask_allows(tmp_path):
    old = os.umask(0o022)
    try:
        runs.write_json(tmp_path / "a.json", {"x": 1})
        runs.write_text(tmp_path / "b.txt", "x")
    finally:
        os.umask(old)
    for name in ("a.json", "b.txt"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode == 0o644, oct(mode)
    old = os.umask(0o077)
    try:
        runs.write_text(tmp_path / "c.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "c.txt").stat().st_mode) == 0o600


def test_a_fit_with_too_few_pulses_warns_and_reports_no_r2():
    # one pulse per pattern: three parameters per pair, two pulses
    v1 = np.array([1.0, 1.0, -1.0, -1.0])
    v2 = np.array([1.0, -1.0, -1.0, 1.0])
    prods = np.array([np.outer(v1, v1), np.outer(v2, v2)])
    rng = np.random.default_rng(0)
    g = 1e-2 + 1e-5 * rng.standard_normal((3, 4, 4))
    g = 0.5 * (g + np.swapaxes(g, 1, 2))
    with pytest.warns(FitWarning, match="only|no more pulses than parameters"):
        fit = fit_learning_law(g, prods)
    assert all(np.isnan(p.r2) and p.dof <= 0 for p in fit.pairs)
    assert np.isnan(fit.min_r2())
    # with enough pulses the same fit is a test again
    prods8 = np.array([np.outer(v1, v1)] * 4 + [np.outer(v2, v2)] * 4)
    g8 = ubhop.learning.oja_trajectory(np.full((4, 4), 1e-2), prods8, -1e-4, -20.0,
                                       1e-2)
    fit8 = fit_learning_law(g8, prods8)
    assert fit8.min_r2() > 0.999 and all(p.dof > 0 for p in fit8.pairs)
