import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type CpuMeasurement,
  coldBurstSanity,
  connectionsAsExpected,
  countClaim,
  everyHandshakeFull,
  fullHandshakeShare,
  fullHandshakesPerWindow,
  handshakeCount,
  handshakeCpuRow,
  handshakeKindsSanity,
  histogramMedianInterval,
  type InterleavedMeasurement,
  keepAliveGain,
  onlyFirstHandshakeFull,
  perRoundCpuDifference,
  proxyIdleSanity,
  quantityClaim,
  type RttPair,
  requestRoundTripSanity,
  resumedShareAtLeast,
  roundTripsMatch,
  sanityCheck,
  serverCpuExceeds,
  sessionLossClaim,
  sessionLossFinding,
  type TlsMeasurement,
  tlsAdvice,
  tlsLoadRow,
  tlsRoundTrips,
  tlsSteadySanity,
} from '@casebook/analysis';
import { createLatencyHistogram, encodeHistogram, medianInterval, recordMicros } from '@casebook/stats';
import { describe, expect, it } from 'vitest';

/**
 * The tls-reuse checks on both sides: on the committed run (results/tls-reuse/tls-reuse-f224efb5, phase method) where
 * they hold, and on counterfactual data where they must fail. No process, socket or server is started.
 */

const RUN = path.resolve(__dirname, '../results/tls-reuse/tls-reuse-f224efb5/benches');

interface CommittedBench extends TlsMeasurement {
  trials: (TlsMeasurement['trials'][number] & { histogram: string })[];
  proxy?: { utilization: number };
}

function committed(prefix: string): CommittedBench {
  const file = fs.readdirSync(RUN).find((f) => f.startsWith(`${prefix}-`));
  if (!file) throw new Error(`no committed bench ${prefix} in ${RUN}`);
  return JSON.parse(fs.readFileSync(path.join(RUN, file), 'utf8'));
}

const rows = (...prefixes: string[]) => prefixes.map((p) => handshakeCount(committed(p)));
const text = { id: 'x', claim: 'x' };

/** A measurement whose trials (or windows) counted these full / resumed handshakes. */
function counted(label: string, perTrial: [number, number][], client = label): TlsMeasurement {
  return {
    label,
    client: { name: client },
    target: { connectionsOpenedMeasured: perTrial.reduce((s, [f, r]) => s + f + r, 0) },
    trials: perTrial.map(([full, resumed]) => ({
      target: { tls: { fullHandshakes: full, resumedHandshakes: resumed } },
    })),
  };
}

const wobble = [1, 1.03, 0.97, 1.02, 0.98, 1.01];

/** Steady-state blocks with the given target and client CPU per request, moved together by a round's noise. */
function cpu(label: string, targetUs: number, clientUs = 1000, noise: readonly number[] = wobble): CpuMeasurement {
  return {
    label,
    method: {
      blocks: noise.map((w, round) => ({
        round,
        targetCpuMicrosPerRequest: targetUs * w,
        cpuMicrosPerRequest: clientUs * w,
      })),
    },
  };
}

function loadM(label: string, rps: number, flags: string[] = []): InterleavedMeasurement {
  return {
    label,
    client: { name: label },
    guards: { flags, rankable: !flags.some((f) => ['target-saturated', 'errors', 'no-data'].includes(f)) },
    method: {
      blocks: wobble.map((w, round) => ({
        round,
        throughputRps: rps * w,
        cpuMicrosPerRequest: 1e6 / (rps * w),
        clientUtilization: 0.99,
        targetCpuShare: 0.4,
      })),
    },
  };
}

