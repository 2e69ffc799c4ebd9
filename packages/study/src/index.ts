/**
 * What notebooks import: `import { openStudy, ... } from '@casebook/study'` (tslab resolves `main`/`types`).
 * Only names a notebook uses are here (grep notebooks/*.ipynb); measuring always happens in child processes
 * started by the runner, never in the kernel.
 */

export * from '@casebook/analysis';
export { barChart, displayMarkdown, displayTable, lineChart } from '@casebook/charts';
export { ADAPTERS, CLIENT_NAMES, type ClientName } from '@casebook/clients';
export type { BenchRecord } from '@casebook/results';
export {
  type BenchOptions,
  type BodyBlockResult,
  type BodyBlockSpec,
  type BodyLab,
  type DnsLab,
  type DnsRunResult,
  FOREIGN_CLIENT_INFO,
  FOREIGN_CLIENTS,
  type ForeignBenchRecord,
  foreignAvailability,
  type InterleavedRun,
  type InterleaveOptions,
  type PythonSetState,
  pythonSet,
  type RacePlan,
  type RacePlanResult,
  type RaceRunResult,
  type SilentDropSupport,
  silentDropSupport,
} from '@casebook/runner';
export {
  cpuCeilingRps,
  littleBoundRps,
  lockstepThroughputRps,
  type MedianInterval,
  median,
  medianInterval,
  shareAtOrAboveMs,
  spearman,
} from '@casebook/stats';
export { type CommittedBisect, committedBisects } from './bisects';
export { surfaceCellError } from './cell-error';
/** Not for notebooks: `casebook bench` draws its progress line with it too. */
export { progressText } from './format';
export {
  type GatherGuardRule,
  type GuardRule,
  machineEnvironment,
  openStudy,
  processCells,
  processRecords,
  type Study,
  sortFaults,
  type VersionCell,
  verdictMarkdown,
  versionCellLabel,
  withGatherGuards,
  withGuardFlags,
} from './study';
