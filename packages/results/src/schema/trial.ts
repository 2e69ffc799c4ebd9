import { type Static, Type } from '@sinclair/typebox';
import { CLOSED, CountsSchema, Nullable } from './common';
import { TargetCountersSchema } from './counters';
import { LatencySummaryMsSchema } from './stats';
import { CoreShareSchema } from './steady-state';

/**
 * A Python worker's httpcore pool counters over one phase (stated after seed-e65a2755): assignment passes, the sampled
 * passes' queue work, connections walked and time, retries, idle-socket polls and new connections. The one definition:
 * the runner's protocol and the analysis read its type (PoolCounters).
 */
export const PoolCountersSchema = Type.Object(
  {
    sampleEvery: Type.Number(),
    passes: Nullable(Type.Number()),
    sampledPasses: Nullable(Type.Number()),
    queuedTimesConnections: Nullable(Type.Number()),
    sampledConnections: Nullable(Type.Number()),
    sampledPassMicros: Nullable(Type.Number()),
    retries: Nullable(Type.Number()),
    idleProbes: Nullable(Type.Number()),
    connectionsCreated: Nullable(Type.Number()),
  },
  CLOSED,
);

export type PoolCounters = Static<typeof PoolCountersSchema>;

/**
 * One phase of a bench run as the runner records it: the worker's PhaseResult (runner/protocol.ts) without the
 * latency histogram for the warm-up, and with it plus the derived numbers for each measured trial.
 */

const phaseProperties = {
  sent: Type.Number(),
  ok: Type.Number(),
  errors: Type.Object({ total: Type.Number(), byCode: CountsSchema }, CLOSED),
  /** One message per error code, for diagnosis. */
  errorSamples: Type.Record(Type.String(), Type.String()),
  durationMs: Type.Number(),
  cpuUserMicros: Type.Number(),
  cpuSystemMicros: Type.Number(),
  eventLoopUtilization: Type.Number(),
  clientPeakInFlight: Type.Number(),
  protocols: CountsSchema,
  /** With load.queueTiming: encoded HDR histograms (µs) of queue wait and wire time, and sockets opened. */
  queueHistogram: Type.Optional(Type.String()),
  wireHistogram: Type.Optional(Type.String()),
  clientSocketsOpened: Type.Optional(Type.Number()),
  /**
   * A Python worker's httpcore pool counters over this phase alone (stated after seed-e65a2755; runner protocol.ts
   * PoolCounters): assignment passes, the sampled passes' queue work, connections walked and time, retries, idle-socket
   * polls and new connections. Absent: not instrumented, or recorded before seed-e65a2755.
   */
  poolCounters: Type.Optional(PoolCountersSchema),
};

export const WarmupSchema = Type.Object(
  { ...phaseProperties, target: Nullable(TargetCountersSchema) },
  { ...CLOSED, title: 'Warm-up phase (not measured)' },
);

export const TrialRecordSchema = Type.Object(
  {
    ...phaseProperties,
    /** Encoded HDR histogram of successful-request latencies (µs): @casebook/stats decodeHistogram. */
    histogram: Type.String(),
    index: Type.Number(),
    throughputRps: Type.Number(),
    latencyMs: LatencySummaryMsSchema,
    cpuMicrosPerRequest: Type.Number(),
    /** Target counters for exactly this trial's window (reset before it started). */
    target: Nullable(TargetCountersSchema),
    queueMs: Type.Optional(LatencySummaryMsSchema),
    wireMs: Type.Optional(LatencySummaryMsSchema),
    /** Steady-state method: the trial is a measured window of this block, with each core's busy and steal share. */
    block: Type.Optional(Type.Number()),
    cores: Type.Optional(Nullable(Type.Array(CoreShareSchema))),
  },
  { ...CLOSED, title: 'Measured trial (or window, under the steady-state method)' },
);
export type TrialRecord = Static<typeof TrialRecordSchema>;
