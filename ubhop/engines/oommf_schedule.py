"""A whole schedule of pulses and time relaxations in one OOMMF process.

Run stage by stage, every stage of a schedule is a ``boxsi`` process of its
own: OOMMF starts, reads its MIF file, sets up the demagnetisation kernel,
integrates, writes its files and exits. For a training run of hundreds of
short pulses the start-up and set-up cost as much as the integration. This
module writes one MIF file for the whole schedule instead:

- one ``Oxs_TimeDriver`` with one OOMMF *stage* per pulse (or ``n_output``
  stages per pulse) and per relaxation, each with its own ``stopping_time``;
- one ``Oxs_TransformZeeman`` term per distinct pulse field ``H(r)``; its Tcl
  procedure receives OOMMF's ``stage`` and ``stage_time`` and returns the
  pulse's raised-cosine profile ``f(t)`` and ``df/dt`` in the stages of that
  pulse, and 0 in every other stage (relaxations are then at zero field);
- the magnetisation and a table row are written at the end of every stage.

What it cannot hold, and why (:func:`single_process_reason` says which):

- ``Relax(method="minimise")``: energy minimisation is OOMMF's
  ``Oxs_MinDriver``, and a problem has one driver;
- pulses at ``temperature > 0``: the stochastic evolver would keep the
  thermal field on during the relaxations too, which the stage-by-stage run
  keeps at 0 K;
- different dampings: OOMMF's evolver has one ``alpha`` per problem, so the
  pulses (the device's alpha) and the relaxations (``Relax.alpha``) must
  share it.

The functions here are pure (they build MIF text and stage plans); running
OOMMF is :class:`ubhop.engines.oommf.OOMMFEngine`'s job.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np

from ..schedule import Pulse

#: Tcl procedure shared by the profile scripts: the raised-cosine pulse
#: profile f(t) and its derivative for a pulse of length d and ramps r.
RAMP_TCL = """proc UbhopRamp { t d r } {
  set f 1.0
  set df 0.0
  if { $t < 0.0 || $t > $d } {
    set f 0.0
  } elseif { $r > 0.0 && $t < $r } {
    set a [expr { acos(-1.0) * $t / $r }]
    set f [expr { 0.5 * (1.0 - cos($a)) }]
    set df [expr { 0.5 * acos(-1.0) / $r * sin($a) }]
  } elseif { $r > 0.0 && $t > $d - $r } {
    set a [expr { acos(-1.0) * ($d - $t) / $r }]
    set f [expr { 0.5 * (1.0 - cos($a)) }]
    set df [expr { -0.5 * acos(-1.0) / $r * sin($a) }]
  }
  return [list $f $df]
}
"""


@dataclasses.dataclass(frozen=True)
class OOMMFStage:
    """One stage of the single OOMMF process.

    Attributes
    ----------
    source : int
        Index of the schedule stage it belongs to.
    duration : float
        ``stopping_time`` of the stage (s).
    field : int or None
        Index of the pulse field (into the plan's fields) that is on during
        this stage; None for a relaxation.
    offset : float
        Time since the start of the pulse at the start of this stage (s).
    pulse_duration, rise : float
        The pulse's length and ramp time (s); 0 for a relaxation.
    last : bool
        Whether the stage ends its schedule stage (its magnetisation is the
        schedule stage's result).
    """

    source: int
    duration: float
    field: int | None
    offset: float = 0.0
    pulse_duration: float = 0.0
    rise: float = 0.0
    last: bool = True


def stage_alpha(dev, stage, relax_alpha=None) -> float | None:
    """The Gilbert damping OOMMF integrates ``stage`` with.

    A pulse runs at the device's ``py.alpha``; a time relaxation at its own
    ``alpha``, else the engine's ``relax_alpha``, else ``py.alpha``; a
    minimisation has none (None).
    """
    if isinstance(stage, Pulse):
        return float(dev.py.alpha)
    if stage.method != "time":
        return None
    return float(next(a for a in (stage.alpha, relax_alpha, dev.py.alpha)
                      if a is not None))


def single_process_reason(dev, stages, relax_alpha=None) -> str | None:
    """Why ``stages`` cannot run in one OOMMF process, or None if they can.

    Parameters
    ----------
    dev : Device
        The device (its ``py.alpha`` is the damping of the pulses).
    stages : sequence of Pulse or Relax
        The schedule.
    relax_alpha : float, optional
        The engine's damping for time relaxations without their own alpha.

    Returns
    -------
    str or None
        A sentence naming the first stage that cannot join, or None.
    """
    alphas = set()
    for k, st in enumerate(stages):
        if isinstance(st, Pulse):
            if st.temperature > 0:
                return (f"stage {k} is a pulse at {st.temperature:g} K: the "
                        f"stochastic evolver would heat the relaxations too")
        elif st.method == "minimise":
            return (f"stage {k} is Relax(method='minimise'): minimisation is "
                    f"OOMMF's Oxs_MinDriver, and one OOMMF problem has one driver "
                    f"(use Relax(method='time') to run the schedule in one process)")
        alphas.add(stage_alpha(dev, st, relax_alpha))
    if len(alphas) > 1:
        return (f"the stages use different dampings {sorted(alphas)}: OOMMF's "
                f"evolver has one alpha per process")
    return None


def stage_plan(stages) -> tuple[list[OOMMFStage], list]:
    """The OOMMF stages of a schedule and its distinct pulse fields.

    A pulse with ``n_output = n`` becomes ``n`` stages of ``duration / n``
    (OOMMF writes m at the end of each); a time relaxation one stage. Pulses
    with the same field (the same object, or equal values) share one Zeeman
    term.

    Parameters
    ----------
    stages : sequence of Pulse or Relax
        A schedule that :func:`single_process_reason` accepts.

    Returns
    -------
    plan : list of OOMMFStage
    fields : list of df.Field
        The distinct pulse fields ``H(r)`` (A/m), in order of first use.
    """
    plan, fields, ids = [], [], {}
    for k, st in enumerate(stages):
        if isinstance(st, Pulse):
            key = id(st.field)
            if key not in ids:  # a new object: share a term if its values match
                same = [i for i, f in enumerate(fields)
                        if np.array_equal(f.array, st.field.array)]
                ids[key] = same[0] if same else len(fields)
                if not same:
                    fields.append(st.field)
            n = st.n_output
            dt = st.duration / n
            for j in range(n):
                plan.append(OOMMFStage(k, dt, ids[key], j * dt, float(st.duration),
                                       float(st.rise), j == n - 1))
        else:
            plan.append(OOMMFStage(k, float(st.duration), None))
    return plan, fields


def _tcl_list(values) -> str:
    return "{" + " ".join(repr(float(v)) for v in values) + "}"


def profile_tcl(plan, field: int, name: str) -> dict:
    """``tcl_strings`` of the Zeeman term of pulse field ``field`` in ``plan``.

    The procedure takes OOMMF's ``stage`` and ``stage_time`` and returns
    ``f`` and ``df/dt`` (type ``diagonal``): the pulse profile at
    ``offset + stage_time`` in the stages of this field, 0 in all others.

    Parameters
    ----------
    plan : list of OOMMFStage
    field : int
        Index of the pulse field.
    name : str
        Name of the Zeeman term (the procedure is ``UbhopSchedule_<name>``).

    Returns
    -------
    dict
        Keys ``script``, ``energy``, ``type``, ``script_args``, ``script_name``.
    """
    proc = f"UbhopSchedule_{name}"
    on = [int(s.field == field) for s in plan]
    off = [s.offset if s.field == field else 0.0 for s in plan]
    dur = [s.pulse_duration if s.field == field else 0.0 for s in plan]
    rise = [s.rise if s.field == field else 0.0 for s in plan]
    script = RAMP_TCL + f"""proc {proc} {{ stage stage_time }} {{
  set on {{{" ".join(map(str, on))}}}
  set off {_tcl_list(off)}
  set dur {_tcl_list(dur)}
  set rise {_tcl_list(rise)}
  if {{ $stage >= [llength $on] || [lindex $on $stage] == 0 }} {{
    return [list 0.0 0.0 0.0 0.0 0.0 0.0]
  }}
  set t [expr {{ $stage_time + [lindex $off $stage] }}]
  lassign [UbhopRamp $t [lindex $dur $stage] [lindex $rise $stage]] f df
  return [list $f $f $f $df $df $df]
}}
"""
    return {"script": script, "energy": "Oxs_TransformZeeman", "type": "diagonal",
            "script_args": "{stage stage_time}", "script_name": proc}


def driver_mif(plan, alpha: float, gamma0: float) -> str:
    """MIF text of the evolver, the multi-stage time driver and the outputs.

    Parameters
    ----------
    plan : list of OOMMFStage
    alpha : float
        Gilbert damping of every stage.
    gamma0 : float
        Gyromagnetic ratio ``gamma_G`` (m/(A s)).

    Returns
    -------
    str
        To be appended to ``oommfc.scripts.system_script`` (which defines the
        mesh, the energy, ``m0`` and ``m0_norm``).
    """
    import oommfc as oc

    # the evolver of a stage-by-stage pulse: oommfc's RK5(4) with gamma_G, alpha
    evolver = oc.RungeKuttaEvolver()
    evolver.gamma_G = float(gamma0)
    evolver.alpha = float(alpha)
    times = " ".join(repr(float(s.duration)) for s in plan)
    driver = f"""# TimeDriver: a stage per pulse (or snapshot) and per relaxation
Specify Oxs_TimeDriver {{
  evolver :evolver
  mesh :mesh
  Ms :m0_norm
  m0 :m0
  stopping_time {{{times}}}
  stage_count {len(plan)}
}}

Destination table mmArchive
Destination mags mmArchive

Schedule DataTable table Stage 1
Schedule Oxs_TimeDriver::Magnetization mags Stage 1
"""
    return oc.scripts.evolver_script(evolver) + driver


_STAGE_FILE = re.compile(r"-Oxs_TimeDriver-Magnetization-(\d+)-(\d+)\.omf$")


def finished_stages(names) -> set[int]:
    """The OOMMF stages whose magnetisation file is among ``names``."""
    return {int(m.group(1)) for m in map(_STAGE_FILE.search, names) if m}


def stage_files(names, n_stages: int) -> list[str]:
    """The magnetisation file of each stage, in stage order.

    Parameters
    ----------
    names : iterable of str
        File names in the drive directory.
    n_stages : int
        Stages the run should have written.

    Returns
    -------
    list of str

    Raises
    ------
    RuntimeError
        If a stage's file is missing or written twice.
    """
    by_stage = {}
    for name in names:
        match = _STAGE_FILE.search(name)
        if match:
            stage = int(match.group(1))
            if stage in by_stage:
                raise RuntimeError(f"OOMMF wrote two magnetisation files for "
                                   f"stage {stage}: {by_stage[stage]}, {name}.")
            by_stage[stage] = name
    missing = [k for k in range(n_stages) if k not in by_stage]
    if missing:
        raise RuntimeError(f"OOMMF wrote no magnetisation for stage(s) {missing} "
                           f"of {n_stages}.")
    return [by_stage[k] for k in range(n_stages)]


def stage_summaries(table, plan) -> list[dict]:
    """Per schedule stage: the table row at its end (energies, steps, time).

    Parameters
    ----------
    table : pandas.DataFrame
        The run's ODT data, one row per OOMMF stage.
    plan : list of OOMMFStage

    Returns
    -------
    list of dict
        One per schedule stage with ``iterations`` (steps in that stage),
        ``t_end_s``, ``energy_end_J`` and ``energy_terms_end_J`` when present.
    """
    if len(table) != len(plan):
        raise RuntimeError(f"OOMMF's table has {len(table)} rows for "
                           f"{len(plan)} stages.")
    out, prev_iter = [], 0.0
    for k, s in enumerate(plan):
        if not s.last:
            continue
        row = table.iloc[k]
        info = {}
        if "iteration" in row:
            info["iterations"] = float(row["iteration"]) - prev_iter
            prev_iter = float(row["iteration"])
        if "t" in row:
            info["t_end_s"] = float(row["t"])
        info.update(row_energies(row))
        out.append(info)
    return out


def row_energies(row) -> dict:
    """Total and per-term energies (J) of one row of an OOMMF table.

    Parameters
    ----------
    row : pandas.Series
        A row of ``ubermagtable.Table.data`` (columns ``E``, ``E_<term>``).

    Returns
    -------
    dict
        ``energy_end_J`` and ``energy_terms_end_J`` (by term name), where the
        row has them.
    """
    out = {}
    if "E" in row:
        out["energy_end_J"] = float(row["E"])
    terms = {c[2:]: float(row[c]) for c in row.index
             if c.startswith("E_") and not c.startswith("E_calc")}
    if terms:
        out["energy_terms_end_J"] = terms
    return out


def source_of_results(plan) -> np.ndarray:
    """Indices of the OOMMF stages whose m is each schedule stage's result."""
    return np.array([k for k, s in enumerate(plan) if s.last], dtype=int)


__all__ = ["OOMMFStage", "RAMP_TCL", "driver_mif", "finished_stages", "profile_tcl",
           "row_energies", "single_process_reason", "source_of_results",
           "stage_alpha", "stage_files", "stage_plan", "stage_summaries"]
