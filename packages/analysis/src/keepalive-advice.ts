/**
 * Keep-alive races (notebook 08), the stalled server and "What to set". The stall claim is a count over the requests
 * sent on a connection the server stopped answering; the advice is computed, never typed: a recommendation is shown
 * only when every claim it rests on holds, with the failure rate it removed, measured on the same plan (the rows
 * without the setting against the rows with it).
 */
import { binomialInterval } from './binomial-interval';
import type { RaceRow } from './keepalive-races';
import { countClaim, sanityCheck, type VerdictData } from './verdicts';

/**
 * A request "waited out the cap" when it ended no earlier than this share of the cap: timers on this machine fire
 * late, never early, so 5 % below the cap only forgives the rounding of elapsed times, not an earlier timeout.
 */
export const CAP_REACHED_SHARE = 0.95;

/**
 * "With its default timeouts, `client` waits on a stalled server until the harness gives up at `capMs`": holds when
 * every request of `client` in `rows` (sent on stalled connections) failed no sooner than CAP_REACHED_SHARE × capMs;
 * fails when any ended sooner (a default timeout of the client's, or an error, ended it) or any succeeded.
 */
export function stallHangClaim(input: {
  id: string;
  client: string;
  rows: readonly RaceRow[];
  capMs: number;
  /** 'exploratory' when the client's default timeouts are longer than the cap: then it cannot fail (an observation). */
  kind?: 'claim' | 'exploratory';
}): VerdictData {
  const rows = input.rows.filter((r) => r.client === input.client);
  const early = rows.filter((r) => r.ok || r.elapsedMs < CAP_REACHED_SHARE * input.capMs);
  const codes = [...new Set(rows.map((r) => r.code ?? 'ok'))].sort().join(', ');
  return countClaim({
    id: input.id,
    ...(input.kind ? { kind: input.kind } : {}),
    claim: `with its default timeouts, ${input.client} waits on a stalled server until the harness gives up at ${input.capMs} ms (no request ends sooner than ${CAP_REACHED_SHARE * 100} % of it)`,
    holds: rows.length > 0 && early.length === 0,
    evidence: {
      requests: rows.length,
      endedBeforeCap: early.length,
      minElapsedMs: rows.length > 0 ? Math.min(...rows.map((r) => r.elapsedMs)) : null,
      maxElapsedMs: rows.length > 0 ? Math.max(...rows.map((r) => r.elapsedMs)) : null,
      codes,
      maxArrivals: rows.reduce((m, r) => Math.max(m, r.arrived), 0),
    },
  });
}

/** Which rows a side of a recommendation is measured on. */
export interface RaceRowFilter {
  client: string;
  retry?: string;
  hint?: string;
  idleClose?: string;
  method?: string;
  concurrency?: number;
}

/** A setting a notebook may recommend, the claims it rests on, and the rows that measure its effect. */
export interface RaceAdviceRule {
  client: string;
  /** What to set, as a reader would type it. */
  setting: string;
  /** Verdict ids that must all hold for the recommendation to be shown. */
  requires: readonly string[];
  /** Rows without the setting… */
  without: RaceRowFilter;
  /** …and with it (same gaps). */
  with: RaceRowFilter;
  /** What it costs, measured or read from the source (shown beside it). */
  cost: string;
}

export interface RaceAdvice {
  client: string;
  setting: string;
  cost: string;
  /** Failure rate without and with the setting, with n. */
  failureRateWithout: number;
  failureRateWith: number;
  nWithout: number;
  nWith: number;
  /** Percentage points of requests the setting stopped failing (without − with). */
  removedPoints: number;
  /** Median ms of the successful requests with the setting (a retry's delay shows here). */
  medianOkMsWith: number | null;
  basedOn: readonly string[];
}

