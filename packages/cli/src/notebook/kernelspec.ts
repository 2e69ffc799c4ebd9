import fs from 'node:fs';
import path from 'node:path';
import { jupyterDataDir, kernelDisplayName, kernelName, repoRoot } from './paths';

/** A Jupyter kernelspec (kernel.json). */
export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  env: Record<string, string>;
  metadata: Record<string, unknown>;
}

/** `<repo>/.jupyter/kernels/casebook-tslab/kernel.json` */
export function kernelspecPath(root: string = repoRoot()): string {
  return path.join(jupyterDataDir(root), 'kernels', kernelName, 'kernel.json');
}

/** The kernel's preload: `<repo>/packages/cli/kernel/zmq-send-queue.cjs`. */
export function kernelPreloadPath(root: string = repoRoot()): string {
  return path.join(root, 'packages', 'cli', 'kernel', 'zmq-send-queue.cjs');
}

/**
 * The repo-local tslab kernelspec: the pinned Node 24 from node_modules runs the repo's tslab.
 * Must stay byte-identical to what scripts/bootstrap.mjs writes (same keys, same order).
 */
export function kernelSpec(root: string = repoRoot()): KernelSpec {
  return {
    argv: [
      path.join(root, 'node_modules', '.bin', 'node'),
      // Queues the kernel's sends that zeromq.js would refuse as busy (see the file): without it every 513th output
      // can fail its cell with no error text.
      '--require',
      kernelPreloadPath(root),
      path.join(root, 'node_modules', 'tslab', 'bin', 'tslab'),
      'kernel',
      '--config-path',
      '{connection_file}',
    ],
    display_name: kernelDisplayName,
    language: 'typescript',
    env: {
      CASEBOOK_REPO_ROOT: root,
      CASEBOOK_KERNEL: kernelName,
    },
    metadata: { debugger: false },
  };
}

export function kernelSpecText(root: string = repoRoot()): string {
  return `${JSON.stringify(kernelSpec(root), null, 2)}\n`;
}

/** Writes the kernelspec if it is missing or differs (atomically). Cheap when it is in place. */
export function ensureKernelspec(root: string = repoRoot()): { path: string; written: boolean } {
  const file = kernelspecPath(root);
  const text = kernelSpecText(root);
  try {
    if (fs.readFileSync(file, 'utf8') === text) return { path: file, written: false };
  } catch {
    // missing: write it
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
  return { path: file, written: true };
}
