import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { importClient, resolveClient } from '../client-modules';
import { createLookup } from '../lookup';
import type { BodyResponse, ClientAdapter, ResolvedClientOptions } from '../types';
import { installedVersion, pinnedSource } from '../version';
import { streamToSink } from './body-sink';
import { closeNodeAgent, nodeAgent, nodeAgentSettings } from './node-agent';
import { delayedLookup } from './tls-common';
import { uploadBuffer, uploadReadable } from './upload-source';

/**
 * got, loaded with a real dynamic import() (it is ESM-only). Retries are turned off (got retries GET twice by
 * default, which would hide failures inside the timings) and HTTP errors are returned, not thrown.
 */
export const gotAdapter: ClientAdapter = {
  name: 'got',
  description: 'got instance (retry off, Node global agent unless capped)',
  packageName: 'got',
  get sourceUrl() {
    return pinnedSource('sindresorhus/got', `v${installedVersion('got')}`, 'source/core/index.ts');
  },
  capabilities: { connectionCap: true, keepAliveOff: true, pipelining: false, tls: true, http2: true },
  version: () => installedVersion('got'),
  async open(origin, options) {
    const got = (await importClient('got', () => import('got'))).default;
    const lookup = await createLookup(options.lookup);
    const { agent, isGlobal } = nodeAgent(origin, options, true, lookup.socketLookup);
    const secure = origin.startsWith('https:');
    const h2 = await gotHttp2Options(secure, options);
    const client = got.extend({
      prefixUrl: origin,
      retry: { limit: 0 },
      throwHttpErrors: false,
      responseType: 'buffer',
      ...(lookup.gotDnsCache ? { dnsCache: true } : {}),
      agent: secure ? (h2.enabled ? h2.agent : { https: agent as import('node:https').Agent }) : { http: agent },
      ...h2.options,
      ...(options.requestTimeoutMs !== null ? { timeout: { request: options.requestTimeoutMs } } : {}),
    });
    return {
      async request(path) {
        const res = await client.get(path.replace(/^\//, ''));
        return {
          status: res.statusCode,
          bodyBytes: res.rawBody.length,
          protocol: res.httpVersion === '2.0' ? 'h2' : 'http/1.1',
        };
      },
      async requestBody(path, consumption) {
        const relative = path.replace(/^\//, '');
        if (consumption === 'buffer') {
          const res = await client.get(relative);
          return { status: res.statusCode, bodyBytes: res.rawBody.length, read: true };
        }
        // got.stream: a Duplex that emits 'response' with the headers; the body flows through the Duplex itself.
        const stream = client.stream(relative);
        const status = await new Promise<number>((resolve, reject) => {
          stream.once('response', (res: { statusCode: number }) => resolve(res.statusCode));
          stream.once('error', reject);
        });
        if (consumption === 'unread') return { status, bodyBytes: 0, read: false } satisfies BodyResponse;
        return { status, bodyBytes: await streamToSink(stream), read: true };
      },
      async uploadBody(path, bytes, mode) {
        const body = mode === 'buffer' ? uploadBuffer(bytes) : uploadReadable(bytes);
        const res = await client.post(path.replace(/^\//, ''), { body });
        return { status: res.statusCode, sentBytes: bytes };
      },
      settings: () => ({
        ...nodeAgentSettings(agent, isGlobal),
        retryLimit: 0,
        ...lookup.settings(),
        ...h2.settings,
        // got has no body-size limit; its timeouts in force on the live instance ({} means none).
        timeout: { ...client.defaults.options.timeout },
      }),
      async close() {
        closeNodeAgent(agent);
      },
    };
  },
};

/**
 * protocol 'h2': got's `http2: true` (got 16's own http2-client: ALPN h2 when the server offers it, else HTTP/1.1).
 * got only uses its HTTP/2 pool when no custom `agent.https` is given, so the CA goes in
 * `https.certificateAuthority` and the https agent is left out; a connection cap becomes the pool's
 * `maxSessions` (got's Http2Agent class, loaded from got's own file since got does not export it).
 */
async function gotHttp2Options(
  secure: boolean,
  options: ResolvedClientOptions,
): Promise<{
  enabled: boolean;
  options: Record<string, unknown>;
  agent: Record<string, unknown>;
  settings: Record<string, unknown>;
}> {
  if (options.protocol !== 'h2') return { enabled: false, options: {}, agent: {}, settings: {} };
  const out: Record<string, unknown> = { http2: true };
  if (secure && options.tls) out['https'] = { certificateAuthority: options.tls.caPem };
  if (options.connectDelayMs > 0) out['dnsLookup'] = delayedLookup(options.connectDelayMs);
  const agent: Record<string, unknown> = {};
  if (options.connections !== null) {
    const file = path.join(path.dirname(resolveClient('got')), 'core', 'utils', 'http2-client.js');
    const mod = (await import(pathToFileURL(file).href)) as { Http2Agent: new (o: Record<string, unknown>) => unknown };
    agent['http2'] = new mod.Http2Agent({ maxSessions: options.connections });
  }
  return {
    enabled: true,
    options: out,
    agent,
    settings: { http2: true, http2MaxSessions: options.connections ?? 'got default (Infinity)' },
  };
}
