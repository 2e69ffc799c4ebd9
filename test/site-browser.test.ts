import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSite, listRecords } from '@casebook/citing';
import { type CaseStudyRecord, readCorrections } from '@casebook/results';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { findChromium, launchChromium, type StaticServer, serveStatic } from './browser';

/**
 * The results site in a real browser: `casebook site` built from the committed records into a temp folder, served
 * on loopback as a static host would, and opened in headless Chromium (Debian's, through playwright-core). It checks
 * what a file read cannot: that vega-embed really draws every chart, that no page logs an error, that the links a
 * reader follows resolve, and that the compare page loads the two runs its URL names. Without Chromium the tests are
 * skipped with the reason printed; `npm test` still passes.
 */

const REPO = path.resolve(__dirname, '..');
const RESULTS = path.join(REPO, 'results');
/** Screenshots stay after the run for a person to look at (git-ignored). */
const SCREENSHOTS = path.join(REPO, '.casebook-tmp', 'site-browser');
/** vega-embed draws a chart in well under a second here; this only bounds a page that never draws. */
const CHART_TIMEOUT_MS = 15_000;

/**
 * Per chart view, the drawn vega marks (paths, lines, rects of `role-mark` groups) that have an area: an empty frame
 * has none. A string, evaluated in the page: the tests are type-checked without the DOM library.
 */
const MARKS_PER_CHART = `Array.from(document.querySelectorAll('.chart-view')).map((v) =>
  Array.from(v.querySelectorAll('svg .role-mark path, svg .role-mark line, svg .role-mark rect')).filter((m) => {
    const box = m.getBoundingClientRect();
    return box.width > 0 || box.height > 0;
  }).length)`;

const studies = listRecords(RESULTS).flatMap((r) => (r.kind === 'case-study' ? [r.record] : []));
const chromiumPath = findChromium();
if (chromiumPath.path === null) process.stdout.write(`site browser tests skipped: ${chromiumPath.reason}\n`);

/** The newest run of each case study (what a reader lands on from the index). */
function newestPerStudy(records: readonly CaseStudyRecord[]): CaseStudyRecord[] {
  const newest = new Map<string, CaseStudyRecord>();
  for (const r of records) {
    const seen = newest.get(r.caseStudy);
    if (seen === undefined || r.startedAt > seen.startedAt) newest.set(r.caseStudy, r);
  }
  return [...newest.values()];
}

