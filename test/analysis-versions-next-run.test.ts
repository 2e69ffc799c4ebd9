import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  exploratoryProvenance,
  outcomeLines,
  replicationOf,
  runtimeRows,
  sameCellsAcrossLines,
  singleSocketVerdict,
  type VersionMeasurement,
  verdictHeadline,
  verdictKindText,
  verdictLabel,
  versionParityClaim,
  versionRows,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

/**
 * Notebook 07's rules stated before the run after versions-8cdc0db4 (its second reader's findings 2, 4 and 5), each on
 * both sides: a pair measured in two comparisons of one run is decided by both (and the same cells are printed side by
 * side per comparison, not as the machine's drift); the section tables print no ratio the closing table and the claims
 * refuse; a verdict whose outcome an earlier run already showed is a replication, declared before this run. The run's
 * own cells (test/fixtures/versions-8cdc0db4-cells.json, reduced from its bench records) are the failing side where
 * they are; constructed cells give the other.
 */

type FixtureCell = VersionMeasurement & { params: { load: { concurrency: number } } };
const fixture = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures/versions-8cdc0db4-cells.json'), 'utf8')) as {
  cells: Record<string, FixtureCell>;
};
const bench = (n: string): FixtureCell => {
  const m = fixture.cells[n];
  if (m === undefined) throw new Error(`no cell ${n} in the fixture`);
  return m;
};

/** A constructed cell: `rounds` blocks at `rps × factor(round)`, CPU inversely, on `client`, at a peak of `peak`. */
function cell(
  label: string,
  opts: { rps?: number; cpu?: number; rounds?: number; flags?: string[]; peak?: number; client?: string } = {},
): VersionMeasurement {
  const flags = opts.flags ?? [];
  const factor = (round: number) => 1 + ((round % 3) - 1) * 0.01;
  return {
    label,
    client: { name: opts.client ?? 'undici-request', version: '8.13.1', settings: {} },
    target: { connectionsOpened: opts.peak ?? 1, connectionsOpenedMeasured: 0, peakOpenConnections: opts.peak ?? 1 },
    guards: { flags, rankable: flags.length === 0 },
    method: {
      blocks: Array.from({ length: opts.rounds ?? 8 }, (_, round) => ({
        index: round,
        round,
        throughputRps: (opts.rps ?? 1000) * factor(round),
        cpuMicrosPerRequest: (opts.cpu ?? 100) / factor(round),
        clientUtilization: 0.9,
        targetCpuShare: 0.3,
      })),
    },
  };
}

const BAND = { above: 0.9, below: 1.1 };
const U8 = 'undici@8.13.1 (undici-request)';
const U7 = 'undici@7.30.2 (undici-request)';

