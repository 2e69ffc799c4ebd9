import { type MedianInterval, medianInterval } from '@casebook/stats';
import { combineParts, countClaim, quantityClaim, sanityCheck, type VerdictData } from './verdicts';

/**
 * The checks of the bodies case study (notebooks/09-bodies.ipynb), as pure functions of its body-lab blocks, tested on
 * both sides in test/analysis-bodies.test.ts. Each block is one fresh client process requesting generated bodies of
 * one size, consumed one way; blocks of the clients compared are interleaved in rounds, so every ratio between two
 * clients is computed per round and summarised by its median with an order-statistics 95 % interval. Thresholds are
 * arguments: the notebook states them before it measures.
 */

/** What these checks read from one trial (structural: the live BodyPhase and the recorded notes both fit). */
export interface BodyTrial {
  requests: number;
  ok: number;
  unread: number;
  shortBodies: number;
  errors: Record<string, number>;
  bodyBytes: number;
  wallMs: number;
  cpuMicros: number;
  rssStartBytes: number;
  rssPeakBytes: number;
  /** RSS before the block's first request, and the sampled peak since (warm-up included). */
  baselineRssBytes: number;
  peakSinceBaselineBytes: number;
  /**
   * The kernel's high-water mark of the process (getrusage maxRSS): exact where the timer samples can be late (a
   * large synchronous copy blocks the loop that samples). Absent on blocks recorded before it was read here.
   */
  maxRssBytes?: number;
  settled: { rssBytes: number };
  /** RSS right after each request, in order (absent on blocks recorded before it was read). */
  rssAfterRequestBytes?: readonly number[];
  /**
   * Memory still reachable after a forced GC, sampled during the phase (the warm-up of blocks that ask for it): what
   * the process holds, without the garbage peak RSS also counts. Absent or null when not sampled.
   */
  live?: LiveMemorySample | null;
  target: { connectionsOpened: number; connectionsClosed: number; openConnections: number };
  bodies: {
    finishedBodyBytes: number;
    requestBodyBytesReceived: number;
    responsesFinished: number;
    responsesSending: number;
    peakRssBytes: number;
    /** The target's RSS at the phase start (absent on phases recorded before it was read). */
    startRssBytes?: number;
  };
}
/** GC-settled memory of one phase (runner body-protocol.ts LiveMemory; structural). */
export interface LiveMemorySample {
  samples: number;
  gcForced: boolean;
  /** heapUsed + external with the client open before its first request (after a forced GC), and the peak since. */
  baselineLiveBytes: number;
  peakLiveBytes: number;
  /** process.memoryUsage().arrayBuffers (Buffers' backing stores) before the first request and its peak, after a forced GC. */
  baselineArrayBuffersBytes?: number;
  peakArrayBuffersBytes?: number;
}

/**
 * What a GC-settled figure counts: 'live' heapUsed + external; 'arrayBuffers' only Buffers' and ArrayBuffers' backing
 * stores, where a body held as chunks sits. The upload claim uses 'arrayBuffers': in run bodies-d65bdee9 the 'live'
 * figure of node:http (the control, 1–3 samples in a one-request 64 MiB warm-up) rose 21–34 MiB while its
 * arrayBuffers stayed at most 0.3 MiB, so heapUsed + external still counted garbage there.
 */
export type LiveMetric = 'live' | 'arrayBuffers';

export interface BodyBlock {
  round: number | null;
  /** `direction` is absent on blocks recorded before uploads existed (they are downloads). */
  job: { client: string; expectedBytes: number; consumption: string; direction?: string };
  trials: readonly BodyTrial[];
  /** The warm-up phase (absent on test fixtures and old records; null when the block had none). */
  warmup?: BodyTrial | null;
  error: { code: string; message: string } | null;
}

