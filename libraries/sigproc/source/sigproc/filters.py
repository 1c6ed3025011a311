"""Smoothing, detrending and frequency-selective filtering."""

import numpy as np
from scipy import signal


def moving_average(x, window):
    """Centered moving average (boxcar smoother) of a 1-D signal.

    Parameters
    ----------
    x : array_like
        Input samples.
    window : int
        Number of samples averaged; must be odd so the output stays centred.

    Returns
    -------
    numpy.ndarray
        Smoothed signal, same length as ``x``. Edges are averaged over the
        samples that exist (no zero padding).

    Examples
    --------
    >>> moving_average([1, 2, 3, 4, 5], 3).tolist()
    [1.5, 2.0, 3.0, 4.0, 4.5]
    """
    if window < 1 or window % 2 == 0:
        raise ValueError("window must be a positive odd integer")
    x = np.asarray(x, dtype=float)
    kernel = np.ones(window)
    sums = np.convolve(x, kernel, mode="same")
    counts = np.convolve(np.ones_like(x), kernel, mode="same")
    return sums / counts


def detrend_linear(x, t=None):
    """Remove the least-squares straight line from a signal.

    Parameters
    ----------
    x : array_like
        Samples.
    t : array_like, optional
        Sample times; evenly spaced indices are used when omitted.

    Returns
    -------
    numpy.ndarray
        ``x`` minus its fitted linear trend (zero mean, zero slope).

    Examples
    --------
    >>> residual = detrend_linear([1.0, 3.0, 5.0, 7.0])
    >>> bool(np.allclose(residual, 0.0))
    True
    """
    x = np.asarray(x, dtype=float)
    t = np.arange(x.size, dtype=float) if t is None else np.asarray(t, dtype=float)
    slope, intercept = np.polyfit(t, x, 1)
    return x - (slope * t + intercept)


def bandpass_butterworth(x, low_hz, high_hz, fs, order=4):
    """Zero-phase Butterworth band-pass filter.

    The filter is designed in second-order sections and applied forwards and
    backwards (``sosfiltfilt``), so there is no phase shift and the
    effective order is doubled.

    Parameters
    ----------
    x : array_like
        Signal sampled at ``fs``.
    low_hz, high_hz : float
        Pass-band edges [Hz], ``0 < low_hz < high_hz < fs / 2``.
    fs : float
        Sampling frequency [Hz].
    order : int, optional
        Butterworth order of the design (default 4).

    Returns
    -------
    numpy.ndarray
        Filtered signal.
    """
    nyquist = fs / 2.0
    if not 0 < low_hz < high_hz < nyquist:
        raise ValueError("need 0 < low_hz < high_hz < fs/2")
    sos = signal.butter(order, [low_hz, high_hz], btype="bandpass", fs=fs, output="sos")
    return signal.sosfiltfilt(sos, np.asarray(x, dtype=float))
