"""Hopfield and learning rules by name: the one registry.

A rule turns a set of stored patterns into Hopfield weights. The software
baselines (``outer``, ``projection``) are closed forms; learning laws are
iterated updates over a training schedule, each with its own convergence check
(``ubhop.laws``): eq. (1) with uniform ``alpha`` (``eq1``), eq. (1) with
``alpha`` set by each pulse's voltage differences (``eq1-voltage``), Oja's
subspace rule (``oja``, weights ``W^T W``) and its symmetric form on the
weight matrix itself (``oja-symmetric``); ``compact`` runs a given
``ubhop.compact.CompactModel`` (e.g. a device's calibration) for a fixed
number of cycles. Every
place that offers a choice of rules (the command line, the letters accuracy,
the logic gates, the notebooks) reads this registry, so a new rule is one call
to :func:`register_rule`.

Examples
--------
>>> import ubhop
>>> w = ubhop.rules.learn("outer", [[1, 1, -1, -1]])
>>> w.shape
(4, 4)
>>> ubhop.rules.rule_names()
['outer', 'projection', 'compact', 'eq1', 'eq1-voltage', 'oja', 'oja-symmetric']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from . import laws
from .hopfield import outer_product, projection
from .patterns import as_patterns
from .registry import Registry


@dataclasses.dataclass(frozen=True)
class Rule:
    """A named rule that learns Hopfield weights from patterns.

    Attributes
    ----------
    name : str
        Registry key, as the command line takes it (e.g. ``"outer"``).
    learn : callable
        ``learn(patterns, **options) -> W``: ``patterns`` a checked ``(P, N)``
        int8 array of +1/-1, ``W`` an ``(N, N)`` symmetric array with zero
        diagonal.
    label : str
        Name in tables and figures (e.g. ``"outer product"``).
    description : str
        One line on what the rule is.
    """

    name: str
    learn: Callable[..., np.ndarray]
    label: str = ""
    description: str = ""

    def __post_init__(self):
        if not (isinstance(self.name, str) and self.name.strip()
                and self.name == self.name.strip()):
            raise ValueError(f"A rule name must be a non-empty string without "
                             f"surrounding spaces, got {self.name!r}.")
        if not callable(self.learn):
            raise TypeError(f"Rule {self.name!r}: learn must be callable, got "
                            f"{self.learn!r}.")
        if not self.label:
            object.__setattr__(self, "label", self.name)


RULES = Registry("rule", Rule)


def register_rule(rule: Rule, *, replace: bool = False) -> Rule:
    """Add ``rule`` to the registry (and so to every choice of rules).

    Raises
    ------
    ValueError
        If the name is taken and ``replace`` is False.
    """
    return RULES.register(rule, replace=replace)


def unregister_rule(name: str) -> None:
    """Remove a rule from the registry (tests and plug-ins)."""
    RULES.unregister(name)


def rule_names() -> list[str]:
    """Names of the registered rules, in registration order."""
    return list(RULES)


def get_rule(name: str | Rule) -> Rule:
    """The registered rule ``name`` (a ``Rule`` is returned as it is).

    Raises
    ------
    ValueError
        For an unknown name; the message lists the known ones.
    """
    return name if isinstance(name, Rule) else RULES.lookup(name)


def learn(name: str, patterns, **options) -> np.ndarray:
    """Weights that the rule ``name`` learns from ``patterns``.

    Parameters
    ----------
    name : str or Rule
        A registered rule.
    patterns : array_like or sequence of str
        ``(P, N)`` patterns of +1/-1 (or strings such as ``"++--"``).
    **options
        The rule's own options (e.g. ``rate`` for ``"compact"``).

    Returns
    -------
    numpy.ndarray
        ``(N, N)`` weights.
    """
    rule = get_rule(name)
    x = as_patterns(patterns)
    w = np.asarray(rule.learn(x, **options), dtype=float)
    if w.shape != (x.shape[1], x.shape[1]) or not np.isfinite(w).all():
        raise RuntimeError(f"Rule {rule.name!r} returned weights of shape {w.shape} "
                           f"(finite: {bool(np.isfinite(w).all())}); expected "
                           f"finite ({x.shape[1]}, {x.shape[1]}).")
    return w


def _compact(patterns, model=None, rate: float = 0.1, pulses: int = 1,
             cycles: int = 30) -> np.ndarray:
    from .compact import CompactModel

    if model is None:
        model = CompactModel.uniform(patterns.shape[1], rate=rate)
    if model.n != patterns.shape[1]:
        raise ValueError(f"The compact model has {model.n} nodes but the patterns "
                         f"have {patterns.shape[1]}.")
    return model.learn(patterns, pulses=pulses, cycles=cycles)


register_rule(Rule("outer", outer_product, label="outer product",
                   description="Hebbian outer product W = X^T X / N, zero diagonal"))
register_rule(Rule("projection", projection, label="projection",
                   description="pseudo-inverse rule W = X X^+, zero diagonal"))
register_rule(Rule("compact", _compact, label="compact",
                   description="eq. (1) iterated over the schedule (CompactModel: "
                               "model=, or uniform rate=; pulses=, cycles=)"))


def _law(function):
    def learn_weights(patterns, **options):
        return function(patterns, **options).w

    learn_weights.__doc__ = f"Weights of ``ubhop.laws.{function.__name__}``."
    return learn_weights


register_rule(Rule("eq1", _law(laws.eq1), label="eq. (1), uniform alpha",
                   description="eq. (1), G += eta [V_i V_j - 2 alpha (G - G_avg)], "
                               "cycled to its steady cycle (eta=, alpha=, pulses=)"))
register_rule(Rule("eq1-voltage", _law(laws.eq1_voltage),
                   label="eq. (1), alpha by voltage difference",
                   description="eq. (1) with alpha_ij = alpha |V_i - V_j| / (2 V0) "
                               "per pulse (floor= for pairs at equal voltage)"))
register_rule(Rule("oja", _law(laws.oja), label="Oja subspace (W^T W)",
                   description="Oja's subspace rule W += eta/N (y x^T - y y^T W), "
                               "y = W x; weights W^T W (eta=, outputs=, seed=)"))
register_rule(Rule("oja-symmetric", _law(laws.oja_symmetric),
                   label="Oja subspace, symmetric form",
                   description="Oja's subspace rule on Q = W^T W itself: the update "
                               "needs only x and the local fields h = Q x"))