const MIB = 1024 * 1024;
/** No rounds: no number, and no coverage (the claim is unresolved, its statistic recorded as missing). */
const NO_INTERVAL: MedianInterval = {
  median: Number.NaN,
  low: Number.NaN,
  high: Number.NaN,
  coverage: 0,
  n: 0,
  method: 'order-statistics',
};
const sig = (x: number): number => Number(x.toPrecision(3));
const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** One block's figures, from sums over its trials (never a median of one times a median of another). */
export interface BodyBlockFigures {
  client: string;
  bytes: number;
  consumption: string;
  round: number | null;
  requests: number;
  ok: number;
  msPerRequest: number;
  mbPerSecond: number;
  cpuMicrosPerMB: number;
  /**
   * Peak RSS of the client process in the measured trials, and the growth of its peak over the RSS it had before its
   * first request (warm-up included: a warm-up of the same size leaves RSS at the level the trial starts from), MiB.
   */
  peakRssMiB: number;
  rssGrowthMiB: number;
}

export function blockFigures(block: BodyBlock): BodyBlockFigures {
  const t = block.trials;
  const wallMs = sum(t.map((x) => x.wallMs));
  const bodyBytes = sum(t.map((x) => x.bodyBytes));
  const requests = sum(t.map((x) => x.requests));
  const mb = bodyBytes / 1e6;
  const peak = Math.max(0, ...t.map((x) => x.rssPeakBytes));
  // The higher of the sampled peak and the kernel's maxRSS: each block is a fresh process, so its maxRSS belongs to
  // this block alone, and a copy made between two samples still shows.
  const growth = Math.max(
    0,
    ...t.map((x) => Math.max(x.peakSinceBaselineBytes, x.maxRssBytes ?? 0) - x.baselineRssBytes),
  );
  return {
    client: block.job.client,
    bytes: block.job.expectedBytes,
    consumption: block.job.consumption,
    round: block.round,
    requests,
    ok: sum(t.map((x) => x.ok)),
    msPerRequest: requests > 0 ? wallMs / requests : Number.NaN,
    mbPerSecond: wallMs > 0 ? mb / (wallMs / 1000) : Number.NaN,
    cpuMicrosPerMB: mb > 0 ? sum(t.map((x) => x.cpuMicros)) / mb : Number.NaN,
    peakRssMiB: peak / MIB,
    rssGrowthMiB: growth / MIB,
  };
}

/** A human size: 1 KiB, 64 KiB, 1 MiB, 128 MiB. */
export function sizeLabel(bytes: number): string {
  if (bytes >= MIB && bytes % MIB === 0) return `${bytes / MIB} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

/** The sweep table: one row per client, size and consumption, medians over rounds. */
export function sweepRows(blocks: readonly BodyBlock[]): Record<string, string | number>[] {
  const groups = new Map<string, BodyBlockFigures[]>();
  for (const b of blocks) {
    if (b.error !== null || b.trials.length === 0) continue;
    const f = blockFigures(b);
    const key = `${f.client}|${f.bytes}|${f.consumption}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const med = (xs: number[]): number => sig(medianInterval(xs).median);
  const order = (f: BodyBlockFigures): string =>
    `${String(f.bytes).padStart(12, '0')}|${f.consumption === 'stream' ? 0 : 1}|${f.client}`;
  return [...groups.values()]
    .sort((a, b) => order(a[0] as BodyBlockFigures).localeCompare(order(b[0] as BodyBlockFigures)))
    .map((fs) => {
      const f = fs[0] as BodyBlockFigures;
      return {
        client: f.client,
        size: sizeLabel(f.bytes),
        consumption: f.consumption,
        rounds: fs.length,
        'ms/request': med(fs.map((x) => x.msPerRequest)),
        'MB/s': med(fs.map((x) => x.mbPerSecond)),
        'CPU µs/MB': med(fs.map((x) => x.cpuMicrosPerMB)),
        'peak RSS MiB': med(fs.map((x) => x.peakRssMiB)),
        'RSS growth MiB': med(fs.map((x) => x.rssGrowthMiB)),
      };
    });
}

/**
 * Sanity: every body that was read arrived whole on both sides — the client counted exactly size × requests bytes,
 * every request was ok, and the target finished sending the same number of body bytes. Errored blocks fail it.
 */
