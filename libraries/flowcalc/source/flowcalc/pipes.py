"""Pressure losses for flow in pipes and ducts."""

import numpy as np

from ._util import _check_positive, _scalar_or_array

#: Reynolds number below which flow in a pipe is treated as laminar.
LAMINAR_LIMIT = 2300.0


def _swamee_jain(reynolds, relative_roughness):
    """Explicit Swamee-Jain approximation of the Colebrook equation."""
    arg = relative_roughness / 3.7 + 5.74 / reynolds**0.9
    return 0.25 / np.log10(arg) ** 2


def _colebrook(reynolds, relative_roughness, tol=1e-12, max_iter=50):
    """Solve Colebrook-White by fixed-point iteration on x = 1/sqrt(f)."""
    x = 1.0 / np.sqrt(_swamee_jain(reynolds, relative_roughness))
    for _ in range(max_iter):
        x_new = -2.0 * np.log10(relative_roughness / 3.7 + 2.51 * x / reynolds)
        if np.all(np.abs(x_new - x) < tol):
            x = x_new
            break
        x = x_new
    return 1.0 / x**2


def darcy_friction_factor(reynolds, relative_roughness=0.0, method="colebrook"):
    """Darcy-Weisbach friction factor for flow in a circular pipe.

    Laminar flow (``Re < 2300``) uses ``f = 64/Re``. Otherwise the
    implicit Colebrook-White equation

    ``1/sqrt(f) = -2 log10(eps/(3.7 D) + 2.51/(Re sqrt(f)))``

    is solved iteratively, or the explicit Swamee-Jain fit is used.

    Parameters
    ----------
    reynolds : float or array_like
        Reynolds number [-].
    relative_roughness : float or array_like, optional
        Wall roughness divided by pipe diameter, ``eps/D`` [-].
        Default 0 (hydraulically smooth).
    method : {"colebrook", "swamee-jain"}, optional
        Turbulent correlation to use.

    Returns
    -------
    float or numpy.ndarray
        Darcy friction factor [-] (four times the Fanning factor).

    Examples
    --------
    >>> round(darcy_friction_factor(1000.0), 6)
    0.064
    >>> round(darcy_friction_factor(1e5, 1e-4), 5)
    0.01851
    >>> round(darcy_friction_factor(1e5, 1e-4, method="swamee-jain"), 5)
    0.01845
    """
    re = _check_positive("reynolds", reynolds)
    rr = np.broadcast_to(np.asarray(relative_roughness, dtype=float), re.shape)
    if method == "colebrook":
        turbulent = _colebrook
    elif method == "swamee-jain":
        turbulent = _swamee_jain
    else:
        raise ValueError(f"unknown method {method!r}")
    laminar = re < LAMINAR_LIMIT
    re_turb = np.where(laminar, LAMINAR_LIMIT, re)
    f = np.where(laminar, 64.0 / re, turbulent(re_turb, rr))
    return _scalar_or_array(f)


def pressure_drop_pipe(friction_factor, length, diameter, density, velocity):
    """Frictional pressure loss in a straight pipe (Darcy-Weisbach).

    Parameters
    ----------
    friction_factor : float
        Darcy friction factor [-].
    length : float
        Pipe length [m].
    diameter : float
        Inner (or hydraulic) diameter [m].
    density : float
        Fluid density [kg/m^3].
    velocity : float or array_like
        Mean flow velocity [m/s].

    Returns
    -------
    float or numpy.ndarray
        Pressure drop ``f (L/D) rho v^2 / 2`` [Pa].

    Examples
    --------
    >>> pressure_drop_pipe(0.02, 10.0, 0.05, 1000.0, 1.5)
    4500.0
    """
    _check_positive("diameter", diameter)
    v = np.asarray(velocity, dtype=float)
    return _scalar_or_array(friction_factor * (length / diameter) * 0.5 * density * v**2)


def hydraulic_diameter(area, wetted_perimeter):
    """Hydraulic diameter ``4 A / P`` of a non-circular duct.

    Parameters
    ----------
    area : float
        Flow cross-sectional area [m^2].
    wetted_perimeter : float
        Perimeter in contact with the fluid [m].

    Returns
    -------
    float
        Hydraulic diameter [m].

    Examples
    --------
    A 0.1 m x 0.2 m rectangular duct:

    >>> round(hydraulic_diameter(0.1 * 0.2, 2 * (0.1 + 0.2)), 4)
    0.1333
    """
    _check_positive("wetted_perimeter", wetted_perimeter)
    return 4.0 * area / wetted_perimeter


def pump_power(flow_rate, pressure_drop, efficiency=1.0):
    """Shaft power needed to push a flow against a pressure drop.

    Parameters
    ----------
    flow_rate : float
        Volumetric flow rate [m^3/s].
    pressure_drop : float
        Pressure rise the pump must deliver [Pa].
    efficiency : float, optional
        Overall pump efficiency, 0 < eta <= 1 (default 1).

    Returns
    -------
    float
        Power [W].
    """
    if not 0.0 < efficiency <= 1.0:
        raise ValueError("efficiency must be in (0, 1]")
    return flow_rate * pressure_drop / efficiency
