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

/**
 * Sockets an Agent holds (busy and free) and the listeners on each, read from the live objects after the load (the
 * worker's `done`): the pool at rest, not the most listeners a socket carried during the load. A client that adds a
 * listener per request and removes it when that request emits 'close' shows about 0 extra here when the request does
 * emit it (axios 1.15.1 with maxRedirects 0, Node's native request), but every listener it ever added when it does not
 * (axios 1.15.1 through follow-redirects, whose wrapper never emits 'close': ~504 per socket in versions-87ea7651); one
 * that keeps one listener per socket (axios 1.18.1, 1.21.1) shows 1–2. The process's MaxListenersExceededWarning count
 * (once per socket that crossed the limit, by emitter and event) is the other evidence.
 */
export function agentSocketListeners(agent: http.Agent): Record<string, unknown> {
  const sockets = [agent.sockets, agent.freeSockets].flatMap((byName) =>
    Object.values(byName).flatMap((list) => list ?? []),
  );
  const errorListeners = sockets.map((s) => s.listenerCount('error')).sort((a, b) => a - b);
  const allListeners = sockets
    .map((s) => s.eventNames().reduce((n, e) => n + s.listenerCount(e), 0))
    .sort((a, b) => a - b);
  const mid = (xs: number[]) => (xs.length === 0 ? null : (xs[Math.floor((xs.length - 1) / 2)] ?? null));
  return {
    pooledSockets: sockets.length,
    pooledFreeSockets: Object.values(agent.freeSockets).reduce((n, list) => n + (list?.length ?? 0), 0),
    socketErrorListenersMedian: mid(errorListeners),
    socketErrorListenersMax: errorListeners.length ? errorListeners[errorListeners.length - 1] : null,
    socketListenersMedian: mid(allListeners),
    socketListenersMax: allListeners.length ? allListeners[allListeners.length - 1] : null,
  };
}
