import {
  type AtOnceMeasurement,
  agentIdleTimeoutMs,
  agentReopens,
  allOf,
  claimTally,
  countClaim,
  cpuPrediction,
  decide,
  littleBoundSanity,
  measurementRows,
  moreSocketsThanInFlight,
  orderingText,
  poolNotLimit,
  quantityClaim,
  reachesBound,
  throughputOrdering,
} from '@casebook/analysis';
import { medianInterval } from '@casebook/stats';
import { describe, expect, it } from 'vitest';

const wobble = [1, 1.04, 0.97, 1.02, 0.99, 1.01, 0.98, 1.03, 0.96];

/** A measurement whose blocks have the given throughput and CPU per request, with the harmless round-to-round noise. */
function m(
  label: string,
  rps: number,
  cpuUs: number,
  extra: Partial<Pick<AtOnceMeasurement, 'guards' | 'target'>> & {
    warmupCurve?: NonNullable<AtOnceMeasurement['method']>['warmupCurve'];
    noise?: readonly number[];
  } = {},
): AtOnceMeasurement {
  return {
    label,
    client: { name: label },
    target: extra.target ?? { peakInFlight: 512, peakOpenConnections: 512 },
    guards: extra.guards ?? { flags: [], rankable: true },
    method: {
      blocks: (extra.noise ?? wobble).map((w, round) => ({
        round,
        throughputRps: rps * w,
        cpuMicrosPerRequest: cpuUs / w,
        clientUtilization: 0.99,
        targetCpuShare: 0.3,
      })),
      warmupCurve: extra.warmupCurve ?? [],
    },
  };
}

describe('verdicts decided by intervals', () => {
  const interval = (low: number, high: number) => ({ ...medianInterval([low, high]), low, high, coverage: 0.96 });

  it('holds only when the whole interval is on the claimed side, fails when it is on the other, else unresolved', () => {
    expect(decide(interval(1.6, 1.9), { above: 1.5 })).toBe('holds');
    expect(decide(interval(1.1, 1.4), { above: 1.5 })).toBe('fails');
    expect(decide(interval(1.4, 1.6), { above: 1.5 })).toBe('unresolved');
    expect(decide(interval(0.9, 1.1), { above: 0.85, below: 1.15 })).toBe('holds');
    expect(decide(interval(1.2, 1.3), { above: 0.85, below: 1.15 })).toBe('fails');
  });

  it('a quantity claim carries its statistic and a CI only when the interval reaches 95 %', () => {
    const v = quantityClaim({
      id: 'x',
      claim: 'x above 1.5',
      statistic: 'ratio',
      interval: medianInterval([1.7, 1.8, 1.9]),
      threshold: { above: 1.5 },
    });
    // Three values reach only 75 % coverage: too few to decide, whatever the values.
    expect(v).toMatchObject({
      kind: 'claim',
      outcome: 'unresolved',
      holds: false,
      statistic: { name: 'ratio', ci95: null },
    });
    const many = quantityClaim({
      id: 'y',
      claim: 'y above 1.5',
      statistic: 'ratio',
      interval: medianInterval(Array.from({ length: 12 }, (_, i) => 1.2 + i * 0.01)),
      threshold: { above: 1.5 },
    });
    expect(many.outcome).toBe('fails');
    expect(many.statistic?.ci95).not.toBeNull();
  });

  it('only claims count in the headline', () => {
    const tally = claimTally([
      countClaim({ id: 'a', claim: 'a', holds: true, evidence: {} }),
      countClaim({ id: 'b', claim: 'b', holds: false, evidence: {} }),
      { ...countClaim({ id: 'c', claim: 'c', holds: true, evidence: {} }), kind: 'sanity' },
    ]);
    expect(tally).toMatchObject({ claims: 2, holds: 1, fails: 1, sanity: 1 });
  });

  it('allOf: fails if any part fails, holds only if every part holds, unresolved with no parts', () => {
    const h = countClaim({ id: 'h', claim: 'h', holds: true, evidence: {} });
    const f = countClaim({ id: 'f', claim: 'f', holds: false, evidence: {} });
    expect(allOf([h, h], { id: 'all', claim: 'all' }).outcome).toBe('holds');
    expect(allOf([h, f], { id: 'all', claim: 'all' }).outcome).toBe('fails');
    expect(allOf([], { id: 'all', claim: 'all' }).outcome).toBe('unresolved');
  });
});

