"""Spectral estimates and simple feature extraction."""

import numpy as np
from scipy import signal


def power_spectral_density(x, fs, segment_length=256):
    """Welch estimate of the one-sided power spectral density.

    Parameters
    ----------
    x : array_like
        Signal samples.
    fs : float
        Sampling frequency [Hz].
    segment_length : int, optional
        Samples per Hann-windowed segment (50 % overlap). Shorter segments
        give a smoother but coarser spectrum.

    Returns
    -------
    freqs : numpy.ndarray
        Frequencies [Hz].
    psd : numpy.ndarray
        Power spectral density [units^2/Hz].
    """
    x = np.asarray(x, dtype=float)
    nperseg = min(segment_length, x.size)
    return signal.welch(x, fs=fs, nperseg=nperseg)


def rms(x):
    """Root mean square of a signal.

    >>> rms([3.0, -3.0, 3.0, -3.0])
    3.0
    """
    x = np.asarray(x, dtype=float)
    return float(np.sqrt(np.mean(x * x)))


def peak_find(x, threshold=None, min_distance=1):
    """Indices of local maxima, strongest first when peaks compete.

    A sample is a peak if it is strictly greater than both neighbours and
    at least ``threshold``. Peaks closer than ``min_distance`` samples to a
    higher peak are discarded.

    Parameters
    ----------
    x : array_like
        1-D signal.
    threshold : float, optional
        Minimum peak height; no limit when ``None``.
    min_distance : int, optional
        Minimum separation between retained peaks in samples.

    Returns
    -------
    numpy.ndarray
        Sorted integer indices of the retained peaks.

    Examples
    --------
    >>> peak_find([0, 2, 0, 1, 0, 5, 0, 4, 0], threshold=1.5).tolist()
    [1, 5, 7]
    >>> peak_find([0, 2, 0, 1, 0, 5, 0, 4, 0], min_distance=3).tolist()
    [1, 5]
    """
    x = np.asarray(x, dtype=float)
    if x.size < 3:
        return np.array([], dtype=int)
    candidates = np.flatnonzero((x[1:-1] > x[:-2]) & (x[1:-1] > x[2:])) + 1
    if threshold is not None:
        candidates = candidates[x[candidates] >= threshold]
    kept = []
    for idx in candidates[np.argsort(-x[candidates], kind="stable")]:
        if all(abs(idx - k) >= min_distance for k in kept):
            kept.append(idx)
    return np.array(sorted(kept), dtype=int)


def dominant_frequency(x, fs):
    """Frequency [Hz] of the largest non-DC peak in the amplitude spectrum."""
    x = np.asarray(x, dtype=float)
    spectrum = np.abs(np.fft.rfft(x - x.mean()))
    freqs = np.fft.rfftfreq(x.size, d=1.0 / fs)
    return float(freqs[np.argmax(spectrum)])
