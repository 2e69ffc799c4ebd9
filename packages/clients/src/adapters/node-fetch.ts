import type { ClientAdapter } from '../types';

/**
 * Node's global `fetch`: the undici bundled inside Node (its version is `process.versions.undici`), with Node's
 * global dispatcher — exactly what application code gets. Nothing is installed globally: caps and TLS options
 * would need `setGlobalDispatcher`, which this adapter refuses so measurements never leak settings.
 */
export const nodeFetch: ClientAdapter = {
  name: 'node-fetch',
  description: "Node's global fetch() (bundled undici, global dispatcher, defaults only)",
  packageName: 'node',
  sourceUrl: 'https://github.com/nodejs/node/blob/main/lib/internal/deps/undici/undici.js',
  capabilities: { connectionCap: false, keepAliveOff: false, pipelining: false, tls: false, http2: false },
  version: () => `${process.version} (bundled undici ${process.versions['undici'] ?? 'unknown'})`,
  async open(origin, options) {
    const timeoutMs = options.requestTimeoutMs;
    return {
      async request(path) {
        const init: RequestInit = {};
        if (timeoutMs !== null) init.signal = AbortSignal.timeout(timeoutMs);
        const res = await fetch(origin + path, init);
        const body = await res.arrayBuffer();
        return { status: res.status, bodyBytes: body.byteLength, protocol: null };
      },
      settings: () => ({ dispatcher: 'Node global dispatcher (bundled undici Agent, defaults)' }),
      async close() {
        // The global dispatcher belongs to the process; the worker process exits after the run.
      },
    };
  },
};
