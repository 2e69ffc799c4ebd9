import {
  type AppRun,
  appRouteRows,
  attributionRows,
  batchTimeRow,
  claimTally,
  closesGapClaim,
  cpuGap,
  cpuGrowthClaim,
  gapClaim,
  keepaliveCheaperClaim,
  keepaliveFixedSanity,
  loopBlockedSanity,
  loopFreeClaim,
  noStormClaim,
  oppositeDirection,
  pooledLittleSanity,
  poolLimitOf,
  recommendationsFrom,
  reconnectStorm,
  retention,
  retentionClaim,
  retentionRows,
  type SeedMeasurement,
  seedGuardFlags,
  seedRows,
  servedInFlight,
  setVersionRows,
  socketsOpened,
  threadLimitOf,
  threadpoolSanity,
  unstableAcrossBlocks,
  versionStepLabel,
  voidedBySanity,
  wavesBandObservation,
  wavesFloorSanity,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';
import { seedMeasurementFactory } from './fixtures/seed-measurement';

/**
 * The seed's checks on both sides, on constructed data: where each holds, and counterfactual data where it must fail
 * (or stay unresolved). No test starts a process.
 */

const ROUNDS = 10;
// Round-to-round host noise shared by every measurement of a round (paired), and a little of its own.
const common = [1, 1.04, 0.97, 1.02, 0.99, 1.03, 0.96, 1.01, 0.98, 1.0];
const own = [1, 0.99, 1.01, 1.0, 1.02, 0.98, 1.0, 1.01, 0.99, 1.0];

const m = seedMeasurementFactory(common, own);

describe('the gap', () => {
  const httpx = m('httpx', 700, 1400);
  const aiohttp = m('aiohttp', 120, 8000);

  it('httpx ÷ aiohttp CPU per request is computed per round', () => {
    expect(cpuGap(httpx, aiohttp).median).toBeCloseTo(700 / 120, 1);
  });

  it('holds when the whole interval is above the threshold, fails when below', () => {
    const text = { id: 'gap', claim: 'gap > 1.5' };
    expect(gapClaim({ ...text, httpx, aiohttp, threshold: { above: 1.5 } }).outcome).toBe('holds');
    expect(gapClaim({ ...text, httpx: m('httpx2', 130, 7000), aiohttp, threshold: { above: 1.5 } }).outcome).toBe(
      'fails',
    );
  });

  it('is unresolved when a measurement is flagged, and says which', () => {
    const v = gapClaim({
      id: 'gap',
      claim: 'c',
      httpx: m('httpx', 700, 1400, { flags: ['target-saturated'] }),
      aiohttp,
      threshold: { above: 1.5 },
    });
    expect(v.outcome).toBe('unresolved');
    expect(String(v.evidence['flagged'])).toContain('target-saturated');
  });

  it('a replication (threshold chosen after an earlier run measured the gap) is exploratory, naming the run and its value', () => {
    const text = { id: 'gap', claim: 'gap > 1.5' };
    const v = gapClaim({
      ...text,
      httpx,
      aiohttp,
      threshold: { above: 1.5 },
      replicates: { run: 'seed-64bcd62b', value: 7.398810779460154 },
    });
    expect(v.kind).toBe('exploratory');
    expect(v.outcome).toBe('holds');
    expect(v.claim).toMatch(
      /^Replication of seed-64bcd62b \(which measured 7\.40× before this threshold was set; not a finding\)/,
    );
    expect(v.evidence['replicates']).toBe('seed-64bcd62b');
    expect(gapClaim({ ...text, httpx, aiohttp, threshold: { above: 1.5 } }).kind).toBe('claim');
  });

  it('is unresolved when the two never ran in the same round', () => {
    const other: SeedMeasurement = {
      ...aiohttp,
      method: { blocks: (aiohttp.method?.blocks ?? []).map((b) => ({ ...b, round: b.round + 100 })) },
    };
    expect(gapClaim({ id: 'gap', claim: 'c', httpx, aiohttp: other, threshold: { above: 1.5 } }).outcome).toBe(
      'unresolved',
    );
  });
});

describe('attribution', () => {
  const aiohttp = m('aiohttp', 100, 9000);
  const h23 = m('httpx 0.23', 700, 1400);
  const h28 = m('httpx 0.28', 400, 2500);
  const h2 = m('httpx2', 400, 2500, { jitter: [1.1, 0.9, 1.12, 0.88, 1.1, 0.9, 1.1, 0.9, 1.1, 0.9] });
  const steps = [
    { step: '0.23 → 0.28', replaces: 'httpcore 0.16.3 → 1.0.9', from: h23, to: h28, gapHigh: h23, gapLow: aiohttp },
    { step: '0.28 → httpx2', replaces: 'httpcore → httpcore2', from: h28, to: h2, gapHigh: h23, gapLow: aiohttp },
    { step: 'back to 0.23', replaces: 'nothing', from: h28, to: h23, gapHigh: h23, gapLow: aiohttp },
  ];

  it('computes the share of the gap each step closes, per round, and reads it only where the interval excludes 0', () => {
    const rows = attributionRows(steps);
    expect(rows[0]?.share).toBeCloseTo(0.5, 1);
    expect(rows[0]?.reading).toBe('closes');
    expect(rows[0]?.closedMicros).toBeCloseTo(300, -1);
    expect(rows[1]?.reading).toBe('unresolved');
    expect(rows[2]?.reading).toBe('widens');
  });

  it('a step whose intermediate lies outside the endpoints is "not a share"; one inside is read as before', () => {
    const collapsed = m('httpx 1.0 collapsed', 9000, 50);
    const rows = attributionRows([
      { step: '0.23 → 1.0', replaces: 'x', from: h23, to: collapsed, gapHigh: h23, gapLow: aiohttp },
      { step: '1.0 → httpx2', replaces: 'x', from: collapsed, to: h2, gapHigh: h23, gapLow: aiohttp },
    ]);
    expect(rows.map((r) => r.reading)).toEqual(['not a share', 'not a share']);
    expect(rows.every((r) => r.outsideEndpoints)).toBe(true);
    expect(attributionRows(steps).every((r) => !r.outsideEndpoints)).toBe(true);
  });

  it('a step claim holds above its minimum share and fails below it', () => {
    expect(closesGapClaim(steps[0] as (typeof steps)[number], 0.1, 'c1').outcome).toBe('holds');
    expect(closesGapClaim(steps[0] as (typeof steps)[number], 0.8, 'c2').outcome).toBe('fails');
    expect(closesGapClaim(steps[2] as (typeof steps)[number], 0.1, 'c3').outcome).toBe('fails');
  });

  it('a switch both clients share (uvloop) is read gap-to-gap: a common speed-up closes nothing', () => {
    const h = m('latest · httpx', 400, 2500);
    const l = m('latest · aiohttp', 100, 9000);
    // uvloop takes 50 µs off both: httpx's own gain is 1/6 of the gap, the gap-to-gap change is 0.
    const both = { step: 'uvloop', replaces: 'loop', from: h, to: m('h uv', 350, 2800), gapHigh: h, gapLow: l };
    expect(attributionRows([both])[0]?.share).toBeCloseTo(50 / 300, 1);
    const gapToGap = { ...both, toLow: m('a uv', 50, 12000) };
    expect(Math.abs(attributionRows([gapToGap])[0]?.share ?? 1)).toBeLessThan(0.05);
    expect(attributionRows([gapToGap])[0]?.denominator).toBe('latest · httpx − latest · aiohttp');
    expect(closesGapClaim(gapToGap, 0.1, 'closes-uvloop').outcome).toBe('fails');
    // Only httpx gains: the whole gain closes the gap.
    const httpxOnly = { ...both, toLow: m('a uv', 100, 9000) };
    expect(closesGapClaim(httpxOnly, 0.1, 'closes-uvloop').outcome).toBe('holds');
  });

  it('a version step names every package whose version changes', () => {
    const from = { httpx: '0.23.3', httpcore: '0.16.3', anyio: '3.6.2', h11: '0.14.0' };
    const to = { httpx: '0.27.0', httpcore: '1.0.5', anyio: '4.4.0', h11: '0.14.0' };
    expect(versionStepLabel(from, to, ['httpx', 'httpcore', 'httpx2', 'anyio', 'h11'])).toBe(
      'httpx 0.23.3 → 0.27.0, httpcore 0.16.3 → 1.0.5, anyio 3.6.2 → 4.4.0',
    );
    expect(versionStepLabel(from, from, ['httpx'])).toBe('no package version changes');
  });

  it('is unresolved with too few rounds for 95 % coverage', () => {
    const short = (x: SeedMeasurement): SeedMeasurement => ({
      ...x,
      method: { blocks: (x.method?.blocks ?? []).slice(0, 4) },
    });
    const s = {
      step: 's',
      replaces: 'r',
      from: short(h23),
      to: short(h28),
      gapHigh: short(h23),
      gapLow: short(aiohttp),
    };
    expect(attributionRows([s])[0]?.reading).toBe('unresolved');
    expect(closesGapClaim(s, 0.1, 'c').outcome).toBe('unresolved');
  });
});

describe('the reconnect storm', () => {
  const text = { id: 'storm', claim: 'storm' };
  // ~0.7 sockets per request in every block, as in the committed 2022 runs at 50 ms (seed-64bcd62b: 0.56–1.0 per block).
  const storm = m('keepalive 20', 1000, 900, { sockets: Array(ROUNDS).fill(700) });
  const fixed = m('keepalive 100', 1200, 700, { sockets: Array(ROUNDS).fill(0) });

  it('counts sockets opened in the measured windows', () => {
    expect(socketsOpened(storm)).toEqual({ opened: 7000, requests: 20000, perRequest: 0.35 });
  });

  it('is unresolved with no measured block, and is then not "the opposite way" (no data decides nothing)', () => {
    const none = { ...m('keepalive 20', 1000, 900), method: { blocks: [] }, trials: [] };
    const v = reconnectStorm({ ...text, storm: none, minPerRequest: 0.05 });
    expect(v.outcome).toBe('unresolved');
    expect(oppositeDirection([v])).toEqual([]);
    const flaggedNone = { ...none, guards: { flags: ['no-data'], rankable: false } };
    const g = reconnectStorm({ ...text, storm: flaggedNone, minPerRequest: 0.05 });
    expect(g.evidence['unguardedOutcome']).toBe('unresolved');
    expect(oppositeDirection([g])).toEqual([]);
    expect(noStormClaim({ ...text, m: none, maxPerRequest: 0.001 }).outcome).toBe('unresolved');
    expect(keepaliveFixedSanity({ id: 'f', fixed: none, maxPerRequest: 0.001 }).outcome).toBe('unresolved');
  });

  it('holds when every block churns', () => {
    expect(reconnectStorm({ ...text, storm, minPerRequest: 0.05 }).outcome).toBe('holds');
  });

  it('storm-2022 is a replication of seed-64bcd62b (which saw the storm before the threshold): exploratory, not counted', () => {
    const replicates = { run: 'seed-64bcd62b', value: 0.5636363636363636, text: '3,348 new sockets' };
    const v = reconnectStorm({ ...text, storm, minPerRequest: 0.05, replicates });
    expect(v.kind).toBe('exploratory');
    expect(v.outcome).toBe('holds');
    expect(v.claim).toMatch(
      /^Replication of seed-64bcd62b \(which measured 3,348 new sockets before this threshold was set; not a finding\): storm$/,
    );
    expect(v.evidence).toMatchObject({ replicates: 'seed-64bcd62b', replicatedValue: 0.5636363636363636 });
    expect(claimTally([v]).claims).toBe(0);
    // Counterfactual: without `replicates` the same data make a counted claim.
    const claim = reconnectStorm({ ...text, storm, minPerRequest: 0.05 });
    expect(claim.kind).toBe('claim');
    expect(claimTally([claim]).claims).toBe(1);
  });

  it('fails when one block does not churn', () => {
    const calm = m('keepalive 20', 1000, 900, { sockets: [700, 700, 700, 0, 700, 700, 700, 700, 700, 700] });
    expect(reconnectStorm({ ...text, storm: calm, minPerRequest: 0.05 }).outcome).toBe('fails');
  });

  it('is unresolved when the measurement is flagged, not-steady included', () => {
    const unsteady = m('keepalive 20', 1000, 900, { sockets: Array(ROUNDS).fill(700), flags: ['not-steady'] });
    const v = reconnectStorm({
      ...text,
      storm: { ...unsteady, guards: { flags: ['not-steady'], rankable: true } },
      minPerRequest: 0.05,
    });
    expect(v.outcome).toBe('unresolved');
    expect(String(v.evidence['flagged'])).toContain('not-steady');
  });

  it('is decided when only the connection rate kept its blocks unsteady (the storm is what moves it)', () => {
    const churn = m('keepalive 20', 1000, 900, { sockets: Array(ROUNDS).fill(700), flags: ['not-steady'] });
    const blocks = (reason: string) =>
      (churn.method?.blocks ?? []).map((b, i) => ({ ...b, steady: i !== 2, steadiness: i === 2 ? reason : 'steady' }));
    const byRate = { ...churn, method: { blocks: blocks('connection rate still moving') } };
    expect(reconnectStorm({ ...text, storm: byRate, minPerRequest: 0.05 }).outcome).toBe('holds');
    const byThroughput = { ...churn, method: { blocks: blocks('throughput still moving') } };
    expect(reconnectStorm({ ...text, storm: byThroughput, minPerRequest: 0.05 }).outcome).toBe('unresolved');
    const withErrors = { ...byRate, guards: { flags: ['not-steady', 'errors'], rankable: false } };
    expect(reconnectStorm({ ...text, storm: withErrors, minPerRequest: 0.05 }).outcome).toBe('unresolved');
  });

  it('keep-alive = connections opening no sockets is exploratory (sockets reopened after the 5 s expiry are legitimate)', () => {
    const ok = keepaliveFixedSanity({ id: 'f', fixed, maxPerRequest: 0.001 });
    expect(ok.kind).toBe('exploratory');
    expect(ok.claim).toMatch(/keepalive_expiry/);
    expect(ok.outcome).toBe('holds');
    const leaky = m('keepalive 100', 1200, 700, { sockets: Array(ROUNDS).fill(100) });
    expect(keepaliveFixedSanity({ id: 'f', fixed: leaky, maxPerRequest: 0.001 }).outcome).toBe('fails');
  });

  it('no storm: holds at zero sockets, fails when the pool reconnects', () => {
    expect(noStormClaim({ ...text, m: fixed, maxPerRequest: 0.001 }).outcome).toBe('holds');
    expect(noStormClaim({ ...text, m: storm, maxPerRequest: 0.001 }).outcome).toBe('fails');
  });

  it('the fix is cheaper per request: holds below 1, fails when it costs more (as 0.16.3 did)', () => {
    const cheap = m('keepalive 100', 800, 1100);
    expect(keepaliveCheaperClaim({ ...text, storm, fixed: cheap, below: 1 }).outcome).toBe('holds');
    expect(keepaliveCheaperClaim({ ...text, storm, fixed, below: 1 }).outcome).toBe('fails');
  });
});

describe('concurrency: retention and CPU growth', () => {
  const h1 = m('httpx c1', 800, 900);
  const h512 = m('httpx c512', 1200, 830);
  const a1 = m('aiohttp c1', 260, 2800);
  const a512 = m('aiohttp c512', 250, 3900);

  it('retention is rps at high ÷ rps at low, per round', () => {
    expect(retention(h1, h512).median).toBeCloseTo(830 / 900, 2);
    expect(retentionRows([{ label: 'httpx', low: h1, high: h512 }])[0]?.retention).toBeCloseTo(830 / 900, 2);
  });

  it('httpx retains less than aiohttp: holds below 1, fails when they are swapped', () => {
    const text = { id: 'ret', claim: 'c', threshold: { below: 1 } };
    expect(retentionClaim({ ...text, httpx: { low: h1, high: h512 }, aiohttp: { low: a1, high: a512 } }).outcome).toBe(
      'holds',
    );
    expect(retentionClaim({ ...text, httpx: { low: a1, high: a512 }, aiohttp: { low: h1, high: h512 } }).outcome).toBe(
      'fails',
    );
  });

  it('retention can be marked exploratory (it follows from the gap)', () => {
    const v = retentionClaim({
      id: 'r',
      claim: 'c',
      threshold: { below: 0.9 },
      kind: 'exploratory',
      httpx: { low: h1, high: h512 },
      aiohttp: { low: a1, high: a512 },
    });
    expect(v.kind).toBe('exploratory');
  });

  it("httpx-cpu-grows: 1.5× holds, the rerun's 1.43× fails", () => {
    const text = { id: 'httpx-cpu-grows', claim: 'c', httpxAbove: 1.5, aiohttpBelow: 1.25 };
    expect(
      cpuGrowthClaim({
        ...text,
        httpx: { low: h1, high: m('httpx c512', 1280, 800) },
        aiohttp: { low: a1, high: a512 },
      }).outcome,
    ).toBe('holds');
    const rerun = cpuGrowthClaim({
      ...text,
      httpx: { low: m('c1', 785, 900), high: m('c512', 1122, 800) },
      aiohttp: { low: a1, high: a512 },
    });
    expect(rerun.outcome).toBe('fails');
    expect(String(rerun.evidence['httpx'])).toContain('fails');
  });
});

describe('sanity checks', () => {
  it("aiohttp's six-wave floor: ceil(512 / 100) × 50 ms", () => {
    const ok = wavesFloorSanity([{ label: 'aiohttp', trials: [{ durationMs: 309.7 }, { durationMs: 320 }] }], {
      concurrency: 512,
      pool: 100,
      delayMs: 50,
    });
    expect(ok.kind).toBe('sanity');
    expect(ok.outcome).toBe('holds');
    expect(ok.evidence['floorMs']).toBe(300);
    const broken = wavesFloorSanity([{ label: 'aiohttp', trials: [{ durationMs: 250 }] }], {
      concurrency: 512,
      pool: 100,
      delayMs: 50,
    });
    expect(broken.outcome).toBe('fails');
    // Slower than 1.1 × the floor breaks no bound: the band is an observation (exploratory), not the sanity check.
    const slowGathers = [{ label: 'aiohttp', trials: [{ durationMs: 360 }, { durationMs: 370 }] }];
    const input = { concurrency: 512, pool: 100, delayMs: 50 };
    expect(wavesFloorSanity(slowGathers, input).outcome).toBe('holds');
    const band = wavesBandObservation(slowGathers, input);
    expect(band.kind).toBe('exploratory');
    expect(band.outcome).toBe('fails');
    expect(
      wavesBandObservation([{ label: 'aiohttp', trials: [{ durationMs: 309.7 }, { durationMs: 320 }] }], input).outcome,
    ).toBe('holds');
    // No gather to read: nothing is decided, either way.
    expect(wavesFloorSanity([], input).outcome).toBe('unresolved');
    expect(wavesBandObservation([], input).outcome).toBe('unresolved');
  });

  it("Little's law with a pool", () => {
    expect(pooledLittleSanity([m('a', 100, 1800)], { inFlight: 512, pool: 100, delayMs: 50 }).outcome).toBe('holds');
    expect(pooledLittleSanity([m('a', 100, 2500)], { inFlight: 512, pool: 100, delayMs: 50 }).outcome).toBe('fails');
    const empty = { ...m('a', 100, 1800), method: { blocks: [] } };
    expect(pooledLittleSanity([empty], { inFlight: 512, pool: 100, delayMs: 50 }).outcome).toBe('unresolved');
  });

  it('a failed sanity check makes the claims reading its measurement unresolved, naming it; a check that holds changes nothing', () => {
    const claim = gapClaim({
      id: 'cheaper',
      claim: 'c',
      httpx: m('httpx', 700, 1400),
      aiohttp: m('aiohttp', 100, 9000),
      threshold: { above: 1.5 },
    });
    expect(claim.outcome).toBe('holds');
    const leaky = keepaliveFixedSanity({
      id: 'keepalive-fixed-latest',
      fixed: m('keepalive 100', 1200, 700, { sockets: Array(ROUNDS).fill(70) }),
      maxPerRequest: 0.001,
    });
    expect(leaky.outcome).toBe('fails');
    const v = voidedBySanity(claim, [leaky]);
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence['sanityFailed']).toBe('sanity check keepalive-fixed-latest failed');
    expect(v.evidence['unguardedOutcome']).toBe('holds');
    const fine = keepaliveFixedSanity({
      id: 'f',
      fixed: m('keepalive 100', 1200, 700, { sockets: Array(ROUNDS).fill(0) }),
      maxPerRequest: 0.001,
    });
    expect(voidedBySanity(claim, [fine, undefined])).toEqual(claim);
  });
});

