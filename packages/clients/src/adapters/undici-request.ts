import { createLookup, withUndiciLookup } from '../lookup';
import type { ClientAdapter } from '../types';
import { installedVersion, pinnedSource } from '../version';
import { streamToSink } from './body-sink';
import { protocolTag } from './protocol-probe';
import { undiciAgent, undiciSettings } from './undici-common';
import { uploadBuffer, uploadReadable } from './upload-source';

/** undici `Dispatcher#request`: promise API, body as a Readable that is read to the end. */
export const undiciRequest: ClientAdapter = {
  name: 'undici-request',
  description: 'undici Agent#request (promise API, body read with arrayBuffer())',
  packageName: 'undici',
  get sourceUrl() {
    return pinnedSource('nodejs/undici', `v${installedVersion('undici')}`, 'lib/api/api-request.js');
  },
  capabilities: { connectionCap: true, keepAliveOff: true, pipelining: true, tls: true, http2: true },
  version: () => installedVersion('undici'),
  async open(origin, options) {
    const lookup = await createLookup(options.lookup);
    const agent = undiciAgent(options, lookup.socketLookup);
    const dispatcher = withUndiciLookup(agent, lookup);
    const secure = origin.startsWith('https:');
    const blocking = typeof options.pipelineBlocking === 'boolean' ? { blocking: options.pipelineBlocking } : {};
    return {
      async request(path) {
        // https: tag the request to read the protocol it went over (protocol-probe.ts).
        const tag = secure ? protocolTag() : null;
        try {
          const res = await dispatcher.request({
            origin,
            path,
            method: 'GET',
            ...blocking,
            ...(tag ? { headers: tag.headers } : {}),
          });
          const body = await res.body.arrayBuffer();
          return { status: res.statusCode, bodyBytes: body.byteLength, protocol: tag ? tag.take() : null };
        } finally {
          tag?.take();
        }
      },
      async requestBody(path, consumption) {
        const res = await dispatcher.request({ origin, path, method: 'GET', ...blocking });
        if (consumption === 'unread') return { status: res.statusCode, bodyBytes: 0, read: false };
        const bodyBytes =
          consumption === 'buffer' ? (await res.body.arrayBuffer()).byteLength : await streamToSink(res.body);
        return { status: res.statusCode, bodyBytes, read: true };
      },
      async uploadBody(path, bytes, mode) {
        const body = mode === 'buffer' ? uploadBuffer(bytes) : uploadReadable(bytes);
        const res = await dispatcher.request({ origin, path, method: 'POST', body, ...blocking });
        await res.body.arrayBuffer();
        return { status: res.statusCode, sentBytes: bytes };
      },
      settings: () => ({ ...undiciSettings(agent, options), ...lookup.settings() }),
      close: () => dispatcher.close(),
    };
  },
};
