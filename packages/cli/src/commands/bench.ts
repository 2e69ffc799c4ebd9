import * as path from 'node:path';
import { createLiveLine } from '@casebook/charts';
import { findRepoRoot, resultsRoot, writeJsonAtomic } from '@casebook/results';
import {
  BENCH_FLAGS,
  type BenchRecord,
  benchOptionsFromFlags,
  formatFlags,
  parseArgs,
  resolveBenchOptions,
  runBench,
} from '@casebook/runner';
import { formatBenchSummary, progressText } from '@casebook/study';

export const BENCH_USAGE = `usage: casebook bench --client <name> --concurrency <n> --requests <n> [options]

One measurement against a fresh local target: the client runs alone in its own process (pinned with taskset
where available), the target in another. Writes a record to results/bench/<run-id>.json.

${formatFlags(BENCH_FLAGS)}`;

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
