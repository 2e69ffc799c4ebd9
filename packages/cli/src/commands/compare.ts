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

const COMPARE_FLAGS = {
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
} as const satisfies FlagSpec;

const COMPARE_USAGE = `usage: casebook compare <run-a> <run-b> [--allow-param-diff name,...] [--format markdown|json]

Is b really faster or slower than a? For each metric (throughput, p50, p99, client CPU per request) and each
measurement (case-study runs are matched by label): both medians over trials, the ratio b/a with a bootstrap
confidence interval over trials, and a verdict. Refuses runs measured with different parameters unless allowed,
and lists the environment fields that differ. Run ids are looked up in results/ first, then in results/local/.

${formatFlags(COMPARE_FLAGS)}`;

const list = (v: string | undefined): string[] =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

const isMetric = (id: string): id is MetricSpec['id'] => METRICS.some((m) => m.id === id);

export function compareCommand(argv: readonly string[]): number {
  const { positionals, flags } = parseArgs(argv, COMPARE_FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${COMPARE_USAGE}\n`);
    return 0;
  }
  const format = outputFormat(flags);
  const [refA, refB, ...extra] = positionals;
  if (refA === undefined || refB === undefined || extra.length > 0)
    throw new UsageError('runs', positionals, 'usage: casebook compare <run-a> <run-b> (two run ids or record paths)');
  const minChangePct = flags['min-change'] ?? DEFAULT_MIN_CHANGE * 100;
  if (minChangePct < 0 || minChangePct >= 100)
    throw new UsageError('--min-change', minChangePct, 'expected a percentage from 0 to below 100');
  const metrics: MetricSpec['id'][] = [];
  for (const m of list(flags.metric)) {
    if (!isMetric(m)) throw new UsageError('--metric', m, `expected one of ${METRICS.map((x) => x.id).join(', ')}`);
    metrics.push(m);
  }
  const comparison = compareRecords(resolveRecord(refA), resolveRecord(refB), {
    allowParamDiff: list(flags['allow-param-diff']),
    minChange: minChangePct / 100,
    ...(metrics.length > 0 ? { metrics } : {}),
  });
  process.stdout.write(format === 'json' ? `${JSON.stringify(comparison, null, 2)}\n` : comparisonMarkdown(comparison));
  return 0;
}
