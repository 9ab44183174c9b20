"""The finite-element sheet conductor under the Au current and the AMR read-out.

Checked against closed forms: a bar's conductance ``s W / L`` (exact for Q1
elements, for any diagonal tensor), the van der Pauw relation of a square with
corner contacts, current conservation and reciprocity of the terminal matrix,
a linear potential reproduced exactly, and the off-diagonal (planar Hall) part.
"""

import numpy as np
import pytest

from ubhop.conduction import SheetConductor, isotropic_sheet, pseudo_resistance

DX = 10e-9


def bar(nx, ny, sheet_value):
    """A bar with full-width contacts on its two ends (first and last column)."""
    sheet = np.broadcast_to(np.asarray(sheet_value, dtype=float),
                            (nx, ny, 2, 2)).copy()
    nodes = -np.ones((nx, ny), dtype=int)
    nodes[0], nodes[-1] = 0, 1
    return SheetConductor(sheet, nodes, 2, (DX, DX))


@pytest.mark.parametrize("sxx, syy", [(1.0, 1.0), (2.0, 0.5), (0.3, 3.0)])
def test_bar_conductance_is_exact(sxx, syy):
    nx, ny = 21, 7
    k = bar(nx, ny, [[sxx, 0.0], [0.0, syy]]).terminal_currents(np.eye(2))
    # contacts are equipotential cells: the sheet between them is (nx - 2) cells
    g = sxx * (ny * DX) / ((nx - 2) * DX)
    np.testing.assert_allclose(k, g * np.array([[1, -1], [-1, 1]]), rtol=1e-12)


def test_linear_potential_and_uniform_current():
    nx, ny = 16, 5
    cond = bar(nx, ny, [[1.5, 0.0], [0.0, 1.5]])
    phi = cond.potential([1.0, 0.0])  # corner nodes, (nx + 1, ny + 1)
    x = np.arange(nx + 1) * DX
    expected = np.clip(1 - (x - DX) / ((nx - 2) * DX), 0, 1)
    np.testing.assert_allclose(phi, np.broadcast_to(expected[:, None], phi.shape),
                               atol=1e-12)
    grad = cond.cell_gradient([1.0, 0.0])[1:-1]
    np.testing.assert_allclose(grad[..., 0], -1 / ((nx - 2) * DX), rtol=1e-10)
    np.testing.assert_allclose(grad[..., 1], 0.0, atol=1e-6 / DX)


def test_rotated_tensor_conserves_current_and_is_reciprocal():
    # a uniform tensor at 30 degrees (an AMR film magnetised along 30 degrees)
    rng = np.random.default_rng(0)
    theta = np.pi / 6
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    tensor = rot @ np.diag([1.0, 0.7]) @ rot.T
    nx = ny = 24
    nodes = -np.ones((nx, ny), dtype=int)
    nodes[10:14, 0], nodes[-1, 10:14], nodes[10:14, -1], nodes[0, 10:14] = 0, 1, 2, 3
    sheet = np.broadcast_to(tensor, (nx, ny, 2, 2)).copy()
    k = SheetConductor(sheet, nodes, 4, (DX, DX)).terminal_currents(np.eye(4))
    np.testing.assert_allclose(k.sum(axis=0), 0.0, atol=1e-12 * np.abs(k).max())
    np.testing.assert_allclose(k, k.T, rtol=1e-10)
    assert np.all(np.linalg.eigvalsh(k)[1:] > 0)  # one zero mode: the common potential
    v = rng.normal(size=4)
    assert v @ k @ v >= 0
    # the off-diagonal part breaks the mirror symmetry x -> -x of the layout:
    # with it, the conductances of the pairs N-E and N-W differ
    assert abs(k[0, 1] - k[0, 3]) > 1e-3 * abs(k[0, 1])
    iso = SheetConductor(isotropic_sheet(1.0, np.ones((nx, ny), bool)), nodes, 4,
                         (DX, DX)).terminal_currents(np.eye(4))
    assert iso[0, 1] == pytest.approx(iso[0, 3], rel=1e-10)


def test_van_der_pauw_square_with_corner_contacts():
    # R_AB,CD = R_s ln 2 / pi for point contacts on the corners of a square
    n = 60
    s = 2.0
    nodes = -np.ones((n, n), dtype=int)
    nodes[0, 0], nodes[-1, 0], nodes[-1, -1], nodes[0, -1] = 0, 1, 2, 3
    k = SheetConductor(isotropic_sheet(s, np.ones((n, n), bool)), nodes, 4,
                       (DX, DX)).terminal_currents(np.eye(4))
    # current 1 A in at A (0), out at B (1), C and D float: V_D - V_C
    keep = [0, 2, 3]  # ground B
    sub = k[np.ix_(keep, keep)]
    v = np.linalg.solve(sub, np.array([1.0, 0.0, 0.0]))
    r_abcd = v[2] - v[1]
    expected = np.log(2) / (np.pi * s)
    # one-cell contacts are not points: a 2 % check at 60 x 60 cells
    assert r_abcd == pytest.approx(expected, rel=0.02)


def test_two_terminal_resistance_of_a_bar():
    k = bar(12, 4, [[1.0, 0.0], [0.0, 1.0]]).terminal_currents(np.eye(2))
    assert pseudo_resistance(k, 0, 1) == pytest.approx(10 / 4, rel=1e-12)


def test_isolated_island_carries_nothing_and_bad_input_is_named():
    nx, ny = 12, 6
    mask = np.ones((nx, ny), bool)
    mask[:, 3] = False  # cut the sheet into two strips
    nodes = -np.ones((nx, ny), dtype=int)
    nodes[0, :3], nodes[-1, :3] = 0, 1
    cond = SheetConductor(isotropic_sheet(1.0, mask), nodes, 2, (DX, DX))
    phi = cond.potential([1.0, 0.0])
    assert np.isnan(phi[:, -1]).all()  # the strip without pads floats
    k = cond.terminal_currents(np.eye(2))
    assert k[0, 0] == pytest.approx(3 / 10, rel=1e-12)
    with pytest.raises(ValueError, match="symmetric"):
        SheetConductor(np.broadcast_to([[1.0, 0.5], [0.0, 1.0]], (nx, ny, 2, 2)),
                       nodes, 2, (DX, DX))
    touching = nodes.copy()
    touching[1, 0] = 1
    with pytest.raises(ValueError, match="touch|short"):
        SheetConductor(isotropic_sheet(1.0, np.ones((nx, ny), bool)), touching, 2,
                       (DX, DX))
