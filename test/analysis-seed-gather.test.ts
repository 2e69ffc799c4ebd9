import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type AttributionStep,
  attributionRows,
  claimTally,
  closesGapClaim,
  combinedPerRound,
  cpuGap,
  cpuRatioClaim,
  GATHER_MAX_DRIFT,
  GATHER_WARMUP_BATCHES,
  type GatherSample,
  gapClaim,
  gapShare,
  gatherCpuRows,
  gatherSample,
  notAShare,
  STEP_BOOTSTRAP,
} from '@casebook/analysis';
import { mannWhitneyCdf } from '@casebook/stats';
import { describe, expect, it } from 'vitest';
import { type Gather, POOL_NONE } from './fixtures/seed-gathers';

/**
 * The httpcore 1.0.x gap read from the seed's own gather of 512, each batch a trial and each gather an independent
 * sample of its batches (stated before the run after seed-0b8bd744): the warm-up rule, the guards of a gather, the
 * ratio of two gathers (Hodges–Lehmann, rank-sum interval) and the shares (bootstrap of the medians) on every side
 * (holds, fails, unresolved), their independence of the batches' order, and the replicated values recomputed from
 * seed-0b8bd744's committed gathers. No process.
 */

/** Batch-to-batch noise, shared shape but not shared values: the gathers run one after another. */
const NOISE = [1.03, 0.97, 1.05, 0.96, 1.01, 0.99, 1.04, 0.95, 1.02, 0.98, 1.0, 1.03, 0.97, 1.01];

/** A gather of `cpu.length` batches of 512 (the cold first gather is not among them, as in a record). */
function gather(
  label: string,
  cpu: readonly number[],
  extra: { failed?: readonly number[]; settings?: Readonly<Record<string, unknown>>; error?: Gather['error'] } = {},
): Gather {
  return {
    label,
    client: { name: label, ...(extra.settings ? { settings: extra.settings } : {}) },
    trials: cpu.map((c, i) => {
      const failed = extra.failed?.[i] ?? 0;
      return {
        durationMs: c / 2,
        sent: 512,
        cpuMicrosPerRequest: c,
        eventLoopUtilization: 1,
        errors: { total: failed, byCode: failed > 0 ? { PoolTimeout: failed } : {} },
      };
    }),
    ...(extra.error !== undefined ? { error: extra.error } : {}),
  };
}

/** 14 batches around `us` µs/request, the first four of them warming up (3×, 2×, 1.5×, 1.2×). */
const warming = (us: number, shift = 0): number[] =>
  NOISE.map((n, i) => us * (NOISE[(i + shift) % NOISE.length] ?? n) * ([3, 2, 1.5, 1.2][i] ?? 1));

