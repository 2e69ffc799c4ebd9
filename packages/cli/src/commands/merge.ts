import { formatMatrixTable, loadMatrixRuns, matrixTable } from '@casebook/citing';
import { UsageError } from '@casebook/results';
import { type FlagSpec, formatFlags, parseArgs } from '@casebook/runner';

const MERGE_FLAGS = {
  'mix-machines': {
    type: 'boolean',
    description: 'compute ratios between cells measured on different machines (refused by default)',
  },
  json: { type: 'boolean', description: 'print the table as JSON' },
  help: { type: 'boolean', description: 'show this help' },
} as const satisfies FlagSpec;

const MERGE_USAGE = `usage: casebook merge <folder> [<folder>…] [--mix-machines] [--json]

Combine the records of \`casebook matrix\` runs (one folder per job or machine) into one table. Each record keeps its
machine's fingerprint (environment.machineId); a row whose cells come from different machines is refused unless
--mix-machines.

${formatFlags(MERGE_FLAGS)}`;

export function mergeCommand(argv: readonly string[]): number {
  const { positionals, flags } = parseArgs(argv, MERGE_FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${MERGE_USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('folder', undefined, 'required: one or more results folders');
  const runs = loadMatrixRuns(positionals);
  if (runs.length === 0) throw new UsageError('folder', positionals.join(' '), 'no matrix records found there');
  const t = matrixTable(runs, { mixMachines: flags['mix-machines'] === true });
  process.stdout.write(flags.json === true ? `${JSON.stringify(t, null, 2)}\n` : `${formatMatrixTable(t)}\n`);
  return 0;
}
