import { gapClaim, replicationOf, type SeedMeasurement, verdictMarkdown } from '@casebook/study';
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

  it('a pair two comparisons decided differently reads "comparison-dependent: …" with both ratios (versions-8cdc0db4)', () => {
    const v = gapClaim({ id: 'gap-latest', claim: 'c', httpx: aiohttp, aiohttp: aiohttp, threshold: { above: 1.5 } });
    const dependent =
      'comparison-dependent: section 1: b / a 1.21 (1.14–1.24), wholly above the band; section 7: b / a ~ 1.06 (0.95–1.33), across an edge of the band';
    const md = verdictMarkdown({
      ...v,
      outcome: 'unresolved',
      holds: false,
      evidence: { ...v.evidence, comparisonDependent: dependent },
    });
    expect(md).toContain(`unresolved: ${dependent}`);
    expect(md).not.toContain('cannot decide at this precision');
  });

  it('a replication reads as declared before this run, naming the run', () => {
    const v = gapClaim({ id: 'gap-latest', claim: 'c', httpx: aiohttp, aiohttp: aiohttp, threshold: { above: 1.5 } });
    const md = verdictMarkdown(replicationOf(v, { run: 'seed-1', text: '1.0×' }));
    expect(md).toMatch(/^\*\*Exploratory \(declared before this run: a replication of seed-1, not counted\) — /);
    expect(md).not.toContain('added after seeing the data');
  });
});
