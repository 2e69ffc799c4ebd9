import { clientVersions } from '@casebook/clients';
import { pinningPlan } from '@casebook/procs';
import {
  type AppRunRecord,
  type AppStats,
  CasebookError,
  captureEnvironment,
  findRepoRoot,
  newRunId,
  type RunError,
  runOutcome,
  SCHEMA_VERSION,
} from '@casebook/results';
import { startTarget, type TargetHandle } from '@casebook/servers';
import { latencySummaryMs, mergeHistograms } from '@casebook/stats';
import { runBench } from './bench';
import { type CoreShare, type CoreTimes, coreShares, readCoreTimes } from './machine-load';
import { resolveBenchOptions } from './options';
import { procCpuMicros } from './proc-cpu';
import { pythonSet } from './python-sets';
import type { TrialRecord } from './record';
import {
  type ResolvedSeedAppOptions,
  resolveSeedAppOptions,
  type SeedAppOptions,
  type SeedAppRoute,
} from './seed-app-options';
import { type SeedAppHandle, startSeedApp } from './seed-app-process';
import { DEFAULT_STEADINESS, steadiness } from './steady';
import { findWrk, runWrk, type WrkRun, wrkErrorsByCode, wrkVersion } from './wrk';

export {
  DEFAULT_SEED_APP_OPTIONS,
  type ResolvedSeedAppOptions,
  resolveSeedAppOptions,
  SEED_APP_ROUTES,
  type SeedAppOptions,
  type SeedAppRoute,
} from './seed-app-options';
export { parseWrkOutput, type WrkResult } from './wrk';

/**
 * The seed's first experiment, as asked: its FastAPI app (python/seed_app.py) under uvicorn, alone on the app core,
 * calling the lab's h1 target as its upstream; the target and every load generator share the other core. For each
 * route: our closed loop at the app's saturation (it sets the scale), our open loop at fractions of that throughput
 * (latency from each request's intended start: no coordinated omission), and wrk at fixed connection counts (closed
 * loop, latency from the send). Each point is warmed up at its own load and then measured; per point the record holds
 * throughput, latency, errors by code, each process's CPU share (app and wrk from /proc/<pid>/stat, the target and
 * our Node runner from their own process.cpuUsage()), what the app counted, and a guard that flags points where the
 * load side (target or generator) used more than LOAD_SIDE_SATURATION of a core. The app and the target live for the
 * whole run (the app's client pools stay warm across points); no process outlives it.
 */

/** A target or load generator busier than this share of its core may be what limits the point, not the app. */
export const LOAD_SIDE_SATURATION = 0.85;

/** Our open and closed loops: undici's request API, the lowest-overhead Node client of the lab (unlimited pool). */
const RUNNER_CLIENT = 'undici-request';

/** The app answers with the upstream's status as its own status and as three ASCII digits of body. */
const APP_BODY_BYTES = 3;
const APP_OK_STATUS = 200;

export interface SeedAppProgress {
  /** 1-based index of the point running, of `points` planned. */
  point: number;
  points: number;
  label: string;
  text: string;
}

export interface SeedAppHooks {
  onProgress?: (p: SeedAppProgress) => void;
}

type AppPoint = AppRunRecord['points'][number];
type AppSkip = AppRunRecord['skipped'][number];

interface Context {
  options: ResolvedSeedAppOptions;
  app: SeedAppHandle;
  target: TargetHandle;
  generatorCpu: number | null;
  progress(text: string): void;
}

/** One window of the app's side, between a reset and a counters read of the wrapped target. */
interface Slice {
  wallMs: number;
  appCpuMicros: number | null;
  cores: CoreShare[] | null;
  app: AppStats | null;
}

interface Probe {
  t0: number;
  appCpu: number | null;
  cores: CoreTimes[] | null;
}

const probe = (app: SeedAppHandle): Probe => ({
  t0: performance.now(),
  appCpu: procCpuMicros(app.pid),
  cores: readCoreTimes(),
});

function sliceSince(p: Probe, app: SeedAppHandle, stats: AppStats | null): Slice {
  const appCpu = procCpuMicros(app.pid);
  return {
    wallMs: performance.now() - p.t0,
    appCpuMicros: appCpu !== null && p.appCpu !== null ? appCpu - p.appCpu : null,
    cores: coreShares(p.cores, readCoreTimes()),
    app: stats,
  };
}

