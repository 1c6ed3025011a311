/**
 * Mining the idioms several repositories share: every block's code and examples are read into call chains on
 * other packages (python/idioms.ts), the chains are grouped by what they are about (the call that built a value,
 * or a submodule), and a group becomes a pattern when enough repositories take the same steps. Near variants
 * fall into one pattern: the steps kept are those enough repositories take, a member is a chain taking any of
 * them (two, for a submodule), so `sol.y` alone and `sol.y` then `sol.t` are one idiom. Pure: libraries in,
 * pattern facts out; no model, no I/O.
 */
import type { Block, Example } from '../domain/block.js';
import type { PatternFacts, PatternMember, PatternSource, PatternStep } from '../domain/idiom.js';
import type { LoadedLibrary } from '../domain/library.js';
import { codeChains, type ChainEvent } from '../python/idioms.js';
import { stdlibSet } from '../python/stdlib.js';

export interface MineOptions {
  minRepos: number;
  maxPatterns: number;
  /** Called per library read (done out of total). */
  onLibrary?: (done: number, total: number, name: string) => void;
  signal?: AbortSignal;
}

export interface MinedPattern {
  facts: PatternFacts;
  /** The member blocks' licences, each once. */
  licences: string[];
  /** Examples to show: the representative first, then member examples from other repositories. */
  examples: Example[];
  /** Member examples to run when none ran yet, most promising first (what the patterns job runs in the sandbox). */
  candidates: RunCandidate[];
}

/** A member example that may show the pattern running: in its own library's environment. */
export interface RunCandidate {
  library: LoadedLibrary;
  block: Block;
  example: number;
  holds: 'example' | 'block';
}

export interface MineResult {
  patterns: MinedPattern[];
  sources: PatternSource[];
  units: number;
}

/** One piece of code read: a block's own code or one of its examples. */
interface Unit {
  lib: LoadedLibrary;
  repo: string;
  block: Block;
  example: number | null;
}

interface Occurrence {
  unit: Unit;
  steps: string[];
  names: string[];
  keywords: string[];
  derived: Array<{ path: string; name: string }>;
}

interface Group {
  shape: 'value' | 'module';
  subject: string;
  occurrences: Occurrence[];
}

/** Members kept per repository in a pattern's list (all are counted). */
const MEMBERS_PER_REPO = 3;
const EXAMPLES_SHOWN = 5;
/** Steps a pattern keeps: those most repositories take (a value everybody builds has dozens of uses; the idiom is the few most share). */
const MAX_STEPS = 8;
const RUN_CANDIDATES = 8;

/**
 * Whether a call can be the subject of a value pattern: a class (`lmfit.Model`, `pandas.DataFrame`) or a function
 * of a submodule (`scipy.optimize.curve_fit`, `numpy.fft.rfft`). A package's top-level functions (`numpy.array`,
 * `numpy.zeros`) make the values all numeric code makes: what follows them is arithmetic, not an idiom.
 */
export function idiomSubject(call: string): boolean {
  const parts = call.split('.');
  return parts.length >= 3 || /^[A-Z]/.test(parts[parts.length - 1]!);
}

/**
 * Test-harness calls (`numpy.testing.assert_allclose`, `unittest.TestCase`, `pytest.approx`): every tested
 * repository shares them, so they recur across a field without being one of its idioms.
 */
export function testHarness(call: string): boolean {
  return /^(numpy\.testing|unittest|pytest|nose|hypothesis)(\.|$)/.test(call) || /(^|\.)assert_\w*$/.test(call);
}

const repoOf = (lib: LoadedLibrary) => lib.manifest.source.repo || lib.name;

/** The packages a library is itself: never "another package" in its own code. */
function ownPackages(lib: LoadedLibrary): Set<string> {
  const own = new Set(lib.packages);
  for (const b of lib.blocks) if (b.module) own.add(b.module.split('.')[0]!);
  own.add(lib.name.replace(/[-.]/g, '_'));
  return own;
}

