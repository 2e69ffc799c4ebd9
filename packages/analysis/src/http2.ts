import { type MedianInterval, medianInterval, mergeHistograms } from '@casebook/stats';
import { allOf } from './at-once';
import { type BlockQuantities, type InterleavedMeasurement, isRankable, ratioOf } from './interleaved';
import { findSourceLink, sourceLink } from './source-links';
import { installedRef } from './source-links/http2';
import { countClaim, type Evidence, quantityClaim, sanityCheck, type VerdictData } from './verdicts';

export { HTTP2_INSTALLED_REFS, type InstalledRef, installedRef } from './source-links/http2';

/**
 * The checks of the http2 case study (notebooks/04-http2.ipynb), as pure functions of its records, tested on both
 * sides in test/analysis-http2.test.ts.
 *
 * The h2 target counts every TLS connection that negotiated h2 as a "session" (Node emits 'session' for each, streams
 * or not). It now counts, per phase, the sessions that carried streams (`sessionsWithStreams`) and those that never
 * did (`emptySessions`), and infers refused streams from gaps in client stream ids without booking anything for an
 * empty session (packages/servers/src/h2-target-process.ts). Those counts are used as they are. Records of the earlier
 * target lack them: for those, sessions that carried streams are recovered from the target's mean streams per session
 * (rounded to 0.01, so exact or a narrow range: `sessionsCarrying`), and the 0.5 "refused" it booked per empty session
 * is removed (`connectionAccounting`).
 *
 * Refusals are decided on the target's count: undici 8 retries a refused GET once on its own (client-h2.js
 * `retryRefusedStream`), so a client-side count of REFUSED_STREAM errors cannot see undici's refusals.
 */

/** The plan every claim of the notebook is stated against. */
export const H2_PLAN = {
  /** Requests at once in the 512-concurrent sections and the bursts. */
  burst: 512,
  /** The target's SETTINGS_MAX_CONCURRENT_STREAMS in §1, §4 and §5: a common server default. */
  serverCap: 100,
  /** The target's cap in §2 and §3a: above undici's own per-session ceiling, so that ceiling shows. */
  bigServerCap: 1000,
  /** undici's h2Options.maxConcurrentStreams default (lib/dispatcher/client.js L332). */
  undiciLocalCap: 100,
  /** Think-time of §3a: long enough that streams pile up on a session where the target can count them. */
  capThinkMs: 20,
  /** §3b: a cap low enough that 100 requests in flight exceed one session. */
  smallCap: 10,
  smallCapThinkMs: 50,
  smallCapInFlight: 100,
  /** h2 must open at least this many times fewer TCP connections than HTTP/1.1 (§2). */
  fewerConnectionsFactor: 10,
  /** One session reaches at least this share of S / L (§3b); a timer-paced bound is never met exactly. */
  boundShare: 0.9,
  /** No trial may exceed S / L by more than timer granularity (§3b sanity check). */
  boundTolerance: 1.1,
  /** A session "reaches" the cap when its peak is at least this share of it (§3a). */
  capReachShare: 0.9,
  /** got's cold burst: more TCP connections than this share of the requests… */
  probeConnectionShare: 0.5,
  /** …of which at least this share carried no stream (§4). */
  probeWastedShare: 0.9,
  /** h2 − h1 request time, in round trips, at the largest RTT (§5): half a round trip either way. */
  roundTripTolerance: 0.5,
} as const;

const P = H2_PLAN;
const smallBoundRps = (P.smallCap * 1000) / P.smallCapThinkMs;
const undiciEffectiveCap = Math.min(P.bigServerCap, P.undiciLocalCap);

/** Each claim's text, with its threshold, as the notebook states it before the measurement. */
export const HTTP2_CLAIMS = {
  'h2-by-default':
    "With their defaults (plus the run's CA), undici-request and undici-fetch get every response over h2; node-fetch (Node's bundled undici), node-http, axios and got get every response over http/1.1; axios with `httpVersion: 2` and got with `http2: true` get every response over h2.",
  'h2-vs-h1-throughput': `At ${P.burst} in flight and 0 ms think-time, undici-request reaches more throughput over h2 than over HTTP/1.1: the per-round ratio h2 ÷ h1 has its 95 % interval above 1.`,
  'undici-stream-cap': `Against a server that allows ${P.bigServerCap} streams per session, with ${P.burst} in flight and ${P.capThinkMs} ms think-time, no undici session has more than min(${P.bigServerCap}, ${P.undiciLocalCap}) = ${undiciEffectiveCap} streams open at once at the target, some session reaches at least ${P.capReachShare * undiciEffectiveCap}, and the streams ride on at least ⌈${P.burst} / ${undiciEffectiveCap}⌉ = ${Math.ceil(P.burst / undiciEffectiveCap)} sessions; node:http2, on its one session against the same server, exceeds ${undiciEffectiveCap}.`,
  'single-session-reaches-bound': `One session under a server cap of ${P.smallCap} streams at ${P.smallCapThinkMs} ms think-time reaches at least ${P.boundShare * 100} % of S / L = ${smallBoundRps} req/s in every trial (node-http2, and undici-request with connections: 1).`,
  'cap-spread': `With unlimited connections and ${P.smallCapInFlight} in flight against a cap of ${P.smallCap}, undici-request and got carry their streams on at least ⌈${P.smallCapInFlight} / ${P.smallCap}⌉ = ${Math.ceil(P.smallCapInFlight / P.smallCap)} sessions in every trial.`,
  'axios-one-session': `axios (\`httpVersion: 2\`) carries every stream on one session against a cap of ${P.smallCap}, in the warm-up and in every trial.`,
  'undici-no-refused-streams': `undici-request has no stream refused against a cap of ${P.smallCap} with ${P.smallCapInFlight} in flight: the target's refused-stream count (inferred from gaps in client stream ids), summed over the warm-up and every trial, is 0. The client's own count is shown as supporting evidence only (undici retries a refused GET itself, so it never reports one).`,
  'early-streams-refused': `node-http2 and axios have streams refused (REFUSED_STREAM, counted by the client) in the phase in which their session opens (the warm-up), and none in the trials.`,
  'undici-cold-connections': `In a cold burst of ${P.burst} against a cap of ${P.serverCap}, undici-request opens at most ⌈${P.burst} / ${P.serverCap}⌉ = ${Math.ceil(P.burst / P.serverCap)} TCP connections.`,
  'got-cold-probes': `In a cold burst of ${P.burst}, got (\`http2: true\`) opens more than ${P.probeConnectionShare * P.burst} TCP connections (more than one per two requests), and at least ${P.probeWastedShare * 100} % of them carry no stream, in every repeat.`,
  'got-warm-no-probes': `After a warm-up, a burst of ${P.burst} from got opens at most ⌈${P.burst} / ${P.serverCap}⌉ = ${Math.ceil(P.burst / P.serverCap)} new TCP connections.`,
  'h2-no-extra-round-trip': `At the largest RTT of the sweep, a request over h2 takes within ±${P.roundTripTolerance} RTT of the same request over HTTP/1.1, cold and warm (difference of the medians, 95 % interval).`,
} as const;

