"""Recall accuracy: distortions, Wilson intervals, rule comparisons, capacity."""

import json

import numpy as np
import pytest
from scipy.linalg import hadamard

import ubhop
from ubhop.accuracy import (
    accuracy_table,
    capacity_curve,
    classify,
    distort,
    stable_fraction,
    summary_rows,
    wilson_interval,
)
from ubhop.cli import main
from ubhop.experiments.scaleup import letters_accuracy
from ubhop.letters import UPPERCASE, letters
from ubhop.report import format_accuracy_table


def test_wilson_interval_contains_estimate_and_narrows():
    for n in (1, 7, 50, 1000):
        for s in sorted({0, 1, n // 3, n // 2, n - 1, n}):
            lo, hi = wilson_interval(s, n)
            assert 0.0 <= lo <= s / n <= hi <= 1.0
    assert wilson_interval(0, 20)[0] == 0.0 and wilson_interval(20, 20)[1] == 1.0
    assert wilson_interval(0, 20)[1] > 0.0        # unlike the Wald interval
    widths = [np.subtract(*wilson_interval(3 * n // 10, n)[::-1])
              for n in (10, 100, 1000, 10000)]
    assert all(a > b for a, b in zip(widths, widths[1:], strict=False))
    # about 1 / sqrt(n): a hundred times the trials, a tenth of the width
    assert widths[1] / widths[3] == pytest.approx(10, rel=0.05)
    # the textbook value (Wilson 1927; e.g. 97 of 100)
    lo, hi = wilson_interval(97, 100)
    assert (lo, hi) == pytest.approx((0.9155, 0.9897), abs=1e-4)
    # and its coverage is near 95 %: simulate binomial draws at p = 0.3
    rng = np.random.default_rng(0)
    draws = rng.binomial(200, 0.3, size=2000)
    cover = np.mean([wilson_interval(int(s), 200)[0] <= 0.3
                     <= wilson_interval(int(s), 200)[1] for s in draws])
    assert 0.93 < cover < 0.97
    with pytest.raises(ValueError, match="n must be"):
        wilson_interval(0, 0)
    with pytest.raises(ValueError, match="successes"):
        wilson_interval(5, 4)


def test_distort_flips_exactly_k_uniform_pixels():
    x = letters("AB")
    for k in (0, 1, 4, 7, 35):
        d = distort(x, k, 200, seed=1)
        assert d.shape == (2, 200, 35)
        assert np.all((d != x[:, None, :]).sum(axis=-1) == k)
    np.testing.assert_array_equal(distort(x, 3, 50, seed=[4, 3]),
                                  distort(x, 3, 50, seed=[4, 3]))
    # every pixel is equally likely: 7000 single flips, 200 expected per pixel
    d = distort(x[:1], 1, 7000, seed=2)
    counts = (d != x[0]).sum(axis=(0, 1))
    assert counts.sum() == 7000
    assert np.abs(counts - 200).max() < 5 * np.sqrt(200)
    with pytest.raises(ValueError, match=r"k must be an int in \[0, 35\]"):
        distort(x, 36, 10)
    with pytest.raises(ValueError, match=r"k must be"):
        distort(x, -1, 10)
    with pytest.raises(ValueError, match="trials"):
        distort(x, 1, 0)


def test_success_means_exactly_the_stored_pattern():
    x = np.array([[1, 1, 1, 1, -1, -1, -1, -1]], dtype=np.int8)
    final = np.stack([x[0], -x[0], x[0] * [1, -1, 1, 1, 1, 1, 1, 1]])[None]
    assert classify(final, x).tolist() == [[0, 1, 3]]
    # one stored pattern, inputs closer to its flip end on the flip: no success
    rows = accuracy_table(x, {"outer product": ubhop.outer_product(x)},
                          ks=[1, 7], trials=20)
    assert rows[0]["accuracy"] == 1.0 and rows[0]["flipped"] == 0.0
    assert rows[1]["accuracy"] == 0.0 and rows[1]["flipped"] == 1.0
    # ending on another stored letter (or its flip) is "other"
    e, f = letters("EF")
    spurious = e * np.where(np.arange(35) < 3, -1, 1)
    final = np.array([[f, -f], [e, spurious]])
    assert classify(final, np.array([e, f])).tolist() == [[2, 2], [2, 3]]


def test_projection_stores_any_independent_set_exactly():
    x = letters(UPPERCASE)                  # 26 independent, highly similar letters
    w = ubhop.projection(x)
    assert stable_fraction(w, x) == 1.0
    rows = accuracy_table(x, {"projection": w}, ks=[0], trials=1)
    assert rows[0]["accuracy"] == 1.0
    # the outer product cannot hold them (26 > 0.14 N)
    assert stable_fraction(ubhop.outer_product(x), x) < 0.5


def test_orthogonal_patterns_are_recalled_by_the_outer_product():
    # Hadamard rows are orthogonal. From x^1 with k flips the local field is
    # h_i x^1_i >= [N - 2k - 2k (P - 1) - P] / N > 0 while 2 k P + P < N, so
    # for P = 3, N = 32 every k <= 4 is corrected and every trial succeeds
    x = hadamard(32)[1:4].astype(np.int8)
    rows = accuracy_table(x, {"outer product": ubhop.outer_product(x)},
                          ks=[1, 3, 4], trials=100)
    assert [r["accuracy"] for r in rows] == [1.0, 1.0, 1.0]


def test_rules_see_the_same_inputs_and_letters_compare():
    x = letters("BCGO")                     # the most similar four capitals
    w = ubhop.projection(x)
    rows = accuracy_table(x, {"a": w, "b": w.copy()}, ks=[2, 5], trials=100)
    a = [r for r in rows if r["rule"] == "a"]
    b = [r for r in rows if r["rule"] == "b"]
    for ra, rb in zip(a, b, strict=True):
        assert ra["successes"] == rb["successes"] and ra["n_trials"] == 400
        assert ra["ci_low"] <= ra["accuracy"] <= ra["ci_high"]
    rows = letters_accuracy(x, trials=100, k_max=2, seed=0)
    acc = {(r["k"], r["rule"]): r["accuracy"] for r in rows}
    # similar letters: the outer product merges them, the projection keeps them
    assert acc[1, "projection"] > 0.9 > 0.1 > acc[1, "outer product"]
    # a one-jump learner keeps only the last letter: 1/4 of the trials
    assert acc[1, "compact, one-jump"] == pytest.approx(0.25)
    # more trials, narrower intervals
    wide = accuracy_table(x, {"p": w}, ks=[3], trials=25)[0]
    narrow = accuracy_table(x, {"p": w}, ks=[3], trials=400)[0]
    assert narrow["ci_high"] - narrow["ci_low"] < 0.5 * (wide["ci_high"]
                                                         - wide["ci_low"])
    table = format_accuracy_table(rows + summary_rows(rows))
    assert "| all |" in table and "projection" in table
    with pytest.raises(ValueError, match="must be"):
        accuracy_table(x, {"bad": np.eye(4)}, ks=[1], trials=2)
    with pytest.raises(ValueError, match="k must be"):
        accuracy_table(x, {"p": w}, ks=[40], trials=2)
    with pytest.raises(ValueError, match="k_max"):
        letters_accuracy(x, k_max=0)


def test_outer_product_capacity_collapses_projection_does_not():
    # N = 200: at 0.05 N every pattern is a fixed point; at 0.25 N almost none,
    # and recall from the pattern itself drifts far from it (the retrieval
    # overlap just below the 0.138 N transition is 0.967)
    rows = capacity_curve(200, [10, 50], draws=6, seed=0)
    r = {(row["p"], row["rule"]): row for row in rows}
    low, high = r[10, "outer product"], r[50, "outer product"]
    assert low["stable"] == 1.0 and low["exact"] == 1.0 and low["overlap"] == 1.0
    assert high["stable"] < 0.1 and high["exact"] < 0.1 and high["overlap"] < 0.8
    assert r[50, "projection"]["stable"] == 1.0 and r[50, "projection"]["exact"] == 1.0
    assert high["n_patterns"] == 300
    with pytest.raises(ValueError, match="Unknown rule"):
        capacity_curve(20, [2], rules=["hebb"])


def test_letters_command(tmp_path, capsys):
    out = tmp_path / "rows.json"
    assert main(["letters", "--trials", "20", "--k-max", "2", "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "'BCGO'" in text and "| all |" in text
    data = json.loads(out.read_text())
    assert data["letters"] == "BCGO" and len(data["rows"]) == 2 * 4
    assert main(["letters", "--letters", "AB3", "--trials", "2", "--k-max", "1"]) == 2
    assert "Unknown letter" in capsys.readouterr().err
