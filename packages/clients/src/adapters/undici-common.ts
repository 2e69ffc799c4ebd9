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
 * The keep-alive timeout, in two fields that never mix (since versions-0cfdd43a, its second reader's finding 8: one text
 * field had read "598000 in force (not set on the Agent; undici default 4000, configured)"):
 * - `keepAliveTimeoutMs`: the value in force on the live Client, the effective one (undici's kKeepAliveTimeoutValue:
 *   after a response, a server's Keep-Alive hint minus the threshold replaces the configured value), null before any
 *   Client;
 * - `keepAliveTimeoutConfigured`: what was configured, labelled: `4000 ms, set on the Agent`, or `not set on the Agent:
 *   undici default 4000 ms` (the live Client's kKeepAliveDefaultTimeout, `liveKeepAliveTimeoutMs`).
 */
function keepAliveFields(
  live: Record<string, unknown>,
  pool: Record<string, unknown>,
): { keepAliveTimeoutMs: number | null; keepAliveTimeoutConfigured: string } {
  const inForce = pool['liveKeepAliveTimeoutValueMs'];
  const set = live['keepAliveTimeout'];
  const clientDefault = pool['liveKeepAliveTimeoutMs'];
  return {
    keepAliveTimeoutMs: typeof inForce === 'number' ? inForce : null,
    keepAliveTimeoutConfigured:
      typeof set === 'number'
        ? `${set} ms, set on the Agent`
        : `not set on the Agent: undici default ${typeof clientDefault === 'number' ? clientDefault : 4000} ms`,
  };
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
    ...keepAliveFields(live, pool),
    allowH2: live['allowH2'] ?? 'undici default',
    requested: { connections: options.connections, keepAlive: options.keepAlive, protocol: options.protocol },
    ...pool,
  };
}
