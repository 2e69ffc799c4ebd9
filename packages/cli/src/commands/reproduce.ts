import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  clientVersionDiff,
  type EnvironmentDifference,
  type LoadedRecord,
  loadMeasurement,
  locateRunFile,
  type ReproductionSide,
  reproductionMarkdown,
  reproductionReport,
  resolveRecord,
} from '@casebook/citing';
import { clientVersions } from '@casebook/clients';
import {
  CASE_STUDIES,
  CasebookError,
  type CaseStudyRecord,
  findCaseStudy,
  findRepoRoot,
  resolveProfile,
  resultsRoot,
  UsageError,
  writeRecord,
} from '@casebook/results';
import { type FlagSpec, formatFlags, parseArgs } from '@casebook/runner';
import { runCommand } from './run';

/**
 * `casebook reproduce <run>`: rerun a cited case-study run here, at its profile, through `casebook run`, and say per
 * claim whether it reproduced. Numbers are reported as drift (reproduced ÷ original), not judged: on another machine
 * of the same kind absolute throughput moved 0.46–0.91× while every claim held.
 */

const REPRODUCE_FLAGS = {
  publish: {
    type: 'boolean',
    description: 'write the rerun and its reproduction record under results/ (committed) instead of results/local/',
  },
  profile: {
    type: 'string',
    description:
      "rerun at this profile instead of the run's own (smoke: a quick check that the study runs here; its claims rest on fewer rounds)",
  },
  'dry-run': { type: 'boolean', description: 'print what would run and where it would be written; run nothing' },
  help: { type: 'boolean', description: 'show this help' },
} as const satisfies FlagSpec;

const REPRODUCE_USAGE = `usage: casebook reproduce <run-id | record.json | cite link> [--profile p] [--publish] [--dry-run]

Reruns the case study of a cited run at the run's profile (as \`casebook run\` does, with the client versions
installed here) and reports, per claim, whether the outcome reproduced; per measurement the drift of median
throughput, CPU per request and the ratio to the reference client; and what differs in the environment. The
reproduction record is written next to the new run as reproduction.json (results/local/, or results/ with --publish).
A cite link is a URL ending in results/<case-study>/<run-id>/record.json, or any URL containing the run id.

${formatFlags(REPRODUCE_FLAGS)}`;

/** A citable run id (as records.ts checks it): `<prefix>-<8 hex>`. */
const RUN_ID = /^[a-z0-9][a-z0-9-]*-[0-9a-f]{8}$/;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** What the user named: a run id to look up, or a record file. */
export type ReproduceTarget = { kind: 'run-id'; runId: string } | { kind: 'path'; file: string };

export type ReproduceArgs =
  | { help: true }
  | {
      help: false;
      target: ReproduceTarget;
      publish: boolean;
      dryRun: boolean;
      /** Only when given: by default the rerun uses the original run's profile. */
      profile?: string;
    };

/**
 * The run id in a cite link: the `<run-id>` of `…/results/<case-study>/<run-id>/record.json`, else the one path
 * segment that is `<known case study>-<8 hex>` (a commit sha in the link is not mistaken for it).
 */
export function runIdFromLink(link: string): string {
  let segments: string[];
  try {
    segments = new URL(link).pathname.split('/').map(decodeURIComponent);
  } catch {
    throw new UsageError('cite link', link, 'not a URL');
  }
  const last = segments.length - 1;
  if (segments[last] === 'record.json' && segments[last - 3] === 'results') {
    const runId = segments[last - 1] ?? '';
    if (RUN_ID.test(runId)) return runId;
  }
  const studyRun = new RegExp(`^(?:${CASE_STUDIES.map((c) => c.id.replace(/[-.]/g, '\\$&')).join('|')})-[0-9a-f]{8}$`);
  const found = [...new Set(segments.filter((s) => studyRun.test(s)))];
  if (found.length === 1 && found[0] !== undefined) return found[0];
  throw new UsageError(
    'cite link',
    link,
    found.length > 1
      ? `it names more than one run (${found.join(', ')})`
      : 'expected a link ending in results/<case-study>/<run-id>/record.json or containing a case-study run id',
  );
}

function parseTarget(ref: string): ReproduceTarget {
  if (URL_SCHEME.test(ref)) return { kind: 'run-id', runId: runIdFromLink(ref) };
  if (RUN_ID.test(ref) && !fs.existsSync(ref)) return { kind: 'run-id', runId: ref };
  const abs = path.resolve(ref);
  const file = fs.existsSync(abs) && fs.statSync(abs).isDirectory() ? path.join(abs, 'record.json') : abs;
  if (!fs.existsSync(file))
    throw new UsageError(
      'run',
      ref,
      'expected a run id (e.g. 512-at-once-1a2b3c4d), a path to record.json or a cite link',
    );
  return { kind: 'path', file };
}

