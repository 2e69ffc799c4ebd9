import { clientVersions } from '@casebook/clients';
import { pinningPlan, placements, resetPlacements } from '@casebook/procs';
import {
  CasebookError,
  captureEnvironment,
  findRepoRoot,
  flagsRankable,
  type MeasurementGuards,
  newRunId,
  runOutcome,
  SCHEMA_VERSION,
  UsageError,
} from '@casebook/results';
import { type MedianInterval, medianInterval, pairedRatio, relativeHalfWidth, seededRandom } from '@casebook/stats';
import {
  type BlockResult,
  blockLimits,
  type ContinuousLaunch,
  ContinuousMeasurement,
  type ContinuousOptions,
  type ContinuousPlan,
  clientErrors,
  continuousClientBlock,
  continuousExtraVersions,
  continuousLaunch,
  type ContinuousMeasurement as Measurement,
  PAUSE_UNANSWERED,
  PauseFault,
  type PoolRetryTally,
  type WarmupWindow,
  windowMinimum,
  windowTotals,
} from './blocks';
import { type ForeignBenchOptions, isForeignOptions, paramsOf, resolveMeasurementOptions } from './foreign';
import type { MeasuredOptions } from './measure';
import { type NoiseFigure, probeNoise } from './noise-probe';
import type { BenchOptions } from './options';
import type { BenchRecord } from './record';
import { DEFAULT_STEADINESS, type SteadinessRule } from './steady';
import { round, runError, summarizeTrials, withWarmupWindows } from './summary';
import {
  needsVersionStore,
  type ResolvedVersions,
  resolveVersionChoice,
  type VersionChoice,
  WORKSPACE_VERSIONS,
} from './version-choice';

/**
 * Interleaved measurement (the steady-state method). The measurements a claim compares run in rounds; in each round
 * every measurement runs one block (re-warm until steady, then a few windows of continuous load), in an order shuffled
 * with a recorded seed, so all of them see the same machine noise. Per-block quantities are computed per block; the
 * ratio of two measurements is computed per round and summarised as a median with an order-statistics 95 % interval.
 * Rounds are added until every measurement's ratio to the reference is within the precision target, or the time
 * budget is spent; a ratio still wider is reported as unresolved by the analysis, never hidden.
 */

export interface InterleaveOptions {
  windowMs?: number;
  windowsPerBlock?: number;
  steadiness?: Partial<SteadinessRule>;
  minRounds?: number;
  maxRounds?: number;
  /** Stop when every ratio to the reference has a 95 % interval half-width (relative) at most this; null: never. */
  targetHalfWidth?: number | null;
  /** Stop adding rounds after this much time (the round in progress finishes). */
  budgetMs?: number;
  seed?: number;
  /** Index of the measurement the precision target is computed against (default 0). */
  reference?: number;
  /**
   * The guards' tolerances (guardsOf), each a share from 0 to 1, set per study BEFORE a run and recorded with it
   * (method.interleave), never tuned to a result. Defaults 0: any unsteady block flags `not-steady`, any failed
   * request flags `errors` (the rule before seed-18581e19).
   *
   * `maxUnsteadyShare`: `not-steady` when more than this share of the measurement's blocks did not become steady. A
   * measurement of many blocks whose one block did not converge is still a steady measurement in the others; with 0,
   * one cold block of six voided every claim on it (seed-18581e19's reviewer).
   *
   * `maxErrorShare`: `errors` when the failed requests are more than this share of the requests that ended (answered
   * or failed) in the measured windows. A client that fails a handful of requests in thousands is measured; one that
   * fails most (412 of 512 callers per block in seed-18581e19's httpx-aiohttp row, its pool wait bounded) is not.
   */
  maxUnsteadyShare?: number;
  maxErrorShare?: number;
}

export interface ResolvedInterleaveOptions {
  windowMs: number;
  windowsPerBlock: number;
  steadiness: SteadinessRule;
  minRounds: number;
  maxRounds: number;
  targetHalfWidth: number | null;
  budgetMs: number;
  seed: number;
  reference: number;
  maxUnsteadyShare: number;
  maxErrorShare: number;
}

