import {
  binomialInterval,
  burstInterval,
  burstReuse,
  exercisedRows,
  failureCells,
  joinSanity,
  MIN_BURSTS,
  MIN_REUSED_SHARE,
  NO_FAILURE_MAX_RATE,
  NOT_EXERCISED,
  noFailureClaim,
  noLeakSanity,
  noRetryClaim,
  type RaceRow,
  raceRows,
  sentOnReused,
  someFailuresClaim,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

/** A request; unless `over` sets targetIdleMs, sent on a connection the target saw idle for the whole gap (reused). */
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
    ok: true,
    code: null,
    elapsedMs: 1,
    arrived: 1,
    served: 1,
    ...over,
  };
  return 'targetIdleMs' in over ? r : { ...r, targetIdleMs: r.gapMs };
};
/** The same request on a fresh connection: the target saw it first on a connection that had answered nothing. */
const fresh = (over: Partial<RaceRow> = {}): RaceRow => row({ ...over, targetIdleMs: null });

/**
 * n rows at one gap in `bursts` bursts (request i in burst i mod bursts), the first `failures` of them failed (reached
 * the target, closed on): failures spread evenly over the bursts.
 */
const cell = (gapMs: number, n: number, failures: number, over: Partial<RaceRow> = {}, bursts = 10): RaceRow[] =>
  Array.from({ length: n }, (_, i) =>
    i < failures
      ? row({
          gapMs,
          burst: `${gapMs}.${i % bursts}`,
          ok: false,
          code: 'ECONNRESET',
          elapsedMs: 2 + i,
          served: 0,
          ...over,
        })
      : row({ gapMs, burst: `${gapMs}.${i % bursts}`, ...over }),
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
    const rows = [...cell(990, 128, 64, {}, 1).map((r) => ({ ...r, burst: 'one' })), ...cell(995, 1152, 0, {}, 9)];
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
  it('counts failures by code, failures that reached the target, and retries per gap', () => {
    const rows = [
      ...cell(100, 4, 0),
      ...cell(900, 4, 2),
      row({ gapMs: 900, arrived: 2 }),
      row({ gapMs: 900, ok: false, code: 'UND_ERR_SOCKET', arrived: 0, served: 0 }),
    ];
    const cells = failureCells(rows);
    expect(cells.map((c) => [c.gapMs, c.n, c.failures])).toEqual([
      [100, 4, 0],
      [900, 6, 3],
    ]);
    const at900 = cells[1];
    expect(at900?.byCode).toEqual({ ECONNRESET: 2, UND_ERR_SOCKET: 1 });
    expect(at900?.failedButArrived).toBe(2);
    expect(at900?.retried).toBe(1);
    expect(at900?.medianFailureMs).toBe(2); // 2 and 3 ms (the cell), 1 ms (the UND_ERR_SOCKET row)
    expect(cells[0]?.medianFailureMs).toBeNull();
  });

  it('reads race runs structurally', () => {
    const rows = raceRows([
      {
        client: 'got',
        method: 'POST',
        target: { idleTimeoutMs: 300, hint: 'lying', idleClose: 'rst' },
        requests: [
          { round: 3, gapMs: 10, ok: true, code: null, elapsedMs: 1, arrived: 1, served: 1, targetIdleMs: 10 },
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
      }),
    ]);
  });
});

