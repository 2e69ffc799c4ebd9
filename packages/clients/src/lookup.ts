/**
 * Lookup strategies for the DNS case study: how a client turns the lab host name into an address. Each strategy
 * yields a socket `lookup` function (net.connect's option, used by http.Agent and undici's connector), an undici
 * interceptor, or got's own cache. Combinations a client cannot honour are refused with a UsageError.
 */
import * as dns from 'node:dns';
import * as net from 'node:net';
import { UsageError } from '@casebook/results';
import { requireClient } from './client-modules';
import { type ClientName, LOOKUP_STRATEGIES, type LookupSpec, type LookupStrategy } from './types';

type Callback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;
export type SocketLookup = (hostname: string, options: dns.LookupOptions | number, callback: Callback) => void;

const UNDICI: readonly ClientName[] = ['undici-request', 'undici-dispatch', 'undici-fetch'];

/** Which clients accept which strategy (node-fetch takes only the default: anything else needs a global dispatcher). */
export const LOOKUP_SUPPORT: Readonly<Record<LookupStrategy, readonly ClientName[]>> = {
  system: ['undici-request', 'undici-dispatch', 'undici-fetch', 'node-fetch', 'node-http', 'axios', 'got'],
  cares: ['undici-request', 'undici-dispatch', 'undici-fetch', 'node-http', 'axios', 'got'],
  'undici-interceptor': UNDICI,
  'cacheable-lookup': ['undici-request', 'undici-dispatch', 'undici-fetch', 'node-http', 'axios', 'got'],
  'got-dns-cache': ['got'],
};

const SERVER = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}(:\d{1,5})?$|^\[::1\](:\d{1,5})?$|^::1$/;

/** Validate a lookup spec for a client. Servers must be loopback: no lookup may leave the machine. */
export function resolveLookupSpec(client: ClientName, input: LookupSpec | undefined): LookupSpec {
  if (input === undefined) return { strategy: 'system' };
  if (typeof input !== 'object' || input === null) throw new UsageError('lookup', input, 'expected { strategy }');
  const strategy = input.strategy;
  if (!(LOOKUP_STRATEGIES as readonly string[]).includes(strategy))
    throw new UsageError('lookup.strategy', strategy, `expected one of ${LOOKUP_STRATEGIES.join(', ')}`);
  if (!LOOKUP_SUPPORT[strategy].includes(client))
    throw new UsageError(
      'lookup.strategy',
      strategy,
      `${client} cannot use it (clients that can: ${LOOKUP_SUPPORT[strategy].join(', ')})`,
    );
  const out: LookupSpec = { strategy };
  if (input.servers !== undefined) {
    if (!Array.isArray(input.servers) || input.servers.length === 0)
      throw new UsageError('lookup.servers', input.servers, 'expected a non-empty list of loopback servers');
    for (const s of input.servers)
      if (typeof s !== 'string' || !SERVER.test(s))
        throw new UsageError('lookup.servers', s, 'expected a loopback address, optionally with :port');
    if (strategy === 'system' || strategy === 'got-dns-cache')
      throw new UsageError('lookup.servers', input.servers.join(','), `${strategy} resolves through the system only`);
    out.servers = [...input.servers];
  } else if (strategy === 'cares') {
    throw new UsageError('lookup.servers', undefined, 'cares needs servers (never the machine resolver)');
  }
  if (input.timeoutMs !== undefined) {
    if (!Number.isInteger(input.timeoutMs) || input.timeoutMs < 1)
      throw new UsageError('lookup.timeoutMs', input.timeoutMs, 'expected an integer ≥ 1');
    out.timeoutMs = input.timeoutMs;
  }
  if (input.tries !== undefined) {
    if (!Number.isInteger(input.tries) || input.tries < 1)
      throw new UsageError('lookup.tries', input.tries, 'expected an integer ≥ 1');
    out.tries = input.tries;
  }
  return out;
}

function caresResolver(spec: LookupSpec): dns.Resolver {
  const options: dns.ResolverOptions = {};
  if (spec.timeoutMs !== undefined) options.timeout = spec.timeoutMs;
  if (spec.tries !== undefined) options.tries = spec.tries;
  const resolver = new dns.Resolver(options);
  if (spec.servers) resolver.setServers(spec.servers);
  return resolver;
}

