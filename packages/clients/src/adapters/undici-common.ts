import type { Agent } from 'undici';
import { requireClient } from '../client-modules';
import { undiciLiveSettings } from '../pool-introspection';
import type { ResolvedClientOptions } from '../types';
import { tlsConnectOptions } from './tls-common';

/** Build the undici Agent every undici adapter uses, from resolved options. */
export function undiciAgent(
  options: ResolvedClientOptions,
  lookup: import('../lookup').SocketLookup | null = null,
): Agent {
  const undici = requireClient('undici') as typeof import('undici');
  const agentOptions: ConstructorParameters<typeof undici.Agent>[0] = {
    connections: options.connections,
    // undici: pipelining 0 disables keep-alive (the connection closes after each response).
    pipelining: options.keepAlive ? options.pipelining : 0,
  };
  if (options.protocol === 'h1') agentOptions.allowH2 = false;
  if (options.protocol === 'h2') agentOptions.allowH2 = true;
  const connect: Record<string, unknown> = {};
  if (options.connectTimeoutMs !== null) connect['timeout'] = options.connectTimeoutMs;
  // One SecureContext with the CA (never `ca` per connect), session cache size, connect-delay hook.
  Object.assign(connect, tlsConnectOptions(options.tls !== null, options));
  if (lookup) connect['lookup'] = lookup;
  if (Object.keys(connect).length > 0) agentOptions.connect = connect;
  if (options.requestTimeoutMs !== null) {
    agentOptions.headersTimeout = options.requestTimeoutMs;
    agentOptions.bodyTimeout = options.requestTimeoutMs;
  }
  return new undici.Agent(agentOptions);
}

/** Settings read back from the live undici Agent's options (undici keeps them on a symbol). */
export function undiciSettings(agent: Agent, options: ResolvedClientOptions): Record<string, unknown> {
  const symbols = Object.getOwnPropertySymbols(agent);
  const optsSym = symbols.find((s) => s.description === 'options');
  const live = optsSym ? ((agent as unknown as Record<symbol, Record<string, unknown>>)[optsSym] ?? {}) : {};
  return {
    connections: live['connections'] ?? null,
    pipelining: live['pipelining'] ?? 1,
    keepAliveTimeoutMs: live['keepAliveTimeout'] ?? 'undici default (4000)',
    allowH2: live['allowH2'] ?? 'undici default',
    requested: { connections: options.connections, keepAlive: options.keepAlive, protocol: options.protocol },
    ...undiciLiveSettings(agent),
  };
}