describe('claims', () => {
  it('"fails no request" holds with 10 clean bursts at every gap', () => {
    const v = noFailureClaim({
      id: 'undici.true-hint',
      client: 'node-http',
      method: 'GET',
      rows: [...cell(250, 400, 0), ...cell(950, 400, 0)],
      condition: 'with a true hint',
    });
    expect(v.outcome).toBe('holds');
    expect(v.kind).toBe('claim');
    expect(v.evidence['threshold']).toContain(String(NO_FAILURE_MAX_RATE));
  });

  it('"fails no request" fails when one gap fails often, and is unresolved with too few bursts', () => {
    const failing = noFailureClaim({
      id: 'x',
      client: 'node-http',
      method: 'GET',
      rows: [...cell(250, 400, 0), ...cell(950, 400, 40)],
      condition: 'with no hint',
    });
    expect(failing.outcome).toBe('fails');
    expect(failing.evidence['binding']).toBe('x.gap-950');
    const few = noFailureClaim({
      id: 'y',
      client: 'node-http',
      method: 'GET',
      rows: cell(250, 100, 0, {}, MIN_BURSTS - 1),
      condition: 'c',
    });
    expect(few.outcome).toBe('unresolved');
  });

  it('"fails no request" is unresolved when the positive control did not fail in the same rounds, decided when it did', () => {
    const mine = [...cell(1000, 200, 0, { client: 'undici-request' })];
    const quiet = cell(1000, 200, 0);
    const noRace = noFailureClaim({
      id: 'safe',
      client: 'undici-request',
      method: 'GET',
      rows: mine,
      condition: 'c',
      control: { client: 'node-http', rows: quiet },
    });
    expect(noRace.outcome).toBe('unresolved');
    expect(String(noRace.evidence['unresolvedBecause'])).toContain('the race was not shown to occur');
    const raced = cell(1000, 200, 30);
    const held = noFailureClaim({
      id: 'safe',
      client: 'undici-request',
      method: 'GET',
      rows: mine,
      condition: 'c',
      control: { client: 'node-http', rows: raced },
    });
    expect(held.outcome).toBe('holds');
    expect(held.evidence['controlFailures']).toBe(30);
    // The control at another gap does not count: same gaps only.
    const elsewhere = noFailureClaim({
      id: 'safe',
      client: 'undici-request',
      method: 'GET',
      rows: mine,
      condition: 'c',
      control: { client: 'node-http', rows: cell(1500, 200, 30) },
    });
    expect(elsewhere.outcome).toBe('unresolved');
  });

  it('"fails no request": one control failure is not a race; the control must clear the "fails some" bar in the same mode', () => {
    const mine = cell(1000, 200, 0, { client: 'undici-request' });
    // One failure in one of 10 bursts (0.5 % of that burst's share): the control's interval reaches 0.
    const once = noFailureClaim({
      id: 'safe',
      client: 'undici-request',
      method: 'GET',
      rows: mine,
      condition: 'c',
      control: { client: 'node-http', rows: cell(1000, 200, 1) },
    });
    expect(once.outcome).toBe('unresolved');
    expect(String(once.evidence['unresolvedBecause'])).toContain('failed 1 of 200');
    // The control raced, but in another target mode: it does not gate this mode's claim.
    const otherMode = noFailureClaim({
      id: 'safe',
      client: 'undici-request',
      method: 'GET',
      rows: mine,
      condition: 'c',
      control: { client: 'node-http', rows: cell(1000, 200, 30, { hint: 'true' }) },
    });
    expect(otherMode.outcome).toBe('unresolved');
    // Same mode, raced clearly (15 % in every burst): decided, and the claim can fail.
    const failing = noFailureClaim({
      id: 'safe',
      client: 'undici-request',
      method: 'GET',
      rows: cell(1000, 200, 40, { client: 'undici-request' }),
      condition: 'c',
      control: { client: 'node-http', rows: cell(1000, 200, 30) },
    });
    expect(failing.outcome).toBe('fails');
    expect(failing.evidence['controlBursts']).toBe(10);
  });

  it('"fails some requests in (T, hint)" holds and fails on the gaps named only', () => {
    const rows = [...cell(500, 200, 0), ...cell(1100, 100, 40), ...cell(3000, 100, 0)];
    const holds = someFailuresClaim({
      id: 'lying',
      client: 'node-http',
      method: 'GET',
      rows,
      condition: 'with a lying hint',
      gapRangeMs: [1000, 2000],
    });
    expect(holds.outcome).toBe('holds');
    expect(holds.evidence['failures']).toBe(40);
    const fails = someFailuresClaim({
      id: 'lying2',
      client: 'node-http',
      method: 'GET',
      rows,
      condition: 'with a lying hint',
      gapRangeMs: [2000, 4000],
    });
    expect(fails.outcome).toBe('fails');
  });

  it('"never retries a POST" is a count that holds at one arrival and fails at two', () => {
    const once = [...cell(500, 10, 3, { method: 'POST' })];
    expect(noRetryClaim({ id: 'p', client: 'node-http', method: 'POST', rows: once }).outcome).toBe('holds');
    const twice = [...once, row({ method: 'POST', arrived: 2 })];
    const v = noRetryClaim({ id: 'p', client: 'node-http', method: 'POST', rows: twice });
    expect(v.outcome).toBe('fails');
    expect(v.evidence['maxArrivals']).toBe(2);
    expect(noRetryClaim({ id: 'p', client: 'got', method: 'POST', rows: twice }).outcome).toBe('fails');
  });

  it('"never retries a POST" is a sanity check for a client with no retry that applies, both sides', () => {
    const once = cell(500, 10, 3, { method: 'POST' });
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

describe('the race was exercised: bursts on reused connections', () => {
  it('a request raced when the target saw its connection idle over the gap, or it failed without reaching it', () => {
    expect(sentOnReused(row({ gapMs: 1000, targetIdleMs: 1001.5 }))).toBe(true);
    expect(sentOnReused(row({ gapMs: 1000, targetIdleMs: 998 }))).toBe(true); // warmed a little after the first
    // Opened during the burst and reused within it: idle for about 0 ms, it never sat out the gap.
    expect(sentOnReused(row({ gapMs: 1000, targetIdleMs: 0.4 }))).toBe(false);
    expect(sentOnReused(fresh({ gapMs: 1000 }))).toBe(false);
    // Never reached the target and failed: written on a connection the target had closed.
    expect(sentOnReused(fresh({ gapMs: 1000, ok: false, code: 'ECONNRESET', arrived: 0, served: 0 }))).toBe(true);
    // Recorded before the target kept its idle clock: not known to have raced.
    const { targetIdleMs: _t, ...old } = row();
    expect(sentOnReused(old)).toBe(false);
  });

  it(`a burst counts when at least ${MIN_REUSED_SHARE * 100} % of its requests went out on reused connections`, () => {
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
    const cells = failureCells([...nine, ...eight]);
    expect(cells.map((c) => [c.bursts, c.exercisedBursts])).toEqual([[2, 1]]);
  });

  it('"fails no request" is decided on reused bursts, and unresolved when a gap had none (data that passes)', () => {
    // 10 clean bursts on reused connections, plus 10 failing bursts on fresh ones that a claim must not count.
    const onFresh = cell(1000, 200, 100, { targetIdleMs: null }).map((r) => ({ ...r, burst: `f${r.burst}` }));
    const v = noFailureClaim({
      id: 'safe',
      client: 'node-http',
      method: 'GET',
      rows: [...cell(1000, 200, 0), ...onFresh],
      condition: 'c',
    });
    expect(v.outcome).toBe('holds');
    expect(v.evidence['bursts']).toBe(20);
    expect(v.evidence['exercisedBursts']).toBe(10);
  });

  it('"fails no request" is unresolved when every burst of a gap went out on fresh connections (data that fails)', () => {
    const v = noFailureClaim({
      id: 'safe',
      client: 'undici-request',
      method: 'GET',
      rows: [
        ...cell(999, 200, 0, { client: 'undici-request' }),
        ...cell(1001, 200, 0, { client: 'undici-request', targetIdleMs: null }),
      ],
      condition: 'c',
    });
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence['gapsNotExercised']).toBe('1001');
    expect(String(v.evidence['unresolvedBecause'])).toContain(NOT_EXERCISED);
    expect(v.evidence['safe.gap-999']).toMatch(/^holds/);
    expect(v.evidence['safe.gap-1001']).toBe('unresolved');
    // A control that raced only on fresh connections shows no race either.
    const gated = noFailureClaim({
      id: 'safe',
      client: 'undici-request',
      method: 'GET',
      rows: cell(999, 200, 0, { client: 'undici-request' }),
      condition: 'c',
      control: { client: 'node-http', rows: cell(999, 200, 100, { targetIdleMs: null }) },
    });
    expect(gated.outcome).toBe('unresolved');
    expect(String(gated.evidence['unresolvedBecause'])).toContain(NOT_EXERCISED);
  });

  it('"fails some requests" counts reused bursts only: holds on them, unresolved without them', () => {
    const raced = cell(999, 200, 40);
    const holds = someFailuresClaim({
      id: 's',
      client: 'node-http',
      method: 'GET',
      rows: raced,
      condition: 'c',
      gapRangeMs: [990, 1010],
    });
    expect(holds.outcome).toBe('holds');
    expect(holds.evidence['burstsOnFresh']).toBe(0);
    const unexercised = someFailuresClaim({
      id: 's',
      client: 'node-http',
      method: 'GET',
      rows: cell(999, 200, 0, { targetIdleMs: null }),
      condition: 'c',
      gapRangeMs: [990, 1010],
    });
    expect(unexercised.outcome).toBe('unresolved');
    expect(String(unexercised.evidence['unresolvedBecause'])).toContain(NOT_EXERCISED);
    expect(unexercised.evidence['burstsOnFresh']).toBe(10);
  });
});
