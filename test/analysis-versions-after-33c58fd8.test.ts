import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  bunCapNotShown,
  consecutiveSteps,
  type EarlierSteps,
  type EarlierVerdicts,
  movementLeadLines,
  movementLeads,
  notComparedReason,
  recurrenceOf,
  replicationOf,
  replicationRule,
  targetCpuReading,
  type VerdictData,
  type VersionMeasurement,
  verdictHeadline,
  versionParityClaim,
  versionsGuardFlags,
  windowRegimeText,
} from '@casebook/analysis';
import { buildCitation, citationMarkdown, loadRecord } from '@casebook/citing';
import { type BenchRecord, withGuardFlags } from '@casebook/study';
import { afterAll, describe, expect, it } from 'vitest';
import { around, cell, nodeFetchCpuStep, sweep } from './fixtures/version-cells';

/**
 * Notebook 07's rules stated before the run after versions-33c58fd8 (its second reader's findings 2, 3, 5, 6 and 8),
 * each on both sides: the target's CPU dismisses a CPU step only when its interval excludes 1 and contains the
 * client's factor, after recurrence; recurrence needs most earlier runs that measured the step and none the other way;
 * a lead beside an opposite move is rerun, not bisected; "replicated" is the same outcome as the run named, and any
 * counted claim an earlier run decided is a replication; Bun's raised cap not shown in the windows flags the cell;
 * foreign-load cells are saved unrankable, so the closing table prints them "not citable". The design rule (finding
 * 4) is tested in analysis-design-reach.test.ts.
 */

const repo = path.resolve(__dirname, '..');
const RUN = 'versions-33c58fd8';
type Window = {
  block?: number;
  histogram?: string;
  target?: { peakOpenConnections?: number; connectionsClosed?: number };
};
const committed = (file: string) =>
  JSON.parse(
    fs.readFileSync(path.join(repo, 'results/versions', RUN, 'benches', file), 'utf8'),
  ) as VersionMeasurement & {
    params: { load: { concurrency: number } };
    trials: Window[];
  };

const earlierRun = (run: string, moved: Record<string, number>): EarlierSteps => ({
  run,
  steps: consecutiveSteps({ cells: sweep(6, moved), metrics: ['throughput'] }),
});

describe("the target's CPU beside a CPU step (finding 2)", () => {
  const n = 6;
  /** Node 24 → 26, client CPU 100 → 129 µs (1.29×), the target's CPU from 124 µs to `targetNewer`. */
  const step = nodeFetchCpuStep;
  const leadsOf = (steps: ReturnType<typeof step>, earlier: EarlierSteps[] = []) =>
    movementLeads({ steps, packageName: 'node', scenario: { concurrency: 1 }, multiplicity: { earlier } });

  it("the target's interval excludes 1 and contains the client's factor: the rate regime, no bisect", () => {
    const steps = step([150, 155, 160, 165, 170, 175]);
    expect(targetCpuReading(steps[0] as (typeof steps)[number])).toBe('rate');
    const [lead] = leadsOf(steps);
    expect(lead?.kind).toBe('target');
    expect(lead?.commands).toEqual([]);
    expect(lead?.sentence).toMatch(
      /the target moved too \(its interval excludes 1\) and its interval contains the client's factor, so this is the rate regime, not the client: no bisect\.$/,
    );
  });

  it("the target's interval contains 1 (versions-670dac55's 0.98–2.09): cannot separate, not dismissed", () => {
    const steps = step([121.5, 150, 159, 170, 200, 259]);
    expect(targetCpuReading(steps[0] as (typeof steps)[number])).toBe('inseparable');
    const [lead] = leadsOf(steps);
    // Before (the rule stated after versions-670dac55) this was 'target', no bisect; now the multiplicity rule decides:
    // one step × one metric, 6 rounds reach 95 %: a lead with its bisect.
    expect(lead?.kind).toBe('bisect');
    expect(lead?.commands).toHaveLength(1);
    expect(lead?.sentence).toMatch(
      /the target's interval contains 1, so this run cannot separate client from target \(not dismissed\)\./,
    );
    expect(lead?.sentence).not.toMatch(/same factor|rate regime/);
  });

  it('the target moved by another factor: printed beside, nothing dismissed', () => {
    const steps = step(around(300, n));
    expect(targetCpuReading(steps[0] as (typeof steps)[number])).toBe('client');
    expect(leadsOf(steps)[0]?.kind).toBe('bisect');
  });

  it('recurrence first: a step that recurs is a lead even where the target moved by its factor', () => {
    const steps = step([150, 155, 160, 165, 170, 175]);
    const earlier: EarlierSteps = { run: 'versions-8cdc0db4', steps: step([150, 155, 160, 165, 170, 175]) };
    const [lead] = leadsOf(steps, [earlier]);
    expect(lead?.kind).toBe('bisect');
    expect(lead?.sentence).toMatch(/ Beside it, the target's CPU per request .*against the client's 1\.29×\./);
    expect(lead?.sentence).not.toMatch(/rate regime/);
    // Counterfactual: not recurring, the same step is the rate regime.
    expect(leadsOf(steps)[0]?.kind).toBe('target');
  });

  it("versions-33c58fd8's 8.11.2 → 8.12.4 at one in flight: the target at 0.99× (0.60–1.13) cannot separate", () => {
    const steps = consecutiveSteps({
      cells: [
        { line: '8.x', version: '8.11.2', measurement: committed('090-undici-8-11-2-undici-request.json') },
        { line: '8.x', version: '8.12.4', measurement: committed('091-undici-8-12-4-undici-request.json') },
      ],
      metrics: ['cpu-per-request'],
    });
    const s = steps[0] as (typeof steps)[number];
    expect(s.targetCpuPerRequest?.change.low).toBeLessThan(1);
    expect(s.targetCpuPerRequest?.change.high).toBeGreaterThan(1);
    expect(targetCpuReading(s)).toBe('inseparable');
  });
});

