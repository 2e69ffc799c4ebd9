import { continuousParams, resolveBenchOptions, resolveForeignOptions } from '@casebook/runner';
import { describe, expect, it } from 'vitest';

/**
 * The params a steady-state bench record carries say what ran (second reader of seed-7326eaa1: its records said
 * trials 3, requests 1000 and trialTimeoutMs 300000, the phase method's defaults, none of which applied). Pure: no
 * process is started.
 */
const plan: Parameters<typeof continuousParams>[1] = {
  windowMs: 500,
  windowsPerBlock: 2,
  steadiness: {
    windows: 3,
    throughputTolerance: 0.15,
    connectionTolerance: 0.15,
    connectionSlack: 2,
    minWarmupMs: 1500,
    maxWarmupMs: 15_000,
  },
};
const warmup = [
  { throughputRps: 1000, durationMs: 500, errors: 2 },
  { throughputRps: 800, durationMs: 500, errors: 0 },
];

describe('continuousParams', () => {
  it('records the measured windows, the warm-up requests that ended, the block limit, and no request count', () => {
    const options = resolveBenchOptions({ client: 'node-http', concurrency: 512, requests: 1000, delayMs: 0 });
    // What the options alone would have recorded (the old params): the phase method's defaults.
    expect(options.trials).toBe(3);
    expect(options.load.requests).toBe(1000);
    const p = continuousParams(options, plan, 12, warmup);
    expect(p.trials).toBe(12);
    expect(p.warmupRequests).toBe(500 + 2 + 400);
    // 15 s longest warm-up + (2 + 4) windows of 500 ms + 30 s of slack: the runner's block limit (blocks.ts).
    expect(p.trialTimeoutMs).toBe(15_000 + 3_000 + 30_000);
    expect(p.load).toMatchObject({ mode: 'closed', concurrency: 512, requests: null, durationMs: null });
    // Everything else is the options as resolved.
    expect(p.client).toBe('node-http');
    expect(p.target.delayMs).toBe(0);
  });

  it('a foreign (Python) measurement keeps its language and leaves the foreign switches to the client block', () => {
    const options = resolveForeignOptions({ client: 'httpx', set: 'latest', concurrency: 512, requests: 1000 });
    const p = continuousParams(options, plan, 0, []);
    expect(p).toMatchObject({ language: 'python', trials: 0, warmupRequests: 0 });
    expect(p).not.toHaveProperty('foreign');
  });

  it('an entry with minWindowRequests records the longer block limit its windows get (blockLimits)', () => {
    const options = resolveForeignOptions({
      client: 'httpx',
      set: 'latest',
      concurrency: 512,
      requests: 1000,
      minWindowRequests: 512,
    });
    // 15 s longest warm-up + the measured phase as long as that (windows run on until 512 requests ended in each) +
    // 4 windows of 500 ms + 30 s of slack.
    expect(continuousParams(options, plan, 12, warmup).trialTimeoutMs).toBe(15_000 + 15_000 + 2_000 + 30_000);
    const plain = resolveForeignOptions({ client: 'httpx', set: 'latest', concurrency: 512, requests: 1000 });
    expect(continuousParams(plain, plan, 12, warmup).trialTimeoutMs).toBe(15_000 + 3_000 + 30_000);
  });
});
