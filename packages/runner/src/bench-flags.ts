import { UsageError } from '@casebook/results';
import type { FlagSpec, FlagValues } from './flags';
import type { BenchOptions } from './options';
import type { VersionChoice } from './version-choice';

/** The `casebook bench` flags: one place, so the CLI and the citation's rerun command cannot drift apart. */
export const BENCH_FLAGS = {
  client: { type: 'string', description: 'client to measure (see `casebook list`)' },
  concurrency: { type: 'int', description: 'requests in flight (closed loop)' },
  requests: { type: 'int', description: 'requests per trial' },
  'duration-ms': { type: 'number', description: 'trial length instead of --requests' },
  mode: { type: 'string', description: 'closed (default) or open (fixed arrival rate)' },
  rate: { type: 'number', description: 'arrival rate for --mode open, requests/s' },
  connections: { type: 'int', description: 'per-origin connection cap (default: the client default, unlimited)' },
  pipelining: { type: 'int', description: 'requests per connection in flight (undici only)' },
  'keep-alive': { type: 'boolean', description: 'reuse connections (default true; --no-keep-alive)' },
  'delay-ms': { type: 'number', description: 'target think-time before each response (default 0)' },
  'body-bytes': { type: 'int', description: 'response body size (default 64, at most 64 MiB)' },
  trials: { type: 'int', description: 'measured trials (default 3)' },
  warmup: { type: 'int', description: 'warm-up requests before the first trial' },
  node: {
    type: 'string',
    description: 'exact Node version to run the client on (version store: installed from npm once, then offline)',
  },
  'client-version': {
    type: 'string',
    description: "exact version of the client's package (undici, got, axios) to load, from the version store",
  },
  bun: {
    type: 'string',
    description: 'bun-fetch: exact Bun version to run it on (version store; default the pinned one)',
  },
  deno: {
    type: 'string',
    description: 'deno-fetch: exact Deno version to run it on (version store; default the pinned one)',
  },
  'bun-max-http-requests': {
    type: 'int',
    description: "bun-fetch: BUN_CONFIG_MAX_HTTP_REQUESTS, Bun's cap on fetches in flight per process (default 256)",
  },
  json: { type: 'boolean', description: 'print the run record as JSON on stdout' },
  save: { type: 'boolean', description: 'write the record (default true; --no-save)' },
  publish: {
    type: 'boolean',
    description: 'write it under results/bench/ (committed) instead of results/local/bench/ (git-ignored)',
  },
  help: { type: 'boolean', description: 'show this help' },
} as const satisfies FlagSpec;

const isMode = (mode: string): mode is NonNullable<BenchOptions['mode']> => mode === 'closed' || mode === 'open';

/** Map CLI flags to bench options; the ranges (with field names) are checked in resolveBenchOptions. */
export function benchOptionsFromFlags(flags: FlagValues<typeof BENCH_FLAGS>): BenchOptions {
  const { client, mode } = flags;
  if (client === undefined) throw new UsageError('client', client, 'required: --client <name> (see `casebook list`)');
  if (mode !== undefined && !isMode(mode)) throw new UsageError('--mode', mode, 'expected closed or open');
  const o: BenchOptions = { client };
  if (flags.concurrency !== undefined) o.concurrency = flags.concurrency;
  if (flags.requests !== undefined) o.requests = flags.requests;
  if (flags['duration-ms'] !== undefined) o.durationMs = flags['duration-ms'];
  if (mode !== undefined) o.mode = mode;
  if (flags.rate !== undefined) o.rateRps = flags.rate;
  if (flags.connections !== undefined) o.connections = flags.connections;
  if (flags.pipelining !== undefined) o.pipelining = flags.pipelining;
  if (flags['keep-alive'] !== undefined) o.keepAlive = flags['keep-alive'];
  if (flags['delay-ms'] !== undefined) o.delayMs = flags['delay-ms'];
  if (flags['body-bytes'] !== undefined) o.bodyBytes = flags['body-bytes'];
  if (flags.trials !== undefined) o.trials = flags.trials;
  if (flags.warmup !== undefined) o.warmupRequests = flags.warmup;
  return o;
}

/**
 * The runtime and client version flags (`--node`, `--client-version`, `--bun`, `--deno`, `--bun-max-http-requests`);
 * checked in resolveVersionChoice.
 */
export function versionChoiceFromFlags(flags: FlagValues<typeof BENCH_FLAGS>): VersionChoice {
  const choice: VersionChoice = {};
  if (flags.node !== undefined) choice.node = flags.node;
  if (flags['client-version'] !== undefined) choice.clientVersion = flags['client-version'];
  if (flags.bun !== undefined) choice.bun = flags.bun;
  if (flags.deno !== undefined) choice.deno = flags.deno;
  if (flags['bun-max-http-requests'] !== undefined) choice.bunMaxHttpRequests = flags['bun-max-http-requests'];
  return choice;
}
