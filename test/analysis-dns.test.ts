import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  aQueries,
  burstSummary,
  cacheGainSplit,
  cacheGainVerdicts,
  cacheSplitRows,
  caresBurstNoQueue,
  caresNoAnswerRangeMs,
  caresNotPoolBound,
  caresResolverOptions,
  connectTimeoutIsDnsQueue,
  connectTimeoutRow,
  connectTimerCoarse,
  type DnsRun,
  defaultLookupQueues,
  dnsRecommendations,
  doesNotShare,
  effectiveResolverRows,
  errorText,
  failsOnTick,
  failsWithin,
  failureOutcome,
  failureVerdicts,
  fastTimerFireMs,
  glibcResolverOptions,
  keepAliveLookups,
  keepAliveSanity,
  labOnlyResolution,
  lookupConcurrency,
  noAnswerRows,
  poolBoundsAllSizes,
  poolBoundsLookups,
  predictedTimeouts,
  queueModelMs,
  retryTimeline,
  retryWaits,
  sameCode,
  sharesOneLookup,
  slowIoThreads,
  type VerdictData,
} from '@casebook/analysis';
import { describe, expect, it } from 'vitest';

/**
 * The dns study's checks, on both sides: the committed run dns-7678ba62 (per-lookup data in dns-runs.json, Node
 * v24.21.0) where they hold, and constructed runs where they must fail. Nothing here starts a process.
 */
const repo = path.resolve(__dirname, '..');
const committed = JSON.parse(
  fs.readFileSync(path.join(repo, 'results/dns/dns-7678ba62/dns-runs.json'), 'utf8'),
) as (DnsRun & { job: { kind: string; client?: string; clientOptions?: { keepAlive?: boolean } } })[];
const run = (i: number): DnsRun => {
  const r = committed[i];
  if (!r) throw new Error(`committed run ${i} missing`);
  return r;
};
const LAB_SERVER = '127.0.53.105';
const text = (id: string) => ({ id, claim: id });

/** A constructed run: one round with these outcomes and A-query arrivals. */
function made(
  outcomes: { startMs?: number; endMs: number; code?: string | null }[],
  arrivals: number[],
  extra: { lookups?: number; foreign?: number } = {},
): DnsRun {
  const errors: Record<string, number> = {};
  for (const o of outcomes) if (o.code) errors[o.code] = (errors[o.code] ?? 0) + 1;
  return {
    placement: 'namespace',
    resolvConf: `nameserver ${LAB_SERVER}\noptions timeout:1 attempts:2\n`,
    error: null,
    rounds: [
      {
        durationMs: Math.max(...outcomes.map((o) => o.endMs)),
        ok: outcomes.filter((o) => !o.code).length,
        errors,
        outcomes: outcomes.map((o) => ({ startMs: o.startMs ?? 0, endMs: o.endMs, ok: !o.code, code: o.code ?? null })),
        server: {
          queries: arrivals.length * 2,
          byNameType: { 'svc.lab.test A': extra.lookups ?? arrivals.length, 'svc.lab.test AAAA': arrivals.length },
          aArrivalsMs: arrivals,
          foreignQueries: extra.foreign ?? 0,
          peakPending: 0,
        },
      },
    ],
  };
}

