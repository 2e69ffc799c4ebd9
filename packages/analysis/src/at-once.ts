import { type MedianInterval, medianInterval, pairedRatio } from '@casebook/stats';
import {
  type BlockQuantities,
  flaggedText,
  type GuardFields,
  type InterleavedMeasurement,
  isRankable,
  rankable,
  ratioOf,
} from './interleaved';
import {
  combineParts,
  countClaim,
  decide,
  type Evidence,
  type Outcome,
  quantityClaim,
  sanityCheck,
  type Threshold,
  type VerdictData,
  verdictHeadline,
} from './verdicts';

/**
 * The checks of the 512-at-once case study, as functions of its records (tested on both sides in
 * test/analysis-at-once.test.ts). Thresholds are arguments: the notebook states them in the claim's text before
 * the measurement runs.
 */

export interface WarmupPoint {
  block: number;
  index: number;
  newConnections: number;
  peakOpenConnections?: number;
}

/** The target's counters of one measured window (the trials of a steady-state record). */
export interface WindowCounters {
  /** The block (round) the window belongs to (absent in hand-made data: then only warm-up windows are placed). */
  block?: number;
  target: { connectionsOpened: number; connectionsClosed: number; openConnections: number } | null;
}

/** What these checks read from a bench record (structural, so live records and records read back both fit). */
export interface AtOnceMeasurement extends InterleavedMeasurement {
  target: { peakInFlight: number; peakOpenConnections: number };
  method?: { blocks: readonly BlockQuantities[]; warmupCurve: readonly WarmupPoint[] } | undefined;
  /** Measured windows in order (absent in hand-made data): the target's open and closed counts. */
  trials?: readonly WindowCounters[];
}

/** Combine per-client outcomes: `combineParts` of verdicts.ts, under the name notebooks and analyses import. */
export function allOf(parts: readonly VerdictData[], input: Parameters<typeof combineParts>[1]): VerdictData {
  return combineParts(parts, input);
}

/** One-core CPU ceiling per round: 10⁶ / (CPU µs per request) of each block. */
function ceilingPerRound(m: InterleavedMeasurement): Map<number, number> {
  return new Map(
    (m.method?.blocks ?? []).map((b) => [b.round, b.cpuMicrosPerRequest > 0 ? 1e6 / b.cpuMicrosPerRequest : 0]),
  );
}

/**
 * Does CPU per request measured at a lower concurrency predict throughput at a higher one? Per round (both measured
 * in the same interleaved run): throughput at high ÷ (10⁶ / CPU µs per request at low). A client bound by its own
 * per-request CPU lands near 1; one whose per-request cost grows with concurrency, or that is not CPU-bound, does not.
 */
export function cpuPrediction(low: InterleavedMeasurement, high: InterleavedMeasurement): MedianInterval {
  const ceiling = ceilingPerRound(low);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const b of high.method?.blocks ?? []) {
    const c = ceiling.get(b.round);
    if (c === undefined || c <= 0) continue;
    xs.push(c);
    ys.push(b.throughputRps);
  }
  return pairedRatio(xs, ys);
}

export function cpuPredictsThroughput(
  pairs: readonly { client: string; low: InterleavedMeasurement; high: InterleavedMeasurement }[],
  band: Required<Threshold>,
  text: { id: string; claim: string },
): VerdictData {
  // The guard rule: a pair takes part only if both of its measurements may be compared.
  const usable = pairs.filter((p) => isRankable(p.high) && isRankable(p.low));
  const excluded = flaggedText(rankable(pairs.flatMap((p) => [p.low, p.high])).flagged);
  const parts = usable.map((p) =>
    quantityClaim({
      id: p.client,
      claim: p.client,
      statistic: 'measured ÷ predicted throughput',
      interval: cpuPrediction(p.low, p.high),
      threshold: band,
    }),
  );
  return allOf(parts, { ...text, evidence: { excludedFlagged: excluded } });
}

/**
 * No pool holds requests back: over HTTP/1.1 without pipelining, `concurrency` requests in flight need that many
 * sockets, so a pool capped below it would show a lower peak of open sockets at the target.
 */
export function poolNotLimit(
  records: readonly AtOnceMeasurement[],
  concurrency: number,
  text: { id: string; claim: string },
): VerdictData {
  const { rankable: counted } = rankable(records);
  return countClaim({
    ...text,
    holds: counted.length > 0 && counted.every((r) => peakOpenSockets(r) >= concurrency),
    evidence: socketEvidence(records),
  });
}

