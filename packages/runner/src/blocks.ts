import * as path from 'node:path';
import { getAdapter } from '@casebook/clients';
import { ipcTransport, jsonLinesTransport, pinningPlan, spawnPinned, type WorkerTransport } from '@casebook/procs';
import { CasebookError, type ContinuousMethod } from '@casebook/results';
import { startTarget, type TargetHandle } from '@casebook/servers';
import type { DriverMessage } from './driver';
import {
  FOREIGN_CLIENT_INFO,
  FOREIGN_WORKER_SCRIPT,
  type ForeignAvailability,
  type ForeignAvailable,
  type ForeignVersions,
  foreignClientBlock,
  foreignClientStart,
  foreignEnvironmentVersions,
  isForeignOptions,
  type ResolvedForeignOptions,
  readyVersions,
  requireForeignPython,
  toPhaseResult,
} from './foreign';
import { type CoreShare, coreShares, readCoreTimes } from './machine-load';
import type { ResolvedBenchOptions } from './options';
import {
  type ContinuousFromWorker,
  type ContinuousStart,
  type ContinuousToWorker,
  type ForeignContinuousStart,
  type ForeignPhaseResult,
  isWorkerRuntime,
  type PhaseResult,
  type WorkerRuntime,
} from './protocol';
import type { BenchRecord, TrialRecord } from './record';
import { type SteadinessRule, steadiness, type WindowSignal } from './steady';
import { round, toTrial } from './summary';
import { clientRuntimeSetting, type ResolvedVersions, spawnClientWorker, WORKSPACE_VERSIONS } from './version-choice';

/**
 * One measurement under the steady-state method: its target and its client worker stay up for the whole run, and
 * each `runBlock` resumes the continuous load, re-warms until the steadiness test passes (steady.ts), measures
 * `windowsPerBlock` consecutive windows, then pauses. Between blocks the process — its JIT, its pool — is kept, so an
 * interleaved run does not make every slice cold; whatever the client's idle timeout closed in between is re-warmed
 * and shows in the warm-up curve.
 *
 * A measurement's client runs in a Node worker (continuous-worker-process.ts, over IPC) or, for a foreign client, in
 * the Python worker (`casebook_foreign_worker.py --continuous`, JSON lines on stdio, its raw latencies turned into
 * the same histograms here); the blocks, windows, target counters and guards are the same for both.
 */

export interface ContinuousPlan {
  windowMs: number;
  windowsPerBlock: number;
  steadiness: SteadinessRule;
}

/** One warm-up window, kept compact (no histogram) for the warm-up curve: the record's schema type. */
export type WarmupWindow = ContinuousMethod['warmupCurve'][number];

export interface MeasuredWindow extends TrialRecord {
  block: number;
  /** Busy and steal share of each core during the window (/proc/stat), null where unavailable. */
  cores: CoreShare[] | null;
}

export interface BlockResult {
  index: number;
  /** Interleaving round and position in it (set by the interleaver). */
  round: number;
  position: number;
  steady: boolean;
  steadiness: string;
  /** When the block started and ended, ms since the interleaved run started (the gap before it is the pause). */
  startMs: number;
  endMs: number;
  warmupMs: number;
  warmup: WarmupWindow[];
  windows: MeasuredWindow[];
}

/** The phase a block was in: re-warming, measuring its windows, or pausing (the load drains or is cancelled). */
export type BlockPhase = 'warmup' | 'measured' | 'pause';

/**
 * The marker before the JSON payload in a block fault's message: the same as the Python worker's stall fault
 * (casebook_foreign_worker.py STALL_PAYLOAD_MARKER), read by @casebook/analysis `parseStallPayload`.
 */
export const BLOCK_PAYLOAD_MARKER = '; the block so far: ';

/**
 * The time limits of one block, each counted from the start of its own phase so a slow pause is never charged to the
 * measurement: warm-up and measured windows together get the steadiness test's longest warm-up, the measured windows
 * (`measuredPhaseMs`; 4 extra windows of slack for late window timers) and `ACTIVE_SLACK_MS`; the pause (the worker
 * waits PAUSE_GRACE_S = 10 s for requests in flight, then cancels the rest) gets `PAUSE_LIMIT_MS` on its own. Stated
 * before the run (added after seed-15163329, whose 5 faults were all the single 48 s limit of the old rule, which
 * counted warm-up, windows and pause together).
 */
