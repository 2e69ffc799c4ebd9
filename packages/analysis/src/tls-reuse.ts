import { type MedianInterval, medianInterval, mergeHistograms } from '@casebook/stats';
import { allOf } from './at-once';
import { type InterleavedMeasurement, intervalOf, isRankable, ratioOf } from './interleaved';
import { findSourceLink, sourceLink } from './source-links';
import { countClaim, type Evidence, quantityClaim, sanityCheck, type VerdictData } from './verdicts';

/**
 * The checks of the tls-reuse case study, as pure functions of its records (tested on both sides in
 * test/analysis-tls-reuse.test.ts). Handshakes are counted where they happen, by the target (`isSessionReused()` in
 * `secureConnection`), per measured trial or window; thresholds are arguments, stated in the notebook before the
 * measurement. Types are structural, so live records and records read back from disk both fit.
 */

type Text = { id: string; claim: string };

export interface TlsTrial {
  target: { tls?: { fullHandshakes: number; resumedHandshakes: number } | undefined } | null;
}

export interface TlsMeasurement {
  label: string;
  client: { name: string };
  trials: readonly TlsTrial[];
  target: { connectionsOpenedMeasured: number };
}

/** Handshakes the target counted in the measured trials (or windows) of one measurement. */
export interface HandshakeCount {
  label: string;
  client: string;
  connections: number;
  full: number;
  resumed: number;
}

export function handshakeCount(m: TlsMeasurement): HandshakeCount {
  let full = 0;
  let resumed = 0;
  for (const t of m.trials) {
    full += t.target?.tls?.fullHandshakes ?? 0;
    resumed += t.target?.tls?.resumedHandshakes ?? 0;
  }
  return { label: m.label, client: m.client.name, connections: m.target.connectionsOpenedMeasured, full, resumed };
}

const countsOf = (rows: readonly HandshakeCount[]): Evidence =>
  Object.fromEntries(rows.map((r) => [r.label, `${r.full} full / ${r.resumed} resumed`]));

/**
 * Every connection paid a full handshake: no cache, or a new (empty) one for every request. A sanity check: it holds
 * by construction (a cache of 0 stores nothing, undici connect.js L37–39; a new client starts with an empty cache).
 */
export function everyHandshakeFull(rows: readonly HandshakeCount[], connections: number, text: Text): VerdictData {
  return sanityCheck({
    ...text,
    holds: rows.length > 0 && rows.every((r) => r.full === connections && r.resumed === 0),
    evidence: countsOf(rows),
  });
}

/** A cache that keeps its session: the first of `connections` sequential connections is full, every later one resumes. */
export function onlyFirstHandshakeFull(rows: readonly HandshakeCount[], connections: number, text: Text): VerdictData {
  return countClaim({
    ...text,
    holds: rows.length > 0 && rows.every((r) => r.full === 1 && r.resumed === connections - 1),
    evidence: countsOf(rows),
  });
}

/**
 * At least `share` of the connections that could resume did. `cold` connections started before any session existed
 * (the first of a sequence: 1; a burst after a warm-up request: 0) and are not counted against the client.
 */
export function resumedShareAtLeast(
  rows: readonly HandshakeCount[],
  limits: { share: number; cold: number },
  text: Text,
): VerdictData {
  const ok = (r: HandshakeCount) => r.resumed >= limits.share * (r.full + r.resumed - limits.cold);
  return countClaim({
    ...text,
    holds: rows.length > 0 && rows.every(ok),
    evidence: { ...countsOf(rows), minimumShare: limits.share, coldConnections: limits.cold },
  });
}

/** Exact connection counts per client (e.g. 1 for node:http's Agent, 2 for undici's Pool at one request at a time). */
export function connectionsAsExpected(
  rows: readonly HandshakeCount[],
  expected: (client: string) => number,
  text: Text,
): VerdictData {
  return countClaim({
    ...text,
    holds: rows.length > 0 && rows.every((r) => r.connections === expected(r.client)),
    evidence: Object.fromEntries(rows.map((r) => [r.label, `${r.connections} (expected ${expected(r.client)})`])),
  });
}

