import { type MedianInterval, medianInterval, pairedRatio } from '@casebook/stats';
import { type BlockQuantities, type InterleavedMeasurement, ratioOf } from './interleaved';
import { countClaim, type Evidence, quantityClaim, sanityCheck, type Threshold, type VerdictData } from './verdicts';

/**
 * The checks of the 512-at-once case study, as functions of its records (tested on both sides in
 * test/analysis-at-once.test.ts). Thresholds are arguments: the notebook states them in the claim's text before
 * the measurement runs.
 */

export interface WarmupPoint {
  block: number;
  index: number;
  newConnections: number;
  peakOpenConnections?: number;
}

/** What these checks read from a bench record (structural, so live records and records read back both fit). */
export interface AtOnceMeasurement extends InterleavedMeasurement {
  target: { peakInFlight: number; peakOpenConnections: number };
  method?: { blocks: readonly BlockQuantities[]; warmupCurve: readonly WarmupPoint[] } | undefined;
}

/** Combine per-client outcomes: holds if all hold, fails if any fails, otherwise (or with none) unresolved. */
export function allOf(
  parts: readonly VerdictData[],
  input: { id: string; claim: string; evidence?: Evidence },
): VerdictData {
  const evidence: Evidence = { ...(input.evidence ?? {}) };
  for (const p of parts) {
    evidence[p.id] = p.statistic
      ? `${p.outcome} (${Number(p.statistic.value.toPrecision(3))}${p.statistic.ci95 ? `, CI ${Number(p.statistic.ci95[0].toPrecision(3))}–${Number(p.statistic.ci95[1].toPrecision(3))}` : ''})`
      : p.outcome;
  }
  const outcome = parts.some((p) => p.outcome === 'fails')
    ? 'fails'
    : parts.length > 0 && parts.every((p) => p.outcome === 'holds')
      ? 'holds'
      : 'unresolved';
  return outcome === 'holds'
    ? { id: input.id, claim: input.claim, kind: 'claim', outcome, holds: true, evidence }
    : { id: input.id, claim: input.claim, kind: 'claim', outcome, holds: false, evidence };
}

/** One-core CPU ceiling per round: 10⁶ / (CPU µs per request) of each block. */
function ceilingPerRound(m: InterleavedMeasurement): Map<number, number> {
  return new Map(
    (m.method?.blocks ?? []).map((b) => [b.round, b.cpuMicrosPerRequest > 0 ? 1e6 / b.cpuMicrosPerRequest : 0]),
  );
}

/**
 * Does CPU per request measured at a lower concurrency predict throughput at a higher one? Per round (both measured
 * in the same interleaved run): throughput at high ÷ (10⁶ / CPU µs per request at low). A client bound by its own
 * per-request CPU lands near 1; one whose per-request cost grows with concurrency, or that is not CPU-bound, does not.
 */
export function cpuPrediction(low: InterleavedMeasurement, high: InterleavedMeasurement): MedianInterval {
  const ceiling = ceilingPerRound(low);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const b of high.method?.blocks ?? []) {
    const c = ceiling.get(b.round);
    if (c === undefined || c <= 0) continue;
    xs.push(c);
    ys.push(b.throughputRps);
  }
  return pairedRatio(xs, ys);
}

export function cpuPredictsThroughput(
  pairs: readonly { client: string; low: InterleavedMeasurement; high: InterleavedMeasurement }[],
  band: Required<Threshold>,
  text: { id: string; claim: string },
): VerdictData {
  const usable = pairs.filter((p) => (p.high.guards?.rankable ?? true) && (p.low.guards?.rankable ?? true));
  const excluded = pairs.filter((p) => !usable.includes(p)).map((p) => p.client);
  const parts = usable.map((p) =>
    quantityClaim({
      id: p.client,
      claim: p.client,
      statistic: 'measured ÷ predicted throughput',
      interval: cpuPrediction(p.low, p.high),
      threshold: band,
    }),
  );
  return allOf(parts, { ...text, evidence: { excludedFlagged: excluded.join(', ') || 'none' } });
}

