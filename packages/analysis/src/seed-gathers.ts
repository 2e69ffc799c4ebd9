import type { PoolCounters } from '@casebook/results';
import {
  cpuGap,
  finiteMedian,
  GATHER_MIN_PROCESSES,
  type GatherBatchesLike,
  type GatherWarmup,
  gatherSample,
  gatherStatBatches,
  gatherWarmupOf,
  guarded,
  processOfLabel,
} from './seed';
import { CONTENDER_REFERENCE } from './seed-readings';
import { countClaim, type VerdictData } from './verdicts';

/**
 * The gathers' rules stated after seed-e65a2755 (its second reader's findings 2, 6 and 8), as pure functions of the
 * records: the worker's pool counters read per batch over the kept batches only (the cold first gather and the
 * warm-up left out), the counted claim that the assignment pass is the cost of the `fast_acquire` arm, the exploratory
 * queue-work reference read the same way, the batches each gather ran and why it stopped, the flags a gather's bench
 * carries when it is saved, and the contenders' rank-sum ratios against each reference process. The warm-up rule and
 * the pool-state guard themselves are seed.ts's (gatherSample, GATHER_POOL_STATE). Tested in
 * test/analysis-seed-after-e65a2755.test.ts.
 */

/** The worker's httpcore pool counters over one phase (@casebook/results PoolCounters; the bench's `poolCounters`). */
export type PoolCountersLike = PoolCounters;

/** A measured batch with the worker's pool counters over it (recorded since seed-e65a2755's next run). */
export type CountedBatch = GatherBatchesLike['trials'][number] & { poolCounters?: PoolCountersLike | undefined };

/** A gather whose batches may carry the worker's pool counters. */
export interface CountedGather extends GatherBatchesLike {
  trials: readonly CountedBatch[];
}

/** What the counters say over a gather's kept batches (keptPoolCounters); per request unless named otherwise. */
export interface KeptPoolCounters {
  label: string;
  kept: number;
  requests: number;
  /** CPU µs (user + system) over the kept batches: Σ CPU µs/request × requests. */
  cpuMicros: number;
  passesPerRequest: number;
  /** Connections an assignment pass walked, mean over the sampled passes (Σ len(connections) ÷ sampled passes). */
  connectionsPerPass: number;
  /** Σ queued × connections (the sampled estimate) per request: the pre-e65a2755 `queue work`. */
  queueWorkPerRequest: number;
  /** The assignment pass's time per request, µs: the sampled passes' time × passes ÷ sampled passes, per request. */
  passMicrosPerRequest: number;
  /** passMicrosPerRequest ÷ CPU µs per request: the pass's share of the process's CPU per request. */
  passShare: number;
  /** Idle-socket polls (estimated from the sampled passes), ConnectionNotAvailable retries and new connections. */
  idleProbesPerRequest: number | null;
  retriesPerRequest: number | null;
  connectionsCreatedPerRequest: number | null;
  /** The gather's settled pool (gatherSample's settledPool), or null. */
  settledPool: number | null;
}

const sumOf = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** Σ of one counter over batches, per request; null when a batch has it null (the counter was not installed). */
function perRequest(
  cs: readonly PoolCountersLike[],
  key: 'idleProbes' | 'retries' | 'connectionsCreated',
  requests: number,
): number | null {
  const xs = cs.map((c) => c[key]);
  return xs.every((x): x is number => typeof x === 'number') ? sumOf(xs) / requests : null;
}

/**
 * The pool counters of a gather's kept batches (stated after seed-e65a2755, its second reader's finding 2: the
 * record's whole-process counter put the cold first gather, about 96 % of the default arm's queue work, into the
 * reference): each batch's own counters (the worker snapshots them at every batch boundary), summed over the batches
 * `warmup` keeps (gatherWarmupOf). The pass's time is estimated from the sampled passes, pooled over the kept batches
 * (Σ sampled time × Σ passes ÷ Σ sampled passes); the pass runs synchronously on the loop's thread, so its wall time
 * is the process's CPU unless the process was descheduled inside it. Null when no batch is kept, or a kept batch has no
 * counters or no pass count (aiohttp, the transports over aiohttp, the contenders, httpcore 0.16.3, a record before
 * the counters existed).
 */