/** Peak open sockets per client; a flagged measurement is shown, labelled, and not counted. */
function socketEvidence(records: readonly AtOnceMeasurement[]): Evidence {
  return Object.fromEntries(
    records.map((r) => [
      r.client.name,
      isRankable(r)
        ? peakOpenSockets(r)
        : `${peakOpenSockets(r)} (flagged: ${r.guards?.flags.join(', ')}; not counted)`,
    ]),
  );
}

/** Little's law for a closed loop: C lanes that each wait ≥ L cannot exceed C / L. Enforced by the harness: sanity. */
export function littleBoundSanity(
  records: readonly InterleavedMeasurement[],
  concurrency: number,
  latencyMs: number,
): VerdictData {
  const bound = (concurrency * 1000) / latencyMs;
  const worst = Math.max(0, ...records.flatMap((r) => (r.method?.blocks ?? []).map((b) => b.throughputRps)));
  return sanityCheck({
    id: 'little-bound',
    claim: `No block exceeds Little's bound C / L = ${Math.round(bound)} req/s (2 % for timer granularity): a property of the closed loop, shown to check the harness.`,
    holds: worst <= bound * 1.02,
    evidence: { boundRps: bound, maxBlockRps: worst },
  });
}

/** The largest number of sockets any window (warm-up included) saw open at the target. */
export function peakOpenSockets(r: AtOnceMeasurement): number {
  const warm = (r.method?.warmupCurve ?? []).map((w) => w.peakOpenConnections ?? 0);
  return Math.max(r.target.peakOpenConnections, ...warm);
}

/** undici's unlimited pool opens more sockets than it has requests in flight (peak open at the target > C). */
export function moreSocketsThanInFlight(
  records: readonly AtOnceMeasurement[],
  concurrency: number,
  text: { id: string; claim: string },
): VerdictData {
  const { rankable: counted } = rankable(records);
  return countClaim({
    ...text,
    holds: counted.length > 0 && counted.every((r) => peakOpenSockets(r) > concurrency),
    evidence: socketEvidence(records),
  });
}

/**
 * node:http's Agent keeps at most maxFreeSockets idle sockets: when a block pauses, all C become free and C −
 * maxFreeSockets are destroyed; the rest stay unless the Agent's idle timeout runs out during the pause. So the next
 * block opens C − maxFreeSockets after a pause shorter than the idle timeout (or with none), and all C after a longer
 * one. Counted over the whole block (every warm-up and measured window): a reopening can spread over two windows.
 */
export function reopensAfterPause(r: AtOnceMeasurement): number[] {
  return pausesAndReopens(r).map((p) => p.reopened);
}

/** Each block after the first: the pause before it and the sockets the target accepted during it. */
function pausesAndReopens(r: AtOnceMeasurement): { round: number; pauseMs: number; reopened: number }[] {
  const curve = r.method?.warmupCurve ?? [];
  const windows = r.trials ?? [];
  const blocks = [...(r.method?.blocks ?? [])].sort((a, b) => a.round - b.round);
  const opened = (round: number) =>
    curve.filter((w) => w.block === round).reduce((s, w) => s + w.newConnections, 0) +
    windows.filter((w) => w.block === round).reduce((s, w) => s + (w.target?.connectionsOpened ?? 0), 0);
  return blocks.slice(1).map((b, i) => {
    const previous = blocks[i] as BlockQuantities;
    return { round: b.round, pauseMs: (b.startMs ?? 0) - (previous.endMs ?? 0), reopened: opened(b.round) };
  });
}

/**
 * Node's Agent: the socket timeout after a response is the Agent's `timeout`, lowered (never raised) to the server's
 * `Keep-Alive: timeout=N` hint minus 1 s; 0 means no idle timeout (_http_agent.js keepSocketAlive).
 */
export function agentIdleTimeoutMs(agentTimeoutMs: number | null, hintSeconds: number | null, bufferMs = 1000): number {
  const agent = agentTimeoutMs ?? 0;
  if (hintSeconds === null) return agent;
  const hinted = Math.max(0, hintSeconds * 1000 - bufferMs);
  return hinted > 0 && hinted < agent ? hinted : agent;
}

/** Does the Agent's idle timeout (0 = none) run out during a pause? The prediction `agentReopens` tests per block. */
export function timeoutRunsOut(pauseMs: number, idleTimeoutMs: number): boolean {
  return idleTimeoutMs > 0 && pauseMs > idleTimeoutMs;
}

/**
 * One client's Agent, one claim: per block after the first, predicted from (pause before it > effective idle timeout)
 * — yes: the kept sockets timed out, the block opens all C; no: it opens exactly C − maxFreeSockets — and the target's
 * count of sockets opened during the block must agree, every block. The pause (this measurement's previous block end
 * to this block's start) is a lower bound on the sockets' idle time: the worker drains before it reports the pause,
 * and the next request leaves after the block starts. A measurement the guards flag decides nothing (unresolved), nor
 * does one with no block after the first.
 */
