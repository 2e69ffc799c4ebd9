import { type CasebookError, UsageError } from '@casebook/results';
import {
  type BlockResult,
  blockLimits,
  DEFAULT_INTERLEAVE,
  DEFAULT_STEADINESS,
  guardsOf,
  type MeasuredWindow,
  resolveBenchOptions,
  resolveForeignOptions,
  resolveInterleaveOptions,
  type SteadinessRule,
  steadiness,
  type WindowSignal,
  windowMinimum,
} from '@casebook/runner';
import { createLatencyHistogram, encodeHistogram } from '@casebook/stats';
import { describe, expect, it, vi } from 'vitest';
import { type ContinuousLaunch, ContinuousMeasurement, type ContinuousPlan } from '../packages/runner/src/blocks';
import type { PhaseResult } from '../packages/runner/src/protocol';

/**
 * The steady-state method's minimums and tolerances added after seed-18581e19 (its reviewer: httpcore 1.0.x rows
 * measured before one cycle of their 512 lanes, so p50 was the block's age; one unsteady block or one error flagged a
 * whole measurement). Each defaults to the rule before. Pure, or a block driven by a stand-in worker: no process.
 */

const sig = (requests: number, durationMs = 500): WindowSignal => ({
  throughputRps: (requests * 1000) / durationMs,
  newConnections: 0,
  durationMs,
  requests,
});

describe('steadiness: minWarmupRequests', () => {
  const rule: SteadinessRule = { ...DEFAULT_STEADINESS, minWarmupRequests: 512 };

  it('a warm-up that agrees and is long enough, but ended fewer requests than the minimum, is not steady', () => {
    // 20 req/s in 2 s windows (httpcore 1.0.x at 512 lanes): 4 windows, 8 s, 160 requests: under one per lane.
    const s = steadiness([sig(40, 2000), sig(40, 2000), sig(40, 2000), sig(40, 2000)], rule);
    expect(s).toMatchObject({ steady: false, reason: 'under the 512-request minimum' });
  });

  it('passes once the requests that ended since the block started reach it (all windows, not the last three)', () => {
    const windows = Array.from({ length: 13 }, () => sig(40, 2000));
    expect(windows.reduce((n, w) => n + w.requests, 0)).toBe(520);
    expect(steadiness(windows, rule)).toMatchObject({ steady: true, reason: 'steady' });
  });

  it('defaults to no minimum: the rule before is unchanged', () => {
    expect(DEFAULT_STEADINESS.minWarmupRequests).toBe(0);
    expect(DEFAULT_STEADINESS.minMeasuredRequests).toBe(0);
    const few = [sig(40, 2000), sig(40, 2000), sig(40, 2000)];
    expect(steadiness(few, DEFAULT_STEADINESS).steady).toBe(true);
    const { minWarmupRequests: _w, minMeasuredRequests: _m, ...older } = DEFAULT_STEADINESS;
    expect(steadiness(few, older).steady).toBe(true);
  });
});

function window(overrides: Partial<MeasuredWindow> = {}): MeasuredWindow {
  return {
    index: 0,
    block: 0,
    sent: 1000,
    ok: 1000,
    errors: { total: 0, byCode: {} },
    errorSamples: {},
    durationMs: 500,
    cpuUserMicros: 300_000,
    cpuSystemMicros: 50_000,
    eventLoopUtilization: 0.7,
    clientPeakInFlight: 512,
    protocols: {},
    throughputRps: 2000,
    latencyMs: { p50: 1, p90: 1, p99: 1, p999: 1, maxMs: 1, mean: 1, count: 1 },
    cpuMicrosPerRequest: 350,
    target: null,
    histogram: '',
    cores: null,
    ...overrides,
  } as MeasuredWindow;
}

const block = (steady: boolean, windows: MeasuredWindow[] = [window(), window()]): BlockResult => ({
  index: 0,
  round: 0,
  position: 0,
  steady,
  steadiness: steady ? 'steady' : 'throughput still moving',
  startMs: 0,
  endMs: 3000,
  warmupMs: 2000,
  warmup: [],
  windows,
});

