import { percentile, sortedCopy } from './percentile';

/** Small deterministic PRNG (mulberry32) so bootstrap intervals are reproducible for the same input. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface RatioInterval {
  /** median(b) / median(a) */
  ratio: number;
  low: number;
  high: number;
  confidence: number;
  resamples: number;
  method: 'bootstrap-percentile';
}

function resampleMedian(values: readonly number[], rnd: () => number): number {
  const sample = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) sample[i] = values[Math.floor(rnd() * values.length)] as number;
  return percentile(sortedCopy(sample), 50);
}

/**
 * Percentile-bootstrap confidence interval for median(b) / median(a), resampling trials within each side.
 * With few trials the interval is wide — which is the honest answer.
 */
export function bootstrapRatio(
  a: readonly number[],
  b: readonly number[],
  options: { resamples?: number; confidence?: number; seed?: number } = {},
): RatioInterval {
  if (a.length === 0 || b.length === 0) throw new RangeError('bootstrapRatio: both samples need at least one value');
  const resamples = options.resamples ?? 2000;
  const confidence = options.confidence ?? 0.95;
  const rnd = seededRandom(options.seed ?? 1);
  const ratios: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const ma = resampleMedian(a, rnd);
    const mb = resampleMedian(b, rnd);
    if (ma !== 0) ratios.push(mb / ma);
  }
  const sorted = sortedCopy(ratios);
  const alpha = (1 - confidence) / 2;
  const ma = percentile(sortedCopy(a), 50);
  const mb = percentile(sortedCopy(b), 50);
  return {
    ratio: ma === 0 ? Number.NaN : mb / ma,
    low: sorted.length ? percentile(sorted, alpha * 100) : Number.NaN,
    high: sorted.length ? percentile(sorted, (1 - alpha) * 100) : Number.NaN,
    confidence,
    resamples,
    method: 'bootstrap-percentile',
  };
}

export interface MediansBootstrap {
  /** f of the samples' own medians. */
  value: number;
  low: number;
  high: number;
  confidence: number;
  resamples: number;
  /** Resamples in which f was not finite (a denominator at or below 0): left out of the percentiles. */
  undefinedResamples: number;
  seed: number;
  method: 'bootstrap-percentile';
}

/**
 * Percentile bootstrap of a statistic of several INDEPENDENT samples' medians (e.g. a share of a gap, (a − b) ÷
 * (c − d), each letter a sample): every resample draws each sample's values with replacement, independently of the
 * others and of any order, and applies f to the resampled medians; the interval is the (1 − confidence) / 2 and
 * (1 + confidence) / 2 percentiles of the resampled statistics (Efron & Tibshirani 1993, ch. 13). Each sample is
 * sorted before it is drawn from, so the result is a function of the values alone (the same whatever their order) and
 * reproducible for a seed. Resamples where f is not finite are left out and counted (`undefinedResamples`); the caller
 * decides whether that many leaves an interval.
 */
export function bootstrapMedians(
  samples: readonly (readonly number[])[],
  f: (medians: readonly number[]) => number,
  options: { resamples?: number; confidence?: number; seed?: number } = {},
): MediansBootstrap {
  if (samples.some((s) => s.length === 0)) throw new RangeError('bootstrapMedians: every sample needs a value');
  const resamples = options.resamples ?? 4000;
  const confidence = options.confidence ?? 0.95;
  const seed = options.seed ?? 1;
  const rnd = seededRandom(seed);
  const sorted = samples.map(sortedCopy);
  const stats: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const x = f(sorted.map((s) => resampleMedian(s, rnd)));
    if (Number.isFinite(x)) stats.push(x);
  }
  return {
    value: f(sorted.map((s) => percentile(s, 50))),
    ...percentileBounds(stats, confidence),
    confidence,
    resamples,
    undefinedResamples: resamples - stats.length,
    seed,
    method: 'bootstrap-percentile',
  };
}

export interface HierarchicalBootstrap extends MediansBootstrap {
  /** Processes (top-level units) in each sample, in the order of `samples`. */
  processes: number[];
  method: 'bootstrap-percentile';
}

/**
 * Percentile bootstrap of a statistic of several INDEPENDENT two-level samples' medians: each sample is a list of
 * processes (units run apart, each a list of batches). Every resample draws, for each sample independently, as many
 * processes as it has, with replacement, and then, within each process drawn, as many batches as that process has,
 * with replacement; the sample's resampled median is the median of all the batches drawn, and f is applied to those
 * medians (Davison & Hinkley 1997, §3.8: resampling the top level carries the variation between processes, the second
 * level the batch noise inside each). `value` is f of the medians of each sample's pooled batches. Percentile interval
 * at `confidence`; resamples where f is not finite are left out and counted. Each process's batches are sorted and the
 * processes put in a canonical order before drawing, so the result depends on the values alone. With few processes the
 * top level sees few distinct resamples (3 processes: 10 multisets) and underestimates the variance between them by
 * about (R − 1) / R: the coverage is nominal, and below it when the processes differ more than their batches do.
 */
export function hierarchicalBootstrapMedians(
  samples: readonly (readonly (readonly number[])[])[],
  f: (medians: readonly number[]) => number,
  options: { resamples?: number; confidence?: number; seed?: number } = {},
): HierarchicalBootstrap {
  if (samples.some((s) => s.length === 0 || s.some((p) => p.length === 0)))
    throw new RangeError('hierarchicalBootstrapMedians: every sample needs a process, every process a value');
  const resamples = options.resamples ?? 4000;
  const confidence = options.confidence ?? 0.95;
  const seed = options.seed ?? 1;
  const rnd = seededRandom(seed);
  const canonical = (a: readonly number[], b: readonly number[]): number => {
    for (let i = 0; i < Math.min(a.length, b.length); i++)
      if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
    return a.length - b.length;
  };
  const sorted = samples.map((s) => s.map(sortedCopy).sort(canonical));
  const stats: number[] = [];
  for (let i = 0; i < resamples; i++) {
    const medians = sorted.map((processes) => {
      const drawn: number[] = [];
      for (let p = 0; p < processes.length; p++) {
        const batches = processes[Math.floor(rnd() * processes.length)] as number[];
        for (let b = 0; b < batches.length; b++) drawn.push(batches[Math.floor(rnd() * batches.length)] as number);
      }
      return percentile(sortedCopy(drawn), 50);
    });
    const x = f(medians);
    if (Number.isFinite(x)) stats.push(x);
  }
  return {
    value: f(sorted.map((processes) => percentile(sortedCopy(processes.flat()), 50))),
    ...percentileBounds(stats, confidence),
    confidence,
    resamples,
    undefinedResamples: resamples - stats.length,
    seed,
    processes: samples.map((s) => s.length),
    method: 'bootstrap-percentile',
  };
}

/** The percentile interval of a bootstrap's finite resampled statistics at `confidence` (NaN bounds when none). */
function percentileBounds(stats: readonly number[], confidence: number): { low: number; high: number } {
  const alpha = (1 - confidence) / 2;
  const ordered = sortedCopy(stats);
  return {
    low: ordered.length ? percentile(ordered, alpha * 100) : Number.NaN,
    high: ordered.length ? percentile(ordered, (1 - alpha) * 100) : Number.NaN,
  };
}