describe('lookups at once (libuv slow I/O)', () => {
  it('slow I/O may hold half the pool, rounded down: (threads + 1) / 2', () => {
    expect([1, 2, 4, 16, 64].map(slowIoThreads)).toEqual([1, 1, 2, 8, 32]);
    expect(() => slowIoThreads(0)).toThrow(/poolSize/);
  });

  it('holds for the committed pool sizes 1, 4, 16, 64 (timing and first wave agree)', () => {
    [1, 4, 16, 64].forEach((pool, i) => {
      const v = poolBoundsLookups(pool, lookupConcurrency(run(i), 100), 0.3);
      expect(v.outcome, `${v.id} ${JSON.stringify(v.evidence)}`).toBe('holds');
    });
  });

  it('counts the pool sizes as one claim: holds when every sub-check holds, fails when one fails', () => {
    const rows = [1, 4, 16, 64].map((pool, i) => ({ pool, c: lookupConcurrency(run(i), 100) }));
    const v = poolBoundsAllSizes(rows, 0.3);
    expect(v.id).toBe('pool-bounds-lookups');
    expect(v.outcome).toBe('holds');
    expect(v.evidence['defaultPoolAtOnce']).toBe(2);
    const outcomes = Array.from({ length: 16 }, (_, i) => ({ endMs: 100 * (Math.floor(i / 4) + 1) }));
    const four = lookupConcurrency(
      made(
        outcomes,
        outcomes.map((o) => o.endMs - 100),
      ),
      100,
    );
    expect(poolBoundsAllSizes([...rows, { pool: 4, c: four }], 0.3).outcome).toBe('fails');
  });

  it('fails when a pool of 4 runs 4 lookups at once (the old "steps of the pool size" reading)', () => {
    const outcomes = Array.from({ length: 16 }, (_, i) => ({ endMs: 100 * (Math.floor(i / 4) + 1) }));
    const arrivals = outcomes.map((o) => o.endMs - 100);
    const v = poolBoundsLookups(4, lookupConcurrency(made(outcomes, arrivals), 100), 0.3);
    expect(v.outcome).toBe('fails');
    expect(v.evidence['firstWaveAtServer']).toBe(4);
  });

  it('c-ares runs (almost) all at once in the committed run, and fails when it queues', () => {
    expect(caresNotPoolBound(lookupConcurrency(run(4), 100), 0.8).outcome).toBe('holds');
    const queued = Array.from({ length: 16 }, (_, i) => ({ endMs: 100 * (Math.floor(i / 2) + 1) }));
    const c = lookupConcurrency(
      made(
        queued,
        queued.map((o) => o.endMs - 100),
      ),
      100,
    );
    expect(caresNotPoolBound(c, 0.8).outcome).toBe('fails');
  });
});

describe('a cold burst per client', () => {
  const model = { requests: 128, modelMs: queueModelMs(128, 2, 100) };
  const rows = (indices: number[]) =>
    indices.map((i) => ({ client: committed[i]?.job.client ?? '?', ...burstSummary(run(i)) }));

  it('the queue model is ⌈n / at once⌉ waves', () => {
    expect(queueModelMs(128, 2, 100)).toBe(6400);
    expect(queueModelMs(5, 2, 100)).toBe(300);
    expect(() => queueModelMs(5, 0, 100)).toThrow(/atOnce/);
  });

  it('every client queues on its default lookup (committed), and a client that shared its lookup would fail', () => {
    const system = rows([5, 11, 17, 23, 26, 32, 38]);
    expect(defaultLookupQueues(system, model, 0.8).outcome).toBe('holds');
    const cached = [...system, { client: 'cached', totalMs: 150, lookups: 1, ok: 128, errors: {} }];
    expect(defaultLookupQueues(cached, model, 0.8).outcome).toBe('fails');
  });

  it('no client queues through c-ares (committed), and one that did would fail', () => {
    const cares = rows([8, 14, 20, 29, 35, 41]).map((r) => ({ ...r, inOneWave: true }));
    expect(caresBurstNoQueue(cares, model, 0.25).outcome).toBe('holds');
    const q = { client: 'q', totalMs: 6400, lookups: 128, ok: 128, errors: {}, inOneWave: true };
    expect(caresBurstNoQueue([...cares, q], model, 0.25).outcome).toBe('fails');
    // Fast, but its lookups did not all reach the server in the first wave: fails too.
    const notOneWave = { ...q, totalMs: 150, inOneWave: false };
    expect(caresBurstNoQueue([...cares, notOneWave], model, 0.25).outcome).toBe('fails');
  });
});