/**
 * Node's https.Agent clients and Node's fetch (bundled undici 7, allowH2 false) start every connection of a cold burst
 * at once, before any handshake has finished, so nothing can resume: a property of their design. Pass only those rows:
 * undici 8 holds its burst for an ALPN probe instead (shown as a count, not here).
 */
export function coldBurstSanity(rows: readonly HandshakeCount[]): VerdictData {
  return sanityCheck({
    id: 'cold-burst-no-resumption',
    claim:
      'In a cold burst, node-http, axios, got (one https.Agent each) and Node’s fetch resumed no session: they start every connection before any handshake has finished. A property of their design, shown to check the lab, not a finding.',
    holds: rows.length > 0 && rows.every((r) => r.resumed === 0),
    evidence: countsOf(rows),
  });
}

/** One block of a steady-state (interleaved) measurement, with the client's and the target's CPU per request. */
export interface CpuBlock {
  round: number;
  cpuMicrosPerRequest: number;
  targetCpuMicrosPerRequest: number;
}

export interface CpuMeasurement {
  label: string;
  method?: { blocks: readonly CpuBlock[] } | undefined;
}

export type CpuMetric = 'cpuMicrosPerRequest' | 'targetCpuMicrosPerRequest';

/** b − a for every round both ran (paired: a round's machine noise is common to both), summarised as a median. */
export function perRoundCpuDifference(a: CpuMeasurement, b: CpuMeasurement, metric: CpuMetric): MedianInterval {
  const ofA = new Map((a.method?.blocks ?? []).map((x) => [x.round, x[metric]]));
  const diffs: number[] = [];
  for (const block of [...(b.method?.blocks ?? [])].sort((x, y) => x.round - y.round)) {
    const x = ofA.get(block.round);
    if (x !== undefined) diffs.push(block[metric] - x);
  }
  if (diffs.length === 0) throw new RangeError(`perRoundCpuDifference: ${a.label} and ${b.label} share no round`);
  return medianInterval(diffs);
}

/** Median over blocks of one CPU metric (each block's value from sums over its windows). */
export function blockMedian(m: CpuMeasurement, metric: CpuMetric): MedianInterval | null {
  const values = (m.method?.blocks ?? []).map((b) => b[metric]);
  return values.length ? medianInterval(values) : null;
}

/** One configuration's full and resumed connection, per block: the target's CPU, the saving per round, both sides. */
export interface HandshakeCpuRow {
  config: string;
  serverFullUs: number;
  serverResumedUs: number;
  serverSavingUs: number;
  serverSavingLow: number;
  serverSavingHigh: number;
  clientSavingUs: number;
  clientSavingLow: number;
  clientSavingHigh: number;
  counted: string;
  /** Guard flags of either measurement (cpu-over-wall marks CPU accounting that cannot be trusted). */
  flags: string;
}

type Guarded = { guards?: { flags: readonly string[] } | undefined };

export function handshakeCpuRow(
  config: string,
  full: CpuMeasurement & TlsMeasurement & Guarded,
  resumed: CpuMeasurement & TlsMeasurement & Guarded,
): HandshakeCpuRow {
  const server = perRoundCpuDifference(resumed, full, 'targetCpuMicrosPerRequest');
  const client = perRoundCpuDifference(resumed, full, 'cpuMicrosPerRequest');
  const [f, r] = [handshakeCount(full), handshakeCount(resumed)];
  return {
    config,
    serverFullUs: blockMedian(full, 'targetCpuMicrosPerRequest')?.median ?? 0,
    serverResumedUs: blockMedian(resumed, 'targetCpuMicrosPerRequest')?.median ?? 0,
    serverSavingUs: server.median,
    serverSavingLow: server.low,
    serverSavingHigh: server.high,
    clientSavingUs: client.median,
    clientSavingLow: client.low,
    clientSavingHigh: client.high,
    counted: `full: ${f.full} full / ${f.resumed} resumed; resumed: ${r.full} full / ${r.resumed} resumed`,
    flags: [...new Set([...(full.guards?.flags ?? []), ...(resumed.guards?.flags ?? [])])].join(', '),
  };
}

