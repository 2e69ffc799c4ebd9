import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  designReach,
  designRule,
  expectedLogHalfWidth,
  logRatioSpread,
  normalQuantile,
  pooledSpread,
  type RoundMetric,
  VERSIONS_DESIGN_RUNS,
  VERSIONS_DESIGN_SPREAD,
  type VersionMeasurement,
  verdictHeadline,
  verdictKindText,
  versionParityClaim,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

/**
 * Notebook 07's design check, stated before the run after versions-33c58fd8 (its second reader's finding 4): a counted
 * claim must be decidable by the design that measures it. From the per-round log-ratio spread of earlier runs (a power
 * calculation, before the run), a ±10 % band that the expected interval at the design's rounds cannot fit inside is
 * "cannot decide at this design (about N rounds needed)", not counted. Tested with data that holds, fails and is
 * undecidable, and the notebook's table recomputed from the committed benches.
 */

const PARITY = { above: 0.9, below: 1.1 };

/** A cell whose per-round throughput is `rps × factors[round]`. */
function cell(label: string, rps: number, factors: readonly number[]): VersionMeasurement {
  return {
    label,
    client: { name: 'undici-request', version: '8.13.1', settings: {} },
    target: { connectionsOpened: 1, connectionsOpenedMeasured: 0, peakOpenConnections: 1 },
    guards: { flags: [], rankable: true },
    method: {
      blocks: factors.map((f, round) => ({
        index: round,
        round,
        throughputRps: rps * f,
        cpuMicrosPerRequest: 100 / f,
        clientUtilization: 0.9,
        targetCpuShare: 0.3,
      })),
    },
  };
}

describe('the expected interval of a median of per-round log ratios', () => {
  it('Φ⁻¹ matches known quantiles', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.9)).toBeCloseTo(1.281552, 5);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });

  it('at 6 rounds the interval is the minimum–maximum: about ±1.28 σ; fewer rounds give none', () => {
    expect(expectedLogHalfWidth(0.25, 6)).toBeCloseTo(0.25 * normalQuantile(5.625 / 6.25), 9);
    expect(expectedLogHalfWidth(0.25, 5)).toBe(Number.POSITIVE_INFINITY);
    // More rounds narrow it (once the lower index moves up), roughly as 2.46 σ / √n.
    expect(expectedLogHalfWidth(0.25, 60)).toBeLessThan(expectedLogHalfWidth(0.25, 20));
    expect(expectedLogHalfWidth(0.25, 60)).toBeCloseTo((2.46 * 0.25) / Math.sqrt(60), 1);
  });

  it('the spread of a comparison, and several runs pooled by their rounds', () => {
    const a = cell('a', 1000, [1, 1, 1, 1, 1, 1]);
    const b = cell('b', 1000, [1.1, 0.9, 1.1, 0.9, 1.1, 0.9]);
    const s = logRatioSpread(a, b, 'throughput');
    expect(s?.rounds).toBe(6);
    const logs = [1.1, 0.9, 1.1, 0.9, 1.1, 0.9].map(Math.log);
    const mean = logs.reduce((x, y) => x + y, 0) / 6;
    expect(s?.sd).toBeCloseTo(Math.sqrt(logs.reduce((x, y) => x + (y - mean) ** 2, 0) / 5), 12);
    expect(pooledSpread([{ rounds: 6, sd: 0.1 }, { rounds: 11, sd: 0.2 }, null])).toBeCloseTo(
      Math.sqrt((5 * 0.01 + 10 * 0.04) / 15),
      12,
    );
    expect(pooledSpread([null])).toBeNull();
    expect(logRatioSpread(a, cell('c', 1000, [1]), 'throughput')).toBeNull();
  });
});

