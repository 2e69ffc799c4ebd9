import * as fs from 'node:fs';
import * as path from 'node:path';
import { findRepoRoot } from '@casebook/results';

/**
 * The Python client sets that `npm run bootstrap` makes from PyPI (packages/runner/python/sets/sets.json: one
 * environment per set, because the versions under study conflict) and where each one's interpreter is. Bootstrap
 * writes the outcome to `<repo>/.venvs/state.json`; this module only reads it, so asking costs no process. A reader
 * can point a set at an interpreter of their own with `$CASEBOOK_PYSET_<NAME>` (upper case, `-` → `_`).
 */

/** The sets of sets.json, in its order (a unit test keeps the two equal). */
export const PYTHON_SETS = ['runner', '2022', 'as-reported', 'latest', 'httpx2', 'contenders', 'lab'] as const;
export type PythonSetName = (typeof PYTHON_SETS)[number];

export const isPythonSetName = (x: unknown): x is PythonSetName =>
  typeof x === 'string' && (PYTHON_SETS as readonly string[]).includes(x);

export type PythonSetState =
  | { status: 'ready'; python: string; lockHash: string }
  | { status: 'skipped' | 'failed' | 'missing'; reason: string };

/** `$CASEBOOK_PYTHON_SETS=none` switches every set off (a reader without PyPI, or a test of that path). */
export const NO_SETS_VAR = 'CASEBOOK_PYTHON_SETS';

/** What an environment override records as its lock: it was not made from the set's lock. */
export const OVERRIDE_LOCK_HASH = 'override';

/** `$CASEBOOK_PYSET_<NAME>`: the variable that points a set at another interpreter. */
export function pythonSetEnvVar(name: PythonSetName): string {
  return `CASEBOOK_PYSET_${name.toUpperCase().replaceAll('-', '_')}`;
}

/** `<repo>/.venvs/state.json`, written by scripts/bootstrap.mjs. */
export function pythonSetsStatePath(root: string = findRepoRoot()): string {
  return path.join(root, '.venvs', 'state.json');
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

const BOOTSTRAP_HINT = 'run `npm run bootstrap` (it makes the Python environments from PyPI)';

/**
 * The state of one set: ready with its python and lock hash, or why not. Takes any string (set names come from
 * options and flags): a name that is not one of PYTHON_SETS is `missing`, saying which names exist.
 */
export function pythonSet(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
  root: string = findRepoRoot(),
): PythonSetState {
  if (!isPythonSetName(name)) {
    return { status: 'missing', reason: `no Python set ${JSON.stringify(name)} (sets: ${PYTHON_SETS.join(', ')})` };
  }
  if (env[NO_SETS_VAR] === 'none') {
    return { status: 'skipped', reason: `every Python set is switched off ($${NO_SETS_VAR}=none)` };
  }
  const variable = pythonSetEnvVar(name);
  const override = env[variable];
  if (override !== undefined && override !== '') {
    if (override.includes(path.sep) && !fs.existsSync(override)) {
      return { status: 'missing', reason: `$${variable}=${override}: no such file` };
    }
    return { status: 'ready', python: override, lockHash: OVERRIDE_LOCK_HASH };
  }
  const file = pythonSetsStatePath(root);
  let state: unknown;
  try {
    state = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { status: 'missing', reason: `cannot read ${file} (${why}): ${BOOTSTRAP_HINT}` };
  }
  const entry = isRecord(state) && isRecord(state['sets']) ? state['sets'][name] : undefined;
  if (!isRecord(entry)) return { status: 'missing', reason: `${file} has no set ${name}: ${BOOTSTRAP_HINT}` };
  const { status, python, lockHash, reason } = entry;
  if (status === 'ready') {
    if (typeof python !== 'string' || typeof lockHash !== 'string') {
      return { status: 'missing', reason: `${file}: set ${name} is ready but names no python and lockHash` };
    }
    if (!fs.existsSync(python))
      return { status: 'missing', reason: `${python} (set ${name}) is gone: ${BOOTSTRAP_HINT}` };
    return { status: 'ready', python, lockHash };
  }
  if (status === 'skipped' || status === 'failed') {
    return { status, reason: typeof reason === 'string' ? reason : `set ${name} ${status} (no reason recorded)` };
  }
  return {
    status: 'missing',
    reason: `${file}: set ${name} has status ${JSON.stringify(status)}, not ready|skipped|failed`,
  };
}