export function bodyBytesMatch(blocks: readonly BodyBlock[]): VerdictData {
  const read = blocks.filter((b) => b.job.consumption !== 'unread');
  const bad: string[] = [];
  let bytes = 0;
  for (const b of read) {
    const name = `${b.job.client} ${sizeLabel(b.job.expectedBytes)} ${b.job.consumption}`;
    if (b.error !== null) bad.push(`${name}: ${b.error.code}`);
    for (const t of b.trials) {
      const expected = t.requests * b.job.expectedBytes;
      bytes += t.bodyBytes;
      if (t.ok !== t.requests || t.bodyBytes !== expected || t.bodies.finishedBodyBytes !== expected)
        bad.push(`${name}: client ${t.bodyBytes} B, target ${t.bodies.finishedBodyBytes} B, expected ${expected} B`);
    }
  }
  return sanityCheck({
    id: 'body-bytes-match',
    claim:
      'Every body read arrived whole: the client received exactly size × requests bytes, and the target finished sending the same',
    holds: read.length > 0 && bad.length === 0,
    evidence: { blocks: read.length, bodyBytes: bytes, mismatches: bad.length, first: bad[0] ?? null },
  });
}

/** Sanity: an unread body is reported as unread (or an error), never counted as a completed response. */
export function unreadReported(blocks: readonly BodyBlock[]): VerdictData {
  const unread = blocks.filter((b) => b.job.consumption === 'unread');
  const bad = unread.flatMap((b) =>
    b.trials
      .filter((t) => t.ok !== 0 || t.unread + sum(Object.values(t.errors)) !== t.requests)
      .map((t) => `${b.job.client}: ok ${t.ok}, unread ${t.unread} of ${t.requests}`),
  );
  return sanityCheck({
    id: 'unread-reported',
    claim: 'Every response whose body was left unread is reported as unread or failed, none as completed',
    holds: unread.length > 0 && bad.length === 0,
    evidence: { blocks: unread.length, offenders: bad.length, first: bad[0] ?? null },
  });
}

/** Per-round ratio a ÷ b of time per request at one size and consumption (rounds where both blocks completed). */
export function perRoundTimeRatio(
  blocks: readonly BodyBlock[],
  a: string,
  b: string,
  bytes: number,
  consumption: string,
): number[] {
  const pick = (client: string) =>
    new Map(
      blocks
        .filter(
          (x) =>
            x.job.client === client &&
            x.job.expectedBytes === bytes &&
            x.job.consumption === consumption &&
            x.error === null &&
            x.trials.length > 0 &&
            x.round !== null,
        )
        .map((x) => [x.round as number, blockFigures(x).msPerRequest]),
    );
  const ma = pick(a);
  const mb = pick(b);
  return [...ma.keys()]
    .filter((r) => mb.has(r))
    .sort((x, y) => x - y)
    .map((r) => (ma.get(r) as number) / (mb.get(r) as number));
}

/**
 * Claim (the nodejs/undici#2014 class): for a large body, client `slow` takes at least `threshold` × the time of
 * client `fast`, per round. Unresolved with no rounds, or under 95 % coverage (fewer than 6 rounds).
 */
export function slowerForLargeBodyClaim(
  blocks: readonly BodyBlock[],
  input: { id: string; slow: string; fast: string; bytes: number; consumption: string; threshold: number },
): VerdictData {
  const ratios = perRoundTimeRatio(blocks, input.slow, input.fast, input.bytes, input.consumption);
  const interval = ratios.length > 0 ? medianInterval(ratios) : NO_INTERVAL;
  return quantityClaim({
    id: input.id,
    claim: `${input.slow} takes at least ${input.threshold}× the time of ${input.fast} for a ${sizeLabel(input.bytes)} body (${input.consumption}), per round`,
    statistic: `time per request ${input.slow} ÷ ${input.fast}`,
    interval,
    threshold: { above: input.threshold },
    evidence: { rounds: ratios.length, bytes: input.bytes },
  });
}

