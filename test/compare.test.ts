import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { compareMetric, METRICS } from '@casebook/citing';
import type { BenchRecord } from '@casebook/results';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type CliResult, runCasebook, runCasebookInProcess } from './fixtures/cli';

/**
 * `casebook compare` on real bench records (temp CASEBOOK_RESULTS_DIR): two runs of one configuration, and one
 * run of the same configuration with more think-time at the target. The configuration is timer-bound (10 ms
 * think-time, one request in flight) so throughput and p50 are steady enough on a shared 2-core machine; tail
 * latency and CPU per request of such tiny runs are not, so the "same configuration" test asserts no spurious
 * verdict on throughput and p50 only, and prints the rest. `-t compareMetric` runs only the pure rules (no process).
 */

const results = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-compare-'));
afterAll(() => fs.rmSync(results, { recursive: true, force: true }));

function casebook(args: readonly string[]): Promise<CliResult> {
  return runCasebook(args, { resultsDir: results });
}

async function bench(delayMs: number): Promise<string> {
  const r = await casebook(
    ['bench', '--client', 'undici-request', '--concurrency', '1', '--requests', '25', '--trials', '5'].concat([
      '--warmup',
      '10',
      '--delay-ms',
      String(delayMs),
    ]),
  );
  expect(r.code, r.stderr).toBe(0);
  return (r.stdout.match(/run id\s+(bench-[0-9a-f]{8})/) as RegExpMatchArray)[1] as string;
}

interface Row {
  measurement: string;
  metric: string;
  ratio: number;
  ciLow: number;
  ciHigh: number;
  verdict: string;
  b: { median: number };
}

