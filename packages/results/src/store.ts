import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RecordError } from './errors';

/** Bumped on any incompatible change to the record shape; readers refuse other versions. */
export const SCHEMA_VERSION = 1;

/** A run id that can be cited: `<case-study>-<8 hex>`. No timestamps (they live inside the record). */
export function newRunId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Write JSON atomically: a temp file in the same directory, fsync, then rename over the target. */
export function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeFileSync(fd, `${JSON.stringify(value, null, 2)}\n`);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}

export interface VersionedRecord {
  schemaVersion: number;
  kind: string;
  runId: string;
}

/** Read a record back, refusing invalid JSON and other schema versions with a clear error. */
export function readRecord<T extends VersionedRecord = VersionedRecord>(file: string): T {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new RecordError('CASEBOOK_RECORD_MISSING', file, 'cannot read results file', { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RecordError(
      'CASEBOOK_RECORD_JSON',
      file,
      `results file is not valid JSON (${(error as Error).message})`,
      {
        cause: error,
      },
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RecordError('CASEBOOK_RECORD_SCHEMA', file, 'results file is not a JSON object');
  }
  const schemaVersion = (value as { schemaVersion?: unknown }).schemaVersion;
  if (schemaVersion !== SCHEMA_VERSION) {
    throw new RecordError(
      'CASEBOOK_RECORD_SCHEMA',
      file,
      `schemaVersion ${JSON.stringify(schemaVersion)} is not supported (this casebook reads schemaVersion ${SCHEMA_VERSION})`,
    );
  }
  return value as T;
}

/** Where results go: $CASEBOOK_RESULTS_DIR (tests use a temp dir) or `<repo>/results`. */
export function resultsRoot(repoDir: string): string {
  const fromEnv = process.env['CASEBOOK_RESULTS_DIR'];
  return fromEnv && fromEnv.length > 0 ? path.resolve(fromEnv) : path.join(repoDir, 'results');
}

/** The repository root: the nearest ancestor whose package.json declares workspaces. */
export function findRepoRoot(start: string = __dirname): string {
  let dir = path.resolve(start);
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        const json = JSON.parse(fs.readFileSync(pkg, 'utf8')) as { workspaces?: unknown };
        if (json.workspaces) return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}
