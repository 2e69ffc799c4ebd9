import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildCitation,
  buildSite,
  citationMarkdown,
  escapeHtml,
  listRecords,
  measurementTableHeader,
  type SiteBuild,
} from '@casebook/citing';
import { type CaseStudyRecord, readCorrections } from '@casebook/results';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

/**
 * `casebook site` built from the committed records into a temp folder, read back as files: no server, no browser, no
 * process. (A browser test that waits for the `.vega-embed` views comes separately.)
 */

const REPO = path.resolve(__dirname, '..');
const RESULTS = path.join(REPO, 'results');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-site-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const read = (...parts: string[]): string => fs.readFileSync(path.join(...parts), 'utf8');
const studies = listRecords(RESULTS).flatMap((r) => (r.kind === 'case-study' ? [r.record] : []));

describe('escapeHtml', () => {
  test('escapes the five characters that can end text or an attribute', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
    expect(escapeHtml('plain 512 × 2 — µs')).toBe('plain 512 × 2 — µs');
  });
});

describe('measurementTableHeader: one header for the citation and the run page', () => {
  test('the citation: spread, and "vs fastest" only when asked', () => {
    expect(measurementTableHeader({ ratio: false })).toEqual([
      'measurement',
      'client',
      'load',
      'think-time (ms)',
      'throughput (req/s, median)',
      'spread (min–max)',
      'p50 (ms)',
      'p99 (ms)',
      'CPU (µs/req)',
      'errors',
    ]);
    expect(measurementTableHeader({ ratio: true })).toContain('vs fastest');
  });

  test('the run page: the interval of the median, then min–max, then "vs fastest"', () => {
    expect(measurementTableHeader({ ratio: true, throughputCi: true }).slice(4, 8)).toEqual([
      'throughput (req/s, median)',
      '95 % CI of the median',
      'min–max',
      'vs fastest',
    ]);
  });
});

describe('site from the committed results', () => {
  const out = path.join(tmp, 'site');
  let built: SiteBuild;
  beforeAll(() => {
    built = buildSite({ resultsDir: RESULTS, outDir: out });
  });

  test('one page and one data file per committed case-study run, plus index and compare', () => {
    expect(studies.length).toBeGreaterThan(0);
    expect(built.runs).toBe(studies.length);
    expect(built.pages).toBe(studies.length + 2);
    for (const f of ['vega.min.js', 'vega-lite.min.js', 'vega-embed.min.js', 'charts.js', 'compare.js', 'site.css'])
      expect(fs.existsSync(path.join(out, 'assets', f)), f).toBe(true);
  });

  test('every run page names its run and every claim id, and is listed on the index', () => {
    const index = read(out, 'index.html');
    for (const r of studies) {
      const html = read(out, 'runs', r.runId, 'index.html');
      expect(html).toContain(`data-run-id="${r.runId}"`);
      for (const v of r.verdicts) expect(html, `${r.runId} ${v.id}`).toContain(`data-claim-id="${escapeHtml(v.id)}"`);
      expect(html).toContain(`npx casebook run ${r.caseStudy} --profile ${r.profile}`);
      expect(html).toContain('id="reproductions"');
      for (const c of r.charts) expect(html).toContain(`id="chart-${escapeHtml(c.name)}"`);
      expect(index).toContain(`data-run-id="${r.runId}"`);
    }
  });

  test("the run page's key table and the citation's share their column names", () => {
    const loaded = listRecords(RESULTS).find((r) => r.kind === 'case-study' && r.record.measurements.length > 0);
    if (loaded === undefined) throw new Error('no committed case-study run with measurements');
    const html = read(out, 'runs', loaded.record.runId, 'index.html');
    const citation = buildCitation(loaded, { repoRoot: REPO, corrections: readCorrections(RESULTS) });
    const ratio = citation.rows.some((r) => r.ratioToFastest !== null);
    // Rows of interleaved comparisons: the paired column; the run page keeps "vs fastest" for the other rows.
    const versus = citation.rows.some((r) => r.versus !== null);
    const th = measurementTableHeader({ ratio: !versus || ratio, versus, throughputCi: true }).map(
      (c) => `<th>${escapeHtml(c)}</th>`,
    );
    expect(html).toContain(`<table class="measurements">\n<thead><tr>${th.join('')}</tr></thead>`);
    expect(citationMarkdown(citation)).toContain(`\n| ${measurementTableHeader({ ratio, versus }).join(' | ')} |\n`);
  });

  test('charts embed their vega-lite spec with the committed PNG as fallback', () => {
    const withChart = studies.find((r) => r.charts.length > 0);
    expect(withChart).toBeDefined();
    if (withChart === undefined) return;
    const html = read(out, 'runs', withChart.runId, 'index.html');
    expect(html).toMatch(/<div class="chart-view" data-spec="spec-0" data-png="charts\/[^"]+\.png"/);
    expect(html).toContain('<noscript><img src="charts/');
    expect(html).toContain('<script src="../../assets/vega-embed.min.js"></script>');
    const png = /data-png="(charts\/[^"]+)"/.exec(html)?.[1];
    expect(png && fs.existsSync(path.join(out, 'runs', withChart.runId, decodeURIComponent(png)))).toBe(true);
  });

  test('superseded runs are marked with their replacement on the index and on their page', () => {
    const ids = new Set(studies.map((r) => r.runId));
    const corrections = readCorrections(RESULTS).filter((c) => ids.has(c.runId));
    expect(corrections.length).toBeGreaterThan(0);
    const index = read(out, 'index.html');
    for (const c of corrections) {
      expect(index).toContain(`data-run-id="${c.runId}" class="superseded" data-superseded-by="${c.supersededBy}"`);
      const html = read(out, 'runs', c.runId, 'index.html');
      expect(html).toContain(`class="superseded-banner" data-superseded-by="${c.supersededBy}"`);
      expect(html).toContain(escapeHtml(c.reason));
    }
  });

  test('data/<run-id>.json parses and carries claims, measurements and environment', () => {
    for (const r of studies) {
      const data: unknown = JSON.parse(read(out, 'data', `${r.runId}.json`));
      expect(data).toMatchObject({
        runId: r.runId,
        caseStudy: r.caseStudy,
        environment: { node: r.environment.node, cpuCores: r.environment.cpuCores },
      });
      expect(data).toHaveProperty('claims.length', r.verdicts.length);
      expect(data).toHaveProperty('measurements.length', r.measurements.length);
    }
  });

  test('compare.html reads a and b from its URL and fetches data/<id>.json; run pages link to it', () => {
    const html = read(out, 'compare.html');
    expect(html).toContain('<script src="assets/compare.js"></script>');
    const script = read(out, 'assets', 'compare.js');
    expect(script).toContain("params.get('a')");
    expect(script).toContain("params.get('b')");
    expect(script).toContain("fetch('data/'");
    const study = studies[0]?.caseStudy;
    const runsOfStudy = studies
      .filter((r) => r.caseStudy === study)
      .sort((x, y) => x.startedAt.localeCompare(y.startedAt));
    const [older, newer] = runsOfStudy;
    if (older === undefined || newer === undefined) return;
    expect(read(out, 'runs', newer.runId, 'index.html')).toContain(
      `../../compare.html?a=${older.runId}&amp;b=${newer.runId}`,
    );
  });

  test('a rebuild clears the folder it wrote, and a folder it did not write is refused', () => {
    fs.writeFileSync(path.join(out, 'stale.html'), 'old');
    buildSite({ resultsDir: RESULTS, outDir: out });
    expect(fs.existsSync(path.join(out, 'stale.html'))).toBe(false);
    const other = fs.mkdtempSync(path.join(tmp, 'other-'));
    fs.writeFileSync(path.join(other, 'keep.txt'), 'mine');
    expect(() => buildSite({ resultsDir: RESULTS, outDir: other })).toThrow(/--out.*not written by `casebook site`/);
    expect(fs.existsSync(path.join(other, 'keep.txt'))).toBe(true);
  });
});

