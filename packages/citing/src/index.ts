export {
  buildCitation,
  type Citation,
  type CiteOptions,
  citationMarkdown,
  type InterleavedComparison,
  interleavedComparisons,
  type MeasurementTableColumns,
  measurementTableHeader,
  type PairedCell,
  pairedRatioCell,
  type ReproductionLink,
  ratioCell,
  reproductionLine,
  supersededLine,
  verdictBullets,
  withPairedRatios,
  withRatios,
} from './cite';
export {
  type ClaimOutcomes,
  type CompareVerdict,
  type Comparison,
  claimOutcomes,
  compareMetric,
  compareRecords,
  comparisonMarkdown,
  DEFAULT_MIN_CHANGE,
  METRICS,
  type MetricComparison,
  type MetricSpec,
} from './compare';
export {
  formatMatrixTable,
  loadMatrixRuns,
  type MatrixRun,
  type MatrixTable,
  type MatrixTableCell,
  matrixTable,
} from './matrix-table';
export {
  type LoadedRecord,
  listRecords,
  loadMeasurement,
  loadRecord,
  locateRunFile,
  resolveRecord,
  resultsRoots,
} from './records';
export {
  clientVersionDiff,
  type Drift,
  type DriftMetric,
  type EnvironmentDifference,
  environmentDiff,
  evidenceText,
  type ReproducedClaim,
  type ReproductionSide,
  referenceRatios,
  reproductionMarkdown,
  reproductionReport,
} from './reproduce';
export { buildResultsIndex } from './results-index';
export { buildSite, type SiteBuild, type SiteOptions } from './site/build-site';
export { escapeHtml } from './site/html';
