"""flowcalc: small, dependable correlations for fluid flow and heat transfer.

The public API is re-exported here, so ``from flowcalc import reynolds_number``
works as well as importing from the submodules.
"""

from .beds import (
    PackedBed,
    archimedes_number,
    ergun_pressure_drop,
    kozeny_carman_permeability,
    minimum_fluidization_velocity,
)
from .dimensionless import (
    heat_transfer_coefficient,
    nusselt_dittus_boelter,
    prandtl_number,
    reynolds_number,
)
from .heat import (
    HeatExchanger,
    lmtd,
    overall_heat_transfer_coefficient,
    sensible_heat_duty,
)
from .pipes import darcy_friction_factor, hydraulic_diameter, pressure_drop_pipe, pump_power

__version__ = "0.3.1"

__all__ = [
    "HeatExchanger",
    "PackedBed",
    "archimedes_number",
    "darcy_friction_factor",
    "ergun_pressure_drop",
    "heat_transfer_coefficient",
    "hydraulic_diameter",
    "kozeny_carman_permeability",
    "lmtd",
    "minimum_fluidization_velocity",
    "nusselt_dittus_boelter",
    "overall_heat_transfer_coefficient",
    "prandtl_number",
    "pressure_drop_pipe",
    "pump_power",
    "reynolds_number",
    "sensible_heat_duty",
]


def get_version():
    return __version__
