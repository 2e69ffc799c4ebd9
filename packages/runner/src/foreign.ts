import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { jsonLinesTransport, pinningPlan, spawnPinned } from '@casebook/procs';
import { type BenchParams, CasebookError, type ForeignClientBlock, findRepoRoot, UsageError } from '@casebook/results';
import { createLatencyHistogram, encodeHistogram, recordMicros } from '@casebook/stats';
import { type BenchProgress, benchRecord, measure } from './measure';
import { type BenchOptions, LIMITS, type ResolvedBenchOptions, resolveBenchOptions } from './options';
import type { ForeignClientStart, ForeignPhaseResult, ForeignStart, GatherUntil, PhaseResult } from './protocol';
import { pythonSet } from './python-sets';
import type { BenchRecord } from './record';

/**
 * Foreign clients: HTTP clients written in another language, each run alone in its own process (pinned to the
 * client core like a Node client) and driven over stdin/stdout by the same runner: a fresh target, warm-up, trials
 * (or the steady-state method's blocks, blocks.ts), target counters reset per phase, the same record shape. Today:
 * Python's httpx (or httpx2), aiohttp, the seed's AiohttpTransport shim and the published httpx-aiohttp transport,
 * from a client set's environment (python-sets.ts) or, without a set, from the interpreter that imports httpx and
 * aiohttp; and the optional contenders (CONTENDER_CLIENTS) from the `contenders` set only.
 */

/**
 * The optional contenders (issue 14 item 1), installed by the optional `contenders` set: niquests.AsyncSession,
 * pyreqwest's async Client and curl_cffi's AsyncSession, each with its library's defaults. `maxConnections` maps onto
 * each one's own limit (niquests `pool_maxsize`, pyreqwest `max_connections`, curl_cffi `max_clients`: the worker's
 * classes say what each bounds and cite the lines); the switches they have no counterpart for are refused.
 */
export const CONTENDER_CLIENTS = ['niquests', 'pyreqwest', 'curl_cffi'] as const;
type ContenderClientName = (typeof CONTENDER_CLIENTS)[number];
const isContenderClient = (x: unknown): x is ContenderClientName =>
  typeof x === 'string' && (CONTENDER_CLIENTS as readonly string[]).includes(x);

export const FOREIGN_CLIENTS = [
  'httpx',
  'aiohttp',
  'httpx-aiohttp-seed',
  'httpx-aiohttp',
  ...CONTENDER_CLIENTS,
] as const;
export type ForeignClientName = (typeof FOREIGN_CLIENTS)[number];

export const isForeignClientName = (x: unknown): x is ForeignClientName =>
  typeof x === 'string' && (FOREIGN_CLIENTS as readonly string[]).includes(x);

/** Event loops a Python client can run on (uvloop must be installed in the set). */
export const FOREIGN_LOOPS = ['asyncio', 'uvloop'] as const;
export type ForeignLoop = (typeof FOREIGN_LOOPS)[number];

/** Interpreter and package versions: every installed distribution (PEP 503 names), null for a relevant one absent. */
export type ForeignVersions = Record<string, string | null>;

/** Versions worth a column in the environment's clientVersions (`python:<name>`); the client block keeps them all. */
const ENVIRONMENT_VERSION_KEYS = [
  'python',
  'httpx',
  'httpx2',
  'httpcore',
  'httpcore2',
  'anyio',
  'h11',
  'aiohttp',
  'httpx-aiohttp',
  'uvloop',
  'niquests',
  'urllib3-future',
  'pyreqwest',
  'curl-cffi',
];

/** httpx's API comes from httpx2 where the set installs it (the worker imports it first), else from httpx. */
const httpxOf = (v: ForeignVersions): { name: string; version: string } =>
  v['httpx2'] ? { name: 'httpx2', version: v['httpx2'] } : { name: 'httpx', version: v['httpx'] ?? 'unknown' };

export interface ForeignClientInfo {
  /** Name in records and tables, next to Node's client names. */
  recordName: string;
  packageName(v: ForeignVersions): string;
  description: string;
  version(v: ForeignVersions): string;
  sourceUrl(v: ForeignVersions): string;
}

