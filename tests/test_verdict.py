"""The eq. (1) verdict on histories with known answers."""

import numpy as np
import pytest
from test_analysis import synthetic_run

from ubhop.cli import main
from ubhop.verdict import eq1_verdict, segment_verdict


def test_a_gradual_history_passes_and_a_jump_or_too_few_pulses_fail(tmp_path):
    run, g, _ = synthetic_run(tmp_path / "gradual", -200.0, pulses=10)
    v = eq1_verdict(run)
    assert v["passed"] and v["sign"] == -1 and len(v["segments"]) == 2
    seg = v["segments"][0][1]
    assert seg.first_share == pytest.approx(0.3, abs=0.02)  # rate 0.3 per pulse
    assert all(p["r2"] > 0.999 for p in seg.pairs if p["moving"])
    # six pulses per pattern are too few to tell
    short, _, _ = synthetic_run(tmp_path / "short", -200.0, pulses=6)
    assert not eq1_verdict(short)["passed"]
    # a film that jumps: all of the change in the first pulse
    jump = np.repeat(g[10][None], 9, axis=0)
    jump[0] = g[0]
    vv = np.outer([1, 1, -1, -1], [1, 1, -1, -1])
    s = segment_verdict(jump, vv, "++--", 0)
    assert s.first_share == pytest.approx(1.0)
    assert not s.passed and s.checks["first pulse <= 40% of the change"] is False


def test_changes_unrelated_to_vivj_fail(tmp_path):
    rng = np.random.default_rng(3)
    steps = 1 - 0.8 ** np.arange(11)
    target = 1e-4 * rng.standard_normal((4, 4))
    target = target + target.T
    g = 1e-2 + steps[:, None, None] * target[None]
    vv = np.outer([1, 1, -1, -1], [1, 1, -1, -1])
    s = segment_verdict(g, vv, "++--", 0)
    assert s.checks["R^2 >= 0.95 on every moving pair"]
    assert abs(s.corr) < 0.8 and not s.passed
    with pytest.raises(ValueError, match="Unknown criteria"):
        segment_verdict(g, vv, "++--", 0, min_rsquared=0.9)


def test_verdict_command_exit_status(tmp_path, capsys):
    run, _, _ = synthetic_run(tmp_path, -200.0, pulses=10)
    assert main(["verdict", str(run)]) == 0
    assert "eq. (1): PASS" in capsys.readouterr().out
    assert main(["verdict", str(run), "--max-first", "0.2"]) == 1
    assert "eq. (1): FAIL" in capsys.readouterr().out