/** Defaults for a standard run: see the README's "How a number is made" for how they were chosen. */
export const DEFAULT_INTERLEAVE: ResolvedInterleaveOptions = {
  windowMs: 500,
  windowsPerBlock: 2,
  steadiness: DEFAULT_STEADINESS,
  minRounds: 6,
  maxRounds: 30,
  targetHalfWidth: 0.05,
  budgetMs: 300_000,
  seed: 1,
  reference: 0,
  maxUnsteadyShare: 0,
  maxErrorShare: 0,
};

export interface InterleaveProgress {
  round: number;
  label: string;
  phase: 'warmup' | 'measured';
  windows: number;
  elapsedMs: number;
}

export interface InterleavedRun {
  seed: number;
  rounds: number;
  /** Labels in the order each round ran them. */
  order: string[][];
  stoppedBy: 'precision' | 'budget' | 'max-rounds' | 'failure';
  elapsedMs: number;
  noise: { before: NoiseFigure | null; after: NoiseFigure | null };
  /** Ratio of each measurement's per-round throughput to the reference's (reference itself omitted). */
  ratios: { label: string; reference: string; ratio: MedianInterval; halfWidth: number }[];
}

/** Guards recorded with every measurement (the record's schema, @casebook/results, defines them). */
export type { MeasurementGuards } from '@casebook/results';

/** The target's share of its core above which a block may be target-bound (see `targetSaturated`). */
export const TARGET_SATURATION = 0.7;
/**
 * Load on the client's core from anything but the client process, as a share of the core (core busy minus the
 * client's own CPU over the window's wall time), above which a measured window is counted as foreign-loaded.
 */
export const FOREIGN_LOAD = 0.2;
/**
 * The share of a measurement's measured windows that must be foreign-loaded (and at least one) for the flag
 * `foreign-load`: its throughput was shared with another process (e.g. a leaking cell's garbage collection on the same
 * core). Chosen after versions-87ea7651, where 2 of axios 1.18.1's 16 windows had its core fully busy while its own
 * CPU was 0.42 and 0.64 of it; a single hiccup in a long run does not flag.
 */
export const FOREIGN_LOAD_WINDOW_SHARE = 0.1;

/**
 * A measurement whose block ran past its time limit (CASEBOOK_TRIAL_TIMEOUT) is not dropped at once: its client and
 * target are closed and reopened (a fresh process: cold, re-warmed until steady like every block) and it runs again
 * from the next round, this many times; after that many timeouts plus one it is dropped for the rest of the run. Every
 * fault is kept (the record's error is the fault it was dropped after, e.g. round 1's second timeout, not round 0's
 * first; else, for a measurement that ran on after its reopen, the first of its own faults, never a pause the harness
 * left unanswered; all are in the client's `casebook.blockFaults` setting, each with its round and partial block, so
 * a reopened measurement that timed out again shows both) and the measurement is flagged `block-fault`. Any other fault (a stall, an exit) still drops it.
 * Stated before the run (added after seed-15163329, where a timed-out measurement got one block).
 */
export const REOPENS_AFTER_TIMEOUT = 1;

/**
 * The faults a measurement is reopened after (within REOPENS_AFTER_TIMEOUT): the block time limit, and the harness's
 * pause left unanswered after the block's measured windows arrived (PAUSE_UNANSWERED: that block is kept as data).
 */
export const REOPENED_AFTER: readonly string[] = ['CASEBOOK_TRIAL_TIMEOUT', PAUSE_UNANSWERED];

/**
 * The faults of the measurement itself (those that flag it `block-fault` and become its error): every block fault but
 * a pause left unanswered after its block's data arrived, which is the harness's, kept in `casebook.blockFaults`.
 */
export const measurementFaults = (faults: readonly BlockFault[]): BlockFault[] =>
  faults.filter((f) => f.code !== PAUSE_UNANSWERED);

