import { describe, expect, it } from 'vitest';
import {
  parseStallPayload,
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
      },
    ]);
    const v = stallObservation({ id: 'stalls-latest', m, minUtilization: 0.9 });
    expect(v.kind).toBe('exploratory');
    expect(v.outcome).toBe('holds');
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
