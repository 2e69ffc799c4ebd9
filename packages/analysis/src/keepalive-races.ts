/**
 * Keep-alive races (notebook 08): failure rates of requests sent on kept-alive connections after an idle gap, per
 * client × method × gap (and the target's hint and close mode), each with a 95 % interval over BURSTS (burst-interval.ts:
 * the requests of one burst are not independent), and the claims the notebook states before it measures. Pure functions of the race driver's records (runner/race.ts), which they read
 * structurally: analysis does not depend on the runner.
 *
 * The thresholds are stated here, before any run. REVISED after seeing runs keepalive-races-7f052af5, -e235cc55 (an
 * unpublished run of commit bb2efc9) and -3c964fce: until then a burst counted only if ≥ 90 % of its requests went out
 * on reused connections, a rule that depends on the outcome (a client that had already seen the FIN sent on fresh
 * connections and succeeded, so the bursts where the race happened were the ones left out). From this revision on:
 * - the unit of exposure is the REQUEST THAT MET A CLOSED CONNECTION (`metClosedConnection`): its first copy reached
 *   the target on a kept-alive connection the target had already closed (the target's per-request record
 *   `firstCopyAfterClose`; in runs recorded before it, "whose close was due": targetIdleMs ≥ T), or it failed without
 *   its id ever reaching the target (written onto a closed connection whose bytes the target never parsed);
 * - a rate claim is decided on the failure rate of exposed requests only, with the client PROCESS (one run) as the
 *   unit of the interval: bursts in one process share a pool and are not independent (a burst's reused count follows
 *   the previous burst's failures), so each process contributes one fraction, failures / exposed requests, and the
 *   interval is Student's t over those fractions;
 * - a cell (client × method × target mode, over the gaps named, pooled: gaps a millisecond apart are inside the
 *   timer jitter) with fewer than MIN_EXPOSED exposed requests, or exposed requests in fewer than MIN_EXPOSED_PROCESSES
 *   processes, is unresolved: NOT_EXERCISED ("not exercised: N exposed < 30");
 * - "fails no request" means the upper end of that interval is below NO_FAILURE_MAX_RATE, and only counts when the
 *   positive control (a client without validation or retry) raced in the same rounds, target mode and gaps: the lower
 *   end of ITS exposed-request interval above SOME_FAILURE_MIN_RATE;
 * - "fails some requests" means the lower end is above SOME_FAILURE_MIN_RATE over the gaps named;
 * - "never sends a request twice" is a count: no id arrived twice, and no id whose first copy met a closed connection
 *   arrived later (`resent`); its denominator is the requests that could show a resend (exposed ones).
 *
 * REVISED again after a maintainer's review of the run of commit 6c927df's code (not published), before the next run:
 * - "fails (no / some) requests that met a closed connection" decided nothing for a client without a retry: the target
 *   never answers a request that reaches it after it closed the connection, so such a request fails by construction.
 *   For those clients it is now a SANITY check (failsWhenClosedSanity). Counted claims stay where the outcome is open:
 *   the retries (retryResendsClaim: got's default retry resends and none fails; the deterministic race's retry claims),
 *   no POST resend, the stall timeouts, and EXPOSURE itself (exposureClaim), per client;
 * - exposure is decided on ONE CLOCK: the client records when it wrote each request (diagnostics channels, runner
 *   race-writes.ts) and the target when it sent each FIN, both in µs of CLOCK_MONOTONIC, shared by the processes. The
 *   target-side rule above (decided when the target's handler ran, after a timer that may have fired late) is kept as
 *   a recorded field for comparison, not for decisions (writeExposure, metCloseOnClock, STALE_FIN_MS);
 * - a rate's 95 % interval is the more conservative of Clopper–Pearson on the pooled counts and t over processes
 *   (rateEstimate: t over 0/1 fractions collapses to a point), and the evidence states the counts in words;
 * - exposure claims count only first writes on kept connections that LANDED within EXPOSURE_WINDOW_MS of the target's
 *   due close (landingMs), so clients whose gaps end at different moments are compared on matched landings.
 *
 * REVISED after the second reader of run keepalive-races-d65d06f3 (commit 5b3c3a4), before the next run:
 * - the exposure verdicts (exposureClaim: `race.*`, `post.*`) are EXPLORATORY, never counted: their window and their
 *   denominator (first writes on KEPT connections) were chosen with earlier runs' landings in view, and the reader
 *   showed that the stale share on kept connections is set by when a client's writes land (at matched landings the
 *   clients do not differ; a client whose check moves requests to fresh connections leaves the denominator). The
 *   landing table (landingBins) shows them over ALL first writes, by landing bin;
 * - a verdict a guard left unresolved (too few writes or processes, the control did not race, no write time) carries
 *   `comparable: false` and the `reason`, so the notebook's headline says that reason, not "cannot decide at this
 *   precision";
 * - a request with no write time (the client's write channel did not fire, see WriteExposure) is not "never written":
 *   when such requests outnumber the ones a verdict decides on, it is unresolved ("no write time for N requests").
 */
import { type BinomialInterval, binomialInterval } from './binomial-interval';
import { type BurstInterval, burstInterval } from './burst-interval';
import { countClaim, type Evidence, quantityClaim, sanityCheck, type Threshold, type VerdictData } from './verdicts';

/** 1 %: the issue's reports start at 2 %; a client whose upper bound is below 1 % has no race worth reporting. */
export const NO_FAILURE_MAX_RATE = 0.01;
/** 5 %: a failure rate a user notices within minutes at one request per gap, and far above loopback's background (none). */
export const SOME_FAILURE_MIN_RATE = 0.05;
/**
 * 90 %: the share of a burst's requests on reused connections for the burst to count as reused (burstReuse). Kept
 * for the descriptive tables only: since the revision above it decides no claim.
 */
export const MIN_REUSED_SHARE = 0.9;
/** 30: the least number of requests that met a closed connection (metClosedConnection) a rate claim's cell needs. */
export const MIN_EXPOSED = 30;
/** 5: the least number of client processes with exposed requests (the unit of the interval; t with 4 df is wide). */
export const MIN_EXPOSED_PROCESSES = 5;
/** Why a race claim is unresolved when too few requests met a closed connection. */
export const NOT_EXERCISED = 'not exercised';

/**
 * The evidence of a verdict a guard left unresolved (too few writes or processes, the control did not race, no write
 * time): `comparable: false` and the reason, which the notebook's headline prints instead of "the data cannot decide
 * at this precision" (study.ts outcomeLabel).
 */
export function guardEvidence(reason: string): { comparable: false; reason: string } {
  return { comparable: false, reason };
}

/** One measured request as the race driver records it, with the run's target settings (what a row needs). */
export interface RaceRow {
  client: string;
  /** The client's retry choice ('client-default', 'off', 'opt-in'). */
  retry: string;
  concurrency: number;
  method: string;
  /** Target: idle timeout T, hint mode, close mode. */
  idleTimeoutMs: number;
  hint: string;
  idleClose: string;
  gapMs: number;
  /** The burst this request was part of (unique within one raceRows call). */
  burst: string;
  /** The client process (run) this request was sent from (unique within one raceRows call): the unit of intervals. */
  process: string;
  ok: boolean;
  code: string | null;
  elapsedMs: number;
  /** Arrivals of this request's id at the target (0: never reached it; ≥ 2: retried). */
  arrived: number;
  served: number;
  /**
   * ms the connection this id first reached the target on had been idle, on the target's clock (also when the target
   * had already closed it); null: a new connection, or never reached the target. Absent in runs recorded before the
   * target kept it: such rows are not known to have raced (see sentOnReused).
   */
  targetIdleMs?: number | null;
  /**
   * The target's record: true when this id's first copy reached the target on a connection the target had already
   * closed (compared with the target's actual close, not its due time); false when the connection was still open;
   * null: a new connection or never arrived. Absent in runs recorded before the target kept it (then "close was due",
   * targetIdleMs ≥ T, stands in for it).
   */
  afterClose?: boolean | null;
  /**
   * The shared clock (µs of CLOCK_MONOTONIC, one clock for the client and the target processes; see the header):
   * when the client handed this id's first copy to a socket (null: no write time recorded — the client's write channel
   * did not fire, see WriteExposure). Absent in runs recorded before it.
   */
  writtenAtUs?: number | null;
  /** Writes of this id the client made (2 or more: sent again). Absent in runs recorded before the shared clock. */
  writes?: number;
  /** The target connection that first write went to (null: none matched). Absent before the shared clock. */
  targetConnection?: number | null;
  /**
   * The target's FIN (or RST) on that connection, when it ended the idle period the write went into (µs; null: the
   * target did not close it then). Absent before the shared clock.
   */
  finAtUs?: number | null;
  /** The due close (idle start + T, µs) of that idle period; null: a new connection. Absent before the shared clock. */
  dueAtUs?: number | null;
  /**
   * The ROUND's due close (µs, shared clock): the earliest due close (idle start + T) among the target's connections
   * whose idle period began in this round's warm-up (roundDueAtUs), the fallback reference for a write on a FRESH
   * connection in the landing table when its burst had no kept write (writeLandingMs, burstKeptDueAtUs). null: none known. Absent before
   * the shared clock.
   */
  roundDueAtUs?: number | null;
}

