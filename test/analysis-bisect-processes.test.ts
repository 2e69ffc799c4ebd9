import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type BisectMeasure,
  type BisectStepRequest,
  bisectDesignText,
  bisectEstimate,
  bisectRecordParts,
  bisectsOnRecordHeading,
  consecutiveSteps,
  GATHER_MIN_PROCESSES,
  gatherProcessPlan,
  type ProcessRounds,
  pairsFromProcesses,
  pairsFromRounds,
  processDesignText,
  processOfLabel,
  runBisect,
  type SweepCell,
  steadyProcessValues,
  type VersionMeasurement,
} from '@casebook/analysis';
import { BisectRecordSchema, validateAgainst } from '@casebook/results';
import { describe, expect, test } from 'vitest';

/**
 * Several client processes per version in a bisect step and a sweep cell (stated before the next run after the
 * interrupted bisect undici-throughput-c512-6.21.0-6.29.1-2026-12-05-interrupted, where a client process that ran ~20 %
 * slow for its whole life read as a release boundary). Pure: made-up values, no process is started.
 */

const repo = path.resolve(__dirname, '..');
const ROUNDS = { screen: 10, step: 10, confirm: 20 };
const VERSIONS = ['6.26.0', '6.27.0', '6.28.0', '6.28.1', '6.29.0', '6.29.1'];

/** A deterministic noise in [-1, 1) (a hash of its arguments), so every test reads the same values. */
function noise(...xs: number[]): number {
  let h = 2166136261;
  for (const x of xs) {
    h ^= x + 0x9e3779b9;
    h = Math.imul(h, 16777619) >>> 0;
    h ^= h >>> 13;
  }
  return ((h % 10000) / 10000) * 2 - 1;
}

/**
 * The world of a step: version × process × round. The machine's noise is shared by every process of a round (±12 %,
 * as the interrupted bisect's rounds ranged), each value has ±2 % of its own; `level(v)` is the release's true level and
 * `slow(v, p)` a process's factor for its whole life.
 */
function world(level: (v: string) => number, slow: (v: string, p: number, step: number) => number) {
  return (request: BisectStepRequest, processes: number): Record<string, ProcessRounds[]> =>
    Object.fromEntries(
      request.versions.map((v, vi) => [
        v,
        Array.from({ length: processes }, (_, k) => ({
          process: k + 1,
          values: Array.from(
            { length: request.rounds },
            (_, r) =>
              40000 *
              level(v) *
              slow(v, k + 1, request.index) *
              (1 + 0.12 * noise(request.index, r)) *
              (1 + 0.02 * noise(request.index, r, vi, k)),
          ),
        })),
      ]),
    );
}

/** The search's record parts, each step's processes as `step` made them (3 per version). */
function recordParts(r: Awaited<ReturnType<typeof runBisect>>, step: ReturnType<typeof world>) {
  const ctx = { packageName: 'undici', client: 'undici-request', metric: 'throughput' as const, reproduce: 'x' };
  return bisectRecordParts(r, { ...ctx, processes: 3 }, (s) => ({
    seed: s.index,
    folder: `steps/${s.index}`,
    runIds: [],
    values: {},
    processes: step(s, 3),
  }));
}

/** The old reading: one process per version (process 1), paired per round. */
function oneProcess(step: ReturnType<typeof world>): BisectMeasure {
  return async (request) => {
    const byVersion = step(request, 1);
    const values = Object.fromEntries(request.versions.map((v) => [v, byVersion[v]?.[0]?.values ?? []]));
    return { pairs: pairsFromRounds(request.versions, values) };
  };
}

/** The new reading: three processes per version, two-level, with the processes' disagreement. */
function threeProcesses(step: ReturnType<typeof world>): BisectMeasure {
  return async (request) => pairsFromProcesses(request.versions, step(request, GATHER_MIN_PROCESSES));
}

// 6.28.1's first client process runs 20 % slow for its whole life in every step; no release changes anything.
const slowProcess = world(
  () => 1,
  (v, p) => (v === '6.28.1' && p === 1 ? 0.8 : 1),
);

