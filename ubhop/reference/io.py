"""Submission files: the manifest, OVF fields, CSV or netCDF tables.

A submission is a directory holding ``manifest.toml`` (or ``manifest.json``)
and the files it names. The manifest says which problem and kit version the
submission answers, which solver made it, and, per output, the file (or files,
or the inline values) and the units::

    problem = "unit_switching"
    kit_version = "1"
    solver = "mysolver 2.3, RK45, 10 nm cells"

    [outputs.threshold]          # inline values
    lo = 0.03832
    hi = 0.03844
    units = "T"

    [outputs.G]                  # a table: CSV (long format) or netCDF
    file = "G.csv"
    units = "S"

    [outputs.m_switched]         # a field: OVF 1.0 or 2.0, text or binary
    file = "m_switched.ovf"
    units = "1"

    [outputs.m]                  # several fields, by key (or a list)
    units = "1"
    files = {"++--" = "m_++--.ovf", "+-+-" = "m_+-+-.ovf"}

Every problem lists its outputs (``ubhop.reference.problems.PROBLEMS``):
their kind, units, table dimensions and meshes. Reading checks them all and
raises :class:`SubmissionError` with the output, the file and what was
expected: a missing file, another mesh, other units, a missing table entry,
NaN. The reference directories are submissions of the same format.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import math
import tomllib
import warnings
from pathlib import Path

import discretisedfield as df
import numpy as np
import tomli_w
import xarray as xr

from .. import runs

MANIFEST_NAMES = ("manifest.toml", "manifest.json")
KINDS = ("field", "fields", "table", "scalar", "bracket", "profile")
PROFILE_COLUMNS = ("y", "Hx", "Hy", "Hz")


class SubmissionError(ValueError):
    """A submission that cannot be compared: what is wrong and what is wanted."""


@dataclasses.dataclass(frozen=True)
class Output:
    """One output of a reference problem: what a submission must hold.

    Attributes
    ----------
    name : str
        Key in the manifest's ``[outputs]`` table.
    kind : str
        ``"field"`` (one OVF file on ``mesh``), ``"fields"`` (several OVF
        files: by ``keys``, or a list of at least ``min_count``), ``"table"``
        (CSV long format or netCDF with dimensions ``dims``), ``"scalar"``
        (``value``), ``"bracket"`` (``lo`` and ``hi``) or ``"profile"``
        (CSV with the columns ``y, Hx, Hy, Hz``).
    units : str
        The units the manifest must declare (``"1"``: dimensionless).
    description : str
        One line for the specification and error messages.
    mesh : callable, optional
        ``mesh()`` -> the ``df.Mesh`` of a field.
    dims : tuple of str
        Table dimensions, last two ``("i", "j")`` for conductance matrices.
    coords : dict
        Table dimension -> the values it must hold (strings or ints).
    keys : tuple of str
        Keys of a ``"fields"`` output given by key.
    min_count : int
        Least number of files of a ``"fields"`` output given as a list.
    file : str
        File name that ``write_submission`` uses (``{key}`` for keyed fields,
        ``{k}`` for listed ones).
    """

    name: str
    kind: str
    units: str
    description: str
    mesh: object = None
    dims: tuple = ()
    coords: dict = dataclasses.field(default_factory=dict)
    keys: tuple = ()
    min_count: int = 0
    file: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"Output.kind must be one of {KINDS}, got {self.kind!r}.")


# ---------------------------------------------------------------- manifest
def find_manifest(sub_dir) -> Path:
    """The manifest file of a submission directory.

    Raises
    ------
    SubmissionError
        If the directory or its manifest does not exist.
    """
    sub_dir = Path(sub_dir)
    if not sub_dir.is_dir():
        raise SubmissionError(f"The submission {sub_dir} is not a directory.")
    for name in MANIFEST_NAMES:
        if (sub_dir / name).is_file():
            return sub_dir / name
    raise SubmissionError(f"The submission {sub_dir} holds no manifest: write "
                          f"{' or '.join(MANIFEST_NAMES)} (see the problem's spec).")


def read_manifest(sub_dir) -> dict:
    """Read and check the manifest of a submission directory.

    Returns
    -------
    dict
        With ``problem``, ``kit_version``, ``solver`` and ``outputs``.
    """
    path = find_manifest(sub_dir)
    try:
        data = (tomllib.loads(path.read_text()) if path.suffix == ".toml"
                else json.loads(path.read_text()))
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SubmissionError(f"{path} is not valid {path.suffix[1:].upper()}: "
                              f"{exc}") from None
    if not isinstance(data, dict):
        raise SubmissionError(f"{path} must hold a table (problem, kit_version, "
                              f"solver, outputs).")
    for key in ("problem", "kit_version", "outputs"):
        if key not in data:
            raise SubmissionError(f"{path} lacks the key {key!r} (it needs problem, "
                                  f"kit_version, solver and outputs).")
    if not isinstance(data["outputs"], dict):
        raise SubmissionError(f"{path}: 'outputs' must be a table of outputs.")
    data.setdefault("solver", "(not given)")
    data["kit_version"] = str(data["kit_version"])
    data["_path"] = str(path)
    return data


def write_manifest(sub_dir, manifest: dict) -> Path:
    """Write ``manifest.toml`` atomically; return its path."""
    path = Path(sub_dir) / "manifest.toml"
    clean = {k: v for k, v in manifest.items() if not k.startswith("_")}
    runs.write_text(path, tomli_w.dumps(clean))
    return path


# ------------------------------------------------------------------ fields
def same_grid(a: df.Mesh, b: df.Mesh, rtol: float = 1e-6) -> bool:
    """Whether two meshes have the same cells (counts and sizes).

    The origin may differ (some solvers centre the film on 0): fields are
    compared cell by cell.
    """
    return (tuple(a.n) == tuple(b.n)
            and np.allclose(a.cell, b.cell, rtol=rtol, atol=0))


def describe_mesh(mesh: df.Mesh) -> str:
    """``n = (nx, ny, nz) cells of (dx, dy, dz) nm``."""
    cell = ", ".join(f"{c * 1e9:g}" for c in mesh.cell)
    return f"n = {tuple(int(v) for v in mesh.n)} cells of ({cell}) nm"


def read_ovf(path, mesh: df.Mesh, what: str) -> df.Field:
    """Read a vector field from an OVF file and check it against ``mesh``.

    Any OVF that discretisedfield reads (OVF 1.0 and 2.0, text, binary 4 and
    binary 8: what OOMMF, mumax3 and discretisedfield write).

    Parameters
    ----------
    path : str or Path
        The file.
    mesh : df.Mesh
        The problem's mesh: the file must have its cell counts and sizes.
    what : str
        Name of the output, for messages.

    Returns
    -------
    df.Field
        ``nvdim=3`` on ``mesh`` (the problem's origin).
    """
    path = Path(path)
    if not path.is_file():
        raise SubmissionError(f"{what}: the file {path} does not exist.")
    try:
        with warnings.catch_warnings():
            # discretisedfield's text reader trips over pandas deprecations
            # with mumax3's trailing spaces; they change nothing read
            warnings.simplefilter("ignore", DeprecationWarning)
            warnings.simplefilter("ignore", FutureWarning)
            field = df.Field.from_file(str(path))
    except Exception as exc:  # discretisedfield raises many kinds
        raise SubmissionError(f"{what}: {path} is not a readable OVF file "
                              f"({type(exc).__name__}: {exc}).") from None
    if field.nvdim != 3:
        raise SubmissionError(f"{what}: {path} holds a field of {field.nvdim} "
                              f"component(s); a vector field (valuedim 3) is wanted.")
    if not same_grid(field.mesh, mesh):
        raise SubmissionError(f"{what}: {path} is on another mesh, "
                              f"{describe_mesh(field.mesh)}; the problem's mesh is "
                              f"{describe_mesh(mesh)}.")
    arr = np.asarray(field.array, dtype=float)
    bad = ~np.isfinite(arr)
    if bad.any():
        raise SubmissionError(f"{what}: {path} holds {int(bad.any(axis=-1).sum())} "
                              f"cells with NaN or infinite values.")
    return df.Field(mesh, nvdim=3, value=arr, vdims=["x", "y", "z"])


def write_ovf(path, field: df.Field, representation: str = "bin8") -> None:
    """Write a field as OVF 2.0 atomically (``bin8``, ``bin4`` or ``txt``)."""
    with runs.atomic_path(path, suffix=".ovf") as tmp:
        field.to_file(str(tmp), representation=representation)


# ------------------------------------------------------------------ tables
def _parse_coord(dim: str, text: str):
    """A table coordinate: ints for i, j, write, k; strings otherwise."""
    if dim in ("i", "j", "write", "k"):
        try:
            return int(text)
        except ValueError:
            raise SubmissionError(f"the column {dim!r} holds {text!r}, not an "
                                  f"integer.") from None
    return text.strip()


def read_table(path, out: Output) -> xr.DataArray:
    """Read a table output (CSV long format or netCDF) and check it.

    CSV: a header with the dimensions and the output's name (e.g.
    ``texture,i,j,G``), one row per entry. netCDF: a variable named as the
    output with those dimensions (and coordinates). Entries with ``i == j``
    may be left out (conductance matrices have no diagonal); every other
    combination of the coordinates must be present, once.

    Returns
    -------
    xarray.DataArray
        Dimensions ``out.dims`` in the order of ``out.coords``, diagonal 0.
    """
    path = Path(path)
    what = out.name
    if not path.is_file():
        raise SubmissionError(f"{what}: the file {path} does not exist.")
    coords = {d: list(out.coords[d]) for d in out.dims}
    shape = tuple(len(coords[d]) for d in out.dims)
    values = np.full(shape, np.nan)
    seen = np.zeros(shape, dtype=bool)
    matrix = out.dims[-2:] == ("i", "j")
    if path.suffix in (".nc", ".nc4", ".cdf"):
        try:
            with xr.open_dataset(path, engine="h5netcdf") as ds:
                ds = ds.load()
        except Exception as exc:
            raise SubmissionError(f"{what}: {path} is not a readable netCDF file "
                                  f"({type(exc).__name__}: {exc}).") from None
        if what not in ds:
            raise SubmissionError(f"{what}: {path} has no variable {what!r} (it has "
                                  f"{sorted(ds.data_vars)}).")
        da = ds[what]
        if set(da.dims) != set(out.dims):
            raise SubmissionError(f"{what}: {path} has dimensions {da.dims}; "
                                  f"{out.dims} are wanted.")
        da = da.transpose(*out.dims)
        for d in out.dims:
            got = ([_parse_coord(d, str(v)) for v in da[d].values] if d in da.coords
                   else list(range(da.sizes[d])))
            if sorted(map(str, got)) != sorted(map(str, coords[d])):
                raise SubmissionError(f"{what}: {path}: dimension {d!r} holds {got}; "
                                      f"{coords[d]} are wanted.")
            da = da.assign_coords({d: got})
        values = np.asarray(da.sel({d: coords[d] for d in out.dims}).values,
                            dtype=float)
        seen[:] = True
    elif path.suffix == ".csv":
        with open(path, newline="") as fh:
            rows = list(csv.reader(fh))
        rows = [r for r in rows if r and not r[0].lstrip().startswith("#")]
        header = [h.strip() for h in rows[0]] if rows else []
        wanted = [*out.dims, what]
        if header != wanted:
            raise SubmissionError(f"{what}: {path} has the header {header}; the "
                                  f"header {','.join(wanted)} is wanted.")
        for line, row in enumerate(rows[1:], start=2):
            if len(row) != len(wanted):
                raise SubmissionError(f"{what}: {path} line {line} has {len(row)} "
                                      f"fields; {len(wanted)} are wanted.")
            try:
                key = tuple(coords[d].index(_parse_coord(d, row[k]))
                            for k, d in enumerate(out.dims))
            except SubmissionError as exc:
                raise SubmissionError(f"{what}: {path} line {line}: {exc}") from None
            except ValueError:
                raise SubmissionError(
                    f"{what}: {path} line {line} names "
                    f"{dict(zip(out.dims, row, strict=False))}; the allowed values "
                    f"are {coords}.") from None
            if seen[key]:
                raise SubmissionError(f"{what}: {path} line {line} repeats the entry "
                                      f"{dict(zip(out.dims, row, strict=False))}.")
            try:
                values[key] = float(row[-1])
            except ValueError:
                raise SubmissionError(f"{what}: {path} line {line}: {row[-1]!r} is "
                                      f"not a number.") from None
            seen[key] = True
    else:
        raise SubmissionError(f"{what}: {path} must be a .csv or .nc file.")
    need = np.ones(shape, dtype=bool)
    if matrix:
        diag = np.asarray(coords["i"])[:, None] == np.asarray(coords["j"])[None, :]
        need &= ~diag
        values = np.where(diag, 0.0, values)
    missing = need & ~seen
    if missing.any():
        first = [coords[d][k] for d, k in zip(out.dims, np.argwhere(missing)[0],
                                               strict=True)]
        raise SubmissionError(f"{what}: {path} lacks {int(missing.sum())} entries, "
                              f"e.g. {dict(zip(out.dims, first, strict=True))}.")
    if not np.isfinite(values[need]).all():
        bad = np.argwhere(need & ~np.isfinite(values))[0]
        where = {d: coords[d][k] for d, k in zip(out.dims, bad, strict=True)}
        raise SubmissionError(f"{what}: {path} holds NaN or infinite values, e.g. "
                              f"at {where}.")
    return xr.DataArray(values, dims=out.dims, coords=coords, name=what,
                        attrs={"units": out.units})


def write_table(path, da: xr.DataArray) -> None:
    """Write a table as CSV long format (header: dimensions, then the name)."""
    dims = list(da.dims)
    lines = [",".join([*dims, str(da.name)])]
    for idx in np.ndindex(*da.shape):
        key = [str(da[d].values[k]) for d, k in zip(dims, idx, strict=True)]
        if "i" in dims and "j" in dims and key[dims.index("i")] == key[dims.index("j")]:
            continue
        lines.append(",".join([*key, repr(float(da.values[idx]))]))
    runs.write_text(path, "\n".join(lines) + "\n")


def read_profile(path, what: str) -> dict:
    """Read a field profile: CSV with the columns ``y, Hx, Hy, Hz``.

    Returns
    -------
    dict
        Column name -> 1-D numpy array.
    """
    path = Path(path)
    if not path.is_file():
        raise SubmissionError(f"{what}: the file {path} does not exist.")
    with open(path, newline="") as fh:
        rows = [r for r in csv.reader(fh) if r and not r[0].lstrip().startswith("#")]
    header = [h.strip() for h in rows[0]] if rows else []
    if header != list(PROFILE_COLUMNS):
        raise SubmissionError(f"{what}: {path} has the header {header}; the header "
                              f"{','.join(PROFILE_COLUMNS)} is wanted.")
    try:
        data = np.array([[float(v) for v in r] for r in rows[1:]], dtype=float)
    except ValueError as exc:
        raise SubmissionError(f"{what}: {path}: {exc}.") from None
    if data.ndim != 2 or data.shape[1] != 4 or len(data) == 0:
        raise SubmissionError(f"{what}: {path} must hold rows of 4 numbers.")
    if not np.isfinite(data).all():
        raise SubmissionError(f"{what}: {path} holds NaN or infinite values.")
    return {c: data[:, k] for k, c in enumerate(PROFILE_COLUMNS)}


def write_profile(path, profile: dict) -> None:
    """Write a profile as CSV (``y, Hx, Hy, Hz``)."""
    cols = [np.asarray(profile[c], dtype=float) for c in PROFILE_COLUMNS]
    lines = [",".join(PROFILE_COLUMNS)]
    lines += [",".join(repr(float(v)) for v in row) for row in zip(*cols, strict=True)]
    runs.write_text(path, "\n".join(lines) + "\n")


# -------------------------------------------------------------- submissions
def _number(entry, key, what):
    value = entry.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SubmissionError(f"{what}: the manifest's {key!r} must be a number, got "
                              f"{value!r}.")
    if not math.isfinite(value):
        raise SubmissionError(f"{what}: the manifest's {key!r} is {value!r} (NaN or "
                              f"infinite).")
    return float(value)


def load_output(sub_dir: Path, out: Output, entry):
    """Read one output of a submission, as its manifest entry describes it."""
    what = out.name
    if not isinstance(entry, dict):
        raise SubmissionError(f"{what}: the manifest's entry must be a table, got "
                              f"{entry!r}.")
    units = entry.get("units")
    if units is None:
        raise SubmissionError(f"{what}: the manifest declares no units; {out.units!r} "
                              f"is wanted ({out.description}).")
    if str(units).strip() != out.units:
        raise SubmissionError(f"{what}: the manifest declares the units {units!r}; "
                              f"{out.units!r} is wanted ({out.description}). Convert "
                              f"the values, do not relabel them.")
    if out.kind == "scalar":
        return _number(entry, "value", what)
    if out.kind == "bracket":
        lo, hi = _number(entry, "lo", what), _number(entry, "hi", what)
        if not 0 < lo < hi:
            raise SubmissionError(f"{what}: the bracket must satisfy 0 < lo < hi, got "
                                  f"lo = {lo!r}, hi = {hi!r}.")
        return (lo, hi)
    if out.kind == "fields":
        files = entry.get("files")
        if isinstance(files, dict) and out.keys:
            missing = [k for k in out.keys if k not in files]
            if missing:
                raise SubmissionError(f"{what}: the manifest's files lack the keys "
                                      f"{missing}; the keys {list(out.keys)} are "
                                      f"wanted.")
            return {k: read_ovf(sub_dir / str(files[k]), out.mesh(), f"{what}[{k}]")
                    for k in out.keys}
        if isinstance(files, list) and not out.keys:
            if len(files) < out.min_count:
                raise SubmissionError(f"{what}: {len(files)} files given; at least "
                                      f"{out.min_count} are wanted.")
            return [read_ovf(sub_dir / str(f), out.mesh(), f"{what}[{k}]")
                    for k, f in enumerate(files)]
        form = ("a table key -> file for the keys " + str(list(out.keys))
                if out.keys else f"a list of at least {out.min_count} files")
        raise SubmissionError(f"{what}: the manifest's 'files' must be {form}.")
    file = entry.get("file")
    if not isinstance(file, str) or not file:
        raise SubmissionError(f"{what}: the manifest's entry needs 'file' (a file "
                              f"name in the submission directory).")
    if out.kind == "field":
        return read_ovf(sub_dir / file, out.mesh(), what)
    if out.kind == "table":
        return read_table(sub_dir / file, out)
    return read_profile(sub_dir / file, what)


def load_submission(sub_dir, outputs, problem: str, kit_version: str) -> tuple:
    """Read every output of a submission.

    Parameters
    ----------
    sub_dir : str or Path
        The submission directory.
    outputs : sequence of Output
        The problem's outputs.
    problem, kit_version : str
        What the manifest must name.

    Returns
    -------
    (manifest, values) : tuple of dict
        ``values`` maps output names to what was read.

    Raises
    ------
    SubmissionError
        For anything missing, malformed, on another mesh, in other units or
        not finite.
    """
    sub_dir = Path(sub_dir)
    manifest = read_manifest(sub_dir)
    where = manifest["_path"]
    if manifest["problem"] != problem:
        raise SubmissionError(f"{where} answers the problem "
                              f"{manifest['problem']!r}, not {problem!r}.")
    if manifest["kit_version"] != kit_version:
        raise SubmissionError(f"{where} answers version {manifest['kit_version']!r} "
                              f"of the kit; the references are version "
                              f"{kit_version!r}.")
    entries = manifest["outputs"]
    missing = [o.name for o in outputs if o.name not in entries]
    if missing:
        raise SubmissionError(f"{where} lacks the outputs {missing}; problem "
                              f"{problem!r} wants " + ", ".join(
                                  f"{o.name} ({o.description}, {o.units})"
                                  for o in outputs if o.name in missing) + ".")
    values = {o.name: load_output(sub_dir, o, entries[o.name]) for o in outputs}
    return manifest, values


def write_submission(sub_dir, outputs, values: dict, problem: str, kit_version: str,
                     solver: str, representation: str = "bin8") -> Path:
    """Write a submission directory: the files and ``manifest.toml``.

    Parameters
    ----------
    sub_dir : str or Path
        Directory (made if needed).
    outputs : sequence of Output
        The problem's outputs.
    values : dict
        Output name -> value: ``df.Field``; dict or list of ``df.Field``;
        ``xr.DataArray``; float; ``(lo, hi)``; profile dict.
    problem, kit_version, solver : str
        For the manifest.
    representation : str
        OVF representation of the fields (``bin8``, ``bin4``, ``txt``).

    Returns
    -------
    Path
        The manifest's path.
    """
    sub_dir = Path(sub_dir)
    sub_dir.mkdir(parents=True, exist_ok=True)
    entries = {}
    for out in outputs:
        value = values[out.name]
        entry = {"units": out.units}
        if out.kind == "scalar":
            entry["value"] = float(value)
        elif out.kind == "bracket":
            entry["lo"], entry["hi"] = float(value[0]), float(value[1])
        elif out.kind == "field":
            entry["file"] = out.file
            write_ovf(sub_dir / out.file, value, representation)
        elif out.kind == "fields":
            if isinstance(value, dict):
                files = {k: out.file.format(key=k) for k in value}
                for k, f in value.items():
                    write_ovf(sub_dir / files[k], f, representation)
            else:
                files = [out.file.format(k=k) for k in range(len(value))]
                for name, f in zip(files, value, strict=True):
                    write_ovf(sub_dir / name, f, representation)
            entry["files"] = files
        elif out.kind == "table":
            entry["file"] = out.file
            write_table(sub_dir / out.file, value.rename(out.name))
        else:
            entry["file"] = out.file
            write_profile(sub_dir / out.file, value)
        entries[out.name] = entry
    return write_manifest(sub_dir, {"problem": problem, "kit_version": kit_version,
                                    "solver": solver, "outputs": entries})