describe('the FastAPI app', () => {
  const point = (
    route: string,
    rate: number | null,
    lagP99: number,
    extra: { threads?: number; rps?: number; generator?: string } = {},
  ) => ({
    route,
    generator: extra.generator ?? (rate === null ? 'closed-loop' : 'open-loop'),
    rateRps: rate,
    connections: rate === null ? 64 : null,
    throughputRps: extra.rps ?? rate ?? 500,
    latencyMs: { p50: 55, p99: 120 },
    cpuShare: { app: 0.4, target: 0.1, loadGenerator: 0.1 },
    app: { threadsPeak: extra.threads ?? 0, loopLagMs: { p99: lagP99, max: lagP99 * 2 } },
    flags: [],
  });
  const run: AppRun = {
    target: { delayMs: 50 },
    points: [
      point('httpx', 100, 2),
      point('httpx', 200, 3),
      point('requests-async', 5, 48),
      point('requests-async', 10, 55),
      point('requests-sync', 100, 1, { threads: 12 }),
      point('requests-sync', null, 1, { threads: 40, rps: 790 }),
    ],
  };
  const text = { id: 'loop-free', claim: 'c', route: 'httpx', freeShare: 0.2 };

  it('the async httpx route keeps the loop free: holds below a fifth of the delay, fails above', () => {
    expect(loopFreeClaim({ ...text, run }).outcome).toBe('holds');
    const lagging: AppRun = {
      ...run,
      points: run.points.map((p) =>
        p.route === 'httpx' ? { ...p, app: { threadsPeak: 0, loopLagMs: { p99: 30, max: 40 } } } : p,
      ),
    };
    expect(loopFreeClaim({ ...text, run: lagging }).outcome).toBe('fails');
    const flagged: AppRun = {
      ...run,
      points: run.points.map((p) =>
        p.route === 'httpx' && p.rateRps === 200 ? { ...p, flags: ['target-saturated'] } : p,
      ),
    };
    expect(loopFreeClaim({ ...text, run: flagged }).outcome).toBe('unresolved');
    expect(loopFreeClaim({ ...text, run: { ...run, points: [] } }).outcome).toBe('unresolved');
  });

  it('requests in an async route blocking the loop is a sanity check', () => {
    const v = loopBlockedSanity({ id: 'b', run, route: 'requests-async', blockedShare: 0.5 });
    expect(v.kind).toBe('sanity');
    expect(v.outcome).toBe('holds');
    const notBlocked: AppRun = {
      ...run,
      points: run.points.map((p) =>
        p.route === 'requests-async' ? { ...p, app: { threadsPeak: 0, loopLagMs: { p99: 3, max: 5 } } } : p,
      ),
    };
    expect(loopBlockedSanity({ id: 'b', run: notBlocked, route: 'requests-async', blockedShare: 0.5 }).outcome).toBe(
      'fails',
    );
  });

  it("reads the threadpool size from the app's live settings", () => {
    expect(threadLimitOf({ threadLimiterTotalTokens: 40 })).toBe(40);
    expect(threadLimitOf({})).toBeNull();
    expect(threadLimitOf(undefined)).toBeNull();
  });

  it('the threadpool bound is a sanity check', () => {
    expect(threadpoolSanity(run, 'requests-sync', 40).outcome).toBe('holds');
    const over: AppRun = { ...run, points: [point('requests-sync', null, 1, { threads: 64, rps: 1200 })] };
    expect(threadpoolSanity(over, 'requests-sync', 40).outcome).toBe('fails');
    expect(appRouteRows(run)).toHaveLength(6);
  });
});

