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
