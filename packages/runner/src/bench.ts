import * as path from 'node:path';
import { clientVersions, getAdapter } from '@casebook/clients';
import { CasebookError, captureEnvironment, findRepoRoot, newRunId, SCHEMA_VERSION } from '@casebook/results';
import { decodeHistogram, latencySummaryMs, median, mergeHistograms, summarize } from '@casebook/stats';
import {
  type ProxyCounters,
  type ProxyHandle,
  pinningPlan,
  proxyCeiling,
  spawnNode,
  startProxy,
  startTarget,
  stopChild,
  type TargetCounters,
  type TargetHandle,
} from '@casebook/target';
import { type BenchOptions, type ResolvedBenchOptions, resolveBenchOptions } from './options';
import type { ParentToWorker, PhaseResult, WorkerStart, WorkerToParent } from './protocol';
import type { BenchRecord, TrialRecord } from './record';

export interface BenchProgress {
  label: string;
  phase: 'starting' | 'warmup' | 'trial' | 'done';
  trial: number;
  trials: number;
  done: number;
  total: number | null;
}

export interface RunBenchHooks {
  onProgress?: (p: BenchProgress) => void;
  /** For the harness-overhead baseline only. */
  instrumentation?: 'full' | 'bare';
  /** Reuse a running target instead of starting a fresh one (the caller owns and closes it). */
  target?: TargetHandle;
}

const round = (x: number, digits = 3): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

function toTrial(index: number, r: PhaseResult, target: TargetCounters | null): TrialRecord {
  const seconds = r.durationMs / 1000;
  return {
    ...r,
    index,
    throughputRps: round(seconds > 0 ? r.ok / seconds : 0, 1),
    latencyMs: latencySummaryMs(decodeHistogram(r.histogram)),
    cpuMicrosPerRequest: round(r.sent > 0 ? (r.cpuUserMicros + r.cpuSystemMicros) / r.sent : 0, 2),
    target,
    ...(r.queueHistogram ? { queueMs: latencySummaryMs(decodeHistogram(r.queueHistogram)) } : {}),
    ...(r.wireHistogram ? { wireMs: latencySummaryMs(decodeHistogram(r.wireHistogram)) } : {}),
  };
}

/**
 * Run one measurement: a fresh target in its own process (pinned to the server core), the client in another
 * (pinned to the client core), warm-up, then trials; target counters are reset before each trial. Always resolves
 * with a record — an errored one when the target or the client dies — and never leaves a child process behind.
 */
