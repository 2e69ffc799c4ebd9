import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type AppRun,
  appRouteNotes,
  appRouteRows,
  claimsAfterE65a2755,
  claimTally,
  cpuGrowthClaim,
  declaredBeforeRun,
  type GatherClaimRecord,
  KEEPALIVE_50MS,
  keepalive50msSwitches,
  keepalive50msTrials,
  keepaliveAt50msClaim,
  NO_REOPEN_IDENTITY,
  noReopenClaim,
  notCountedAfterE65a2755,
  PASS_SHARE_SEEN,
  recommendationsFrom,
  replicationOfSeen,
  settledPoolSizeOfProcess,
  UVLOOP_MATCHED_POOL,
  UVLOOP_MATCHED_POOL_SEEN,
  uvloopMatchedPoolClaim,
  type VerdictData,
  verdictKindText,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';
import { seedMeasurementFactory } from './fixtures/seed-measurement';

/**
 * The rules stated before the next run after seed-e65a2755 (its second reader; cell
 * stated-before-next-run-after-e65a2755), on constructed data, each counted claim on the side that holds, the side
 * that fails and the side its premise is absent: `closes-keepalive-gather-50ms`, `uvloop-matched-pool`; the identity
 * and the demotions of finding 1, the labels of finding 12, the FastAPI readings of finding 11 and the replicated
 * recommendations of finding 13. No process, no socket.
 */

/** A small deterministic spread (±1 %) so a gather's batches are not all equal. */
const wobble = (i: number, p: number): number => 1 + (((i * 7 + p * 3) % 5) - 2) / 200;

interface ProcessSpec {
  cpu: number;
  peaks: readonly number[];
  opened?: number;
  error?: { code: string; message: string };
}

/** One gather process of `arm` (`<arm> · process <p>`): a batch of 512 per peak, at `cpu` µs/request ± 1 %. */
function processOf(arm: string, p: number, o: ProcessSpec): GatherClaimRecord {
  return {
    label: `${arm} · process ${p}`,
    client: { name: 'httpx', settings: { client: 'httpx', 'httpx.max_keepalive_connections': 20 } },
    warmup: { sent: 512 },
    trials: o.peaks.map((peak, i) => ({
      sent: 512,
      durationMs: 600,
      cpuMicrosPerRequest: o.cpu * wobble(i, p),
      target: { connectionsOpened: o.opened ?? 0, peakOpenConnections: peak },
    })),
    error: o.error ?? null,
  };
}

/** An arm of three processes, each with 8 batches at its own pool size. */
const arm = (label: string, cpu: number, sizes: readonly number[], opened = 0): GatherClaimRecord[] =>
  sizes.map((size, k) => processOf(label, k + 1, { cpu, peaks: Array(8).fill(size), opened }));