export function agentReopens(
  r: AtOnceMeasurement,
  concurrency: number,
  agent: { maxFreeSockets: number; idleTimeoutMs: number },
  text: { id: string; claim: string },
): VerdictData {
  const seen = pausesAndReopens(r);
  const expected = (pauseMs: number) =>
    timeoutRunsOut(pauseMs, agent.idleTimeoutMs) ? concurrency : concurrency - agent.maxFreeSockets;
  const predictedReopen = seen.filter((p) => timeoutRunsOut(p.pauseMs, agent.idleTimeoutMs)).length;
  const mismatches = seen.filter((p) => p.reopened !== expected(p.pauseMs));
  const v = countClaim({
    ...text,
    holds: seen.length > 0 && mismatches.length === 0,
    evidence: {
      idleTimeoutMs: agent.idleTimeoutMs,
      maxFreeSockets: agent.maxFreeSockets,
      blocksPredictedReopen: predictedReopen,
      blocksPredictedKeep: seen.length - predictedReopen,
      perBlock: seen
        .map(
          (p) =>
            `r${p.round}: pause ${(p.pauseMs / 1000).toFixed(1)} s → ${timeoutRunsOut(p.pauseMs, agent.idleTimeoutMs) ? 'reopen' : 'keep'} (${expected(p.pauseMs)}), opened ${p.reopened}`,
        )
        .join('; '),
      mismatches: mismatches.length,
      flagged: flaggedText(rankable([r]).flagged),
    },
  });
  // A rule with two sides (a timeout exists) is tested only when both sides were seen: all "reopen" blocks cannot
  // tell the idle timer from sockets that never survive a pause. A mismatch on the side that was seen still fails.
  const oneSided = agent.idleTimeoutMs > 0 && (predictedReopen === 0 || predictedReopen === seen.length);
  const undecided = !isRankable(r) || seen.length === 0 || (oneSided && mismatches.length === 0);
  const out = oneSided
    ? { ...v, evidence: { ...v.evidence, untestedSide: predictedReopen === 0 ? 'reopen' : 'keep' } }
    : v;
  return undecided ? { ...out, outcome: 'unresolved', holds: false } : out;
}

/** The claim text of `agent-reopens-<client>`, with the live Agent's values and the threshold (pause > timeout). */
export function agentReopensText(
  row: Pick<SocketRow, 'client' | 'agent' | 'maxFreeSockets' | 'idleTimeoutMs'>,
  concurrency: number,
): { id: string; claim: string } {
  const free = row.maxFreeSockets ?? 0;
  const timeout = row.idleTimeoutMs ?? 0;
  const C = concurrency;
  const kept = `exactly ${C} − ${free} = ${C - free} (the ${free} kept sockets reused)`;
  const rule =
    timeout > 0
      ? `every block after the first opens all ${C} if the pause before it was longer than the idle timeout (the kept sockets timed out), and ${kept} otherwise`
      : `with no idle timeout, every block after the first opens ${kept}, whatever the pause`;
  return {
    id: `agent-reopens-${row.client}`,
    claim: `${row.client} (${row.agent ?? 'Agent'}, read from the live client: maxFreeSockets ${free}, effective idle timeout ${timeout > 0 ? `${timeout} ms` : 'none'}): ${rule}. Sockets opened per block counted at the target over its warm-up and measured windows; a flagged measurement is unresolved.`,
  };
}

/** One `agent-reopens-<client>` claim per client with a node:http Agent (a live maxFreeSockets), each on its own. */
export function agentReopensClaims(
  records: readonly AtOnceMeasurement[],
  rows: readonly SocketRow[],
  concurrency: number,
): VerdictData[] {
  return rows.flatMap((row) => {
    const r = records.find((x) => x.client.name === row.client);
    if (!r || row.maxFreeSockets === null) return [];
    const agent = { maxFreeSockets: row.maxFreeSockets, idleTimeoutMs: row.idleTimeoutMs ?? 0 };
    return [agentReopens(r, concurrency, agent, agentReopensText(row, concurrency))];
  });
}

/** Why a client is or is not tested by `reachesBound`. */
export type BoundEligibility = 'eligible' | 'undecided' | 'no-headroom' | 'flagged';

/**
 * With think-time L, a client whose one-core ceiling (from its CPU per request at 0 ms) is at least `headroom` × C/L
 * has the CPU to reach the bound: its throughput at L should be at least `share` × C/L (per-round interval).
 *
 * Eligibility is decided on the CPU interval, like any claim: eligible when the whole 95 % interval of CPU µs per
 * request is below the cut 10⁶ / (headroom × C/L), not eligible when it is wholly above, undecided when it straddles
 * the cut (or does not reach 95 %). A measurement the guards flag (at 0 ms or at L) decides nothing. The claim is
 * decided on the eligible clients; if adding the undecided ones would change the outcome, it depends on them and is
 * unresolved.
 */
