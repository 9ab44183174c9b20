"""The reference problems: geometry, inputs, protocol and outputs of each.

Each problem has a specification page (``spec.md`` beside its data, see
``spec_path``), input files built by ubhop (``build_inputs``; the committed
copies are the definition), a list of outputs (``ubhop.reference.io.Output``)
and two ways to compute them:

- ``solve(engine)``: what ubhop computes on the problem's mesh, with a given
  micromagnetic engine for the problems that need one. This is what
  ``ubhop reference write-submission`` writes, and the guide's worked example
  of "another solver".
- ``reference(engine)``: the reference. For the engine problems it is
  ``solve`` with OOMMF; for the field and AMR problems (no micromagnetics) it
  is the converged answer (sub-divided cells) or the closed form.

Problems of version 1 (``PROBLEMS``):

==================  =======================================================
``oersted_square``  Oersted field of the four-pad 0.5 um square, "++--"
``oersted_strip``   field of a thin Au strip against its closed form
``amr``             AMR conductance matrices of given textures, planar Hall
``unit_switching``  200 nm two-state unit: threshold bracket, switched state
``write_regime``    seven patterns written on a 0.5 um film: G, minima, recall
``thermal``         fluctuation-dissipation and equipartition at 300 K
==================  =======================================================
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import discretisedfield as df
import numpy as np
import xarray as xr

from .. import runs
from ..amr import conductance_matrix
from ..analytic import strip_device, strip_field, vortex_texture
from ..current import pad_currents
from ..device import Device, Pad
from ..materials import Disorder, Permalloy
from ..oersted import oersted_field, voltages_for_peak_field
from ..patterns import training_voltages
from ..schedule import Pulse, Relax
from ..thresholds import bisect_threshold, lasting_change
from .io import Output

KIT_VERSION = "1"
MU0 = 4e-7 * math.pi

# ------------------------------------------------------------ protocol data
SQUARE_SIZE = 0.5e-6  # m, the four-pad square of problems 1, 2 and 4
CELL = 10e-9  # m, in-plane cell of every problem
SQUARE_VOLTAGES = (1e-3, 1e-3, -1e-3, -1e-3)  # V, "++--" at 1 mV (problem 1)
STRIP_H = 25e-9  # m, Au mid-plane above the Py mid-plane
STRIP_W = 210e-9  # m, strip width
STRIP_VOLTAGES = (1e-3, 0.0)  # V
STRIP_ROW = 130  # the cell row across the strip (x = 1.305 um)
TEXTURES = ("z", "x", "diag", "vortex")  # problem 2 on the square
VORTEX_CORE = 20e-9  # m
HALL_ANGLE = 45.0  # degrees, the Hall bar's uniform texture
HALL_SIZE = (2000e-9, 400e-9)  # m
HALL_SIDE_PAD = (990e-9, 1010e-9)  # m, x extent of the side pads (one cell deep)
UNIT_SIZE = 0.2e-6  # m, the two-state unit (problem 3)
UNIT_PATTERN = "++--"
UNIT_BRACKET = (30e-3, 45e-3)  # T, the bisection's start
UNIT_STEPS = 7  # bisection steps: the bracket ends 0.117 mT wide
UNIT_SWITCH_TOL = 1e-4  # max |dG/G| above which a pulse switched
UNIT_SWITCH_FIELD = 39.25e-3  # T, the peak of the pulse that gives the switched state
UNIT_PULSE = (0.2e-9, 50e-12)  # s, duration and ramp
PATTERNS = ("+++-", "++-+", "++--", "+-++", "+-+-", "+--+", "+---")
WRITE_FIELD = 100e-3  # T, peak |mu0 H| of each pattern's write pulse
WRITE_PULSE = (1e-9, 50e-12)  # s
WRITES = 2  # write pulses per pattern
WRITE_START = 30.0  # degrees: the start, uniform in-plane at this angle to +x, relaxed
THERMAL_SIZE = 100e-9  # m
THERMAL_T = 300.0  # K
FD_TIME = 2e-12  # s, the fluctuation-dissipation interval
FD_REALISATIONS = 4
EQ_FIELD = 0.5  # T along +x
EQ_ALPHA = 0.5
EQ_RELAX = 200e-12  # s at 0 K
EQ_SAMPLE = 20e-12  # s per sample
EQ_BURN_IN = 4
EQ_SAMPLES = 20
THERMAL_STEP = 5e-14  # s, fixed step of the stochastic integration
KB = 1.380649e-23  # J/K
GAMMA0 = 2.21276157e5  # m/(A s), gamma mu0 as OOMMF uses it


# ------------------------------------------------------------------- files
def data_dir() -> Path:
    """Directory of this kit version's data (specs, inputs, references)."""
    return Path(str(resources.files("ubhop.reference"))) / "data" / f"v{KIT_VERSION}"


