"""Radioactive decay of single nuclides and of decay chains."""

import numpy as np

from ._constants import AVOGADRO, LN2


def decay_constant(half_life):
    """Decay constant from a half-life.

    :param half_life: half-life in any time unit
    :returns: ``ln 2 / half_life`` in the reciprocal of that unit
    :raises ValueError: if ``half_life`` is not positive

    >>> round(decay_constant(5730.0), 10)
    0.0001209681
    """
    if half_life <= 0:
        raise ValueError("half_life must be positive")
    return LN2 / half_life


def decay_activity(initial_activity, half_life, time):
    """Activity of a radioactive source after some elapsed time.

    :param initial_activity: activity at ``t = 0`` (Bq, Ci, counts/s, ...)
    :param half_life: half-life of the nuclide
    :param time: elapsed time(s), same unit as ``half_life``; may be an array
    :returns: ``A0 * 2**(-t / half_life)`` in the unit of ``initial_activity``

    >>> decay_activity(1000.0, 8.02, 16.04)
    250.0
    """
    t = np.asarray(time, dtype=float)
    activity = initial_activity * np.exp2(-t / half_life)
    return float(activity) if activity.ndim == 0 else activity


def activity_from_mass(mass, molar_mass, half_life_seconds):
    """Specific activity of a sample of a pure nuclide.

    :param mass: sample mass [g]
    :param molar_mass: molar mass of the nuclide [g/mol]
    :param half_life_seconds: half-life [s]
    :returns: activity [Bq]
    """
    atoms = mass / molar_mass * AVOGADRO
    return decay_constant(half_life_seconds) * atoms


def elapsed_time_from_ratio(remaining_fraction, half_life):
    """Age of a sample from the fraction of parent nuclide still present.

    The classic radiocarbon-dating inversion ``t = -t_half log2(N/N0)``.

    :param remaining_fraction: ``N / N0``, between 0 and 1
    :param half_life: half-life of the parent nuclide
    :returns: elapsed time in the unit of ``half_life``

    >>> elapsed_time_from_ratio(0.25, 5730.0)
    11460.0
    """
    if not 0.0 < remaining_fraction <= 1.0:
        raise ValueError("remaining_fraction must be in (0, 1]")
    return -half_life * float(np.log2(remaining_fraction))


class DecayChain:
    """Linear decay chain ``N1 -> N2 -> ... -> Nn`` solved with the Bateman equations.

    :param half_lives: half-life of each member in chain order; use
        ``float('inf')`` for a stable end product. All finite half-lives
        must be distinct (the closed-form solution divides by differences
        of decay constants).
    :param names: optional labels for the members

    >>> chain = DecayChain([1.0, 2.0, float("inf")], names=["A", "B", "C"])
    >>> [round(x, 4) for x in chain.amounts([100.0, 0.0, 0.0], 2.0)]
    [25.0, 50.0, 25.0]
    """

    def __init__(self, half_lives, names=None):
        half_lives = [float(h) for h in half_lives]
        if not half_lives:
            raise ValueError("a chain needs at least one member")
        self.half_lives = half_lives
        self.names = list(names) if names is not None else [f"N{i + 1}" for i in range(len(half_lives))]
        self.decay_constants = np.array([0.0 if np.isinf(h) else LN2 / h for h in half_lives])
        if len(set(self.decay_constants.tolist())) != len(half_lives):
            raise ValueError("decay constants must be distinct for the Bateman solution")

    def __len__(self):
        return len(self.half_lives)

    def _from_single_parent(self, start, n0, t):
        """Amounts of members start..n at time t from n0 atoms of member *start*."""
        lam = self.decay_constants
        out = np.zeros(len(self))
        for n in range(start, len(self)):
            coeff = n0 * np.prod(lam[start:n])
            total = 0.0
            for i in range(start, n + 1):
                denom = np.prod([lam[j] - lam[i] for j in range(start, n + 1) if j != i])
                total += np.exp(-lam[i] * t) / denom
            out[n] = coeff * total
        return out

    def amounts(self, initial_amounts, time):
        """Number of atoms (or moles) of every member at ``time``.

        :param initial_amounts: amount of each member at ``t = 0``
        :param time: elapsed time, same unit as the half-lives
        :returns: list of amounts in chain order
        """
        if len(initial_amounts) != len(self):
            raise ValueError("need one initial amount per chain member")
        total = np.zeros(len(self))
        for start, n0 in enumerate(initial_amounts):
            if n0:
                total += self._from_single_parent(start, float(n0), float(time))
        return total.tolist()

    def activities(self, initial_amounts, time):
        """Activity ``lambda_i N_i`` of every member at ``time`` (stable members give 0)."""
        return (self.decay_constants * np.array(self.amounts(initial_amounts, time))).tolist()
