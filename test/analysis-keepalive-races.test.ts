import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  binomialInterval,
  boundedWriteUs,
  burstInterval,
  burstKeptDueAtUs,
  burstReuse,
  burstWriteStarts,
  clockSummaries,
  controlGate,
  couldShowResend,
  EXPOSURE_EXPLORATORY,
  EXPOSURE_WINDOW_MS,
  exercisedRows,
  exposedInterval,
  exposureClaim,
  failsWhenClosedSanity,
  failureCells,
  joinSanity,
  KEEPALIVE_RACES_INSTALLED_REFS,
  LANDING_BINS,
  landingBins,
  landingChartBars,
  landingMs,
  MIN_BURSTS,
  MIN_EXPOSED,
  MIN_EXPOSED_PROCESSES,
  MIN_REUSED_SHARE,
  metClosedConnection,
  NO_DUE_CLOSE_BIN,
  NO_FAILURE_MAX_RATE,
  NO_WRITE_TIME_BIN,
  NOT_EXERCISED,
  noFailureClaim,
  noLeakSanity,
  noRetryClaim,
  type RaceRow,
  raceRows,
  rateCountsText,
  rateEstimate,
  resent,
  retryAvoidsFailuresClaim,
  retryResendsClaim,
  roundDueAtUs,
  STALE_FIN_MS,
  sentOnReused,
  someFailuresClaim,
  staleWrite,
  stallTimeoutClaim,
  writeExposure,
  writeLandingMs,
  writtenAfterFinMs,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

/**
 * A request; unless `over` sets them, its first copy reached the target on a connection the target saw idle for the
 * whole gap and had already closed (targetIdleMs = gap, afterClose true): it met a closed connection.
 */
const row = (over: Partial<RaceRow> = {}): RaceRow => {
  const r: RaceRow = {
    client: 'node-http',
    retry: 'client-default',
    concurrency: 1,
    method: 'GET',
    idleTimeoutMs: 1000,
    hint: 'absent',
    idleClose: 'fin',
    gapMs: 500,
    burst: 'b0',
    process: 'p0',
    ok: true,
    code: null,
    elapsedMs: 1,
    arrived: 1,
    served: 1,
    ...over,
  };
  return {
    ...r,
    ...('targetIdleMs' in over ? {} : { targetIdleMs: r.gapMs }),
    ...('afterClose' in over ? {} : { afterClose: r.targetIdleMs === null ? null : true }),
  };
};
/** The same request on a fresh connection: the target saw it first on a connection that had answered nothing. */
const fresh = (over: Partial<RaceRow> = {}): RaceRow => row({ ...over, targetIdleMs: null, afterClose: null });
/** A request on a kept connection the target had NOT closed yet (arrived before the close): not exposed. */
const beforeClose = (over: Partial<RaceRow> = {}): RaceRow => row({ ...over, afterClose: false });

/**
 * n rows at one gap in `processes` client processes (request i in process i mod processes, one burst per process and
 * gap), the first `failures` of them failed without their id being counted (first copy met the closed connection);
 * the others succeeded after a resend. Failures spread evenly over the processes.
 */
const cell = (gapMs: number, n: number, failures: number, over: Partial<RaceRow> = {}, processes = 10): RaceRow[] =>
  Array.from({ length: n }, (_, i) =>
    i < failures
      ? row({
          gapMs,
          burst: `${gapMs}.${i % processes}`,
          process: `p${i % processes}`,
          ok: false,
          code: 'ECONNRESET',
          elapsedMs: 2 + i,
          arrived: 0,
          served: 0,
          ...over,
        })
      : row({ gapMs, burst: `${gapMs}.${i % processes}`, process: `p${i % processes}`, ...over }),
  );

describe('burst interval (the burst is the unit)', () => {
  it('is unresolved (NaN) below MIN_BURSTS bursts and a t interval over burst fractions at or above', () => {
    const nine = burstInterval(Array.from({ length: MIN_BURSTS - 1 }, () => ({ failures: 0, requests: 128 })));
    expect(Number.isNaN(nine.high)).toBe(true);
    // 10 bursts: 0.1 each but one at 0.5 → mean 0.14, sd 0.1265, t(9) 2.262 → ± 0.0905.
    const iv = burstInterval([
      { failures: 64, requests: 128 },
      ...Array.from({ length: 9 }, () => ({ failures: 1, requests: 10 })),
    ]);
    expect(iv.rate).toBeCloseTo(0.14, 6);
    expect(iv.low).toBeCloseTo(0.14 - 2.262 * (Math.sqrt(0.016) / Math.sqrt(10)), 3);
    expect(iv.bursts).toBe(10);
    expect(iv.requests).toBe(128 + 90);
  });

  it('one bad burst among clean ones does not decide "fails some" the way independent requests would', () => {
    // 64 of 128 in one burst, 9 clean bursts: 64 / 1280 requests is a binomial lower end far above 1 %…
    expect(binomialInterval(64, 1280).low).toBeGreaterThan(0.03);
    // …but over bursts the mean 5 % has an interval reaching 0.
    const rows = [
      ...cell(990, 128, 64, {}, 1).map((r) => ({ ...r, burst: 'one', process: 'one' })),
      ...cell(995, 1152, 0, {}, 9),
    ];
    const v = someFailuresClaim({
      id: 's',
      client: 'node-http',
      method: 'GET',
      rows,
      condition: 'c',
      gapRangeMs: [980, 1000],
      minRate: 0.01,
    });
    expect(v.outcome).toBe('unresolved');
  });
});

describe('exact binomial interval', () => {
  it('matches closed forms at the edges and a tabulated middle value', () => {
    // k = 0: upper = 1 − 0.025^(1/n); k = n: lower = 0.025^(1/n).
    expect(binomialInterval(0, 10).high).toBeCloseTo(1 - 0.025 ** (1 / 10), 6);
    expect(binomialInterval(0, 10).low).toBe(0);
    expect(binomialInterval(10, 10).low).toBeCloseTo(0.025 ** (1 / 10), 6);
    expect(binomialInterval(10, 10).high).toBe(1);
    // 5 of 10: 0.187–0.813 (Clopper–Pearson tables).
    const mid = binomialInterval(5, 10);
    expect(mid.low).toBeCloseTo(0.187, 3);
    expect(mid.high).toBeCloseTo(0.813, 3);
    // 368 clean requests are the fewest whose upper end is below 1 %.
    expect(binomialInterval(0, 368).high).toBeLessThan(0.01);
    expect(binomialInterval(0, 367).high).toBeGreaterThanOrEqual(0.01);
  });

  it('refuses impossible counts, naming the value', () => {
    expect(() => binomialInterval(3, 2)).toThrow(/got 3/);
    expect(() => binomialInterval(0, -1)).toThrow(/got -1/);
  });
});

