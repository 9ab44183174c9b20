"""The weight map calibrated over several patterns, and the saturated response.

``calibrate_patterns`` fits eq. (1)'s fixed points, ``G_ij = G_avg_ij + c_ij
v_i v_j``, over the trained states of several patterns. ``aligned_texture``
is the texture a film would keep if it followed the pattern's field exactly;
its conductances say what the AMR read-out of the 4-node square can store.
"""

import numpy as np
import pytest

import ubhop
from ubhop import runs
from ubhop.experiments import associative as am
from ubhop.experiments.aligned import aligned_conductances, aligned_texture
from ubhop.experiments.associative import energy_row, seven_patterns
from ubhop.hopfield import HopfieldNetwork
from ubhop.patterns import pattern_string
from ubhop.weights import calibrate_patterns

IU = np.triu_indices(4, 1)


def fixed_points(a, c, patterns):
    """Eq. (1)'s fixed points ``a + c v v^T`` (zero diagonal) per pattern."""
    out = []
    for p in patterns:
        v = ubhop.as_pattern(p).astype(float)
        g = a + c * np.outer(v, v)
        np.fill_diagonal(g, 0.0)
        out.append(g)
    return np.array(out)


def symmetric(rng, lo, hi):
    x = rng.uniform(lo, hi, (4, 4))
    x = 0.5 * (x + x.T)
    np.fill_diagonal(x, 0.0)
    return x


def test_calibrate_patterns_recovers_g_avg_and_slopes():
    rng = np.random.default_rng(1)
    a = symmetric(rng, 1e-2, 2e-2)
    c = -symmetric(rng, 1e-5, 5e-5)  # anti-Hebbian, a different 1/(2 alpha) per pair
    pats = seven_patterns()
    g = fixed_points(a, c, pats)
    wm = calibrate_patterns(g, pats)
    np.testing.assert_allclose(wm.g_ref[IU], a[IU], rtol=1e-10)
    np.testing.assert_allclose(wm.evidence["slopes"][IU], c[IU], rtol=1e-6)
    np.testing.assert_allclose(wm.evidence["r2"][IU], 1.0)
    assert wm.sign == -1 and wm.evidence["sign_agreement"] == 1.0
    # the weights are |c_ij| p_i p_j / G_scale: every pattern its own minimum
    for k, p in enumerate(pats):
        w = wm.weights(g[k])
        v = p.astype(float)
        np.testing.assert_allclose(w[IU], np.abs(c[IU]) * np.outer(v, v)[IU]
                                   / wm.g_scale, rtol=1e-6)
        assert energy_row(w, p)["is_minimum"]
    # a pattern left out is recovered from the six others
    for k in range(len(pats)):
        held = calibrate_patterns(g, pats, holdout=k)
        assert held.evidence["patterns"] == 6
        np.testing.assert_allclose(held.g_ref[IU], a[IU], rtol=1e-10)


def test_calibrate_patterns_sign_is_measured():
    rng = np.random.default_rng(2)
    a = symmetric(rng, 1e-2, 2e-2)
    c = symmetric(rng, 1e-5, 5e-5)  # Hebbian in G
    pats = seven_patterns()
    assert calibrate_patterns(fixed_points(a, c, pats), pats).sign == 1


def test_calibrate_patterns_bad_input():
    pats = seven_patterns()
    g = fixed_points(np.full((4, 4), 1e-2), np.full((4, 4), -1e-5), pats)
    with pytest.raises(ValueError, match=r"\(P, N, N\)"):
        calibrate_patterns(g[0], pats)
    with pytest.raises(ValueError, match="one pattern per matrix"):
        calibrate_patterns(g, pats[:5])
    with pytest.raises(ValueError, match="holdout must index"):
        calibrate_patterns(g, pats, holdout=7)
    with pytest.raises(ValueError, match=r"values \+1 or -1 only"):
        calibrate_patterns(g[:1], [[1, 0, 1, -1]])
    # every pattern has N and E equal: the NE pair cannot separate G_avg
    same = ["+++-", "++-+", "++--"]
    with pytest.raises(ValueError, match=r"Pair \(0, 1\) has v_i v_j = \+1"):
        calibrate_patterns(g[:3], same)
    flat = np.broadcast_to(g[0], g.shape)
    with pytest.raises(ValueError, match="slopes sum to zero"):
        calibrate_patterns(flat, pats)


def test_a_common_offset_favours_balanced_states():
    # what the fitted G_avg removes: adding c to every off-diagonal weight
    # shifts the energy of s by -c/2 ((sum s)^2 - N), whatever was trained
    rng = np.random.default_rng(3)
    w = symmetric(rng, -1, 1)
    off = 0.7 * (np.ones((4, 4)) - np.eye(4))
    states, e = HopfieldNetwork(w).landscape()
    _, e2 = HopfieldNetwork(w + off).landscape()
    np.testing.assert_allclose(e2 - e, -0.35 * (states.sum(axis=1) ** 2 - 4),
                               atol=1e-12)


@pytest.fixture(scope="module")
def square():
    return ubhop.Device.square4(size=0.5e-6, cell=(25e-9, 25e-9, None))


