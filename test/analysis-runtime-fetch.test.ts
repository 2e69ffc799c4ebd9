import { fetchRuntimesRanSanity, type VersionMeasurement, versionParityClaim } from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

/**
 * Notebook 07's section 8 (Bun and Deno fetch), decided in the analysis package: a difference stated before the run
 * (one-sided versionParityClaim) and the sanity check that each cell ran on the runtime and cap it was given. Both
 * sides of each, on constructed records. No process.
 */

function cell(
  label: string,
  opts: {
    rps?: number;
    runtime?: { name: string; version: string } | null;
    cap?: number | null;
    peak?: number;
    load?: number;
  } = {},
): VersionMeasurement & { params: { load: { concurrency: number } } } {
  const rps = opts.rps ?? 1000;
  return {
    label,
    client: {
      name: opts.runtime === undefined ? 'bun-fetch' : `${opts.runtime?.name ?? 'node'}-fetch`,
      version: opts.runtime?.version ?? '1.4.5',
      settings: {
        runtime: {
          node: 'v24.3.0',
          bundledUndici: null,
          clientFrom: null,
          nodeFrom: null,
          ...(opts.runtime === null
            ? {}
            : {
                jsRuntime: opts.runtime ?? { name: 'bun', version: '1.4.5' },
                runtimeFrom: { name: 'bun', version: '1.4.5', npmName: 'bun', integrity: 'sha512-abcdefghijklmnop' },
              }),
        },
        ...(opts.cap === null ? {} : { bunMaxHttpRequests: { value: opts.cap ?? 256, source: 'default' } }),
      },
    },
    params: { load: { concurrency: opts.load ?? 512 } },
    target: {
      connectionsOpened: 256,
      connectionsOpenedMeasured: 0,
      peakOpenConnections: opts.peak ?? 256,
      requests: 10_000,
    },
    guards: { flags: [], rankable: true },
    method: {
      blocks: Array.from({ length: 8 }, (_, round) => {
        const jitter = ((round % 3) - 1) * 0.01;
        return {
          round,
          throughputRps: rps * (1 + jitter),
          cpuMicrosPerRequest: 100 * (1 - jitter),
          clientUtilization: 0.9,
          targetCpuShare: 0.3,
        };
      }),
    },
  };
}

describe('a difference between runtimes stated before the run (one-sided band)', () => {
  const node = cell('node-fetch', { runtime: null, cap: null });
  it('holds above 1.1×, fails wholly below it, and says which side in its text', () => {
    const faster = versionParityClaim({
      id: 'bun-throughput',
      reference: node,
      other: cell('bun', { rps: 1500 }),
      metric: 'throughputRps',
      band: { above: 1.1 },
    });
    expect(faster.outcome).toBe('holds');
    expect(faster.claim).toMatch(/^bun's throughput is more than 1\.1× node-fetch's \(paired per round\)/);
    const same = versionParityClaim({
      id: 'bun-throughput',
      reference: node,
      other: cell('bun', { rps: 1000 }),
      metric: 'throughputRps',
      band: { above: 1.1 },
    });
    expect(same.outcome).toBe('fails');
    const cheaper = versionParityClaim({
      id: 'c',
      reference: node,
      other: cell('deno', { rps: 1000 }),
      metric: 'cpuMicrosPerRequest',
      band: { below: 0.9 },
    });
    expect(cheaper.claim).toMatch(/less than 0\.9×/);
    expect(cheaper.outcome).toBe('fails');
  });
});

describe('fetchRuntimesRanSanity', () => {
  const deno = { name: 'deno', version: '2.9.6' };
  it('holds when each cell ran on its runtime, from the store, with its cap, which the target saw', () => {
    const v = fetchRuntimesRanSanity({
      id: 'ran',
      cells: [
        { measurement: cell('bun default', { peak: 256 }), runtime: 'bun', version: '1.4.5' },
        {
          measurement: cell('bun 512', { cap: 512, peak: 512 }),
          runtime: 'bun',
          version: '1.4.5',
          bunMaxHttpRequests: 512,
        },
        { measurement: cell('deno', { runtime: deno, cap: null, peak: 512 }), runtime: 'deno', version: '2.9.6' },
      ],
    });
    expect(v.kind).toBe('sanity');
    expect(v.outcome).toBe('holds');
  });

  it('fails on a wrong runtime, a cap above its value, or a raised cap the target never saw', () => {
    const wrong = fetchRuntimesRanSanity({
      id: 'ran',
      cells: [{ measurement: cell('d', { runtime: deno, cap: null }), runtime: 'deno', version: '2.9.5' }],
    });
    expect(wrong.outcome).toBe('fails');
    expect(wrong.evidence['problems']).toMatch(/ran on deno 2\.9\.6, asked deno 2\.9\.5/);
    const over = fetchRuntimesRanSanity({
      id: 'ran',
      cells: [{ measurement: cell('b', { peak: 300 }), runtime: 'bun', version: '1.4.5' }],
    });
    expect(over.evidence['problems']).toMatch(/300 open at once, above its cap of 256/);
    const ignored = fetchRuntimesRanSanity({
      id: 'ran',
      cells: [
        { measurement: cell('b', { cap: 512, peak: 256 }), runtime: 'bun', version: '1.4.5', bunMaxHttpRequests: 512 },
      ],
    });
    expect(ignored.evidence['problems']).toMatch(/the raised cap of 512 did not take effect/);
    // At a load under 256 a raised cap cannot show: nothing to fail on.
    const light = fetchRuntimesRanSanity({
      id: 'ran',
      cells: [
        {
          measurement: cell('b', { cap: 512, peak: 128, load: 128 }),
          runtime: 'bun',
          version: '1.4.5',
          bunMaxHttpRequests: 512,
        },
      ],
    });
    expect(light.outcome).toBe('holds');
    const unrecorded = fetchRuntimesRanSanity({
      id: 'ran',
      cells: [{ measurement: cell('b', { runtime: null }), runtime: 'bun', version: '1.4.5' }],
    });
    expect(unrecorded.outcome).toBe('fails');
  });
});
