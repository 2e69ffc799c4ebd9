import { describe, expect, it } from 'vitest';
import {
  blockFaultsOf,
  blockFaultText,
  faultBlockText,
  parseStallPayload,
  retryRows,
  STALL_PAYLOAD_MARKER,
  type StallMeasurement,
  stallFaultText,
  stallObservation,
  stallRows,
} from '../packages/analysis/src/seed-stalls';

const block = (round: number, throughputRps: number, clientUtilization = 1, errors = 0) => ({
  round,
  throughputRps,
  errors,
  cpuMicrosPerRequest: throughputRps > 0 ? 1e6 / throughputRps : 0,
  clientUtilization,
  targetCpuShare: 0.05,
});

const measurement = (label: string, rps: number[], extra: Partial<StallMeasurement> = {}): StallMeasurement => ({
  label,
  client: { name: 'httpx' },
  method: { blocks: rps.map((r, i) => block(i, r)) },
  ...extra,
});

describe('seed stalls (exploratory)', () => {
  it('lists a client that completed nothing in a block at a full core, with its errors largest first', () => {
    const m = measurement('latest · httpx', [12, 0], {
      errors: { total: 972, byCode: { ConnectTimeout: 3, PoolTimeout: 969 } },
    });
    expect(stallRows([m, measurement('2022 · httpx', [690, 615])])).toEqual([
      {
        label: 'latest · httpx',
        blocks: 2,
        stalledBlocks: 1,
        stalledUtilization: 1,
        failingBlocks: 0,
        errors: 'PoolTimeout 969, ConnectTimeout 3',
        fault: '',
        faultBlock: null,
        firstBlock: false,
        faults: [],
      },
    ]);
    const v = stallObservation({ id: 'stalls-latest', m, minUtilization: 0.9 });
    expect(v.kind).toBe('exploratory');
    expect(v.outcome).toBe('holds');
  });

  it('says what it is: an exploratory observation, not counted, that can hardly hold while a PoolTimeout counts as progress', () => {
    const v = stallObservation({ id: 's', m: measurement('latest · httpx', [690]), minUtilization: 0.9 });
    expect(v.kind).toBe('exploratory');
    expect(v.claim).toMatch(
      /^Exploratory observation \(found in the data; not a claim, not counted among the findings\)/,
    );
    expect(v.claim).toMatch(
      /Where the pool wait is bounded \(httpx's default 5 s `pool`\) it can hardly hold: a failed request counts as progress, and httpx fails a request that waited 5 s/,
    );
    // It does not describe pool=None rows as failing on the pool wait (seed-18581e19's reader: retry counter 0 there).
    expect(v.claim).toMatch(/With the pool wait unbounded \(`pool=None`[^)]*\) no waiter fails on a pool bound/);
    // A block whose waiters all failed on the pool timeout is progress, so the observation does not hold there.
    const timingOut: StallMeasurement = { ...measurement('x', []), method: { blocks: [block(0, 0, 1, 969)] } };
    expect(stallObservation({ id: 's', m: timingOut, minUtilization: 0.9 }).outcome).not.toBe('holds');
  });

  const stalled = (payload: object | null) => ({
    code: 'CASEBOOK_CLIENT_STALLED',
    message: `no request answered or failed for 15 s while a block ran${payload ? `${STALL_PAYLOAD_MARKER}${JSON.stringify(payload)}` : ''}`,
  });
  const quiet = {
    answered: 0,
    failed: 0,
    byCode: {},
    cpuS: 14.8,
    wallS: 15.2,
    busy: 0.974,
    peakOpenConnections: 100,
    openConnections: 100,
  };

  it('reads the block payload of a stall fault, and nothing from a message without one', () => {
    const e = stalled({ ...quiet, failed: 3, byCode: { PoolTimeout: 3 } });
    expect(parseStallPayload(e.message)).toMatchObject({
      answered: 0,
      failed: 3,
      byCode: { PoolTimeout: 3 },
      busy: 0.974,
    });
    expect(stallFaultText(e.message)).toBe('no request answered or failed for 15 s while a block ran');
    expect(parseStallPayload('no request answered for 15 s while a block ran')).toBeNull();
    expect(parseStallPayload(`x${STALL_PAYLOAD_MARKER}{not json`)).toBeNull();
  });

  it('holds for a client given up as stalled only when its block shows no request ended at a busy core (no cold-pool claim)', () => {
    const m = measurement('latest · httpx uvloop', [], { error: stalled(quiet) });
    const v = stallObservation({ id: 's', m, minUtilization: 0.9 });
    expect(v.outcome).toBe('holds');
    // Its first block, recorded as such; but every block starts after a pause past the 5 s keepalive_expiry, so the
    // claim no longer says "from a cold pool" (seed-15163329's review).
    expect(v.claim).not.toMatch(/cold pool/);
    expect(v.evidence).toMatchObject({ faultAnswered: 0, faultFailed: 0, faultBusy: 0.974, firstBlock: true });
  });

  it('a time limit is not a stop, even when its partial block ended nothing at a busy core (only the watchdog says stop)', () => {
    const payload = { ...quiet, partial: true, phase: 'warmup', warmupWindows: 4, measuredWindows: 0 };
    const m = measurement('latest · httpx', [], {
      error: {
        code: 'CASEBOOK_TRIAL_TIMEOUT',
        message: `block 0 ran longer than 48000 ms in its warm-up${STALL_PAYLOAD_MARKER}${JSON.stringify(payload)}`,
      },
    });
    const v = stallObservation({ id: 's', m, minUtilization: 0.9 });
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence['faultBlockData']).toBe(true);
    // The same block data under the watchdog's fault holds.
    expect(
      stallObservation({ id: 's', m: measurement('x', [], { error: stalled(quiet) }), minUtilization: 0.9 }).outcome,
    ).toBe('holds');
  });

  it('is unresolved for a stall fault with no block data (as the records before the payload), or one showing progress or an idle client', () => {
    const old = measurement('latest · httpx', [], {
      error: { code: 'CASEBOOK_CLIENT_STALLED', message: 'no request answered for 15 s while a block ran' },
    });
    const v = stallObservation({ id: 's', m: old, minUtilization: 0.9 });
    expect(v.outcome).toBe('unresolved');
    expect(v.evidence).toMatchObject({ faultBlockData: false, blocks: 0 });
    for (const p of [
      { ...quiet, failed: 315, byCode: { PoolTimeout: 315 } },
      { ...quiet, answered: 197 },
      { ...quiet, busy: 0.3 },
      { ...quiet, busy: null },
    ])
      expect(
        stallObservation({ id: 's', m: measurement('x', [], { error: stalled(p) }), minUtilization: 0.9 }).outcome,
      ).toBe('unresolved');
  });

  it('a measured block that failed every request is running, not stalled: unresolved, never holds', () => {
    const m: StallMeasurement = { ...measurement('x', []), method: { blocks: [block(0, 0, 1, 420)] } };
    const [row] = stallRows([m]);
    expect(row).toMatchObject({ stalledBlocks: 0, failingBlocks: 1 });
    expect(stallObservation({ id: 's', m, minUtilization: 0.9 }).outcome).toBe('unresolved');
  });

  it('is unresolved for a block past its time limit before any measured block (slow, not proven frozen)', () => {
    const timedOut = measurement('as-reported · httpx', [], {
      error: { code: 'CASEBOOK_TRIAL_TIMEOUT', message: 'block 0 ran longer than 48 s' },
    });
    const v = stallObservation({ id: 's', m: timedOut, minUtilization: 0.9 });
    expect(v.outcome).toBe('unresolved');
    expect(v.holds).toBe(false);
    // A measured block that completed nothing at a full core still holds, whatever the fault after it.
    const measured = measurement('as-reported · httpx', [0], {
      error: { code: 'CASEBOOK_TRIAL_TIMEOUT', message: 'block 1 ran longer than 48 s' },
    });
    expect(stallObservation({ id: 's', m: measured, minUtilization: 0.9 }).outcome).toBe('holds');
    const other = measurement('latest · aiohttp', [640], {
      error: { code: 'CASEBOOK_WORKER', message: 'ImportError' },
    });
    expect(stallObservation({ id: 's', m: other, minUtilization: 0.9 }).outcome).toBe('fails');
  });

  it('fails when every block made progress; a zero block of an idle client (not a busy one) is unresolved; no data is unresolved', () => {
    expect(stallObservation({ id: 's', m: measurement('2022 · httpx', [690, 615]), minUtilization: 0.9 }).outcome).toBe(
      'fails',
    );
    const idle: StallMeasurement = { ...measurement('x', [0]), method: { blocks: [block(0, 0, 0.02)] } };
    expect(stallObservation({ id: 's', m: idle, minUtilization: 0.9 }).outcome).toBe('unresolved');
    expect(stallObservation({ id: 's', m: measurement('x', []), minUtilization: 0.9 }).outcome).toBe('unresolved');
  });
});

