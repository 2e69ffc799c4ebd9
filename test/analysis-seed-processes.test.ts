import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type AttributionStep,
  aaGatherCheck,
  attributionRows,
  closesGapClaim,
  cpuGap,
  GATHER_MIN_PROCESSES,
  type GatherSample,
  gapClaim,
  gatherCpuRows,
  gatherProcessPlan,
  gatherSample,
  quantityClaim,
  replicatedGathers,
  seedGuardFlags,
} from '@casebook/analysis';
import { bootstrapMedians, hierarchicalBootstrapMedians } from '@casebook/stats';
import { describe, expect, it } from 'vitest';
import { type Gather, POOL_NONE } from './fixtures/seed-gathers';

/**
 * The gathers of the counted claims run in several processes and read as two-level samples (stated before the run
 * after review-06): the hierarchical bootstrap, the plan's seeded order, the joined gather, the counted claims on both
 * sides and unresolved with fewer than 3 processes, the A/A row, the gathers' exemption from `unstable across blocks`
 * (on seed-0b8bd744's committed gathers), a switch that backfires failing, and one rule for recorded intervals. No
 * process.
 */

const NOISE = [1.03, 0.97, 1.05, 0.96, 1.01, 0.99, 1.04, 0.95, 1.02, 0.98];

/** One process's gather: 4 warm-up batches (dropped) then `kept` batches around `us`, noise shifted by `shift`. */
function proc(label: string, us: number, shift = 0, kept = 6): GatherSample<Gather['client']> {
  const cpu = [3, 2, 1.5, 1.2, ...new Array<number>(kept).fill(1)].map(
    (w, i) => us * w * (NOISE[(i + shift) % NOISE.length] as number),
  );
  const g: Gather = {
    label,
    client: { name: label, settings: label.includes('httpx') ? POOL_NONE : {} },
    trials: cpu.map((c) => ({ durationMs: c / 2, sent: 512, cpuMicrosPerRequest: c, eventLoopUtilization: 1 })),
  };
  return gatherSample(g);
}

/** An arm run in one process per value of `us` (each value that process's cost), joined as replicatedGathers does. */
const arm = (label: string, us: readonly number[], shift = 0): GatherSample<Gather['client']> => {
  const joined = replicatedGathers(us.map((u, k) => proc(`${label} · process ${k + 1}`, u, shift + k)));
  expect(joined).toHaveLength(1);
  return joined[0] as GatherSample<Gather['client']>;
};

const switchStep = (
  from: GatherSample<unknown>,
  to: GatherSample<unknown>,
  low: GatherSample<unknown>,
  toLow?: GatherSample<unknown>,
): AttributionStep => ({
  step: 's',
  replaces: 'r',
  from,
  to,
  gapHigh: from,
  gapLow: low,
  switch: true,
  ...(toLow ? { toLow } : {}),
});

describe('hierarchicalBootstrapMedians', () => {
  /** 20 batches around c (c − 2 … c + 2). */
  const batches = (c: number) => Array.from({ length: 20 }, (_, i) => c + (i % 5) - 2);
  const close = [batches(100), batches(100), batches(101)];
  const apart = [batches(90), batches(100), batches(110)];
  const id = ([x]: readonly number[]) => x as number;

  it('carries the variation between processes, which a bootstrap of the pooled batches does not', () => {
    const h = hierarchicalBootstrapMedians([apart], id);
    const pooled = bootstrapMedians([apart.flat()], id);
    expect(h.value).toBe(100);
    expect(h.high - h.low).toBeGreaterThan(2 * (pooled.high - pooled.low));
    // With three processes the interval reaches about the outer processes' medians.
    expect(h.low).toBeLessThan(95);
    expect(h.high).toBeGreaterThan(105);
    expect([pooled.low, pooled.high].every((x) => x >= 97 && x <= 103)).toBe(true);
    const c = hierarchicalBootstrapMedians([close], id);
    expect(c.high - c.low).toBeLessThan(4);
    expect(h.processes).toEqual([3]);
  });

  it('depends on the values alone: neither the order of the processes nor of their batches changes it', () => {
    const f = ([a, b]: readonly number[]) => (a as number) / (b as number);
    const a = hierarchicalBootstrapMedians([apart, close], f);
    const shuffled = [[...apart].reverse().map((p) => [...p].reverse()), [close[1], close[2], close[0]] as number[][]];
    expect(hierarchicalBootstrapMedians(shuffled, f)).toEqual(a);
  });

  it('refuses an empty process', () => {
    expect(() => hierarchicalBootstrapMedians([[[]]], id)).toThrow(RangeError);
  });
});

