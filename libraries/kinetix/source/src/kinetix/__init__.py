"""kinetix: reaction kinetics, radioactive decay and small ODE tools."""

from .decay import (
    DecayChain,
    activity_from_mass,
    decay_activity,
    decay_constant,
    elapsed_time_from_ratio,
)
from .integrate import integrate_rk4, mass_action_rhs, rk4_step, simulate_mass_action
from .rates import (
    Reaction,
    activation_energy_from_two_rates,
    arrhenius_rate,
    first_order_concentration,
    half_life_from_rate,
    second_order_concentration,
)
from .thermo import equilibrium_constant_from_gibbs, gibbs_from_equilibrium_constant, van_t_hoff

__version__ = "1.2.0"

__all__ = [
    "DecayChain",
    "Reaction",
    "activation_energy_from_two_rates",
    "activity_from_mass",
    "arrhenius_rate",
    "decay_activity",
    "decay_constant",
    "elapsed_time_from_ratio",
    "equilibrium_constant_from_gibbs",
    "first_order_concentration",
    "gibbs_from_equilibrium_constant",
    "half_life_from_rate",
    "integrate_rk4",
    "mass_action_rhs",
    "rk4_step",
    "second_order_concentration",
    "simulate_mass_action",
    "van_t_hoff",
]
