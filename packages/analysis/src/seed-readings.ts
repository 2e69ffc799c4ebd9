import {
  APP_IDLE_BELOW,
  type AppPointLike,
  type AppRun,
  appBound,
  appCpuUsPerRequest,
  appWindowRequests,
  batchTimeRow,
  cpuGap,
  cpuRatioClaim,
  finiteMedian,
  type GatherBatchesLike,
  type GatherLike,
  type GatherSample,
  type GatherWarmup,
  gatherCpuRows,
  gatherSample,
  gatherWarmupOf,
  inAppBoundMs,
  poolLimitOf,
  type Replicates,
  replicatedGathers,
  replicationText,
  routePeakInFlight,
  type SeedMeasurement,
  seedRows,
  settledPoolOf,
  socketsOpened,
  socketsPerBlock,
} from './seed';
import { type RetryMeasurement, retryRows } from './seed-stalls';
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
    /** The batch's time and CPU (the warm-up in time reads the times; section 1b prints the CPU per kept batch). */
    durationMs?: number;
    cpuMicrosPerRequest?: number;
    target: { connectionsOpened: number; peakOpenConnections: number } | null;
    /** The worker's pool counters over the batch (since seed-e65a2755's next run); the retries read here. */
    poolCounters?: { retries: number | null } | undefined;
  }[];
  error?: { code: string; message: string } | null;
}

export interface GatherRetries {
  retries: number;
  /** Requests the process sent: its cold first gather and every measured batch. */
  requests: number;
  perRequest: number;
}

/** A counter the worker recorded in a process's live settings (an object under `key`), or null. */
function workerCounter(r: GatherRecordLike, key: string): Map<string, unknown> | null {
  const c = r.client.settings?.[key];
  return typeof c === 'object' && c !== null ? new Map<string, unknown>(Object.entries(c)) : null;
}

/** Requests a gather process sent: its cold first gather and every measured batch. */
const processRequests = (r: GatherRecordLike): number =>
  (r.warmup?.sent ?? 0) + r.trials.reduce((n, t) => n + t.sent, 0);

/**
 * One gather process's ConnectionNotAvailable retries, as the worker counted them (`httpcore.connection_not_available`
 * in the client's settings: it wraps httpcore's `AsyncPoolRequest.clear_connection`, which runs only when a request
 * lost its assigned connection and goes round the pool's retry loop). The counter covers the whole process, so the
 * rate is per request the process sent, its cold first gather included. null where the client has no such counter
 * (httpcore 0.16.3, aiohttp, the transports over aiohttp).
 */
export function gatherRetries(r: GatherRecordLike): GatherRetries | null {
  const counter = workerCounter(r, 'httpcore.connection_not_available');
  const retries = finite(counter?.get('retries'));
  if (retries === null) return null;
  const requests = processRequests(r);
  return { retries, requests, perRequest: requests > 0 ? retries / requests : Number.NaN };
}

/**
 * One gather process's ConnectionNotAvailable retries over its kept batches (stated after seed-894dfcb9, its second
 * reader's finding 8: "every figure reads the kept batches", where the whole-process counter put the cold first
 * gather in): the sum of each kept batch's own counter (`poolCounters.retries`, snapshotted at every batch boundary)
 * per request of those batches. null where a kept batch has no per-batch counter (a record before it existed,
 * httpcore 0.16.3, aiohttp), or no batch is kept.
 */
export function keptGatherRetries(r: GatherRecordLike, warmupBatches: GatherWarmup): GatherRetries | null {
  const kept = r.trials.slice(gatherWarmupOf(r, warmupBatches));
  const counts = kept.map((t) => finite(t.poolCounters?.retries));
  if (kept.length === 0 || !counts.every((c): c is number => c !== null)) return null;
  const retries = counts.reduce((a, b) => a + b, 0);
  const requests = kept.reduce((n, t) => n + t.sent, 0);
  return { retries, requests, perRequest: requests > 0 ? retries / requests : Number.NaN };
}

/** A gather process's guard flags under `warmupBatches` (gatherSample), read from its record as GatherRecordLike. */
function processFlags(r: GatherRecordLike, warmupBatches: GatherWarmup): string[] {
  const sample = gatherSample(
    {
      ...r,
      client: { name: r.label, ...r.client },
      trials: r.trials.map((t) => ({
        ...t,
        durationMs: t.durationMs ?? 0,
        cpuMicrosPerRequest: t.cpuMicrosPerRequest ?? Number.NaN,
      })),
    },
    warmupBatches,
  );
  return [...(sample.guards?.flags ?? [])];
}

/** Whether a gather's client is httpx over its own pool (httpcore or httpcore2), as the worker names it. */
const isHttpxPool = (r: GatherRecordLike): boolean => r.client.settings?.['client'] === 'httpx';

/** The kept batches of an arm (every process, its first `warmupBatches` left out) with the target's counters. */
function keptBatches(processes: readonly GatherRecordLike[], warmupBatches: GatherWarmup) {
  const kept = processes.flatMap((p) => p.trials.slice(gatherWarmupOf(p, warmupBatches)));
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
  /** Where the retries were read: each kept batch's own counter (`kept batches`), or the whole process's. */
  retriesOver: 'kept batches' | 'whole process' | null;
  /** The processes of the arm its guards flagged (gatherSample under the same rule), by label; [] when none. */
  flaggedProcesses: string[];
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
 * order of first appearance. The peak is the target's count per batch; the retries are per process, over its kept
 * batches (keptGatherRetries, since seed-894dfcb9) where every process has per-batch counters, else over the whole
 * process (gatherRetries; the cell then says `whole process`), and not counted for an arm when one of its processes has
 * no counter. Each row names the processes its guards flagged (flaggedProcesses).
 */
export function gatherPoolRows(gathers: readonly GatherRecordLike[], warmupBatches: GatherWarmup): GatherPoolRow[] {
  const arms = [...new Set(gathers.map((g) => armOf(g.label)))];
  return arms.map((arm) => {
    const ps = gathers.filter((g) => armOf(g.label) === arm);
    const k = keptBatches(ps, warmupBatches);
    // The kept batches' own counters where every process has them (since seed-894dfcb9), else the whole process's.
    const kept = ps.map((p) => keptGatherRetries(p, warmupBatches));
    const fromKept = kept.length > 0 && kept.every((t) => t !== null);
    const tallies = fromKept ? kept : ps.map(gatherRetries);
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
      retriesOver: perRequest === null ? null : fromKept ? 'kept batches' : 'whole process',
      flaggedProcesses: ps.filter((p) => processFlags(p, warmupBatches).length > 0).map((p) => p.label),
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
    'ConnectionNotAvailable retries per request (per process)':
      r.retriesOver === 'whole process' ? `${r.retriesText} (whole process)` : r.retriesText,
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
    const flagged = [...h.flaggedProcesses, ...a.flaggedProcesses];
    return [
      {
        set,
        low: h.peakLow,
        httpx: h.peakHigh,
        aiohttp: a.peakHigh,
        keepalive: h.maxKeepalive,
        limit: h.poolLimit,
        flagged,
      },
    ];
  });
  if (pairs.length === 0) return '';
  // The range over the kept batches, not only the most (seed-f81740df's `2022` httpx "60" was one batch of 14–60).
  const held = (p: (typeof pairs)[number]) =>
    p.low !== null && p.low !== p.httpx ? `${p.low}–${p.httpx}` : `${p.httpx}`;
  // Flagged processes are marked (stated after seed-894dfcb9, its second reader's finding 8): their figures are
  // readings of flagged data.
  const mark = (p: (typeof pairs)[number]) =>
    p.flagged.length ? ` (flagged: ${p.flagged.map((l) => `\`${l}\``).join(', ')})` : '';
  const per = pairs.map((p) => `\`${p.set}\` httpx ${held(p)}, aiohttp ${p.aiohttp}${mark(p)}`);
  // httpx held no more connections than its keep-alive limit while aiohttp held more: the pools behaved differently.
  const under = pairs.filter((p) => p.keepalive !== null && p.httpx <= p.keepalive && p.aiohttp > p.keepalive);
  const names = under.map((p) => `\`${p.set}\``).join(', ');
  const most = Math.max(...under.map((p) => p.httpx));
  const aiohttp = [...new Set(under.map((p) => p.aiohttp))].join(' / ');
  const limits = [...new Set(under.map((p) => p.keepalive))].join(' / ');
  const behave = under.length
    ? `on ${names} httpx (its \`httpx pool=None\` arm, default lock) held at most ${most} connections, never more than its max_keepalive_connections (${limits}), where aiohttp used ${aiohttp}`
    : 'here each client held about as many connections as the other';
  return `**Connections each client used** (open at the target at a kept batch's peak at 0 ms, fewest–most; both allowed ${pairs[0]?.limit ?? '—'}): ${per.join('; ')}. Every gather ratio here compares the clients as configured *and* as their pools behave: ${behave}.`;
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
  warmupBatches: GatherWarmup,
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
// Rules stated before the next run after seed-e65a2755 (its second reader, 6 December 2026; cell
// stated-before-next-run-after-e65a2755): the keep-alive switch restated at 50 ms, uvloop at a matched pool size, and
// the replications and identities that are no longer counted as new claims

