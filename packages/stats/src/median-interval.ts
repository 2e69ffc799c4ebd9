import { percentile, sortedCopy } from './percentile';

/**
 * A distribution-free confidence interval for the median from order statistics: the narrowest symmetric pair of
 * ranks (j, n + 1 − j) whose binomial coverage P(X(j) ≤ median ≤ X(n+1−j)) is at least `confidence`. It needs no
 * assumption about the shape of the distribution (per-window throughput is skewed by cold starts and host noise).
 * With fewer than 6 values no pair reaches 95 %: the interval is then [min, max] and `coverage` says what it reaches
 * (n = 5: 93.75 %), so a reader is never shown a 95 % that is not one.
 */
export interface MedianInterval {
  median: number;
  low: number;
  high: number;
  /** The interval's exact coverage (≥ the confidence asked for, unless n is too small). */
  coverage: number;
  n: number;
  method: 'order-statistics';
}

/** P(Binomial(n, 1/2) < j) … used for the coverage of ranks (j, n + 1 − j). */
function binomialHalfCdfBelow(n: number, j: number): number {
  let sum = 0;
  let term = 0.5 ** n; // C(n, 0) / 2^n
  for (let i = 0; i < j; i++) {
    sum += term;
    term = (term * (n - i)) / (i + 1);
  }
  return sum;
}

export function medianInterval(values: readonly number[], confidence = 0.95): MedianInterval {
  if (values.length === 0) throw new RangeError('medianInterval: no values');
  const sorted = sortedCopy(values);
  const n = sorted.length;
  let best = { j: 1, coverage: 1 - 2 * binomialHalfCdfBelow(n, 1) };
  for (let j = 2; j <= Math.floor((n + 1) / 2); j++) {
    const coverage = 1 - 2 * binomialHalfCdfBelow(n, j);
    if (coverage < confidence) break;
    best = { j, coverage };
  }
  return {
    median: percentile(sorted, 50),
    low: sorted[best.j - 1] as number,
    high: sorted[n - best.j] as number,
    coverage: Math.min(1, best.coverage),
    n,
    method: 'order-statistics',
  };
}

/** Half-width of an interval relative to its median: (high − low) / 2 / median. */
export function relativeHalfWidth(i: Pick<MedianInterval, 'median' | 'low' | 'high'>): number {
  return i.median === 0 ? Number.POSITIVE_INFINITY : (i.high - i.low) / 2 / Math.abs(i.median);
}
