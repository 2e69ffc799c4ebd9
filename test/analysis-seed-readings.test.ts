import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type AppPointLike,
  type AttributionStep,
  appBound,
  appCpuUsPerRequest,
  appRouteNotes,
  closesGapClaim,
  connectionLimitText,
  connectionsUsedText,
  GATHER_BATCH_COLUMNS,
  GATHER_POOL_COLUMNS,
  type GatherRecordLike,
  type GatherTableRecord,
  gatherBatchTable,
  gatherPoolRows,
  gatherPoolTable,
  gatherRetries,
  gatherSample,
  KEEPALIVE_PREMISE_MIN_REOPEN,
  keepaliveClosePremise,
  processSpreadReading,
  quantityClaim,
  reconnectStorm,
  replicatedGathers,
  requirePremise,
  retryChurnClaim,
  type SeedMeasurement,
  type SeedTableRecord,
  seedTable,
  stormReading,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';
import { readRepoJson, seedAppRun, seedRun } from './fixtures/seed-run';

/**
 * The readings of notebook 06 stated before the run after seed-9d1b4a91 (its second reader): the keep-alive switch's
 * premise and the rule that leaves a claim without it unresolved, what each gather's pool did (peak open connections,
 * new sockets, ConnectionNotAvailable retries) and the connections each client used, the retry churn replication, the
 * A/A row, the storm read under its verdict, `unlimited` connection limits and warm-up sockets, section 1's table, and
 * the FastAPI app's CPU per request and what bounded its closed loops. Each on constructed data (holds, fails,
 * unresolved) and on seed-9d1b4a91's committed records. No process, no socket.
 */

interface GatherSpec {
  peaks: readonly number[];
  opened?: readonly number[];
  retries?: number;
  settings?: Readonly<Record<string, unknown>>;
  error?: { code: string; message: string };
}

/** One gather process: a batch of 512 per peak, the target's new sockets per batch, the worker's retry counter. */
function gatherOf(label: string, o: GatherSpec): GatherRecordLike {
  const counter = o.retries === undefined ? {} : { 'httpcore.connection_not_available': { retries: o.retries } };
  const httpx = { client: 'httpx', 'httpx.max_connections': 100, 'httpx.max_keepalive_connections': 20 };
  const trials = o.peaks.map((peak, i) => ({
    sent: 512,
    target: { connectionsOpened: o.opened?.[i] ?? 0, peakOpenConnections: peak },
  }));
  const settings = o.settings ?? { ...httpx, ...counter };
  return { label, client: { settings }, warmup: { sent: 512 }, trials, ...(o.error ? { error: o.error } : {}) };
}

const AIOHTTP = { client: 'aiohttp', 'aiohttp.limit': 100 };
/** Four warm-up batches (peaks of a cold pool), then the kept ones. */
const WARM = [100, 100, 20, 20];