describe("undici's connect timer and the DNS queue", () => {
  it('a fresh process fires the fast timer at ⌈t / 499⌉ × 499 ms', () => {
    expect(fastTimerFireMs(1000)).toBe(1497);
    expect(fastTimerFireMs(2500)).toBe(2994);
    expect(fastTimerFireMs(499)).toBe(499);
  });

  it('predicts how many queued lookups outlast the timer', () => {
    // The committed design: 8 requests, 2 at once, 1,500 ms each, timer 2,500–3,000 ms: 6 measured.
    expect(predictedTimeouts({ requests: 8, atOnce: 2, lookupMs: 1500, fireMs: [2500, 3000] })).toEqual({
      min: 4,
      max: 6,
    });
    // The redesign: 64 requests, 2 at once, 100 ms each, timer 1,497 ± 150 ms.
    expect(predictedTimeouts({ requests: 64, atOnce: 2, lookupMs: 100, fireMs: [1347, 1647] })).toEqual({
      min: 32,
      max: 38,
    });
  });

  const input = {
    system: [run(44), run(45), run(46)],
    cares: [run(47), run(48), run(49)],
    requests: 8,
    delayMs: 1500,
    timeoutMs: 2500,
    band: { min: 4, max: 6 },
  };

  it('holds for the committed run: 6 timeouts per getaddrinfo trial, none through c-ares', () => {
    const v = connectTimeoutIsDnsQueue(input);
    expect(v.outcome).toBe('holds');
    expect(v.evidence['systemTimeouts']).toBe('6, 6, 6');
  });

  it('fails when the c-ares control times out too (the December rerun), or getaddrinfo does not', () => {
    const timedOut = made(
      Array.from({ length: 8 }, (_, i) => ({ endMs: 3000, code: i < 2 ? null : 'UND_ERR_CONNECT_TIMEOUT' })),
      Array.from({ length: 8 }, () => 6),
    );
    expect(connectTimeoutIsDnsQueue({ ...input, cares: [timedOut] }).outcome).toBe('fails');
    expect(connectTimeoutIsDnsQueue({ ...input, system: [run(47)] }).outcome).toBe('fails');
  });

  it('is unresolved when the control did not run its lookups at once (then it is no control)', () => {
    const queued = made(
      Array.from({ length: 8 }, () => ({ endMs: 1600 })),
      [6, 6, 1506, 1506, 3006, 3006, 4506, 4506],
    );
    expect(connectTimeoutIsDnsQueue({ ...input, cares: [queued] }).outcome).toBe('unresolved');
  });

  it('the committed 2,500 ms timeouts fired on the tick (≈ 2,994 ms), and a precise timer would fail the claim', () => {
    const v = connectTimerCoarse(input.system, { timeoutMs: 2500, earlyMs: 50, lateMs: 150 });
    expect(v.outcome).toBe('holds');
    const precise = made([{ startMs: 5, endMs: 2506, code: 'UND_ERR_CONNECT_TIMEOUT' }], [5]);
    expect(connectTimerCoarse([precise], { timeoutMs: 2500, earlyMs: 50, lateMs: 150 }).outcome).toBe('fails');
    expect(connectTimerCoarse([run(47)], { timeoutMs: 2500, earlyMs: 50, lateMs: 150 }).outcome).toBe('fails');
  });
});

