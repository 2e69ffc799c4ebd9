export { median, percentile, sortedCopy } from './percentile';
export { ratio, summarize, tQuantile975, type TrialSummary } from './summary';
export { bootstrapRatio, seededRandom, type RatioInterval } from './bootstrap';
export {
  createLatencyHistogram,
  decodeHistogram,
  encodeHistogram,
  LATENCY_HISTOGRAM_SETTINGS,
  latencySummaryMs,
  mergeHistograms,
  recordMicros,
  type LatencyHistogram,
  type LatencySummaryMs,
} from './latency-histogram';
export { pearson, ranks, spearman } from './correlation';
export { cpuCeilingRps, littleBoundRps, lockstepThroughputRps, predictedThroughputRps } from './bounds';
