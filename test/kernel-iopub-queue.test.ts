// The tslab kernel's preload (packages/cli/kernel/zmq-send-queue.cjs) lifts the iopub PUB socket's high-water mark:
// ZeroMQ drops, silently, what a PUB socket sends while its queue for a subscriber is full (CI lost outputs 995-1019 of
// a 1,200-display cell on 6 December 2026). A subscriber that reads nothing until 3,000 messages are sent gets them all,
// in order, with the preload; without it (the data that fails), about half are gone.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

interface Flood {
  sendHighWaterMark: number;
  received: number[];
}

const flood = (mode: 'preload' | 'bare'): Flood => {
  const script = path.join(__dirname, 'fixtures', 'kernel', 'iopub-flood.cjs');
  const r = spawnSync(process.execPath, [script, mode], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`iopub-flood.cjs ${mode} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Flood;
};

describe("the kernel preload and ZeroMQ's high-water mark", () => {
  it('with the preload, the publisher has no high-water mark and every message arrives, in order', () => {
    const f = flood('preload');
    expect(f.sendHighWaterMark).toBe(0);
    expect(f.received).toEqual(Array.from({ length: 3000 }, (_, i) => i));
  });

  it('without it, ZeroMQ keeps its default of 1000 and drops messages (the loss the preload prevents)', () => {
    const f = flood('bare');
    expect(f.sendHighWaterMark).toBe(1000);
    expect(f.received.length).toBeLessThan(3000);
  });
});
