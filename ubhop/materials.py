"""Material parameters of the three layers, with the defaults of the design.

All quantities are SI. The defaults describe a 10 nm permalloy (Py, Fe80Ni20)
film under a 10 nm Al2O3 spacer and a 20 nm gold (Au) layer.
"""

from __future__ import annotations

import dataclasses
import math

from .validation import check_int, check_number


def _check_positive(owner, **values):
    for name, value in values.items():
        check_number(value, f"{owner}.{name}", low=0)


@dataclasses.dataclass(frozen=True)
class Permalloy:
    """Magnetic and transport parameters of the Py film.

    Parameters
    ----------
    Ms : float
        Saturation magnetisation (A/m). Default 8.0e5.
    A : float
        Exchange stiffness (J/m). Default 1.3e-11.
    alpha : float
        Gilbert damping (dimensionless) used for dynamics. Default 0.01.
    rho_perp : float
        Resistivity for current perpendicular to m (Ohm m). Default 2.0e-7.
    amr_ratio : float
        AMR ratio (rho_par - rho_perp) / rho_perp (dimensionless). Default 0.02.

    Examples
    --------
    >>> import ubhop
    >>> py = ubhop.Permalloy()
    >>> round(py.rho_par / py.rho_perp, 3)
    1.02
    """

    Ms: float = 8.0e5
    A: float = 1.3e-11
    alpha: float = 0.01
    rho_perp: float = 2.0e-7
    amr_ratio: float = 0.02

    def __post_init__(self):
        _check_positive("Permalloy", Ms=self.Ms, A=self.A, alpha=self.alpha,
                        rho_perp=self.rho_perp)
        check_number(self.amr_ratio, "Permalloy.amr_ratio", low=-1)

    @property
    def rho_par(self) -> float:
        """Resistivity for current parallel to m (Ohm m)."""
        return self.rho_perp * (1.0 + self.amr_ratio)

    @property
    def exchange_length(self) -> float:
        """Exchange length sqrt(2 A / (mu0 Ms^2)) (m)."""
        mu0 = 4e-7 * math.pi
        return math.sqrt(2 * self.A / (mu0 * self.Ms**2))


@dataclasses.dataclass(frozen=True)
class Gold:
    """The Au layer that carries the training currents.

    Parameters
    ----------
    thickness : float
        Au thickness (m). Default 20e-9.
    rho : float
        Au resistivity (Ohm m). Default 2.4e-8.
    """

    thickness: float = 20e-9
    rho: float = 2.4e-8

    def __post_init__(self):
        _check_positive("Gold", thickness=self.thickness, rho=self.rho)


@dataclasses.dataclass(frozen=True)
class Disorder:
    """Polycrystalline pinning: Voronoi grains with random uniaxial anisotropy.

    Each grain gets an easy axis drawn uniformly at random (in the film plane
    or on the unit sphere) and an anisotropy constant drawn uniformly from
    ``K * (1 - K_spread, 1 + K_spread)``.

    Parameters
    ----------
    grain_size : float
        Mean grain diameter (m): the film holds about ``Lx * Ly / grain_size**2``
        grains. Default 20e-9.
    K : float
        Mean uniaxial anisotropy constant (J/m^3). Default 5e3.
    K_spread : float
        Relative half-width of the uniform distribution of K, in [0, 1].
        Default 0.
    axes : str
        ``"inplane"`` (random in-plane easy axes) or ``"3d"``. Default
        ``"inplane"``.
    seed : int
        Seed of the random grain pattern. Default 0.
    boundary_exchange : float
        Exchange stiffness of the grain-boundary cells relative to ``A``, in
        (0, 1]. Default 1 (grains fully exchange-coupled, as in a Py film).
        Below 1, the cells on one side of every boundary between two grains
        (those with an in-plane neighbour in a grain of higher index) get
        ``boundary_exchange * A``. Both engines couple neighbouring cells with
        the harmonic mean ``2 A_i A_j / (A_i + A_j)``, so every link across a
        boundary, and the boundary cells' links to their own grain, are
        weakened; the grains then switch more independently (a granular film).
        A 10 nm cell makes this boundary 10 nm wide, far wider than a real
        one: read it as a model of weak intergrain coupling, not of a
        boundary's structure.
    """

    grain_size: float = 20e-9
    K: float = 5e3
    K_spread: float = 0.0
    axes: str = "inplane"
    seed: int = 0
    boundary_exchange: float = 1.0

    def __post_init__(self):
        _check_positive("Disorder", grain_size=self.grain_size)
        check_number(self.K, "Disorder.K", low=0, low_inclusive=True, unit="J/m^3")
        check_number(self.K_spread, "Disorder.K_spread", low=0, low_inclusive=True,
                     high=1)
        if self.axes not in ("inplane", "3d"):
            raise ValueError(
                f"Disorder.axes must be 'inplane' or '3d', got {self.axes!r}."
            )
        check_int(self.seed, "Disorder.seed", minimum=0)
        check_number(self.boundary_exchange, "Disorder.boundary_exchange (a fraction "
                     "of A)", low=0, high=1)
