/**
 * Code in the README (source 'readme') and in the documentation pages under docs/ or doc/ (source 'docs'):
 * each Python snippet that imports the package and calls a block, joined with the preceding snippets it needs
 * to run alone (a tutorial's later snippets use names its first ones bind). Docs pages get the project's doctest
 * setup (Sphinx `doctest_global_setup`, pytest `doctest_namespace`) for the names it provides and their testsetup,
 * and a snippet is linked to a block its page documents (autodoc) or its section cross-references when it calls
 * that block by name.
 */
import path from 'node:path';
import type { ExampleSource } from '../../../domain/block.js';
import type { RepoFile } from '../../../ingest/types.js';
import { boundNames, callsIn, freeNames } from '../../../python/syntax.js';
import { scopeOf, type BlockRef, type CallResolver } from '../call-resolver.js';
import { makeExample, TIER, type Candidate, type Collector } from '../collector.js';
import type { MiningContext } from '../context.js';
import { readDocPage, type DocumentedName, type DocSnippet } from '../doc-fences.js';
import { projectDoctestSetup, setupLinesFor, type DoctestSetup } from '../doctest-setup.js';
import { importsPackage, normaliseImports } from '../import-rewrite.js';

const MAX_DOC_FILE_CHARS = 400_000;

const CONVENTIONAL_ALIASES: Record<string, string> = {
  np: 'import numpy as np',
  pd: 'import pandas as pd',
  plt: 'import matplotlib.pyplot as plt',
};

/** A folder the documentation lives in (the docs build's source, not its output). */
const DOCS_PAGE = /(^|\/)(docs?|documentation)\/(?!(.*\/)?(_build|_static|_templates|build|site|node_modules)\/)/i;
const README = /(^|\/)readme\.[^/]+$/i;

/** Which source a documentation file's examples are: README files, pages under docs/ or doc/, or none. */
export function docSourceOf(f: Pick<RepoFile, 'path' | 'role'>): ExampleSource | null {
  if (!/\.(md|markdown|rst)$/i.test(f.path)) return null;
  if (README.test(f.path)) return 'readme';
  if (DOCS_PAGE.test(f.path)) return 'docs';
  // Other prose at the top (CONTRIBUTING.md, a tutorial.md) has always read as README-like text.
  return f.role === 'docs' ? 'readme' : null;
}

export const readmeCollector: Collector = {
  source: 'readme',
  collect: (ctx) => collectPages(ctx, 'readme'),
};

export const docsCollector: Collector = {
  source: 'docs',
  collect: (ctx) => collectPages(ctx, 'docs'),
};

async function collectPages(ctx: MiningContext, source: 'readme' | 'docs'): Promise<Candidate[]> {
  const { calls, input } = ctx;
  const candidates: Candidate[] = [];
  const files = input.files.filter((f) => docSourceOf(f) === source && f.size <= MAX_DOC_FILE_CHARS);
  files.sort((a, b) => a.path.localeCompare(b.path));
  // What the project's docs build puts in front of every doctest: its names are bound there, not on the page.
  const setup = source === 'docs' ? await projectDoctestSetup(input.files, ctx.read) : null;
  for (const f of files) {
    await ctx.guard(f.path, async () => {
      const text = await ctx.read(f.path);
      if (text === null) return;
      const page = readDocPage(text, /\.rst$/i.test(f.path) ? 'rst' : 'md');
      const snippets = await withIncludes(ctx, f.path, page.snippets);
      const codeFor = docPageCode(snippets, setup);
      for (let k = 0; k < snippets.length; k++) {
        const s = snippets[k]!;
        if (s.setup) continue;
        const code = codeFor(k);
        if (code === null) continue;
        const normalised = normaliseImports(code.code, '', false, calls);
        if (normalised === null || !importsPackage(normalised, input.packageNames)) continue;
        // Blocks the snippet itself calls; earlier snippets only provide its context.
        const ownCalls = callsIn(s.code);
        const own = new Set(ownCalls.map((c) => c.split('.').pop()!));
        const called = calls.calledBy(normalised, scopeOf(normalised, '', false)).filter((b) => own.has(b.name));
        for (const b of documentedCalls(page.documented, s, ownCalls, calls)) if (!called.includes(b)) called.push(b);
        if (called.length === 0) continue;
        // Code that runs a file of the repository first is that file's example before it is the page's (and runs
        // where that file's data is only beside the file).
        const tier = code.includesFile ? TIER.script + 0.5 : code.expectedOutput ? TIER.docWithOutput : TIER[source];
        candidates.push({ kind: 'example', example: makeExample(normalised, source, f.path, s.line, code.expectedOutput), tier, needsPytest: false, blocks: called });
      }
    });
  }
  return candidates;
}

const MAX_INCLUDE_LINES = 150;

