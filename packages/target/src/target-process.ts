/**
 * The target: an HTTP/1.1 server in its own process. Started by startTarget() with an IPC channel; exits when the
 * channel closes. It answers after `delayMs` with `bodyBytes` of body and counts what it sees.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { ResolvedTargetOptions } from './options';
import type { TargetCounters, TargetMessage, TargetRequest } from './protocol';

const options = JSON.parse(process.argv[2] ?? '{}') as ResolvedTargetOptions;
const send = (message: TargetMessage): void => {
  process.send?.(message);
};

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

const server = http.createServer({ keepAliveTimeout: options.keepAliveTimeoutMs }, (req, res) => {
  counters.requests++;
  counters.inFlight++;
  if (counters.inFlight > counters.peakInFlight) counters.peakInFlight = counters.inFlight;
  const socket = req.socket;
  const n = served.get(socket) ?? 0;
  if (n > 0) counters.reusedConnectionRequests++;
  served.set(socket, n + 1);
  req.resume();
  if (options.delayMs > 0) setTimeout(respond, options.delayMs, res);
  else respond(res);
});
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
  return { ...counters, cpuMicros: cpu.user + cpu.system };
}

process.on('message', (message: TargetRequest) => {
  switch (message.type) {
    case 'counters':
      send({ type: 'reply', id: message.id, counters: snapshot() });
      break;
    case 'reset': {
      const before = snapshot();
      counters.connectionsOpened = 0;
      counters.connectionsClosed = 0;
      counters.requests = 0;
      counters.responses = 0;
      counters.reusedConnectionRequests = 0;
      counters.peakOpenConnections = counters.openConnections;
      counters.peakInFlight = counters.inFlight;
      cpuBase = process.cpuUsage();
      send({ type: 'reply', id: message.id, counters: before });
      break;
    }
    case 'close':
      send({ type: 'reply', id: message.id, counters: snapshot() });
      server.closeAllConnections();
      server.close(() => process.exit(0));
      setTimeout(() => process.exit(0), 1000).unref();
      break;
  }
});
process.on('disconnect', () => process.exit(0));

if (options.stallEveryMs > 0 && options.stallForMs > 0) {
  setInterval(() => {
    const until = Date.now() + options.stallForMs;
    while (Date.now() < until) {
      // Block the event loop on purpose: a GC-like pause every request in flight must wait out.
    }
  }, options.stallEveryMs).unref();
}

server.on('error', (error) => {
  send({ type: 'fatal', message: error.message });
  process.exit(1);
});
server.listen({ host: options.host, port: 0, backlog: options.backlog }, () => {
  const address = server.address();
  if (address && typeof address === 'object')
    send({ type: 'listening', port: address.port, pid: process.pid, options });
});