export function keptPoolCounters(r: CountedGather, warmup: GatherWarmup): KeptPoolCounters | null {
  // Under the settled-batches rule (GATHER_SETTLED, stated after seed-894dfcb9) the settled batches only.
  const kept = gatherStatBatches(r, warmup);
  const cs = kept.map((t) => t.poolCounters);
  if (kept.length === 0 || !cs.every((c): c is PoolCountersLike => c !== undefined && c.passes !== null)) return null;
  const requests = sumOf(kept.map((t) => t.sent));
  const cpuMicros = sumOf(kept.map((t) => t.cpuMicrosPerRequest * t.sent));
  const passes = sumOf(cs.map((c) => c.passes ?? 0));
  const sampled = sumOf(cs.map((c) => c.sampledPasses ?? 0));
  const passMicros = sampled > 0 ? (sumOf(cs.map((c) => c.sampledPassMicros ?? 0)) * passes) / sampled : Number.NaN;
  const passMicrosPerRequest = requests > 0 ? passMicros / requests : Number.NaN;
  const cpuPerRequest = requests > 0 ? cpuMicros / requests : Number.NaN;
  return {
    label: r.label,
    kept: kept.length,
    requests,
    cpuMicros,
    passesPerRequest: requests > 0 ? passes / requests : Number.NaN,
    connectionsPerPass: sampled > 0 ? sumOf(cs.map((c) => c.sampledConnections ?? 0)) / sampled : Number.NaN,
    queueWorkPerRequest: requests > 0 ? sumOf(cs.map((c) => c.queuedTimesConnections ?? 0)) / requests : Number.NaN,
    passMicrosPerRequest,
    passShare: cpuPerRequest > 0 ? passMicrosPerRequest / cpuPerRequest : Number.NaN,
    idleProbesPerRequest: requests > 0 ? perRequest(cs, 'idleProbes', requests) : null,
    retriesPerRequest: requests > 0 ? perRequest(cs, 'retries', requests) : null,
    connectionsCreatedPerRequest: requests > 0 ? perRequest(cs, 'connectionsCreated', requests) : null,
    settledPool: gatherSample(r, warmup).settledPool ?? null,
  };
}

/** The processes of an arm (`<arm> · process k`, or the arm itself run in one), in the order of their numbers. */
function armProcesses<G extends { label: string }>(gathers: readonly G[], arm: string): G[] {
  return gathers
    .filter((g) => g.label === arm || processOfLabel(g.label)?.arm === arm)
    .sort((a, b) => (processOfLabel(a.label)?.process ?? 0) - (processOfLabel(b.label)?.process ?? 0));
}

/** ` · process 2` → `process 2`; an arm run in one process → its label. */
const processName = (label: string): string => {
  const p = processOfLabel(label);
  return p === null ? label : `process ${p.process}`;
};

/**
 * httpcore 1.0.9's assignment pass, where the claim below puts the cost: cleanup over every connection (is_closed,
 * has_expired with its idle-socket poll, and for each idle connection a list over all of them), then, per queued
 * request, the available and idle lists rebuilt over every connection. Lines read at tag 1.0.9.
 */
export const ASSIGNMENT_PASS_LINKS = {
  pass: 'https://github.com/encode/httpcore/blob/1.0.9/httpcore/_async/connection_pool.py#L270-L339',
  cleanup: 'https://github.com/encode/httpcore/blob/1.0.9/httpcore/_async/connection_pool.py#L284-L299',
  perQueuedRequest: 'https://github.com/encode/httpcore/blob/1.0.9/httpcore/_async/connection_pool.py#L301-L337',
  hasExpired: 'https://github.com/encode/httpcore/blob/1.0.9/httpcore/_async/http11.py#L274-L286',
} as const;

