import type { H2Counters } from './h2-target-options';

/** What the target counted. Cumulative counters reset with `reset()`; peaks restart from the current value. */
export interface TargetCounters {
  connectionsOpened: number;
  connectionsClosed: number;
  openConnections: number;
  peakOpenConnections: number;
  requests: number;
  responses: number;
  inFlight: number;
  peakInFlight: number;
  /** Requests that arrived on a connection that had already served one (reuse seen by the server). */
  reusedConnectionRequests: number;
  /** Target process CPU since the last reset, µs (user + system). */
  cpuMicros: number;
  /** HTTPS targets only: handshakes as the server saw them. */
  tls?: TlsCounters;
  /** HTTP/2 targets only: sessions and streams as the server saw them. */
  h2?: H2Counters;
}

/** Handshakes seen by an HTTPS target (`secureConnection` + `tlsSocket.isSessionReused()`). */
export interface TlsCounters {
  fullHandshakes: number;
  resumedHandshakes: number;
  /** Completed handshakes by negotiated version ('TLSv1.3', 'TLSv1.2'). */
  byVersion: Record<string, number>;
  /** Completed handshakes by ALPN protocol ('http/1.1', 'none'). */
  byAlpn: Record<string, number>;
  /** Failed handshakes by error code (tlsClientError). */
  errors: Record<string, number>;
}

/** One connection as the target saw it: requests since the last reset; socket bytes (headers included) since it opened. */
export interface ConnectionBytes {
  id: number;
  requests: number;
  bytesRead: number;
  bytesWritten: number;
  open: boolean;
}

/**
 * Body bytes as the HTTP/1.1 target counted them (the `bodies` control request), since the last reset. Kept apart
 * from TargetCounters, which bench records embed under a closed schema.
 */
export interface BodyCounters {
  /** Body bytes handed to sockets, fixed and generated bodies alike. */
  bodyBytesSent: number;
  /** Body bytes of responses that finished (handed whole to the OS). */
  finishedBodyBytes: number;
  /** Request body bytes read. */
  requestBodyBytesReceived: number;
  /** Responses whose body was handed whole to the OS ('finish'). */
  responsesFinished: number;
  /** Responses whose connection closed before their body was sent (the client destroyed the socket). */
  responsesAborted: number;
  /** Responses still sending now: the client is not reading (backpressure), a body left unread on a held socket. */
  responsesSending: number;
  /** Target RSS now, and its peak sampled every TARGET_RSS_SAMPLE_MS while bodies are generated (bytes). */
  rssBytes: number;
  /** Target RSS at the last reset (a phase's start): the peak's growth over it is what the phase's bodies cost. */
  startRssBytes: number;
  peakRssBytes: number;
  rssSampleMs: number;
  /** Per connection (the most recent MAX_CONNECTIONS_LISTED). */
  connections: ConnectionBytes[];
}
