"""Figures (matplotlib): the paper's Fig. 2 and texture maps."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg", force=False)

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import runs  # noqa: E402
from .patterns import as_pattern, pattern_string  # noqa: E402


def texture_axes(ax, m, title=None, arrows=12, pads=(), colorbar=False):
    """Draw the in-plane angle of m (hue) with arrows, mid-layer of the film.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        Where to draw.
    m : df.Field
        Magnetisation (any norm).
    title : str, optional
        Axes title.
    arrows : int
        About this many arrows along each side.
    pads : sequence of Pad
        Pads to outline (with their node's name from ``names`` if given as
        ``(pad, name)`` pairs).
    colorbar : bool
        Add a colour scale of the in-plane angle (degrees from +x).

    Returns
    -------
    matplotlib.image.AxesImage
        The angle map (for a shared colour scale).
    """
    arr = m.array[:, :, m.array.shape[2] // 2, :]
    with np.errstate(invalid="ignore"):  # no material (islands): NaN, not drawn
        arr = arr / np.linalg.norm(arr, axis=-1, keepdims=True)
    angle = np.arctan2(arr[..., 1], arr[..., 0])
    pmax = m.mesh.region.pmax
    ext = [0, pmax[0] * 1e9, 0, pmax[1] * 1e9]
    image = ax.imshow(np.degrees(angle).T, origin="lower", cmap="hsv", vmin=-180,
                      vmax=180, extent=ext, interpolation="nearest")
    nx, ny = angle.shape
    step = max(1, max(nx, ny) // arrows)
    xs = (np.arange(nx)[::step] + 0.5) * ext[1] / nx
    ys = (np.arange(ny)[::step] + 0.5) * ext[3] / ny
    xx, yy = np.meshgrid(xs, ys, indexing="ij")
    ax.quiver(xx, yy, arr[::step, ::step, 0], arr[::step, ::step, 1],
              color="k", pivot="mid", scale=arrows * 1.5, width=0.006)
    for item in pads:
        pad, name = item if isinstance(item, tuple) else (item, None)
        (x0, x1), (y0, y1) = pad.x, pad.y
        ax.add_patch(plt.Rectangle((x0 * 1e9, y0 * 1e9), (x1 - x0) * 1e9,
                                   (y1 - y0) * 1e9, facecolor="gold",
                                   edgecolor="k", lw=0.8, alpha=0.85))
        if name is not None:
            ax.text(0.5 * (x0 + x1) * 1e9, 0.5 * (y0 + y1) * 1e9, name,
                    ha="center", va="center", fontsize=7)
    ax.set_xlabel("x (nm)")
    ax.set_ylabel("y (nm)")
    if title:
        ax.set_title(title, fontsize=9)
    if colorbar:
        bar = ax.figure.colorbar(image, ax=ax, shrink=0.8, ticks=[-180, -90, 0, 90,
                                                                  180])
        bar.set_label("in-plane angle of m (deg from +x)")
    return image


def pair_label(i, j, names=None):
    """``"G<i><j>"`` with node names from ``names`` (a dict), else indices."""
    names = names or {}
    return f"G{names.get(i, i)}{names.get(j, j)}"


def law_curves(g0, products, eta, alpha, g_avg, samples: int = 16):
    """Eq. (1) drawn between pulses: the geometric approach in continuous time.

    For a pulse ``t`` with ``V_i V_j = v`` eq. (1) moves ``G`` a fraction
    ``r = 2 eta alpha`` of the way to ``G* = G_avg + v / (2 alpha)``. Between
    pulses ``t - 1`` and ``t`` the curve is ``G* + (G(t-1) - G*) (1 - r)^s``,
    ``0 <= s <= 1``: the exponential approach whose samples at whole pulses
    are eq. (1) itself. Where ``r >= 1`` (overshoot, a one-pulse jump) the
    curve is a straight segment between the pulses.

    Returns
    -------
    s : numpy.ndarray
        ``(T * samples + 1,)`` pulse numbers.
    g : numpy.ndarray
        ``(T * samples + 1, N, N)`` conductances (S).
    """
    from .learning import oja_trajectory

    traj = oja_trajectory(g0, products, eta, alpha, g_avg)
    frac = np.linspace(0, 1, samples + 1)[1:]
    rate = 2 * eta * alpha
    xs, gs = [0.0], [traj[0]]
    for t, v in enumerate(products, start=1):
        target = g_avg + v / (2 * alpha)
        with np.errstate(invalid="ignore", divide="ignore"):
            smooth = (target + (traj[t - 1] - target)
                      * np.power.outer(1 - rate, frac).transpose(2, 0, 1))
        linear = traj[t - 1] + np.multiply.outer(frac, traj[t] - traj[t - 1])
        ok = (rate > 0) & (rate < 1)
        gs.extend(np.where(ok, smooth, linear))
        xs.extend(t - 1 + frac)
    return np.array(xs), np.array(gs)


def fig2(hist, fit=None, theory=None, textures=(), path=None, node_names=None,
         products=None, pads=()):
    """The paper's Fig. 2: G_ij against pulse number, and texture snapshots.

    Parameters
    ----------
    hist : xarray.Dataset
        Training history (``G`` in S, ``pattern``, ``segment``).
    fit : LearningFit, optional
        Its R^2 per pair goes into the legend.
    theory : numpy.ndarray, optional
        ``(T + 1, N, N)`` eq. (1) from the fitted parameters at whole pulses
        (drawn as open markers); with ``fit`` and ``products`` the fitted law
        is also drawn between pulses (``law_curves``).
    textures : sequence of (step, df.Field)
        Snapshots for panel b.
    path : str or Path, optional
        Save the figure there (PNG).
    node_names : dict, optional
        Names for the nodes in labels (e.g. ``{0: "N", 1: "E", ...}``).
    products : numpy.ndarray, optional
        ``(T, N, N)`` ``V_i V_j`` of each pulse (V^2), for the fitted law.
    pads : sequence of Pad
        Pads outlined on the texture panels.

    Returns
    -------
    matplotlib.figure.Figure
    """
    g = hist.G.values
    steps = hist.step.values
    n = g.shape[1]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    ncols = max(1, len(textures))
    fig = plt.figure(figsize=(max(9, 2.6 * ncols), 7.5), constrained_layout=True)
    gs = fig.add_gridspec(2, ncols, height_ratios=[1.6, 1])
    ax = fig.add_subplot(gs[0, :])
    colors = plt.cm.tab10(np.linspace(0, 1, 10))
    r2 = {p.pair: p.r2 for p in fit.pairs} if fit is not None else {}
    curves = None
    if fit is not None and products is not None:
        curves = law_curves(g[0], products, *fit.parameters())
    for k, (i, j) in enumerate(pairs):
        c = colors[k % 10]
        dg = (g[:, i, j] - g[0, i, j]) / g[0, i, j] * 100
        lab = pair_label(i, j, node_names)
        if (i, j) in r2:
            lab += (f" (R²={r2[(i, j)]:.3f})" if np.isfinite(r2[(i, j)])
                    else " (R² n/a: too few pulses)")
        ax.plot(steps, dg, "o", color=c, ms=4, label=lab)
        if curves is not None:
            ax.plot(curves[0], (curves[1][:, i, j] - g[0, i, j]) / g[0, i, j] * 100,
                    "-", color=c, lw=1.2)
        if theory is not None:
            th = (theory[:, i, j] - g[0, i, j]) / g[0, i, j] * 100
            ax.plot(steps, th, "o", mfc="none", color=c, ms=7, mew=0.8)
    seg = hist.segment.values
    pats = hist.pattern.values
    for t in range(1, len(seg)):
        if seg[t] != seg[t - 1]:
            ax.axvline(t - 0.5, color="0.6", ls="--", lw=0.8)
            ax.text(t - 0.4, ax.get_ylim()[1], pattern_string(pats[t]),
                    va="top", fontsize=9, color="0.3")
    ax.set_xlabel("pulse number")
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    ax.set_ylabel("ΔG_ij / G_ij(0) (%)")
    ax.set_title("a  conductance matrix under training pulses (dots: simulation; "
                 "circles and lines: the fitted eq. (1))", fontsize=10, loc="left")
    ax.legend(fontsize=8, ncol=3)
    named = [(pad, (node_names or {}).get(pad.node, str(pad.node))) for pad in pads]
    for k, (step, m) in enumerate(textures):
        axm = fig.add_subplot(gs[1, k])
        texture_axes(axm, m, title=f"b  step {step}" if k == 0 else f"step {step}",
                     pads=named, colorbar=k == len(textures) - 1)
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def fig3(rows, textures=None, currents=None, path=None, title=None):
    """The paper's Fig. 3: one energy diagram per trained pattern.

    Parameters
    ----------
    rows : list of dict
        ``energy_table`` rows.
    textures : dict, optional
        Pattern -> ``df.Field``: the texture after training, drawn below the
        diagram.
    currents : dict, optional
        Pattern -> ``(nx, ny, 2)`` sheet current (A/m), drawn as a map of
        ``|K|`` with streamlines.
    path : str or Path, optional
        Save the figure there (PNG, atomically).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    textures = textures or {}
    currents = currents or {}
    n_rows = 1 + bool(textures) + bool(currents)
    ncol = len(rows)
    fig, axes = plt.subplots(n_rows, ncol, figsize=(2.6 * ncol, 2.8 * n_rows),
                             squeeze=False)
    for c, r in enumerate(rows):
        ax = axes[0, c]
        e = np.array(r["energies"])
        order = np.argsort(e, kind="stable")
        p = r["pattern"]
        flip = pattern_string(-as_pattern(p))
        for rank, k in enumerate(order):
            s = r["states"][k]
            hit = s in (p, flip)
            ax.hlines(e[k], rank - 0.4, rank + 0.4, color="C3" if hit else "0.3",
                      lw=2.5 if hit else 1.2)
        ax.set_xticks(range(len(order)))
        ax.set_xticklabels([r["states"][k] for k in order], rotation=90,
                           fontsize=6, family="monospace")
        for lab in ax.get_xticklabels():
            if lab.get_text() in (p, flip):
                lab.set_color("C3")
        mark = "minimum" if r["is_minimum"] else "not the minimum"
        ax.set_title(f"{p} ({mark})", fontsize=9,
                     color="k" if r["is_minimum"] else "C3")
        if c == 0:
            ax.set_ylabel("E = -1/2 s^T W s")
        row = 1
        if currents:
            ax = axes[row, c]
            k_map = currents.get(p)
            if k_map is not None:
                mag = np.linalg.norm(k_map, axis=-1)
                ax.imshow(mag.T, origin="lower", cmap="magma",
                          interpolation="nearest")
                nx, ny = mag.shape
                ax.streamplot(np.arange(nx), np.arange(ny), k_map[..., 0].T,
                              k_map[..., 1].T, color="w", linewidth=0.5,
                              density=0.6, arrowsize=0.5)
                ax.set_title(f"|K| of {p}", fontsize=8)
            ax.set_xticks([])
            ax.set_yticks([])
            row += 1
        if textures:
            ax = axes[row, c]
            m = textures.get(p)
            if m is not None:
                texture_axes(ax, m, title=f"m after {p}", arrows=10)
            if c:
                ax.set_ylabel("")
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    if path is not None:
        with runs.atomic_path(path, suffix=".png") as tmp:
            fig.savefig(tmp, dpi=110, format="png")
    return fig


