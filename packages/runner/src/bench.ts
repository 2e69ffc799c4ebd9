import * as path from 'node:path';
import { clientVersions, getAdapter } from '@casebook/clients';
import { pinningPlan, spawnNode, stopChild } from '@casebook/procs';
import { CasebookError, captureEnvironment, findRepoRoot, newRunId, SCHEMA_VERSION } from '@casebook/results';
import {
  type ProxyCounters,
  type ProxyHandle,
  proxyCeiling,
  startProxy,
  startTarget,
  type TargetHandle,
} from '@casebook/servers';
import { type BenchOptions, type ResolvedBenchOptions, resolveBenchOptions } from './options';
import type { ParentToWorker, WorkerStart, WorkerToParent } from './protocol';
import type { BenchRecord, TrialRecord } from './record';
import { round, runError, summarizeTrials, toTrial } from './summary';

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
  const error = runError(input.failure, trials.length, options.trials);
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'bench',
    runId: input.runId,
    status: error ? 'errored' : 'completed',
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
    ...summarizeTrials(trials, warmup, input.target),
    warmup,
    trials,
  };
}