describe('a gather read as trials (gatherSample)', () => {
  it('drops the warm-up batches and keeps the rest, in the order they ran, as an independent sample', () => {
    const r = gatherSample(gather('latest · httpx pool=None @ 0 ms', warming(5000), { settings: POOL_NONE }));
    expect(GATHER_WARMUP_BATCHES).toBe(4);
    expect([r.measured, r.kept, r.sampling]).toEqual([14, 10, 'independent batches']);
    expect(r.method?.blocks.map((b) => b.round)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.method?.blocks[0]?.cpuMicrosPerRequest).toBeCloseTo(5000 * (NOISE[4] as number), 6);
    // 512 requests in a batch of cpu / 2 ms.
    expect(r.method?.blocks[0]?.throughputRps).toBeCloseTo(512_000 / ((5000 * (NOISE[4] as number)) / 2), 6);
    expect(r.guards).toEqual({ flags: [], rankable: true });
    expect(r.drift).toBeGreaterThan(1 / GATHER_MAX_DRIFT);
    expect(r.drift).toBeLessThan(GATHER_MAX_DRIFT);
  });

  it('refuses to be paired round by round with another gather: its batches are not rounds', () => {
    const a = gatherSample(gather('a', warming(5000)));
    const b = gatherSample(gather('b', warming(300, 5)));
    expect(() => combinedPerRound([a, b], 'cpuMicrosPerRequest', ([x, y]) => (x as number) / (y as number))).toThrow(
      /independent sample of batches/,
    );
  });

  it('without the warm-up rule the same gather is not-converged: its first half still costs more', () => {
    const r = gatherSample(gather('g', warming(5000).slice(0, 10)), 0);
    expect(r.guards?.flags).toHaveLength(1);
    expect(r.guards?.flags[0]).toMatch(
      /^not-converged \(CPU [\d,]+ µs\/request over the first half of the kept batches, [\d,]+ over the last: \d\.\d\d× > 1\.5×\)$/,
    );
    expect(r.guards?.rankable).toBe(false);
  });

  it('not-converged either way: a gather whose cost keeps rising is flagged too; within 1.5× it is not', () => {
    const rising = [1, 1, 1, 1, 1, 1.7, 1.7, 1.7, 1.7, 1.7].map((x) => x * 4000);
    expect(gatherSample(gather('up', rising), 0).guards?.flags[0]).toMatch(/^not-converged .* 1\.70× > 1\.5×\)$/);
    const within = [1, 1, 1, 1, 1, 1.4, 1.4, 1.4, 1.4, 1.4].map((x) => x * 4000);
    expect(gatherSample(gather('up', within), 0).guards?.flags).toEqual([]);
    // An odd number of kept batches: the middle one belongs to neither half.
    const odd = [1, 1, 9, 1, 1].map((x) => x * 4000);
    expect(gatherSample(gather('odd', odd), 0).drift).toBe(1);
  });

  it('error-dominated when more than 1 % of the kept batches failed; failures in the warm-up batches do not count', () => {
    const failedEarly = [412, 412, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    expect(gatherSample(gather('g', warming(5000), { failed: failedEarly })).guards?.flags).toEqual([]);
    const failedLate = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100];
    const r = gatherSample(gather('g', warming(5000), { failed: failedLate }));
    expect(r.guards?.flags).toEqual([
      'error-dominated (100 of 5120 requests failed in the kept batches: PoolTimeout 100)',
    ]);
    // 1 % exactly is not more than 1 %.
    const edge = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 51];
    expect(gatherSample(gather('g', warming(5000), { failed: edge })).guards?.flags).toEqual([]);
  });

  it("a gather's own fault travels with it and voids a claim that reads it", () => {
    const httpx = gatherSample(
      gather('h', warming(5000), { settings: POOL_NONE, error: { code: 'CASEBOOK_TRIAL_TIMEOUT', message: 'x' } }),
    );
    const aiohttp = gatherSample(gather('a', warming(300, 3)));
    const v = gapClaim({ id: 'gap', claim: 'c', httpx, aiohttp, threshold: { above: 1.5 } });
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence['flagged']).toBe('h (errored (CASEBOOK_TRIAL_TIMEOUT))');
  });
});

/** The same gather with its kept batches in another order (a fixed permutation: reversed, then halves swapped). */
function reordered<C>(g: GatherSample<C>): GatherSample<C> {
  const blocks = [...(g.method?.blocks ?? [])].reverse();
  const half = Math.floor(blocks.length / 2);
  return { ...g, method: { blocks: [...blocks.slice(half), ...blocks.slice(0, half)] } };
}

