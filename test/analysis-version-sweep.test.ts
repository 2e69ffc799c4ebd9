import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  bisectCommandText,
  bisectPlans,
  bracketCommands,
  consecutiveSteps,
  latestOfLine,
  lineEndsOf,
  lineOf,
  lineSweepVersions,
  metricRatioOf,
  movedSteps,
  movementLeadLines,
  movementLeads,
  ROUND_METRICS,
  roundValues,
  runtimeCells,
  runtimeParityClaims,
  runtimeRows,
  type SweepCell,
  singleSocketVerdict,
  sweepStepRows,
  type VersionMeasurement,
  versionRows,
} from '@casebook/analysis';
import { UsageError } from '@casebook/results';
import { createLatencyHistogram, encodeHistogram, recordMicros } from '@casebook/stats';
import { describe, expect, it } from 'vitest';

/** `npm view undici versions --json` and `npm view node versions --json` as the registry gave them on 4 December 2026. */
const fixture = (name: string): string[] =>
  JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', name), 'utf8')) as string[];
const UNDICI_VERSIONS = fixture('undici-versions.json');
const NODE_VERSIONS = fixture('node-versions.json');

/** An encoded window histogram: `n` requests at each of the given latencies (µs). */
function histogram(values: readonly [number, number][]): string {
  const h = createLatencyHistogram();
  for (const [micros, n] of values) for (let i = 0; i < n; i++) recordMicros(h, micros);
  return encodeHistogram(h);
}

/**
 * A steady-state cell of `rounds` blocks: throughput `rps × factor[round]` (factor from `perRound`, else 1 ± 1 %
 * jitter), CPU per request `cpu / factor`, and two measured windows per block whose latencies are all `p99Us` (so
 * the block's p99 is p99Us, to HDR precision).
 */
function cell(
  label: string,
  opts: {
    rps?: number;
    cpu?: number;
    p99Us?: number;
    rounds?: number;
    perRound?: number[];
    flags?: string[];
    opened?: number;
    peak?: number;
    /** The target's CPU µs per request in every block (× the round's jitter); absent: the blocks carry none. */
    targetCpu?: number;
  } = {},
): VersionMeasurement {
  const rounds = opts.rounds ?? 8;
  const factor = (round: number) => opts.perRound?.[round] ?? 1 + ((round % 3) - 1) * 0.01;
  const flags = opts.flags ?? [];
  const p99 = opts.p99Us ?? 2000;
  return {
    label,
    client: { name: 'undici-request', version: '8.13.1', settings: {} },
    target: {
      connectionsOpened: opts.opened ?? 1,
      connectionsOpenedMeasured: 0,
      peakOpenConnections: opts.peak ?? 1,
    },
    guards: { flags, rankable: flags.length === 0 },
    method: {
      blocks: Array.from({ length: rounds }, (_, round) => ({
        index: round,
        round,
        throughputRps: (opts.rps ?? 1000) * factor(round),
        cpuMicrosPerRequest: (opts.cpu ?? 100) / factor(round),
        clientUtilization: 0.9,
        targetCpuShare: 0.3,
        ...(opts.targetCpu === undefined ? {} : { targetCpuMicrosPerRequest: opts.targetCpu * factor(round) }),
      })),
    },
    trials: Array.from({ length: rounds * 2 }, (_, i) => ({
      block: Math.floor(i / 2),
      histogram: histogram([[p99, 100]]),
    })),
  };
}

const BAND = { above: 0.9, below: 1.1 };

describe('lineSweepVersions', () => {
  it("gives the latest patch of every 7.x minor from 7.20 and of every 8.x minor, from the registry's list", () => {
    expect(lineSweepVersions(UNDICI_VERSIONS, { from: ['7.20', '8.0'] })).toEqual([
      '7.20.0',
      '7.21.0',
      '7.22.0',
      '7.23.0',
      '7.24.8',
      '7.25.0',
      '7.26.0',
      '7.27.2',
      '7.28.0',
      '7.29.1',
      '7.30.2',
      '8.0.3',
      '8.1.0',
      '8.2.0',
      '8.3.0',
      '8.4.1',
      '8.5.0',
      '8.6.0',
      '8.7.0',
      '8.8.0',
      '8.9.0',
      '8.10.2',
      '8.11.2',
      '8.12.4',
      '8.13.1',
      '8.14.0',
    ]);
  });

  it('leaves out pre-releases and minors below the start, keeps the order of the lines asked for', () => {
    const list = ['7.19.2', '7.20.0', '7.20.1', '7.21.0-rc.1', '8.0.0', '8.0.1', '8.1.0-alpha.1', '6.29.1'];
    expect(lineSweepVersions(list, { from: ['8.0', '7.20'] })).toEqual(['8.0.1', '7.20.1']);
    expect(lineSweepVersions(list, { from: ['7.19'] })).toEqual(['7.19.2', '7.20.1']);
  });

  it('refuses bad input with a UsageError naming the field and value', () => {
    const refused = (f: () => unknown, field: string, value: unknown) => {
      try {
        f();
        throw new Error('not refused');
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        expect((e as UsageError).field).toBe(field);
        expect((e as UsageError).value).toEqual(value);
      }
    };
    refused(() => lineSweepVersions(UNDICI_VERSIONS, { from: ['7'] }), 'from', '7');
    refused(() => lineSweepVersions(UNDICI_VERSIONS, { from: ['7.20', '7.22'] }), 'from', ['7.20', '7.22']);
    refused(() => lineSweepVersions(UNDICI_VERSIONS, { from: [] }), 'from', []);
    refused(() => lineSweepVersions(UNDICI_VERSIONS, { from: ['9.0'] }), 'from', '9.0');
    refused(() => lineSweepVersions(['8.0.0', 'latest'], { from: ['8.0'] }), 'versions', 'latest');
  });
});

