import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type AppRun,
  attributionRows,
  claimTally,
  closesGapClaim,
  collapsedText,
  cpuGap,
  cpuGrowthClaim,
  cpuRatioClaim,
  declaredBeforeRun,
  everyCallerHasAConnection,
  gapClaim,
  keepaliveCheaperClaim,
  loopFreeClaim,
  noStormClaim,
  notAShare,
  oppositeDirection,
  poolTimeoutsOf,
  reconnectStorm,
  type SeedMeasurement,
  verdictHeadline,
  verdictKindText,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';
import { seedMeasurementFactory } from './fixtures/seed-measurement';

/**
 * The rules stated before the run after seed-18581e19 (its two readers), each on both sides, on constructed data: a
 * version step whose ratio is not a share is unresolved with the reason, never a number; `collapsed` needs a waiter
 * that could fail; a claim a guard voided is counted as voided, not imprecise; replications of seed-18581e19; the new
 * claim `reopen-0ms-latest`. No process.
 */

const ROUNDS = 8;
const common = [1, 1.04, 0.97, 1.02, 0.99, 1.03, 0.96, 1.01];
const ALT = [1.1, 0.9, 1.1, 0.9, 1.1, 0.9, 1.1, 0.9];

const m = seedMeasurementFactory(common, Array(ROUNDS).fill(1));

/** httpx at 512 with the pool wait unbounded (pool=None), as every steady-state httpx row runs: never `collapsed`. */
const unbounded = (x: SeedMeasurement): SeedMeasurement => ({
  ...x,
  client: {
    name: 'httpx',
    settings: { 'httpx.max_connections': 100, 'httpx.timeout_s': { connect: 5, read: 5, write: 5, pool: null } },
  },
  params: { load: { concurrency: 512 } },
});

