import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  fetchRuntimesRanSanity,
  jsRuntimeText,
  socketRegimeReason,
  type VersionMeasurement,
  versionParityClaim,
  versionRows,
} from '@casebook/analysis';
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
    /** The measured windows' own peaks of open connections (trials[].target); absent: no trials. */
    windows?: readonly number[];
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
    ...(opts.windows === undefined
      ? {}
      : {
          trials: opts.windows.map((p) => ({
            target: { peakOpenConnections: p, connectionsClosed: 1 },
          })) as unknown as VersionMeasurement['trials'],
        }),
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

describe('a claim that compares only the same socket regime (sameSockets)', () => {
  const twoSockets = { ...cell('node-fetch', { runtime: null, cap: null, peak: 2, load: 1 }) };
  const oneSocket = cell('bun', { peak: 1, load: 1, rps: 1000 });
  it('is not compared when the peaks of open connections differ, and says both', () => {
    const v = versionParityClaim({
      id: 'bun-seq-cpu',
      reference: twoSockets,
      other: {
        ...oneSocket,
        method: { blocks: (oneSocket.method?.blocks ?? []).map((b) => ({ ...b, cpuMicrosPerRequest: 20 })) },
      },
      metric: 'cpuMicrosPerRequest',
      band: { below: 0.9 },
      sameSockets: true,
    });
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence['reason']).toBe(
      'not compared: socket regimes differ (node-fetch opened 256, peak 2 open; bun opened 256, peak 1 open)',
    );
    expect(socketRegimeReason(oneSocket, oneSocket)).toBeNull();
  });
  it('decides as before when both held the same peak, and without the option', () => {
    const other = {
      ...oneSocket,
      method: { blocks: (oneSocket.method?.blocks ?? []).map((b) => ({ ...b, cpuMicrosPerRequest: 20 })) },
    };
    const same = versionParityClaim({
      id: 'x',
      reference: { ...twoSockets, target: { ...twoSockets.target, peakOpenConnections: 1 } },
      other,
      metric: 'cpuMicrosPerRequest',
      band: { below: 0.9 },
      sameSockets: true,
    });
    expect(same.outcome).toBe('holds');
    const without = versionParityClaim({
      id: 'x',
      reference: twoSockets,
      other,
      metric: 'cpuMicrosPerRequest',
      band: { below: 0.9 },
    });
    expect(without.outcome).toBe('holds');
  });
});

