import {
  BISECT_METRICS,
  type BisectMeasure,
  type BisectStepRequest,
  bisectCandidates,
  bisectHeadlines,
  bisectMarkdown,
  bisectMetricValue,
  bisectRecordParts,
  changeOf,
  directionOf,
  expectedRuns,
  movementOf,
  pairsFromRounds,
  releaseLinks,
  requireBisectMetric,
  runBisect,
  screenIndices,
  steadyStepValues,
  stepValues,
  type VersionPairRatio,
} from '@casebook/analysis';
import { parseVersionsView } from '@casebook/procs';
import { CasebookError, type Environment, SCHEMA_VERSION, validateRecord } from '@casebook/results';
import { describe, expect, test } from 'vitest';
import { UNDICI_REGISTRY } from './fixtures/bisect-registry';

/**
 * `casebook bisect` as pure logic (packages/analysis/src/bisect.ts): the candidates (one release line by publish date,
 * from a fixture of undici's registry metadata where 7.x and 8.x are released in parallel), the search driven by a
 * fake `measure` (made-up ratios: a step, a down-and-up, an inconclusive step, a boundary the longer run does or does
 * not confirm), and the citable text and record. Nothing here measures.
 */

const candidates = (good: string, bad: string) =>
  bisectCandidates({ packageName: 'undici', good, bad, registry: UNDICI_REGISTRY });

const refusal = (good: string, bad: string): { field: string; message: string } => {
  try {
    candidates(good, bad);
  } catch (error) {
    const e = error as { field: string; message: string; code: string };
    expect(e.code).toBe('CASEBOOK_USAGE');
    return { field: e.field, message: e.message };
  }
  throw new Error(`${good} → ${bad} was not refused`);
};

