import { flagsRankable } from '@casebook/results';
import {
  type MedianInterval,
  medianInterval,
  type Ordering,
  pairedRatio,
  relativeHalfWidth,
  resolvedOrdering,
} from '@casebook/stats';

/**
 * Per-block quantities of steady-state measurements (the interleaved method): each measurement ran one block per
 * round, so two measurements are compared round by round (paired), and every quantity is summarised as a median with
 * its order-statistics interval. Structural types, so both live records and records read back from disk fit.
 */
export interface BlockQuantities {
  round: number;
  /** The block's number, which its measured windows name in `trials[].block` (absent in hand-made data). */
  index?: number;
  /** ms since the interleaved run started (absent in hand-made data). */
  startMs?: number;
  endMs?: number;
  throughputRps: number;
  cpuMicrosPerRequest: number;
  clientUtilization: number;
  targetCpuShare: number;
  /** The target's CPU µs per request it answered in the block (absent in hand-made data and older summaries). */
  targetCpuMicrosPerRequest?: number;
  /** Whether the block's warm-up converged, and the steadiness test's reason (absent in hand-made data). */
  steady?: boolean;
  steadiness?: string;
}

/** The guards the runner records with a steady-state measurement (null or absent: made without guards). */
export interface GuardFields {
  guards?: { flags: readonly string[]; rankable: boolean } | null | undefined;
}

export interface InterleavedMeasurement extends GuardFields {
  label: string;
  client: { name: string };
  method?: { blocks: readonly BlockQuantities[] } | undefined;
}

export { flagsRankable, UNRANKABLE_FLAGS } from '@casebook/results';

/**
 * The guard rule of the method, in one place: a measurement the guards flag as not rankable (errors, a saturated
 * target, no data, a block that never became steady) is shown and labelled, but never compared, ranked or counted
 * towards a claim. Every check that compares or ranks measurements selects them through `isRankable` / `rankable`; a
 * measurement made without guards (the phase method) is rankable. The flags are read as well as the stored
 * `rankable`, so a record written before `not-steady` became excluding is held to the same rule.
 */
export function isRankable(m: GuardFields): boolean {
  return (m.guards?.rankable ?? true) && flagsRankable(m.guards?.flags ?? []);
}

/** The measurements that may be compared, and the ones the guards keep out (in input order). */
export function rankable<T extends GuardFields>(measurements: readonly T[]): { rankable: T[]; flagged: T[] } {
  return {
    rankable: measurements.filter(isRankable),
    flagged: measurements.filter((m) => !isRankable(m)),
  };
}

/** How a flagged measurement is named wherever it is left out: `label (flag, flag)`; 'none' when nothing is. */
export function flaggedText(flagged: readonly (GuardFields & { label: string })[]): string {
  return (
    flagged.map((m) => `${m.label} (${(m.guards?.flags ?? []).join(', ') || 'not rankable'})`).join('; ') || 'none'
  );
}

export type BlockMetric = 'throughputRps' | 'cpuMicrosPerRequest' | 'clientUtilization' | 'targetCpuShare';

/** One value per round, in round order (rounds a measurement missed are left out). */
export function perRound(m: InterleavedMeasurement, metric: BlockMetric = 'throughputRps'): number[] {
  return [...(m.method?.blocks ?? [])].sort((a, b) => a.round - b.round).map((b) => b[metric]);
}

/** Values of two measurements for the rounds both ran, aligned. */
function aligned(a: InterleavedMeasurement, b: InterleavedMeasurement, metric: BlockMetric): [number[], number[]] {
  const bRounds = new Map((b.method?.blocks ?? []).map((x) => [x.round, x[metric]]));
  const xs: number[] = [];
  const ys: number[] = [];
  for (const block of [...(a.method?.blocks ?? [])].sort((p, q) => p.round - q.round)) {
    const y = bRounds.get(block.round);
    if (y === undefined) continue;
    xs.push(block[metric]);
    ys.push(y);
  }
  return [xs, ys];
}

