import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Where the client packages under study are loaded from. By default the workspace's node_modules (the versions the
 * case studies pin); a worker told to run another version (the version store, `casebook bench --client-version`)
 * points a package at the store folder's node_modules with `useClientPackages` before it opens the client.
 *
 * Every adapter loads its package through `requireClient` / `importClient` rather than a bare `require('undici')`:
 * the entry is resolved from the chosen folder by absolute path, so the same code loads any version, CommonJS or
 * ESM, on any runtime (NODE_PATH does not reach ESM, and module hooks differ between Node lines). What the client
 * package itself imports resolves from its own folder, as it would in any install.
 */

const roots = new Map<string, string>();

/** Point packages at other node_modules folders: `{ undici: '<store>/undici@7.16.0-…/node_modules' }`. */
export function useClientPackages(nodeModulesByPackage: Readonly<Record<string, string>>): void {
  for (const [name, dir] of Object.entries(nodeModulesByPackage)) roots.set(name, path.resolve(dir));
}

/** The node_modules folder `name` is loaded from when it is not the workspace's; undefined for the workspace. */
export function clientPackageRoot(name: string): string | undefined {
  return roots.get(name);
}

/** The file `specifier` (a package or a subpath of one) resolves to, from its chosen folder. */
export function resolveClient(specifier: string): string {
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  const root = name === undefined ? undefined : roots.get(name);
  // A require() anchored inside the chosen node_modules: package `exports` and the require condition apply.
  return root === undefined ? require.resolve(specifier) : createRequire(path.join(root, 'noop.js')).resolve(specifier);
}

/** `require()` of a CommonJS client package (undici, axios) from its chosen folder. */
export function requireClient(specifier: string): unknown {
  return require(resolveClient(specifier));
}

/**
 * `import()` of an ESM client package (got) from its chosen folder. `load` is the adapter's own `import('got')`:
 * the workspace's copy, and the type of any version's module.
 */
export function importClient<T>(specifier: string, load: () => Promise<T>): Promise<T> {
  const root = roots.get(specifier.split('/')[0] ?? specifier);
  if (root === undefined) return load();
  // The same package at another version: its module has the shape the adapter was written against (the support
  // table, version-support.ts, says which versions that holds for).
  return import(pathToFileURL(resolveClient(specifier)).href) as Promise<T>;
}