export function reachesBound(
  pairs: readonly { client: string; atZero: InterleavedMeasurement; atL: InterleavedMeasurement }[],
  concurrency: number,
  latencyMs: number,
  limits: { headroom: number; share: number },
  text: { id: string; claim: string },
): {
  verdict: VerdictData;
  eligible: string[];
  undecided: string[];
  notTested: string[];
  why: Record<string, BoundEligibility>;
} {
  const bound = (concurrency * 1000) / latencyMs;
  const cutMicros = 1e6 / (limits.headroom * bound);
  const eligibility = (p: (typeof pairs)[number]): BoundEligibility => {
    if (!isRankable(p.atZero) || !isRankable(p.atL)) return 'flagged';
    const cpu = (p.atZero.method?.blocks ?? []).map((b) => b.cpuMicrosPerRequest);
    if (cpu.length === 0) return 'undecided';
    const interval = medianInterval(cpu);
    const side: Outcome = interval.coverage >= 0.95 ? decide(interval, { below: cutMicros }) : 'unresolved';
    return side === 'holds' ? 'eligible' : side === 'fails' ? 'no-headroom' : 'undecided';
  };
  const why = Object.fromEntries(pairs.map((p) => [p.client, eligibility(p)]));
  const part = (p: (typeof pairs)[number]) =>
    quantityClaim({
      id: why[p.client] === 'eligible' ? p.client : `${p.client} (eligibility undecided)`,
      claim: p.client,
      statistic: 'throughput ÷ C/L',
      interval: scaled(medianInterval((p.atL.method?.blocks ?? []).map((b) => b.throughputRps)), 1 / bound),
      threshold: { above: limits.share },
    });
  const eligible = pairs.filter((p) => why[p.client] === 'eligible');
  const undecided = pairs.filter((p) => why[p.client] === 'undecided' && (p.atL.method?.blocks.length ?? 0) > 0);
  const evidence = { boundRps: bound, cutCpuMicros: Number(cutMicros.toPrecision(3)), eligible: eligible.length };
  const decided = allOf(eligible.map(part), { ...text, evidence });
  const withUndecided = allOf([...eligible, ...undecided].map(part), { ...text, evidence });
  const verdict: VerdictData =
    decided.outcome === withUndecided.outcome
      ? withUndecided
      : { ...withUndecided, outcome: 'unresolved', holds: false };
  return {
    verdict,
    eligible: eligible.map((p) => p.client),
    undecided: pairs.filter((p) => why[p.client] === 'undecided').map((p) => p.client),
    notTested: pairs.filter((p) => why[p.client] === 'no-headroom' || why[p.client] === 'flagged').map((p) => p.client),
    why,
  };
}

function scaled(i: MedianInterval, k: number): MedianInterval {
  return { ...i, median: i.median * k, low: i.low * k, high: i.high * k };
}

/**
 * A claim about the per-round ratio b / a that respects the guards: if either measurement is flagged (errors, a
 * saturated target), the claim is unresolved and says which, instead of being decided by a measurement the method
 * excludes from comparisons.
 */
export function guardedRatioClaim(input: {
  id: string;
  claim: string;
  a: InterleavedMeasurement;
  b: InterleavedMeasurement;
  threshold: Threshold;
}): VerdictData {
  const { flagged } = rankable([input.a, input.b]);
  const v = quantityClaim({
    id: input.id,
    claim: input.claim,
    statistic: `${input.b.label} ÷ ${input.a.label} throughput (per round)`,
    interval: ratioOf(input.a, input.b),
    threshold: input.threshold,
    evidence: { flagged: flaggedText(flagged) },
  });
  if (flagged.length === 0) return v;
  return { ...v, outcome: 'unresolved', holds: false };
}

/** A client process at or above this share of its core is CPU-bound: it cannot issue requests any faster. */
const FULL_CORE_SHARE = 0.9;

/** Median share of its core the client process used over the measured blocks (null without blocks). */
function clientCpuShare(r: InterleavedMeasurement): number | null {
  const u = (r.method?.blocks ?? []).map((b) => b.clientUtilization);
  return u.length ? medianInterval(u).median : null;
}

export interface TargetShortfall {
  client: string;
  peakInFlight: number;
  peakOpenSockets: number;
  clientCpuShare: number | null;
  /** What the record shows held the requests back: the client's own core, a pool cap, or neither. */
  cause: 'cpu' | 'pool' | 'unexplained';
}