/**
 * The target spent more than `aboveMicros` more CPU per connection on `more` than on `less`, in every pair: per-round
 * differences of the target's CPU per request, each decided by its interval. With keep-alive off a request is a
 * connection (accept, handshake, one request, close), so this is CPU per connection, not per handshake alone.
 */
export function serverCpuExceeds(
  pairs: readonly { id: string; more: CpuMeasurement; less: CpuMeasurement }[],
  aboveMicros: number,
  text: Text,
): VerdictData {
  const parts = pairs.map((p) =>
    quantityClaim({
      id: p.id,
      claim: p.id,
      statistic: `target CPU µs per connection, ${p.more.label} − ${p.less.label} (per round)`,
      interval: perRoundCpuDifference(p.less, p.more, 'targetCpuMicrosPerRequest'),
      threshold: { above: aboveMicros },
    }),
  );
  return allOf(parts, { ...text, evidence: { thresholdMicros: aboveMicros } });
}

/** The settings took effect: measurements meant to be full paid only full handshakes, resumed ones ≥ 99 % resumed. */
export function handshakeKindsSanity(full: readonly HandshakeCount[], resumed: readonly HandshakeCount[]): VerdictData {
  const share = (r: HandshakeCount) => (r.full + r.resumed > 0 ? r.resumed / (r.full + r.resumed) : 0);
  return sanityCheck({
    id: 'handshake-kinds',
    claim:
      'The CPU comparison compares what it says: the "full" measurements (cache 0) resumed nothing, and the "resumed" ones (cache on) resumed at least 99 % of their measured connections.',
    holds:
      full.length > 0 &&
      resumed.length > 0 &&
      full.every((r) => r.resumed === 0 && r.full > 0) &&
      resumed.every((r) => share(r) >= 0.99),
    evidence: countsOf([...full, ...resumed]),
  });
}

/** Median request latency (ms) with its order-statistics interval, read from the measured trials' HDR histograms. */
export function histogramMedianInterval(trials: readonly { histogram: string }[], confidence = 0.95): MedianInterval {
  const h = mergeHistograms(trials.map((t) => t.histogram));
  const n = h.totalCount;
  if (n === 0) throw new RangeError('histogramMedianInterval: no recorded requests');
  // The ranks (j, n + 1 − j) the order-statistics interval of n values uses, found on the ranks themselves.
  const ranks = medianInterval(
    Array.from({ length: n }, (_, i) => i + 1),
    confidence,
  );
  // HDR returns the k-th smallest value at percentile 100·k/n (to its 3 significant digits).
  const atRank = (k: number) => h.getValueAtPercentile((100 * k) / n) / 1000;
  return {
    median: h.getValueAtPercentile(50) / 1000,
    low: atRank(ranks.low),
    high: atRank(ranks.high),
    coverage: ranks.coverage,
    n,
    method: 'order-statistics',
  };
}

export interface LatencyMeasurement {
  trials: readonly { histogram: string }[];
}

/** One case measured through the delaying proxy at the RTT under study and at 0 ms. */
export interface RttPair {
  atRtt: LatencyMeasurement;
  atZero: LatencyMeasurement;
}

/**
 * Round trips a TLS handshake took through the delaying proxy, in units of RTT: the cold request's extra time at
 * `rttMs` over 0 ms, minus the same for a request on a kept-alive connection (the request's own round trip and the
 * proxy's per-chunk cost), minus `timerRoundTrips` (the TCP handshake: the proxy cannot delay it, so the connect hook
 * sleeps one RTT before connecting — a timer, not a network round trip). The interval combines the four medians' own
 * intervals (each at `perTermConfidence`) by interval arithmetic: by Bonferroni it covers at least
 * 1 − Σ (1 − coverage of each term), which is what `coverage` reports.
 */
