import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  capSpreadClaim,
  connectionAccounting,
  earlyRefusalsClaim,
  effectiveStreamCap,
  fewerConnectionsClaim,
  gotColdClaim,
  gotProbeFinding,
  gotWarmClaim,
  H2_PLAN,
  type H2Measurement,
  HTTP2_CLAIMS,
  HTTP2_INSTALLED_REFS,
  h2ThroughputClaim,
  http2Recommendations,
  medianDifference,
  negotiatedAsExpected,
  noExtraRoundTripClaim,
  noRefusalsClaim,
  oneSessionClaim,
  phaseRows,
  protocolsMatchTarget,
  type RttMeasurement,
  refusedByClient,
  rttProtocolsSanity,
  sessionsCarrying,
  singleSessionBoundSanity,
  singleSessionReachesBound,
  streamCapClaim,
  tcpOpened,
  undiciColdClaim,
} from '@casebook/analysis';
import { type BenchRecord, readRecord } from '@casebook/results';
import { createLatencyHistogram, encodeHistogram, recordMicros } from '@casebook/stats';
import { describe, expect, it } from 'vitest';

/**
 * The http2 checks on both sides: committed records of run http2-71f65753 (got 16.1.0, undici 8.13.1, axios 1.21.1,
 * Node 24.21.0) where a claim held, and the same records altered, or constructed data, where it must fail.
 */
const repo = path.resolve(__dirname, '..');
const BENCHES = path.join(repo, 'results/http2/http2-71f65753/benches');

function bench(name: string): BenchRecord {
  const r = readRecord(path.join(BENCHES, `${name}.json`));
  if (r.kind !== 'bench') throw new Error(`${name} is a ${r.kind} record, expected bench`);
  return r;
}

const NEGOTIATE = fs
  .readdirSync(BENCHES)
  .filter((f) => f.includes('negotiate'))
  .map((f) => bench(f.replace(/\.json$/, '')));

/** A trial's target counters, changed where given. */
function withTrialH2(r: BenchRecord, index: number, change: Record<string, number>): BenchRecord {
  const copy = structuredClone(r);
  const h2 = copy.trials[index]?.target?.h2;
  if (!h2) throw new Error(`${r.label}: trial ${index} has no h2 counters`);
  Object.assign(h2, change);
  return copy;
}

describe('sessions that carried streams vs h2 connections', () => {
  it("recovers exact counts from the target's rounded mean", () => {
    expect(sessionsCarrying(bench('019-cold-burst-got').trials[0]?.target?.h2)).toEqual({ low: 5, high: 5 });
    expect(sessionsCarrying(bench('011-undici-request-h2').trials[0]?.target?.h2)).toEqual({ low: 6, high: 6 });
    expect(sessionsCarrying(bench('016-cap-10-got').warmup?.target?.h2)).toEqual({ low: 7, high: 7 });
  });

  it('gives a range when the rounding allows several counts, and uses a counted value as is', () => {
    const base = { sessionsOpened: 0, openSessions: 0, h1Requests: 0, peakConcurrentStreamsPerSession: 0 };
    const h2 = {
      ...base,
      h2Streams: 512,
      meanStreamsPerSession: 1.2,
      refusedStreams: 0,
      advertisedMaxConcurrentStreams: 100,
    };
    const r = sessionsCarrying(h2);
    expect(r.low).toBeLessThan(r.high);
    expect(r.low).toBeLessThanOrEqual(427);
    expect(r.high).toBeGreaterThanOrEqual(427);
    expect(sessionsCarrying({ ...h2, sessionsWithStreams: 9 })).toEqual({ low: 9, high: 9 });
    expect(sessionsCarrying({ ...h2, h2Streams: 0 })).toEqual({ low: 0, high: 0 });
  });

  it("accounts for got's cold burst: 512 TCP, 5 sessions carried the streams, 507 carried nothing, no half refusals", () => {
    const a = connectionAccounting(bench('019-cold-burst-got').trials[0]?.target ?? null);
    expect(a).toMatchObject({ tcp: 512, handshakes: 428, resetInHandshake: 84, h2Connections: 428, emptyH2: 423 });
    expect(a.carrying).toEqual({ low: 5, high: 5 });
    expect(a.unused).toBe(507);
    // The target booked 211.5 = 0.5 × 423 empty sessions; nothing was refused.
    expect(bench('019-cold-burst-got').trials[0]?.target?.h2?.refusedStreams).toBe(211.5);
    expect(a.refusedTarget).toBe(0);
  });

  it('counts refusals in the phase they happen (client) and where the target booked them', () => {
    const r = bench('013-cap-10-node-http2-1-session');
    expect(refusedByClient(r.warmup)).toBe(90);
    expect(r.trials.map((t) => refusedByClient(t))).toEqual([0, 0, 0, 0, 0]);
    const rows = phaseRows(r);
    expect(rows[0]).toMatchObject({
      phase: 'warm-up',
      'refused (client, in phase)': 90,
      'refused (target, booked)': 0,
    });
    expect(rows[1]).toMatchObject({
      phase: 'trial 1',
      'refused (client, in phase)': 0,
      'refused (target, booked)': 90,
    });
  });

  it('uses counted empty sessions and refusals from a target that counts them', () => {
    const h2 = {
      sessionsOpened: 10,
      openSessions: 10,
      h2Streams: 100,
      h1Requests: 0,
      meanStreamsPerSession: 50,
      peakConcurrentStreamsPerSession: 1,
      refusedStreams: 3,
      advertisedMaxConcurrentStreams: 100,
      sessionsWithStreams: 2,
      emptySessions: 8,
    };
    const a = connectionAccounting({ connectionsOpened: 10, peakOpenConnections: 10, h2 });
    expect(a).toMatchObject({ emptyH2: 8, refusedTarget: 3, unused: 8 });
  });

  it('counts HTTP/1.1 connections negotiated with no ALPN as carrying requests, not as unused', () => {
    const tls = { fullHandshakes: 3, resumedHandshakes: 0, byAlpn: { none: 2, h2: 1 }, errors: {} };
    const h2 = {
      sessionsOpened: 1,
      openSessions: 1,
      h2Streams: 5,
      h1Requests: 4,
      meanStreamsPerSession: 5,
      peakConcurrentStreamsPerSession: 1,
      refusedStreams: 0,
      advertisedMaxConcurrentStreams: 100,
      sessionsWithStreams: 1,
      emptySessions: 0,
    };
    expect(connectionAccounting({ connectionsOpened: 3, peakOpenConnections: 3, tls, h2 })).toMatchObject({
      h1Connections: 2,
      unused: 0,
    });
    // One more TCP connection that never completed a handshake is unused.
    expect(connectionAccounting({ connectionsOpened: 4, peakOpenConnections: 4, tls, h2 }).unused).toBe(1);
  });
});

