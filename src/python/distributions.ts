/**
 * Import names and the distributions that provide them: `import sklearn` needs `pip install
 * scikit-learn`. One table for both uses, the name a message tells the user to install
 * (installNameFor, spelt as PyPI spells it) and the requirement a block lists
 * (distributionForImport, PEP 503-normalised). Only the names that differ are listed: for anything
 * else the import name is the best guess pip users make too.
 */

/** PEP 503: lowercase, runs of "-", "_", "." become one "-". */
export function normaliseDistName(name: string): string {
  return name.trim().replace(/[-_.]+/g, '-').toLowerCase();
}

/** Import name (top-level, or a dotted prefix) → the distribution as PyPI spells it. */
const DISTRIBUTIONS: Readonly<Record<string, string>> = {
  sklearn: 'scikit-learn',
  skimage: 'scikit-image',
  skbio: 'scikit-bio',
  skopt: 'scikit-optimize',
  sksparse: 'scikit-sparse',
  cv2: 'opencv-python',
  PIL: 'Pillow',
  Image: 'Pillow',
  yaml: 'PyYAML',
  Bio: 'biopython',
  bs4: 'beautifulsoup4',
  attr: 'attrs',
  dateutil: 'python-dateutil',
  mpl_toolkits: 'matplotlib',
  pylab: 'matplotlib',
  dotenv: 'python-dotenv',
  jwt: 'PyJWT',
  Crypto: 'pycryptodome',
  OpenSSL: 'pyOpenSSL',
  serial: 'pyserial',
  usb: 'pyusb',
  magic: 'python-magic',
  docx: 'python-docx',
  pptx: 'python-pptx',
  git: 'GitPython',
  github: 'PyGithub',
  zmq: 'pyzmq',
  gi: 'PyGObject',
  cairo: 'pycairo',
  wx: 'wxPython',
  MySQLdb: 'mysqlclient',
  pkg_resources: 'setuptools',
  OpenGL: 'PyOpenGL',
  fitz: 'PyMuPDF',
  umap: 'umap-learn',
  faiss: 'faiss-cpu',
  osgeo: 'GDAL',
  pywt: 'PyWavelets',
  ruamel: 'ruamel.yaml',
  simtk: 'openmm',
  community: 'python-louvain',
  slugify: 'python-slugify',
  jose: 'python-jose',
  multipart: 'python-multipart',
  socketio: 'python-socketio',
  engineio: 'python-engineio',
  Xlib: 'python-xlib',
  win32api: 'pywin32',
  win32con: 'pywin32',
  win32com: 'pywin32',
  pythoncom: 'pywin32',
  pywintypes: 'pywin32',
  grpc: 'grpcio',
  lal: 'lalsuite',
  vtkmodules: 'vtk',
  ffmpeg: 'ffmpeg-python',
  Orange: 'Orange3',
  dolfin: 'fenics-dolfin',
  dolfinx: 'fenics-dolfinx',
  ufl: 'fenics-ufl',
  haiku: 'dm-haiku',
  tree: 'dm-tree',
  sonnet: 'dm-sonnet',
  google: 'protobuf',
  // openbabel's own PyPI release builds against a system library; the wheel ships it.
  openbabel: 'openbabel-wheel',
  sentence_transformers: 'sentence-transformers',
  torch_geometric: 'torch-geometric',
  tensorflow_probability: 'tensorflow-probability',
  pytorch_lightning: 'pytorch-lightning',
  // future provides the Python 2 compatibility imports.
  past: 'future',
  libfuturize: 'future',
  libpasteurize: 'future',
  pyximport: 'Cython',
  skfem: 'scikit-fem',
  sksurv: 'scikit-survival',
  skfuzzy: 'scikit-fuzzy',
  absl: 'absl-py',
  googleapiclient: 'google-api-python-client',
  pdfminer: 'pdfminer.six',
  websocket: 'websocket-client',
  socks: 'PySocks',
  nacl: 'PyNaCl',
  Cryptodome: 'pycryptodomex',
  dns: 'dnspython',
  ldap: 'python-ldap',
  memcache: 'python-memcached',
  bson: 'pymongo',
  kafka: 'kafka-python',
  snappy: 'python-snappy',
  telegram: 'python-telegram-bot',
  discord: 'discord.py',
  RPi: 'RPi.GPIO',
  bluetooth: 'PyBluez',
  visa: 'PyVISA',
  pydispatch: 'PyDispatcher',
};

/** Other distributions that provide the same import (normalised); a declared one of these is preferred. */
const ALTERNATIVES: Readonly<Record<string, readonly string[]>> = {
  cv2: ['opencv-python', 'opencv-python-headless', 'opencv-contrib-python', 'opencv-contrib-python-headless'],
  PIL: ['pillow', 'pillow-simd'],
  psycopg2: ['psycopg2', 'psycopg2-binary'],
  tensorflow: ['tensorflow', 'tensorflow-cpu', 'tensorflow-gpu', 'tensorflow-macos', 'tf-nightly', 'intel-tensorflow'],
  faiss: ['faiss-cpu', 'faiss-gpu'],
  igraph: ['igraph', 'python-igraph'],
  Levenshtein: ['levenshtein', 'python-levenshtein'],
  Crypto: ['pycryptodome', 'pycrypto'],
  magic: ['python-magic', 'python-magic-bin'],
  torch: ['torch', 'pytorch'],
  dolfin: ['fenics-dolfin', 'fenics'],
  mpl_toolkits: ['matplotlib', 'basemap'],
  google: ['protobuf'],
  ruamel: ['ruamel-yaml'],
  attr: ['attrs'],
  openbabel: ['openbabel-wheel', 'openbabel'],
  pymc: ['pymc'],
  jax: ['jax'],
};

/** Distributions other than the usual one that provide this top-level import, normalised. */
export function alternativeDistributions(top: string): readonly string[] {
  return Object.prototype.hasOwnProperty.call(ALTERNATIVES, top) ? ALTERNATIVES[top]! : [];
}

/** Namespace packages: the distribution depends on the second part of the dotted name. */
function namespaceDist(module: string): string | null {
  const parts = module.split('.');
  const [a, b, c] = parts;
  if (a === 'google' && b) {
    if (b === 'protobuf') return 'protobuf';
    if (b === 'cloud' && c) return normaliseDistName(`google-cloud-${c}`);
    if (b === 'auth') return 'google-auth';
    if (b === 'api_core') return 'google-api-core';
    if (b === 'genai') return 'google-genai';
    if (b === 'colab') return null;
  }
  if (a === 'mpl_toolkits' && b === 'basemap') return 'basemap';
  if (a === 'azure' && b) return normaliseDistName(`azure-${parts.slice(1).join('-')}`);
  return null;
}

const mapped = (key: string): string | null => (Object.prototype.hasOwnProperty.call(DISTRIBUTIONS, key) ? DISTRIBUTIONS[key]! : null);

/**
 * The pip name to install for an import such as `sklearn` or `sklearn.linear_model`, spelt as PyPI
 * spells it ("Pillow"); the top-level import name itself when no other is known.
 */
export function installNameFor(module: string): string {
  const name = module.trim();
  const ns = name.includes('.') ? namespaceDist(name) : null;
  if (ns) return ns;
  const parts = name.split('.');
  for (let i = parts.length; i >= 1; i--) {
    const hit = mapped(parts.slice(0, i).join('.'));
    if (hit) return hit;
  }
  return parts[0] ?? name;
}

/** The distribution a block's requirements list for an import ("sklearn" → "scikit-learn"), PEP 503-normalised. */
export function distributionForImport(module: string): string {
  return normaliseDistName(installNameFor(module));
}
