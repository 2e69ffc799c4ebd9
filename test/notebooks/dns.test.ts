import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNotebook } from '../../packages/cli/src/notebook';
import { livePids, recordedPids } from './recorded-processes';
import { printRunTimes } from './run-times';

const repo = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-nb-dns-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const resolvHash = (): string => createHash('sha256').update(fs.readFileSync('/etc/resolv.conf')).digest('hex');

describe('05-dns', () => {
  it('executes in the smoke profile (skipping clearly what the machine cannot do), leaving resolv.conf and none of its recorded processes behind', async () => {
    const resolvBefore = resolvHash();
    const out = path.join(tmp, '05-dns.ipynb');
    const resultsDir = path.join(tmp, 'results');
    const started = Date.now();
    await runNotebook({
      notebookPath: path.join(repo, 'notebooks/05-dns.ipynb'),
      outputPath: out,
      parameters: { profile: 'smoke' },
      env: { CASEBOOK_RESULTS_DIR: resultsDir },
    });
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`05-dns smoke profile executed in ${seconds.toFixed(1)} s\n`);
    const nb = JSON.parse(fs.readFileSync(out, 'utf8')) as {
      cells: { outputs?: { output_type?: string; data?: Record<string, unknown> }[] }[];
    };
    const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
    expect(outputs.filter((o) => o.output_type === 'error')).toEqual([]);
    const charts = outputs.filter((o) => o.data?.['image/png'] && o.data['application/vnd.vegalite.v5+json']);
    expect(charts.length).toBeGreaterThanOrEqual(1);
    const text = JSON.stringify(nb, (key, value) => (key === 'image/png' ? '' : value));
    expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
    expect(text).not.toContain(os.hostname());
    const studyDir = path.join(resultsDir, 'dns');
    const runs = fs.readdirSync(studyDir);
    expect(runs).toHaveLength(1);
    printRunTimes('05-dns', path.join(studyDir, runs[0] as string, 'record.json'));
    const record = JSON.parse(fs.readFileSync(path.join(studyDir, runs[0] as string, 'record.json'), 'utf8')) as {
      profile: string;
      measurements: { file: string }[];
      verdicts: { id: string; holds: boolean; kind: string; outcome: string }[];
      charts: unknown[];
      notes: { dns: { namespace: { available: boolean; reason: string } } };
    };
    expect(record.profile).toBe('smoke');
    for (const v of record.verdicts) {
      expect(typeof v.holds, v.id).toBe('boolean');
      // Every verdict says what it is; quantity claims on two smoke trials are unresolved, never silently "holds".
      expect(['claim', 'sanity', 'exploratory'], v.id).toContain(v.kind);
      expect(['holds', 'fails', 'unresolved'], v.id).toContain(v.outcome);
    }
    const ids = record.verdicts.map((v) => v.id);
    // Always measurable: c-ares, caches on c-ares, keep-alive, the silent resolver through c-ares, lab-only resolution.
    expect(ids).toEqual(
      expect.arrayContaining([
        'cares-not-pool-bound',
        'cares-burst-no-queue',
        'cacheable-lookup-shares',
        'undici-interceptor-no-inflight-sharing',
        'keepalive-avoids-lookups',
        'cares-no-answer-exceeds-nominal',
        'cares-fails-on-node-tick',
        'lab-only-resolution',
      ]),
    );
    const byId = (id: string) => record.verdicts.find((v) => v.id === id);
    expect(byId('lab-only-resolution')?.kind).toBe('sanity');
    expect(byId('lab-only-resolution')?.holds).toBe(true);
    expect(byId('keepalive-avoids-lookups')?.holds).toBe(true);
    expect(byId('cacheable-lookup-shares')?.holds).toBe(true);
    if (record.notes.dns.namespace.available) {
      expect(ids).toEqual(
        expect.arrayContaining([
          'pool-bounds-lookups',
          'default-lookup-queues',
          'connect-timeout-is-dns-queue',
          'undici-connect-timer-coarse',
          'cache-gain-is-cares',
          'sharing-adds-no-time',
          'got-dns-cache-shares',
          'glibc-no-answer-nominal',
          'getaddrinfo-codes-indistinct',
        ]),
      );
    } else {
      expect(text).toContain('Skipped:');
    }
    expect(resolvHash()).toBe(resolvBefore);
    // The DNS lab's server and client processes are not in the record (no pids to check); any bench measurement's are.
    expect(livePids(recordedPids(record.measurements))).toEqual([]);
  });
});
