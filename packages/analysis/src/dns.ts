import { type MedianInterval, median, medianInterval } from '@casebook/stats';
import { allOf } from './at-once';
import { countClaim, type Evidence, quantityClaim, sanityCheck, type Threshold, type VerdictData } from './verdicts';

/**
 * The checks, models and recommendation builders of the dns case study (notebooks/05-dns.ipynb), as pure functions of
 * its DNS-lab runs, tested on both sides in test/analysis-dns.test.ts. Every run is one fresh client process (cold
 * caches, its own threadpool): the quantities are exact counts (queries at the lab server, errors by code) and times
 * set by the lab's own delays and the resolvers' timers, so they are read per run, not from a steady-state load.
 * Thresholds are arguments: the notebook states them before it measures.
 */

/** What these checks read from one DNS-lab run (structural: the live DnsRunResult and dns-run records both fit). */
export interface DnsOutcome {
  startMs: number;
  endMs: number;
  ok: boolean;
  code: string | null;
}
export interface DnsRound {
  durationMs: number;
  ok: number;
  errors: Record<string, number>;
  /** First message per error code. */
  errorSamples?: Record<string, string>;
  outcomes: readonly DnsOutcome[];
  server: {
    queries: number;
    byNameType: Record<string, number>;
    aArrivalsMs: readonly number[];
    foreignQueries: number;
    peakPending: number;
  };
}
export interface DnsRun {
  placement: string;
  resolvConf: string | null;
  rounds: readonly DnsRound[];
  error: { code: string; message: string } | null;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;
const sig = (x: number): number => Number(x.toPrecision(3));

function roundOf(run: DnsRun, index = 0): DnsRound {
  const r = run.rounds[index];
  if (!r) throw new RangeError(`DNS run has no round ${index} (error: ${run.error?.code ?? 'none'})`);
  return r;
}

/** A queries the lab server counted in one round: one per lookup that reached it (plus any retransmission). */
export function aQueries(run: DnsRun, index = 0): number {
  return Object.entries(roundOf(run, index).server.byNameType)
    .filter(([key]) => key.endsWith(' A'))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** Errors of a round as one line, e.g. `UND_ERR_CONNECT_TIMEOUT ×6` (or `none`). */
export function errorText(errors: Record<string, number>): string {
  return (
    Object.entries(errors)
      .map(([code, n]) => `${code} ×${n}`)
      .join(', ') || 'none'
  );
}

// ---------------------------------------------------------------------------------------------------------------
// §1 Lookups at once: libuv runs getaddrinfo as slow I/O on at most (threads + 1) / 2 threads.

/** libuv's `slow_work_thread_threshold()`: threads slow I/O (getaddrinfo) may hold at once, for a pool size. */
export function slowIoThreads(poolSize: number): number {
  if (!Number.isInteger(poolSize) || poolSize < 1)
    throw new RangeError(`poolSize must be an integer ≥ 1 (UV_THREADPOOL_SIZE), got ${poolSize}`);
  return Math.floor((poolSize + 1) / 2);
}

export interface LookupConcurrency {
  n: number;
  /** The first lookup to finish waited for nobody: one lookup alone, in the same cold process. */
  firstDoneMs: number;
  allDoneMs: number;
  /** n × (one lookup alone) ÷ (time until the last ended). */
  atOnce: number;
  /** A queries that reached the server within half a resolver delay of the first one. */
  firstWave: number;
  peakPending: number;
  failed: number;
}

/** How many of a run's concurrent lookups ran at once, from the timings and, independently, from the server. */
export function lookupConcurrency(run: DnsRun, delayMs: number): LookupConcurrency {
  const r = roundOf(run);
  const ends = r.outcomes.map((o) => o.endMs);
  if (ends.length === 0 || r.durationMs <= 0) throw new RangeError('lookupConcurrency: the round has no lookups');
  const first = Math.min(...ends);
  const arrivals = r.server.aArrivalsMs;
  const t0 = arrivals[0] ?? 0;
  return {
    n: ends.length,
    firstDoneMs: first,
    allDoneMs: r.durationMs,
    atOnce: round1((ends.length * first) / r.durationMs),
    firstWave: arrivals.filter((t) => t - t0 < delayMs / 2).length,
    peakPending: r.server.peakPending,
    failed: r.outcomes.filter((o) => !o.ok).length,
  };
}

/** Completion order of a round's lookups or requests, for a chart of waves. */
export function completionCurve(run: DnsRun): { rank: number; endMs: number }[] {
  return [...roundOf(run).outcomes].sort((a, b) => a.endMs - b.endMs).map((o, i) => ({ rank: i + 1, endMs: o.endMs }));
}

/** With UV_THREADPOOL_SIZE = P, about ⌊(P+1)/2⌋ getaddrinfo lookups run at once (timing) and exactly that many arrive first (server). */
export function poolBoundsLookups(poolSize: number, c: LookupConcurrency, tolerance: number): VerdictData {
  const expected = Math.min(slowIoThreads(poolSize), c.n);
  return countClaim({
    id: `pool-${poolSize}-bounds-lookups`,
    claim: `With UV_THREADPOOL_SIZE=${poolSize}, ${expected} getaddrinfo lookups run at once (libuv's slow-I/O limit, half the pool): lookups at once within ±${Math.round(tolerance * 100)} % of ${expected}, and exactly ${expected} A queries in the server's first wave.`,
    holds: c.failed === 0 && Math.abs(c.atOnce - expected) / expected <= tolerance && c.firstWave === expected,
    evidence: { poolSize, expected, lookupsAtOnce: c.atOnce, firstWaveAtServer: c.firstWave, allDoneMs: c.allDoneMs },
  });
}

/**
 * One claim over every pool size measured: each pool size's check (above) is a sub-check, and the claim holds only if
 * all of them hold (counted once, not once per pool size).
 */
export function poolBoundsAllSizes(
  rows: readonly { pool: number; c: LookupConcurrency }[],
  tolerance: number,
): VerdictData {
  const parts = rows.map((r) => poolBoundsLookups(r.pool, r.c, tolerance));
  const sizes = rows.map((r) => r.pool);
  return allOf(parts, {
    id: 'pool-bounds-lookups',
    claim: `With UV_THREADPOOL_SIZE = P (P = ${sizes.join(', ')}), ⌊(P+1)/2⌋ getaddrinfo lookups run at once (libuv's slow-I/O limit): for every P, lookups at once within ±${Math.round(tolerance * 100)} % of ⌊(P+1)/2⌋ and exactly that many A queries in the server's first wave. One claim with ${sizes.length} sub-checks.`,
    evidence: {
      poolSizes: sizes.join(', '),
      atOnce: rows.map((r) => `${r.pool}: ${r.c.atOnce}`).join('; '),
      defaultPoolAtOnce: slowIoThreads(4),
    },
  });
}

/** c-ares does not use the threadpool: at least `share` of the n lookups run at once. */
export function caresNotPoolBound(c: LookupConcurrency, share: number): VerdictData {
  return countClaim({
    id: 'cares-not-pool-bound',
    claim: `c-ares runs at least ${Math.round(share * 100)} % of ${c.n} concurrent lookups at once (no threadpool).`,
    holds: c.failed === 0 && c.atOnce >= share * c.n,
    evidence: { lookupsAtOnce: c.atOnce, n: c.n, firstWaveAtServer: c.firstWave, allDoneMs: c.allDoneMs },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// §2 A cold burst per client: the queue model, and undici's connect timer.

/** Time for n lookups of `lookupMs` each, `atOnce` at a time: ⌈n / atOnce⌉ waves. */
export function queueModelMs(n: number, atOnce: number, lookupMs: number): number {
  if (!(atOnce >= 1)) throw new RangeError(`atOnce must be ≥ 1, got ${atOnce}`);
  return Math.ceil(n / atOnce) * lookupMs;
}

export interface BurstSummary {
  totalMs: number;
  lookups: number;
  ok: number;
  errors: Record<string, number>;
}

/** One cold burst: time until the last response, lookups at the server, outcomes. */
export function burstSummary(run: DnsRun): BurstSummary {
  const r = roundOf(run);
  return { totalMs: r.durationMs, lookups: aQueries(run), ok: r.ok, errors: r.errors };
}

export interface ClientBurst extends BurstSummary {
  client: string;
}

/** Every client's default lookup queues a cold burst: the server sees one lookup per request, and the burst takes at least `minShare` of the queue model. */
export function defaultLookupQueues(
  rows: readonly ClientBurst[],
  model: { requests: number; modelMs: number },
  minShare: number,
): VerdictData {
  const evidence: Evidence = { requests: model.requests, modelMs: model.modelMs };
  for (const r of rows) evidence[r.client] = `${r.lookups} lookups, ${sig(r.totalMs)} ms`;
  return countClaim({
    id: 'default-lookup-queues',
    claim: `With its default lookup (dns.lookup → getaddrinfo on the threadpool), every client makes ${model.requests} lookups for a cold burst of ${model.requests} requests and takes at least ${minShare} × the 2-at-once queue (${sig(model.modelMs)} ms).`,
    holds:
      rows.length > 0 &&
      rows.every(
        (r) => r.ok === model.requests && r.lookups === model.requests && r.totalMs >= minShare * model.modelMs,
      ),
    evidence,
  });
}

/**
 * With a c-ares lookup the same burst does not queue: every client finishes within `maxShare` of the queue model, and
 * the server saw all its lookups in its first wave (`inOneWave`, from lookupsInOneWave).
 */
export function caresBurstNoQueue(
  rows: readonly (ClientBurst & { inOneWave: boolean })[],
  model: { requests: number; modelMs: number },
  maxShare: number,
): VerdictData {
  const evidence: Evidence = { requests: model.requests, modelMs: model.modelMs };
  for (const r of rows)
    evidence[r.client] = `${sig(r.totalMs)} ms, ${r.inOneWave ? 'all' : 'not all'} lookups in one wave`;
  return countClaim({
    id: 'cares-burst-no-queue',
    claim: `With a c-ares lookup (dns.Resolver as the socket lookup), every client finishes the same cold burst within ${maxShare} × the queue model (${sig(model.modelMs * maxShare)} ms), and all ${model.requests} A queries reach the server in its first wave.`,
    holds:
      rows.length > 0 &&
      rows.every((r) => r.ok === model.requests && r.totalMs <= maxShare * model.modelMs && r.inOneWave),
    evidence,
  });
}

/** undici's fast-timer tick (lib/util/timers.js: TICK_MS = (1000 >> 1) − 1). */
export const UNDICI_TICK_MS = 499;

/**
 * When undici's connect timer fires in a fresh process. Its first fast timer starts the tick (every 499 ms); at the
 * first tick a new timer is backdated to the previous tick and fires on the first tick at or past its timeout, so all
 * timers of a cold burst fire together at ⌈timeout / 499⌉ × 499 ms (1,000 → 1,497; 2,500 → 2,994).
 */
export function fastTimerFireMs(timeoutMs: number, tickMs = UNDICI_TICK_MS): number {
  if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be > 0, got ${timeoutMs}`);
  return Math.ceil(timeoutMs / tickMs) * tickMs;
}

/**
 * How many of `requests` connects time out if their lookups queue `atOnce` at a time, `lookupMs` each, and the
 * connect timer (armed before the lookup) fires somewhere in `fireMs`: request i's lookup ends with wave
 * ⌈(i + 1) / atOnce⌉, and it times out when that is later than the timer.
 */
export function predictedTimeouts(input: {
  requests: number;
  atOnce: number;
  lookupMs: number;
  fireMs: [number, number];
}): { min: number; max: number } {
  const done = Array.from({ length: input.requests }, (_, i) => Math.ceil((i + 1) / input.atOnce) * input.lookupMs);
  const [early, late] = input.fireMs;
  return { min: done.filter((t) => t > late).length, max: done.filter((t) => t > early).length };
}

const CONNECT_TIMEOUT = 'UND_ERR_CONNECT_TIMEOUT';

/** Connect timeouts per run (the first round). */
export function connectTimeouts(run: DnsRun): number {
  return run.rounds[0]?.errors[CONNECT_TIMEOUT] ?? 0;
}

/** A control is valid when all its lookups reached the server in one wave (nothing queued on its path). */
export function lookupsInOneWave(run: DnsRun, requests: number, delayMs: number): boolean {
  const arrivals = run.rounds[0]?.server.aArrivalsMs ?? [];
  const t0 = arrivals[0] ?? 0;
  return arrivals.filter((t) => t - t0 < delayMs / 2).length >= requests;
}

/**
 * Connect timeouts on a cold burst are DNS queueing: through getaddrinfo each trial times out as many requests as the
 * queue model predicts (at least one), and through c-ares — the same server, delay and timer, no queue — none.
 * Unresolved when the control did not run every lookup at once (then it is not a control).
 */
export function connectTimeoutIsDnsQueue(input: {
  system: readonly DnsRun[];
  cares: readonly DnsRun[];
  requests: number;
  delayMs: number;
  timeoutMs: number;
  band: { min: number; max: number };
}): VerdictData {
  const sys = input.system.map(connectTimeouts);
  const ca = input.cares.map(connectTimeouts);
  const controlValid =
    input.cares.length > 0 && input.cares.every((r) => lookupsInOneWave(r, input.requests, input.delayMs));
  const claim = `With undici's connectTimeout at ${input.timeoutMs} ms and ${input.requests} requests to a name that answers after ${input.delayMs} ms, every getaddrinfo trial reports between ${Math.max(1, input.band.min)} and ${input.band.max} UND_ERR_CONNECT_TIMEOUT (the queue model), and every c-ares trial none: the timeouts are DNS queueing.`;
  const evidence: Evidence = {
    timeoutMs: input.timeoutMs,
    predictedMin: input.band.min,
    predictedMax: input.band.max,
    systemTimeouts: sys.join(', '),
    caresTimeouts: ca.join(', '),
    controlAllAtOnce: controlValid,
  };
  const base = { id: 'connect-timeout-is-dns-queue', claim, kind: 'claim' as const, evidence };
  if (input.system.length === 0 || !controlValid) return { ...base, outcome: 'unresolved', holds: false };
  const holds = sys.every((n) => n >= Math.max(1, input.band.min) && n <= input.band.max) && ca.every((n) => n === 0);
  return holds ? { ...base, outcome: 'holds', holds: true } : { ...base, outcome: 'fails', holds: false };
}

/** Time from each timed-out request's start to its UND_ERR_CONNECT_TIMEOUT, over runs. */
export function connectTimeoutTimesMs(runs: readonly DnsRun[]): number[] {
  return runs.flatMap((run) =>
    (run.rounds[0]?.outcomes ?? []).filter((o) => o.code === CONNECT_TIMEOUT).map((o) => o.endMs - o.startMs),
  );
}

/** One trial of the connect-timeout experiment as a table row. */
export function connectTimeoutRow(
  run: DnsRun,
  requests: number,
  delayMs: number,
): { timeouts: number; ok: number; lastMs: number | null; allLookupsInOneWave: string; timeoutAfterMs: string } {
  const times = connectTimeoutTimesMs([run]);
  return {
    timeouts: connectTimeouts(run),
    ok: run.rounds[0]?.ok ?? 0,
    lastMs: run.rounds[0]?.durationMs ?? null,
    allLookupsInOneWave: lookupsInOneWave(run, requests, delayMs) ? 'yes' : 'no',
    timeoutAfterMs: times.length > 0 ? `${Math.round(Math.min(...times))}–${Math.round(Math.max(...times))}` : '—',
  };
}

/** undici's connect timer is coarse: every timeout is reported at ⌈t / 499⌉ × 499 ms (−earlyMs, +lateMs), not at t. */
export function connectTimerCoarse(
  runs: readonly DnsRun[],
  input: { timeoutMs: number; earlyMs: number; lateMs: number },
): VerdictData {
  const fire = fastTimerFireMs(input.timeoutMs);
  const times = connectTimeoutTimesMs(runs);
  return countClaim({
    id: 'undici-connect-timer-coarse',
    claim: `undici's connect timeout of ${input.timeoutMs} ms fires at ⌈${input.timeoutMs} / ${UNDICI_TICK_MS}⌉ × ${UNDICI_TICK_MS} = ${fire} ms in a fresh process, not at ${input.timeoutMs} ms: every timed-out request ends ${fire - input.earlyMs}–${fire + input.lateMs} ms after it started.`,
    holds: times.length > 0 && times.every((t) => t >= fire - input.earlyMs && t <= fire + input.lateMs),
    evidence: {
      timeoutMs: input.timeoutMs,
      fireMs: fire,
      timeouts: times.length,
      earliestMs: times.length > 0 ? sig(Math.min(...times)) : null,
      latestMs: times.length > 0 ? sig(Math.max(...times)) : null,
    },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// §3 Caches: how much of a cache's gain is leaving the threadpool (c-ares), and how much is sharing one lookup.

export interface CacheGainSplit {
  /** getaddrinfo ÷ cache, per trial. */
  total: MedianInterval;
  /** getaddrinfo ÷ c-ares without a cache: what leaving the threadpool gives. */
  cares: MedianInterval;
  /** c-ares without a cache ÷ cache on the same c-ares servers: what sharing (and caching) adds. */
  sharing: MedianInterval;
  /**
   * Per trial, ln(c-ares part) ÷ ln(whole gain): the share of the whole gain (on a log scale, where the two parts add)
   * that leaving the threadpool gives. A trial whose whole gain is not above 1 has no gain to attribute: share 0.
   */
  caresShare: MedianInterval;
  trials: number;
}

/**
 * Per trial (the three configurations run back to back, in rotated order), burst times of getaddrinfo, c-ares with no
 * cache, and a sharing cache on c-ares; the ratios telescope (total = c-ares part × sharing part) within each trial.
 * Trials with a missing or failed run are left out.
 */
export function cacheGainSplit(input: {
  systemMs: readonly number[];
  caresMs: readonly number[];
  cacheMs: readonly number[];
}): CacheGainSplit {
  const trials: [number, number, number][] = [];
  const n = Math.min(input.systemMs.length, input.caresMs.length, input.cacheMs.length);
  for (let i = 0; i < n; i++) {
    const t: [number, number, number] = [input.systemMs[i] ?? NaN, input.caresMs[i] ?? NaN, input.cacheMs[i] ?? NaN];
    if (t.every((x) => Number.isFinite(x) && x > 0)) trials.push(t);
  }
  if (trials.length === 0) throw new RangeError('cacheGainSplit: no trial has all three burst times');
  return {
    total: medianInterval(trials.map(([s, , c]) => s / c)),
    cares: medianInterval(trials.map(([s, a]) => s / a)),
    sharing: medianInterval(trials.map(([, a, c]) => a / c)),
    caresShare: medianInterval(trials.map(([s, a, c]) => (s / c > 1 ? Math.log(s / a) / Math.log(s / c) : 0))),
    trials: trials.length,
  };
}

/**
 * The claim and the sanity check on the split. The c-ares part is ⌈B/2⌉ waves of D against about one by design, so its
 * size says nothing (it grows with B and D); the claim is that it is MOST of the whole gain: ln(c-ares part) ÷ ln(whole
 * gain), per trial, above `caresLogShareAbove` (0.5). Sharing on top of c-ares is a sanity check: the lab server has
 * no per-query cost (one timer per query), so sharing cannot save time against it.
 */
export function cacheGainVerdicts(
  split: CacheGainSplit,
  thresholds: { caresLogShareAbove: number; sharingBand: Required<Threshold> },
  burst: { requests: number; delayMs: number },
): [VerdictData, VerdictData] {
  const sharing = quantityClaim({
    id: 'sharing-adds-no-time',
    claim: `(Sanity check of the lab: its DNS server has no per-query cost.) On top of c-ares, sharing one in-flight lookup changes a cold burst's time by little: c-ares without a cache ÷ cacheable-lookup on the same servers (per trial) lies within ${thresholds.sharingBand.above}–${thresholds.sharingBand.below}.`,
    statistic: 'c-ares ÷ cacheable-lookup burst time (per trial)',
    interval: split.sharing,
    threshold: thresholds.sharingBand,
    evidence: { trials: split.trials },
  });
  return [
    quantityClaim({
      id: 'cache-gain-is-cares',
      claim: `Leaving the threadpool gives most of a DNS cache's gain on a cold burst: ln(getaddrinfo ÷ c-ares) ÷ ln(getaddrinfo ÷ cacheable-lookup), per trial, is above ${thresholds.caresLogShareAbove}. (The ratio getaddrinfo ÷ c-ares itself is ⌈B/2⌉ = ${Math.ceil(burst.requests / 2)} waves of ${burst.delayMs} ms against one by design; its size depends on B and D.)`,
      statistic: 'ln(c-ares part) ÷ ln(whole gain) (per trial)',
      interval: split.caresShare,
      threshold: { above: thresholds.caresLogShareAbove },
      evidence: {
        trials: split.trials,
        requests: burst.requests,
        delayMs: burst.delayMs,
        waves: Math.ceil(burst.requests / 2),
        caresGain: sig(split.cares.median),
        totalGain: sig(split.total.median),
      },
    }),
    { ...sharing, kind: 'sanity' },
  ];
}

/** The split as table rows: each part's median ratio with its interval and coverage. */
export function cacheSplitRows(
  split: CacheGainSplit,
): { part: string; median: number; interval: string; trials: number }[] {
  const parts: [string, MedianInterval][] = [
    ['whole gain: getaddrinfo ÷ cacheable-lookup', split.total],
    ['leaving the threadpool: getaddrinfo ÷ c-ares (no cache)', split.cares],
    ['sharing on top of c-ares: c-ares ÷ cacheable-lookup', split.sharing],
    ["c-ares' share of the whole gain: ln(c-ares part) ÷ ln(whole gain)", split.caresShare],
  ];
  return parts.map(([part, i]) => ({
    part,
    median: i.median,
    interval: `${i.low.toFixed(2)}–${i.high.toFixed(2)} (coverage ${(i.coverage * 100).toFixed(1)} %)`,
    trials: i.n,
  }));
}

/** A cache shares the lookup in flight: one A query for a whole cold burst, in every run, with every request answered. */
export function sharesOneLookup(
  runs: readonly DnsRun[],
  requests: number,
  text: { id: string; claim: string },
): VerdictData {
  const counts = runs.map((r) => (r.rounds[0] ? aQueries(r) : NaN));
  return countClaim({
    ...text,
    holds: runs.length > 0 && runs.every((r, i) => counts[i] === 1 && r.rounds[0]?.ok === requests),
    evidence: { requests, lookupsPerRun: counts.join(', ') },
  });
}

/** A cache that does not share the lookup in flight: more than one A query for a cold burst. */
export function doesNotShare(run: DnsRun, requests: number, text: { id: string; claim: string }): VerdictData {
  const lookups = run.rounds[0] ? aQueries(run) : 0;
  return countClaim({ ...text, holds: lookups > 1, evidence: { requests, lookups } });
}

// ---------------------------------------------------------------------------------------------------------------
// §4 Keep-alive: only new connections look up.

export interface KeepAliveLookups {
  firstRound: number;
  laterRounds: number;
  laterRequests: number;
  perRequest: number;
}

export function keepAliveLookups(run: DnsRun, requestsPerRound: number): KeepAliveLookups {
  const later = run.rounds.slice(1).reduce((sum, _r, i) => sum + aQueries(run, i + 1), 0);
  const laterRequests = requestsPerRound * Math.max(0, run.rounds.length - 1);
  return {
    firstRound: aQueries(run, 0),
    laterRounds: later,
    laterRequests,
    perRequest: laterRequests > 0 ? Math.round((later / laterRequests) * 100) / 100 : NaN,
  };
}

/** With keep-alive the later rounds reuse connections (≤ 0.1 lookups per request); without, about one each (≥ 0.9). */
export function keepAliveSanity(rows: readonly { keepAlive: boolean; perRequest: number }[]): VerdictData {
  const on = rows.filter((r) => r.keepAlive).map((r) => r.perRequest);
  const off = rows.filter((r) => !r.keepAlive).map((r) => r.perRequest);
  const ok = (xs: number[]): boolean => xs.length > 0 && xs.every(Number.isFinite);
  return sanityCheck({
    id: 'keepalive-avoids-lookups',
    claim:
      'With keep-alive, rounds after the first make (almost) no lookups (≤ 0.1 per request); without it, about one per request (≥ 0.9). Only new connections look up: a check of the lab, not a finding.',
    holds: ok(on) && ok(off) && on.every((x) => x <= 0.1) && off.every((x) => x >= 0.9),
    evidence: {
      maxWithKeepAlive: ok(on) ? Math.max(...on) : null,
      minWithout: ok(off) ? Math.min(...off) : null,
    },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// §5 Failure modes: the effective resolver settings, and what they make of a server that never answers.

/** glibc's defaults (resolv.conf(5)): RES_TIMEOUT 5 s, RES_DFLRETRY 2 attempts; capped at 30 s and 5 attempts. */
const GLIBC = { timeoutS: 5, attempts: 2, maxTimeoutS: 30, maxAttempts: 5 };
/** c-ares' default per-try timeout (ares_private.h DEFAULT_TIMEOUT) when neither Node nor resolv.conf sets one. */
const CARES_DEFAULT_TIMEOUT_MS = 2000;
/** Node's dns.Resolver default `tries` (lib/internal/dns/utils.js), always passed to c-ares. */
const NODE_DEFAULT_TRIES = 4;
/** Node's c-ares timer period: min(timeout, 1000) ms (src/cares_wrap.cc, ChannelWrap::StartTimer). */
const NODE_CARES_TICK_MAX_MS = 1000;

function resolvOption(resolvConf: string | null, key: string): number | null {
  let value: number | null = null;
  for (const line of (resolvConf ?? '').split('\n')) {
    const m = /^\s*options\s+(.*)$/.exec(line);
    if (!m?.[1]) continue;
    for (const token of m[1].split(/\s+/)) {
      const [k, v] = token.split(':');
      if (k === key && v !== undefined && /^\d+$/.test(v)) value = Number(v);
    }
  }
  return value;
}

/** The timeout and attempts glibc's resolver uses with this resolv.conf (what getaddrinfo does on no answer). */
export function glibcResolverOptions(resolvConf: string | null): {
  timeoutMs: number;
  attempts: number;
  nominalMs: number;
} {
  const t = Math.min(resolvOption(resolvConf, 'timeout') ?? GLIBC.timeoutS, GLIBC.maxTimeoutS);
  const a = Math.min(resolvOption(resolvConf, 'attempts') ?? GLIBC.attempts, GLIBC.maxAttempts);
  return { timeoutMs: t * 1000, attempts: a, nominalMs: t * 1000 * a };
}

/**
 * The per-try timeout and tries a Node dns.Resolver hands c-ares: an explicit `timeout` wins; Node's default (−1) is
 * dropped by c-ares (ares_options.c), which then takes resolv.conf's `timeout:` (ares_sysconfig.c) or its own 2 s.
 * `tries` is always passed (Node's default 4), so resolv.conf's `attempts:` never applies.
 */
export function caresResolverOptions(
  requested: { timeoutMs?: number | undefined; tries?: number | undefined },
  resolvConf: string | null,
): { timeoutMs: number; tries: number; nodeTickMs: number } {
  const fromFile = resolvOption(resolvConf, 'timeout');
  const timeoutMs =
    requested.timeoutMs !== undefined && requested.timeoutMs > 0
      ? requested.timeoutMs
      : fromFile !== null && fromFile > 0
        ? fromFile * 1000
        : CARES_DEFAULT_TIMEOUT_MS;
  return {
    timeoutMs,
    tries: requested.tries ?? NODE_DEFAULT_TRIES,
    nodeTickMs: Math.min(timeoutMs, NODE_CARES_TICK_MAX_MS),
  };
}

/**
 * c-ares' own time to give up on a server that never answers (one server): try i waits timeout × 2^i, minus up to
 * 50 % jitter for i ≥ 1, never less than the timeout (ares_process.c). Node then notices each deadline on its timer.
 */
export function caresNoAnswerRangeMs(
  timeoutMs: number,
  tries: number,
): { nominalMs: number; minMs: number; maxMs: number } {
  let min = 0;
  let max = 0;
  for (let i = 0; i < tries; i++) {
    const full = timeoutMs * 2 ** i;
    max += full;
    min += i === 0 ? timeoutMs : Math.max(timeoutMs, full / 2);
  }
  return { nominalMs: timeoutMs * tries, minMs: min, maxMs: max };
}

/** The resolver settings in force for a process that saw `resolvConf`: glibc's, and Node's c-ares with defaults and with `timed`. */
export function effectiveResolverRows(
  resolvConf: string | null,
  timed: { timeoutMs: number; tries: number },
): { path: string; timeoutMs: number; tries: number; nominalMs: number; caresAloneMs: string }[] {
  const glibc = glibcResolverOptions(resolvConf);
  const cares = (label: string, o: { timeoutMs: number; tries: number }) => {
    const range = caresNoAnswerRangeMs(o.timeoutMs, o.tries);
    return { path: label, ...o, nominalMs: range.nominalMs, caresAloneMs: `${range.minMs}–${range.maxMs}` };
  };
  return [
    {
      path: 'getaddrinfo (glibc, resolv.conf)',
      timeoutMs: glibc.timeoutMs,
      tries: glibc.attempts,
      nominalMs: glibc.nominalMs,
      caresAloneMs: '—',
    },
    cares("c-ares, Node's defaults", caresResolverOptions({}, resolvConf)),
    cares(`c-ares, timeout ${timed.timeoutMs} ms, tries ${timed.tries}`, caresResolverOptions(timed, resolvConf)),
  ];
}

/** The claims of §6 on a silent resolver and on error codes (each needs its runs; a missing part is left out). */
export function failureVerdicts(
  input: {
    glibcDrop: readonly DnsRun[];
    caresDrop: readonly DnsRun[];
    getaddrinfoProbes: readonly { client: string; mode: string; code: string }[];
    caresTimed: { timeoutMs: number; tries: number };
  },
  t: { glibcBand: Required<Threshold>; caresBand: Required<Threshold>; tickWindowMs: number; retryGapMs: number },
): VerdictData[] {
  const tickMs = caresResolverOptions(input.caresTimed, null).nodeTickMs;
  const nominal = input.caresTimed.timeoutMs * input.caresTimed.tries;
  const out: VerdictData[] = [];
  if (input.glibcDrop.length > 0)
    out.push(
      failsWithin(input.glibcDrop, t.glibcBand, {
        id: 'glibc-no-answer-nominal',
        claim: `Through getaddrinfo every client gives up on a resolver that never answers after timeout × attempts: ${t.glibcBand.above}–${t.glibcBand.below} ms with the lab's timeout:1 attempts:2.`,
      }),
    );
  if (input.caresDrop.length > 0)
    out.push(
      failsWithin(input.caresDrop, t.caresBand, {
        id: 'cares-no-answer-exceeds-nominal',
        claim: `A Node c-ares Resolver with timeout ${input.caresTimed.timeoutMs} ms and ${input.caresTimed.tries} tries (nominally ${nominal} ms) gives up on a silent resolver after ${t.caresBand.above}–${t.caresBand.below} ms, in every run.`,
      }),
      failsOnTick(
        input.caresDrop,
        { tickMs, windowMs: t.tickWindowMs },
        {
          id: 'cares-fails-on-node-tick',
          claim: `Every such c-ares failure is reported within ${t.tickWindowMs} ms after a whole multiple of Node's ${tickMs} ms c-ares timer.`,
        },
      ),
      retryWaits(input.caresDrop, t.retryGapMs, {
        id: 'cares-retry-waits-for-tick',
        claim: `(Exploratory) the c-ares retry reaches the server at least ${t.retryGapMs} ms after the first query (nominally ${input.caresTimed.timeoutMs} ms): the first deadline is noticed one tick late.`,
      }),
    );
  if (input.getaddrinfoProbes.length > 0)
    out.push(
      sameCode(input.getaddrinfoProbes, 'EAI_AGAIN', {
        id: 'getaddrinfo-codes-indistinct',
        claim:
          'Through getaddrinfo, SERVFAIL, a silent resolver and a stopped resolver share the code EAI_AGAIN (in err.cause for fetch), in every client.',
      }),
    );
  return out;
}

export interface FailureOutcome {
  code: string;
  ms: number;
  message: string;
}

/** What the one request (or lookup) of a failure probe reported, and after how long. */
export function failureOutcome(run: DnsRun): FailureOutcome {
  const r = run.rounds[0];
  const o = r?.outcomes[0];
  if (!r || !o) return { code: run.error?.code ?? 'no result', ms: NaN, message: run.error?.message ?? '' };
  const code = o.ok ? 'ok' : (o.code ?? 'UNKNOWN');
  return { code, ms: Math.round(o.endMs), message: o.code ? (r.errorSamples?.[o.code] ?? '') : '' };
}

/** Every run failed (not ok) after a time within `band`. */
export function failsWithin(
  runs: readonly DnsRun[],
  band: Required<Threshold>,
  text: { id: string; claim: string },
): VerdictData {
  const outcomes = runs.map(failureOutcome);
  const finite = outcomes.map((o) => o.ms).filter(Number.isFinite);
  return countClaim({
    ...text,
    holds: outcomes.length > 0 && outcomes.every((o) => o.code !== 'ok' && o.ms >= band.above && o.ms <= band.below),
    evidence: {
      runs: outcomes.length,
      // Evidence must be finite (records refuse NaN): a run with no result has no time.
      medianMs: finite.length > 0 ? median(finite) : null,
      failedAfterMs: outcomes.map((o) => `${o.ms} (${o.code})`).join(', '),
    },
  });
}

/** Every failure lands within `windowMs` after a whole multiple of the timer period (Node's c-ares timer). */
export function failsOnTick(
  runs: readonly DnsRun[],
  input: { tickMs: number; windowMs: number },
  text: { id: string; claim: string },
): VerdictData {
  const ms = runs.map((r) => failureOutcome(r).ms);
  const after = ms.map((x) => x % input.tickMs);
  return countClaim({
    ...text,
    holds:
      ms.length > 0 &&
      ms.every((x) => Number.isFinite(x) && x >= input.tickMs) &&
      after.every((x) => x < input.windowMs),
    evidence: { tickMs: input.tickMs, failedAfterMs: ms.join(', '), msAfterTick: after.map(Math.round).join(', ') },
  });
}

/** When the server saw each A query of a never-answered lookup, and the gap before the first retry. */
export function retryTimeline(run: DnsRun): { queriesAtMs: number[]; retryGapMs: number | null } {
  const arrivals = [...(run.rounds[0]?.server.aArrivalsMs ?? [])];
  const [first, second] = arrivals;
  return {
    queriesAtMs: arrivals.map(Math.round),
    retryGapMs: first !== undefined && second !== undefined ? Math.round(second - first) : null,
  };
}

/** The never-answered runs as table rows: when each failed, how far past a timer tick, and when the server saw its queries. */
export function noAnswerRows(
  runs: readonly DnsRun[],
  tickMs: number,
): (FailureOutcome & { run: number; afterTickMs: number | null; queriesAtMs: string; retryGapMs: number | null })[] {
  return runs.map((r, i) => {
    const f = failureOutcome(r);
    const t = retryTimeline(r);
    return {
      run: i + 1,
      ...f,
      afterTickMs: Number.isFinite(f.ms) ? f.ms % tickMs : null,
      queriesAtMs: t.queriesAtMs.join(', '),
      retryGapMs: t.retryGapMs,
    };
  });
}

/** The first retry reached the server at least `minGapMs` after the first query, in every run. */
export function retryWaits(
  runs: readonly DnsRun[],
  minGapMs: number,
  text: { id: string; claim: string },
): VerdictData {
  const gaps = runs.map((r) => retryTimeline(r).retryGapMs);
  return countClaim({
    ...text,
    kind: 'exploratory',
    holds: gaps.length > 0 && gaps.every((g) => g !== null && g >= minGapMs),
    evidence: { retryGapsMs: gaps.map((g) => (g === null ? 'none' : String(g))).join(', ') },
  });
}

/** Every row (one failure probe) reported the same error code. */
export function sameCode(
  rows: readonly { client: string; mode: string; code: string }[],
  code: string,
  text: { id: string; claim: string },
): VerdictData {
  const others = rows.filter((r) => r.code !== code);
  return countClaim({
    ...text,
    holds: rows.length > 0 && others.length === 0,
    evidence: {
      probes: rows.length,
      [code]: rows.length - others.length,
      other: others.map((r) => `${r.client}/${r.mode}: ${r.code}`).join('; ') || 'none',
    },
  });
}

/** No lookup left the lab: every namespaced process saw only the lab server, and the server saw no foreign name. */
export function labOnlyResolution(runs: readonly DnsRun[], serverHost: string): VerdictData {
  const foreign = runs.reduce((s, r) => s + r.rounds.reduce((t, x) => t + x.server.foreignQueries, 0), 0);
  const namespaced = runs.filter((r) => r.placement === 'namespace');
  const onlyLab = namespaced.every((r) => {
    const lines = (r.resolvConf ?? '').split('\n').filter((l) => /^\s*nameserver\s/.test(l));
    return lines.length === 1 && lines[0]?.trim() === `nameserver ${serverHost}`;
  });
  return sanityCheck({
    id: 'lab-only-resolution',
    claim:
      'Every client process that used getaddrinfo saw a resolv.conf naming only the lab server, and the server saw no query for a foreign name.',
    holds: onlyLab && foreign === 0,
    evidence: { namespaceRuns: namespaced.length, runs: runs.length, foreignQueries: foreign },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Recommendations: generated only from claims that hold; the others are listed with their outcome.

interface Candidate {
  /** What the recommendation is about, for the list of withheld ones. */
  topic: string;
  basis: readonly string[];
  text: (v: (id: string) => VerdictData) => string;
}

const ev = (v: VerdictData, key: string): string => {
  const x = v.evidence[key];
  return typeof x === 'number' ? String(Number.isInteger(x) ? x : sig(x)) : String(x ?? '?');
};
const stat = (v: VerdictData): string => (v.statistic ? String(sig(v.statistic.value)) : '?');

/** got's own retry defaults (got 16, dist/source/core/options.js: retry.limit 2, EAI_AGAIN among errorCodes); the lab's got adapter sets limit 0. */
const GOT_DEFAULT_RETRIES = 2;

const CANDIDATES: readonly Candidate[] = [
  {
    topic: 'the threadpool queue',
    basis: ['pool-bounds-lookups', 'default-lookup-queues'],
    text: (v) =>
      `**A cold burst through \`dns.lookup\` queues on the threadpool**: with the default 4 threads only ${ev(v('pool-bounds-lookups'), 'defaultPoolAtOnce')} lookups run at once (⌊(P+1)/2⌋ held for P = ${ev(v('pool-bounds-lookups'), 'poolSizes')}), and every client made one lookup per new connection (a burst of ${ev(v('default-lookup-queues'), 'requests')} waited for the ${ev(v('default-lookup-queues'), 'modelMs')} ms queue). Raise \`UV_THREADPOOL_SIZE\` (about half of it serves lookups) or resolve off the pool.`,
  },
  {
    topic: 'resolving off the threadpool',
    basis: ['cares-burst-no-queue', 'cache-gain-is-cares'],
    text: (v) => {
      const g = v('cache-gain-is-cares');
      const defaults = caresNoAnswerRangeMs(1000, NODE_DEFAULT_TRIES);
      return `**Resolve off the threadpool for bursts of new connections**: a c-ares lookup (a \`dns.Resolver\` as the socket \`lookup\`; cacheable-lookup and got's \`dnsCache\` use c-ares too) made most of a cache's gain with no cache at all (median share ${stat(g)} of the whole gain, log scale); the burst was ${ev(g, 'caresGain')}× faster than getaddrinfo here, a number set by B = ${ev(g, 'requests')} and D = ${ev(g, 'delayMs')} ms (${ev(g, 'waves')} waves against one), not a constant. Caveats: with Node's defaults (4 tries, the resolv.conf's 1 s per try, doubling) c-ares gives up on a silent resolver only after ${defaults.minMs / 1000}–${defaults.maxMs / 1000} s (derived from source, §6) where getaddrinfo gave up after 2 s; set \`timeout\`, \`tries\` and \`maxTimeout\`. A \`resolve4\`-based lookup skips /etc/hosts, nsswitch and search domains, and is IPv4 only as used here.`;
    },
  },
  {
    topic: 'sharing in-flight lookups',
    basis: ['cacheable-lookup-shares'],
    text: (v) =>
      `**Share in-flight lookups to cut resolver queries**: cacheable-lookup made ${ev(v('cacheable-lookup-shares'), 'lookupsPerRun')} lookup(s) per burst of ${ev(v('cacheable-lookup-shares'), 'requests')}. Against a server with a per-query cost it would also cut time — not measured here (the lab server has none, so \`sharing-adds-no-time\` is only a sanity check).`,
  },
  {
    topic: "undici's interceptors.dns",
    basis: ['undici-interceptor-no-inflight-sharing'],
    text: (v) =>
      `**Do not count on undici's \`interceptors.dns\` for a cold burst**: it made ${ev(v('undici-interceptor-no-inflight-sharing'), 'lookups')} lookups for ${ev(v('undici-interceptor-no-inflight-sharing'), 'requests')} requests (it caches answers, but does not share the lookup in flight).`,
  },
  {
    topic: 'connect timeouts on a cold burst',
    basis: ['connect-timeout-is-dns-queue', 'undici-connect-timer-coarse'],
    text: (v) =>
      `**Read \`UND_ERR_CONNECT_TIMEOUT\` on a cold burst as possibly DNS queueing**: undici's connect timer runs from \`net.connect\`, lookup included; with ${ev(v('connect-timeout-is-dns-queue'), 'timeoutMs')} ms, getaddrinfo trials timed out ${ev(v('connect-timeout-is-dns-queue'), 'systemTimeouts')} requests and c-ares ${ev(v('connect-timeout-is-dns-queue'), 'caresTimeouts')}. The timer fires on a 499 ms tick (${ev(v('undici-connect-timer-coarse'), 'fireMs')} ms for ${ev(v('undici-connect-timer-coarse'), 'timeoutMs')} as the first timer of a fresh process; in a running process it fires up to one 499 ms tick earlier): allow for that when you set it.`,
  },
  {
    topic: 'resolver time budgets',
    basis: ['glibc-no-answer-nominal', 'cares-no-answer-exceeds-nominal', 'cares-fails-on-node-tick'],
    text: (v) =>
      `**Budget resolver time from the effective settings, not the nominal ones**: getaddrinfo gave up on a silent resolver after timeout × attempts (median ${ev(v('glibc-no-answer-nominal'), 'medianMs')} ms here; glibc's defaults are 5 s × 2), but a Node c-ares Resolver with \`timeout: 1000, tries: 2\` took a median ${ev(v('cares-no-answer-exceeds-nominal'), 'medianMs')} ms: c-ares doubles each retry and Node notices timeouts on a 1 s timer. Node's \`maxTimeout\` caps the doubling (not measured here). Client retries multiply this: the lab's got adapter turns got's retries off; with got's defaults (\`retry.limit: ${GOT_DEFAULT_RETRIES}\`, \`EAI_AGAIN\` retried, 1 s then 2 s backoff) the same silent resolver costs about ${GOT_DEFAULT_RETRIES + 1} × 2 s + 3 s ≈ 9 s (derived, not measured).`,
  },
];

/** Recommendations whose every basis is a claim that holds; the rest are withheld, with the outcome that stops them. */
export function dnsRecommendations(verdicts: readonly VerdictData[]): { given: string[]; withheld: string[] } {
  const byId = new Map(verdicts.map((v) => [v.id, v]));
  const get = (id: string): VerdictData => {
    const v = byId.get(id);
    if (!v) throw new RangeError(`no verdict ${id}`);
    return v;
  };
  const given: string[] = [];
  const withheld: string[] = [];
  const blocker = (id: string): string | null => {
    const v = byId.get(id);
    if (!v) return `\`${id}\` not measured`;
    if (v.kind !== 'claim') return `\`${id}\` is ${v.kind}, not a claim`;
    return v.outcome === 'holds' ? null : `\`${id}\` ${v.outcome}`;
  };
  for (const c of CANDIDATES) {
    const blockers = c.basis.map(blocker).filter((b): b is string => b !== null);
    if (blockers.length === 0) given.push(c.text(get));
    else withheld.push(`${c.topic}: ${blockers.join(', ')}`);
  }
  return { given, withheld };
}
