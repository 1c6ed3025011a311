"""Rate laws and temperature dependence of rate constants."""

import math

import numpy as np

from ._constants import GAS_CONSTANT, LN2


def arrhenius_rate(pre_exponential, activation_energy, temperature):
    """Rate constant from the Arrhenius equation ``k = A exp(-Ea / (R T))``.

    Args:
        pre_exponential: Frequency factor ``A`` in the units of ``k``.
        activation_energy: Activation energy ``Ea`` in J/mol.
        temperature: Absolute temperature in K; scalars or NumPy arrays.

    Returns:
        The rate constant, same units as ``pre_exponential``. A float for
        scalar input, an ndarray for array input.

    Raises:
        ValueError: If any temperature is not positive.

    Example:
        >>> print(f"{arrhenius_rate(1e13, 100e3, 298.15):.4e}")
        3.0252e-05
    """
    t = np.asarray(temperature, dtype=float)
    if np.any(t <= 0):
        raise ValueError("temperature must be in kelvin and positive")
    k = pre_exponential * np.exp(-activation_energy / (GAS_CONSTANT * t))
    return float(k) if k.ndim == 0 else k


def activation_energy_from_two_rates(k1, t1, k2, t2):
    """Estimate the activation energy from rate constants at two temperatures.

    :param k1: rate constant measured at ``t1``
    :param t1: first temperature [K]
    :param k2: rate constant measured at ``t2`` (same units as ``k1``)
    :param t2: second temperature [K]
    :returns: activation energy [J/mol]
    :rtype: float

    >>> round(activation_energy_from_two_rates(1.0, 300.0, 2.0, 310.0))
    53597
    """
    if t1 == t2:
        raise ValueError("the two temperatures must differ")
    return GAS_CONSTANT * math.log(k2 / k1) / (1.0 / t1 - 1.0 / t2)


def half_life_from_rate(rate_constant, order=1, initial_concentration=None):
    """Half-life of a reactant for a simple nth-order rate law.

    Args:
        rate_constant: Rate constant ``k``.
        order: Reaction order, 0, 1 or 2.
        initial_concentration: Starting concentration; required for orders
            0 and 2 because their half-life depends on it.

    Returns:
        Half-life in the time unit of ``k``.

    Example:
        >>> round(half_life_from_rate(0.1), 4)
        6.9315
        >>> half_life_from_rate(0.5, order=2, initial_concentration=2.0)
        1.0
    """
    if order == 1:
        return LN2 / rate_constant
    if initial_concentration is None:
        raise ValueError(f"order {order} half-life needs initial_concentration")
    if order == 0:
        return initial_concentration / (2.0 * rate_constant)
    if order == 2:
        return 1.0 / (rate_constant * initial_concentration)
    raise ValueError("only orders 0, 1 and 2 are supported")


def first_order_concentration(initial_concentration, rate_constant, time):
    """Concentration of a reactant decaying by first-order kinetics.

    Args:
        initial_concentration: ``[A]0`` at ``t = 0``.
        rate_constant: First-order rate constant ``k`` [1/time].
        time: Time or array of times.

    Returns:
        ``[A]0 * exp(-k t)``, float or ndarray.
    """
    c = initial_concentration * np.exp(-rate_constant * np.asarray(time, dtype=float))
    return float(c) if np.ndim(c) == 0 else c


def second_order_concentration(initial_concentration, rate_constant, time):
    """Concentration for a second-order reaction ``2A -> products``.

    :param initial_concentration: ``[A]0``
    :param rate_constant: second-order rate constant [1/(conc time)]
    :param time: time or array of times
    :returns: ``[A]0 / (1 + k [A]0 t)``
    """
    t = np.asarray(time, dtype=float)
    c = initial_concentration / (1.0 + rate_constant * initial_concentration * t)
    return float(c) if np.ndim(c) == 0 else c


class Reaction:
    """A single-reactant reaction with nth-order, Arrhenius kinetics.

    Args:
        pre_exponential: Arrhenius frequency factor ``A``.
        activation_energy: Activation energy in J/mol.
        order: Reaction order with respect to the reactant (0, 1 or 2).
        name: Optional label used in ``repr``.

    Example:
        >>> rxn = Reaction(1e13, 100e3, order=1, name="isomerisation")
        >>> print(f"{rxn.rate_constant(350.0):.4e}")
        1.1915e-02
        >>> round(rxn.conversion(60.0, 350.0), 3)
        0.511
    """

    def __init__(self, pre_exponential, activation_energy, order=1, name=None):
        if order not in (0, 1, 2):
            raise ValueError("order must be 0, 1 or 2")
        self.pre_exponential = pre_exponential
        self.activation_energy = activation_energy
        self.order = order
        self.name = name or "reaction"

    def __repr__(self):
        return f"Reaction({self.name!r}, Ea={self.activation_energy:g} J/mol, order={self.order})"

    def get_order(self):
        return self.order

    def rate_constant(self, temperature):
        """Arrhenius rate constant at ``temperature`` [K]."""
        return arrhenius_rate(self.pre_exponential, self.activation_energy, temperature)

    def rate(self, concentration, temperature):
        """Instantaneous rate ``k(T) * c**order`` (consumption of the reactant)."""
        return self.rate_constant(temperature) * concentration**self.order

    def concentration(self, time, temperature, initial_concentration=1.0):
        """Reactant concentration after ``time`` at constant temperature.

        Args:
            time: Elapsed time (scalar or array).
            temperature: Constant temperature [K].
            initial_concentration: Starting concentration.

        Returns:
            Remaining concentration; never negative for zero order.
        """
        k = self.rate_constant(temperature)
        if self.order == 0:
            t = np.asarray(time, dtype=float)
            return np.maximum(initial_concentration - k * t, 0.0)
        if self.order == 1:
            return first_order_concentration(initial_concentration, k, time)
        return second_order_concentration(initial_concentration, k, time)

    def conversion(self, time, temperature, initial_concentration=1.0):
        """Fraction of reactant consumed after ``time`` (reaction progress, 0..1)."""
        c = self.concentration(time, temperature, initial_concentration)
        return 1.0 - c / initial_concentration