const httpxPoolUrl = (v: ForeignVersions): string =>
  httpxOf(v).name === 'httpx2'
    ? `https://pypi.org/project/httpx2/${v['httpx2']}/`
    : `https://github.com/encode/httpcore/blob/${v['httpcore']}/httpcore/_async/connection_pool.py`;

export const FOREIGN_CLIENT_INFO: Record<ForeignClientName, ForeignClientInfo> = {
  httpx: {
    recordName: 'python-httpx',
    packageName: (v) => httpxOf(v).name,
    description: 'httpx.AsyncClient (httpcore connection pool over anyio; httpx2 with httpcore2 in the httpx2 set)',
    version: (v) => httpxOf(v).version,
    sourceUrl: httpxPoolUrl,
  },
  aiohttp: {
    recordName: 'python-aiohttp',
    packageName: () => 'aiohttp',
    description: 'aiohttp.ClientSession with a TCPConnector, one session for all requests',
    version: (v) => v['aiohttp'] ?? 'unknown',
    sourceUrl: (v) => `https://github.com/aio-libs/aiohttp/blob/v${v['aiohttp']}/aiohttp/connector.py`,
  },
  'httpx-aiohttp-seed': {
    recordName: 'python-httpx-aiohttp-seed',
    packageName: (v) => `${httpxOf(v).name}+aiohttp`,
    description:
      "httpx.AsyncClient over the seed's AiohttpTransport shim (the lab's transcription; aiohttp's parser, I/O and " +
      'pool replace httpcore together)',
    version: (v) => `${httpxOf(v).name} ${httpxOf(v).version} / aiohttp ${v['aiohttp']}`,
    sourceUrl: () => 'https://github.com/encode/httpx/issues/3215',
  },
  'httpx-aiohttp': {
    recordName: 'python-httpx-aiohttp',
    packageName: () => 'httpx-aiohttp',
    description: "httpx.AsyncClient over the published httpx-aiohttp package's AiohttpTransport",
    version: (v) => v['httpx-aiohttp'] ?? 'unknown',
    sourceUrl: (v) => `https://pypi.org/project/httpx-aiohttp/${v['httpx-aiohttp']}/`,
  },
  niquests: {
    recordName: 'python-niquests',
    packageName: () => 'niquests',
    description:
      "niquests.AsyncSession (optional contender): urllib3-future's connection pools, pool_maxsize connections per origin, one session for all requests",
    version: (v) => v['niquests'] ?? 'unknown',
    sourceUrl: (v) => `https://pypi.org/project/niquests/${v['niquests']}/`,
  },
  pyreqwest: {
    recordName: 'python-pyreqwest',
    packageName: () => 'pyreqwest',
    description:
      "pyreqwest's async Client (optional contender): Rust reqwest/hyper on a Tokio runtime, max_connections in-flight requests, one client for all requests",
    version: (v) => v['pyreqwest'] ?? 'unknown',
    sourceUrl: (v) => `https://pypi.org/project/pyreqwest/${v['pyreqwest']}/`,
  },
  curl_cffi: {
    recordName: 'python-curl_cffi',
    packageName: () => 'curl_cffi',
    description:
      "curl_cffi.requests.AsyncSession (optional contender): libcurl's multi interface, max_clients curl handles, one session for all requests",
    version: (v) => v['curl-cffi'] ?? 'unknown',
    sourceUrl: (v) => `https://pypi.org/project/curl-cffi/${v['curl-cffi']}/`,
  },
};

/**
 * One foreign-client measurement. Like BenchOptions; the phase method runs a closed loop only, the steady-state
 * method (runInterleaved) also an open loop. Pool switches: `maxConnections` and `maxKeepaliveConnections` (httpx
 * only: aiohttp has no keep-alive count), each null or absent for the library's default; `connections: N` is the
 * older shorthand for a pool of N reusable connections (both set to N).
 */
