import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  agentNeverMoreSockets,
  type CapSweepCase,
  type CapSweepMeasurement,
  capBoundSanity,
  capPoint,
  capPoints,
  claimTally,
  clientIdleTimeoutMs,
  connectionOverheadMs,
  cpuTakesOverSanity,
  IDLE_BURST_CLAIMS,
  type IdleBurstCase,
  type IdleBurstMeasurement,
  idleBurstClaim,
  idleBurstCountsMatch,
  idleBurstDesigns,
  idleBurstRows,
  idleBurstSettingsAsAssumed,
  instrumentationOverhead,
  keepAliveHintSeconds,
  type OpenLoopMeasurement,
  openLoopKnee,
  openLoopRows,
  openLoopStable,
  type PipeRun,
  POOL_LIMITS_CLAIM_IDS,
  type PoolDefaultsMeasurement,
  type PoolQueueCase,
  pipeliningBoundSanity,
  pipeliningCases,
  pipeliningHeadOfLine,
  pipeliningInert,
  pipeliningRaises,
  poolCapRows,
  poolDefaultsRows,
  poolDefaultsUnlimited,
  poolLimitsRecommendations,
  poolQueueRows,
  poolSetsThroughput,
  predictIdleBurst,
  type QueuePhaseMeasurement,
  queueGrowsSanity,
  queueSplitSanity,
  reopenCostsLatency,
  serverIdleTimeoutMs,
  undiciFanOut,
  type VerdictData,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

/**
 * The pool-limits checks on both sides: data where each holds (constructed, or the committed records of the December
 * runs under results/pool-limits/), and counterfactual data where it must fail. No test starts a process.
 */

const repo = path.resolve(__dirname, '..');
const RUNS = ['pool-limits-f63ff10e', 'pool-limits-8b674d9c', 'pool-limits-4b7c1363'];

/** Bench records of the committed runs whose file name matches. */
function committed<R>(match: RegExp): R[] {
  return RUNS.flatMap((run) => {
    const dir = path.join(repo, 'results/pool-limits', run, 'benches');
    return fs
      .readdirSync(dir)
      .filter((f) => match.test(f))
      .sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as R);
  });
}

const wobble = [1, 1.03, 0.98, 1.01, 0.99, 1.02, 0.97, 1.0];

/** An interleaved measurement whose blocks have the given throughput (with harmless round-to-round noise). */
function sweep(
  rps: number,
  extra: { utilization?: number; peakOpen?: number; peakInFlight?: number; flags?: string[] } = {},
): CapSweepMeasurement {
  return {
    label: 'x',
    client: { name: 'x' },
    target: { peakOpenConnections: extra.peakOpen ?? 0, peakInFlight: extra.peakInFlight ?? 0 },
    guards: { flags: extra.flags ?? [], rankable: !(extra.flags ?? []).includes('target-saturated') },
    method: {
      blocks: wobble.map((w, round) => ({
        round,
        throughputRps: rps * w,
        cpuMicrosPerRequest: 50,
        clientUtilization: extra.utilization ?? 0.2,
        targetCpuShare: 0.1,
      })),
      warmupCurve: [],
    },
  };
}

const outcome = (v: VerdictData | null) => v?.outcome;

