import type { CaseStudyRecord } from '@casebook/results';
import { BODY_TABLE_HEADER, BODY_TABLE_NOTE, bodyTableCells } from '../body-table';
import {
  type Citation,
  citationMarkdown,
  FASTEST_NOTE,
  measurementTableHeader,
  pairedRatioCell,
  ratioCell,
  VERSUS_NOTE,
} from '../cite';
import { num } from '../markdown';
import { attrs, escapeHtml as h, htmlTable, jsonForScript, page } from './html';
import { machineText, runHref, shortCommit } from './index-page';
import type { ReproductionSummary } from './reproductions';
import type { RunData } from './run-data';

/** A chart as the run page shows it: the vega-lite spec when it was committed, the PNG (page-relative) as fallback. */
export interface PageChart {
  name: string;
  alt: string;
  png: string | null;
  spec: unknown;
}

export interface RunPageInput {
  record: CaseStudyRecord;
  data: RunData;
  citation: Citation;
  charts: readonly PageChart[];
  reproductions: readonly ReproductionSummary[];
  /** The run of the same study just before this one (by start time), for the compare link. */
  previousRunId: string | null;
  /** Runs that have a page, so links to others (a replacement, a reproduction) are made only when they resolve. */
  knownRunIds: ReadonlySet<string>;
}

/** Script bundles every run page loads, in order (vega-lite and vega-embed need the global `vega`). */
export const RUN_PAGE_SCRIPTS = [
  'assets/vega.min.js',
  'assets/vega-lite.min.js',
  'assets/vega-embed.min.js',
  'assets/charts.js',
] as const;

const ROOT = '../../';

const evidenceValue = (v: string | number | boolean | null): string =>
  typeof v === 'number' ? num(v) : v === null ? '—' : String(v);

function statisticCell(s: RunData['claims'][number]['statistic']): string {
  if (s === null) return '—';
  const ci = s.ci95 === null ? 'no interval' : `95 % CI [${num(s.ci95[0])}, ${num(s.ci95[1])}]`;
  return `${h(s.name)}: <strong>${h(num(s.value))}</strong> <span class="ci">${h(ci)}</span>`;
}

function evidenceCell(evidence: CaseStudyRecord['verdicts'][number]['evidence']): string {
  const items = Object.entries(evidence).map(
    ([k, v]) => `<li><span class="k">${h(k)}</span> ${h(evidenceValue(v))}</li>`,
  );
  if (items.length === 0) return '—';
  return `<details><summary>${items.length} values</summary><ul class="evidence">${items.join('')}</ul></details>`;
}

function claimsSection(record: CaseStudyRecord, data: RunData, citation: Citation): string {
  const rows = record.verdicts.map((v, i) => [
    `<code>${h(v.id)}</code><div class="claim-text">${h(v.claim)}</div>`,
    h(v.kind),
    `<span class="outcome outcome-${h(v.outcome)}">${h(citation.verdicts[i]?.label ?? v.outcome)}</span>`,
    statisticCell(data.claims[i]?.statistic ?? null),
    evidenceCell(v.evidence),
  ]);
  const rowAttrs = record.verdicts.map((v) => attrs({ 'data-claim-id': v.id, 'data-outcome': v.outcome }));
  return `<section id="claims">\n<h2>Claims</h2>\n${htmlTable(['claim', 'kind', 'outcome', 'statistic', 'evidence'], rows, { className: 'claims', rowAttrs })}\n</section>`;
}

function measurementsSection(data: RunData, citation: Citation): string {
  // Rows of interleaved comparisons get the paired column (within one comparison), never "vs fastest"; a run's other
  // rows (phase method) keep "vs fastest" among themselves.
  const versus = citation.rows.some((r) => r.versus !== null);
  const ratio = !versus || citation.rows.some((r) => r.ratioToFastest !== null);
  const rows = citation.rows.map((r, i) => {
    const ci = data.measurements[i]?.throughputCi95 ?? null;
    return [
      h(r.status === 'completed' ? r.label : `${r.label} (${r.status})`),
      h(`${r.client} ${r.clientVersion}`),
      h(r.load),
      h(num(r.delayMs)),
      h(num(r.throughputRps)),
      h(ci === null ? '—' : `${num(ci[0])}–${num(ci[1])}`),
      h(r.throughputMinRps === null ? '—' : `${num(r.throughputMinRps)}–${num(r.throughputMaxRps)}`),
      ...(ratio ? [h(ratioCell(r))] : []),
      ...(versus ? [h(pairedRatioCell(r, citation.rows))] : []),
      h(num(r.p50Ms)),
      h(num(r.p99Ms)),
      h(num(r.cpuMicrosPerRequest)),
      h(String(r.errors)),
    ];
  });
  const header = measurementTableHeader({ ratio, versus, throughputCi: true });
  const rowAttrs = citation.rows.map((r) => attrs({ 'data-measurement': r.label }));
  return `<section id="measurements">
<h2>Key measurements</h2>
${htmlTable(header, rows, { className: 'measurements', rowAttrs })}
<p class="note">Throughput is the median over rounds or trials; ${[
    ...(ratio
      ? [
          h(
            `${FASTEST_NOTE} Only rows outside an interleaved comparison take part. A flagged measurement is shown, never compared.`,
          ),
        ]
      : []),
    ...(versus ? [h(VERSUS_NOTE)] : []),
  ].join(' ')}</p>
</section>`;
}

