/**
 * Keep-alive races (notebook 08), the stalled server and "What to set". The stall claim is a count over the requests
 * sent on a connection the server stopped answering; the advice is computed, never typed: a recommendation is shown
 * only when every claim it rests on holds, with the failure rate it removed, measured on the same plan (the rows
 * without the setting against the rows with it).
 */
import { guardEvidence, type RaceRow, resent as resentRequest } from './keepalive-races';
import { countClaim, sanityCheck, type VerdictData } from './verdicts';

/**
 * A request "waited out the cap" when it ended no earlier than this share of the cap: timers on this machine fire
 * late, never early, so 5 % below the cap only forgives the rounding of elapsed times, not an earlier timeout.
 */
export const CAP_REACHED_SHARE = 0.95;

/**
 * Whether a request of a stall run went to a connection the target had stalled: the target stalls a connection when its
 * idle time reaches T, and it records, per request id, the idle time of the connection the id first arrived on
 * (targetIdleMs; a request on a stalled connection still arrives: the kernel acknowledges and the target parses it). So
 * targetIdleMs ≥ T means it met the stall; null (a new connection) or below T means it went elsewhere (a client may
 * open a fresh connection instead of reusing the stalled one) and says nothing about a stalled server. A row without
 * targetIdleMs (recorded before the target kept it) is not known to have met the stall: false.
 */
export function onStalledConnection(r: Pick<RaceRow, 'targetIdleMs' | 'idleTimeoutMs'>): boolean {
  return typeof r.targetIdleMs === 'number' && r.targetIdleMs >= r.idleTimeoutMs;
}

/** A client's rows of a stall run split by whether they met the stalled connection (onStalledConnection). */
function stalledRows(rows: readonly RaceRow[], client: string): { met: RaceRow[]; elsewhere: number } {
  const mine = rows.filter((r) => r.client === client);
  const met = mine.filter(onStalledConnection);
  return { met, elsewhere: mine.length - met.length };
}

/**
 * "With its default timeouts, `client` waits on a stalled server until the harness gives up at `capMs`": decided on the
 * requests of `client` in `rows` that went to a stalled connection (onStalledConnection; the others are counted in the
 * evidence, never in the verdict): holds when every one failed no sooner than CAP_REACHED_SHARE × capMs; fails when any
 * ended sooner (a default timeout of the client's, or an error, ended it) or any succeeded; unresolved when none met
 * the stall.
 */
