import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jsonLinesTransport, pinningPlan, spawnPinned } from '@casebook/procs';
import { CasebookError, type ForeignClientBlock, findRepoRoot, UsageError } from '@casebook/results';
import { createLatencyHistogram, encodeHistogram, recordMicros } from '@casebook/stats';
import { type BenchProgress, benchRecord, measure } from './measure';
import { type BenchOptions, type ResolvedBenchOptions, resolveBenchOptions } from './options';
import type { PhaseResult } from './protocol';
import type { BenchRecord } from './record';

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

/** A bench record whose client is a foreign one (its block adds language, versions and the interpreter). */
export type ForeignBenchRecord = BenchRecord & { client: ForeignClientBlock; params: ResolvedForeignOptions };

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

interface ForeignStart {
  type: 'start';
  client: ForeignClientName;
  origin: string;
  connections: number | null;
  requestTimeoutMs: number | null;
  load: ResolvedForeignOptions['load'];
  warmupRequests: number;
  trials: number;
}

/** Raw per-request latencies (µs) into the same HDR histogram Node clients fill. */
function toPhaseResult(r: ForeignPhaseResult): PhaseResult {
  const { latenciesMicros, ...rest } = r;
  const h = createLatencyHistogram();
  for (const us of latenciesMicros) recordMicros(h, us);
  return { ...rest, histogram: encodeHistogram(h) };
}

const isVersions = (x: unknown): x is ForeignVersions =>
  typeof x === 'object' && x !== null && Object.values(x).every((v) => v === null || typeof v === 'string');

/**
 * Run one foreign-client measurement: the Python worker (JSON lines on stdio) driven by the same run driver as Node
 * clients, against a fresh target. Throws CasebookError CASEBOOK_FOREIGN_UNAVAILABLE before starting anything when no
 * Python imports httpx and aiohttp; otherwise always resolves with a record (errored when a process dies) and leaves no
 * child behind.
 */
export async function runForeignBench(
  input: ForeignBenchOptions | ResolvedForeignOptions,
  hooks: { onProgress?: (p: BenchProgress) => void; env?: NodeJS.ProcessEnv } = {},
): Promise<ForeignBenchRecord> {
  const options = 'load' in input ? input : resolveForeignOptions(input);
  const py = foreignAvailability(hooks.env);
  if (!py.available) throw new CasebookError('CASEBOOK_FOREIGN_UNAVAILABLE', py.reason);
  const info = FOREIGN_CLIENT_INFO[options.client];
  let versions: ForeignVersions = py.versions;
  const measured = await measure<ForeignStart, ForeignPhaseResult>({
    options,
    onProgress: hooks.onProgress,
    launch: (origin) => ({
      transport: jsonLinesTransport(
        spawnPinned(py.python, [FOREIGN_WORKER_SCRIPT], {
          cpu: pinningPlan().clientCpu,
          stdio: 'pipe',
          env: { PYTHONUNBUFFERED: '1' },
          role: 'client',
        }),
      ),
      start: {
        type: 'start',
        client: options.client,
        origin,
        connections: options.clientOptions.connections,
        requestTimeoutMs: options.clientOptions.requestTimeoutMs,
        load: options.load,
        warmupRequests: options.warmupRequests,
        trials: options.trials,
      },
    }),
    toPhaseResult,
    onReady: (m) => {
      if (isVersions(m['versions'])) versions = m['versions'];
    },
  });
  const pythonVersions = Object.fromEntries(
    Object.entries(versions)
      .filter((e): e is [string, string] => e[0] !== 'executable' && e[1] !== null)
      .map(([k, v]) => [`python:${k}`, v]),
  );
  const client: ForeignClientBlock = {
    name: info.recordName,
    packageName: info.packageName,
    version: info.version(versions),
    sourceUrl: info.sourceUrl(versions),
    settings: measured.settings,
    language: 'python' as const,
    foreign: options.client,
    versions,
    python: py.python,
  };
  return { ...benchRecord(measured, options, client, pythonVersions), client, params: options };
}