export function tlsRoundTrips(
  cold: RttPair,
  keepAlive: RttPair,
  rttMs: number,
  timerRoundTrips: number,
  perTermConfidence = 0.99,
): MedianInterval {
  if (!(rttMs > 0)) throw new RangeError(`tlsRoundTrips: rttMs must be > 0, got ${rttMs}`);
  const [cR, c0, kR, k0] = [cold.atRtt, cold.atZero, keepAlive.atRtt, keepAlive.atZero].map((m) =>
    histogramMedianInterval(m.trials, perTermConfidence),
  ) as [MedianInterval, MedianInterval, MedianInterval, MedianInterval];
  const rt = (c: number, cz: number, k: number, kz: number) => (c - cz - (k - kz)) / rttMs - timerRoundTrips;
  const missed = [cR, c0, kR, k0].reduce((s, i) => s + (1 - i.coverage), 0);
  return {
    median: rt(cR.median, c0.median, kR.median, k0.median),
    low: rt(cR.low, c0.high, kR.high, k0.low),
    high: rt(cR.high, c0.low, kR.low, k0.high),
    coverage: Math.max(0, 1 - missed),
    n: Math.min(cR.n, c0.n, kR.n, k0.n),
    method: 'order-statistics',
  };
}

/** Each case's round trips lie within `tolerance` of the number the protocol predicts (decided by its interval). */
export function roundTripsMatch(
  cases: readonly { id: string; interval: MedianInterval; expected: number }[],
  tolerance: number,
  text: Text,
): VerdictData {
  const parts = cases.map((c) =>
    quantityClaim({
      id: c.id,
      claim: c.id,
      statistic: `TLS handshake round trips, ${c.id}`,
      interval: c.interval,
      threshold: { above: c.expected - tolerance, below: c.expected + tolerance },
    }),
  );
  // A sanity check: protocol arithmetic through the lab's own proxy, not a finding about a client.
  return { ...allOf(parts, { ...text, evidence: { tolerance } }), kind: 'sanity' };
}

/** The proxy adds one RTT to a request on a kept-alive connection: how the lab emulates latency, so a sanity check. */
export function requestRoundTripSanity(keepAlive: RttPair, rttMs: number): VerdictData {
  const added =
    (histogramMedianInterval(keepAlive.atRtt.trials).median - histogramMedianInterval(keepAlive.atZero.trials).median) /
    rttMs;
  return sanityCheck({
    id: 'request-one-rtt',
    claim: `A request on a kept-alive connection took one emulated round trip through the proxy at ${rttMs} ms (0.8–1.3 RTT): the proxy delays as built.`,
    holds: added >= 0.8 && added <= 1.3,
    evidence: { roundTrips: added, rttMs },
  });
}

/** The delaying proxy stayed well below its core (it shares the target's): it did not set the pace. */
export function proxyIdleSanity(rows: readonly { label: string; proxyShare: number }[], maxShare: number): VerdictData {
  const worst = Math.max(0, ...rows.map((r) => r.proxyShare));
  return sanityCheck({
    id: 'proxy-not-limit',
    claim: `The delaying proxy used less than ${Math.round(maxShare * 100)} % of its core in every run through it (one request in flight), so it did not set the pace.`,
    holds: rows.length > 0 && worst < maxShare,
    evidence: { maxProxyShare: worst, runs: rows.length },
  });
}

/** Share of the measured connections that paid a full handshake. */
export function fullHandshakeShare(m: TlsMeasurement): number {
  const c = handshakeCount(m);
  return c.full + c.resumed > 0 ? c.full / (c.full + c.resumed) : 0;
}

/** Full handshakes per measured window (or trial), in order: where a lost session shows as a burst. */
export function fullHandshakesPerWindow(m: TlsMeasurement): number[] {
  return m.trials.map((t) => t.target?.tls?.fullHandshakes ?? 0);
}

/**
 * Once a client's cache holds a session, a full handshake means the cache handed out none. undici keeps its one
 * session per origin through a WeakRef, Node's https.Agent in a plain object: each `weak` client paid full handshakes
 * on more than `minShare` of its measured connections while each `strong` client paid none. Exploratory: how often
 * undici's session is gone is set by when V8 collects garbage, which the run neither controls nor records.
 */