export async function runBench(
  input: BenchOptions | ResolvedBenchOptions,
  hooks: RunBenchHooks = {},
): Promise<BenchRecord> {
  const options = 'load' in input ? input : resolveBenchOptions(input);
  const adapter = getAdapter(options.client);
  const plan = pinningPlan();
  const startedAt = new Date().toISOString();
  const runId = newRunId(options.caseStudy === 'bench' ? 'bench' : options.caseStudy);
  const report = (p: Omit<BenchProgress, 'label' | 'trials'>) =>
    hooks.onProgress?.({ label: options.label, trials: options.trials, ...p });
  report({ phase: 'starting', trial: 0, done: 0, total: options.load.requests });

  const ownsTarget = hooks.target === undefined;
  let target: TargetHandle | null = hooks.target ?? null;
  let worker: ReturnType<typeof spawnNode> | null = null;
  let failure: CasebookError | null = null;
  let version = adapter.version();
  let settings: Record<string, unknown> = {};
  let warmup: BenchRecord['warmup'] = null;
  const trials: TrialRecord[] = [];
  const timers: NodeJS.Timeout[] = [];
  let closingTarget = false;
  let proxy: ProxyHandle | null = null;
  const proxyTrials: ProxyCounters[] = [];

  try {
    if (!target) target = await startTarget(options.target, { cpu: plan.serverCpu });
    const t = target;
    void t.exited.then(({ code, signal }) => {
      if (closingTarget) return;
      failure ??= new CasebookError(
        'CASEBOOK_TARGET_EXITED',
        `target process exited mid-run (code ${code}, signal ${signal})`,
      );
    });
    await t.reset();
    let origin = t.origin;
    if (options.proxy) {
      proxy = await startProxy({ upstreamPort: t.port, rttMs: options.proxy.rttMs }, { cpu: plan.serverCpu });
      // A host name, so the client's connect hook (a lookup) runs for each new connection; the leaf covers it.
      const host = options.proxy.rttMs > 0 ? 'localhost' : proxy.host;
      origin = `${t.caPem ? 'https' : 'http'}://${host}:${proxy.port}`;
    }
    const px = proxy;
    worker = spawnNode(path.join(__dirname, 'worker-process.js'), { cpu: plan.clientCpu });
    const w = worker;
    await new Promise<void>((resolve, reject) => {
      let phaseTimer: NodeJS.Timeout | null = null;
      const clearPhaseTimer = () => {
        if (phaseTimer) clearTimeout(phaseTimer);
        phaseTimer = null;
      };
      w.on('exit', (code, signal) => {
        clearPhaseTimer();
        reject(
          new CasebookError(
            'CASEBOOK_CLIENT_EXITED',
            `client process exited before finishing (code ${code}, signal ${signal})`,
          ),
        );
      });
      w.on('message', (message: WorkerToParent) => {
        void (async () => {
          switch (message.type) {
            case 'ready':
              version = message.version;
              settings = message.settings;
              break;
            case 'phase-start': {
              // Counters for this phase's window start now; peaks restart from what is open.
              if (t.isAlive()) await t.reset().catch(() => undefined);
              if (px?.isAlive()) await px.reset().catch(() => undefined);
              report({
                phase: message.phase,
                trial: message.index,
                done: 0,
                total: message.phase === 'warmup' ? options.warmupRequests : options.load.requests,
              });
              if (message.phase === 'trial' && message.index === 0 && options.faults.killTargetAfterMs !== null) {
                timers.push(setTimeout(() => t.kill('SIGKILL'), options.faults.killTargetAfterMs));
              }
              clearPhaseTimer();
              phaseTimer = setTimeout(() => {
                failure ??= new CasebookError(
                  'CASEBOOK_TRIAL_TIMEOUT',
                  `${message.phase} ${message.index} ran longer than ${options.trialTimeoutMs} ms`,
                );
                w.kill('SIGKILL');
              }, options.trialTimeoutMs);
              w.send({ type: 'go' } satisfies ParentToWorker);
              break;
            }
            case 'progress':
              report({ phase: message.phase, trial: message.index, done: message.done, total: message.total });
              break;
            case 'phase-end': {
              clearPhaseTimer();
              const counters = t.isAlive() ? await t.counters().catch(() => null) : null;
              if (px && message.phase === 'trial') {
                const pc = px.isAlive() ? await px.counters().catch(() => null) : null;
                if (pc) proxyTrials.push(pc);
              }
              if (message.phase === 'warmup') {
                const { histogram: _h, queueHistogram: _q, wireHistogram: _w, ...rest } = message.result;
                warmup = { ...rest, target: counters };
              } else {
                trials.push(toTrial(message.index, message.result, counters));
              }
              break;
            }
            case 'done':
              settings = message.settings;
              resolve();
              break;
            case 'fatal':
              reject(new CasebookError(message.code, message.message));
              break;
          }
        })();
      });
      const start: WorkerStart = {
        type: 'start',
        client: options.client,
        origin,
        // HTTPS: the client trusts exactly the CA this target made at start (verification is never turned off).
        clientOptions: t.caPem ? { ...options.clientOptions, tls: { caPem: t.caPem } } : options.clientOptions,
        load: options.load,
        warmupRequests: options.warmupRequests,
        trials: options.trials,
        instrumentation: hooks.instrumentation ?? 'full',
      };
      w.send(start satisfies ParentToWorker);
    });
  } catch (error) {
    failure ??=
      error instanceof CasebookError
        ? error
        : new CasebookError('CASEBOOK_RUN', (error as Error).message, { cause: error });
  } finally {
    for (const timer of timers) clearTimeout(timer);
    if (worker) await stopChild(worker);
    if (proxy) await proxy.close().catch(() => undefined);
    if (target && ownsTarget) {
      closingTarget = failure === null && target.isAlive();
      await target.close().catch(() => undefined);
    }
  }
  report({ phase: 'done', trial: options.trials, done: 0, total: null });
  const record = assembleRecord({ options, runId, startedAt, version, settings, warmup, trials, failure, target });
  if (options.proxy) record.proxy = proxySummary(options.proxy.rttMs, proxy, proxyTrials, record.target.requests);
  return record;
}

/** The proxy's counters per trial and its own ceiling over the measured window (reported with every run). */
function proxySummary(
  rttMs: number,
  proxy: ProxyHandle | null,
  perTrial: ProxyCounters[],
  requests: number,
): NonNullable<BenchRecord['proxy']> {
  const total = perTrial.reduce((a, c) => ({ cpuMicros: a.cpuMicros + c.cpuMicros, wallMs: a.wallMs + c.wallMs }), {
    cpuMicros: 0,
    wallMs: 0,
  });
  const ceiling = proxyCeiling({ ...(perTrial[0] as ProxyCounters), ...total }, requests);
  return {
    rttMs,
    oneWayDelayMs: rttMs / 2,
    pid: proxy?.pid ?? null,
    cpu: proxy?.cpu ?? null,
    trials: perTrial,
    utilization: round(ceiling.utilization, 4),
    cpuMicrosPerRequest: ceiling.cpuMicrosPerRequest,
    ceilingRps: Number.isFinite(ceiling.ceilingRps) ? ceiling.ceilingRps : null,
  };
}