describe('512-at-once checks', () => {
  it('CPU per request at low concurrency predicts throughput at 512 when the client is CPU-bound, not when its cost grows', () => {
    const low = m('a@64', 30_000, 40);
    expect(cpuPrediction(low, m('a@512', 25_000, 40)).median).toBeCloseTo(1, 1);
    const grows = cpuPrediction(low, m('a@512', 12_500, 80));
    expect(grows.high).toBeLessThan(0.8);
  });

  it('pool-not-limit holds when every client opened a socket per request in flight, fails when a pool capped it', () => {
    const text = { id: 'pool', claim: 'pool' };
    expect(poolNotLimit([m('a', 1, 1), m('b', 1, 1)], 512, text).outcome).toBe('holds');
    const capped = m('c', 1, 1, { target: { peakInFlight: 100, peakOpenConnections: 100 } });
    expect(poolNotLimit([m('a', 1, 1), capped], 512, text).outcome).toBe('fails');
  });

  it("Little's bound is a sanity check: it holds below C/L and reports a failure above it", () => {
    expect(littleBoundSanity([m('a', 9000, 40)], 512, 50)).toMatchObject({ kind: 'sanity', outcome: 'holds' });
    expect(littleBoundSanity([m('a', 11_000, 40)], 512, 50).outcome).toBe('fails');
  });

  it('more sockets than in flight: counted over warm-up windows too', () => {
    const cold = m('undici', 1, 1, {
      warmupCurve: [{ block: 0, index: 0, newConnections: 900, peakOpenConnections: 900 }],
    });
    expect(moreSocketsThanInFlight([cold], 512, { id: 's', claim: 's' }).outcome).toBe('holds');
    expect(moreSocketsThanInFlight([m('http', 1, 1)], 512, { id: 's', claim: 's' }).outcome).toBe('fails');
  });

  it('the Agent reopens C − maxFreeSockets after a pause shorter than its idle timeout, all C after a longer one', () => {
    const curve = (n: number) => [
      { block: 0, index: 0, newConnections: 512 },
      { block: 1, index: 0, newConnections: 256 },
      { block: 1, index: 1, newConnections: 0 },
      { block: 2, index: 0, newConnections: n },
    ];
    const timed = (n: number, pauseMs: number): AtOnceMeasurement => {
      const r = m('node-http', 1, 1, { warmupCurve: curve(n) });
      const blocks = (r.method?.blocks ?? [])
        .slice(0, 3)
        .map((b, i) => ({ ...b, startMs: i * (3000 + pauseMs), endMs: i * (3000 + pauseMs) + 3000 }));
      return { ...r, method: { blocks, warmupCurve: curve(n) } };
    };
    const text = { id: 'agent', claim: 'agent' };
    const dedicated = { maxFreeSockets: 256, idleTimeoutMs: 0 };
    expect(agentReopens(timed(256, 30_000), 512, dedicated, text).outcome).toBe('holds');
    expect(agentReopens(timed(512, 30_000), 512, dedicated, text).outcome).toBe('fails');
    // The global agent: a 5 s socket timeout that a long Keep-Alive hint cannot raise.
    const global = { maxFreeSockets: 256, idleTimeoutMs: agentIdleTimeoutMs(5000, 120) };
    expect(global.idleTimeoutMs).toBe(5000);
    const allReopen = timed(512, 30_000);
    allReopen.method = {
      blocks: allReopen.method?.blocks ?? [],
      warmupCurve: [...curve(512)].map((w) => (w.block === 1 && w.index === 0 ? { ...w, newConnections: 512 } : w)),
    };
    // Only the reopen side was seen: the rule with a timeout is not tested on its keep side.
    expect(agentReopens(allReopen, 512, global, text).outcome).toBe('unresolved');
    expect(agentReopens(timed(256, 30_000), 512, global, text).outcome).toBe('fails');
  });

  it("the Agent's idle timeout follows Node's rule: the hint lowers it, never raises it; 0 stays no timeout", () => {
    expect(agentIdleTimeoutMs(5000, 5)).toBe(4000);
    expect(agentIdleTimeoutMs(5000, 120)).toBe(5000);
    expect(agentIdleTimeoutMs(0, 5)).toBe(0);
    expect(agentIdleTimeoutMs(null, null)).toBe(0);
  });

  it('reaches-bound tests only clients with CPU headroom, and fails one that stays below the share', () => {
    const text = { id: 'bound', claim: 'bound' };
    const limits = { headroom: 2, share: 0.9 };
    const fast = { client: 'fast', atZero: m('fast@0', 40_000, 25), atL: m('fast@50', 9800, 60) };
    const slow = { client: 'slow', atZero: m('slow@0', 5000, 200), atL: m('slow@50', 4000, 200) };
    const ok = reachesBound([fast, slow], 512, 50, limits, text);
    expect(ok.eligible).toEqual(['fast']);
    expect(ok.verdict.outcome).toBe('holds');
    const lagging = { client: 'lagging', atZero: m('lag@0', 40_000, 25), atL: m('lag@50', 7000, 60) };
    expect(reachesBound([fast, lagging], 512, 50, limits, text).verdict.outcome).toBe('fails');
  });

  it('tables group what the rounds do not resolve and exclude flagged measurements from the ordering', () => {
    const rows = measurementRows([
      m('ref', 20_000, 40),
      m('same', 20_000, 40, { noise: [...wobble].reverse() }),
      m('slow', 5000, 160),
      m('flagged', 30_000, 30, { guards: { flags: ['target-saturated'], rankable: false } }),
    ]);
    const tier = (label: string) => rows.find((r) => r.label === label)?.tier;
    expect(tier('ref')).toBe(tier('same'));
    expect(tier('slow')).toBeGreaterThan(tier('ref') ?? 0);
    expect(tier('flagged')).toBeNull();
    const text = orderingText(throughputOrdering([m('a', 20_000, 40), m('b', 5000, 100)]));
    expect(text).toBe('a > b');
  });

  it('a measurement that failed before measuring (no blocks) gets a row without a ratio, not a crash', () => {
    const failed = { ...m('failed', 1, 1), method: { blocks: [], warmupCurve: [] } };
    const rows = measurementRows([m('ref', 20_000, 40), failed]);
    expect(rows.find((r) => r.label === 'failed')).toMatchObject({ rounds: 0, vsReference: 1, tier: null });
  });
});
