import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type BenchRecord,
  CasebookError,
  type CaseStudyRecord,
  findRepoRoot,
  readRecord,
  resultsRoot,
  UsageError,
} from '@casebook/results';

/** A record read from disk (through readRecord, so it was validated), with where it lives. */
export type LoadedRecord =
  | { kind: 'case-study'; file: string; record: CaseStudyRecord }
  | { kind: 'bench'; file: string; record: BenchRecord };

const RUN_ID = /^[a-z0-9][a-z0-9-]*-[0-9a-f]{8}$/;

/**
 * Folders of a results root that hold no case-study runs: stand-alone bench records, harness-overhead records, and
 * `local/`, the git-ignored root of unpublished runs inside the committed one (it is searched on its own).
 */
const NOT_CASE_STUDIES: ReadonlySet<string> = new Set(['bench', 'harness-overhead', 'local']);

/** Read one record file and keep the two kinds that can be cited and compared; any other is refused. */
export function loadRecord(file: string): LoadedRecord {
  const abs = path.resolve(file);
  const record = readRecord(abs);
  if (record.kind === 'case-study') return { kind: 'case-study', file: abs, record };
  if (record.kind === 'bench') return { kind: 'bench', file: abs, record };
  throw new CasebookError(
    'CASEBOOK_RECORD_SCHEMA',
    `${abs}: kind ${JSON.stringify(record.kind)} is neither "case-study" nor "bench"`,
  );
}

/**
 * Where run ids are looked up, in order: the committed results (published runs) first, then the git-ignored
 * local runs. Both are $CASEBOOK_RESULTS_DIR when it is set.
 */
export function resultsRoots(repoRoot: string = findRepoRoot()): string[] {
  return [...new Set([resultsRoot(repoRoot, 'publish'), resultsRoot(repoRoot, 'local')])];
}

/**
 * Resolve what a user typed — a run id or a path — to a record. A path may name a record file or a case-study run
 * folder. A run id is looked up in each results root in turn (see resultsRoots): a case-study run folder
 * `<case-study>/<run-id>/record.json`, a bench record `bench/<run-id>.json`, and last a measurement inside a
 * case-study run (`<case-study>/<run>/benches/*.json` whose runId matches).
 */
export function resolveRecord(ref: string, roots: readonly string[] = resultsRoots()): LoadedRecord {
  if (ref.trim() === '') throw new UsageError('run', ref, 'expected a run id or a record path');
  const looksLikePath = ref.includes('/') || ref.includes(path.sep) || ref.endsWith('.json');
  if (looksLikePath || fs.existsSync(ref)) {
    const abs = path.resolve(ref);
    if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) return loadRecord(path.join(abs, 'record.json'));
    return loadRecord(abs);
  }
  if (!RUN_ID.test(ref))
    throw new UsageError('run', ref, 'expected a run id such as 512-at-once-1a2b3c4d or bench-1a2b3c4d, or a path');
  for (const root of roots) {
    const found = findRunFile(root, ref);
    if (found !== null) return loadRecord(found);
  }
  throw new UsageError('run', ref, `no record with this run id under ${roots.join(' or ')}`);
}

function findRunFile(root: string, runId: string): string | null {
  for (const study of caseStudyDirs(root)) {
    const file = path.join(root, study, runId, 'record.json');
    if (fs.existsSync(file)) return file;
  }
  const benchFile = path.join(root, 'bench', `${runId}.json`);
  if (fs.existsSync(benchFile)) return benchFile;
  for (const file of measurementFiles(root)) if (peekRunId(file) === runId) return file;
  return null;
}

function listDirs(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

function caseStudyDirs(root: string): string[] {
  return listDirs(root).filter((d) => !NOT_CASE_STUDIES.has(d));
}

function measurementFiles(root: string): string[] {
  const out: string[] = [];
  for (const study of caseStudyDirs(root)) {
    for (const run of listDirs(path.join(root, study))) {
      const benches = path.join(root, study, run, 'benches');
      if (!fs.existsSync(benches)) continue;
      for (const f of fs.readdirSync(benches).sort()) if (f.endsWith('.json')) out.push(path.join(benches, f));
    }
  }
  return out;
}

/** The runId of a JSON file without trusting it (errors are left to readRecord when the file is really read). */
function peekRunId(file: string): string | null {
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as { runId?: unknown };
    return typeof value.runId === 'string' ? value.runId : null;
  } catch {
    return null;
  }
}

/**
 * Every record under one results root: case-study runs (`<study>/<run>/record.json`) and stand-alone bench records
 * (`bench/*.json`), in a stable order. Measurements inside case-study runs are reached through their study.
 */
export function listRecords(root: string): LoadedRecord[] {
  const out: LoadedRecord[] = [];
  for (const study of caseStudyDirs(root)) {
    for (const run of listDirs(path.join(root, study))) {
      const file = path.join(root, study, run, 'record.json');
      if (fs.existsSync(file)) out.push(loadRecord(file));
    }
  }
  const benchDir = path.join(root, 'bench');
  if (fs.existsSync(benchDir)) {
    for (const f of fs.readdirSync(benchDir).sort()) {
      if (f.endsWith('.json')) out.push(loadRecord(path.join(benchDir, f)));
    }
  }
  return out;
}

/**
 * Where a file named in a case-study record lives now. Records store repo-relative paths; if the run folder was
 * moved (e.g. from a temp results dir into results/), the part after `<run-id>/` is re-anchored at the record's
 * own folder, so links keep working.
 */
export function locateRunFile(recordFile: string, runId: string, stored: string, repoRoot: string): string {
  const parts = stored.split(/[\\/]/);
  const at = parts.lastIndexOf(runId);
  if (at !== -1) {
    const anchored = path.join(path.dirname(recordFile), ...parts.slice(at + 1));
    if (fs.existsSync(anchored)) return anchored;
  }
  return path.resolve(repoRoot, stored);
}

/** Read the full bench record of one case-study measurement. */
export function loadMeasurement(
  study: { file: string; record: CaseStudyRecord },
  measurement: CaseStudyRecord['measurements'][number],
  repoRoot: string,
): BenchRecord {
  const file = locateRunFile(study.file, study.record.runId, measurement.file, repoRoot);
  const loaded = loadRecord(file);
  if (loaded.kind !== 'bench')
    throw new CasebookError('CASEBOOK_RECORD_SCHEMA', `${file}: a case-study measurement must be a bench record`);
  return loaded.record;
}

/** A link target: relative to `from` (a directory), or `base` + repo-relative path when a base URL is given. */
export function linkTo(file: string, opts: { repoRoot: string; relativeTo: string; linkBase?: string }): string {
  if (opts.linkBase !== undefined) {
    const rel = path.relative(opts.repoRoot, file).split(path.sep).join('/');
    return `${opts.linkBase.replace(/\/+$/, '')}/${rel}`;
  }
  const rel = path.relative(opts.relativeTo, file).split(path.sep).join('/');
  return rel === '' ? '.' : rel;
}