describe('failure cells', () => {
  it('counts exposure, failures by code, failures after the close or without arriving, and resends per gap', () => {
    const rows = [
      ...cell(100, 4, 0),
      ...cell(900, 4, 2),
      row({ gapMs: 900, arrived: 2, afterClose: false }),
      fresh({ gapMs: 900, ok: false, code: 'UND_ERR_SOCKET', arrived: 0, served: 0 }),
      fresh({ gapMs: 900 }),
    ];
    const cells = failureCells(rows);
    expect(cells.map((c) => [c.gapMs, c.n, c.failures, c.exposed, c.failedExposed])).toEqual([
      [100, 4, 0, 4, 0],
      [900, 7, 3, 5, 3],
    ]);
    const at900 = cells[1];
    expect(at900?.byCode).toEqual({ ECONNRESET: 2, UND_ERR_SOCKET: 1 });
    // The two ECONNRESET rows met the closed connection on the target; the UND_ERR_SOCKET one never reached it.
    expect(at900?.failedArrivedAfterClose).toBe(2);
    expect(at900?.failedWithoutArriving).toBe(1);
    expect(at900?.failedAfterArriving).toBe(0); // none was counted as an arrival by the target
    // Resent: the two successes whose first copy met the close, and the id that arrived twice.
    expect(at900?.retried).toBe(3);
    expect(at900?.medianFailureMs).toBe(2); // 2 and 3 ms (the cell), 1 ms (the UND_ERR_SOCKET row)
    expect(cells[0]?.medianFailureMs).toBeNull();
    expect(cells[0]?.medianResentOkMs).toBe(1);
  });

  it("reads race runs structurally (process = run, the target's after-close record when present)", () => {
    const rows = raceRows([
      {
        client: 'got',
        method: 'POST',
        target: { idleTimeoutMs: 300, hint: 'lying', idleClose: 'rst' },
        requests: [
          {
            round: 3,
            gapMs: 10,
            ok: true,
            code: null,
            elapsedMs: 1,
            arrived: 1,
            served: 1,
            targetIdleMs: 10,
            firstCopyAfterClose: false,
          },
        ],
      },
    ]);
    expect(rows).toEqual([
      row({
        client: 'got',
        method: 'POST',
        idleTimeoutMs: 300,
        hint: 'lying',
        idleClose: 'rst',
        gapMs: 10,
        burst: '0.3',
        process: '0',
        afterClose: false,
      }),
    ]);
  });
});

describe('exposure: requests that met a closed connection', () => {
  it("met a closed connection: the target's after-close record, else (older runs) the close was due; or failed unseen", () => {
    expect(metClosedConnection(row({ targetIdleMs: 1012 }))).toBe(true);
    // Arrived after the close was due but before the late timer fired: the target's record says not exposed.
    expect(metClosedConnection(row({ targetIdleMs: 1012, afterClose: false }))).toBe(false);
    // Older runs without the record: the close was due (targetIdleMs ≥ T).
    const { afterClose: _a, ...due } = row({ targetIdleMs: 1000.5 });
    expect(metClosedConnection(due)).toBe(true);
    const { afterClose: _b, ...notDue } = row({ targetIdleMs: 999 });
    expect(metClosedConnection(notDue)).toBe(false);
    expect(metClosedConnection(fresh({ ok: false, code: 'ECONNRESET', arrived: 0, served: 0 }))).toBe(true);
    expect(metClosedConnection(fresh())).toBe(false);
    const { targetIdleMs: _t, afterClose: _c, ...old } = row();
    expect(metClosedConnection(old)).toBe(false);
  });

  it('resent: an id that arrived twice, or whose first copy met a closed connection and arrived later', () => {
    expect(resent(row({ arrived: 2, afterClose: false }))).toBe(true);
    expect(resent(row({ arrived: 1 }))).toBe(true); // got GET: first copy after the close, answered later
    expect(resent(row({ arrived: 1, afterClose: false }))).toBe(false);
    expect(resent(row({ arrived: 0, ok: false }))).toBe(false);
    expect(resent(fresh())).toBe(false);
    expect(couldShowResend(beforeClose({ arrived: 1, served: 0, ok: false }))).toBe(true); // closed on at arrival
    expect(couldShowResend(beforeClose())).toBe(false);
  });

  it('the interval is over client processes, each one fraction of its exposed requests', () => {
    // 10 processes, each 10 exposed requests of which 1 failed, plus fresh successes that do not count.
    const rows = [
      ...cell(999, 100, 10),
      ...Array.from({ length: 50 }, (_, i) => fresh({ gapMs: 999, process: `p${i % 10}` })),
    ];
    const iv = exposedInterval(rows);
    expect([iv.bursts, iv.requests, iv.failures]).toEqual([10, 100, 10]);
    expect(iv.rate).toBeCloseTo(0.1);
    const few = exposedInterval(cell(999, 100, 10, {}, MIN_EXPOSED_PROCESSES - 1));
    expect(few.bursts).toBe(MIN_EXPOSED_PROCESSES - 1);
    expect(few.low).toBeNaN();
  });
});

