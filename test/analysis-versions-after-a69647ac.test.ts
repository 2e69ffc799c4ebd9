import {
  binomialUpperTail,
  bisectMeasuredNothingAt,
  bisectSummaryLines,
  bisectsOnRecordHeading,
  consecutiveSteps,
  designRule,
  type EarlierSteps,
  movementExcess,
  movementLeadLines,
  movementLeads,
  notCitableText,
  outlyingCells,
  rangeOnRecord,
  replicationOf,
  type SweepCell,
  VERSIONS_DESIGN_MACHINE,
  verdictHeadline,
  versionParityClaim,
  versionRows,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';
import { around, cell, sweep } from './fixtures/version-cells';

/**
 * Notebook 07's rules stated before the run after versions-a69647ac (its second reader's findings 1, 2, 3 and 4), each
 * on both sides: the excess rule and the no-history text; the design rule only on the machine its spread was measured
 * on, and the rounds a comparison ran; a comparison that is itself the three-cell rerun asks for the bisect; a
 * replication from another machine says so, and one that can never be compared is counted apart.
 */

const PARITY = { above: 0.9, below: 1.1 };
const THIS_MACHINE = 'c6b1b4ab00000000';

describe('the excess rule (finding 1)', () => {
  it('the binomial tail matches hand values', () => {
    expect(binomialUpperTail(0, 4, 0.5)).toBe(1);
    expect(binomialUpperTail(5, 4, 0.5)).toBe(0);
    expect(binomialUpperTail(4, 4, 0.5)).toBeCloseTo(1 / 16, 12);
    expect(binomialUpperTail(1, 4, 0.03125)).toBeCloseTo(1 - 0.96875 ** 4, 12);
    // The reader's section 7 figure: 12 of 72 at p = 0.03125 is about 2 × 10⁻⁶.
    const t = binomialUpperTail(12, 72, 0.03125);
    expect(t).toBeGreaterThan(1e-7);
    expect(t).toBeLessThan(1e-5);
  });

  it('fires: 2 of 4 intervals exclude 1 where chance gives 0.1', () => {
    const steps = consecutiveSteps({ cells: sweep(6, { '8.2.0': 900 }), metrics: ['throughput'] });
    const e = movementExcess({ steps });
    expect(e).toMatchObject({ k: 4, excluded: 2, beyond: true });
    expect(e.expected).toBeCloseTo(0.125, 6);
    expect(e.text).toMatch(/^2 of 4 .* chance gives 0\.1 .*moved beyond chance as a whole/);
  });

  it('does not fire: 1 of 4, or a moved step a claim decides is left out of the count', () => {
    const one = consecutiveSteps({
      cells: sweep(6, { '8.2.0': 900, '8.3.0': 900, '8.4.0': 900 }),
      metrics: ['throughput'],
    });
    expect(movementExcess({ steps: one })).toMatchObject({ k: 4, excluded: 1, beyond: false });
    const two = consecutiveSteps({ cells: sweep(6, { '8.2.0': 900 }), metrics: ['throughput'] });
    const decided = movementExcess({ steps: two, decided: [{ older: '8.1.0', newer: '8.2.0', claimId: 'c' }] });
    expect(decided).toMatchObject({ k: 3, excluded: 1, beyond: false });
  });

  it('other machines are context, never a lead', () => {
    const steps = consecutiveSteps({
      cells: sweep(6, { '8.2.0': 900, '8.3.0': 900, '8.4.0': 900 }),
      metrics: ['throughput'],
    });
    const elsewhere: (EarlierSteps & { machineId: string })[] = ['a', 'b', 'c'].map((run) => ({
      run,
      machineId: VERSIONS_DESIGN_MACHINE,
      steps: consecutiveSteps({
        cells: sweep(6, { '8.2.0': 900, '8.3.0': 900, '8.4.0': 900 }),
        metrics: ['throughput'],
      }),
    }));
    const leads = movementLeads({
      steps,
      packageName: 'undici',
      scenario: { concurrency: 512 },
      machineId: THIS_MACHINE,
      multiplicity: { earlier: [], elsewhere },
    });
    expect(leads.map((l) => l.kind)).toEqual(['chance']);
    expect(leads[0]?.commands).toEqual([]);
    expect(leads[0]?.sentence).toMatch(
      /Context from other machines \(not a lead\): moved the same way in 3 of 3 committed runs on machine 89a6b0ea…\./,
    );
    // Without runs elsewhere, no context clause.
    const none = movementLeads({
      steps,
      packageName: 'undici',
      scenario: { concurrency: 512 },
      machineId: THIS_MACHINE,
      multiplicity: { earlier: [] },
    });
    expect(none[0]?.sentence).not.toMatch(/Context from other machines/);
  });
});

describe('a comparison that is itself the three-cell rerun asks for the bisect (finding 3)', () => {
  const runtimes = (n: number) =>
    consecutiveSteps({
      cells: [
        { line: 'undici-request', version: '22.23.3', measurement: cell('22', { rps: around(1300, n) }) },
        { line: 'undici-request', version: '24.21.0', measurement: cell('24', { rps: around(1000, n) }) },
        { line: 'undici-request', version: '26.10.0', measurement: cell('26', { rps: around(1100, n) }) },
      ],
      metrics: ['throughput'],
    });
  const leadsAt = (n: number) =>
    movementLeads({
      steps: runtimes(n),
      packageName: 'node',
      scenario: { concurrency: 512 },
      machineId: THIS_MACHINE,
      multiplicity: { earlier: [] },
    });

  it('fires at 20 rounds: a bisect command, no rerun', () => {
    const leads = leadsAt(20);
    const first = leads[0];
    expect(first?.kind).toBe('bisect');
    expect(first?.commands).toEqual([
      'npx casebook bisect --package node --good 22.23.3 --bad 24.21.0 --concurrency 512 --metric throughput --client undici-request',
    ]);
    expect(first?.sentence).toMatch(
      /This comparison is itself the rerun a reversal asks for .*20 rounds\): no rerun is asked/,
    );
    expect(movementLeadLines(leads).some((l) => l.startsWith('  - next: the three-cell rerun'))).toBe(false);
  });

  it('does not fire at 8 rounds: the rerun lead stays', () => {
    const leads = leadsAt(8);
    expect(leads[0]?.kind).toBe('rerun');
    expect(leads[0]?.commands).toEqual([]);
  });
});

