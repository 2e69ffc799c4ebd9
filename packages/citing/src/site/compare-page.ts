import { escapeHtml as h, page } from './html';

/**
 * compare.html?a=<run-id>&b=<run-id>: the selection lives in the URL (as in rustc-perf's compare?start=&end=), and
 * there is no server: the page's script fetches data/<id>.json for both runs and renders them side by side. The
 * form's choices are written in at build time; everything read from the JSON is set with textContent, never HTML.
 */
export function comparePage(runs: readonly { runId: string; label: string }[]): string {
  const options = runs.map((r) => `<option value="${h(r.runId)}">${h(r.label)}</option>`).join('\n');
  const body = `<main id="compare">
<h1>Compare two runs</h1>
<form method="get" action="compare.html" class="pick">
<label>a (before) <input name="a" list="run-ids" required pattern="[a-z0-9][a-z0-9-]*-[0-9a-f]{8}"></label>
<label>b (after) <input name="b" list="run-ids" required pattern="[a-z0-9][a-z0-9-]*-[0-9a-f]{8}"></label>
<button type="submit">compare</button>
<datalist id="run-ids">
${options}
</datalist>
</form>
<p id="compare-status">Choose two runs (the URL keeps the choice, so the page can be linked).</p>
<div id="compare-result"></div>
<noscript><p>This page needs JavaScript: it reads data/&lt;run-id&gt;.json for the two runs named in its URL.</p></noscript>
</main>`;
  return page({ title: 'Compare runs — Concurrency Casebook', root: '', body, scripts: ['assets/compare.js'] });
}

