import {
  type AppPointLike,
  attributionRows,
  COLLAPSED_CPU_US,
  collapsedText,
  gapClaim,
  inAppBoundMs,
  MIN_ROUNDS_FOR_INTERVAL,
  parseStallPayload,
  peakInFlightOf,
  reconnectStorm,
  type SeedMeasurement,
  seedRows,
  servedInFlight,
  stallObservation,
  stallRows,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

/**
 * The seed's reading of faults and thin data, after the review of seed-15163329: a block cut short by the runner's
 * time limit is data (labelled partial), not "no data" and not a stop; a claim with nothing measured says what
 * errored; no interval is printed from fewer than the minimum rounds; a slow client is `collapsed`, with its
 * threshold; served in flight never reads above what the worker counted in flight. Constructed data, no process.
 */

const block = (round: number, rps: number, cpuUs: number, busy = 1) => ({
  round,
  throughputRps: rps,
  cpuMicrosPerRequest: cpuUs,
  clientUtilization: busy,
  targetCpuShare: 0.1,
});

function m(label: string, rounds: number, rps: number, cpuUs: number, extra: Partial<SeedMeasurement> = {}) {
  const out: SeedMeasurement = {
    label,
    client: { name: label },
    method: { blocks: Array.from({ length: rounds }, (_, r) => block(r, rps * (1 + r / 100), cpuUs * (1 + r / 100))) },
    guards: { flags: [], rankable: true },
    trials: Array.from({ length: rounds }, (_, r) => ({ block: r, sent: 1000, target: { connectionsOpened: 0 } })),
    latencyMs: { p50: 10, p99: 30 },
    ...extra,
  };
  return out;
}

const MARKER = '; the block so far: ';
const timeout = (payload: Record<string, unknown>) => ({
  code: 'CASEBOOK_TRIAL_TIMEOUT',
  message: `block 0 ran longer than 40000 ms in its pause${MARKER}${JSON.stringify(payload)}`,
});
const PARTIAL = {
  partial: true,
  block: 0,
  phase: 'pause',
  phaseMs: 40_010,
  limitMs: 40_000,
  warmupWindows: 30,
  measuredWindows: 2,
  answered: 600,
  failed: 12,
  sent: 640,
  byCode: { PoolTimeout: 12 },
  cpuS: 15.8,
  wallS: 16,
  busy: 0.99,
  throughputRps: 37.5,
  cpuMicrosPerRequest: 24_687.5,
  measuredThroughputRps: 41,
  peakOpenConnections: 100,
  openConnections: 100,
};
const noData = { flags: ['no-data'], rankable: false };

describe('a block cut short by the time limit (CASEBOOK_TRIAL_TIMEOUT)', () => {
  const cut = m('latest · httpx', 0, 0, 0, { guards: noData, error: timeout(PARTIAL) });

  it('is read from its fault: phase, windows, throughput and CPU per request of the windows received', () => {
    const p = parseStallPayload(cut.error?.message);
    expect(p?.partial).toMatchObject({
      phase: 'pause',
      warmupWindows: 30,
      measuredWindows: 2,
      measuredThroughputRps: 41,
    });
    expect(stallRows([cut])[0]?.faultBlock?.answered).toBe(600);
  });

  it('is a row of data labelled partial (no interval, no latency), not "no-data"', () => {
    const [row] = seedRows([cut]);
    expect(row?.rps).toBe(41);
    // CPU per request is blank for a partial block: its requests sent include those in flight at the cut.
    expect(row?.cpuUs).toBeNaN();
    expect(row?.rpsLow).toBeNaN();
    expect(row?.p50Ms).toBeNaN();
    expect(row?.partial).toBe('partial block (timed out in its pause after 32 windows)');
    expect(row?.flags).toContain('partial block');
    expect(row?.flags).toContain('collapsed');
    expect(row?.flags).toContain('errored (CASEBOOK_TRIAL_TIMEOUT)');
    expect(row?.flags.split(', ')).not.toContain('no-data');
  });

  it("collapsed is read per ANSWERED request with the measured windows' throughput (seed-7326eaa1: 1,188 sent, 100 answered)", () => {
    // The old payload's cpuMicrosPerRequest was CPU ÷ requests sent (29,995 µs) beside a throughput of answered ones.
    const seen = {
      ...PARTIAL,
      answered: 100,
      failed: 0,
      sent: 1188,
      byCode: {},
      cpuS: 35.634,
      wallS: 36,
      busy: 0.99,
      throughputRps: 2.8,
      cpuMicrosPerRequest: 29_995,
      measuredThroughputRps: 0,
    };
    const text = collapsedText(m('2022 · httpx', 0, 0, 0, { guards: noData, error: timeout(seen) }));
    expect(text).toBe(
      'collapsed (partial block: 0.0 req/s in its measured windows, 356,340 µs CPU per answered request at 0.99 core)',
    );
    expect(text).not.toContain('29,995');
    const [row] = seedRows([m('2022 · httpx', 0, 0, 0, { guards: noData, error: timeout(seen) })]);
    expect(row?.rps).toBe(0);
    expect(row?.cpuUs).toBeNaN();
  });

  it('counterfactual: a timeout without the payload (an older record) stays "no-data", with nothing to print', () => {
    const error = { code: 'CASEBOOK_TRIAL_TIMEOUT', message: 'block 0 ran longer than 48000 ms' };
    const old = m('latest · httpx', 0, 0, 0, { guards: noData, error: error });
    const [row] = seedRows([old]);
    expect(row?.partial).toBeNull();
    expect(row?.flags.split(', ')).toContain('no-data');
  });

  it('is not a stop: the stall observation stays unresolved and never says "cold pool"', () => {
    const v = stallObservation({ id: 's', m: cut, minUtilization: 0.9 });
    expect(v.outcome).toBe('unresolved');
    expect(v.claim).not.toMatch(/cold pool/);
  });
});

describe('a claim with nothing measured', () => {
  const aiohttp = m('latest · aiohttp', 6, 4000, 200);
  it('says "not measured: <measurement> errored (<code>)" and keeps noData', () => {
    const httpx = m('latest · httpx', 0, 0, 0, { guards: noData, error: timeout(PARTIAL) });
    const v = gapClaim({ id: 'gap-latest', claim: 'c', httpx: httpx, aiohttp: aiohttp, threshold: { above: 1.5 } });
    expect(v.outcome).toBe('unresolved');
    // The client's behaviour first, then the harness's code.
    expect(v.evidence['notMeasured']).toBe(
      "latest · httpx answered 600 then failed 12 (PoolTimeout 12) before the harness's 40 s pause limit (CASEBOOK_TRIAL_TIMEOUT)",
    );
    expect(v.evidence['noData']).toBe(true);
  });
  it('a count claim on a measurement with no block says so too (the storm of a measurement that errored)', () => {
    const storm = m('latest · httpx', 0, 0, 0, { guards: noData, error: timeout(PARTIAL), trials: [] });
    const v = reconnectStorm({ id: 'storm-latest', claim: 'c', storm: storm, minPerRequest: 0.05 });
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence['notMeasured']).toMatch(/^latest · httpx answered 600 then failed 12 /);
    expect(v.evidence['noData']).toBe(true);
  });

  it('a claim voided by a guard says so (comparable: false, reason), its interval wholly above the threshold', () => {
    const httpx = m('2022 · httpx', 6, 600, 1500, { guards: { flags: ['not-steady'], rankable: false } });
    const v = gapClaim({ id: 'gap-2022', claim: 'c', httpx: httpx, aiohttp: aiohttp, threshold: { above: 1.5 } });
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence['unguardedOutcome']).toBe('holds');
    expect(v.evidence['comparable']).toBe(false);
    expect(v.evidence['reason']).toMatch(/^not compared: 2022 · httpx \(/);
  });

  it('counterfactual: a claim with data carries no notMeasured', () => {
    const httpx = m('latest · httpx', 6, 600, 1500);
    const v = gapClaim({ id: 'gap-latest', claim: 'c', httpx: httpx, aiohttp: aiohttp, threshold: { above: 1.5 } });
    expect(v.evidence['notMeasured']).toBeUndefined();
    expect(v.evidence['comparable']).toBeUndefined();
    expect(v.outcome).toBe('holds');
  });
});

