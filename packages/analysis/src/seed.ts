import { type MedianInterval, medianInterval } from '@casebook/stats';
import { allOf } from './at-once';
import { type BlockMetric, type InterleavedMeasurement, intervalOf, measurementRows } from './interleaved';
import { countClaim, type Evidence, quantityClaim, sanityCheck, type Threshold, type VerdictData } from './verdicts';

/**
 * The checks of the seed case study (httpx against aiohttp at 512 in flight, on every Python client set), as pure
 * functions of its records, tested on both sides in test/analysis-seed.test.ts. Thresholds are arguments: the notebook
 * states each in the claim's text before the measurement. Every quantity is computed per block (one block per round
 * under the steady-state method) and combined per round before it is summarised, so a ratio or a share of a gap is
 * never a ratio of medians.
 */

/** What these checks read from a steady-state record: blocks, and the measured windows with the target's counts. */
export interface SeedMeasurement extends InterleavedMeasurement {
  trials?: readonly { block?: number; sent: number; target: { connectionsOpened: number } | null }[];
  latencyMs?: { p50: number; p99: number };
}

/** Per-round values of several measurements, for the rounds all of them ran (round order). */
function alignedRounds(ms: readonly InterleavedMeasurement[], metric: BlockMetric): number[][] {
  const maps = ms.map((m) => new Map((m.method?.blocks ?? []).map((b) => [b.round, b[metric]])));
  const first = maps[0];
  if (!first) return [];
  const rounds = [...first.keys()].filter((r) => maps.every((m) => m.has(r))).sort((a, b) => a - b);
  return rounds.map((r) => maps.map((m) => m.get(r) as number));
}

/**
 * f applied per round to the measurements' values of one metric (same order as `ms`), summarised as a median with
 * its order-statistics interval; null when no round has all of them or no round gives a finite value.
 */
export function combinedPerRound(
  ms: readonly InterleavedMeasurement[],
  metric: BlockMetric,
  f: (values: readonly number[]) => number,
): MedianInterval | null {
  const values = alignedRounds(ms, metric)
    .map(f)
    .filter((x) => Number.isFinite(x));
  return values.length ? medianInterval(values) : null;
}

/** An interval that decides nothing (no common rounds): coverage 0, so a claim on it is unresolved. */
const EMPTY: MedianInterval = {
  median: Number.NaN,
  low: Number.NaN,
  high: Number.NaN,
  coverage: 0,
  n: 0,
  method: 'order-statistics',
};

const flaggedOf = (ms: readonly InterleavedMeasurement[]): string =>
  ms
    .filter((m) => !(m.guards?.rankable ?? true))
    .map((m) => `${m.label} (${m.guards?.flags.join(', ')})`)
    .join('; ') || 'none';

/** A quantity claim that is unresolved, and says why, when a measurement it reads is flagged by the guards. */
function guarded(v: VerdictData, ms: readonly InterleavedMeasurement[]): VerdictData {
  const flagged = flaggedOf(ms);
  const out: VerdictData = { ...v, evidence: { ...v.evidence, flagged } };
  return flagged === 'none' ? out : { ...out, outcome: 'unresolved', holds: false };
}

// ---------------------------------------------------------------------------------------------------------------
// The gap

/** httpx ÷ aiohttp CPU per request, per round. */
export function cpuGap(httpx: InterleavedMeasurement, aiohttp: InterleavedMeasurement): MedianInterval {
  return combinedPerRound([httpx, aiohttp], 'cpuMicrosPerRequest', ([h, a]) => (h as number) / (a as number)) ?? EMPTY;
}

