import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildCitation,
  buildResultsIndex,
  citationMarkdown,
  compareRecords,
  comparisonMarkdown,
  loadRecord,
} from '@casebook/citing';
import {
  BODY_SUMMARIES_NOTE,
  type BodySummary,
  bodySummariesOf,
  type CaseStudyRecord,
  validateBodySummaries,
} from '@casebook/results';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The recorded body summaries (notes.bodySummaries): validated on both sides, and shown by cite, compare and the
 * results index. Records are made from a committed case-study record with its measurements and charts removed and
 * body summaries put in, written to a temp folder: nothing is measured.
 */

const REPO = path.resolve(__dirname, '..');
const TEMPLATE = path.join(REPO, 'results', 'seed', 'seed-64bcd62b', 'record.json');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-body-summaries-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const MIB = 1024 * 1024;
const summary = (over: Partial<BodySummary> = {}): BodySummary => ({
  direction: 'upload',
  client: 'undici-request',
  clientVersion: '8.13.1',
  bytes: 16 * MIB,
  mode: 'stream',
  blocks: 8,
  requests: 16,
  ok: 16,
  errors: 0,
  msPerRequest: 42.5,
  mbPerSecond: 395,
  cpuMicrosPerMB: 1200,
  peakRssGrowthMiB: 1.5,
  ...over,
});

function writeBodiesRecord(runId: string, summaries: BodySummary[]): string {
  const record = JSON.parse(fs.readFileSync(TEMPLATE, 'utf8')) as CaseStudyRecord;
  const out: CaseStudyRecord = {
    ...record,
    runId,
    measurements: [],
    charts: [],
    notes: { [BODY_SUMMARIES_NOTE]: summaries },
  };
  const file = path.join(dir, runId, 'record.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(out));
  return file;
}

describe('body summaries: schema', () => {
  it('a valid list passes and comes back typed', () => {
    expect(validateBodySummaries([summary()], 'x.json')).toHaveLength(1);
    expect(validateBodySummaries([summary({ msPerRequest: null })], 'x.json')[0]?.msPerRequest).toBeNull();
  });

  it('a wrong, missing or extra field fails naming its path', () => {
    expect(() => validateBodySummaries([summary({ direction: 'sideways' as 'upload' })], 'x.json')).toThrow(
      /\/0\/direction/,
    );
    const { ok: _ok, ...missing } = summary();
    expect(() => validateBodySummaries([missing], 'x.json')).toThrow(/\/0\/ok/);
    expect(() => validateBodySummaries([{ ...summary(), extra: 1 }], 'x.json')).toThrow(/extra/);
    expect(() => validateBodySummaries([summary({ bytes: 1.5 })], 'x.json')).toThrow(/\/0\/bytes/);
  });

  it('bodySummariesOf reads them from notes, and gives [] for none or a list that does not match', () => {
    expect(bodySummariesOf({ [BODY_SUMMARIES_NOTE]: [summary()] })).toHaveLength(1);
    expect(bodySummariesOf({})).toEqual([]);
    expect(bodySummariesOf({ [BODY_SUMMARIES_NOTE]: [{ client: 'x' }] })).toEqual([]);
  });
});

describe('body summaries: cite, compare, index', () => {
  const a = writeBodiesRecord('seed-00000a17', [
    summary(),
    summary({ client: 'axios', clientVersion: '1.21.1', peakRssGrowthMiB: 17, msPerRequest: 60 }),
  ]);
  const b = writeBodiesRecord('seed-00000b17', [
    summary({ msPerRequest: 85 }),
    summary({ direction: 'download', mode: 'buffer' }),
  ]);

  it('cite counts the body summaries and shows their table (no empty measurement table)', () => {
    const c = buildCitation(loadRecord(a), { repoRoot: REPO, corrections: [] });
    expect(c.bodies).toHaveLength(2);
    const md = citationMarkdown(c);
    expect(md).toContain('0 measurements, 2 body summaries (16 blocks)');
    expect(md).toContain('| upload | axios 1.21.1 | 16 MiB | stream | 8 |');
    expect(md).not.toContain('throughput (req/s, median)');
  });

  it('a run without body summaries cites as before', () => {
    const c = buildCitation(loadRecord(TEMPLATE), { repoRoot: REPO, corrections: [] });
    expect(c.bodies).toEqual([]);
    expect(citationMarkdown(c)).not.toContain('body summaries');
  });

  it('a citation with no measurement rows and no body summaries omits the empty measurements table', () => {
    const c = buildCitation(loadRecord(TEMPLATE), { repoRoot: REPO, corrections: [] });
    expect(citationMarkdown(c)).toContain('throughput (req/s, median)');
    const md = citationMarkdown({ ...c, rows: [], bodies: [] });
    expect(md).not.toContain('throughput (req/s, median)');
    expect(md).not.toContain('Throughput is the median over rounds');
  });

  it('compare matches body summaries by direction, client, size and mode', () => {
    const c = compareRecords(loadRecord(a), loadRecord(b), { repoRoot: REPO });
    expect(c.bodies).toHaveLength(1);
    expect(c.bodies[0]?.msPerRequestRatio).toBeCloseTo(2, 5);
    expect(c.onlyInA).toContain('upload axios 16 MiB stream');
    expect(c.onlyInB).toContain('download undici-request 16 MiB buffer');
    expect(comparisonMarkdown(c)).toContain('| upload undici-request 16 MiB stream | 42.5 | 85 | 2.00× |');
  });

  it('the results index headline counts them', () => {
    const md = buildResultsIndex([loadRecord(a)], { repoRoot: REPO, resultsDir: dir, corrections: [] });
    expect(md).toContain('2 body summaries (16 blocks)');
  });
});