describe('§1 negotiation', () => {
  it('the client and the target agree on every committed negotiation; a changed count fails', () => {
    expect(protocolsMatchTarget(NEGOTIATE)).toMatchObject({ kind: 'sanity', outcome: 'holds' });
    const first = NEGOTIATE[0];
    if (!first) throw new Error('no negotiation records');
    const wrong = withTrialH2(first, 0, { h2Streams: 511 });
    expect(protocolsMatchTarget([wrong, ...NEGOTIATE.slice(1)]).outcome).toBe('fails');
  });

  it('h2 by default: holds on the committed run, fails if node-fetch were expected to speak h2', () => {
    const expect_ = (r: BenchRecord): 'h2' | 'http/1.1' =>
      r.params.clientOptions.protocol === 'h2' || r.client.name.startsWith('undici') || r.client.name === 'node-http2'
        ? 'h2'
        : 'http/1.1';
    const list = NEGOTIATE.filter((r) => r.client.name !== 'node-http2').map((r) => ({
      record: r,
      expect: expect_(r),
    }));
    expect(negotiatedAsExpected(list)).toMatchObject({ kind: 'claim', outcome: 'holds' });
    const wrong = list.map((x) => (x.record.client.name === 'node-fetch' ? { ...x, expect: 'h2' as const } : x));
    expect(negotiatedAsExpected(wrong).outcome).toBe('fails');
  });
});

/** A steady-state measurement: per-round throughput and CPU, windows with target counters, a warm-up curve. */
function interleaved(
  label: string,
  rps: number[],
  opts: { newConnections?: number; flags?: string[] } = {},
): H2Measurement {
  return {
    label,
    status: 'completed',
    client: { name: label, version: 'x', settings: {} },
    cpuMicrosPerRequest: 40,
    warmup: null,
    trials: [],
    guards: { flags: opts.flags ?? [], rankable: !(opts.flags ?? []).includes('errors') },
    method: {
      blocks: rps.map((throughputRps, round) => ({
        round,
        throughputRps,
        cpuMicrosPerRequest: 1e6 / throughputRps,
        clientUtilization: 1,
        targetCpuShare: 0.5,
      })),
      warmupCurve: [{ newConnections: opts.newConnections ?? 0 }],
    },
  };
}