describe('closes-keepalive-gather-50ms: keep-alive = 100 against httpx defaults at 50 ms, 3 processes each', () => {
  // seed-e65a2755's latest · httpx @ 50 ms: 492 new sockets in every batch of 512, 100 open, ~1,200 µs/request.
  const reference = arm(KEEPALIVE_50MS.reference, 1200, [100, 100, 100], 492);

  // Restated after seed-894dfcb9 (its second reader's finding 2; the rule deliberately changed): a replication of that
  // run in the opposite direction, exploratory, holding when keep-alive = 100 costs wholly more than 1×.
  it('holds when keep-alive = 100 costs wholly more than 1× (7.65× in seed-894dfcb9), as an exploratory replication', () => {
    const v = keepaliveAt50msClaim([...reference, ...arm(KEEPALIVE_50MS.arm, 9000, [100, 100, 100])], 0);
    expect(v?.kind).toBe('exploratory');
    expect(v?.outcome).toBe('holds');
    expect(v?.evidence['replicates']).toBe('seed-894dfcb9');
    expect(v?.claim).toMatch(/^Replication of seed-894dfcb9 .*keepalive_expiry .* at 30 s, .* spends more than 1× /);
    expect(v?.statistic?.value).toBeCloseTo(9000 / 1200, 1);
    expect(String(v?.evidence['premise'])).toMatch(/^premise present: 11808 new sockets for 12288 requests/);
  });

  it('fails when keep-alive = 100 costs wholly less (0.67×): the direction seed-e65a2755 stated', () => {
    const v = keepaliveAt50msClaim([...reference, ...arm(KEEPALIVE_50MS.arm, 800, [100, 100, 100])], 0);
    expect(v?.outcome).toBe('fails');
  });

  it('runs both 50 ms arms with keepalive_expiry and the target keep-alive timeout at 30 s, no other gather', () => {
    expect(keepalive50msSwitches(KEEPALIVE_50MS.arm)).toEqual({
      keepaliveExpiryS: 30,
      target: { keepAliveTimeoutMs: 30_000 },
    });
    expect(keepalive50msSwitches(KEEPALIVE_50MS.reference)).toEqual({
      keepaliveExpiryS: 30,
      target: { keepAliveTimeoutMs: 30_000 },
    });
    expect(keepalive50msSwitches('latest · httpx @ 0 ms')).toEqual({});
  });

  it('is unresolved, premise absent, when the reference reopens fewer than 0.5 sockets per request', () => {
    const quiet = arm(KEEPALIVE_50MS.reference, 1200, [20, 20, 20], 100);
    const v = keepaliveAt50msClaim([...quiet, ...arm(KEEPALIVE_50MS.arm, 1150, [100, 100, 100])], 0);
    expect(v?.outcome).toBe('unresolved');
    expect(v?.evidence['outcomeWithoutPremise']).toBe('fails');
    expect(String(v?.evidence['premise'])).toMatch(/^premise absent: /);
  });

  it('is not made where its arm did not run (the smoke profile), and its batches follow the plan', () => {
    expect(keepaliveAt50msClaim(reference, 0)).toBeNull();
    expect(keepalive50msTrials(24, 36)).toEqual({ [KEEPALIVE_50MS.reference]: 24, [KEEPALIVE_50MS.arm]: 36 });
  });
});

