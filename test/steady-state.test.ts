import { flagsRankable, UNRANKABLE_FLAGS } from '@casebook/analysis';
import { pinningPlan } from '@casebook/procs';
import { CasebookError } from '@casebook/results';
import {
  BLOCK_PAYLOAD_MARKER,
  type BlockResult,
  blockLimits,
  blockTimeoutError,
  carryPauseErrors,
  clientErrors,
  DEFAULT_STEADINESS,
  guardsOf,
  HARNESS_CANCELLATION_CODE,
  type MeasuredWindow,
  measurementFaults,
  PAUSE_UNANSWERED,
  PauseFault,
  REOPENED_AFTER,
  resolveBenchOptions,
  shuffledOrder,
  steadiness,
  targetBoundBlock,
  targetSaturated,
  type WindowSignal,
  WindowTally,
  windowTotals,
} from '@casebook/runner';
import { medianInterval, pairedRatio, relativeHalfWidth, resolvedOrdering } from '@casebook/stats';
import { describe, expect, it } from 'vitest';

const w = (throughputRps: number, newConnections = 0, durationMs = 500): WindowSignal => ({
  throughputRps,
  newConnections,
  durationMs,
  requests: Math.round((throughputRps * durationMs) / 1000),
});

describe('steadiness test', () => {
  it('passes when the last windows agree and the connection rate is flat', () => {
    const s = steadiness([w(10_000, 40), w(19_000, 3), w(20_000, 0), w(20_500, 1), w(19_800, 0)], DEFAULT_STEADINESS);
    expect(s.steady).toBe(true);
  });

  it('fails while throughput still climbs (a cold start at 0.6× of warm)', () => {
    const s = steadiness([w(12_000), w(16_000), w(20_000), w(20_000)], DEFAULT_STEADINESS);
    expect(s).toMatchObject({ steady: false, reason: 'throughput still moving' });
  });

  it('fails while the rate of new connections still moves, passes when it is steady but not zero', () => {
    expect(steadiness([w(20_000, 0), w(20_000, 0), w(20_000, 0), w(20_000, 30)], DEFAULT_STEADINESS).steady).toBe(
      false,
    );
    expect(
      steadiness([w(20_000, 256), w(20_000, 250), w(20_000, 256), w(20_000, 260)], DEFAULT_STEADINESS).steady,
    ).toBe(true);
  });

  it('never ends before the minimum warm-up time', () => {
    const s = steadiness([w(20_000, 0, 100), w(20_000, 0, 100), w(20_000, 0, 100)], DEFAULT_STEADINESS);
    expect(s.steady).toBe(false);
  });
});

describe('median interval (order statistics)', () => {
  it('says what coverage it reaches: [min, max] with 93.75 % for five values', () => {
    const i = medianInterval([5, 1, 4, 2, 3]);
    expect(i).toMatchObject({ median: 3, low: 1, high: 5, n: 5 });
    expect(i.coverage).toBeCloseTo(0.9375, 6);
  });

  it('narrows to inner ranks once n is large enough for 95 %', () => {
    const values = Array.from({ length: 20 }, (_, k) => k + 1);
    const i = medianInterval(values);
    expect(i.coverage).toBeGreaterThanOrEqual(0.95);
    expect(i.low).toBeGreaterThan(1);
    expect(i.high).toBeLessThan(20);
    expect(i.low).toBeLessThanOrEqual(i.median);
    expect(i.high).toBeGreaterThanOrEqual(i.median);
  });

  it('relative half-width of a paired ratio', () => {
    const r = pairedRatio([100, 100, 100, 100, 100, 100], [50, 52, 48, 50, 49, 51]);
    expect(r.median).toBeCloseTo(0.5, 6);
    expect(relativeHalfWidth(r)).toBeCloseTo(0.04, 6);
  });
});

