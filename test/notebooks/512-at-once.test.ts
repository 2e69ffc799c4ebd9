import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SCHEMA_VERSION } from '@casebook/results';
import { afterAll, describe, expect, it } from 'vitest';
import { runNotebook } from '../../packages/cli/src/notebook';
import { livePids, recordedPids } from './recorded-processes';
import { printRunTimes } from './run-times';

const repo = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-nb-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('01-512-at-once', () => {
  it('executes in the smoke profile, with charts, verdicts and a record, and leaves none of its processes behind', async () => {
    const out = path.join(tmp, '01-512-at-once.ipynb');
    const resultsDir = path.join(tmp, 'results');
    const started = Date.now();
    await runNotebook({
      notebookPath: path.join(repo, 'notebooks/01-512-at-once.ipynb'),
      outputPath: out,
      parameters: { profile: 'smoke' },
      env: { CASEBOOK_RESULTS_DIR: resultsDir },
    });
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`01-512-at-once smoke profile executed in ${seconds.toFixed(1)} s\n`);
    const nb = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      cells: { outputs?: { data?: Record<string, unknown> }[] }[];
    };
    const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
    const charts = outputs.filter(
      (o) => o.data?.['image/png'] && o.data['application/vnd.vegalite.v5+json'] && o.data['text/plain'],
    );
    expect(charts.length).toBeGreaterThanOrEqual(1);
    // Everything but the PNG payloads (base64 can contain any short string by chance).
    const text = JSON.stringify(nb, (key, value) => (key === 'image/png' ? '' : value));
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/); // no timestamps in the notebook
    expect(text).not.toContain(os.hostname());
    const studyDir = path.join(resultsDir, '512-at-once');
    const runs = fs.readdirSync(studyDir);
    expect(runs).toHaveLength(1);
    printRunTimes('01-512-at-once', path.join(studyDir, runs[0] as string, 'record.json'));
    const record = JSON.parse(fs.readFileSync(path.join(studyDir, runs[0] as string, 'record.json'), 'utf8')) as {
      schemaVersion: number;
      profile: string;
      measurements: { status: string; file: string; error: { code: string } | null }[];
      verdicts: { id: string; holds: boolean }[];
      charts: { png: string }[];
    };
    expect(record.schemaVersion).toBe(SCHEMA_VERSION);
    expect(record.profile).toBe('smoke');
    expect(record.measurements.length).toBeGreaterThan(0);
    // A measurement that failed says so, with a code: faults are recorded, not lost.
    for (const m of record.measurements) if (m.status !== 'completed') expect(m.error?.code).toMatch(/^[A-Z0-9_]+$/);
    for (const v of record.verdicts) expect(typeof v.holds, v.id).toBe('boolean');
    expect(record.verdicts.map((v) => v.id)).toContain('little-bound');
    // Physics: nobody beats Little's bound.
    expect(record.verdicts.find((v) => v.id === 'little-bound')?.holds).toBe(true);
    expect(record.charts.length).toBeGreaterThanOrEqual(1);
    for (const c of record.charts) expect(fs.existsSync(path.resolve(repo, c.png)), c.png).toBe(true);
    // Every target and proxy the measurements started has exited.
    expect(livePids(recordedPids(record.measurements))).toEqual([]);
  });
});