describe('intervals and flags of thin or errored rows', () => {
  it(`prints no interval from fewer than ${MIN_ROUNDS_FOR_INTERVAL} rounds, nor for an errored row; prints it from 6`, () => {
    const ref = m('latest · aiohttp', 6, 4000, 200);
    const one = m('latest · httpx keepalive=100', 1, 22.5, 3000, { error: timeout(PARTIAL) });
    const six = m('2022 · httpx', 6, 440, 2300);
    const rows = seedRows([ref, one, six], ref);
    expect(rows[1]?.rpsLow).toBeNaN();
    expect(rows[1]?.cpuVsReference).toBeNaN();
    expect(rows[1]?.cpuVsLow).toBeNaN();
    expect(rows[1]?.noInterval).toBe(true);
    expect(rows[1]?.flags).toContain('errored (CASEBOOK_TRIAL_TIMEOUT)');
    expect(rows[2]?.noInterval).toBe(false);
    expect(Number.isFinite(rows[2]?.cpuVsLow ?? Number.NaN)).toBe(true);
  });

  it('names a measurement once in an attribution row, however many roles it plays', () => {
    const high = m('2022 · httpx', 6, 440, 2300, { guards: { flags: ['errors'], rankable: false } });
    const low = m('latest · aiohttp', 6, 4000, 200);
    const mid = m('as-reported · httpx', 6, 300, 2000);
    const [row] = attributionRows([{ step: 's', replaces: 'r', from: high, to: mid, gapHigh: high, gapLow: low }]);
    expect(row?.flagged.split('2022 · httpx').length).toBe(2);
  });
});

