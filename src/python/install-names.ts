/**
 * Import names that differ from the name to install. Only the common scientific and utility cases: for
 * anything else the import name is the best guess pip users make too.
 */
const INSTALL_NAMES: Readonly<Record<string, string>> = {
  sklearn: 'scikit-learn',
  skimage: 'scikit-image',
  skbio: 'scikit-bio',
  skopt: 'scikit-optimize',
  cv2: 'opencv-python',
  PIL: 'Pillow',
  yaml: 'PyYAML',
  Bio: 'biopython',
  bs4: 'beautifulsoup4',
  dateutil: 'python-dateutil',
  dotenv: 'python-dotenv',
  attr: 'attrs',
  Crypto: 'pycryptodome',
  OpenSSL: 'pyOpenSSL',
  jwt: 'PyJWT',
  serial: 'pyserial',
  usb: 'pyusb',
  magic: 'python-magic',
  docx: 'python-docx',
  pptx: 'python-pptx',
  git: 'GitPython',
  github: 'PyGithub',
  'google.protobuf': 'protobuf',
  MySQLdb: 'mysqlclient',
  psycopg2: 'psycopg2-binary',
  mpl_toolkits: 'matplotlib',
  pkg_resources: 'setuptools',
  wx: 'wxPython',
  gi: 'PyGObject',
  zmq: 'pyzmq',
  fitz: 'PyMuPDF',
  osgeo: 'GDAL',
  umap: 'umap-learn',
  community: 'python-louvain',
  sentence_transformers: 'sentence-transformers',
  torch_geometric: 'torch-geometric',
  tensorflow_probability: 'tensorflow-probability',
  pytorch_lightning: 'pytorch-lightning',
  ruamel: 'ruamel.yaml',
  jose: 'python-jose',
  multipart: 'python-multipart',
  pybel: 'openbabel-wheel',
  openbabel: 'openbabel-wheel',
  faiss: 'faiss-cpu',
};

/** The pip name to install for an import name such as `sklearn` or `sklearn.linear_model`. */
export function installNameFor(module: string): string {
  const name = module.trim();
  if (INSTALL_NAMES[name]) return INSTALL_NAMES[name];
  const parts = name.split('.');
  // A dotted key such as google.protobuf is more specific than its top-level package.
  for (let i = parts.length - 1; i >= 1; i--) {
    const key = parts.slice(0, i).join('.');
    if (INSTALL_NAMES[key]) return INSTALL_NAMES[key];
  }
  return parts[0] ?? name;
}