/**
 * No pool holds requests back: over HTTP/1.1 without pipelining, `concurrency` requests in flight need that many
 * sockets, so a pool capped below it would show a lower peak of open sockets at the target.
 */
export function poolNotLimit(
  records: readonly AtOnceMeasurement[],
  concurrency: number,
  text: { id: string; claim: string },
): VerdictData {
  return countClaim({
    ...text,
    holds: records.length > 0 && records.every((r) => peakOpenSockets(r) >= concurrency),
    evidence: Object.fromEntries(records.map((r) => [r.client.name, peakOpenSockets(r)])),
  });
}

/** Little's law for a closed loop: C lanes that each wait ≥ L cannot exceed C / L. Enforced by the harness: sanity. */
export function littleBoundSanity(
  records: readonly InterleavedMeasurement[],
  concurrency: number,
  latencyMs: number,
): VerdictData {
  const bound = (concurrency * 1000) / latencyMs;
  const worst = Math.max(0, ...records.flatMap((r) => (r.method?.blocks ?? []).map((b) => b.throughputRps)));
  return sanityCheck({
    id: 'little-bound',
    claim: `No block exceeds Little's bound C / L = ${Math.round(bound)} req/s (2 % for timer granularity): a property of the closed loop, shown to check the harness.`,
    holds: worst <= bound * 1.02,
    evidence: { boundRps: bound, maxBlockRps: worst },
  });
}

/** The largest number of sockets any window (warm-up included) saw open at the target. */
export function peakOpenSockets(r: AtOnceMeasurement): number {
  const warm = (r.method?.warmupCurve ?? []).map((w) => w.peakOpenConnections ?? 0);
  return Math.max(r.target.peakOpenConnections, ...warm);
}

/** undici's unlimited pool opens more sockets than it has requests in flight (peak open at the target > C). */
export function moreSocketsThanInFlight(
  records: readonly AtOnceMeasurement[],
  concurrency: number,
  text: { id: string; claim: string },
): VerdictData {
  return countClaim({
    ...text,
    holds: records.length > 0 && records.every((r) => peakOpenSockets(r) > concurrency),
    evidence: Object.fromEntries(records.map((r) => [r.client.name, peakOpenSockets(r)])),
  });
}

/**
 * node:http's Agent keeps at most maxFreeSockets idle sockets: when a block pauses, all C become free and C −
 * maxFreeSockets are destroyed; the rest stay unless the Agent's idle timeout runs out during the pause. So the next
 * block's first window reopens C − maxFreeSockets after a pause shorter than the idle timeout (or with none), and all C
 * after a longer one.
 */
export function reopensAfterPause(r: AtOnceMeasurement): number[] {
  return pausesAndReopens(r).map((p) => p.reopened);
}

function pausesAndReopens(r: AtOnceMeasurement): { pauseMs: number; reopened: number }[] {
  const curve = r.method?.warmupCurve ?? [];
  const blocks = [...(r.method?.blocks ?? [])].sort((a, b) => a.round - b.round);
  return blocks.slice(1).map((b, i) => {
    const previous = blocks[i] as BlockQuantities;
    const first = curve.filter((w) => w.block === b.round).sort((x, y) => x.index - y.index)[0];
    return { pauseMs: (b.startMs ?? 0) - (previous.endMs ?? 0), reopened: first?.newConnections ?? 0 };
  });
}

/**
 * Node's Agent: the socket timeout after a response is the Agent's `timeout`, lowered (never raised) to the server's
 * `Keep-Alive: timeout=N` hint minus 1 s; 0 means no idle timeout (_http_agent.js keepSocketAlive).
 */
export function agentIdleTimeoutMs(agentTimeoutMs: number | null, hintSeconds: number | null, bufferMs = 1000): number {
  const agent = agentTimeoutMs ?? 0;
  if (hintSeconds === null) return agent;
  const hinted = Math.max(0, hintSeconds * 1000 - bufferMs);
  return hinted > 0 && hinted < agent ? hinted : agent;
}