export const ACTIVE_SLACK_MS = 30_000;
export const PAUSE_LIMIT_MS = 40_000;

/**
 * The longest measured phase the plan allows: windowsPerBlock windows, or as long as the longest warm-up when that is
 * longer, where windows may run on past their count or their length:
 * - with a minimum of measured requests (SteadinessRule.minMeasuredRequests), the measured phase adds windows until
 *   the minimum or that much measured time;
 * - with a minimum of requests per window (the entry's `minWindowRequests`, `windowMinimum`), a window runs on past
 *   its boundaries until that many requests ended in it, so the measured windows, and the warm-up's last window (which
 *   may begin just before the longest warm-up and end past it), are longer than windowMs: together they get as long as
 *   the longest warm-up. Added after seed-0966c9a9, with its data in view: httpcore 1.0.x at 512 in flight completed
 *   about 100 requests per wave every 4–6 s, so a window holding one cycle of its 512 callers lasts about 25 s, and
 *   the limit of 2 s windows (maxWarmupMs + 6 windows + 30 s) would have cut such a block short.
 * Without either minimum (0, the default) the limit is the rule before.
 */
function measuredPhaseMs(plan: ContinuousPlan, minWindowRequests: number): number {
  const windows = plan.windowMs * plan.windowsPerBlock;
  const longer = (plan.steadiness.minMeasuredRequests ?? 0) > 0 || minWindowRequests > 0;
  return longer ? Math.max(windows, plan.steadiness.maxWarmupMs) : windows;
}

/**
 * A measurement's block limits: the plan's, with the entry's minimum of requests per window (`windowMinimum`; 0: every
 * boundary cuts a window, the limit before).
 */
export function blockLimits(plan: ContinuousPlan, minWindowRequests = 0): { activeMs: number; pauseMs: number } {
  return {
    activeMs:
      plan.steadiness.maxWarmupMs + measuredPhaseMs(plan, minWindowRequests) + plan.windowMs * 4 + ACTIVE_SLACK_MS,
    pauseMs: PAUSE_LIMIT_MS,
  };
}

/** An entry's minimum of requests per window (a foreign client's `minWindowRequests`; Node clients refuse it: 0). */
export function windowMinimum(options: ContinuousOptions): number {
  return isForeignOptions(options) ? options.foreign.minWindowRequests : 0;
}

/** What a block did before its time limit: every window received, whatever its phase (the partial block). */
export interface PartialBlockPayload {
  /** The payload is the parent's account of a block cut short by its time limit, not a completed block. */
  partial: true;
  block: number;
  phase: BlockPhase;
  /** How long the phase that timed out ran, and its limit (ms). */
  phaseMs: number;
  limitMs: number;
  warmupWindows: number;
  measuredWindows: number;
  /** Requests answered and failed in the windows received (warm-up and measured), errors by code. */
  answered: number;
  failed: number;
  sent: number;
  byCode: Record<string, number>;
  /** Client CPU and wall seconds over the windows received; busy = CPU ÷ wall (cores). */
  cpuS: number;
  wallS: number;
  busy: number | null;
  /**
   * Over the windows received: completions per second, and CPU µs per request ANSWERED (not per request sent: those
   * in flight at the cut have cost CPU and not been answered); null without a window, or with no answer.
   */
  throughputRps: number | null;
  cpuMicrosPerRequest: number | null;
  /** Over the measured windows only (null: none was received). */
  measuredThroughputRps: number | null;
  peakOpenConnections: number | null;
  openConnections: number | null;
}

/** Sums over the windows a block received so far, for the partial block a time limit reports. */
export class WindowTally {
  warmupWindows = 0;
  measuredWindows = 0;
  answered = 0;
  failed = 0;
  sent = 0;
  cpuMicros = 0;
  durationMs = 0;
  measuredOk = 0;
  measuredMs = 0;
  peakOpen: number | null = null;
  lastOpen: number | null = null;
  byCode: Record<string, number> = {};

