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

/**
 * The keep-alive timeout when the Agent sets none: the value in force on the live Client (after a response, a
 * server's Keep-Alive hint minus the threshold replaces the configured default) beside that configured default, so a
 * record never shows the default alone next to a different effective value.
 */
function keepAliveNotSet(pool: Record<string, unknown>): string {
  const inForce = pool['liveKeepAliveTimeoutValueMs'];
  const configured = pool['liveKeepAliveTimeoutMs'];
  const defaultText = `undici default ${typeof configured === 'number' ? configured : 4000}, configured`;
  return typeof inForce === 'number'
    ? `${inForce} in force (not set on the Agent; ${defaultText})`
    : `not set on the Agent (${defaultText}; no Client yet)`;
}

/** Settings read back from the live undici Agent's options (undici keeps them on a symbol). */
export function undiciSettings(agent: Agent, options: ResolvedClientOptions): Record<string, unknown> {
  const symbols = Object.getOwnPropertySymbols(agent);
  const optsSym = symbols.find((s) => s.description === 'options');
  const live = optsSym ? ((agent as unknown as Record<symbol, Record<string, unknown>>)[optsSym] ?? {}) : {};
  const pool = undiciLiveSettings(agent);
  return {
    connections: live['connections'] ?? null,
    pipelining: live['pipelining'] ?? 1,
    keepAliveTimeoutMs: live['keepAliveTimeout'] ?? keepAliveNotSet(pool),
    allowH2: live['allowH2'] ?? 'undici default',
    requested: { connections: options.connections, keepAlive: options.keepAlive, protocol: options.protocol },
    ...pool,
  };
}
