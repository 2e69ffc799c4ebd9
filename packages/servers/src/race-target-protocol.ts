/**
 * The race target's options and counters (keep-alive races, notebook 08). Kept apart from race-target-process.ts so
 * the parent (runner, analysis, tests) can import them without starting anything.
 *
 * The target closes connections that stay idle for `idleTimeoutMs` (T) with FIN or RST, or stalls them (it keeps
 * taking bytes and never answers again), and announces T to clients in a `Keep-Alive: timeout=` hint that is absent,
 * true, or lying (longer than T). Every request carries an id header set by the driver, and the target counts how
 * often each id ARRIVED: a client's silent retry shows up as a second arrival of the same id.
 */
import { UsageError } from '@casebook/results';

/** The header the race driver sets on every request: the target counts arrivals per value. */
export const REQUEST_ID_HEADER = 'x-casebook-request-id';

export const IDLE_CLOSE_MODES = ['fin', 'rst', 'stall'] as const;
/** 'fin': socket.end(); 'rst': socket.resetAndDestroy(); 'stall': keep the socket, never answer on it again. */
export type IdleCloseMode = (typeof IDLE_CLOSE_MODES)[number];

export const HINT_MODES = ['absent', 'true', 'lying'] as const;
/** 'absent': no Keep-Alive header; 'true': timeout=floor(T/1000); 'lying': timeout=floor(T/1000) + LYING_HINT_EXTRA_S. */
export type HintMode = (typeof HINT_MODES)[number];

/**
 * How much longer than T a lying hint claims, in seconds: more than undici's 2 s threshold and Node's 1 s buffer,
 * so both clients' trimmed idle timeouts still outlast the server's real one.
 */
export const LYING_HINT_EXTRA_S = 5;

/** Longest idle timeout the target takes: a keep-alive race study sweeps gaps around T, and minutes of gaps are hours of runs. */
export const MAX_RACE_IDLE_TIMEOUT_MS = 120_000;

export interface RaceTargetOptions {
  /** T: an idle connection (no request in flight) is closed or stalled this long after its last response. */
  idleTimeoutMs: number;
  /** Default 'fin'. */
  idleClose?: IdleCloseMode;
  /** Default 'absent'. */
  hint?: HintMode;
  /**
   * The deterministic race (0 = off): a request that arrives on a connection idle for at least T − raceWindowMs is
   * met by the idle close instead of an answer, as if the server's timer had fired as its first byte arrived.
   */
  raceWindowMs?: number;
  /** Response body bytes. Default 64. */
  bodyBytes?: number;
}

export interface ResolvedRaceTargetOptions {
  host: '127.0.0.1';
  idleTimeoutMs: number;
  idleClose: IdleCloseMode;
  hint: HintMode;
  /** The `Keep-Alive` header value sent, or null when the hint is absent. */
  hintHeader: string | null;
  raceWindowMs: number;
  bodyBytes: number;
}

/** Largest response body: the race is about connections, not transfer. */
const MAX_RACE_BODY_BYTES = 1024 * 1024;

function boundedNumber(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw new UsageError(field, value, `expected a number from ${min} to ${max}`);
  return value;
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value))
    throw new UsageError(field, value, `expected one of ${allowed.join(', ')}`);
  return value as T;
}

/** The hint header for T and a hint mode (null when absent). */
export function hintHeader(idleTimeoutMs: number, hint: HintMode): string | null {
  const trueSeconds = Math.floor(idleTimeoutMs / 1000);
  if (hint === 'absent') return null;
  return `timeout=${hint === 'true' ? trueSeconds : trueSeconds + LYING_HINT_EXTRA_S}`;
}

export function resolveRaceTargetOptions(input: RaceTargetOptions): ResolvedRaceTargetOptions {
  const idleTimeoutMs = boundedNumber('idleTimeoutMs', input.idleTimeoutMs, 1, MAX_RACE_IDLE_TIMEOUT_MS);
  const idleClose = oneOf('idleClose', input.idleClose ?? 'fin', IDLE_CLOSE_MODES);
  const hint = oneOf('hint', input.hint ?? 'absent', HINT_MODES);
  const raceWindowMs = boundedNumber('raceWindowMs', input.raceWindowMs ?? 0, 0, idleTimeoutMs);
  const bodyBytes = boundedNumber('bodyBytes', input.bodyBytes ?? 64, 0, MAX_RACE_BODY_BYTES);
  if (!Number.isInteger(bodyBytes)) throw new UsageError('bodyBytes', bodyBytes, 'expected an integer');
  return {
    host: '127.0.0.1',
    idleTimeoutMs,
    idleClose,
    hint,
    hintHeader: hintHeader(idleTimeoutMs, hint),
    raceWindowMs,
    bodyBytes,
  };
}

