import { type MedianInterval, medianInterval } from '@casebook/stats';
import { type BlockQuantities, flaggedText, type InterleavedMeasurement, isRankable, rankable } from './interleaved';
import {
  combineParts,
  countClaim,
  type Evidence,
  quantityClaim,
  sanityCheck,
  type Threshold,
  type VerdictData,
} from './verdicts';

/**
 * The checks, models and recommendation builders of the pool-limits case study (notebooks/02-pool-limits.ipynb), as
 * pure functions of its records, tested on both sides in test/analysis-pool-limits.test.ts. Every threshold lives in
 * POOL_LIMITS_THRESHOLDS and every claim's text is built from it, so the notebook's "claims stated before the
 * measurement" and the checks cannot drift apart. Per-block (steady-state) and per-trial (phase method) quantities are
 * computed per block or trial first and summarised after, never as a product of separate medians.
 */

// ─── Thresholds, stated before the measurement ────────────────────────────────────────────────────────────────────

export const POOL_LIMITS_THRESHOLDS = {
  /** pool-sets-throughput: a request holds its connection for at most L + this (timer lateness, loopback, work). */
  wireOverheadMs: 1.5,
  /** …checked where the client used at most this share of its core (so its own CPU is not what limits). */
  poolBoundMaxUtilization: 0.5,
  /** bound-holds (sanity): no block above min(N, C) / L by more than this share (timer granularity). */
  boundTolerance: 0.02,
  /** cpu-takes-over (sanity): where C / L is at least `cpuBoundFactor` × the throughput, the client's core is busy. */
  cpuBusyUtilization: 0.9,
  cpuBoundFactor: 2,
  /** undici-more-sockets-than-in-flight: C × this < peak open sockets ≤ C × fanOutAtMost (U1: 2 Clients per lane). */
  fanOutAbove: 1.25,
  fanOutAtMost: 2,
  /**
   * queue-grows-c-over-n (sanity: Little's law in a closed loop): measured queue ÷ ((C / N − 1) × wire), per trial,
   * decided at each point separately. ±15 %:
   * the start and the drain of a trial shorten the queue by ≈ 1 / (2 × requests per lane) each (≈ 3 % at 30), and the
   * December runs (pool-limits-f63ff10e, -4b7c1363, -8b674d9c) had median ratios 0.95–0.99 with light-load points
   * ≥ 0.90.
   */
  queueBand: { above: 0.85, below: 1.15 },
  /** …at points where the client's CPU utilisation (per trial: CPU per request × throughput) is at most this. */
  queueMaxUtilization: 0.5,
  /** queue-plus-wire (sanity): |queue + wire − total| ÷ total per trial. */
  splitTolerance: 0.05,
  /** instrumentation-overhead (sanity): mean latency instrumented ÷ uninstrumented within 1 ± this. */
  instrumentationTolerance: 0.05,
  /** instrumentation-overhead (sanity): CPU per request instrumented ÷ uninstrumented at most this (not calibrated). */
  instrumentationCpuAtMost: 1.5,
  /** Cap sizing: keep the pool's connections at most this busy (below the knee of §7). */
  poolUtilizationTarget: 0.8,
  /**
   * Burst design: a gap that must not reach an idle timer is at least `keepMarginMs` shorter than it (sockets idle a
   * little longer than the gap: from their last response to the end of the burst, and from the next burst's start to
   * their reuse); one that must pass a timer is at least `closeMarginMs` longer (timer lateness).
   */
  keepMarginMs: 400,
  closeMarginMs: 300,
  /** reopen-costs-latency: burst p50 with every socket reopened ÷ the same client's p50 after a shorter gap. */
  reopenLatencyAbove: 1,
  /** pipelining-inert-for-blocking-get: deepest pipelining ÷ pipelining 1, default `blocking`. */
  pipeInertBand: { above: 0.8, below: 1.25 },
  /** pipelining-raises-bound: deepest pipelining ÷ pipelining 1, `blocking: false`. */
  pipeRaisesAbove: 2,
  /** head-of-line: (uniform ÷ slow) at the deepest pipelining ÷ (uniform ÷ slow) at pipelining 1. */
  headOfLineAbove: 1.5,
  /** open-loop-stable-below-capacity: at λ ≤ this × μ (μ = N / wire), p99 < openP99Multiple × L in every trial. */
  openStableShare: 0.9,
  openP99Multiple: 5,
  /**
   * open-loop-knee: at λ ≥ this × μ, the last request's wait ÷ (λ / μ − 1) × T, pooled over trials. Not nearer the knee:
   * μ = N / wire misses the time a connection sits between requests (a few %), and (λ / μ − 1) magnifies that error.
   */
  openKneeShare: 1.2,
  openKneeBand: { above: 0.8, below: 1.25 },
} as const;

const T = POOL_LIMITS_THRESHOLDS;

/**
 * Idle-socket rules of the code that ran (see the notebook's source links): undici keeps an idle socket for the server's
 * `Keep-Alive: timeout=S` hint minus a 2 s threshold (client.js L313, client-h1.js L708–717), and keeps none when that is
 * ≤ 0; Node's Agent lowers its socket timeout to S − 1 s (agentKeepAliveTimeoutBuffer) and keeps no socket when that is
 * ≤ 0 (_http_agent.js L633–667); a Node 24 server closes an idle socket after keepAliveTimeout + 1 s
 * (keepAliveTimeoutBuffer, _http_server.js L565–571, L1131–1141) and announces floor(keepAliveTimeout / 1000) s.
 */
export const IDLE_RULE = { undiciThresholdMs: 2000, undiciMaxMs: 600_000, agentBufferMs: 1000, serverBufferMs: 1000 };

export type PoolClientFamily = 'undici' | 'node-agent';

export interface IdleDefaults {
  family: PoolClientFamily;
  /** Node's Agent `timeout` (null: none, so no idle timer). */
  agentTimeoutMs: number | null;
  /** Node's Agent `maxFreeSockets` (null: undici keeps every idle socket). */
  maxFreeSockets: number | null;
  /** What the default is, for tables. */
  agent: string;
}

const UNDICI_DEFAULTS: IdleDefaults = { family: 'undici', agentTimeoutMs: null, maxFreeSockets: null, agent: 'Pool' };

/**
 * What each client runs with at its defaults in this harness (packages/clients): undici's Agent → Pool; node-http a
 * dedicated keep-alive `http.Agent` (no timeout); axios and got Node's global agent (timeout 5000, lib/internal/http.js).
 * The notebook checks these against the live settings after the run (`burst-settings-as-assumed`).
 */
export const CLIENT_IDLE_DEFAULTS: Readonly<Record<string, IdleDefaults>> = {
  'undici-request': UNDICI_DEFAULTS,
  'undici-dispatch': UNDICI_DEFAULTS,
  'undici-fetch': UNDICI_DEFAULTS,
  'node-fetch': { ...UNDICI_DEFAULTS, agent: 'bundled undici 7 Pool (global dispatcher)' },
  'node-http': { family: 'node-agent', agentTimeoutMs: null, maxFreeSockets: 256, agent: 'dedicated http.Agent' },
  axios: { family: 'node-agent', agentTimeoutMs: 5000, maxFreeSockets: 256, agent: 'global http.Agent' },
  got: { family: 'node-agent', agentTimeoutMs: 5000, maxFreeSockets: 256, agent: 'global http.Agent' },
};

export function idleDefaults(client: string): IdleDefaults {
  const d = CLIENT_IDLE_DEFAULTS[client];
  if (!d) throw new RangeError(`client: no idle-socket defaults for ${JSON.stringify(client)}`);
  return d;
}

/** Seconds a Node server announces in `Keep-Alive: timeout=` (_http_outgoing.js L520–526). */
export function keepAliveHintSeconds(serverKeepAliveMs: number): number {
  return Math.floor(serverKeepAliveMs / 1000);
}

/** How long a Node 24 server keeps an idle keep-alive socket (Infinity: keepAliveTimeout 0 sets no timer). */
export function serverIdleTimeoutMs(serverKeepAliveMs: number, bufferMs = IDLE_RULE.serverBufferMs): number {
  return serverKeepAliveMs > 0 ? serverKeepAliveMs + bufferMs : Number.POSITIVE_INFINITY;
}

/**
 * A client's effective idle timeout after a response with `Keep-Alive: timeout=hintSeconds` (null: no hint):
 * 0 = it keeps no idle socket, Infinity = no idle timer. `thresholdMs` and `agentTimeoutMs` default to the rule and the
 * client's defaults; pass live values where the record has them.
 */