describe('guards: maxUnsteadyShare and maxErrorShare', () => {
  const options = resolveBenchOptions({ client: 'undici-request', concurrency: 512, requests: 1000 });
  const noise = { before: null, after: null };
  const six = (unsteady: number) => Array.from({ length: 6 }, (_, i) => block(i >= unsteady));

  it('defaults (0 and 0) keep the rule before: one unsteady block of six flags not-steady, one error flags errors', () => {
    expect(DEFAULT_INTERLEAVE).toMatchObject({ maxUnsteadyShare: 0, maxErrorShare: 0 });
    expect(guardsOf(options, six(1), noise).flags).toEqual(['not-steady']);
    expect(guardsOf(options, six(1), noise, 0, 1, DEFAULT_INTERLEAVE).flags).toEqual(['not-steady']);
    const oneError = [block(true, [window({ errors: { total: 1, byCode: { ReadTimeout: 1 } } }), window()])];
    expect(guardsOf(options, oneError, noise).flags).toEqual(['errors']);
    expect(guardsOf(options, six(0), noise).flags).toEqual([]);
  });

  it('maxUnsteadyShare 0.25 of six blocks: one unsteady block does not flag, two do (2 > 1.5)', () => {
    const t = { maxUnsteadyShare: 0.25, maxErrorShare: 0 };
    const one = guardsOf(options, six(1), noise, 0, 1, t);
    expect(one.unsteadyBlocks).toBe(1);
    expect(one.flags).not.toContain('not-steady');
    expect(one.rankable).toBe(true);
    const two = guardsOf(options, six(2), noise, 0, 1, t);
    expect(two.flags).toContain('not-steady');
    expect(two.rankable).toBe(false);
  });

  it('maxErrorShare: errors flag only above that share of the requests that ended in the measured windows', () => {
    const t = { maxUnsteadyShare: 0, maxErrorShare: 0.01 };
    // 2 windows: 1000 answered + 10 failed, 1000 answered: 10 of 2010 ended (0.5 %) is under 1 %.
    const few = [block(true, [window({ errors: { total: 10, byCode: { ReadTimeout: 10 } } }), window()])];
    const g = guardsOf(options, few, noise, 0, 1, t);
    expect(g.errors).toBe(10);
    expect(g.flags).not.toContain('errors');
    // 412 of 512 callers failed per block (seed-18581e19's httpx-aiohttp row): flagged whatever the tolerance.
    const most = [
      block(true, [window({ ok: 100, sent: 512, errors: { total: 412, byCode: { ConnectTimeout: 412 } } })]),
    ];
    expect(guardsOf(options, most, noise, 0, 1, t).flags).toContain('errors');
    expect(guardsOf(options, most, noise, 0, 1, { maxUnsteadyShare: 0, maxErrorShare: 0.5 }).flags).toContain('errors');
  });
});

describe('interleave options: the new fields, their defaults and bad input', () => {
  it('defaults keep the rule before, and a study sets them before its run', () => {
    const d = resolveInterleaveOptions();
    expect(d).toMatchObject({ maxUnsteadyShare: 0, maxErrorShare: 0 });
    expect(d.steadiness).toMatchObject({ minWarmupRequests: 0, minMeasuredRequests: 0 });
    const set = resolveInterleaveOptions({
      maxUnsteadyShare: 0.2,
      maxErrorShare: 0.01,
      steadiness: { minWarmupRequests: 512, minMeasuredRequests: 512, maxWarmupMs: 60_000 },
    });
    expect(set).toMatchObject({ maxUnsteadyShare: 0.2, maxErrorShare: 0.01 });
    expect(set.steadiness).toMatchObject({ minWarmupRequests: 512, minMeasuredRequests: 512, maxWarmupMs: 60_000 });
  });

  it('bad input is a UsageError (CASEBOOK_USAGE, the CLI exits 2) naming the field and the value', () => {
    const cases: [Parameters<typeof resolveInterleaveOptions>[0], RegExp][] = [
      [{ maxUnsteadyShare: 1.5 }, /^invalid maxUnsteadyShare: 1\.5 \(expected a share from 0 to 1\)$/],
      [{ maxUnsteadyShare: -0.1 }, /^invalid maxUnsteadyShare: -0\.1/],
      [{ maxErrorShare: 2 }, /^invalid maxErrorShare: 2 /],
      [{ maxErrorShare: '0.1' as never }, /^invalid maxErrorShare: "0\.1"/],
      [
        { steadiness: { minWarmupRequests: -1 } },
        /^invalid steadiness\.minWarmupRequests: -1 \(expected an integer ≥ 0\)$/,
      ],
      [{ steadiness: { minWarmupRequests: 2.5 } }, /^invalid steadiness\.minWarmupRequests: 2\.5/],
      [{ steadiness: { minMeasuredRequests: -3 } }, /^invalid steadiness\.minMeasuredRequests: -3/],
    ];
    for (const [input, message] of cases) {
      let caught: unknown;
      try {
        resolveInterleaveOptions(input);
      } catch (e) {
        caught = e;
      }
      expect(caught, JSON.stringify(input)).toBeInstanceOf(UsageError);
      expect((caught as CasebookError).code).toBe('CASEBOOK_USAGE');
      expect((caught as Error).message).toMatch(message);
    }
    // The older fields are UsageErrors too now (they were CasebookErrors with the same code and words).
    expect(() => resolveInterleaveOptions({ windowMs: 10 })).toThrow(UsageError);
  });
});

