import { type Static, Type } from '@sinclair/typebox';
import { CLOSED, CountsSchema, Nullable, OpenRecordSchema, RunErrorSchema } from './common';

/**
 * The raw data of a keep-alive race study (notebook 08): `race-runs.json` next to the case study's record.json, a list
 * of one entry per client process (runner race.ts RaceRunResult, with the plan cell it ran and the target's per-id
 * arrival maps left out: each request already carries its own `arrived`, `served` and first-arrival fields). Like
 * dns-runs.json it is an attachment, not a record kind: the record schema (and its version) is unchanged, and
 * test/committed-records.test.ts validates committed attachments against this schema.
 *
 * Fields added after the first published runs are OPTIONAL, so the files of older runs still validate: the target's
 * after-close record (`firstCopyAfterClose`), the idle at each idle close (`idleClosedAtIdleMs`), and the times on the
 * clock both processes share (µs of CLOCK_MONOTONIC: the client's first write of each id, the target's FIN on each
 * connection, and the joins between them; see runner race-writes.ts and race.ts joinWrite).
 */

const NonNegativeInteger = Type.Integer({ minimum: 0 });
/** µs on the shared monotonic clock (process.hrtime.bigint() / 1000): an integer, ≥ 0. */
const Micros = Type.Integer({ minimum: 0 });

export const RaceOutcomeSchema = Type.Object(
  {
    id: Type.String(),
    ok: Type.Boolean(),
    status: Nullable(Type.Integer()),
    /** The first `code` along the error's cause chain (UND_ERR_SOCKET, ECONNRESET…), else its name. */
    code: Nullable(Type.String()),
    /** Messages along the cause chain, outermost first. */
    message: Nullable(Type.String()),
    elapsedMs: Type.Number({ minimum: 0 }),
    /** The client's first write of this id (µs, shared clock); null: no write time recorded. Absent in older runs. */
    writtenAtUs: Type.Optional(Nullable(Micros)),
    /** The local port of that write's socket (the target's remotePort). Absent in older runs. */
    localPort: Type.Optional(Nullable(NonNegativeInteger)),
    /** Writes of this id seen at the client (2 or more: sent again). Absent in older runs. */
    writes: Type.Optional(NonNegativeInteger),
  },
  CLOSED,
);

export const RaceRequestSchema = Type.Object(
  {
    ...RaceOutcomeSchema.properties,
    round: NonNegativeInteger,
    gapMs: Type.Number({ minimum: 0 }),
    idleMs: Type.Number({ minimum: 0 }),
    /** Times the id arrived at the target: 0 never reached it, ≥ 2 sent again by the client. */
    arrived: NonNegativeInteger,
    served: NonNegativeInteger,
    /**
     * ms the connection the id first reached the target on had been idle (the target's clock); null: a new
     * connection, or never reached. Absent in runs recorded before it was kept.
     */
    targetIdleMs: Type.Optional(Nullable(Type.Number({ minimum: 0 }))),
    /**
     * The target's record (the old rule, kept for comparison): the first copy reached its handler after the target had
     * closed that connection; null: a new connection, or never reached. Absent in older runs.
     */
    firstCopyAfterClose: Type.Optional(Nullable(Type.Boolean())),
    /** The first copy's arrival at the target's handler (µs, shared clock); null: never. Absent in older runs. */
    arrivedAtUs: Type.Optional(Nullable(Micros)),
    /** The target connection the first write went to (joined by port and time); null: none. Absent in older runs. */
    targetConnection: Type.Optional(Nullable(NonNegativeInteger)),
    /** The target's FIN (or RST) on it, when it ended the idle period the write went into (µs); else null. */
    finAtUs: Type.Optional(Nullable(Micros)),
    /** The due close (idle start + T, µs) of the idle period the write went into; null: a new connection. */
    dueAtUs: Type.Optional(Nullable(Micros)),
  },
  CLOSED,
);

const HintSchema = Type.Union([Type.Literal('absent'), Type.Literal('true'), Type.Literal('lying')]);
const IdleCloseSchema = Type.Union([Type.Literal('fin'), Type.Literal('rst'), Type.Literal('stall')]);
const MethodSchema = Type.Union([Type.Literal('GET'), Type.Literal('POST')]);
const RetrySchema = Type.Union([Type.Literal('client-default'), Type.Literal('off'), Type.Literal('opt-in')]);

