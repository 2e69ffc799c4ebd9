import { clientVersions } from '@casebook/clients';
import { pinningPlan, placements, resetPlacements, type WorkerTransport } from '@casebook/procs';
import {
  CasebookError,
  captureEnvironment,
  findRepoRoot,
  newRunId,
  runOutcome,
  SCHEMA_VERSION,
} from '@casebook/results';
import {
  type ProxyCounters,
  type ProxyHandle,
  proxyCeiling,
  startProxy,
  startTarget,
  type TargetHandle,
} from '@casebook/servers';
import { type DriverMessage, driveWorker, type GoMessage } from './driver';
import type { ResolvedBenchOptions } from './options';
import type { PhaseResult } from './protocol';
import type { BenchRecord, TrialRecord } from './record';
import { round, runError, summarizeTrials, toTrial } from './summary';

/**
 * One measurement, whatever the client's language: a fresh target in its own process (pinned to the server core),
 * optionally the delaying proxy, the client worker (pinned to the client core) driven through warm-up and trials by
 * the run driver, target and proxy counters reset per phase. Always returns what it measured — with the failure, if
 * any — and never leaves a child process behind.
 */

export interface BenchProgress {
  label: string;
  phase: 'starting' | 'warmup' | 'trial' | 'done';
  trial: number;
  trials: number;
  done: number;
  total: number | null;
}

/** The options every measurement shares (Node clients add their client name; foreign clients theirs). */
export type MeasuredOptions = Omit<ResolvedBenchOptions, 'client'>;

export interface WorkerLaunch<Start, Result> {
  transport: WorkerTransport<DriverMessage<Result>, Start | GoMessage>;
  start: Start;
}

export interface MeasureInput<Start, Result> {
  options: MeasuredOptions;
  /** Start the worker for this origin (the target's, or the proxy's when there is one). */
  launch(origin: string, target: TargetHandle): WorkerLaunch<Start, Result>;
  toPhaseResult(result: Result): PhaseResult;
  onReady?(message: Record<string, unknown>): void;
  onProgress?: ((p: BenchProgress) => void) | undefined;
  /** Reuse a running target instead of starting a fresh one (the caller owns and closes it). */
  target?: TargetHandle | undefined;
}

export interface Measured {
  runId: string;
  startedAt: string;
  failure: CasebookError | null;
  settings: Record<string, unknown>;
  warmup: BenchRecord['warmup'];
  trials: TrialRecord[];
  target: TargetHandle | null;
  proxy: NonNullable<BenchRecord['proxy']> | null;
}

const asCasebookError = (error: unknown): CasebookError =>
  error instanceof CasebookError
    ? error
    : new CasebookError('CASEBOOK_RUN', error instanceof Error ? error.message : String(error), { cause: error });