describe('handshake counts (committed run, phase method)', () => {
  it('sums the target counts over the measured trials only', () => {
    const c = handshakeCount(committed('069'));
    expect(c).toMatchObject({ client: 'undici-request', full: 2377, resumed: 12983 });
    expect(fullHandshakesPerWindow(committed('069'))).toEqual([1024, 840, 513]);
    expect(fullHandshakeShare(committed('076'))).toBe(0);
  });

  it('every handshake full: holds for cache 0 and a new client per request, fails for a resumed sequence', () => {
    expect(everyHandshakeFull(rows('003', '004', '011', '014', '017', '022', '026'), 50, text)).toMatchObject({
      kind: 'sanity',
      outcome: 'holds',
    });
    expect(everyHandshakeFull(rows('003', '016'), 50, text).outcome).toBe('fails');
    expect(everyHandshakeFull([], 50, text).outcome).toBe('fails');
  });

  it('only the first full: holds for the strong caches, fails for the rerun’s 2 full / 48 resumed', () => {
    expect(onlyFirstHandshakeFull(rows('016', '020', '024'), 50, text).outcome).toBe('holds');
    const rerun = handshakeCount(counted('undici-dispatch · keep-alive off, cache on', [[2, 48]]));
    expect(onlyFirstHandshakeFull([...rows('016'), rerun], 50, text).outcome).toBe('fails');
  });

  it('resumed share: the rerun’s 2 / 48 still resumes 90 % of what could; a cache that loses 10 of 50 does not', () => {
    const limits = { share: 0.9, cold: 1 };
    expect(resumedShareAtLeast(rows('002', '006', '010', '016', '020', '024'), limits, text).outcome).toBe('holds');
    const rerun = handshakeCount(counted('rerun', [[2, 48]]));
    expect(resumedShareAtLeast([rerun], limits, text).outcome).toBe('holds');
    const lossy = handshakeCount(counted('lossy', [[10, 40]]));
    expect(resumedShareAtLeast([rerun, lossy], limits, text).outcome).toBe('fails');
  });

  it('warm bursts resume (no cold connection), cold bursts do not', () => {
    const warm = rows('028', '030', '032', '034', '036', '038', '040');
    expect(resumedShareAtLeast(warm, { share: 0.9, cold: 0 }, text).outcome).toBe('holds');
    expect(resumedShareAtLeast(rows('027'), { share: 0.9, cold: 0 }, text).outcome).toBe('fails');
  });

  it('connections as expected: undici 2, node:http-based 1 at one request at a time; a wrong expectation fails', () => {
    const keepAlive = rows('001', '005', '009', '013', '015', '019', '023');
    const expected = (client: string) => (['node-http', 'axios', 'got'].includes(client) ? 1 : 2);
    expect(connectionsAsExpected(keepAlive, expected, text).outcome).toBe('holds');
    expect(connectionsAsExpected(keepAlive, () => 1, text).outcome).toBe('fails');
  });

  it('cold burst is a sanity check: holds on cold bursts, fails if anything resumed', () => {
    const v = coldBurstSanity(rows('027', '029', '031', '033', '035', '037', '039'));
    expect(v).toMatchObject({ kind: 'sanity', outcome: 'holds' });
    expect(coldBurstSanity(rows('027', '028')).outcome).toBe('fails');
  });

  it('handshake kinds: the committed CPU runs compared what they said; a "resumed" run with 2 % full fails', () => {
    expect(handshakeKindsSanity(rows('043', '049'), rows('042', '048')).outcome).toBe('holds');
    const leaky = handshakeCount(counted('leaky', [[100, 4400]]));
    expect(handshakeKindsSanity(rows('043'), [leaky]).outcome).toBe('fails');
    expect(handshakeKindsSanity(rows('042'), rows('042')).outcome).toBe('fails');
  });
});

