"""Flow through packed and fluidised beds of particles."""

import math

import numpy as np

from ._util import GRAVITY, _check_fraction, _check_positive, _scalar_or_array


def ergun_pressure_drop(velocity, particle_diameter, porosity, length,
                        density, viscosity, sphericity=1.0):
    """Pressure drop across a packed bed from the Ergun equation.

    The Ergun equation adds a viscous (Blake-Kozeny) term and an inertial
    (Burke-Plummer) term::

        dP/L = 150 mu (1-e)^2 u / (e^3 d^2) + 1.75 rho (1-e) u^2 / (e^3 d)

    where ``d`` is the sphericity-corrected particle diameter.

    Parameters
    ----------
    velocity : float or array_like
        Superficial (empty-column) velocity [m/s].
    particle_diameter : float
        Equivalent spherical particle diameter [m].
    porosity : float
        Bed void fraction, between 0 and 1 [-].
    length : float
        Bed height in the flow direction [m].
    density : float
        Fluid density [kg/m^3].
    viscosity : float
        Fluid dynamic viscosity [Pa s].
    sphericity : float, optional
        Particle sphericity, 1 for perfect spheres (default).

    Returns
    -------
    float or numpy.ndarray
        Pressure drop over the bed [Pa].

    Examples
    --------
    >>> round(ergun_pressure_drop(0.01, 0.002, 0.4, 1.0, 1000.0, 1e-3), 1)
    2929.7
    """
    _check_positive("particle_diameter", particle_diameter)
    _check_fraction("porosity", porosity)
    u = np.asarray(velocity, dtype=float)
    d = particle_diameter * sphericity
    eps = porosity
    viscous = 150.0 * viscosity * (1 - eps) ** 2 * u / (eps**3 * d**2)
    inertial = 1.75 * density * (1 - eps) * u * np.abs(u) / (eps**3 * d)
    return _scalar_or_array((viscous + inertial) * length)


def kozeny_carman_permeability(particle_diameter, porosity):
    """Permeability of a bed of spheres from the Kozeny-Carman relation.

    Parameters
    ----------
    particle_diameter : float or array_like
        Particle diameter [m].
    porosity : float or array_like
        Void fraction [-].

    Returns
    -------
    float or numpy.ndarray
        Darcy permeability ``k = e^3 d^2 / (180 (1-e)^2)`` [m^2].

    Examples
    --------
    >>> print(f"{kozeny_carman_permeability(1e-3, 0.4):.3e}")
    9.877e-10
    """
    d = _check_positive("particle_diameter", particle_diameter)
    eps = _check_fraction("porosity", porosity)
    return _scalar_or_array(eps**3 * d**2 / (180.0 * (1.0 - eps) ** 2))


def archimedes_number(particle_diameter, particle_density, fluid_density, viscosity):
    """Archimedes (Galileo) number of a particle settling in a fluid.

    Parameters
    ----------
    particle_diameter : float
        Particle diameter [m].
    particle_density : float
        Solid density [kg/m^3].
    fluid_density : float
        Fluid density [kg/m^3].
    viscosity : float
        Fluid dynamic viscosity [Pa s].

    Returns
    -------
    float
        ``Ar = rho_f (rho_p - rho_f) g d^3 / mu^2`` [-].
    """
    return (fluid_density * (particle_density - fluid_density) * GRAVITY
            * particle_diameter**3 / viscosity**2)


def minimum_fluidization_velocity(particle_diameter, particle_density,
                                  fluid_density, viscosity):
    """Superficial velocity at which a bed of particles starts to fluidise.

    Uses the Wen & Yu (1966) correlation
    ``Re_mf = sqrt(33.7^2 + 0.0408 Ar) - 33.7``.

    Parameters
    ----------
    particle_diameter : float
        Mean particle diameter [m].
    particle_density : float
        Solid density [kg/m^3].
    fluid_density : float
        Fluid density [kg/m^3].
    viscosity : float
        Fluid dynamic viscosity [Pa s].

    Returns
    -------
    float
        Minimum fluidisation velocity [m/s].

    Examples
    --------
    Sand (0.5 mm, 2650 kg/m^3) fluidised with air:

    >>> round(minimum_fluidization_velocity(5e-4, 2650.0, 1.2, 1.8e-5), 4)
    0.1988
    """
    if particle_density <= fluid_density:
        raise ValueError("particles must be denser than the fluid to settle")
    ar = archimedes_number(particle_diameter, particle_density, fluid_density, viscosity)
    re_mf = math.sqrt(33.7**2 + 0.0408 * ar) - 33.7
    return re_mf * viscosity / (fluid_density * particle_diameter)


class PackedBed:
    """A fixed bed of particles with a given geometry.

    Parameters
    ----------
    particle_diameter : float
        Equivalent spherical particle diameter [m].
    porosity : float
        Void fraction [-].
    length : float
        Bed height [m].
    sphericity : float, optional
        Particle sphericity (default 1.0).

    Examples
    --------
    >>> bed = PackedBed(0.002, 0.4, 1.0)
    >>> round(bed.pressure_drop(0.01, 1000.0, 1e-3), 1)
    2929.7
    """

    def __init__(self, particle_diameter, porosity, length, sphericity=1.0):
        _check_positive("particle_diameter", particle_diameter)
        _check_fraction("porosity", porosity)
        self.particle_diameter = particle_diameter
        self.porosity = porosity
        self.length = length
        self.sphericity = sphericity

    def __repr__(self):
        return (f"PackedBed(particle_diameter={self.particle_diameter!r}, "
                f"porosity={self.porosity!r}, length={self.length!r})")

    def get_porosity(self):
        return self.porosity

    def pressure_drop(self, velocity, density, viscosity):
        """Ergun pressure drop across this bed [Pa] at the given superficial velocity."""
        return ergun_pressure_drop(velocity, self.particle_diameter, self.porosity,
                                   self.length, density, viscosity, self.sphericity)

    def permeability(self):
        """Kozeny-Carman permeability of the bed [m^2]."""
        return kozeny_carman_permeability(self.particle_diameter * self.sphericity,
                                          self.porosity)

    def darcy_velocity(self, pressure_drop, viscosity):
        """Superficial velocity [m/s] driven by *pressure_drop* [Pa] in creeping flow.

        Applies Darcy's law ``u = k dP / (mu L)`` with the Kozeny-Carman
        permeability; only meaningful when the inertial term is negligible.
        """
        return self.permeability() * pressure_drop / (viscosity * self.length)
