import { DEFAULT_SEED_APP_OPTIONS, parseWrkOutput, resolveSeedAppOptions, SEED_APP_ROUTES } from '@casebook/runner';
import { describe, expect, it } from 'vitest';

// The seed's FastAPI app under load: option validation and wrk's report, with no process started.

describe('resolveSeedAppOptions', () => {
  it('fills every default, and the app runs in the latest Python set', () => {
    const o = resolveSeedAppOptions();
    expect(o.routes).toEqual([...SEED_APP_ROUTES]);
    expect(o.rateFractions).toEqual(DEFAULT_SEED_APP_OPTIONS.rateFractions);
    expect(o.wrkConnections).toEqual(DEFAULT_SEED_APP_OPTIONS.wrkConnections);
    expect(o).toMatchObject({ loop: 'asyncio', pythonSet: 'latest', windowMs: 1000, caseStudy: 'bench' });
  });

  it('keeps what it is given', () => {
    const o = resolveSeedAppOptions({
      routes: ['requests-sync'],
      rateFractions: [0.5],
      wrkConnections: [8],
      warmupMs: 2000,
      measureMs: 2000,
      delayMs: 0,
      loop: 'uvloop',
      caseStudy: 'seed',
    });
    expect(o).toMatchObject({ routes: ['requests-sync'], rateFractions: [0.5], loop: 'uvloop', delayMs: 0 });
  });

  it.each([
    [{ routes: ['flask'] }, 'routes[0]', 'flask'],
    [{ routes: [] }, 'routes', '[]'],
    [{ rateFractions: [0.5, 1] }, 'rateFractions[1]', '1'],
    [{ rateFractions: [0] }, 'rateFractions[0]', '0'],
    [{ wrkConnections: [0] }, 'wrkConnections[0]', '0'],
    [{ wrkConnections: [2.5] }, 'wrkConnections[0]', '2.5'],
    [{ saturationConcurrency: -1 }, 'saturationConcurrency', '-1'],
    [{ warmupMs: 1000 }, 'warmupMs', '1000'],
    [{ measureMs: 1500 }, 'measureMs', '1500'],
    [{ delayMs: -5 }, 'delayMs', '-5'],
    [{ loop: 'trio' }, 'loop', 'trio'],
    [{ caseStudy: 'Not Kebab' }, 'caseStudy', 'Not Kebab'],
    [{ concurrency: 64 }, 'concurrency', '64'],
  ])('refuses %j naming the field and the value', (input, field, value) => {
    let caught: unknown;
    try {
      resolveSeedAppOptions(input as Parameters<typeof resolveSeedAppOptions>[0]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toMatchObject({ name: 'UsageError', code: 'CASEBOOK_USAGE', field });
    expect((caught as Error).message).toContain(field);
    expect((caught as Error).message).toContain(value);
  });
});

/** wrk 4.1.0 (Debian) with --latency and the runner's Lua hook, against a server answering 404. */
const WRK_NON_2XX = `Running 1s test @ http://127.0.0.1:18765/nonexistent
  1 threads and 1 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   390.36us  211.84us   5.18ms   97.99%
    Req/Sec     2.34k   169.07     2.60k    45.45%
  Latency Distribution
     50%  360.00us
     75%  422.00us
     90%  474.00us
     99%  725.00us
  2565 requests in 1.10s, 1.27MB read
  Non-2xx or 3xx responses: 2565
Requests/sec:   2331.79
Transfer/sec:      1.16MB
casebook-wrk-self 1100013 13899 (wrk) R 13854 13811 32705 0 -1 4194304 336 0 1 0 2 13 0 0 20 0 1 0 1060387 245460992 1121
`;

/** The same report shape under load: socket errors, latencies in ms and s, no hook line. */
const WRK_SOCKET_ERRORS = `Running 5s test @ http://127.0.0.1:40000/requests-async
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   312.45ms  120.10ms   1.20s    70.00%
    Req/Sec   204.00     30.00   250.00     80.00%
  Latency Distribution
     50%  300.00ms
     75%  380.00ms
     90%  450.00ms
     99%    1.02s
  1020 requests in 5.01s, 150.00KB read
  Socket errors: connect 0, read 3, write 0, timeout 7
Requests/sec:    203.59
Transfer/sec:     29.94KB
`;

describe('parseWrkOutput', () => {
  it('reads throughput, latency percentiles in ms, non-2xx responses and its own CPU from the hook', () => {
    const r = parseWrkOutput(WRK_NON_2XX);
    expect(r.requests).toBe(2565);
    expect(r.durationMs).toBeCloseTo(1100, 6);
    expect(r.requestsPerSec).toBe(2331.79);
    expect(r.latencyMs.mean).toBeCloseTo(0.39036, 6);
    expect(r.latencyMs.max).toBeCloseTo(5.18, 6);
    expect(r.latencyMs.p50).toBeCloseTo(0.36, 6);
    expect(r.latencyMs.p90).toBeCloseTo(0.474, 6);
    expect(r.latencyMs.p99).toBeCloseTo(0.725, 6);
    expect(r.errors).toEqual({ connect: 0, read: 0, write: 0, timeout: 0, non2xx3xx: 2565 });
    // utime 2 + stime 13 clock ticks of 10 ms.
    expect(r.self).toEqual({ durationMicros: 1_100_013, cpuMicros: 150_000 });
  });

  it('reads socket errors and second-scale latencies; no hook line means no self figures', () => {
    const r = parseWrkOutput(WRK_SOCKET_ERRORS);
    expect(r.latencyMs.p99).toBeCloseTo(1020, 6);
    expect(r.latencyMs.max).toBeCloseTo(1200, 6);
    expect(r.latencyMs.p75).toBeCloseTo(380, 6);
    expect(r.durationMs).toBeCloseTo(5010, 6);
    expect(r.errors).toEqual({ connect: 0, read: 3, write: 0, timeout: 7, non2xx3xx: 0 });
    expect(r.self).toBeNull();
  });

  it('refuses a report without its figures, quoting what it got', () => {
    expect(() => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused\n')).toThrow(
      /wrk output: no Latency line in "unable to connect/,
    );
  });
});