describe('what ran a Bun or Deno cell', () => {
  it('names the runtime and its store entry, not the Node version it reports for compatibility', () => {
    expect(jsRuntimeText(cell('bun'))).toBe(
      'bun 1.4.5 (version store · sha512-abcdefghijkl…; its Node compatibility reports v24.3.0)',
    );
    expect(versionRows([cell('bun')])[0]?.ran).toBe(jsRuntimeText(cell('bun')));
    expect(jsRuntimeText(cell('node-fetch', { runtime: null }))).toBeNull();
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
          measurement: cell('bun 512', { cap: 512, peak: 512, windows: [470, 480, 500, 505, 510, 512] }),
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

  it('fails on a wrong runtime or a raised cap the target never saw; a peak above the cap is shown, not failed', () => {
    const wrong = fetchRuntimesRanSanity({
      id: 'ran',
      cells: [{ measurement: cell('d', { runtime: deno, cap: null }), runtime: 'deno', version: '2.9.5' }],
    });
    expect(wrong.outcome).toBe('fails');
    expect(wrong.evidence['problems']).toMatch(/ran on deno 2\.9\.6, asked deno 2\.9\.5/);
    // Open connections are not fetches in flight: a peak of 257 under the default cap (a connection being replaced)
    // is shown as seen, beside the cap as configured, and is not a problem.
    const over = fetchRuntimesRanSanity({
      id: 'ran',
      cells: [{ measurement: cell('b', { peak: 257 }), runtime: 'bun', version: '1.4.5' }],
    });
    expect(over.outcome).toBe('holds');
    // Churn on one basis: opened in the measured windows over the requests of the measured windows.
    expect(over.evidence['b at 512 in flight']).toBe(
      "cap configured 256 (default); measured windows: no per-window peak recorded; warm-up peak (the run's, warm-up included, not read) 257; sockets opened 256 over the run, 0.0 per 1,000 measured requests (0 opened in the measured windows over 10000 requests)",
    );
    // The same label at two loads: two entries, one per cell.
    const both = fetchRuntimesRanSanity({
      id: 'ran',
      cells: [
        { measurement: cell('b', { peak: 256 }), runtime: 'bun', version: '1.4.5' },
        { measurement: cell('b', { peak: 1, load: 1 }), runtime: 'bun', version: '1.4.5' },
      ],
    });
    expect(both.evidence['b at 512 in flight']).toMatch(/warm-up peak \(the run's, warm-up included, not read\) 256;/);
    expect(both.evidence['b at 1 in flight']).toMatch(/warm-up peak \(the run's, warm-up included, not read\) 1;/);
    const ignored = fetchRuntimesRanSanity({
      id: 'ran',
      cells: [
        {
          measurement: cell('b', { cap: 512, peak: 256, windows: [250, 256, 256, 256] }),
          runtime: 'bun',
          version: '1.4.5',
          bunMaxHttpRequests: 512,
        },
      ],
    });
    expect(ignored.evidence['problems']).toMatch(
      /^b: the raised cap of 512 did not show in the measured windows under 512 in flight \(measured windows' peaks 250, 256, 256, 256 \(median 256; above 256 in 0 of 4; 4 sockets closed in them\); .*\); the warm-up peak 256 does not decide it; flagged cap-not-shown, its regime read from the windows \(median 256 open\)$/,
    );
    // 257 under the default cap and 300 raised: "more than 256" would hold; 90 % of min(cap, load) does not.
    const barely = fetchRuntimesRanSanity({
      id: 'ran',
      cells: [
        { measurement: cell('b default', { peak: 257, windows: [256, 257, 256] }), runtime: 'bun', version: '1.4.5' },
        {
          measurement: cell('b', { cap: 512, peak: 300, windows: [280, 300, 290] }),
          runtime: 'bun',
          version: '1.4.5',
          bunMaxHttpRequests: 512,
        },
      ],
    });
    expect(barely.outcome).toBe('fails');
    // Above 256 and above the default-cap cell: the cap is in effect, and the problem says so (the rule still fails).
    expect(barely.evidence['problems']).toMatch(
      /^b: the raised cap of 512 is in effect in the measured windows \(measured windows' peaks 280, 290, 300 \(median 290; above 256 in 3 of 3; 3 sockets closed in them\), the default-cap cell's median 256\), but their median is under 90 % of min\(cap, load\) = 512 \(461\) under 512 in flight/,
    );
    // A default-cap cell that already reached the raised cell's peak: the raise shows nothing.
    const same = fetchRuntimesRanSanity({
      id: 'ran',
      cells: [
        { measurement: cell('b default', { peak: 500, windows: [500, 500] }), runtime: 'bun', version: '1.4.5' },
        {
          measurement: cell('b', { cap: 512, peak: 480, windows: [480, 480] }),
          runtime: 'bun',
          version: '1.4.5',
          bunMaxHttpRequests: 512,
        },
      ],
    });
    expect(same.evidence['problems']).toMatch(
      /median window peak 480 no higher than the default-cap cell's 500 at 512 in flight/,
    );
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

describe('fetch-runtimes-ran on the run versions-8cdc0db4 (its second reader, finding 3)', () => {
  type Cell = Parameters<typeof fetchRuntimesRanSanity>[0]['cells'][number]['measurement'];
  const fixture = JSON.parse(
    fs.readFileSync(path.join(__dirname, 'fixtures/versions-8cdc0db4-cells.json'), 'utf8'),
  ) as { cells: Record<string, Cell> };
  const [byDefault, raised] = [fixture.cells['094'] as Cell, fixture.cells['095'] as Cell];
  const cells = (r: Cell) => [
    { measurement: byDefault, runtime: 'bun' as const, version: '1.4.5' },
    { measurement: r, runtime: 'bun' as const, version: '1.4.5', bunMaxHttpRequests: 512 },
  ];

  it('fails by the 90 % rule stated before the run, and says the cap was in effect in the measured windows, with the churn per measured request', () => {
    const v = fetchRuntimesRanSanity({ id: 'fetch-runtimes-ran', cells: cells(raised) });
    expect(v.outcome).toBe('fails');
    const problems = String(v.evidence['problems']);
    expect(problems).toBe(
      "bun-fetch@bun-1.4.5 · BUN_CONFIG_MAX_HTTP_REQUESTS 512: the raised cap of 512 is in effect in the measured windows (measured windows' peaks 230, 231, 243, 246, 255, 261, 281, 300, 317, 337, 347, 367, 387, 398, 424, 440 (median 308.5; above 256 in 11 of 16; 490 sockets closed in them), the default-cap cell's median 256), but their median is under 90 % of min(cap, load) = 512 (461) under 512 in flight; sockets opened: 3.6 per 1,000 measured requests (394 opened in the measured windows over 110633 requests)",
    );
    expect(problems).not.toMatch(/did not/);
    // The default cell's churn on the same basis: 9 opened in the measured windows, not the 2,205 of the whole run.
    expect(v.evidence['bun-fetch@bun-1.4.5 at 512 in flight']).toBe(
      "cap configured 256 (default); measured windows' peaks 256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256, 256 (median 256; above 256 in 0 of 16; 0 sockets closed in them); warm-up peak (the run's, warm-up included, not read) 257; sockets opened 2205 over the run, 0.1 per 1,000 measured requests (9 opened in the measured windows over 114811 requests)",
    );
  });

  it("never reads the run's peak (a warm-up moment): the measured windows decide, either way (stated after versions-670dac55)", () => {
    // A warm-up peak of 513 over the same windows changes nothing: still "in effect", still under the rule.
    const warm = { ...raised, target: { ...raised.target, peakOpenConnections: 513 } };
    const v = fetchRuntimesRanSanity({ id: 'r', cells: cells(warm) });
    expect(v.outcome).toBe('fails');
    expect(String(v.evidence['problems'])).toMatch(/in effect in the measured windows .*median 308\.5/);
    // Windows at or below 256 in their median (versions-670dac55: 8 of 16 at or below 256): the raise did not show,
    // whatever the run's peak.
    const half = {
      ...warm,
      trials: (raised.trials ?? []).map((t, i) => ({
        ...t,
        target: { ...t.target, peakOpenConnections: i < 8 ? 200 : 447 },
      })),
    } as Cell;
    const w = fetchRuntimesRanSanity({ id: 'r', cells: cells(half) });
    expect(w.outcome).toBe('fails');
    expect(String(w.evidence['problems'])).toMatch(
      /did not show in the measured windows .*median 323\.5; above 256 in 8 of 16.*the warm-up peak 513 does not decide it; flagged cap-not-shown, its regime read from the windows \(median 323\.5 open\)$/,
    );
    // Every window at 90 % of the cap: holds, whatever the run's peak says.
    const held = {
      ...raised,
      target: { ...raised.target, peakOpenConnections: 300 },
      trials: (raised.trials ?? []).map((t) => ({ ...t, target: { ...t.target, peakOpenConnections: 470 } })),
    } as Cell;
    expect(fetchRuntimesRanSanity({ id: 'r', cells: cells(held) }).outcome).toBe('holds');
  });
});
