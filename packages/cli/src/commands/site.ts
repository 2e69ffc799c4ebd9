import * as path from 'node:path';
import { buildSite } from '@casebook/citing';
import { findRepoRoot, resultsRoot, UsageError } from '@casebook/results';
import { type FlagSpec, formatFlags, parseArgs } from '@casebook/runner';

const SITE_FLAGS = {
  out: { type: 'string', description: 'the folder to write (default: site/ at the repository root)' },
  'link-base': {
    type: 'string',
    description: 'absolute links in the citations: this URL + the repo-relative path (as cite --link-base)',
  },
  help: { type: 'boolean', description: 'show this help' },
} as const satisfies FlagSpec;

const SITE_USAGE = `usage: casebook site [--out <dir>] [--link-base <url>]

Builds the static results site from the committed records (results/, never results/local/): index.html with every
case study and its runs, a permalink page per run (runs/<run-id>/: claims, key measurements, interactive charts with
the PNG as fallback, environment, rerun command, citation, reproductions), compare.html?a=<run-id>&b=<run-id>
(reads data/<run-id>.json in the browser), and assets/ with vega, vega-lite and vega-embed. Any static host serves
it; nothing is fetched from elsewhere. The folder is rebuilt from scratch.

${formatFlags(SITE_FLAGS)}`;

export function siteCommand(argv: readonly string[]): number {
  const { positionals, flags } = parseArgs(argv, SITE_FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${SITE_USAGE}\n`);
    return 0;
  }
  if (positionals.length > 0) throw new UsageError('argument', positionals[0], 'site takes flags only');
  const repoRoot = findRepoRoot();
  const outDir = path.resolve(flags.out ?? path.join(repoRoot, 'site'));
  const built = buildSite({
    // The published root only, as `casebook index` reads it.
    resultsDir: resultsRoot(repoRoot, 'publish'),
    outDir,
    ...(flags['link-base'] === undefined ? {} : { linkBase: flags['link-base'] }),
  });
  const shown = path.relative(process.cwd(), outDir) || '.';
  process.stdout.write(`wrote ${shown}/: ${built.runs} runs, ${built.pages} pages in ${built.ms} ms\n`);
  return 0;
}