export function sessionLossClaim(
  weak: readonly TlsMeasurement[],
  strong: readonly TlsMeasurement[],
  minShare: number,
  text: Text,
): VerdictData {
  const evidence: Evidence = { minimumShare: minShare };
  for (const m of [...weak, ...strong]) {
    const c = handshakeCount(m);
    evidence[m.label] = `${c.full} full / ${c.resumed} resumed (${(100 * fullHandshakeShare(m)).toFixed(1)} %)`;
  }
  return countClaim({
    ...text,
    kind: 'exploratory',
    holds:
      weak.length > 0 &&
      strong.length > 0 &&
      weak.every((m) => fullHandshakeShare(m) > minShare) &&
      strong.every((m) => handshakeCount(m).full === 0),
    evidence,
  });
}

/** Flags that make a throughput unusable as a client's own (interleave.ts guards). */
const UNUSABLE = ['errors', 'no-data'];

/**
 * Keep-alive on ÷ off throughput per client, per round, above `above`. A pair is left out when the keep-alive-off
 * measurement has any ranking flag (a saturated target there would overstate the gain) or either has errors or no
 * data. A keep-alive-on measurement whose target saturated stays in: the target capped it, which can only understate
 * the gain; it is listed in `lowerBounds`, and its throughput is never quoted as the client's own.
 */
export function keepAliveGain(
  pairs: readonly { client: string; on: InterleavedMeasurement; off: InterleavedMeasurement }[],
  above: number,
  text: Text,
): { verdict: VerdictData; excluded: string[]; lowerBounds: string[] } {
  const flags = (m: InterleavedMeasurement) => m.guards?.flags ?? [];
  const usable = pairs.filter((p) => isRankable(p.off) && !flags(p.on).some((f) => UNUSABLE.includes(f)));
  const excluded = pairs.filter((p) => !usable.includes(p)).map((p) => p.client);
  const lowerBounds = usable.filter((p) => flags(p.on).includes('target-saturated')).map((p) => p.client);
  const parts = usable.map((p) =>
    quantityClaim({
      id: p.client,
      claim: p.client,
      statistic: `${p.client}: keep-alive on ÷ off throughput (per round)`,
      interval: ratioOf(p.off, p.on),
      threshold: { above },
    }),
  );
  // A sanity check: the gain observed is far above the threshold (6.5–10×), so it cannot realistically fail.
  const verdict: VerdictData = {
    ...allOf(parts, {
      ...text,
      evidence: {
        threshold: above,
        excluded: excluded.join(', ') || 'none',
        lowerBounds: lowerBounds.join(', ') || 'none',
      },
    }),
    kind: 'sanity',
  };
  return { verdict, excluded, lowerBounds };
}

/** One row of the load table: throughput with its interval, CPU on both sides, handshakes, and the guards. */
export interface TlsLoadRow {
  label: string;
  client: string;
  rounds: number;
  rps: number;
  rpsLow: number;
  rpsHigh: number;
  clientUs: number;
  serverUs: number;
  targetShare: number;
  full: number;
  resumed: number;
  fullShare: number;
  flags: string;
}

export function tlsLoadRow(
  m: InterleavedMeasurement & TlsMeasurement & CpuMeasurement & { guards?: { targetCpuShare: number } | undefined },
): TlsLoadRow {
  const rps = intervalOf(m, 'throughputRps');
  const c = handshakeCount(m);
  return {
    label: m.label,
    client: m.client.name,
    rounds: m.method?.blocks.length ?? 0,
    rps: rps?.median ?? 0,
    rpsLow: rps?.low ?? 0,
    rpsHigh: rps?.high ?? 0,
    clientUs: blockMedian(m, 'cpuMicrosPerRequest')?.median ?? 0,
    serverUs: blockMedian(m, 'targetCpuMicrosPerRequest')?.median ?? 0,
    targetShare: m.guards?.targetCpuShare ?? 0,
    full: c.full,
    resumed: c.resumed,
    fullShare: fullHandshakeShare(m),
    flags: (m.guards?.flags ?? []).join(', '),
  };
}

