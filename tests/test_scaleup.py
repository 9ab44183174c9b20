"""The 35-node letters device: layouts, weights of a run, the device as a rule."""

import numpy as np
import pytest

import ubhop
import ubhop.cli
from ubhop import runs
from ubhop.cli import main
from ubhop.engines.magnumnp import magnumnp_available
from ubhop.experiments.scaleup import (
    device_rules,
    device_weights,
    field_coverage,
    letters_config,
    letters_device,
    trained_patterns,
)
from ubhop.letters import letters
from ubhop.training import train

needs_magnumnp = pytest.mark.skipif(not magnumnp_available(),
                                    reason='needs the magnum.np extra: '
                                           'pip install "ubhop[magnumnp]"')


def test_grid_nodes_follow_the_bitmap_reading_order():
    dev = letters_device("grid", size=1e-6, cell=20e-9)
    assert dev.n_nodes == 35
    centres = np.array([p.centre for p in sorted(dev.pads, key=lambda p: p.node)])
    x, y = centres[:, 0].reshape(7, 5), centres[:, 1].reshape(7, 5)
    assert np.all(np.diff(x, axis=1) > 0)  # left to right along a row
    assert np.all(np.diff(y, axis=0) < 0)  # row 0 on top
    ring = letters_device("ring", size=1e-6, cell=20e-9)
    assert ring.n_nodes == 35
    L = 1e-6
    for p in ring.pads:  # every ring pad touches an edge of the film
        assert min(p.x[0], p.y[0]) == 0 or max(p.x[1], p.y[1]) == pytest.approx(L)


def test_grid_field_reaches_more_of_the_film_than_the_ring():
    # the reason the interior grid trains more of the film: its currents run
    # between neighbouring pads everywhere, the ring's only along the edges
    cover = {layout: field_coverage(letters_device(layout, size=1e-6, cell=20e-9),
                                    letters("BCGO"))["above"]
             for layout in ("grid", "ring")}
    assert cover["grid"] > 1.5 * cover["ring"]
    assert cover["grid"] > 0.5


def synthetic_history(names, g0, step, sign=-1):
    """A one-jump film: every pulse sets G = G0 + sign * step * x x^T."""
    x = letters(names)
    n = x.shape[1]
    hist = runs.new_history(n, g0, {})
    for t, (k, p) in enumerate([(k, p) for _ in range(2) for k, p in enumerate(x)]):
        g = g0 + sign * step * np.outer(p, p)
        hist = runs.append_step(hist, g, p, 1e-3 * p, segment=k + t // len(x) * len(x))
    return hist, x


def test_device_weights_of_a_one_jump_film_keep_the_last_letter():
    rng = np.random.default_rng(0)
    a = rng.uniform(1e-4, 2e-4, (35, 35))
    g0 = a + a.T
    hist, x = synthetic_history("BCGO", g0, 1e-7, sign=-1)
    assert [ubhop.patterns.pattern_string(p) for p in trained_patterns(hist)] == [
        ubhop.patterns.pattern_string(p) for p in x]
    w, info = device_weights(hist)
    assert info["sign"] == -1  # anti-Hebbian in G, found from the data
    assert info["corr_outer_last"] == pytest.approx(1.0, abs=1e-9)
    assert info["corr_outer_all"] < 0.99
    assert np.allclose(w, w.T) and np.all(np.diag(w) == 0)
    # the first pulse sets -x x^T exactly; later ones swap one letter for the next
    assert info["corr_pulse"][0] == pytest.approx(-1.0, abs=1e-9)
    assert max(info["corr_pulse"]) < 0
    # the last letter is a fixed point of these weights, the others need not be
    net = ubhop.HopfieldNetwork(w)
    assert np.array_equal(net.recall(x[-1]), x[-1])


def test_bad_input_gives_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="layout must be one of"):
        letters_device("spiral")
    with pytest.raises(ValueError, match="35 pixels but the device has 4 nodes"):
        letters_config("AB", ubhop.Device.square4(size=200e-9,
                                                  cell=(10e-9, 10e-9, None)))
    hist, _ = synthetic_history("BC", 1e-4 * np.ones((35, 35)), 1e-7)
    (tmp_path / "run").mkdir()
    runs.write_history(tmp_path / "run" / "history.nc", hist)
    with pytest.raises(ValueError, match="not on the letters asked for"):
        device_rules([tmp_path / "run"], letters("BCGO"))


@pytest.mark.magnumnp
@needs_magnumnp
def test_small_35_node_device_trains_and_becomes_a_rule(tmp_path, capsys):
    dev = letters_device("grid", size=1e-6, cell=20e-9)
    cfg = letters_config("BC", dev, pulses=1, cycles=1, pulse_duration=0.1e-9,
                         engine="magnumnp")
    hist = train(cfg, tmp_path / "run", progress=False)
    assert hist.sizes["step"] == 3
    g = hist.G.values
    np.testing.assert_allclose(g, np.swapaxes(g, 1, 2), rtol=1e-10)
    # the stored G is the AMR conductance of the stored texture
    m0 = runs.read_field(runs.texture_path(tmp_path / "run", 0))
    np.testing.assert_allclose(ubhop.conductance_matrix(dev, m0), g[0], rtol=1e-9)
    assert main(["letters", "--letters", "BC", "--trials", "5", "--k-max", "2",
                 "--device", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "device (run)" in out


def test_cli_puts_a_run_beside_the_rules(tmp_path, capsys):
    rng = np.random.default_rng(1)
    a = rng.uniform(1e-4, 2e-4, (35, 35))
    hist, x = synthetic_history("BCGO", a + a.T, 1e-7, sign=-1)
    (tmp_path / "film").mkdir()
    runs.write_history(tmp_path / "film" / "history.nc", hist)
    assert ubhop.cli.main(["letters", "--letters", "BCGO", "--trials", "50",
                           "--k-max", "1", "--device", str(tmp_path / "film")]) == 0
    out = capsys.readouterr().out
    head = next(line for line in out.splitlines() if line.startswith("| k |"))
    row = next(line for line in out.splitlines() if line.startswith("| all |"))
    cols = [c.strip() for c in head.strip("|").split("|")]
    cells = [c.strip() for c in row.strip("|").split("|")]
    # a one-jump film keeps only its last letter: one letter in four, like the
    # compact one-jump model on the same inputs
    dev = cells[cols.index("device (film)")]
    assert dev == cells[cols.index("compact, one-jump")]
    assert dev.startswith("25.0")
