import { mergeHistograms } from './latency-histogram';

/**
 * Share (0..1) of the values in these encoded latency histograms (µs) that are at or above `thresholdMs`:
 * e.g. how many requests a slow response held up (head-of-line blocking). Found by bisecting the histogram's
 * own percentiles (monotonic), so HDR precision (3 significant digits) applies.
 */
export function shareAtOrAboveMs(encoded: readonly string[], thresholdMs: number): number {
  const h = mergeHistograms(encoded);
  if (h.totalCount === 0) return 0;
  const threshold = thresholdMs * 1000;
  if (h.getValueAtPercentile(100) < threshold) return 0;
  if (h.getValueAtPercentile(0) >= threshold) return 1;
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (h.getValueAtPercentile(mid) < threshold) lo = mid;
    else hi = mid;
  }
  return Math.round((1 - hi / 100) * 1e4) / 1e4;
}
