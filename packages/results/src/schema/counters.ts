import { Type } from '@sinclair/typebox';
import { CLOSED, CountsSchema } from './common';

/**
 * What the lab servers counted, as their control channels report it: TargetCounters (servers/protocol.ts) with the
 * HTTPS and HTTP/2 additions, and ProxyCounters (servers/proxy-protocol.ts).
 */

export const TlsCountersSchema = Type.Object(
  {
    fullHandshakes: Type.Number(),
    resumedHandshakes: Type.Number(),
    byVersion: CountsSchema,
    byAlpn: CountsSchema,
    errors: CountsSchema,
  },
  CLOSED,
);

export const H2CountersSchema = Type.Object(
  {
    sessionsOpened: Type.Number(),
    sessionsClosed: Type.Number(),
    openSessions: Type.Number(),
    peakOpenSessions: Type.Number(),
    h2Streams: Type.Number(),
    h1Requests: Type.Number(),
    peakConcurrentStreamsPerSession: Type.Number(),
    maxStreamsPerSession: Type.Number(),
    meanStreamsPerSession: Type.Number(),
    /** Sessions that carried a stream, and sessions that never did (ALPN probes); absent in records made before 2026-12. */
    sessionsWithStreams: Type.Optional(Type.Number()),
    emptySessions: Type.Optional(Type.Number()),
    /** Since 2026-12 a session that never carried a stream counts 0 (records before counted 0.5 for each). */
    refusedStreams: Type.Number(),
    goawaysReceived: Type.Number(),
    sessionErrors: CountsSchema,
    advertisedMaxConcurrentStreams: Type.Number(),
  },
  CLOSED,
);

export const TargetCountersSchema = Type.Object(
  {
    connectionsOpened: Type.Number(),
    connectionsClosed: Type.Number(),
    openConnections: Type.Number(),
    peakOpenConnections: Type.Number(),
    requests: Type.Number(),
    responses: Type.Number(),
    inFlight: Type.Number(),
    peakInFlight: Type.Number(),
    reusedConnectionRequests: Type.Number(),
    cpuMicros: Type.Number(),
    tls: Type.Optional(TlsCountersSchema),
    h2: Type.Optional(H2CountersSchema),
  },
  CLOSED,
);

export const ProxyCountersSchema = Type.Object(
  {
    connections: Type.Number(),
    openConnections: Type.Number(),
    bytesUp: Type.Number(),
    bytesDown: Type.Number(),
    chunksUp: Type.Number(),
    chunksDown: Type.Number(),
    peakQueuedBytes: Type.Number(),
    upstreamErrors: CountsSchema,
    cpuMicros: Type.Number(),
    wallMs: Type.Number(),
  },
  CLOSED,
);
