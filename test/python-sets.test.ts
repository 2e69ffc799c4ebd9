import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findRepoRoot } from '@casebook/results';
import { PYTHON_SETS, pythonSet } from '@casebook/runner';
import { afterAll, describe, expect, it } from 'vitest';

// The state reader against state files written into temp dirs: no bootstrap, no Python, no process.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-pysets-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let counter = 0;
/** A fake repo whose .venvs/state.json holds `sets` (or no state file at all when undefined). */
function repoWith(sets: Record<string, unknown> | undefined): string {
  const root = path.join(tmp, `repo-${counter++}`);
  fs.mkdirSync(path.join(root, '.venvs'), { recursive: true });
  if (sets !== undefined) fs.writeFileSync(path.join(root, '.venvs', 'state.json'), JSON.stringify({ sets }));
  return root;
}

/** A file standing in for an environment's interpreter. */
function fakePython(root: string): string {
  const python = path.join(root, '.venvs', 'latest-0123456789ab', 'bin', 'python');
  fs.mkdirSync(path.dirname(python), { recursive: true });
  fs.writeFileSync(python, '');
  return python;
}

describe('python sets: state reader', () => {
  it('names the sets of packages/runner/python/sets/sets.json, in order', () => {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(findRepoRoot(), 'packages', 'runner', 'python', 'sets', 'sets.json'), 'utf8'),
    ) as { sets: Array<{ name: string }> };
    expect(manifest.sets.map((s) => s.name)).toEqual([...PYTHON_SETS]);
  });

  it('reports a ready set with its python and lock hash', () => {
    const root = repoWith({});
    const python = fakePython(root);
    fs.writeFileSync(
      path.join(root, '.venvs', 'state.json'),
      JSON.stringify({ sets: { latest: { status: 'ready', python, lockHash: '0123456789ab' } } }),
    );
    expect(pythonSet('latest', {}, root)).toEqual({ status: 'ready', python, lockHash: '0123456789ab' });
  });

  it('passes on why a set was skipped or failed', () => {
    const reason = 'set 2022 needs Python >=3.10,<3.12; the interpreter is CPython 3.13.1 (/usr/bin/python3)';
    const root = repoWith({
      '2022': { status: 'skipped', reason, lockHash: 'aaaaaaaaaaaa' },
      httpx2: { status: 'failed', reason: 'uv could not install the lock: boom' },
    });
    expect(pythonSet('2022', {}, root)).toEqual({ status: 'skipped', reason });
    expect(pythonSet('httpx2', {}, root)).toEqual({ status: 'failed', reason: 'uv could not install the lock: boom' });
  });

  it('is missing, telling to run bootstrap, without a state file, without the set, or with its python gone', () => {
    const none = pythonSet('runner', {}, repoWith(undefined));
    expect(none.status).toBe('missing');
    expect(none.status !== 'ready' && none.reason).toContain('npm run bootstrap');
    expect(pythonSet('runner', {}, repoWith({})).status).toBe('missing');
    const gone = repoWith({ latest: { status: 'ready', python: path.join(tmp, 'nowhere', 'python'), lockHash: 'x' } });
    const r = pythonSet('latest', {}, gone);
    expect(r.status).toBe('missing');
    expect(r.status !== 'ready' && r.reason).toContain('is gone');
  });

  it('is missing for a name that is not a set, listing the sets', () => {
    expect(pythonSet('2023', {}, repoWith({}))).toEqual({
      status: 'missing',
      reason: `no Python set "2023" (sets: ${PYTHON_SETS.join(', ')})`,
    });
  });

  it('rejects a state entry with an unknown status, naming it', () => {
    const r = pythonSet('latest', {}, repoWith({ latest: { status: 'installing' } }));
    expect(r).toEqual({ status: 'missing', reason: expect.stringContaining('"installing"') });
  });

  it('lets $CASEBOOK_PYSET_<NAME> (upper case, - to _) point a set at another interpreter', () => {
    const root = repoWith(undefined);
    const python = fakePython(root);
    expect(pythonSet('as-reported', { CASEBOOK_PYSET_AS_REPORTED: python }, root)).toEqual({
      status: 'ready',
      python,
      lockHash: 'override',
    });
    expect(pythonSet('2022', { CASEBOOK_PYSET_2022: 'python3' }, root)).toMatchObject({ python: 'python3' });
    const missing = path.join(tmp, 'no-such', 'python');
    expect(pythonSet('latest', { CASEBOOK_PYSET_LATEST: missing }, root)).toEqual({
      status: 'missing',
      reason: `$CASEBOOK_PYSET_LATEST=${missing}: no such file`,
    });
  });
});