/**
 * `fastacquire-keepalive-no-reopen` is an identity of the code, not a claim (seed-e65a2755's second reader, finding
 * 1): with max_keepalive_connections = max_connections = 100 httpcore 1.0.9's keep-alive close (connection_pool.py
 * L292–L299) cannot fire, so only an error, the 5 s expiry or a close by the target could fail it (noReopenClaim's
 * `identity`, as storm-gone-maxconn-<set> carries).
 */
export const NO_REOPEN_IDENTITY =
  "with max_keepalive_connections = max_connections = 100 httpcore 1.0.9's keep-alive close (connection_pool.py L292–L299) cannot fire, so only an error, the 5 s keepalive_expiry or a close by the target could fail it.";

/**
 * `closes-fastacquire-gather` as seed-f81740df measured it (its share −5.36; its reader's bootstrap −5.77 to −3.51,
 * wholly below the 0.10 threshold, in a row its guard set aside): seen under its threshold, stated before that run,
 * so a replication (seed-e65a2755's second reader, finding 1), never a new claim.
 */
export const FASTACQUIRE_GATHER_SEEN: Replicates = {
  run: 'seed-f81740df',
  value: -5.36,
  text: 'a share of −5.36 (its reader’s bootstrap −5.77 to −3.51) in its gathers at 0 ms, in a row its guard set aside',
  seenUnderThreshold: true,
};

/**
 * `keepalive-cheaper-2022` as seed-f81740df measured it (1.149, 1.093–1.226 per round, unflagged: it did not hold):
 * seen under its threshold, stated before that run, so a replication (seed-e65a2755's second reader, finding 1).
 */
export const KEEPALIVE_CHEAPER_2022_SEEN: Replicates = {
  run: 'seed-f81740df',
  value: 1.149,
  text: '1.149× (1.093–1.226) per round at 50 ms, unflagged',
  seenUnderThreshold: true,
};

/**
 * `pass-share-fastacquire` as seed-894dfcb9 measured it (0.89, 0.89, 0.88 of CPU per request in three unflagged
 * processes): held under its threshold, stated before that run, so from the next run a replication, never a new claim
 * (the rule stated after seed-0b8bd744; cell `stated-before-next-run-after-894dfcb9`, rule 10).
 */
export const PASS_SHARE_SEEN: Replicates = {
  run: 'seed-894dfcb9',
  value: 0.88,
  text: 'a share of 0.88–0.89 of CPU per request in every process, unflagged',
  seenUnderThreshold: true,
  heldIn: 'seed-894dfcb9',
};

/**
 * `uvloop-matched-pool` as seed-894dfcb9 measured it (held: 0.838–0.911 in its 4 decided pairs, two of them reading a
 * flagged process; 0.910 and 0.911 at 9 against 9 connections): a replication from the next run (rule 10).
 */
export const UVLOOP_MATCHED_POOL_SEEN: Replicates = {
  run: 'seed-894dfcb9',
  value: 0.874,
  text: 'a median of 0.874 over 4 decided pairs (0.910 and 0.911 at 9 against 9 connections), two reading a flagged process',
  seenUnderThreshold: true,
  heldIn: 'seed-894dfcb9',
};

/**
 * A counted claim whose result an earlier run already saw under its threshold (`seen`): exploratory from then on, its
 * text `Replication of <run> (…; seen before this run, so not a finding)`, its evidence naming the run and value. Sanity
 * checks and claims already exploratory are returned unchanged.
 */
export function replicationOfSeen(v: VerdictData, seen: Replicates): VerdictData {
  if (v.kind !== 'claim') return v;
  return {
    ...v,
    kind: 'exploratory',
    claim: replicationText(seen, v.claim),
    evidence: {
      ...v.evidence,
      declared: 'before the run',
      replicates: seen.run,
      replicatedValue: seen.value,
      ...(seen.heldIn ? { replicatedHeldIn: seen.heldIn } : {}),
    },
  };
}

/**
 * A declared claim no longer counted, for a reason stated before this run (seed-e65a2755's second reader): exploratory,
 * declared before the run (evidence `declared`), its claim text and evidence (`notCounted`) saying why. Sanity checks
 * are returned unchanged.
 */
export function notCountedAfterE65a2755(v: VerdictData, why: string): VerdictData {
  if (v.kind === 'sanity') return v;
  return {
    ...v,
    kind: 'exploratory',
    claim: `Exploratory since seed-e65a2755 (${why}): ${v.claim}`,
    evidence: { ...v.evidence, declared: 'before the run', notCounted: why },
  };
}

/** The keep-alive switch at 50 ms: its arm and the reference it is read against (3 processes each). */
export const KEEPALIVE_50MS = {
  arm: 'latest · httpx keepalive=100 @ 50 ms',
  reference: 'latest · httpx @ 50 ms',
  /** The premise: the reference reopens at least this many new sockets per request in its kept batches. */
  minReopen: 0.5,
  /** Up to seed-894dfcb9: held when the 95 % interval of arm ÷ reference CPU µs/request lay wholly below this. */
  below: 0.9,
  /**
   * Since seed-894dfcb9 (its second reader's finding 2) the statement is a replication of that run in the opposite
   * direction: keep-alive = 100 costs more, the interval of arm ÷ reference wholly above this.
   */
  above: 1,
  /**
   * Both arms run with httpx's keepalive_expiry and the target's keep-alive timeout above the longest batch
   * (seed-894dfcb9's keep-alive arm took 2.3–5.9 s a batch, against the 5 s defaults of both, so idle connections
   * expired and 1,300–2,285 sockets reopened in its kept batches): 30 s each, read back from the live pool
   * (`httpx.keepalive_expiry_s`) and the record's target params (`keepAliveTimeoutMs`).
   */
  keepaliveExpiryS: 30,
  targetKeepAliveTimeoutMs: 30_000,
} as const;