describe('one process 20 % slow for its whole life', () => {
  test('the old reading (one process per version, paired per round) calls it a release boundary', async () => {
    const r = await runBisect({ versions: VERSIONS, measure: oneProcess(slowProcess), rounds: ROUNDS });
    expect(r.boundaries.map((b) => `${b.older} → ${b.newer} ${b.movement}`)).toContain('6.28.0 → 6.28.1 down');
  });

  test('the new reading (3 processes, processes then rounds) calls no boundary and says the processes disagree', async () => {
    const r = await runBisect({
      versions: VERSIONS,
      measure: threeProcesses(slowProcess),
      rounds: ROUNDS,
      processes: GATHER_MIN_PROCESSES,
    });
    expect(r.boundaries).toEqual([]);
    const apart = r.steps.flatMap((s) => s.disagreements ?? []);
    expect(apart.map((d) => d.version)).toContain('6.28.1');
    expect(apart[0]?.text).toMatch(/^processes of 6\.28\.1 disagree: 0\.8\d vs 1\.0\d vs 1\.0\d /);
    expect(r.steps.every((s) => s.processes === GATHER_MIN_PROCESSES)).toBe(true);
  });

  test('a step: the pair with the slow version is no boundary, whatever its ratio, and the segment says why', () => {
    const request: BisectStepRequest = { index: 1, purpose: 'confirm', versions: ['6.28.0', '6.28.1'], rounds: 20 };
    const old = pairsFromRounds(
      request.versions,
      Object.fromEntries(Object.entries(slowProcess(request, 1)).map(([v, ps]) => [v, ps[0]?.values ?? []])),
    );
    expect(old[0]?.ratio.low).toBeGreaterThan(1.1);
    const { pairs, disagreements } = pairsFromProcesses(request.versions, slowProcess(request, 3));
    expect(disagreements.map((d) => d.version)).toEqual(['6.28.1']);
    expect(pairs[0]?.withheld).toBeUndefined();
    // The two-level interval alone carries the spread between processes: it reaches 1.
    expect(pairs[0]?.ratio.low).toBeLessThanOrEqual(1.01);
  });
});

describe('a real step change across all processes', () => {
  // From 6.28.1 on, every process of every version runs 15 % slower (a release), and no process is slow on its own.
  const release = world(
    (v) => (VERSIONS.indexOf(v) >= 3 ? 0.85 : 1),
    () => 1,
  );

  test('is found and confirmed between 6.28.0 and 6.28.1, read processes then rounds', async () => {
    const r = await runBisect({
      versions: VERSIONS,
      measure: threeProcesses(release),
      rounds: ROUNDS,
      processes: GATHER_MIN_PROCESSES,
    });
    expect(r.boundaries.map((b) => `${b.older} → ${b.newer} ${b.movement}`)).toEqual(['6.28.0 → 6.28.1 down']);
    expect(r.boundaries[0]?.confirmation?.confirmed).toBe(true);
    expect(r.steps.flatMap((s) => s.disagreements ?? [])).toEqual([]);
    const parts = recordParts(r, release);
    expect(parts.boundaries[0]?.sentence).toMatch(
      /3 client processes per version, hierarchical bootstrap over processes then rounds; confirmed/,
    );
    expect(parts.summary).toMatch(
      /rounds of 6\.26\.0, 6\.27\.0, 6\.28\.0, 6\.28\.1, 6\.29\.0, 6\.29\.1|, 3 processes each:/,
    );
  });

  test('and is found even with the slow process beside it', async () => {
    const both = world(
      (v) => (VERSIONS.indexOf(v) >= 3 ? 0.85 : 1),
      (v, p) => (v === '6.26.0' && p === 2 ? 0.8 : 1),
    );
    const r = await runBisect({
      versions: VERSIONS,
      measure: threeProcesses(both),
      rounds: ROUNDS,
      processes: GATHER_MIN_PROCESSES,
    });
    expect(r.boundaries.map((b) => `${b.older} → ${b.newer}`)).toEqual(['6.28.0 → 6.28.1']);
  });
});

describe('the rule of 06: no interval with fewer than GATHER_MIN_PROCESSES processes', () => {
  test('two processes per version: no interval, the pair says why, no movement', () => {
    const request: BisectStepRequest = { index: 1, purpose: 'screen', versions: ['a', 'b'], rounds: 10 };
    const w = world(
      (v) => (v === 'b' ? 0.5 : 1),
      () => 1,
    );
    const { pairs } = pairsFromProcesses(request.versions, w(request, 2));
    expect(pairs[0]?.ratio.coverage).toBe(0);
    expect(pairs[0]?.withheld).toBe('no interval: fewer than 3 processes: a ran in 2, b ran in 2');
  });
});