/** The snippets with the files they run filled in (a missing or long file leaves the snippet out). */
async function withIncludes(ctx: MiningContext, pagePath: string, snippets: DocSnippet[]): Promise<DocSnippet[]> {
  const out: DocSnippet[] = [];
  for (const s of snippets) {
    if (s.include === undefined) {
      out.push(s);
      continue;
    }
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(pagePath), s.include));
    if (!ctx.roles.has(target)) continue;
    const text = await ctx.read(target);
    if (text === null || text.split('\n').length > MAX_INCLUDE_LINES) continue;
    out.push({ ...s, code: text.replace(/\s+$/, '') });
  }
  return out;
}

/**
 * The blocks the snippet's page documents through autodoc, or its section names in a cross-reference
 * (`:meth:`Parameters.pretty_print``), that the snippet calls by that block's name (`result.params.pretty_print()`),
 * though the call resolver cannot follow the object to its class.
 */
function documentedCalls(documented: readonly DocumentedName[], s: DocSnippet, ownCalls: readonly string[], calls: CallResolver): BlockRef[] {
  const byName = new Map<string, BlockRef[]>();
  const called = new Set(ownCalls.map((c) => c.split('.').pop()!));
  for (const d of documented) {
    // An autodoc directive documents its block for the whole page; a cross-reference only in its section.
    if (d.role ? d.section !== s.section : false) continue;
    const name = d.name.split('.').pop()!;
    if (!called.has(name)) continue;
    const list = byName.get(name) ?? [];
    for (const b of resolveDocumented(d, calls)) if (b.name === name && !list.includes(b)) list.push(b);
    byName.set(name, list);
  }
  // A name the page documents on several classes (`TimeResponseData.plot`, `FrequencyResponseData.plot`) says
  // nothing about which one `resp.plot()` calls.
  return [...byName.values()].flatMap((list) => (list.length === 1 ? list : []));
}

/** The blocks an autodoc directive's name denotes: as written, under the current module, or under the enclosing class. */
export function resolveDocumented(d: Pick<DocumentedName, 'name' | 'module' | 'inClass'>, calls: CallResolver): BlockRef[] {
  const rel = d.inClass ? `${d.inClass}.${d.name}` : d.name;
  const paths = d.module ? [`${d.module}.${rel}`, rel] : [rel];
  if (d.inClass?.includes('.') && d.module) paths.push(`${d.inClass}.${d.name}`);
  for (const p of paths) {
    const hit = calls.byPath.get(p);
    if (hit?.length) return hit;
  }
  for (const p of paths) {
    const hit = calls.lookup(p);
    if (hit.length) return hit;
  }
  return [];
}

/**
 * Code for doc snippet k that runs alone: the snippet itself when every name it reads is bound there (or by a
 * conventional alias such as np, or by the project's doctest setup), else the shortest run of preceding snippets
 * that binds them. Its expected output is what the page states the run prints: every part stating its output
 * (doctests, testcode with testoutput), or the snippet stating its own after context whose output the page does
 * not show (matched as `...`).
 */
export function standaloneDocCode(snippets: DocSnippet[], k: number, setup: DoctestSetup | null = null): StandaloneCode | null {
  return docPageCode(snippets, setup)(k);
}

export interface StandaloneCode {
  code: string;
  expectedOutput: string | null;
  includesFile: boolean;
}

/** What a run of snippets reads before it binds it (free), and what it binds. */
interface Names {
  free: Set<string>;
  bound: Set<string>;
}

/**
 * standaloneDocCode for every snippet of one page. Each snippet's names are read once, and the run j..k grows
 * backwards by composing its names with snippet j's (a run reads what j reads, and what the rest reads that j
 * does not bind), so finding k's run costs one step per snippet tried, not a rescan of j..k for every j (which
 * was cubic in the page's snippets: 6,920 name scans over 29 MB for one 12 KB tutorial of fluids).
 */
