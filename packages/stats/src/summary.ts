import { medianInterval } from './median-interval';
import { percentile, sortedCopy } from './percentile';

/**
 * Summary of one metric across repeated trials: centre, spread and a 95 % confidence interval for the centre the
 * summary reports (the median), so the interval printed beside a median is an interval for that median.
 */
export interface TrialSummary {
  n: number;
  median: number;
  mean: number;
  min: number;
  max: number;
  stdev: number;
  /**
   * 95 % confidence interval of the median from order statistics (`medianInterval`: distribution-free, coverage ≥ 95 %).
   * null when there are too few trials for any pair of order statistics to reach 95 % (n < 6): min and max are then
   * the whole information, and no interval is labelled 95 % that is not one.
   */
  ci95: [number, number] | null;
  /** Relative spread: (max - min) / median. */
  relativeSpread: number;
}

/** The confidence `ci95` must reach: below it (too few trials) the field is null. */
const CI_CONFIDENCE = 0.95;

// Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom; beyond 30 the normal 1.96 is close enough.
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function tQuantile975(degreesOfFreedom: number): number {
  if (degreesOfFreedom < 1) return Number.NaN;
  return T_975[degreesOfFreedom - 1] ?? 1.96;
}

export function summarize(values: readonly number[]): TrialSummary {
  if (values.length === 0) throw new RangeError('summarize: no values');
  for (const v of values) if (!Number.isFinite(v)) throw new RangeError(`summarize: non-finite value ${v}`);
  const sorted = sortedCopy(values);
  const n = sorted.length;
  const mean = sorted.reduce((s, v) => s + v, 0) / n;
  const variance = n > 1 ? sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  const stdev = Math.sqrt(variance);
  const interval = medianInterval(sorted, CI_CONFIDENCE);
  const med = percentile(sorted, 50);
  const min = sorted[0] as number;
  const max = sorted[n - 1] as number;
  return {
    n,
    median: med,
    mean,
    min,
    max,
    stdev,
    ci95: interval.coverage >= CI_CONFIDENCE ? [interval.low, interval.high] : null,
    relativeSpread: med === 0 ? 0 : (max - min) / Math.abs(med),
  };
}

/** value / baseline, NaN-safe: a zero or missing baseline yields null rather than Infinity. */
export function ratio(value: number, baseline: number): number | null {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return null;
  return value / baseline;
}