def problem_dir(name: str) -> Path:
    """Directory of one problem: ``spec.md``, ``inputs/``, ``reference/``."""
    return data_dir() / get_problem(name).name


def spec_path(name: str) -> Path:
    """The problem's specification page (Markdown)."""
    return problem_dir(name) / "spec.md"


def reference_dir(name: str) -> Path:
    """The problem's reference outputs (a submission directory)."""
    return problem_dir(name) / "reference"


def input_path(name: str, file: str) -> Path:
    """Path of one of a problem's input files."""
    path = problem_dir(name) / "inputs" / file
    if not path.is_file():
        raise FileNotFoundError(f"Problem {name!r} has no input file {file!r} "
                                f"({path}).")
    return path


def read_input(name: str, file: str, mesh: df.Mesh) -> df.Field:
    """An input field of a problem, on ``mesh``."""
    f = runs.read_field(input_path(name, file))
    if tuple(f.mesh.n) != tuple(mesh.n):
        raise ValueError(f"Input {file} of problem {name!r} has n = "
                         f"{tuple(f.mesh.n)}, not the problem's {tuple(mesh.n)}.")
    return df.Field(mesh, nvdim=f.nvdim, value=f.array)


# ----------------------------------------------------------------- devices
def square_device() -> Device:
    """The 0.5 um four-pad square on 10 nm cells (problems 1, 2, 4).

    Pads N, E, S, W (nodes 0-3) of 100 nm x 20 nm centred on the edges; Py
    10 nm, spacer 10 nm, Au 20 nm; default materials.
    """
    return Device.square4(size=SQUARE_SIZE, cell=(CELL, CELL, None))


def strip() -> Device:
    """The thin-strip geometry of problem ``oersted_strip``.

    ``ubhop.analytic.strip_device`` with the Au mid-plane 25 nm above the Py
    mid-plane: a 210 nm Au strip along x over a 2.6 um x 1.41 um Py film, 2 nm
    sheets, pads of 50 nm at both ends, 10 nm cells.
    """
    return strip_device(STRIP_H, w=STRIP_W, cell=CELL)


def hall_bar() -> Device:
    """The Hall bar of problem ``amr``: 2 um x 400 nm x 10 nm, 10 nm cells.

    Nodes 0 and 1: full-width end pads 20 nm deep at x = 0 and x = 2 um;
    nodes 2 (y = 0) and 3 (y = 400 nm): side pads 20 nm long and one cell
    deep at mid-length.
    """
    lx, ly = HALL_SIZE
    pads = [Pad(0, (0, 20e-9), (0, ly)), Pad(1, (lx - 20e-9, lx), (0, ly)),
            Pad(2, HALL_SIDE_PAD, (0, CELL)), Pad(3, HALL_SIDE_PAD, (ly - CELL, ly))]
    return Device(size=HALL_SIZE, thickness=10e-9, cell=(CELL, CELL, 10e-9),
                  pads=pads)


def unit_device() -> Device:
    """The 200 nm two-state unit (problem 3): the demo's film cut to 200 nm.

    10 nm cells, 50 nm Voronoi grains with ``K = 2e4 J/m^3`` along random
    in-plane axes, seed 0 (the anisotropy is the input ``K.ovf``, ``u.ovf``).
    """
    disorder = Disorder(grain_size=50e-9, K=2e4, seed=0)
    return Device.square4(size=UNIT_SIZE, cell=(CELL, CELL, None), disorder=disorder)