describe('every block fault of a measurement (casebook.blockFaults)', () => {
  const partial = (phase: string, answered: number, failed: number) =>
    `${STALL_PAYLOAD_MARKER}${JSON.stringify({ answered, failed, byCode: failed ? { PoolTimeout: failed } : {}, cpuS: 12, wallS: 48, busy: 0.99, peakOpenConnections: 100, openConnections: 100, partial: true, phase, phaseMs: 48_000, limitMs: 48_000, warmupWindows: 3, measuredWindows: 0, sent: 1188, throughputRps: 2, cpuMicrosPerRequest: 100, measuredThroughputRps: null })}`;
  const first = {
    round: 0,
    code: 'CASEBOOK_TRIAL_TIMEOUT',
    message: `block 0 ran longer than 48000 ms${partial('warmup', 100, 576)}`,
  };
  const second = {
    round: 1,
    code: 'CASEBOOK_TRIAL_TIMEOUT',
    message: `block 1 ran longer than 48000 ms${partial('warmup', 80, 751)}`,
  };
  // Timed out in round 0, reopened, timed out again in round 1 and dropped: its error is the second fault.
  const twice = measurement('2022 · httpx', [], {
    client: { name: 'httpx', settings: { 'casebook.blockFaults': [first, second] } },
    error: { code: second.code, message: second.message },
  });

  it('lists both faults, each with its round and phase; only round 0 is the first block', () => {
    const faults = blockFaultsOf(twice);
    expect(faults.map((f) => [f.round, f.phase, f.firstBlock, f.afterReopen])).toEqual([
      [0, 'warmup', true, false],
      [1, 'warmup', false, true],
    ]);
    expect(faults.map(blockFaultText)).toEqual([
      'CASEBOOK_TRIAL_TIMEOUT in round 0 (warm-up; its first block)',
      'CASEBOOK_TRIAL_TIMEOUT in round 1 (warm-up; after a reopen)',
    ]);
    expect(faultBlockText(faults[1]?.block as NonNullable<(typeof faults)[number]['block']>)).toMatch(
      /^warm-up phase after 48000 ms \(limit 48000\), 3 windows received: .* 80 answered, 751 failed \(PoolTimeout 751\), busy 0\.99/,
    );
    const [row] = stallRows([twice]);
    expect(row?.faults).toHaveLength(2);
    // The error is round 1's, after a reopen: not "its first block" (seed-7326eaa1's table said it was).
    expect(row?.firstBlock).toBe(false);
    // Counterfactual: the old rule (no block completed) called it the first block.
    expect((row?.blocks ?? 0) === 0).toBe(true);
  });

  it('a fault after a completed block is not the first block; a record without the setting gives its error alone', () => {
    const later = measurement('x', [500], {
      client: { name: 'httpx', settings: { 'casebook.blockFaults': [{ ...first, round: 1 }] } },
      error: { code: first.code, message: first.message },
    });
    expect(blockFaultsOf(later).map((f) => f.firstBlock)).toEqual([false]);
    expect(stallRows([later])[0]?.firstBlock).toBe(false);
    const old = measurement('y', [], { error: { code: 'CASEBOOK_CLIENT_STALLED', message: 'no request answered' } });
    expect(blockFaultsOf(old)).toMatchObject([{ round: null, code: 'CASEBOOK_CLIENT_STALLED', firstBlock: true }]);
    expect(blockFaultText(blockFaultsOf(old)[0] as ReturnType<typeof blockFaultsOf>[number])).toBe(
      'CASEBOOK_CLIENT_STALLED (its first block)',
    );
    // An unanswered pause (the harness's, not the measurement's error) is listed too, in the pause phase.
    const paused = measurement('z', [900], {
      client: {
        name: 'httpx',
        settings: {
          'casebook.blockFaults': [
            { round: 0, code: 'CASEBOOK_PAUSE_UNANSWERED', message: 'the pause after block 0 was not answered' },
          ],
        },
      },
    });
    expect(stallRows([paused])[0]?.faults.map(blockFaultText)).toEqual([
      'CASEBOOK_PAUSE_UNANSWERED in round 0 (pause; its first block)',
    ]);
  });
});

