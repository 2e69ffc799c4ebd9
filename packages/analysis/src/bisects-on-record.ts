import { bisectSupersededText, plain, type SupersedableBisect } from './bisects-superseded';

/**
 * How a notebook lists the committed `casebook bisect` records (stated before the run after versions-a69647ac, its
 * second reader's findings 8 and "a listed bisect that measured nothing"): the list's heading says what the records
 * listed measured (client, concurrency, metric, counted from the records, never a fixed phrase), and a record whose end
 * produced no measurement in any round says "measured nothing at <version>" instead of "No boundary resolved" (it
 * compared nothing there: incomplete, not a negative result). Each record also says how many client processes ran each
 * version (bisectDesignText): every record written before several processes per version were run (after the
 * interrupted bisect undici-throughput-c512-6.21.0-6.29.1-2026-12-05-interrupted) ran one, paired per round, and a
 * per-process effect could read there as a release boundary. Such a record, once a complete record of 3 or more
 * processes per version covers its range at the same client, scenario and metric, is listed as superseded, naming
 * that record, and nothing it found as a finding (bisects-superseded.ts states the rule). Pure; tested in
 * test/analysis-versions-after-a69647ac.test.ts, test/analysis-bisect-processes.test.ts and
 * test/analysis-bisects-superseded.test.ts.
 */

/** What the list reads of a bisect record (structural: a `BisectRecord` from @casebook/results fits). */
export interface ListedBisect {
  client: string;
  metric: { name: string; text: string };
  scenario: Readonly<Record<string, unknown>>;
  /** Client processes per version in each steady-state step; absent: one (a record written before several were run). */
  processes?: { perVersion: number } | undefined;
  good: { version: string };
  bad: { version: string };
  steps: readonly { measurements: readonly { version: string; values: readonly (number | null)[] }[] }[];
  summary: string;
}

/** "512 in flight", "one request in flight", or "concurrency not recorded". */
function concurrencyText(scenario: Readonly<Record<string, unknown>>): string {
  const c = scenario['concurrency'];
  if (typeof c !== 'number' || !Number.isFinite(c)) return 'concurrency not recorded';
  return c === 1 ? 'one request in flight' : `${c} in flight`;
}

/**
 * How a record's steps measured each version: "3 client processes per version, processes then rounds", "a fresh
 * process per version and round, paired per round" (the phase method), or "one client process per version, paired per
 * round" (a steady-state record written before several processes were run: every committed record up to then).
 */
export function bisectDesignText(record: Pick<ListedBisect, 'scenario' | 'processes'>): string {
  const n = record.processes?.perVersion ?? 1;
  if (n > 1) return `${n} client processes per version, processes then rounds`;
  if (record.scenario['method'] === 'phase') return 'a fresh process per version and round, paired per round';
  return 'one client process per version, paired per round';
}

/**
 * The list's heading, computed from the records listed: "**undici bisects on record** (22; `casebook bisect`, one
 * client process per version, paired per round: 7 `undici-request` at 512 in flight, throughput; 7 `undici-request`
 * at one request in flight, throughput; …):", each client × concurrency × metric with its count, in the order first
 * listed; how each version was measured (bisectDesignText) once when all records share it, else with each group.
 */
export function bisectsOnRecordHeading(
  packageName: string,
  records: readonly Pick<ListedBisect, 'client' | 'metric' | 'scenario' | 'processes'>[],
): string {
  if (records.length === 0) return `**No ${packageName} bisect is on record yet.**`;
  const designs = new Set(records.map(bisectDesignText));
  const shared = designs.size === 1 ? [...designs][0] : undefined;
  const groups = new Map<string, number>();
  for (const r of records) {
    const design = shared === undefined ? ` (${bisectDesignText(r)})` : '';
    const key = `\`${r.client}\` at ${concurrencyText(r.scenario)}, ${r.metric.text}${design}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  const parts = [...groups].map(([key, n]) => `${n} ${key}`);
  return `**${packageName} bisects on record** (${records.length}; \`casebook bisect\`${shared === undefined ? '' : `, ${shared}`}: ${parts.join('; ')}):`;
}

/**
 * The ends of the range (good, bad) that produced no measurement in any round of any step that measured them: a bisect
 * that compared nothing there. An end no step measured is not listed (nothing to say it failed); empty when both ends
 * measured something.
 */
export function bisectMeasuredNothingAt(record: Pick<ListedBisect, 'good' | 'bad' | 'steps'>): string[] {
  const ends = [...new Set([plain(record.good.version), plain(record.bad.version)])];
  return ends.filter((end) => {
    const rows = record.steps.flatMap((s) => s.measurements.filter((m) => plain(m.version) === end));
    return rows.length > 0 && rows.every((m) => m.values.every((v) => v === null || !Number.isFinite(v)));
  });
}

/**
 * The record's summary lines as the list prints them (its `- ` lines), except that a record which measured nothing at
 * an end (`bisectMeasuredNothingAt`) has its "No boundary resolved …" line replaced by "Measured nothing at 6.28.1: it
 * produced no measurement in any round, so this bisect compared nothing there (incomplete, not a negative result)."
 * A superseded record (`supersededBy`: the records `bisectSupersededBy` returns for it, stated before the next run
 * after the 3-process bisects of 6 December 2026) is listed with "**Superseded** by `<file>` …" first, naming them,
 * and each of its own lines marked "Superseded, not a finding: …", so its boundary is never read as one.
 */
export function bisectSummaryLines(
  record: Pick<ListedBisect, 'good' | 'bad' | 'steps' | 'summary'>,
  supersededBy: readonly SupersedableBisect[] = [],
): string[] {
  const own = recordedLines(record);
  const superseded = bisectSupersededText(supersededBy);
  return superseded === null
    ? own
    : [superseded, ...own.map((line) => `- Superseded, not a finding: ${line.slice(2)}`)];
}

/** The record's own `- ` lines, "No boundary resolved" replaced where it measured nothing at an end. */
function recordedLines(record: Pick<ListedBisect, 'good' | 'bad' | 'steps' | 'summary'>): string[] {
  const lines = record.summary.split('\n').filter((line) => line.startsWith('- '));
  const nothing = bisectMeasuredNothingAt(record);
  if (nothing.length === 0) return lines;
  const text = `- Measured nothing at ${nothing.join(' and ')}: ${nothing.length === 1 ? 'it' : 'they'} produced no measurement in any round, so this bisect compared nothing there (incomplete, not a negative result).`;
  const replaced = lines.map((line) => (line.startsWith('- No boundary resolved') ? text : line));
  return replaced.includes(text) ? replaced : [text, ...replaced];
}
