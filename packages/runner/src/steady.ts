import { median } from '@casebook/stats';

/**
 * When is a load steady? Warm-up ends when the last `windows` windows agree: their throughputs lie within
 * `throughputTolerance` of each other (range ÷ median), and the rate of new connections is stable — not necessarily
 * zero (node:http-based clients and undici keep opening sockets under some loads, which is itself a result), but its
 * range over those windows is within `connectionSlack` connections or `connectionTolerance` of its median, whichever
 * is larger. A warm-up that never passes stops at the maximum and the block is recorded as not steady.
 */
export interface SteadinessRule {
  windows: number;
  throughputTolerance: number;
  connectionTolerance: number;
  connectionSlack: number;
  /** Warm-up never ends before this (V8 tiers up and pools fill over seconds, not requests). */
  minWarmupMs: number;
  maxWarmupMs: number;
  /**
   * Warm-up never ends before this many requests ended (answered or failed) since the block started; absent or 0: no
   * such minimum (every study before seed-18581e19). Set per study before a run, for clients that complete a cycle of
   * their lanes slowly: httpcore 1.0.x at 512 lanes runs at ~20 req/s, so warm-up ended before each lane had completed
   * one request, every measured request had been sent at the block's start, and its p50 (~20 s) was the block's age.
   * A minimum of one request per lane (the concurrency) makes the measured windows follow a full cycle.
   */
  minWarmupRequests?: number;
  /**
   * The measured phase keeps adding windows beyond windowsPerBlock until at least this many requests ended in its
   * measured windows (blocks.ts), for at most `maxWarmupMs` of measured time; a block that stops short of it is
   * recorded not steady, with the reason. Absent or 0: exactly windowsPerBlock windows (the behaviour before).
   */
  minMeasuredRequests?: number;
}

/**
 * Defaults, measured on the lab's 2-core machines: 0.5 s windows of one client at 512 in flight vary by about 5–10 %
 * once warm, and a cold start runs at 0.57–0.74× of warm, so a 15 % range over three windows separates the two.
 */
export const DEFAULT_STEADINESS: SteadinessRule = {
  windows: 3,
  throughputTolerance: 0.15,
  connectionTolerance: 0.25,
  connectionSlack: 2,
  minWarmupMs: 1500,
  maxWarmupMs: 15_000,
  minWarmupRequests: 0,
  minMeasuredRequests: 0,
};

export interface WindowSignal {
  throughputRps: number;
  newConnections: number;
  durationMs: number;
  /** Requests that ended in the window: answered plus failed. */
  requests: number;
}

export interface Steadiness {
  steady: boolean;
  /** Range ÷ median of the last windows' throughput (null before there are enough windows). */
  throughputRange: number | null;
  connectionRange: number | null;
  reason: string;
}

export function steadiness(windows: readonly WindowSignal[], rule: SteadinessRule): Steadiness {
  const elapsedMs = windows.reduce((s, w) => s + w.durationMs, 0);
  if (windows.length < rule.windows)
    return {
      steady: false,
      throughputRange: null,
      connectionRange: null,
      reason: `fewer than ${rule.windows} windows`,
    };
  const last = windows.slice(-rule.windows);
  const rps = last.map((w) => w.throughputRps);
  const conns = last.map((w) => w.newConnections);
  const mid = median(rps);
  const spread = Math.max(...rps) - Math.min(...rps);
  // A load that completes nothing (every request failing) is steady at zero, not infinitely unsteady.
  const throughputRange = mid > 0 ? spread / mid : spread === 0 ? 0 : Number.POSITIVE_INFINITY;
  const connectionRange = Math.max(...conns) - Math.min(...conns);
  const connectionLimit = Math.max(rule.connectionSlack, rule.connectionTolerance * median(conns));
  if (throughputRange > rule.throughputTolerance)
    return { steady: false, throughputRange, connectionRange, reason: 'throughput still moving' };
  if (connectionRange > connectionLimit)
    return { steady: false, throughputRange, connectionRange, reason: 'connection rate still moving' };
  if (elapsedMs < rule.minWarmupMs)
    return { steady: false, throughputRange, connectionRange, reason: `under the ${rule.minWarmupMs} ms minimum` };
  const minRequests = rule.minWarmupRequests ?? 0;
  if (minRequests > 0 && windows.reduce((n, w) => n + w.requests, 0) < minRequests)
    return { steady: false, throughputRange, connectionRange, reason: `under the ${minRequests}-request minimum` };
  return { steady: true, throughputRange, connectionRange, reason: 'steady' };
}
