import {
  binomialInterval,
  burstInterval,
  burstReuse,
  controlGate,
  couldShowResend,
  exercisedRows,
  exposedInterval,
  failureCells,
  joinSanity,
  MIN_BURSTS,
  MIN_EXPOSED,
  MIN_EXPOSED_PROCESSES,
  MIN_REUSED_SHARE,
  metClosedConnection,
  NO_FAILURE_MAX_RATE,
  NOT_EXERCISED,
  noFailureClaim,
  noLeakSanity,
  noRetryClaim,
  type RaceRow,
  raceRows,
  resent,
  sentOnReused,
  someFailuresClaim,
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
    expect(String(v.evidence['unresolvedBecause'])).toBe(`${NOT_EXERCISED}: 20 exposed < ${MIN_EXPOSED}`);
    const fewProcesses = someFailuresClaim({
      id: 's',
      client: 'node-http',
      method: 'GET',
      rows: cell(999, 100, 50, {}, 3),
      condition: 'c',
      gapRangeMs: [990, 1010],
    });
    expect(fewProcesses.outcome).toBe('unresolved');
    expect(String(fewProcesses.evidence['unresolvedBecause'])).toContain('3 client processes');
  });

  it('the control gates "fails no request": quiet or unexercised control unresolved, raced control decides', () => {
    const mine = cell(999, 200, 0, { client: 'undici-request' });
    const quiet = noFailureClaim({
      id: 'safe',
      client: 'undici-request',
      method: 'GET',
      rows: mine,
      condition: 'c',
      control: { client: 'node-http', rows: cell(999, 200, 1) },
    });
    expect(quiet.outcome).toBe('unresolved');
    expect(String(quiet.evidence['unresolvedBecause'])).toContain(
      'failed 1 of 200 requests that met a closed connection',
    );
    const unexercised = noFailureClaim({
      id: 'safe',
      client: 'undici-request',
      method: 'GET',
      rows: mine,
      condition: 'c',
      control: { client: 'node-http', rows: cell(999, 20, 20) },
    });
    expect(String(unexercised.evidence['unresolvedBecause'])).toContain(`20 exposed < ${MIN_EXPOSED}`);
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
    expect(g.text).toContain('failed 100 of 200 requests that met a closed connection, in 10 client processes');
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
    // Nothing that could show a resend: it cannot hold.
    expect(
      noRetryClaim({ id: 'p', client: 'node-http', method: 'POST', rows: [fresh({ method: 'POST' })] }).outcome,
    ).not.toBe('holds');
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
