/**
 * The protocol each request actually went over, for undici-based clients (npm undici and Node's bundled copy),
 * which do not report it on the response. Over https each request carries a tag header; undici publishes
 * `undici:client:sendHeaders` with the request's headers and the socket it is written to (the TLS socket of the
 * HTTP/2 session for h2), and the socket's negotiated ALPN is the protocol. Over plain http undici speaks
 * HTTP/1.1 only (no h2c without prior knowledge, which no adapter here asks for), so nothing is tagged.
 */
import * as dc from 'node:diagnostics_channel';
import type { TLSSocket } from 'node:tls';

export const PROTOCOL_TAG_HEADER = 'x-casebook-proto-id';
const TAG_PREFIX = `${PROTOCOL_TAG_HEADER}: `;

const seen = new Map<number, string>();
let nextId = 1;
let subscribed = false;

function idFromHeaders(headers: unknown): number | null {
  if (typeof headers === 'string') {
    const i = headers.indexOf(TAG_PREFIX);
    if (i < 0) return null;
    const n = Number.parseInt(headers.slice(i + TAG_PREFIX.length, i + TAG_PREFIX.length + 16), 10);
    return Number.isInteger(n) ? n : null;
  }
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === PROTOCOL_TAG_HEADER) return Number(headers[i + 1]);
    }
    return null;
  }
  if (headers && typeof headers === 'object') {
    const v = (headers as Record<string, unknown>)[PROTOCOL_TAG_HEADER];
    return v === undefined ? null : Number(v);
  }
  return null;
}

function onSendHeaders(message: unknown): void {
  const m = message as { headers?: unknown; socket?: Partial<TLSSocket> };
  const id = idFromHeaders(m.headers);
  if (id === null || !Number.isInteger(id)) return;
  const alpn = m.socket?.alpnProtocol;
  seen.set(id, alpn === 'h2' ? 'h2' : 'http/1.1');
}

/** Start a tagged request: returns the header to send and a function that reads (and forgets) its protocol. */
export function protocolTag(): { headers: Record<string, string>; take: () => string | null } {
  if (!subscribed) {
    dc.subscribe('undici:client:sendHeaders', onSendHeaders);
    subscribed = true;
  }
  const id = nextId++;
  return {
    headers: { [PROTOCOL_TAG_HEADER]: String(id) },
    take() {
      const p = seen.get(id) ?? null;
      seen.delete(id);
      return p;
    },
  };
}
