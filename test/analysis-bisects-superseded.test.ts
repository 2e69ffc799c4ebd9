import * as path from 'node:path';
import {
  bisectMeasurementKey,
  bisectSummaryLines,
  bisectSupersededBy,
  isCompleteBisect,
  isOneProcessBisect,
  rangeOnRecord,
} from '@casebook/analysis';
import { committedBisects } from '@casebook/study';
import { describe, expect, it } from 'vitest';

/**
 * The rule stated before the next run after the 3-process bisects of 6 December 2026 (bisects-superseded.ts): a bisect
 * record that ran one client process per version is superseded when a complete record of 3 or more processes per
 * version, of the same package, client, scenario and metric, covers its range; notebook 07's list then names that
 * record and lists nothing of the superseded one as a finding. On both sides, with made-up records, then over the
 * committed ones. Pure: no process is started, the committed records are only read.
 */

const repo = path.resolve(__dirname, '..');
const MACHINE = 'c6b1b4ab37fa2537';
/** The scenario every committed steady-state undici bisect at 512 in flight recorded. */
const SCENARIO = { concurrency: 512, target: { keepAliveTimeoutMs: 600_000 }, method: 'steady', node: 'workspace' };
/** A Node bisect's scenario: the client's version held at the workspace's, no `node` (Node is what is searched). */
const NODE_SCENARIO = {
  concurrency: 512,
  target: { keepAliveTimeoutMs: 600_000 },
  method: 'steady',
  clientVersion: 'workspace',
};

/** A made-up bisect on record: `undici-request` throughput at 512 in flight, completed, unless told otherwise. */
function onRecord(
  folder: string,
  good: string,
  bad: string,
  options: {
    processes?: number;
    status?: 'completed' | 'interrupted' | 'errored';
    packageName?: string;
    client?: string;
    metric?: string;
    scenario?: Record<string, unknown>;
    boundaries?: { older: string; newer: string; confirmation: { confirmed: boolean } | null }[];
  } = {},
) {
  return {
    file: `results/bisect/${folder}/bisect.json`,
    record: {
      package: options.packageName ?? 'undici',
      client: options.client ?? 'undici-request',
      metric: { name: options.metric ?? 'throughput' },
      scenario: options.scenario ?? SCENARIO,
      processes: options.processes === undefined ? undefined : { perVersion: options.processes },
      status: options.status ?? 'completed',
      good: { version: good },
      bad: { version: bad },
      environment: { node: 'v24.21.0', machineId: MACHINE },
      boundaries: options.boundaries ?? [],
    },
  };
}

const CONFIRMED = (older: string, newer: string) => [{ older, newer, confirmation: { confirmed: true } }];
const one = onRecord('undici-throughput-c512-8.6.0-8.7.0-2026-12-05', '8.6.0', '8.7.0', {
  boundaries: CONFIRMED('8.6.0', '8.7.0'),
});
const three = onRecord('undici-throughput-c512-8.6.0-8.7.0-3proc-2026-12-06', '8.6.0', '8.7.0', { processes: 3 });
const files = (bs: readonly { file: string }[]) => bs.map((b) => b.file);