describe('a pair measured in two comparisons of one run is decided by both (finding 2)', () => {
  it("undici-7-throughput-parity: section 1's fail is not section 7's, so it is unresolved in section 7, naming both ratios", () => {
    const section1 = { reference: bench('001'), other: bench('002') };
    const section7 = { comparison: 'section 7', reference: bench('041'), other: bench('052') };
    const alone = versionParityClaim({
      id: 'undici-7-throughput-parity',
      ...section1,
      metric: 'throughputRps',
      band: BAND,
    });
    // Counterfactual: section 1 alone fails (1.21, wholly above the band), as the run printed it.
    expect(alone.outcome).toBe('fails');
    const v = versionParityClaim({
      id: 'undici-7-throughput-parity',
      ...section1,
      metric: 'throughputRps',
      band: BAND,
      comparison: 'section 1',
      alsoMeasuredIn: [section7],
    });
    expect(v.outcome).toBe('unresolved');
    expect(v.kind).toBe('claim');
    // Since versions-670dac55: section 7 decides nothing (across an edge), so it does not contradict section 1: the
    // claim is unresolved in section 7, not comparison-dependent (opposite decisions only).
    expect(v.evidence['comparisonDependent']).toBeUndefined();
    const why = String(v.evidence['unresolvedElsewhere']);
    expect(why).toMatch(
      new RegExp(
        `^unresolved in section 7 \\(not contradicted: imprecise or not compared there\\): section 1: ${esc(U7)} / ${esc(U8)} 1\\.21 \\(1\\.14–1\\.24\\), wholly above the band; section 7: ${esc(U7)} / ${esc(U8)} ~ 1\\.06 \\(0\\.9\\d–1\\.3\\d\\), across an edge of the band$`,
      ),
    );
    // The statistic stays the claim's own comparison's; each cell's median in the other comparison is in the evidence.
    expect(v.statistic?.value).toBeCloseTo(1.2086, 3);
    expect(Math.round(Number(v.evidence[`median ${U8}`]))).toBe(8475);
    expect(Math.round(Number(v.evidence[`median ${U8} in section 7`]))).toBe(10240);
    expect(outcomeLines([v])[0]).toBe(`\`undici-7-throughput-parity\`: unresolved: ${why}`);
    expect(verdictHeadline([v])).toBe('0 of 1 claims hold, 1 unresolved (1 imprecise)');
  });

  it("seq-undici-7-cpu-parity: section 5's CPU fail (0.83) against 7b's imprecise 0.95 is unresolved in section 7b", () => {
    const v = versionParityClaim({
      id: 'seq-undici-7-cpu-parity',
      reference: bench('011'),
      other: bench('012'),
      metric: 'cpuMicrosPerRequest',
      band: BAND,
      sameSockets: true,
      comparison: 'section 5',
      alsoMeasuredIn: [{ comparison: 'section 7b', reference: bench('067'), other: bench('078') }],
    });
    expect(v.outcome).toBe('unresolved');
    expect(String(v.evidence['unresolvedElsewhere'])).toMatch(
      /^unresolved in section 7b \(not contradicted: imprecise or not compared there\): section 5: .* 0\.83 \(0\.63–0\.88\), wholly below the band; section 7b: .* ~ 0\.9\d \(0\.88–1\.02\), across an edge of the band$/,
    );
  });

  it('fails when every comparison puts the ratio wholly outside the band on the same side', () => {
    const v = versionParityClaim({
      id: 'p',
      reference: cell('a'),
      other: cell('b', { rps: 1300 }),
      metric: 'throughputRps',
      band: BAND,
      comparison: 'section 1',
      alsoMeasuredIn: [
        { comparison: 'section 7', reference: cell('a', { rps: 1200 }), other: cell('b', { rps: 1500 }) },
      ],
    });
    expect(v.outcome).toBe('fails');
    expect(v.evidence['comparisonDependent']).toBeUndefined();
    expect(String(v.evidence['comparisons'])).toMatch(/wholly above the band; section 7: .*wholly above the band$/);
  });

  it('is unresolved when the comparisons fail on opposite sides', () => {
    const v = versionParityClaim({
      id: 'p',
      reference: cell('a'),
      other: cell('b', { rps: 1300 }),
      metric: 'throughputRps',
      band: BAND,
      alsoMeasuredIn: [
        { comparison: 'section 7', reference: cell('a', { rps: 1500 }), other: cell('b', { rps: 1000 }) },
      ],
    });
    expect(v.outcome).toBe('unresolved');
    expect(String(v.evidence['comparisonDependent'])).toMatch(
      /^comparison-dependent: this comparison: .*wholly above the band; section 7: .*wholly below the band$/,
    );
  });

  it('holds only when every comparison holds; a second comparison that cannot decide leaves it unresolved', () => {
    const both = versionParityClaim({
      id: 'p',
      reference: cell('a'),
      other: cell('b', { rps: 1010 }),
      metric: 'throughputRps',
      band: BAND,
      alsoMeasuredIn: [
        { comparison: 'section 7', reference: cell('a', { rps: 1200 }), other: cell('b', { rps: 1190 }) },
      ],
    });
    expect(both.outcome).toBe('holds');
    // The second comparison's pair is flagged there: it cannot confirm the hold.
    const flagged = versionParityClaim({
      id: 'p',
      reference: cell('a'),
      other: cell('b', { rps: 1010 }),
      metric: 'throughputRps',
      band: BAND,
      alsoMeasuredIn: [
        { comparison: 'section 7', reference: cell('a'), other: cell('b', { flags: ['target-saturated'] }) },
      ],
    });
    expect(flagged.outcome).toBe('unresolved');
    expect(String(flagged.evidence['unresolvedElsewhere'])).toMatch(
      /^unresolved in section 7 .*inside the band; section 7: b \/ a not compared: target saturated in the median block of b/,
    );
    expect(flagged.evidence['comparisonDependent']).toBeUndefined();
  });

  it("stays unresolved as it was when the claim's own comparison cannot decide, whatever the other says", () => {
    const v = versionParityClaim({
      id: 'p',
      reference: cell('a', { rounds: 3 }),
      other: cell('b', { rps: 1300, rounds: 3 }),
      metric: 'throughputRps',
      band: BAND,
      alsoMeasuredIn: [{ comparison: 'section 7', reference: cell('a'), other: cell('b', { rps: 1300 }) }],
    });
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence['comparisonDependent']).toBeUndefined();
    expect(String(v.evidence['comparisons'])).toMatch(/below 95 % coverage; section 7: .*wholly above the band$/);
  });
});

