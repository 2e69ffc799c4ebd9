import { GATHER_MIN_PROCESSES } from './seed';
import { compareVersions } from './versions';

/**
 * When a one-process bisect record is superseded (stated before the next run, after the 3-process bisects of
 * 6 December 2026: at 512 in flight one undici client process of a version often ran 10–20 % apart from the others
 * for its whole life, 13 versions' processes disagreeing in those 7 records, and none of the four one-process
 * searches repeated with 3 processes per version, 8.6.0 → 8.7.0, 7.25.0 → 7.26.0, 8.11.2 → 8.12.4 and
 * 7.20.0 → 7.21.0, found a boundary there, where two had been confirmed with one process). A record that ran **one
 * client process per version** in a steady-state search (no `processes`, or `perVersion` 1; the phase method, a fresh
 * process per version and round, is not one) is superseded by a record on record that
 * - ran at least GATHER_MIN_PROCESSES (3) client processes per version, the design that can tell a slow process from a
 *   release (fewer give no interval);
 * - is complete: its `status` is `completed` or absent (a record written before the field, each written once its
 *   search had ended), and its folder is not named `…-interrupted` (a stopped record claims nothing about the rest of
 *   its range; an `errored` one neither);
 * - measured the same thing: the same package (the versions are its versions: undici's, or Node's for `--package
 *   node`), the same client (adapter), the same metric (`metric.name`; its `text` is wording) and the same scenario.
 *   The scenario is compared whole (key order ignored, nested objects too): it is what the CLI records as the bench
 *   options every run used, and each of its fields defines what was measured: `concurrency` (512 in flight is not one
 *   request in flight), `target` (its keep-alive timeout decides whether sockets are reused between blocks), `method`
 *   (steady-state blocks or phases), `requests`/`trials` (the phase method's), and the other axis held fixed, `node` or
 *   `clientVersion`. The design is not in it (profile, seed, rounds and processes are the record's own fields), so two
 *   searches of one measurement with different designs compare equal. `node: 'workspace'` is read as the Node the
 *   record names in its environment (`environment.node`, `v` dropped), so an exact version and the workspace's
 *   compare by what ran; `clientVersion: 'workspace'` is compared as written (only Node bisects have it, and the record
 *   names no version of an adapter without a package). The machine is not compared: a one-process boundary is
 *   withdrawn for its design, which cannot tell a slow process from a release on any machine, and the list names each
 *   record's machine;
 * - covers its range: the multi-process record's good … bad contains the one-process record's good … bad, versions
 *   compared as releases (`compareVersions`, a leading `v` dropped, so Node versions compare too).
 * A superseded record's boundaries are not findings: notebook 07's list says which record supersedes it and marks its
 * lines "Superseded, not a finding", and a plan does not treat its confirmed boundary as a located step
 * (`rangeOnRecord`). Pure; tested in test/analysis-bisects-superseded.test.ts.
 */

/** What the rule reads of a committed bisect (structural: a `CommittedBisect` from @casebook/study fits). */
export interface SupersedableBisect {
  /** The record's file, relative to the repository root (`results/bisect/<folder>/bisect.json`). */
  file: string;
  record: SupersedableRecord;
}

/** What the rule reads of a bisect record (structural: a `BisectRecord` from @casebook/results fits). */
export interface SupersedableRecord {
  /** 'node' or the npm package whose versions good and bad are; absent in a record that names none. */
  package?: string;
  /** The adapter that drove every run; absent in a record that names none. */
  client?: string;
  metric: { name: string };
  scenario: Readonly<Record<string, unknown>>;
  /** Client processes per version in each steady-state step; absent: one (or the phase method). */
  processes?: { perVersion: number } | undefined;
  /** How the search ended; absent: completed (a record written before the field). */
  status?: string | undefined;
  good: { version: string };
  bad: { version: string };
  /** The Node that ran the search (`v24.21.0`): what `node: 'workspace'` in the scenario was. */
  environment?: { node?: string } | undefined;
}

/**
 * A version without its leading `v` (`v24.21.0` → `24.21.0`); version-sweep.ts, sweep-processes.ts and
 * bisects-on-record.ts import it.
 */
export const plain = (v: string): string => v.replace(/^v/, '');