/** seed-894dfcb9's reading of the keep-alive switch at 50 ms, which the statement since then replicates. */
export const KEEPALIVE_50MS_SEEN: Replicates = {
  run: 'seed-894dfcb9',
  value: 7.654,
  text: '7.65× (6.32–8.05) at 50 ms, every process of both arms flagged pool-state-moved, httpx keepalive_expiry and the target keep-alive timeout at 5 s',
};

/**
 * The switches of the two 50 ms arms (stated after seed-894dfcb9, finding 2): httpx's keepalive_expiry
 * (the worker's `keepaliveExpiryS`) and the target's keep-alive timeout at KEEPALIVE_50MS's values, for an entry
 * labelled as either arm (KEEPALIVE_50MS.arm, .reference); {} for any other label.
 */
export function keepalive50msSwitches(label: string): {
  keepaliveExpiryS?: number;
  target?: { keepAliveTimeoutMs: number };
} {
  return label === KEEPALIVE_50MS.arm || label === KEEPALIVE_50MS.reference
    ? {
        keepaliveExpiryS: KEEPALIVE_50MS.keepaliveExpiryS,
        target: { keepAliveTimeoutMs: KEEPALIVE_50MS.targetKeepAliveTimeoutMs },
      }
    : {};
}

/**
 * The gather entry of the keep-alive switch at 50 ms (httpx's defaults but max_keepalive_connections = 100, as its
 * reference `latest · httpx @ 50 ms` is httpx's defaults): planned where the profile lists it among its multi-process
 * arms (the standard and full profiles, not smoke).
 */
export const KEEPALIVE_50MS_GATHER: {
  client: string;
  set: string;
  delayMs: number;
  label: string;
  maxConnections: number;
  maxKeepaliveConnections: number;
} = {
  client: 'httpx',
  set: 'latest',
  delayMs: 50,
  label: KEEPALIVE_50MS.arm,
  maxConnections: 100,
  maxKeepaliveConnections: 100,
};

/**
 * Batches per process of the two 50 ms arms (gatherTrialsOf's keys): the reference took 0.64–0.67 s a batch in
 * seed-e65a2755 (6 s of warm-up in time ≈ 10 left out), the keep-alive arm may take as little as 6 waves × 50 ms ≈
 * 0.3 s (≈ 20 left out): 6 kept need 16 and 26, with a 50 % margin 24 and 36 (30 and 40 in the full profile).
 */
export const keepalive50msTrials = (reference: number, arm: number): Record<string, number> => ({
  [KEEPALIVE_50MS.reference]: reference,
  [KEEPALIVE_50MS.arm]: arm,
});

/** One batch as the claims below read it: its time and CPU (GatherBatchesLike) and the target's counters. */
type GatherClaimTrial = GatherBatchesLike['trials'][number] & GatherRecordLike['trials'][number];

/** A gather record as the claims below read it: batches (time, CPU) and the target's counters per batch. */
export interface GatherClaimRecord extends GatherRecordLike {
  client: GatherBatchesLike['client'] & GatherRecordLike['client'];
  trials: readonly GatherClaimTrial[];
}

/**
 * `closes-keepalive-gather-50ms` (stated before the run after seed-e65a2755, its second reader's finding 7; restated
 * after seed-894dfcb9, its second reader's finding 2): `latest · httpx keepalive=100 @ 50 ms` ÷ `latest · httpx @ 50
 * ms` CPU µs per request, both run in 3 processes with keepalive_expiry and the target's keep-alive timeout at 30 s
 * (keepalive50msSwitches), read with the hierarchical bootstrap (cpuRatioClaim on replicatedGathers). Since
 * seed-894dfcb9 a replication of that run in the opposite direction (KEEPALIVE_50MS_SEEN: 7.65×), exploratory, never
 * counted: holds when the interval lies wholly above KEEPALIVE_50MS.above (1: keep-alive = 100 costs more), fails
 * when it lies wholly at or below it. (Up to seed-894dfcb9: counted, holding wholly below 0.9.) Decided only where its premise is present (requirePremise): the reference
 * reopens at least KEEPALIVE_50MS.minReopen new sockets per request in its kept batches, else unresolved. null where
 * the arm did not run.
 */
export function keepaliveAt50msClaim(gathers: readonly GatherClaimRecord[], warmup: GatherWarmup): VerdictData | null {
  const of = (arm: string) => gathers.filter((g) => armOf(g.label) === arm);
  const arm = of(KEEPALIVE_50MS.arm);
  const ref = of(KEEPALIVE_50MS.reference);
  if (arm.length === 0) return null;
  const sample = (ps: readonly GatherClaimRecord[]) => replicatedGathers(ps.map((g) => gatherSample(g, warmup)))[0];
  const to = sample(arm);
  const from = sample(ref);
  const k = keptBatches(ref, warmup);
  const perRequest = k.sent > 0 ? k.opened / k.sent : Number.NaN;
  // Since seed-894dfcb9 (its second reader's finding 2): a replication of that run in the opposite direction,
  // exploratory (replicationText names the run), never counted.
  const claim = replicationText(
    KEEPALIVE_50MS_SEEN,
    `At 50 ms, with httpx's keepalive_expiry and the target's keep-alive timeout at ${KEEPALIVE_50MS.keepaliveExpiryS} s, ${KEEPALIVE_50MS.arm} spends more than ${KEEPALIVE_50MS.above}× the CPU per request of ${KEEPALIVE_50MS.reference} (3 processes each; the 95 % interval wholly above ${KEEPALIVE_50MS.above}; its premise: the reference reopens at least ${KEEPALIVE_50MS.minReopen} new sockets per request in its kept batches).`,
  );
  const replicates = { replicates: KEEPALIVE_50MS_SEEN.run, replicatedValue: KEEPALIVE_50MS_SEEN.value };
  if (to === undefined || from === undefined)
    return {
      ...countClaim({
        id: 'closes-keepalive-gather-50ms',
        claim,
        holds: false,
        unresolved: true,
        evidence: { noData: true, notMeasured: `no process of ${KEEPALIVE_50MS.reference}`, ...replicates },
      }),
      kind: 'exploratory',
    };
  const v = cpuRatioClaim({
    id: 'closes-keepalive-gather-50ms',
    claim: `At 50 ms, with httpx's keepalive_expiry and the target's keep-alive timeout at ${KEEPALIVE_50MS.keepaliveExpiryS} s, ${KEEPALIVE_50MS.arm} spends more than ${KEEPALIVE_50MS.above}× the CPU per request of ${KEEPALIVE_50MS.reference} (3 processes each; the 95 % interval wholly above ${KEEPALIVE_50MS.above}; its premise: the reference reopens at least ${KEEPALIVE_50MS.minReopen} new sockets per request in its kept batches).`,
    from,
    to,
    threshold: { above: KEEPALIVE_50MS.above },
    replicates: KEEPALIVE_50MS_SEEN,
  });
  const sockets = `${k.opened} new sockets for ${k.sent} requests (${fixed(perRequest, 3)} per request) in the kept batches of ${KEEPALIVE_50MS.reference}`;
  const present = k.sent > 0 && perRequest >= KEEPALIVE_50MS.minReopen;
  return requirePremise(v, {
    present,
    text: present
      ? `premise present: ${sockets}`
      : `premise absent: ${sockets}, where the premise needs at least ${KEEPALIVE_50MS.minReopen}: the close the switch turns off did not reopen sockets here`,
  });
}

