import { medianInterval, pairedRatio } from '@casebook/stats';
import { type ProcessRounds, pairsFromProcesses, roundMedians } from './bisect-processes';
import { plain } from './bisects-superseded';
import { metricRatioOf, ROUND_METRIC_TEXT, type RoundMetric, roundValues } from './round-metrics';
import { GATHER_MIN_PROCESSES } from './seed';
import { quantityClaim, sanityCheck, type Threshold, type VerdictData } from './verdicts';
import type { SweepCell } from './version-sweep';
import { isComparableCell, type VersionMeasurement, versionRows } from './versions';

/**
 * Notebook 07's sections 7 and 7b read every client process of a swept version (stated before the next run after
 * versions-0cfdd43a, its second reader's findings 2, 3, 4, 7 and 8). Pure; tested in
 * test/analysis-versions-sweep-after-0cfdd43a.test.ts.
 *
 * - The tables print each cell's median over its processes and each process's value, with the spread between its
 *   processes (`sweepProcessRows`), and the chart draws every process (`sweepChartRows`): in versions-0cfdd43a they read
 *   process 1 only, and 8.3.0's process 1 (30,891 req/s) was the slow one of three (38,084 and 36,857).
 * - "Processes disagree" (processDisagreements) cannot be said at 6 rounds: its interval needs 1 − 0.05 / k over the k
 *   pairs of processes of a step (6 for two versions of 3 processes: 99.17 %), and 6 rounds give at most 96.9 %
 *   (`disagreementReach`); the spread is printed instead.
 * - A claim over two swept cells reads their unflagged processes (`processClaimRatio`, `processParityClaim`): the
 *   two-level interval when each end keeps at least 3, each round's median over the unflagged processes paired per
 *   round when an end keeps 2, not compared with fewer; the claim says which it used.
 * - The sockets check of section 7 is a bound the harness sets (`sweepWindowSocketsSanity`: every measured window at
 *   least C open at once), never the run's peak, which is warm-up churn (printed per process, not checked).
 * - The keep-alive timeout is printed as the value in force on the live Client, the configured one labelled configured
 *   (`keepAliveTimeoutText`).
 */

/** A cell of a sweep as these functions read it: its version, its first process, and all its processes. */
export type ProcessCell = Pick<SweepCell, 'version' | 'measurement' | 'processes'>;

/** A cell's processes, process 1 first; a cell of one process is its measurement alone. */
export function cellProcesses(cell: Pick<SweepCell, 'measurement' | 'processes'>): readonly VersionMeasurement[] {
  return cell.processes !== undefined && cell.processes.length > 0 ? cell.processes : [cell.measurement];
}