describe('the plan: arms in several processes, in a seeded shuffled order', () => {
  const entries = ['a · x @ 0 ms', 'latest · httpx pool=None @ 0 ms', 'b · y @ 50 ms', 'latest · aiohttp @ 0 ms'].map(
    (label) => ({ label, trials: 14 }),
  );
  const settings = {
    arms: ['latest · httpx pool=None @ 0 ms', 'latest · aiohttp @ 0 ms'],
    processes: 3,
    trials: 10,
    seed: 6,
  };

  it('runs each arm in 3 processes of 10 batches, all of them in one shuffled block where the first arm was', () => {
    const plan = gatherProcessPlan(entries, settings, 14);
    expect(plan.entries.map((e) => e.label)).toHaveLength(2 + 6);
    expect(plan.entries[0]?.label).toBe('a · x @ 0 ms');
    expect(plan.entries[7]?.label).toBe('b · y @ 50 ms');
    const block = plan.entries.slice(1, 7);
    expect(block.every((e) => e.trials === 10)).toBe(true);
    expect(new Set(block.map((e) => e.label))).toEqual(
      new Set(settings.arms.flatMap((a) => [1, 2, 3].map((k) => `${a} · process ${k}`))),
    );
    expect(plan.note).toEqual({ seed: 6, processes: 3, trials: 10, order: block.map((e) => e.label) });
    // Shuffled, not in the order listed; the same for the same seed, another for another.
    expect(plan.note.order).not.toEqual(settings.arms.flatMap((a) => [1, 2, 3].map((k) => `${a} · process ${k}`)));
    expect(gatherProcessPlan(entries, settings, 14).note.order).toEqual(plan.note.order);
    expect(gatherProcessPlan(entries, { ...settings, seed: 7 }, 14).note.order).not.toEqual(plan.note.order);
    expect(plan.text).toMatch(/seed 6/);
    expect(plan.text).toMatch(
      /Estimated run time .*: \+\d+\.\d min \(\+\d+\.\d min if every httpcore 1\.0\.x batch took 10 s\)/,
    );
  });

  it("the smoke profile's 2 processes of one arm take the same path", () => {
    const plan = gatherProcessPlan(
      entries,
      { ...settings, arms: [settings.arms[0] as string], processes: 2, trials: 1 },
      1,
    );
    expect(plan.note.order.sort()).toEqual([1, 2].map((k) => `latest · httpx pool=None @ 0 ms · process ${k}`));
    expect(plan.entries.map((e) => e.label)).toContain('latest · aiohttp @ 0 ms');
  });

  it('the standard profile adds about 4 minutes, under 10 at worst (the 7 arms of latest at 0 ms)', () => {
    const arms = [
      'httpx pool=None',
      'httpx pool=None keepalive=100',
      'httpx pool=None uvloop',
      'aiohttp',
      'aiohttp uvloop',
      'httpx-aiohttp-seed',
      'httpx-aiohttp pool=None',
    ].map((c) => `latest · ${c} @ 0 ms`);
    const plan = gatherProcessPlan(
      arms.map((label) => ({ label, trials: 14 })),
      { arms, processes: 3, trials: 10, seed: 6 },
      14,
    );
    const [typical, worst] = [...plan.text.matchAll(/\+(\d+\.\d) min/g)].map((m) => Number(m[1]));
    expect(typical).toBeGreaterThan(2);
    expect(typical).toBeLessThan(6);
    expect(worst).toBeLessThanOrEqual(10);
  });
});

