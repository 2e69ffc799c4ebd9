export { buildCitation, type Citation, type CiteOptions, citationMarkdown } from './cite';
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
export { benchRerunArgs, benchRerunGaps, diffParams, flattenParams, paramAllowed } from './params';
export {
  type LoadedRecord,
  linkTo,
  listRecords,
  loadMeasurement,
  loadRecord,
  locateRunFile,
  resolveRecord,
} from './records';
export { buildResultsIndex } from './results-index';