/** Every block of these steady-state measurements passed the steadiness test before it was measured. */
export function tlsSteadySanity(
  records: readonly { label: string; method?: { blocks: readonly { steady: boolean }[] } | undefined }[],
): VerdictData {
  const blocks = records.flatMap((r) => r.method?.blocks ?? []);
  const unsteady = records.flatMap((r) => (r.method?.blocks ?? []).filter((b) => !b.steady).map(() => r.label));
  return sanityCheck({
    id: 'blocks-steady',
    claim:
      'Every block passed the steadiness test before it was measured (three windows within 15 %, connection rate stable).',
    holds: blocks.length > 0 && unsteady.length === 0,
    evidence: { blocks: blocks.length, unsteady: unsteady.length, where: [...new Set(unsteady)].join(', ') || 'none' },
  });
}

const outcomeOf = (verdicts: readonly VerdictData[], id: string) => verdicts.find((v) => v.id === id)?.outcome;

/** A verdict's per-part evidence as text, without the threshold bookkeeping. */
function partsText(v: VerdictData, skip: readonly string[]): string {
  return Object.entries(v.evidence)
    .filter(([k]) => !skip.includes(k))
    .map(([k, x]) => `${k}: ${String(x)}`)
    .join('; ');
}

const BOOKKEEPING = [
  'threshold',
  'thresholdMicros',
  'tolerance',
  'excluded',
  'lowerBounds',
  'minimumShare',
  'coldConnections',
];

/**
 * What to do, generated from the claims (and sanity checks) that hold, each sentence gated on its own verdict and
 * quoting its evidence. Exploratory verdicts give no advice. A claim that does not hold, or is unresolved, produces no
 * advice; the last line names them.
 */
export function tlsAdvice(verdicts: readonly VerdictData[]): string[] {
  const claims = verdicts.filter((v) => v.kind === 'claim');
  const decided = verdicts.filter((v) => v.kind !== 'exploratory');
  const holds = (id: string) => outcomeOf(decided, id) === 'holds';
  const ev = (id: string) => {
    const v = decided.find((x) => x.id === id);
    return v ? partsText(v, BOOKKEEPING) : '';
  };
  const lines: string[] = [];
  if (holds('keepalive-gain'))
    lines.push(
      `- **Keep connections alive over HTTPS.** Keep-alive on ÷ off, per-round throughput (median, 95 % interval): ${ev('keepalive-gain')}.`,
    );
  if (holds('no-cache-full'))
    lines.push(
      `- **Create one client (Agent, dispatcher) per origin and reuse it.** A new client per request starts with an empty session cache, so every request paid a full handshake (${ev('no-cache-full')}).`,
    );
  if (holds('resumed-cheaper-server'))
    lines.push(
      `- **Leave the session cache on.** A resumed connection cost the target less CPU than a full one, per configuration (µs, full − resumed): ${ev('resumed-cheaper-server')}.`,
    );
  if (holds('rsa-costs-server'))
    lines.push(
      `- **Prefer ECDSA P-256 server certificates.** A full TLS 1.3 handshake with RSA-2048 cost the target more CPU per connection (µs, RSA − ECDSA): ${ev('rsa-costs-server')}.`,
    );
  if (holds('tls-round-trips'))
    lines.push(
      '- **Allow TLS 1.3.** A full TLS 1.2 handshake took two round trips, a full TLS 1.3 one one (Node implements no 0-RTT, so a resumed TLS 1.3 handshake also took one).',
    );
  if (holds('warm-burst-resumes'))
    lines.push(
      `- **Warm the session cache before a burst.** After one request, the burst's new connections resumed (${ev('warm-burst-resumes')}).`,
    );
  const idle = claims.filter((v) => v.outcome !== 'holds');
  if (idle.length > 0)
    lines.push(
      `\nNo advice from claims that did not hold (${
        idle
          .filter((v) => v.outcome === 'fails')
          .map((v) => v.id)
          .join(', ') || 'none'
      }) or are unresolved (${
        idle
          .filter((v) => v.outcome === 'unresolved')
          .map((v) => v.id)
          .join(', ') || 'none'
      }).`,
    );
  return lines;
}

/**
 * The upstream finding (undici's WeakRef session cache), as markdown, or null when this run did not demonstrate it
 * (neither session-loss claim holds). Only what the records show is stated as shown; the GC step is not recorded.
 */
