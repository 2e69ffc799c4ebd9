import { describe, expect, it } from 'vitest';
import { type StallMeasurement, stallObservation, stallRows } from '../packages/analysis/src/seed-stalls';

const block = (round: number, throughputRps: number, clientUtilization = 1) => ({
  round,
  throughputRps,
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
        errors: 'PoolTimeout 969, ConnectTimeout 3',
        fault: '',
      },
    ]);
    const v = stallObservation({ id: 'stalls-latest', m, minUtilization: 0.9 });
    expect(v.kind).toBe('exploratory');
    expect(v.outcome).toBe('holds');
  });

  it('holds for a client given up as stalled, even with no zero block recorded', () => {
    const m = measurement('latest · httpx uvloop', [], {
      error: { code: 'CASEBOOK_CLIENT_STALLED', message: 'the event loop did not answer' },
    });
    expect(stallObservation({ id: 's', m, minUtilization: 0.9 }).outcome).toBe('holds');
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

  it('fails when every block made progress, and when a zero block was an idle client (not a busy one)', () => {
    expect(stallObservation({ id: 's', m: measurement('2022 · httpx', [690, 615]), minUtilization: 0.9 }).outcome).toBe(
      'fails',
    );
    const idle: StallMeasurement = { ...measurement('x', [0]), method: { blocks: [block(0, 0, 0.02)] } };
    expect(stallObservation({ id: 's', m: idle, minUtilization: 0.9 }).outcome).toBe('fails');
  });
});
