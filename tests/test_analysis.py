"""Analysis of a training history: eq. (1) fit, weight map, surviving fraction."""

import numpy as np
import pytest

import ubhop
from ubhop import runs
from ubhop.analysis import analyse, pulse_products
from ubhop.learning import oja_trajectory
from ubhop.weights import calibrate


def synthetic_run(tmp_path, eta, kept=0.5, pulses=6):
    """A run directory whose G follows eq. (1) exactly; each pulse overshoots so
    that a fraction ``kept`` of its change survives relaxation."""
    pats = ["++--"] * pulses + ["+--+"] * pulses
    v0 = 1e-3
    volts = np.array([v0 * ubhop.as_pattern(p) for p in pats])
    prods = volts[:, :, None] * volts[:, None, :]
    prods[:, np.arange(4), np.arange(4)] = 0
    g0 = np.full((4, 4), 2e-2)
    np.fill_diagonal(g0, 0)
    alpha = 0.3 / (2 * eta)  # rate 0.3 per pulse
    g = oja_trajectory(g0, prods, eta, alpha, g0)
    g[:, np.arange(4), np.arange(4)] = 0
    hist = runs.new_history(4, g[0], attrs={})
    hist["G_pulse"] = (("step", "i", "j"), np.full((1, 4, 4), np.nan))
    for t in range(len(pats)):
        seg = 0 if t < pulses else 1
        hist = runs.append_step(hist, g[t + 1], ubhop.as_pattern(pats[t]), volts[t],
                                seg)
        hist["G_pulse"][-1] = g[t] + (g[t + 1] - g[t]) / kept
    runs.write_history(tmp_path / "history.nc", hist)
    return tmp_path, g, prods


@pytest.mark.parametrize("eta", [-200.0, 150.0])
def test_analyse_recovers_law_sign_and_survival(tmp_path, eta):
    run_dir, g, prods = synthetic_run(tmp_path, eta)
    result = analyse(run_dir)
    s = result["summary"]
    assert s["min_r2"] > 0.999
    for p in s["pairs"]:
        assert p["rate"] == pytest.approx(0.3, rel=1e-6)
    assert s["eta_S_per_V2"] == pytest.approx(eta, rel=1e-6)
    # the weight map's sign is the sign of eta: measured, not assumed
    assert result["weight_map"].sign == np.sign(eta)
    np.testing.assert_allclose(s["surviving_fraction"]["first_of_segment"], 0.5)
    np.testing.assert_allclose(pulse_products(result["history"]), prods)
    # trained weights carry the last pattern: W_ij has the sign of p_i p_j
    w = result["weight_map"].weights(g[-1])
    p = ubhop.as_pattern("+--+")
    off = ~np.eye(4, dtype=bool)
    assert np.all(np.sign(w[off]) == np.outer(p, p)[off])
    net = ubhop.HopfieldNetwork(w)
    assert {tuple(m) for m in net.minima()} == {tuple(p), tuple(-p)}


def test_calibrate_refuses_a_history_without_change(tmp_path):
    run_dir, g, _ = synthetic_run(tmp_path, -200.0)
    hist = runs.read_history(run_dir / "history.nc")
    hist["G"][:] = hist.G.values[0]
    with pytest.raises(ValueError, match="sign of the weight map cannot"):
        calibrate(hist)
