import type { ClientAdapter } from '../types';
import { installedVersion } from '../version';
import { undiciAgent, undiciSettings } from './undici-common';

/** undici `Dispatcher#request`: promise API, body as a Readable that is read to the end. */
export const undiciRequest: ClientAdapter = {
  name: 'undici-request',
  description: 'undici Agent#request (promise API, body read with arrayBuffer())',
  packageName: 'undici',
  sourceUrl: 'https://github.com/nodejs/undici/blob/main/lib/api/api-request.js',
  capabilities: { connectionCap: true, keepAliveOff: true, pipelining: true, tls: true, http2: true },
  version: () => installedVersion('undici'),
  async open(origin, options) {
    const agent = undiciAgent(options);
    return {
      async request(path) {
        const res = await agent.request({ origin, path, method: 'GET' });
        const body = await res.body.arrayBuffer();
        return { status: res.statusCode, bodyBytes: body.byteLength, protocol: null };
      },
      settings: () => undiciSettings(agent, options),
      close: () => agent.close(),
    };
  },
};
