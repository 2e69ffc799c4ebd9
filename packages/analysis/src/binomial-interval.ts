/**
 * The exact (Clopper–Pearson) 95 % interval of a binomial proportion: failures out of requests. Exact rather than a
 * normal approximation because the rates that matter here are at or near zero ("no request fails"), where Wald
 * intervals collapse to [0, 0] and Wilson's undercovers; the exact interval never covers less than 95 %. With zero
 * failures in n its upper end is 1 − 0.025^(1/n): 368 requests are needed before it drops below 1 %.
 */

export interface BinomialInterval {
  /** The observed proportion k / n (NaN when n is 0). */
  rate: number;
  low: number;
  high: number;
  k: number;
  n: number;
}

/** P(X ≤ k) for X ~ Binomial(n, p), summed in log space term by term. */
function cdf(k: number, n: number, p: number): number {
  if (p <= 0) return 1;
  if (p >= 1) return k >= n ? 1 : 0;
  let sum = 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let lc = 0; // ln C(n, 0)
  for (let i = 0; i <= k; i++) {
    if (i > 0) lc += Math.log(n - i + 1) - Math.log(i);
    sum += Math.exp(lc + i * lp + (n - i) * lq);
  }
  return Math.min(1, sum);
}

/** P(X ≥ k) for X ~ Binomial(n, p): the one-sided tail of 07's excess rule (version-sweep.ts movementExcess). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  return Math.min(1, Math.max(0, 1 - cdf(k - 1, n, p)));
}

/** The p in [0, 1] where a decreasing function of p crosses `target`, by bisection. */
function solveDecreasing(f: (p: number) => number, target: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (f(mid) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Clopper–Pearson interval for k successes in n trials at `confidence` (default 0.95). */
export function binomialInterval(k: number, n: number, confidence = 0.95): BinomialInterval {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be an integer ≥ 0, got ${n}`);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new RangeError(`k must be an integer from 0 to n (${n}), got ${k}`);
  if (n === 0) return { rate: Number.NaN, low: 0, high: 1, k, n };
  const alpha = (1 - confidence) / 2;
  // Lower end: P(X ≥ k | p) = alpha, i.e. P(X ≤ k − 1 | p) = 1 − alpha (decreasing in p).
  const low = k === 0 ? 0 : solveDecreasing((p) => cdf(k - 1, n, p), 1 - alpha);
  // Upper end: P(X ≤ k | p) = alpha (decreasing in p).
  const high = k === n ? 1 : solveDecreasing((p) => cdf(k, n, p), alpha);
  return { rate: k / n, low, high, k, n };
}
