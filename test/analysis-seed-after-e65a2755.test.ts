import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type AttributionStep,
  aaGatherCheck,
  attributionRows,
  type CountedBatch,
  type CountedGather,
  contenderReferenceRows,
  expectsNoNewSockets,
  GATHER_POOL_STATE,
  GATHER_UNTIL_AFTER_E65A2755,
  GATHER_WARMUP_IN_TIME,
  gatherGuardsOf,
  gatherRunText,
  gatherSample,
  gatherUntilRun,
  gatherWarmupOf,
  keptPoolCounters,
  keptQueueWorkText,
  type PoolCountersLike,
  passShareClaim,
  poolCounterRows,
  poolStateMovedText,
  replicatedGathers,
  settledPoolOf,
} from '@casebook/analysis';
import { findRepoRoot } from '@casebook/results';
import { type BenchRecord, withGatherGuards } from '@casebook/study';
import { describe, expect, it } from 'vitest';
import { resolveForeignOptions } from '../packages/runner/src/foreign';

/**
 * The gathers' rules stated after seed-e65a2755 (its second reader's findings 2, 4, 6, 8 and 9), before the run that
 * tests them: the worker's stopping rule (batches until 6 have started after keepalive_expiry + 1 s), the pool-state
 * guard and the settled pool, the A/A at matched pool sizes, the per-batch counters read over the kept batches, the
 * counted `pass-share-fastacquire` on both sides (data that fails it), the queue-work reference from the kept batches,
 * the version-step intervals withheld from flagged arms, the contenders' rank-sum ratios against each reference
 * process, and the flags and kept-batch figures a gather's bench carries when saved. Constructed data; no process.
 */

const NOISE = [1.03, 0.97, 1.05, 0.96, 1.01, 0.99, 1.04, 0.95, 1.02, 0.98, 1.0, 1.03, 0.97, 1.01];

/** httpcore 1.0.9's settings as the worker reads them: keepalive_expiry 5 s, 20 kept alive, pool wait unbounded. */
const HTTPX = {
  'httpx.max_connections': 100,
  'httpx.max_keepalive_connections': 20,
  'httpx.keepalive_expiry_s': 5,
  'httpx.timeout_s': { connect: 5, read: 5, write: 5, pool: null },
};

interface BatchSpec {
  ms: number;
  cpu: number;
  peak?: number;
  opened?: number;
  counters?: CountedBatch['poolCounters'];
}

/** A gather of batches of 512 from their specs (the cold first gather is not among them, as in a record). */
function gather(label: string, batches: readonly BatchSpec[], settings: Readonly<Record<string, unknown>> = HTTPX) {
  return {
    label,
    client: { name: label, settings },
    params: { load: { concurrency: 512, requests: 512 } },
    trials: batches.map((b, i) => ({
      durationMs: b.ms,
      sent: 512,
      cpuMicrosPerRequest: b.cpu * (NOISE[i % NOISE.length] as number),
      eventLoopUtilization: 1,
      errors: { total: 0, byCode: {} },
      latencyMs: { p50: b.ms / 2, p99: b.ms },
      target: b.peak === undefined ? null : { connectionsOpened: b.opened ?? 0, peakOpenConnections: b.peak },
      ...(b.counters ? { poolCounters: b.counters } : {}),
    })),
  } satisfies CountedGather & { params: unknown };
}

/** n batches of `ms` ms at `cpu` µs/request, each with the same peak open and new sockets. */
const steady = (n: number, ms: number, cpu: number, peak?: number, opened?: number): BatchSpec[] =>
  Array.from({ length: n }, () => ({
    ms,
    cpu,
    ...(peak === undefined ? {} : { peak }),
    ...(opened === undefined ? {} : { opened }),
  }));