export interface ForeignBenchOptions {
  client: string;
  /** The client set (python-sets.ts) whose environment runs the client; absent or null: the interpreter found. */
  set?: string | null;
  loop?: ForeignLoop;
  maxConnections?: number | null;
  maxKeepaliveConnections?: number | null;
  /**
   * httpx only: the pool's keepalive_expiry in seconds (stated after seed-894dfcb9, its second reader's finding 2: the
   * 50 ms arms' batches outlived httpx's 5 s default). Absent or null: the library's default. The effective value is read
   * back from the live pool into the client's settings (`httpx.keepalive_expiry_s`).
   */
  keepaliveExpiryS?: number | null;
  /**
   * httpx and httpx-aiohttp (the published transport): true runs the client with its default timeouts except the pool
   * wait, which is unbounded (`Timeout(connect, read, write, pool=None)`), as aiohttp's connector waits by default. The
   * published transport maps httpx's Timeout onto aiohttp's per request (pool → connect, connect → sock_connect), so
   * there the wait for a pooled connection is unbounded and the socket connect keeps httpx's connect bound, like for
   * like. Absent or false: the library's default pool wait. The effective timeouts are read back into the client's
   * settings (`httpx.timeout_s`, and the transport's per-request `aiohttp.request_timeout_s`).
   */
  unboundedPoolWait?: boolean;
  /**
   * httpx only: true makes every anyio lock of httpcore's AsyncLock with `fast_acquire=True` (no event-loop yield on an
   * uncontended acquire), the one change of pydantic/httpx2#970 to httpcore's locks, applied to the set's own httpcore.
   * Needs anyio 4.5 or later (the worker refuses otherwise). The effective value is read back into the client's settings
   * (`httpcore.AsyncLock.fast_acquire`). Absent or false: the library's own locks.
   */
  fastAcquire?: boolean;
  /**
   * The steady-state method only (runInterleaved): a window is cut only at a boundary where at least this many requests
   * ended in it (answered or failed); otherwise it runs on to the next boundary, so a window is a whole multiple of
   * windowMs and its recorded duration is its real length. Absent or 0: every boundary cuts. For clients that complete
   * requests in bursts (httpcore 1.0.x at 512 lanes), so a window is never a handful of requests. Recorded in the
   * client block (`minWindowRequests`). The Python worker cuts windows this way; Node clients refuse it.
   */
  minWindowRequests?: number;
  /**
   * The phase method only: run batches past `trials` until at least `minStartedAfter` have started `marginS` s after
   * httpx's keepalive_expiry, capped at `maxTrials` batches or `maxSeconds` s of batches (GatherUntil; stated after
   * seed-e65a2755). The worker records how many ran and why it stopped (settings `gatherUntil`). Absent: `trials`.
   */
  gatherUntil?: GatherUntil;
  mode?: 'closed' | 'open';
  rateRps?: number;
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

/** What a foreign measurement adds to ResolvedBenchOptions; recorded in the client block, not in `params`. */
export interface ForeignSwitches {
  set: string | null;
  loop: ForeignLoop;
  /** Requested (null: the library's default); the effective value is in the client's settings. */
  maxKeepaliveConnections: number | null;
  /** httpx: keepalive_expiry in seconds as requested (null: the library's default); the effective one is in the settings. */
  keepaliveExpiryS: number | null;
  /** httpx and httpx-aiohttp: the pool wait unbounded (pool=None); the effective timeouts are in the client's settings. */
  unboundedPoolWait: boolean;
  /** httpx: httpcore's AsyncLock made with anyio's fast_acquire=True; the effective value is in the client's settings. */
  fastAcquire: boolean;
  /** Steady-state windows are cut only where at least this many requests ended in them (0: every boundary). */
  minWindowRequests: number;
  /** The phase method: batches run past `trials` until the warm-up rule is met (GatherUntil); absent: `trials`. */
  gatherUntil?: GatherUntil;
}

/** `clientOptions.connections` holds maxConnections (null: the library's default). */
export interface ResolvedForeignOptions extends Omit<ResolvedBenchOptions, 'client'> {
  client: ForeignClientName;
  language: 'python';
  foreign: ForeignSwitches;
}

/** A bench record whose client is a foreign one (its block adds language, set, loop, interpreter and versions). */
export type ForeignBenchRecord = BenchRecord & { client: ForeignClientBlock };

export const isForeignOptions = (o: ResolvedBenchOptions | ResolvedForeignOptions): o is ResolvedForeignOptions =>
  'language' in o && o.language === 'python';

const FOREIGN_KEYS = new Set<string>([
  'client',
  'set',
  'loop',
  'maxConnections',
  'maxKeepaliveConnections',
  'keepaliveExpiryS',
  'unboundedPoolWait',
  'fastAcquire',
  'minWindowRequests',
  'gatherUntil',
  'mode',
  'rateRps',
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

/** A set name as python-sets.ts spells them ('2022', 'as-reported', 'latest', 'httpx2'). */
const SET_NAME = /^[a-z0-9][a-z0-9.-]*$/;

function poolSize(field: string, value: unknown, min: number): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > LIMITS.maxConcurrency)
    throw new UsageError(field, value, `expected null or an integer from ${min} to ${LIMITS.maxConcurrency}`);
  return value;
}

/** Validate a foreign measurement like any other (a UsageError names the field and value). */
export function resolveForeignOptions(input: ForeignBenchOptions): ResolvedForeignOptions {
  if (!isForeignClientName(input.client))
    throw new UsageError('client', input.client, `expected one of ${FOREIGN_CLIENTS.join(', ')}`);
  for (const [key, value] of Object.entries(input)) {
    if (!FOREIGN_KEYS.has(key)) throw new UsageError(key, value, 'not supported for foreign clients');
  }
  const {
    client,
    label,
    set,
    loop,
    maxConnections,
    maxKeepaliveConnections,
    keepaliveExpiryS,
    connections,
    unboundedPoolWait,
    fastAcquire,
    minWindowRequests,
    gatherUntil,
    ...rest
  } = input;
  const until = gatherUntilOf(gatherUntil, rest.trials);
  if (fastAcquire !== undefined && typeof fastAcquire !== 'boolean')
    throw new UsageError('fastAcquire', fastAcquire, 'expected true or false');
  if (fastAcquire === true && client !== 'httpx')
    throw new UsageError(
      'fastAcquire',
      fastAcquire,
      `only httpx takes it (it changes httpcore's AsyncLock; ${client} does not run on httpcore's locks)`,
    );
  if (
    keepaliveExpiryS !== undefined &&
    keepaliveExpiryS !== null &&
    (typeof keepaliveExpiryS !== 'number' ||
      !Number.isFinite(keepaliveExpiryS) ||
      keepaliveExpiryS <= 0 ||
      keepaliveExpiryS > 3600)
  )
    throw new UsageError(
      'keepaliveExpiryS',
      keepaliveExpiryS,
      'expected null or a number of seconds above 0, at most 3600',
    );
  if (keepaliveExpiryS !== undefined && keepaliveExpiryS !== null && client !== 'httpx')
    throw new UsageError(
      'keepaliveExpiryS',
      keepaliveExpiryS,
      `only httpx takes a keepalive_expiry (${client} closes idle connections under its own rules)`,
    );
  if (unboundedPoolWait !== undefined && typeof unboundedPoolWait !== 'boolean')
    throw new UsageError('unboundedPoolWait', unboundedPoolWait, 'expected true or false');
  if (unboundedPoolWait === true && client !== 'httpx' && client !== 'httpx-aiohttp')
    throw new UsageError(
      'unboundedPoolWait',
      unboundedPoolWait,
      isContenderClient(client)
        ? `only httpx and httpx-aiohttp take httpx's Timeout(pool=None) (${client} waits for a connection under its own rules; its effective settings are recorded)`
        : `only httpx and httpx-aiohttp take httpx's Timeout(pool=None) (${client}'s requests wait on aiohttp's connector under aiohttp's own timeouts)`,
    );
  if (
    minWindowRequests !== undefined &&
    (typeof minWindowRequests !== 'number' ||
      !Number.isInteger(minWindowRequests) ||
      minWindowRequests < 0 ||
      minWindowRequests > LIMITS.maxRequests)
  )
    throw new UsageError('minWindowRequests', minWindowRequests, `expected an integer from 0 to ${LIMITS.maxRequests}`);
  if (set !== undefined && set !== null && (typeof set !== 'string' || !SET_NAME.test(set)))
    throw new UsageError('set', set, 'expected a client set name such as latest, or null');
  const loopName = loop ?? 'asyncio';
  if (!(FOREIGN_LOOPS as readonly string[]).includes(loopName))
    throw new UsageError('loop', loop, `expected one of ${FOREIGN_LOOPS.join(', ')}`);
  if (connections !== undefined && (maxConnections !== undefined || maxKeepaliveConnections !== undefined))
    throw new UsageError(
      'connections',
      connections,
      'give maxConnections and maxKeepaliveConnections, or connections (both set to it), not both',
    );
  let max = poolSize('maxConnections', maxConnections, 1);
  let keepalive = poolSize('maxKeepaliveConnections', maxKeepaliveConnections, 0);
  if (keepalive !== null && client !== 'httpx')
    throw new UsageError(
      'maxKeepaliveConnections',
      keepalive,
      isContenderClient(client)
        ? `only httpx takes a keep-alive count (${client} runs with its own keep-alive rules; the lab maps only maxConnections onto it)`
        : `only httpx has a keep-alive count limit (${client} keeps every connection it opens up to maxConnections)`,
    );
  if (connections !== undefined) {
    max = poolSize('connections', connections, 1);
    if (client === 'httpx') keepalive = max;
  }
  // The shared validation (load, trials, target); 'undici-request' stands in only because it accepts every option.
  const resolved = resolveBenchOptions({
    ...rest,
    client: 'undici-request',
    connections: max,
    label: label ?? (set ? `${client}@${set}` : client),
  });
  return {
    ...resolved,
    client,
    language: 'python',
    foreign: {
      set: set ?? null,
      loop: loopName === 'uvloop' ? 'uvloop' : 'asyncio',
      maxKeepaliveConnections: keepalive,
      keepaliveExpiryS: keepaliveExpiryS ?? null,
      unboundedPoolWait: unboundedPoolWait === true,
      fastAcquire: fastAcquire === true,
      minWindowRequests: minWindowRequests ?? 0,
      ...(until ? { gatherUntil: until } : {}),
    },
  };
}

/**
 * A GatherUntil as given, checked (a UsageError names what is wrong): whole numbers of batches from 1 (`maxTrials`
 * at least `trials`, so the cap never cuts the planned count), seconds finite, `maxSeconds` above 0; undefined when
 * absent.
 */
function gatherUntilOf(value: unknown, trials: number | undefined): GatherUntil | undefined {
  if (value === undefined) return undefined;
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const keys = ['minStartedAfter', 'marginS', 'maxTrials', 'maxSeconds'];
  const whole = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 1;
  const seconds = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  const { minStartedAfter, marginS, maxTrials, maxSeconds } = v;
  if (
    typeof value !== 'object' ||
    value === null ||
    Object.keys(v).some((k) => !keys.includes(k)) ||
    !whole(minStartedAfter) ||
    !whole(maxTrials) ||
    !seconds(marginS) ||
    !seconds(maxSeconds) ||
    maxSeconds <= 0 ||
    maxTrials < (trials ?? 1)
  )
    throw new UsageError(
      'gatherUntil',
      value,
      'expected { minStartedAfter, maxTrials: integers from 1 (maxTrials at least trials), marginS: seconds from 0, maxSeconds: seconds above 0 }',
    );
  return { minStartedAfter, marginS, maxTrials, maxSeconds };
}

/** Any measurement, Node or foreign, resolved by its client name. */
/**
 * The Python worker's own switches, refused for a Node client rather than ignored: the Node worker cuts its windows on
 * every boundary (no request minimum) and has no pool-wait timeout to unbound.
 */
const PYTHON_ONLY_KEYS = ['unboundedPoolWait', 'fastAcquire', 'minWindowRequests', 'gatherUntil'] as const;

export function resolveMeasurementOptions(
  input: BenchOptions | ForeignBenchOptions,
): ResolvedBenchOptions | ResolvedForeignOptions {
  if (isForeignClientName(input.client)) return resolveForeignOptions(input);
  for (const key of PYTHON_ONLY_KEYS) {
    const value: unknown = Reflect.get(input, key);
    if (value !== undefined)
      throw new UsageError(
        key,
        value,
        `only foreign (Python) clients take ${key}; ${input.client} runs in the Node worker, which does not support it`,
      );
  }
  return resolveBenchOptions(input);
}

/** The record's `params`: the resolved options without the foreign switches (those are in the client block). */
/**
 * The record's params of a measurement. `clientOptions.maxRedirects` is left out: the params schema predates it (a
 * closed object), and the live value the client ran with is in `client.settings.maxRedirects`.
 */
export function paramsOf(options: ResolvedBenchOptions | ResolvedForeignOptions): BenchParams {
  const { maxRedirects: _redirects, ...clientOptions } = options.clientOptions;
  if (!isForeignOptions(options)) return { ...options, clientOptions };
  const { foreign: _foreign, ...params } = options;
  return { ...params, clientOptions };
}

// ---------------------------------------------------------------------------------------------------------------
// Which Python

export type ForeignPythonSource = 'set' | 'CASEBOOK_SEED_PYTHON' | 'recorded' | 'system' | 'PATH';

/** What `casebook_foreign_worker.py --probe` reports about an interpreter. */
export interface ForeignProbe {
  versions: ForeignVersions;
  interpreter: NonNullable<ForeignClientBlock['interpreter']>;
  /** Per client and per loop: null when it imports, else why not. */
  clients: Record<string, string | null>;
  loops: Record<string, string | null>;
}

export type ForeignAvailability =
  | {
      available: true;
      python: string;
      source: ForeignPythonSource;
      set: string | null;
      versions: ForeignVersions;
      probe: ForeignProbe;
    }
  | { available: false; reason: string; tried: string[] };

export type ForeignAvailable = Extract<ForeignAvailability, { available: true }>;

export const FOREIGN_WORKER_SCRIPT = path.join(__dirname, '..', 'python', 'casebook_foreign_worker.py');

/** A probe that has not answered in this long is a broken interpreter (it imports every client library). */
const PROBE_TIMEOUT_MS = 30_000;

type ProbeOutcome = { ok: true; probe: ForeignProbe } | { ok: false; error: string };

const isStringMap = (x: unknown): x is Record<string, string | null> =>
  typeof x === 'object' && x !== null && Object.values(x).every((v) => v === null || typeof v === 'string');

const isInterpreter = (x: unknown): x is ForeignProbe['interpreter'] =>
  typeof x === 'object' &&
  x !== null &&
  'version' in x &&
  typeof x.version === 'string' &&
  'implementation' in x &&
  typeof x.implementation === 'string' &&
  'build' in x &&
  typeof x.build === 'string' &&
  'compiler' in x &&
  typeof x.compiler === 'string' &&
  'freeThreaded' in x &&
  typeof x.freeThreaded === 'boolean';

/** Read the probe's JSON line (exported for tests: no process involved). */
export function parseProbe(line: string): ProbeOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, error: `probe printed no JSON: ${line.slice(-300)}` };
  }
  if (typeof parsed !== 'object' || parsed === null) return { ok: false, error: 'probe printed no object' };
  const message: object = parsed;
  const field = (key: string): unknown => (key in message ? Reflect.get(message, key) : undefined);
  const [versions, interpreter, clients, loops] = ['versions', 'interpreter', 'clients', 'loops'].map(field);
  if (!isStringMap(versions) || !isInterpreter(interpreter) || !isStringMap(clients) || !isStringMap(loops))
    return { ok: false, error: `probe output not understood: ${line.slice(0, 300)}` };
  return { ok: true, probe: { versions, interpreter, clients, loops } };
}

