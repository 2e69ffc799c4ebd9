import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ADAPTERS, CLIENT_NAMES } from '@casebook/clients';
import { SCHEMA_VERSION } from '@casebook/results';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type CliResult, runCasebook, runCasebookInProcess } from './fixtures/cli';

/**
 * The CLI as a user runs it: the pinned Node, the built bin script, results redirected to a temp dir through
 * CASEBOOK_RESULTS_DIR. Bad input must exit 2, say which field and value are wrong, and write nothing. The cases that
 * only read their arguments run main() in this process (runCasebookInProcess); one bad input and the bench run start
 * the real bin, so its exit codes 2 and 0 are tested too.
 */

const tempDirs: string[] = [];
function freshDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `casebook-cli-${prefix}-`));
  tempDirs.push(dir);
  return dir;
}

/** Every file under `dir`, relative. */
function filesUnder(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map(String).sort();
}

afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

const BENCH_BASE: Record<string, string> = {
  client: 'undici-request',
  concurrency: '4',
  requests: '10',
  trials: '1',
};
function benchArgs(overrides: Record<string, string>): string[] {
  const flags = { ...BENCH_BASE, ...overrides };
  return ['bench', ...Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v])];
}

interface BadInput {
  name: string;
  args: string[];
  /** Everything stderr must name: the field or flag, and the bad value. */
  mentions: string[];
  /** Through the real bin (runCasebook) rather than in this process. */
  realProcess?: true;
}

const badFiles = freshDir('bad-records');
const notJson = path.join(badFiles, 'not-json.json');
const futureSchema = path.join(badFiles, 'schema-999.json');
fs.writeFileSync(notJson, '{"schemaVersion": 1, "kind": "bench", oops');
fs.writeFileSync(futureSchema, JSON.stringify({ schemaVersion: 999, kind: 'bench', runId: 'bench-deadbeef' }));

const BAD_INPUTS: BadInput[] = [
  { name: 'unknown client', args: benchArgs({ client: 'nope' }), mentions: ['client: "nope"'], realProcess: true },
  { name: 'concurrency 0', args: benchArgs({ concurrency: '0' }), mentions: ['concurrency: 0'] },
  { name: 'concurrency -3', args: benchArgs({ concurrency: '-3' }), mentions: ['concurrency: -3'] },
  { name: "concurrency 'abc'", args: benchArgs({ concurrency: 'abc' }), mentions: ['--concurrency: "abc"'] },
  { name: 'requests 0', args: benchArgs({ requests: '0' }), mentions: ['requests: 0'] },
  { name: 'connections 0', args: benchArgs({ connections: '0' }), mentions: ['connections: 0'] },
  { name: 'delay-ms -1', args: benchArgs({ 'delay-ms': '-1' }), mentions: ['delay-ms: -1'] },
  {
    name: 'body-bytes above 64 MiB',
    args: benchArgs({ 'body-bytes': String(64 * 1024 * 1024 + 1) }),
    mentions: ['body-bytes: 67108865'],
  },
  {
    name: 'unknown profile',
    args: ['run', '512-at-once', '--profile', 'turbo'],
    mentions: ['--profile: "turbo"', 'smoke'],
  },
  { name: 'unknown case study', args: ['run', 'nope'], mentions: ['case-study: "nope"', '512-at-once'] },
  {
    name: 'a flag given twice with different values',
    args: [...benchArgs({}), '--concurrency', '8'],
    mentions: ['--concurrency: [4,8]', 'twice'],
  },
  { name: 'unknown flag', args: [...benchArgs({}), '--turbo-mode', '1'], mentions: ['"--turbo-mode"', 'unknown flag'] },
  { name: 'unknown command', args: ['frobnicate'], mentions: ['command: "frobnicate"'] },
  {
    name: 'a value flag without its value',
    args: [...benchArgs({}), '--trials'],
    mentions: ['--trials', 'missing value'],
  },
  { name: 'a value flag followed by a flag', args: ['bench', '--client', '--json'], mentions: ['--client: "--json"'] },
  { name: '--no- on a value flag', args: [...benchArgs({}), '--no-trials'], mentions: ['"--no-trials"', 'boolean'] },
  { name: 'a short flag', args: ['list', '-x'], mentions: ['"-x"', 'short flags'] },
  { name: 'a boolean flag with a bad value', args: ['list', '--json=maybe'], mentions: ['--json: "maybe"'] },
  { name: 'an unknown --mode', args: benchArgs({ mode: 'sideways' }), mentions: ['--mode: "sideways"'] },
  { name: 'a positional given to bench', args: [...benchArgs({}), 'extra'], mentions: ['argument: "extra"'] },
  { name: 'show of a file that is not valid JSON', args: ['show', notJson], mentions: [notJson, 'not valid JSON'] },
  {
    name: 'show of a record with schemaVersion 999',
    args: ['show', futureSchema],
    mentions: [futureSchema, 'schemaVersion 999'],
  },
];

describe('bad input: exit 2, names the field and the value, writes nothing', () => {
  test.each(BAD_INPUTS)('$name', async ({ args, mentions, realProcess }) => {
    const results = freshDir('bad');
    const r = await (realProcess ? runCasebook : runCasebookInProcess)(args, { resultsDir: results });
    expect(r.code, `stderr: ${r.stderr}`).toBe(2);
    for (const m of mentions) expect(r.stderr).toContain(m);
    expect(r.stderr).toMatch(/^casebook: /);
    // A usage error is one line, not a stack trace.
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(filesUnder(results)).toEqual([]);
  });
});