/**
 * Every client has all C requests at the target at once (peak in flight at the target ≥ C). What it tests is the
 * count; why a client fell short is computed from the record, not assumed: a client at a full core with a socket per
 * request open is CPU-bound (its requests wait in its own event loop); one with fewer than C sockets open was capped by
 * a pool. A flagged measurement is shown and not counted.
 */
export function allAtTarget(
  records: readonly AtOnceMeasurement[],
  concurrency: number,
  text: { id: string; claim: string },
): { verdict: VerdictData; shortfalls: TargetShortfall[] } {
  const { rankable: counted, flagged } = rankable(records);
  const shortfalls: TargetShortfall[] = counted
    .filter((r) => r.target.peakInFlight < concurrency)
    .map((r) => {
      const share = clientCpuShare(r);
      const open = peakOpenSockets(r);
      const cause = open < concurrency ? 'pool' : share !== null && share >= FULL_CORE_SHARE ? 'cpu' : 'unexplained';
      return {
        client: r.client.name,
        peakInFlight: r.target.peakInFlight,
        peakOpenSockets: open,
        clientCpuShare: share,
        cause,
      };
    });
  const evidence: Evidence = Object.fromEntries(records.map((r) => [r.client.name, r.target.peakInFlight]));
  for (const s of shortfalls)
    evidence[`${s.client} CPU share`] = s.clientCpuShare === null ? null : Number(s.clientCpuShare.toFixed(2));
  evidence['flagged (not counted)'] = flaggedText(flagged);
  return {
    verdict: countClaim({ ...text, holds: counted.length > 0 && shortfalls.length === 0, evidence }),
    shortfalls,
  };
}

/** The sentence that says who fell short of C at the target and why, from the record. */
export function shortfallText(shortfalls: readonly TargetShortfall[], concurrency: number): string {
  if (shortfalls.length === 0) return `Every counted client had all ${concurrency} requests at the target at once.`;
  const why: Record<TargetShortfall['cause'], string> = {
    cpu: `its process at a full core with ${concurrency} sockets open: CPU, not a pool, held requests back (they wait in its own event loop)`,
    pool: 'fewer sockets open than requests: a pool held requests back',
    unexplained: 'neither a full core nor a pool cap: not explained by this record',
  };
  const parts = shortfalls.map(
    (s) =>
      `${s.client}: at most ${s.peakInFlight} of ${concurrency} at the target, client CPU ${s.clientCpuShare === null ? 'unknown' : `${s.clientCpuShare.toFixed(2)} of its core`}, ${s.peakOpenSockets} sockets open (${why[s.cause]})`,
  );
  return `Fell short — ${parts.join('; ')}.`;
}

export interface SocketLifecycle {
  client: string;
  label: string;
  /** Sockets the target accepted over every window (warm-up and measured). */
  opened: number;
  peakOpen: number;
  /** Open at the end of the last measured window (null without window counters). */
  openAtEnd: number | null;
  /** opened − openAtEnd: closed at some point; `closedMeasured` of them inside measured windows. */
  closed: number | null;
  closedMeasured: number | null;
  /** The peak open during the first block's warm-up: the cold start's fan-out. */
  firstBlockPeak: number;
}

/** Sockets opened, still open at the end, and closed (in measured windows or between them), from the target. */
export function socketLifecycle(r: AtOnceMeasurement): SocketLifecycle {
  const windows = (r.trials ?? []).flatMap((t) => (t.target ? [t.target] : []));
  const curve = r.method?.warmupCurve ?? [];
  const firstBlock = Math.min(...curve.map((w) => w.block));
  const warmOpened = curve.reduce((s, w) => s + w.newConnections, 0);
  const opened = warmOpened + windows.reduce((s, w) => s + w.connectionsOpened, 0);
  const last = windows[windows.length - 1];
  return {
    client: r.client.name,
    label: r.label,
    opened,
    peakOpen: peakOpenSockets(r),
    openAtEnd: last ? last.openConnections : null,
    closed: last ? opened - last.openConnections : null,
    closedMeasured: last ? windows.reduce((s, w) => s + w.connectionsClosed, 0) : null,
    firstBlockPeak: Math.max(0, ...curve.filter((w) => w.block === firstBlock).map((w) => w.peakOpenConnections ?? 0)),
  };
}