/** assets/compare.js: plain ES2017 for any current browser; no library. */
export const COMPARE_SCRIPT = `// Reads ?a=<run-id>&b=<run-id>, fetches data/<id>.json for both, renders them side by side.
(function () {
  'use strict';
  var RUN_ID = /^[a-z0-9][a-z0-9-]*-[0-9a-f]{8}$/;
  var params = new URLSearchParams(window.location.search);
  var a = params.get('a');
  var b = params.get('b');
  var status = document.getElementById('compare-status');
  var out = document.getElementById('compare-result');
  var form = document.querySelector('form.pick');
  if (a !== null) form.elements.a.value = a;
  if (b !== null) form.elements.b.value = b;
  if (a === null || b === null) return;
  if (!RUN_ID.test(a) || !RUN_ID.test(b)) {
    status.textContent = 'Not run ids: a=' + a + ', b=' + b + ' (expected e.g. http2-1a2b3c4d).';
    return;
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function num(x) {
    if (x === null || x === undefined || !isFinite(x)) return '\\u2014';
    return Math.abs(x) >= 1e4 ? String(Math.round(x)) : String(Number(x.toPrecision(4)));
  }
  function ci(c) { return c ? '[' + num(c[0]) + ', ' + num(c[1]) + ']' : ''; }
  function table(header, rows) {
    var t = el('table');
    var tr = el('tr');
    header.forEach(function (h) { tr.appendChild(el('th', h)); });
    var thead = el('thead');
    thead.appendChild(tr);
    t.appendChild(thead);
    var tbody = el('tbody');
    rows.forEach(function (r) {
      var row = el('tr', null, r.cls || '');
      r.cells.forEach(function (c) { row.appendChild(el('td', c)); });
      tbody.appendChild(row);
    });
    t.appendChild(tbody);
    return t;
  }
  function load(id) {
    return fetch('data/' + encodeURIComponent(id) + '.json').then(function (r) {
      if (!r.ok) throw new Error('no committed run ' + id + ' (data/' + id + '.json: HTTP ' + r.status + ')');
      return r.json();
    });
  }
  function runLink(d) {
    var p = el('p');
    var link = el('a', d.runId);
    link.href = 'runs/' + encodeURIComponent(d.runId) + '/index.html';
    p.appendChild(link);
    p.appendChild(document.createTextNode(' \\u00b7 ' + d.title + ' \\u00b7 ' + d.startedAt.slice(0, 10) +
      ' \\u00b7 profile ' + d.profile + ' \\u00b7 commit ' + (d.commit ? d.commit.slice(0, 12) : 'unknown') +
      ' \\u00b7 ' + d.environment.cpuModel + ' \\u00d7 ' + d.environment.cpuCores + ', Node ' + d.environment.node));
    if (d.supersededBy) p.appendChild(el('span', ' (superseded by ' + d.supersededBy.runId + ')', 'superseded-note'));
    return p;
  }
  function render(da, db) {
    out.textContent = '';
    var head = el('section');
    head.appendChild(el('h2', 'Runs'));
    var la = el('div'); la.appendChild(el('strong', 'a: ')); la.appendChild(runLink(da)); head.appendChild(la);
    var lb = el('div'); lb.appendChild(el('strong', 'b: ')); lb.appendChild(runLink(db)); head.appendChild(lb);
    if (da.caseStudy !== db.caseStudy)
      head.appendChild(el('p', 'Different case studies: only claims and measurements with the same id or label line up.', 'warning'));
    out.appendChild(head);

    var byId = {};
    da.claims.forEach(function (c) { byId[c.id] = { a: c, b: null }; });
    db.claims.forEach(function (c) { (byId[c.id] = byId[c.id] || { a: null, b: null }).b = c; });
    var claimRows = Object.keys(byId).map(function (id) {
      var p = byId[id];
      var oa = p.a ? p.a.outcome : 'missing';
      var ob = p.b ? p.b.outcome : 'missing';
      var st = function (c) { return c && c.statistic ? num(c.statistic.value) + ' ' + ci(c.statistic.ci95) : ''; };
      return { cls: oa === ob ? 'same' : 'different', cells: [id, (p.a || p.b).kind, oa, st(p.a), ob, st(p.b), oa === ob ? 'same' : 'different'] };
    });
    var claims = el('section');
    claims.appendChild(el('h2', 'Claims'));
    claims.appendChild(table(['claim', 'kind', 'outcome a', 'statistic a', 'outcome b', 'statistic b', ''], claimRows));
    out.appendChild(claims);

    var mb = {};
    db.measurements.forEach(function (m) { mb[m.label] = m; });
    var rows = da.measurements.filter(function (m) { return mb[m.label]; }).map(function (m) {
      var n = mb[m.label];
      var ok = m.status === 'completed' && n.status === 'completed' && m.throughputRps > 0;
      return { cells: [m.label, num(m.throughputRps) + ' ' + ci(m.throughputCi95), num(n.throughputRps) + ' ' + ci(n.throughputCi95),
        ok ? (n.throughputRps / m.throughputRps).toFixed(2) + '\\u00d7' : '\\u2014',
        num(m.cpuMicrosPerRequest), num(n.cpuMicrosPerRequest),
        ok && m.cpuMicrosPerRequest > 0 ? (n.cpuMicrosPerRequest / m.cpuMicrosPerRequest).toFixed(2) + '\\u00d7' : '\\u2014'] };
    });
    var ms = el('section');
    ms.appendChild(el('h2', 'Measurements with the same label'));
    ms.appendChild(rows.length === 0 ? el('p', 'No measurement label appears in both runs.')
      : table(['measurement', 'throughput a (req/s) [95 % CI]', 'throughput b', 'b/a', 'CPU a (\\u00b5s/req)', 'CPU b', 'b/a'], rows));
    ms.appendChild(el('p', 'A ratio of two medians, not a test: use npx casebook compare ' + da.runId + ' ' + db.runId + ' for a bootstrap interval.', 'note'));
    out.appendChild(ms);
    status.textContent = 'a = ' + da.runId + ', b = ' + db.runId;
  }
  status.textContent = 'Loading ' + a + ' and ' + b + '\\u2026';
  Promise.all([load(a), load(b)]).then(function (d) { render(d[0], d[1]); }, function (e) {
    status.textContent = String(e && e.message ? e.message : e);
  });
})();
`;