def thermal_device(alpha: float = 0.01) -> Device:
    """The 100 nm square of problem ``thermal`` (10 x 10 cells)."""
    return Device.square4(size=THERMAL_SIZE, cell=(CELL, CELL, None),
                          py=Permalloy(alpha=alpha))


# ------------------------------------------------------------------ helpers
def _unit(dev, value) -> df.Field:
    return df.Field(dev.mesh, nvdim=3, value=value, norm=1.0)


def _refined(dev: Device, k: int) -> Device:
    """The device with each cell divided into k x k (same pads and layers)."""
    return Device(size=dev.size, thickness=dev.thickness,
                  cell=(dev.cell[0] / k, dev.cell[1] / k, dev.cell[2]),
                  pads=dev.pads, py=dev.py, au=dev.au, spacer=dev.spacer)


def _g_table(gs, dim=None, labels=None) -> xr.DataArray:
    g = np.asarray(gs, dtype=float)
    n = g.shape[-1]
    dims = ((dim,) if dim else ()) + ("i", "j")
    coords = {"i": list(range(n)), "j": list(range(n))}
    if dim:
        coords[dim] = list(labels)
    return xr.DataArray(g, dims=dims, coords=coords, attrs={"units": "S"})


def _engine_info(engine, t0) -> dict:
    prov = dict(getattr(engine, "provenance", {}) or {})
    keep = ("engine", "oommf_version", "oommfc_version", "runner", "threads",
            "magnumnp_version", "torch_version", "device", "dtype",
            "min_torque_A_per_m", "mode")
    return {"engine": {k: prov[k] for k in keep if k in prov},
            "wall_s": round(time.perf_counter() - t0, 1)}


# --------------------------------------------------------- 1. Oersted field
def _oersted_square(subdivide: int = 1, au_layers: int = 3) -> df.Field:
    dev = square_device()
    if subdivide == 1:
        return oersted_field(dev, SQUARE_VOLTAGES, au_layers=au_layers)
    fine = _refined(dev, subdivide)
    h = oersted_field(fine, SQUARE_VOLTAGES, au_layers=au_layers).array
    mid = subdivide // 2  # the sub-cell whose centre is the coarse cell's centre
    return df.Field(dev.mesh, nvdim=3, value=h[mid::subdivide, mid::subdivide],
                    vdims=["x", "y", "z"])


def _solve_oersted_square(engine=None, on_step=None):
    return {"H": _oersted_square()}, {
        "solver": "ubhop.oersted_field on the 10 nm cells (3 Gauss points in the Au)",
        "method": "ubhop.oersted_field, 10 nm cells, 3 Gauss points across the Au"}


def _reference_oersted_square(engine=None, on_step=None):
    info = {"solver": "converged: ubhop.oersted_field on 10/9 nm sub-cells",
            "method": "ubhop.oersted_field on 10/9 nm sub-cells (9 x 9 per cell, "
                      "the centre sub-cell sampled), 8 Gauss points across the Au: "
                      "the converged field at the 10 nm cell centres"}
    return {"H": _oersted_square(subdivide=9, au_layers=8)}, info


def strip_current() -> float:
    """The closed-form strip current (A): ``V sigma t w / l``, l = 2.5 um."""
    dev = strip()
    length = dev.size[0] - 2 * 50e-9
    return (STRIP_VOLTAGES[0] / dev.au.rho * dev.au.thickness * STRIP_W / length)


def strip_closed_form(y, current: float):
    """Closed form of the strip profile: ``(Hx, Hy, Hz)`` (A/m) at offsets ``y``.

    The infinite thin strip (``ubhop.analytic.strip_field``) times the
    leading finite-length factor ``l / sqrt(l^2 + 4 (y^2 + h^2))`` of a
    segment of length l = 2.5 um seen from its middle.
    """
    y = np.asarray(y, dtype=float)
    length = strip().size[0] - 2 * 50e-9
    hy, hz = strip_field(y, current, STRIP_W, STRIP_H)
    fin = length / np.sqrt(length**2 + 4 * (y**2 + STRIP_H**2))
    return np.zeros_like(y), hy * fin, hz * fin