describe('fires: a one-process record covered by a complete multi-process one', () => {
  it('the same range, 3 processes per version: superseded, naming that record', () => {
    expect(files(bisectSupersededBy(one.record, [one, three]))).toEqual([three.file]);
  });

  it('a wider range contains it; the narrowest is named first; more processes count too', () => {
    const wider = onRecord('undici-throughput-c512-8.0.0-8.13.1-3proc', '8.0.0', '8.13.1', { processes: 3 });
    const six = onRecord('undici-throughput-c512-8.5.0-8.8.0-6proc', '8.5.0', '8.8.0', { processes: 6 });
    const by = bisectSupersededBy(one.record, [wider, one, three, six]);
    expect(files(by)).toEqual([three.file, six.file, wider.file]);
    expect(files(bisectSupersededBy(one.record, [wider]))).toEqual([wider.file]);
  });

  it('a record written before the status field is complete; Node versions with a leading v compare as releases', () => {
    const unstated = { ...three, record: { ...three.record, status: undefined } };
    expect(isCompleteBisect(unstated)).toBe(true);
    expect(files(bisectSupersededBy(one.record, [unstated]))).toEqual([three.file]);
    const node = (folder: string, good: string, bad: string, processes?: number) =>
      onRecord(folder, good, bad, {
        packageName: 'node',
        client: 'node-http',
        scenario: NODE_SCENARIO,
        ...(processes === undefined ? {} : { processes }),
      });
    const nodeOne = node('node-throughput-c512-24.21.0-26.10.0', 'v24.21.0', 'v26.10.0');
    const nodeThree = node('node-throughput-c512-22.23.3-26.10.0-3proc', '22.23.3', '26.10.0', 3);
    expect(files(bisectSupersededBy(nodeOne.record, [nodeThree]))).toEqual([nodeThree.file]);
  });

  it("the workspace's Node and the same Node named exactly are one scenario", () => {
    const exact = { ...three, record: { ...three.record, scenario: { ...SCENARIO, node: '24.21.0' } } };
    expect(bisectMeasurementKey(exact.record)).toBe(bisectMeasurementKey(three.record));
    expect(files(bisectSupersededBy(one.record, [exact]))).toEqual([three.file]);
    const other = { ...three, record: { ...three.record, environment: { node: 'v26.10.0', machineId: MACHINE } } };
    expect(bisectSupersededBy(one.record, [other])).toEqual([]);
  });

  it('the list names the superseding record and marks every line of the superseded one, never a finding', () => {
    const listed = {
      ...one.record,
      steps: [],
      summary:
        '## undici bisect\n\n- undici-request throughput improved (throughput higher) between undici 8.6.0 and 8.7.0 by 17.3 % (95.9 % interval 7.7–26.3 %, paired per round; confirmed by a longer run (step 2))\n- 8.6.0 → 8.7.0: [compare](x) · [release notes](y)\n\nReproduce: `x`',
    };
    expect(bisectSummaryLines(listed, bisectSupersededBy(one.record, [one, three]))).toEqual([
      "- **Superseded** by `results/bisect/undici-throughput-c512-8.6.0-8.7.0-3proc-2026-12-06/bisect.json` (3 client processes per version, 8.6.0 → 8.7.0, completed): the same client, scenario and metric searched over a range containing this one's. This record ran one client process per version, which cannot tell a client process that runs slow for its whole life from a release, so nothing it found is a finding (its lines follow as recorded).",
      '- Superseded, not a finding: undici-request throughput improved (throughput higher) between undici 8.6.0 and 8.7.0 by 17.3 % (95.9 % interval 7.7–26.3 %, paired per round; confirmed by a longer run (step 2))',
      '- Superseded, not a finding: 8.6.0 → 8.7.0: [compare](x) · [release notes](y)',
    ]);
    // Not superseded: the lines as before, unmarked.
    expect(bisectSummaryLines(listed, [])).toEqual(bisectSummaryLines(listed));
    expect(bisectSummaryLines(listed)[0]).toMatch(/^- undici-request throughput improved/);
  });

  it("a plan's range with a boundary only a superseded record confirmed is planned; that record is named", () => {
    const old = onRecord('undici-throughput-c512-7.25.0-7.26.0-2026-12-05', '7.25.0', '7.26.0', {
      boundaries: CONFIRMED('7.25.0', '7.26.0'),
    });
    const again = onRecord('undici-throughput-c512-7.25.0-7.26.0-3proc-2026-12-06', '7.25.0', '7.26.0', {
      processes: 3,
    });
    const base = { metric: 'throughput' as const, client: 'undici-request', concurrency: 512, machineId: MACHINE };
    const range = { good: '7.24.7', bad: '7.30.2' };
    expect(rangeOnRecord({ ...base, range, bisects: [old] }).plan).toBe(false);
    expect(rangeOnRecord({ ...base, range, bisects: [old, again] })).toEqual({ plan: true, notes: [] });
    const sameEnds = rangeOnRecord({ ...base, range: { good: '7.25.0', bad: '7.26.0' }, bisects: [old, again] });
    expect(sameEnds.notes).toEqual([
      'undici-request 7.25.0 → 7.26.0 (throughput, 512 in flight) was already searched by `results/bisect/undici-throughput-c512-7.25.0-7.26.0-2026-12-05/bisect.json` (this machine; boundary 7.25.0 → 7.26.0; superseded by `results/bisect/undici-throughput-c512-7.25.0-7.26.0-3proc-2026-12-06/bisect.json`, not a finding)',
      // Since versions-0cfdd43a (its second reader's finding 5): a complete 3-process search of the same ends on this
      // machine with no boundary is not planned again with the same command.
      'undici-request 7.25.0 → 7.26.0 (throughput, 512 in flight): searched by undici-throughput-c512-7.25.0-7.26.0-3proc-2026-12-06 on this machine, no boundary at its resolution (no interval between 7.25.0 and 7.26.0 recorded; 3 client processes per version); next: rerun it with more rounds (more rounds a step than it ran)',
    ]);
    expect(sameEnds.plan).toBe(false);
  });
});