describe('the same cells in several comparisons, side by side (finding 2)', () => {
  it("prints each cell's median in each comparison and the pair's ratio from each, not the machine's drift", () => {
    const lines = sameCellsAcrossLines([
      { name: 'section 1', cells: [bench('001'), bench('002')] },
      { name: 'section 7', cells: [bench('041'), bench('052')] },
    ]);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      new RegExp(
        `^\`${esc(U8)}\`: section 1 8475 req/s, .* µs CPU per request; section 7 10240 req/s, .*; highest ÷ lowest throughput 1\\.21$`,
      ),
    );
    expect(lines[1]).toMatch(
      new RegExp(`^\`${esc(U7)}\`: section 1 102\\d\\d req/s, .*; section 7 10[45]\\d\\d req/s`),
    );
    expect(lines[2]).toMatch(
      new RegExp(
        `^\`${esc(U7)}\` / \`${esc(U8)}\` \\(paired per round within each comparison\\): section 1 throughput 1\\.21 \\(1\\.14–1\\.24\\), CPU per request .*; section 7 throughput ~ 1\\.06 `,
      ),
    );
    expect(lines.join(' ')).not.toMatch(/machine/);
  });

  it('prints nothing for cells measured once, and names a flagged pair', () => {
    expect(
      sameCellsAcrossLines([
        { name: 'one', cells: [cell('a'), cell('b')] },
        { name: 'two', cells: [cell('c')] },
      ]),
    ).toEqual([]);
    const lines = sameCellsAcrossLines([
      { name: 'one', cells: [cell('a'), cell('b')] },
      { name: 'two', cells: [cell('a'), cell('b', { flags: ['not-steady'] })] },
    ]);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^`b` \/ `a` .*; two throughput .* \(a cell flagged: exploratory\)$/);
  });
});

