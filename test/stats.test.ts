import {
  bootstrapRatio,
  cpuCeilingRps,
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  latencySummaryMs,
  littleBoundRps,
  lockstepThroughputRps,
  median,
  medianInterval,
  mergeHistograms,
  pearson,
  percentile,
  predictedThroughputRps,
  ranks,
  recordMicros,
  spearman,
  summarize,
  tQuantile975,
} from '@casebook/stats';
import { describe, expect, test } from 'vitest';

const oneToHundred = Array.from({ length: 100 }, (_, i) => i + 1);

describe('percentile (R-7, linear interpolation)', () => {
  test('p50 of 1..100 is 50.5; p0 and p100 are the extremes', () => {
    expect(percentile(oneToHundred, 50)).toBe(50.5);
    expect(percentile(oneToHundred, 0)).toBe(1);
    expect(percentile(oneToHundred, 100)).toBe(100);
    expect(percentile(oneToHundred, 99)).toBeCloseTo(99.01, 10);
  });

  test('a single value is every percentile', () => {
    expect(percentile([7], 0)).toBe(7);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([7], 100)).toBe(7);
  });

  test('median sorts a copy and leaves the input untouched', () => {
    const input = [5, 1, 4, 2, 3];
    expect(median(input)).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(input).toEqual([5, 1, 4, 2, 3]);
  });

  test('refuses an empty sample and p outside 0..100', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1, 2], -1)).toThrow(RangeError);
    expect(() => percentile([1, 2], 101)).toThrow(RangeError);
    expect(() => percentile([1, 2], Number.NaN)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  test('median, min, max, mean and stdev of an unsorted sample', () => {
    const s = summarize([3, 1, 5, 2, 4]);
    expect(s.n).toBe(5);
    expect(s.median).toBe(3);
    expect(s.min).toBe(1);
    expect(s.max).toBe(5);
    expect(s.mean).toBe(3);
    expect(s.stdev).toBeCloseTo(Math.sqrt(2.5), 12);
    expect(s.relativeSpread).toBeCloseTo(4 / 3, 12);
  });

  test('ci95 is the order-statistics interval of the median (medianInterval), not mean ± t', () => {
    // n = 6: ranks (1, 6) cover 1 − 2/64 = 96.9 %, the only pair that reaches 95 %.
    const six = summarize([3, 1, 6, 5, 2, 4]);
    expect(six.ci95).toEqual([1, 6]);
    // n = 10: ranks (2, 9) cover 97.9 %, (3, 8) only 89.1 %.
    const ten = summarize([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);
    expect(ten.ci95).toEqual([2, 9]);
    const i = medianInterval([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);
    expect(ten.ci95).toEqual([i.low, i.high]);
    expect(ten.median).toBe(i.median);
  });

  test('ci95 is an interval for the median, which a skewed sample pulls the mean interval away from', () => {
    // One slow trial: the mean (29.9) and a mean ± t interval follow it; the median's interval does not.
    const s = summarize([10, 11, 12, 10, 11, 12, 11, 10, 12, 200]);
    expect(s.median).toBe(11);
    expect(s.ci95).toEqual([10, 12]);
    expect(s.mean).toBeGreaterThan((s.ci95 ?? [0, 0])[1]);
  });

  test('too few trials for a 95 % interval (n < 6): ci95 is null, not a 95 % that is not one', () => {
    expect(summarize([3, 1, 5, 2, 4]).ci95).toBeNull();
    const s = summarize([42]);
    expect(s).toMatchObject({ n: 1, median: 42, mean: 42, min: 42, max: 42, stdev: 0, relativeSpread: 0 });
    expect(s.ci95).toBeNull();
  });

  test('tQuantile975 (kept for callers that want a mean interval)', () => {
    expect(tQuantile975(4)).toBe(2.776);
    expect(tQuantile975(0)).toBeNaN();
    expect(tQuantile975(100)).toBe(1.96);
  });

  test('refuses an empty sample and non-finite values', () => {
    expect(() => summarize([])).toThrow(RangeError);
    expect(() => summarize([1, Number.NaN])).toThrow(RangeError);
    expect(() => summarize([1, Number.POSITIVE_INFINITY])).toThrow(RangeError);
  });
});

describe('bootstrapRatio', () => {
  const a = [100, 104, 98, 101, 97, 103, 99];
  const b = a.map((x) => 2 * x);

  test('is deterministic for the same seed', () => {
    const first = bootstrapRatio(a, b, { seed: 7, resamples: 500 });
    const second = bootstrapRatio(a, b, { seed: 7, resamples: 500 });
    expect(second).toEqual(first);
  });

  test('ratio is median(b)/median(a) = 2 when b = 2a, and the interval brackets it', () => {
    const r = bootstrapRatio(a, b, { seed: 3, resamples: 500 });
    expect(r.ratio).toBeCloseTo(2, 12);
    expect(r.low).toBeLessThanOrEqual(r.ratio);
    expect(r.high).toBeGreaterThanOrEqual(r.ratio);
    // Resampling within each side of 97..104 keeps every resampled ratio within [194/104, 208/97].
    expect(r.low).toBeGreaterThanOrEqual(194 / 104);
    expect(r.high).toBeLessThanOrEqual(208 / 97);
    expect(r).toMatchObject({ confidence: 0.95, resamples: 500, method: 'bootstrap-percentile' });
  });

  test('defaults: 2000 resamples at 95 %', () => {
    const r = bootstrapRatio([1, 2, 3], [2, 4, 6]);
    expect(r.resamples).toBe(2000);
    expect(r.confidence).toBe(0.95);
    expect(r.ratio).toBe(2);
  });

  test('refuses an empty side', () => {
    expect(() => bootstrapRatio([], [1])).toThrow(RangeError);
    expect(() => bootstrapRatio([1], [])).toThrow(RangeError);
  });
});

describe('correlation', () => {
  const x = [1, 2, 3, 4, 5, 6, 7, 8];

  test('spearman is +1 for monotone increasing data, even when non-linear', () => {
    const cubes = x.map((v) => v ** 3);
    const exponentials = x.map((v) => Math.exp(v));
    expect(spearman(x, cubes)).toBeCloseTo(1, 12);
    expect(spearman(x, exponentials)).toBeCloseTo(1, 12);
  });

  test('spearman is −1 for monotone decreasing data', () => {
    const negativeSquares = x.map((v) => -(v ** 2));
    const reciprocals = x.map((v) => 1 / v);
    expect(spearman(x, negativeSquares)).toBeCloseTo(-1, 12);
    expect(spearman(x, reciprocals)).toBeCloseTo(-1, 12);
  });

  test('ranks give ties their average rank', () => {
    expect(ranks([10, 20, 20, 30])).toEqual([1, 2.5, 2.5, 4]);
    expect(ranks([3, 1, 2])).toEqual([3, 1, 2]);
  });

  test('pearson refuses samples of different length or shorter than 2', () => {
    expect(() => pearson([1, 2], [1])).toThrow(RangeError);
    expect(() => pearson([1], [1])).toThrow(RangeError);
  });
});

describe('bounds', () => {
  test("Little's law: 10 in flight at 50 ms is at most 200 req/s", () => {
    expect(littleBoundRps(10, 50)).toBe(200);
    expect(littleBoundRps(0, 50)).toBe(Number.POSITIVE_INFINITY);
    expect(littleBoundRps(10, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  test('CPU ceiling: 100 µs per request is at most 10 000 req/s per core', () => {
    expect(cpuCeilingRps(100)).toBe(10_000);
    expect(cpuCeilingRps(100, 2)).toBe(20_000);
    expect(cpuCeilingRps(0)).toBe(Number.POSITIVE_INFINITY);
  });

  test('predicted throughput is the lower of the two bounds', () => {
    expect(predictedThroughputRps({ inFlight: 10, latencyMs: 50, cpuMicrosPerRequest: 100 })).toBe(200);
    expect(predictedThroughputRps({ inFlight: 1000, latencyMs: 1, cpuMicrosPerRequest: 100 })).toBe(10_000);
  });

  test('lockstep throughput: inFlight / (latency + inFlight × cpu), never above the predicted bound', () => {
    const input = { inFlight: 10, latencyMs: 50, cpuMicrosPerRequest: 100 };
    expect(lockstepThroughputRps(input)).toBeCloseTo(10_000 / 51, 9);
    expect(lockstepThroughputRps(input)).toBeLessThanOrEqual(predictedThroughputRps(input));
    expect(lockstepThroughputRps({ inFlight: 10, latencyMs: 50, cpuMicrosPerRequest: 0 })).toBe(200);
    // CPU-bound lockstep: 100 in flight, no wait, 100 µs each → the CPU ceiling exactly.
    expect(lockstepThroughputRps({ inFlight: 100, latencyMs: 0, cpuMicrosPerRequest: 100 })).toBeCloseTo(10_000, 9);
    expect(lockstepThroughputRps({ inFlight: 0, latencyMs: 0, cpuMicrosPerRequest: 0 })).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('HDR latency histograms', () => {
  test('record → encode → merge → summarize round-trips counts and percentiles', () => {
    const first = createLatencyHistogram();
    const second = createLatencyHistogram();
    for (let us = 1000; us < 2000; us++) recordMicros(first, us);
    for (let us = 2000; us < 3000; us++) recordMicros(second, us);
    const encoded = [encodeHistogram(first), encodeHistogram(second)];
    for (const e of encoded) expect(typeof e).toBe('string');

    expect(decodeHistogram(encoded[0] as string).totalCount).toBe(1000);
    const merged = mergeHistograms(encoded);
    expect(merged.totalCount).toBe(2000);

    const s = latencySummaryMs(merged);
    expect(s.count).toBe(2000);
    // Exact p50 of 1000..2999 µs is ~2.0 ms; HDR with 3 significant digits is within 0.1 %, we allow 1 %.
    expect(Math.abs(s.p50 - 2.0) / 2.0).toBeLessThan(0.01);
    expect(Math.abs(s.p99 - 2.98) / 2.98).toBeLessThan(0.01);
    expect(Math.abs(s.meanMs - 2.0) / 2.0).toBeLessThan(0.01);
    expect(s.minMs).toBeCloseTo(1.0, 2);
    expect(Math.abs(s.maxMs - 2.999) / 2.999).toBeLessThan(0.01);
    expect(s.p50).toBeLessThanOrEqual(s.p90);
    expect(s.p90).toBeLessThanOrEqual(s.p99);
    expect(s.p99).toBeLessThanOrEqual(s.p999);
    expect(s.p999).toBeLessThanOrEqual(s.maxMs);
  });

  test('a long stall is kept (auto-resize) and sub-microsecond values clamp to 1 µs', () => {
    const h = createLatencyHistogram();
    recordMicros(h, 0);
    recordMicros(h, 0.2);
    recordMicros(h, 30_000_000); // 30 s
    expect(h.totalCount).toBe(3);
    expect(h.minNonZeroValue).toBe(1);
    const s = latencySummaryMs(mergeHistograms([encodeHistogram(h)]));
    expect(s.count).toBe(3);
    expect(Math.abs(s.maxMs - 30_000) / 30_000).toBeLessThan(0.01);
  });

  test('an empty histogram summarizes to zeros; merging nothing is empty', () => {
    expect(latencySummaryMs(createLatencyHistogram())).toEqual({
      count: 0,
      meanMs: 0,
      p50: 0,
      p90: 0,
      p99: 0,
      p999: 0,
      maxMs: 0,
      minMs: 0,
    });
    expect(mergeHistograms([]).totalCount).toBe(0);
  });
});