describe('what a gather pool did (gatherRetries, gatherPoolRows, connectionsUsedText)', () => {
  it('counts retries over the whole process, its cold first gather included; none without the counter', () => {
    const g = gatherOf('latest · httpx @ 0 ms', { peaks: [20, 8, 8], retries: 4096 });
    expect(gatherRetries(g)).toEqual({ retries: 4096, requests: 2048, perRequest: 2 });
    expect(gatherRetries(gatherOf('2022 · httpx @ 0 ms', { peaks: [8] }))).toBeNull();
  });

  it('reads an arm run in several processes together, its kept batches only, and says where nothing was counted', () => {
    const arm = 'latest · httpx pool=None @ 0 ms';
    const one = { peaks: [...WARM, 8, 9, 8, 8, 8, 8], opened: [100, 0, 0, 0, 0, 2], retries: 5120 };
    const two = { peaks: [...WARM, 8, 8, 8, 8, 8, 10], retries: 2560 };
    const old = { peaks: [...WARM, 7, 8, 8, 8, 8, 8] };
    const aio = { peaks: [...WARM, 100, 100, 100, 100, 100, 100], settings: AIOHTTP };
    const rows = gatherPoolRows(
      [
        gatherOf(`${arm} · process 1`, one),
        gatherOf(`${arm} · process 2`, two),
        gatherOf('2022 · httpx pool=None @ 0 ms', old),
        gatherOf('latest · aiohttp @ 0 ms', aio),
      ],
      4,
    );
    expect(rows.map((r) => r.label)).toEqual([arm, '2022 · httpx pool=None @ 0 ms', 'latest · aiohttp @ 0 ms']);
    const [h, httpx0163, aiohttp] = rows;
    expect([h?.processes, h?.batches, h?.peakLow, h?.peakHigh]).toEqual([2, 12, 8, 10]);
    // The 100 new sockets of process 1's first (warm-up) batch are left out with it.
    expect(h?.newPerBatch).toBeCloseTo(2 / 12, 10);
    expect(h?.newPerRequest).toBeCloseTo(2 / (12 * 512), 10);
    expect(h?.retriesPerRequest).toBeCloseTo(7680 / (2 * 5632), 10);
    expect([h?.retriesLow, h?.retriesHigh]).toEqual([2560 / 5632, 5120 / 5632]);
    expect(h?.retriesText).toBe('0.68 (0.45–0.91)');
    expect([httpx0163?.retriesPerRequest, httpx0163?.retriesText]).toEqual([null, 'not counted']);
    const uncounted = [aiohttp?.retriesText, aiohttp?.poolLimit, aiohttp?.maxKeepalive];
    expect(uncounted).toEqual(['— (no httpcore pool)', 100, null]);
    const table = gatherPoolTable(rows);
    expect(Object.keys(table[0] ?? {})).toEqual(GATHER_POOL_COLUMNS);
    expect(table[0]?.['peak open (target), per batch']).toBe('8–10');
  });

  it('says which connections each client used: httpx at or below its keep-alive limit against aiohttp, or alike', () => {
    const httpx = (label: string, peak: number) => gatherOf(label, { peaks: [...WARM, peak] });
    const aiohttp = (label: string) => gatherOf(label, { peaks: [...WARM, 100], settings: AIOHTTP });
    const rows = gatherPoolRows(
      [
        httpx('2022 · httpx pool=None @ 0 ms', 13),
        aiohttp('2022 · aiohttp @ 0 ms'),
        httpx('httpx2 · httpx pool=None @ 0 ms', 100),
        aiohttp('httpx2 · aiohttp @ 0 ms'),
      ],
      4,
    );
    const text = connectionsUsedText(rows, ['2022', 'latest', 'httpx2']);
    expect(text).toContain('`2022` httpx 13, aiohttp 100; `httpx2` httpx 100, aiohttp 100');
    expect(text).toContain(
      'as their pools behave: on `2022` httpx (its `httpx pool=None` arm, default lock) held at most 13 connections, never more than its max_keepalive_connections (20), where aiohttp used 100',
    );
    const alike = connectionsUsedText(rows, ['httpx2']);
    expect(alike).toContain('each client held about as many connections as the other');
    expect(connectionsUsedText(rows, ['latest'])).toBe('');
  });
});

