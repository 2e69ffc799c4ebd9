import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildCitation,
  citationMarkdown,
  claimOutcomes,
  environmentDiff,
  loadMeasurement,
  loadRecord,
  type ReproductionLink,
  type ReproductionSide,
  reproductionLine,
  reproductionMarkdown,
  reproductionReport,
} from '@casebook/citing';
import { type CaseStudyRecord, readRecord, UsageError, writeRecord } from '@casebook/results';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { readReproduction } from '../packages/citing/src/site/reproductions';
import { parseReproduceArgs, runIdFromLink } from '../packages/cli/src/commands/reproduce';

/**
 * `casebook reproduce` without a process or a notebook: the pure report on a committed run (against itself, and
 * against edited copies of itself), and the command's argument parser.
 */

const REPO = path.resolve(__dirname, '..');
const RUN_ID = '512-at-once-893dcc1f';
const RECORD = path.join(REPO, 'results', '512-at-once', RUN_ID, 'record.json');

function committed(): ReproductionSide & { record: CaseStudyRecord } {
  const loaded = loadRecord(RECORD);
  if (loaded.kind !== 'case-study') throw new Error(`${RECORD} is not a case-study record`);
  const study = { file: loaded.file, record: loaded.record };
  return { record: loaded.record, benches: loaded.record.measurements.map((m) => loadMeasurement(study, m, REPO)) };
}

/** A deep copy whose verdicts pass through `edit` (records are plain JSON). */
function withVerdicts(
  side: ReproductionSide,
  edit: (v: CaseStudyRecord['verdicts']) => CaseStudyRecord['verdicts'],
): ReproductionSide {
  const record: CaseStudyRecord = structuredClone(side.record);
  return { record: { ...record, verdicts: edit(record.verdicts) }, benches: side.benches };
}

type Verdict = CaseStudyRecord['verdicts'][number];

/** A verdict with no evidence (holds is true exactly when the outcome is holds). */
function verdict(id: string, outcome: Verdict['outcome'], kind: Verdict['kind'] = 'claim'): Verdict {
  return outcome === 'holds'
    ? { id, claim: id, kind, evidence: {}, outcome, holds: true }
    : { id, claim: id, kind, evidence: {}, outcome, holds: false };
}

/** An anonymous machine id other than the committed run's. */
const OTHER_MACHINE = 'ffffffffffffffff';

