import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { REPORT_JS } from '../../src/report/assets.js';
import { escapeHtml, jsonForScript, safeUrl } from '../../src/report/escape.js';
import { reportPage } from '../../src/report/page.js';
import { HOSTILE, REPORT_LOCK, reportDomain, reportLibrary } from '../helpers/report-library.js';
import { domainSections } from '../../src/report/domain.js';

const page = () => reportPage({ library: reportLibrary(), lock: REPORT_LOCK, generator: '0.0.0-test', generatedAt: new Date(0) });

test('repository text never reaches the page as markup: two script elements, both ours', () => {
  const html = page();
  assert.equal(html.match(/<script\b/gi)?.length, 2, 'the blocks data and the page script only');
  assert.equal(html.match(/<\/script>/gi)?.length, 2);
  assert.ok(!html.includes(HOSTILE));
  assert.ok(!/<img\b/i.test(html), 'an <img> from a docstring stays text');
  assert.ok(html.includes(escapeHtml(`Doe, J. (2024). demolib. </pre></script>${HOSTILE}`)), 'the citation is shown, escaped');
  assert.ok(!html.includes('javascript:'), 'a javascript: link is dropped, not escaped into an href');
});

test('the blocks data reads back exactly, hostile text included', () => {
  const html = page();
  const m = /<script type="application\/json" id="blocks-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m);
  const rows = JSON.parse(m[1] ?? '') as Array<{ name: string; code: string; summary: string; level: string; url: string | null }>;
  assert.equal(rows.length, 6);
  const drag = rows.find((r) => r.name === 'demolib.core.drag_coefficient');
  assert.ok(drag?.code.includes('</script><script>window.__pwned = 3</script>'));
  assert.equal(drag?.url, null);
  assert.deepEqual(rows.map((r) => r.level).sort(), ['checked', 'failed', 'not_run', 'ran', 'ran', 'skipped']);
});

test('the Content-Security-Policy allows the page script by its hash and nothing from elsewhere', () => {
  const html = page();
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
  const hash = createHash('sha256').update(REPORT_JS, 'utf8').digest('base64');
  assert.match(csp, /default-src 'none'/);
  assert.ok(csp.includes(`script-src 'sha256-${hash}'`), csp);
  assert.ok(!/https?:\/\/(?!github\.com\/example)/.test(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')), 'no address but the repository');
});

test('the chart counts blocks by level and skipped blocks by reason; the lock and requirements are shown', () => {
  const html = page();
  for (const [label, n] of [['checked', 1], ['ran', 2], ['failed', 1], ['skipped', 1], ['not run', 1], ['missing dependency', 1], ['ValueError', 1]] as const) {
    assert.ok(html.includes(`data-label="${label}" data-count="${n}"`), `${label}: ${n}`);
  }
  assert.ok(html.includes('numpy==1.26.4'));
  assert.ok(html.includes('<code>numpy&gt;=1.20</code>'));
});

test('escape helpers', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  assert.equal(jsonForScript({ a: '</script>\u2028' }), '{"a":"\\u003c/script\\u003e\\u2028"}');
  assert.equal(JSON.parse(jsonForScript({ a: '</script>&' })).a, '</script>&');
  assert.equal(safeUrl('javascript:alert(1)'), null);
  assert.equal(safeUrl('file:///etc/passwd'), null);
  assert.equal(safeUrl('https://github.com/a/b#L1-L3'), 'https://github.com/a/b#L1-L3');
  assert.equal(safeUrl(null), null);
});

test('a Domain section per summary: query, repositories with licence, blocks, validated share and state, licences, patterns; all escaped', () => {
  const html = reportPage({ library: reportLibrary(), lock: REPORT_LOCK, generator: 'test', generatedAt: new Date(0), domains: [reportDomain(), reportDomain({ name: 'second', patterns: null })] });
  assert.equal(html.match(/<script\b/gi)?.length, 2, 'no script from a query, a licence or a template');
  assert.ok(!html.includes(HOSTILE));
  assert.equal(html.match(/<section class="domain"/g)?.length, 2);
  assert.ok(html.includes('<h2>Domain: fluids</h2>'));
  assert.ok(html.includes(escapeHtml(`packed bed ${HOSTILE} language:Python`)), 'the query, escaped');
  assert.ok(html.includes('<tr class="this"><td class="name">example/demolib</td><td>MIT</td><td>6</td><td>50%</td><td class="state state-done">done</td></tr>'), 'this library marked');
  assert.ok(html.includes(`<td class="name">evil/x</td><td>${escapeHtml(HOSTILE)}</td><td>–</td><td>–</td><td class="state state-failed">failed</td>`));
  assert.ok(html.includes(`<li><b>1</b>${escapeHtml(HOSTILE)}</li>`), 'the licences tally');
  const rfft = html.indexOf('fluids-patterns:fluids_patterns.numpy.fft.rfft');
  const fit = html.indexOf('fluids-patterns:fluids_patterns.scipy.optimize.curve_fit');
  assert.ok(rfft > 0 && fit > rfft, 'patterns by repositories, most first');
  assert.ok(html.includes('<td>3</td><td class="name"><code>fluids-patterns:fluids_patterns.numpy.fft.rfft</code></td>'));
  assert.ok(html.includes('No patterns step ran for this domain.'));
});

test('Domain sections: no summaries, no section; an empty patterns list says so', () => {
  assert.equal(domainSections([], 'demo-lib'), '');
  assert.ok(!page().includes('class="domain"'));
  const html = domainSections([reportDomain({ patterns: [], repositories: [] })], null);
  assert.match(html, /The libraries share no pattern yet\./);
  assert.match(html, /Discovery listed no repository\./);
  assert.ok(!html.includes('class="this"'));
});
