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