describe('an arm run in several processes (replicatedGathers)', () => {
  it('joins the processes under the arm label, keeps each, and names a flagged process', () => {
    const drifting = proc('latest · aiohttp @ 0 ms · process 2', 300);
    const bad = { ...drifting, guards: { flags: ['not-converged (x)'], rankable: false } };
    const joined = replicatedGathers([proc('other @ 0 ms', 1), proc('latest · aiohttp @ 0 ms · process 1', 300), bad]);
    expect(joined.map((g) => g.label)).toEqual(['other @ 0 ms', 'latest · aiohttp @ 0 ms']);
    const a = joined[1] as GatherSample<unknown>;
    expect([a.kept, a.processes?.length, a.method?.blocks.length]).toEqual([12, 2, 12]);
    expect(a.guards).toEqual({ flags: ['process 2: not-converged (x)'], rankable: false });
    expect(a.sampling).toBe('independent batches');
  });
});

describe('the counted claims read from gathers run in several processes (hierarchical bootstrap)', () => {
  const l = arm('latest · aiohttp @ 0 ms', [300, 310, 290]);
  const h = arm('latest · httpx pool=None @ 0 ms', [5000, 5200, 4800], 3);

  it('closes-keepalive-gather holds when keep-alive = 100 closes far more than 10 % in every process', () => {
    const ka = arm('latest · httpx pool=None keepalive=100 @ 0 ms', [1000, 1100, 950], 5);
    const v = closesGapClaim(switchStep(h, ka, l), 0.1, 'closes-keepalive-gather');
    expect(v.outcome).toBe('holds');
    expect(v.kind).toBe('claim');
    expect(v.statistic?.name).toMatch(/hierarchical percentile bootstrap/);
    expect(v.evidence['coverage']).toBe(0.95);
  });

  it('closes-keepalive-gather fails when keep-alive = 100 changes nothing', () => {
    const ka = arm('latest · httpx pool=None keepalive=100 @ 0 ms', [5100, 5050, 5000], 5);
    expect(closesGapClaim(switchStep(h, ka, l), 0.1, 'closes-keepalive-gather').outcome).toBe('fails');
  });

  it('closes-uvloop-gather holds when uvloop narrows the gap, fails when it takes the same µs/request off both', () => {
    const huv = arm('latest · httpx pool=None uvloop @ 0 ms', [2500, 2600, 2400], 2);
    const luv = arm('latest · aiohttp uvloop @ 0 ms', [200, 210, 190], 4);
    expect(closesGapClaim(switchStep(h, huv, l, luv), 0.1, 'closes-uvloop-gather').outcome).toBe('holds');
    // uvloop takes as many µs/request off both clients: the gap is about unchanged, so it closes nothing.
    const same = arm('latest · httpx pool=None uvloop @ 0 ms', [5000, 5100, 4900], 2);
    const lsame = arm('latest · aiohttp uvloop @ 0 ms', [200, 210, 190], 4);
    expect(closesGapClaim(switchStep(h, same, l, lsame), 0.1, 'closes-uvloop-gather').outcome).toBe('fails');
  });

  it('a share that one process of each arm would call closed is unresolved when the processes disagree', () => {
    // Process 1 of each arm alone: a clear 20 % share; across processes h moves ±30 %, so the share straddles 0.10.
    const hx = arm('latest · httpx pool=None @ 0 ms', [5000, 3500, 6500], 3);
    const ka = arm('latest · httpx pool=None keepalive=100 @ 0 ms', [4000, 5200, 3000], 5);
    const one = closesGapClaim(
      switchStep(
        hx.processes?.[0] as GatherSample<unknown>,
        ka.processes?.[0] as GatherSample<unknown>,
        l.processes?.[0] as GatherSample<unknown>,
      ),
      0.1,
      'c',
    );
    expect(one.outcome).toBe('holds');
    expect(closesGapClaim(switchStep(hx, ka, l), 0.1, 'c').outcome).toBe('unresolved');
  });

  it(`with fewer than ${GATHER_MIN_PROCESSES} processes in an arm the claim is unresolved, saying why, with no interval recorded`, () => {
    const ka = arm('latest · httpx pool=None keepalive=100 @ 0 ms', [1000, 1100], 5);
    const v = closesGapClaim(switchStep(h, ka, l), 0.1, 'closes-keepalive-gather');
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence['noInterval']).toBe(
      'no interval: fewer than 3 processes: latest · httpx pool=None keepalive=100 @ 0 ms ran in 2',
    );
    expect([v.evidence['low'], v.evidence['high'], v.statistic?.ci95]).toEqual([null, null, null]);
    // An arm of one process beside arms of three (a version step from 2022's gather) is unresolved the same way.
    const single = proc('2022 · httpx pool=None @ 0 ms', 1500);
    const g = gapClaim({ id: 'g', claim: 'c', httpx: h, aiohttp: single, threshold: { above: 1.5 } });
    expect(g.evidence['noInterval']).toMatch(/2022 · httpx pool=None @ 0 ms ran in 1/);
    expect(g.outcome).toBe('unresolved');
  });

  it('the gap of two arms run in three processes each is a hierarchical ratio of medians', () => {
    const g = gapClaim({ id: 'gap-latest-gather', claim: 'c', httpx: h, aiohttp: l, threshold: { above: 1.5 } });
    expect(g.outcome).toBe('holds');
    expect(cpuGap(h, l).method).toBe('hierarchical-bootstrap');
    expect(cpuGap(h, l).median).toBeCloseTo(5000 / 300, 0);
  });

  it("the table prints each gather's processes, halves ratios, the spread of their medians and the A/A between them", () => {
    const [row] = gatherCpuRows([h], () => l);
    expect(row?.processes).toBe(3);
    expect(row?.halves.split(', ')).toHaveLength(3);
    expect(row?.spread).toBeCloseTo(5200 / 4800, 1);
    // 4800 vs 5200 µs with ±5 % batch noise: the within-process intervals exclude 1 for those pairs.
    expect(row?.aaPairs).toMatch(/^\d of 3$/);
    expect(Number.isFinite(row?.cpuLow)).toBe(true);
    const [two] = gatherCpuRows([arm('x @ 0 ms', [100, 100])], () => undefined);
    expect(two?.cpuLow).toBeNaN();
  });
});

