/**
 * The delaying TCP proxy, alone in its own process (pinned to the server core by startProxy). Each accepted
 * connection gets an upstream connection to the target and two DelayLanes (client→target, target→client) with a
 * one-way delay each. It reports its own counters and CPU over IPC, so a run can show the proxy was not the limit.
 */
import * as net from 'node:net';
import { announceListening, ControlRefusal, failFatal, serveControl } from '@casebook/procs';
import { DelayLane } from './proxy-delay';
import type { ProxyCounters, ResolvedProxyOptions } from './proxy-protocol';

const options = JSON.parse(process.argv[2] ?? '{}') as ResolvedProxyOptions;

const counters: ProxyCounters = {
  connections: 0,
  openConnections: 0,
  bytesUp: 0,
  bytesDown: 0,
  chunksUp: 0,
  chunksDown: 0,
  peakQueuedBytes: 0,
  upstreamErrors: {},
  cpuMicros: 0,
  wallMs: 0,
};
let cpuBase = process.cpuUsage();
let wallBase = performance.now();
const pairs = new Set<{ up: DelayLane; down: DelayLane }>();
const sockets = new Set<net.Socket>();

const server = net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
  counters.connections++;
  counters.openConnections++;
  const upstream = net.connect({
    host: options.upstreamHost,
    port: options.upstreamPort,
    allowHalfOpen: true,
    noDelay: true,
  });
  sockets.add(client);
  sockets.add(upstream);
  let closed = 0;
  const onClose = () => {
    closed++;
    if (closed === 2) counters.openConnections--;
  };
  client.once('close', () => {
    sockets.delete(client);
    onClose();
  });
  upstream.once('close', () => {
    sockets.delete(upstream);
    onClose();
  });
  upstream.on('error', (error: Error & { code?: string }) => {
    const code = error.code ?? 'ERROR';
    counters.upstreamErrors[code] = (counters.upstreamErrors[code] ?? 0) + 1;
  });
  const up = new DelayLane(client, upstream, options.oneWayDelayMs, () => undefined);
  const down = new DelayLane(upstream, client, options.oneWayDelayMs, () => undefined);
  const pair = { up, down };
  pairs.add(pair);
  const release = () => {
    if (client.destroyed && upstream.destroyed && pairs.delete(pair)) {
      counters.bytesUp += up.stats.bytes;
      counters.bytesDown += down.stats.bytes;
      counters.chunksUp += up.stats.chunks;
      counters.chunksDown += down.stats.chunks;
      counters.peakQueuedBytes = Math.max(
        counters.peakQueuedBytes,
        up.stats.peakQueuedBytes,
        down.stats.peakQueuedBytes,
      );
    }
  };
  client.once('close', release);
  upstream.once('close', release);
});

function snapshot(): ProxyCounters {
  const cpu = process.cpuUsage(cpuBase);
  let bytesUp = counters.bytesUp;
  let bytesDown = counters.bytesDown;
  let peak = counters.peakQueuedBytes;
  let chunksUp = counters.chunksUp;
  let chunksDown = counters.chunksDown;
  // Live connections: their lanes hold the counts not yet folded in.
  for (const { up, down } of pairs) {
    bytesUp += up.stats.bytes;
    chunksUp += up.stats.chunks;
    bytesDown += down.stats.bytes;
    chunksDown += down.stats.chunks;
    peak = Math.max(peak, up.stats.peakQueuedBytes, down.stats.peakQueuedBytes);
  }
  return {
    ...counters,
    upstreamErrors: { ...counters.upstreamErrors },
    bytesUp,
    bytesDown,
    chunksUp,
    chunksDown,
    peakQueuedBytes: peak,
    cpuMicros: cpu.user + cpu.system,
    wallMs: performance.now() - wallBase,
  };
}

function reset(): void {
  counters.connections = 0;
  counters.bytesUp = 0;
  counters.bytesDown = 0;
  counters.chunksUp = 0;
  counters.chunksDown = 0;
  counters.peakQueuedBytes = 0;
  counters.upstreamErrors = {};
  for (const { up, down } of pairs) {
    for (const lane of [up, down]) {
      lane.stats.bytes = 0;
      lane.stats.chunks = 0;
      lane.stats.peakQueuedBytes = 0;
    }
  }
  cpuBase = process.cpuUsage();
  wallBase = performance.now();
}

serveControl({
  handle: (request) => {
    if (request.type === 'counters') return snapshot();
    if (request.type === 'reset') {
      const before = snapshot();
      reset();
      return before;
    }
    throw new ControlRefusal('CASEBOOK_PROXY_CONTROL', `unknown request ${request.type}`);
  },
  close: () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  closeGraceMs: 500,
});
server.on('error', (error) => failFatal(error.message));
server.listen({ host: options.listenHost, port: 0, backlog: 4096 }, () => {
  const address = server.address();
  if (address && typeof address === 'object') announceListening({ port: address.port, pid: process.pid, options });
});
