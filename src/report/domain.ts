/**
 * The report page's Domain sections: one per domain summary in the home (<home>/domains/<name>.json, written by
 * `codedistill domain`): its query, its repositories with licence, blocks, validated share and state, the
 * licences tally, and the patterns its libraries share most, each with its block id. Every string from a
 * summary (repository names, queries, pattern templates) goes in through escapeHtml.
 */
import type { DomainSummary } from '../domain/domain-summary.js';
import { escapeHtml } from './escape.js';

/** Patterns shown per domain; the pattern library has them all. */
const MAX_PATTERNS = 20;

const share = (validated: number | null, blocks: number | null) => (blocks && validated !== null ? `${Math.round((validated * 100) / blocks)}%` : '–');

function domainSection(d: DomainSummary, index: number, library: string | null): string {
  const rows = d.repositories.map((r) => {
    const mine = library !== null && r.library === library;
    return (
      `<tr${mine ? ' class="this"' : ''}><td class="name">${escapeHtml(r.repo)}</td><td>${escapeHtml(r.licence ?? 'none')}</td>` +
      `<td>${r.blocks ?? '–'}</td><td>${share(r.validated, r.blocks)}</td><td class="state state-${escapeHtml(r.state.replace(/[^a-z]+/gi, '_'))}">${escapeHtml(r.state)}</td></tr>`
    );
  });
  const licences = Object.entries(d.licences)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, n]) => `<li><b>${n}</b>${escapeHtml(k)}</li>`);
  const patterns = [...(d.patterns ?? [])].sort((a, b) => b.repos - a.repos || b.blocks - a.blocks).slice(0, MAX_PATTERNS);
  const patternPart =
    d.patterns === null
      ? '<p class="meta">No patterns step ran for this domain.</p>'
      : patterns.length
        ? `<table class="domain-patterns"><thead><tr><th>idiom</th><th>repositories</th><th>pattern</th></tr></thead><tbody>${patterns
            .map(
              (p) =>
                `<tr><td><pre>${escapeHtml(p.template)}</pre></td><td>${p.repos}</td><td class="name"><code>${escapeHtml(p.id)}</code>${p.ran ? '' : ' <span class="meta">(representative not run)</span>'}</td></tr>`,
            )
            .join('')}</tbody></table>` +
          `<p class="meta">Open one with <code>codedistill report ${escapeHtml(d.name)}-patterns</code> or get_pattern with its id.</p>`
        : '<p class="meta">The libraries share no pattern yet.</p>';
  return `
  <section class="domain" id="domain-${index}">
    <h2>Domain: ${escapeHtml(d.name)}</h2>
    <p class="meta"><span>query <code class="domain-query">${escapeHtml(d.query)}</code></span><span>${d.repositories.length} repositories</span><span>${d.batch.byState.done ?? 0} done, ${d.batch.byState.failed ?? 0} failed</span><span>${Math.round(d.batch.validatedShare * 100)}% validated</span><span>mined ${escapeHtml(d.createdAt)}</span></p>
    <div class="grid">
      <div><h3>Repositories</h3>${
        rows.length
          ? `<table class="domain-repos"><thead><tr><th>repository</th><th>licence</th><th>blocks</th><th>validated</th><th>status</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
          : '<p class="meta">Discovery listed no repository.</p>'
      }</div>
      <div><h3>Licences</h3>${licences.length ? `<ul class="figures domain-licences">${licences.join('')}</ul>` : '<p class="meta">No licence counted.</p>'}</div>
    </div>
    <h3>Most used patterns</h3>${patternPart}
  </section>`;
}

/** The Domain sections of a report page; `library` (the page's own) is marked in the repository tables. */
export function domainSections(domains: readonly DomainSummary[], library: string | null): string {
  return domains.map((d, i) => domainSection(d, i, library)).join('');
}