describe('orderings only where resolved', () => {
  const rounds = (base: number, wobble: number[]) => wobble.map((x) => base * x);
  const noise = [1, 1.1, 0.9, 1.05, 0.95, 1.02, 0.98, 1.08, 0.93];

  it('orders two clients whose per-round ratio interval excludes 1', () => {
    const o = resolvedOrdering([
      { label: 'slow', perRound: rounds(10_000, noise), rankable: true },
      { label: 'fast', perRound: rounds(20_000, noise), rankable: true },
    ]);
    expect(o.tiers).toEqual([['fast'], ['slow']]);
  });

  it('groups clients whose interval includes 1 as indistinguishable', () => {
    const o = resolvedOrdering([
      { label: 'a', perRound: rounds(20_000, noise), rankable: true },
      { label: 'b', perRound: rounds(20_000, [...noise].reverse()), rankable: true },
    ]);
    expect(o.tiers).toHaveLength(1);
    expect(o.tiers[0]).toEqual(expect.arrayContaining(['a', 'b']));
    expect(o.pairs[0]?.resolved).toBe(false);
  });

  it('excludes a flagged measurement from the ranking', () => {
    const o = resolvedOrdering([
      { label: 'ok', perRound: rounds(10_000, noise), rankable: true },
      { label: 'saturated', perRound: rounds(30_000, noise), rankable: false },
    ]);
    expect(o.tiers).toEqual([['ok']]);
    expect(o.excluded).toEqual(['saturated']);
  });
});

function window(overrides: Partial<MeasuredWindow> = {}): MeasuredWindow {
  return {
    index: 0,
    block: 0,
    sent: 10_000,
    ok: 10_000,
    errors: { total: 0, byCode: {} },
    errorSamples: {},
    durationMs: 500,
    cpuUserMicros: 400_000,
    cpuSystemMicros: 90_000,
    eventLoopUtilization: 1,
    clientPeakInFlight: 512,
    protocols: {},
    throughputRps: 20_000,
    latencyMs: { p50: 1, p90: 1, p99: 1, p999: 1, maxMs: 1, mean: 1, count: 1 },
    cpuMicrosPerRequest: 49,
    target: {
      connectionsOpened: 0,
      connectionsClosed: 0,
      openConnections: 512,
      peakOpenConnections: 512,
      requests: 10_000,
      responses: 10_000,
      inFlight: 512,
      peakInFlight: 512,
      reusedConnectionRequests: 10_000,
      cpuMicros: 200_000,
    },
    histogram: '',
    cores: null,
    ...overrides,
  } as MeasuredWindow;
}

/** A window the target bounds: the target at 0.8 of its core, the client at 0.5 of its own. */
function targetBound(): MeasuredWindow {
  const w = window({ cpuUserMicros: 200_000, cpuSystemMicros: 50_000 });
  w.target = { ...(w.target as NonNullable<MeasuredWindow['target']>), cpuMicros: 400_000 };
  return w;
}

function block(windows: MeasuredWindow[], steady = true): BlockResult {
  return {
    index: 0,
    round: 0,
    position: 0,
    steady,
    steadiness: 'steady',
    startMs: 0,
    endMs: 3000,
    warmupMs: 2000,
    warmup: [],
    windows,
  };
}