describe('the premise of the keep-alive switch (keepaliveClosePremise, requirePremise)', () => {
  const arm = 'latest · httpx pool=None @ 0 ms';
  const premiseOf = (peaks: readonly number[], opened: readonly number[] = []) => {
    const g = gatherOf(`${arm} · process 1`, { peaks: [...WARM, ...peaks], opened: [0, 0, 0, 0, ...opened] });
    return keepaliveClosePremise([g], arm, 4);
  };

  it('is present with more than max_keepalive_connections open at a peak, or with reopens; absent otherwise', () => {
    const over = premiseOf([8, 21, 8]);
    expect([over.present, over.measured, over.peakHigh, over.maxKeepalive]).toEqual([true, true, 21, 20]);
    expect(over.text).toMatch(/^premise present: /);
    // 0.05 new sockets per request: 77 in 3 × 512 = 1,536 requests is 0.0501.
    const reopens = premiseOf([8, 8, 8], [77, 0, 0]);
    expect(reopens.perRequest).toBeGreaterThanOrEqual(KEEPALIVE_PREMISE_MIN_REOPEN);
    expect(reopens.present).toBe(true);
    const absent = premiseOf([8, 20, 9], [76, 0, 0]);
    const read = [absent.present, absent.peakLow, absent.peakHigh, absent.reopened, absent.requests];
    expect(read).toEqual([false, 8, 20, 76, 1536]);
    expect(absent.text).toMatch(/^premise absent: in the kept batches of latest · httpx pool=None @ 0 ms /);
    expect(absent.text).toContain('the pool held 8–20 connections');
    const none = keepaliveClosePremise([], arm, 4);
    expect([none.present, none.measured]).toEqual([false, false]);
    expect(none.text).toMatch(/^premise not measured/);
  });

  const claim = (low: number, high: number) =>
    quantityClaim({
      id: 'closes-keepalive-gather',
      claim: 'c',
      statistic: 's',
      interval: { median: (low + high) / 2, low, high, coverage: 0.95, n: 18 },
      threshold: { above: 0.1 },
    });

  it('leaves a claim as its data decided it where the premise is present: holds or fails', () => {
    const present = premiseOf([8, 30, 8]);
    const holds = requirePremise(claim(0.2, 0.5), present);
    expect([holds.outcome, holds.kind]).toEqual(['holds', 'claim']);
    expect(holds.evidence['premise']).toBe(present.text);
    expect(requirePremise(claim(-0.2, 0.05), present).outcome).toBe('fails');
  });

  it('makes it unresolved where the premise is absent, never "does not hold", keeping what the data said', () => {
    const absent = premiseOf([8, 9, 8]);
    const failed = claim(-0.2, 0.05);
    const v = requirePremise({ ...failed, evidence: { ...failed.evidence, unguardedOutcome: 'fails' } }, absent);
    expect([v.outcome, v.holds, v.kind]).toEqual(['unresolved', false, 'claim']);
    expect(v.evidence['outcomeWithoutPremise']).toBe('fails');
    expect(v.evidence['comparable']).toBe(false);
    expect(v.evidence['illPosed']).toBe(absent.text);
    expect(String(v.evidence['reason'])).toMatch(/^premise absent: /);
    // Not "the opposite direction": a result that tests nothing points no way.
    expect(v.evidence['unguardedOutcome']).toBeUndefined();
    expect(requirePremise(claim(0.2, 0.5), absent).outcome).toBe('unresolved');
  });
});

