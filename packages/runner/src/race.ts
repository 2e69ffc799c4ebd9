/**
 * The keep-alive race driver (notebook 08): one client process per run against a race target (servers'
 * race-target), rounds of "warm the connections, stay idle for a gap, send again", with the gaps swept around the
 * target's idle timeout T. Every request carries an id, and after the run each client-side outcome is joined with the
 * target's count of that id's arrivals: a failure that never reached the server, one that reached it and was closed
 * on, and a silent retry (two arrivals of one id) are told apart from both sides.
 */
import * as path from 'node:path';
import { checkRetryChoice, isClientName, RACE_METHODS, type RaceMethod, type RetryChoice } from '@casebook/clients';
import { ipcTransport, pinningPlan, spawnNode, stopChild } from '@casebook/procs';
import { CasebookError, UsageError } from '@casebook/results';
import {
  type FirstArrival,
  type RaceConnection,
  type RaceTargetCounters,
  type RaceTargetHandle,
  REQUEST_ID_HEADER,
  type ResolvedRaceTargetOptions,
} from '@casebook/servers';
import { driveWorker } from './driver';
import type { RaceJob, RaceOutcome, RaceParentToWorker, RaceRoundResult, RaceWorkerToParent } from './race-protocol';

/** Concurrency range of the study: 1 (one connection, the clean race) up to the 512. */
export const MAX_RACE_CONCURRENCY = 512;
/** Default POST body: small enough to go in one segment with the headers, big enough to be a real body. */
export const DEFAULT_POST_BODY_BYTES = 1024;
/** A round is a gap plus a few requests; past the gap this long means the client is stuck (unless a timeout is set). */
const ROUND_SLACK_MS = 120_000;
/** How long the target gets to see the client's connections close after the client process exits. */
const CLOSE_SETTLE_MS = 2000;
const CLOSE_POLL_MS = 20;
/**
 * A new connection's first write can precede the target's 'connection' event (the target's loop may be busy): a write
 * is joined to a connection with its port opened at most this long after it. Ports are not reused within a second.
 */
const JOIN_SLACK_US = 1_000_000;

export interface RaceRunSpec {
  client: string;
  target: RaceTargetHandle;
  gapsMs: number[];
  /** Default GET. */
  method?: RaceMethod;
  postBodyBytes?: number;
  /** Default 'client-default'. */
  retry?: RetryChoice;
  /** Default null (the client's own timeouts). */
  requestTimeoutMs?: number | null;
  /** Default null: wait for the client (see RaceJob.giveUpAfterMs). */
  giveUpAfterMs?: number | null;
  /** Default 1. */
  concurrency?: number;
  /** Runs while the round's connections are idle, before the gap is waited out (e.g. arm a drop rule). */
  onRoundStart?(index: number, gapMs: number): Promise<void> | void;
  /** Run id prefix for request ids (default: client and time). */
  runId?: string;
}

/** One measured request, joined with what the target counted for its id. */
export interface RaceRequestRecord extends RaceOutcome {
  round: number;
  gapMs: number;
  idleMs: number;
  /** Times this id arrived at the target (0: never reached it; 2 or more: retried by the client). */
  arrived: number;
  /** Times the target answered it. */
  served: number;
  /**
   * ms the connection this request FIRST reached the target on had been idle since its last response, on the target's
   * clock (RaceTargetCounters.idleAtFirstArrivalById; also when the target had already closed it); null when it came
   * on a new connection or never reached the target (then `arrived` is 0). targetIdleMs − T is how long after the
   * target's close was due (T after its last response on that connection) the request arrived; negative: before it.
   */
  targetIdleMs: number | null;
  /**
   * true when this id's first copy reached the target on a connection the target had ALREADY CLOSED (its actual
   * close, RaceTargetCounters.firstCopyAfterCloseById), false when that connection was still open; null on a new
   * connection or never reached the target.
   */
  firstCopyAfterClose: boolean | null;
  /** When the first copy reached the target's handler, on the shared clock (µs; FirstArrival.atUs); null: never. */
  arrivedAtUs: number | null;
  /**
   * The target's connection (RaceConnection.id) the client's first write of this id went to, joined by the socket's
   * port and time (joinWrite); null when no write was seen or no connection matched.
   */
  targetConnection: number | null;
  /**
   * When the target sent its FIN (or RST) on that connection, on the shared clock (µs; RaceConnection.closedAtUs), when
   * the write went into the idle period that close ended; null when the target did not close it in that period. A
   * first write at or after this time was written on a connection the server had ALREADY closed (exposed); one before
   * it was closed under it (the server's own race: written before the FIN, read after the close).
   */
  finAtUs: number | null;
  /**
   * When the target's close was due for the idle period the first write went into (its start + T, µs on the shared
   * clock); null when the write went to a new connection (no idle period) or was not seen. writtenAtUs − dueAtUs is
   * where the write landed relative to T.
   */
  dueAtUs: number | null;
}

