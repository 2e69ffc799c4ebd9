import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { barChart, openStudy } from '@casebook/study';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

/**
 * `casebook index` generates results/README.md from the records; `--check` fails when it is missing or stale. Real
 * records in a temp CASEBOOK_RESULTS_DIR: one small case-study run (Study API) and `casebook bench` records.
 */

const REPO = path.resolve(__dirname, '..');
const NODE = path.join(REPO, 'node_modules', '.bin', 'node');
const BIN = path.join(REPO, 'packages', 'cli', 'bin', 'casebook.js');

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const results = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-index-'));
const indexFile = path.join(results, 'README.md');
afterAll(() => fs.rmSync(results, { recursive: true, force: true }));

function casebook(args: readonly string[], resultsDir: string | null = results): Promise<CliResult> {
  const env = { ...process.env };
  if (resultsDir === null) delete env['CASEBOOK_RESULTS_DIR'];
  else env['CASEBOOK_RESULTS_DIR'] = resultsDir;
  return new Promise((resolve, reject) => {
    execFile(NODE, [BIN, ...args], { cwd: REPO, env, timeout: 45_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

const BENCH = ['bench', '--client', 'node-http', '--concurrency', '2', '--requests', '20', '--trials', '1'];
let studyRunId: string;

beforeAll(async () => {
  const previous = process.env['CASEBOOK_RESULTS_DIR'];
  process.env['CASEBOOK_RESULTS_DIR'] = results;
  try {
    const study = openStudy('512-at-once', 'smoke');
    const [r] = await study.run([{ client: 'undici-request', concurrency: 2, requests: 20, trials: 1, label: 'u' }]);
    await study.chart(
      'tp',
      barChart({
        title: 'T',
        data: [{ c: 'u', rps: r?.throughputRps ?? 0 }],
        categoryField: 'c',
        valueField: 'rps',
        valueTitle: 'req/s',
      }),
      'throughput',
    );
    study.verdict({ id: 'ran', claim: 'It ran.', holds: r?.status === 'completed', evidence: {} });
    study.save();
    studyRunId = study.runId;
  } finally {
    if (previous === undefined) delete process.env['CASEBOOK_RESULTS_DIR'];
    else process.env['CASEBOOK_RESULTS_DIR'] = previous;
  }
  expect((await casebook(BENCH)).code).toBe(0);
}, 120_000);

describe('casebook index', () => {
  test('--check fails while results/README.md is missing, --write creates it, then --check passes', async () => {
    const missing = await casebook(['index', '--check']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('missing');
    const write = await casebook(['index', '--write']);
    expect(write.code, write.stderr).toBe(0);
    expect(fs.existsSync(indexFile)).toBe(true);
    const check = await casebook(['index', '--check']);
    expect(check.code, check.stderr).toBe(0);
  });

  test('lists the case-study run and the bench run with links that resolve from results/', async () => {
    const md = fs.readFileSync(indexFile, 'utf8');
    expect(md).toContain('### 512 at once (`512-at-once`)');
    expect(md).toContain(`[${studyRunId}](512-at-once/${studyRunId}/record.json)`);
    expect(md).toMatch(/\| smoke \| completed \| 1 of 1 claims hold; fastest: u \(/);
    expect(md).toMatch(/\[bench-[0-9a-f]{8}\]\(bench\/bench-[0-9a-f]{8}\.json\)/);
    expect(md).toMatch(/× \d+, Node v\d+/); // machine: CPU model × cores, Node version
    expect(md).not.toMatch(/\d{2}:\d{2}:\d{2}/); // no generation (or any) time of day
    const links = [...md.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1] as string);
    expect(links.some((l) => l.endsWith('notebooks/01-512-at-once.ipynb'))).toBe(true);
    expect(links.some((l) => l.endsWith('charts/tp.png'))).toBe(true);
    for (const l of links) expect(fs.existsSync(path.resolve(results, l)), l).toBe(true);
  });

  test('is deterministic: printing it twice gives the written file byte for byte', async () => {
    const a = await casebook(['index']);
    const b = await casebook(['index']);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).toBe(fs.readFileSync(indexFile, 'utf8'));
  });

  test('--check fails once a record is added without regenerating, and passes after --write', async () => {
    expect((await casebook(BENCH)).code).toBe(0);
    const stale = await casebook(['index', '--check']);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('stale');
    expect(stale.stderr).toContain('npm run results:index');
    expect((await casebook(['index', '--write'])).code).toBe(0);
    expect((await casebook(['index', '--check'])).code).toBe(0);
  });

  test('an unreadable record makes the index fail with exit 2, naming the file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-index-bad-'));
    try {
      fs.mkdirSync(path.join(dir, 'bench'));
      fs.writeFileSync(path.join(dir, 'bench', 'bench-0badf00d.json'), '{ not json');
      const r = await casebook(['index', '--write'], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('bench-0badf00d.json');
      expect(fs.existsSync(path.join(dir, 'README.md'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--write and --check together are a usage error', async () => {
    const r = await casebook(['index', '--write', '--check']);
    expect(r.code).toBe(2);
  });
});

/** CI: the committed results/README.md must match the committed records (skipped while there are none). */
const committed = path.join(REPO, 'results');
const hasRecords =
  fs.existsSync(committed) &&
  (fs.readdirSync(committed, { recursive: true }) as string[])
    .map(String)
    .some((f) => /^bench[\\/][^\\/]+\.json$/.test(f) || /^[^\\/]+[\\/][^\\/]+[\\/]record\.json$/.test(f));
test.skipIf(!hasRecords)('the committed results/README.md is current (npm run results:index)', async () => {
  const r = await casebook(['index', '--check'], null);
  expect(r.code, r.stderr).toBe(0);
});