  add(phase: 'warmup' | 'measured', t: TrialRecord): void {
    if (phase === 'warmup') this.warmupWindows++;
    else {
      this.measuredWindows++;
      this.measuredOk += t.ok;
      this.measuredMs += t.durationMs;
    }
    this.answered += t.ok;
    this.failed += t.errors.total;
    this.sent += t.sent;
    this.cpuMicros += t.cpuUserMicros + t.cpuSystemMicros;
    this.durationMs += t.durationMs;
    for (const [code, n] of Object.entries(t.errors.byCode)) this.byCode[code] = (this.byCode[code] ?? 0) + n;
    const open = t.target?.peakOpenConnections;
    if (typeof open === 'number') {
      this.lastOpen = open;
      this.peakOpen = Math.max(this.peakOpen ?? 0, open);
    }
  }

  payload(block: number, phase: BlockPhase, phaseMs: number, limitMs: number): PartialBlockPayload {
    const wallS = this.durationMs / 1000;
    const cpuS = this.cpuMicros / 1e6;
    return {
      partial: true,
      block,
      phase,
      phaseMs: Math.round(phaseMs),
      limitMs,
      warmupWindows: this.warmupWindows,
      measuredWindows: this.measuredWindows,
      answered: this.answered,
      failed: this.failed,
      sent: this.sent,
      byCode: { ...this.byCode },
      cpuS: round(cpuS, 3),
      wallS: round(wallS, 3),
      busy: wallS > 0 ? round(cpuS / wallS, 3) : null,
      throughputRps: wallS > 0 ? round(this.answered / wallS, 1) : null,
      // Per request ANSWERED: the requests sent include those still in flight when the limit cut the block (512 of
      // 1,188 in seed-7326eaa1), so CPU ÷ sent understated the cost ~12× beside a throughput of answered requests.
      cpuMicrosPerRequest: this.answered > 0 ? round(this.cpuMicros / this.answered, 2) : null,
      measuredThroughputRps: this.measuredMs > 0 ? round((this.measuredOk * 1000) / this.measuredMs, 1) : null,
      peakOpenConnections: this.peakOpen,
      openConnections: this.lastOpen,
    };
  }
}

/**
 * The harness's pause after a block's measured windows all arrived was not answered: by the worker's pause watchdog
 * (casebook_foreign_worker.py PAUSE_WATCHDOG_S) or by the runner's pause limit (PAUSE_LIMIT_MS). A fault of the
 * harness's pause (waiting for, then cancelling, the requests in flight), not of the measurement: the block's
 * measured windows are data and are kept (`PauseFault.block`). Added after seed-7326eaa1, where uvloop's block was
 * thrown away and the run filed the pause as a stall of the client.
 */
export const PAUSE_UNANSWERED = 'CASEBOOK_PAUSE_UNANSWERED';

/** A PAUSE_UNANSWERED fault with the block whose measured windows had all arrived (kept as data). */
export class PauseFault extends CasebookError {
  readonly block: BlockResult;
  constructor(cause: CasebookError, block: BlockResult) {
    super(
      PAUSE_UNANSWERED,
      `the pause after block ${block.index}'s ${block.windows.length} measured windows was not answered (the block is kept; ${cause.code}: ${cause.message})`,
    );
    this.block = block;
  }
}

/** The fault of a block cut short by its time limit: its words, then the partial block as JSON after the marker. */
export function blockTimeoutError(p: PartialBlockPayload): CasebookError {
  const what =
    p.phase === 'pause'
      ? 'its pause (waiting for, then cancelling, the requests in flight; counted apart from the measurement)'
      : `its ${p.phase === 'warmup' ? 'warm-up' : 'measured windows'}`;
  return new CasebookError(
    'CASEBOOK_TRIAL_TIMEOUT',
    `block ${p.block} ran longer than ${p.limitMs} ms in ${what}${BLOCK_PAYLOAD_MARKER}${JSON.stringify(p)}`,
  );
}

type FromWorker = DriverMessage<PhaseResult> | ContinuousFromWorker;
type ToWorker = ContinuousStart | ForeignContinuousStart | ContinuousToWorker;
type ForeignFromWorker = DriverMessage<ForeignPhaseResult> | ContinuousFromWorker<ForeignPhaseResult>;