/**
 * `pass-share-fastacquire` (counted; stated after seed-e65a2755, its second reader's finding 2, before the run that
 * tests it): in every process of `arm` (the `fast_acquire` arm on httpcore 1.0.9), the assignment pass's time is at
 * least `minShare` of the process's CPU per request over its kept batches (keptPoolCounters). The direct test of "the
 * pass is the cost" that the queue-work product could not give (that product is arithmetic of the gather: 33,433 per
 * request in every process of seed-e65a2755). Holds when every process reaches `minShare`; fails when one does not;
 * unresolved with fewer than GATHER_MIN_PROCESSES processes with counters, and (guarded) when a process is flagged
 * (`few-kept`, `pool-state-moved`, `not-converged`, `error-dominated`, its own fault).
 */
export function passShareClaim(input: {
  id: string;
  gathers: readonly CountedGather[];
  arm: string;
  minShare: number;
  warmup: GatherWarmup;
}): VerdictData {
  const ps = armProcesses(input.gathers, input.arm);
  const counted = ps.map((p) => ({ p, c: keptPoolCounters(p, input.warmup) }));
  const read = counted.filter((x): x is { p: CountedGather; c: KeptPoolCounters } => x.c !== null);
  const shares = read.map((x) => x.c.passShare);
  const few = read.length < GATHER_MIN_PROCESSES || !shares.every(Number.isFinite);
  const least = shares.length ? Math.min(...shares) : Number.NaN;
  const f2 = (x: number | null) => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(2));
  const whole = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
  const v = countClaim({
    id: input.id,
    claim: `In the \`${input.arm}\` arm (anyio fast_acquire on httpcore 1.0.9's locks), the assignment pass (\`AsyncConnectionPool._assign_requests_to_connections\`, [connection_pool.py L270–L339](${ASSIGNMENT_PASS_LINKS.pass})) takes at least ${input.minShare} of the CPU per request in every process, over its kept batches (the pass timed on every ${read[0]?.p.trials[0]?.poolCounters?.sampleEvery ?? 64}th pass, scaled by passes ÷ sampled passes; stated after seed-e65a2755).`,
    holds: !few && shares.every((s) => s >= input.minShare),
    unresolved: few,
    evidence: {
      processes: ps.length,
      withCounters: read.length,
      leastShare: Number.isFinite(least) ? least : null,
      shares: read.map((x) => `${processName(x.p.label)} ${f2(x.c.passShare)}`).join(', ') || 'none',
      passMicrosPerRequest: read.map((x) => `${processName(x.p.label)} ${whole(x.c.passMicrosPerRequest)}`).join(', '),
      cpuMicrosPerRequest: read
        .map((x) => `${processName(x.p.label)} ${whole(x.c.cpuMicros / x.c.requests)}`)
        .join(', '),
      connectionsPerPass: read.map((x) => `${processName(x.p.label)} ${f2(x.c.connectionsPerPass)}`).join(', '),
      passesPerRequest: read.map((x) => `${processName(x.p.label)} ${f2(x.c.passesPerRequest)}`).join(', '),
      idleProbesPerRequest: read.map((x) => `${processName(x.p.label)} ${f2(x.c.idleProbesPerRequest)}`).join(', '),
      mechanism: `${ASSIGNMENT_PASS_LINKS.cleanup} ; ${ASSIGNMENT_PASS_LINKS.perQueuedRequest} ; ${ASSIGNMENT_PASS_LINKS.hasExpired}`,
      ...(few
        ? {
            noData: read.length === 0,
            why: `${read.length} of ${ps.length} processes with the pool counters over their kept batches (at least ${GATHER_MIN_PROCESSES} needed)`,
          }
        : {}),
    },
  });
  return guarded(
    v,
    ps.map((p) => gatherSample(p, input.warmup)),
  );
}