/**
 * The target as runBench sees it, aimed at the app: the load goes to the app's origin while every phase boundary the
 * run driver marks (reset before a phase, counters after it) also opens and closes a slice of the app's CPU, the
 * cores and the app's counters. The app's counters restart at each warm-up window and at the first measured one, then
 * run on, so the last slice holds the whole measured part.
 */
function aimedAtApp(ctx: Context, firstMeasured: number, slices: Slice[]): TargetHandle {
  const { target, app } = ctx;
  let opened: Probe | null = null;
  let windows = 0;
  return {
    ...target,
    origin: app.origin,
    exited: Promise.race([target.exited, app.exited]),
    isAlive: () => target.isAlive() && app.isAlive(),
    async reset() {
      const counters = await target.reset();
      if (windows <= firstMeasured) await app.stats(true).catch(() => null);
      opened = probe(app);
      return counters;
    },
    async counters() {
      try {
        return await target.counters();
      } finally {
        const stats = await app.stats(false).catch(() => null);
        slices.push(sliceSince(opened ?? probe(app), app, stats));
        windows++;
      }
    },
  };
}

const share = (micros: number | null, wallMs: number): number | null =>
  micros === null || wallMs <= 0 ? null : Math.round((micros / (wallMs * 1000)) * 1000) / 1000;

function meanCores(slices: readonly Slice[]): CoreShare[] | null {
  const weighted = slices.filter((s): s is Slice & { cores: CoreShare[] } => s.cores !== null);
  const wall = weighted.reduce((n, s) => n + s.wallMs, 0);
  const first = weighted[0];
  if (!first || wall <= 0) return null;
  return first.cores.map((_, i) => {
    const avg = (key: keyof CoreShare) =>
      Math.round((weighted.reduce((n, s) => n + (s.cores[i]?.[key] ?? 0) * s.wallMs, 0) / wall) * 1000) / 1000;
    return { busy: avg('busy'), steal: avg('steal') };
  });
}

/**
 * The saturation guard: the target or the load generator over LOAD_SIDE_SATURATION of a core, or their shared core
 * that busy in total (each may stay under the line while together they fill it).
 */
function guardFlags(point: Pick<AppPoint, 'cpuShare' | 'errors' | 'cores'>, loadCpu: number | null): string[] {
  const flags: string[] = [];
  if ((point.cpuShare.target ?? 0) > LOAD_SIDE_SATURATION) flags.push('target-saturated');
  if ((point.cpuShare.loadGenerator ?? 0) > LOAD_SIDE_SATURATION) flags.push('load-generator-saturated');
  const loadCore = loadCpu === null ? undefined : point.cores?.[loadCpu];
  if ((loadCore?.busy ?? 0) > LOAD_SIDE_SATURATION) flags.push('load-core-saturated');
  if (point.errors.total > 0) flags.push('errors');
  return flags;
}

type RunnerSpec = { mode: 'closed'; concurrency: number } | { mode: 'open'; rateRps: number };

/** One planned point: the closed loop that finds a route's saturation, an open-loop rate, or a wrk connection count. */
type Plan =
  | { kind: 'saturation'; route: SeedAppRoute; concurrency: number }
  | { kind: 'rate'; route: SeedAppRoute; rateFraction: number }
  | { kind: 'wrk'; route: SeedAppRoute; connections: number };

type PointShell = Pick<AppPoint, 'route' | 'generator' | 'rateRps' | 'connections' | 'latencyFrom'>;

function shellOf(route: SeedAppRoute, generator: AppPoint['generator'], spec: RunnerSpec): PointShell {
  return {
    route,
    generator,
    rateRps: spec.mode === 'open' ? spec.rateRps : null,
    connections: spec.mode === 'closed' ? spec.concurrency : null,
    latencyFrom: generator === 'open-loop' ? 'intended-start' : 'send',
  };
}

function failedPoint(shell: PointShell, error: RunError): AppPoint {
  return {
    ...shell,
    error,
    measuredMs: 0,
    ok: 0,
    throughputRps: 0,
    latencyMs: null,
    errors: { total: 0, byCode: {} },
    cpuShare: { app: null, target: null, loadGenerator: null },
    cores: null,
    upstream: { requests: 0, connectionsOpened: 0 },
    app: null,
    steadiness: null,
    flags: ['no-data'],
  };
}

const asRunError = (error: unknown): RunError =>
  error instanceof CasebookError
    ? { code: error.code, message: error.message }
    : { code: 'CASEBOOK_RUN', message: error instanceof Error ? error.message : String(error) };