function* unitsOf(lib: LoadedLibrary): Generator<Unit & { code: string; imports: readonly string[] }> {
  const repo = repoOf(lib);
  for (const block of lib.blocks) {
    if (block.kind === 'pattern' || block.language !== 'python') continue;
    yield { lib, repo, block, example: null, code: block.code, imports: block.imports };
    for (const [i, ex] of block.examples.entries()) {
      if (ex.source === 'import') continue;
      yield { lib, repo, block, example: i, code: ex.code, imports: [] };
    }
  }
}

/** Mine the patterns these libraries share. */
export function minePatterns(libraries: readonly LoadedLibrary[], opts: MineOptions): MineResult {
  const stdlib = stdlibSet();
  const groups = new Map<string, Group>();
  /** Units that call each subject at all (built or not): how common it is across the code mined. */
  const subjectUnits = new Map<string, number>();
  let units = 0;
  const group = (shape: 'value' | 'module', subject: string): Group => {
    const key = `${shape}:${subject}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { shape, subject, occurrences: [] }));
    return g;
  };

  libraries.forEach((lib, li) => {
    if (opts.signal?.aborted) return;
    const own = ownPackages(lib);
    const counts = (top: string) => !own.has(top) && !stdlib.has(top) && top !== '__future__' && !top.startsWith('_');
    for (const u of unitsOf(lib)) {
      units++;
      let chains;
      try {
        chains = codeChains(u.code, { imports: u.imports, counts });
      } catch {
        continue;
      }
      const seen = new Set<string>();
      for (const v of chains.values) {
        seen.add(v.anchor.call);
        if (!v.events.length || !idiomSubject(v.anchor.call) || testHarness(v.anchor.call)) continue;
        group('value', v.anchor.call).occurrences.push({ unit: u, steps: v.events, names: v.names, keywords: v.anchor.keywords, derived: v.derived });
      }
      for (const m of chains.modules) {
        for (const s of m.sites) seen.add(s.call);
        seen.add(m.module);
        if (testHarness(m.module)) continue;
        const functions = m.functions.filter((f) => !testHarness(f));
        if (functions.length < 2) continue;
        group('module', m.module).occurrences.push({ unit: u, steps: functions, names: [], keywords: [], derived: [] });
      }
      for (const s of seen) subjectUnits.set(s, (subjectUnits.get(s) ?? 0) + 1);
    }
    opts.onLibrary?.(li + 1, libraries.length, lib.name);
  });

  const mined: MinedPattern[] = [];
  for (const g of groups.values()) {
    const p = patternOf(g, opts.minRepos, units, subjectUnits.get(g.subject) ?? 1);
    if (p) mined.push(p);
  }
  // A call sequence on one value (build → configure → compute → read) is the idiom a scientist reuses; functions of
  // one module merely used together come after every such sequence, whatever their score.
  const shapeRank = (p: MinedPattern) => (p.facts.shape === 'value' ? 0 : 1);
  mined.sort((a, b) => shapeRank(a) - shapeRank(b) || b.facts.score - a.facts.score || b.facts.repos - a.facts.repos || (a.facts.subject < b.facts.subject ? -1 : 1));
  const patterns = mined.slice(0, opts.maxPatterns);
  const sources = libraries.map((lib) => ({ library: lib.name, repo: repoOf(lib), commit: lib.manifest.source.commit, licence: lib.manifest.licence }));
  return { patterns, sources, units };
}

/** The pattern a group makes, if enough repositories share its steps. */
function patternOf(g: Group, minRepos: number, units: number, subjectUnits: number): MinedPattern | null {
  const support = new Map<string, Set<string>>();
  const position = new Map<string, number[]>();
  for (const o of g.occurrences) {
    o.steps.forEach((s, i) => {
      let set = support.get(s);
      if (!set) support.set(s, (set = new Set()));
      set.add(o.unit.repo);
      const at = position.get(s) ?? [];
      at.push(o.steps.length > 1 ? i / (o.steps.length - 1) : 0);
      position.set(s, at);
    });
  }
  const kept = [...support]
    .filter(([, repos]) => repos.size >= minRepos)
    .sort((a, b) => b[1].size - a[1].size || (a[0] < b[0] ? -1 : 1))
    .slice(0, MAX_STEPS)
    .map(([s]) => s);
  const needed = g.shape === 'module' ? 2 : 1;
  if (kept.length < needed) return null;
  const keep = new Set(kept);
  const members = g.occurrences.filter((o) => o.steps.filter((s) => keep.has(s)).length >= needed);
  const repos = new Set(members.map((o) => o.unit.repo));
  if (repos.size < minRepos) return null;

  const ordered = kept.sort((a, b) => median(position.get(a)!) - median(position.get(b)!) || support.get(b)!.size - support.get(a)!.size || (a < b ? -1 : 1));
  const steps: PatternStep[] = ordered.map((s) => ({ step: s, repos: support.get(s)!.size }));
  const keywordRepos = new Map<string, Set<string>>();
  for (const o of members) for (const k of o.keywords) (keywordRepos.get(k) ?? keywordRepos.set(k, new Set()).get(k)!).add(o.unit.repo);
  const keywords = [...keywordRepos]
    .filter(([, r]) => r.size >= minRepos)
    .map(([name, r]) => ({ name, repos: r.size }))
    .sort((a, b) => b.repos - a.repos || (a.name < b.name ? -1 : 1));

  const names: Names = { value: commonNames(members, ordered), derived: commonDerived(members, ordered) };
  const template = templateOf(g, ordered, names, keywords.map((k) => k.name));
  const calls = callsOf(g, ordered);
  const packages = [...new Set(calls.map((c) => c.split('.')[0]!))].sort();
  const blocks = new Set(members.map((o) => o.unit.block.id));
  const rep = representativeOf(members, keep);
  const memberList = membersOf(members, keep);
  const libs = new Map<string, LoadedLibrary>();
  for (const o of members) libs.set(o.unit.lib.name, o.unit.lib);
  const sources = [...libs.values()].map((lib) => ({ library: lib.name, repo: repoOf(lib), commit: lib.manifest.source.commit, licence: lib.manifest.licence }));
  const licences = [...new Set(sources.map((s) => s.licence))].sort();
  const rarity = Math.log2(1 + units / Math.max(1, subjectUnits));
  const facts: PatternFacts = {
    shape: g.shape,
    subject: g.subject,
    template,
    description: describe(g, ordered, names, repos.size),
    quotes: quotesOf(g, ordered, members),
    packages,
    calls,
    steps,
    keywords,
    repos: repos.size,
    blocks: blocks.size,
    members: memberList,
    sources,
    representative: rep ? { block: rep.unit.block.id, library: rep.unit.lib.name, example: rep.example, holds: rep.holds, run: rep.run } : null,
    score: Math.round(repos.size * rarity * 1000) / 1000,
  };
  return { facts, licences, examples: examplesOf(members, rep), candidates: rep ? [] : runCandidates(members, keep) };
}

const QUOTES = 3;

/** Sentences of the members' docstrings and docs naming the subject (its last name, or a kept function of a module). */
function quotesOf(g: Group, steps: string[], members: Occurrence[]): Array<{ text: string; block: string }> {
  const words = g.shape === 'module' ? steps : [g.subject.split('.').pop()!];
  // Named as code, not as an English word: dotted (`np.fft.rfft`), in backquotes, a name no word has (`curve_fit`,
  // `interp1d`), or a short name in capitals (SVD, FFT, QR).
  const alts = words.map((w) => w.replace(/[^\w]/g, '')).flatMap((w) => [
    `(?<![\\w.])(?:\\w+\\.)+${w}\\b`,
    `\`${w}\``,
    ...(/[_0-9]/.test(w) ? [`(?<![\\w.])${w}\\b`] : []),
    ...(w.length <= 4 ? [`\\b${w.toUpperCase()}\\b`] : []),
  ]);
  const re = new RegExp(alts.join('|'));
  const found = new Map<string, { block: string; repos: Set<string> }>();
  const seenBlocks = new Set<string>();
  for (const o of members) {
    const b = o.unit.block;
    if (seenBlocks.has(b.id)) continue;
    seenBlocks.add(b.id);
    const texts = [b.docstring ?? '', ...b.prose.map((p) => p.text)];
    for (const t of texts) {
      for (const raw of t.replace(/\s+/g, ' ').split(/(?<=[.!?])\s+(?=[A-Z])/)) {
        const sentence = raw.trim();
        if (sentence.length < 20 || sentence.length > 220 || !re.test(sentence) || />>>|\bParameters\b|-----/.test(sentence)) continue;
        const f = found.get(sentence) ?? { block: b.id, repos: new Set<string>() };
        f.repos.add(o.unit.repo);
        found.set(sentence, f);
      }
    }
  }
  return [...found]
    .sort((a, b) => b[1].repos.size - a[1].repos.size || a[0].length - b[0].length || (a[0] < b[0] ? -1 : 1))
    .slice(0, QUOTES)
    .map(([text, f]) => ({ text, block: f.block }));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

