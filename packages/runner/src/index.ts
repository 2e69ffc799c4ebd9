export { type BenchProgress, type RunBenchHooks, runBench } from './bench';
export { BENCH_FLAGS, benchOptionsFromFlags, versionChoiceFromFlags } from './bench-flags';
export { type SilentDropSupport, silentDropSupport } from './blackhole';
export {
  ACTIVE_SLACK_MS,
  BLOCK_PAYLOAD_MARKER,
  type BlockPhase,
  type BlockResult,
  blockLimits,
  blockTimeoutError,
  type ContinuousLaunch,
  type ContinuousPlan,
  carryPauseErrors,
  clientErrors,
  continuousLaunch,
  HARNESS_CANCELLATION_CODE,
  type MeasuredWindow,
  PAUSE_LIMIT_MS,
  PAUSE_UNANSWERED,
  type PartialBlockPayload,
  PauseFault,
  type WarmupWindow,
  WindowTally,
  windowMinimum,
  windowTotals,
} from './blocks';
export {
  type BodyBlockResult,
  type BodyBlockSpec,
  type BodyLab,
  type BodyPhase,
  type BodyRoundsOptions,
  type BodyRoundsProgress,
  bodyJob,
  DEFAULT_RSS_SAMPLE_MS,
  MAX_REQUEST_TIMEOUT_MS,
  openBodyLab,
} from './body-lab';
export type { BodyJob, BodyTrialResult } from './body-protocol';
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
  CONTENDER_CLIENTS,
  FOREIGN_CLIENT_INFO,
  FOREIGN_CLIENTS,
  FOREIGN_LOOPS,
  type ForeignAvailability,
  type ForeignAvailable,
  type ForeignBenchOptions,
  type ForeignBenchRecord,
  type ForeignClientName,
  type ForeignLoop,
  type ForeignProbe,
  type ForeignSwitches,
  foreignAvailability,
  isForeignClientName,
  type ResolvedForeignOptions,
  resolveForeignOptions,
  resolveMeasurementOptions,
  runForeignBench,
} from './foreign';
export {
  type BlockCpuShares,
  type BlockFault,
  continuousParams,
  DEFAULT_INTERLEAVE,
  FOREIGN_LOAD,
  FOREIGN_LOAD_WINDOW_SHARE,
  type GuardTolerances,
  guardsOf,
  type InterleavedEntry,
  type InterleavedRun,
  type InterleaveOptions,
  type InterleaveProgress,
  type MeasurementGuards,
  measurementFaults,
  perRoundThroughput,
  REOPENED_AFTER,
  REOPENS_AFTER_TIMEOUT,
  type ResolvedInterleaveOptions,
  resolveInterleaveOptions,
  runInterleaved,
  shuffledOrder,
  TARGET_SATURATION,
  targetBoundBlock,
  targetSaturated,
} from './interleave';
export { type CoreShare, coreShares, readCoreTimes } from './machine-load';
export {
  cellId,
  cellLabel,
  type MatrixCell,
  type MatrixPlan,
  type MatrixRunHooks,
  type MatrixSpec,
  matrixCells,
  matrixPlan,
  matrixSchedule,
  parseCellLabel,
  runMatrix,
  WORKSPACE,
} from './matrix';
export {
  type BenchOptions,
  DEFAULT_TRIALS,
  LIMITS,
  type LoadSpec,
  type ResolvedBenchOptions,
  resolveBenchOptions,
} from './options';
export type { GatherUntil, PhaseResult, PoolCounters } from './protocol';
export { isPythonSetName, PYTHON_SETS, type PythonSetName, type PythonSetState, pythonSet } from './python-sets';
export { QUEUE_TIMING_TAG, QueueTiming, type QueueTimingResult } from './queue-timing';
export {
  DEFAULT_POST_BODY_BYTES,
  gapsAround,
  joinWrite,
  MAX_RACE_CONCURRENCY,
  type RaceRequestRecord,
  type RaceRunResult,
  type RaceRunSpec,
  runRace,
} from './race';
export {
  expandRacePlan,
  type RaceCell,
  type RaceClientSpec,
  type RacePlan,
  type RacePlanHooks,
  type RacePlanProgress,
  type RacePlanResult,
  type RaceTargetMode,
  runRacePlan,
} from './race-plan';
export type { RaceJob, RaceOutcome, RaceRoundResult } from './race-protocol';
export { headerValueIn } from './race-writes';
export type { BenchError, BenchRecord, ContinuousMethod, TrialRecord } from './record';
export {
  DEFAULT_SEED_APP_OPTIONS,
  LOAD_SIDE_SATURATION,
  parseWrkOutput,
  type ResolvedSeedAppOptions,
  resolveSeedAppOptions,
  runSeedApp,
  SEED_APP_ROUTES,
  type SeedAppHooks,
  type SeedAppOptions,
  type SeedAppProgress,
  type SeedAppRoute,
  type WrkResult,
} from './seed-app';
export { DEFAULT_STEADINESS, type Steadiness, type SteadinessRule, steadiness, type WindowSignal } from './steady';
export {
  type ClientRuntime,
  checkVersionChoice,
  clientRuntimeOf,
  type ResolvedVersions,
  resolveVersionChoice,
  type StoreEntry,
  type VersionChoice,
  WORKSPACE_VERSIONS,
} from './version-choice';
