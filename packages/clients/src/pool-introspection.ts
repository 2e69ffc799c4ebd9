/**
 * Read a client's pool settings from its live objects at run time, not from its docs. undici keeps them behind
 * module-private symbols, so they are found by the symbol's description (stable across undici 6–8):
 *   Agent[Symbol('options')], Agent[Symbol('clients')] (Map origin → Pool, or Client when connections is 1),
 *   Pool[Symbol('connections')], Pool[Symbol('clients')] (Client[]),
 *   Client[Symbol('pipelining')], Client[Symbol('default keep alive timeout')], Client[Symbol('max keep alive timeout')].
 */

type Bag = Record<string | symbol, unknown>;

/** The value of the first own symbol property whose description is `description`, or undefined. */
export function symbolValue(obj: unknown, description: string): unknown {
  if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function')) return undefined;
  let o: object | null = obj as object;
  // Walk the prototype chain too: some values (e.g. pipelining) live behind getters on the class.
  while (o && o !== Object.prototype) {
    for (const s of Object.getOwnPropertySymbols(o)) {
      if (s.description === description) return (obj as Bag)[s];
    }
    o = Object.getPrototypeOf(o) as object | null;
  }
  return undefined;
}

const finiteOr = (x: unknown, otherwise: string): unknown =>
  typeof x === 'number' ? (Number.isFinite(x) ? x : 'Infinity') : x === null || x === undefined ? otherwise : x;

/**
 * Live settings of an undici Agent's per-origin dispatchers: the kind (Pool, or Client when connections is 1),
 * its connection cap, and the per-connection settings of its first Client (pipelining, keep-alive timeouts).
 * Before any request no per-origin dispatcher exists; the fields then say so.
 */
export function undiciLiveSettings(agent: unknown): Record<string, unknown> {
  const origins = symbolValue(agent, 'clients');
  const dispatchers = origins instanceof Map ? [...origins.values()] : [];
  // undici 8 maps origin → dispatcher; undici 7 (bundled in Node 24) maps origin → { count, dispatcher }.
  const entry = dispatchers[0] as { dispatcher?: object } | undefined;
  const first = (entry && typeof entry === 'object' && entry.dispatcher ? entry.dispatcher : entry) as
    | object
    | undefined;
  if (!first) return { liveDispatcher: 'none yet (no request sent)' };
  const kind = first.constructor?.name ?? 'unknown';
  const poolClients = symbolValue(first, 'clients');
  const client = Array.isArray(poolClients) ? (poolClients[0] as object | undefined) : first;
  const out: Record<string, unknown> = {
    liveDispatcher: kind,
    liveConnectionsCap: kind === 'Client' ? 1 : finiteOr(symbolValue(first, 'connections'), 'unlimited (null)'),
    liveClientsInPool: Array.isArray(poolClients) ? poolClients.length : 1,
  };
  if (client) {
    out['livePipelining'] = symbolValue(client, 'pipelining') ?? null;
    // The configured default; the value in force after the last response (a server's Keep-Alive hint minus the
    // threshold replaces it: client-h1.js onMessageComplete) is liveKeepAliveTimeoutValueMs.
    out['liveKeepAliveTimeoutMs'] = symbolValue(client, 'default keep alive timeout') ?? null;
    out['liveKeepAliveTimeoutValueMs'] = symbolValue(client, 'keep alive timeout') ?? null;
    out['liveKeepAliveTimeoutThresholdMs'] = symbolValue(client, 'keep alive timeout threshold') ?? null;
    out['liveKeepAliveMaxTimeoutMs'] = symbolValue(client, 'max keep alive timeout') ?? null;
    out['liveMaxConcurrentStreams'] = symbolValue(client, 'max concurrent streams') ?? null;
    // What ends a request on a server that stopped answering (keep-alive races, notebook 08).
    out['liveHeadersTimeoutMs'] = symbolValue(client, 'headers timeout') ?? null;
    out['liveBodyTimeoutMs'] = symbolValue(client, 'body timeout') ?? null;
  }
  return out;
}

/** Node's global dispatcher (the bundled undici's Agent, what global fetch uses), read the same way. */
export function nodeGlobalDispatcherSettings(): Record<string, unknown> {
  const g = globalThis as unknown as Bag;
  const dispatcher = g[Symbol.for('undici.globalDispatcher.1')] ?? g[Symbol.for('undici.globalDispatcher.2')];
  if (!dispatcher) return { liveDispatcher: 'none yet (global fetch not called)' };
  const options = (symbolValue(dispatcher, 'options') ?? {}) as Bag;
  return {
    globalDispatcher: (dispatcher as object).constructor?.name ?? 'unknown',
    connections: finiteOr(options['connections'], 'unlimited (null)'),
    ...undiciLiveSettings(dispatcher),
  };
}
