import { nodeGlobalDispatcherSettings } from '../pool-introspection';
import type { ClientAdapter, ResolvedClientOptions } from '../types';
import { pinnedSource } from '../version';
import { webStreamToSink } from './body-sink';
import { protocolTag } from './protocol-probe';
import { tlsConnectOptions } from './tls-common';

/**
 * Node's global `fetch`: the undici bundled inside Node (its version is `process.versions.undici`), with Node's
 * global dispatcher — exactly what application code gets. Nothing is installed globally: caps and TLS options
 * would need `setGlobalDispatcher`, which this adapter refuses so measurements never leak settings.
 */
export const nodeFetch: ClientAdapter = {
  name: 'node-fetch',
  description: "Node's global fetch() (bundled undici, global dispatcher, defaults only)",
  packageName: 'node',
  get sourceUrl() {
    return pinnedSource('nodejs/node', process.version, 'deps/undici/undici.js');
  },
  capabilities: { connectionCap: false, keepAliveOff: false, pipelining: false, tls: true, http2: false },
  version: () => `${process.version} (bundled undici ${process.versions['undici'] ?? 'unknown'})`,
  async open(origin, options) {
    const timeoutMs = options.requestTimeoutMs;
    const secure = origin.startsWith('https:');
    const tlsDispatcher = secure && options.tls ? await bundledAgentWithCa(options) : null;
    return {
      async request(path) {
        const init: RequestInit = {};
        if (timeoutMs !== null) init.signal = AbortSignal.timeout(timeoutMs);
        if (tlsDispatcher) (init as { dispatcher?: unknown }).dispatcher = tlsDispatcher;
        // https: tag the request to read the protocol it went over (protocol-probe.ts).
        const tag = secure ? protocolTag() : null;
        if (tag) init.headers = tag.headers;
        try {
          const res = await fetch(origin + path, init);
          const body = await res.arrayBuffer();
          return { status: res.status, bodyBytes: body.byteLength, protocol: tag ? tag.take() : null };
        } finally {
          tag?.take();
        }
      },
      async requestBody(path, consumption) {
        const init: RequestInit = {};
        if (timeoutMs !== null) init.signal = AbortSignal.timeout(timeoutMs);
        if (tlsDispatcher) (init as { dispatcher?: unknown }).dispatcher = tlsDispatcher;
        const res = await fetch(origin + path, init);
        if (consumption === 'unread') return { status: res.status, bodyBytes: 0, read: false };
        const bodyBytes =
          consumption === 'buffer' ? (await res.arrayBuffer()).byteLength : await webStreamToSink(res.body);
        return { status: res.status, bodyBytes, read: true };
      },
      settings: () => ({
        dispatcher: tlsDispatcher
          ? "bundled undici Agent (the global dispatcher's class, its defaults) trusting the run's CA"
          : 'Node global dispatcher (bundled undici Agent, defaults)',
        ...nodeGlobalDispatcherSettings(),
      }),
      async close() {
        // The global dispatcher belongs to the process; the worker process exits after the run.
      },
    };
  },
};

/**
 * HTTPS with the run's CA: a new Agent of the class of Node's global dispatcher (Node's bundled undici), given only
 * the CA (and the run's connect options): what `setGlobalDispatcher(new Agent({ connect: { ca } }))` gives an
 * application, without installing anything globally. Its other options — allowH2 included — stay the bundled defaults.
 */
async function bundledAgentWithCa(options: ResolvedClientOptions): Promise<unknown> {
  const key = Symbol.for('undici.globalDispatcher.1');
  // The bundled undici installs its global dispatcher on first use: one fetch to a closed loopback port (refused at
  // once, nothing reaches the target) makes it exist.
  if (!(globalThis as Record<symbol, unknown>)[key]) await fetch('http://127.0.0.1:1/').catch(() => undefined);
  const global = (globalThis as Record<symbol, unknown>)[key] as
    | { constructor: new (o: unknown) => unknown }
    | undefined;
  if (!global || global.constructor.name !== 'Agent')
    throw new Error("Node's global dispatcher is not the bundled undici Agent here (npm undici loaded first?)");
  return new global.constructor({ connect: tlsConnectOptions(true, options) });
}
