"""Logic gates on the 4-node Hopfield network (nodes a, b, out, bias)."""

import numpy as np
import pytest

from ubhop.cli import main
from ubhop.compact import CompactModel
from ubhop.experiments import logic
from ubhop.experiments.logic import (
    GATES,
    INPUTS,
    LEARNABLE,
    bias_ratio_interval,
    clamped_output,
    default_model,
    expected,
    gate_patterns,
    learn_gate_software,
    noise_table,
    reprogram_sequence,
    threshold_learnable,
    truth_table,
    xor_learnable,
)
from ubhop.patterns import pattern_string
from ubhop.rules import rule_names


def test_patterns_hold_bias_and_truth_table():
    for g in GATES:
        x = gate_patterns(g)
        assert x.shape == (4, 4)
        assert np.all(x[:, 3] == 1)
        assert [tuple(r[:2]) for r in x] == list(INPUTS)
        assert [r[2] for r in x] == [expected(g, a, b) for a, b in INPUTS]
    assert gate_patterns("and").tolist()[3] == [-1, -1, -1, 1]


@pytest.mark.parametrize("gate", LEARNABLE)
@pytest.mark.parametrize("rule", ["outer", "compact"])
def test_software_gates_correct_for_all_inputs(gate, rule):
    # the compact model with its (out, bias) alpha twice the others' (AND
    # needs more than 3/2 once the uniform pattern drives nothing)
    w = learn_gate_software(gate, rule=rule, bias_ratio=2.0)
    for a, b in INPUTS:
        assert clamped_output(w, a, b) == expected(gate, a, b)
    assert truth_table(w, gate)["correct"]


def test_uniform_pattern_teaches_nothing_so_equal_alpha_cannot_hold_and():
    # AND's (+1, +1) row is the uniform pattern: no current, no change
    m = default_model(0.1)
    x = gate_patterns("AND")
    assert np.all(x[0] == 1)
    g = m.train(x, cycles=3, record="pulse")
    for t in range(0, len(g) - 1, 4):  # the uniform pattern's pulses
        np.testing.assert_array_equal(g[t + 1], g[t])
    # slow learning from three patterns: h = (a + b - 3) / 3, always False
    w = learn_gate_software("AND", rule="compact", rate=1e-3, cycles=20000)
    assert truth_table(w)["gate"] is None
    assert {r[2] for r in truth_table(w)["rows"]} == {-1}
    np.testing.assert_allclose(w[2, [0, 1, 3]] / w[2, 0], [1, 1, -3], rtol=1e-2)
    for g in ("OR", "NAND", "NOR"):
        assert truth_table(learn_gate_software(g, rule="compact"), g)["correct"]


def test_bias_ratio_interval_is_the_slow_compact_model():
    assert bias_ratio_interval("AND") == (1.5, np.inf)
    for g in ("OR", "NAND", "NOR"):
        assert bias_ratio_interval(g) == (0.5, np.inf)
    # the steady cycle's mean weights of the compact model agree on each side
    for g in LEARNABLE:
        lo, _ = bias_ratio_interval(g)
        for ratio, ok in ((0.9 * lo, False), (1.1 * lo, True)):
            m = default_model(0.01, ratio)
            w = m.weights(m.cycle_mean(gate_patterns(g)))
            assert truth_table(w, g)["correct"] is ok, (g, ratio)
    with pytest.raises(ValueError, match="linear threshold"):
        bias_ratio_interval("XOR")
    for bad in (0, -1.0, float("nan"), "2"):
        with pytest.raises(ValueError, match="bias_ratio must be"):
            default_model(0.1, bad)


def test_projection_rule_is_identity_for_four_independent_patterns():
    for g in LEARNABLE:
        w = learn_gate_software(g, rule="projection")
        assert np.all(w == 0)
        assert not truth_table(w, g)["correct"]
        assert {r[2] for r in truth_table(w)["rows"]} == {0}


def test_compact_reprogrammed_without_reset():
    res = reprogram_sequence(default_model(0.1, 2.0),
                             ["AND", "OR", "NAND", "NOR"], pulses_per_pattern=1,
                             max_cycles=20)
    assert [r["gate"] for r in res] == ["AND", "OR", "NAND", "NOR"]
    for r in res:
        assert r["correct"]
        assert r["pulses"] is not None and r["pulses"] % 4 == 0
        assert 1 <= r["first_pulse"] <= r["pulses"]
    # the second gate starts from the first gate's conductances
    assert not np.allclose(res[0]["g"], res[1]["g"])


