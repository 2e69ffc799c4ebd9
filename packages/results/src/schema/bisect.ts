import { type Static, Type } from '@sinclair/typebox';
import { CLOSED, Nullable, OpenRecordSchema, RunErrorSchema, RunIdSchema, TimestampSchema } from './common';
import { EnvironmentSchema } from './environment';
import { SCHEMA_VERSION } from './version';

/**
 * `casebook bisect` (`kind: "bisect"`, added to schemaVersion 4 as a new kind: no older record has it, and every
 * record written before it still validates): where between a good and a bad version of a package (or of Node) one
 * metric moved. The candidates are one release line ordered by publish date; every step is a short interleaved matrix
 * run (its bench records under `steps/<nn>-<purpose>/`), and its paired per-round ratios decide the next step. The
 * record is written before every step (status interrupted: what was done so far, should the process end in the step)
 * and again when the search ends or stops; `status` and `error` were added to v4 as optional fields, so records written
 * before them (each written once its search had ended: completed) still validate.
 *
 * Several client processes per version (added to v4 as optional fields, after the interrupted bisect
 * undici-throughput-c512-6.21.0-6.29.1-2026-12-05-interrupted): a steady-state step runs each version in `processes`
 * client processes; each measurement keeps its processes (which process, which run, its value per round) and whether
 * they disagreed, and each ratio says its interval is two-level. A record without them ran one client process per
 * version in each steady-state step (or, in the phase method, a fresh process per version and round).
 */

/** A paired ratio, older / newer per round (analysis VersionPairRatio); null where no round paired. */
const RatioSchema = Type.Object(
  {
    median: Nullable(Type.Number()),
    low: Nullable(Type.Number()),
    high: Nullable(Type.Number()),
    coverage: Type.Number(),
  },
  CLOSED,
);

const MovementSchema = Nullable(Type.Union([Type.Literal('up'), Type.Literal('down')]));

const DatedVersionSchema = Type.Object(
  { version: Type.String({ minLength: 1 }), publishedAt: Type.String({ minLength: 1 }) },
  CLOSED,
);

export const BisectStepSchema = Type.Object(
  {
    index: Type.Integer({ minimum: 1 }),
    purpose: Type.Union([
      Type.Literal('screen'),
      Type.Literal('search'),
      Type.Literal('retry'),
      Type.Literal('confirm'),
    ]),
    /** The versions measured together, in candidate (publish) order. */
    versions: Type.Array(Type.String()),
    rounds: Type.Integer({ minimum: 1 }),
    seed: Type.Integer(),
    /** The step's bench records, relative to the bisect record's folder. */
    folder: Type.String(),
    runIds: Type.Array(RunIdSchema),
    /** Client processes per version in this step; absent: one (a record written before several were run). */
    processes: Type.Optional(Type.Integer({ minimum: 1 })),
    /**
     * The metric per round for each version (null: that round failed or did not record it); with several processes,
     * the median of the round over the version's processes.
     */
    measurements: Type.Array(
      Type.Object(
        {
          version: Type.String(),
          values: Type.Array(Nullable(Type.Number())),
          median: Nullable(Type.Number()),
          /** Each client process of the version: its number, its bench run, its raw metric per round and their median. */
          processes: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  process: Type.Integer({ minimum: 1 }),
                  runId: Nullable(RunIdSchema),
                  values: Type.Array(Nullable(Type.Number())),
                  median: Nullable(Type.Number()),
                },
                CLOSED,
              ),
            ),
          ),
          /** "processes of 6.28.1 disagree: 0.82 vs 1.01 vs 1.00 (…)"; null: they did not (several processes only). */
          disagreement: Type.Optional(Nullable(Type.String())),
        },
        CLOSED,
      ),
    ),
    /** Every pair measured in the step, older / newer per round. */
    ratios: Type.Array(
      Type.Object(
        {
          older: Type.String(),
          newer: Type.String(),
          ratio: RatioSchema,
          compared: Type.Boolean(),
          /** Adjacent pairs only: the resolved movement of the metric from older to newer (null: none resolved). */
          movement: Type.Optional(MovementSchema),
          /** How the interval was read: absent, paired per round; `processes then rounds`, the two-level bootstrap. */
          interval: Type.Optional(Type.Literal('processes then rounds')),
          /** Why the pair has no interval (`no interval: fewer than 3 processes: …`); absent when it has one. */
          noInterval: Type.Optional(Type.String()),
          /** Adjacent pairs only: a version's processes disagreed, so the pair is no boundary whatever its ratio. */
          disagreement: Type.Optional(Type.String()),
        },
        CLOSED,
      ),
    ),
    outcome: Type.String(),
  },
  CLOSED,
);