/** The completed blocks of one client, size and consumption. */
function completed(blocks: readonly BodyBlock[], client: string, bytes: number, consumption: string): BodyBlock[] {
  return blocks.filter(
    (b) =>
      b.job.client === client &&
      b.job.expectedBytes === bytes &&
      b.job.consumption === consumption &&
      b.error === null &&
      b.trials.length > 0,
  );
}

/**
 * Per-round RSS growth ÷ body size for one client, size and consumption. With `baselineBytes` (the smallest size of
 * the sweep), the growth of the same client and consumption at that size in the same round is subtracted first: a
 * young process grows its own heap and code by 10–40 MiB whatever the body, and that growth is not the body's.
 * Rounds without both blocks are left out.
 */
export function rssGrowthPerBody(
  blocks: readonly BodyBlock[],
  client: string,
  bytes: number,
  consumption: string,
  baselineBytes?: number,
): number[] {
  const growthBytes = (b: BodyBlock): number => blockFigures(b).rssGrowthMiB * MIB;
  const at = completed(blocks, client, bytes, consumption);
  if (baselineBytes === undefined) return at.map((b) => growthBytes(b) / bytes);
  const base = new Map(
    completed(blocks, client, baselineBytes, consumption)
      .filter((b) => b.round !== null)
      .map((b) => [b.round, growthBytes(b)]),
  );
  return at.flatMap((b) => {
    const g0 = b.round === null ? undefined : base.get(b.round);
    return g0 === undefined ? [] : [(growthBytes(b) - g0) / bytes];
  });
}

/**
 * Claim per client, combined: the client process's peak RSS grows by `above` and/or `below` × the body size while
 * consuming one body of `bytes` that way, net of its growth at `baselineBytes` in the same round when given.
 */
export function rssGrowthClaim(
  blocks: readonly BodyBlock[],
  input: {
    id: string;
    claim: string;
    clients: readonly string[];
    bytes: number;
    consumption: string;
    threshold: { above?: number; below?: number };
    baselineBytes?: number;
  },
): VerdictData {
  const parts = input.clients.map((client) => {
    const xs = rssGrowthPerBody(blocks, client, input.bytes, input.consumption, input.baselineBytes);
    return quantityClaim({
      id: `${input.id}:${client}`,
      claim: `${client}: peak RSS growth ÷ body size`,
      statistic:
        input.baselineBytes === undefined
          ? 'peak RSS growth ÷ body size'
          : `(peak RSS growth − growth at ${sizeLabel(input.baselineBytes)}, same round) ÷ body size`,
      interval: xs.length > 0 ? medianInterval(xs) : NO_INTERVAL,
      threshold: input.threshold,
    });
  });
  return combineParts(parts, {
    id: input.id,
    claim: input.claim,
    threshold: input.threshold,
    evidence: {
      bytes: input.bytes,
      consumption: input.consumption,
      baselineBytes: input.baselineBytes ?? null,
    },
  });
}

/**
 * Sanity: every client's process grew by at least `atLeast` × the body while holding a buffered body of `bytes`. A
 * body of L bytes that is held whole must show in RSS, so this cannot fail on a working harness (shown, never
 * counted); a claim about buffering would have to ask for extra copies.
 */
export function rssGrowthAtLeast(
  blocks: readonly BodyBlock[],
  input: { id: string; claim: string; clients: readonly string[]; bytes: number; consumption: string; atLeast: number },
): VerdictData {
  const rows = input.clients.map((client) => {
    const xs = rssGrowthPerBody(blocks, client, input.bytes, input.consumption);
    return { client, rounds: xs.length, median: xs.length > 0 ? sig(medianInterval(xs).median) : null };
  });
  const short = rows.filter((r) => r.median === null || r.median < input.atLeast);
  return sanityCheck({
    id: input.id,
    claim: input.claim,
    holds: rows.length > 0 && short.length === 0,
    evidence: {
      bytes: input.bytes,
      consumption: input.consumption,
      atLeast: input.atLeast,
      lowest: rows.map((r) => `${r.client} ${r.median ?? 'none'}×`).join(', '),
      short: short.map((r) => r.client).join(', '),
    },
  });
}