describe('does not fire', () => {
  it('covered only by a multi-process record that stopped: interrupted, errored, or committed as -interrupted', () => {
    const stopped = 'undici-throughput-c512-7.24.7-8.13.1-3proc-2026-12-06-interrupted';
    const interrupted = onRecord(stopped, '7.24.7', '8.13.1', { processes: 3, status: 'interrupted' });
    const errored = onRecord('c512-8.0.0-8.13.1-3proc', '8.0.0', '8.13.1', { processes: 3, status: 'errored' });
    // Its status says completed, its folder says it was stopped: not complete.
    const named = onRecord('c512-8.0.0-8.13.1-3proc-interrupted', '8.0.0', '8.13.1', { processes: 3 });
    expect([interrupted, errored, named].map(isCompleteBisect)).toEqual([false, false, false]);
    expect(bisectSupersededBy(one.record, [interrupted, errored, named])).toEqual([]);
    expect(files(bisectSupersededBy(one.record, [interrupted, three]))).toEqual([three.file]);
  });

  it('another concurrency, metric, client, package or scenario field', () => {
    const others = [
      onRecord('c1', '8.6.0', '8.7.0', { processes: 3, scenario: { ...SCENARIO, concurrency: 1 } }),
      onRecord('cpu', '8.6.0', '8.7.0', { processes: 3, metric: 'cpu-per-request' }),
      onRecord('fetch', '8.6.0', '8.7.0', { processes: 3, client: 'undici-fetch' }),
      onRecord('got', '8.6.0', '8.7.0', { processes: 3, packageName: 'got' }),
      onRecord('keepalive', '8.6.0', '8.7.0', { processes: 3, scenario: { ...SCENARIO, target: {} } }),
      onRecord('node22', '8.6.0', '8.7.0', { processes: 3, scenario: { ...SCENARIO, node: '22.23.3' } }),
    ];
    for (const o of others) expect(bisectSupersededBy(one.record, [o]), o.file).toEqual([]);
    // Key order is not a difference.
    const reordered = {
      node: 'workspace',
      method: 'steady',
      target: { keepAliveTimeoutMs: 600_000 },
      concurrency: 512,
    };
    const again = onRecord('reordered', '8.6.0', '8.7.0', { processes: 3, scenario: reordered });
    expect(files(bisectSupersededBy(one.record, [again]))).toEqual([again.file]);
  });

  it('a partial overlap, a range beside it, or a wider one-process range', () => {
    const overlap = onRecord('overlap', '8.6.0', '8.10.2', { processes: 3 });
    const wide = onRecord('wide', '8.4.1', '8.7.0', { boundaries: CONFIRMED('8.6.0', '8.7.0') });
    expect(bisectSupersededBy(wide.record, [overlap])).toEqual([]);
    expect(bisectSupersededBy(wide.record, [three])).toEqual([]);
    expect(bisectSupersededBy(one.record, [onRecord('beside', '8.7.0', '8.8.0', { processes: 3 })])).toEqual([]);
    expect(bisectSupersededBy(one.record, [onRecord('across', '7.24.7', '8.6.0', { processes: 3 })])).toEqual([]);
  });

  it('fewer than 3 processes per version supersede nothing; a multi-process or phase record is not superseded', () => {
    expect(bisectSupersededBy(one.record, [onRecord('two', '8.6.0', '8.7.0', { processes: 2 })])).toEqual([]);
    expect(isOneProcessBisect(three.record)).toBe(false);
    const wider = onRecord('wider', '8.0.0', '8.13.1', { processes: 3 });
    expect(bisectSupersededBy(three.record, [three, wider])).toEqual([]);
    const phase = onRecord('p99', '8.6.0', '8.7.0', { metric: 'p99', scenario: { ...SCENARIO, method: 'phase' } });
    expect(isOneProcessBisect(phase.record)).toBe(false);
    expect(isOneProcessBisect(one.record)).toBe(true);
  });
});