describe('caches: the gain split into c-ares and sharing', () => {
  const thresholds = { caresLogShareAbove: 0.5, sharingBand: { above: 0.67, below: 1.5 } };
  const burst = { requests: 64, delayMs: 100 };

  it('splits the committed run: c-ares gives ×34, sharing ×0.95; one trial cannot decide (below 95 % coverage)', () => {
    const split = cacheGainSplit({
      systemMs: [burstSummary(run(50)).totalMs],
      caresMs: [burstSummary(run(53)).totalMs],
      cacheMs: [burstSummary(run(52)).totalMs],
    });
    expect(split.cares.median).toBeCloseTo(6494.01 / 190.71, 3);
    expect(split.sharing.median).toBeCloseTo(190.71 / 200.16, 3);
    expect(split.cares.median * split.sharing.median).toBeCloseTo(split.total.median, 6);
    expect(cacheGainVerdicts(split, thresholds, burst).map((v) => v.outcome)).toEqual(['unresolved', 'unresolved']);
  });

  // Six trials at the committed run's burst times (undici-request: getaddrinfo runs 5–7 and 50, c-ares runs 8–10 and 53).
  const systemMs = [6493.76, 6486.32, 6479.72, 6494.01, 6490.2, 6501.3];
  const caresMs = [183.28, 199.6, 192.38, 190.71, 185.4, 195.2];

  it('holds with six trials like the committed ones', () => {
    const split = cacheGainSplit({ systemMs, caresMs, cacheMs: [200.16, 178.52, 190.3, 195.8, 188.1, 201.4] });
    expect(split.trials).toBe(6);
    const [gain, sharing] = cacheGainVerdicts(split, thresholds, burst);
    expect([gain.outcome, sharing.outcome]).toEqual(['holds', 'holds']);
    expect(sharing.kind).toBe('sanity');
    expect(gain.evidence['waves']).toBe(32);
    expect(split.caresShare.median).toBeGreaterThan(0.9);
  });

  it('fails both when the cache, not c-ares, makes the burst fast', () => {
    const split = cacheGainSplit({ systemMs, caresMs: systemMs.map((x) => x * 0.98), cacheMs: caresMs });
    expect(cacheGainVerdicts(split, thresholds, burst).map((v) => v.outcome)).toEqual(['fails', 'fails']);
  });

  it('fails the log-share claim when c-ares is only a small part of the whole gain (the cache does the rest)', () => {
    // getaddrinfo 6400 → c-ares 3200 (×2) → cache 100 (×32 more): ln 2 / ln 64 = 1/6 of the gain.
    const split = cacheGainSplit({
      systemMs: Array(6).fill(6400),
      caresMs: [3200, 3150, 3250, 3180, 3220, 3200],
      cacheMs: [100, 98, 102, 101, 99, 100],
    });
    expect(split.caresShare.median).toBeLessThan(0.2);
    expect(cacheGainVerdicts(split, thresholds, burst)[0].outcome).toBe('fails');
    // A trial with no whole gain attributes none to c-ares.
    expect(cacheGainSplit({ systemMs: [100], caresMs: [100], cacheMs: [200] }).caresShare.median).toBe(0);
  });

  it('decides on the per-trial interval: a straddling one is unresolved; missing trials are left out', () => {
    const split = cacheGainSplit({
      systemMs: [6400, 6400, 6400, 6400, 6400, 6400],
      caresMs: [200, 200, 200, 200, 200, 200],
      cacheMs: [100, 150, 200, 250, 300, 400],
    });
    expect(cacheGainVerdicts(split, thresholds, burst)[1].outcome).toBe('unresolved');
    expect(cacheGainSplit({ systemMs: [6400, NaN], caresMs: [200, 200], cacheMs: [200, 200] }).trials).toBe(1);
    expect(() => cacheGainSplit({ systemMs: [], caresMs: [], cacheMs: [] })).toThrow(/no trial/);
  });

  it('counts shared lookups: cacheable-lookup and got 1, the interceptor 128', () => {
    expect(aQueries(run(52))).toBe(1);
    expect(sharesOneLookup([run(52), run(55)], 128, text('cacheable-lookup-shares')).outcome).toBe('holds');
    expect(sharesOneLookup([run(57)], 128, text('got-dns-cache-shares')).outcome).toBe('holds');
    expect(sharesOneLookup([run(51)], 128, text('x')).outcome).toBe('fails');
    expect(doesNotShare(run(51), 128, text('undici-interceptor-no-inflight-sharing')).outcome).toBe('holds');
    expect(doesNotShare(run(52), 128, text('x')).outcome).toBe('fails');
  });
});

describe('keep-alive (a sanity check)', () => {
  const rows = [58, 59, 60, 61, 62, 63].map((i) => ({
    keepAlive: committed[i]?.job.clientOptions?.keepAlive === true,
    ...keepAliveLookups(run(i), 8),
  }));

  it('later rounds look up nothing with keep-alive and once per request without', () => {
    expect(rows.map((r) => r.perRequest)).toEqual([0, 1, 0, 1, 0, 1]);
    const v = keepAliveSanity(rows);
    expect([v.kind, v.outcome]).toEqual(['sanity', 'holds']);
  });

  it('fails when keep-alive rounds keep looking up', () => {
    expect(keepAliveSanity(rows.map((r) => ({ ...r, keepAlive: !r.keepAlive }))).outcome).toBe('fails');
  });
});

