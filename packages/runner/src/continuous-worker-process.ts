/**
 * The client under test for a continuous load (the steady-state method): one process for the whole measurement,
 * across every block of an interleaved run, so the client's JIT and pool are never restarted by the harness. It opens
 * one client, then runs each block as a continuous load cut into windows (continuous.ts). Exits when the parent's IPC
 * channel closes.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { getAdapter, openClientSession, useClientPackages } from '@casebook/clients';
import { startContinuousLoad } from './continuous';
import { type ContinuousFromWorker, type ContinuousStart, type PhaseResult, workerRuntime } from './protocol';
import { serveWorker, type WorkerChannel } from './worker-channel';

/**
 * Process warnings the client caused (e.g. axios 1.15.1's MaxListenersExceededWarning on pooled sockets, axios#10780),
 * counted by name from the process's 'warning' events: the client's own behaviour, kept in the record's settings.
 * Listening does not silence Node's default printing to stderr.
 */
const processWarnings: Record<string, number> = {};
/**
 * MaxListenersExceededWarning by the emitter's type and the event name (`Socket 'error'`), read from the warning's own
 * `emitter` and `type` properties (Node sets them, with `count`, on this warning): which listener crossed the limit.
 */
const maxListenersWarnings: Record<string, number> = {};
process.on('warning', (w) => {
  processWarnings[w.name] = (processWarnings[w.name] ?? 0) + 1;
  if (w.name === 'MaxListenersExceededWarning') {
    const key = listenerWarningKey(w as Error & { emitter?: unknown; type?: unknown });
    maxListenersWarnings[key] = (maxListenersWarnings[key] ?? 0) + 1;
  }
});

/** `Socket 'error'`: the constructor name of the warning's emitter and the event it names ('?' when absent). */
function listenerWarningKey(w: { emitter?: unknown; type?: unknown }): string {
  const e = w.emitter;
  const emitter = typeof e === 'object' && e !== null ? (e.constructor?.name ?? 'Object') : '?';
  const event = typeof w.type === 'string' ? w.type : typeof w.type === 'symbol' ? w.type.toString() : '?';
  return `${emitter} '${event}'`;
}

/** Responses the client completed over the process's whole run (warm-up and measured windows, and pauses): exact. */
let requestsCompleted = 0;

/**
 * A full garbage collection before memory is read, so what is left is what the client still holds (a pooled socket
 * pinning a response, axios#11091), not garbage the collector had not reached yet. Only at `ready` and after the last
 * block (never during a measured window); Node exposes gc() once the flag is set at run time. False if unavailable.
 */
function collectGarbage(): boolean {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc: unknown = vm.runInNewContext('gc');
    if (typeof gc !== 'function') return false;
    // Twice: one full GC does not release every ArrayBuffer backing store at once (freed off-heap memory lags the
    // collection that found it dead), so a second pass brings a reading closer to what is still held.
    gc();
    gc();
    return true;
  } catch {
    return false;
  }
}

/** Memory (after a full GC) and warnings of this process, read at `ready` and after the last block. */
function processState(): {
  gc: boolean;
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  processWarnings: Record<string, number>;
  maxListenersWarnings: Record<string, number>;
} {
  const gc = collectGarbage();
  const m = process.memoryUsage();
  return {
    gc,
    rssBytes: m.rss,
    heapUsedBytes: m.heapUsed,
    externalBytes: m.external,
    arrayBuffersBytes: m.arrayBuffers,
    processWarnings: { ...processWarnings },
    maxListenersWarnings: { ...maxListenersWarnings },
  };
}

/** Time for destroyed sockets to emit 'close' and leave the pool before memory is read again (loopback: ms). */
const SOCKETS_CLOSED_MS = 200;

async function main(start: ContinuousStart, channel: WorkerChannel<PhaseResult, ContinuousFromWorker>): Promise<void> {
  const { send } = channel;
  // Before the adapter loads its package: a version from the store replaces the workspace's.
  if (start.clientPackages) useClientPackages(start.clientPackages);
  const adapter = getAdapter(start.client);
  let session: Awaited<ReturnType<typeof adapter.open>>;
  try {
    session = await openClientSession(adapter, start.origin, start.clientOptions);
  } catch (error) {
    send({ type: 'fatal', code: 'CASEBOOK_CLIENT_OPEN', message: (error as Error).message });
    return;
  }
  const atReady = processState();
  send({
    type: 'ready',
    version: adapter.version(),
    sourceUrl: adapter.sourceUrl,
    runtime: workerRuntime(),
    settings: session.settings(),
  });
  for (;;) {
    const m = await channel.receive();
    if (m.type === 'finish') break;
    if (m.type !== 'block' || typeof m['index'] !== 'number') throw new Error(`unexpected control message ${m.type}`);
    const block = m['index'];
    let index = 0;
    const load = startContinuousLoad(session, start.load, start.windowMs, (result) => {
      requestsCompleted += result.ok;
      send({ type: 'window', block, index: index++, result });
    });
    const pause = await channel.receive();
    if (pause.type !== 'pause') throw new Error(`expected pause in block ${block}, got ${pause.type}`);
    const partial = await load.pause();
    requestsCompleted += partial.ok;
    send({ type: 'paused', block, partial });
  }
  // After the last block, before close: the pool as the load left it (sockets, listeners) and the process's memory.
  const settings: Record<string, unknown> = { ...session.settings() };
  const atFinish = processState();
  // The control reading: pool still open, after the same wait and GCs as the closed reading below, so atIdle −
  // afterClose differs only by the closed pool (atFinish − afterClose also holds garbage not yet released).
  await new Promise((resolve) => setTimeout(resolve, SOCKETS_CLOSED_MS));
  const atIdle = processState();
  await session.close().catch(() => undefined);
  // Once the closed sockets' 'close' events have run, what the pool held (sockets and anything they retain) is
  // garbage: atIdle − afterClose is the memory the pooled sockets kept alive.
  await new Promise((resolve) => setTimeout(resolve, SOCKETS_CLOSED_MS));
  settings['process'] = { atReady, atFinish, atIdle, afterClose: processState() };
  // Exact, counted here (the target's count covers the measured windows only): poolRetention divides by it.
  settings['requestsCompleted'] = requestsCompleted;
  send({ type: 'done', settings });
}

serveWorker<ContinuousStart, PhaseResult, ContinuousFromWorker>('start', main);
