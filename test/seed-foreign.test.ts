import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { liveChildren } from '@casebook/procs';
import { FOREIGN_CLIENTS, foreignAvailability, resolveForeignOptions, runForeignBench } from '@casebook/runner';
import { afterAll, describe, expect, it } from 'vitest';

const available = foreignAvailability();

/** True while a process with this pid exists. */
function alive(pid: number | null): boolean {
  if (pid === null) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-seed-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('foreign clients: protocol round-trip', () => {
  it.skipIf(!available.available).each(FOREIGN_CLIENTS)(
    '%s reports exactly the requests the target saw, per trial, with versions recorded',
    async (client) => {
      const record = await runForeignBench({
        client,
        concurrency: 16,
        requests: 200,
        trials: 2,
        warmupRequests: 40,
        connections: 8,
      });
      expect(record.status, JSON.stringify(record.error)).toBe('completed');
      expect(record.trials).toHaveLength(2);
      for (const t of record.trials) {
        expect(t.sent).toBe(200);
        expect(t.ok).toBe(200);
        expect(t.target?.requests).toBe(t.sent);
        expect(t.latencyMs.count).toBe(t.ok);
        expect(t.cpuUserMicros + t.cpuSystemMicros).toBeGreaterThan(0);
        // A pool of 8: never more than 8 sockets open at the target.
        expect(t.target?.peakOpenConnections ?? 0).toBeLessThanOrEqual(8);
      }
      expect(record.warmup?.sent).toBe(40);
      expect(record.warmup?.target?.requests).toBe(40);
      expect(record.target.requests).toBe(400);
      expect(record.client.name).toBe(`python-${client}`);
      expect(record.client.version).toMatch(/\d+\.\d+/);
      expect(record.client.versions['python']).toMatch(/^3\./);
      expect(record.environment.clientVersions['python:httpx']).toMatch(/\d+\.\d+/);
      expect(record.errors.total).toBe(0);
      expect(liveChildren()).toEqual([]);
      expect(alive(record.target.pid)).toBe(false);
    },
  );

  it.skipIf(!available.available)('records the pool limit read from the live client', async () => {
    const record = await runForeignBench({
      client: 'httpx',
      concurrency: 4,
      requests: 20,
      trials: 1,
      warmupRequests: 0,
    });
    expect(record.status).toBe('completed');
    expect(record.client.settings['httpx.max_connections']).toBe(100);
    const aio = await runForeignBench({
      client: 'aiohttp',
      concurrency: 4,
      requests: 20,
      trials: 1,
      warmupRequests: 0,
      connections: 3,
    });
    expect(aio.client.settings['aiohttp.limit']).toBe(3);
  });
});

describe('foreign clients: missing packages and bad input', () => {
  // A real interpreter that cannot import httpx: a module on PYTHONPATH shadows it and refuses to load.
  const shadow = path.join(tmp, 'shadow');
  fs.mkdirSync(shadow, { recursive: true });
  fs.writeFileSync(path.join(shadow, 'httpx.py'), 'raise ImportError("httpx is not installed (test shadow)")\n');
  const fakePython = path.join(tmp, 'python-without-httpx');
  fs.writeFileSync(fakePython, `#!/bin/sh\nPYTHONPATH=${shadow} exec /usr/bin/env python3 "$@"\n`, { mode: 0o755 });
  const env = { ...process.env, CASEBOOK_SEED_PYTHON: fakePython };

  it('reports the interpreter as unavailable, naming the missing package', () => {
    const a = foreignAvailability(env);
    expect(a.available).toBe(false);
    if (!a.available) {
      expect(a.reason).toContain('python3-httpx');
      expect(a.tried.join(' ')).toMatch(/httpx/);
    }
  });

  it('a run is a clean CASEBOOK_FOREIGN_UNAVAILABLE error, with nothing started', async () => {
    await expect(
      runForeignBench({ client: 'httpx', concurrency: 2, requests: 4, trials: 1 }, { env }),
    ).rejects.toMatchObject({ code: 'CASEBOOK_FOREIGN_UNAVAILABLE' });
    expect(liveChildren()).toEqual([]);
  });

  it('an interpreter path that does not exist is also a clean skip', () => {
    const a = foreignAvailability({ ...process.env, CASEBOOK_SEED_PYTHON: path.join(tmp, 'no-such-python') });
    expect(a.available).toBe(false);
  });

  it('bad input is a UsageError naming the field and value', () => {
    expect(() => resolveForeignOptions({ client: 'requests', concurrency: 1, requests: 1 })).toThrow(
      /invalid client: "requests"/,
    );
    expect(() =>
      resolveForeignOptions({ client: 'httpx', concurrency: 1, requests: 1, keepAlive: false } as never),
    ).toThrow(/invalid keepAlive: false/);
    expect(() => resolveForeignOptions({ client: 'httpx', concurrency: 0, requests: 1 })).toThrow(/concurrency/);
  });
});