def _strip_y() -> np.ndarray:
    dev = strip()
    return dev.cell_centres()[1] - 0.5 * dev.size[1]


def _solve_oersted_strip(engine=None, on_step=None):
    dev = strip()
    current = float(pad_currents(dev, STRIP_VOLTAGES)[0])
    h = oersted_field(dev, STRIP_VOLTAGES).array[STRIP_ROW, :, 0, :]
    profile = {"y": _strip_y(), "Hx": h[:, 0], "Hy": h[:, 1], "Hz": h[:, 2]}
    return ({"current": current, "profile": profile},
            {"solver": "ubhop.pad_currents and ubhop.oersted_field, 10 nm cells",
             "method": "ubhop.pad_currents and ubhop.oersted_field, 10 nm cells"})


def _reference_oersted_strip(engine=None, on_step=None):
    current = strip_current()
    y = _strip_y()
    hx, hy, hz = strip_closed_form(y, current)
    return ({"current": current, "profile": {"y": y, "Hx": hx, "Hy": hy, "Hz": hz}},
            {"solver": "closed form (infinite thin strip, finite-length factor)",
             "method": "closed form: ubhop.reference.problems.strip_closed_form"})


# ------------------------------------------------------------------- 2. AMR
def amr_textures() -> dict:
    """The four textures of problem ``amr`` on ``square_device()`` (unit m)."""
    dev = square_device()
    return {"z": _unit(dev, (0, 0, 1)), "x": _unit(dev, (1, 0, 0)),
            "diag": _unit(dev, (1, 1, 0)),
            "vortex": read_input("amr", "m_vortex.ovf", dev.mesh)}


def hall_texture(dev: Device | None = None) -> df.Field:
    """The Hall bar's uniform texture at ``HALL_ANGLE`` to +x."""
    dev = hall_bar() if dev is None else dev
    a = math.radians(HALL_ANGLE)
    return _unit(dev, (math.cos(a), math.sin(a), 0.0))


def planar_hall_resistance(g) -> float:
    """Transverse resistance ``V_H / I`` (Ohm) of the Hall bar from its G.

    Node 0 driven, node 1 grounded, the side pads 2 and 3 floating (no net
    current): ``V_H = V_2 - V_3`` over the current ``I`` into node 0. The
    terminal matrix is ``K_ij = -G_ij`` off the diagonal, ``K_ii = sum_j G_ij``.
    """
    g = np.asarray(g, dtype=float)
    k = -g.copy()
    np.fill_diagonal(k, 0.0)
    np.fill_diagonal(k, -k.sum(axis=1))
    v_end = np.array([1.0, 0.0])
    v_side = np.linalg.solve(k[2:, 2:], -k[2:, :2] @ v_end)
    current = k[0, :2] @ v_end + k[0, 2:] @ v_side
    return float((v_side[0] - v_side[1]) / current)


def planar_hall_closed_form() -> float:
    """Closed form of ``V_H / I`` (Ohm) for the Hall bar's texture.

    ``(rho_par - rho_perp) sin(2 theta) / (2 t)`` times ``(w - 2 c) / w``: the
    side pads, one cell ``c`` deep, sense the transverse field over
    ``w - 2 c``.
    """
    dev = hall_bar()
    d_rho = dev.py.rho_par - dev.py.rho_perp
    a = math.radians(HALL_ANGLE)
    w = dev.size[1]
    return d_rho * math.sin(2 * a) / (2 * dev.thickness) * (w - 2 * CELL) / w


def _amr(subdivide: int = 1, hall_subdivide: int = 1):
    dev = square_device()
    fine = dev if subdivide == 1 else _refined(dev, subdivide)
    gs = []
    for m in amr_textures().values():
        arr = np.repeat(np.repeat(m.array, subdivide, 0), subdivide, 1)
        gs.append(conductance_matrix(fine, df.Field(fine.mesh, nvdim=3, value=arr)))
    bar = hall_bar()
    bar = bar if hall_subdivide == 1 else _refined(bar, hall_subdivide)
    g_hall = conductance_matrix(bar, hall_texture(bar))
    return {"G": _g_table(gs, "texture", TEXTURES), "G_hall": _g_table(g_hall)}


