import { latencySummaryMs, type MedianInterval, mergeHistograms, pairedRatio } from '@casebook/stats';
import type { InterleavedMeasurement } from './interleaved';

/**
 * One value per round of a steady-state measurement, for the metrics a version comparison pairs round by round:
 * throughput and CPU per request (the block's own sums, `method.blocks`), and p99 latency (the block's measured
 * windows' HDR histograms merged, then its 99th percentile: a percentile of the block's requests, never a median or a
 * maximum of the windows' percentiles). The names are `casebook bisect --metric`'s, so a movement found here names the
 * metric its bisect takes. Tested in test/analysis-version-sweep.test.ts.
 */
export type RoundMetric = 'throughput' | 'cpu-per-request' | 'p99';

export const ROUND_METRICS: readonly RoundMetric[] = ['throughput', 'cpu-per-request', 'p99'];

/** How each metric reads in a table or a sentence, with its unit and which way is better. */
export const ROUND_METRIC_TEXT: Readonly<
  Record<RoundMetric, { text: string; unit: string; better: 'higher' | 'lower' }>
> = {
  throughput: { text: 'throughput', unit: 'req/s', better: 'higher' },
  'cpu-per-request': { text: 'CPU per request', unit: 'µs', better: 'lower' },
  p99: { text: 'p99 latency', unit: 'ms', better: 'lower' },
};

/**
 * What the per-round values are read from (structural: a live bench record and one read back both fit): the blocks
 * (`index`: the block's number, which its measured windows name in `trials[].block`), and the measured windows with
 * their encoded latency histograms (µs).
 */
export interface RoundMeasurement extends InterleavedMeasurement {
  trials?: readonly { block?: number | undefined; histogram?: string | undefined }[] | undefined;
}

/**
 * The metric per round (round → value): a round whose block has no value (no histogram for p99, a block without its
 * number, no request in its windows) is left out, never read as 0.
 */
export function roundValues(m: RoundMeasurement, metric: RoundMetric): Map<number, number> {
  const out = new Map<number, number>();
  for (const b of m.method?.blocks ?? []) {
    let value: number;
    if (metric === 'throughput') value = b.throughputRps;
    else if (metric === 'cpu-per-request') value = b.cpuMicrosPerRequest;
    else {
      if (b.index === undefined) continue;
      const encoded = (m.trials ?? [])
        .filter((t) => t.block === b.index && typeof t.histogram === 'string' && t.histogram !== '')
        .map((t) => t.histogram as string);
      if (encoded.length === 0) continue;
      const summary = latencySummaryMs(mergeHistograms(encoded));
      if (summary.count === 0) continue;
      value = summary.p99;
    }
    if (Number.isFinite(value)) out.set(b.round, value);
  }
  return out;
}

/**
 * `b` / `a` per round over the rounds both have a value in, summarised as a median with its order-statistics interval
 * (`ratioOf` for any RoundMetric). No paired round: an interval of NaN with coverage 0 (decides nothing).
 */
export function metricRatioOf(
  a: RoundMeasurement,
  b: RoundMeasurement,
  metric: RoundMetric,
  confidence = 0.95,
): MedianInterval {
  const va = roundValues(a, metric);
  const vb = roundValues(b, metric);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [round, x] of [...va.entries()].sort((p, q) => p[0] - q[0])) {
    const y = vb.get(round);
    if (y === undefined || !(x > 0)) continue;
    xs.push(x);
    ys.push(y);
  }
  if (xs.length === 0)
    return { median: Number.NaN, low: Number.NaN, high: Number.NaN, coverage: 0, n: 0, method: 'order-statistics' };
  return pairedRatio(xs, ys, confidence);
}
