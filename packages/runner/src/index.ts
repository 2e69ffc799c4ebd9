export { type BenchProgress, type RunBenchHooks, runBench } from './bench';
export { BENCH_FLAGS, benchOptionsFromFlags } from './bench-flags';
export {
  type BurstSpec,
  type DnsLab,
  type DnsLabOptions,
  type DnsRunResult,
  LAB_NAME,
  type LookupsSpec,
  type NamespaceSupport,
  namespaceSupport,
  namespaceWrapper,
  openDnsLab,
} from './dns-lab';
export type { DnsJob, DnsRequestOutcome, DnsRoundResult } from './dns-protocol';
export { type FlagSpec, type FlagValues, formatFlags, parseArgs } from './flags';
export {
  FOREIGN_CLIENT_INFO,
  FOREIGN_CLIENTS,
  type ForeignAvailability,
  type ForeignBenchOptions,
  type ForeignBenchRecord,
  type ForeignClientName,
  foreignAvailability,
  isForeignClientName,
  type ResolvedForeignOptions,
  resolveForeignOptions,
  runForeignBench,
} from './foreign';
export {
  type BenchOptions,
  DEFAULT_TRIALS,
  LIMITS,
  type LoadSpec,
  type ResolvedBenchOptions,
  resolveBenchOptions,
} from './options';
export type { PhaseResult } from './protocol';
export { QUEUE_TIMING_TAG, QueueTiming, type QueueTimingResult } from './queue-timing';
export type { BenchError, BenchRecord, TrialRecord } from './record';
