import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNotebook } from '../../packages/cli/src/notebook';
import { livePids, recordedPids } from './recorded-processes';
import { printRunTimes } from './run-times';

const repo = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-nb-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Verdict {
  id: string;
  kind: string;
  outcome: string;
  holds: boolean;
}

describe('02-pool-limits', () => {
  it('executes in the smoke profile, with charts, verdicts and a record, and leaves none of its processes behind', async () => {
    const out = path.join(tmp, '02-pool-limits.ipynb');
    const resultsDir = path.join(tmp, 'results');
    const started = Date.now();
    await runNotebook({
      notebookPath: path.join(repo, 'notebooks/02-pool-limits.ipynb'),
      outputPath: out,
      parameters: { profile: 'smoke' },
      env: { CASEBOOK_RESULTS_DIR: resultsDir },
    });
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`02-pool-limits smoke profile executed in ${seconds.toFixed(1)} s\n`);
    const nb = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      cells: { outputs?: { data?: Record<string, unknown> }[] }[];
    };
    const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
    const charts = outputs.filter(
      (o) => o.data?.['image/png'] && o.data['application/vnd.vegalite.v5+json'] && o.data['text/plain'],
    );
    expect(charts.length).toBeGreaterThanOrEqual(1);
    const text = JSON.stringify(nb, (key, value) => (key === 'image/png' ? '' : value));
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/); // no timestamps in the notebook
    expect(text).not.toContain(os.hostname());
    const studyDir = path.join(resultsDir, 'pool-limits');
    const runs = fs.readdirSync(studyDir);
    expect(runs).toHaveLength(1);
    printRunTimes('02-pool-limits', path.join(studyDir, runs[0] as string, 'record.json'));
    const record = JSON.parse(fs.readFileSync(path.join(studyDir, runs[0] as string, 'record.json'), 'utf8')) as {
      schemaVersion: number;
      profile: string;
      measurements: { status: string; file: string }[];
      verdicts: Verdict[];
      charts: { png: string }[];
    };
    expect(record.profile).toBe('smoke');
    expect(record.measurements.length).toBeGreaterThan(0);
    expect(record.measurements.every((m) => m.status === 'completed')).toBe(true);
    for (const v of record.verdicts) expect(typeof v.holds, v.id).toBe('boolean');
    // Every verdict says what it is: a claim stated before the run, a sanity check, or an exploratory look.
    for (const v of record.verdicts) expect(['claim', 'sanity', 'exploratory'], v.id).toContain(v.kind);
    const verdict = (id: string) => record.verdicts.find((v) => v.id === id);
    for (const id of [
      'defaults-unlimited',
      'bound-holds',
      'queue-plus-wire',
      'queue-grows-c-over-n',
      'burst-counts-match',
      'head-of-line',
      'open-loop-knee',
    ]) {
      expect(verdict(id), id).toBeDefined();
    }
    // Little's law in a closed loop: shown as a sanity check, never counted as a finding.
    expect(verdict('queue-grows-c-over-n')?.kind).toBe('sanity');
    // Physics and bookkeeping, not speed: nobody beats N / L, both sides count the same sockets, the defaults read
    // from the live objects, and the socket counts the pinned clients' code fixes at a 0 ms gap (C − maxFreeSockets for
    // node:http, none for undici) and with a `timeout=1` hint (all C).
    for (const id of [
      'bound-holds',
      'burst-counts-match',
      'defaults-unlimited',
      'burst-settings-as-assumed',
      'agent-reopens-over-max-free',
      'short-hint-disables-reuse',
    ])
      expect(verdict(id)?.outcome, id).toBe('holds');
    expect(record.charts.length).toBeGreaterThanOrEqual(1);
    // Every target and proxy the measurements started has exited.
    expect(livePids(recordedPids(record.measurements))).toEqual([]);
  });
});