describe('the design rule on its own machine only, and the rounds run (finding 2)', () => {
  const ref = cell('8.13.1', { rps: around(1000, 7) });
  const claim = () =>
    versionParityClaim({
      id: 'p',
      reference: ref,
      other: cell('x', { rps: around(1000, 7) }),
      metric: 'throughputRps',
      band: PARITY,
    });

  it('fires on another machine: the claim stays counted, decided by its interval, the reach not assessed', () => {
    const v = designRule(claim(), { sigma: 0.25, rounds: 8 }, PARITY, { machineId: THIS_MACHINE });
    expect(v.kind).toBe('claim');
    expect(v.outcome).toBe('holds');
    expect(v.evidence['designReach']).toBe(
      'spread measured on 89a6b0ea…, not this machine (c6b1b4ab…): design reach not assessed; decided by its interval as a counted claim',
    );
    expect(v.evidence['roundsRan']).toBe('designed for at most 8 rounds; this comparison ran 7');
  });

  it('does not fire on the spread’s machine (or with no machine given): cannot decide at this design', () => {
    for (const context of [{ machineId: VERSIONS_DESIGN_MACHINE }, {}]) {
      const v = designRule(claim(), { sigma: 0.25, rounds: 8 }, PARITY, context);
      expect(v.kind).toBe('exploratory');
      expect(v.claim).toMatch(
        /cannot decide at this design .*\(designed for at most 8 rounds; this comparison ran 7\)/,
      );
    }
  });
});