/**
 * The queue work (Σ queued × connections) per request over the kept batches only, `arm` against `reference`, as one
 * line (exploratory since seed-e65a2755, never counted: its second reader showed it is arithmetic of the gather, 512
 * requests queued on 100 connections giving 33,153 per request, and that the printed reference was mostly the cold
 * first gather). Each process's value over its kept batches (keptPoolCounters), with the passes per request and
 * connections walked per pass beside it; `—` for a process without per-batch counters.
 */
export function keptQueueWorkText(
  gathers: readonly CountedGather[],
  arm: string,
  reference: string,
  warmup: GatherWarmup,
): string {
  const side = (a: string) =>
    armProcesses(gathers, a)
      .map((p) => {
        const c = keptPoolCounters(p, warmup);
        return c === null
          ? `${processName(p.label)} —`
          : `${processName(p.label)} ${Math.round(c.queueWorkPerRequest).toLocaleString('en-US')} (${c.passesPerRequest.toFixed(2)} passes, ${c.connectionsPerPass.toFixed(1)} connections a pass)`;
      })
      .join(', ') || 'not measured';
  return `**Queue work per request, kept batches only** (exploratory, never counted since seed-e65a2755: arithmetic of the gather, not a test): \`${arm}\` ${side(arm)}; \`${reference}\` ${side(reference)}.`;
}

/** How long a gather's batches run (@casebook/runner GatherUntil; GATHER_UNTIL_AFTER_E65A2755). */
export interface GatherUntilLike {
  minStartedAfter: number;
  marginS: number;
  maxTrials: number;
  maxSeconds: number;
}

/** Why a gather's batches stopped (the worker's `gatherUntil.stoppedBy`). */
export type GatherStop = 'planned' | 'rule' | 'max-trials' | 'max-seconds' | 'no-keepalive-expiry';

/**
 * The worker's stopping rule (casebook_foreign_worker.py `phases`, stated after seed-e65a2755), as a pure function of
 * the batches' times, for the plan and the tests: batch i starts at the sum of the measured batches before it (the
 * clock gatherWarmupOf reads), and counts as started after when that is at least keepalive_expiry + marginS s. At
 * least `planned` batches run; past them the worker runs on until `minStartedAfter` have started after, or stops at
 * `maxTrials` batches or `maxSeconds` s of measured batches. `batchMs(i)` is batch i's time. Without an expiry
 * (`expiryS` null) it runs `planned` (`no-keepalive-expiry`).
 */
export function gatherUntilRun(
  batchMs: (i: number) => number,
  expiryS: number | null,
  planned: number,
  until: GatherUntilLike,
): { ran: number; startedAfter: number; stoppedBy: GatherStop } {
  let measuredS = 0;
  let startedAfter = 0;
  for (let i = 0; ; i++) {
    if (i >= planned) {
      if (expiryS === null) return { ran: i, startedAfter, stoppedBy: 'no-keepalive-expiry' };
      if (startedAfter >= until.minStartedAfter)
        return { ran: i, startedAfter, stoppedBy: i === planned ? 'planned' : 'rule' };
      if (i >= until.maxTrials) return { ran: i, startedAfter, stoppedBy: 'max-trials' };
      if (measuredS >= until.maxSeconds) return { ran: i, startedAfter, stoppedBy: 'max-seconds' };
    }
    if (expiryS !== null && measuredS >= expiryS + until.marginS) startedAfter++;
    measuredS += batchMs(i) / 1000;
  }
}

/** `36 batches (34 planned; stopped by rule)` from the worker's `gatherUntil` settings, or null where not recorded. */
export function gatherRunText(settings: Readonly<Record<string, unknown>> | undefined): string | null {
  const g = settings?.['gatherUntil'];
  if (typeof g !== 'object' || g === null) return null;
  const m = new Map(Object.entries(g));
  const ran = m.get('ran');
  const planned = m.get('planned');
  const stopped = m.get('stoppedBy');
  if (typeof ran !== 'number' || typeof planned !== 'number' || typeof stopped !== 'string') return null;
  return `${ran} batches (${planned} planned; stopped by ${stopped})`;
}