export function clientIdleTimeoutMs(
  client: string,
  hintSeconds: number | null,
  live: { thresholdMs?: number; agentTimeoutMs?: number | null } = {},
): number {
  const d = idleDefaults(client);
  if (d.family === 'undici') {
    // Without a hint undici keeps its configured keepAliveTimeout (4 s by default, client.js L311).
    if (hintSeconds === null) return 4000;
    const t = Math.min(hintSeconds * 1000 - (live.thresholdMs ?? IDLE_RULE.undiciThresholdMs), IDLE_RULE.undiciMaxMs);
    return Math.max(t, 0);
  }
  const agent = (live.agentTimeoutMs === undefined ? d.agentTimeoutMs : live.agentTimeoutMs) ?? 0;
  const timer = agent > 0 ? agent : Number.POSITIVE_INFINITY;
  if (hintSeconds === null) return timer;
  const hinted = hintSeconds * 1000 - IDLE_RULE.agentBufferMs;
  if (hinted <= 0) return 0;
  return agent > 0 ? Math.min(agent, hinted) : timer;
}

/** Milliseconds for a table: '∞' for no timer, 'keeps none' for 0. */
export function idleText(ms: number): string {
  return ms === 0 ? 'keeps none' : Number.isFinite(ms) ? String(Math.round(ms)) : 'none (∞)';
}

// ─── Small helpers ─────────────────────────────────────────────────────────────────────────────────────────────────

function interval(values: readonly number[]): MedianInterval | null {
  const finite = values.filter((x) => Number.isFinite(x));
  return finite.length ? medianInterval(finite) : null;
}

const r3 = (x: number): number => Number(x.toPrecision(3));

/** A verdict's statistic with its CI for advice text, or a plain statement that the verdict carries none. */
function statisticText(v: VerdictData): string {
  const s = v.statistic;
  if (!s) return 'not available: the verdict carries no statistic';
  return `${r3(s.value)}${s.ci95 ? `, 95 % CI ${r3(s.ci95[0])}–${r3(s.ci95[1])}` : ', no 95 % CI'}`;
}

function intervalText(i: MedianInterval | null): string {
  if (!i) return 'no data';
  return `${r3(i.median)} (${i.coverage >= 0.95 ? '95 % CI' : `${Math.round(i.coverage * 100)} % interval`} ${r3(i.low)}–${r3(i.high)}, n = ${i.n})`;
}

/** A quantity claim over pooled values, or unresolved with "no data" when there are none. */
function pooledClaim(input: {
  id: string;
  claim: string;
  statistic: string;
  values: readonly number[];
  threshold: Threshold;
  evidence?: Evidence;
  kind?: 'claim' | 'exploratory';
}): VerdictData {
  const i = interval(input.values);
  if (!i)
    return {
      id: input.id,
      claim: input.claim,
      kind: input.kind ?? 'claim',
      outcome: 'unresolved',
      holds: false,
      evidence: { data: 'none' },
    };
  return quantityClaim({ ...input, interval: i });
}

// ─── §2–3 The cap sweep and its sockets (steady-state method) ────────────────────────────────────────────────────────

/** One point of the sweep: a client with cap N (null: unlimited), think-time L and C requests in flight. */
export interface CapPoint {
  client: string;
  cap: number | null;
  delayMs: number;
  concurrency: number;
  label: string;
  /** Little's bound min(N, C) / L in req/s (Infinity at L = 0). */
  boundRps: number;
  /** N < C and L > 0: the pool, not C, is the bound. */
  poolBound: boolean;
}

export type CapSpec = readonly [cap: number | null, delayMs: number, concurrency: number];

export function capPoint(client: string, cap: number | null, delayMs: number, concurrency: number): CapPoint {
  if (cap !== null && !(Number.isInteger(cap) && cap >= 1))
    throw new RangeError(`cap: expected an integer ≥ 1 or null, got ${cap}`);
  if (!(Number.isInteger(concurrency) && concurrency >= 1))
    throw new RangeError(`concurrency: expected an integer ≥ 1, got ${concurrency}`);
  if (!(delayMs >= 0)) throw new RangeError(`delayMs: expected ≥ 0, got ${delayMs}`);
  const inFlight = Math.min(cap ?? concurrency, concurrency);
  return {
    client,
    cap,
    delayMs,
    concurrency,
    label: `${client} N=${cap ?? 'unlimited'} L=${delayMs} C=${concurrency}`,
    boundRps: delayMs > 0 ? (inFlight * 1000) / delayMs : Number.POSITIVE_INFINITY,
    poolBound: cap !== null && cap < concurrency && delayMs > 0,
  };
}

export function capPoints(groups: readonly { clients: readonly string[]; points: readonly CapSpec[] }[]): CapPoint[] {
  return groups.flatMap((g) => g.clients.flatMap((c) => g.points.map(([n, l, k]) => capPoint(c, n, l, k))));
}

/** What the sweep checks read from an interleaved bench record (structural: live and read-back records fit). */
export interface CapSweepMeasurement extends InterleavedMeasurement {
  target: { peakOpenConnections: number; peakInFlight: number };
  method?:
    | (WindowedMethod & {
        blocks: readonly BlockQuantities[];
        warmupCurve: readonly { peakOpenConnections?: number }[];
      })
    | undefined;
}

/** How long each block measured (the steady-state method records it). */
export interface WindowedMethod {
  windowMs?: number;
  windowsPerBlock?: number;
}

/**
 * How far a block may sit above a Little bound: the timer tolerance, or one extra completion per connection in the
 * block's measured time (a window can end just after a completion and start just before one), whichever is larger.
 */
function boundAllowance(method: WindowedMethod | undefined, delayMs: number): number {
  const blockMs = (method?.windowMs ?? 0) * (method?.windowsPerBlock ?? 1);
  return Math.max(T.boundTolerance, blockMs > 0 ? delayMs / blockMs : 0);
}

export interface CapSweepCase {
  point: CapPoint;
  record: CapSweepMeasurement;
}

const blocksOf = (r: InterleavedMeasurement): readonly BlockQuantities[] => r.method?.blocks ?? [];

/** The largest number of sockets any window (warm-up included) saw open at the target. */
function peakOpen(r: CapSweepMeasurement): number {
  const warm = (r.method?.warmupCurve ?? []).map((w) => w.peakOpenConnections ?? 0);
  return Math.max(r.target.peakOpenConnections, ...warm);
}

/** Per block: the time a request held its connection beyond L, from throughput = min(N, C) / (L + overhead). */
function overheadPerBlockMs(c: CapSweepCase): number[] {
  const inFlight = Math.min(c.point.cap ?? c.point.concurrency, c.point.concurrency);
  return blocksOf(c.record).map((b) =>
    b.throughputRps > 0 ? (inFlight * 1000) / b.throughputRps - c.point.delayMs : Number.NaN,
  );
}

export interface PoolCapRow {
  label: string;
  client: string;
  cap: string;
  delayMs: number;
  concurrency: number;
  boundRps: number;
  rounds: number;
  rps: string;
  ofBound: string;
  /** The same as numbers, for charts (NaN where the bound is infinite). */
  ofBoundMedian: number;
  ofBoundLow: number;
  ofBoundHigh: number;
  /** Measured overhead per request on a connection (pool-bound points only). */
  overheadMs: string;
  utilization: number;
  peakOpen: number;
  peakInFlight: number;
  flags: string;
}

export function poolCapRows(cases: readonly CapSweepCase[]): PoolCapRow[] {
  return cases.map((c) => {
    const blocks = blocksOf(c.record);
    const rps = interval(blocks.map((b) => b.throughputRps));
    const finiteBound = Number.isFinite(c.point.boundRps);
    const ofBound = finiteBound ? interval(blocks.map((b) => b.throughputRps / c.point.boundRps)) : null;
    return {
      label: c.point.label,
      client: c.point.client,
      cap: c.point.cap === null ? 'unlimited' : String(c.point.cap),
      delayMs: c.point.delayMs,
      concurrency: c.point.concurrency,
      boundRps: finiteBound ? Math.round(c.point.boundRps) : Number.POSITIVE_INFINITY,
      rounds: blocks.length,
      rps: rps ? `${Math.round(rps.median)} (${Math.round(rps.low)}–${Math.round(rps.high)})` : 'no data',
      ofBound: finiteBound ? intervalText(ofBound) : '—',
      ofBoundMedian: ofBound?.median ?? Number.NaN,
      ofBoundLow: ofBound?.low ?? Number.NaN,
      ofBoundHigh: ofBound?.high ?? Number.NaN,
      overheadMs: c.point.poolBound ? intervalText(interval(overheadPerBlockMs(c))) : '—',
      utilization: r3(interval(blocks.map((b) => b.clientUtilization))?.median ?? 0),
      peakOpen: peakOpen(c.record),
      peakInFlight: c.record.target.peakInFlight,
      flags: (c.record.guards?.flags ?? []).join(', '),
    };
  });
}

