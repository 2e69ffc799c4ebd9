import { UsageError } from '@casebook/results';
import {
  type H2TargetOptions,
  h2Alpn,
  type ResolvedH2TargetOptions,
  resolveH2TargetOptions,
} from './h2-target-options';
import { type CertType, resolveCertType } from './tls-pki';

export const TLS_VERSIONS = ['TLSv1.2', 'TLSv1.3', 'any'] as const;
export type TlsVersionChoice = (typeof TLS_VERSIONS)[number];

/** HTTPS on the target: which TLS version it allows and which leaf certificate it presents (CA made at start). */
export interface TargetTlsOptions {
  /** 'any' allows 1.2 and 1.3 (the client picks, normally 1.3). Default 'TLSv1.3'. */
  version?: TlsVersionChoice;
  /** Default 'ecdsa-p256'. */
  certType?: CertType;
}

export interface ResolvedTargetTls {
  version: TlsVersionChoice;
  certType: CertType;
  /** ALPN the server offers (HTTP/1.1 target). */
  alpn: string[];
}

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
  /** Head-of-line experiments: every `slowEvery`-th request (0 = none) waits `slowDelayMs` instead of `delayMs`. */
  slowEvery?: number;
  slowDelayMs?: number;
  /** Serve HTTPS with a run-time CA and leaf (null or absent: plain HTTP). */
  tls?: TargetTlsOptions | null;
  /** Serve HTTP/2 (node:http2, always over TLS: `tls` defaults to TLS 1.3 when absent). Null or absent: HTTP/1.1. */
  h2?: H2TargetOptions | null;
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
  slowEvery: number;
  slowDelayMs: number;
  /** listen() backlog: above the 512-connection bursts we send, so the kernel never drops SYNs. */
  backlog: number;
  tls: ResolvedTargetTls | null;
  /** Present only for the HTTP/2 target (h2-target-process). */
  h2?: ResolvedH2TargetOptions;
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
  slowEvery: 0,
  slowDelayMs: 0,
  backlog: 4096,
  tls: null,
};

/**
 * Longest think-time, slow-request delay, stall or stall period the target takes. A think-time over a minute is not a
 * client benchmark, and it would outlast the trial timeout: the run would hang until the timeout kills it.
 */
export const MAX_TARGET_TIME_MS = 60_000;

/**
 * Longest server keep-alive timeout: ten times the 60 s idle timeout load balancers commonly use, and far below
 * setTimeout's 2^31 − 1 ms, above which Node would silently turn the timeout into 1 ms.
 */
export const MAX_KEEP_ALIVE_TIMEOUT_MS = 600_000;

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

function nonNegativeInteger(field: string, value: unknown): number {
  const n = nonNegative(field, value);
  if (!Number.isInteger(n)) throw new UsageError(field, value, 'expected an integer ≥ 0');
  return n;
}

export function resolveTargetOptions(input: TargetOptions = {}): ResolvedTargetOptions {
  const d = DEFAULT_TARGET_OPTIONS;
  const status = input.status ?? d.status;
  if (!Number.isInteger(status) || status < 100 || status > 599)
    throw new UsageError('status', status, 'expected an HTTP status 100..599');
  const bodyBytes = nonNegative('body-bytes', input.bodyBytes ?? d.bodyBytes, MAX_BODY_BYTES);
  if (!Number.isInteger(bodyBytes)) throw new UsageError('body-bytes', bodyBytes, 'expected an integer');
  const resolved: ResolvedTargetOptions = {
    ...d,
    delayMs: nonNegative('delay-ms', input.delayMs ?? d.delayMs, MAX_TARGET_TIME_MS),
    bodyBytes,
    status,
    keepAliveTimeoutMs: nonNegative(
      'keepAliveTimeoutMs',
      input.keepAliveTimeoutMs ?? d.keepAliveTimeoutMs,
      MAX_KEEP_ALIVE_TIMEOUT_MS,
    ),
    ...resolveStall(input),
    ...resolveSlow(input),
    ...resolveTlsAndH2(input),
  };
  if (resolved.h2) refuseOptionsH2CannotHonour(resolved);
  return resolved;
}

