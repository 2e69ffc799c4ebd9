import { RACE_RUNS_FILE, type RaceRunEntry, RaceRunsFileSchema, RecordError, validateAgainst } from '@casebook/results';
import { describe, expect, it } from 'vitest';

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
