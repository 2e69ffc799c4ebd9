import {
  ADAPTERS,
  CLIENT_NAMES,
  type ClientName,
  type ClientOptions,
  isClientName,
  type ResolvedClientOptions,
  resolveClientOptions,
} from '@casebook/clients';
import { UsageError } from '@casebook/results';
import {
  type ResolvedTargetOptions,
  resolveTargetOptions,
  type TargetOptions,
  type TargetTlsOptions,
} from '@casebook/servers';

/** One measurement: a client against a fresh local target. Every field but `client` has a documented default. */
export interface BenchOptions {
  client: string;
  /** 'closed': `concurrency` requests always in flight. 'open': requests start at `rateRps` whatever happens. */
  mode?: 'closed' | 'open';
  /** Requests in flight (closed loop). */
  concurrency?: number;
  /** Arrival rate for the open loop, requests per second. */
  rateRps?: number;
  /** Requests per trial (or use durationMs). */
  requests?: number;
  /** Trial length instead of a request count. */
  durationMs?: number;
  trials?: number;
  /** Requests sent before the first trial and not measured (connections opened, JIT warm). */
  warmupRequests?: number;
  /** A trial that runs longer than this is aborted and the record marked errored. */
  trialTimeoutMs?: number;
  connections?: number | null;
  keepAlive?: boolean;
  pipelining?: number;
  /** undici's per-request `blocking` (see ClientOptions.pipelineBlocking). */
  pipelineBlocking?: boolean | null;
  /** axios's `maxRedirects` (see ClientOptions.maxRedirects; 0: native http, no follow-redirects). */
  maxRedirects?: number | null;
  connectTimeoutMs?: number | null;
  requestTimeoutMs?: number | null;
  protocol?: ClientOptions['protocol'];
  /** Think-time of the target before each response. */
  delayMs?: number;
  bodyBytes?: number;
  status?: number;
  target?: Omit<TargetOptions, 'delayMs' | 'bodyBytes' | 'status'>;
  path?: string;
  /** Case study the measurement belongs to (results/<caseStudy>/). */
  caseStudy?: string;
  /** Free label to find the measurement in a study (e.g. 'undici-request @ 50 ms'). */
  label?: string;
  /** Fault injection, recorded with the run. */
  faults?: { killTargetAfterMs?: number };
  /** Split each request's latency into queue wait and wire time (diagnostics channels in the client process). */
  queueTiming?: boolean;
  /** Idle gap before each measured trial, in ms: with requests = concurrency, each trial is one burst after idle. */
  idleBeforeTrialMs?: number;
  /** HTTPS target (run-time CA handed to the client); absent = plain HTTP. */
  tls?: TargetTlsOptions;
  /** Client TLS session cache size; 0 disables it; null/absent keeps the client's default. */
  tlsSessionCacheSize?: number | null;
  /** Anti-pattern: a new client per request. */
  clientPerRequest?: boolean;
  /** Put the delaying proxy between client and target with this RTT (and a connect hook adding one RTT per new
   * connection for the TCP handshake). Absent = direct. */
  rttMs?: number;
}

export interface LoadSpec {
  mode: 'closed' | 'open';
  concurrency: number;
  rateRps: number | null;
  requests: number | null;
  durationMs: number | null;
  path: string;
  expectedBodyBytes: number;
  expectedStatus: number;
  /** See BenchOptions.queueTiming (absent = false). */
  queueTiming?: boolean;
  /** See BenchOptions.idleBeforeTrialMs (absent = 0). */
  idleBeforeTrialMs?: number;
}

export interface ResolvedBenchOptions {
  client: ClientName;
  load: LoadSpec;
  trials: number;
  warmupRequests: number;
  trialTimeoutMs: number;
  clientOptions: ResolvedClientOptions;
  target: ResolvedTargetOptions;
  caseStudy: string;
  label: string;
  faults: { killTargetAfterMs: number | null };
  /** Delaying proxy in front of the target (present only when asked for). */
  proxy?: { rttMs: number };
}

/** Limits that keep a typo from becoming a runaway run. */
export const LIMITS = {
  maxConcurrency: 100_000,
  maxRequests: 100_000_000,
  maxTrials: 1000,
} as const;

export const DEFAULT_TRIALS = 3;
export const DEFAULT_TRIAL_TIMEOUT_MS = 300_000;

function integerIn(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(field, value, `expected an integer from ${min} to ${max}`);
  }
  return value;
}

function positiveNumber(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new UsageError(field, value, 'expected a number > 0');
  }
  return value;
}

const KEBAB = /^[a-z0-9][a-z0-9-]*$/;

