"""A named registry: the one mechanism behind ``ubhop.rules`` and ``ubhop.engines``."""

from __future__ import annotations


class Registry(dict):
    """A dict of entries by their ``name``, with checked registration.

    Parameters
    ----------
    kind : str
        What the entries are (``"rule"``, ``"engine"``), for messages.
    entry_type : type
        The class every entry must be an instance of.
    """

    def __init__(self, kind: str, entry_type: type):
        super().__init__()
        self.kind = kind
        self.entry_type = entry_type

    def register(self, entry, *, replace: bool = False):
        """Add ``entry`` under its name; a taken name needs ``replace=True``."""
        if not isinstance(entry, self.entry_type):
            raise TypeError(f"A {self.kind} must be a {self.entry_type.__name__}, got "
                            f"{type(entry).__name__}.")
        if entry.name in self and not replace:
            raise ValueError(f"A {self.kind} named {entry.name!r} is already "
                             f"registered; pass replace=True to replace it.")
        self[entry.name] = entry
        return entry

    def unregister(self, name: str) -> None:
        """Remove the entry ``name``."""
        self.lookup(name)
        del self[name]

    def lookup(self, name: str, extra=()):
        """The entry ``name``; an unknown name's error lists the choices.

        ``extra`` names further accepted choices for the message (e.g. ``"auto"``).
        """
        try:
            return self[name]
        except (KeyError, TypeError):
            choices = ", ".join(map(repr, [*extra, *self]))
            raise ValueError(f"Unknown {self.kind} {name!r}; choose one of "
                             f"{choices}.") from None