function assembleRecord(input: {
  options: ResolvedBenchOptions;
  runId: string;
  startedAt: string;
  version: string;
  settings: Record<string, unknown>;
  warmup: BenchRecord['warmup'];
  trials: TrialRecord[];
  failure: CasebookError | null;
  target: TargetHandle | null;
}): BenchRecord {
  const { options, trials, warmup } = input;
  const adapter = getAdapter(options.client);
  const plan = pinningPlan();
  const byCode: Record<string, number> = {};
  const errorSamples: Record<string, string> = {};
  let errorsTotal = 0;
  for (const t of trials) {
    errorsTotal += t.errors.total;
    for (const [code, n] of Object.entries(t.errors.byCode)) byCode[code] = (byCode[code] ?? 0) + n;
    for (const [code, m] of Object.entries(t.errorSamples)) errorSamples[code] ??= m;
  }
  if (warmup) for (const [code, m] of Object.entries(warmup.errorSamples)) errorSamples[code] ??= m;
  const merged = mergeHistograms(trials.map((t) => t.histogram));
  const haveTrials = trials.length > 0;
  const measuredConnections = trials.reduce((s, t) => s + (t.target?.connectionsOpened ?? 0), 0);
  const warmConnections = warmup?.target?.connectionsOpened ?? 0;
  const targetRequests = trials.reduce((s, t) => s + (t.target?.requests ?? 0), 0);
  const targetCpu = trials.reduce((s, t) => s + (t.target?.cpuMicros ?? 0), 0);
  const failed = input.failure !== null || trials.length < options.trials;
  const error = input.failure
    ? { code: input.failure.code, message: input.failure.message }
    : trials.length < options.trials
      ? { code: 'CASEBOOK_INCOMPLETE', message: `${trials.length} of ${options.trials} trials completed` }
      : null;
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'bench',
    runId: input.runId,
    status: failed ? 'errored' : 'completed',
    error,
    caseStudy: options.caseStudy,
    label: options.label,
    startedAt: input.startedAt,
    finishedAt: new Date().toISOString(),
    params: options,
    environment: captureEnvironment({
      pinning: {
        method: plan.method,
        reason: plan.reason,
        clientCpu: plan.clientCpu,
        targetCpu: input.target?.cpu ?? null,
        others: {},
      },
      clientVersions: clientVersions(),
      repoDir: findRepoRoot(),
    }),
    client: {
      name: options.client,
      packageName: adapter.packageName,
      version: input.version,
      sourceUrl: adapter.sourceUrl,
      settings: input.settings,
    },
    throughputRps: haveTrials ? median(trials.map((t) => t.throughputRps)) : 0,
    throughputSpread: haveTrials ? summarize(trials.map((t) => t.throughputRps)) : null,
    latencyMs: latencySummaryMs(merged),
    p99Spread: haveTrials ? summarize(trials.map((t) => t.latencyMs.p99)) : null,
    errors: { total: errorsTotal, byCode },
    errorSamples,
    cpuMicrosPerRequest: haveTrials ? median(trials.map((t) => t.cpuMicrosPerRequest)) : 0,
    cpuSpread: haveTrials ? summarize(trials.map((t) => t.cpuMicrosPerRequest)) : null,
    eventLoopUtilization: haveTrials ? round(median(trials.map((t) => t.eventLoopUtilization))) : 0,
    target: {
      pid: input.target?.pid ?? null,
      cpu: input.target?.cpu ?? null,
      connectionsOpened: warmConnections + measuredConnections,
      connectionsOpenedWarmup: warmConnections,
      connectionsOpenedMeasured: measuredConnections,
      peakOpenConnections: Math.max(
        0,
        warmup?.target?.peakOpenConnections ?? 0,
        ...trials.map((t) => t.target?.peakOpenConnections ?? 0),
      ),
      peakInFlight: Math.max(0, ...trials.map((t) => t.target?.peakInFlight ?? 0)),
      requests: targetRequests,
      cpuMicrosPerRequest: targetRequests > 0 ? round(targetCpu / targetRequests, 2) : 0,
    },
    warmup,
    trials,
    ...queueSplit(trials),
  };
}

/** Queue wait and wire time over all trials (HDR-merged), when the run was made with queueTiming. */
function queueSplit(trials: TrialRecord[]): Pick<BenchRecord, 'queueMs' | 'wireMs'> {
  const queue = trials.flatMap((t) => (t.queueHistogram ? [t.queueHistogram] : []));
  const wire = trials.flatMap((t) => (t.wireHistogram ? [t.wireHistogram] : []));
  if (queue.length === 0 || wire.length === 0) return {};
  return { queueMs: latencySummaryMs(mergeHistograms(queue)), wireMs: latencySummaryMs(mergeHistograms(wire)) };
}
