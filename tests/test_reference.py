"""The cross-validation kit: reference problems, submissions and ``ubhop compare``.

Fast tests (CI) read the committed references and the committed magnum.np
submissions (``studies/reference/magnumnp``), compute the engine-free problems
(Oersted field, AMR) afresh, and check that deliberately wrong or malformed
submissions fail with the quantity named or a clear error. The slow tests run
magnum.np (and OOMMF) through each engine problem again.
"""

import json
import math
import re
import shutil
import struct
import tomllib
from pathlib import Path

import discretisedfield as df
import numpy as np
import pytest

import ubhop
from ubhop import cli
from ubhop.reference import SubmissionError, compare, get_problem, problem_names
from ubhop.reference import io as rio
from ubhop.reference import problems as rp
from ubhop.reference.compare import TOLERANCES, pattern_tables
from ubhop.reference.statistics import film_energy

ROOT = Path(__file__).resolve().parents[1]
MAGNUMNP = ROOT / "studies" / "reference" / "magnumnp"
ENGINE_FREE = ("oersted_square", "oersted_strip", "amr")


def copy_reference(problem, tmp_path) -> Path:
    """The shipped reference, copied: a submission that passes, to be spoiled."""
    out = tmp_path / problem
    shutil.copytree(rp.reference_dir(problem), out)
    return out


def failing(result) -> set:
    return {r.quantity for r in result.rows if not r.passed}


def edit_manifest(sub, change):
    path = sub / "manifest.toml"
    data = tomllib.loads(path.read_text())
    change(data)
    rio.write_manifest(sub, data)


# ------------------------------------------------------------- the kit itself
def test_every_problem_has_a_spec_inputs_and_a_reference_with_provenance():
    assert problem_names() == ["oersted_square", "oersted_strip", "amr",
                               "unit_switching", "write_regime", "thermal"]
    for name in problem_names():
        prob = get_problem(name)
        spec = rp.spec_path(name).read_text()
        for heading in ("Geometry", "Protocol", "Outputs", "Tolerances"):
            assert f"## {heading}" in spec, (name, heading)
        for out in prob.outputs:  # every output is specified with its units
            assert f"`{out.name}`" in spec and out.units in spec, (name, out.name)
        prov = json.loads((rp.reference_dir(name) / "provenance.json").read_text())
        assert prov["kit_version"] == "1" and prov["made"] == "reference"
        assert prov["ubhop_version"] == ubhop.__version__ and prov["date"]
        if prob.needs_engine:
            eng = prov["engine"]
            assert eng["engine"] == "oommf" and eng["oommf_version"] == "2.1a0"
            assert eng["oommfc_version"] and eng["threads"] >= 1
        else:
            assert "converged" in prov["method"] or "closed form" in prov["method"]
    with pytest.raises(ValueError, match="Unknown problem 'nope'; the problems"):
        get_problem("nope")


def test_the_package_data_is_small():
    total = sum(p.stat().st_size for p in rp.data_dir().rglob("*") if p.is_file())
    assert total < 3e6, total


def test_inputs_are_what_ubhop_builds():
    for name in ("amr", "unit_switching", "write_regime"):
        built = rp.build_inputs(name)
        assert built
        for file, field in built.items():
            stored = ubhop.runs.read_field(rp.input_path(name, file)).array
            scale = np.abs(field.array).max()
            np.testing.assert_allclose(stored, field.array, rtol=0,
                                       atol=1e-6 * scale, err_msg=file)


def test_the_problems_are_the_projects_configurations():
    # problem 3 is the demo's film cut to 200 nm, problem 4 the Fig. 3 write
    # regime on 0.5 um: the same devices, pulse shapes and field amplitudes
    from ubhop.experiments.presets import demo_config, fig3_config

    demo = demo_config(size=0.2e-6)
    assert rp.unit_device() == demo.device
    assert (demo.pulse_duration, demo.rise) == rp.UNIT_PULSE
    assert demo.start == "uniform_diag" and demo.relax.method == "minimise"
    fig3 = fig3_config(size=0.5e-6)
    assert rp.square_device() == fig3.device
    assert (fig3.pulse_duration, fig3.rise) == rp.WRITE_PULSE
    assert fig3.peak_field == rp.WRITE_FIELD
    h = rp.read_input("write_regime", "H_+-+-.ovf", fig3.device.mesh).array
    want = ubhop.oersted_field(fig3.device, fig3.voltages("+-+-")).array
    np.testing.assert_allclose(h, want, atol=1e-6 * np.abs(want).max())
    peak = 4e-7 * math.pi * np.linalg.norm(h, axis=-1).max()
    assert peak == pytest.approx(0.1, rel=1e-6)
    shape = rp.read_input("unit_switching", "H_unit.ovf", demo.device.mesh).array
    assert 4e-7 * math.pi * np.linalg.norm(shape, axis=-1).max() == pytest.approx(1.0)