/** One fault of a block, in the round it happened (kept in the record with the partial block in its message). */
export interface BlockFault {
  round: number;
  code: string;
  message: string;
  /** httpcore's ConnectionNotAvailable retries of the process that faulted (it is replaced when reopened). */
  poolRetries?: ReturnType<PoolRetryTally['summary']>;
}
const CPU_OVER_WALL = 1.02;

/** The per-block CPU figures the saturation rule reads (windowTotals of each block). */
export interface BlockCpuShares {
  /** The target process's CPU over the block's wall time (share of its core). */
  targetCpuShare: number;
  /** The client process's CPU over the block's wall time (share of its core). */
  clientUtilization: number;
}

/**
 * Whether one block was bound by the target: the target's share of its core is above `threshold` AND the target was
 * busier than the client in that block. A fast client drives its target hard, but when its own core is the busier
 * one, the client is the bottleneck, and a target share above the threshold says only that the client was fast.
 */
export function targetBoundBlock(b: BlockCpuShares, threshold = TARGET_SATURATION): boolean {
  return b.targetCpuShare > threshold && b.targetCpuShare > b.clientUtilization;
}

/**
 * The `target-saturated` rule: the MEDIAN block is target-bound (`targetBoundBlock`), i.e. more than half of the
 * measurement's blocks are (with an even count, both middle blocks). One hot block (the maximum over blocks, the rule
 * before) flagged only the faster cells of a comparison, so a claim of parity could not fail when the older version
 * was the faster one; a measurement whose client core is the busier one in most blocks is never flagged.
 */
export function targetSaturated(blocks: readonly BlockCpuShares[], threshold = TARGET_SATURATION): boolean {
  const bound = blocks.filter((b) => targetBoundBlock(b, threshold)).length;
  return blocks.length > 0 && 2 * bound > blocks.length;
}

export function resolveInterleaveOptions(input: InterleaveOptions = {}): ResolvedInterleaveOptions {
  const d = DEFAULT_INTERLEAVE;
  const o: ResolvedInterleaveOptions = {
    windowMs: input.windowMs ?? d.windowMs,
    windowsPerBlock: input.windowsPerBlock ?? d.windowsPerBlock,
    steadiness: { ...d.steadiness, ...(input.steadiness ?? {}) },
    minRounds: input.minRounds ?? d.minRounds,
    maxRounds: input.maxRounds ?? d.maxRounds,
    targetHalfWidth: input.targetHalfWidth === undefined ? d.targetHalfWidth : input.targetHalfWidth,
    budgetMs: input.budgetMs ?? d.budgetMs,
    seed: input.seed ?? d.seed,
    reference: input.reference ?? d.reference,
    maxUnsteadyShare: input.maxUnsteadyShare ?? d.maxUnsteadyShare,
    maxErrorShare: input.maxErrorShare ?? d.maxErrorShare,
  };
  // A UsageError (CASEBOOK_USAGE, naming the field and value): the CLI prints it and exits 2.
  const check = (field: string, ok: boolean, expectation: string, value: unknown) => {
    if (!ok) throw new UsageError(field, value, expectation);
  };
  const share = (x: unknown) => typeof x === 'number' && x >= 0 && x <= 1;
  const count = (x: unknown) => x === undefined || (typeof x === 'number' && Number.isInteger(x) && x >= 0);
  check('windowMs', o.windowMs >= 50 && o.windowMs <= 60_000, 'expected 50 to 60000 ms', o.windowMs);
  check(
    'windowsPerBlock',
    Number.isInteger(o.windowsPerBlock) && o.windowsPerBlock >= 1,
    'expected an integer ≥ 1',
    o.windowsPerBlock,
  );
  check('minRounds', Number.isInteger(o.minRounds) && o.minRounds >= 1, 'expected an integer ≥ 1', o.minRounds);
  check(
    'maxRounds',
    Number.isInteger(o.maxRounds) && o.maxRounds >= o.minRounds,
    'expected an integer ≥ minRounds',
    o.maxRounds,
  );
  check('budgetMs', o.budgetMs > 0, 'expected a number > 0', o.budgetMs);
  check('maxUnsteadyShare', share(o.maxUnsteadyShare), 'expected a share from 0 to 1', o.maxUnsteadyShare);
  check('maxErrorShare', share(o.maxErrorShare), 'expected a share from 0 to 1', o.maxErrorShare);
  const { minWarmupRequests, minMeasuredRequests } = o.steadiness;
  check('steadiness.minWarmupRequests', count(minWarmupRequests), 'expected an integer ≥ 0', minWarmupRequests);
  check('steadiness.minMeasuredRequests', count(minMeasuredRequests), 'expected an integer ≥ 0', minMeasuredRequests);
  return o;
}

