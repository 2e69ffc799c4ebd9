import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pairsFromRounds } from '@casebook/analysis';
import { buildResultsIndex, listRecords } from '@casebook/citing';
import { type BisectRecordHead, recordBisect } from '@casebook/cli';
import { type BisectRecord, CasebookError, readRecord, SCHEMA_VERSION } from '@casebook/results';
import { committedBisects } from '@casebook/study';
import { afterAll, describe, expect, test } from 'vitest';

/**
 * A bisect that does not reach its end leaves a record of what it did (packages/cli/src/bisect-record.ts): stopped
 * by SIGINT or SIGTERM in a step, it rewrites bisect.json with the signal and the step, kills every child of the run
 * and exits 130 or 143; a step that fails leaves it errored. Either way the record validates, holds the steps that
 * completed, lists what they found as found before the stop, and claims nothing about the rest of the range; the
 * readers of records (index, committedBisects) take it. The steps are made up (test/fixtures/bisect-stopped.js):
 * nothing is measured.
 */

const FIXTURE = path.join(__dirname, 'fixtures', 'bisect-stopped.js');
/** A hang guard: the process exits, and its child is gone, within milliseconds of the signal. */
const BOUND_MS = 5000;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-bisect-stopped-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Alive: signal 0 reaches it and it is not a zombie nobody reaped (a container's init may not reap). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

async function goneWithin(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return !alive(pid);
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const end = buffered.indexOf('\n');
      if (end >= 0) resolve(buffered.slice(0, end));
    });
    child.once('exit', (code, signal) => reject(new Error(`exited before its first line (${code}, ${signal})`)));
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running ${BOUND_MS} ms after the signal`));
    }, BOUND_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

const readBisect = (out: string): BisectRecord => {
  const record = readRecord(path.join(out, 'bisect.json'));
  if (record.kind !== 'bisect') throw new Error(`expected a bisect record, got ${record.kind}`);
  return record;
};

describe('a bisect stopped by a signal in a step', () => {
  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)
    test(`${signal}: exits ${status}; bisect.json says interrupted by ${signal} in step 2, keeps step 1; the run's child is killed`, async () => {
      const out = path.join(tmp, signal);
      const child = spawn(process.execPath, [FIXTURE, out], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      const running = JSON.parse(await firstLine(child)) as { step: number; child: number };
      expect(running.step).toBe(2);
      // Written before step 2 began: what a process killed outright (SIGKILL, a dead machine) leaves.
      const before = readBisect(out);
      expect(before.status).toBe('interrupted');
      expect(before.error?.message).toMatch(/^stopped during step 2 \(search of 8\.1\.0, 8\.2\.0, 8\.3\.0, 6 rounds\)/);
      expect(before.steps).toHaveLength(1);

      child.kill(signal);
      expect(await exited(child)).toEqual({ code: status, signal: null });
      expect(await goneWithin(running.child, BOUND_MS), `the run's child ${running.child} outlived the bisect`).toBe(
        true,
      );
      expect(stderr).toContain(`bisect: ${signal}: stopped in step 2`);

      const record = readBisect(out);
      expect(record).toMatchObject({
        status: 'interrupted',
        error: {
          code: 'CASEBOOK_INTERRUPTED',
          message: `${signal} during step 2 (search of 8.1.0, 8.2.0, 8.3.0, 6 rounds)`,
        },
        runs: 1,
        boundaries: [],
        nonMonotonic: false,
      });
      expect(record.steps).toHaveLength(1);
      expect(record.steps[0]).toMatchObject({
        index: 1,
        purpose: 'screen',
        folder: 'steps/01-screen',
        runIds: ['bench-0000aaaa'],
        measurements: [
          { version: '8.0.0', median: 100 },
          { version: '8.1.0', median: 100 },
          { version: '8.3.0', median: 80 },
          { version: '8.4.0', median: 80 },
        ],
        outcome: expect.stringMatching(/^1 segment moved: 8\.1\.0 → 8\.3\.0 moved down/),
      });
      expect(record.unresolved).toEqual([
        { older: '8.1.0', newer: '8.3.0', reason: expect.stringMatching(/stopped before this bracket was narrowed$/) },
      ]);
      const lines = record.summary.split('\n');
      expect(lines[0]).toBe('## undici bisect: throughput (undici-request) — interrupted');
      expect(lines[2]).toMatch(
        new RegExp(`^- Interrupted \\(CASEBOOK_INTERRUPTED: ${signal} during step 2 .*no claim about that range`),
      );
      expect(lines[3]).toMatch(/^- Found before the search stopped: Unresolved between undici 8\.1\.0 and 8\.3\.0/);
      expect(record.summary).not.toMatch(/No boundary resolved/);
      expect(fs.readFileSync(path.join(out, 'bisect.md'), 'utf8')).toBe(record.summary);
      // Nothing else was left half-written (atomic writes leave no temporary files).
      expect(fs.readdirSync(out).sort()).toEqual(['bisect.json', 'bisect.md']);
    });
});

