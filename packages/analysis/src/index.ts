export {
  type AtOnceMeasurement,
  agentIdleTimeoutMs,
  agentReopens,
  allOf,
  cpuPrediction,
  cpuPredictsThroughput,
  guardedRatioClaim,
  littleBoundSanity,
  moreSocketsThanInFlight,
  peakOpenSockets,
  poolNotLimit,
  reachesBound,
  reopensAfterPause,
  type WarmupPoint,
} from './at-once';
export * from './dns';
export * from './http2';
export {
  type BlockMetric,
  type BlockQuantities,
  type InterleavedMeasurement,
  intervalOf,
  type MeasurementRow,
  measurementRows,
  orderingText,
  perRound,
  ratioOf,
  throughputOrdering,
} from './interleaved';
export * from './pool-limits';
export { findSourceLink, SOURCE_LINKS, type SourceLink, sourceLink, sourceUrl } from './source-links';
export * from './tls-reuse';
export {
  claimTally,
  countClaim,
  decide,
  type Evidence,
  type Outcome,
  quantityClaim,
  type Statistic,
  sanityCheck,
  type Threshold,
  type VerdictData,
  type VerdictKind,
  verdictHeadline,
  verdictLabel,
} from './verdicts';
