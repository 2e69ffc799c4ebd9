import { liveChildren } from '@casebook/procs';
import { runBench, runInterleaved } from '@casebook/runner';
import { describe, expect, it } from 'vitest';

/**
 * The steady-state method against a deterministic target (20 ms think-time, 8 lanes): behaviour, not speed. A drained
 * and restarted load ends every trial with nothing in flight; a continuous load is never drained between windows, so at
 * every window boundary the target still holds requests.
 */
describe('continuous load', () => {
  const load = { client: 'node-http', concurrency: 8, requests: 200, delayMs: 20 } as const;

  it('drained-and-restarted trials end with nothing in flight at the target; continuous windows never do', async () => {
    const drained = await runBench({ ...load, trials: 3, warmupRequests: 40 });
    expect(drained.status).toBe('completed');
    for (const t of drained.trials) expect(t.target?.inFlight).toBe(0);

    const { records, run } = await runInterleaved([{ ...load, label: 'continuous' }], {
      windowMs: 200,
      windowsPerBlock: 3,
      minRounds: 2,
      maxRounds: 2,
      targetHalfWidth: null,
      steadiness: { minWarmupMs: 400, throughputTolerance: 0.5 },
    });
    const record = records[0];
    expect(record?.status).toBe('completed');
    expect(run.rounds).toBe(2);
    expect(record?.trials).toHaveLength(6);
    for (const t of record?.trials ?? []) expect(t.target?.inFlight).toBeGreaterThan(0);
    // The warm-up curve and the blocks are kept; every block re-warmed before it measured.
    expect(record?.method?.blocks).toHaveLength(2);
    for (const b of record?.method?.blocks ?? []) expect(b.warmupWindows).toBeGreaterThan(0);
    expect(record?.method?.warmupCurve.length).toBeGreaterThanOrEqual(2);
    expect(record?.guards?.flags).not.toContain('errors');
    expect(liveChildren()).toEqual([]);
  }, 60_000);

  it('a measurement whose requests fail is flagged and kept out of rankings, and leaves no process behind', async () => {
    const { records, run } = await runInterleaved(
      [
        { ...load, label: 'ok' },
        { ...load, label: 'timing out', delayMs: 200, requestTimeoutMs: 20 },
      ],
      {
        windowMs: 200,
        windowsPerBlock: 1,
        minRounds: 1,
        maxRounds: 1,
        targetHalfWidth: null,
        steadiness: { minWarmupMs: 400, maxWarmupMs: 2000 },
      },
    );
    expect(run.rounds).toBe(1);
    const bad = records.find((r) => r.label === 'timing out');
    expect(bad?.guards?.flags).toContain('errors');
    expect(bad?.guards?.rankable).toBe(false);
    expect(bad?.errors.total).toBeGreaterThan(0);
    // The clean measurement is rankable unless a block's warm-up never converged on this machine (not-steady, which
    // excludes it by the guard rule): no errors either way.
    const ok = records.find((r) => r.label === 'ok');
    expect(ok?.guards?.flags).not.toContain('errors');
    expect(ok?.guards?.rankable).toBe(!ok?.guards?.flags.includes('not-steady'));
    expect(liveChildren()).toEqual([]);
  }, 60_000);
});
