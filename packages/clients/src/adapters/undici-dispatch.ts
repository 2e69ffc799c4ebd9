import type { Dispatcher } from 'undici';
import type { ClientAdapter, ResponseInfo } from '../types';
import { installedVersion } from '../version';
import { undiciAgent, undiciSettings } from './undici-common';

/**
 * undici `Dispatcher#dispatch` with a bare handler: no promise wrapper, no body stream object.
 * The cheapest path undici offers; its cost is a floor for the other undici APIs.
 */
export const undiciDispatch: ClientAdapter = {
  name: 'undici-dispatch',
  description: 'undici Agent#dispatch with a raw handler (cheapest undici path)',
  packageName: 'undici',
  sourceUrl: 'https://github.com/nodejs/undici/blob/main/lib/dispatcher/dispatcher-base.js',
  capabilities: { connectionCap: true, keepAliveOff: true, pipelining: true, tls: true, http2: true },
  version: () => installedVersion('undici'),
  async open(origin, options) {
    const agent = undiciAgent(options);
    return {
      request(path) {
        return new Promise<ResponseInfo>((resolve, reject) => {
          let status = 0;
          let bodyBytes = 0;
          const handler: Dispatcher.DispatchHandler = {
            onRequestStart() {},
            onResponseStart(_controller, statusCode) {
              status = statusCode;
            },
            onResponseData(_controller, chunk) {
              bodyBytes += chunk.length;
            },
            onResponseEnd() {
              resolve({ status, bodyBytes, protocol: null });
            },
            onResponseError(_controller, error) {
              reject(error);
            },
          };
          try {
            agent.dispatch({ origin, path, method: 'GET' }, handler);
          } catch (error) {
            reject(error);
          }
        });
      },
      settings: () => undiciSettings(agent, options),
      close: () => agent.close(),
    };
  },
};
