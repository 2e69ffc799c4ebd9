import { type ChildProcess, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { clientVersions } from '@casebook/clients';
import { pinningPlan, spawnPinned, stopChild } from '@casebook/procs';
import {
  CasebookError,
  captureEnvironment,
  findRepoRoot,
  newRunId,
  SCHEMA_VERSION,
  UsageError,
} from '@casebook/results';
import { startTarget, type TargetHandle } from '@casebook/servers';
import { createLatencyHistogram, encodeHistogram, recordMicros } from '@casebook/stats';
import type { BenchProgress } from './bench';
import { type BenchOptions, type ResolvedBenchOptions, resolveBenchOptions } from './options';
import type { PhaseResult } from './protocol';
import type { BenchRecord, TrialRecord } from './record';
import { runError, summarizeTrials, toTrial } from './summary';

/**
 * Foreign clients: HTTP clients written in another language, each run alone in its own process (pinned to the
 * client core like a Node client) and driven over stdin/stdout by the same runner: a fresh target, warm-up, trials,
 * target counters reset per phase, the same record shape. Today: Python's httpx and aiohttp, from the interpreter
 * that imports them (Debian's python3-httpx / python3-aiohttp for /usr/bin/python3).
 */

export const FOREIGN_CLIENTS = ['httpx', 'aiohttp', 'httpx-aiohttp'] as const;
export type ForeignClientName = (typeof FOREIGN_CLIENTS)[number];

export const isForeignClientName = (x: unknown): x is ForeignClientName =>
  typeof x === 'string' && (FOREIGN_CLIENTS as readonly string[]).includes(x);

export interface ForeignClientInfo {
  /** Name in records and tables, next to Node's client names. */
  recordName: string;
  packageName: string;
  description: string;
  /** Pool size when `connections` is not given (the library's own default). */
  defaultConnections: number;
  version(v: ForeignVersions): string;
  sourceUrl(v: ForeignVersions): string;
}

export type ForeignVersions = Record<string, string | null>;

export const FOREIGN_CLIENT_INFO: Record<ForeignClientName, ForeignClientInfo> = {
  httpx: {
    recordName: 'python-httpx',
    packageName: 'httpx',
    description: 'httpx.AsyncClient (httpcore connection pool over anyio), one client for all requests',
    defaultConnections: 100,
    version: (v) => v['httpx'] ?? 'unknown',
    sourceUrl: (v) => `https://github.com/encode/httpcore/blob/${v['httpcore']}/httpcore/_async/connection_pool.py`,
  },
  aiohttp: {
    recordName: 'python-aiohttp',
    packageName: 'aiohttp',
    description: 'aiohttp.ClientSession with a TCPConnector, one session for all requests',
    defaultConnections: 100,
    version: (v) => v['aiohttp'] ?? 'unknown',
    sourceUrl: (v) => `https://github.com/aio-libs/aiohttp/blob/v${v['aiohttp']}/aiohttp/connector.py`,
  },
  'httpx-aiohttp': {
    recordName: 'python-httpx-aiohttp',
    packageName: 'httpx+aiohttp',
    description: "httpx.AsyncClient over an aiohttp-backed transport (the seed's AiohttpTransport shim)",
    defaultConnections: 100,
    version: (v) => `httpx ${v['httpx']} / aiohttp ${v['aiohttp']}`,
    sourceUrl: (v) => `https://github.com/encode/httpx/blob/${v['httpx']}/httpx/_transports/base.py`,
  },
};

/** One foreign-client measurement. Like BenchOptions, closed loop only; `connections` null keeps the client's default pool. */
export interface ForeignBenchOptions {
  client: string;
  concurrency?: number;
  requests?: number;
  durationMs?: number;
  trials?: number;
  warmupRequests?: number;
  trialTimeoutMs?: number;
  connections?: number | null;
  requestTimeoutMs?: number | null;
  delayMs?: number;
  bodyBytes?: number;
  status?: number;
  target?: NonNullable<BenchOptions['target']>;
  path?: string;
  caseStudy?: string;
  label?: string;
}

export interface ResolvedForeignOptions extends Omit<ResolvedBenchOptions, 'client'> {
  client: ForeignClientName;
  language: 'python';
}

export interface ForeignBenchRecord extends Omit<BenchRecord, 'params' | 'client'> {
  params: ResolvedForeignOptions;
  client: {
    name: string;
    packageName: string;
    version: string;
    sourceUrl: string;
    settings: Record<string, unknown>;
    language: 'python';
    foreign: ForeignClientName;
    /** Interpreter and package versions the worker imported. */
    versions: ForeignVersions;
    python: string;
  };
}

const FOREIGN_ONLY_KEYS = new Set([
  'client',
  'concurrency',
  'requests',
  'durationMs',
  'trials',
  'warmupRequests',
  'trialTimeoutMs',
  'connections',
  'requestTimeoutMs',
  'delayMs',
  'bodyBytes',
  'status',
  'target',
  'path',
  'caseStudy',
  'label',
]);

/** Validate a foreign measurement like any other (a UsageError names the field and value). */
export function resolveForeignOptions(input: ForeignBenchOptions): ResolvedForeignOptions {
  if (!isForeignClientName(input.client))
    throw new UsageError('client', input.client, `expected one of ${FOREIGN_CLIENTS.join(', ')}`);
  for (const key of Object.keys(input)) {
    if (!FOREIGN_ONLY_KEYS.has(key))
      throw new UsageError(
        key,
        (input as unknown as Record<string, unknown>)[key],
        'not supported for foreign clients',
      );
  }
  const { client, label, ...rest } = input;
  // The shared validation (load, trials, target); 'undici-request' stands in only because it accepts every option.
  const resolved = resolveBenchOptions({ ...rest, client: 'undici-request', mode: 'closed', label: label ?? client });
  return { ...resolved, client, language: 'python' };
}

// ---------------------------------------------------------------------------------------------------------------
// Which Python

export type ForeignPythonSource = 'CASEBOOK_SEED_PYTHON' | 'recorded' | 'system' | 'PATH';

export type ForeignAvailability =
  | { available: true; python: string; source: ForeignPythonSource; versions: ForeignVersions }
  | { available: false; reason: string; tried: string[] };

export const FOREIGN_WORKER_SCRIPT = path.join(__dirname, '..', 'python', 'casebook_foreign_worker.py');

const probeCache = new Map<string, { ok: true; versions: ForeignVersions } | { ok: false; error: string }>();

function probe(python: string): { ok: true; versions: ForeignVersions } | { ok: false; error: string } {
  const cached = probeCache.get(python);
  if (cached) return cached;
  const r = spawnSync(python, [FOREIGN_WORKER_SCRIPT, '--probe'], { encoding: 'utf8', timeout: 30_000 });
  let out: { ok: true; versions: ForeignVersions } | { ok: false; error: string };
  if (r.error) out = { ok: false, error: r.error.message };
  else {
    try {
      const line = r.stdout.trim().split('\n').pop() ?? '';
      const parsed = JSON.parse(line) as { ok: boolean; versions?: ForeignVersions; error?: string };
      out =
        parsed.ok && parsed.versions
          ? { ok: true, versions: parsed.versions }
          : { ok: false, error: parsed.error ?? 'probe failed' };
    } catch {
      out = { ok: false, error: `exit ${r.status}: ${(r.stderr || r.stdout).trim().slice(-300)}` };
    }
  }
  probeCache.set(python, out);
  return out;
}

function recordedPython(root: string): string | undefined {
  try {
    const state = JSON.parse(fs.readFileSync(path.join(root, '.jupyter', 'casebook-python.json'), 'utf8')) as {
      python?: unknown;
    };
    return typeof state.python === 'string' && fs.existsSync(state.python) ? state.python : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Find a Python that imports httpx and aiohttp. $CASEBOOK_SEED_PYTHON, when set, is the only candidate (so a test or
 * a reader can point at a specific interpreter); otherwise the one bootstrap recorded, /usr/bin/python3, python3.
 */
export function foreignAvailability(env: NodeJS.ProcessEnv = process.env): ForeignAvailability {
  const fromEnv = env['CASEBOOK_SEED_PYTHON'];
  const candidates: [string, ForeignPythonSource][] = [];
  if (fromEnv !== undefined && fromEnv !== '') candidates.push([fromEnv, 'CASEBOOK_SEED_PYTHON']);
  else {
    const recorded = recordedPython(findRepoRoot());
    if (recorded) candidates.push([recorded, 'recorded']);
    candidates.push(['/usr/bin/python3', 'system'], ['python3', 'PATH']);
  }
  const tried: string[] = [];
  for (const [python, source] of candidates) {
    if (tried.some((t) => t.startsWith(`${python}:`))) continue;
    const r = probe(python);
    if (r.ok) return { available: true, python, source, versions: r.versions };
    tried.push(`${python}: ${r.error}`);
  }
  return {
    available: false,
    reason:
      'no Python that imports httpx and aiohttp was found (install python3-httpx and python3-aiohttp for ' +
      `/usr/bin/python3, run \`npm run bootstrap\`, or set CASEBOOK_SEED_PYTHON). Tried: ${tried.join('; ')}`,
    tried,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The child process

interface ForeignPhaseResult extends Omit<PhaseResult, 'histogram'> {
  latenciesMicros: number[];
}

type ForeignMessage =
  | { type: 'ready'; versions: ForeignVersions; settings: Record<string, unknown> }
  | { type: 'phase-start'; phase: 'warmup' | 'trial'; index: number }
  | { type: 'progress'; phase: 'warmup' | 'trial'; index: number; done: number; total: number | null }
  | { type: 'phase-end'; phase: 'warmup' | 'trial'; index: number; result: ForeignPhaseResult }
  | { type: 'done'; settings: Record<string, unknown> }
  | { type: 'fatal'; code: string; message: string };

/** Raw per-request latencies (µs) into the same HDR histogram Node clients fill. */
function toPhaseResult(r: ForeignPhaseResult): PhaseResult {
  const { latenciesMicros, ...rest } = r;
  const h = createLatencyHistogram();
  for (const us of latenciesMicros) recordMicros(h, us);
  return { ...rest, histogram: encodeHistogram(h) };
}

/**
 * Run one foreign-client measurement: a fresh target (server core), the Python worker (client core), warm-up,
 * trials, target counters reset per phase. Throws CasebookError CASEBOOK_FOREIGN_UNAVAILABLE before starting anything
 * when no Python imports httpx and aiohttp; otherwise always resolves with a record (errored when a process dies)
 * and leaves no child behind.
 */
export async function runForeignBench(
  input: ForeignBenchOptions | ResolvedForeignOptions,
  hooks: { onProgress?: (p: BenchProgress) => void; env?: NodeJS.ProcessEnv } = {},
): Promise<ForeignBenchRecord> {
  const options = 'load' in input ? input : resolveForeignOptions(input);
  const py = foreignAvailability(hooks.env);
  if (!py.available) throw new CasebookError('CASEBOOK_FOREIGN_UNAVAILABLE', py.reason);
  const info = FOREIGN_CLIENT_INFO[options.client];
  const plan = pinningPlan();
  const startedAt = new Date().toISOString();
  const runId = newRunId(options.caseStudy);
  const report = (p: Omit<BenchProgress, 'label' | 'trials'>) =>
    hooks.onProgress?.({ label: options.label, trials: options.trials, ...p });
  report({ phase: 'starting', trial: 0, done: 0, total: options.load.requests });

  let target: TargetHandle | null = null;
  let worker: ChildProcess | null = null;
  let failure: CasebookError | null = null;
  let versions: ForeignVersions = py.versions;
  let settings: Record<string, unknown> = {};
  let warmup: BenchRecord['warmup'] = null;
  const trials: TrialRecord[] = [];
  let closingTarget = false;
  let stderrTail = '';

  try {
    target = await startTarget(options.target, { cpu: plan.serverCpu });
    const t = target;
    void t.exited.then(({ code, signal }) => {
      if (closingTarget) return;
      failure ??= new CasebookError(
        'CASEBOOK_TARGET_EXITED',
        `target process exited mid-run (code ${code}, signal ${signal})`,
      );
    });
    await t.reset();
    worker = spawnPinned(py.python, [FOREIGN_WORKER_SCRIPT], {
      cpu: plan.clientCpu,
      stdio: 'pipe',
      env: { PYTHONUNBUFFERED: '1' },
    });
    const w = worker;
    w.stderr?.on('data', (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    w.stdin?.on('error', () => undefined);
    const send = (m: unknown) => w.stdin?.write(`${JSON.stringify(m)}\n`);
    await new Promise<void>((resolve, reject) => {
      let phaseTimer: NodeJS.Timeout | null = null;
      const clearPhaseTimer = () => {
        if (phaseTimer) clearTimeout(phaseTimer);
        phaseTimer = null;
      };
      w.on('error', (error) => reject(new CasebookError('CASEBOOK_FOREIGN_SPAWN', error.message, { cause: error })));
      w.on('exit', (code, signal) => {
        clearPhaseTimer();
        const tail = stderrTail.trim().split('\n').slice(-3).join(' | ');
        reject(
          new CasebookError(
            'CASEBOOK_CLIENT_EXITED',
            `client process exited before finishing (code ${code}, signal ${signal})${tail ? `: ${tail}` : ''}`,
          ),
        );
      });
      // Messages are handled strictly in order (a phase's counters are read before the next phase resets them).
      let chain: Promise<void> = Promise.resolve();
      const handle = async (message: ForeignMessage): Promise<void> => {
        switch (message.type) {
          case 'ready':
            versions = message.versions;
            settings = message.settings;
            break;
          case 'phase-start': {
            if (t.isAlive()) await t.reset().catch(() => undefined);
            report({
              phase: message.phase,
              trial: message.index,
              done: 0,
              total: message.phase === 'warmup' ? options.warmupRequests : options.load.requests,
            });
            clearPhaseTimer();
            phaseTimer = setTimeout(() => {
              failure ??= new CasebookError(
                'CASEBOOK_TRIAL_TIMEOUT',
                `${message.phase} ${message.index} ran longer than ${options.trialTimeoutMs} ms`,
              );
              w.kill('SIGKILL');
            }, options.trialTimeoutMs);
            send({ type: 'go' });
            break;
          }
          case 'progress':
            report({ phase: message.phase, trial: message.index, done: message.done, total: message.total });
            break;
          case 'phase-end': {
            clearPhaseTimer();
            const counters = t.isAlive() ? await t.counters().catch(() => null) : null;
            const result = toPhaseResult(message.result);
            if (message.phase === 'warmup') {
              const { histogram: _h, ...rest } = result;
              warmup = { ...rest, target: counters };
            } else {
              trials.push(toTrial(message.index, result, counters));
            }
            break;
          }
          case 'done':
            settings = message.settings;
            resolve();
            break;
          case 'fatal':
            reject(new CasebookError(message.code, message.message));
            break;
        }
      };
      const lines = readline.createInterface({ input: w.stdout as NodeJS.ReadableStream });
      lines.on('line', (line) => {
        let message: ForeignMessage;
        try {
          message = JSON.parse(line) as ForeignMessage;
        } catch {
          stderrTail = (stderrTail + line).slice(-2000);
          return;
        }
        chain = chain.then(() => handle(message)).catch(reject);
      });
      send({
        type: 'start',
        client: options.client,
        origin: t.origin,
        connections: options.clientOptions.connections,
        requestTimeoutMs: options.clientOptions.requestTimeoutMs,
        load: options.load,
        warmupRequests: options.warmupRequests,
        trials: options.trials,
      });
    });
  } catch (error) {
    failure ??=
      error instanceof CasebookError
        ? error
        : new CasebookError('CASEBOOK_RUN', (error as Error).message, { cause: error });
  } finally {
    if (worker) await stopChild(worker);
    if (target) {
      closingTarget = failure === null && target.isAlive();
      await target.close().catch(() => undefined);
    }
  }
  report({ phase: 'done', trial: options.trials, done: 0, total: null });

  const warm = warmup as BenchRecord['warmup'];
  const error = runError(failure as CasebookError | null, trials.length, options.trials);
  const t = target as TargetHandle | null;
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'bench',
    runId,
    status: error ? 'errored' : 'completed',
    error,
    caseStudy: options.caseStudy,
    label: options.label,
    startedAt,
    finishedAt: new Date().toISOString(),
    params: options,
    environment: captureEnvironment({
      pinning: {
        method: plan.method,
        reason: plan.reason,
        clientCpu: plan.clientCpu,
        targetCpu: t?.cpu ?? null,
        others: {},
      },
      clientVersions: {
        ...clientVersions(),
        ...Object.fromEntries(
          Object.entries(versions)
            .filter(([k, v]) => k !== 'executable' && v !== null)
            .map(([k, v]) => [`python:${k}`, v as string]),
        ),
      },
      repoDir: findRepoRoot(),
    }),
    client: {
      name: info.recordName,
      packageName: info.packageName,
      version: info.version(versions),
      sourceUrl: info.sourceUrl(versions),
      settings,
      language: 'python',
      foreign: options.client,
      versions,
      python: py.python,
    },
    ...summarizeTrials(trials, warm, t),
    warmup: warm,
    trials,
  };
}