/** No block beats Little's bound: a closed loop of min(N, C) connections each held ≥ L cannot. Sanity. */
export function capBoundSanity(cases: readonly CapSweepCase[]): VerdictData {
  const bounded = cases.filter((c) => Number.isFinite(c.point.boundRps));
  const ratios = bounded.flatMap((c) => blocksOf(c.record).map((b) => b.throughputRps / c.point.boundRps));
  const over = bounded.flatMap((c) =>
    blocksOf(c.record).map(
      (b) => b.throughputRps / c.point.boundRps / (1 + boundAllowance(c.record.method, c.point.delayMs)),
    ),
  );
  return sanityCheck({
    id: 'bound-holds',
    claim: `No block of any point exceeds min(N, C) / L by more than ${T.boundTolerance * 100} % (timer granularity) or one completion per connection in the block's measured time: a property of the closed loop, shown to check the harness.`,
    holds: over.length > 0 && Math.max(...over) <= 1,
    evidence: { blocks: ratios.length, maxBlockOverBound: ratios.length ? r3(Math.max(...ratios)) : null },
  });
}

export const POOL_SETS_THROUGHPUT_CLAIM = `Tested: δ < ${T.wireOverheadMs} ms where the client is under half busy; flagged points excluded. Where the pool is the bound (N < C, L > 0), the measurement has no guard flag and the client used at most ${T.poolBoundMaxUtilization * 100} % of its core, the pool sets throughput: every such point reaches N / (L + ${T.wireOverheadMs} ms), i.e. a request holds its connection for at most ${T.wireOverheadMs} ms beyond L (95 % CI of per-block throughput ÷ that above 1).`;

/** The pool sets throughput where the client's own CPU is not the limit. Returns the verdict and the eligible points. */
export function poolSetsThroughput(cases: readonly CapSweepCase[]): { verdict: VerdictData; eligible: string[] } {
  const eligible = cases.filter((c) => {
    if (!c.point.poolBound || !isRankable(c.record)) return false;
    const util = interval(blocksOf(c.record).map((b) => b.clientUtilization));
    return util !== null && util.median <= T.poolBoundMaxUtilization;
  });
  const parts = eligible.map((c) => {
    const inFlight = Math.min(c.point.cap ?? c.point.concurrency, c.point.concurrency);
    const model = (inFlight * 1000) / (c.point.delayMs + T.wireOverheadMs);
    return pooledClaim({
      id: c.point.label,
      claim: c.point.label,
      statistic: `throughput ÷ N / (L + ${T.wireOverheadMs} ms)`,
      values: blocksOf(c.record).map((b) => b.throughputRps / model),
      threshold: { above: 1 },
    });
  });
  const skipped = cases.filter((c) => c.point.poolBound && !eligible.includes(c)).map((c) => c.point.label);
  return {
    verdict: combineParts(parts, {
      id: 'pool-sets-throughput',
      claim: POOL_SETS_THROUGHPUT_CLAIM,
      threshold: { above: 1 },
      evidence: { eligible: eligible.length, notEligible: skipped.join('; ') || 'none' },
    }),
    eligible: eligible.map((c) => c.point.label),
  };
}

/** Measured overhead per request on a connection, pooled over the eligible pool-bound points' blocks. */
export function connectionOverheadMs(cases: readonly CapSweepCase[], labels: readonly string[]): MedianInterval | null {
  return interval(cases.filter((c) => labels.includes(c.point.label)).flatMap(overheadPerBlockMs));
}

/**
 * Where C / L is far above what the client did (≥ cpuBoundFactor × its throughput), its own core is what limits: the
 * median per-block CPU utilisation (CPU time ÷ wall time of each block, not a product of medians) is high. Sanity:
 * shown to check that the regime is the one the model says; null when the profile measured no such point.
 */
export function cpuTakesOverSanity(cases: readonly CapSweepCase[]): VerdictData | null {
  const cpuBound = cases.filter((c) => {
    const rps = interval(blocksOf(c.record).map((b) => b.throughputRps));
    return rps !== null && Number.isFinite(c.point.boundRps) && c.point.boundRps >= T.cpuBoundFactor * rps.median;
  });
  if (cpuBound.length === 0) return null;
  const util = cpuBound.map((c) => ({
    label: c.point.label,
    util: interval(blocksOf(c.record).map((b) => b.clientUtilization))?.median ?? 0,
  }));
  return sanityCheck({
    id: 'cpu-takes-over',
    claim: `Where min(N, C) / L is at least ${T.cpuBoundFactor}× the throughput measured, the client's own core is the limit: its median per-block CPU utilisation is at least ${T.cpuBusyUtilization}.`,
    holds: util.every((u) => u.util >= T.cpuBusyUtilization),
    evidence: Object.fromEntries(util.map((u) => [u.label, r3(u.util)])),
  });
}

/** undici's unlimited Pool opens more sockets than requests in flight, at most 2 per lane (review U1). */
export function undiciFanOut(cases: readonly CapSweepCase[]): VerdictData | null {
  const unlimited = cases.filter((c) => c.point.cap === null && idleDefaults(c.point.client).family === 'undici');
  if (unlimited.length === 0) return null;
  const ratio = (c: CapSweepCase) => peakOpen(c.record) / c.point.concurrency;
  return countClaim({
    id: 'undici-more-sockets-than-in-flight',
    claim: `In every unlimited undici measurement, peak open sockets at the target are more than ${T.fanOutAbove} × C and at most ${T.fanOutAtMost} × C (one Client in flight and one waiting for 'drain' per lane).`,
    holds: unlimited.every((c) => ratio(c) > T.fanOutAbove && ratio(c) <= T.fanOutAtMost),
    evidence: Object.fromEntries(
      unlimited.map((c) => [c.point.label, `${peakOpen(c.record)} / ${c.point.concurrency}`]),
    ),
  });
}

/** node:http's Agent hands a freed socket on before the next request is issued: never more sockets than C. */
export function agentNeverMoreSockets(cases: readonly CapSweepCase[]): VerdictData | null {
  const unlimited = cases.filter((c) => c.point.cap === null && idleDefaults(c.point.client).family === 'node-agent');
  if (unlimited.length === 0) return null;
  return countClaim({
    id: 'agent-never-more-sockets',
    claim: `In every unlimited measurement of node:http's Agent (measured here: ${[...new Set(unlimited.map((c) => c.point.client))].join(', ')}), peak open sockets at the target are at most C.`,
    holds: unlimited.every((c) => peakOpen(c.record) <= c.point.concurrency),
    evidence: Object.fromEntries(
      unlimited.map((c) => [c.point.label, `${peakOpen(c.record)} / ${c.point.concurrency}`]),
    ),
  });
}

// ─── §4 Queue wait and wire time (phase method, queueTiming) ───────────────────────────────────────────────────────

export interface QueuePhaseTrial {
  throughputRps: number;
  cpuMicrosPerRequest: number;
  latencyMs: { meanMs: number };
  queueMs?: { meanMs: number } | undefined;
  wireMs?: { meanMs: number } | undefined;
}

export interface QueuePhaseMeasurement {
  label: string;
  trials: readonly QueuePhaseTrial[];
}

/** One queue point: instrumented with queueTiming, and its uninstrumented twin (same options otherwise). */
export interface PoolQueueCase {
  point: CapPoint;
  instrumented: QueuePhaseMeasurement;
  control: QueuePhaseMeasurement | null;
}

/** Per trial: measured mean queue ÷ (C / N − 1) × mean wire time. */
function queueRatios(c: PoolQueueCase): number[] {
  const cap = c.point.cap ?? c.point.concurrency;
  const ahead = c.point.concurrency / cap - 1;
  return c.instrumented.trials.flatMap((t) =>
    t.queueMs && t.wireMs && ahead > 0 ? [t.queueMs.meanMs / (ahead * t.wireMs.meanMs)] : [],
  );
}

/** Per trial pair (i-th of each): instrumented ÷ control of a per-trial quantity. */
function pairRatios(c: PoolQueueCase, of: (t: QueuePhaseTrial) => number): number[] {
  const control = c.control?.trials ?? [];
  return c.instrumented.trials.flatMap((t, i) => {
    const u = control[i];
    return u && of(u) > 0 ? [of(t) / of(u)] : [];
  });
}

export interface PoolQueueRow {
  label: string;
  cOverN: number;
  queueMs: number;
  wireMs: number;
  totalMs: number;
  predictedQueueMs: number;
  ratio: string;
  latencyVsControl: string;
  cpuVsControl: string;
}