/**
 * undici may open a second connection for back-to-back requests (its resume is deferred a tick), so "reused" allows
 * two connections for N requests, and no more: 31 connections for 32 requests is not reuse.
 */
export const REUSED_MAX_CONNECTIONS = 2;
/** An unread-body fate claim needs the same fate in at least this many rounds (one round could be a chance order). */
export const UNREAD_FATE_MIN_ROUNDS = 3;

/**
 * What became of the sockets of N sequential unread bodies, read from the target after the settle wait: 'reused'
 * (at most REUSED_MAX_CONNECTIONS connections for all requests), 'held' (a connection per request, all still open), 'destroyed' (a connection per
 * request, all closed again), 'mixed' (anything else).
 */
export interface UnreadFate {
  client: string;
  bytes: number;
  requests: number;
  unread: number;
  errors: number;
  connectionsOpened: number;
  stillOpen: number;
  closed: number;
  /** Responses the target is still trying to send (the client stopped reading; backpressure). */
  stillSending: number;
  fate: 'reused' | 'held' | 'destroyed' | 'mixed';
  /**
   * RSS growth of the first request (the fresh process's own warm-up: code loaded, pools built), KiB; null on
   * records without per-request RSS.
   */
  firstRequestGrowthKiB: number | null;
  /**
   * RSS growth per request over requests 2..N (from RSS after the first to the peak), KiB per request: the warm-up
   * of the first request left out. Records without per-request RSS fall back to the whole trial over N.
   */
  rssGrowthKiBPerRequest: number;
  /** RSS after the settle wait with forced GC over RSS after the first request, KiB per request of 2..N (same fallback). */
  settledGrowthKiBPerRequest: number;
}

export function unreadFate(block: BodyBlock): UnreadFate {
  const t = block.trials[block.trials.length - 1];
  if (!t) throw new RangeError(`unread block of ${block.job.client} has no trial (${block.error?.code ?? 'no error'})`);
  const opened = t.target.connectionsOpened;
  // The first request of a fresh process carries its own warm-up: per-request growth is taken over the rest.
  const first = t.rssAfterRequestBytes !== undefined && t.requests > 1 ? t.rssAfterRequestBytes[0] : undefined;
  const from = first ?? t.rssStartBytes;
  const perRequests = first === undefined ? t.requests : t.requests - 1;
  const { openConnections: open, connectionsClosed: closed } = t.target;
  const fate: UnreadFate['fate'] =
    opened <= REUSED_MAX_CONNECTIONS && opened < t.requests
      ? 'reused'
      : open >= t.requests && closed === 0
        ? 'held'
        : open === 0 && closed >= t.requests
          ? 'destroyed'
          : 'mixed';
  return {
    client: block.job.client,
    bytes: block.job.expectedBytes,
    requests: t.requests,
    unread: t.unread,
    errors: sum(Object.values(t.errors)),
    connectionsOpened: opened,
    stillOpen: t.target.openConnections,
    closed: t.target.connectionsClosed,
    stillSending: t.bodies.responsesSending,
    fate,
    firstRequestGrowthKiB: first === undefined ? null : sig((first - t.rssStartBytes) / 1024),
    rssGrowthKiBPerRequest: sig((t.rssPeakBytes - from) / 1024 / perRequests),
    settledGrowthKiBPerRequest: sig((t.settled.rssBytes - from) / 1024 / perRequests),
  };
}

/**
 * Count claim: a client's N unread bodies of one size end with the sockets in the predicted state, in every round
 * (at least `minRounds` of them, UNREAD_FATE_MIN_ROUNDS by default). Fewer rounds that all agree leave it unresolved;
 * one round with another fate, or a failed block, fails it.
 */
