import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { BenchParamsSchema } from './bench-params';
import { CLOSED, CountsSchema, Nullable, OpenRecordSchema, RunIdSchema, TimestampSchema, withOutcome } from './common';
import { ProxyCountersSchema } from './counters';
import { EnvironmentSchema } from './environment';
import { LatencySummaryMsSchema, TrialSummarySchema } from './stats';
import { ContinuousMethodSchema, MeasurementGuardsSchema } from './steady-state';
import { TrialRecordSchema, WarmupSchema } from './trial';
import { SCHEMA_VERSION } from './version';

/**
 * One measurement (`kind: "bench"`): a client against a fresh target, warm-up then trials. Node and foreign (Python)
 * clients share the schema; a foreign client's block adds the interpreter and package versions it imported.
 */

const clientProperties = {
  name: Type.String(),
  packageName: Type.String(),
  version: Type.String(),
  sourceUrl: Type.String(),
  /** Settings read from the live client objects: open-ended, per client. */
  settings: OpenRecordSchema,
};

export const NodeClientSchema = Type.Object(clientProperties, { ...CLOSED, title: 'Node client' });

/** The Python interpreter that ran a foreign client, as the worker's probe reads it. */
export const InterpreterSchema = Type.Object(
  {
    /** platform.python_version(). */
    version: Type.String(),
    /** platform.python_implementation(): CPython, PyPy… */
    implementation: Type.String(),
    /** platform.python_build(): build number and date. */
    build: Type.String(),
    /** platform.python_compiler(). */
    compiler: Type.String(),
    /** A free-threaded build (sysconfig Py_GIL_DISABLED). */
    freeThreaded: Type.Boolean(),
  },
  CLOSED,
);