/** A socket lookup over c-ares (`Resolver#resolve4`): no threadpool, no getaddrinfo, IPv4 answers only. */
export function caresLookup(resolver: dns.Resolver): SocketLookup {
  return (hostname, options, callback) => {
    const all = typeof options === 'object' && options !== null && options.all === true;
    const family = net.isIP(hostname);
    if (family !== 0) {
      if (all) callback(null, [{ address: hostname, family }]);
      else callback(null, hostname, family);
      return;
    }
    resolver.resolve4(hostname, (err, addresses) => {
      if (err) {
        callback(err, all ? [] : '', 4);
        return;
      }
      if (all)
        callback(
          null,
          addresses.map((address) => ({ address, family: 4 })),
        );
      else callback(null, addresses[0] ?? '', 4);
    });
  };
}

export interface LookupHandle {
  spec: LookupSpec;
  /** Socket lookup for net.connect / http.Agent / undici connect; null = the client's default. */
  socketLookup: SocketLookup | null;
  /** got's `dnsCache` option value; null = not used. */
  gotDnsCache: unknown;
  /** undici's interceptors.dns `lookup` option (origin-shaped); null = its default (dns.lookup). */
  interceptorLookup:
    | ((origin: URL, opts: unknown, cb: (err: Error | null, addrs?: dns.LookupAddress[]) => void) => void)
    | null;
  /** What was built, read from live objects, for the record. */
  settings(): Record<string, unknown>;
}

/** Build what a strategy needs (cacheable-lookup is ESM-only: real dynamic import). */
export async function createLookup(spec: LookupSpec): Promise<LookupHandle> {
  const base = { spec, socketLookup: null, gotDnsCache: null, interceptorLookup: null };
  switch (spec.strategy) {
    case 'system':
      return { ...base, settings: () => ({ lookup: 'system (dns.lookup → getaddrinfo, libuv threadpool)' }) };
    case 'cares': {
      const resolver = caresResolver(spec);
      return {
        ...base,
        socketLookup: caresLookup(resolver),
        settings: () => ({ lookup: 'cares (dns.Resolver#resolve4)', servers: resolver.getServers(), ...tuning(spec) }),
      };
    }
    case 'undici-interceptor': {
      const resolver = spec.servers ? caresResolver(spec) : null;
      const socket = resolver ? caresLookup(resolver) : null;
      return {
        ...base,
        interceptorLookup: socket
          ? (origin, _opts, cb) =>
              socket(origin.hostname, { all: true }, (err, addrs) =>
                err ? cb(err) : cb(null, addrs as dns.LookupAddress[]),
              )
          : null,
        settings: () => ({
          lookup: 'undici interceptors.dns',
          via: resolver ? 'c-ares Resolver' : 'dns.lookup (getaddrinfo)',
          servers: resolver ? resolver.getServers() : 'system',
          ...tuning(spec),
        }),
      };
    }
    case 'cacheable-lookup': {
      const CacheableLookup = (await import('cacheable-lookup')).default;
      const resolver = spec.servers ? new dns.promises.Resolver(resolverOptions(spec)) : undefined;
      if (resolver && spec.servers) resolver.setServers(spec.servers);
      // With servers given, the dns.lookup fallback is off so nothing goes through the system resolver.
      const cache = new CacheableLookup(resolver ? { resolver, lookup: false } : {});
      return {
        ...base,
        socketLookup: cache.lookup as unknown as SocketLookup,
        settings: () => ({
          lookup: 'cacheable-lookup',
          servers: cache.servers,
          fallbackToDnsLookup: resolver === undefined,
          ...tuning(spec),
        }),
      };
    }
    case 'got-dns-cache':
      return { ...base, gotDnsCache: true, settings: () => ({ lookup: "got's dnsCache: true (its DnsCache)" }) };
  }
}

function resolverOptions(spec: LookupSpec): dns.ResolverOptions {
  const o: dns.ResolverOptions = {};
  if (spec.timeoutMs !== undefined) o.timeout = spec.timeoutMs;
  if (spec.tries !== undefined) o.tries = spec.tries;
  return o;
}

function tuning(spec: LookupSpec): Record<string, unknown> {
  return { caresTimeoutMs: spec.timeoutMs ?? 'c-ares default', caresTries: spec.tries ?? 'c-ares default' };
}

/** Wrap an undici Agent with interceptors.dns when the strategy asks for it; otherwise return it as is. */
export function withUndiciLookup<D extends import('undici').Dispatcher>(
  agent: D,
  handle: LookupHandle,
): import('undici').Dispatcher {
  if (handle.spec.strategy !== 'undici-interceptor') return agent;
  const undici = requireClient('undici') as typeof import('undici');
  const opts: Record<string, unknown> = {};
  if (handle.interceptorLookup) opts['lookup'] = handle.interceptorLookup;
  return agent.compose(undici.interceptors.dns(opts as Parameters<typeof undici.interceptors.dns>[0]));
}
