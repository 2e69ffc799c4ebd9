export {
  bootstrapMedians,
  bootstrapRatio,
  type HierarchicalBootstrap,
  hierarchicalBootstrapMedians,
  type MediansBootstrap,
  type RatioInterval,
  seededRandom,
} from './bootstrap';
export { cpuCeilingRps, littleBoundRps, lockstepThroughputRps, predictedThroughputRps } from './bounds';
export { pearson, ranks, spearman } from './correlation';
export { shareAtOrAboveMs } from './histogram-share';
export {
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  LATENCY_HISTOGRAM_SETTINGS,
  type LatencyHistogram,
  type LatencySummaryMs,
  latencySummaryMs,
  mergeHistograms,
  recordMicros,
} from './latency-histogram';
export { type MedianInterval, medianInterval, relativeHalfWidth } from './median-interval';
export { type Ordering, type OrderingItem, type PairRatio, pairedRatio, resolvedOrdering } from './ordering';
export { median, percentile, sortedCopy } from './percentile';
export { hodgesLehmannRatio, hodgesLehmannShift, mannWhitneyCdf, type ShiftInterval } from './rank-sum';
export { ratio, summarize, type TrialSummary, tQuantile975 } from './summary';