describe('collapsed, and served in flight', () => {
  it(`collapsed: ≥ 0.9 core at ≥ ${COLLAPSED_CPU_US} µs CPU per request; not below either`, () => {
    expect(collapsedText(m('a', 6, 80, 12_000))).toMatch(/^collapsed \(\d+ req\/s, 12,\d{3} µs/);
    expect(collapsedText(m('b', 6, 120, 9_000))).toBeNull();
    const idle: SeedMeasurement = { ...m('c', 1, 20, 40_000), method: { blocks: [block(0, 20, 40_000, 0.5)] } };
    expect(collapsedText(idle)).toBeNull();
  });

  it('collapsed only where a waiter can fail on a pool-wait bound (httpx pool timeout, a per-request connect)', () => {
    const hx = (pool: number | null) =>
      m('latest · httpx', 6, 60, 15_000, {
        client: { name: 'httpx', settings: { 'httpx.timeout_s': { connect: 5, read: 5, write: 5, pool: pool } } },
      });
    expect(collapsedText(hx(5))).toMatch(/^collapsed/);
    // pool=None: no waiter fails, the CPU per request is the cost of a request at that concurrency.
    expect(collapsedText(hx(null))).toBeNull();
    const aio = (settings: Record<string, unknown>) =>
      m('latest · aiohttp', 6, 60, 15_000, { client: { name: 'aiohttp', settings: settings } });
    expect(
      collapsedText(aio({ 'aiohttp.timeout_s': { total: 300, connect: null, sock_read: null, sock_connect: 30 } })),
    ).toBeNull();
    // The published transport's per-request ClientTimeout bounds the connector wait (connect = httpx's pool).
    expect(
      collapsedText(
        aio({
          'aiohttp.timeout_s': { total: 300, connect: null, sock_read: null, sock_connect: 30 },
          'aiohttp.request_timeout_s': { total: null, connect: 5, sock_read: 5, sock_connect: 5 },
        }),
      ),
    ).toMatch(/^collapsed/);
  });

  it('a collapsed row keeps its throughput and CPU per request but gets no ratio', () => {
    const ref = m('latest · aiohttp', 6, 4000, 200);
    const rows = seedRows([ref, m('latest · httpx c512', 6, 17, 52_900)], ref);
    expect(rows[1]?.rps).toBeGreaterThan(0);
    expect(rows[1]?.cpuUs).toBeGreaterThan(50_000);
    expect(rows[1]?.cpuVsReference).toBeNaN();
    expect(rows[1]?.flags).toMatch(/^collapsed \(/);
    // Counterfactual: the same client at 2,300 µs per request is compared.
    expect(seedRows([ref, m('2022 · httpx', 6, 440, 2300)], ref)[1]?.cpuVsReference).toBeCloseTo(11.5, 1);
  });

  it("served in flight never reads above the worker's count of requests in flight (Little's law read 522 of 512)", () => {
    const x: SeedMeasurement = {
      ...m('2022 · httpx', 6, 440, 2300),
      latencyMs: { p50: 1180, p99: 1300, meanMs: 1180 },
      params: { load: { concurrency: 512 } },
      trials: Array.from({ length: 6 }, (_, r) => ({
        block: r,
        sent: 1000,
        target: { connectionsOpened: 0 },
        clientPeakInFlight: 512,
      })),
    };
    expect(peakInFlightOf(x)).toBe(512);
    expect(servedInFlight(x).served).toBe(512);
    // Counterfactual: without the worker's count, Little's law alone is printed (above C).
    const bare: SeedMeasurement = { ...x, trials: (x.trials ?? []).map(({ clientPeakInFlight: _p, ...t }) => t) };
    expect(servedInFlight(bare).served).toBeGreaterThan(512);
  });
});

describe("the FastAPI app: Little's law inside the app", () => {
  const point = (peak: number | null, rps: number): AppPointLike => ({
    route: 'aiohttp',
    generator: 'open-loop',
    rateRps: 150,
    connections: null,
    throughputRps: rps,
    latencyMs: { p50: 94.1, p99: 120 },
    cpuShare: { app: 0.4, target: 0.1, loadGenerator: 0.2 },
    app: {
      threadsPeak: 0,
      loopLagMs: null,
      ...(peak === null ? {} : { routes: { '/aiohttp': { peakInFlight: peak } } }),
    },
    flags: [],
  });
  it('bounds the mean time inside the app by peak in flight ÷ throughput (9 at 137.8 req/s: at most 65 ms of 94)', () => {
    expect(inAppBoundMs(point(9, 137.8))).toBeCloseTo(65.3, 1);
  });
  it('counterfactual: no route peak recorded, or no throughput, gives no bound', () => {
    expect(inAppBoundMs(point(null, 137.8))).toBeNull();
    expect(inAppBoundMs(point(9, 0))).toBeNull();
  });
});
