import type { BlockQuantities, InterleavedMeasurement } from './interleaved';
import { countClaim, type VerdictData } from './verdicts';

/**
 * Measurements whose client stopped making progress: a measured block in which no request ended (none answered, none
 * failed), or a client the worker had to give up on (CASEBOOK_CLIENT_STALLED: no request answered or failed for 15 s
 * while a block ran, or its event loop answered no pause). Seen in the seed's runs of December 2026 for httpx on
 * httpcore 1.0.x at 512 in flight — found in the data, so every verdict here is exploratory; the guards already keep
 * such measurements out of every comparison (flags `stalled`, `errors`, `no-data`).
 *
 * The parent keeps a block only when it completes, so a block the worker gave up on leaves no window: what it did
 * travels in the fault's message instead (the worker's `STALL_PAYLOAD_MARKER`, then JSON), read by `parseStallPayload`.
 * A fault without that payload (records made before it existed) shows nothing about the block, and decides nothing.
 */
export interface StallBlock extends BlockQuantities {
  /** Requests that failed in the block's measured windows. */
  errors?: number;
}

export interface StallMeasurement extends InterleavedMeasurement {
  /** The runner keeps every block fault in `casebook.blockFaults` (round, code, message with the block's payload). */
  client: { name: string; settings?: Readonly<Record<string, unknown>> };
  method?: { blocks: readonly StallBlock[] } | undefined;
  errors?: { total: number; byCode: Readonly<Record<string, number>> };
  error?: { code: string; message: string } | null;
}

/** What the worker's block did before it was given up on (casebook_foreign_worker.py `block_payload`). */
export interface StallPayload {
  answered: number;
  failed: number;
  /** Failed requests by error class. */
  byCode: Record<string, number>;
  /** Process CPU seconds and wall seconds since the block began; busy = CPU ÷ wall (cores). */
  cpuS: number | null;
  wallS: number | null;
  busy: number | null;
  /** Connections the client held (its own count, sampled at window boundaries), peak and last; null: not exposed. */
  peakOpenConnections: number | null;
  openConnections: number | null;
  /**
   * Present on a block the runner's time limit cut short (CASEBOOK_TRIAL_TIMEOUT, runner/blocks.ts): the parent's own
   * account of the windows it received, with the phase the block was in ('warmup', 'measured' or 'pause', the last
   * timed on its own limit). Absent in stall faults (the worker's account) and in records made before it existed.
   */
  partial?: {
    phase: string;
    phaseMs: number | null;
    limitMs: number | null;
    warmupWindows: number;
    measuredWindows: number;
    sent: number | null;
    /**
     * Completions per second over the windows received; null without a window. `cpuMicrosPerRequest` as the runner
     * wrote it: per request SENT in records before seed-7326eaa1's review, per request answered after; read
     * `partialCpuPerAnswered` instead, which is per answered request in both.
     */
    throughputRps: number | null;
    cpuMicrosPerRequest: number | null;
    measuredThroughputRps: number | null;
  };
}

/** The marker the worker puts before the JSON payload (casebook_foreign_worker.py STALL_PAYLOAD_MARKER). */
export const STALL_PAYLOAD_MARKER = '; the block so far: ';

const numOrNull = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

