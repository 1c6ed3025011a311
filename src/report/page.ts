/**
 * `codedistill report`: one library as one static HTML page (inline style, script and SVG; no server, no
 * network): what it is, its licence and citation, how much of it was validated and why the rest was not, its
 * dependencies and environment lock, and a table of its blocks that searches, filters, sorts and opens each
 * block's code and example. Repository text is escaped (escape.ts), and the page's Content-Security-Policy
 * allows only its own script and style (by hash): a docstring holding `<script>` can neither end an element
 * nor run.
 */
import { createHash } from 'node:crypto';
import type { Block, Example } from '../domain/block.js';
import type { DomainSummary } from '../domain/domain-summary.js';
import type { LoadedLibrary } from '../domain/library.js';
import { levelOf, type ValidationLevel } from '../domain/validation.js';
import { librarySummary } from '../library/describe.js';
import { REPORT_CSS, REPORT_JS } from './assets.js';
import { barChart, type ChartBar } from './chart.js';
import { domainSections } from './domain.js';
import { escapeHtml, jsonForScript, safeUrl } from './escape.js';

export interface ReportInput {
  library: LoadedLibrary;
  /** environment.lock of the library (pip freeze form), when it has one. */
  lock: string | null;
  /** codedistill version writing the page. */
  generator: string;
  generatedAt: Date;
  /** The domain summaries of the home (<home>/domains/*.json): a Domain section each. */
  domains?: readonly DomainSummary[];
}

type Level = ValidationLevel | 'not_run';

const LEVELS: Array<{ level: Level; text: string; colour: string }> = [
  { level: 'checked', text: 'checked', colour: '#2e9e58' },
  { level: 'ran', text: 'ran', colour: '#4a86c8' },
  { level: 'failed', text: 'failed', colour: '#d0463c' },
  { level: 'skipped', text: 'skipped', colour: '#d8a31a' },
  { level: 'not_run', text: 'not run', colour: '#a7b0ba' },
];