async function compareJson(args: readonly string[]): Promise<{ rows: Row[]; environmentDiffs: { name: string }[] }> {
  const r = await casebook(['compare', ...args, '--format', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('compare fresh runs (starts bench processes)', () => {
  let same1: string;
  let same2: string;
  let slow: string;

  beforeAll(async () => {
    same1 = await bench(10);
    same2 = await bench(10);
    slow = await bench(30);
  }, 120_000);

  describe('compare', () => {
    test('two runs of the same configuration: every metric compared, with an interval, and no environment difference', async () => {
      // Whether the verdict is "no difference" depends on the machine staying quiet between the two runs, which a test
      // must not assume; the verdict rule itself is tested on constructed records above.
      const c = await compareJson([same1, same2]);
      expect(c.rows.map((r) => r.metric)).toEqual(['throughput', 'p50', 'p99', 'cpu']);
      for (const r of c.rows) expect(r.ciLow).toBeLessThanOrEqual(r.ciHigh);
      for (const r of c.rows) expect(['faster', 'slower', 'no difference']).toContain(r.verdict);
      expect(c.environmentDiffs).toEqual([]);
    });

    test('more think-time is refused as a parameter difference unless allowed', async () => {
      const r = await casebook(['compare', same1, slow]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain('target.delayMs 10 → 30');
      expect(r.stderr).toContain('--allow-param-diff delay-ms');
    });

    test('with think-time allowed to differ, the reverse comparison mirrors the forward one', async () => {
      const forward = await compareJson([same1, slow, '--allow-param-diff', 'delay-ms']);
      const reverse = await compareJson([slow, same1, '--allow-param-diff', 'target.delayMs']);
      const mirror: Record<string, string> = { slower: 'faster', faster: 'slower', 'no difference': 'no difference' };
      for (const metric of ['throughput', 'p50']) {
        const f = forward.rows.find((r) => r.metric === metric) as Row;
        const r = reverse.rows.find((x) => x.metric === metric) as Row;
        expect(r.verdict, metric).toBe(mirror[f.verdict]);
        expect(r.ratio * f.ratio, metric).toBeCloseTo(1, 6);
      }
      // Physics, not speed: a 30 ms think-time makes every request take at least 30 ms.
      const p50 = forward.rows.find((r) => r.metric === 'p50') as Row;
      expect(p50.b.median).toBeGreaterThanOrEqual(30);
    });

    test('markdown output names the test, the allowed difference and the environment', async () => {
      const r = await casebook(['compare', same1, slow, '--allow-param-diff', 'delayMs', '--metric', 'throughput,p50']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('percentile bootstrap 95% CI of median(b)/median(a)');
      expect(r.stdout).toMatch(/\*\*(slower|faster)\*\*|no difference within noise/);
      expect(r.stdout).toContain('Parameters that differ (allowed): target.delayMs 10 → 30');
      expect(r.stdout).toContain('Environment: identical');
      expect(r.stdout).not.toContain('p99 latency');
    });

    test('environment differences are listed (Node, CPU, client versions, git commit)', async () => {
      const record = JSON.parse(fs.readFileSync(path.join(results, 'bench', `${same2}.json`), 'utf8'));
      record.runId = 'bench-0000beef';
      record.environment.node = 'v22.0.0';
      record.environment.cpuModel = 'Imaginary CPU';
      record.environment.clientVersions.undici = '7.0.0';
      record.environment.git.commit = 'f'.repeat(40);
      const file = path.join(results, 'elsewhere.json');
      fs.writeFileSync(file, JSON.stringify(record));
      const c = await compareJson([same1, file]);
      expect(c.environmentDiffs.map((d) => d.name)).toEqual(
        expect.arrayContaining(['node', 'cpuModel', 'clientVersions.undici', 'git.commit']),
      );
      const md = await casebook(['compare', same1, file]);
      expect(md.stdout).toMatch(/Environment differences: .*node v\d+\.\d+\.\d+ → v22\.0\.0/);
    });
  });

  // Refused after reading the records only: main() in this process (the cases above run the real bin).
  describe('bad input: exit 2 and a clear message', () => {
    test.each([
      {
        name: 'unknown run id',
        args: () => ['compare', same1, 'bench-00000000'],
        mentions: ['no record with this run id'],
      },
      { name: 'one run only', args: () => ['compare', same1], mentions: ['runs:', 'two run ids'] },
      {
        name: 'unreadable record',
        args: () => ['compare', same1, path.join(results, 'nope.json')],
        mentions: ['nope.json', 'cannot read'],
      },
      {
        name: 'unsupported schema version',
        args: () => {
          const record = JSON.parse(fs.readFileSync(path.join(results, 'bench', `${same2}.json`), 'utf8'));
          record.schemaVersion = 999;
          const file = path.join(results, 'schema-999.json');
          fs.writeFileSync(file, JSON.stringify(record));
          return ['compare', same1, file];
        },
        mentions: ['schema-999.json', 'schemaVersion'],
      },
      {
        name: 'bad metric',
        args: () => ['compare', same1, same2, '--metric', 'speed'],
        mentions: ['--metric: "speed"'],
      },
      {
        name: 'bad min-change',
        args: () => ['compare', same1, same2, '--min-change', '-1'],
        mentions: ['--min-change'],
      },
    ])('$name', async ({ args, mentions }) => {
      const r = await runCasebookInProcess(args(), { resultsDir: results });
      expect(r.code, r.stderr).toBe(2);
      for (const m of mentions) expect(r.stderr).toContain(m);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  });
});

/** Pure rules of one metric's verdict, on synthetic trials (no processes). */
describe('compareMetric: direction, noise floor, sample size', () => {
  const fake = (trials: { rps: number; p50: number }[], status = 'completed'): BenchRecord =>
    ({
      status,
      trials: trials.map((t) => ({
        throughputRps: t.rps,
        latencyMs: { p50: t.p50, p99: t.p50 * 2 },
        cpuMicrosPerRequest: 100,
      })),
    }) as unknown as BenchRecord;
  const spec = (id: string) => METRICS.find((m) => m.id === id) as (typeof METRICS)[number];
  const fastRun = fake([1000, 1010, 990, 1005, 995].map((rps) => ({ rps, p50: 1e3 / rps })));
  const slowRun = fake([500, 505, 495, 502, 498].map((rps) => ({ rps, p50: 1e3 / rps })));

  test('less throughput is slower, more latency is slower; the reverse is faster', () => {
    expect(compareMetric('m', spec('throughput'), fastRun, slowRun, 0.05).verdict).toBe('slower');
    expect(compareMetric('m', spec('p50'), fastRun, slowRun, 0.05).verdict).toBe('slower');
    expect(compareMetric('m', spec('throughput'), slowRun, fastRun, 0.05).verdict).toBe('faster');
    expect(compareMetric('m', spec('p50'), slowRun, fastRun, 0.05).verdict).toBe('faster');
    const r = compareMetric('m', spec('throughput'), fastRun, slowRun, 0.05);
    expect(r.ratio).toBeCloseTo(0.5, 2);
    expect(r.ciHigh as number).toBeLessThan(1);
  });

  test('identical CPU per request is no difference; a change under the noise floor is no difference', () => {
    expect(compareMetric('m', spec('cpu'), fastRun, slowRun, 0.05).verdict).toBe('no difference');
    const slightly = fake([1030, 1040, 1020, 1035, 1025].map((rps) => ({ rps, p50: 1 })));
    expect(compareMetric('m', spec('throughput'), fastRun, slightly, 0.05).verdict).toBe('no difference');
    expect(compareMetric('m', spec('throughput'), fastRun, slightly, 0.01).verdict).toBe('faster');
  });

  test('fewer than 3 trials a side, or an errored run, gives no verdict', () => {
    const two = fake([
      { rps: 100, p50: 10 },
      { rps: 110, p50: 9 },
    ]);
    expect(compareMetric('m', spec('throughput'), fastRun, two, 0.05).verdict).toBe('too few trials');
    const errored = fake(
      [
        { rps: 1, p50: 1 },
        { rps: 1, p50: 1 },
        { rps: 1, p50: 1 },
      ],
      'errored',
    );
    expect(compareMetric('m', spec('throughput'), fastRun, errored, 0.05).verdict).toBe('errored');
  });
});