/** The block payload of a stall fault's message, or null when it has none (or it does not parse). */
export function parseStallPayload(message: string | undefined | null): StallPayload | null {
  if (!message) return null;
  const at = message.lastIndexOf(STALL_PAYLOAD_MARKER);
  if (at < 0) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(message.slice(at + STALL_PAYLOAD_MARKER.length));
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const o = new Map<string, unknown>(Object.entries(raw));
  const answered = numOrNull(o.get('answered'));
  const failed = numOrNull(o.get('failed'));
  if (answered === null || failed === null) return null;
  const byCodeRaw = o.get('byCode');
  const byCode: Record<string, number> = {};
  if (typeof byCodeRaw === 'object' && byCodeRaw !== null)
    for (const [k, v] of Object.entries(byCodeRaw)) if (typeof v === 'number') byCode[k] = v;
  const phase = o.get('phase');
  return {
    answered,
    failed,
    byCode,
    cpuS: numOrNull(o.get('cpuS')),
    wallS: numOrNull(o.get('wallS')),
    busy: numOrNull(o.get('busy')),
    peakOpenConnections: numOrNull(o.get('peakOpenConnections')),
    openConnections: numOrNull(o.get('openConnections')),
    ...(o.get('partial') === true && typeof phase === 'string'
      ? {
          partial: {
            phase,
            phaseMs: numOrNull(o.get('phaseMs')),
            limitMs: numOrNull(o.get('limitMs')),
            warmupWindows: numOrNull(o.get('warmupWindows')) ?? 0,
            measuredWindows: numOrNull(o.get('measuredWindows')) ?? 0,
            sent: numOrNull(o.get('sent')),
            throughputRps: numOrNull(o.get('throughputRps')),
            cpuMicrosPerRequest: numOrNull(o.get('cpuMicrosPerRequest')),
            measuredThroughputRps: numOrNull(o.get('measuredThroughputRps')),
          },
        }
      : {}),
  };
}

/** The partial block of a measurement cut short by the runner's time limit (from its fault), or null. */
export function partialBlockOf(m: { error?: { code: string; message: string } | null }): StallPayload | null {
  if (m.error?.code !== TIMED_OUT) return null;
  const p = parseStallPayload(m.error.message);
  return p?.partial ? p : null;
}

/**
 * CPU µs per ANSWERED request over a fault's block (cpuS ÷ answered), or null when nothing was answered or no CPU was
 * read. Not per request sent: requests still in flight at the cut cost CPU and were not answered (seed-7326eaa1 printed
 * 29,995 µs per request sent next to a throughput of answered requests; per answered request it was ~356,000 µs).
 */
export function partialCpuPerAnswered(p: Pick<StallPayload, 'cpuS' | 'answered'>): number | null {
  return p.cpuS !== null && p.answered > 0 ? (p.cpuS * 1e6) / p.answered : null;
}

/** `partial block (timed out in its warm-up after 3 windows)`: how a row built from a partial block is labelled. */
export function partialBlockText(p: StallPayload): string {
  const q = p.partial;
  if (!q) return '';
  const phase = q.phase === 'warmup' ? 'warm-up' : q.phase === 'measured' ? 'measured windows' : 'pause';
  const n = q.warmupWindows + q.measuredWindows;
  return `partial block (timed out in its ${phase} after ${n} window${n === 1 ? '' : 's'})`;
}

/** The fault's message without the payload (the words only). */
export const stallFaultText = (message: string): string => {
  const at = message.lastIndexOf(STALL_PAYLOAD_MARKER);
  return at < 0 ? message : message.slice(0, at);
};

export interface StallRow {
  label: string;
  blocks: number;
  /** Measured blocks in which no request ended (throughput 0 and no error). */
  stalledBlocks: number;
  /** Measured blocks that completed no request but failed some (a client that runs and fails, not a stall). */
  failingBlocks: number;
  /** The client's busy share (CPU / wall) in its stalled blocks, median; NaN when none stalled. */
  stalledUtilization: number;
  /** Error counts by code, largest first: `PoolTimeout 969, ConnectTimeout 3`; '' when none. */
  errors: string;
  /** The measurement's own error code when it stopped (e.g. CASEBOOK_CLIENT_STALLED), else ''. */
  fault: string;
  /**
   * What the block given up on (stall) or cut short (time limit, with `partial`) did, from the fault; null: no fault,
   * or a fault without that payload.
   */
  faultBlock: StallPayload | null;
  /**
   * The fault that is the measurement's error happened in the measurement's first block (no block and no other fault
   * in an earlier round). Not a cold/warm contrast: a block after one that completed also starts after a pause longer
   * than httpcore's 5 s keepalive_expiry.
   */
  firstBlock: boolean;
  /** Every block fault of the measurement, in round order (a reopened measurement that faulted again has two). */
  faults: BlockFaultRow[];
}