# --------------------------------------------------- physics of the references
def test_oersted_reference_is_the_converged_field():
    ref = rio.read_ovf(rp.reference_dir("oersted_square") / "H.ovf",
                       rp.square_device().mesh, "H").array
    coarse = ubhop.oersted_field(rp.square_device(), rp.SQUARE_VOLTAGES).array
    d = np.linalg.norm(coarse - ref, axis=-1)
    n = np.linalg.norm(ref, axis=-1)
    l2 = np.sqrt((d**2).sum() / (n**2).sum())
    # 10 nm cells are 0.4 % off the converged field: inside the 1 % tolerance
    # and not zero (the reference is not the submission)
    assert 1e-3 < l2 < TOLERANCES["field_l2"]
    # "++--" is invariant under the mirror x <-> y (N <-> E, S <-> W) and H is a
    # pseudovector: H_x(x, y) = -H_y(y, x) and H_z(x, y) = -H_z(y, x)
    np.testing.assert_allclose(ref[:, :, 0, 0], -ref[:, :, 0, 1].T,
                               atol=1e-6 * n.max())
    np.testing.assert_allclose(ref[:, :, 0, 2], -ref[:, :, 0, 2].T,
                               atol=1e-6 * n.max())
    assert n.max() == pytest.approx(2.52e3, rel=0.02)  # A/m at 1 mV


def test_amr_reference_physics():
    ref = rio.read_table(rp.reference_dir("amr") / "G.csv",
                         get_problem("amr").output("G"))
    gz, gx = ref.sel(texture="z").values, ref.sel(texture="x").values
    # m along z: isotropic, four-fold symmetric
    assert gz[0, 1] == pytest.approx(gz[1, 2], rel=1e-9)
    assert gz[0, 2] == pytest.approx(gz[1, 3], rel=1e-9)
    # m along x: E-W current runs along m (rho_par > rho_perp) and G_EW falls
    # by more than the AMR ratio (the anisotropic film is an isotropic one
    # stretched along x); G_NS rises a little, as less of the current from N
    # leaks along x to the grounded E and W pads; mirror pairs stay equal
    amr = ubhop.Permalloy().amr_ratio
    assert -1.5 * amr < gx[1, 3] / gz[1, 3] - 1 < -amr
    assert 0 < gx[0, 2] / gz[0, 2] - 1 < 0.5 * amr
    assert gx[0, 1] == pytest.approx(gx[2, 3], rel=1e-9)
    hall = rio.read_table(rp.reference_dir("amr") / "G_hall.csv",
                          get_problem("amr").output("G_hall")).values
    r_h = rp.planar_hall_resistance(hall)
    assert r_h == pytest.approx(rp.planar_hall_closed_form(), rel=0.015)


def test_unit_reference_is_the_studies_threshold_and_two_states():
    ref = rio.read_manifest(rp.reference_dir("unit_switching"))
    lo, hi = ref["outputs"]["threshold"]["lo"], ref["outputs"]["threshold"]["hi"]
    # studies/thermal: 38.32-38.44 mT with this bisection (OOMMF)
    assert (lo, hi) == pytest.approx((38.3203e-3, 38.4375e-3), rel=1e-5)
    prov = json.loads((rp.reference_dir("unit_switching")
                       / "provenance.json").read_text())
    below = [p["max_rel_change"] for p in prov["probes"] if p["peak_T"] <= lo]
    above = [p["max_rel_change"] for p in prov["probes"] if p["peak_T"] >= hi]
    # two states: below nothing is kept, above always the same switch
    assert max(below) < 1e-6 and np.ptp(above) < 1e-6 and min(above) > 5e-3


def test_write_regime_reference_stores_all_seven_patterns():
    g = rio.read_table(rp.reference_dir("write_regime") / "G.csv",
                       get_problem("write_regime").output("G")).values
    tables = pattern_tables(g[:, -1])
    for key in ("others", "patterns"):
        for p, minima in tables[key]["minima"].items():
            flip = "".join("+" if c == "-" else "-" for c in p)
            assert minima == sorted([p, flip]), (key, p, minima)


