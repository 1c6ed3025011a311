/**
 * The miners on the fixture repositories, end to end through the real walker and parser: most public,
 * documented functions must come out with a usage example, and every example must be valid Python that
 * imports the package as a user would. Nothing here runs repository code; validity is checked by parsing.
 */
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { MineInput } from '../../src/distill/examples/context.js';
import { examplesByBlock, mine as mineRepo } from '../../src/distill/examples/mine.js';
import type { WorkflowCandidate } from '../../src/distill/examples/collector.js';
import { workflowCandidates } from '../../src/distill/examples/workflows.js';
import { NotebookError } from '../../src/python/notebook.js';
import { rankSymbols } from '../../src/distill/centrality.js';
import { selectSymbols, type SelectedSymbol } from '../../src/distill/select.js';
import { walkRepo } from '../../src/ingest/walk.js';
import { createParser } from '../../src/parse/parser.js';
import type { CodeParser, ParsedFile } from '../../src/parse/types.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

let parser: CodeParser;
before(async () => {
  parser = await createParser();
});

interface Mined {
  selected: SelectedSymbol[];
  parsed: ParsedFile[];
  input: MineInput;
  examples: ReturnType<typeof examplesByBlock>;
  workflows: WorkflowCandidate[];
  fileErrors: [string, unknown][];
}

async function mine(name: string): Promise<Mined> {
  const root = path.join(fixtures, name);
  const walk = await walkRepo(root, { maxFileBytes: 1024 * 1024, languageOf: (p) => parser.languageOf(p) });
  const roles = new Map(walk.files.map((f) => [f.path, f.role]));
  const parsed: ParsedFile[] = [];
  for (const f of walk.files) {
    if (f.language !== 'python' || !['library', 'test', 'example'].includes(f.role)) continue;
    parsed.push(parser.parse(f.path, await fs.readFile(f.absPath, 'utf8'), walk.importRoots));
  }
  const selected = selectSymbols(parsed, roles);
  const packageNames = [...new Set(parsed.filter((p) => roles.get(p.path) === 'library').map((p) => p.module.split('.')[0]!))];
  const fileErrors: [string, unknown][] = [];
  const input: MineInput = {
    blocks: selected.map((s) => ({ qualifiedName: s.qualifiedName, name: s.name, module: s.module, publicImport: s.publicImport, kind: s.kind, parent: s.parent })),
    parsedFiles: parsed,
    files: walk.files,
    readText: (p) => fs.readFile(path.join(root, p), 'utf8'),
    packageNames,
    onFileError: (p, e) => fileErrors.push([p, e]),
  };
  const mined = await mineRepo(input);
  return { selected, parsed, input, examples: examplesByBlock(mined), workflows: workflowCandidates(mined), fileErrors };
}

/** Syntax problems of a snippet, found by parsing it (never by running it). */
function syntaxProblems(code: string): string[] {
  return parser.parse('snippet.py', code, ['']).errors.map((e) => `line ${e.line}: ${e.message}`);
}

function checkExamples(m: Mined): void {
  for (const [qn, list] of m.examples) {
    assert.ok(list.length <= 3, `${qn} has ${list.length} examples`);
    for (const ex of list) {
      assert.deepEqual(syntaxProblems(ex.code), [], `${qn} (${ex.source} from ${ex.path}) is not valid Python:\n${ex.code}`);
      assert.doesNotMatch(ex.code, /^\s*from\s+\.|sys\.path\.(insert|append)/m, `${qn}: relative import or sys.path hack left in\n${ex.code}`);
      const pkgImport = new RegExp(`^\\s*(from|import)\\s+(${m.input.packageNames.join('|')})\\b`, 'm');
      assert.match(ex.code, pkgImport, `${qn}: example does not import the package\n${ex.code}`);
    }
  }
}

function coverage(m: Mined): { share: number; missing: string[] } {
  // "Public documented functions": the blocks a user most needs an example for.
  const wanted = m.selected.filter((s) => s.kind === 'function' && s.symbol.docstring);
  const missing = wanted.filter((s) => (m.examples.get(s.qualifiedName) ?? []).length === 0).map((s) => s.qualifiedName);
  return { share: (wanted.length - missing.length) / wanted.length, missing };
}

describe('mining the fixture repositories', () => {
  test('flowcalc (flat layout): most public documented functions get an example; all examples are valid', async () => {
    const m = await mine('flowcalc');
    const { share, missing } = coverage(m);
    const all = m.selected.filter((s) => (m.examples.get(s.qualifiedName) ?? []).length > 0).length;
    console.log(
      `flowcalc: ${(share * 100).toFixed(0)}% of public documented functions have an example; ${all}/${m.selected.length} blocks overall` +
        (missing.length ? `; missing: ${missing.join(', ')}` : ''),
    );
    assert.ok(share >= 0.8, `only ${(share * 100).toFixed(0)}% covered; missing ${missing.join(', ')}`);
    checkExamples(m);

    // The re-exported API is imported from the package, not from its submodules.
    const re = m.examples.get('flowcalc.dimensionless.reynolds_number')!;
    assert.equal(re[0]!.source, 'doctest');
    assert.match(re[0]!.code, /^from flowcalc import reynolds_number$/m);
    assert.equal(re[0]!.expectedOutput, '100000.0\n[ 5000. 10000.]\n');
    // A test helper in the test file is inlined so the example stands alone.
    const eff = m.examples.get('flowcalc.heat.HeatExchanger.effectiveness')!;
    assert.ok(eff.some((e) => e.source === 'test' && /def make_exchanger/.test(e.code)));

    const wf = m.workflows;
    assert.deepEqual(wf.map((w) => w.path).sort(), ['examples/size_packed_column.py', 'examples/walkthrough.ipynb', 'examples/water_heater.py']);
    const heater = wf.find((w) => w.path === 'examples/water_heater.py')!;
    assert.ok(heater.callsBlocks.includes('flowcalc.heat.HeatExchanger.outlet_temperatures'));
    assert.match(heater.summary ?? '', /water heater/);

    const ranks = rankSymbols(m.selected, m.parsed, new Map(m.input.files.map((f) => [f.path, f.role])));
    const top = [...ranks].sort((a, b) => b[1] - a[1])[0]![0];
    assert.equal(top, 'flowcalc.dimensionless.reynolds_number', 'the function used by most tests and examples ranks first');
  });

  test('kinetix (src layout) and sigproc: same guarantees', async () => {
    for (const name of ['kinetix', 'sigproc']) {
      const m = await mine(name);
      const { share, missing } = coverage(m);
      console.log(`${name}: ${(share * 100).toFixed(0)}% of public documented functions have an example` + (missing.length ? `; missing: ${missing.join(', ')}` : ''));
      assert.ok(share >= 0.7, `${name}: only ${(share * 100).toFixed(0)}% covered; missing ${missing.join(', ')}`);
      checkExamples(m);
    }
  });

  test('a broken notebook is named through onFileError and mining goes on', async () => {
    const m = await mine('messy');
    const nb = m.fileErrors.find(([p]) => p.endsWith('broken.ipynb'));
    assert.ok(nb, `file errors: ${m.fileErrors.map(([p]) => p).join(', ')}`);
    assert.ok(nb[1] instanceof NotebookError);
    assert.ok([...m.examples.values()].some((l) => l.length > 0));
  });
});