describe('designReach: can an interval fall inside the band at the design rounds?', () => {
  it('a ±10 % band at 6 rounds with σ 0.25 cannot hold: about N rounds needed', () => {
    const r = designReach({ sigma: 0.25, rounds: 6, threshold: PARITY });
    expect(r.decidable).toBe(false);
    expect(r.reachFactor).toBeCloseTo(Math.exp(0.25 * normalQuantile(0.9)), 9);
    // The smallest n whose expected half-width fits min(ln 1.1, −ln 0.9) = ln 1.1.
    const n = r.roundsNeeded as number;
    expect(expectedLogHalfWidth(0.25, n)).toBeLessThan(Math.log(1.1));
    expect(expectedLogHalfWidth(0.25, n - 1)).toBeGreaterThanOrEqual(Math.log(1.1));
    expect(n).toBeGreaterThan(35);
    expect(n).toBeLessThan(50);
    expect(r.text).toMatch(
      /^6 rounds reach about ×\/÷1\.38 .*: cannot decide at this design \(about \d+ rounds needed\)$/,
    );
  });

  it('the same band with σ 0.02 is decidable at 6 rounds', () => {
    const r = designReach({ sigma: 0.02, rounds: 6, threshold: PARITY });
    expect(r.decidable).toBe(true);
    expect(r.roundsNeeded).toBeNull();
    expect(r.text).toMatch(/inside the band 0\.9–1\.1, decidable$/);
  });

  it('a one-sided bound is decidable; it says from which ratio it could hold', () => {
    const r = designReach({ sigma: 0.25, rounds: 6, threshold: { below: 0.5 } });
    expect(r.decidable).toBe(true);
    expect(r.text).toMatch(/a one-sided bound, decidable; it can hold from a ratio below about 0\.36$/);
    // Below 6 rounds nothing is decidable.
    expect(designReach({ sigma: 0.25, rounds: 1, threshold: { below: 0.5 } }).decidable).toBe(false);
  });
});

describe('designRule on claims that hold, fail, and are undecidable', () => {
  const ref = cell('8.13.1', 1000, [1, 1.01, 0.99, 1, 1.01, 0.99]);
  const claim = (other: VersionMeasurement) =>
    versionParityClaim({ id: 'p', reference: ref, other, metric: 'throughputRps', band: PARITY });

  it('a decidable design keeps a claim that holds, and one that fails, counted', () => {
    const holds = designRule(
      claim(cell('x', 1000, [1, 1.01, 0.99, 1, 1.01, 0.99])),
      { sigma: 0.02, rounds: 6 },
      PARITY,
    );
    expect(holds.kind).toBe('claim');
    expect(holds.outcome).toBe('holds');
    expect(String(holds.evidence['designReach'])).toMatch(
      /decidable \(designed for at most 6 rounds; this comparison ran 6\)$/,
    );
    const fails = designRule(
      claim(cell('y', 1500, [1, 1.01, 0.99, 1, 1.01, 0.99])),
      { sigma: 0.02, rounds: 6 },
      PARITY,
    );
    expect(fails.kind).toBe('claim');
    expect(fails.outcome).toBe('fails');
    expect(verdictHeadline([holds, fails])).toBe('1 of 2 claims hold, 1 do not hold');
  });

  it('an undecidable design takes the claim out of the count, whatever its outcome, and says why', () => {
    const v = designRule(claim(cell('y', 1500, [1, 1.01, 0.99, 1, 1.01, 0.99])), { sigma: 0.25, rounds: 6 }, PARITY);
    expect(v.kind).toBe('exploratory');
    expect(v.outcome).toBe('fails');
    expect(v.claim).toMatch(/^Not counted: 6 rounds reach .*cannot decide at this design \(about \d+ rounds needed\)/);
    expect(verdictKindText(v)).toMatch(
      /^Exploratory \(declared before this run: 6 rounds reach .* \(about \d+ rounds needed\) \(designed for at most 6 rounds; this comparison ran 6\), not counted\)$/,
    );
    expect(verdictHeadline([v])).toBe('0 of 0 claims hold, 1 exploratory (1 not decidable at this design)');
    // No spread known, or not a claim: unchanged.
    const c = claim(cell('x', 1000, [1, 1, 1, 1, 1, 1]));
    expect(designRule(c, undefined, PARITY)).toBe(c);
  });
});

