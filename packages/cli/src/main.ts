import { CasebookError, UsageError } from '@casebook/results';
import { type FlagSpec, formatFlags, parseArgs } from '@casebook/runner';
import { benchCommand } from './commands/bench';
import { citeCommand } from './commands/cite';
import { compareCommand } from './commands/compare';
import { harnessOverheadCommand } from './commands/harness-overhead';
import { listCommand } from './commands/list';
import { indexCommand } from './commands/results-index';
import { runCommand } from './commands/run';
import { showCommand } from './commands/show';

const COMMON: FlagSpec = {
  json: { type: 'boolean', description: 'machine-readable output' },
  help: { type: 'boolean', description: 'show help' },
};
const RUN_FLAGS: FlagSpec = {
  profile: { type: 'string', description: 'smoke | standard (default) | full' },
  out: { type: 'string', description: 'write the executed notebook here instead of in place' },
  help: { type: 'boolean', description: 'show help' },
};

export const USAGE = `casebook — reproducible measurements of Node.js HTTP clients under concurrency

usage:
  casebook list [--json]                       case studies and clients
  casebook bench --client <name> --concurrency <n> --requests <n> [options]
                                               one measurement against a fresh local target (see bench --help)
  casebook run <case-study|all> [--profile smoke|standard|full] [--out <file>]
                                               execute a case-study notebook headless, write it and its results
  casebook show <record.json> [--json]         read a results record back
  casebook cite <run-id|record> [--format json] [--relative-to <dir>]
                                               paste-ready markdown citation of one run
  casebook compare <run-a> <run-b> [--allow-param-diff name,...] [--format json]
                                               is b faster, slower or no different from a (bootstrap CI over trials)
  casebook index [--write|--check]             generate (or check) results/README.md, the index of all records
  casebook harness-overhead [--json]           runner vs a bare loop, same client and target

exit codes: 0 success, 1 a run failed or errored, 2 bad usage (nothing is written)`;

export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      case 'list': {
        const { flags } = parseArgs(rest, COMMON);
        if (flags['help']) return help('usage: casebook list [--json]', COMMON);
        return listCommand(flags['json'] === true);
      }
      case 'bench':
        return await benchCommand(rest);
      case 'run': {
        const { positionals, flags } = parseArgs(rest, RUN_FLAGS);
        if (flags['help']) return help('usage: casebook run <case-study|all> [options]', RUN_FLAGS);
        const opts: { profile?: string; out?: string } = {};
        if (flags['profile'] !== undefined) opts.profile = flags['profile'] as string;
        if (flags['out'] !== undefined) opts.out = flags['out'] as string;
        return await runCommand(positionals, opts);
      }
      case 'show': {
        const { positionals, flags } = parseArgs(rest, COMMON);
        if (flags['help']) return help('usage: casebook show <record.json> [--json]', COMMON);
        return showCommand(positionals, flags['json'] === true);
      }
      case 'cite':
        return citeCommand(rest);
      case 'compare':
        return compareCommand(rest);
      case 'index':
        return indexCommand(rest);
      case 'harness-overhead':
        return await harnessOverheadCommand(rest);
      default:
        throw new UsageError(
          'command',
          command,
          'expected list, bench, run, show, cite, compare, index or harness-overhead; see --help',
        );
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`casebook: ${error.message}\n`);
      return 2;
    }
    if (error instanceof CasebookError && error.code.startsWith('CASEBOOK_RECORD')) {
      process.stderr.write(`casebook: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`casebook: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

function help(usage: string, spec: FlagSpec): number {
  process.stdout.write(`${usage}\n\n${formatFlags(spec)}\n`);
  return 0;
}