export const BisectBoundarySchema = Type.Object(
  {
    older: Type.String(),
    newer: Type.String(),
    movement: Type.Union([Type.Literal('up'), Type.Literal('down')]),
    direction: Type.Union([Type.Literal('regressed'), Type.Literal('improved')]),
    /** The first step of the range crossing from good's major line to bad's. */
    lineBoundary: Type.Boolean(),
    foundInStep: Type.Integer({ minimum: 1 }),
    foundRatio: RatioSchema,
    /** The longer run of the two versions alone; null when the run budget was spent before it. */
    confirmation: Nullable(
      Type.Object({ step: Type.Integer({ minimum: 1 }), ratio: RatioSchema, confirmed: Type.Boolean() }, CLOSED),
    ),
    /** The sentence to cite: "… regressed between A and B by X (95 % CI …)". */
    sentence: Type.String(),
    compareUrl: Nullable(Type.String()),
    releaseUrl: Nullable(Type.String()),
  },
  CLOSED,
);

export const BisectRecordSchema = Type.Object(
  {
    schemaVersion: Type.Literal(SCHEMA_VERSION),
    kind: Type.Literal('bisect'),
    runId: RunIdSchema,
    createdAt: TimestampSchema,
    /**
     * How the search ended: completed, or stopped before its end, interrupted (error.code CASEBOOK_INTERRUPTED: a
     * signal, or a process that ended in a step without saying why) or errored (a step failed; the error names it). A
     * stopped record holds the steps it completed and what they had found (each line of its summary marked so), and
     * claims nothing about the rest of the range. Absent: completed (a record written before the field existed).
     */
    status: Type.Optional(
      Type.Union([Type.Literal('completed'), Type.Literal('interrupted'), Type.Literal('errored')]),
    ),
    /** Why the search stopped; null when it completed. */
    error: Type.Optional(Nullable(RunErrorSchema)),
    /** 'node' for a runtime, else the npm package (undici, got, axios). */
    package: Type.String({ minLength: 1 }),
    /** The adapter that drove every run. */
    client: Type.String({ minLength: 1 }),
    metric: Type.Object(
      {
        name: Type.String(),
        text: Type.String(),
        unit: Type.String(),
        better: Type.Union([Type.Literal('higher'), Type.Literal('lower')]),
      },
      CLOSED,
    ),
    good: DatedVersionSchema,
    bad: DatedVersionSchema,
    line: Type.Object(
      {
        kind: Type.Union([Type.Literal('same-line'), Type.Literal('consecutive-lines')]),
        goodMajor: Type.Integer({ minimum: 0 }),
        badMajor: Type.Integer({ minimum: 0 }),
        /**
         * consecutive-lines: the first release after good's line (the first step crosses to it): bad's line, or for a
         * Node bisect across majors the first release of the main line after good's major (22.x → 23.0.0).
         */
        firstOfBadLine: Nullable(Type.String()),
      },
      CLOSED,
    ),
    /** good, the versions between, bad: one line, by publish date. */
    candidates: Type.Array(DatedVersionSchema),
    excluded: Type.Array(
      Type.Object({ version: Type.String(), publishedAt: Nullable(Type.String()), reason: Type.String() }, CLOSED),
    ),
    /** The bench options every run used (the scenario), and the other axis (`workspace` or an exact version). */
    scenario: OpenRecordSchema,
    profile: Type.String(),
    seed: Type.Integer(),
    /**
     * Client processes per version in each steady-state step, and how a step is read with them; absent: one process per
     * version (a record written before several were run), or the phase method (a fresh process per version and round).
     */
    processes: Type.Optional(Type.Object({ perVersion: Type.Integer({ minimum: 1 }), design: Type.String() }, CLOSED)),
    rounds: Type.Object(
      {
        screen: Type.Integer({ minimum: 1 }),
        step: Type.Integer({ minimum: 1 }),
        confirm: Type.Integer({ minimum: 1 }),
      },
      CLOSED,
    ),
    screen: Type.Array(Type.String()),
    steps: Type.Array(BisectStepSchema),
    boundaries: Type.Array(BisectBoundarySchema),
    unresolved: Type.Array(Type.Object({ older: Type.String(), newer: Type.String(), reason: Type.String() }, CLOSED)),
    /** The metric went down and up again (or up and down) across the range: every boundary is reported. */
    nonMonotonic: Type.Boolean(),
    runs: Type.Integer({ minimum: 0 }),
    maxRuns: Type.Integer({ minimum: 1 }),
    /** The record as markdown: the sentences, the links, the steps. */
    summary: Type.String(),
    reproduce: Type.Object({ command: Type.String(), args: Type.Array(Type.String()) }, CLOSED),
    environment: EnvironmentSchema,
  },
  { ...CLOSED, title: 'Bisect record' },
);
export type BisectRecord = Static<typeof BisectRecordSchema>;
