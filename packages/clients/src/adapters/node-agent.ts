import * as http from 'node:http';
import * as https from 'node:https';
import type { ResolvedClientOptions } from '../types';
import { tlsConnectOptions } from './tls-common';

/**
 * The node:http(s) Agent used by node-http, axios and got. With every option at its default, axios and got use
 * Node's global agent (what applications get); node-http always builds its own keep-alive Agent.
 */
export function nodeAgent(
  origin: string,
  options: ResolvedClientOptions,
  useGlobalWhenDefault: boolean,
  lookup: import('../lookup').SocketLookup | null = null,
): { agent: http.Agent; isGlobal: boolean } {
  const secure = origin.startsWith('https:');
  const isDefault =
    options.connections === null &&
    options.keepAlive &&
    options.tls === null &&
    options.connectTimeoutMs === null &&
    options.tlsSessionCacheSize === null &&
    options.connectDelayMs === 0 &&
    lookup === null;
  if (useGlobalWhenDefault && isDefault) {
    return { agent: secure ? https.globalAgent : http.globalAgent, isGlobal: true };
  }
  const agentOptions: https.AgentOptions = {
    keepAlive: options.keepAlive,
    maxSockets: options.connections ?? Number.POSITIVE_INFINITY,
  };
  if (options.connectTimeoutMs !== null) agentOptions.timeout = options.connectTimeoutMs;
  // One SecureContext with the CA (never `ca` per connect), session cache size, connect-delay hook.
  Object.assign(agentOptions, tlsConnectOptions(secure, options));
  if (lookup) agentOptions.lookup = lookup as unknown as NonNullable<https.AgentOptions['lookup']>;
  return { agent: secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions), isGlobal: false };
}

/** Agent settings read from the live object. */
export function nodeAgentSettings(agent: http.Agent, isGlobal: boolean): Record<string, unknown> {
  const a = agent as http.Agent & { keepAlive?: boolean; scheduling?: string; options?: Record<string, unknown> };
  const finite = (n: number) => (Number.isFinite(n) ? n : 'Infinity');
  return {
    agent: isGlobal ? 'global agent' : 'dedicated Agent',
    keepAlive: a.keepAlive ?? a.options?.['keepAlive'] ?? null,
    maxSockets: finite(agent.maxSockets),
    maxTotalSockets: finite(agent.maxTotalSockets),
    maxFreeSockets: finite(agent.maxFreeSockets),
    scheduling: a.scheduling ?? a.options?.['scheduling'] ?? null,
    socketTimeoutMs: a.options?.['timeout'] ?? null,
  };
}

/**
 * Destroy the agent, the global one included: close() runs only when the worker process is about to exit, and free
 * keep-alive sockets must not keep it alive.
 */
export function closeNodeAgent(agent: http.Agent): void {
  agent.destroy();
}