describe('recurrence needs most earlier runs that measured the step, none the other way (finding 8)', () => {
  const steps = consecutiveSteps({ cells: sweep(6, { '8.2.0': 900 }), metrics: ['throughput'] });
  const step = steps[1] as (typeof steps)[number];

  it('1 of 3 earlier runs (8.11.2 → 8.12.4 in versions-33c58fd8: only versions-8cdc0db4 moved): not recurrence', () => {
    const earlier = [earlierRun('a', { '8.2.0': 900 }), earlierRun('b', {}), earlierRun('c', {})];
    const r = recurrenceOf(step, earlier);
    expect(r).toMatchObject({ recurs: false, measured: 3 });
    expect(r.same).toHaveLength(1);
    const leads = movementLeads({
      steps,
      packageName: 'undici',
      scenario: { concurrency: 1 },
      multiplicity: { earlier },
    });
    // Not recurrence; since versions-a69647ac the comparison's 2 of 4 moved intervals are beyond chance (the excess rule).
    expect(leads.map((l) => l.kind)).toEqual(['excess', 'excess']);
    expect(leads[0]?.sentence).toMatch(
      /\(earlier committed runs that measured this step: 3; the same move in 1: a \(older \/ newer 1\.11, .*\)\)\. In this comparison 2 of 4 /,
    );
  });

  it('2 of 3 the same way: recurs; 2 of 3 with the third the other way: not', () => {
    const two = [earlierRun('a', { '8.2.0': 900 }), earlierRun('b', { '8.2.0': 900 }), earlierRun('c', {})];
    expect(recurrenceOf(step, two).recurs).toBe(true);
    const reversed = [
      earlierRun('a', { '8.2.0': 900 }),
      earlierRun('b', { '8.2.0': 900 }),
      earlierRun('c', { '8.2.0': 1100 }),
    ];
    const r = recurrenceOf(step, reversed);
    expect(r.recurs).toBe(false);
    expect(r.opposite).toHaveLength(1);
    // A run that did not measure the step does not count either way.
    const unmeasured: EarlierSteps = { run: 'd', steps: [] };
    expect(recurrenceOf(step, [earlierRun('a', { '8.2.0': 900 }), unmeasured])).toMatchObject({
      recurs: true,
      measured: 1,
    });
  });
});