describe('candidates: one release line, by publish date', () => {
  test('8.0.0 → 8.13.1: the 8.x releases between them by date; no 7.x, pre-release, backport, deprecated or later one', () => {
    const c = candidates('8.0.0', '8.13.1');
    const versions = c.versions.map((v) => v.version);
    expect(c.line).toEqual({ kind: 'same-line', goodMajor: 8, badMajor: 8, firstOfBadLine: null });
    expect(versions[0]).toBe('8.0.0');
    expect(versions[versions.length - 1]).toBe('8.13.1');
    expect(versions).toHaveLength(25);
    expect(versions.every((v) => v.startsWith('8.'))).toBe(true);
    for (const v of ['7.24.8', '7.30.2', '8.3.1', '8.10.1', '8.11.1', '8.12.0-rc.1', '8.14.0'])
      expect(versions).not.toContain(v);
    const dates = c.versions.map((v) => Date.parse(v.publishedAt));
    expect(dates).toEqual([...dates].sort((a, b) => a - b));
    const why = Object.fromEntries(c.excluded.map((x) => [x.version, x.reason]));
    expect(why['8.3.1']).toMatch(/backport.*8\.5\.0/);
    expect(why['8.10.1']).toMatch(/deprecated: a broken release/);
    expect(why['8.12.0-rc.1']).toBe('pre-release');
    expect(Object.keys(why)).not.toContain('7.30.2');
  });

  test('order is the publish date, not the version number: a backport published later is left out of the history', () => {
    const versions = candidates('8.4.1', '8.7.0').versions.map((v) => v.version);
    expect(versions).toEqual(['8.4.1', '8.5.0', '8.6.0', '8.7.0']);
    // A bad version on an older branch (8.3.1, published after 8.5.0) bisects that branch's history.
    expect(candidates('8.2.0', '8.3.1').versions.map((v) => v.version)).toEqual(['8.2.0', '8.3.0', '8.3.1']);
  });

  test('7.30.2 → 8.13.1 is refused: 7.x and 8.x are released in parallel; the message says how to bisect each line', () => {
    const r = refusal('7.30.2', '8.13.1');
    expect(r.field).toBe('--good');
    expect(r.message).toMatch(/invalid --good: "7\.30\.2"/);
    expect(r.message).toMatch(/released in parallel with 8\.x \(which began with 8\.0\.0 on 2026-04-02\)/);
    expect(r.message).toMatch(/bisect each line separately/);
    expect(r.message).toMatch(/--good 8\.0\.0 --bad 8\.13\.1/);
    expect(r.message).toMatch(/--good 7\.24\.7 --bad 8\.13\.1/);
  });

  test('7.24.7 → 8.13.1 crosses the line: the last 7.x before 8.0.0, then the 8.x line; parallel 7.x releases excluded', () => {
    const c = candidates('7.24.7', '8.13.1');
    expect(c.line).toEqual({ kind: 'consecutive-lines', goodMajor: 7, badMajor: 8, firstOfBadLine: '8.0.0' });
    const versions = c.versions.map((v) => v.version);
    expect(versions.slice(0, 3)).toEqual(['7.24.7', '8.0.0', '8.0.1']);
    expect(versions).toHaveLength(26);
    expect(versions.filter((v) => v.startsWith('7.'))).toEqual(['7.24.7']);
    const why = Object.fromEntries(c.excluded.map((x) => [x.version, x.reason]));
    expect(why['7.30.2']).toMatch(/7\.x line, released in parallel with 8\.x/);
    expect(why['8.3.1']).toMatch(/backport/);
  });

  test('a skipped major is inside the line-change step: 6.24.1 (the last 6.x before 8.0.0) → 8.13.1', () => {
    const c = candidates('6.24.1', '8.13.1');
    expect(c.line).toEqual({ kind: 'consecutive-lines', goodMajor: 6, badMajor: 8, firstOfBadLine: '8.0.0' });
    expect(c.versions.slice(0, 2).map((v) => v.version)).toEqual(['6.24.1', '8.0.0']);
  });

  test('Node: ordered by version within one major (its packages carry upload times, not release dates)', () => {
    const registry = {
      time: {
        '22.11.0': '2024-12-13T02:16:49.460Z',
        '22.12.0': '2024-12-07T08:34:26.459Z',
        '22.13.1': '2025-10-01T23:43:52.033Z',
        '22.13.0': '2025-10-02T00:58:20.713Z',
        '22.14.0': '2025-10-02T05:25:26.092Z',
        '24.0.0': '2026-04-03T07:25:14.427Z',
      },
      published: ['22.11.0', '22.12.0', '22.13.0', '22.13.1', '22.14.0', '24.0.0'],
      deprecated: {},
    };
    const node = (good: string, bad: string) =>
      bisectCandidates({ packageName: 'node', good, bad, registry, order: 'version' });
    expect(node('22.11.0', '22.14.0').versions.map((v) => v.version)).toEqual([
      '22.11.0',
      '22.12.0',
      '22.13.0',
      '22.13.1',
      '22.14.0',
    ]);
    expect(() => node('24.0.0', '22.14.0')).toThrow(/invalid --good: "24\.0\.0" \(a later release than --bad/);
    expect(() => node('22.14.0', '22.11.0')).toThrow(/invalid --good: "22\.14\.0" \(a later release than --bad/);
  });

  test('Node across majors: the main line (odd majors, even x.0.0), the first step a line change from a maintenance branch', () => {
    const versions = ['22.13.0', '22.14.0', '22.15.0', '23.0.0', '23.1.0', '23.1.0-rc.1', '24.0.0', '24.1.0', '24.2.0'];
    const registry = {
      time: Object.fromEntries(versions.map((v, i) => [v, new Date(Date.UTC(2025, 0, 1 + i)).toISOString()])),
      published: versions,
      deprecated: { '23.1.0': 'use 23.1.1' },
    };
    const node = (good: string, bad: string) =>
      bisectCandidates({ packageName: 'node', good, bad, registry, order: 'version' });
    const even = node('22.14.0', '24.2.0');
    expect(even.versions.map((v) => v.version)).toEqual(['22.14.0', '23.0.0', '24.0.0', '24.1.0', '24.2.0']);
    expect(even.line).toEqual({ kind: 'consecutive-lines', goodMajor: 22, badMajor: 24, firstOfBadLine: '23.0.0' });
    const why = Object.fromEntries(even.excluded.map((e) => [e.version, e.reason]));
    expect(why['22.15.0']).toMatch(/22\.x's maintenance branch/);
    expect(why['23.1.0']).toMatch(/deprecated/);
    // From an odd major (main's own releases): no line change, the rest of that major first.
    const fromOdd = node('23.0.0', '24.1.0');
    expect(fromOdd.versions.map((v) => v.version)).toEqual(['23.0.0', '24.0.0', '24.1.0']);
    expect(fromOdd.line.kind).toBe('same-line');
  });

  test('bad input: each refusal names the field and the value', () => {
    expect(refusal('8.0.0', '8.0.0')).toMatchObject({
      field: '--bad',
      message: expect.stringMatching(/nothing lies between/),
    });
    expect(refusal('8.11.1', '8.13.1')).toMatchObject({
      field: '--good',
      message: expect.stringMatching(/"8\.11\.1".*not published/),
    });
    expect(refusal('8.0.0', '8.99.0')).toMatchObject({
      field: '--bad',
      message: expect.stringMatching(/not published/),
    });
    expect(refusal('8.x', '8.13.1')).toMatchObject({ field: '--good', message: expect.stringMatching(/exact/) });
    expect(refusal('8.0.0', '8.12.0-rc.1')).toMatchObject({
      field: '--bad',
      message: expect.stringMatching(/pre-release/),
    });
    expect(refusal('8.13.1', '8.0.0')).toMatchObject({
      field: '--good',
      message: expect.stringMatching(/not before --bad/),
    });
    expect(refusal('8.5.0', '8.3.1')).toMatchObject({ field: '--bad', message: expect.stringMatching(/backport/) });
    expect(refusal('6.25.0', '8.13.1')).toMatchObject({
      field: '--good',
      message: expect.stringMatching(/6\.x line, released in parallel with 8\.x.*--good 6\.24\.1 --bad 8\.13\.1/),
    });
    expect(refusal('7.17.0', '8.13.1')).toMatchObject({ field: '--good', message: expect.stringMatching(/parallel/) });
    expect(() => requireBisectMetric('speed')).toThrow(/invalid --metric: "speed" \(expected one of throughput, p99/);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The search, on made-up ratios

const VERSIONS = Array.from({ length: 20 }, (_, i) => `8.${i}.0`);
const ROUNDS = { screen: 6, step: 6, confirm: 12 };

/**
 * A fake world: each version's true metric, measured with a relative half-width `width(request)` (default 1 %) at
 * 98 % coverage; every pair of the step is returned, older / newer.
 */
function fakeMeasure(
  value: (v: string) => number,
  width: (r: BisectStepRequest) => number = () => 0.01,
): { measure: BisectMeasure; calls: BisectStepRequest[] } {
  const calls: BisectStepRequest[] = [];
  const measure: BisectMeasure = async (request) => {
    calls.push(request);
    const w = width(request);
    const pairs: VersionPairRatio[] = [];
    for (const [i, older] of request.versions.entries())
      for (const newer of request.versions.slice(i + 1)) {
        const r = value(older) / value(newer);
        pairs.push({
          older,
          newer,
          ratio: { median: r, low: r * (1 - w), high: r * (1 + w), coverage: 0.98 },
          compared: true,
        });
      }
    return { pairs };
  };
  return { measure, calls };
}

const ctx = { packageName: 'undici', client: 'undici-request', metric: 'throughput' as const };

describe('the search', () => {
  test('a monotonic step over 20 versions: one boundary, confirmed, in about log2(20) + 2 runs', async () => {
    const { measure, calls } = fakeMeasure((v) => (VERSIONS.indexOf(v) >= 11 ? 80 : 100));
    const r = await runBisect({ versions: VERSIONS, measure, rounds: ROUNDS });
    expect(r.boundaries).toHaveLength(1);
    expect(r.boundaries[0]).toMatchObject({ older: '8.10.0', newer: '8.11.0', movement: 'down', lineBoundary: false });
    expect(r.boundaries[0]?.confirmation?.confirmed).toBe(true);
    expect(r.unresolved).toEqual([]);
    expect(r.nonMonotonic).toBe(false);
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(Math.log2(20)) + 2);
    expect(calls.length).toBe(expectedRuns(20));
    expect(calls[0]).toMatchObject({ purpose: 'screen', versions: ['8.0.0', '8.6.0', '8.13.0', '8.19.0'], rounds: 6 });
    expect(calls[calls.length - 1]).toMatchObject({ purpose: 'confirm', versions: ['8.10.0', '8.11.0'], rounds: 12 });
    expect(calls.filter((c) => c.purpose === 'search').every((c) => c.versions.length === 3)).toBe(true);
    const [line] = bisectHeadlines(r, ctx);
    expect(line).toMatch(
      /^undici-request throughput regressed \(throughput lower\) between undici 8\.10\.0 and 8\.11\.0 by 20\.0 % \(\d+\.\d % interval 19\.\d–20\.\d %, paired per round; confirmed by a longer run \(step 5\)\)$/,
    );
  });

  test('down then up again: the screen sees both, every boundary is reported and the result says it is not monotonic', async () => {
    const { measure } = fakeMeasure((v) => {
      const i = VERSIONS.indexOf(v);
      return i >= 5 && i < 15 ? 80 : 100;
    });
    const r = await runBisect({ versions: VERSIONS, measure, rounds: ROUNDS });
    // good and bad alone look the same: a bisect of the ends would find nothing.
    expect(r.ends?.movement).toBeNull();
    expect(r.nonMonotonic).toBe(true);
    expect(r.boundaries.map((b) => [b.older, b.newer, b.movement])).toEqual([
      ['8.4.0', '8.5.0', 'down'],
      ['8.14.0', '8.15.0', 'up'],
    ]);
    expect(r.boundaries.map((b) => directionOf('throughput', b.movement))).toEqual(['regressed', 'improved']);
    const lines = bisectHeadlines(r, ctx);
    expect(lines[0]).toMatch(/^Not monotonic: throughput moved both up and down across 8\.0\.0 … 8\.19\.0/);
    expect(lines[1]).toMatch(/regressed .* between undici 8\.4\.0 and 8\.5\.0 by 20\.0 %/);
    expect(lines[2]).toMatch(/improved .* between undici 8\.14\.0 and 8\.15\.0 by 25\.0 %/);
  });

  test('an inconclusive step is retried once with twice the rounds, then reported unresolved', async () => {
    const { measure, calls } = fakeMeasure(
      (v) => (VERSIONS.indexOf(v) >= 11 ? 80 : 100),
      (req) => (req.purpose === 'screen' ? 0.01 : 0.5),
    );
    const r = await runBisect({ versions: VERSIONS, measure, rounds: ROUNDS });
    expect(calls.map((c) => [c.purpose, c.rounds])).toEqual([
      ['screen', 6],
      ['search', 6],
      ['retry', 12],
    ]);
    expect(calls[2]?.versions).toEqual(calls[1]?.versions);
    expect(r.boundaries).toEqual([]);
    expect(r.unresolved).toEqual([
      {
        older: '8.6.0',
        newer: '8.13.0',
        reason: expect.stringMatching(/neither half resolved a movement in step 2 nor in its retry \(step 3\)/),
      },
    ]);
    expect(bisectHeadlines(r, ctx)).toEqual([
      expect.stringMatching(/^Unresolved between undici 8\.6\.0 and 8\.13\.0: /),
    ]);
  });

  test('an inconclusive step resolved by its retry: the search goes on and finds the boundary', async () => {
    let searches = 0;
    const { measure, calls } = fakeMeasure(
      (v) => (VERSIONS.indexOf(v) >= 11 ? 80 : 100),
      (req) => (req.purpose === 'search' && searches++ === 0 ? 0.5 : 0.01),
    );
    const r = await runBisect({ versions: VERSIONS, measure, rounds: ROUNDS });
    expect(calls.map((c) => c.purpose).slice(0, 3)).toEqual(['screen', 'search', 'retry']);
    expect(r.boundaries.map((b) => [b.older, b.newer])).toEqual([['8.10.0', '8.11.0']]);
  });

  test('a pair the longer run does not confirm is no boundary: it is unresolved, with both runs named', async () => {
    const { measure } = fakeMeasure(
      (v) => (VERSIONS.indexOf(v) >= 11 ? 80 : 100),
      (req) => (req.purpose === 'confirm' ? 0.5 : 0.01),
    );
    const r = await runBisect({ versions: VERSIONS, measure, rounds: ROUNDS });
    expect(r.boundaries).toEqual([]);
    expect(r.nonMonotonic).toBe(false);
    expect(r.unresolved).toEqual([
      expect.objectContaining({
        older: '8.10.0',
        newer: '8.11.0',
        reason: expect.stringMatching(/step 4 found it moved down .*did not confirm it/),
      }),
    ]);
    expect(bisectHeadlines(r, ctx)[0]).toMatch(/^Unresolved between undici 8\.10\.0 and 8\.11\.0: /);
  });

  test('no movement between good and bad: no boundary resolved, one run', async () => {
    const { measure, calls } = fakeMeasure(() => 100);
    const r = await runBisect({ versions: VERSIONS, measure, rounds: ROUNDS });
    expect(calls).toHaveLength(1);
    expect(r.boundaries).toEqual([]);
    expect(bisectHeadlines(r, ctx)).toEqual([
      expect.stringMatching(/^No boundary resolved between undici 8\.0\.0 and 8\.19\.0/),
    ]);
  });

  test('ends moved but no screened segment did (a gradual change): the screen is retried, then unresolved', async () => {
    // 1 % per version: each screened segment moves ~6 %, inside a ±8 % interval; the ends move ~18 %.
    const { measure, calls } = fakeMeasure(
      (v) => 100 * 0.99 ** VERSIONS.indexOf(v),
      () => 0.08,
    );
    const r = await runBisect({ versions: VERSIONS, measure, rounds: ROUNDS });
    expect(calls.map((c) => [c.purpose, c.rounds])).toEqual([
      ['screen', 6],
      ['retry', 12],
    ]);
    expect(r.unresolved).toEqual([
      { older: '8.0.0', newer: '8.19.0', reason: expect.stringMatching(/gradual change/) },
    ]);
  });

  test('across a line change the first screened segment is the line boundary', async () => {
    const versions = ['7.24.7', '8.0.0', '8.0.1', '8.0.2', '8.0.3', '8.1.0'];
    const { measure, calls } = fakeMeasure((v) => (v.startsWith('7.') ? 100 : 90));
    const r = await runBisect({ versions, measure, rounds: ROUNDS, lineBoundary: true });
    expect(screenIndices(versions.length, 4, true)).toEqual([0, 1, 2, 4, 5]);
    expect(calls[0]?.versions.slice(0, 2)).toEqual(['7.24.7', '8.0.0']);
    expect(r.boundaries).toEqual([expect.objectContaining({ older: '7.24.7', newer: '8.0.0', lineBoundary: true })]);
    expect(bisectHeadlines(r, ctx)[0]).toMatch(
      /between undici 7\.24\.7 and 8\.0\.0, across the line change 7\.x → 8\.x by 10\.0 %/,
    );
  });

  test('the run budget stops a search and says so', async () => {
    const { measure, calls } = fakeMeasure((v) => (VERSIONS.indexOf(v) >= 11 ? 80 : 100));
    const r = await runBisect({ versions: VERSIONS, measure, rounds: ROUNDS, maxRuns: 2 });
    expect(calls).toHaveLength(2);
    expect(r.unresolved[0]?.reason).toMatch(/run budget \(2 runs\)/);
  });
});

describe('metrics, ratios, links', () => {
  test('direction: lower is better for p99, CPU, sockets and RSS; higher for throughput', () => {
    expect(directionOf('throughput', 'down')).toBe('regressed');
    expect(directionOf('p99', 'up')).toBe('regressed');
    expect(directionOf('cpu-per-request', 'down')).toBe('improved');
    expect(directionOf('rss', 'up')).toBe('regressed');
    expect(Object.keys(BISECT_METRICS)).toEqual(['throughput', 'p99', 'cpu-per-request', 'sockets-opened', 'rss']);
  });

  test('each metric read from a bench record; RSS from the worker reading, or null when the record has none', () => {
    const record = {
      throughputRps: 5000,
      latencyMs: { p99: 12.5 },
      cpuMicrosPerRequest: 40,
      target: { connectionsOpened: 64 },
      client: { settings: { rssBytesAtFinish: 90_000_000 } as Record<string, unknown> },
    };
    expect(bisectMetricValue(record, 'throughput')).toBe(5000);
    expect(bisectMetricValue(record, 'p99')).toBe(12.5);
    expect(bisectMetricValue(record, 'cpu-per-request')).toBe(40);
    expect(bisectMetricValue(record, 'sockets-opened')).toBe(64);
    expect(bisectMetricValue(record, 'rss')).toBe(90_000_000);
    expect(bisectMetricValue({ ...record, client: { settings: {} } }, 'rss')).toBeNull();
    expect(
      bisectMetricValue({ ...record, client: { settings: { process: { atFinish: { rssBytes: 7 } } } } }, 'rss'),
    ).toBe(7);
  });

  test("a step's runs to values per version and round: failed or errored rounds, and rounds never run, are null", () => {
    const run = (throughputRps: number, status = 'completed', errors = 0) => ({
      status,
      errors: { total: errors },
      throughputRps,
      latencyMs: { p99: 1 },
      cpuMicrosPerRequest: 1,
      target: { connectionsOpened: 1 },
      client: { settings: {} },
    });
    const values = stepValues(
      ['8.4.1', '8.5.0'],
      3,
      [
        { version: '8.4.1', round: 0, record: run(100) },
        { version: '8.5.0', round: 0, record: run(80) },
        { version: '8.4.1', round: 1, record: run(101, 'errored') },
        { version: '8.5.0', round: 1, record: run(81, 'completed', 3) },
        { version: '8.4.1', round: 2, record: run(102) },
        { version: '9.0.0', round: 2, record: run(1) },
        { version: '8.5.0', round: 7, record: run(1) },
      ],
      'throughput',
    );
    expect(values).toEqual({ '8.4.1': [100, null, 102], '8.5.0': [80, null, null] });
  });

  test('pairs from per-round values: older / newer, paired by round; a failed round makes the pair not compared', () => {
    const values = { a: [100, 100, 100, 100, 100, 100], b: [80, 80, 80, 80, 80, 80], c: [80, null, 80, 80, 80, 80] };
    const pairs = pairsFromRounds(['a', 'b', 'c'], values);
    expect(pairs.map((p) => [p.older, p.newer])).toEqual([
      ['a', 'b'],
      ['a', 'c'],
      ['b', 'c'],
    ]);
    expect(pairs[0]).toMatchObject({ compared: true, ratio: { median: 1.25, low: 1.25, high: 1.25 } });
    expect(movementOf(pairs[0] as VersionPairRatio)).toBe('down');
    expect(pairs[1]?.compared).toBe(false);
    expect(movementOf(pairs[1] as VersionPairRatio)).toBeNull();
    expect(changeOf({ median: 1.25, low: 1.2, high: 1.3, coverage: 0.98 })).toMatchObject({
      median: 0.8,
      low: 1 / 1.3,
    });
    expect(pairsFromRounds(['a', 'b'], { a: [null], b: [1] })[0]).toMatchObject({
      compared: false,
      ratio: { coverage: 0 },
    });
  });

  test('compare and release links per package', () => {
    expect(releaseLinks('undici', '8.4.1', '8.5.0')).toEqual({
      compare: 'https://github.com/nodejs/undici/compare/v8.4.1...v8.5.0',
      release: 'https://github.com/nodejs/undici/releases/tag/v8.5.0',
    });
    expect(releaseLinks('got', '14.0.0', '14.1.0')?.compare).toBe(
      'https://github.com/sindresorhus/got/compare/v14.0.0...v14.1.0',
    );
    expect(releaseLinks('axios', '1.7.0', '1.7.1')?.release).toBe('https://github.com/axios/axios/releases/tag/v1.7.1');
    expect(releaseLinks('node', '22.11.0', '22.12.0')?.compare).toBe(
      'https://github.com/nodejs/node/compare/v22.11.0...v22.12.0',
    );
    expect(releaseLinks('left-pad', '1.0.0', '1.1.0')).toBeNull();
  });

  test('npm view of versions and deprecations: strings, objects, a single value', () => {
    expect(parseVersionsView('["8.0.0","8.0.1"]')).toEqual({ published: ['8.0.0', '8.0.1'], deprecated: {} });
    expect(parseVersionsView('[{"version":"1.0.0","deprecated":"old"},{"version":"1.0.1"}]')).toEqual({
      published: ['1.0.0', '1.0.1'],
      deprecated: { '1.0.0': 'old' },
    });
    expect(parseVersionsView('"3.0.0"')).toEqual({ published: ['3.0.0'], deprecated: {} });
    expect(parseVersionsView('')).toEqual({ published: [], deprecated: {} });
  });
});

describe('a search that stops before its end', () => {
  /** Down from 8.5.0, up again from 8.15.0: two brackets, narrowed one after the other. */
  const downThenUp = (v: string) => {
    const i = VERSIONS.indexOf(v);
    return i >= 5 && i < 15 ? 80 : 100;
  };

  test('a step that throws: errored, naming the step; the steps before it, the boundary confirmed so far, the other bracket not narrowed', async () => {
    const { measure: fake } = fakeMeasure(downThenUp);
    const measure: BisectMeasure = async (request) => {
      if (request.index === 6) throw new CasebookError('CASEBOOK_VERSION_STORE', 'npm install undici@8.16.0 failed');
      return fake(request);
    };
    const r = await runBisect({ versions: VERSIONS, measure, rounds: ROUNDS });
    expect(r.status).toBe('errored');
    expect(r.error).toEqual({
      code: 'CASEBOOK_VERSION_STORE',
      message: 'step 6 (search of 8.13.0, 8.16.0, 8.19.0, 6 rounds) failed: npm install undici@8.16.0 failed',
    });
    expect(r.steps.map((s) => [s.index, s.purpose])).toEqual([
      [1, 'screen'],
      [2, 'search'],
      [3, 'search'],
      [4, 'search'],
      [5, 'confirm'],
    ]);
    expect(r.runs).toBe(5);
    expect(r.boundaries.map((b) => [b.older, b.newer, b.movement])).toEqual([['8.4.0', '8.5.0', 'down']]);
    expect(r.unresolved).toEqual([
      {
        older: '8.13.0',
        newer: '8.19.0',
        reason: expect.stringMatching(
          /^step 1 found it moved up .*; the search stopped before this bracket was narrowed$/,
        ),
      },
    ]);
    // One direction confirmed so far: nothing says the metric is monotonic or not over the range.
    expect(r.nonMonotonic).toBe(false);
    const lines = bisectHeadlines(r, ctx);
    expect(lines[0]).toMatch(
      /^Stopped by an error \(CASEBOOK_VERSION_STORE: step 6 \(search of .*\) failed: .*\) after 5 of at most \d+ runs: the search of undici 8\.0\.0 … 8\.19\.0 did not finish, so this record makes no claim about that range/,
    );
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(
        /^Found before the search stopped: undici-request throughput regressed .* between undici 8\.4\.0 and 8\.5\.0 .*confirmed by a longer run \(step 5\)/,
      ),
      expect.stringMatching(
        /^Found before the search stopped: Unresolved between undici 8\.13\.0 and 8\.19\.0: step 1 /,
      ),
    ]);
    expect(lines.join('\n')).not.toMatch(/No boundary resolved/);
    expect(bisectMarkdown(r, { ...ctx, reproduce: 'x' })).toMatch(
      /^## undici bisect: throughput \(undici-request\) — errored\n/,
    );
  });

  test('aborted during the screen: interrupted before step 2, with the screen and the segments it found moving', async () => {
    const controller = new AbortController();
    const { measure: fake, calls } = fakeMeasure(downThenUp);
    const measure: BisectMeasure = async (request) => {
      const measured = await fake(request);
      if (request.index === 1) controller.abort(new Error('SIGINT'));
      return measured;
    };
    const r = await runBisect({ versions: VERSIONS, measure, rounds: ROUNDS, signal: controller.signal });
    expect(calls).toHaveLength(1);
    expect(r.status).toBe('interrupted');
    expect(r.error).toEqual({
      code: 'CASEBOOK_INTERRUPTED',
      message: 'SIGINT before step 2 (search of 8.0.0, 8.3.0, 8.6.0, 6 rounds)',
    });
    expect(r.steps).toHaveLength(1);
    expect(r.steps[0]).toMatchObject({ purpose: 'screen', outcome: expect.stringMatching(/^2 segments moved: /) });
    expect(r.boundaries).toEqual([]);
    expect(r.unresolved.map((u) => [u.older, u.newer])).toEqual([
      ['8.0.0', '8.6.0'],
      ['8.13.0', '8.19.0'],
    ]);
    expect(bisectHeadlines(r, ctx)[0]).toMatch(/^Interrupted \(CASEBOOK_INTERRUPTED: SIGINT before step 2 /);
  });

  test('a step that throws CASEBOOK_INTERRUPTED (its run was stopped) interrupts the search; nothing measured: no claim', async () => {
    const measure: BisectMeasure = async () => {
      throw new CasebookError('CASEBOOK_INTERRUPTED', 'the run was stopped');
    };
    const r = await runBisect({ versions: VERSIONS, measure, rounds: ROUNDS });
    expect(r).toMatchObject({
      status: 'interrupted',
      error: {
        code: 'CASEBOOK_INTERRUPTED',
        message: expect.stringMatching(/^the run was stopped \(step 1 \(screen of /),
      },
      steps: [],
      boundaries: [],
      unresolved: [],
      runs: 0,
    });
    const lines = bisectHeadlines(r, ctx);
    expect(lines).toEqual([expect.stringMatching(/^Interrupted .* after 0 of at most \d+ runs/)]);
  });

  test('before each step, the search so far as a stopped result: what a record written then says if the process ends in that step', async () => {
    const { measure } = fakeMeasure((v) => (VERSIONS.indexOf(v) >= 11 ? 80 : 100));
    const seen: { running: number; status: string; steps: number; message: string }[] = [];
    const r = await runBisect({
      versions: VERSIONS,
      measure,
      rounds: ROUNDS,
      onProgress: (sofar, running) =>
        seen.push({
          running: running.index,
          status: sofar.status,
          steps: sofar.steps.length,
          message: sofar.error?.message ?? '',
        }),
    });
    expect(r.status).toBe('completed');
    expect(r.error).toBeNull();
    expect(seen.map(({ running, status, steps }) => [running, status, steps])).toEqual(
      r.steps.map((s) => [s.index, 'interrupted', s.index - 1]),
    );
    expect(seen[1]?.message).toMatch(
      /^stopped during step 2 \(search of 8\.6\.0, 8\.9\.0, 8\.13\.0, 6 rounds\), before the search ended/,
    );
  });
});

describe('the record', () => {
  const environment: Environment = {
    node: 'v24.0.0',
    v8: '13.6',
    platform: 'linux',
    arch: 'x64',
    osRelease: '6.1.0',
    cpuModel: 'Test CPU',
    cpuCores: 2,
    totalMemoryBytes: 8 * 1024 ** 3,
    machineId: '0123456789abcdef',
    machineIdPersistent: true,
    uvThreadpoolSize: null,
    pinning: { method: 'taskset', reason: 'test', clientCpu: 0, targetCpu: 1, others: {} },
    clientVersions: { undici: '8.13.1' },
    git: { commit: 'a'.repeat(40), dirty: false },
    limits: null,
  };

  test('a search made into a record validates against the bisect schema; its markdown cites, links and reproduces', async () => {
    const c = candidates('8.0.0', '8.13.1');
    const versions = c.versions.map((v) => v.version);
    const { measure } = fakeMeasure((v) => (versions.indexOf(v) >= 10 ? 80 : 100));
    const result = await runBisect({ versions, measure, rounds: ROUNDS });
    const reproduce = 'npx casebook bisect --package undici --good 8.0.0 --bad 8.13.1 --metric throughput';
    const parts = bisectRecordParts(result, { ...ctx, reproduce }, (s) => ({
      seed: s.index,
      folder: `steps/0${s.index}-${s.purpose}`,
      runIds: ['bench-0000abcd'],
      values: Object.fromEntries(s.versions.map((v) => [v, [1, null]])),
    }));
    const record = bisectRecordOf(c, parts, reproduce, environment);
    expect(validateRecord(JSON.parse(JSON.stringify(record)))).toMatchObject({ kind: 'bisect' });
    expect(parts.boundaries).toEqual([
      expect.objectContaining({
        older: '8.5.0',
        newer: '8.6.0',
        direction: 'regressed',
        compareUrl: 'https://github.com/nodejs/undici/compare/v8.5.0...v8.6.0',
        releaseUrl: 'https://github.com/nodejs/undici/releases/tag/v8.6.0',
      }),
    ]);
    expect(parts.steps[0]?.measurements[0]).toEqual({ version: '8.0.0', values: [1, null], median: 1 });
    const md = bisectMarkdown(result, { ...ctx, reproduce });
    expect(md).toMatch(
      /regressed \(throughput lower\) between undici 8\.5\.0 and 8\.6\.0 by 20\.0 % \(\d+\.\d % interval/,
    );
    expect(md).toContain('[compare](https://github.com/nodejs/undici/compare/v8.5.0...v8.6.0)');
    expect(md).toContain(`Reproduce: \`${reproduce}\``);
    expect(parts.summary).toBe(md);
  });

  test('a stopped search made into a record validates, says so (status, error, summary) and keeps the steps it completed', async () => {
    const c = candidates('8.0.0', '8.13.1');
    const versions = c.versions.map((v) => v.version);
    const { measure: fake } = fakeMeasure((v) => (versions.indexOf(v) >= 10 ? 80 : 100));
    const measure: BisectMeasure = async (request) => {
      if (request.index === 2) throw new CasebookError('CASEBOOK_RUN', 'bisect: no record for undici@8.4.1');
      return fake(request);
    };
    const result = await runBisect({ versions, measure, rounds: ROUNDS });
    const reproduce = 'npx casebook bisect --package undici --good 8.0.0 --bad 8.13.1';
    const parts = bisectRecordParts(result, { ...ctx, reproduce }, (s) => ({
      seed: s.index,
      folder: `steps/0${s.index}-${s.purpose}`,
      runIds: ['bench-0000abcd'],
      values: Object.fromEntries(s.versions.map((v) => [v, [100]])),
    }));
    expect(parts).toMatchObject({
      status: 'errored',
      error: {
        code: 'CASEBOOK_RUN',
        message: expect.stringMatching(/^step 2 \(search of .*\) failed: bisect: no record/),
      },
      runs: 1,
      boundaries: [],
    });
    expect(parts.steps).toHaveLength(1);
    expect(parts.steps[0]).toMatchObject({ index: 1, purpose: 'screen', folder: 'steps/01-screen' });
    expect(parts.unresolved).toHaveLength(1);
    expect(parts.summary).toMatch(
      /^## undici bisect: throughput \(undici-request\) — errored\n\n- Stopped by an error /,
    );
    const record = bisectRecordOf(c, parts, reproduce, environment);
    expect(validateRecord(JSON.parse(JSON.stringify(record)))).toMatchObject({ kind: 'bisect', status: 'errored' });
  });
});

describe('steady-state steps', () => {
  const blocks = (xs: number[]) => xs.map((x, round) => ({ round, throughputRps: x, cpuMicrosPerRequest: 1e6 / x }));
  const rec = (xs: number[], extra: Record<string, unknown> = {}) => ({
    status: 'completed',
    method: { blocks: blocks(xs) },
    guards: { flags: [], rankable: true },
    ...extra,
  });

  test("one value per round from that round's block; throughput or CPU per request", () => {
    const v = steadyStepValues(
      ['8.0.0', '8.13.1'],
      3,
      [
        { version: '8.0.0', record: rec([1000, 1010, 990]) },
        { version: '8.13.1', record: rec([800, 810, 790]) },
      ],
      'throughput',
    );
    expect(v).toEqual({ '8.0.0': [1000, 1010, 990], '8.13.1': [800, 810, 790] });
    const cpu = steadyStepValues(['8.0.0'], 1, [{ version: '8.0.0', record: rec([500]) }], 'cpu-per-request');
    expect(cpu['8.0.0']).toEqual([2000]);
  });

  test('a flagged or errored measurement gives no values (the pair is then unresolved), a missing round stays null', () => {
    const v = steadyStepValues(
      ['a', 'b', 'c'],
      3,
      [
        { version: 'a', record: rec([1000, 1000, 1000], { guards: { flags: ['not steady'], rankable: false } }) },
        { version: 'b', record: rec([1000, 1000, 1000], { status: 'errored' }) },
        { version: 'c', record: rec([1000, 1000]) },
      ],
      'throughput',
    );
    expect(v).toEqual({ a: [null, null, null], b: [null, null, null], c: [1000, 1000, null] });
    const pairs = pairsFromRounds(['a', 'c'], v);
    expect(movementOf(pairs[0] as VersionPairRatio)).toBeNull();
  });

  test('metrics the blocks do not record are refused', () => {
    expect(() => steadyStepValues(['a'], 1, [], 'p99')).toThrow(/not p99/);
  });
});

/** A whole bisect record around the search's parts, as `casebook bisect` writes it (for schema validation). */
function bisectRecordOf(
  c: { good: unknown; bad: unknown; line: unknown; versions: unknown; excluded: unknown },
  parts: object,
  reproduce: string,
  environment: unknown,
) {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'bisect',
    runId: 'bisect-12345678',
    createdAt: '2026-12-01T00:00:00.000Z',
    package: 'undici',
    client: 'undici-request',
    metric: { name: 'throughput', ...BISECT_METRICS.throughput },
    good: c.good,
    bad: c.bad,
    line: c.line,
    candidates: c.versions,
    excluded: c.excluded,
    scenario: { concurrency: 32, requests: 2000, trials: 1, node: 'workspace' },
    profile: 'smoke',
    seed: 1,
    rounds: ROUNDS,
    ...parts,
    reproduce: { command: reproduce, args: reproduce.split(' ').slice(2) },
    environment,
  };
}