describe('server CPU per connection, per round', () => {
  it('pairs blocks by round and takes b − a', () => {
    const d = perRoundCpuDifference(cpu('resumed', 500), cpu('full', 600), 'targetCpuMicrosPerRequest');
    expect(d.median).toBeCloseTo(100.5, 6); // the median of 100 × the noise factors
    expect(d.n).toBe(wobble.length);
    expect(() => perRoundCpuDifference(cpu('a', 1, 1, [1]), { label: 'b' }, 'cpuMicrosPerRequest')).toThrow(/no round/);
  });

  it('a configuration row pairs full and resumed per round, on the target and on the client', () => {
    const full = { ...cpu('full', 620, 1250), ...counted('full', [[300, 0]]) };
    const resumed = { ...cpu('resumed', 515, 820), ...counted('resumed', [[0, 300]]) };
    const row = handshakeCpuRow('TLSv1.3 ecdsa-p256', full, resumed);
    expect(row.serverSavingUs).toBeCloseTo(105 * 1.005, 6);
    expect(row.clientSavingUs).toBeCloseTo(430 * 1.005, 6);
    expect(row.serverSavingLow).toBeLessThan(row.serverSavingHigh);
    expect(row.counted).toBe('full: 300 full / 0 resumed; resumed: 0 full / 300 resumed');
    expect(row.flags).toBe('');
    const flagged = handshakeCpuRow(
      'x',
      { ...full, guards: { flags: ['cpu-over-wall'] } },
      { ...resumed, guards: { flags: ['cpu-over-wall', 'not-steady'] } },
    );
    expect(flagged.flags).toBe('cpu-over-wall, not-steady');
  });

  it('holds when every configuration costs more than the threshold, fails or is unresolved otherwise', () => {
    const pair = (full: number, resumed: number) => ({
      id: `${full}/${resumed}`,
      more: cpu('full', full),
      less: cpu('resumed', resumed),
    });
    expect(serverCpuExceeds([pair(620, 515), pair(840, 485)], 50, text).outcome).toBe('holds');
    expect(serverCpuExceeds([pair(620, 515), pair(530, 515)], 50, text).outcome).toBe('fails');
    // A difference of 50 µs ± noise straddles the threshold.
    expect(serverCpuExceeds([pair(1550, 1500)], 50, text).outcome).toBe('unresolved');
    expect(serverCpuExceeds([], 50, text).outcome).toBe('unresolved');
  });
});

/** An HDR histogram (as trials store it) holding these latencies in ms. */
function latencies(ms: readonly number[]): { histogram: string } {
  const h = createLatencyHistogram();
  for (const x of ms) recordMicros(h, x * 1000);
  return { histogram: encodeHistogram(h) };
}

describe('round trips through the delaying proxy', () => {
  it('reads the median and its order-statistics interval from histograms', () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    const i = histogramMedianInterval([latencies(values)]);
    const direct = medianInterval(values);
    expect(i.n).toBe(20);
    expect(i.coverage).toBeCloseTo(direct.coverage, 6);
    expect(i.low).toBeCloseTo(direct.low, 1);
    expect(i.high).toBeCloseTo(direct.high, 1);
    expect(i.median).toBeCloseTo(10, 1);
  });

  const pair = (cold: string, zero: string): RttPair => ({ atRtt: committed(cold), atZero: committed(zero) });
  const keepAlive = pair('063', '053');
  const cases = {
    'TLS 1.3 resumed': pair('064', '054'),
    'TLS 1.3 full': pair('065', '055'),
    'TLS 1.2 resumed': pair('066', '056'),
    'TLS 1.2 full': pair('067', '057'),
  };

  it('the committed 50 ms runs show 1, 1, 1 and 2 TLS round trips once the TCP timer is taken out', () => {
    const expected = { 'TLS 1.3 resumed': 1, 'TLS 1.3 full': 1, 'TLS 1.2 resumed': 1, 'TLS 1.2 full': 2 };
    const measured = Object.entries(cases).map(([id, c]) => ({
      id,
      interval: tlsRoundTrips(c, keepAlive, 50, 1),
      expected: expected[id as keyof typeof expected],
    }));
    for (const m of measured) expect(m.interval.coverage).toBeGreaterThanOrEqual(0.95);
    expect(roundTripsMatch(measured, 0.3, text)).toMatchObject({ kind: 'sanity', outcome: 'holds' });
    // Counterfactuals: TLS 1.2 full claimed as one round trip; or the timer counted as a network round trip.
    const wrong = measured.map((m) => (m.id === 'TLS 1.2 full' ? { ...m, expected: 1 } : m));
    expect(roundTripsMatch(wrong, 0.3, text).outcome).toBe('fails');
    const noTimer = Object.entries(cases).map(([id, c]) => ({
      id,
      interval: tlsRoundTrips(c, keepAlive, 50, 0),
      expected: expected[id as keyof typeof expected],
    }));
    expect(roundTripsMatch(noTimer, 0.3, text).outcome).toBe('fails');
    expect(() => tlsRoundTrips(cases['TLS 1.3 full'], keepAlive, 0, 1)).toThrow(/rttMs/);
  });

  it('the request round trip is a sanity check of the proxy; the proxy stayed idle', () => {
    expect(requestRoundTripSanity(keepAlive, 50)).toMatchObject({ kind: 'sanity', outcome: 'holds' });
    expect(requestRoundTripSanity(keepAlive, 25).outcome).toBe('fails');
    const proxied = ['053', '059', '065', '067'].map((p) => ({
      label: p,
      proxyShare: committed(p).proxy?.utilization ?? 1,
    }));
    expect(proxyIdleSanity(proxied, 0.5)).toMatchObject({ kind: 'sanity', outcome: 'holds' });
    expect(proxyIdleSanity([...proxied, { label: 'busy', proxyShare: 0.6 }], 0.5).outcome).toBe('fails');
  });
});