describe("notebook 07's table of spreads, recomputed from the committed benches", () => {
  const repo = path.resolve(__dirname, '..');
  type Bench = VersionMeasurement & {
    environment: { machineId: string | null };
    params: { load: { concurrency: number } };
    method?: (NonNullable<VersionMeasurement['method']> & { interleave?: { seed: number } }) | null;
  };
  const runs = VERSIONS_DESIGN_RUNS.map((run) => {
    const dir = path.join(repo, 'results/versions', run, 'benches');
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Bench);
  });
  const N24: Record<string, string[]> = {
    'node-fetch': ['node-fetch@node-v24.21.0', 'node-fetch@node-v24.21.0 (bundled undici 7.29.1)'],
    'undici-request': ['undici@8.13.1 (undici-request) · node 24.21.0', 'undici@8.13.1 (undici-request)'],
    'node-http': ['node-http@node-v24.21.0', 'node-http@node-v24.21.0 (bundled undici 7.29.1)'],
  };
  const at = (node: string) => ({
    'node-fetch': [`node-fetch@node-v${node}`],
    'undici-request': [`undici@8.13.1 (undici-request) · node ${node}`],
    'node-http': [`node-http@node-v${node}`],
  });
  const u = (v: string, c = 'undici-request') => [`undici@${v} (${c})`];
  /** Each claim's comparison: seed, concurrency, reference and other labels (with aliases), metric. */
  const comparisons: Record<string, [number, number, string[], string[], RoundMetric]> = {
    'fetch-throughput-parity': [8, 512, u('8.13.1', 'undici-fetch'), N24['node-fetch'] as string[], 'throughput'],
    'undici-7-throughput-parity': [7, 512, u('8.13.1'), u('7.30.2'), 'throughput'],
    'seq-undici-6-cpu-parity': [11, 1, u('8.13.1'), u('6.29.1'), 'cpu-per-request'],
    'seq-undici-6-throughput-parity': [11, 1, u('8.13.1'), u('6.29.1'), 'throughput'],
    'seq-undici-7-cpu-parity': [11, 1, u('8.13.1'), u('7.30.2'), 'cpu-per-request'],
    'seq-undici-7-throughput-parity': [11, 1, u('8.13.1'), u('7.30.2'), 'throughput'],
    'undici-sweep-7-ends-throughput-parity': [14, 512, u('7.30.2'), u('7.20.0'), 'throughput'],
    'undici-sweep-8-ends-throughput-parity': [14, 512, u('8.14.0'), u('8.0.3'), 'throughput'],
  };
  for (const client of ['node-fetch', 'undici-request', 'node-http'])
    for (const [major, version] of [
      ['22', '22.23.3'],
      ['26', '26.10.0'],
    ] as const) {
      const other = at(version)[client as keyof ReturnType<typeof at>];
      comparisons[`runtime-${client}-node${major}-throughput-parity`] = [
        12,
        512,
        N24[client] as string[],
        other,
        'throughput',
      ];
      comparisons[`runtime-seq-${client}-node${major}-cpu-parity`] = [
        13,
        1,
        N24[client] as string[],
        other,
        'cpu-per-request',
      ];
    }

  it('covers the 20 counted claims of versions-33c58fd8, each within 0.001 of its recomputed pooled spread', () => {
    expect(Object.keys(VERSIONS_DESIGN_SPREAD).sort()).toEqual(Object.keys(comparisons).sort());
    for (const [id, [seed, concurrency, ref, other, metric]] of Object.entries(comparisons)) {
      const spreads = runs.map((benches) => {
        const mine = benches.filter(
          (b) => b.method?.interleave?.seed === seed && b.params.load.concurrency === concurrency,
        );
        const a = mine.find((b) => ref.includes(b.label));
        const b = mine.find((x) => other.includes(x.label));
        return a === undefined || b === undefined ? null : logRatioSpread(a, b, metric);
      });
      expect(spreads.filter((s) => s !== null).length, id).toBe(VERSIONS_DESIGN_RUNS.length);
      expect(
        Math.abs((pooledSpread(spreads) as number) - (VERSIONS_DESIGN_SPREAD[id]?.sigma as number)),
        id,
      ).toBeLessThan(0.001);
    }
    // Every run of the table on the one machine.
    expect(new Set(runs.flatMap((benches) => benches.map((b) => b.environment.machineId))).size).toBe(1);
  });

  it('at the design of versions-33c58fd8 (6–8 rounds in sections 5–7, at most 20 in sections 1–2) none of them is decidable', () => {
    const rounds: Record<string, number> = {
      fetch: 20,
      undici: 20,
      sequential: 8,
      runtimes: 8,
      runtimesUndici: 8,
      runtimesSequential: 8,
      sweep: 6,
    };
    const reach = Object.values(VERSIONS_DESIGN_SPREAD).map((d) =>
      designReach({ sigma: d.sigma, rounds: rounds[d.comparison] as number, threshold: PARITY }),
    );
    expect(reach.every((r) => !r.decidable)).toBe(true);
    // The next run's design: 28 rounds for undici request across runtimes at 512 make those two decidable.
    for (const id of [
      'runtime-undici-request-node22-throughput-parity',
      'runtime-undici-request-node26-throughput-parity',
    ])
      expect(
        designReach({ sigma: VERSIONS_DESIGN_SPREAD[id]?.sigma as number, rounds: 28, threshold: PARITY }).decidable,
        id,
      ).toBe(true);
  });
});
