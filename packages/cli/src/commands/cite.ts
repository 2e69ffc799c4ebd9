import * as path from 'node:path';
import { buildCitation, type CiteOptions, citationMarkdown, resolveRecord } from '@casebook/citing';
import { UsageError } from '@casebook/results';
import { type FlagSpec, formatFlags, parseArgs } from '@casebook/runner';

const CITE_FLAGS = {
  format: { type: 'string', description: 'markdown (default) or json' },
  json: { type: 'boolean', description: 'same as --format json' },
  'relative-to': { type: 'string', description: 'make links relative to this folder (default: the repository root)' },
  'link-base': {
    type: 'string',
    description: 'absolute links instead: this URL + the repo-relative path (e.g. https://github.com/o/r/raw/<sha>)',
  },
  help: { type: 'boolean', description: 'show this help' },
} as const satisfies FlagSpec;

const CITE_USAGE = `usage: casebook cite <run-id | record path> [--format markdown|json] [--relative-to <dir>]

Prints a paste-ready GitHub-flavoured markdown citation of one run: the claim, the key table (median, spread,
ratio to the fastest under the same load), the chart, the environment, the command to rerun it and the commit.
A run id is looked up in results/ (published runs) first, then in results/local/. A run that a published
correction (results/corrections.json) replaces says so on its first line.

${formatFlags(CITE_FLAGS)}`;

/** `--format` and its `--json` shorthand, shared with compare. */
export function outputFormat(flags: { format?: string; json?: boolean }): 'markdown' | 'json' {
  const format = flags.format ?? (flags.json === true ? 'json' : 'markdown');
  if (format !== 'markdown' && format !== 'json') throw new UsageError('--format', format, 'expected markdown or json');
  if (flags.json === true && format !== 'json') throw new UsageError('--format', format, '--json asks for json');
  return format;
}

export function citeCommand(argv: readonly string[]): number {
  const { positionals, flags } = parseArgs(argv, CITE_FLAGS);
  if (flags.help === true) {
    process.stdout.write(`${CITE_USAGE}\n`);
    return 0;
  }
  const format = outputFormat(flags);
  const [ref, ...extra] = positionals;
  if (ref === undefined) throw new UsageError('run', ref, 'usage: casebook cite <run-id | record path>');
  if (extra.length > 0) throw new UsageError('argument', extra[0], 'cite takes one run id or path');
  const loaded = resolveRecord(ref);
  const options: CiteOptions = {};
  if (flags['relative-to'] !== undefined) options.relativeTo = path.resolve(flags['relative-to']);
  if (flags['link-base'] !== undefined) options.linkBase = flags['link-base'];
  const citation = buildCitation(loaded, options);
  process.stdout.write(
    format === 'json'
      ? `${JSON.stringify({ ...citation, markdown: citationMarkdown(citation) }, null, 2)}\n`
      : citationMarkdown(citation),
  );
  return 0;
}