describe('latestOfLine', () => {
  it('gives the latest release of one Node major from the registry list', () => {
    expect(latestOfLine(NODE_VERSIONS, 22)).toBe('22.23.3');
    expect(latestOfLine(NODE_VERSIONS, 24)).toBe('24.21.0');
    expect(latestOfLine(NODE_VERSIONS, 26)).toBe('26.10.0');
    expect(latestOfLine(['26.9.0', '26.10.0', '26.11.0-rc.1', '26.2.0'], 26)).toBe('26.10.0');
  });
  it('refuses a major with no release', () => {
    expect(() => latestOfLine(NODE_VERSIONS, 99)).toThrow(UsageError);
    expect(() => latestOfLine(['27.0.0-rc.1'], 27)).toThrow(/no 27\.x release/);
  });
});

describe('runtimeCells', () => {
  const clients = [{ client: 'node-fetch' }, { client: 'undici-request', enginesNode: '>=22.19.0' }];
  it('plans every client on every runtime, the workspace runtime naming none', () => {
    const plan = runtimeCells({
      runtimes: ['26.10.0', '22.23.3', '24.21.0'],
      workspace: 'v24.21.0',
      clients,
      supported: '>=22.0.0',
    });
    expect(plan.refused).toEqual([]);
    expect(plan.cells.map((c) => `${c.client}@${c.runtime}`)).toEqual([
      'node-fetch@22.23.3',
      'node-fetch@24.21.0',
      'node-fetch@26.10.0',
      'undici-request@22.23.3',
      'undici-request@24.21.0',
      'undici-request@26.10.0',
    ]);
    expect(plan.cells[1]?.cell).toEqual({ client: 'node-fetch' });
    expect(plan.cells[0]?.cell).toEqual({ client: 'node-fetch', node: '22.23.3' });
  });
  it("leaves out a cell the package's engines or the support table refuse, saying why", () => {
    const plan = runtimeCells({
      runtimes: ['20.19.0', '22.12.0'],
      workspace: '24.21.0',
      clients,
      supported: '>=22.0.0',
    });
    expect(plan.cells.map((c) => `${c.client}@${c.runtime}`)).toEqual(['node-fetch@22.12.0']);
    expect(plan.refused).toEqual([
      { client: 'node-fetch', runtime: '20.19.0', reason: 'runtimes >=22.0.0 are supported' },
      { client: 'undici-request', runtime: '20.19.0', reason: 'runtimes >=22.0.0 are supported' },
      { client: 'undici-request', runtime: '22.12.0', reason: 'undici-request needs Node >=22.19.0 (engines)' },
    ]);
  });
  it('refuses a runtime that is not an exact version, or given twice', () => {
    expect(() => runtimeCells({ runtimes: ['22'], workspace: '24.21.0', clients, supported: '*' })).toThrow(UsageError);
    expect(() =>
      runtimeCells({ runtimes: ['22.23.3', '22.23.3'], workspace: '24.21.0', clients, supported: '*' }),
    ).toThrow(/each runtime once/);
  });
});

describe('roundValues and metricRatioOf', () => {
  it("takes a block's p99 from its windows' histograms merged, not from the windows' own p99s", () => {
    // Window 0: 98 requests at 1 ms and 2 at 10 ms (its own p99 is 10 ms); window 1: 100 at 1 ms. Merged: 198 at 1 ms
    // and 2 at 10 ms, so the block's p99 is 1 ms (a median or maximum of the windows' p99s would say 5.5 or 10).
    const m = cell('a', { rounds: 1 });
    const merged: VersionMeasurement = {
      ...m,
      trials: [
        {
          block: 0,
          histogram: histogram([
            [1000, 98],
            [10_000, 2],
          ]),
        },
        { block: 0, histogram: histogram([[1000, 100]]) },
      ],
    };
    expect(roundValues(merged, 'p99').get(0)).toBeCloseTo(1, 2);
    expect(roundValues(merged, 'throughput').get(0)).toBeCloseTo(990, 0);
  });
  it('leaves out a round without histograms instead of reading 0, and pairs only rounds both have', () => {
    const bare: VersionMeasurement = { ...cell('a'), trials: [] };
    expect(roundValues(bare, 'p99').size).toBe(0);
    const none = metricRatioOf(bare, cell('b'), 'p99');
    expect(none.coverage).toBe(0);
    expect(Number.isNaN(none.median)).toBe(true);
    expect(metricRatioOf(cell('a', { p99Us: 2000 }), cell('b', { p99Us: 3000 }), 'p99').median).toBeCloseTo(1.5, 2);
  });
});

