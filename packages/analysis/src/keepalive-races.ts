/**
 * Keep-alive races (notebook 08): failure rates of requests sent on kept-alive connections after an idle gap, per
 * client × method × gap (and the target's hint and close mode), each with a 95 % interval over BURSTS (burst-interval.ts:
 * the requests of one burst are not independent), and the claims the notebook states before it measures. Pure functions of the race driver's records (runner/race.ts), which they read
 * structurally: analysis does not depend on the runner.
 *
 * The thresholds are stated here, before any run:
 * - "fails no request" means the upper end of the 95 % burst interval of the failure rate is below NO_FAILURE_MAX_RATE
 *   at every gap, and only counts when a positive control (a client without validation or retry) demonstrably raced
 *   in the same rounds, target mode and gaps — the lower end of ITS burst interval above SOME_FAILURE_MIN_RATE, the
 *   same bar as a "fails some requests" claim. One failure anywhere is not enough: clean bursts give a [0, 0] interval,
 *   so a "safe" verdict gated on a single control failure would rest on no evidence that the race occurred;
 * - "fails some requests" means the lower end is above SOME_FAILURE_MIN_RATE over the gaps named;
 * - "never retries a POST" is a count: no POST id arrived at the target more than once;
 * - a burst counts toward a rate claim (and toward the control's gate) only if at least MIN_REUSED_SHARE of its
 *   requests went out on a connection kept alive over the gap (`sentOnReused`): a burst the client sent on fresh
 *   connections never met the race, and its clean requests are no evidence that a client survives it. A gap cell with
 *   no such burst makes the claims over it unresolved (NOT_EXERCISED).
 */
import { type BurstInterval, burstInterval, MIN_BURSTS } from './burst-interval';
import {
  combineParts,
  countClaim,
  type Evidence,
  quantityClaim,
  sanityCheck,
  type Threshold,
  type VerdictData,
} from './verdicts';

/** 1 %: the issue's reports start at 2 %; a client whose upper bound is below 1 % has no race worth reporting. */
export const NO_FAILURE_MAX_RATE = 0.01;
/** 5 %: a failure rate a user notices within minutes at one request per gap, and far above loopback's background (none). */
export const SOME_FAILURE_MIN_RATE = 0.05;
/** 90 %: the share of a burst's requests that must go out on reused connections for the burst to count as raced. */
export const MIN_REUSED_SHARE = 0.9;
/** Why a race claim is unresolved when a gap cell has no burst sent on reused connections. */
export const NOT_EXERCISED = 'the race was not exercised (bursts on fresh connections)';

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
  /** The burst this request was part of (unique within one raceRows call): the unit of every interval. */
  burst: string;
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
  }[];
}

export function raceRows(runs: readonly RaceRunLike[]): RaceRow[] {
  return runs.flatMap((run, runIndex) =>
    run.requests.map((r) => ({
      client: run.client,
      retry: run.retry ?? 'client-default',
      concurrency: run.concurrency ?? 1,
      method: run.method,
      idleTimeoutMs: run.target.idleTimeoutMs,
      hint: run.target.hint,
      idleClose: run.target.idleClose,
      gapMs: r.gapMs,
      burst: `${runIndex}.${r.round ?? 0}`,
      ok: r.ok,
      code: r.code,
      elapsedMs: r.elapsedMs,
      arrived: r.arrived,
      served: r.served,
      ...(r.targetIdleMs !== undefined ? { targetIdleMs: r.targetIdleMs } : {}),
    })),
  );
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

/** The gaps of `rows` none of whose bursts exercised the race, ascending. */
function gapsNotExercised(rows: readonly RaceRow[]): number[] {
  const raced = new Set(exercisedRows(rows).map((r) => r.gapMs));
  return [...new Set(rows.map((r) => r.gapMs))].filter((g) => !raced.has(g)).sort((a, b) => a - b);
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
  /** Bursts in the cell (the unit of the interval). */
  bursts: number;
  /** Bursts with at least MIN_REUSED_SHARE of their requests on reused connections: the only ones a claim counts. */
  exercisedBursts: number;
  /** 95 % t interval of the mean per-burst failure fraction (NaN bounds below MIN_BURSTS bursts). */
  interval: BurstInterval;
  /** Failures by error code as the client reported it. */
  byCode: Record<string, number>;
  /** Failed requests that reached the target (it counted their id) — closed on after arrival, or answered too late. */
  failedButArrived: number;
  /** Requests whose id arrived more than once: the client sent them again. */
  retried: number;
  /** Median ms to failure (null without failures). */
  medianFailureMs: number | null;
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
      byCode,
      failedButArrived: failed.filter((r) => r.arrived > 0).length,
      retried: g.filter((r) => r.arrived > 1).length,
      medianFailureMs: median(failed.map((r) => r.elapsedMs)),
    };
  });
}