def save_fig2(run_dir, result: dict, snapshots: int = 4) -> Path:
    """Draw Fig. 2 of an analysed run into ``run_dir/figures/fig2.png``.

    Parameters
    ----------
    run_dir : str or Path
        The run directory.
    result : dict
        ``ubhop.analyse(run_dir)``.
    snapshots : int
        Texture snapshots in Fig. 2b, evenly spaced over the steps.

    Returns
    -------
    Path
        The figure's path (written atomically).
    """
    from .report import node_names

    run_dir = Path(run_dir)
    hist, fit = result["history"], result["fit"]
    g = hist.G.values
    steps = result["summary"]["steps"]
    idx = np.unique(np.linspace(0, steps, snapshots).round().astype(int))
    textures = [(int(k), runs.read_field(runs.texture_path(run_dir, k))) for k in idx]
    names = dict(enumerate(result["summary"].get("node_names")
                           or node_names(g.shape[1])))
    (run_dir / "figures").mkdir(exist_ok=True)
    from .training import TrainingConfig

    cfg_path = run_dir / "config.toml"
    pads = TrainingConfig.from_toml(cfg_path).device.pads if cfg_path.exists() else ()
    fig = fig2(hist, fit, fit.theory(g[0], result["products"]), textures,
               node_names=names, products=result["products"], pads=pads)
    path = run_dir / "figures" / "fig2.png"
    with runs.atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return path
