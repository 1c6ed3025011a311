"""sigproc: everyday signal processing and statistics on NumPy arrays."""

from .accel import autocorrelation
from .datasets import download_dataset
from .filters import bandpass_butterworth, detrend_linear, moving_average
from .spectral import dominant_frequency, peak_find, power_spectral_density, rms
from .stats import bootstrap_confidence_interval, pearson_correlation, zscore

__version__ = "0.5.0"

__all__ = [
    "autocorrelation",
    "bandpass_butterworth",
    "bootstrap_confidence_interval",
    "detrend_linear",
    "dominant_frequency",
    "download_dataset",
    "moving_average",
    "pearson_correlation",
    "peak_find",
    "power_spectral_density",
    "rms",
    "zscore",
]
