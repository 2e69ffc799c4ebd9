export {
  CASE_STUDIES,
  type CaseStudy,
  findCaseStudy,
  PROFILES,
  type Profile,
  resolveProfile,
} from './case-studies';
export type { CaseStudyRecord, MeasurementSummary, Verdict } from './case-study-record';
export { captureEnvironment, type Environment, type GitInfo, gitInfo, type Pinning } from './environment';
export { CasebookError, formatValue, RecordError, UsageError } from './errors';
export {
  findRepoRoot,
  newRunId,
  readRecord,
  resultsRoot,
  SCHEMA_VERSION,
  type VersionedRecord,
  writeFileAtomic,
  writeJsonAtomic,
} from './store';
