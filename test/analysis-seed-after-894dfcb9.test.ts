import {
  CONTENDER_REFERENCE,
  CONTENDER_REFERENCE_COLUMNS,
  connectionsUsedText,
  contenderReferenceRows,
  GATHER_POOL_STATE,
  GATHER_SETTLED,
  type GatherBatchesLike,
  type GatherRecordLike,
  gatherGuardsOf,
  gatherPoolRows,
  gatherPoolTable,
  gatherSample,
  processSpreadReading,
  replicatedGathers,
  settledBatchesOf,
  voidedClaimsSplit,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

/**
 * The rules stated before the next run after seed-894dfcb9 (its second reader, findings 1, 2, 3, 6, 7 and 8), on
 * constructed data, each on the side that passes and the side that does not: every gather statistic on a process's
 * settled batches (±1 of its modal peak; ±10 % of the pool limit for a storm pool), `pool-state-moved` only below 6
 * settled batches or at ≥ 0.01 new sockets per request where none should open; the contenders' flags and range over
 * reference processes; the pools table's retries over the kept batches; flagged processes marked; settled sizes in
 * the A/A row; the tally of guard-voided claims by what their data alone decide. No process, no socket.
 */

type Trial = GatherBatchesLike['trials'][number] & GatherRecordLike['trials'][number];

interface Spec {
  label?: string;
  /** Per measured batch: peak open connections, CPU µs/request, new sockets; the first 4 are the warm-up. */
  batches: readonly { peak: number; cpu?: number; opened?: number; retries?: number }[];
  settings?: Record<string, unknown>;
}

/** A gather process with no keepalive_expiry recorded (so its first 4 measured batches are the warm-up). */
function gatherOf(s: Spec): GatherBatchesLike & GatherRecordLike & { trials: Trial[] } {
  return {
    label: s.label ?? 'latest · httpx pool=None @ 0 ms · process 1',
    client: {
      name: 'httpx',
      settings: { client: 'httpx', 'httpx.max_keepalive_connections': 20, 'httpx.max_connections': 100, ...s.settings },
    },
    warmup: { sent: 512 },
    trials: s.batches.map((b, i) => ({
      sent: 512,
      durationMs: 600,
      cpuMicrosPerRequest: (b.cpu ?? 1000) * (1 + ((i % 3) - 1) / 200),
      target: { connectionsOpened: b.opened ?? 0, peakOpenConnections: b.peak },
      ...(b.retries === undefined
        ? {}
        : {
            poolCounters: {
              sampleEvery: 64,
              passes: 1024,
              sampledPasses: 16,
              queuedTimesConnections: 0,
              sampledConnections: 160,
              sampledPassMicros: 100,
              retries: b.retries,
              idleProbes: 0,
              connectionsCreated: b.opened ?? 0,
            },
          }),
    })),
  };
}

const warm = (n = 4) => Array.from({ length: n }, () => ({ peak: 20, cpu: 3000 }));
const at = (peak: number, n: number, extra: { cpu?: number; opened?: number; retries?: number } = {}) =>
  Array.from({ length: n }, () => ({ peak, ...extra }));

describe('finding 1: every gather statistic on each process settled batches; pool-state-moved only below 6 of them', () => {
  it('keeps a process with a few off-size batches and decides it on its settled batches only', () => {
    // 10 kept batches at 9 open (1,000 µs), 4 at 12 (1,300 µs): settled at 9, 10 settled batches.
    const g = gatherOf({ batches: [...warm(), ...at(9, 5), ...at(12, 4, { cpu: 1300 }), ...at(9, 5)] });
    const s = gatherSample(g, GATHER_SETTLED);
    expect(s.guards?.flags).toEqual([]);
    expect(s.settledPool).toBe(9);
    expect(s.kept).toBe(14);
    expect(s.settled).toBe(10);
    expect(s.method?.blocks).toHaveLength(10);
    expect(Math.max(...(s.method?.blocks ?? []).map((b) => b.cpuMicrosPerRequest))).toBeLessThan(1100);
    // The rule stated after seed-e65a2755 (±1 from the first kept batch) flagged this process.
    expect(gatherSample(g, GATHER_POOL_STATE).guards?.flags.join(' ')).toMatch(/^pool-state-moved/);
    // The bench's citation medians read the settled batches too.
    expect(
      gatherGuardsOf({ ...g, params: { load: { concurrency: 512, requests: 512 } } }, GATHER_SETTLED)
        ?.cpuMicrosPerRequest,
    ).toBeLessThan(1100);
  });

  it('flags a process with fewer than 6 settled batches', () => {
    const g = gatherOf({ batches: [...warm(), ...at(9, 5), ...at(13, 3)] });
    const flags = gatherSample(g, GATHER_SETTLED).guards?.flags ?? [];
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatch(/^pool-state-moved \(5 of 8 kept batches within ±1 of the settled size 9, fewer than 6\)/);
  });

  it('never flags new sockets below 0.01 per request: 0.005 does not flag, 0.02 does', () => {
    // 10 settled batches of 512: 5,120 requests. 26 new sockets = 0.0051 per request; 103 = 0.0201.
    const spread = (total: number) => Array.from({ length: 10 }, (_, i) => ({ peak: 9, opened: i === 0 ? total : 0 }));
    const low = gatherOf({ batches: [...warm(), ...spread(26)] });
    const high = gatherOf({ batches: [...warm(), ...spread(103)] });
    expect(gatherSample(low, GATHER_SETTLED).guards?.flags).toEqual([]);
    expect(gatherSample(high, GATHER_SETTLED).guards?.flags.join(' ')).toMatch(
      /^pool-state-moved \(103 new sockets in 5120 requests of the settled batches \(0\.020 per request, at least 0\.01\) where a pool of 9 open should open none\)/,
    );
    // The same 26 sockets flagged under the rule stated after seed-e65a2755 (any new socket).
    expect(gatherSample(low, GATHER_POOL_STATE).guards?.flags.join(' ')).toMatch(/new socket/);
  });

  it('a pool above its keep-alive count reopens by design: its new sockets never flag', () => {
    const g = gatherOf({ batches: [...warm(), ...at(30, 8, { opened: 400 })] });
    expect(gatherSample(g, GATHER_SETTLED).guards?.flags).toEqual([]);
  });
});

describe('finding 2: a storm pool (settled at ≥ 0.9 × its limit) is settled within 10 % of the limit', () => {
  // seed-894dfcb9's latest · httpx @ 50 ms, process 2: peaks 90–100 of a limit of 100, 492 new sockets a batch.
  const peaks = [100, 92, 100, 90, 97, 100, 95, 100];
  const storm = gatherOf({ batches: [...warm(), ...peaks.map((peak) => ({ peak, opened: 492 }))] });

  it('keeps every batch within ±10 of its settled size 100, and flags nothing', () => {
    const s = settledBatchesOf(
      storm.trials.slice(4),
      storm.client.settings,
      GATHER_SETTLED.poolState ?? { maxPeakChange: 1 },
    );
    expect(s).toMatchObject({ size: 100, tolerance: 10, storm: true });
    expect(s.batches).toHaveLength(8);
    expect(gatherSample(storm, GATHER_SETTLED).guards?.flags).toEqual([]);
    expect(gatherSample(storm, GATHER_POOL_STATE).guards?.flags.join(' ')).toMatch(/^pool-state-moved/);
  });

  it('keeps ±1 below 0.9 × the limit (the same peaks under a limit of 1,000), and then flags it', () => {
    const wide = {
      ...storm,
      client: { ...storm.client, settings: { ...storm.client.settings, 'httpx.max_connections': 1000 } },
    };
    const s = settledBatchesOf(
      wide.trials.slice(4),
      wide.client.settings,
      GATHER_SETTLED.poolState ?? { maxPeakChange: 1 },
    );
    expect(s).toMatchObject({ size: 100, tolerance: 1, storm: false });
    expect(s.batches).toHaveLength(4);
    expect(gatherSample(wide, GATHER_SETTLED).guards?.flags.join(' ')).toMatch(/4 of 8 kept batches within ±1/);
  });
});

describe('finding 7: the contenders per reference process carry their flags and the range over the processes', () => {
  const ref = (p: number, cpu: number) =>
    gatherOf({
      label: `${CONTENDER_REFERENCE} · process ${p}`,
      batches: [...warm(), ...at(100, 8, { cpu })],
      settings: { client: 'aiohttp', 'aiohttp.limit': 100 },
    });
  const refs = [ref(1, 47), ref(2, 53), ref(3, 48)];

  it('prints the range over reference processes first, and a flagged contender names its flag', () => {
    // pyreqwest's shape: its pool moved 270 → 307 open (fewer than 6 settled batches).
    const pyreqwest = gatherOf({
      label: 'contenders · pyreqwest @ 0 ms',
      batches: [...warm(), ...at(270, 4, { cpu: 42 }), ...at(307, 4, { cpu: 42 })],
      settings: { client: 'pyreqwest', 'httpx.max_keepalive_connections': undefined },
    });
    const [row] = contenderReferenceRows([pyreqwest], refs, GATHER_SETTLED);
    expect(Object.keys(row ?? {})).toEqual([...CONTENDER_REFERENCE_COLUMNS]);
    // 4 settled batches: each ratio has no interval, so the range carries none either.
    expect(row?.[`range over ${CONTENDER_REFERENCE} processes`]).toBe('0.79–0.89× over 3 processes');
    expect(String(row?.flagged)).toMatch(/^contenders · pyreqwest @ 0 ms: pool-state-moved/);
  });
});

describe('finding 8: retries over the kept batches, flagged processes marked, settled sizes in the A/A row', () => {
  const h = (p: number, peaks: readonly number[], retries: number) =>
    gatherOf({
      label: `latest · httpx pool=None @ 0 ms · process ${p}`,
      batches: [
        { peak: 100, retries: 5000 },
        ...warm(3).map((w) => ({ ...w, retries: 2000 })),
        ...peaks.map((peak) => ({ peak, retries })),
      ],
    });
  const a = gatherOf({
    label: 'latest · aiohttp @ 0 ms',
    batches: [...warm(), ...at(100, 8, { cpu: 50 })],
    settings: { client: 'aiohttp', 'aiohttp.limit': 100 },
  });

  it('reads the retries per request over the kept batches, not the whole process', () => {
    const gs = [h(1, Array(8).fill(9), 2048), h(2, Array(8).fill(9), 2048), h(3, Array(8).fill(13), 2048)];
    const [row] = gatherPoolRows(gs, GATHER_SETTLED);
    expect(row?.retriesOver).toBe('kept batches');
    expect(row?.retriesText).toBe('4.00 (4.00–4.00)');
    expect(gatherPoolTable(row ? [row] : [])[0]?.['ConnectionNotAvailable retries per request (per process)']).toBe(
      '4.00 (4.00–4.00)',
    );
  });

  it('marks the flagged processes in "Connections each client used", and prints each process settled size', () => {
    const moved = h(2, [13, 13, 13, 9, 9, 9, 9, 9], 2048);
    const gs = [h(1, Array(8).fill(9), 2048), moved, h(3, Array(8).fill(9), 2048), a];
    const rows = gatherPoolRows(gs, GATHER_SETTLED);
    expect(rows[0]?.flaggedProcesses).toEqual(['latest · httpx pool=None @ 0 ms · process 2']);
    expect(connectionsUsedText(rows, ['latest'])).toContain(
      '`latest` httpx 9–13, aiohttp 100 (flagged: `latest · httpx pool=None @ 0 ms · process 2`)',
    );
    const [arm] = replicatedGathers(gs.slice(0, 3).map((g) => gatherSample(g, GATHER_SETTLED)));
    if (!arm) throw new Error('fixture');
    expect(processSpreadReading(arm, gatherSample(a, GATHER_SETTLED)).text).toContain(
      '(medians of their settled batches; settled at 9, 9, 9 open connections)',
    );
  });
});

describe('finding 6: the claims a guard voided, by what their data alone decide', () => {
  it('counts holds, fails and unresolved over unguardedOutcome and outcomeWithoutPremise, and ignores the rest', () => {
    const t = voidedClaimsSplit([
      {
        id: 'closes-uvloop-gather',
        kind: 'claim',
        outcome: 'unresolved',
        evidence: { unguardedOutcome: 'unresolved' },
      },
      {
        id: 'closes-keepalive-gather-50ms',
        kind: 'claim',
        outcome: 'unresolved',
        evidence: { unguardedOutcome: 'fails' },
      },
      { id: 'x', kind: 'claim', outcome: 'unresolved', evidence: { outcomeWithoutPremise: 'holds' } },
      { id: 'y', kind: 'claim', outcome: 'holds', evidence: {} },
      { id: 'z', kind: 'exploratory', outcome: 'unresolved', evidence: { unguardedOutcome: 'holds' } },
    ]);
    expect(t).toMatchObject({ voided: 3, holds: 1, fails: 1, unresolved: 1 });
    expect(t.text).toBe(
      '3 voided by guards, their data alone: 1 hold, 1 fails, 1 unresolved (`closes-uvloop-gather` unresolved, `closes-keepalive-gather-50ms` fails, `x` holds)',
    );
    expect(voidedClaimsSplit([]).text).toBe('');
  });
});