def _solve_amr(engine=None, on_step=None):
    return _amr(), {"solver": "ubhop.conductance_matrix (Q1), 10 nm cells",
                    "method": "ubhop.conductance_matrix (Q1 finite elements), "
                              "10 nm cells"}


def _reference_amr(engine=None, on_step=None):
    info = {"solver": "converged: ubhop.conductance_matrix (Q1) on sub-divided cells",
            "method": "ubhop.conductance_matrix on sub-divided cells (10/9 nm on the "
                      "square, 10/5 nm on the Hall bar), the texture constant in "
                      "each 10 nm cell: the converged conductances"}
    return _amr(subdivide=9, hall_subdivide=5), info


# ------------------------------------------------ 3. the two-state unit
def unit_pulse_shape() -> df.Field:
    """The "++--" Oersted field of the unit per tesla of peak (A/m per T).

    ``H / max |mu0 H|`` of ``oersted_field(unit_device(), V)`` for the pattern
    (3 Gauss points across the Au): a pulse of peak ``B`` (T) applies
    ``B`` times this field.
    """
    dev = unit_device()
    h = oersted_field(dev, training_voltages(UNIT_PATTERN, 1.0, 4))
    peak = MU0 * np.linalg.norm(h.array, axis=-1).max()
    return h / peak


def _solve_unit(engine, on_step=None):
    t0 = time.perf_counter()
    dev = unit_device()
    shape = read_input("unit_switching", "H_unit.ovf", dev.mesh)
    (m_start,) = engine.run(dev, _unit(dev, (1, 1, 0)), [Relax()])
    g0 = conductance_matrix(dev, m_start)

    def pulse(peak):
        ms = engine.run(dev, m_start, [Pulse(shape * peak, *UNIT_PULSE), Relax()])
        return ms[1]

    def change(peak):
        c = lasting_change([g0, conductance_matrix(dev, pulse(peak))])
        if on_step is not None:
            on_step(f"{peak * 1e3:.4f} mT: max |dG/G| = {c:.3g}")
        return c

    lo, hi, found = bisect_threshold(change, *UNIT_BRACKET, UNIT_STEPS,
                                     UNIT_SWITCH_TOL)
    probes = [{"peak_T": peak, "max_rel_change": c} for peak, c in found]
    m_sw = pulse(UNIT_SWITCH_FIELD)
    g_sw = conductance_matrix(dev, m_sw)
    values = {"threshold": (lo, hi),
              "G": _g_table([g0, g_sw], "state", ("start", "switched")),
              "m_start": m_start, "m_switched": m_sw}
    return values, {"probes": probes, **_engine_info(engine, t0)}


# ------------------------------------------------------ 4. the write regime
def write_fields() -> dict:
    """Each pattern's write field (A/m) on ``square_device()``: 100 mT peak.

    The Oersted field (3 Gauss points across the Au) of ``V0 * pattern`` with
    ``V0`` set so that ``max |mu0 H| = 100 mT`` (``voltages_for_peak_field``).
    """
    dev = square_device()
    return {p: oersted_field(dev, voltages_for_peak_field(dev, p, WRITE_FIELD))
            for p in PATTERNS}


def _solve_write(engine, on_step=None):
    t0 = time.perf_counter()
    dev = square_device()
    a = math.radians(WRITE_START)
    (m_start,) = engine.run(dev, _unit(dev, (math.cos(a), math.sin(a), 0.0)),
                            [Relax()])
    g_start = conductance_matrix(dev, m_start)
    g, m_final = [], {}
    for p in PATTERNS:
        h = read_input("write_regime", f"H_{p}.ovf", dev.mesh)
        ms = engine.run(dev, m_start, [Pulse(h, *WRITE_PULSE), Relax()] * WRITES)
        g.append([conductance_matrix(dev, m) for m in ms[1::2]])
        m_final[p] = ms[-1]
        if on_step is not None:
            on_step(f"pattern {p} written")
    table = xr.DataArray(np.array(g), dims=("pattern", "write", "i", "j"),
                         coords={"pattern": list(PATTERNS),
                                 "write": list(range(1, WRITES + 1)),
                                 "i": list(range(4)), "j": list(range(4))})
    values = {"G_start": _g_table(g_start), "G": table, "m_start": m_start,
              "m": m_final}
    return values, _engine_info(engine, t0)


