import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import writeFileAtomicModule from 'write-file-atomic';
import { formatValue, RecordError } from './errors';
import { migrateV1 } from './migrate-v1';
import { migrateV2 } from './migrate-v2';
import { migrateV3 } from './migrate-v3';
import { type AnyRecord, RECORD_SCHEMAS, type RecordKind } from './schema/record';
import { RECORD_SCHEMAS_V1 } from './schema/v1';
import { READABLE_SCHEMA_VERSIONS, SCHEMA_VERSION } from './schema/version';
import { briefValue, validateAgainst } from './validate';

export { SCHEMA_VERSION } from './schema/version';

/** A run id that can be cited: `<case-study>-<8 hex>`. No timestamps (they live inside the record). */
export function newRunId(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Write a file atomically (write-file-atomic: temp file in the same folder, fsync, rename; temp removed on failure). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const bytes = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  writeFileAtomicModule.sync(file, bytes, { fsync: true });
}

/** JSON as records are stored: two-space indent, final newline. For files that are not records (indexes, notes). */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Validate a record against the current schema and write it atomically. Throws RecordError CASEBOOK_RECORD_SCHEMA
 * naming the JSON path when it does not match (nothing is written). What is checked is what lands on disk: the
 * value after a JSON round trip (so `undefined` fields and `toJSON` are accounted for).
 */
export function writeRecord(file: string, record: AnyRecord): void {
  const text = `${JSON.stringify(record, null, 2)}\n`;
  checkCurrent(record, file);
  checkCurrent(JSON.parse(text), file);
  writeFileAtomic(file, text);
}

/**
 * Read a record: parse, check schemaVersion (1, 2 and 3 are migrated to the current version in memory, the file is
 * never touched; the current one is read as is; any other is refused), validate, and return it typed by `kind`.
 * RecordError codes: CASEBOOK_RECORD_MISSING
 * (unreadable), CASEBOOK_RECORD_JSON (not JSON), CASEBOOK_RECORD_SCHEMA (version, kind or a field; the message names
 * the JSON path).
 */
export function readRecord(file: string): AnyRecord {
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
    const reason = error instanceof Error ? error.message : String(error);
    throw new RecordError('CASEBOOK_RECORD_JSON', file, `results file is not valid JSON (${reason})`, { cause: error });
  }
  return checkRecord(value, file);
}

/** What readRecord does after parsing, for a value in memory (errors name the file as '<value>'). */
export function validateRecord(value: unknown): AnyRecord {
  return checkRecord(value, '<value>');
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRecordKind(kind: unknown): kind is RecordKind {
  return typeof kind === 'string' && Object.hasOwn(RECORD_SCHEMAS, kind);
}

function isRecordKindV1(kind: unknown): kind is keyof typeof RECORD_SCHEMAS_V1 {
  return typeof kind === 'string' && Object.hasOwn(RECORD_SCHEMAS_V1, kind);
}

function unknownKind(kind: unknown, kinds: readonly string[], file: string, version: number): RecordError {
  const expected = `one of ${kinds.map((k) => JSON.stringify(k)).join(', ')} (schemaVersion ${version})`;
  const problem =
    kind === undefined ? `missing (expected ${expected})` : `expected ${expected}, got ${briefValue(kind)}`;
  return new RecordError('CASEBOOK_RECORD_SCHEMA', file, `/kind: ${problem}`);
}

function checkCurrent(value: unknown, file: string): AnyRecord {
  if (!isJsonObject(value)) throw notAnObject(value, file);
  if (value['schemaVersion'] !== SCHEMA_VERSION)
    throw new RecordError(
      'CASEBOOK_RECORD_SCHEMA',
      file,
      `/schemaVersion: expected ${SCHEMA_VERSION} (records are written in the current version), got ${briefValue(value['schemaVersion'])}`,
    );
  const kind = value['kind'];
  if (!isRecordKind(kind)) throw unknownKind(kind, Object.keys(RECORD_SCHEMAS), file, SCHEMA_VERSION);
  return validateAgainst(RECORD_SCHEMAS[kind], value, file);
}

/** Record kinds that no record of an older schemaVersion can have. */
const NEW_IN_V4: readonly RecordKind[] = ['reproduction', 'bisect'];

function checkRecord(value: unknown, file: string): AnyRecord {
  if (!isJsonObject(value)) throw notAnObject(value, file);
  const version = value['schemaVersion'];
  if (version === SCHEMA_VERSION) return checkCurrent(value, file);
  if (version === 2 || version === 3) {
    const kind = value['kind'];
    // The reproduction and bisect kinds are new in version 4: an older record claiming one is refused, not migrated.
    if (!isRecordKind(kind) || NEW_IN_V4.includes(kind))
      throw unknownKind(
        kind,
        Object.keys(RECORD_SCHEMAS).filter((k) => !NEW_IN_V4.includes(k as RecordKind)),
        file,
        version,
      );
    const migrated = migrateV3(version === 2 ? migrateV2(value) : value);
    return validateAgainst(
      RECORD_SCHEMAS[kind],
      migrated,
      file,
      ` (after migrating schemaVersion ${version} to ${SCHEMA_VERSION})`,
    );
  }
  if (version === 1) {
    const kind = value['kind'];
    if (!isRecordKindV1(kind)) throw unknownKind(kind, Object.keys(RECORD_SCHEMAS_V1), file, 1);
    const v1 = validateAgainst(RECORD_SCHEMAS_V1[kind], value, file, ' (read as schemaVersion 1)');
    const migrated = migrateV1(v1, file);
    return validateAgainst(
      RECORD_SCHEMAS[migrated.kind],
      migrated,
      file,
      ` (after migrating schemaVersion 1 to ${SCHEMA_VERSION})`,
    );
  }
  throw new RecordError(
    'CASEBOOK_RECORD_SCHEMA',
    file,
    `schemaVersion ${formatValue(version)} is not supported (this casebook reads schemaVersion ${READABLE_SCHEMA_VERSIONS.join(', ')})`,
  );
}

function notAnObject(value: unknown, file: string): RecordError {
  return new RecordError('CASEBOOK_RECORD_SCHEMA', file, `/: expected a JSON object, got ${briefValue(value)}`);
}

/**
 * Where results go. 'local' (the default): <repo>/results/local, git-ignored, for the runs a user makes.
 * 'publish': <repo>/results, committed (`npm start`, `--publish`). $CASEBOOK_RESULTS_DIR, when set, wins for both
 * (tests point it at a temp folder).
 */
export function resultsRoot(repoDir: string, destination: 'local' | 'publish' = 'local'): string {
  const fromEnv = process.env['CASEBOOK_RESULTS_DIR'];
  if (fromEnv !== undefined && fromEnv.length > 0) return path.resolve(fromEnv);
  return destination === 'publish' ? committedResultsRoot(repoDir) : path.join(repoDir, 'results', 'local');
}

/** The committed results, <repo>/results, for readers (the env var does not move them). */
export function committedResultsRoot(repoDir: string): string {
  return path.join(repoDir, 'results');
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