/**
 * A gather process's settled pool size (seed-e65a2755's second reader, findings 4 and 5): the modal peak of open
 * connections at the target over its kept batches (the warm-up rule applied), on a tie the value reached last
 * (settledPoolOf; the smaller up to seed-894dfcb9); null when no kept batch recorded the target's counters.
 */
export function settledPoolSizeOfProcess(g: GatherRecordLike, warmup: GatherWarmup): number | null {
  // Since seed-894dfcb9 the one settled size of every rule (settledPoolOf: ties to the value reached last), so the
  // uvloop claim's exact match and the settled batches every statistic reads (GATHER_SETTLED) name the same size.
  return settledPoolOf(
    g.trials.slice(gatherWarmupOf(g, warmup)).map((t) => (t.target === null ? null : t.target.peakOpenConnections)),
  );
}

/** The uvloop claim at a matched pool size: its arms, the tolerance of a match and its thresholds. */
export const UVLOOP_MATCHED_POOL = {
  arm: 'latest · httpx pool=None uvloop @ 0 ms',
  reference: 'latest · httpx pool=None @ 0 ms',
  /**
   * Two processes share a settled pool size when their modal peaks differ by at most this, and each side reads only
   * its kept batches at most this far from its own size: 0 since seed-894dfcb9 (its second reader's finding 3: ±1
   * let 8 match 9), ±1 before.
   */
  tolerance: 0,
  /** Every matched pair: Hodges–Lehmann ratio uvloop ÷ default at most this… */
  most: 0.92,
  /** …and the upper end of its rank-sum interval below this. */
  highBelow: 1,
} as const;

/**
 * `uvloop-matched-pool` (counted in seed-894dfcb9, stated before it, after seed-e65a2755; its second reader's finding 5): uvloop's
 * effect on httpx 0.28.1's CPU per request read only between processes at the same settled pool size
 * (settledPoolSizeOfProcess, within ±UVLOOP_MATCHED_POOL.tolerance). Each process of the uvloop arm is paired with
 * each process of the default arm whose size matches; each side keeps only its kept batches whose peak lies within
 * the tolerance of its own settled size, and each pair is read with the single-process method (cpuGap: Hodges–Lehmann
 * ratio, rank-sum interval; none below MIN_ROUNDS_FOR_INTERVAL batches a side). Holds when every pair with an
 * interval has a ratio ≤ `most` and an upper end below `highBelow`; fails when one such pair does not; unresolved,
 * premise absent (requirePremise), when no pair of processes shares a pool size, and unresolved when no matched pair
 * has an interval. The statistic is the median of the matched pairs' ratios. null where the uvloop arm did not run.
 * Since seed-894dfcb9 (its second reader's finding 3) a match is exact (tolerance 0), each process's guard flags under
 * `warmup` are recorded (`flagged`), and the same reading on the pairs of unflagged processes only is reported
 * (`unflaggedOnly`: holds, fails or unresolved, with its pairs). Since seed-894dfcb9 (rule 5) the verdict and its
 * statistic are decided on the pairs of unflagged processes; the outcome over every pair is evidence (`allPairsOutcome`).
 * A replication from the run after seed-894dfcb9 (replicationOfSeen, UVLOOP_MATCHED_POOL_SEEN).
 */
export function uvloopMatchedPoolClaim(
  gathers: readonly GatherClaimRecord[],
  warmup: GatherWarmup,
): VerdictData | null {
  const c = UVLOOP_MATCHED_POOL;
  const MATCHED_POOL_STATISTIC =
    'median over matched pairs of unflagged processes of the Hodges–Lehmann ratio uvloop ÷ default (per pair)';
  const of = (arm: string) =>
    gathers
      .filter((g) => armOf(g.label) === arm && !g.error)
      .map((g) => {
        const size = settledPoolSizeOfProcess(g, warmup);
        const near = (peak: number) => size !== null && Math.abs(peak - size) <= c.tolerance;
        const atSize = g.trials
          .slice(gatherWarmupOf(g, warmup))
          .filter((t) => t.target !== null && near(t.target.peakOpenConnections));
        // Its guard flags under the run's rule (recorded since seed-894dfcb9, its second reader's finding 3).
        const flags = gatherSample(g, warmup).guards?.flags ?? [];
        return { label: g.label, size, flags, sample: gatherSample({ ...g, trials: atSize }, 0) };
      });
  const u = of(c.arm);
  const d = of(c.reference);
  if (u.length === 0) return null;
  const pairs = u.flatMap((x) =>
    d
      .filter((y) => x.size !== null && y.size !== null && Math.abs(x.size - y.size) <= c.tolerance)
      .map((y) => ({ x, y, r: cpuGap(x.sample, y.sample) })),
  );
  const decided = pairs.filter((p) => p.r.coverage >= 0.95 && Number.isFinite(p.r.median));
  const good = (p: (typeof pairs)[number]) => p.r.median <= c.most && p.r.high < c.highBelow;
  const sizes = (xs: typeof u) => xs.map((x) => `${x.label} ${x.size ?? '—'}`).join(', ');
  // The pairs of unflagged processes decide it and give its statistic (stated after seed-894dfcb9, rule 5).
  const unflagged = decided.filter((p) => p.x.flags.length === 0 && p.y.flags.length === 0);
  const ratios = unflagged.map((p) => p.r.median).sort((a, b) => a - b);
  const median = ratios.length ? finiteMedian(ratios) : Number.NaN;
  const unflaggedRatios = unflagged.map((p) => p.r.median).sort((a, b) => a - b);
  const unflaggedOutcome =
    unflagged.length === 0
      ? 'unresolved (no decided pair of unflagged processes)'
      : unflagged.every(good)
        ? 'holds'
        : 'fails';
  const flagged = [...u, ...d].filter((x) => x.flags.length > 0).map((x) => `${x.label}: ${x.flags.join('; ')}`);
  const pairText = (p: (typeof pairs)[number]) =>
    `${p.x.label} (${p.x.size}) ÷ ${p.y.label} (${p.y.size}) ${fixed(p.r.median, 3)}${p.r.coverage >= 0.95 ? ` (${fixed(p.r.low, 3)}–${fixed(p.r.high, 3)})` : ' (no interval)'}`;
  const v = countClaim({
    id: 'uvloop-matched-pool',
    claim: `Between processes at the same settled pool size (modal peak open of their kept batches${c.tolerance === 0 ? ', exactly' : `, ±${c.tolerance}`}; each side's batches at that size), ${c.arm} ÷ ${c.reference} CPU µs per request is at most ${c.most} with the upper end of its rank-sum interval below ${c.highBelow}, in every matched pair of unflagged processes.`,
    // Decided on the pairs of unflagged processes (stated after seed-894dfcb9, rule 5): a flag voids what reads it.
    holds: unflagged.length > 0 && unflagged.every(good),
    unresolved: unflagged.length === 0,
    evidence: {
      threshold: `at most ${c.most}, upper end below ${c.highBelow}, every matched pair of unflagged processes`,
      allPairsOutcome: decided.length === 0 ? 'unresolved' : decided.every(good) ? 'holds' : 'fails',
      settledSizes: `${sizes(u)}; ${sizes(d)}`,
      matchedPairs: pairs.length,
      decidedPairs: decided.length,
      medianRatio: Number.isFinite(median) ? median : null,
      pairs: pairs.map(pairText).join('; ') || 'none',
      flagged: flagged.join(' | ') || 'none',
      unflaggedOnly: `${unflaggedOutcome}: ${unflagged.length} decided pair(s) of unflagged processes${
        unflagged.length
          ? `, median ${fixed(finiteMedian(unflaggedRatios), 3)} (${unflagged.map(pairText).join('; ')})`
          : ''
      }`,
    },
  });
  const withStat: VerdictData = Number.isFinite(median)
    ? { ...v, statistic: { name: MATCHED_POOL_STATISTIC, value: median, ci95: null } }
    : v;
  return requirePremise(withStat, {
    present: pairs.length > 0,
    text:
      pairs.length > 0
        ? `premise present: ${pairs.length} pair(s) of processes share a settled pool size (${sizes(u)}; ${sizes(d)})`
        : `premise absent: no process of ${c.arm} shares a settled pool size (±${c.tolerance}) with one of ${c.reference} (${sizes(u)}; ${sizes(d)})`,
  });
}