const probeCache = new Map<string, ProbeOutcome>();

function probe(python: string): ProbeOutcome {
  const cached = probeCache.get(python);
  if (cached) return cached;
  const r = spawnSync(python, [FOREIGN_WORKER_SCRIPT, '--probe'], { encoding: 'utf8', timeout: PROBE_TIMEOUT_MS });
  const out: ProbeOutcome = r.error
    ? { ok: false, error: r.error.message }
    : r.stdout.trim() === ''
      ? { ok: false, error: `exit ${r.status}: ${r.stderr.trim().slice(-300)}` }
      : parseProbe(r.stdout.trim().split('\n').pop() ?? '');
  probeCache.set(python, out);
  return out;
}

function recordedPython(root: string): string | undefined {
  try {
    const state: unknown = JSON.parse(fs.readFileSync(path.join(root, '.jupyter', 'casebook-python.json'), 'utf8'));
    const python = typeof state === 'object' && state !== null && 'python' in state ? state.python : undefined;
    return typeof python === 'string' && fs.existsSync(python) ? python : undefined;
  } catch {
    return undefined;
  }
}

/** Without a set: a Python that imports both httpx and aiohttp, as before client sets existed. */
function legacyAvailability(env: NodeJS.ProcessEnv): ForeignAvailability {
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
    const missing = r.ok ? [r.probe.clients['httpx'], r.probe.clients['aiohttp']].filter((x) => x !== null) : [];
    if (r.ok && missing.length === 0)
      return { available: true, python, source, set: null, versions: r.probe.versions, probe: r.probe };
    tried.push(`${python}: ${r.ok ? missing.join('; ') : r.error}`);
  }
  return {
    available: false,
    reason:
      'no Python that imports httpx and aiohttp was found (install python3-httpx and python3-aiohttp for ' +
      `/usr/bin/python3, run \`npm run bootstrap\`, or set CASEBOOK_SEED_PYTHON). Tried: ${tried.join('; ')}`,
    tried,
  };
}

