"""The device's micromagnetic energy as a list of terms, built once from the Device.

Every engine translates this list term by term into its own model (OOMMF:
``micromagneticmodel`` terms written to MIF by oommfc; magnum.np: its field
terms in the worker), so an energy term is added in one place here and once in
each engine's translator, and an engine that meets a term it cannot translate
says so instead of leaving it out.

Terms hold values on the device's mesh in SI units. The pulse's Oersted field
is not a device term: it belongs to a ``Pulse`` stage, and ``zeeman_term`` turns
one into a term.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import discretisedfield as df

    from .device import Device
    from .schedule import Pulse


@dataclasses.dataclass(frozen=True)
class Exchange:
    """Exchange energy with stiffness ``A`` (J/m).

    ``A`` is a number, or a ``df.Field`` (``nvdim=1``) where it varies from
    cell to cell (weakened grain boundaries). Neighbouring cells couple with
    the harmonic mean of their ``A`` in both engines.
    """

    A: float | df.Field


@dataclasses.dataclass(frozen=True)
class Demag:
    """Magnetostatic (demagnetisation) energy of the film, open boundaries."""


@dataclasses.dataclass(frozen=True)
class UniaxialAnisotropy:
    """Uniaxial anisotropy ``-K (m . u)^2`` per cell.

    ``K`` in J/m^3 (``nvdim=1`` field), ``u`` the unit easy axis (``nvdim=3``
    field).
    """

    K: df.Field
    u: df.Field


@dataclasses.dataclass(frozen=True)
class CubicAnisotropy:
    """Cubic anisotropy, energy density ``K1 sum_{a<b} (m.u_a)^2 (m.u_b)^2`` (J/m^3).

    ``K1`` in J/m^3 (a number or an ``nvdim=1`` field); ``u1``, ``u2`` the
    orthogonal unit axes (3-tuples), ``u3 = u1 x u2``. ``K1 > 0`` makes the
    three axes easy (bcc Fe), OOMMF's ``Oxs_CubicAnisotropy`` and magnum.np's
    ``CubicAnisotropyField2`` convention.
    """

    K1: float | df.Field
    u1: tuple
    u2: tuple


@dataclasses.dataclass(frozen=True)
class Zeeman:
    """Zeeman energy of a pulse's field.

    The field is ``pulse.field`` (A/m) times the pulse's time profile
    ``pulse.profile(t)``; ``name`` tells several apart.
    """

    pulse: Pulse
    name: str = "pulse"


TERMS = (Exchange, Demag, UniaxialAnisotropy, CubicAnisotropy, Zeeman)


def energy_terms(dev: Device) -> list:
    """The zero-field energy terms of ``dev``, in a fixed order.

    Parameters
    ----------
    dev : Device
        The device: its Py material and grain disorder.

    Returns
    -------
    list
        ``Exchange`` (``dev.exchange()`` where it varies, else ``dev.py.A``),
        ``Demag``, ``UniaxialAnisotropy`` with the fields of
        ``dev.anisotropy()`` when the device has grain disorder, and
        ``CubicAnisotropy`` with ``dev.cubic_anisotropy()`` when it has one
        (``ubhop.ChannelFilm``).

    Examples
    --------
    >>> import ubhop
    >>> from ubhop.energy import energy_terms
    >>> [type(t).__name__ for t in energy_terms(ubhop.Device.square4())]
    ['Exchange', 'Demag']
    """
    exch = dev.exchange()
    terms = [Exchange(A=dev.py.A if exch is None else exch), Demag()]
    aniso = dev.anisotropy()
    if aniso is not None:
        terms.append(UniaxialAnisotropy(K=aniso[0], u=aniso[1]))
    cubic = dev.cubic_anisotropy()
    if cubic is not None:
        terms.append(CubicAnisotropy(*cubic))
    return terms


def zeeman_term(pulse: Pulse, name: str = "pulse") -> Zeeman:
    """The Zeeman term of one pulse stage."""
    return Zeeman(pulse=pulse, name=name)


def translate(terms, translators: dict, engine: str) -> list:
    """Apply an engine's translator to each term, in order.

    Parameters
    ----------
    terms : sequence
        Energy terms (``TERMS`` instances).
    translators : dict
        Term class -> ``function(term)`` of the engine.
    engine : str
        Engine name, for the error message.

    Raises
    ------
    NotImplementedError
        For a term the engine has no translator for (never silently dropped).
    """
    out = []
    for term in terms:
        fn = translators.get(type(term))
        if fn is None:
            known = ", ".join(t.__name__ for t in translators)
            raise NotImplementedError(
                f"The {engine} engine cannot translate the energy term "
                f"{type(term).__name__}; it knows {known}.")
        out.append(fn(term))
    return out
