import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNotebook } from '../../packages/cli/src/notebook';

const repo = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-nb-h2-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function kernels(): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(tmp) || /(h2-target|target|worker)-process\.js/.test(l));
}

describe('04-http2', () => {
  it('executes in the smoke profile with a chart, verdicts and a record, and leaves no process behind', async () => {
    const before = kernels().length;
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
      measurements: { status: string }[];
      verdicts: { id: string; holds: boolean }[];
      charts: unknown[];
    };
    expect(record.profile).toBe('smoke');
    // 25 protocol/cap/burst measurements + 8 for the RTT sweep (2 RTTs × h1/h2 × cold/warm).
    expect(record.measurements.length).toBe(33);
    const verdict = (id: string) => record.verdicts.find((v) => v.id === id);
    expect(verdict('client-matches-target')?.holds).toBe(true);
    expect(verdict('single-session-bound')?.holds).toBe(true);
    // Protocol per request is counted, never assumed: the RTT sweep used exactly what it asked for.
    expect(verdict('rtt-protocols-as-asked')?.holds).toBe(true);
    expect(record.charts.length).toBeGreaterThanOrEqual(1);
    expect(kernels().length).toBeLessThanOrEqual(before);
  });
});
