import * as http2 from 'node:http2';
import { UsageError } from '@casebook/results';
import type { ClientAdapter, ResponseInfo } from '../types';
import { pinnedSource } from '../version';
import { tlsConnectOptions } from './tls-common';

/**
 * node:http2 with one ClientHttp2Session per origin and raw streams: nothing between the runner and nghttp2.
 * Streams over the server's SETTINGS_MAX_CONCURRENT_STREAMS wait inside nghttp2 once the SETTINGS frame has
 * arrived; streams sent before it (a cold burst) can be refused by the server (NGHTTP2_REFUSED_STREAM). A session
 * that closes (GOAWAY, error) is replaced by a new one on the next request; sessions opened are counted.
 * The protocol reported per request is the session's negotiated ALPN (`session.alpnProtocol`).
 */
export const nodeHttp2: ClientAdapter = {
  name: 'node-http2',
  description: 'node:http2 connect(): one ClientHttp2Session, raw streams (HTTP/2 only)',
  packageName: 'node',
  get sourceUrl() {
    return pinnedSource('nodejs/node', process.version, 'lib/internal/http2/core.js');
  },
  capabilities: { connectionCap: true, keepAliveOff: false, pipelining: false, tls: true, http2: true },
  version: () => `${process.version} (nghttp2 ${process.versions['nghttp2'] ?? 'unknown'})`,
  async open(origin, options) {
    if (options.connections !== null && options.connections !== 1)
      throw new UsageError('connections', options.connections, 'node-http2 uses exactly one session (1 or unlimited)');
    if (options.protocol === 'h1') throw new UsageError('protocol', 'h1', 'node-http2 speaks HTTP/2 only');
    const secure = origin.startsWith('https:');
    const connectOptions: http2.SecureClientSessionOptions = {
      ...(tlsConnectOptions(secure, options) as http2.SecureClientSessionOptions),
    };
    const timeoutMs = options.requestTimeoutMs;
    let session: http2.ClientHttp2Session | null = null;
    let sessionsOpened = 0;
    let remoteMaxConcurrentStreams: number | null = null;
    const current = (): http2.ClientHttp2Session => {
      if (session && !session.closed && !session.destroyed) return session;
      const s = http2.connect(origin, connectOptions);
      sessionsOpened++;
      s.on('remoteSettings', (settings) => {
        remoteMaxConcurrentStreams = settings.maxConcurrentStreams ?? null;
      });
      // Session errors reach every stream on it as stream errors; the session itself must not crash the process.
      s.on('error', () => undefined);
      s.once('close', () => {
        if (session === s) session = null;
      });
      session = s;
      return s;
    };
    return {
      request(path) {
        return new Promise<ResponseInfo>((resolve, reject) => {
          let s: http2.ClientHttp2Session;
          try {
            s = current();
          } catch (error) {
            reject(error);
            return;
          }
          const stream = s.request({ ':path': path, ':method': 'GET' });
          let status = 0;
          let bodyBytes = 0;
          stream.on('response', (headers) => {
            status = Number(headers[':status'] ?? 0);
          });
          stream.on('data', (chunk: Buffer) => {
            bodyBytes += chunk.length;
          });
          stream.on('end', () => resolve({ status, bodyBytes, protocol: s.alpnProtocol ?? 'h2' }));
          stream.on('error', reject);
          if (timeoutMs !== null) {
            stream.setTimeout(timeoutMs, () => {
              const error = new Error(`node:http2 stream timed out after ${timeoutMs} ms: GET ${origin}${path}`);
              (error as Error & { code: string }).code = 'CASEBOOK_REQUEST_TIMEOUT';
              stream.destroy(error);
            });
          }
          stream.end();
        });
      },
      settings: () => ({
        sessions: 'one ClientHttp2Session at a time (replaced if it closes)',
        sessionsOpened,
        remoteMaxConcurrentStreams,
        localSettings: session?.localSettings ?? null,
        alpn: session?.alpnProtocol ?? null,
      }),
      async close() {
        const s = session;
        session = null;
        if (s && !s.destroyed) await new Promise<void>((resolve) => s.close(() => resolve()));
      },
    };
  },
};