describe('failure modes and effective resolver settings', () => {
  const lab = `# casebook DNS lab\nnameserver ${LAB_SERVER}\noptions timeout:1 attempts:2\n`;

  it('reads glibc and c-ares settings as the process sees them', () => {
    expect(glibcResolverOptions(lab)).toEqual({ timeoutMs: 1000, attempts: 2, nominalMs: 2000 });
    expect(glibcResolverOptions(null)).toEqual({ timeoutMs: 5000, attempts: 2, nominalMs: 10000 });
    expect(glibcResolverOptions('options attempts:9 timeout:60')).toEqual({
      timeoutMs: 30000,
      attempts: 5,
      nominalMs: 150000,
    });
    // Node's Resolver passes tries (default 4) always, and timeout only when set: then resolv.conf's applies.
    expect(caresResolverOptions({}, lab)).toEqual({ timeoutMs: 1000, tries: 4, nodeTickMs: 1000 });
    expect(caresResolverOptions({}, null)).toEqual({ timeoutMs: 2000, tries: 4, nodeTickMs: 1000 });
    expect(caresResolverOptions({ timeoutMs: 300, tries: 2 }, lab)).toEqual({
      timeoutMs: 300,
      tries: 2,
      nodeTickMs: 300,
    });
  });

  it("models c-ares' doubling with jitter: 1,000 ms × 2 tries gives up after 2.0–3.0 s on its own", () => {
    expect(caresNoAnswerRangeMs(1000, 2)).toEqual({ nominalMs: 2000, minMs: 2000, maxMs: 3000 });
    expect(caresNoAnswerRangeMs(1000, 3)).toEqual({ nominalMs: 3000, minMs: 4000, maxMs: 7000 });
  });

  it('getaddrinfo gave up at the nominal 2 s and c-ares at 4 s, on a whole second (committed)', () => {
    const glibc = [71, 72, 73, 74, 75, 76].map(run);
    expect(failsWithin(glibc, { above: 1900, below: 2300 }, text('glibc-no-answer-nominal')).outcome).toBe('holds');
    expect(failureOutcome(run(77))).toMatchObject({ code: 'ETIMEOUT', ms: 4004 });
    expect(failsWithin([run(77)], { above: 2800, below: 4100 }, text('cares-no-answer-exceeds-nominal')).outcome).toBe(
      'holds',
    );
    expect(failsOnTick([run(77)], { tickMs: 1000, windowMs: 100 }, text('cares-fails-on-node-tick')).outcome).toBe(
      'holds',
    );
    expect(retryTimeline(run(77)).retryGapMs).toBe(1997);
    const retry = retryWaits([run(77)], 1500, text('cares-retry-waits-for-tick'));
    expect([retry.kind, retry.outcome]).toEqual(['exploratory', 'holds']);
  });

  it('fails for a c-ares that gave up at the nominal 2 s, off the tick, or retried after 1 s', () => {
    const nominal = made([{ endMs: 2000, code: 'ETIMEOUT' }], [5, 1005]);
    expect(failsWithin([nominal], { above: 2800, below: 4100 }, text('x')).outcome).toBe('fails');
    expect(failsWithin([made([{ endMs: 3000 }], [5])], { above: 2800, below: 4100 }, text('x')).outcome).toBe('fails');
    expect(
      failsOnTick([made([{ endMs: 2537, code: 'ETIMEOUT' }], [5])], { tickMs: 1000, windowMs: 100 }, text('x')).outcome,
    ).toBe('fails');
    expect(retryWaits([run(71)], 1500, text('x')).outcome).toBe('fails');
  });

  it('getaddrinfo reports EAI_AGAIN for SERVFAIL, no answer and resolver down alike; another code fails it', () => {
    const probes = [...[64, 65, 66, 67, 68, 69], ...[71, 72, 73, 74, 75, 76], ...[85, 86, 87, 88, 89, 90]].map((i) => ({
      client: committed[i]?.job.client ?? '?',
      mode: String(i),
      code: failureOutcome(run(i)).code,
    }));
    expect(sameCode(probes, 'EAI_AGAIN', text('getaddrinfo-codes-indistinct')).outcome).toBe('holds');
    expect(sameCode([...probes, { client: 'c', mode: 'm', code: 'ENOTFOUND' }], 'EAI_AGAIN', text('x')).outcome).toBe(
      'fails',
    );
  });

  it('no lookup left the lab in the committed run; a foreign query fails the check', () => {
    expect(labOnlyResolution(committed, LAB_SERVER).outcome).toBe('holds');
    expect(labOnlyResolution([...committed, made([{ endMs: 5 }], [1], { foreign: 1 })], LAB_SERVER).outcome).toBe(
      'fails',
    );
  });

  it('formats errors', () => {
    expect(errorText({ UND_ERR_CONNECT_TIMEOUT: 6 })).toBe('UND_ERR_CONNECT_TIMEOUT ×6');
    expect(errorText({})).toBe('none');
  });
});

