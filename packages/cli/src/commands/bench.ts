import * as path from 'node:path';
import { createLiveLine } from '@casebook/charts';
import { type BenchRecord, findRepoRoot, resultsRoot, UsageError, writeRecord } from '@casebook/results';
import {
  BENCH_FLAGS,
  benchOptionsFromFlags,
  formatFlags,
  parseArgs,
  resolveBenchOptions,
  runBench,
} from '@casebook/runner';
import { progressText } from '@casebook/study';
import { formatBenchSummary } from '../bench-summary';

const BENCH_USAGE = `usage: casebook bench --client <name> --concurrency <n> --requests <n> [options]

One measurement against a fresh local target: the client runs alone in its own process (pinned with taskset
where available), the target in another. Writes a record to results/local/bench/<run-id>.json (git-ignored),
or with --publish to results/bench/<run-id>.json (committed, listed in results/README.md).

${formatFlags(BENCH_FLAGS)}`;

export async function benchCommand(argv: readonly string[]): Promise<number> {
  const { positionals, flags } = parseArgs(argv, BENCH_FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${BENCH_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('argument', positionals[0], 'bench takes flags only');
  if (flags.concurrency === undefined && flags.mode !== 'open')
    throw new UsageError('concurrency', undefined, 'required: --concurrency <n>');
  const options = resolveBenchOptions(benchOptionsFromFlags(flags));
  // Progress and its final line go to stderr: stdout carries only the result (one JSON document with --json).
  const line = createLiveLine(`bench ${options.client}`, { resultStream: process.stderr });
  const record: BenchRecord = await runBench(options, { onProgress: (p) => line.update(progressText(p)) });
  line.done(record.status);
  if (flags.save !== false) {
    const root = resultsRoot(findRepoRoot(), flags.publish === true ? 'publish' : 'local');
    const file = path.join(root, 'bench', `${record.runId}.json`);
    writeRecord(file, record);
    if (flags.json !== true) process.stdout.write(`record: ${path.relative(process.cwd(), file)}\n`);
  }
  process.stdout.write(
    flags.json === true ? `${JSON.stringify(record, null, 2)}\n` : `${formatBenchSummary(record)}\n`,
  );
  return record.status === 'completed' ? 0 : 1;
}
