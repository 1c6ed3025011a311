/**
 * The one rule about which code may import which, checked over src/'s import graph (type-only imports
 * included, since a type import ties two files as much as a value import does):
 *   1. a file imports only from its own floor or a lower one (no import runs back up the pipeline);
 *   2. there are no circles, not even inside one floor.
 * Run by `npm test` (through `npm run lint`); exits 1 with every violation listed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Floors, lowest first: the folders are the pipeline. A file may import from its floor and those below. */
export const FLOORS: ReadonlyArray<readonly string[]> = [
  ['domain'],
  ['kernel', 'config.ts'],
  ['python'],
  ['ingest'],
  ['parse'],
  ['distill'],
  ['validate'],
  ['environment'],
  ['enrich'],
  ['library'],
  ['patterns'],
  ['search'],
  ['jobs'],
  ['report'],
  ['app.ts'],
  ['server'],
  ['cli'],
];

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'src');

function floorOf(rel: string): number {
  const top = rel.split('/')[0]!;
  const i = FLOORS.findIndex((f) => f.includes(top));
  return i;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((s) => s.startsWith('.'))
    .map((s) => path.resolve(path.dirname(file), s.replace(/\.js$/, '.ts')));
}

const files = filesUnder(root).sort();
const rel = (f: string) => path.relative(root, f);
const graph = new Map(files.map((f) => [rel(f), importsOf(f).map(rel)]));
const problems: string[] = [];

for (const [from, targets] of graph) {
  const ff = floorOf(from);
  if (ff < 0) problems.push(`${from}: its folder is on no floor; add it to FLOORS in scripts/check-imports.ts`);
  for (const to of targets) {
    if (!graph.has(to)) {
      problems.push(`${from} imports ${to}, which is not a file in src/`);
      continue;
    }
    const tf = floorOf(to);
    if (ff >= 0 && tf > ff) problems.push(`${from} imports ${to}: ${FLOORS[tf]!.join('/')} is above ${FLOORS[ff]!.join('/')}`);
  }
}

// Circles: a depth-first search that reports each back edge's loop once.
const state = new Map<string, 'open' | 'done'>();
const stack: string[] = [];
const seenLoops = new Set<string>();
function visit(node: string): void {
  state.set(node, 'open');
  stack.push(node);
  for (const next of graph.get(node) ?? []) {
    if (!graph.has(next)) continue;
    const s = state.get(next);
    if (s === 'open') {
      const loop = stack.slice(stack.indexOf(next));
      const key = [...loop].sort().join(' ');
      if (!seenLoops.has(key)) {
        seenLoops.add(key);
        problems.push(`circle: ${[...loop, next].join(' → ')}`);
      }
    } else if (s === undefined) visit(next);
  }
  stack.pop();
  state.set(node, 'done');
}
for (const f of graph.keys()) if (!state.has(f)) visit(f);

if (problems.length) {
  process.stderr.write(`import rule: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}
process.stderr.write(`import rule: ${graph.size} files, no import runs back up, no circles\n`);
