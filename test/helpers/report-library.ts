/**
 * A small loaded library for the report and skills tests: blocks at every level (checked, ran, failed,
 * skipped with a reason, not run), examples from several sources, a lock, and repository text that tries to
 * break out of the page (a docstring with <script>, a citation closing the element, a javascript: URL).
 */
import { DomainSummary } from '../../src/domain/domain-summary.js';
import type { Block } from '../../src/domain/block.js';
import { LIBRARY_SCHEMA_VERSION, type LoadedLibrary } from '../../src/domain/library.js';
import type { RunRecord } from '../../src/domain/validation.js';
import { testBlock } from './block.js';

export const HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

function run(level: RunRecord['level'], over: Partial<RunRecord> = {}): RunRecord {
  const status = level === 'failed' ? 'failed' : level === 'skipped' ? 'skipped' : 'passed';
  return {
    status,
    level,
    exitCode: status === 'passed' ? 0 : 1,
    signal: null,
    durationMs: 12,
    stdout: status === 'passed' ? '42\n' : '',
    stderr: '',
    truncated: false,
    error: status === 'failed' ? { type: 'ValueError', message: 'bad value', line: 2 } : null,
    message: status === 'passed' ? 'ran cleanly' : status === 'skipped' ? 'needs scipy' : 'ValueError: bad value',
    sandbox: 'bwrap',
    interpreter: '/usr/bin/python3 (3.11.2)',
    environmentHash: 'a'.repeat(64),
    ranAt: new Date(0).toISOString(),
    ...(level === 'skipped' ? { skipReason: 'missing_dependency' as const } : {}),
    ...over,
  } as RunRecord;
}

function withExample(b: Block, level: RunRecord['level'], source: Block['examples'][number]['source']): Block {
  const r = run(level);
  const code = `from ${b.module} import ${b.name}\nprint(${b.name}(6 * 7))\n`;
  return { ...b, examples: [{ code, source, path: 'tests/test_core.py', startLine: 3, expectedOutput: level === 'checked' ? '42\n' : null, run: r }], validation: r };
}

export function reportLibrary(): LoadedLibrary {
  const lib = 'demo-lib';
  const mk = (name: string, summary: string, rank: number, over: Partial<Block> = {}) =>
    testBlock({ name, library: lib, module: 'demolib.core', summary, docstring: `${summary}\n\nParameters\n----------\nx : float\n    The input.` }, { rank, ...over });
  const blocks: Block[] = [
    withExample(mk('pressure_drop', 'Pressure drop across a packed bed.', 9), 'checked', 'doctest'),
    withExample(mk('reynolds_number', 'Reynolds number of a flow.', 7), 'ran', 'test'),
    withExample(mk('friction_factor', 'Darcy friction factor of a pipe.', 5), 'failed', 'docs'),
    withExample(mk('spline_fit', 'Fit a smoothing spline.', 3), 'skipped', 'synthesized'),
    mk('drag_coefficient', `Drag coefficient of a sphere. ${HOSTILE}`, 4, {
      code: `def drag_coefficient(x):\n    """</script><script>window.__pwned = 3</script>"""\n    return x\n`,
      provenance: { repo: lib, url: 'javascript:window.__pwned=4', commit: 'x', path: 'demolib/core.py', startLine: 1, endLine: 3 },
    }),
    withExample(mk('Bed', 'A packed bed.', 8, { kind: 'class', signature: 'class Bed:' }), 'ran', 'readme'),
  ];
  return {
    name: lib,
    dir: '/nonexistent/demo-lib',
    readonly: false,
    fingerprint: 'f',
    packages: ['demolib'],
    blocks,
    manifest: {
      schemaVersion: LIBRARY_SCHEMA_VERSION,
      name: lib,
      source: { kind: 'github', location: 'https://github.com/example/demolib', repo: 'example/demolib', ref: null, commit: '0123456789abcdef0123', url: 'https://github.com/example/demolib' },
      licence: 'MIT',
      citation: `Doe, J. (2024). demolib. </pre></script>${HOSTILE}`,
      description: `Fluid mechanics helpers for packed beds. ${HOSTILE}`,
      languages: ['python'],
      importRoots: [''],
      requirements: ['numpy', 'scipy'],
      requirementSpecs: ['numpy>=1.20', 'scipy'],
      counts: {
        filesSeen: 10, filesParsed: 9, filesSkipped: 1, parseErrors: 0, blocks: blocks.length, examples: 5, validated: 3,
        bySource: { doctest: { examples: 1, ran: 1, checked: 1 }, test: { examples: 1, ran: 1, checked: 0 } },
        coverage: { blocks: 6, ran: 3, checked: 1 },
      },
      skipped: [{ path: 'data/big.bin', reason: 'binary' }],
      createdAt: new Date(0).toISOString(),
      generator: 'codedistill test',
    },
  };
}

export const REPORT_LOCK = 'numpy==1.26.4\nscipy==1.11.4\n';

/** A domain summary as `codedistill domain` writes it, with hostile text where a repository or a user's query could put it. */
export function reportDomain(over: Partial<DomainSummary> = {}): DomainSummary {
  return DomainSummary.parse({
    name: 'fluids',
    createdAt: '2026-01-01T00:00:00.000Z',
    query: `packed bed ${HOSTILE} language:Python`,
    listPath: '/home/u/.codedistill/domains/fluids.txt',
    repositories: [
      { repo: 'example/demolib', commit: 'a'.repeat(40), licence: 'MIT', stars: 12, state: 'done', library: 'demo-lib', blocks: 6, validated: 3 },
      { repo: 'evil/x', commit: null, licence: HOSTILE, stars: 3, state: 'failed', library: null, blocks: null, validated: null },
    ],
    licences: { MIT: 1, [HOSTILE]: 1 },
    batch: { id: 'b1', statePath: '/s.json', total: 2, byState: { queued: 0, running: 0, done: 1, failed: 1 }, unchanged: 0, blocks: 6, validated: 3, validatedShare: 0.5, failuresByCause: { network: 1 }, seconds: 3, distilledThisRun: 2, reposPerHour: 2400 },
    patterns: [
      { id: 'fluids-patterns:fluids_patterns.numpy.fft.rfft', template: `X = numpy.fft.rfft(...)\n${HOSTILE}`, repos: 3, blocks: 4, ran: true },
      { id: 'fluids-patterns:fluids_patterns.scipy.optimize.curve_fit', template: 'popt, pcov = scipy.optimize.curve_fit(...)', repos: 2, blocks: 2, ran: false },
    ],
    path: '/home/u/.codedistill/domains/fluids.json',
    ...over,
  });
}