/** The burst interval of rows: grouped by burst, each burst one failure fraction. */
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

/** An unresolved rate claim: no interval, the reason and counts in the evidence. */
function unresolvedRateClaim(id: string, claim: string, threshold: Threshold, evidence: Evidence): VerdictData {
  return quantityClaim({
    id,
    claim,
    statistic: 'failure rate (mean over bursts)',
    interval: { median: Number.NaN, low: Number.NaN, high: Number.NaN, coverage: 0.95, n: 0 },
    threshold,
    evidence,
  });
}

/**
 * A rate claim over `rows` (one gap cell, or gaps pooled), decided on the bursts that exercised the race only; when
 * some gap of the rows has none, unresolved (NOT_EXERCISED).
 */
function rateClaim(id: string, claim: string, rows: readonly RaceRow[], threshold: Threshold): VerdictData {
  const reuse = burstReuse(rows);
  const onFresh = reuse.filter((b) => !b.exercised).length;
  const idle = gapsNotExercised(rows);
  if (idle.length > 0)
    return unresolvedRateClaim(id, claim, threshold, {
      unresolvedBecause: `${NOT_EXERCISED}: no burst at gap ${idle.join(', ')} ms had ${MIN_REUSED_SHARE * 100} % of its requests on a reused connection`,
      burstsMeasured: reuse.length,
      burstsOnFresh: onFresh,
      requests: rows.length,
      failures: rows.filter((r) => !r.ok).length,
    });
  const iv = burstIntervalOf(exercisedRows(rows));
  return quantityClaim({
    id,
    claim,
    statistic: 'failure rate (mean over bursts)',
    // Below MIN_BURSTS bursts the bounds are NaN, which quantityClaim records as unresolved.
    interval: { median: iv.rate, low: iv.low, high: iv.high, coverage: 0.95, n: iv.bursts },
    threshold,
    evidence: {
      bursts: iv.bursts,
      failures: iv.failures,
      requests: iv.requests,
      burstsMeasured: reuse.length,
      burstsOnFresh: onFresh,
      interval: `Student t over per-burst failure fractions (≥ ${MIN_BURSTS} bursts, each with ≥ ${MIN_REUSED_SHARE * 100} % of its requests on a reused connection)`,
    },
  });
}

