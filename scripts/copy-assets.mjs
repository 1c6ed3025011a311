// Files the compiled program reads beside its modules (the batch driver, src/validate/batch/driver.py): tsc
// emits only JavaScript, so the build copies every non-TypeScript program file from src/ to dist/ at the same
// relative path.
import { cpSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ASSET = /\.py$/;
const src = path.resolve('src');
const dist = path.resolve('dist');
let copied = 0;
for (const entry of readdirSync(src, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !ASSET.test(entry.name)) continue;
  const from = path.join(entry.parentPath ?? entry.path, entry.name);
  cpSync(from, path.join(dist, path.relative(src, from)));
  copied++;
}
if (copied === 0) {
  console.error('copy-assets: no assets found under src/');
  process.exit(1);
}
