"""Private helpers shared by the flowcalc modules.

Nothing in here is part of the public API.
"""

import numpy as np

#: Standard gravitational acceleration [m/s^2].
GRAVITY = 9.80665


def _as_float_array(value):
    """Convert a scalar or sequence into a float ndarray."""
    return np.asarray(value, dtype=float)


def _scalar_or_array(value):
    """Return a plain ``float`` for 0-d input, otherwise the ndarray itself."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == 0:
        return float(arr)
    return arr


def _check_positive(name, value):
    """Raise ``ValueError`` if any element of *value* is not strictly positive."""
    arr = np.asarray(value, dtype=float)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be positive, got {value!r}")
    return arr


def _check_fraction(name, value):
    """Raise ``ValueError`` unless 0 < value < 1 element-wise."""
    arr = np.asarray(value, dtype=float)
    if np.any((arr <= 0) | (arr >= 1)):
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {value!r}")
    return arr
