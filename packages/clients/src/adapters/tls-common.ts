/**
 * What the adapters share for HTTPS and the TLS-reuse study: one client SecureContext per CA (passing `ca` on
 * every connect builds a new context each time and inflates client CPU), the delayed-lookup connect hook, and the
 * "new client per request" wrapper.
 */
import * as dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import * as tls from 'node:tls';
import type { ClientAdapter, ClientSession, ResolvedClientOptions } from '../types';

const contexts = new Map<string, tls.SecureContext>();

/** One SecureContext per CA PEM for the life of the process. Verification stays on (Node's default). */
export function clientSecureContext(caPem: string): tls.SecureContext {
  let ctx = contexts.get(caPem);
  if (!ctx) {
    ctx = tls.createSecureContext({ ca: caPem });
    contexts.set(caPem, ctx);
  }
  return ctx;
}

/**
 * A `lookup` that waits `delayMs` before resolving (IPv4), so each new TCP connection pays one emulated RTT for
 * its handshake. Only new connections call lookup; reused ones do not.
 */
export function delayedLookup(delayMs: number): LookupFunction {
  return ((hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    setTimeout(() => {
      dns.lookup(
        hostname,
        { ...options, family: 4 },
        callback as (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family: number) => void,
      );
    }, delayMs);
  }) as unknown as LookupFunction;
}

/** TLS and connect options common to undici `connect` and https.Agent (both pass them on to tls/net.connect). */
export function tlsConnectOptions(secure: boolean, options: ResolvedClientOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (secure && options.tls) {
    out['secureContext'] = clientSecureContext(options.tls.caPem);
    if (options.tls.servername) out['servername'] = options.tls.servername;
  }
  if (options.tlsSessionCacheSize !== null) out['maxCachedSessions'] = options.tlsSessionCacheSize;
  if (options.connectDelayMs > 0) out['lookup'] = delayedLookup(options.connectDelayMs);
  return out;
}

/**
 * The anti-pattern "new client per request": each request opens a fresh session (client, agent, pool, TLS session
 * cache), sends one request and closes it.
 */
export function perRequestSession(
  adapter: ClientAdapter,
  origin: string,
  options: ResolvedClientOptions,
): ClientSession {
  let last: Record<string, unknown> = {};
  return {
    async request(path) {
      const session = await adapter.open(origin, options);
      try {
        return await session.request(path);
      } finally {
        last = session.settings();
        await session.close().catch(() => undefined);
      }
    },
    settings: () => ({ ...last, clientPerRequest: true }),
    async close() {},
  };
}

/** Open a session as the options ask: one client for the run, or (anti-pattern) one per request. */
export async function openClientSession(
  adapter: ClientAdapter,
  origin: string,
  options: ResolvedClientOptions,
): Promise<ClientSession> {
  if (options.clientPerRequest) return perRequestSession(adapter, origin, options);
  return adapter.open(origin, options);
}
