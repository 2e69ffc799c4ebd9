import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientPackageRoot } from './client-modules';

/**
 * Version of an installed package, read from its package.json. Works for ESM-only packages whose
 * `exports` map hides package.json, by walking the resolution paths instead of resolving an entry point.
 */
export function installedVersion(packageName: string): string {
  const root = clientPackageRoot(packageName);
  if (root !== undefined) {
    const json = JSON.parse(fs.readFileSync(path.join(root, packageName, 'package.json'), 'utf8')) as {
      version?: string;
    };
    if (json.version) return json.version;
  }
  const paths = require.resolve.paths(packageName) ?? [];
  for (const dir of paths) {
    const file = path.join(dir, packageName, 'package.json');
    if (fs.existsSync(file)) {
      const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: string };
      if (json.version) return json.version;
    }
  }
  throw new Error(`package ${packageName} is not installed (looked in ${paths.length} folders)`);
}

/** Error code for counting: the first `code` along the cause chain, else the error's name. */
export function errorCode(error: unknown): string {
  let current: unknown = error;
  let fallback: string | null = null;
  for (let depth = 0; depth < 6 && current; depth++) {
    if (typeof current === 'object') {
      const e = current as { code?: unknown; name?: unknown; cause?: unknown };
      if (typeof e.code === 'string' && e.code.length > 0) return e.code;
      if (fallback === null && typeof e.name === 'string' && e.name !== 'Error') fallback = e.name;
      current = e.cause;
    } else break;
  }
  return fallback ?? 'UNKNOWN_ERROR';
}

/** A GitHub source link pinned to a tag (never a moving branch): `https://github.com/<repo>/blob/<tag>/<file>`. */
export function pinnedSource(repo: string, tag: string, file: string): string {
  return `https://github.com/${repo}/blob/${tag}/${file}`;
}