/** One point of our runner (closed or open loop): warm-up windows, then measured windows, through runBench. */
async function runnerPoint(ctx: Context, route: SeedAppRoute, spec: RunnerSpec): Promise<AppPoint> {
  const { options } = ctx;
  const warmupWindows = options.warmupMs / options.windowMs;
  const measureWindows = options.measureMs / options.windowMs;
  const shell = shellOf(route, spec.mode === 'open' ? 'open-loop' : 'closed-loop', spec);
  const resolved = resolveBenchOptions({
    client: RUNNER_CLIENT,
    ...spec,
    durationMs: options.windowMs,
    trials: warmupWindows + measureWindows,
    warmupRequests: 0,
    delayMs: options.delayMs,
    path: `/${route}`,
    caseStudy: options.caseStudy,
    label: `${options.label} /${route} ${shell.generator}`,
  });
  const slices: Slice[] = [];
  const record = await runBench(
    { ...resolved, load: { ...resolved.load, expectedBodyBytes: APP_BODY_BYTES, expectedStatus: APP_OK_STATUS } },
    {
      target: aimedAtApp(ctx, warmupWindows, slices),
      clientCpu: ctx.generatorCpu,
      onProgress: (p) => {
        if (p.phase !== 'trial' || p.done !== 0) return;
        ctx.progress(
          p.trial < warmupWindows
            ? `warm-up ${p.trial + 1}/${warmupWindows} s`
            : `measuring ${p.trial - warmupWindows + 1}/${measureWindows} s`,
        );
      },
    },
  );
  const warm = record.trials.slice(0, warmupWindows);
  const measured: TrialRecord[] = record.trials.slice(warmupWindows);
  if (record.error !== null && measured.length < measureWindows) return failedPoint(shell, record.error);
  const mine = slices.slice(warmupWindows, warmupWindows + measured.length);
  const measuredMs = measured.reduce((n, t) => n + t.durationMs, 0);
  const sliceWallMs = mine.reduce((n, s) => n + s.wallMs, 0);
  const ok = measured.reduce((n, t) => n + t.ok, 0);
  const byCode: Record<string, number> = {};
  for (const t of measured)
    for (const [code, n] of Object.entries(t.errors.byCode)) byCode[code] = (byCode[code] ?? 0) + n;
  const latency = latencySummaryMs(mergeHistograms(measured.map((t) => t.histogram)));
  const appCpu = mine.every((s) => s.appCpuMicros !== null)
    ? mine.reduce((n, s) => n + (s.appCpuMicros ?? 0), 0)
    : null;
  const steady = steadiness(
    warm.map((t) => ({
      throughputRps: t.throughputRps,
      newConnections: t.target?.connectionsOpened ?? 0,
      durationMs: t.durationMs,
      requests: t.ok + t.errors.total,
    })),
    DEFAULT_STEADINESS,
  );
  const point: AppPoint = {
    ...shell,
    error: record.error,
    measuredMs: Math.round(measuredMs),
    ok,
    throughputRps: measuredMs > 0 ? Math.round((ok / measuredMs) * 10_000) / 10 : 0,
    latencyMs:
      latency.count > 0 ? { p50: latency.p50, p90: latency.p90, p99: latency.p99, maxMs: latency.maxMs } : null,
    errors: { total: measured.reduce((n, t) => n + t.errors.total, 0), byCode },
    cpuShare: {
      app: share(appCpu, sliceWallMs),
      target: share(
        measured.reduce((n, t) => n + (t.target?.cpuMicros ?? 0), 0),
        sliceWallMs,
      ),
      loadGenerator: share(
        measured.reduce((n, t) => n + t.cpuUserMicros + t.cpuSystemMicros, 0),
        measuredMs,
      ),
    },
    cores: meanCores(mine),
    upstream: {
      requests: measured.reduce((n, t) => n + (t.target?.requests ?? 0), 0),
      connectionsOpened: measured.reduce((n, t) => n + (t.target?.connectionsOpened ?? 0), 0),
    },
    app: mine.at(-1)?.app ?? null,
    steadiness: { steady: steady.steady, throughputRange: steady.throughputRange, reason: steady.reason },
    flags: [],
  };
  point.flags = [...guardFlags(point, ctx.generatorCpu), ...(steady.steady ? [] : ['not-steady'])];
  return point;
}

