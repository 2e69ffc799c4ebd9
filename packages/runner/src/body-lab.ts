/**
 * The bodies lab: one HTTP/1.1 target serving generated bodies (servers/generated-body.ts) and, per block, a fresh
 * client process (body-worker-process.ts) that requests a body of a given size and consumes it as told. Blocks of
 * the clients compared run in rounds, each round in an order shuffled with a recorded seed, so a drift of the machine
 * lands on every client alike. Every phase resets the target's counters first and reads them (connections, body
 * bytes, responses finished or still sending, the target's own RSS) after, so both sides' byte counts are compared.
 */
import * as path from 'node:path';
import {
  BODY_CONSUMPTIONS,
  type BodyConsumption,
  CLIENT_NAMES,
  type ClientOptions,
  isClientName,
  resolveClientOptions,
  UPLOAD_MODES,
} from '@casebook/clients';
import { ipcTransport, pinningPlan, spawnNode, stopChild } from '@casebook/procs';
import { BODY_DIRECTIONS, type BodyDirection, type CasebookError, UsageError } from '@casebook/results';
import {
  BODY_FRAMINGS,
  type BodyCounters,
  type BodyFraming,
  generatedBodyPath,
  MAX_GENERATED_BODY_BYTES,
  startTarget,
  type TargetCounters,
  type TargetHandle,
  type TargetOptions,
  UPLOAD_PATH,
} from '@casebook/servers';
import type { BodyJob, BodyParentToWorker, BodyTrialResult, BodyWorkerToParent } from './body-protocol';
import { driveWorker, type Phase } from './driver';
import { shuffledOrder } from './interleave';

/** A phase is at most a few hundred MiB through one client: two minutes means it is stuck. */
const BODY_PHASE_TIMEOUT_MS = 120_000;
/** Default RSS sampling interval: 5 ms sees a 128 MiB buffer appear even at several hundred MB/s. */
export const DEFAULT_RSS_SAMPLE_MS = 5;
/** Default per-request limit: a 128 MiB body at 10 MB/s (far below anything seen here) still fits. */
const DEFAULT_REQUEST_TIMEOUT_MS = 15_000;
/**
 * Largest per-request limit: one request of a phase must fit in the phase's two minutes with room to report, so a
 * 110 s limit can still see the 95–104 s that nodejs/undici#2014 reported for a 130 MB body through fetch.
 */
export const MAX_REQUEST_TIMEOUT_MS = BODY_PHASE_TIMEOUT_MS - 10_000;

export interface BodyBlockSpec extends ClientOptions {
  client: string;
  bytes: number;
  /** download (default): GET a generated body; upload: POST a request body of `bytes` (consumption buffer|stream). */
  direction?: BodyDirection;
  framing?: BodyFraming;
  consumption?: BodyConsumption;
  warmupRequests?: number;
  trials?: number;
  requestsPerTrial?: number;
  rssSampleMs?: number;
  settleMs?: number;
  requestTimeoutMs?: number;
  /** GC-settled memory sampling during the warm-up, ms (0 = off; see BodyJob.liveSampleMs). */
  liveSampleMs?: number;
}

export interface BodyPhase extends BodyTrialResult {
  target: TargetCounters;
  bodies: BodyCounters;
}

export interface BodyBlockResult {
  /** Interleaving: the round and the position in it (null for a block run on its own). */
  round: number | null;
  position: number | null;
  job: BodyJob;
  framing: BodyFraming;
  settings: Record<string, unknown>;
  gcExposed: boolean;
  warmup: BodyPhase | null;
  trials: BodyPhase[];
  error: { code: string; message: string } | null;
}

/**
 * Where a rounds() run is, reported when each block starts (its client process being spawned) and when its warm-up
 * and its trial start, so a sweep of many minutes shows which block runs (Study draws it as the cell's live line).
 */
export interface BodyRoundsProgress {
  /** 0-based round, of `rounds` planned (the budget may stop it earlier, after `minRounds`). */
  round: number;
  rounds: number;
  /** 1-based position of the block in its round, of `blocks` per round. */
  block: number;
  blocks: number;
  /** Blocks finished so far in this rounds() call. */
  done: number;
  client: string;
  bytes: number;
  direction: BodyDirection;
  consumption: BodyConsumption;
  /** starting: the client process is being spawned and opened; warmup / trial: that phase runs. */
  phase: 'starting' | Phase;
  /** Since the rounds() call started. */
  elapsedMs: number;
}

export interface BodyRoundsOptions {
  rounds: number;
  minRounds?: number;
  seed: number;
  budgetMs?: number;
  onBlock?: (done: number) => void;
  onProgress?: (p: BodyRoundsProgress) => void;
}

export interface BodyLab {
  target: TargetHandle;
  block(spec: BodyBlockSpec): Promise<BodyBlockResult>;
  /**
   * Run every spec once per round, each round in a seeded shuffled order; stops adding rounds once `budgetMs` is
   * spent (after `minRounds`). Results are in run order, each with its round and position.
   */
  rounds(specs: readonly BodyBlockSpec[], options: BodyRoundsOptions): Promise<BodyBlockResult[]>;
  close(): Promise<void>;
}

function intIn(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max)
    throw new UsageError(field, value, `expected an integer from ${min} to ${max}`);
  return value;
}

