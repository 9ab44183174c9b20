"""Learning laws as registered rules: fixed points, convergence, bad input.

Norms: Frobenius throughout. "Within 1 %" means
``||A - B||_F / ||B||_F < 0.01`` over the whole matrix.
"""

import numpy as np
import pytest

import ubhop
from ubhop import laws
from ubhop.accuracy import capacity_curve, standard_rules
from ubhop.cli import main
from ubhop.hopfield import outer_product, projection
from ubhop.letters import letters
from ubhop.rules import RULES, learn, rule_names

LAWS = ("eq1", "eq1-voltage", "oja", "oja-symmetric")


def _random_patterns(p, n, seed):
    return np.random.default_rng(seed).choice([-1, 1], size=(p, n))


def _projector(x):
    """The projection onto the span of the patterns, diagonal kept."""
    xt = np.asarray(x, dtype=float).T
    return xt @ np.linalg.pinv(xt)


def _rel(a, b):
    return np.linalg.norm(a - b) / np.linalg.norm(b)


# --- Oja's subspace rule ------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1])
def test_oja_gram_matrix_reaches_the_projection_matrix(seed):
    x = _random_patterns(5, 24, seed)
    res = laws.oja(x, eta=0.2, seed=seed)
    assert res.converged and res.change < res.tol
    gram = res.state.T @ res.state
    # W^T W, diagonal included, within 1 % of X X^+ (Frobenius)
    assert _rel(gram, _projector(x)) < 0.01
    # and the rule's weights are the projection rule's
    assert _rel(res.w, projection(x)) < 0.01
    # far from the outer product: the two rules differ on these patterns
    assert _rel(res.w / np.abs(res.w).max(),
                outer_product(x) / np.abs(outer_product(x)).max()) > 0.05


def test_oja_with_as_many_outputs_as_patterns_is_exact_too():
    x = _random_patterns(4, 20, 3)
    res = laws.oja(x, eta=0.2, outputs=4)
    assert res.state.shape == (4, 20)
    # P outputs: the rows of W become an orthonormal basis of the span
    assert np.allclose(res.state @ res.state.T, np.eye(4), atol=1e-6)
    assert _rel(res.state.T @ res.state, _projector(x)) < 1e-5


def test_oja_symmetric_reaches_the_projection_matrix():
    x = _random_patterns(6, 24, 2)
    res = laws.oja_symmetric(x, eta=0.2)
    assert res.converged
    assert _rel(res.state, _projector(x)) < 0.01
    assert _rel(res.w, projection(x)) < 0.01


def test_oja_symmetric_step_is_oja_on_the_gram_matrix():
    # Oja's rule depends on W only through Q = W^T W: one exact step on Q is
    # one step on W, for any W
    rng = np.random.default_rng(5)
    w = rng.standard_normal((7, 7)) / 3
    e = 0.3 / 7
    for x in rng.choice([-1.0, 1.0], size=(5, 7)):
        q = w.T @ w
        y = w @ x
        w = w + e * np.outer(y, x - w.T @ y)
        q_next = laws.oja_symmetric_step(q, x, e)
        assert np.allclose(q_next, w.T @ w, rtol=0, atol=1e-12 * np.abs(q).max())
        # the first-order form misses the (e^2) term, which does not vanish
        assert not np.allclose(laws.oja_symmetric_step(q, x, e, order="first"),
                               w.T @ w, rtol=0, atol=1e-12)


def test_the_first_order_symmetric_form_runs_away():
    with pytest.raises(RuntimeError, match="diverged.*order='exact'"):
        laws.oja_symmetric(letters("EFHP"), eta=0.1, order="first")


def test_oja_laws_are_the_projection_rule_on_similar_letters():
    x = letters("EFHP")
    for name in ("oja", "oja-symmetric"):
        w = learn(name, x)
        # what is left is the start (init^2 = 1e-6) outside the letters' span
        assert _rel(w, projection(x)) < 1e-3
        assert np.corrcoef(w.ravel(), projection(x).ravel())[0, 1] > 0.9999


# --- eq. (1) ------------------------------------------------------------------

@pytest.mark.parametrize("pulses", [1, 3])
def test_eq1_cycle_mean_is_the_outer_product(pulses):
    x = _random_patterns(5, 16, 4)
    res = laws.eq1(x, eta=0.02, pulses=pulses, v0=2.0)
    assert res.converged and res.change < 1e-9
    p, n = x.shape
    # exact: the mean of G - G_avg over the steady cycle is <V_i V_j> / (2 alpha)
    assert np.allclose(res.w_mean, (n / p) * outer_product(x), rtol=1e-7, atol=1e-9)


