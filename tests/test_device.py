import discretisedfield as df
import numpy as np
import pytest

import ubhop


def test_square4_mesh_and_pads():
    dev = ubhop.Device.square4()
    assert isinstance(dev.mesh, df.Mesh)
    assert tuple(dev.mesh.n) == (200, 200, 1)
    np.testing.assert_allclose(dev.mesh.region.pmax, (1e-6, 1e-6, 10e-9))
    assert dev.n_nodes == 4
    # N, E, S, W pads, centred on the edges
    centres = np.array([p.centre for p in dev.pads])
    np.testing.assert_allclose(centres, [[0.5e-6, 0.975e-6], [0.975e-6, 0.5e-6],
                                         [0.5e-6, 0.025e-6], [0.025e-6, 0.5e-6]])
    # four-fold symmetry of the pad areas
    areas = [(dev.node_of_cell == k).sum() for k in range(4)]
    assert len(set(areas)) == 1


def test_au_height_is_spacer_plus_half_layers():
    dev = ubhop.Device.square4(size=200e-9, cell=(10e-9, 10e-9, None))
    assert dev.au_height == pytest.approx(5e-9 + 10e-9 + 10e-9)


@pytest.mark.parametrize("n", [2, 5, 8, 35])
def test_ring_has_n_separate_pads(n):
    dev = ubhop.Device.ring(n, size=1e-6, cell=(5e-9, 5e-9, None))
    assert dev.n_nodes == n
    assert len(np.unique(dev.node_of_cell)) == n + 1  # plus the -1 background
    # every pad touches the perimeter
    for p in dev.pads:
        assert min(p.x[0], p.y[0]) == 0 or max(p.x[1], p.y[1]) == pytest.approx(1e-6)


def test_grid_row_major_from_top():
    dev = ubhop.Device.grid(7, 5, size=1e-6, cell=(5e-9, 5e-9, None))
    assert dev.n_nodes == 35
    c = np.array([p.centre for p in dev.pads])
    assert c[0, 1] > c[5, 1]  # row 0 is on top
    assert c[0, 0] < c[1, 0]  # columns left to right


def test_toml_roundtrip(tmp_path):
    dev = ubhop.Device.square4(size=300e-9, cell=(10e-9, 10e-9, None),
                               disorder=ubhop.Disorder(grain_size=50e-9, seed=3),
                               au=ubhop.Gold(thickness=30e-9))
    path = tmp_path / "dev.toml"
    dev.to_toml(path)
    back = ubhop.Device.from_toml(path)
    assert back == dev
    assert back.au.thickness == 30e-9
    m1, m2 = dev.anisotropy(), back.anisotropy()
    np.testing.assert_array_equal(m1[1].array, m2[1].array)


def test_toml_roundtrip_with_mask(tmp_path):
    mask = [((0, 300e-9), (100e-9, 200e-9))]
    dev = ubhop.Device(size=(300e-9, 300e-9), cell=(10e-9, 10e-9, 10e-9),
                       pads=[ubhop.Pad(0, (0, 20e-9), (100e-9, 200e-9)),
                             ubhop.Pad(1, (280e-9, 300e-9), (100e-9, 200e-9))],
                       au_mask=mask)
    assert dev.au_mask.sum() == 30 * 10
    dev.to_toml(tmp_path / "d.toml")
    assert ubhop.Device.from_toml(tmp_path / "d.toml") == dev


def test_grain_disorder_statistics():
    d = ubhop.Disorder(grain_size=50e-9, K=2e4, K_spread=0.5, seed=7)
    dev = ubhop.Device.square4(size=1e-6, cell=(10e-9, 10e-9, None), disorder=d)
    k, u = dev.anisotropy()
    assert k.nvdim == 1 and u.nvdim == 3 and k.mesh == dev.mesh
    np.testing.assert_allclose(np.linalg.norm(u.array, axis=-1), 1.0)
    np.testing.assert_array_equal(u.array[..., 2], 0.0)  # in-plane axes
    kv = k.array[..., 0]
    assert kv.min() >= 1e4 - 1e-6 and kv.max() <= 3e4 + 1e-6
    n_grains = len(np.unique(kv))
    assert 300 <= n_grains <= 400  # 1 um^2 / (50 nm)^2 = 400 seeds, some tiny
    # random axes: no preferred direction (|<exp(2 i phi)>| small over grains)
    phi = np.arctan2(u.array[..., 1], u.array[..., 0])
    assert abs(np.exp(2j * phi).mean()) < 0.15
    # same seed, same grains; another seed, other grains
    k2, _ = ubhop.Device.square4(size=1e-6, cell=(10e-9, 10e-9, None),
                                 disorder=d).anisotropy()
    np.testing.assert_array_equal(k.array, k2.array)
    d3 = ubhop.Disorder(grain_size=50e-9, K=2e4, K_spread=0.5, seed=8)
    k3, _ = ubhop.Device.square4(size=1e-6, cell=(10e-9, 10e-9, None),
                                 disorder=d3).anisotropy()
    assert not np.array_equal(k.array, k3.array)


def test_no_disorder_gives_none(small4):
    assert small4.anisotropy() is None


# ------------------------------------------------------------------ bad input
def _pads():
    return [ubhop.Pad(0, (0, 20e-9), (0, 100e-9)),
            ubhop.Pad(1, (180e-9, 200e-9), (0, 100e-9))]