describe('guards', () => {
  const options = resolveBenchOptions({ client: 'undici-request', concurrency: 512, requests: 1000 });
  const noise = { before: null, after: null };

  it('a clean measurement is rankable', () => {
    const g = guardsOf(options, [block([window(), window()])], noise);
    expect(g.flags).toEqual([]);
    expect(g.rankable).toBe(true);
  });

  it('errors and a saturated target (above 0.7 of its core and busier than the client) exclude a measurement', () => {
    const withErrors = guardsOf(options, [block([window({ errors: { total: 3, byCode: { EMFILE: 3 } } })])], noise);
    expect(withErrors.flags).toContain('errors');
    expect(withErrors.rankable).toBe(false);
    const saturated = guardsOf(options, [block([targetBound()])], noise);
    expect(saturated.targetCpuShare).toBeCloseTo(0.8, 6);
    expect(saturated.flags).toContain('target-saturated');
    expect(saturated.rankable).toBe(false);
  });

  it('a fast cell whose client core is the busier one is not target-saturated (versions-87ea7651)', () => {
    // Target at 0.8 of its core, client at 0.98 of its own: the client is the bottleneck in every block.
    const fast = window();
    fast.target = { ...(fast.target as NonNullable<MeasuredWindow['target']>), cpuMicros: 400_000 };
    const g = guardsOf(options, [block([fast]), block([fast]), block([fast])], noise);
    expect(g.targetCpuShare).toBeCloseTo(0.8, 6);
    expect(g.flags).not.toContain('target-saturated');
    expect(g.rankable).toBe(true);
    expect(targetBoundBlock({ targetCpuShare: 0.8, clientUtilization: 0.98 })).toBe(false);
    expect(targetBoundBlock({ targetCpuShare: 0.8, clientUtilization: 0.5 })).toBe(true);
    expect(targetBoundBlock({ targetCpuShare: 0.6, clientUtilization: 0.3 })).toBe(false);
  });

  it('one target-bound block of three does not flag (the median block decides); two of three do', () => {
    const one = guardsOf(options, [block([targetBound()]), block([window()]), block([window()])], noise);
    expect(one.targetCpuShare).toBeCloseTo(0.8, 6);
    expect(one.flags).not.toContain('target-saturated');
    const two = guardsOf(options, [block([targetBound()]), block([targetBound()]), block([window()])], noise);
    expect(two.flags).toContain('target-saturated');
    // An even count: half the blocks is not the median block (both middle blocks must be target-bound).
    const bound = { targetCpuShare: 0.8, clientUtilization: 0.5 };
    const clientBound = { targetCpuShare: 0.8, clientUtilization: 0.95 };
    expect(targetSaturated([bound, bound, clientBound, clientBound])).toBe(false);
    expect(targetSaturated([bound, bound, bound, clientBound])).toBe(true);
    expect(targetSaturated([])).toBe(false);
  });

  it('foreign load on the client core in at least 10 % of the windows is flagged (shown, still rankable)', () => {
    const plan = pinningPlan();
    // Only a pinned run knows which core is the client's (a machine without taskset, or CASEBOOK_NO_PIN=1, has none).
    if (plan.clientCpu === null || plan.serverCpu === null) return;
    const cores = (clientBusy: number) => {
      const n = Math.max(plan.clientCpu ?? 0, plan.serverCpu ?? 0) + 1;
      const all = Array.from({ length: n }, () => ({ busy: 0.5, steal: 0 }));
      all[plan.clientCpu ?? 0] = { busy: clientBusy, steal: 0 };
      return all;
    };
    // The client's own CPU is 0.98 of its core (window()); a core at 1.0 is its own load, not foreign.
    const clean = Array.from({ length: 16 }, () => window({ cores: cores(1) }));
    expect(guardsOf(options, [block(clean)], noise).flags).not.toContain('foreign-load');
    // versions-87ea7651, axios 1.18.1: 2 of 16 windows with the core fully busy and its own CPU at 0.42 and 0.64.
    const loaded = [
      ...Array.from({ length: 14 }, () => window({ cores: cores(1) })),
      window({ cores: cores(1), cpuUserMicros: 170_000, cpuSystemMicros: 40_000 }),
      window({ cores: cores(1), cpuUserMicros: 260_000, cpuSystemMicros: 60_000 }),
    ];
    const g = guardsOf(options, [block(loaded)], noise);
    expect(g.flags).toContain('foreign-load');
    expect(g.rankable).toBe(true);
    // One such window in 16 (6 %) is a hiccup, not a neighbour.
    const once = [...Array.from({ length: 15 }, () => window({ cores: cores(1) })), loaded[15] as MeasuredWindow];
    expect(guardsOf(options, [block(once)], noise).flags).not.toContain('foreign-load');
  });

  it('CPU time above wall time is flagged (shown, still rankable)', () => {
    const g = guardsOf(options, [block([window({ cpuUserMicros: 600_000 })])], noise);
    expect(g.flags).toEqual(['cpu-over-wall']);
    expect(g.rankable).toBe(true);
  });

  it('a block whose warm-up never converged (not-steady) excludes the measurement: the lab measures after warm-up', () => {
    const g = guardsOf(options, [block([window()]), block([window()], false)], noise);
    expect(g.unsteadyBlocks).toBe(1);
    expect(g.flags).toEqual(['not-steady']);
    expect(g.rankable).toBe(false);
    expect(guardsOf(options, [block([window()]), block([window()])], noise).rankable).toBe(true);
  });

  it("agrees with the analysis' guard rule (UNRANKABLE_FLAGS) on every flag the runner writes", () => {
    const busyTarget = targetBound();
    const timed = resolveBenchOptions({
      client: 'undici-request',
      concurrency: 512,
      requests: 1000,
      queueTiming: true,
    });
    const cases = [
      guardsOf(options, [block([window(), window()])], noise),
      guardsOf(options, [block([window({ errors: { total: 3, byCode: { EMFILE: 3 } } })])], noise),
      guardsOf(options, [block([busyTarget])], noise),
      guardsOf(options, [block([window({ cpuUserMicros: 600_000 })])], noise),
      guardsOf(options, [block([window()], false)], noise),
      guardsOf(timed, [block([window()])], noise),
      guardsOf(options, [], noise),
      guardsOf(options, [block([window({ ok: 0, sent: 512 })])], noise),
      guardsOf(options, [block([window()])], noise, 1),
      guardsOf(options, [block([window()])], noise, 0, 6),
    ];
    const written = new Set(cases.flatMap((g) => g.flags));
    const expected = ['target-saturated', 'errors', 'cpu-over-wall', 'not-steady', 'instrumented', 'no-data'];
    for (const f of [...expected, 'stalled', 'block-fault', 'few-rounds']) expect(written.has(f), f).toBe(true);
    for (const g of cases) expect(g.rankable, g.flags.join(', ')).toBe(flagsRankable(g.flags));
    for (const f of UNRANKABLE_FLAGS) expect(written.has(f), f).toBe(true);
  });
});