const finite = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;
const flagNames = (m: VersionMeasurement): string =>
  [...new Set((m.guards?.flags ?? []).map((f) => f.replace(/ \(.*$/s, '')))].join(', ') || 'not rankable';
/** A cell's label without its process (`undici@8.0.3 (undici-request)`). */
const cellLabel = (m: VersionMeasurement): string => m.label.replace(/ · process \d+$/, '');
const DIGITS: Readonly<Record<RoundMetric, number>> = { throughput: 0, 'cpu-per-request': 1, p99: 2 };

/** A process's median over rounds in a metric (NaN without a value). */
function processMedian(m: VersionMeasurement, metric: RoundMetric): number {
  const xs = [...roundValues(m, metric).values()];
  return xs.length > 0 ? medianInterval(xs).median : Number.NaN;
}

/** The processes of a cell with their numbers, flags and whether they may be compared (isComparableCell). */
function numbered(cell: Pick<SweepCell, 'measurement' | 'processes'>) {
  return cellProcesses(cell).map((m, i) => ({ m, process: i + 1, comparable: isComparableCell(m) }));
}

/** A cell's processes as pairsFromProcesses reads them: each with its metric per round (null where a round has none). */
function processRounds(
  ps: readonly { m: VersionMeasurement; process: number }[],
  metric: RoundMetric,
): ProcessRounds[] {
  return ps.map(({ m, process }) => {
    const v = roundValues(m, metric);
    const rounds = Math.max(0, ...[...v.keys()].map((r) => r + 1));
    return { process, values: Array.from({ length: rounds }, (_, r) => v.get(r) ?? null) };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Tables and chart: every process

/** One row of a sweep's table: each metric as the median over the cell's unflagged processes and each process's value. */
export interface SweepProcessRow {
  cell: string;
  /** What ran (process 1's record: version, Node, bundled undici, store integrity); versionsRanSanity checks every process. */
  ran: string;
  processes: number;
  /** Rounds each process ran (`6 · 6 · 6`). */
  rounds: string;
  /** `38084 (p1 30891 · p2 38084 · p3 36857)`: the median over the unflagged processes' medians over rounds, then each. */
  rps: string;
  cpuUs: string;
  p99Ms: string;
  /** The spread between the unflagged processes: highest ÷ lowest median, throughput and CPU per request. */
  spread: string;
  /** The target's peak of open connections over each process's run, warm-up included (a reading, never checked). */
  peakSockets: string;
  /** Sockets each process's target accepted outside the measured windows (warm-up and every block's re-warm). */
  openedWarmup: string;
  /** Sockets each process's target accepted in the measured windows. */
  openedMeasured: string;
  /** The flagged processes, left out of the median and the spread: `p1 foreign-load`; '' for none. */
  flags: string;
}

/** A metric's cell text: the median over the unflagged processes, then every process (a flagged one named so). */
function metricText(cell: ProcessCell, metric: RoundMetric): string {
  const ps = numbered(cell);
  const d = DIGITS[metric];
  const each = ps.map(({ m, process, comparable }) => {
    const x = processMedian(m, metric);
    return `p${process} ${Number.isFinite(x) ? x.toFixed(d) : '–'}${comparable ? '' : ` ${flagNames(m)}`}`;
  });
  if (ps.length === 1) return each[0]?.replace(/^p1 /, '') ?? '–';
  const comparable = ps.filter((p) => p.comparable);
  const kept = comparable.map((p) => processMedian(p.m, metric)).filter(Number.isFinite);
  const centre =
    comparable.length === 0 ? 'no unflagged process' : kept.length > 0 ? medianInterval(kept).median.toFixed(d) : '–';
  return `${centre} (${each.join(' · ')})`;
}

/** Highest ÷ lowest of the unflagged processes' medians in a metric, or null with fewer than two. */
export function processSpread(cell: Pick<SweepCell, 'measurement' | 'processes'>, metric: RoundMetric): number | null {
  const xs = numbered(cell)
    .filter((p) => p.comparable)
    .map((p) => processMedian(p.m, metric))
    .filter(finite);
  return xs.length < 2 ? null : Math.max(...xs) / Math.min(...xs);
}

/**
 * The table of a sweep, one row per cell (in the order given): every metric as the median over the cell's unflagged
 * processes (each process's median over rounds) and each process's own value, the spread between its processes, and
 * the target's sockets per process (the run's peak and the sockets opened in warm-ups and in the measured windows: a
 * reading of warm-up churn, never checked). A flagged process (isComparableCell: not rankable, or foreign-load) is
 * named beside its value and left out of the median and the spread.
 */
export function sweepProcessRows(cells: readonly ProcessCell[]): SweepProcessRow[] {
  return cells.map((cell) => {
    const ps = numbered(cell);
    const each = (f: (m: VersionMeasurement) => number | string) => ps.map(({ m }) => String(f(m))).join(' · ');
    const spread = (metric: RoundMetric) => {
      const s = processSpread(cell, metric);
      return s === null ? '–' : `${s.toFixed(2)}×`;
    };
    return {
      cell: plain(cell.version),
      ran: versionRows([cell.measurement])[0]?.ran ?? 'not recorded',
      processes: ps.length,
      rounds: each((m) => m.method?.blocks.length ?? 0),
      rps: metricText(cell, 'throughput'),
      cpuUs: metricText(cell, 'cpu-per-request'),
      p99Ms: metricText(cell, 'p99'),
      spread: ps.length < 2 ? '–' : `throughput ${spread('throughput')} · CPU ${spread('cpu-per-request')}`,
      peakSockets: each((m) => m.target.peakOpenConnections),
      openedWarmup: each((m) => Math.max(0, m.target.connectionsOpened - m.target.connectionsOpenedMeasured)),
      openedMeasured: each((m) => m.target.connectionsOpenedMeasured),
      flags: ps
        .filter((p) => !p.comparable)
        .map(({ m, process }) => `p${process} ${flagNames(m)}`)
        .join('; '),
    };
  });
}

/** One bar of a sweep's chart: the median over the unflagged processes, whiskers from the lowest to the highest. */
export interface SweepChartRow {
  cell: string;
  value: number;
  low: number;
  high: number;
  /** '' unless every process is flagged (then the bar is drawn hollow from all of them). */
  flags: string;
}

/**
 * A sweep's chart rows in one metric: the bar at the median over the cell's unflagged processes (each its median over
 * rounds) and the whiskers at the lowest and the highest of them, so with 3 processes every process is drawn (the
 * lowest, the bar, the highest). Flagged processes are left out (the table names them); a cell whose processes are all
 * flagged is drawn from all of them, flagged.
 */
export function sweepChartRows(cells: readonly ProcessCell[], metric: RoundMetric): SweepChartRow[] {
  return cells.map((cell) => {
    const ps = numbered(cell);
    const kept = ps.filter((p) => p.comparable);
    const from = kept.length > 0 ? kept : ps;
    const xs = from.map((p) => processMedian(p.m, metric)).filter(Number.isFinite);
    const value = xs.length > 0 ? medianInterval(xs).median : 0;
    return {
      cell: plain(cell.version),
      value,
      low: xs.length > 0 ? Math.min(...xs) : 0,
      high: xs.length > 0 ? Math.max(...xs) : 0,
      flags: kept.length > 0 ? '' : `all processes flagged: ${[...new Set(ps.map((p) => flagNames(p.m)))].join(', ')}`,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// What "processes disagree" can reach

/** The family-wise error rate of the process-disagreement check (processDisagreements' DISAGREEMENT_ALPHA). */
const DISAGREEMENT_ALPHA = 0.05;

/** The most an order-statistics interval of a median over `n` paired rounds covers (lowest to highest): 1 − 2 · 0.5ⁿ. */
export const widestCoverage = (n: number): number => (n > 0 ? 1 - 2 * 0.5 ** n : 0);

/**
 * Whether processDisagreements can say "processes of X disagree" at a design: its interval between two processes of a
 * version, paired per round, must reach 1 − 0.05 / k over the k pairs of processes of a step (`versions` versions of
 * `processes` each), and the widest order-statistics interval over `rounds` rounds covers 1 − 2 · 0.5^rounds. At 6
 * rounds and 3 processes (k = 6: 99.17 % needed, 96.9 % reached) it cannot: 8 rounds are the fewest that can.
 */
export function disagreementReach(input: { processes: number; rounds: number; versions?: number }): {
  k: number;
  needed: number;
  reached: number;
  reachable: boolean;
  minRounds: number;
  text: string;
} {
  const versions = input.versions ?? 2;
  const k = versions * ((input.processes * (input.processes - 1)) / 2);
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  if (k === 0)
    return {
      k,
      needed: 1,
      reached: widestCoverage(input.rounds),
      reachable: false,
      minRounds: Number.POSITIVE_INFINITY,
      text: `"processes disagree" cannot be said with ${input.processes} process per version: no pair of processes`,
    };
  const needed = 1 - DISAGREEMENT_ALPHA / k;
  const reached = widestCoverage(input.rounds);
  let minRounds = 1;
  while (widestCoverage(minRounds) < needed && minRounds < 64) minRounds++;
  const reachable = reached >= needed;
  const why = `its interval between two processes of a version, paired per round, needs ${pct(needed)} coverage (1 − 0.05 / ${k} pairs of processes in a step of ${versions} versions × ${input.processes} processes), and ${input.rounds} rounds reach at most ${pct(reached)} (lowest to highest ratio); ${minRounds} rounds are the fewest that reach it (${pct(widestCoverage(minRounds))})`;
  return {
    k,
    needed,
    reached,
    reachable,
    minRounds,
    text: reachable
      ? `"processes disagree" can be said at ${input.rounds} rounds: ${why}`
      : `"processes disagree" cannot be said at ${input.rounds} rounds: ${why}. The spread between each version's processes (highest ÷ lowest) is printed instead, and the two-level interval carries it`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Claims over the unflagged processes of two cells

/** How a claim over two swept cells read them. */
export type ProcessClaimInterval =
  | 'processes then rounds'
  | "each round's median over the unflagged processes, paired per round"
  | 'paired per round (one process per cell)';

/** The fewest unflagged processes an end of a claim is read from when it has several. */
export const CLAIM_MIN_PROCESSES = 2;

/** A ratio other / reference read over the unflagged processes of both cells (processClaimRatio). */
export interface ProcessClaimRatio {
  ratio: { median: number; low: number; high: number; coverage: number; n: number };
  interval: ProcessClaimInterval;
  /** The flagged processes left out: `8.0.3 · process 1 (foreign-load)`. */
  leftOut: string[];
  /** Why no ratio decides (too few unflagged processes, the two-level interval withheld); null when one does. */
  reason: string | null;
}

const NO_RATIO = { median: Number.NaN, low: Number.NaN, high: Number.NaN, coverage: 0, n: 0 };

/**
 * other / reference in a metric over the unflagged processes of both cells (stated before the next run after
 * versions-0cfdd43a, its second reader's findings 3 and 7):
 * - each end keeps at least GATHER_MIN_PROCESSES unflagged processes: the two-level interval of the steps
 *   (pairsFromProcesses over those processes: each value divided by its round's median over them, then processes and
 *   rounds resampled; nominal 95 %);
 * - an end keeps CLAIM_MIN_PROCESSES (one of three flagged): each round's median over each end's unflagged processes,
 *   paired per round, its order-statistics interval (96.9 % at 6 rounds);
 * - fewer at an end: not compared (`reason`), nothing decided.
 * Two cells of one process each (no `processes`) are read paired per round, as before the processes rule, unless
 * either is flagged.
 */
export function processClaimRatio(input: {
  reference: ProcessCell;
  other: ProcessCell;
  metric: RoundMetric;
}): ProcessClaimRatio {
  const { reference, other, metric } = input;
  const ends = [other, reference].map((c) => ({ cell: c, ps: numbered(c) }));
  const leftOut = ends.flatMap(({ cell, ps }) =>
    ps.filter((p) => !p.comparable).map((p) => `${plain(cell.version)} · process ${p.process} (${flagNames(p.m)})`),
  );
  const single = other.processes === undefined && reference.processes === undefined;
  if (single) {
    if (leftOut.length > 0)
      return {
        ratio: NO_RATIO,
        interval: 'paired per round (one process per cell)',
        leftOut,
        reason: `not compared: flagged: ${leftOut.join('; ')}`,
      };
    const r = metricRatioOf(reference.measurement, other.measurement, metric);
    return {
      ratio: { median: r.median, low: r.low, high: r.high, coverage: r.coverage, n: r.n },
      interval: 'paired per round (one process per cell)',
      leftOut,
      reason: null,
    };
  }
  const kept = ends.map(({ cell, ps }) => ({ cell, ps: ps.filter((p) => p.comparable) }));
  const fewest = Math.min(...kept.map((k) => k.ps.length));
  if (fewest >= GATHER_MIN_PROCESSES) {
    const byVersion = Object.fromEntries(kept.map(({ cell, ps }) => [cell.version, processRounds(ps, metric)]));
    const p = pairsFromProcesses([other.version, reference.version], byVersion).pairs[0];
    const n = Math.min(...Object.values(byVersion).map((ps) => ps.flatMap((x) => x.values.filter(finite)).length));
    const ratio = p === undefined ? NO_RATIO : { ...p.ratio, n };
    return {
      ratio,
      interval: 'processes then rounds',
      leftOut,
      reason: p === undefined ? 'no interval: a version has no value' : (p.withheld ?? null),
    };
  }
  if (fewest >= CLAIM_MIN_PROCESSES) {
    const [o, r] = kept.map(({ ps }) => roundMedians(processRounds(ps, metric)));
    const xs: number[] = [];
    const ys: number[] = [];
    for (let round = 0; round < Math.min(o?.length ?? 0, r?.length ?? 0); round++) {
      const x = r?.[round];
      const y = o?.[round];
      if (finite(x) && finite(y)) {
        xs.push(x);
        ys.push(y);
      }
    }
    const interval = "each round's median over the unflagged processes, paired per round" as const;
    if (xs.length === 0) return { ratio: NO_RATIO, interval, leftOut, reason: 'no interval: no round paired' };
    const q = pairedRatio(xs, ys);
    return {
      ratio: { median: q.median, low: q.low, high: q.high, coverage: q.coverage, n: q.n },
      interval,
      leftOut,
      reason: null,
    };
  }
  const few = kept
    .filter((k) => k.ps.length < CLAIM_MIN_PROCESSES)
    .map((k) => `${plain(k.cell.version)} kept ${k.ps.length}`)
    .join(', ');
  return {
    ratio: NO_RATIO,
    interval: "each round's median over the unflagged processes, paired per round",
    leftOut,
    reason: `not compared: fewer than ${CLAIM_MIN_PROCESSES} unflagged processes (${few}; left out: ${leftOut.join('; ') || 'none'})`,
  };
}

/** `within 10 % below to 10 % above`, `more than 1.1×`, `less than 0.9×` (versionParityClaim's wording). */
function bandText(band: Threshold): string {
  const pct = (x: number) => Math.round(Math.abs(1 - x) * 100);
  if (band.above !== undefined && band.below !== undefined)
    return `within ${pct(band.above)} % below to ${pct(band.below)} % above`;
  if (band.above !== undefined) return `more than ${band.above}×`;
  if (band.below !== undefined) return `less than ${band.below}×`;
  throw new Error('a claim needs a threshold: above, below or both');
}

/**
 * A claim over two swept cells of several processes (stated before the next run after versions-0cfdd43a): other /
 * reference in `metric` read by processClaimRatio over their unflagged processes, decided against `band` (holds with
 * the interval inside, fails wholly outside, unresolved across an edge or not compared). Its text and evidence say
 * which interval it used (`interval`), which processes were left out (`leftOut`), and each process's median.
 */
export function processParityClaim(input: {
  id: string;
  reference: ProcessCell;
  other: ProcessCell;
  metric: 'throughput' | 'cpu-per-request';
  band: Threshold;
  kind?: 'claim' | 'exploratory';
  /** The regime the claim covers (poolRegimeText), appended to its text. */
  scope?: string;
}): VerdictData {
  const { reference, other, metric, band } = input;
  const r = processClaimRatio({ reference, other, metric });
  const ref = cellLabel(reference.measurement);
  const oth = cellLabel(other.measurement);
  const m = ROUND_METRIC_TEXT[metric].text;
  const leftOutText = r.leftOut.length === 0 ? '' : `; flagged processes left out: ${r.leftOut.join(', ')}`;
  const medians = (c: ProcessCell) =>
    numbered(c)
      .map((p) => {
        const x = processMedian(p.m, metric).toFixed(DIGITS[metric]);
        return `p${p.process} ${x}${p.comparable ? '' : ` (${flagNames(p.m)})`}`;
      })
      .join(' · ');
  return quantityClaim({
    id: input.id,
    claim: `${oth}'s ${m} is ${bandText(band)} ${ref}'s (read over their unflagged processes: ${r.interval}${leftOutText})${input.scope === undefined ? '' : `; regime: ${input.scope}`}`,
    statistic: `${m} ratio ${oth} / ${ref} (${r.interval})`,
    interval: r.reason === null ? r.ratio : { ...NO_RATIO, n: r.ratio.n },
    threshold: band,
    ...(input.kind === undefined ? {} : { kind: input.kind }),
    evidence: {
      reference: ref,
      other: oth,
      interval: r.interval,
      comparable: r.reason === null,
      ...(r.reason === null ? {} : { reason: r.reason }),
      leftOut: r.leftOut.join('; ') || 'none',
      [`process medians ${ref}`]: medians(reference),
      [`process medians ${oth}`]: medians(other),
    },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Sockets: a bound the harness sets

/** The measured windows' own peaks of open connections at the target (a bench record's trials), never the warm-up's. */
function windowPeaksOf(m: VersionMeasurement): number[] {
  const trials: readonly unknown[] = m.trials ?? [];
  return trials.flatMap((t) => {
    const target = typeof t === 'object' && t !== null ? (t as { target?: unknown }).target : undefined;
    const peak =
      typeof target === 'object' && target !== null
        ? (target as { peakOpenConnections?: unknown }).peakOpenConnections
        : undefined;
    return typeof peak === 'number' && Number.isFinite(peak) ? [peak] : [];
  });
}

/**
 * Sanity (stated before the next run after versions-0cfdd43a, its second reader's finding 4; replaces the 2 × C
 * "observed ceiling", which failed there at 1,025–2,154 with 78 processes started in one comparison): every measured
 * window of every process saw at least `concurrency` sockets open at once at the target. At pipelining 1 each request
 * the closed loop keeps in flight holds its own socket, so a window below it did not run the scenario: a bound the
 * harness sets, shown, never counted. The run's peak (warm-up included) is a reading of warm-up churn, printed per
 * process by sweepProcessRows and never checked. A process with no per-window peak leaves the check unresolved.
 */
export function sweepWindowSocketsSanity(input: {
  id: string;
  cells: readonly Pick<SweepCell, 'measurement' | 'processes'>[];
  concurrency: number;
}): VerdictData {
  const ps = input.cells.flatMap((c) => cellProcesses(c));
  const lowest = ps.map((m) => {
    const peaks = windowPeaksOf(m);
    return { m, low: peaks.length > 0 ? Math.min(...peaks) : null };
  });
  const missing = lowest.filter((x) => x.low === null);
  const below = lowest.filter((x) => x.low !== null && x.low < input.concurrency);
  return sanityCheck({
    id: input.id,
    claim: `every measured window of every process saw at least ${input.concurrency} sockets open at once at the target (pipelining 1: each of the ${input.concurrency} requests the closed loop keeps in flight holds its own socket; a window below it did not run the scenario). The run's peak, warm-up included, is warm-up churn, printed per process, not checked`,
    holds: ps.length > 0 && missing.length === 0 && below.length === 0,
    unresolved: ps.length === 0 || (missing.length > 0 && below.length === 0),
    evidence: Object.fromEntries([
      ['bound', input.concurrency],
      ['processes', ps.length],
      ['below', below.map((x) => `${x.m.label} ${x.low}`).join('; ') || 'none'],
      ['no per-window peak', missing.map((x) => x.m.label).join('; ') || 'none'],
      ...lowest.map((x) => [`lowest window peak ${x.m.label}`, x.low]),
    ]),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The keep-alive timeout: in force, and configured

/** An undici cell's keep-alive timeout as its record states it: the value in force, and the configured one. */
export interface KeepAliveTimeoutSetting {
  /** In force on the live Client after the last response (`liveKeepAliveTimeoutValueMs`), ms; null: not recorded. */
  inForceMs: number | null;
  /** The Client's configured value (`liveKeepAliveTimeoutMs`: the Agent's keepAliveTimeout, or undici's default), ms. */
  configuredMs: number | null;
  /** Whether the Agent set it (false: undici's default), or null when the record does not say. */
  setOnAgent: boolean | null;
}

/**
 * The keep-alive timeout of an undici cell, from its live settings (records before and after the field was split,
 * versions-0cfdd43a's second reader's finding 8): `liveKeepAliveTimeoutValueMs` is the value in force (undici's
 * kKeepAliveTimeoutValue: after a response, a server's Keep-Alive hint minus the threshold replaces the configured
 * value), `liveKeepAliveTimeoutMs` the configured one (kKeepAliveDefaultTimeout: the Agent's keepAliveTimeout, else
 * undici's 4,000 ms), despite its name not the one in force. Whether the Agent set it: the record's
 * `keepAliveTimeoutConfigured` (since the split), else its `keepAliveTimeoutMs` (a number was the Agent's value; the
 * text "… not set on the Agent …" was not).
 */
export function undiciKeepAliveTimeout(settings: Readonly<Record<string, unknown>>): KeepAliveTimeoutSetting {
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const configuredText = settings['keepAliveTimeoutConfigured'];
  const legacy = settings['keepAliveTimeoutMs'];
  const setOnAgent =
    typeof configuredText === 'string'
      ? !configuredText.includes('not set on the Agent')
      : typeof legacy === 'number'
        ? true
        : typeof legacy === 'string' && legacy.includes('not set on the Agent')
          ? false
          : null;
  return {
    inForceMs: num(settings['liveKeepAliveTimeoutValueMs']),
    configuredMs: num(settings['liveKeepAliveTimeoutMs']),
    setOnAgent,
  };
}

/**
 * One line for a comparison's undici cells: the keep-alive timeout in force (the effective value, what decides when an
 * idle socket closes) and, labelled configured, the value the Client was configured with; each distinct value with the
 * number of processes that had it (and their labels when not all).
 */
export function keepAliveTimeoutText(cells: readonly Pick<VersionMeasurement, 'label' | 'client'>[]): string {
  const read = cells.map((m) => ({ label: m.label, s: undiciKeepAliveTimeout(m.client.settings) }));
  const groups = (key: (x: (typeof read)[number]) => string) => {
    const by = new Map<string, string[]>();
    for (const x of read) by.set(key(x), [...(by.get(key(x)) ?? []), x.label]);
    return [...by.entries()]
      .map(([k, labels]) =>
        by.size === 1 ? `${k} in all ${labels.length}` : `${k} in ${labels.length} (${labels.join(', ')})`,
      )
      .join('; ');
  };
  const inForce = groups((x) => (x.s.inForceMs === null ? 'not recorded' : `${x.s.inForceMs} ms`));
  const configured = groups((x) =>
    x.s.configuredMs === null
      ? 'not recorded'
      : `${x.s.configuredMs} ms (${x.s.setOnAgent === true ? 'set on the Agent' : x.s.setOnAgent === false ? "undici's default, not set on the Agent" : 'where set not recorded'})`,
  );
  return `Keep-alive timeout in force on the live Client (the effective value; after a response the target's Keep-Alive hint minus undici's threshold replaces the configured one): ${inForce}. Configured (not in force once a hint arrived): ${configured}.`;
}