/** Caps per block on the page, so a library of thousands of blocks stays a page a browser opens at once. */
const MAX_CODE_CHARS = 20_000;
const MAX_DOC_CHARS = 8_000;
const MAX_OUTPUT_CHARS = 4_000;
const MAX_SKIPPED_FILES = 200;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}\n… (${text.length - max} more characters)` : text);

function levelOfBlock(b: Block): Level {
  return levelOf(b.validation) ?? 'not_run';
}

/** The example the block's validation came from, else its first one that ran, else its first. */
function shownExample(b: Block): Example | null {
  const ran = (e: Example) => {
    const l = levelOf(e.run);
    return l === 'checked' || l === 'ran';
  };
  return b.examples.find((e) => e.run && b.validation && e.run.ranAt === b.validation.ranAt && e.code) ?? b.examples.find(ran) ?? b.examples[0] ?? null;
}

function blockRow(b: Block) {
  const level = levelOfBlock(b);
  const ex = shownExample(b);
  const reason = b.validation?.skipReason ? ` (${b.validation.skipReason.replace(/_/g, ' ')})` : '';
  const exLevel = ex ? levelOf(ex.run) : null;
  return {
    id: b.id,
    name: b.qualifiedName,
    kind: b.kind,
    level,
    levelOrder: LEVELS.findIndex((l) => l.level === level),
    levelText: (LEVELS.find((l) => l.level === level)?.text ?? level) + reason,
    source: ex?.source ?? '',
    rank: Number.isFinite(b.rank) ? b.rank : 0,
    summary: b.summary,
    signature: b.signature,
    docstring: b.docstring ? clip(b.docstring, MAX_DOC_CHARS) : null,
    code: clip(b.code, MAX_CODE_CHARS),
    where: `${b.provenance.path}:${b.provenance.startLine}-${b.provenance.endLine}`,
    url: safeUrl(b.provenance.url),
    example: ex
      ? {
          code: clip(ex.code, MAX_CODE_CHARS),
          about: `${ex.source}${ex.path ? ` from ${ex.path}${ex.startLine ? `:${ex.startLine}` : ''}` : ''}; ${exLevel ?? 'not run'}${ex.run ? `: ${ex.run.message}` : ''}`,
          output: ex.run?.stdout ? clip(ex.run.stdout, MAX_OUTPUT_CHARS) : '',
        }
      : null,
  };
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');

function list(items: string[], empty: string): string {
  return items.length ? `<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>` : `<p class="meta">${escapeHtml(empty)}</p>`;
}

export function reportPage(input: ReportInput): string {
  const lib = input.library;
  const m = lib.manifest;
  const summary = librarySummary(lib);
  const blocks = [...lib.blocks].sort((a, b) => b.rank - a.rank);
  const byLevel = new Map<Level, number>();
  const bySkip = new Map<string, number>();
  for (const b of blocks) {
    const l = levelOfBlock(b);
    byLevel.set(l, (byLevel.get(l) ?? 0) + 1);
    if (l === 'skipped') {
      const r = (b.validation?.skipReason ?? 'unknown').replace(/_/g, ' ');
      bySkip.set(r, (bySkip.get(r) ?? 0) + 1);
    }
  }
  const levelBars: ChartBar[] = LEVELS.map((l) => ({ label: l.text, count: byLevel.get(l.level) ?? 0, colour: l.colour }));
  const skipBars: ChartBar[] = [...bySkip.entries()].sort((a, b) => b[1] - a[1]).map(([label, count]) => ({ label, count, colour: '#d8a31a' }));
  const failedBars = failureBars(blocks);

  const repoUrl = safeUrl(m.source.url);
  const repo = repoUrl ? `<a href="${escapeHtml(repoUrl)}">${escapeHtml(m.source.repo)}</a>` : escapeHtml(m.source.repo);
  const cov = m.counts.coverage;
  const pct = (n: number, of: number) => (of ? `${Math.round((n * 100) / of)}%` : '–');
  const figures = [
    ['blocks', String(m.counts.blocks)],
    ['examples', String(m.counts.examples)],
    ['validated', `${m.counts.validated} (${pct(m.counts.validated, m.counts.blocks)})`],
    ...(cov ? [['public documented blocks with an example that ran', `${cov.ran} of ${cov.blocks} (${pct(cov.ran, cov.blocks)})`], ['… that was checked', `${cov.checked} (${pct(cov.checked, cov.blocks)})`]] : []),
  ];
  const sources = Object.entries(m.counts.bySource ?? {}).map(
    ([s, c]) => `<tr><td>${escapeHtml(s)}</td><td>${c.examples}</td><td>${c.ran}</td><td>${c.checked}</td></tr>`,
  );
  const env = m.environment;
  const envLines = [
    `state: ${summary.environment.replace(/_/g, ' ')}`,
    ...(m.python ? [`interpreter: ${m.python}`] : []),
    ...(env?.lockHash ? [`lock sha256: ${env.lockHash}`] : []),
    ...(env?.package ? [`package: ${env.package.status} (${env.package.message})`] : []),
  ];
  const requirements = (m.requirementSpecs?.length ? m.requirementSpecs : m.requirements).map((r) => `<code>${escapeHtml(r)}</code>`);
  const skippedFiles = m.skipped.slice(0, MAX_SKIPPED_FILES).map((s) => `<li><code>${escapeHtml(s.path)}</code>: ${escapeHtml(s.reason)}</li>`);
  const kinds = [...new Set(blocks.map((b) => b.kind))].sort();

  const body = `
<header>
  <h1>${escapeHtml(lib.name)}</h1>
  <p class="meta"><span>${repo} @ <code>${escapeHtml(summary.commit)}</code></span><span>licence <b>${escapeHtml(m.licence)}</b></span><span>distilled ${escapeHtml(m.createdAt)}</span>${lib.demo ? '<span>demo library</span>' : ''}</p>