/**
 * The interpreter for a measurement. With a set: that set's environment (python-sets.ts), or why it is skipped
 * (not built, does not fit this interpreter, offline). Without: $CASEBOOK_SEED_PYTHON when set (the only candidate),
 * else the one bootstrap recorded, /usr/bin/python3, python3 — the first that imports httpx and aiohttp.
 */
export function foreignAvailability(
  env: NodeJS.ProcessEnv = process.env,
  set: string | null = null,
): ForeignAvailability {
  if (set === null) return legacyAvailability(env);
  const s = pythonSet(set, env);
  if (s.status !== 'ready')
    return { available: false, reason: `client set ${set} is ${s.status}: ${s.reason}`, tried: [] };
  const r = probe(s.python);
  if (!r.ok)
    return { available: false, reason: `client set ${set}: ${s.python} --probe failed: ${r.error}`, tried: [] };
  return { available: true, python: s.python, source: 'set', set, versions: r.probe.versions, probe: r.probe };
}

/**
 * The interpreter that runs this measurement, checked before anything starts: the client and the loop must import
 * there. Throws CasebookError CASEBOOK_FOREIGN_UNAVAILABLE naming the set and what is missing.
 */
export function requireForeignPython(
  options: ResolvedForeignOptions,
  find: (set: string | null) => ForeignAvailability = (set) => foreignAvailability(process.env, set),
): ForeignAvailable {
  const py = find(options.foreign.set);
  if (!py.available) throw new CasebookError('CASEBOOK_FOREIGN_UNAVAILABLE', py.reason);
  const where = py.set ? `client set ${py.set} (${py.python})` : py.python;
  const clientMissing = py.probe.clients[options.client];
  if (clientMissing !== null)
    throw new CasebookError(
      'CASEBOOK_FOREIGN_UNAVAILABLE',
      `${options.client} does not import in ${where}: ${clientMissing ?? 'not reported by the probe'}`,
    );
  const loopMissing = py.probe.loops[options.foreign.loop];
  if (loopMissing !== null)
    throw new CasebookError(
      'CASEBOOK_FOREIGN_UNAVAILABLE',
      `loop ${options.foreign.loop} does not import in ${where}: ${loopMissing ?? 'not reported by the probe'}`,
    );
  return py;
}

