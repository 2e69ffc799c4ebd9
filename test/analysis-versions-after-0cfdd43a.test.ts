import {
  type BisectOnRecord,
  bisectPlans,
  consecutiveSteps,
  type EarlierSteps,
  type EarlierVerdicts,
  latestDecisionHere,
  movementLeadLines,
  movementLeads,
  rangeOnRecord,
  replicationPreferringThisMachine,
  sanityCheck,
  type VerdictData,
  versionParityClaim,
  withRounds,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';
import { around, cell } from './fixtures/version-cells';

/**
 * Notebook 07's rules stated before the next run after versions-0cfdd43a (its second reader's findings 1, 5 and 6),
 * each on both sides: a step beyond chance that the latest earlier run on this machine moved the other way is "reversed
 * between runs on this machine", no bisect; a range a complete 3-process bisect searched here with no boundary is not
 * planned again with the same command; a hand-labelled replication names this machine's latest run that decided it.
 */

const THIS_MACHINE = 'c6b1b4ab37fa2537';
const OTHER_MACHINE = '89a6b0eadf6dc5bf';
const PARITY = { above: 0.9, below: 1.1 };

describe('reversed between runs on this machine (finding 1)', () => {
  // undici request on Node 22.23.3 and 24.21.0 at 512, 28 rounds: older / newer = rps22 / rps24 in every round.
  const nodeStep = (rps22: number, n = 28) =>
    consecutiveSteps({
      cells: [
        { line: 'undici-request', version: '22.23.3', measurement: cell('22', { rps: around(rps22, n) }) },
        { line: 'undici-request', version: '24.21.0', measurement: cell('24', { rps: around(1000, n) }) },
      ],
      metrics: ['throughput'],
    });
  const earlier = (run: string, rps22: number, startedAt?: string): EarlierSteps => ({
    run,
    ...(startedAt === undefined ? {} : { startedAt }),
    steps: nodeStep(rps22),
  });
  const leadsWith = (runs: EarlierSteps[]) =>
    movementLeads({
      // versions-0cfdd43a's reading: Node 22 below 24 (older / newer 0.931), beyond chance.
      steps: nodeStep(931),
      packageName: 'node',
      scenario: { concurrency: 512 },
      machineId: THIS_MACHINE,
      multiplicity: { earlier: runs },
    });
  const COMMAND =
    'npx casebook bisect --package node --good 22.23.3 --bad 24.21.0 --concurrency 512 --metric throughput --client undici-request';

  it('the step is beyond chance in this run', () => {
    const [step] = nodeStep(931);
    expect(step?.movement).toBe('up');
    expect(step?.familyWise.resolved).toBe(true);
  });

  it('fires: the latest earlier run here moved it the other way (versions-a69647ac: 1.31): no command', () => {
    const leads = leadsWith([earlier('versions-a69647ac', 1310, '2026-12-05T21:34:13.757Z')]);
    expect(leads.map((l) => l.kind)).toEqual(['reversed']);
    expect(leads[0]?.commands).toEqual([]);
    expect(leads[0]?.sentence).toMatch(/Beyond chance across 1 step × metric intervals/);
    expect(leads[0]?.sentence).toMatch(
      /Reversed between runs on this machine: the latest earlier committed run here that measured it, versions-a69647ac \(older \/ newer 1\.31, 1\.310–1\.310\), moved it the other way beyond its interval \(this run read it one client process a cell\): rerun with ≥ 3 processes a cell before citing either direction; no bisect\./,
    );
    const lines = movementLeadLines(leads);
    expect(lines.some((l) => l.includes(COMMAND))).toBe(false);
    expect(lines[1]).toMatch(
      /^ {2}- reversed between runs on this machine: rerun with ≥ 3 processes a cell; no bisect before a rerun agrees with one direction/,
    );
  });

  it('fires by time, not by the order listed: the latest run moved it the other way, an older one the same way', () => {
    const leads = leadsWith([
      earlier('versions-a69647ac', 1310, '2026-12-05T21:34:13.757Z'),
      earlier('versions-0000aaaa', 900, '2026-12-04T10:00:00.000Z'),
    ]);
    expect(leads.map((l) => l.kind)).toEqual(['reversed']);
  });

  it('does not fire: the latest earlier run here moved it the same way: the bisect, as before', () => {
    const leads = leadsWith([earlier('versions-a69647ac', 900, '2026-12-05T21:34:13.757Z')]);
    expect(leads.map((l) => l.kind)).toEqual(['bisect']);
    expect(leads[0]?.commands).toEqual([COMMAND]);
    expect(leads[0]?.sentence).not.toMatch(/Reversed between runs/);
  });

  it('does not fire: the latest run (by time, listed first) moved it the same way, an older one the other way', () => {
    const leads = leadsWith([
      earlier('versions-latest', 900, '2026-12-06T04:18:51.741Z'),
      earlier('versions-older', 1310, '2026-12-05T21:34:13.757Z'),
    ]);
    expect(leads.map((l) => l.kind)).toEqual(['bisect']);
  });

  it('does not fire: the latest earlier run did not move it, or no earlier run measured it', () => {
    expect(leadsWith([earlier('versions-flat', 1000, '2026-12-05T21:34:13.757Z')]).map((l) => l.kind)).toEqual([
      'bisect',
    ]);
    expect(leadsWith([]).map((l) => l.kind)).toEqual(['bisect']);
  });

  it('does not fire without the multiplicity rule (every movement a lead, the rule before)', () => {
    const leads = movementLeads({
      steps: nodeStep(931),
      packageName: 'node',
      scenario: { concurrency: 512 },
      machineId: THIS_MACHINE,
    });
    expect(leads.map((l) => l.kind)).toEqual(['bisect']);
  });
});

describe('a range a complete 3-process bisect searched here with no boundary is not planned again (finding 5)', () => {
  const searched = (
    good: string,
    bad: string,
    options: { machineId?: string; perVersion?: number; status?: string; folder?: string; metric?: string } = {},
  ): BisectOnRecord => ({
    file: `results/bisect/${options.folder ?? `undici-throughput-c512-${good}-${bad}-3proc-2026-12-06`}/bisect.json`,
    record: {
      good: { version: good },
      bad: { version: bad },
      metric: { name: options.metric ?? 'throughput' },
      client: 'undici-request',
      package: 'undici',
      scenario: { concurrency: 512 },
      ...(options.perVersion === 1 ? {} : { processes: { perVersion: options.perVersion ?? 3 } }),
      environment: { machineId: options.machineId ?? THIS_MACHINE },
      steps: [
        {
          rounds: 10,
          ratios: [{ older: good, newer: bad, ratio: { median: 0.988, low: 0.904, high: 1.086, coverage: 0.95 } }],
        },
      ],
      boundaries: [],
      status: options.status ?? 'completed',
      reproduce: {
        command: `npx casebook bisect --package undici --good ${good} --bad ${bad} --metric throughput --client undici-request --profile standard --seed 1 --method steady --processes 3 --concurrency 512`,
      },
    },
  });
  const base = { metric: 'throughput' as const, client: 'undici-request', concurrency: 512, machineId: THIS_MACHINE };
  const range = { good: '7.24.7', bad: '7.30.2' };

  it('fires: "searched by <id> on this machine, no boundary at its resolution …; next: rerun it …"', () => {
    const r = rangeOnRecord({ ...base, range, bisects: [searched('7.24.7', '7.30.2')] });
    expect(r.plan).toBe(false);
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatch(
      /^undici-request 7\.24\.7 → 7\.30\.2 \(throughput, 512 in flight\): searched by undici-throughput-c512-7\.24\.7-7\.30\.2-3proc-2026-12-06 on this machine, no boundary at its resolution \(interval 0\.904–1\.086 for 7\.24\.7 → 7\.30\.2 at 10 rounds, 3 client processes per version\); next: rerun it with more rounds \(about 40 rounds a step/,
    );
  });

  it('prints the same search at four times its rounds (casebook bisect --rounds), not the same command', () => {
    const r = rangeOnRecord({ ...base, range, bisects: [searched('7.24.7', '7.30.2')] });
    expect(r.notes[0]).toContain(
      ': `npx casebook bisect --package undici --good 7.24.7 --bad 7.30.2 --metric throughput --client undici-request --profile standard --rounds 40 --seed 1 --method steady --processes 3 --concurrency 512`',
    );
    expect(withRounds('npx casebook bisect --package undici --rounds 12 --seed 1', 48)).toBe(
      'npx casebook bisect --package undici --seed 1 --rounds 48',
    );
    expect(withRounds('npx casebook bench --client undici-request', 40)).toBeUndefined();
    expect(withRounds(undefined, 40)).toBeUndefined();
  });

  it('fires in the plan: the searched range loses its command; the other range and the CPU plan keep theirs', () => {
    const plans = bisectPlans({
      cells: [
        { version: '8.13.1', measurement: cell('undici@8.13.1', { rps: around(1000, 8), cpu: around(100, 8) }) },
        { version: '7.30.2', measurement: cell('undici@7.30.2', { rps: around(1200, 8), cpu: around(80, 8) }) },
      ],
      candidates: ['7.30.2', '8.0.0', '8.8.0', '8.13.1'],
      packageName: 'undici',
      scenario: { concurrency: 512 },
      lineForks: { '8': '7.24.7' },
      bisects: [searched('7.24.7', '7.30.2')],
      machineId: THIS_MACHINE,
    });
    expect(plans.map((p) => p.metric)).toEqual(['throughput', 'cpu-per-request']);
    const throughput = plans[0]?.brackets[0];
    expect(throughput?.commands).toEqual([
      'npx casebook bisect --package undici --good 7.24.7 --bad 8.13.1 --concurrency 512 --metric throughput --client undici-request',
    ]);
    expect(throughput?.note).toMatch(
      /searched by undici-throughput-c512-7\.24\.7-7\.30\.2-3proc-2026-12-06 on this machine/,
    );
    // No CPU bisect on record: the CPU plan prints both ranges' commands.
    expect(plans[1]?.brackets[0]?.commands).toEqual([
      'npx casebook bisect --package undici --good 7.24.7 --bad 8.13.1 --concurrency 512 --metric cpu-per-request --client undici-request',
      'npx casebook bisect --package undici --good 7.24.7 --bad 7.30.2 --concurrency 512 --metric cpu-per-request --client undici-request',
    ]);
  });

  it('does not fire: another machine, one process, a stopped search, another metric, or a boundary found', () => {
    const others = [
      searched('7.24.7', '7.30.2', { machineId: OTHER_MACHINE }),
      searched('7.24.7', '7.30.2', { perVersion: 1, folder: 'undici-throughput-c512-7.24.7-7.30.2-2026-12-04' }),
      searched('7.24.7', '7.30.2', { status: 'interrupted' }),
      searched('7.24.7', '7.30.2', { folder: 'undici-throughput-c512-7.24.7-7.30.2-3proc-2026-12-06-interrupted' }),
    ];
    for (const b of others) {
      const r = rangeOnRecord({ ...base, range, bisects: [b] });
      expect(r.plan).toBe(true);
      expect(r.notes[0]).toMatch(/was already searched by `results\/bisect\//);
    }
    const cpu = rangeOnRecord({
      ...base,
      range,
      bisects: [searched('7.24.7', '7.30.2', { metric: 'cpu-per-request' })],
    });
    expect(cpu).toEqual({ plan: true, notes: [] });
    const located = searched('7.24.7', '7.30.2');
    const withBoundary: BisectOnRecord = {
      ...located,
      record: {
        ...located.record,
        boundaries: [{ older: '7.27.2', newer: '7.28.0', confirmation: { confirmed: false } }],
      },
    };
    expect(rangeOnRecord({ ...base, range, bisects: [withBoundary] }).plan).toBe(true);
    // No machine known for this run: nothing is "this machine".
    expect(rangeOnRecord({ ...base, machineId: null, range, bisects: [searched('7.24.7', '7.30.2')] }).plan).toBe(true);
  });
});

describe("a replication names this machine's latest run that decided it (finding 6)", () => {
  const ref = cell('undici@8.13.1', { rps: around(1000, 8) });
  const claim = (id: string, rps: number): VerdictData =>
    versionParityClaim({
      id,
      reference: ref,
      other: cell('undici@6.29.1', { rps: around(rps, 8) }),
      metric: 'throughputRps',
      band: PARITY,
    });
  const earlier = (run: string, verdicts: VerdictData[]): EarlierVerdicts => ({ run, verdicts });
  const HAND = {
    run: 'versions-115bbbac',
    text: '6.29.1 at 1.19× 8.13.1 (1.14–1.21), wholly above this band',
    outcome: 'fails' as const,
    machine: OTHER_MACHINE,
    thisMachine: THIS_MACHINE,
  };

  it('fires: versions-a69647ac on this machine decided it, so it is named, not versions-115bbbac on another', () => {
    const here = [
      earlier('versions-a69647ac', [claim('undici-6-throughput-parity', 1240)]),
      earlier('versions-0cfdd43a', [claim('undici-6-throughput-parity', 1050)]),
    ];
    // The latest that decided: versions-0cfdd43a (holds here); with only versions-a69647ac, that one (fails).
    const v = replicationPreferringThisMachine(claim('undici-6-throughput-parity', 1340), HAND, here.slice(0, 1));
    expect(v.kind).toBe('exploratory');
    expect(v.claim).toMatch(
      /^Replication of versions-a69647ac \(which measured undici-6-throughput-parity = 1\.24 \(1\.24–1\.24\): fails before this run; not a finding\)/,
    );
    expect(v.claim).not.toMatch(/versions-115bbbac|89a6b0ea/);
    expect(v.evidence['replicates']).toBe('versions-a69647ac');
    expect(v.evidence['replicatesOutcome']).toBe('fails');
    expect(v.evidence['replicatesOtherMachine']).toBe(false);
    expect(v.evidence['replicatesFirst']).toBe(
      'versions-115bbbac, machine 89a6b0ea…: 6.29.1 at 1.19× 8.13.1 (1.14–1.21), wholly above this band',
    );
    const latest = replicationPreferringThisMachine(claim('undici-6-throughput-parity', 1340), HAND, here);
    expect(latest.evidence['replicates']).toBe('versions-0cfdd43a');
    expect(latest.evidence['earlierDecisions']).toMatch(
      /^versions-a69647ac: 1\.24 .*: fails; versions-0cfdd43a: 1\.05 .*: holds$/,
    );
    expect(latestDecisionHere('undici-6-throughput-parity', here)).toMatchObject({
      run: 'versions-0cfdd43a',
      outcome: 'holds',
      text: 'undici-6-throughput-parity = 1.05 (1.05–1.05): holds',
    });
  });

  it('does not fire: no run here decided it (unresolved, another id, none): the hand label, its machine named', () => {
    const noisy = versionParityClaim({
      id: 'undici-6-throughput-parity',
      reference: ref,
      other: cell('x', { rps: [700, 1300, 900, 1250, 1000, 1150, 800, 1200] }),
      metric: 'throughputRps',
      band: PARITY,
    });
    expect(noisy.outcome).toBe('unresolved');
    for (const here of [[], [earlier('versions-a69647ac', [noisy])], [earlier('b', [claim('other-id', 1240)])]]) {
      const v = replicationPreferringThisMachine(claim('undici-6-throughput-parity', 1340), HAND, here);
      expect(v.claim).toMatch(
        /^Replication of versions-115bbbac, on machine 89a6b0ea…, not this run's \(which measured 6\.29\.1/,
      );
      expect(v.evidence['replicatesFirst']).toBeUndefined();
    }
    expect(latestDecisionHere('undici-6-throughput-parity', [earlier('versions-a69647ac', [noisy])])).toBeNull();
  });

  it('a sanity check is returned unchanged', () => {
    const s = sanityCheck({ id: 'undici-6-throughput-parity', claim: 'c', holds: true, evidence: {} });
    const here = [earlier('a', [claim('undici-6-throughput-parity', 1240)])];
    expect(replicationPreferringThisMachine(s, HAND, here)).toBe(s);
  });
});