describe('recommendations come only from claims that hold', () => {
  const claim = (id: string, evidence: VerdictData['evidence'] = {}, value?: number): VerdictData => ({
    id,
    claim: id,
    kind: 'claim',
    outcome: 'holds',
    holds: true,
    evidence,
    ...(value !== undefined ? { statistic: { name: id, value, ci95: null } } : {}),
  });
  const all = [
    claim('pool-bounds-lookups', { defaultPoolAtOnce: 2, poolSizes: '1, 4, 16, 64' }),
    claim('default-lookup-queues', { requests: 64, modelMs: 3200 }),
    claim('cares-burst-no-queue'),
    claim('cache-gain-is-cares', { caresGain: 21.4, requests: 64, delayMs: 100, waves: 32 }, 0.97),
    claim('cacheable-lookup-shares', { lookupsPerRun: '1, 1', requests: 64 }),
    claim('undici-interceptor-no-inflight-sharing', { lookups: 64, requests: 64 }),
    claim('connect-timeout-is-dns-queue', { timeoutMs: 1000, systemTimeouts: '34', caresTimeouts: '0' }),
    claim('undici-connect-timer-coarse', { fireMs: 1497, timeoutMs: 1000 }),
    claim('glibc-no-answer-nominal', { medianMs: 2012 }),
    claim('cares-no-answer-exceeds-nominal', { medianMs: 4004 }),
    claim('cares-fails-on-node-tick'),
  ];

  it('gives every recommendation when every basis holds, with the numbers from the verdicts', () => {
    const r = dnsRecommendations(all);
    expect(r.given).toHaveLength(6);
    expect(r.withheld).toEqual([]);
    expect(r.given.join('\n')).toContain('21.4×');
    expect(r.given.join('\n')).toContain('B = 64 and D = 100 ms');
    expect(r.given.join('\n')).toContain('8–15 s');
    expect(r.given.join('\n')).toContain('≈ 9 s');
    expect(r.given.join('\n')).toContain('1497 ms for 1000');
    expect(r.given.join('\n')).not.toContain('or caches');
  });

  it('withholds one whose basis failed, is unresolved, missing, or only a sanity check', () => {
    const failed = all.map((v) =>
      v.id === 'cacheable-lookup-shares' ? { ...v, outcome: 'fails' as const, holds: false as const } : v,
    );
    const r = dnsRecommendations(failed.filter((v) => v.id !== 'cares-fails-on-node-tick'));
    expect(r.given).toHaveLength(4);
    expect(r.withheld.join('\n')).toContain('`cacheable-lookup-shares` fails');
    expect(r.withheld.join('\n')).toContain('`cares-fails-on-node-tick` not measured');
    const sanity = all.map((v) => (v.id === 'pool-bounds-lookups' ? { ...v, kind: 'sanity' as const } : v));
    expect(dnsRecommendations(sanity).withheld.join('\n')).toContain('is sanity, not a claim');
  });
});