def test_aligned_texture_follows_the_in_plane_field(square):
    m = aligned_texture(square, "++--").array
    h = ubhop.oersted_field(square, [1.0, 1.0, -1.0, -1.0]).array
    np.testing.assert_allclose(np.linalg.norm(m, axis=-1), 1.0)
    assert np.all(m[..., 2] == 0)
    cross = m[..., 0] * h[..., 1] - m[..., 1] * h[..., 0]
    dot = m[..., 0] * h[..., 0] + m[..., 1] * h[..., 1]
    np.testing.assert_allclose(cross, 0.0, atol=1e-9 * np.abs(h).max())
    assert np.all(dot > 0)


def test_aligned_read_out_is_even_in_the_pattern(square):
    # the global flip reverses the field and m; AMR is even in m
    g = aligned_conductances(square, ["++-+", "--+-"])
    np.testing.assert_allclose(g[0], g[1], rtol=1e-12)


def test_aligned_read_out_stores_all_seven_patterns(square):
    # If the film kept the texture of the field, the 4-node square's AMR
    # read-out would make every one of the seven patterns its energy minimum,
    # with G_avg fitted over the other six (cross-validated) and an
    # anti-Hebbian slope on every pair.
    pats = seven_patterns()
    g = aligned_conductances(square, pats)
    whole = calibrate_patterns(g, pats)
    assert whole.sign == -1
    assert whole.evidence["sign_agreement"] == 1.0
    gaps = {}
    for k, p in enumerate(pats):
        held = calibrate_patterns(g, pats, holdout=k)
        row = energy_row(held.weights(g[k]), p)
        assert row["is_minimum"], row
        gaps[pattern_string(p)] = row["gap"] / np.abs(held.weights(g[k])).max()
    assert min(gaps.values()) > 1.0
    # the square's symmetry: the four three-against-one patterns are one
    # pattern rotated, "++--" and "+--+" are mirror images
    three = [gaps[k] for k in ("+++-", "++-+", "+-++", "+---")]
    np.testing.assert_allclose(three, three[0], rtol=1e-3)
    assert gaps["++--"] == pytest.approx(gaps["+--+"], rel=1e-3)
    # the read-out's limit: the quadrupolar "+-+-" leaves the centre almost
    # without field, and its N-S and E-W weights come out negative where the
    # pattern wants them positive, so asynchronous recall from two of its
    # one-bit corruptions stops at a spurious fixed point
    k = [pattern_string(p) for p in pats].index("+-+-")
    w = calibrate_patterns(g, pats, holdout=k).weights(g[k])
    assert w[0, 2] < 0 and w[1, 3] < 0
    rec = am.recall_table({"+-+-": w})
    assert sum(r["recalled"] for r in rec) == 2


def test_aligned_slopes_converge_with_cell_size():
    pats = seven_patterns()
    slopes = []
    for cell in (25e-9, 12.5e-9):
        dev = ubhop.Device.square4(size=0.5e-6, cell=(cell, cell, None))
        wm = calibrate_patterns(aligned_conductances(dev, pats), pats)
        slopes.append(wm.evidence["slopes"][IU] / wm.g_ref[IU])
    np.testing.assert_allclose(slopes[0], slopes[1], rtol=0.02)


def synthetic_experiment(tmp_path, a, c, pats, start):
    """Seven one-pulse runs whose trained G is eq. (1)'s fixed point."""
    for p in pats:
        name = pattern_string(p)
        hist = runs.new_history(4, start, attrs={})
        v = 1e-3 * p.astype(float)
        hist = runs.append_step(hist, fixed_points(a, c, [p])[0], p, v, 0)
        (tmp_path / name).mkdir()
        runs.write_history(tmp_path / name / "history.nc", hist)
    return tmp_path


def test_experiment_weights_with_the_fitted_reference(tmp_path):
    # G_avg lies away from the start: with the start as reference the common
    # part of the change makes the balanced states (sum s = 0) the minima of
    # every three-against-one pattern; the fitted reference recovers every
    # pattern.
    pats = seven_patterns()
    a = np.full((4, 4), 2e-2)
    c = np.full((4, 4), -4e-5)
    np.fill_diagonal(a, 0)
    start = a - 1.5e-4 * (np.ones((4, 4)) - np.eye(4))
    out = synthetic_experiment(tmp_path, a, c, pats, start)
    start_rows = {r["pattern"]: r for r in
                  am.energy_table(am.experiment_weights(out, reference="start"))}
    for name in ("+++-", "++-+", "+-++", "+---"):
        row = start_rows[name]
        assert not row["is_minimum"]
        assert all(m.count("+") == 2 for m in row["minima"]), row["minima"]
    for ref in ("patterns", "others"):
        w = am.experiment_weights(out, reference=ref)
        assert all(rw.reference == ref and rw.sign == -1 for rw in w.values())
        assert all(r["is_minimum"] for r in am.energy_table(w))
        assert all(r["recalled"] for r in am.recall_table(w))
    with pytest.raises(ValueError, match="reference must be one of"):
        am.experiment_weights(out, reference="mean")
    with pytest.raises(ValueError, match="single run"):
        am.run_weights(out / "++--", reference="patterns")
