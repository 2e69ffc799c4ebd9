/**
 * Generated response bodies for the bodies case study: `GET /bytes?n=<bytes>&framing=length|chunked` answers with
 * exactly n bytes, written from ONE preallocated chunk again and again with backpressure, so a 128 MiB response costs
 * the target one chunk plus what the socket has queued, never the body. The target can therefore serve any size
 * without its own memory becoming part of the measurement (the record shows its peak RSS).
 */
import type { ServerResponse } from 'node:http';

/** The path a client asks for a generated body on. */
export const GENERATED_BODY_PATH = '/bytes';

/**
 * Chunk written per write(): 64 KiB, the default highWaterMark of a net.Socket and the read size undici and Node use,
 * so every client sees the same chunking and the target's queue stays near one chunk.
 */
export const GENERATED_CHUNK_BYTES = 64 * 1024;

/**
 * The path uploads are POSTed to. The target counts the request-body bytes as they arrive and drops them (it never
 * holds a body), and answers only once the request body ended, so a client's time per upload covers sending all of it.
 */
export const UPLOAD_PATH = '/upload';

/** Largest generated body: 1 GiB, far above the 128 MiB the case study sweeps to, below anything that could be a typo. */
export const MAX_GENERATED_BODY_BYTES = 1024 * 1024 * 1024;

export const BODY_FRAMINGS = ['length', 'chunked'] as const;
export type BodyFraming = (typeof BODY_FRAMINGS)[number];

export interface GeneratedBodyRequest {
  bytes: number;
  framing: BodyFraming;
}

/** The path that asks the target for `bytes` of body with this framing. */
export function generatedBodyPath(bytes: number, framing: BodyFraming = 'length'): string {
  return `${GENERATED_BODY_PATH}?n=${bytes}&framing=${framing}`;
}

/**
 * Parse a request URL: null when it is not a generated-body request, an error message (answered with 400) when the
 * query is bad, else what to send.
 */
export function parseGeneratedBody(url: string): GeneratedBodyRequest | { error: string } | null {
  const q = url.indexOf('?');
  const pathname = q === -1 ? url : url.slice(0, q);
  if (pathname !== GENERATED_BODY_PATH) return null;
  const params = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  const raw = params.get('n');
  const bytes = raw === null || !/^\d+$/.test(raw) ? Number.NaN : Number(raw);
  if (!Number.isSafeInteger(bytes) || bytes > MAX_GENERATED_BODY_BYTES)
    return { error: `n: expected an integer from 0 to ${MAX_GENERATED_BODY_BYTES}, got ${JSON.stringify(raw)}` };
  const framing = params.get('framing') ?? 'length';
  if (!(BODY_FRAMINGS as readonly string[]).includes(framing))
    return { error: `framing: expected one of ${BODY_FRAMINGS.join(', ')}, got ${JSON.stringify(framing)}` };
  return { bytes, framing: framing as BodyFraming };
}

const CHUNK = Buffer.alloc(GENERATED_CHUNK_BYTES, 'x');

/**
 * Stream `bytes` of body into `res` with backpressure. `onWritten` is called with each chunk's size as it is handed
 * to the socket; the returned promise settles when the response finished (true) or was closed early (false).
 */
export function sendGeneratedBody(
  res: ServerResponse,
  body: GeneratedBodyRequest,
  status: number,
  onWritten: (bytes: number) => void,
): Promise<boolean> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
  if (body.framing === 'length') headers['content-length'] = String(body.bytes);
  // Without content-length Node frames the body with transfer-encoding: chunked (HTTP/1.1).
  res.writeHead(status, headers);
  return new Promise<boolean>((resolve) => {
    let remaining = body.bytes;
    let settled = false;
    const settle = (finished: boolean): void => {
      if (settled) return;
      settled = true;
      resolve(finished);
    };
    res.once('finish', () => settle(true));
    res.once('close', () => settle(res.writableFinished));
    const pump = (): void => {
      while (remaining > 0 && !res.destroyed) {
        const n = Math.min(remaining, GENERATED_CHUNK_BYTES);
        remaining -= n;
        onWritten(n);
        const more = res.write(n === GENERATED_CHUNK_BYTES ? CHUNK : CHUNK.subarray(0, n));
        if (!more) {
          res.once('drain', pump);
          return;
        }
      }
      if (!res.destroyed) res.end();
    };
    pump();
  });
}
