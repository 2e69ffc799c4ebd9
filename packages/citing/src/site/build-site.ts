import * as fs from 'node:fs';
import * as path from 'node:path';
import { verdictHeadline } from '@casebook/analysis';
import { CASE_STUDIES, findRepoRoot, readCorrections, UsageError } from '@casebook/results';
import { buildCitation } from '../cite';
import { type LoadedRecord, listRecords, locateRunFile } from '../records';
import { CHARTS_SCRIPT, copyVendorBundles, SITE_CSS } from './assets';
import { COMPARE_SCRIPT, comparePage } from './compare-page';
import { indexPage, type StudyRuns } from './index-page';
import { findReproductions } from './reproductions';
import { type CaseStudyLoaded, type RunData, runData } from './run-data';
import { type PageChart, runPage } from './run-page';

/**
 * `casebook site`: a static results site built from the committed records only (the same listRecords and
 * readCorrections that `casebook index --check` uses), modelled on ClickBench and asv: JSON in git behind static pages
 * whose URLs encode the selection. Every page is a function of the records; nothing needs a server.
 */

export interface SiteOptions {
  /** The committed results root (results/); results/local/ is never read (listRecords skips it). */
  resultsDir: string;
  /** Written from scratch on each build; must be new, empty, or a folder an earlier build wrote. */
  outDir: string;
  /** Absolute link prefix for the citation markdown (as `casebook cite --link-base`), so pasted links resolve. */
  linkBase?: string;
}

export interface SiteBuild {
  /** HTML pages written. */
  pages: number;
  /** Case-study runs published (each has a page and a data/<run-id>.json). */
  runs: number;
  ms: number;
}

/** Written into the output folder so a rebuild may clear it, and only it. */
const MARKER = '.casebook-site';

function prepareOutDir(outDir: string): void {
  if (fs.existsSync(outDir)) {
    const entries = fs.readdirSync(outDir);
    if (entries.length > 0 && !entries.includes(MARKER))
      throw new UsageError('--out', outDir, 'the folder exists and was not written by `casebook site`; give a new one');
    fs.rmSync(outDir, { recursive: true, force: true });
  }
  fs.mkdirSync(path.join(outDir, 'assets'), { recursive: true });
  fs.mkdirSync(path.join(outDir, 'data'), { recursive: true });
  fs.writeFileSync(path.join(outDir, MARKER), 'Written by `casebook site`; rebuilt from scratch on each run.\n');
}

const isCaseStudy = (r: LoadedRecord): r is Extract<LoadedRecord, { kind: 'case-study' }> => r.kind === 'case-study';

/** The order of the results index: the catalogue's order, unknown studies after it by id. */
function studyOrder(x: string, y: string): number {
  const at = (id: string) => {
    const i = CASE_STUDIES.findIndex((c) => c.id === id);
    return i === -1 ? CASE_STUDIES.length : i;
  };
  return at(x) - at(y) || x.localeCompare(y);
}

/** Newest first; ties broken by run id so the order never depends on the file system. */
const newestFirst = (x: CaseStudyLoaded, y: CaseStudyLoaded): number =>
  y.record.startedAt.localeCompare(x.record.startedAt) || x.record.runId.localeCompare(y.record.runId);

/** Copy a run's chart PNGs next to its page and read its vega-lite specs; a missing file leaves that part out. */
function pageCharts(loaded: CaseStudyLoaded, runDir: string, repoRoot: string): PageChart[] {
  return loaded.record.charts.map((c) => {
    const png = locateRunFile(loaded.file, loaded.record.runId, c.png, repoRoot);
    const spec = locateRunFile(loaded.file, loaded.record.runId, c.spec, repoRoot);
    let pngHref: string | null = null;
    if (fs.existsSync(png)) {
      fs.mkdirSync(path.join(runDir, 'charts'), { recursive: true });
      fs.copyFileSync(png, path.join(runDir, 'charts', path.basename(png)));
      pngHref = `charts/${encodeURIComponent(path.basename(png))}`;
    }
    const specValue: unknown = fs.existsSync(spec) ? JSON.parse(fs.readFileSync(spec, 'utf8')) : null;
    return { name: c.name, alt: c.alt, png: pngHref, spec: specValue };
  });
}

export function buildSite(opts: SiteOptions): SiteBuild {
  const started = performance.now();
  const repoRoot = findRepoRoot();
  const resultsDir = path.resolve(opts.resultsDir);
  const outDir = path.resolve(opts.outDir);
  const corrections = readCorrections(resultsDir);
  const runs = listRecords(resultsDir).filter(isCaseStudy);
  prepareOutDir(outDir);
  const write = (rel: string, text: string) => {
    const file = path.join(outDir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  };
  write('assets/site.css', SITE_CSS);
  write('assets/charts.js', CHARTS_SCRIPT);
  write('assets/compare.js', COMPARE_SCRIPT);
  copyVendorBundles(path.join(outDir, 'assets'));

  const knownRunIds = new Set(runs.map((r) => r.record.runId));
  const reproductions = findReproductions(runs.map((r) => path.dirname(r.file)));
  const studyIds = [...new Set(runs.map((r) => r.record.caseStudy))].sort(studyOrder);
  const studies: StudyRuns[] = [];
  let pages = 0;
  for (const id of studyIds) {
    const ordered = runs.filter((r) => r.record.caseStudy === id).sort(newestFirst);
    const rows: { data: RunData; headline: string }[] = [];
    for (const [i, loaded] of ordered.entries()) {
      const r = loaded.record;
      const data = runData(loaded, corrections, repoRoot);
      const runDir = path.join(outDir, 'runs', r.runId);
      const citation = buildCitation(loaded, {
        repoRoot,
        corrections,
        ...(opts.linkBase === undefined ? {} : { linkBase: opts.linkBase }),
      });
      write(
        path.join('runs', r.runId, 'index.html'),
        runPage({
          record: r,
          data,
          citation,
          charts: pageCharts(loaded, runDir, repoRoot),
          reproductions: reproductions.get(r.runId) ?? [],
          previousRunId: ordered[i + 1]?.record.runId ?? null,
          knownRunIds,
        }),
      );
      write(path.join('data', `${r.runId}.json`), `${JSON.stringify(data)}\n`);
      pages += 1;
      rows.push({ data, headline: verdictHeadline(r.verdicts) });
    }
    const first = ordered[0];
    if (first !== undefined) studies.push({ caseStudy: id, title: first.record.title, runs: rows });
  }
  write('index.html', indexPage(studies));
  write(
    'compare.html',
    comparePage(
      studies.flatMap((s) =>
        s.runs.map(({ data: d }) => ({ runId: d.runId, label: `${d.title} · ${d.startedAt.slice(0, 10)}` })),
      ),
    ),
  );
  pages += 2;
  return { pages, runs: runs.length, ms: Math.round(performance.now() - started) };
}