# ----------------------------------------------------------------- 5. thermal
def fd_expected_rms() -> float:
    """Fluctuation-dissipation: rms transverse ``dm`` per component after 2 ps.

    ``sqrt(2 alpha gamma0 kB T t / ((1 + alpha^2) mu0 Ms V))`` for the cells of
    ``thermal_device()`` (dimensionless).
    """
    dev = thermal_device()
    alpha, ms = dev.py.alpha, dev.py.Ms
    volume = float(np.prod(dev.cell))
    return math.sqrt(2 * alpha * GAMMA0 * KB * THERMAL_T * FD_TIME
                     / ((1 + alpha**2) * MU0 * ms * volume))


def eq_field(dev: Device) -> df.Field:
    """The equipartition protocol's field: 0.5 T along +x (A/m)."""
    return df.Field(dev.mesh, nvdim=3, value=(EQ_FIELD / MU0, 0.0, 0.0))


def _solve_thermal(engine, on_step=None):
    t0 = time.perf_counter()
    dev = thermal_device()
    m0 = _unit(dev, (1, 0, 0))
    zero = df.Field(dev.mesh, nvdim=3, value=(0.0, 0.0, 0.0))

    def walk(temperature, seed):
        (m,) = engine.run(dev, m0, [Pulse(zero, FD_TIME, rise=0.0,
                                          temperature=temperature, seed=seed,
                                          timestep=THERMAL_STEP)])
        return m

    cold = walk(0.0, 1)
    hot = [walk(THERMAL_T, s) for s in range(1, FD_REALISATIONS + 1)]
    if on_step is not None:
        on_step("fluctuation-dissipation runs done")
    deq = thermal_device(alpha=EQ_ALPHA)
    field = eq_field(deq)
    (ground,) = engine.run(deq, _unit(deq, (1, 0, 0)),
                           [Pulse(field, EQ_RELAX, rise=0.0)])
    ms = engine.run(deq, ground, [
        Pulse(field, EQ_SAMPLE, rise=0.0, temperature=THERMAL_T, seed=k + 1,
              timestep=THERMAL_STEP) for k in range(EQ_BURN_IN + EQ_SAMPLES)])
    values = {"fd_cold": cold, "fd_hot": hot, "eq_ground": ground,
              "eq_samples": ms[EQ_BURN_IN:]}
    return values, _engine_info(engine, t0)


# ---------------------------------------------------------------- registry
@dataclasses.dataclass(frozen=True)
class Problem:
    """A reference problem.

    Attributes
    ----------
    name : str
        Identifier (``--problem NAME``).
    title : str
        One line.
    outputs : tuple of Output
        What a submission holds.
    needs_engine : bool
        Whether ``solve`` runs a micromagnetic engine.
    solve : callable
        ``solve(engine, on_step=None) -> (values, info)``: ubhop's answer on
        the problem's mesh (``engine`` is ignored by the engine-free problems).
    reference : callable
        ``reference(engine, on_step=None) -> (values, info)``.
    inputs : callable, optional
        ``inputs() -> {file name: df.Field}``: the input files.
    """

    name: str
    title: str
    outputs: tuple
    needs_engine: bool
    solve: Callable
    reference: Callable
    inputs: Callable | None = None

    def output(self, name: str) -> Output:
        """The output called ``name``."""
        for o in self.outputs:
            if o.name == name:
                return o
        raise KeyError(name)


def _mesh(builder):
    return lambda: builder().mesh


_IJ4 = {"i": list(range(4)), "j": list(range(4))}


