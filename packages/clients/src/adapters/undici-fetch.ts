import type { ClientAdapter } from '../types';
import { installedVersion } from '../version';
import { undiciAgent, undiciSettings } from './undici-common';

/** undici's own `fetch` (WHATWG Request/Response/streams) over a dedicated undici Agent. */
export const undiciFetch: ClientAdapter = {
  name: 'undici-fetch',
  description: "undici's fetch() from the npm package, with its own Agent as dispatcher",
  packageName: 'undici',
  sourceUrl: 'https://github.com/nodejs/undici/blob/main/lib/web/fetch/index.js',
  capabilities: { connectionCap: true, keepAliveOff: true, pipelining: true, tls: true, http2: true },
  version: () => installedVersion('undici'),
  async open(origin, options) {
    const undici = require('undici') as typeof import('undici');
    const agent = undiciAgent(options);
    const timeoutMs = options.requestTimeoutMs;
    return {
      async request(path) {
        const init: Parameters<typeof undici.fetch>[1] = { dispatcher: agent };
        if (timeoutMs !== null) init.signal = AbortSignal.timeout(timeoutMs);
        const res = await undici.fetch(origin + path, init);
        const body = await res.arrayBuffer();
        return { status: res.status, bodyBytes: body.byteLength, protocol: null };
      },
      settings: () => undiciSettings(agent, options),
      close: () => agent.close(),
    };
  },
};