/** The local names most members give the value (`sol`; `popt, pcov` when the steps unpack it). */
function commonNames(members: Occurrence[], steps: string[]): string[] {
  const unpack = steps.find((s) => s.startsWith('unpack:'));
  const arity = unpack ? Number(unpack.slice(7)) : 1;
  const tally = new Map<string, number>();
  for (const o of members) if (o.names.length === arity) tally.set(o.names.join(','), (tally.get(o.names.join(',')) ?? 0) + 1);
  const best = [...tally].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
  if (best) return best[0].split(',');
  return arity === 1 ? ['result'] : Array.from({ length: arity }, (_, i) => `part${i}`);
}

/** The value's names, and the names given to results along it (`.add_subplot()` → `ax`). */
interface Names {
  value: string[];
  derived: Map<string, string>;
}

/** For each kept step that is a result most members name, the name most of them give it. */
function commonDerived(members: Occurrence[], steps: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of steps) {
    const tally = new Map<string, number>();
    for (const o of members) for (const d of o.derived) if (d.path === s) tally.set(d.name, (tally.get(d.name) ?? 0) + 1);
    const best = [...tally].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    // A name one member happens to give a result (`handle = ax.plot(...)`) is not the idiom's.
    const takers = members.filter((o) => o.steps.includes(s)).length;
    if (best && best[1] >= Math.max(2, Math.ceil(takers / 3))) out.set(s, best[0]);
  }
  return out;
}