describe('§2 h1 vs h2 (interleaved)', () => {
  const noise = [1, 1.03, 0.98, 1.01, 0.99, 1.02, 0.97, 1.04];
  const h1 = interleaved(
    'h1',
    noise.map((w) => 15_000 * w),
  );

  it('holds when h2 is faster in every round, fails when slower, is unresolved when flagged', () => {
    const faster = interleaved(
      'h2',
      noise.map((w, i) => 22_000 * w * (noise[(i + 3) % noise.length] ?? 1)),
    );
    expect(h2ThroughputClaim(h1, faster)).toMatchObject({ outcome: 'holds' });
    const slower = interleaved(
      'h2',
      noise.map((w) => 12_000 * w),
    );
    expect(h2ThroughputClaim(h1, slower).outcome).toBe('fails');
    const flagged = interleaved(
      'h2',
      noise.map((w) => 22_000 * w),
      { flags: ['errors'] },
    );
    expect(h2ThroughputClaim(h1, flagged).outcome).toBe('unresolved');
  });

  it('counts connections over the whole run (warm-up curve and windows, or warm-up and trials)', () => {
    expect(tcpOpened(bench('010-undici-request-h1'))).toBe(1023);
    expect(tcpOpened(bench('011-undici-request-h2'))).toBe(6);
    expect(fewerConnectionsClaim(bench('010-undici-request-h1'), bench('011-undici-request-h2')).outcome).toBe('holds');
    const many = interleaved('h2', [1], { newConnections: 200 });
    expect(fewerConnectionsClaim(bench('010-undici-request-h1'), many).outcome).toBe('fails');
  });
});

/** A phase-method measurement with the given per-trial h2 counters. */
function phased(
  label: string,
  trials: { rps?: number; peak: number; streams: number; mean: number }[],
  settings: Record<string, unknown> = {},
): H2Measurement {
  return {
    label,
    status: 'completed',
    client: { name: label, version: 'x', settings },
    cpuMicrosPerRequest: 50,
    warmup: null,
    trials: trials.map((t) => ({
      sent: t.streams,
      ok: t.streams,
      errors: { total: 0, byCode: {} },
      errorSamples: {},
      protocols: { h2: t.streams },
      throughputRps: t.rps ?? 10_000,
      histogram: '',
      latencyMs: { p50: 1, p99: 2 },
      target: {
        connectionsOpened: 0,
        peakOpenConnections: 6,
        h2: {
          sessionsOpened: 0,
          openSessions: 6,
          h2Streams: t.streams,
          h1Requests: 0,
          meanStreamsPerSession: t.mean,
          peakConcurrentStreamsPerSession: t.peak,
          refusedStreams: 0,
          advertisedMaxConcurrentStreams: H2_PLAN.bigServerCap,
        },
      },
    })),
  };
}

