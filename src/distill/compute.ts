/**
 * Does a block need a GPU, the network or input data files? Read from its code, imports and calls without running it.
 * Docstrings and comments are ignored, so a URL to a paper or a note about CUDA in prose flags nothing.
 */
import type { Compute } from '../domain/block.js';
import { importedModules, isImportStatement } from '../python/imports.js';
import { scanPython } from '../python/syntax.js';

const GPU_MODULES = /^(cupy|cupyx|pycuda|numba\.cuda|jax\.dlpack|tensorflow\.config\.experimental|torch\.cuda|cudf|cuml|cugraph|rapids|pynvml|nvidia)\b/;
const NETWORK_MODULES =
  /^(requests|urllib\.request|urllib2|urllib3|http\.client|httplib|httpx|aiohttp|pooch|ftplib|wget|smtplib|websocket|websockets|paramiko|boto3|botocore|s3fs|gcsfs|google\.cloud|azure\.storage|huggingface_hub|socket|xmlrpc\.client|pycurl|mechanize|tweepy)\b/;

const GPU_CALLS: RegExp[] = [
  /(^|\.)cuda$/, // x.cuda(), torch.cuda
  /^(torch|cp|cupy|jax|numba|tf|tensorflow)\.cuda\b/,
  /^jax\.(local_)?devices$/,
  /^jax\.device_put$/,
  /(^|\.)list_physical_devices$/,
  /^(tf|tensorflow)\.test\.is_gpu_available$/,
  /^(cp|cupy)\./,
  /(^|\.)is_built_with_cuda$/,
];

const NETWORK_CALLS: RegExp[] = [
  /(^|\.)(urlopen|urlretrieve|build_opener)$/,
  /^(requests|httpx|session|aiohttp|urllib3)\.(get|post|put|patch|delete|head|request|Session|Client|AsyncClient|ClientSession|PoolManager)$/i,
  /(^|\.|_)download(_\w+)?$/i,
  /^download/i,
  /^pooch\./,
  /^(ftplib\.)?FTP(_TLS)?$/,
  /^(sklearn\.datasets|datasets)\.fetch_\w+$/,
  /^fetch_(openml|california_housing|covtype|kddcup99|lfw_\w+|olivetti_faces|rcv1|species_distributions|20newsgroups\w*)$/,
  /(^|\.)from_pretrained$/,
  /^hf_hub_download$/,
  /^wget\./,
  /(^|\.)create_connection$/,
];

/** Module names out of import statements ("import numpy as np", "from a.b import c") or bare module names. */
function modulesOf(imports: string[]): string[] {
  return imports.flatMap((raw) => {
    const s = raw.trim();
    if (isImportStatement(s)) return importedModules(s);
    return /^[\w.]+$/.test(s) ? [s] : [];
  });
}

/** Code outside docstrings and comments, with ordinary string literals kept (they hold URLs and devices). */
function codeWithoutProse(code: string): string {
  const { masked } = scanPython(code);
  // Keep the text of single-line string literals; blank triple-quoted ones (docstrings) and comments.
  let out = '';
  let i = 0;
  while (i < code.length) {
    const c = code[i]!;
    if (masked[i] === '#' && c === '#') {
      while (i < code.length && code[i] !== '\n') {
        out += ' ';
        i++;
      }
      continue;
    }
    if ((c === '"' || c === "'") && code.startsWith(c.repeat(3), i)) {
      const q = c.repeat(3);
      const end = code.indexOf(q, i + 3);
      const stop = end < 0 ? code.length : end + 3;
      out += code.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

export function detectCompute(code: string, imports: string[], calls: string[]): Compute {
  const mods = modulesOf(imports);
  const text = codeWithoutProse(code);
  const textImports = modulesOf(
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(isImportStatement),
  );
  const allMods = [...mods, ...textImports];
  const callList = calls.map((c) => c.trim()).filter(Boolean);

  const gpu =
    allMods.some((m) => GPU_MODULES.test(m)) ||
    callList.some((c) => GPU_CALLS.some((re) => re.test(c))) ||
    /\.cuda\s*\(/.test(text) ||
    /\btorch\.cuda\b/.test(text) ||
    /\bnumba\.cuda\b|\bfrom\s+numba\s+import\s+[^\n]*\bcuda\b/.test(text) ||
    /\bjax\.(local_)?devices\s*\(/.test(text) ||
    /\bdevice\s*=\s*(f?["']cuda|torch\.device\(\s*["']cuda)/.test(text) ||
    /["']cuda(:\d+)?["']/.test(text) ||
    /\.to\(\s*["']cuda/.test(text) ||
    /["']\/?(device:)?GPU(:\d+)?["']/.test(text) ||
    /\b(tf|tensorflow)\.config\.(experimental\.)?list_physical_devices\(\s*["']GPU/.test(text);

  // Only `urllib.request`/`urllib2` reach the network; `urllib.parse` just splits strings.
  const network =
    allMods.some((m) => NETWORK_MODULES.test(m)) ||
    callList.some((c) => NETWORK_CALLS.some((re) => re.test(c))) ||
    /["'](https?|ftp|s3|gs):\/\/[^"'\s]+["']/.test(text) ||
    /\burlopen\s*\(|\burlretrieve\s*\(/.test(text) ||
    /\brequests\.(get|post|put|head|Session)\s*\(/.test(text);

  // Reading data the caller must supply: array, table and scientific file formats, or open() on a data path.
  const dataFiles =
    callList.some((c) => DATA_CALLS.some((re) => re.test(c))) ||
    /["'][^"'\s]+\.(csv|tsv|npy|npz|h5|hdf5|hdf|nc|nc4|fits|fit|mat|parquet|feather|pkl|pickle|xlsx?|dat|zarr|tif|tiff|vtk|vtu|sdf|pdb|cif|mzml)["']/i.test(text);

  return { gpu, network, dataFiles };
}

const DATA_CALLS: RegExp[] = [
  /^(np|numpy)\.(load|loadtxt|genfromtxt|fromfile|memmap)$/,
  /^(pd|pandas)\.read_\w+$/,
  /^(h5py\.File|tables\.open_file|netCDF4\.Dataset|zarr\.open\w*)$/,
  /^(xr|xarray)\.open_\w*dataset$/,
  /^(fits|astropy\.io\.fits)\.(open|getdata)$/,
  /^(scipy\.io|sio|io)\.(loadmat|readsav|mmread|netcdf_file)$/,
  /^(loadmat|read_csv|read_parquet|read_hdf|genfromtxt|loadtxt)$/,
  /^(imageio|iio)\.(imread|v3\.imread|volread)$/,
  /^(skimage\.io|tifffile)\.imread$/,
];