export function poolQueueRows(cases: readonly PoolQueueCase[]): PoolQueueRow[] {
  return cases.map((c) => {
    const med = (f: (t: QueuePhaseTrial) => number | undefined) =>
      interval(c.instrumented.trials.flatMap((t) => (f(t) === undefined ? [] : [f(t) as number])))?.median ??
      Number.NaN;
    const wire = med((t) => t.wireMs?.meanMs);
    const cOverN = c.point.concurrency / (c.point.cap ?? c.point.concurrency);
    return {
      label: c.point.label,
      cOverN,
      queueMs: r3(med((t) => t.queueMs?.meanMs)),
      wireMs: r3(wire),
      totalMs: r3(med((t) => t.latencyMs.meanMs)),
      predictedQueueMs: r3((cOverN - 1) * wire),
      ratio: intervalText(interval(queueRatios(c))),
      latencyVsControl: intervalText(interval(pairRatios(c, (t) => t.latencyMs.meanMs))),
      cpuVsControl: intervalText(interval(pairRatios(c, (t) => t.cpuMicrosPerRequest))),
    };
  });
}

/** queue = wireStart − start and wire = end − wireStart: their sum is the total by construction. Sanity. */
export function queueSplitSanity(cases: readonly PoolQueueCase[]): VerdictData {
  const gaps = cases.flatMap((c) =>
    c.instrumented.trials.flatMap((t) =>
      t.queueMs && t.wireMs && t.latencyMs.meanMs > 0
        ? [Math.abs(t.queueMs.meanMs + t.wireMs.meanMs - t.latencyMs.meanMs) / t.latencyMs.meanMs]
        : [],
    ),
  );
  return sanityCheck({
    id: 'queue-plus-wire',
    claim: `Mean queue wait + mean wire time equals the mean total latency within ${T.splitTolerance * 100} % in every trial: the two are cut from one timeline (queue = socket assigned − start, wire = end − socket assigned), so this checks the instrumentation, not the clients.`,
    holds: gaps.length > 0 && gaps.every((g) => g <= T.splitTolerance),
    evidence: { trials: gaps.length, worstRelativeGap: gaps.length ? r3(Math.max(...gaps)) : null },
  });
}

/** The instrumentation's own cost, from the uninstrumented twins. Sanity: the queue numbers describe the real loop. */
export function instrumentationOverhead(cases: readonly PoolQueueCase[]): VerdictData | null {
  const paired = cases.filter((c) => c.control !== null);
  if (paired.length === 0) return null;
  const latency = paired.map((c) => ({
    c,
    i: interval(pairRatios(c, (t) => t.latencyMs.meanMs)),
    cpu: interval(pairRatios(c, (t) => t.cpuMicrosPerRequest)),
  }));
  const evidence: Evidence = {};
  for (const { c, i, cpu } of latency) {
    evidence[`${c.point.label} latency`] = intervalText(i);
    evidence[`${c.point.label} CPU/request`] = intervalText(cpu);
  }
  return sanityCheck({
    id: 'instrumentation-overhead',
    claim: `At the light load measured here (the client mostly idle), the queue-timing instrumentation (diagnostics-channel subscribers, a tagged query string and map operations per request) changes the mean latency by less than ${T.instrumentationTolerance * 100} % and at most multiplies the CPU per request by ${T.instrumentationCpuAtMost}, against the same point measured without it (medians of per-trial ratios). Its cost at a heavy load was not measured.`,
    holds: latency.every(
      ({ i, cpu }) =>
        i !== null &&
        Math.abs(i.median - 1) < T.instrumentationTolerance &&
        cpu !== null &&
        cpu.median <= T.instrumentationCpuAtMost,
    ),
    evidence,
  });
}

/**
 * Little's law in a closed loop, stated as the sanity check it is: with C in flight on N < C connections that never
 * idle, total time = C × wire / N, so queue = (C / N − 1) × wire for any client. The ±15 % band is far wider than the
 * per-point CIs; it is there to catch a pool that leaves connections idle (or lets more than N on the wire), not to
 * measure anything.
 */
export const QUEUE_SANITY = `Little's law in a closed loop, not a finding: with C requests in flight on N < C connections that never sit idle, each connection serves one request after another, so the mean total time is C × wire / N and a request waits (C / N − 1) × mean wire time for the requests ahead of it, whatever the client. Checked at a light load (client CPU utilisation ≤ ${T.queueMaxUtilization}), at every such point: measured mean queue ÷ ((C / N − 1) × mean wire time), per trial, has its 95 % CI between ${T.queueBand.above} and ${T.queueBand.below}. Above the band, connections sat idle between a response and the next queued request (the pool handed a freed connection on late); below it, more than N requests were on the wire at once (more connections than the cap, or pipelining), or the start and drain of a trial dominate.`;

/** Per trial: the client's CPU utilisation, CPU per request × throughput. */
const trialUtilization = (t: QueuePhaseTrial): number => (t.cpuMicrosPerRequest * t.throughputRps) / 1e6;

/**
 * Sanity (Little's law, see QUEUE_SANITY), decided at each point separately (all must hold), at the points where the
 * client was at most half busy. The evidence keeps every point's ratio and CI, and the binding point's statistic.
 */
export function queueGrowsSanity(cases: readonly PoolQueueCase[]): VerdictData {
  const light = (c: PoolQueueCase) =>
    (interval(c.instrumented.trials.map(trialUtilization))?.median ?? Number.POSITIVE_INFINITY) <=
    T.queueMaxUtilization;
  const eligible = cases.filter(light);
  const parts = eligible.map((c) =>
    pooledClaim({
      id: c.point.label,
      claim: c.point.label,
      statistic: 'queue ÷ (C/N − 1) × wire',
      values: queueRatios(c),
      threshold: T.queueBand,
    }),
  );
  const skipped = cases.filter((c) => !light(c)).map((c) => c.point.label);
  return combineParts(parts, {
    id: 'queue-grows-c-over-n',
    claim: QUEUE_SANITY,
    kind: 'sanity',
    threshold: T.queueBand,
    evidence: { eligible: eligible.length, notEligible: skipped.join('; ') || 'none' },
  });
}

// ─── §5 Bursts after an idle gap ──────────────────────────────────────────────────────────────────────────────────

/** Which timer decides a burst's count: see `predictIdleBurst`. */
export type IdleBurstRole = 'refused' | 'zero-gap' | 'client-timer' | 'server-timer';

export interface IdleBurstGroup {
  /** The target's keepAliveTimeout (it announces floor(ms / 1000) s; it closes idle sockets after ms + 1000). */
  serverKeepAliveMs: number;
  gapsMs: readonly number[];
  clients: readonly string[];
}

export interface IdleBurstDesign {
  client: string;
  serverKeepAliveMs: number;
  hintSeconds: number;
  serverIdleMs: number;
  clientIdleMs: number;
  gapMs: number;
  burst: number;
  /** Sockets opened per burst, from the effective values. */
  predicted: number;
  role: IdleBurstRole;
  /** Distance between the gap and the timer that decides (Infinity when no timer decides). */
  marginMs: number;
  label: string;
}

/**
 * Predict the sockets a burst of C opens after `gapMs` idle, from the effective values: a client that keeps no socket
 * (hint ≤ its threshold) reopens C whatever the gap; otherwise the first timer to fire (client or server) closes every
 * idle socket once the gap passes it; below it, undici keeps all and node:http's Agent all but C − maxFreeSockets.
 */
export function predictIdleBurst(
  client: string,
  serverKeepAliveMs: number,
  gapMs: number,
  burst: number,
): IdleBurstDesign {
  const d = idleDefaults(client);
  const hint = keepAliveHintSeconds(serverKeepAliveMs);
  const serverIdleMs = serverIdleTimeoutMs(serverKeepAliveMs);
  const clientIdleMs = clientIdleTimeoutMs(client, serverKeepAliveMs > 0 ? hint : null);
  const kept = d.family === 'node-agent' ? Math.max(0, burst - (d.maxFreeSockets ?? burst)) : 0;
  const closeAt = Math.min(clientIdleMs, serverIdleMs);
  const decider: IdleBurstRole = clientIdleMs < serverIdleMs ? 'client-timer' : 'server-timer';
  const base = { client, serverKeepAliveMs, hintSeconds: hint, serverIdleMs, clientIdleMs, gapMs, burst };
  const label = `${client} · timeout=${hint} · gap ${gapMs} ms`;
  if (clientIdleMs === 0)
    return { ...base, predicted: burst, role: 'refused', marginMs: Number.POSITIVE_INFINITY, label };
  if (gapMs > closeAt) return { ...base, predicted: burst, role: decider, marginMs: gapMs - closeAt, label };
  return { ...base, predicted: kept, role: gapMs === 0 ? 'zero-gap' : decider, marginMs: closeAt - gapMs, label };
}

/**
 * Every (client, gap) of the groups, with its prediction. A gap too close to the timer that decides it would make the
 * prediction a coin toss: the design is refused before anything runs.
 */
