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
  type ReproductionSide,
  reproductionLine,
  reproductionMarkdown,
  reproductionReport,
} from '@casebook/citing';
import { type CaseStudyRecord, UsageError, writeRecord } from '@casebook/results';
import { afterEach, describe, expect, test } from 'vitest';
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

describe('reproductionReport', () => {
  const original = committed();
  const claimIds = original.record.verdicts.filter((v) => v.kind === 'claim').map((v) => v.id);

  test('a committed run against itself: every claim reproduced, drift 1, no environment difference', () => {
    const r = reproductionReport(original, original);
    expect(r.kind).toBe('reproduction');
    expect(r.schemaVersion).toBe(4);
    expect(r.runId).toMatch(new RegExp(`^${RUN_ID}-repro-[0-9a-f]{8}$`));
    expect(r.original).toMatchObject({ runId: RUN_ID, caseStudy: '512-at-once', profile: 'standard' });
    expect(r.summary).toEqual({ claims: claimIds.length, reproduced: claimIds.length, notReproduced: 0, missing: 0 });
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
    expect(text).toContain(`${claimIds.length} of ${claimIds.length} claims reproduced`);
    expect(text).toContain('Environment: the same');
  });

  test('one outcome changed: that claim is not reproduced, by name', () => {
    const target = claimIds[0] as string;
    const changed = withVerdicts(original, (vs) =>
      vs.map((v): CaseStudyRecord['verdicts'][number] =>
        v.id === target ? { ...v, outcome: v.outcome === 'fails' ? 'unresolved' : 'fails', holds: false } : v,
      ),
    );
    const r = reproductionReport(original, changed);
    expect(r.summary).toMatchObject({ reproduced: claimIds.length - 1, notReproduced: 1, missing: 0 });
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
  test('counts machines with every claim reproduced and lists the rest', () => {
    const link = (runId: string, machineId: string | null, reproduced: number) => ({
      runId,
      machineId,
      claims: 8,
      reproduced,
      link: `results/512-at-once/${runId}/reproduction.json`,
    });
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
      record: { ...original.record, runId: '512-at-once-0000beef' },
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
        machineId: original.record.environment.machineId,
        claims: report.summary.claims,
        reproduced: report.summary.claims,
        link: path.relative(REPO, file),
      },
    ]);
    expect(citationMarkdown(citation)).toContain(`Reproduced on 1 machine: [${report.runId}]`);
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