describe('sessions lost under load', () => {
  const weak = ['069', '071', '073'].map(committed);
  const strong = ['076', '078', '080'].map(committed);

  it('holds on the committed keep-alive-off runs: undici 14–18 % full, node:http-based none', () => {
    expect(sessionLossClaim(weak, strong, 0.01, text)).toMatchObject({ kind: 'exploratory', outcome: 'holds' });
  });

  it('fails when a strong cache pays one full handshake, or when undici pays none', () => {
    const oneFull = counted('node-http', [[1, 5119]]);
    expect(sessionLossClaim(weak, [...strong, oneFull], 0.01, text).outcome).toBe('fails');
    const kept = counted('undici-request', [[0, 5120]]);
    expect(sessionLossClaim([kept], strong, 0.01, text).outcome).toBe('fails');
    expect(sessionLossClaim([], strong, 0.01, text).outcome).toBe('fails');
  });
});

describe('keep-alive gain', () => {
  it('holds above the threshold, fails below it', () => {
    const on = loadM('on', 10_000);
    const off = loadM('off', 1_200);
    expect(keepAliveGain([{ client: 'c', on, off }], 2, text).verdict).toMatchObject({
      kind: 'sanity',
      outcome: 'holds',
    });
    expect(keepAliveGain([{ client: 'c', on: loadM('on', 1_500), off }], 2, text).verdict.outcome).toBe('fails');
  });

  it('keeps a target-saturated "on" as a lower bound, drops a flagged "off", and is unresolved with nothing left', () => {
    const saturated = keepAliveGain(
      [{ client: 'c', on: loadM('on', 10_000, ['target-saturated']), off: loadM('off', 1_200) }],
      2,
      text,
    );
    expect(saturated.lowerBounds).toEqual(['c']);
    expect(saturated.verdict.outcome).toBe('holds');
    const flaggedOff = keepAliveGain(
      [{ client: 'c', on: loadM('on', 10_000), off: loadM('off', 1_200, ['target-saturated']) }],
      2,
      text,
    );
    expect(flaggedOff.excluded).toEqual(['c']);
    expect(flaggedOff.verdict.outcome).toBe('unresolved');
    const errors = keepAliveGain(
      [{ client: 'c', on: loadM('on', 10_000, ['errors']), off: loadM('off', 1_200) }],
      2,
      text,
    );
    expect(errors.excluded).toEqual(['c']);
  });

  it('a load row carries throughput, CPU on both sides, handshakes and flags', () => {
    const m = {
      ...counted(
        'undici-request · keep-alive off',
        [
          [512, 88],
          [0, 600],
        ],
        'undici-request',
      ),
      guards: { flags: ['not-steady'], rankable: true, targetCpuShare: 0.42 },
      method: {
        blocks: wobble.map((w, round) => ({
          round,
          throughputRps: 1200 * w,
          cpuMicrosPerRequest: 800,
          clientUtilization: 0.99,
          targetCpuShare: 0.42,
          targetCpuMicrosPerRequest: 370,
        })),
      },
    };
    const row = tlsLoadRow(m);
    expect(row).toMatchObject({
      client: 'undici-request',
      full: 512,
      resumed: 688,
      serverUs: 370,
      clientUs: 800,
      targetShare: 0.42,
      flags: 'not-steady',
    });
    expect(row.rps).toBeCloseTo(1200, -2);
    expect(row.fullShare).toBeCloseTo(512 / 1200, 6);
  });

  it('steadiness is a sanity check over every block', () => {
    const steady = { label: 's', method: { blocks: [{ steady: true }, { steady: true }] } };
    expect(tlsSteadySanity([steady])).toMatchObject({ kind: 'sanity', outcome: 'holds' });
    expect(tlsSteadySanity([steady, { label: 'u', method: { blocks: [{ steady: false }] } }]).outcome).toBe('fails');
  });
});

