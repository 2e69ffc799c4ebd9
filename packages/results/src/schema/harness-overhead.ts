import { type Static, Type } from '@sinclair/typebox';
import { BenchParamsSchema } from './bench-params';
import { CLOSED, RunIdSchema, TimestampSchema } from './common';
import { TrialSummarySchema } from './stats';
import { SCHEMA_VERSION } from './version';

/**
 * `casebook harness-overhead` (`kind: "harness-overhead"`): the same client and target driven by the full runner and
 * by a bare counting loop, alternated. It is written only when every round completed, so it has no status.
 */

export const harnessOverheadBodyProperties = {
  createdAt: TimestampSchema,
  params: BenchParamsSchema,
  runnerRps: TrialSummarySchema,
  bareLoopRps: TrialSummarySchema,
  /** Median runner throughput over median bare-loop throughput. */
  ratio: Type.Number(),
  requirement: Type.String(),
  meetsRequirement: Type.Boolean(),
  runnerCpuMicrosPerRequest: TrialSummarySchema,
  bareLoopCpuMicrosPerRequest: TrialSummarySchema,
  /** Extra client CPU per request the runner's bookkeeping costs (less noisy than throughput). */
  cpuOverheadRatio: Type.Number(),
  rawRunnerRps: Type.Array(Type.Number()),
  rawBareLoopRps: Type.Array(Type.Number()),
};

export const HarnessOverheadRecordSchema = Type.Object(
  {
    schemaVersion: Type.Literal(SCHEMA_VERSION),
    kind: Type.Literal('harness-overhead'),
    runId: RunIdSchema,
    ...harnessOverheadBodyProperties,
  },
  { ...CLOSED, title: 'Harness-overhead record' },
);
export type HarnessOverheadRecord = Static<typeof HarnessOverheadRecordSchema>;