export function idleBurstDesigns(groups: readonly IdleBurstGroup[], burst: number): IdleBurstDesign[] {
  const designs = groups.flatMap((g) =>
    g.clients.flatMap((c) => g.gapsMs.map((gap) => predictIdleBurst(c, g.serverKeepAliveMs, gap, burst))),
  );
  for (const d of designs) {
    const closing = d.predicted === burst && d.role !== 'refused';
    const need = closing ? T.closeMarginMs : T.keepMarginMs;
    if (d.role !== 'refused' && d.marginMs < need)
      throw new RangeError(
        `gapsMs: ${d.gapMs} ms for ${d.client} against keepAliveTimeout ${d.serverKeepAliveMs} ms is ${Math.round(d.marginMs)} ms from the timer that decides it (need ≥ ${need} ms)`,
      );
  }
  return designs;
}

export interface IdleBurstTrial {
  target: { connectionsOpened: number } | null;
  clientSocketsOpened?: number | undefined;
  latencyMs: { p50: number };
}

export interface IdleBurstMeasurement {
  client: { name: string; settings: Record<string, unknown> };
  trials: readonly IdleBurstTrial[];
}

export interface IdleBurstCase {
  design: IdleBurstDesign;
  record: IdleBurstMeasurement;
}

const opened = (t: IdleBurstTrial): number => t.target?.connectionsOpened ?? -1;
const matches = (c: IdleBurstCase): boolean =>
  c.record.trials.length > 0 && c.record.trials.every((t) => opened(t) === c.design.predicted);

export interface IdleBurstRow {
  label: string;
  role: IdleBurstRole;
  hint: string;
  clientIdle: string;
  serverIdle: string;
  gapMs: number;
  predicted: number;
  opened: string;
  clientCounted: string;
  p50Ms: string;
  asPredicted: string;
}

/** The design with its predictions (before the run: no records) or with what each burst opened (after it). */
export function idleBurstRows(
  designs: readonly IdleBurstDesign[],
  records: readonly IdleBurstMeasurement[] = [],
): IdleBurstRow[] {
  const none: IdleBurstMeasurement = { client: { name: '', settings: {} }, trials: [] };
  return designs
    .map((design, i) => ({ design, record: records[i] ?? none }))
    .map((c) => ({
      label: c.design.label,
      role: c.design.role,
      hint: `timeout=${c.design.hintSeconds}`,
      clientIdle: idleText(c.design.clientIdleMs),
      serverIdle: idleText(c.design.serverIdleMs),
      gapMs: c.design.gapMs,
      predicted: c.design.predicted,
      opened: c.record.trials.map(opened).join(', ') || '—',
      clientCounted: c.record.trials.map((t) => t.clientSocketsOpened ?? '—').join(', ') || '—',
      p50Ms: c.record.trials.map((t) => r3(t.latencyMs.p50)).join(', ') || '—',
      asPredicted: c.record.trials.length === 0 ? '—' : matches(c) ? 'yes' : 'NO',
    }));
}

/** The client's own count of sockets opened (`net.client.socket`) equals the target's accepts. Sanity. */
export function idleBurstCountsMatch(cases: readonly IdleBurstCase[]): VerdictData {
  const trials = cases.flatMap((c) => c.record.trials);
  return sanityCheck({
    id: 'burst-counts-match',
    claim:
      'In every burst, the sockets the client opened (its own net.client.socket channel) equal the connections the target accepted.',
    holds: trials.length > 0 && trials.every((t) => t.clientSocketsOpened === opened(t)),
    evidence: Object.fromEntries(
      cases.map((c) => [
        c.design.label,
        c.record.trials.map((t) => `${t.clientSocketsOpened ?? '—'}/${opened(t)}`).join(' '),
      ]),
    ),
  });
}

/**
 * The defaults the predictions assumed, read back from the live objects after the run: Node's maxFreeSockets and socket
 * timeout; undici's effective idle timeout when the record has it (`liveKeepAliveTimeoutValueMs`). Sanity.
 */
export function idleBurstSettingsAsAssumed(cases: readonly IdleBurstCase[]): VerdictData {
  const evidence: Evidence = {};
  let holds = cases.length > 0;
  for (const c of cases) {
    const d = idleDefaults(c.design.client);
    const s = c.record.client.settings;
    if (d.family === 'node-agent') {
      const timeout = s['socketTimeoutMs'] ?? null;
      const ok = s['maxFreeSockets'] === d.maxFreeSockets && timeout === d.agentTimeoutMs;
      holds &&= ok;
      evidence[c.design.label] = `maxFreeSockets ${String(s['maxFreeSockets'])}, timeout ${String(timeout)}`;
    } else {
      const value = s['liveKeepAliveTimeoutValueMs'];
      const finite = c.design.clientIdleMs > 0 && Number.isFinite(c.design.clientIdleMs);
      if (typeof value === 'number' && finite) holds &&= value === c.design.clientIdleMs;
      evidence[c.design.label] =
        typeof value === 'number' ? `effective ${value} ms (read)` : 'effective value not read';
    }
  }
  return sanityCheck({
    id: 'burst-settings-as-assumed',
    claim:
      "The defaults the predictions assumed (maxFreeSockets 256; global agent timeout 5000 ms, node-http none; undici's effective idle timeout where the record reads it) are the live values.",
    holds,
    evidence,
  });
}

const r = IDLE_RULE;
export const IDLE_BURST_CLAIMS: Readonly<Record<IdleBurstRole, { id: string; claim: string }>> = {
  'zero-gap': {
    id: 'agent-reopens-over-max-free',
    claim:
      "At a 0 ms gap (with a hint the clients accept), node:http's Agent (node-http, axios, got) reopens exactly C − maxFreeSockets (256) sockets per burst and undici none, in every trial.",
  },
  'client-timer': {
    id: 'effective-idle-timeouts',
    claim: `Clients close idle sockets on their EFFECTIVE idle timeout, not the configured one: against Keep-Alive: timeout=S, undici (npm and Node's bundled copy) after S − ${r.undiciThresholdMs / 1000} s, the global agent (axios, got) after min(5 s, S − ${r.agentBufferMs / 1000} s). Every burst whose gap is shorter than that (by ≥ ${T.keepMarginMs} ms) reopens only what the idle limit forces (undici 0, Agents C − 256), and every burst whose gap is longer (by ≥ ${T.closeMarginMs} ms) reopens all C, in every trial.`,
  },
  'server-timer': {
    id: 'server-timeout-reopens-all',
    claim: `A Node 24 server closes an idle socket after keepAliveTimeout + ${r.serverBufferMs / 1000} s, not keepAliveTimeout: a client without an idle timer of its own (node-http's dedicated Agent) reopens only C − 256 after a gap shorter than that and all C after a gap longer than it, in every trial.`,
  },
  refused: {
    id: 'short-hint-disables-reuse',
    claim: `A hint at or below the client's margin (S × 1000 ≤ ${r.undiciThresholdMs} ms for undici, ≤ ${r.agentBufferMs} ms for Node's Agent) turns keep-alive off: every client reopens all C even after a 0 ms gap, in every trial.`,
  },
};

/** The count claims of every role the design has, in a fixed order (roles without bursts are left out). */
export function idleBurstClaims(cases: readonly IdleBurstCase[]): VerdictData[] {
  const roles: IdleBurstRole[] = ['zero-gap', 'client-timer', 'server-timer', 'refused'];
  return roles.flatMap((role) => idleBurstClaim(cases, role) ?? []);
}

/** One count claim per role: every trial of every burst in that role opened exactly the predicted number of sockets. */
export function idleBurstClaim(cases: readonly IdleBurstCase[], role: IdleBurstRole): VerdictData | null {
  const mine = cases.filter((c) => c.design.role === role);
  if (mine.length === 0) return null;
  const clients = [...new Set(mine.map((c) => c.design.client))].join(', ');
  const hints = [...new Set(mine.map((c) => `timeout=${c.design.hintSeconds}`))].join(', ');
  return countClaim({
    id: IDLE_BURST_CLAIMS[role].id,
    claim: `${IDLE_BURST_CLAIMS[role].claim} Measured in this run: ${clients} against ${hints}.`,
    holds: mine.every(matches),
    evidence: Object.fromEntries(
      mine.map((c) => [c.design.label, `${c.record.trials.map(opened).join(', ')} (predicted ${c.design.predicted})`]),
    ),
  });
}

export const REOPEN_LATENCY_CLAIM = `Exploratory (confounded): a burst that reopens every socket has a higher median latency than the same client's burst after the longest gap that reopens fewer, at the same hint: per-trial p50 ratio, pooled over clients, 95 % CI above ${T.reopenLatencyAbove}. The two bursts follow different idle gaps, so the idle length (cold caches, timers, JIT) is confounded with the reopening.`;

