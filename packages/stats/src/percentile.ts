/**
 * Percentile of an ascending-sorted array with linear interpolation between closest ranks
 * (the "R-7" definition used by numpy and most spreadsheets): p50 of 1..100 is 50.5.
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of an empty sample');
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile p must be within 0..100, got ${p}`);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (rank - lo);
}

export function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((x, y) => x - y);
}

export function median(values: readonly number[]): number {
  return percentile(sortedCopy(values), 50);
}
