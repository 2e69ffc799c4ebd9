import * as path from 'node:path';
import {
  type BisectContext,
  type BisectResult,
  type BisectRounds,
  type BisectStepExtras,
  type BisectStepRequest,
  bisectRecordParts,
  type ProcessDisagreement,
  type ProcessPairRatio,
  runBisect,
  stepText,
  type VersionPairRatio,
} from '@casebook/analysis';
import { exitOnSignals } from '@casebook/procs';
import { type BisectRecord, type Environment, runStatus, writeFileAtomic, writeRecord } from '@casebook/results';
import { machineEnvironment } from '@casebook/study';

/**
 * `casebook bisect`'s record on disk while it runs: `<out>/bisect.json` (and bisect.md) always says what was done. It
 * is written atomically before every step, as the search so far stopped in that step (status interrupted: what a
 * process killed in the step leaves), again with the signal's name when SIGINT or SIGTERM stops the command (then
 * every child of the run is killed and the process exits 130 or 143, procs exitOnSignals), and once more when the
 * search ends (completed) or a step fails (errored, the error naming the step). The search is analysis's runBisect;
 * the steps' measurements are the caller's (the command runs them; a test passes made-up ones).
 */

/** What the record holds besides the search's parts and the environment: what was searched, how, and the rerun. */
export type BisectRecordHead = Omit<BisectRecord, keyof ReturnType<typeof bisectRecordParts> | 'environment'>;

/**
 * One step measured: its pairs (with several processes per version, two-level, and the versions whose processes
 * disagreed), what the record keeps of it, and the environment its records were measured in.
 */
export interface BisectStepRun {
  pairs: readonly (VersionPairRatio | ProcessPairRatio)[];
  disagreements?: readonly ProcessDisagreement[];
  extras: BisectStepExtras;
  environment: Environment | null;
}

export interface BisectRecording {
  /** The folder of bisect.json, bisect.md and the steps' records (steps/). */
  out: string;
  head: BisectRecordHead;
  ctx: BisectContext & { reproduce: string };
  versions: readonly string[];
  rounds: BisectRounds;
  lineBoundary: boolean;
  /** Client processes per version each step asks for (steady method); absent: not asked (phase method, tests). */
  processes?: number;
  measure: (request: BisectStepRequest) => Promise<BisectStepRun>;
  /**
   * The record's environment until a step gives one (its first record's): default this machine's, as a case study
   * captures it before it measures.
   */
  environment?: () => Environment;
}

/** Run the search, keeping the record current (see above); resolves with the record as finally written. */
export async function recordBisect(run: BisectRecording): Promise<{ record: BisectRecord; file: string }> {
  const file = path.join(run.out, 'bisect.json');
  const extras = new Map<number, BisectStepExtras>();
  let measured: Environment | null = null;
  let captured: Environment | null = null;
  const environment = (): Environment => {
    if (measured !== null) return measured;
    captured ??= (run.environment ?? (() => machineEnvironment()))();
    return captured;
  };
  const write = (result: BisectResult): BisectRecord => {
    const parts = bisectRecordParts(
      result,
      run.ctx,
      (s) => extras.get(s.index) ?? { seed: run.head.seed + s.index - 1, folder: '', runIds: [], values: {} },
    );
    const record: BisectRecord = { ...run.head, ...parts, environment: environment() };
    writeRecord(file, record);
    writeFileAtomic(path.join(run.out, 'bisect.md'), parts.summary);
    return record;
  };

  // The search so far and the step it is in, as of the last write: what a signal rewrites with its name.
  let sofar: { result: BisectResult; running: BisectStepRequest } | null = null;
  const removeHandlers = exitOnSignals((signal) => {
    // Before the first step nothing was written, and nothing is: the command leaves no folder.
    if (sofar === null) return;
    const stopped = {
      ...sofar.result,
      ...runStatus({ code: 'CASEBOOK_INTERRUPTED', message: `${signal} during ${stepText(sofar.running)}` }),
    };
    write(stopped);
    process.stderr.write(`bisect: ${signal}: stopped in ${stepText(sofar.running)}; record: ${file}\n`);
  });
  try {
    const result = await runBisect({
      versions: run.versions,
      rounds: run.rounds,
      lineBoundary: run.lineBoundary,
      ...(run.processes === undefined ? {} : { processes: run.processes }),
      onProgress: (result, running) => {
        sofar = { result, running };
        write(result);
      },
      measure: async (request) => {
        const step = await run.measure(request);
        extras.set(request.index, step.extras);
        if (measured === null && step.environment !== null) measured = step.environment;
        return {
          pairs: step.pairs,
          ...(step.disagreements === undefined ? {} : { disagreements: step.disagreements }),
        };
      },
    });
    return { record: write(result), file };
  } finally {
    removeHandlers();
  }
}