describe('uvloop-matched-pool: uvloop against the default loop between processes at one settled pool size', () => {
  const A = UVLOOP_MATCHED_POOL.arm;
  const D = UVLOOP_MATCHED_POOL.reference;
  // seed-e65a2755's shape: the default arm settled at 9, 14 and 9 connections, uvloop's at 8, 8 and 8.
  const defaults = arm(D, 1060, [9, 14, 9]);

  // Since seed-894dfcb9 the tie goes to the value reached last (settledPoolOf, the one settled size of every rule).
  it('reads the settled pool size as the modal peak of the kept batches, on a tie the value reached last', () => {
    const p = processOf(D, 1, { cpu: 1000, peaks: [20, 9, 9, 14, 14, 9] });
    expect(settledPoolSizeOfProcess(p, 0)).toBe(9);
    expect(settledPoolSizeOfProcess(p, 3)).toBe(14);
    expect(settledPoolSizeOfProcess(processOf(D, 1, { cpu: 1000, peaks: [14, 8] }), 0)).toBe(8);
    expect(settledPoolSizeOfProcess(processOf(D, 1, { cpu: 1000, peaks: [8, 14] }), 0)).toBe(14);
    expect(settledPoolSizeOfProcess({ ...p, trials: p.trials.map((t) => ({ ...t, target: null })) }, 0)).toBeNull();
  });

  // Since seed-894dfcb9 (finding 3; the rule deliberately changed) a match is exact: 8 no longer matches 9.
  it('holds when every matched pair (9 against 9) is at most 0.92 with its upper end below 1', () => {
    const v = uvloopMatchedPoolClaim([...defaults, ...arm(A, 900, [9, 9, 9])], 0);
    expect(v?.kind).toBe('claim');
    expect(v?.outcome).toBe('holds');
    // Processes 1 and 3 of the default arm (9) match every uvloop process (9); process 2 (14) matches none.
    expect(v?.evidence['matchedPairs']).toBe(6);
    expect(v?.evidence['decidedPairs']).toBe(6);
    expect(String(v?.evidence['pairs'])).not.toContain(`${D} · process 2`);
    expect(v?.statistic?.value).toBeCloseTo(900 / 1060, 1);
    expect(v?.evidence['flagged']).toBe('none');
    expect(String(v?.evidence['unflaggedOnly'])).toMatch(/^holds: 6 decided pair\(s\) of unflagged processes/);
  });

  it('matches on the exact settled size: 8 against 9 is no pair (premise absent)', () => {
    expect(UVLOOP_MATCHED_POOL.tolerance).toBe(0);
    const v = uvloopMatchedPoolClaim([...defaults, ...arm(A, 900, [8, 8, 8])], 0);
    expect(v?.evidence['matchedPairs']).toBe(0);
    expect(v?.outcome).toBe('unresolved');
  });

  it('fails when a matched pair is above 0.92 (0.98×)', () => {
    const v = uvloopMatchedPoolClaim([...defaults, ...arm(A, 1040, [9, 9, 9])], 0);
    expect(v?.outcome).toBe('fails');
  });

  it('records each flagged process and the reading on unflagged processes only', () => {
    // uvloop process 1 drifts 2× between its halves (not-converged under the rule): flagged; its pairs leave the reading.
    const drifting = processOf(A, 1, { cpu: 900, peaks: Array(8).fill(9) });
    const u1 = {
      ...drifting,
      trials: drifting.trials.map((t, i) => ({ ...t, cpuMicrosPerRequest: i < 4 ? 1800 : 900 })),
    };
    const rest = arm(A, 900, [9, 9, 9]).slice(1);
    const v = uvloopMatchedPoolClaim([...defaults, u1, ...rest], 0);
    expect(String(v?.evidence['flagged'])).toMatch(new RegExp(`^${A} · process 1: not-converged`));
    expect(String(v?.evidence['unflaggedOnly'])).toMatch(/^holds: 4 decided pair\(s\) of unflagged processes/);
  });

  // Since seed-894dfcb9 (rule 5): decided on the pairs of unflagged processes; the reading over every pair is evidence.
  it('is decided on unflagged pairs: a flagged process that fails the threshold does not fail it', () => {
    const drifting = processOf(A, 1, { cpu: 1040, peaks: Array(8).fill(9) });
    const u1 = {
      ...drifting,
      trials: drifting.trials.map((t, i) => ({ ...t, cpuMicrosPerRequest: i < 4 ? 2080 : 1040 })),
    };
    const v = uvloopMatchedPoolClaim([...defaults, u1, ...arm(A, 900, [9, 9, 9]).slice(1)], 0);
    expect(v?.outcome).toBe('holds');
    expect(v?.evidence['allPairsOutcome']).toBe('fails');
    const onlyFlagged = uvloopMatchedPoolClaim([...defaults, u1], 0);
    expect(onlyFlagged?.outcome).toBe('unresolved');
  });

  it('is a replication of seed-894dfcb9 from the next run (replicationOfSeen): exploratory, its text naming the run', () => {
    const v = uvloopMatchedPoolClaim([...defaults, ...arm(A, 900, [9, 9, 9])], 0);
    const r = replicationOfSeen(v as VerdictData, UVLOOP_MATCHED_POOL_SEEN);
    expect(r.kind).toBe('exploratory');
    expect(r.outcome).toBe('holds');
    expect(r.claim).toMatch(
      /^Replication of seed-894dfcb9 \(which measured .* seen before this run, so not a finding\): /,
    );
    expect(r.evidence['replicates']).toBe('seed-894dfcb9');
    expect(replicationOfSeen(r, PASS_SHARE_SEEN)).toBe(r);
    expect(claimTally([r]).claims).toBe(0);
  });

  it('is unresolved, premise absent, when no pair of processes shares a pool size', () => {
    const v = uvloopMatchedPoolClaim([...defaults, ...arm(A, 900, [20, 20, 20])], 0);
    expect(v?.outcome).toBe('unresolved');
    expect(String(v?.evidence['premise'])).toMatch(/^premise absent: no process of /);
    expect(v?.evidence['matchedPairs']).toBe(0);
  });

  it('both counted claims come out of one call, only where their arms ran', () => {
    const all = claimsAfterE65a2755([...defaults, ...arm(A, 900, [8, 8, 8])], 0);
    expect(all.map((v) => v.id)).toEqual(['uvloop-matched-pool']);
    expect(claimTally(all).claims).toBe(1);
  });
});

