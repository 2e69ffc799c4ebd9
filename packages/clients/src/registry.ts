import { UsageError } from '@casebook/results';
import { axiosAdapter } from './adapters/axios';
import { gotAdapter } from './adapters/got';
import { nodeFetch } from './adapters/node-fetch';
import { nodeHttp } from './adapters/node-http';
import { nodeHttp2 } from './adapters/node-http2';
import { bunFetch, denoFetch } from './adapters/runtime-fetch';
import { undiciDispatch } from './adapters/undici-dispatch';
import { undiciFetch } from './adapters/undici-fetch';
import { undiciRequest } from './adapters/undici-request';
import { resolveLookupSpec } from './lookup';
import {
  CLIENT_NAMES,
  type ClientAdapter,
  type ClientName,
  type ClientOptions,
  DEFAULT_CLIENT_OPTIONS,
  H2_CLIENT_NAMES,
  type ResolvedClientOptions,
  RUNTIME_FETCH_CLIENT_NAMES,
} from './types';
import { refuseUnhonouredOptions } from './unhonoured-options';

export const ADAPTERS: Readonly<Record<ClientName, ClientAdapter>> = {
  'undici-request': undiciRequest,
  'undici-dispatch': undiciDispatch,
  'undici-fetch': undiciFetch,
  'node-fetch': nodeFetch,
  'node-http': nodeHttp,
  axios: axiosAdapter,
  got: gotAdapter,
  'node-http2': nodeHttp2,
  'bun-fetch': bunFetch,
  'deno-fetch': denoFetch,
};

export function isClientName(value: unknown): value is ClientName {
  return (
    typeof value === 'string' &&
    ((CLIENT_NAMES as readonly string[]).includes(value) ||
      (H2_CLIENT_NAMES as readonly string[]).includes(value) ||
      (RUNTIME_FETCH_CLIENT_NAMES as readonly string[]).includes(value))
  );
}

export function getAdapter(name: string): ClientAdapter {
  if (!isClientName(name)) throw new UsageError('client', name, `expected one of ${CLIENT_NAMES.join(', ')}`);
  return ADAPTERS[name];
}

/** Versions of every client package, for the environment fingerprint. */
export function clientVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const adapter of Object.values(ADAPTERS)) {
    // Bun's and Deno's fetch are built into runtimes this process is not: their version is the run's, in its record.
    if (adapter.packageName === 'bun' || adapter.packageName === 'deno') continue;
    const key = adapter.packageName === 'node' ? 'node' : adapter.packageName;
    if (out[key] === undefined) out[key] = adapter.packageName === 'node' ? process.version : adapter.version();
  }
  out['node-bundled-undici'] = process.versions['undici'] ?? 'unknown';
  return out;
}

function positiveIntOrNull(field: string, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new UsageError(field, value, 'expected an integer ≥ 1, or unlimited');
  }
  return value;
}

function nonNegativeOrNull(field: string, value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(field, value, 'expected a number ≥ 0');
  }
  return value;
}

/** Session cache, client-per-request and connect delay: validated, and refused where the client has no hook. */
function checkTlsReuseOptions(client: ClientName, resolved: ResolvedClientOptions): void {
  const caps = ADAPTERS[client].capabilities;
  const cache = resolved.tlsSessionCacheSize;
  if (cache !== null && (typeof cache !== 'number' || !Number.isInteger(cache) || cache < 0))
    throw new UsageError('tlsSessionCacheSize', cache, 'expected an integer ≥ 0, or null for the default');
  if (cache !== null && !caps.tls)
    throw new UsageError('tlsSessionCacheSize', cache, `${client} cannot be given TLS options without global state`);
  if (typeof resolved.clientPerRequest !== 'boolean')
    throw new UsageError('clientPerRequest', resolved.clientPerRequest, 'expected a boolean');
  if (resolved.clientPerRequest && !caps.tls)
    throw new UsageError('clientPerRequest', true, `${client} uses a process-wide client; there is none to create`);
  const delay = resolved.connectDelayMs;
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0 || delay > 10_000)
    throw new UsageError('connectDelayMs', delay, 'expected a number from 0 to 10000');
  if (delay > 0 && !caps.tls)
    throw new UsageError('connectDelayMs', delay, `${client} cannot be given a connect hook without global state`);
}

