import { execFileSync } from 'node:child_process';
import { runBench } from '@casebook/runner';
import { littleBoundRps } from '@casebook/stats';
import { liveChildren } from '@casebook/procs';
import { describe, expect, it } from 'vitest';

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

function casebookProcesses(): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => /target-process\.js|worker-process\.js/.test(l));
}

describe('runner: physical bound', () => {
  // With N connections and think-time L, throughput can't exceed N / L; a healthy client gets within 10% of it.
  it.each([
    ['undici-request', 8, 40],
    ['node-http', 8, 40],
  ] as const)(
    '%s capped at %i connections, %i ms think-time, stays at or under N/L and within 10 percent of it',
    async (client, connections, delayMs) => {
      const bound = littleBoundRps(connections, delayMs);
      const record = await runBench({
        client,
        concurrency: 32,
        connections,
        delayMs,
        requests: 400,
        trials: 2,
        warmupRequests: 64,
      });
      expect(record.status).toBe('completed');
      expect(record.errors.total).toBe(0);
      for (const trial of record.trials) {
        expect(trial.throughputRps).toBeLessThanOrEqual(bound * 1.01);
        expect(trial.throughputRps).toBeGreaterThanOrEqual(bound * 0.9);
        expect(trial.target?.peakOpenConnections ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(connections);
        expect(trial.target?.peakInFlight ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(connections);
      }
    },
  );
});

describe('runner: open loop vs closed loop', () => {
  it('the open loop reveals a periodic stall that the closed loop hides', async () => {
    // The target blocks its event loop for 150 ms every 500 ms. A closed loop with one request in flight waits out
    // each stall once; an open loop at 1000 req/s times every request scheduled during the stall from its intended start.
    const target = { stallEveryMs: 500, stallForMs: 150 };
    const closed = await runBench({
      client: 'undici-request',
      concurrency: 1,
      requests: 2000,
      trials: 1,
      warmupRequests: 50,
      target,
    });
    const open = await runBench({
      client: 'undici-request',
      mode: 'open',
      rateRps: 1000,
      requests: 2000,
      trials: 1,
      warmupRequests: 50,
      target,
    });
    expect(closed.status).toBe('completed');
    expect(open.status).toBe('completed');
    expect(closed.errors.total).toBe(0);
    expect(open.errors.total).toBe(0);
    // The stall is there in both: the closed loop's max shows one request waited.
    expect(closed.latencyMs.maxMs).toBeGreaterThanOrEqual(50);
    // …but only the open loop's p99 shows how many requests it delayed.
    expect(closed.latencyMs.p99).toBeLessThan(50);
    expect(open.latencyMs.p99).toBeGreaterThanOrEqual(50);
    expect(open.latencyMs.p99).toBeGreaterThan(5 * closed.latencyMs.p99);
  });
});

describe('runner: faults', () => {
  it('a target killed mid-run yields an errored record with the failures counted by code', async () => {
    const record = await runBench({
      client: 'undici-request',
      concurrency: 16,
      requests: 20_000,
      trials: 1,
      warmupRequests: 50,
      faults: { killTargetAfterMs: 200 },
    });
    expect(record.status).toBe('errored');
    expect(record.error?.code).toBe('CASEBOOK_TARGET_EXITED');
    expect(record.errors.total).toBeGreaterThan(0);
    const codes = Object.keys(record.errors.byCode);
    expect(codes.some((c) => /ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET|EPIPE/.test(c))).toBe(true);
    expect(alive(record.target.pid)).toBe(false);
  });

  it('no child process remains after a run', async () => {
    const record = await runBench({ client: 'got', concurrency: 4, requests: 100, trials: 1, warmupRequests: 10 });
    expect(record.status).toBe('completed');
    expect(alive(record.target.pid)).toBe(false);
    expect(liveChildren()).toEqual([]);
    expect(casebookProcesses()).toEqual([]);
  });
});

describe('runner: record', () => {
  it('carries resolved parameters, environment, pinning, versions and raw trials', async () => {
    const record = await runBench({
      client: 'axios',
      concurrency: 8,
      requests: 200,
      trials: 2,
      warmupRequests: 20,
      bodyBytes: 100,
    });
    expect(record.schemaVersion).toBe(1);
    expect(record.params.load.concurrency).toBe(8);
    expect(record.params.target.bodyBytes).toBe(100);
    expect(record.environment.node).toBe(process.version);
    expect(record.environment.clientVersions['axios']).toMatch(/^\d+\.\d+\.\d+/);
    expect(['taskset', 'none']).toContain(record.environment.pinning.method);
    expect(record.environment.pinning.reason.length).toBeGreaterThan(0);
    expect(record.trials).toHaveLength(2);
    for (const t of record.trials) {
      expect(t.ok).toBe(200);
      expect(t.histogram.length).toBeGreaterThan(0);
      expect(t.target?.requests).toBe(200);
    }
    expect(record.target.requests).toBe(400);
    expect(record.latencyMs.count).toBe(400);
  });
});
