import { UsageError } from '@casebook/results';

export interface TargetOptions {
  /** Think-time before each response, in ms (models the server, not the network). */
  delayMs?: number;
  /** Response body size in bytes. */
  bodyBytes?: number;
  /** Response status code. */
  status?: number;
  /** Server keep-alive timeout (Node's default is 5000 ms). */
  keepAliveTimeoutMs?: number;
  /** Periodic stall: every `stallEveryMs` the target's event loop is blocked for `stallForMs` (a GC-like pause). */
  stallEveryMs?: number;
  stallForMs?: number;
}

export interface ResolvedTargetOptions {
  protocol: 'http/1.1';
  host: '127.0.0.1';
  delayMs: number;
  bodyBytes: number;
  status: number;
  keepAliveTimeoutMs: number;
  stallEveryMs: number;
  stallForMs: number;
  /** listen() backlog: above the 512-connection bursts we send, so the kernel never drops SYNs. */
  backlog: number;
}

/** Bodies above this are refused: a benchmark of 64 MiB responses measures memcpy, not a client. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export const DEFAULT_TARGET_OPTIONS: ResolvedTargetOptions = {
  protocol: 'http/1.1',
  host: '127.0.0.1',
  delayMs: 0,
  bodyBytes: 64,
  status: 200,
  keepAliveTimeoutMs: 5000,
  stallEveryMs: 0,
  stallForMs: 0,
  backlog: 4096,
};

function nonNegative(field: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    throw new UsageError(
      field,
      value,
      max < Number.MAX_SAFE_INTEGER ? `expected a number from 0 to ${max}` : 'expected a number ≥ 0',
    );
  }
  return value;
}

export function resolveTargetOptions(input: TargetOptions = {}): ResolvedTargetOptions {
  const d = DEFAULT_TARGET_OPTIONS;
  const status = input.status ?? d.status;
  if (!Number.isInteger(status) || status < 100 || status > 599)
    throw new UsageError('status', status, 'expected an HTTP status 100..599');
  const bodyBytes = nonNegative('body-bytes', input.bodyBytes ?? d.bodyBytes, MAX_BODY_BYTES);
  if (!Number.isInteger(bodyBytes)) throw new UsageError('body-bytes', bodyBytes, 'expected an integer');
  return {
    ...d,
    delayMs: nonNegative('delay-ms', input.delayMs ?? d.delayMs),
    bodyBytes,
    status,
    keepAliveTimeoutMs: nonNegative('keepAliveTimeoutMs', input.keepAliveTimeoutMs ?? d.keepAliveTimeoutMs),
    stallEveryMs: nonNegative('stallEveryMs', input.stallEveryMs ?? d.stallEveryMs),
    stallForMs: nonNegative('stallForMs', input.stallForMs ?? d.stallForMs),
  };
}