/** What happened to the extra sockets, worded from the counts (never "they stay open" unless none closed). */
export function extraSocketsText(records: readonly AtOnceMeasurement[]): string {
  const lives = records.map(socketLifecycle);
  const known = lives.filter((l) => l.closed !== null);
  if (known.length === 0) return 'The record has no window counters: what became of the extra sockets is not known.';
  const per = known.map((l) => {
    const between = (l.closed ?? 0) - (l.closedMeasured ?? 0);
    return `${l.client} opened ${l.opened} (peak ${l.peakOpen}), ${l.openAtEnd} still open at the end, ${l.closed} closed (${between} between measured windows)`;
  });
  const closedAny = known.some((l) => (l.closed ?? 0) > 0);
  const cold = lives.filter((l) => l.peakOpen > 0 && l.firstBlockPeak === l.peakOpen).map((l) => l.client);
  const peak = `The peak was reached while the first block warmed up (the cold start) for ${cold.length} of ${lives.length}${cold.length ? ` (${cold.join(', ')})` : ''}.`;
  const summary = closedAny
    ? 'They did not all stay open: some closed between blocks (while the load paused or re-warmed) and later blocks opened new ones'
    : 'The extra sockets stayed open to the end of the run';
  return `${peak} ${summary}: ${per.join('; ')}.`;
}

