export { type BenchProgress, runBench, type RunBenchHooks } from './bench';
export { type BenchOptions, DEFAULT_TRIALS, LIMITS, type LoadSpec, resolveBenchOptions, type ResolvedBenchOptions } from './options';
export type { PhaseResult } from './protocol';
export type { BenchError, BenchRecord, TrialRecord } from './record';
