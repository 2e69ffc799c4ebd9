import { CasebookError, UsageError } from '@casebook/results';
import { type FlagSpec, formatFlags, parseArgs } from '@casebook/runner';
import { benchCommand } from './commands/bench';
import { bisectCommand } from './commands/bisect';
import { citeCommand } from './commands/cite';
import { compareCommand } from './commands/compare';
import { harnessOverheadCommand } from './commands/harness-overhead';
import { listCommand } from './commands/list';
import { matrixCommand } from './commands/matrix';
import { mergeCommand } from './commands/merge';
import { reproduceCommand } from './commands/reproduce';
import { indexCommand } from './commands/results-index';
import { runCommand } from './commands/run';
import { showCommand } from './commands/show';
import { siteCommand } from './commands/site';

const COMMON = {
  json: { type: 'boolean', description: 'machine-readable output' },
  help: { type: 'boolean', description: 'show help' },
} as const satisfies FlagSpec;

export const USAGE = `casebook — reproducible measurements of Node.js HTTP clients under concurrency

usage:
  casebook list [--json]                       case studies and clients
  casebook bench --client <name> --concurrency <n> --requests <n> [options]
                                               one measurement against a fresh local target (see bench --help)
  casebook matrix --clients <a,b> [--nodes <v,…>] [--client-versions <v,…>] [--plan | --cell <id>] [bench options]
                                               one scenario across clients × Node versions × client versions
  casebook merge <folder…> [--mix-machines]    one matrix table from the records of several folders or machines
  casebook bisect --package <undici|got|axios|node> --good <v> --bad <v> [--metric m] [--profile smoke|standard]
                  [--dry-run] [bench options]
                                               where between two releases of one line a metric moved (see bisect --help)
  casebook run <case-study|all> [--profile smoke|standard|full] [--out <file>] [--publish]
                                               execute a case-study notebook headless, write it and its results
  casebook show <run-id|record.json> [--json]  read a results record back
  casebook cite <run-id|record> [--format json] [--relative-to <dir>]
                                               paste-ready markdown citation of one run
  casebook compare <run-a> <run-b> [--allow-param-diff name,...] [--format json]
                                               is b faster, slower or no different from a (bootstrap CI over trials)
  casebook reproduce <run-id|record|cite link> [--publish] [--dry-run]
                                               rerun a cited case-study run here: which claims reproduced, drift, environment
  casebook site [--out <dir>] [--link-base <url>]
                                               build the static results site (site/) from the committed records
  casebook index [--write|--check]             generate (or check) results/README.md, the index of all records
  casebook harness-overhead [--json]           runner vs a bare loop, same client and target

Runs are written under results/local/ (git-ignored); --publish writes them under results/ (committed).

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
        if (flags.help === true) return help('usage: casebook list [--json]', COMMON);
        return listCommand(flags.json === true);
      }
      case 'bench':
        return await benchCommand(rest);
      case 'run':
        return await runCommand(rest);
      case 'matrix':
        return await matrixCommand(rest);
      case 'merge':
        return mergeCommand(rest);
      case 'bisect':
        return await bisectCommand(rest);
      case 'show': {
        const { positionals, flags } = parseArgs(rest, COMMON);
        if (flags.help === true) return help('usage: casebook show <run-id | record.json> [--json]', COMMON);
        return showCommand(positionals, flags.json === true);
      }
      case 'cite':
        return citeCommand(rest);
      case 'compare':
        return compareCommand(rest);
      case 'reproduce':
        return await reproduceCommand(rest);
      case 'site':
        return siteCommand(rest);
      case 'index':
        return indexCommand(rest);
      case 'harness-overhead':
        return await harnessOverheadCommand(rest);
      default:
        throw new UsageError(
          'command',
          command,
          'expected list, bench, matrix, merge, bisect, run, show, cite, compare, reproduce, site, index or harness-overhead; see --help',
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
