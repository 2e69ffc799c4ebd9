/**
 * A failure rate whose unit is the burst, not the request. In a keep-alive race the requests of one burst share one
 * idle gap, one pool state and one moment of the server's close: they fail together or not at all, so treating the
 * 128 requests of a burst as 128 independent trials (a binomial interval) makes one lucky or unlucky burst look like
 * strong evidence. Here each burst contributes one number, its failure fraction, and the interval is Student's t
 * interval of the mean fraction over bursts (clipped to [0, 1]). With fewer than MIN_BURSTS bursts the interval is
 * NaN, which every claim records as unresolved.
 *
 * With every burst clean (or every burst failing the same share) the t interval is a point: that is what the data say
 * at the burst level, and it is why the notebook's "safe" claims also require a positive control that failed in the
 * same rounds (keepalive-races.ts).
 */

/** Bursts below this decide nothing: the issue asks for ≥ 10 bursts per gap cell, and t with 9 df is still wide. */
export const MIN_BURSTS = 10;

export interface BurstInterval {
  /** Mean of the per-burst failure fractions (NaN with no bursts). */
  rate: number;
  low: number;
  high: number;
  /** Bursts (the unit), and requests and failures over all of them (shown, not used for the interval). */
  bursts: number;
  requests: number;
  failures: number;
}

/** Two-sided 95 % Student t quantiles (0.975) for 1…30 degrees of freedom; past 30 the normal's 1.96 is within 3 %. */
const T_975: readonly number[] = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];
const NORMAL_975 = 1.96;

function tQuantile975(df: number): number {
  return T_975[df - 1] ?? NORMAL_975;
}

/** One burst: its failures out of its requests. */
export interface BurstCount {
  failures: number;
  requests: number;
}

/**
 * The t interval (95 %) of the mean per-unit failure fraction (a unit is a burst, or a client process); NaN bounds
 * below `minUnits` units (MIN_BURSTS by default).
 */
export function burstInterval(bursts: readonly BurstCount[], minUnits: number = MIN_BURSTS): BurstInterval {
  const used = bursts.filter((b) => b.requests > 0);
  const fractions = used.map((b) => b.failures / b.requests);
  const k = fractions.length;
  const requests = used.reduce((s, b) => s + b.requests, 0);
  const failures = used.reduce((s, b) => s + b.failures, 0);
  const rate = k === 0 ? Number.NaN : fractions.reduce((s, f) => s + f, 0) / k;
  if (k < minUnits) return { rate, low: Number.NaN, high: Number.NaN, bursts: k, requests, failures };
  const variance = fractions.reduce((s, f) => s + (f - rate) ** 2, 0) / (k - 1);
  const half = tQuantile975(k - 1) * Math.sqrt(variance / k);
  return {
    rate,
    low: Math.max(0, rate - half),
    high: Math.min(1, rate + half),
    bursts: k,
    requests,
    failures,
  };
}
