import {
  clockSummaries,
  exposureClaim,
  failsWhenClosedSanity,
  metClosedConnection,
  raceRows,
  sanityCheck,
} from '@casebook/analysis';
import { RACE_RUNS_FILE, type RaceRunEntry, RaceRunsFileSchema, RecordError, validateAgainst } from '@casebook/results';
import type { RaceCell, RaceRequestRecord, RaceRunResult } from '@casebook/runner';
import { describe, expect, it } from 'vitest';
import { raceRunEntry, verdictMarkdown } from '../packages/study/src/study';

/**
 * race-runs.json, the keep-alive race study's raw data (packages/results/src/schema/race-run.ts): a valid file passes;
 * a wrong, missing or extra field fails naming its JSON path.
 */

const entry = (): RaceRunEntry => ({
  plan: 'race',
  cell: {
    cell: 0,
    round: 0,
    client: 'got',
    retry: 'client-default',
    hint: 'absent',
    idleClose: 'fin',
    method: 'GET',
    concurrency: 1,
    gapsMs: [300],
  },
  client: 'got',
  method: 'GET',
  retry: 'client-default',
  concurrency: 1,
  clientPid: 1234,
  targetPid: 1233,
  target: {
    host: '127.0.0.1',
    idleTimeoutMs: 1000,
    idleClose: 'fin',
    hint: 'absent',
    hintHeader: null,
    raceWindowMs: 900,
    bodyBytes: 64,
  },
  defence: { ready: { retryLimit: 2 }, afterWarm: null, atEnd: { retryLimit: 2 } },
  requests: [
    {
      id: 'race-c0-r0-r0-0',
      ok: true,
      status: 200,
      code: null,
      message: null,
      elapsedMs: 1012.5,
      round: 0,
      gapMs: 300,
      idleMs: 300.4,
      arrived: 2,
      served: 1,
    },
  ],
  warmFailures: [],
  counters: {
    connectionsOpened: 2,
    connectionsClosed: 2,
    openConnections: 0,
    stalledConnections: 0,
    arrivals: 3,
    responses: 2,
    raceCloses: 1,
    ignoredWhileStalled: 0,
    unlabelled: 0,
    arrivedAfterClose: 0,
    endings: { 'race-fin': 1, 'client-closed': 1 },
    connections: [
      { id: 1, served: 1, arrived: 2, ended: 'race-fin', stalled: false },
      { id: 2, served: 1, arrived: 1, ended: 'client-closed', stalled: false },
    ],
  },
  openAfter: 0,
  released: 0,
  error: null,
});

