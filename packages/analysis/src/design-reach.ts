import { medianInterval } from '@casebook/stats';
import { type RoundMeasurement, type RoundMetric, roundValues } from './round-metrics';
import type { Threshold } from './verdicts';

/**
 * Whether a claim can be decided by the design that measures it (stated before the run after versions-33c58fd8, from
 * the spread of earlier committed runs: a power calculation, not a reading of the run it is applied to). A claim is
 * decided by the order-statistics interval of a median of per-round ratios; how wide that interval comes out depends on
 * the rounds and on how much the per-round ratio scatters. With the per-round log ratio's standard deviation σ (read
 * from earlier runs of the same comparison), the interval's expected ends at n rounds are the expected order
 * statistics it takes (Blom's approximation for normal scatter: the j-th of n at σ · Φ⁻¹((j − 0.375) / (n + 0.25))),
 * so its expected half-width on the log scale is σ · Φ⁻¹((n − j + 1 − 0.375) / (n + 0.25)), j the lower index
 * `medianInterval` takes at n. A band on both sides (parity: 0.9–1.1) can hold only when an interval centred on 1 (the
 * claim's own hypothesis) fits inside it: half-width below min(ln b, −ln a). A one-sided bound can always be decided by
 * a large enough difference; its reach is the smallest ratio that could hold. Tested in test/analysis-design-reach.test.ts.
 */

/** Φ⁻¹(p), the standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const poly = (k: readonly number[], x: number) => k.reduce((acc, v) => acc * x + v, 0);
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -poly(c, q) / (poly(d, q) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

/**
 * The expected half-width, on the log scale, of the order-statistics interval (≥ 95 % coverage) of a median of `n`
 * per-round log ratios scattered with standard deviation `sigma`; Infinity below 6 rounds (no 95 % interval).
 */
export function expectedLogHalfWidth(sigma: number, n: number): number {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`expectedLogHalfWidth: n must be a positive integer, got ${n}`);
  const interval = medianInterval(Array.from({ length: n }, (_, i) => i + 1));
  if (interval.coverage < 0.95) return Number.POSITIVE_INFINITY;
  const j = interval.low;
  return sigma * normalQuantile((n - j + 1 - 0.375) / (n + 0.25));
}

/** The standard deviation of a comparison's per-round log ratio (`b` / `a`, rounds both ran), with its rounds. */
export function logRatioSpread(
  a: RoundMeasurement,
  b: RoundMeasurement,
  metric: RoundMetric,
): { rounds: number; sd: number } | null {
  const va = roundValues(a, metric);
  const vb = roundValues(b, metric);
  const logs: number[] = [];
  for (const [round, x] of va) {
    const y = vb.get(round);
    if (y !== undefined && x > 0 && y > 0) logs.push(Math.log(y / x));
  }
  if (logs.length < 2) return null;
  const mean = logs.reduce((s, x) => s + x, 0) / logs.length;
  const sd = Math.sqrt(logs.reduce((s, x) => s + (x - mean) ** 2, 0) / (logs.length - 1));
  return { rounds: logs.length, sd };
}

/** Several runs' spreads of one comparison pooled: √(Σ (nᵢ − 1) sdᵢ² / Σ (nᵢ − 1)); null with none. */
export function pooledSpread(spreads: readonly ({ rounds: number; sd: number } | null)[]): number | null {
  const xs = spreads.filter((s): s is { rounds: number; sd: number } => s !== null && s.rounds >= 2);
  const df = xs.reduce((n, s) => n + s.rounds - 1, 0);
  if (df === 0) return null;
  return Math.sqrt(xs.reduce((n, s) => n + (s.rounds - 1) * s.sd ** 2, 0) / df);
}

/** What a design can decide about one claim (see the module's comment). */
export interface DesignReach {
  /** An interval can come out on either side of the claim's threshold at the design's rounds. */
  decidable: boolean;
  /** The design's rounds (the most it runs). */
  rounds: number;
  /** The per-round log ratio's standard deviation it was computed from (earlier runs). */
  sigma: number;
  /** Expected interval at the design's rounds, as a factor either way (×/÷ 1.39). */
  reachFactor: number;
  /** Rounds needed for the claim to be decidable (null: more than `maxRounds` checked, or not needed). */
  roundsNeeded: number | null;
  /** One line: "6 rounds reach about ×/÷1.39 (σ 0.26 per round); a ±10 % band needs about 45 rounds". */
  text: string;
}

const MAX_ROUNDS_CHECKED = 2000;

/**
 * Whether a claim with `threshold` on a ratio can be decided at `rounds` rounds given per-round log-ratio spread
 * `sigma` from earlier runs: a band on both sides is decidable when the expected interval at a ratio of 1 fits inside
 * it (otherwise it can only fail or stay unresolved: "cannot decide at this design (about N rounds needed)"); a
 * one-sided bound is decidable (its text says the smallest ratio beyond the bound that could hold).
 */
export function designReach(input: { sigma: number; rounds: number; threshold: Threshold }): DesignReach {
  const { sigma, rounds, threshold: t } = input;
  if (!(Number.isFinite(sigma) && sigma >= 0)) throw new RangeError(`designReach: sigma must be ≥ 0, got ${sigma}`);
  const h = expectedLogHalfWidth(sigma, rounds);
  const reachFactor = Math.exp(h);
  const f2 = (x: number) => x.toFixed(2);
  const head = `${rounds} rounds reach about ×/÷${Number.isFinite(reachFactor) ? f2(reachFactor) : '∞'} (per-round log-ratio SD ${f2(sigma)} in earlier runs)`;
  if (t.above === undefined || t.below === undefined) {
    const bound = t.above ?? t.below;
    if (bound === undefined) throw new RangeError('designReach: a threshold needs above or below');
    const reach = t.above !== undefined ? bound * reachFactor : bound / reachFactor;
    return {
      decidable: Number.isFinite(h),
      rounds,
      sigma,
      reachFactor,
      roundsNeeded: null,
      text: `${head}: a one-sided bound, decidable; it can hold from a ratio ${t.above !== undefined ? 'above' : 'below'} about ${f2(reach)}`,
    };
  }
  const limit = Math.min(Math.log(t.below), -Math.log(t.above));
  const decidable = limit > 0 && h < limit;
  let roundsNeeded: number | null = null;
  if (!decidable && limit > 0)
    for (let n = Math.max(6, rounds); n <= MAX_ROUNDS_CHECKED; n++)
      if (expectedLogHalfWidth(sigma, n) < limit) {
        roundsNeeded = n;
        break;
      }
  const band = `the band ${t.above}–${t.below}`;
  return {
    decidable,
    rounds,
    sigma,
    reachFactor,
    roundsNeeded,
    text: decidable
      ? `${head}: inside ${band}, decidable`
      : `${head}, wider than ${band}: cannot decide at this design (${roundsNeeded === null ? `more than ${MAX_ROUNDS_CHECKED}` : `about ${roundsNeeded}`} rounds needed)`,
  };
}
