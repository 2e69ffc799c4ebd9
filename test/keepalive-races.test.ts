import { burstReuse, noRetryClaim, raceRows, writeExposure } from '@casebook/analysis';
import { liveChildren } from '@casebook/procs';
import { gapsAround, type RaceRunResult, runRace } from '@casebook/runner';
import { type RaceTargetHandle, startRaceTarget } from '@casebook/servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The deterministic race: the target's hook closes a connection exactly as a request arrives on it after ≥ 100 ms of
 * idle (T 1000 ms, window 900 ms), and every round waits 300 ms, so every measured request is sent on a socket the
 * server closes under it. A client without a defence fails each one; a client that retries idempotent requests on a
 * fresh connection fails none, and the target counts the retry as a second arrival of the same id.
 */

const RACE = { idleTimeoutMs: 1000, raceWindowMs: 900, idleClose: 'fin', hint: 'absent' } as const;
const GAPS_MS = [300, 300, 300];

let target: RaceTargetHandle;

beforeAll(async () => {
  target = await startRaceTarget(RACE);
});
afterAll(async () => {
  await target?.close();
  expect(liveChildren()).toEqual([]);
});

const summary = (run: RaceRunResult) =>
  run.requests.map((r) => ({ ok: r.ok, code: r.code, arrived: r.arrived, served: r.served }));