/** Any measurement the steady-state method runs. */
export type ContinuousOptions = ResolvedBenchOptions | ResolvedForeignOptions;

export const CONTINUOUS_NODE_WORKER = path.join(__dirname, 'continuous-worker-process.js');

/** How a measurement's client process is started, decided before anything starts (nothing is spawned here). */
export type ContinuousLaunch =
  | { kind: 'node'; options: ResolvedBenchOptions; script: string; versions: ResolvedVersions }
  | { kind: 'python'; options: ResolvedForeignOptions; python: string; args: string[]; py: ForeignAvailable };

/**
 * The launch of one measurement: Node clients in the Node worker; foreign ones in the Python worker of their set.
 * Throws CasebookError CASEBOOK_FOREIGN_UNAVAILABLE when the set cannot run the client or loop (`find` probes it).
 */
export function continuousLaunch(
  options: ContinuousOptions,
  find?: (set: string | null) => ForeignAvailability,
  versions: ResolvedVersions = WORKSPACE_VERSIONS,
): ContinuousLaunch {
  if (!isForeignOptions(options)) return { kind: 'node', options, script: CONTINUOUS_NODE_WORKER, versions };
  const py = requireForeignPython(options, find);
  return { kind: 'python', options, python: py.python, args: [FOREIGN_WORKER_SCRIPT, '--continuous'], py };
}

/** The worker's start message for a target (HTTPS: the client trusts exactly the CA this target made at start). */
export function continuousStart(
  launch: ContinuousLaunch,
  origin: string,
  caPem: string | null,
  windowMs: number,
): ContinuousStart | ForeignContinuousStart {
  if (launch.kind === 'python') {
    const { minWindowRequests } = launch.options.foreign;
    return {
      type: 'start',
      ...foreignClientStart(launch.options, origin),
      windowMs,
      ...(minWindowRequests > 0 ? { minWindowRequests } : {}),
    };
  }
  const { options } = launch;
  return {
    type: 'start',
    client: options.client,
    origin,
    clientOptions: caPem ? { ...options.clientOptions, tls: { caPem } } : options.clientOptions,
    load: options.load,
    windowMs,
    // A client version from the store (a version matrix cell): the worker loads it instead of the workspace's.
    ...(Object.keys(launch.versions.clientPackages).length > 0
      ? { clientPackages: launch.versions.clientPackages }
      : {}),
  };
}

/**
 * Requests that failed while the load paused (issued in a measured window; e.g. the Python worker's "AbandonedAtPause":
 * still in flight 10 s after the pause, so stalled, and cancelled) are faults of the block: they are added to its last
 * measured window's error counts, so the record keeps them and the guards flag the measurement. Nothing else of the
 * partial window counts (the load was draining, not steady).
 */
export function carryPauseErrors(
  windows: BlockResult['windows'],
  errors: { total: number; byCode: Record<string, number> },
  samples: Record<string, string>,
): void {
  const last = windows[windows.length - 1];
  if (!last || errors.total === 0) return;
  last.errors.total += errors.total;
  for (const [code, n] of Object.entries(errors.byCode)) last.errors.byCode[code] = (last.errors.byCode[code] ?? 0) + n;
  for (const [code, text] of Object.entries(samples)) last.errorSamples[code] ??= text;
}

/** A foreign worker's windows carry raw latencies: turned into histograms as they arrive. */
function fromForeign(m: ForeignFromWorker): FromWorker {
  switch (m.type) {
    case 'window':
    case 'phase-end':
      return { ...m, result: toPhaseResult(m.result) };
    case 'paused':
      return { ...m, partial: toPhaseResult(m.partial) };
    default:
      return m;
  }
}

/**
 * httpcore's ConnectionNotAvailable retries as the Python worker counted them, summed over every window it sent
 * (warm-up and measured; the worker wraps only the retry branch, casebook_foreign_worker.py POOL_RETRIES), per request
 * ended. `retries` null: the client's pool is not instrumented (httpcore 0.16.3, aiohttp, Node clients).
 */
export class PoolRetryTally {
  retries: number | null = null;
  requestsEnded = 0;

