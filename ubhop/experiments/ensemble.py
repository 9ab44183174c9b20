"""Ensembles of training runs: thermal realisations and their mean conductances.

Near its switching threshold a film at finite temperature switches at random
(``studies/thermal``): each realisation jumps between a few pinned states, and
only the mean over many realisations (many samples, or many independent regions
of one large film) approaches its fixed point gradually, as eq. (1) says. This
module runs such an ensemble, one ordinary run directory per realisation (each
resumable), and stacks the histories so that ``ubhop.fit_learning_law`` can be
applied to the mean.

The window is narrow (about 2 % of the field on the demo's film), so the 0 K
threshold has to be found for each film: :func:`switching_threshold` bisects
it with ordinary 0 K training runs.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import xarray as xr

from .. import runs
from ..thresholds import bisect_threshold, lasting_change
from ..training import TrainingConfig, train


@dataclasses.dataclass(frozen=True)
class Threshold:
    """A bracket of a film's 0 K switching threshold.

    Attributes
    ----------
    lo, hi : float
        Peak fields (T): one pulse at ``lo`` leaves no lasting change in G, one
        at ``hi`` does.
    probes : tuple of (float, float)
        Every peak field tried (T) and the lasting change it left
        (``max |dG/G|`` over the pairs after the relaxation), in order.
    tol : float
        The change above which a pulse counts as switching.
    pattern : str
        The pattern of the pulse.
    """

    lo: float
    hi: float
    probes: tuple
    tol: float
    pattern: str

    def to_dict(self) -> dict:
        """JSON-ready dict (fields in T)."""
        return {"lo_T": self.lo, "hi_T": self.hi, "tol": self.tol,
                "pattern": self.pattern,
                "probes": [{"peak_T": p, "max_rel_change": c} for p, c in self.probes]}


def switching_threshold(config: TrainingConfig, lo: float, hi: float, out_dir,
                        steps: int = 6, tol: float = 1e-4, engine=None,
                        on_probe=None) -> Threshold:
    """Bracket the 0 K peak field at which one pulse first changes G lastingly.

    Each probe is a 0 K training run of ``config`` cut to one pulse of its
    first pattern, at a peak field between ``lo`` and ``hi`` (bisection): the
    film is relaxed from its start, pulsed, relaxed again, and the pulse
    switches if G moved by more than ``tol`` (relative, any pair). The probes
    are ordinary run directories under ``out_dir`` (reused when the
    bisection is run again), and the bracket is written to
    ``out_dir/threshold.json``.

    Parameters
    ----------
    config : TrainingConfig
        Device, start, pulse shape, relaxation and engine of the film.
    lo, hi : float
        Peak fields (T) that bracket the threshold: ``lo`` must not switch,
        ``hi`` must.
    out_dir : str or Path
        Directory of the probe runs.
    steps : int
        Bisection steps; the bracket ends ``(hi - lo) / 2**steps`` wide.
        Default 6.
    tol : float
        Relative change of G that counts as switching. Default 1e-4.
    engine : Engine, optional
        Default: ``ubhop.get_engine(config.engine)``.
    on_probe : callable, optional
        ``on_probe(peak, change)`` after each probe (the command line prints
        it), with the peak field in T and the lasting ``max |dG/G|``.

    Returns
    -------
    Threshold
    """
    from ..engines import get_engine

    if engine is None:
        engine = get_engine(config.engine)
    pattern = config.steps[0][1]
    out_dir = Path(out_dir)

    def changes(peak):
        cfg = dataclasses.replace(config, schedule=[(pattern, 1)], cycles=1,
                                  peak_field=float(peak), v0=None, temperature=0.0,
                                  chunk=1)
        hist = train(cfg, out_dir / f"probe_{peak * 1e3:.6f}mT", engine=engine,
                     progress=False)
        c = lasting_change(hist.G.values)
        if on_probe is not None:
            on_probe(float(peak), c)
        return c

    lo, hi, probes = bisect_threshold(changes, lo, hi, steps, tol)
    thr = Threshold(lo, hi, tuple(probes), float(tol), pattern)
    runs.write_json(out_dir / "threshold.json", thr.to_dict())
    return thr


def realisation_dir(out_dir, k: int) -> Path:
    """The run directory of realisation ``k`` (from 0)."""
    return Path(out_dir) / f"r{k:04d}"


def realisation_config(config: TrainingConfig, k: int) -> TrainingConfig:
    """Realisation ``k``: the configuration with ``seed = config.seed + k``.

    The seed sets the thermal field of every pulse (``temperature > 0``) and a
    ``"demagnetised"`` starting texture; the device, its grains and the
    schedule are the same for every realisation.
    """
    return dataclasses.replace(config, seed=config.seed + int(k))


def train_ensemble(config: TrainingConfig, out_dir, realisations: int, engine=None,
                   progress: bool = True, workers: int = 1,
                   scheduler=None) -> xr.Dataset:
    """Train ``realisations`` runs of ``config`` that differ only in their seed.

    A family of ``ubhop.sweep`` with a ``realisation`` dimension: realisation
    ``k`` has ``seed = config.seed + k`` (``realisation_config``).

    Parameters
    ----------
    config : TrainingConfig
        The configuration of realisation 0; usually ``temperature > 0``, else
        every realisation with a deterministic start gives the same history.
    out_dir : str or Path
        Holds one run directory per realisation (``r0000``, ``r0001``, ...)
        and the family's ``family.json`` and ``record.json``. Running again
        resumes: complete realisations are kept, an interrupted one continues
        from its last step; more realisations may be added.
    realisations : int
        Number of realisations, >= 1.
    engine : Engine or str, optional
        Default: ``config.engine``. An ``Engine`` object only with
        ``workers=1``.
    progress : bool
        Show a progress bar over the realisations.
    workers : int
        Local worker processes (``ubhop.sweep.run_family``).
    scheduler : str or distributed.Client, optional
        Run the realisations on a Dask cluster instead.

    Returns
    -------
    xarray.Dataset
        ``ensemble_history(out_dir, realisations)``.

    Raises
    ------
    RuntimeError
        If a realisation failed (its error is in the message; the others are
        kept).
    """
    from ..sweep import Family, run_family

    if not (isinstance(realisations, int) and realisations >= 1):
        raise ValueError(f"realisations must be an int >= 1, got {realisations!r}.")
    family = Family(config, realisations=realisations, dirname="r{realisation:04d}",
                    members_dir=".")
    run_family(family, out_dir, workers=workers, scheduler=scheduler, engine=engine,
               progress=progress, gather_results=False, raise_failures=True)
    return ensemble_history(out_dir, realisations)


def ensemble_history(out_dir, realisations: int | None = None) -> xr.Dataset:
    """Stack the histories of an ensemble's realisations.

    Parameters
    ----------
    out_dir : str or Path
        The ensemble directory.
    realisations : int, optional
        Use realisations ``0 .. realisations - 1`` (all must be complete);
        default: every complete realisation found.

    Returns
    -------
    xarray.Dataset
        ``G`` and ``G_pulse`` (realisation, step, i, j) in S, after each
        relaxation and right after each pulse; ``G_mean`` and ``G_sem`` (step,
        i, j), the mean over the realisations and its standard error (zero for
        one realisation); ``pattern``, ``voltage`` and ``segment`` of the
        schedule (the same for every realisation). The mean can be fitted like
        a single history (``ubhop.fit_learning_law(G_mean, V_i V_j)``).

    Raises
    ------
    ValueError
        If no realisation is complete, or the realisations' schedules differ.
    """
    dirs = sorted(Path(out_dir).glob("r[0-9][0-9][0-9][0-9]"))
    if realisations is not None:
        dirs = [realisation_dir(out_dir, k) for k in range(realisations)]
    hists = []
    for d in dirs:
        path = d / "history.nc"
        if not path.exists():
            if realisations is not None:
                raise ValueError(f"Realisation {d.name} of {out_dir} has no history.")
            continue
        hists.append(runs.read_history(path))
    if not hists:
        raise ValueError(f"{out_dir} holds no training history.")
    n_steps = max(h.sizes["step"] for h in hists)
    complete = [h for h in hists if h.sizes["step"] == n_steps]
    if realisations is not None and len(complete) != len(hists):
        raise ValueError(f"Some of the {len(hists)} realisations of {out_dir} are "
                         "incomplete; run train_ensemble again to finish them.")
    ref = complete[0]
    for h in complete[1:]:
        if not (np.array_equal(h.voltage.values, ref.voltage.values)
                and np.array_equal(h.pattern.values, ref.pattern.values)):
            raise ValueError(f"The realisations in {out_dir} have different "
                             "schedules or voltages; an ensemble needs one.")
    g = np.stack([h.G.values for h in complete])
    gp = np.stack([h.G_pulse.values for h in complete])
    r = g.shape[0]
    sem = (g.std(axis=0, ddof=1) / np.sqrt(r)) if r > 1 else np.zeros_like(g[0])
    return xr.Dataset(
        {
            "G": (("realisation", "step", "i", "j"), g, {"units": "S"}),
            "G_pulse": (("realisation", "step", "i", "j"), gp,
                        {"units": "S", "long_name": "G right after the pulse"}),
            "G_mean": (("step", "i", "j"), g.mean(axis=0),
                       {"units": "S", "long_name": "mean over the realisations"}),
            "G_sem": (("step", "i", "j"), sem,
                      {"units": "S", "long_name": "standard error of the mean"}),
            "pattern": ref.pattern,
            "voltage": ref.voltage,
            "segment": ref.segment,
        },
        coords={"realisation": np.arange(r), "step": ref.step, "i": ref.i,
                "j": ref.j, "node": ref.node},
        attrs={"realisations": r},
    )


def first_switch_rate(ens: xr.Dataset, tol: float = 1e-4) -> dict:
    """Probability per pulse that a realisation first leaves its start.

    For a unit with two states, the start and an absorbing switched state,
    each pulse switches with probability ``q``; the fraction switched after
    ``n`` pulses is ``1 - (1 - q)^n``, so the ensemble mean of every pair
    follows eq. (1) with the approach rate ``2 eta alpha_ij = q``. This counts
    the first exits: the estimate is ``exits / pulses spent at the start``
    (the maximum-likelihood ``q`` of a geometric waiting time, censored at the
    last pulse), with its Wilson 95 % interval. Comparing it with the rate of
    eq. (1) fitted to the mean tests the two-state reading.

    Parameters
    ----------
    ens : xarray.Dataset
        From :func:`ensemble_history` or :func:`train_ensemble`.
    tol : float
        Relative change of G (any pair) above which a realisation has left its
        start.

    Returns
    -------
    dict
        ``q``, ``q_low``, ``q_high``, ``exits``, ``pulses_at_start`` and
        ``returns`` (pulses after which a realisation that had left was back
        at its start: zero for an absorbing switched state).
    """
    from ..accuracy import wilson_interval

    g = ens.G.values  # (R, T + 1, N, N)
    exits = at_start = returns = 0
    for gr in g:
        away = [lasting_change([gr[0], gr[t]]) > tol for t in range(1, gr.shape[0])]
        left = False
        for now in away:
            if not left:
                at_start += 1
                exits += int(now)
                left = now
            elif not now:
                returns += 1
    if at_start == 0:
        raise ValueError("The ensemble has no pulse applied at its start.")
    lo, hi = wilson_interval(exits, at_start)
    return {"q": exits / at_start, "q_low": lo, "q_high": hi, "exits": exits,
            "pulses_at_start": at_start, "returns": returns}


def ensemble_summary(ens: xr.Dataset, tol: float = 1e-4) -> dict:
    """Eq. (1) fitted to an ensemble's mean conductances, pair by pair.

    Parameters
    ----------
    ens : xarray.Dataset
        From :func:`ensemble_history` or :func:`train_ensemble`.
    tol : float
        Relative change of G above which a realisation has left its start.

    Returns
    -------
    dict
        ``realisations``, ``pulses``; ``left_start_fraction`` (per step: the
        fraction of realisations whose G differs from their start by more
        than ``tol`` on some pair); ``pairs``: per pair ``i``, ``j``, ``r2``
        and ``rate`` of eq. (1) fitted to ``G_mean``, the mean relative change
        ``change`` and its standard error ``sem`` at the last step, and
        ``anti_hebbian`` (whether the change has the sign of ``-V_i V_j`` of
        the first pulse); ``first_switch``: :func:`first_switch_rate`.
    """
    from ..learning import fit_learning_law

    g = ens.G.values  # (R, T + 1, N, N)
    v = ens.voltage.values
    prods = np.einsum("ti,tj->tij", v[1:], v[1:])
    fit = fit_learning_law(ens.G_mean.values, prods)
    left = [float(np.mean([lasting_change([gr[0], gr[t]]) > tol for gr in g]))
            for t in range(g.shape[1])]
    g0 = ens.G_mean.values[0]
    pairs = []
    for p in fit.pairs:
        i, j = p.pair
        change = (ens.G_mean.values[-1, i, j] - g0[i, j]) / g0[i, j]
        pairs.append({"i": int(i), "j": int(j), "r2": float(p.r2),
                      "rate": float(p.rate), "change": float(change),
                      "sem": float(ens.G_sem.values[-1, i, j] / g0[i, j]),
                      "anti_hebbian": bool(np.sign(change)
                                           == -np.sign(prods[0, i, j]))})
    return {"realisations": int(g.shape[0]), "pulses": int(g.shape[1] - 1),
            "left_start_fraction": left, "pairs": pairs,
            "first_switch": first_switch_rate(ens, tol)}




def state_chain(changes, first=None, tol: float = 1e-6):
    """Distinct relaxed states of realisations and the transitions between them.

    Parameters
    ----------
    changes : sequence
        One entry per realisation: its relaxed ``dG / G`` vectors after each
        pulse, ``(pulses, K)`` (any fixed set of ``K`` pairs), relative to the
        common start.
    first : array_like, optional
        A ``(K,)`` vector that becomes state 1 (e.g. the 0 K switch), so that
        the numbering does not depend on which realisation reaches it first.
    tol : float
        Vectors closer than ``tol`` (max norm) are one state.

    Returns
    -------
    states : numpy.ndarray
        ``(S, K)``: state 0 is the start (all zero).
    sequences : list of list of int
        Each realisation's state after every pulse, pulse 0 the start.
    counts : numpy.ndarray
        ``(S, S)`` transition counts ``[from, to]``.
    """
    changes = [np.asarray(c, dtype=float) for c in changes]
    if not changes or any(c.ndim != 2 for c in changes):
        raise ValueError("changes must hold one (pulses, K) array per realisation.")
    k = changes[0].shape[1]
    vecs = [np.zeros(k)]

    def index(d):
        for n, v in enumerate(vecs):
            if np.abs(v - d).max() < tol:
                return n
        vecs.append(np.asarray(d))
        return len(vecs) - 1

    if first is not None:
        index(np.asarray(first, dtype=float))
    seqs = [[0] + [index(d) for d in c] for c in changes]
    counts = np.zeros((len(vecs), len(vecs)), dtype=int)
    for q in seqs:
        for a, b in zip(q[:-1], q[1:], strict=True):
            counts[a, b] += 1
    return np.array(vecs), seqs, counts


def absorption(sequences, counts) -> dict | None:
    """Absorbing states of a state chain and the rate at which they are entered.

    A state is absorbing when the realisations that reached it never left it.
    ``q`` is the number of entries into absorbing states over the pulses spent
    outside them (with its Wilson 95 % interval); a population that enters at
    a constant rate fills as ``1 - (1 - q)^n``.

    Parameters
    ----------
    sequences, counts
        From :func:`state_chain`.

    Returns
    -------
    dict or None
        ``absorbing`` (state indices), ``entries``, ``pulses_outside``, ``q``,
        ``q_low``, ``q_high`` and ``absorbed`` (the fraction in an absorbing
        state after each pulse, pulse 1 first); None without an absorbing state.
    """
    from ..accuracy import wilson_interval

    counts = np.asarray(counts)
    n_states = counts.shape[0]
    absorbing = [k for k in range(n_states) if counts[k, k] > 0
                 and counts[k].sum() == counts[k, k]]
    if not absorbing:
        return None
    into = int(sum(counts[a, b] for a in range(n_states) if a not in absorbing
                   for b in absorbing))
    outside = int(sum(counts[a].sum() for a in range(n_states) if a not in absorbing))
    lo, hi = wilson_interval(into, outside) if outside else (float("nan"),) * 2
    pulses = len(sequences[0]) - 1
    return {"absorbing": absorbing, "entries": into, "pulses_outside": outside,
            "q": into / outside if outside else float("nan"), "q_low": lo,
            "q_high": hi,
            "absorbed": [float(np.mean([s[n] in absorbing for s in sequences]))
                         for n in range(1, pulses + 1)]}
