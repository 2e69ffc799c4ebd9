import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { pythonSet } from '@casebook/runner';
import { describe, expect, it } from 'vitest';

/**
 * The Python worker's windows (casebook_foreign_worker.py ContinuousLoad), driven on a stand-in client
 * (test/fixtures/python/window_thread.py): cut by a thread of their own, a window lasts windowMs even while the client
 * holds its event loop (seed-18581e19: windows cut on httpcore 1.0.x's loop ran 20 ms – 5.7 s), no completion is lost
 * between windows, minWindowRequests lengthens a window by whole windowMs, and the thread ends with the pause. Then the
 * published httpx-aiohttp transport's live timeouts with unboundedPoolWait, in the latest client set (skipped without).
 */
const root = path.resolve(import.meta.dirname, '..');
const worker = path.join(root, 'packages/runner/python/casebook_foreign_worker.py');

interface Drive {
  windows: { durationMs: number; ended: number }[];
  partial: { durationMs: number; ended: number };
  completed: number;
  elapsedMs: number;
  threadAlive: boolean;
  threads: string[];
}

function drive(mode: 'blocking' | 'slow', windowMs: number, minWindowRequests: number, seconds: number): Drive {
  const script = path.join(root, 'test/fixtures/python/window_thread.py');
  const args = [script, worker, mode, String(windowMs), String(minWindowRequests), String(seconds)];
  const r = spawnSync('python3', args, { encoding: 'utf8', timeout: 60_000 });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as Drive;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;

describe('the foreign worker cuts windows on a thread', () => {
  it('a window lasts windowMs while the client holds its event loop (0.6 s per answer), and no completion is lost', () => {
    const r = drive('blocking', 200, 0, 3);
    // Cut on the loop, every window would have lasted at least one 0.6 s hold; cut by the thread, they are 200 ms.
    expect(r.windows.length).toBeGreaterThanOrEqual(8);
    const durations = r.windows.map((w) => w.durationMs);
    expect(median(durations)).toBeGreaterThan(180);
    expect(median(durations)).toBeLessThan(260);
    for (const d of durations) expect(d).toBeLessThan(550);
    // Windows with no answer in them are real (the loop was held): recorded, not merged into their neighbours.
    expect(r.windows.some((w) => w.ended === 0)).toBe(true);
    // Every completion is in exactly one window (or the partial one at the pause).
    expect(r.windows.reduce((n, w) => n + w.ended, 0) + r.partial.ended).toBe(r.completed);
    expect(r.completed).toBeGreaterThan(0);
    // The windows and the partial one cover the load's time.
    const covered = durations.reduce((s, d) => s + d, 0) + r.partial.durationMs;
    expect(Math.abs(covered - r.elapsedMs)).toBeLessThan(100);
    // The thread ended with the pause: no thread outlives the block.
    expect(r.threadAlive).toBe(false);
    expect(r.threads).toEqual(['MainThread']);
  });

  it('minWindowRequests: a window is cut only where that many requests ended, so it spans whole windowMs', () => {
    // One lane, 0.25 s per request: about 2 requests end per 500 ms; windows of 100 ms need 2 requests each.
    const r = drive('slow', 100, 2, 3);
    expect(r.windows.length).toBeGreaterThanOrEqual(3);
    for (const w of r.windows) {
      expect(w.ended).toBeGreaterThanOrEqual(2);
      expect(w.durationMs).toBeGreaterThanOrEqual(190);
      const multiple = Math.round(w.durationMs / 100);
      expect(Math.abs(w.durationMs - multiple * 100)).toBeLessThan(30);
    }
    expect(r.windows.reduce((n, w) => n + w.ended, 0) + r.partial.ended).toBe(r.completed);
    expect(r.threadAlive).toBe(false);
    // Without the minimum, every boundary cuts (the behaviour before): 100 ms windows, some with no request.
    const plain = drive('slow', 100, 0, 1);
    expect(plain.windows.some((w) => w.ended < 2)).toBe(true);
    for (const w of plain.windows) expect(w.durationMs).toBeLessThan(190);
  });

  it('a bad minWindowRequests in the start message is refused (a protocol fault), not run', () => {
    for (const bad of ['-1', '1.5', '"2"', 'true']) {
      const start = `{"type":"start","client":"httpx","origin":"http://127.0.0.1:9","load":{"mode":"closed"},"windowMs":500,"minWindowRequests":${bad}}`;
      const r = spawnSync('python3', [worker, '--continuous'], {
        input: `${start}\n`,
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(r.status).toBe(1);
      const fatal = JSON.parse(r.stdout.trim());
      expect(fatal).toMatchObject({ type: 'fatal', code: 'CASEBOOK_FOREIGN_PROTOCOL' });
      expect(fatal.message).toMatch(/minWindowRequests/);
    }
  });
});

const latest = pythonSet('latest');

describe.skipIf(latest.status !== 'ready')('the published httpx-aiohttp transport with unboundedPoolWait', () => {
  it("leaves aiohttp's pool wait unbounded and bounds its socket connect by httpx's connect, read from the live objects", () => {
    if (latest.status !== 'ready') return;
    const script = path.join(root, 'test/fixtures/python/transport_timeouts.py');
    const r = spawnSync(latest.python, [script, worker, 'httpx-aiohttp', 'httpx'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}');
    const transport = out['httpx-aiohttp'];
    // Default: the transport maps httpx's pool timeout (5 s) to aiohttp's connect, which bounds the pool wait.
    expect(transport.default.httpx).toEqual({ connect: 5, read: 5, write: 5, pool: 5 });
    expect(transport.default.request).toMatchObject({ total: null, connect: 5, sock_connect: 5, sock_read: 5 });
    // unboundedPoolWait: pool=None, so aiohttp's connect (pool wait + socket connect) is None, sock_connect stays 5 s.
    expect(transport.unbounded.httpx).toEqual({ connect: 5, read: 5, write: 5, pool: null });
    expect(transport.unbounded.request).toMatchObject({ total: null, connect: null, sock_connect: 5, sock_read: 5 });
    // httpx's own pool, like for like.
    expect(out.httpx.unbounded.httpx).toEqual({ connect: 5, read: 5, write: 5, pool: null });
  });
});
