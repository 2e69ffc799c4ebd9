import {
  compareRecords,
  comparisonMarkdown,
  DEFAULT_MIN_CHANGE,
  METRICS,
  type MetricSpec,
  resolveRecord,
} from '@casebook/citing';
import { UsageError } from '@casebook/results';
import { type FlagSpec, formatFlags, parseArgs } from '@casebook/runner';
import { outputFormat } from './cite';

export const COMPARE_FLAGS: FlagSpec = {
  'allow-param-diff': {
    type: 'string',
    description: 'comma-separated parameters allowed to differ (e.g. delay-ms, client, profile)',
  },
  'min-change': {
    type: 'number',
    description: `noise floor in percent: smaller changes are "no difference" (default ${DEFAULT_MIN_CHANGE * 100})`,
  },
  metric: { type: 'string', description: `comma-separated subset of ${METRICS.map((m) => m.id).join(', ')}` },
  format: { type: 'string', description: 'markdown (default) or json' },
  json: { type: 'boolean', description: 'same as --format json' },
  help: { type: 'boolean', description: 'show this help' },
};

export const COMPARE_USAGE = `usage: casebook compare <run-a> <run-b> [--allow-param-diff name,...] [--format markdown|json]

Is b really faster or slower than a? For each metric (throughput, p50, p99, client CPU per request) and each
measurement (case-study runs are matched by label): both medians over trials, the ratio b/a with a bootstrap
confidence interval over trials, and a verdict. Refuses runs measured with different parameters unless allowed,
and lists the environment fields that differ.

${formatFlags(COMPARE_FLAGS)}`;

const list = (v: unknown): string[] =>
  typeof v === 'string'
    ? v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
    : [];

export function compareCommand(argv: readonly string[]): number {
  const { positionals, flags } = parseArgs(argv, COMPARE_FLAGS);
  if (flags['help']) {
    process.stdout.write(`${COMPARE_USAGE}\n`);
    return 0;
  }
  const format = outputFormat(flags);
  if (positionals.length !== 2)
    throw new UsageError('runs', positionals, 'usage: casebook compare <run-a> <run-b> (two run ids or record paths)');
  const minChangePct = (flags['min-change'] as number | undefined) ?? DEFAULT_MIN_CHANGE * 100;
  if (minChangePct < 0 || minChangePct >= 100)
    throw new UsageError('--min-change', minChangePct, 'expected a percentage from 0 to below 100');
  const metrics = list(flags['metric']);
  for (const m of metrics)
    if (!METRICS.some((x) => x.id === m))
      throw new UsageError('--metric', m, `expected one of ${METRICS.map((x) => x.id).join(', ')}`);
  const a = resolveRecord(positionals[0] as string);
  const b = resolveRecord(positionals[1] as string);
  const comparison = compareRecords(a, b, {
    allowParamDiff: list(flags['allow-param-diff']),
    minChange: minChangePct / 100,
    ...(metrics.length > 0 ? { metrics: metrics as MetricSpec['id'][] } : {}),
  });
  process.stdout.write(format === 'json' ? `${JSON.stringify(comparison, null, 2)}\n` : comparisonMarkdown(comparison));
  return 0;
}
