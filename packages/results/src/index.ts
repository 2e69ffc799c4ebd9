export {
  CASE_STUDIES,
  type CaseStudy,
  findCaseStudy,
  PROFILES,
  type Profile,
  resolveProfile,
} from './case-studies';
export { CASEBOOK_CODES, type CasebookCode, isCasebookCode } from './codes';
export { type Correction, correctionFor, readCorrections } from './corrections';
export { captureEnvironment, captureLimits, gitInfo } from './environment';
export { CasebookError, formatValue, RecordError, UsageError } from './errors';
export {
  compareVersions,
  type ExactVersion,
  parseExactVersion,
  requireExactVersion,
  satisfiesRange,
} from './exact-version';
export {
  ephemeralPorts,
  type FileLimits,
  fileLimits,
  parseFileLimitsProbe,
  SOFT_AT_START_ENV,
  softAtStartFromEnv,
  UNLIMITED_OPEN_FILES,
} from './file-limits';
export { flagsRankable, UNRANKABLE_FLAGS } from './guard-flags';
export { machineIdentity } from './machine-id';
export {
  type CompletedParts,
  type RunError,
  type RunOutcome,
  type RunStatus,
  runOutcome,
  runStatus,
} from './run-outcome';
export { type AppRunRecord, AppRunRecordSchema, type AppStats, AppStatsSchema } from './schema/app-run';
export { type BenchRecord, BenchRecordSchema, type ForeignClientBlock } from './schema/bench';
export { type BenchParams, BenchParamsSchema } from './schema/bench-params';
export { type BisectRecord, BisectRecordSchema } from './schema/bisect';
export {
  BODY_DIRECTIONS,
  BODY_SUMMARIES_NOTE,
  type BodyDirection,
  type BodySummary,
  BodySummarySchema,
  bodySummariesOf,
  validateBodySummaries,
} from './schema/body-summary';
export {
  type CaseStudyRecord,
  CaseStudyRecordSchema,
  type MeasurementSummary,
  MeasurementSummarySchema,
  type Verdict,
  VerdictSchema,
} from './schema/case-study';
export { CorrectionSchema, CorrectionsIndexSchema } from './schema/corrections';
export { type DnsRunRecord, DnsRunRecordSchema, DnsRunResultSchema } from './schema/dns-run';
export { generateSchemaFiles, schemaDigest, schemaDir } from './schema/emit';
export {
  type Environment,
  EnvironmentSchema,
  type GitInfo,
  type Limits,
  LimitsSchema,
  type Pinning,
} from './schema/environment';
export { type HarnessOverheadRecord, HarnessOverheadRecordSchema } from './schema/harness-overhead';
export {
  RACE_RUNS_FILE,
  type RaceRunEntry,
  RaceRunEntrySchema,
  RaceRunsFileSchema,
} from './schema/race-run';
export { type AnyRecord, RECORD_SCHEMAS, type RecordKind } from './schema/record';
export { type ReproductionRecord, ReproductionRecordSchema } from './schema/reproduction';
export type { LatencySummaryMs, MedianInterval, TrialSummary } from './schema/stats';
export {
  type ContinuousMethod,
  ContinuousMethodSchema,
  type MeasurementGuards,
  MeasurementGuardsSchema,
} from './schema/steady-state';
export { type PoolCounters, PoolCountersSchema, type TrialRecord, TrialRecordSchema } from './schema/trial';
export {
  committedResultsRoot,
  findRepoRoot,
  newRunId,
  readRecord,
  resultsRoot,
  SCHEMA_VERSION,
  validateRecord,
  writeFileAtomic,
  writeJsonAtomic,
  writeRecord,
} from './store';
export { validateAgainst } from './validate';