describe('a lead beside an opposite move at the adjacent step is rerun, not bisected (finding 8)', () => {
  it('8.2.0 alone low: both its steps move, opposite ways: each prints the three-cell rerun', () => {
    // 20 rounds reach the family-wise coverage: both steps are leads beyond chance.
    const steps = consecutiveSteps({ cells: sweep(20, { '8.2.0': 900 }), metrics: ['throughput'] });
    const leads = movementLeads({
      steps,
      packageName: 'undici',
      scenario: { concurrency: 1 },
      multiplicity: { earlier: [] },
    });
    expect(leads.map((l) => l.kind)).toEqual(['rerun', 'rerun']);
    expect(leads.every((l) => l.commands.length === 0)).toBe(true);
    expect(leads[0]?.sentence).toMatch(
      /It reverses at 8\.2\.0 \(8\.2\.0 → 8\.3\.0 moved up\): one outlying cell at that release looks like this, so the next step is a rerun of 8\.1\.0, 8\.2\.0 and 8\.3\.0 in one interleaved comparison of at least 20 rounds, not a bisect\.$/,
    );
    const lines = movementLeadLines(leads);
    expect(lines.some((l) => l.includes('casebook bisect'))).toBe(false);
    expect(lines.some((l) => l.startsWith('  - next: the three-cell rerun'))).toBe(true);
  });

  it('a step change that stays (8.2.0 onward lower): no reversal, a bisect', () => {
    const steps = consecutiveSteps({
      cells: sweep(20, { '8.2.0': 900, '8.3.0': 900, '8.4.0': 900 }),
      metrics: ['throughput'],
    });
    const leads = movementLeads({
      steps,
      packageName: 'undici',
      scenario: { concurrency: 1 },
      multiplicity: { earlier: [] },
    });
    expect(leads.map((l) => l.kind)).toEqual(['bisect']);
    expect(leads[0]?.commands[0]).toMatch(/^npx casebook bisect --package undici --good 8\.1\.0 --bad 8\.2\.0/);
  });
});

describe('replications: the same outcome as the run named, applied uniformly (finding 3)', () => {
  const ref = cell('8.13.1', { rps: around(1000, 8) });
  const claim = (id: string, rps: number) =>
    versionParityClaim({
      id,
      reference: ref,
      other: cell('x', { rps: around(rps, 8) }),
      metric: 'throughputRps',
      band: { above: 0.9, below: 1.1 },
    });
  const earlier = (run: string, verdicts: VerdictData[]): EarlierVerdicts => ({ run, verdicts });

  it('a counted claim an earlier run decided (holds or fails) is a replication of the latest such run', () => {
    const v = replicationRule(claim('p', 1500), [
      earlier('versions-8cdc0db4', [claim('p', 1200)]),
      earlier('versions-7cff4048', [claim('p', 1050)]),
      earlier('versions-670dac55', [
        versionParityClaim({
          id: 'p',
          reference: ref,
          other: cell('x', { rps: [700, 1300, 900, 1250, 1000, 1150, 800, 1200] }),
          metric: 'throughputRps',
          band: { above: 0.9, below: 1.1 },
        }),
      ]),
    ]);
    expect(v.kind).toBe('exploratory');
    expect(v.evidence['replicates']).toBe('versions-7cff4048');
    expect(v.evidence['replicatesOutcome']).toBe('holds');
    expect(v.claim).toMatch(
      /^Replication of versions-7cff4048 \(which measured p = 1\.05 \(1\.05–1\.05\): holds before this run; not a finding\)/,
    );
    expect(v.evidence['earlierDecisions']).toMatch(
      /^versions-8cdc0db4: 1\.2 \(.*\): fails; versions-7cff4048: 1\.05 .*: holds$/,
    );
    // It failed here and held in the run named: not reproduced.
    expect(verdictHeadline([v])).toBe(
      '0 new holds of 0 claims, 0 of 1 replication of earlier runs reproduce the outcome of the run they name (not counted), 1 exploratory (1 of them a replication)',
    );
  });

  it('no earlier decision (unresolved, another id, a sanity check), or not a claim: unchanged', () => {
    const c = claim('p', 1000);
    const noisy = versionParityClaim({
      id: 'p',
      reference: ref,
      other: cell('x', { rps: [700, 1300, 900, 1250, 1000, 1150, 800, 1200] }),
      metric: 'throughputRps',
      band: { above: 0.9, below: 1.1 },
    });
    expect(noisy.outcome).toBe('unresolved');
    expect(replicationRule(c, [earlier('a', [noisy]), earlier('b', [claim('q', 1500)])])).toBe(c);
    const already = replicationOf(c, { run: 'versions-115bbbac', text: 'x', outcome: 'holds' });
    expect(replicationRule(already, [earlier('a', [claim('p', 1500)])])).toBe(already);
  });

  it('"replicated" counts the same outcome: a fail repeated is reproduced, a hold turned unresolved is not', () => {
    const failedAgain = replicationOf(claim('f', 1500), {
      run: 'versions-115bbbac',
      text: '2 sockets',
      outcome: 'fails',
    });
    const heldBefore = replicationOf(
      versionParityClaim({
        id: 'h',
        reference: ref,
        other: cell('x', { rps: [700, 1300, 900, 1250, 1000, 1150, 800, 1200] }),
        metric: 'throughputRps',
        band: { above: 0.9, below: 1.1 },
      }),
      { run: 'versions-8cdc0db4', text: '0.089', outcome: 'holds' },
    );
    expect(verdictHeadline([failedAgain, heldBefore])).toBe(
      '0 new holds of 0 claims, 1 of 2 replications of earlier runs reproduce the outcome of the run they name (not counted), 2 exploratory (2 of them replications)',
    );
    // Counterfactual: the rule before counted holds only, so the repeated fail read as not replicated.
    const old = [failedAgain, heldBefore].map((v) => ({ ...v, evidence: { ...v.evidence, replicatesOutcome: null } }));
    expect(verdictHeadline(old)).toBe(
      '0 new holds of 0 claims, 0 replicated (of 2 replications of earlier runs, not counted), 2 exploratory (2 of them replications)',
    );
  });
});

