export { CasebookError, formatValue, RecordError, UsageError } from './errors';
export { captureEnvironment, gitInfo, type Environment, type GitInfo, type Pinning } from './environment';
export {
  findRepoRoot,
  newRunId,
  readRecord,
  resultsRoot,
  SCHEMA_VERSION,
  writeFileAtomic,
  writeJsonAtomic,
  type VersionedRecord,
} from './store';