describe('§3 stream caps', () => {
  const undici = phased('undici', [{ peak: 100, streams: 2048, mean: 341.33 }]);
  const nodeHttp2 = phased('node-http2', [{ peak: 512, streams: 2048, mean: 2048 }], {
    remoteMaxConcurrentStreams: 1000,
  });

  it("undici's cap: holds at min(server, 100) over ≥ 6 sessions; fails on one session, or without a control above 100", () => {
    expect(streamCapClaim(undici, nodeHttp2)).toMatchObject({ outcome: 'holds' });
    const oneSession = phased('undici', [{ peak: 512, streams: 2048, mean: 2048 }]);
    expect(streamCapClaim(oneSession, nodeHttp2).outcome).toBe('fails');
    const controlAt100 = phased('node-http2', [{ peak: 100, streams: 2048, mean: 2048 }]);
    expect(streamCapClaim(undici, controlAt100).outcome).toBe('fails');
  });

  it('reads the cap from the live client when it can, else from the target', () => {
    expect(effectiveStreamCap(nodeHttp2)).toMatchObject({ value: 1000 });
    expect(effectiveStreamCap(undici)).toEqual({
      value: 100,
      source: 'target: most streams open at once on one session',
    });
    const live = phased('undici', [{ peak: 100, streams: 2048, mean: 341.33 }], { liveMaxConcurrentStreams: 100 });
    expect(effectiveStreamCap(live)).toEqual({ value: 100, source: 'client, live' });
  });

  const oneSession = [bench('013-cap-10-node-http2-1-session'), bench('014-cap-10-undici-request-1-session')];

  it('one session at cap 10 and 50 ms: within S / L (sanity) and reaches 90 % of it; a slow or too-fast trial fails', () => {
    expect(singleSessionBoundSanity(oneSession)).toMatchObject({ kind: 'sanity', outcome: 'holds' });
    expect(singleSessionReachesBound(oneSession)).toMatchObject({ kind: 'claim', outcome: 'holds' });
    const slow = structuredClone(oneSession[0] as BenchRecord);
    (slow.trials[2] as { throughputRps: number }).throughputRps = 150;
    expect(singleSessionReachesBound([slow]).outcome).toBe('fails');
    const fast = structuredClone(oneSession[0] as BenchRecord);
    (fast.trials[2] as { throughputRps: number }).throughputRps = 300;
    expect(singleSessionBoundSanity([fast]).outcome).toBe('fails');
  });

  it('includes axios in the one-session bound only when axios-one-session holds', () => {
    const fastAxios = structuredClone(bench('017-cap-10-axios'));
    (fastAxios.trials[0] as { throughputRps: number }).throughputRps = 300;
    const holds = oneSessionClaim(bench('017-cap-10-axios'));
    const fails = { ...holds, outcome: 'fails' as const, holds: false as const };
    expect(singleSessionBoundSanity(oneSession, [{ record: fastAxios, verdict: holds }]).outcome).toBe('fails');
    expect(singleSessionBoundSanity(oneSession, [{ record: fastAxios, verdict: fails }]).outcome).toBe('holds');
  });

  it('undici and got spread to ≥ 10 sessions; axios stays on one', () => {
    const spreaders = [bench('015-cap-10-undici-request'), bench('016-cap-10-got')];
    expect(capSpreadClaim(spreaders).outcome).toBe('holds');
    expect(capSpreadClaim([bench('017-cap-10-axios')]).outcome).toBe('fails');
    expect(oneSessionClaim(bench('017-cap-10-axios')).outcome).toBe('holds');
    expect(oneSessionClaim(bench('015-cap-10-undici-request')).outcome).toBe('fails');
  });

  it('undici has nothing refused; node:http2 and axios have early streams refused in the warm-up only', () => {
    const undiciRuns = [bench('014-cap-10-undici-request-1-session'), bench('015-cap-10-undici-request')];
    expect(noRefusalsClaim(undiciRuns).outcome).toBe('holds');
    expect(noRefusalsClaim([bench('013-cap-10-node-http2-1-session')]).outcome).toBe('fails');
    // Decided on the target: a refusal the client never reported (undici retried it) still fails the claim.
    const retried = withTrialH2(bench('015-cap-10-undici-request'), 2, { refusedStreams: 3 });
    expect(refusedByClient(retried.trials[2] ?? null)).toBe(0);
    expect(noRefusalsClaim([retried])).toMatchObject({
      outcome: 'fails',
      evidence: { [retried.label]: 'target 3, client 0' },
    });
    const early = [bench('013-cap-10-node-http2-1-session'), bench('017-cap-10-axios')];
    expect(earlyRefusalsClaim(early).outcome).toBe('holds');
    expect(earlyRefusalsClaim(undiciRuns).outcome).toBe('fails');
  });
});

describe('§4 bursts', () => {
  it("undici opens at most ⌈512 / 100⌉ connections on a cold burst; 7, or got's 512, fail", () => {
    expect(undiciColdClaim(bench('018-cold-burst-undici-request'))).toMatchObject({
      outcome: 'holds',
      evidence: { tcp: 3 },
    });
    expect(undiciColdClaim(bench('019-cold-burst-got')).outcome).toBe('fails');
    const seven = structuredClone(bench('018-cold-burst-undici-request'));
    const target = seven.trials[0]?.target;
    if (!target) throw new Error('018 has no target counters');
    target.connectionsOpened = 7;
    expect(undiciColdClaim(seven).outcome).toBe('fails');
  });

  it("got's cold burst opens a probe per request; undici's does not", () => {
    expect(gotColdClaim([bench('019-cold-burst-got')])).toMatchObject({ outcome: 'holds' });
    expect(gotColdClaim([bench('019-cold-burst-got'), bench('018-cold-burst-undici-request')]).outcome).toBe('fails');
    expect(gotColdClaim([]).outcome).toBe('fails');
  });

  it("got's warm burst opens at most ⌈512 / 100⌉ connections in its trial (the warm-up is not folded in)", () => {
    const warm = bench('023-warm-burst-got');
    expect(warm.warmup?.target?.connectionsOpened).toBe(512);
    expect(gotWarmClaim(warm)).toMatchObject({ outcome: 'holds', evidence: { tcpInTrial: 1 } });
    expect(gotWarmClaim(bench('019-cold-burst-got')).outcome).toBe('fails');
  });

  it('the upstream finding is written only when the cold claim holds, from the run', () => {
    const cold = [bench('019-cold-burst-got')];
    const warm = bench('023-warm-burst-got');
    const verdicts = [gotColdClaim(cold), gotWarmClaim(warm)];
    const md = gotProbeFinding({ verdicts, cold, warm, nodeVersion: 'v24.21.0', runId: 'http2-test' });
    expect(md).toContain('### got 16 opens one TLS connection per request');
    expect(md).toContain('| cold, repeat 1 | 512 | 428 | 84 | 428 | 5 | 507 |');
    expect(md).toContain('a warm burst of 512 opened 1 new TCP connection.');
    expect(md).toContain('428 TLS handshakes (all h2)');
    expect(md).toContain('got 16.1.0');
    const failed = [gotColdClaim([bench('018-cold-burst-undici-request')]), verdicts[1] as (typeof verdicts)[number]];
    expect(gotProbeFinding({ verdicts: failed, cold, warm, nodeVersion: 'v24.21.0', runId: 'x' })).toBeNull();
  });
});

