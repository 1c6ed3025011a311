"""Heat exchanger sizing: LMTD and effectiveness-NTU methods."""

import math

import numpy as np

from ._util import _check_positive, _scalar_or_array


def lmtd(delta_t_in, delta_t_out):
    """Log-mean temperature difference between two terminal differences.

    Parameters
    ----------
    delta_t_in : float or array_like
        Hot-minus-cold temperature difference at one end [K].
    delta_t_out : float or array_like
        Hot-minus-cold temperature difference at the other end [K].

    Returns
    -------
    float or numpy.ndarray
        ``(dT1 - dT2) / ln(dT1 / dT2)`` [K]; equals ``dT1`` when both
        differences are equal.

    Examples
    --------
    >>> round(lmtd(60.0, 20.0), 3)
    36.41
    >>> lmtd(30.0, 30.0)
    30.0
    """
    dt1 = _check_positive("delta_t_in", delta_t_in)
    dt2 = _check_positive("delta_t_out", delta_t_out)
    dt1, dt2 = np.broadcast_arrays(dt1, dt2)
    equal = np.isclose(dt1, dt2)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = np.where(equal, dt1, (dt1 - dt2) / np.log(dt1 / dt2))
    return _scalar_or_array(result)


def sensible_heat_duty(mass_flow, heat_capacity, t_in, t_out):
    """Heat rate needed to change the temperature of a stream.

    Parameters
    ----------
    mass_flow : float
        Mass flow rate [kg/s].
    heat_capacity : float
        Specific heat capacity [J/(kg K)].
    t_in, t_out : float
        Inlet and outlet temperatures [K or degC].

    Returns
    -------
    float
        Heat duty ``m cp (t_out - t_in)`` [W]; negative when the stream cools.

    Examples
    --------
    >>> sensible_heat_duty(2.0, 4180.0, 20.0, 80.0)
    501600.0
    """
    return mass_flow * heat_capacity * (t_out - t_in)


def overall_heat_transfer_coefficient(h_inner, h_outer, wall_thickness=0.0,
                                      wall_conductivity=math.inf, fouling=0.0):
    """Overall coefficient for a thin plane wall between two fluids.

    Adds the thermal resistances in series:
    ``1/U = 1/h_i + t/k_w + 1/h_o + R_f``.

    Parameters
    ----------
    h_inner, h_outer : float
        Film coefficients on each side [W/(m^2 K)].
    wall_thickness : float, optional
        Wall thickness [m] (default 0).
    wall_conductivity : float, optional
        Wall thermal conductivity [W/(m K)] (default infinite).
    fouling : float, optional
        Total fouling resistance [m^2 K/W] (default 0).

    Returns
    -------
    float
        Overall heat transfer coefficient U [W/(m^2 K)].

    Examples
    --------
    >>> overall_heat_transfer_coefficient(1000.0, 1000.0)
    500.0
    """
    resistance = 1.0 / h_inner + 1.0 / h_outer + fouling
    if wall_thickness:
        resistance += wall_thickness / wall_conductivity
    return 1.0 / resistance


class HeatExchanger:
    """Two-stream heat exchanger rated with the effectiveness-NTU method.

    Parameters
    ----------
    ua : float
        Product of overall coefficient and area [W/K].
    c_hot, c_cold : float
        Heat capacity rates ``m cp`` of the hot and cold streams [W/K].
    arrangement : {"counterflow", "parallel"}, optional
        Flow arrangement (default "counterflow").

    Examples
    --------
    >>> hx = HeatExchanger(ua=2000.0, c_hot=1000.0, c_cold=2000.0)
    >>> hx.ntu()
    2.0
    >>> round(hx.effectiveness(), 4)
    0.7746
    >>> t_hot_out, t_cold_out = hx.outlet_temperatures(90.0, 20.0)
    >>> round(t_hot_out, 2), round(t_cold_out, 2)
    (35.78, 47.11)
    """

    ARRANGEMENTS = ("counterflow", "parallel")

    def __init__(self, ua, c_hot, c_cold, arrangement="counterflow"):
        if arrangement not in self.ARRANGEMENTS:
            raise ValueError(f"arrangement must be one of {self.ARRANGEMENTS}")
        _check_positive("ua", ua)
        self.ua = ua
        self.c_hot = c_hot
        self.c_cold = c_cold
        self.arrangement = arrangement

    def get_ua(self):
        return self.ua

    @property
    def c_min(self):
        return min(self.c_hot, self.c_cold)

    def capacity_ratio(self):
        """Ratio ``C_min / C_max`` of the stream heat capacity rates [-]."""
        return self.c_min / max(self.c_hot, self.c_cold)

    def ntu(self):
        """Number of transfer units ``UA / C_min`` [-]."""
        return self.ua / self.c_min

    def effectiveness(self):
        """Thermal effectiveness: actual over maximum possible heat transfer.

        Returns
        -------
        float
            Effectiveness between 0 and 1 for the configured arrangement.
        """
        n = self.ntu()
        cr = self.capacity_ratio()
        if self.arrangement == "parallel":
            return (1.0 - math.exp(-n * (1.0 + cr))) / (1.0 + cr)
        if math.isclose(cr, 1.0):
            return n / (1.0 + n)
        e = math.exp(-n * (1.0 - cr))
        return (1.0 - e) / (1.0 - cr * e)

    def duty(self, t_hot_in, t_cold_in):
        """Heat transferred [W] for the given inlet temperatures."""
        return self.effectiveness() * self.c_min * (t_hot_in - t_cold_in)

    def outlet_temperatures(self, t_hot_in, t_cold_in):
        """Outlet temperatures of both streams.

        Parameters
        ----------
        t_hot_in, t_cold_in : float
            Inlet temperatures of the hot and cold streams.

        Returns
        -------
        tuple of float
            ``(t_hot_out, t_cold_out)`` in the same unit as the inputs.
        """
        q = self.duty(t_hot_in, t_cold_in)
        return t_hot_in - q / self.c_hot, t_cold_in + q / self.c_cold