describe('ConnectionNotAvailable retry rows', () => {
  const tally = (retries: number, requestsEnded: number) => ({
    retries,
    requestsEnded,
    perRequest: retries / requestsEnded,
  });
  const m = (label: string, settings: Record<string, unknown>, flags: string[] = []) => ({
    label,
    client: { settings },
    guards: { flags, rankable: flags.length === 0 },
  });
  const key = 'httpcore.connectionNotAvailableRetries';

  it('every measurement with the counter in every run, flagged ones included; none without it', () => {
    const rows = retryRows([
      { run: 'gap', records: [m('latest · httpx', { [key]: tally(100, 1000) }), m('latest · aiohttp', {})] },
      { run: 'sweep', records: [m('latest · httpx c64', { [key]: tally(313, 100) }, ['collapsed (73 req/s)'])] },
      { run: 'storm', records: [m('latest · httpx keepalive=100', { [key]: tally(612, 100) })] },
    ]);
    expect(rows.map((r) => [r.run, r.measurement, r.processes, r.perRequest, r.flags])).toEqual([
      ['gap', 'latest · httpx', 1, 0.1, ''],
      ['sweep', 'latest · httpx c64', 1, 3.13, 'collapsed (73 req/s)'],
      ['storm', 'latest · httpx keepalive=100', 1, 6.12, ''],
    ]);
  });

  it('a reopened measurement counts the process that faulted too; one dropped after its fault counts it once', () => {
    const fault = { round: 0, code: 'CASEBOOK_TRIAL_TIMEOUT', message: 'x', poolRetries: tally(50, 100) };
    const reopened = m('r', { [key]: tally(30, 300), 'casebook.blockFaults': [fault] });
    const dropped = m('d', { [key]: tally(50, 100), 'casebook.blockFaults': [fault] });
    const [a, b] = retryRows([{ run: 'gap', records: [reopened, dropped] }]);
    expect(a).toMatchObject({ processes: 2, retries: 80, requestsEnded: 400, perRequest: 0.2 });
    expect(a?.perProcess).toBe('round 0 (faulted): 0.500 per request; after the reopen: 0.100 per request');
    expect(b).toMatchObject({ processes: 1, retries: 50, requestsEnded: 100, perProcess: '' });
    // Counterfactual: the record's counter alone (the notebook's old table) saw only the last process.
    expect(a?.retries).not.toBe(30);
  });
});