describe('the notebook states every claim before it measures', () => {
  const claims = [
    'pool-bounds-lookups',
    'cares-not-pool-bound',
    'default-lookup-queues',
    'cares-burst-no-queue',
    'connect-timeout-is-dns-queue',
    'undici-connect-timer-coarse',
    'cache-gain-is-cares',
    'cacheable-lookup-shares',
    'got-dns-cache-shares',
    'undici-interceptor-no-inflight-sharing',
    'glibc-no-answer-nominal',
    'cares-no-answer-exceeds-nominal',
    'cares-fails-on-node-tick',
    'getaddrinfo-codes-indistinct',
  ];

  it('lists each claim id in its "Claims, stated before the measurement" cell, before the first measurement', () => {
    const nb = JSON.parse(fs.readFileSync(path.join(repo, 'notebooks/05-dns.ipynb'), 'utf8')) as {
      cells: { cell_type: string; source: string[] }[];
    };
    const sources = nb.cells.map((c) => c.source.join(''));
    const claimsCell = sources.findIndex((s) => s.includes('Claims, stated before the measurement'));
    const firstMeasurement = sources.findIndex((s) => /lab\.(lookups|burst)\(/.test(s));
    expect(claimsCell).toBeGreaterThan(-1);
    expect(claimsCell).toBeLessThan(firstMeasurement);
    for (const id of [...claims, 'sharing-adds-no-time']) expect(sources[claimsCell], id).toContain(`\`${id}\``);
  });
});

describe('table rows', () => {
  it('connect-timeout trials, the split and the silent-resolver runs', () => {
    expect(connectTimeoutRow(run(44), 8, 1500)).toEqual({
      timeouts: 6,
      ok: 2,
      lastMs: 3008.58,
      allLookupsInOneWave: 'no',
      timeoutAfterMs: '3001–3002',
    });
    expect(connectTimeoutRow(run(47), 8, 1500).allLookupsInOneWave).toBe('yes');
    const split = cacheGainSplit({ systemMs: [6400], caresMs: [200], cacheMs: [200] });
    expect(cacheSplitRows(split).map((r) => r.median)).toEqual([32, 32, 1, 1]);
    expect(noAnswerRows([run(77)], 1000)).toEqual([
      {
        run: 1,
        code: 'ETIMEOUT',
        ms: 4004,
        message: 'queryA ETIMEOUT drop.lab.test',
        afterTickMs: 4,
        queriesAtMs: '6, 2003',
        retryGapMs: 1997,
      },
    ]);
  });
});

describe('effective settings and the §6 claims together', () => {
  it('lists the settings in force, and builds the claims the runs allow', () => {
    const rows = effectiveResolverRows(`nameserver ${LAB_SERVER}\noptions timeout:1 attempts:2\n`, {
      timeoutMs: 1000,
      tries: 2,
    });
    expect(rows.map((r) => [r.timeoutMs, r.tries, r.nominalMs])).toEqual([
      [1000, 2, 2000],
      [1000, 4, 4000],
      [1000, 2, 2000],
    ]);
    expect(rows[2]?.caresAloneMs).toBe('2000–3000');
    const t = {
      glibcBand: { above: 1900, below: 2300 },
      caresBand: { above: 2800, below: 4100 },
      tickWindowMs: 100,
      retryGapMs: 1500,
    };
    const all = failureVerdicts(
      {
        glibcDrop: [71, 72].map(run),
        caresDrop: [run(77)],
        getaddrinfoProbes: [{ client: 'a', mode: 'm', code: 'EAI_AGAIN' }],
        caresTimed: { timeoutMs: 1000, tries: 2 },
      },
      t,
    );
    expect(all.map((v) => `${v.id} ${v.kind} ${v.outcome}`)).toEqual([
      'glibc-no-answer-nominal claim holds',
      'cares-no-answer-exceeds-nominal claim holds',
      'cares-fails-on-node-tick claim holds',
      'cares-retry-waits-for-tick exploratory holds',
      'getaddrinfo-codes-indistinct claim holds',
    ]);
    const caresOnly = failureVerdicts(
      { glibcDrop: [], caresDrop: [run(77)], getaddrinfoProbes: [], caresTimed: { timeoutMs: 1000, tries: 2 } },
      t,
    );
    expect(caresOnly.map((v) => v.id)).toEqual([
      'cares-no-answer-exceeds-nominal',
      'cares-fails-on-node-tick',
      'cares-retry-waits-for-tick',
    ]);
  });
});

describe('a run with no result', () => {
  const broken: DnsRun = {
    placement: 'plain',
    resolvConf: null,
    rounds: [],
    error: { code: 'CASEBOOK_CLIENT_OPEN', message: 'x' },
  };

  it('fails the claims that need it, with evidence a record accepts (no NaN)', () => {
    const t = {
      glibcBand: { above: 1900, below: 2300 },
      caresBand: { above: 2800, below: 4100 },
      tickWindowMs: 100,
      retryGapMs: 1500,
    };
    const verdicts = [
      ...failureVerdicts(
        { glibcDrop: [broken], caresDrop: [broken], getaddrinfoProbes: [], caresTimed: { timeoutMs: 1000, tries: 2 } },
        t,
      ),
      sharesOneLookup([broken], 64, text('s')),
      doesNotShare(broken, 64, text('d')),
      connectTimerCoarse([broken], { timeoutMs: 1000, earlyMs: 50, lateMs: 150 }),
      connectTimeoutIsDnsQueue({
        system: [broken],
        cares: [run(47)],
        requests: 8,
        delayMs: 1500,
        timeoutMs: 2500,
        band: { min: 4, max: 6 },
      }),
      keepAliveSanity([
        { keepAlive: true, perRequest: Number.NaN },
        { keepAlive: false, perRequest: 1 },
      ]),
    ];
    expect(verdicts.map((v) => v.outcome)).toEqual([
      'fails',
      'fails',
      'fails',
      'fails',
      'fails',
      'fails',
      'fails',
      'fails',
      'fails',
    ]);
    for (const v of verdicts)
      for (const [k, x] of Object.entries(v.evidence))
        if (typeof x === 'number') expect(Number.isFinite(x), `${v.id}.${k}`).toBe(true);
    expect(failureOutcome(broken)).toEqual({ code: 'CASEBOOK_CLIENT_OPEN', ms: Number.NaN, message: 'x' });
  });
});
