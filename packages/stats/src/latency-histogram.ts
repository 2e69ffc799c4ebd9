import * as hdr from 'hdr-histogram-js';

/**
 * Latency histograms record integer microseconds (hdr-histogram-js records integers), clamped at ≥ 1 µs.
 * Range 1 µs .. 10 min, 3 significant digits, auto-resizing so a long stall is never dropped.
 */
export type LatencyHistogram = hdr.Histogram;

export const LATENCY_HISTOGRAM_SETTINGS = {
  lowestDiscernibleValue: 1,
  highestTrackableValue: 600_000_000,
  numberOfSignificantValueDigits: 3 as const,
  autoResize: true,
  useWebAssembly: false,
};

export function createLatencyHistogram(): LatencyHistogram {
  // 32-bit counters (4 × 10⁹ per bucket) are plenty for one trial and cheaper to increment per request.
  return hdr.build({ ...LATENCY_HISTOGRAM_SETTINGS, bitBucketSize: 32 });
}

export function recordMicros(histogram: LatencyHistogram, micros: number): void {
  // Hot path (once per request): integer rounding without Math calls; clamp at 1 µs.
  histogram.recordValue(micros < 1 ? 1 : micros < 2e9 ? (micros + 0.5) | 0 : Math.round(micros));
}

export function encodeHistogram(histogram: LatencyHistogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): LatencyHistogram {
  return hdr.decodeFromCompressedBase64(encoded, 64, false);
}

export function mergeHistograms(encoded: readonly string[]): LatencyHistogram {
  const total = createLatencyHistogram();
  for (const e of encoded) total.add(decodeHistogram(e));
  return total;
}

export interface LatencySummaryMs {
  count: number;
  meanMs: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  maxMs: number;
  minMs: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function latencySummaryMs(histogram: LatencyHistogram): LatencySummaryMs {
  const count = histogram.totalCount;
  if (count === 0) return { count: 0, meanMs: 0, p50: 0, p90: 0, p99: 0, p999: 0, maxMs: 0, minMs: 0 };
  return {
    count,
    meanMs: round3(histogram.mean / 1000),
    p50: round3(histogram.getValueAtPercentile(50) / 1000),
    p90: round3(histogram.getValueAtPercentile(90) / 1000),
    p99: round3(histogram.getValueAtPercentile(99) / 1000),
    p999: round3(histogram.getValueAtPercentile(99.9) / 1000),
    maxMs: round3(histogram.maxValue / 1000),
    minMs: round3(histogram.minNonZeroValue / 1000),
  };
}
