/**
 * The HTTP/2 target: a node:http2 secure server in its own process (TLS from a run-time CA, ALPN h2 and, when
 * allowed, http/1.1). Started by startTarget() when `options.h2` is set, with the same IPC shape as the HTTP/1.1
 * target (listening → counters / reset / close). It answers after `delayMs` with `bodyBytes` of body and counts
 * sessions, streams per session, peak concurrent streams, refused streams, TLS handshakes and ALPN per connection.
 */
import * as http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { announceListening, ControlRefusal, failFatal, serveControl } from '@casebook/procs';
import type { H2Counters } from './h2-target-options';
import { cloneTlsCounters, emptyTlsCounters, resetTlsCounters, versionRange } from './https-target';
import type { ResolvedTargetOptions } from './options';
import type { TargetCounters } from './protocol';
import { createPki } from './tls-pki';

const options = JSON.parse(process.argv[2] ?? '{}') as ResolvedTargetOptions;
const h2 = options.h2;
const tlsOptions = options.tls;
if (!h2 || !tlsOptions) failFatal('h2 target started without h2 and tls options');

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
const tlsCounters = emptyTlsCounters();

interface SessionState {
  active: number;
  /** Streams since the last reset. */
  streams: number;
  /** Streams ever handled and highest client stream id seen (for refused-stream inference). */
  handled: number;
  maxId: number;
  /** Refused streams already counted before the last reset. */
  refusedBase: number;
  /** The session opened after the last reset (an empty one is then counted in this window). */
  openedSinceReset: boolean;
}
const sessions = new Map<http2.Http2Session, SessionState>();
const h2c = {
  sessionsOpened: 0,
  sessionsClosed: 0,
  peakOpenSessions: 0,
  h2Streams: 0,
  h1Requests: 0,
  peakConcurrentStreamsPerSession: 0,
  closedMaxStreams: 0,
  closedStreamSum: 0,
  closedSessionsWithStreams: 0,
  closedEmptySessions: 0,
  closedRefused: 0,
  goawaysReceived: 0,
  sessionErrors: {} as Record<string, number>,
};
let cpuBase = process.cpuUsage();
const served = new WeakMap<Socket, number>();
let arrivals = 0;

/**
 * Streams a session's client opened that never reached the handler: client stream ids are odd and rise by 2, so the
 * highest id seen says how many were opened. A session that never carried a stream (an ALPN probe) has no id at all:
 * it refused nothing (no half counts).
 */
const refusedOf = (s: SessionState): number => (s.maxId === 0 ? 0 : Math.max(0, (s.maxId + 1) / 2 - s.handled));
/** Never carried a stream: an h2 connection that was only a probe, or was dropped before its first request. */
const isEmpty = (s: SessionState): boolean => s.handled === 0;

function h2Snapshot(): H2Counters {
  let maxStreams = h2c.closedMaxStreams;
  let sum = h2c.closedStreamSum;
  let withStreams = h2c.closedSessionsWithStreams;
  let empty = h2c.closedEmptySessions;
  let refused = h2c.closedRefused;
  for (const s of sessions.values()) {
    if (s.streams > maxStreams) maxStreams = s.streams;
    if (s.streams > 0) {
      sum += s.streams;
      withStreams++;
    }
    if (s.openedSinceReset && isEmpty(s)) empty++;
    refused += refusedOf(s) - s.refusedBase;
  }
  return {
    sessionsOpened: h2c.sessionsOpened,
    sessionsClosed: h2c.sessionsClosed,
    openSessions: sessions.size,
    peakOpenSessions: h2c.peakOpenSessions,
    h2Streams: h2c.h2Streams,
    h1Requests: h2c.h1Requests,
    peakConcurrentStreamsPerSession: h2c.peakConcurrentStreamsPerSession,
    maxStreamsPerSession: maxStreams,
    meanStreamsPerSession: withStreams > 0 ? Math.round((sum / withStreams) * 100) / 100 : 0,
    sessionsWithStreams: withStreams,
    emptySessions: empty,
    refusedStreams: refused,
    goawaysReceived: h2c.goawaysReceived,
    sessionErrors: { ...h2c.sessionErrors },
    advertisedMaxConcurrentStreams: (h2 as NonNullable<typeof h2>).maxConcurrentStreams,
  };
}

function respond(res: http2.Http2ServerResponse, state: SessionState | null): void {
  if (state) state.active--;
  if (res.stream?.destroyed || (res as unknown as { destroyed?: boolean }).destroyed) {
    counters.inFlight--;
    return;
  }
  res.writeHead(options.status, headers);
  res.end(body);
  counters.inFlight--;
  counters.responses++;
}

const server = http2.createSecureServer({
  allowHTTP1: h2.allowHTTP1,
  settings: { maxConcurrentStreams: h2.maxConcurrentStreams },
  // Let the client open as many streams as it is allowed to without the server's own bookkeeping limit interfering.
  peerMaxConcurrentStreams: Math.max(h2.maxConcurrentStreams, 100),
  ...versionRange(tlsOptions.version),
});

server.on('request', (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
  counters.requests++;
  counters.inFlight++;
  if (counters.inFlight > counters.peakInFlight) counters.peakInFlight = counters.inFlight;
  let state: SessionState | null = null;
  if (req.httpVersionMajor === 2) {
    h2c.h2Streams++;
    const session = req.stream.session;
    state = session ? (sessions.get(session) ?? null) : null;
    if (state) {
      state.active++;
      state.streams++;
      state.handled++;
      const id = req.stream.id ?? 0;
      if (id > state.maxId) state.maxId = id;
      if (state.active > h2c.peakConcurrentStreamsPerSession) h2c.peakConcurrentStreamsPerSession = state.active;
      if (state.streams > 1) counters.reusedConnectionRequests++;
    }
  } else {
    h2c.h1Requests++;
    const socket = req.socket as Socket;
    const n = served.get(socket) ?? 0;
    if (n > 0) counters.reusedConnectionRequests++;
    served.set(socket, n + 1);
  }
  req.resume();
  arrivals++;
  const delayMs = options.slowEvery > 0 && arrivals % options.slowEvery === 0 ? options.slowDelayMs : options.delayMs;
  if (delayMs > 0) setTimeout(respond, delayMs, res, state);
  else respond(res, state);
});