// ---------------------------------------------------------------------------------------------------------------
// Worker messages and the record

/** The start message's client part (both methods). */
export function foreignClientStart(options: ResolvedForeignOptions, origin: string): ForeignClientStart {
  return {
    client: options.client,
    origin,
    maxConnections: options.clientOptions.connections,
    maxKeepaliveConnections: options.foreign.maxKeepaliveConnections,
    loop: options.foreign.loop,
    requestTimeoutMs: options.clientOptions.requestTimeoutMs,
    ...(options.foreign.keepaliveExpiryS !== null ? { keepaliveExpiryS: options.foreign.keepaliveExpiryS } : {}),
    ...(options.foreign.unboundedPoolWait ? { unboundedPoolWait: true } : {}),
    ...(options.foreign.fastAcquire ? { fastAcquire: true } : {}),
    load: options.load,
  };
}

/** Raw per-request latencies (µs) into the same HDR histogram Node clients fill. */
export function toPhaseResult(r: ForeignPhaseResult): PhaseResult {
  const { latenciesMicros, clientOpenSockets: _sockets, poolRetries: _retries, ...rest } = r;
  const h = createLatencyHistogram();
  for (const us of latenciesMicros) recordMicros(h, us);
  return { ...rest, histogram: encodeHistogram(h) };
}