/** A step's path on the value (`[1].plot()`) as code, with the value's names (a named result stands for its prefix). */
function renderPath(path: string, names: Names): string {
  let named = '';
  for (const p of names.derived.keys()) if (path.startsWith(p) && path !== p && p.length > named.length) named = p;
  if (named) return names.derived.get(named)! + renderPath(path.slice(named.length), { value: [''], derived: new Map() });
  const part = /^\[(\d+)\]/.exec(path);
  let out = part ? (names.value[Number(part[1])] ?? `part${part[1]}`) : names.value[0]!;
  const rest = part ? path.slice(part[0].length) : path;
  for (const m of rest.matchAll(/\.(\w+)(\(\))?|\(\)/g)) out += m[0] === '()' ? '(...)' : `.${m[1]}${m[2] ? '(...)' : ''}`;
  return out;
}

function renderStep(step: ChainEvent, names: Names): string | null {
  if (step.startsWith('unpack:')) return null;
  const passed = /^([\w.]+)\(_(.*)\)$/.exec(step);
  if (passed) return `${passed[1]}(${renderPath(passed[2]!, names)})`;
  const named = names.derived.get(step);
  return named ? `${named} = ${renderPath(step, names)}` : renderPath(step, names);
}

function modulesOf(calls: string[]): string[] {
  return [...new Set(calls.map((c) => (c.includes('.') ? c.slice(0, c.lastIndexOf('.')) : c)))].sort();
}

