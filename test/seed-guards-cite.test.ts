import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildCitation, loadRecord, pairedRatioCell } from '@casebook/citing';
import type { BenchRecord, CaseStudyRecord } from '@casebook/results';
import { openStudy, type Study, seedGuardFlags, withGuardFlags } from '@casebook/study';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The seed's own guard flags (starved, unstable across blocks, collapsed) reach the record's guards, so the citation
 * leaves out what the notebook leaves out (second reader of seed-7326eaa1: the cite ranked "latest · httpx c64" and
 * "keepalive=100" rows the notebook flagged). The committed seed-64bcd62b benches are saved again through a Study with
 * the seed's rule (Study.guardWith(seedGuardFlags)), into a temp results folder; its citation is read back. No process.
 */
const repo = path.resolve(import.meta.dirname, '..');
const original = path.join(repo, 'results/seed/seed-64bcd62b/record.json');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-seed-guards-'));
const before = process.env['CASEBOOK_RESULTS_DIR'];

const loaded = loadRecord(original);
if (loaded.kind !== 'case-study') throw new Error('seed-64bcd62b: not a case-study record');
const record: CaseStudyRecord = loaded.record;
const benches = record.measurements.map((m) => {
  const r = loadRecord(path.join(repo, m.file));
  if (r.kind !== 'bench') throw new Error(`${m.file}: not a bench record`);
  return r.record;
});
const bench = (label: string, delayMs = 0): BenchRecord => {
  const r = benches.find((b) => b.label === label && b.params.target.delayMs === delayMs && b.guards);
  if (!r) throw new Error(`no steady-state bench ${label} @ ${delayMs}`);
  return r;
};

describe('seedGuardFlags and withGuardFlags', () => {
  it('a starved, collapsed measurement gets the flags with their reasons and rankable: false', () => {
    const flagged = bench('latest · httpx keepalive=100');
    expect(flagged.guards).toMatchObject({ flags: [], rankable: true });
    const flags = seedGuardFlags(flagged);
    expect(flags).toEqual([
      'starved (46 of 100 in flight served)',
      expect.stringMatching(/^collapsed \(35 req\/s, 28,688 µs CPU\/request at 1\.00 core\)$/),
    ]);
    const saved = withGuardFlags(flagged, flags);
    expect(saved.guards).toMatchObject({ flags: flags, rankable: false });
    // Idempotent: read from the data, never from the guards; applying again adds nothing.
    expect(seedGuardFlags(saved)).toEqual(flags);
    expect(withGuardFlags(saved, seedGuardFlags(saved))).toBe(saved);
  });

  it('a clean measurement, and a measurement without guards (phase method), are left as they are', () => {
    const clean = bench('httpx2 · httpx');
    expect(seedGuardFlags(clean)).toEqual([]);
    expect(withGuardFlags(clean, seedGuardFlags(clean))).toBe(clean);
    const gather = benches.find((b) => !b.guards) as BenchRecord;
    expect(withGuardFlags(gather, ['starved (x)'])).toBe(gather);
  });
});

describe('the citation of a run saved with the seed rule', () => {
  let study: Study;
  beforeAll(() => {
    process.env['CASEBOOK_RESULTS_DIR'] = tmp;
    study = openStudy('seed', 'smoke');
    study.guardWith(seedGuardFlags);
    // What runInterleaved / runForeign do with each record they ran (private: the measuring itself is not run here).
    const add = (r: BenchRecord): BenchRecord =>
      (study as unknown as { addMeasurement(x: BenchRecord): BenchRecord }).addMeasurement(r);
    for (const b of benches) add(b);
    study.note('interleaved', record.notes['interleaved']);
    study.save();
  });
  afterAll(() => {
    if (before === undefined) delete process.env['CASEBOOK_RESULTS_DIR'];
    else process.env['CASEBOOK_RESULTS_DIR'] = before;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const cite = (file: string) => buildCitation(loadRecord(file), { repoRoot: repo, corrections: [] });
  const cell = (c: ReturnType<typeof cite>, label: string) => {
    const r = c.rows.find((x) => x.label === label && x.delayMs === 0 && x.versus !== null);
    if (!r) throw new Error(`no compared row ${label}`);
    return pairedRatioCell(r, c.rows);
  };

  it('the flagged bench is saved unrankable, with its reasons, and the citation does not rank it', () => {
    const saved = cite(path.join(study.dir, 'record.json'));
    const row = saved.rows.find((x) => x.label === 'latest · httpx keepalive=100' && x.delayMs === 0);
    expect(row?.guards?.rankable).toBe(false);
    expect(row?.guards?.flags).toContain('starved (46 of 100 in flight served)');
    expect(cell(saved, 'latest · httpx keepalive=100')).toMatch(/^— \(flagged: starved \(46 of 100 in flight served\)/);
    expect(study.citeSnippet()).toMatch(/\| latest · httpx keepalive=100 \[flagged: starved \(46 of 100/);
    // Counterfactual: the committed record (saved without the rule) ranked it.
    expect(cell(cite(original), 'latest · httpx keepalive=100')).not.toMatch(/^— \(flagged/);
  });

  it('an unflagged bench keeps its ranking, as in the committed record', () => {
    const saved = cite(path.join(study.dir, 'record.json'));
    const row = saved.rows.find((x) => x.label === 'httpx2 · httpx' && x.delayMs === 0);
    expect(row?.guards).toEqual({ flags: [], rankable: true });
    expect(cell(saved, 'httpx2 · httpx')).not.toMatch(/flagged/);
    expect(cell(saved, 'httpx2 · httpx')).toBe(cell(cite(original), 'httpx2 · httpx'));
  });
});