</header>
<main>
  <section id="purpose">
    <h2>Purpose</h2>
    ${m.description ? `<p>${escapeHtml(m.description)}</p>` : '<p class="meta">The repository gives no description.</p>'}
    <div class="grid">
      <div><h3>Licence</h3><p><b>${escapeHtml(m.licence)}</b>${m.licence === 'NOASSERTION' ? ' — no licence was found: ask the authors before reusing the code.' : ''}</p></div>
      <div><h3>Citation</h3>${m.citation ? `<pre class="wrap" id="citation">${escapeHtml(m.citation)}</pre>` : '<p class="meta">The repository says nothing on how to cite it.</p>'}</div>
    </div>
  </section>
  <section id="validation">
    <h2>Validation at a glance</h2>
    <ul class="figures">${figures.map(([k, v]) => `<li><b>${escapeHtml(v ?? '')}</b>${escapeHtml(k ?? '')}</li>`).join('')}</ul>
    <div class="grid">
      <div><h3>Blocks by their best run</h3>${barChart('Blocks by the level of their best run', levelBars)}
        <p class="meta">checked: ran and matched what the repository states; ran: ran cleanly, nothing to compare; failed: failed, timed out or erred; skipped: not run for a reason outside the code.</p></div>
      <div><h3>Why blocks were skipped</h3>${skipBars.length ? barChart('Skipped blocks by reason', skipBars) : '<p class="meta">No block was skipped.</p>'}
        ${failedBars.length ? `<h3>How blocks failed</h3>${barChart('Failed blocks by error', failedBars)}` : ''}</div>
    </div>
    ${sources.length ? `<h3>Examples by source</h3><table class="sources"><thead><tr><th>source</th><th>examples</th><th>ran</th><th>checked</th></tr></thead><tbody>${sources.join('')}</tbody></table>` : ''}
  </section>
  <section id="dependencies">
    <h2>Dependencies and environment</h2>
    <div class="grid">
      <div><h3>Requirements</h3>${list(requirements, 'No third-party requirement.')}</div>
      <div><h3>Environment</h3>${list(envLines.map(escapeHtml), '')}
      ${input.lock ? `<details><summary>environment.lock (${input.lock.trim().split('\n').length} lines)</summary><pre id="lock">${escapeHtml(input.lock)}</pre></details>` : '<p class="meta">No environment lock: the runs used the base interpreter.</p>'}</div>
    </div>
    ${skippedFiles.length ? `<details><summary>${m.skipped.length} files skipped in the repository</summary><ul>${skippedFiles.join('')}</ul></details>` : ''}
  </section>
  <section id="blocks">
    <h2>Blocks</h2>
    <div class="controls">
      <input type="search" id="search" placeholder="Search names, summaries and docstrings" aria-label="Search blocks">
      <select id="level" aria-label="Level"><option value="">every level</option>${LEVELS.map((l) => `<option value="${l.level}">${escapeHtml(l.text)}</option>`).join('')}</select>
      <select id="kind" aria-label="Kind"><option value="">every kind</option>${kinds.map((k) => `<option value="${escapeHtml(k)}">${escapeHtml(k)}</option>`).join('')}</select>
      <span id="shown"></span>
    </div>
    <noscript><p>The table needs JavaScript; the blocks are in the page's blocks-data element as JSON.</p></noscript>
    <table id="table">
      <thead><tr><th data-key="name">name</th><th data-key="kind">kind</th><th data-key="levelOrder">level</th><th data-key="source">example</th><th data-key="rank" aria-sort="descending">rank</th><th data-key="summary">summary</th></tr></thead>
      <tbody id="rows"></tbody>
    </table>
  </section>${domainSections(input.domains ?? [], lib.name)}
</main>
<dialog id="block" aria-labelledby="d-name">
  <button class="close" id="d-close" type="button">Close</button>
  <h3 id="d-name"></h3>
  <p class="meta"><span id="d-meta"></span> <a id="d-link" hidden>source</a></p>
  <pre id="d-sig"></pre>
  <pre class="wrap" id="d-doc"></pre>
  <h4>Code</h4><pre id="d-code"></pre>
  <h4>Example</h4><p class="meta" id="d-example-meta"></p><pre id="d-example"></pre>
  <div id="d-output-box"><h4>Its output</h4><pre id="d-output"></pre></div>
</dialog>
<footer>Written by codedistill ${escapeHtml(input.generator)} on ${escapeHtml(input.generatedAt.toISOString())} from the library's files; this page loads nothing from the network.</footer>
<script type="application/json" id="blocks-data">${jsonForScript(blocks.map(blockRow))}</script>
<script>${REPORT_JS}</script>`;

  const csp = `default-src 'none'; style-src 'sha256-${sha256(REPORT_CSS)}'; script-src 'sha256-${sha256(REPORT_JS)}'; img-src data:; base-uri 'none'; form-action 'none'`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(lib.name)} — codedistill report</title>
<style>${REPORT_CSS}</style>
</head>
<body>${body}
</body>
</html>
`;
}

/** Failed blocks by the Python error type of their best run (the ten most common, the rest together). */
function failureBars(blocks: Block[]): ChartBar[] {
  const counts = new Map<string, number>();
  for (const b of blocks) {
    if (levelOfBlock(b) !== 'failed') continue;
    const v = b.validation;
    const why = v?.error?.type ?? (v?.status === 'timeout' ? 'timeout' : (v?.status ?? 'failed'));
    counts.set(why, (counts.get(why) ?? 0) + 1);
  }
  const sorted = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const top = sorted.slice(0, 10).map(([label, count]) => ({ label, count, colour: '#d0463c' }));
  const rest = sorted.slice(10).reduce((s, [, c]) => s + c, 0);
  return rest ? [...top, { label: 'other', count: rest, colour: '#d0463c' }] : top;
}
