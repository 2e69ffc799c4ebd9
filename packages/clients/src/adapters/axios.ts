import type { AxiosStatic } from 'axios';
import { requireClient } from '../client-modules';
import { createLookup } from '../lookup';
import type { ClientAdapter } from '../types';
import { installedVersion, pinnedSource } from '../version';
import { streamToSink } from './body-sink';
import { agentSocketListeners, closeNodeAgent, nodeAgent, nodeAgentSettings } from './node-agent';
import { uploadBuffer, uploadReadable } from './upload-source';

/**
 * axios with its Node http adapter. Non-2xx are returned, not thrown (validateStatus), so the runner counts them
 * by status code. With default options it uses Node's global agent, as applications do.
 */
export const axiosAdapter: ClientAdapter = {
  name: 'axios',
  description: 'axios instance (http adapter, Node global agent unless capped)',
  packageName: 'axios',
  get sourceUrl() {
    return pinnedSource('axios/axios', `v${installedVersion('axios')}`, 'lib/adapters/http.js');
  },
  capabilities: { connectionCap: true, keepAliveOff: true, pipelining: false, tls: true, http2: true },
  version: () => installedVersion('axios'),
  async open(origin, options) {
    const axios = requireClient('axios') as AxiosStatic;
    const lookup = await createLookup(options.lookup);
    const { agent, isGlobal } = nodeAgent(origin, options, true, lookup.socketLookup);
    const instance = axios.create({
      baseURL: origin,
      responseType: 'arraybuffer',
      validateStatus: () => true,
      ...(origin.startsWith('https:') ? { httpsAgent: agent } : { httpAgent: agent }),
      ...(options.requestTimeoutMs !== null ? { timeout: options.requestTimeoutMs } : {}),
      // protocol 'h2': axios's own HTTP/2 transport (one cached session per authority, http2Options to connect).
      ...(options.protocol === 'h2'
        ? { httpVersion: 2, http2Options: options.tls ? { ca: options.tls.caPem } : {} }
        : {}),
    });
    return {
      async request(path) {
        const res = await instance.get<ArrayBuffer>(path);
        return {
          status: res.status,
          bodyBytes: (res.data as ArrayBuffer).byteLength,
          protocol: axiosProtocol(res.request),
        };
      },
      async requestBody(path, consumption) {
        if (consumption === 'buffer') {
          const res = await instance.get<ArrayBuffer>(path);
          return { status: res.status, bodyBytes: res.data.byteLength, read: true };
        }
        const res = await instance.get<NodeJS.ReadableStream>(path, { responseType: 'stream' });
        if (consumption === 'unread') return { status: res.status, bodyBytes: 0, read: false };
        return { status: res.status, bodyBytes: await streamToSink(res.data), read: true };
      },
      async uploadBody(path, bytes, mode) {
        const data = mode === 'buffer' ? uploadBuffer(bytes) : uploadReadable(bytes);
        const res = await instance.post<ArrayBuffer>(path, data, {
          headers: { 'content-type': 'application/octet-stream' },
        });
        return { status: res.status, sentBytes: bytes };
      },
      settings: () => ({
        ...nodeAgentSettings(agent, isGlobal),
        ...agentSocketListeners(agent),
        ...lookup.settings(),
        maxRedirects: instance.defaults.maxRedirects ?? 'axios default (follow-redirects, 21)',
        // The body limits in force on the live instance (-1: none; the http adapter then gives its transport Infinity).
        maxContentLength: instance.defaults.maxContentLength ?? null,
        maxBodyLength: instance.defaults.maxBodyLength ?? null,
        timeoutMs: instance.defaults.timeout ?? null,
      }),
      async close() {
        closeNodeAgent(agent);
      },
    };
  },
};

/**
 * The protocol a response came over: axios's HTTP/2 transport hands back the ClientHttp2Stream as the request (it
 * has a numeric stream `id`; its `session` is already gone once the stream ended); HTTP/1.1 hands back a
 * ClientRequest, whose socket's ALPN says h2 or not.
 */
function axiosProtocol(request: unknown): string {
  const r = request as { id?: unknown; socket?: { alpnProtocol?: string | false } | null } | null;
  if (r && typeof r.id === 'number') return 'h2';
  return r?.socket?.alpnProtocol === 'h2' ? 'h2' : 'http/1.1';
}
