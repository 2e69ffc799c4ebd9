import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HTTP2_CLAIMS } from '@casebook/analysis';
import { afterAll, describe, expect, it } from 'vitest';
import { runNotebook } from '../../packages/cli/src/notebook';
import { livePids, recordedPids } from './recorded-processes';

const repo = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-nb-h2-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('04-http2', () => {
  it('executes in the smoke profile with a chart, verdicts and a record, and leaves none of its processes behind', async () => {
    const out = path.join(tmp, '04-http2.ipynb');
    const resultsDir = path.join(tmp, 'results');
    await runNotebook({
      notebookPath: path.join(repo, 'notebooks/04-http2.ipynb'),
      outputPath: out,
      parameters: { profile: 'smoke' },
      env: { CASEBOOK_RESULTS_DIR: resultsDir },
    });
    const nb = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      cells: { outputs?: { data?: Record<string, unknown> }[] }[];
    };
    const text = JSON.stringify(nb, (key, value) => (key === 'image/png' ? '' : value));
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(text).not.toContain(os.hostname());
    const studyDir = path.join(resultsDir, 'http2');
    const runs = fs.readdirSync(studyDir);
    expect(runs).toHaveLength(1);
    const record = JSON.parse(fs.readFileSync(path.join(studyDir, runs[0] as string, 'record.json'), 'utf8')) as {
      profile: string;
      measurements: { status: string; file: string; error: { code: string } | null }[];
      verdicts: { id: string; holds: boolean; kind: string; outcome: string }[];
      charts: unknown[];
    };
    expect(record.profile).toBe('smoke');
    // Protocol, cap, burst and RTT-sweep measurements; a cold burst over a small cap may fail, and says so with a code.
    expect(record.measurements.length).toBeGreaterThan(0);
    for (const m of record.measurements) if (m.status !== 'completed') expect(m.error?.code).toMatch(/^[A-Z0-9_]+$/);
    for (const v of record.verdicts) {
      expect(typeof v.holds, v.id).toBe('boolean');
      // Every verdict says what it is; nothing is left unclassified.
      expect(['claim', 'sanity', 'exploratory'], v.id).toContain(v.kind);
    }
    // Every claim stated before the measurement is decided (holds, fails or unresolved) in the run.
    expect(record.verdicts.map((v) => v.id)).toEqual(expect.arrayContaining(Object.keys(HTTP2_CLAIMS)));
    const verdict = (id: string) => record.verdicts.find((v) => v.id === id);
    // Sanity checks of the lab itself: the harness measures the protocol, and the server enforces S / L.
    expect(verdict('client-matches-target')?.holds).toBe(true);
    expect(verdict('single-session-bound')?.holds).toBe(true);
    // Protocol per request is counted, never assumed: the RTT sweep used exactly what it asked for.
    expect(verdict('rtt-protocols-as-asked')?.holds).toBe(true);
    expect(record.charts.length).toBeGreaterThanOrEqual(1);
    // Every target and proxy the measurements started has exited.
    expect(livePids(recordedPids(record.measurements))).toEqual([]);
  });
});