  add(r: ForeignPhaseResult): void {
    if (typeof r.poolRetries !== 'number') return;
    this.retries = (this.retries ?? 0) + r.poolRetries;
    this.requestsEnded += r.ok + r.errors.total;
  }

  summary(): { retries: number; requestsEnded: number; perRequest: number | null } | null {
    if (this.retries === null) return null;
    const perRequest = this.requestsEnded > 0 ? round(this.retries / this.requestsEnded, 4) : null;
    return { retries: this.retries, requestsEnded: this.requestsEnded, perRequest: perRequest };
  }
}

function spawnWorker(launch: ContinuousLaunch, retries: PoolRetryTally): WorkerTransport<FromWorker, ToWorker> {
  const cpu = pinningPlan().clientCpu;
  if (launch.kind === 'node') {
    return ipcTransport(spawnClientWorker(launch.script, launch.versions, cpu));
  }
  const raw = jsonLinesTransport<ForeignFromWorker, ToWorker>(
    spawnPinned(launch.python, launch.args, { cpu, stdio: 'pipe', env: { PYTHONUNBUFFERED: '1' }, role: 'client' }),
  );
  const count = (m: ForeignFromWorker) => {
    if (m.type === 'window') retries.add(m.result);
    else if (m.type === 'paused') retries.add(m.partial);
  };
  return {
    ...raw,
    onMessage: (handler, onFailure) =>
      raw.onMessage((m) => {
        count(m);
        return handler(fromForeign(m));
      }, onFailure),
  };
}

/**
 * The harness's own cancellation, not a client's fault: a request the Python worker cancelled at a pause while it was
 * still queued in a pool configured to wait without bound (`unboundedPoolWait`), so slow by configuration, not stalled
 * (casebook_foreign_worker.py pause()). Kept in the windows' `errors.byCode` (recorded, never lost) and printed apart,
 * but neither an error of the client nor a request that ended: the `errors` guard does not count it. Added after
 * seed-0b8bd744, whose httpcore 1.0.x rows at 512 (requests of 30–50 s) were flagged `errors` by these alone.
 */
export const HARNESS_CANCELLATION_CODE = 'CancelledAtPause';

/** A window's (or block's) errors of the client: every failed request but the harness's own cancellations. */
export function clientErrors(errors: { total: number; byCode: Record<string, number> }): number {
  return errors.total - (errors.byCode[HARNESS_CANCELLATION_CODE] ?? 0);
}

/** Rounded quantities of a set of windows, each derived from sums (never a product of separate medians). */
export function windowTotals(windows: readonly TrialRecord[]): {
  throughputRps: number;
  cpuMicrosPerRequest: number;
  clientUtilization: number;
  targetCpuShare: number;
  targetCpuMicrosPerRequest: number;
  /** Failed requests of the client (the harness's cancellations, HARNESS_CANCELLATION_CODE, left out). */
  errors: number;
} {
  let ok = 0;
  let sent = 0;
  let cpu = 0;
  let ms = 0;
  let targetCpu = 0;
  let targetRequests = 0;
  let errors = 0;
  for (const w of windows) {
    ok += w.ok;
    sent += w.sent;
    cpu += w.cpuUserMicros + w.cpuSystemMicros;
    ms += w.durationMs;
    targetCpu += w.target?.cpuMicros ?? 0;
    targetRequests += w.target?.requests ?? 0;
    errors += clientErrors(w.errors);
  }
  return {
    throughputRps: round(ms > 0 ? (ok * 1000) / ms : 0, 1),
    cpuMicrosPerRequest: round(sent > 0 ? cpu / sent : 0, 2),
    clientUtilization: round(ms > 0 ? cpu / (ms * 1000) : 0, 4),
    targetCpuShare: round(ms > 0 ? targetCpu / (ms * 1000) : 0, 4),
    targetCpuMicrosPerRequest: round(targetRequests > 0 ? targetCpu / targetRequests : 0, 2),
    errors,
  };
}