export function agentReopens(
  r: AtOnceMeasurement,
  concurrency: number,
  agent: { maxFreeSockets: number; idleTimeoutMs: number },
  text: { id: string; claim: string },
): VerdictData {
  const seen = pausesAndReopens(r);
  const expected = (pauseMs: number) =>
    agent.idleTimeoutMs > 0 && pauseMs > agent.idleTimeoutMs ? concurrency : concurrency - agent.maxFreeSockets;
  return countClaim({
    ...text,
    holds: seen.length > 0 && seen.every((p) => p.reopened === expected(p.pauseMs)),
    evidence: {
      idleTimeoutMs: agent.idleTimeoutMs,
      maxFreeSockets: agent.maxFreeSockets,
      blocks: seen.length,
      reopened: seen.map((p) => p.reopened).join(', '),
      expected: seen.map((p) => expected(p.pauseMs)).join(', '),
      shortestPauseMs: Math.round(Math.min(...seen.map((p) => p.pauseMs))),
    },
  });
}

/**
 * With think-time L, a client whose one-core ceiling (from its CPU per request at 0 ms) is at least `headroom` × C/L
 * has the CPU to reach the bound: its throughput at L should be at least `share` × C/L (per-round interval).
 */
export function reachesBound(
  pairs: readonly { client: string; atZero: InterleavedMeasurement; atL: InterleavedMeasurement }[],
  concurrency: number,
  latencyMs: number,
  limits: { headroom: number; share: number },
  text: { id: string; claim: string },
): { verdict: VerdictData; eligible: string[]; notTested: string[] } {
  const bound = (concurrency * 1000) / latencyMs;
  const eligible = pairs.filter((p) => {
    // A flagged run at L cannot decide the claim; the CPU per request at 0 ms stays valid even when that run's target
    // saturated (its ceiling is then, if anything, higher).
    if (!(p.atL.guards?.rankable ?? true)) return false;
    const cpu = medianInterval((p.atZero.method?.blocks ?? []).map((b) => b.cpuMicrosPerRequest)).median;
    return cpu > 0 && 1e6 / cpu >= limits.headroom * bound;
  });
  const parts = eligible.map((p) =>
    quantityClaim({
      id: p.client,
      claim: p.client,
      statistic: 'throughput ÷ C/L',
      interval: scaled(medianInterval((p.atL.method?.blocks ?? []).map((b) => b.throughputRps)), 1 / bound),
      threshold: { above: limits.share },
    }),
  );
  return {
    verdict: allOf(parts, { ...text, evidence: { boundRps: bound, eligible: eligible.length } }),
    eligible: eligible.map((p) => p.client),
    notTested: pairs.filter((p) => !eligible.includes(p)).map((p) => p.client),
  };
}

function scaled(i: MedianInterval, k: number): MedianInterval {
  return { ...i, median: i.median * k, low: i.low * k, high: i.high * k };
}

/**
 * A claim about the per-round ratio b / a that respects the guards: if either measurement is flagged (errors, a
 * saturated target), the claim is unresolved and says which, instead of being decided by a measurement the method
 * excludes from comparisons.
 */
export function guardedRatioClaim(input: {
  id: string;
  claim: string;
  a: InterleavedMeasurement;
  b: InterleavedMeasurement;
  threshold: Threshold;
}): VerdictData {
  const flagged = [input.a, input.b].filter((m) => !(m.guards?.rankable ?? true));
  const v = quantityClaim({
    id: input.id,
    claim: input.claim,
    statistic: `${input.b.label} ÷ ${input.a.label} throughput (per round)`,
    interval: ratioOf(input.a, input.b),
    threshold: input.threshold,
    evidence: { flagged: flagged.map((m) => `${m.label} (${m.guards?.flags.join(', ')})`).join('; ') || 'none' },
  });
  if (flagged.length === 0) return v;
  return { ...v, outcome: 'unresolved', holds: false };
}
