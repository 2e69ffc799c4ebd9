export { type BenchProgress, type RunBenchHooks, runBench } from './bench';
export {
  type BenchOptions,
  DEFAULT_TRIALS,
  LIMITS,
  type LoadSpec,
  type ResolvedBenchOptions,
  resolveBenchOptions,
} from './options';
export type { PhaseResult } from './protocol';
export type { BenchError, BenchRecord, TrialRecord } from './record';
