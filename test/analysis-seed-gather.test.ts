import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  attributionRows,
  claimTally,
  closesGapClaim,
  cpuGap,
  GATHER_MAX_DRIFT,
  GATHER_WARMUP_BATCHES,
  type GatherBatchesLike,
  gapClaim,
  gapShare,
  gatherCpuRows,
  gatherRounds,
  notAShare,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

/**
 * The httpcore 1.0.x gap read from the seed's own gather of 512, each batch a trial (stated before the run after
 * seed-0b8bd744): the warm-up rule, the guards of a gather, the batch-by-batch pairing, the two counted switch claims on
 * both sides, and the replicated values recomputed from seed-0b8bd744's committed gathers. No process.
 */

type Gather = GatherBatchesLike & { client: { name: string; settings?: Readonly<Record<string, unknown>> } };

/** An httpx client with its pool wait unbounded, as the gap's gathers run it (never `collapsed`). */
const POOL_NONE = { 'httpx.max_connections': 100, 'httpx.timeout_s': { connect: 5, read: 5, write: 5, pool: null } };

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

describe('a gather read as trials (gatherRounds)', () => {
  it('drops the warm-up batches and puts the k-th kept batch in round k', () => {
    const r = gatherRounds(gather('latest · httpx pool=None @ 0 ms', warming(5000), { settings: POOL_NONE }));
    expect(GATHER_WARMUP_BATCHES).toBe(4);
    expect([r.measured, r.kept]).toEqual([14, 10]);
    expect(r.method?.blocks.map((b) => b.round)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(r.method?.blocks[0]?.cpuMicrosPerRequest).toBeCloseTo(5000 * (NOISE[4] as number), 6);
    // 512 requests in a batch of cpu / 2 ms.
    expect(r.method?.blocks[0]?.throughputRps).toBeCloseTo(512_000 / ((5000 * (NOISE[4] as number)) / 2), 6);
    expect(r.guards).toEqual({ flags: [], rankable: true });
    expect(r.drift).toBeGreaterThan(1 / GATHER_MAX_DRIFT);
    expect(r.drift).toBeLessThan(GATHER_MAX_DRIFT);
  });

  it('without the warm-up rule the same gather is not-converged: its first half still costs more', () => {
    const r = gatherRounds(gather('g', warming(5000).slice(0, 10)), 0);
    expect(r.guards?.flags).toHaveLength(1);
    expect(r.guards?.flags[0]).toMatch(
      /^not-converged \(CPU [\d,]+ µs\/request over the first half of the kept batches, [\d,]+ over the last: \d\.\d\d× > 1\.5×\)$/,
    );
    expect(r.guards?.rankable).toBe(false);
  });

  it('not-converged either way: a gather whose cost keeps rising is flagged too; within 1.5× it is not', () => {
    const rising = [1, 1, 1, 1, 1, 1.7, 1.7, 1.7, 1.7, 1.7].map((x) => x * 4000);
    expect(gatherRounds(gather('up', rising), 0).guards?.flags[0]).toMatch(/^not-converged .* 1\.70× > 1\.5×\)$/);
    const within = [1, 1, 1, 1, 1, 1.4, 1.4, 1.4, 1.4, 1.4].map((x) => x * 4000);
    expect(gatherRounds(gather('up', within), 0).guards?.flags).toEqual([]);
    // An odd number of kept batches: the middle one belongs to neither half.
    const odd = [1, 1, 9, 1, 1].map((x) => x * 4000);
    expect(gatherRounds(gather('odd', odd), 0).drift).toBe(1);
  });

  it('error-dominated when more than 1 % of the kept batches failed; failures in the warm-up batches do not count', () => {
    const failedEarly = [412, 412, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    expect(gatherRounds(gather('g', warming(5000), { failed: failedEarly })).guards?.flags).toEqual([]);
    const failedLate = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100];
    const r = gatherRounds(gather('g', warming(5000), { failed: failedLate }));
    expect(r.guards?.flags).toEqual([
      'error-dominated (100 of 5120 requests failed in the kept batches: PoolTimeout 100)',
    ]);
    // 1 % exactly is not more than 1 %.
    const edge = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 51];
    expect(gatherRounds(gather('g', warming(5000), { failed: edge })).guards?.flags).toEqual([]);
  });

  it("a gather's own fault travels with it and voids a claim that reads it", () => {
    const httpx = gatherRounds(
      gather('h', warming(5000), { settings: POOL_NONE, error: { code: 'CASEBOOK_TRIAL_TIMEOUT', message: 'x' } }),
    );
    const aiohttp = gatherRounds(gather('a', warming(300, 3)));
    const v = gapClaim({ id: 'gap', claim: 'c', httpx, aiohttp, threshold: { above: 1.5 } });
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence['flagged']).toBe('h (errored (CASEBOOK_TRIAL_TIMEOUT))');
  });
});

