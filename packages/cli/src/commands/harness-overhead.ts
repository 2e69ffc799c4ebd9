import * as path from 'node:path';
import { createLiveLine } from '@casebook/charts';
import {
  findRepoRoot,
  type HarnessOverheadRecord,
  newRunId,
  resultsRoot,
  SCHEMA_VERSION,
  UsageError,
  writeRecord,
} from '@casebook/results';
import { type FlagSpec, formatFlags, parseArgs, resolveBenchOptions, runBench } from '@casebook/runner';
import { startTarget } from '@casebook/servers';
import { median, summarize } from '@casebook/stats';

const FLAGS = {
  client: { type: 'string', description: 'client (default undici-dispatch, the fastest)' },
  concurrency: { type: 'int', description: 'requests in flight (default 128)' },
  requests: { type: 'int', description: 'requests per round (default 100000)' },
  rounds: { type: 'int', description: 'alternating rounds of runner vs bare loop (default 7)' },
  json: { type: 'boolean', description: 'print the record as JSON' },
  publish: {
    type: 'boolean',
    description: 'write under results/harness-overhead/ (committed) instead of results/local/harness-overhead/',
  },
  help: { type: 'boolean', description: 'show help' },
} as const satisfies FlagSpec;

/** Rounds alternate runner and bare loop; 7 gives a median that one disturbed round cannot move. */
const DEFAULT_ROUNDS = 7;
/** The requirement the record checks: the runner keeps at least 97% of a bare loop's throughput. */
const MIN_RATIO = 0.97;

/**
 * Harness overhead: the same client, target, concurrency and process placement, driven once by the full runner
 * (timing, HDR histogram, counters) and once by a bare loop that only counts — alternated so drift hits both.
 */
export async function harnessOverheadCommand(argv: readonly string[]): Promise<number> {
  const { positionals, flags } = parseArgs(argv, FLAGS);
  if (flags.help === true) {
    process.stdout.write(`usage: casebook harness-overhead [options]\n\n${formatFlags(FLAGS)}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('argument', positionals[0], 'harness-overhead takes flags only');
  const rounds = flags.rounds ?? DEFAULT_ROUNDS;
  if (rounds < 1) throw new UsageError('--rounds', rounds, 'expected at least 1');
  const options = resolveBenchOptions({
    client: flags.client ?? 'undici-dispatch',
    concurrency: flags.concurrency ?? 128,
    requests: flags.requests ?? 100_000,
    trials: 1,
    warmupRequests: 5000,
    caseStudy: 'harness-overhead',
  });
  const target = await startTarget(options.target);
  const line = createLiveLine('harness overhead', { resultStream: process.stderr });
  const runner: number[] = [];
  const bare: number[] = [];
  const runnerCpu: number[] = [];
  const bareCpu: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      for (const mode of i % 2 === 0 ? (['full', 'bare'] as const) : (['bare', 'full'] as const)) {
        line.update(`round ${i + 1}/${rounds}: ${mode === 'full' ? 'runner' : 'bare loop'}`);
        const r = await runBench(options, { target, instrumentation: mode });
        if (r.status !== 'completed' || r.errors.total > 0)
          throw new Error(`${mode} round failed: ${JSON.stringify(r.error ?? r.errors)}`);
        const trial = r.trials[0];
        if (!trial) throw new Error('no trial measured');
        (mode === 'full' ? runner : bare).push(trial.ok / (trial.durationMs / 1000));
        (mode === 'full' ? runnerCpu : bareCpu).push((trial.cpuUserMicros + trial.cpuSystemMicros) / trial.sent);
      }
    }
  } finally {
    await target.close();
  }
  const ratio = median(runner) / median(bare);
  line.done(`${rounds} rounds`);
  const record: HarnessOverheadRecord = {
    schemaVersion: SCHEMA_VERSION,
    kind: 'harness-overhead',
    runId: newRunId('harness-overhead'),
    createdAt: new Date().toISOString(),
    params: options,
    runnerRps: summarize(runner),
    bareLoopRps: summarize(bare),
    ratio,
    requirement: `ratio ≥ ${MIN_RATIO}`,
    meetsRequirement: ratio >= MIN_RATIO,
    runnerCpuMicrosPerRequest: summarize(runnerCpu),
    bareLoopCpuMicrosPerRequest: summarize(bareCpu),
    /** Extra client CPU per request the runner's bookkeeping costs (less noisy than throughput). */
    cpuOverheadRatio: median(runnerCpu) / median(bareCpu),
    rawRunnerRps: runner,
    rawBareLoopRps: bare,
  };
  const root = resultsRoot(findRepoRoot(), flags.publish === true ? 'publish' : 'local');
  const file = path.join(root, 'harness-overhead', `${record.runId}.json`);
  writeRecord(file, record);
  if (flags.json === true) process.stdout.write(`${JSON.stringify(record, null, 2)}\n`);
  else
    process.stdout.write(
      [
        `client ${options.client}, concurrency ${options.load.concurrency}, ${options.load.requests} requests × ${rounds} rounds`,
        `runner     median ${median(runner).toFixed(0)} req/s  (min ${Math.min(...runner).toFixed(0)}, max ${Math.max(...runner).toFixed(0)})`,
        `bare loop  median ${median(bare).toFixed(0)} req/s  (min ${Math.min(...bare).toFixed(0)}, max ${Math.max(...bare).toFixed(0)})`,
        `ratio runner / bare = ${ratio.toFixed(3)} (${ratio >= MIN_RATIO ? 'meets' : 'misses'} ≥ ${MIN_RATIO})`,
        `client CPU µs/request: runner ${median(runnerCpu).toFixed(2)}, bare ${median(bareCpu).toFixed(2)} (×${(median(runnerCpu) / median(bareCpu)).toFixed(3)})`,
        `record: ${path.relative(process.cwd(), file)}`,
      ].join('\n') + '\n',
    );
  return 0;
}