def _problems() -> dict:
    sq = _mesh(square_device)
    unit = _mesh(unit_device)
    therm = _mesh(thermal_device)
    probs = [
        Problem(
            "oersted_square", "Oersted field of the four-pad 0.5 um square, '++--'",
            (Output("H", "field", "A/m", "the Oersted field at the Py cell centres",
                    mesh=sq, file="H.ovf"),),
            False, _solve_oersted_square, _reference_oersted_square),
        Problem(
            "oersted_strip", "Field of a thin Au strip against its closed form",
            (Output("current", "scalar", "A", "the current through the strip"),
             Output("profile", "profile", "A/m",
                    "H across the strip at x = 1.305 um (y in m from its axis)",
                    file="profile.csv")),
            False, _solve_oersted_strip, _reference_oersted_strip),
        Problem(
            "amr", "AMR conductance matrices of given textures; planar Hall bar",
            (Output("G", "table", "S", "G_ij of the four textures on the square",
                    dims=("texture", "i", "j"),
                    coords={"texture": list(TEXTURES), **_IJ4}, file="G.csv"),
             Output("G_hall", "table", "S", "G_ij of the Hall bar at 45 degrees",
                    dims=("i", "j"), coords=_IJ4, file="G_hall.csv")),
            False, _solve_amr, _reference_amr,
            inputs=lambda: {"m_vortex.ovf": vortex_texture(square_device(),
                                                           core=VORTEX_CORE)}),
        Problem(
            "unit_switching",
            "One pulse then relaxation of the 200 nm two-state unit",
            (Output("threshold", "bracket", "T",
                    "bracket of the 0 K switching threshold (peak mu0 H)"),
             Output("G", "table", "S", "G_ij of the relaxed start and of the state "
                                       "switched at 39.25 mT",
                    dims=("state", "i", "j"),
                    coords={"state": ["start", "switched"], **_IJ4}, file="G.csv"),
             Output("m_start", "field", "1", "the relaxed start (unit m)", mesh=unit,
                    file="m_start.ovf"),
             Output("m_switched", "field", "1", "the state after the 39.25 mT pulse "
                                                "and relaxation (unit m)",
                    mesh=unit, file="m_switched.ovf")),
            True, _solve_unit, _solve_unit,
            inputs=lambda: {"H_unit.ovf": unit_pulse_shape(),
                            "K.ovf": unit_device().anisotropy()[0],
                            "u.ovf": unit_device().anisotropy()[1]}),
        Problem(
            "write_regime",
            "The seven patterns written on a 0.5 um film: G, minima, recall",
            (Output("G_start", "table", "S", "G_ij of the relaxed start",
                    dims=("i", "j"), coords=_IJ4, file="G_start.csv"),
             Output("G", "table", "S", "G_ij after each write of each pattern",
                    dims=("pattern", "write", "i", "j"),
                    coords={"pattern": list(PATTERNS),
                            "write": list(range(1, WRITES + 1)), **_IJ4},
                    file="G.csv"),
             Output("m_start", "field", "1", "the relaxed start (unit m)", mesh=sq,
                    file="m_start.ovf"),
             Output("m", "fields", "1", "each pattern's texture after its last "
                                        "write (unit m)",
                    mesh=sq, keys=PATTERNS, file="m_{key}.ovf")),
            True, _solve_write, _solve_write,
            inputs=lambda: {f"H_{p}.ovf": h for p, h in write_fields().items()}),
        Problem(
            "thermal", "Fluctuation-dissipation and equipartition at 300 K",
            (Output("fd_cold", "field", "1", "m after 2 ps at 0 K", mesh=therm,
                    file="fd_cold.ovf"),
             Output("fd_hot", "fields", "1", "m after 2 ps at 300 K, one per "
                                             "realisation",
                    mesh=therm, min_count=FD_REALISATIONS, file="fd_hot_{k}.ovf"),
             Output("eq_ground", "field", "1", "m after 200 ps at 0 K in 0.5 T",
                    mesh=therm, file="eq_ground.ovf"),
             Output("eq_samples", "fields", "1", "m at the end of each 20 ps "
                                                 "sample at 300 K (after burn-in)",
                    mesh=therm, min_count=EQ_SAMPLES, file="eq_sample_{k}.ovf")),
            True, _solve_thermal, _solve_thermal),
    ]
    return {p.name: p for p in probs}


