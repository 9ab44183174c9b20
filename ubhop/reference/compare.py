"""Comparison of a submission with a problem's reference: metrics and tolerances.

Per quantity, one deviation and its tolerance (``TOLERANCES``; each
specification page justifies them):

- fields: the relative L2 deviation ``||H_s - H_r|| / ||H_r||`` and the
  largest cell deviation over the largest reference value;
- textures (unit m): the largest deviation of a component's mean, and the
  rms of ``|m_s - m_r|`` over the cells;
- conductances: the relative error per pair ``|G_s - G_r| / G_r``, and the
  AMR part per pair (``G(m) / G(m_z) - 1``, or ``dG/G`` from the start),
  whose deviation is absolute;
- histories (G after each write): the largest and the rms deviation;
- thresholds: the gap between the submitted and the reference bracket over
  the reference's middle (0 when they overlap), and the bracket's own width;
- derived results (energy minima, recall): the number of differences;
- thermal statistics: the measured ratio against its analytic value 1.

:func:`compare` returns a :class:`Comparison`; its ``table()`` is the text
the command line prints and ``exit_code`` is 0 (pass) or 1 (fail). A
submission that cannot be read raises ``ubhop.reference.io.SubmissionError``
(the command line's exit code 2).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from .io import SubmissionError, load_submission
from .problems import (
    EQ_ALPHA,
    EQ_FIELD,
    KIT_VERSION,
    MU0,
    PATTERNS,
    THERMAL_T,
    fd_expected_rms,
    get_problem,
    planar_hall_closed_form,
    planar_hall_resistance,
    reference_dir,
    strip_closed_form,
    strip_current,
    thermal_device,
)

TOLERANCES = {
    "field_l2": 0.01,
    "field_max": 0.03,
    "strip_profile_max": 0.01,
    "strip_profile_l2": 0.01,
    "strip_current": 0.005,
    "g_rel": 0.03,
    "amr_part": 5e-4,
    "planar_hall": 0.02,
    "threshold_gap": 0.005,
    "threshold_width": 0.01,
    "dg_rel": 5e-4,
    "m_mean": 2e-3,
    "m_rms": 0.02,
    "minima": 0,
    "recall": 0,
    "fluctuation_dissipation": 0.1,
    "equipartition": 0.1,
}
NODE_NAMES = ("N", "E", "S", "W")
# write_regime: the patterns whose written texture is reported, not judged.
# The quadrupolar "+-+-" field drives the film close to a branch point: two
# engines on the same LLG land in two minima 0.079 (rms) apart whose G differ
# by 2.4e-4 (studies/reference/README.md); its G, minima and recall are judged.
ILL_CONDITIONED = ("+-+-",)


@dataclasses.dataclass(frozen=True)
class Row:
    """One compared quantity.

    Attributes
    ----------
    quantity : str
        What is compared (an output name, ``[key]`` for one of several).
    metric : str
        How the deviation is measured.
    value : float
        The deviation (dimensionless unless the metric says otherwise).
    tolerance : float
        The largest deviation that passes.
    detail : str
        Where the largest deviation is, or the values compared.
    judged : bool
        False for a quantity that is reported but not judged (the
        specification says why): it always passes.
    """

    quantity: str
    metric: str
    value: float
    tolerance: float
    detail: str = ""
    judged: bool = True

    @property
    def passed(self) -> bool:
        """Whether the deviation is within the tolerance (NaN fails)."""
        return bool(not self.judged or self.value <= self.tolerance)

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {**dataclasses.asdict(self), "passed": self.passed}


@dataclasses.dataclass
class Comparison:
    """The comparison of one submission with one problem's reference.

    Attributes
    ----------
    problem, kit_version : str
        What was compared.
    submission : str
        The submission directory.
    solver, reference_solver : str
        The manifests' ``solver`` lines.
    rows : list of Row
        One per quantity and metric.
    """

    problem: str
    kit_version: str
    submission: str
    solver: str
    reference_solver: str
    rows: list

    @property
    def passed(self) -> bool:
        """Whether every row passes."""
        return all(r.passed for r in self.rows)

    @property
    def failed(self) -> list[str]:
        """The judged quantities (with their metric) that fail."""
        return [f"{r.quantity} ({r.metric})" for r in self.rows if not r.passed]

    @property
    def exit_code(self) -> int:
        """0 if every quantity passes, else 1."""
        return 0 if self.passed else 1

    def table(self) -> str:
        """The comparison as a Markdown table with a heading and a verdict."""
        lines = [f"problem {self.problem} (kit version {self.kit_version}); "
                 f"submission {self.submission}",
                 f"solver: {self.solver}",
                 f"reference: {self.reference_solver}", "",
                 "| quantity | metric | deviation | tolerance | result | detail |",
                 "| --- | --- | --- | --- | --- | --- |"]
        for r in self.rows:
            result = ("info" if not r.judged else "pass" if r.passed
                      else "FAIL")
            lines.append(f"| {r.quantity} | {r.metric} | {_num(r.value)} | "
                         f"{_num(r.tolerance)} | {result} | {r.detail} |")
        lines.append("")
        judged = sum(r.judged for r in self.rows)
        info = (f" ({len(self.rows) - judged} more reported, not judged)"
                if judged < len(self.rows) else "")
        if self.passed:
            lines.append(f"PASS: all {judged} quantities within tolerance{info}.")
        else:
            lines.append(f"FAIL: {len(self.failed)} of {judged} outside "
                         f"tolerance: " + "; ".join(self.failed) + f"{info}.")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        """JSON-ready dict."""
        return {"problem": self.problem, "kit_version": self.kit_version,
                "submission": self.submission, "solver": self.solver,
                "reference_solver": self.reference_solver, "passed": self.passed,
                "rows": [r.to_dict() for r in self.rows]}


def _num(x: float) -> str:
    if x == 0:
        return "0"
    if not np.isfinite(x):
        return str(x)
    return f"{x:.3g}" if 1e-3 <= abs(x) < 1e4 else f"{x:.2e}"


def _pair(i, j) -> str:
    return f"{NODE_NAMES[i]}{NODE_NAMES[j]}"


# ------------------------------------------------------------------ metrics
def field_deviation(sub, ref) -> tuple[float, float, tuple]:
    """Relative L2 and max deviation of a vector field, and the worst cell.

    Returns
    -------
    (l2, max, cell) : tuple
        ``||s - r|| / ||r||``, ``max |s - r| / max |r|`` and the cell index
        of the largest ``|s - r|``.
    """
    s = np.asarray(getattr(sub, "array", sub), dtype=float)
    r = np.asarray(getattr(ref, "array", ref), dtype=float)
    d = np.linalg.norm(s - r, axis=-1)
    n = np.linalg.norm(r, axis=-1)
    cell = tuple(int(v) for v in np.unravel_index(np.argmax(d), d.shape))
    return (float(np.sqrt((d**2).sum() / (n**2).sum())), float(d.max() / n.max()),
            cell)


def texture_deviation(sub, ref) -> tuple[float, float, str]:
    """Per-component mean and rms cell deviation of two unit textures.

    Returns
    -------
    (mean, rms, component) : tuple
        ``max_c |<m_c>_s - <m_c>_r|``, ``sqrt(<|m_s - m_r|^2>)`` and the
        component with the largest mean deviation.
    """
    s = np.asarray(getattr(sub, "array", sub), dtype=float).reshape(-1, 3)
    r = np.asarray(getattr(ref, "array", ref), dtype=float).reshape(-1, 3)
    dm = np.abs(s.mean(axis=0) - r.mean(axis=0))
    rms = float(np.sqrt(np.mean(np.sum((s - r) ** 2, axis=1))))
    return float(dm.max()), rms, "xyz"[int(np.argmax(dm))]


def relative_pairs(sub, ref) -> tuple[float, tuple]:
    """Largest ``|s - r| / |r|`` over the off-diagonal pairs, and where.

    ``sub`` and ``ref`` are ``(..., N, N)``; the location is the index of
    the leading dimensions followed by ``(i, j)``.
    """
    s, r = np.asarray(sub, dtype=float), np.asarray(ref, dtype=float)
    off = ~np.eye(r.shape[-1], dtype=bool)
    rel = np.where(off, np.abs(s - r) / np.where(off, np.abs(r), 1.0), 0.0)
    where = tuple(int(v) for v in np.unravel_index(np.argmax(rel), rel.shape))
    return float(rel.max()), where


def absolute_pairs(sub, ref) -> tuple[float, float, tuple]:
    """Largest and rms ``|s - r|`` over the off-diagonal pairs, and where."""
    s, r = np.asarray(sub, dtype=float), np.asarray(ref, dtype=float)
    off = np.broadcast_to(~np.eye(r.shape[-1], dtype=bool), r.shape)
    d = np.where(off, np.abs(s - r), 0.0)
    where = tuple(int(v) for v in np.unravel_index(np.argmax(d), d.shape))
    return float(d.max()), float(np.sqrt(np.mean(d[off] ** 2))), where


def relative_to(g, g0):
    """``(G - G0) / G0`` per off-diagonal pair (0 on the diagonal)."""
    g, g0 = np.asarray(g, dtype=float), np.asarray(g0, dtype=float)
    off = ~np.eye(g0.shape[-1], dtype=bool)
    return np.where(off, (g - g0) / np.where(off, g0, 1.0), 0.0)


def bracket_gap(sub, ref) -> tuple[float, float]:
    """Gap between two brackets over the reference's middle, and sub's width.

    Returns
    -------
    (gap, width) : tuple of float
        ``max(0, max(lo) - min(hi)) / mid_ref`` (0 when the brackets
        overlap or touch) and ``(hi_s - lo_s) / mid_s``.
    """
    (ls, hs), (lr, hr) = sub, ref
    mid_r, mid_s = 0.5 * (lr + hr), 0.5 * (ls + hs)
    return max(0.0, max(ls, lr) - min(hs, hr)) / mid_r, (hs - ls) / mid_s


def pattern_tables(g_last) -> dict:
    """Energy minima and recall of the seven patterns from their trained G.

    The weight map is fitted over the patterns (``ubhop.weights.
    calibrate_patterns``): with the pattern's own run (``"patterns"``) and
    without it (``"others"``, cross-validated); ``W = s (G - G_avg) /
    G_scale``. Recall starts from every one-bit corruption (asynchronous,
    seed 0).

    Parameters
    ----------
    g_last : array_like
        ``(7, 4, 4)`` conductances (S) after the last write, in the order of
        ``PATTERNS``.

    Returns
    -------
    dict
        Reference name -> ``{"minima": {pattern: sorted minima},
        "recall": {(pattern, flipped node): output}}``.
    """
    from ..hopfield import HopfieldNetwork
    from ..patterns import as_pattern, pattern_string
    from ..weights import calibrate_patterns

    g = np.asarray(g_last, dtype=float)
    pats = [as_pattern(p) for p in PATTERNS]
    out = {}
    for ref in ("others", "patterns"):
        minima, recall = {}, {}
        for k, p in enumerate(PATTERNS):
            wmap = calibrate_patterns(g, pats, holdout=k if ref == "others" else None)
            net = HopfieldNetwork(wmap.weights(g[k]))
            minima[p] = sorted(pattern_string(s) for s in net.minima(atol=1e-9))
            flips = np.tile(pats[k], (4, 1))
            flips[np.arange(4), np.arange(4)] *= -1
            for node, y in enumerate(net.recall(flips, seed=0)):
                recall[(p, node)] = pattern_string(y)
        out[ref] = {"minima": minima, "recall": recall}
    return out


def _n_recalled(recall: dict) -> int:
    from ..patterns import as_pattern, pattern_string

    return sum(1 for (p, _), y in recall.items()
               if y in (p, pattern_string(-as_pattern(p))))


def _n_minimum(minima: dict) -> int:
    from ..patterns import as_pattern, pattern_string

    return sum(1 for p, m in minima.items()
               if m == sorted([p, pattern_string(-as_pattern(p))]))


# ---------------------------------------------------------- rows of a kind
def _field_rows(name, sub, ref) -> list[Row]:
    l2, mx, cell = field_deviation(sub, ref)
    return [Row(name, "relative L2", l2, TOLERANCES["field_l2"]),
            Row(name, "max deviation / max H_ref", mx, TOLERANCES["field_max"],
                f"largest at cell {cell[:2]}")]


def _texture_rows(name, sub, ref, judged=True, why="") -> list[Row]:
    mean, rms, comp = texture_deviation(sub, ref)
    s = np.asarray(sub.array).reshape(-1, 3).mean(axis=0)
    r = np.asarray(ref.array).reshape(-1, 3).mean(axis=0)
    return [Row(name, "per-component mean", mean, TOLERANCES["m_mean"],
                f"<m> {_vec(s)} vs {_vec(r)} (worst m_{comp}){why}", judged),
            Row(name, "rms of m - m_ref", rms, TOLERANCES["m_rms"], "", judged)]


def _vec(v) -> str:
    return "(" + ", ".join(f"{x:+.4f}" for x in v) + ")"


def _g_rel_row(name, sub, ref, labels=None) -> Row:
    rel, where = relative_pairs(sub, ref)
    lead = "/".join(str(labels[k][v]) for k, v in enumerate(where[:-2])) \
        if labels else ""
    pair = _pair(*where[-2:])
    return Row(name, "relative error per pair", rel, TOLERANCES["g_rel"],
               f"worst {lead + ' ' if lead else ''}{pair}: "
               f"{np.asarray(sub)[where]:.6g} S vs {np.asarray(ref)[where]:.6g} S"
               if rel > 0 else "identical")


# ------------------------------------------------------------ per problem
def _rows_oersted_square(sub, ref):
    return _field_rows("H", sub["H"], ref["H"])


def _rows_oersted_strip(sub, ref):
    i_ref = strip_current()
    i_sub = sub["current"]
    rows = [Row("current", "relative error", abs(i_sub - i_ref) / abs(i_ref),
                TOLERANCES["strip_current"],
                f"{i_sub:.5g} A vs closed form {i_ref:.5g} A")]
    prof = sub["profile"]
    closed = np.stack(strip_closed_form(prof["y"], 1.0), axis=-1)
    got = np.stack([prof["Hx"], prof["Hy"], prof["Hz"]], axis=-1) / i_sub
    d = np.linalg.norm(got - closed, axis=-1)
    n = np.linalg.norm(closed, axis=-1)
    k = int(np.argmax(d))
    rows += [Row("profile", "max / peak, H / I vs closed form",
                 float(d.max() / n.max()),
                 TOLERANCES["strip_profile_max"],
                 f"largest at y = {prof['y'][k] * 1e9:.0f} nm; {len(d)} points"),
             Row("profile", "relative L2, H / I vs closed form",
                 float(np.sqrt((d**2).sum() / (n**2).sum())),
                 TOLERANCES["strip_profile_l2"])]
    return rows


def _rows_amr(sub, ref):
    gs, gr = sub["G"], ref["G"]
    labels = [list(gs.texture.values)]
    rows = [_g_rel_row("G", gs.values, gr.values, labels)]
    iso_s, iso_r = gs.sel(texture="z").values, gr.sel(texture="z").values
    for tex in ("x", "diag", "vortex"):
        amr_s = relative_to(gs.sel(texture=tex).values, iso_s)
        amr_r = relative_to(gr.sel(texture=tex).values, iso_r)
        mx, _, where = absolute_pairs(amr_s, amr_r)
        rows.append(Row(f"G[{tex}] / G[z] - 1", "absolute error per pair (AMR part)",
                        mx, TOLERANCES["amr_part"],
                        f"worst {_pair(*where)}: {amr_s[where]:+.5f} vs "
                        f"{amr_r[where]:+.5f}"))
    rows.append(_g_rel_row("G_hall", sub["G_hall"].values, ref["G_hall"].values))
    r_sub = planar_hall_resistance(sub["G_hall"].values)
    r_closed = planar_hall_closed_form()
    r_ref = planar_hall_resistance(ref["G_hall"].values)
    rows.append(Row("G_hall: V_H / I", "relative error vs closed form",
                    abs(r_sub - r_closed) / abs(r_closed), TOLERANCES["planar_hall"],
                    f"{r_sub:.5g} Ohm; closed form {r_closed:.5g} Ohm, reference "
                    f"{r_ref:.5g} Ohm"))
    return rows


def _rows_unit(sub, ref):
    (ls, hs), (lr, hr) = sub["threshold"], ref["threshold"]
    gap, width = bracket_gap((ls, hs), (lr, hr))
    rows = [Row("threshold", "gap between brackets / reference", gap,
                TOLERANCES["threshold_gap"],
                f"[{ls * 1e3:.4f}, {hs * 1e3:.4f}] mT vs [{lr * 1e3:.4f}, "
                f"{hr * 1e3:.4f}] mT"),
            Row("threshold", "bracket width / middle", width,
                TOLERANCES["threshold_width"])]
    gs, gr = sub["G"], ref["G"]
    rows.append(_g_rel_row("G[start]", gs.sel(state="start").values,
                           gr.sel(state="start").values))
    ds = relative_to(gs.sel(state="switched").values, gs.sel(state="start").values)
    dr = relative_to(gr.sel(state="switched").values, gr.sel(state="start").values)
    mx, _, where = absolute_pairs(ds, dr)
    rows.append(Row("dG/G[switched]", "absolute error per pair", mx,
                    TOLERANCES["dg_rel"],
                    f"worst {_pair(*where)}: {ds[where]:+.5f} vs {dr[where]:+.5f}"))
    rows += _texture_rows("m_start", sub["m_start"], ref["m_start"])
    rows += _texture_rows("m_switched", sub["m_switched"], ref["m_switched"])
    return rows


def _rows_write(sub, ref):
    rows = [_g_rel_row("G_start", sub["G_start"].values, ref["G_start"].values)]
    gs, gr = sub["G"], ref["G"]
    labels = [list(gs.pattern.values), list(gs.write.values)]
    rows.append(_g_rel_row("G", gs.values, gr.values, labels))
    ds = relative_to(gs.values, sub["G_start"].values)
    dr = relative_to(gr.values, ref["G_start"].values)
    mx, rms, where = absolute_pairs(ds, dr)
    rows.append(Row("dG/G after each write", "absolute error per pair (history)", mx,
                    TOLERANCES["dg_rel"],
                    f"rms {rms:.2g}; worst {labels[0][where[0]]} write "
                    f"{labels[1][where[1]]} {_pair(*where[2:])}: "
                    f"{ds[where]:+.5f} vs {dr[where]:+.5f}"))
    ts, tr = pattern_tables(gs.values[:, -1]), pattern_tables(gr.values[:, -1])
    for key, what in (("others", "G_avg over the other six"),
                      ("patterns", "G_avg over the seven")):
        ms, mr = ts[key]["minima"], tr[key]["minima"]
        diff = [p for p in PATTERNS if ms[p] != mr[p]]
        rows.append(Row(f"minima ({what})", "patterns whose minima differ",
                        len(diff), TOLERANCES["minima"],
                        f"trained pattern the minimum: {_n_minimum(ms)}/7 vs "
                        f"{_n_minimum(mr)}/7" + (f"; differ: {', '.join(diff)}"
                                                  if diff else "")))
    rs, rr = ts["others"]["recall"], tr["others"]["recall"]
    diff = [f"{p} flip {NODE_NAMES[n]}" for (p, n) in rs if rs[(p, n)] != rr[(p, n)]]
    rows.append(Row("recall (G_avg over the other six)", "one-bit recalls that differ",
                    len(diff), TOLERANCES["recall"],
                    f"recalled {_n_recalled(rs)}/28 vs {_n_recalled(rr)}/28"
                    + (f"; differ: {', '.join(diff[:4])}" if diff else "")))
    rows += _texture_rows("m_start", sub["m_start"], ref["m_start"])
    for p in PATTERNS:
        why = ("; not judged: ill-conditioned, see the spec"
               if p in ILL_CONDITIONED else "")
        rows += _texture_rows(f"m[{p}]", sub["m"][p], ref["m"][p],
                              judged=p not in ILL_CONDITIONED, why=why)
    return rows


def _rows_thermal(sub, ref):
    from .statistics import equipartition_ratio, fd_ratio

    expected = fd_expected_rms()
    fd_s = fd_ratio(sub["fd_cold"], sub["fd_hot"], expected)
    fd_r = fd_ratio(ref["fd_cold"], ref["fd_hot"], expected)
    deq = thermal_device(alpha=EQ_ALPHA)
    field = (EQ_FIELD / MU0, 0.0, 0.0)
    eq_s = equipartition_ratio(deq, sub["eq_ground"], sub["eq_samples"], field,
                               THERMAL_T)
    eq_r = equipartition_ratio(deq, ref["eq_ground"], ref["eq_samples"], field,
                               THERMAL_T)
    return [Row("fluctuation-dissipation", "abs(rms dm / analytic - 1)", abs(fd_s - 1),
                TOLERANCES["fluctuation_dissipation"],
                f"ratio {fd_s:.3f} ({len(sub['fd_hot'])} realisations); OOMMF "
                f"reference {fd_r:.3f}; analytic rms {expected:.4g}"),
            Row("equipartition", "abs(<E - E0> / (N kT) - 1)", abs(eq_s - 1),
                TOLERANCES["equipartition"],
                f"ratio {eq_s:.3f} ({len(sub['eq_samples'])} samples); OOMMF "
                f"reference {eq_r:.3f}")]


ROWS = {"oersted_square": _rows_oersted_square, "oersted_strip": _rows_oersted_strip,
        "amr": _rows_amr, "unit_switching": _rows_unit, "write_regime": _rows_write,
        "thermal": _rows_thermal}


def compare(submission, problem: str, reference=None) -> Comparison:
    """Compare a submission directory with a problem's reference.

    Parameters
    ----------
    submission : str or Path
        The submission directory (``manifest.toml`` and its files).
    problem : str
        The problem's name (``ubhop.reference.problem_names()``).
    reference : str or Path, optional
        Another reference directory; default: the one shipped with ubhop.

    Returns
    -------
    Comparison
        One row per quantity; ``passed``, ``failed``, ``table()``.

    Raises
    ------
    ubhop.reference.io.SubmissionError
        If the submission (or the reference) cannot be read: missing files,
        another mesh, other units, NaN; the message names the output.
    ValueError
        For an unknown problem.
    """
    prob = get_problem(problem)
    ref_dir = reference_dir(prob.name) if reference is None else Path(reference)
    manifest, sub = load_submission(submission, prob.outputs, prob.name, KIT_VERSION)
    try:
        ref_manifest, ref = load_submission(ref_dir, prob.outputs, prob.name,
                                            KIT_VERSION)
    except SubmissionError as exc:
        raise SubmissionError(f"The reference of {prob.name!r} in {ref_dir} cannot "
                              f"be read ({exc}); remake it with `ubhop reference "
                              f"make --problem {prob.name}`.") from None
    rows = ROWS[prob.name](sub, ref)
    return Comparison(prob.name, KIT_VERSION, str(submission),
                      str(manifest.get("solver")), str(ref_manifest.get("solver")),
                      rows)
