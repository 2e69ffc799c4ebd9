import {
  consecutiveSteps,
  type EarlierSteps,
  movementLeadLines,
  movementLeads,
  outcomeLines,
  replicationOf,
  runtimeCells,
  verdictHeadline,
  versionParityClaim,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';
import { around, cell, nodeFetchCpuStep, sweep } from './fixtures/version-cells';

/**
 * Notebook 07's rules stated before the run after versions-670dac55 (its second reader's findings 2, 3, 4, 7 and 8),
 * each on both sides: replications counted apart in the headline; a moved step a lead only beyond chance (family-wise
 * over the sweep's intervals) or by recurring in an earlier run on the same machine; a CPU-per-request lead beside the
 * target's CPU, and no bisect where the target moved by the client's factor; "comparison-dependent" only for opposite
 * decisions; section 6's cells all naming their runtime. Bun's windows are tested in analysis-runtime-fetch.test.ts.
 */

describe('replications are counted apart in the headline (finding 3)', () => {
  const held = (id: string) =>
    versionParityClaim({
      id,
      reference: cell('8.4.1', { rps: around(1000, 8) }),
      other: cell('8.5.0', { rps: around(90, 8) }),
      metric: 'throughputRps',
      band: { below: 0.5 },
    });

  it('says "0 new holds, 4 replicated" when the four timer claims replicate versions-8cdc0db4', () => {
    const four = ['a', 'b', 'c', 'd'].map((id) =>
      replicationOf(held(id), { run: 'versions-8cdc0db4', text: '8.5.0 ÷ 8.4.1 = 0.089 (0.082–0.092): holds' }),
    );
    const failed = versionParityClaim({
      id: 'f',
      reference: cell('x', { rps: around(1000, 8) }),
      other: cell('y', { rps: around(1500, 8) }),
      metric: 'throughputRps',
      band: { above: 0.9, below: 1.1 },
    });
    expect(four.every((v) => v.kind === 'exploratory' && v.outcome === 'holds')).toBe(true);
    expect(four[0]?.claim).toMatch(/^Replication of versions-8cdc0db4 \(which measured 8\.5\.0 ÷ 8\.4\.1 = 0\.089/);
    expect(verdictHeadline([...four, failed])).toBe(
      '0 new holds of 1 claims, 4 replicated (of 4 replications of earlier runs, not counted), 1 do not hold, 4 exploratory (4 of them replications)',
    );
    // Counterfactual: counted as claims, the same four read as four holds, with no word of replication.
    expect(verdictHeadline([held('a'), held('b'), held('c'), held('d'), failed])).toBe(
      '4 of 5 claims hold, 1 do not hold',
    );
  });
});

describe('a moved step is a lead only beyond chance or by recurring (the multiplicity rule)', () => {
  it('6 rounds cannot reach the family-wise coverage: a step moved in this run only prints no bisect', () => {
    const steps = consecutiveSteps({ cells: sweep(6, { '8.2.0': 900 }), metrics: ['throughput'] });
    // 4 steps × 1 metric: 1 − 0.05 / 4 = 98.75 %; 6 rounds give at most 96.9 %.
    expect(steps[0]?.familyWise.k).toBe(4);
    expect(steps[0]?.familyWise.needed).toBeCloseTo(0.9875, 6);
    const leads = movementLeads({
      steps,
      packageName: 'undici',
      scenario: { concurrency: 512 },
      multiplicity: { earlier: [] },
    });
    // Since versions-a69647ac (the excess rule): 2 of 4 intervals exclude 1 where chance gives 0.1 (P ≈ 0.006), so the
    // comparison moved beyond chance as a whole and both moved steps are leads to rerun, each with its command.
    expect(leads.map((l) => [l.step.older, l.step.newer, l.kind])).toEqual([
      ['8.1.0', '8.2.0', 'excess'],
      ['8.2.0', '8.3.0', 'excess'],
    ]);
    expect(leads.every((l) => l.commands.length === 1)).toBe(true);
    expect(leads[0]?.sentence).toMatch(
      /No committed earlier run on this machine; at 6 rounds no single step can reach the family-wise coverage of 98\.75 % over 4 step × metric intervals \(at most 96\.9 %\): this comparison cannot name a lead from one step\. In this comparison 2 of 4 .* where chance gives 0\.1 .*moved beyond chance as a whole/,
    );
    expect(leads[0]?.sentence).not.toMatch(/within what chance gives/);
    expect(
      movementLeadLines(leads).some((l) => l.startsWith('  - lead to rerun') && l.includes('casebook bisect')),
    ).toBe(true);
    // One step of four moved (a change that stays): 1 of 4 is what chance gives (P ≈ 0.12): no lead, no command.
    const one = consecutiveSteps({
      cells: sweep(6, { '8.2.0': 900, '8.3.0': 900, '8.4.0': 900 }),
      metrics: ['throughput'],
    });
    const quiet = movementLeads({
      steps: one,
      packageName: 'undici',
      scenario: { concurrency: 512 },
      multiplicity: { earlier: [] },
      machineId: 'c6b1b4ab00000000',
    });
    expect(quiet.map((l) => l.kind)).toEqual(['chance']);
    expect(quiet[0]?.commands).toEqual([]);
    expect(quiet[0]?.sentence).toMatch(
      /No committed earlier run on this machine, c6b1b4ab…; .*In this comparison 1 of 4 .*not beyond chance as a whole .* Not a lead\.$/,
    );
    expect(movementLeadLines(quiet).some((l) => l.includes('casebook bisect'))).toBe(false);
    // Counterfactual: without the rule (as before versions-670dac55) both are leads with a bisect.
    const before = movementLeads({ steps, packageName: 'undici', scenario: { concurrency: 512 } });
    expect(before.map((l) => l.kind)).toEqual(['bisect', 'bisect']);
  });

  it('enough rounds for the family-wise coverage make it a lead with its bisect', () => {
    // 8.2.0 onward lower (a change that stays): since versions-33c58fd8 a lead beside an opposite move at the adjacent
    // step (8.2.0 alone lower) is a rerun first (analysis-versions-after-33c58fd8.test.ts), so the change stays here.
    const steps = consecutiveSteps({
      cells: sweep(20, { '8.2.0': 900, '8.3.0': 900, '8.4.0': 900 }),
      metrics: ['throughput'],
    });
    expect(steps[1]?.familyWise.resolved).toBe(true);
    expect(steps[1]?.familyWise.ratio.coverage).toBeGreaterThanOrEqual(0.9875);
    const leads = movementLeads({
      steps,
      packageName: 'undici',
      scenario: { concurrency: 512 },
      multiplicity: { earlier: [] },
    });
    expect(leads.map((l) => l.kind)).toEqual(['bisect']);
    expect(leads[0]?.commands[0]).toMatch(/^npx casebook bisect --package undici --good 8\.1\.0 --bad 8\.2\.0/);
    expect(leads[0]?.sentence).toMatch(
      /Beyond chance across 4 step × metric intervals: its 9\d\.\d+ % interval .* excludes 1 \(needed 98\.75 %\)\./,
    );
    // A step that did not move is no lead either way.
    expect(leads.some((l) => l.step.older === '8.0.0')).toBe(false);
  });

  it('a step that moved the same way in an earlier committed run on this machine is a lead; the other way, not', () => {
    const steps = consecutiveSteps({ cells: sweep(6, { '8.2.0': 900 }), metrics: ['throughput'] });
    const same: EarlierSteps = {
      run: 'versions-7cff4048',
      steps: consecutiveSteps({ cells: sweep(6, { '8.2.0': 920 }), metrics: ['throughput'] }),
    };
    const leads = movementLeads({
      steps,
      packageName: 'undici',
      scenario: { concurrency: 512 },
      multiplicity: { earlier: [same] },
    });
    // Leads (recurring); since versions-33c58fd8 each beside the other's opposite move (8.2.0 alone lower) is a rerun.
    expect(leads.map((l) => l.kind)).toEqual(['rerun', 'rerun']);
    expect(leads[0]?.sentence).toMatch(
      /Recurs: the same step moved the same way in versions-7cff4048 \(older \/ newer 1\.09, .*\) on this machine \(committed\), 1 of the 1 earlier runs that measured it, none the other way\./,
    );
    // The earlier run moved the other way at 8.2.0 (a rise, not a drop): no recurrence, so chance.
    const opposite: EarlierSteps = {
      run: 'versions-7cff4048',
      steps: consecutiveSteps({ cells: sweep(6, { '8.2.0': 1100 }), metrics: ['throughput'] }),
    };
    const other = movementLeads({
      steps,
      packageName: 'undici',
      scenario: { concurrency: 512 },
      multiplicity: { earlier: [opposite] },
    });
    // No recurrence; 2 of 4 intervals beyond what chance gives (the excess rule): leads to rerun.
    expect(other.map((l) => l.kind)).toEqual(['excess', 'excess']);
  });
});

describe("a CPU-per-request lead prints the target's CPU beside the client's (finding 7)", () => {
  const n = 6;
  const step = nodeFetchCpuStep;
  const earlier: EarlierSteps[] = [];

  it("where the target's interval contains the client's factor and 1, prints it beside and (since versions-33c58fd8) dismisses nothing", () => {
    // The target's change per round spans 0.98–2.09 (versions-670dac55: 1.28×), the client's 1.29×. The rule stated
    // after versions-670dac55 called this the rate regime (no command); the rule stated after versions-33c58fd8 needs the
    // target's interval to exclude 1 as well (analysis-versions-after-33c58fd8.test.ts), so it cannot separate them.
    const leads = movementLeads({
      steps: step([121.5, 150, 159, 170, 200, 259]),
      packageName: 'node',
      scenario: { concurrency: 1 },
      multiplicity: { earlier },
    });
    expect(leads).toHaveLength(1);
    expect(leads[0]?.kind).toBe('bisect');
    expect(leads[0]?.commands).toHaveLength(1);
    expect(leads[0]?.sentence).toMatch(
      /Beside it, the target's CPU per request \(the same target program in both cells\) in the same rounds: 124\.0 → .* µs, .*× newer \/ older \(.*\), against the client's 1\.29×: the target's interval contains 1, so this run cannot separate client from target \(not dismissed\)\./,
    );
  });

  it('where the target stayed put, prints its ratio beside and leaves the rule to decide', () => {
    const leads = movementLeads({
      steps: step(around(124, n)),
      packageName: 'node',
      scenario: { concurrency: 1 },
      multiplicity: { earlier },
    });
    // One step × one metric: the family-wise coverage is the per-step 95 %, which 6 rounds reach: a lead.
    expect(leads[0]?.kind).toBe('bisect');
    expect(leads[0]?.commands).toHaveLength(1);
    expect(leads[0]?.sentence).toMatch(
      /in the same rounds: 124\.0 → 124\.0 µs, 1\.00× newer \/ older .*against the client's 1\.29×\./,
    );
    expect(leads[0]?.sentence).not.toMatch(/rate regime/);
  });
});

describe('"comparison-dependent" only for opposite decisions (finding 8)', () => {
  const BAND = { above: 0.9, below: 1.1 };
  const a = (rps: number) => cell('a', { rps: around(rps, 8) });
  const b = (rps: number) => cell('b', { rps: around(rps, 8) });

  it('one comparison holds and another fails: comparison-dependent', () => {
    const v = versionParityClaim({
      id: 'p',
      reference: a(1000),
      other: b(1010),
      metric: 'throughputRps',
      band: BAND,
      comparison: 'section 1',
      alsoMeasuredIn: [{ comparison: 'section 7', reference: a(1000), other: b(1500) }],
    });
    expect(v.outcome).toBe('unresolved');
    expect(String(v.evidence['comparisonDependent'])).toMatch(
      /^comparison-dependent: section 1: .*inside the band; section 7: .*wholly above the band$/,
    );
    expect(verdictHeadline([v])).toBe('0 of 1 claims hold, 1 unresolved (1 comparison-dependent)');
  });

  it('one fails and the other is imprecise: unresolved in that section, named, and counted imprecise', () => {
    const noisy = cell('b', { rps: [700, 1300, 900, 1250, 1000, 1150, 800, 1200] });
    const v = versionParityClaim({
      id: 'p',
      reference: a(1000),
      other: b(1300),
      metric: 'throughputRps',
      band: BAND,
      comparison: 'section 1',
      alsoMeasuredIn: [{ comparison: 'section 7', reference: a(1000), other: noisy }],
    });
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence['comparisonDependent']).toBeUndefined();
    expect(String(v.evidence['unresolvedElsewhere'])).toMatch(
      /^unresolved in section 7 \(not contradicted: imprecise or not compared there\): section 1: .*wholly above the band; section 7: .*across an edge of the band$/,
    );
    expect(outcomeLines([v])[0]).toMatch(/^`p`: unresolved: unresolved in section 7 /);
    expect(verdictHeadline([v])).toBe('0 of 1 claims hold, 1 unresolved (1 imprecise)');
  });
});

describe("section 6's cells all name their runtime when the plan gives no workspace (finding 4)", () => {
  const clients = [{ client: 'node-http' }];
  it("null workspace: the kernel's version is a store cell like the others", () => {
    const plan = runtimeCells({
      runtimes: ['22.23.3', '24.21.0', '26.10.0'],
      workspace: null,
      clients,
      supported: '>=22.0.0',
    });
    expect(plan.cells.map((c) => c.cell)).toEqual([
      { client: 'node-http', node: '22.23.3' },
      { client: 'node-http', node: '24.21.0' },
      { client: 'node-http', node: '26.10.0' },
    ]);
    // Counterfactual: with the kernel's version as the workspace, its cell names no runtime (the kernel's binary).
    const kernel = runtimeCells({
      runtimes: ['22.23.3', '24.21.0'],
      workspace: '24.21.0',
      clients,
      supported: '>=22.0.0',
    });
    expect(kernel.cells.map((c) => c.cell)).toEqual([
      { client: 'node-http', node: '22.23.3' },
      { client: 'node-http' },
    ]);
  });
});