const problem = (value: unknown): string => {
  try {
    validateAgainst(RaceRunsFileSchema, value, RACE_RUNS_FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(RecordError);
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected the file to be refused');
};

describe('race-runs.json schema', () => {
  it('accepts a run with its per-request outcomes', () => {
    const file = JSON.parse(JSON.stringify([entry()]));
    expect(validateAgainst(RaceRunsFileSchema, file, RACE_RUNS_FILE)).toEqual([entry()]);
  });

  it("accepts the target's idle at first arrival (a number or null), absent in older runs, and refuses a negative one", () => {
    for (const targetIdleMs of [1000.25, null]) {
      const file = JSON.parse(JSON.stringify([entry()]));
      file[0].requests[0].targetIdleMs = targetIdleMs;
      const [run] = validateAgainst(RaceRunsFileSchema, file, RACE_RUNS_FILE);
      expect(run?.requests[0]?.targetIdleMs).toBe(targetIdleMs);
    }
    const negative = JSON.parse(JSON.stringify([entry()]));
    negative[0].requests[0].targetIdleMs = -1;
    expect(problem(negative)).toMatch(/\/0\/requests\/0\/targetIdleMs/);
  });

  it('refuses a wrong type, a missing field and an unknown field, naming the path', () => {
    const wrong = JSON.parse(JSON.stringify([entry()]));
    wrong[0].requests[0].arrived = 'twice';
    expect(problem(wrong)).toMatch(/\/0\/requests\/0\/arrived/);
    const missing = JSON.parse(JSON.stringify([entry()]));
    delete missing[0].counters.raceCloses;
    expect(problem(missing)).toMatch(/\/0\/counters\/raceCloses: missing/);
    const extra = JSON.parse(JSON.stringify([entry()]));
    extra[0].counters.arrivedById = {};
    expect(problem(extra)).toMatch(/\/0\/counters\/arrivedById: unexpected field/);
    const hint = JSON.parse(JSON.stringify([entry()]));
    hint[0].target.hint = 'maybe';
    expect(problem(hint)).toMatch(/\/0\/target\/hint/);
  });
});

/**
 * A run as runRace returns it, with the shared clock's fields: in process p (one run each), 10 measured GETs of one
 * burst written from 10 s + p s on, landing 2 ms after their due close; the first 3 went onto connections whose FIN the
 * target sent 1.5 ms before the burst began (failed), the 4th onto one it closed under the request (failed), the others
 * answered.
 */
function clockRun(p: number): RaceRunResult {
  const start = 10_000_000 + p * 1_000_000;
  const requests: RaceRequestRecord[] = Array.from({ length: 10 }, (_, k) => {
    const writtenAtUs = start + k * 100;
    const finAtUs = k < 3 ? start - 1500 : k === 3 ? writtenAtUs + 700 : null;
    const ok = finAtUs === null;
    return {
      id: `race-c0-r${p}-r0-${k}`,
      ok,
      status: ok ? 200 : null,
      code: ok ? null : 'ECONNRESET',
      message: ok ? null : 'socket hang up',
      elapsedMs: ok ? 1.25 : 0.5,
      writtenAtUs,
      localPort: 40_000 + k,
      writes: 1,
      round: 0,
      gapMs: 997,
      idleMs: 997.4,
      arrived: k < 3 ? 0 : 1,
      served: ok ? 1 : 0,
      targetIdleMs: k < 3 ? null : 998.6,
      firstCopyAfterClose: k < 3 ? null : k === 3,
      arrivedAtUs: k < 3 ? null : writtenAtUs + 900,
      targetConnection: k + 1,
      finAtUs,
      dueAtUs: writtenAtUs - 2000,
    };
  });
  return {
    client: 'node-http',
    method: 'GET',
    retry: 'client-default',
    concurrency: 10,
    clientPid: 2000 + p,
    target: {
      host: '127.0.0.1',
      idleTimeoutMs: 1000,
      idleClose: 'fin',
      hint: 'absent',
      hintHeader: null,
      raceWindowMs: 0,
      bodyBytes: 64,
    },
    defence: { ready: { retry: 'none' }, afterWarm: null, atEnd: null },
    requests,
    warmFailures: [],
    counters: {
      connectionsOpened: 10,
      connectionsClosed: 10,
      openConnections: 0,
      stalledConnections: 0,
      arrivals: 7,
      responses: 6,
      raceCloses: 0,
      ignoredWhileStalled: 0,
      unlabelled: 0,
      arrivedAfterClose: 1,
      endings: {
        'idle-fin': 4,
        'idle-rst': 0,
        'race-fin': 0,
        'race-rst': 0,
        'stall-released': 0,
        'client-closed': 6,
        error: 0,
      },
      arrivedById: {},
      servedById: {},
      idleAtFirstArrivalById: {},
      firstCopyAfterCloseById: {},
      firstArrivalById: {},
      idleClosedAtIdleMs: [1000.5, 1001.25, 1034.75, 1000.04],
      connections: requests.map((r, k) => ({
        id: k + 1,
        served: r.served,
        arrived: r.arrived,
        ended: r.finAtUs === null ? 'client-closed' : 'idle-fin',
        stalled: false,
        remotePort: r.localPort,
        openedAtUs: start - 2_000_000,
        closedAtUs: r.finAtUs,
        closeIdleSinceUs: r.finAtUs === null ? null : (r.dueAtUs as number) - 1_000_000,
      })),
    },
    openAfter: 0,
    error: null,
  };
}

const raceCell = (round: number): RaceCell => ({
  cell: 0,
  round,
  client: 'node-http',
  retry: 'client-default',
  hint: 'absent',
  idleClose: 'fin',
  method: 'GET',
  concurrency: 10,
  gapsMs: [997],
});

describe('race-runs.json as the Study saves it', () => {
  it('keeps the after-close record, the idle at each close and the shared clock, and a reader re-derives the counts', () => {
    const runs = Array.from({ length: 10 }, (_, p) => clockRun(p));
    const saved = validateAgainst(
      RaceRunsFileSchema,
      JSON.parse(JSON.stringify(runs.map((run, p) => raceRunEntry('race', raceCell(p), run, 0, 1999)))),
      RACE_RUNS_FILE,
    );
    expect(saved[0]?.requests[3]?.firstCopyAfterClose).toBe(true);
    expect(saved[0]?.counters.idleClosedAtIdleMs).toEqual([1000.5, 1001.25, 1034.75, 1000.04]);
    expect(saved[0]?.requests[0]).toMatchObject({ writtenAtUs: 10_000_000, finAtUs: 9_998_500, dueAtUs: 9_998_000 });
    expect(saved[0]?.counters.connections[0]).toMatchObject({ remotePort: 40_000, closedAtUs: 9_998_500 });
    // The per-id maps stay out (every request carries its own entries).
    expect(Object.keys(saved[0]?.counters ?? {})).not.toContain('firstArrivalById');

    // What the notebook computes in memory, and what a reader computes from the file, agree exactly.
    const inMemory = raceRows(runs);
    const fromFile = raceRows(saved);
    expect(fromFile).toEqual(inMemory);
    const claim = (rows: typeof inMemory) =>
      exposureClaim({ id: 'e', client: 'node-http', method: 'GET', rows, condition: 'c', expect: 'some' });
    expect(claim(fromFile)).toEqual(claim(inMemory));
    expect(claim(fromFile).evidence['counts']).toBe(
      '30 of 100 first GET writes on a kept connection landing in [T−3 ms, T+20 ms] went onto a connection whose FIN the target had sent more than 1 ms before the client began writing that burst, in 10 of 10 client processes',
    );
    const sanity = failsWhenClosedSanity({ id: 's', client: 'node-http', method: 'GET', rows: fromFile });
    expect(sanity.evidence).toMatchObject({ metClose: 40, exposed: 30, closedUnderIt: 10, succeeded: 0 });
    expect(clockSummaries(fromFile)).toEqual(clockSummaries(inMemory));
    // The target-side rule (kept for comparison) is re-derived too: the closed-under-it request arrived after the
    // close.
    expect(fromFile.filter(metClosedConnection)).toHaveLength(40);
  });

  it('an older file without the new fields still validates', () => {
    expect(validateAgainst(RaceRunsFileSchema, JSON.parse(JSON.stringify([entry()])), RACE_RUNS_FILE)).toHaveLength(1);
  });
});

describe('verdicts as a notebook prints them', () => {
  it('prints counts exactly and rounds floats for reading', () => {
    const md = verdictMarkdown(
      sanityCheck({ id: 'n', claim: 'c', holds: true, evidence: { requests: 16384, landingMs: -0.9600000000000364 } }),
    );
    expect(md).toContain('requests = 16384');
    expect(md).toContain('landingMs = -0.96</sub>');
  });

  it("an unresolved verdict a guard decided says the guard's reason in its headline, not the precision", () => {
    const guarded = verdictMarkdown(
      sanityCheck({
        id: 'g',
        claim: 'c',
        holds: true,
        unresolved: true,
        evidence: { comparable: false, reason: 'no write time for 782 requests' },
      }),
    );
    expect(guarded).toContain('— unresolved: no write time for 782 requests**');
    expect(guarded).not.toContain('cannot decide at this precision');
    const plain = verdictMarkdown(sanityCheck({ id: 'p', claim: 'c', holds: true, unresolved: true, evidence: {} }));
    expect(plain).toContain('unresolved: the data cannot decide at this precision');
  });
});
