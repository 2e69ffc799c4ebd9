import type { ResolvedTargetOptions } from './options';

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
}

export type TargetRequest =
  | { type: 'counters'; id: number }
  | { type: 'reset'; id: number }
  | { type: 'close'; id: number };

export type TargetMessage =
  | { type: 'listening'; port: number; pid: number; options: ResolvedTargetOptions }
  | { type: 'reply'; id: number; counters: TargetCounters }
  | { type: 'fatal'; message: string };