describe('consecutiveSteps', () => {
  const sweep = (overrides: Record<string, Parameters<typeof cell>[1]> = {}): SweepCell[] =>
    ['7.20.0', '7.21.0', '8.0.3', '8.1.0', '8.2.0'].map((version) => ({
      line: lineOf(version),
      version,
      measurement: cell(`undici@${version}`, overrides[version] ?? {}),
    }));

  it('pairs consecutive versions within each line only, never across the parallel lines', () => {
    const steps = consecutiveSteps({ cells: sweep(), metrics: ['throughput'] });
    expect(steps.map((s) => `${s.line} ${s.older}→${s.newer}`)).toEqual([
      '7.x 7.20.0→7.21.0',
      '8.x 8.0.3→8.1.0',
      '8.x 8.1.0→8.2.0',
    ]);
    expect(steps.every((s) => s.movement === null && s.compared)).toBe(true);
  });

  it('finds a movement beyond noise in each metric, and its direction', () => {
    const steps = consecutiveSteps({
      cells: sweep({ '8.1.0': { rps: 800, cpu: 125, p99Us: 2600 } }),
      metrics: ROUND_METRICS,
    });
    const at = (older: string, metric: string) => steps.find((s) => s.older === older && s.metric === metric);
    expect(at('8.0.3', 'throughput')?.movement).toBe('down');
    expect(at('8.0.3', 'throughput')?.ratio.median).toBeCloseTo(1.25, 2);
    expect(at('8.0.3', 'cpu-per-request')?.movement).toBe('up');
    expect(at('8.0.3', 'p99')?.movement).toBe('up');
    expect(at('8.1.0', 'throughput')?.movement).toBe('up');
    expect(at('7.20.0', 'throughput')?.movement).toBeNull();
  });

  it('keeps a flagged pair as a lead (compared false) and resolves nothing within the noise or below 95 % coverage', () => {
    const flagged = consecutiveSteps({
      cells: sweep({ '8.1.0': { rps: 800, flags: ['target-saturated'] } }),
      metrics: ['throughput'],
    });
    const step = flagged.find((s) => s.older === '8.0.3');
    expect(step?.movement).toBe('down');
    expect(step?.compared).toBe(false);
    const scattered = [0.8, 1.2, 0.9, 1.1, 0.85, 1.15, 0.95, 1.05];
    const noisy = consecutiveSteps({ cells: sweep({ '8.1.0': { perRound: scattered } }), metrics: ['throughput'] });
    expect(noisy.find((s) => s.older === '8.0.3')?.movement).toBeNull();
    const few = consecutiveSteps({
      cells: sweep({ '8.0.3': { rounds: 5 }, '8.1.0': { rounds: 5, rps: 500 } }),
      metrics: ['throughput'],
    });
    expect(few.find((s) => s.older === '8.0.3')?.movement).toBeNull();
  });

  it("tables each step's three ratios and what moved", () => {
    const rows = sweepStepRows(
      consecutiveSteps({ cells: sweep({ '8.1.0': { rps: 800, flags: ['errors'] } }), metrics: ROUND_METRICS }),
    );
    expect(rows).toHaveLength(3);
    expect(rows[1]?.step).toBe('8.0.3 → 8.1.0');
    expect(rows[1]?.throughput).toMatch(/^1\.25 \(/);
    expect(rows[1]?.moved).toBe('throughput down (flagged: exploratory)');
    expect(rows[2]?.moved).toBe('throughput up (flagged: exploratory)');
    expect(rows[0]?.throughput).toMatch(/^~ 1\.00/);
    expect(rows[0]?.moved).toBe('');
  });

  it("gives each line's ends, not a line with one version", () => {
    expect(lineEndsOf(sweep())).toEqual([
      { line: '7.x', first: '7.20.0', last: '7.21.0' },
      { line: '8.x', first: '8.0.3', last: '8.2.0' },
    ]);
    expect(lineEndsOf([{ line: '6.x', version: '6.29.1' }])).toEqual([]);
  });
});

describe('bisectCommandText', () => {
  it('writes the command for one step, the older version as good', () => {
    expect(
      bisectCommandText({
        packageName: 'undici',
        good: '8.4.1',
        bad: '8.5.0',
        metric: 'throughput',
        scenario: { concurrency: 512 },
      }),
    ).toBe(
      'npx casebook bisect --package undici --good 8.4.1 --bad 8.5.0 --concurrency 512 --metric throughput --client undici-request',
    );
    expect(
      bisectCommandText({
        packageName: 'undici',
        good: '7.24.8',
        bad: '7.25.0',
        metric: 'cpu-per-request',
        client: 'undici-fetch',
        scenario: { concurrency: 1, connections: 1, delayMs: 0 },
      }),
    ).toBe(
      'npx casebook bisect --package undici --good 7.24.8 --bad 7.25.0 --concurrency 1 --metric cpu-per-request --client undici-fetch --connections 1',
    );
  });
  it('refuses ranges, pre-releases, one version twice and a bad concurrency', () => {
    const base = { packageName: 'undici', metric: 'throughput', scenario: { concurrency: 512 } } as const;
    expect(() => bisectCommandText({ ...base, good: '^8.4.0', bad: '8.5.0' })).toThrow(UsageError);
    expect(() => bisectCommandText({ ...base, good: '8.4.1', bad: '8.5.0-rc.1' })).toThrow(/pre-release/);
    expect(() => bisectCommandText({ ...base, good: '8.5.0', bad: '8.5.0' })).toThrow(/same version/);
    expect(() => bisectCommandText({ ...base, good: '8.4.1', bad: '8.5.0', scenario: { concurrency: 0 } })).toThrow(
      UsageError,
    );
  });
});

describe('movementLeads', () => {
  const steps = consecutiveSteps({
    cells: ['8.4.1', '8.5.0', '8.6.0'].map((version) => ({
      line: lineOf(version),
      version,
      measurement: cell(`undici@${version}`, { rps: 800 }),
    })),
    metrics: ['throughput', 'cpu-per-request'],
  });
  const moved = consecutiveSteps({
    cells: [
      { line: '8.x', version: '8.4.1', measurement: cell('a') },
      { line: '8.x', version: '8.5.0', measurement: cell('b', { rps: 800, cpu: 125 }) },
    ],
    metrics: ['throughput', 'cpu-per-request'],
  });
  const record = {
    file: 'results/bisect/undici-throughput-2026-12-03/bisect.json',
    record: {
      good: { version: '7.24.7' },
      bad: { version: '8.13.1' },
      metric: { name: 'throughput' },
      scenario: { concurrency: 512 },
    },
  };

  it('gives nothing when no step moved', () => {
    expect(movementLeads({ steps, packageName: 'undici', scenario: { concurrency: 512 } })).toEqual([]);
  });

  it('gives each movement its sentence, bisect command, upstream links and the bisects already on record', () => {
    const leads = movementLeads({
      steps: moved,
      packageName: 'undici',
      scenario: { concurrency: 512 },
      bisects: [record],
    });
    expect(leads).toHaveLength(2);
    const [throughput, cpu] = leads;
    expect(throughput?.sentence).toMatch(
      /^undici 8\.4\.1 → 8\.5\.0: throughput lower \(older \/ newer 1\.25, 99\.\d % interval 1\.2\d\d–1\.2\d\d, paired per round\): regressed\.$/,
    );
    expect(throughput?.commands).toEqual([
      'npx casebook bisect --package undici --good 8.4.1 --bad 8.5.0 --concurrency 512 --metric throughput --client undici-request',
    ]);
    expect(throughput?.links?.compare).toBe('https://github.com/nodejs/undici/compare/v8.4.1...v8.5.0');
    // Its range contains the step, but it measured neither release and names no machine: said so, not a bisect of it.
    expect(throughput?.onRecord).toEqual([
      {
        file: record.file,
        measuredStep: false,
        sameMachine: null,
        note: 'its range contains this step; it measured neither release, so it does not decide this step; machine not known',
      },
    ]);
    expect(throughput?.reversal).toBeNull();
    expect(cpu?.sentence).toMatch(/CPU per request higher .*: regressed\.$/);
    expect(cpu?.commands[0]).toContain('--metric cpu-per-request');
    // A bisect of another metric, or of another concurrency, does not cover the step.
    expect(cpu?.onRecord).toEqual([]);
    expect(
      movementLeads({ steps: moved, packageName: 'undici', scenario: { concurrency: 128 }, bisects: [record] })[0]
        ?.onRecord,
    ).toEqual([]);
    // Nor does a bisect of another client: undici-request's record is no bisect of an undici-fetch lead.
    const ofRequest = { ...record, record: { ...record.record, client: 'undici-request' } };
    const lead = (client?: string) =>
      movementLeads({
        steps: moved,
        packageName: 'undici',
        scenario: { concurrency: 512 },
        bisects: [ofRequest],
        ...(client === undefined ? {} : { client }),
      })[0]?.onRecord.length;
    expect(lead()).toBe(1);
    expect(lead('undici-fetch')).toBe(0);
  });

  it('says whether a bisect on record measured the step, and on which machine', () => {
    const measured = {
      file: record.file,
      record: {
        ...record.record,
        environment: { machineId: 'afbe3fcb97a51eef' },
        steps: [{ ratios: [{ older: '8.4.1', newer: '8.5.0' }] }],
      },
    };
    const leadOn = (machineId: string) =>
      movementLeads({
        steps: moved,
        packageName: 'undici',
        scenario: { concurrency: 512 },
        bisects: [measured],
        machineId,
      })[0];
    const here = leadOn('afbe3fcb97a51eef');
    expect(here?.onRecord[0]).toMatchObject({ measuredStep: true, sameMachine: true });
    expect(here?.onRecord[0]?.note).toBe(
      'its range contains this step; it measured 8.4.1 and 8.5.0 (or releases between them); this machine',
    );
    const elsewhere = leadOn('89a6b0eadf6dc5bf');
    expect(elsewhere?.onRecord[0]).toMatchObject({ measuredStep: true, sameMachine: false });
    expect(elsewhere?.onRecord[0]?.note).toMatch(/; another machine \(afbe3fcb…\)$/);
    // One end measured (a segment that starts at the step's newer release): said so, and not a bisect of the step.
    const oneEnd = {
      file: record.file,
      record: { ...measured.record, steps: [{ ratios: [{ older: '8.5.0', newer: '8.13.1' }] }] },
    };
    const [partly] = movementLeads({
      steps: moved,
      packageName: 'undici',
      scenario: { concurrency: 512 },
      bisects: [oneEnd],
    });
    expect(partly?.onRecord[0]?.measuredStep).toBe(false);
    expect(partly?.onRecord[0]?.note).toMatch(
      /it measured only 8\.5\.0, so it does not decide this step; machine not known$/,
    );
  });

  it('flags a reversal at a shared release (up then down), prints edges to 3 decimals, counts steps not metrics', () => {
    const zigzag = consecutiveSteps({
      cells: [
        { line: '8.x', version: '8.11.2', measurement: cell('a') },
        { line: '8.x', version: '8.12.4', measurement: cell('b', { rps: 1300, cpu: 80 }) },
        { line: '8.x', version: '8.13.1', measurement: cell('c') },
        { line: '8.x', version: '8.14.0', measurement: cell('d') },
      ],
      metrics: ['throughput', 'cpu-per-request'],
    });
    const leads = movementLeads({ steps: zigzag, packageName: 'undici', scenario: { concurrency: 512 } });
    // Two steps moved, each in two metrics: four leads, two steps.
    expect(leads).toHaveLength(4);
    expect(movedSteps(leads)).toBe(2);
    const up = leads.find((l) => l.step.older === '8.11.2' && l.step.metric === 'throughput');
    expect(up?.reversal).toBe('reverses at 8.12.4 (8.12.4 → 8.13.1 moved down)');
    expect(up?.sentence).toContain('one outlying cell at that release looks like this');
    expect(up?.sentence).toMatch(/interval \d\.\d{3}–\d\.\d{3}, paired/);
    // A step with no opposite neighbour is no reversal.
    const one = movementLeads({ steps: moved, packageName: 'undici', scenario: { concurrency: 512 } });
    expect(one.map((l) => l.reversal)).toEqual([null, null]);
    // 7.25.0 → 7.26.0 moves (1.43); 7.26.0 → 7.27.2 is unresolved (a noisy last cell at `rps`): its lead on 7.26.0.
    const dipLead = (rps: number) =>
      movementLeads({
        steps: consecutiveSteps({
          cells: [
            { line: '7.x', version: '7.25.0', measurement: cell('a') },
            { line: '7.x', version: '7.26.0', measurement: cell('b', { rps: 700 }) },
            {
              line: '7.x',
              version: '7.27.2',
              measurement: cell('c', { rps, perRound: [1.3, 0.7, 1.2, 0.8, 1.1, 0.9, 1.25, 0.75] }),
            },
          ],
          metrics: ['throughput'],
        }),
        packageName: 'undici',
        scenario: { concurrency: 512 },
      })[0];
    // An unresolved neighbour whose median goes the other way: "may reverse" (the shared release may be the outlier).
    const down = dipLead(900);
    expect(down?.step.newer).toBe('7.26.0');
    expect(down?.reversal).toMatch(
      /^may reverse at 7\.26\.0 \(7\.26\.0 → 7\.27\.2: older \/ newer 0\.\d\d the other way, unresolved\)$/,
    );
    // The neighbour's median the other way by much less than the step (0.97 against 1.43): noise, not a reversal.
    const kept = dipLead(720);
    expect(kept?.step.newer).toBe('7.26.0');
    expect(kept?.reversal).toBeNull();
  });

  it('labels a flagged movement exploratory', () => {
    const flagged = consecutiveSteps({
      cells: [
        { line: '8.x', version: '8.4.1', measurement: cell('a') },
        { line: '8.x', version: '8.5.0', measurement: cell('b', { rps: 1300, flags: ['errors'] }) },
      ],
      metrics: ['throughput'],
    });
    const [lead] = movementLeads({ steps: flagged, packageName: 'undici', scenario: { concurrency: 512 } });
    expect(lead?.sentence).toMatch(/throughput higher .*: improved — exploratory: a cell of the pair is flagged/);
  });

  it('for runtimes, bisects the whole step along Node’s main line with the step’s client, and links the releases', () => {
    const runtimeSteps = consecutiveSteps({
      cells: [
        { line: 'node-fetch', version: '24.21.0', measurement: cell('a') },
        { line: 'node-fetch', version: '26.10.0', measurement: cell('b', { rps: 1300 }) },
      ],
      metrics: ['throughput'],
    });
    const [lead] = movementLeads({ steps: runtimeSteps, packageName: 'node', scenario: { concurrency: 512 } });
    expect(lead?.sentence).toMatch(/^node-fetch: Node 24\.21\.0 → 26\.10\.0: throughput higher .*: improved\./);
    expect(lead?.sentence).toContain(
      "its first step crosses from 24.x's maintenance branch to the next major's x.0.0 (a boundary there lies between the two lines, not at one release)",
    );
    expect(lead?.commands).toEqual([
      'npx casebook bisect --package node --good 24.21.0 --bad 26.10.0 --concurrency 512 --metric throughput --client node-fetch',
    ]);
    expect(lead?.links?.release).toBe('https://github.com/nodejs/node/releases/tag/v26.10.0');
  });
});

describe('movementLeads: steps decided before the run, folds, adjacent releases', () => {
  /** A line's cells at one request in flight: throughput per version (`rps`), CPU and p99 given or derived. */
  const line = (cells: [string, Parameters<typeof cell>[1]][]): SweepCell[] =>
    cells.map(([version, opts]) => ({ line: lineOf(version), version, measurement: cell(`undici@${version}`, opts) }));
  // 7.28.0 alone has the timer (1 ms floor): ~10× slower than 7.27.2 and 7.29.1; the steps either side of them
  // moved down (1.23×, 1.33×).
  const seven = consecutiveSteps({
    cells: line([
      ['7.26.0', { rps: 1600 }],
      ['7.27.2', { rps: 1300 }],
      ['7.28.0', { rps: 120 }],
      ['7.29.1', { rps: 1200 }],
      ['7.30.2', { rps: 900 }],
    ]),
    metrics: ['throughput'],
  });
  const base = { packageName: 'undici', scenario: { concurrency: 1 } } as const;
  const of = (leads: ReturnType<typeof movementLeads>, older: string) => leads.find((l) => l.step.older === older);

  it('without a stated claim, the outlying cell gives two bisect leads that reverse at it (the lead still printed)', () => {
    const leads = movementLeads({ ...base, steps: seven });
    expect(leads.map((l) => `${l.step.older}→${l.step.newer} ${l.kind}`)).toEqual([
      '7.26.0→7.27.2 bisect',
      '7.27.2→7.28.0 bisect',
      '7.28.0→7.29.1 bisect',
      '7.29.1→7.30.2 bisect',
    ]);
    expect(of(leads, '7.27.2')?.reversal).toBe('reverses at 7.28.0 (7.28.0 → 7.29.1 moved up)');
    expect(of(leads, '7.28.0')?.reversal).toBe('reverses at 7.28.0 (7.27.2 → 7.28.0 moved down)');
    expect(of(leads, '7.27.2')?.commands).toHaveLength(1);
  });

  it('names the claim that decides a step and its mirror: no bisect, no reversal note, none given to a neighbour', () => {
    const leads = movementLeads({
      ...base,
      steps: seven,
      decided: [
        { older: '7.27.2', newer: '7.28.0', claimId: 'seq-sweep-7-28-timer-floor', outcome: 'holds', mirror: true },
      ],
    });
    const into = of(leads, '7.27.2');
    const back = of(leads, '7.28.0');
    for (const l of [into, back]) {
      expect(l?.kind).toBe('claim');
      expect(l?.commands).toEqual([]);
      expect(l?.reversal).toBeNull();
      expect(l?.sentence).not.toContain('outlying');
    }
    expect(into?.sentence).toMatch(
      /: regressed\. Decided by claim seq-sweep-7-28-timer-floor \(holds\), stated before the run: no bisect\.$/,
    );
    expect(back?.sentence).toContain(
      'Decided by claim seq-sweep-7-28-timer-floor (holds), stated before the run: the step back out of 7.28.0, which that claim makes the one swept release of its line with the change (7.27.2 → 7.28.0). No bisect.',
    );
    // 7.29.1 → 7.30.2 moved down after the mirror moved up, but the claim explains the mirror: a lead, no reversal.
    const after = of(leads, '7.29.1');
    expect(after?.kind).toBe('bisect');
    expect(after?.reversal).toBeNull();
    expect(of(leads, '7.26.0')?.kind).toBe('bisect');
    expect(movementLeadLines(leads).filter((l) => l.includes('casebook bisect'))).toHaveLength(2);
  });

  it('leaves the step back out a lead of its own when the claim does not make the release the only one changed', () => {
    const leads = movementLeads({
      ...base,
      steps: seven,
      decided: [{ older: '7.27.2', newer: '7.28.0', claimId: 'seq-sweep-7-28-timer-floor' }],
    });
    expect(of(leads, '7.27.2')?.sentence).toMatch(/Decided by claim seq-sweep-7-28-timer-floor, stated before/);
    const back = of(leads, '7.28.0');
    expect(back?.kind).toBe('bisect');
    expect(back?.commands).toEqual([
      'npx casebook bisect --package undici --good 7.28.0 --bad 7.29.1 --concurrency 1 --metric throughput --client undici-request',
    ]);
    // Its reversal note comes from its other neighbour: the step the claim decides is no sign of an outlying cell.
    expect(back?.reversal).toBe('reverses at 7.29.1 (7.29.1 → 7.30.2 moved down)');
  });

  it('labels a step a mechanism stated before the run names: no bisect, not a claim', () => {
    const steps = consecutiveSteps({
      cells: line([
        ['8.7.0', { rps: 120 }],
        ['8.8.0', { rps: 1100 }],
      ]),
      metrics: ['throughput'],
    });
    const mechanism = "8.8.0 defers the write with an unref'd setImmediate, not setTimeout(0): no 1 ms floor";
    const [lead] = movementLeads({ ...base, steps, mechanisms: [{ older: '8.7.0', newer: '8.8.0', mechanism }] });
    expect(lead?.kind).toBe('mechanism');
    expect(lead?.commands).toEqual([]);
    expect(lead?.sentence).toMatch(
      /: improved\. Named by a mechanism stated in the text before the run \(not a claim, not counted\): 8\.8\.0 defers the write with an unref'd setImmediate, not setTimeout\(0\): no 1 ms floor\. No bisect\.$/,
    );
    expect(movementLeadLines([lead as NonNullable<typeof lead>])).toEqual([`- ${lead?.sentence}`]);
    // On another line (a runtime sweep's client), the entry names nothing.
    const [other] = movementLeads({
      ...base,
      steps,
      mechanisms: [{ older: '8.7.0', newer: '8.8.0', mechanism, line: '7.x' }],
    });
    expect(other?.kind).toBe('bisect');
  });

  it('folds CPU per request and p99 into a throughput lead that moved more than 2×, with the target’s CPU beside', () => {
    // 8.5.0: a tenth of the rate, 3.7× the client's CPU per request, 3.4× the (same) target's, 5× the p99.
    const steps = consecutiveSteps({
      cells: line([
        ['8.4.1', { rps: 1000, cpu: 102, p99Us: 400, targetCpu: 91.2 }],
        ['8.5.0', { rps: 100, cpu: 378, p99Us: 2000, targetCpu: 309.7 }],
      ]),
      metrics: ROUND_METRICS,
    });
    const leads = movementLeads({ ...base, steps });
    expect(leads).toHaveLength(1);
    const [lead] = leads;
    expect(lead?.step.metric).toBe('throughput');
    expect(lead?.folded.map((s) => s.metric)).toEqual(['cpu-per-request', 'p99']);
    expect(lead?.sentence).toContain(
      'CPU per request (older / newer 0.27) and p99 latency (older / newer 0.20) move with the rate (throughput moved more than 2×): no leads of their own; the target',
    );
    expect(lead?.sentence).toMatch(
      /the target's CPU per request \(the same target program in both cells\) moved too: 91\.2 → 309\.7 µs \(3\.40×, newer \/ older, \d+\.\d % interval 3\.40–3\.40, paired per round\)\.$/,
    );
    expect(lead?.commands).toEqual([
      'npx casebook bisect --package undici --good 8.4.1 --bad 8.5.0 --concurrency 1 --metric throughput --client undici-request',
    ]);
    expect(movedSteps(leads)).toBe(1);
    // The same target CPU in both cells: said, not "moved too".
    const still = consecutiveSteps({
      cells: line([
        ['8.4.1', { rps: 1000, cpu: 102, targetCpu: 91.2 }],
        ['8.5.0', { rps: 100, cpu: 378, targetCpu: 91.2 }],
      ]),
      metrics: ROUND_METRICS,
    });
    expect(movementLeads({ ...base, steps: still })[0]?.sentence).toMatch(
      /did not move beyond noise: 91\.2 → 91\.2 µs \(~ 1\.00×, newer \/ older\)\.$/,
    );
    // Blocks without the target's CPU: the fold alone.
    const bare = consecutiveSteps({
      cells: line([
        ['8.4.1', { rps: 1000, cpu: 102 }],
        ['8.5.0', { rps: 100, cpu: 378 }],
      ]),
      metrics: ROUND_METRICS,
    });
    expect(bare[0]?.targetCpuPerRequest).toBeNull();
    expect(movementLeads({ ...base, steps: bare })[0]?.sentence).toMatch(
      /CPU per request \(older \/ newer 0\.27\) moves with the rate \(throughput moved more than 2×\): no lead of its own\.$/,
    );
  });

  it('keeps CPU per request and p99 as leads of their own when throughput moved by 2× or less', () => {
    const steps = consecutiveSteps({
      cells: line([
        ['8.4.1', { rps: 1000, cpu: 100, p99Us: 400, targetCpu: 90 }],
        ['8.5.0', { rps: 600, cpu: 160, p99Us: 700, targetCpu: 90 }],
      ]),
      metrics: ROUND_METRICS,
    });
    const leads = movementLeads({ ...base, steps });
    expect(leads.map((l) => l.step.metric)).toEqual(['throughput', 'cpu-per-request', 'p99']);
    expect(leads.every((l) => l.folded.length === 0 && l.commands.length === 1)).toBe(true);
    expect(leads[0]?.sentence).not.toContain('move with the rate');
  });

  it('says a step between adjacent releases was located by the sweep; its command is the confirming run', () => {
    const steps = consecutiveSteps({
      cells: line([
        ['8.4.1', { rps: 1000 }],
        ['8.5.0', { rps: 800 }],
        ['8.6.0', { rps: 800 }],
        ['8.10.2', { rps: 800 }],
        ['8.11.2', { rps: 600 }],
      ]),
      metrics: ['throughput'],
    });
    const leads = movementLeads({ ...base, steps, published: UNDICI_VERSIONS });
    // 8.4.1 → 8.5.0: nothing published between them. 8.10.2 → 8.11.2: 8.11.0 and 8.11.1 lie between.
    expect(leads.map((l) => `${l.step.older}→${l.step.newer} ${l.kind}`)).toEqual([
      '8.4.1→8.5.0 adjacent',
      '8.10.2→8.11.2 bisect',
    ]);
    const [adjacent, search] = leads;
    expect(adjacent?.commands).toEqual([
      'npx casebook bisect --package undici --good 8.4.1 --bad 8.5.0 --concurrency 1 --metric throughput --client undici-request',
    ]);
    expect(movementLeadLines([adjacent as NonNullable<typeof adjacent>])).toEqual([
      `- ${adjacent?.sentence}`,
      '  - adjacent releases: located by the sweep ([compare 8.4.1…8.5.0](https://github.com/nodejs/undici/compare/v8.4.1...v8.5.0)); the confirming run: `npx casebook bisect --package undici --good 8.4.1 --bad 8.5.0 --concurrency 1 --metric throughput --client undici-request`',
    ]);
    expect(movementLeadLines([search as NonNullable<typeof search>], { recordsShownIn: 'section 1 shows it' })).toEqual(
      [
        `- ${search?.sentence}`,
        '  - next: `npx casebook bisect --package undici --good 8.10.2 --bad 8.11.2 --concurrency 1 --metric throughput --client undici-request`',
        '  - upstream: [compare 8.10.2…8.11.2](https://github.com/nodejs/undici/compare/v8.10.2...v8.11.2) · [release notes 8.11.2](https://github.com/nodejs/undici/releases/tag/v8.11.2)',
      ],
    );
    // Without the registry's list no step is said to be adjacent; a malformed list is refused.
    expect(movementLeads({ ...base, steps }).map((l) => l.kind)).toEqual(['bisect', 'bisect']);
    expect(() => movementLeads({ ...base, steps, published: ['8.4.1', 'latest'] })).toThrow(UsageError);
  });
});

describe('bisectPlans: throughput and CPU per request by the same rule', () => {
  const alternating = (a: number, b: number) => Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b));
  const plansOf = (u7: Parameters<typeof cell>[1], u6: Parameters<typeof cell>[1], forks = { '8': '7.24.7' }) =>
    bisectPlans({
      cells: [
        { version: '8.13.1', measurement: cell('undici@8.13.1', { rps: 1000, cpu: 100 }) },
        { version: '7.30.2', measurement: cell('undici@7.30.2', u7) },
        { version: '6.29.1', measurement: cell('undici@6.29.1', u6) },
      ],
      candidates: ['6.29.1', '7.0.0', '7.30.2', '8.0.0', '8.8.0', '8.13.1'],
      packageName: 'undici',
      scenario: { concurrency: 1 },
      lineForks: forks,
    });

  it('plans CPU per request beside throughput, each line searched from its fork', () => {
    // 7.30.2: 1.2× 8.13.1's rate and 0.8× its CPU per request; 6.29.1 unresolved against both in either metric.
    const plans = plansOf({ rps: 1200, cpu: 80 }, { perRound: alternating(0.95, 1.3) });
    expect(plans.map((p) => p.metric)).toEqual(['throughput', 'cpu-per-request']);
    const cpu = plans[1];
    expect(cpu?.brackets.map((b) => `${b.older}→${b.newer}`)).toEqual(['7.30.2→8.13.1']);
    expect(cpu?.screen).toEqual(['7.30.2', '8.0.0', '8.8.0', '8.13.1']);
    expect(cpu?.brackets[0]?.commands).toEqual([
      'npx casebook bisect --package undici --good 7.24.7 --bad 8.13.1 --concurrency 1 --metric cpu-per-request --client undici-request',
      'npx casebook bisect --package undici --good 7.24.7 --bad 7.30.2 --concurrency 1 --metric cpu-per-request --client undici-request',
    ]);
    expect(cpu?.brackets[0]?.note).toMatch(
      /each line is searched from 7\.24\.7, the last 7\.x release before 8\.x began/,
    );
    expect(plans[0]?.brackets[0]?.commands[0]).toContain('--metric throughput');
  });

  it('plans only the metric that moved, none when nothing did, and folds CPU into a throughput move beyond 2×', () => {
    // CPU per request alone moved (the rate held): a CPU plan, no throughput plan.
    const cpuOnly = plansOf({ rps: 1000, cpu: 80, perRound: alternating(1, 1) }, { rps: 1000, cpu: 100 });
    expect(cpuOnly.map((p) => p.metric)).toEqual(['cpu-per-request']);
    expect(plansOf({ rps: 1000, cpu: 100 }, { rps: 1000, cpu: 100 })).toEqual([]);
    // 7.30.2 at 3× the rate: the CPU bracket with the same ends moves with it, no command of its own.
    const fast = plansOf({ rps: 3000, cpu: 40 }, { rps: 1000, cpu: 100 });
    const cpu = fast.find((p) => p.metric === 'cpu-per-request')?.brackets.find((b) => b.older === '7.30.2');
    expect(cpu?.commands).toEqual([]);
    expect(cpu?.note).toMatch(/^moves with the rate: throughput moved more than 2× over the same bracket/);
    const throughput = fast.find((p) => p.metric === 'throughput');
    expect(throughput?.brackets.find((b) => b.older === '7.30.2')?.commands).toHaveLength(2);
  });

  it('gives a note, not a command, for a bracket across more than two lines or without a fork', () => {
    const at = (older: string, newer: string, lineForks?: Record<string, string>) =>
      bracketCommands({
        bracket: { older, newer },
        packageName: 'undici',
        metric: 'cpu-per-request',
        scenario: { concurrency: 512 },
        ...(lineForks === undefined ? {} : { lineForks }),
      });
    expect(at('6.29.1', '8.13.1', { '8': '7.24.7' })).toEqual({
      commands: [],
      note: 'undici 6.29.1 → 8.13.1 spans more than two lines: bisect each line from its fork point separately',
    });
    expect(at('7.30.2', '8.13.1').note).toBe(
      'no fork point of undici 8.x listed before the run: bisect each line from its own releases',
    );
    expect(at('8.4.1', '8.13.1')).toEqual({
      commands: [
        'npx casebook bisect --package undici --good 8.4.1 --bad 8.13.1 --concurrency 512 --metric cpu-per-request --client undici-request',
      ],
      note: null,
    });
    // A fork after the bracket's older end (7.24.7 > 7.20.0): the newer line from the fork, and the shared history
    // from the older end up to the fork.
    expect(at('7.20.0', '8.13.1', { '8': '7.24.7' }).commands.map((c) => c.match(/--good \S+ --bad \S+/)?.[0])).toEqual(
      ['--good 7.24.7 --bad 8.13.1', '--good 7.20.0 --bad 7.24.7'],
    );
    expect(at('7.24.7', '8.13.1', { '8': '7.24.7' }).commands).toHaveLength(1);
  });
});

