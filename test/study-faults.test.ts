import { sortFaults } from '@casebook/study';
import { describe, expect, it } from 'vitest';

/**
 * How the study files a measurement's faults (after seed-7326eaa1, where uvloop's unanswered pause was filed as "a
 * measured outcome of that client" and its block thrown away): the client's stall in a block is the client's; the
 * harness's unanswered pause is the harness's, listed, its block kept by the runner; every other error fails the run.
 */
const pause = { round: 0, code: 'CASEBOOK_PAUSE_UNANSWERED', message: 'the pause after block 0 was not answered' };
const record = (error: { code: string; message: string } | null, faults: unknown[] = []) => ({
  label: 'latest · httpx uvloop',
  error: error,
  client: {
    name: 'httpx',
    packageName: 'httpx',
    version: '0.28.1',
    sourceUrl: '',
    settings: faults.length ? { 'casebook.blockFaults': faults } : {},
  },
});

describe('sortFaults', () => {
  it("a pause left unanswered, reopened after: a harness fault in the notes, not a failure, not the client's", () => {
    const s = sortFaults(record(null, [pause]));
    expect(s.clientFault).toBeNull();
    expect(s.failure).toBeNull();
    expect(s.harnessFaults).toEqual([{ measurement: 'latest · httpx uvloop', ...pause }]);
  });
  it("a measurement dropped after an unanswered pause fails the run (a harness fault), never as the client's", () => {
    const error = { code: pause.code, message: pause.message };
    const s = sortFaults(record(error, [pause, { ...pause, round: 3 }]));
    expect(s.failure).toEqual(error);
    expect(s.clientFault).toBeNull();
    expect(s.harnessFaults.map((f) => f.round)).toEqual([0, 3]);
  });
  it("counterfactual: a stall while a block ran is the client's measured outcome", () => {
    const error = {
      code: 'CASEBOOK_CLIENT_STALLED',
      message: 'no request answered or failed for 15 s while a block ran',
    };
    const s = sortFaults(record(error));
    expect(s.clientFault).toMatchObject({ measurement: 'latest · httpx uvloop', code: 'CASEBOOK_CLIENT_STALLED' });
    expect(s.failure).toBeNull();
    expect(s.harnessFaults).toEqual([]);
  });
  it('counterfactual: a block timeout is a failure of the run', () => {
    const error = { code: 'CASEBOOK_TRIAL_TIMEOUT', message: 'block 0 ran longer than 48000 ms' };
    expect(sortFaults(record(error)).failure).toEqual(error);
  });
});