/** The columns of poolCounterRows, in the order printed. */
export const POOL_COUNTER_COLUMNS = [
  'gather',
  'batches run',
  'kept',
  'settled pool',
  'passes/req',
  'connections/pass',
  'idle polls/req',
  'retries/req',
  'new connections/req',
  'pass µs/req',
  'CPU µs/req',
  'pass share',
] as const;

/**
 * One row per gather process with the worker's pool counters over its kept batches (keptPoolCounters), exploratory:
 * how many batches it ran and why it stopped (gatherRunText), its settled pool, passes and connections walked, idle
 * polls, retries, new connections, and the pass's time and share of CPU per request. Gathers without per-batch
 * counters are left out.
 */
export function poolCounterRows(
  gathers: readonly CountedGather[],
  warmup: GatherWarmup,
): Record<(typeof POOL_COUNTER_COLUMNS)[number], string | number>[] {
  const f = (x: number | null, d: number) => (x === null || !Number.isFinite(x) ? '—' : x.toFixed(d));
  return gathers.flatMap((g) => {
    const c = keptPoolCounters(g, warmup);
    if (c === null) return [];
    return [
      {
        gather: g.label,
        'batches run': gatherRunText(g.client.settings) ?? String(g.trials.length),
        kept: c.kept,
        'settled pool': c.settledPool ?? '—',
        'passes/req': f(c.passesPerRequest, 2),
        'connections/pass': f(c.connectionsPerPass, 1),
        'idle polls/req': f(c.idleProbesPerRequest, 1),
        'retries/req': f(c.retriesPerRequest, 2),
        'new connections/req': f(c.connectionsCreatedPerRequest, 3),
        'pass µs/req': f(c.passMicrosPerRequest, 0),
        'CPU µs/req': f(c.cpuMicros / c.requests, 0),
        'pass share': f(c.passShare, 2),
      },
    ];
  });
}

/** What a gather's bench carries when it is saved (the results schema's `gatherGuards`; gatherGuardsOf). */
export interface GatherGuards {
  rule: string;
  warmupBatches: number;
  kept: number;
  flags: string[];
  rankable: boolean;
  throughputRps: number | null;
  throughputMinRps: number | null;
  throughputMaxRps: number | null;
  cpuMicrosPerRequest: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
}

/** A bench record as gatherGuardsOf reads it: its load, and batches with their latency summaries. */
export interface GuardableGather extends CountedGather {
  params?: { load?: { concurrency?: number | null; requests?: number | null } };
  trials: readonly (CountedBatch & { latencyMs?: { p50: number; p99: number } })[];
}

/** `warm-up in time: keepalive_expiry + 1 s, at least 6 kept; pool-state guard ±1` (the rule a bench names). */
export function gatherRuleText(warmup: GatherWarmup): string {
  if (typeof warmup === 'number') return `warm-up: the first ${warmup} measured batches`;
  const settled = warmup.poolState?.settled;
  const pool =
    warmup.poolState === undefined
      ? ''
      : settled !== undefined
        ? `; statistics on the settled batches (peak open within ±${warmup.poolState.maxPeakChange} of the modal peak, ±${Math.round(settled.stormTolerance * 100)} % of the pool limit for a pool settled at ≥ ${settled.stormFraction} × it); pool-state-moved below ${settled.minSettled} settled batches or at ≥ ${settled.minNewPerRequest} new sockets per request where none should open`
        : `; pool-state guard ±${warmup.poolState.maxPeakChange}`;
  return `warm-up in time: keepalive_expiry + ${warmup.marginS} s (else the first ${warmup.batches} batches), at least ${warmup.minKept} kept${pool}`;
}