describe('runtime claims and tables', () => {
  const cells = [
    { client: 'node-fetch', runtime: '22.23.3', measurement: cell('f22') },
    { client: 'node-fetch', runtime: '24.21.0', measurement: cell('f24') },
    { client: 'node-fetch', runtime: '26.10.0', measurement: cell('f26', { rps: 700 }) },
    { client: 'node-http', runtime: '24.21.0', measurement: cell('h24', { rps: 2000 }) },
    { client: 'node-http', runtime: '26.10.0', measurement: cell('h26', { rps: 2010, flags: ['not-steady'] }) },
  ];

  it('compares each client on each runtime with itself on the reference runtime, holding, failing and unresolved', () => {
    const claims = runtimeParityClaims({
      prefix: 'runtime',
      cells,
      reference: '24.21.0',
      metric: 'throughputRps',
      band: BAND,
    });
    expect(claims.map((c) => `${c.id}: ${c.outcome}`)).toEqual([
      'runtime-node-fetch-node22-throughput-parity: holds',
      'runtime-node-fetch-node26-throughput-parity: fails',
      'runtime-node-http-node26-throughput-parity: unresolved',
    ]);
    // Counted within the client's own cells (each client is its own comparison), not across clients.
    expect(claims[2]?.evidence['reason']).toBe('not compared: 1 of 2 cells not steady');
    expect(claims[0]?.kind).toBe('claim');
  });

  it("tables each client against its own reference runtime, never against another client's", () => {
    const rows = runtimeRows(cells, '24.21.0');
    expect(rows.map((r) => r.throughputVsReference.slice(0, 4))).toEqual(['~ 1.', '1 (r', '0.70', '1 (r', '— (f']);
  });
});

