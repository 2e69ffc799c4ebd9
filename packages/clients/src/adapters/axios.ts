import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { AxiosStatic } from 'axios';
import { requireClient, resolveClient } from '../client-modules';
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
    const followRedirects = followRedirectsOf();
    const instance = axios.create({
      baseURL: origin,
      responseType: 'arraybuffer',
      validateStatus: () => true,
      ...(origin.startsWith('https:') ? { httpsAgent: agent } : { httpAgent: agent }),
      ...(options.requestTimeoutMs !== null ? { timeout: options.requestTimeoutMs } : {}),
      // 0: Node's native http/https request, no follow-redirects (absent: axios's default, through follow-redirects).
      ...(typeof options.maxRedirects === 'number' ? { maxRedirects: options.maxRedirects } : {}),
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
        // Live values: the instance's maxRedirects when set, else the limit follow-redirects itself applies (axios
        // passes none), read from the follow-redirects module this axios loads, with that module's version.
        maxRedirects: instance.defaults.maxRedirects ?? followRedirects.maxRedirects,
        maxRedirectsFrom: instance.defaults.maxRedirects === undefined ? 'follow-redirects default' : 'axios instance',
        transport:
          instance.defaults.maxRedirects === 0 ? 'native http/https (no follow-redirects)' : 'follow-redirects',
        followRedirectsVersion: followRedirects.version,
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
 * follow-redirects as the axios that runs loads it (resolved from that axios's own file, so a version from the store
 * finds its own copy): the package's version and the module's `maxRedirects` (the limit it applies when axios passes
 * none); nulls when it cannot be found.
 */
function followRedirectsOf(): { version: string | null; maxRedirects: number | null } {
  try {
    const fromAxios = createRequire(resolveClient('axios'));
    const main = fromAxios.resolve('follow-redirects');
    const mod = fromAxios('follow-redirects') as { maxRedirects?: unknown };
    const pkg = JSON.parse(fs.readFileSync(path.join(path.dirname(main), 'package.json'), 'utf8')) as {
      version?: unknown;
    };
    return {
      version: typeof pkg.version === 'string' ? pkg.version : null,
      maxRedirects: typeof mod.maxRedirects === 'number' ? mod.maxRedirects : null,
    };
  } catch {
    return { version: null, maxRedirects: null };
  }
}

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