/** One wrk point: a warm-up run (discarded), then a measured run with the app's and target's windows around it. */
async function wrkPoint(ctx: Context, wrk: string, route: SeedAppRoute, connections: number): Promise<AppPoint> {
  const { options, app, target } = ctx;
  const shell = shellOf(route, 'wrk', { mode: 'closed', concurrency: connections });
  const url = `${app.origin}/${route}`;
  ctx.progress(`wrk warm-up ${options.warmupMs / 1000} s`);
  await runWrk({ wrk, url, connections, durationMs: options.warmupMs, cpu: ctx.generatorCpu });
  ctx.progress(`wrk measuring ${options.measureMs / 1000} s`);
  await target.reset();
  await app.stats(true);
  const opened = probe(app);
  const run: WrkRun = await runWrk({ wrk, url, connections, durationMs: options.measureMs, cpu: ctx.generatorCpu });
  const counters = await target.counters();
  const slice = sliceSince(opened, app, await app.stats(false));
  const r = run.result;
  const byCode = wrkErrorsByCode(r.errors);
  const errorsTotal = Object.values(byCode).reduce((n, x) => n + x, 0);
  const point: AppPoint = {
    ...shell,
    error: null,
    measuredMs: Math.round(r.durationMs),
    ok: r.requests - r.errors.non2xx3xx,
    throughputRps: r.requestsPerSec,
    latencyMs: { p50: r.latencyMs.p50, p90: r.latencyMs.p90, p99: r.latencyMs.p99, maxMs: r.latencyMs.max },
    errors: { total: errorsTotal, byCode },
    cpuShare: {
      app: share(slice.appCpuMicros, slice.wallMs),
      target: share(counters.cpuMicros, slice.wallMs),
      loadGenerator: share(r.self?.cpuMicros ?? null, run.wallMs),
    },
    cores: slice.cores,
    upstream: { requests: counters.requests, connectionsOpened: counters.connectionsOpened },
    app: slice.app,
    steadiness: null,
    flags: [],
  };
  point.flags = guardFlags(point, ctx.generatorCpu);
  return point;
}

function planPoints(options: ResolvedSeedAppOptions): Plan[] {
  return options.routes.flatMap((route): Plan[] => [
    { kind: 'saturation', route, concurrency: options.saturationConcurrency },
    ...options.rateFractions.map((rateFraction): Plan => ({ kind: 'rate', route, rateFraction })),
    ...options.wrkConnections.map((connections): Plan => ({ kind: 'wrk', route, connections })),
  ]);
}

const planName = (p: Plan): string =>
  `/${p.route} ${p.kind === 'wrk' ? `wrk c${p.connections}` : p.kind === 'rate' ? `open ×${p.rateFraction}` : `closed c${p.concurrency}`}`;

/** Run one point; a point that throws is recorded as failed, with what failed, and the run goes on. */
async function attempt(shell: PointShell, run: () => Promise<AppPoint>): Promise<AppPoint> {
  try {
    return await run();
  } catch (error) {
    return failedPoint(shell, asRunError(error));
  }
}

const versionsOf = (settings: Record<string, unknown>): Record<string, string> => {
  const v = settings['versions'];
  if (typeof v !== 'object' || v === null) return {};
  return Object.fromEntries(
    Object.entries(v).flatMap(([k, x]) => (typeof x === 'string' ? [[`python:${k}`, x] as const] : [])),
  );
};

/**
 * Run the seed's app under load and return its `app-run` record. Throws UsageError for bad options and CasebookError
 * CASEBOOK_FOREIGN_UNAVAILABLE (nothing started) when the `latest` Python set is not ready; otherwise always resolves
 * with a record — errored when a point or a process failed — and leaves no process behind.
 */