describe('errors of a paused load', () => {
  const options = resolveBenchOptions({ client: 'undici-request', concurrency: 512, requests: 1000 });
  const noise = { before: null, after: null };
  it('are carried into the last measured window, so a stalled request is a recorded fault', () => {
    const windows = [window(), window()];
    carryPauseErrors(windows, { total: 2, byCode: { AbandonedAtPause: 2 } }, { AbandonedAtPause: 'still in flight' });
    expect(windows[1]?.errors).toEqual({ total: 2, byCode: { AbandonedAtPause: 2 } });
    expect(windows[1]?.errorSamples['AbandonedAtPause']).toBe('still in flight');
    expect(windows[0]?.errors.total).toBe(0);
    expect(guardsOf(options, [block(windows)], noise).flags).toContain('errors');
  });
  it("keep the harness's own cancellations (a pool wait with no bound) on record but out of the errors guard", () => {
    const windows = [window(), window()];
    const code = HARNESS_CANCELLATION_CODE;
    carryPauseErrors(windows, { total: 3, byCode: { [code]: 3 } }, { [code]: 'cancelled by the harness' });
    expect(windows[1]?.errors).toEqual({ total: 3, byCode: { CancelledAtPause: 3 } });
    expect(clientErrors(windows[1]?.errors ?? { total: 0, byCode: {} })).toBe(0);
    expect(windowTotals(windows).errors).toBe(0);
    expect(guardsOf(options, [block(windows)], noise).flags).not.toContain('errors');
    // One stalled request beside them (a bounded pool: the client's fault) still flags the measurement.
    carryPauseErrors(windows, { total: 1, byCode: { AbandonedAtPause: 1 } }, {});
    expect(clientErrors(windows[1]?.errors ?? { total: 0, byCode: {} })).toBe(1);
    expect(guardsOf(options, [block(windows)], noise).flags).toContain('errors');
  });
  it('leave a block with no measured window as it is', () => {
    const windows: MeasuredWindow[] = [];
    carryPauseErrors(windows, { total: 1, byCode: { X: 1 } }, {});
    expect(windows).toEqual([]);
  });
});