def test_eq1_weights_at_one_instant_lean_to_the_last_pattern():
    x = _random_patterns(5, 16, 4)
    iu = np.triu_indices(16, 1)

    def corr(w, ref):
        return np.corrcoef(w[iu], ref[iu])[0, 1]

    fast = laws.eq1(x, eta=0.05).w   # rate 0.1 per pulse
    slow = laws.eq1(x, eta=0.002).w  # rate 0.004 per pulse
    last = outer_product(x[-1:])
    # slow learning: proportional to the outer product (centred: G_avg = 0)
    assert corr(slow, outer_product(x)) > 0.999
    assert corr(fast, outer_product(x)) < corr(slow, outer_product(x))
    assert corr(fast, last) > corr(slow, last)


def test_eq1_rule_is_the_compact_model():
    # the registered rule runs CompactModel; the same model's steady cycle
    # starts where the law ends
    x = letters("BCGO")
    res = laws.eq1(x, eta=0.005)
    model = ubhop.CompactModel(0.005, 1.0, 0.0, n=35)
    steady = model.steady_cycle(x)
    # tol 1e-9 per cycle, contraction 0.99^4 per cycle: within ~3e-8 relative
    assert np.allclose(res.state, steady[0], rtol=0, atol=1e-7)
    assert np.allclose(learn("eq1", x), res.w)


def test_eq1_skips_uniform_patterns_and_rejects_only_uniform():
    x = np.array([[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1]])
    res = laws.eq1(x)
    assert np.allclose(res.w_mean, (4 / 2) * outer_product(x[1:]), atol=1e-9)
    with pytest.raises(ValueError, match="No pattern drives current"):
        laws.eq1([[1, 1, 1], [-1, -1, -1]])
    with pytest.raises(ValueError, match="No pattern drives current"):
        laws.eq1_voltage([[1, 1, 1]])


def test_voltage_alpha_follows_the_voltage_difference():
    a = laws.voltage_alpha([1, -1, 1], alpha=2.0, floor=0.25)
    assert a[0, 1] == 2.0 and a[0, 2] == 0.5 and a[1, 2] == 2.0
    assert np.all(np.diag(a) == 0)


def test_eq1_voltage_fixed_point_and_pairs_that_never_relax():
    x = np.array([[1, 1, -1, 1, -1], [1, 1, 1, -1, -1], [1, 1, -1, -1, 1]])
    eta, alpha, v0 = 0.01, 2.0, 1.5
    res = laws.eq1_voltage(x, eta=eta, alpha=alpha, v0=v0)
    assert res.converged
    # nodes 0 and 1 are equal in every pattern: no decay, no fixed point
    assert res.never_relax == [(0, 1)]
    # it grows by eta v0^2 per pulse, here and in one more cycle
    g = res.state
    assert g[0, 1] == pytest.approx(res.cycles * 3 * eta * v0**2, rel=1e-9)
    # every other pair: over the steady cycle, the mean of D just before the
    # pulses in which the pair differs is v0^2 (n_same - n_differ) / (2 alpha n_d)
    before, gg = [], g.copy()
    for p in x.astype(float):
        before.append(gg.copy())
        differ = p[:, None] != p[None, :]
        gg = gg + eta * (v0**2 * np.outer(p, p) - 2 * alpha * differ * gg)
    before = np.array(before)
    for i, j in zip(*np.triu_indices(5, 1), strict=True):
        if (i, j) == (0, 1):
            continue
        d = x[:, i] != x[:, j]
        n_d, n_s = d.sum(), (~d).sum()
        expect = v0**2 * (n_s - n_d) / (2 * alpha * n_d)
        assert before[d, i, j].mean() == pytest.approx(expect, rel=1e-6, abs=1e-9)
        assert np.allclose(gg[i, j], g[i, j], rtol=1e-8)


def test_eq1_voltage_with_full_floor_is_eq1():
    x = letters("inqc")
    a = laws.eq1_voltage(x, floor=1.0)
    b = laws.eq1(x)
    assert a.never_relax == []
    assert np.allclose(a.w, b.w, rtol=1e-9, atol=1e-12)


def test_eq1_voltage_is_not_the_outer_product_on_letters():
    x = letters("EFHP")
    w = learn("eq1-voltage", x, floor=0.1)
    iu = np.triu_indices(35, 1)
    assert np.corrcoef(w[iu], outer_product(x)[iu])[0, 1] < 0.95


# --- convergence reporting -------------------------------------------------------

@pytest.mark.parametrize("law", [laws.eq1, laws.eq1_voltage, laws.oja,
                                 laws.oja_symmetric])
def test_unconverged_laws_warn_or_raise(law):
    x = letters("BCGO")
    with pytest.warns(laws.NotConvergedWarning, match="did not converge in "
                                                      "max_cycles = 3"):
        res = law(x, max_cycles=3)
    assert not res.converged and res.cycles == 3 and res.change > res.tol
    with pytest.raises(RuntimeError, match="did not converge"):
        law(x, max_cycles=3, on_max="raise")
    res = law(x, max_cycles=3, on_max="ignore")
    assert not res.converged


