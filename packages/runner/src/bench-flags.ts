import type { FlagSpec, FlagValues } from './flags';
import type { BenchOptions } from './options';

/** The `casebook bench` flags: one place, so the CLI and the citation's rerun command cannot drift apart. */
export const BENCH_FLAGS: FlagSpec = {
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
  json: { type: 'boolean', description: 'print the run record as JSON on stdout' },
  save: { type: 'boolean', description: 'write the record under results/bench/ (default true; --no-save)' },
  help: { type: 'boolean', description: 'show this help' },
};

/** Map CLI flags to bench options; validation (with field names) happens in resolveBenchOptions. */
export function benchOptionsFromFlags(flags: FlagValues): BenchOptions {
  const o: BenchOptions = { client: flags['client'] as string };
  const num = (k: string) => flags[k] as number | undefined;
  if (num('concurrency') !== undefined) o.concurrency = num('concurrency') as number;
  if (num('requests') !== undefined) o.requests = num('requests') as number;
  if (num('duration-ms') !== undefined) o.durationMs = num('duration-ms') as number;
  if (flags['mode'] !== undefined) o.mode = flags['mode'] as 'closed' | 'open';
  if (num('rate') !== undefined) o.rateRps = num('rate') as number;
  if (num('connections') !== undefined) o.connections = num('connections') as number;
  if (num('pipelining') !== undefined) o.pipelining = num('pipelining') as number;
  if (flags['keep-alive'] !== undefined) o.keepAlive = flags['keep-alive'] as boolean;
  if (num('delay-ms') !== undefined) o.delayMs = num('delay-ms') as number;
  if (num('body-bytes') !== undefined) o.bodyBytes = num('body-bytes') as number;
  if (num('trials') !== undefined) o.trials = num('trials') as number;
  if (num('warmup') !== undefined) o.warmupRequests = num('warmup') as number;
  return o;
}