describe('a block cut short by its time limit (seed-15163329: five 48 s timeouts that kept no window)', () => {
  const plan = { windowMs: 500, windowsPerBlock: 2, steadiness: DEFAULT_STEADINESS };
  it('counts the pause apart from the warm-up and measured windows', () => {
    const limits = blockLimits(plan);
    expect(limits.activeMs).toBe(15_000 + 500 * 6 + 30_000);
    expect(limits.pauseMs).toBe(40_000);
  });
  it('carries every window received, with its phase, into the fault (data, labelled partial)', () => {
    const tally = new WindowTally();
    const errors = { total: 2, byCode: { PoolTimeout: 2 } };
    const cpu = { cpuUserMicros: 900_000, cpuSystemMicros: 100_000 };
    tally.add('warmup', window({ ok: 10, sent: 12, errors: errors, durationMs: 1000, ...cpu }));
    tally.add('measured', window({ ok: 30, sent: 30, durationMs: 1000, ...cpu }));
    const e = blockTimeoutError(tally.payload(3, 'pause', 40_100, 40_000));
    expect(e.code).toBe('CASEBOOK_TRIAL_TIMEOUT');
    expect(e.message).toContain('in its pause');
    const at = e.message.lastIndexOf(BLOCK_PAYLOAD_MARKER) + BLOCK_PAYLOAD_MARKER.length;
    expect(JSON.parse(e.message.slice(at))).toMatchObject({
      partial: true,
      block: 3,
      phase: 'pause',
      warmupWindows: 1,
      measuredWindows: 1,
      answered: 40,
      failed: 2,
      sent: 42,
      byCode: { PoolTimeout: 2 },
      throughputRps: 20,
      measuredThroughputRps: 30,
      busy: 1,
      // CPU per request ANSWERED (2 s ÷ 40), not per request sent (2 s ÷ 42): the rate beside it counts answers.
      cpuMicrosPerRequest: 50_000,
    });
  });
  it('reports a block with no window as such (no throughput, not zero)', () => {
    const p = new WindowTally().payload(0, 'warmup', 48_000, 48_000);
    expect(p.throughputRps).toBeNull();
    expect(p.cpuMicrosPerRequest).toBeNull();
    expect(p.warmupWindows + p.measuredWindows).toBe(0);
  });
});

describe('seeded interleaving', () => {
  it('is reproducible from (seed, round) and differs between rounds', () => {
    expect(shuffledOrder(7, 42, 3)).toEqual(shuffledOrder(7, 42, 3));
    const rounds = Array.from({ length: 10 }, (_, r) => shuffledOrder(7, 42, r).join(','));
    expect(new Set(rounds).size).toBeGreaterThan(1);
    for (const r of rounds) expect(r.split(',').map(Number).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe("axios's maxRedirects option (the maxRedirects 0 cell of 07-versions)", () => {
  it('is accepted for axios only, as an integer ≥ 0, and absent unless asked', () => {
    const native = resolveBenchOptions({ client: 'axios', concurrency: 1, requests: 1, maxRedirects: 0 });
    expect(native.clientOptions.maxRedirects).toBe(0);
    expect(resolveBenchOptions({ client: 'axios', concurrency: 1, requests: 1 }).clientOptions).not.toHaveProperty(
      'maxRedirects',
    );
    expect(() => resolveBenchOptions({ client: 'got', concurrency: 1, requests: 1, maxRedirects: 0 })).toThrow(
      /maxRedirects/,
    );
    expect(() => resolveBenchOptions({ client: 'axios', concurrency: 1, requests: 1, maxRedirects: -1 })).toThrow(
      /maxRedirects/,
    );
  });
});

describe('a pause left unanswered after the measured windows arrived (seed-7326eaa1: uvloop, bench 032)', () => {
  const options = resolveBenchOptions({ client: 'undici-request', concurrency: 512, requests: 1000 });
  const noise = { before: null, after: null };
  const measured = block([window(), window()]);
  const worker = new CasebookError(
    'CASEBOOK_PAUSE_UNANSWERED',
    'the pause was not answered for 30 s; the block so far: {}',
  );
  const fault = new PauseFault(worker, measured);
  it("is the harness's fault with the block kept as data, and the measurement is reopened after it", () => {
    expect(fault.code).toBe(PAUSE_UNANSWERED);
    expect(fault.block.windows).toHaveLength(2);
    expect(fault.message).toContain('the block is kept');
    expect(fault.message).toContain('the pause was not answered for 30 s');
    expect(REOPENED_AFTER).toContain(PAUSE_UNANSWERED);
  });
  it('is kept in the fault list but is not a fault of the measurement (no block-fault flag, not its error)', () => {
    const faults = [
      { round: 0, code: PAUSE_UNANSWERED, message: fault.message },
      { round: 2, code: 'CASEBOOK_TRIAL_TIMEOUT', message: 'block 2 ran longer than 48000 ms' },
    ];
    expect(measurementFaults(faults.slice(0, 1))).toEqual([]);
    expect(guardsOf(options, [measured], noise, measurementFaults(faults.slice(0, 1)).length).flags).toEqual([]);
    // Counterfactual: a block timeout is the measurement's own fault, and flags it.
    expect(measurementFaults(faults).map((f) => f.code)).toEqual(['CASEBOOK_TRIAL_TIMEOUT']);
    expect(guardsOf(options, [measured], noise, measurementFaults(faults).length).flags).toContain('block-fault');
  });
});