export function docPageCode(snippets: DocSnippet[], setup: DoctestSetup | null): (k: number) => StandaloneCode | null {
  const names: (Names | undefined)[] = [];
  const namesOf = (i: number): Names => (names[i] ??= { free: freeNames(snippets[i]!.code), bound: boundNames(snippets[i]!.code) });
  const figureOnly: (boolean | undefined)[] = [];
  const isFigureOnly = (i: number) => (figureOnly[i] ??= FIGURE_IO_ONLY.test(snippets[i]!.code));
  const missingFrom = (free: Iterable<string>) => {
    for (const n of free) if (!CONVENTIONAL_ALIASES[n] && !setup?.names.has(n)) return true;
    return false;
  };
  return (k) => {
    const target = snippets[k]!;
    // The page's testsetup for the snippet's doctest group runs first, whatever names it binds (seeds, print
    // options): the setups before j, with the names of each prefix of them.
    const setupIdx: number[] = [];
    const setupNames: Names[] = [];
    for (let i = 0; i < k; i++) {
      const s = snippets[i]!;
      if (!s.setup || s.include || !sameGroup(s, target)) continue;
      setupIdx.push(i);
      setupNames.push(then(setupNames[setupNames.length - 1] ?? null, namesOf(i)));
    }
    let tail: Names | null = null;
    let nSetups = setupIdx.length;
    for (let j = k; j >= 0; j--) {
      // Context that only saves or closes figures (a hidden testcode writing figures/x.png) is left out.
      if (j === k || !isFigureOnly(j)) tail = then(namesOf(j), tail);
      while (nSetups > 0 && setupIdx[nSetups - 1]! >= j) nSetups--;
      const run = then(nSetups ? setupNames[nSetups - 1]! : null, tail);
      if (missingFrom(run.free)) continue;
      const runIdx = [...setupIdx.slice(0, nSetups)];
      for (let i = j; i <= k; i++) if (i === k || !isFigureOnly(i)) runIdx.push(i);
      return codeOf(snippets, k, runIdx, nSetups, namesOf, setup);
    }
    return null;
  };
}

/** The names of run a followed by run b. */
function then(a: Names | null, b: Names | null): Names {
  if (!a) return b!;
  if (!b) return a;
  const free = new Set(a.free);
  for (const n of b.free) if (!a.bound.has(n)) free.add(n);
  const bound = new Set(a.bound);
  for (const n of b.bound) bound.add(n);
  return { free, bound };
}

/** The code of the run (snippet indices, its first nSetups the group's testsetups) with what it needs put in front. */
function codeOf(
  snippets: DocSnippet[],
  k: number,
  runIdx: number[],
  nSetups: number,
  namesOf: (i: number) => Names,
  setup: DoctestSetup | null,
): StandaloneCode {
  const target = snippets[k]!;
  const run = runIdx.map((i) => snippets[i]!);
  const setups = run.slice(0, nSetups);
  const joined = run.map((s) => s.code).join('\n');
  const free = [...freeInOrder(runIdx.map(namesOf))];
  const extra = setup ? setupLinesFor(setup, new Set(free.filter((n) => setup.names.has(n)))) : [];
  const provided = new Set(extra.flatMap((l) => [...boundNames(l)]));
  const aliases = free.filter((n) => CONVENTIONAL_ALIASES[n] && !provided.has(n)).map((n) => CONVENTIONAL_ALIASES[n]!);
  const preamble = [...new Set([...(setup?.always ?? []), ...extra, ...aliases])];
  // A group's seeded testsetup fixes the random numbers of the group's first snippets only: the docs build
  // runs the group's snippets one after another, so a later one's random draws depend on all before it.
  const seeded = setups.some((s) => SEEDING.test(s.code));
  const drawsBefore =
    seeded && snippets.slice(snippets.indexOf(setups[setups.length - 1]!) + 1, k).some((s) => !s.setup && sameGroup(s, target) && callsIn(s.code).length > 0);
  return { code: [...preamble, joined].join('\n'), expectedOutput: drawsBefore ? null : statedOutput(run), includesFile: run.some((s) => s.include !== undefined) };
}

/**
 * The names a run of snippets reads before any of them binds it, in the order they are read: `np` used in the
 * first and imported in a later one is free (the page relied on its setup), which the names of the joined code
 * alone would hide. The order decides the order of the imports put in front.
 */
function freeInOrder(run: Names[]): Set<string> {
  const bound = new Set<string>();
  const free = new Set<string>();
  for (const names of run) {
    for (const n of names.free) if (!bound.has(n)) free.add(n);
    for (const n of names.bound) bound.add(n);
  }
  return free;
}

const FIGURE_IO_ONLY = /^(?:\s*(?:[\w.]+\.(?:savefig|close|show)\(.*\)\s*)?(?:#.*)?\n?)+$/;
const SEEDING = /\bseed\s*\(/;

/** Whether a testsetup applies to a snippet: a shared Sphinx doctest group, or `*`. */
function sameGroup(setupSnippet: DocSnippet, s: DocSnippet): boolean {
  const a = setupSnippet.groups ?? ['default'];
  const b = s.groups ?? ['default'];
  return a.includes('*') || a.some((g) => b.includes(g) || b.includes('*'));
}

function statedOutput(run: DocSnippet[]): string | null {
  if (run.every((s) => s.statesOutput)) return run.some((s) => s.expectedOutput) ? run.map((s) => s.expectedOutput ?? '').join('') : null;
  const last = run[run.length - 1]!;
  if (!last.statesOutput || !last.expectedOutput) return null;
  // Context the page does not show the output of may print anything: a wildcard stands for it.
  let out = '';
  let wild = false;
  for (const s of run) {
    if (s.statesOutput) {
      if (wild) out += '...\n';
      wild = false;
      out += s.expectedOutput ?? '';
    } else wild = true;
  }
  return out;
}