/** The shape of a race run these functions read (runner's RaceRunResult has it). */
export interface RaceRunLike {
  client: string;
  /** Absent: 'client-default'. */
  retry?: string;
  /** Absent: 1. */
  concurrency?: number;
  method: string;
  target: { idleTimeoutMs: number; hint: string; idleClose: string };
  /** The target's connections (their close's idle start): the rounds' due closes (roundDueAtUs). Absent: none. */
  counters?: { connections?: readonly { closeIdleSinceUs?: number | null }[] };
  requests: readonly {
    /** The run's round (one burst each); absent: 0. */
    round?: number;
    gapMs: number;
    ok: boolean;
    code: string | null;
    elapsedMs: number;
    arrived: number;
    served: number;
    /** Absent in runs recorded before the target kept it. */
    targetIdleMs?: number | null;
    /** Absent in runs recorded before the target kept it. */
    firstCopyAfterClose?: boolean | null;
    /** The shared clock's fields (RaceRow); absent in runs recorded before it. */
    writtenAtUs?: number | null;
    /** The first copy's arrival at the target's handler (µs, shared clock); null: never. */
    arrivedAtUs?: number | null;
    writes?: number;
    targetConnection?: number | null;
    finAtUs?: number | null;
    dueAtUs?: number | null;
  }[];
}

/**
 * The first write's time on the shared clock, bounded by the first copy's arrival at the target: bytes cannot arrive
 * before they are written, and a write stamp published after the write (Node's http.client.request.start comes from
 * _finish, after the socket write) can trail the bytes on a busy machine — 2 ms past the target's FIN in one
 * deterministic race where the target had already read the request. undefined/null pass through.
 */
export function boundedWriteUs(r: {
  writtenAtUs?: number | null;
  arrivedAtUs?: number | null;
}): number | null | undefined {
  if (typeof r.writtenAtUs !== 'number' || typeof r.arrivedAtUs !== 'number') return r.writtenAtUs;
  return Math.min(r.writtenAtUs, r.arrivedAtUs);
}

/**
 * Per round of a run, its due close (µs on the shared clock; null when unknown): the earliest idle start + T among the
 * target's closed connections and the round's own joined writes whose idle period began in the round's warm-up, i.e.
 * within h = min(T, gap) / 2 of (the round's first write − its gap): the client arms its gap at the end of the first
 * warm-up response, so that connection's idle began about one gap (plus the client's dispatch lag) before the first
 * write, the others' a few ms later, the previous round's about a gap earlier still. Rounds without a write: null.
 */
export function roundDueAtUs(run: RaceRunLike): Map<number, number | null> {
  const tUs = run.target.idleTimeoutMs * 1000;
  const closeStarts = (run.counters?.connections ?? [])
    .map((c) => c.closeIdleSinceUs)
    .filter((x): x is number => typeof x === 'number');
  const rounds = new Map<number, { firstWriteUs: number | null; gapMs: number; starts: number[] }>();
  for (const r of run.requests) {
    const k = r.round ?? 0;
    const g = rounds.get(k) ?? { firstWriteUs: null, gapMs: r.gapMs, starts: [] };
    if (typeof r.writtenAtUs === 'number' && (g.firstWriteUs === null || r.writtenAtUs < g.firstWriteUs))
      g.firstWriteUs = r.writtenAtUs;
    if (typeof r.dueAtUs === 'number') g.starts.push(r.dueAtUs - tUs);
    rounds.set(k, g);
  }
  const out = new Map<number, number | null>();
  for (const [k, g] of rounds) {
    if (g.firstWriteUs === null) {
      out.set(k, null);
      continue;
    }
    const armedUs = g.firstWriteUs - g.gapMs * 1000;
    const h = (Math.min(run.target.idleTimeoutMs, g.gapMs) / 2) * 1000;
    const inWarmUp = [...closeStarts, ...g.starts].filter((x) => x >= armedUs - h && x <= armedUs + h);
    out.set(k, inWarmUp.length === 0 ? null : Math.min(...inWarmUp) + tUs);
  }
  return out;
}

export function raceRows(runs: readonly RaceRunLike[]): RaceRow[] {
  return runs.flatMap((run, runIndex) => {
    const shared = run.requests.some((r) => r.writtenAtUs !== undefined);
    const dues = shared ? roundDueAtUs(run) : new Map<number, number | null>();
    return run.requests.map((r) => ({
      client: run.client,
      retry: run.retry ?? 'client-default',
      concurrency: run.concurrency ?? 1,
      method: run.method,
      idleTimeoutMs: run.target.idleTimeoutMs,
      hint: run.target.hint,
      idleClose: run.target.idleClose,
      gapMs: r.gapMs,
      burst: `${runIndex}.${r.round ?? 0}`,
      process: String(runIndex),
      ok: r.ok,
      code: r.code,
      elapsedMs: r.elapsedMs,
      arrived: r.arrived,
      served: r.served,
      ...(r.targetIdleMs !== undefined ? { targetIdleMs: r.targetIdleMs } : {}),
      ...(r.firstCopyAfterClose !== undefined ? { afterClose: r.firstCopyAfterClose } : {}),
      ...(r.writtenAtUs !== undefined ? { writtenAtUs: boundedWriteUs(r) ?? null } : {}),
      ...(r.writes !== undefined ? { writes: r.writes } : {}),
      ...(r.targetConnection !== undefined ? { targetConnection: r.targetConnection } : {}),
      ...(r.finAtUs !== undefined ? { finAtUs: r.finAtUs } : {}),
      ...(r.dueAtUs !== undefined ? { dueAtUs: r.dueAtUs } : {}),
      ...(shared ? { roundDueAtUs: dues.get(r.round ?? 0) ?? null } : {}),
    }));
  });
}

/**
 * Whether a request went out on a connection kept alive over the gap, the only place the race can happen:
 * - it reached the target on a connection idle for at least half the gap on the target's clock (a connection warmed
 *   before the gap; one opened during the burst and reused within it has been idle for about 0 ms), also when the
 *   target had closed that connection as it arrived;
 * - or it failed without ever reaching the target (targetIdleMs null, arrived 0): on loopback, with the target
 *   listening, a fresh connection does not fail before its request arrives, so such a request was written on a
 *   connection the target had closed.
 * A request on a new connection (targetIdleMs null, arrived ≥ 1) did not race. A row without targetIdleMs (recorded
 * before the target kept it) is not known to have raced: false.
 */
export function sentOnReused(r: Pick<RaceRow, 'gapMs' | 'ok' | 'arrived' | 'targetIdleMs'>): boolean {
  if (r.targetIdleMs === undefined) return false;
  if (r.targetIdleMs === null) return !r.ok && r.arrived === 0;
  return r.targetIdleMs >= r.gapMs / 2;
}

/** One burst: its requests, how many went out on reused connections (sentOnReused), and whether it counts. */
export interface BurstReuse {
  burst: string;
  requests: number;
  reused: number;
  /** reused / requests ≥ MIN_REUSED_SHARE: the burst exercised the race, and counts toward a claim. */
  exercised: boolean;
}

/** Per burst (in first-seen order): its requests, how many went out on reused connections, whether it counts. */
export function burstReuse(rows: readonly RaceRow[]): BurstReuse[] {
  const bursts = new Map<string, { requests: number; reused: number }>();
  for (const r of rows) {
    const b = bursts.get(r.burst) ?? { requests: 0, reused: 0 };
    b.requests += 1;
    if (sentOnReused(r)) b.reused += 1;
    bursts.set(r.burst, b);
  }
  return [...bursts.entries()].map(([burst, b]) => ({
    burst,
    ...b,
    // As a ratio: 0.9 × 70 is 63.00000000000001 in floating point, 63 / 70 is 0.9.
    exercised: b.reused / b.requests >= MIN_REUSED_SHARE,
  }));
}

/** The rows of the bursts that exercised the race (burstReuse: at least MIN_REUSED_SHARE on reused connections). */
export function exercisedRows(rows: readonly RaceRow[]): RaceRow[] {
  const exercised = burstReuse(rows).filter((b) => b.exercised);
  const keep = new Set(exercised.map((b) => b.burst));
  return rows.filter((r) => keep.has(r.burst));
}

/**
 * Whether a request met a closed connection (pre-registered, see the header): its first copy reached the target on a
 * kept-alive connection (targetIdleMs not null) the target had already closed — the target's own record
 * (`afterClose`), or, in runs recorded before it, the close was due (targetIdleMs ≥ idleTimeoutMs) — or it failed and
 * its id never reached the target (arrived 0, targetIdleMs null: written onto a closed connection). A row without
 * targetIdleMs (recorded before the target kept it) is not known to have met one: false.
 */