/**
 * "`client` fails no `method` request at any gap" for the rows given (one hint and close mode: filter before): at
 * every gap the upper end of the failure rate's exact 95 % interval is below `maxRate`. Holds only if every gap holds;
 * fails if some gap's lower end is at or above `maxRate`.
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
   * raced: the lower end of its burst interval, pooled over those gaps, above `controlMinRate`. Otherwise unresolved.
   */
  control?: { client: string; rows: readonly RaceRow[] };
  /** The control's bar (default SOME_FAILURE_MIN_RATE, the bar of a "fails some requests" claim). */
  controlMinRate?: number;
}): VerdictData {
  const maxRate = input.maxRate ?? NO_FAILURE_MAX_RATE;
  const below: Threshold = { below: maxRate };
  const controlMinRate = input.controlMinRate ?? SOME_FAILURE_MIN_RATE;
  const mine = input.rows.filter((r) => r.client === input.client && r.method === input.method);
  const claim = `${input.condition}, ${input.client} fails no ${input.method} request at any gap (upper end of the 95 % burst interval of the failure rate below ${maxRate * 100} % at every gap${input.control ? `, while ${input.control.client} without a defence failed more than ${controlMinRate * 100} % (lower end of its burst interval) in the same rounds, mode and gaps` : ''})`;
  const gaps = new Set(mine.map((r) => r.gapMs));
  const modes = new Set(mine.map(modeKey));
  const controlAll = input.control
    ? input.control.rows.filter(
        (r) =>
          r.client === input.control?.client && r.method === input.method && gaps.has(r.gapMs) && modes.has(modeKey(r)),
      )
    : [];
  // The control only shows the race in the bursts that met it: its bursts on fresh connections are left out.
  const controlRows = exercisedRows(controlAll);
  const controlFailures = controlRows.filter((r) => !r.ok).length;
  const controlIv = burstIntervalOf(controlRows);
  const controlRaced = Number.isFinite(controlIv.low) && controlIv.low > controlMinRate;
  if (input.control && !controlRaced)
    return unresolvedRateClaim(input.id, claim, below, {
      unresolvedBecause:
        controlAll.length > 0 && controlRows.length === 0
          ? `the race was not shown to occur: ${NOT_EXERCISED}: none of the control ${input.control.client}'s ${burstReuse(controlAll).length} bursts of the same rounds, mode and gaps had ${MIN_REUSED_SHARE * 100} % of its requests on a reused connection`
          : `the race was not shown to occur: the control ${input.control.client} failed ${controlFailures} of ${controlRows.length} requests in ${controlIv.bursts} bursts (sent on reused connections) of the same rounds, mode and gaps; the lower end of its 95 % burst interval (${Number.isFinite(controlIv.low) ? controlIv.low.toFixed(4) : `none: < ${MIN_BURSTS} bursts`}) is not above ${controlMinRate}`,
      requests: mine.length,
      failures: mine.filter((r) => !r.ok).length,
    });
  const byGap = new Map<number, RaceRow[]>();
  for (const r of mine) byGap.set(r.gapMs, [...(byGap.get(r.gapMs) ?? []), r]);
  const parts = [...byGap.entries()].map(([gapMs, rows]) =>
    rateClaim(
      `${input.id}.gap-${gapMs}`,
      `${input.client} ${input.method} fails below ${maxRate} at gap ${gapMs} ms`,
      rows,
      below,
    ),
  );
  // A gap cell with no burst on reused connections leaves the claim unresolved (its part is), unless a gap fails.
  const idle = gapsNotExercised(mine);
  const failed = parts.some((p) => p.outcome === 'fails');
  return combineParts(parts, {
    id: input.id,
    claim,
    threshold: below,
    evidence: {
      ...(idle.length > 0 ? { gapsNotExercised: idle.join(', ') } : {}),
      ...(idle.length > 0 && !failed ? { unresolvedBecause: `${NOT_EXERCISED} at gap ${idle.join(', ')} ms` } : {}),
      gaps: byGap.size,
      requests: mine.length,
      bursts: new Set(mine.map((r) => r.burst)).size,
      exercisedBursts: burstReuse(mine).filter((b) => b.exercised).length,
      ...(input.control
        ? {
            controlFailures,
            controlRequests: controlRows.length,
            controlBursts: controlIv.bursts,
            controlRateLow: controlIv.low,
          }
        : {}),
    },
  });
}

/**
 * "`client` fails some `method` requests at gaps in (fromMs, toMs)": the failure rate pooled over those gaps has the
 * lower end of its exact 95 % interval above `minRate`; fails when the upper end is at or below it.
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
    `${input.condition}, ${input.client} fails more than ${minRate * 100} % of ${input.method} requests at gaps in (${from}, ${to}) ms (lower end of the 95 % burst interval above ${minRate})`,
    inRange,
    { above: minRate },
  );
}

/**
 * "`client` never retries a `method` request": a count, no interval. Holds when no request id arrived at the target
 * more than once; the evidence says how many were sent, failed, and failed after reaching the target (those a retry
 * would have sent twice).
 *
 * `kind` 'sanity' is for a client (and retry setting) with no retry that could resend this method — no retry feature
 * at all, or one whose method list excludes it: there a second arrival would mean the harness duplicated a request,
 * not a finding about the client, so the check is shown but never counted. Only a client whose retry could apply
 * makes it a claim.
 */
export function noRetryClaim(input: {
  id: string;
  client: string;
  method: string;
  rows: readonly RaceRow[];
  kind?: 'claim' | 'sanity';
}): VerdictData {
  const rows = input.rows.filter((r) => r.client === input.client && r.method === input.method);
  const retried = rows.filter((r) => r.arrived > 1);
  const failed = rows.filter((r) => !r.ok);
  return (input.kind === 'sanity' ? sanityCheck : countClaim)({
    id: input.id,
    claim: `${input.client} never sends a ${input.method} request twice (every id arrived at the target at most once)`,
    holds: rows.length > 0 && retried.length === 0,
    evidence: {
      requests: rows.length,
      failed: failed.length,
      failedAfterArriving: failed.filter((r) => r.arrived > 0).length,
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