/**
 * What a gather's bench carries when it is saved (stated after seed-e65a2755, its second reader's finding 8: the
 * citation listed every gather process unflagged, with its median over every measured batch, e.g. `2022 · httpx @ 0
 * ms` 617 µs/request against 672 over its 4 kept batches, flagged `few-kept`): gatherSample's flags under `warmup`
 * (`few-kept`, `pool-state-moved`, `not-converged`, `error-dominated`), `rankable` when there is none, and the kept
 * batches' medians (throughput with its lowest and highest, CPU per request, the batches' p50 and p99), which the
 * citation gives for a gather instead of the whole record's. Null for a record that is not a gather (a phase-method
 * record of one batch of N at concurrency N; a steady-state record has blocks).
 */
export function gatherGuardsOf(record: GuardableGather, warmup: GatherWarmup): GatherGuards | null {
  const load = record.params?.load;
  const first = record.trials[0];
  const gather =
    load !== undefined &&
    typeof load.requests === 'number' &&
    load.requests === load.concurrency &&
    first !== undefined &&
    !('block' in first);
  if (!gather) return null;
  const sample = gatherSample(record, warmup);
  const kept = record.trials.slice(gatherWarmupOf(record, warmup));
  // The medians below read the settled batches under GATHER_SETTLED (stated after seed-894dfcb9), else the kept ones.
  const read = gatherStatBatches(record, warmup);
  const orNull = (x: number): number | null => (Number.isFinite(x) ? x : null);
  const rps = read.map((t) => (t.durationMs > 0 ? (t.sent * 1000) / t.durationMs : Number.NaN)).filter(Number.isFinite);
  const flags = [...(sample.guards?.flags ?? [])];
  return {
    rule: gatherRuleText(warmup),
    warmupBatches: record.trials.length - kept.length,
    kept: kept.length,
    flags,
    rankable: flags.length === 0,
    throughputRps: orNull(finiteMedian(rps)),
    throughputMinRps: orNull(rps.length ? Math.min(...rps) : Number.NaN),
    throughputMaxRps: orNull(rps.length ? Math.max(...rps) : Number.NaN),
    cpuMicrosPerRequest: orNull(finiteMedian(read.map((t) => t.cpuMicrosPerRequest))),
    p50Ms: orNull(finiteMedian(read.map((t) => t.latencyMs?.p50 ?? Number.NaN))),
    p99Ms: orNull(finiteMedian(read.map((t) => t.latencyMs?.p99 ?? Number.NaN))),
  };
}

/** The columns of contenderReferenceRows, in the order printed. */
export const CONTENDER_REFERENCE_COLUMNS = [
  'contender',
  `range over ${CONTENDER_REFERENCE} processes`,
  `÷ each ${CONTENDER_REFERENCE} process (Hodges–Lehmann, rank-sum 95 %)`,
  'flagged',
  'pool_block (read back)',
  'connections',
] as const;

/** The most connections open at a kept batch's peak (target), or null where none was recorded. */
function keptPeakOpen(r: GatherBatchesLike, warmup: GatherWarmup): number | null {
  const peaks = r.trials
    .slice(gatherWarmupOf(r, warmup))
    .map((t) => t.target?.peakOpenConnections)
    .filter((p): p is number => typeof p === 'number' && Number.isFinite(p));
  return peaks.length ? Math.max(...peaks) : null;
}

/**
 * Per contender (stated after seed-e65a2755, its second reader's finding 6; exploratory, never counted): its CPU per
 * request ÷ each process of `latest · aiohttp @ 0 ms` with section 1b's statistic, the Hodges–Lehmann ratio of the two
 * gathers' kept batches and its rank-sum interval (cpuGap; conditional on one reference process each, which the
 * contenders' stated cell promised and the pooled table could not give), `no interval` below 6 kept batches a side;
 * niquests' `pool_block` and pool timeout as read back (whether a request waits for a connection, and how long); and
 * `peak open N vs aiohttp's M` where the contender held more connections at a kept batch's peak than the reference
 * did (its ratio is then not like for like), else ''. Since seed-894dfcb9 (its second reader's finding 7): the range of
 * the per-process ratios (and of their intervals) over the reference's processes, the headline figure, and the
 * contender's flags and each reference process's (`none` when neither has one).
 */