describe('the A/A row (exploratory, never counted)', () => {
  const hDefault = proc('latest · httpx @ 0 ms', 5000, 0, 10);
  it('holds when every pair of processes costs the same, fails when one process differs', () => {
    const same = arm('latest · httpx pool=None @ 0 ms', [5000, 5000, 5000], 1);
    const v = aaGatherCheck({ id: 'aa-pool-wait-gather', a: hDefault, b: same });
    expect([v.outcome, v.kind, v.evidence['pairs'], v.evidence['excludingOne']]).toEqual([
      'holds',
      'exploratory',
      3,
      0,
    ]);
    const apart = arm('latest · httpx pool=None @ 0 ms', [5000, 5000, 6500], 1);
    const w = aaGatherCheck({ id: 'aa-pool-wait-gather', a: hDefault, b: apart });
    expect([w.outcome, w.evidence['excludingOne']]).toEqual(['fails', 1]);
    expect(String(w.evidence['ratios'])).toMatch(/process 3 0\.7/);
  });
  it('is unresolved when no pair has an interval (the smoke profile: one batch a process)', () => {
    const one = (label: string) =>
      gatherSample(
        { label, client: { name: label }, trials: [{ durationMs: 1, sent: 512, cpuMicrosPerRequest: 5000 }] },
        0,
      );
    const v = aaGatherCheck({
      id: 'aa',
      a: one('latest · httpx @ 0 ms'),
      b: replicatedGathers([one('h · process 1'), one('h · process 2')])[0] as GatherSample<unknown>,
    });
    expect(v.outcome).toBe('unresolved');
  });
});

describe('a switch that backfires fails, even when its ratio is not a share (review-06, finding 5)', () => {
  it('keep-alive = 100 that triples the cost: its interval lies below 0.10, so it fails, naming the not-a-share reason', () => {
    const l = proc('latest · aiohttp @ 0 ms', 300, 0, 10);
    const h = proc('latest · httpx pool=None @ 0 ms', 5000, 2, 10);
    const ka = proc('latest · httpx pool=None keepalive=100 @ 0 ms', 15000, 4, 10);
    const v = closesGapClaim(switchStep(h, ka, l), 0.1, 'closes-keepalive-gather');
    expect(v.outcome).toBe('fails');
    expect(String(v.evidence['notAShareToo'])).toMatch(/^not a share: .*outside \[-1, 2\]/);
    // A version step (not a switch) that is not a share stays unresolved.
    const step = { ...switchStep(h, ka, l), switch: false };
    expect(closesGapClaim(step, 0.1, 'closes-latest-gather').outcome).toBe('unresolved');
  });
});

