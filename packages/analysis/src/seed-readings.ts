import {
  type AppRun,
  appBound,
  appCpuUsPerRequest,
  batchTimeRow,
  finiteMedian,
  type GatherBatchesLike,
  type GatherLike,
  type GatherSample,
  gatherCpuRows,
  gatherSample,
  inAppBoundMs,
  poolLimitOf,
  type Replicates,
  replicatedGathers,
  replicationText,
  routePeakInFlight,
  type SeedMeasurement,
  seedRows,
  socketsOpened,
  socketsPerBlock,
} from './seed';
import { countClaim, type VerdictData } from './verdicts';

/**
 * Readings of the seed notebook stated before the run after seed-9d1b4a91 (its second reader, 5 December 2026), as
 * pure functions of the records, tested on every side in test/analysis-seed-readings.test.ts:
 * - the keep-alive switch's premise (keepaliveClosePremise, requirePremise): `closes-keepalive-gather` switches off a
 *   close that httpcore makes only while its pool holds more than max_keepalive_connections; where the default arm
 *   never held that many and reopened almost no socket, the switch tests nothing and the claim is unresolved;
 * - what each gather's pool did (gatherPoolRows, gatherPoolTable, connectionsUsedText): peak open connections, new
 *   sockets per batch, httpcore's ConnectionNotAvailable retries per request, and the connections each client used;
 * - the retry churn of httpcore 1.0.x's gathers (retryChurnClaim), a replication of seed-9d1b4a91;
 * - the A/A row (processSpreadReading): the spread between the processes of one arm, next to the gap;
 * - the storm read under its verdict (stormReading); the steady-state table with `unlimited` connection limits and
 *   warm-up sockets (connectionLimitText, seedTable); section 1's table of gathers (gatherBatchTable); the notes under
 *   the FastAPI app's table (appRouteNotes).
 */

const PROCESS_LABEL = / · process (\d+)$/;
const armOf = (label: string): string => label.replace(PROCESS_LABEL, '');

const finite = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** `4,179`: a whole number as the notebook prints µs and counts; '—' for one that could not be computed. */
const whole = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '—');
/** The notebook's number format: fixed digits, '—' for a number that could not be computed. */
const fixed = (x: number, digits = 0): string => (Number.isFinite(x) ? x.toFixed(digits) : '—');
/** The notebook's interval format: `low–high`, '—' without one. */
const range = (low: number, high: number, digits = 0): string =>
  Number.isFinite(low) ? `${fixed(low, digits)}–${fixed(high, digits)}` : '—';
const percent = (x: number): string => (Number.isFinite(x) ? `${Math.round(x * 100)} %` : '—');

// ---------------------------------------------------------------------------------------------------------------
// A gather's pool: peak open connections, new sockets, ConnectionNotAvailable retries

/**
 * A gather as its bench record keeps it (the phase method): each measured trial is one batch, with the target's
 * counters for exactly that batch; the cold first gather is the warm-up; the client's live settings carry httpx's
 * limits and, for httpcore 1.0.x and httpcore2, the worker's ConnectionNotAvailable counter.
 */
export interface GatherRecordLike {
  label: string;
  client: { settings?: Readonly<Record<string, unknown>> };
  warmup?: { sent: number } | null;
  trials: readonly {
    sent: number;
    target: { connectionsOpened: number; peakOpenConnections: number } | null;
  }[];
  error?: { code: string; message: string } | null;
}

export interface GatherRetries {
  retries: number;
  /** Requests the process sent: its cold first gather and every measured batch. */
  requests: number;
  perRequest: number;
}

/**
 * One gather process's ConnectionNotAvailable retries, as the worker counted them (`httpcore.connection_not_available`
 * in the client's settings: it wraps httpcore's `AsyncPoolRequest.clear_connection`, which runs only when a request
 * lost its assigned connection and goes round the pool's retry loop). The counter covers the whole process, so the
 * rate is per request the process sent, its cold first gather included. null where the client has no such counter
 * (httpcore 0.16.3, aiohttp, the transports over aiohttp).
 */
export function gatherRetries(r: GatherRecordLike): GatherRetries | null {
  const counter = r.client.settings?.['httpcore.connection_not_available'];
  if (typeof counter !== 'object' || counter === null) return null;
  const retries = finite(new Map<string, unknown>(Object.entries(counter)).get('retries'));
  if (retries === null) return null;
  const requests = (r.warmup?.sent ?? 0) + r.trials.reduce((n, t) => n + t.sent, 0);
  return { retries, requests, perRequest: requests > 0 ? retries / requests : Number.NaN };
}

/** Whether a gather's client is httpx over its own pool (httpcore or httpcore2), as the worker names it. */
const isHttpxPool = (r: GatherRecordLike): boolean => r.client.settings?.['client'] === 'httpx';

/** The kept batches of an arm (every process, its first `warmupBatches` left out) with the target's counters. */
function keptBatches(processes: readonly GatherRecordLike[], warmupBatches: number) {
  const kept = processes.flatMap((p) => p.trials.slice(warmupBatches));
  const counted = kept.flatMap((t) => (t.target === null ? [] : [{ sent: t.sent, target: t.target }]));
  const peaks = counted.map((t) => t.target.peakOpenConnections);
  return {
    batches: counted.length,
    peakLow: peaks.length ? Math.min(...peaks) : null,
    peakHigh: peaks.length ? Math.max(...peaks) : null,
    opened: counted.reduce((n, t) => n + t.target.connectionsOpened, 0),
    sent: counted.reduce((n, t) => n + t.sent, 0),
  };
}