/** Fill defaults and validate; refuse options the chosen client cannot honour instead of ignoring them. */
export function resolveClientOptions(client: ClientName, input: ClientOptions = {}): ResolvedClientOptions {
  const adapter = ADAPTERS[client];
  const resolved: ResolvedClientOptions = {
    connections: positiveIntOrNull('connections', input.connections),
    keepAlive: input.keepAlive ?? DEFAULT_CLIENT_OPTIONS.keepAlive,
    pipelining: input.pipelining ?? DEFAULT_CLIENT_OPTIONS.pipelining,
    connectTimeoutMs: nonNegativeOrNull('connectTimeoutMs', input.connectTimeoutMs),
    requestTimeoutMs: nonNegativeOrNull('requestTimeoutMs', input.requestTimeoutMs),
    tls: input.tls ?? null,
    protocol: input.protocol ?? 'default',
    lookup: resolveLookupSpec(client, input.lookup),
    tlsSessionCacheSize: input.tlsSessionCacheSize ?? null,
    clientPerRequest: input.clientPerRequest ?? false,
    connectDelayMs: input.connectDelayMs ?? 0,
  };
  checkTlsReuseOptions(client, resolved);
  if (resolved.lookup.strategy !== 'system' && resolved.connectDelayMs > 0)
    throw new UsageError(
      'lookup.strategy',
      resolved.lookup.strategy,
      'cannot be combined with connectDelayMs (both set the socket lookup)',
    );
  if (!Number.isInteger(resolved.pipelining) || resolved.pipelining < 1) {
    throw new UsageError('pipelining', input.pipelining, 'expected an integer ≥ 1');
  }
  if (typeof resolved.keepAlive !== 'boolean') throw new UsageError('keepAlive', input.keepAlive, 'expected a boolean');
  const caps = adapter.capabilities;
  if (resolved.connections !== null && !caps.connectionCap) {
    throw new UsageError('connections', resolved.connections, `${client} cannot cap connections without global state`);
  }
  if (!resolved.keepAlive && !caps.keepAliveOff) {
    throw new UsageError('keepAlive', false, `${client} cannot turn keep-alive off`);
  }
  if (input.pipelineBlocking !== undefined && input.pipelineBlocking !== null) {
    if (typeof input.pipelineBlocking !== 'boolean')
      throw new UsageError('pipelineBlocking', input.pipelineBlocking, 'expected a boolean');
    if (client !== 'undici-request' && client !== 'undici-dispatch')
      throw new UsageError(
        'pipelineBlocking',
        input.pipelineBlocking,
        `${client} cannot set undici's blocking per request`,
      );
    resolved.pipelineBlocking = input.pipelineBlocking;
  }
  if (input.maxRedirects !== undefined && input.maxRedirects !== null) {
    if (typeof input.maxRedirects !== 'number' || !Number.isInteger(input.maxRedirects) || input.maxRedirects < 0)
      throw new UsageError('maxRedirects', input.maxRedirects, 'expected an integer ≥ 0');
    if (client !== 'axios')
      throw new UsageError('maxRedirects', input.maxRedirects, `${client} has no maxRedirects here`);
    resolved.maxRedirects = input.maxRedirects;
  }
  if (resolved.pipelining !== 1 && !caps.pipelining) {
    throw new UsageError('pipelining', resolved.pipelining, `${client} does not pipeline`);
  }
  if (resolved.tls !== null && !caps.tls) throw new UsageError('tls', 'ca', `${client} cannot be given a CA here`);
  if (resolved.protocol === 'h2' && !caps.http2)
    throw new UsageError('protocol', 'h2', `${client} has no HTTP/2 path here`);
  if (!['default', 'h1', 'h2'].includes(resolved.protocol)) {
    throw new UsageError('protocol', resolved.protocol, 'expected default, h1 or h2');
  }
  refuseUnhonouredOptions(client, resolved);
  return resolved;
}