/** Versions from the worker's `ready` message (what it imported), when it sent them. */
export const readyVersions = (m: Record<string, unknown>): ForeignVersions | null =>
  isStringMap(m['versions']) ? m['versions'] : null;

/** The client block of a foreign record: names and versions from the probe (or the worker's ready message). */
export function foreignClientBlock(
  options: ResolvedForeignOptions,
  py: ForeignAvailable,
  versions: ForeignVersions,
  settings: Record<string, unknown>,
): ForeignClientBlock {
  const info = FOREIGN_CLIENT_INFO[options.client];
  return {
    name: info.recordName,
    packageName: info.packageName(versions),
    version: info.version(versions),
    sourceUrl: info.sourceUrl(versions),
    settings,
    language: 'python',
    foreign: options.client,
    versions,
    python: py.python,
    set: py.set,
    loop: options.foreign.loop,
    interpreter: py.probe.interpreter,
    ...(options.client === 'httpx' ? { maxKeepaliveConnections: options.foreign.maxKeepaliveConnections } : {}),
    ...(options.foreign.fastAcquire ? { fastAcquire: true } : {}),
  };
}

/** The versions that go into the environment's clientVersions, as `python:<name>`. */
export function foreignEnvironmentVersions(versions: ForeignVersions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ENVIRONMENT_VERSION_KEYS) {
    const v = versions[key];
    if (typeof v === 'string') out[`python:${key}`] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The phase method

/**
 * Run one foreign-client measurement under the phase method: the Python worker (JSON lines on stdio) driven by the
 * same run driver as Node clients, against a fresh target. Throws CasebookError CASEBOOK_FOREIGN_UNAVAILABLE before
 * starting anything when the set (or, without one, any Python) cannot run this client and loop; otherwise always
 * resolves with a record (errored when a process dies) and leaves no child behind.
 */
export async function runForeignBench(
  input: ForeignBenchOptions | ResolvedForeignOptions,
  hooks: { onProgress?: (p: BenchProgress) => void; env?: NodeJS.ProcessEnv } = {},
): Promise<ForeignBenchRecord> {
  const options = 'load' in input ? input : resolveForeignOptions(input);
  if (options.load.mode !== 'closed')
    throw new UsageError('mode', options.load.mode, 'the phase method runs a closed loop; use runInterleaved');
  if (options.foreign.minWindowRequests > 0)
    throw new UsageError(
      'minWindowRequests',
      options.foreign.minWindowRequests,
      "the phase method has no windows; minWindowRequests applies to the steady-state method's (runInterleaved)",
    );
  const py = requireForeignPython(options, (set) => foreignAvailability(hooks.env, set));
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
        ...foreignClientStart(options, origin),
        warmupRequests: options.warmupRequests,
        trials: options.trials,
        ...(options.foreign.gatherUntil ? { gatherUntil: options.foreign.gatherUntil } : {}),
      },
    }),
    toPhaseResult,
    onReady: (m) => {
      versions = readyVersions(m) ?? versions;
    },
  });
  const client = foreignClientBlock(options, py, versions, measured.settings);
  return {
    ...benchRecord(measured, paramsOf(options), client, foreignEnvironmentVersions(versions)),
    client,
  };
}
