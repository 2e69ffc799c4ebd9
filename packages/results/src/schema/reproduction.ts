import { type Static, Type } from '@sinclair/typebox';
import { CLOSED, Nullable, RunIdSchema, TimestampSchema } from './common';
import { EnvironmentSchema, MACHINE_ID_PATTERN } from './environment';
import { SCHEMA_VERSION } from './version';

/**
 * `casebook reproduce` (`kind: "reproduction"`, new in schemaVersion 4): a published case-study run made again on the
 * reader's machine, and the two compared: what differs in the environment, which claims held both times, how far
 * each measurement's numbers moved. The new run is an ordinary case-study record (`reproducedRunId`); this record only
 * joins the two, so it is written once both are complete and has no status of its own.
 */

const ClaimOutcomeSchema = Type.Union([Type.Literal('holds'), Type.Literal('fails'), Type.Literal('unresolved')]);

export const ReproductionOriginalSchema = Type.Object(
  {
    runId: RunIdSchema,
    caseStudy: Type.String(),
    profile: Type.String(),
    commit: Nullable(Type.String()),
    /** Null only when the original record was migrated from schemaVersion 1 (no machine id then). */
    machineId: Nullable(Type.String({ pattern: MACHINE_ID_PATTERN })),
  },
  { ...CLOSED, title: 'Original run' },
);

/** One environment field that differs, by its dotted path in `environment` (`cpuModel`, `clientVersions.undici`). */
export const EnvironmentDifferenceSchema = Type.Object(
  {
    field: Type.String({ minLength: 1 }),
    original: Nullable(Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    reproduced: Nullable(Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  },
  CLOSED,
);

/** A claim (a verdict of the original run) and what it came to in the reproduction. */
export const ReproducedClaimSchema = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    /** The verdict's kind, as the original recorded it. */
    kind: Type.String(),
    original: ClaimOutcomeSchema,
    /** 'missing': the reproduction has no verdict with this id. */
    reproduced: Type.Union([ClaimOutcomeSchema, Type.Literal('missing')]),
    /** reproduced: same outcome both times; not-reproduced: a different one; missing: no verdict in the reproduction. */
    status: Type.Union([Type.Literal('reproduced'), Type.Literal('not-reproduced'), Type.Literal('missing')]),
    originalEvidence: Type.String(),
    reproducedEvidence: Type.String(),
  },
  CLOSED,
);

/** How far one measurement's number moved: `ratio` is reproduced / original (null when either is missing or 0). */
export const MeasurementDriftSchema = Type.Object(
  {
    measurement: Type.String({ minLength: 1 }),
    metric: Type.Union([
      Type.Literal('throughputRps'),
      Type.Literal('cpuMicrosPerRequest'),
      Type.Literal('ratioToReference'),
    ]),
    original: Nullable(Type.Number()),
    reproduced: Nullable(Type.Number()),
    ratio: Nullable(Type.Number()),
  },
  CLOSED,
);

/**
 * The counted claims (kind 'claim'; sanity checks and exploratory observations are listed, not counted) by status.
 * `reproduced` counts any outcome seen twice, unresolved included: a reader judges a reproduction by `decided` and
 * `decidedReproduced`, since a claim unresolved both times reproduces no finding. Those four are optional so records
 * written before them stay valid; `casebook reproduce` always writes them.
 */
export const ReproductionSummarySchema = Type.Object(
  {
    /** Counted claims (verdicts of kind 'claim' in the original). */
    claims: Type.Integer({ minimum: 0 }),
    /** Counted claims with the same outcome both times (holds, fails or unresolved). */
    reproduced: Type.Integer({ minimum: 0 }),
    /** Counted claims with a different outcome in the reproduction. */
    notReproduced: Type.Integer({ minimum: 0 }),
    /** Counted claims the reproduction has no verdict for. */
    missing: Type.Integer({ minimum: 0 }),
    /** Counted claims the original decided: outcome 'holds' or 'fails'. */
    decided: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Of the `decided` claims, those with the same outcome (holds or fails) in the reproduction. */
    decidedReproduced: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Counted claims unresolved in the original (claims - decided). */
    undecided: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Of the `undecided` claims, those the reproduction decided (holds or fails): new findings, not reproductions. */
    undecidedDecidedHere: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  CLOSED,
);

export const ReproductionRecordSchema = Type.Object(
  {
    schemaVersion: Type.Literal(SCHEMA_VERSION),
    kind: Type.Literal('reproduction'),
    /** `<original run id>-repro-<8 hex>`. */
    runId: RunIdSchema,
    createdAt: TimestampSchema,
    original: ReproductionOriginalSchema,
    /** The case-study run made on this machine. */
    reproducedRunId: RunIdSchema,
    /** This machine's environment (the reproduced run's). */
    environment: EnvironmentSchema,
    environmentDiff: Type.Array(EnvironmentDifferenceSchema),
    claims: Type.Array(ReproducedClaimSchema),
    drift: Type.Array(MeasurementDriftSchema),
    summary: ReproductionSummarySchema,
  },
  { ...CLOSED, title: 'Reproduction record' },
);
export type ReproductionRecord = Static<typeof ReproductionRecordSchema>;
