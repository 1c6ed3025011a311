"""Thermodynamic links between free energy and equilibrium."""

import math

from ._constants import GAS_CONSTANT


def equilibrium_constant_from_gibbs(delta_g, temperature=298.15):
    """Equilibrium constant from the standard Gibbs energy of reaction.

    :param delta_g: standard reaction Gibbs energy [J/mol]
    :param temperature: temperature [K], default 298.15
    :returns: dimensionless equilibrium constant ``exp(-dG / (R T))``

    >>> equilibrium_constant_from_gibbs(0.0)
    1.0
    >>> round(equilibrium_constant_from_gibbs(-10e3), 2)
    56.48
    """
    return math.exp(-delta_g / (GAS_CONSTANT * temperature))


def gibbs_from_equilibrium_constant(equilibrium_constant, temperature=298.15):
    """Standard Gibbs energy of reaction from an equilibrium constant.

    Args:
        equilibrium_constant: Dimensionless K (> 0).
        temperature: Temperature in K.

    Returns:
        ``-R T ln K`` in J/mol.
    """
    if equilibrium_constant <= 0:
        raise ValueError("equilibrium constant must be positive")
    return -GAS_CONSTANT * temperature * math.log(equilibrium_constant)


def van_t_hoff(equilibrium_constant, temperature, new_temperature, delta_h):
    """Shift an equilibrium constant to another temperature (van 't Hoff).

    Assumes the reaction enthalpy is constant over the interval.

    Args:
        equilibrium_constant: K at ``temperature``.
        temperature: Reference temperature [K].
        new_temperature: Target temperature [K].
        delta_h: Standard reaction enthalpy [J/mol].

    Returns:
        K at ``new_temperature``.

    Example:
        >>> round(van_t_hoff(1.0, 300.0, 350.0, 50e3), 2)
        17.52
    """
    exponent = -delta_h / GAS_CONSTANT * (1.0 / new_temperature - 1.0 / temperature)
    return equilibrium_constant * math.exp(exponent)