/** One block fault of a measurement, as the runner kept it (`casebook.blockFaults`). */
export interface BlockFaultRow {
  /** The round the block ran in; null when the record does not say (a fault known from the record's error alone). */
  round: number | null;
  code: string;
  /** The fault's message, its block's payload included (as the record's error carries it when it is that fault). */
  message: string;
  /** The phase the block was in: 'warmup', 'measured' or 'pause' (from a time limit's partial block); null: not said. */
  phase: string | null;
  /** What the block did (the fault's payload); null: the fault carries none. */
  block: StallPayload | null;
  /** The measurement's first block: no block of it and no other fault in an earlier round. */
  firstBlock: boolean;
  /** A fault in an earlier round reopened the client: this block ran in a fresh client process. */
  afterReopen: boolean;
}

/**
 * Every block fault of a measurement, in round order, from the client's `casebook.blockFaults` (runner/interleave.ts
 * keeps each, with its round and its block's payload); a record without that setting (made before it) gives its
 * error alone, round unknown, and calls it the first block only when no block completed. The first block is the
 * measurement's, not a reopened client's: a fault in round 1 after a round-0 timeout is `afterReopen`, never first.
 */
export function blockFaultsOf(m: Pick<StallMeasurement, 'client' | 'method' | 'error'>): BlockFaultRow[] {
  const listed = m.client.settings?.['casebook.blockFaults'];
  const raw = (Array.isArray(listed) ? listed : []).flatMap((f: unknown) => {
    if (typeof f !== 'object' || f === null) return [];
    const o = new Map<string, unknown>(Object.entries(f));
    const code = o.get('code');
    if (typeof code !== 'string') return [];
    const message = o.get('message');
    return [{ round: numOrNull(o.get('round')), code, message: typeof message === 'string' ? message : '' }];
  });
  const blockRounds = (m.method?.blocks ?? []).map((b) => b.round);
  const faults = raw.length > 0 ? raw : m.error ? [{ round: null, code: m.error.code, message: m.error.message }] : [];
  return faults
    .map((f) => {
      const block = parseStallPayload(f.message);
      const earlier = (r: number) => f.round !== null && r < f.round;
      return {
        round: f.round,
        code: f.code,
        message: f.message,
        phase: block?.partial?.phase ?? (f.code === PAUSE_FAULT ? 'pause' : null),
        block: block,
        firstBlock:
          f.round === null
            ? blockRounds.length === 0
            : !blockRounds.some(earlier) && !faults.some((g) => g.round !== null && earlier(g.round)),
        afterReopen: faults.some((g) => g.round !== null && earlier(g.round)),
      };
    })
    .sort((a, b) => (a.round ?? -1) - (b.round ?? -1));
}

const PHASE_TEXT: Readonly<Record<string, string>> = {
  warmup: 'warm-up',
  measured: 'measured windows',
  pause: 'pause',
};

/**
 * One fault as the stalls table names it: `CASEBOOK_TRIAL_TIMEOUT in round 1 (warm-up; after a reopen)`; "its first
 * block" only for the measurement's first block.
 */
export function blockFaultText(f: BlockFaultRow): string {
  const where = [
    f.phase === null ? null : (PHASE_TEXT[f.phase] ?? f.phase),
    f.firstBlock ? 'its first block' : f.afterReopen ? 'after a reopen' : null,
  ].filter((x): x is string => x !== null);
  return `${f.code}${f.round === null ? '' : ` in round ${f.round}`}${where.length ? ` (${where.join('; ')})` : ''}`;
}

/**
 * What a faulted block did, from its payload: for a time limit's partial block the phase, its time and limit, the
 * windows received, the throughput of its measured windows (and over all) and CPU per ANSWERED request; then requests
 * answered and failed (by code), the client's busy share over the block's wall time and its peak open connections.
 */