export async function runSeedApp(
  input: SeedAppOptions | ResolvedSeedAppOptions = {},
  hooks: SeedAppHooks = {},
): Promise<AppRunRecord> {
  const options = 'windowMs' in input ? input : resolveSeedAppOptions(input);
  const set = pythonSet(options.pythonSet);
  if (set.status !== 'ready')
    throw new CasebookError(
      'CASEBOOK_FOREIGN_UNAVAILABLE',
      `the seed app needs the Python set '${options.pythonSet}' (fastapi, uvicorn, httpx, aiohttp, requests): ${set.status}, ${set.reason}`,
    );
  const plan = pinningPlan();
  const startedAt = new Date().toISOString();
  const runId = newRunId(options.caseStudy === 'bench' ? 'app' : options.caseStudy);
  const planned = planPoints(options);
  const wrk = findWrk();
  const points: AppPoint[] = [];
  const skipped: AppSkip[] = [];
  let failure: RunError | null = null;
  let target: TargetHandle | null = null;
  let app: SeedAppHandle | null = null;
  let index = 0;
  const report = (text: string): void =>
    hooks.onProgress?.({ point: index, points: planned.length, label: options.label, text });

  try {
    report('starting the target and the app');
    target = await startTarget({ delayMs: options.delayMs }, { cpu: plan.serverCpu });
    app = await startSeedApp({ python: set.python, upstream: target.origin, loop: options.loop, cpu: plan.clientCpu });
    const saturation = new Map<SeedAppRoute, number>();
    for (const p of planned) {
      index++;
      const name = planName(p);
      const ctx: Context = {
        options,
        app,
        target,
        generatorCpu: plan.serverCpu,
        progress: (text) => report(`${name}: ${text}`),
      };
      if (!app.isAlive() || !target.isAlive()) {
        failure ??= {
          code: 'CASEBOOK_RUN',
          message: app.isAlive() ? 'target exited mid-run' : `seed app exited mid-run: ${app.stderrTail()}`,
        };
        break;
      }
      const { route } = p;
      if (p.kind === 'saturation') {
        const spec = { mode: 'closed', concurrency: p.concurrency } as const;
        const point = await attempt(shellOf(route, 'closed-loop', spec), () => runnerPoint(ctx, route, spec));
        if (point.error === null) saturation.set(route, point.throughputRps);
        points.push(point);
      } else if (p.kind === 'rate') {
        const satRps = saturation.get(route);
        if (satRps === undefined || satRps <= 0) {
          const reason = 'no saturation throughput for this route (its closed-loop point failed)';
          skipped.push({ route, generator: 'open-loop', connections: null, rateFraction: p.rateFraction, reason });
          report(`${name}: skipped (${reason})`);
          continue;
        }
        const spec = { mode: 'open', rateRps: Math.round(satRps * p.rateFraction * 10) / 10 } as const;
        points.push(await attempt(shellOf(route, 'open-loop', spec), () => runnerPoint(ctx, route, spec)));
      } else if (wrk === null) {
        const reason = 'wrk is not on PATH (Debian: apt-get install wrk)';
        skipped.push({ route, generator: 'wrk', connections: p.connections, rateFraction: null, reason });
        report(`${name}: skipped (${reason})`);
      } else {
        const shell = shellOf(route, 'wrk', { mode: 'closed', concurrency: p.connections });
        points.push(await attempt(shell, () => wrkPoint(ctx, wrk, route, p.connections)));
      }
    }
  } catch (error) {
    failure ??= asRunError(error);
  } finally {
    if (app) await app.close().catch(() => undefined);
    if (target) await target.close().catch(() => undefined);
  }
  report('done');

  const failedPoints = points.filter((p) => p.error !== null);
  const firstFailed = failedPoints[0];
  const error: RunError | null =
    failure ??
    (firstFailed?.error
      ? {
          code: firstFailed.error.code,
          message: `${failedPoints.length} of ${points.length} points errored; first: /${firstFailed.route} ${firstFailed.generator}: ${firstFailed.error.message}`,
        }
      : null);
  const settings = app?.settings ?? {};
  const wrkLine = wrk ? await wrkVersion(wrk) : null;
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'app-run',
    runId,
    ...runOutcome(error, {
      done: points.length - failedPoints.length,
      planned: planned.length - skipped.filter((s) => s.generator === 'wrk').length,
    }),
    caseStudy: options.caseStudy,
    label: options.label,
    startedAt,
    finishedAt: new Date().toISOString(),
    environment: captureEnvironment({
      pinning: {
        method: plan.method,
        reason: `${plan.reason}; the app alone on the client core, the target and the load generators on the other`,
        clientCpu: plan.clientCpu,
        targetCpu: target?.cpu ?? null,
        others: { app: plan.clientCpu, 'load generator': plan.serverCpu },
      },
      clientVersions: { ...clientVersions(), ...versionsOf(settings), ...(wrkLine ? { wrk: wrkLine } : {}) },
      repoDir: findRepoRoot(),
    }),
    params: options,
    app: {
      python: set.python,
      lockHash: 'lockHash' in set && typeof set.lockHash === 'string' ? set.lockHash : null,
      command: app?.command ?? [],
      pid: app?.pid ?? null,
      cpu: plan.clientCpu,
      settings,
    },
    target: { pid: target?.pid ?? null, cpu: target?.cpu ?? null, delayMs: options.delayMs },
    loadGenerator: { cpu: plan.serverCpu, wrk: wrkLine, openLoopClient: RUNNER_CLIENT },
    points,
    skipped,
  };
}
