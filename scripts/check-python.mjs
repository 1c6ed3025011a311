// The lint's check of our own Python (the batch driver): every src/**/*.py must compile. compile() rather
// than py_compile, so no __pycache__ is written into src/.
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const files = readdirSync('src', { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith('.py'))
  .map((e) => path.join(e.parentPath ?? e.path, e.name));
const check = 'import sys\nfor f in sys.argv[1:]:\n    compile(open(f, "rb").read(), f, "exec")\n';
const r = spawnSync(process.env.PYTHON ?? 'python3', ['-c', check, ...files], { stdio: 'inherit' });
if (r.error) {
  console.error(`check-python: could not run python3 (${r.error.message})`);
  process.exit(1);
}
if (r.status !== 0) process.exit(r.status ?? 1);
console.error(`python check: ${files.length} files compile`);
