/**
 * When each request of a keep-alive race was handed to its socket, on the clock the race target records its FINs on:
 * process.hrtime.bigint() in whole µs, which reads CLOCK_MONOTONIC (libuv's uv_hrtime on Linux), one clock for every
 * process of the machine (the servers package's monotonicMicros is the same function). Read from the diagnostics
 * channels the clients publish themselves, so no client is wrapped or patched:
 *
 * - undici (undici-request, undici-fetch) and Node's global fetch (`node-fetch`: Node's bundled undici publishes on the
 *   same named channels, and one name is one channel object in a process): 'undici:client:sendHeaders', published in
 *   writeH1 right before the request's header block is written to the socket, in the same synchronous run (undici
 *   8.13.1 lib/dispatcher/client-h1.js L1398–1400, then writeBuffer/writeStream…; the bundled undici 7.29.1 of Node
 *   v24.21.0, deps/undici/undici.js L8055–8057). It is published after the idle-socket validation's yield (client-h1.js
 *   L1090–1110): the time is that of the write the validation let through. The message carries the header block as
 *   written (`headers`, a string: the id is read from it) and the socket (its localPort). One publish per attempt, so
 *   a retry interceptor's resend is a second write of the same id.
 * - node:http, axios and got (all on node:http's ClientRequest): 'http.client.request.start'. In Node v24.21.0 it is
 *   published from ClientRequest.prototype._finish (lib/_http_client.js L636–664, the publish at L655–659), which runs
 *   once all of the request's data has been handed to the socket: from OutgoingMessage.prototype._flush right after
 *   _flushOutput wrote the buffered output to a writable socket (lib/_http_outgoing.js L1263–1280; onSocketNT calls
 *   _flush right after the socket is assigned, lib/_http_client.js L1190–1191), or from end() when the socket was
 *   already assigned and nothing was left buffered (lib/_http_outgoing.js L1226–1230). So it marks the end of the
 *   write, in the same synchronous run as the socket.write calls. (Node v20.20.2 publishes it from _finish too,
 *   lib/_http_client.js L378–398; the line numbers above are those of v24.21.0, the Node the study pins.)
 *   For a GET (headers only) and node:http's and axios's 1 KiB POST (end(body): one write) the end of the write is its
 *   start within microseconds. got's retry makes a new ClientRequest with the same headers: a second write of the
 *   same id.
 *
 * A request with NO WRITE TIME (writtenAtUs null) is one whose write channel did not fire, not one that was never
 * written: got writes a POST body with request.write() and calls end() only after the write's callback
 * (node_modules/got/dist/source/core/index.js L1571–1593, got 16.1.0), and Node publishes http.client.request.start
 * from _finish, after end(); a reset that arrives between the two leaves no stamp although the headers and body went
 * out (the target may have seen the request arrive on a connection it had closed). A socket that is no longer
 * writable (the client had already seen the FIN) is written nothing and publishes nothing either.
 *
 * Wrapping each client's send in the harness (a time before the client runs) was the simpler choice, but it is not
 * the write: undici's validation yields to the check phase first, got and axios run promise chains and hooks, and a
 * retry writes again much later. What decides whether a client wrote on a connection the server had closed is the
 * write itself, so the channels are used.
 */
import * as dc from 'node:diagnostics_channel';
import { ClientRequest } from 'node:http';

/** One write of a request to a socket. */
export interface RequestWrite {
  /** process.hrtime.bigint() in µs as the write was made (see the header). */
  atUs: number;
  /** The socket's local port: the race target's remotePort for that connection; null when the socket had none. */
  localPort: number | null;
}

/** What the log knows of one request id: its first write and how many writes (attempts) it had. */
export interface WrittenRequest {
  first: RequestWrite;
  writes: number;
}

export interface WriteLog {
  /** The writes of `id` so far, forgotten once read; null when no write was recorded (see the header). */
  take(id: string): WrittenRequest | null;
  /** Unsubscribe from both channels. */
  stop(): void;
}

const UNDICI_SEND_HEADERS = 'undici:client:sendHeaders';
const HTTP_CLIENT_REQUEST_START = 'http.client.request.start';

/** The shared clock (the race target's monotonicMicros). */
const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

/** The local port of a socket-like value, or null. */
function localPortOf(socket: unknown): number | null {
  if (!isRecord(socket)) return null;
  const port = socket['localPort'];
  return typeof port === 'number' ? port : null;
}

/** The value of header `name` (case-insensitive) in an HTTP/1.1 header block as written ("name: value\r\n"…). */
export function headerValueIn(block: string, name: string): string | null {
  const wanted = name.toLowerCase();
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === wanted) return line.slice(colon + 1).trim();
  }
  return null;
}

/**
 * Start logging the writes of every request that carries `idHeader` (warm-ups included), from both channels. Call it
 * before the client sends anything; `stop()` when the run is over.
 */
export function watchRequestWrites(idHeader: string): WriteLog {
  const log = new Map<string, WrittenRequest>();
  const record = (id: string, write: RequestWrite): void => {
    const known = log.get(id);
    if (known) known.writes += 1;
    else log.set(id, { first: write, writes: 1 });
  };
  const onUndici = (message: unknown): void => {
    const atUs = nowUs();
    const headers = isRecord(message) ? message['headers'] : undefined;
    if (!isRecord(message) || typeof headers !== 'string') return;
    const id = headerValueIn(headers, idHeader);
    if (id !== null) record(id, { atUs, localPort: localPortOf(message['socket']) });
  };
  const onHttp = (message: unknown): void => {
    const atUs = nowUs();
    const request = isRecord(message) ? message['request'] : undefined;
    if (!(request instanceof ClientRequest)) return;
    const value = request.getHeader(idHeader);
    const id = typeof value === 'string' ? value : Array.isArray(value) ? (value[0] ?? null) : null;
    if (id === null) return;
    const socket = request.socket;
    const write: RequestWrite = { atUs, localPort: localPortOf(socket) };
    record(id, write);
    // On a new connection node:http queues the request on a socket still connecting (a connecting socket is writable):
    // it has no local port yet. Take the port at 'connect' (a new connection cannot be one the server closed).
    if (write.localPort === null && socket?.connecting)
      socket.once('connect', () => {
        write.localPort = localPortOf(socket);
      });
  };
  dc.subscribe(UNDICI_SEND_HEADERS, onUndici);
  dc.subscribe(HTTP_CLIENT_REQUEST_START, onHttp);
  return {
    take(id) {
      const known = log.get(id) ?? null;
      log.delete(id);
      return known;
    },
    stop() {
      dc.unsubscribe(UNDICI_SEND_HEADERS, onUndici);
      dc.unsubscribe(HTTP_CLIENT_REQUEST_START, onHttp);
    },
  };
}