/** The counted claims stated before the run after seed-e65a2755, each where its arms ran (section 1b prints them). */
export function claimsAfterE65a2755(gathers: readonly GatherClaimRecord[], warmup: GatherWarmup): VerdictData[] {
  const all = [keepaliveAt50msClaim(gathers, warmup), uvloopMatchedPoolClaim(gathers, warmup)];
  return all.filter((v): v is VerdictData => v !== null);
}

// ---------------------------------------------------------------------------------------------------------------
// The retry churn of httpcore 1.0.x's gathers (a replication of seed-9d1b4a91)

/** A gather at 0 ms: the only process of it, or one of several. */
const AT_0_MS = / @ 0 ms( · process \d+)?$/;

/**
 * The arms of `retry-churn-latest` as stated before seed-f81740df (cell stated-before-next-run-after-9d1b4a91):
 * httpx's defaults, pool=None, keep-alive = 100 and uvloop. A replication cannot include an arm that never ran before
 * it was stated (its second reader's finding 4): the fast_acquire arms print beside the verdict, as a reading.
 */
export const RETRY_CHURN_ARMS: readonly string[] = [
  'httpx',
  'httpx pool=None',
  'httpx pool=None keepalive=100',
  'httpx pool=None uvloop',
];

/**
 * Every `set` httpx gather at 0 ms of the stated arms (`arms`, the part of the label between the set and ` @ 0 ms`;
 * RETRY_CHURN_ARMS by default; every process of each) makes at least `minPerRequest` ConnectionNotAvailable retries
 * per request it sends (gatherRetries). The set's other httpx gathers at 0 ms (fast_acquire) are read beside it
 * (`outsideScope`), never in the verdict. A count claim, exploratory; with `replicates` a replication of the run that
 * saw it before the threshold was set. Holds when every such gather reaches it, fails when one does not; unresolved
 * (not measured) when there is none, or when one errored or has no counter.
 */
export function retryChurnClaim(input: {
  id: string;
  gathers: readonly GatherRecordLike[];
  set: string;
  minPerRequest: number;
  replicates?: Replicates;
  arms?: readonly string[];
}): VerdictData {
  const arms = input.arms ?? RETRY_CHURN_ARMS;
  const inSet = input.gathers.filter(
    (g) => g.label.startsWith(`${input.set} · `) && AT_0_MS.test(g.label) && isHttpxPool(g),
  );
  const armName = (label: string): string =>
    armOf(label)
      .slice(`${input.set} · `.length)
      .replace(/ @ 0 ms$/, '');
  const chosen = inSet.filter((g) => arms.includes(armName(g.label)));
  const outside = inSet
    .filter((g) => !arms.includes(armName(g.label)))
    .flatMap((g) => {
      const t = gatherRetries(g);
      return t === null ? [] : [`${g.label} ${t.perRequest.toFixed(3)} (${t.retries} in ${t.requests})`];
    });
  const read = chosen.map((g) => ({ label: g.label, tally: gatherRetries(g), error: g.error ?? null }));
  const missing = read.filter((x) => x.tally === null || x.error !== null);
  const counted = read.flatMap((x) => (x.tally === null || x.error !== null ? [] : [{ label: x.label, ...x.tally }]));
  const sorted = [...counted].sort((a, b) => a.perRequest - b.perRequest);
  const lowest = sorted[0];
  const highest = sorted[sorted.length - 1];
  const noData = chosen.length === 0 || missing.length > 0;
  const r = input.replicates;
  const claim = `${input.set}: every httpx gather at 0 ms of the stated arms (${arms.map((a) => `\`${a}\``).join(', ')}; every process) makes at least ${input.minPerRequest} ConnectionNotAvailable retry per request it sends (the worker's counter over the whole process, its cold first gather included).`;
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
      ...(outside.length ? { outsideScope: outside.join('; ') } : {}),
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
  /** Each process's median CPU µs/request over the batches its sample reads (kept, or settled), in process order. */
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
  // Each process's settled pool size beside its cost (stated after seed-894dfcb9, its second reader's finding 8).
  const sizes = ps.map((p) => (p.settledPool === null || p.settledPool === undefined ? '—' : String(p.settledPool)));
  const settledRead = ps.some((p) => p.settled !== undefined);
  const text =
    ps.length > 1
      ? `**Between processes** (the A/A row, declared before the run after seed-9d1b4a91): the ${ps.length} processes of \`${arm.label}\` cost ${costs} µs/request (medians of their ${settledRead ? 'settled' : 'kept'} batches; settled at ${sizes.join(', ')} open connections), a spread of **${whole(spreadUs)} µs/request**, next to ${gap}, whose ${percent(materiality)} (**${whole(materialUs)} µs/request**) is what a switch must close to hold: the spread between processes is ${percent(spreadUs / gapUs)} of the gap, ${fixed(spreadUs / materialUs, 2)}× that threshold.`
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
  // At its pool limit when its lowest peak is at least 0.9 × the limit (stated after seed-f81740df, whose reading said
  // "not the ~100" of a pool that held 93–100 of 100: its second reader's finding 7).
  if (peakLow !== null && peakHigh !== null && poolLimit !== null)
    poolText +=
      peakLow >= 0.9 * poolLimit
        ? `, at its pool limit (${poolLimit}), as the claim's mechanism assumes`
        : `, below its pool limit (${poolLimit}) at least once: the claim's mechanism assumes about ${poolLimit} busy`;
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
  warmup: {
    ok: number;
    errors: { total: number; byCode: Readonly<Record<string, number>> };
    /** The cold first gather's time, CPU and the target's count (the asker's own number; one sample, no interval). */
    sent?: number;
    durationMs?: number;
    cpuUserMicros?: number;
    cpuSystemMicros?: number;
    target?: { connectionsOpened: number } | null;
  } | null;
}

/** The cold first gather's time (ms), CPU µs per request sent and new sockets; NaN where not recorded. */
export function coldGather(w: GatherTableRecord['warmup']): { ms: number; cpuUs: number; sockets: number } {
  const sent = w?.sent ?? (w ? w.ok + w.errors.total : 0);
  const cpu = (w?.cpuUserMicros ?? Number.NaN) + (w?.cpuSystemMicros ?? Number.NaN);
  return {
    ms: w?.durationMs ?? Number.NaN,
    cpuUs: sent > 0 ? cpu / sent : Number.NaN,
    sockets: w?.target?.connectionsOpened ?? Number.NaN,
  };
}

