"""Dimensionless groups used in momentum and heat transfer."""

import numpy as np

from ._util import _check_positive, _scalar_or_array


def reynolds_number(density, velocity, length, viscosity):
    """Reynolds number, the ratio of inertial to viscous forces.

    Works element-wise on NumPy arrays, so a whole velocity sweep can be
    evaluated in one call.

    Parameters
    ----------
    density : float or array_like
        Fluid density [kg/m^3].
    velocity : float or array_like
        Characteristic (mean) velocity [m/s].
    length : float or array_like
        Characteristic length, e.g. pipe diameter [m].
    viscosity : float or array_like
        Dynamic viscosity [Pa s].

    Returns
    -------
    float or numpy.ndarray
        Reynolds number [-].

    Examples
    --------
    >>> reynolds_number(1000.0, 2.0, 0.05, 1e-3)
    100000.0
    >>> print(reynolds_number(1000.0, [0.1, 0.2], 0.05, 1e-3))
    [ 5000. 10000.]
    """
    _check_positive("viscosity", viscosity)
    re = np.asarray(density, dtype=float) * np.asarray(velocity, dtype=float)
    re = re * np.asarray(length, dtype=float) / np.asarray(viscosity, dtype=float)
    return _scalar_or_array(re)


def prandtl_number(heat_capacity, viscosity, conductivity):
    """Prandtl number, the ratio of momentum to thermal diffusivity.

    Parameters
    ----------
    heat_capacity : float
        Specific heat capacity at constant pressure [J/(kg K)].
    viscosity : float
        Dynamic viscosity [Pa s].
    conductivity : float
        Thermal conductivity [W/(m K)].

    Returns
    -------
    float
        Prandtl number [-].

    Examples
    --------
    >>> round(prandtl_number(4182.0, 1.0e-3, 0.6), 3)
    6.97
    """
    _check_positive("conductivity", conductivity)
    return _scalar_or_array(
        np.asarray(heat_capacity, dtype=float) * np.asarray(viscosity, dtype=float)
        / np.asarray(conductivity, dtype=float)
    )


def nusselt_dittus_boelter(reynolds, prandtl, heating=True):
    """Nusselt number for fully developed turbulent flow in a smooth tube.

    Uses the Dittus-Boelter correlation ``Nu = 0.023 Re^0.8 Pr^n`` with
    ``n = 0.4`` when the fluid is being heated and ``n = 0.3`` when it is
    being cooled. Valid roughly for ``Re > 1e4`` and ``0.6 < Pr < 160``.

    Parameters
    ----------
    reynolds : float or array_like
        Reynolds number based on the tube diameter [-].
    prandtl : float or array_like
        Prandtl number of the fluid [-].
    heating : bool, optional
        ``True`` if the wall is hotter than the fluid (default).

    Returns
    -------
    float or numpy.ndarray
        Nusselt number [-].

    Examples
    --------
    >>> round(nusselt_dittus_boelter(1e5, 7.0), 1)
    500.9
    >>> round(nusselt_dittus_boelter(1e5, 7.0, heating=False), 1)
    412.3
    """
    exponent = 0.4 if heating else 0.3
    re = np.asarray(reynolds, dtype=float)
    pr = np.asarray(prandtl, dtype=float)
    return _scalar_or_array(0.023 * re**0.8 * pr**exponent)


def heat_transfer_coefficient(nusselt, conductivity, length):
    """Convert a Nusselt number into a convective film coefficient.

    Parameters
    ----------
    nusselt : float or array_like
        Nusselt number [-].
    conductivity : float
        Thermal conductivity of the fluid [W/(m K)].
    length : float
        Characteristic length used in the Nusselt number [m].

    Returns
    -------
    float or numpy.ndarray
        Heat transfer coefficient ``h = Nu k / L`` [W/(m^2 K)].
    """
    _check_positive("length", length)
    return _scalar_or_array(np.asarray(nusselt, dtype=float) * conductivity / length)
