"""Download example recordings (requires network access)."""

import io

import numpy as np

DATA_URL = "https://example.org/sigproc-data/{name}.csv"


def download_dataset(name, timeout=30.0):
    """Fetch a named example recording from the project's data server.

    Needs network access and the optional ``requests`` package.

    Parameters
    ----------
    name : str
        Dataset name, e.g. ``"ecg_500hz"``.
    timeout : float, optional
        Seconds to wait for the server.

    Returns
    -------
    numpy.ndarray
        The recording as a 2-D array (one column per channel).
    """
    import requests

    response = requests.get(DATA_URL.format(name=name), timeout=timeout)
    response.raise_for_status()
    return np.loadtxt(io.StringIO(response.text), delimiter=",", ndmin=2)