/**
 * A value as JSON with every object's keys sorted, so two scenarios that differ only in key order compare equal (a key
 * whose value is undefined is left out, as JSON leaves it out).
 */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

/**
 * What a record measured, as one string: package, client, metric name and the whole scenario, `node: 'workspace'`
 * read as the record's `environment.node` (the rule above says why these).
 */
export function bisectMeasurementKey(record: SupersedableRecord): string {
  const node = record.scenario['node'];
  const ran = node === 'workspace' ? record.environment?.node : undefined;
  const scenario = typeof node === 'string' ? { ...record.scenario, node: plain(ran ?? node) } : record.scenario;
  return canonical({
    package: record.package ?? null,
    client: record.client ?? null,
    metric: record.metric.name,
    scenario,
  });
}

/** Whether a record ran one client process per version in a steady-state search (the design a slow process fools). */
export function isOneProcessBisect(record: Pick<SupersedableRecord, 'scenario' | 'processes'>): boolean {
  return (record.processes?.perVersion ?? 1) === 1 && record.scenario['method'] !== 'phase';
}

/**
 * Whether a committed bisect's search completed: `status` completed or absent, and its folder not named
 * `…-interrupted` (the name a stopped record is committed under).
 */
export function isCompleteBisect(bisect: SupersedableBisect): boolean {
  const folder = bisect.file.split('/').slice(-2, -1)[0] ?? '';
  return (bisect.record.status ?? 'completed') === 'completed' && !folder.endsWith('-interrupted');
}

/** good … bad as releases, lower end first (a range recorded the other way round is read the same). */
function rangeOf(record: Pick<SupersedableRecord, 'good' | 'bad'>): [string, string] {
  const [a, b] = [plain(record.good.version), plain(record.bad.version)];
  return compareVersions(a, b) <= 0 ? [a, b] : [b, a];
}

/** Whether range `outer` contains range `inner` (ends included). */
function contains(
  outer: Pick<SupersedableRecord, 'good' | 'bad'>,
  inner: Pick<SupersedableRecord, 'good' | 'bad'>,
): boolean {
  const [og, ob] = rangeOf(outer);
  const [ig, ib] = rangeOf(inner);
  return compareVersions(og, ig) <= 0 && compareVersions(ib, ob) <= 0;
}

/**
 * The records on record that supersede `record` (the rule above), narrowest range first (then in the order given);
 * empty when it is not superseded: a record that ran several processes per version, one whose only covering
 * multi-process record stopped, and one measured differently (another client, scenario or metric) or over a range no
 * complete multi-process record contains.
 */
export function bisectSupersededBy<T extends SupersedableBisect>(
  record: SupersedableRecord,
  onRecord: readonly T[],
): T[] {
  if (!isOneProcessBisect(record)) return [];
  const key = bisectMeasurementKey(record);
  return onRecord
    .filter(
      (b) =>
        (b.record.processes?.perVersion ?? 1) >= GATHER_MIN_PROCESSES &&
        isCompleteBisect(b) &&
        bisectMeasurementKey(b.record) === key &&
        contains(b.record, record),
    )
    .map((b, i) => ({ b, i, range: rangeOf(b.record) }))
    .sort((x, y) => compareVersions(y.range[0], x.range[0]) || compareVersions(x.range[1], y.range[1]) || x.i - y.i)
    .map((x) => x.b);
}

/**
 * The line notebook 07's list prints first for a superseded record: "**Superseded** by
 * `results/bisect/…-3proc-2026-12-06/bisect.json` (3 client processes per version, 8.6.0 → 8.7.0, completed): …";
 * null when `by` is empty.
 */
export function bisectSupersededText(by: readonly SupersedableBisect[]): string | null {
  if (by.length === 0) return null;
  const names = by.map(
    (b) =>
      `\`${b.file}\` (${b.record.processes?.perVersion ?? 1} client processes per version, ${plain(b.record.good.version)} → ${plain(b.record.bad.version)}, completed)`,
  );
  return `- **Superseded** by ${names.join(' and ')}: the same client, scenario and metric searched over a range containing this one's. This record ran one client process per version, which cannot tell a client process that runs slow for its whole life from a release, so nothing it found is a finding (its lines follow as recorded).`;
}
