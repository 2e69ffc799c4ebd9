/**
 * Where a notebook's smoke run spent its time, from what its record holds: each bench record's startedAt and
 * finishedAt. The measurements of one interleaved run start together, so they print as one line; a phase-method run
 * prints one line per measurement. For the CI budget (which section to trim next), printed by the notebook tests next
 * to their "executed in" line: the time between the record's start and its end that no line covers is analysis,
 * charts and tslab compiling cells; the kernel's start and the import cell come before the record starts. Never fails
 * a test: a record it cannot read prints why.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const repo = path.resolve(__dirname, '../..');

interface Timed {
  startedAt?: string;
  finishedAt?: string;
}

/** A measurement as a case-study record lists it: `file` is its bench record, relative to the repository. */
interface TimedRecord extends Timed {
  measurements?: { label?: string; file?: string }[];
}

/** One run of measurements: those whose bench records share a start. */
interface Span {
  start: number;
  end: number;
  labels: string[];
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1).padStart(7)} s`;

/** The lines printed for `recordFile`: the record's span, the measured time, then one line per run in start order. */
function runTimeLines(name: string, recordFile: string): string[] {
  const record = JSON.parse(fs.readFileSync(recordFile, 'utf8')) as TimedRecord;
  const spans = new Map<number, Span>();
  for (const m of record.measurements ?? []) {
    if (m.file === undefined) continue;
    const bench = JSON.parse(fs.readFileSync(path.resolve(repo, m.file), 'utf8')) as Timed;
    const start = Date.parse(bench.startedAt ?? '');
    const end = Date.parse(bench.finishedAt ?? '');
    if (!Number.isFinite(start) || !Number.isFinite(end)) continue;
    const span: Span = spans.get(start) ?? { start, end, labels: [] };
    span.end = Math.max(span.end, end);
    span.labels.push(m.label ?? m.file);
    spans.set(start, span);
  }
  const ordered = [...spans.values()].sort((a, b) => a.start - b.start);
  const measured = ordered.reduce((sum, s) => sum + (s.end - s.start), 0);
  const total = Date.parse(record.finishedAt ?? '') - Date.parse(record.startedAt ?? '');
  const recordSpan = Number.isFinite(total) ? seconds(total).trim() : 'unknown';
  const what = (s: Span): string =>
    s.labels.length === 1 ? (s.labels[0] ?? '') : `${s.labels.length} interleaved: ${s.labels.join(', ')}`;
  return [
    `${name}: the record spans ${recordSpan}, its measurements ${seconds(measured).trim()}`,
    ...ordered.map((s) => `${seconds(s.end - s.start)}  ${what(s)}`),
  ];
}

/** Prints where the run of `recordFile` spent its time (see the module comment). */
export function printRunTimes(name: string, recordFile: string): void {
  let lines: string[];
  try {
    lines = runTimeLines(name, recordFile);
  } catch (e) {
    lines = [`${name}: run times not read (${e instanceof Error ? e.message : String(e)})`];
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}
