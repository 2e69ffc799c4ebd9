import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStallPayload } from '../packages/analysis/src/seed-stalls';

/**
 * The Python worker's stall monitor, driven without a client (test/fixtures/python/stall_monitor.py): a loop that
 * stops running, or runs but answers no request, while a block is open is reported as CASEBOOK_CLIENT_STALLED and the
 * process ends; a loop that keeps answering requests, or is idle between blocks, is left alone.
 */
const root = path.resolve(import.meta.dirname, '..');
const worker = path.join(root, 'packages/runner/python/casebook_foreign_worker.py');
const script = path.join(root, 'test/fixtures/python/stall_monitor.py');

function drive(
  mode: 'stall' | 'progress' | 'windows' | 'failing' | 'pause-stall',
  feed: Array<[number, string]>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [script, worker, '1', mode], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
    for (const [at, line] of feed) setTimeout(() => child.stdin.write(`${line}\n`), at);
    const last = Math.max(...feed.map(([at]) => at));
    setTimeout(() => child.stdin.end(), last + 3000);
  });
}

describe('the foreign worker stall monitor', () => {
  it('a loop that stops during a block is CASEBOOK_CLIENT_STALLED, and the process ends (status 3)', async () => {
    const { code, out } = await drive('stall', [[0, '{"type":"block","index":0}']]);
    expect(code).toBe(3);
    const fatal = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
    expect(fatal).toMatchObject({ type: 'fatal', code: 'CASEBOOK_CLIENT_STALLED' });
    expect(fatal.message).toMatch(/no request answered or failed for 1 s while a block ran/);
  }, 20_000);

  it('a loop that runs (windows) but answers no request during a block is CASEBOOK_CLIENT_STALLED too', async () => {
    const { code, out } = await drive('windows', [
      [0, '{"type":"block","index":0}'],
      [6000, '{"type":"pause"}'],
    ]);
    expect(code).toBe(3);
    const fatal = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
    expect(fatal).toMatchObject({ code: 'CASEBOOK_CLIENT_STALLED' });
    // The block so far travels in the fault (the parent keeps no data of a block that did not complete).
    const block = parseStallPayload(fatal.message);
    expect(block).toMatchObject({ answered: 0, failed: 0, byCode: {}, peakOpenConnections: 7 });
    expect(block?.wallS).toBeGreaterThan(0.5);
    expect(block?.busy).toBeGreaterThanOrEqual(0);
  }, 20_000);

  it('a pause left unanswered after the block answered requests is CASEBOOK_PAUSE_UNANSWERED (the harness), not a stall', async () => {
    const { code, out } = await drive('pause-stall', [
      [0, '{"type":"block","index":0}'],
      [2500, '{"type":"pause"}'],
    ]);
    expect(code).toBe(3);
    const fatal = JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
    expect(fatal).toMatchObject({ type: 'fatal', code: 'CASEBOOK_PAUSE_UNANSWERED' });
    expect(fatal.message).toMatch(/the pause was not answered for 1 s/);
    expect(out).not.toMatch(/CASEBOOK_CLIENT_STALLED/);
  }, 20_000);

  it('a loop whose requests all fail (a PoolTimeout every 0.3 s) is running, not stalled', async () => {
    const { code, out } = await drive('failing', [
      [0, '{"type":"block","index":0}'],
      [3500, '{"type":"pause"}'],
    ]);
    expect(out).not.toMatch(/CASEBOOK_CLIENT_STALLED/);
    expect(out.trim()).toBe('{"type":"ok"}');
    expect(code).toBe(0);
  }, 20_000);

  it('a loop that keeps answering requests for several watchdog periods, then idles after the pause, is left alone', async () => {
    const { code, out } = await drive('progress', [
      [0, '{"type":"block","index":0}'],
      [3500, '{"type":"pause"}'],
    ]);
    expect(out).not.toMatch(/CASEBOOK_CLIENT_STALLED/);
    expect(out.trim()).toBe('{"type":"ok"}');
    expect(code).toBe(0);
  }, 20_000);
});
