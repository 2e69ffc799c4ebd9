import type { ClientAdapter } from '../types';
import { installedVersion } from '../version';
import { closeNodeAgent, nodeAgent, nodeAgentSettings } from './node-agent';

/**
 * got, loaded with a real dynamic import() (it is ESM-only). Retries are turned off (got retries GET twice by
 * default, which would hide failures inside the timings) and HTTP errors are returned, not thrown.
 */
export const gotAdapter: ClientAdapter = {
  name: 'got',
  description: 'got instance (retry off, Node global agent unless capped)',
  packageName: 'got',
  sourceUrl: 'https://github.com/sindresorhus/got/blob/main/source/core/index.ts',
  capabilities: { connectionCap: true, keepAliveOff: true, pipelining: false, tls: true, http2: false },
  version: () => installedVersion('got'),
  async open(origin, options) {
    const got = (await import('got')).default;
    const { agent, isGlobal } = nodeAgent(origin, options, true);
    const secure = origin.startsWith('https:');
    const client = got.extend({
      prefixUrl: origin,
      retry: { limit: 0 },
      throwHttpErrors: false,
      responseType: 'buffer',
      agent: secure ? { https: agent as import('node:https').Agent } : { http: agent },
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
      settings: () => ({ ...nodeAgentSettings(agent, isGlobal), retryLimit: 0 }),
      async close() {
        closeNodeAgent(agent, isGlobal);
      },
    };
  },
};
