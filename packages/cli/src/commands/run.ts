import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CASE_STUDIES,
  type CaseStudy,
  findCaseStudy,
  findRepoRoot,
  resolveProfile,
  UsageError,
} from '@casebook/results';
import { type FlagSpec, formatFlags, parseArgs } from '@casebook/runner';
import { runNotebook } from '../notebook';
import { formatElapsed, startRunProgress } from '../run-progress';

const RUN_FLAGS = {
  profile: { type: 'string', description: 'smoke | standard (default) | full' },
  out: { type: 'string', description: 'write the executed notebook here instead of in place' },
  publish: {
    type: 'boolean',
    description: 'write the run under results/ (committed) instead of results/local/ (git-ignored)',
  },
  help: { type: 'boolean', description: 'show help' },
} as const satisfies FlagSpec;

const RUN_USAGE = `usage: casebook run <case-study|all> [--profile smoke|standard|full] [--out <file>] [--publish]

Executes case-study notebooks headless with the profile injected after the \`parameters\` cell. The executed
notebook replaces the committed one (or goes to --out). The run's record lands under results/local/<id>/
(git-ignored), or with --publish under results/<id>/ (committed, listed in results/README.md).

${formatFlags(RUN_FLAGS)}`;

/**
 * The kernel learns where the Study writes from this variable; it is always set, so a value left in the caller's
 * environment cannot publish a run by accident.
 */
const PUBLISH_ENV = 'CASEBOOK_PUBLISH';

export async function runCommand(argv: readonly string[]): Promise<number> {
  const { positionals, flags } = parseArgs(argv, RUN_FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${RUN_USAGE}\n`);
    return 0;
  }
  const [name, ...extra] = positionals;
  if (name === undefined)
    throw new UsageError('case-study', name, 'usage: casebook run <case-study|all> [--profile smoke|standard|full]');
  if (extra.length > 0) throw new UsageError('argument', extra[0], 'run takes one case study');
  const profile = resolveProfile(flags.profile ?? 'standard');
  const studies: CaseStudy[] = name === 'all' ? [...CASE_STUDIES] : [findCaseStudy(name)];
  if (flags.out !== undefined && studies.length > 1)
    throw new UsageError('--out', flags.out, 'only with a single case study');
  const root = findRepoRoot();
  for (const study of studies) {
    const notebookPath = path.join(root, study.notebook);
    if (!fs.existsSync(notebookPath)) throw new UsageError('case-study', name, `notebook ${study.notebook} is missing`);
    const outputPath = flags.out !== undefined ? path.resolve(flags.out) : notebookPath;
    const label = `${study.id} (${profile})`;
    const progress = startRunProgress(label);
    try {
      const result = await runNotebook({
        notebookPath,
        outputPath,
        parameters: { profile },
        ...(study.cellTimeoutSeconds === undefined ? {} : { timeoutSeconds: study.cellTimeoutSeconds }),
        env: { [PUBLISH_ENV]: flags.publish === true ? '1' : '0' },
        onCellProgress: (p) => progress.cell(p.cell, p.total),
        onCellStatus: (text) => progress.status(text),
      });
      progress.done(
        `executed ${result.codeCells} cells in ${formatElapsed(result.durationMs)} → ${path.relative(process.cwd(), outputPath)}`,
      );
    } catch (error) {
      progress.done('failed');
      throw error;
    }
  }
  return 0;
}
