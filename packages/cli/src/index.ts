/**
 * What notebooks import: `import { openStudy, ... } from '@casebook/cli'` (tslab resolves `main`/`types`).
 * Measuring always happens in child processes started by the runner, never in the kernel.
 */

export { barChart, displayMarkdown, displayTable, lineChart, scatterChart } from '@casebook/charts';
export { ADAPTERS, CLIENT_NAMES, type ClientName } from '@casebook/clients';
export type { BenchOptions, BenchRecord } from '@casebook/runner';
export {
  cpuCeilingRps,
  littleBoundRps,
  lockstepThroughputRps,
  median,
  percentile,
  predictedThroughputRps,
  ratio,
  spearman,
  summarize,
} from '@casebook/stats';
export { CASE_STUDIES, findCaseStudy, PROFILES, type Profile } from './case-studies';
export {
  type CaseStudyRecord,
  type MeasurementSummary,
  openStudy,
  Study,
  summarizeMeasurement,
  type Verdict,
} from './study/study';
