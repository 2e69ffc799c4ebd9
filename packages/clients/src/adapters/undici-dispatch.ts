import type { Dispatcher } from 'undici';
import { createLookup, withUndiciLookup } from '../lookup';
import type { BodyResponse, ClientAdapter, ResponseInfo } from '../types';
import { installedVersion, pinnedSource } from '../version';
import { protocolTag } from './protocol-probe';
import { undiciAgent, undiciSettings } from './undici-common';

/**
 * undici `Dispatcher#dispatch` with a bare handler: no promise wrapper, no body stream object.
 * The cheapest path undici offers; its cost is a floor for the other undici APIs.
 */
export const undiciDispatch: ClientAdapter = {
  name: 'undici-dispatch',
  description: 'undici Agent#dispatch with a raw handler (cheapest undici path)',
  packageName: 'undici',
  get sourceUrl() {
    return pinnedSource('nodejs/undici', `v${installedVersion('undici')}`, 'lib/dispatcher/dispatcher-base.js');
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
      request(path) {
        return new Promise<ResponseInfo>((resolve, reject) => {
          let status = 0;
          let bodyBytes = 0;
          // https: tag the request to read the protocol it went over (protocol-probe.ts).
          const tag = secure ? protocolTag() : null;
          const handler: Dispatcher.DispatchHandler = {
            onRequestStart() {},
            onResponseStart(_controller, statusCode) {
              status = statusCode;
            },
            onResponseData(_controller, chunk) {
              bodyBytes += chunk.length;
            },
            onResponseEnd() {
              resolve({ status, bodyBytes, protocol: tag ? tag.take() : null });
            },
            onResponseError(_controller, error) {
              tag?.take();
              reject(error);
            },
          };
          try {
            dispatcher.dispatch(
              { origin, path, method: 'GET', ...blocking, ...(tag ? { headers: tag.headers } : {}) },
              handler,
            );
          } catch (error) {
            tag?.take();
            reject(error);
          }
        });
      },
      requestBody(path, consumption) {
        // The raw handler is pushed every chunk: 'buffer' keeps them and concatenates, 'stream' counts them, and
        // 'unread' pauses the controller at the headers and never resumes it (the dispatch API's way not to read).
        return new Promise<BodyResponse>((resolve, reject) => {
          let status = 0;
          let bodyBytes = 0;
          const chunks: Buffer[] = [];
          const handler: Dispatcher.DispatchHandler = {
            onRequestStart() {},
            onResponseStart(controller, statusCode) {
              status = statusCode;
              if (consumption === 'unread') {
                controller.pause();
                resolve({ status, bodyBytes: 0, read: false });
              }
            },
            onResponseData(_controller, chunk) {
              if (consumption === 'buffer') chunks.push(chunk);
              bodyBytes += chunk.length;
            },
            onResponseEnd() {
              if (consumption === 'buffer') bodyBytes = Buffer.concat(chunks).length;
              resolve({ status, bodyBytes, read: consumption !== 'unread' });
            },
            onResponseError(_controller, error) {
              reject(error);
            },
          };
          try {
            dispatcher.dispatch({ origin, path, method: 'GET', ...blocking }, handler);
          } catch (error) {
            reject(error);
          }
        });
      },
      settings: () => ({ ...undiciSettings(agent, options), ...lookup.settings() }),
      close: () => dispatcher.close(),
    };
  },
};