describe("Bun's raised cap not shown in the windows flags the cell; the regime comes from the windows (finding 5)", () => {
  const raised = committed('095-bun-fetch-bun-1-4-5-bun-config-max-http-requests-512.json');
  const byDefault = committed('094-bun-fetch-bun-1-4-5.json');

  it("versions-33c58fd8's raised cell: windows' median 192, warm-up peak 513: cap-not-shown", () => {
    expect(bunCapNotShown(raised)).toBe(true);
    expect(windowRegimeText(raised)).toBe('median window peak 192 open (warm-up peak 513, not read)');
    expect(versionsGuardFlags(raised)).toEqual(['cap-not-shown']);
    // The default-cap cell is not a raised cap: never flagged for it.
    expect(bunCapNotShown(byDefault)).toBe(false);
  });

  it('windows above 256 in more than half, their median above it: shown, not flagged', () => {
    const shown = {
      ...raised,
      trials: (raised.trials as Window[]).map((t, i) => ({
        ...t,
        target: { ...t.target, peakOpenConnections: i % 4 === 0 ? 200 : 400 },
      })),
    };
    expect(bunCapNotShown(shown)).toBe(false);
    expect(versionsGuardFlags(shown)).toEqual([]);
    // No per-window peak recorded: not shown either.
    expect(bunCapNotShown({ ...raised, trials: [] })).toBe(true);
  });

  it('a flagged cell is not compared, with the reason named', () => {
    const asBench = { ...raised, guards: { ...raised.guards, flags: [], rankable: true } } as unknown as BenchRecord;
    const flagged = withGuardFlags(asBench, versionsGuardFlags(raised));
    expect(flagged.guards).toMatchObject({ flags: ['cap-not-shown'], rankable: false });
    const asCell = flagged as unknown as VersionMeasurement;
    expect(notComparedReason(byDefault, asCell, [byDefault, asCell])).toMatch(
      /the raised cap of bun-fetch@bun-1\.4\.5 · BUN_CONFIG_MAX_HTTP_REQUESTS 512 did not show in its measured windows/,
    );
  });
});

describe("foreign-load cells are saved unrankable: the closing table prints them 'not citable' (finding 6)", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-07-foreign-'));
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("versions-33c58fd8's section 1 under the rule: not citable; as published: citable (the counterfactual)", () => {
    const from = path.join(repo, 'results/versions', RUN);
    const to = path.join(tmp, 'results/versions', RUN);
    fs.mkdirSync(path.join(to, 'benches'), { recursive: true });
    fs.copyFileSync(path.join(from, 'record.json'), path.join(to, 'record.json'));
    for (const f of fs.readdirSync(path.join(from, 'benches'))) {
      const b = JSON.parse(fs.readFileSync(path.join(from, 'benches', f), 'utf8'));
      fs.writeFileSync(
        path.join(to, 'benches', f),
        `${JSON.stringify(withGuardFlags(b, versionsGuardFlags(b)), null, 2)}\n`,
      );
    }
    const cite = (root: string) =>
      citationMarkdown(
        buildCitation(loadRecord(path.join(root, 'results/versions', RUN, 'record.json')), {
          repoRoot: root,
          corrections: [],
        }),
      );
    const row = (md: string, label: string) => md.split('\n').find((l) => l.startsWith(`| ${label}`)) ?? '';
    const label = 'undici@8.13.1 (undici-request) [flagged: foreign-load]';
    const ruled = cite(tmp);
    expect(row(ruled, label)).toMatch(/\| not citable: foreign-load \| not citable \|/);
    expect(row(ruled, label)).not.toMatch(/6034/);
    expect(row(ruled, 'undici@6.29.1 (undici-request) [flagged: foreign-load]')).toMatch(/— \(flagged: foreign-load\)/);
    // As published (the runner's foreign-load shown, not excluding): its figures print as citable.
    expect(row(cite(repo), label)).toMatch(/6034/);
  });
});