describe('one rule for every printed and recorded interval (review-06, finding 4)', () => {
  it('quantityClaim records no low and high when the interval cannot decide (as the seed asks)', () => {
    const v = quantityClaim({
      nullUndecided: true,
      id: 'q',
      claim: 'c',
      statistic: 's',
      interval: { median: 2, low: 2, high: 2, coverage: 0, n: 1 },
      threshold: { above: 1 },
    });
    expect([v.outcome, v.evidence['low'], v.evidence['high']]).toEqual(['unresolved', null, null]);
    const w = quantityClaim({
      nullUndecided: true,
      id: 'q',
      claim: 'c',
      statistic: 's',
      interval: { median: 2, low: 1.5, high: 2.5, coverage: 0.969, n: 6 },
      threshold: { above: 1 },
    });
    expect([w.outcome, w.evidence['low'], w.evidence['high']]).toEqual(['holds', 1.5, 2.5]);
  });
  it('a rank-sum interval from fewer than 6 batches a side decides nothing, in the claim as in the table', () => {
    const h = proc('latest · httpx pool=None @ 0 ms', 5000, 0, 4);
    const l = proc('latest · aiohttp @ 0 ms', 300, 0, 4);
    expect(cpuGap(h, l).coverage).toBe(0);
    expect(gapClaim({ id: 'g', claim: 'c', httpx: h, aiohttp: l, threshold: { above: 1.5 } }).outcome).toBe(
      'unresolved',
    );
    expect(gatherCpuRows([h], () => l)[0]?.vsLow).toBeNaN();
  });
  it('the attribution table shows no share interval where the share is undecided', () => {
    const l = arm('latest · aiohttp @ 0 ms', [300, 310]);
    const h = arm('latest · httpx pool=None @ 0 ms', [5000, 5200]);
    const ka = arm('latest · httpx pool=None keepalive=100 @ 0 ms', [1000, 1100]);
    const [r] = attributionRows([switchStep(h, ka, l)]);
    expect([r?.shareLow, r?.shareHigh, r?.closedLow, r?.closedHigh].every(Number.isNaN)).toBe(true);
    expect(r?.reading).toBe('unresolved');
    expect(r?.noInterval).toMatch(/fewer than 3 processes/);
  });
});

describe('gathers are exempt from `unstable across blocks` (review-06, finding 2)', () => {
  const repo = path.resolve(__dirname, '..');
  const read = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(repo, file), 'utf8'));
  const record = read('results/seed/seed-0b8bd744/record.json') as { measurements: { label: string; file: string }[] };
  const rowOf = (label: string) => {
    const m = record.measurements.find((x) => x.label === label);
    if (!m) throw new Error(label);
    return gatherSample(read(m.file) as Gather);
  };

  it("seed-0b8bd744's httpx2 · aiohttp @ 0 ms spreads more than 2× across its kept batches and is not flagged", () => {
    const a = rowOf('httpx2 · aiohttp @ 0 ms');
    const rps = a.method?.blocks.map((b) => b.throughputRps) ?? [];
    expect(Math.max(...rps) / Math.min(...rps)).toBeGreaterThan(2);
    expect(seedGuardFlags(a)).toEqual([]);
    const [row] = gatherCpuRows([rowOf('httpx2 · httpx @ 0 ms')], () => a);
    expect(row?.flagged).toBe('none');
  });

  it("no gather of seed-0b8bd744 at 0 ms is flagged by the table's rule (flaggedOf)", () => {
    for (const set of ['2022', 'as-reported', 'latest', 'httpx2']) {
      const aio = rowOf(`${set} · aiohttp @ 0 ms`);
      const [row] = gatherCpuRows([rowOf(`${set} · httpx @ 0 ms`)], () => aio);
      expect(row?.flagged, set).toBe('none');
    }
  });
});