describe('seed-local guards: spread across blocks, peak open connections', () => {
  it('blocks more than 2× apart are "unstable across blocks": flagged in the table, and the claims reading them are unresolved', () => {
    const swing = m('keepalive=100', 5000, 100, { jitter: [0.5, 1, 4, 1, 0.5, 4, 1, 0.5, 4, 1] });
    expect(unstableAcrossBlocks(swing)).toMatch(/^unstable across blocks \(\d+–\d+ req\/s\)$/);
    const steady = m('aiohttp', 100, 9000);
    expect(unstableAcrossBlocks(steady)).toBeNull();
    const [row] = seedRows([swing], steady);
    expect(row?.flags).toMatch(/unstable across blocks/);
    expect(row?.cpuVsReference).toBeNaN();
    const v = gapClaim({ id: 'g', claim: 'c', httpx: swing, aiohttp: steady, threshold: { above: 1.5 } });
    expect(v.outcome).toBe('unresolved');
    expect(String(v.evidence['flagged'])).toMatch(/keepalive=100 \(unstable across blocks/);
    expect(
      gapClaim({ id: 'g', claim: 'c', httpx: m('httpx', 700, 1400), aiohttp: steady, threshold: { above: 1.5 } })
        .outcome,
    ).toBe('holds');
  });

  it("peak open connections come from the target's counter in the measured windows, apart from the configured limit", () => {
    const base = m('2022 · httpx c512', 2200, 430);
    const few: SeedMeasurement = {
      ...base,
      params: { load: { concurrency: 512 } },
      client: { name: 'httpx', settings: { 'httpx.max_connections': 512 } },
      trials: (base.trials ?? []).map((t, i) => ({
        ...t,
        target: { connectionsOpened: 0, peakOpenConnections: 10 + (i % 6) },
      })),
    };
    const [row] = seedRows([few], undefined);
    expect(row?.lanes).toBe(512);
    expect(row?.peakOpenConnections).toBe(15);
    expect(seedRows([base], undefined)[0]?.peakOpenConnections).toBeNull();
  });
});

describe('tables and recommendations', () => {
  it('seedRows: CPU ÷ the reference per round and sockets per request', () => {
    const rows = seedRows([m('aiohttp', 100, 9000), m('httpx', 300, 3000, { sockets: Array(ROUNDS).fill(20) })]);
    expect(rows[1]?.cpuVsReference).toBeCloseTo(3, 1);
    expect(rows[1]?.sockets).toBe(200);
    expect(rows[0]?.cpuVsReference).toBe(1);
  });

  it("seedRows: a stalled or erroring measurement's per-request numbers are blank, and so are ratios to it", () => {
    const stalled = m('httpx', 30_000, 10, { flags: ['errors', 'stalled'] });
    const rows = seedRows([m('aiohttp', 100, 9000), stalled, m('httpx2', 300, 3000)]);
    expect(rows[1]?.cpuUs).toBeNaN();
    expect(rows[1]?.cpuVsReference).toBeNaN();
    expect(rows[1]?.p99Ms).toBeNaN();
    expect(rows[1]?.rps).toBeGreaterThan(0);
    expect(rows[2]?.cpuVsReference).toBeCloseTo(3, 1);
    const againstStalled = seedRows([m('aiohttp', 100, 9000)], stalled);
    expect(againstStalled[0]?.cpuVsReference).toBeNaN();
  });

  it("seedRows: lanes served in flight by Little's law, far below the concurrency when lanes starve", () => {
    const served = { ...m('aiohttp', 100, 7400), latencyMs: { p50: 13, p99: 20, meanMs: 13.5 } };
    expect(seedRows([served])[0]?.servedInFlight).toBeCloseTo(99.9, 0);
    expect(seedRows([m('x', 100, 7400)])[0]?.servedInFlight).toBeNaN();
  });

  it('served in flight: a closed loop serving fewer than half its C lanes is starved; its claims are unresolved', () => {
    const withLoad = (x: SeedMeasurement, meanMs: number, c: number | null): SeedMeasurement => ({
      ...x,
      latencyMs: { p50: meanMs, p99: meanMs, meanMs: meanMs },
      params: { load: { concurrency: c } },
    });
    // 35 req/s × 1,000 ms = 35 of 512 served: starved.
    const starved = withLoad(m('latest · httpx keepalive=100', 28_000, 35), 1000, 512);
    // 1,000 req/s × 510 ms = 510 of 512: served.
    const served = withLoad(m('httpx2 · httpx', 1000, 1000), 510, 512);
    expect(servedInFlight(starved)).toMatchObject({ concurrency: 512, starved: true });
    expect(servedInFlight(served).starved).toBe(false);
    expect(servedInFlight(withLoad(m('open', 100, 1000), 5, null)).starved).toBe(false);
    const rows = seedRows([served, starved]);
    // 28,000 µs CPU per request at a full core is also `collapsed` (COLLAPSED_CPU_US = 10,000 at ≥ 0.9 core).
    expect(rows[1]?.flags).toMatch(
      /^starved \(35 of 512 in flight served\), collapsed \(\d+ req\/s, 28,\d{3} µs CPU\/request at 1\.00 core\)$/,
    );
    expect(rows[1]?.concurrency).toBe(512);
    expect(rows[1]?.cpuVsReference).toBeNaN();
    expect(rows[0]?.flags).toBe('');
    const aiohttp = withLoad(m('aiohttp', 100, 5000), 102, 512);
    const onStarved = gapClaim({ id: 'g', claim: 'gap', httpx: starved, aiohttp: aiohttp, threshold: { above: 1.5 } });
    expect(onStarved.outcome).toBe('unresolved');
    expect(String(onStarved.evidence['flagged'])).toMatch(/starved \(35 of 512/);
    // The same flags when the record's guards already carry them (a record the Study saved with seedGuardFlags):
    // each once, and the claim still unresolved.
    const saved = { ...starved, guards: { flags: seedGuardFlags(starved), rankable: false } };
    expect(seedRows([served, saved])[1]?.flags).toBe(rows[1]?.flags);
    const onSaved = gapClaim({ id: 'g', claim: 'gap', httpx: saved, aiohttp: aiohttp, threshold: { above: 1.5 } });
    expect(onSaved.outcome).toBe('unresolved');
    expect(onSaved.evidence['flagged']).toBe(onStarved.evidence['flagged']);
    const onServed = gapClaim({ id: 'g', claim: 'gap', httpx: served, aiohttp: aiohttp, threshold: { above: 1.5 } });
    expect(onServed.outcome).toBe('holds');
  });

  const loaded = (
    x: SeedMeasurement,
    meanMs: number,
    c: number,
    settings: Readonly<Record<string, unknown>>,
  ): SeedMeasurement => ({
    ...x,
    client: { name: x.label, settings: settings },
    latencyMs: { p50: meanMs, p99: meanMs * 3, meanMs: meanMs },
    params: { load: { concurrency: c } },
  });
  const AIOHTTP_POOL = { 'aiohttp.limit': 100, 'aiohttp.timeout_s': { total: 300 } };
  const HTTPX_POOL = { 'httpx.max_connections': 100, 'httpx.timeout_s': { connect: 5, read: 5, write: 5, pool: 5 } };

  it('pool limit: aiohttp limit for clients over an aiohttp session, else httpx max_connections; 0 and absent are null', () => {
    expect(poolLimitOf({ client: { name: 'a', settings: AIOHTTP_POOL } })).toBe(100);
    expect(poolLimitOf({ client: { name: 'h', settings: HTTPX_POOL } })).toBe(100);
    expect(poolLimitOf({ client: { name: 'a', settings: { 'aiohttp.limit': 0 } } })).toBeNull();
    expect(poolLimitOf({ client: { name: 'x' } })).toBeNull();
  });

  it('served in flight is judged against min(C, pool): 100 cycling lanes of a 100-connection pool at C 512 are not starved', () => {
    // aiohttp 3.14 at C 512, pool 100: 7,400 req/s × 13.5 ms ≈ 100 in flight served — its pool, not a collapse.
    const aiohttp = loaded(m('latest · aiohttp', 120, 7400), 13.5, 512, AIOHTTP_POOL);
    const s = servedInFlight(aiohttp);
    expect(s).toMatchObject({ lanes: 100, poolLimit: 100, starved: false, partialLatency: true });
    // The same served count without a recorded pool is judged against C = 512: starved, as before.
    expect(servedInFlight({ ...aiohttp, client: { name: 'x' } }).starved).toBe(true);
    // 35 req/s × 1,000 ms = 35 of min(512, 100) = 100: starved against the pool too.
    const keepalive = loaded(m('latest · httpx keepalive=100', 28_000, 35), 1000, 512, HTTPX_POOL);
    expect(servedInFlight(keepalive)).toMatchObject({ lanes: 100, starved: true });
    expect(servedInFlight(keepalive).reason).toMatch(/35 of 100 in flight served/);
    // A gap claim on aiohttp as the reference is no longer voided by its pool's fairness.
    const httpx = loaded(m('latest · httpx', 700, 1400), 365, 512, HTTPX_POOL);
    const gap = gapClaim({ id: 'g', claim: 'gap', httpx: httpx, aiohttp: aiohttp, threshold: { above: 1.5 } });
    expect(gap.outcome).toBe('holds');
  });

  it('collapse is detected directly: a block with no completions, or goodput below min(C, pool) ÷ the pool wait', () => {
    // Served 56 of 64 (not starved by Little's law), but one block completed nothing.
    const base = loaded(m('latest · httpx c64', 12_842, 78), 718, 64, HTTPX_POOL);
    expect(servedInFlight(base).starved).toBe(false);
    const blocks = (base.method?.blocks ?? []).map((b, i) => (i === 3 ? { ...b, throughputRps: 0 } : b));
    const zero: SeedMeasurement = { ...base, method: { blocks: blocks } };
    expect(servedInFlight(zero)).toMatchObject({ starved: true, reason: 'a block with no completions' });
    // 10 req/s with 64 lanes and a 5 s pool wait: fewer completions per timeout than lanes (12.8 req/s).
    const slow = loaded(m('latest · httpx c64', 12_842, 10), 6000, 64, HTTPX_POOL);
    expect(servedInFlight(slow).reason).toMatch(/10 req\/s < 64 connections ÷ 5 s pool wait/);
    // aiohttp has no pool wait: the goodput test does not apply to it.
    expect(servedInFlight(loaded(m('aiohttp', 120, 10), 6400, 64, AIOHTTP_POOL)).starved).toBe(false);
  });

  it('latencies are blank where fewer than half the C callers were served (they describe the cycling lanes only)', () => {
    const aiohttp = loaded(m('latest · aiohttp', 120, 7400), 13.5, 512, AIOHTTP_POOL);
    const httpx = loaded(m('latest · httpx', 700, 1400), 365, 512, HTTPX_POOL);
    const rows = seedRows([aiohttp, httpx]);
    expect(rows[0]?.partialLatency).toBe(true);
    expect(rows[0]?.p50Ms).toBeNaN();
    expect(rows[0]?.p99Ms).toBeNaN();
    expect(rows[0]?.cpuUs).toBeCloseTo(120, -1);
    expect(rows[0]?.flags).toBe('');
    expect(rows[1]?.partialLatency).toBe(false);
    expect(rows[1]?.p50Ms).toBe(365);
    expect(rows[1]?.cpuVsReference).toBeCloseTo(700 / 120, 0);
  });

  it('opposite direction: every guarded claim whose data alone would not hold is named, not only keep-alive', () => {
    const starved = loaded(m('latest · httpx keepalive=100', 28_000, 35), 1000, 512, HTTPX_POOL);
    const storm = loaded(m('latest · httpx', 700, 1400), 365, 512, HTTPX_POOL);
    const cheaper = keepaliveCheaperClaim({
      id: 'keepalive-cheaper-latest',
      claim: 'c',
      storm: storm,
      fixed: starved,
      below: 1,
    });
    expect(cheaper.outcome).toBe('unresolved');
    expect(cheaper.evidence['unguardedOutcome']).toBe('fails');
    const gap = gapClaim({ id: 'gap-latest', claim: 'g', httpx: starved, aiohttp: storm, threshold: { above: 1.5 } });
    expect(gap.evidence['unguardedOutcome']).toBe('holds');
    const clean = gapClaim({ id: 'gap-2022', claim: 'g', httpx: storm, aiohttp: storm, threshold: { above: 1.5 } });
    expect(clean.outcome).toBe('fails');
    const found = oppositeDirection([cheaper, gap, clean]);
    expect(found.map((f) => f.id)).toEqual(['keepalive-cheaper-latest']);
    expect(found[0]?.ci95?.[0]).toBeGreaterThan(1);
    expect(found[0]?.flagged).toMatch(/starved/);
  });

  it('batch time: a gather with more than 1 % failed requests is error-dominated (no batch time), else timed', () => {
    const trial = (durationMs: number, failed: number) => ({
      durationMs,
      sent: 512,
      errors: { total: failed, byCode: failed ? { PoolTimeout: failed } : {} },
    });
    const dominated = batchTimeRow({
      label: 'as-reported · httpx @ 0 ms',
      trials: [8000, 8700, 9000].map((d) => trial(d, 300)),
    });
    expect(dominated).toMatchObject({
      errorDominated: true,
      errors: 900,
      attempts: 1536,
      errorCodes: 'PoolTimeout 900',
    });
    expect(dominated.batchMs).toBeNaN();
    const clean = batchTimeRow({ label: 'x', trials: [300, 310, 305].map((d) => trial(d, d === 310 ? 1 : 0)) });
    expect(clean.errorDominated).toBe(false);
    expect(clean.batchMs).toBe(305);
    // The waves-floor check leaves an error-dominated gather out (and names it) instead of reading its timeout.
    const floor = wavesFloorSanity(
      [
        { label: 'ok', trials: [300, 305, 302].map((d) => trial(d, 0)) },
        { label: 'bad', trials: [5000, 5100, 5050].map((d) => trial(d, 100)) },
      ],
      { concurrency: 512, pool: 100, delayMs: 50 },
    );
    expect(floor.outcome).toBe('holds');
    expect(floor.evidence['errorDominated']).toBe('bad');
  });

  it('batch time: median with its interval', () => {
    const r = batchTimeRow({
      label: 'x',
      trials: [300, 310, 305, 320, 301, 299, 330].map((durationMs) => ({ durationMs })),
    });
    expect(r.batchMs).toBe(305);
    expect(r.coverage).toBeGreaterThanOrEqual(0.95);
  });

  it('versions per set', () => {
    expect(setVersionRows([{ set: '2022', versions: { httpx: '0.23.3', httpx2: null } }], ['httpx', 'httpx2'])).toEqual(
      [{ set: '2022', httpx: '0.23.3', httpx2: '—' }],
    );
  });

  it('recommends only from claims that hold, and says which are withheld', () => {
    const verdicts = [
      { id: 'a', kind: 'claim' as const, outcome: 'holds' as const },
      { id: 'b', kind: 'claim' as const, outcome: 'unresolved' as const },
      { id: 'c', kind: 'sanity' as const, outcome: 'holds' as const },
    ];
    const r = recommendationsFrom(verdicts, [
      { claim: 'a', text: 'do A' },
      { claim: 'b', text: 'do B' },
      { claim: 'c', text: 'do C' },
      { claim: 'd', text: 'do D' },
    ]);
    expect(r.lines).toEqual(['do A']);
    expect(r.withheld).toEqual([
      { claim: 'b', outcome: 'unresolved' },
      { claim: 'c', outcome: 'sanity, not a claim' },
      { claim: 'd', outcome: 'not measured' },
    ]);
  });

  it('a recommendation with further claims needs all of them to hold', () => {
    const verdicts = [
      { id: 'storm', kind: 'claim' as const, outcome: 'holds' as const },
      { id: 'cheaper', kind: 'claim' as const, outcome: 'fails' as const },
    ];
    const r = recommendationsFrom(verdicts, [{ claim: 'storm', also: ['cheaper'], text: 'set N = N' }]);
    expect(r.lines).toEqual([]);
    expect(r.withheld).toEqual([{ claim: 'cheaper', outcome: 'fails' }]);
  });
});