describe('blockLimits with minMeasuredRequests', () => {
  it('the measured phase may run as long as the longest warm-up; without the minimum the limit is as before', () => {
    const plan = { windowMs: 2000, windowsPerBlock: 2, steadiness: DEFAULT_STEADINESS };
    expect(blockLimits(plan).activeMs).toBe(15_000 + 2000 * 6 + 30_000);
    const extended = { ...plan, steadiness: { ...DEFAULT_STEADINESS, minMeasuredRequests: 512 } };
    expect(blockLimits(extended).activeMs).toBe(15_000 + 15_000 + 2000 * 4 + 30_000);
  });
});

describe('blockLimits with an entry minimum of requests per window (minWindowRequests; after seed-0966c9a9)', () => {
  // Notebook 06's steady-state sections for its next run: 2 s windows, 2 per block, warm-up capped at 150 s.
  const plan = { windowMs: 2000, windowsPerBlock: 2, steadiness: { ...DEFAULT_STEADINESS, maxWarmupMs: 150_000 } };
  const python = (minWindowRequests?: number) =>
    resolveForeignOptions({
      client: 'httpx',
      set: 'latest',
      concurrency: 512,
      durationMs: 1000,
      ...(minWindowRequests === undefined ? {} : { minWindowRequests }),
    });

  it('0 (the default, and every Node entry) keeps the limit before', () => {
    const before = 150_000 + 2000 * 6 + 30_000;
    expect(blockLimits(plan).activeMs).toBe(before);
    expect(blockLimits(plan, 0).activeMs).toBe(before);
    expect(blockLimits(plan, windowMinimum(python())).activeMs).toBe(before);
    const node = resolveBenchOptions({ client: 'node-http', concurrency: 512, requests: 1000 });
    expect(windowMinimum(node)).toBe(0);
    expect(blockLimits(plan, windowMinimum(node))).toEqual(blockLimits(plan));
  });

  it('> 0: the measured phase may run as long as the longest warm-up, the pause limit unchanged', () => {
    expect(windowMinimum(python(512))).toBe(512);
    expect(blockLimits(plan, 512)).toEqual({ activeMs: 150_000 + 150_000 + 2000 * 4 + 30_000, pauseMs: 40_000 });
    // The same as with a minimum of measured requests, and not more with both.
    const measured = { ...plan, steadiness: { ...plan.steadiness, minMeasuredRequests: 512 } };
    expect(blockLimits(plan, 64)).toEqual(blockLimits(measured));
    expect(blockLimits(measured, 512)).toEqual(blockLimits(measured));
  });

  it("admits a block of whole-cycle windows (~26 s each: seed-0966c9a9's waves) that the limit before cut short", () => {
    // Warm-up windows of 26 s until the 150 s cap is passed (6 of them: 156 s; the last began before the cap), then
    // 2 measured windows of 26 s: 208 s of windows.
    const warmup = Math.ceil(150_000 / 26_000) * 26_000;
    const active = warmup + 2 * 26_000;
    expect(active).toBe(208_000);
    expect(active).toBeGreaterThan(blockLimits(plan).activeMs);
    expect(active).toBeLessThan(blockLimits(plan, 512).activeMs);
    // Only a far slower client (under about 8 req/s, windows over 62 s) would not fit: 150 s + 3 windows > 338 s.
    expect(150_000 + 3 * 63_000).toBeGreaterThan(blockLimits(plan, 512).activeMs);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// A block driven by a stand-in worker: windows of `ok` requests each, 500 ms long, and the pause answered.

const EMPTY = encodeHistogram(createLatencyHistogram());

const result = (ok: number, durationMs = 500): PhaseResult => ({
  sent: ok,
  ok,
  errors: { total: 0, byCode: {} },
  errorSamples: {},
  durationMs,
  histogram: EMPTY,
  cpuUserMicros: 100_000,
  cpuSystemMicros: 10_000,
  eventLoopUtilization: 0.2,
  clientPeakInFlight: 512,
  protocols: {},
});

type Deliver = (m: unknown) => Promise<void> | void;

/**
 * A ContinuousMeasurement with no process: the stand-in worker answers `block` with windows and `pause` with `paused`
 * (perWindow null: it answers nothing). `launch`: the entry's (a Node one unless given).
 */
function standIn(
  plan: ContinuousPlan,
  perWindow: number | null,
  launch: Pick<ContinuousLaunch, 'options'> = {
    options: resolveBenchOptions({ client: 'node-http', concurrency: 512, requests: 1000 }),
  },
): ContinuousMeasurement {
  const m = Object.create(ContinuousMeasurement.prototype) as ContinuousMeasurement;
  const deliver: Deliver = (msg) => (m as unknown as { onMessage: Deliver }).onMessage(msg);
  let stopped = false;
  const send = (msg: { type: string; index?: number }) => {
    if (perWindow === null) return;
    setTimeout(async () => {
      if (msg.type === 'block') {
        for (let i = 0; i < 200 && !stopped; i++)
          await deliver({ type: 'window', block: msg.index, index: i, result: result(perWindow) });
      } else if (msg.type === 'pause') {
        stopped = true;
        await deliver({ type: 'paused', block: 0, partial: result(0, 10) });
      }
    }, 0);
  };
  Object.assign(m, {
    failure: null,
    launch,
    plan,
    target: { reset: async () => null, isAlive: () => false },
    transport: { send },
  });
  return m;
}

describe('a block with request minimums (stand-in worker, 30 requests per 500 ms window)', () => {
  const plan = (steady: Partial<SteadinessRule>): ContinuousPlan => ({
    windowMs: 500,
    windowsPerBlock: 2,
    steadiness: { ...DEFAULT_STEADINESS, ...steady },
  });

  it('without minimums: three warm-up windows (1.5 s) and two measured ones, as before', async () => {
    const b = await standIn(plan({}), 30).runBlock(0, Date.now());
    expect([b.warmup.length, b.windows.length, b.steady]).toEqual([3, 2, true]);
  });

  it('minWarmupRequests 100: warm-up runs on until 100 requests ended (4 windows), then measures', async () => {
    const b = await standIn(plan({ minWarmupRequests: 100 }), 30).runBlock(0, Date.now());
    expect([b.warmup.length, b.windows.length, b.steady, b.steadiness]).toEqual([4, 2, true, 'steady']);
  });

  it('minWarmupRequests never reached within maxWarmupMs: the block is not steady, saying why', async () => {
    const b = await standIn(plan({ minWarmupRequests: 10_000, maxWarmupMs: 3000 }), 30).runBlock(0, Date.now());
    expect(b.warmup.length).toBe(6);
    expect([b.steady, b.steadiness]).toEqual([false, 'under the 10000-request minimum']);
  });

  it('minMeasuredRequests 200: measured windows are added beyond windowsPerBlock until 200 requests ended (7)', async () => {
    const b = await standIn(plan({ minMeasuredRequests: 200 }), 30).runBlock(0, Date.now());
    expect([b.windows.length, b.steady]).toEqual([7, true]);
  });

  it('minMeasuredRequests not reached within maxWarmupMs of measured time: the block is not steady, saying why', async () => {
    const b = await standIn(plan({ minMeasuredRequests: 10_000, maxWarmupMs: 3000 }), 30).runBlock(0, Date.now());
    expect(b.windows.length).toBe(6);
    expect(b.steady).toBe(false);
    expect(b.steadiness).toBe('measured 180 requests in 3000 ms, under the 10000-request minimum (warm-up: steady)');
  });
});

describe('a block of an entry with minWindowRequests runs under its own limit (stand-in worker that sends nothing)', () => {
  const plan: ContinuousPlan = {
    windowMs: 2000,
    windowsPerBlock: 2,
    steadiness: { ...DEFAULT_STEADINESS, maxWarmupMs: 150_000 },
  };
  const timedOut = async (launch?: Pick<ContinuousLaunch, 'options'>) => {
    vi.useFakeTimers();
    try {
      const seen: { message: string | null } = { message: null };
      const block = standIn(plan, null, launch)
        .runBlock(0, Date.now())
        .then(
          () => 'completed',
          (e: Error) => e.message,
        );
      void block.then((m) => {
        seen.message = m;
      });
      // Past the limit without a window minimum: only the entry without one has timed out.
      await vi.advanceTimersByTimeAsync(blockLimits(plan).activeMs + 1000);
      const early = seen.message;
      await vi.advanceTimersByTimeAsync(blockLimits(plan, 512).activeMs);
      return { early, final: await block };
    } finally {
      vi.useRealTimers();
    }
  };

  it('without a minimum (a Node entry): the limit before, 192 s', async () => {
    const { early } = await timedOut();
    expect(early).toMatch(/^block 0 ran longer than 192000 ms in /);
  });

  it("with minWindowRequests 512 (a Python entry): the entry's longer limit, 338 s", async () => {
    const options = resolveForeignOptions({
      client: 'httpx',
      set: 'latest',
      concurrency: 512,
      durationMs: 1000,
      minWindowRequests: 512,
    });
    const { early, final } = await timedOut({ options });
    expect(early).toBeNull();
    expect(final).toMatch(/^block 0 ran longer than 338000 ms in /);
  });
});
