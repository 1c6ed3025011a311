/**
 * The report page's own style and script, inlined into the page (one file, opened from disk, no network). The
 * script reads the blocks from a JSON element and writes them with textContent only: nothing from the
 * repository is ever parsed as HTML. The page's Content-Security-Policy allows exactly this script (by hash).
 */

export const REPORT_CSS = `
:root { --fg: #1d232a; --muted: #5b6570; --line: #d9dee3; --bg: #fff; --soft: #f4f6f8; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); margin: 0; }
header, main { max-width: 1200px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 24px; }
h1 { margin: 0 0 4px; font-size: 26px; }
h2 { font-size: 19px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.meta { color: var(--muted); margin: 0; }
.meta span + span::before { content: " · "; }
a { color: var(--accent); }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow: auto; max-height: 420px; font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre; }
pre.wrap { white-space: pre-wrap; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 0 32px; }
.chart text { font: 13px system-ui, sans-serif; fill: var(--fg); }
.figures { display: flex; flex-wrap: wrap; gap: 10px; margin: 8px 0 14px; padding: 0; list-style: none; }
.figures li { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; }
.figures b { font-size: 18px; display: block; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--soft); position: sticky; top: 0; cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort="ascending"]::after { content: " ▲"; }
th[aria-sort="descending"]::after { content: " ▼"; }
tbody tr { cursor: pointer; }
tbody tr:hover, tbody tr:focus { background: #eef4fb; outline: none; }
td.name { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; word-break: break-all; }
.lvl { font-weight: 600; }
.lvl-checked { color: #1b7a3a; } .lvl-ran { color: #2f6db3; } .lvl-failed { color: #b3261e; } .lvl-skipped { color: #8a6d00; } .lvl-not_run { color: var(--muted); }
.controls { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin: 8px 0; }
.controls input[type=search] { flex: 1 1 320px; padding: 6px 10px; font-size: 15px; border: 1px solid var(--line); border-radius: 6px; }
.controls select { padding: 5px; font-size: 14px; }
#shown { color: var(--muted); }
dialog { width: min(1000px, 94vw); max-height: 90vh; border: 1px solid var(--line); border-radius: 8px; padding: 16px 20px; }
dialog::backdrop { background: rgba(20, 30, 40, 0.35); }
dialog h3 { margin: 0 0 6px; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-all; }
dialog .close { float: right; }
li, code { overflow-wrap: anywhere; }
section.domain tbody tr { cursor: default; }
section.domain tr.this { background: #eef4fb; }
section.domain pre { max-height: 160px; margin: 0; }
footer { color: var(--muted); max-width: 1200px; margin: 30px auto; padding: 0 20px; font-size: 13px; }
`;

export const REPORT_JS = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('blocks-data').textContent);
  var tbody = document.getElementById('rows');
  var search = document.getElementById('search');
  var levelSel = document.getElementById('level');
  var kindSel = document.getElementById('kind');
  var shown = document.getElementById('shown');
  var dialog = document.getElementById('block');
  var sortKey = 'rank';
  var sortDir = -1;
  function set(id, text) { document.getElementById(id).textContent = text; }
  function open(b) {
    set('d-name', b.name);
    set('d-meta', b.kind + ' · ' + b.levelText + ' · ' + b.where);
    set('d-sig', b.signature);
    set('d-doc', b.docstring || '(no docstring)');
    set('d-code', b.code);
    set('d-example', b.example ? b.example.code : '(no example)');
    set('d-example-meta', b.example ? b.example.about : '');
    set('d-output', b.example && b.example.output ? b.example.output : '');
    document.getElementById('d-output-box').hidden = !(b.example && b.example.output);
    var link = document.getElementById('d-link');
    if (b.url) { link.href = b.url; link.hidden = false; } else { link.removeAttribute('href'); link.hidden = true; }
    if (dialog.showModal) dialog.showModal(); else dialog.setAttribute('open', '');
  }
  var rows = data.map(function (b) {
    var tr = document.createElement('tr');
    tr.tabIndex = 0;
    var cells = [[b.name, 'name'], [b.kind, ''], [b.levelText, 'lvl lvl-' + b.level], [b.source || '', ''], [b.rank.toFixed(3), ''], [b.summary, '']];
    cells.forEach(function (c) {
      var td = document.createElement('td');
      td.textContent = c[0];
      if (c[1]) td.className = c[1];
      tr.appendChild(td);
    });
    tr.addEventListener('click', function () { open(b); });
    tr.addEventListener('keydown', function (e) { if (e.key === 'Enter') open(b); });
    return { b: b, tr: tr, text: (b.name + ' ' + b.summary + ' ' + (b.docstring || '')).toLowerCase() };
  });
  function compare(x, y) {
    var a = x.b[sortKey], c = y.b[sortKey];
    var d = typeof a === 'number' ? a - c : String(a).localeCompare(String(c));
    return d * sortDir || x.b.name.localeCompare(y.b.name);
  }
  function apply() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var level = levelSel.value, kind = kindSel.value;
    var list = rows.filter(function (r) {
      return (!level || r.b.level === level) && (!kind || r.b.kind === kind) &&
        words.every(function (w) { return r.text.indexOf(w) >= 0; });
    });
    list.sort(compare);
    tbody.replaceChildren.apply(tbody, list.map(function (r) { return r.tr; }));
    shown.textContent = list.length + ' of ' + rows.length + ' blocks';
  }
  Array.prototype.forEach.call(document.querySelectorAll('th[data-key]'), function (th) {
    th.addEventListener('click', function () {
      var key = th.getAttribute('data-key');
      if (key === sortKey) sortDir = -sortDir; else { sortKey = key; sortDir = key === 'rank' ? -1 : 1; }
      Array.prototype.forEach.call(document.querySelectorAll('th[data-key]'), function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', sortDir > 0 ? 'ascending' : 'descending');
      apply();
    });
  });
  search.addEventListener('input', apply);
  levelSel.addEventListener('change', apply);
  kindSel.addEventListener('change', apply);
  document.getElementById('d-close').addEventListener('click', function () { dialog.close(); });
  apply();
})();
`;
