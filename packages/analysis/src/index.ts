export * from './at-once';
export { type BinomialInterval, binomialInterval, binomialUpperTail } from './binomial-interval';
export * from './bisect';
export * from './bisect-processes';
export * from './bisects-on-record';
export * from './bisects-superseded';
export * from './bodies';
export * from './body-summaries';
export { type BurstCount, type BurstInterval, burstInterval, MIN_BURSTS } from './burst-interval';
export * from './design-reach';
export * from './dns';
export * from './error-dominated';
export * from './http2';
export * from './interleaved';
export * from './keepalive-advice';
export * from './keepalive-races';
export * from './pool-limits';
export * from './round-metrics';
export * from './seed';
export * from './seed-gathers';
export * from './seed-readings';
export * from './seed-stalls';
export * from './seed-timeouts';
export { findSourceLink, SOURCE_LINKS, type SourceLink, sourceLink, sourceUrl } from './source-links';
export { KEEPALIVE_RACES_INSTALLED_REFS } from './source-links/keepalive-races';
export * from './sweep-processes';
export * from './tls-reuse';
export * from './uploads';
export {
  claimTally,
  combineParts,
  countClaim,
  decide,
  declaredBeforeRun,
  type EarlierVerdicts,
  type Evidence,
  exploratoryProvenance,
  intervalLabel,
  latestDecisionHere,
  notDecidableAtDesign,
  type Outcome,
  quantityClaim,
  replicationOf,
  replicationPreferringThisMachine,
  replicationRule,
  type Statistic,
  sanityCheck,
  type Threshold,
  thresholdText,
  type VerdictData,
  type VerdictKind,
  verdictHeadline,
  verdictKindText,
  verdictLabel,
  voidedClaimsSplit,
} from './verdicts';
export * from './version-sweep';
export * from './versions';
export * from './versions-design';