def test_film_energy_is_the_tests_reference_model():
    from engine_physics import Reference

    dev = rp.thermal_device()
    m = rio.read_ovf(rp.reference_dir("thermal") / "fd_hot_0.ovf", dev.mesh, "m")
    assert film_energy(dev, m) == pytest.approx(Reference(dev).energy(m.array),
                                                rel=1e-10)


# ------------------------------------------- submissions that pass (fast)
@pytest.mark.parametrize("problem", ENGINE_FREE)
def test_ubhops_engine_free_answers_pass(problem, tmp_path):
    rp.make(problem, tmp_path / problem)
    result = compare(tmp_path / problem, problem)
    assert result.passed, result.table()
    # the answer on the problem's mesh is not the reference itself
    assert any(r.value > 0 for r in result.rows)


def test_oersted_reference_is_reproduced(tmp_path):
    rp.make("oersted_square", tmp_path, reference=True)
    a = ubhop.runs.read_field(tmp_path / "H.ovf").array
    b = ubhop.runs.read_field(rp.reference_dir("oersted_square") / "H.ovf").array
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("problem", problem_names())
def test_committed_magnumnp_submissions_pass(problem):
    result = compare(MAGNUMNP / problem, problem)
    assert result.passed, result.table()
    manifest = rio.read_manifest(MAGNUMNP / problem)
    if get_problem(problem).needs_engine:
        assert "magnum.np" in manifest["solver"]


def test_a_reference_compared_with_itself_has_no_deviation():
    result = compare(rp.reference_dir("unit_switching"), "unit_switching")
    assert [r.value for r in result.rows if r.metric != "bracket width / middle"] \
        == [0.0] * (len(result.rows) - 1)


# ------------------------------------------- wrong submissions fail, named
def test_field_with_its_sign_flipped_fails(tmp_path):
    sub = copy_reference("oersted_square", tmp_path)
    h = ubhop.runs.read_field(sub / "H.ovf")
    rio.write_ovf(sub / "H.ovf", -h)
    result = compare(sub, "oersted_square")
    assert failing(result) == {"H"}
    assert [r.value for r in result.rows] == pytest.approx([2.0, 2.0], rel=1e-6)


def test_pads_shifted_by_one_cell_fail(tmp_path):
    sub = copy_reference("oersted_square", tmp_path)
    dev = rp.square_device()
    c = rp.CELL
    pads = [ubhop.Pad(p.node, (p.x[0] + c, p.x[1] + c), p.y) if p.node in (0, 2)
            else ubhop.Pad(p.node, p.x, (p.y[0] + c, p.y[1] + c)) for p in dev.pads]
    shifted = ubhop.Device(size=dev.size, cell=dev.cell, pads=pads)
    rio.write_ovf(sub / "H.ovf", ubhop.oersted_field(shifted, rp.SQUARE_VOLTAGES))
    result = compare(sub, "oersted_square")
    assert failing(result) == {"H"}
    l2, mx = (r.value for r in result.rows)
    assert l2 > 3 * TOLERANCES["field_l2"] and mx > 3 * TOLERANCES["field_max"]


def test_texture_rotated_by_five_degrees_fails(tmp_path):
    sub = copy_reference("unit_switching", tmp_path)
    m = ubhop.runs.read_field(sub / "m_switched.ovf").array
    a = math.radians(5)
    rot = np.stack([m[..., 0] * math.cos(a) - m[..., 1] * math.sin(a),
                    m[..., 0] * math.sin(a) + m[..., 1] * math.cos(a), m[..., 2]], -1)
    rio.write_ovf(sub / "m_switched.ovf",
                  df.Field(rp.unit_device().mesh, nvdim=3, value=rot))
    result = compare(sub, "unit_switching")
    assert failing(result) == {"m_switched"}
    rms = next(r for r in result.rows if r.quantity == "m_switched"
               and r.metric.startswith("rms"))
    assert rms.value == pytest.approx(2 * math.sin(a / 2), rel=1e-3)


@pytest.mark.parametrize("factor", [1.03, 0.97])
def test_threshold_three_percent_off_fails(tmp_path, factor):
    sub = copy_reference("unit_switching", tmp_path)

    def scale(data):
        t = data["outputs"]["threshold"]
        t["lo"], t["hi"] = t["lo"] * factor, t["hi"] * factor

    edit_manifest(sub, scale)
    result = compare(sub, "unit_switching")
    assert failing(result) == {"threshold"}
    gap = result.rows[0]
    assert gap.metric.startswith("gap") and 0.02 < gap.value < 0.03


