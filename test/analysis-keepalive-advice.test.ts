import {
  everyRequestFailsClaim,
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
    row({ idleClose: 'stall', ok: false, code: 'CASEBOOK_REQUEST_TIMEOUT', elapsedMs, served: 0, ...over });

  it('holds when every request waited out the cap', () => {
    const v = stallHangClaim({ id: 's', client: 'undici-request', rows: [stalled(3001), stalled(2990)], capMs: 3000 });
    expect(v.outcome).toBe('holds');
    expect(v.kind).toBe('claim');
    expect(v.evidence['minElapsedMs']).toBe(2990);
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
      rows: [row({ elapsedMs: 5000 })],
      capMs: 3000,
    });
    expect(answered.outcome).toBe('fails');
    expect(stallHangClaim({ id: 's', client: 'got', rows: [stalled(3001)], capMs: 3000 }).outcome).toBe('fails');
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
  const rows = [
    ...many(6, { ok: false, code: 'UND_ERR_SOCKET', served: 0 }),
    ...many(4, {}),
    ...many(9, { retry: 'opt-in', elapsedMs: 500, arrived: 2 }),
    row({ retry: 'opt-in', ok: false, code: 'UND_ERR_SOCKET' }),
    ...many(5, { method: 'POST', ok: false }),
  ];

  it('shows a setting whose claims hold, with the failure rate it removed on the rows named', () => {
    const verdicts = [
      { id: 'races', outcome: 'holds' as const },
      { id: 'retry-fixes', outcome: 'holds' as const },
    ];
    const [advice, ...rest] = raceAdvice([rule], verdicts, rows);
    expect(rest).toEqual([]);
    expect(advice).toMatchObject({
      client: 'undici-request',
      failureRateWithout: 0.6,
      failureRateWith: 0.1,
      nWithout: 10,
      nWith: 10,
      removedPoints: 50,
      medianOkMsWith: 500,
    });
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
      ),
    ).toEqual([]);
    expect(raceAdvice([rule], [{ id: 'races', outcome: 'holds' }], rows)).toEqual([]);
    const held = [
      { id: 'races', outcome: 'holds' as const },
      { id: 'retry-fixes', outcome: 'holds' as const },
    ];
    expect(raceAdvice([{ ...rule, with: { client: 'got' } }], held, rows)).toEqual([]);
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
    expect(retryAvoidsFailuresClaim({ id: 'r', claim: 'c', rows: [...rows, failed()], maxFailures: 0 }).outcome).toBe(
      'fails',
    );
    expect(retryAvoidsFailuresClaim({ id: 'r', claim: 'c', rows: [...rows, failed()], maxFailures: 1 }).outcome).toBe(
      'holds',
    );
    expect(retryAvoidsFailuresClaim({ id: 'r', claim: 'c', rows: [], maxFailures: 0 }).outcome).toBe('fails');
  });

  it('"ends within its configured timeout" holds below timeout + slack, fails at the cap, refuses a cap it cannot reach', () => {
    const stalled = (elapsedMs: number) => row({ client: 'axios', ok: false, code: 'ECONNABORTED', elapsedMs });
    const input = { id: 't', client: 'axios', timeoutMs: 500, slackMs: 200, capMs: 2000 };
    expect(stallTimeoutClaim({ ...input, rows: [stalled(505), stalled(560)] }).outcome).toBe('holds');
    expect(stallTimeoutClaim({ ...input, rows: [stalled(505), stalled(2000)] }).outcome).toBe('fails');
    expect(stallTimeoutClaim({ ...input, rows: [row({ client: 'axios' })] }).outcome).toBe('fails');
    expect(() => stallTimeoutClaim({ ...input, capMs: 700, rows: [] })).toThrow(/capMs: 700/);
  });

  it('undici fast timers: a 500 ms timeout is bounded by two 499 ms ticks (998 ms), both sides', () => {
    expect(timeoutFireBoundMs(500)).toBe(500);
    expect(timeoutFireBoundMs(500, UNDICI_FAST_TIMER_TICK_MS)).toBe(998);
    expect(timeoutFireBoundMs(499, UNDICI_FAST_TIMER_TICK_MS)).toBe(499);
    expect(() => timeoutFireBoundMs(500, 0)).toThrow(/tickMs: 0/);
    const stalled = (elapsedMs: number) =>
      row({ ok: false, code: 'UND_ERR_HEADERS_TIMEOUT', elapsedMs, idleClose: 'stall' });
    const input = { id: 'u', client: 'undici-request', timeoutMs: 500, slackMs: 300, capMs: 1500 };
    // Fired at ~1,002 ms, as on the pre-run: late for a native timer, within the fast timer's bound (998 + 300).
    expect(stallTimeoutClaim({ ...input, rows: [stalled(1002)] }).outcome).toBe('fails');
    const fast = stallTimeoutClaim({ ...input, tickMs: UNDICI_FAST_TIMER_TICK_MS, rows: [stalled(1002)] });
    expect(fast.outcome).toBe('holds');
    expect(fast.evidence['boundMs']).toBe(1298);
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
      rows: [row({ ok: false, elapsedMs: 3000 })],
      capMs: 3000,
      kind: 'exploratory',
    });
    expect(v.kind).toBe('exploratory');
  });
});