/** Fisher–Yates with the seeded PRNG: the order of a round is reproducible from (seed, round). */
export function shuffledOrder(n: number, seed: number, roundIndex: number): number[] {
  const rnd = seededRandom(seed * 1_000_003 + roundIndex);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order;
}

/** Per-round throughput of one measurement: one value per block, in round order. */
export function perRoundThroughput(blocks: readonly BlockResult[]): number[] {
  return [...blocks].sort((a, b) => a.round - b.round).map((b) => windowTotals(b.windows).throughputRps);
}

function precisionReached(
  blocksOf: readonly BlockResult[][],
  reference: number,
  targetHalfWidth: number,
  failures: readonly (CasebookError | null)[],
): boolean {
  const ref = perRoundThroughput(blocksOf[reference] ?? []);
  return blocksOf.every((blocks, i) => {
    // A failed measurement runs no more blocks: its precision cannot improve, so it does not hold the others back.
    if (i === reference || failures[i]) return true;
    // No round where the reference completed anything (it stalled): nothing to pair, so no precision either.
    if (!ref.some((x) => x > 0)) return false;
    const r = pairedRatio(ref, perRoundThroughput(blocks));
    return relativeHalfWidth(r) <= targetHalfWidth;
  });
}

/**
 * One measurement of an interleaved run. A Node entry may name `versions` (a runtime and/or a client version from the
 * version store, version-choice.ts): a version matrix is then one interleaved comparison, each cell its own process
 * on its own runtime with its own package, all in the same rounds.
 */
export type InterleavedEntry = (BenchOptions | ForeignBenchOptions | ContinuousOptions) & { versions?: VersionChoice };

/** The count a continuous measurement is given when it names none (validation only: windows decide its length). */
const NOMINAL_REQUESTS = 1000;

/**
 * Node and foreign (Python) measurements side by side: each entry is resolved by its client name. Every foreign
 * entry's set is checked before anything starts (CasebookError CASEBOOK_FOREIGN_UNAVAILABLE names what is missing).
 */