describe('claims (per request that met a closed connection, process as the unit)', () => {
  it('"fails no request" holds when no exposed request failed in ≥ 10 processes', () => {
    const v = noFailureClaim({
      id: 'safe',
      client: 'node-http',
      method: 'GET',
      rows: [...cell(998, 200, 0), ...cell(999, 200, 0)],
      condition: 'c',
    });
    expect(v.outcome).toBe('holds');
    expect(v.kind).toBe('claim');
    expect(v.evidence['exposed']).toBe(400);
    expect(v.evidence['threshold']).toContain(String(NO_FAILURE_MAX_RATE));
    expect(v.claim).toContain('revised after seeing runs');
  });

  it('"fails no request" fails on the exposed requests even when the other requests of the burst went fresh and succeeded', () => {
    // The 3c964fce pattern: per process 10 exposed requests that all failed, 54 on fresh connections that succeeded.
    // The old ≥ 90 %-reused rule dropped such bursts; the exposure rule counts exactly the requests that met the close.
    const rows = [
      ...cell(999, 100, 100, { client: 'axios' }),
      ...Array.from({ length: 540 }, (_, i) =>
        fresh({ client: 'axios', gapMs: 999, burst: `999.${i % 10}`, process: `p${i % 10}` }),
      ),
    ];
    expect(burstReuse(rows).every((b) => !b.exercised)).toBe(true);
    const v = noFailureClaim({ id: 'x', client: 'axios', method: 'GET', rows, condition: 'c' });
    expect(v.outcome).toBe('fails');
    expect(v.evidence['failedExposed']).toBe(100);
    expect(v.evidence['failedUnexposed']).toBe(0);
  });

  it(`is unresolved (not exercised) below ${MIN_EXPOSED} exposed requests or ${MIN_EXPOSED_PROCESSES} processes`, () => {
    const low = [
      ...cell(999, 20, 0, { client: 'undici-request' }),
      ...cell(999, 400, 0, { client: 'undici-request', afterClose: false }),
    ];
    const v = noFailureClaim({ id: 'u', client: 'undici-request', method: 'GET', rows: low, condition: 'c' });
    expect(v.outcome).toBe('unresolved');
    expect(String(v.evidence['reason'])).toBe(`${NOT_EXERCISED}: 20 exposed < ${MIN_EXPOSED}`);
    // A guard decided, not the interval: the headline prints the reason (study.ts outcomeLabel).
    expect(v.evidence['comparable']).toBe(false);
    const fewProcesses = someFailuresClaim({
      id: 's',
      client: 'node-http',
      method: 'GET',
      rows: cell(999, 100, 50, {}, 3),
      condition: 'c',
      gapRangeMs: [990, 1010],
    });
    expect(fewProcesses.outcome).toBe('unresolved');
    expect(String(fewProcesses.evidence['reason'])).toContain('3 client processes');
  });

  it('the control gates "fails no request": quiet or unexercised control unresolved, raced control decides', () => {
    // 400 clean exposed requests: the pooled interval's upper end (0.92 %) is below 1 % (200 would give 1.83 %).
    const mine = cell(999, 400, 0, { client: 'undici-request' });
    const quiet = noFailureClaim({
      id: 'safe',
      client: 'undici-request',
      method: 'GET',
      rows: mine,
      condition: 'c',
      control: { client: 'node-http', rows: cell(999, 200, 1) },
    });
    expect(quiet.outcome).toBe('unresolved');
    expect(String(quiet.evidence['reason'])).toContain('failed 1 of 200 requests that met a closed connection');
    const unexercised = noFailureClaim({
      id: 'safe',
      client: 'undici-request',
      method: 'GET',
      rows: mine,
      condition: 'c',
      control: { client: 'node-http', rows: cell(999, 20, 20) },
    });
    expect(String(unexercised.evidence['reason'])).toContain(`20 exposed < ${MIN_EXPOSED}`);
    const held = noFailureClaim({
      id: 'safe',
      client: 'undici-request',
      method: 'GET',
      rows: mine,
      condition: 'c',
      control: { client: 'node-http', rows: cell(999, 200, 100) },
    });
    expect(held.outcome).toBe('holds');
    expect(held.evidence['controlFailedExposed']).toBe(100);
    // Another mode or gap does not gate.
    const otherMode = noFailureClaim({
      id: 'safe',
      client: 'undici-request',
      method: 'GET',
      rows: mine,
      condition: 'c',
      control: { client: 'node-http', rows: cell(999, 200, 100, { hint: 'true' }) },
    });
    expect(otherMode.outcome).toBe('unresolved');
    const g = controlGate(cell(999, 200, 100));
    expect(g.raced).toBe(true);
    expect(g.text).toContain('failed 100 of 200 requests that met a closed connection, in 10 of 10 client processes');
  });

  it('"fails some requests" holds and fails on the gaps named only', () => {
    const rows = [...cell(500, 200, 0), ...cell(1005, 100, 40), ...cell(3000, 100, 0)];
    const holds = someFailuresClaim({
      id: 'r',
      client: 'node-http',
      method: 'GET',
      rows,
      condition: 'c',
      gapRangeMs: [990, 1010],
    });
    expect(holds.outcome).toBe('holds');
    expect(holds.evidence['failedExposed']).toBe(40);
    const fails = someFailuresClaim({
      id: 'r2',
      client: 'node-http',
      method: 'GET',
      rows,
      condition: 'c',
      gapRangeMs: [2000, 4000],
    });
    expect(fails.outcome).toBe('fails');
  });

  it('"never sends a POST twice" counts over the requests that could show a resend, and sees resends after a close', () => {
    const once = cell(500, 10, 10, { method: 'POST' });
    const held = noRetryClaim({
      id: 'p',
      client: 'node-http',
      method: 'POST',
      rows: [...once, fresh({ method: 'POST' })],
    });
    expect(held.outcome).toBe('holds');
    expect(held.evidence['couldShowResend']).toBe(10);
    expect(held.evidence['requestsSent']).toBe(11);
    // A first copy that met the closed connection, answered later: a resend the target's arrival count alone misses.
    const resentPost = noRetryClaim({
      id: 'p',
      client: 'got',
      method: 'POST',
      rows: [...once, row({ client: 'got', method: 'POST' })].map((r) => ({ ...r, client: 'got' })),
    });
    expect(resentPost.outcome).toBe('fails');
    expect(resentPost.evidence['retried']).toBe(1);
    const twice = noRetryClaim({
      id: 'p',
      client: 'node-http',
      method: 'POST',
      rows: [...once, beforeClose({ method: 'POST', arrived: 2 })],
    });
    expect(twice.outcome).toBe('fails');
    expect(twice.evidence['maxArrivals']).toBe(2);
    // Nothing that could show a resend: it cannot hold, and says why instead of failing.
    const nothing = noRetryClaim({ id: 'p', client: 'node-http', method: 'POST', rows: [fresh({ method: 'POST' })] });
    expect(nothing.outcome).toBe('unresolved');
    expect(nothing.evidence).toMatchObject({
      comparable: false,
      reason: 'no POST met a close, so none could show a resend',
    });
  });

  it('"never sends a POST twice" is a sanity check for a client with no retry that applies, both sides', () => {
    const once = cell(500, 10, 3, { method: 'POST', afterClose: false, arrived: 1, served: 0 });
    const held = noRetryClaim({ id: 'p', client: 'node-http', method: 'POST', rows: once, kind: 'sanity' });
    expect(held.kind).toBe('sanity');
    expect(held.outcome).toBe('holds');
    const dup = noRetryClaim({
      id: 'p',
      client: 'node-http',
      method: 'POST',
      rows: [...once, row({ method: 'POST', arrived: 2 })],
      kind: 'sanity',
    });
    expect(dup.kind).toBe('sanity');
    expect(dup.outcome).toBe('fails');
    expect(noRetryClaim({ id: 'p', client: 'node-http', method: 'POST', rows: once }).kind).toBe('claim');
  });

  it('sanity checks: the id join and the leak check, both sides', () => {
    expect(joinSanity('j', cell(10, 5, 2)).outcome).toBe('holds');
    expect(joinSanity('j', [row({ arrived: 0, served: 0 })]).outcome).toBe('fails');
    expect(joinSanity('j', [row({ arrived: 1, served: 2 })]).kind).toBe('sanity');
    const clean = { client: 'a', openAfter: 1, counters: { stalledConnections: 1 } };
    expect(noLeakSanity('l', [clean]).outcome).toBe('holds');
    const leak = noLeakSanity('l', [clean, { client: 'b', openAfter: 2, counters: { stalledConnections: 0 } }]);
    expect(leak.outcome).toBe('fails');
    expect(leak.evidence['leaked']).toBe(2);
  });
});

