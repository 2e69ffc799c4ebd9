import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildResultsIndex, listRecords } from '@casebook/citing';
import { findRepoRoot, readCorrections, resultsRoot, UsageError, writeFileAtomic } from '@casebook/results';
import { type FlagSpec, formatFlags, parseArgs } from '@casebook/runner';

const INDEX_FLAGS = {
  write: { type: 'boolean', description: 'write results/README.md' },
  check: { type: 'boolean', description: 'exit 1 if results/README.md is missing or stale (CI)' },
  help: { type: 'boolean', description: 'show this help' },
} as const satisfies FlagSpec;

const INDEX_USAGE = `usage: casebook index [--write | --check]

Generates results/README.md, the browsable index of every published record (case study, date, machine, profile,
headline, links to the record, charts and notebook). Runs under results/local/ are never listed: they are not
committed. Without a flag it prints the index.

${formatFlags(INDEX_FLAGS)}`;

export function indexCommand(argv: readonly string[]): number {
  const { positionals, flags } = parseArgs(argv, INDEX_FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${INDEX_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('argument', positionals[0], 'index takes flags only');
  if (flags.write === true && flags.check === true)
    throw new UsageError('flags', '--write --check', 'give one of --write or --check');
  const repoRoot = findRepoRoot();
  // The published root only: what `git clone` brings, so a fresh clone's local runs never make --check fail.
  const resultsDir = resultsRoot(repoRoot, 'publish');
  const file = path.join(resultsDir, 'README.md');
  const text = buildResultsIndex(listRecords(resultsDir), {
    repoRoot,
    resultsDir,
    corrections: readCorrections(resultsDir),
  });
  const shown = path.relative(process.cwd(), file) || file;
  if (flags.check === true) {
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    if (current === text) {
      process.stdout.write(`${shown} is current\n`);
      return 0;
    }
    process.stderr.write(
      `casebook: ${shown} is ${current === null ? 'missing' : 'stale'}; regenerate it with \`npm run results:index\`\n`,
    );
    return 1;
  }
  if (flags.write === true) {
    writeFileAtomic(file, text);
    process.stdout.write(`wrote ${shown}\n`);
    return 0;
  }
  process.stdout.write(text);
  return 0;
}