describe('the section tables refuse the ratios the closing table and the claims refuse (finding 4)', () => {
  it('prints no ratio to another client, or none at all, where the comparison says so, with the reason', () => {
    const rows = versionRows(
      [cell('u8'), cell('u7', { rps: 900 }), cell('axios', { client: 'axios', rps: 300 })],
      undefined,
      { ratios: 'same-client' },
    );
    expect(rows.map((r) => r.throughputVsReference.slice(0, 4))).toEqual(['1 (r', '0.90', '— (a']);
    expect(rows[2]?.throughputVsReference).toBe("— (another client than the reference's (undici-request))");
    expect(rows[2]?.cpuVsReference).toBe(rows[2]?.throughputVsReference);
    expect(rows[2]?.p99VsReference).toBe(rows[2]?.throughputVsReference);
    const none = versionRows([cell('u8'), cell('u7', { rps: 900 })], undefined, {
      ratios: 'none',
      why: 'steps, not rankings',
    });
    expect(none[1]?.throughputVsReference).toBe('— (steps, not rankings)');
    // Counterfactual: without a rule, every row gets its ratio (the tables of sections 1–3).
    expect(versionRows([cell('u8'), cell('axios', { client: 'axios', rps: 300 })])[1]?.throughputVsReference).toMatch(
      /^0\.30 /,
    );
  });

  it('prints no ratio between different socket regimes under sameSockets (section 8 at one in flight)', () => {
    // Node's fetch held 2 sockets, Bun's 1: the 2.98× of the run's table compared two regimes.
    const [nodeFetch, bun] = [bench('097'), bench('098')];
    const rows = versionRows([nodeFetch, bun], undefined, { sameSockets: true });
    expect(rows[1]?.throughputVsReference).toBe('— (socket regimes differ: peak 1 vs 2 open)');
    expect(versionRows([nodeFetch, bun])[1]?.throughputVsReference).toMatch(/^2\.9\d /);
    // Same regime: compared (section 5's undici cells, both at 2 sockets).
    expect(
      versionRows([bench('011'), bench('012')], undefined, { sameSockets: true })[1]?.throughputVsReference,
    ).toMatch(/^~? ?1\.\d\d /);
    // runtimeRows passes the rule to each client's group.
    const rt = runtimeRows(
      [
        { client: 'node-fetch', runtime: '24.21.0', measurement: cell('f24', { peak: 2 }) },
        { client: 'node-fetch', runtime: '26.10.0', measurement: cell('f26', { peak: 1 }) },
      ],
      '24.21.0',
      { sameSockets: true },
    );
    expect(rt[1]?.cpuVsReference).toBe('— (socket regimes differ: peak 1 vs 2 open)');
  });

  it('says which cell is flagged, and keeps the paired ratio labelled exploratory', () => {
    const rows = versionRows([cell('a'), cell('b', { flags: ['target-saturated'] })]);
    expect(rows[1]?.throughputVsReference).toMatch(/^— \(flagged: target-saturated; exploratory: ~ 1\.00 \(/);
    const reference = versionRows([cell('a', { flags: ['errors'] }), cell('b')]);
    expect(reference[1]?.throughputVsReference).toMatch(/^— \(flagged: reference errors; exploratory: /);
  });
});

describe('replications: declared before this run, not counted (finding 5)', () => {
  const claim = versionParityClaim({
    id: 'undici-6-throughput-parity',
    reference: cell('u8'),
    other: cell('u6', { rps: 1300 }),
    metric: 'throughputRps',
    band: BAND,
  });

  it('labels a claim whose outcome an earlier run showed as a replication of that run, never as post-hoc', () => {
    const v = replicationOf(claim, { run: 'versions-115bbbac', text: '1.19× (1.14–1.21), failing the same band' });
    expect([v.kind, v.outcome, v.evidence['replicates']]).toEqual(['exploratory', 'fails', 'versions-115bbbac']);
    expect(v.claim).toMatch(
      /^Replication of versions-115bbbac \(which measured 1\.19× \(1\.14–1\.21\), failing the same band before this run; not a finding\): u6's throughput/,
    );
    expect(exploratoryProvenance(v)).toBe('declared before this run: a replication of versions-115bbbac, not counted');
    expect(verdictKindText(v)).toBe(
      'Exploratory (declared before this run: a replication of versions-115bbbac, not counted)',
    );
    expect(verdictLabel(v)).toBe(
      '❌ does not hold (exploratory, declared before this run: a replication of versions-115bbbac, not counted)',
    );
    expect(outcomeLines([v])[0]).toMatch(
      /^`undici-6-throughput-parity` \(exploratory, declared before this run: a replication of versions-115bbbac, not counted\): does not hold/,
    );
    // Not counted: the headline has no claim left.
    expect(verdictHeadline([v])).toBe(
      '0 new holds of 0 claims, 0 replicated (of 1 replication of earlier runs, not counted), 1 exploratory (1 of them a replication)',
    );
    // Counterfactual: the same verdict without the replication is a counted claim.
    expect(verdictHeadline([claim])).toBe('0 of 1 claims hold, 1 do not hold');
  });

  it("reads the one-socket replications as declared before this run (they read 'added after seeing the data')", () => {
    const v = singleSocketVerdict({
      id: 'seq-one-socket',
      measurements: [cell('a'), cell('b', { peak: 2 })],
      replicates: { run: 'versions-115bbbac', text: 'b at 2 sockets' },
    });
    expect(verdictLabel(v)).toBe(
      '❌ does not hold (exploratory, declared before this run: a replication of versions-115bbbac, not counted)',
    );
    // An exploratory verdict with no replication and no declaration is still post-hoc.
    const posthoc = { ...v, evidence: { ...v.evidence, replicates: null } };
    expect(exploratoryProvenance(posthoc)).toBe('added after seeing the data');
  });

  it('leaves a sanity check as it is', () => {
    const sanity = singleSocketVerdict({ id: 's', measurements: [cell('a')], kind: 'sanity' });
    expect(replicationOf(sanity, { run: 'r', text: 't' })).toBe(sanity);
  });
});

/** A label as a literal in a RegExp. */
function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
