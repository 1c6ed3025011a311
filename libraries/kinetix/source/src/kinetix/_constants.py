"""Physical constants used internally (CODATA 2018 exact values)."""

import math

GAS_CONSTANT = 8.314462618  # J/(mol K)
AVOGADRO = 6.02214076e23  # 1/mol
LN2 = math.log(2.0)
