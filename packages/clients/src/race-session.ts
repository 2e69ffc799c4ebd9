/**
 * Sessions for the keep-alive race study (notebook 08): every client under study, built exactly as its adapter builds
 * it (the same undici Agent, the same http.Agent choice, global fetch untouched), but able to send what a race needs:
 * GET or POST with a body, and a request-id header the target counts arrivals by. The adapters' `request(path)` is a
 * bare GET, and the got adapter turns retries off; here each client's retry policy is a choice, because a client's
 * retry is its defence against the race and is what the study measures.
 *
 * `defence()` reads, from the live objects, what decides whether a reused socket fails: the idle timeout in force (the
 * server's Keep-Alive hint applied) and the retry policy for each method. Request timeouts: undici's headersTimeout/
 * bodyTimeout, axios's `defaults.timeout` and got's `defaults.options.timeout` are read from the live objects; an
 * `AbortSignal.timeout()` (fetch) and `req.setTimeout` (node:http) cannot be read back, so they are recorded as passed,
 * under keys that say so (`…AsPassedMs`).
 */
import * as http from 'node:http';
import { UsageError } from '@casebook/results';
import type { Dispatcher } from 'undici';
import { nodeAgent, nodeAgentSettings } from './adapters/node-agent';
import { undiciAgent } from './adapters/undici-common';
import { nodeGlobalDispatcherSettings, undiciLiveSettings } from './pool-introspection';
import { resolveClientOptions } from './registry';
import type { ClientName } from './types';

export const RACE_METHODS = ['GET', 'POST'] as const;
export type RaceMethod = (typeof RACE_METHODS)[number];

/**
 * 'client-default': what the client does out of the box (got retries GET twice; no other client retries).
 * 'off': no retry at all (got `retry.limit` 0; the others already do none).
 * 'opt-in': the client's own retry feature switched on with its defaults (undici `interceptors.retry()`, got's
 * default retry); refused for clients that have none (node:http, axios, Node's global fetch).
 * With a whole-request timeout set (RaceSessionOptions.requestTimeoutMs), got runs with `retry.limit` 0 whatever the
 * choice, so a timed request ends with its first attempt (see openRaceSession).
 */
export const RETRY_CHOICES = ['client-default', 'off', 'opt-in'] as const;
export type RetryChoice = (typeof RETRY_CHOICES)[number];

export interface RaceRequest {
  method: RaceMethod;
  path: string;
  headers: Record<string, string>;
  /** POST body (sent with its Content-Length); null for GET. */
  body: Uint8Array | null;
}

export interface RaceResponse {
  status: number;
  bodyBytes: number;
}

export interface RaceSessionOptions {
  retry: RetryChoice;
  /** Whole-request timeout; null keeps the client's default (the stall and the silent drop measure those). */
  requestTimeoutMs: number | null;
}

export interface RaceSession {
  send(request: RaceRequest): Promise<RaceResponse>;
  /** Idle timeout in force and retry policy, read from the live objects (call it after a response for the hint's effect). */
  defence(): Record<string, unknown>;
  close(): Promise<void>;
}

const RETRY_CAPABLE: ReadonlySet<ClientName> = new Set(['undici-request', 'undici-dispatch', 'undici-fetch', 'got']);

/** Check a retry choice for a client: 'opt-in' needs a client with a retry feature of its own. */
export function checkRetryChoice(client: ClientName, retry: unknown): RetryChoice {
  if (typeof retry !== 'string' || !(RETRY_CHOICES as readonly string[]).includes(retry))
    throw new UsageError('retry', retry, `expected one of ${RETRY_CHOICES.join(', ')}`);
  if (retry === 'opt-in' && !RETRY_CAPABLE.has(client))
    throw new UsageError('retry', retry, `${client} has no retry feature of its own`);
  return retry as RetryChoice;
}

/** The idle timeouts of an http.Agent's free sockets (the Agent sets them from its `timeout` and the server's hint). */
function freeSocketTimeouts(agent: http.Agent): number[] {
  const out: number[] = [];
  for (const sockets of Object.values(agent.freeSockets)) for (const s of sockets ?? []) out.push(s.timeout ?? 0);
  return out;
}

