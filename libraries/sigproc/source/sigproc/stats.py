"""Descriptive statistics and resampling."""

import numpy as np


def zscore(x, ddof=0):
    """Standardise samples to zero mean and unit standard deviation.

    Parameters
    ----------
    x : array_like
        Samples.
    ddof : int, optional
        Delta degrees of freedom for the standard deviation (default 0).

    Returns
    -------
    numpy.ndarray
        ``(x - mean) / std``.

    Examples
    --------
    >>> zscore([2.0, 4.0, 6.0]).round(4).tolist()
    [-1.2247, 0.0, 1.2247]
    """
    x = np.asarray(x, dtype=float)
    sd = x.std(ddof=ddof)
    if sd == 0:
        raise ValueError("standard deviation is zero")
    return (x - x.mean()) / sd


def pearson_correlation(x, y):
    """Pearson product-moment correlation coefficient of two samples.

    Parameters
    ----------
    x, y : array_like
        Paired observations of equal length.

    Returns
    -------
    float
        Correlation coefficient in [-1, 1].

    Examples
    --------
    >>> pearson_correlation([1, 2, 3, 4], [2, 4, 6, 8])
    1.0
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError("x and y must have the same shape")
    xc = x - x.mean()
    yc = y - y.mean()
    r = float(np.sum(xc * yc) / np.sqrt(np.sum(xc**2) * np.sum(yc**2)))
    return max(-1.0, min(1.0, r))


def bootstrap_confidence_interval(data, statistic=np.mean, n_resamples=2000,
                                  confidence=0.95, seed=None):
    """Percentile bootstrap confidence interval for any statistic.

    Parameters
    ----------
    data : array_like
        1-D sample.
    statistic : callable, optional
        Function of a 1-D array returning a scalar (default ``numpy.mean``).
    n_resamples : int, optional
        Number of bootstrap resamples (default 2000).
    confidence : float, optional
        Coverage of the interval (default 0.95).
    seed : int, optional
        Seed for reproducible resampling.

    Returns
    -------
    tuple of float
        ``(lower, upper)`` bounds.
    """
    data = np.asarray(data, dtype=float)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, data.size, size=(n_resamples, data.size))
    estimates = np.array([statistic(row) for row in data[idx]])
    alpha = (1.0 - confidence) / 2.0
    lower, upper = np.quantile(estimates, [alpha, 1.0 - alpha])
    return float(lower), float(upper)
