/** The report's validation chart: inline SVG (no script, no external file), drawn from counts. */
import { escapeHtml } from './escape.js';

export interface ChartBar {
  label: string;
  count: number;
  colour: string;
}

/**
 * Horizontal bars, one per label, scaled to the largest count, with the count and its share written beside
 * each; `title` is the chart's accessible name.
 */
export function barChart(title: string, bars: ChartBar[], opts: { width?: number } = {}): string {
  const width = opts.width ?? 560;
  const labelWidth = 150;
  const valueWidth = 110;
  const row = 26;
  const barMax = width - labelWidth - valueWidth;
  const total = bars.reduce((s, b) => s + b.count, 0);
  const max = Math.max(1, ...bars.map((b) => b.count));
  const height = Math.max(1, bars.length) * row + 8;
  const rows = bars.map((b, i) => {
    const y = 4 + i * row;
    const w = b.count ? Math.max(2, Math.round((b.count / max) * barMax)) : 0;
    const share = total ? `${Math.round((b.count * 100) / total)}%` : '0%';
    return (
      `<g class="bar" data-label="${escapeHtml(b.label)}" data-count="${b.count}">` +
      `<text x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${escapeHtml(b.label)}</text>` +
      `<rect x="${labelWidth}" y="${y + 3}" width="${w}" height="${row - 8}" rx="3" fill="${escapeHtml(b.colour)}"><title>${escapeHtml(`${b.label}: ${b.count}`)}</title></rect>` +
      `<text x="${labelWidth + w + 6}" y="${y + 16}">${b.count} (${share})</text>` +
      '</g>'
    );
  });
  return (
    `<svg class="chart" role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">` +
    `<title>${escapeHtml(title)}</title>${rows.join('')}</svg>`
  );
}
