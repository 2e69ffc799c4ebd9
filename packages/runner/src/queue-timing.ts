/**
 * Split each request's latency into the time it waits for a connection (queue) and the time it spends on one
 * (wire), inside the client process, from the clients' own diagnostics channels:
 *
 * - undici (npm and Node's bundled copy): `undici:client:sendHeaders` when the request is written to a socket,
 *   `undici:request:trailers` when its response is complete, `undici:request:error` when it fails.
 *   A request waiting in a capped Pool's queue has no undici Request object yet (the Pool queues the raw options),
 *   so `undici:request:create` would miss that wait; the queue is timed from the runner's own start instead.
 * - node:http (and axios and got, which use it): `http.client.request.created` gives the ClientRequest; its
 *   `socket` event marks the moment the Agent hands it a socket, and the response's `end` ends the wire time.
 * - Sockets opened: `net.client.socket`, published by net.connect for every client (undici's connector too).
 *
 * Requests are matched to the runner's by a tag in the query string (`?casebook-req=<id>`), which every client
 * passes through untouched. Memory is O(requests in flight).
 */
import * as dc from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { createLatencyHistogram, encodeHistogram, recordMicros } from '@casebook/stats';

export const QUEUE_TIMING_TAG = 'casebook-req=';

export interface QueueTimingResult {
  queueHistogram: string;
  wireHistogram: string;
  clientSocketsOpened: number;
}

function idFromPath(path: unknown): number | null {
  if (typeof path !== 'string') return null;
  const i = path.lastIndexOf(QUEUE_TIMING_TAG);
  if (i < 0) return null;
  const id = Number(path.slice(i + QUEUE_TIMING_TAG.length));
  return Number.isInteger(id) ? id : null;
}

/** One phase's queue/wire timing. `begin` before sending, `drop` on failure, `stop` at the end of the phase. */
export class QueueTiming {
  private nextId = 1;
  private readonly started = new Map<number, number>();
  private readonly onWire = new Map<number, number>();
  private readonly queue = createLatencyHistogram();
  private readonly wire = createLatencyHistogram();
  private socketsOpened = 0;
  private readonly subscriptions: [string, (message: unknown) => void][];

  constructor() {
    const undiciSend = (m: unknown) =>
      this.wireStart(idFromPath((m as { request?: { path?: unknown } }).request?.path));
    const undiciDone = (m: unknown) => this.wireEnd(idFromPath((m as { request?: { path?: unknown } }).request?.path));
    const undiciError = (m: unknown) => this.drop(idFromPath((m as { request?: { path?: unknown } }).request?.path));
    const httpCreated = (m: unknown) => {
      const req = (m as { request?: ClientRequest }).request;
      const id = idFromPath(req?.path);
      if (!req || id === null) return;
      req.once('socket', () => this.wireStart(id));
      req.once('response', (res: IncomingMessage) => res.once('end', () => this.wireEnd(id)));
      req.once('error', () => this.drop(id));
    };
    const socket = () => {
      this.socketsOpened++;
    };
    this.subscriptions = [
      ['undici:client:sendHeaders', undiciSend],
      ['undici:request:trailers', undiciDone],
      ['undici:request:error', undiciError],
      ['http.client.request.created', httpCreated],
      ['net.client.socket', socket],
    ];
    for (const [name, fn] of this.subscriptions) dc.subscribe(name, fn);
  }

  /** Register a request that starts (or was due to start) at `startMs`; returns the tagged path to send. */
  begin(path: string, startMs: number): { id: number; path: string } {
    const id = this.nextId++;
    this.started.set(id, startMs);
    return { id, path: `${path}${path.includes('?') ? '&' : '?'}${QUEUE_TIMING_TAG}${id}` };
  }

  /** Forget a request that failed (its split is not recorded; the runner counts the error). */
  drop(id: number | null): void {
    if (id === null) return;
    this.started.delete(id);
    this.onWire.delete(id);
  }

  private wireStart(id: number | null): void {
    // The first time only: pipelined or retried writes do not move it.
    if (id !== null && this.started.has(id) && !this.onWire.has(id)) this.onWire.set(id, performance.now());
  }

  private wireEnd(id: number | null): void {
    if (id === null) return;
    const start = this.started.get(id);
    const wire = this.onWire.get(id);
    if (start === undefined || wire === undefined) return;
    const now = performance.now();
    recordMicros(this.queue, (wire - start) * 1000);
    recordMicros(this.wire, (now - wire) * 1000);
    this.started.delete(id);
    this.onWire.delete(id);
  }

  stop(): QueueTimingResult {
    for (const [name, fn] of this.subscriptions) dc.unsubscribe(name, fn);
    return {
      queueHistogram: encodeHistogram(this.queue),
      wireHistogram: encodeHistogram(this.wire),
      clientSocketsOpened: this.socketsOpened,
    };
  }
}
