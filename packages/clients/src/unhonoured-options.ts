/**
 * Options a client cannot honour in some mode, refused rather than ignored. `capabilities` (types.ts) say what a
 * client can do at all; these are the gaps inside a client that can: axios's and got's HTTP/2 paths bypass the
 * http(s).Agent that carries the connection cap, keep-alive, connect timeout, TLS session cache, connect delay and
 * socket lookup (node-agent.ts), and node:http2 and Node's global fetch are given no connect timeout or session
 * cache here (tls-common.ts passes `maxCachedSessions`, which only an https.Agent or undici reads).
 */
import { UsageError } from '@casebook/results';
import type { ClientName, ResolvedClientOptions } from './types';

type Field = 'connections' | 'keepAlive' | 'connectTimeoutMs' | 'tlsSessionCacheSize' | 'connectDelayMs' | 'lookup';

/** The value of each field when it asks for something other than the client's default, else undefined. */
const REQUESTED: Readonly<Record<Field, (o: ResolvedClientOptions) => unknown>> = {
  connections: (o) => o.connections ?? undefined,
  keepAlive: (o) => (o.keepAlive ? undefined : false),
  connectTimeoutMs: (o) => o.connectTimeoutMs ?? undefined,
  tlsSessionCacheSize: (o) => o.tlsSessionCacheSize ?? undefined,
  connectDelayMs: (o) => (o.connectDelayMs > 0 ? o.connectDelayMs : undefined),
  // The strategies that are a socket lookup on the Agent (lookup.ts); got's own dnsCache is not one.
  lookup: (o) =>
    o.lookup.strategy === 'cares' || o.lookup.strategy === 'cacheable-lookup' ? o.lookup.strategy : undefined,
};

interface Gap {
  client: ClientName;
  /** When the gap applies, e.g. `protocol h2`; absent: always. */
  protocol?: ResolvedClientOptions['protocol'];
  fields: readonly Field[];
  why: string;
}

const AGENT_FIELDS: readonly Field[] = [
  'connections',
  'keepAlive',
  'connectTimeoutMs',
  'tlsSessionCacheSize',
  'connectDelayMs',
  'lookup',
];

const GAPS: readonly Gap[] = [
  {
    client: 'axios',
    protocol: 'h2',
    fields: AGENT_FIELDS,
    why: "axios's HTTP/2 transport keeps its own module-wide sessions and never uses the Agent that carries it",
  },
  {
    client: 'got',
    protocol: 'h2',
    // got's HTTP/2 pool honours a cap (maxSessions) and the connect delay (dnsLookup): see got.ts.
    fields: ['keepAlive', 'connectTimeoutMs', 'tlsSessionCacheSize', 'lookup'],
    why: "got's HTTP/2 pool does not use the https.Agent that carries it",
  },
  {
    client: 'node-http2',
    fields: ['connectTimeoutMs', 'tlsSessionCacheSize'],
    why: 'node-http2 has no hook for it here',
  },
  {
    client: 'node-fetch',
    fields: ['connectTimeoutMs'],
    why: "node-fetch would need Node's global dispatcher for it",
  },
];

/** Throws a UsageError naming the first option `client` would silently ignore with these options. */
export function refuseUnhonouredOptions(client: ClientName, options: ResolvedClientOptions): void {
  for (const gap of GAPS) {
    if (gap.client !== client || (gap.protocol !== undefined && gap.protocol !== options.protocol)) continue;
    for (const field of gap.fields) {
      const value = REQUESTED[field](options);
      if (value === undefined) continue;
      const mode = gap.protocol === undefined ? client : `${client} with protocol ${gap.protocol}`;
      throw new UsageError(field === 'lookup' ? 'lookup.strategy' : field, value, `${mode}: ${gap.why}`);
    }
  }
}