describe('singleSocketVerdict', () => {
  it('holds when every cell opened one socket and held one, and fails on a second socket or a reconnect', () => {
    expect(singleSocketVerdict({ id: 's', measurements: [cell('a'), cell('b')] }).outcome).toBe('holds');
    const two = singleSocketVerdict({ id: 's', measurements: [cell('a'), cell('b', { opened: 2, peak: 2 })] });
    expect(two.outcome).toBe('fails');
    expect(two.kind).toBe('claim');
    expect(two.evidence['cells not at one socket']).toBe('b');
    expect(singleSocketVerdict({ id: 's', measurements: [cell('a', { opened: 3, peak: 1 })] }).outcome).toBe('fails');
    expect(singleSocketVerdict({ id: 's', measurements: [] }).outcome).toBe('fails');
  });
  it('is a sanity check when the harness enforces it', () => {
    const v = singleSocketVerdict({ id: 's', measurements: [cell('a')], kind: 'sanity' });
    expect(v.kind).toBe('sanity');
    expect(v.outcome).toBe('holds');
  });
  it('is a labelled replication, not a finding, when an earlier run measured the counts', () => {
    const v = singleSocketVerdict({
      id: 's',
      measurements: [cell('a'), cell('b', { opened: 2, peak: 2 })],
      replicates: { run: 'versions-115bbbac', text: 'b at 2 sockets' },
    });
    expect(v.kind).toBe('exploratory');
    expect(v.outcome).toBe('fails');
    expect(v.claim).toMatch(/^Replication of versions-115bbbac \(which measured b at 2 sockets; not a finding\): /);
    expect(v.evidence['replicates']).toBe('versions-115bbbac');
  });
});

describe('versionRows: p99 and sockets', () => {
  it('shows p99 per block with its interval, its paired ratio, and the sockets opened over the run', () => {
    const rows = versionRows([cell('a', { p99Us: 2000, opened: 1 }), cell('b', { p99Us: 3000, opened: 2 })]);
    expect(rows[0]?.p99Ms).toMatch(/^2\.00 \(2\.00–2\.00\)$/);
    expect(rows[0]?.p99VsReference).toBe('1 (reference)');
    expect(rows[1]?.p99VsReference).toMatch(/^1\.50 \(/);
    expect(rows[1]?.socketsOpened).toBe(2);
    const flagged = versionRows([cell('a'), cell('b', { p99Us: 3000, flags: ['errors'] })]);
    expect(flagged[1]?.p99VsReference).toMatch(/^— \(flagged: errors; exploratory: 1\.50/);
    expect(versionRows([{ ...cell('a'), trials: [] }])[0]?.p99Ms).toBe('–');
  });
});
