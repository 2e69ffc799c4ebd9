import { spawn } from 'node:child_process';
import { type FileLimits, fdNeed, fdPreflight, fileLimits, fileLimitWrapper } from '@casebook/procs';
import {
  parseFileLimitsProbe,
  SOFT_AT_START_ENV,
  softAtStartFromEnv,
  UNLIMITED_OPEN_FILES,
  UsageError,
} from '@casebook/results';
import { describe, expect, test } from 'vitest';

/**
 * Open-file limits on a reader's machine: reading them (the probe's output, parsed), the wrapper that raises a
 * child's soft limit, and the preflight that refuses a run that cannot fit. Pure, except one test that runs `sh`
 * through the wrapper and checks what the child sees.
 */

const limits = (
  soft: number | null,
  hard: number | null,
  raisedTo: number | null,
  softAtStart: number | null = soft,
): FileLimits => ({
  soft,
  softAtStart,
  hard,
  raisedTo,
  reason: 'test',
});

describe('parseFileLimitsProbe', () => {
  test('raised to the hard limit', () => {
    expect(parseFileLimitsProbe('1024\n524288\n524288\n')).toMatchObject({
      soft: 1024,
      hard: 524_288,
      raisedTo: 524_288,
      reason: expect.stringMatching(/from soft 1024 to 524288, the hard limit/),
    });
  });

  test('unlimited hard limit (macOS): raised to what ulimit accepted', () => {
    expect(parseFileLimitsProbe('256\nunlimited\n24576\n')).toMatchObject({
      soft: 256,
      hard: UNLIMITED_OPEN_FILES,
      raisedTo: 24_576,
      reason: expect.stringMatching(/the most ulimit accepts \(hard unlimited\)/),
    });
  });

  test('already at the hard limit: children keep the soft limit', () => {
    expect(parseFileLimitsProbe('4096\n4096\n4096\n')).toMatchObject({ soft: 4096, hard: 4096, raisedTo: 4096 });
  });

  test('no candidate accepted: raisedTo null; unreadable output: all null', () => {
    expect(parseFileLimitsProbe('256\nunlimited\n')).toMatchObject({ soft: 256, raisedTo: null });
    expect(parseFileLimitsProbe('')).toMatchObject({ soft: null, hard: null, raisedTo: null });
  });
});

