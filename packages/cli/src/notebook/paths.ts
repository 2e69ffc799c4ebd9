import fs from 'node:fs';
import path from 'node:path';
import { NotebookError } from './errors';

/** Name of the repo-local tslab kernelspec (the folder under `<repo>/.jupyter/kernels/`). */
export const kernelName = 'casebook-tslab';
export const kernelDisplayName = 'TypeScript (casebook, Node 24)';

function hasWorkspaces(dir: string): boolean {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { workspaces?: unknown };
    return pkg.workspaces !== undefined && pkg.workspaces !== null;
  } catch {
    return false;
  }
}

function walkUp(start: string): string | undefined {
  let dir = path.resolve(start);
  for (;;) {
    if (hasWorkspaces(dir)) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

const cache = new Map<string, string>();

/**
 * The repository root: the nearest folder, walking up, whose package.json declares `workspaces`.
 * Searches from `start` if given, else from this module's folder, then from the working directory.
 */
export function repoRoot(start?: string): string {
  const starts = start !== undefined ? [start] : [typeof __dirname === 'string' ? __dirname : undefined, process.cwd()];
  for (const s of starts) {
    if (s === undefined) continue;
    const cached = cache.get(s);
    if (cached !== undefined) return cached;
    const found = walkUp(s);
    if (found !== undefined) {
      cache.set(s, found);
      return found;
    }
  }
  throw new NotebookError(
    'CASEBOOK_REPO_ROOT',
    `cannot find the casebook repository (a package.json with "workspaces") above ${starts.filter(Boolean).join(' or ')}`,
  );
}

/** `<repo>/.jupyter`: the Jupyter data dir holding the kernelspec; goes first on JUPYTER_PATH. */
export function jupyterDataDir(root: string = repoRoot()): string {
  return path.join(root, '.jupyter');
}

/** `<repo>/.jupyter/casebook-python.json`, written by scripts/bootstrap.mjs. */
export function pythonStatePath(root: string = repoRoot()): string {
  return path.join(jupyterDataDir(root), 'casebook-python.json');
}

/** The nbclient helper script. */
export function executeNotebookScript(root: string = repoRoot()): string {
  return path.join(root, 'packages', 'cli', 'python', 'execute_notebook.py');
}

/** JUPYTER_PATH with the repo's data dir first, keeping whatever was set before. */
export function jupyterPathEnv(root: string = repoRoot(), existing?: string): string {
  const own = jupyterDataDir(root);
  const rest = (existing ?? '').split(path.delimiter).filter((p) => p !== '' && path.resolve(p) !== own);
  return [own, ...rest].join(path.delimiter);
}