function callsOf(g: Group, steps: string[]): string[] {
  if (g.shape === 'module') return steps.map((f) => `${g.subject}.${f}`);
  const passed = steps.map((s) => /^([\w.]+)\(_/.exec(s)?.[1]).filter((c): c is string => !!c);
  return [g.subject, ...new Set(passed)];
}

function templateOf(g: Group, steps: string[], names: Names, keywords: string[]): string {
  const calls = callsOf(g, steps);
  const imports = modulesOf(calls).map((m) => `import ${m}`);
  if (g.shape === 'module') return [...imports, ...steps.map((f) => `${g.subject}.${f}(...)`)].join('\n');
  const args = ['...', ...keywords.slice(0, 4).map((k) => `${k}=...`)].join(', ');
  const lines = [...imports, `${names.value.join(', ')} = ${g.subject}(${args})`];
  for (const s of steps) {
    const line = renderStep(s, names);
    if (line) lines.push(line);
  }
  return lines.join('\n');
}

/** One line from the calls' own names: what is built, then what is done with it. */
function describe(g: Group, steps: string[], names: Names, repos: number): string {
  const tail = `(${repos} repositories)`;
  if (g.shape === 'module') return `Uses ${g.subject}'s ${steps.join(', ')} together ${tail}.`;
  const reads: string[] = [];
  const methods: string[] = [];
  const passes: string[] = [];
  let called = false;
  let unpacked = false;
  for (const s of steps) {
    if (s.startsWith('unpack:')) unpacked = true;
    else if (/^[\w.]+\(_/.test(s)) passes.push(renderStep(s, names)!);
    else if (s.endsWith('()') && s !== '()') methods.push(renderPath(s, names));
    else if (s === '()') called = true;
    else reads.push(renderPath(s, names));
  }
  const parts: string[] = [];
  if (unpacked) parts.push(`unpacks it into ${names.value.join(', ')}`);
  if (methods.length) parts.push(`calls ${methods.join(', ')}`);
  if (called) parts.push(`calls ${names.value[0]}(...)`);
  if (reads.length) parts.push(`reads ${reads.join(', ')}`);
  if (passes.length) parts.push(`passes it on: ${passes.join(', ')}`);
  return `Builds ${names.value.join(', ')} with ${g.subject}(...), then ${parts.join('; ')} ${tail}.`;
}

interface Representative {
  unit: Unit;
  example: number;
  holds: 'example' | 'block';
  run: NonNullable<Example['run']>;
}

/** A member that ran: an example taking the steps itself first, else a member block whose example ran. */
function representativeOf(members: Occurrence[], keep: Set<string>): Representative | null {
  const covered = (o: Occurrence) => o.steps.filter((s) => keep.has(s)).length;
  const candidates: (Representative & { covers: number; size: number })[] = [];
  for (const o of members) {
    const { block, example } = o.unit;
    if (example !== null) {
      const ex = block.examples[example];
      if (ex?.run?.status === 'passed') candidates.push({ unit: o.unit, example, holds: 'example', run: ex.run, covers: covered(o), size: ex.code.length });
    } else {
      const i = block.examples.findIndex((e) => e.run?.status === 'passed' && e.source !== 'import');
      if (i >= 0) candidates.push({ unit: o.unit, example: i, holds: 'block', run: block.examples[i]!.run!, covers: covered(o), size: block.examples[i]!.code.length });
    }
  }
  candidates.sort((a, b) => (a.holds === b.holds ? 0 : a.holds === 'example' ? -1 : 1) || b.covers - a.covers || a.size - b.size || (a.unit.block.id < b.unit.block.id ? -1 : 1));
  const best = candidates[0];
  return best ? { unit: best.unit, example: best.example, holds: best.holds, run: best.run } : null;
}

/** Member examples to try when none ran: examples taking the steps themselves, shortest first, one per block. */
function runCandidates(members: Occurrence[], keep: Set<string>): RunCandidate[] {
  const covered = (o: Occurrence) => o.steps.filter((s) => keep.has(s)).length;
  const out: (RunCandidate & { covers: number; size: number; repo: string })[] = [];
  for (const o of members) {
    const { block, example, lib } = o.unit;
    const i = example ?? block.examples.findIndex((e) => e.source !== 'import');
    const ex = block.examples[i];
    if (!ex || ex.source === 'import' || ex.run?.status === 'failed') continue;
    out.push({ library: lib, block, example: i, holds: example === null ? 'block' : 'example', covers: covered(o), size: ex.code.length, repo: o.unit.repo });
  }
  out.sort((a, b) => (a.holds === b.holds ? 0 : a.holds === 'example' ? -1 : 1) || b.covers - a.covers || a.size - b.size || (a.block.id < b.block.id ? -1 : 1));
  const seen = new Set<string>();
  const picked: RunCandidate[] = [];
  // Spread over repositories: a failure in one library's environment should not decide for all tries.
  for (const round of [0, 1]) {
    for (const c of out) {
      if (picked.length >= RUN_CANDIDATES) break;
      // The same test is often an example of several blocks: one try for one piece of code.
      const key = c.block.examples[c.example]!.code;
      if (seen.has(key) || (round === 0 && picked.some((p) => (p.library.manifest.source.repo || p.library.name) === c.repo))) continue;
      seen.add(key);
      picked.push({ library: c.library, block: c.block, example: c.example, holds: c.holds });
    }
  }
  return picked;
}

/** The pattern with a representative that ran now (its run recorded on the example shown first). */
export function withRepresentative(p: MinedPattern, c: RunCandidate, run: NonNullable<Example['run']>): MinedPattern {
  const example = { ...c.block.examples[c.example]!, run };
  return {
    ...p,
    facts: { ...p.facts, representative: { block: c.block.id, library: c.library.name, example: c.example, holds: c.holds, run } },
    examples: [example, ...p.examples.filter((e) => e.code !== example.code)].slice(0, EXAMPLES_SHOWN),
    candidates: [],
  };
}

function membersOf(members: Occurrence[], keep: Set<string>): PatternMember[] {
  const perRepo = new Map<string, number>();
  const seen = new Set<string>();
  const out: PatternMember[] = [];
  // Members whose examples ran first, so the few kept per repository are the useful ones.
  const ranked = [...members].sort((a, b) => Number(ran(b)) - Number(ran(a)));
  for (const o of ranked) {
    const { block, example, lib } = o.unit;
    const key = `${block.id}#${example}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const n = perRepo.get(o.unit.repo) ?? 0;
    if (n >= MEMBERS_PER_REPO) continue;
    perRepo.set(o.unit.repo, n + 1);
    const ex = example === null ? null : block.examples[example]!;
    const lines = ex ? ex.code.split('\n').length : 0;
    out.push({
      block: block.id,
      library: lib.name,
      repo: o.unit.repo,
      commit: block.provenance.commit,
      path: ex?.path ?? block.provenance.path,
      startLine: ex ? (ex.startLine ?? 1) : block.provenance.startLine,
      endLine: ex ? (ex.startLine ?? 1) + lines - 1 : block.provenance.endLine,
      in: ex ? 'example' : 'code',
      example,
      steps: o.steps.filter((s) => keep.has(s)),
    });
  }
  return out.sort((a, b) => (a.repo < b.repo ? -1 : a.repo > b.repo ? 1 : a.block < b.block ? -1 : 1));
}

function ran(o: Occurrence): boolean {
  const ex = o.unit.example === null ? null : o.unit.block.examples[o.unit.example];
  return ex ? ex.run?.status === 'passed' : o.unit.block.validation?.status === 'passed';
}

/** The representative's example first, then member examples that ran from other repositories. */
function examplesOf(members: Occurrence[], rep: Representative | null): Example[] {
  const out: Example[] = [];
  const repos = new Set<string>();
  if (rep) {
    out.push(rep.unit.block.examples[rep.example]!);
    repos.add(rep.unit.repo);
  }
  for (const o of members) {
    if (out.length >= EXAMPLES_SHOWN) break;
    if (o.unit.example === null || repos.has(o.unit.repo)) continue;
    const ex = o.unit.block.examples[o.unit.example]!;
    if (ex.run?.status !== 'passed') continue;
    out.push(ex);
    repos.add(o.unit.repo);
  }
  return out;
}