export const RaceCellSchema = Type.Object(
  {
    cell: NonNegativeInteger,
    round: NonNegativeInteger,
    client: Type.String(),
    retry: RetrySchema,
    hint: HintSchema,
    idleClose: IdleCloseSchema,
    method: MethodSchema,
    concurrency: Type.Integer({ minimum: 1 }),
    gapsMs: Type.Array(Type.Number({ minimum: 0 })),
  },
  CLOSED,
);

export const RaceTargetSettingsSchema = Type.Object(
  {
    host: Type.String(),
    idleTimeoutMs: Type.Number({ minimum: 0 }),
    idleClose: IdleCloseSchema,
    hint: HintSchema,
    hintHeader: Nullable(Type.String()),
    raceWindowMs: Type.Number({ minimum: 0 }),
    bodyBytes: NonNegativeInteger,
  },
  CLOSED,
);

export const RaceConnectionSchema = Type.Object(
  {
    id: NonNegativeInteger,
    served: NonNegativeInteger,
    arrived: NonNegativeInteger,
    ended: Nullable(Type.String()),
    stalled: Type.Boolean(),
    /** The client's port. Absent in older runs (like every field below). */
    remotePort: Type.Optional(Nullable(NonNegativeInteger)),
    /** The target's 'connection' event (µs, shared clock). */
    openedAtUs: Type.Optional(Micros),
    /** The target's FIN or RST for its idle or race close (µs); null when it did not close it. */
    closedAtUs: Type.Optional(Nullable(Micros)),
    /** The start of the idle period that close ended (µs); null without one. */
    closeIdleSinceUs: Type.Optional(Nullable(Micros)),
  },
  CLOSED,
);

/** The target's counters for one run, without the per-id maps (each request carries its own entries). */
export const RaceCountersSchema = Type.Object(
  {
    connectionsOpened: NonNegativeInteger,
    connectionsClosed: NonNegativeInteger,
    openConnections: NonNegativeInteger,
    stalledConnections: NonNegativeInteger,
    arrivals: NonNegativeInteger,
    responses: NonNegativeInteger,
    raceCloses: NonNegativeInteger,
    ignoredWhileStalled: NonNegativeInteger,
    unlabelled: NonNegativeInteger,
    arrivedAfterClose: NonNegativeInteger,
    endings: CountsSchema,
    /** ms idle at each idle close (minus T: how late the close timer fired). Absent in older runs. */
    idleClosedAtIdleMs: Type.Optional(Type.Array(Type.Number({ minimum: 0 }))),
    connections: Type.Array(RaceConnectionSchema),
  },
  CLOSED,
);

export const RaceRunEntrySchema = Type.Object(
  {
    /** The plan (Study.runRaces title) this run belongs to. */
    plan: Type.String(),
    cell: RaceCellSchema,
    client: Type.String(),
    method: MethodSchema,
    retry: RetrySchema,
    concurrency: Type.Integer({ minimum: 1 }),
    /** The client's process and the race target's (a test checks that neither outlives the run). */
    clientPid: Nullable(Type.Integer()),
    targetPid: Type.Integer(),
    target: RaceTargetSettingsSchema,
    /** The client's defence read from its live objects: at start, after the first warm-up, at the end. */
    defence: Type.Object({ ready: OpenRecordSchema, afterWarm: Type.Unknown(), atEnd: Type.Unknown() }, CLOSED),
    requests: Type.Array(RaceRequestSchema),
    warmFailures: Type.Array(RaceOutcomeSchema),
    counters: RaceCountersSchema,
    openAfter: NonNegativeInteger,
    /** Stalled connections the target released after the run. */
    released: NonNegativeInteger,
    error: Nullable(RunErrorSchema),
  },
  { ...CLOSED, title: 'Keep-alive race run' },
);
export type RaceRunEntry = Static<typeof RaceRunEntrySchema>;

/** race-runs.json: every race run of a case study, in the order run. */
export const RaceRunsFileSchema = Type.Array(RaceRunEntrySchema, { title: 'Keep-alive race runs' });

/** The attachment's file name, in the run folder (what test/committed-records.test.ts recognises). */
export const RACE_RUNS_FILE = 'race-runs.json';