export function contenderReferenceRows(
  contenders: readonly GatherBatchesLike[],
  gathers: readonly GatherBatchesLike[],
  warmup: GatherWarmup,
): Record<(typeof CONTENDER_REFERENCE_COLUMNS)[number], string>[] {
  const refs = armProcesses(gathers, CONTENDER_REFERENCE).map((r) => ({ r, s: gatherSample(r, warmup) }));
  const refPeaks = refs.map((x) => keptPeakOpen(x.r, warmup)).filter((p): p is number => p !== null);
  const refPeak = refPeaks.length ? Math.max(...refPeaks) : null;
  return contenders.map((c) => {
    const s = gatherSample(c, warmup);
    const gaps = refs.map(({ r, s: ref }) => ({ r, ref, g: cpuGap(s, ref) }));
    const ratios = gaps.map(({ r, g }) => {
      const interval =
        g.coverage >= 0.95 ? `${g.low.toFixed(2)}–${g.high.toFixed(2)}` : `no interval: ${g.n} kept batches`;
      return `${processName(r.label)} ${Number.isFinite(g.median) ? g.median.toFixed(2) : '—'} (${interval})`;
    });
    // The headline figure (stated after seed-894dfcb9, its second reader's finding 7): the range of the per-process
    // ratios, and the lowest low to the highest high of their intervals, over the reference's processes.
    const points = gaps.map((x) => x.g.median).filter(Number.isFinite);
    const withInterval = gaps.filter((x) => x.g.coverage >= 0.95 && Number.isFinite(x.g.low));
    const range =
      points.length === 0
        ? '— (no reference)'
        : `${Math.min(...points).toFixed(2)}–${Math.max(...points).toFixed(2)}× over ${points.length} process${points.length === 1 ? '' : 'es'}${
            withInterval.length === gaps.length
              ? ` (intervals ${Math.min(...withInterval.map((x) => x.g.low)).toFixed(2)}–${Math.max(...withInterval.map((x) => x.g.high)).toFixed(2)})`
              : ''
          }`;
    // Its own flags, and each reference process's (a flagged side makes that ratio a reading of flagged data).
    const own = (s.guards?.flags ?? []).map((f) => `${c.label}: ${f}`);
    const refFlags = gaps.flatMap(({ r, ref }) =>
      (ref.guards?.flags ?? []).map((f) => `${processName(r.label)}: ${f}`),
    );
    const flagged = [...own, ...refFlags].join('; ') || 'none';
    const st = c.client.settings ?? {};
    const block = st['niquests.pool_block'];
    const timeout = st['niquests.pool_timeout_s'];
    const timeoutValue =
      typeof timeout === 'object' && timeout !== null ? new Map(Object.entries(timeout)).get('value') : timeout;
    const peak = keptPeakOpen(c, warmup);
    return {
      contender: c.label,
      [`range over ${CONTENDER_REFERENCE} processes`]: range,
      [`÷ each ${CONTENDER_REFERENCE} process (Hodges–Lehmann, rank-sum 95 %)`]:
        ratios.join('; ') || '— (no reference)',
      flagged,
      'pool_block (read back)':
        typeof block === 'boolean'
          ? `pool_block ${block}, pool timeout ${timeoutValue === null || timeoutValue === undefined ? 'none' : `${String(timeoutValue)} s`}`
          : '—',
      connections:
        peak !== null && refPeak !== null && peak > refPeak ? `peak open ${peak} vs aiohttp's ${refPeak}` : '',
    } as Record<(typeof CONTENDER_REFERENCE_COLUMNS)[number], string>;
  });
}