def test_pad_outside_film():
    with pytest.raises(ValueError, match="outside the film"):
        ubhop.Device(size=(200e-9, 100e-9), cell=(10e-9, 10e-9, None),
                     pads=[*_pads()[:1], ubhop.Pad(1, (190e-9, 230e-9), (0, 50e-9))])


def test_pads_overlap():
    with pytest.raises(ValueError, match="overlaps pad 0"):
        ubhop.Device(size=(200e-9, 100e-9), cell=(10e-9, 10e-9, None),
                     pads=[*_pads(), ubhop.Pad(2, (10e-9, 40e-9), (40e-9, 60e-9))])


def test_cell_does_not_divide_film():
    with pytest.raises(ValueError, match="cell does not divide the film"):
        ubhop.Device(size=(200e-9, 100e-9), cell=(15e-9, 10e-9, None), pads=_pads())
    with pytest.raises(ValueError, match="thickness"):
        ubhop.Device(size=(200e-9, 100e-9), thickness=10e-9,
                     cell=(10e-9, 10e-9, 3e-9), pads=_pads())


def test_bad_pad_and_nodes():
    with pytest.raises(ValueError, match="lo < hi"):
        ubhop.Pad(0, (20e-9, 10e-9), (0, 1e-9))
    with pytest.raises(ValueError, match="0 .. N-1"):
        ubhop.Device(size=(200e-9, 100e-9), cell=(10e-9, 10e-9, None),
                     pads=[_pads()[0], ubhop.Pad(2, (180e-9, 200e-9), (0, 1e-7))])
    with pytest.raises(ValueError, match="covers no cell"):
        ubhop.Device(size=(200e-9, 100e-9), cell=(10e-9, 10e-9, None),
                     pads=[*_pads(), ubhop.Pad(2, (100e-9, 104e-9), (0, 4e-9))])


def test_bad_materials():
    with pytest.raises(ValueError, match="Ms"):
        ubhop.Permalloy(Ms=-1)
    with pytest.raises(ValueError, match="K_spread"):
        ubhop.Disorder(K_spread=2)
    with pytest.raises(ValueError, match=r"Unknown keys in \[device\]"):
        ubhop.Device.from_dict({"size": [1, 1], "pads": [], "colour": "red"})


def test_weak_grain_boundaries():
    """One side of every link between two grains gets boundary_exchange * A."""
    from ubhop.grains import voronoi_grains

    d = ubhop.Disorder(grain_size=50e-9, K=2e4, seed=2, boundary_exchange=0.1)
    dev = ubhop.Device.square4(size=500e-9, cell=(10e-9, 10e-9, None), disorder=d)
    labels, n_grains = voronoi_grains(dev.size, dev.n[:2], dev.cell[:2], 50e-9, 2)
    mark = dev.boundary_cells()
    for axis in (0, 1):
        a = np.moveaxis(labels, axis, 0)
        b = np.moveaxis(mark, axis, 0)
        cross = a[1:] != a[:-1]
        # every link across a boundary has its lower-index cell marked
        low_side = np.where(a[1:] > a[:-1], b[:-1], b[1:])
        assert cross.any() and low_side[cross].all()
    # one side only: a marked cell always borders a grain of higher index
    padded = np.pad(labels, 1, constant_values=-1)
    higher = np.zeros_like(mark)
    for sx, sy in ((0, 1), (2, 1), (1, 0), (1, 2)):
        higher |= padded[sx:sx + labels.shape[0], sy:sy + labels.shape[1]] > labels
    np.testing.assert_array_equal(mark, higher)
    assert 0.2 < mark.mean() < 0.5, mark.mean()
    a_field = dev.exchange().array[..., 0]
    assert set(np.unique(a_field)) == {0.1 * dev.py.A, dev.py.A}
    np.testing.assert_array_equal(a_field[..., 0] < dev.py.A, mark)
    # uniform A: no field
    assert ubhop.Device.square4(size=500e-9, cell=(10e-9, 10e-9, None),
                                disorder=ubhop.Disorder()).exchange() is None
    assert ubhop.Device.square4(size=500e-9).exchange() is None
    # the setting survives the TOML round trip of a device
    assert ubhop.Device.from_dict(dev.to_dict()).disorder == d
    for bad in (0, -0.1, 1.5, "x"):
        with pytest.raises(ValueError, match=r"boundary_exchange \(a fraction of A\) "
                                             r"must be a finite number > 0 and <= 1"):
            ubhop.Disorder(boundary_exchange=bad)


def test_demo_config_granular_variant():
    from ubhop.experiments.presets import demo_config

    base = demo_config()
    assert base.device.disorder.boundary_exchange == 1.0
    assert base.device.exchange() is None  # the demo's film: grains fully coupled
    granular = demo_config(k_spread=0.5, boundary_exchange=0.1)
    d = granular.device.disorder
    assert (d.K_spread, d.boundary_exchange) == (0.5, 0.1)
    # only the disorder differs: same grains, same schedule and pulses
    assert (d.grain_size, d.K, d.seed) == (50e-9, 2e4, 0)
    assert granular.schedule == base.schedule
    assert granular.peak_field == base.peak_field
    a = granular.device.exchange().array
    assert a.min() == pytest.approx(0.1 * base.device.py.A)


def test_demo_config_soft_variant():
    from ubhop.experiments.presets import demo_config

    soft = demo_config(grain_k=0)
    assert soft.device.disorder is None
    assert soft.schedule == demo_config().schedule
    assert demo_config(grain_k=5e3).device.disorder.K == 5e3
    with pytest.raises(ValueError, match="grain_k must be >= 0"):
        demo_config(grain_k=-1.0)