describe('site escapes what records say', () => {
  const HOSTILE = '<img src=x onerror="alert(1)">';
  const SCRIPT_END = '</script><script>alert(2)</script>';
  const results = path.join(tmp, 'hostile-results');
  const out = path.join(tmp, 'hostile-site');
  let runId = '';
  beforeAll(() => {
    const source = studies.find((r) => r.charts.length > 0 && r.measurements.length > 0 && r.verdicts.length > 0);
    if (source === undefined) throw new Error('no committed case-study run with charts, measurements and verdicts');
    runId = source.runId;
    const from = path.join(RESULTS, source.caseStudy, runId);
    const to = path.join(results, source.caseStudy, runId);
    fs.cpSync(from, to, { recursive: true });
    const file = path.join(to, 'record.json');
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as CaseStudyRecord;
    const [m] = record.measurements;
    const [v] = record.verdicts;
    const [c] = record.charts;
    if (m === undefined || v === undefined || c === undefined) throw new Error('unreachable');
    m.label = HOSTILE;
    v.claim = SCRIPT_END;
    v.evidence = { [HOSTILE]: SCRIPT_END };
    c.alt = HOSTILE;
    fs.writeFileSync(file, JSON.stringify(record, null, 2));
    const spec = path.join(to, 'charts', `${c.name}.vl.json`);
    const vl = JSON.parse(fs.readFileSync(spec, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(spec, JSON.stringify({ ...vl, description: SCRIPT_END }));
    buildSite({ resultsDir: results, outDir: out });
  });

  test('a hostile label, claim, evidence key and chart text reach the page only escaped', () => {
    const html = read(out, 'runs', runId, 'index.html');
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain(SCRIPT_END);
    expect(html).toContain(escapeHtml(HOSTILE));
    expect(html).toContain(escapeHtml(SCRIPT_END));
    // Inside the spec's <script type="application/json"> block `<` is \u003c, so the block cannot be ended early.
    expect(html).toContain('\\u003c/script>\\u003cscript>alert(2)\\u003c/script>');
    const data = JSON.parse(read(out, 'data', `${runId}.json`)) as { measurements: { label: string }[] };
    expect(data.measurements[0]?.label).toBe(HOSTILE);
  });
});
