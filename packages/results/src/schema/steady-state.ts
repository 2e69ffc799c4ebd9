import { type Static, Type } from '@sinclair/typebox';
import { CLOSED, Nullable } from './common';
import { MedianIntervalSchema } from './stats';

/**
 * The steady-state method (runner/interleave.ts, blocks.ts, steady.ts): a continuous load cut into windows, measured
 * in interleaved blocks that each re-warm until a steadiness test passes. A bench record made this way carries
 * `method` (blocks, warm-up curve, per-block quantities and their intervals) and `guards` (what keeps it out of
 * rankings), and its trials are the measured windows.
 */

/** Busy and steal share of one core during a window (/proc/stat). */
export const CoreShareSchema = Type.Object({ busy: Type.Number(), steal: Type.Number() }, CLOSED);

export const SteadinessRuleSchema = Type.Object(
  {
    windows: Type.Number(),
    throughputTolerance: Type.Number(),
    connectionTolerance: Type.Number(),
    connectionSlack: Type.Number(),
    minWarmupMs: Type.Number(),
    maxWarmupMs: Type.Number(),
    /** Warm-up never ended before this many requests ended in the block (absent in older records: no minimum). */
    minWarmupRequests: Type.Optional(Type.Number()),
    /** Measured windows were added until this many requests ended in them (absent in older records: no minimum). */
    minMeasuredRequests: Type.Optional(Type.Number()),
  },
  CLOSED,
);

const WarmupWindowSchema = Type.Object(
  {
    block: Type.Number(),
    index: Type.Number(),
    throughputRps: Type.Number(),
    cpuMicrosPerRequest: Type.Number(),
    newConnections: Type.Number(),
    /** Sockets open at the target at its peak during the window (a cold start shows the pool's fan-out here). */
    peakOpenConnections: Type.Number(),
    durationMs: Type.Number(),
    errors: Type.Number(),
  },
  CLOSED,
);

const BlockSummarySchema = Type.Object(
  {
    index: Type.Number(),
    round: Type.Number(),
    position: Type.Number(),
    steady: Type.Boolean(),
    steadiness: Type.String(),
    /** ms since the interleaved run started: the gap to the previous block is the pause the client sat idle. */
    startMs: Type.Number(),
    endMs: Type.Number(),
    warmupMs: Type.Number(),
    warmupWindows: Type.Number(),
    windows: Type.Number(),
    throughputRps: Type.Number(),
    cpuMicrosPerRequest: Type.Number(),
    clientUtilization: Type.Number(),
    targetCpuShare: Type.Number(),
    targetCpuMicrosPerRequest: Type.Number(),
    errors: Type.Number(),
  },
  CLOSED,
);

export const ContinuousMethodSchema = Type.Object(
  {
    kind: Type.Literal('continuous'),
    windowMs: Type.Number(),
    windowsPerBlock: Type.Number(),
    steadiness: SteadinessRuleSchema,
    blocks: Type.Array(BlockSummarySchema),
    warmupCurve: Type.Array(WarmupWindowSchema),
    throughputInterval: Nullable(MedianIntervalSchema),
    cpuInterval: Nullable(MedianIntervalSchema),
    interleave: Type.Object(
      {
        seed: Type.Number(),
        rounds: Type.Number(),
        stoppedBy: Type.Union([
          Type.Literal('precision'),
          Type.Literal('budget'),
          Type.Literal('max-rounds'),
          Type.Literal('failure'),
        ]),
        /** This measurement's position in each round's shuffled order. */
        positions: Type.Array(Type.Number()),
        targetHalfWidth: Nullable(Type.Number()),
        budgetMs: Type.Number(),
        /**
         * The guards' tolerances, set per study before a run (runner/interleave.ts InterleaveOptions): `not-steady` when
         * more than this share of the blocks did not become steady, `errors` when failed requests are more than this
         * share of the requests that ended in the measured windows. Absent in older records: 0 (any flags).
         */
        maxUnsteadyShare: Type.Optional(Type.Number()),
        maxErrorShare: Type.Optional(Type.Number()),
      },
      CLOSED,
    ),
  },
  { ...CLOSED, title: 'Steady-state method' },
);
export type ContinuousMethod = Static<typeof ContinuousMethodSchema>;

/** Any flag keeps the measurement out of rankings and claims (unless a claim is about it). */
export const MeasurementGuardsSchema = Type.Object(
  {
    /** Highest per-block share of one core the target used. */
    targetCpuShare: Type.Number(),
    errors: Type.Number(),
    cpuOverWallWindows: Type.Number(),
    instrumented: Type.Boolean(),
    unsteadyBlocks: Type.Number(),
    otherLoad: Nullable(
      Type.Object({ clientCore: Type.Number(), serverCore: Type.Number(), steal: Type.Number() }, CLOSED),
    ),
    noise: Type.Object({ before: Nullable(Type.Number()), after: Nullable(Type.Number()) }, CLOSED),
    flags: Type.Array(Type.String()),
    rankable: Type.Boolean(),
  },
  { ...CLOSED, title: 'Measurement guards' },
);
export type MeasurementGuards = Static<typeof MeasurementGuardsSchema>;