describe('descriptive: bursts on reused connections (no longer decides a claim)', () => {
  it('a request went out on a reused connection when the target saw it idle over the gap, or it failed unseen', () => {
    expect(sentOnReused(row({ gapMs: 1000, targetIdleMs: 1001.5 }))).toBe(true);
    expect(sentOnReused(row({ gapMs: 1000, targetIdleMs: 0.4 }))).toBe(false);
    expect(sentOnReused(fresh({ gapMs: 1000 }))).toBe(false);
    expect(sentOnReused(fresh({ gapMs: 1000, ok: false, code: 'ECONNRESET', arrived: 0, served: 0 }))).toBe(true);
  });

  it(`a burst is "reused" at ${MIN_REUSED_SHARE * 100} % of its requests on reused connections`, () => {
    const nine = [...Array.from({ length: 9 }, () => row({ burst: 'a' })), fresh({ burst: 'a' })];
    const eight = [
      ...Array.from({ length: 8 }, () => row({ burst: 'b' })),
      fresh({ burst: 'b' }),
      fresh({ burst: 'b' }),
    ];
    expect(burstReuse([...nine, ...eight])).toEqual([
      { burst: 'a', requests: 10, reused: 9, exercised: true },
      { burst: 'b', requests: 10, reused: 8, exercised: false },
    ]);
    expect(exercisedRows([...nine, ...eight])).toEqual(nine);
    expect(MIN_BURSTS).toBe(10);
  });
});

/**
 * One burst of `n` first writes on kept connections, each landing 2 ms after its due close, on the shared clock (µs):
 * the first `stale` went onto a connection whose FIN the target sent 1.5 ms before the burst's first write, the next
 * `late` onto one whose FIN went out 0.5 ms before it (exposed, not stale), the rest onto open connections. A write
 * that met a FIN failed (no retry) unless `retried`: then it was written twice and succeeded.
 */
const clockBurst = (
  client: string,
  p: number,
  n: number,
  stale: number,
  late = 0,
  over: Partial<RaceRow> = {},
  retried = false,
): RaceRow[] => {
  const start = 10_000_000 + p * 1_000_000;
  return Array.from({ length: n }, (_, k) => {
    const writtenAtUs = start + k * 100;
    const finAtUs = k < stale ? start - 1500 : k < stale + late ? start - 500 : null;
    const met = finAtUs !== null;
    return row({
      client,
      burst: `${client}.${p}`,
      process: `p${p}`,
      ok: !met || retried,
      code: met && !retried ? 'UND_ERR_SOCKET' : null,
      arrived: met && !retried ? 0 : 1,
      served: met && !retried ? 0 : 1,
      writtenAtUs,
      writes: met && retried ? 2 : 1,
      targetConnection: 1000 * p + k,
      finAtUs,
      dueAtUs: writtenAtUs - 2000,
      ...over,
    });
  });
};
/** `processes` client processes, one clockBurst each. */
const clockRows = (client: string, processes: number, n: number, stale: number, late = 0, retried = false) =>
  Array.from({ length: processes }, (_, p) => clockBurst(client, p, n, stale, late, {}, retried)).flat();

describe('intervals that do not collapse (pooled Clopper–Pearson beside t over processes)', () => {
  it('0 of 912 in 10 processes: t collapses to 0–0, the pooled interval does not, the claim takes the wider', () => {
    const rows = cell(999, 912, 0);
    const e = rateEstimate(rows, metClosedConnection, (r) => !r.ok);
    expect([e.events, e.requests, e.processes, e.processesInRows]).toEqual([0, 912, 10, 10]);
    expect([e.perProcess.low, e.perProcess.high]).toEqual([0, 0]);
    expect(e.pooled.high).toBeCloseTo(1 - 0.025 ** (1 / 912), 6);
    expect(e.high).toBe(e.pooled.high);
    expect(rateCountsText(e, 'exposed GETs', 'failed')).toBe(
      '0 of 912 exposed GETs failed, in 10 of 10 client processes',
    );
  });

  it('every process failing all its exposed requests: t is 1–1, the pooled interval and the claim are not', () => {
    const v = someFailuresClaim({
      id: 's',
      client: 'node-http',
      method: 'GET',
      rows: cell(999, 100, 100),
      condition: 'c',
      gapRangeMs: [990, 1010],
    });
    expect(v.outcome).toBe('holds');
    expect(v.statistic?.ci95?.[0]).toBeLessThan(1);
    expect(v.evidence['counts']).toBe(
      '100 of 100 requests that met a closed connection failed, in 10 of 10 client processes',
    );
    expect(v.evidence['perProcessLow']).toBe(1);
  });
});