def test_a_bracket_too_wide_to_tell_fails(tmp_path):
    sub = copy_reference("unit_switching", tmp_path)

    def widen(data):
        data["outputs"]["threshold"]["lo"] = 0.030
        data["outputs"]["threshold"]["hi"] = 0.045

    edit_manifest(sub, widen)
    result = compare(sub, "unit_switching")
    assert [r.metric for r in result.rows if not r.passed] == ["bracket width / middle"]


@pytest.mark.parametrize("order", [[1, 0, 3, 2], [3, 2, 1, 0]],
                         ids=["x<->y", "reversed"])
def test_g_of_a_transposed_node_order_fails(tmp_path, order):
    sub = copy_reference("amr", tmp_path)
    out = get_problem("amr").output("G")
    g = rio.read_table(sub / "G.csv", out)
    g.values[:] = g.values[:, order][:, :, order]
    rio.write_table(sub / "G.csv", g)
    result = compare(sub, "amr")
    assert "G[x] / G[z] - 1" in failing(result)
    assert failing(result) <= {"G", "G[x] / G[z] - 1", "G[diag] / G[z] - 1",
                               "G[vortex] / G[z] - 1"}

    sub = copy_reference("write_regime", tmp_path / "w")
    prob = get_problem("write_regime")
    for name in ("G_start", "G"):
        g = rio.read_table(sub / f"{name}.csv", prob.output(name))
        g.values[:] = g.values[..., order, :][..., order]
        rio.write_table(sub / f"{name}.csv", g)
    result = compare(sub, "write_regime")
    assert "dG/G after each write" in failing(result)


# ------------------------------------------------ OVF as other solvers write it
def mumax3_ovf(path, arr, cell, binary=True, origin=(0.0, 0.0, 0.0)):
    """An OVF 2.0 file with mumax3's header layout (no blank comment lines,
    Desc after valueunits) and its data order (x fastest, components inner)."""
    n = arr.shape[:3]
    lines = ["# OOMMF OVF 2.0", "# Segment count: 1", "# Begin: Segment",
             "# Begin: Header", "# Title: m", "# meshtype: rectangular",
             "# meshunit: m"]
    lines += [f"# {a}min: {origin[k]:g}" for k, a in enumerate("xyz")]
    lines += [f"# {a}max: {origin[k] + n[k] * cell[k]:g}" for k, a in enumerate("xyz")]
    lines += ["# valuedim: 3", "# valuelabels: m_x m_y m_z", "# valueunits: 1 1 1",
              "# Desc: Total simulation time:  1e-09  s"]
    lines += [f"# {a}base: {cell[k] / 2:g}" for k, a in enumerate("xyz")]
    lines += [f"# {a}nodes: {n[k]}" for k, a in enumerate("xyz")]
    lines += [f"# {a}stepsize: {cell[k]:g}" for k, a in enumerate("xyz")]
    fmt = "Binary 4" if binary else "Text"
    lines += ["# End: Header", f"# Begin: Data {fmt}"]
    data = np.asarray(arr, dtype=np.float32).transpose(2, 1, 0, 3).reshape(-1, 3)
    with open(path, "wb") as fh:
        fh.write(("\n".join(lines) + "\n").encode())
        if binary:
            fh.write(struct.pack("<f", 1234567.0) + data.astype("<f4").tobytes())
            fh.write(b"\n")
        else:
            for row in data:
                fh.write((" ".join(str(v) for v in row) + " \n").encode())
        fh.write(f"# End: Data {fmt}\n# End: Segment\n".encode())


@pytest.mark.parametrize("how", ["df-bin4", "df-txt", "mumax3-bin4", "mumax3-txt",
                                 "mumax3-centred"])
def test_ovf_as_other_solvers_write_it_is_read(tmp_path, how):
    sub = copy_reference("unit_switching", tmp_path)
    m = ubhop.runs.read_field(sub / "m_switched.ovf")
    if how.startswith("df"):
        m.to_file(str(sub / "m_switched.ovf"), representation=how[3:])
    else:
        origin = (-100e-9, -100e-9, 0.0) if how.endswith("centred") else (0, 0, 0)
        mumax3_ovf(sub / "m_switched.ovf", m.array, rp.unit_device().cell,
                   binary=not how.endswith("txt"), origin=origin)
    got = rio.read_ovf(sub / "m_switched.ovf", rp.unit_device().mesh, "m")
    np.testing.assert_allclose(got.array, m.array, atol=1e-6)
    result = compare(sub, "unit_switching")
    assert result.passed, result.table()
    row = next(r for r in result.rows if r.quantity == "m_switched")
    assert row.value < 1e-6


