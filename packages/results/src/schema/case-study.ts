import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { PROFILES } from '../case-studies';
import {
  CLOSED,
  CountsSchema,
  Nullable,
  OpenRecordSchema,
  RunIdSchema,
  TimestampSchema,
  withOutcome,
  withStatus,
} from './common';
import { EnvironmentSchema } from './environment';
import { SCHEMA_VERSION } from './version';

/**
 * One execution of a case-study notebook (`kind: "case-study"`): a summary of each measurement (the full bench
 * record is in `file`), the verdicts computed from the data, the charts, and open-ended notes.
 */

/** The summary of one bench record, without its status (each schema version states that its own way). */
export const measurementProperties = {
  label: Type.String(),
  runId: RunIdSchema,
  /** The full bench record, relative to the repository. */
  file: Type.String(),
  client: Type.String(),
  clientVersion: Type.String(),
  mode: Type.Union([Type.Literal('closed'), Type.Literal('open')]),
  concurrency: Type.Number(),
  rateRps: Nullable(Type.Number()),
  connections: Nullable(Type.Number()),
  delayMs: Type.Number(),
  throughputRps: Type.Number(),
  throughputMin: Nullable(Type.Number()),
  throughputMax: Nullable(Type.Number()),
  p50Ms: Type.Number(),
  p99Ms: Type.Number(),
  cpuMicrosPerRequest: Type.Number(),
  errors: Type.Number(),
  errorsByCode: CountsSchema,
  targetConnectionsOpened: Type.Number(),
  targetConnectionsOpenedWarmup: Type.Number(),
  targetPeakOpenConnections: Type.Number(),
};

export const MeasurementSummarySchema = withStatus(measurementProperties, 'Measurement summary');
export type MeasurementSummary = Static<typeof MeasurementSummarySchema>;

/** The numbers behind a verdict: open-ended keys, primitive values. */
export const EvidenceSchema = Type.Record(
  Type.String(),
  Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()]),
);

export const VERDICT_KINDS = ['claim', 'sanity', 'exploratory', 'unclassified'] as const;

export const StatisticSchema = Type.Object(
  {
    name: Type.String(),
    value: Type.Number(),
    ci95: Nullable(Type.Tuple([Type.Number(), Type.Number()])),
  },
  CLOSED,
);

const verdictProperties = {
  id: Type.String(),
  claim: Type.String(),
  /**
   * claim: what the study sets out to show; sanity: a check that the lab worked; exploratory: an observation with no
   * prior expectation; unclassified: not stated (every verdict migrated from schemaVersion 1).
   */
  kind: Type.Union(
    VERDICT_KINDS.map((k) => Type.Literal(k)),
    { description: 'claim, sanity (the lab worked), exploratory, or unclassified (migrated from schemaVersion 1)' },
  ),
  evidence: EvidenceSchema,
  /** The test statistic the outcome rests on, when there is one. */
  statistic: Type.Optional(StatisticSchema),
};

/** `holds` stays for readers of schemaVersion 1: true exactly when `outcome` is 'holds'. */
export const VerdictSchema = Type.Union(
  [
    Type.Object({ ...verdictProperties, outcome: Type.Literal('holds'), holds: Type.Literal(true) }, CLOSED),
    Type.Object(
      {
        ...verdictProperties,
        outcome: Type.Union([Type.Literal('fails'), Type.Literal('unresolved')]),
        holds: Type.Literal(false),
      },
      CLOSED,
    ),
  ],
  { title: 'Verdict', description: 'holds is true exactly when outcome is holds' },
);
export type Verdict = Static<typeof VerdictSchema>;

export const ChartSchema = Type.Object(
  { name: Type.String(), alt: Type.String(), png: Type.String(), svg: Type.String(), spec: Type.String() },
  CLOSED,
);

/** Everything after the outcome; the nested shapes that changed between schema versions are parameters. */
export const caseStudyBodyProperties = <E extends TSchema, M extends TSchema, V extends TSchema>(parts: {
  environment: E;
  measurement: M;
  verdict: V;
}) => ({
  caseStudy: Type.String(),
  title: Type.String(),
  notebook: Type.String(),
  /** A string, not today's list (PROFILES): a profile added later must not change the record schema. */
  profile: Type.String({ description: `The notebook profile (today: ${PROFILES.join(', ')})` }),
  startedAt: TimestampSchema,
  finishedAt: TimestampSchema,
  /** The notebook's resolved settings: open-ended. */
  parameters: OpenRecordSchema,
  environment: parts.environment,
  measurements: Type.Array(parts.measurement),
  verdicts: Type.Array(parts.verdict),
  charts: Type.Array(ChartSchema),
  /** Whatever else the notebook recorded: open-ended. */
  notes: OpenRecordSchema,
});

export const CaseStudyRecordSchema = withOutcome(
  { schemaVersion: Type.Literal(SCHEMA_VERSION), kind: Type.Literal('case-study'), runId: RunIdSchema },
  caseStudyBodyProperties({
    environment: EnvironmentSchema,
    measurement: MeasurementSummarySchema,
    verdict: VerdictSchema,
  }),
  'Case-study record',
);
export type CaseStudyRecord = Static<typeof CaseStudyRecordSchema>;