const RTT = fs
  .readdirSync(BENCHES)
  .filter((f) => /^0(2[6-9]|3\d)-/.test(f))
  .map((f) => bench(f.replace(/\.json$/, '')) as RttMeasurement);

/** The same request times shifted by `addMs` (a whole extra round trip, say). */
function shifted(r: RttMeasurement, addMs: number): RttMeasurement {
  const copy = structuredClone(r);
  for (const t of copy.trials) {
    const h = createLatencyHistogram();
    for (let i = 0; i < t.ok; i++) recordMicros(h, (t.latencyMs.p50 + addMs) * 1000 + i);
    (t as { histogram: string }).histogram = encodeHistogram(h);
  }
  return copy;
}

describe('§5 round trips', () => {
  it('the sweep used the protocols it asked for', () => {
    expect(RTT).toHaveLength(12);
    expect(rttProtocolsSanity(RTT)).toMatchObject({ kind: 'sanity', outcome: 'holds' });
  });

  it('h2 adds no round trip at 50 ms; an h2 a whole RTT slower fails', () => {
    expect(noExtraRoundTripClaim(RTT)).toMatchObject({ outcome: 'holds', evidence: { rttMs: 50 } });
    const slower = RTT.map((r) => (r.label === 'cold h2 @ 50 ms' ? shifted(r, 50) : r));
    expect(noExtraRoundTripClaim(slower).outcome).toBe('fails');
    expect(noExtraRoundTripClaim(RTT.filter((r) => !r.label.startsWith('warm h2'))).outcome).toBe('unresolved');
  });

  it('the difference of medians has a conservative interval', () => {
    const a = Array.from({ length: 30 }, (_, i) => 100 + i);
    const b = a.map((x) => x + 10);
    const d = medianDifference(a, b);
    expect(d.median).toBeCloseTo(10);
    expect(d.low).toBeLessThan(10);
    expect(d.high).toBeGreaterThan(10);
    expect(d.coverage).toBeGreaterThanOrEqual(0.95);
  });
});

describe('what to do', () => {
  it('recommends only from claims that hold and lists the others as withheld', () => {
    const holds = undiciColdClaim(bench('018-cold-burst-undici-request'));
    const fails = gotColdClaim([bench('018-cold-burst-undici-request')]);
    const { recommendations, withheld } = http2Recommendations([holds, fails]);
    expect(recommendations).toHaveLength(1);
    expect(recommendations[0]).toContain("undici's cold burst");
    expect(withheld).toEqual(['`got-cold-probes` did not hold: nothing is recommended from it.']);
  });
});

describe('claims and references', () => {
  it('every claim is listed, by id, in the notebook cell that states them before the measurement', () => {
    const nb = JSON.parse(fs.readFileSync(path.join(repo, 'notebooks/04-http2.ipynb'), 'utf8')) as {
      cells: { cell_type: string; source: string[] }[];
    };
    const cell = nb.cells
      .map((c) => c.source.join(''))
      .find((s) => s.includes('Claims, stated before the measurement'));
    expect(cell).toBeDefined();
    for (const id of Object.keys(HTTP2_CLAIMS)) expect(cell, id).toContain(`\`${id}\``);
  });

  it.each(HTTP2_INSTALLED_REFS.map((r) => [r.id, r] as const))(
    '%s: the installed lines contain the token',
    (_id, ref) => {
      const dir = path.join(repo, 'node_modules', ref.pkg);
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
      expect(pkg.version).toBe(ref.version);
      const lines = fs
        .readFileSync(path.join(dir, ref.file), 'utf8')
        .split('\n')
        .slice(ref.lines[0] - 1, ref.lines[1]);
      expect(lines.join('\n')).toContain(ref.token);
    },
  );
});