describe("the caller's soft limit", () => {
  test("the first process: its own soft limit is the caller's", () => {
    expect(parseFileLimitsProbe('1024\n524288\n524288\n')).toMatchObject({ soft: 1024, softAtStart: 1024 });
  });

  test("a child started with the raised limit (a kernel): the inherited caller's limit is kept and named", () => {
    const l = parseFileLimitsProbe('20000\n20000\n20000\n', 1024);
    expect(l).toMatchObject({ soft: 20_000, softAtStart: 1024, raisedTo: 20_000 });
    expect(l.reason).toMatch(/the caller's soft limit was 1024/);
  });

  test('the environment variable: a count or unlimited; anything else is absent', () => {
    expect(softAtStartFromEnv({ [SOFT_AT_START_ENV]: '1024' })).toBe(1024);
    expect(softAtStartFromEnv({ [SOFT_AT_START_ENV]: 'unlimited' })).toBe(UNLIMITED_OPEN_FILES);
    expect(softAtStartFromEnv({ [SOFT_AT_START_ENV]: 'lots' })).toBeNull();
    expect(softAtStartFromEnv({})).toBeNull();
  });

  test("preflight names the caller's soft limit, not the raised one; passes when the raised one fits", () => {
    const raisedFrom1024 = limits(20_000, 20_000, 20_000, 1024);
    expect(fdPreflight({ concurrency: 512, clients: ['undici-request'] }, raisedFrom1024, 'linux').perProcess).toBe(
      1088,
    );
    const tooLow = limits(2048, 2048, 2048, 1024);
    expect(() => fdPreflight({ concurrency: 2048, clients: ['undici-request'] }, tooLow, 'linux')).toThrow(
      /your soft limit 1024, hard limit 2048/,
    );
  });
});

describe('fileLimitWrapper', () => {
  test('sh -c with the raised limit as $1; nothing when there is nothing to raise', () => {
    expect(fileLimitWrapper(limits(1024, 524_288, 524_288))).toEqual({
      command: '/bin/sh',
      args: ['-c', 'ulimit -Sn "$1" 2>/dev/null; shift; exec "$@"', 'sh', '524288'],
    });
    expect(fileLimitWrapper(limits(4096, 4096, 4096))).toBeNull();
    expect(fileLimitWrapper(limits(256, UNLIMITED_OPEN_FILES, null))).toBeNull();
    expect(fileLimitWrapper(limits(null, null, null))).toBeNull();
  });
});

describe('fdPreflight', () => {
  const linux1024 = limits(1024, 1024, 1024);

  test('need: 2 × sockets + 64 for undici-style pools, 1 × + 64 for others, the target in-flight + 64', () => {
    expect(fdNeed({ concurrency: 512, clients: ['undici-request'] })).toEqual({
      client: 1088,
      target: 576,
      perProcess: 1088,
    });
    expect(fdNeed({ concurrency: 512, clients: ['got'] })).toEqual({ client: 576, target: 576, perProcess: 576 });
    expect(fdNeed({ concurrency: 4096, clients: ['node-fetch'], connections: 100 }).perProcess).toBe(264);
  });

  test('refuses when the limit children get is below the need, naming the limit, the need and the fix', () => {
    const refuse = () => fdPreflight({ concurrency: 512, clients: ['undici-request'] }, linux1024, 'linux');
    expect(refuse).toThrow(UsageError);
    expect(refuse).toThrow(/invalid concurrency: 512 \(needs 1088 open files per process/);
    expect(refuse).toThrow(/hard limit 1024/);
    expect(refuse).toThrow(/ulimit -n 1088/);
    const mac = () =>
      fdPreflight({ concurrency: 512, clients: ['undici-fetch'] }, limits(256, UNLIMITED_OPEN_FILES, null), 'darwin');
    expect(mac).toThrow(/lets a child open 256 \(your soft limit 256, hard limit unlimited\)/);
    expect(mac).toThrow(/launchctl limit maxfiles 1088/);
    try {
      refuse();
    } catch (error) {
      expect(error).toMatchObject({ code: 'CASEBOOK_USAGE', field: 'concurrency', value: 512 });
    }
  });

  test('accepts when it fits, and when the limits are unknown', () => {
    expect(fdPreflight({ concurrency: 512, clients: ['got'] }, linux1024, 'linux').perProcess).toBe(576);
    expect(() =>
      fdPreflight({ concurrency: 512, clients: ['undici-request'] }, limits(1024, 524_288, 524_288)),
    ).not.toThrow();
    expect(() =>
      fdPreflight({ concurrency: 4096, clients: ['undici-request'], connections: 64 }, linux1024),
    ).not.toThrow();
    expect(() => fdPreflight({ concurrency: 100_000, clients: ['httpx'] }, limits(null, null, null))).not.toThrow();
  });
});

/**
 * The one test that starts a process: an outer shell lowers its soft limit to 256 and execs the wrapper, which raises
 * it and execs an inner shell that prints its soft limit and PID. Every step is an exec, so the PID is spawn's.
 */
const hard = fileLimits().hard;
const LOWERED = 256;
test.skipIf(process.platform === 'win32' || hard === null || hard <= LOWERED)(
  'a child started through the wrapper sees the raised soft limit and keeps its PID',
  async () => {
    const target = Math.min(hard ?? 0, 4096);
    const wrapper = fileLimitWrapper(limits(LOWERED, hard, target));
    if (wrapper === null) throw new Error('expected a wrapper');
    const child = spawn(
      '/bin/sh',
      [
        '-c',
        `ulimit -Sn ${LOWERED}; exec "$@"`,
        'sh',
        wrapper.command,
        ...wrapper.args,
        '/bin/sh',
        '-c',
        'ulimit -Sn; echo $$',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toEqual([String(target), String(child.pid)]);
  },
);