describe('advice and the upstream finding follow the verdicts', () => {
  const claim = (id: string, holds: boolean) =>
    countClaim({ id, claim: id, holds, evidence: { c: holds ? 'yes' : 'no' } });

  it('gives advice only from claims that hold, and names the rest', () => {
    const advice = tlsAdvice([
      claim('keepalive-gain', true),
      claim('no-cache-full', false),
      claim('rsa-costs-server', true),
    ]);
    expect(advice.join('\n')).toMatch(/Keep connections alive/);
    expect(advice.join('\n')).toMatch(/Prefer ECDSA/);
    expect(advice.join('\n')).not.toMatch(/one client \(Agent/);
    expect(advice.at(-1)).toMatch(/did not hold \(no-cache-full\)/);
    // Exploratory verdicts give no advice.
    const loss = countClaim({ id: 'load-session-loss', claim: 'x', holds: true, kind: 'exploratory', evidence: {} });
    expect(tlsAdvice([loss]).join('\n')).not.toMatch(/undici/);
    // A sanity check that holds may give its own advice.
    const rt = sanityCheck({ id: 'tls-round-trips', claim: 'x', holds: true, evidence: {} });
    expect(tlsAdvice([rt]).join('\n')).toMatch(/Allow TLS 1.3/);
    const unresolved = quantityClaim({
      id: 'resumed-cheaper-server',
      claim: 'x',
      statistic: 's',
      interval: { ...medianInterval([40, 60]), low: 40, high: 60 },
      threshold: { above: 50 },
    });
    expect(tlsAdvice([unresolved]).join('\n')).not.toMatch(/Leave the session cache on/);
    expect(tlsAdvice([unresolved]).at(-1)).toMatch(/unresolved \(resumed-cheaper-server\)/);
  });

  it('writes the finding only when a session-loss claim holds, with pinned links and the counts', () => {
    const weak = [committed('069')];
    const strong = [committed('076')];
    const input = {
      weak,
      strong,
      concurrency: 512,
      versions: { undici: '8.13.1', node: 'v24.21.0', bundledUndici: '7.29.1' },
    };
    expect(sessionLossFinding({ ...input, verdicts: [claim('load-session-loss', false)] })).toBeNull();
    const md = sessionLossFinding({ ...input, verdicts: [claim('load-session-loss', true)] });
    expect(md).toContain('https://github.com/nodejs/undici/blob/v8.13.1/lib/core/connect.js#L63-L64');
    expect(md).toContain('https://github.com/nodejs/node/blob/v24.21.0/lib/https.js#L604-L628');
    expect(md).toContain('2377 full of 15360');
    expect(md).toContain('sizes 1024, 840, 513');
    expect(md).toMatch(/Inferred, not shown/);
    expect(md).toContain('https://github.com/nodejs/undici/pull/1802');
    expect(md).toContain('https://github.com/nodejs/node/blob/v24.21.0/deps/undici/undici.js#L3239-L3281');
    expect(md).not.toMatch(/Direction for a fix/);
    // The GC step is not stated as shown in the headline.
    expect(md?.split('\n')[0]).not.toMatch(/hands out none once it is collected/);
  });
});