export function metClosedConnection(
  r: Pick<RaceRow, 'ok' | 'arrived' | 'targetIdleMs' | 'afterClose' | 'idleTimeoutMs'>,
): boolean {
  if (r.targetIdleMs === undefined) return false;
  if (r.targetIdleMs === null) return !r.ok && r.arrived === 0;
  if (typeof r.afterClose === 'boolean') return r.afterClose;
  return r.targetIdleMs >= r.idleTimeoutMs;
}

/**
 * Whether the client sent this request again: its id arrived more than once, or its first copy met a closed
 * connection (the target does not count that copy as an arrival) and it arrived later on another connection.
 */
export function resent(r: Pick<RaceRow, 'ok' | 'arrived' | 'targetIdleMs' | 'afterClose' | 'idleTimeoutMs'>): boolean {
  if (r.arrived > 1) return true;
  return r.arrived >= 1 && typeof r.targetIdleMs === 'number' && metClosedConnection(r);
}

/**
 * The 95 % t interval of the mean per-PROCESS failure fraction of the exposed requests (metClosedConnection): each
 * client process with at least one exposed request is one unit. NaN bounds below MIN_EXPOSED_PROCESSES processes.
 */
export function exposedInterval(rows: readonly RaceRow[]): BurstInterval {
  const byProcess = new Map<string, { failures: number; requests: number }>();
  for (const r of rows) {
    if (!metClosedConnection(r)) continue;
    const p = byProcess.get(r.process) ?? { failures: 0, requests: 0 };
    p.requests += 1;
    if (!r.ok) p.failures += 1;
    byProcess.set(r.process, p);
  }
  return burstInterval([...byProcess.values()], MIN_EXPOSED_PROCESSES);
}

export interface FailureCell {
  client: string;
  retry: string;
  concurrency: number;
  method: string;
  hint: string;
  idleClose: string;
  idleTimeoutMs: number;
  gapMs: number;
  n: number;
  failures: number;
  /** Bursts in the cell. */
  bursts: number;
  /** Bursts with at least MIN_REUSED_SHARE of their requests on reused connections (descriptive only). */
  exercisedBursts: number;
  /** 95 % t interval of the mean per-burst failure fraction over ALL requests (descriptive; NaN below MIN_BURSTS). */
  interval: BurstInterval;
  /** Requests that met a closed connection (metClosedConnection), and how many of them failed. */
  exposed: number;
  failedExposed: number;
  /** 95 % t interval of the per-process failure fraction of the exposed requests (what the claims use). */
  exposedInterval: BurstInterval;
  /** Failures by error code as the client reported it. */
  byCode: Record<string, number>;
  /** Failed requests whose first copy met a closed connection on the target (metClosedConnection with an arrival). */
  failedArrivedAfterClose: number;
  /** Failed requests whose id never reached the target at all (arrived 0, targetIdleMs null). */
  failedWithoutArriving: number;
  /** Failed requests the target counted as arrivals (closed on after arrival, e.g. by the deterministic race hook). */
  failedAfterArriving: number;
  /** Requests the client sent again (`resent`): an id that arrived twice, or whose first copy met a closed connection. */
  retried: number;
  /** Median ms to failure (null without failures). */
  medianFailureMs: number | null;
  /** Median ms of the successful requests (null without any). */
  medianOkMs: number | null;
  /** Median ms of the resent requests that succeeded (null without any). */
  medianResentOkMs: number | null;
  /**
   * The shared clock (writeExposure): first writes at or after the target's FIN (exposed), before it but read after
   * the close (closed under it), no write time recorded (the client's write channel did not fire: see WriteExposure);
   * and how many requests that met a close on the clock failed. The
   * target-side counts above (exposed, failedExposed) are the older rule, kept for comparison.
   */
  exposedOnClock: number;
  closedUnderIt: number;
  noWriteTime: number;
  failedMetCloseOnClock: number;
}

/** The target mode of a row (hint and close mode): a control only counts in the mode of the rows it gates. */
const modeKey = (r: RaceRow): string => `${r.hint}\u0000${r.idleClose}`;

