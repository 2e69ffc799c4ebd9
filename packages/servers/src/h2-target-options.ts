import { UsageError } from '@casebook/results';

/** HTTP/2 on the target (always over TLS with ALPN: h2, plus http/1.1 when `allowHTTP1`). */
export interface H2TargetOptions {
  /** Also answer HTTP/1.1 over TLS when the client does not offer h2 in ALPN (Node's allowHTTP1). Default true. */
  allowHTTP1?: boolean;
  /** SETTINGS_MAX_CONCURRENT_STREAMS the server advertises and enforces per session. Default 100 (a common server default). */
  maxConcurrentStreams?: number;
}

export interface ResolvedH2TargetOptions {
  allowHTTP1: boolean;
  maxConcurrentStreams: number;
}

/** HTTP/2's own ceiling for SETTINGS_MAX_CONCURRENT_STREAMS (2^31 − 1). */
export const MAX_H2_STREAMS = 2 ** 31 - 1;
export const DEFAULT_H2_MAX_CONCURRENT_STREAMS = 100;

export function resolveH2TargetOptions(input: H2TargetOptions | null | undefined): ResolvedH2TargetOptions | null {
  if (input === null || input === undefined) return null;
  if (typeof input !== 'object') throw new UsageError('h2', input, 'expected an object or null');
  const allowHTTP1 = input.allowHTTP1 ?? true;
  if (typeof allowHTTP1 !== 'boolean') throw new UsageError('h2.allowHTTP1', allowHTTP1, 'expected a boolean');
  const maxConcurrentStreams = input.maxConcurrentStreams ?? DEFAULT_H2_MAX_CONCURRENT_STREAMS;
  if (!Number.isInteger(maxConcurrentStreams) || maxConcurrentStreams < 1 || maxConcurrentStreams > MAX_H2_STREAMS)
    throw new UsageError(
      'h2.maxConcurrentStreams',
      maxConcurrentStreams,
      `expected an integer from 1 to ${MAX_H2_STREAMS}`,
    );
  return { allowHTTP1, maxConcurrentStreams };
}

/** ALPN list the h2 target offers, in preference order. */
export function h2Alpn(h2: ResolvedH2TargetOptions): string[] {
  return h2.allowHTTP1 ? ['h2', 'http/1.1'] : ['h2'];
}

/** What an h2 target counted, on top of the HTTP/1.1 target's counters (connections, requests, TLS handshakes). */
export interface H2Counters {
  sessionsOpened: number;
  sessionsClosed: number;
  openSessions: number;
  peakOpenSessions: number;
  /** Streams (requests) the server handled over h2, and requests over the HTTP/1.1 fallback. */
  h2Streams: number;
  h1Requests: number;
  /** Most streams open at once in one session (the server's view of the stream cap in use). */
  peakConcurrentStreamsPerSession: number;
  /** Most streams any one session carried since the last reset, and the mean over sessions that carried any. */
  maxStreamsPerSession: number;
  meanStreamsPerSession: number;
  /** Sessions that carried at least one stream since the last reset (open ones, and ones closed since). */
  sessionsWithStreams: number;
  /** Sessions opened since the last reset that never carried a stream: ALPN probes, or dropped before a request. */
  emptySessions: number;
  /**
   * Streams the client opened that never reached the server's handler: nghttp2 refuses streams over the cap
   * (RST_STREAM REFUSED_STREAM) before Node sees them, so they are inferred from gaps in client stream ids
   * (client ids are odd and increase by 2 per new stream). A session that never carried a stream counts 0.
   */
  refusedStreams: number;
  /** GOAWAY frames the server received, and session errors by code. */
  goawaysReceived: number;
  sessionErrors: Record<string, number>;
  /** Settings the server advertises (what clients are told). */
  advertisedMaxConcurrentStreams: number;
}
