export { buildCitation, type Citation, type CiteOptions, citationMarkdown, supersededLine } from './cite';
export {
  type CompareVerdict,
  type Comparison,
  compareMetric,
  compareRecords,
  comparisonMarkdown,
  DEFAULT_MIN_CHANGE,
  METRICS,
  type MetricComparison,
  type MetricSpec,
} from './compare';
export { type LoadedRecord, listRecords, loadRecord, resolveRecord, resultsRoots } from './records';
export { buildResultsIndex } from './results-index';