/**
 * How a connection ended, as the target saw it. 'idle-*': closed by the idle timer; 'race-*': closed by the race hook
 * as a request arrived; 'stall-released': a stalled connection destroyed by `release` at the end of a run;
 * 'client-closed': the client closed first; 'error': a socket error (e.g. the client's RST) closed it.
 */
export const CONNECTION_ENDS = [
  'idle-fin',
  'idle-rst',
  'race-fin',
  'race-rst',
  'stall-released',
  'client-closed',
  'error',
] as const;
export type ConnectionEnd = (typeof CONNECTION_ENDS)[number];

/**
 * The one clock both sides of a race share: process.hrtime.bigint() in whole µs. It reads CLOCK_MONOTONIC (libuv's
 * uv_hrtime on Linux), one clock for every process of the machine, so a time the race target records (its FIN) and a
 * time the client process records (its write) compare directly. A number, not a bigint: JSON has no bigint, and µs
 * since boot stay far below 2^53.
 */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface RaceConnection {
  id: number;
  /** Requests answered on it. */
  served: number;
  /** Requests that arrived on it (answered, met by the race close, or ignored while stalled). */
  arrived: number;
  /** null while it is open. */
  ended: ConnectionEnd | null;
  stalled: boolean;
  /** The client's port (the client socket's localPort): how a client-side write is joined to this connection. */
  remotePort: number | null;
  /** monotonicMicros() at the target's 'connection' event. */
  openedAtUs: number;
  /**
   * monotonicMicros() as the target called end() (FIN) or resetAndDestroy() (RST) for its idle close or its race
   * close; null when the target did not close it (the client did, it errored, it stalled or is still open).
   */
  closedAtUs: number | null;
  /**
   * monotonicMicros() at which the idle period that close ended began (the end of the last response on it); null
   * without a target close, or when it closed before answering anything. A client write at or after this time went
   * into the idle period the close ended; its due close is closeIdleSinceUs + T.
   */
  closeIdleSinceUs: number | null;
}

/** Where and when a request id first reached the target's request handler, on the shared clock. */
export interface FirstArrival {
  /** monotonicMicros() as the handler ran (after the parser; after the timers phase that may have closed it). */
  atUs: number;
  /** RaceConnection.id it arrived on. */
  connection: number;
  /** monotonicMicros() at which that connection had become idle; null on a connection that had answered nothing. */
  idleSinceUs: number | null;
}

export interface RaceTargetCounters {
  connectionsOpened: number;
  connectionsClosed: number;
  openConnections: number;
  /** Open connections the target stalled (they stay open until the client gives up or `release`). */
  stalledConnections: number;
  /** Requests that arrived (every arrival, retries included). */
  arrivals: number;
  responses: number;
  /** Arrivals met by the race hook's close. */
  raceCloses: number;
  /** Arrivals on a stalled connection (never answered). */
  ignoredWhileStalled: number;
  /** Requests that arrived without the id header. */
  unlabelled: number;
  /** Requests the HTTP parser delivered after the target had closed the connection (never answered, not arrivals). */
  arrivedAfterClose: number;
  /** Closed connections by how they ended. */
  endings: Record<ConnectionEnd, number>;
  /** Per request id: how many times it arrived, and how many times it was answered. */
  arrivedById: Record<string, number>;
  servedById: Record<string, number>;
  /**
   * Per request id: ms the connection it FIRST reached the target on had been idle since its last response (the
   * target's own idle clock, the one its close timer runs on), or null when it came as the first request of a new
   * connection. Recorded also when the target had already closed that connection (then it is not an arrival). An id
   * absent here never reached the target. This is what tells a request sent on a kept-alive, reused connection (the
   * race) from one the client sent on a fresh connection (no race).
   */
  idleAtFirstArrivalById: Record<string, number | null>;
  /**
   * Per request id that reached the target on a connection idle since a response (idleAtFirstArrivalById not null):
   * true when the target had ALREADY CLOSED that connection (its actual close, not the time the close was due) as the
   * first copy arrived, false when it was still open. Absent for ids on new connections or never seen.
   */
  firstCopyAfterCloseById: Record<string, boolean>;
  /** Per request id: its first arrival at the handler on the shared clock (see FirstArrival). */
  firstArrivalById: Record<string, FirstArrival>;
  /**
   * Per idle close (FIN or RST written by the idle timer), ms the connection had been idle on the target's clock:
   * minus the idle timeout, how late (or early) the close timer fired. Saved in race-runs.json with the counters.
   */
  idleClosedAtIdleMs: number[];
  /** Connections closed since the last reset, then the open ones. */
  connections: RaceConnection[];
}

export function emptyEndings(): Record<ConnectionEnd, number> {
  return Object.fromEntries(CONNECTION_ENDS.map((e) => [e, 0])) as Record<ConnectionEnd, number>;
}
