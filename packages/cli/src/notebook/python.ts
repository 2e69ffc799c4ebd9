import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { NotebookError } from './errors';
import { pythonStatePath, repoRoot } from './paths';

export type PythonSource = 'CASEBOOK_PYTHON' | 'recorded' | 'system' | 'PATH';

export interface PythonInfo {
  /** Interpreter to run the helper with. */
  python: string;
  /**
   * Where it came from: $CASEBOOK_PYTHON; `.jupyter/casebook-python.json`, where bootstrap records the `runner` set's
   * environment (`.venvs/runner-<lock hash>`, nbclient from PyPI) or, without PyPI, an existing Jupyter; then
   * /usr/bin/python3 or python3 on PATH.
   */
  source: PythonSource;
}

const PROBE = 'import nbclient, nbformat, sys; print(sys.executable)';

/** Whether `python` can import nbclient and nbformat; returns its sys.executable if so. */
export function probePython(python: string): string | undefined {
  const r = spawnSync(python, ['-c', PROBE], { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) return undefined;
  const exe = r.stdout.trim().split('\n').pop();
  return exe !== undefined && exe !== '' ? exe : python;
}

function recordedPython(root: string): string | undefined {
  try {
    const state = JSON.parse(fs.readFileSync(pythonStatePath(root), 'utf8')) as { python?: unknown };
    return typeof state.python === 'string' && fs.existsSync(state.python) ? state.python : undefined;
  } catch {
    return undefined;
  }
}

const found = new Map<string, PythonInfo>();

/**
 * Finds a Python that imports nbclient + nbformat. Order: $CASEBOOK_PYTHON, the one bootstrap recorded in
 * `<repo>/.jupyter/casebook-python.json` (the runner set's environment; trusted without a probe), /usr/bin/python3,
 * python3 on PATH.
 * Throws a NotebookError telling the user to run `npm run bootstrap` when there is none.
 */
export function findPython(root: string = repoRoot(), env: NodeJS.ProcessEnv = process.env): PythonInfo {
  const fromEnv =
    env['CASEBOOK_PYTHON'] !== undefined && env['CASEBOOK_PYTHON'] !== '' ? env['CASEBOOK_PYTHON'] : undefined;
  const key = `${root}\0${fromEnv ?? ''}`;
  const cached = found.get(key);
  if (cached) return cached;

  const recorded = recordedPython(root);
  const tried: string[] = [];
  let result: PythonInfo | undefined;
  if (fromEnv !== undefined && fromEnv === recorded) {
    result = { python: recorded, source: 'CASEBOOK_PYTHON' };
  } else if (fromEnv !== undefined && probePython(fromEnv) !== undefined) {
    result = { python: fromEnv, source: 'CASEBOOK_PYTHON' };
  } else {
    if (fromEnv !== undefined) tried.push(`$CASEBOOK_PYTHON=${fromEnv}`);
    if (recorded !== undefined) {
      result = { python: recorded, source: 'recorded' };
    } else {
      const candidates: Array<[string, PythonSource]> =
        process.platform === 'win32'
          ? [['python', 'PATH']]
          : [
              ['/usr/bin/python3', 'system'],
              ['python3', 'PATH'],
            ];
      for (const [candidate, source] of candidates) {
        const exe = probePython(candidate);
        if (exe !== undefined) {
          result = { python: source === 'PATH' ? exe : candidate, source };
          break;
        }
        tried.push(candidate);
      }
    }
  }
  if (!result) {
    throw new NotebookError(
      'CASEBOOK_PYTHON_MISSING',
      `no Python that can import nbclient and nbformat (tried ${tried.join(', ')}). ` +
        'Run `npm run bootstrap` to install or locate one (Debian/Ubuntu: python3-nbclient), ' +
        'or set CASEBOOK_PYTHON to an interpreter that has nbclient and nbformat.',
    );
  }
  found.set(key, result);
  return result;
}