describe('the step record: per-process raw data, validated; old records still validate', () => {
  const runs = (v: string, ps: number[][]) =>
    ps.map((values, k) => ({
      version: v,
      process: k + 1,
      runId: `bench-${v.replaceAll('.', '')}${k}`,
      record: {
        status: 'completed',
        method: { blocks: values.map((x, round) => ({ round, throughputRps: x, cpuMicrosPerRequest: 1 })) },
        guards: { flags: [], rankable: true },
      },
    }));

  test('steadyProcessValues keeps which process and which rounds; the labels are gatherProcessPlan’s', () => {
    const byVersion = steadyProcessValues(
      ['1.0.0', '1.1.0'],
      2,
      [
        ...runs('1.0.0', [
          [10, 11],
          [12, 13],
        ]),
        ...runs('1.1.0', [[20]]),
      ],
      'throughput',
    );
    expect(byVersion['1.0.0']?.map((p) => [p.process, p.runId, p.values])).toEqual([
      [1, 'bench-1000', [10, 11]],
      [2, 'bench-1001', [12, 13]],
    ]);
    expect(byVersion['1.1.0']?.[0]?.values).toEqual([20, null]);
    const plan = gatherProcessPlan(
      [
        { label: 'undici@1.0.0', trials: 1 },
        { label: 'undici@1.1.0', trials: 1 },
      ],
      { arms: ['undici@1.0.0', 'undici@1.1.0'], processes: 3, trials: 1, seed: 4 },
      1,
    );
    expect(plan.entries.map((e) => processOfLabel(e.label)).filter((x) => x !== null)).toHaveLength(6);
    expect(processOfLabel('undici@1.0.0 · process 3')).toEqual({ arm: 'undici@1.0.0', process: 3 });
    expect(processOfLabel('undici@1.0.0')).toBeNull();
  });

  test('a record of a multi-process search validates, and keeps each process’s rounds', async () => {
    const r = await runBisect({
      versions: VERSIONS,
      measure: threeProcesses(slowProcess),
      rounds: ROUNDS,
      processes: 3,
    });
    const parts = recordParts(r, slowProcess);
    const old = JSON.parse(
      fs.readFileSync(
        path.join(repo, 'results/bisect/undici-throughput-c512-6.21.0-6.29.1-2026-12-05-interrupted/bisect.json'),
        'utf8',
      ),
    );
    const record = { ...old, ...parts, processes: { perVersion: 3, design: processDesignText(3) } };
    const valid = validateAgainst(BisectRecordSchema, record, 'made-up');
    const m = valid.steps[0]?.measurements.find((x) => x.version === '6.28.1');
    expect(m?.processes?.map((p) => p.process)).toEqual([1, 2, 3]);
    expect(m?.processes?.[0]?.values).toHaveLength(ROUNDS.screen);
    expect(
      valid.steps.some((s) => s.ratios.some((x) => x.disagreement?.startsWith('processes of 6.28.1 disagree'))),
    ).toBe(true);
    expect(valid.steps[0]?.ratios[0]?.interval).toBe('processes then rounds');
    // A field the schema does not know is refused (the processes' objects are closed).
    const bad = structuredClone(record);
    bad.steps[0].measurements[0].processes[0].rounds = 3;
    expect(() => validateAgainst(BisectRecordSchema, bad, 'made-up')).toThrow();
  });

  test('every committed bisect record still validates, and the list names the design of each', () => {
    const dir = path.join(repo, 'results/bisect');
    const records = fs
      .readdirSync(dir)
      .map((d) =>
        validateAgainst(BisectRecordSchema, JSON.parse(fs.readFileSync(path.join(dir, d, 'bisect.json'), 'utf8')), d),
      );
    expect(records.length).toBeGreaterThan(20);
    const steady = records.filter((r) => r.scenario['method'] !== 'phase');
    // Before 6 December 2026 every steady bisect ran one client process per version; those after it name their count.
    const one = steady.filter((r) => r.processes === undefined);
    const several = steady.filter((r) => r.processes !== undefined);
    expect(one.length).toBeGreaterThan(20);
    expect(one.every((r) => bisectDesignText(r) === 'one client process per version, paired per round')).toBe(true);
    for (const r of several)
      expect(bisectDesignText(r)).toBe(
        `${r.processes?.perVersion} client processes per version, processes then rounds`,
      );
    expect(
      bisectsOnRecordHeading(
        'undici',
        one.filter((r) => r.package === 'undici'),
      ),
    ).toMatch(/`casebook bisect`, one client process per version, paired per round: /);
    // A list that mixes the designs names each group's.
    if (several.length > 0)
      expect(
        bisectsOnRecordHeading(
          'undici',
          steady.filter((r) => r.package === 'undici'),
        ),
      ).toMatch(/\(3 client processes per version, processes then rounds\)/);
    expect(bisectDesignText({ scenario: { method: 'steady' }, processes: { perVersion: 3 } })).toBe(
      '3 client processes per version, processes then rounds',
    );
  });
});