describe.skipIf(chromiumPath.path === null)('results site in Chromium', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-site-browser-'));
  const out = path.join(tmp, 'site');
  let server: StaticServer | undefined;
  let browser: Browser | undefined;
  /** Console errors and uncaught exceptions of every page opened, with the page's URL. */
  const problems: string[] = [];

  beforeAll(async () => {
    const built = buildSite({ resultsDir: RESULTS, outDir: out });
    process.stdout.write(`site built in ${built.ms} ms: ${built.pages} pages, ${built.runs} runs\n`);
    server = await serveStatic(out);
    browser = await launchChromium(chromiumPath.path ?? '');
  });
  beforeEach(() => {
    problems.length = 0;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function open(rel: string): Promise<Page> {
    if (browser === undefined || server === undefined) throw new Error('beforeAll did not finish');
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${page.url()}: console error: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${page.url()}: uncaught: ${e.message}`));
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${page.url()}: HTTP ${r.status()} for ${r.url()}`);
    });
    const response = await page.goto(`${server.origin}/${rel}`);
    expect(response?.status(), rel).toBe(200);
    return page;
  }

  test('the index lists every published run, and every link on it resolves to a page', async () => {
    const page = await open('index.html');
    const listed = await page
      .locator('tr[data-run-id]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run-id')));
    expect(listed.sort()).toEqual(studies.map((r) => r.runId).sort());
    // Page functions run in Chromium; the tests are type-checked without the DOM library: attributes only.
    const hrefs = (await page.locator('main a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).map(
      (href: string | null) => new URL(href ?? '', page.url()).href,
    );
    expect(hrefs.length).toBeGreaterThanOrEqual(studies.length);
    for (const href of new Set(hrefs)) {
      const r = await page.request.get(href);
      expect(r.status(), href).toBe(200);
    }
    // A permalink is the run's page, and it names that run. `<main data-run-id>` is static markup (run-page.ts), so
    // the served HTML says it without drawing the page's charts; the next test draws each study's newest run page.
    for (const r of studies) {
      const permalink = `${new URL(page.url()).origin}/runs/${r.runId}/`;
      const served = await page.request.get(permalink);
      expect(served.status(), permalink).toBe(200);
      expect(await served.text(), permalink).toContain(`<main data-run-id="${r.runId}" `);
    }
    await page.close();
    expect(problems).toEqual([]);
  });

  test("each study's newest run page draws every vega-lite chart (SVG with marks, no PNG fallback)", async () => {
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    const withCharts = newestPerStudy(studies).filter((r) => r.charts.length > 0);
    expect(withCharts.length).toBeGreaterThan(0);
    for (const r of withCharts) {
      const page = await open(`runs/${r.runId}/index.html`);
      expect(await page.locator('.chart-view').count(), r.runId).toBe(r.charts.length);
      await page.waitForFunction(`document.querySelectorAll('.chart-view svg').length >= ${r.charts.length}`, null, {
        timeout: CHART_TIMEOUT_MS,
      });
      expect(await page.locator('.chart-view[data-fallback]').count(), r.runId).toBe(0);
      // Drawn marks with an area, not an empty frame: every chart has some.
      const marks: unknown = await page.evaluate(MARKS_PER_CHART);
      expect(Array.isArray(marks) ? marks.length : marks, r.runId).toBe(r.charts.length);
      if (Array.isArray(marks))
        for (const [i, n] of marks.entries()) expect(n, `${r.runId} chart ${r.charts[i]?.name}`).toBeGreaterThan(0);
      const first = page.locator('figure.chart').first();
      const shot = path.join(SCREENSHOTS, `${r.runId}.png`);
      await first.screenshot({ path: shot });
      expect(fs.statSync(shot).size).toBeGreaterThan(0);
      await page.close();
    }
    process.stdout.write(`chart screenshots: ${SCREENSHOTS}\n`);
    expect(problems).toEqual([]);
  });

  test('a compare permalink loads the two runs its URL names', async () => {
    // The two newest runs of the first study that has two: the link a run page offers ("compare with the previous").
    const ordered = [...studies].sort((x, y) => y.startedAt.localeCompare(x.startedAt));
    const study = ordered.find((r) => ordered.filter((o) => o.caseStudy === r.caseStudy).length >= 2)?.caseStudy;
    const [b, a] = ordered.filter((r) => r.caseStudy === study);
    if (a === undefined || b === undefined) throw new Error('need two committed runs of one case study');
    const page = await open(`compare.html?a=${a.runId}&b=${b.runId}`);
    await expect.poll(() => page.locator('#compare-status').textContent()).toBe(`a = ${a.runId}, b = ${b.runId}`);
    const linked = await page.locator('#compare-result a').evaluateAll((as) => as.map((x) => x.textContent));
    expect(linked).toEqual([a.runId, b.runId]);
    expect(await page.locator('#compare-result tr').count()).toBeGreaterThan(a.verdicts.length);
    await page.close();
    expect(problems).toEqual([]);
  });

  test('a superseded run is marked on the index and on its page, which links to its replacement', async () => {
    const ids = new Set(studies.map((r) => r.runId));
    const correction = readCorrections(RESULTS).find((c) => ids.has(c.runId) && ids.has(c.supersededBy));
    if (correction === undefined) throw new Error('no committed correction whose two runs are both published');
    const index = await open('index.html');
    const row = index.locator(`tr[data-run-id="${correction.runId}"]`);
    await expect.poll(() => row.getAttribute('class')).toBe('superseded');
    expect(await row.getAttribute('data-superseded-by')).toBe(correction.supersededBy);
    expect(await row.locator('s').count()).toBe(1);
    await index.close();
    const page = await open(`runs/${correction.runId}/index.html`);
    const banner = page.locator('.superseded-banner');
    expect(await banner.isVisible()).toBe(true);
    await banner.locator('a').click();
    await expect.poll(() => page.locator('main').getAttribute('data-run-id')).toBe(correction.supersededBy);
    await page.close();
    expect(problems).toEqual([]);
  });
});