describe('claims on gathers, batch by batch', () => {
  const h = gatherRounds(gather('latest · httpx pool=None @ 0 ms', warming(5000), { settings: POOL_NONE }));
  const l = gatherRounds(gather('latest · aiohttp @ 0 ms', warming(300, 5)));

  it('the gap pairs the k-th kept batch of each gather: holds above its threshold, fails at or below it', () => {
    const gap = cpuGap(h, l);
    expect(gap.n).toBe(10);
    expect(gap.coverage).toBeCloseTo(1 - 22 / 1024, 6);
    expect(
      gapClaim({ id: 'gap-latest-gather', claim: 'c', httpx: h, aiohttp: l, threshold: { above: 1.5 } }).outcome,
    ).toBe('holds');
    const close = gatherRounds(gather('latest · httpx pool=None @ 0 ms', warming(390, 2), { settings: POOL_NONE }));
    expect(gapClaim({ id: 'g', claim: 'c', httpx: close, aiohttp: l, threshold: { above: 1.5 } }).outcome).toBe(
      'fails',
    );
    // A guard on either gather voids it, naming the flag.
    const flagged = gatherRounds(gather('a', warming(300).slice(0, 10)), 0);
    const v = gapClaim({ id: 'g', claim: 'c', httpx: h, aiohttp: flagged, threshold: { above: 1.5 } });
    expect(v.outcome).toBe('unresolved');
    expect(String(v.evidence['flagged'])).toMatch(/^a \(not-converged /);
  });

  describe("closes-keepalive-gather (counted): a switch on the gap's own httpx row", () => {
    const switchOf = (to: typeof h) =>
      ({ step: 'keep-alive', replaces: 'pool', from: h, to, gapHigh: h, gapLow: l, switch: true }) as const;

    it('holds when keep-alive = 100 takes most of the cost away', () => {
      const kept = gatherRounds(gather('k', warming(1500, 7), { settings: POOL_NONE }));
      const v = closesGapClaim(switchOf(kept), 0.1, 'closes-keepalive-gather');
      expect([v.kind, v.outcome]).toEqual(['claim', 'holds']);
      expect(v.statistic?.value).toBeCloseTo(3500 / 4700, 1);
      expect(claimTally([v]).claims).toBe(1);
    });

    it('fails when it changes nothing: the endpoints test is not applied to a switch', () => {
      const same = gatherRounds(gather('k', warming(5000, 1), { settings: POOL_NONE }));
      const step = switchOf(same);
      const v = closesGapClaim(step, 0.1, 'closes-keepalive-gather');
      expect(v.outcome).toBe('fails');
      expect(notAShare(step)).toBeNull();
      expect(attributionRows([step])[0]?.outsideEndpoints).toBe(false);
      // Counterfactual: held to the endpoints test (as a version step is), noise alone put `to` above `from` in most
      // pairs, and the same data read "not a share", unresolved, instead of failing.
      const { switch: _notASwitch, ...asStep } = step;
      expect(attributionRows([asStep])[0]?.outsideEndpoints).toBe(true);
      expect(closesGapClaim(asStep, 0.1, 'c').outcome).toBe('unresolved');
    });

    it('fails when it widens the gap, and a widening beyond the gap itself is still not a share', () => {
      const worse = gatherRounds(gather('k', warming(6000, 1), { settings: POOL_NONE }));
      expect(gapShare(switchOf(worse)).median).toBeCloseTo(-1000 / 4700, 1);
      expect(closesGapClaim(switchOf(worse), 0.1, 'c').outcome).toBe('fails');
      const far = gatherRounds(gather('k', warming(12_000, 1), { settings: POOL_NONE }));
      expect(notAShare(switchOf(far))).toMatch(/outside \[-1, 2\]/);
      expect(closesGapClaim(switchOf(far), 0.1, 'c').outcome).toBe('unresolved');
    });
  });

  describe('closes-uvloop-gather (counted): the gap-to-gap change', () => {
    const step = (hUv: number, lUv: number) => ({
      step: 'uvloop',
      replaces: 'loop',
      from: h,
      to: gatherRounds(gather('latest · httpx pool=None uvloop @ 0 ms', warming(hUv, 3), { settings: POOL_NONE })),
      gapHigh: h,
      gapLow: l,
      switch: true,
      toLow: gatherRounds(gather('latest · aiohttp uvloop @ 0 ms', warming(lUv, 6))),
    });

    it('holds when uvloop speeds httpx more than aiohttp', () => {
      const v = closesGapClaim(step(3500, 250), 0.1, 'closes-uvloop-gather');
      expect([v.kind, v.outcome]).toEqual(['claim', 'holds']);
      expect(v.statistic?.value).toBeCloseTo((4700 - 3250) / 4700, 1);
    });

    it('fails when both clients gain alike: a common speed-up closes nothing', () => {
      expect(closesGapClaim(step(4750, 50), 0.1, 'closes-uvloop-gather').outcome).toBe('fails');
    });
  });

  it("the table: CPU per request over the kept batches, and ÷ the set's aiohttp batch by batch", () => {
    const rows = gatherCpuRows([h, l], (m) => (m === h ? l : undefined));
    expect(rows[0]?.kept).toBe(10);
    expect(rows[0]?.vs).toBeCloseTo(5000 / 300, 0);
    expect(rows[0]?.vsLow).toBeLessThan(rows[0]?.vs as number);
    expect(rows[0]?.flagged).toBe('none');
    expect(rows[1]?.vs).toBeNaN();
    // Below six kept batches no interval is printed.
    const short = gatherRounds(gather('s', warming(5000).slice(0, 9)));
    expect(gatherCpuRows([short], () => l)[0]?.cpuLow).toBeNaN();
  });
});

describe("seed-0b8bd744's gathers at 0 ms, read under the rule (the replicated values)", () => {
  const repo = path.resolve(__dirname, '..');
  const read = (file: string): unknown => JSON.parse(fs.readFileSync(path.join(repo, file), 'utf8'));
  const record = read('results/seed/seed-0b8bd744/record.json') as { measurements: { label: string; file: string }[] };
  const rowOf = (label: string) => {
    const m = record.measurements.find((x) => x.label === label);
    if (!m) throw new Error(label);
    return gatherRounds(read(m.file) as Gather);
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
    expect(gatherRounds(read(m?.file as string) as Gather, 0).guards?.flags[0]).toMatch(
      /^error-dominated \(\d+ of 5120 /,
    );
  });

  it("gives 8.67×, 9.91×, 17.94× and 4.23×, and a shim share of 0.91: the notebook's constants", () => {
    const gaps = SETS.map((set) => gapOf(set).median);
    expect(gaps.map((x) => Number(x.toFixed(2)))).toEqual([8.67, 9.91, 17.94, 4.23]);
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