export type Http2ClaimId = keyof typeof HTTP2_CLAIMS;

const text = (id: Http2ClaimId): { id: Http2ClaimId; claim: string } => ({ id, claim: HTTP2_CLAIMS[id] });

// ---------------------------------------------------------------------------------------------------------------
// Record shapes (structural: live records and records read back from disk both fit)

export interface H2SessionCounters {
  sessionsOpened: number;
  openSessions: number;
  h2Streams: number;
  h1Requests: number;
  meanStreamsPerSession: number;
  peakConcurrentStreamsPerSession: number;
  refusedStreams: number;
  advertisedMaxConcurrentStreams: number;
  /** Counted by the target itself once it does (see the module comment); otherwise derived. */
  sessionsWithStreams?: number;
  emptySessions?: number;
}

export interface H2PhaseCounters {
  connectionsOpened: number;
  peakOpenConnections: number;
  tls?: {
    fullHandshakes: number;
    resumedHandshakes: number;
    byAlpn: Record<string, number>;
    errors: Record<string, number>;
  };
  h2?: H2SessionCounters;
}

export interface H2Phase {
  sent: number;
  ok: number;
  errors: { total: number; byCode: Record<string, number> };
  errorSamples: Record<string, string>;
  protocols: Record<string, number>;
  target: H2PhaseCounters | null;
}

export interface H2Trial extends H2Phase {
  throughputRps: number;
  histogram: string;
  latencyMs: { p50: number; p99: number };
}

export interface H2Measurement extends InterleavedMeasurement {
  status: string;
  client: { name: string; version: string; settings: Record<string, unknown> };
  cpuMicrosPerRequest: number;
  warmup: H2Phase | null;
  trials: readonly H2Trial[];
  method?:
    | {
        blocks: readonly BlockQuantities[];
        warmupCurve: readonly { newConnections: number; peakOpenConnections?: number }[];
      }
    | undefined;
  guards?: { flags: readonly string[]; rankable: boolean; targetCpuShare?: number } | undefined;
}