/** A stall needs both its period and its length (one without the other does nothing), and must end before the next. */
function resolveStall(input: TargetOptions): Pick<ResolvedTargetOptions, 'stallEveryMs' | 'stallForMs'> {
  const d = DEFAULT_TARGET_OPTIONS;
  const stallEveryMs = nonNegative('stallEveryMs', input.stallEveryMs ?? d.stallEveryMs, MAX_TARGET_TIME_MS);
  const stallForMs = nonNegative('stallForMs', input.stallForMs ?? d.stallForMs, MAX_TARGET_TIME_MS);
  if (stallEveryMs > 0 && stallForMs === 0)
    throw new UsageError('stallForMs', stallForMs, `expected > 0 with stallEveryMs ${stallEveryMs}`);
  if (stallForMs > 0 && stallEveryMs === 0)
    throw new UsageError('stallEveryMs', stallEveryMs, `expected > 0 with stallForMs ${stallForMs}`);
  if (stallForMs > 0 && stallForMs >= stallEveryMs)
    throw new UsageError(
      'stallForMs',
      stallForMs,
      `expected less than stallEveryMs ${stallEveryMs}: the target would never run`,
    );
  return { stallEveryMs, stallForMs };
}

/** slowDelayMs applies only to every slowEvery-th request: without slowEvery it would be ignored. */
function resolveSlow(input: TargetOptions): Pick<ResolvedTargetOptions, 'slowEvery' | 'slowDelayMs'> {
  const d = DEFAULT_TARGET_OPTIONS;
  const slowEvery = nonNegativeInteger('slowEvery', input.slowEvery ?? d.slowEvery);
  const slowDelayMs = nonNegative('slowDelayMs', input.slowDelayMs ?? d.slowDelayMs, MAX_TARGET_TIME_MS);
  if (slowDelayMs > 0 && slowEvery === 0)
    throw new UsageError('slowDelayMs', slowDelayMs, 'expected 0 when slowEvery is 0 (no request is slow)');
  return { slowEvery, slowDelayMs };
}

/**
 * Options only the HTTP/1.1 target (target-process) honours: the HTTP/2 target (h2-target-process) has no
 * keep-alive timeout and no stall loop, so a non-default value is refused rather than silently ignored.
 */
const H1_ONLY_OPTIONS = ['keepAliveTimeoutMs', 'stallEveryMs', 'stallForMs'] as const;

function refuseOptionsH2CannotHonour(resolved: ResolvedTargetOptions): void {
  for (const field of H1_ONLY_OPTIONS) {
    if (resolved[field] !== DEFAULT_TARGET_OPTIONS[field])
      throw new UsageError(field, resolved[field], 'not supported by the HTTP/2 target');
  }
}

export function resolveTargetTls(input: TargetTlsOptions | null | undefined): ResolvedTargetTls | null {
  if (input === null || input === undefined) return null;
  const version = input.version ?? 'TLSv1.3';
  if (!(TLS_VERSIONS as readonly string[]).includes(version))
    throw new UsageError('tls.version', version, `expected one of ${TLS_VERSIONS.join(', ')}`);
  return { version, certType: resolveCertType(input.certType ?? 'ecdsa-p256'), alpn: ['http/1.1'] };
}

/** TLS and HTTP/2 together: an h2 target always serves TLS, and offers h2 (plus http/1.1 when allowed) in ALPN. */
function resolveTlsAndH2(input: TargetOptions): Pick<ResolvedTargetOptions, 'tls' | 'h2'> {
  const h2 = resolveH2TargetOptions(input.h2);
  if (!h2) return { tls: resolveTargetTls(input.tls) };
  const tls = resolveTargetTls(input.tls ?? {}) as ResolvedTargetTls;
  return { tls: { ...tls, alpn: h2Alpn(h2) }, h2 };
}