describe('replications from another machine, and those never comparable (finding 4)', () => {
  const ref = cell('a', { rps: around(1000, 6) });
  const holds = () =>
    versionParityClaim({
      id: 'p',
      reference: ref,
      other: cell('b', { rps: around(1000, 6) }),
      metric: 'throughputRps',
      band: PARITY,
    });

  it('fires: the other machine is named, and a not-comparable one is counted apart', () => {
    const r = replicationOf(holds(), {
      run: 'versions-115bbbac',
      text: 't',
      outcome: 'holds',
      machine: '89a6b0eadf6dc5bf',
      thisMachine: THIS_MACHINE,
    });
    expect(r.claim).toMatch(
      /^Replication of versions-115bbbac, on machine 89a6b0ea…, not this run's \(which measured t/,
    );
    expect(r.evidence['replicatesOtherMachine']).toBe(true);
    const void_ = replicationOf(holds(), {
      run: 'versions-115bbbac',
      text: 't',
      outcome: 'unresolved',
      machine: '89a6b0eadf6dc5bf',
      thisMachine: THIS_MACHINE,
      notComparable: 'socket regimes differ by design',
    });
    expect(verdictHeadline([r, void_])).toBe(
      '0 new holds of 0 claims, 1 of 1 replication of earlier runs, all from another machine reproduce the outcome of the run they name (not counted; 1 not comparable by design), 2 exploratory (2 of them replications)',
    );
  });

  it('does not fire: the same machine, or no machine given, reads as before', () => {
    const same = replicationOf(holds(), {
      run: 'r',
      text: 't',
      outcome: 'holds',
      machine: THIS_MACHINE,
      thisMachine: THIS_MACHINE,
    });
    expect(same.claim).toMatch(/^Replication of r \(which measured t/);
    expect(same.evidence['replicatesOtherMachine']).toBe(false);
    const plain = replicationOf(holds(), { run: 'r', text: 't', outcome: 'holds' });
    expect(plain.evidence['replicatesOtherMachine']).toBeUndefined();
    expect(verdictHeadline([same, plain])).toBe(
      '0 new holds of 0 claims, 2 of 2 replications of earlier runs reproduce the outcome of the run they name (not counted), 2 exploratory (2 of them replications)',
    );
  });
});

describe('one cell outlying, not shown to be a release (finding 5)', () => {
  // The record's section 7 at 512 (the reader's table, throughput per round): 8.6.0 ran below both neighbours in
  // every round.
  const R850 = [51954, 46108, 47599, 46161, 46098, 44191];
  const R860 = [38740, 37893, 36648, 35093, 38065, 36533];
  const R870 = [52822, 45271, 46001, 46312, 45221, 43721];
  const line = (newest: readonly number[]): SweepCell[] => {
    const rows: [string, readonly number[]][] = [
      ['8.5.0', R850],
      ['8.6.0', R860],
      ['8.7.0', newest],
    ];
    return rows.map(([version, rps]) => ({ line: '8.x', version, measurement: cell(`undici@${version}`, { rps }) }));
  };

  it('fires on 8.5.0 / 8.6.0 / 8.7.0: both steps become leads to rerun the three cells, no bisect', () => {
    const cells = line(R870);
    const steps = consecutiveSteps({ cells, metrics: ['throughput'] });
    expect(steps.map((s) => s.movement)).toEqual(['down', 'up']);
    const outlying = outlyingCells({ cells, steps });
    expect(outlying).toHaveLength(1);
    expect(outlying[0]).toMatchObject({ version: '8.6.0', side: 'below', older: '8.5.0', newer: '8.7.0', rounds: 6 });
    expect(outlying[0]?.text).toMatch(
      /^One cell outlying \(one client process\), not shown to be a release: 8\.6\.0 ran below both 8\.5\.0 and 8\.7\.0 in throughput in every one of 6 rounds/,
    );
    const input = {
      steps,
      packageName: 'undici' as const,
      scenario: { concurrency: 512 },
      machineId: THIS_MACHINE,
      multiplicity: { earlier: [] },
    };
    // Without the rule: the excess rule makes both leads to rerun with a bisect command.
    expect(movementLeads(input).map((l) => l.kind)).toEqual(['excess', 'excess']);
    const leads = movementLeads({ ...input, outlying });
    expect(leads.map((l) => l.kind)).toEqual(['rerun', 'rerun']);
    for (const l of leads) {
      expect(l.commands).toEqual([]);
      expect(l.sentence).toMatch(
        /One cell outlying \(one client process\), not shown to be a release: .*the next step is a rerun of 8\.5\.0, 8\.6\.0 and 8\.7\.0 in one interleaved comparison of at least 20 rounds, two client processes per release, not a bisect\./,
      );
    }
    expect(movementLeadLines(leads).filter((l) => l.startsWith('  - next: the three-cell rerun'))).toHaveLength(2);
  });

  it('does not fire on a step change that stays, or a return smaller than half the step', () => {
    // 8.7.0 at 8.6.0's level (±1 %): the change stays.
    const stays = line(R860.map((x, i) => x * (1 + ((i % 3) - 1) * 0.01)));
    const staySteps = consecutiveSteps({ cells: stays, metrics: ['throughput'] });
    expect(outlyingCells({ cells: stays, steps: staySteps })).toEqual([]);
    const leads = movementLeads({
      steps: staySteps,
      packageName: 'undici',
      scenario: { concurrency: 512 },
      outlying: outlyingCells({ cells: stays, steps: staySteps }),
    });
    expect(leads.map((l) => l.kind)).toEqual(['bisect']);
    expect(leads[0]?.sentence).not.toMatch(/One cell outlying/);
    // 8.7.0 above 8.6.0 in every round but by 4 %, a sixth of the 8.5.0 → 8.6.0 step: not outlying.
    const partial = line(R860.map((x) => x * 1.04));
    const partialSteps = consecutiveSteps({ cells: partial, metrics: ['throughput'] });
    expect(outlyingCells({ cells: partial, steps: partialSteps })).toEqual([]);
  });
});

describe("a flagged cell's rate and CPU are not printed in its section's table (finding 9)", () => {
  it('fires: a not-steady cell prints "not citable: not-steady" in place of its rate, CPU and p99', () => {
    const rows = versionRows([cell('a', { rps: around(1000, 6) }), cell('b', { rps: around(789, 6) }, ['not-steady'])]);
    expect(rows[1]?.rps).toBe('not citable: not-steady');
    expect(rows[1]?.cpuUs).toBe('not citable: not-steady');
    expect(rows[1]?.flags).toBe('not-steady');
    // The ratio column keeps its flag and the exploratory paired ratio, as before.
    expect(rows[1]?.throughputVsReference).toMatch(/^— \(flagged: not-steady; exploratory: /);
    expect(notCitableText(cell('c', { rps: [1] }, ['errors (3 failed)', 'not-steady']))).toBe(
      'not citable: errors, not-steady',
    );
  });

  it('does not fire: a rankable cell prints its median and interval', () => {
    const rows = versionRows([cell('a', { rps: around(1000, 6) }), cell('b', { rps: around(789, 6) })]);
    expect(rows[1]?.rps).toMatch(/^789 \(/);
    expect(rows[1]?.cpuUs).toMatch(/^100\.0 \(/);
    expect(notCitableText(cell('d', { rps: [1] }))).toBeNull();
  });
});

describe('the committed bisects listed in section 1 (finding 8, and a bisect that measured nothing)', () => {
  const record = (
    client: string,
    concurrency: number,
    metric: string,
    badValues: readonly (number | null)[] = [1, 2, 3],
  ) => ({
    client,
    metric: { name: metric, text: metric === 'cpu-per-request' ? 'CPU per request' : metric },
    scenario: { concurrency, method: 'steady' },
    good: { version: '6.21.0' },
    bad: { version: '6.28.1' },
    steps: [
      {
        measurements: [
          { version: '6.21.0', values: [1, 2, 3] },
          { version: '6.28.1', values: badValues },
        ],
      },
    ],
    summary:
      '## undici bisect: throughput (undici-fetch)\n\n- No boundary resolved between undici 6.21.0 and 6.28.1: 6.21.0 → 6.28.1 unresolved (older/newer no paired rounds, not compared) in the screen, and no screened segment moved.\n\nReproduce: `x`',
  });

  it('the heading counts client, concurrency and metric from the records listed', () => {
    const h = bisectsOnRecordHeading('undici', [
      record('undici-request', 512, 'throughput'),
      record('undici-request', 1, 'throughput'),
      record('undici-request', 512, 'throughput'),
      record('undici-request', 512, 'cpu-per-request'),
      record('undici-fetch', 1, 'throughput'),
    ]);
    expect(h).toBe(
      '**undici bisects on record** (5; `casebook bisect`, one client process per version, paired per round: 2 `undici-request` at 512 in flight, throughput; 1 `undici-request` at one request in flight, throughput; 1 `undici-request` at 512 in flight, CPU per request; 1 `undici-fetch` at one request in flight, throughput):',
    );
    expect(h).not.toMatch(/steady state/);
    expect(bisectsOnRecordHeading('undici', [])).toBe('**No undici bisect is on record yet.**');
  });

  it('fires: a bad end with no value in any round reads "measured nothing at 6.28.1", not "No boundary resolved"', () => {
    const r = record(
      'undici-fetch',
      1,
      'throughput',
      Array.from({ length: 10 }, () => null),
    );
    expect(bisectMeasuredNothingAt(r)).toEqual(['6.28.1']);
    expect(bisectSummaryLines(r)).toEqual([
      '- Measured nothing at 6.28.1: it produced no measurement in any round, so this bisect compared nothing there (incomplete, not a negative result).',
    ]);
  });

  it('does not fire: both ends measured, the summary lines as recorded', () => {
    const r = record('undici-fetch', 1, 'throughput', [null, 5, 6]);
    expect(bisectMeasuredNothingAt(r)).toEqual([]);
    expect(bisectSummaryLines(r)).toEqual([
      '- No boundary resolved between undici 6.21.0 and 6.28.1: 6.21.0 → 6.28.1 unresolved (older/newer no paired rounds, not compared) in the screen, and no screened segment moved.',
    ]);
  });
});

describe('a bisect plan beside the committed bisects (finding 7)', () => {
  const onRecord = (
    file: string,
    good: string,
    bad: string,
    concurrency: number,
    boundaries: { older: string; newer: string; confirmation: { confirmed: boolean } | null }[],
    status = 'completed',
  ) => ({
    file,
    record: {
      good: { version: good },
      bad: { version: bad },
      metric: { name: 'throughput' },
      client: 'undici-request',
      scenario: { concurrency },
      environment: { machineId: '89a6b0eadf6dc5bf' },
      boundaries,
      status,
    },
  });
  const timer = onRecord('results/bisect/c1-8.4.1-8.5.0/bisect.json', '8.4.1', '8.5.0', 1, [
    { older: '8.4.1', newer: '8.5.0', confirmation: { confirmed: true } },
  ]);
  const searched = onRecord('results/bisect/c512-7.24.7-8.13.1/bisect.json', '7.24.7', '8.13.1', 512, []);
  const base = { metric: 'throughput' as const, client: 'undici-request', machineId: THIS_MACHINE };

  it('fires: a range containing a confirmed boundary at that concurrency is not planned; one already searched is named', () => {
    const c1 = rangeOnRecord({ ...base, range: { good: '7.24.7', bad: '8.13.1' }, concurrency: 1, bisects: [timer] });
    expect(c1.plan).toBe(false);
    expect(c1.notes).toEqual([
      '7.24.7 → 8.13.1 not planned: it contains 8.4.1 → 8.5.0 (`results/bisect/c1-8.4.1-8.5.0/bisect.json`, confirmed, machine 89a6b0ea…), located by a committed bisect at the same concurrency and metric; a screen between its ends finds that step, not this movement: search a range that excludes it',
    ]);
    const c512 = rangeOnRecord({
      ...base,
      range: { good: '7.24.7', bad: '8.13.1' },
      concurrency: 512,
      bisects: [searched],
    });
    expect(c512.plan).toBe(true);
    expect(c512.notes).toEqual([
      'undici-request 7.24.7 → 8.13.1 (throughput, 512 in flight) was already searched by `results/bisect/c512-7.24.7-8.13.1/bisect.json` (machine 89a6b0ea…; no boundary)',
    ]);
  });

  it('does not fire: another concurrency, a range without the boundary, or a stopped search', () => {
    const other = rangeOnRecord({
      ...base,
      range: { good: '7.24.7', bad: '8.13.1' },
      concurrency: 512,
      bisects: [timer],
    });
    expect(other).toEqual({ plan: true, notes: [] });
    const outside = rangeOnRecord({
      ...base,
      range: { good: '8.10.2', bad: '8.13.1' },
      concurrency: 1,
      bisects: [timer],
    });
    expect(outside).toEqual({ plan: true, notes: [] });
    const stopped = onRecord(
      'results/bisect/c1-8.0.0-8.6.0-interrupted/bisect.json',
      '8.0.0',
      '8.6.0',
      1,
      [{ older: '8.4.1', newer: '8.5.0', confirmation: { confirmed: true } }],
      'interrupted',
    );
    const fromStopped = rangeOnRecord({
      ...base,
      range: { good: '7.24.7', bad: '8.13.1' },
      concurrency: 1,
      bisects: [stopped],
    });
    expect(fromStopped).toEqual({ plan: true, notes: [] });
  });
});