describe('help and list', () => {
  test('--help exits 0 and prints usage', async () => {
    const r = await runCasebookInProcess(['--help'], { resultsDir: freshDir('help') });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage:');
    for (const command of ['list', 'bench', 'run', 'show']) expect(r.stdout).toContain(`casebook ${command}`);
    expect(r.stdout).toContain('exit codes');
  });

  test('no command at all prints usage and exits 2', async () => {
    const r = await runCasebookInProcess([], { resultsDir: freshDir('no-command') });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('usage:');
  });

  test('bench --help exits 0 and lists the bench flags', async () => {
    const r = await runCasebookInProcess(['bench', '--help'], { resultsDir: freshDir('bench-help') });
    expect(r.code).toBe(0);
    for (const flag of ['--client', '--concurrency', '--requests', '--body-bytes', '--json', '--publish'])
      expect(r.stdout).toContain(flag);
  });

  test('run --help (and -h) exits 0 and says where runs go', async () => {
    for (const help of ['--help', '-h']) {
      const r = await runCasebookInProcess(['run', help], { resultsDir: freshDir('run-help') });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('--publish');
      expect(r.stdout).toContain('results/local/');
    }
  });

  test('list --json exits 0 and lists every registered client and the 512-at-once case study', async () => {
    const results = freshDir('list');
    const r = await runCasebookInProcess(['list', '--json'], { resultsDir: results });
    expect(r.code, r.stderr).toBe(0);
    const parsed = JSON.parse(r.stdout) as {
      clients: { name: string; version: string; package: string }[];
      caseStudies: { id: string }[];
    };
    expect(parsed.clients.map((c) => c.name).sort()).toEqual(Object.keys(ADAPTERS).sort());
    for (const name of CLIENT_NAMES) expect(parsed.clients.map((c) => c.name)).toContain(name);
    for (const c of parsed.clients) expect(c.version.length).toBeGreaterThan(0);
    expect(parsed.caseStudies.map((s) => s.id)).toContain('512-at-once');
    expect(filesUnder(results)).toEqual([]);
  });
});

describe('bench --json', () => {
  let results: string;
  let bench: CliResult;

  beforeAll(async () => {
    results = freshDir('bench');
    bench = await runCasebook(
      ['bench', '--client', 'undici-request', '--concurrency', '4', '--requests', '200', '--trials', '1', '--json'],
      { resultsDir: results },
    );
  });

  // Progress goes to stderr; stdout is the record alone, so tools can pipe it.
  test('stdout is exactly one JSON document', () => {
    expect(bench.code).toBe(0);
    expect(typeof JSON.parse(bench.stdout)).toBe('object');
  });

  test('exits 0 and prints a completed record with sane numbers', () => {
    expect(bench.code, bench.stderr).toBe(0);
    const record = JSON.parse(bench.stdout);
    expect(record.schemaVersion).toBe(SCHEMA_VERSION);
    expect(record.kind).toBe('bench');
    expect(record.status).toBe('completed');
    expect(record.error).toBeNull();
    expect(record.throughputRps).toBeGreaterThan(0);
    expect(typeof record.latencyMs.p50).toBe('number');
    expect(typeof record.latencyMs.p99).toBe('number');
    expect(record.latencyMs.p50).toBeGreaterThan(0);
    expect(record.latencyMs.p99).toBeGreaterThanOrEqual(record.latencyMs.p50);
    expect(record.errors.total).toBe(0);
    expect(typeof record.errors.byCode).toBe('object');
    expect(record.errors.byCode).not.toBeNull();
    expect(record.cpuMicrosPerRequest).toBeGreaterThan(0);
    expect(record.target.connectionsOpened).toBeGreaterThanOrEqual(1);
    // Closed loop at concurrency 4: never more than 4 requests in flight at the target.
    expect(record.target.peakInFlight).toBeLessThanOrEqual(4);
    expect(record.trials).toHaveLength(1);
    expect(record.trials[0].ok).toBe(200);
    expect(record.latencyMs.count).toBe(200);
  });

  test('writes exactly one record under <results>/bench/ that show reads back', async () => {
    const files = filesUnder(results);
    expect(files).toHaveLength(2); // the folder and the record
    const written = fs.readdirSync(path.join(results, 'bench'));
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^bench-[0-9a-f]{8}\.json$/);
    const file = path.join(results, 'bench', written[0] as string);

    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(saved.schemaVersion).toBe(SCHEMA_VERSION);
    expect(bench.stdout).toContain(saved.runId);

    const shown = await runCasebookInProcess(['show', file], { resultsDir: results });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(saved.runId);
    expect(shown.stdout).toContain('undici-request');

    const shownJson = await runCasebookInProcess(['show', file, '--json'], { resultsDir: results });
    expect(shownJson.code, shownJson.stderr).toBe(0);
    expect(JSON.parse(shownJson.stdout)).toEqual(saved);
    // show only reads.
    expect(filesUnder(results)).toEqual(files);
  });
});