export async function runInterleaved(
  list: readonly InterleavedEntry[],
  input: InterleaveOptions = {},
  onProgress?: (p: InterleaveProgress) => void,
  storeDir?: string,
): Promise<{ records: BenchRecord[]; run: InterleavedRun }> {
  const options = resolveInterleaveOptions(input);
  const choices = list.map((o) => o.versions);
  list = list.map(({ versions: _v, ...o }) => o);
  // The continuous method runs for windows, not for a count: a measurement that names neither count nor duration
  // gets a nominal count only so the shared validation accepts it (nothing reads it here).
  const resolved = list.map((o) =>
    'load' in o
      ? o
      : resolveMeasurementOptions(
          o.requests === undefined && o.durationMs === undefined ? { ...o, requests: NOMINAL_REQUESTS } : o,
        ),
  );
  if (resolved.length === 0)
    throw new CasebookError('CASEBOOK_USAGE', 'invalid measurements: [] (expected at least one)');
  for (const r of resolved) {
    if (r.load.queueTiming || (r.load.idleBeforeTrialMs ?? 0) > 0 || r.proxy || r.faults.killTargetAfterMs !== null)
      throw new CasebookError(
        'CASEBOOK_USAGE',
        `invalid measurement ${JSON.stringify(r.label)}: queueTiming, idleBeforeTrialMs, rttMs and faults are not supported by the continuous method`,
      );
  }
  // Every chosen version is checked and installed (or found in the store) before any process starts: a bad version
  // is a UsageError with nothing run.
  const installed: ResolvedVersions[] = [];
  for (const [i, r] of resolved.entries()) {
    const choice = choices[i];
    if (isForeignOptions(r) ? choice === undefined : !needsVersionStore(r.client, choice)) {
      installed.push(WORKSPACE_VERSIONS);
      continue;
    }
    if (isForeignOptions(r))
      throw new CasebookError(
        'CASEBOOK_USAGE',
        `invalid measurement ${JSON.stringify(r.label)}: versions apply to Node clients only, not ${r.client}`,
      );
    installed.push(await resolveVersionChoice(r.client, choice ?? {}, r.clientOptions, storeDir));
  }
  const launches = resolved.map((r, i) => continuousLaunch(r, undefined, installed[i] ?? WORKSPACE_VERSIONS));
  const plan = { windowMs: options.windowMs, windowsPerBlock: options.windowsPerBlock, steadiness: options.steadiness };
  resetPlacements();
  const startedAt = new Date().toISOString();
  const t0 = Date.now();
  const noiseBefore = await probeNoise();
  const measurements: (Measurement | null)[] = [];
  const failures: (CasebookError | null)[] = resolved.map(() => null);
  const blocksOf: BlockResult[][] = resolved.map(() => []);
  const faultsOf: BlockFault[][] = resolved.map(() => []);
  const order: string[][] = [];
  let stoppedBy: InterleavedRun['stoppedBy'] = 'max-rounds';
  try {
    for (const [i, launch] of launches.entries()) {
      try {
        measurements.push(await ContinuousMeasurement.open(launch, plan));
      } catch (error) {
        measurements.push(null);
        failures[i] = error instanceof CasebookError ? error : new CasebookError('CASEBOOK_RUN', String(error));
      }
    }
    for (let roundIndex = 0; roundIndex < options.maxRounds; roundIndex++) {
      const sequence = shuffledOrder(resolved.length, options.seed, roundIndex);
      order.push(sequence.map((i) => (resolved[i] as ContinuousOptions).label));
      for (const [position, i] of sequence.entries()) {
        const m = measurements[i];
        if (!m || failures[i]) continue;
        try {
          const block = await m.runBlock(roundIndex, t0, (phase, windows) =>
            onProgress?.({ round: roundIndex, label: m.options.label, phase, windows, elapsedMs: Date.now() - t0 }),
          );
          block.position = position;
          blocksOf[i]?.push(block);
        } catch (error) {
          const fault = error instanceof CasebookError ? error : new CasebookError('CASEBOOK_RUN', String(error));
          // The harness's pause was not answered after the block's measured windows arrived: the block is data.
          if (fault instanceof PauseFault) {
            fault.block.position = position;
            blocksOf[i]?.push(fault.block);
          }
          const faults = faultsOf[i] ?? [];
          const retries = m.poolRetries.summary();
          faults.push({
            round: roundIndex,
            code: fault.code,
            message: fault.message,
            ...(retries === null ? {} : { poolRetries: retries }),
          });
          // Stop its client and target now: a client whose block failed (a stall, a timeout) may still be sending,
          // and every later block of the round would be measured beside it.
          await m.close();
          const launch = launches[i];
          if (REOPENED_AFTER.includes(fault.code) && faults.length <= REOPENS_AFTER_TIMEOUT && launch) {
            // Reopened now (between blocks, nothing else runs), measured again from the next round.
            try {
              measurements[i] = await ContinuousMeasurement.open(launch, plan);
            } catch (reopenError) {
              measurements[i] = null;
              failures[i] =
                reopenError instanceof CasebookError
                  ? reopenError
                  : new CasebookError('CASEBOOK_RUN', String(reopenError));
            }
          } else failures[i] = fault;
        }
      }
      const rounds = roundIndex + 1;
      // A measurement that failed (its client stalled, exited, timed out) keeps its error and the blocks it made; the
      // others go on, so one client's fault does not cut every comparison short. Only when none is left is the run
      // stopped by failure.
      if (failures.every((f, i) => f !== null || !measurements[i])) {
        stoppedBy = 'failure';
        break;
      }
      if (rounds >= options.minRounds) {
        if (
          options.targetHalfWidth !== null &&
          precisionReached(blocksOf, options.reference, options.targetHalfWidth, failures)
        ) {
          stoppedBy = 'precision';
          break;
        }
        if (Date.now() - t0 >= options.budgetMs) {
          stoppedBy = 'budget';
          break;
        }
      }
    }
  } finally {
    for (const m of measurements) await m?.close();
  }
  const noiseAfter = await probeNoise();
  const elapsedMs = Date.now() - t0;
  const ref = resolved[options.reference] as ContinuousOptions;
  const refRounds = perRoundThroughput(blocksOf[options.reference] ?? []);
  const ratios = resolved.flatMap((r, i) => {
    if (i === options.reference || refRounds.length === 0 || (blocksOf[i]?.length ?? 0) === 0) return [];
    const rounds = perRoundThroughput(blocksOf[i] ?? []);
    // No round where both have a throughput (a block that completed nothing): no ratio, rather than a crash.
    if (!refRounds.some((x, k) => x > 0 && Number.isFinite(rounds[k] ?? Number.NaN))) return [];
    const ratio = pairedRatio(refRounds, rounds);
    return [{ label: r.label, reference: ref.label, ratio, halfWidth: round(relativeHalfWidth(ratio), 4) }];
  });
  const run: InterleavedRun = {
    seed: options.seed,
    rounds: order.length,
    order,
    stoppedBy,
    elapsedMs,
    noise: { before: noiseBefore, after: noiseAfter },
    ratios,
  };
  const records = launches.map((launch, i) =>
    continuousRecord(
      launch,
      options,
      blocksOf[i] ?? [],
      measurements[i] ?? null,
      failures[i] ?? null,
      run,
      startedAt,
      faultsOf[i] ?? [],
    ),
  );
  return { records, run };
}

