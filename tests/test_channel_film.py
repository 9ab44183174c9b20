"""ubhop.ChannelFilm: the pair-channel design as a film the engines simulate.

Biot-Savart of the lines against closed forms, the drive's symmetries, the
series AMR readout's limits, the TOML round trip, and on the engines: one
0 K pulse writes each row by the sign of V_i V_j, the same on OOMMF and
magnum.np.
"""

import math
import shutil

import discretisedfield as df
import numpy as np
import pytest

import ubhop
from ubhop.analytic import strip_field
from ubhop.channel_film import ChannelFilm, segment_field, sheet_field
from ubhop.engines import oommf_runners
from ubhop.engines.magnumnp import magnumnp_available
from ubhop.validation import check_magnetisation


@pytest.fixture(scope="module")
def film():
    return ChannelFilm(n_nodes=3, units=2, cell=10e-9, row_pitch=320e-9, dummies=0)


def test_long_filament_is_ampere_and_a_finite_one_is_biot_savart():
    p = np.array([0.3, 0.0, -2.0])
    h = segment_field(p, (-1e7, 0, 0), (1e7, 0, 0), 2.0)
    # I / (2 pi d), below a current along +x the field is along +y
    expected = [0.0, 2.0 / (2 * math.pi * 2.0), 0.0]
    assert h == pytest.approx(expected, rel=1e-9, abs=1e-12)
    # a segment seen under half-angles of 45 degrees: I / (4 pi d) * sqrt(2)
    h = segment_field(np.array([0.0, 0.0, -1.0]), (-1, 0, 0), (1, 0, 0), 1.0)
    assert h[1] == pytest.approx(math.sqrt(2) / (4 * math.pi), rel=1e-12)
    # the field circles the current: perpendicular to it and to the offset
    q = np.array([0.2, -0.7, 0.4])
    h = segment_field(q, (0, 0, 0), (1, 0, 0), 1.0)
    assert abs(h[0]) < 1e-15 and abs(h @ (q - [q[0], 0, 0])) < 1e-15


def test_a_long_sheet_gives_the_thin_strip_closed_form():
    w, height, current = 120e-9, 25e-9, 1e-3
    ys = np.array([0.0, 30e-9, 60e-9, 100e-9])
    pts = np.stack([np.zeros_like(ys), ys, np.zeros_like(ys)], axis=-1)
    h = sheet_field(pts, (-1e-3, 0, height), (1e-3, 0, height), w, 0.0, current,
                    filaments=400)
    hy, hz = strip_field(ys, current, w, height)
    assert h[:, 1] == pytest.approx(hy, rel=2e-3)
    assert h[:, 2] == pytest.approx(hz, rel=2e-3, abs=1e-3 * abs(hy[0]))


def test_layout_islands_rows_and_pads(film):
    labels = film.island_labels()
    assert film.pairs == [(0, 1), (0, 2), (1, 2)]
    assert sorted(set(labels.ravel()) - {-1}) == list(range(6))
    cells = np.bincount(labels[labels >= 0])
    # a 40 nm disk on 10 nm cells: 12 cell centres inside (pi r^2 / c^2 = 12.6)
    assert (cells == 12).all()
    assert film.magnet_mask().shape == (*film.n[:2], 1)
    nodes = film.node_of_cell
    for k, (i, j) in enumerate(film.pairs):
        yk = int((k + 0.5) * film.row_pitch / film.cell[1])
        assert nodes[0, yk] == i and nodes[-1, yk] == j