/**
 * Join a request's first write (client clock = target clock, see race-writes.ts) to the target connection it went to:
 * the connection with the write's port opened last before it (JOIN_SLACK_US of slack). Its FIN time is the request's
 * `finAtUs` when the write went into the idle period the close ended (at or after closeIdleSinceUs); the due close is
 * that period's start + T, or, for a connection the target did not close then, the idle start the first arrival saw.
 */
export function joinWrite(
  write: { writtenAtUs: number | null; localPort: number | null },
  connections: readonly RaceConnection[],
  idleTimeoutMs: number,
  firstArrival: FirstArrival | undefined,
): { targetConnection: number | null; finAtUs: number | null; dueAtUs: number | null } {
  const { writtenAtUs, localPort } = write;
  if (writtenAtUs === null || localPort === null) return { targetConnection: null, finAtUs: null, dueAtUs: null };
  let match: RaceConnection | null = null;
  for (const c of connections)
    if (
      c.remotePort === localPort &&
      c.openedAtUs <= writtenAtUs + JOIN_SLACK_US &&
      (match === null || c.openedAtUs > match.openedAtUs)
    )
      match = c;
  if (match === null) return { targetConnection: null, finAtUs: null, dueAtUs: null };
  const tUs = Math.round(idleTimeoutMs * 1000);
  if (match.closedAtUs !== null && match.closeIdleSinceUs !== null && writtenAtUs >= match.closeIdleSinceUs)
    return { targetConnection: match.id, finAtUs: match.closedAtUs, dueAtUs: match.closeIdleSinceUs + tUs };
  const idleSinceUs = firstArrival?.connection === match.id ? firstArrival.idleSinceUs : null;
  return { targetConnection: match.id, finAtUs: null, dueAtUs: idleSinceUs === null ? null : idleSinceUs + tUs };
}

export interface RaceRunResult {
  client: string;
  method: RaceMethod;
  retry: RetryChoice;
  concurrency: number;
  /** The client process (gone when runRace returns: a test checks that it is). */
  clientPid: number | null;
  target: ResolvedRaceTargetOptions;
  /** The client's defence read from its live objects: at start, after the first warm-up, at the end. */
  defence: { ready: Record<string, unknown>; afterWarm: unknown; atEnd: unknown };
  requests: RaceRequestRecord[];
  /** Warm-up requests that failed (a warm-up follows the previous round at once; it should never race). */
  warmFailures: RaceOutcome[];
  /** The target's counters after the client process exited (its connections closed). */
  counters: RaceTargetCounters;
  /** Connections still open at the target after the client exited and CLOSE_SETTLE_MS: a leak unless stalled. */
  openAfter: number;
  error: { code: string; message: string } | null;
}

function checkSpec(spec: RaceRunSpec): Omit<RaceJob, 'origin' | 'runId' | 'idHeader'> {
  const { client } = spec;
  if (!isClientName(client) || client === 'node-http2')
    throw new UsageError('client', client, 'expected an HTTP/1.1 client (see CLIENT_NAMES)');
  const method = spec.method ?? 'GET';
  if (!(RACE_METHODS as readonly string[]).includes(method))
    throw new UsageError('method', method, `expected one of ${RACE_METHODS.join(', ')}`);
  const concurrency = spec.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_RACE_CONCURRENCY)
    throw new UsageError('concurrency', concurrency, `expected an integer from 1 to ${MAX_RACE_CONCURRENCY}`);
  if (!Array.isArray(spec.gapsMs) || spec.gapsMs.length === 0)
    throw new UsageError('gapsMs', spec.gapsMs, 'expected a non-empty list of gaps');
  for (const g of spec.gapsMs)
    if (typeof g !== 'number' || !Number.isFinite(g) || g < 0 || g > 600_000)
      throw new UsageError('gapsMs', g, 'expected every gap from 0 to 600000 ms');
  const postBodyBytes = spec.postBodyBytes ?? DEFAULT_POST_BODY_BYTES;
  if (!Number.isInteger(postBodyBytes) || postBodyBytes < 0 || postBodyBytes > 1024 * 1024)
    throw new UsageError('postBodyBytes', postBodyBytes, 'expected an integer from 0 to 1048576');
  const requestTimeoutMs = spec.requestTimeoutMs ?? null;
  if (requestTimeoutMs !== null && (!Number.isFinite(requestTimeoutMs) || requestTimeoutMs <= 0))
    throw new UsageError('requestTimeoutMs', requestTimeoutMs, 'expected a number > 0, or null');
  const giveUpAfterMs = spec.giveUpAfterMs ?? null;
  if (giveUpAfterMs !== null && (!Number.isFinite(giveUpAfterMs) || giveUpAfterMs <= 0))
    throw new UsageError('giveUpAfterMs', giveUpAfterMs, 'expected a number > 0, or null');
  return {
    client,
    method,
    postBodyBytes,
    giveUpAfterMs,
    retry: checkRetryChoice(client, spec.retry ?? 'client-default'),
    requestTimeoutMs,
    concurrency,
    gapsMs: [...spec.gapsMs],
  };
}