/** Pairs per client: all-reopened burst vs the longest same-hint gap that reopens fewer; trials paired by index. */
export function reopenCostsLatency(cases: readonly IdleBurstCase[]): VerdictData {
  const values: number[] = [];
  const evidence: Evidence = {};
  for (const cold of cases.filter((c) => c.design.role !== 'refused' && c.design.predicted === c.design.burst)) {
    const warm = cases
      .filter(
        (c) =>
          c.design.client === cold.design.client &&
          c.design.serverKeepAliveMs === cold.design.serverKeepAliveMs &&
          c.design.predicted < cold.design.predicted,
      )
      .sort((a, b) => b.design.gapMs - a.design.gapMs)[0];
    if (!warm) continue;
    const ratios = cold.record.trials.flatMap((t, i) => {
      const w = warm.record.trials[i];
      return w && w.latencyMs.p50 > 0 ? [t.latencyMs.p50 / w.latencyMs.p50] : [];
    });
    values.push(...ratios);
    evidence[`${cold.design.label} ÷ gap ${warm.design.gapMs} ms`] = ratios.map(r3).join(', ');
  }
  return pooledClaim({
    id: 'reopen-costs-latency',
    claim: REOPEN_LATENCY_CLAIM,
    kind: 'exploratory',
    statistic: 'burst p50 reopened ÷ reused',
    values,
    threshold: { above: T.reopenLatencyAbove },
    evidence,
  });
}

// ─── §1 Defaults read from the live objects ───────────────────────────────────────────────────────────────────────

export interface PoolDefaultsMeasurement {
  client: { name: string; settings: Record<string, unknown> };
  target: { connectionsOpened: number };
}

export interface PoolDefaultsRow {
  client: string;
  object: string;
  cap: string;
  idleKept: string;
  configuredIdleMs: string;
  effectiveIdleMs: string;
  pipelining: string;
  opened: number;
}

const setting = (s: Record<string, unknown>, ...keys: string[]): string => {
  for (const k of keys) if (s[k] !== undefined && s[k] !== null) return String(s[k]);
  return '—';
};

/**
 * The live settings, with the idle timeout the client actually uses against a server announcing `hintSeconds`: read
 * from the record where it has it (undici's `Symbol('keep alive timeout')` as `liveKeepAliveTimeoutValueMs`),
 * otherwise derived from the live configured value by the rule (marked so).
 */
export function poolDefaultsRows(records: readonly PoolDefaultsMeasurement[], hintSeconds: number): PoolDefaultsRow[] {
  return records.map((r) => {
    const s = r.client.settings;
    const d = idleDefaults(r.client.name);
    const read = s['liveKeepAliveTimeoutValueMs'];
    const threshold = s['liveKeepAliveTimeoutThresholdMs'];
    const configured = d.family === 'undici' ? s['liveKeepAliveTimeoutMs'] : s['socketTimeoutMs'];
    const effective =
      typeof read === 'number'
        ? `${read} (read)`
        : `${idleText(
            clientIdleTimeoutMs(r.client.name, hintSeconds, {
              ...(typeof threshold === 'number' ? { thresholdMs: threshold } : {}),
              ...(d.family === 'node-agent'
                ? { agentTimeoutMs: typeof configured === 'number' ? configured : null }
                : {}),
            }),
          )} (rule)`;
    return {
      client: r.client.name,
      object: setting(s, 'liveDispatcher', 'agent'),
      cap: setting(s, 'liveConnectionsCap', 'maxSockets'),
      idleKept: d.family === 'node-agent' ? setting(s, 'maxFreeSockets') : 'all',
      configuredIdleMs: configured === undefined || configured === null ? 'none' : String(configured),
      effectiveIdleMs: effective,
      pipelining: setting(s, 'livePipelining'),
      opened: r.target.connectionsOpened,
    };
  });
}

/** Every client has no per-origin cap by default, read from the live objects: a read-back of configuration. Sanity. */
export function poolDefaultsUnlimited(records: readonly PoolDefaultsMeasurement[]): VerdictData {
  const caps = records.map((r) => [r.client.name, setting(r.client.settings, 'liveConnectionsCap', 'maxSockets')]);
  return sanityCheck({
    id: 'defaults-unlimited',
    claim:
      'Every client studied has no per-origin connection cap by default (read back from the live objects: it fails only if the configuration differs).',
    holds: caps.length > 0 && caps.every(([, cap]) => cap === 'unlimited (null)' || cap === 'Infinity'),
    evidence: Object.fromEntries(caps),
  });
}

// ─── §6 Pipelining (steady-state method) ─────────────────────────────────────────────────────────────────────────

export type PipeRole = 'p1' | 'deep-default' | 'deep-nonblocking' | 'p1-slow' | 'deep-nonblocking-slow';

export interface PipeCase {
  role: PipeRole;
  pipelining: number;
  /** undici's per-request `blocking`: null keeps the default (true for every method but HEAD). */
  blocking: boolean | null;
  slow: boolean;
  label: string;
}

/** The head-of-line target: every 20th response takes 200 ms instead of L. */
export const PIPELINING_SLOW_TARGET = { slowEvery: 20, slowDelayMs: 200 } as const;

export function pipeliningCases(deepest: number): PipeCase[] {
  const c = (role: PipeRole, pipelining: number, blocking: boolean | null, slow: boolean): PipeCase => ({
    role,
    pipelining,
    blocking,
    slow,
    label: `pipelining ${pipelining}, blocking ${blocking ?? 'default'}, ${slow ? 'slow every 20th' : 'uniform'}`,
  });
  return [
    c('p1', 1, null, false),
    c('deep-default', deepest, null, false),
    c('deep-nonblocking', deepest, false, false),
    c('p1-slow', 1, null, true),
    c('deep-nonblocking-slow', deepest, false, true),
  ];
}

/** Requests a connection can hold at once: a blocking GET allows no second request until its headers arrive. */
export function effectivePipelining(c: Pick<PipeCase, 'pipelining' | 'blocking'>): number {
  return c.blocking === false ? c.pipelining : 1;
}

export interface PipeLab {
  connections: number;
  concurrency: number;
  delayMs: number;
}

export interface PipeMeasurement extends InterleavedMeasurement {
  target: { peakInFlight: number };
  method?: (WindowedMethod & { blocks: readonly BlockQuantities[] }) | undefined;
}

export interface PipeRun {
  case: PipeCase;
  record: PipeMeasurement;
}

const pipeBound = (c: PipeCase, lab: PipeLab): number =>
  (Math.min(lab.connections * effectivePipelining(c), lab.concurrency) * 1000) / lab.delayMs;

/** Throughputs of the given measurements for the rounds all of them ran, one array per round. */
function commonRounds(records: readonly InterleavedMeasurement[]): number[][] {
  const maps = records.map((m) => new Map(blocksOf(m).map((b) => [b.round, b.throughputRps])));
  const rounds = [...(maps[0]?.keys() ?? [])].filter((k) => maps.every((m) => m.has(k))).sort((a, b) => a - b);
  return rounds.map((k) => maps.map((m) => m.get(k) as number));
}

function byRole(runs: readonly PipeRun[], role: PipeRole): PipeRun {
  const run = runs.find((x) => x.case.role === role);
  if (!run) throw new RangeError(`runs: no pipelining measurement with role ${role}`);
  return run;
}

/**
 * The guard rule for the pipelining claims (they compare steady-state measurements): a verdict that read a measurement
 * the guards flag is unresolved and names it; the counts and interval stay in its evidence.
 */
function guardedPipe(v: VerdictData, used: readonly PipeRun[]): VerdictData {
  const flagged = flaggedText(rankable(used.map((r) => r.record)).flagged);
  const out: VerdictData = { ...v, evidence: { ...v.evidence, flagged } };
  return flagged === 'none' ? out : { ...out, outcome: 'unresolved', holds: false };
}

/** Per round: throughput of `b` ÷ throughput of `a`. */
const roundRatios = (a: PipeRun, b: PipeRun): number[] =>
  commonRounds([a.record, b.record]).map(([x, y]) => (y as number) / (x as number));

export interface PipeRow {
  label: string;
  effectivePipelining: number;
  boundRps: number;
  rps: string;
  vsP1: string;
  peakInFlight: number;
  flags: string;
}

export function pipeliningRows(runs: readonly PipeRun[], lab: PipeLab): PipeRow[] {
  const p1 = byRole(runs, 'p1');
  return runs.map((x) => {
    const rps = interval(blocksOf(x.record).map((b) => b.throughputRps));
    return {
      label: x.case.label,
      effectivePipelining: effectivePipelining(x.case),
      boundRps: Math.round(pipeBound(x.case, lab)),
      rps: rps ? `${Math.round(rps.median)} (${Math.round(rps.low)}–${Math.round(rps.high)})` : 'no data',
      vsP1: x === p1 ? '1' : intervalText(interval(roundRatios(p1, x))),
      peakInFlight: x.record.target.peakInFlight,
      flags: (x.record.guards?.flags ?? []).join(', '),
    };
  });
}

