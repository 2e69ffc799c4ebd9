/**
 * The race target's process (see race-target-protocol.ts): an HTTP/1.1 server whose idle timeout, close mode and
 * Keep-Alive hint are set per run. Node's own keep-alive timer is off (keepAliveTimeout 0) and this file runs its own
 * per connection, so the moment and the manner of every close are the target's, counted where they happen. Started
 * by startRaceTarget() with an IPC channel; exits when the channel closes.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { announceListening, ControlRefusal, failFatal, serveControl } from '@casebook/procs';
import {
  type ConnectionEnd,
  emptyEndings,
  type FirstArrival,
  monotonicMicros,
  type RaceConnection,
  type RaceTargetCounters,
  type RaceTargetOptions,
  REQUEST_ID_HEADER,
  type ResolvedRaceTargetOptions,
  resolveRaceTargetOptions,
} from './race-target-protocol';

let options = JSON.parse(process.argv[2] ?? '{}') as ResolvedRaceTargetOptions;
let body = Buffer.alloc(options.bodyBytes, 'x');

interface Connection {
  info: RaceConnection;
  socket: Socket;
  inFlight: number;
  /** performance.now() when it last became idle after a response; null before its first response and while busy. */
  idleSince: number | null;
  /** The same moment on the shared clock (monotonicMicros), for the client's write times; null when idleSince is. */
  idleSinceUs: number | null;
  timer: NodeJS.Timeout | null;
  /** Set when the target closes it (the reason it will be counted under). */
  closing: ConnectionEnd | null;
  errored: boolean;
}

const open = new Map<Socket, Connection>();
let closed: RaceConnection[] = [];
let nextConnectionId = 1;

const fresh = () => ({
  connectionsOpened: 0,
  connectionsClosed: 0,
  arrivals: 0,
  responses: 0,
  raceCloses: 0,
  ignoredWhileStalled: 0,
  unlabelled: 0,
  /** Requests the HTTP parser delivered after the target had closed the connection (never answered, not arrivals). */
  arrivedAfterClose: 0,
  endings: emptyEndings(),
  arrivedById: {} as Record<string, number>,
  servedById: {} as Record<string, number>,
  idleAtFirstArrivalById: {} as Record<string, number | null>,
  firstCopyAfterCloseById: {} as Record<string, boolean>,
  firstArrivalById: {} as Record<string, FirstArrival>,
  idleClosedAtIdleMs: [] as number[],
});
let counts = fresh();

const increment = (bag: Record<string, number>, key: string): void => {
  bag[key] = (bag[key] ?? 0) + 1;
};

function clearTimer(c: Connection): void {
  if (c.timer) clearTimeout(c.timer);
  c.timer = null;
}

function stall(c: Connection): void {
  clearTimer(c);
  c.info.stalled = true;
}

/** Close with FIN or RST, and remember why, so the 'close' handler counts it under that reason. */
function closeConnection(c: Connection, cause: 'idle' | 'race'): void {
  clearTimer(c);
  if (options.idleClose === 'stall') {
    stall(c);
    return;
  }
  c.closing = `${cause}-${options.idleClose}`;
  if (cause === 'idle' && c.idleSince !== null)
    counts.idleClosedAtIdleMs.push(Math.round((performance.now() - c.idleSince) * 100) / 100);
  // The FIN's (or RST's) time on the shared clock, taken just before the call that writes it: the client's write
  // times are compared with this, not with the moment the handler of a late request ran (a timer that fired late
  // closes a connection whose request bytes were already in the kernel; the handler then runs after the close).
  c.info.closedAtUs = monotonicMicros();
  // The idle period this close ends began at idleSinceUs (a race close runs from the handler, which clears
  // idleSinceUs only after this call).
  c.info.closeIdleSinceUs = c.idleSinceUs;
  if (options.idleClose === 'fin') c.socket.end();
  else c.socket.resetAndDestroy();
}

function becameIdle(c: Connection): void {
  if (c.closing !== null || c.info.stalled || c.inFlight > 0) return;
  c.idleSince = performance.now();
  c.idleSinceUs = monotonicMicros();
  clearTimer(c);
  c.timer = setTimeout(() => {
    c.timer = null;
    closeConnection(c, 'idle');
  }, options.idleTimeoutMs);
}

