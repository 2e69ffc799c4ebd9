import {
  type AttributionStep,
  appBound,
  appRouteRows,
  c64Reading,
  closesGapClaim,
  connectionsUsedText,
  cpuRatioClaim,
  fastAcquireReopensClaim,
  GATHER_WARMUP_IN_TIME,
  type GatherRecordLike,
  type GatherTableRecord,
  gatherBatchTable,
  gatherPoolRows,
  gatherProcessPlan,
  gatherQueueWork,
  gatherSample,
  gatherTrialsOf,
  gatherWarmupOf,
  keepaliveExpiryS,
  keptBatchRows,
  noReopenClaim,
  noStormClaim,
  oppositeDirection,
  oppositeDirectionText,
  queueWorkClaim,
  reconnectStorm,
  reopeningGathersText,
  replicatedGathers,
  retryChurnClaim,
  type SeedMeasurement,
  stormReading,
  upstreamSocketsPerRequest,
  verdictHeadline,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';
import type { Gather } from './fixtures/seed-gathers';
import { readRepoJson, type SeedBench, seedAppRun, seedRun } from './fixtures/seed-run';

/**
 * The rules stated before the next run after seed-f81740df (its second reader; cell
 * stated-before-next-run-after-f81740df), each read on seed-f81740df's committed records, on the side where it holds
 * and on the side where it fails. No process, no socket.
 */

const { record, bench, gathers, at0 } = seedRun('seed-f81740df');
const read = readRepoJson;
type Bench = SeedBench;
const H = 'latest · httpx pool=None @ 0 ms';
const FA = 'latest · httpx pool=None fast_acquire @ 0 ms';
const KA = 'latest · httpx pool=None keepalive=100 @ 0 ms';
/** A batch's peak open connections at the target (the bench's trial). */
const peak = (t: unknown): number | undefined =>
  (t as { target?: { peakOpenConnections: number } | null }).target?.peakOpenConnections;
const processes = (arm: string) => at0.filter((g) => g.label.startsWith(`${arm} · process `));

describe('finding 2: a switch a guard voided keeps its share (closesGapClaim, oppositeDirection, the tally)', () => {
  // As the run read it: the first 4 measured batches out, each arm's processes together.
  const G = replicatedGathers(at0.map((g) => gatherSample(g, 4)));
  const arm = (label: string) => {
    const g = G.find((x) => x.label === label);
    if (!g) throw new Error(label);
    return g;
  };
  const step: AttributionStep = {
    step: "anyio Lock fast_acquire False → True (httpcore's AsyncLock)",
    replaces: 'the yield between assignment and ACTIVE',
    from: arm(H),
    to: arm(FA),
    gapHigh: arm(H),
    gapLow: arm('latest · aiohttp @ 0 ms'),
    switch: true,
  };

  it('closes-fastacquire-gather: unresolved by the default arm guard, its share −5.4 wholly below 0.10, named opposite', () => {
    const v = closesGapClaim(step, 0.1, 'closes-fastacquire-gather');
    expect([v.outcome, v.kind, v.evidence['unguardedOutcome']]).toEqual(['unresolved', 'claim', 'fails']);
    expect(String(v.evidence['flagged'])).toContain('latest · httpx pool=None @ 0 ms');
    expect(String(v.evidence['notAShareToo'])).toMatch(/^not a share: /);
    expect(v.evidence['illPosed']).toBeUndefined();
    // The share and its interval are kept: −5.36 by the reader's bootstrap (−5.77 to −3.51).
    expect(v.statistic?.value).toBeLessThan(-4.5);
    expect(v.statistic?.value).toBeGreaterThan(-6.5);
    const ci = v.statistic?.ci95;
    expect(ci?.[1]).toBeLessThan(0.1);
    expect(ci?.[0]).toBeLessThan(-3);
    expect(oppositeDirection([v]).map((o) => o.id)).toEqual(['closes-fastacquire-gather']);
    expect(oppositeDirectionText(oppositeDirection([v]))).toMatch(
      /`closes-fastacquire-gather` is unresolved by its guard .*\(95 % interval -\d\.\d\d–-\d\.\d\d\)/,
    );
    expect(verdictHeadline([v])).toBe('0 of 1 claims hold, 1 unresolved (1 voided by guards)');
  });

  it('a switch no guard voids still fails as not a share; a version step that is not a share stays ill-posed', () => {
    // The same arms, each read as its first process alone (no process flagged): the rule of review-06 applies.
    const one = (label: string) => gatherSample(bench<Gather>(`${label} · process 1`), 4);
    const h = one(H);
    expect(h.guards?.flags).toEqual([]);
    const alone = { ...step, from: h, to: one(FA), gapHigh: h, gapLow: one('latest · aiohttp @ 0 ms') };
    const v = closesGapClaim(alone, 0.1, 'c');
    expect(v.outcome).toBe('fails');
    expect(String(v.evidence['notAShareToo'])).toMatch(/^not a share: /);
    const notSwitch = closesGapClaim({ ...step, switch: false }, 0.1, 'c');
    expect([notSwitch.outcome, notSwitch.evidence['unguardedOutcome']]).toEqual(['unresolved', undefined]);
    expect(verdictHeadline([notSwitch])).toBe('0 of 1 claims hold, 1 unresolved (1 ill-posed)');
  });
});

describe('finding 4: retry-churn-latest reads the arms stated before the run (retryChurnClaim)', () => {
  it('holds on seed-f81740df: 2.94–3.94 retries per request in its 10 gathers; fast_acquire printed beside it', () => {
    const v = retryChurnClaim({ id: 'retry-churn-latest', gathers, set: 'latest', minPerRequest: 1 });
    expect([v.outcome, v.evidence['gathers']]).toEqual(['holds', 10]);
    expect(v.evidence['lowestGather']).toMatch(/^latest · httpx pool=None uvloop @ 0 ms · process \d$/);
    expect(Number(v.evidence['lowestPerRequest'])).toBeCloseTo(2.939, 3);
    expect(Number(v.evidence['highestPerRequest'])).toBeCloseTo(3.938, 3);
    const outside = String(v.evidence['outsideScope']);
    expect(outside.match(/fast_acquire @ 0 ms · process \d 0\.000 \(0 in 5632\)/g)).toHaveLength(3);
    expect(v.claim).toContain('`httpx pool=None uvloop`');
  });

  it('fails when the fast_acquire arm is put in its scope (as the run read it: 0 in 5,632)', () => {
    const arms = ['httpx', 'httpx pool=None', 'httpx pool=None fast_acquire'];
    const v = retryChurnClaim({ id: 'x', gathers, set: 'latest', minPerRequest: 1, arms });
    expect([v.outcome, v.evidence['lowestPerRequest']]).toEqual(['fails', 0]);
    expect(v.evidence['lowestGather']).toMatch(/fast_acquire/);
  });
});

describe('finding 5: storm-gone-maxconn a sanity check, and the cost of max_connections = 20', () => {
  const storm = bench<SeedMeasurement>('2022 · httpx · storm 50 ms');
  const maxconn = bench<SeedMeasurement>('2022 · httpx max_connections=20 · storm 50 ms');
  const identity = 'an identity of the code.';

  it('the identity holds (0 new sockets in 12,378 requests) as a sanity check, not a claim; the storm row fails it', () => {
    const v = noStormClaim({ id: 'storm-gone-maxconn-2022', claim: 'c.', m: maxconn, maxPerRequest: 0.001, identity });
    expect([v.kind, v.outcome, v.evidence['sockets'], v.evidence['requests']]).toEqual(['sanity', 'holds', 0, 12378]);
    expect(v.claim).toBe('c. A sanity check, not a finding: an identity of the code.');
    const s = noStormClaim({ id: 'x', claim: 'c.', m: storm, maxPerRequest: 0.001, identity });
    expect([s.kind, s.outcome]).toEqual(['sanity', 'fails']);
    expect(noStormClaim({ id: 'x', claim: 'c.', m: maxconn, maxPerRequest: 0.001 }).kind).toBe('claim');
  });

  it('maxconn-costs-2022 holds at 1.5 (2.31×, 2.17–2.45 per round), a replication; at 2.5 it would fail', () => {
    const replicates = { run: 'seed-f81740df', value: 2.315, text: '2.31×', seenUnderThreshold: true };
    const input = { id: 'maxconn-costs-2022', claim: 'c', from: storm, to: maxconn, replicates };
    const v = cpuRatioClaim({ ...input, threshold: { above: 1.5 } });
    expect([v.outcome, v.kind]).toEqual(['holds', 'exploratory']);
    expect(v.statistic?.value).toBeCloseTo(2.315, 2);
    expect(v.statistic?.ci95?.[0]).toBeGreaterThan(2.1);
    expect(v.statistic?.ci95?.[1]).toBeLessThan(2.5);
    expect(cpuRatioClaim({ ...input, threshold: { above: 2.5 } }).outcome).toBe('fails');
  });
});

describe('finding 1: the gathers warm-up in time (gatherWarmupOf, gatherSample, gatherTrialsOf, keptBatchRows)', () => {
  it('reads keepalive_expiry from the live settings: 5 s on httpx, none on aiohttp', () => {
    expect(keepaliveExpiryS(processes(H)[0]?.client.settings)).toBe(5);
    expect(keepaliveExpiryS(processes('latest · aiohttp @ 0 ms')[0]?.client.settings)).toBeNull();
  });

  it("keeps only the default arm's batches after the expiry: none before its first cheap batch, peak open 9–12, never 20", () => {
    for (const p of processes(H)) {
      const out = gatherWarmupOf(p, GATHER_WARMUP_IN_TIME);
      const kept = p.trials.slice(out);
      expect(kept.length).toBeGreaterThan(0);
      // Every kept batch starts at least 6 s of measured batches after the cold first gather.
      const start = p.trials.slice(0, out).reduce((t, b) => t + b.durationMs, 0);
      expect(start).toBeGreaterThanOrEqual(6000);
      // The state change: the first batch below 0.8× batch 0's CPU (the reader's measure), at batch 6 or 7 here.
      const first = p.trials[0]?.cpuMicrosPerRequest ?? Number.NaN;
      const cheap = p.trials.findIndex((t) => t.cpuMicrosPerRequest < 0.8 * first);
      expect(cheap).toBeGreaterThan(4);
      expect(out).toBeGreaterThanOrEqual(cheap);
      for (const t of kept) expect(peak(t)).toBeLessThan(20);
      // The rule in batches kept 6 batches, some at 20 open (the straddle the reader found).
      const straddle = p.trials.slice(4).map(peak);
      expect(straddle).toContain(20);
    }
    const one = processes(H)[0] as Bench;
    expect(gatherWarmupOf(one, GATHER_WARMUP_IN_TIME)).toBe(8);
    expect(keptBatchRows([one], GATHER_WARMUP_IN_TIME)[0]).toEqual({
      measurement: 'latest · httpx pool=None @ 0 ms · process 1',
      'left out (warm-up)': 8,
      'kept batches: peak open · CPU µs/req': '9 · 1,123; 9 · 1,125',
    });
  });

  it('flags a gather with fewer than 6 batches after it (few-kept: seed-f81740df ran 10 a process); 2 out of the fast_acquire arm', () => {
    const s = gatherSample(processes(H)[0] as Bench, GATHER_WARMUP_IN_TIME);
    expect(s.kept).toBe(2);
    expect(s.guards?.flags.join()).toMatch(/^few-kept \(2 batches after the warm-up in time, fewer than 6\)/);
    const fa = gatherSample(processes(FA)[0] as Bench, GATHER_WARMUP_IN_TIME);
    expect([fa.kept, fa.guards?.flags]).toEqual([8, []]);
    // No keepalive_expiry recorded (aiohttp): its first 4 batches, as before.
    const aio = processes('latest · aiohttp @ 0 ms')[0] as Bench;
    expect(gatherWarmupOf(aio, GATHER_WARMUP_IN_TIME)).toBe(4);
    expect(gatherSample(aio, GATHER_WARMUP_IN_TIME).guards?.flags).toEqual([]);
  });

  it('gives each arm the batches it needs (the longest prefix wins), and the plan runs them', () => {
    const by = {
      '2022 · httpx pool=None': 24,
      'latest · httpx pool=None fast_acquire': 10,
      'latest · httpx pool=None fast_acquire keepalive=100': 12,
    };
    expect(gatherTrialsOf('2022 · httpx pool=None @ 0 ms', 15, by)).toBe(24);
    expect(gatherTrialsOf(FA, 15, by)).toBe(10);
    expect(gatherTrialsOf('latest · httpx pool=None fast_acquire keepalive=100 @ 0 ms', 15, by)).toBe(12);
    expect(gatherTrialsOf(H, 15, by)).toBe(15);
    expect(gatherTrialsOf(H, 15, undefined)).toBe(15);
    const entries = [H, '2022 · httpx pool=None @ 0 ms'].map((label) => ({ label, trials: 16 }));
    const plan = gatherProcessPlan(
      entries,
      { arms: entries.map((e) => e.label), processes: 3, trials: 15, seed: 6, trialsByPrefix: by },
      14,
    );
    const trials = Object.fromEntries(plan.entries.map((e) => [e.label, e.trials]));
    expect(trials[`${H} · process 1`]).toBe(15);
    expect(trials['2022 · httpx pool=None @ 0 ms · process 2']).toBe(24);
    expect(plan.text).toContain('`2022 · httpx pool=None…` 24');
  });
});

describe('section A: the fast_acquire claims stated after seed-f81740df (fastAcquireReopensClaim, noReopenClaim)', () => {
  const seen = { run: 'seed-f81740df', value: 492 / 512, text: '492 a batch', seenUnderThreshold: true };
  const reopens = (arm: string) =>
    fastAcquireReopensClaim({
      id: 'fastacquire-reopens-0ms',
      gathers,
      arm,
      warmup: GATHER_WARMUP_IN_TIME,
      minPerRequest: 0.5,
      maxRetriesPerRequest: 0.1,
      replicates: seen,
    });

  it('fastacquire-reopens-0ms holds on seed-f81740df (492 of 512 in every kept batch, 100 open, 0 retries)', () => {
    const v = reopens(FA);
    expect([v.outcome, v.kind, v.evidence['processes'], v.evidence['keptBatches']]).toEqual([
      'holds',
      'exploratory',
      3,
      24,
    ]);
    expect(v.evidence['fewestNewPerRequest']).toBe(492 / 512);
    expect([v.evidence['fewestPeak'], v.evidence['mostRetriesPerRequest']]).toEqual([100, 0]);
  });

  it('fails on the default arm (no reopens, 3.6 retries per request), and is unresolved without the arm', () => {
    const v = reopens(H);
    expect(v.outcome).toBe('fails');
    expect(Number(v.evidence['mostRetriesPerRequest'])).toBeGreaterThan(3);
    const none = reopens('latest · httpx pool=None fast_acquire keepalive=100 @ 0 ms');
    expect([none.outcome, none.evidence['notMeasured']]).toEqual([
      'unresolved',
      'no process of latest · httpx pool=None fast_acquire keepalive=100 @ 0 ms',
    ]);
  });

  it('fastacquire-keepalive-no-reopen: counted; the keep-alive = 100 arm opens none after its warm-up, the fast_acquire arm 0.961', () => {
    const claim = (arm: string) =>
      noReopenClaim({
        id: 'fastacquire-keepalive-no-reopen',
        gathers,
        arm,
        warmup: GATHER_WARMUP_IN_TIME,
        maxPerRequest: 0.001,
      });
    // Its data here: the default-lock keep-alive = 100 arm (the new arm has not run yet).
    const v = claim(KA);
    expect([v.outcome, v.kind, v.evidence['sockets']]).toEqual(['holds', 'claim', 0]);
    expect(String(v.evidence['retriesPerRequest'])).toMatch(/^3\.\d{3} \/ 3\.\d{3} \/ 3\.\d{3}$/);
    const fa = claim(FA);
    expect(fa.outcome).toBe('fails');
    expect(fa.evidence['perRequest']).toBeCloseTo(492 / 512, 6);
    expect(claim('latest · httpx pool=None fast_acquire keepalive=100 @ 0 ms').outcome).toBe('unresolved');
  });
});

describe('fastacquire-queue-work: the pool queue work per request (gatherQueueWork, queueWorkClaim)', () => {
  const proc = (label: string, work: number | null, error?: { code: string; message: string }): GatherRecordLike => ({
    label,
    client: {
      settings: {
        client: 'httpx',
        ...(work === null
          ? {}
          : {
              'httpcore.queue_work': { sampleEvery: 64, passes: 5632, sampledPasses: 88, queuedTimesConnections: work },
            }),
      },
    },
    warmup: { sent: 512 },
    trials: Array.from({ length: 10 }, () => ({ sent: 512, target: null })),
    ...(error ? { error } : {}),
  });
  const A = 'latest · httpx pool=None fast_acquire @ 0 ms';
  const input = { id: 'fastacquire-queue-work', arm: A, reference: H, minRatio: 10 };
  const arm = (work: readonly (number | null)[], label: string) =>
    work.map((w, k) => proc(`${label} · process ${k + 1}`, w));

  it('reads the sampled count per request sent, the cold first gather included; null without the counter', () => {
    expect(gatherQueueWork(proc('x', 5632 * 30_000))).toMatchObject({
      perRequest: 30_000,
      requests: 5632,
      passes: 5632,
    });
    expect(gatherQueueWork(proc('x', null))).toBeNull();
  });

  it('holds at 30,000 against 100 per request (the mechanism), fails at 500 against 100, unresolved without a counter', () => {
    const holds = queueWorkClaim({
      ...input,
      gathers: [...arm([5632 * 3e4, 5632 * 2.9e4, 5632 * 3.1e4], A), ...arm([5632 * 100, 5632 * 120, 5632 * 90], H)],
    });
    expect([
      holds.outcome,
      holds.kind,
      holds.evidence['leastPerRequest'],
      holds.evidence['referenceMostPerRequest'],
    ]).toEqual(['holds', 'claim', 29_000, 120]);
    const fails = queueWorkClaim({ ...input, gathers: [...arm([5632 * 500, 5632 * 3e4], A), ...arm([5632 * 100], H)] });
    expect([fails.outcome, fails.evidence['leastPerRequest']]).toEqual(['fails', 500]);
    // Nothing queued on either side decides nothing against the claim: 0 ≥ 10 × 0 does not hold.
    expect(queueWorkClaim({ ...input, gathers: [...arm([0], A), ...arm([0], H)] }).outcome).toBe('fails');
    const none = queueWorkClaim({ ...input, gathers: [...arm([5632 * 3e4, null], A), ...arm([5632 * 100], H)] });
    expect([none.outcome, none.evidence['notMeasured']]).toEqual([
      'unresolved',
      `${A} · process 2 has no queue-work counter`,
    ]);
    // seed-f81740df ran before the counter existed: unresolved, not measured.
    expect(queueWorkClaim({ ...input, gathers }).outcome).toBe('unresolved');
  });
});

describe('finding 14: the connections each client used, as ranges (connectionsUsedText)', () => {
  it("prints `2022`'s httpx as 14–60 (60 was one batch), read as the run read it", () => {
    const text = connectionsUsedText(gatherPoolRows(at0, 4), ['2022', 'as-reported', 'latest', 'httpx2']);
    expect(text).toContain('`2022` httpx 14–60, aiohttp 100');
    expect(text).toContain('`httpx2` httpx 100, aiohttp 100');
  });
});

describe('findings 6, 7, 9 and 11 on seed-f81740df', () => {
  it("section 1's table: the cold first gather's time, CPU per request and new sockets (fast_acquire process 1)", () => {
    const [row] = gatherBatchTable([bench<GatherTableRecord>(`${FA} · process 1`)]);
    expect([row?.['cold: ms'], row?.['cold: CPU µs/req'], row?.['cold: new sockets']]).toEqual(['3650', '7,112', 512]);
    const [aio] = gatherBatchTable([bench<GatherTableRecord>('latest · aiohttp @ 0 ms · process 1')]);
    expect(aio?.['cold: new sockets']).toBe(100);
  });

  it('storm-2022 reads "at its pool limit" (93–100 of 100); a pool well below it reads "below"', () => {
    const storm = bench<SeedMeasurement>('2022 · httpx · storm 50 ms');
    const v = reconnectStorm({ id: 'storm-2022', claim: 'c', storm, minPerRequest: 0.05 });
    const r = stormReading(storm, v, 0.05);
    expect([v.outcome, r.peakLow, r.peakHigh, r.poolLimit]).toEqual(['holds', 93, 100, 100]);
    expect(r.text).toContain("its pool held 93–100 connections at a window's peak, at its pool limit (100)");
    const below = stormReading(bench<SeedMeasurement>('2022 · httpx max_connections=20 · storm 50 ms'), v, 0.05);
    expect(below.text).toContain('at its pool limit (20)');
  });

  it("the churn observation finds every httpx gather that reopens, the fast_acquire arm's at 0 ms included", () => {
    const text = reopeningGathersText(gathers);
    expect(text.match(/`latest · httpx pool=None fast_acquire @ 0 ms · process \d` 0\.96/g)).toHaveLength(3);
    expect(text).toContain('`2022 · httpx @ 50 ms`');
    expect(text).not.toContain('aiohttp');
    expect(reopeningGathersText(gathers.filter((g) => g.label.includes('aiohttp')))).toBe('');
  });

  it('the FastAPI table: upstream sockets per request, and the blocked route serialised (19.2 req/s ≈ 1 / 50 ms)', () => {
    const { app: run, closed } = seedAppRun('seed-f81740df');
    expect(upstreamSocketsPerRequest(closed('httpx'))).toBeCloseTo(1736 / 1891, 6);
    expect(upstreamSocketsPerRequest(closed('aiohttp'))).toBe(0);
    expect(appBound(closed('requests-async'), 50)).toMatch(
      /^serialised \(loop blocked: 1 in flight, 19\.2 req\/s ≈ 1 \/ 50 ms; app /,
    );
    expect(appBound(closed('requests-async'))).toMatch(/^neither/);
    // At 18 req/s (below 0.9 × 20) it is not called serialised.
    expect(appBound({ ...closed('requests-async'), throughputRps: 17.9 }, 50)).toMatch(/^neither/);
    const rows = appRouteRows(run);
    expect(
      rows.find((r) => r.route === 'httpx' && String(r.load).startsWith('closed-loop'))?.['upstreamSocketsPerRequest'],
    ).toBe('0.92');
  });

  it('the c64 reading: latest · httpx c64 holds 64 of 64 connections and retries, so it separates nothing', () => {
    const sweep = record.measurements.filter((m) => / c(1|64|512)$/.test(m.label)).map((m) => read(m.file));
    const text = c64Reading(sweep as Parameters<typeof c64Reading>[0], 64);
    expect(text).toContain('`latest · httpx c64` served');
    expect(text).toContain('64 of 64 connections open at peak');
    expect(c64Reading(sweep as Parameters<typeof c64Reading>[0], undefined)).toBeNull();
  });
});

describe('notebook 06 after seed-f81740df', () => {
  const nb = read('notebooks/06-the-seed.ipynb') as { cells: { id?: string; cell_type: string; source: string[] }[] };
  const ids = nb.cells.map((c) => c.id);
  const text = nb.cells.map((c) => c.source.join('')).join('\n');

  it('states the rules after seed-f81740df right after the contenders cell, dated 6 December 2026', () => {
    expect(ids.indexOf('stated-before-next-run-after-f81740df')).toBe(
      ids.indexOf('stated-before-next-run-contenders') + 1,
    );
    const cell = nb.cells.find((c) => c.id === 'stated-before-next-run-after-f81740df')?.source.join('') ?? '';
    expect(cell).toContain('6 December 2026');
    for (const id of [
      'fastacquire-reopens-0ms',
      'fastacquire-keepalive-no-reopen',
      'fastacquire-queue-work',
      'maxconn-costs-2022',
      'retry-churn-latest',
      'httpx-cpu-grows',
    ])
      expect(cell).toContain(`\`${id}\``);
  });

  it('runs the 9th arm in 3 processes and reads the gathers with the warm-up in time', () => {
    expect(text).toContain("'httpx pool=None fast_acquire keepalive=100'");
    expect(text).toContain("label: 'httpx pool=None fast_acquire keepalive=100'");
    // Since seed-e65a2755 the same warm-up in time with the pool-state guard (GATHER_POOL_STATE) may read them; since
    // seed-894dfcb9 with the settled batches (GATHER_SETTLED).
    expect(text).toMatch(/gatherWarmup: GATHER_(WARMUP_IN_TIME|POOL_STATE|SETTLED)\b/);
    expect(text).not.toContain('gatherWarmupBatches');
    expect(text).toContain("id: 'fastacquire-reopens-0ms'");
    expect(text).toContain("id: 'fastacquire-keepalive-no-reopen'");
    expect(text).toContain("id: 'fastacquire-queue-work'");
  });
});