/** The gap claim of one client set: httpx spends more than `threshold.above` × aiohttp's CPU per request. */
export function gapClaim(input: {
  id: string;
  claim: string;
  httpx: InterleavedMeasurement;
  aiohttp: InterleavedMeasurement;
  threshold: Threshold;
}): VerdictData {
  return guarded(
    quantityClaim({
      id: input.id,
      claim: input.claim,
      statistic: `${input.httpx.label} ÷ ${input.aiohttp.label} CPU µs/request (per round)`,
      interval: cpuGap(input.httpx, input.aiohttp),
      threshold: input.threshold,
    }),
    [input.httpx, input.aiohttp],
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Attribution: of the gap in CPU µs/request, how much each version step or switch closes

export interface AttributionStep {
  /** e.g. 'httpx 0.23 → 0.27' or 'uvloop (latest)'. */
  step: string;
  /** What the step replaces, in words (the transport swap replaces parser, I/O, timeouts and pool together). */
  replaces: string;
  from: InterleavedMeasurement;
  to: InterleavedMeasurement;
  /** The gap the share is of: gapHigh − gapLow CPU µs/request in the same round (httpx before, aiohttp). */
  gapHigh: InterleavedMeasurement;
  gapLow: InterleavedMeasurement;
}

export interface AttributionRow {
  step: string;
  replaces: string;
  /** from − to, CPU µs/request (per round). */
  closedMicros: number;
  closedLow: number;
  closedHigh: number;
  /** (from − to) ÷ (gapHigh − gapLow), per round. */
  share: number;
  shareLow: number;
  shareHigh: number;
  coverage: number;
  rounds: number;
  /** 'closes' / 'widens' only when the share's 95 % interval excludes 0. */
  reading: 'closes' | 'widens' | 'unresolved';
  flagged: string;
}

/** The share of the gap one step closes, per round: (from − to) ÷ (gapHigh − gapLow). */
export function gapShare(s: AttributionStep): MedianInterval {
  return (
    combinedPerRound([s.from, s.to, s.gapHigh, s.gapLow], 'cpuMicrosPerRequest', ([f, t, h, l]) => {
      const gap = (h as number) - (l as number);
      return gap > 0 ? ((f as number) - (t as number)) / gap : Number.NaN;
    }) ?? EMPTY
  );
}

export function attributionRows(steps: readonly AttributionStep[]): AttributionRow[] {
  return steps.map((s) => {
    const share = gapShare(s);
    const closed =
      combinedPerRound([s.from, s.to], 'cpuMicrosPerRequest', ([f, t]) => (f as number) - (t as number)) ?? EMPTY;
    const decided = share.coverage >= 0.95;
    const flagged = flaggedOf([s.from, s.to, s.gapHigh, s.gapLow]);
    return {
      step: s.step,
      replaces: s.replaces,
      closedMicros: closed.median,
      closedLow: closed.low,
      closedHigh: closed.high,
      share: share.median,
      shareLow: share.low,
      shareHigh: share.high,
      coverage: share.coverage,
      rounds: share.n,
      reading:
        !decided || flagged !== 'none'
          ? 'unresolved'
          : share.low > 0
            ? 'closes'
            : share.high < 0
              ? 'widens'
              : 'unresolved',
      flagged,
    };
  });
}

/** One attribution row as a claim: the step closes more than `minShare` of the gap (decided by the share's interval). */
export function closesGapClaim(s: AttributionStep, minShare: number, id: string): VerdictData {
  return guarded(
    quantityClaim({
      id,
      claim: `${s.step} (${s.replaces}) closes more than ${Math.round(minShare * 100)} % of the gap ${s.gapHigh.label} − ${s.gapLow.label} in CPU µs/request.`,
      statistic: `(${s.from.label} − ${s.to.label}) ÷ (${s.gapHigh.label} − ${s.gapLow.label}), per round`,
      interval: gapShare(s),
      threshold: { above: minShare },
    }),
    [s.from, s.to, s.gapHigh, s.gapLow],
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Sockets opened at the target: the reconnect storm

export interface SocketCount {
  opened: number;
  requests: number;
  perRequest: number;
}

/** Sockets the target accepted and requests sent in each block's measured windows (warm-up excluded). */
export function socketsPerBlock(m: SeedMeasurement): Map<number, SocketCount> {
  const out = new Map<number, { opened: number; requests: number }>();
  for (const t of m.trials ?? []) {
    if (t.block === undefined || t.target === null) continue;
    const c = out.get(t.block) ?? { opened: 0, requests: 0 };
    c.opened += t.target.connectionsOpened;
    c.requests += t.sent;
    out.set(t.block, c);
  }
  return new Map(
    [...out].map(([b, c]) => [b, { ...c, perRequest: c.requests > 0 ? c.opened / c.requests : Number.NaN }]),
  );
}

/** Totals over all measured windows. */
export function socketsOpened(m: SeedMeasurement): SocketCount {
  let opened = 0;
  let requests = 0;
  for (const c of socketsPerBlock(m).values()) {
    opened += c.opened;
    requests += c.requests;
  }
  return { opened, requests, perRequest: requests > 0 ? opened / requests : Number.NaN };
}

/**
 * The reconnect storm, a count claim: with max_keepalive_connections below max_connections and a think-time, the pool
 * closes idle connections that queued requests are about to use, so the target accepts at least `minPerRequest` new
 * sockets per request in EVERY measured block; with keep-alive = connections (`fixed`), at most `maxPerRequestFixed`.
 */
export function reconnectStorm(input: {
  id: string;
  claim: string;
  storm: SeedMeasurement;
  fixed: SeedMeasurement;
  minPerRequest: number;
  maxPerRequestFixed: number;
  kind?: 'claim' | 'exploratory';
}): VerdictData {
  const blocks = [...socketsPerBlock(input.storm).values()];
  const storm = socketsOpened(input.storm);
  const fixed = socketsOpened(input.fixed);
  const stormHolds = blocks.length > 0 && blocks.every((b) => b.perRequest >= input.minPerRequest);
  const fixedHolds = fixed.requests > 0 && fixed.perRequest <= input.maxPerRequestFixed;
  return countClaim({
    id: input.id,
    claim: input.claim,
    holds: stormHolds && fixedHolds,
    kind: input.kind ?? 'claim',
    evidence: {
      stormSockets: storm.opened,
      stormRequests: storm.requests,
      stormPerRequest: storm.perRequest,
      stormMinBlockPerRequest: blocks.length ? Math.min(...blocks.map((b) => b.perRequest)) : Number.NaN,
      stormBlocks: blocks.length,
      fixedSockets: fixed.opened,
      fixedRequests: fixed.requests,
      fixedPerRequest: fixed.perRequest,
    },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Concurrency: retention and CPU growth

/** Retention as httpx2's harness reports it: throughput at the highest concurrency ÷ at the lowest, per round. */
export function retention(low: InterleavedMeasurement, high: InterleavedMeasurement): MedianInterval {
  return combinedPerRound([low, high], 'throughputRps', ([l, h]) => (h as number) / (l as number)) ?? EMPTY;
}

export interface RetentionRow {
  label: string;
  rpsLow: number;
  rpsHigh: number;
  retention: number;
  low: number;
  high: number;
  coverage: number;
  flagged: string;
}

export function retentionRows(
  pairs: readonly { label: string; low: InterleavedMeasurement; high: InterleavedMeasurement }[],
): RetentionRow[] {
  return pairs.map((p) => {
    const r = retention(p.low, p.high);
    return {
      label: p.label,
      rpsLow: intervalOf(p.low)?.median ?? Number.NaN,
      rpsHigh: intervalOf(p.high)?.median ?? Number.NaN,
      retention: r.median,
      low: r.low,
      high: r.high,
      coverage: r.coverage,
      flagged: flaggedOf([p.low, p.high]),
    };
  });
}

/** httpx's retention ÷ aiohttp's, per round: below 1 when httpx loses more of its throughput from low to high. */
export function retentionClaim(input: {
  id: string;
  claim: string;
  httpx: { low: InterleavedMeasurement; high: InterleavedMeasurement };
  aiohttp: { low: InterleavedMeasurement; high: InterleavedMeasurement };
  threshold: Threshold;
}): VerdictData {
  const ms = [input.httpx.low, input.httpx.high, input.aiohttp.low, input.aiohttp.high];
  const interval =
    combinedPerRound(
      ms,
      'throughputRps',
      ([hl, hh, al, ah]) => (hh as number) / (hl as number) / ((ah as number) / (al as number)),
    ) ?? EMPTY;
  return guarded(
    quantityClaim({
      id: input.id,
      claim: input.claim,
      statistic: 'httpx retention ÷ aiohttp retention (per round)',
      interval,
      threshold: input.threshold,
    }),
    ms,
  );
}

/**
 * `httpx-cpu-grows`, now measured with intervals: httpx's CPU per request at high ÷ at low concurrency (per round)
 * above `httpxAbove`, and aiohttp's below `aiohttpBelow`. Both must hold.
 */
export function cpuGrowthClaim(input: {
  id: string;
  claim: string;
  httpx: { low: InterleavedMeasurement; high: InterleavedMeasurement };
  aiohttp: { low: InterleavedMeasurement; high: InterleavedMeasurement };
  httpxAbove: number;
  aiohttpBelow: number;
}): VerdictData {
  const growth = (p: { low: InterleavedMeasurement; high: InterleavedMeasurement }) =>
    combinedPerRound([p.low, p.high], 'cpuMicrosPerRequest', ([l, h]) => (h as number) / (l as number)) ?? EMPTY;
  const parts = [
    guarded(
      quantityClaim({
        id: 'httpx',
        claim: 'httpx',
        statistic: 'CPU µs/request high ÷ low',
        interval: growth(input.httpx),
        threshold: { above: input.httpxAbove },
      }),
      [input.httpx.low, input.httpx.high],
    ),
    guarded(
      quantityClaim({
        id: 'aiohttp',
        claim: 'aiohttp',
        statistic: 'CPU µs/request high ÷ low',
        interval: growth(input.aiohttp),
        threshold: { below: input.aiohttpBelow },
      }),
      [input.aiohttp.low, input.aiohttp.high],
    ),
  ];
  return allOf(parts, { id: input.id, claim: input.claim });
}

// ---------------------------------------------------------------------------------------------------------------
// Sanity checks (bounds the harness and the target enforce: shown, never counted)

/**
 * aiohttp's wave floor in the seed's own measure: a gather of `concurrency` requests through a pool of `pool`
 * connections against a target that waits `delayMs` needs at least ceil(concurrency / pool) waves of delayMs.
 */
export function wavesFloorSanity(
  records: readonly { label: string; trials: readonly { durationMs: number }[] }[],
  input: { concurrency: number; pool: number; delayMs: number },
): VerdictData {
  const waves = Math.ceil(input.concurrency / input.pool);
  const floorMs = waves * input.delayMs;
  // 2 %: the target's timers fire a little early or late.
  const shortest = Math.min(...records.flatMap((r) => r.trials.map((t) => t.durationMs)));
  return sanityCheck({
    id: `waves-floor-${input.pool}-${input.delayMs}ms`,
    claim: `A gather of ${input.concurrency} through ${input.pool} connections at ${input.delayMs} ms takes at least ceil(${input.concurrency} / ${input.pool}) = ${waves} waves × ${input.delayMs} ms = ${floorMs} ms (2 % for timers).`,
    holds: records.length > 0 && Number.isFinite(shortest) && shortest >= floorMs * 0.98,
    evidence: { waves, floorMs, shortestBatchMs: shortest, batches: records.reduce((n, r) => n + r.trials.length, 0) },
  });
}

/** Little's law with a pool: no block exceeds min(in flight, pool) / think-time. Enforced by the target: sanity. */
export function pooledLittleSanity(
  records: readonly InterleavedMeasurement[],
  input: { inFlight: number; pool: number; delayMs: number },
): VerdictData {
  const bound = (Math.min(input.inFlight, input.pool) * 1000) / input.delayMs;
  const worst = Math.max(0, ...records.flatMap((r) => (r.method?.blocks ?? []).map((b) => b.throughputRps)));
  return sanityCheck({
    id: `little-bound-pool-${input.pool}-${input.delayMs}ms`,
    claim: `No block exceeds Little's bound min(C, pool) / L = ${Math.round(bound)} req/s (2 % for timers).`,
    holds: worst <= bound * 1.02,
    evidence: { boundRps: bound, maxBlockRps: worst },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Tables

/** The seed's own measure (phase method): the time of one gather of N, median over trials with its interval. */
export function batchTimeRow(r: { label: string; trials: readonly { durationMs: number }[] }): {
  label: string;
  batchMs: number;
  low: number;
  high: number;
  coverage: number;
  trials: number;
} {
  const i = r.trials.length ? medianInterval(r.trials.map((t) => t.durationMs)) : EMPTY;
  return { label: r.label, batchMs: i.median, low: i.low, high: i.high, coverage: i.coverage, trials: r.trials.length };
}

export interface SeedRow {
  label: string;
  rounds: number;
  rps: number;
  rpsLow: number;
  rpsHigh: number;
  p50Ms: number;
  p99Ms: number;
  cpuUs: number;
  cpuLow: number;
  cpuHigh: number;
  cpuVsReference: number;
  cpuVsLow: number;
  cpuVsHigh: number;
  sockets: number;
  socketsPerRequest: number;
  tier: number | null;
  flags: string;
}

/** The steady-state table: throughput and CPU per request with intervals, CPU ÷ the reference's per round, sockets. */
export function seedRows(
  measurements: readonly SeedMeasurement[],
  reference: SeedMeasurement | undefined = measurements[0],
): SeedRow[] {
  const base = measurementRows(measurements, reference);
  return measurements.map((m, i) => {
    const row = base[i] as (typeof base)[number];
    const vs = reference && reference !== m ? cpuGap(m, reference) : null;
    const s = socketsOpened(m);
    return {
      label: m.label,
      rounds: row.rounds,
      rps: row.rps,
      rpsLow: row.rpsLow,
      rpsHigh: row.rpsHigh,
      p50Ms: m.latencyMs?.p50 ?? Number.NaN,
      p99Ms: m.latencyMs?.p99 ?? Number.NaN,
      cpuUs: row.cpuUs,
      cpuLow: row.cpuLow,
      cpuHigh: row.cpuHigh,
      cpuVsReference: vs ? vs.median : 1,
      cpuVsLow: vs ? vs.low : 1,
      cpuVsHigh: vs ? vs.high : 1,
      sockets: s.opened,
      socketsPerRequest: s.perRequest,
      tier: row.tier,
      flags: row.flags,
    };
  });
}

/** Package versions per client set, as the records name them (null: not in that set). */
export function setVersionRows(
  sets: readonly { set: string; versions: Readonly<Record<string, string | null>> }[],
  packages: readonly string[],
): Record<string, string>[] {
  return sets.map((s) => ({
    set: s.set,
    ...Object.fromEntries(packages.map((p) => [p, s.versions[p] ?? '—'])),
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// The seed's FastAPI app

/** What these checks read from an `app-run` record (runner/seed-app.ts): one point per route and load. */
export interface AppPointLike {
  route: string;
  generator: string;
  /** Offered rate (open loop), null for the closed loop at saturation and for wrk. */
  rateRps: number | null;
  connections: number | null;
  throughputRps: number;
  latencyMs: { p50: number; p99: number } | null;
  cpuShare: { app: number | null; target: number | null; loadGenerator: number | null };
  app: { threadsPeak: number; loopLagMs: { p99: number; max: number } | null } | null;
  flags: readonly string[];
}

export interface AppRun {
  target: { delayMs: number };
  points: readonly AppPointLike[];
}

const share = (x: number | null) => (x === null ? '—' : x.toFixed(2));

export function appRouteRows(run: AppRun): Record<string, string | number>[] {
  return run.points.map((p) => ({
    route: p.route,
    load:
      p.generator === 'open-loop'
        ? `open loop ${Math.round(p.rateRps ?? 0)} req/s`
        : `${p.generator}${p.connections === null ? '' : `, ${p.connections} connections`}`,
    rps: Math.round(p.throughputRps),
    p50Ms: p.latencyMs?.p50 ?? '—',
    p99Ms: p.latencyMs?.p99 ?? '—',
    cpu: `app ${share(p.cpuShare.app)}, upstream ${share(p.cpuShare.target)}, load ${share(p.cpuShare.loadGenerator)}`,
    threadsPeak: p.app?.threadsPeak ?? '—',
    loopLagP99Ms: p.app?.loopLagMs?.p99 ?? '—',
    flags: p.flags.join(', ') || '—',
  }));
}

/**
 * `requests` in an async route blocks the event loop for each upstream call: at every offered rate (open loop, points
 * without flags), that route's event-loop lag p99 is at least `blockedShare` × the upstream delay, while the async
 * route's stays below `freeShare` × the delay. Decided on each point's p99 (one window per rate: no interval; the
 * margins are wide on purpose).
 */
export function loopBlockedClaim(input: {
  id: string;
  claim: string;
  run: AppRun;
  blockingRoute: string;
  asyncRoute: string;
  blockedShare: number;
  freeShare: number;
}): VerdictData {
  const points = (route: string) =>
    input.run.points.filter(
      (p) => p.route === route && p.generator === 'open-loop' && p.flags.length === 0 && p.app?.loopLagMs,
    );
  const lag = (p: AppPointLike) => p.app?.loopLagMs?.p99 ?? Number.NaN;
  const blocked = points(input.blockingRoute);
  const free = points(input.asyncRoute);
  const delay = input.run.target.delayMs;
  const evidence: Evidence = { upstreamDelayMs: delay, ratesBlocking: blocked.length, ratesAsync: free.length };
  for (const p of [...blocked, ...free]) evidence[`${p.route}@${Math.round(p.rateRps ?? 0)}`] = lag(p);
  return countClaim({
    id: input.id,
    claim: input.claim,
    holds:
      blocked.length > 0 &&
      free.length > 0 &&
      blocked.every((p) => lag(p) >= input.blockedShare * delay) &&
      free.every((p) => lag(p) < input.freeShare * delay),
    evidence,
  });
}

/** The sync route runs in anyio's threadpool (a CapacityLimiter of `limit` tokens): never more threads, never more than limit / delay. */
export function threadpoolSanity(run: AppRun, syncRoute: string, limit: number): VerdictData {
  const points = run.points.filter((p) => p.route === syncRoute);
  const peak = Math.max(0, ...points.map((p) => p.app?.threadsPeak ?? 0));
  const bound = (limit * 1000) / run.target.delayMs;
  const worst = Math.max(0, ...points.map((p) => p.throughputRps));
  return sanityCheck({
    id: 'threadpool-bound',
    claim: `The sync route never runs more than ${limit} threads, so it never exceeds ${limit} / ${run.target.delayMs} ms = ${Math.round(bound)} req/s (2 % for timers).`,
    holds: points.length > 0 && peak <= limit && worst <= bound * 1.02,
    evidence: { threadsPeak: peak, limit, boundRps: bound, maxRps: worst },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Recommendations: only from claims that hold

export interface Recommendation {
  /** The claim it rests on. */
  claim: string;
  text: string;
}

/**
 * Lines for the claims that hold (in the order given); every other recommendation is withheld, with the outcome of
 * the claim it would have rested on, so the notebook can say what stays open. A recommendation never outlives its claim.
 */
export function recommendationsFrom(
  verdicts: readonly Pick<VerdictData, 'id' | 'kind' | 'outcome'>[],
  candidates: readonly Recommendation[],
): { lines: string[]; withheld: { claim: string; outcome: string }[] } {
  const lines: string[] = [];
  const withheld: { claim: string; outcome: string }[] = [];
  for (const c of candidates) {
    const v = verdicts.find((x) => x.id === c.claim);
    if (v && v.kind === 'claim' && v.outcome === 'holds') lines.push(c.text);
    else
      withheld.push({
        claim: c.claim,
        outcome: v ? (v.kind === 'claim' ? v.outcome : `${v.kind}, not a claim`) : 'not measured',
      });
  }
  return { lines, withheld };
}
