import {
  everyRequestFailsClaim,
  exposedToClose,
  MIN_EXPOSED_PER_SIDE,
  onStalledConnection,
  type RaceAdviceRule,
  type RaceRow,
  raceAdvice,
  retryAvoidsFailuresClaim,
  stallHangClaim,
  stallTimeoutClaim,
  timeoutFireBoundMs,
  UNDICI_FAST_TIMER_TICK_MS,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

/** The stalled-server claim and "What to set" (packages/analysis/src/keepalive-advice.ts), each on both sides. */

const row = (over: Partial<RaceRow> = {}): RaceRow => ({
  client: 'undici-request',
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
});
const many = (n: number, over: Partial<RaceRow>): RaceRow[] => Array.from({ length: n }, () => row(over));

describe('stall hang claim', () => {
  const stalled = (elapsedMs: number, over: Partial<RaceRow> = {}) =>
    row({
      idleClose: 'stall',
      ok: false,
      code: 'CASEBOOK_REQUEST_TIMEOUT',
      elapsedMs,
      served: 0,
      targetIdleMs: 1200,
      ...over,
    });

  it('holds when every request waited out the cap', () => {
    const v = stallHangClaim({ id: 's', client: 'undici-request', rows: [stalled(3001), stalled(2990)], capMs: 3000 });
    expect(v.outcome).toBe('holds');
    expect(v.kind).toBe('claim');
    expect(v.evidence['minElapsedMs']).toBe(2990);
    // n in the claim text: how many requests the verdict rests on (the ones on the stalled connection).
    const withElsewhere = stallHangClaim({
      id: 's',
      client: 'undici-request',
      rows: [stalled(3001), stalled(2990), stalled(5, { ok: true, targetIdleMs: null })],
      capMs: 3000,
    });
    expect(withElsewhere.claim).toContain('over 2 of 3 requests');
  });

  it('fails when a default timeout (or a success) ended a request before the cap, and with no requests', () => {
    const early = stallHangClaim({
      id: 's',
      client: 'undici-request',
      rows: [stalled(3001), stalled(1200)],
      capMs: 3000,
    });
    expect(early.outcome).toBe('fails');
    expect(early.evidence['endedBeforeCap']).toBe(1);
    const answered = stallHangClaim({
      id: 's',
      client: 'undici-request',
      rows: [row({ elapsedMs: 5000, targetIdleMs: 1200 })],
      capMs: 3000,
    });
    expect(answered.outcome).toBe('fails');
  });

  it('counts only requests that went to the stalled connection; none there is unresolved', () => {
    // An answered request on a fresh connection (targetIdleMs null) never met the stall: it is left out.
    const v = stallHangClaim({
      id: 's',
      client: 'undici-request',
      rows: [stalled(3001), row({ elapsedMs: 2, targetIdleMs: null })],
      capMs: 3000,
    });
    expect(v.outcome).toBe('holds');
    expect(v.evidence['requests']).toBe(1);
    expect(v.evidence['notOnStalledConnection']).toBe(1);
    expect(stallHangClaim({ id: 's', client: 'got', rows: [stalled(3001)], capMs: 3000 }).outcome).toBe('unresolved');
    const elsewhere = stallHangClaim({
      id: 's',
      client: 'undici-request',
      rows: [row({ elapsedMs: 2, targetIdleMs: null }), row({ elapsedMs: 2, targetIdleMs: 3 })],
      capMs: 3000,
    });
    expect(elsewhere.outcome).toBe('unresolved');
  });

  it('onStalledConnection: idle at arrival ≥ T on the target; null, below T or unrecorded: no', () => {
    expect(onStalledConnection({ idleTimeoutMs: 300, targetIdleMs: 300 })).toBe(true);
    expect(onStalledConnection({ idleTimeoutMs: 300, targetIdleMs: 299.9 })).toBe(false);
    expect(onStalledConnection({ idleTimeoutMs: 300, targetIdleMs: null })).toBe(false);
    expect(onStalledConnection({ idleTimeoutMs: 300 })).toBe(false);
  });
});

describe('what to set', () => {
  const rule: RaceAdviceRule = {
    client: 'undici-request',
    setting: 'compose interceptors.retry()',
    requires: ['races', 'retry-fixes'],
    without: { client: 'undici-request', retry: 'client-default', method: 'GET' },
    with: { client: 'undici-request', retry: 'opt-in', method: 'GET' },
    cost: 'one retry delay',
  };
  const held = [
    { id: 'races', outcome: 'holds' as const },
    { id: 'retry-fixes', outcome: 'holds' as const },
  ];
  /** The deterministic race of the notebook: T 1000 ms, window 900 ms: a request on a connection idle ≥ 100 ms meets the close. */
  const exposure = { closeAfterMs: 100, minExposed: 10 };
  const met = { targetIdleMs: 300 };
  const fresh = { targetIdleMs: null };
  // Without: 12 met the close (all failed), 8 went on fresh connections (all succeeded). With: 10 met it (1 failed).
  const rows = [
    ...many(12, { ok: false, code: 'UND_ERR_SOCKET', served: 0, ...met }),
    ...many(8, { ...fresh }),
    ...many(9, { retry: 'opt-in', elapsedMs: 500, arrived: 2, ...met }),
    row({ retry: 'opt-in', ok: false, code: 'UND_ERR_SOCKET', ...met }),
    ...many(5, { method: 'POST', ok: false, ...met }),
  ];

  it('compares failures per request that met a close, with the exposure shown', () => {
    const [advice, ...rest] = raceAdvice([rule], held, rows, exposure);
    expect(rest).toEqual([]);
    expect(advice).toMatchObject({
      client: 'undici-request',
      status: 'measured',
      unresolvedBecause: null,
      nWithout: 20,
      nWith: 10,
      exposedWithout: 12,
      exposedWith: 10,
      failedExposedWithout: 12,
      failedExposedWith: 1,
      failureRateWithout: 1,
      failureRateWith: 0.1,
      failedUnexposedWithout: 0,
      removedPoints: 90,
      medianOkMsWith: 500,
    });
  });

  it('is unresolved when a side has fewer exposed requests than the minimum stated before the run', () => {
    // Per request SENT the "without" side would read 12 / 20 = 60 %: unequal exposure, not the setting.
    const [advice] = raceAdvice([rule], held, rows, { closeAfterMs: 100, minExposed: 11 });
    expect(advice?.status).toBe('unresolved');
    expect(advice?.unresolvedBecause).toMatch(/with it 10; at least 11/);
    expect(advice?.removedPoints).toBeNull();
    // The default minimum is the package's, fixed before any run.
    expect(MIN_EXPOSED_PER_SIDE).toBe(30);
    expect(raceAdvice([rule], held, rows, { closeAfterMs: 100 })[0]?.status).toBe('unresolved');
    // Rows without targetIdleMs (older records) are not known to have met a close: nothing is exposed.
    const old = rows.map(({ targetIdleMs: _t, ...r }) => r);
    expect(raceAdvice([rule], held, old, exposure)[0]).toMatchObject({ status: 'unresolved', exposedWithout: 0 });
  });

  it('exposedToClose: idle at first arrival ≥ the close, or failed without arriving; fresh or unrecorded: no', () => {
    expect(exposedToClose({ ok: false, arrived: 1, targetIdleMs: 100 }, 100)).toBe(true);
    expect(exposedToClose({ ok: true, arrived: 2, targetIdleMs: 300 }, 100)).toBe(true);
    expect(exposedToClose({ ok: true, arrived: 1, targetIdleMs: 99 }, 100)).toBe(false);
    expect(exposedToClose({ ok: false, arrived: 0, targetIdleMs: null }, 100)).toBe(true);
    expect(exposedToClose({ ok: true, arrived: 1, targetIdleMs: null }, 100)).toBe(false);
    expect(exposedToClose({ ok: false, arrived: 0 }, 100)).toBe(false);
  });

  it('leaves out a setting when one of its claims fails, is unresolved or is missing, or nothing measured it', () => {
    expect(
      raceAdvice(
        [rule],
        [
          { id: 'races', outcome: 'holds' },
          { id: 'retry-fixes', outcome: 'fails' },
        ],
        rows,
        exposure,
      ),
    ).toEqual([]);
    expect(
      raceAdvice(
        [rule],
        [
          { id: 'races', outcome: 'holds' },
          { id: 'retry-fixes', outcome: 'unresolved' },
        ],
        rows,
        exposure,
      ),
    ).toEqual([]);
    expect(raceAdvice([rule], [{ id: 'races', outcome: 'holds' }], rows, exposure)).toEqual([]);
    expect(raceAdvice([{ ...rule, with: { client: 'got' } }], held, rows, exposure)).toEqual([]);
  });

  it('is indicative below the minimum processes of the claim it rests on first, both sides', () => {
    // The rows above are one process: "(one process; indicative)".
    const [one] = raceAdvice([{ ...rule, withoutIsSanity: true }], held, rows, exposure);
    expect(one).toMatchObject({
      processes: 1,
      minProcesses: 5,
      indicative: true,
      indicativeText: '(one process; indicative)',
      processesWithout: 1,
      processesWith: 1,
      withoutIsSanity: true,
    });
    // The first claim's evidence counts 10 processes (got's retry in the natural race): stated without qualification.
    const tenHeld = [
      { id: 'races', outcome: 'holds' as const, evidence: { processes: 10 } },
      held[1] as (typeof held)[number],
    ];
    const [ten] = raceAdvice([rule], tenHeld, rows, exposure);
    expect(ten).toMatchObject({ processes: 10, indicative: false, indicativeText: '', withoutIsSanity: false });
    const fourHeld = [
      { id: 'races', outcome: 'holds' as const, evidence: { processes: 4 } },
      held[1] as (typeof held)[number],
    ];
    expect(raceAdvice([rule], fourHeld, rows, exposure)[0]?.indicativeText).toBe('(4 processes; indicative)');
  });
});

describe('deterministic race claims', () => {
  const failed = (over: Partial<RaceRow> = {}) => row({ ok: false, code: 'ECONNRESET', served: 0, ...over });

  it('"every request fails" is a sanity check: holds when all failed, fails when one succeeded or none ran', () => {
    const v = everyRequestFailsClaim({ id: 'a', claim: 'c', rows: [failed(), failed()] });
    expect(v.outcome).toBe('holds');
    // The target closes every connection a request arrives on: only a harness fault makes it fail, never a finding.
    expect(v.kind).toBe('sanity');
    expect(everyRequestFailsClaim({ id: 'a', claim: 'c', rows: [failed(), row()] }).kind).toBe('sanity');
    expect(v.evidence['failedAfterArriving']).toBe(2);
    expect(everyRequestFailsClaim({ id: 'a', claim: 'c', rows: [failed(), row()] }).outcome).toBe('fails');
    expect(everyRequestFailsClaim({ id: 'a', claim: 'c', rows: [] }).outcome).toBe('fails');
  });

  it('"retry avoids failures" is decided on failures (not on arrivals), with resent and time to success shown', () => {
    const rows = [
      row({ arrived: 2, elapsedMs: 510 }),
      row({ arrived: 1, elapsedMs: 3 }),
      row({ arrived: 3, elapsedMs: 700 }),
    ];
    const v = retryAvoidsFailuresClaim({ id: 'r', claim: 'c', rows, maxFailures: 0 });
    expect(v.outcome).toBe('holds');
    expect(v.evidence['resent']).toBe(2);
    expect(v.evidence['medianResentOkMs']).toBe(605);
    expect(v.evidence['metAClose']).toBeUndefined();
    // A first copy that met a closed connection and was answered later is a resend too (the target did not count it).
    const afterClose = retryAvoidsFailuresClaim({
      id: 'r',
      claim: 'c',
      rows: [...rows, row({ arrived: 1, targetIdleMs: 1010, afterClose: true, elapsedMs: 1105 })],
      maxFailures: 0,
    });
    expect(afterClose.evidence['resent']).toBe(3);
    const withExposure = retryAvoidsFailuresClaim({
      id: 'r',
      claim: 'c',
      rows: [row({ targetIdleMs: 300 }), row({ targetIdleMs: null })],
      maxFailures: 0,
      closeAfterMs: 100,
    });
    expect(withExposure.evidence['metAClose']).toBe(1);
    expect(retryAvoidsFailuresClaim({ id: 'r', claim: 'c', rows: [...rows, failed()], maxFailures: 0 }).outcome).toBe(
      'fails',
    );
    expect(retryAvoidsFailuresClaim({ id: 'r', claim: 'c', rows: [...rows, failed()], maxFailures: 1 }).outcome).toBe(
      'holds',
    );
    expect(retryAvoidsFailuresClaim({ id: 'r', claim: 'c', rows: [], maxFailures: 0 }).outcome).toBe('fails');
  });

  it('"retry avoids failures" needs the race to have happened: unresolved below minMetAClose, both sides', () => {
    const input = { id: 'r', claim: 'c', maxFailures: 0, closeAfterMs: 100, minMetAClose: 30 };
    // 29 met a close, none failed: the race was not exercised enough to credit the retry.
    const few = retryAvoidsFailuresClaim({ ...input, rows: many(29, { arrived: 2, targetIdleMs: 300 }) });
    expect(few.outcome).toBe('unresolved');
    expect(few.evidence['reason']).toMatch(/race not exercised: 29 requests met a close \(< 30\)/);
    expect(few.claim).toContain('≥ 30 requests that met a close');
    // 30 met it: decided — holds with no failure, fails with one.
    const enough = many(30, { arrived: 2, targetIdleMs: 300 });
    expect(retryAvoidsFailuresClaim({ ...input, rows: enough }).outcome).toBe('holds');
    expect(retryAvoidsFailuresClaim({ ...input, rows: [...enough, failed({ targetIdleMs: 300 })] }).outcome).toBe(
      'fails',
    );
    // A failure among too few still fails: the race happened at least once and the retry did not absorb it.
    expect(retryAvoidsFailuresClaim({ ...input, rows: [failed({ targetIdleMs: 300 })] }).outcome).toBe('fails');
  });

  it('"ends within its configured timeout" holds below timeout + slack, fails at the cap, refuses a cap it cannot reach', () => {
    const stalled = (elapsedMs: number) =>
      row({ client: 'axios', ok: false, code: 'ECONNABORTED', elapsedMs, targetIdleMs: 1100 });
    const input = { id: 't', client: 'axios', timeoutMs: 500, slackMs: 200, capMs: 2000 };
    expect(stallTimeoutClaim({ ...input, rows: [stalled(505), stalled(560)] }).outcome).toBe('holds');
    expect(stallTimeoutClaim({ ...input, rows: [stalled(505), stalled(2000)] }).outcome).toBe('fails');
    expect(stallTimeoutClaim({ ...input, rows: [row({ client: 'axios', targetIdleMs: 1100 })] }).outcome).toBe('fails');
    // A request answered on another connection (the pool opened a fresh one) did not meet the stall: left out.
    const elsewhere = row({ client: 'axios', targetIdleMs: null });
    const mixed = stallTimeoutClaim({ ...input, rows: [stalled(505), elsewhere] });
    expect(mixed.outcome).toBe('holds');
    expect(mixed.evidence['notOnStalledConnection']).toBe(1);
    expect(stallTimeoutClaim({ ...input, rows: [elsewhere] }).outcome).toBe('unresolved');
    expect(() => stallTimeoutClaim({ ...input, capMs: 700, rows: [] })).toThrow(/capMs: 700/);
  });

  it('undici fast timers: a 500 ms timeout is bounded by two 499 ms ticks (998 ms), both sides', () => {
    expect(timeoutFireBoundMs(500)).toBe(500);
    expect(timeoutFireBoundMs(500, UNDICI_FAST_TIMER_TICK_MS)).toBe(998);
    expect(timeoutFireBoundMs(499, UNDICI_FAST_TIMER_TICK_MS)).toBe(499);
    expect(() => timeoutFireBoundMs(500, 0)).toThrow(/tickMs: 0/);
    const stalled = (elapsedMs: number) =>
      row({ ok: false, code: 'UND_ERR_HEADERS_TIMEOUT', elapsedMs, idleClose: 'stall', targetIdleMs: 1100 });
    const input = { id: 'u', client: 'undici-request', timeoutMs: 500, slackMs: 300, capMs: 1500 };
    // Fired at ~1,002 ms, as on the pre-run: late for a native timer, within the fast timer's bound (998 + 300).
    expect(stallTimeoutClaim({ ...input, rows: [stalled(1002)] }).outcome).toBe('fails');
    const fast = stallTimeoutClaim({ ...input, tickMs: UNDICI_FAST_TIMER_TICK_MS, rows: [stalled(1002)] });
    expect(fast.outcome).toBe('holds');
    expect(fast.evidence['boundMs']).toBe(1298);
    // The bound is stated one way everywhere, and every value above the bare tick bound is counted.
    expect(fast.claim).toContain(
      'one 499 ms fast-timer tick above the configured value (⌈500 / 499⌉ · 499 = 998 ms) + 300 ms slack',
    );
    expect(fast.claim).toContain('one client process, 1 request on the stalled connection');
    expect(fast.evidence['aboveFireBound']).toBe(1);
    expect(
      stallTimeoutClaim({ ...input, tickMs: UNDICI_FAST_TIMER_TICK_MS, rows: [stalled(990)] }).evidence[
        'aboveFireBound'
      ],
    ).toBe(0);
    const harness = stallTimeoutClaim({
      ...input,
      client: 'undici-request',
      enforcedBy: "the harness's req.setTimeout → req.destroy",
      rows: [stalled(600), stalled(610)].map((r, i) => ({ ...r, process: `p${i}` })),
    });
    expect(harness.claim).toContain("(the harness's req.setTimeout → req.destroy)");
    expect(harness.claim).toContain('2 client processes, 2 requests on the stalled connection');
    // Still a claim that can fail: a request waiting until the cap.
    expect(
      stallTimeoutClaim({ ...input, tickMs: UNDICI_FAST_TIMER_TICK_MS, rows: [stalled(1002), stalled(1500)] }).outcome,
    ).toBe('fails');
    expect(() => stallTimeoutClaim({ ...input, tickMs: UNDICI_FAST_TIMER_TICK_MS, capMs: 1200, rows: [] })).toThrow(
      /capMs: 1200/,
    );
  });

  it('the default-timeout hang can be recorded as an observation (exploratory) when it cannot fail', () => {
    const v = stallHangClaim({
      id: 'h',
      client: 'undici-request',
      rows: [row({ ok: false, elapsedMs: 3000, targetIdleMs: 1100 })],
      capMs: 3000,
      kind: 'exploratory',
    });
    expect(v.kind).toBe('exploratory');
  });
});