export function faultBlockText(p: StallPayload): string {
  const f = (x: number | null | undefined, digits = 0) =>
    typeof x === 'number' && Number.isFinite(x) ? x.toFixed(digits) : '—';
  const q = p.partial;
  const partial = q
    ? `${PHASE_TEXT[q.phase] ?? q.phase} phase after ${f(q.phaseMs)} ms (limit ${f(q.limitMs)}), ${q.warmupWindows + q.measuredWindows} windows received: ${f(q.measuredThroughputRps, 1)} req/s in its measured windows (${f(q.throughputRps, 1)} over all), ${f(partialCpuPerAnswered(p))} µs CPU per answered request; `
    : '';
  const failed = p.failed ? ` (${codesText(p.byCode)})` : '';
  return `${partial}${p.answered} answered, ${p.failed} failed${failed}, busy ${f(p.busy, 2)} over ${f(p.wallS, 1)} s, ${p.peakOpenConnections ?? '—'} connections (peak)`;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const codesText = (byCode: Readonly<Record<string, number>>): string =>
  Object.entries(byCode)
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');

/** One row per measurement that stalled in a block, errored, or stopped with a fault; the others are left out. */
export function stallRows(ms: readonly StallMeasurement[]): StallRow[] {
  return ms.flatMap((m) => {
    const blocks = m.method?.blocks ?? [];
    const stalled = blocks.filter((b) => b.throughputRps === 0 && (b.errors ?? 0) === 0);
    const failing = blocks.filter((b) => b.throughputRps === 0 && (b.errors ?? 0) > 0);
    const errors = codesText(m.errors?.byCode ?? {});
    const fault = m.error?.code ?? '';
    const faults = blockFaultsOf(m);
    if (stalled.length === 0 && failing.length === 0 && errors === '' && fault === '' && faults.length === 0) return [];
    // The fault that is the measurement's error (the one it was dropped after, else the first it was reopened after).
    const own = faults.find((f) => f.code === m.error?.code && f.message === m.error.message);
    return [
      {
        label: m.label,
        blocks: blocks.length,
        stalledBlocks: stalled.length,
        failingBlocks: failing.length,
        stalledUtilization: median(stalled.map((b) => b.clientUtilization)),
        errors,
        fault,
        faultBlock: fault === GAVE_UP || fault === TIMED_OUT ? parseStallPayload(m.error?.message) : null,
        firstBlock: fault !== '' && (own?.firstBlock ?? blocks.length === 0),
        faults: faults,
      },
    ];
  });
}

/** The harness's pause left unanswered after a block's measured windows arrived (runner/blocks.ts). */
const PAUSE_FAULT = 'CASEBOOK_PAUSE_UNANSWERED';

/**
 * The one fault that means the client may have made no progress: the worker's stall monitor saw no request answered
 * or failed for 15 s while a block ran (or no answer to a pause), and gave up on it (CASEBOOK_CLIENT_STALLED).
 */
const GAVE_UP = 'CASEBOOK_CLIENT_STALLED';

/**
 * The harness's block time limit. A block that ran past it before any measured block says the client was slow to
 * settle, not that it froze: a client that is very slow and never steady within the warm-up times out the same way.
 */
const TIMED_OUT = 'CASEBOOK_TRIAL_TIMEOUT';

/** The fault's block shows no progress: no request answered or failed, with the client busy ≥ `minUtilization`. */
const faultShowsNoProgress = (p: StallPayload | null, minUtilization: number): boolean =>
  p !== null && p.answered + p.failed === 0 && p.busy !== null && p.busy >= minUtilization;

/**
 * Exploratory, never counted: "the client stops making progress: in a block, no request is answered and none fails
 * while the client uses at least `minUtilization` of a core". It can hardly hold for httpx: the watchdog counts a failed
 * request as progress, and httpx fails every request that waited its 5 s pool timeout (PoolTimeout), so a client whose
 * waiters time out is never seen to stop; its text says so, and such a client is read by throughput and CPU per request
 * (`collapsed`) instead. Holds only on data: a measured block with no completion and no error at
 * that utilisation, or a stall fault whose block payload shows 0 answered + 0 failed at that utilisation. Unresolved
 * when the record cannot show it either way: a fault without its block's data (records made before the payload), a
 * fault whose block ended requests or whose client was not that busy, a block past the harness's time limit before any
 * measured block (slow, not proven frozen), blocks that failed every request (running, not stalled), or no data at
 * all. Fails when every measured block completed requests and no fault ended the measurement.
 */
export function stallObservation(input: { id: string; m: StallMeasurement; minUtilization: number }): VerdictData {
  const [row] = stallRows([input.m]);
  const blocks = row?.blocks ?? input.m.method?.blocks.length ?? 0;
  const busyStalls = row !== undefined && row.stalledBlocks > 0 && row.stalledUtilization >= input.minUtilization;
  const p = row?.faultBlock ?? null;
  // Only the worker's watchdog (or a measured block with nothing ended) shows a stop; a time limit shows a slow block.
  const gaveUpOnData = row !== undefined && row.fault === GAVE_UP && faultShowsNoProgress(p, input.minUtilization);
  const holds = busyStalls || gaveUpOnData;
  const progressed =
    blocks > 0 && (input.m.method?.blocks ?? []).every((b) => b.throughputRps > 0) && (row?.fault ?? '') === '';
  const otherFaultAfterProgress =
    blocks > 0 &&
    (input.m.method?.blocks ?? []).every((b) => b.throughputRps > 0) &&
    row !== undefined &&
    row.fault !== '' &&
    row.fault !== GAVE_UP &&
    row.fault !== TIMED_OUT;
  const v = countClaim({
    id: input.id,
    kind: 'exploratory',
    claim: `Exploratory observation (found in the data; not a claim, not counted among the findings): ${input.m.label} stops making progress at 512 in flight — in a block, no request is answered and none fails while the client uses ≥ ${input.minUtilization} of its core (a measured block, or the block the worker's stall monitor gave up on after 15 s with neither, CASEBOOK_CLIENT_STALLED, as its fault's data shows). Where the pool wait is bounded (httpx's default 5 s \`pool\`) it can hardly hold: a failed request counts as progress, and httpx fails a request that waited 5 s for a pooled connection (PoolTimeout), so a client whose queued requests time out keeps "progressing" while it answers almost nothing; what such a client did is read from its throughput and CPU per request (the \`collapsed\` flag), not from this observation. With the pool wait unbounded (\`pool=None\`, every steady-state httpx row of this notebook) no waiter fails on a pool bound; any other failure (a ConnectTimeout while the loop is held, say) still counts as progress. Unresolved without such data: a fault that carries no block data, a block that failed requests (running, not stalled), or a block past the harness's time limit (CASEBOOK_TRIAL_TIMEOUT: slow, not proven frozen; its partial block is reported as throughput and CPU per request instead).`,
    holds,
    unresolved: !holds && !progressed && !otherFaultAfterProgress,
    evidence: {
      blocks: blocks,
      stalledBlocks: row?.stalledBlocks ?? 0,
      failingBlocks: row?.failingBlocks ?? 0,
      stalledUtilization:
        row && Number.isFinite(row.stalledUtilization) ? Number(row.stalledUtilization.toFixed(3)) : null,
      errors: row?.errors || 'none',
      fault: row?.fault || 'none',
      firstBlock: row?.firstBlock ?? false,
      blockFaults: row?.faults.length ? row.faults.map(blockFaultText).join('; ') : 'none',
      faultBlockData: p !== null,
      faultAnswered: p?.answered ?? null,
      faultFailed: p?.failed ?? null,
      faultErrors: p ? codesText(p.byCode) || 'none' : null,
      faultBusy: p?.busy ?? null,
      faultWallS: p?.wallS ?? null,
      faultPeakOpenConnections: p?.peakOpenConnections ?? null,
    },
  });
  return v;
}

// ---------------------------------------------------------------------------------------------------------------
// httpcore's ConnectionNotAvailable retries, per measurement and client process

/** One client process's retries as the runner counted them from its windows (runner/blocks.ts PoolRetryTally). */
export interface PoolRetries {
  retries: number;
  requestsEnded: number;
}

const poolRetriesOf = (x: unknown): PoolRetries | null => {
  if (typeof x !== 'object' || x === null) return null;
  const o = new Map<string, unknown>(Object.entries(x));
  const retries = numOrNull(o.get('retries'));
  const ended = numOrNull(o.get('requestsEnded'));
  return retries === null || ended === null ? null : { retries: retries, requestsEnded: ended };
};

/** What retryRows reads: the client's settings (its counter and its block faults) and the guards' flags. */
export interface RetryMeasurement {
  label: string;
  client: { settings?: Readonly<Record<string, unknown>> };
  guards?: { flags: readonly string[] } | null | undefined;
}

export interface RetryRow {
  /** The run (interleaved comparison) the measurement belongs to. */
  run: string;
  measurement: string;
  /** Client processes counted: a measurement reopened after a fault ran in more than one. */
  processes: number;
  retries: number;
  requestsEnded: number;
  /** Retries ÷ requests ended, over every process; NaN when none ended. */
  perRequest: number;
  /** Per process when there is more than one: `round 0 (faulted): 1.931 per request; after the reopen: 0.220`. */
  perProcess: string;
  /** The measurement's guard flags ('' when none): a flagged row is listed and read, with its flags beside it. */
  flags: string;
}

/**
 * The ConnectionNotAvailable retry table: one row per measurement of every run given that has the counter (httpcore
 * 1.0.x and httpcore2; 0.16.3 and aiohttp have none), flagged ones included. The record's counter
 * (`httpcore.connectionNotAvailableRetries`) is the last client process's; each block fault keeps the counter of the
 * process that faulted (`poolRetries`), so a measurement reopened after a timeout counts both. A measurement dropped
 * after its last fault ends in that same process: its counter equals that fault's and is counted once.
 */
export function retryRows(runs: readonly { run: string; records: readonly RetryMeasurement[] }[]): RetryRow[] {
  return runs.flatMap(({ run, records }) =>
    records.flatMap((m) => {
      const s = m.client.settings ?? {};
      const listed = s['casebook.blockFaults'];
      const faulted = (Array.isArray(listed) ? listed : []).flatMap((f: unknown) => {
        if (typeof f !== 'object' || f === null) return [];
        const o = new Map<string, unknown>(Object.entries(f));
        const tally = poolRetriesOf(o.get('poolRetries'));
        return tally ? [{ name: `round ${numOrNull(o.get('round')) ?? '?'} (faulted)`, ...tally }] : [];
      });
      const last = poolRetriesOf(s['httpcore.connectionNotAvailableRetries']);
      const previous = faulted[faulted.length - 1];
      const same = last !== null && previous?.retries === last.retries && previous.requestsEnded === last.requestsEnded;
      const processes = [
        ...faulted,
        ...(last !== null && !same ? [{ name: faulted.length ? 'after the reopen' : 'its process', ...last }] : []),
      ];
      if (processes.length === 0) return [];
      const retries = processes.reduce((n, p) => n + p.retries, 0);
      const ended = processes.reduce((n, p) => n + p.requestsEnded, 0);
      const rate = (p: PoolRetries) => (p.requestsEnded > 0 ? (p.retries / p.requestsEnded).toFixed(3) : '—');
      return [
        {
          run: run,
          measurement: m.label,
          processes: processes.length,
          retries: retries,
          requestsEnded: ended,
          perRequest: ended > 0 ? retries / ended : Number.NaN,
          perProcess: processes.length > 1 ? processes.map((p) => `${p.name}: ${rate(p)} per request`).join('; ') : '',
          flags: (m.guards?.flags ?? []).join(', '),
        },
      ];
    }),
  );
}