/** The guards' tolerances (InterleaveOptions.maxUnsteadyShare and maxErrorShare); 0 and 0: any flags. */
export type GuardTolerances = Pick<ResolvedInterleaveOptions, 'maxUnsteadyShare' | 'maxErrorShare'>;

export function guardsOf(
  options: MeasuredOptions,
  blocks: readonly BlockResult[],
  noise: InterleavedRun['noise'],
  faults = 0,
  minRounds = 1,
  tolerances: GuardTolerances = { maxUnsteadyShare: 0, maxErrorShare: 0 },
): MeasurementGuards {
  const windows = blocks.flatMap((b) => b.windows);
  const perBlock = blocks.map((b) => windowTotals(b.windows));
  // Recorded as before (the schema's `targetCpuShare`: the highest per-block share); the flag follows targetSaturated.
  const targetCpuShare = Math.max(0, ...perBlock.map((b) => b.targetCpuShare));
  const errors = perBlock.reduce((s, b) => s + b.errors, 0);
  const cpuOverWallWindows = windows.filter(
    (w) => w.cpuUserMicros + w.cpuSystemMicros > CPU_OVER_WALL * w.durationMs * 1000,
  ).length;
  const unsteadyBlocks = blocks.filter((b) => !b.steady).length;
  const plan = pinningPlan();
  const withCores = windows.filter((w) => w.cores !== null);
  let otherLoad: MeasurementGuards['otherLoad'] = null;
  let foreignWindows = 0;
  if (withCores.length > 0 && plan.clientCpu !== null && plan.serverCpu !== null) {
    const clientCpu = plan.clientCpu;
    const serverCpu = plan.serverCpu;
    const med = (xs: number[]) => (xs.length ? medianInterval(xs).median : 0);
    const clientOther = withCores.map((w) => {
      const busy = w.cores?.[clientCpu]?.busy ?? 0;
      return Math.max(0, busy - (w.cpuUserMicros + w.cpuSystemMicros) / (w.durationMs * 1000));
    });
    const serverOther = withCores.map((w) => {
      const busy = w.cores?.[serverCpu]?.busy ?? 0;
      return Math.max(0, busy - (w.target?.cpuMicros ?? 0) / (w.durationMs * 1000));
    });
    foreignWindows = clientOther.filter((x) => x > FOREIGN_LOAD).length;
    const steal = withCores.map((w) => Math.max(...(w.cores ?? []).map((c) => c.steal)));
    otherLoad = {
      clientCore: round(med(clientOther), 4),
      serverCore: round(med(serverOther), 4),
      steal: round(med(steal), 4),
    };
  }
  const flags: string[] = [];
  if (targetSaturated(perBlock)) flags.push('target-saturated');
  if (foreignWindows > 0 && foreignWindows >= FOREIGN_LOAD_WINDOW_SHARE * withCores.length) flags.push('foreign-load');
  // Requests that ended in the measured windows (answered or failed; the pause's carried errors included, the
  // harness's own cancellations of requests queued without bound not: they did not end, the harness ended them).
  const ended = windows.reduce((n, w) => n + w.ok + clientErrors(w.errors), 0);
  if (errors > 0 && errors > tolerances.maxErrorShare * ended) flags.push('errors');
  if (cpuOverWallWindows > 0) flags.push('cpu-over-wall');
  if (unsteadyBlocks > 0 && unsteadyBlocks > tolerances.maxUnsteadyShare * blocks.length) flags.push('not-steady');
  if (options.load.queueTiming) flags.push('instrumented');
  if (blocks.length === 0) flags.push('no-data');
  if (perBlock.some((b) => b.throughputRps === 0)) flags.push('stalled');
  // A block that faulted (timed out, stalled) and was reopened: its other blocks are data, but not a clean run.
  if (faults > 0) flags.push('block-fault');
  // Fewer blocks than the run's minimum rounds (a measurement dropped early): too few for the order-statistics
  // interval the method reports, so it is shown, flagged, and compared with nothing.
  if (blocks.length > 0 && blocks.length < minRounds) flags.push('few-rounds');
  return {
    targetCpuShare: round(targetCpuShare, 4),
    errors,
    cpuOverWallWindows,
    instrumented: options.load.queueTiming ?? false,
    unsteadyBlocks,
    otherLoad,
    noise: { before: noise.before?.cv ?? null, after: noise.after?.cv ?? null },
    flags,
    // The one list of excluding flags (UNRANKABLE_FLAGS in @casebook/results, which the analysis applies too).
    rankable: flagsRankable(flags),
  };
}

