/**
 * The target: an HTTP/1.1 server in its own process. Started by startTarget() with an IPC channel; exits when the
 * channel closes. It answers after `delayMs` with `bodyBytes` of body and counts what it sees.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { announceListening, ControlRefusal, failFatal, serveControl } from '@casebook/procs';
import {
  cloneTlsCounters,
  createHttpsTargetServer,
  emptyTlsCounters,
  prepareHttpsTarget,
  resetTlsCounters,
} from './https-target';
import type { ResolvedTargetOptions } from './options';
import type { TargetCounters } from './protocol';

const options = JSON.parse(process.argv[2] ?? '{}') as ResolvedTargetOptions;

const body = Buffer.alloc(options.bodyBytes, 'x');
const headers = { 'content-type': 'application/octet-stream', 'content-length': String(body.length) };

const counters: TargetCounters = {
  connectionsOpened: 0,
  connectionsClosed: 0,
  openConnections: 0,
  peakOpenConnections: 0,
  requests: 0,
  responses: 0,
  inFlight: 0,
  peakInFlight: 0,
  reusedConnectionRequests: 0,
  cpuMicros: 0,
};
let cpuBase = process.cpuUsage();
const served = new WeakMap<Socket, number>();
/** Requests since start (never reset): picks every slowEvery-th one. */
let arrivals = 0;

function respond(res: http.ServerResponse): void {
  if (res.destroyed) {
    counters.inFlight--;
    return;
  }
  res.writeHead(options.status, headers);
  res.end(body);
  counters.inFlight--;
  counters.responses++;
}

const tlsCounters = options.tls ? emptyTlsCounters() : null;
const handler: http.RequestListener = (req, res) => {
  counters.requests++;
  counters.inFlight++;
  if (counters.inFlight > counters.peakInFlight) counters.peakInFlight = counters.inFlight;
  const socket = req.socket;
  const n = served.get(socket) ?? 0;
  if (n > 0) counters.reusedConnectionRequests++;
  served.set(socket, n + 1);
  req.resume();
  arrivals++;
  const delayMs = options.slowEvery > 0 && arrivals % options.slowEvery === 0 ? options.slowDelayMs : options.delayMs;
  if (delayMs > 0) setTimeout(respond, delayMs, res);
  else respond(res);
};
const server: http.Server =
  options.tls && tlsCounters
    ? createHttpsTargetServer(options.tls, { keepAliveTimeout: options.keepAliveTimeoutMs }, handler, tlsCounters)
    : http.createServer({ keepAliveTimeout: options.keepAliveTimeoutMs }, handler);
server.keepAliveTimeout = options.keepAliveTimeoutMs;
server.headersTimeout = Math.max(60_000, options.keepAliveTimeoutMs + 1000);
server.requestTimeout = 0;

server.on('connection', (socket: Socket) => {
  counters.connectionsOpened++;
  counters.openConnections++;
  if (counters.openConnections > counters.peakOpenConnections) counters.peakOpenConnections = counters.openConnections;
  socket.once('close', () => {
    counters.openConnections--;
    counters.connectionsClosed++;
  });
});

function snapshot(): TargetCounters {
  const cpu = process.cpuUsage(cpuBase);
  const out: TargetCounters = { ...counters, cpuMicros: cpu.user + cpu.system };
  if (tlsCounters) out.tls = cloneTlsCounters(tlsCounters);
  return out;
}

function reset(): TargetCounters {
  const before = snapshot();
  counters.connectionsOpened = 0;
  counters.connectionsClosed = 0;
  counters.requests = 0;
  counters.responses = 0;
  counters.reusedConnectionRequests = 0;
  counters.peakOpenConnections = counters.openConnections;
  counters.peakInFlight = counters.inFlight;
  cpuBase = process.cpuUsage();
  if (tlsCounters) resetTlsCounters(tlsCounters);
  return before;
}

serveControl({
  handle: (request) => {
    if (request.type === 'counters') return snapshot();
    if (request.type === 'reset') return reset();
    throw new ControlRefusal('CASEBOOK_TARGET_CONTROL', `unknown request ${request.type}`);
  },
  close: () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
});

if (options.stallEveryMs > 0 && options.stallForMs > 0) {
  setInterval(() => {
    const until = Date.now() + options.stallForMs;
    while (Date.now() < until) {
      // Block the event loop on purpose: a GC-like pause every request in flight must wait out.
    }
  }, options.stallEveryMs).unref();
}

server.on('error', (error) => failFatal(error.message));
const listen = (caPem: string | null): void => {
  server.listen({ host: options.host, port: 0, backlog: options.backlog }, () => {
    const address = server.address();
    if (address && typeof address === 'object')
      announceListening({ port: address.port, pid: process.pid, options, ...(caPem ? { caPem } : {}) });
  });
};
if (options.tls) {
  prepareHttpsTarget(server as import('node:https').Server, options.tls).then(listen, (error: Error) =>
    failFatal(`TLS setup failed: ${error.message}`),
  );
} else {
  listen(null);
}