export function stallHangClaim(input: {
  id: string;
  client: string;
  rows: readonly RaceRow[];
  capMs: number;
  /** 'exploratory' when the client's default timeouts are longer than the cap: then it cannot fail (an observation). */
  kind?: 'claim' | 'exploratory';
}): VerdictData {
  const { met: rows, elsewhere } = stalledRows(input.rows, input.client);
  const early = rows.filter((r) => r.ok || r.elapsedMs < CAP_REACHED_SHARE * input.capMs);
  const codes = [...new Set(rows.map((r) => r.code ?? 'ok'))].sort().join(', ');
  return countClaim({
    id: input.id,
    ...(input.kind ? { kind: input.kind } : {}),
    claim: `with its default timeouts, ${input.client} waits on a stalled server until the harness gives up at ${input.capMs} ms (no request sent on the stalled connection ends sooner than ${CAP_REACHED_SHARE * 100} % of it) — over ${rows.length} of ${rows.length + elsewhere} requests, the ones sent on the stalled connection`,
    holds: rows.length > 0 && early.length === 0,
    unresolved: rows.length === 0,
    evidence: {
      ...(rows.length === 0 ? guardEvidence('no request went to the stalled connection') : {}),
      requests: rows.length,
      notOnStalledConnection: elsewhere,
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
  /**
   * The 'without' side is a sanity check true by construction (the deterministic race closes every reused connection a
   * request arrives on, so without a retry every one fails): shown as such, not as a measured baseline.
   */
  withoutIsSanity?: boolean;
}

/**
 * 5: the least number of client processes the claim a recommendation rests on first (requires[0]) must count for the
 * recommendation to be stated without qualification; fewer: "(one process; indicative)". The process is the unit of
 * variation (a pool's state is shared by the bursts of one process).
 */
export const MIN_ADVICE_PROCESSES = 5;

/**
 * 30: the least number of requests that met a close (exposedToClose) each side of a recommendation needs before its
 * failure rates are compared; fewer leave the recommendation unresolved. Fixed before any run: with no failure among
 * 30 exposed requests the exact 95 % upper bound of the failure rate is below 12 %, which still separates a setting
 * from a side on which every exposed request fails.
 */
export const MIN_EXPOSED_PER_SIDE = 30;

/**
 * Whether a request met a close: it first arrived on a connection idle for at least `closeAfterMs` on the target's
 * clock (targetIdleMs; the deterministic race closes such a connection as the request arrives, T − raceWindowMs; in the
 * natural race the close is due at T), or it failed without ever reaching the target (written on a connection the
 * target had closed). A request a retry resent counts by its FIRST arrival. Undercounts one case: a request written on
 * a closed connection that never arrived and was then resent successfully on a fresh one (targetIdleMs null, arrived
 * 1, ok) — that lowers the exposure of a retrying side, never its failures. A row without targetIdleMs (recorded
 * before the target kept it) is not known to have met a close: false.
 */
export function exposedToClose(r: Pick<RaceRow, 'ok' | 'arrived' | 'targetIdleMs'>, closeAfterMs: number): boolean {
  if (r.targetIdleMs === undefined) return false;
  if (r.targetIdleMs === null) return !r.ok && r.arrived === 0;
  return r.targetIdleMs >= closeAfterMs;
}

export interface RaceAdvice {
  client: string;
  setting: string;
  cost: string;
  /**
   * 'measured': both sides had at least `minExposed` requests that met a close, and the rates below compare them;
   * 'unresolved': one side had fewer (unresolvedBecause says which) — the rates are shown but decide nothing.
   */
  status: 'measured' | 'unresolved';
  unresolvedBecause: string | null;
  /** Requests without and with the setting (all of them), and how many of each met a close (exposedToClose). */
  nWithout: number;
  nWith: number;
  exposedWithout: number;
  exposedWith: number;
  minExposed: number;
  /** Client processes of the claim the rule rests on first (its evidence's `processes`; absent there: the 'with'
   * rows'), and whether that is below minProcesses: then the recommendation is indicative only. */
  processes: number;
  minProcesses: number;
  indicative: boolean;
  /** The qualifier to print beside an indicative recommendation ("(one process; indicative)"); '' otherwise. */
  indicativeText: string;
  processesWithout: number;
  processesWith: number;
  withoutIsSanity: boolean;
  /** Failures among the exposed requests without and with the setting, and the rates per exposed request (NaN: none exposed). */
  failedExposedWithout: number;
  failedExposedWith: number;
  failureRateWithout: number;
  failureRateWith: number;
  /** Failures of requests that met no close (a harness or client fault, not the race), each side. */
  failedUnexposedWithout: number;
  failedUnexposedWith: number;
  /** Percentage points of exposed requests the setting stopped failing (without − with); null when unresolved. */
  removedPoints: number | null;
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
 * The recommendations whose claims all hold, each compared on EQUAL FOOTING: the failure rate per request that met a
 * close (exposedToClose with `closeAfterMs`), without and with the setting, with the exposure shown. Two runs of one
 * plan can put different numbers of requests in front of a closing socket (a pool moves some to fresh connections), so
 * a rate per request sent would compare unequal exposure. When either side has fewer than `minExposed` exposed
 * requests (default MIN_EXPOSED_PER_SIDE) the advice is 'unresolved'. A rule whose claims do not all hold (fail,
 * unresolved, or were not run) is left out: "What to set" says nothing the data did not show. A rule with no rows on
 * either side is left out too.
 */
export function raceAdvice(
  rules: readonly RaceAdviceRule[],
  verdicts: readonly (Pick<VerdictData, 'id' | 'outcome'> & { evidence?: Record<string, unknown> })[],
  rows: readonly RaceRow[],
  exposure: { closeAfterMs: number; minExposed?: number; minProcesses?: number },
): RaceAdvice[] {
  const minExposed = exposure.minExposed ?? MIN_EXPOSED_PER_SIDE;
  const minProcesses = exposure.minProcesses ?? MIN_ADVICE_PROCESSES;
  const processesOf = (xs: readonly RaceRow[]): number => new Set(xs.map((r) => r.process)).size;
  const held = new Set(verdicts.filter((v) => v.outcome === 'holds').map((v) => v.id));
  const out: RaceAdvice[] = [];
  for (const rule of rules) {
    if (!rule.requires.every((id) => held.has(id))) continue;
    const without = rows.filter((r) => matches(r, rule.without));
    const withIt = rows.filter((r) => matches(r, rule.with));
    if (without.length === 0 || withIt.length === 0) continue;
    const side = (xs: RaceRow[]) => {
      const exposed = xs.filter((r) => exposedToClose(r, exposure.closeAfterMs));
      const failedExposed = exposed.filter((r) => !r.ok).length;
      return {
        exposed: exposed.length,
        failedExposed,
        rate: exposed.length === 0 ? Number.NaN : failedExposed / exposed.length,
        failedUnexposed: xs.filter((r) => !r.ok).length - failedExposed,
      };
    };
    const a = side(without);
    const b = side(withIt);
    const primary = verdicts.find((v) => v.id === rule.requires[0])?.evidence?.['processes'];
    const processes = typeof primary === 'number' ? primary : processesOf(withIt);
    const indicative = processes < minProcesses;
    const short = [
      ...(a.exposed < minExposed ? [`without the setting ${a.exposed}`] : []),
      ...(b.exposed < minExposed ? [`with it ${b.exposed}`] : []),
    ];
    const unresolvedBecause =
      short.length > 0
        ? `too few requests met a close (${short.join(', ')}; at least ${minExposed} needed each side)`
        : null;
    out.push({
      client: rule.client,
      setting: rule.setting,
      cost: rule.cost,
      status: unresolvedBecause === null ? 'measured' : 'unresolved',
      unresolvedBecause,
      nWithout: without.length,
      nWith: withIt.length,
      exposedWithout: a.exposed,
      exposedWith: b.exposed,
      minExposed,
      processes,
      minProcesses,
      indicative,
      indicativeText: indicative ? `(${processes === 1 ? 'one process' : `${processes} processes`}; indicative)` : '',
      processesWithout: processesOf(without),
      processesWith: processesOf(withIt),
      withoutIsSanity: rule.withoutIsSanity === true,
      failedExposedWithout: a.failedExposed,
      failedExposedWith: b.failedExposed,
      failureRateWithout: a.rate,
      failureRateWith: b.rate,
      failedUnexposedWithout: a.failedUnexposed,
      failedUnexposedWith: b.failedUnexposed,
      removedPoints: unresolvedBecause === null ? Number(((a.rate - b.rate) * 100).toFixed(2)) : null,
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
 * more) and the median time to success are shown beside it, so the cost of the retry is in the evidence. The claim's
 * text ends with how many requests in how many client processes it counts (the deterministic plan runs one process
 * per client, retry setting and method): a count over one process says nothing about process-to-process variation.
 */
export function retryAvoidsFailuresClaim(input: {
  id: string;
  claim: string;
  rows: readonly RaceRow[];
  maxFailures: number;
  /** When given, the evidence also counts the requests that met a close (exposedToClose). */
  closeAfterMs?: number;
  /**
   * With closeAfterMs: the least number of requests that met a close for the race to count as exercised; fewer leave
   * the claim unresolved ("race not exercised") — a retry cannot be credited for failures that never had a chance to
   * happen. Absent: not required.
   */
  minMetAClose?: number;
}): VerdictData {
  const failed = input.rows.filter((r) => !r.ok);
  // A resend: a second arrival, or (natural close) a first copy that met a closed connection and a later arrival.
  const resent = input.rows.filter(resentRequest);
  const closeAfterMs = input.closeAfterMs;
  const processes = new Set(input.rows.map((r) => r.process)).size;
  const metAClose =
    closeAfterMs === undefined ? null : input.rows.filter((r) => exposedToClose(r, closeAfterMs)).length;
  const minMet = input.minMetAClose;
  const notExercised = minMet !== undefined && metAClose !== null && metAClose < minMet;
  return countClaim({
    id: input.id,
    claim: `${input.claim} (count, in ${processes === 1 ? 'one client process' : `${processes} client processes`} of ${input.rows.length} requests${minMet !== undefined && metAClose !== null ? `; the race must have happened: ≥ ${minMet} requests that met a close, else unresolved` : ''})`,
    holds: input.rows.length > 0 && failed.length <= input.maxFailures,
    unresolved: notExercised && failed.length <= input.maxFailures,
    evidence: {
      ...(notExercised ? guardEvidence(`race not exercised: ${metAClose} requests met a close (< ${minMet})`) : {}),
      ...(minMet !== undefined ? { minMetAClose: minMet } : {}),
      requests: input.rows.length,
      processes,
      failed: failed.length,
      maxFailures: input.maxFailures,
      ...(metAClose === null ? {} : { metAClose }),
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
 * The stalled server with a timeout the notebook configured: "`client` ends every request sent on a stalled connection
 * (onStalledConnection; requests that went to another connection are counted in the evidence only, and none at all
 * leaves it unresolved) within
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
  /** What ends the request, when the client itself does not (node:http: the harness's req.setTimeout → req.destroy). */
  enforcedBy?: string;
}): VerdictData {
  const fireBoundMs = timeoutFireBoundMs(input.timeoutMs, input.tickMs);
  const boundMs = fireBoundMs + input.slackMs;
  if (!(input.capMs > boundMs))
    throw new RangeError(
      `capMs: ${input.capMs} must exceed the timeout's fire bound + slackMs = ${boundMs}, or the claim cannot fail`,
    );
  const { met: rows, elsewhere } = stalledRows(input.rows, input.client);
  const late = rows.filter((r) => r.ok || r.elapsedMs > boundMs);
  const aboveFireBound = rows.filter((r) => r.elapsedMs > fireBoundMs).length;
  const processes = new Set(rows.map((r) => r.process)).size;
  const codes = [...new Set(rows.map((r) => r.code ?? 'ok'))].sort().join(', ');
  const bound =
    input.tickMs === undefined
      ? `the timeout + ${input.slackMs} ms slack`
      : `one ${input.tickMs} ms fast-timer tick above the configured value (⌈${input.timeoutMs} / ${input.tickMs}⌉ · ${input.tickMs} = ${fireBoundMs} ms) + ${input.slackMs} ms slack`;
  return countClaim({
    id: input.id,
    claim: `with a configured timeout of ${input.timeoutMs} ms${input.enforcedBy ? ` (${input.enforcedBy})` : ''}, ${input.client} ends every request sent on a stalled connection within ${boundMs} ms (${bound}; the harness waits ${input.capMs} ms) — ${processes === 1 ? 'one client process' : `${processes} client processes`}, ${rows.length} request${rows.length === 1 ? '' : 's'} on the stalled connection (of ${rows.length + elsewhere} sent)`,
    holds: rows.length > 0 && late.length === 0,
    unresolved: rows.length === 0,
    evidence: {
      ...(rows.length === 0 ? guardEvidence('no request went to the stalled connection') : {}),
      requests: rows.length,
      notOnStalledConnection: elsewhere,
      endedLateOrAnswered: late.length,
      configuredTimeoutMs: input.timeoutMs,
      fireBoundMs,
      boundMs,
      processes,
      aboveFireBound,
      medianElapsedMs: medianOf(rows.map((r) => r.elapsedMs)),
      maxElapsedMs: rows.length > 0 ? Math.max(...rows.map((r) => r.elapsedMs)) : null,
      codes,
    },
  });
}
