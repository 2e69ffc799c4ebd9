export { DEFAULT_TARGET_OPTIONS, MAX_BODY_BYTES, resolveTargetOptions, type ResolvedTargetOptions, type TargetOptions } from './options';
export { liveChildren, pinningPlan, type PinningPlan, spawnNode, type SpawnNodeOptions, stopChild } from './processes';
export type { TargetCounters } from './protocol';
export { startTarget, type TargetHandle } from './target';