/** The body summaries of a bodies run (the same table as the citation's); nothing for other runs. */
function bodiesSection(citation: Citation): string {
  if (citation.bodies.length === 0) return '';
  const rows = citation.bodies.map((s) => bodyTableCells(s).map((c) => h(c)));
  const rowAttrs = citation.bodies.map((s) =>
    attrs({ 'data-body': `${s.direction}|${s.client}|${s.bytes}|${s.mode}` }),
  );
  return `<section id="bodies">
<h2>Bodies</h2>
${htmlTable([...BODY_TABLE_HEADER], rows, { className: 'bodies', rowAttrs })}
<p class="note">${h(BODY_TABLE_NOTE)}</p>
</section>`;
}

function chartsSection(charts: readonly PageChart[]): string {
  if (charts.length === 0) return '';
  const figures = charts.map((c, i) => {
    const png = c.png === null ? null : h(c.png);
    const noscript = png === null ? '' : `<noscript><img src="${png}" alt="${h(c.alt)}"></noscript>`;
    const spec =
      c.spec === null ? '' : `<script type="application/json" id="spec-${i}">${jsonForScript(c.spec)}</script>`;
    return `<figure class="chart" id="chart-${h(c.name)}">
<div class="chart-view"${attrs({ 'data-spec': c.spec === null ? null : `spec-${i}`, 'data-png': c.png, 'data-alt': c.alt })}></div>
${spec}
${noscript}
<figcaption>${h(c.alt)}</figcaption>
</figure>`;
  });
  return `<section id="charts">\n<h2>Charts</h2>\n${figures.join('\n')}\n</section>`;
}

function environmentSection(citation: Citation): string {
  const e = citation.environment;
  const versions = Object.entries(e.clientVersions).map(([k, v]) => `${k} ${v}`);
  const commit = citation.git.commit ?? 'unknown';
  const dirty = citation.git.dirty === true ? ' (dirty)' : citation.git.dirty === null ? ' (dirty: unknown)' : '';
  const rows = [
    ['Node / V8', `${e.node} / ${e.v8}`],
    ['OS', e.os],
    ['CPU', e.cpu],
    ['Memory', `${e.memoryGiB} GiB`],
    ['Pinning', e.pinning],
    ['UV_THREADPOOL_SIZE', e.uvThreadpoolSize ?? 'default'],
    ['Clients', versions.join(', ')],
    ['Commit', `${commit}${dirty}`],
  ].map(([k, v]) => [h(k ?? ''), h(v ?? '')]);
  return `<section id="environment">\n<h2>Environment</h2>\n${htmlTable(['', ''], rows, { className: 'environment' })}\n</section>`;
}

function reproductionsSection(input: RunPageInput): string {
  const items = input.reproductions.map((r) => {
    const target = r.reproducedRunId;
    const run =
      target !== null && input.knownRunIds.has(target)
        ? ` — run <a href="${h(runHref(ROOT, target))}">${h(target)}</a>`
        : target === null
          ? ''
          : ` — run <code>${h(target)}</code>`;
    const when = r.createdAt === null ? '' : ` (${h(r.createdAt.slice(0, 10))})`;
    return `<li data-reproduction-id="${h(r.runId)}"><code>${h(r.runId)}</code>${when}: ${h(r.summary ?? 'no summary')}${run}</li>`;
  });
  const list =
    items.length === 0
      ? `<p class="empty">None recorded yet. Reproduce this run on your machine and publish the result:
<code>npx casebook reproduce ${h(input.data.runId)}</code>.</p>`
      : `<ul>\n${items.join('\n')}\n</ul>`;
  return `<section id="reproductions">\n<h2>Reproductions</h2>\n${list}\n</section>`;
}

export function runPage(input: RunPageInput): string {
  const { record: r, data, citation } = input;
  const s = data.supersededBy;
  const banner =
    s === null
      ? ''
      : `<p class="superseded-banner" data-superseded-by="${h(s.runId)}">Superseded by ${
          input.knownRunIds.has(s.runId)
            ? `<a href="${h(runHref(ROOT, s.runId))}">${h(s.runId)}</a>`
            : `<code>${h(s.runId)}</code>`
        }: ${h(s.reason)} (corrected ${h(s.date)})</p>`;
  const compare =
    input.previousRunId === null
      ? '<p>This is the first committed run of this study.</p>'
      : `<p><a class="compare-link" href="${h(`${ROOT}compare.html?a=${encodeURIComponent(input.previousRunId)}&b=${encodeURIComponent(data.runId)}`)}">Compare with the previous run of this study (${h(input.previousRunId)})</a></p>`;
  const body = `<main data-run-id="${h(data.runId)}" data-case-study="${h(r.caseStudy)}">
<h1>${h(r.title)} <code>${h(data.runId)}</code></h1>
${banner}
<p class="summary">${h(`${r.startedAt.slice(0, 10)} · profile ${r.profile} · ${r.status} · ${machineText(data.environment)} · commit ${shortCommit(data.commit)}`)}</p>
<p class="headline">${h(citation.claim.replace(/\*\*|`/g, ''))}</p>
${compare}
${claimsSection(r, data, citation)}
${measurementsSection(data, citation)}
${bodiesSection(citation)}
${chartsSection(input.charts)}
${environmentSection(citation)}
<section id="rerun">
<h2>Rerun</h2>
<pre><code>${h(citation.rerun)}</code></pre>
</section>
<section id="cite">
<h2>Cite</h2>
<p>Paste into a GitHub issue (the same text as <code>npx casebook cite ${h(data.runId)}</code>):</p>
<textarea class="cite-markdown" readonly rows="12">${h(citationMarkdown(citation))}</textarea>
</section>
${reproductionsSection(input)}
<p><a href="${h(ROOT)}data/${h(encodeURIComponent(data.runId))}.json">This run as JSON</a></p>
</main>`;
  return page({
    title: `${r.title} — ${data.runId}`,
    root: ROOT,
    body,
    scripts: r.charts.length > 0 ? RUN_PAGE_SCRIPTS : [],
  });
}
