import { type MedianInterval, medianInterval } from '@casebook/stats';
import { type BlockMetric, type InterleavedMeasurement, isRankable, ratioOf } from './interleaved';
import { countClaim, quantityClaim, sanityCheck, type Threshold, type VerdictData } from './verdicts';

/**
 * The checks of the versions case study (notebooks/07-versions.ipynb), as pure functions of its interleaved records,
 * tested on both sides in test/analysis-versions.test.ts. Every cell of a version matrix is one measurement (its own
 * client process, runtime and package version from the version store) in the same shuffled rounds, so a ratio between
 * two versions is computed per round and summarised as a median with an order-statistics 95 % interval. Thresholds
 * are arguments: the notebook states them before it measures.
 */

/** What a cell's record says ran, as its worker read it (the runner's `client.settings.runtime`). */
export interface CellRuntime {
  node: string;
  bundledUndici: string | null;
  clientFrom: { name: string; version: string; npmName: string; integrity: string } | null;
  nodeFrom: { name: string; version: string; npmName: string; integrity: string } | null;
}

/** The process figures the continuous worker reports after the last block (`client.settings.process`). */
export interface ProcessFigures {
  gc: boolean;
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  processWarnings: Record<string, number>;
}

/** One cell of a version matrix (structural: a live BenchRecord and one read back from disk both fit). */
export interface VersionMeasurement extends InterleavedMeasurement {
  client: { name: string; version: string; settings: Record<string, unknown> };
  target: { connectionsOpened: number; connectionsOpenedMeasured: number; peakOpenConnections: number };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isEntry = (v: unknown): v is NonNullable<CellRuntime['clientFrom']> =>
  isRecord(v) && ['name', 'version', 'npmName', 'integrity'].every((k) => typeof v[k] === 'string');

/** The runtime a cell's record names, or null when it names none (a record made before the version store). */
export function cellRuntime(m: Pick<VersionMeasurement, 'client'>): CellRuntime | null {
  const r = m.client.settings['runtime'];
  if (!isRecord(r) || typeof r['node'] !== 'string') return null;
  const bundled = r['bundledUndici'];
  const clientFrom = r['clientFrom'];
  const nodeFrom = r['nodeFrom'];
  return {
    node: r['node'],
    bundledUndici: typeof bundled === 'string' ? bundled : null,
    clientFrom: isEntry(clientFrom) ? clientFrom : null,
    nodeFrom: isEntry(nodeFrom) ? nodeFrom : null,
  };
}

/**
 * Memory and warnings at ready, right after the last block (pool still open), at idle (pool still open, after the same
 * wait and GCs as the closed reading; null in records made before it) and after the client closed its pool; null when
 * the worker reported none.
 */
export function processFigures(m: Pick<VersionMeasurement, 'client'>): {
  atReady: ProcessFigures;
  atFinish: ProcessFigures;
  atIdle: ProcessFigures | null;
  afterClose: ProcessFigures;
} | null {
  const p = m.client.settings['process'];
  if (!isRecord(p)) return null;
  const read = (v: unknown): ProcessFigures | null => {
    if (!isRecord(v)) return null;
    const n = (k: string) => (typeof v[k] === 'number' ? (v[k] as number) : Number.NaN);
    const warnings = isRecord(v['processWarnings']) ? v['processWarnings'] : {};
    return {
      gc: v['gc'] === true,
      rssBytes: n('rssBytes'),
      heapUsedBytes: n('heapUsedBytes'),
      externalBytes: n('externalBytes'),
      arrayBuffersBytes: n('arrayBuffersBytes'),
      processWarnings: Object.fromEntries(
        Object.entries(warnings).filter((e): e is [string, number] => typeof e[1] === 'number'),
      ),
    };
  };
  const atReady = read(p['atReady']);
  const atFinish = read(p['atFinish']);
  const afterClose = read(p['afterClose']);
  const atIdle = read(p['atIdle']);
  return atReady && atFinish && afterClose ? { atReady, atFinish, atIdle, afterClose } : null;
}

/** A number the client's live settings report (e.g. pooledSockets), or null. */
export function settingNumber(m: Pick<VersionMeasurement, 'client'>, key: string): number | null {
  const v = m.client.settings[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** Warnings of one name the cell's process emitted over the whole run (0 when the worker reported none). */
export function warningCount(m: Pick<VersionMeasurement, 'client'>, name = 'MaxListenersExceededWarning'): number {
  return processFigures(m)?.atFinish.processWarnings[name] ?? 0;
}

/**
 * Memory the pooled sockets kept alive, per pooled socket: at idle (pool open) minus after the client closed its pool —
 * the sockets themselves and whatever they retain (a response, axios#11091). Both readings are taken the same way (the
 * same wait, then two full GCs): one GC right after the load does not release every ArrayBuffer backing store at once,
 * so "right after the last block" minus "closed and settled" mixes in garbage that was merely not yet freed. `controlled`
 * is false for a record made before the idle reading (then the right-after-the-load reading is used). Heap + external
 * is what JavaScript and its buffers hold; RSS is shown too, though freed memory seldom leaves RSS at once. Null
 * without pooled sockets or process figures.
 */
export function memoryPerPooledSocket(
  m: Pick<VersionMeasurement, 'client'>,
): { rssBytes: number; heapAndExternalBytes: number; pooledSockets: number; controlled: boolean } | null {
  const p = processFigures(m);
  const sockets = settingNumber(m, 'pooledSockets');
  if (p === null || sockets === null || sockets <= 0) return null;
  const open = p.atIdle ?? p.atFinish;
  const held = (f: ProcessFigures) => f.heapUsedBytes + f.externalBytes;
  return {
    rssBytes: (open.rssBytes - p.afterClose.rssBytes) / sockets,
    heapAndExternalBytes: (held(open) - held(p.afterClose)) / sockets,
    pooledSockets: sockets,
    controlled: p.atIdle !== null,
  };
}

const METRIC_TEXT: Record<BlockMetric, string> = {
  throughputRps: 'throughput',
  cpuMicrosPerRequest: 'CPU per request',
  clientUtilization: 'client CPU utilisation',
  targetCpuShare: "target's share of its core",
};

/**
 * Two versions the same within a band: `other` / `reference` per round (paired), its 95 % interval inside the band
 * (holds), entirely outside it (fails), or straddling an edge (unresolved). A flagged measurement cannot decide.
 */
export function versionParityClaim(input: {
  id: string;
  reference: VersionMeasurement;
  other: VersionMeasurement;
  metric: 'throughputRps' | 'cpuMicrosPerRequest';
  band: Required<Threshold>;
  /**
   * 'exploratory' where the run's stopping rule does not control this metric's precision (the interleaved run stops on
   * the throughput ratio's precision only, so a CPU ratio's interval is whatever the rounds gave).
   */
  kind?: 'claim' | 'exploratory';
}): VerdictData {
  const { reference, other, metric, band } = input;
  const comparable = isRankable(reference) && isRankable(other);
  const interval: MedianInterval = comparable
    ? ratioOf(reference, other, metric)
    : { median: Number.NaN, low: Number.NaN, high: Number.NaN, coverage: 0, n: 0, method: 'order-statistics' };
  const pct = (x: number) => Math.round(Math.abs(1 - x) * 100);
  return quantityClaim({
    id: input.id,
    claim: `${other.label}'s ${METRIC_TEXT[metric]} is within ${pct(band.above)} % below to ${pct(band.below)} % above ${reference.label}'s (paired per round)`,
    statistic: `${METRIC_TEXT[metric]} ratio ${other.label} / ${reference.label}`,
    interval,
    threshold: band,
    ...(input.kind === undefined ? {} : { kind: input.kind }),
    evidence: {
      reference: reference.label,
      other: other.label,
      comparable,
      ...(comparable ? {} : { flags: [reference, other].map((m) => m.guards?.flags.join(',') ?? '').join(' | ') }),
    },
  });
}

/**
 * Sockets each version held at most: the target's peak of open connections at most `factor` × the requests in flight.
 * At pipelining 1 an unlimited undici pool cannot exceed about twice the requests in flight (LAB-NOTES: a Client in
 * its `kNeedDrain` window until `setImmediate`), so with `factor` 2 the bound is the mechanism's, not a finding: pass
 * `kind: 'sanity'` (shown, never counted). A tighter factor (e.g. 1.05: no socket beyond one per request in flight)
 * is a claim that can fail. Sockets opened in the measured windows (warm-up excluded) are the evidence of churn.
 */
export function peakSocketsClaim(input: {
  id: string;
  measurements: readonly VersionMeasurement[];
  concurrency: number;
  factor: number;
  kind?: 'claim' | 'sanity';
}): VerdictData {
  const bound = input.factor * input.concurrency;
  const over = input.measurements.filter((m) => m.target.peakOpenConnections > bound);
  const verdict = {
    id: input.id,
    claim: `every version keeps at most ${input.factor} × ${input.concurrency} = ${bound} sockets open at once`,
    holds: input.measurements.length > 0 && over.length === 0,
    evidence: Object.fromEntries([
      ['bound', bound],
      ...input.measurements.map((m) => [`peak ${m.label}`, m.target.peakOpenConnections]),
      ...input.measurements.map((m) => [`opened in measured windows ${m.label}`, m.target.connectionsOpenedMeasured]),
    ]),
  };
  return input.kind === 'sanity' ? sanityCheck(verdict) : countClaim(verdict);
}

/**
 * Warnings by version: every cell in `warn` emitted at least one warning of `name` over its run, and every cell in
 * `silent` none (the worker counts the process's 'warning' events).
 */
export function warningsClaim(input: {
  id: string;
  warn: readonly VersionMeasurement[];
  silent: readonly VersionMeasurement[];
  name?: string;
}): VerdictData {
  const name = input.name ?? 'MaxListenersExceededWarning';
  const all = [...input.warn, ...input.silent];
  const reported = all.every((m) => processFigures(m) !== null);
  const holds =
    reported &&
    all.length > 0 &&
    input.warn.every((m) => warningCount(m, name) > 0) &&
    input.silent.every((m) => warningCount(m, name) === 0);
  const labels = (ms: readonly VersionMeasurement[]) => ms.map((m) => m.label).join(', ') || 'none';
  return countClaim({
    id: input.id,
    claim: `${labels(input.warn)} emit${input.warn.length === 1 ? 's' : ''} at least one ${name} over the run; ${labels(input.silent)} emit none`,
    holds,
    evidence: Object.fromEntries([
      ['warningsReported', reported],
      ...all.map((m) => [`${name} ${m.label}`, warningCount(m, name)]),
    ]),
  });
}

/**
 * Memory held per pooled socket after the load (memoryPerPooledSocket: idle minus closed, each after two full GCs):
 * `more` holds at least `minBytes` more heap + external per pooled socket than `less` (a response a pooled socket may
 * retain through its listener's enclosing scope, axios#11091, shows as about the body size per socket). A single
 * reading per process, not an interval: a count-style claim with its numbers.
 */
export function pinnedMemoryClaim(input: {
  id: string;
  more: VersionMeasurement;
  less: VersionMeasurement;
  minBytes: number;
  /** 'exploratory' while the per-socket baseline is not understood (the notebook says why). */
  kind?: 'claim' | 'exploratory';
}): VerdictData {
  const a = memoryPerPooledSocket(input.more);
  const b = memoryPerPooledSocket(input.less);
  const gcBoth = [input.more, input.less].every((m) => {
    const p = processFigures(m);
    return (p?.atIdle ?? p?.atFinish)?.gc === true && p?.afterClose.gc === true;
  });
  const difference = a && b ? a.heapAndExternalBytes - b.heapAndExternalBytes : Number.NaN;
  return countClaim({
    id: input.id,
    claim: `after the load, ${input.more.label}'s pooled sockets keep at least ${input.minBytes} bytes more alive each (heap + external, pool open minus pool closed, each read after the same wait and two full GCs) than ${input.less.label}'s`,
    holds: gcBoth && Number.isFinite(difference) && difference >= input.minBytes,
    ...(input.kind === undefined ? {} : { kind: input.kind }),
    evidence: {
      differenceBytes: Number.isFinite(difference) ? Math.round(difference) : null,
      [`held per socket ${input.more.label}`]: a ? Math.round(a.heapAndExternalBytes) : null,
      [`held per socket ${input.less.label}`]: b ? Math.round(b.heapAndExternalBytes) : null,
      [`RSS per socket ${input.more.label}`]: a ? Math.round(a.rssBytes) : null,
      [`RSS per socket ${input.less.label}`]: b ? Math.round(b.rssBytes) : null,
      [`pooled sockets ${input.more.label}`]: a?.pooledSockets ?? null,
      [`pooled sockets ${input.less.label}`]: b?.pooledSockets ?? null,
      gcBoth,
      controlledReading: a !== null && b !== null && a.controlled && b.controlled,
    },
  });
}

/**
 * What ran is what was asked (a property of the harness, shown, never counted): every cell's record names a runtime,
 * its client package version is the one asked for (from the store, with its integrity; or the workspace's, with no
 * store entry), Node's bundled undici is recorded, and, where a cell names them, the Node version and bundled undici
 * are the ones expected (a cell of Node's own fetch is its runtime: there the runtime is the version asked for).
 */
export function versionsRanSanity(input: {
  id: string;
  cells: readonly {
    measurement: VersionMeasurement;
    clientVersion: string;
    fromStore: boolean;
    node?: string;
    bundledUndici?: string;
  }[];
}): VerdictData {
  const problems: string[] = [];
  for (const { measurement: m, clientVersion, fromStore, node, bundledUndici } of input.cells) {
    const r = cellRuntime(m);
    if (r === null) problems.push(`${m.label}: no runtime recorded`);
    else {
      if (r.bundledUndici === null) problems.push(`${m.label}: bundled undici not recorded`);
      if (!fromStore && r.clientFrom !== null)
        problems.push(`${m.label}: store entry ${r.clientFrom.version} loaded, asked the workspace's`);
      if (node !== undefined && r.node !== node) problems.push(`${m.label}: ran on node ${r.node}, expected ${node}`);
      if (bundledUndici !== undefined && r.bundledUndici !== bundledUndici)
        problems.push(`${m.label}: bundled undici ${r.bundledUndici ?? 'not recorded'}, expected ${bundledUndici}`);
      if (fromStore && (r.clientFrom === null || !r.clientFrom.integrity.startsWith('sha512-')))
        problems.push(`${m.label}: no store entry with an integrity`);
      if (fromStore && r.clientFrom !== null && r.clientFrom.version !== clientVersion)
        problems.push(`${m.label}: store entry ${r.clientFrom.version}, asked ${clientVersion}`);
    }
    if (m.client.version !== clientVersion)
      problems.push(`${m.label}: the worker loaded ${m.client.version}, asked ${clientVersion}`);
  }
  return sanityCheck({
    id: input.id,
    claim: 'every cell ran the package version it was asked for, and its record names the runtime and bundled undici',
    holds: input.cells.length > 0 && problems.length === 0,
    evidence: { cells: input.cells.length, problems: problems.join('; ') || 'none' },
  });
}

/** A ratio as a table cell: `0.93 (0.90–0.97)`, or `~ 0.98 (0.91–1.04)` when its interval includes 1 (unresolved). */
export function ratioText(r: Pick<MedianInterval, 'median' | 'low' | 'high' | 'coverage'>): string {
  const f = (x: number) => x.toFixed(2);
  if (![r.median, r.low, r.high].every(Number.isFinite)) return '–';
  const unresolved = r.coverage < 0.95 || (r.low <= 1 && r.high >= 1);
  return `${unresolved ? '~ ' : ''}${f(r.median)} (${f(r.low)}–${f(r.high)})`;
}

/** One row of a version matrix's table: what ran, its speed and CPU with intervals, its ratios to the reference. */
export interface VersionRow {
  cell: string;
  ran: string;
  rounds: number;
  rps: string;
  cpuUs: string;
  throughputVsReference: string;
  cpuVsReference: string;
  peakSockets: number;
  /** Sockets the target saw opened in the measured windows (warm-up excluded). */
  socketsOpenedMeasured: number;
  /**
   * MaxListenersExceededWarning over the run. Node warns once per emitter and event name, so this counts sockets (and
   * other emitters) that crossed the 10-listener default, not requests that added a listener.
   */
  warnings: number;
  pooledSockets: number | null;
  heldKiBPerSocket: number | null;
  rssKiBPerSocket: number | null;
  flags: string;
}

/**
 * The table of a version matrix: medians over rounds with their 95 % intervals. `~` marks a ratio whose interval includes 1 (not resolved); a flagged measurement or
 * reference shows `–` for its ratios (never compared). The reference row shows `1 (reference)`.
 */
export function versionRows(
  measurements: readonly VersionMeasurement[],
  reference: VersionMeasurement | undefined = measurements[0],
): VersionRow[] {
  const interval = (m: VersionMeasurement, metric: BlockMetric, digits: number): string => {
    const values = [...(m.method?.blocks ?? [])].map((b) => b[metric]);
    if (values.length === 0) return '–';
    // The median over rounds with its order-statistics 95 % interval (shown only where it reaches 95 % coverage).
    const i = medianInterval(values);
    return i.coverage >= 0.95
      ? `${i.median.toFixed(digits)} (${i.low.toFixed(digits)}–${i.high.toFixed(digits)})`
      : `${i.median.toFixed(digits)} (n=${values.length})`;
  };
  const ratio = (m: VersionMeasurement, metric: BlockMetric): string => {
    if (reference === undefined || m === reference) return '1 (reference)';
    if (!isRankable(m) || !isRankable(reference)) return '–';
    const blocks = m.method?.blocks ?? [];
    if (blocks.length === 0 || (reference.method?.blocks.length ?? 0) === 0) return '–';
    return ratioText(ratioOf(reference, m, metric));
  };
  const kib = (x: number | undefined): number | null => (x === undefined ? null : Math.round(x / 102.4) / 10);
  return measurements.map((m) => {
    const r = cellRuntime(m);
    const from = r?.clientFrom ? ` · ${r.clientFrom.integrity.slice(0, 19)}…` : ' · workspace';
    const memory = memoryPerPooledSocket(m);
    return {
      cell: m.label,
      ran:
        r === null
          ? 'not recorded'
          : `${m.client.version} on node ${r.node} (bundled undici ${r.bundledUndici ?? '?'})${from}`,
      rounds: m.method?.blocks.length ?? 0,
      rps: interval(m, 'throughputRps', 0),
      cpuUs: interval(m, 'cpuMicrosPerRequest', 1),
      throughputVsReference: ratio(m, 'throughputRps'),
      cpuVsReference: ratio(m, 'cpuMicrosPerRequest'),
      peakSockets: m.target.peakOpenConnections,
      socketsOpenedMeasured: m.target.connectionsOpenedMeasured,
      warnings: warningCount(m),
      pooledSockets: settingNumber(m, 'pooledSockets'),
      heldKiBPerSocket: kib(memory?.heapAndExternalBytes),
      rssKiBPerSocket: kib(memory?.rssBytes),
      flags: (m.guards?.flags ?? []).join(', '),
    };
  });
}