describe('idle timeouts: effective values, not configured ones', () => {
  it('undici keeps an idle socket for the hint minus 2 s, and none when that is ≤ 0', () => {
    expect(clientIdleTimeoutMs('undici-request', 5)).toBe(3000);
    expect(clientIdleTimeoutMs('node-fetch', 3)).toBe(1000);
    expect(clientIdleTimeoutMs('undici-request', 2)).toBe(0);
    expect(clientIdleTimeoutMs('undici-request', null)).toBe(4000);
    // A live threshold read from the record replaces the rule's.
    expect(clientIdleTimeoutMs('undici-request', 5, { thresholdMs: 1000 })).toBe(4000);
  });

  it("Node's Agent lowers its own timeout to the hint minus 1 s, has no timer without a timeout, and keeps none at 1 s", () => {
    expect(clientIdleTimeoutMs('axios', 5)).toBe(4000);
    expect(clientIdleTimeoutMs('got', 3)).toBe(2000);
    expect(clientIdleTimeoutMs('got', 10)).toBe(5000);
    expect(clientIdleTimeoutMs('node-http', 5)).toBe(Number.POSITIVE_INFINITY);
    expect(clientIdleTimeoutMs('node-http', 1)).toBe(0);
    expect(clientIdleTimeoutMs('axios', 1)).toBe(0);
  });

  it('a Node 24 server announces whole seconds and closes after keepAliveTimeout + 1 s', () => {
    expect(keepAliveHintSeconds(5000)).toBe(5);
    expect(keepAliveHintSeconds(3999)).toBe(3);
    expect(serverIdleTimeoutMs(3000)).toBe(4000);
    expect(serverIdleTimeoutMs(0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('an unknown client is refused by name', () => {
    expect(() => clientIdleTimeoutMs('curl', 5)).toThrow(/curl/);
  });
});

interface CommittedBurst extends IdleBurstMeasurement {
  params: { target: { keepAliveTimeoutMs: number }; load: { idleBeforeTrialMs: number; concurrency: number } };
}

describe('bursts after an idle gap: predictions from effective values', () => {
  const bursts = committed<CommittedBurst>(/burst/);
  const asCase = (r: CommittedBurst, gapMs = r.params.load.idleBeforeTrialMs): IdleBurstCase => ({
    design: predictIdleBurst(r.client.name, r.params.target.keepAliveTimeoutMs, gapMs, r.params.load.concurrency),
    record: r,
  });

  it('predict every burst of the three committed runs exactly (45 records, 90 trials)', () => {
    expect(bursts).toHaveLength(45);
    const cases = bursts.map((r) => asCase(r));
    for (const c of cases)
      for (const t of c.record.trials) expect(t.target?.connectionsOpened, c.design.label).toBe(c.design.predicted);
    expect(outcome(idleBurstCountsMatch(cases))).toBe('holds');
    expect(outcome(idleBurstSettingsAsAssumed(cases))).toBe('holds');
    for (const role of ['zero-gap', 'client-timer', 'server-timer', 'refused'] as const) {
      const v = idleBurstClaim(cases, role);
      if (v) expect(v.outcome, role).toBe('holds');
    }
  });

  it('the configured values (undici 4 s, global agent 5 s) would have mispredicted the 4.5 s gap', () => {
    // What the notebook's old hypothesis said: axios and got keep 256 after 4.5 s (5 s timeout). They reopened 512.
    const axios = bursts.find((r) => r.client.name === 'axios' && r.params.load.idleBeforeTrialMs === 4500);
    expect(axios?.trials.map((t) => t.target?.connectionsOpened)).toEqual([512, 512]);
    // A design that predicts keeping (a 1 s gap) for that record fails the claim.
    const wrong = asCase(axios as CommittedBurst, 1000);
    expect(wrong.design.predicted).toBe(256);
    expect(outcome(idleBurstClaim([wrong], wrong.design.role))).toBe('fails');
  });

  it('the old `timeout=1` experiment measured hint handling: every client reopens all C at any gap', () => {
    const short = bursts.filter((r) => r.params.target.keepAliveTimeoutMs === 1000).map((r) => asCase(r, 0));
    expect(short.every((c) => c.design.role === 'refused' && c.design.predicted === 512)).toBe(true);
    expect(outcome(idleBurstClaim(short, 'refused'))).toBe('holds');
  });

  it('assigns roles: 0 ms gap, client timer, server timer, refused hint', () => {
    expect(predictIdleBurst('undici-request', 3000, 0, 512)).toMatchObject({ role: 'zero-gap', predicted: 0 });
    expect(predictIdleBurst('node-http', 3000, 0, 512)).toMatchObject({ role: 'zero-gap', predicted: 256 });
    expect(predictIdleBurst('undici-request', 3000, 1500, 512)).toMatchObject({ role: 'client-timer', predicted: 512 });
    expect(predictIdleBurst('got', 3000, 1000, 512)).toMatchObject({ role: 'client-timer', predicted: 256 });
    expect(predictIdleBurst('got', 3000, 2500, 512)).toMatchObject({ role: 'client-timer', predicted: 512 });
    expect(predictIdleBurst('node-http', 3000, 3500, 512)).toMatchObject({ role: 'server-timer', predicted: 256 });
    expect(predictIdleBurst('node-http', 3000, 5000, 512)).toMatchObject({ role: 'server-timer', predicted: 512 });
    expect(predictIdleBurst('axios', 1000, 0, 512)).toMatchObject({ role: 'refused', predicted: 512 });
  });

  it('refuses a gap too close to the timer that decides it, before anything runs', () => {
    const ok = idleBurstDesigns([{ serverKeepAliveMs: 3000, gapsMs: [0, 1500], clients: ['undici-request'] }], 512);
    expect(ok.map((d) => d.predicted)).toEqual([0, 512]);
    expect(() =>
      idleBurstDesigns([{ serverKeepAliveMs: 3000, gapsMs: [1100], clients: ['undici-request'] }], 512),
    ).toThrow(/1100 ms for undici-request/);
    // Keeping needs the larger margin: 1.7 s is only 300 ms below the global agent's 2 s.
    expect(() => idleBurstDesigns([{ serverKeepAliveMs: 3000, gapsMs: [1700], clients: ['got'] }], 512)).toThrow(
      /need ≥ 400 ms/,
    );
  });

  const trials = (opened: number[], p50 = 20) =>
    opened.map((n) => ({ target: { connectionsOpened: n }, clientSocketsOpened: n, latencyMs: { p50 } }));
  const rec = (client: string, opened: number[], p50 = 20, settings: Record<string, unknown> = {}) => ({
    client: { name: client, settings },
    trials: trials(opened, p50),
  });

  it('a count that differs from the prediction in one trial fails the claim; client and target counts must agree', () => {
    const design = predictIdleBurst('undici-request', 3000, 1500, 512);
    expect(outcome(idleBurstClaim([{ design, record: rec('undici-request', [512, 512]) }], 'client-timer'))).toBe(
      'holds',
    );
    expect(outcome(idleBurstClaim([{ design, record: rec('undici-request', [512, 300]) }], 'client-timer'))).toBe(
      'fails',
    );
    expect(idleBurstClaim([{ design, record: rec('undici-request', [512]) }], 'server-timer')).toBeNull();
    const mismatch = {
      client: { name: 'undici-request', settings: {} },
      trials: [{ target: { connectionsOpened: 512 }, clientSocketsOpened: 511, latencyMs: { p50: 20 } }],
    };
    expect(outcome(idleBurstCountsMatch([{ design, record: mismatch }]))).toBe('fails');
  });

  it('checks the assumed defaults against the live settings, and the effective undici value once the record reads it', () => {
    const node = predictIdleBurst('axios', 3000, 0, 512);
    const ok = rec('axios', [256], 20, { maxFreeSockets: 256, socketTimeoutMs: 5000 });
    expect(outcome(idleBurstSettingsAsAssumed([{ design: node, record: ok }]))).toBe('holds');
    const raised = rec('axios', [256], 20, { maxFreeSockets: 512, socketTimeoutMs: 5000 });
    expect(outcome(idleBurstSettingsAsAssumed([{ design: node, record: raised }]))).toBe('fails');
    const undici = predictIdleBurst('undici-request', 3000, 0, 512);
    const read = (v: number) => rec('undici-request', [0], 20, { liveKeepAliveTimeoutValueMs: v });
    expect(outcome(idleBurstSettingsAsAssumed([{ design: undici, record: read(1000) }]))).toBe('holds');
    expect(outcome(idleBurstSettingsAsAssumed([{ design: undici, record: read(4000) }]))).toBe('fails');
  });

  it('reopen-costs-latency pairs each all-reopened burst with the longest same-hint gap that reused sockets', () => {
    const cases = (coldP50: number): IdleBurstCase[] =>
      ['axios', 'got', 'node-http'].flatMap((client) => {
        const [keep, close] = client === 'node-http' ? [3500, 5000] : [1000, 2500];
        return [
          { design: predictIdleBurst(client, 3000, 0, 512), record: rec(client, [256, 256], 30) },
          { design: predictIdleBurst(client, 3000, keep, 512), record: rec(client, [256, 256], 20) },
          { design: predictIdleBurst(client, 3000, close, 512), record: rec(client, [512, 512], coldP50) },
        ];
      });
    const holds = reopenCostsLatency(cases(30));
    expect(holds.outcome).toBe('holds');
    // Paired with the 1000/3500 ms bursts (p50 20), not the 0 ms ones (p50 30).
    expect(holds.statistic?.value).toBeCloseTo(1.5);
    expect(reopenCostsLatency(cases(15)).outcome).toBe('fails');
    expect(reopenCostsLatency(cases(30).slice(0, 2)).outcome).toBe('unresolved');
  });

  it('rows show the prediction before the run and the counts after it', () => {
    const designs = idleBurstDesigns(
      [{ serverKeepAliveMs: 3000, gapsMs: [0, 1500], clients: ['undici-request'] }],
      512,
    );
    expect(idleBurstRows(designs).map((r) => [r.clientIdle, r.serverIdle, r.opened])).toEqual([
      ['1000', '4000', '—'],
      ['1000', '4000', '—'],
    ]);
    const after = idleBurstRows(designs, [rec('undici-request', [0, 0]), rec('undici-request', [512, 511])]);
    expect(after.map((r) => r.asPredicted)).toEqual(['yes', 'NO']);
  });
});

describe('the cap sweep', () => {
  const point = capPoint('undici-request', 10, 10, 64);
  const at = (share: number, extra: Parameters<typeof sweep>[1] = {}): CapSweepCase => ({
    point,
    record: sweep(point.boundRps * share, extra),
  });

  it('builds points with their bound, and refuses a bad cap by name', () => {
    expect(point).toMatchObject({ boundRps: 1000, poolBound: true, label: 'undici-request N=10 L=10 C=64' });
    expect(capPoint('got', null, 0, 64)).toMatchObject({ boundRps: Number.POSITIVE_INFINITY, poolBound: false });
    expect(capPoint('got', 128, 10, 64)).toMatchObject({ boundRps: 6400, poolBound: false });
    expect(
      capPoints([
        {
          clients: ['a', 'b'],
          points: [
            [5, 10, 64],
            [null, 10, 512],
          ],
        },
      ]),
    ).toHaveLength(4);
    expect(() => capPoint('got', 0, 10, 64)).toThrow(/cap/);
  });

  it('bound-holds (sanity) fails when a block beats min(N, C) / L', () => {
    expect(outcome(capBoundSanity([at(0.93)]))).toBe('holds');
    expect(outcome(capBoundSanity([at(1.05)]))).toBe('fails');
  });

  it('pool-sets-throughput holds at 0.95 of N/L, fails at 0.8, and skips a client that was busy', () => {
    // N / (L + 1.5 ms) = 0.87 × N / L at L = 10 ms.
    expect(poolSetsThroughput([at(0.95)]).verdict.outcome).toBe('holds');
    // The combined verdict carries its binding point's statistic (here the only point's): 0.95 × 11.5 / 10.
    expect(poolSetsThroughput([at(0.95)]).verdict.statistic?.value).toBeCloseTo(1.0925, 2);
    expect(poolSetsThroughput([at(0.8)]).verdict.outcome).toBe('fails');
    const busy = poolSetsThroughput([at(0.6, { utilization: 0.8 })]);
    expect(busy.eligible).toEqual([]);
    expect(busy.verdict.outcome).toBe('unresolved');
    // The measured overhead per request on a connection: N / rps − L.
    const o = connectionOverheadMs([at(0.95)], [point.label]);
    expect(o?.median).toBeCloseTo(10 / 0.95 - 10, 1);
  });

  it('cpu-takes-over (sanity): busy where C / L is far above the throughput; null where no point is', () => {
    const cpu = capPoint('undici-request', null, 10, 512);
    expect(outcome(cpuTakesOverSanity([{ point: cpu, record: sweep(12000, { utilization: 0.98 }) }]))).toBe('holds');
    expect(outcome(cpuTakesOverSanity([{ point: cpu, record: sweep(12000, { utilization: 0.6 }) }]))).toBe('fails');
    expect(cpuTakesOverSanity([at(0.95)])).toBeNull();
  });

  it('undici-more-sockets-than-in-flight: between 1.25 and 2 × C; the Agent: never more than C', () => {
    const u = capPoint('undici-request', null, 10, 512);
    const n = capPoint('node-http', null, 10, 512);
    expect(outcome(undiciFanOut([{ point: u, record: sweep(1, { peakOpen: 1018 }) }]))).toBe('holds');
    expect(outcome(undiciFanOut([{ point: u, record: sweep(1, { peakOpen: 512 }) }]))).toBe('fails');
    expect(outcome(undiciFanOut([{ point: u, record: sweep(1, { peakOpen: 1100 }) }]))).toBe('fails');
    expect(outcome(agentNeverMoreSockets([{ point: n, record: sweep(1, { peakOpen: 512 }) }]))).toBe('holds');
    expect(outcome(agentNeverMoreSockets([{ point: n, record: sweep(1, { peakOpen: 513 }) }]))).toBe('fails');
    expect(undiciFanOut([{ point: n, record: sweep(1) }])).toBeNull();
  });

  it('rows carry the per-block intervals and the flags', () => {
    const [row] = poolCapRows([at(0.95, { flags: ['not-steady'] })]);
    expect(row?.ofBoundMedian).toBeCloseTo(0.95, 2);
    expect(row?.flags).toBe('not-steady');
    expect(row?.overheadMs).toMatch(/^0\.5/);
  });
});

interface CommittedPhase extends QueuePhaseMeasurement {
  params: { load: { concurrency: number }; clientOptions: { connections: number | null }; target: { delayMs: number } };
  client: { name: string };
}

describe('queue wait and wire time', () => {
  const trial = (queueMs: number, wireMs: number, extra: { totalMs?: number; cpu?: number } = {}) => ({
    throughputRps: 300,
    cpuMicrosPerRequest: extra.cpu ?? 100,
    latencyMs: { meanMs: extra.totalMs ?? queueMs + wireMs },
    queueMs: { meanMs: queueMs },
    wireMs: { meanMs: wireMs },
  });
  const phase = (ratio: number, extra: { totalMs?: number; cpu?: number } = {}): QueuePhaseMeasurement => ({
    label: 'x',
    trials: [1, 0.99, 1.01, 1.02, 0.98, 1].map((w) => trial(3 * 10.7 * ratio * w, 10.7, extra)),
  });
  const q = (instrumented: QueuePhaseMeasurement, control: QueuePhaseMeasurement | null = null): PoolQueueCase => ({
    point: capPoint('node-http', 4, 10, 16),
    instrumented,
    control,
  });

  it('queue-grows-c-over-n holds on the committed runs (undici-request and node-http, N ≤ 10, C = 64, L = 10)', () => {
    const records = committed<CommittedPhase>(/^\d+-(undici-request|node-http)-n-(1|2|5|10)-l-10-c-64\.json$/);
    expect(records.length).toBe(16);
    const cases = records.map((r) => ({
      point: capPoint(
        r.client.name,
        r.params.clientOptions.connections,
        r.params.target.delayMs,
        r.params.load.concurrency,
      ),
      instrumented: r,
      control: null,
    }));
    expect(outcome(queueSplitSanity(cases))).toBe('holds');
    // Each point is decided on its own: one run's trials are too few, so the three runs' trials of a point are joined.
    const byPoint = new Map<string, PoolQueueCase>();
    for (const c of cases) {
      const seen = byPoint.get(c.point.label);
      byPoint.set(
        c.point.label,
        seen
          ? {
              ...seen,
              instrumented: { ...seen.instrumented, trials: [...seen.instrumented.trials, ...c.instrumented.trials] },
            }
          : c,
      );
    }
    // N = 1 and 2 ran in one run only (too few trials: unresolved, not failed); N = 5 and 10 in all three.
    expect(queueGrowsSanity([...byPoint.values()]).outcome).toBe('unresolved');
    const full = [...byPoint.values()].filter((c) => (c.point.cap ?? 0) >= 5);
    expect(queueGrowsSanity(full).outcome).toBe('holds');
  });

  it('queue-grows-c-over-n fails at 0.7 of the prediction and is unresolved with too few trials', () => {
    expect(queueGrowsSanity([q(phase(1)), q(phase(1.02))]).outcome).toBe('holds');
    expect(queueGrowsSanity([q(phase(0.7)), q(phase(0.72))]).outcome).toBe('fails');
    expect(queueGrowsSanity([q({ label: 'x', trials: [trial(32, 10.7)] })]).outcome).toBe('unresolved');
  });

  it('queue-grows-c-over-n decides each point: one point off the band fails the claim; busy points are excluded', () => {
    expect(queueGrowsSanity([q(phase(1)), q(phase(1)), q(phase(0.7))]).outcome).toBe('fails');
    // 300 req/s × 2000 µs = 0.6 of a core: outside the claim's scope, so a point that misses there decides nothing.
    const busy = queueGrowsSanity([q(phase(1)), q(phase(0.7, { cpu: 2000 }))]);
    expect(busy.outcome).toBe('holds');
    expect(busy.evidence['notEligible']).toMatch(/node-http/);
    expect(queueGrowsSanity([q(phase(1, { cpu: 2000 }))]).outcome).toBe('unresolved');
  });

  it("queue-grows-c-over-n is a sanity check (Little's law in a closed loop) that states its band and every point", () => {
    const held = queueGrowsSanity([q(phase(1)), { ...q(phase(1.02)), point: capPoint('undici-request', 4, 10, 16) }]);
    expect(held.kind).toBe('sanity');
    expect(held.id).toBe('queue-grows-c-over-n');
    expect(held.claim).toMatch(/^Little's law in a closed loop, not a finding/);
    expect(held.claim).toMatch(/connections sat idle between a response and the next queued request/);
    expect(held.evidence['threshold']).toBe("every part's 95 % CI between 0.85 and 1.15");
    expect(String(held.evidence['node-http N=4 L=10 C=16'])).toMatch(/^holds \(1(\.\d+)?, CI 0\.9\d*–1\.0\d*\)$/);
    expect(String(held.evidence['undici-request N=4 L=10 C=16'])).toMatch(/^holds \(1\.02, CI /);
    // Shown, never counted: it adds a sanity check to the tally, not a claim.
    expect(claimTally([held])).toMatchObject({ claims: 0, sanity: 1, sanityFailed: 0 });
    expect(claimTally([queueGrowsSanity([q(phase(0.7))])])).toMatchObject({ claims: 0, sanity: 1, sanityFailed: 1 });
  });

  it('queue-grows-c-over-n carries the binding point’s statistic and CI, and the advice prints it (02.13)', () => {
    const at = (client: string, ratio: number): PoolQueueCase => ({
      point: capPoint(client, 4, 10, 16),
      instrumented: phase(ratio),
      control: null,
    });
    // Both points inside 0.85–1.15; the one at 1.08 is nearer the edge, so it binds.
    const held = queueGrowsSanity([at('node-http', 1), at('undici-request', 1.08)]);
    expect(held.outcome).toBe('holds');
    expect(held.evidence['binding']).toBe('undici-request N=4 L=10 C=16');
    expect(held.statistic?.value).toBeCloseTo(1.08, 2);
    expect(held.statistic?.ci95?.[0]).toBeCloseTo(0.98 * 1.08, 2);
    expect(held.statistic?.name).toMatch(/at undici-request N=4 L=10 C=16 \(the binding point\)/);
    // A failing point binds over a closer-to-the-edge point that holds.
    const failed = queueGrowsSanity([at('node-http', 1.1), at('undici-request', 0.7)]);
    expect(failed.outcome).toBe('fails');
    expect(failed.statistic?.value).toBeCloseTo(0.7, 2);
    // No eligible point: no statistic at all (not a NaN).
    expect(queueGrowsSanity([]).statistic).toBeUndefined();

    const advice = (verdict: VerdictData) =>
      poolLimitsRecommendations({
        verdicts: [verdict],
        overheadMs: null,
        delayMs: 10,
        burst: 512,
        pipeliningDeepest: 10,
      }).join('\n');
    const text = advice(held);
    expect(text).toMatch(
      /Budget the queue.*measured ÷ predicted 1\.08, 95 % CI 1\.06–1\.1 at undici-request N=4 L=10 C=16, the point nearest the edge of the 0\.85–1\.15 band/,
    );
    expect(text).toMatch(/Budget the queue\*\* \(Little's law in a closed loop, not a finding of this notebook\)/);
    expect(text).not.toMatch(/NaN/);
    // The sanity check failing (connections idled, or more than N on the wire): no advice, and it is not listed
    // among the claims that did not hold.
    expect(advice(failed)).toBe('');
    // A holding verdict without a statistic says so plainly.
    const { statistic: _dropped, ...bare } = held;
    expect(advice(bare)).toMatch(/measured ÷ predicted not available: the verdict carries no statistic/);
  });

  it('queue-plus-wire (sanity) fails when the parts do not add up to the total', () => {
    expect(outcome(queueSplitSanity([q(phase(1))]))).toBe('holds');
    expect(outcome(queueSplitSanity([q(phase(1, { totalMs: 60 }))]))).toBe('fails');
  });

  it('instrumentation-overhead (sanity): latency within 5 % of the uninstrumented twin', () => {
    expect(outcome(instrumentationOverhead([q(phase(1, { cpu: 130 }), phase(1, { cpu: 100 }))]))).toBe('holds');
    expect(outcome(instrumentationOverhead([q(phase(1.3), phase(1))]))).toBe('fails');
    // Latency unchanged at a light load, but CPU per request doubled: the check must see that too.
    expect(outcome(instrumentationOverhead([q(phase(1, { cpu: 200 }), phase(1, { cpu: 100 }))]))).toBe('fails');
    expect(instrumentationOverhead([q(phase(1))])).toBeNull();
    const [row] = poolQueueRows([q(phase(1, { cpu: 130 }), phase(1, { cpu: 100 }))]);
    expect(row?.cpuVsControl).toMatch(/^1\.3 /);
    expect(row?.predictedQueueMs).toBeCloseTo(32.1, 1);
  });
});

describe('pipelining', () => {
  const lab = { connections: 4, concurrency: 40, delayMs: 10 };
  const runs = (rps: Record<string, number>, peak: Record<string, number> = {}): PipeRun[] =>
    pipeliningCases(10).map((c) => ({
      case: c,
      record: { ...sweep(rps[c.role] ?? 0), target: { peakInFlight: peak[c.role] ?? 4 } },
    }));
  const measured = {
    p1: 370,
    'deep-default': 375,
    'deep-nonblocking': 3400,
    'p1-slow': 190,
    'deep-nonblocking-slow': 380,
  };

  it('holds on the shape the committed run saw (inert default, 9× with blocking: false, 8.9× vs 1.9× head-of-line)', () => {
    const r = runs(measured, { 'deep-nonblocking': 40 });
    expect(outcome(pipeliningBoundSanity(r, lab))).toBe('holds');
    expect(pipeliningInert(r, lab).outcome).toBe('holds');
    expect(pipeliningRaises(r, lab).outcome).toBe('holds');
    expect(pipeliningHeadOfLine(r).outcome).toBe('holds');
  });

  it('fails where pipelining did act on a blocking GET, did not raise throughput, or a slow response cost nothing more', () => {
    expect(pipeliningInert(runs(measured, { 'deep-default': 40 }), lab).outcome).toBe('fails');
    expect(pipeliningInert(runs({ ...measured, 'deep-default': 900 }), lab).outcome).toBe('fails');
    expect(
      pipeliningRaises(runs({ ...measured, 'deep-nonblocking': 500 }, { 'deep-nonblocking': 40 }), lab).outcome,
    ).toBe('fails');
    expect(pipeliningRaises(runs(measured), lab).outcome).toBe('fails');
    expect(pipeliningHeadOfLine(runs({ ...measured, 'deep-nonblocking-slow': 1800 })).outcome).toBe('fails');
    // A blocking GET's effective pipelining is 1: 900 req/s is above its bound of 4 / 10 ms.
    expect(outcome(pipeliningBoundSanity(runs({ ...measured, 'deep-default': 900 }), lab))).toBe('fails');
  });

  it('is unresolved, naming the measurement, when a pipelining measurement it reads is flagged (not-steady too)', () => {
    const r = runs(measured, { 'deep-nonblocking': 40 }).map((x) =>
      x.case.role === 'deep-nonblocking-slow'
        ? { ...x, record: { ...x.record, guards: { flags: ['not-steady'], rankable: false } } }
        : x,
    );
    const v = pipeliningHeadOfLine(r);
    expect(v.outcome).toBe('unresolved');
    expect(String(v.evidence['flagged'])).toContain('not-steady');
    expect(pipeliningRaises(r, lab).outcome).toBe('holds');
  });
});

interface CommittedOpen extends OpenLoopMeasurement {
  label: string;
}

describe('open loop', () => {
  const records = committed<CommittedOpen>(/open-loop/);

  it('the committed runs fit (λ/μ − 1) × T with μ = N / wire, and stay short below capacity', () => {
    const rows = openLoopRows(records, 5);
    expect(rows.filter((r) => r.regime === 'overloaded')).toHaveLength(6);
    expect(openLoopKnee(rows).outcome).toBe('holds');
    expect(outcome(openLoopStable(rows, 10))).toBe('holds');
  });

  it('the old model, (1 − (N/L) / λ) × T, under-predicts about 2× and would fail the band', () => {
    const rows = openLoopRows(records, 5).map((r) => ({
      ...r,
      predictedWaitMs: Math.round((1 - 500 / r.rateRps) * 2000),
    }));
    expect(openLoopKnee(rows).outcome).toBe('fails');
  });

  it('a p99 above 5 × L below capacity fails the stable sanity check', () => {
    const rows = openLoopRows(records, 5).map((r) => (r.regime === 'stable' ? { ...r, p99Ms: 80 } : r));
    expect(outcome(openLoopStable(rows, 10))).toBe('fails');
  });
});

describe('defaults read from the live objects', () => {
  const defaults = committed<PoolDefaultsMeasurement>(/defaults/).slice(0, 6);

  it('shows the effective idle timeout against timeout=5 next to the configured one', () => {
    const rows = poolDefaultsRows(defaults, 5);
    const by = Object.fromEntries(rows.map((r) => [r.client, r]));
    expect(by['undici-request']).toMatchObject({ configuredIdleMs: '4000', effectiveIdleMs: '3000 (rule)' });
    expect(by['node-fetch']).toMatchObject({ configuredIdleMs: '4000', effectiveIdleMs: '3000 (rule)' });
    expect(by['axios']).toMatchObject({ configuredIdleMs: '5000', effectiveIdleMs: '4000 (rule)', idleKept: '256' });
    expect(by['node-http']).toMatchObject({ configuredIdleMs: 'none', effectiveIdleMs: 'none (∞) (rule)' });
    // Once the record reads undici's Symbol('keep alive timeout'), that value is shown.
    const read = {
      ...defaults[0],
      client: { name: 'undici-request', settings: { liveKeepAliveTimeoutValueMs: 3000 } },
    };
    expect(poolDefaultsRows([read as PoolDefaultsMeasurement], 5)[0]?.effectiveIdleMs).toBe('3000 (read)');
  });

  it('defaults-unlimited (sanity) fails when a client has a cap', () => {
    expect(outcome(poolDefaultsUnlimited(defaults))).toBe('holds');
    const capped = defaults.map((r, i) =>
      i === 3 ? { ...r, client: { ...r.client, settings: { ...r.client.settings, maxSockets: 10 } } } : r,
    );
    expect(outcome(poolDefaultsUnlimited(capped))).toBe('fails');
  });
});

describe('recommendations and the claims cell', () => {
  const claim = (id: string, o: 'holds' | 'fails' | 'unresolved', value = 1.5): VerdictData =>
    o === 'holds'
      ? {
          id,
          claim: id,
          kind: 'claim',
          outcome: o,
          holds: true,
          evidence: {},
          statistic: { name: 's', value, ci95: null },
        }
      : { id, claim: id, kind: 'claim', outcome: o, holds: false, evidence: {} };

  it('recommends only from claims that hold, and names the ones that did not', () => {
    const recs = poolLimitsRecommendations({
      verdicts: [
        claim('pool-sets-throughput', 'holds'),
        { ...claim('queue-grows-c-over-n', 'fails'), kind: 'sanity' },
        claim('head-of-line', 'fails'),
        claim('effective-idle-timeouts', 'unresolved'),
      ],
      overheadMs: { median: 0.7, low: 0.6, high: 0.8, coverage: 0.97, n: 6, method: 'order-statistics' },
      delayMs: 20,
      burst: 512,
      pipeliningDeepest: 10,
    });
    expect(recs.join('\n')).toMatch(/Size a cap as N ≥ R × \(L \+ δ\) \/ ρ with ρ ≤ 0\.8/);
    // At L = 20 ms, δ ≤ 0.8 ms, ρ = 0.8: 1000 req/s × 20.8 ms / 0.8 = 26 connections.
    expect(recs.join('\n')).toMatch(/L = 20 ms.*1000 req\/s N ≥ 26/);
    expect(recs.join('\n')).not.toMatch(/buys nothing/);
    expect(recs.join('\n')).not.toMatch(/Budget the queue/);
    expect(recs.join('\n')).not.toMatch(/Read idle timeouts/);
    expect(recs.at(-1)).toMatch(/: `head-of-line` fails, `effective-idle-timeouts` unresolved\.$/);
  });

  it("the notebook's claims cell lists every claim id before any measurement", () => {
    const nb = JSON.parse(fs.readFileSync(path.join(repo, 'notebooks/02-pool-limits.ipynb'), 'utf8')) as {
      cells: { cell_type: string; source: string[] }[];
    };
    const cells = nb.cells.map((c) => ({ type: c.cell_type, text: c.source.join('') }));
    const claimsAt = cells.findIndex(
      (c) => c.type === 'markdown' && /Claims, stated before the measurement/.test(c.text),
    );
    const firstRun = cells.findIndex((c) => c.type === 'code' && /study\.run(Interleaved)?\(/.test(c.text));
    expect(claimsAt).toBeGreaterThan(-1);
    expect(claimsAt).toBeLessThan(firstRun);
    for (const id of POOL_LIMITS_CLAIM_IDS) expect(cells[claimsAt]?.text, id).toContain(`\`${id}\``);
    expect(Object.values(IDLE_BURST_CLAIMS).every((c) => POOL_LIMITS_CLAIM_IDS.includes(c.id))).toBe(true);
    // queue-grows-c-over-n is Little's law: listed with the sanity checks, not as a claim.
    expect(POOL_LIMITS_CLAIM_IDS).not.toContain('queue-grows-c-over-n');
    const text = cells[claimsAt]?.text ?? '';
    expect(text).not.toMatch(/\| `queue-grows-c-over-n` \| claim/);
    expect(text.slice(text.indexOf('Sanity checks:'))).toMatch(/`queue-grows-c-over-n` \(Little's law/);
  });
});