/** The columns of gatherBatchTable, in the order printed. */
export const GATHER_BATCH_COLUMNS = [
  'measurement',
  'first gather (cold client): ok / errors',
  'cold: ms',
  'cold: CPU µs/req',
  'cold: new sockets',
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
 * Section 1's table: one row per gather (each process of an arm run in several its own row): the cold first gather's
 * time, CPU µs/request and new sockets (one sample each, no interval: the asker's own number; stated after
 * seed-f81740df, its second reader's finding 6), its median batch time
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
    const cold = coldGather(r.warmup);
    return {
      measurement: flags.length ? `${r.label} [flagged: ${flags.join(', ')}]` : r.label,
      'first gather (cold client): ok / errors': coldCell(r.warmup),
      'cold: ms': fixed(cold.ms),
      'cold: CPU µs/req': whole(cold.cpuUs),
      'cold: new sockets': Number.isFinite(cold.sockets) ? cold.sockets : '—',
      'batch ms (median)': b.errorDominated ? 'error-dominated' : fixed(b.batchMs, 1),
      '95 % interval': b.errorDominated ? '—' : covered,
      trials: b.trials,
      'sockets opened (measured)': r.target.connectionsOpenedMeasured,
      'per request': fixed(r.target.connectionsOpenedMeasured / Math.max(1, b.attempts), 2),
      errors: b.errors ? `${b.errors} of ${b.attempts} (${b.errorCodes})` : '0',
    };
  });
}

/**
 * Section 1's observation of the httpx gathers that opened at least `minPerRequest` new sockets per request sent in
 * their measured batches: every gather whose client is httpx over its own pool (the worker's `client` setting, not
 * the label: seed-f81740df's second reader, finding 9, found the label filter missed the fast_acquire arm at 0 ms).
 * An observation, not a claim; '' when none did.
 */
export function reopeningGathersText(
  records: readonly (GatherTableRecord & GatherRecordLike)[],
  minPerRequest = 0.5,
): string {
  const rate = (r: GatherTableRecord) => r.target.connectionsOpenedMeasured / Math.max(1, batchTimeRow(r).attempts);
  const churn = records.filter((r) => isHttpxPool(r) && rate(r) >= minPerRequest);
  if (churn.length === 0) return '';
  const list = churn.map((r) => `\`${r.label}\` ${fixed(rate(r), 2)}`).join(', ');
  return `**httpx gathers that opened at least one new socket per two requests** (in their measured batches; the pool closing idle connections while requests queue): ${list} sockets per request. An observation, not a claim.`;
}

/**
 * Section 1b's batches under the warm-up in time (stated after seed-f81740df, its second reader's finding 1): per
 * gather process, how many measured batches the rule left out, and each kept batch's peak open connections at the
 * target beside its CPU µs/request (`20 · 1,592`), in the order they ran, so a reader sees whether the kept batches
 * share one pool state.
 */
