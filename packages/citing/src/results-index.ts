import * as path from 'node:path';
import { verdictHeadline } from '@casebook/analysis';
import { bodySummariesOf, CASE_STUDIES, type CaseStudyRecord, type Correction, correctionFor } from '@casebook/results';
import { bodyCountText } from './body-table';
import { code, num, table } from './markdown';
import { type LoadedRecord, linkTo, locateRunFile } from './records';

export interface IndexOptions {
  repoRoot: string;
  /** The results folder; README.md is written here and every link resolves from here. */
  resultsDir: string;
  /** Published corrections (results/corrections.json): a superseded run is marked and links to its replacement. */
  corrections?: readonly Correction[];
}

const machine = (e: CaseStudyRecord['environment']): string => `${e.cpuModel} × ${e.cpuCores}, Node ${e.node}`;
const day = (iso: string): string => iso.slice(0, 10);

/** Newest first; ties broken by run id so the order never depends on the file system. */
function byDateDesc<T extends { startedAt: string; runId: string }>(x: T, y: T): number {
  return y.startedAt.localeCompare(x.startedAt) || x.runId.localeCompare(y.runId);
}

function headline(r: CaseStudyRecord): string {
  const completed = r.measurements.filter((m) => m.status === 'completed');
  // No "fastest": an ordering is printed only where a notebook's intervals resolve it, never from one number.
  const parts = [verdictHeadline(r.verdicts)];
  const errored = r.measurements.length - completed.length;
  if (errored > 0) parts.push(`${errored} measurements errored`);
  const bodies = bodyCountText(bodySummariesOf(r.notes));
  if (bodies !== null) parts.push(bodies);
  return parts.join('; ');
}

/**
 * results/README.md as a pure function of the records: deterministic (sorted, no generation time), so CI can
 * check that the committed file is current.
 */
export function buildResultsIndex(records: readonly LoadedRecord[], opts: IndexOptions): string {
  const link = (file: string) => linkTo(file, { repoRoot: opts.repoRoot, relativeTo: opts.resultsDir });
  const fileOf = new Map(records.map((r) => [r.record.runId, r.file]));
  /** The run cell: a link to the record, and for a superseded run a mark and a link to the replacement. */
  const runCell = (runId: string, file: string): string => {
    const correction = correctionFor(runId, opts.corrections ?? []);
    if (correction === undefined) return `[${runId}](${link(file)})`;
    const next = correction.supersededBy;
    const replacement = fileOf.get(next);
    return `~~[${runId}](${link(file)})~~ superseded by ${replacement === undefined ? code(next) : `[${next}](${link(replacement)})`}`;
  };
  const studies = records.filter((r): r is Extract<LoadedRecord, { kind: 'case-study' }> => r.kind === 'case-study');
  const benches = records.filter((r): r is Extract<LoadedRecord, { kind: 'bench' }> => r.kind === 'bench');
  const order = (id: string) => {
    const i = CASE_STUDIES.findIndex((c) => c.id === id);
    return i === -1 ? CASE_STUDIES.length : i;
  };
  const studyIds = [...new Set(studies.map((s) => s.record.caseStudy))].sort(
    (x, y) => order(x) - order(y) || x.localeCompare(y),
  );
  const out = [
    '# Results',
    '',
    '<!-- Generated from the records by `npm run results:index` (`casebook index --write`). Do not edit by hand:',
    '     CI runs `casebook index --check` and fails when this file is stale. -->',
    '',
    'Every run of a case-study notebook and every saved `casebook bench` run, newest first. Cite a run with',
    '`npx casebook cite <run-id>`; ask whether two runs really differ with `npx casebook compare <run-a> <run-b>`.',
    '',
    '## Case studies',
    '',
  ];
  if (studyIds.length === 0) out.push('No case-study runs recorded yet.', '');
  for (const id of studyIds) {
    const runs = studies.filter((s) => s.record.caseStudy === id).sort((x, y) => byDateDesc(x.record, y.record));
    const first = runs[0]?.record;
    if (first === undefined) continue;
    const notebook = link(path.resolve(opts.repoRoot, first.notebook));
    out.push(`### ${first.title} (${code(id)}) — [notebook](${notebook})`, '');
    const rows = runs.map(({ file, record: r }) => {
      const charts = r.charts
        .map((c) => `[${c.name}](${link(locateRunFile(file, r.runId, c.png, opts.repoRoot))})`)
        .join(' · ');
      return [
        runCell(r.runId, file),
        day(r.startedAt),
        machine(r.environment),
        r.profile,
        r.status,
        headline(r),
        charts || '—',
      ];
    });
    out.push(table(['run', 'date', 'machine', 'profile', 'status', 'headline', 'charts'], rows), '');
  }
  out.push('## Bench runs', '');
  if (benches.length === 0) out.push('No stand-alone `casebook bench` runs recorded.', '');
  else {
    const sorted = [...benches].sort((x, y) => byDateDesc(x.record, y.record));
    const rows = sorted.map(({ file, record: r }) => {
      const load =
        r.params.load.mode === 'open'
          ? `open ${num(r.params.load.rateRps)} req/s`
          : `closed ${r.params.load.concurrency}`;
      return [
        runCell(r.runId, file),
        day(r.startedAt),
        machine(r.environment),
        `${r.client.name} ${r.client.version}`,
        load,
        num(r.params.target.delayMs),
        num(r.throughputRps),
        num(r.latencyMs.p99),
        r.status,
      ];
    });
    out.push(
      table(
        ['run', 'date', 'machine', 'client', 'load', 'think-time (ms)', 'throughput (req/s)', 'p99 (ms)', 'status'],
        rows,
      ),
      '',
    );
  }
  return `${out.join('\n').trimEnd()}\n`;
}
