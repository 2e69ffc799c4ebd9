import * as path from 'node:path';
import { getAdapter } from '@casebook/clients';
import { fdPreflight, ipcTransport, pinningPlan } from '@casebook/procs';
import type { TargetHandle } from '@casebook/servers';
import { paramsOf } from './foreign';
import { type BenchProgress, benchRecord, measure } from './measure';
import { type BenchOptions, type ResolvedBenchOptions, resolveBenchOptions } from './options';
import { isWorkerRuntime, type PhaseResult, type WorkerRuntime, type WorkerStart } from './protocol';
import type { BenchRecord } from './record';
import {
  clientRuntimeSetting,
  needsVersionStore,
  resolveVersionChoice,
  spawnClientWorker,
  type VersionChoice,
  WORKSPACE_VERSIONS,
} from './version-choice';

export type { BenchProgress } from './measure';

export interface RunBenchHooks {
  onProgress?: (p: BenchProgress) => void;
  /** For the harness-overhead baseline only. */
  instrumentation?: 'full' | 'bare';
  /** Reuse a running target instead of starting a fresh one (the caller owns and closes it). */
  target?: TargetHandle;
  /** Pin the client worker to this core instead of the plan's client core (null: unpinned). */
  clientCpu?: number | null;
  /**
   * Run the worker on another Node and/or with another client version, from the version store (bun-fetch and
   * deno-fetch always run on their runtime from the store: the chosen version, else the pinned one).
   */
  versions?: VersionChoice;
  /** The version store's folder (default: the repository's .casebook/versions). */
  storeDir?: string;
}

/**
 * Run one measurement of a Node client: its worker process (IPC) driven by the run driver against a fresh target.
 * Resolves with a record — an errored one when the target or the client dies — and never leaves a child process
 * behind. Throws UsageError before anything starts when the options are invalid or the machine's open-file limit
 * cannot hold the concurrency (fdPreflight: `casebook bench` exits 2 with nothing written).
 */
export async function runBench(
  input: BenchOptions | ResolvedBenchOptions,
  hooks: RunBenchHooks = {},
): Promise<BenchRecord> {
  const options = 'load' in input ? input : resolveBenchOptions(input);
  fdPreflight({
    concurrency: options.load.concurrency,
    clients: [options.client],
    connections: options.clientOptions.connections,
  });
  const adapter = getAdapter(options.client);
  const versions = needsVersionStore(options.client, hooks.versions)
    ? await resolveVersionChoice(options.client, hooks.versions ?? {}, options.clientOptions, hooks.storeDir)
    : WORKSPACE_VERSIONS;
  let version = versions.fetchRuntime?.from.version ?? adapter.version();
  let sourceUrl = adapter.sourceUrl;
  // Set by the worker's ready message (a holder object: a closure's assignment to a `let` is not seen by narrowing).
  const reported: { runtime: WorkerRuntime | null } = { runtime: null };
  const measured = await measure<WorkerStart, PhaseResult>({
    options,
    target: hooks.target,
    onProgress: hooks.onProgress,
    launch: (origin, target) => ({
      transport: ipcTransport(
        spawnClientWorker(
          path.join(__dirname, 'worker-process.js'),
          versions,
          hooks.clientCpu === undefined ? pinningPlan().clientCpu : hooks.clientCpu,
        ),
      ),
      start: {
        type: 'start',
        client: options.client,
        origin,
        // HTTPS: the client trusts exactly the CA this target made at start (verification is never turned off).
        clientOptions: target.caPem
          ? { ...options.clientOptions, tls: { caPem: target.caPem } }
          : options.clientOptions,
        load: options.load,
        warmupRequests: options.warmupRequests,
        trials: options.trials,
        instrumentation: hooks.instrumentation ?? 'full',
        ...(Object.keys(versions.clientPackages).length > 0 ? { clientPackages: versions.clientPackages } : {}),
      },
    }),
    toPhaseResult: (r) => r,
    onReady: (m) => {
      if (typeof m['version'] === 'string') version = m['version'];
      if (typeof m['sourceUrl'] === 'string') sourceUrl = m['sourceUrl'];
      if (isWorkerRuntime(m['runtime'])) reported.runtime = m['runtime'];
    },
  });
  return benchRecord(measured, paramsOf(options), {
    name: options.client,
    packageName: adapter.packageName,
    version,
    sourceUrl,
    settings: {
      ...measured.settings,
      ...clientRuntimeSetting(reported.runtime, versions, hooks.versions !== undefined),
    },
  });
}
