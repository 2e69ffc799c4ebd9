import type { AxiosStatic } from 'axios';
import type { ClientAdapter } from '../types';
import { installedVersion } from '../version';
import { closeNodeAgent, nodeAgent, nodeAgentSettings } from './node-agent';

/**
 * axios with its Node http adapter. Non-2xx are returned, not thrown (validateStatus), so the runner counts them
 * by status code. With default options it uses Node's global agent, as applications do.
 */
export const axiosAdapter: ClientAdapter = {
  name: 'axios',
  description: 'axios instance (http adapter, Node global agent unless capped)',
  packageName: 'axios',
  sourceUrl: 'https://github.com/axios/axios/blob/v1.x/lib/adapters/http.js',
  capabilities: { connectionCap: true, keepAliveOff: true, pipelining: false, tls: true, http2: false },
  version: () => installedVersion('axios'),
  async open(origin, options) {
    const axios = require('axios') as AxiosStatic;
    const { agent, isGlobal } = nodeAgent(origin, options, true);
    const instance = axios.create({
      baseURL: origin,
      responseType: 'arraybuffer',
      validateStatus: () => true,
      ...(origin.startsWith('https:') ? { httpsAgent: agent } : { httpAgent: agent }),
      ...(options.requestTimeoutMs !== null ? { timeout: options.requestTimeoutMs } : {}),
    });
    return {
      async request(path) {
        const res = await instance.get<ArrayBuffer>(path);
        return { status: res.status, bodyBytes: (res.data as ArrayBuffer).byteLength, protocol: 'http/1.1' };
      },
      settings: () => ({
        ...nodeAgentSettings(agent, isGlobal),
        maxRedirects: instance.defaults.maxRedirects ?? 'axios default (follow-redirects, 21)',
      }),
      async close() {
        closeNodeAgent(agent, isGlobal);
      },
    };
  },
};