/** b / a per round, summarised: the median ratio and its interval. */
/** Whether a and b share a round where a's throughput is positive and b's finite (a ratio can be formed). */
function hasPairs(a: InterleavedMeasurement, b: InterleavedMeasurement): boolean {
  const [xs, ys] = aligned(a, b, 'throughputRps');
  return xs.some((x, i) => x > 0 && Number.isFinite(ys[i] ?? Number.NaN));
}

export function ratioOf(
  a: InterleavedMeasurement,
  b: InterleavedMeasurement,
  metric: BlockMetric = 'throughputRps',
): MedianInterval {
  const [xs, ys] = aligned(a, b, metric);
  return pairedRatio(xs, ys);
}

export function intervalOf(m: InterleavedMeasurement, metric: BlockMetric = 'throughputRps'): MedianInterval | null {
  const values = perRound(m, metric);
  return values.length ? medianInterval(values) : null;
}

/** Throughput ordering over rounds; flagged measurements are excluded, unresolved pairs share a tier. */
export function throughputOrdering(measurements: readonly InterleavedMeasurement[]): Ordering {
  const rounds = new Set(measurements.flatMap((m) => (m.method?.blocks ?? []).map((b) => b.round)));
  const common = [...rounds].filter((r) => measurements.every((m) => m.method?.blocks.some((b) => b.round === r)));
  return resolvedOrdering(
    measurements.map((m) => ({
      label: m.label,
      perRound: common.map((r) => m.method?.blocks.find((b) => b.round === r)?.throughputRps ?? 0),
      rankable: isRankable(m),
    })),
  );
}

export interface MeasurementRow {
  label: string;
  client: string;
  rounds: number;
  rps: number;
  rpsLow: number;
  rpsHigh: number;
  cpuUs: number;
  cpuLow: number;
  cpuHigh: number;
  /** b / reference per round, with its interval and half-width (relative). */
  vsReference: number;
  vsLow: number;
  vsHigh: number;
  vsHalfWidth: number;
  /** False when this measurement or the reference is flagged: the vs-reference columns are then not a comparison. */
  compared: boolean;
  /** 1 = best tier; measurements in one tier are not resolved from each other. */
  tier: number | null;
  flags: string;
}

/** The table a notebook shows for a set of interleaved measurements against a reference (the first by default). */
export function measurementRows(
  measurements: readonly InterleavedMeasurement[],
  reference: InterleavedMeasurement | undefined = measurements[0],
): MeasurementRow[] {
  const ordering = throughputOrdering(measurements);
  const tierOf = (label: string) => {
    const i = ordering.tiers.findIndex((t) => t.includes(label));
    return i < 0 ? null : i + 1;
  };
  return measurements.map((m) => {
    const rps = intervalOf(m, 'throughputRps');
    const cpu = intervalOf(m, 'cpuMicrosPerRequest');
    // A measurement with no round in common with the reference (one that failed before measuring) has no ratio.
    const vs = reference && reference !== m && hasPairs(reference, m) ? ratioOf(reference, m) : null;
    return {
      label: m.label,
      client: m.client.name,
      rounds: perRound(m).length,
      rps: rps?.median ?? 0,
      rpsLow: rps?.low ?? 0,
      rpsHigh: rps?.high ?? 0,
      cpuUs: cpu?.median ?? 0,
      cpuLow: cpu?.low ?? 0,
      cpuHigh: cpu?.high ?? 0,
      vsReference: vs ? vs.median : 1,
      vsLow: vs ? vs.low : 1,
      vsHigh: vs ? vs.high : 1,
      vsHalfWidth: vs ? relativeHalfWidth(vs) : 0,
      compared: isRankable(m) && (reference === undefined || isRankable(reference)),
      tier: tierOf(m.label),
      flags: (m.guards?.flags ?? []).join(', '),
    };
  });
}

/** "a > b" only where resolved; otherwise "a ≈ b (not resolved)". */
export function orderingText(ordering: Ordering): string {
  const tiers = ordering.tiers.map((t) => (t.length > 1 ? `{${t.join(' ≈ ')}}` : (t[0] as string)));
  const excluded = ordering.excluded.length ? ` (not ranked: ${ordering.excluded.join(', ')})` : '';
  return `${tiers.join(' > ')}${excluded}`;
}