describe('the shared clock: exposure decided on write and FIN times', () => {
  it('classifies each first write against the FIN of its connection, and where it landed', () => {
    const [exposed, under, open] = [
      row({ writtenAtUs: 2000, targetConnection: 1, finAtUs: 1500, dueAtUs: 1000 }),
      row({ writtenAtUs: 1200, targetConnection: 1, finAtUs: 1500, dueAtUs: 1000 }),
      row({ writtenAtUs: 1200, targetConnection: 2, finAtUs: null, dueAtUs: 1000 }),
    ];
    expect([exposed, under, open].map(writeExposure)).toEqual(['exposed', 'closed-under-it', 'open']);
    expect(writeExposure(row({ writtenAtUs: null }))).toBe('no-write-time');
    expect(writeExposure(row({ writtenAtUs: 5, targetConnection: null }))).toBe('not-joined');
    expect(writeExposure(row())).toBe('not-recorded');
    expect(writtenAfterFinMs(exposed)).toBe(0.5);
    expect(landingMs(under)).toBe(0.2);
    expect(landingMs(row({ writtenAtUs: 5, targetConnection: 1, dueAtUs: null }))).toBeNull();
  });

  it(`a write is stale when the FIN went out more than ${STALE_FIN_MS} ms before the burst's first write`, () => {
    const burst = clockBurst('undici-request', 0, 10, 2, 3);
    const start = burstWriteStarts(burst).get('undici-request.0');
    expect(start).toBe(10_000_000);
    expect(burst.filter((r) => staleWrite(r, start)).map((r) => r.writtenAtUs)).toEqual([10_000_000, 10_000_100]);
    // The late FIN (0.5 ms before the burst) was written on after it: exposed, but not stale.
    expect(burst.filter((r) => writeExposure(r) === 'exposed')).toHaveLength(5);
    expect(EXPOSURE_WINDOW_MS).toEqual([-3, 20]);
  });

  it('"no stale writes" (an idle-socket check, exploratory) does not hold on data where the client wrote onto FINs it had time to see', () => {
    const v = exposureClaim({
      id: 'x',
      client: 'undici-request',
      method: 'GET',
      rows: [...clockRows('undici-request', 10, 10, 3), ...clockRows('node-http', 10, 10, 3)],
      condition: 'c',
      expect: 'none',
      control: { client: 'node-http', rows: clockRows('node-http', 10, 10, 3) },
    });
    // Exploratory since the second reader of keepalive-races-d65d06f3: never counted, and says why.
    expect(v.kind).toBe('exploratory');
    expect(v.claim).toContain(`(exploratory: ${EXPOSURE_EXPLORATORY})`);
    expect(v.evidence['exploratory']).toBe(EXPOSURE_EXPLORATORY);
    expect(v.outcome).toBe('fails');
    expect(v.evidence['stale']).toBe(30);
    expect(v.evidence['counts']).toContain(
      '30 of 100 first GET writes on a kept connection landing in [T−3 ms, T+20 ms]',
    );
    expect(v.claim).toContain(`more than ${STALE_FIN_MS} ms before the client began writing that burst`);
  });

  it('"no stale writes" HOLDS when none of ≥ 368 writes in the window was stale and the control wrote stale', () => {
    const control = { client: 'node-http', rows: clockRows('node-http', 10, 40, 12) };
    // Exposed writes whose FIN arrived as the burst was being written (0.5 ms before it began) do not count.
    const v = exposureClaim({
      id: 'x',
      client: 'undici-request',
      method: 'GET',
      rows: clockRows('undici-request', 10, 40, 0, 4),
      condition: 'c',
      expect: 'none',
      control,
    });
    expect(v.outcome).toBe('holds');
    expect(v.evidence['writesInWindow']).toBe(400);
    expect(v.evidence['exposedAll']).toBe(40);
    expect(v.evidence['controlCounts']).toBe(
      '120 of 400 first GET writes on a kept connection landing in [T−3 ms, T+20 ms] were stale, in 10 of 10 client processes',
    );
    // Without a control that wrote stale, the same data cannot decide it.
    const quiet = exposureClaim({
      id: 'x',
      client: 'undici-request',
      method: 'GET',
      rows: clockRows('undici-request', 10, 40, 0, 4),
      condition: 'c',
      expect: 'none',
      control: { client: 'node-http', rows: clockRows('node-http', 10, 40, 0) },
    });
    expect(quiet.outcome).toBe('unresolved');
    expect(String(quiet.evidence['reason'])).toContain('the race was not shown to occur');
  });

  it('"writes some stale" (no check) holds and fails; outside the window or too few processes it is not decided', () => {
    const some = (rows: RaceRow[]) =>
      exposureClaim({ id: 's', client: 'node-http', method: 'GET', rows, condition: 'c', expect: 'some' });
    expect(some(clockRows('node-http', 10, 40, 12)).outcome).toBe('holds');
    expect(some(clockRows('node-http', 10, 40, 0)).outcome).toBe('fails');
    const late = clockRows('node-http', 10, 40, 12).map((r) => ({ ...r, dueAtUs: (r.writtenAtUs as number) - 50_000 }));
    expect(String(some(late).evidence['reason'])).toContain('not exercised: 0 writes in the window');
    expect(some(clockRows('node-http', 3, 40, 12)).outcome).toBe('unresolved');
    expect(some(clockRows('node-http', 10, 40, 12)).kind).toBe('exploratory');
  });

  it('requests with no write time that outnumber the writes decided on leave the verdict unresolved, saying so', () => {
    // got's POST: the body's write() went out, end() after its callback never ran (a reset in between), so the
    // request.start channel never fired; the target saw the request arrive on the connection it had closed.
    const unstamped = Array.from({ length: 60 }, (_, i) =>
      row({
        client: 'got',
        method: 'POST',
        burst: `got.${i % 10}`,
        process: `p${i % 10}`,
        ok: false,
        code: 'ECONNRESET',
        served: 0,
        writtenAtUs: null,
        writes: 0,
        targetConnection: null,
        finAtUs: null,
        dueAtUs: null,
      }),
    );
    const stamped = clockRows('got', 10, 2, 1).map((r) => ({ ...r, method: 'POST' }));
    const rows = [...unstamped, ...stamped];
    const post = exposureClaim({ id: 'post.got', client: 'got', method: 'POST', rows, condition: 'c', expect: 'some' });
    expect(post.outcome).toBe('unresolved');
    expect(post.evidence['comparable']).toBe(false);
    expect(String(post.evidence['reason'])).toMatch(/^no write time for 60 requests \(60 of them reached the target/);
    expect(post.evidence['noWriteTimeArrivedAfterClose']).toBe(60);
    const sanity = failsWhenClosedSanity({ id: 'f', client: 'got', method: 'POST', rows });
    expect(sanity.kind).toBe('sanity');
    expect(sanity.outcome).toBe('unresolved');
    expect(String(sanity.evidence['reason'])).toContain('no write time for 60 requests');
    expect(sanity.claim).not.toContain('none met one');
    // A success among the stamped requests that met a close still fails the check.
    const answered = rows.map((r, i) => (i === 60 ? { ...r, ok: true } : r));
    expect(failsWhenClosedSanity({ id: 'f', client: 'got', method: 'POST', rows: answered }).outcome).toBe('fails');
    // A few unstamped requests beside many stamped ones: decided as before.
    const fewUnstamped = [
      ...unstamped.slice(0, 2),
      ...clockRows('got', 10, 10, 3).map((r) => ({ ...r, method: 'POST' })),
    ];
    expect(failsWhenClosedSanity({ id: 'f', client: 'got', method: 'POST', rows: fewUnstamped }).outcome).toBe('holds');
  });

  it('without a retry, every request that met a closed connection fails: a sanity check, both sides', () => {
    const held = failsWhenClosedSanity({
      id: 'f',
      client: 'node-http',
      method: 'GET',
      rows: clockRows('node-http', 2, 10, 3, 2),
    });
    expect(held.kind).toBe('sanity');
    expect(held.outcome).toBe('holds');
    expect(held.evidence['metClose']).toBe(10);
    const answered = clockRows('node-http', 1, 10, 3).map((r, i) => (i === 0 ? { ...r, ok: true } : r));
    expect(failsWhenClosedSanity({ id: 'f', client: 'node-http', method: 'GET', rows: answered }).outcome).toBe(
      'fails',
    );
  });

  it('a sanity check with no request that met a closed connection is unresolved ("none met one"), never a hold', () => {
    const none = failsWhenClosedSanity({ id: 'f', client: 'node-fetch', method: 'GET', rows: [] });
    expect(none.outcome).toBe('unresolved');
    expect(none.claim).toContain('none met one');
    const notMet = failsWhenClosedSanity({
      id: 'f',
      client: 'node-http',
      method: 'GET',
      rows: [beforeClose({ writtenAtUs: 1000, finAtUs: null, dueAtUs: 2000, targetConnection: 1 })],
    });
    expect(notMet.outcome).toBe('unresolved');
  });

  it('a retry claim: every request that met a close was sent again and none failed (counted, can fail)', () => {
    const resendAll = clockRows('got', 10, 10, 2, 2, true);
    const v = retryResendsClaim({ id: 'r', client: 'got', method: 'GET', rows: resendAll, condition: 'c' });
    expect(v.kind).toBe('claim');
    expect(v.outcome).toBe('holds');
    expect(v.evidence['counts']).toBe('0 of 40 GETs that met a closed connection failed, in 10 of 10 client processes');
    const oneFailed = resendAll.map((r, i) => (i === 0 ? { ...r, ok: false, writes: 1 } : r));
    expect(retryResendsClaim({ id: 'r', client: 'got', method: 'GET', rows: oneFailed, condition: 'c' }).outcome).toBe(
      'fails',
    );
    // Answered on the first write, never sent again (the target saw no copy after its close): the claim fails.
    const notResentAtAll = resendAll.map((r) => (r.finAtUs === null ? r : { ...r, writes: 1, afterClose: false }));
    expect(
      retryResendsClaim({ id: 'r', client: 'got', method: 'GET', rows: notResentAtAll, condition: 'c' }).outcome,
    ).toBe('fails');
    const few = retryResendsClaim({
      id: 'r',
      client: 'got',
      method: 'GET',
      rows: clockRows('got', 3, 10, 2, 2, true),
      condition: 'c',
    });
    expect(few.outcome).toBe('unresolved');
    expect(few.evidence).toMatchObject({ comparable: false });
    expect(String(few.evidence['reason'])).toContain('in 3 client processes');
  });

  it('summarises per client where writes landed, all and in the window (the matched-landing comparison)', () => {
    const late = clockBurst('axios', 9, 10, 5, 0, {}).map((r) => ({
      ...r,
      dueAtUs: (r.writtenAtUs as number) - 60_000,
    }));
    const [node, axios] = clockSummaries([
      ...clockRows('node-http', 2, 10, 3),
      ...clockRows('axios', 1, 10, 5),
      ...late,
    ]);
    expect(node).toMatchObject({
      client: 'node-http',
      requests: 20,
      inWindow: 20,
      exposed: 6,
      stale: 6,
      staleInWindow: 6,
    });
    expect(axios).toMatchObject({ requests: 20, onKept: 20, inWindow: 10, stale: 10, staleInWindow: 5 });
    expect(axios?.landingMaxMs).toBe(60);
  });
});

describe('the landing table: stale writes by landing bin over ALL first writes (exploratory)', () => {
  /** A first write `landMs` after a due close at 10 s: on a kept connection (own due), or fresh (the round's due). */
  const T0 = 10_000_000;
  const write = (client: string, landMs: number, kind: 'kept-stale' | 'kept-open' | 'fresh', p = 0): RaceRow =>
    row({
      client,
      burst: `${client}.${p}`,
      process: `p${p}`,
      writtenAtUs: T0 + landMs * 1000,
      writes: 1,
      targetConnection: kind === 'fresh' ? 900 : 1,
      // A stale write: its FIN went out 5 ms before the due close, well before the burst's first write (at T0 − 2 ms).
      finAtUs: kind === 'kept-stale' ? T0 - 5000 : null,
      dueAtUs: kind === 'fresh' ? null : T0,
      roundDueAtUs: T0,
      ok: kind !== 'kept-stale',
    });

  it('bins kept writes by their own due close, fresh writes by the round due close, unstamped requests apart', () => {
    const rows = [
      write('undici-request', -2, 'kept-open'),
      write('undici-request', 3, 'fresh'),
      write('undici-request', 4, 'fresh'),
      write('undici-request', 5, 'kept-stale'),
      write('undici-request', 30, 'fresh'),
      row({ client: 'undici-request', burst: 'undici-request.0', writtenAtUs: null, targetConnection: null }),
      write('node-http', 0.5, 'kept-open'),
      write('node-http', 3, 'kept-stale'),
      write('node-http', 6, 'kept-stale'),
      write('node-http', 12, 'kept-stale'),
    ];
    const bins = landingBins(rows);
    const of = (client: string, bin: string) => bins.find((b) => b.client === client && b.bin === bin);
    expect(bins.map((b) => [b.client, b.bin, b.writes])).toEqual([
      ['undici-request', 'before the due close', 1],
      ['undici-request', '1–8 ms after', 3],
      ['undici-request', '> 20 ms after', 1],
      ['undici-request', NO_WRITE_TIME_BIN, 1],
      ['node-http', '0–1 ms after', 1],
      ['node-http', '1–8 ms after', 2],
      ['node-http', '8–20 ms after', 1],
    ]);
    // At the same landing (1–8 ms), undici put two of three on fresh connections: its stale share counts them.
    expect(of('undici-request', '1–8 ms after')).toMatchObject({ onKept: 1, onFresh: 2, stale: 1, failed: 1 });
    expect(of('undici-request', '1–8 ms after')?.staleShare).toBeCloseTo(1 / 3, 9);
    expect(of('node-http', '1–8 ms after')).toMatchObject({ onKept: 2, onFresh: 0, stale: 2, staleShare: 1 });
    expect(of('undici-request', NO_WRITE_TIME_BIN)).toMatchObject({ writes: 1, stale: 0, notJoined: 0 });
    expect(LANDING_BINS.map((b) => b.label)).toEqual([
      'before the due close',
      '0–1 ms after',
      '1–8 ms after',
      '8–20 ms after',
      '> 20 ms after',
    ]);
    expect(writeLandingMs(write('x', 3, 'fresh'))).toBe(3);
    // A fresh write in a round whose due close is not known cannot be placed: a bin of its own.
    const unplaced = { ...write('x', 3, 'fresh'), roundDueAtUs: null };
    expect(writeLandingMs(unplaced)).toBeNull();
    expect(landingBins([unplaced])[0]?.bin).toBe(NO_DUE_CLOSE_BIN);
  });

  it("times a burst's fresh writes against its kept writes' due close (median), not the earlier round due close", () => {
    // A mixed burst: the round's earliest due close is 25 ms before the kept connections' own (T0, T0 + 2 ms, T0 + 4 ms:
    // median T0 + 2 ms). A fresh write that went out 1 ms before a kept write lands in the same bin as it.
    const mixed = (landMs: number, kind: 'kept-open' | 'fresh', dueMs = 0): RaceRow => ({
      ...write('undici-request', landMs, kind),
      ...(kind === 'fresh' ? {} : { dueAtUs: T0 + dueMs * 1000 }),
      writtenAtUs: T0 + landMs * 1000,
      roundDueAtUs: T0 - 25_000,
    });
    const rows = [mixed(12, 'kept-open', 0), mixed(14, 'kept-open', 2), mixed(16, 'kept-open', 4), mixed(15, 'fresh')];
    const bins = landingBins(rows);
    expect(bins.map((b) => [b.bin, b.writes, b.onKept, b.onFresh, b.freshByBurstDue, b.freshByRoundDue])).toEqual([
      ['8–20 ms after', 4, 3, 1, 1, 0],
    ]);
    expect(burstKeptDueAtUs(rows).get('undici-request.0')).toBe(T0 + 2000);
    expect(writeLandingMs(mixed(15, 'fresh'), { burstDueUs: T0 + 2000 })).toBe(13);
    // Against the round's due close (the old reference) it would be 40 ms late: "> 20 ms after".
    expect(writeLandingMs(mixed(15, 'fresh'))).toBe(40);
    // A burst with no kept write falls back to the round's due close, and says so.
    const lone = landingBins([{ ...mixed(15, 'fresh'), burst: 'other' }]);
    expect(lone.map((b) => [b.bin, b.freshByBurstDue, b.freshByRoundDue])).toEqual([['> 20 ms after', 0, 1]]);
  });

  it('the stale chart draws a bar per client and landing bin only with data from enough processes', () => {
    const rows = [
      ...[0, 1, 2, 3, 4].map((p) => write('node-http', 12, 'kept-stale', p)),
      ...[0, 1, 2].map((p) => write('undici-request', 12, 'kept-open', p)),
    ];
    const { bars, omitted } = landingChartBars(landingBins(rows), ['node-http', 'undici-request', 'node-fetch'], 5);
    expect(bars).toEqual([
      { client: 'node-http', method: 'GET', bin: '8–20 ms after', stalePct: 100, writes: 5, processes: 5 },
    ]);
    const at = omitted.filter((o) => o.bin === '8–20 ms after');
    expect(at).toEqual([
      { client: 'undici-request', method: 'GET', bin: '8–20 ms after', reason: 'too few processes (3 < 5)' },
      { client: 'node-fetch', method: 'GET', bin: '8–20 ms after', reason: 'no data' },
    ]);
    // No 0 % bar for a client with no writes: every other bin is omitted as no data.
    expect(bars.some((b) => b.client === 'node-fetch')).toBe(false);
    expect(omitted.filter((o) => o.reason === 'no data')).toHaveLength(4 * 3 + 1);
  });

  it("raceRows takes each round's due close from the target's connections idle since the round's warm-up", () => {
    const T = 1000;
    const gapMs = 997;
    // Round 0: warm-up responses ended at 1.000 s and 1.010 s (target clock); the burst's first write at 2.000 s.
    // An idle start from the round before (0.000 s) and one after the burst (2.050 s) are not this round's.
    const run = {
      client: 'undici-request',
      method: 'GET',
      target: { idleTimeoutMs: T, hint: 'absent', idleClose: 'fin' },
      counters: {
        connections: [
          { closeIdleSinceUs: 0 },
          { closeIdleSinceUs: 1_000_000 },
          { closeIdleSinceUs: 1_010_000 },
          { closeIdleSinceUs: 2_050_000 },
          { closeIdleSinceUs: null },
        ],
      },
      requests: [2_000_000, 2_000_300].map((writtenAtUs) => ({
        round: 0,
        gapMs,
        ok: true,
        code: null,
        elapsedMs: 1,
        arrived: 1,
        served: 1,
        targetIdleMs: null,
        firstCopyAfterClose: null,
        writtenAtUs,
        writes: 1,
        targetConnection: 7,
        finAtUs: null,
        dueAtUs: null,
      })),
    };
    const rows = raceRows([run]);
    expect(rows.map((r) => r.roundDueAtUs)).toEqual([2_000_000, 2_000_000]);
    expect(rows.map((r) => writeLandingMs(r))).toEqual([0, 0.3]);
    // Without a connection list, the round's own joined writes with an idle period stand in.
    const own = raceRows([
      { ...run, counters: {}, requests: run.requests.map((q, i) => (i === 0 ? { ...q, dueAtUs: 2_001_000 } : q)) },
    ]);
    expect(own.map((r) => r.roundDueAtUs)).toEqual([2_001_000, 2_001_000]);
    expect(roundDueAtUs({ ...run, requests: [] }).size).toBe(0);
  });
});

describe('every counted family kept can fail (a unit test with data that fails it)', () => {
  it('stall-timeout.*: a request still waiting at the cap fails the configured timeout', () => {
    const stalled = (elapsedMs: number): RaceRow =>
      row({ client: 'got', ok: false, code: 'ETIMEDOUT', elapsedMs, targetIdleMs: 1100, idleTimeoutMs: 300 });
    const input = { id: 'stall-timeout.got', client: 'got', timeoutMs: 500, slackMs: 300, capMs: 1500 };
    expect(stallTimeoutClaim({ ...input, rows: [stalled(510), stalled(520)] })).toMatchObject({
      kind: 'claim',
      outcome: 'holds',
    });
    expect(stallTimeoutClaim({ ...input, rows: [stalled(510), stalled(1500)] }).outcome).toBe('fails');
    const none = stallTimeoutClaim({ ...input, rows: [row({ client: 'got', targetIdleMs: null })] });
    expect(none.outcome).toBe('unresolved');
    expect(none.evidence).toMatchObject({ comparable: false, reason: 'no request went to the stalled connection' });
  });

  it('det.* retry claims: one failure fails them, and the text says they come from one client process', () => {
    const rows = Array.from({ length: 64 }, (_, i) => row({ client: 'got', arrived: i % 2 === 0 ? 2 : 1 }));
    const held = retryAvoidsFailuresClaim({ id: 'det.got.client-default.GET', claim: 'c', rows, maxFailures: 0 });
    expect(held).toMatchObject({ kind: 'claim', outcome: 'holds' });
    expect(held.claim).toBe('c (count, in one client process of 64 requests)');
    expect(held.evidence['processes']).toBe(1);
    const oneFailed = rows.map((r, i) => (i === 5 ? { ...r, ok: false, code: 'ECONNRESET' } : r));
    expect(retryAvoidsFailuresClaim({ id: 'd', claim: 'c', rows: oneFailed, maxFailures: 0 }).outcome).toBe('fails');
    const two = rows.map((r, i) => ({ ...r, process: `p${i % 2}` }));
    expect(retryAvoidsFailuresClaim({ id: 'd', claim: 'c', rows: two, maxFailures: 0 }).claim).toContain(
      'in 2 client processes of 64 requests',
    );
  });
});

describe("got's installed lines the notebook cites (got ships compiled dist/ only)", () => {
  const repo = path.resolve(__dirname, '..');
  const nb = JSON.parse(fs.readFileSync(path.join(repo, 'notebooks/08-keepalive-races.ipynb'), 'utf8')) as {
    cells: { source: string[] }[];
  };
  const text = nb.cells.map((c) => c.source.join('')).join('\n');

  it.each(KEEPALIVE_RACES_INSTALLED_REFS.map((r) => [r.id, r] as const))(
    '%s: the installed lines contain the token, and the notebook cites that range',
    (_id, ref) => {
      const dir = path.join(repo, 'node_modules', ref.pkg);
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
      expect(pkg.version).toBe(ref.version);
      const lines = fs
        .readFileSync(path.join(dir, ref.file), 'utf8')
        .split('\n')
        .slice(ref.lines[0] - 1, ref.lines[1]);
      expect(lines.join('\n')).toContain(ref.token);
      expect(text).toContain(`node_modules/${ref.pkg}/${ref.file}\` L${ref.lines[0]}–${ref.lines[1]}`);
    },
  );
});

describe("a write time is bounded by the first copy's arrival", () => {
  it("a stamp published after the write (Node's request.start from _finish) cannot put a write after its arrival", () => {
    // The deterministic race under load: the stamp trailed the bytes by 2 ms, past the target's FIN.
    expect(boundedWriteUs({ writtenAtUs: 23_927_478_353, arrivedAtUs: 23_927_476_000 })).toBe(23_927_476_000);
    // A stamp before the arrival stands; missing fields pass through.
    expect(boundedWriteUs({ writtenAtUs: 1_000, arrivedAtUs: 1_500 })).toBe(1_000);
    expect(boundedWriteUs({ writtenAtUs: 1_000, arrivedAtUs: null })).toBe(1_000);
    expect(boundedWriteUs({ writtenAtUs: null, arrivedAtUs: 1_500 })).toBeNull();
    expect(boundedWriteUs({ arrivedAtUs: 1_500 })).toBeUndefined();
  });
});