describe('the committed bisect records', () => {
  const all = [...committedBisects('undici', repo), ...committedBisects('node', repo)];
  const folder = (file: string): string => file.split('/').slice(-2, -1)[0] ?? file;

  it('superseded: the one-process 512 throughput records that a complete 3-process record covers', () => {
    const superseded = Object.fromEntries(
      all.flatMap((b): [string, string[]][] => {
        const by = bisectSupersededBy(b.record, all);
        return by.length === 0 ? [] : [[folder(b.file), by.map((x) => folder(x.file))]];
      }),
    );
    expect(superseded).toEqual({
      // The four searches repeated with 3 processes per version on 6 December 2026, each by its own repeat; 7.25.0 →
      // 7.26.0 also lies in 7.24.7 → 7.30.2, the narrower named first.
      'undici-throughput-c512-8.6.0-8.7.0-2026-12-05': ['undici-throughput-c512-8.6.0-8.7.0-3proc-2026-12-06'],
      'undici-throughput-c512-7.25.0-7.26.0-2026-12-05': [
        'undici-throughput-c512-7.25.0-7.26.0-3proc-2026-12-06',
        'undici-throughput-c512-7.24.7-7.30.2-3proc-2026-12-06',
      ],
      'undici-throughput-c512-8.11.2-8.12.4-2026-12-05': ['undici-throughput-c512-8.11.2-8.12.4-3proc-2026-12-06'],
      'undici-throughput-c512-7.20.0-7.21.0-2026-12-05': ['undici-throughput-c512-7.20.0-7.21.0-3proc-2026-12-06'],
      // The complete 3-process 6.21.0 → 6.29.1 covers the interrupted one-process search of the same range.
      'undici-throughput-c512-6.21.0-6.29.1-2026-12-05-interrupted': [
        'undici-throughput-c512-6.21.0-6.29.1-3proc-2026-12-06',
      ],
      // The complete 3-process 7.24.7 → 7.30.2 covers the one-process 7.x searches of 4 December (machine afbe3fcb…
      // for 7x, 89a6b0ea… for 7.24.8: the machine is not compared) at the same scenario: both recorded concurrency 512,
      // the target's 600 s keep-alive, steady state and the workspace's Node, v24.21.0.
      'undici-throughput-7x-2026-12-04': ['undici-throughput-c512-7.24.7-7.30.2-3proc-2026-12-06'],
      'undici-throughput-7.24.8-7.25.0-2026-12-04': ['undici-throughput-c512-7.24.7-7.30.2-3proc-2026-12-06'],
    });
    // Not superseded, among others: the one-process 7.24.7 → 8.13.1 (3 December), 8.2.0 → 8.3.0 and 8.4.1 → 8.5.0 at
    // 512, whose range only the interrupted 3-process 7.24.7 → 8.13.1 covers; the CPU-per-request 7.25.0 → 7.26.0 at
    // 512 (another metric); every search at one request in flight and every Node bisect (no 3-process record there).
    for (const kept of [
      'undici-throughput-2026-12-03',
      'undici-throughput-8.2.0-8.3.0-2026-12-04',
      'undici-throughput-8.4.1-8.5.0-2026-12-04',
      'undici-cpu-per-request-c512-7.25.0-7.26.0-2026-12-05',
    ])
      expect(Object.keys(superseded)).not.toContain(kept);
    const stopped = 'undici-throughput-c512-7.24.7-8.13.1-3proc-2026-12-06-interrupted';
    expect(all.some((b) => folder(b.file) === stopped)).toBe(true);
  });

  it("the list: a superseded record's first line names its superseder, and no line of it reads as a finding", () => {
    const b = all.find((x) => folder(x.file) === 'undici-throughput-c512-8.6.0-8.7.0-2026-12-05');
    if (b === undefined) throw new Error('no committed one-process 8.6.0 → 8.7.0 bisect');
    const lines = bisectSummaryLines(b.record, bisectSupersededBy(b.record, all));
    expect(lines[0]).toMatch(
      /^- \*\*Superseded\*\* by `results\/bisect\/undici-throughput-c512-8\.6\.0-8\.7\.0-3proc-2026-12-06\/bisect\.json` \(3 client processes per version, 8\.6\.0 → 8\.7\.0, completed\): /,
    );
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(1).every((l) => l.startsWith('- Superseded, not a finding: '))).toBe(true);
    // A record not superseded keeps its lines as before.
    for (const kept of all.filter((x) => bisectSupersededBy(x.record, all).length === 0))
      expect(bisectSummaryLines(kept.record, bisectSupersededBy(kept.record, all))).toEqual(
        bisectSummaryLines(kept.record),
      );
  });
});