describe('warm-up sizing: batches run until 6 have started after keepalive_expiry + 1 s (finding 4a)', () => {
  const until = GATHER_UNTIL_AFTER_E65A2755;

  it('states the rule with the warm-up in time it serves', () => {
    expect(until).toEqual({ minStartedAfter: 6, marginS: 1, maxTrials: 80, maxSeconds: 120 });
    expect([until.minStartedAfter, until.marginS]).toEqual([
      GATHER_WARMUP_IN_TIME.minKept,
      GATHER_WARMUP_IN_TIME.marginS,
    ]);
  });

  it("runs past the planned count where seed-e65a2755's plan left few-kept, and then keeps 6", () => {
    // 2022 at 0.33 s a batch, planned 24: the batches from the 20th on start at 6.27 s or later.
    const run2022 = gatherUntilRun(() => 330, 5, 24, until);
    expect(run2022).toEqual({ ran: 25, startedAfter: 6, stoppedBy: 'rule' });
    const g2022 = gather('2022 · httpx pool=None @ 0 ms · process 1', steady(run2022.ran, 330, 650, 20, 0));
    expect(gatherWarmupOf(g2022, GATHER_WARMUP_IN_TIME)).toBe(19);
    expect(gatherSample(g2022, GATHER_POOL_STATE).guards).toEqual({ flags: [], rankable: true });
    // The plan of seed-e65a2755 (24 batches) left 5: few-kept, as it was flagged there.
    const planned = gather('2022 · httpx pool=None @ 0 ms · process 1', steady(24, 330, 650, 20, 0));
    expect(gatherSample(planned, GATHER_POOL_STATE).guards?.flags[0]).toMatch(/^few-kept \(5 batches/);
    // httpx2 at 0.21 s, planned 34: 35 run.
    expect(gatherUntilRun(() => 210, 5, 34, until)).toEqual({ ran: 35, startedAfter: 6, stoppedBy: 'rule' });
  });

  it('stops at the planned count when the rule is met by then, and runs it where no expiry is readable', () => {
    expect(gatherUntilRun(() => 3650, 5, 10, until)).toEqual({ ran: 10, startedAfter: 8, stoppedBy: 'planned' });
    expect(gatherUntilRun(() => 100, null, 17, until)).toEqual({
      ran: 17,
      startedAfter: 0,
      stoppedBy: 'no-keepalive-expiry',
    });
  });

  it('always ends: the cap stops it, and `few-kept` then flags the gather', () => {
    const slow = gatherUntilRun(() => 30_000, 5, 2, until);
    expect(slow).toEqual({ ran: 4, startedAfter: 3, stoppedBy: 'max-seconds' });
    const capped = gather('latest · httpx @ 0 ms', steady(slow.ran, 30_000, 9000, 20, 0));
    expect(gatherSample(capped, GATHER_POOL_STATE).guards?.flags[0]).toMatch(/^few-kept \(3 batches/);
    expect(gatherUntilRun(() => 10, 5, 2, { ...until, maxTrials: 50 })).toEqual({
      ran: 50,
      startedAfter: 0,
      stoppedBy: 'max-trials',
    });
  });

  it('reads how many ran and why it stopped from the worker settings', () => {
    const settings = { gatherUntil: { ...until, planned: 34, ran: 35, stoppedBy: 'rule', startedAfter: 6 } };
    expect(gatherRunText(settings)).toBe('35 batches (34 planned; stopped by rule)');
    expect(gatherRunText({})).toBeNull();
  });
});

describe('the pool-state guard and the settled pool (findings 4c, 4d)', () => {
  const guard = (kept: BatchSpec[], settings: Readonly<Record<string, unknown>> = HTTPX) =>
    poolStateMovedText(gather('g', kept, settings).trials, settings, 1);
  const peaks = (ps: readonly number[], opened: readonly number[] = []) =>
    ps.map((p, i) => ({ ms: 500, cpu: 1000, peak: p, opened: opened[i] ?? 0 }));

  it("flags seed-e65a2755's moves: 8 → 14 with 6 new sockets, 14 → 9, and one new socket at 10 → 11", () => {
    const uvloop = guard(peaks([8, 8, 8, 8, 8, 14, 14], [0, 0, 0, 0, 0, 6, 0]));
    expect(uvloop).toMatch(
      /^pool-state-moved \(peak open 8 in the first kept batch, 14 in kept batch 6: more than ±1; 6 new sockets/,
    );
    expect(guard(peaks([14, 14, 14, 14, 14, 14, 14, 9, 9]))).toBe(
      'pool-state-moved (peak open 14 in the first kept batch, 9 in kept batch 8: more than ±1)',
    );
    const asReported = guard(peaks([10, 10, 10, 10, 10, 10, 11], [0, 0, 0, 0, 0, 0, 1]));
    expect(asReported).toMatch(/^pool-state-moved \(1 new socket in the kept batches \(the first in kept batch 7\)/);
    // keep-alive = 100, process 3: its first kept batch opened 6 at 15 open (a pool under its keep-alive count).
    expect(guard(peaks([15, 15, 15], [6, 0, 0]), { ...HTTPX, 'httpx.max_keepalive_connections': 100 })).toMatch(
      /^pool-state-moved \(6 new sockets/,
    );
  });

  it('does not flag a pool that reopens by design for reopening, only for a change of peak open', () => {
    // fast_acquire: 100 open over 20 kept alive, 492 new sockets a batch; httpx2 and the 50 ms storm alike.
    expect(expectsNoNewSockets(HTTPX, 100)).toBe(false);
    expect(guard(peaks([100, 100, 100, 100], [492, 492, 492, 492]))).toBeNull();
    expect(guard(peaks([100, 100, 60, 100], [492, 492, 492, 492]))).toMatch(
      /^pool-state-moved \(peak open 100 .* 60 in kept batch 3/,
    );
    // A change of one connection is within the guard; aiohttp (no keep-alive count) expects none and opened none.
    expect(guard(peaks([20, 21, 20, 19]))).toBeNull();
    expect(guard(peaks([100, 100, 100]), { 'aiohttp.limit': 100 })).toBeNull();
    expect(expectsNoNewSockets({ 'aiohttp.limit': 100 }, 100)).toBe(true);
  });

  it('applies only under GATHER_POOL_STATE; the earlier rules read as before', () => {
    // 12 batches of 0.5 s before 6 s (warm-up), then 6 kept at 14 open and 4 at 9.
    const moved = gather('latest · httpx pool=None @ 0 ms', [
      ...steady(18, 500, 1000, 14, 0),
      ...steady(4, 500, 800, 9, 0),
    ]);
    expect(gatherSample(moved, GATHER_WARMUP_IN_TIME).guards?.flags).toEqual([]);
    expect(gatherSample(moved, 4).guards?.flags).toEqual([]);
    expect(gatherSample(moved, GATHER_POOL_STATE).guards?.flags).toEqual([
      'pool-state-moved (peak open 14 in the first kept batch, 9 in kept batch 7: more than ±1)',
    ]);
    // Not recorded (no target counters): nothing to say.
    expect(gatherSample(gather('x', steady(20, 500, 1000)), GATHER_POOL_STATE).guards?.flags).toEqual([]);
  });

  it('the settled pool is the modal peak open of the kept batches, ties to the value reached last', () => {
    expect(settledPoolOf([14, 14, 14, 14, 14, 14, 14, 9, 9])).toBe(14);
    expect(settledPoolOf([8, 8, 12, 12])).toBe(12);
    expect(settledPoolOf([null, 9, null])).toBe(9);
    expect(settledPoolOf([])).toBeNull();
    const g = gatherSample(gather('g', [...steady(12, 500, 1000, 20, 0), ...steady(6, 500, 1000, 9, 0)]), 4);
    expect(g.settledPool).toBe(20);
  });
});

describe('the A/A compares only processes at the same settled pool (findings 4d, 9)', () => {
  /** A process of 14 batches (the first 4 left out) at `us` µs/request holding `pool` connections. */
  const proc = (label: string, us: number, pool: number, shift = 0) => {
    const g = gather(label, steady(14, 500, us, pool, 0));
    const trials = g.trials.map((t, i) => ({
      ...t,
      cpuMicrosPerRequest: us * (NOISE[(i + shift) % NOISE.length] as number),
    }));
    return gatherSample({ ...g, trials }, 4);
  };
  const arm = (name: string, specs: readonly [number, number][]) =>
    replicatedGathers(specs.map(([us, pool], k) => proc(`${name} · process ${k + 1}`, us, pool, k)))[0];

  it("skips the pair at 9 against 14 connections that seed-e65a2755's A/A passed at 0.82, and says so", () => {
    const a = arm('latest · httpx @ 0 ms', [[1060, 9]]);
    const b = arm('latest · httpx pool=None @ 0 ms', [
      [1057, 9],
      [1290, 14],
      [1063, 9],
    ]);
    if (!a || !b) throw new Error('no arm');
    const v = aaGatherCheck({ id: 'aa-pool-wait-gather', a, b });
    expect([v.outcome, v.evidence['pairs'], v.evidence['decidedPairs'], v.evidence['excludingOne']]).toEqual([
      'holds',
      2,
      2,
      0,
    ]);
    expect(v.evidence['skippedPairs']).toBe(
      'latest · httpx @ 0 ms · process 1 ÷ latest · httpx pool=None @ 0 ms · process 2: settled at 9 and 14 open, not the same pool state',
    );
    expect(v.evidence['settledPools']).toBe(
      'latest · httpx @ 0 ms · process 1 9, latest · httpx pool=None @ 0 ms · process 1 9, latest · httpx pool=None @ 0 ms · process 2 14, latest · httpx pool=None @ 0 ms · process 3 9',
    );
    expect(String(v.evidence['ratios'])).toMatch(/process 1 \[9 open\] ÷ .* process 1 \[9 open\] (0\.9|1\.0)/);
  });

  it('still fails where processes at the same pool differ (the check can fail)', () => {
    const a = arm('latest · httpx @ 0 ms', [[1060, 9]]);
    const b = arm('latest · httpx pool=None @ 0 ms', [
      [1057, 9],
      [1300, 9],
    ]);
    if (!a || !b) throw new Error('no arm');
    const v = aaGatherCheck({ id: 'aa', a, b });
    expect([v.outcome, v.evidence['excludingOne'], v.evidence['skippedPairs']]).toEqual(['fails', 1, 'none']);
  });

  it('is unresolved when no pair is at the same pool', () => {
    const a = arm('latest · httpx @ 0 ms', [[1060, 9]]);
    const b = arm('latest · httpx pool=None @ 0 ms', [[1290, 14]]);
    if (!a || !b) throw new Error('no arm');
    expect(aaGatherCheck({ id: 'aa', a, b }).outcome).toBe('unresolved');
  });
});

/** A batch's counters: `passes` passes, one in 64 sampled, the sampled ones taking `sampledMicros` in all. */
const counters = (passes: number, sampledMicros: number, extra: Partial<PoolCountersLike> = {}): PoolCountersLike => ({
  sampleEvery: 64,
  passes,
  sampledPasses: Math.floor(passes / 64),
  queuedTimesConnections: 33_433 * 512,
  sampledConnections: 100 * Math.floor(passes / 64),
  sampledPassMicros: sampledMicros,
  retries: 0,
  idleProbes: 2000,
  connectionsCreated: 492,
  ...extra,
});

const FA = 'latest · httpx pool=None fast_acquire @ 0 ms';

/**
 * A fast_acquire process: 10 batches of 3.65 s at 6,881 µs/request, 100 open, 492 new sockets, 1,024 passes a batch
 * (16 sampled); the sampled passes take `sampled` µs, so the pass's share is sampled × 64 ÷ 512 ÷ 6,881 (about, the
 * CPU carrying the batches' noise). The first 2 batches (starting before 6 s) are warm-up, with a cold-like pass time.
 */
const faProcess = (k: number, sampled: number, n = 10) =>
  gather(
    `${FA} · process ${k}`,
    Array.from({ length: n }, (_, i) => ({
      ms: 3650,
      cpu: 6881,
      peak: 100,
      opened: 492,
      counters: counters(1024, i < 2 ? 1e9 : sampled),
    })),
  );
/** Sampled µs per batch giving a pass share of `share` at 6,881 µs/request: share × 6,881 × 512 ÷ 64. */
const sampledFor = (share: number) => (share * 6881 * 512) / 64;

describe('counters per batch, read over the kept batches (finding 2)', () => {
  it('sums the kept batches only: the warm-up batches (and the cold gather, never a trial) are left out', () => {
    const c = keptPoolCounters(faProcess(1, sampledFor(0.7)), GATHER_POOL_STATE);
    expect(c?.kept).toBe(8);
    expect(c?.requests).toBe(8 * 512);
    expect(c?.passesPerRequest).toBe(2);
    expect(c?.connectionsPerPass).toBe(100);
    expect(c?.queueWorkPerRequest).toBe(33_433);
    expect(c?.idleProbesPerRequest).toBeCloseTo(2000 / 512, 9);
    expect(c?.connectionsCreatedPerRequest).toBeCloseTo(492 / 512, 9);
    expect(c?.retriesPerRequest).toBe(0);
    expect(c?.passMicrosPerRequest).toBeCloseTo(0.7 * 6881, 6);
    expect(c?.passShare).toBeGreaterThan(0.65);
    expect(c?.passShare).toBeLessThan(0.75);
    expect(c?.settledPool).toBe(100);
  });

  it('is null without per-batch counters (a record before them, aiohttp)', () => {
    expect(
      keptPoolCounters(gather('latest · aiohttp @ 0 ms', steady(17, 100, 50, 100, 0)), GATHER_POOL_STATE),
    ).toBeNull();
  });

  it('prints a row per gather with counters, and none for one without', () => {
    const rows = poolCounterRows(
      [faProcess(1, sampledFor(0.7)), gather('latest · aiohttp @ 0 ms', steady(17, 100, 50, 100, 0))],
      GATHER_POOL_STATE,
    );
    expect(rows.map((r) => [r.gather, r.kept, r['settled pool'], r['passes/req'], r['connections/pass']])).toEqual([
      [`${FA} · process 1`, 8, 100, '2.00', '100.0'],
    ]);
  });

  it('the queue-work reference reads the kept batches, not the cold-like first batches (exploratory)', () => {
    const ref = gather(
      'latest · httpx pool=None @ 0 ms · process 1',
      Array.from({ length: 17 }, (_, i) => ({
        ms: 600,
        cpu: 1063,
        peak: i < 4 ? 20 : 9,
        opened: 0,
        counters: counters(2944, 4000, { queuedTimesConnections: (i < 4 ? 17_100_000 : 70) * 512 }),
      })),
    );
    const text = keptQueueWorkText(
      [faProcess(1, sampledFor(0.7)), ref],
      FA,
      'latest · httpx pool=None @ 0 ms',
      GATHER_POOL_STATE,
    );
    expect(text).toContain(`\`${FA}\` process 1 33,433 (2.00 passes, 100.0 connections a pass)`);
    expect(text).toContain('`latest · httpx pool=None @ 0 ms` process 1 70 (');
    expect(text).toMatch(/^\*\*Queue work per request, kept batches only\*\* \(exploratory, never counted/);
  });
});

describe('pass-share-fastacquire (counted): the assignment pass is at least 0.5 of CPU per request in every process', () => {
  const claim = (gathers: readonly CountedGather[]) =>
    passShareClaim({ id: 'pass-share-fastacquire', gathers, arm: FA, minShare: 0.5, warmup: GATHER_POOL_STATE });

  it('holds when every process reaches 0.5, with its mechanism links', () => {
    const v = claim([faProcess(1, sampledFor(0.7)), faProcess(2, sampledFor(0.62)), faProcess(3, sampledFor(0.8))]);
    expect([v.kind, v.outcome, v.evidence['withCounters']]).toEqual(['claim', 'holds', 3]);
    expect(Number(v.evidence['leastShare'])).toBeGreaterThan(0.55);
    expect(String(v.evidence['mechanism'])).toContain(
      'httpcore/blob/1.0.9/httpcore/_async/connection_pool.py#L284-L299',
    );
    expect(v.claim).toContain('connection_pool.py L270–L339');
  });

  it('fails when one process spends less than half its CPU per request in the pass (data that fails it)', () => {
    const v = claim([faProcess(1, sampledFor(0.7)), faProcess(2, sampledFor(0.3)), faProcess(3, sampledFor(0.8))]);
    expect(v.outcome).toBe('fails');
    expect(Number(v.evidence['leastShare'])).toBeLessThan(0.35);
    expect(String(v.evidence['shares'])).toMatch(/process 2 0\.3/);
  });

  it('is unresolved with fewer than 3 processes with counters, and voided by a flagged process', () => {
    expect(claim([faProcess(1, sampledFor(0.7)), faProcess(2, sampledFor(0.7))]).outcome).toBe('unresolved');
    // Process 3 kept 4 batches (the cap stopped it): few-kept voids the claim; its data alone would fail it.
    const v = claim([faProcess(1, sampledFor(0.7)), faProcess(2, sampledFor(0.3)), faProcess(3, sampledFor(0.8), 6)]);
    expect([v.outcome, v.evidence['unguardedOutcome']]).toEqual(['unresolved', 'fails']);
    expect(String(v.evidence['flagged'])).toContain('few-kept');
  });
});

describe('version-step intervals only where no arm of the step is flagged (finding 8)', () => {
  const g = (label: string, us: number, peaks: readonly number[] = Array(12).fill(20)) =>
    gatherSample(
      gather(
        label,
        peaks.map((p) => ({ ms: 500, cpu: us, peak: p, opened: 0 })),
        {},
      ),
      GATHER_POOL_STATE,
    );
  const low = g('latest · aiohttp @ 0 ms', 50);
  const high = g('2022 · httpx pool=None @ 0 ms', 650);
  const step = (to: ReturnType<typeof g>): AttributionStep => ({
    step: '2022 → as-reported',
    replaces: 'every package listed',
    from: high,
    to,
    gapHigh: high,
    gapLow: low,
  });

  it('prints the closed µs interval for an unflagged step', () => {
    const [r] = attributionRows([step(g('as-reported · httpx pool=None @ 0 ms', 400))]);
    expect(Number.isFinite(r?.closedLow ?? Number.NaN)).toBe(true);
    expect(r?.flagged).toBe('none');
    expect(r?.noInterval).toBeUndefined();
  });

  it('withholds it, naming the flag, where an arm of the step is flagged', () => {
    const moved = g('as-reported · httpx pool=None @ 0 ms', 400, [20, 20, 20, 20, 20, 20, 20, 20, 12, 12, 12, 12]);
    expect(moved.guards?.flags[0]).toMatch(/^pool-state-moved/);
    const [r] = attributionRows([step(moved)]);
    expect([r?.closedLow, r?.closedHigh, r?.shareLow].every(Number.isNaN)).toBe(true);
    expect(Number.isFinite(r?.closedMicros ?? Number.NaN)).toBe(true);
    expect(r?.noInterval).toMatch(/^flagged: as-reported · httpx pool=None @ 0 ms \(pool-state-moved/);
    expect(r?.reading).toBe('unresolved');
  });
});

describe('the contenders against each `latest · aiohttp @ 0 ms` process (finding 6)', () => {
  const AIOHTTP = { 'aiohttp.limit': 100 };
  const refs = [46, 47, 48].map((us, k) =>
    gather(`latest · aiohttp @ 0 ms · process ${k + 1}`, steady(17, 100, us, 100, 0), AIOHTTP),
  );
  const niquests = gather('contenders · niquests (optional contender) @ 0 ms', steady(17, 1500, 300, 10, 0), {
    'niquests.pool_maxsize': 10,
    'niquests.pool_block': false,
    'niquests.pool_timeout_s': { value: null, adapterPassesIt: false },
  });
  const pyreqwest = gather('contenders · pyreqwest (optional contender) @ 0 ms', steady(17, 80, 40, 298, 0), {
    'pyreqwest.builder': {},
  });
  const short = gather('contenders · curl_cffi (optional contender) @ 0 ms', steady(8, 500, 132, 10, 0), {});

  it('gives the Hodges–Lehmann ratio and rank-sum interval per reference process, pool_block, and the peak-open note', () => {
    const rows = contenderReferenceRows([niquests, pyreqwest, short], refs, GATHER_POOL_STATE);
    const ratios = (i: number) =>
      String(rows[i]?.['÷ each latest · aiohttp @ 0 ms process (Hodges–Lehmann, rank-sum 95 %)']);
    expect(ratios(0)).toMatch(
      /^process 1 6\.\d\d \(6\.\d\d–\d\.\d\d\); process 2 6\.\d\d \(.*\); process 3 6\.\d\d \(/,
    );
    expect(rows[0]?.['pool_block (read back)']).toBe('pool_block false, pool timeout none');
    expect(rows[0]?.connections).toBe('');
    expect(rows[1]?.connections).toBe("peak open 298 vs aiohttp's 100");
    expect(rows[1]?.['pool_block (read back)']).toBe('—');
    // 4 kept batches: no interval (below 6 a side).
    expect(ratios(2)).toMatch(/^process 1 2\.\d\d \(no interval: 4 kept batches\)/);
  });

  it('says so when the reference was not measured', () => {
    const rows = contenderReferenceRows([niquests], [], GATHER_POOL_STATE);
    expect(rows[0]?.['÷ each latest · aiohttp @ 0 ms process (Hodges–Lehmann, rank-sum 95 %)']).toBe(
      '— (no reference)',
    );
  });
});

describe("a gather's flags and kept-batch figures reach its bench on save (finding 8)", () => {
  it('carries few-kept and the kept batches’ medians, not every batch’s', () => {
    // 2022 · httpx @ 0 ms in seed-e65a2755: 24 batches, 4 kept after 6 s, at a higher CPU than the warm-up batches.
    const r = gather('2022 · httpx @ 0 ms', [...steady(20, 330, 600, 20, 0), ...steady(4, 330, 672, 20, 0)]);
    const g = gatherGuardsOf(r, GATHER_POOL_STATE);
    expect(g?.kept).toBe(5);
    expect(g?.warmupBatches).toBe(19);
    expect(g?.rankable).toBe(false);
    expect(g?.flags[0]).toMatch(/^few-kept \(5 batches/);
    expect(g?.cpuMicrosPerRequest).toBeGreaterThan(640);
    expect(g?.rule).toBe(
      'warm-up in time: keepalive_expiry + 1 s (else the first 4 batches), at least 6 kept; pool-state guard ±1',
    );
    expect(g?.throughputRps).toBeCloseTo(512_000 / 330, 6);
    expect(g?.p50Ms).toBe(165);
  });

  it('is null for a record that is not a gather', () => {
    const r = gather('latest · httpx c64', steady(10, 500, 1000, 64, 0));
    expect(
      gatherGuardsOf({ ...r, params: { load: { concurrency: 64, requests: 3000 } } }, GATHER_POOL_STATE),
    ).toBeNull();
    const windows = { ...r, trials: r.trials.map((t) => ({ ...t, block: 0 })) };
    expect(gatherGuardsOf(windows, GATHER_POOL_STATE)).toBeNull();
  });
});

describe("seed-e65a2755's committed `2022 · httpx @ 0 ms`, saved under these rules (finding 8)", () => {
  const file = path.join(findRepoRoot(), 'results/seed/seed-e65a2755/benches/001-2022-httpx-0-ms.json');
  const record = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchRecord;
  const rule = (r: BenchRecord) => gatherGuardsOf(r, GATHER_POOL_STATE);

  it('carries its flags and its 4 kept batches’ median, 672 µs/request against the 617 the citation gave', () => {
    expect(record.cpuMicrosPerRequest).toBeCloseTo(617.16, 2);
    const saved = withGatherGuards(record, [rule]);
    const g = saved.gatherGuards;
    expect([g?.kept, g?.warmupBatches, g?.rankable]).toEqual([4, 20, false]);
    expect(g?.flags).toEqual([
      'few-kept (4 batches after the warm-up in time, fewer than 6)',
      'pool-state-moved (peak open 20 in the first kept batch, 61 in kept batch 2: more than ±1; 76 new sockets in the kept batches (the first in kept batch 2) where a pool of 20 open should open none)',
    ]);
    expect(g?.cpuMicrosPerRequest).toBeCloseTo(671.7, 0);
    // Saved once: a record that has them, or one the rule returns null for, is left as it is.
    expect(withGatherGuards(saved, [rule])).toBe(saved);
    expect(withGatherGuards(record, [() => null])).toBe(record);
  });
});

describe('gatherUntil: the runner takes the rule for the phase method (finding 4a)', () => {
  const base = { client: 'httpx', concurrency: 512, requests: 512 };

  it('passes it on checked, and only when given', () => {
    const o = resolveForeignOptions({ ...base, trials: 17, gatherUntil: { ...GATHER_UNTIL_AFTER_E65A2755 } });
    expect(o.foreign.gatherUntil).toEqual(GATHER_UNTIL_AFTER_E65A2755);
    expect(resolveForeignOptions({ ...base, trials: 17 }).foreign).not.toHaveProperty('gatherUntil');
  });

  it('refuses a cap below the planned count, and seconds that are not seconds', () => {
    const until = { ...GATHER_UNTIL_AFTER_E65A2755 };
    expect(() => resolveForeignOptions({ ...base, trials: 90, gatherUntil: until })).toThrow(/invalid gatherUntil/);
    expect(() => resolveForeignOptions({ ...base, gatherUntil: { ...until, maxSeconds: 0 } })).toThrow(
      /invalid gatherUntil/,
    );
    expect(() => resolveForeignOptions({ ...base, gatherUntil: { ...until, minStartedAfter: 1.5 } })).toThrow(
      /invalid gatherUntil/,
    );
  });
});
