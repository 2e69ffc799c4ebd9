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
 */
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
    /** Absent in runs recorded before the target kept it. */
    firstCopyAfterClose?: boolean | null;
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
      process: String(runIndex),
      ok: r.ok,
      code: r.code,
      elapsedMs: r.elapsedMs,
      arrived: r.arrived,
      served: r.served,
      ...(r.targetIdleMs !== undefined ? { targetIdleMs: r.targetIdleMs } : {}),
      ...(r.firstCopyAfterClose !== undefined ? { afterClose: r.firstCopyAfterClose } : {}),
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
  const iv = exposedInterval(rows);
  const common = {
    requests: rows.length,
    failures: rows.filter((r) => !r.ok).length,
    exposed: iv.requests,
    failedExposed: iv.failures,
    processes: iv.bursts,
    failedUnexposed: rows.filter((r) => !r.ok && !metClosedConnection(r)).length,
    rule: RULE_REVISED,
  };
  const why = notExercisedBecause(rows);
  if (why !== null) return unresolvedRateClaim(id, claim, threshold, { unresolvedBecause: why, ...common });
  return quantityClaim({
    id,
    claim,
    statistic: STATISTIC,
    interval: { median: iv.rate, low: iv.low, high: iv.high, coverage: 0.95, n: iv.bursts },
    threshold,
    evidence: {
      ...common,
      interval: `Student t over per-process failure fractions of exposed requests (≥ ${MIN_EXPOSED} exposed, ≥ ${MIN_EXPOSED_PROCESSES} processes)`,
    },
  });
}

/** The control's gate for a "fails no request" claim: whether it raced, and a precise sentence on what it showed. */
export function controlGate(
  controlRows: readonly RaceRow[],
  controlMinRate: number = SOME_FAILURE_MIN_RATE,
): { raced: boolean; interval: BurstInterval; text: string } {
  const iv = exposedInterval(controlRows);
  const why = notExercisedBecause(controlRows);
  const ivText = Number.isFinite(iv.low)
    ? `${(iv.low * 100).toFixed(2)}–${(iv.high * 100).toFixed(2)} %`
    : `none (< ${MIN_EXPOSED_PROCESSES} processes)`;
  const counts = `failed ${iv.failures} of ${iv.requests} requests that met a closed connection, in ${iv.bursts} client processes; 95 % interval over processes ${ivText}`;
  if (why !== null) return { raced: false, interval: iv, text: `${counts}: ${why}` };
  const raced = iv.low > controlMinRate;
  return {
    raced,
    interval: iv,
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
  const claim = `${input.condition}, ${input.client} fails no ${input.method} request that met a closed connection (upper end of the 95 % interval over client processes below ${maxRate * 100} %, gaps pooled, ≥ ${MIN_EXPOSED} exposed requests${input.control ? `; decided only while ${input.control.client} without a defence failed more than ${controlMinRate * 100} % of its exposed requests (lower end) in the same rounds, mode and gaps` : ''}; ${RULE_REVISED})`;
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
        controlExposed: gate.interval.requests,
        controlFailedExposed: gate.interval.failures,
        controlProcesses: gate.interval.bursts,
        controlRateLow: gate.interval.low,
      }
    : {};
  if (input.control && !gate.raced)
    return unresolvedRateClaim(input.id, claim, below, {
      unresolvedBecause: `the race was not shown to occur: the control ${input.control.client} ${gate.text}`,
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
    `${input.condition}, ${input.client} fails more than ${minRate * 100} % of the ${input.method} requests that met a closed connection at gaps in (${from}, ${to}) ms (lower end of the 95 % interval over client processes above ${minRate}, ≥ ${MIN_EXPOSED} exposed requests; ${RULE_REVISED})`,
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
 * makes it a claim. With no request that could show a resend the claim is unresolved-as-not-holding (holds false).
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
  return (input.kind === 'sanity' ? sanityCheck : countClaim)({
    id: input.id,
    claim: `${input.client} never sends a ${input.method} request twice (no id arrived twice, and none whose first copy met a closed connection arrived later), over the ${could.length} requests that met a close and so could show a resend`,
    holds: could.length > 0 && retried.length === 0,
    evidence: {
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