export async function measure<Start, Result>(input: MeasureInput<Start, Result>): Promise<Measured> {
  const { options } = input;
  const plan = pinningPlan();
  resetPlacements();
  const startedAt = new Date().toISOString();
  const runId = newRunId(options.caseStudy === 'bench' ? 'bench' : options.caseStudy);
  const report = (p: Omit<BenchProgress, 'label' | 'trials'>): void =>
    input.onProgress?.({ label: options.label, trials: options.trials, ...p });
  report({ phase: 'starting', trial: 0, done: 0, total: options.load.requests });

  const ownsTarget = input.target === undefined;
  let target: TargetHandle | null = input.target ?? null;
  let proxy: ProxyHandle | null = null;
  let transport: WorkerLaunch<Start, Result>['transport'] | null = null;
  let failure: CasebookError | null = null;
  let closing = false;
  let settings: Record<string, unknown> = {};
  let warmup: BenchRecord['warmup'] = null;
  const trials: TrialRecord[] = [];
  const proxyTrials: ProxyCounters[] = [];
  const timers: NodeJS.Timeout[] = [];

  try {
    if (!target) target = await startTarget(options.target, { cpu: plan.serverCpu });
    const t = target;
    void t.exited.then(({ code, signal }) => {
      if (closing) return;
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
    const launched = input.launch(origin, t);
    transport = launched.transport;
    settings = await driveWorker<Start, Result>({
      transport: launched.transport,
      start: launched.start,
      phaseTimeoutMs: options.trialTimeoutMs,
      failure: () => failure,
      ...(input.onReady ? { onReady: input.onReady } : {}),
      async onPhaseStart(phase, index) {
        // Counters for this phase's window start now; peaks restart from what is open.
        if (t.isAlive()) await t.reset().catch(() => undefined);
        if (px?.isAlive()) await px.reset().catch(() => undefined);
        report({
          phase,
          trial: index,
          done: 0,
          total: phase === 'warmup' ? options.warmupRequests : options.load.requests,
        });
        if (phase === 'trial' && index === 0 && options.faults.killTargetAfterMs !== null)
          timers.push(setTimeout(() => t.kill('SIGKILL'), options.faults.killTargetAfterMs));
      },
      onProgress: (phase, index, done, total) => report({ phase, trial: index, done, total }),
      async onPhaseEnd(phase, index, raw) {
        const counters = t.isAlive() ? await t.counters().catch(() => null) : null;
        if (px && phase === 'trial') {
          const pc = px.isAlive() ? await px.counters().catch(() => null) : null;
          if (pc) proxyTrials.push(pc);
        }
        const result = input.toPhaseResult(raw);
        if (phase === 'warmup') {
          const { histogram: _h, queueHistogram: _q, wireHistogram: _w, ...rest } = result;
          warmup = { ...rest, target: counters };
        } else {
          trials.push(toTrial(index, result, counters));
        }
      },
    });
  } catch (error) {
    failure ??= asCasebookError(error);
  } finally {
    for (const timer of timers) clearTimeout(timer);
    if (transport) await transport.stop();
    if (proxy) await proxy.close().catch(() => undefined);
    if (target && ownsTarget) {
      closing = true;
      await target.close().catch(() => undefined);
    }
  }
  report({ phase: 'done', trial: options.trials, done: 0, total: null });
  return {
    runId,
    startedAt,
    failure,
    settings,
    warmup,
    trials,
    target,
    proxy: options.proxy ? proxySummary(options.proxy.rttMs, proxy, proxyTrials, trials) : null,
  };
}

/** The proxy's counters per trial and its own ceiling over the measured window (reported with every run). */
function proxySummary(
  rttMs: number,
  proxy: ProxyHandle | null,
  perTrial: ProxyCounters[],
  trials: readonly TrialRecord[],
): NonNullable<BenchRecord['proxy']> {
  const requests = trials.reduce((n, t) => n + (t.target?.requests ?? 0), 0);
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

/** The bench record of a measurement: the same shape for every client, Node or foreign. */
/** The bench record of a measurement: the same shape for every client, Node or foreign. */
export function benchRecord(
  m: Measured,
  params: BenchRecord['params'],
  client: BenchRecord['client'],
  extraVersions: Record<string, string> = {},
): BenchRecord {
  const plan = pinningPlan();
  const error = runError(m.failure, m.trials.length, params.trials);
  const { client: _client, target: _target, ...others } = placements();
  const record: BenchRecord = {
    schemaVersion: SCHEMA_VERSION,
    kind: 'bench',
    runId: m.runId,
    ...runOutcome(error, { done: m.trials.length, planned: params.trials }),
    caseStudy: params.caseStudy,
    label: params.label,
    startedAt: m.startedAt,
    finishedAt: new Date().toISOString(),
    params,
    environment: captureEnvironment({
      pinning: {
        method: plan.method,
        reason: plan.reason,
        clientCpu: plan.clientCpu,
        targetCpu: m.target?.cpu ?? null,
        others,
      },
      clientVersions: { ...clientVersions(), ...extraVersions },
      repoDir: findRepoRoot(),
    }),
    client,
    ...summarizeTrials(m.trials, m.warmup, m.target),
    warmup: m.warmup,
    trials: m.trials,
  };
  if (m.proxy) record.proxy = m.proxy;
  return record;
}