export class ContinuousMeasurement {
  private failure: CasebookError | null = null;
  private onMessage: ((m: FromWorker) => Promise<void> | void) | null = null;
  private onFailure: ((e: CasebookError) => void) | null = null;
  version: string;
  /** Node clients: the source URL of the version that ran, as the worker reported it. */
  sourceUrl: string | null = null;
  /** Node clients: the runtime the worker ran on, as it reported it with `ready` (null: not reported). */
  runtime: WorkerRuntime | null = null;
  settings: Record<string, unknown> = {};
  /** Foreign clients: the versions the worker reported it imported (the probe's until it says). */
  foreignVersions: ForeignVersions;
  private closed = false;

  private constructor(
    readonly launch: ContinuousLaunch,
    readonly plan: ContinuousPlan,
    readonly target: TargetHandle,
    private readonly transport: WorkerTransport<FromWorker, ToWorker>,
    readonly poolRetries: PoolRetryTally,
  ) {
    this.foreignVersions = launch.kind === 'python' ? launch.py.versions : {};
    this.version =
      launch.kind === 'python'
        ? FOREIGN_CLIENT_INFO[launch.options.client].version(this.foreignVersions)
        : getAdapter(launch.options.client).version();
  }

  get options(): ContinuousOptions {
    return this.launch.options;
  }

  /** Start the target and the worker, and wait for the client to be open. */
  static async open(launch: ContinuousLaunch, plan: ContinuousPlan): Promise<ContinuousMeasurement> {
    const target = await startTarget(launch.options.target, { cpu: pinningPlan().serverCpu });
    let transport: WorkerTransport<FromWorker, ToWorker>;
    const retries = new PoolRetryTally();
    try {
      transport = spawnWorker(launch, retries);
    } catch (error) {
      await target.close().catch(() => undefined);
      throw error;
    }
    const m = new ContinuousMeasurement(launch, plan, target, transport, retries);
    await m.start();
    return m;
  }

  get failed(): CasebookError | null {
    return this.failure;
  }

  private fail(error: CasebookError): void {
    this.failure ??= error;
    this.onFailure?.(error);
  }

  private start(): Promise<void> {
    const { transport, target } = this;
    void target.exited.then(({ code, signal }) => {
      if (!this.closed)
        this.fail(
          new CasebookError('CASEBOOK_TARGET_EXITED', `target process exited mid-run (code ${code}, signal ${signal})`),
        );
    });
    // 'close', not 'exit': stdio (and the IPC channel) drained, so a fault the worker wrote just before exiting has
    // been received; waiting for `settled` then lets its handler run first, and the fault is the error reported.
    transport.child.once('close', (code, signal) => {
      void transport.settled().then(() => {
        if (!this.closed)
          this.fail(
            new CasebookError(
              'CASEBOOK_CLIENT_EXITED',
              `client process exited before finishing (code ${code}, signal ${signal})`,
            ),
          );
      });
    });
    transport.onMessage(
      async (m) => {
        if (m.type === 'fatal') this.fail(new CasebookError(m.code, m.message));
        else await this.onMessage?.(m);
      },
      (error) => this.fail(error instanceof CasebookError ? error : new CasebookError('CASEBOOK_RUN', String(error))),
    );
    return new Promise<void>((resolve, reject) => {
      this.onFailure = reject;
      this.onMessage = (m) => {
        if (m.type !== 'ready') return;
        if (typeof m['version'] === 'string') this.version = m['version'];
        if (typeof m['sourceUrl'] === 'string') this.sourceUrl = m['sourceUrl'];
        if (isWorkerRuntime(m['runtime'])) this.runtime = m['runtime'];
        if (typeof m['settings'] === 'object' && m['settings'] !== null)
          this.settings = m['settings'] as Record<string, unknown>;
        if (this.launch.kind === 'python') {
          this.foreignVersions = readyVersions(m) ?? this.foreignVersions;
          this.version = FOREIGN_CLIENT_INFO[this.launch.options.client].version(this.foreignVersions);
        }
        resolve();
      };
      // HTTPS: the client trusts exactly the CA this target made at start (verification is never turned off).
      transport.send(continuousStart(this.launch, target.origin, target.caPem, this.plan.windowMs));
    });
  }