export function keptBatchRows(
  gathers: readonly GatherRecordLike[],
  warmup: GatherWarmup,
): { measurement: string; 'left out (warm-up)': number; 'kept batches: peak open · CPU µs/req': string }[] {
  return gathers.map((g) => {
    const out = gatherWarmupOf(g, warmup);
    const kept = g.trials
      .slice(out)
      .map((t) => `${t.target?.peakOpenConnections ?? '—'} · ${whole(t.cpuMicrosPerRequest ?? Number.NaN)}`);
    return {
      measurement: g.label,
      'left out (warm-up)': out,
      'kept batches: peak open · CPU µs/req': kept.join('; ') || '—',
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
 * per request (its ratio to `latest · aiohttp @ 0 ms` is contenderReferenceRows', per reference process with its
 * interval and their range: since seed-894dfcb9, its second reader's finding 7, this table prints no ratio of the
 * pooled reference, whose interval it could not give); the connections open at the target at
 * each kept batch's peak and the new sockets per request (gatherPoolRows), the pool limit read back from the live
 * client, and the errors over every measured batch. The reference comes first (its processes read together, no
 * ratio); each contender's row says it is exploratory and never counted. Without the reference (the `latest` set not
 * measured) there is no first row and every ratio is '—'.
 */
export function contenderTable(
  contenders: readonly ContenderRecord[],
  gathers: readonly ContenderRecord[],
  warmupBatches: GatherWarmup,
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
 * above the upstream's delay, and Little's bound on the time inside the app. Since seed-e65a2755's second reader
 * (finding 11): the CPU per request only from points where the app used at least APP_IDLE_BELOW of its core (a route
 * with none reads `— (idle baseline)`), and each bounded closed loop with its loop lag p99 and its window's requests.
 */
export function appRouteNotes(run: AppRun): string[] {
  const routes = [...new Set(run.points.map((p) => p.route))];
  const open = run.points.filter((p) => p.generator === 'open-loop');
  const busy = (p: AppPointLike) => (p.cpuShare.app ?? Number.NaN) >= APP_IDLE_BELOW;
  const cpu = routes.flatMap((route) => {
    const ps = open.filter((p) => p.route === route);
    const known = ps.filter(busy).map(appCpuUsPerRequest).filter(Number.isFinite);
    if (known.length) return [routeRange(route, known, 'µs')];
    const idle = `${route} — (idle baseline, under ${APP_IDLE_BELOW} of its core)`;
    return ps.some((p) => p.cpuShare.app !== null) ? [idle] : [];
  });
  const bounded = run.points.filter((p) => p.generator === 'closed-loop' && appBound(p).startsWith('bounded by'));
  const lagOf = (p: AppPointLike) => (p.app?.loopLagMs ? `; loop lag p99 ${fixed(p.app.loopLagMs.p99, 1)} ms` : '');
  const countOf = (p: AppPointLike) => {
    const n = appWindowRequests(p);
    return n === null ? '' : `; ${whole(n)} requests`;
  };
  const closed = bounded.map((p) => `\`${p.route}\`'s closed loop (${appBound(p)}${lagOf(p)}${countOf(p)})`);
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
    const n = appWindowRequests(p);
    const at = `${p.route} at ${fixed(p.throughputRps)} req/s${n === null ? '' : ` (${whole(n)} requests)`}, peak ${peak} in flight`;
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

// ---------------------------------------------------------------------------------------------------------------
// anyio's fast_acquire alone on httpcore 1.0.9 (stated before the run after seed-f81740df, its second reader's
// section A): the pool grows to max_connections and the keep-alive close reopens a socket per response

/** Per process of an arm: its kept batches (the warm-up rule), its retries, its max_keepalive_connections. */
function armProcesses(gathers: readonly GatherRecordLike[], arm: string, warmup: GatherWarmup) {
  return gathers
    .filter((g) => armOf(g.label) === arm)
    .map((g) => ({
      label: g.label,
      error: g.error ?? null,
      kept: g.trials.slice(gatherWarmupOf(g, warmup)),
      retries: gatherRetries(g),
      maxKeepalive: finite(g.client.settings?.['httpx.max_keepalive_connections']),
    }));
}

/** Why an arm's processes decide nothing: none ran, one errored, or one kept no batch with the target's counters. */
function armNotMeasured(arm: string, ps: ReturnType<typeof armProcesses>, needRetries: boolean): string | null {
  if (ps.length === 0) return `no process of ${arm}`;
  const why = ps.flatMap((p) => {
    if (p.error) return [`${p.label} errored (${p.error.code})`];
    if (p.kept.length === 0 || p.kept.some((t) => t.target === null)) return [`${p.label} kept no counted batch`];
    return needRetries && p.retries === null ? [`${p.label} has no retry counter`] : [];
  });
  return why.length ? why.join('; ') : null;
}

/**
 * `fastacquire-reopens-0ms` (an exploratory replication of seed-f81740df): in every kept batch of every process of the
 * fast_acquire arm, at least `minPerRequest` new sockets per request sent and more than max_keepalive_connections
 * open at the batch's peak, and fewer than `maxRetriesPerRequest` ConnectionNotAvailable retries per request in every
 * process (its counter covers the whole process). Unresolved (not measured) when a process is missing, errored, kept
 * no counted batch or has no counter.
 */
export function fastAcquireReopensClaim(input: {
  id: string;
  gathers: readonly GatherRecordLike[];
  arm: string;
  warmup: GatherWarmup;
  minPerRequest: number;
  maxRetriesPerRequest: number;
  replicates?: Replicates;
}): VerdictData {
  const ps = armProcesses(input.gathers, input.arm, input.warmup);
  const notMeasured = armNotMeasured(input.arm, ps, true);
  const batches = ps.flatMap((p) =>
    p.kept.map((t) => ({
      perRequest: t.sent > 0 ? (t.target?.connectionsOpened ?? 0) / t.sent : Number.NaN,
      overKeepalive: p.maxKeepalive !== null && (t.target?.peakOpenConnections ?? 0) > p.maxKeepalive,
      peak: t.target?.peakOpenConnections ?? Number.NaN,
    })),
  );
  const retries = ps.map((p) => p.retries?.perRequest ?? Number.NaN);
  const holds =
    notMeasured === null &&
    batches.every((b) => b.perRequest >= input.minPerRequest && b.overKeepalive) &&
    retries.every((x) => x < input.maxRetriesPerRequest);
  const r = input.replicates;
  const claim = `In every kept batch of every process of ${input.arm}: at least ${input.minPerRequest} new sockets per request, more than max_keepalive_connections open at the batch's peak, and fewer than ${input.maxRetriesPerRequest} ConnectionNotAvailable retries per request in every process.`;
  const v = countClaim({
    id: input.id,
    claim: r ? replicationText(r, claim) : claim,
    kind: 'exploratory',
    holds,
    unresolved: notMeasured !== null,
    evidence: {
      ...(r ? { replicates: r.run, replicatedValue: r.value } : {}),
      processes: ps.length,
      keptBatches: batches.length,
      fewestNewPerRequest: batches.length ? Math.min(...batches.map((b) => b.perRequest)) : null,
      fewestPeak: batches.length ? Math.min(...batches.map((b) => b.peak)) : null,
      batchesAtOrBelowKeepalive: batches.filter((b) => !b.overKeepalive).length,
      mostRetriesPerRequest: retries.length ? Math.max(...retries) : null,
    },
  });
  return notMeasured === null ? v : { ...v, evidence: { ...v.evidence, noData: true, notMeasured } };
}

/**
 * `fastacquire-keepalive-no-reopen` (counted, stated before the run after seed-f81740df): the fast_acquire arm with
 * max_keepalive_connections = max_connections opens at most `maxPerRequest` new sockets per request over the kept
 * batches of all its processes: with the two limits equal, httpcore 1.0.9's keep-alive close (connection_pool.py
 * L292–L299) cannot fire, so the reopens of the fast_acquire arm must stop if they come from it. No CPU direction is
 * stated; its retries per request are in the evidence (printed beside the verdict), not in the claim. With `identity`
 * a sanity check (kind `sanity`, like noStormClaim's): since seed-e65a2755's second reader (finding 1) it is an
 * identity of the code (NO_REOPEN_IDENTITY), never counted.
 */
export function noReopenClaim(input: {
  id: string;
  gathers: readonly GatherRecordLike[];
  arm: string;
  warmup: GatherWarmup;
  maxPerRequest: number;
  /** A sanity check, not a claim (an identity of the code; stated after seed-e65a2755): why it cannot fail otherwise. */
  identity?: string;
}): VerdictData {
  const ps = armProcesses(input.gathers, input.arm, input.warmup);
  const notMeasured = armNotMeasured(input.arm, ps, false);
  const kept = ps.flatMap((p) => p.kept);
  const opened = kept.reduce((n, t) => n + (t.target?.connectionsOpened ?? 0), 0);
  const sent = kept.reduce((n, t) => n + t.sent, 0);
  const perRequest = sent > 0 ? opened / sent : Number.NaN;
  const retries = ps.flatMap((p) => (p.retries ? [p.retries.perRequest] : []));
  const v = countClaim({
    id: input.id,
    claim: `${input.arm} (max_keepalive_connections = max_connections) opens at most ${input.maxPerRequest} new sockets per request over the kept batches of all its processes. No CPU direction is stated.`,
    holds: notMeasured === null && perRequest <= input.maxPerRequest,
    unresolved: notMeasured !== null,
    evidence: {
      processes: ps.length,
      keptBatches: kept.length,
      sockets: opened,
      requests: sent,
      perRequest,
      retriesPerRequest: retries.length ? retries.map((x) => x.toFixed(3)).join(' / ') : 'not counted',
    },
  });
  const out = notMeasured === null ? v : { ...v, evidence: { ...v.evidence, noData: true, notMeasured } };
  return input.identity === undefined
    ? out
    : { ...out, kind: 'sanity', claim: `${out.claim} A sanity check, not a finding: ${input.identity}` };
}

// ---------------------------------------------------------------------------------------------------------------
// Texts moved out of the notebook's code cells (its 450-line budget)

/** Section 1's line under `waves-band` (aiohttp's batch at 50 ms against its pool's wave floor), by its outcome. */
export function wavesBandText(v: Pick<VerdictData, 'outcome' | 'evidence'>): string {
  if (v.outcome === 'holds')
    return "At 50 ms, aiohttp's median batch sits within 1.1 × its pool's floor (100 connections serve 512 requests in six waves of 50 ms): the asker's batch time at a slow server measures the pool's wave count as much as the client.";
  if (v.outcome === 'fails')
    return `At 50 ms, aiohttp's slowest median batch (${fixed(Number(v.evidence['slowestMedianBatchMs']), 1)} ms) is above 1.1 × its pool's ${v.evidence['floorMs']} ms floor: the client's own time per wave adds to the wave count here (the floor itself is a lower bound; its sanity check says whether it held).`;
  return "*No aiohttp gather at 50 ms to compare with its pool's floor.*";
}

/**
 * The notes under the verdicts for each claim a guard made unresolved although its data alone fail it
 * (oppositeDirection): its guard, and its statistic's interval (a switch's share, kept since seed-f81740df's second
 * reader, finding 2). '' when there is none.
 */
export function oppositeDirectionText(
  opposite: readonly { id: string; flagged: string; ci95: [number, number] | null }[],
): string {
  return opposite
    .map(
      (o) =>
        `*\`${o.id}\` is unresolved by its guard (${o.flagged}), although without the guard its data ${o.ci95 ? `(95 % interval ${range(o.ci95[0], o.ci95[1], 2)}) ` : ''}fall wholly on the wrong side of its threshold: in this run the result points the opposite way to the claim. It decides nothing, and no recommendation rests on it.*`,
    )
    .join('\n\n');
}

/**
 * Section 4's exploratory reading at c`mid` (added after seeing seed-cee25993; not a claim; moved out of the notebook):
 * whether httpcore 1.0.9's cost per request needs the pool wait or the storm, read from `latest · httpx c<mid>` (pool =
 * keep-alive = C) against the other sets' httpx at the same C: its throughput, CPU per request, errors, connections
 * open at peak, new sockets and ConnectionNotAvailable retries. null when those rows did not run.
 */
export function c64Reading(
  recs: readonly (SeedMeasurement & RetryMeasurement & { errors: { total: number } })[],
  mid: number | undefined,
): string | null {
  const rowsAll = seedRows(recs, undefined);
  const r64 = (set: string) =>
    mid === undefined ? undefined : rowsAll.find((r) => r.label === `${set} · httpx c${mid}`);
  const l64 = r64('latest');
  const others64 = ['2022', 'httpx2'].flatMap((set) => {
    const r = r64(set);
    return r ? [r] : [];
  });
  const rec = recs.find((m) => m.label === l64?.label);
  if (!l64 || !rec || others64.length === 0) return null;
  const cpuOk = Number.isFinite(l64.cpuUs) && others64.every((o) => Number.isFinite(o.cpuUs));
  const retry64 = retryRows([{ run: 'the sweep', records: [rec] }])[0];
  // Which of the three conditions failed, by name (seed-e65a2755's second reader, finding 10: there 64 of 64 were open
  // and no socket reopened; only the retries applied).
  const failed = [
    l64.peakOpenConnections !== null && l64.peakOpenConnections >= (l64.lanes ?? Number.POSITIVE_INFINITY)
      ? ''
      : `fewer open than lanes (${l64.peakOpenConnections ?? '—'} of ${l64.lanes ?? '—'})`,
    (retry64?.retries ?? 0) === 0 ? '' : `${fixed(retry64?.perRequest ?? Number.NaN, 2)} retries per request`,
    l64.sockets === 0 ? '' : `${l64.sockets} sockets reopened`,
  ].filter((x) => x !== '');
  const noQueue = failed.length === 0;
  const collapse = cpuOk && others64.every((o) => l64.cpuUs > 2 * o.cpuUs);
  // A flagged row (unstable across blocks, starved, errored, …) decides nothing, here as in every claim.
  const flagged64 = [l64, ...others64].filter((r) => r.flags !== '');
  const retriesText = retry64 ? ` and ${fixed(retry64.perRequest, 2)} ConnectionNotAvailable retries per request` : '';
  const others = others64.map((o) => `\`${o.label}\` ${fixed(o.cpuUs)} µs/request`).join(', ');
  let reading = 'Its cost per request is not a multiple of both others here.';
  if (collapse)
    reading = noQueue
      ? "So 1.0.9's cost per request is a multiple of the others' with every lane holding its own connection and no socket reopened: here it does not need the pool wait or the storm."
      : `Its cost per request is a multiple of the others', but here ${failed.join(' and ')} (of the three conditions, only ${failed.length === 1 ? 'this one' : 'these'} failed), so this row does not separate the pool wait or the storm from the rest.`;
  if (flagged64.length)
    reading = `${flagged64.map((r) => `\`${r.label}\` is flagged (${r.flags})`).join('; ')}: no reading about the pool wait or the storm is drawn from these rows.`;
  return `*Exploratory (added after seeing \`seed-cee25993\`'s data; not a claim)*: at c${mid}, pool = keep-alive = C, \`${l64.label}\` served ${fixed(l64.rps)} req/s at ${fixed(l64.cpuUs)} µs of CPU per request with ${rec.errors.total} errors, ${l64.peakOpenConnections ?? '—'} of ${l64.lanes ?? '—'} connections open at peak, ${l64.sockets} new sockets in the measured windows${retriesText}; ${others} on the same core. ${reading}`;
}

// ---------------------------------------------------------------------------------------------------------------
// The pool's queue work (fastacquire-queue-work, stated before the run after seed-f81740df)

export interface GatherQueueWork {
  /** Σ len(queued) × len(connections) over the process's assignment passes (the worker's sampled estimate). */
  work: number;
  passes: number;
  sampledPasses: number;
  /** Requests the process sent: its cold first gather and every measured batch. */
  requests: number;
  perRequest: number;
}

/**
 * One gather process's queue work, as the worker counted it (`httpcore.queue_work` in the client's settings: it wraps
 * httpcore's `AsyncConnectionPool._assign_requests_to_connections`, counts every pass, and on one pass in
 * `sampleEvery` adds the queued requests × the connections; `queuedTimesConnections` is that sum × `sampleEvery`).
 * Per request the process sent, its cold first gather included, like gatherRetries. null without the counter.
 */
export function gatherQueueWork(r: GatherRecordLike): GatherQueueWork | null {
  const o = workerCounter(r, 'httpcore.queue_work');
  const work = finite(o?.get('queuedTimesConnections'));
  const passes = finite(o?.get('passes'));
  if (work === null || passes === null) return null;
  const requests = processRequests(r);
  return {
    work,
    passes,
    sampledPasses: finite(o?.get('sampledPasses')) ?? 0,
    requests,
    perRequest: requests > 0 ? work / requests : Number.NaN,
  };
}

/**
 * `fastacquire-queue-work` (counted, stated before the run after seed-f81740df): the pool's queue work per request
 * (gatherQueueWork) in every process of `arm` is at least `minRatio` × that of the most of `reference`'s processes.
 * The mechanism (the reader's section A) predicts about 30,000 queued × connection checks per request with
 * fast_acquire (412 queued, 100 connections, a pass on every arrival and response) against about 100 in the default
 * arm, whose double assignment keeps requests out of the queue. Unresolved (not measured) when a process of either is
 * missing, errored or has no counter.
 */
export function queueWorkClaim(input: {
  id: string;
  gathers: readonly GatherRecordLike[];
  arm: string;
  reference: string;
  minRatio: number;
}): VerdictData {
  const read = (arm: string) =>
    input.gathers
      .filter((g) => armOf(g.label) === arm)
      .map((g) => ({ label: g.label, tally: gatherQueueWork(g), error: g.error ?? null }));
  const a = read(input.arm);
  const b = read(input.reference);
  const missing = [...a, ...b].filter((x) => x.tally === null || x.error !== null);
  const why = [
    ...(a.length === 0 ? [`no process of ${input.arm}`] : []),
    ...(b.length === 0 ? [`no process of ${input.reference}`] : []),
    ...missing.map((x) => `${x.label} ${x.error ? `errored (${x.error.code})` : 'has no queue-work counter'}`),
  ];
  const rate = (xs: typeof a) => xs.map((x) => x.tally?.perRequest ?? Number.NaN);
  const least = Math.min(...rate(a));
  const most = Math.max(...rate(b));
  const v = countClaim({
    id: input.id,
    claim: `The pool's queue work per request (Σ queued requests × connections over httpcore's assignment passes, the worker's sampled count) in every process of ${input.arm} is at least ${input.minRatio}× the most of any process of ${input.reference}.`,
    holds: why.length === 0 && least > 0 && least >= input.minRatio * most,
    unresolved: why.length > 0,
    evidence: {
      leastPerRequest: Number.isFinite(least) ? least : null,
      referenceMostPerRequest: Number.isFinite(most) ? most : null,
      ratio: Number.isFinite(least / most) ? least / most : null,
      perProcess: [...a, ...b].map((x) => `${x.label} ${x.tally ? whole(x.tally.perRequest) : '—'}`).join('; '),
    },
  });
  return why.length === 0 ? v : { ...v, evidence: { ...v.evidence, noData: true, notMeasured: why.join('; ') } };
}