/** Validate a spec and make the worker's job (UsageError naming the field, before anything starts). */
export function bodyJob(origin: string, spec: BodyBlockSpec): { job: BodyJob; framing: BodyFraming } {
  const {
    client,
    bytes,
    direction = 'download',
    framing = 'length',
    consumption = 'stream',
    warmupRequests = 1,
    trials = 1,
    requestsPerTrial = 1,
    rssSampleMs = DEFAULT_RSS_SAMPLE_MS,
    settleMs = 0,
    requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
    liveSampleMs = 0,
    ...clientInput
  } = spec;
  if (!isClientName(client)) throw new UsageError('client', client, `expected one of ${CLIENT_NAMES.join(', ')}`);
  if (!(BODY_FRAMINGS as readonly string[]).includes(framing))
    throw new UsageError('framing', framing, `expected one of ${BODY_FRAMINGS.join(', ')}`);
  if (!(BODY_DIRECTIONS as readonly string[]).includes(direction))
    throw new UsageError('direction', direction, `expected one of ${BODY_DIRECTIONS.join(', ')}`);
  if (!(BODY_CONSUMPTIONS as readonly string[]).includes(consumption))
    throw new UsageError('consumption', consumption, `expected one of ${BODY_CONSUMPTIONS.join(', ')}`);
  if (direction === 'upload' && !(UPLOAD_MODES as readonly string[]).includes(consumption))
    throw new UsageError('consumption', consumption, `an upload is sent as one of ${UPLOAD_MODES.join(', ')}`);
  const size = intIn('bytes', bytes, 0, MAX_GENERATED_BODY_BYTES);
  const job: BodyJob = {
    client,
    origin,
    clientOptions: resolveClientOptions(client, clientInput),
    path: direction === 'upload' ? UPLOAD_PATH : generatedBodyPath(size, framing),
    direction,
    expectedBytes: bytes,
    consumption,
    warmupRequests: intIn('warmupRequests', warmupRequests, 0, 10_000),
    trials: intIn('trials', trials, 1, 100),
    requestsPerTrial: intIn('requestsPerTrial', requestsPerTrial, 1, 100_000),
    rssSampleMs: intIn('rssSampleMs', rssSampleMs, 1, 1000),
    settleMs: intIn('settleMs', settleMs, 0, 30_000),
    requestTimeoutMs: intIn('requestTimeoutMs', requestTimeoutMs, 100, MAX_REQUEST_TIMEOUT_MS),
    liveSampleMs: intIn('liveSampleMs', liveSampleMs, 0, 1000),
  };
  return { job, framing };
}

export async function openBodyLab(options: { target?: TargetOptions } = {}): Promise<BodyLab> {
  const target = await startTarget(options.target ?? {});
  const block = async (
    spec: BodyBlockSpec,
    place: { round: number | null; position: number | null },
    onPhase?: (phase: Phase) => void,
  ): Promise<BodyBlockResult> => {
    const { job, framing } = bodyJob(target.origin, spec);
    const result: BodyBlockResult = {
      ...place,
      job,
      framing,
      settings: {},
      gcExposed: false,
      warmup: null,
      trials: [],
      error: null,
    };
    const worker = spawnNode(path.join(__dirname, 'body-worker-process.js'), {
      cpu: pinningPlan().clientCpu,
      role: 'client',
      execArgv: ['--expose-gc'],
    });
    try {
      const settings = await driveWorker<BodyParentToWorker, BodyTrialResult>({
        transport: ipcTransport<BodyWorkerToParent, BodyParentToWorker>(worker),
        start: { type: 'job', job },
        phaseTimeoutMs: BODY_PHASE_TIMEOUT_MS,
        ackPhaseEnd: true,
        onReady: (m) => {
          const s = m['settings'];
          result.settings = typeof s === 'object' && s !== null ? (s as Record<string, unknown>) : {};
          result.gcExposed = m['gcExposed'] === true;
        },
        onPhaseStart: async (phase) => {
          await target.reset();
          onPhase?.(phase);
        },
        onPhaseEnd: async (phase, _index, r) => {
          const counters = await target.counters();
          const bodies = await target.bodies();
          const entry: BodyPhase = { ...r, target: counters, bodies };
          if (phase === 'warmup') result.warmup = entry;
          else result.trials.push(entry);
        },
      });
      result.settings = { ...result.settings, ...settings };
    } catch (error) {
      const e = error as CasebookError;
      result.error = { code: e.code ?? 'CASEBOOK_RUN', message: e.message };
    } finally {
      await stopChild(worker);
    }
    return result;
  };
  return {
    target,
    block: (spec) => block(spec, { round: null, position: null }),
    async rounds(specs, o) {
      for (const s of specs) bodyJob(target.origin, s);
      intIn('rounds', o.rounds, 1, 1000);
      const minRounds = o.minRounds ?? o.rounds;
      const started = Date.now();
      const out: BodyBlockResult[] = [];
      for (let r = 0; r < o.rounds; r++) {
        if (r >= minRounds && o.budgetMs !== undefined && Date.now() - started > o.budgetMs) break;
        const order = shuffledOrder(specs.length, o.seed, r);
        for (const [position, i] of order.entries()) {
          const spec = specs[i] as BodyBlockSpec;
          const report = (phase: BodyRoundsProgress['phase']): void =>
            o.onProgress?.({
              round: r,
              rounds: o.rounds,
              block: position + 1,
              blocks: specs.length,
              done: out.length,
              client: spec.client,
              bytes: spec.bytes,
              direction: spec.direction ?? 'download',
              consumption: spec.consumption ?? 'stream',
              phase,
              elapsedMs: Date.now() - started,
            });
          report('starting');
          out.push(await block(spec, { round: r, position }, report));
          o.onBlock?.(out.length);
        }
      }
      return out;
    },
    close: () => target.close(),
  };
}
