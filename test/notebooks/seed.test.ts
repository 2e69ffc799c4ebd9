import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SCHEMA_VERSION } from '@casebook/results';
import { foreignAvailability } from '@casebook/runner';
import { afterAll, describe, expect, it } from 'vitest';
import { runNotebook } from '../../packages/cli/src/notebook';
import { livePids, recordedPids } from './recorded-processes';

const repo = path.resolve(__dirname, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-nb-seed-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface SeedRecord {
  schemaVersion: number;
  profile: string;
  measurements: { status: string; client: string; clientVersion: string; file: string }[];
  verdicts: { id: string; holds: boolean }[];
  charts: { png: string }[];
  notes: { python?: { unavailable?: string; versions?: Record<string, string> } };
}

async function execute(name: string, env: Record<string, string>): Promise<{ text: string; record: SeedRecord }> {
  const out = path.join(tmp, `${name}.ipynb`);
  const resultsDir = path.join(tmp, `results-${name}`);
  const started = Date.now();
  await runNotebook({
    notebookPath: path.join(repo, 'notebooks/06-the-seed.ipynb'),
    outputPath: out,
    parameters: { profile: 'smoke' },
    env: { CASEBOOK_RESULTS_DIR: resultsDir, ...env },
  });
  process.stdout.write(
    `06-the-seed (${name}) smoke profile executed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
  const nb = JSON.parse(fs.readFileSync(out, 'utf8')) as unknown;
  const text = JSON.stringify(nb, (key, value) => (key === 'image/png' ? '' : value));
  const studyDir = path.join(resultsDir, 'seed');
  const runs = fs.readdirSync(studyDir);
  expect(runs).toHaveLength(1);
  const record = JSON.parse(
    fs.readFileSync(path.join(studyDir, runs[0] as string, 'record.json'), 'utf8'),
  ) as SeedRecord;
  return { text, record };
}

describe('06-the-seed', () => {
  it.skipIf(!foreignAvailability().available)(
    'executes in the smoke profile with Python and Node clients, charts, verdicts and a record, and leaves none of its processes behind',
    async () => {
      const { text, record } = await execute('with-python', {});
      expect(text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
      expect(text).not.toContain(os.hostname());
      expect(record.schemaVersion).toBe(SCHEMA_VERSION);
      expect(record.profile).toBe('smoke');
      const clients = new Set(record.measurements.map((m) => m.client));
      for (const c of ['python-httpx', 'python-aiohttp', 'python-httpx-aiohttp', 'undici-request', 'axios', 'got'])
        expect(clients).toContain(c);
      expect(record.measurements.every((m) => m.status === 'completed')).toBe(true);
      expect(record.measurements.find((m) => m.client === 'python-httpx')?.clientVersion).toMatch(/\d+\.\d+/);
      const ids = record.verdicts.map((v) => v.id);
      for (const id of ['seed-reproduced-0ms', 'pool-limit-bounds-50ms', 'httpx-cpu-grows', 'transport-swap'])
        expect(ids).toContain(id);
      // Physics: with 100 connections and 50 ms per response, nobody beats 2000 req/s.
      expect(record.verdicts.find((v) => v.id === 'pool-limit-bounds-50ms')?.holds).toBe(true);
      for (const v of record.verdicts) expect(typeof v.holds, v.id).toBe('boolean');
      expect(record.charts.length).toBeGreaterThanOrEqual(1);
      // Every target the measurements started has exited.
      expect(livePids(recordedPids(record.measurements))).toEqual([]);
    },
  );

  it('skips the Python clients with a clear message when the packages are missing', async () => {
    const shadow = path.join(tmp, 'shadow');
    fs.mkdirSync(shadow, { recursive: true });
    fs.writeFileSync(path.join(shadow, 'aiohttp.py'), 'raise ImportError("aiohttp is not installed (test shadow)")\n');
    const fake = path.join(tmp, 'python-without-aiohttp');
    fs.writeFileSync(fake, `#!/bin/sh\nPYTHONPATH=${shadow} exec /usr/bin/env python3 "$@"\n`, { mode: 0o755 });
    const { text, record } = await execute('without-python', { CASEBOOK_SEED_PYTHON: fake });
    expect(text).toContain('The Python clients are skipped on this machine');
    expect(record.notes.python?.unavailable).toMatch(/python3-aiohttp/);
    expect(record.measurements.length).toBeGreaterThan(0);
    expect(record.measurements.every((m) => !m.client.startsWith('python-'))).toBe(true);
    expect(livePids(recordedPids(record.measurements))).toEqual([]);
  });
});