export function unreadFateClaim(
  blocks: readonly BodyBlock[],
  input: {
    id: string;
    client: string;
    bytes: number;
    expected: UnreadFate['fate'];
    because: string;
    minRounds?: number;
  },
): VerdictData {
  const minRounds = input.minRounds ?? UNREAD_FATE_MIN_ROUNDS;
  const mine = blocks.filter(
    (b) => b.job.client === input.client && b.job.expectedBytes === input.bytes && b.job.consumption === 'unread',
  );
  const fates = mine.filter((b) => b.trials.length > 0).map((b) => unreadFate(b));
  const other = fates.filter((f) => f.fate !== input.expected);
  const first = fates[0];
  return countClaim({
    id: input.id,
    claim: `${input.client}: the sockets of unread ${sizeLabel(input.bytes)} bodies are ${input.expected} (${input.because}), in each of at least ${minRounds} rounds`,
    holds: fates.length >= minRounds && other.length === 0 && fates.length === mine.length,
    // Every round so far agrees, but there are fewer than asked for (the smoke profile's one round): not decided.
    unresolved: fates.length > 0 && fates.length < minRounds && other.length === 0 && fates.length === mine.length,
    evidence: first
      ? {
          rounds: fates.length,
          minRounds: minRounds,
          failedBlocks: mine.length - fates.length,
          fates: fates.map((f) => f.fate).join(', '),
          requests: first.requests,
          connectionsOpened: fates.map((f) => f.connectionsOpened).join(', '),
          stillOpen: fates.map((f) => f.stillOpen).join(', '),
          closed: fates.map((f) => f.closed).join(', '),
          stillSending: fates.map((f) => f.stillSending).join(', '),
        }
      : { fate: null, error: mine[0]?.error?.code ?? 'no block' },
  });
}

