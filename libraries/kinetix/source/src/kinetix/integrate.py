"""ODE integration: a fixed-step RK4 stepper and a mass-action network solver."""

import numpy as np
from scipy.integrate import solve_ivp


def rk4_step(fun, t, y, h):
    """Advance ``dy/dt = fun(t, y)`` by one classical Runge-Kutta step.

    Args:
        fun: Right-hand side, called as ``fun(t, y)`` and returning an
            array shaped like ``y``.
        t: Current time.
        y: Current state (float or 1-D array).
        h: Step size.

    Returns:
        State at ``t + h`` as an ndarray.
    """
    y = np.asarray(y, dtype=float)
    k1 = np.asarray(fun(t, y), dtype=float)
    k2 = np.asarray(fun(t + h / 2, y + h / 2 * k1), dtype=float)
    k3 = np.asarray(fun(t + h / 2, y + h / 2 * k2), dtype=float)
    k4 = np.asarray(fun(t + h, y + h * k3), dtype=float)
    return y + h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)


def integrate_rk4(fun, y0, t_span, n_steps=100):
    """Integrate an initial value problem with fixed-step RK4.

    Args:
        fun: Right-hand side ``fun(t, y)``.
        y0: Initial state (float or 1-D array).
        t_span: ``(t0, t1)`` start and end times.
        n_steps: Number of equal steps (default 100).

    Returns:
        Tuple ``(t, y)``: ``t`` has shape ``(n_steps + 1,)`` and ``y`` has
        shape ``(n_steps + 1, len(y0))`` (or ``(n_steps + 1,)`` for scalar
        ``y0``).

    Example:
        >>> t, y = integrate_rk4(lambda t, y: -0.5 * y, 1.0, (0.0, 2.0), n_steps=20)
        >>> round(float(y[-1]), 6)
        0.367879
    """
    t0, t1 = t_span
    if n_steps < 1:
        raise ValueError("n_steps must be at least 1")
    times = np.linspace(t0, t1, n_steps + 1)
    h = (t1 - t0) / n_steps
    y = np.asarray(y0, dtype=float)
    states = [y]
    for t in times[:-1]:
        y = rk4_step(fun, t, y, h)
        states.append(y)
    return times, np.array(states)


def mass_action_rhs(stoichiometry, rate_constants):
    """Build ``f(t, c)`` for a network of elementary reactions.

    :param stoichiometry: array ``(n_reactions, n_species)`` of net
        stoichiometric coefficients; negative entries are reactants and
        their magnitudes are used as reaction orders
    :param rate_constants: one rate constant per reaction
    :returns: callable ``f(t, c)`` returning ``dc/dt``
    """
    nu = np.asarray(stoichiometry, dtype=float)
    k = np.asarray(rate_constants, dtype=float)
    orders = np.where(nu < 0, -nu, 0.0)

    def rhs(t, c):
        c = np.clip(c, 0.0, None)
        rates = k * np.prod(c ** orders, axis=1)
        return rates @ nu

    return rhs


def simulate_mass_action(stoichiometry, rate_constants, initial_concentrations,
                         t_eval, method="LSODA"):
    """Concentration histories of a reaction network using SciPy's ``solve_ivp``.

    Suitable for stiff networks; ``LSODA`` switches between stiff and
    non-stiff methods automatically.

    :param stoichiometry: ``(n_reactions, n_species)`` net coefficients,
        e.g. ``[[-1, 1, 0], [0, -1, 1]]`` for ``A -> B -> C``
    :param rate_constants: rate constant of each reaction
    :param initial_concentrations: concentration of each species at ``t_eval[0]``
    :param t_eval: increasing array of output times
    :param method: any ``solve_ivp`` method name
    :returns: array ``(len(t_eval), n_species)`` of concentrations
    :raises RuntimeError: if the solver fails
    """
    t_eval = np.asarray(t_eval, dtype=float)
    rhs = mass_action_rhs(stoichiometry, rate_constants)
    sol = solve_ivp(rhs, (t_eval[0], t_eval[-1]), np.asarray(initial_concentrations, dtype=float),
                    t_eval=t_eval, method=method, rtol=1e-8, atol=1e-10)
    if not sol.success:
        raise RuntimeError(f"integration failed: {sol.message}")
    return sol.y.T
