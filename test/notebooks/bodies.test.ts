import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { validateBodySummaries } from '@casebook/results';
import { afterAll, describe, expect, it } from 'vitest';
import { runNotebook } from '../../packages/cli/src/notebook';
import { printRunTimes } from './run-times';

const repo = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-nb-bodies-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('09-bodies', () => {
  it('executes in the smoke profile with its sanity checks holding and every claim decided or unresolved', async () => {
    const out = path.join(tmp, '09-bodies.ipynb');
    const resultsDir = path.join(tmp, 'results');
    const started = Date.now();
    await runNotebook({
      notebookPath: path.join(repo, 'notebooks/09-bodies.ipynb'),
      outputPath: out,
      parameters: { profile: 'smoke' },
      env: { CASEBOOK_RESULTS_DIR: resultsDir },
    });
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`09-bodies smoke profile executed in ${seconds.toFixed(1)} s\n`);
    const nb = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      cells: { outputs?: { output_type?: string; data?: Record<string, unknown> }[] }[];
    };
    const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
    expect(outputs.filter((o) => o.output_type === 'error')).toEqual([]);
    const charts = outputs.filter((o) => o.data?.['image/png'] && o.data['application/vnd.vegalite.v5+json']);
    expect(charts.length).toBeGreaterThanOrEqual(2);
    const text = JSON.stringify(nb, (key, value) => (key === 'image/png' ? '' : value));
    expect(text).not.toContain(os.hostname());
    const studyDir = path.join(resultsDir, 'bodies');
    const runs = fs.readdirSync(studyDir);
    expect(runs).toHaveLength(1);
    printRunTimes('09-bodies', path.join(studyDir, runs[0] as string, 'record.json'));
    const record = JSON.parse(fs.readFileSync(path.join(studyDir, runs[0] as string, 'record.json'), 'utf8')) as {
      status: string;
      profile: string;
      verdicts: { id: string; holds: boolean; kind: string; outcome: string }[];
      notes: Record<string, unknown>;
    };
    expect(record.profile).toBe('smoke');
    expect(record.status).toBe('completed');
    const byId = (id: string) => record.verdicts.find((v) => v.id === id);
    for (const id of [
      'body-bytes-match',
      'upload-bytes-match',
      'unread-reported',
      'target-memory-bounded',
      'target-memory-bounded-uploads',
      'buffered-holds-a-copy',
      'upload-buffered-holds-a-copy',
    ]) {
      expect(byId(id)?.kind, id).toBe('sanity');
      expect(byId(id)?.holds, id).toBe(true);
    }
    // One round: every quantity claim is unresolved in smoke, never silently "holds".
    for (const id of [
      'fetch-slower-large-body',
      'node-fetch-slower-large-body',
      'streamed-is-bounded',
      'upload-streamed-bounded',
    ])
      expect(byId(id)?.outcome, id).toBe('unresolved');
    // One round of unread bodies: a fate needs three rounds, so smoke leaves it unresolved unless a round contradicts it.
    for (const id of ['node-http-unread-held', 'undici-request-unread-small-reused'])
      expect(['unresolved', 'fails'], id).toContain(byId(id)?.outcome);
    expect(byId('streamed-upload-held-by')?.kind).toBe('exploratory');
    // The record carries the citable body summaries, downloads and uploads, valid against their schema.
    const summaries = validateBodySummaries(record.notes['bodySummaries'], 'record.json');
    expect(summaries.filter((s) => s.direction === 'upload')).toHaveLength(10);
    expect(summaries.filter((s) => s.direction === 'download').length).toBeGreaterThan(0);
    expect(summaries.every((s) => s.errors === 0 && (s.mode === 'unread' || s.ok === s.requests))).toBe(true);
  });
});
