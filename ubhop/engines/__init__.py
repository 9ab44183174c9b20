"""Micromagnetic engines: one registry of engines, OOMMF (reference) and magnum.np.

Each engine is a module of its own (``oommf``, ``magnumnp``) that turns the
device's energy terms (``ubhop.energy.energy_terms``) into its own model and
runs a schedule. The registry ``ENGINES`` maps a name to how to make the engine
and how to tell cheaply whether it can run here; the command line and
``get_engine`` read their choices from it, so a new engine is one call to
:func:`register_engine`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from ..registry import Registry
from .base import Engine


@dataclasses.dataclass(frozen=True)
class EngineSpec:
    """How to make an engine and whether it can run here.

    Attributes
    ----------
    name : str
        Registry key (``"oommf"``), as the command line takes it.
    factory : callable
        ``factory(**options) -> Engine``; imports the engine's module lazily.
    available : callable
        ``available() -> bool``: a cheap probe that starts no solver.
    description : str
        One line for help texts.
    auto_rank : int or None
        Order in which ``"auto"`` tries the available engines (lower first);
        None leaves the engine out of ``"auto"``.
    """

    name: str
    factory: Callable[..., Engine]
    available: Callable[[], bool]
    description: str = ""
    auto_rank: int | None = None

    def __post_init__(self):
        if not (isinstance(self.name, str) and self.name.isidentifier()
                and self.name != "auto"):
            raise ValueError(f"An engine name must be an identifier other than "
                             f"'auto', got {self.name!r}.")


ENGINES = Registry("engine", EngineSpec)


def register_engine(spec: EngineSpec, *, replace: bool = False) -> EngineSpec:
    """Add an engine to the registry (and so to every choice of engines).

    Raises
    ------
    ValueError
        If the name is taken and ``replace`` is False.
    """
    return ENGINES.register(spec, replace=replace)


def unregister_engine(name: str) -> None:
    """Remove an engine from the registry (tests and plug-ins)."""
    ENGINES.unregister(name)


def engine_names(auto: bool = False) -> list[str]:
    """Registered engine names; with ``auto``, ``"auto"`` first."""
    return (["auto"] if auto else []) + list(ENGINES)


def resolve_engine_name(name: str = "auto") -> str:
    """The engine ``name`` stands for: ``"auto"`` becomes the first available.

    Raises
    ------
    ValueError
        For an unknown name; the message lists the choices.
    RuntimeError
        If ``"auto"`` finds no available engine.
    """
    if name != "auto":
        return ENGINES.lookup(name, extra=("auto",)).name
    ranked = sorted((s for s in ENGINES.values() if s.auto_rank is not None),
                    key=lambda s: s.auto_rank)
    for spec in ranked:
        if spec.available():
            return spec.name
    if ranked:  # let the last engine's own error say how to install it
        return ranked[-1].name
    raise RuntimeError("No engine is registered for 'auto'.")


def get_engine(name: str = "auto", **options) -> Engine:
    """Return an engine by name.

    Parameters
    ----------
    name : str
        A name of ``ENGINES`` (``"oommf"``, ``"magnumnp"``) or ``"auto"``
        (the first available in ``auto_rank`` order: OOMMF when a runner is
        found, else magnum.np).
    **options
        Passed to the engine's constructor (e.g. ``n_threads``).

    Raises
    ------
    ValueError
        For an unknown name.
    RuntimeError
        If the engine asked for (or, for ``"auto"``, every engine) is not
        available; the message says how to get one.
    """
    return ENGINES[resolve_engine_name(name)].factory(**options)


def _oommf(**options):
    from .oommf import OOMMFEngine

    return OOMMFEngine(**options)


def _oommf_available():
    from .oommf import oommf_available

    return oommf_available()


def _magnumnp(**options):
    from .magnumnp import MagnumNPEngine

    return MagnumNPEngine(**options)


def _magnumnp_available():
    from .magnumnp import magnumnp_available

    return magnumnp_available()


register_engine(EngineSpec("oommf", _oommf, _oommf_available,
                           "OOMMF through oommfc (the reference)", auto_rank=0))
register_engine(EngineSpec("magnumnp", _magnumnp, _magnumnp_available,
                           "magnum.np on PyTorch, in a worker process (embedded)",
                           auto_rank=1))

__all__ = ["ENGINES", "Engine", "EngineSpec", "engine_names", "get_engine",
           "register_engine", "resolve_engine_name", "unregister_engine"]