server.on('session', (session: http2.ServerHttp2Session) => {
  const state: SessionState = { active: 0, streams: 0, handled: 0, maxId: 0, refusedBase: 0, openedSinceReset: true };
  sessions.set(session, state);
  h2c.sessionsOpened++;
  if (sessions.size > h2c.peakOpenSessions) h2c.peakOpenSessions = sessions.size;
  session.on('goaway', () => {
    h2c.goawaysReceived++;
  });
  session.on('error', (error: Error & { code?: string }) => {
    const code = error.code ?? 'H2_SESSION_ERROR';
    h2c.sessionErrors[code] = (h2c.sessionErrors[code] ?? 0) + 1;
  });
  session.once('close', () => {
    sessions.delete(session);
    h2c.sessionsClosed++;
    if (state.streams > h2c.closedMaxStreams) h2c.closedMaxStreams = state.streams;
    if (state.streams > 0) {
      h2c.closedStreamSum += state.streams;
      h2c.closedSessionsWithStreams++;
    }
    if (state.openedSinceReset && isEmpty(state)) h2c.closedEmptySessions++;
    h2c.closedRefused += refusedOf(state) - state.refusedBase;
  });
});

server.on('connection', (socket: Socket) => {
  counters.connectionsOpened++;
  counters.openConnections++;
  if (counters.openConnections > counters.peakOpenConnections) counters.peakOpenConnections = counters.openConnections;
  socket.once('close', () => {
    counters.openConnections--;
    counters.connectionsClosed++;
  });
});
server.on('secureConnection', (socket: TLSSocket) => {
  if (socket.isSessionReused()) tlsCounters.resumedHandshakes++;
  else tlsCounters.fullHandshakes++;
  const version = socket.getProtocol() ?? 'unknown';
  tlsCounters.byVersion[version] = (tlsCounters.byVersion[version] ?? 0) + 1;
  const alpn = socket.alpnProtocol || 'none';
  tlsCounters.byAlpn[alpn] = (tlsCounters.byAlpn[alpn] ?? 0) + 1;
});
server.on('tlsClientError', (error: Error & { code?: string }) => {
  const code = error.code ?? 'TLS_ERROR';
  tlsCounters.errors[code] = (tlsCounters.errors[code] ?? 0) + 1;
});
server.on('unknownProtocol', (socket: TLSSocket) => {
  // allowHTTP1 false and the client offered no h2: Node closes the socket; count it as an ALPN refusal.
  tlsCounters.errors['ALPN_NO_H2'] = (tlsCounters.errors['ALPN_NO_H2'] ?? 0) + 1;
  socket.destroy();
});

function snapshot(): TargetCounters {
  const cpu = process.cpuUsage(cpuBase);
  return { ...counters, cpuMicros: cpu.user + cpu.system, tls: cloneTlsCounters(tlsCounters), h2: h2Snapshot() };
}

function reset(): void {
  counters.connectionsOpened = 0;
  counters.connectionsClosed = 0;
  counters.requests = 0;
  counters.responses = 0;
  counters.reusedConnectionRequests = 0;
  counters.peakOpenConnections = counters.openConnections;
  counters.peakInFlight = counters.inFlight;
  cpuBase = process.cpuUsage();
  resetTlsCounters(tlsCounters);
  h2c.sessionsOpened = 0;
  h2c.sessionsClosed = 0;
  h2c.peakOpenSessions = sessions.size;
  h2c.h2Streams = 0;
  h2c.h1Requests = 0;
  h2c.peakConcurrentStreamsPerSession = 0;
  h2c.closedMaxStreams = 0;
  h2c.closedStreamSum = 0;
  h2c.closedSessionsWithStreams = 0;
  h2c.closedEmptySessions = 0;
  h2c.closedRefused = 0;
  h2c.goawaysReceived = 0;
  h2c.sessionErrors = {};
  for (const s of sessions.values()) {
    s.streams = 0;
    s.refusedBase = refusedOf(s);
    s.openedSinceReset = false;
    if (s.active > h2c.peakConcurrentStreamsPerSession) h2c.peakConcurrentStreamsPerSession = s.active;
  }
}

serveControl({
  handle: (request) => {
    if (request.type === 'counters') return snapshot();
    if (request.type === 'reset') {
      const before = snapshot();
      reset();
      return before;
    }
    throw new ControlRefusal('CASEBOOK_TARGET_CONTROL', `unknown request ${request.type}`);
  },
  close: () =>
    new Promise<void>((resolve) => {
      for (const session of sessions.keys()) session.destroy();
      server.close(() => resolve());
    }),
});

server.on('error', (error) => failFatal(error.message));

createPki()
  .then(async (pki) => {
    const leaf = await pki.leaf(tlsOptions.certType);
    server.setSecureContext({ key: leaf.keyPem, cert: leaf.certPem, ...versionRange(tlsOptions.version) });
    server.listen({ host: options.host, port: 0, backlog: options.backlog }, () => {
      const address = server.address();
      if (address && typeof address === 'object')
        announceListening({ port: address.port, pid: process.pid, options, caPem: pki.caPem });
    });
  })
  .catch((error: Error) => failFatal(`TLS setup failed: ${error.message}`));
