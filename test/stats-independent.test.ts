import { bootstrapMedians, hodgesLehmannRatio, hodgesLehmannShift, mannWhitneyCdf } from '@casebook/stats';
import { describe, expect, test } from 'vitest';

/**
 * Intervals for two (or more) INDEPENDENT samples: the Mann–Whitney null distribution against a count of every
 * arrangement, the Hodges–Lehmann shift and ratio with their rank-sum intervals, and the bootstrap of medians; each
 * a function of the values, not of their order.
 */

/** P(U ≤ u) by enumerating every way to choose which m of the m + n ranks are the x's (U: pairs with x above y). */
function enumeratedCdf(m: number, n: number): number[] {
  const counts = new Array<number>(m * n + 1).fill(0);
  let total = 0;
  for (let mask = 0; mask < 1 << (m + n); mask++) {
    let bits = 0;
    for (let b = mask; b; b >>= 1) bits += b & 1;
    if (bits !== m) continue;
    let u = 0;
    let ys = 0;
    for (let r = 0; r < m + n; r++)
      if (mask & (1 << r)) u += ys;
      else ys++;
    counts[u] = (counts[u] as number) + 1;
    total++;
  }
  let sum = 0;
  return counts.map((c) => {
    sum += c;
    return sum / total;
  });
}

describe('mannWhitneyCdf', () => {
  test('matches a count of every arrangement', () => {
    for (const [m, n] of [
      [1, 1],
      [2, 3],
      [4, 4],
      [3, 6],
      [5, 7],
    ] as const) {
      const dp = mannWhitneyCdf(m, n);
      const exact = enumeratedCdf(m, n);
      expect(dp).toHaveLength(m * n + 1);
      for (const [u, p] of exact.entries()) expect(dp[u], `${m}, ${n}, U ≤ ${u}`).toBeCloseTo(p, 12);
    }
  });

  test("10 and 10: U ≤ 23 is the test's two-sided 5 % critical region (P ≈ 0.0216), U ≤ 24 is not", () => {
    const cdf = mannWhitneyCdf(10, 10);
    expect(cdf[23]).toBeCloseTo(0.0216, 4);
    expect(cdf[23]).toBeLessThanOrEqual(0.025);
    expect(cdf[24]).toBeGreaterThan(0.025);
    expect(cdf[100]).toBeCloseTo(1, 12);
  });
});

describe('hodgesLehmannShift and hodgesLehmannRatio', () => {
  const x = [10, 12, 11, 13, 9, 10.5, 11.5, 12.5, 9.5, 10.2];
  const y = x.map((v, i) => v + 5 + (i % 3) * 0.1);

  test('the shift is the median of all m × n differences; the bounds are the 24th smallest and largest for 10 and 10', () => {
    const s = hodgesLehmannShift(x, y);
    const d = y.flatMap((b) => x.map((a) => b - a)).sort((a, b) => a - b);
    expect(s.median).toBeCloseTo(((d[49] as number) + (d[50] as number)) / 2, 12);
    expect([s.low, s.high]).toEqual([d[23], d[76]]);
    expect(s.coverage).toBeCloseTo(1 - 2 * (mannWhitneyCdf(10, 10)[23] as number), 12);
    expect(s).toMatchObject({ n: 10, sizes: [10, 10], method: 'rank-sum' });
    expect(s.low).toBeLessThan(5);
    expect(s.high).toBeGreaterThan(5.2);
  });

  test('samples too small for 95 %: the min–max of the differences, with the coverage it reaches', () => {
    const s = hodgesLehmannShift([1, 2, 3], [4, 5, 6]);
    expect([s.low, s.high]).toEqual([1, 5]);
    expect(s.coverage).toBeCloseTo(1 - 2 / 20, 12);
    expect(hodgesLehmannShift([1], [2]).coverage).toBe(0);
    // 4 and 4: the min–max reaches 1 − 2/70 = 97.1 %.
    expect(hodgesLehmannShift([1, 2, 3, 4], [5, 6, 7, 8]).coverage).toBeCloseTo(1 - 2 / 70, 12);
  });

  test('the ratio is the shift of the logs, exponentiated: y = 3x gives 3, and the interval brackets it', () => {
    const r = hodgesLehmannRatio(
      x,
      x.map((v) => 3 * v),
    );
    expect(r.median).toBeCloseTo(3, 12);
    expect(r.low).toBeLessThan(3);
    expect(r.high).toBeGreaterThan(3);
    const d = x.flatMap((b) => x.map((a) => (3 * b) / a)).sort((a, b) => a - b);
    expect(r.low).toBeCloseTo(d[23] as number, 12);
    expect(r.high).toBeCloseTo(d[76] as number, 12);
    // Values that are not positive are left out.
    expect(
      hodgesLehmannRatio(
        [0, ...x],
        x.map((v) => 2 * v),
      ).sizes,
    ).toEqual([10, 10]);
  });

  test('depends on the values, not their order', () => {
    const shuffled = [...y].reverse();
    expect(hodgesLehmannShift([...x].sort(), shuffled)).toEqual(hodgesLehmannShift(x, y));
    expect(hodgesLehmannRatio([...x].reverse(), shuffled)).toEqual(hodgesLehmannRatio(x, y));
  });
});

describe('bootstrapMedians', () => {
  const a = [100, 104, 98, 101, 97, 103, 99, 102, 96, 100];
  const b = [50, 52, 49, 51, 48, 53, 50, 47, 52, 51];
  const c = [10, 11, 9, 10, 12, 10, 9, 11, 10, 10];
  const share = ([from, to, low]: readonly number[]) =>
    ((from as number) - (to as number)) / ((from as number) - (low as number));

  test("the value is f of the samples' medians; the interval brackets it; reproducible for a seed", () => {
    const r = bootstrapMedians([a, b, c], share, { resamples: 2000, seed: 3 });
    expect(r.value).toBeCloseTo((100 - 50.5) / (100 - 10), 12);
    expect(r.low).toBeLessThan(r.value);
    expect(r.high).toBeGreaterThan(r.value);
    expect(r).toMatchObject({ resamples: 2000, seed: 3, confidence: 0.95, undefinedResamples: 0 });
    expect(bootstrapMedians([a, b, c], share, { resamples: 2000, seed: 3 })).toEqual(r);
    expect(bootstrapMedians([a, b, c], share).resamples).toBe(4000);
  });

  test('depends on the values, not their order within a sample', () => {
    const r = bootstrapMedians([a, b, c], share, { seed: 5 });
    expect(bootstrapMedians([[...a].reverse(), [...b].sort(), [...c].reverse()], share, { seed: 5 })).toEqual(r);
  });

  test('counts the resamples where f is not finite and leaves them out', () => {
    const r = bootstrapMedians([[1, 2, 3], [2]], ([p, q]) => 1 / ((p as number) - (q as number)), { seed: 1 });
    expect(r.undefinedResamples).toBeGreaterThan(0);
    expect(r.undefinedResamples).toBeLessThan(r.resamples);
    expect(Number.isFinite(r.low)).toBe(true);
  });
});
