import { gapClaim, type SeedMeasurement, verdictMarkdown } from '@casebook/study';
import { describe, expect, it } from 'vitest';

/**
 * How a notebook prints a verdict with nothing measured (seed-15163329: claims on measurements that errored printed
 * "the data cannot decide at this precision"): it says what was not measured, and why.
 */
const aiohttp: SeedMeasurement = {
  label: 'latest · aiohttp',
  client: { name: 'aiohttp' },
  method: {
    blocks: Array.from({ length: 6 }, (_, r) => ({
      round: r,
      throughputRps: 4000 + r,
      cpuMicrosPerRequest: 200 + r,
      clientUtilization: 1,
      targetCpuShare: 0.1,
    })),
  },
  guards: { flags: [], rankable: true },
};
const errored: SeedMeasurement = {
  label: 'latest · httpx',
  client: { name: 'httpx' },
  method: { blocks: [] },
  guards: { flags: ['no-data'], rankable: false },
  error: { code: 'CASEBOOK_TRIAL_TIMEOUT', message: 'block 0 ran longer than 48000 ms' },
};

describe('verdict text', () => {
  it('a claim on a measurement that errored reads "not measured: … errored (code)", not a precision problem', () => {
    const v = gapClaim({ id: 'gap-latest', claim: 'c', httpx: errored, aiohttp: aiohttp, threshold: { above: 1.5 } });
    const md = verdictMarkdown(v);
    expect(md).toContain('unresolved: not measured: latest · httpx errored (CASEBOOK_TRIAL_TIMEOUT)');
    expect(md).not.toContain('cannot decide at this precision');
    expect(md).toContain('noData = true');
  });

  it('counterfactual: an interval that straddles its threshold still reads as a precision problem', () => {
    const wide = {
      ...aiohttp,
      label: 'latest · httpx',
      method: {
        blocks: (aiohttp.method?.blocks ?? []).map((b, r) => ({ ...b, cpuMicrosPerRequest: r % 2 ? 200 : 400 })),
      },
    };
    const v = gapClaim({ id: 'gap-latest', claim: 'c', httpx: wide, aiohttp: aiohttp, threshold: { above: 1.5 } });
    expect(v.outcome).toBe('unresolved');
    expect(verdictMarkdown(v)).toContain('the data cannot decide at this precision');
  });
});