export interface GatherPoolRow {
  /** The arm: a gather, or the processes of one run in several (`<arm> · process <k>`) read together. */
  label: string;
  processes: number;
  /** Kept batches (after the warm-up rule) whose target counters were recorded, over every process. */
  batches: number;
  /** The fewest and the most connections open at the target at once in a kept batch (each batch's peak). */
  peakLow: number | null;
  peakHigh: number | null;
  /** New sockets the target accepted in the kept batches: per batch (mean) and per request. */
  newPerBatch: number;
  newPerRequest: number;
  /** ConnectionNotAvailable retries per request sent, over every process of the arm; null where not counted. */
  retriesPerRequest: number | null;
  /** The lowest and the highest of its processes (equal with one process); null where not counted. */
  retriesLow: number | null;
  retriesHigh: number | null;
  /** The retries cell: `3.60 (3.60–3.61)`, `not counted` (httpx on httpcore 0.16.3), `— (no httpcore pool)`. */
  retriesText: string;
  /** httpx's max_keepalive_connections and the pool limit the client ran with (null: not recorded). */
  maxKeepalive: number | null;
  poolLimit: number | null;
}

/** The retries cell of a gather row (see GatherPoolRow.retriesText): per request, and per process when several. */
function retriesCell(rate: number, low: number | null, high: number | null, processes: number): string {
  return processes > 1 ? `${rate.toFixed(2)} (${range(low ?? Number.NaN, high ?? Number.NaN, 2)})` : rate.toFixed(2);
}

/**
 * What each gather's pool did in its kept batches (the first `warmupBatches` measured batches of each process left
 * out, as the gap's claims read them): one row per arm, the processes of an arm run in several read together, in
 * order of first appearance. The peak is the target's count per batch; the retries are per process (gatherRetries),
 * and not counted for an arm when one of its processes has no counter.
 */
export function gatherPoolRows(gathers: readonly GatherRecordLike[], warmupBatches: number): GatherPoolRow[] {
  const arms = [...new Set(gathers.map((g) => armOf(g.label)))];
  return arms.map((arm) => {
    const ps = gathers.filter((g) => armOf(g.label) === arm);
    const k = keptBatches(ps, warmupBatches);
    const tallies = ps.map(gatherRetries);
    const counted = tallies.flatMap((t) => (t === null ? [] : [t]));
    const every = counted.length > 0 && counted.length === tallies.length;
    const requests = counted.reduce((n, t) => n + t.requests, 0);
    const retries = counted.reduce((n, t) => n + t.retries, 0);
    const perRequest = every && requests > 0 ? retries / requests : null;
    const rates = counted.map((t) => t.perRequest);
    const low = perRequest === null ? null : Math.min(...rates);
    const high = perRequest === null ? null : Math.max(...rates);
    const first = ps[0];
    const settings = first?.client.settings ?? {};
    const httpx = first !== undefined && isHttpxPool(first);
    const uncounted = httpx ? 'not counted' : '— (no httpcore pool)';
    return {
      label: arm,
      processes: ps.length,
      batches: k.batches,
      peakLow: k.peakLow,
      peakHigh: k.peakHigh,
      newPerBatch: k.batches > 0 ? k.opened / k.batches : Number.NaN,
      newPerRequest: k.sent > 0 ? k.opened / k.sent : Number.NaN,
      retriesPerRequest: perRequest,
      retriesLow: low,
      retriesHigh: high,
      retriesText: perRequest === null ? uncounted : retriesCell(perRequest, low, high, ps.length),
      maxKeepalive: finite(settings['httpx.max_keepalive_connections']),
      poolLimit: poolLimitOf({ client: { name: arm, settings } }),
    };
  });
}

/** The columns of gatherPoolTable, in the order printed. */
export const GATHER_POOL_COLUMNS = [
  'measurement',
  'processes',
  'kept batches',
  'peak open (target), per batch',
  'new sockets per batch',
  'new sockets per request',
  'ConnectionNotAvailable retries per request (per process)',
  'pool limit',
  'max keep-alive',
];

/** gatherPoolRows as the notebook's table prints them (GATHER_POOL_COLUMNS). */
export function gatherPoolTable(rows: readonly GatherPoolRow[]): Record<string, string | number>[] {
  return rows.map((r) => ({
    measurement: r.label,
    processes: r.processes,
    'kept batches': r.batches,
    'peak open (target), per batch': r.peakLow === null ? '—' : `${r.peakLow}–${r.peakHigh}`,
    'new sockets per batch': fixed(r.newPerBatch, 1),
    'new sockets per request': fixed(r.newPerRequest, 3),
    'ConnectionNotAvailable retries per request (per process)': r.retriesText,
    'pool limit': r.poolLimit ?? '—',
    'max keep-alive': r.maxKeepalive ?? '—',
  }));
}

/**
 * The connections each client used in the gathers at 0 ms, per set (`<set> · httpx pool=None @ 0 ms` against
 * `<set> · aiohttp @ 0 ms`), and what that means for every gather ratio: they compare the clients as configured (the
 * pool limit each was allowed) and as their pools behave (the connections each held). '' when no set has both rows.
 */
