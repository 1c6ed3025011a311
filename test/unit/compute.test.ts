import assert from 'node:assert/strict';
import { describe, it, test } from 'node:test';
import { detectCompute } from '../../src/distill/compute.js';

const none = { gpu: false, network: false, dataFiles: false };

describe('detectCompute', () => {
  test('GPU: torch.cuda, .cuda(), cupy, jax devices, numba.cuda, TensorFlow GPU, device="cuda"', () => {
    const cases: [string, string[], string[]][] = [
      ['def f(x):\n    if torch.cuda.is_available():\n        x = x.cuda()\n    return x\n', ['import torch'], ['torch.cuda.is_available', 'x.cuda']],
      ['def f(x):\n    return x.cuda()\n', [], []],
      ['def f(x):\n    return cp.asarray(x)\n', ['import cupy as cp'], ['cp.asarray']],
      ['def f():\n    return jax.devices("gpu")\n', ['import jax'], ['jax.devices']],
      ['@cuda.jit\ndef k(a):\n    a[0] = 1\n', ['from numba import cuda'], []],
      ['def f():\n    return tf.config.list_physical_devices("GPU")\n', ['import tensorflow as tf'], ['tf.config.list_physical_devices']],
      ['def f(model):\n    return model.to(device="cuda")\n', [], ['model.to']],
    ];
    for (const [code, imports, calls] of cases) assert.equal(detectCompute(code, imports, calls).gpu, true, code);
  });

  test('network: HTTP clients, urlopen, download helpers, URL literals, pooch, ftplib', () => {
    const cases: [string, string[], string[]][] = [
      ['def f(u):\n    return requests.get(u).text\n', ['import requests'], ['requests.get']],
      ['def f(u):\n    return urlopen(u).read()\n', ['from urllib.request import urlopen'], ['urlopen']],
      ['def f():\n    with httpx.Client() as c:\n        return c.get("/x")\n', ['import httpx'], ['httpx.Client']],
      ['async def f(u):\n    async with aiohttp.ClientSession() as s:\n        pass\n', ['import aiohttp'], []],
      ['def f():\n    return download_file(name)\n', [], ['download_file']],
      ['URL = 1\ndef f():\n    return load("https://example.org/data.csv")\n', [], ['load']],
      ['def f():\n    return pooch.retrieve(u, known_hash=None)\n', ['import pooch'], ['pooch.retrieve']],
      ['def f():\n    ftp = FTP("host")\n', ['from ftplib import FTP'], ['FTP']],
      ['def f():\n    import requests\n    return requests.get("x")\n', [], []],
    ];
    for (const [code, imports, calls] of cases) assert.equal(detectCompute(code, imports, calls).network, true, code);
  });

  test('prose never counts: URLs and CUDA in docstrings or comments, urllib.parse, plain numpy', () => {
    const doc = 'def f(x):\n    """See https://doi.org/10.1000/xyz; runs on CUDA devices too."""\n    # http://example.org\n    return np.sum(x)\n';
    assert.deepEqual(detectCompute(doc, ['import numpy as np'], ['np.sum']), none);
    assert.deepEqual(detectCompute('def f(u):\n    return urlparse(u).path\n', ['from urllib.parse import urlparse'], ['urlparse']), none);
    assert.deepEqual(detectCompute('def f(x):\n    return torch.relu(x)\n', ['import torch'], ['torch.relu']), none);
  });
});

describe('input data files', () => {
  it('flags readers of data formats and literal data paths, not plain computation', () => {
    assert.equal(detectCompute('def f(p):\n    return np.load(p)\n', ['import numpy as np'], ['np.load']).dataFiles, true);
    assert.equal(detectCompute('def f():\n    return pd.read_csv("stations.csv")\n', [], ['pd.read_csv']).dataFiles, true);
    assert.equal(detectCompute('def f():\n    with open("data/spectrum.h5", "rb") as fh:\n        return fh.read()\n', [], ['open']).dataFiles, true);
    assert.equal(detectCompute('def f(x):\n    """Reads nothing; see results.csv in the paper."""\n    return x * 2\n', [], []).dataFiles, false);
  });
});
