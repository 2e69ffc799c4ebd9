import * as fs from 'node:fs';
import * as path from 'node:path';
import { createLiveLine } from '@casebook/charts';
import {
  CASE_STUDIES,
  type CaseStudy,
  findCaseStudy,
  findRepoRoot,
  resolveProfile,
  UsageError,
} from '@casebook/results';
import { runNotebook } from '../notebook';

/**
 * Execute case-study notebooks headless with a profile injected after the `parameters` cell. The executed
 * notebook replaces the committed one (or goes to --out), and the run's record lands under results/<id>/.
 */
export async function runCommand(positionals: string[], flags: { profile?: string; out?: string }): Promise<number> {
  const name = positionals[0];
  if (!name)
    throw new UsageError('case-study', name, `usage: casebook run <case-study|all> [--profile smoke|standard|full]`);
  if (positionals.length > 1) throw new UsageError('argument', positionals[1], 'run takes one case study');
  const profile = resolveProfile(flags.profile ?? 'standard');
  const studies: CaseStudy[] = name === 'all' ? [...CASE_STUDIES] : [findCaseStudy(name)];
  if (flags.out !== undefined && studies.length > 1)
    throw new UsageError('--out', flags.out, 'only with a single case study');
  const root = findRepoRoot();
  for (const study of studies) {
    const notebookPath = path.join(root, study.notebook);
    if (!fs.existsSync(notebookPath)) throw new UsageError('case-study', name, `notebook ${study.notebook} is missing`);
    const outputPath = flags.out ? path.resolve(flags.out) : notebookPath;
    const line = createLiveLine(study.id);
    const started = Date.now();
    await runNotebook({
      notebookPath,
      outputPath,
      parameters: { profile },
      onCellProgress: (p) => line.update(`${study.id} (${profile}): cell ${p.cell}/${p.total}`),
    });
    line.done(
      `${study.id} (${profile}): executed in ${((Date.now() - started) / 1000).toFixed(1)} s → ${path.relative(process.cwd(), outputPath)}`,
    );
  }
  return 0;
}
