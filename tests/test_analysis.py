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


def test_fig2_draws_the_fitted_law_with_whole_pulse_ticks_pads_and_scale(tmp_path):
    import discretisedfield as df
    import matplotlib.pyplot as plt

    from ubhop.figures import fig2, law_curves

    run_dir, g, prods = synthetic_run(tmp_path, -200.0)
    result = analyse(run_dir)
    fit = result["fit"]
    # the law between pulses passes through eq. (1) at every whole pulse
    s, curve = law_curves(g[0], prods, *fit.parameters(), samples=8)
    whole = np.isclose(s, np.round(s))
    traj = fit.theory(g[0], prods)
    np.testing.assert_allclose(curve[whole][:, 0, 1], traj[:, 0, 1], rtol=1e-12)
    # and in between it approaches the fixed point geometrically (monotonic)
    seg = curve[(s > 0) & (s <= 6), 0, 1]
    assert np.all(np.diff(seg) < 0) or np.all(np.diff(seg) > 0)
    dev = ubhop.Device.square4(size=100e-9, cell=(10e-9, 10e-9, None))
    m = df.Field(dev.mesh, nvdim=3, value=(1, 1, 0), norm=1.0)
    fig = fig2(result["history"], fit, traj, [(0, m), (12, m)],
               node_names=dict(enumerate("NESW")), products=prods, pads=dev.pads)
    ax = fig.axes[0]
    ticks = ax.get_xticks()
    assert np.allclose(ticks, np.round(ticks))  # whole pulses only
    # 6 pairs: data, fitted law between pulses, eq. (1) at whole pulses
    assert len(ax.lines) >= 3 * 6
    panels = [a for a in fig.axes[1:] if a.images]
    assert len(panels) == 2 and all(len(a.patches) == 4 for a in panels)
    assert any(a.get_ylabel().startswith("in-plane angle") for a in fig.axes)
    plt.close(fig)


def test_history_carries_node_names_units_and_a_title(tmp_path):
    hist = runs.new_history(4, np.eye(4), attrs={}, names=list("NESW"))
    assert list(hist.node_name.values) == ["N", "E", "S", "W"]
    assert hist.attrs["title"] and hist.G.attrs["units"] == "S"
    hist = runs.append_step(hist, np.eye(4), [1, 1, -1, -1], [1, 1, -1, -1], 0)
    runs.write_history(tmp_path / "h.nc", hist)
    back = runs.read_history(tmp_path / "h.nc")
    assert list(back.i_name.values) == ["N", "E", "S", "W"]
    assert back.step.attrs["long_name"].startswith("pulse number")
    assert ubhop.Device.square4().node_names == ["N", "E", "S", "W"]
    assert ubhop.Device.ring(5).node_names == ["0", "1", "2", "3", "4"]