describe('not a share: a version step whose ratio is not a part of its gap', () => {
  // seed-18581e19's shape: 2022 · httpx 2,261 µs and latest · aiohttp 250 µs bound a gap of about 2,000 µs, while
  // latest · httpx ran at 49,000 µs: latest → httpx2 "closed" 22.6 gaps.
  const oldest = m('2022 · httpx', 2261, 440);
  const aiohttp = m('latest · aiohttp', 250, 4000);
  const latest = unbounded(m('latest · httpx', 49_000, 20));
  const httpx2 = m('httpx2 · httpx', 1541, 650);
  const ill = { step: 'latest → httpx2', replaces: 'x', from: latest, to: httpx2, gapHigh: oldest, gapLow: aiohttp };

  it('the attribution row says why, and reads "not a share"', () => {
    const [row] = attributionRows([ill]);
    expect(row?.reading).toBe('not a share');
    expect(row?.notAShare).toMatch(/^not a share: /);
    expect(row?.notAShare).toMatch(/is less than a fifth of latest · httpx \(4\d,\d{3} µs\/request\)/);
    expect(row?.notAShare).toMatch(/outside \[-1, 2\]/);
  });

  it('the claim is unresolved with that reason, with no statistic, and never "the opposite way"', () => {
    const v = closesGapClaim(ill, 0.1, 'closes-httpx2');
    expect(v.outcome).toBe('unresolved');
    expect(v.statistic).toBeUndefined();
    expect(v.evidence['illPosed']).toMatch(/^not a share: /);
    expect(v.evidence['reason']).toBe(v.evidence['illPosed']);
    expect(v.evidence['low']).toBeNull();
    expect(v.evidence['unguardedOutcome']).toBeUndefined();
    expect(Number(v.evidence['closedMicros'])).toBeGreaterThan(40_000);
    expect(verdictHeadline([v])).toBe('0 of 1 claims hold, 1 unresolved (1 ill-posed)');
    // Reversed (as-reported's −25.78 in seed-18581e19): unresolved too, and not named as pointing the opposite way.
    const back = closesGapClaim({ ...ill, from: httpx2, to: latest }, 0.1, 'closes-back');
    expect(back.outcome).toBe('unresolved');
    expect(oppositeDirection([back])).toEqual([]);
    // A flagged row is named beside the reason.
    const flagged = closesGapClaim({ ...ill, to: m('httpx2 · httpx', 1541, 650, { flags: ['errors'] }) }, 0.1, 'c');
    expect(flagged.evidence['reason']).toMatch(/^not a share: .*; flagged too: httpx2 · httpx \(errors\)$/);
  });

  it('counterfactual: a step inside its gap is a share, decided by its interval as before', () => {
    const mid = m('as-reported · httpx', 1200, 800);
    const step = { step: '2022 → as-reported', replaces: 'x', from: oldest, to: mid, gapHigh: oldest, gapLow: aiohttp };
    expect(notAShare(step)).toBeNull();
    expect(attributionRows([step])[0]?.reading).toBe('closes');
    const v = closesGapClaim(step, 0.1, 'closes-as-reported');
    expect(v.outcome).toBe('holds');
    expect(v.statistic?.value).toBeCloseTo(1061 / 2011, 2);
  });

  it('each reason alone: a denominator below a fifth of a row, and a ratio outside [−1, 2]', () => {
    // Inside the endpoints, share 0.4, but the gap (100 µs) is a tenth of the rows (≈ 1,000 µs).
    const narrow = {
      step: 's',
      replaces: 'r',
      from: m('a', 990, 1),
      to: m('b', 950, 1),
      gapHigh: m('h', 1000, 1),
      gapLow: m('l', 900, 1),
    };
    expect(notAShare(narrow)).toMatch(
      /^not a share: the denominator h − l \(10\d µs\/request, median per round\) is less than a fifth of a \(/,
    );
    expect(closesGapClaim(narrow, 0.1, 'c').outcome).toBe('unresolved');
    const wide = { ...narrow, gapLow: m('l', 100, 1), from: m('a', 900, 1), to: m('b', 500, 1) };
    expect(notAShare(wide)).toBeNull();
    expect(closesGapClaim(wide, 0.1, 'c').outcome).toBe('holds');
    // Gap-to-gap (uvloop): never outside the endpoints, but a switch that widens the gap 2.2× is no share of it.
    const h = m('h', 1000, 1);
    const l = m('l', 100, 1);
    const widens = {
      step: 'uv',
      replaces: 'loop',
      from: h,
      to: m('h uv', 3000, 1),
      gapHigh: h,
      gapLow: l,
      toLow: m('l uv', 100, 1),
    };
    expect(notAShare(widens)).toBe("not a share: the ratio's median per round lies outside [-1, 2]");
    const small = { ...widens, to: m('h uv', 1500, 1) };
    expect(notAShare(small)).toBeNull();
    expect(closesGapClaim(small, 0.1, 'c').outcome).toBe('fails');
  });
});

describe('collapsed needs a waiter that could fail', () => {
  const HTTPX = (limit: number) => ({
    'httpx.max_connections': limit,
    'httpx.timeout_s': { connect: 5, read: 5, write: 5, pool: 5 },
  });
  // seed-18581e19's latest · httpx c64: pool = C = 64, the 5 s pool wait, 0 errors, 43 req/s at 22,893 µs.
  const c64 = (limit: number, byCode: Record<string, number> = {}): SeedMeasurement => ({
    ...m('latest · httpx c64', 22_893, 43),
    client: { name: 'httpx', settings: HTTPX(limit) },
    params: { load: { concurrency: 64 } },
    errors: { total: Object.values(byCode).reduce((a, b) => a + b, 0), byCode },
  });

  it('pool limit ≥ C and no PoolTimeout: never collapsed', () => {
    expect(everyCallerHasAConnection(c64(64))).toBe(true);
    expect(poolTimeoutsOf(c64(64))).toBe(0);
    expect(collapsedText(c64(64))).toBeNull();
    // ConnectTimeout is not a pool wait (c512's 9 errors there).
    expect(collapsedText(c64(64, { ConnectTimeout: 9 }))).toBeNull();
  });

  it('counterfactual: a PoolTimeout, or a pool limit below C, keeps the flag', () => {
    expect(collapsedText(c64(64, { PoolTimeout: 3 }))).toMatch(/^collapsed \(/);
    expect(everyCallerHasAConnection(c64(32))).toBe(false);
    expect(collapsedText(c64(32))).toMatch(/^collapsed \(/);
    // A PoolTimeout in the block a stall fault ended counts too.
    const stalled = {
      ...c64(64),
      error: {
        code: 'CASEBOOK_CLIENT_STALLED',
        message: 'no request answered; the block so far: {"answered":3,"failed":5,"byCode":{"PoolTimeout":5},"busy":1}',
      },
    };
    expect(poolTimeoutsOf(stalled)).toBe(5);
    // Unknown C (an older record): the guard stays.
    const { params: _c, ...unknownC } = c64(64);
    expect(everyCallerHasAConnection(unknownC)).toBe(false);
  });
});

/** An open-loop point of the app's httpx route at `rate`, with its loop lag p99 and flags (and the steadiness reason). */
const point = (rate: number, lag: number, flags: string[] = [], reason = 'steady') => ({
  route: 'httpx',
  generator: 'open-loop',
  rateRps: rate,
  connections: null,
  throughputRps: rate,
  latencyMs: { p50: 55, p99: 120 },
  cpuShare: { app: 0.4, target: 0.1, loadGenerator: 0.1 },
  app: { threadsPeak: 0, loopLagMs: { p99: lag, max: lag } },
  flags,
  steadiness: { steady: flags.length === 0, reason },
});

describe('the summary counts a claim a guard voided as voided, not imprecise', () => {
  const text = { id: 'loop-free', claim: 'c', route: 'httpx', freeShare: 0.2 };

  it('loop-free with flagged rates (seed-18581e19: two of three) is voided by guards, naming them', () => {
    const run: AppRun = {
      target: { delayMs: 50 },
      points: [point(30, 7.7), point(60, 10, ['load-generator-saturated']), point(90, 2.3, ['target-saturated'])],
    };
    const v = loopFreeClaim({ ...text, run });
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence).toMatchObject({ comparable: false, unguardedOutcome: 'holds' });
    expect(v.evidence['reason']).toBe('not compared: httpx@60 (load-generator-saturated); httpx@90 (target-saturated)');
    expect(verdictHeadline([v])).toBe('0 of 1 claims hold, 1 unresolved (1 voided by guards)');
    // Counterfactual: every rate clean decides it; no rate at all is "not measured".
    const clean: AppRun = { target: { delayMs: 50 }, points: [point(30, 7.7), point(60, 9), point(90, 2.3)] };
    expect(loopFreeClaim({ ...text, run: clean }).outcome).toBe('holds');
    const none = loopFreeClaim({ ...text, run: { target: { delayMs: 50 }, points: [] } });
    expect(verdictHeadline([none])).toBe('0 of 1 claims hold, 1 unresolved (1 not measured)');
  });

  it('httpx-cpu-grows reading a flagged aiohttp c1 is unresolved by that guard and names it', () => {
    const text2 = { id: 'httpx-cpu-grows', claim: 'c', httpxAbove: 1.5, aiohttpBelow: 1.25 };
    // httpx c512 ÷ c1 straddles 1.5 (1.35 and 1.65 in alternate rounds): imprecise on its own.
    const httpx = { low: m('2022 · httpx c1', 800, 900), high: m('2022 · httpx c512', 1200, 830, { jitter: ALT }) };
    const flaggedLow = m('2022 · aiohttp c1', 260, 2800, { flags: ['not-steady'] });
    const v = cpuGrowthClaim({
      ...text2,
      httpx,
      aiohttp: { low: flaggedLow, high: m('2022 · aiohttp c512', 250, 3900) },
    });
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence['flagged']).toBe('2022 · aiohttp c1 (not-steady)');
    expect(v.evidence['comparable']).toBe(false);
    expect(v.evidence['reason']).toBe('not compared: 2022 · aiohttp c1 (not-steady)');
    expect(v.evidence['unguardedOutcome']).toBe('unresolved');
    expect(verdictHeadline([v])).toMatch(/1 voided by guards/);
    // Counterfactual: the same with a clean aiohttp c1 is imprecise (httpx's part straddles its threshold).
    const clean = cpuGrowthClaim({ ...text2, httpx, aiohttp: { low: m('a1', 260, 2800), high: m('a512', 250, 3900) } });
    expect(clean.outcome).toBe('unresolved');
    expect(clean.evidence['flagged']).toBe('none');
    expect(verdictHeadline([clean])).toMatch(/1 imprecise/);
    // A clean part that fails decides the claim, and the flagged measurement is still named.
    const fails = cpuGrowthClaim({
      ...text2,
      httpx: { low: m('h1', 800, 900), high: m('h512', 880, 830) },
      aiohttp: { low: flaggedLow, high: m('a512', 250, 3900) },
    });
    expect(fails.outcome).toBe('fails');
    expect(fails.evidence['flagged']).toBe('2022 · aiohttp c1 (not-steady)');
  });
});

describe('replications of seed-18581e19 (measured under their thresholds, stated before it)', () => {
  const seen = { run: 'seed-18581e19', value: 208.1980491076399, seenUnderThreshold: true };

  it('are exploratory, say the result was seen under the threshold, and are not counted', () => {
    const v = gapClaim({
      id: 'gap-latest',
      claim: 'gap',
      httpx: m('latest · httpx', 700, 1400),
      aiohttp: m('latest · aiohttp', 100, 9000),
      threshold: { above: 1.5 },
      replicates: seen,
    });
    expect(v.kind).toBe('exploratory');
    expect(v.claim).toBe(
      'Replication of seed-18581e19 (which measured 208.20× under this threshold, stated before it; seen before this run, so not a finding): gap',
    );
    expect(claimTally([v]).claims).toBe(0);
    // The older wording stays for a threshold set after the earlier run (seed-64bcd62b's).
    const before = gapClaim({
      id: 'gap-2022',
      claim: 'gap',
      httpx: m('2022 · httpx', 700, 1400),
      aiohttp: m('2022 · aiohttp', 100, 9000),
      threshold: { above: 1.5 },
      replicates: { run: 'seed-64bcd62b', value: 7.4 },
    });
    expect(before.claim).toMatch(/^Replication of seed-64bcd62b \(which measured 7\.40× before this threshold was set/);
  });

  it('switch shares, the storm, keep-alive cheaper and no-storm take `replicates` too; without it they are claims', () => {
    const h = m('latest · httpx', 700, 1400);
    const l = m('latest · aiohttp', 100, 9000);
    const step = {
      step: 'keep-alive 100',
      replaces: 'pool',
      from: h,
      to: m('keepalive=100', 200, 4000),
      gapHigh: h,
      gapLow: l,
    };
    const text = { ...seen, text: 'a share of 0.84 in flagged rows' };
    const share = closesGapClaim(step, 0.1, 'closes-keepalive', { replicates: text });
    expect([share.kind, share.outcome, share.evidence['replicates']]).toEqual([
      'exploratory',
      'holds',
      'seed-18581e19',
    ]);
    expect(closesGapClaim(step, 0.1, 'closes-keepalive').kind).toBe('claim');
    const storm = m('latest · httpx', 1000, 900, { sockets: Array(ROUNDS).fill(1400) });
    expect(reconnectStorm({ id: 's', claim: 'c', storm, minPerRequest: 0.05, replicates: seen }).kind).toBe(
      'exploratory',
    );
    const fixed = m('keepalive=100', 200, 4000);
    expect(keepaliveCheaperClaim({ id: 'k', claim: 'c', storm, fixed, below: 1, replicates: seen }).kind).toBe(
      'exploratory',
    );
    const quiet = m('httpx2 · httpx', 300, 3000);
    const noStorm = noStormClaim({
      id: 'no-storm-httpx2',
      claim: 'c',
      m: quiet,
      maxPerRequest: 0.001,
      replicates: seen,
    });
    expect([noStorm.kind, noStorm.outcome]).toEqual(['exploratory', 'holds']);
    expect(noStormClaim({ id: 'n', claim: 'c', m: quiet, maxPerRequest: 0.001 }).kind).toBe('claim');
  });
});

describe('reopen-0ms-latest: httpcore 1.0.9 opens at least 0.5 new sockets per request at 0 ms', () => {
  const text = { id: 'reopen-0ms-latest', claim: 'c', minPerRequest: 0.5 };

  it('holds when every block reopens about one socket per request (seed-18581e19 saw 900 for 900)', () => {
    const v = reconnectStorm({
      ...text,
      storm: unbounded(m('latest · httpx', 49_000, 20, { sockets: Array(ROUNDS).fill(1900) })),
    });
    expect(v.kind).toBe('claim');
    expect(v.outcome).toBe('holds');
    expect(v.evidence['stormMinBlockPerRequest']).toBeCloseTo(0.95, 2);
  });

  it('fails when one block reopens fewer than one per two requests, or when the pool keeps its connections', () => {
    const one = Array(ROUNDS).fill(1900);
    one[3] = 600;
    expect(
      reconnectStorm({ ...text, storm: unbounded(m('latest · httpx', 49_000, 20, { sockets: one })) }).outcome,
    ).toBe('fails');
    expect(reconnectStorm({ ...text, storm: m('latest · httpx', 5_000, 200) }).outcome).toBe('fails');
  });
});

describe('stated before the next run, after seed-0966c9a9', () => {
  const text = { id: 'loop-free', claim: 'c', route: 'httpx', freeShare: 0.2 };
  const run = (p: ReturnType<typeof point>): AppRun => ({ target: { delayMs: 50 }, points: [point(32, 3), p] });

  it('loop-free reads a point unsettled only in its connection rate (httpx@96 there), on both sides', () => {
    const byRate = (lag: number) => point(96, lag, ['not-steady'], 'connection rate still moving');
    expect(loopFreeClaim({ ...text, run: run(byRate(4)) }).outcome).toBe('holds');
    expect(loopFreeClaim({ ...text, run: run(byRate(30)) }).outcome).toBe('fails');
    // Throughput still moving, or a second flag, still voids it.
    const byThroughput = point(96, 4, ['not-steady'], 'throughput still moving');
    expect(loopFreeClaim({ ...text, run: run(byThroughput) }).evidence).toMatchObject({ comparable: false });
    const twoFlags = point(96, 4, ['not-steady', 'target-saturated'], 'connection rate still moving');
    expect(loopFreeClaim({ ...text, run: run(twoFlags) }).outcome).toBe('unresolved');
  });

  it('a version step as a ratio of CPU per request (newer ÷ older, per round) holds and fails on its threshold', () => {
    const older = unbounded(m('latest · httpx', 47_000, 20));
    const newer = unbounded(m('httpx2 · httpx', 1_800, 600));
    const claim = { id: 'step-httpx2', claim: 'c', from: older, to: newer };
    const v = cpuRatioClaim({ ...claim, threshold: { below: 0.25 } });
    expect([v.kind, v.outcome]).toEqual(['claim', 'holds']);
    expect(v.statistic?.value).toBeCloseTo(1_800 / 47_000, 3);
    expect(
      cpuRatioClaim({ ...claim, to: unbounded(m('httpx2 · httpx', 30_000, 30)), threshold: { below: 0.25 } }).outcome,
    ).toBe('fails');
    const up = cpuRatioClaim({ ...claim, from: newer, to: older, threshold: { above: 4 } });
    expect(up.outcome).toBe('holds');
    // seed-0966c9a9's value from its gap rows (corrected after seed-0b8bd744; recomputed from its record below).
    const seen = { run: 'seed-0966c9a9', value: 0.027603235464453903 };
    const replication = cpuRatioClaim({ ...claim, threshold: { below: 0.25 }, replicates: seen });
    expect([replication.kind, replication.evidence['replicates']]).toEqual(['exploratory', 'seed-0966c9a9']);
    expect(replication.evidence['replicatedValue']).toBeCloseTo(0.0276, 4);
    expect(replication.claim).toMatch(/^Replication of seed-0966c9a9 \(which measured 0\.03× before this threshold/);
    // A flagged row decides nothing.
    const flagged = { ...older, guards: { flags: ['not-steady'], rankable: false } };
    expect(cpuRatioClaim({ ...claim, from: flagged, threshold: { below: 0.25 } }).evidence).toMatchObject({
      comparable: false,
    });
  });
});

describe('stated before the next run, after seed-0b8bd744', () => {
  it('loop-free: a replication of seed-0966c9a9, naming the flagged points it reads', () => {
    const text = { id: 'loop-free', claim: 'c', route: 'httpx', freeShare: 0.2 };
    const byRate = (rate: number, lag: number) => point(rate, lag, ['not-steady'], 'connection rate still moving');
    // seed-0b8bd744's shape: httpx@54 and httpx@81 flagged for the connection rate alone, read under the rule above.
    const run: AppRun = { target: { delayMs: 50 }, points: [point(27, 2.0), byRate(54, 4.2), byRate(81, 2.6)] };
    const replicates = { run: 'seed-0966c9a9', value: 7.636501994275022, text: 'lag', seenUnderThreshold: true };
    const v = loopFreeClaim({ ...text, run, replicates });
    expect([v.kind, v.outcome]).toEqual(['exploratory', 'holds']);
    expect(v.claim).toMatch(
      /^Replication of seed-0966c9a9 \(which measured lag under this threshold, stated before it/,
    );
    expect(v.evidence).toMatchObject({ replicates: 'seed-0966c9a9', replicatedValue: 7.636501994275022 });
    expect(claimTally([v]).claims).toBe(0);
    // The admitted points are named with their flag and reason; `flaggedRates` counts them (it printed 0 there).
    expect(v.evidence['flaggedRates']).toBe(2);
    expect(v.evidence['admittedFlagged']).toBe(
      'httpx@54 (not-steady: connection rate still moving); httpx@81 (not-steady: connection rate still moving)',
    );
    // Counterfactual: without `replicates` it is a claim; with every point clean nothing is named as admitted.
    expect(loopFreeClaim({ ...text, run }).kind).toBe('claim');
    const clean = loopFreeClaim({ ...text, run: { target: { delayMs: 50 }, points: [point(27, 2), point(54, 4)] } });
    expect(clean.evidence['flaggedRates']).toBe(0);
    expect(clean.evidence['admittedFlagged']).toBeUndefined();
  });

  it('reopen-0ms-latest: a replication of seed-0966c9a9 (min block 0.513 there), not counted', () => {
    const v = reconnectStorm({
      id: 'reopen-0ms-latest',
      claim: 'c',
      storm: unbounded(m('latest · httpx', 49_000, 20, { sockets: Array(ROUNDS).fill(1900) })),
      minPerRequest: 0.5,
      replicates: { run: 'seed-0966c9a9', value: 0.5128205128205128, text: 't', seenUnderThreshold: true },
    });
    expect([v.kind, v.outcome, v.evidence['replicates']]).toEqual(['exploratory', 'holds', 'seed-0966c9a9']);
    expect(claimTally([v]).claims).toBe(0);
  });

  describe('the version steps and closes-uvloop: not counted, reported by the µs/request they moved', () => {
    const oldest = m('2022 · httpx', 2261, 440);
    const aiohttp = m('latest · aiohttp', 250, 4000);
    const latest = unbounded(m('latest · httpx', 49_000, 20));
    const httpx2 = m('httpx2 · httpx', 1541, 650);
    const why = 'stated before the run: a reason';

    it('an ill-posed step: exploratory, unresolved with the reason, with the µs it moved and that interval', () => {
      const step = {
        step: 'latest → httpx2',
        replaces: 'x',
        from: latest,
        to: httpx2,
        gapHigh: oldest,
        gapLow: aiohttp,
      };
      const v = closesGapClaim(step, 0.1, 'closes-httpx2', { notCounted: why });
      expect([v.kind, v.outcome]).toEqual(['exploratory', 'unresolved']);
      expect(v.claim).toMatch(/^Not counted \(stated before the run: a reason\); reported as the CPU µs\/request/);
      expect(v.evidence['illPosed']).toMatch(/^not a share: /);
      expect(v.evidence['notCounted']).toBe(why);
      const [lo, mid, hi] = ['closedLow', 'closedMicros', 'closedHigh'].map((k) => Number(v.evidence[k]));
      const [row] = attributionRows([step]);
      expect([lo, mid, hi]).toEqual([row?.closedLow, row?.closedMicros, row?.closedHigh]);
      expect(lo).toBeLessThanOrEqual(mid as number);
      expect(mid).toBeLessThanOrEqual(hi as number);
      expect(mid).toBeGreaterThan(40_000);
      expect(claimTally([v]).claims).toBe(0);
      expect(verdictKindText(declaredBeforeRun(v))).toBe('Exploratory (declared before the run, not counted)');
      // Counterfactual: without the option it is a claim, and carries no interval of the µs moved.
      const counted = closesGapClaim(step, 0.1, 'closes-httpx2');
      expect(counted.kind).toBe('claim');
      expect(counted.evidence['closedLow']).toBeUndefined();
    });

    it('a step that is a share keeps its share and outcome, and still reports the µs it moved', () => {
      const mid = m('as-reported · httpx', 1200, 800);
      const step = { step: 's', replaces: 'x', from: oldest, to: mid, gapHigh: oldest, gapLow: aiohttp };
      const v = closesGapClaim(step, 0.1, 'closes-as-reported', { notCounted: why });
      expect([v.kind, v.outcome]).toEqual(['exploratory', 'holds']);
      expect(v.statistic?.value).toBeCloseTo(1061 / 2011, 2);
      // (2261 − 1200) µs × the rounds' shared noise, median per round.
      expect(Number(v.evidence['closedMicros']) / 1061).toBeCloseTo(1, 1);
    });

    it('closes-uvloop (gap-to-gap) moves the gap-to-gap change', () => {
      const uv = unbounded(m('latest · httpx uvloop', 40_000, 24));
      const step = { step: 'uv', replaces: 'loop', from: latest, to: uv, gapHigh: latest, gapLow: aiohttp };
      const v = closesGapClaim({ ...step, toLow: m('latest · aiohttp uvloop', 200, 4500) }, 0.1, 'closes-uvloop', {
        notCounted: why,
      });
      expect(v.kind).toBe('exploratory');
      expect(Number(v.evidence['closedMicros']) / (49_000 - 250 - (40_000 - 200))).toBeCloseTo(1, 1);
    });
  });
});

describe("seed-0966c9a9's version-step values, from its gap rows (corrected after seed-0b8bd744)", () => {
  const repo = path.resolve(__dirname, '..');
  const read = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(repo, file), 'utf8'));
  const record = read('results/seed/seed-0966c9a9/record.json') as {
    measurements: { label: string; file: string }[];
    notes: { interleaved: Record<string, { seed: number }> };
  };
  type Bench = SeedMeasurement & { method: { interleave: { seed: number } } };
  const GAP = 'the gap at 512 in flight, 0 ms, every set and switch';
  const STORM = 'the reconnect storm at 50 ms';
  /** The row of one interleaved run, by that run's title (its seed) and the label: a label alone names two rows here. */
  const rowOf = (title: string, label: string): Bench => {
    const seed = record.notes.interleaved[title]?.seed;
    const rows = record.measurements
      .filter((x) => x.label === label)
      .map((x) => read(x.file) as Bench)
      .filter((b) => b.method.interleave.seed === seed);
    expect(rows, `${title}: ${label}`).toHaveLength(1);
    return rows[0] as Bench;
  };

  it('the labels repeat across its runs, so a lookup by label alone is ambiguous', () => {
    expect(record.measurements.filter((x) => x.label === '2022 · httpx')).toHaveLength(2);
    expect(record.measurements.filter((x) => x.label === 'latest · httpx')).toHaveLength(2);
  });

  it('26.6× (21.2–31.3) and 0.0276× (0.0248–0.0362) per round in the gap run; 17.0× and 0.038× came from storm rows', () => {
    const up = cpuGap(rowOf(GAP, 'as-reported · httpx'), rowOf(GAP, '2022 · httpx'));
    expect([up.n, up.median, up.low, up.high].map((x) => Number(x.toPrecision(3)))).toEqual([6, 26.6, 21.2, 31.3]);
    const down = cpuGap(rowOf(GAP, 'httpx2 · httpx'), rowOf(GAP, 'latest · httpx'));
    expect([down.n, down.median, down.low, down.high].map((x) => Number(x.toPrecision(3)))).toEqual([
      6, 0.0276, 0.0248, 0.0362,
    ]);
    // What was printed before: the gap run's as-reported row over the storm run's 2022 row, and two storm rows.
    expect(cpuGap(rowOf(GAP, 'as-reported · httpx'), rowOf(STORM, '2022 · httpx')).median).toBeCloseTo(17.0, 1);
    expect(cpuGap(rowOf(STORM, 'httpx2 · httpx'), rowOf(STORM, 'latest · httpx')).median).toBeCloseTo(0.0377, 4);
  });

  it("the notebook's replicated values are these, and its storm rows carry labels of their own", () => {
    const nb = read('notebooks/06-the-seed.ipynb') as { cells: { id?: string; source: string[] }[] };
    const cell = (id: string): string => nb.cells.find((c) => c.id === id)?.source.join('') ?? '';
    const seen = [...cell('seed-12').matchAll(/seen: ([\d.]+)/g)].map((x) => Number(x[1]));
    const computed = [
      cpuGap(rowOf(GAP, 'as-reported · httpx'), rowOf(GAP, '2022 · httpx')).median,
      cpuGap(rowOf(GAP, 'httpx2 · httpx'), rowOf(GAP, 'latest · httpx')).median,
    ];
    expect(seen).toHaveLength(computed.length);
    for (const [i, x] of seen.entries()) expect(x).toBeCloseTo(computed[i] as number, 10);
    const labels = [...cell('seed-14').matchAll(/label: `([^`]*)`/g)].map((x) => x[1]);
    expect(labels.length).toBeGreaterThan(0);
    for (const l of labels) expect(l).toMatch(/\$\{STORM\}$/);
  });
});
