import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UNDICI_REGISTRY } from './fixtures/bisect-registry';
import { type CliResult, runCasebook, runCasebookInProcess } from './fixtures/cli';

/**
 * `casebook bisect` as a user runs it, measuring nothing: every case is a dry run or refused before any run starts,
 * so each runs the CLI's main() in this process (runCasebookInProcess), except one refusal through the built bin on
 * the pinned Node, whose exit code is tested too. The registry metadata comes from the version store's cache, written
 * here from the fixture (fetched "now", so it is reused without a network call); results and the version store are
 * temp folders. Bad input exits 2, names the field and the value, and writes nothing.
 */

let root: string;
let store: string;
let results: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-bisect-cli-'));
  store = path.join(root, 'store');
  results = path.join(root, 'results');
  fs.mkdirSync(path.join(store, '.registry'), { recursive: true });
  fs.mkdirSync(results);
  fs.writeFileSync(
    path.join(store, '.registry', 'undici.json'),
    JSON.stringify({ npmName: 'undici', fetchedAt: new Date().toISOString(), ...UNDICI_REGISTRY }),
  );
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function casebook(args: readonly string[], run = runCasebookInProcess): Promise<CliResult> {
  return run(args, { resultsDir: results, env: { CASEBOOK_VERSION_STORE: store } });
}

const files = (dir: string): string[] => (fs.readdirSync(dir, { recursive: true }) as string[]).map(String);