def test_changes_fall_to_the_tolerance():
    res = laws.oja(letters("inqc"), tol=1e-6)
    assert res.converged and res.changes[-1] < 1e-6 <= res.changes[-2]
    # Oja's approach is geometric at the end
    tail = res.changes[-20:]
    assert np.all(np.diff(tail) < 0)


def test_relative_change():
    a = np.array([[0.0, 1.0], [1.0, 0.0]])
    assert laws.relative_change(a, a) == 0.0
    assert laws.relative_change(a, 2 * a) == pytest.approx(0.5)
    assert laws.relative_change(a, 0 * a) == float("inf")


# --- bad input ------------------------------------------------------------------

@pytest.mark.parametrize("name", LAWS)
def test_bad_patterns_are_rejected(name):
    with pytest.raises(ValueError, match="\\+1 or -1"):
        learn(name, [[1, 0, -1, 1]])
    with pytest.raises(ValueError, match="\\+1 or -1"):
        learn(name, [[1, np.nan, -1, 1]])
    with pytest.raises(ValueError, match="shape"):
        learn(name, np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="'\\+' and '-'"):
        learn(name, ["++-x"])


@pytest.mark.parametrize("name", LAWS)
@pytest.mark.parametrize("eta", [0.0, -0.1, 1.0, 5.0])
def test_eta_out_of_range_is_rejected(name, eta):
    with pytest.raises(ValueError, match="eta must lie in \\(0, 1\\)"):
        learn(name, ["++--", "+-+-"], eta=eta)


@pytest.mark.parametrize("name", LAWS)
def test_non_finite_options_are_rejected(name):
    for key in ("eta", "tol"):
        for bad in (np.nan, np.inf, "fast", None):
            with pytest.raises(ValueError, match=f"{key} must be a"):
                learn(name, ["++--", "+-+-"], **{key: bad})


def test_other_bad_options_are_rejected():
    x = ["++--", "+-+-"]
    with pytest.raises(ValueError, match="eta < 1 / alpha = 0.5"):
        laws.eq1(x, eta=0.6, alpha=2.0)
    with pytest.raises(ValueError, match="alpha must lie in"):
        laws.eq1(x, alpha=0.0)
    with pytest.raises(ValueError, match="floor must lie in \\[0, 1\\]"):
        laws.eq1_voltage(x, floor=1.5)
    with pytest.raises(ValueError, match="v0 must lie in"):
        laws.eq1(x, v0=-1.0)
    with pytest.raises(ValueError, match="pulses must be an int >= 1"):
        laws.oja(x, pulses=0)
    with pytest.raises(ValueError, match="max_cycles must be an int >= 1"):
        laws.oja(x, max_cycles=2.5)
    with pytest.raises(ValueError, match="outputs must be an int >= 1"):
        laws.oja(x, outputs=0)
    with pytest.raises(ValueError, match="init must lie in"):
        laws.oja_symmetric(x, init=0.0)
    with pytest.raises(ValueError, match="order must be 'exact' or 'first'"):
        laws.oja_symmetric(x, order="second")
    with pytest.raises(ValueError, match="on_max must be one of"):
        laws.eq1(x, on_max="shout")
    with pytest.raises(TypeError, match="unexpected keyword"):
        learn("oja", x, rate=0.1)


# --- the registry and its users ---------------------------------------------------

def test_the_laws_are_registered_with_table_safe_labels():
    names = rule_names()
    assert names[:3] == ["outer", "projection", "compact"]
    for name in LAWS:
        assert name in names
        rule = RULES[name]
        assert rule.label and "|" not in rule.label and rule.description
    assert len({RULES[n].label for n in names}) == len(names)


def test_standard_rules_and_capacity_read_the_registry():
    x = letters("inqc")
    rules = standard_rules(x, names=["oja", "eq1"], options={"oja": {"eta": 0.3}})
    assert list(rules) == ["Oja subspace (W^T W)", "eq. (1), uniform alpha"]
    assert _rel(rules["Oja subspace (W^T W)"], projection(x)) < 1e-3
    with pytest.raises(ValueError, match="options given for rules not in names"):
        standard_rules(x, names=["oja"], options={"eq1": {}})
    rows = capacity_curve(24, [3, 8], rules=["outer", "oja"], draws=3, seed=1)
    stable = {(r["p"], r["rule"]): r["stable"] for r in rows}
    # Oja keeps every independent set as fixed points, like the projection
    assert stable[(8, "Oja subspace (W^T W)")] == 1.0
    assert stable[(3, "outer product")] == 1.0


def test_letters_command_takes_registry_rules(capsys):
    assert main(["letters", "--letters", "inqc", "--rules", "outer", "oja",
                 "--trials", "20", "--k-max", "1"]) == 0
    out = capsys.readouterr().out
    assert "| k | outer product | Oja subspace (W^T W) |" in out
    with pytest.raises(SystemExit):
        main(["letters", "--rules", "hebb"])
    assert "invalid choice: 'hebb'" in capsys.readouterr().err
