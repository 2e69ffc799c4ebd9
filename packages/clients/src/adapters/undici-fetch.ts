import { requireClient } from '../client-modules';
import { createLookup, withUndiciLookup } from '../lookup';
import type { ClientAdapter } from '../types';
import { installedVersion, pinnedSource } from '../version';
import { webStreamToSink } from './body-sink';
import { protocolTag } from './protocol-probe';
import { undiciAgent, undiciSettings } from './undici-common';
import { uploadBuffer, uploadWebStream } from './upload-source';

/** undici's own `fetch` (WHATWG Request/Response/streams) over a dedicated undici Agent. */
export const undiciFetch: ClientAdapter = {
  name: 'undici-fetch',
  description: "undici's fetch() from the npm package, with its own Agent as dispatcher",
  packageName: 'undici',
  get sourceUrl() {
    return pinnedSource('nodejs/undici', `v${installedVersion('undici')}`, 'lib/web/fetch/index.js');
  },
  capabilities: { connectionCap: true, keepAliveOff: true, pipelining: true, tls: true, http2: true },
  version: () => installedVersion('undici'),
  async open(origin, options) {
    const undici = requireClient('undici') as typeof import('undici');
    const lookup = await createLookup(options.lookup);
    const agent = undiciAgent(options, lookup.socketLookup);
    const dispatcher = withUndiciLookup(agent, lookup);
    const timeoutMs = options.requestTimeoutMs;
    const secure = origin.startsWith('https:');
    return {
      async request(path) {
        const init: Parameters<typeof undici.fetch>[1] = { dispatcher };
        if (timeoutMs !== null) init.signal = AbortSignal.timeout(timeoutMs);
        // https: tag the request to read the protocol it went over (protocol-probe.ts).
        const tag = secure ? protocolTag() : null;
        if (tag) init.headers = tag.headers;
        try {
          const res = await undici.fetch(origin + path, init);
          const body = await res.arrayBuffer();
          return { status: res.status, bodyBytes: body.byteLength, protocol: tag ? tag.take() : null };
        } finally {
          tag?.take();
        }
      },
      async requestBody(path, consumption) {
        const init: Parameters<typeof undici.fetch>[1] = { dispatcher };
        if (timeoutMs !== null) init.signal = AbortSignal.timeout(timeoutMs);
        const res = await undici.fetch(origin + path, init);
        if (consumption === 'unread') return { status: res.status, bodyBytes: 0, read: false };
        const bodyBytes =
          consumption === 'buffer'
            ? (await res.arrayBuffer()).byteLength
            : await webStreamToSink(res.body as ReadableStream<Uint8Array> | null);
        return { status: res.status, bodyBytes, read: true };
      },
      async uploadBody(path, bytes, mode) {
        // A stream body needs duplex: 'half' (the fetch spec's only value; undici rejects a stream body without it).
        const init: Parameters<typeof undici.fetch>[1] = {
          dispatcher,
          method: 'POST',
          body: mode === 'buffer' ? uploadBuffer(bytes) : uploadWebStream(bytes),
          duplex: 'half',
        };
        if (timeoutMs !== null) init.signal = AbortSignal.timeout(timeoutMs);
        const res = await undici.fetch(origin + path, init);
        await res.arrayBuffer();
        return { status: res.status, sentBytes: bytes };
      },
      settings: () => ({ ...undiciSettings(agent, options), ...lookup.settings() }),
      close: () => dispatcher.close(),
    };
  },
};