/** Fields added in schemaVersion 3 are optional, so a version 2 record is a valid version 3 record. */
export const ForeignClientSchema = Type.Object(
  {
    ...clientProperties,
    language: Type.Literal('python'),
    /** The foreign client's name in the runner (httpx, aiohttp, httpx-aiohttp-seed, httpx-aiohttp; the optional contenders niquests, pyreqwest, curl_cffi). */
    foreign: Type.String(),
    /** Interpreter and installed package versions (relevant packages null when absent). */
    versions: Type.Record(Type.String(), Nullable(Type.String())),
    /** The interpreter's path. */
    python: Type.String(),
    /** The client set (the Python environment) that ran it; null: an interpreter found outside the sets. */
    set: Type.Optional(Nullable(Type.String())),
    /** The event loop the client ran on (the effective loop class is in settings.eventLoop). */
    loop: Type.Optional(Type.Union([Type.Literal('asyncio'), Type.Literal('uvloop')])),
    interpreter: Type.Optional(InterpreterSchema),
    /**
     * httpx only: max_keepalive_connections as requested (null: the library's default). The requested
     * max_connections is params.clientOptions.connections; the effective values are in settings.
     */
    maxKeepaliveConnections: Type.Optional(Nullable(Type.Number())),
    /**
     * httpx only: true when httpcore's AsyncLock was made with anyio's fast_acquire=True (the switch of
     * pydantic/httpx2#970); absent: the library's own locks. The effective value is settings['httpcore.AsyncLock.fast_acquire'].
     */
    fastAcquire: Type.Optional(Type.Literal(true)),
    /**
     * Steady-state method: the worker cut a window only at a boundary where at least this many requests ended in it
     * (0: at every boundary), so a window spans a whole multiple of method.windowMs (each window's durationMs is its
     * real length). Absent in records made before it existed (every boundary cut).
     */
    minWindowRequests: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { ...CLOSED, title: 'Foreign (Python) client' },
);

export const BenchTargetSummarySchema = Type.Object(
  {
    pid: Nullable(Type.Number()),
    cpu: Nullable(Type.Number()),
    /** Connections the target accepted over the whole run (warm-up included). */
    connectionsOpened: Type.Number(),
    connectionsOpenedWarmup: Type.Number(),
    /** Connections accepted during measured trials only. */
    connectionsOpenedMeasured: Type.Number(),
    peakOpenConnections: Type.Number(),
    peakInFlight: Type.Number(),
    requests: Type.Number(),
    cpuMicrosPerRequest: Type.Number(),
  },
  CLOSED,
);

/** With a delaying proxy (rttMs): its counters per trial and its own ceiling, to show it was not the limit. */
export const BenchProxySchema = Type.Object(
  {
    rttMs: Type.Number(),
    oneWayDelayMs: Type.Number(),
    pid: Nullable(Type.Number()),
    cpu: Nullable(Type.Number()),
    trials: Type.Array(ProxyCountersSchema),
    utilization: Type.Number(),
    cpuMicrosPerRequest: Type.Number(),
    ceilingRps: Nullable(Type.Number()),
  },
  CLOSED,
);

/** Everything after the outcome; `environment` differs between schema versions. */
export const benchBodyProperties = <E extends TSchema>(environment: E) => ({
  caseStudy: Type.String(),
  label: Type.String(),
  startedAt: TimestampSchema,
  finishedAt: TimestampSchema,
  params: BenchParamsSchema,
  environment,
  client: Type.Union([NodeClientSchema, ForeignClientSchema]),
  /** Median over trials of successful responses per second. */
  throughputRps: Type.Number(),
  throughputSpread: Nullable(TrialSummarySchema),
  /** Percentiles of all measured trials' latencies merged (HDR). */
  latencyMs: LatencySummaryMsSchema,
  p99Spread: Nullable(TrialSummarySchema),
  /** Errors over the measured trials, by code (HTTP_<status> for non-2xx; client codes such as ECONNRESET). */
  errors: Type.Object(
    { total: Type.Number(), byCode: CountsSchema },
    { ...CLOSED, description: "By code: CASEBOOK_*, HTTP_<status>, or the client's own (ECONNRESET, UND_ERR_*…)" },
  ),
  errorSamples: Type.Record(Type.String(), Type.String()),
  cpuMicrosPerRequest: Type.Number(),
  cpuSpread: Nullable(TrialSummarySchema),
  eventLoopUtilization: Type.Number(),
  target: BenchTargetSummarySchema,
  warmup: Nullable(WarmupSchema),
  trials: Type.Array(TrialRecordSchema),
  proxy: Type.Optional(BenchProxySchema),
  queueMs: Type.Optional(LatencySummaryMsSchema),
  wireMs: Type.Optional(LatencySummaryMsSchema),
  /** Steady-state method only: how it was measured, and the guards that decide whether it may be ranked. */
  method: Type.Optional(ContinuousMethodSchema),
  guards: Type.Optional(MeasurementGuardsSchema),
  /**
   * Phase method, a gather read as trials (stated after notebook 06's seed-e65a2755, its second reader's finding 8):
   * the case study's warm-up rule and guard flags applied when the record was saved (Study.guardGathersWith), and the
   * kept batches' figures the citation gives instead of every measured batch's. Absent: no such rule was applied.
   */
  gatherGuards: Type.Optional(
    Type.Object(
      {
        /** The rule, named (e.g. `warm-up in time: keepalive_expiry + 1 s, at least 6 kept; pool-state guard ±1`). */
        rule: Type.String(),
        /** Leading measured batches the rule left out, and batches kept. */
        warmupBatches: Type.Number(),
        kept: Type.Number(),
        flags: Type.Array(Type.String()),
        rankable: Type.Boolean(),
        /** Medians over the kept batches (NaN is written as null: none kept). */
        throughputRps: Nullable(Type.Number()),
        throughputMinRps: Nullable(Type.Number()),
        throughputMaxRps: Nullable(Type.Number()),
        cpuMicrosPerRequest: Nullable(Type.Number()),
        p50Ms: Nullable(Type.Number()),
        p99Ms: Nullable(Type.Number()),
      },
      CLOSED,
    ),
  ),
});

export const BenchRecordSchema = withOutcome(
  { schemaVersion: Type.Literal(SCHEMA_VERSION), kind: Type.Literal('bench'), runId: RunIdSchema },
  benchBodyProperties(EnvironmentSchema),
  'Bench record',
);
export type BenchRecord = Static<typeof BenchRecordSchema>;
export type ForeignClientBlock = Static<typeof ForeignClientSchema>;