  /** Resume the load, re-warm until steady, measure `windowsPerBlock` windows, pause. */
  async runBlock(
    index: number,
    originMs: number,
    onWindow?: (phase: 'warmup' | 'measured', n: number) => void,
  ): Promise<BlockResult> {
    if (this.failure) throw this.failure;
    const { plan, target, transport } = this;
    await target.reset();
    let cores = readCoreTimes();
    const warmSignals: WindowSignal[] = [];
    const result: BlockResult = {
      index,
      round: index,
      position: 0,
      steady: false,
      steadiness: 'not started',
      startMs: Date.now() - originMs,
      endMs: 0,
      warmupMs: 0,
      warmup: [],
      windows: [],
    };
    let measuring = false;
    let pausing = false;
    // Requests that ended (answered or failed) in the measured windows, and their time (SteadinessRule.minMeasuredRequests).
    let measuredRequests = 0;
    let measuredMs = 0;
    const minMeasured = plan.steadiness.minMeasuredRequests ?? 0;
    // Each phase has its own limit (blockLimits): the warm-up and measured windows together, then the pause apart, so
    // a slow cancellation at the pause is never counted against the measurement, and the fault says which it was. An
    // entry whose windows need a minimum of requests gets the longer windows that makes (measuredPhaseMs).
    const limits = blockLimits(plan, windowMinimum(this.launch.options));
    const tally = new WindowTally();
    let phaseStarted = Date.now();
    const phase = (): BlockPhase => (pausing ? 'pause' : measuring ? 'measured' : 'warmup');
    await new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const arm = (limitMs: number) => {
        clearTimeout(timer);
        phaseStarted = Date.now();
        timer = setTimeout(() => {
          this.fail(blockTimeoutError(tally.payload(index, phase(), Date.now() - phaseStarted, limitMs)));
        }, limitMs);
      };
      arm(limits.activeMs);
      this.onFailure = (e) => {
        clearTimeout(timer);
        // A fault in the pause, after every measured window arrived: the harness's pause failed, the block is data.
        if (pausing && result.windows.length >= plan.windowsPerBlock) {
          result.warmupMs = round(result.warmupMs, 1);
          result.endMs = Date.now() - originMs;
          reject(new PauseFault(e, result));
        } else reject(e);
      };
      this.onMessage = async (m) => {
        if (m.type === 'paused') {
          clearTimeout(timer);
          carryPauseErrors(result.windows, m.partial.errors, m.partial.errorSamples);
          resolve();
          return;
        }
        if (m.type !== 'window' || pausing) return;
        const counters = target.isAlive() ? await target.reset().catch(() => null) : null;
        const now = readCoreTimes();
        const shares = coreShares(cores, now);
        cores = now;
        const trial = toTrial(m.index, m.result, counters);
        tally.add(measuring ? 'measured' : 'warmup', trial);
        if (!measuring) {
          const newConnections = counters?.connectionsOpened ?? 0;
          warmSignals.push({
            throughputRps: trial.throughputRps,
            newConnections,
            durationMs: trial.durationMs,
            requests: trial.ok + trial.errors.total,
          });
          result.warmup.push({
            block: index,
            index: m.index,
            throughputRps: trial.throughputRps,
            cpuMicrosPerRequest: trial.cpuMicrosPerRequest,
            newConnections,
            peakOpenConnections: counters?.peakOpenConnections ?? 0,
            durationMs: round(trial.durationMs, 1),
            errors: trial.errors.total,
          });
          result.warmupMs += trial.durationMs;
          const s = steadiness(warmSignals, plan.steadiness);
          result.steadiness = s.reason;
          if (s.steady || result.warmupMs >= plan.steadiness.maxWarmupMs) {
            result.steady = s.steady;
            measuring = true;
          }
          onWindow?.('warmup', result.warmup.length);
          return;
        }
        const { histogram, ...rest } = trial;
        result.windows.push({ ...rest, histogram, index: result.windows.length, block: index, cores: shares });
        measuredRequests += trial.ok + trial.errors.total;
        measuredMs += trial.durationMs;
        onWindow?.('measured', result.windows.length);
        if (result.windows.length >= plan.windowsPerBlock) {
          // A minimum of measured requests: more windows until it is reached, for at most the longest warm-up's time
          // (measuredPhaseMs); a block that stops short of it is not steady, and says so.
          if (measuredRequests < minMeasured) {
            if (measuredMs < plan.steadiness.maxWarmupMs) return;
            result.steady = false;
            result.steadiness = `measured ${measuredRequests} requests in ${Math.round(measuredMs)} ms, under the ${minMeasured}-request minimum (warm-up: ${result.steadiness})`;
          }
          pausing = true;
          arm(limits.pauseMs);
          transport.send({ type: 'pause' });
        }
      };
      transport.send({ type: 'block', index });
    });
    result.warmupMs = round(result.warmupMs, 1);
    result.endMs = Date.now() - originMs;
    return result;
  }

  /** Close the client (its final settings) and the target; never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const { child, kind } = this.transport;
    const reachable = kind === 'ipc' ? child.connected : child.exitCode === null && child.signalCode === null;
    if (!this.failure && reachable) {
      await new Promise<void>((resolve) => {
        // No final report in time: the settings stay those of 'ready', and the record says so (never silently).
        const timer = setTimeout(() => {
          this.settings = { ...this.settings, finalReport: FINAL_REPORT_MISSING };
          resolve();
        }, FINAL_REPORT_MS);
        this.onFailure = () => resolve();
        this.onMessage = (m) => {
          if (m.type !== 'done') return;
          this.settings = m.settings;
          clearTimeout(timer);
          resolve();
        };
        this.transport.send({ type: 'finish' });
      });
    }
    await this.transport.stop();
    await this.target.close().catch(() => undefined);
  }
}

/**
 * How long `close` waits for a worker's final report (its pool at the end, process figures after two full GCs with the
 * pool open and closed, requests completed). 5 s was too short for axios 1.15.1 at 512 in flight, whose pooled sockets
 * keep gigabytes of responses alive (versions-115bbbac: its record kept the settings of 'ready', pool 0, no figures).
 */
