import { liveChildren } from '@casebook/procs';
import { SCHEMA_VERSION } from '@casebook/results';
import { type BenchRecord, runBench } from '@casebook/runner';
import { littleBoundRps, shareAtOrAboveMs } from '@casebook/stats';
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

/** How many of this trial's requests took at least `thresholdMs` (from its HDR histogram). */
function requestsAtOrAboveMs(trial: BenchRecord['trials'][number], thresholdMs: number): number {
  return Math.round(shareAtOrAboveMs([trial.histogram], thresholdMs) * trial.latencyMs.count);
}

describe('runner: physical bound', () => {
  // With N connections and think-time L, throughput can't exceed N / L (1% for timer granularity): every request holds
  // a connection for at least L. The pool is filled to its cap, as the target counts it; how close a client gets to the
  // bound is a speed, measured by the notebooks, not asserted here.
  it.each([
    ['undici-request', 8, 40],
    ['node-http', 8, 40],
  ] as const)(
    '%s capped at %i connections, %i ms think-time, never beats N/L and the target sees exactly N in flight',
    async (client, connections, delayMs) => {
      const bound = littleBoundRps(connections, delayMs);
      const requests = 400;
      const record = await runBench({
        client,
        concurrency: 32,
        connections,
        delayMs,
        requests,
        trials: 2,
        warmupRequests: 64,
      });
      expect(record.status).toBe('completed');
      expect(record.errors.total).toBe(0);
      for (const trial of record.trials) {
        expect(trial.throughputRps).toBeLessThanOrEqual(bound * 1.01);
        expect(trial.ok).toBe(requests);
        expect(trial.target?.requests).toBe(requests);
        expect(trial.target?.peakOpenConnections ?? Number.POSITIVE_INFINITY).toBeLessThanOrEqual(connections);
        expect(trial.target?.peakInFlight).toBe(connections);
      }
    },
  );
});

describe('runner: open loop vs closed loop', () => {
  it('a periodic stall holds up every request due during it in the open loop, and more of them than in the closed loop', async () => {
    // The target blocks its event loop for 150 ms every 500 ms. A closed loop with one request in flight waits out
    // each stall once; an open loop at 1000 req/s times every request scheduled during the stall from its intended start.
    const stallEveryMs = 500;
    const stallForMs = 150;
    const rateRps = 1000;
    const requests = 2000;
    // A request that waited on a stall took at least this long.
    const slowMs = 50;
    const target = { stallEveryMs, stallForMs };
    // 1 ms per request makes the closed loop's 2000 requests last at least 2 s, so it meets several stalls however
    // fast the machine is.
    const closed = await runBench({
      client: 'undici-request',
      concurrency: 1,
      delayMs: 1,
      requests,
      trials: 1,
      warmupRequests: 50,
      target,
    });
    const open = await runBench({
      client: 'undici-request',
      mode: 'open',
      rateRps,
      delayMs: 1,
      requests,
      trials: 1,
      warmupRequests: 50,
      target,
    });
    expect(closed.status).toBe('completed');
    expect(open.status).toBe('completed');
    expect(closed.errors.total).toBe(0);
    expect(open.errors.total).toBe(0);
    const closedTrial = closed.trials[0];
    const openTrial = open.trials[0];
    if (!closedTrial || !openTrial) throw new Error('expected one trial in each record');

    // Closed loop: the stall is there (its max shows one request waited). One request in flight means a stall holds
    // up only that one; no upper bound is asserted on the count, since a busy machine can slow any request.
    expect(closed.latencyMs.maxMs).toBeGreaterThanOrEqual(slowMs);
    const closedSlow = requestsAtOrAboveMs(closedTrial, slowMs);

    // Open loop: its schedule spans requests / rate = 2 s, so at least 3 whole stalls fall inside it, and each holds
    // every request due in its first stallForMs − slowMs = 100 ms for at least slowMs (10% off for the stall's edges).
    const scheduleMs = (requests / rateRps) * 1000;
    const wholeStalls = Math.floor((scheduleMs - (stallForMs - slowMs)) / stallEveryMs);
    const heldPerStall = 0.9 * (((stallForMs - slowMs) * rateRps) / 1000);
    const openSlow = requestsAtOrAboveMs(openTrial, slowMs);
    expect(openSlow).toBeGreaterThanOrEqual(wholeStalls * heldPerStall);
    expect(open.latencyMs.p99).toBeGreaterThanOrEqual(slowMs);
    expect(openSlow).toBeGreaterThan(closedSlow);
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

  it('no child process this run started remains after it: the target has exited and the registry is empty', async () => {
    const record = await runBench({ client: 'got', concurrency: 4, requests: 100, trials: 1, warmupRequests: 10 });
    expect(record.status).toBe('completed');
    expect(alive(record.target.pid)).toBe(false);
    expect(liveChildren()).toEqual([]);
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
    expect(record.schemaVersion).toBe(SCHEMA_VERSION);
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
