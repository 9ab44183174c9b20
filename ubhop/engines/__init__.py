"""Micromagnetic engines: OOMMF through oommfc (reference) and magnum.np."""

from .base import Engine

ENGINES = ("oommf", "magnumnp")


def get_engine(name: str = "auto", **options) -> Engine:
    """Return an engine by name.

    Parameters
    ----------
    name : str
        ``"oommf"``, ``"magnumnp"`` or ``"auto"`` (OOMMF when a runner is found,
        else magnum.np).
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
    if name not in (*ENGINES, "auto"):
        raise ValueError(
            f"Unknown engine {name!r}; choose one of 'auto', 'oommf', 'magnumnp'."
        )
    if name == "auto":
        from .oommf import oommf_available

        name = "oommf" if oommf_available() else "magnumnp"
    if name == "oommf":
        from .oommf import OOMMFEngine

        return OOMMFEngine(**options)
    from .magnumnp import MagnumNPEngine

    return MagnumNPEngine(**options)


__all__ = ["ENGINES", "Engine", "get_engine"]