/** undici's RetryHandler options with nothing given, read from a live handler (never dispatched). */
function undiciRetryDefaults(): Record<string, unknown> {
  const undici = require('undici') as typeof import('undici');
  const handler = new undici.RetryHandler(
    { method: 'GET', path: '/', origin: 'http://127.0.0.1:1', retryOptions: {} },
    { dispatch: () => true, handler: {} },
  ) as unknown as { retryOpts?: Record<string, unknown> };
  const o = handler.retryOpts ?? {};
  return {
    maxRetries: o['maxRetries'],
    methods: o['methods'],
    errorCodes: o['errorCodes'],
    minTimeoutMs: o['minTimeout'],
  };
}

export async function openRaceSession(
  client: ClientName,
  origin: string,
  input: RaceSessionOptions,
): Promise<RaceSession> {
  const retry = checkRetryChoice(client, input.retry);
  const options = resolveClientOptions(client, { requestTimeoutMs: input.requestTimeoutMs });
  const noRetry = { retry: 'none: this client has no retry of its own' };
  switch (client) {
    case 'undici-request':
    case 'undici-dispatch':
    case 'undici-fetch': {
      const undici = require('undici') as typeof import('undici');
      const agent = undiciAgent(options);
      const dispatcher: Dispatcher = retry === 'opt-in' ? agent.compose(undici.interceptors.retry()) : agent;
      const retryPolicy =
        retry === 'opt-in'
          ? { retry: 'interceptors.retry()', ...undiciRetryDefaults() }
          : { retry: 'none: a plain undici Agent does not retry (client-h1.js fails the request)' };
      const send = async (request: RaceRequest): Promise<RaceResponse> => {
        if (client === 'undici-fetch') {
          const init: Parameters<typeof undici.fetch>[1] = {
            dispatcher,
            method: request.method,
            headers: request.headers,
          };
          if (request.body) init.body = request.body;
          if (options.requestTimeoutMs !== null) init.signal = AbortSignal.timeout(options.requestTimeoutMs);
          const res = await undici.fetch(origin + request.path, init);
          return { status: res.status, bodyBytes: (await res.arrayBuffer()).byteLength };
        }
        // undici-dispatch reaches the same Client/Pool path (client-h1.js) as request(); request() reads the body.
        const res = await dispatcher.request({
          origin,
          path: request.path,
          method: request.method,
          headers: request.headers,
          ...(request.body ? { body: request.body } : {}),
        });
        return { status: res.statusCode, bodyBytes: (await res.body.arrayBuffer()).byteLength };
      };
      return {
        send,
        defence: () => ({
          ...retryPolicy,
          ...undiciLiveSettings(agent),
          // Configured, as passed: an AbortSignal.timeout's delay cannot be read back from the signal.
          ...(client === 'undici-fetch' ? { abortSignalTimeoutAsPassedMs: options.requestTimeoutMs } : {}),
        }),
        close: () => agent.close(),
      };
    }
    case 'node-fetch': {
      return {
        async send(request) {
          const init: RequestInit = { method: request.method, headers: request.headers };
          if (request.body) init.body = request.body;
          if (options.requestTimeoutMs !== null) init.signal = AbortSignal.timeout(options.requestTimeoutMs);
          const res = await fetch(origin + request.path, init);
          return { status: res.status, bodyBytes: (await res.arrayBuffer()).byteLength };
        },
        defence: () => ({
          ...noRetry,
          ...nodeGlobalDispatcherSettings(),
          // Configured, as passed: an AbortSignal.timeout's delay cannot be read back from the signal.
          abortSignalTimeoutAsPassedMs: options.requestTimeoutMs,
        }),
        async close() {
          // The global dispatcher belongs to the process; the worker exits after the run.
        },
      };
    }
    case 'node-http': {
      const { agent, isGlobal } = nodeAgent(origin, options, false);
      const url = new URL(origin);
      return {
        send: (request) =>
          new Promise<RaceResponse>((resolve, reject) => {
            const headers: Record<string, string> = { ...request.headers };
            if (request.body) headers['content-length'] = String(request.body.byteLength);
            const req = http.request(
              { agent, hostname: url.hostname, port: url.port, path: request.path, method: request.method, headers },
              (res) => {
                let bodyBytes = 0;
                res.on('data', (chunk: Buffer) => {
                  bodyBytes += chunk.length;
                });
                res.on('end', () => resolve({ status: res.statusCode ?? 0, bodyBytes }));
                res.on('error', reject);
              },
            );
            req.on('error', reject);
            const timeoutMs = options.requestTimeoutMs;
            if (timeoutMs !== null) {
              req.setTimeout(timeoutMs, () => {
                const error = new Error(`node:http request timed out after ${timeoutMs} ms`);
                (error as Error & { code: string }).code = 'CASEBOOK_REQUEST_TIMEOUT';
                req.destroy(error);
              });
            }
            req.end(request.body ?? undefined);
          }),
        defence: () => ({
          ...noRetry,
          ...nodeAgentSettings(agent, isGlobal),
          freeSocketTimeoutsMs: freeSocketTimeouts(agent),
          // The request's own timeout, configured as passed to req.setTimeout on each request (null: none); free-socket
          // timeouts are not one.
          reqSetTimeoutAsPassedMs: options.requestTimeoutMs,
        }),
        async close() {
          agent.destroy();
        },
      };
    }
    case 'axios': {
      const axios = require('axios') as import('axios').AxiosStatic;
      const { agent, isGlobal } = nodeAgent(origin, options, true);
      const instance = axios.create({
        baseURL: origin,
        responseType: 'arraybuffer',
        validateStatus: () => true,
        httpAgent: agent,
        ...(options.requestTimeoutMs !== null ? { timeout: options.requestTimeoutMs } : {}),
      });
      return {
        async send(request) {
          const res = await instance.request<ArrayBuffer>({
            url: request.path,
            method: request.method,
            headers: request.headers,
            ...(request.body ? { data: Buffer.from(request.body) } : {}),
          });
          return { status: res.status, bodyBytes: res.data.byteLength };
        },
        defence: () => ({
          ...noRetry,
          ...nodeAgentSettings(agent, isGlobal),
          freeSocketTimeoutsMs: freeSocketTimeouts(agent),
          // axios's own request timeout as the live instance holds it (0: none).
          axiosTimeoutMs: instance.defaults.timeout ?? 0,
        }),
        async close() {
          agent.destroy();
        },
      };
    }
    case 'got': {
      const got = (await import('got')).default;
      const { agent, isGlobal } = nodeAgent(origin, options, true);
      // With a configured request timeout (the stall experiment's timed row) got runs without retry whatever the
      // choice: its timeout raises ETIMEDOUT, which its default retry resends (limit 2, after about 1 s each), so the
      // row would time the last of up to three attempts plus the back-off, not the configured timeout. retry.limit 0
      // makes the request's end the FIRST attempt's end; defence() reads the limit in force (retryLimit 0) back.
      const noGotRetry = retry === 'off' || options.requestTimeoutMs !== null;
      const gotClient = got.extend({
        prefixUrl: origin,
        throwHttpErrors: false,
        responseType: 'buffer',
        agent: { http: agent },
        ...(noGotRetry ? { retry: { limit: 0 } } : {}),
        ...(options.requestTimeoutMs !== null ? { timeout: { request: options.requestTimeoutMs } } : {}),
      });
      return {
        async send(request) {
          const res = await gotClient(request.path.replace(/^\//, ''), {
            method: request.method,
            headers: request.headers,
            ...(request.body ? { body: Buffer.from(request.body) } : {}),
          });
          return { status: res.statusCode, bodyBytes: res.rawBody.length };
        },
        defence: () => {
          const r = gotClient.defaults.options.retry;
          return {
            retry: 'got retry options',
            retryLimit: r.limit,
            retryMethods: [...(r.methods ?? [])],
            retryErrorCodes: [...(r.errorCodes ?? [])],
            ...nodeAgentSettings(agent, isGlobal),
            freeSocketTimeoutsMs: freeSocketTimeouts(agent),
            // got's request timeouts as the live options hold them ({}: none).
            gotTimeout: { ...gotClient.defaults.options.timeout },
          };
        },
        async close() {
          agent.destroy();
        },
      };
    }
    default:
      throw new UsageError('client', client, 'has no race session (HTTP/1.1 clients only)');
  }
}
