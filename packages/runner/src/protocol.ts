import type { ClientName, ResolvedClientOptions } from '@casebook/clients';
import type { PoolCounters } from '@casebook/results';
import type { LoadSpec } from './options';

/** Raw numbers of one phase (warm-up or trial), measured inside the client process. */
export interface PhaseResult {
  sent: number;
  ok: number;
  errors: { total: number; byCode: Record<string, number> };
  /** One message per error code, for diagnosis. */
  errorSamples: Record<string, string>;
  durationMs: number;
  /** Encoded HDR histogram of successful-request latencies in µs. */
  histogram: string;
  cpuUserMicros: number;
  cpuSystemMicros: number;
  eventLoopUtilization: number;
  clientPeakInFlight: number;
  protocols: Record<string, number>;
  /** With load.queueTiming: encoded HDR histograms (µs) of time waiting for a connection and time on it. */
  queueHistogram?: string;
  wireHistogram?: string;
  /** With load.queueTiming: sockets the client opened in this phase (diagnostics channels). */
  clientSocketsOpened?: number;
  /** A Python worker's httpcore pool counters over this phase alone (PoolCounters); absent: not instrumented. */
  poolCounters?: PoolCounters;
}

/**
 * httpcore's pool counters over one phase (stated after seed-e65a2755): the Python worker's counters at the phase's
 * end minus those at its start, so the cold first gather (the warm-up phase) and every batch have their own. The
 * assignment pass is sampled every `sampleEvery`-th pass: `sampledPasses` of `passes`, the connections they walked
 * (`sampledConnections`) and their own time (`sampledPassMicros`, perf_counter around the original method);
 * `queuedTimesConnections` is the sampled Σ queued × connections × sampleEvery (as the record's whole-process figure),
 * and `idleProbes` the sampled Σ idle connections at a pass's start × sampleEvery (an estimate of has_expired's polls
 * of an idle socket). `retries` (ConnectionNotAvailable) and `connectionsCreated` (the pool's create_connection) count
 * every call. null: that counter is not installed.
 */
export type { PoolCounters };

export interface WorkerStart {
  type: 'start';
  client: ClientName;
  origin: string;
  clientOptions: ResolvedClientOptions;
  load: LoadSpec;
  warmupRequests: number;
  trials: number;
  /** 'bare' runs the closed loop with no timing or histogram (harness-overhead baseline). */
  instrumentation: 'full' | 'bare';
  /** Client packages to load from the version store: package → node_modules folder (absent: the workspace's). */
  clientPackages?: Record<string, string>;
}

/** What the worker reports about the process it runs in, with `ready` (the record's client.runtime). */
export interface WorkerRuntime {
  node: string;
  bundledUndici: string | null;
  /** On Bun or Deno: that runtime and its version (`node` is then the Node version it emulates). */
  jsRuntime?: { name: 'bun' | 'deno'; version: string };
}

export function isWorkerRuntime(value: unknown): value is WorkerRuntime {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['node'] === 'string' && (v['bundledUndici'] === null || typeof v['bundledUndici'] === 'string');
}

/** Read in the worker itself: the runtime that actually ran the client. */
export function workerRuntime(): WorkerRuntime {
  const bun = process.versions['bun'];
  const deno = process.versions['deno'];
  return {
    node: process.version,
    bundledUndici: process.versions['undici'] ?? null,
    ...(bun !== undefined
      ? { jsRuntime: { name: 'bun', version: bun } }
      : deno !== undefined
        ? { jsRuntime: { name: 'deno', version: deno } }
        : {}),
  };
}

/**
 * A continuous load (continuous.ts), driven in blocks: after `ready`, each `block` starts the load, which reports a
 * `window` every `windowMs` until `pause` (the worker drains and answers `paused` with the partial window); `finish`
 * closes the client (`done`). The process — its JIT, its pool — lives across blocks.
 */
export interface ContinuousStart {
  type: 'start';
  client: ClientName;
  origin: string;
  clientOptions: ResolvedClientOptions;
  load: LoadSpec;
  windowMs: number;
  /** As WorkerStart.clientPackages. */
  clientPackages?: Record<string, string>;
}

export type ContinuousToWorker = { type: 'block'; index: number } | { type: 'pause' } | { type: 'finish' };

export type ContinuousFromWorker<Result = PhaseResult> =
  | { type: 'window'; block: number; index: number; result: Result }
  | { type: 'paused'; block: number; partial: Result };

/**
 * A foreign (Python) worker's phase or window: raw per-request latencies (µs) instead of the histogram, which the
 * runner fills (foreign.ts toPhaseResult), and the sockets its client held when the window ended (null: unreadable).
 */
export interface ForeignPhaseResult extends Omit<PhaseResult, 'histogram'> {
  latenciesMicros: number[];
  clientOpenSockets?: number | null;
  /** httpcore's ConnectionNotAvailable retries in the window (the worker's POOL_RETRIES); null: not instrumented. */
  poolRetries?: number | null;
}

/** What a foreign worker needs besides the load: the client, its pool switches and the event loop. */
export interface ForeignClientStart {
  client: string;
  origin: string;
  /** null: the library's default. */
  maxConnections: number | null;
  maxKeepaliveConnections: number | null;
  /** httpx: the pool's keepalive_expiry in seconds; absent: the library's default (read back into the settings). */
  keepaliveExpiryS?: number;
  loop: 'asyncio' | 'uvloop';
  requestTimeoutMs: number | null;
  /**
   * httpx and the published httpx-aiohttp transport: the pool wait unbounded (httpx pool=None; the transport maps it to
   * aiohttp's connect=None, sock_connect = httpx's connect), other timeouts at the default or requestTimeoutMs.
   */
  unboundedPoolWait?: true;
  /**
   * httpx on httpcore: the anyio locks of httpcore's AsyncLock are made with `fast_acquire=True` (as httpcore2 ships
   * them, pydantic/httpx2#970); absent: the library's own locks. The effective value is read back into the settings.
   */
  fastAcquire?: true;
  load: LoadSpec;
}

/**
 * The phase method's batches run until a rule is met (stated after seed-e65a2755, its second reader's finding 4a): at
 * least `trials` batches, and then more until at least `minStartedAfter` batches have started `marginS` s or more after
 * httpx's keepalive_expiry (read from the live pool) from the end of the cold first gather, a batch's start being the
 * sum of the measured batches before it (as @casebook/analysis gatherWarmupOf reads it). Past `trials` the worker stops
 * at `maxTrials` batches or `maxSeconds` s of measured batches, whichever comes first, so it always ends. Where no
 * expiry is readable (aiohttp, the contenders, the transports over aiohttp) it runs `trials`. The worker records how
 * many ran and why it stopped in its settings (`gatherUntil`).
 */
export interface GatherUntil {
  minStartedAfter: number;
  marginS: number;
  maxTrials: number;
  maxSeconds: number;
}

/** The phase method's start message for a foreign worker. */
export interface ForeignStart extends ForeignClientStart {
  type: 'start';
  warmupRequests: number;
  trials: number;
  /** Run batches past `trials` until the rule is met (GatherUntil); absent: exactly `trials`. */
  gatherUntil?: GatherUntil;
}

/** The steady-state method's start message for a foreign worker (`--continuous`). */
export interface ForeignContinuousStart extends ForeignClientStart {
  type: 'start';
  windowMs: number;
  /**
   * A window is cut only at a boundary where at least this many requests ended in it (answered or failed), else it
   * runs on to the next boundary (a whole multiple of windowMs). Absent: 0, every boundary cuts.
   */
  minWindowRequests?: number;
}
