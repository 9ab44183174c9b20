"""After training: fit eq. (1), calibrate the weight map, summarise."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import runs
from .learning import fit_learning_law
from .training import surviving_fraction
from .weights import calibrate

if TYPE_CHECKING:
    import os

    import xarray as xr


def pulse_products(hist: xr.Dataset) -> np.ndarray:
    """``V_i V_j`` (V^2) of every pulse, ``(T, N, N)``, zero diagonal."""
    v = hist.voltage.values[1:]
    out = v[:, :, None] * v[:, None, :]
    n = v.shape[1]
    out[:, np.arange(n), np.arange(n)] = 0.0
    return out


def history_node_names(hist: xr.Dataset) -> list[str]:
    """Node names of a history.

    Its ``node_name`` coordinate; for histories written before names were
    stored, N E S W for four nodes and the indices otherwise.
    """
    if "node_name" in hist.coords:
        return [str(v) for v in hist.node_name.values]
    from .report import node_names

    return node_names(hist.sizes["node"])


def analyse(run_dir: str | os.PathLike) -> dict:
    """Fit eq. (1) to a finished (or partial) run and calibrate its weight map.

    Parameters
    ----------
    run_dir : str or Path
        A run directory written by ``ubhop.train``.

    Returns
    -------
    dict
        ``fit`` (LearningFit), ``weight_map`` (WeightMap), ``history``,
        ``products`` (``V_i V_j`` of every pulse) and a JSON-ready ``summary``
        (also written to ``summary.json``). ``ubhop.figures.save_fig2`` draws
        the run from it.
    """
    run_dir = Path(run_dir)
    hist = runs.read_history(run_dir / "history.nc")
    products = pulse_products(hist)
    fit = fit_learning_law(hist.G.values, products)
    wmap = calibrate(hist, fit)
    surv = surviving_fraction(hist)
    seg = hist.segment.values
    # the first pulse of each segment is where a new pattern writes; later
    # pulses of a saturated film change nothing and score 0
    firsts = [t - 1 for t in range(1, len(seg)) if seg[t] != seg[t - 1]]
    g = hist.G.values
    summary = {
        "steps": int(hist.step[-1]),
        "eta_S_per_V2": fit.eta,
        "eta_err": fit.eta_err,
        "pairs": [
            {"pair": list(p.pair), "rate": p.rate, "rate_err": p.rate_err,
             "eta": p.eta, "eta_err": p.eta_err, "alpha_V2_per_S": p.alpha,
             "alpha_err": p.alpha_err, "g_avg_S": p.g_avg, "g_avg_err": p.g_avg_err,
             "r2": p.r2, "identifiable": p.identifiable, "dof": p.dof,
             "fixed_points": {str(k): v for k, v in p.fixed_points.items()}}
            for p in fit.pairs
        ],
        "min_r2": fit.min_r2(),
        "surviving_fraction": {"per_pulse": [float(x) for x in surv],
                               "median": float(np.nanmedian(surv))
                               if np.isfinite(surv).any() else None,
                               "first_of_segment": [float(surv[t]) for t in firsts]},
        "weight_map": {"sign": wmap.sign, "g_scale_S": wmap.g_scale,
                       **wmap.evidence},
        "node_names": history_node_names(hist),
        "G_first_S": g[0].tolist(),
        "G_last_S": g[-1].tolist(),
    }
    runs.write_json(run_dir / "summary.json", summary)
    return {"fit": fit, "weight_map": wmap, "history": hist, "summary": summary,
            "products": products}
