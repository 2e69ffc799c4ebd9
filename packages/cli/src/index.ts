/**
 * What notebooks import: `import { openStudy, ... } from '@casebook/cli'` (tslab resolves `main`/`types`).
 * Measuring always happens in child processes started by the runner, never in the kernel.
 */

export { barChart, displayMarkdown, displayTable, lineChart, scatterChart } from '@casebook/charts';
export {
  ADAPTERS,
  CLIENT_NAMES,
  type ClientName,
  LOOKUP_STRATEGIES,
  LOOKUP_SUPPORT,
  type LookupStrategy,
} from '@casebook/clients';
export type { BenchOptions, BenchRecord } from '@casebook/runner';
export {
  type DnsLab,
  type DnsRunResult,
  FOREIGN_CLIENT_INFO,
  FOREIGN_CLIENTS,
  type ForeignAvailability,
  type ForeignBenchOptions,
  type ForeignBenchRecord,
  type ForeignClientName,
  foreignAvailability,
  LAB_NAME,
  namespaceSupport,
  openDnsLab,
} from '@casebook/runner';
export {
  cpuCeilingRps,
  littleBoundRps,
  lockstepThroughputRps,
  median,
  percentile,
  predictedThroughputRps,
  ratio,
  shareAtOrAboveMs,
  spearman,
  summarize,
} from '@casebook/stats';
export { CASE_STUDIES, findCaseStudy, PROFILES, type Profile } from './case-studies';
export { buildCitation, type Citation, type CiteOptions, citationMarkdown } from './citing/cite';
export {
  type CompareVerdict,
  type Comparison,
  compareMetric,
  compareRecords,
  comparisonMarkdown,
  METRICS,
  type MetricComparison,
} from './citing/compare';
export { type LoadedRecord, listRecords, loadRecord, resolveRecord } from './citing/records';
export {
  type CaseStudyRecord,
  type MeasurementSummary,
  openStudy,
  Study,
  summarizeMeasurement,
  type Verdict,
} from './study/study';
