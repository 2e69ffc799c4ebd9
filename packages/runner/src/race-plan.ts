/**
 * A keep-alive race plan (notebook 08): clients × target modes × methods × concurrency, each cell one client process
 * (race.ts runRace) against one shared race target reconfigured per cell, with every gap of the sweep repeated and the
 * gaps of a cell in a seeded shuffled order. Cells run in a seeded shuffled order too, round after round: a drift of
 * the machine over the run (another process waking, the target's heap growing) spreads over every cell instead of
 * landing on whichever ran last. The seed and the order that ran are returned, so the record can say what ran when.
 *
 * Interleaving is per cell, not per request: a client process keeps its pool for a whole cell, because a race is about
 * reused connections and a fresh process per gap would measure cold pools.
 */
import { checkRetryChoice, isClientName, RACE_METHODS, type RaceMethod, type RetryChoice } from '@casebook/clients';
import { UsageError } from '@casebook/results';
import {
  type HintMode,
  type IdleCloseMode,
  type RaceTargetHandle,
  type RaceTargetOptions,
  resolveRaceTargetOptions,
  startRaceTarget,
} from '@casebook/servers';
import { shuffledOrder } from './interleave';
import { MAX_RACE_CONCURRENCY, type RaceRunResult, runRace } from './race';

/** A client and the retry choice it runs with ('client-default' when only a name is given). */
export interface RaceClientSpec {
  client: string;
  retry?: RetryChoice;
}

/** One way the target treats idle connections. */
export interface RaceTargetMode {
  hint: HintMode;
  idleClose: IdleCloseMode;
}

export interface RacePlan {
  /** Short name of the plan, shown in progress lines and used in request ids. */
  name: string;
  clients: readonly (string | RaceClientSpec)[];
  targetModes: readonly RaceTargetMode[];
  methods: readonly RaceMethod[];
  concurrency: readonly number[];
  /** T: the target's idle timeout. */
  idleTimeoutMs: number;
  /** The deterministic race (race-target-protocol.ts); default 0, the natural race. */
  raceWindowMs?: number;
  /** Gaps swept; each appears `repeats` times per cell. */
  gapsMs: readonly number[];
  /** Default 1. */
  repeats?: number;
  /** Rounds over all cells (each cell runs once per round, in a new shuffled order). Default 1. */
  rounds?: number;
  /** Seed of every shuffle (cells per round, gaps per cell). */
  seed: number;
  /** Whole-request timeout set in each client (null: the clients' own). */
  requestTimeoutMs?: number | null;
  /** The harness stops waiting after this long, the client untouched (race.ts giveUpAfterMs); default null. */
  giveUpAfterMs?: number | null;
  postBodyBytes?: number;
}

/** One client process of a plan, as it will run. */
export interface RaceCell {
  /** Position in the plan's full factorial (clients × target modes × methods × concurrency). */
  cell: number;
  round: number;
  client: string;
  retry: RetryChoice;
  hint: HintMode;
  idleClose: IdleCloseMode;
  method: RaceMethod;
  concurrency: number;
  /** This cell's gaps, shuffled. */
  gapsMs: number[];
}

/** Rounds past this are a mistake: each round is every cell's gap sweep, seconds each. */
const MAX_RACE_ROUNDS = 50;
const MAX_RACE_REPEATS = 100;

function positiveInteger(field: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
    throw new UsageError(field, value, `expected an integer from 1 to ${max}`);
  return value;
}

function nonEmpty<T>(field: string, value: readonly T[] | undefined): readonly T[] {
  if (!Array.isArray(value) || value.length === 0) throw new UsageError(field, value, 'expected a non-empty list');
  return value;
}

function clientSpec(entry: string | RaceClientSpec): { client: string; retry: RetryChoice } {
  const spec = typeof entry === 'string' ? { client: entry } : entry;
  if (!isClientName(spec.client) || spec.client === 'node-http2')
    throw new UsageError('clients', spec.client, 'expected an HTTP/1.1 client (see CLIENT_NAMES)');
  return { client: spec.client, retry: checkRetryChoice(spec.client, spec.retry ?? 'client-default') };
}

/**
 * The cells of a plan in the order they run: round by round, each round every cell once in a seeded shuffled order,
 * each cell's gaps (every gap `repeats` times) shuffled with the same seed and the cell's position. Pure: the same
 * plan gives the same order, so a record's seed reproduces it.
 */