describe('finding 1: an identity is a sanity check, a demoted claim is not counted', () => {
  const gathers = arm('latest · httpx pool=None fast_acquire keepalive=100 @ 0 ms', 11_000, [100, 100, 100]);
  const input = {
    id: 'fastacquire-keepalive-no-reopen',
    gathers,
    arm: armLabel(gathers),
    warmup: 0,
    maxPerRequest: 0.001,
  };

  it('fastacquire-keepalive-no-reopen carries its identity and is never counted', () => {
    expect(noReopenClaim(input).kind).toBe('claim');
    const v = noReopenClaim({ ...input, identity: NO_REOPEN_IDENTITY });
    expect(v.kind).toBe('sanity');
    expect(v.outcome).toBe('holds');
    expect(v.claim).toContain('A sanity check, not a finding: with max_keepalive_connections = max_connections = 100');
    expect(claimTally([v]).claims).toBe(0);
  });

  it('a claim demoted after seed-e65a2755 is exploratory and declared before the run', () => {
    const v = notCountedAfterE65a2755(noReopenClaim(input), 'arithmetic of the gather');
    expect(v.kind).toBe('exploratory');
    expect(v.evidence['declared']).toBe('before the run');
    expect(v.claim).toMatch(/^Exploratory since seed-e65a2755 \(arithmetic of the gather\): /);
    expect(verdictKindText(v)).not.toContain('added after seeing the data');
  });
});

/** The arm a set of process records belongs to (their label without ` · process k`). */
function armLabel(gathers: readonly GatherClaimRecord[]): string {
  return (gathers[0]?.label ?? '').replace(/ · process \d+$/, '');
}

describe('finding 12: httpx-cpu-grows states its two thresholds', () => {
  const m = seedMeasurementFactory([1, 1.01, 0.99, 1, 1.02, 0.98, 1, 1.01], Array(8).fill(1));

  it('its evidence carries 1.5 and 1.25, so declared before the run it does not read "no threshold"', () => {
    const v = cpuGrowthClaim({
      id: 'httpx-cpu-grows',
      claim: 'c',
      httpx: { low: m('h1', 800, 900), high: m('h512', 1400, 830) },
      aiohttp: { low: m('a1', 260, 2800), high: m('a512', 250, 3900) },
      httpxAbove: 1.5,
      aiohttpBelow: 1.25,
    });
    expect(String(v.evidence['threshold'])).toBe("httpx's ratio above 1.5, aiohttp's below 1.25 (each 95 % CI)");
    expect(v.outcome).toBe('holds');
    expect(verdictKindText(declaredBeforeRun({ ...v, kind: 'exploratory' }))).toBe(
      'Exploratory (declared before the run, not counted)',
    );
    // A failing side: httpx's growth wholly below 1.5.
    const fails = cpuGrowthClaim({
      id: 'httpx-cpu-grows',
      claim: 'c',
      httpx: { low: m('h1', 800, 900), high: m('h512', 880, 830) },
      aiohttp: { low: m('a1', 260, 2800), high: m('a512', 250, 3900) },
      httpxAbove: 1.5,
      aiohttpBelow: 1.25,
    });
    expect(fails.outcome).toBe('fails');
  });
});