const cellKey = (r: RaceRow): string =>
  [r.client, r.retry, r.concurrency, r.method, r.hint, r.idleClose, r.idleTimeoutMs, r.gapMs].join('\u0000');

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Failure rate per client × retry × concurrency × method × hint × close mode × T × gap, in first-seen order. */
export function failureCells(rows: readonly RaceRow[]): FailureCell[] {
  const groups = new Map<string, RaceRow[]>();
  for (const r of rows) {
    const key = cellKey(r);
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return [...groups.values()].map((g) => {
    const first = g[0] as RaceRow;
    const failed = g.filter((r) => !r.ok);
    const exposed = g.filter(metClosedConnection);
    const byCode: Record<string, number> = {};
    for (const r of failed) byCode[r.code ?? 'UNKNOWN_ERROR'] = (byCode[r.code ?? 'UNKNOWN_ERROR'] ?? 0) + 1;
    return {
      client: first.client,
      retry: first.retry,
      concurrency: first.concurrency,
      method: first.method,
      hint: first.hint,
      idleClose: first.idleClose,
      idleTimeoutMs: first.idleTimeoutMs,
      gapMs: first.gapMs,
      n: g.length,
      failures: failed.length,
      bursts: new Set(g.map((r) => r.burst)).size,
      exercisedBursts: burstReuse(g).filter((b) => b.exercised).length,
      interval: burstIntervalOf(g),
      exposed: exposed.length,
      failedExposed: exposed.filter((r) => !r.ok).length,
      exposedInterval: exposedInterval(g),
      byCode,
      failedArrivedAfterClose: failed.filter((r) => typeof r.targetIdleMs === 'number' && metClosedConnection(r))
        .length,
      failedWithoutArriving: failed.filter((r) => r.arrived === 0 && r.targetIdleMs === null).length,
      failedAfterArriving: failed.filter((r) => r.arrived > 0).length,
      retried: g.filter(resent).length,
      medianFailureMs: median(failed.map((r) => r.elapsedMs)),
      medianOkMs: median(g.filter((r) => r.ok).map((r) => r.elapsedMs)),
      medianResentOkMs: median(g.filter((r) => r.ok && resent(r)).map((r) => r.elapsedMs)),
      exposedOnClock: g.filter((r) => writeExposure(r) === 'exposed').length,
      closedUnderIt: g.filter((r) => writeExposure(r) === 'closed-under-it').length,
      noWriteTime: g.filter((r) => writeExposure(r) === 'no-write-time').length,
      failedMetCloseOnClock: g.filter((r) => metCloseOnClock(r) && !r.ok).length,
    };
  });
}

/** The burst interval of rows: grouped by burst, each burst one failure fraction (descriptive since the revision). */
export function burstIntervalOf(rows: readonly RaceRow[]): BurstInterval {
  const bursts = new Map<string, { failures: number; requests: number }>();
  for (const r of rows) {
    const b = bursts.get(r.burst) ?? { failures: 0, requests: 0 };
    b.requests += 1;
    if (!r.ok) b.failures += 1;
    bursts.set(r.burst, b);
  }
  return burstInterval([...bursts.values()]);
}

const STATISTIC = 'failure rate of requests that met a closed connection (mean over client processes)';
const RULE_REVISED =
  'rule revised after seeing runs keepalive-races-7f052af5, -e235cc55 and -3c964fce: decided per request that met a closed connection, the client process as the unit';

/** An unresolved rate claim: no interval, the reason and counts in the evidence. */
function unresolvedRateClaim(id: string, claim: string, threshold: Threshold, evidence: Evidence): VerdictData {
  return quantityClaim({
    id,
    claim,
    statistic: STATISTIC,
    interval: { median: Number.NaN, low: Number.NaN, high: Number.NaN, coverage: 0.95, n: 0 },
    threshold,
    evidence,
  });
}

/** Why `rows` cannot decide a rate claim (too few exposed requests or processes), or null when they can. */
export function notExercisedBecause(rows: readonly RaceRow[]): string | null {
  const iv = exposedInterval(rows);
  if (iv.requests < MIN_EXPOSED) return `${NOT_EXERCISED}: ${iv.requests} exposed < ${MIN_EXPOSED}`;
  if (iv.bursts < MIN_EXPOSED_PROCESSES)
    return `${NOT_EXERCISED}: exposed requests in ${iv.bursts} client processes < ${MIN_EXPOSED_PROCESSES}`;
  return null;
}

/**
 * A rate claim over `rows` (gaps pooled), decided on the requests that met a closed connection, one fraction per
 * client process; unresolved (NOT_EXERCISED) below MIN_EXPOSED exposed requests or MIN_EXPOSED_PROCESSES processes.
 */
function rateClaim(id: string, claim: string, rows: readonly RaceRow[], threshold: Threshold): VerdictData {
  const e = rateEstimate(rows, metClosedConnection, (r) => !r.ok);
  const common = {
    counts: rateCountsText(e, 'requests that met a closed connection', 'failed'),
    requests: rows.length,
    failures: rows.filter((r) => !r.ok).length,
    exposed: e.requests,
    failedExposed: e.events,
    processes: e.processes,
    failedUnexposed: rows.filter((r) => !r.ok && !metClosedConnection(r)).length,
    rule: RULE_REVISED,
  };
  const why = notExercisedBecause(rows);
  if (why !== null) return unresolvedRateClaim(id, claim, threshold, { ...guardEvidence(why), ...common });
  return quantityClaim({
    id,
    claim,
    statistic: STATISTIC,
    interval: { median: e.rate, low: e.low, high: e.high, coverage: 0.95, n: e.processes },
    threshold,
    evidence: { ...common, ...intervalEvidence(e) },
  });
}

/** The control's gate for a "fails no request" claim: whether it raced, and a precise sentence on what it showed. */
export function controlGate(
  controlRows: readonly RaceRow[],
  controlMinRate: number = SOME_FAILURE_MIN_RATE,
): { raced: boolean; interval: BurstInterval; estimate: RateEstimate; text: string } {
  const iv = exposedInterval(controlRows);
  const e = rateEstimate(controlRows, metClosedConnection, (r) => !r.ok);
  const why = notExercisedBecause(controlRows);
  const counts = `failed ${e.events} of ${e.requests} requests that met a closed connection, in ${e.processes} of ${e.processesInRows} client processes; 95 % interval ${estimateText(e)}`;
  if (why !== null) return { raced: false, interval: iv, estimate: e, text: `${counts}: ${why}` };
  const raced = e.low > controlMinRate;
  return {
    raced,
    interval: iv,
    estimate: e,
    text: raced
      ? `${counts}: the lower end is above ${controlMinRate * 100} %, the race occurred`
      : `${counts}: the lower end is not above ${controlMinRate * 100} %`,
  };
}

/**
 * "`client` fails no `method` request" for the rows given (one hint and close mode: filter before), over their gaps
 * pooled: the upper end of the exposed-request interval below `maxRate`; fails when the lower end is at or above it.
 */
export function noFailureClaim(input: {
  id: string;
  client: string;
  method: string;
  rows: readonly RaceRow[];
  condition: string;
  maxRate?: number;
  /**
   * The positive control: a client without idle-socket validation or retry, run in the same rounds (its rows; only
   * those with the same method, target mode and gaps count). When given, the claim is decided only if the control
   * raced (controlGate: the lower end of its exposed-request interval above `controlMinRate`). Otherwise unresolved.
   */
  control?: { client: string; rows: readonly RaceRow[] };
  /** The control's bar (default SOME_FAILURE_MIN_RATE, the bar of a "fails some requests" claim). */
  controlMinRate?: number;
}): VerdictData {
  const maxRate = input.maxRate ?? NO_FAILURE_MAX_RATE;
  const below: Threshold = { below: maxRate };
  const controlMinRate = input.controlMinRate ?? SOME_FAILURE_MIN_RATE;
  const mine = input.rows.filter((r) => r.client === input.client && r.method === input.method);
  const claim = `${input.condition}, ${input.client} fails no ${input.method} request that met a closed connection (upper end of the 95 % interval below ${maxRate * 100} %: ${INTERVAL_RULE}; gaps pooled, ≥ ${MIN_EXPOSED} exposed requests${input.control ? `; decided only while ${input.control.client} without a defence failed more than ${controlMinRate * 100} % of its exposed requests (lower end) in the same rounds, mode and gaps` : ''}; ${RULE_REVISED})`;
  const gaps = new Set(mine.map((r) => r.gapMs));
  const modes = new Set(mine.map(modeKey));
  const controlRows = input.control
    ? input.control.rows.filter(
        (r) =>
          r.client === input.control?.client && r.method === input.method && gaps.has(r.gapMs) && modes.has(modeKey(r)),
      )
    : [];
  const gate = controlGate(controlRows, controlMinRate);
  const controlEvidence = input.control
    ? {
        controlExposed: gate.estimate.requests,
        controlFailedExposed: gate.estimate.events,
        controlProcesses: gate.estimate.processes,
        controlRateLow: gate.estimate.low,
      }
    : {};
  if (input.control && !gate.raced)
    return unresolvedRateClaim(input.id, claim, below, {
      ...guardEvidence(`the race was not shown to occur: the control ${input.control.client} ${gate.text}`),
      requests: mine.length,
      failures: mine.filter((r) => !r.ok).length,
      exposed: mine.filter(metClosedConnection).length,
      ...controlEvidence,
    });
  const v = rateClaim(input.id, claim, mine, below);
  return { ...v, evidence: { ...v.evidence, gaps: gaps.size, ...controlEvidence } };
}

/**
 * "`client` fails some `method` requests at gaps in (fromMs, toMs)": the exposed-request failure rate pooled over
 * those gaps has the lower end of its 95 % interval (over processes) above `minRate`; fails when the upper end is at
 * or below it.
 */
export function someFailuresClaim(input: {
  id: string;
  client: string;
  method: string;
  rows: readonly RaceRow[];
  condition: string;
  gapRangeMs: [number, number];
  minRate?: number;
}): VerdictData {
  const minRate = input.minRate ?? SOME_FAILURE_MIN_RATE;
  const [from, to] = input.gapRangeMs;
  const inRange = input.rows.filter(
    (r) => r.client === input.client && r.method === input.method && r.gapMs > from && r.gapMs < to,
  );
  return rateClaim(
    input.id,
    `${input.condition}, ${input.client} fails more than ${minRate * 100} % of the ${input.method} requests that met a closed connection at gaps in (${from}, ${to}) ms (lower end of the 95 % interval above ${minRate}: ${INTERVAL_RULE}; ≥ ${MIN_EXPOSED} exposed requests; ${RULE_REVISED})`,
    inRange,
    { above: minRate },
  );
}

/**
 * Whether a request met a close that a retry would answer by sending it again: it met a closed connection
 * (metClosedConnection), or it reached the target and was closed on unanswered (the deterministic race: arrived,
 * served 0), or it was resent. Only such a request can show a resend: the denominator of noRetryClaim.
 */
export function couldShowResend(r: RaceRow): boolean {
  return metClosedConnection(r) || (r.arrived >= 1 && r.served === 0) || resent(r);
}

/**
 * "`client` never sends a `method` request twice": a count, no interval. Holds when no request was resent (`resent`:
 * an id arrived twice, or its first copy met a closed connection and it arrived later); the evidence counts the
 * requests that could show a resend (couldShowResend), the denominator, beside all requests sent.
 *
 * `kind` 'sanity' is for a client (and retry setting) with no retry that could resend this method — no retry feature
 * at all, or one whose method list excludes it: there a second arrival would mean the harness duplicated a request,
 * not a finding about the client, so the check is shown but never counted. Only a client whose retry could apply
 * makes it a claim. With no request that could show a resend (and none resent) it is unresolved, with that reason.
 */
export function noRetryClaim(input: {
  id: string;
  client: string;
  method: string;
  rows: readonly RaceRow[];
  kind?: 'claim' | 'sanity';
}): VerdictData {
  const rows = input.rows.filter((r) => r.client === input.client && r.method === input.method);
  const could = rows.filter(couldShowResend);
  const retried = rows.filter(resent);
  const failed = rows.filter((r) => !r.ok);
  const nothing = could.length === 0 && retried.length === 0;
  return (input.kind === 'sanity' ? sanityCheck : countClaim)({
    id: input.id,
    claim: `${input.client} never sends a ${input.method} request twice (no id arrived twice, and none whose first copy met a closed connection arrived later), over the ${could.length} requests that met a close and so could show a resend`,
    holds: could.length > 0 && retried.length === 0,
    unresolved: nothing,
    evidence: {
      ...(nothing ? guardEvidence(`no ${input.method} met a close, so none could show a resend`) : {}),
      couldShowResend: could.length,
      requestsSent: rows.length,
      failed: failed.length,
      retried: retried.length,
      maxArrivals: rows.reduce((m, r) => Math.max(m, r.arrived), 0),
    },
  });
}

/**
 * Sanity: the client's and the target's views agree. Every request the client saw succeed arrived and was answered at
 * least once (otherwise the id join is broken), and nothing was answered that the client did not see succeed more
 * than once per arrival.
 */
export function joinSanity(id: string, rows: readonly RaceRow[]): VerdictData {
  const okUnseen = rows.filter((r) => r.ok && (r.arrived < 1 || r.served < 1)).length;
  const servedMoreThanArrived = rows.filter((r) => r.served > r.arrived).length;
  return sanityCheck({
    id,
    claim:
      'every request the client saw succeed arrived at the target and was answered; no id answered more often than it arrived',
    holds: okUnseen === 0 && servedMoreThanArrived === 0,
    evidence: { requests: rows.length, okUnseen, servedMoreThanArrived },
  });
}

/** Sanity: after each run (client process gone) the target holds no connection but stalled ones, which it releases. */
export function noLeakSanity(
  id: string,
  runs: readonly { client: string; openAfter: number; counters: { stalledConnections: number } }[],
): VerdictData {
  const leaks = runs.filter((r) => r.openAfter > r.counters.stalledConnections);
  return sanityCheck({
    id,
    claim: 'after every run the target holds no open connection other than stalled ones',
    holds: leaks.length === 0,
    evidence: {
      runs: runs.length,
      runsWithLeaks: leaks.length,
      leaked: leaks.reduce((s, r) => s + r.openAfter - r.counters.stalledConnections, 0),
    },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Intervals that do not collapse, and the shared clock (revised after a maintainer's review of the run of commit
// 6c927df's code; see the notebook's claims cell). Stated here before the next run.
// ---------------------------------------------------------------------------------------------------------------

/** How every rate claim below reads its 95 % interval (see rateEstimate). */
export const INTERVAL_RULE =
  'the more conservative of Clopper–Pearson on the pooled requests and Student t over per-process fractions';

/** A proportion estimated two ways, and the interval a claim is decided on. */
export interface RateEstimate {
  /** Events (failures, stale writes) among the requests counted, pooled over processes. */
  events: number;
  requests: number;
  /** Pooled events / requests (NaN with none). */
  rate: number;
  /** Client processes with at least one request counted, and client processes in the rows given. */
  processes: number;
  processesInRows: number;
  /** Student t over per-process fractions (the process is the unit); NaN bounds below MIN_EXPOSED_PROCESSES. */
  perProcess: BurstInterval;
  /**
   * Clopper–Pearson on the pooled counts. It does not collapse to a point when every process has the same fraction
   * (0 of 912 gives 0–0.40 %, where t over ten 0/1 fractions gives 0–0), but it treats requests as independent.
   */
  pooled: BinomialInterval;
  /** The more conservative of the two: the lower low end and the higher high end (NaN when either is missing). */
  low: number;
  high: number;
}

/**
 * The rate of `isEvent` among the rows `counted` selects: pooled (Clopper–Pearson) and per process (t), and the
 * hull of the two that claims decide on. A claim cannot hold on the narrower of two intervals.
 */
export function rateEstimate(
  rows: readonly RaceRow[],
  counted: (r: RaceRow) => boolean,
  isEvent: (r: RaceRow) => boolean,
): RateEstimate {
  const byProcess = new Map<string, { failures: number; requests: number }>();
  for (const r of rows) {
    if (!counted(r)) continue;
    const p = byProcess.get(r.process) ?? { failures: 0, requests: 0 };
    p.requests += 1;
    if (isEvent(r)) p.failures += 1;
    byProcess.set(r.process, p);
  }
  const perProcess = burstInterval([...byProcess.values()], MIN_EXPOSED_PROCESSES);
  const pooled = binomialInterval(perProcess.failures, perProcess.requests);
  const both = Number.isFinite(perProcess.low) && perProcess.requests > 0;
  return {
    events: perProcess.failures,
    requests: perProcess.requests,
    rate: pooled.rate,
    processes: perProcess.bursts,
    processesInRows: new Set(rows.map((r) => r.process)).size,
    perProcess,
    pooled,
    low: both ? Math.min(perProcess.low, pooled.low) : Number.NaN,
    high: both ? Math.max(perProcess.high, pooled.high) : Number.NaN,
  };
}

const pct2 = (x: number): string => (Number.isFinite(x) ? (x * 100).toFixed(2) : '—');

/** Both intervals as the evidence states them: "0.00–0.40 % pooled (Clopper–Pearson), 0.00–0.00 % over 10 processes" */
export function estimateText(e: RateEstimate): string {
  const t = Number.isFinite(e.perProcess.low)
    ? `${pct2(e.perProcess.low)}–${pct2(e.perProcess.high)} % over ${e.processes} processes`
    : `none over processes (${e.processes} < ${MIN_EXPOSED_PROCESSES})`;
  return `${pct2(e.pooled.low)}–${pct2(e.pooled.high)} % pooled (Clopper–Pearson), ${t}`;
}

/** "0 of 912 GETs that met a closed connection failed, in 10 of 10 client processes": the counts, never rounded. */
export function rateCountsText(e: RateEstimate, what: string, verb: string): string {
  return `${e.events} of ${e.requests} ${what} ${verb}, in ${e.processes} of ${e.processesInRows} client processes`;
}

/** The evidence entries of both intervals (the claim's own interval is their hull). */
function intervalEvidence(e: RateEstimate): Evidence {
  return {
    interval: INTERVAL_RULE,
    pooledLow: e.pooled.low,
    pooledHigh: e.pooled.high,
    perProcessLow: e.perProcess.low,
    perProcessHigh: e.perProcess.high,
    intervals: estimateText(e),
  };
}

/**
 * Where a request's FIRST write met the target's close, on the shared clock (the client's write time and the target's
 * FIN time are both µs of CLOCK_MONOTONIC):
 * - 'exposed': written at or after the target's FIN on that connection: the client wrote on a connection the server
 *   had already closed (what an idle-socket check exists to avoid);
 * - 'closed-under-it': written before the FIN, in the idle period the FIN ended, and so never answered on it: the
 *   server's own race (its close timer fired, maybe late, with the request already on its way), which no client-side
 *   check can avoid;
 * - 'open': written on a connection the target did not close in that idle period (or a new one);
 * - 'no-write-time': no write time recorded — the client's write channel did not fire (race-writes.ts). Not "never
 *   written": got writes a POST body with write() and calls end() only after its callback, and Node publishes
 *   http.client.request.start from _finish (after end()), so a reset between the two leaves no stamp although the
 *   bytes went out (the target may even have seen the request arrive on a connection it had closed); a request the
 *   client failed before any write (on a socket it had seen close) has none either;
 * - 'not-joined': written, but no target connection matched its port and time;
 * - 'not-recorded': a run recorded before the shared clock.
 */
export type WriteExposure = 'exposed' | 'closed-under-it' | 'open' | 'no-write-time' | 'not-joined' | 'not-recorded';

/** Where a row's first write met the target's close (WriteExposure), from its write, join and FIN fields. */
export function writeExposure(r: Pick<RaceRow, 'writtenAtUs' | 'targetConnection' | 'finAtUs'>): WriteExposure {
  if (r.writtenAtUs === undefined) return 'not-recorded';
  if (r.writtenAtUs === null) return 'no-write-time';
  if (r.targetConnection === undefined || r.targetConnection === null) return 'not-joined';
  if (r.finAtUs === undefined || r.finAtUs === null) return 'open';
  return r.writtenAtUs >= r.finAtUs ? 'exposed' : 'closed-under-it';
}

/** ms from the target's FIN to the first write (positive: written after the FIN); null without both. */
export function writtenAfterFinMs(r: Pick<RaceRow, 'writtenAtUs' | 'finAtUs'>): number | null {
  if (typeof r.writtenAtUs !== 'number' || typeof r.finAtUs !== 'number') return null;
  return (r.writtenAtUs - r.finAtUs) / 1000;
}

/**
 * Where the first write LANDED relative to T: ms from the target's due close of the idle period it went into (that
 * period's start + T) to the write; negative: before the close was due. null on a new connection (no idle period) or
 * without a write. Unlike the client's gap it is measured on the target's idle clock, so clients that arm their gap at
 * different moments (a slower client's first warm-up ends later) are compared at the same landing.
 */
export function landingMs(r: Pick<RaceRow, 'writtenAtUs' | 'dueAtUs'>): number | null {
  if (typeof r.writtenAtUs !== 'number' || typeof r.dueAtUs !== 'number') return null;
  return (r.writtenAtUs - r.dueAtUs) / 1000;
}

/**
 * Whether a request met a closed connection, on the shared clock: exposed or closed under it (writeExposure). Rows
 * recorded before the clock fall back to the target-side rule (metClosedConnection), which is kept for comparison.
 */
export function metCloseOnClock(r: RaceRow): boolean {
  const w = writeExposure(r);
  if (w === 'not-recorded') return metClosedConnection(r);
  return w === 'exposed' || w === 'closed-under-it';
}

/** Whether the client sent the request again: it wrote it twice or more, or the target saw a resend (`resent`). */
export function resentOnClock(r: RaceRow): boolean {
  return (r.writes ?? 0) >= 2 || resent(r);
}

/**
 * A write is STALE when the target's FIN on its connection went out more than STALE_FIN_MS before the client began
 * writing that burst (its first write of the burst): the FIN was then in the client's kernel before the client wrote
 * anything of the burst, where an idle-socket check that yields once before writing (undici's, see the notebook) sees
 * it. A FIN that arrives while the burst is being written is not seen by such a check: that is its design, not a miss,
 * so it is not counted. 1 ms: loopback delivers a FIN in tens of µs; the rest is the client's own event loop.
 */
export const STALE_FIN_MS = 1;

/**
 * The landing window of the exposure claims: first writes on a kept connection that landed from 3 ms before to 20 ms
 * after the target's due close (landingMs). The gaps put writes from T − 3 ms on; 20 ms covers the usual lateness of
 * the target's close timer, and leaves out the writes of a client that arms its gap late (so clients are compared on
 * matched landings, not on where their schedule happened to put them).
 */
export const EXPOSURE_WINDOW_MS: readonly [number, number] = [-3, 20];

/** Per burst, the client's first write of that burst (µs on the shared clock); bursts with no write are absent. */
export function burstWriteStarts(rows: readonly RaceRow[]): Map<string, number> {
  const starts = new Map<string, number>();
  for (const r of rows) {
    if (typeof r.writtenAtUs !== 'number') continue;
    const known = starts.get(r.burst);
    if (known === undefined || r.writtenAtUs < known) starts.set(r.burst, r.writtenAtUs);
  }
  return starts;
}

/** Whether a row's first write is stale (see STALE_FIN_MS) given its burst's first write. */
export function staleWrite(r: RaceRow, burstStartUs: number | undefined, staleMs: number = STALE_FIN_MS): boolean {
  if (burstStartUs === undefined || writeExposure(r) !== 'exposed') return false;
  return (r.finAtUs as number) < burstStartUs - staleMs * 1000;
}

/** Whether a first write went to a kept connection (one with an idle period) and landed within `windowMs`. */
export function landedInWindow(r: RaceRow, windowMs: readonly [number, number] = EXPOSURE_WINDOW_MS): boolean {
  const at = landingMs(r);
  return at !== null && at >= windowMs[0] && at <= windowMs[1];
}

/** The stale-write rate of `rows` (one client and method) over the first writes on kept connections in the window. */
export function staleWriteEstimate(
  rows: readonly RaceRow[],
  windowMs: readonly [number, number] = EXPOSURE_WINDOW_MS,
  staleMs: number = STALE_FIN_MS,
): RateEstimate {
  const starts = burstWriteStarts(rows);
  return rateEstimate(
    rows,
    (r) => landedInWindow(r, windowMs),
    (r) => staleWrite(r, starts.get(r.burst), staleMs),
  );
}

const windowText = (w: readonly [number, number]): string =>
  `[T${w[0] < 0 ? '−' : '+'}${Math.abs(w[0])} ms, T+${w[1]} ms]`;

const STALE_STATISTIC = 'share of first writes on a kept connection in the window that were stale';

/** Why the exposure verdicts are exploratory (see the header's last revision): printed in their claim and evidence. */
export const EXPOSURE_EXPLORATORY =
  "rule set after seeing earlier runs; the share on kept connections is set by when a client's writes land, see the landing table";

/** Requests of `rows` with no write time (writeExposure 'no-write-time'), and how many the target saw after its close. */
export function noWriteTime(rows: readonly RaceRow[]): { requests: number; arrivedAfterClose: number } {
  const none = rows.filter((r) => writeExposure(r) === 'no-write-time');
  return { requests: none.length, arrivedAfterClose: none.filter((r) => r.afterClose === true).length };
}

/** "no write time for N requests (k of them reached the target on a connection it had closed)". */
export function noWriteTimeText(n: { requests: number; arrivedAfterClose: number }): string {
  return `no write time for ${n.requests} requests (${n.arrivedAfterClose} of them reached the target on a connection it had closed; the client's write channel did not fire)`;
}

/**
 * The EXPLORATORY verdict about exposure, per client (never counted, see EXPOSURE_EXPLORATORY): where its first writes
 * on kept connections that landed in the window went onto a connection whose FIN the target had sent more than
 * `staleMs` before the client began writing the burst (staleWrite). Its window and its denominator (kept connections
 * only) were set after seeing earlier runs; landingBins shows the same writes over all first writes, by landing.
 * - 'none' (a client with an idle-socket check): the upper end of the interval (INTERVAL_RULE) below `maxRate`;
 *   decided only while the control (a client without a check) wrote stale on more than `controlMinRate` of its own
 *   writes in the window (lower end), same method, target mode and gaps, otherwise unresolved;
 * - 'some' (a client without one): the lower end above `minRate`.
 * Unresolved (not exercised) below MIN_EXPOSED writes in the window or MIN_EXPOSED_PROCESSES processes, and unresolved
 * ("no write time for N requests") when the requests with no write time are at least as many as the writes in the
 * window.
 */
export function exposureClaim(input: {
  id: string;
  client: string;
  method: string;
  rows: readonly RaceRow[];
  condition: string;
  expect: 'none' | 'some';
  windowMs?: readonly [number, number];
  staleMs?: number;
  /** Bar of 'none' (default NO_FAILURE_MAX_RATE). */
  maxRate?: number;
  /** Bar of 'some' and of the control (default SOME_FAILURE_MIN_RATE). */
  minRate?: number;
  control?: { client: string; rows: readonly RaceRow[] };
}): VerdictData {
  const windowMs = input.windowMs ?? EXPOSURE_WINDOW_MS;
  const staleMs = input.staleMs ?? STALE_FIN_MS;
  const maxRate = input.maxRate ?? NO_FAILURE_MAX_RATE;
  const minRate = input.minRate ?? SOME_FAILURE_MIN_RATE;
  const mine = input.rows.filter((r) => r.client === input.client && r.method === input.method);
  const e = staleWriteEstimate(mine, windowMs, staleMs);
  const what = `first ${input.method} writes on a kept connection landing in ${windowText(windowMs)}`;
  const stale = `onto a connection whose FIN the target had sent more than ${staleMs} ms before the client began writing that burst`;
  const minimum = `≥ ${MIN_EXPOSED} such writes in ≥ ${MIN_EXPOSED_PROCESSES} client processes, else unresolved`;
  const threshold: Threshold = input.expect === 'none' ? { below: maxRate } : { above: minRate };
  const claim = `(exploratory: ${EXPOSURE_EXPLORATORY}) ${
    input.expect === 'none'
      ? `${input.condition}, ${input.client}'s idle-socket check: at most ${maxRate * 100} % of its ${what} went ${stale} (upper end of the 95 % interval below ${maxRate * 100} %: ${INTERVAL_RULE}; ${minimum}${input.control ? `; decided only while ${input.control.client}, with no check before reuse beyond the Agent's 'close' handling, wrote more than ${minRate * 100} % of its own such writes that way (lower end) in the same rounds, mode and gaps` : ''})`
      : `${input.condition}, ${input.client} (no check before reuse beyond the Agent's 'close' handling) writes more than ${minRate * 100} % of its ${what} ${stale} (lower end of the 95 % interval above ${minRate * 100} %: ${INTERVAL_RULE}; ${minimum})`
  }`;
  const none = noWriteTime(mine);
  const evidence: Evidence = {
    exploratory: EXPOSURE_EXPLORATORY,
    counts: rateCountsText(e, what, `went ${stale}`),
    writesInWindow: e.requests,
    stale: e.events,
    processes: e.processes,
    requests: mine.length,
    exposedAll: mine.filter((r) => writeExposure(r) === 'exposed').length,
    closedUnderIt: mine.filter((r) => writeExposure(r) === 'closed-under-it').length,
    noWriteTime: none.requests,
    noWriteTimeArrivedAfterClose: none.arrivedAfterClose,
    notJoined: mine.filter((r) => writeExposure(r) === 'not-joined').length,
    window: windowText(windowMs),
    staleMs,
  };
  const unresolved = (reason: string, more: Evidence = {}): VerdictData =>
    quantityClaim({
      id: input.id,
      kind: 'exploratory',
      claim,
      statistic: STALE_STATISTIC,
      interval: { median: Number.NaN, low: Number.NaN, high: Number.NaN, coverage: 0.95, n: 0 },
      threshold,
      evidence: { ...guardEvidence(reason), ...evidence, ...more },
    });
  if (none.requests > 0 && none.requests >= e.requests) return unresolved(noWriteTimeText(none));
  if (e.requests < MIN_EXPOSED || e.processes < MIN_EXPOSED_PROCESSES)
    return unresolved(
      `${NOT_EXERCISED}: ${e.requests} writes in the window in ${e.processes} client processes (< ${MIN_EXPOSED} or < ${MIN_EXPOSED_PROCESSES})`,
    );
  if (input.expect === 'none' && input.control) {
    const control = input.control;
    const gaps = new Set(mine.map((r) => r.gapMs));
    const modes = new Set(mine.map(modeKey));
    const controlRows = control.rows.filter(
      (r) => r.client === control.client && r.method === input.method && gaps.has(r.gapMs) && modes.has(modeKey(r)),
    );
    const c = staleWriteEstimate(controlRows, windowMs, staleMs);
    const controlEvidence: Evidence = {
      controlCounts: rateCountsText(c, what, 'were stale'),
      controlStaleLow: c.low,
      controlIntervals: estimateText(c),
    };
    const raced = c.requests >= MIN_EXPOSED && c.processes >= MIN_EXPOSED_PROCESSES && c.low > minRate;
    if (!raced)
      return unresolved(
        `the race was not shown to occur: the control ${control.client} wrote ${c.events} of ${c.requests} such writes stale, in ${c.processes} client processes (interval ${estimateText(c)}), not more than ${minRate * 100} % at the lower end`,
        controlEvidence,
      );
    Object.assign(evidence, controlEvidence);
  }
  return quantityClaim({
    id: input.id,
    kind: 'exploratory',
    claim,
    statistic: STALE_STATISTIC,
    interval: { median: e.rate, low: e.low, high: e.high, coverage: 0.95, n: e.processes },
    threshold,
    evidence: { ...evidence, ...intervalEvidence(e) },
  });
}

/**
 * Sanity, for a client with no retry in force for `method`: every request that met a closed connection on the shared
 * clock (exposed or closed under it) failed. It holds by construction — the target never answers a request that
 * reaches it after it closed the connection — so it is shown, not counted: a success there would mean the harness
 * (the join, the clock, the target) is broken. Requests with no write time (writeExposure 'no-write-time': the client's
 * write channel did not fire) are counted apart; when they are at least as many as the requests that met a close on
 * the clock, the check is unresolved ("no write time for N requests"), never a vacuous hold.
 */
export function failsWhenClosedSanity(input: {
  id: string;
  client: string;
  method: string;
  rows: readonly RaceRow[];
}): VerdictData {
  const mine = input.rows.filter((r) => r.client === input.client && r.method === input.method);
  const met = mine.filter(metCloseOnClock);
  const e = rateEstimate(mine, metCloseOnClock, (r) => !r.ok);
  const unstamped = mine.filter((r) => writeExposure(r) === 'no-write-time');
  const none = noWriteTime(mine);
  // A success among the met requests fails the check whatever else is missing; otherwise too few stamps decide nothing.
  const undecided = none.requests > 0 && none.requests >= met.length && met.every((r) => !r.ok);
  return sanityCheck({
    id: input.id,
    claim: `without a retry, every ${input.method} of ${input.client} that met a closed connection (written after the target's FIN, or before it and read after the close) fails, because the target never answers it${met.length === 0 && !undecided ? ' (none met one in these rows: unresolved)' : ''}`,
    holds: met.length > 0 && met.every((r) => !r.ok),
    // Nothing to check (none met one) is unresolved, never a vacuous hold.
    unresolved: undecided || (met.length === 0 && none.requests === 0),
    evidence: {
      ...(undecided ? guardEvidence(noWriteTimeText(none)) : {}),
      ...(met.length === 0 && none.requests === 0
        ? guardEvidence('none met one: no request met a closed connection')
        : {}),
      counts: rateCountsText(e, `${input.method}s that met a closed connection`, 'failed'),
      metClose: met.length,
      exposed: met.filter((r) => writeExposure(r) === 'exposed').length,
      closedUnderIt: met.filter((r) => writeExposure(r) === 'closed-under-it').length,
      succeeded: met.filter((r) => r.ok).length,
      noWriteTime: none.requests,
      noWriteTimeArrivedAfterClose: none.arrivedAfterClose,
      failedNoWriteTime: unstamped.filter((r) => !r.ok).length,
    },
  });
}

/**
 * "`client`'s retry resends every `method` that met a closed connection, and none fails" (natural race, shared
 * clock): a count claim over the requests that met a closed connection (metCloseOnClock). Fails when any of them
 * failed or was not sent again (resentOnClock); unresolved (not exercised) with fewer than MIN_EXPOSED of them or
 * fewer than MIN_EXPOSED_PROCESSES processes and none failed. Both intervals of the failure rate are in the evidence.
 */
export function retryResendsClaim(input: {
  id: string;
  client: string;
  method: string;
  rows: readonly RaceRow[];
  condition: string;
}): VerdictData {
  const mine = input.rows.filter((r) => r.client === input.client && r.method === input.method);
  const met = mine.filter(metCloseOnClock);
  const e = rateEstimate(mine, metCloseOnClock, (r) => !r.ok);
  const failed = met.filter((r) => !r.ok).length;
  const notResent = met.filter((r) => !resentOnClock(r)).length;
  const tooFew = e.requests < MIN_EXPOSED || e.processes < MIN_EXPOSED_PROCESSES;
  return countClaim({
    id: input.id,
    claim: `${input.condition}, ${input.client}'s retry sends again every ${input.method} that met a closed connection (written after the target's FIN, or before it and read after the close), and none of them fails (count; ≥ ${MIN_EXPOSED} such requests in ≥ ${MIN_EXPOSED_PROCESSES} client processes, else unresolved unless one failed)`,
    holds: !tooFew && failed === 0 && notResent === 0,
    unresolved: tooFew && failed === 0 && notResent === 0,
    evidence: {
      ...(tooFew && failed === 0 && notResent === 0
        ? guardEvidence(
            `${NOT_EXERCISED}: ${e.requests} ${input.method}s that met a closed connection in ${e.processes} client processes (< ${MIN_EXPOSED} or < ${MIN_EXPOSED_PROCESSES})`,
          )
        : {}),
      counts: rateCountsText(e, `${input.method}s that met a closed connection`, 'failed'),
      metClose: met.length,
      failed,
      notResent,
      resent: met.length - notResent,
      medianResentOkMs: median(met.filter((r) => r.ok).map((r) => r.elapsedMs)),
      ...intervalEvidence(e),
    },
  });
}

/** One client × method on the shared clock: where its first writes landed and how they met the target's close. */
export interface ClockSummary {
  client: string;
  method: string;
  requests: number;
  /** Requests with no write time recorded (the client's write channel did not fire; see WriteExposure). */
  noWriteTime: number;
  notJoined: number;
  /** First writes on a kept connection (an idle period), and those that landed in the window. */
  onKept: number;
  inWindow: number;
  /** Of all requests: exposed (written at or after the FIN), closed under it, and stale (STALE_FIN_MS). */
  exposed: number;
  closedUnderIt: number;
  stale: number;
  /** The same three, for the writes that landed in the window only (the matched-landing comparison). */
  exposedInWindow: number;
  closedUnderItInWindow: number;
  staleInWindow: number;
  /** landingMs over the first writes on kept connections: min, median, max (null without any). */
  landingMinMs: number | null;
  landingMedianMs: number | null;
  landingMaxMs: number | null;
  /** writtenAfterFinMs over the exposed writes: median and max (null without any). */
  afterFinMedianMs: number | null;
  afterFinMaxMs: number | null;
  /** The target-side rule kept for comparison (metClosedConnection), and the failures of requests that met a close. */
  metClosedTargetSide: number;
  failedMetClose: number;
}

const r2 = (x: number | null): number | null => (x === null ? null : Math.round(x * 100) / 100);

/** Rows grouped by client and method, in the order each group first appears. */
function byClientAndMethod(rows: readonly RaceRow[]): Map<string, RaceRow[]> {
  const groups = new Map<string, RaceRow[]>();
  for (const r of rows) {
    const key = `${r.client}\u0000${r.method}`;
    const g = groups.get(key);
    if (g) g.push(r);
    else groups.set(key, [r]);
  }
  return groups;
}

/** Per client × method (first-seen order): the shared clock's view of the writes, all and within the window. */
export function clockSummaries(
  rows: readonly RaceRow[],
  windowMs: readonly [number, number] = EXPOSURE_WINDOW_MS,
  staleMs: number = STALE_FIN_MS,
): ClockSummary[] {
  const groups = byClientAndMethod(rows);
  return [...groups.values()].map((g) => {
    const first = g[0] as RaceRow;
    const starts = burstWriteStarts(g);
    const isStale = (r: RaceRow): boolean => staleWrite(r, starts.get(r.burst), staleMs);
    const kind = (k: WriteExposure) => (r: RaceRow) => writeExposure(r) === k;
    const inWindow = g.filter((r) => landedInWindow(r, windowMs));
    const landings = g
      .map(landingMs)
      .filter((x): x is number => x !== null)
      .sort((a, b) => a - b);
    const afterFin = g
      .filter(kind('exposed'))
      .map(writtenAfterFinMs)
      .filter((x): x is number => x !== null)
      .sort((a, b) => a - b);
    return {
      client: first.client,
      method: first.method,
      requests: g.length,
      noWriteTime: g.filter(kind('no-write-time')).length,
      notJoined: g.filter(kind('not-joined')).length,
      onKept: landings.length,
      inWindow: inWindow.length,
      exposed: g.filter(kind('exposed')).length,
      closedUnderIt: g.filter(kind('closed-under-it')).length,
      stale: g.filter(isStale).length,
      exposedInWindow: inWindow.filter(kind('exposed')).length,
      closedUnderItInWindow: inWindow.filter(kind('closed-under-it')).length,
      staleInWindow: inWindow.filter(isStale).length,
      landingMinMs: r2(landings[0] ?? null),
      landingMedianMs: r2(median(landings)),
      landingMaxMs: r2(landings[landings.length - 1] ?? null),
      afterFinMedianMs: r2(median(afterFin)),
      afterFinMaxMs: r2(afterFin[afterFin.length - 1] ?? null),
      metClosedTargetSide: g.filter(metClosedConnection).length,
      failedMetClose: g.filter((r) => metCloseOnClock(r) && !r.ok).length,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The landing table (exploratory; added after the second reader of run keepalive-races-d65d06f3): stale writes by
// LANDING bin over ALL first writes — kept connections, fresh ones, and requests with no write time — so clients are
// compared at matched landing times and a check that moves requests to fresh connections shows as onFresh.
// ---------------------------------------------------------------------------------------------------------------

/** The landing bins, in ms after the due close: [from, to), in table order. */
export const LANDING_BINS: readonly { label: string; fromMs: number; toMs: number }[] = [
  { label: 'before the due close', fromMs: Number.NEGATIVE_INFINITY, toMs: 0 },
  { label: '0–1 ms after', fromMs: 0, toMs: 1 },
  { label: '1–8 ms after', fromMs: 1, toMs: 8 },
  { label: '8–20 ms after', fromMs: 8, toMs: 20 },
  { label: '> 20 ms after', fromMs: 20, toMs: Number.POSITIVE_INFINITY },
];
/** The bin of requests with no write time (writeExposure 'no-write-time'): they cannot be placed by landing. */
export const NO_WRITE_TIME_BIN = 'no write time';
/** The bin of writes on a fresh connection in a round whose due close is not known (roundDueAtUs null). */
export const NO_DUE_CLOSE_BIN = 'no due close known';

/**
 * Where a first write landed for the landing table, in ms after a due close: on a kept connection (an idle period of
 * its own), after that period's due close (landingMs); on a fresh connection (or one not joined), after its BURST's
 * kept due close (opts.burstDueUs, burstKeptDueAtUs: the reference the burst's kept writes are placed by), else after
 * the ROUND's due close (roundDueAtUs: the first of the round's idle connections to become due; the burst had no kept
 * write). null without a write time or a due close.
 */
export function writeLandingMs(r: RaceRow, opts: { burstDueUs?: number | null } = {}): number | null {
  if (typeof r.writtenAtUs !== 'number') return null;
  if (typeof r.dueAtUs === 'number') return (r.writtenAtUs - r.dueAtUs) / 1000;
  if (typeof opts.burstDueUs === 'number') return (r.writtenAtUs - opts.burstDueUs) / 1000;
  if (typeof r.roundDueAtUs === 'number') return (r.writtenAtUs - r.roundDueAtUs) / 1000;
  return null;
}

/**
 * Per burst, the reference a write on a FRESH connection is timed against in the landing table: the median due close
 * (dueAtUs; the lower middle of an even count, an actual connection's due close) of the burst's writes on KEPT
 * connections — the same reference its kept writes are placed by, so a fresh and a kept write of one burst that went
 * out at the same moment land in the same bin. A burst with no kept write is absent (its fresh writes fall back to the
 * round's due close, roundDueAtUs).
 */
export function burstKeptDueAtUs(rows: readonly RaceRow[]): Map<string, number> {
  const dues = new Map<string, number[]>();
  for (const r of rows) {
    if (typeof r.dueAtUs !== 'number' || typeof r.writtenAtUs !== 'number') continue;
    dues.set(r.burst, [...(dues.get(r.burst) ?? []), r.dueAtUs]);
  }
  const out = new Map<string, number>();
  for (const [burst, xs] of dues) {
    const s = [...xs].sort((a, b) => a - b);
    out.set(burst, s[Math.floor((s.length - 1) / 2)] as number);
  }
  return out;
}

/** One client × method × landing bin of the landing table. */
export interface LandingBin {
  client: string;
  method: string;
  bin: string;
  /** First writes in the bin (requests, for the no-write-time bin): the denominator of staleShare. */
  writes: number;
  /** On a kept connection (an idle period of its own) / on a fresh one (joined, no idle period) / not joined. */
  onKept: number;
  onFresh: number;
  /** Of the fresh (or not joined) writes with a write time: timed against their burst's kept due close
   * (burstKeptDueAtUs) / against the round's due close (roundDueAtUs; the burst had no kept write). */
  freshByBurstDue: number;
  freshByRoundDue: number;
  notJoined: number;
  /** Client processes the bin's writes came from (the unit of variation). */
  processes: number;
  /** Stale writes (staleWrite: onto a FIN sent more than staleMs before the burst's first write). */
  stale: number;
  /** stale / writes (a bin is listed only with at least one). */
  staleShare: number;
  /** The target's record: the first copy reached it on a connection it had already closed. */
  afterCloseOnTarget: number;
  failed: number;
}

/** A bar of the stale-writes-by-landing chart: one client in one landing bin. */
export interface LandingChartBar {
  client: string;
  method: string;
  bin: string;
  stalePct: number;
  writes: number;
  processes: number;
}

/**
 * The stale-writes chart drawn from the landing table (exploratory: where writes landed, not a ranking): one bar per
 * client and landing bin (LANDING_BINS only), so clients are compared at matched landings. A client with no write in a
 * bin, or whose writes there come from fewer than `minProcesses` client processes, gets NO bar — it is listed in
 * `omitted` with "no data" / "too few processes (N)", for a note beside the chart.
 */
export function landingChartBars(
  bins: readonly LandingBin[],
  clients: readonly string[],
  minProcesses: number,
): { bars: LandingChartBar[]; omitted: { client: string; method: string; bin: string; reason: string }[] } {
  const bars: LandingChartBar[] = [];
  const omitted: { client: string; method: string; bin: string; reason: string }[] = [];
  const methods = [...new Set(bins.map((b) => b.method))];
  for (const method of methods) {
    for (const { label } of LANDING_BINS) {
      for (const client of clients) {
        const b = bins.find((x) => x.client === client && x.method === method && x.bin === label);
        if (b === undefined || b.writes === 0) omitted.push({ client, method, bin: label, reason: 'no data' });
        else if (b.processes < minProcesses)
          omitted.push({ client, method, bin: label, reason: `too few processes (${b.processes} < ${minProcesses})` });
        else
          bars.push({
            client,
            method,
            bin: label,
            stalePct: Number(((b.stale / b.writes) * 100).toFixed(2)),
            writes: b.writes,
            processes: b.processes,
          });
      }
    }
  }
  return { bars, omitted };
}

/**
 * The landing table: per client × method (first-seen order) and landing bin (LANDING_BINS, then the no-write-time and
 * no-due-close bins), ALL first writes — on kept connections, on fresh ones, and requests with no write time — with the
 * stale ones among them. Empty bins are left out. Exploratory: descriptive, decides nothing.
 */
export function landingBins(rows: readonly RaceRow[], staleMs: number = STALE_FIN_MS): LandingBin[] {
  const groups = byClientAndMethod(rows);
  const order = [...LANDING_BINS.map((b) => b.label), NO_WRITE_TIME_BIN, NO_DUE_CLOSE_BIN];
  const binOf = (r: RaceRow, burstDueUs: number | undefined): string => {
    if (typeof r.writtenAtUs !== 'number') return NO_WRITE_TIME_BIN;
    const at = writeLandingMs(r, { burstDueUs: burstDueUs ?? null });
    if (at === null) return NO_DUE_CLOSE_BIN;
    return (LANDING_BINS.find((b) => at >= b.fromMs && at < b.toMs) ?? (LANDING_BINS[0] as { label: string })).label;
  };
  return [...groups.values()].flatMap((g) => {
    const first = g[0] as RaceRow;
    const starts = burstWriteStarts(g);
    const burstDue = burstKeptDueAtUs(g);
    const byBin = new Map<string, RaceRow[]>();
    for (const r of g) {
      const b = binOf(r, burstDue.get(r.burst));
      byBin.set(b, [...(byBin.get(b) ?? []), r]);
    }
    return order
      .filter((b) => byBin.has(b))
      .map((bin) => {
        const xs = byBin.get(bin) as RaceRow[];
        const stale = xs.filter((r) => staleWrite(r, starts.get(r.burst), staleMs)).length;
        const joined = (r: RaceRow): boolean => typeof r.targetConnection === 'number';
        const fresh = (ys: RaceRow[]): RaceRow[] =>
          ys.filter((r) => typeof r.writtenAtUs === 'number' && typeof r.dueAtUs !== 'number');
        return {
          client: first.client,
          method: first.method,
          bin,
          writes: xs.length,
          onKept: xs.filter((r) => joined(r) && typeof r.dueAtUs === 'number').length,
          onFresh: xs.filter((r) => joined(r) && typeof r.dueAtUs !== 'number').length,
          freshByBurstDue: fresh(xs).filter((r) => burstDue.has(r.burst)).length,
          freshByRoundDue: fresh(xs).filter((r) => !burstDue.has(r.burst) && typeof r.roundDueAtUs === 'number').length,
          notJoined: xs.filter((r) => typeof r.writtenAtUs === 'number' && !joined(r)).length,
          processes: new Set(xs.map((r) => r.process)).size,
          stale,
          staleShare: stale / xs.length,
          afterCloseOnTarget: xs.filter((r) => r.afterClose === true).length,
          failed: xs.filter((r) => !r.ok).length,
        };
      });
  });
}