const handler: http.RequestListener = (req, res) => {
  const atUs = monotonicMicros();
  const c = open.get(req.socket);
  req.resume();
  const idHeader = req.headers[REQUEST_ID_HEADER];
  const id = typeof idHeader === 'string' ? idHeader : null;
  if (c && id !== null && !Object.hasOwn(counts.firstArrivalById, id))
    counts.firstArrivalById[id] = { atUs, connection: c.info.id, idleSinceUs: c.idleSinceUs };
  // The connection's idle time on the target's clock as this id first reaches it, also after the target closed it:
  // the race happens exactly there, so such a request counts as sent on a reused connection.
  if (c && id !== null && !Object.hasOwn(counts.idleAtFirstArrivalById, id)) {
    const idle = c.idleSince === null ? null : performance.now() - c.idleSince;
    counts.idleAtFirstArrivalById[id] = idle === null ? null : Math.round(idle * 100) / 100;
    // Compared with the target's actual close (c.closing is set as it writes the FIN or RST), not with T.
    if (idle !== null) counts.firstCopyAfterCloseById[id] = c.closing !== null;
  }
  if (!c || c.closing !== null) {
    counts.arrivedAfterClose++;
    return;
  }
  counts.arrivals++;
  c.info.arrived++;
  if (id === null) counts.unlabelled++;
  else increment(counts.arrivedById, id);
  if (c.info.stalled) {
    counts.ignoredWhileStalled++;
    return;
  }
  const idleMs = c.idleSince === null ? null : performance.now() - c.idleSince;
  clearTimer(c);
  c.idleSince = null;
  if (options.raceWindowMs > 0 && idleMs !== null && idleMs >= options.idleTimeoutMs - options.raceWindowMs) {
    counts.raceCloses++;
    closeConnection(c, 'race'); // reads idleSinceUs: the idle period this close ends
    c.idleSinceUs = null;
    return;
  }
  c.idleSinceUs = null;
  c.inFlight++;
  res.on('finish', () => {
    c.inFlight--;
    counts.responses++;
    c.info.served++;
    if (id !== null) increment(counts.servedById, id);
    becameIdle(c);
  });
  req.on('end', () => {
    if (c.closing !== null || c.info.stalled || res.destroyed) return;
    const headers: http.OutgoingHttpHeaders = {
      'content-type': 'application/octet-stream',
      'content-length': String(body.length),
    };
    if (options.hintHeader !== null) headers['keep-alive'] = options.hintHeader;
    res.writeHead(200, headers);
    res.end(body);
  });
};

// keepAliveTimeout 0: Node's own idle timer is off (this file runs one per connection) and Node adds no Keep-Alive
// header of its own. headersTimeout and requestTimeout 0: no periodic connection check closes an idle or stalled socket.
const server = http.createServer({ keepAliveTimeout: 0, headersTimeout: 0, requestTimeout: 0 }, handler);
server.keepAliveTimeout = 0;

server.on('connection', (socket: Socket) => {
  const c: Connection = {
    info: {
      id: nextConnectionId++,
      served: 0,
      arrived: 0,
      ended: null,
      stalled: false,
      remotePort: socket.remotePort ?? null,
      openedAtUs: monotonicMicros(),
      closedAtUs: null,
      closeIdleSinceUs: null,
    },
    socket,
    inFlight: 0,
    idleSince: null,
    idleSinceUs: null,
    timer: null,
    closing: null,
    errored: false,
  };
  open.set(socket, c);
  counts.connectionsOpened++;
  socket.on('error', () => {
    c.errored = true;
  });
  socket.once('close', () => {
    clearTimer(c);
    open.delete(socket);
    const end: ConnectionEnd = c.closing ?? (c.errored ? 'error' : 'client-closed');
    c.info.ended = end;
    counts.endings[end]++;
    counts.connectionsClosed++;
    closed.push(c.info);
  });
});

function snapshot(): RaceTargetCounters {
  const live = [...open.values()];
  return {
    connectionsOpened: counts.connectionsOpened,
    connectionsClosed: counts.connectionsClosed,
    openConnections: live.length,
    stalledConnections: live.filter((c) => c.info.stalled).length,
    arrivals: counts.arrivals,
    responses: counts.responses,
    raceCloses: counts.raceCloses,
    ignoredWhileStalled: counts.ignoredWhileStalled,
    unlabelled: counts.unlabelled,
    arrivedAfterClose: counts.arrivedAfterClose,
    endings: { ...counts.endings },
    arrivedById: { ...counts.arrivedById },
    servedById: { ...counts.servedById },
    idleAtFirstArrivalById: { ...counts.idleAtFirstArrivalById },
    firstCopyAfterCloseById: { ...counts.firstCopyAfterCloseById },
    firstArrivalById: { ...counts.firstArrivalById },
    idleClosedAtIdleMs: [...counts.idleClosedAtIdleMs],
    connections: [...closed, ...live.map((c) => ({ ...c.info }))],
  };
}

/** Destroy every stalled connection (counted as stall-released); resolves when they have closed. */
async function release(): Promise<number> {
  const stalled = [...open.values()].filter((c) => c.info.stalled);
  await Promise.all(
    stalled.map(
      (c) =>
        new Promise<void>((resolve) => {
          c.closing = 'stall-released';
          c.socket.once('close', () => resolve());
          c.socket.destroy();
        }),
    ),
  );
  return stalled.length;
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

serveControl({
  handle: async (request) => {
    switch (request.type) {
      case 'counters':
        return snapshot();
      case 'reset': {
        const before = snapshot();
        counts = fresh();
        closed = [];
        return before;
      }
      case 'release':
        return release();
      case 'configure': {
        if (!isRecord(request['options']))
          throw new ControlRefusal('CASEBOOK_RACE_TARGET_CONTROL', 'configure needs options');
        // Resolved again here: the parent resolved them too, but a control message is input like any other.
        options = resolveRaceTargetOptions(request['options'] as unknown as RaceTargetOptions);
        body = Buffer.alloc(options.bodyBytes, 'x');
        return options;
      }
      default:
        throw new ControlRefusal('CASEBOOK_RACE_TARGET_CONTROL', `unknown request ${request.type}`);
    }
  },
  close: () =>
    new Promise<void>((resolve) => {
      for (const c of open.values()) c.socket.destroy();
      server.close(() => resolve());
    }),
});

server.on('error', (error) => failFatal(error.message));
server.listen({ host: options.host, port: 0, backlog: 4096 }, () => {
  const address = server.address();
  if (address && typeof address === 'object') announceListening({ port: address.port, pid: process.pid, options });
});