describe('reproductionReport', () => {
  const original = committed();
  const claims = original.record.verdicts.filter((v) => v.kind === 'claim');
  const claimIds = claims.map((v) => v.id);
  const decidedIds = claims.filter((v) => v.outcome !== 'unresolved').map((v) => v.id);
  const undecidedIds = claims.filter((v) => v.outcome === 'unresolved').map((v) => v.id);

  test('a committed run against itself: every claim reproduced, drift 1, no environment difference', () => {
    const r = reproductionReport(original, original);
    expect(r.kind).toBe('reproduction');
    expect(r.schemaVersion).toBe(4);
    expect(r.runId).toMatch(new RegExp(`^${RUN_ID}-repro-[0-9a-f]{8}$`));
    expect(r.original).toMatchObject({ runId: RUN_ID, caseStudy: '512-at-once', profile: 'standard' });
    // The committed run leaves one claim unresolved: the headline counts the decided ones, not that one.
    expect(decidedIds.length).toBeGreaterThan(0);
    expect(undecidedIds.length).toBe(1);
    expect(r.summary).toEqual({
      claims: claimIds.length,
      reproduced: claimIds.length,
      notReproduced: 0,
      missing: 0,
      decided: decidedIds.length,
      decidedReproduced: decidedIds.length,
      undecided: undecidedIds.length,
      undecidedDecidedHere: 0,
    });
    expect(r.claims.filter((c) => c.kind === 'claim').map((c) => c.id)).toEqual(claimIds);
    // Sanity checks and exploratory observations are listed, after the claims, and not counted.
    expect(r.claims.length).toBe(original.record.verdicts.length);
    expect(r.claims.every((c) => c.status === 'reproduced')).toBe(true);
    const metrics = new Set(r.drift.map((d) => d.metric));
    expect(metrics).toEqual(new Set(['throughputRps', 'cpuMicrosPerRequest', 'ratioToReference']));
    expect(r.drift.filter((d) => d.metric === 'throughputRps').length).toBe(original.record.measurements.length);
    for (const d of r.drift) expect(d.ratio, `${d.measurement} ${d.metric}`).toBe(1);
    expect(r.environmentDiff).toEqual([]);
    const text = reproductionMarkdown(r);
    expect(text).toContain(`**${decidedIds.length} of ${decidedIds.length} decided claims reproduced**`);
    expect(text).toContain(
      '1 claim was unresolved in the original: 1 unresolved again, 0 decided here (neither counts as reproduced).',
    );
    expect(text).not.toContain(`${claimIds.length} of ${claimIds.length}`);
    expect(text).toContain(`| ${undecidedIds[0]} | unresolved | unresolved | unresolved in both |`);
    expect(text).toContain('Environment: the same');
  });

  /** The original with exactly these verdicts, and a rerun of it whose verdicts pass through `edit`. */
  function pair(verdicts: Verdict[], edit: (v: Verdict[]) => Verdict[] = (v) => v) {
    const before = withVerdicts(original, () => verdicts);
    const after = withVerdicts(before, (vs) => edit(vs));
    const r = reproductionReport(before, after);
    return { r, text: reproductionMarkdown(r) };
  }

  const tenClaims = (): Verdict[] => [
    verdict('c-holds', 'holds'),
    verdict('c-fails', 'fails'),
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((i) => verdict(`u${i}`, 'unresolved')),
    verdict('lab-works', 'holds', 'sanity'),
    verdict('curious', 'unresolved', 'exploratory'),
  ];

  test('1 holds twice, 1 fails twice, 8 unresolved twice: 2 of 2 decided claims reproduced, not 10 of 10', () => {
    const { r, text } = pair(tenClaims());
    expect(r.summary).toEqual({
      claims: 10,
      reproduced: 10,
      notReproduced: 0,
      missing: 0,
      decided: 2,
      decidedReproduced: 2,
      undecided: 8,
      undecidedDecidedHere: 0,
    });
    // The record keeps status 'reproduced' for the unresolved pairs (compatible); the report does not say so.
    expect(r.claims.find((c) => c.id === 'u1')).toMatchObject({ status: 'reproduced', reproduced: 'unresolved' });
    const [headline] = text.split('\n');
    expect(headline).toMatch(/^\*\*2 of 2 decided claims reproduced\*\* \(the same outcome, holds or fails, here\) — /);
    expect(headline).toMatch(
      /; 8 claims were unresolved in the original: 8 unresolved again, 0 decided here \(neither counts as reproduced\)\.$/,
    );
    expect(text).not.toContain('10 of 10');
    expect(text).not.toContain('not reproduced**');
    expect(text).toContain('| c-holds | holds | holds | reproduced |');
    expect(text).toContain('| c-fails | fails | fails | reproduced |');
    for (let i = 1; i <= 8; i++) expect(text).toContain(`| u${i} | unresolved | unresolved | unresolved in both |`);
    expect(text).not.toMatch(/\| u\d \| unresolved \| unresolved \| reproduced \|/);
    // Sanity checks and exploratory observations: listed, not counted.
    expect(text).toContain('| lab-works | sanity | holds | holds | reproduced |');
    expect(text).toContain('| curious | exploratory | unresolved | unresolved | unresolved in both |');
  });

  test('a decided claim flips (holds → unresolved), an unresolved one is decided here, one goes missing', () => {
    const { r, text } = pair(tenClaims(), (vs) =>
      vs
        .filter((v) => v.id !== 'u8')
        .map((v) => (v.id === 'c-holds' ? verdict(v.id, 'unresolved') : v.id === 'u1' ? verdict(v.id, 'holds') : v)),
    );
    expect(r.summary).toEqual({
      claims: 10,
      reproduced: 7,
      notReproduced: 2,
      missing: 1,
      decided: 2,
      decidedReproduced: 1,
      undecided: 8,
      undecidedDecidedHere: 1,
    });
    expect(r.summary.decidedReproduced).toBeLessThan(r.summary.decided ?? 0);
    const [headline] = text.split('\n');
    expect(headline).toMatch(/^\*\*1 of 2 decided claims reproduced\*\*/);
    expect(headline).toContain('; 1 not reproduced; 8 claims were unresolved in the original:');
    expect(headline).toContain('6 unresolved again, 1 decided here, 1 missing from the rerun (neither counts');
    expect(text).toContain('| c-holds | holds | unresolved | **not reproduced** |');
    expect(text).toContain('| u1 | unresolved | holds | decided here (unresolved in the original) |');
    expect(text).toContain('| u8 | unresolved | missing | **missing** |');
  });

  test('no claim decided in the original: nothing to reproduce, whatever the rerun says', () => {
    const { r, text } = pair([verdict('u1', 'unresolved'), verdict('u2', 'unresolved')], (vs) =>
      vs.map((v) => (v.id === 'u2' ? verdict(v.id, 'fails') : v)),
    );
    expect(r.summary).toMatchObject({
      claims: 2,
      decided: 0,
      decidedReproduced: 0,
      undecided: 2,
      undecidedDecidedHere: 1,
    });
    expect(text.split('\n')[0]).toMatch(
      /^\*\*no claim was decided in the original: nothing to reproduce\*\* — .*; 2 claims were unresolved in the original: 1 unresolved again, 1 decided here \(neither counts as reproduced\)\.$/,
    );
    expect(text).not.toMatch(/\d+ of \d+ (decided )?claims reproduced/);
  });

  test('one outcome changed: that claim is not reproduced, by name', () => {
    const target = claimIds[0] as string;
    const changed = withVerdicts(original, (vs) =>
      vs.map((v): CaseStudyRecord['verdicts'][number] =>
        v.id === target ? { ...v, outcome: v.outcome === 'fails' ? 'unresolved' : 'fails', holds: false } : v,
      ),
    );
    const r = reproductionReport(original, changed);
    expect(r.summary).toMatchObject({
      reproduced: claimIds.length - 1,
      notReproduced: 1,
      missing: 0,
      decided: decidedIds.length,
      decidedReproduced: decidedIds.length - 1,
    });
    expect(reproductionMarkdown(r)).toContain(
      `**${decidedIds.length - 1} of ${decidedIds.length} decided claims reproduced** (the same outcome, holds or fails, here)`,
    );
    expect(reproductionMarkdown(r)).toMatch(/ rerun as `[^`]+`; 1 not reproduced; /);
    const bad = r.claims.filter((c) => c.status !== 'reproduced');
    expect(bad.map((c) => c.id)).toEqual([target]);
    expect(bad[0]?.original).not.toBe(bad[0]?.reproduced);
    expect(reproductionMarkdown(r)).toMatch(new RegExp(`\\| ${target} \\|.*not reproduced`));
  });

  test('a claim the rerun does not make: missing', () => {
    const target = claimIds[claimIds.length - 1] as string;
    const r = reproductionReport(
      original,
      withVerdicts(original, (vs) => vs.filter((v) => v.id !== target)),
    );
    expect(r.summary).toMatchObject({ reproduced: claimIds.length - 1, notReproduced: 0, missing: 1 });
    expect(r.claims.find((c) => c.id === target)).toMatchObject({ status: 'missing', reproduced: 'missing' });
  });

  test('drift divides the rerun by the original; environment differences are named', () => {
    const [first] = original.record.measurements;
    if (first === undefined) throw new Error('no measurements');
    const slower: ReproductionSide = {
      record: {
        ...original.record,
        runId: '512-at-once-00000000',
        environment: {
          ...original.record.environment,
          cpuModel: 'Other CPU',
          clientVersions: { ...original.record.environment.clientVersions, undici: '0.0.1' },
        },
      },
      benches: original.benches.map((b) =>
        b.label === first.label ? { ...b, throughputRps: b.throughputRps / 2 } : b,
      ),
    };
    const r = reproductionReport(original, slower);
    expect(r.reproducedRunId).toBe('512-at-once-00000000');
    const row = r.drift.find((d) => d.measurement === first.label && d.metric === 'throughputRps');
    expect(row?.ratio).toBeCloseTo(0.5, 12);
    expect(r.environmentDiff.map((d) => d.field)).toEqual(['cpuModel', 'clientVersions.undici']);
    expect(environmentDiff(original.record.environment, slower.record.environment)).toEqual(r.environmentDiff);
    expect(r.summary.reproduced).toBe(claimIds.length);
  });
});

describe('compare: claims section', () => {
  test('each verdict of a and b by id, missing on the side without it', () => {
    const { record } = committed();
    const b: CaseStudyRecord = { ...record, verdicts: record.verdicts.slice(1) };
    const rows = claimOutcomes(record, b);
    expect(rows.length).toBe(record.verdicts.length);
    expect(rows[0]).toMatchObject({ id: record.verdicts[0]?.id, b: 'missing' });
    expect(rows.slice(1).every((x) => x.a === x.b)).toBe(true);
  });
});

describe('cite: reproduced on K machines', () => {
  const link = (runId: string, machineId: string | null, reproduced: number): ReproductionLink => ({
    runId,
    machineId,
    claims: 8,
    reproduced,
    link: `results/512-at-once/${runId}/reproduction.json`,
  });
  const decided = (
    runId: string,
    machineId: string,
    counts: { reproduced: number; decided: number; decidedReproduced: number },
  ): ReproductionLink => ({ ...link(runId, machineId, counts.reproduced), claims: 10, ...counts });

  test('a record without the decided counts (written before them): every claim counted, as before', () => {
    expect(reproductionLine([])).toBeNull();
    const line = reproductionLine([
      link('a-repro-00000001', 'aaaaaaaaaaaaaaaa', 8),
      link('a-repro-00000002', 'aaaaaaaaaaaaaaaa', 8),
      link('a-repro-00000003', 'bbbbbbbbbbbbbbbb', 8),
      link('a-repro-00000004', 'cccccccccccccccc', 7),
    ]);
    expect(line).toContain('Reproduced on 2 machines');
    expect(line).toContain('[a-repro-00000003](results/512-at-once/a-repro-00000003/reproduction.json)');
    expect(line).toContain('not fully reproduced: [a-repro-00000004]');
    expect(line).toContain('(8 of 8 claims)');
    expect(line).toContain('(7 of 8 claims)');
    expect(line).not.toContain('decided');
  });

  test('with the decided counts: full only when every decided claim reproduced, and at least one was decided', () => {
    const line = reproductionLine([
      // 10 of 10 the old way, but 8 of them unresolved both times: 2 of 2 decided.
      decided('a-repro-00000001', 'aaaaaaaaaaaaaaaa', { reproduced: 10, decided: 2, decidedReproduced: 2 }),
      // A decided claim flipped.
      decided('a-repro-00000002', 'bbbbbbbbbbbbbbbb', { reproduced: 9, decided: 2, decidedReproduced: 1 }),
      // Nothing decided in the original: 10 of 10 the old way, and no reproduction at all.
      decided('a-repro-00000003', 'cccccccccccccccc', { reproduced: 10, decided: 0, decidedReproduced: 0 }),
    ]);
    expect(line).toContain(
      'Reproduced on 1 machine: [a-repro-00000001](results/512-at-once/a-repro-00000001/reproduction.json) (2 of 2 decided claims)',
    );
    expect(line).toContain('not fully reproduced: [a-repro-00000002]');
    expect(line).toContain('(1 of 2 decided claims)');
    expect(line).toContain('rerun with no decided claim to reproduce: [a-repro-00000003]');
    expect(line).not.toContain('10 of 10');
    expect(line).not.toMatch(/Reproduced on \d+ machines?: [^;]*a-repro-0000000[23]/);
    expect(
      reproductionLine([
        decided('a-repro-00000003', 'cccccccccccccccc', { reproduced: 10, decided: 0, decidedReproduced: 0 }),
      ]),
    ).not.toContain('Reproduced on');
  });

  test("a rerun on the original's own machine is listed apart and never counted as a machine", () => {
    const same = {
      ...decided('a-repro-00000005', 'aaaaaaaaaaaaaaaa', { reproduced: 10, decided: 2, decidedReproduced: 2 }),
      sameMachine: true,
    };
    const other = decided('a-repro-00000006', 'bbbbbbbbbbbbbbbb', { reproduced: 10, decided: 2, decidedReproduced: 2 });
    const alone = reproductionLine([same]);
    expect(alone).not.toContain('Reproduced on 1 machine');
    expect(alone).toMatch(
      /^Reproduced on the original's own machine \(a rerun, not a second machine\): \[a-repro-00000005\]/,
    );
    // Counterfactual: the same rerun from another machine counts as one.
    expect(reproductionLine([same, other])).toContain('Reproduced on 1 machine: [a-repro-00000006]');
  });
});

describe('site: a reproduction summary read loosely', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-reproductions-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const summaryOf = (name: string, summary: unknown): string | null => {
    const file = path.join(dir, `${name}.json`);
    const record = { kind: 'reproduction', runId: `${name}-repro-0000beef`, original: { runId: name }, summary };
    fs.writeFileSync(file, JSON.stringify(record));
    return readReproduction(file)?.summary ?? null;
  };
  const old = { claims: 10, reproduced: 10, notReproduced: 0, missing: 0 };

  test('a record without the decided counts reads as before', () => {
    expect(summaryOf('old', old)).toBe('10 of 10 claims reproduced');
    expect(summaryOf('old-partial', { claims: 8, reproduced: 6, notReproduced: 1, missing: 1 })).toBe(
      '6 of 8 claims reproduced (1 not reproduced, 1 missing)',
    );
    expect(summaryOf('no-summary', undefined)).toBeNull();
    expect(summaryOf('bad-summary', { claims: '10', reproduced: 10 })).toBeNull();
  });

  test('with them: decided claims lead, unresolved ones are named apart', () => {
    const s = { ...old, decided: 2, decidedReproduced: 2, undecided: 8, undecidedDecidedHere: 0 };
    expect(summaryOf('all-decided', s)).toBe(
      '2 of 2 decided claims reproduced; 8 unresolved in the original, 0 decided here',
    );
    expect(summaryOf('all-decided', s)).not.toContain('10 of 10');
    // c-holds → unresolved (not reproduced), u1 → holds (decided here), u8 missing.
    const flipped = {
      claims: 10,
      reproduced: 7,
      notReproduced: 2,
      missing: 1,
      decided: 2,
      decidedReproduced: 1,
      undecided: 8,
      undecidedDecidedHere: 1,
    };
    expect(summaryOf('flipped', flipped)).toBe(
      '1 of 2 decided claims reproduced (1 not reproduced); 8 unresolved in the original, 1 decided here',
    );
    const missingDecided = { ...old, reproduced: 9, missing: 1, decided: 2, decidedReproduced: 1, undecided: 8 };
    expect(summaryOf('missing-decided', { ...missingDecided, undecidedDecidedHere: 0 })).toBe(
      '1 of 2 decided claims reproduced (1 missing); 8 unresolved in the original, 0 decided here',
    );
    expect(
      summaryOf('none-decided', { ...old, decided: 0, decidedReproduced: 0, undecided: 10, undecidedDecidedHere: 0 }),
    ).toBe('no claim was decided in the original: nothing to reproduce; 10 unresolved in the original, 0 decided here');
    expect(
      summaryOf('every-claim-decided', {
        ...old,
        decided: 10,
        decidedReproduced: 10,
        undecided: 0,
        undecidedDecidedHere: 0,
      }),
    ).toBe('10 of 10 decided claims reproduced');
  });
});

describe('cite: a committed reproduction record is found and linked', () => {
  const saved = process.env['CASEBOOK_RESULTS_DIR'];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-reproduce-'));
  afterEach(() => {
    if (saved === undefined) delete process.env['CASEBOOK_RESULTS_DIR'];
    else process.env['CASEBOOK_RESULTS_DIR'] = saved;
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('reproduction.json next to a rerun of the cited run', () => {
    const original = committed();
    const report = reproductionReport(original, {
      // A rerun on another machine (a same-machine rerun is listed apart, see reproductionLine's test).
      record: {
        ...original.record,
        runId: '512-at-once-0000beef',
        environment: { ...original.record.environment, machineId: OTHER_MACHINE },
      },
      benches: original.benches,
    });
    const file = path.join(root, '512-at-once', '512-at-once-0000beef', 'reproduction.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeRecord(file, report);
    process.env['CASEBOOK_RESULTS_DIR'] = root;
    const citation = buildCitation(loadRecord(RECORD), { repoRoot: REPO, corrections: [] });
    expect(citation.reproductions).toEqual([
      {
        runId: report.runId,
        machineId: OTHER_MACHINE,
        sameMachine: false,
        claims: report.summary.claims,
        reproduced: report.summary.claims,
        decided: report.summary.decided,
        decidedReproduced: report.summary.decided,
        link: path.relative(REPO, file),
      },
    ]);
    const d = report.summary.decided;
    expect(d).toBeGreaterThan(0);
    expect(citationMarkdown(citation)).toContain(`Reproduced on 1 machine: [${report.runId}]`);
    expect(citationMarkdown(citation)).toContain(`(${d} of ${d} decided claims)`);
  });

  test('a record written before the decided counts still validates, reads and is cited on all its claims', () => {
    const original = committed();
    const report = reproductionReport(original, {
      // A rerun on another machine (a same-machine rerun is listed apart, see reproductionLine's test).
      record: {
        ...original.record,
        runId: '512-at-once-0000beef',
        environment: { ...original.record.environment, machineId: OTHER_MACHINE },
      },
      benches: original.benches,
    });
    const { claims, reproduced, notReproduced, missing } = report.summary;
    const old = { ...report, summary: { claims, reproduced, notReproduced, missing } };
    const file = path.join(root, '512-at-once', '512-at-once-0000beef', 'reproduction.json');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeRecord(file, old);
    expect(readRecord(file)).toMatchObject({ summary: { claims, reproduced, notReproduced, missing } });
    process.env['CASEBOOK_RESULTS_DIR'] = root;
    const citation = buildCitation(loadRecord(RECORD), { repoRoot: REPO, corrections: [] });
    expect(citation.reproductions).toHaveLength(1);
    expect(citation.reproductions[0]).not.toHaveProperty('decided');
    expect(citationMarkdown(citation)).toContain(
      `Reproduced on 1 machine: [${report.runId}](${path.relative(REPO, file)}) (${claims} of ${claims} claims)`,
    );
    expect(readReproduction(file)?.summary).toBe(`${claims} of ${claims} claims reproduced`);
  });

  test('decided counts that are not counts: the record is refused, naming the field', () => {
    const original = committed();
    const report = reproductionReport(original, original);
    const file = path.join(root, 'refused.json');
    expect(() => writeRecord(file, { ...report, summary: { ...report.summary, decided: -1 } })).toThrow(
      /\/summary\/decided/,
    );
    expect(() => writeRecord(file, { ...report, summary: { ...report.summary, decidedReproduced: 1.5 } })).toThrow(
      /\/summary\/decidedReproduced/,
    );
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe('parseReproduceArgs', () => {
  test('a run id, a record path, a run folder and cite links', () => {
    expect(parseReproduceArgs([RUN_ID])).toEqual({
      help: false,
      target: { kind: 'run-id', runId: RUN_ID },
      publish: false,
      dryRun: false,
    });
    expect(parseReproduceArgs([RECORD, '--publish', '--dry-run'])).toEqual({
      help: false,
      target: { kind: 'path', file: RECORD },
      publish: true,
      dryRun: true,
    });
    expect(parseReproduceArgs([path.dirname(RECORD)])).toMatchObject({ target: { kind: 'path', file: RECORD } });
    const sha = '80acc45d4b913de8ad6a138c2f90addb0dbd3410';
    expect(runIdFromLink(`https://github.com/o/r/blob/${sha}/results/512-at-once/${RUN_ID}/record.json`)).toBe(RUN_ID);
    expect(runIdFromLink(`https://github.com/o/r/tree/main/results/512-at-once/${RUN_ID}`)).toBe(RUN_ID);
    expect(
      parseReproduceArgs([`https://github.com/o/r/raw/${sha}/results/512-at-once/${RUN_ID}/record.json`]),
    ).toMatchObject({ target: { kind: 'run-id', runId: RUN_ID } });
  });

  test.each([
    ['not a run', 'not a run'],
    ['./no/such/record.json', 'no/such/record.json'],
    ['https://github.com/o/r/blob/main/README.md', 'https://github.com/o/r/blob/main/README.md'],
    ['', '""'],
  ])('bad input %j: a usage error (exit 2) naming the value', (value, named) => {
    let error: unknown;
    try {
      parseReproduceArgs([value]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect(error instanceof UsageError ? error.message : '').toContain(named);
  });

  test('no run, two runs, an unknown flag: usage errors', () => {
    expect(() => parseReproduceArgs([])).toThrow(UsageError);
    expect(() => parseReproduceArgs([RUN_ID, RUN_ID])).toThrow(/argument/);
    expect(() => parseReproduceArgs([RUN_ID, '--rounds', '3'])).toThrow(/--rounds/);
  });

  test("--profile: given, it overrides the run's own; a profile that does not exist is a usage error naming it", () => {
    expect(parseReproduceArgs([RUN_ID, '--profile', 'smoke'])).toEqual({
      help: false,
      target: { kind: 'run-id', runId: RUN_ID },
      publish: false,
      dryRun: false,
      profile: 'smoke',
    });
    expect(parseReproduceArgs([RUN_ID])).not.toHaveProperty('profile');
    expect(() => parseReproduceArgs([RUN_ID, '--profile', 'huge'])).toThrow(/--profile.*huge/);
  });
});
