import { ADAPTERS, type ClientName, resolveClientOptions } from '@casebook/clients';
import { UsageError } from '@casebook/results';
import { runBench } from '@casebook/runner';
import { resolveH2TargetOptions, startTarget } from '@casebook/servers';
import { littleBoundRps } from '@casebook/stats';
import { describe, expect, it } from 'vitest';

describe('h2 target options', () => {
  it('refuses a bad stream cap with a UsageError naming the field', () => {
    expect(() => resolveH2TargetOptions({ maxConcurrentStreams: 0 })).toThrow(UsageError);
    expect(() => resolveH2TargetOptions({ maxConcurrentStreams: 0 })).toThrow(/h2.maxConcurrentStreams/);
    expect(resolveH2TargetOptions(null)).toBeNull();
  });
});

describe('h2 target and adapters', () => {
  it('protocol and session counts on the target match what each adapter reports', async () => {
    const target = await startTarget({ h2: { maxConcurrentStreams: 100 } });
    try {
      const cases: [ClientName, 'default' | 'h1' | 'h2', string][] = [
        ['undici-request', 'default', 'h2'],
        ['undici-dispatch', 'h1', 'http/1.1'],
        ['node-http', 'default', 'http/1.1'],
        ['axios', 'h2', 'h2'],
        ['got', 'h2', 'h2'],
        ['node-http2', 'default', 'h2'],
      ];
      for (const [name, protocol, expected] of cases) {
        const session = await ADAPTERS[name].open(
          target.origin,
          resolveClientOptions(name, { tls: { caPem: target.caPem as string }, protocol }),
        );
        await target.reset();
        // One request first (opens the session), then 19 at once on it.
        const first = await session.request('/');
        const rest = await Promise.all(Array.from({ length: 19 }, () => session.request('/')));
        await session.close();
        const c = await target.counters();
        const reported = [first, ...rest].map((r) => r.protocol);
        expect(
          reported.every((p) => p === expected),
          `${name} ${protocol}: ${reported.join(',')}`,
        ).toBe(true);
        if (expected === 'h2') {
          expect(c.h2?.h2Streams).toBe(20);
          expect(c.h2?.h1Requests).toBe(0);
          expect(c.tls?.byAlpn['h2'] ?? 0).toBeGreaterThanOrEqual(1);
        } else {
          expect(c.h2?.h1Requests).toBe(20);
          expect(c.h2?.h2Streams).toBe(0);
        }
      }
    } finally {
      await target.close();
    }
  });

  it('one session at latency L never beats maxConcurrentStreams / L, and the server sees the stream cap used to the full', async () => {
    const maxConcurrentStreams = 5;
    const delayMs = 50;
    const requests = 200;
    const record = await runBench({
      client: 'node-http2',
      connections: 1,
      concurrency: 50,
      requests,
      trials: 1,
      warmupRequests: 10,
      delayMs,
      target: { h2: { maxConcurrentStreams } },
    });
    expect(record.status).toBe('completed');
    // Every stream is held for at least L, and at most S are open at once: S / L is a bound (15% for timers).
    const bound = littleBoundRps(maxConcurrentStreams, delayMs);
    expect(record.throughputRps).toBeLessThanOrEqual(bound * 1.15);
    const trial = record.trials[0];
    expect((trial?.ok ?? 0) + (trial?.errors.total ?? 0)).toBe(requests);
    expect(trial?.target?.h2?.peakConcurrentStreamsPerSession).toBe(maxConcurrentStreams);
  });

  it('a cold burst over a small stream cap is recorded with its error codes, not crashed', async () => {
    // node:http2 sends a cold burst before the server's SETTINGS arrive: streams over the cap are refused.
    const record = await runBench({
      client: 'node-http2',
      concurrency: 40,
      requests: 40,
      trials: 1,
      warmupRequests: 0,
      target: { h2: { maxConcurrentStreams: 2 } },
    });
    expect(['completed', 'errored']).toContain(record.status);
    const trial = record.trials[0];
    expect(trial).toBeDefined();
    expect((trial?.ok ?? 0) + (trial?.errors.total ?? 0)).toBe(40);
    for (const code of Object.keys(record.errors.byCode)) expect(code).toMatch(/^[A-Z0-9_]+$/);
  });
});