describe('the plan states what the processes cost', () => {
  test('3 processes per version: three times the blocks of one', () => {
    const e = bisectEstimate({ count: 15, rounds: ROUNDS, processes: 3 });
    const one = bisectEstimate({ count: 15, rounds: ROUNDS, processes: 1 });
    expect(e.blocks).toBe(3 * one.blocks);
    expect(e.text).toMatch(
      /^one boundary: \d+ steady-state blocks \(3 client processes per version\) ≈ \d+ min .*one process per version: \d+ blocks/,
    );
  });

  test('and the screen alone, where a search that finds no boundary stops (each 3-process bisect on record)', () => {
    const e = bisectEstimate({ count: 15, rounds: ROUNDS, processes: 3 });
    // 15 versions (6.21.0 … 6.29.1): 4 screened × 10 rounds × 3 processes = 120 blocks × 3.3 s = 6.6 min (that screen
    // ran 408.5 s); one boundary adds 3 searches of 3 versions × 10 rounds and the confirmation's 2 × 20 rounds: 170
    // blocks a process, 510 with 3.
    expect(e.screenMinutes).toBeCloseTo(6.6, 6);
    expect(e.text).toBe(
      'one boundary: 510 steady-state blocks (3 client processes per version) ≈ 28 min at 3.3 s a block (one process per version: 170 blocks ≈ 9 min); no boundary found: the screen alone, 120 blocks ≈ 7 min; a retry doubles its step, a second boundary adds its own search and confirmation',
    );
  });
});

describe('a sweep cell of several processes (notebook 07)', () => {
  const measurement = (values: number[]): VersionMeasurement =>
    ({
      label: 'x',
      status: 'completed',
      guards: { flags: [], rankable: true },
      method: {
        blocks: values.map((x, round) => ({ round, index: round, throughputRps: x, cpuMicrosPerRequest: 1e6 / x })),
      },
    }) as unknown as VersionMeasurement;
  const cell = (version: string, level: number, slow: number): SweepCell => {
    const processes = [1, 2, 3].map((p) =>
      measurement(
        Array.from(
          { length: 12 },
          (_, r) => 40000 * level * (p === 1 ? slow : 1) * (1 + 0.1 * noise(r)) * (1 + 0.02 * noise(r, p, level)),
        ),
      ),
    );
    return { line: '8.x', version, measurement: processes[0] as VersionMeasurement, processes };
  };

  test('one slow process in the middle cell: the one-process steps move both ways, the processes’ steps do not', () => {
    const cells = [cell('8.5.0', 1, 1), cell('8.6.0', 1, 0.8), cell('8.7.0', 1, 1)];
    const one = consecutiveSteps({
      cells: cells.map(({ processes: _p, ...c }) => c),
      metrics: ['throughput'],
    });
    expect(one.map((s) => s.movement)).toEqual(['down', 'up']);
    const two = consecutiveSteps({ cells, metrics: ['throughput'] });
    expect(two.map((s) => s.movement)).toEqual([null, null]);
    expect(two[0]?.interval).toBe('processes then rounds');
    expect(two[0]?.disagreement).toMatch(/^processes of 8\.6\.0 disagree/);
  });

  test('a release step across all processes still moves', () => {
    const steps = consecutiveSteps({ cells: [cell('8.5.0', 1, 1), cell('8.6.0', 0.8, 1)], metrics: ['throughput'] });
    expect(steps[0]?.movement).toBe('down');
    expect(steps[0]?.disagreement).toBeUndefined();
  });
});
