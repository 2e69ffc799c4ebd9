import * as path from 'node:path';
import { createLiveLine } from '@casebook/charts';
import { findRepoRoot, resultsRoot, writeJsonAtomic } from '@casebook/results';
import { type BenchOptions, type BenchRecord, resolveBenchOptions, runBench } from '@casebook/runner';
import { type FlagSpec, type FlagValues, formatFlags, parseArgs } from '../args';
import { formatBenchSummary, progressText } from '../format';

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

export const BENCH_USAGE = `usage: casebook bench --client <name> --concurrency <n> --requests <n> [options]

One measurement against a fresh local target: the client runs alone in its own process (pinned with taskset
where available), the target in another. Writes a record to results/bench/<run-id>.json.

${formatFlags(BENCH_FLAGS)}`;

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

export async function benchCommand(argv: readonly string[]): Promise<number> {
  const { positionals, flags } = parseArgs(argv, BENCH_FLAGS);
  if (flags['help']) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) {
    const { UsageError } = await import('@casebook/results');
    throw new UsageError('argument', positionals[0], 'bench takes flags only');
  }
  if (flags['concurrency'] === undefined && flags['mode'] !== 'open') {
    const { UsageError } = await import('@casebook/results');
    throw new UsageError('concurrency', undefined, 'required: --concurrency <n>');
  }
  const options = resolveBenchOptions(benchOptionsFromFlags(flags));
  // Progress and its final line go to stderr: stdout carries only the result (one JSON document with --json).
  const line = createLiveLine(`bench ${options.client}`, { resultStream: process.stderr });
  const record: BenchRecord = await runBench(options, { onProgress: (p) => line.update(progressText(p)) });
  line.done(record.status);
  if (flags['save'] !== false) {
    const file = path.join(resultsRoot(findRepoRoot()), 'bench', `${record.runId}.json`);
    writeJsonAtomic(file, record);
    if (!flags['json']) process.stdout.write(`record: ${path.relative(process.cwd(), file)}\n`);
  }
  process.stdout.write(flags['json'] ? `${JSON.stringify(record, null, 2)}\n` : `${formatBenchSummary(record)}\n`);
  return record.status === 'completed' ? 0 : 1;
}