/**
 * Gaps swept around T: well below (T/4), T − δ, T, T + δ, well above (2T). Exactly at T the outcome depends on which
 * timer fires first; ±δ put the request just inside and just outside the server's idle timeout.
 */
export function gapsAround(idleTimeoutMs: number, deltaMs: number): number[] {
  if (!(deltaMs > 0 && deltaMs < idleTimeoutMs))
    throw new UsageError('deltaMs', deltaMs, `expected a number between 0 and the idle timeout ${idleTimeoutMs}`);
  return [idleTimeoutMs / 4, idleTimeoutMs - deltaMs, idleTimeoutMs, idleTimeoutMs + deltaMs, 2 * idleTimeoutMs].map(
    Math.round,
  );
}

async function settledCounters(target: RaceTargetHandle): Promise<RaceTargetCounters> {
  const until = Date.now() + CLOSE_SETTLE_MS;
  let counters = await target.counters();
  while (counters.openConnections > counters.stalledConnections && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, CLOSE_POLL_MS));
    counters = await target.counters();
  }
  return counters;
}

/** Run one client against the race target; the target's counters are reset first and read after the client exits. */
export async function runRace(spec: RaceRunSpec): Promise<RaceRunResult> {
  const checked = checkSpec(spec);
  const runId = spec.runId ?? `${checked.client}-${Date.now().toString(36)}`;
  const job: RaceJob = { ...checked, origin: spec.target.origin, runId, idHeader: REQUEST_ID_HEADER };
  await spec.target.reset();
  const worker = spawnNode(path.join(__dirname, 'race-worker-process.js'), {
    cpu: pinningPlan().clientCpu,
    role: 'client',
  });
  const rounds: RaceRoundResult[] = [];
  let ready: Record<string, unknown> = {};
  let settings: Record<string, unknown> = {};
  let error: RaceRunResult['error'] = null;
  const bound = job.giveUpAfterMs ?? job.requestTimeoutMs;
  const slack = bound === null ? ROUND_SLACK_MS : bound * 4 + 10_000;
  try {
    settings = await driveWorker<RaceParentToWorker, RaceRoundResult>({
      transport: ipcTransport<RaceWorkerToParent, RaceParentToWorker>(worker),
      start: { type: 'race', job },
      phaseTimeoutMs: Math.max(...job.gapsMs) + slack,
      onReady: (m) => {
        ready = isRecord(m['defence']) ? m['defence'] : {};
      },
      onPhaseStart: async (_phase, index) => {
        await spec.onRoundStart?.(index, job.gapsMs[index] ?? 0);
      },
      onPhaseEnd: (_phase, _index, round) => {
        rounds.push(round);
      },
    });
  } catch (e) {
    const c = e instanceof CasebookError ? e : null;
    error = { code: c?.code ?? 'CASEBOOK_RACE', message: e instanceof Error ? e.message : String(e) };
  } finally {
    await stopChild(worker);
  }
  const counters = await settledCounters(spec.target);
  const idleTimeoutMs = spec.target.options().idleTimeoutMs;
  const requests: RaceRequestRecord[] = rounds.flatMap((r) =>
    r.outcomes.map((o) => {
      const first = counters.firstArrivalById[o.id];
      return {
        ...o,
        round: r.index,
        gapMs: r.gapMs,
        idleMs: r.idleMs,
        arrived: counters.arrivedById[o.id] ?? 0,
        served: counters.servedById[o.id] ?? 0,
        targetIdleMs: counters.idleAtFirstArrivalById[o.id] ?? null,
        firstCopyAfterClose: counters.firstCopyAfterCloseById[o.id] ?? null,
        arrivedAtUs: first?.atUs ?? null,
        ...joinWrite(o, counters.connections, idleTimeoutMs, first),
      };
    }),
  );
  return {
    client: job.client,
    method: job.method,
    retry: job.retry,
    concurrency: job.concurrency,
    clientPid: worker.pid ?? null,
    target: spec.target.options(),
    defence: { ready, afterWarm: settings['defenceAfterWarm'] ?? null, atEnd: settings['defenceAtEnd'] ?? null },
    requests,
    warmFailures: rounds.flatMap((r) => r.warm.filter((o) => !o.ok)),
    counters,
    openAfter: counters.openConnections,
    error,
  };
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
