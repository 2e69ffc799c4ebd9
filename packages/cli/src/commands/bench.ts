import * as path from 'node:path';
import { createLiveLine } from '@casebook/charts';
import { type BenchRecord, findRepoRoot, resultsRoot, UsageError, writeRecord } from '@casebook/results';
import {
  BENCH_FLAGS,
  benchOptionsFromFlags,
  checkVersionChoice,
  formatFlags,
  parseArgs,
  resolveBenchOptions,
  runBench,
  versionChoiceFromFlags,
} from '@casebook/runner';
import { progressText } from '@casebook/study';
import { formatBenchSummary } from '../bench-summary';

const BENCH_USAGE = `usage: casebook bench --client <name> --concurrency <n> --requests <n> [options]

One measurement against a fresh local target: the client runs alone in its own process (pinned with taskset
where available), the target in another. Writes a record to results/local/bench/<run-id>.json (git-ignored),
or with --publish to results/bench/<run-id>.json (committed, listed in results/README.md).

Any row of a version matrix is one command: --node <version> runs the client on that Node and
--client-version <version> loads that version of its package, both exact, installed once from the npm
registry into .casebook/versions/ and reused offline. A version the adapter does not support, one npm does not
have, or a runtime the client cannot run on exits 2 with the reason, and nothing is written.

Bun's and Deno's global fetch are the clients bun-fetch and deno-fetch: their worker runs on that runtime, installed
from npm into the same store (--bun <version>, --deno <version>; default the pinned version). Bun admits 256 fetches
in flight per process unless BUN_CONFIG_MAX_HTTP_REQUESTS says otherwise: --bun-max-http-requests <n> sets it for the
worker, and the record states the value in effect (client.settings.bunMaxHttpRequests).

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
  const choice = versionChoiceFromFlags(flags);
  // The support table and version syntax first (no network): a refused version never starts a progress line.
  checkVersionChoice(options.client, choice, options.clientOptions);
  const versions = Object.values(choice).some((v) => v !== undefined) ? { versions: choice } : {};
  // Progress and its final line go to stderr: stdout carries only the result (one JSON document with --json).
  const line = createLiveLine(`bench ${options.client}`, { resultStream: process.stderr });
  const record: BenchRecord = await runBench(options, {
    onProgress: (p) => line.update(progressText(p)),
    ...versions,
  });
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