/** Chart points of the sweep: medians over rounds per client, size and consumption. */
export function sweepPoints(blocks: readonly BodyBlock[]): {
  series: string;
  client: string;
  consumption: string;
  bytes: number;
  mbPerSecond: number;
  cpuMicrosPerMB: number;
  rssGrowthMiB: number;
}[] {
  const groups = new Map<string, BodyBlockFigures[]>();
  for (const b of blocks) {
    if (b.error !== null || b.trials.length === 0 || b.job.consumption === 'unread') continue;
    const f = blockFigures(b);
    const key = `${f.client}|${f.bytes}|${f.consumption}`;
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  const med = (xs: number[]): number => sig(medianInterval(xs).median);
  return [...groups.values()].map((fs) => {
    const f = fs[0] as BodyBlockFigures;
    return {
      series: `${f.client} (${f.consumption})`,
      client: f.client,
      consumption: f.consumption,
      bytes: f.bytes,
      mbPerSecond: med(fs.map((x) => x.mbPerSecond)),
      cpuMicrosPerMB: med(fs.map((x) => x.cpuMicrosPerMB)),
      rssGrowthMiB: Math.max(0.01, med(fs.map((x) => x.rssGrowthMiB))),
    };
  });
}

/**
 * Growth of the long-lived target between a phase's start and its peak that is its own (heap and socket buffers, GC
 * timing), whatever the body: the bound is never under it, so a 1 MiB smoke body is not judged on noise.
 */
export const TARGET_GROWTH_FLOOR_BYTES = 8 * MIB;

/**
 * Sanity: the target never keeps what it sends or receives across a phase — in EVERY phase at the largest size,
 * warm-ups included, its peak RSS grew over its RSS at the phase start by at most max(`share` × the body,
 * `floorBytes`) + `gcAllowanceBytes`. Downloads: the target writes one preallocated chunk again and again with
 * backpressure, so no allowance is needed. Uploads: the target counts each received chunk and drops it, but Node
 * allocates a fresh buffer per socket read and frees it only when V8 next collects garbage, which V8 starts from
 * external-memory growth of about 64 MiB; a body-independent `gcAllowanceBytes` states that lag before the run. The
 * bound is on the growth, not the absolute RSS (a 50 MiB process holding a 128 MiB body would pass 256 MiB). Phases
 * without a start RSS (older records) are not checked.
 */
export function targetMemoryBounded(
  blocks: readonly BodyBlock[],
  input: { share: number; id?: string; floorBytes?: number; gcAllowanceBytes?: number },
): VerdictData {
  const largest = Math.max(0, ...blocks.map((b) => b.job.expectedBytes));
  const phases = blocks
    .filter((b) => b.job.expectedBytes === largest && b.job.consumption !== 'unread')
    .flatMap((b) => [
      ...(b.warmup ? [{ b, phase: 'warm-up', t: b.warmup }] : []),
      ...b.trials.map((t, i) => ({ b, phase: `trial ${i}`, t })),
    ])
    .flatMap((p) => {
      const start = p.t.bodies.startRssBytes;
      return start === undefined
        ? []
        : [{ ...p, start, peak: p.t.bodies.peakRssBytes, growth: p.t.bodies.peakRssBytes - start }];
    });
  const worst = phases.reduce<(typeof phases)[number] | null>((w, p) => (w && w.growth >= p.growth ? w : p), null);
  const floor = input.floorBytes ?? TARGET_GROWTH_FLOOR_BYTES;
  const allowance = input.gcAllowanceBytes ?? 0;
  const boundBytes = Math.max(input.share * largest, floor) + allowance;
  const allowanceText = allowance > 0 ? ` + ${sizeLabel(allowance)} of garbage-collection lag` : '';
  return sanityCheck({
    id: input.id ?? 'target-memory-bounded',
    claim: `In every phase, warm-ups included, the target's peak RSS grows by at most ${sizeLabel(boundBytes)} (${input.share}× the body, at least ${sizeLabel(floor)}${allowanceText}) over its RSS at the phase start while sending or receiving ${sizeLabel(largest)} bodies`,
    holds: phases.length > 0 && worst !== null && worst.growth <= boundBytes,
    evidence: {
      phases: phases.length,
      warmupPhases: phases.filter((p) => p.phase === 'warm-up').length,
      largestBodyBytes: largest,
      worstGrowthMiB: worst ? sig(worst.growth / MIB) : null,
      worstStartRssMiB: worst ? sig(worst.start / MIB) : null,
      worstPeakRssMiB: worst ? sig(worst.peak / MIB) : null,
      boundMiB: sig(boundBytes / MIB),
      gcAllowanceMiB: sig(allowance / MIB),
      worst: worst
        ? `${worst.b.job.client} ${worst.b.job.consumption} round ${worst.b.round ?? '-'} ${worst.phase}`
        : null,
    },
  });
}

/**
 * Growth of what a block's client process still holds after a forced GC, over its baseline: the peak of heapUsed +
 * external sampled during the warm-up (BodyTrial.live) minus the same read before the first request, bytes. Null
 * when the block has no GC-settled samples (no --expose-gc, sampling off, or an old record).
 */
export function liveGrowthBytes(block: BodyBlock, metric: LiveMetric = 'live'): number | null {
  const live = block.warmup?.live;
  if (!live || !live.gcForced || live.samples === 0) return null;
  if (metric === 'live') return live.peakLiveBytes - live.baselineLiveBytes;
  if (live.peakArrayBuffersBytes === undefined || live.baselineArrayBuffersBytes === undefined) return null;
  return live.peakArrayBuffersBytes - live.baselineArrayBuffersBytes;
}

/**
 * Per round: (GC-settled live growth of `client` − that of `control` in the same round) ÷ body size, at one size and
 * consumption. The control is a client whose streaming path is known to hold no body (node:http, counting 'data'
 * chunks), so what the harness itself holds (its sink, its upload source, its sampling) is subtracted. Rounds where
 * either block lacks GC-settled samples are left out.
 */
export function liveGrowthOverControl(
  blocks: readonly BodyBlock[],
  client: string,
  control: string,
  bytes: number,
  consumption: string,
  metric: LiveMetric = 'live',
): number[] {
  const byRound = (c: string) =>
    new Map(
      completed(blocks, c, bytes, consumption)
        .filter((b) => b.round !== null && liveGrowthBytes(b, metric) !== null)
        .map((b) => [b.round as number, liveGrowthBytes(b, metric) as number]),
    );
  const mine = byRound(client);
  const ctl = byRound(control);
  return [...mine.keys()]
    .filter((r) => ctl.has(r))
    .sort((a, b) => a - b)
    .map((r) => ((mine.get(r) as number) - (ctl.get(r) as number)) / bytes);
}

/**
 * Claim per client, combined: streaming a body of `bytes` makes the client hold (GC-settled, heapUsed + external)
 * at most `below` × the body more than the control client does in the same round. The control itself is not judged;
 * its own growth ÷ body is in the evidence so a reader sees what the harness holds.
 */
export function liveGrowthOverControlClaim(
  blocks: readonly BodyBlock[],
  input: {
    id: string;
    claim: string;
    clients: readonly string[];
    control: string;
    bytes: number;
    consumption: string;
    below: number;
    /** What the GC-settled figure counts (default 'live': heapUsed + external). */
    metric?: LiveMetric;
  },
): VerdictData {
  const metric = input.metric ?? 'live';
  const what = metric === 'live' ? 'live' : 'arrayBuffers';
  const judged = input.clients.filter((c) => c !== input.control);
  const threshold = { below: input.below };
  const parts = judged.map((client) => {
    const xs = liveGrowthOverControl(blocks, client, input.control, input.bytes, input.consumption, metric);
    return quantityClaim({
      id: `${input.id}:${client}`,
      claim: `${client}: GC-settled ${what} growth over ${input.control}'s ÷ body size`,
      statistic: `(${what} growth − ${input.control}'s ${what} growth, same round) ÷ body size`,
      interval: xs.length > 0 ? medianInterval(xs) : NO_INTERVAL,
      threshold,
    });
  });
  const control = completed(blocks, input.control, input.bytes, input.consumption)
    .map((b) => liveGrowthBytes(b, metric))
    .filter((x): x is number => x !== null)
    .map((x) => x / input.bytes);
  const ownMedians = Object.fromEntries(
    judged.map((client) => {
      const own = completed(blocks, client, input.bytes, input.consumption)
        .map((b) => liveGrowthBytes(b, metric))
        .filter((x): x is number => x !== null)
        .map((x) => x / input.bytes);
      return [`${client} own growth ÷ body (median)`, own.length > 0 ? sig(medianInterval(own).median) : null];
    }),
  );
  return combineParts(parts, {
    id: input.id,
    claim: input.claim,
    threshold,
    evidence: {
      bytes: input.bytes,
      consumption: input.consumption,
      control: input.control,
      metric,
      controlLiveGrowthPerBodyMedian: control.length > 0 ? sig(medianInterval(control).median) : null,
      controlRounds: control.length,
      ...ownMedians,
    },
  });
}

/** Per client at one size and consumption: the median GC-settled live growth ÷ body and over the control's. */
export function liveGrowthRows(
  blocks: readonly BodyBlock[],
  input: { clients: readonly string[]; control: string; bytes: number; consumption: string; metric?: LiveMetric },
): { client: string; rounds: number; liveGrowthPerBody: number | null; overControlPerBody: number | null }[] {
  const metric = input.metric ?? 'live';
  return input.clients.map((client) => {
    const own = completed(blocks, client, input.bytes, input.consumption)
      .map((b) => liveGrowthBytes(b, metric))
      .filter((x): x is number => x !== null)
      .map((x) => x / input.bytes);
    const over =
      client === input.control
        ? []
        : liveGrowthOverControl(blocks, client, input.control, input.bytes, input.consumption, metric);
    return {
      client,
      rounds: own.length,
      liveGrowthPerBody: own.length > 0 ? sig(medianInterval(own).median) : null,
      overControlPerBody: over.length > 0 ? sig(medianInterval(over).median) : null,
    };
  });
}