def test_one_jump_model_keeps_only_last_pattern():
    # rate 1: only the last pattern (a = b = -1) is kept; for OR and NOR that
    # pattern's one-pattern table is AND and NAND
    res = reprogram_sequence(CompactModel.uniform(4, rate=1.0),
                             ["OR", "NOR"], max_cycles=3)
    assert [r["correct"] for r in res] == [False, False]
    assert truth_table(res[0]["w"])["gate"] == "AND"


def test_xor_not_learnable():
    assert xor_learnable() is False
    assert not threshold_learnable("XOR") and not threshold_learnable("XNOR")
    assert all(threshold_learnable(g) for g in LEARNABLE)
    for rule in rule_names():
        for rate in (0.1, 1.0):
            w = learn_gate_software("XOR", rule=rule, rate=rate)
            assert not truth_table(w, "XOR")["correct"]
    rng = np.random.default_rng(0)
    for _ in range(200):
        w = rng.standard_normal((4, 4))
        w = w + w.T
        np.fill_diagonal(w, 0)
        assert not truth_table(w, "XOR")["correct"]


def test_noise_table():
    w = {g: learn_gate_software(g) for g in LEARNABLE}
    tab = noise_table(w, [0.0, 0.05, 3.0], trials=50, seed=1)
    for g in LEARNABLE:
        assert tab[g]["accuracy"][:2] == [1.0, 1.0]
        assert tab[g]["fails_at"] == 3.0
    alpha = np.ones((4, 4))
    alpha[2, 3] = alpha[3, 2] = 2.0  # (out, bias): AND needs more than 3/2
    m = CompactModel(0.1 / (2 * alpha), alpha, 1.0)
    g = m.train(gate_patterns("AND"), cycles=30, record="final")[-1]
    tab = noise_table({"AND": g}, [0.0, 1.0], trials=50, weight_map=m.weight_map())
    assert tab["AND"]["accuracy"][0] == 1.0 and tab["AND"]["fails_at"] == 1.0


def test_bad_inputs():
    w = learn_gate_software("AND")
    with pytest.raises(ValueError, match="allowed: AND, OR"):
        gate_patterns("MAYBE")
    with pytest.raises(ValueError, match="Unknown gate"):
        learn_gate_software(3)
    for bad in (0, 2, "x", None, 0.5):
        with pytest.raises(ValueError, match="must be \\+1 or -1"):
            clamped_output(w, bad, 1)
    with pytest.raises(ValueError, match="Unknown rule .magic.; choose one of"):
        learn_gate_software("AND", rule="magic")
    with pytest.raises(ValueError, match="\\(4, 4\\)"):
        clamped_output(np.zeros((3, 3)), 1, 1)


def test_logic_command(capsys):
    assert main(["logic", "nand"]) == 0
    out = capsys.readouterr().out
    assert "learnt: yes" in out and "NAND" in out
    assert main(["logic", "and", "--rule", "compact"]) == 0
    out = capsys.readouterr().out
    assert "learnt: no" in out and "1.5 < --bias-ratio" in out
    assert main(["logic", "and", "--rule", "compact", "--bias-ratio", "2"]) == 0
    assert "learnt: yes" in capsys.readouterr().out
    assert main(["logic", "XOR", "--noise", "0.1", "--trials", "5"]) == 0
    out = capsys.readouterr().out
    assert "not linearly separable" in out
    # an undecided output (zero local field) is not printed as a sign
    assert "| 0 (undecided) |" in out
    assert main(["logic", "IMPLY"]) == 2
    assert "allowed" in capsys.readouterr().err


def test_characteristic_patterns():
    # one written pattern has the same output row signs as the outer-product
    # sum of the gate's four patterns: it programs AND, NAND and NOR alone
    for gate in ("AND", "NAND", "NOR"):
        p = logic.characteristic_pattern(gate)
        assert p[2] == 1 and len(set(p.tolist())) == 2  # not uniform
        w = np.outer(p, p).astype(float)
        np.fill_diagonal(w, 0)
        assert logic.truth_table(w, gate)["correct"]
        summed = logic.learn_gate_software(gate, "outer")
        assert np.array_equal(np.sign(w[2, [0, 1, 3]]), np.sign(summed[2, [0, 1, 3]]))
    assert pattern_string(logic.characteristic_pattern("AND")) == "+++-"
    # OR's would be uniform: it drives no current, so no single write holds OR
    assert logic.characteristic_pattern("OR") is None
    assert np.all(logic.learn_gate_software("OR", "outer")[2, [0, 1, 3]] > 0)
    with pytest.raises(ValueError, match="not a linear threshold unit"):
        logic.characteristic_pattern("XOR")
    with pytest.raises(ValueError, match="Unknown gate"):
        logic.characteristic_pattern("MAYBE")