const matches = (r: RaceRow, f: RaceRowFilter): boolean =>
  r.client === f.client &&
  (f.retry === undefined || r.retry === f.retry) &&
  (f.hint === undefined || r.hint === f.hint) &&
  (f.idleClose === undefined || r.idleClose === f.idleClose) &&
  (f.method === undefined || r.method === f.method) &&
  (f.concurrency === undefined || r.concurrency === f.concurrency);

function medianOf(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * The recommendations whose claims all hold, each with the failure rate it removed on the rows given. A rule whose
 * claims do not all hold (fail, unresolved, or were not run) is left out: "What to set" says nothing the data did not
 * show. A rule with no rows on either side is left out too.
 */
export function raceAdvice(
  rules: readonly RaceAdviceRule[],
  verdicts: readonly Pick<VerdictData, 'id' | 'outcome'>[],
  rows: readonly RaceRow[],
): RaceAdvice[] {
  const held = new Set(verdicts.filter((v) => v.outcome === 'holds').map((v) => v.id));
  const out: RaceAdvice[] = [];
  for (const rule of rules) {
    if (!rule.requires.every((id) => held.has(id))) continue;
    const without = rows.filter((r) => matches(r, rule.without));
    const withIt = rows.filter((r) => matches(r, rule.with));
    if (without.length === 0 || withIt.length === 0) continue;
    const rateWithout = binomialInterval(without.filter((r) => !r.ok).length, without.length).rate;
    const rateWith = binomialInterval(withIt.filter((r) => !r.ok).length, withIt.length).rate;
    out.push({
      client: rule.client,
      setting: rule.setting,
      cost: rule.cost,
      failureRateWithout: rateWithout,
      failureRateWith: rateWith,
      nWithout: without.length,
      nWith: withIt.length,
      removedPoints: Number(((rateWithout - rateWith) * 100).toFixed(2)),
      medianOkMsWith: medianOf(withIt.filter((r) => r.ok).map((r) => r.elapsedMs)),
      basedOn: rule.requires,
    });
  }
  return out;
}

/**
 * The deterministic race (the target closes each connection as a request arrives on it): "every `method` request of
 * `client` fails" — a count over the rows given (one client, retry choice and method: filter before). Holds when
 * n > 0 and every request failed; fails when any succeeded.
 *
 * A sanity check, not a claim: the target closes every reused connection a request arrives on, so a client without a
 * retry cannot get an answer there; a success would mean the harness did not set the race up (a request sent on a
 * fresh connection, the race window not armed), not a finding about the client. Shown, never counted.
 */
export function everyRequestFailsClaim(input: { id: string; claim: string; rows: readonly RaceRow[] }): VerdictData {
  const failed = input.rows.filter((r) => !r.ok);
  return sanityCheck({
    id: input.id,
    claim: input.claim,
    holds: input.rows.length > 0 && failed.length === input.rows.length,
    evidence: {
      requests: input.rows.length,
      failed: failed.length,
      failedAfterArriving: failed.filter((r) => r.arrived > 0).length,
      retried: input.rows.filter((r) => r.arrived > 1).length,
    },
  });
}

/**
 * The deterministic race, a client that retries: "`rows` fail at most `maxFailures` requests" — decided on failures,
 * not on how the requests got through. A retry that resent a request, a request the pool moved to a fresh connection
 * before the close, or one that never met the close all count as not failed; how many were resent (arrived twice or
 * more) and the median time to success are shown beside it, so the cost of the retry is in the evidence.
 */
export function retryAvoidsFailuresClaim(input: {
  id: string;
  claim: string;
  rows: readonly RaceRow[];
  maxFailures: number;
}): VerdictData {
  const failed = input.rows.filter((r) => !r.ok);
  const resent = input.rows.filter((r) => r.arrived >= 2);
  return countClaim({
    id: input.id,
    claim: input.claim,
    holds: input.rows.length > 0 && failed.length <= input.maxFailures,
    evidence: {
      requests: input.rows.length,
      failed: failed.length,
      maxFailures: input.maxFailures,
      resent: resent.length,
      medianOkMs: medianOf(input.rows.filter((r) => r.ok).map((r) => r.elapsedMs)),
      medianResentOkMs: medianOf(resent.filter((r) => r.ok).map((r) => r.elapsedMs)),
    },
  });
}

/**
 * undici's fast-timer tick (undici 8.13.1 lib/util/timers.js, TICK_MS = 499): `headersTimeout` and `bodyTimeout` are
 * armed as FastTimers (client-h1.js TIMEOUT_HEADERS = 2 | USE_FAST_TIMER), which fire on the ⌈d / 499⌉-th tick of a
 * shared 499 ms clock after arming. The first tick comes anywhere in (0, 499] ms, so a configured d ends the request
 * after at most ⌈d / 499⌉ · 499 ms (plus event-loop lag), never sooner than d − 499 — documented upstream as "an
 * accuracy target of within 500ms". A claim about undici's timeouts must use this bound, not d itself.
 */
export const UNDICI_FAST_TIMER_TICK_MS = 499;

/**
 * The latest a timeout of `timeoutMs` can fire (before `slackMs` of lag): `timeoutMs` for a native timer (no
 * `tickMs`), ⌈timeoutMs / tickMs⌉ · tickMs for a coarse-tick timer such as undici's fast timers.
 */
export function timeoutFireBoundMs(timeoutMs: number, tickMs?: number): number {
  if (tickMs === undefined) return timeoutMs;
  if (!(tickMs > 0)) throw new RangeError(`tickMs: ${tickMs} must be a positive number of ms`);
  return Math.ceil(timeoutMs / tickMs) * tickMs;
}

/**
 * The stalled server with a timeout the notebook configured: "`client` ends every request on a stalled server within
 * its configured `timeoutMs` (rounded up to the timer's tick when `tickMs` is given, see UNDICI_FAST_TIMER_TICK_MS;
 * + `slackMs` for late timers)". The harness cap must exceed that bound + slackMs, so the claim can fail (a request
 * still waiting at the cap is a failure of the claim); otherwise it throws.
 */
export function stallTimeoutClaim(input: {
  id: string;
  client: string;
  rows: readonly RaceRow[];
  timeoutMs: number;
  slackMs: number;
  capMs: number;
  /** The timer's tick when it is coarse (undici's fast timers: UNDICI_FAST_TIMER_TICK_MS); absent: a native timer. */
  tickMs?: number;
}): VerdictData {
  const fireBoundMs = timeoutFireBoundMs(input.timeoutMs, input.tickMs);
  const boundMs = fireBoundMs + input.slackMs;
  if (!(input.capMs > boundMs))
    throw new RangeError(
      `capMs: ${input.capMs} must exceed the timeout's fire bound + slackMs = ${boundMs}, or the claim cannot fail`,
    );
  const rows = input.rows.filter((r) => r.client === input.client);
  const late = rows.filter((r) => r.ok || r.elapsedMs > boundMs);
  const codes = [...new Set(rows.map((r) => r.code ?? 'ok'))].sort().join(', ');
  return countClaim({
    id: input.id,
    claim: `with a configured timeout of ${input.timeoutMs} ms, ${input.client} ends every request on a stalled server within ${boundMs} ms (${input.tickMs === undefined ? 'the timeout' : `⌈${input.timeoutMs} / ${input.tickMs}⌉ · ${input.tickMs} ms, its timer's tick,`} + ${input.slackMs} ms of lag; the harness waits ${input.capMs} ms)`,
    holds: rows.length > 0 && late.length === 0,
    evidence: {
      requests: rows.length,
      endedLateOrAnswered: late.length,
      configuredTimeoutMs: input.timeoutMs,
      fireBoundMs,
      boundMs,
      medianElapsedMs: medianOf(rows.map((r) => r.elapsedMs)),
      maxElapsedMs: rows.length > 0 ? Math.max(...rows.map((r) => r.elapsedMs)) : null,
      codes,
    },
  });
}
