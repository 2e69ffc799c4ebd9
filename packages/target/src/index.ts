export {
  DEFAULT_TARGET_OPTIONS,
  MAX_BODY_BYTES,
  type ResolvedTargetOptions,
  resolveTargetOptions,
  type TargetOptions,
} from './options';
export { liveChildren, type PinningPlan, pinningPlan, type SpawnNodeOptions, spawnNode, stopChild } from './processes';
export type { TargetCounters } from './protocol';
export { startTarget, type TargetHandle } from './target';