const FINAL_REPORT_MS = 30_000;
/** `client.settings.finalReport` when the worker sent none within FINAL_REPORT_MS. */
const FINAL_REPORT_MISSING = `none within ${FINAL_REPORT_MS / 1000} s of finish: the settings are those reported when ready (the pool at the end, process figures and requests completed are missing)`;

/** The record's client block for a continuous measurement (m null: it never opened), Node or foreign. */
export function continuousClientBlock(
  launch: ContinuousLaunch,
  m: ContinuousMeasurement | null,
): BenchRecord['client'] {
  if (launch.kind === 'python') {
    const retries = m?.poolRetries.summary() ?? null;
    const settings = {
      ...(m?.settings ?? {}),
      // Counted from the windows (so a measurement that failed keeps them), apart from the worker's own total.
      ...(retries === null ? {} : { 'httpcore.connectionNotAvailableRetries': retries }),
    };
    return {
      ...foreignClientBlock(launch.options, launch.py, m?.foreignVersions ?? launch.py.versions, settings),
      // How the worker cut its windows (0: at every boundary), beside the windows whose durations show it.
      minWindowRequests: launch.options.foreign.minWindowRequests,
    };
  }
  const adapter = getAdapter(launch.options.client);
  const { versions } = launch;
  const chosen = versions.nodeFrom !== null || versions.clientFrom !== null;
  // What ran, as the worker read it (as `casebook bench` records it, bench.ts): always with a chosen version, and
  // whenever the worker reported it.
  return {
    name: launch.options.client,
    packageName: adapter.packageName,
    version: m?.version ?? versions.clientFrom?.version ?? versions.fetchRuntime?.from.version ?? adapter.version(),
    sourceUrl: m?.sourceUrl ?? adapter.sourceUrl,
    settings: { ...(m?.settings ?? {}), ...clientRuntimeSetting(m?.runtime ?? null, versions, chosen) },
  };
}

/** Versions the environment adds for a foreign client (`python:<name>`); none for Node clients. */
export function continuousExtraVersions(
  launch: ContinuousLaunch,
  m: ContinuousMeasurement | null,
): Record<string, string> {
  return launch.kind === 'python' ? foreignEnvironmentVersions(m?.foreignVersions ?? launch.py.versions) : {};
}