describe('casebook bisect --dry-run', () => {
  test('undici 8.0.0 → 8.13.1: the 8.x line by publish date, the screen and the plan, nothing measured or written', async () => {
    const out = path.join(root, 'out-same');
    const r = await casebook([
      'bisect',
      '--package',
      'undici',
      '--good',
      '8.0.0',
      '--bad',
      '8.13.1',
      '--out',
      out,
      '--dry-run',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({
      kind: 'casebook-bisect-plan',
      package: 'undici',
      client: 'undici-request',
      metric: { name: 'throughput', better: 'higher' },
      line: { kind: 'same-line' },
      profile: 'standard',
      rounds: { screen: 10, step: 10, confirm: 20 },
      scenario: { concurrency: 128, node: 'workspace', method: 'steady', target: { keepAliveTimeoutMs: 600_000 } },
      links: { compare: 'https://github.com/nodejs/undici/compare/v8.0.0...v8.13.1' },
    });
    const versions = plan.candidates.map((c: { version: string }) => c.version);
    expect(versions[0]).toBe('8.0.0');
    expect(versions.at(-1)).toBe('8.13.1');
    expect(versions.some((v: string) => v.startsWith('7.'))).toBe(false);
    expect(plan.screen).toHaveLength(4);
    expect(plan.expectedRuns).toBeLessThanOrEqual(Math.ceil(Math.log2(versions.length)) + 2);
    expect(plan.reproduce).toBe(
      'npx casebook bisect --package undici --good 8.0.0 --bad 8.13.1 --metric throughput --client undici-request --profile standard --seed 1 --method steady --processes 3 --concurrency 128 --requests 20000 --trials 1',
    );
    // Three client processes per version in every steady-state step, and the plan says what they cost.
    expect(plan.processes.perVersion).toBe(3);
    expect(plan.steps[0]).toMatch(/ × 3 client processes each together, 10 rounds/);
    expect(plan.estimate).toMatch(/^one boundary: \d+ steady-state blocks \(3 client processes per version\)/);
    expect(fs.existsSync(out)).toBe(false);
    expect(files(results)).toEqual([]);
  });

  test('--rounds: the screen and every step at N rounds, the confirmation at 2N, carried into reproduce', async () => {
    const r = await casebook([
      'bisect',
      '--package',
      'undici',
      '--good',
      '8.0.0',
      '--bad',
      '8.13.1',
      '--rounds',
      '40',
      '--dry-run',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.rounds).toEqual({ screen: 40, step: 40, confirm: 80 });
    expect(plan.steps[0]).toMatch(/together, 40 rounds/);
    expect(plan.reproduce).toContain('--profile standard --rounds 40 --seed 1');
  });

  test('7.24.7 → 8.13.1: the line change first (7.24.7 → 8.0.0), then the 8.x line; scenario flags carried into reproduce', async () => {
    const r = await casebook([
      'bisect',
      '--package=undici',
      '--good',
      '7.24.7',
      '--bad',
      '8.13.1',
      '--metric',
      'p99',
      '--profile',
      'smoke',
      '--concurrency',
      '16',
      '--no-keep-alive',
      '--dry-run',
    ]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.line).toEqual({ kind: 'consecutive-lines', goodMajor: 7, badMajor: 8, firstOfBadLine: '8.0.0' });
    expect(plan.screen.slice(0, 2)).toEqual(['7.24.7', '8.0.0']);
    expect(plan.metric).toMatchObject({ name: 'p99', better: 'lower' });
    expect(plan.scenario).toMatchObject({ concurrency: 16, keepAlive: false, requests: 2000 });
    expect(plan.reproduce).toMatch(
      /--metric p99 .*--profile smoke .*--concurrency 16 --no-keep-alive --requests 2000 --trials 1$/,
    );
    expect(files(results)).toEqual([]);
  });
});

describe('casebook bisect: bad input exits 2, names the field and value, writes nothing', () => {
  const cases: { name: string; args: string[]; mentions: string[] }[] = [
    {
      name: 'unknown package',
      args: ['--package', 'leftpad', '--good', '1.0.0', '--bad', '1.1.0'],
      mentions: ['--package', '"leftpad"'],
    },
    { name: 'no package', args: ['--good', '8.0.0', '--bad', '8.13.1'], mentions: ['--package', 'required'] },
    {
      name: 'malformed version',
      args: ['--package', 'undici', '--good', '8.x', '--bad', '8.13.1'],
      mentions: ['--good', '"8.x"'],
    },
    {
      name: 'unpublished version',
      args: ['--package', 'undici', '--good', '8.11.1', '--bad', '8.13.1'],
      mentions: ['--good', '"8.11.1"', 'not published'],
    },
    {
      name: 'good equals bad',
      args: ['--package', 'undici', '--good', '8.0.0', '--bad', '8.0.0'],
      mentions: ['--bad', '"8.0.0"', 'same version'],
    },
    {
      name: 'lines released in parallel',
      args: ['--package', 'undici', '--good', '7.30.2', '--bad', '8.13.1'],
      mentions: ['--good', '"7.30.2"', 'released in parallel', '--good 7.24.7 --bad 8.13.1'],
    },
    {
      name: 'unknown metric',
      args: ['--package', 'undici', '--good', '8.0.0', '--bad', '8.13.1', '--metric', 'speed'],
      mentions: ['--metric', '"speed"', 'throughput, p99, cpu-per-request, sockets-opened, rss'],
    },
    {
      name: 'a version outside the support table',
      args: ['--package', 'undici', '--good', '5.28.4', '--bad', '8.13.1'],
      mentions: ['--good', '"5.28.4"', 'undici-request supports undici >=6.0.0 <9.0.0'],
    },
    {
      name: 'a version the adapter cannot drive (undici-dispatch needs 7)',
      args: ['--package', 'undici', '--client', 'undici-dispatch', '--good', '6.24.1', '--bad', '8.13.1'],
      mentions: ['--good', '"6.24.1"', 'controller API'],
    },
    {
      name: 'an adapter of another package',
      args: ['--package', 'undici', '--client', 'got', '--good', '8.0.0', '--bad', '8.13.1'],
      mentions: ['--client', '"got"', 'does not load undici'],
    },
    {
      name: 'fewer processes than give an interval',
      args: ['--package', 'undici', '--good', '8.0.0', '--bad', '8.13.1', '--processes', '2'],
      mentions: ['--processes', '2', 'fewer than 3'],
    },
    {
      name: 'processes with the phase method',
      args: ['--package', 'undici', '--good', '8.0.0', '--bad', '8.13.1', '--metric', 'p99', '--processes', '3'],
      mentions: ['--processes', 'phase method'],
    },
    {
      name: 'fewer rounds than give an interval',
      args: ['--package', 'undici', '--good', '8.0.0', '--bad', '8.13.1', '--rounds', '5'],
      mentions: ['--rounds', '5', 'fewer than 6 rounds'],
    },
    {
      name: 'unknown profile',
      args: ['--package', 'undici', '--good', '8.0.0', '--bad', '8.13.1', '--profile', 'full'],
      mentions: ['--profile', '"full"'],
    },
    {
      name: 'an unknown method',
      args: ['--package', 'undici', '--good', '8.0.0', '--bad', '8.13.1', '--method', 'fast'],
      mentions: ['--method', '"fast"', 'steady or phase'],
    },
    {
      name: 'the steady method for a metric its blocks do not record',
      args: ['--package', 'undici', '--good', '8.0.0', '--bad', '8.13.1', '--metric', 'p99', '--method', 'steady'],
      mentions: ['--method', '"steady"', 'use --method phase'],
    },
    {
      name: 'a runtime whose fetch is measured, not bisected',
      args: ['--package', 'bun', '--good', '1.2.0', '--bad', '1.4.5'],
      mentions: ['--package', '"bun"', 'Bun and Deno are not bisected here'],
    },
    {
      name: 'a pre-release',
      args: ['--package', 'undici', '--good', '8.0.0', '--bad', '8.12.0-rc.1'],
      mentions: ['--bad', 'pre-release'],
    },
  ];
  for (const c of cases)
    test(c.name, async () => {
      const out = path.join(root, `out-${c.name.replace(/\W+/g, '-')}`);
      // --dry-run as well: a refusal that failed to happen must not start a measurement.
      const r = await casebook(['bisect', ...c.args, '--out', out, '--dry-run']);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      for (const m of c.mentions) expect(r.stderr).toContain(m);
      expect(fs.existsSync(out)).toBe(false);
      expect(files(results)).toEqual([]);
    });

  test('without --dry-run, an unknown package is refused the same way (by the real bin: exit code 2)', async () => {
    const out = path.join(root, 'out-no-dry-run');
    const args = ['bisect', '--package', 'leftpad', '--good', '1.0.0', '--bad', '1.1.0', '--out', out];
    const r = await casebook(args, runCasebook);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid --package: "leftpad"');
    expect(fs.existsSync(out)).toBe(false);
    expect(files(results)).toEqual([]);
  });

  test('--help prints the usage and exits 0', async () => {
    const r = await casebook(['bisect', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: casebook bisect --package/);
    expect(r.stdout).toContain('--dry-run');
  });
});