describe('the retry churn (retryChurnClaim)', () => {
  const httpx = (label: string, retries?: number) =>
    gatherOf(label, { peaks: [20, 8, 8], ...(retries === undefined ? {} : { retries }) });
  const input = { id: 'retry-churn-latest', set: 'latest', minPerRequest: 1 };
  const transport = gatherOf('latest · httpx-aiohttp pool=None @ 0 ms', { peaks: [100], settings: { client: 'x' } });

  it('holds when every httpx gather of the set at 0 ms retries at least once per request, and fails when one does not', () => {
    const gathers = [
      httpx('latest · httpx @ 0 ms', 4096),
      httpx('latest · httpx pool=None @ 0 ms · process 1', 3000),
      // Not read: another set, another delay, a transport over aiohttp.
      httpx('as-reported · httpx @ 0 ms', 0),
      httpx('latest · httpx @ 50 ms', 0),
      transport,
    ];
    const v = retryChurnClaim({ ...input, gathers });
    expect([v.outcome, v.kind, v.evidence['gathers']]).toEqual(['holds', 'exploratory', 2]);
    expect(v.evidence['lowestPerRequest']).toBeCloseTo(3000 / 2048, 10);
    const uvloop = httpx('latest · httpx pool=None uvloop @ 0 ms', 1000);
    const below = retryChurnClaim({ ...input, gathers: [...gathers, uvloop] });
    expect(below.outcome).toBe('fails');
    expect(below.evidence['lowestGather']).toBe('latest · httpx pool=None uvloop @ 0 ms');
  });

  it('is unresolved, not measured, without a gather, with one that has no counter, or with one that errored', () => {
    const none = retryChurnClaim({ ...input, gathers: [] });
    const read = [none.outcome, none.evidence['noData'], none.evidence['notMeasured']];
    expect(read).toEqual(['unresolved', true, 'no latest httpx gather at 0 ms']);
    const uncounted = retryChurnClaim({ ...input, gathers: [httpx('latest · httpx @ 0 ms')] });
    expect(uncounted.outcome).toBe('unresolved');
    expect(uncounted.evidence['notMeasured']).toBe('latest · httpx @ 0 ms has no retry counter');
    const error = { code: 'X', message: 'm' };
    const errored = gatherOf('latest · httpx @ 0 ms', { peaks: [20], retries: 9000, error });
    const v = retryChurnClaim({ ...input, gathers: [errored] });
    expect(v.evidence['notMeasured']).toBe('latest · httpx @ 0 ms errored (X)');
  });

  it('with `replicates`, names the run it replicates', () => {
    const replicates = { run: 'seed-9d1b4a91', value: 2.94, text: '2.94–3.90 retries per request' };
    const v = retryChurnClaim({ ...input, gathers: [httpx('latest · httpx @ 0 ms', 4096)], replicates });
    const replication = [v.kind, v.evidence['replicates'], v.evidence['replicatedValue']];
    expect(replication).toEqual(['exploratory', 'seed-9d1b4a91', 2.94]);
    expect(v.claim).toMatch(/^Replication of seed-9d1b4a91 \(which measured 2\.94–3\.90 retries per request before/);
  });
});

describe('connection limits as configured (connectionLimitText)', () => {
  it('prints unlimited where the live settings say there is no limit, else min(C, the limit)', () => {
    const m = (settings: Record<string, unknown>) => ({ client: { settings } });
    expect(connectionLimitText(m({ connections: null }), 512)).toBe('unlimited');
    expect(connectionLimitText(m({ connections: 'unlimited (null)' }), 512)).toBe('unlimited');
    expect(connectionLimitText(m({ maxSockets: 'Infinity' }), 512)).toBe('unlimited');
    expect(connectionLimitText(m({ 'aiohttp.limit': 0 }), 512)).toBe('unlimited');
    expect(connectionLimitText(m({ 'httpx.max_connections': null }), 512)).toBe('unlimited');
    expect(connectionLimitText(m({ 'httpx.max_connections': 100 }), 100)).toBe(100);
    expect(connectionLimitText(m({ connections: 64 }), 64)).toBe(64);
    expect(connectionLimitText(m({}), null)).toBe('—');
  });
});

describe("section 1's table of gathers (gatherBatchTable)", () => {
  const record = (label: string, failed: number, status = 'completed'): GatherTableRecord => ({
    label,
    status,
    error: status === 'completed' ? null : { code: 'CASEBOOK_TRIAL_TIMEOUT' },
    target: { connectionsOpenedMeasured: 6 },
    warmup: { ok: 412, errors: { total: 100, byCode: { PoolTimeout: 100 } } },
    trials: [1000, 1100, 900].map((ms) => ({
      durationMs: ms,
      sent: 512,
      errors: { total: failed, byCode: failed ? { PoolTimeout: failed } : {} },
    })),
  });

  it('prints a batch time, or error-dominated with the errors, and flags an errored gather', () => {
    const [ok, dominated, errored] = gatherBatchTable([record('a', 0), record('b', 100), record('c', 0, 'errored')]);
    expect(Object.keys(ok ?? {})).toEqual(GATHER_BATCH_COLUMNS);
    expect(ok?.['batch ms (median)']).toBe('1000.0');
    expect(ok?.['first gather (cold client): ok / errors']).toBe('412 / 100 (PoolTimeout)');
    expect(ok?.['per request']).toBe('0.00');
    expect(ok?.errors).toBe('0');
    expect(dominated?.measurement).toBe('b [flagged: error-dominated]');
    expect([dominated?.['batch ms (median)'], dominated?.['95 % interval']]).toEqual(['error-dominated', '—']);
    expect(dominated?.errors).toBe('300 of 1536 (PoolTimeout 300)');
    expect(errored?.measurement).toBe('c [flagged: errored (CASEBOOK_TRIAL_TIMEOUT)]');
  });
});

describe('the app: CPU per request and what bounded a closed loop (appCpuUsPerRequest, appBound)', () => {
  const point = (generator: string, app: number | null, peak: number | null): AppPointLike => ({
    route: 'aiohttp',
    generator,
    rateRps: generator === 'open-loop' ? 500 : null,
    connections: generator === 'open-loop' ? null : 64,
    throughputRps: 500,
    latencyMs: { p50: 95, p99: 140 },
    cpuShare: { app, target: 0.1, loadGenerator: 0.1 },
    app: {
      threadsPeak: 0,
      loopLagMs: null,
      ...(peak === null ? {} : { routes: { '/aiohttp': { peakInFlight: peak } } }),
    },
    flags: [],
  });

  it('reads the app as saturated at 0.9 of its core, a closed loop as bounded by its connections below it', () => {
    expect(appCpuUsPerRequest(point('open-loop', 0.5, 10))).toBe(1000);
    expect(appCpuUsPerRequest(point('open-loop', null, 10))).toBeNaN();
    expect(appBound(point('open-loop', 0.5, 10))).toBe('—');
    expect(appBound(point('closed-loop', 0.95, 64))).toBe('the app (0.95 of its core)');
    expect(appBound(point('closed-loop', 0.7, 64))).toBe('bounded by 64 connections (app 0.70 of its core)');
    expect(appBound(point('wrk', 0.07, 1))).toBe('neither (app 0.07 of its core, 1 in flight at most)');
    expect(appBound(point('closed-loop', 0.7, null))).toBe('neither (app 0.70 of its core, — in flight at most)');
  });
});

describe("seed-9d1b4a91's committed records, read under these rules", () => {
  const read = readRepoJson;
  const { bench, gathers, at0 } = seedRun('seed-9d1b4a91');
  const G = replicatedGathers(at0.map((g) => gatherSample(g, 4)));
  const at = (label: string) => {
    const g = G.find((x) => x.label === label);
    if (!g) throw new Error(label);
    return g;
  };
  const H = 'latest · httpx pool=None @ 0 ms';

  it('the keep-alive premise is absent (the pool held 8–20, never above 20): closes-keepalive-gather is unresolved', () => {
    const premise = keepaliveClosePremise(gathers, H, 4);
    expect([premise.present, premise.peakLow, premise.peakHigh, premise.maxKeepalive]).toEqual([false, 8, 9, 20]);
    expect([premise.reopened, premise.requests, premise.batches]).toEqual([1, 9216, 18]);
    // Over every measured batch, warm-up batches included: 8–20 connections, never above the keep-alive limit.
    const all = keepaliveClosePremise(gathers, H, 0);
    expect([all.present, all.peakLow, all.peakHigh, all.reopened, all.requests]).toEqual([false, 8, 20, 4, 15360]);
    const h = at(H);
    const step: AttributionStep = {
      step: 'max_keepalive_connections 20 → 100',
      replaces: 'the pool: no idle close while it holds more than 20',
      from: h,
      to: at('latest · httpx pool=None keepalive=100 @ 0 ms'),
      gapHigh: h,
      gapLow: at('latest · aiohttp @ 0 ms'),
      switch: true,
    };
    const printed = closesGapClaim(step, 0.1, 'closes-keepalive-gather');
    // What the run printed: does not hold, 0.2 % of the gap (−17 % to 6 %).
    expect(printed.outcome).toBe('fails');
    expect(printed.statistic?.value).toBeCloseTo(0.0017, 4);
    const v = requirePremise(printed, premise);
    expect([v.outcome, v.kind, v.evidence['outcomeWithoutPremise']]).toEqual(['unresolved', 'claim', 'fails']);
    expect(String(v.evidence['reason'])).toMatch(/^premise absent: in the kept batches of latest · httpx pool=None/);
    expect(String(v.evidence['reason'])).toContain('the pool held 8–9 connections');
  });

  it('each pool: httpx held at most 8, 13 and 9 connections where aiohttp used 100; retries counted on 1.0.x and httpx2 only', () => {
    const rows = gatherPoolRows(at0, 4);
    const row = (label: string) => rows.find((r) => r.label === label);
    expect(row(H)?.processes).toBe(3);
    expect(row(H)?.retriesText).toBe('3.60 (3.60–3.61)');
    expect(row('2022 · httpx pool=None @ 0 ms')?.retriesText).toBe('not counted');
    expect(row('httpx2 · httpx pool=None @ 0 ms')?.retriesText).toBe('0.00');
    expect(row('httpx2 · httpx pool=None @ 0 ms')?.newPerBatch).toBe(80);
    expect(row('latest · aiohttp @ 0 ms')?.retriesText).toBe('— (no httpcore pool)');
    const text = connectionsUsedText(rows, ['2022', 'as-reported', 'latest', 'httpx2']);
    const per = '`2022` httpx 5–8, aiohttp 100; `as-reported` httpx 9–13, aiohttp 100; `latest` httpx 8–9, aiohttp 100';
    expect(text).toContain(per);
    expect(text).toContain(
      'on `2022`, `as-reported`, `latest` httpx (its `httpx pool=None` arm, default lock) held at most 13 connections',
    );
  });

  it('every latest httpx gather at 0 ms retried 2.94–3.90 times per request (the replicated value); httpx2 never; 2022 not counted', () => {
    const v = retryChurnClaim({ id: 'retry-churn-latest', gathers, set: 'latest', minPerRequest: 1 });
    expect([v.outcome, v.evidence['gathers']]).toEqual(['holds', 10]);
    expect(v.evidence['lowestPerRequest']).toBe(16536 / 5632);
    expect(v.evidence['lowestGather']).toBe('latest · httpx pool=None uvloop @ 0 ms · process 1');
    expect(v.evidence['highestPerRequest']).toBeCloseTo(3.901, 3);
    expect(retryChurnClaim({ id: 'x', gathers, set: 'httpx2', minPerRequest: 1 }).outcome).toBe('fails');
    expect(retryChurnClaim({ id: 'x', gathers, set: '2022', minPerRequest: 1 }).outcome).toBe('unresolved');
    // The notebook states the replicated value exactly.
    const nb = read('notebooks/06-the-seed.ipynb') as { cells: { id?: string; source: string[] }[] };
    const cell = nb.cells.find((c) => c.id === 'seed-gather-gap')?.source.join('') ?? '';
    const stated = Number(cell.match(/'retry-churn-latest'[^}]*value: ([\d.]+)/)?.[1]);
    expect(stated).toBe(16536 / 5632);
  });

  it('the A/A row: the processes of latest · httpx pool=None spread 643 µs/request, against 447 µs (10 % of the gap)', () => {
    const r = processSpreadReading(at(H), at('latest · aiohttp @ 0 ms'));
    expect(r.processMedians.map((x) => Math.round(x))).toEqual([4179, 4779, 4822]);
    expect(r.spreadUs).toBeCloseTo(642.935, 3);
    expect(r.gapUs).toBeCloseTo(4470.49, 2);
    expect(r.materialUs).toBeCloseTo(447.049, 3);
    expect(r.text).toContain('a spread of **643 µs/request**');
    expect(r.text).toContain('(**447 µs/request**)');
    const one = processSpreadReading(at('2022 · httpx pool=None @ 0 ms'), at('2022 · aiohttp @ 0 ms'));
    expect(one.spreadUs).toBeNaN();
    expect(one.text).toContain('ran in one process');
  });

  it('storm-2022 does not hold: 0.25 new sockets per request, one block at 0.024 against 0.05, its pool at 20–36', () => {
    const storm = bench<SeedMeasurement>('2022 · httpx · storm 50 ms');
    const v = reconnectStorm({ id: 'storm-2022', claim: 'c', storm, minPerRequest: 0.05 });
    expect(v.outcome).toBe('fails');
    const r = stormReading(storm, v, 0.05);
    const counts = [r.opened, r.requests, r.blocks, r.blocksBelow, r.peakLow, r.peakHigh, r.poolLimit];
    expect(counts).toEqual([2887, 11382, 10, 1, 20, 36, 100]);
    expect(r.minBlock).toBeCloseTo(0.0239, 4);
    expect(r.text).toContain('`storm-2022` does not hold');
    expect(r.text).toContain('(0.25 per request), 1 of 10 blocks below the stated 0.05 (the fewest 0.024 per request)');
    expect(r.text).toContain(
      "its pool held 20–36 connections at a window's peak, below its pool limit (100) at least once",
    );
    const httpx2 = bench<SeedMeasurement>('httpx2 · httpx · storm 50 ms');
    expect(stormReading(httpx2, { id: 'x', outcome: 'holds' }, 0).text).toContain('every one of');
  });

  it('the Node clients ran without a connection limit: unlimited, with the sockets each opened in its warm-up', () => {
    const node = [
      'undici-request (8.13.1)',
      'node-fetch (v24.21.0 (bundled undici 7.29.1))',
      'axios (1.21.1)',
      'got (16.1.0)',
    ];
    const records = node.map((l) => bench<SeedTableRecord>(l));
    const t = seedTable(records, records[0], { warmupSockets: true });
    expect(t.rows.every((r) => r['pool limit (configured)'] === 'unlimited')).toBe(true);
    expect(t.rows.map((r) => r['sockets opened (warm-up)'])).toEqual([5938, 5891, 3072, 3072]);
    expect(t.columns).toContain('sockets opened (warm-up)');
    expect(seedTable(records, records[0]).columns).not.toContain('sockets opened (warm-up)');
    // A Python row keeps min(C, its limit).
    const gap = seedTable([bench<SeedTableRecord>('latest · aiohttp')], undefined);
    expect(gap.rows[0]?.['pool limit (configured)']).toBe(100);
  });

  it("section 1's table reads the cold first gather's failures", () => {
    const [row] = gatherBatchTable([bench<GatherTableRecord>('as-reported · httpx @ 0 ms')]);
    expect(row?.['first gather (cold client): ok / errors']).toBe('100 / 412 (PoolTimeout)');
    expect(row?.trials).toBe(14);
  });

  it("the app: the httpx route cost 4,532–5,245 µs of app CPU per request, aiohttp's 1,341–1,490; aiohttp's closed loop was bounded by 64 connections", () => {
    const { app: run, closed } = seedAppRun('seed-9d1b4a91');
    expect(appBound(closed('aiohttp'))).toBe('bounded by 64 connections (app 0.70 of its core)');
    expect(appBound(closed('httpx'))).toBe('the app (0.95 of its core)');
    expect(appBound(closed('requests-async'))).toBe('neither (app 0.07 of its core, 1 in flight at most)');
    const notes = appRouteNotes(run);
    expect(notes[0]).toContain('httpx 4,532–5,245 µs, aiohttp 1,341–1,490 µs');
    expect(notes[1]).toContain("**Bounded by the load generator, not the app**: `aiohttp`'s closed loop");
    expect(notes[2]).toContain("**Above the upstream's 50 ms**");
    expect(notes[3]).toContain('**Inside the app at most**');
  });
});

interface Cell {
  id?: string;
  cell_type: string;
  source: string[];
}

describe('notebook 06', () => {
  const repo = path.resolve(__dirname, '..');
  const file = path.join(repo, 'notebooks/06-the-seed.ipynb');
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: Cell[] };

  it('keeps its code cells within 450 lines (not blank, not comments): logic lives in the package', () => {
    const code = nb.cells.filter((c) => c.cell_type === 'code').flatMap((c) => c.source.join('').split('\n'));
    const lines = code.filter((l) => l.trim() !== '' && !l.trim().startsWith('//'));
    expect(lines.length).toBeLessThanOrEqual(450);
  });

  it('states the rules after seed-9d1b4a91 right after those after review-06, and applies the premise rule', () => {
    const ids = nb.cells.map((c) => c.id);
    const after = ids.indexOf('stated-before-next-run-after-review-06');
    expect(ids.indexOf('stated-before-next-run-after-9d1b4a91')).toBe(after + 1);
    const text = nb.cells.map((c) => c.source.join('')).join('\n');
    expect(text).toContain('requirePremise(');
    expect(text).toContain("id: 'retry-churn-latest'");
  });
});
