/**
 * What notebooks import: `import { openStudy, ... } from '@casebook/study'` (tslab resolves `main`/`types`).
 * Measuring always happens in child processes started by the runner, never in the kernel.
 */

export { barChart, displayMarkdown, displayTable, lineChart, scatterChart } from '@casebook/charts';
export {
  buildCitation,
  type Citation,
  type CiteOptions,
  type CompareVerdict,
  type Comparison,
  citationMarkdown,
  compareMetric,
  compareRecords,
  comparisonMarkdown,
  type LoadedRecord,
  listRecords,
  loadRecord,
  METRICS,
  type MetricComparison,
  resolveRecord,
} from '@casebook/citing';
export {
  ADAPTERS,
  CLIENT_NAMES,
  type ClientName,
  LOOKUP_STRATEGIES,
  LOOKUP_SUPPORT,
  type LookupStrategy,
} from '@casebook/clients';
export {
  CASE_STUDIES,
  type CaseStudyRecord,
  findCaseStudy,
  type MeasurementSummary,
  PROFILES,
  type Profile,
  type Verdict,
} from '@casebook/results';
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
export { formatBenchSummary, progressText } from './format';
export { openStudy, Study, summarizeMeasurement } from './study';
