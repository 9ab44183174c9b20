"""OOMMF through oommfc (placeholder until the engine lands)."""


def oommf_available() -> bool:
    """Whether an OOMMF runner (host or Docker) can be found."""
    return False
