import type { ClientName, ResolvedClientOptions } from '@casebook/clients';
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
}

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
}

export type ContinuousToWorker = { type: 'block'; index: number } | { type: 'pause' } | { type: 'finish' };

export type ContinuousFromWorker =
  | { type: 'window'; block: number; index: number; result: PhaseResult }
  | { type: 'paused'; block: number; partial: PhaseResult };
