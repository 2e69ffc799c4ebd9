import { type MedianInterval, medianInterval } from '@casebook/stats';
import { type BlockMetric, type InterleavedMeasurement, isRankable, ratioOf, UNRANKABLE_FLAGS } from './interleaved';
import { metricRatioOf, type RoundMeasurement, roundValues } from './round-metrics';
import {
  countClaim,
  decide,
  exploratoryProvenance,
  intervalLabel,
  quantityClaim,
  sanityCheck,
  type Threshold,
  type VerdictData,
} from './verdicts';

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
  /**
   * MaxListenersExceededWarning by emitter type and event name (`Socket 'error'`), from the warning's own `emitter`
   * and `type`; {} in records made before the worker kept them.
   */
  maxListenersWarnings: Record<string, number>;
}

/** One cell of a version matrix (structural: a live BenchRecord and one read back from disk both fit). */
export interface VersionMeasurement extends InterleavedMeasurement {
  client: { name: string; version: string; settings: Record<string, unknown> };
  /**
   * The target's counters. Its `peakInFlight` is not used here: the target answers synchronously, so that counter
   * measures its handler's re-entrancy, not requests outstanding; sockets in use are `peakOpenConnections`.
   */
  target: {
    connectionsOpened: number;
    connectionsOpenedMeasured: number;
    peakOpenConnections: number;
    requests?: number;
  };
  /** The measured windows, with their block and encoded latency histogram (p99 per block: `roundValues`). */
  trials?: RoundMeasurement['trials'];
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
    const listeners = isRecord(v['maxListenersWarnings']) ? v['maxListenersWarnings'] : {};
    return {
      gc: v['gc'] === true,
      rssBytes: n('rssBytes'),
      heapUsedBytes: n('heapUsedBytes'),
      externalBytes: n('externalBytes'),
      arrayBuffersBytes: n('arrayBuffersBytes'),
      processWarnings: Object.fromEntries(
        Object.entries(warnings).filter((e): e is [string, number] => typeof e[1] === 'number'),
      ),
      maxListenersWarnings: Object.fromEntries(
        Object.entries(listeners).filter((e): e is [string, number] => typeof e[1] === 'number'),
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
 * is what JavaScript and its buffers hold; arrayBuffers (part of external) is where response bodies live. RSS is not
 * reported per socket: freed memory seldom leaves RSS at once, so pool open minus pool closed in RSS is about 0 by
 * construction, not a measurement of what the sockets held. Null without pooled sockets or process figures.
 */
export function memoryPerPooledSocket(m: Pick<VersionMeasurement, 'client'>): {
  heapAndExternalBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  pooledSockets: number;
  controlled: boolean;
} | null {
  const p = processFigures(m);
  const sockets = settingNumber(m, 'pooledSockets');
  if (p === null || sockets === null || sockets <= 0) return null;
  const open = p.atIdle ?? p.atFinish;
  const held = (f: ProcessFigures) => f.heapUsedBytes + f.externalBytes;
  return {
    heapAndExternalBytes: (held(open) - held(p.afterClose)) / sockets,
    externalBytes: (open.externalBytes - p.afterClose.externalBytes) / sockets,
    arrayBuffersBytes: (open.arrayBuffersBytes - p.afterClose.arrayBuffersBytes) / sockets,
    pooledSockets: sockets,
    controlled: p.atIdle !== null,
  };
}

/**
 * What a cell's process held with its pool open at idle and after it closed the pool (absolute, whole process), and
 * the requests it completed over the run: the exact count of responses the client process completed, warm-up
 * included (`client.settings.requestsCompleted`, counted by the worker over every window and pause), or, in records
 * made before the worker counted them, an estimate (the target's measured count plus rate × duration of each warm-up
 * window; `requestsExact` false). The context for a per-socket figure far above a socket's size: a figure per pooled
 * socket of a client that keeps every response grows with the run's length, so it is not a property of the version.
 * `retainedPerRequestBytes` is the arrayBuffers freed by closing the pool divided by the requests completed (about the
 * body size, or twice it with the body's chunks, when every response stayed reachable until the pool closed). Null
 * without process figures.
 */
export function poolRetention(
  m: Pick<VersionMeasurement, 'client' | 'target'> & {
    method?:
      | { blocks?: unknown; warmupCurve?: readonly { throughputRps: number; durationMs: number }[] }
      | null
      | undefined;
  },
): {
  arrayBuffersIdleBytes: number;
  arrayBuffersClosedBytes: number;
  rssIdleBytes: number;
  rssClosedBytes: number;
  freedArrayBuffersBytes: number;
  requestsCompleted: number;
  requestsExact: boolean;
  retainedPerRequestBytes: number | null;
} | null {
  const p = processFigures(m);
  if (p === null) return null;
  const open = p.atIdle ?? p.atFinish;
  const exact = settingNumber(m, 'requestsCompleted');
  const warm = (m.method?.warmupCurve ?? []).reduce((s, w) => s + (w.throughputRps * w.durationMs) / 1000, 0);
  const requestsCompleted = exact ?? Math.round((m.target.requests ?? 0) + warm);
  const freed = open.arrayBuffersBytes - p.afterClose.arrayBuffersBytes;
  return {
    arrayBuffersIdleBytes: open.arrayBuffersBytes,
    arrayBuffersClosedBytes: p.afterClose.arrayBuffersBytes,
    rssIdleBytes: open.rssBytes,
    rssClosedBytes: p.afterClose.rssBytes,
    freedArrayBuffersBytes: freed,
    requestsCompleted,
    requestsExact: exact !== null,
    retainedPerRequestBytes: requestsCompleted > 0 ? freed / requestsCompleted : null,
  };
}

const METRIC_TEXT: Record<BlockMetric, string> = {
  throughputRps: 'throughput',
  cpuMicrosPerRequest: 'CPU per request',
  clientUtilization: 'client CPU utilisation',
  targetCpuShare: "target's share of its core",
};

/** Why a cell cannot be compared: `not-steady` and the other guard flags it carries (empty when it is rankable). */
const flagsOf = (m: VersionMeasurement): readonly string[] => m.guards?.flags ?? [];

/**
 * Whether a cell may enter a comparison between versions: rankable (the guard rule, isRankable), and not
 * `foreign-load` (another process kept the client's core busy in at least 10 % of its measured windows: its throughput
 * was shared, e.g. with a leaking cell's garbage collection, so a ratio would measure the neighbour as much as the
 * version).
 */
export function isComparableCell(m: VersionMeasurement): boolean {
  return isRankable(m) && !flagsOf(m).includes('foreign-load');
}

/** Each excluding flag as the reason a comparison was not made, naming the cell (not-steady is counted apart). */
const FLAG_REASONS: Readonly<Record<string, (label: string) => string>> = {
  'target-saturated': (l) =>
    `target saturated in the median block of ${l} (the target's share of its core above 0.7 and above the client's)`,
  'foreign-load': (l) =>
    `the client core of ${l} was busy beyond the client process's own CPU (core busy minus the process's CPU, which includes kernel work on its behalf, above 0.2 in at least 10 % of its measured windows)`,
  errors: (l) => `${l} had failed requests`,
  stalled: (l) => `${l} stalled (a measured block completed no request)`,
  'no-data': (l) => `${l} completed no block`,
  'cap-not-shown': (l) =>
    `the raised cap of ${l} did not show in its measured windows (their median peak of open connections at or below Bun's default 256, or at most half of them above it)`,
};

/**
 * Why a comparison between `reference` and `other` is not made, or null when both may be compared: "not compared:
 * N of M cells not steady" (M: the cells of the matrix, `cells`), and each other flag that keeps a cell out, with its
 * real reason ("target saturated in the median block of undici@7.30.2 …"); flags that exclude nothing (cpu-over-wall,
 * instrumented) are not reasons.
 */
export function notComparedReason(
  reference: VersionMeasurement,
  other: VersionMeasurement,
  cells: readonly VersionMeasurement[] = [reference, other],
): string | null {
  if (isComparableCell(reference) && isComparableCell(other)) return null;
  const unsteady = cells.filter((m) => flagsOf(m).includes('not-steady'));
  const pair = [reference, other].filter((m) => !isComparableCell(m));
  const otherReasons = pair.flatMap((m) => {
    const excluding = flagsOf(m).filter(
      (f) => f !== 'not-steady' && (UNRANKABLE_FLAGS.includes(f) || f === 'foreign-load' || f === 'cap-not-shown'),
    );
    if (excluding.length > 0) return excluding.map((f) => FLAG_REASONS[f]?.(m.label) ?? `${m.label} flagged ${f}`);
    return flagsOf(m).includes('not-steady') ? [] : [`${m.label} not rankable`];
  });
  const parts: string[] = [];
  if (unsteady.length > 0) parts.push(`${unsteady.length} of ${cells.length} cells not steady`);
  parts.push(...otherReasons);
  return `not compared: ${parts.join('; ')}`;
}

/**
 * Why two cells are not compared in the same connection regime, or null when they held their connections the same way
 * (equal peaks of open connections at the target): "not compared: socket regimes differ (A opened 2, peak 2 open; B
 * opened 1, peak 1 open)".
 */
export function socketRegimeReason(
  reference: Pick<VersionMeasurement, 'label' | 'target'>,
  other: Pick<VersionMeasurement, 'label' | 'target'>,
): string | null {
  if (reference.target.peakOpenConnections === other.target.peakOpenConnections) return null;
  const text = (m: Pick<VersionMeasurement, 'label' | 'target'>) =>
    `${m.label} opened ${m.target.connectionsOpened}, peak ${m.target.peakOpenConnections} open`;
  return `not compared: socket regimes differ (${text(reference)}; ${text(other)})`;
}

/**
 * The paired per-round ratio `other` / `reference` of a comparison the guards keep out, as text (`1.26 (1.01–1.43)`,
 * `~` when its interval includes 1), or null when no round pairs: printed beside the reason, labelled exploratory,
 * never hidden and never counted.
 */
export function exploratoryRatioText(
  reference: VersionMeasurement,
  other: VersionMeasurement,
  metric: BlockMetric,
): string | null {
  if ((reference.method?.blocks.length ?? 0) === 0 || (other.method?.blocks.length ?? 0) === 0) return null;
  const text = ratioText(ratioOf(reference, other, metric));
  return text === '–' ? null : text;
}

/**
 * A movement beyond noise: the paired per-round ratio `other` / `reference` whose 95 % interval (at full coverage)
 * excludes 1, whether or not the guards let the comparison decide a claim (a flagged pair's movement is still a lead
 * to bisect, labelled exploratory); null when the interval includes 1, is below 95 % coverage, or no round pairs.
 */
export function movementBeyondNoise(
  reference: VersionMeasurement,
  other: VersionMeasurement,
  metric: BlockMetric = 'throughputRps',
): { ratio: MedianInterval; compared: boolean } | null {
  if ((reference.method?.blocks.length ?? 0) === 0 || (other.method?.blocks.length ?? 0) === 0) return null;
  const ratio = ratioOf(reference, other, metric);
  if (!resolvesMovement(ratio)) return null;
  return { ratio, compared: isComparableCell(reference) && isComparableCell(other) };
}

/** Whether a paired ratio is a movement beyond noise: its interval reaches 95 % coverage and excludes 1. */
export function resolvesMovement(r: Pick<MedianInterval, 'low' | 'high' | 'coverage'>): boolean {
  return [r.low, r.high].every(Number.isFinite) && r.coverage >= 0.95 && !(r.low <= 1 && r.high >= 1);
}

/** Release versions in release order (`6.29.1` < `7.0.0` < `8.13.1`); a pre-release tag is not ordered. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => (v.split('-')[0] ?? '').split('.').map((x) => Number(x));
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The paired ratio between two measured versions of one comparison: older / newer per round. */
export interface VersionPairRatio {
  older: string;
  newer: string;
  ratio: Pick<MedianInterval, 'median' | 'low' | 'high' | 'coverage'>;
  /** Whether the guards let both cells be compared (a flagged pair's movement is still a lead, labelled exploratory). */
  compared: boolean;
}

/** A bracket to bisect: two measured versions between which a movement is resolved, and none closer. */
export interface BisectBracket {
  older: string;
  newer: string;
  /** older / newer per round: its interval excludes 1. */
  ratio: VersionPairRatio['ratio'];
  compared: boolean;
  /** Measured versions inside the bracket: each is unresolved against both ends (else the bracket would be closer). */
  inside: string[];
}

/**
 * Where a movement between measured versions lies, from the data: every pair of measured versions whose paired ratio
 * resolves a movement (`resolvesMovement`, the rule of `movementBeyondNoise`) and contains no closer such pair. With
 * 6.29.1, 7.30.2 and 8.13.1 measured: 6.29.1 vs 8.13.1 resolved, 7.30.2 unresolved against 8.13.1 and against
 * 6.29.1 → one bracket 6.29.1 → 8.13.1 (the movement could be anywhere between them); 7.30.2 vs 8.13.1 resolved
 * too → 7.30.2 → 8.13.1. Two adjacent resolved pairs give two brackets. No resolved pair: none. Pure.
 */
export function bisectBrackets(versions: readonly string[], pairs: readonly VersionPairRatio[]): BisectBracket[] {
  const order = [...new Set(versions)].sort(compareVersions);
  const at = (v: string) => order.indexOf(v);
  const resolved = pairs
    .filter((p) => at(p.older) >= 0 && at(p.newer) > at(p.older) && resolvesMovement(p.ratio))
    .map((p) => ({ p, i: at(p.older), j: at(p.newer) }));
  return resolved
    .filter(({ i, j }) => !resolved.some((q) => q.i >= i && q.j <= j && (q.i !== i || q.j !== j)))
    .sort((x, y) => x.i - y.i || x.j - y.j)
    .map(({ p, i, j }) => ({
      older: p.older,
      newer: p.newer,
      ratio: p.ratio,
      compared: p.compared,
      inside: order.slice(i + 1, j),
    }));
}

/**
 * The bisect plan of a version matrix, from its data: the paired ratio (older / newer per round) of every pair of
 * measured versions, the brackets they resolve (`bisectBrackets`), and the screen: the `candidates` (release versions
 * listed before the run) that lie within a bracket, ends included, in release order, with each bracket's ends added
 * when the list lacks them. Null when no movement is resolved (nothing to bisect).
 */
export function bisectPlan(input: {
  cells: readonly { version: string; measurement: VersionMeasurement }[];
  candidates: readonly string[];
  metric?: BlockMetric;
}): { pairs: VersionPairRatio[]; brackets: BisectBracket[]; screen: string[] } | null {
  const cells = [...input.cells].sort((a, b) => compareVersions(a.version, b.version));
  const pairs: VersionPairRatio[] = [];
  for (const [i, older] of cells.entries())
    for (const newer of cells.slice(i + 1)) {
      const blocks = (m: VersionMeasurement) => m.method?.blocks.length ?? 0;
      if (blocks(older.measurement) === 0 || blocks(newer.measurement) === 0) continue;
      const r = ratioOf(newer.measurement, older.measurement, input.metric ?? 'throughputRps');
      pairs.push({
        older: older.version,
        newer: newer.version,
        ratio: { median: r.median, low: r.low, high: r.high, coverage: r.coverage },
        compared: isComparableCell(older.measurement) && isComparableCell(newer.measurement),
      });
    }
  const brackets = bisectBrackets(
    cells.map((c) => c.version),
    pairs,
  );
  if (brackets.length === 0) return null;
  const within = (v: string) =>
    brackets.some((b) => compareVersions(b.older, v) <= 0 && compareVersions(v, b.newer) <= 0);
  const screen = [
    ...new Set([...input.candidates.filter(within), ...brackets.flatMap((b) => [b.older, b.newer])]),
  ].sort(compareVersions);
  return { pairs, brackets, screen };
}

/** A measured window's per-core shares (/proc/stat), as a bench record's trials carry them under the steady-state method. */
interface WindowCores {
  block?: number | undefined;
  cores?: readonly { busy: number; steal: number }[] | null | undefined;
}

/**
 * Hypervisor steal over a measurement's measured windows (descriptive, no verdict): per window the most-stolen core's
 * share (as the guards take it; their `otherLoad.steal` is the median), its median and maximum, and the rounds with a
 * window above `above`. Null when no window recorded its cores (no /proc/stat).
 */
export function stealSummary(
  m: {
    label: string;
    trials: readonly WindowCores[];
    method?: { blocks: readonly { index?: number; round: number }[] } | null | undefined;
  },
  above = 0.05,
): { label: string; windows: number; median: number; max: number; roundsAbove: number[] } | null {
  const withCores = m.trials.filter((w) => (w.cores?.length ?? 0) > 0);
  if (withCores.length === 0) return null;
  const steal = (w: WindowCores) => Math.max(...(w.cores ?? []).map((c) => c.steal));
  const values = withCores.map(steal);
  const roundOf = new Map((m.method?.blocks ?? []).map((b) => [b.index, b.round]));
  const rounds = withCores
    .filter((w) => steal(w) > above)
    .map((w) => (w.block === undefined ? undefined : roundOf.get(w.block)))
    .filter((r): r is number => r !== undefined);
  return {
    label: m.label,
    windows: values.length,
    median: medianInterval(values).median,
    max: Math.max(...values),
    roundsAbove: [...new Set(rounds)].sort((a, b) => a - b),
  };
}

/**
 * One comparison's steal as a line (descriptive, no verdict): each cell's median and maximum steal over its measured
 * windows, and the rounds where any cell had a window above `above`. Pairing within a round does not cancel steal: the
 * cells of a round run one after another, so steal that hits one cell's block and not the other's stays in that
 * round's ratio.
 */
export function stealText(measurements: readonly Parameters<typeof stealSummary>[0][], above = 0.05): string {
  const s = measurements.map((m) => stealSummary(m, above));
  const f = (x: number) => x.toFixed(3);
  const head = 'Hypervisor steal (descriptive, no verdict; per measured window, the most-stolen core)';
  if (s.every((x) => x === null)) return `${head}: not recorded (no per-core /proc/stat readings).`;
  const cells = s.map((x, i) =>
    x === null
      ? `${measurements[i]?.label}: not recorded`
      : `${x.label}: median ${f(x.median)}, max ${f(x.max)} over ${x.windows} windows`,
  );
  const rounds = [...new Set(s.flatMap((x) => x?.roundsAbove ?? []))].sort((a, b) => a - b);
  return `${head}: ${cells.join('; ')}; rounds with a window above ${above}: ${rounds.join(', ') || 'none'}. Pairing within a round does not cancel steal: the cells of a round run one after another, so steal in one cell's block and not another's stays in that round's ratio.`;
}

/**
 * The regime a comparison of undici cells ran in, from their records (never a description): the load (`closed loop,
 * 512 in flight`), the dispatcher and its connection cap as the live Agent held them (`a Pool with connections
 * unbounded (null)`: one Client per socket), and each cell's Clients in the Pool at the end (`liveClientsInPool`).
 * A value a record lacks reads "not recorded".
 */
export function poolRegimeText(
  cells: readonly (Pick<VersionMeasurement, 'label' | 'client'> & {
    params: { load: { mode: string; concurrency: number } };
  })[],
): string {
  const unique = (xs: string[]) => [...new Set(xs)];
  const load = unique(
    cells.map((m) =>
      m.params.load.mode === 'closed'
        ? `closed loop, ${m.params.load.concurrency} in flight`
        : `${m.params.load.mode} loop`,
    ),
  );
  const pool = unique(
    cells.map((m) => {
      const kind = m.client.settings['liveDispatcher'];
      const cap = m.client.settings['liveConnectionsCap'];
      const capText =
        cap === 'unlimited (null)'
          ? 'unbounded (null)'
          : cap === 'Infinity'
            ? 'unbounded (Infinity)'
            : cap === undefined
              ? 'not recorded'
              : String(cap);
      const perSocket = kind === 'Pool' ? ', one Client per socket' : '';
      return `a ${typeof kind === 'string' ? kind : 'dispatcher not recorded'} with connections ${capText}${perSocket}`;
    }),
  );
  const clients = cells
    .map((m) => `${m.label} ${String(m.client.settings['liveClientsInPool'] ?? 'not recorded')}`)
    .join(', ');
  return `${load.join(' / ')}, ${pool.join(' / ')} (Clients in the Pool at the end, liveClientsInPool: ${clients})`;
}

/** `within 10 % below to 10 % above`, `more than 1.1×`, `less than 0.9×` (a band's text before "the reference's"). */
function bandText(band: Threshold, pct: (x: number) => number): string {
  if (band.above !== undefined && band.below !== undefined)
    return `within ${pct(band.above)} % below to ${pct(band.below)} % above`;
  if (band.above !== undefined) return `more than ${band.above}×`;
  if (band.below !== undefined) return `less than ${band.below}×`;
  throw new Error('a claim needs a threshold: above, below or both');
}

/**
 * Another comparison of the same run that measured a claim's pair: the same two cell configurations, at the same load
 * (e.g. undici 8.13.1 and 7.30.2 at 512 in flight in section 1 and again in the sweep of section 7).
 */
export interface PairElsewhere {
  /** The comparison as the notebook names it (`section 7`). */
  comparison: string;
  reference: VersionMeasurement;
  other: VersionMeasurement;
  /** Every cell of that comparison (for "N of M cells not steady"); default the two. */
  cells?: readonly VersionMeasurement[];
}

/** One comparison's reading of a pair against a band: its ratio, outcome, and for a fail the side it fell on. */
interface PairDecision {
  text: string;
  outcome: VerdictData['outcome'];
  side: 'below' | 'above' | null;
}

/** How one comparison decides a pair against `band`, under the same guards as versionParityClaim. */
function decidePair(
  p: PairElsewhere,
  metric: 'throughputRps' | 'cpuMicrosPerRequest',
  band: Threshold,
  sameSockets: boolean,
): PairDecision {
  const head = `${p.comparison}: ${p.other.label} / ${p.reference.label}`;
  const reason =
    notComparedReason(p.reference, p.other, p.cells) ?? (sameSockets ? socketRegimeReason(p.reference, p.other) : null);
  if (reason !== null) return { text: `${head} ${reason}`, outcome: 'unresolved', side: null };
  const r = ratioOf(p.reference, p.other, metric);
  const text = `${head} ${ratioText(r)}`;
  if (![r.low, r.high].every(Number.isFinite) || r.coverage < 0.95)
    return { text: `${text}, below 95 % coverage`, outcome: 'unresolved', side: null };
  const outcome = decide(r, band);
  if (outcome === 'holds') return { text: `${text}, inside the band`, outcome, side: null };
  if (outcome === 'unresolved') return { text: `${text}, across an edge of the band`, outcome, side: null };
  const side = band.above !== undefined && r.high <= band.above ? 'below' : 'above';
  return { text: `${text}, wholly ${side} the band`, outcome, side };
}

/**
 * Two versions the same within a band: `other` / `reference` per round (paired), its 95 % interval inside the band
 * (holds), entirely outside it (fails), or straddling an edge (unresolved). A flagged measurement cannot decide: the
 * verdict is then unresolved, and its evidence says why ("not compared: N of M cells not steady", "not compared:
 * target saturated in the median block of …") and still carries the paired ratio with its interval as
 * `exploratoryRatio` (not counted); the medians of both cells are in the evidence either way. A pair measured in
 * other comparisons of the run too (`alsoMeasuredIn`) is decided by all of them together.
 */
export function versionParityClaim(input: {
  id: string;
  reference: VersionMeasurement;
  other: VersionMeasurement;
  metric: 'throughputRps' | 'cpuMicrosPerRequest';
  /**
   * Both sides: parity (`within 10 % below to 10 % above`). One side: a difference stated before the run (`above: 1.1`:
   * more than 1.1× the reference's; `below: 0.9`: less than 0.9×), for cells of different clients or runtimes.
   */
  band: Threshold;
  /** Every cell of the matrix (for "N of M cells not steady"); default the two compared. */
  cells?: readonly VersionMeasurement[];
  /**
   * 'exploratory' where the run's stopping rule does not control this metric's precision (the interleaved run stops on
   * the throughput ratio's precision only, so a CPU ratio's interval is whatever the rounds gave).
   */
  kind?: 'claim' | 'exploratory';
  /**
   * The regime the claim covers, appended to its text (`regime: closed loop, 512 in flight, …`; see
   * `poolRegimeText`): a parity found at one fan-out says nothing about another.
   */
  scope?: string;
  /**
   * Compare only cells that held their connections the same way (the same peak of open connections at the target): at
   * one request in flight a pool that keeps two sockets (undici's deferred resume) is not the one-socket regime of a
   * client that keeps one, so their ratio is not compared (`socketRegimeReason`).
   */
  sameSockets?: boolean;
  /** This claim's comparison as the notebook names it (`section 1`), for the evidence of `alsoMeasuredIn`. */
  comparison?: string;
  /**
   * The other comparisons of the run that measured the same pair (the same two cell configurations at the same load).
   * A cell can move on its own between comparisons, so one comparison's ratio is not the pair's: the claim fails only
   * when every comparison puts the ratio wholly outside the band on the same side, and holds only when every
   * comparison puts it inside; when the claim's own comparison decided and another did not agree, it is unresolved,
   * its reason naming each comparison's ratio ("comparison-dependent: …", evidence `comparisonDependent`). Each
   * comparison is read under the same guards; its cells' medians are in the evidence.
   */
  alsoMeasuredIn?: readonly PairElsewhere[];
}): VerdictData {
  const { reference, other, metric, band } = input;
  const flaggedReason = notComparedReason(reference, other, input.cells);
  const socketReason = input.sameSockets === true ? socketRegimeReason(reference, other) : null;
  const reason = flaggedReason ?? socketReason;
  const interval: MedianInterval =
    reason === null
      ? ratioOf(reference, other, metric)
      : { median: Number.NaN, low: Number.NaN, high: Number.NaN, coverage: 0, n: 0, method: 'order-statistics' };
  const pct = (x: number) => Math.round(Math.abs(1 - x) * 100);
  const med = (m: VersionMeasurement) => {
    const values = (m.method?.blocks ?? []).map((b) => b[metric]);
    return values.length > 0 ? medianInterval(values).median : Number.NaN;
  };
  const exploratory = reason === null ? null : exploratoryRatioText(reference, other, metric);
  const elsewhere = input.alsoMeasuredIn ?? [];
  const here: PairElsewhere = {
    comparison: input.comparison ?? 'this comparison',
    reference,
    other,
    ...(input.cells === undefined ? {} : { cells: input.cells }),
  };
  const decisions = [here, ...elsewhere].map((p) => decidePair(p, metric, band, input.sameSockets === true));
  const verdict = quantityClaim({
    id: input.id,
    claim: `${other.label}'s ${METRIC_TEXT[metric]} is ${bandText(band, pct)} ${reference.label}'s (paired per round)${input.scope === undefined ? '' : `; regime: ${input.scope}`}`,
    statistic: `${METRIC_TEXT[metric]} ratio ${other.label} / ${reference.label}`,
    interval,
    threshold: band,
    ...(input.kind === undefined ? {} : { kind: input.kind }),
    evidence: {
      reference: reference.label,
      other: other.label,
      comparable: reason === null,
      ...(reason === null ? {} : { reason }),
      // Not compared: the paired ratio is still printed, as exploratory (not counted), so a movement is never hidden.
      ...(exploratory === null
        ? {}
        : {
            exploratoryRatio: `${exploratory} (exploratory: ${flaggedReason === null ? 'socket regimes differ' : 'flagged'}, not counted)`,
          }),
      [`median ${reference.label}`]: med(reference),
      [`median ${other.label}`]: med(other),
      ...(elsewhere.length === 0
        ? {}
        : Object.fromEntries([
            ['comparisons', decisions.map((d) => d.text).join('; ')],
            ...elsewhere.flatMap((p) => [
              [`median ${p.reference.label} in ${p.comparison}`, med(p.reference)],
              [`median ${p.other.label} in ${p.comparison}`, med(p.other)],
            ]),
          ])),
    },
  });
  const first = decisions[0];
  const agree = decisions.every((d) => d.outcome === first?.outcome && d.side === first.side);
  // The claim's own comparison undecided (imprecise or not compared): unresolved as it stands. All agree: decided.
  if (elsewhere.length === 0 || verdict.outcome === 'unresolved' || agree) return verdict;
  // Comparison-dependent only when the comparisons decide in opposite directions (one holds and another fails, or
  // both fail on opposite sides of the band); a comparison that decided nothing does not contradict one that did: the
  // claim is then unresolved in that comparison, named (stated before the run after versions-670dac55).
  const decided = decisions.filter((d) => d.outcome !== 'unresolved');
  const opposite =
    (decided.some((d) => d.outcome === 'holds') && decided.some((d) => d.outcome === 'fails')) ||
    new Set(decided.filter((d) => d.outcome === 'fails').map((d) => d.side)).size > 1;
  const undecidedIn = elsewhere.filter((_, i) => decisions[i + 1]?.outcome === 'unresolved').map((p) => p.comparison);
  const evidence = opposite
    ? { comparisonDependent: `comparison-dependent: ${decisions.map((d) => d.text).join('; ')}` }
    : {
        unresolvedElsewhere: `unresolved in ${undecidedIn.join(' and ')} (not contradicted: imprecise or not compared there): ${decisions.map((d) => d.text).join('; ')}`,
      };
  return {
    ...verdict,
    outcome: 'unresolved',
    holds: false,
    evidence: { ...verdict.evidence, ...evidence },
  };
}

/**
 * The medians of two cells side by side, with their ratio when it was computed (paired per round, 95 % interval) or
 * the reason it was not: a line a notebook prints under its table, so a difference in medians is never shown without
 * saying whether it was compared.
 */
export function medianComparisonText(
  reference: VersionMeasurement,
  other: VersionMeasurement,
  metric: 'throughputRps' | 'cpuMicrosPerRequest',
  cells?: readonly VersionMeasurement[],
): string {
  const digits = metric === 'throughputRps' ? 0 : 1;
  const unit = metric === 'throughputRps' ? 'req/s' : 'µs/request';
  const med = (m: VersionMeasurement) => {
    const values = (m.method?.blocks ?? []).map((b) => b[metric]);
    return values.length > 0 ? medianInterval(values).median.toFixed(digits) : '–';
  };
  const reason = notComparedReason(reference, other, cells);
  const exploratory = reason === null ? null : exploratoryRatioText(reference, other, metric);
  const ratio =
    reason === null
      ? `ratio ${ratioText(ratioOf(reference, other, metric))}`
      : `${reason}${exploratory === null ? '' : `; paired ratio ${exploratory} (exploratory: flagged, not counted)`}`;
  return `${METRIC_TEXT[metric]}: ${other.label} ${med(other)} vs ${reference.label} ${med(reference)} ${unit} (medians over rounds); ${ratio}`;
}

/**
 * The same cells as each comparison of a run measured them (descriptive, decides nothing), as lines: every cell (by
 * label) that two or more comparisons measured, with its median in each (throughput and CPU per request) and its
 * highest ÷ lowest throughput, and every pair of cells measured together in two or more comparisons, with the pair's
 * paired ratio (the later cell in the first comparison's order over the earlier) from each. So a reader sees which
 * cell moved between comparisons and whether the pair's ratio moved with it, instead of one spread read as the
 * machine's. A ratio whose pair is flagged in that comparison says so. Pass comparisons at one load only.
 */
export function sameCellsAcrossLines(
  comparisons: readonly { name: string; cells: readonly VersionMeasurement[] }[],
): string[] {
  const medianOf = (m: VersionMeasurement, metric: 'throughputRps' | 'cpuMicrosPerRequest'): number | null => {
    const values = (m.method?.blocks ?? []).map((b) => b[metric]);
    return values.length > 0 ? medianInterval(values).median : null;
  };
  const at = (c: (typeof comparisons)[number], label: string) => c.cells.find((m) => m.label === label);
  const labels = [...new Set(comparisons.flatMap((c) => c.cells.map((m) => m.label)))];
  const cellLines = labels.flatMap((label) => {
    const seen = comparisons.flatMap((c) => {
      const m = at(c, label);
      return m === undefined
        ? []
        : [{ name: c.name, rps: medianOf(m, 'throughputRps'), cpu: medianOf(m, 'cpuMicrosPerRequest') }];
    });
    if (seen.length < 2) return [];
    const rps = seen.flatMap((x) => (x.rps === null ? [] : [x.rps]));
    const spread =
      rps.length < 2 ? '' : `; highest ÷ lowest throughput ${(Math.max(...rps) / Math.min(...rps)).toFixed(2)}`;
    const each = seen
      .map(
        (x) =>
          `${x.name} ${x.rps === null ? '–' : x.rps.toFixed(0)} req/s, ${x.cpu === null ? '–' : x.cpu.toFixed(1)} µs CPU per request`,
      )
      .join('; ');
    return [`\`${label}\`: ${each}${spread}`];
  });
  const pairLines: string[] = [];
  for (const [i, a] of labels.entries())
    for (const b of labels.slice(i + 1)) {
      const together = comparisons.filter((c) => at(c, a) !== undefined && at(c, b) !== undefined);
      if (together.length < 2) continue;
      const first = together[0]?.cells ?? [];
      const [refLabel, otherLabel] =
        first.findIndex((m) => m.label === a) <= first.findIndex((m) => m.label === b) ? [a, b] : [b, a];
      const each = together.map((c) => {
        const ref = at(c, refLabel) as VersionMeasurement;
        const other = at(c, otherLabel) as VersionMeasurement;
        const flagged = isComparableCell(ref) && isComparableCell(other) ? '' : ' (a cell flagged: exploratory)';
        const r = (metric: BlockMetric) => ratioText(ratioOf(ref, other, metric));
        return `${c.name} throughput ${r('throughputRps')}, CPU per request ${r('cpuMicrosPerRequest')}${flagged}`;
      });
      pairLines.push(
        `\`${otherLabel}\` / \`${refLabel}\` (paired per round within each comparison): ${each.join('; ')}`,
      );
    }
  return [...cellLines, ...pairLines];
}

const OUTCOME_TEXT: Record<VerdictData['outcome'], string> = {
  holds: 'holds',
  fails: 'does not hold',
  unresolved: 'unresolved',
};

/**
 * One line per verdict, generated from the computed outcomes (for a notebook's closing section, so its prose cannot
 * contradict them): the id, its kind when not a claim (an exploratory one with when it was stated: added after seeing
 * the data, declared before the run, or a replication of an earlier run), its outcome, and its statistic with the
 * interval labelled with its actual coverage (`98.7 % interval`), or the reason it was not compared, or, for a pair
 * two comparisons decided differently, each comparison's ratio (`comparisonDependent`).
 */
export function outcomeLines(verdicts: readonly VerdictData[]): string[] {
  const n = (x: number) => String(Number(x.toPrecision(3)));
  return verdicts.map((v) => {
    const provenance = exploratoryProvenance(v);
    const kind =
      v.kind === 'claim'
        ? ''
        : ` (${v.kind === 'sanity' ? 'sanity check' : v.kind}${provenance === null ? '' : `, ${provenance}`})`;
    const flagged =
      typeof v.evidence['exploratoryRatio'] === 'string' ? `; paired ratio ${v.evidence['exploratoryRatio']}` : '';
    const dependent = v.evidence['comparisonDependent'] ?? v.evidence['unresolvedElsewhere'];
    const reason =
      typeof v.evidence['reason'] === 'string'
        ? `: ${v.evidence['reason']}${flagged}`
        : v.outcome === 'unresolved' && typeof dependent === 'string'
          ? `: ${dependent}`
          : '';
    const stat = v.statistic
      ? `: ${v.statistic.name} = ${n(v.statistic.value)}${v.statistic.ci95 ? ` (${intervalLabel(v.evidence)} ${n(v.statistic.ci95[0])}–${n(v.statistic.ci95[1])})` : ' (no 95 % interval)'}`
      : '';
    return `\`${v.id}\`${kind}: ${OUTCOME_TEXT[v.outcome]}${reason || stat}`;
  });
}

/**
 * Sockets each version held at most: the target's peak of open connections at most `factor` × the requests in flight.
 * undici's Pool has no bound of its own here (connections: null, unlimited): a new Client is opened whenever no
 * existing one can take a request, and at pipelining 1 a Client stays busy in its `kNeedDrain` window until
 * `setImmediate` (LAB-NOTES), so a cold burst was observed to open more sockets than requests in flight — up to about
 * twice as many in the lab's runs. With `factor` 2 the bound is that observation, not a finding and not a ceiling (with
 * 78 client processes started in one comparison, versions-0cfdd43a's section 7, warm-up churn went past it: 1,025–2,154;
 * section 7 checks the harness's own bound instead, sweepWindowSocketsSanity): pass `kind: 'sanity'` (shown, never
 * counted). A tighter factor (e.g. 1.05: no socket beyond one per request in flight) is a claim that
 * can fail. Sockets opened in the measured windows (warm-up excluded) are the evidence of churn.
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
    claim:
      input.kind === 'sanity'
        ? `every version keeps at most ${input.factor} × ${input.concurrency} = ${bound} sockets open at once (a reading of warm-up, not a ceiling: undici's Pool has no bound here and the harness sets none; a cold burst at pipelining 1 opens new Clients while busy ones are replaced, and with many client processes started in one comparison the warm-up churn went past it, 1,025–2,154 in versions-0cfdd43a's section 7)`
        : `every version keeps at most ${input.factor} × ${input.concurrency} = ${bound} sockets open at once`,
    holds: input.measurements.length > 0 && over.length === 0,
    evidence: Object.fromEntries([
      ['bound', bound],
      ...input.measurements.map((m) => [`peak ${m.label}`, m.target.peakOpenConnections]),
      ...input.measurements.map((m) => [`opened in measured windows ${m.label}`, m.target.connectionsOpenedMeasured]),
    ]),
  };
  return input.kind === 'sanity' ? sanityCheck(verdict) : countClaim(verdict);
}

/** MaxListenersExceededWarning of a cell by emitter type and event name, as `Socket 'error' × 64` (or 'none'). */
export function listenerWarningsText(m: Pick<VersionMeasurement, 'client'>): string {
  const byEvent = processFigures(m)?.atFinish.maxListenersWarnings ?? {};
  return (
    Object.entries(byEvent)
      .map(([k, n]) => `${k} × ${n}`)
      .join(', ') || 'none'
  );
}

/**
 * Warnings by version: every cell in `warn` emitted at least one warning of `name` over its run, and every cell in
 * `silent` none (the worker counts the process's 'warning' events). With `event` (e.g. `Socket 'error'`: the warning's
 * emitter type and event name, which the worker records for MaxListenersExceededWarning), every such warning of a
 * `warn` cell must be on that emitter and event, so the claim is about the listener it names and fails on warnings
 * from anything else (or a record that did not keep emitter and event). `scope` states the configuration the claim
 * covers (e.g. "with the default maxRedirects, through follow-redirects").
 */
export function warningsClaim(input: {
  id: string;
  warn: readonly VersionMeasurement[];
  silent: readonly VersionMeasurement[];
  name?: string;
  event?: string;
  scope?: string;
}): VerdictData {
  const name = input.name ?? 'MaxListenersExceededWarning';
  const all = [...input.warn, ...input.silent];
  const reported = all.every((m) => processFigures(m) !== null);
  const onEvent = (m: VersionMeasurement): boolean => {
    if (input.event === undefined) return true;
    const byEvent = processFigures(m)?.atFinish.maxListenersWarnings ?? {};
    const total = Object.values(byEvent).reduce((a, b) => a + b, 0);
    return (byEvent[input.event] ?? 0) > 0 && total === (byEvent[input.event] ?? 0);
  };
  const holds =
    reported &&
    all.length > 0 &&
    input.warn.every((m) => warningCount(m, name) > 0 && onEvent(m)) &&
    input.silent.every((m) => warningCount(m, name) === 0);
  const labels = (ms: readonly VersionMeasurement[]) => ms.map((m) => m.label).join(', ') || 'none';
  const scope = input.scope === undefined ? '' : `${input.scope}, `;
  const on = input.event === undefined ? '' : `, every one on a ${input.event} listener`;
  const unreported = all.filter((m) => processFigures(m) === null).map((m) => m.label);
  return countClaim({
    id: input.id,
    claim: `${scope}${labels(input.warn)} emit${input.warn.length === 1 ? 's' : ''} at least one ${name} over the run${on}; ${labels(input.silent)} emit none`,
    holds,
    // A cell whose worker reported no process figures has no count: the claim is undecided, never "fails" on zeros.
    ...(reported ? {} : { unresolved: true }),
    evidence: Object.fromEntries([
      ['warningsReported', reported],
      ...(reported ? [] : [['reason', `no process figures reported by ${unreported.join(', ')}: no warning count`]]),
      ...(input.event === undefined ? [] : [['event required', input.event]]),
      ...all.map((m) => [`${name} ${m.label}`, warningCount(m, name)]),
      ...all.map((m) => [`by emitter and event ${m.label}`, listenerWarningsText(m)]),
      ...all.map((m) => [
        `socket 'error' listeners at rest (median) ${m.label}`,
        settingNumber(m, 'socketErrorListenersMedian'),
      ]),
    ]),
  });
}

/**
 * Memory held per pooled socket after the load (memoryPerPooledSocket: idle minus closed, each after two full GCs):
 * `more` holds at least `minBytes` more heap + external per pooled socket than `baseline`, a cell measured in the same
 * run (a response a pooled socket retains — through its listener's enclosing scope, axios#11091, or as the socket's
 * current request that follow-redirects never closes — shows as about the body size per socket above the baseline;
 * the baseline itself is not 0 and is stated in the evidence). A single reading per process, not an interval: a
 * count-style claim with its numbers.
 */
export function pinnedMemoryClaim(input: {
  id: string;
  more: VersionMeasurement;
  baseline: VersionMeasurement;
  minBytes: number;
  /** 'exploratory' while the per-socket baseline is not understood (the notebook says why). */
  kind?: 'claim' | 'exploratory';
}): VerdictData {
  const a = memoryPerPooledSocket(input.more);
  const b = memoryPerPooledSocket(input.baseline);
  const gcBoth = [input.more, input.baseline].every((m) => {
    const p = processFigures(m);
    return (p?.atIdle ?? p?.atFinish)?.gc === true && p?.afterClose.gc === true;
  });
  const difference = a && b ? a.heapAndExternalBytes - b.heapAndExternalBytes : Number.NaN;
  const r = (x: number | undefined) => (x === undefined ? null : Math.round(x));
  return countClaim({
    id: input.id,
    claim: `after the load, ${input.more.label}'s pooled sockets keep at least ${input.minBytes} bytes more alive each (heap + external, pool open minus pool closed, each read after the same wait and two full GCs) than those of the baseline ${input.baseline.label} in the same run`,
    holds: gcBoth && Number.isFinite(difference) && difference >= input.minBytes,
    ...(input.kind === undefined ? {} : { kind: input.kind }),
    evidence: {
      threshold: `difference ≥ ${input.minBytes} bytes per pooled socket`,
      differenceBytes: Number.isFinite(difference) ? Math.round(difference) : null,
      [`held per socket ${input.more.label}`]: r(a?.heapAndExternalBytes),
      [`baseline held per socket ${input.baseline.label}`]: r(b?.heapAndExternalBytes),
      [`arrayBuffers per socket ${input.more.label}`]: r(a?.arrayBuffersBytes),
      [`baseline arrayBuffers per socket ${input.baseline.label}`]: r(b?.arrayBuffersBytes),
      [`pooled sockets ${input.more.label}`]: a?.pooledSockets ?? null,
      [`pooled sockets ${input.baseline.label}`]: b?.pooledSockets ?? null,
      gcBoth,
      controlledReading: a !== null && b !== null && a.controlled && b.controlled,
    },
  });
}

/**
 * A cell whose pooled sockets kept far more than a response each alive: at least `minBodies` × `bodyBytes` of
 * arrayBuffers per pooled socket freed by closing the pool (pool open at idle minus closed), an absolute threshold on
 * the cell's own figure, with its absolute readings and requests completed in the evidence. No baseline: nothing is
 * compared, so no other cell's figure (least of all one from another comparison) is put beside it. The figure is in
 * body-sized equivalents (arrayBuffers / bodyBytes), not a count of responses: a retained response can hold its body
 * twice (the chunks and the concatenated buffer), and a per-socket figure of a client that keeps every response grows
 * with the run's length; bytes per request completed (`poolRetention`) is the figure that does not. Meant as an exploratory
 * observation (added after seeing the data) unless a run declared it before.
 */
export function retainedResponsesObservation(input: {
  id: string;
  cell: VersionMeasurement;
  bodyBytes: number;
  minBodies: number;
  kind?: 'claim' | 'exploratory';
}): VerdictData {
  const a = memoryPerPooledSocket(input.cell);
  const ra = poolRetention(input.cell);
  const bodies = a ? a.arrayBuffersBytes / input.bodyBytes : Number.NaN;
  const r = (x: number | null | undefined) => (x === undefined || x === null ? null : Math.round(x));
  return countClaim({
    id: input.id,
    claim: `${input.cell.label}'s pooled sockets each keep at least ${input.minBodies} × ${input.bodyBytes} bytes (body-sized equivalents, not a count of responses: a retained response may hold its body twice) of arrayBuffers alive until the pool closes (pool open at idle minus closed; grows with the run's length)`,
    holds: Number.isFinite(bodies) && bodies >= input.minBodies,
    kind: input.kind ?? 'exploratory',
    evidence: {
      threshold: `≥ ${input.minBodies} body-sized equivalents per pooled socket`,
      [`body-sized equivalents per socket ${input.cell.label}`]: Number.isFinite(bodies)
        ? Number(bodies.toFixed(1))
        : null,
      [`arrayBuffers at idle ${input.cell.label}`]: r(ra?.arrayBuffersIdleBytes),
      [`arrayBuffers after close ${input.cell.label}`]: r(ra?.arrayBuffersClosedBytes),
      [`RSS at idle ${input.cell.label}`]: r(ra?.rssIdleBytes),
      [`RSS after close ${input.cell.label}`]: r(ra?.rssClosedBytes),
      [`requests completed ${input.cell.label}`]: r(ra?.requestsCompleted),
      [`requests completed counted exactly ${input.cell.label}`]: ra?.requestsExact ?? null,
      [`freed per request completed ${input.cell.label}`]: r(ra?.retainedPerRequestBytes),
      [`pooled sockets ${input.cell.label}`]: a?.pooledSockets ?? null,
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
    /**
     * The package version asked for; null for Node's own client (its "version" is the runtime, named from the same
     * process.versions it would be checked against, so the runtime and bundled undici the worker read are checked
     * against the ones expected instead).
     */
    clientVersion: string | null;
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
      if (fromStore && r.clientFrom !== null && clientVersion !== null && r.clientFrom.version !== clientVersion)
        problems.push(`${m.label}: store entry ${r.clientFrom.version}, asked ${clientVersion}`);
    }
    if (clientVersion === null) {
      if (r !== null && r.clientFrom !== null) problems.push(`${m.label}: a store entry loaded for Node's own client`);
      if (node === undefined || bundledUndici === undefined)
        problems.push(`${m.label}: Node's own client needs the expected node and bundled undici`);
    } else if (m.client.version !== clientVersion)
      problems.push(`${m.label}: the worker loaded ${m.client.version}, asked ${clientVersion}`);
  }
  return sanityCheck({
    id: input.id,
    claim: 'every cell ran the package version it was asked for, and its record names the runtime and bundled undici',
    holds: input.cells.length > 0 && problems.length === 0,
    evidence: { cells: input.cells.length, problems: problems.join('; ') || 'none' },
  });
}

/** Bun's cap on fetches in flight per process when BUN_CONFIG_MAX_HTTP_REQUESTS is not set. */
const BUN_DEFAULT_CAP = 256;

/** What a cell's measured windows carry of the target's own counters (a bench record's trials). */
interface WindowTargets {
  trials?: readonly { target?: { peakOpenConnections?: number; connectionsClosed?: number } | undefined }[] | undefined;
}

/** The measured windows' own peaks of open connections at the target (a bench record's trials), never the warm-up's. */
export function measuredWindowPeaks(m: WindowTargets): number[] {
  return (m.trials ?? []).flatMap((t) =>
    typeof t.target?.peakOpenConnections === 'number' ? [t.target.peakOpenConnections] : [],
  );
}

/**
 * A cell's socket regime as the measured windows show it (stated before the run after versions-33c58fd8): "median
 * window peak 192 open (warm-up peak 513, not read)"; the run's peak, warm-up included, is named the warm-up peak and
 * decides nothing. Without per-window peaks: the run's peak, said to be one.
 */
export function windowRegimeText(m: WindowTargets & Pick<VersionMeasurement, 'target'>): string {
  const windows = measuredWindowPeaks(m);
  if (windows.length === 0)
    return `peak ${m.target.peakOpenConnections} open over the run, warm-up included (no per-window peak recorded)`;
  return `median window peak ${medianInterval(windows).median} open (warm-up peak ${m.target.peakOpenConnections}, not read)`;
}

/**
 * Whether a Bun cell's raised cap did not show in its measured windows (stated before the run after versions-33c58fd8):
 * a cap configured above 256 (`client.settings.bunMaxHttpRequests.value`) under a load above 256 shows only when the
 * median window peak of open connections is above 256 and more than half the windows are above it; no window peak
 * recorded does not show it either. False for any other cell.
 */
export function bunCapNotShown(
  m: WindowTargets & Pick<VersionMeasurement, 'client'> & { params: { load: { concurrency: number } } },
): boolean {
  const setting = m.client.settings['bunMaxHttpRequests'];
  const cap = isRecord(setting) && typeof setting['value'] === 'number' ? setting['value'] : null;
  if (cap === null || cap <= BUN_DEFAULT_CAP || m.params.load.concurrency <= BUN_DEFAULT_CAP) return false;
  const windows = measuredWindowPeaks(m);
  if (windows.length === 0) return true;
  const above = windows.filter((p) => p > BUN_DEFAULT_CAP).length;
  return !(medianInterval(windows).median > BUN_DEFAULT_CAP && above > windows.length / 2);
}

/**
 * Notebook 07's own guard rule (Study.guardWith, stated before the run after versions-33c58fd8): the flags that keep a
 * cell out of every comparison of the notebook, written into the saved record so the closing table prints the cell
 * "not citable" as it does the runner's excluding flags: `foreign-load` (already in the runner's flags, shown but not
 * excluding there; returned here so the record is saved unrankable) and `cap-not-shown` (`bunCapNotShown`).
 */
export function versionsGuardFlags(
  m: WindowTargets &
    Pick<VersionMeasurement, 'client' | 'guards'> & {
      params: { load: { concurrency: number } };
    },
): string[] {
  return [
    ...((m.guards?.flags ?? []).includes('foreign-load') ? ['foreign-load'] : []),
    ...(bunCapNotShown(m) ? ['cap-not-shown'] : []),
  ];
}

/**
 * Sanity (notebook 07, section 8): each Bun or Deno cell ran its worker on the runtime and version asked, installed from
 * the version store with an integrity, and each Bun cell with the cap it was configured with (BUN_CONFIG_MAX_HTTP_REQUESTS,
 * else Bun's default of 256), as its record states it; and, for a cap raised above 256 under a load above 256, the raise
 * took effect: the target saw at least 90 % of min(cap, load) connections open at once, and more than the default-cap
 * cell at the same load saw (when there is one). "More than 256" could not fail: a default-cap cell reaches 257 (a
 * connection being replaced counts twice for a moment). The cap bounds fetches in flight, not open connections, so no
 * upper bound on the peak is checked: each cell's evidence states the cap as configured beside the peak, the sockets
 * the target saw and sockets opened per 1,000 requests (churn: opened in the measured windows over the requests of the
 * measured windows, one basis), keyed by cell and load (a label recurs across scenarios). A raised cell whose peak is
 * above 256 and above the default-cap cell's, yet under the 90 % rule, still fails the check as stated, and its problem
 * says what the data show: the cap in effect, the peak under the rule, and the churn (Bun closes and reopens sockets
 * under load, so the instantaneous peak stays below its fetches in flight). The harness sets all of this: shown, never
 * counted.
 */
export function fetchRuntimesRanSanity(input: {
  id: string;
  cells: readonly {
    measurement: Omit<VersionMeasurement, 'trials'> & {
      params: { load: { concurrency: number } };
      /**
       * The measured windows, with their own target counters (a bench record's trials): the windows above the default
       * cap and the sockets closed in them.
       */
      trials?:
        | readonly (NonNullable<VersionMeasurement['trials']>[number] & {
            target?: { peakOpenConnections?: number; connectionsClosed?: number } | undefined;
          })[]
        | undefined;
    };
    runtime: 'bun' | 'deno';
    version: string;
    /** Bun only: the cap set for the cell; absent: Bun's default (256). */
    bunMaxHttpRequests?: number;
  }[];
}): VerdictData {
  const problems: string[] = [];
  const evidence: Record<string, string | number> = {};
  const windowPeaks = measuredWindowPeaks;
  const medianOf = (xs: readonly number[]): number => (xs.length === 0 ? Number.NaN : medianInterval(xs).median);
  /** The default-cap Bun cell's median window peak at a load (the highest, if several), or null. */
  const defaultWindowMedian = (load: number): number | null => {
    const medians = input.cells
      .filter((c) => c.runtime === 'bun' && c.bunMaxHttpRequests === undefined)
      .filter((c) => c.measurement.params.load.concurrency === load)
      .map((c) => medianOf(windowPeaks(c.measurement)))
      .filter(Number.isFinite);
    return medians.length === 0 ? null : Math.max(...medians);
  };
  for (const c of input.cells) {
    const m = c.measurement;
    const r = m.client.settings['runtime'];
    const js = isRecord(r) && isRecord(r['jsRuntime']) ? r['jsRuntime'] : null;
    const from = isRecord(r) ? r['runtimeFrom'] : null;
    if (js === null || js['name'] !== c.runtime || js['version'] !== c.version)
      problems.push(
        `${m.label}: ran on ${js === null ? 'no recorded runtime' : `${String(js['name'])} ${String(js['version'])}`}, asked ${c.runtime} ${c.version}`,
      );
    if (!isEntry(from) || !from.integrity.startsWith('sha512-'))
      problems.push(`${m.label}: no store entry with an integrity`);
    if (c.runtime !== 'bun') continue;
    const cap = c.bunMaxHttpRequests ?? BUN_DEFAULT_CAP;
    const setting = m.client.settings['bunMaxHttpRequests'];
    const recorded = isRecord(setting) && typeof setting['value'] === 'number' ? setting['value'] : null;
    if (recorded !== cap) problems.push(`${m.label}: cap recorded ${recorded ?? 'nowhere'}, expected ${cap}`);
    const peak = m.target.peakOpenConnections;
    const load = m.params.load.concurrency;
    const source = isRecord(setting) && typeof setting['source'] === 'string' ? setting['source'] : 'not recorded';
    // Churn on one basis: sockets the target saw opened in the measured windows over the requests it answered in
    // them (the warm-up's re-opens are in connectionsOpened, not in the measured requests).
    const requests = m.target.requests;
    const opened = m.target.connectionsOpenedMeasured;
    const churn =
      requests !== undefined && requests > 0
        ? `${((1000 * opened) / requests).toFixed(1)} per 1,000 measured requests (${opened} opened in the measured windows over ${requests} requests)`
        : `${opened} opened in the measured windows (requests not recorded)`;
    // The measured windows decide (stated before the run after versions-670dac55): the run's peak may be a warm-up
    // moment (513 in versions-670dac55's warm-up, its windows 112–447), so it is printed, never read.
    const windows = windowPeaks(m);
    const wMedian = medianOf(windows);
    const above = windows.filter((p) => p > BUN_DEFAULT_CAP).length;
    const closed = (m.trials ?? []).reduce((n, t) => n + (t.target?.connectionsClosed ?? 0), 0);
    const distribution =
      windows.length === 0
        ? 'measured windows: no per-window peak recorded'
        : `measured windows' peaks ${[...windows].sort((a, b) => a - b).join(', ')} (median ${wMedian}; above ${BUN_DEFAULT_CAP} in ${above} of ${windows.length}; ${closed} sockets closed in them)`;
    evidence[`${m.label} at ${load} in flight`] =
      `cap configured ${recorded ?? 'nowhere'} (${source}); ${distribution}; warm-up peak (the run's, warm-up included, not read) ${peak}; sockets opened ${m.target.connectionsOpened} over the run, ${churn}`;
    if (cap > BUN_DEFAULT_CAP && load > BUN_DEFAULT_CAP) {
      const needed = Math.ceil(0.9 * Math.min(cap, load));
      const byDefault = defaultWindowMedian(load);
      const defaultText = byDefault === null ? '' : `, the default-cap cell's median ${byDefault}`;
      if (windows.length === 0)
        problems.push(
          `${m.label}: no measured window recorded its peak of open connections, so the raised cap of ${cap} is not decided (the warm-up peak ${peak} decides nothing); flagged cap-not-shown`,
        );
      else if (
        wMedian < needed &&
        wMedian > BUN_DEFAULT_CAP &&
        above > windows.length / 2 &&
        (byDefault === null || wMedian > byDefault)
      )
        // The raise shows in the measured windows (their median above the default cap and the default-cap cell's, and
        // more than half of them above 256), yet under the rule: say what the data show, not that the cap failed.
        problems.push(
          `${m.label}: the raised cap of ${cap} is in effect in the measured windows (${distribution}${defaultText}), but their median is under 90 % of min(cap, load) = ${Math.min(cap, load)} (${needed}) under ${load} in flight; sockets opened: ${churn}`,
        );
      else if (wMedian < needed)
        problems.push(
          `${m.label}: the raised cap of ${cap} did not show in the measured windows under ${load} in flight (${distribution}${defaultText}; in effect needs a median above ${BUN_DEFAULT_CAP} with more than half of the windows above it${byDefault === null ? '' : ", above the default-cap cell's median"}, and the check 90 % of ${Math.min(cap, load)}, ${needed}); the warm-up peak ${peak} does not decide it; flagged cap-not-shown, its regime read from the windows (median ${wMedian} open)`,
        );
      else if (byDefault !== null && wMedian <= byDefault)
        problems.push(
          `${m.label}: median window peak ${wMedian} no higher than the default-cap cell's ${byDefault} at ${load} in flight: the raised cap of ${cap} did not take effect`,
        );
    }
  }
  return sanityCheck({
    id: input.id,
    claim:
      "every Bun and Deno cell ran on the runtime version asked, from the version store, and each Bun cell with the cap configured for it (BUN_CONFIG_MAX_HTTP_REQUESTS, else 256); a cap raised above 256 under a load above 256 let the target see, in the median measured window, at least 90 % of min(cap, load) connections open at once, more than the default-cap cell's median window at that load (the warm-up's peak decides nothing)",
    holds: input.cells.length > 0 && problems.length === 0,
    evidence: { cells: input.cells.length, ...evidence, problems: problems.join('; ') || 'none' },
  });
}

/**
 * A ratio as a table cell: `0.93 (0.90–0.97)`, or `~ 0.98 (0.91–1.04)` when its interval includes 1 (unresolved). An
 * edge that would print as 1.00 without being 1 gets the decimals that tell it from 1 (`1.12 (1.004–1.25)`), so a
 * resolved interval never reads as touching 1.
 */
export function ratioText(r: Pick<MedianInterval, 'median' | 'low' | 'high' | 'coverage'>): string {
  const f = (x: number) => x.toFixed(2);
  const edge = (x: number) => {
    if (x === 1 || f(x) !== '1.00') return f(x);
    for (let d = 3; d <= 6; d++) if (Number(x.toFixed(d)) !== 1) return x.toFixed(d);
    return x.toPrecision(7);
  };
  if (![r.median, r.low, r.high].every(Number.isFinite)) return '–';
  const unresolved = r.coverage < 0.95 || (r.low <= 1 && r.high >= 1);
  return `${unresolved ? '~ ' : ''}${f(r.median)} (${edge(r.low)}–${edge(r.high)})`;
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
  /**
   * p99 latency per block (the block's measured windows' histograms merged), median over rounds with its 95 % interval;
   * `–` without histograms.
   */
  p99Ms: string;
  /** p99 per round against the reference's, paired (as throughputVsReference). */
  p99VsReference: string;
  peakSockets: number;
  /** Sockets the target accepted over the whole run (warm-up and every block's re-warm included). */
  socketsOpened: number;
  /** Sockets the target saw opened in the measured windows (warm-up excluded). */
  socketsOpenedMeasured: number;
  /**
   * MaxListenersExceededWarning over the run. Node warns once per emitter and event name, so this counts sockets (and
   * other emitters) that crossed the 10-listener default, not requests that added a listener.
   */
  warnings: number;
  /** The warnings by emitter type and event name (`Socket 'error' × 64`; 'none'). */
  warningEvents: string;
  /**
   * 'error' listeners on a pooled socket at rest, median over the pool (after the load): 1–2 when a socket keeps one
   * shared handler, hundreds when listeners added per request are never removed (axios 1.15.1 through follow-redirects,
   * whose request never emits the 'close' the removal waits for).
   */
  socketErrorListenersMedian: number | null;
  pooledSockets: number | null;
  /** Heap + external per pooled socket, pool open at idle minus closed (KiB). */
  heldKiBPerSocket: number | null;
  /** arrayBuffers (response bodies live here) per pooled socket, pool open at idle minus closed (KiB). */
  arrayBuffersKiBPerSocket: number | null;
  flags: string;
}

/**
 * What ran a cell on Bun or Deno, or null for a cell on Node: "bun 1.4.5 (version store · sha512-…; its Node
 * compatibility reports v26.3.0)". Such a runtime reports a Node-compatible `process.version`, which is not the runtime.
 */
export function jsRuntimeText(m: Pick<VersionMeasurement, 'client'>): string | null {
  const r = m.client.settings['runtime'];
  if (!isRecord(r) || !isRecord(r['jsRuntime'])) return null;
  const js = r['jsRuntime'];
  const from = r['runtimeFrom'];
  const store = isEntry(from) ? `version store · ${from.integrity.slice(0, 19)}…` : 'not from the version store';
  const compat = typeof r['node'] === 'string' ? `; its Node compatibility reports ${r['node']}` : '';
  return `${String(js['name'])} ${String(js['version'])} (${store}${compat})`;
}

/**
 * Which ratios a section's table prints, by the rules its closing table and its claims follow: `ratios` as the
 * comparison's record keeps it for the citation (runVersionMatrix's `cite`: all, only rows of the reference's client,
 * or none) with `why` printed instead, and `sameSockets` (versionParityClaim's: a ratio only between cells the target
 * saw hold the same peak of open connections).
 */
export interface RowRatioRule {
  ratios?: 'all' | 'same-client' | 'none';
  /** Why a row the rule leaves out gets no ratio, short (`— (<why>)`); default by rule. */
  why?: string;
  sameSockets?: boolean;
}

/**
 * "not citable: not-steady" (the names of its guard flags, their details left out) for a cell its guards do not rank
 * (isRankable), as the closing table prints it; null for a rankable cell. `versionRows` prints it in place of the
 * cell's rate, CPU and p99.
 */
export function notCitableText(m: Pick<VersionMeasurement, 'guards'>): string | null {
  if (isRankable(m)) return null;
  const names = [...new Set((m.guards?.flags ?? []).map((f) => f.replace(/ \(.*$/s, '')))];
  return `not citable: ${names.join(', ') || 'not rankable'}`;
}

/**
 * The table of a version matrix: medians over rounds with their 95 % intervals. `~` marks a ratio whose interval
 * includes 1 (not resolved). A row gets no ratio where its comparison is not made, and says why in place of it
 * (`— (<why>)`): another client than the reference's, or none at all, where the comparison's `rule.ratios` says so
 * (the closing table's rule); a different peak of open connections than the reference's with `rule.sameSockets`
 * (`— (socket regimes differ: peak 1 vs 2 open)`, the claims' rule). A flagged measurement or reference shows
 * `— (flagged: <flags>; exploratory: <paired ratio>)` (never compared, never hidden). The reference row shows
 * `1 (reference)`. A cell its guards do not rank shows `notCitableText` ("not citable: not-steady") in place of its
 * rate, CPU and p99 (since versions-a69647ac).
 */
export function versionRows(
  measurements: readonly VersionMeasurement[],
  reference: VersionMeasurement | undefined = measurements[0],
  rule: RowRatioRule = {},
): VersionRow[] {
  const interval = (m: VersionMeasurement, metric: BlockMetric | 'p99', digits: number): string => {
    const values =
      metric === 'p99' ? [...roundValues(m, 'p99').values()] : [...(m.method?.blocks ?? [])].map((b) => b[metric]);
    if (values.length === 0) return '–';
    // The median over rounds with its order-statistics 95 % interval (shown only where it reaches 95 % coverage).
    const i = medianInterval(values);
    return i.coverage >= 0.95
      ? `${i.median.toFixed(digits)} (${i.low.toFixed(digits)}–${i.high.toFixed(digits)})`
      : `${i.median.toFixed(digits)} (n=${values.length})`;
  };
  /** Why the row gets no ratio at all (not a comparison this section makes), or null. */
  const refused = (m: VersionMeasurement, ref: VersionMeasurement): string | null => {
    if (rule.ratios === 'none') return rule.why ?? 'not compared here';
    if (rule.ratios === 'same-client' && m.client.name !== ref.client.name)
      return rule.why ?? `another client than the reference's (${ref.client.name})`;
    if (rule.sameSockets === true && m.target.peakOpenConnections !== ref.target.peakOpenConnections)
      return `socket regimes differ: peak ${m.target.peakOpenConnections} vs ${ref.target.peakOpenConnections} open`;
    return null;
  };
  const flagsText = (m: VersionMeasurement, ref: VersionMeasurement): string =>
    [m, ref]
      .filter((x) => !isComparableCell(x))
      .map((x) => `${x === ref ? 'reference ' : ''}${(x.guards?.flags ?? []).join(', ') || 'not rankable'}`)
      .join('; ');
  const ratio = (m: VersionMeasurement, text: () => string): string => {
    if (reference === undefined || m === reference) return '1 (reference)';
    const why = refused(m, reference);
    if (why !== null) return `— (${why})`;
    const t = text();
    if (!isComparableCell(m) || !isComparableCell(reference))
      // Flagged: no comparison, but the paired ratio is printed, labelled exploratory, never hidden.
      return `— (flagged: ${flagsText(m, reference)}${t === '–' ? '' : `; exploratory: ${t}`})`;
    return t;
  };
  const blockRatio = (m: VersionMeasurement, metric: BlockMetric) => () =>
    reference === undefined || (m.method?.blocks.length ?? 0) === 0 || (reference.method?.blocks.length ?? 0) === 0
      ? '–'
      : ratioText(ratioOf(reference, m, metric));
  const p99Ratio = (m: VersionMeasurement) => () =>
    reference === undefined ? '–' : ratioText(metricRatioOf(reference, m, 'p99'));
  const kib = (x: number | undefined): number | null => (x === undefined ? null : Math.round(x / 102.4) / 10);
  return measurements.map((m) => {
    // Since versions-a69647ac (its second reader's finding 9): a cell its guards do not rank prints "not citable:
    // <flags>" in place of its rate, CPU and p99, as the closing table does; its counts and memory stay (they do not
    // depend on the steady state).
    const why = notCitableText(m);
    const figure = (text: string): string => (why === null || text === '–' ? text : why);
    const r = cellRuntime(m);
    const from = r?.clientFrom ? ` · ${r.clientFrom.integrity.slice(0, 19)}…` : ' · workspace';
    const memory = memoryPerPooledSocket(m);
    return {
      cell: m.label,
      ran:
        r === null
          ? 'not recorded'
          : (jsRuntimeText(m) ??
            `${m.client.version} on node ${r.node} (bundled undici ${r.bundledUndici ?? '?'})${from}`),
      rounds: m.method?.blocks.length ?? 0,
      rps: figure(interval(m, 'throughputRps', 0)),
      cpuUs: figure(interval(m, 'cpuMicrosPerRequest', 1)),
      throughputVsReference: ratio(m, blockRatio(m, 'throughputRps')),
      cpuVsReference: ratio(m, blockRatio(m, 'cpuMicrosPerRequest')),
      p99Ms: figure(interval(m, 'p99', 2)),
      p99VsReference: ratio(m, p99Ratio(m)),
      peakSockets: m.target.peakOpenConnections,
      socketsOpened: m.target.connectionsOpened,
      socketsOpenedMeasured: m.target.connectionsOpenedMeasured,
      warnings: warningCount(m),
      warningEvents: listenerWarningsText(m),
      socketErrorListenersMedian: settingNumber(m, 'socketErrorListenersMedian'),
      pooledSockets: settingNumber(m, 'pooledSockets'),
      heldKiBPerSocket: kib(memory?.heapAndExternalBytes),
      arrayBuffersKiBPerSocket: kib(memory?.arrayBuffersBytes),
      flags: (m.guards?.flags ?? []).join(', '),
    };
  });
}