export function expandRacePlan(plan: RacePlan): RaceCell[] {
  const clients = nonEmpty('clients', plan.clients).map(clientSpec);
  const modes = nonEmpty('targetModes', plan.targetModes);
  for (const m of modes) resolveRaceTargetOptions({ idleTimeoutMs: plan.idleTimeoutMs, ...m });
  const methods = nonEmpty('methods', plan.methods);
  for (const m of methods)
    if (!(RACE_METHODS as readonly string[]).includes(m))
      throw new UsageError('methods', m, `expected one of ${RACE_METHODS.join(', ')}`);
  const concurrency = nonEmpty('concurrency', plan.concurrency);
  for (const c of concurrency) positiveInteger('concurrency', c, MAX_RACE_CONCURRENCY);
  const gaps = nonEmpty('gapsMs', plan.gapsMs);
  const repeats = positiveInteger('repeats', plan.repeats ?? 1, MAX_RACE_REPEATS);
  const rounds = positiveInteger('rounds', plan.rounds ?? 1, MAX_RACE_ROUNDS);
  if (!Number.isInteger(plan.seed)) throw new UsageError('seed', plan.seed, 'expected an integer');
  resolveRaceTargetOptions({ idleTimeoutMs: plan.idleTimeoutMs, raceWindowMs: plan.raceWindowMs ?? 0 });

  const factorial: Omit<RaceCell, 'round' | 'gapsMs'>[] = [];
  for (const c of clients)
    for (const m of modes)
      for (const method of methods)
        for (const n of concurrency)
          factorial.push({
            cell: factorial.length,
            client: c.client,
            retry: c.retry,
            hint: m.hint,
            idleClose: m.idleClose,
            method,
            concurrency: n,
          });
  const repeated = Array.from({ length: repeats }, () => gaps).flat();
  const out: RaceCell[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const i of shuffledOrder(factorial.length, plan.seed, round)) {
      const cell = factorial[i] as (typeof factorial)[number];
      const gapOrder = shuffledOrder(repeated.length, plan.seed + 7919 * (cell.cell + 1), round);
      out.push({ ...cell, round, gapsMs: gapOrder.map((g) => repeated[g] as number) });
    }
  }
  return out;
}

export interface RacePlanProgress {
  /** 1-based index of the cell now running, of `cells`. */
  index: number;
  cells: number;
  cell: RaceCell;
  elapsedMs: number;
}

/** What a plan ran: the cells in run order, each with its run (same index). */
export interface RacePlanResult {
  plan: RacePlan;
  cells: RaceCell[];
  runs: RaceRunResult[];
  /** Stalled connections the target released after each cell (stall mode only; 0 elsewhere). */
  released: number[];
  targetPid: number;
  targetCpu: number | null;
  elapsedMs: number;
}

export interface RacePlanHooks {
  onCellStart?(progress: RacePlanProgress): void;
  /** After each cell, with its run, the stalled connections released after it and the target's pid (to save it at once). */
  onCellEnd?(cell: RaceCell, run: RaceRunResult, released: number, targetPid: number): void;
}

/**
 * Run a plan: one race target for the whole plan (pinned like every lab server), reconfigured before each cell, and
 * one client process per cell. Stalled connections are released after each cell, so a stall never leaks into the
 * next. The target is closed at the end, failure or not.
 */
export async function runRacePlan(plan: RacePlan, hooks: RacePlanHooks = {}): Promise<RacePlanResult> {
  const cells = expandRacePlan(plan);
  const targetOptions = (cell: RaceCell): RaceTargetOptions => ({
    idleTimeoutMs: plan.idleTimeoutMs,
    hint: cell.hint,
    idleClose: cell.idleClose,
    raceWindowMs: plan.raceWindowMs ?? 0,
  });
  const started = Date.now();
  const first = cells[0] as RaceCell;
  const target: RaceTargetHandle = await startRaceTarget(targetOptions(first));
  const runs: RaceRunResult[] = [];
  const released: number[] = [];
  try {
    for (const [i, cell] of cells.entries()) {
      hooks.onCellStart?.({ index: i + 1, cells: cells.length, cell, elapsedMs: Date.now() - started });
      await target.configure(targetOptions(cell));
      const run = await runRace({
        client: cell.client,
        target,
        gapsMs: cell.gapsMs,
        method: cell.method,
        retry: cell.retry,
        concurrency: cell.concurrency,
        requestTimeoutMs: plan.requestTimeoutMs ?? null,
        giveUpAfterMs: plan.giveUpAfterMs ?? null,
        ...(plan.postBodyBytes !== undefined ? { postBodyBytes: plan.postBodyBytes } : {}),
        runId: `${plan.name}-c${cell.cell}-r${cell.round}`,
      });
      const freed = cell.idleClose === 'stall' ? await target.release() : 0;
      released.push(freed);
      runs.push(run);
      hooks.onCellEnd?.(cell, run, freed, target.pid);
    }
  } finally {
    await target.close();
  }
  return {
    plan,
    cells,
    runs,
    released,
    targetPid: target.pid,
    targetCpu: target.cpu,
    elapsedMs: Date.now() - started,
  };
}
