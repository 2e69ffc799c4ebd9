import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CasebookError,
  captureEnvironment,
  committedResultsRoot,
  fileLimits,
  findRepoRoot,
  gitInfo,
  machineIdentity,
  newRunId,
  type Pinning,
  RecordError,
  readRecord,
  resultsRoot,
  SCHEMA_VERSION,
  UsageError,
  writeFileAtomic,
  writeJsonAtomic,
  writeRecord,
} from '@casebook/results';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';

let dir: string;
const savedMachineIdFile = process.env['CASEBOOK_MACHINE_ID_FILE'];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-results-store-'));
  // captureEnvironment must not create this machine's real id file from a test.
  process.env['CASEBOOK_MACHINE_ID_FILE'] = path.join(dir, 'config', 'casebook', 'machine-id');
});

afterAll(() => {
  if (savedMachineIdFile === undefined) delete process.env['CASEBOOK_MACHINE_ID_FILE'];
  else process.env['CASEBOOK_MACHINE_ID_FILE'] = savedMachineIdFile;
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A committed schemaVersion 1 bench record: readRecord migrates it to the current version. */
const COMMITTED_BENCH = path.join(committedResultsRoot(findRepoRoot()), 'bench', 'bench-7e0df910.json');

/** Run `fn`, expecting it to throw; return what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('writeJsonAtomic / writeFileAtomic', () => {
  test('creates missing folders, writes parseable JSON and leaves no temp files', () => {
    const file = path.join(dir, 'atomic', 'nested', 'record.json');
    const value = {
      schemaVersion: SCHEMA_VERSION,
      kind: 'bench',
      runId: 'bench-00000001',
      list: [1, 2, 3],
      text: 'µs',
    };
    writeJsonAtomic(file, value);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(value);
    expect(fs.readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['record.json']);
  });

  test('overwrites an existing file in place, still without temp files', () => {
    const file = path.join(dir, 'atomic-overwrite', 'record.json');
    writeJsonAtomic(file, { n: 1 });
    writeJsonAtomic(file, { n: 2 });
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ n: 2 });
    expect(fs.readdirSync(path.dirname(file))).toEqual(['record.json']);
  });

  test('a failed write removes its temp file', () => {
    const target = path.join(dir, 'atomic-fail', 'is-a-directory');
    fs.mkdirSync(path.join(target, 'child'), { recursive: true });
    expect(() => writeJsonAtomic(target, { n: 1 })).toThrow();
    expect(fs.readdirSync(path.dirname(target))).toEqual(['is-a-directory']);
  });

  test('writeFileAtomic writes text and bytes without temp files', () => {
    const folder = path.join(dir, 'atomic-file');
    writeFileAtomic(path.join(folder, 'a.txt'), 'hello\n');
    writeFileAtomic(path.join(folder, 'b.bin'), new Uint8Array([1, 2, 3]));
    expect(fs.readFileSync(path.join(folder, 'a.txt'), 'utf8')).toBe('hello\n');
    expect([...fs.readFileSync(path.join(folder, 'b.bin'))]).toEqual([1, 2, 3]);
    expect(fs.readdirSync(folder).sort()).toEqual(['a.txt', 'b.bin']);
  });
});

describe('readRecord / writeRecord', () => {
  test('a record read (and migrated) from the committed results writes back and reads back unchanged', () => {
    const record = readRecord(COMMITTED_BENCH);
    expect(record.schemaVersion).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(4);
    // Committed records predate schemaVersion 4: read with their limits unknown.
    if (record.kind !== 'bench') throw new Error('expected a bench record');
    expect(record.environment.limits).toBeNull();
    const file = path.join(dir, 'read', 'ok.json');
    writeRecord(file, record);
    expect(readRecord(file)).toEqual(record);
    expect(fs.readFileSync(file, 'utf8').endsWith('\n')).toBe(true);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['ok.json']);
  });

  test('a record with one wrong field is refused naming the file and the JSON path', () => {
    const record = readRecord(COMMITTED_BENCH);
    const file = path.join(dir, 'read', 'wrong-field.json');
    fs.writeFileSync(file, JSON.stringify({ ...record, cpuMicrosPerRequest: '12' }));
    const e = thrown(() => readRecord(file)) as RecordError;
    expect(e).toBeInstanceOf(RecordError);
    expect(e.code).toBe('CASEBOOK_RECORD_SCHEMA');
    expect(e.message).toBe(`${file}: /cpuMicrosPerRequest: expected number, got "12"`);
  });

  test('the stub that used to pass ({schemaVersion: 1, kind: "bench", runId: "x"}) is refused', () => {
    const file = path.join(dir, 'read', 'stub.json');
    fs.writeFileSync(file, JSON.stringify({ schemaVersion: 1, kind: 'bench', runId: 'x' }));
    const e = thrown(() => readRecord(file)) as RecordError;
    expect(e.code).toBe('CASEBOOK_RECORD_SCHEMA');
    expect(e.message).toMatch(/: \/status: missing/);
  });

  test('invalid JSON → RecordError CASEBOOK_RECORD_JSON naming the file', () => {
    const file = path.join(dir, 'read', 'broken.json');
    fs.writeFileSync(file, '{"schemaVersion": 1, "kind": ');
    const error = thrown(() => readRecord(file));
    expect(error).toBeInstanceOf(RecordError);
    expect(error).toBeInstanceOf(CasebookError);
    const e = error as RecordError;
    expect(e.code).toBe('CASEBOOK_RECORD_JSON');
    expect(e.path).toBe(file);
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/not valid JSON/);
    expect(e.cause).toBeInstanceOf(SyntaxError);
  });

  test('another schemaVersion → RecordError CASEBOOK_RECORD_SCHEMA naming the file and the version', () => {
    const file = path.join(dir, 'read', 'future.json');
    fs.writeFileSync(file, JSON.stringify({ schemaVersion: 999, kind: 'bench', runId: 'bench-1' }));
    const e = thrown(() => readRecord(file)) as RecordError;
    expect(e).toBeInstanceOf(RecordError);
    expect(e.code).toBe('CASEBOOK_RECORD_SCHEMA');
    expect(e.path).toBe(file);
    expect(e.message).toContain(file);
    expect(e.message).toContain('999');
  });

  test('a missing schemaVersion and a non-object are schema errors too', () => {
    const noVersion = path.join(dir, 'read', 'no-version.json');
    fs.writeFileSync(noVersion, JSON.stringify({ kind: 'bench', runId: 'x' }));
    expect((thrown(() => readRecord(noVersion)) as RecordError).code).toBe('CASEBOOK_RECORD_SCHEMA');
    const array = path.join(dir, 'read', 'array.json');
    fs.writeFileSync(array, '[1, 2]');
    expect((thrown(() => readRecord(array)) as RecordError).code).toBe('CASEBOOK_RECORD_SCHEMA');
    const stringVersion = path.join(dir, 'read', 'string-version.json');
    fs.writeFileSync(stringVersion, JSON.stringify({ schemaVersion: '1', kind: 'bench', runId: 'x' }));
    expect((thrown(() => readRecord(stringVersion)) as RecordError).code).toBe('CASEBOOK_RECORD_SCHEMA');
  });

  test('a missing file → RecordError CASEBOOK_RECORD_MISSING naming the file', () => {
    const file = path.join(dir, 'read', 'does-not-exist.json');
    const e = thrown(() => readRecord(file)) as RecordError;
    expect(e).toBeInstanceOf(RecordError);
    expect(e.code).toBe('CASEBOOK_RECORD_MISSING');
    expect(e.message).toContain(file);
  });
});

describe('UsageError', () => {
  test('message names the field and the value; field and value are kept', () => {
    const e = new UsageError('concurrency', 0, 'expected an integer ≥ 1');
    expect(e).toBeInstanceOf(CasebookError);
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('UsageError');
    expect(e.code).toBe('CASEBOOK_USAGE');
    expect(e.field).toBe('concurrency');
    expect(e.value).toBe(0);
    expect(e.message).toContain('concurrency');
    expect(e.message).toContain('0');
    expect(e.message).toContain('expected an integer ≥ 1');
  });

  test('string values are quoted; arrays, undefined and null are readable', () => {
    expect(new UsageError('client', 'nope', 'x').message).toContain('"nope"');
    expect(new UsageError('--concurrency', [4, 8], 'x').message).toContain('[4,8]');
    expect(new UsageError('record', undefined, 'x').message).toContain('undefined');
    expect(new UsageError('--requests', null, 'x').message).toContain('null');
  });
});

describe('captureEnvironment', () => {
  const pinning: Pinning = { method: 'none', reason: 'test', clientCpu: null, targetCpu: null, others: {} };

  test('reports node, v8, cpu model and cores, the machine id, and the git commit of the repository', () => {
    const repoDir = findRepoRoot();
    const env = captureEnvironment({ pinning, clientVersions: { undici: '0.0.0' }, repoDir });
    expect(env.node).toBe(process.version);
    expect(env.v8).toBe(process.versions.v8);
    expect(typeof env.cpuModel).toBe('string');
    expect(env.cpuModel.length).toBeGreaterThan(0);
    expect(Number.isInteger(env.cpuCores)).toBe(true);
    expect(env.cpuCores).toBeGreaterThanOrEqual(1);
    expect(env.pinning).toEqual(pinning);
    expect(env.clientVersions).toEqual({ undici: '0.0.0' });
    expect(env.platform).toBe(process.platform);
    expect(env.arch).toBe(process.arch);
    expect(env.machineId).toMatch(/^[0-9a-f]{16}$/);
    expect(env.machineIdPersistent).toBe(true);
    // Limits: read through sh where there is one; children get at least the soft limit; Linux has a port range.
    const limits = env.limits;
    if (limits === null) throw new Error('captureEnvironment always records limits');
    if (process.platform !== 'win32') {
      expect(limits.openFilesSoft).toBeGreaterThan(0);
      expect(limits.openFilesHard).toBeGreaterThanOrEqual(limits.openFilesSoft ?? 0);
      expect(limits.openFilesForChildren ?? limits.openFilesSoft).toBeGreaterThanOrEqual(limits.openFilesSoft ?? 0);
      // openFilesSoft is the caller's limit (softAtStart), beside the effective one children get.
      expect(limits.openFilesSoft).toBe(fileLimits().softAtStart);
    }
    if (process.platform === 'linux') expect(limits.ephemeralPorts?.[0]).toBeLessThan(limits.ephemeralPorts?.[1] ?? 0);
    // A record is public: no host name, under any key or value.
    expect(env).not.toHaveProperty('hostname');
    expect(JSON.stringify(env)).not.toContain(`"${os.hostname()}"`);
    // The commit is a string or null (no git / not a checkout); dirty is known exactly when the commit is.
    if (env.git.commit === null) {
      expect(env.git.dirty).toBeNull();
    } else {
      expect(env.git.commit).toMatch(/^[0-9a-f]{40,64}$/);
      expect(typeof env.git.dirty).toBe('boolean');
    }
  });

  test('outside a git checkout the commit and dirty flag are null', () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-no-git-'));
    try {
      expect(gitInfo(outside)).toEqual({ commit: null, dirty: null });
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('machine id', () => {
  test('created once outside the repository, then read back: the same id every time', () => {
    const file = path.join(dir, 'machine-a', 'casebook', 'machine-id');
    const env = { CASEBOOK_MACHINE_ID_FILE: file };
    const first = machineIdentity(env);
    expect(first).toEqual({ machineId: expect.stringMatching(/^[0-9a-f]{16}$/), machineIdPersistent: true });
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(first.machineId);
    expect(machineIdentity(env)).toEqual(first);
  });

  test('an id already stored (by another process) is the one used', () => {
    const file = path.join(dir, 'machine-b', 'machine-id');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '00112233aabbccdd\n');
    expect(machineIdentity({ CASEBOOK_MACHINE_ID_FILE: file })).toEqual({
      machineId: '00112233aabbccdd',
      machineIdPersistent: true,
    });
  });

  test('where it cannot be stored, a per-process id marked not persistent', () => {
    const blocker = path.join(dir, 'not-a-folder');
    fs.writeFileSync(blocker, '');
    const env = { CASEBOOK_MACHINE_ID_FILE: path.join(blocker, 'casebook', 'machine-id') };
    const id = machineIdentity(env);
    expect(id.machineId).toMatch(/^[0-9a-f]{16}$/);
    expect(id.machineIdPersistent).toBe(false);
    expect(machineIdentity(env)).toEqual(id);
  });
});

describe('store helpers', () => {
  const saved = process.env['CASEBOOK_RESULTS_DIR'];
  afterEach(() => {
    if (saved === undefined) delete process.env['CASEBOOK_RESULTS_DIR'];
    else process.env['CASEBOOK_RESULTS_DIR'] = saved;
  });

  test('resultsRoot: local runs under results/local, published ones under results; CASEBOOK_RESULTS_DIR wins', () => {
    delete process.env['CASEBOOK_RESULTS_DIR'];
    expect(resultsRoot('/somewhere')).toBe(path.join('/somewhere', 'results', 'local'));
    expect(resultsRoot('/somewhere', 'local')).toBe(path.join('/somewhere', 'results', 'local'));
    expect(resultsRoot('/somewhere', 'publish')).toBe(path.join('/somewhere', 'results'));
    process.env['CASEBOOK_RESULTS_DIR'] = dir;
    expect(resultsRoot('/somewhere')).toBe(path.resolve(dir));
    expect(resultsRoot('/somewhere', 'publish')).toBe(path.resolve(dir));
    expect(committedResultsRoot('/somewhere')).toBe(path.join('/somewhere', 'results'));
  });

  test('findRepoRoot finds the workspace root; newRunId is <prefix>-<8 hex>', () => {
    const root = findRepoRoot();
    expect(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).workspaces).toBeTruthy();
    expect(newRunId('bench')).toMatch(/^bench-[0-9a-f]{8}$/);
    expect(newRunId('bench')).not.toBe(newRunId('bench'));
  });
});