export function connectionsUsedText(rows: readonly GatherPoolRow[], sets: readonly string[]): string {
  const pairs = sets.flatMap((set) => {
    const h = rows.find((r) => r.label === `${set} · httpx pool=None @ 0 ms`);
    const a = rows.find((r) => r.label === `${set} · aiohttp @ 0 ms`);
    if (!h || !a || h.peakHigh === null || a.peakHigh === null) return [];
    return [{ set, httpx: h.peakHigh, aiohttp: a.peakHigh, keepalive: h.maxKeepalive, limit: h.poolLimit }];
  });
  if (pairs.length === 0) return '';
  const per = pairs.map((p) => `\`${p.set}\` httpx ${p.httpx}, aiohttp ${p.aiohttp}`);
  // httpx held no more connections than its keep-alive limit while aiohttp held more: the pools behaved differently.
  const held = pairs.filter((p) => p.keepalive !== null && p.httpx <= p.keepalive && p.aiohttp > p.keepalive);
  const names = held.map((p) => `\`${p.set}\``).join(', ');
  const most = Math.max(...held.map((p) => p.httpx));
  const aiohttp = [...new Set(held.map((p) => p.aiohttp))].join(' / ');
  const limits = [...new Set(held.map((p) => p.keepalive))].join(' / ');
  const behave = held.length
    ? `on ${names} httpx held at most ${most} connections, never more than its max_keepalive_connections (${limits}), where aiohttp used ${aiohttp}`
    : 'here each client held about as many connections as the other';
  return `**Connections each client used** (the most open at the target in a kept batch at 0 ms; both allowed ${pairs[0]?.limit ?? '—'}): ${per.join('; ')}. Every gather ratio here compares the clients as configured *and* as their pools behave: ${behave}.`;
}

// ---------------------------------------------------------------------------------------------------------------
// The premise of the keep-alive switch (closes-keepalive-gather)

/**
 * The premise's reopen rate: at least this many new sockets per request in the default arm's kept batches (the
 * storm's threshold, one in twenty: the claims cell).
 */
export const KEEPALIVE_PREMISE_MIN_REOPEN = 0.05;

export interface KeepalivePremise {
  /** The close the switch turns off could have fired: more than max_keepalive_connections open, or reopens. */
  present: boolean;
  /** Whether any kept batch of the arm recorded the target's counters. */
  measured: boolean;
  arm: string;
  peakLow: number | null;
  peakHigh: number | null;
  maxKeepalive: number | null;
  reopened: number;
  requests: number;
  perRequest: number;
  batches: number;
  /** `premise present: …`, `premise absent: …` or `premise not measured: …`, with the figures. */
  text: string;
}

/**
 * Whether the keep-alive switch has anything to switch off (stated before the run after seed-9d1b4a91): httpcore
 * closes an idle connection for the keep-alive limit only while its pool holds more than max_keepalive_connections
 * (1.0.9 connection_pool.py L292–L299), so the premise of `closes-keepalive-gather` is present when, in the kept
 * batches of the default arm (`arm`, every process of it), more than max_keepalive_connections connections were open
 * at a batch's peak, or the target accepted at least KEEPALIVE_PREMISE_MIN_REOPEN new sockets per request. Absent
 * otherwise; not measured (and so not present) when no kept batch recorded the target's counters.
 */
export function keepaliveClosePremise(
  gathers: readonly GatherRecordLike[],
  arm: string,
  warmupBatches: number,
): KeepalivePremise {
  const ps = gathers.filter((g) => armOf(g.label) === arm);
  const k = keptBatches(ps, warmupBatches);
  const perRequest = k.sent > 0 ? k.opened / k.sent : Number.NaN;
  const maxKeepalive = finite(ps[0]?.client.settings?.['httpx.max_keepalive_connections']);
  const measured = k.batches > 0 && k.sent > 0;
  const overLimit = maxKeepalive !== null && k.peakHigh !== null && k.peakHigh > maxKeepalive;
  const present = measured && (overLimit || perRequest >= KEEPALIVE_PREMISE_MIN_REOPEN);
  const limit = maxKeepalive ?? 'not recorded';
  const held = `the pool held ${k.peakLow ?? '—'}–${k.peakHigh ?? '—'} connections at a batch's peak (max_keepalive_connections ${limit})`;
  const sockets = `the target accepted ${k.opened} new sockets for ${k.sent} requests (${fixed(perRequest, 4)} per request)`;
  const need = `more than ${limit} open at a peak, or at least ${KEEPALIVE_PREMISE_MIN_REOPEN} new sockets per request`;
  let text = `premise not measured: no kept batch of ${arm} recorded the target's counters`;
  if (measured && present)
    text = `premise present: in the kept batches of ${arm} ${held} and ${sockets} (the premise: ${need})`;
  if (measured && !present)
    text = `premise absent: in the kept batches of ${arm} ${held} and ${sockets}, where the premise needs ${need}: httpcore closes an idle connection for the keep-alive limit only while its pool holds more than max_keepalive_connections, so switching that close off tests nothing here`;
  return {
    present,
    measured,
    arm,
    peakLow: k.peakLow,
    peakHigh: k.peakHigh,
    maxKeepalive,
    reopened: k.opened,
    requests: k.sent,
    perRequest,
    batches: k.batches,
    text,
  };
}

/**
 * A claim decided only when its premise is present (stated before the run after seed-9d1b4a91): with the premise
 * present the verdict is returned as it was, its evidence naming the premise; absent (or not measured) it is
 * unresolved, never "does not hold", with the premise as its reason (`comparable: false`; `illPosed`: the statistic
 * does not bear on the mechanism the claim names) and what the data said without it (`outcomeWithoutPremise`). The
 * guard's `unguardedOutcome` is dropped (a result that tests nothing points no way); a guard's reason follows the
 * premise's.
 */