# ------------------------------------------------------- bad submissions
def test_bad_submissions_give_clear_errors(tmp_path):
    sub = copy_reference("oersted_square", tmp_path)
    (sub / "H.ovf").rename(sub / "H_moved.ovf")
    with pytest.raises(SubmissionError, match=r"H: the file .*H.ovf does not exist"):
        compare(sub, "oersted_square")
    (sub / "manifest.toml").unlink()
    with pytest.raises(SubmissionError, match="holds no manifest: write "
                                              "manifest.toml or manifest.json"):
        compare(sub, "oersted_square")
    with pytest.raises(SubmissionError, match="is not a directory"):
        compare(tmp_path / "nowhere", "oersted_square")


def test_wrong_mesh_is_named(tmp_path):
    sub = copy_reference("oersted_square", tmp_path)
    other = ubhop.Device.square4(size=0.4e-6, cell=(10e-9, 10e-9, None))
    rio.write_ovf(sub / "H.ovf", ubhop.oersted_field(other, rp.SQUARE_VOLTAGES))
    with pytest.raises(SubmissionError, match=r"H: .* is on another mesh, "
                       r"n = \(40, 40, 1\) cells .*; the problem's mesh is "
                       r"n = \(50, 50, 1\) cells of \(10, 10, 10\) nm"):
        compare(sub, "oersted_square")


def test_wrong_units_are_named(tmp_path):
    sub = copy_reference("oersted_square", tmp_path)
    edit_manifest(sub, lambda d: d["outputs"]["H"].update(units="mT"))
    with pytest.raises(SubmissionError, match="H: the manifest declares the units "
                                              "'mT'; 'A/m' is wanted"):
        compare(sub, "oersted_square")
    edit_manifest(sub, lambda d: d["outputs"]["H"].pop("units"))
    with pytest.raises(SubmissionError, match="declares no units"):
        compare(sub, "oersted_square")


def test_nan_is_named(tmp_path):
    sub = copy_reference("unit_switching", tmp_path)
    m = ubhop.runs.read_field(sub / "m_start.ovf").array.copy()
    m[3, 4, 0, 1] = np.nan
    rio.write_ovf(sub / "m_start.ovf", df.Field(rp.unit_device().mesh, nvdim=3,
                                                value=m))
    with pytest.raises(SubmissionError, match="m_start: .* holds 1 cells with NaN"):
        compare(sub, "unit_switching")
    sub = copy_reference("amr", tmp_path / "g")
    text = (sub / "G.csv").read_text().splitlines()
    text[5] = ",".join(text[5].split(",")[:-1] + ["nan"])
    (sub / "G.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(SubmissionError, match="G: .* holds NaN or infinite values, "
                                              "e.g. at"):
        compare(sub, "amr")
    edit_manifest(sub, lambda d: d["outputs"].pop("G_hall"))
    with pytest.raises(SubmissionError, match=r"lacks the outputs \['G_hall'\]"):
        compare(sub, "amr")


def test_malformed_tables_and_manifests_are_named(tmp_path):
    sub = copy_reference("amr", tmp_path)
    lines = (sub / "G_hall.csv").read_text().splitlines()
    (sub / "G_hall.csv").write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(SubmissionError, match=r"G_hall: .* lacks 1 entries, e.g. "
                                              r"\{'i': 3, 'j': 2\}"):
        compare(sub, "amr")
    (sub / "G_hall.csv").write_text("a,b,G_hall\n")
    with pytest.raises(SubmissionError, match="the header i,j,G_hall is wanted"):
        compare(sub, "amr")
    edit_manifest(sub, lambda d: d.update(problem="thermal"))
    with pytest.raises(SubmissionError, match="answers the problem 'thermal', not "
                                              "'amr'"):
        compare(sub, "amr")
    edit_manifest(sub, lambda d: d.update(problem="amr", kit_version="0"))
    with pytest.raises(SubmissionError, match="version '0' of the kit"):
        compare(sub, "amr")


def test_tables_may_be_netcdf(tmp_path):
    sub = copy_reference("amr", tmp_path)
    g = rio.read_table(sub / "G.csv", get_problem("amr").output("G"))
    g.to_dataset(name="G").to_netcdf(sub / "G.nc", engine="h5netcdf")
    edit_manifest(sub, lambda d: d["outputs"]["G"].update(file="G.nc"))
    assert compare(sub, "amr").passed