export function sessionLossFinding(input: {
  verdicts: readonly VerdictData[];
  weak: readonly TlsMeasurement[];
  strong: readonly TlsMeasurement[];
  concurrency: number;
  versions: { undici: string; node: string; bundledUndici: string };
}): string | null {
  const holds = (id: string) => outcomeOf(input.verdicts, id) === 'holds';
  if (!holds('load-session-loss') && !holds('sequential-session-loss')) return null;
  const link = (id: string, text: string) => sourceLink(findSourceLink(id), text);
  const describe = (m: TlsMeasurement) => {
    const c = handshakeCount(m);
    const bursts = fullHandshakesPerWindow(m).filter((n) => n > 0);
    return `${m.label}: ${c.full} full of ${c.full + c.resumed} (${(100 * fullHandshakeShare(m)).toFixed(1)} %)${bursts.length ? `; measured windows (or trials) with full handshakes: ${bursts.length} of ${m.trials.length}, sizes ${bursts.join(', ')}` : ''}`;
  };
  const v = input.versions;
  return [
    `**With keep-alive off, undici paid full handshakes where Node's https.Agent, against an identical target with the same options, resumed every connection.** undici holds its session through a WeakRef, deliberately since [nodejs/undici#1802](https://github.com/nodejs/undici/pull/1802) ("perf: Keep weak reference to session for re-use"); how often the session is gone is set by when V8 collects garbage, which this run neither controls nor records, so the rate below is exploratory and the GC step is not shown.`,
    '',
    `- **Shown** (server-side counts, \`isSessionReused()\`): ${input.weak.map(describe).join('; ')}. Controls: ${input.strong.map(describe).join('; ')}.`,
    `- **Mechanism** (undici ${v.undici}): each Pool builds one connector (${link('tls.undici.pool.connector-per-pool', 'pool.js L84–88')}) with a \`WeakSessionCache\` (${link('tls.undici.connect.weak-session-cache', 'connect.js L15–29')}) that stores the latest session per servername as \`new WeakRef(session)\` (${link('tls.undici.connect.weakref-set', 'L63–64')}); \`get\` returns \`ref.deref()\` (${link('tls.undici.connect.session-get', 'L31–34')}), so a collected session becomes \`session: null\` in \`tls.connect\` (${link('tls.undici.connect.session-key', 'L83–88')}): a full handshake; a new session replaces the old entry (${link('tls.undici.connect.replace-latest', 'L41–42')}, ${link('tls.undici.connect.weakref-set', 'L63')}). undici keeps no other reference to the Buffer its \`'session'\` handler stores (${link('tls.undici.connect.on-session', 'L104–108')}). Node's https.Agent keeps sessions in a plain object (${link('tls.node.https.session-cache', 'https.js L604–628')}). The undici ${v.bundledUndici} bundled in Node ${v.node} (Node's \`fetch\`) has the same WeakRef storage (${link('tls.node.bundled-undici.weak-session-cache', 'undici.js L3239–3281')}); Node's \`fetch\` cannot turn keep-alive off, so it is not measured here.`,
    `- **Inferred, not shown**: that a garbage collection freed the session. The record has no GC events. The pattern fits it: under load the full handshakes come in bursts (sizes above; C = ${input.concurrency} in flight), as if every connection that starts before a new ticket arrives finds the cache empty.`,
    `- **Cost**: each full handshake costs the server, and the client, the full − resumed differences measured in section 3 (\`resumed-cheaper-server\`).`,
    '- **Reproduce**: `npx casebook run tls-reuse --profile standard` (section 5). To isolate the GC step, a sketch for a maintainer (not run by this notebook): with keep-alive off (`new Agent({ pipelining: 0, connect: { ca } })`), send one request, wait for the response, call `gc()` (`node --expose-gc`), send another, and read `isSessionReused()` on the server: a strong cache resumes the second connection, a collected WeakRef cannot.',
    "- **For the maintainers**: the WeakRef is a deliberate trade (#1802: memory for reuse). This run adds the other side of it: the full handshakes it cost here, and their CPU (section 3). Whether that is worth a strong reference to the latest session per key (bounded by `maxCachedSessions`, as Node's Agent keeps) is the maintainers' call; nothing here shows the GC step itself.",
  ].join('\n');
}