describe('the deterministic keep-alive race', () => {
  it('node-http (keep-alive Agent, no retry) fails every reused request; each reached the server once', async () => {
    const run = await runRace({ client: 'node-http', target, gapsMs: GAPS_MS, runId: 'nh' });
    expect(run.error).toBeNull();
    expect(run.warmFailures).toEqual([]);
    expect(summary(run)).toEqual(GAPS_MS.map(() => ({ ok: false, code: 'ECONNRESET', arrived: 1, served: 0 })));
    expect(run.requests[0]?.message).toMatch(/socket hang up/);
    // Each went out on the warmed connection after the whole gap on the target's own idle clock (armed from the first
    // warm-up response), so every burst counts as one that exercised the race.
    for (const r of run.requests) expect(r.targetIdleMs).toBeGreaterThanOrEqual(295);
    // The race hook closes as each arrives: the first copy found the connection still open (the target's own record).
    for (const r of run.requests) expect(r.firstCopyAfterClose).toBe(false);
    // On the shared clock: each request was written once, joined to the connection the hook then closed, before the
    // close (the server's own race: closed under it, not written on a closed connection).
    for (const r of run.requests) {
      expect(r.writes).toBe(1);
      expect(r.targetConnection).not.toBeNull();
      expect(r.writtenAtUs).toBeLessThan(r.finAtUs ?? Number.NEGATIVE_INFINITY);
      expect(r.arrivedAtUs).toBeGreaterThan(r.writtenAtUs ?? Number.POSITIVE_INFINITY);
    }
    expect(raceRows([run]).map(writeExposure)).toEqual(GAPS_MS.map(() => 'closed-under-it'));
    expect(burstReuse(raceRows([run])).every((b) => b.exercised)).toBe(true);
    expect(run.counters.endings['race-fin']).toBe(GAPS_MS.length);
    expect(run.openAfter).toBe(0);
    // The defence, read from the live Agent: no retry, and no idle timeout on free sockets (no hint was sent).
    expect(run.defence.ready['retry']).toMatch(/^none/);
    const afterWarm = run.defence.afterWarm as Record<string, unknown>;
    expect(afterWarm['freeSocketTimeoutsMs']).toEqual([0]);
    console.log('node-http race', JSON.stringify(run.requests.map((r) => [r.code, r.elapsedMs, r.idleMs])));
  });

  it('got (default retry) fails no GET: each failed attempt is sent again and arrives twice', async () => {
    const run = await runRace({ client: 'got', target, gapsMs: GAPS_MS, runId: 'got-get' });
    expect(run.error).toBeNull();
    expect(summary(run)).toEqual(GAPS_MS.map(() => ({ ok: true, code: null, arrived: 2, served: 1 })));
    // The client's own count: each id written twice (http.client.request.start once per attempt).
    expect(run.requests.map((r) => r.writes)).toEqual(GAPS_MS.map(() => 2));
    expect(run.defence.ready['retryLimit']).toBe(2);
    expect(run.defence.ready['retryMethods']).not.toContain('POST');
    expect(run.openAfter).toBe(0);
    console.log('got GET race', JSON.stringify(run.requests.map((r) => [r.elapsedMs, r.arrived])));
  });

  it('got never retries a POST (its docs: POST is not in retry.methods): each fails, having arrived once', async () => {
    const run = await runRace({ client: 'got', target, gapsMs: GAPS_MS, method: 'POST', runId: 'got-post' });
    expect(run.error).toBeNull();
    expect(summary(run).every((r) => !r.ok && r.arrived === 1)).toBe(true);
    const verdict = noRetryClaim({ id: 'got.post', client: 'got', method: 'POST', rows: raceRows([run]) });
    expect(verdict.outcome).toBe('holds');
    expect(run.openAfter).toBe(0);
    console.log('got POST race', JSON.stringify(run.requests.map((r) => [r.code, r.message])));
  });

  it('undici fails every reused GET by default (no retry) and none with its retry interceptor', async () => {
    const plain = await runRace({ client: 'undici-request', target, gapsMs: GAPS_MS, runId: 'u-plain' });
    expect(plain.error).toBeNull();
    expect(summary(plain)).toEqual(GAPS_MS.map(() => ({ ok: false, code: 'UND_ERR_SOCKET', arrived: 1, served: 0 })));
    const retried = await runRace({ client: 'undici-request', target, gapsMs: GAPS_MS, retry: 'opt-in', runId: 'u-r' });
    expect(retried.error).toBeNull();
    expect(summary(retried)).toEqual(GAPS_MS.map(() => ({ ok: true, code: null, arrived: 2, served: 1 })));
    // undici:client:sendHeaders once per attempt: the plain Agent wrote each id once, the retry interceptor twice.
    expect(plain.requests.map((r) => r.writes)).toEqual(GAPS_MS.map(() => 1));
    expect(retried.requests.map((r) => r.writes)).toEqual(GAPS_MS.map(() => 2));
    expect(raceRows([plain]).map(writeExposure)).toEqual(GAPS_MS.map(() => 'closed-under-it'));
    expect(plain.openAfter + retried.openAfter).toBe(0);
    console.log(
      'undici race',
      JSON.stringify(plain.requests.map((r) => [r.code, r.message, r.elapsedMs])),
      JSON.stringify(retried.requests.map((r) => r.elapsedMs)),
    );
  });

  it('a stalled server: the request is taken and never answered; node-http gives up at its timeout, nothing leaks', async () => {
    await target.configure({ idleTimeoutMs: 150, idleClose: 'stall', hint: 'absent' });
    try {
      const run = await runRace({ client: 'node-http', target, gapsMs: [400], requestTimeoutMs: 500, runId: 'stall' });
      expect(run.error).toBeNull();
      expect(summary(run)).toEqual([{ ok: false, code: 'CASEBOOK_REQUEST_TIMEOUT', arrived: 1, served: 0 }]);
      expect(run.requests[0]?.elapsedMs).toBeGreaterThanOrEqual(450);
      // The client destroyed its socket at the timeout: the target saw it close; nothing is left to release.
      expect(run.openAfter).toBe(0);
      expect(await target.release()).toBe(0);
      console.log('stall', JSON.stringify(run.requests.map((r) => [r.code, r.elapsedMs])));
    } finally {
      await target.configure(RACE);
    }
  });

  it('a stalled server, got with a request timeout: no retry, so the row times the first attempt only', async () => {
    await target.configure({ idleTimeoutMs: 150, idleClose: 'stall', hint: 'absent' });
    try {
      // got's default retry would resend after ETIMEDOUT (limit 2, ~1 s back-off): the row would time three attempts.
      const run = await runRace({ client: 'got', target, gapsMs: [400], requestTimeoutMs: 500, runId: 'got-stall' });
      expect(run.error).toBeNull();
      expect(run.defence.ready['retryLimit']).toBe(0);
      expect(summary(run)).toEqual([{ ok: false, code: expect.any(String), arrived: 1, served: 0 }]);
      expect(run.requests[0]?.elapsedMs).toBeGreaterThanOrEqual(450);
      expect(run.requests[0]?.elapsedMs).toBeLessThan(1000);
      await target.release();
    } finally {
      await target.configure(RACE);
    }
  });

  it('a stalled server with the client untouched: the harness gives up at its cap, then release() frees the stall', async () => {
    await target.configure({ idleTimeoutMs: 150, idleClose: 'stall', hint: 'absent' });
    try {
      const run = await runRace({
        client: 'undici-request',
        target,
        gapsMs: [400],
        giveUpAfterMs: 400,
        runId: 'gave-up',
      });
      expect(run.error).toBeNull();
      expect(summary(run)).toEqual([{ ok: false, code: 'CASEBOOK_RACE_GAVE_UP', arrived: 1, served: 0 }]);
      expect(run.requests[0]?.elapsedMs).toBeGreaterThanOrEqual(395);
      // undici's own timeouts were left alone (300 s): the stalled connection is still open at the target…
      expect((run.defence.atEnd as Record<string, unknown>)['liveHeadersTimeoutMs']).toBe(300_000);
      expect(run.openAfter).toBe(run.counters.stalledConnections);
      // …until release(), which leaves nothing open. (The client's exit may close it first on a busy machine, so
      // release() frees at most the stalled count.)
      expect(await target.release()).toBeLessThanOrEqual(run.counters.stalledConnections);
      expect((await target.counters()).openConnections).toBe(0);
    } finally {
      await target.configure(RACE);
    }
  });

  it('refuses a retry a client does not have, and gaps around T are what the sweep promises', async () => {
    await expect(runRace({ client: 'axios', target, gapsMs: [1], retry: 'opt-in' })).rejects.toThrow(/retry/);
    expect(gapsAround(1000, 20)).toEqual([250, 980, 1000, 1020, 2000]);
  });
});