# ------------------------------------------------------------ command line
def test_cli_exit_codes_and_table(tmp_path, capsys):
    assert cli.main(["compare", str(MAGNUMNP / "unit_switching"),
                     "--problem", "unit_switching"]) == 0
    out = capsys.readouterr().out
    assert "| threshold | gap between brackets / reference |" in out
    assert "PASS: all 8 quantities within tolerance." in out
    sub = copy_reference("oersted_square", tmp_path)
    rio.write_ovf(sub / "H.ovf", -ubhop.runs.read_field(sub / "H.ovf"))
    assert cli.main(["compare", str(sub), "--problem", "oersted_square",
                     "--json", str(tmp_path / "c.json")]) == 1
    out = capsys.readouterr().out
    assert re.search(r"FAIL: 2 of 2 outside tolerance: H \(relative L2\)", out)
    assert json.loads((tmp_path / "c.json").read_text())["passed"] is False
    (sub / "H.ovf").unlink()
    assert cli.main(["compare", str(sub), "--problem", "oersted_square"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert cli.main(["compare", str(sub), "--problem", "nope"]) == 2
    assert "Unknown problem 'nope'" in capsys.readouterr().err


def test_cli_reference_list_and_write_submission(tmp_path, capsys):
    assert cli.main(["reference", "list"]) == 0
    out = capsys.readouterr().out
    assert all(f"{name}: " in out for name in problem_names())
    assert cli.main(["reference", "write-submission", "--problem", "oersted_strip",
                     "--out", str(tmp_path / "s")]) == 0
    assert cli.main(["compare", str(tmp_path / "s"), "--problem",
                     "oersted_strip"]) == 0
    assert cli.main(["reference", "write-submission", "--problem", "amr"]) == 2
    assert "needs --out" in capsys.readouterr().err


def test_docs_cite_existing_names():
    import importlib

    texts = [ROOT / "docs" / "cross_validation.md",
             *(rp.data_dir().glob("*/spec.md")), ROOT / "studies" / "reference" /
             "README.md"]
    for path in texts:
        for name in set(re.findall(r"\bubhop(?:\.[A-Za-z_][A-Za-z0-9_]*)+",
                                   path.read_text())):
            parts = name.rstrip(".").split(".")
            obj = importlib.import_module(parts[0])
            for k, part in enumerate(parts[1:], start=1):
                try:
                    obj = importlib.import_module(".".join(parts[:k + 1]))
                except ModuleNotFoundError:
                    assert hasattr(obj, part), f"{path.name}: {name}"
                    obj = getattr(obj, part)


# ------------------------------------------------------------------ slow runs
def _magnumnp_engine():
    from ubhop.engines.magnumnp import MagnumNPEngine, magnumnp_available

    if not magnumnp_available():
        pytest.skip('magnum.np not installed: pip install "ubhop[magnumnp]"')
    return MagnumNPEngine(n_threads=1)


@pytest.mark.slow
@pytest.mark.magnumnp
@pytest.mark.timeout(3600)
@pytest.mark.parametrize("problem", ["unit_switching", "thermal", "write_regime"])
def test_magnumnp_passes_the_engine_problems(problem, tmp_path):
    # about 1.5, 2 and 8 min on one thread
    rp.make(problem, tmp_path, engine=_magnumnp_engine())
    result = compare(tmp_path, problem)
    assert result.passed, result.table()


@pytest.mark.slow
@pytest.mark.oommf
@pytest.mark.timeout(1200)
def test_oommf_reproduces_the_unit_reference(tmp_path):
    from ubhop.engines import oommf_runners

    spec = oommf_runners.find_runner_spec()
    if spec[0] is None:
        pytest.skip(f"no OOMMF runner found ({spec[1]})")
    from ubhop.engines.oommf import OOMMFEngine

    with OOMMFEngine(n_threads=1) as engine:
        rp.make("unit_switching", tmp_path, engine=engine, reference=True)
    result = compare(tmp_path, "unit_switching")
    assert max(r.value for r in result.rows
               if r.metric != "bracket width / middle") < 1e-6, result.table()


@pytest.mark.slow
def test_amr_reference_is_reproduced(tmp_path):
    rp.make("amr", tmp_path, reference=True)
    result = compare(tmp_path, "amr")
    assert max(r.value for r in result.rows if "closed form" not in r.metric) < 1e-12
