import { type Static, Type } from '@sinclair/typebox';
import {
  CLOSED,
  CountsSchema,
  Nullable,
  OpenRecordSchema,
  RunErrorSchema,
  RunIdSchema,
  TimestampSchema,
  withOutcome,
} from './common';
import { EnvironmentSchema } from './environment';
import { CoreShareSchema } from './steady-state';
import { SCHEMA_VERSION } from './version';

/**
 * The seed's FastAPI app under load (`kind: "app-run"`, runner/seed-app.ts): the app in its own pinned process calling
 * the lab target as its upstream, each route loaded by our closed loop at the app's saturation, our open loop at rates
 * below it (latency from each request's intended start), and wrk at fixed connection counts. Per point: throughput,
 * latency, errors, each process's CPU share, and what the app counted (in-flight and threadpool peaks, event-loop lag).
 */

export const AppRunParamsSchema = Type.Object(
  {
    routes: Type.Array(Type.String()),
    /** Open-loop rates, as fractions of each route's saturation throughput. */
    rateFractions: Type.Array(Type.Number()),
    wrkConnections: Type.Array(Type.Integer()),
    saturationConcurrency: Type.Integer(),
    warmupMs: Type.Number(),
    measureMs: Type.Number(),
    /** Length of one window of our runner (warm-up and measurement are cut into windows of this length). */
    windowMs: Type.Number(),
    /** The upstream target's think time before each response. */
    delayMs: Type.Number(),
    loop: Type.Union([Type.Literal('asyncio'), Type.Literal('uvloop')]),
    pythonSet: Type.String(),
    caseStudy: Type.String(),
    label: Type.String(),
  },
  { ...CLOSED, title: 'App-run parameters (resolved)' },
);

export const AppRouteStatsSchema = Type.Object(
  {
    requests: Type.Number(),
    completed: Type.Number(),
    inFlight: Type.Number(),
    peakInFlight: Type.Number(),
    upstreamStatus: CountsSchema,
    /** Upstream calls that raised, by exception class. */
    errors: CountsSchema,
  },
  CLOSED,
);

/** What the app counted over one point's measured window (its `/_casebook/stats`). */
export const AppStatsSchema = Type.Object(
  {
    windowMs: Type.Number(),
    routes: Type.Record(Type.String(), AppRouteStatsSchema),
    /** Sync-route bodies running in the threadpool now, and at most during the window. */
    threadsRunning: Type.Number(),
    threadsPeak: Type.Number(),
    /** Lateness of a 10 ms asyncio sleep (ms): the event loop blocked or busy. Null before any sample. */
    loopLagMs: Nullable(
      Type.Object({ samples: Type.Number(), p50: Type.Number(), p99: Type.Number(), max: Type.Number() }, CLOSED),
    ),
  },
  { ...CLOSED, title: "The app's own counters" },
);
export type AppStats = Static<typeof AppStatsSchema>;

export const AppPointSchema = Type.Object(
  {
    route: Type.String(),
    /** open-loop and closed-loop: our Node runner (undici); wrk: Debian's wrk (closed loop, one thread). */
    generator: Type.Union([Type.Literal('open-loop'), Type.Literal('closed-loop'), Type.Literal('wrk')]),
    /** Offered rate (open loop), else null. */
    rateRps: Nullable(Type.Number()),
    /** Lanes or connections (closed loop, wrk), else null. */
    connections: Nullable(Type.Integer()),
    /** Open loop: from each request's intended start (no coordinated omission). Closed loops: from its send. */
    latencyFrom: Type.Union([Type.Literal('intended-start'), Type.Literal('send')]),
    error: Nullable(RunErrorSchema),
    measuredMs: Type.Number(),
    ok: Type.Number(),
    throughputRps: Type.Number(),
    latencyMs: Nullable(
      Type.Object({ p50: Type.Number(), p90: Type.Number(), p99: Type.Number(), maxMs: Type.Number() }, CLOSED),
    ),
    errors: Type.Object({ total: Type.Number(), byCode: CountsSchema }, CLOSED),
    /** CPU time ÷ wall time over the measured window, per process (null when it could not be read). */
    cpuShare: Type.Object(
      { app: Nullable(Type.Number()), target: Nullable(Type.Number()), loadGenerator: Nullable(Type.Number()) },
      CLOSED,
    ),
    /** Each core's busy and steal share over the window (/proc/stat; null elsewhere). */
    cores: Nullable(Type.Array(CoreShareSchema)),
    upstream: Type.Object({ requests: Type.Number(), connectionsOpened: Type.Number() }, CLOSED),
    app: Nullable(AppStatsSchema),
    /** Our runner's points: the steadiness test over the last warm-up windows. Null for wrk. */
    steadiness: Nullable(
      Type.Object({ steady: Type.Boolean(), throughputRange: Nullable(Type.Number()), reason: Type.String() }, CLOSED),
    ),
    /**
     * Guards: target-saturated, load-generator-saturated, load-core-saturated (over 0.85 of a core), errors,
     * not-steady, no-data.
     */
    flags: Type.Array(Type.String()),
  },
  { ...CLOSED, title: 'App-run point' },
);

export const AppSkipSchema = Type.Object(
  {
    route: Type.String(),
    generator: Type.String(),
    connections: Nullable(Type.Integer()),
    rateFraction: Nullable(Type.Number()),
    reason: Type.String(),
  },
  CLOSED,
);

export const AppRunRecordSchema = withOutcome(
  { schemaVersion: Type.Literal(SCHEMA_VERSION), kind: Type.Literal('app-run'), runId: RunIdSchema },
  {
    caseStudy: Type.String(),
    label: Type.String(),
    startedAt: TimestampSchema,
    finishedAt: TimestampSchema,
    environment: EnvironmentSchema,
    params: AppRunParamsSchema,
    app: Type.Object(
      {
        python: Type.String(),
        lockHash: Nullable(Type.String()),
        command: Type.Array(Type.String()),
        pid: Nullable(Type.Number()),
        cpu: Nullable(Type.Number()),
        /** The app's `/_casebook/settings`: effective limits, loop, versions. */
        settings: OpenRecordSchema,
      },
      CLOSED,
    ),
    target: Type.Object({ pid: Nullable(Type.Number()), cpu: Nullable(Type.Number()), delayMs: Type.Number() }, CLOSED),
    loadGenerator: Type.Object(
      {
        cpu: Nullable(Type.Number()),
        /** `wrk -v`'s first line, or null when wrk is not on PATH. */
        wrk: Nullable(Type.String()),
        openLoopClient: Type.String(),
      },
      CLOSED,
    ),
    points: Type.Array(AppPointSchema),
    skipped: Type.Array(AppSkipSchema),
  },
  'App-run record',
);
export type AppRunRecord = Static<typeof AppRunRecordSchema>;