/** The earlier run a result is set against: read from its committed record (any schema version's summary fields). */
export interface EarlierRun {
  runId: string;
  cpuModel: string;
  measurements: {
    client: string;
    concurrency: number;
    delayMs: number;
    throughputRps: number;
    cpuMicrosPerRequest: number;
  }[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** Parse the fields `machineShift` needs from a case-study record read as JSON; a missing field is named. */
export function earlierRunOf(value: unknown): EarlierRun {
  const fail = (field: string, got: unknown, expected: string): never => {
    throw new TypeError(`earlier run record: ${field} is ${JSON.stringify(got)}, expected ${expected}`);
  };
  const text = (v: unknown, field: string): string => (typeof v === 'string' ? v : fail(field, v, 'a string'));
  const num = (v: unknown, field: string): number => (typeof v === 'number' ? v : fail(field, v, 'a number'));
  if (!isObject(value) || !isObject(value['environment']) || !Array.isArray(value['measurements']))
    throw new TypeError('earlier run record: expected an object with environment and measurements');
  return {
    runId: text(value['runId'], 'runId'),
    cpuModel: text(value['environment']['cpuModel'], 'environment.cpuModel'),
    measurements: value['measurements'].filter(isObject).map((m, i) => ({
      client: text(m['client'], `measurements[${i}].client`),
      concurrency: num(m['concurrency'], `measurements[${i}].concurrency`),
      delayMs: num(m['delayMs'], `measurements[${i}].delayMs`),
      throughputRps: num(m['throughputRps'], `measurements[${i}].throughputRps`),
      cpuMicrosPerRequest: num(m['cpuMicrosPerRequest'], `measurements[${i}].cpuMicrosPerRequest`),
    })),
  };
}

/**
 * How a two-client comparison moved from an earlier run on another machine to this one: the earlier ratio (medians
 * of trials: that run used the phase method), this run's per-round ratio, and each client's CPU per request on the
 * two machines. Different methods and machines: factors, not intervals.
 */
export function machineShift(
  earlier: EarlierRun,
  current: { runId: string; cpuModel: string; a: AtOnceMeasurement; b: AtOnceMeasurement },
  load: { concurrency: number; delayMs: number },
): string {
  const find = (client: string) =>
    earlier.measurements.find(
      (m) => m.client === client && m.concurrency === load.concurrency && m.delayMs === load.delayMs,
    );
  const [ea, eb] = [find(current.a.client.name), find(current.b.client.name)];
  if (!ea || !eb) return `The earlier run \`${earlier.runId}\` has no measurement of both clients at this load.`;
  const now = ratioOf(current.a, current.b);
  const cpuNow = (m: AtOnceMeasurement) => intervalMedian(m, 'cpuMicrosPerRequest');
  const factor = (m: AtOnceMeasurement, was: number) =>
    `${m.client.name} ${was.toFixed(1)} → ${cpuNow(m).toFixed(1)} µs (×${(cpuNow(m) / was).toFixed(2)})`;
  return (
    `${current.b.client.name} ÷ ${current.a.client.name} throughput: ${(eb.throughputRps / ea.throughputRps).toFixed(2)} in the earlier run ` +
    `\`${earlier.runId}\` (${earlier.cpuModel}; phase method, medians of trials), ${now.median.toFixed(2)} in this run \`${current.runId}\` ` +
    `(${current.cpuModel}; per-round ratio, interval ${now.low.toFixed(2)}–${now.high.toFixed(2)}). CPU per request at ${load.concurrency} in flight, ` +
    `earlier machine → this one: ${factor(current.b, eb.cpuMicrosPerRequest)}; ${factor(current.a, ea.cpuMicrosPerRequest)}.` +
    (rankable([current.a, current.b]).flagged.length
      ? ` Shown, not compared: flagged in this run — ${flaggedText(rankable([current.a, current.b]).flagged)}.`
      : '')
  );
}

function intervalMedian(m: InterleavedMeasurement, metric: 'cpuMicrosPerRequest' | 'throughputRps'): number {
  const values = (m.method?.blocks ?? []).map((b) => b[metric]);
  return values.length ? medianInterval(values).median : 0;
}

/**
 * Recommendations, generated from the verdicts: a line only for a claim that holds; every claim that does not hold or
 * is unresolved, and every exploratory verdict, is named as giving no advice.
 */
export function atOnceAdvice(
  verdicts: readonly VerdictData[],
  facts: {
    concurrency: number;
    fetchVsRequest: MedianInterval;
    axiosVsHttp: number;
    gotVsHttp: number;
    maxUndiciSockets: number;
    dedicatedAgents: readonly { client: string; maxFreeSockets: number }[];
  },
): string {
  const holds = (id: string) => verdicts.some((v) => v.id === id && v.kind === 'claim' && v.outcome === 'holds');
  const C = facts.concurrency;
  const lines: string[] = [];
  const f = facts.fetchVsRequest;
  if (holds('fetch-costs-more'))
    lines.push(
      `- **For throughput per core, prefer undici \`request\` over \`fetch\`.** Here request completed ${f.median.toFixed(2)}× the requests per second of fetch (95 % interval ${f.low.toFixed(2)}–${f.high.toFixed(2)}) on the same undici 8 pool.`,
    );
  if (holds('axios-got-below-half'))
    lines.push(
      `- **axios and got cost more than half of node:http's throughput at this load** (axios ${facts.axiosVsHttp.toFixed(2)}×, got ${facts.gotVsHttp.toFixed(2)}× of node:http): if a service is CPU-bound on outbound calls, the client library is the lever.`,
    );
  if (holds('request-http-equivalent'))
    lines.push(
      '- **undici `request` and node:http are equivalent here** (within ±15 %): choose between them on API, not speed.',
    );
  if (holds('undici-extra-sockets'))
    lines.push(
      `- **If your server counts sockets, cap undici's pool** (\`new Agent({ connections: N })\`): left unlimited it held up to ${facts.maxUndiciSockets} sockets open for ${C} requests in flight. The pool-limits study measures what a cap costs.`,
    );
  for (const a of facts.dedicatedAgents)
    if (holds(`agent-reopens-${a.client}`))
      lines.push(
        `- **${a.client}: with bursts above ${a.maxFreeSockets} concurrent requests, raise \`maxFreeSockets\`** (e.g. \`new http.Agent({ keepAlive: true, maxFreeSockets: ${C} })\`): every pause here cost ${C - a.maxFreeSockets} new connections (counted); what raising it saves in latency or CPU is predicted, not measured here.`,
      );
  if (holds('cpu-predicts-512'))
    lines.push(
      "- **Each client's CPU per request, measured at 64 in flight, predicts its throughput at 512**: the client, not its pool, sets the pace.",
    );
  const silent = verdicts.filter((v) => v.kind === 'claim' && v.outcome !== 'holds');
  const exploratory = verdicts.filter((v) => v.kind === 'exploratory');
  if (silent.length > 0)
    lines.push(
      `\nNo advice from claims that do not hold or are unresolved: ${silent.map((v) => `\`${v.id}\` (${v.outcome === 'fails' ? 'does not hold' : 'unresolved'})`).join(', ')}.`,
    );
  if (exploratory.length > 0)
    lines.push(
      `No advice from exploratory observations (added after seeing data; hypotheses for the next run): ${exploratory.map((v) => `\`${v.id}\``).join(', ')}.`,
    );
  lines.push(`\n${verdictHeadline(verdicts)}.`);
  return lines.join('\n');
}

/** One row of the prediction table: CPU per request at the low concurrency, what it predicts, what was measured. */
export interface PredictionRow {
  client: string;
  cpuLowUs: number;
  predictedRps: number;
  measuredRps: number;
  ratio: number;
  ratioLow: number;
  ratioHigh: number;
  /** Flagged measurements of the pair (shown, not in the claim), or 'none'. */
  flagged: string;
  /** The flags that keep the pair out of the claim ('' when both may be compared): a chart draws the point hollow. */
  excludedBy: string;
}

/**
 * Why the guards keep measurements out of every comparison: the distinct flags of those that are not rankable, ''
 * when all may be compared. Charts take it as their `flagField`, so a flagged row is drawn hollow and named in the
 * legend instead of looking like a result.
 */
export function exclusionOf(measurements: readonly GuardFields[]): string {
  const flags = rankable(measurements).flagged.flatMap((m) =>
    m.guards?.flags.length ? m.guards.flags : ['not rankable'],
  );
  return [...new Set(flags)].join(', ');
}

/** Table rows with the `excludedBy` of their measurement (matched by label), for a chart's `flagField`. */
export function withExclusion<T extends { label: string }>(
  rows: readonly T[],
  measurements: readonly InterleavedMeasurement[],
): (T & { excludedBy: string })[] {
  return rows.map((row) => ({ ...row, excludedBy: exclusionOf(measurements.filter((m) => m.label === row.label)) }));
}

export function predictionRows(
  pairs: readonly { client: string; low: InterleavedMeasurement; high: InterleavedMeasurement }[],
): PredictionRow[] {
  return pairs.map((p) => {
    const i = cpuPrediction(p.low, p.high);
    const cpu = intervalMedian(p.low, 'cpuMicrosPerRequest');
    return {
      client: p.client,
      cpuLowUs: cpu,
      predictedRps: cpu > 0 ? 1e6 / cpu : 0,
      measuredRps: intervalMedian(p.high, 'throughputRps'),
      ratio: i.median,
      ratioLow: i.low,
      ratioHigh: i.high,
      flagged: flaggedText(rankable([p.low, p.high]).flagged),
      excludedBy: exclusionOf([p.low, p.high]),
    };
  });
}

/** What the sockets table shows per client: peak, reopenings, and the Agent's live settings when it has one. */
export interface SocketRow {
  client: string;
  flags: string;
  peakOpen: number;
  /** Sockets opened in each block after the first (all its windows), comma-separated. */
  reopened: string;
  /** Which Agent the client used, from its live settings (e.g. 'dedicated Agent', 'global agent'); null without one. */
  agent: string | null;
  maxFreeSockets: number | null;
  /** The Agent's effective idle timeout (its `timeout` after the server's hint; 0 = none); null without an Agent. */
  idleTimeoutMs: number | null;
}

export function socketRows(
  records: readonly (AtOnceMeasurement & { client: { name: string; settings: Record<string, unknown> } })[],
  hintSeconds: number | null,
): SocketRow[] {
  return records.map((r) => {
    const maxFree = r.client.settings['maxFreeSockets'];
    const timeout = r.client.settings['socketTimeoutMs'];
    const isAgent = typeof maxFree === 'number';
    const agent = r.client.settings['agent'];
    return {
      client: r.client.name,
      flags: (r.guards?.flags ?? []).join(', '),
      peakOpen: peakOpenSockets(r),
      reopened: reopensAfterPause(r).join(', '),
      agent: isAgent ? (typeof agent === 'string' ? agent : 'Agent') : null,
      maxFreeSockets: isAgent ? maxFree : null,
      idleTimeoutMs: isAgent ? agentIdleTimeoutMs(typeof timeout === 'number' ? timeout : 0, hintSeconds) : null,
    };
  });
}

/** Every block passed the steadiness test before it was measured: the harness's own rule, shown as a sanity check. */
export function blocksSteadySanity(
  records: readonly { label: string; method?: { blocks: readonly { steady: boolean }[] } | undefined }[],
): VerdictData {
  const blocks = records.flatMap((r) => (r.method?.blocks ?? []).map((b) => ({ label: r.label, steady: b.steady })));
  const unsteady = blocks.filter((b) => !b.steady);
  return sanityCheck({
    id: 'blocks-steady',
    claim:
      'Every block passed the steadiness test before it was measured (windows within 15 %, connection rate stable).',
    holds: unsteady.length === 0,
    evidence: {
      blocks: blocks.length,
      unsteady: unsteady.length,
      where: [...new Set(unsteady.map((b) => b.label))].join(', ') || 'none',
    },
  });
}

/** Who `reachesBound` tested, who is undecided, and who it did not test and why. */
export function boundEligibilityText(b: ReturnType<typeof reachesBound>): string {
  const why: Record<BoundEligibility, string> = {
    eligible: 'tested',
    undecided: 'CPU interval straddles the cut',
    'no-headroom': 'CPU interval above the cut',
    flagged: 'a measurement is flagged',
  };
  const notTested = b.notTested.map((c) => `${c} (${why[b.why[c] ?? 'flagged']})`).join(', ');
  return (
    `Tested (whole CPU interval at 0 ms below the cut, neither measurement flagged): ${b.eligible.join(', ') || 'none'}. ` +
    `Undecided (CPU interval straddles the cut, or too few rounds): ${b.undecided.join(', ') || 'none'}. ` +
    `Not tested: ${notTested || 'none'} — this says nothing about whether they reach the bound.`
  );
}