describe('a bisect whose step fails', () => {
  const versions = ['8.0.0', '8.1.0', '8.2.0', '8.3.0', '8.4.0'];
  const dated = versions.map((version, i) => ({ version, publishedAt: `2026-0${i + 1}-01T00:00:00.000Z` }));
  const rounds = { screen: 6, step: 6, confirm: 12 };
  const reproduce = 'npx casebook bisect --package undici --good 8.0.0 --bad 8.4.0';
  const head: BisectRecordHead = {
    schemaVersion: SCHEMA_VERSION,
    kind: 'bisect',
    runId: 'bisect-0000e1e1',
    createdAt: '2026-12-04T00:00:00.000Z',
    package: 'undici',
    client: 'undici-request',
    metric: { name: 'throughput', text: 'throughput', unit: 'req/s', better: 'higher' },
    good: dated[0] as BisectRecordHead['good'],
    bad: dated[4] as BisectRecordHead['bad'],
    line: { kind: 'same-line', goodMajor: 8, badMajor: 8, firstOfBadLine: null },
    candidates: dated,
    excluded: [],
    scenario: { concurrency: 4, method: 'steady' },
    profile: 'smoke',
    seed: 1,
    rounds,
    reproduce: { command: reproduce, args: reproduce.split(' ').slice(2) },
  };

  test('errored, the error naming the step; step 1 kept; the index and committedBisects read it', async () => {
    const repo = path.join(tmp, 'repo');
    const out = path.join(repo, 'results', 'bisect', 'undici-errored');
    const { record, file } = await recordBisect({
      out,
      head,
      ctx: { packageName: 'undici', client: 'undici-request', metric: 'throughput', reproduce },
      versions,
      rounds,
      lineBoundary: false,
      measure: async (request) => {
        if (request.index === 2)
          throw new CasebookError('CASEBOOK_RUN', 'bisect: undici@8.2.0 was asked for, 8.1.0 loaded');
        const values = Object.fromEntries(
          request.versions.map((v) => [v, Array(request.rounds).fill(versions.indexOf(v) >= 3 ? 80 : 100)]),
        );
        return {
          pairs: pairsFromRounds(request.versions, values),
          extras: { seed: 1, folder: 'steps/01-screen', runIds: ['bench-0000aaaa'], values },
          environment: null,
        };
      },
    });
    expect(file).toBe(path.join(out, 'bisect.json'));
    expect(record).toMatchObject({
      status: 'errored',
      error: {
        code: 'CASEBOOK_RUN',
        message:
          'step 2 (search of 8.1.0, 8.2.0, 8.3.0, 6 rounds) failed: bisect: undici@8.2.0 was asked for, 8.1.0 loaded',
      },
      runs: 1,
    });
    expect(readBisect(out)).toEqual(JSON.parse(JSON.stringify(record)));
    expect(record.summary).toMatch(
      /^## undici bisect: throughput \(undici-request\) — errored\n\n- Stopped by an error /,
    );
    // The environment is this machine's, captured as a case study captures it (no step gave one).
    expect(record.environment.node).toBe(process.version);

    // Readers: the results index skips bisect folders (it lists case studies and bench records), with or without a
    // status; committedBisects validates and returns the record, its status with it.
    fs.mkdirSync(path.join(out, 'steps', '01-screen'), { recursive: true });
    const root = path.join(repo, 'results');
    const loaded = listRecords(root);
    expect(loaded).toEqual([]);
    expect(buildResultsIndex(loaded, { repoRoot: repo, resultsDir: root })).toMatch(/^# Results/);
    const committed = committedBisects('undici', repo);
    expect(committed.map((b) => [b.file, b.record.status])).toEqual([
      ['results/bisect/undici-errored/bisect.json', 'errored'],
    ]);
  });
});