export interface RttMeasurement extends H2Measurement {
  params: { clientOptions: { clientPerRequest: boolean; protocol: string } };
  proxy?: { rttMs: number; utilization: number } | undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// Counting sessions, connections and refusals

/** An exact count (low = high) or the range the target's rounded counters allow. */
export interface CountRange {
  low: number;
  high: number;
}

export const rangeText = (r: CountRange): string => (r.low === r.high ? `${r.low}` : `${r.low}–${r.high}`);

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * Sessions that carried at least one stream in a phase. The target reports h2Streams and the mean streams per session
 * over sessions that carried any, rounded to 0.01 (`Math.round(sum / n * 100) / 100`): every n whose mean rounds to
 * the reported one is possible; usually exactly one is.
 */
export function sessionsCarrying(h2: H2SessionCounters | undefined): CountRange {
  if (!h2 || h2.h2Streams === 0) return { low: 0, high: 0 };
  if (h2.sessionsWithStreams !== undefined) return { low: h2.sessionsWithStreams, high: h2.sessionsWithStreams };
  const streams = h2.h2Streams;
  const mean = h2.meanStreamsPerSession;
  if (!(mean > 0)) return { low: 1, high: streams };
  const from = Math.max(1, Math.floor(streams / (mean + 0.005)));
  const to = Math.min(streams, Math.ceil(streams / Math.max(mean - 0.005, 1)));
  const fits: number[] = [];
  for (let n = from; n <= to; n++) if (round2(streams / n) === mean) fits.push(n);
  const first = fits[0];
  const last = fits[fits.length - 1];
  if (first === undefined || last === undefined) {
    const n = Math.max(1, Math.round(streams / mean));
    return { low: n, high: n };
  }
  return { low: first, high: last };
}

/** What a phase's TCP connections did, from the target's counters. */
export interface ConnectionAccounting {
  /** TCP connections the target accepted. */
  tcp: number;
  /** TLS handshakes the target completed. */
  handshakes: number;
  /** TLS connections reset before the target completed the handshake (its tlsClientError count). */
  resetInHandshake: number;
  /** Completed handshakes that negotiated h2: Node makes each an h2 session, whether or not a stream follows. */
  h2Connections: number;
  h1Connections: number;
  /** h2 sessions that carried at least one stream in the phase. */
  carrying: CountRange;
  /** h2 connections opened in the phase that carried no stream (exact when every session opened in the phase). */
  emptyH2: number;
  /** TCP connections opened in the phase that carried nothing: probes, empty h2 connections, resets. */
  unused: number;
  streams: number;
  h1Requests: number;
  /** Refused streams the target inferred (old records: without the 0.5 booked per empty session). */
  refusedTarget: number;
}

export function connectionAccounting(c: H2PhaseCounters | null): ConnectionAccounting {
  const tls = c?.tls;
  const h2 = c?.h2;
  const carrying = sessionsCarrying(h2);
  const opened = h2?.sessionsOpened ?? 0;
  const handshakes = (tls?.fullHandshakes ?? 0) + (tls?.resumedHandshakes ?? 0);
  const h2Connections = tls?.byAlpn['h2'] ?? 0;
  // Every completed handshake that did not choose h2 is HTTP/1.1: with ALPN 'http/1.1', or with none (node:https offers none).
  const h1Connections = Math.max(0, handshakes - h2Connections);
  const emptyH2 = h2?.emptySessions ?? Math.max(0, opened - carrying.high);
  const tcp = c?.connectionsOpened ?? 0;
  const refused = h2?.refusedStreams ?? 0;
  return {
    tcp,
    handshakes,
    resetInHandshake: Object.values(tls?.errors ?? {}).reduce((s, n) => s + n, 0),
    h2Connections,
    h1Connections,
    carrying,
    emptyH2,
    // Sessions opened in this phase that carried streams: counted by the target, or bounded for old records.
    unused: Math.max(
      0,
      tcp -
        (h2?.emptySessions !== undefined ? opened - h2.emptySessions : Math.min(carrying.high, opened)) -
        h1Connections,
    ),
    streams: h2?.h2Streams ?? 0,
    h1Requests: h2?.h1Requests ?? 0,
    // A target that counts empty sessions itself no longer books halves for them.
    refusedTarget: h2?.emptySessions !== undefined ? refused : Math.max(0, refused - emptyH2 / 2),
  };
}

/** Streams the server refused (RST_STREAM REFUSED_STREAM), as the client saw them, in this phase. */
export function refusedByClient(phase: H2Phase | null): number {
  if (!phase) return 0;
  return Object.entries(phase.errors.byCode)
    .filter(([code]) => (phase.errorSamples[code] ?? '').includes('REFUSED_STREAM'))
    .reduce((s, [, n]) => s + n, 0);
}

const phasesOf = (m: H2Measurement): { name: string; phase: H2Phase }[] => [
  ...(m.warmup ? [{ name: 'warm-up', phase: m.warmup }] : []),
  ...m.trials.map((t, i) => ({ name: `trial ${i + 1}`, phase: t })),
];

const peakStreams = (phases: readonly H2Phase[]): number =>
  Math.max(0, ...phases.map((p) => p.target?.h2?.peakConcurrentStreamsPerSession ?? 0));

/** TCP connections over the whole measurement: warm-up (phases, or the steady-state warm-up curve) and trials. */
export function tcpOpened(m: H2Measurement): number {
  const curve = (m.method?.warmupCurve ?? []).reduce((s, w) => s + w.newConnections, 0);
  const phases = phasesOf(m).reduce((s, p) => s + (p.phase.target?.connectionsOpened ?? 0), 0);
  return curve + phases;
}

/** Sessions that carried streams, over the measured trials (or windows): lowest and highest. */
export function trialSessions(m: H2Measurement): CountRange {
  const counts = m.trials.filter((t) => (t.target?.h2?.h2Streams ?? 0) > 0).map((t) => sessionsCarrying(t.target?.h2));
  if (counts.length === 0) return { low: 0, high: 0 };
  return { low: Math.min(...counts.map((c) => c.low)), high: Math.max(...counts.map((c) => c.high)) };
}

const sumCounts = (phases: readonly H2Phase[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const p of phases) for (const [k, v] of Object.entries(p.protocols)) out[k] = (out[k] ?? 0) + v;
  return out;
};

export const countsText = (o: Record<string, number>): string =>
  Object.entries(o)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || '—';

const completed = (m: H2Measurement): boolean => m.status === 'completed';

// ---------------------------------------------------------------------------------------------------------------
// Tables

export interface PhaseRow {
  measurement: string;
  phase: string;
  TCP: number;
  'TLS handshakes': number;
  'reset in handshake': number;
  'h2 connections': number;
  'sessions that carried streams': string;
  'h2 connections that carried none': number;
  'TCP that carried nothing': number;
  streams: number;
  'refused (client, in phase)': number;
  'refused (target, booked)': number;
}

/** One row per phase: where connections open and what they carried. */
export function phaseRows(m: H2Measurement): PhaseRow[] {
  return phasesOf(m).map(({ name, phase }) => {
    const a = connectionAccounting(phase.target);
    return {
      measurement: m.label,
      phase: name,
      TCP: a.tcp,
      'TLS handshakes': a.handshakes,
      'reset in handshake': a.resetInHandshake,
      'h2 connections': a.h2Connections,
      'sessions that carried streams': rangeText(a.carrying),
      'h2 connections that carried none': a.emptyH2,
      'TCP that carried nothing': a.unused,
      streams: a.streams,
      'refused (client, in phase)': refusedByClient(phase),
      'refused (target, booked)': a.refusedTarget,
    };
  });
}

/** §1: what each client says per response and what the target counted, with connections split by phase. */
export function negotiationRows(list: readonly { asked: string; record: H2Measurement }[]) {
  return list.map(({ asked, record: r }) => {
    const w = connectionAccounting(r.warmup?.target ?? null);
    const t = connectionAccounting(r.trials[0]?.target ?? null);
    return {
      client: r.client.name,
      asked,
      status: r.status,
      'client says (trials)': countsText(sumCounts(r.trials)),
      'target: h2 streams / h1 requests (trials)': `${t.streams} / ${t.h1Requests}`,
      'TCP (warm-up / trial)': `${w.tcp} / ${t.tcp}`,
      'h2 connections (warm-up)': w.h2Connections,
      'sessions that carried streams (warm-up)': rangeText(w.carrying),
      'TCP that carried nothing (warm-up)': w.unused,
    };
  });
}

/** §2: connections and sessions of the interleaved measurements. */
export function connectionRows(records: readonly H2Measurement[]) {
  return records.map((r) => ({
    measurement: r.label,
    'TCP opened (whole run)': tcpOpened(r),
    'peak open sockets (target)': Math.max(
      0,
      ...(r.method?.warmupCurve ?? []).map((w) => w.peakOpenConnections ?? 0),
      ...r.trials.map((t) => t.target?.peakOpenConnections ?? 0),
    ),
    'sessions that carried streams (per window)': rangeText(trialSessions(r)),
    'undici Clients in the Pool (live, at the end)': String(r.client.settings['liveClientsInPool'] ?? '—'),
    'target core share (highest block)': r.guards?.targetCpuShare ?? null,
  }));
}

/**
 * The per-session stream cap a client used. undici keeps it on its Client (`Symbol('max concurrent streams')`,
 * min(server SETTINGS, its own maxConcurrentStreams)); the adapter reports it as `liveMaxConcurrentStreams` once it
 * reads it (see the report). node:http2 reports the server's SETTINGS as received (`remoteMaxConcurrentStreams`).
 * Otherwise: the most streams the target saw open at once on one session, which is the cap in use when the client
 * keeps more requests in flight than one session takes.
 */
export function effectiveStreamCap(m: H2Measurement): { value: number | null; source: string } {
  const live = m.client.settings['liveMaxConcurrentStreams'];
  if (typeof live === 'number') return { value: live, source: 'client, live' };
  const remote = m.client.settings['remoteMaxConcurrentStreams'];
  if (typeof remote === 'number') return { value: remote, source: "client, live (server's SETTINGS as received)" };
  const peak = peakStreams(m.trials);
  return { value: peak > 0 ? peak : null, source: 'target: most streams open at once on one session' };
}

/** §3a: which stream cap each client used against the big-cap server. */
export function streamCapRows(records: readonly H2Measurement[]) {
  return records.map((r) => {
    const cap = effectiveStreamCap(r);
    return {
      measurement: r.label,
      status: r.status,
      'server SETTINGS_MAX_CONCURRENT_STREAMS': Math.max(
        0,
        ...r.trials.map((t) => t.target?.h2?.advertisedMaxConcurrentStreams ?? 0),
      ),
      'streams per session (cap in use)': cap.value,
      'read from': cap.source,
      'most streams open at once on one session (target)': peakStreams(r.trials),
      'sessions that carried streams (per trial)': rangeText(trialSessions(r)),
    };
  });
}

/** §3b: the small cap, with refusals where they happened and where the target booked them. */
export function capRows(records: readonly H2Measurement[]) {
  return records.map((r) => {
    const rps = r.trials.map((t) => t.throughputRps);
    return {
      measurement: r.label,
      status: r.status,
      'req/s (trials)': rps.map((x) => Math.round(x)).join(', '),
      'S / L (one session)': smallBoundRps,
      'sessions that carried streams (trials)': rangeText(trialSessions(r)),
      'most streams at once on one session': peakStreams(r.trials),
      'refused, client (warm-up / trials)': `${refusedByClient(r.warmup)} / ${r.trials.reduce((s, t) => s + refusedByClient(t), 0)}`,
      'refused, target booked (warm-up / trials)': `${connectionAccounting(r.warmup?.target ?? null).refusedTarget} / ${r.trials.reduce((s, t) => s + connectionAccounting(t.target).refusedTarget, 0)}`,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// §1 negotiation

/** The client's protocol per response matches what the target counted, trial by trial. Instrumentation: sanity. */
export function protocolsMatchTarget(records: readonly H2Measurement[]): VerdictData {
  const done = records.filter(completed);
  const evidence: Evidence = { measurements: done.length, notCompleted: records.length - done.length };
  let holds = done.length > 0;
  for (const r of done) {
    const agree = r.trials.every(
      (t) =>
        (t.protocols['h2'] ?? 0) === (t.target?.h2?.h2Streams ?? 0) &&
        (t.protocols['http/1.1'] ?? 0) === (t.target?.h2?.h1Requests ?? 0),
    );
    evidence[r.label] = agree;
    holds &&= agree;
  }
  return sanityCheck({
    id: 'client-matches-target',
    claim:
      'What each client reports per response (h2 or http/1.1) matches what the target counted (h2 streams, HTTP/1.1 requests), trial by trial: the protocol is measured, not assumed.',
    holds,
    evidence,
  });
}

/** Every response of each measurement came over the protocol expected of it. */
export function negotiatedAsExpected(
  list: readonly { record: H2Measurement; expect: 'h2' | 'http/1.1' }[],
): VerdictData {
  const evidence: Evidence = {};
  let holds = list.length > 0;
  for (const { record: r, expect } of list) {
    const ok = r.trials.reduce((s, t) => s + t.ok, 0);
    const seen = sumCounts(r.trials);
    const fine = completed(r) && ok > 0 && (seen[expect] ?? 0) === ok;
    evidence[r.label] = `expected ${expect}: ${countsText(seen)}${fine ? '' : ' ✗'}`;
    holds &&= fine;
  }
  return countClaim({ ...text('h2-by-default'), holds, evidence });
}

// ---------------------------------------------------------------------------------------------------------------
// §2 h1 vs h2 (interleaved)

function unresolved(id: Http2ClaimId, evidence: Evidence): VerdictData {
  return { ...text(id), kind: 'claim', outcome: 'unresolved', holds: false, evidence };
}

/** Per-round throughput ratio h2 ÷ h1; a flagged measurement (errors, saturated target) leaves the claim unresolved. */
export function h2ThroughputClaim(h1: H2Measurement, h2: H2Measurement): VerdictData {
  const flags = [...(h1.guards?.flags ?? []), ...(h2.guards?.flags ?? [])];
  const rankable = isRankable(h1) && isRankable(h2);
  const rounds = Math.min(h1.method?.blocks.length ?? 0, h2.method?.blocks.length ?? 0);
  if (!rankable || rounds === 0)
    return unresolved('h2-vs-h1-throughput', { rounds, flags: flags.join(', ') || 'none', rankable });
  const cpu = ratioOf(h1, h2, 'cpuMicrosPerRequest');
  return quantityClaim({
    ...text('h2-vs-h1-throughput'),
    statistic: 'throughput h2 ÷ h1, per round',
    interval: ratioOf(h1, h2),
    threshold: { above: 1 },
    evidence: { rounds, cpuPerRequestRatio: Number(cpu.median.toPrecision(3)), flags: flags.join(', ') || 'none' },
  });
}

export function fewerConnectionsClaim(h1: H2Measurement, h2: H2Measurement): VerdictData {
  const a = tcpOpened(h1);
  const b = tcpOpened(h2);
  return sanityCheck({
    id: 'h2-fewer-connections',
    claim: `Over the whole interleaved run, undici-request over h2 opens at least ${P.fewerConnectionsFactor}× fewer TCP connections than over HTTP/1.1. A sanity check: ⌈${P.burst} / ${P.undiciLocalCap}⌉ sessions against one socket per request in flight, so it holds by construction.`,
    holds: completed(h1) && completed(h2) && b > 0 && b * P.fewerConnectionsFactor <= a,
    evidence: { h1Connections: a, h2Connections: b },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// §3 stream caps

/** §3a: undici caps each session at min(server, 100); node:http2 on one session goes past 100 against the same server. */
export function streamCapClaim(undici: H2Measurement, nodeHttp2: H2Measurement): VerdictData {
  const peak = peakStreams(undici.trials);
  const sessions = trialSessions(undici);
  const control = peakStreams(nodeHttp2.trials);
  const needed = Math.ceil(P.burst / undiciEffectiveCap);
  const holds =
    completed(undici) &&
    completed(nodeHttp2) &&
    peak <= undiciEffectiveCap &&
    peak >= P.capReachShare * undiciEffectiveCap &&
    sessions.low >= needed &&
    control > undiciEffectiveCap;
  return countClaim({
    ...text('undici-stream-cap'),
    holds,
    evidence: {
      undiciPeakStreamsPerSession: peak,
      undiciSessionsCarryingStreams: rangeText(sessions),
      sessionsNeeded: needed,
      nodeHttp2PeakStreamsPerSession: control,
    },
  });
}

const trialRps = (rs: readonly H2Measurement[]): number[] => rs.flatMap((r) => r.trials.map((t) => t.throughputRps));

/** No trial of one session exceeds S / L (+10 % for timer granularity): the server enforces both. Sanity. */
export function singleSessionBoundSanity(
  oneSession: readonly H2Measurement[],
  ifOneSession: readonly { record: H2Measurement; verdict: VerdictData }[] = [],
): VerdictData {
  // A client counts as one session only where its own claim showed it (axios: `axios-one-session`).
  const included = [...oneSession, ...ifOneSession.filter((x) => x.verdict.outcome === 'holds').map((x) => x.record)];
  const best = Math.max(0, ...trialRps(included));
  return sanityCheck({
    id: 'single-session-bound',
    claim: `No trial of one session exceeds S / L = ${smallBoundRps} req/s (+${Math.round((P.boundTolerance - 1) * 100)} %): the server enforces both the stream cap and the think-time, so this checks the lab, not a client.`,
    holds: included.length > 0 && best <= smallBoundRps * P.boundTolerance,
    evidence: { boundRps: smallBoundRps, bestTrialRps: best, measurements: included.map((r) => r.label).join(', ') },
  });
}

export function singleSessionReachesBound(oneSession: readonly H2Measurement[]): VerdictData {
  const rps = trialRps(oneSession);
  const worst = rps.length ? Math.min(...rps) : 0;
  return countClaim({
    ...text('single-session-reaches-bound'),
    holds: oneSession.length > 0 && oneSession.every(completed) && worst >= P.boundShare * smallBoundRps,
    evidence: { boundRps: smallBoundRps, worstTrialRps: worst, share: Number((worst / smallBoundRps).toFixed(3)) },
  });
}

/** §3b: clients with unlimited connections spread over ≥ ⌈in flight / cap⌉ sessions in every trial. */
export function capSpreadClaim(spreaders: readonly H2Measurement[]): VerdictData {
  const needed = Math.ceil(P.smallCapInFlight / P.smallCap);
  const evidence: Evidence = { sessionsNeeded: needed };
  for (const r of spreaders) evidence[r.label] = rangeText(trialSessions(r));
  return countClaim({
    ...text('cap-spread'),
    holds: spreaders.length > 0 && spreaders.every((r) => completed(r) && trialSessions(r).low >= needed),
    evidence,
  });
}

export function oneSessionClaim(axios: H2Measurement): VerdictData {
  const phases = phasesOf(axios).filter((p) => (p.phase.target?.h2?.h2Streams ?? 0) > 0);
  const counts = phases.map((p) => rangeText(sessionsCarrying(p.phase.target?.h2)));
  return countClaim({
    ...text('axios-one-session'),
    holds: completed(axios) && phases.length > 0 && counts.every((c) => c === '1'),
    evidence: { sessionsPerPhase: counts.join(', ') },
  });
}

/** Decided on the target's count over every phase; the client's count (blind to undici's own retries) is evidence. */
export function noRefusalsClaim(undici: readonly H2Measurement[]): VerdictData {
  const evidence: Evidence = {};
  let holds = undici.length > 0;
  for (const r of undici) {
    const phases = phasesOf(r);
    const target = phases.reduce((s, p) => s + connectionAccounting(p.phase.target).refusedTarget, 0);
    const client = phases.reduce((s, p) => s + refusedByClient(p.phase), 0);
    evidence[r.label] = `target ${target}, client ${client}`;
    holds &&= completed(r) && phases.every((p) => p.phase.target?.h2 !== undefined) && target === 0;
  }
  return countClaim({ ...text('undici-no-refused-streams'), holds, evidence });
}

export function earlyRefusalsClaim(records: readonly H2Measurement[]): VerdictData {
  const evidence: Evidence = {};
  let holds = records.length > 0;
  for (const r of records) {
    const warm = refusedByClient(r.warmup);
    const trials = r.trials.reduce((s, t) => s + refusedByClient(t), 0);
    evidence[r.label] = `warm-up ${warm}, trials ${trials}`;
    holds &&= r.warmup !== null && warm > 0 && trials === 0;
  }
  return countClaim({ ...text('early-streams-refused'), holds, evidence });
}

// ---------------------------------------------------------------------------------------------------------------
// §4 bursts

const firstTrial = (m: H2Measurement): ConnectionAccounting => connectionAccounting(m.trials[0]?.target ?? null);

export function undiciColdClaim(cold: H2Measurement): VerdictData {
  const a = firstTrial(cold);
  const limit = Math.ceil(P.burst / P.serverCap);
  return countClaim({
    ...text('undici-cold-connections'),
    holds: completed(cold) && a.tcp > 0 && a.tcp <= limit,
    evidence: {
      limit,
      tcp: a.tcp,
      sessionsCarryingStreams: rangeText(a.carrying),
      emptyH2: a.emptyH2,
      resetInHandshake: a.resetInHandshake,
    },
  });
}

export function gotColdClaim(colds: readonly H2Measurement[]): VerdictData {
  const evidence: Evidence = {};
  let holds = colds.length > 0;
  for (const [i, r] of colds.entries()) {
    const a = firstTrial(r);
    evidence[`repeat ${i + 1}`] =
      `TCP ${a.tcp}, carried nothing ${a.unused}, sessions with streams ${rangeText(a.carrying)}`;
    holds &&= completed(r) && a.tcp > P.probeConnectionShare * P.burst && a.unused >= P.probeWastedShare * a.tcp;
  }
  return countClaim({ ...text('got-cold-probes'), holds, evidence });
}

export function gotWarmClaim(warm: H2Measurement): VerdictData {
  const tcp = warm.trials.reduce((s, t) => s + (t.target?.connectionsOpened ?? 0), 0);
  const limit = Math.ceil(P.burst / P.serverCap);
  return countClaim({
    ...text('got-warm-no-probes'),
    holds: completed(warm) && warm.warmup !== null && tcp <= limit,
    evidence: {
      tcpInTrial: tcp,
      limit,
      warmupRequests: warm.warmup?.sent ?? 0,
      tcpInWarmup: warm.warmup?.target?.connectionsOpened ?? 0,
    },
  });
}

/** §4 table: the cold burst's one trial and the warm burst's trial (warm-up shown apart, never folded in). */
export function burstRows(cold: readonly H2Measurement[], warm: readonly H2Measurement[]) {
  const row = (kind: string, m: H2Measurement, phase: H2Trial | undefined) => {
    const a = connectionAccounting(phase?.target ?? null);
    return {
      burst: `${kind} ${m.client.name}`,
      status: m.status,
      TCP: a.tcp,
      'TLS handshakes': a.handshakes,
      'reset in handshake': a.resetInHandshake,
      'h2 connections': a.h2Connections,
      'sessions that carried streams': rangeText(a.carrying),
      'TCP that carried nothing': a.unused,
      'refused (client)': refusedByClient(phase ?? null),
      'client CPU µs/req': Math.round(m.cpuMicrosPerRequest),
      'p99 ms': phase?.latencyMs.p99 ?? null,
    };
  };
  return [
    ...cold.map((m) => row('cold', m, m.trials[0])),
    ...warm.map((m) => row('warm', m, m.trials[m.trials.length - 1])),
  ];
}

// ---------------------------------------------------------------------------------------------------------------
// §5 round trips

const caseOf = (m: RttMeasurement): string =>
  `${m.params.clientOptions.clientPerRequest ? 'cold' : 'warm'} ${m.params.clientOptions.protocol}`;
const rttOf = (m: RttMeasurement): number => m.proxy?.rttMs ?? 0;

/** Latency of every successful request of the trials, in ms (from the HDR histograms, 3 significant digits). */
export function requestTimesMs(m: H2Measurement): number[] {
  const h = mergeHistograms(m.trials.map((t) => t.histogram));
  const n = h.totalCount;
  const out: number[] = [];
  for (let k = 1; k <= n; k++) out.push(h.getValueAtPercentile((100 * k) / n) / 1000);
  return out;
}

const p50 = (m: H2Measurement): number => {
  const xs = requestTimesMs(m);
  return xs.length ? medianInterval(xs).median : 0;
};

/**
 * Round trips per case: cold = a new client per request; the TCP handshake's round trip is a TIMER (the connect hook
 * waits one RTT before connecting: the proxy cannot delay a handshake the client completes with it); the TLS and
 * request round trips cross the delaying proxy. Warm requests cross the proxy once and pay no timer.
 */
export function roundTripRows(records: readonly RttMeasurement[]) {
  return records.map((r) => {
    const rtt = rttOf(r);
    const base = records.find((b) => caseOf(b) === caseOf(r) && rttOf(b) === 0);
    const cold = r.params.clientOptions.clientPerRequest;
    const measured = rtt > 0 && base ? (p50(r) - p50(base)) / rtt : null;
    return {
      case: caseOf(r),
      rttMs: rtt,
      p50Ms: Number(p50(r).toFixed(3)),
      'round trips (p50 − p50 at 0) / RTT': measured === null ? null : Number(measured.toFixed(2)),
      'of which timer (connect hook)': rtt > 0 ? (cold ? 1 : 0) : null,
      'of which through the proxy': measured === null ? null : Number((measured - (cold ? 1 : 0)).toFixed(2)),
      'client says': countsText(sumCounts(r.trials)),
      errors: r.trials.reduce((s, t) => s + t.errors.total, 0),
    };
  });
}

export function rttProtocolsSanity(records: readonly RttMeasurement[]): VerdictData {
  const evidence: Evidence = {};
  let holds = records.length > 0;
  for (const r of records) {
    const want = r.params.clientOptions.protocol === 'h2' ? 'h2' : 'http/1.1';
    const ok = r.trials.reduce((s, t) => s + t.ok, 0);
    const seen = sumCounts(r.trials);
    const errors = r.trials.reduce((s, t) => s + t.errors.total, 0);
    evidence[r.label] = countsText(seen);
    holds &&= completed(r) && ok > 0 && errors === 0 && (seen[want] ?? 0) === ok;
  }
  return sanityCheck({
    id: 'rtt-protocols-as-asked',
    claim:
      'Every request of the RTT sweep used the protocol it asked for (counted per response by the client), with no errors.',
    holds,
    evidence,
  });
}

/**
 * b − a of two medians from independent samples, with a conservative interval: each median's order-statistics
 * interval at 97.5 %, combined (Bonferroni), so the difference's coverage is at least the sum of both minus 1.
 */
export function medianDifference(a: readonly number[], b: readonly number[]): MedianInterval {
  const ia = medianInterval(a, 0.975);
  const ib = medianInterval(b, 0.975);
  return {
    median: ib.median - ia.median,
    low: ib.low - ia.high,
    high: ib.high - ia.low,
    coverage: Math.max(0, ia.coverage + ib.coverage - 1),
    n: Math.min(ia.n, ib.n),
    method: 'order-statistics',
  };
}

const scaled = (i: MedianInterval, k: number): MedianInterval => ({
  ...i,
  median: i.median * k,
  low: i.low * k,
  high: i.high * k,
});

export function noExtraRoundTripClaim(records: readonly RttMeasurement[]): VerdictData {
  const rtt = Math.max(0, ...records.map(rttOf));
  const at = records.filter((r) => rttOf(r) === rtt && completed(r));
  const parts: VerdictData[] = [];
  for (const kind of ['cold', 'warm']) {
    const h1 = at.find((r) => caseOf(r) === `${kind} h1`);
    const h2 = at.find((r) => caseOf(r) === `${kind} h2`);
    if (!h1 || !h2 || rtt === 0) continue;
    parts.push(
      quantityClaim({
        id: kind,
        claim: kind,
        statistic: '(h2 − h1) / RTT',
        interval: scaled(medianDifference(requestTimesMs(h1), requestTimesMs(h2)), 1 / rtt),
        threshold: { above: -P.roundTripTolerance, below: P.roundTripTolerance },
      }),
    );
  }
  const verdict = allOf(parts.length === 2 ? parts : [], {
    ...text('h2-no-extra-round-trip'),
    evidence: { rttMs: rtt },
  });
  return verdict;
}

// ---------------------------------------------------------------------------------------------------------------
// What to do, and the upstream finding

const num = (x: unknown): string => (typeof x === 'number' ? String(Number(x.toPrecision(3))) : String(x));

/** One recommendation per claim that holds; the others are listed as withheld with their outcome. */
const RECOMMENDATIONS: Partial<Record<Http2ClaimId, (v: VerdictData) => string>> = {
  'h2-by-default': () =>
    "**Which client speaks h2.** With an origin that offers it, npm undici 8's `request` and `fetch` negotiated h2 with their defaults; Node's global `fetch` (its bundled undici), node:http, axios and got stayed on HTTP/1.1; axios with `httpVersion: 2` and got with `http2: true` negotiated h2.",
  'h2-vs-h1-throughput': (v) =>
    `**undici, many requests to one origin:** keep h2 on. It gave ${num(v.statistic?.value)}× the throughput of HTTP/1.1 here (95 % CI ${num(v.statistic?.ci95?.[0])}–${num(v.statistic?.ci95?.[1])}), on loopback, where h2's shared TCP connection never loses a packet (§6).`,
  'undici-stream-cap': () =>
    `**undici's sessions:** against a server that allowed ${P.bigServerCap} streams, undici kept at most ${P.undiciLocalCap} open per session (its \`maxConcurrentStreams\` default) and spread ${P.burst} in flight over at least ${Math.ceil(P.burst / undiciEffectiveCap)} sessions, where node:http2 on one session went past ${P.undiciLocalCap}. Raising \`maxConcurrentStreams\` was not measured here.`,
  'single-session-reaches-bound': () =>
    `**One session under a binding server cap** (node:http2, and undici with \`connections: 1\`) reached at least ${P.boundShare * 100} % of S / L = ${smallBoundRps} req/s in every trial (S = ${P.smallCap}, L = ${P.smallCapThinkMs} ms): expect that bound, and no more, from one session.`,
  'cap-spread': () =>
    `**undici and got spread over sessions when the server cap binds:** with ${P.smallCapInFlight} in flight against a cap of ${P.smallCap}, each carried its streams on at least ${Math.ceil(P.smallCapInFlight / P.smallCap)} sessions in every trial.`,
  'axios-one-session': () =>
    `**axios keeps one session per origin** even when the server's stream cap binds (${P.smallCapInFlight} in flight, cap ${P.smallCap}, every phase): its throughput is then that one session's.`,
  'early-streams-refused': () =>
    `**node:http2 and axios on a new session** had streams refused (REFUSED_STREAM) in the warm-up and none in the trials: before the server's SETTINGS arrive, Node assumes the peer allows up to 100 streams (\`peerMaxConcurrentStreams\`, default 100), so a server advertising fewer (${P.smallCap} here) refuses the excess. Set \`peerMaxConcurrentStreams\` on \`http2.connect\` to the server's cap, or retry refused streams (the server did not process them, RFC 9113 §8.7).`,
  'undici-no-refused-streams': () =>
    "**undici** had no stream refused at the server against a cap of 10 (it sends one stream on a new session until the server's SETTINGS arrive). Its client-side error count could not have shown a refusal: undici retries a refused GET once itself.",
  'undici-cold-connections': (v) =>
    `**undici's cold burst** of ${P.burst} opened ${num(v.evidence['tcp'])} TCP connections (at most ⌈${P.burst} / ${P.serverCap}⌉ = ${Math.ceil(P.burst / P.serverCap)} claimed) against a server cap of ${P.serverCap}.`,
  'got-cold-probes': () =>
    `**got 16 with \`http2: true\`** opened more than one TCP connection per two requests in every cold burst of ${P.burst} here, most of them carrying nothing (see the upstream finding below).`,
  'got-warm-no-probes': (v) => {
    const n = Number(v.evidence['tcpInTrial']);
    return `**Warm got up before a concurrent burst:** after a warm-up of ${num(v.evidence['warmupRequests'])} requests, a burst of ${P.burst} opened ${n} new TCP connection${n === 1 ? '' : 's'}. By got's source one completed request fills its protocol cache; a one-request warm-up was not measured here.`;
  },
  'h2-no-extra-round-trip': (v) =>
    `**Latency:** h2 cost no extra round trip over HTTP/1.1, cold or warm (within ±${P.roundTripTolerance} RTT at ${num(v.evidence['rttMs'])} ms): choose it for connections and sessions, not for the latency of one request.`,
};

export function http2Recommendations(verdicts: readonly VerdictData[]): {
  recommendations: string[];
  withheld: string[];
} {
  const recommendations: string[] = [];
  const withheld: string[] = [];
  for (const v of verdicts) {
    const make = RECOMMENDATIONS[v.id as Http2ClaimId];
    if (!make || v.kind !== 'claim') continue;
    if (v.outcome === 'holds') recommendations.push(make(v));
    else
      withheld.push(
        `\`${v.id}\` ${v.outcome === 'fails' ? 'did not hold' : 'is unresolved'}: nothing is recommended from it.`,
      );
  }
  return { recommendations, withheld };
}

/** A self-contained reproduction for got's maintainers (written for the report; the notebook's run is the evidence). */
export const GOT_PROBE_SCRIPT = `// got-h2-cold-burst.mjs — got 16, Node ≥ 22; a key/cert for localhost in key.pem / cert.pem, e.g.
// openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \\
//   -addext subjectAltName=DNS:localhost -keyout key.pem -out cert.pem -days 1
import fs from 'node:fs';
import http2 from 'node:http2';
import got from 'got';

const cert = fs.readFileSync('cert.pem', 'utf8');
const server = http2.createSecureServer({ key: fs.readFileSync('key.pem'), cert });
let tcp = 0;
let h2Sessions = 0;
const carried = new Set();
server.on('connection', () => tcp++);
server.on('session', () => h2Sessions++);
server.on('stream', (stream) => {
  carried.add(stream.session);
  stream.respond({ ':status': 200 });
  stream.end('ok');
});
server.listen(0, async () => {
  const url = \`https://localhost:\${server.address().port}/\`;
  const get = () => got(url, { http2: true, https: { certificateAuthority: cert }, retry: { limit: 0 } });
  await Promise.all(Array.from({ length: ${P.burst} }, get));
  console.log({ tcp, h2Sessions, sessionsThatCarriedStreams: carried.size });
  process.exit(0);
});
`;

/**
 * "Upstream finding" section for got 16's per-request ALPN probes, built only from this run: null unless the cold
 * claim holds (the finding is what the run demonstrates, nothing more).
 */
export function gotProbeFinding(input: {
  verdicts: readonly VerdictData[];
  cold: readonly H2Measurement[];
  warm: H2Measurement;
  nodeVersion: string;
  runId: string;
}): string | null {
  const coldVerdict = input.verdicts.find((v) => v.id === 'got-cold-probes');
  if (coldVerdict?.outcome !== 'holds') return null;
  const warmVerdict = input.verdicts.find((v) => v.id === 'got-warm-no-probes');
  const rows = input.cold.map((m, i) => {
    const a = firstTrial(m);
    return `| cold, repeat ${i + 1} | ${a.tcp} | ${a.handshakes} | ${a.resetInHandshake} | ${a.h2Connections} | ${rangeText(a.carrying)} | ${a.unused} | ${Math.round(m.cpuMicrosPerRequest)} |`;
  });
  const w = connectionAccounting(input.warm.trials[0]?.target ?? null);
  rows.push(
    `| warm (after ${input.warm.warmup?.sent ?? 0} warm-up requests) | ${w.tcp} | ${w.handshakes} | ${w.resetInHandshake} | ${w.h2Connections} | ${rangeText(w.carrying)} | ${w.unused} | ${Math.round(input.warm.cpuMicrosPerRequest)} |`,
  );
  const first = input.cold[0];
  const a = first ? firstTrial(first) : null;
  const version = first?.client.version ?? 'unknown';
  const undiciGate = sourceLink(findSourceLink('http2.undici.pool.protocol-probe'), 'pool.js L34–38, L48–50');
  const undiciGate2 = sourceLink(findSourceLink('http2.undici.pool.probe-release'), 'L106–139');
  return [
    '### got 16 opens one TLS connection per request on a cold HTTP/2 burst',
    '',
    `**Behaviour.** With \`http2: true\`, each got request that starts before got has cached the origin's ALPN result opens its own TLS connection to learn the protocol; a probe already in flight for the same origin is not shared. In this run a cold burst of ${P.burst} concurrent GETs opened ${a?.tcp ?? '?'} TCP connections; the server completed ${a?.handshakes ?? '?'} TLS handshakes (${a && a.h2Connections === a.handshakes ? 'all h2' : `${a?.h2Connections ?? '?'} of them h2`}) and saw ${a?.resetInHandshake ?? '?'} more reset before it completed them; the ${P.burst} streams rode on ${a ? rangeText(a.carrying) : '?'} sessions, and ${a?.unused ?? '?'} connections carried nothing.${warmVerdict?.outcome === 'holds' ? ` Once the first probe had cached \`h2\`, a warm burst of ${P.burst} opened ${w.tcp} new TCP connection${w.tcp === 1 ? '' : 's'}.` : ''}`,
    '',
    `**Evidence** (run \`${input.runId}\`, §4; server: node:http2, SETTINGS_MAX_CONCURRENT_STREAMS ${P.serverCap}, TLS 1.3, loopback):`,
    '',
    '| burst | TCP | TLS handshakes completed | reset in handshake | h2 connections | sessions that carried streams | TCP that carried nothing | client CPU µs/request |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `**Source** (got ${version} as installed; got ships compiled code, so lines are those of \`dist/\`): \`auto()\` calls \`resolveProtocol()\` for every request, ${installedRef('got.auto-probes-per-request')}; \`resolveProtocol\` returns early only when \`protocolCache\` already holds the origin, ${installedRef('got.protocol-cache-read')}, and otherwise calls \`tls.connect\`, ${installedRef('got.probe-tls-connect')}; the cache is written only when that socket's handshake completes, ${installedRef('got.protocol-cache-write')}; a request that then finds a pooled session with spare streams destroys its own probe socket, ${installedRef('got.probe-socket-dropped')}. For contrast, undici 8's Pool makes each new Client the protocol probe while the origin is not known to be HTTP/1.1 and keeps later requests queued until that Client connects, or for h2 until its session has the server's SETTINGS (${undiciGate}, ${undiciGate2}).`,
    '',
    "**Reproduce.** `npx casebook run http2 --profile smoke` (§4; the record lands under `results/local/http2/`), or this standalone script (written for this report, not run by the notebook), which prints the server's counts:",
    '',
    '```js',
    GOT_PROBE_SCRIPT.trimEnd(),
    '```',
    '',
    `**Versions seen.** got ${version}, Node ${input.nodeVersion}.`,
    '',
    '**Suggested fix (not tested here).** Share one in-flight probe per protocol-cache key: concurrent callers await the same `resolveProtocol()` promise instead of each calling `tls.connect`.',
  ].join('\n');
}
