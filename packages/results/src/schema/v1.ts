import { type Static, Type } from '@sinclair/typebox';
import { benchBodyProperties } from './bench';
import { caseStudyBodyProperties, EvidenceSchema, measurementProperties } from './case-study';
import { CLOSED, Nullable, RunErrorSchema, RunIdSchema } from './common';
import { sharedEnvironmentProperties } from './environment';
import { harnessOverheadBodyProperties } from './harness-overhead';

/**
 * schemaVersion 1, as committed under results/ before schemas existed: read only, through migrate-v1.ts. It differs
 * from version 2 in the environment (a host name, no machine id), in `status` and `error` varying independently,
 * in case studies having no `error`, and in verdicts having only `holds`. There was no dns-run kind.
 */

const V1_STATUS = Type.Union([Type.Literal('completed'), Type.Literal('errored')]);

const envelope = <K extends string>(kind: K) => ({
  schemaVersion: Type.Literal(1),
  kind: Type.Literal(kind),
  runId: RunIdSchema,
});

const EnvironmentV1Schema = Type.Object(
  {
    ...sharedEnvironmentProperties,
    hostname: Type.String(),
  },
  CLOSED,
);

export const BenchRecordV1Schema = Type.Object(
  {
    ...envelope('bench'),
    status: V1_STATUS,
    error: Nullable(RunErrorSchema),
    ...benchBodyProperties(EnvironmentV1Schema),
  },
  CLOSED,
);

const MeasurementSummaryV1Schema = Type.Object(
  { ...measurementProperties, status: V1_STATUS, error: Nullable(RunErrorSchema) },
  CLOSED,
);

const VerdictV1Schema = Type.Object(
  { id: Type.String(), claim: Type.String(), holds: Type.Boolean(), evidence: EvidenceSchema },
  CLOSED,
);

export const CaseStudyRecordV1Schema = Type.Object(
  {
    ...envelope('case-study'),
    status: V1_STATUS,
    ...caseStudyBodyProperties({
      environment: EnvironmentV1Schema,
      measurement: MeasurementSummaryV1Schema,
      verdict: VerdictV1Schema,
    }),
  },
  CLOSED,
);

export const HarnessOverheadRecordV1Schema = Type.Object(
  { ...envelope('harness-overhead'), ...harnessOverheadBodyProperties },
  CLOSED,
);

export const RECORD_SCHEMAS_V1 = {
  bench: BenchRecordV1Schema,
  'case-study': CaseStudyRecordV1Schema,
  'harness-overhead': HarnessOverheadRecordV1Schema,
} as const;

export type BenchRecordV1 = Static<typeof BenchRecordV1Schema>;
export type CaseStudyRecordV1 = Static<typeof CaseStudyRecordV1Schema>;
export type HarnessOverheadRecordV1 = Static<typeof HarnessOverheadRecordV1Schema>;
export type AnyRecordV1 = BenchRecordV1 | CaseStudyRecordV1 | HarnessOverheadRecordV1;