export function resolveBenchOptions(input: BenchOptions): ResolvedBenchOptions {
  if (!isClientName(input.client))
    throw new UsageError('client', input.client, `expected one of ${CLIENT_NAMES.join(', ')}`);
  const mode = input.mode ?? 'closed';
  if (mode !== 'closed' && mode !== 'open') throw new UsageError('mode', mode, 'expected closed or open');
  const concurrency = integerIn(
    'concurrency',
    input.concurrency ?? (mode === 'open' ? 1 : undefined),
    1,
    LIMITS.maxConcurrency,
  );
  const rateRps = mode === 'open' ? positiveNumber('rate', input.rateRps) : null;
  if (mode === 'closed' && input.rateRps !== undefined)
    throw new UsageError('rate', input.rateRps, 'only valid with --mode open');
  let requests: number | null = null;
  let durationMs: number | null = null;
  if (input.durationMs !== undefined) durationMs = positiveNumber('duration-ms', input.durationMs);
  if (input.requests !== undefined) requests = integerIn('requests', input.requests, 1, LIMITS.maxRequests);
  if (requests === null && durationMs === null)
    throw new UsageError('requests', input.requests, 'give --requests or --duration-ms');
  const trials = integerIn('trials', input.trials ?? DEFAULT_TRIALS, 1, LIMITS.maxTrials);
  const warmupDefault =
    mode === 'closed' ? Math.max(2 * concurrency, 500) : Math.max(100, Math.round((rateRps ?? 0) / 4));
  const warmupRequests = integerIn('warmup', input.warmupRequests ?? warmupDefault, 0, LIMITS.maxRequests);
  const trialTimeoutMs = positiveNumber('trialTimeoutMs', input.trialTimeoutMs ?? DEFAULT_TRIAL_TIMEOUT_MS);
  if (input.connections !== undefined && input.connections !== null)
    integerIn('connections', input.connections, 1, LIMITS.maxConcurrency);
  const clientInput: ClientOptions = {};
  if (input.connections !== undefined) clientInput.connections = input.connections;
  if (input.keepAlive !== undefined) clientInput.keepAlive = input.keepAlive;
  if (input.pipelining !== undefined) clientInput.pipelining = input.pipelining;
  if (input.pipelineBlocking !== undefined) clientInput.pipelineBlocking = input.pipelineBlocking;
  if (input.maxRedirects !== undefined) clientInput.maxRedirects = input.maxRedirects;
  if (input.connectTimeoutMs !== undefined) clientInput.connectTimeoutMs = input.connectTimeoutMs;
  if (input.requestTimeoutMs !== undefined) clientInput.requestTimeoutMs = input.requestTimeoutMs;
  if (input.protocol !== undefined) clientInput.protocol = input.protocol;
  if (input.tlsSessionCacheSize !== undefined) clientInput.tlsSessionCacheSize = input.tlsSessionCacheSize;
  if (input.clientPerRequest !== undefined) clientInput.clientPerRequest = input.clientPerRequest;
  if (input.rttMs !== undefined) {
    if (typeof input.rttMs !== 'number' || !Number.isFinite(input.rttMs) || input.rttMs < 0 || input.rttMs > 10_000)
      throw new UsageError('rtt-ms', input.rttMs, 'expected a number from 0 to 10000');
    // The proxy cannot delay the TCP handshake (the client completes it with the proxy): the connect hook does.
    if (input.rttMs > 0) clientInput.connectDelayMs = input.rttMs;
  }
  const clientOptions = resolveClientOptions(input.client, clientInput);
  const targetInput: TargetOptions = { ...(input.target ?? {}) };
  if (input.delayMs !== undefined) targetInput.delayMs = input.delayMs;
  if (input.bodyBytes !== undefined) targetInput.bodyBytes = input.bodyBytes;
  if (input.status !== undefined) targetInput.status = input.status;
  if (input.tls !== undefined) targetInput.tls = input.tls;
  const target = resolveTargetOptions(targetInput);
  if (target.tls && !ADAPTERS[input.client].capabilities.tls)
    throw new UsageError('tls', input.client, `${input.client} cannot be given the run's CA without global state`);
  const caseStudy = input.caseStudy ?? 'bench';
  if (!KEBAB.test(caseStudy)) throw new UsageError('caseStudy', caseStudy, 'expected kebab-case');
  const path = input.path ?? '/';
  if (!path.startsWith('/')) throw new UsageError('path', path, 'expected a path starting with /');
  const kill = input.faults?.killTargetAfterMs;
  const queueTiming = input.queueTiming ?? false;
  if (typeof queueTiming !== 'boolean') throw new UsageError('queueTiming', queueTiming, 'expected a boolean');
  const idleBeforeTrialMs = input.idleBeforeTrialMs ?? 0;
  if (typeof idleBeforeTrialMs !== 'number' || !Number.isFinite(idleBeforeTrialMs) || idleBeforeTrialMs < 0)
    throw new UsageError('idleBeforeTrialMs', idleBeforeTrialMs, 'expected a number ≥ 0');
  if (kill !== undefined) positiveNumber('faults.killTargetAfterMs', kill);
  return {
    client: input.client,
    load: {
      mode,
      concurrency,
      rateRps,
      requests,
      durationMs,
      path,
      expectedBodyBytes: target.bodyBytes,
      expectedStatus: target.status,
      queueTiming,
      idleBeforeTrialMs,
    },
    trials,
    warmupRequests,
    trialTimeoutMs,
    clientOptions,
    target,
    caseStudy,
    label: input.label ?? input.client,
    faults: { killTargetAfterMs: kill ?? null },
    ...(input.rttMs !== undefined ? { proxy: { rttMs: input.rttMs } } : {}),
  };
}
