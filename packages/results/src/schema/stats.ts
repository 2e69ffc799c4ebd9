import type {
  LatencySummaryMs as StatsLatencySummaryMs,
  MedianInterval as StatsMedianInterval,
  TrialSummary as StatsTrialSummary,
} from '@casebook/stats';
import { type Static, Type } from '@sinclair/typebox';
import { CLOSED, Nullable } from './common';

/**
 * The statistics records carry, as @casebook/stats computes them. Each type is checked against the stats package's
 * own: the build fails when either side drifts.
 */
type Agree<A extends B, B extends C, C = A> = A;

export const LatencySummaryMsSchema = Type.Object(
  {
    count: Type.Number(),
    meanMs: Type.Number(),
    p50: Type.Number(),
    p90: Type.Number(),
    p99: Type.Number(),
    p999: Type.Number(),
    maxMs: Type.Number(),
    minMs: Type.Number(),
  },
  { ...CLOSED, description: 'Latency percentiles in ms, from an HDR histogram of µs' },
);
export type LatencySummaryMs = Agree<Static<typeof LatencySummaryMsSchema>, StatsLatencySummaryMs>;

export const TrialSummarySchema = Type.Object(
  {
    n: Type.Number(),
    median: Type.Number(),
    mean: Type.Number(),
    min: Type.Number(),
    max: Type.Number(),
    stdev: Type.Number(),
    ci95: Nullable(Type.Tuple([Type.Number(), Type.Number()])),
    relativeSpread: Type.Number(),
  },
  {
    ...CLOSED,
    description:
      'Spread of one quantity over trials; ci95: 95% CI of the median (order statistics), null with fewer than 6 trials (schemaVersion ≤ 2: mean ± Student t)',
  },
);
export type TrialSummary = Agree<Static<typeof TrialSummarySchema>, StatsTrialSummary>;

export const MedianIntervalSchema = Type.Object(
  {
    median: Type.Number(),
    low: Type.Number(),
    high: Type.Number(),
    /** The interval's exact coverage (≥ the confidence asked for, unless n is too small). */
    coverage: Type.Number(),
    n: Type.Number(),
    method: Type.Literal('order-statistics'),
  },
  { ...CLOSED, description: 'Distribution-free interval of a median (order statistics)' },
);
export type MedianInterval = Agree<Static<typeof MedianIntervalSchema>, StatsMedianInterval>;
