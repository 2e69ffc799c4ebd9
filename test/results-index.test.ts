import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildResultsIndex, listRecords } from '@casebook/citing';
import { readCorrections, SCHEMA_VERSION } from '@casebook/results';
import { barChart, openStudy } from '@casebook/study';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type CliResult, REPO, runCasebook } from './fixtures/cli';

/**
 * `casebook index` generates results/README.md from the records; `--check` fails when it is missing or stale. Real
 * records in a temp CASEBOOK_RESULTS_DIR: one small case-study run (Study API) and `casebook bench` records. The
 * suites named "fixtures" start no measurement: they copy committed records (`-t fixtures` runs only them).
 */

const results = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-index-'));
const indexFile = path.join(results, 'README.md');
afterAll(() => fs.rmSync(results, { recursive: true, force: true }));

function casebook(args: readonly string[], resultsDir: string | null = results): Promise<CliResult> {
  return runCasebook(args, { resultsDir });
}

describe('casebook index on fresh runs (starts bench processes)', () => {
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
      study.verdict({ id: 'ran', kind: 'claim', claim: 'It ran.', holds: r?.status === 'completed', evidence: {} });
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
      expect(md).toMatch(/\| smoke \| completed \| 1 of 1 claims hold \|/);
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

/**
 * Fixtures: committed records in a temp results root with a corrections.json, and a run under its local/ root (the
 * git-ignored runs of `casebook bench` without --publish), which the index must never list.
 */
const COMMITTED = path.join(REPO, 'results');
const OLD_RUN = 'pool-limits-4b7c1363';
const NEW_RUN = 'pool-limits-f63ff10e';
const OLD_BENCH = 'bench-7e0df910';
const NEW_BENCH = 'bench-28e2b6c3';
const LOCAL_RUN = '512-at-once-71332667';

describe('fixtures: the index marks superseded runs and never lists results/local', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-index-fixtures-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const copy = (relative: string, to = path.join(root, relative)): void => {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(path.join(COMMITTED, relative), to);
  };
  let md: string;
  beforeAll(() => {
    copy(`pool-limits/${OLD_RUN}/record.json`);
    copy(`pool-limits/${NEW_RUN}/record.json`);
    copy(`bench/${OLD_BENCH}.json`);
    copy(`bench/${NEW_BENCH}.json`);
    copy(`512-at-once/${LOCAL_RUN}/record.json`, path.join(root, 'local', '512-at-once', LOCAL_RUN, 'record.json'));
    copy(`bench/${OLD_BENCH}.json`, path.join(root, 'local', 'bench', 'bench-0000abcd.json'));
    const corrections = [
      { runId: OLD_RUN, supersededBy: NEW_RUN, reason: 'pinned wrong', date: '2026-12-01' },
      { runId: OLD_BENCH, supersededBy: NEW_BENCH, reason: 'pinned wrong', date: '2026-12-01' },
    ];
    fs.writeFileSync(
      path.join(root, 'corrections.json'),
      JSON.stringify({ schemaVersion: SCHEMA_VERSION, corrections }),
    );
    md = buildResultsIndex(listRecords(root), { repoRoot: REPO, resultsDir: root, corrections: readCorrections(root) });
  });
  /** The row of one run (another run's row may name it as its replacement). */
  const rowOf = (runId: string): string =>
    md.split('\n').find((l) => l.startsWith(`| [${runId}]`) || l.startsWith(`| ~~[${runId}]`)) ?? '';

  test('a corrected run is struck through and links to its replacement', () => {
    expect(rowOf(OLD_RUN)).toContain(
      `| ~~[${OLD_RUN}](pool-limits/${OLD_RUN}/record.json)~~ superseded by [${NEW_RUN}](pool-limits/${NEW_RUN}/record.json) |`,
    );
    expect(rowOf(OLD_BENCH)).toContain(
      `| ~~[${OLD_BENCH}](bench/${OLD_BENCH}.json)~~ superseded by [${NEW_BENCH}](bench/${NEW_BENCH}.json) |`,
    );
  });

  test('an uncorrected run keeps its plain row', () => {
    expect(rowOf(NEW_RUN)).toMatch(new RegExp(`^\\| \\[${NEW_RUN}\\]\\(pool-limits/${NEW_RUN}/record\\.json\\) \\|`));
    expect(rowOf(NEW_RUN)).not.toContain('superseded');
    expect(rowOf(NEW_BENCH)).toMatch(new RegExp(`^\\| \\[${NEW_BENCH}\\]\\(bench/${NEW_BENCH}\\.json\\) \\|`));
  });

  test('runs under local/ are not in the index', () => {
    expect(md).not.toContain(LOCAL_RUN);
    expect(md).not.toContain('bench-0000abcd');
    expect(md).not.toContain('local/');
  });

  test('without corrections the same records give no mark', () => {
    const plain = buildResultsIndex(listRecords(root), { repoRoot: REPO, resultsDir: root });
    expect(plain).not.toContain('superseded');
    expect(plain).not.toContain('~~');
  });
});