PROBLEMS = _problems()


def problem_names() -> list[str]:
    """Names of the problems of this kit version, in order."""
    return list(PROBLEMS)


def get_problem(name: str) -> Problem:
    """The problem called ``name``.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the problems.
    """
    if name not in PROBLEMS:
        raise ValueError(f"Unknown problem {name!r}; the problems of kit version "
                         f"{KIT_VERSION} are {', '.join(PROBLEMS)}.")
    return PROBLEMS[name]


def build_inputs(name: str) -> dict:
    """The input files of a problem as ubhop builds them now: name -> df.Field."""
    prob = get_problem(name)
    return {} if prob.inputs is None else prob.inputs()


# ------------------------------------------------------ making the answers
DATA_REPRESENTATION = "bin4"  # OVF of the package data: float32 keeps it small


def write_inputs(name: str, out_dir=None) -> list[Path]:
    """Write a problem's input files (default: into the package data).

    Returns
    -------
    list of Path
        The files written.
    """
    from .io import write_ovf

    out_dir = problem_dir(name) / "inputs" if out_dir is None else Path(out_dir)
    written = []
    for file, field in build_inputs(name).items():
        write_ovf(out_dir / file, field, DATA_REPRESENTATION)
        written.append(out_dir / file)
    return written


def make(name: str, out_dir, engine=None, reference: bool = False,
         solver: str | None = None, on_step=None,
         representation: str = DATA_REPRESENTATION) -> Path:
    """Compute a problem's outputs and write them as a submission directory.

    Parameters
    ----------
    name : str
        The problem.
    out_dir : str or Path
        Directory of the submission (``manifest.toml``, the files and
        ``provenance.json``).
    engine : Engine, optional
        The micromagnetic engine, for the problems that need one; for the
        reference of those it must be OOMMF.
    reference : bool
        Compute the reference (converged or closed form, or OOMMF) instead of
        ubhop's answer on the problem's mesh.
    solver : str, optional
        The manifest's ``solver``; default: ubhop and the engine's version.
    on_step : callable, optional
        ``on_step(message)`` as the work goes on (the command line prints it).
    representation : str
        OVF representation: ``bin4`` (default), ``bin8`` or ``txt``.

    Returns
    -------
    Path
        The manifest's path.
    """
    import datetime

    from .io import write_submission

    prob = get_problem(name)
    if prob.needs_engine and engine is None:
        raise ValueError(f"Problem {name!r} needs a micromagnetic engine: pass "
                         f"engine=ubhop.get_engine(...).")
    if reference and prob.needs_engine and engine.name != "oommf":
        raise ValueError(f"The references of {name!r} are made with OOMMF, not "
                         f"{engine.name!r}.")
    fn = prob.reference if reference else prob.solve
    values, info = fn(engine if prob.needs_engine else None, on_step=on_step)
    versions = runs.versions()
    if solver is None and "solver" in info:
        solver = f"ubhop {versions['ubhop']}: {info['solver']}"
    if solver is None:
        what = info.get("engine", {})
        eng = (f"OOMMF {what.get('oommf_version')} (oommfc "
               f"{what.get('oommfc_version')})" if what.get("engine") == "oommf"
               else f"magnum.np {what.get('magnumnp_version')}"
               if what.get("engine") == "magnumnp" else "no micromagnetic engine")
        solver = f"ubhop {versions['ubhop']}, {eng}"
    out_dir = Path(out_dir)
    path = write_submission(out_dir, prob.outputs, values, prob.name, KIT_VERSION,
                            solver, representation=representation)
    runs.write_json(out_dir / "provenance.json", {
        "problem": prob.name, "kit_version": KIT_VERSION,
        "made": "reference" if reference else "submission",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "ubhop_version": versions["ubhop"], "versions": versions, **info})
    return path