function continuousRecord(
  launch: ContinuousLaunch,
  interleave: ResolvedInterleaveOptions,
  blocks: readonly BlockResult[],
  m: Measurement | null,
  failure: CasebookError | null,
  run: InterleavedRun,
  startedAt: string,
  faults: readonly BlockFault[] = [],
): BenchRecord {
  const { options } = launch;
  const plan = pinningPlan();
  const windows = blocks.flatMap((b) => b.windows);
  const trials = windows.map((w, index) => ({ ...w, index }));
  const perBlock = blocks.map((b) => ({
    index: b.index,
    round: b.round,
    position: b.position,
    steady: b.steady,
    steadiness: b.steadiness,
    startMs: b.startMs,
    endMs: b.endMs,
    warmupMs: b.warmupMs,
    warmupWindows: b.warmup.length,
    windows: b.windows.length,
    ...windowTotals(b.windows),
  }));
  // The fault it was dropped after is its error; else a fault it was reopened after (the first of its own; all are
  // in the client settings, the harness's unanswered pauses included).
  const own = measurementFaults(faults);
  const first = own[0];
  const error = runError(
    failure ?? (first ? new CasebookError(first.code, first.message) : null),
    blocks.length,
    Math.max(run.rounds, 1),
  );
  const { client: _c, target: _t, ...others } = placements();
  const blockRps = perBlock.map((b) => b.throughputRps);
  const blockCpu = perBlock.map((b) => b.cpuMicrosPerRequest);
  const summary = summarizeTrials(trials, null, m?.target ?? null);
  const warmupCurve = blocks.flatMap((b) => b.warmup);
  const position = run.order.length > 0 ? run.order.map((o) => o.indexOf(options.label)) : [];
  const record: BenchRecord = {
    schemaVersion: SCHEMA_VERSION,
    kind: 'bench',
    runId: newRunId(options.caseStudy === 'bench' ? 'bench' : options.caseStudy),
    ...runOutcome(error, { done: blocks.length, planned: run.rounds }),
    caseStudy: options.caseStudy,
    label: options.label,
    startedAt,
    finishedAt: new Date().toISOString(),
    params: continuousParams(options, interleave, trials.length, warmupCurve),
    environment: captureEnvironment({
      pinning: {
        method: plan.method,
        reason: plan.reason,
        clientCpu: plan.clientCpu,
        targetCpu: m?.target.cpu ?? null,
        others,
      },
      clientVersions: { ...clientVersions(), ...continuousExtraVersions(launch, m) },
      repoDir: findRepoRoot(),
    }),
    client: withBlockFaults(continuousClientBlock(launch, m), faults),
    ...summary,
    target: withWarmupWindows(summary.target, warmupCurve),
    // Per-block quantities (each from sums over the block's windows), summarised as medians over blocks.
    throughputRps: blockRps.length ? medianInterval(blockRps).median : 0,
    cpuMicrosPerRequest: blockCpu.length ? round(medianInterval(blockCpu).median, 2) : 0,
    warmup: null,
    trials,
    method: {
      kind: 'continuous',
      windowMs: interleave.windowMs,
      windowsPerBlock: interleave.windowsPerBlock,
      steadiness: interleave.steadiness,
      blocks: perBlock,
      warmupCurve,
      throughputInterval: blockRps.length ? medianInterval(blockRps) : null,
      cpuInterval: blockCpu.length ? medianInterval(blockCpu) : null,
      interleave: {
        seed: run.seed,
        rounds: run.rounds,
        stoppedBy: run.stoppedBy,
        positions: position,
        targetHalfWidth: interleave.targetHalfWidth,
        budgetMs: interleave.budgetMs,
        maxUnsteadyShare: interleave.maxUnsteadyShare,
        maxErrorShare: interleave.maxErrorShare,
      },
    },
    guards: guardsOf(options, blocks, run.noise, own.length, interleave.minRounds, interleave),
  };
  return record;
}

