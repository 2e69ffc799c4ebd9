/**
 * Bench records are defined once, as schemas, in @casebook/results (schema/bench.ts): the types here are theirs, so
 * what the runner builds is what writeRecord validates and readRecord returns.
 */
export type {
  BenchRecord,
  ContinuousMethod,
  RunError as BenchError,
  TrialRecord,
} from '@casebook/results';