describe('two gathers compared as independent samples', () => {
  const h = gatherSample(gather('latest · httpx pool=None @ 0 ms', warming(5000), { settings: POOL_NONE }));
  const l = gatherSample(gather('latest · aiohttp @ 0 ms', warming(300, 5)));

  describe('the ratio of two gathers (gap-<set>-gather, cpuRatioClaim): Hodges–Lehmann, rank-sum interval', () => {
    it('is the median of all 10 × 10 batch ratios, with the exact rank-sum coverage for 10 and 10', () => {
      const gap = cpuGap(h, l);
      const ratios =
        h.method?.blocks.flatMap(
          (a) => l.method?.blocks.map((b) => a.cpuMicrosPerRequest / b.cpuMicrosPerRequest) ?? [],
        ) ?? [];
      ratios.sort((a, b) => a - b);
      expect(ratios).toHaveLength(100);
      expect(gap.median).toBeCloseTo(Math.sqrt((ratios[49] as number) * (ratios[50] as number)), 9);
      // k = 24 for 10 and 10 (the test's two-sided 5 % critical value is U ≤ 23): the 24th smallest and largest ratios.
      expect(gap.low).toBeCloseTo(ratios[23] as number, 9);
      expect(gap.high).toBeCloseTo(ratios[76] as number, 9);
      expect(gap.coverage).toBeCloseTo(1 - 2 * (mannWhitneyCdf(10, 10)[23] as number), 12);
      expect(gap.coverage).toBeGreaterThanOrEqual(0.95);
      expect([gap.n, gap.method]).toEqual([10, 'rank-sum']);
    });

    it('holds when the interval lies above 1.5, fails when it lies at or below, is unresolved when it straddles', () => {
      const claim = (httpx: typeof h) =>
        gapClaim({
          id: 'gap-latest-gather',
          claim: 'c',
          httpx,
          aiohttp: l,
          threshold: { above: 1.5 },
          replicates: { run: 'r', value: 1 },
        });
      const holds = claim(h);
      expect(holds.outcome).toBe('holds');
      expect(holds.statistic?.name).toMatch(/independent samples of batches: Hodges–Lehmann ratio, rank-sum interval/);
      expect(holds.statistic?.name).not.toMatch(/round|pair/);
      const close = gatherSample(gather('latest · httpx pool=None @ 0 ms', warming(390, 2), { settings: POOL_NONE }));
      expect(claim(close).outcome).toBe('fails');
      // 1.5 × aiohttp's cost, its batches as noisy as aiohttp's: the interval straddles 1.5.
      const edge = gatherSample(gather('latest · httpx pool=None @ 0 ms', warming(450, 9), { settings: POOL_NONE }));
      const v = claim(edge);
      expect(v.outcome).toBe('unresolved');
      expect(v.statistic?.ci95?.[0]).toBeLessThan(1.5);
      expect(v.statistic?.ci95?.[1]).toBeGreaterThan(1.5);
      // A guard on either gather voids it, naming the flag.
      const flagged = gatherSample(gather('a', warming(300).slice(0, 10)), 0);
      const f = gapClaim({ id: 'g', claim: 'c', httpx: h, aiohttp: flagged, threshold: { above: 1.5 } });
      expect(f.outcome).toBe('unresolved');
      expect(String(f.evidence['flagged'])).toMatch(/^a \(not-converged /);
    });

    it('a step ratio (cpuRatioClaim) on gathers: holds, fails and unresolved against 0.25 below', () => {
      const ratio = (to: typeof h) =>
        cpuRatioClaim({ id: 'step', claim: 'c', from: h, to, threshold: { below: 0.25 } }).outcome;
      expect(ratio(l)).toBe('holds');
      expect(ratio(gatherSample(gather('t', warming(2500, 4))))).toBe('fails');
      expect(ratio(gatherSample(gather('t', warming(1250, 9))))).toBe('unresolved');
    });

    it('too few batches: no interval below 6 batches a side (one rule, review-06), so nothing is decided', () => {
      const a = gatherSample(gather('a', [5000, 5100, 4900]), 0);
      const b = gatherSample(gather('b', [300, 310, 290]), 0);
      const gap = cpuGap(a, b);
      // 3 and 3 reach 90 % at most; since review-06 no rank-sum interval is given below 6 batches a side at all.
      expect(gap.coverage).toBe(0);
      expect(gapClaim({ id: 'g', claim: 'c', httpx: a, aiohttp: b, threshold: { above: 1.5 } }).outcome).toBe(
        'unresolved',
      );
    });
  });

  describe("closes-keepalive-gather (counted): a switch on the gap's own httpx row, bootstrap of the medians", () => {
    const switchOf = (to: typeof h): AttributionStep =>
      ({ step: 'keep-alive', replaces: 'pool', from: h, to, gapHigh: h, gapLow: l, switch: true }) as const;

    it('holds when keep-alive = 100 takes most of the cost away', () => {
      const kept = gatherSample(gather('k', warming(1500, 7), { settings: POOL_NONE }));
      const v = closesGapClaim(switchOf(kept), 0.1, 'closes-keepalive-gather');
      expect([v.kind, v.outcome]).toEqual(['claim', 'holds']);
      expect(v.statistic?.value).toBeCloseTo(3500 / 4700, 1);
      expect(v.statistic?.name).toContain(STEP_BOOTSTRAP.text);
      expect(v.statistic?.name).not.toMatch(/round|pair/);
      expect(claimTally([v]).claims).toBe(1);
      const row = attributionRows([switchOf(kept)])[0];
      expect([row?.reading, row?.method, row?.rounds]).toEqual(['closes', STEP_BOOTSTRAP.text, 10]);
    });

    it('fails when it changes nothing: the endpoints test is not applied to a switch', () => {
      const same = gatherSample(gather('k', warming(5000, 1), { settings: POOL_NONE }));
      const step = switchOf(same);
      const v = closesGapClaim(step, 0.1, 'closes-keepalive-gather');
      expect(v.outcome).toBe('fails');
      expect(notAShare(step)).toBeNull();
      expect(attributionRows([step])[0]?.outsideEndpoints).toBe(false);
      // Counterfactual: a `to` whose median lies just above `from`'s, held to the endpoints test (as a version step
      // is), reads "not a share", unresolved, instead of failing.
      const above = switchOf(gatherSample(gather('k', warming(5050, 1), { settings: POOL_NONE })));
      expect(closesGapClaim(above, 0.1, 'c').outcome).toBe('fails');
      const { switch: _notASwitch, ...asStep } = above;
      expect(attributionRows([asStep])[0]?.outsideEndpoints).toBe(true);
      expect(notAShare(asStep)).toMatch(/outside the endpoints \(medians of the batches\)/);
      expect(closesGapClaim(asStep, 0.1, 'c').outcome).toBe('unresolved');
    });

    it("unresolved when its interval straddles 0.10: a share of about a tenth, within the batches' noise", () => {
      const tenth = gatherSample(gather('k', warming(4530, 9), { settings: POOL_NONE }));
      const v = closesGapClaim(switchOf(tenth), 0.1, 'closes-keepalive-gather');
      expect(v.outcome).toBe('unresolved');
      expect(v.statistic?.ci95?.[0]).toBeLessThan(0.1);
      expect(v.statistic?.ci95?.[1]).toBeGreaterThan(0.1);
    });

    it('fails when it widens the gap, and fails too when it widens it beyond the gap itself (not a share; review-06)', () => {
      const worse = gatherSample(gather('k', warming(6000, 1), { settings: POOL_NONE }));
      expect(gapShare(switchOf(worse)).median).toBeCloseTo(-1000 / 4700, 1);
      expect(closesGapClaim(switchOf(worse), 0.1, 'c').outcome).toBe('fails');
      const far = gatherSample(gather('k', warming(12_000, 1), { settings: POOL_NONE }));
      expect(notAShare(switchOf(far))).toMatch(/outside \[-1, 2\]/);
      const v = closesGapClaim(switchOf(far), 0.1, 'c');
      expect(v.outcome).toBe('fails');
      expect(String(v.evidence['notAShareToo'])).toMatch(/outside \[-1, 2\]/);
    });

    it('no interval, so nothing decided, with fewer than 6 batches in a gather', () => {
      const few = gatherSample(gather('k', warming(1500, 7).slice(0, 9), { settings: POOL_NONE }));
      const share = gapShare(switchOf(few));
      expect([few.kept, share.coverage]).toEqual([5, 0]);
      expect(closesGapClaim(switchOf(few), 0.1, 'c').outcome).toBe('unresolved');
    });
  });

  describe('closes-uvloop-gather (counted): the gap-to-gap change', () => {
    const step = (hUv: number, lUv: number, shift = 3): AttributionStep => ({
      step: 'uvloop',
      replaces: 'loop',
      from: h,
      to: gatherSample(gather('latest · httpx pool=None uvloop @ 0 ms', warming(hUv, shift), { settings: POOL_NONE })),
      gapHigh: h,
      gapLow: l,
      switch: true,
      toLow: gatherSample(gather('latest · aiohttp uvloop @ 0 ms', warming(lUv, 6))),
    });

    it('holds when uvloop speeds httpx more than aiohttp', () => {
      const v = closesGapClaim(step(3500, 250), 0.1, 'closes-uvloop-gather');
      expect([v.kind, v.outcome]).toEqual(['claim', 'holds']);
      expect(v.statistic?.value).toBeCloseTo((4700 - 3250) / 4700, 1);
    });

    it('fails when both clients gain alike: a common speed-up closes nothing', () => {
      expect(closesGapClaim(step(4750, 50), 0.1, 'closes-uvloop-gather').outcome).toBe('fails');
    });

    it('unresolved when the gap-to-gap change is about a tenth of the gap', () => {
      const v = closesGapClaim(step(4280, 50, 9), 0.1, 'closes-uvloop-gather');
      expect(v.outcome).toBe('unresolved');
    });
  });

  it('the order of the batches within a gather changes nothing: every interval and verdict is the same', () => {
    const kept = gatherSample(gather('k', warming(1500, 7), { settings: POOL_NONE }));
    const hUv = gatherSample(gather('hu', warming(3500, 3), { settings: POOL_NONE }));
    const lUv = gatherSample(gather('lu', warming(250, 6)));
    const steps = (hh: typeof h, ll: typeof l, k: typeof h, hu: typeof h, lu: typeof l): AttributionStep[] => [
      { step: 'keep-alive', replaces: 'pool', from: hh, to: k, gapHigh: hh, gapLow: ll, switch: true },
      { step: 'uvloop', replaces: 'loop', from: hh, to: hu, gapHigh: hh, gapLow: ll, switch: true, toLow: lu },
    ];
    const [h2, l2, k2, hu2, lu2] = [h, l, kept, hUv, lUv].map(reordered) as [
      typeof h,
      typeof l,
      typeof h,
      typeof h,
      typeof l,
    ];
    expect(h2.method?.blocks.map((b) => b.cpuMicrosPerRequest)).not.toEqual(
      h.method?.blocks.map((b) => b.cpuMicrosPerRequest),
    );
    expect(cpuGap(h2, l2)).toEqual(cpuGap(h, l));
    const before = steps(h, l, kept, hUv, lUv);
    const after = steps(h2, l2, k2, hu2, lu2);
    expect(attributionRows(after)).toEqual(attributionRows(before));
    for (const [i, s] of before.entries()) {
      expect(gapShare(after[i] as AttributionStep)).toEqual(gapShare(s));
      expect(closesGapClaim(after[i] as AttributionStep, 0.1, 'c')).toEqual(closesGapClaim(s, 0.1, 'c'));
    }
    const gap = (x: typeof h, y: typeof l) =>
      gapClaim({ id: 'g', claim: 'c', httpx: x, aiohttp: y, threshold: { above: 1.5 } });
    expect(gap(h2, l2)).toEqual(gap(h, l));
  });

  it("the table: CPU per request over the kept batches, and ÷ the set's aiohttp as independent samples", () => {
    const rows = gatherCpuRows([h, l], (m) => (m === h ? l : undefined));
    expect(rows[0]?.kept).toBe(10);
    expect(rows[0]?.vs).toBeCloseTo(cpuGap(h, l).median, 12);
    expect(rows[0]?.vs).toBeCloseTo(5000 / 300, 0);
    expect(rows[0]?.vsLow).toBeLessThan(rows[0]?.vs as number);
    expect(rows[0]?.vsHigh).toBeGreaterThan(rows[0]?.vs as number);
    expect(rows[0]?.flagged).toBe('none');
    expect(rows[1]?.vs).toBeNaN();
    expect(gatherCpuRows([reordered(h), l], (m) => (m === l ? undefined : l))[0]).toEqual(rows[0]);
    // Below six kept batches no interval is printed.
    const short = gatherSample(gather('s', warming(5000).slice(0, 9)));
    expect(gatherCpuRows([short], () => l)[0]?.cpuLow).toBeNaN();
    expect(gatherCpuRows([short], () => l)[0]?.vsLow).toBeNaN();
  });
});

describe("seed-0b8bd744's gathers at 0 ms, read under the rule (the replicated values)", () => {
  const repo = path.resolve(__dirname, '..');
  const read = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(repo, file), 'utf8'));
  const record = read('results/seed/seed-0b8bd744/record.json') as { measurements: { label: string; file: string }[] };
  const rowOf = (label: string) => {
    const m = record.measurements.find((x) => x.label === label);
    if (!m) throw new Error(label);
    return gatherSample(read(m.file) as Gather);
  };
  const nb = read('notebooks/06-the-seed.ipynb') as { cells: { id?: string; source: string[] }[] };
  const cell = (id: string): string => nb.cells.find((c) => c.id === id)?.source.join('') ?? '';
  const SETS = ['2022', 'as-reported', 'latest', 'httpx2'];
  const gapOf = (set: string) => cpuGap(rowOf(`${set} · httpx @ 0 ms`), rowOf(`${set} · aiohttp @ 0 ms`));

  it('keeps 6 of 10 batches; no kept batch failed a request, and no gather is flagged', () => {
    for (const set of SETS)
      for (const client of ['httpx', 'aiohttp']) {
        const r = rowOf(`${set} · ${client} @ 0 ms`);
        expect([r.measured, r.kept, r.guards?.flags], r.label).toEqual([10, 6, []]);
      }
    // as-reported · httpx's first two batches failed on the 5 s pool wait: without the rule it is error-dominated.
    const m = record.measurements.find((x) => x.label === 'as-reported · httpx @ 0 ms');
    expect(gatherSample(read(m?.file as string) as Gather, 0).guards?.flags[0]).toMatch(
      /^error-dominated \(\d+ of 5120 /,
    );
  });

  it("gives 8.62×, 10.13×, 17.59× and 4.18× (Hodges–Lehmann), and a shim share of 0.91: the notebook's constants", () => {
    const gaps = SETS.map((set) => gapOf(set).median);
    expect(gaps.map((x) => Number(x.toFixed(2)))).toEqual([8.62, 10.13, 17.59, 4.18]);
    const seen = cell('seed-gather-gap').match(/GATHER_SEEN[^{]*\{([^}]*)\}/)?.[1] ?? '';
    const constants = [...seen.matchAll(/: ([\d.]+)/g)].map((x) => Number(x[1]));
    expect(constants).toHaveLength(4);
    for (const [i, x] of constants.entries()) expect(x).toBeCloseTo(gaps[i] as number, 10);
    const hx = rowOf('latest · httpx @ 0 ms');
    const swap = gapShare({
      step: 's',
      replaces: 'r',
      from: hx,
      to: rowOf('latest · httpx-aiohttp-seed @ 0 ms'),
      gapHigh: hx,
      gapLow: rowOf('latest · aiohttp @ 0 ms'),
      switch: true,
    });
    expect(swap.median).toBeCloseTo(0.91, 2);
    const shim = Number(cell('seed-12').match(/'transport-swap-gather': \{ replicates: \{[^}]*value: ([\d.]+)/)?.[1]);
    expect(shim).toBeCloseTo(swap.median, 10);
  });
});
