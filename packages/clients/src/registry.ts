import { UsageError } from '@casebook/results';
import { axiosAdapter } from './adapters/axios';
import { gotAdapter } from './adapters/got';
import { nodeFetch } from './adapters/node-fetch';
import { nodeHttp } from './adapters/node-http';
import { undiciDispatch } from './adapters/undici-dispatch';
import { undiciFetch } from './adapters/undici-fetch';
import { undiciRequest } from './adapters/undici-request';
import {
  CLIENT_NAMES,
  type ClientAdapter,
  type ClientName,
  type ClientOptions,
  DEFAULT_CLIENT_OPTIONS,
  type ResolvedClientOptions,
} from './types';

export const ADAPTERS: Readonly<Record<ClientName, ClientAdapter>> = {
  'undici-request': undiciRequest,
  'undici-dispatch': undiciDispatch,
  'undici-fetch': undiciFetch,
  'node-fetch': nodeFetch,
  'node-http': nodeHttp,
  axios: axiosAdapter,
  got: gotAdapter,
};

export function isClientName(value: unknown): value is ClientName {
  return typeof value === 'string' && (CLIENT_NAMES as readonly string[]).includes(value);
}

export function getAdapter(name: string): ClientAdapter {
  if (!isClientName(name)) throw new UsageError('client', name, `expected one of ${CLIENT_NAMES.join(', ')}`);
  return ADAPTERS[name];
}

/** Versions of every client package, for the environment fingerprint. */
export function clientVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const adapter of Object.values(ADAPTERS)) {
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
    lookup: input.lookup ?? DEFAULT_CLIENT_OPTIONS.lookup,
  };
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
  if (resolved.pipelining !== 1 && !caps.pipelining) {
    throw new UsageError('pipelining', resolved.pipelining, `${client} does not pipeline`);
  }
  if (resolved.tls !== null && !caps.tls) throw new UsageError('tls', 'ca', `${client} cannot be given a CA here`);
  if (resolved.protocol === 'h2' && !caps.http2)
    throw new UsageError('protocol', 'h2', `${client} has no HTTP/2 path here`);
  if (!['default', 'h1', 'h2'].includes(resolved.protocol)) {
    throw new UsageError('protocol', resolved.protocol, 'expected default, h1 or h2');
  }
  return resolved;
}