/**
 * The record's params of a steady-state measurement: what ran, not the phase method's defaults its options were
 * resolved with (seed-7326eaa1's records said 3 trials of 1,000 requests within 300 s, none of which applied).
 * `trials`: the measured windows the record keeps (its `trials`); `warmupRequests`: the requests that ended in its
 * warm-up windows (completed at each window's throughput, plus failed); `trialTimeoutMs`: the block limit of warm-up
 * and measured windows together (blockLimits, with the entry's minimum of requests per window; the pause has its own);
 * the load's `requests` and `durationMs`: null, since windows, not a count or a duration, decide how long it runs.
 */
export function continuousParams(
  options: Parameters<typeof paramsOf>[0],
  plan: ContinuousPlan,
  measuredWindows: number,
  warmupCurve: readonly Pick<WarmupWindow, 'throughputRps' | 'durationMs' | 'errors'>[],
): BenchRecord['params'] {
  const params = paramsOf(options);
  const warmed = warmupCurve.reduce((n, w) => n + Math.round((w.throughputRps * w.durationMs) / 1000) + w.errors, 0);
  return {
    ...params,
    load: { ...params.load, requests: null, durationMs: null },
    trials: measuredWindows,
    warmupRequests: warmed,
    trialTimeoutMs: blockLimits(plan, windowMinimum(options)).activeMs,
  };
}

/** The client block with every block fault in its settings (`casebook.blockFaults`), when there was any. */
function withBlockFaults(client: BenchRecord['client'], faults: readonly BlockFault[]): BenchRecord['client'] {
  return faults.length === 0
    ? client
    : { ...client, settings: { ...client.settings, 'casebook.blockFaults': faults.map((f) => ({ ...f })) } };
}