describe('finding 13: a recommendation may rest on a result that held under its threshold in two runs', () => {
  const replication = (outcome: 'holds' | 'fails', evidence: Record<string, string>) => ({
    id: 'gap-latest-gather',
    kind: 'exploratory' as const,
    outcome,
    evidence: { replicates: 'seed-0b8bd744', ...evidence },
  });

  it('labels it "replicated in <run> and this run" when it held in the run named', () => {
    const r = recommendationsFrom(
      [replication('holds', { replicatedHeldIn: 'seed-9d1b4a91' })],
      [{ claim: 'gap-latest-gather', replicated: true, text: 'use aiohttp' }],
    );
    expect(r.lines).toEqual(['use aiohttp *(replicated in `seed-9d1b4a91` and this run)*']);
  });

  it('withholds it when it did not hold here, when no earlier run held it, or when the candidate does not allow it', () => {
    const held = { replicatedHeldIn: 'seed-9d1b4a91' };
    const allow = [{ claim: 'gap-latest-gather', replicated: true, text: 'use aiohttp' }];
    expect(recommendationsFrom([replication('fails', held)], allow).withheld).toEqual([
      { claim: 'gap-latest-gather', outcome: 'fails' },
    ]);
    expect(recommendationsFrom([replication('holds', {})], allow).lines).toEqual([]);
    expect(recommendationsFrom([replication('holds', { replicatesOutcome: 'holds' })], allow).lines).toEqual([
      'use aiohttp *(replicated in `seed-0b8bd744` and this run)*',
    ]);
    expect(
      recommendationsFrom([replication('holds', held)], [{ claim: 'gap-latest-gather', text: 'use aiohttp' }]).withheld,
    ).toEqual([{ claim: 'gap-latest-gather', outcome: 'exploratory, not a claim' }]);
  });
});

describe('finding 11: the FastAPI readings', () => {
  const point = (route: string, generator: string, app: number, rps: number, ok: number, lag = 2) => ({
    route,
    generator,
    rateRps: generator === 'open-loop' ? rps : null,
    connections: generator === 'closed-loop' ? 64 : null,
    throughputRps: rps,
    latencyMs: { p50: 92, p99: 120 },
    cpuShare: { app, target: 0.05, loadGenerator: 0.05 },
    app: { threadsPeak: 1, loopLagMs: { p99: lag, max: lag }, routes: { [`/${route}`]: { peakInFlight: 64 } } },
    flags: [],
    ok,
    errors: { total: 0 },
  });
  const run: AppRun = {
    target: { delayMs: 50 },
    points: [
      point('httpx', 'closed-loop', 0.71, 535, 1765, 47),
      point('httpx', 'open-loop', 0.16, 123, 370),
      point('requests-async', 'open-loop', 0.014, 9.8, 27),
    ],
  };

  it('prints CPU per request only at 0.1 of a core or more, each window\'s requests, and the lag beside "bounded by"', () => {
    const rows = appRouteRows(run);
    expect(rows.map((r) => r['requests'])).toEqual([1765, 370, 27]);
    expect(rows[2]?.['appCpuUsPerRequest']).toBe('— (idle baseline)');
    expect(rows[1]?.['appCpuUsPerRequest']).toBe(Math.round((0.16 * 1e6) / 123));
    expect(rows[0]?.['bound']).toBe('bounded by 64 connections (app 0.71 of its core); loop lag p99 47.0 ms');
    const notes = appRouteNotes(run);
    expect(notes[0]).toContain('requests-async — (idle baseline, under 0.1 of its core)');
    expect(notes[1]).toContain('loop lag p99 47.0 ms; 1,765 requests');
    expect(notes.join('\n')).toContain('requests-async at 10 req/s (27 requests)');
  });
});

describe('notebook 06 after seed-e65a2755', () => {
  const file = path.resolve(__dirname, '..', 'notebooks/06-the-seed.ipynb');
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { id?: string; source: string[] }[] };
  const ids = nb.cells.map((c) => c.id);
  const text = nb.cells.map((c) => c.source.join('')).join('\n');

  it('states the rules after seed-e65a2755 right after those after seed-f81740df, and applies them', () => {
    expect(ids.indexOf('stated-before-next-run-after-e65a2755')).toBe(
      ids.indexOf('stated-before-next-run-after-f81740df') + 1,
    );
    const cell = nb.cells.find((c) => c.id === 'stated-before-next-run-after-e65a2755')?.source.join('') ?? '';
    for (const id of ['closes-keepalive-gather-50ms', 'uvloop-matched-pool', 'fastacquire-keepalive-no-reopen'])
      expect(cell).toContain(`\`${id}\``);
    expect(text).toContain('identity: NO_REOPEN_IDENTITY');
    expect(text).toContain('claimsAfterE65a2755(gather, settings.gatherWarmup)');
    expect(text).toContain('KEEPALIVE_50MS.arm, KEEPALIVE_50MS.reference');
  });
});