/** No block above min(N × effective p, C) / L. Sanity. */
export function pipeliningBoundSanity(runs: readonly PipeRun[], lab: PipeLab): VerdictData {
  const ratios = runs.flatMap((x) => blocksOf(x.record).map((b) => b.throughputRps / pipeBound(x.case, lab)));
  const allowance = Math.max(...runs.map((x) => boundAllowance(x.record.method, lab.delayMs)), T.boundTolerance);
  return sanityCheck({
    id: 'pipelining-bound',
    claim: `No block exceeds min(N × effective pipelining, C) / L (by more than ${T.boundTolerance * 100} % or one completion per connection in a block), where a blocking GET's effective pipelining is 1.`,
    holds: ratios.length > 0 && Math.max(...ratios) <= 1 + allowance,
    evidence: { blocks: ratios.length, maxBlockOverBound: ratios.length ? r3(Math.max(...ratios)) : null },
  });
}

/** The deepest pipelining with the default `blocking` keeps no more requests at the server and changes nothing. */
export function pipeliningInert(runs: readonly PipeRun[], lab: PipeLab): VerdictData {
  const deep = byRole(runs, 'deep-default');
  const ratio = pooledClaim({
    id: 'ratio',
    claim: 'ratio',
    statistic: 'deepest ÷ pipelining 1',
    values: roundRatios(byRole(runs, 'p1'), deep),
    threshold: T.pipeInertBand,
  });
  const peak = deep.record.target.peakInFlight;
  const claim = `With undici's default \`blocking\` for GET, pipelining ${deep.case.pipelining} keeps at most N = ${lab.connections} requests at the server and its throughput ÷ pipelining 1's (per round) has its 95 % CI between ${T.pipeInertBand.above} and ${T.pipeInertBand.below}.`;
  const evidence: Evidence = { peakInFlight: peak, ...ratio.evidence };
  const base = {
    id: 'pipelining-inert-for-blocking-get',
    claim,
    kind: 'claim' as const,
    evidence,
    ...(ratio.statistic ? { statistic: ratio.statistic } : {}),
  };
  const used = [byRole(runs, 'p1'), deep];
  if (peak > lab.connections) return guardedPipe({ ...base, outcome: 'fails', holds: false }, used);
  return guardedPipe(
    ratio.outcome === 'holds'
      ? { ...base, outcome: 'holds', holds: true }
      : { ...base, outcome: ratio.outcome, holds: false },
    used,
  );
}

/** With `blocking: false`, pipelining writes more requests per connection: more at the server, more throughput. */
export function pipeliningRaises(runs: readonly PipeRun[], lab: PipeLab): VerdictData {
  const deep = byRole(runs, 'deep-nonblocking');
  const ratio = pooledClaim({
    id: 'ratio',
    claim: 'ratio',
    statistic: 'deepest ÷ pipelining 1',
    values: roundRatios(byRole(runs, 'p1'), deep),
    threshold: { above: T.pipeRaisesAbove },
  });
  const peak = deep.record.target.peakInFlight;
  const claim = `With \`blocking: false\` and uniform responses, pipelining ${deep.case.pipelining} keeps more than N = ${lab.connections} requests at the server and its throughput ÷ pipelining 1's (per round) has its 95 % CI above ${T.pipeRaisesAbove}.`;
  const evidence: Evidence = { peakInFlight: peak, ...ratio.evidence };
  const base = {
    id: 'pipelining-raises-bound',
    claim,
    kind: 'claim' as const,
    evidence,
    ...(ratio.statistic ? { statistic: ratio.statistic } : {}),
  };
  const used = [byRole(runs, 'p1'), deep];
  if (peak <= lab.connections) return guardedPipe({ ...base, outcome: 'fails', holds: false }, used);
  return guardedPipe(
    ratio.outcome === 'holds'
      ? { ...base, outcome: 'holds', holds: true }
      : { ...base, outcome: ratio.outcome, holds: false },
    used,
  );
}

/** Per round: the slowdown a slow response causes at the deepest pipelining ÷ the slowdown at pipelining 1. */
export function pipeliningHeadOfLine(runs: readonly PipeRun[]): VerdictData {
  const order = [
    byRole(runs, 'p1'),
    byRole(runs, 'p1-slow'),
    byRole(runs, 'deep-nonblocking'),
    byRole(runs, 'deep-nonblocking-slow'),
  ];
  const values = commonRounds(order.map((x) => x.record)).map(
    ([u1, s1, uD, sD]) => (uD as number) / (sD as number) / ((u1 as number) / (s1 as number)),
  );
  return guardedPipe(
    pooledClaim({
      id: 'head-of-line',
      claim: `One slow response in 20 costs the deepest pipelining (blocking: false) at least ${T.headOfLineAbove}× the throughput factor it costs pipelining 1 (per round, 95 % CI above ${T.headOfLineAbove}): responses on one HTTP/1.1 connection come back in order, so requests written behind a slow one wait for it.`,
      statistic: '(uniform ÷ slow) deepest ÷ (uniform ÷ slow) pipelining 1',
      values,
      threshold: { above: T.headOfLineAbove },
    }),
    order,
  );
}

// ─── §7 Open loop ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface OpenLoopTrial {
  latencyMs: { p50: number; p99: number; maxMs: number };
  wireMs?: { meanMs: number } | undefined;
}

export interface OpenLoopMeasurement {
  params: { load: { rateRps: number | null; requests: number | null } };
  trials: readonly OpenLoopTrial[];
}

export interface OpenLoopRow {
  rateRps: number;
  trial: number;
  /** μ = N / mean wire time: what the pool can serve. */
  capacityRps: number;
  load: number;
  regime: 'stable' | 'overloaded' | 'near capacity';
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  predictedWaitMs: number;
  measuredWaitMs: number;
}

/**
 * Per trial: the pool's real capacity μ = N / wire (not N / L), the load λ / μ, and for λ > μ the wait of the last
 * request issued after T seconds: the queue grows by (λ − μ) per second and drains at μ, so it waits (λ / μ − 1) × T.
 */
export function openLoopRows(records: readonly OpenLoopMeasurement[], connections: number): OpenLoopRow[] {
  return records.flatMap((r) => {
    const rate = r.params.load.rateRps ?? 0;
    const seconds = rate > 0 ? (r.params.load.requests ?? 0) / rate : 0;
    return r.trials.flatMap((t, trial) => {
      const wire = t.wireMs?.meanMs ?? 0;
      if (!(wire > 0 && rate > 0)) return [];
      const capacityRps = (connections * 1000) / wire;
      const load = rate / capacityRps;
      const regime: OpenLoopRow['regime'] =
        load <= T.openStableShare ? 'stable' : load >= T.openKneeShare ? 'overloaded' : 'near capacity';
      return [
        {
          rateRps: rate,
          trial,
          capacityRps: Math.round(capacityRps),
          load: r3(load),
          regime,
          p50Ms: t.latencyMs.p50,
          p99Ms: t.latencyMs.p99,
          maxMs: t.latencyMs.maxMs,
          predictedWaitMs: Math.round(Math.max(0, load - 1) * seconds * 1000),
          measuredWaitMs: Math.round(t.latencyMs.maxMs - wire),
        },
      ];
    });
  });
}

export function openLoopStable(rows: readonly OpenLoopRow[], delayMs: number): VerdictData | null {
  const stable = rows.filter((x) => x.regime === 'stable');
  if (stable.length === 0) return null;
  return sanityCheck({
    id: 'open-loop-stable-below-capacity',
    claim: `Sanity (cannot realistically fail: arrivals are paced, request i due at t0 + i / λ, into a near-constant service time, so no queue builds below capacity): at arrival rates up to ${T.openStableShare} × μ (μ = N / mean wire time), p99 < ${T.openP99Multiple} × L in every trial.`,
    holds: stable.every((x) => x.p99Ms < T.openP99Multiple * delayMs),
    evidence: Object.fromEntries(
      stable.map((x) => [`λ ${x.rateRps} trial ${x.trial}`, `p99 ${x.p99Ms} ms (λ/μ ${x.load})`]),
    ),
  });
}

export const OPEN_KNEE_CLAIM = `Past the pool's capacity (λ ≥ ${T.openKneeShare} × μ) the queue grows without bound, as (λ / μ − 1) × T for the last request issued at T: measured ÷ predicted wait, per trial and pooled, has its 95 % CI between ${T.openKneeBand.above} and ${T.openKneeBand.below}.`;

