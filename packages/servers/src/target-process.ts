/**
 * The target: an HTTP/1.1 server in its own process. Started by startTarget() with an IPC channel; exits when the
 * channel closes. It answers after `delayMs` with `bodyBytes` of body and counts what it sees.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { announceListening, ControlRefusal, failFatal, serveControl } from '@casebook/procs';
import { parseGeneratedBody, sendGeneratedBody } from './generated-body';
import {
  cloneTlsCounters,
  createHttpsTargetServer,
  emptyTlsCounters,
  prepareHttpsTarget,
  resetTlsCounters,
} from './https-target';
import type { ResolvedTargetOptions } from './options';
import type { BodyCounters, ConnectionBytes, TargetCounters } from './protocol';

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

/** Target RSS is sampled this often while generated bodies are sent: 20 ms catches a 64 KiB-chunk stream's peak. */
const TARGET_RSS_SAMPLE_MS = 20;
/** Connections listed in the bodies counters: enough for the 512-socket sections, bounded for long runs. */
const MAX_CONNECTIONS_LISTED = 4096;

const bodies = {
  bodyBytesSent: 0,
  finishedBodyBytes: 0,
  requestBodyBytesReceived: 0,
  responsesFinished: 0,
  responsesAborted: 0,
  responsesSending: 0,
  startRssBytes: 0,
  peakRssBytes: 0,
};
let nextConnectionId = 1;
const connectionInfo = new Map<Socket, { id: number; requests: number }>();
let closedConnections: ConnectionBytes[] = [];
let rssSampler: NodeJS.Timeout | null = null;
const sampleRss = (): void => {
  const rss = process.memoryUsage.rss();
  if (rss > bodies.peakRssBytes) bodies.peakRssBytes = rss;
};

/** Count a response's body: bytes as they are written, and how the response ended. */
function trackBody(sent: Promise<boolean>, bytes: () => number): void {
  bodies.responsesSending++;
  sent.then((finished) => {
    bodies.responsesSending--;
    if (finished) {
      bodies.responsesFinished++;
      bodies.finishedBodyBytes += bytes();
    } else bodies.responsesAborted++;
  });
}

function respond(res: http.ServerResponse, generated: ReturnType<typeof parseGeneratedBody>): void {
  if (res.destroyed) {
    counters.inFlight--;
    return;
  }
  if (generated !== null && 'error' in generated) {
    res.writeHead(400, { 'content-type': 'text/plain' });
    res.end(generated.error);
  } else if (generated !== null) {
    if (!rssSampler) rssSampler = setInterval(sampleRss, TARGET_RSS_SAMPLE_MS).unref();
    let written = 0;
    const sent = sendGeneratedBody(res, generated, options.status, (n) => {
      written += n;
      bodies.bodyBytesSent += n;
    });
    trackBody(sent, () => written);
  } else {
    res.writeHead(options.status, headers);
    bodies.bodyBytesSent += body.length;
    trackBody(
      new Promise<boolean>((resolve) => {
        res.once('finish', () => resolve(true));
        res.once('close', () => resolve(res.writableFinished));
      }),
      () => body.length,
    );
    res.end(body);
  }
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
  const info = connectionInfo.get(socket);
  if (info) info.requests++;
  req.on('data', (chunk: Buffer) => {
    bodies.requestBodyBytesReceived += chunk.length;
  });
  req.resume();
  arrivals++;
  const generated = parseGeneratedBody(req.url ?? '/');
  const delayMs = options.slowEvery > 0 && arrivals % options.slowEvery === 0 ? options.slowDelayMs : options.delayMs;
  const answer = (): void => {
    if (delayMs > 0) setTimeout(respond, delayMs, res, generated);
    else respond(res, generated);
  };
  // An upload is answered once its body has arrived whole (the client's time then covers sending it all).
  if (req.method === 'POST' && !req.complete) req.once('end', answer);
  else answer();
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
  const info = { id: nextConnectionId++, requests: 0 };
  connectionInfo.set(socket, info);
  socket.once('close', () => {
    counters.openConnections--;
    counters.connectionsClosed++;
    connectionInfo.delete(socket);
    closedConnections.push(connectionBytes(socket, info, false));
    if (closedConnections.length > MAX_CONNECTIONS_LISTED)
      closedConnections = closedConnections.slice(-MAX_CONNECTIONS_LISTED);
  });
});

function connectionBytes(socket: Socket, info: { id: number; requests: number }, open: boolean): ConnectionBytes {
  return { id: info.id, requests: info.requests, bytesRead: socket.bytesRead, bytesWritten: socket.bytesWritten, open };
}

function bodySnapshot(): BodyCounters {
  const rssBytes = process.memoryUsage.rss();
  const open = [...connectionInfo].map(([socket, info]) => connectionBytes(socket, info, true));
  return {
    ...bodies,
    rssBytes,
    peakRssBytes: Math.max(bodies.peakRssBytes, rssBytes),
    rssSampleMs: TARGET_RSS_SAMPLE_MS,
    connections: [...closedConnections, ...open].sort((a, b) => a.id - b.id).slice(-MAX_CONNECTIONS_LISTED),
  };
}

function resetBodies(): void {
  bodies.bodyBytesSent = 0;
  bodies.finishedBodyBytes = 0;
  bodies.requestBodyBytesReceived = 0;
  bodies.responsesFinished = 0;
  bodies.responsesAborted = 0;
  // Responses still sending stay counted: they are still open.
  bodies.startRssBytes = process.memoryUsage.rss();
  bodies.peakRssBytes = bodies.startRssBytes;
  closedConnections = [];
  for (const info of connectionInfo.values()) info.requests = 0;
}

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
  resetBodies();
  return before;
}

serveControl({
  handle: (request) => {
    if (request.type === 'counters') return snapshot();
    if (request.type === 'reset') return reset();
    if (request.type === 'bodies') return bodySnapshot();
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
