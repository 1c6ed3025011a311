"""Optional GPU acceleration through CuPy.

CuPy is not a dependency; when it is missing (or no CUDA device is present)
everything falls back to NumPy.
"""

import numpy as np

try:
    import cupy as cp
except ImportError:  # pragma: no cover - depends on the machine
    cp = None


def gpu_available():
    return cp is not None


def autocorrelation(x, use_gpu=None):
    """Normalised autocorrelation of a 1-D signal via FFT, on the GPU if possible.

    Parameters
    ----------
    x : array_like
        Signal samples.
    use_gpu : bool, optional
        Force (``True``) or forbid (``False``) CuPy; by default CuPy is used
        whenever it can be imported.

    Returns
    -------
    numpy.ndarray
        Autocorrelation for lags ``0 .. len(x) - 1``, equal to 1 at lag 0.
    """
    if use_gpu is None:
        use_gpu = cp is not None
    if use_gpu and cp is None:
        raise RuntimeError("use_gpu=True but CuPy is not installed")
    xp = cp if use_gpu else np
    x = xp.asarray(x, dtype=float)
    x = x - x.mean()
    n = x.size
    spectrum = xp.fft.rfft(x, n=2 * n)
    acf = xp.fft.irfft(spectrum * xp.conj(spectrum))[:n]
    acf = acf / acf[0]
    return cp.asnumpy(acf) if use_gpu else acf