def test_dummies_sit_beside_the_path_and_feel_the_same_drive():
    f = ChannelFilm(n_nodes=3, units=2, dummies=2, cell=10e-9, row_pitch=320e-9)
    every, read = f.island_labels(include_dummies=True), f.island_labels()
    assert f.size[0] == pytest.approx(6 * f.pitch)
    assert len(set(every.ravel()) - {-1}) == 3 * 6
    assert sorted(set(read.ravel()) - {-1, -2}) == list(range(6))
    assert ((every >= 0) == f.magnet_mask()[..., 0]).all()
    # the read islands are the middle two of each row, and only they are read
    assert f.unit_centres()[0, :, 0] == pytest.approx([2.5 * f.pitch, 3.5 * f.pitch])
    g = f.conductance(df.Field(f.mesh, nvdim=3, value=(1, 0, 0)))
    r_square = f.py.rho_perp / f.thickness
    assert g[0, 1] == pytest.approx(1 / (2 * r_square * (1 + f.py.amr_ratio)))
    k1 = f.cubic_anisotropy()[0].array[..., 0, 0]
    assert (k1[every >= 0] == f.K1).all() and (k1[every < 0] == 0).all()


def test_each_pattern_drives_each_row_with_its_own_line(film):
    for pattern in ("++-", "+-+", "+--"):
        v = ubhop.training_voltages(pattern, 1.0, 3)
        h = film.drive_field(v).array[:, :, 0, :]
        for k, (i, j) in enumerate(film.pairs):
            for u in range(film.units):
                hc = h[film._centre_cell(k, u)]
                own = 1 if v[i] * v[j] < 0 else 0  # A: across (y); B: along (x)
                assert abs(hc[own]) > 5 * abs(hc[1 - own])
        # the drive is odd in the voltages and linear
        assert film.drive_field(-v).array == pytest.approx(-film.drive_field(v).array)
        both = film.drive_field(v + 0.5 * v[::-1]).array
        sum_ = film.drive_field(v).array + 0.5 * film.drive_field(v[::-1]).array
        assert both == pytest.approx(sum_, rel=1e-9, abs=1e-9 * abs(sum_).max())


def test_crosstalk_falls_as_the_rows_move_apart():
    c = [ChannelFilm(n_nodes=3, units=2, cell=10e-9, row_pitch=p).crosstalk()
         for p in (160e-9, 320e-9, 480e-9)]
    perp = [x["perpendicular"] for x in c]
    assert perp[0] > perp[1] > perp[2]
    assert perp[2] < 0.05 < perp[0]


def test_lines_that_run_on_past_the_row_drive_its_islands_alike():
    def along_row(overhang):
        f = ChannelFilm(n_nodes=3, units=6, cell=10e-9, row_pitch=480e-9,
                        overhang=overhang, dummies=0)
        h = f.drive_field(ubhop.training_voltages("+-+", 1.0, 3)).array[:, :, 0, 1]
        row = np.array([abs(h[f._centre_cell(0, u)]) for u in range(f.units)])
        return (row.max() - row.min()) / row.max()

    # lines that stop at the row's ends give its end islands less field
    assert along_row(0.0) > 0.02 > 0.002 > along_row(640e-9)