export function requirePremise(v: VerdictData, premise: Pick<KeepalivePremise, 'present' | 'text'>): VerdictData {
  if (premise.present) return { ...v, evidence: { ...v.evidence, premise: premise.text } };
  const { unguardedOutcome: _pointsNoWay, ...rest } = v.evidence;
  const guard = rest['comparable'] === false && typeof rest['reason'] === 'string' ? `; ${rest['reason']}` : '';
  return {
    ...v,
    outcome: 'unresolved',
    holds: false,
    evidence: {
      ...rest,
      premise: premise.text,
      outcomeWithoutPremise: v.outcome,
      illPosed: premise.text,
      comparable: false,
      reason: `${premise.text}${guard}`,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The retry churn of httpcore 1.0.x's gathers (a replication of seed-9d1b4a91)

/** A gather at 0 ms: the only process of it, or one of several. */
const AT_0_MS = / @ 0 ms( · process \d+)?$/;

/**
 * Every `set` httpx gather at 0 ms (httpx over its own pool: its defaults, pool=None, keep-alive = 100, uvloop, fast_acquire; every
 * process of each) makes at least `minPerRequest` ConnectionNotAvailable retries per request it sends (gatherRetries).
 * A count claim, exploratory; with `replicates` a replication of the run that saw it before the threshold was set.
 * Holds when every such gather reaches it, fails when one does not; unresolved (not measured) when there is none, or
 * when one errored or has no counter.
 */
export function retryChurnClaim(input: {
  id: string;
  gathers: readonly GatherRecordLike[];
  set: string;
  minPerRequest: number;
  replicates?: Replicates;
}): VerdictData {
  const chosen = input.gathers.filter(
    (g) => g.label.startsWith(`${input.set} · `) && AT_0_MS.test(g.label) && isHttpxPool(g),
  );
  const read = chosen.map((g) => ({ label: g.label, tally: gatherRetries(g), error: g.error ?? null }));
  const missing = read.filter((x) => x.tally === null || x.error !== null);
  const counted = read.flatMap((x) => (x.tally === null || x.error !== null ? [] : [{ label: x.label, ...x.tally }]));
  const sorted = [...counted].sort((a, b) => a.perRequest - b.perRequest);
  const lowest = sorted[0];
  const highest = sorted[sorted.length - 1];
  const noData = chosen.length === 0 || missing.length > 0;
  const r = input.replicates;
  const claim = `${input.set}: every httpx gather at 0 ms (httpx over its own pool, every process of every arm) makes at least ${input.minPerRequest} ConnectionNotAvailable retry per request it sends (the worker's counter over the whole process, its cold first gather included).`;
  const perGather = counted.map((x) => `${x.label} ${x.perRequest.toFixed(3)} (${x.retries} in ${x.requests})`);
  const v = countClaim({
    id: input.id,
    claim: r ? replicationText(r, claim) : claim,
    kind: 'exploratory',
    holds: !noData && counted.every((x) => x.perRequest >= input.minPerRequest),
    unresolved: noData,
    evidence: {
      ...(r ? { replicates: r.run, replicatedValue: r.value } : {}),
      threshold: `at least ${input.minPerRequest} per request in every gather`,
      gathers: chosen.length,
      lowestPerRequest: lowest?.perRequest ?? null,
      lowestGather: lowest?.label ?? null,
      highestPerRequest: highest?.perRequest ?? null,
      perGather: perGather.join('; '),
    },
  });
  if (!noData) return v;
  const why = missing.map((x) => `${x.label} ${x.error ? `errored (${x.error.code})` : 'has no retry counter'}`);
  const notMeasured = chosen.length === 0 ? `no ${input.set} httpx gather at 0 ms` : why.join('; ');
  return { ...v, evidence: { ...v.evidence, noData: true, notMeasured } };
}

// ---------------------------------------------------------------------------------------------------------------
// The A/A row: the spread between the processes of one arm, next to the gap

export interface ProcessSpreadReading {
  arm: string;
  /** Each process's median CPU µs/request over its kept batches, in the order of their numbers. */
  processMedians: number[];
  /** Largest − smallest of them (NaN with one process). */
  spreadUs: number;
  /** The gap: the median of the arm's kept batches (all processes) − that of the reference's. */
  gapUs: number;
  /** `materiality` × the gap: the µs/request a switch must close to hold (0.10, the switches' threshold). */
  materialUs: number;
  materiality: number;
  text: string;
}

/** A gather's CPU µs/request per kept batch. */
const cpuOf = (m: GatherSample<unknown>): number[] => (m.method?.blocks ?? []).map((b) => b.cpuMicrosPerRequest);

/**
 * The A/A row (declared before the run after seed-9d1b4a91): how far apart the processes of one arm run (`arm`: the
 * gap's httpx arm, read in several processes), next to the gap it is the high end of (`low`: aiohttp) and to the part
 * of that gap a counted switch must close (`materiality`, 0.10). A reading, not a verdict: it says how large the
 * variation between processes is against the effects the claims are about.
 */
export function processSpreadReading(
  arm: GatherSample<unknown>,
  low: GatherSample<unknown>,
  materiality = 0.1,
): ProcessSpreadReading {
  const ps = arm.processes ?? [arm];
  const processMedians = ps.map((p) => finiteMedian(cpuOf(p)));
  const spreadUs = ps.length > 1 ? Math.max(...processMedians) - Math.min(...processMedians) : Number.NaN;
  const gapUs = finiteMedian(cpuOf(arm)) - finiteMedian(cpuOf(low));
  const materialUs = materiality * gapUs;
  const gap = `the gap \`${arm.label}\` − \`${low.label}\` of ${whole(gapUs)} µs/request`;
  const costs = processMedians.map(whole).join(', ');
  const text =
    ps.length > 1
      ? `**Between processes** (the A/A row, declared before the run after seed-9d1b4a91): the ${ps.length} processes of \`${arm.label}\` cost ${costs} µs/request (medians of their kept batches), a spread of **${whole(spreadUs)} µs/request**, next to ${gap}, whose ${percent(materiality)} (**${whole(materialUs)} µs/request**) is what a switch must close to hold: the spread between processes is ${percent(spreadUs / gapUs)} of the gap, ${fixed(spreadUs / materialUs, 2)}× that threshold.`
      : `**Between processes** (the A/A row): \`${arm.label}\` ran in one process, so no spread between processes is measured; ${gap} (${percent(materiality)} of it: ${whole(materialUs)} µs/request).`;
  return { arm: arm.label, processMedians, spreadUs, gapUs, materialUs, materiality, text };
}

// ---------------------------------------------------------------------------------------------------------------
// The storm, read under its verdict

export interface StormReading {
  opened: number;
  requests: number;
  perRequest: number;
  blocks: number;
  /** Blocks below the stated threshold, and the fewest new sockets per request of a block. */
  blocksBelow: number;
  minBlock: number;
  /** The fewest and the most connections open at the target at a window's peak; null: not recorded. */
  peakLow: number | null;
  peakHigh: number | null;
  poolLimit: number | null;
  text: string;
}

const OUTCOME_WORDS: Readonly<Record<string, string>> = {
  holds: 'holds',
  fails: 'does not hold',
  unresolved: 'is unresolved',
};

/**
 * What a storm measurement measured, printed under its verdict (stated before the run after seed-9d1b4a91, whose
 * `storm-2022` failed its replication): new sockets per request over its measured windows and in each block against
 * the stated threshold, and how many connections its pool held at a window's peak against its pool limit (the claims
 * cell's mechanism assumes about that many busy).
 */
export function stormReading(
  m: SeedMeasurement,
  v: Pick<VerdictData, 'id' | 'outcome'>,
  minPerRequest: number,
): StormReading {
  const blocks = [...socketsPerBlock(m).values()].map((b) => b.perRequest);
  const total = socketsOpened(m);
  const peaks = (m.trials ?? []).flatMap((t) =>
    t.target && typeof t.target.peakOpenConnections === 'number' ? [t.target.peakOpenConnections] : [],
  );
  const peakLow = peaks.length ? Math.min(...peaks) : null;
  const peakHigh = peaks.length ? Math.max(...peaks) : null;
  const blocksBelow = blocks.filter((x) => !(x >= minPerRequest)).length;
  const minBlock = blocks.length ? Math.min(...blocks) : Number.NaN;
  const poolLimit = poolLimitOf(m);
  const fewest = `the fewest ${fixed(minBlock, 3)} per request`;
  let blocksText = 'no measured block';
  if (blocks.length > 0 && blocksBelow > 0)
    blocksText = `${blocksBelow} of ${blocks.length} blocks below the stated ${minPerRequest} (${fewest})`;
  if (blocks.length > 0 && blocksBelow === 0)
    blocksText = `every one of ${blocks.length} blocks at or above the stated ${minPerRequest} (${fewest})`;
  let poolText = 'the target did not record its peak open connections';
  if (peakLow !== null) poolText = `its pool held ${peakLow}–${peakHigh} connections at a window's peak`;
  if (peakLow !== null && poolLimit !== null)
    poolText += `, not the ~${poolLimit} (its pool limit) the claim's mechanism assumed busy`;
  const outcome = OUTCOME_WORDS[v.outcome] ?? v.outcome;
  const sockets = `opened ${whole(total.opened)} new sockets for ${whole(total.requests)} requests in its measured windows (${fixed(total.perRequest, 2)} per request)`;
  const text = `**\`${v.id}\` ${outcome}, and what it measured**: \`${m.label}\` ${sockets}, ${blocksText}; ${poolText}.`;
  return {
    opened: total.opened,
    requests: total.requests,
    perRequest: total.perRequest,
    blocks: blocks.length,
    blocksBelow,
    minBlock,
    peakLow,
    peakHigh,
    poolLimit,
    text,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The steady-state table: connection limits as configured, 'unlimited' included, and warm-up sockets

/**
 * Whether the client ran without a connection limit, from its live settings: aiohttp's connector limit 0, httpx's
 * max_connections None, Node's http.Agent maxSockets Infinity, undici's `connections` null (`unlimited (null)`).
 */
function unlimitedConnections(settings: Readonly<Record<string, unknown>>): boolean {
  if (settings['aiohttp.limit'] === 0) return true;
  if ('httpx.max_connections' in settings && settings['httpx.max_connections'] === null) return true;
  const maxSockets = settings['maxSockets'];
  if (maxSockets === 'Infinity' || maxSockets === Number.POSITIVE_INFINITY) return true;
  if (!('connections' in settings)) return false;
  const c = settings['connections'];
  return c === null || (typeof c === 'string' && c.startsWith('unlimited'));
}

/**
 * The `pool limit (configured)` cell: `unlimited` for a client that ran with no connection limit (its live settings
 * say so: the Node clients here), else min(C, the limit) as seedRows computes it (`lanes`), '—' when not recorded.
 */
export function connectionLimitText(
  m: { client: { settings?: Readonly<Record<string, unknown>> } },
  lanes: number | null,
): string | number {
  return unlimitedConnections(m.client.settings ?? {}) ? 'unlimited' : (lanes ?? '—');
}

/** A steady-state record as seedTable reads it: the target's count of sockets opened in the warm-up too. */
export type SeedTableRecord = SeedMeasurement & { target?: { connectionsOpenedWarmup: number } | null };

/**
 * The steady-state table of sections 2–5 (seedRows, formatted as the notebook prints it): the pool limit as
 * configured (`unlimited` where the client has none: connectionLimitText), and with `warmupSockets` the sockets the
 * target accepted during the warm-up, beside those of the measured windows.
 */
export function seedTable(
  records: readonly SeedTableRecord[],
  reference: SeedMeasurement | undefined,
  options: { warmupSockets?: boolean } = {},
): { rows: Record<string, string | number>[]; columns: string[] } {
  const vs = `CPU ÷ ${reference?.label ?? 'reference'}`;
  const rows = seedRows(records, reference).map((r, k) => {
    const record = records[k] as SeedTableRecord;
    return {
      measurement: r.label,
      rounds: r.rounds,
      'req/s': fixed(r.rps),
      'req/s 95 %': range(r.rpsLow, r.rpsHigh),
      'p50 ms': fixed(r.p50Ms, 1),
      'p99 ms': fixed(r.p99Ms, 1),
      'CPU µs/req': fixed(r.cpuUs),
      'CPU 95 %': range(r.cpuLow, r.cpuHigh),
      [vs]: fixed(r.cpuVsReference, 2),
      'ratio 95 %': range(r.cpuVsLow, r.cpuVsHigh, 2),
      'sockets opened': r.sockets,
      'sockets opened (warm-up)': record.target?.connectionsOpenedWarmup ?? '—',
      'served in flight': fixed(r.servedInFlight),
      C: r.concurrency ?? '—',
      'pool limit (configured)': connectionLimitText(record, r.lanes),
      'peak open (target)': r.peakOpenConnections ?? '—',
      tier: r.tier ?? '—',
      flags: r.flags || '—',
    };
  });
  const head = ['measurement', 'rounds', 'req/s', 'req/s 95 %', 'p50 ms', 'p99 ms', 'CPU µs/req', 'CPU 95 %', vs];
  const sockets = options.warmupSockets === true ? ['sockets opened', 'sockets opened (warm-up)'] : ['sockets opened'];
  const tail = ['served in flight', 'C', 'pool limit (configured)', 'peak open (target)', 'tier', 'flags'];
  return { rows, columns: [...head, 'ratio 95 %', ...sockets, ...tail] };
}

// ---------------------------------------------------------------------------------------------------------------
// Section 1's table of gathers

/** A gather as section 1's table reads it: batch times, errors, the target's count and the cold first gather. */
export interface GatherTableRecord extends GatherLike {
  status: string;
  error: { code: string } | null;
  target: { connectionsOpenedMeasured: number };
  warmup: { ok: number; errors: { total: number; byCode: Readonly<Record<string, number>> } } | null;
}

/** The columns of gatherBatchTable, in the order printed. */
export const GATHER_BATCH_COLUMNS = [
  'measurement',
  'first gather (cold client): ok / errors',
  'batch ms (median)',
  '95 % interval',
  'trials',
  'sockets opened (measured)',
  'per request',
  'errors',
];

/** The cold first gather's cell: `512 / 0`, or `100 / 412 (PoolTimeout)`. */
function coldCell(w: GatherTableRecord['warmup']): string {
  if (w === null) return '—';
  const codes = w.errors.total ? ` (${Object.keys(w.errors.byCode).join(', ')})` : '';
  return `${w.ok} / ${w.errors.total}${codes}`;
}

/**
 * Section 1's table: one row per gather (each process of an arm run in several its own row): its median batch time
 * over every measured batch (the warm-up batches of the standard profile included: section 1b leaves them out) with
 * its interval (its coverage when below 95 %), the sockets the target accepted in the measured batches, the errors,
 * and the cold first gather; an errored or error-dominated gather is labelled, with no batch time.
 */
export function gatherBatchTable(records: readonly GatherTableRecord[]): Record<string, string | number>[] {
  return records.map((r) => {
    const b = batchTimeRow(r);
    const status = r.status === 'completed' ? '' : `${r.status}${r.error ? ` (${r.error.code})` : ''}`;
    const flags = [status, b.errorDominated ? 'error-dominated' : ''].filter(Boolean);
    const interval = range(b.low, b.high, 1);
    const covered = b.coverage >= 0.95 ? interval : `${interval} (${Math.round(b.coverage * 100)} %)`;
    return {
      measurement: flags.length ? `${r.label} [flagged: ${flags.join(', ')}]` : r.label,
      'first gather (cold client): ok / errors': coldCell(r.warmup),
      'batch ms (median)': b.errorDominated ? 'error-dominated' : fixed(b.batchMs, 1),
      '95 % interval': b.errorDominated ? '—' : covered,
      trials: b.trials,
      'sockets opened (measured)': r.target.connectionsOpenedMeasured,
      'per request': fixed(r.target.connectionsOpenedMeasured / Math.max(1, b.attempts), 2),
      errors: b.errors ? `${b.errors} of ${b.attempts} (${b.errorCodes})` : '0',
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The optional contenders (issue 14 item 1): niquests, pyreqwest, curl_cffi in the gather of 512 at 0 ms

/** The client set that installs them (optional: bootstrap builds it only when asked). */
export const CONTENDER_SET = 'contenders';
/** Their names in the runner (@casebook/runner CONTENDER_CLIENTS), in the order they run. */
const CONTENDERS = ['niquests', 'pyreqwest', 'curl_cffi'] as const;
/** The gather every contender is compared with, as an exploratory ratio only. */
export const CONTENDER_REFERENCE = 'latest · aiohttp @ 0 ms';
/** The mark every contender's label carries, so no listing shows one without it. */
const CONTENDER_MARK = 'optional contender';

/** `contenders · niquests (optional contender) @ 0 ms`. */
const contenderLabel = (client: string): string => `${CONTENDER_SET} · ${client} (${CONTENDER_MARK}) @ 0 ms`;

/**
 * The contenders' gathers at 0 ms (stated before the run, cell `stated-before-next-run-contenders`): one process each,
 * every library at its defaults (no pool switch), on the `contenders` set. Exploratory: no claim reads them.
 */
export function contenderGathers(): { client: string; set: string; delayMs: number; label: string }[] {
  return CONTENDERS.map((client) => ({ client, set: CONTENDER_SET, delayMs: 0, label: contenderLabel(client) }));
}

/**
 * The gathers of a run split in two: the contenders (by their label) and every other gather. The gathers the
 * claims, tables and checks of the seed read are the others only, so a contender can enter none of them.
 */
export function splitContenders<T extends { label: string }>(records: readonly T[]): { gather: T[]; contenders: T[] } {
  const mine = (r: T) => r.label.startsWith(`${CONTENDER_SET} · `) && r.label.includes(`(${CONTENDER_MARK})`);
  return { gather: records.filter((r) => !mine(r)), contenders: records.filter(mine) };
}

const numberOr = (x: unknown): number | null => finite(x);

/**
 * The pool limit a contender ran with, as read back from its live client (the worker's settings), with what it
 * bounds: niquests `pool_maxsize` (connections per origin; the pool manager's value before a host pool existed),
 * curl_cffi `max_clients` (curl handles, i.e. transfers in flight), pyreqwest `max_connections` (requests in flight:
 * not readable from the live client, so what was asked of its builder is shown, or `none asked: no limit`); aiohttp's
 * connector `limit` for the reference. '—' where nothing was recorded.
 */
export function contenderPoolLimit(settings: Readonly<Record<string, unknown>>): string {
  const niquests = numberOr(settings['niquests.pool_maxsize']) ?? numberOr(settings['niquests.poolmanager.maxsize']);
  if (niquests !== null) return `${niquests} connections (niquests pool_maxsize)`;
  const curl = numberOr(settings['curl_cffi.handle_pool.maxsize']) ?? numberOr(settings['curl_cffi.max_clients']);
  if (curl !== null) return `${curl} transfers (curl_cffi max_clients)`;
  if ('pyreqwest.builder' in settings) {
    const live = numberOr(settings['pyreqwest.max_connections']);
    if (live !== null) return `${live} requests in flight (pyreqwest max_connections)`;
    const b = settings['pyreqwest.builder'];
    const asked =
      typeof b === 'object' && b !== null ? numberOr(new Map(Object.entries(b)).get('max_connections')) : null;
    return asked === null
      ? 'not readable (pyreqwest; none asked: no limit by default)'
      : `not readable (pyreqwest; asked ${asked} requests in flight)`;
  }
  const aiohttp = numberOr(settings['aiohttp.limit']);
  return aiohttp === null ? '—' : `${aiohttp} connections (aiohttp limit)`;
}

/** The columns of contenderTable, in the order printed. */
export const CONTENDER_COLUMNS = [
  'measurement',
  'batches kept (of measured)',
  'batch ms (median)',
  'CPU µs/req',
  `÷ ${CONTENDER_REFERENCE} (exploratory)`,
  'ratio 95 %',
  'peak open (target), per batch',
  'new sockets per request',
  'pool limit (read back)',
  'errors',
  'flagged',
];

/** A contender's gather record as the table reads it: the batches (gatherSample) and the pool (gatherPoolRows). */
export type ContenderRecord = GatherBatchesLike & GatherRecordLike & GatherLike;

/**
 * The contenders' table (exploratory, never counted; stated before the run): each contender's gather read as the gap's
 * gathers are (its first `warmupBatches` measured batches left out, gatherSample), its median batch time and CPU µs
 * per request, and its CPU per request ÷ `latest · aiohttp @ 0 ms` (its processes read together) with the same
 * Hodges–Lehmann ratio and interval as section 1b's table (gatherCpuRows); the connections open at the target at
 * each kept batch's peak and the new sockets per request (gatherPoolRows), the pool limit read back from the live
 * client, and the errors over every measured batch. The reference comes first (its processes read together, no
 * ratio); each contender's row says it is exploratory and never counted. Without the reference (the `latest` set not
 * measured) there is no first row and every ratio is '—'.
 */
export function contenderTable(
  contenders: readonly ContenderRecord[],
  gathers: readonly ContenderRecord[],
  warmupBatches: number,
): Record<string, string | number>[] {
  const refs = gathers.filter((g) => armOf(g.label) === CONTENDER_REFERENCE);
  const reference = replicatedGathers(refs.map((g) => gatherSample(g, warmupBatches)))[0];
  const rows = [...(refs[0] ? [refs[0]] : []), ...contenders];
  const samples = [...(reference ? [reference] : []), ...contenders.map((c) => gatherSample(c, warmupBatches))];
  const cpu = gatherCpuRows(samples, () => reference);
  const pools = gatherPoolRows([...refs, ...contenders], warmupBatches);
  return rows.map((c, i) => {
    const r = cpu[i];
    const p = pools.find((x) => x.label === r?.label);
    // The reference's errors over every process; a contender's over its one.
    const b =
      i === 0 && reference
        ? batchTimeRow({ label: CONTENDER_REFERENCE, trials: refs.flatMap((g) => g.trials) })
        : batchTimeRow(c);
    return {
      measurement:
        i === 0 && reference ? `${CONTENDER_REFERENCE} (the reference)` : `${c.label} — exploratory, never counted`,
      'batches kept (of measured)': r ? `${r.kept} (of ${r.measured})` : '—',
      'batch ms (median)': fixed(r?.batchMs ?? Number.NaN, 1),
      'CPU µs/req': whole(r?.cpuUs ?? Number.NaN),
      [`÷ ${CONTENDER_REFERENCE} (exploratory)`]: fixed(r?.vs ?? Number.NaN, 2),
      'ratio 95 %': range(r?.vsLow ?? Number.NaN, r?.vsHigh ?? Number.NaN, 2),
      'peak open (target), per batch': p && p.peakLow !== null ? `${p.peakLow}–${p.peakHigh}` : '—',
      'new sockets per request': fixed(p?.newPerRequest ?? Number.NaN, 3),
      'pool limit (read back)': contenderPoolLimit(c.client.settings ?? {}),
      errors: b.errors ? `${b.errors} of ${b.attempts} (${b.errorCodes})` : '0',
      // Its own guard flags and fault, and the reference's (gatherCpuRows): 'none' when neither has one.
      flagged: r?.flagged ?? '—',
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The seed's FastAPI app: CPU per request, what bounded a closed loop, and where the time went

/** `httpx 6–49 ms`, `httpx 4,532–5,245 µs`: a route's values, lowest–highest. */
const routeRange = (route: string, xs: readonly number[], unit: string): string =>
  `${route} ${whole(Math.min(...xs))}–${whole(Math.max(...xs))} ${unit}`;

/**
 * The notes printed under the app's table, computed from its run (empty ones left out): the app's CPU µs per request
 * per route over the open loop's rates (appCpuUsPerRequest), the closed loops the load generator's connections bounded
 * rather than the app (appBound: the open loop's rates are fractions of those, not of the app's saturation), the time
 * above the upstream's delay, and Little's bound on the time inside the app.
 */
export function appRouteNotes(run: AppRun): string[] {
  const routes = [...new Set(run.points.map((p) => p.route))];
  const open = run.points.filter((p) => p.generator === 'open-loop');
  const cpu = routes.flatMap((route) => {
    const xs = open.filter((p) => p.route === route).map(appCpuUsPerRequest);
    const known = xs.filter(Number.isFinite);
    return known.length ? [routeRange(route, known, 'µs')] : [];
  });
  const bounded = run.points.filter((p) => p.generator === 'closed-loop' && appBound(p).startsWith('bounded by'));
  const closed = bounded.map((p) => `\`${p.route}\`'s closed loop (${appBound(p)})`);
  const timed = open.filter((p) => p.latencyMs);
  const above = routes.flatMap((route) => {
    const p50s = timed.filter((p) => p.route === route).map((p) => p.latencyMs?.p50 ?? Number.NaN);
    const xs = p50s.map((x) => x - run.target.delayMs);
    return xs.length ? [routeRange(route, xs, 'ms')] : [];
  });
  const inside = timed.flatMap((p) => {
    const bound = inAppBoundMs(p);
    const peak = routePeakInFlight(p);
    const p50 = fixed(p.latencyMs?.p50 ?? Number.NaN);
    const at = `${p.route} at ${fixed(p.throughputRps)} req/s, peak ${peak} in flight`;
    return bound === null ? [] : [`${at}: ≤ ${fixed(bound)} ms of its ${p50} ms p50`];
  });
  const connections = bounded[0]?.connections ?? '—';
  return [
    cpu.length
      ? `**The app's CPU per request** (its share of its core ÷ throughput, open loop, lowest–highest over the offered rates): ${cpu.join(', ')}.`
      : '',
    closed.length
      ? `**Bounded by the load generator, not the app**: ${closed.join(', ')}. That route's "saturation" throughput, of which the open loop offers fractions, is what ${connections} connections carry at its latency, not the app's saturation.`
      : '',
    above.length
      ? `**Above the upstream's ${run.target.delayMs} ms** (open loop, p50 − delay, per route): ${above.join(', ')}. This run measures that time, not where it goes (no per-hop timing): no cause is given here.`
      : '',
    inside.length
      ? `**Inside the app at most** (Little's law: mean time in the app ≤ the route's peak in flight ÷ throughput; the rest of the p50 is outside the app, in the load generator and the socket queues): ${inside.join('; ')}.`
      : '',
  ].filter((x) => x !== '');
}