/** The argument parser (no I/O beyond checking that a named path exists). Throws UsageError (exit 2). */
export function parseReproduceArgs(argv: readonly string[]): ReproduceArgs {
  const { positionals, flags } = parseArgs(argv, REPRODUCE_FLAGS);
  if (flags.help === true) return { help: true };
  const [ref, ...extra] = positionals;
  if (ref === undefined || ref.trim() === '')
    throw new UsageError('run', ref, 'usage: casebook reproduce <run-id | record.json | cite link>');
  if (extra.length > 0) throw new UsageError('argument', extra[0], 'reproduce takes one run');
  const target = parseTarget(ref);
  const publish = flags.publish === true;
  const dryRun = flags['dry-run'] === true;
  if (flags.profile === undefined) return { help: false, target, publish, dryRun };
  return { help: false, target, publish, dryRun, profile: resolveProfile(flags.profile) };
}

function loadTarget(target: ReproduceTarget): Extract<LoadedRecord, { kind: 'case-study' }> {
  const loaded = target.kind === 'run-id' ? resolveRecord(target.runId) : resolveRecord(target.file);
  if (loaded.kind !== 'case-study')
    throw new UsageError(
      'run',
      loaded.record.runId,
      'reproduce takes a case-study run; this is a bench record (`casebook cite` prints the command that reruns it)',
    );
  return loaded;
}

/** A run with the bench records of its measurements that are on disk. */
function sideOf(loaded: { file: string; record: CaseStudyRecord }, repoRoot: string): ReproductionSide {
  const { record } = loaded;
  const onDisk = record.measurements.filter((m) =>
    fs.existsSync(locateRunFile(loaded.file, record.runId, m.file, repoRoot)),
  );
  return { record, benches: onDisk.map((m) => loadMeasurement(loaded, m, repoRoot)) };
}

function runFolders(dir: string): Set<string> {
  if (!fs.existsSync(dir)) return new Set();
  return new Set(
    fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name),
  );
}

const versionText = (d: EnvironmentDifference) =>
  `${d.field.replace(/^clientVersions\./, '')} ${d.original ?? 'not recorded'} → ${d.reproduced ?? 'not installed'}`;

export async function reproduceCommand(argv: readonly string[]): Promise<number> {
  const args = parseReproduceArgs(argv);
  if (args.help) {
    process.stdout.write(`${REPRODUCE_USAGE}\n`);
    return 0;
  }
  const repoRoot = findRepoRoot();
  const original = loadTarget(args.target);
  const record = original.record;
  const study = findCaseStudy(record.caseStudy);
  const profile = resolveProfile(args.profile ?? record.profile);
  const installed = clientVersions();
  // Only the clients this casebook reports: versions of foreign clients (python:…) are compared after the run.
  const recorded = Object.fromEntries(
    Object.entries(record.environment.clientVersions).filter(([k]) => k in installed),
  );
  const versionDiffs = clientVersionDiff(recorded, installed);
  const studyDir = path.join(resultsRoot(repoRoot, args.publish ? 'publish' : 'local'), study.id);
  const runArgs = [study.id, '--profile', profile, ...(args.publish ? ['--publish'] : [])];
  const out = process.stdout;
  out.write(
    `Reproducing ${record.runId} (${study.title}, profile ${profile}, ${record.verdicts.filter((v) => v.kind === 'claim').length} claims).\n`,
  );
  if (profile !== record.profile)
    out.write(
      `The original ran at profile ${record.profile}; this rerun uses ${profile} (--profile): claims rest on a different number of rounds, so an unresolved claim here is not evidence against the original.\n`,
    );
  out.write(
    versionDiffs.length === 0
      ? 'Client versions: the same as recorded.\n'
      : `Client versions differ from the recorded ones (the rerun uses the installed ones): ${versionDiffs.map(versionText).join('; ')}.\n`,
  );
  if (args.dryRun) {
    out.write(
      `Would run: casebook ${['run', ...runArgs].join(' ')} (executed notebook to a temporary file; the committed notebook is not touched)\n` +
        `and write the reproduction record to ${path.relative(process.cwd(), studyDir)}/<new run id>/reproduction.json.\n`,
    );
    return 0;
  }
  const before = runFolders(studyDir);
  // The committed notebook keeps the original's outputs: the rerun's executed notebook goes to a temporary folder.
  const notebookOut = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-reproduce-')),
    path.basename(study.notebook),
  );
  await runCommand([...runArgs, '--out', notebookOut]);
  const fresh = [...runFolders(studyDir)].filter(
    (d) => !before.has(d) && fs.existsSync(path.join(studyDir, d, 'record.json')),
  );
  const [newRun] = fresh;
  if (newRun === undefined || fresh.length > 1)
    throw new CasebookError(
      'CASEBOOK_RUN',
      `expected the rerun to write one new run under ${studyDir}, found ${fresh.length === 0 ? 'none' : fresh.join(', ')}`,
    );
  const rerun = loadTarget({ kind: 'path', file: path.join(studyDir, newRun, 'record.json') });
  const report = reproductionReport(sideOf(original, repoRoot), sideOf(rerun, repoRoot));
  const reportFile = path.join(studyDir, newRun, 'reproduction.json');
  writeRecord(reportFile, report);
  out.write(
    `\n${reproductionMarkdown(report)}\nReproduction record: ${path.relative(process.cwd(), reportFile)}\nExecuted notebook: ${notebookOut}\n`,
  );
  return 0;
}