def test_series_amr_readout_limits(film):
    along = df.Field(film.mesh, nvdim=3, value=(1, 0, 0))
    across = df.Field(film.mesh, nvdim=3, value=(0, 1, 0))
    g_x, g_y = film.conductance(along), film.conductance(across)
    r_square = film.py.rho_perp / film.thickness
    off = ~np.eye(3, dtype=bool)
    assert g_y[off] == pytest.approx(1 / (film.units * r_square), rel=1e-12)
    assert (g_y / np.where(off, g_x, 1))[off] == pytest.approx(1 + film.py.amr_ratio)
    assert g_x == pytest.approx(g_x.T) and (np.diag(g_x) == 0).all()
    # turning one row's islands across changes that pair only
    arr = along.array.copy()
    arr[film.island_labels() // film.units == 1] = (0, 1, 0)
    g = film.conductance(df.Field(film.mesh, nvdim=3, value=arr))
    assert g[0, 2] == pytest.approx(g_y[0, 2]) and g[0, 1] == pytest.approx(g_x[0, 1])
    assert film.across_fraction(df.Field(film.mesh, nvdim=3, value=arr)).tolist() == [
        0.0, 1.0, 0.0]


def test_round_trip_and_bad_input(tmp_path, film):
    cfg = ubhop.TrainingConfig(device=ChannelFilm(K1_spread=0.05, seed=3, b_gain=0.9),
                               schedule=[("++--", 2)], peak_field=12e-3)
    (tmp_path / "c.toml").write_text(cfg.to_toml())
    back = ubhop.TrainingConfig.from_toml(tmp_path / "c.toml")
    assert isinstance(back.device, ChannelFilm) and back.device == cfg.device
    assert back.device.unit_K1 == pytest.approx(cfg.device.unit_K1)
    with pytest.raises(ValueError, match="pitch"):
        ChannelFilm(diameter=40e-9, pitch=40e-9)
    with pytest.raises(ValueError, match="K1_spread"):
        ChannelFilm(K1_spread=0.3)
    with pytest.raises(ValueError, match="layout"):
        ubhop.Device.from_dict({"layout": "islands"})
    with pytest.raises(ValueError, match="colour"):
        ubhop.Device.from_dict({"layout": "channels", "colour": 1})
    # m may vanish between the islands, not on them
    m = np.zeros((*film.n, 3))
    m[film.magnet_mask()] = (1, 0, 0)
    unit = check_magnetisation(film, df.Field(film.mesh, nvdim=3, value=m))
    assert (unit[~film.magnet_mask()] == 0).all()
    m[film.island_labels() == 0] = 0
    with pytest.raises(ValueError, match="zero norm"):
        check_magnetisation(film, df.Field(film.mesh, nvdim=3, value=m))


def _write_run(tmp_path, engine):
    """``+-+`` then ``++-`` at 0 K, 12 mT (above both switches), from along x."""
    dev = ChannelFilm(n_nodes=3, units=2, cell=10e-9, row_pitch=320e-9, dummies=0)
    cfg = ubhop.TrainingConfig(device=dev, schedule=[("+-+", 1), ("++-", 1)],
                               peak_field=12e-3, pulse_duration=0.5e-9,
                               start="uniform_x", engine=engine)
    run = tmp_path / engine
    hist = ubhop.train(cfg, run, progress=False)
    fractions = [dev.across_fraction(ubhop.runs.read_field(
        ubhop.runs.texture_path(run, s))) for s in range(3)]
    shutil.rmtree(run)
    return hist.G.values, np.array(fractions), dev


needs_magnumnp = pytest.mark.skipif(
    not magnumnp_available(),
    reason='magnum.np not installed: pip install "ubhop[magnumnp]"')


@pytest.mark.magnumnp
@needs_magnumnp
def test_a_pulse_writes_each_row_by_the_sign_of_vivj(tmp_path):
    g, f, dev = _write_run(tmp_path, "magnumnp")
    # +-+: rows 01 and 12 on line A go across; 02 on line B stays along.
    # ++-: row 01 on B comes back, 02 on A goes across, 12 stays across
    assert f.tolist() == [[0, 0, 0], [1, 0, 1], [0, 1, 1]]
    amr = 1 + dev.py.amr_ratio
    for s, (a, b, c) in enumerate(f):
        for (i, j), x in zip(dev.pairs, (a, b, c), strict=True):
            expected = g[0, 0, 1] * (amr if x else 1.0)
            assert g[s, i, j] == pytest.approx(expected, rel=2e-3)


_SPEC = oommf_runners.find_runner_spec()


@pytest.mark.oommf
@pytest.mark.magnumnp
@needs_magnumnp
@pytest.mark.skipif(_SPEC[0] is None, reason=f"no OOMMF runner found ({_SPEC[1]})")
def test_oommf_and_magnumnp_write_the_film_alike(tmp_path):
    g_m, f_m, _ = _write_run(tmp_path, "magnumnp")
    g_o, f_o, _ = _write_run(tmp_path, "oommf")
    assert (f_m == f_o).all()
    assert g_m == pytest.approx(g_o, rel=1e-4)
