import * as http from 'node:http';
import * as https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { createLookup } from '../lookup';
import type { BodyResponse, ClientAdapter, ResponseInfo, UploadResponse } from '../types';
import { pinnedSource } from '../version';
import { streamToSink } from './body-sink';
import { closeNodeAgent, nodeAgent, nodeAgentSettings } from './node-agent';
import { uploadBuffer, uploadReadable } from './upload-source';

/** node:http(s).request with a dedicated keep-alive Agent; body consumed by counting 'data' chunks. */
export const nodeHttp: ClientAdapter = {
  name: 'node-http',
  description: 'node:http request() with its own keep-alive http.Agent',
  packageName: 'node',
  get sourceUrl() {
    return pinnedSource('nodejs/node', process.version, 'lib/_http_agent.js');
  },
  capabilities: { connectionCap: true, keepAliveOff: true, pipelining: false, tls: true, http2: false },
  version: () => process.version,
  async open(origin, options) {
    const lookup = await createLookup(options.lookup);
    const { agent, isGlobal } = nodeAgent(origin, options, false, lookup.socketLookup);
    const url = new URL(origin);
    const mod = url.protocol === 'https:' ? https : http;
    const timeoutMs = options.requestTimeoutMs;
    return {
      request(path) {
        return new Promise<ResponseInfo>((resolve, reject) => {
          const req = mod.request({ agent, hostname: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
            let bodyBytes = 0;
            res.on('data', (chunk: Buffer) => {
              bodyBytes += chunk.length;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, bodyBytes, protocol: 'http/1.1' }));
            res.on('error', reject);
          });
          req.on('error', reject);
          if (timeoutMs !== null) {
            req.setTimeout(timeoutMs, () => {
              const error = new Error(`node:http request timed out after ${timeoutMs} ms: GET ${origin}${path}`);
              (error as Error & { code: string }).code = 'CASEBOOK_REQUEST_TIMEOUT';
              req.destroy(error);
            });
          }
          req.end();
        });
      },
      requestBody(path, consumption) {
        return new Promise<BodyResponse>((resolve, reject) => {
          const req = mod.request({ agent, hostname: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
            const status = res.statusCode ?? 0;
            if (consumption === 'unread') {
              resolve({ status, bodyBytes: 0, read: false });
              return;
            }
            if (consumption === 'stream') {
              streamToSink(res).then((bodyBytes) => resolve({ status, bodyBytes, read: true }), reject);
              return;
            }
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ status, bodyBytes: Buffer.concat(chunks).length, read: true }));
            res.on('error', reject);
          });
          req.on('error', reject);
          if (timeoutMs !== null)
            req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
          req.end();
        });
      },
      uploadBody(path, bytes, mode) {
        return new Promise<UploadResponse>((resolve, reject) => {
          // A Buffer goes with its content-length; a stream without one, so Node frames it chunked.
          const headers = mode === 'buffer' ? { 'content-length': String(bytes) } : {};
          const req = mod.request(
            { agent, hostname: url.hostname, port: url.port, path, method: 'POST', headers },
            (res) => {
              res.resume();
              res.on('end', () => resolve({ status: res.statusCode ?? 0, sentBytes: bytes }));
              res.on('error', reject);
            },
          );
          req.on('error', reject);
          if (timeoutMs !== null)
            req.setTimeout(timeoutMs, () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)));
          if (mode === 'buffer') req.end(uploadBuffer(bytes));
          else pipeline(uploadReadable(bytes), req).catch(reject);
        });
      },
      settings: () => ({ ...nodeAgentSettings(agent, isGlobal), ...lookup.settings() }),
      async close() {
        closeNodeAgent(agent);
      },
    };
  },
};