export function openLoopKnee(rows: readonly OpenLoopRow[]): VerdictData {
  const over = rows.filter((x) => x.regime === 'overloaded' && x.predictedWaitMs > 0);
  return pooledClaim({
    id: 'open-loop-knee',
    claim: OPEN_KNEE_CLAIM,
    statistic: 'last wait measured ÷ (λ/μ − 1) × T',
    values: over.map((x) => x.measuredWaitMs / x.predictedWaitMs),
    threshold: T.openKneeBand,
    evidence: Object.fromEntries(
      over.map((x) => [`λ ${x.rateRps} trial ${x.trial}`, `${x.measuredWaitMs} / ${x.predictedWaitMs} ms`]),
    ),
  });
}

// ─── The notebook's profiles and its upstream finding ─────────────────────────────────────────────────────────────

/** What one profile of the notebook measures (`Run` is the runner's InterleaveOptions, which this package cannot see). */
export interface PoolLimitsProfile<Run> {
  sweep: { clients: string[]; points: CapSpec[] }[];
  sweepRun: Run;
  queue: { clients: string[]; caps: number[]; concurrency: number; requestsPerLane: number; trials: number };
  bursts: { size: number; trials: number; groups: IdleBurstGroup[] };
  pipeRun: Run;
  pipeDeepest: number;
  open: { fractions: number[]; seconds: number; trials: number };
}

/** The upstream finding's evidence, from this run: peak open sockets against C at every unlimited point. */
export function fanOutEvidence(rows: readonly PoolCapRow[], verdicts: readonly VerdictData[], runId: string): string {
  const unlimited = rows.filter((r) => r.cap === 'unlimited');
  const points = unlimited.map(
    (r) =>
      `${r.label}: peak open ${r.peakOpen} for C = ${r.concurrency} (${(r.peakOpen / r.concurrency).toFixed(2)} × C)`,
  );
  const v = verdicts.find((x) => x.id === 'undici-more-sockets-than-in-flight');
  return `Run \`${runId}\`: ${points.join('; ') || 'no unlimited point in this profile'}. Verdict \`undici-more-sockets-than-in-flight\`: ${v?.outcome ?? 'not decided in this profile'}.`;
}

// ─── Recommendations, generated from the verdicts ─────────────────────────────────────────────────────────────────

export interface PoolLimitsFindings {
  verdicts: readonly VerdictData[];
  /** Measured overhead per request on a connection (pool-sets-throughput's eligible points). */
  overheadMs: MedianInterval | null;
  /** The think-time L of the points that overhead was measured at (an example, not a rule). */
  delayMs: number;
  /** Requests per burst (section 5). */
  burst: number;
  /** The deepest pipelining measured (section 6). */
  pipeliningDeepest: number;
}

/**
 * What to set, only from claims that hold; every claim that does not hold is listed with its outcome instead, so a
 * recommendation never rests on a verdict that failed or could not decide. One piece of advice is arithmetic, not a
 * finding (the queue budget, Little's law): it says so, and appears only when its sanity check holds.
 */
export function poolLimitsRecommendations(f: PoolLimitsFindings): string[] {
  const v = new Map(f.verdicts.map((x) => [x.id, x]));
  const holds = (id: string) => v.get(id)?.outcome === 'holds';
  const stat = (id: string) => v.get(id)?.statistic;
  const recs: string[] = [];
  if (holds('pool-sets-throughput') && f.overheadMs) {
    const o = f.overheadMs;
    const rho = T.poolUtilizationTarget;
    const n = (rate: number) => Math.ceil((rate * (f.delayMs + o.high)) / 1000 / rho);
    recs.push(
      `**Size a cap as N ≥ R × (L + δ) / ρ with ρ ≤ ${rho}**: R × (L + δ) alone runs the pool at ρ ≈ 1, the knee of §7. A request held its connection δ = ${r3(o.median)} ms beyond the server's think-time here (95 % CI ${r3(o.low)}–${r3(o.high)}; measured on loopback at L = ${f.delayMs} ms, where the client was under half busy). Use your server's L; e.g. at L = ${f.delayMs} ms, with the upper end of δ and ρ = ${rho}: 100 req/s needs N ≥ ${n(100)}, 1000 req/s N ≥ ${n(1000)}.`,
    );
  }
  // Little's law, not a finding: the advice is arithmetic, shown only when the sanity check says the pools here
  // behaved as the law assumes (no connection left idle between a response and the next queued request).
  const queue = v.get('queue-grows-c-over-n');
  if (queue?.outcome === 'holds') {
    const at = queue.evidence['binding'];
    const where =
      typeof at === 'string'
        ? ` at ${at}, the point nearest the edge of the ${T.queueBand.above}–${T.queueBand.below} band`
        : '';
    recs.push(
      `**Budget the queue** (Little's law in a closed loop, not a finding of this notebook): with C in flight on N < C busy connections each request waits ≈ (C / N − 1) × its time on the wire. The sanity check \`queue-grows-c-over-n\` found the pools here leave no connection idle between responses at a light load (client CPU utilisation ≤ ${T.queueMaxUtilization}; measured ÷ predicted ${statisticText(queue)}${where}), so the law applies to them. Cap concurrency in front of a capped pool, or give requests a timeout that covers the wait.`,
    );
  }
  if (holds('undici-more-sockets-than-in-flight'))
    recs.push(
      '**undici: set `connections` where sockets at the server matter**: an unlimited Pool under a tight closed loop opened more sockets than it had requests in flight, up to two per request (§3 and the upstream finding below). `connections` bounds them; what a cap at C costs in throughput was not measured here.',
    );
  if (holds('agent-reopens-over-max-free'))
    recs.push(
      `**node:http, axios, got with bursts above 256: raise \`maxFreeSockets\` to the burst size** (e.g. \`new http.Agent({ keepAlive: true, maxFreeSockets: ${f.burst} })\`): the Agent destroyed C − 256 sockets after every burst, even with no gap.`,
    );
  if (holds('effective-idle-timeouts'))
    recs.push(
      "**Read idle timeouts as the server's hint makes them, not as configured**: against `Keep-Alive: timeout=S` undici keeps an idle socket S − 2 s and Node's global agent min(5 s, S − 1 s) (by the same rule, against Node's default server, S = 5: 3 s and 4 s; the S = 5 bursts run only in the full profile). Bursts further apart than that reconnect every socket; keep a trickle of traffic or accept the reconnects.",
    );
  if (holds('short-hint-disables-reuse'))
    recs.push(
      '**A server that announces `timeout=1` gets no connection reuse from these clients**: every request reconnects. Servers: announce at least 3 s.',
    );
  if (holds('server-timeout-reopens-all'))
    recs.push(
      '**A Node 24 server keeps an idle socket keepAliveTimeout + 1 s** (keepAliveTimeoutBuffer): a client with no idle timer (a dedicated `http.Agent` without `timeout`) keeps its sockets until then, and gaps longer than that reconnect everything.',
    );
  if (holds('pipelining-inert-for-blocking-get'))
    recs.push(
      `**undici pipelining: setting \`pipelining\` alone does nothing for GETs with small bodies (64 B here)**: a GET is \`blocking\` by default, so a connection takes no second request until the first one's response headers arrive.${holds('pipelining-raises-bound') ? ` With \`blocking: false\` pipelining ${f.pipeliningDeepest} gave ${r3(stat('pipelining-raises-bound')?.value ?? Number.NaN)}× the throughput of pipelining 1` : ''}${holds('head-of-line') ? `, but one slow response in 20 cost it ${r3(stat('head-of-line')?.value ?? Number.NaN)}× more than it cost pipelining 1 (head-of-line): use it only against servers with uniform response times.` : '.'}`,
    );
  if (holds('open-loop-knee'))
    recs.push(
      "**Open traffic must stay below the pool's real capacity N / (L + overhead), not N / L**: past it the wait grows as (λ / μ − 1) × t, without bound. Leave headroom or shed load.",
    );
  const open = f.verdicts.filter((x) => x.kind === 'claim' && x.outcome !== 'holds');
  if (open.length > 0)
    recs.push(
      `No recommendation rests on these claims (they did not hold): ${open.map((x) => `\`${x.id}\` ${x.outcome}`).join(', ')}.`,
    );
  return recs;
}

/** Every claim id the notebook states before measuring (its "Claims" cell must list each one). */
export const POOL_LIMITS_CLAIM_IDS: readonly string[] = [
  'pool-sets-throughput',
  'undici-more-sockets-than-in-flight',
  'agent-never-more-sockets',
  ...Object.values(IDLE_BURST_CLAIMS).map((c) => c.id),
  'pipelining-inert-for-blocking-get',
  'pipelining-raises-bound',
  'head-of-line',
  'open-loop-knee',
];
