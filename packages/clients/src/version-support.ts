import { type ExactVersion, satisfiesRange, UsageError } from '@casebook/results';
import type { ClientName, ResolvedClientOptions } from './types';

/**
 * Which published versions each adapter can drive, in one table. The adapters call APIs that appeared (or went) in
 * particular major lines; a version outside its range is refused before anything runs, with the reason, never run
 * with an adapter that would silently do something else. Ranges were read from the adapters' calls and the
 * packages' changelogs; widen one only after running the adapter against that line.
 */

export interface VersionSupport {
  /** The npm package whose version is chosen. */
  packageName: 'undici' | 'got' | 'axios';
  /** Versions this adapter drives (comparators joined by spaces, alternatives by ||). */
  range: string;
  /** What in the adapter needs that range. */
  why: string;
}

export const CLIENT_VERSION_SUPPORT: Readonly<Record<ClientName, VersionSupport | null>> = {
  'undici-request': {
    packageName: 'undici',
    range: '>=6.0.0 <9.0.0',
    why: 'Agent#request with body.arrayBuffer() and the Agent options allowH2, connect and pipelining: undici 6, 7 and 8',
  },
  'undici-fetch': {
    packageName: 'undici',
    range: '>=6.0.0 <9.0.0',
    why: "undici's fetch() with an Agent as dispatcher: undici 6, 7 and 8",
  },
  'undici-dispatch': {
    packageName: 'undici',
    range: '>=7.0.0 <9.0.0',
    why:
      'its raw handler implements the controller API (onRequestStart, onResponseStart, onResponseData, onResponseEnd) ' +
      'that undici 7 introduced; undici 6 calls onConnect/onHeaders/onData/onComplete, which it does not implement',
  },
  axios: {
    packageName: 'axios',
    range: '>=1.0.0 <2.0.0',
    why: 'axios.create with httpAgent/httpsAgent, responseType arraybuffer and validateStatus: axios 1.x',
  },
  got: {
    packageName: 'got',
    range: '>=14.0.0 <17.0.0',
    why: 'got.extend with retry.limit, throwHttpErrors, responseType buffer and agent: got 14, 15 and 16',
  },
  'node-fetch': null,
  'node-http': null,
  'node-http2': null,
  'bun-fetch': null,
  'deno-fetch': null,
};

/** Option features that need a later version than the adapter's base range. */
const FEATURE_SUPPORT: readonly {
  packageName: VersionSupport['packageName'];
  applies: (options: ResolvedClientOptions) => boolean;
  option: string;
  range: string;
  why: string;
}[] = [
  {
    packageName: 'axios',
    applies: (o) => o.protocol === 'h2',
    option: 'protocol',
    range: '>=1.13.0',
    why: "axios's HTTP/2 transport (httpVersion: 2) arrived in axios 1.13",
  },
  {
    packageName: 'got',
    applies: (o) => o.protocol === 'h2' && o.connections !== null,
    option: 'connections',
    range: '>=16.0.0',
    why: "a connection cap over HTTP/2 sets maxSessions on got 16's own Http2Agent; got 14 and 15 use http2-wrapper",
  },
];

/**
 * The runtimes a worker runs on: the lines the lab was run on (22, 24, 26). Node 20 is end of life and its V8 cannot
 * be assumed to read the IPC messages (advanced serialization) of the Node 24 parent. The client's own
 * `engines.node` is checked separately (clientEnginesProblem).
 */
export const RUNTIME_SUPPORT = {
  range: '>=22.0.0',
  why: 'the client worker is run on Node 22 and later (Node 20 is end of life; undici 8 and got 16 need 22)',
} as const;

/**
 * Refuse a client version the adapter cannot drive (UsageError on `field`, exit 2 from the CLI). Returns the package
 * whose version it is.
 */
export function checkClientVersion(
  client: ClientName,
  version: ExactVersion,
  options: ResolvedClientOptions | null = null,
  field = '--client-version',
): VersionSupport['packageName'] {
  const support = CLIENT_VERSION_SUPPORT[client];
  if (support === null)
    throw new UsageError(
      field,
      version.text,
      client === 'node-fetch'
        ? "node-fetch is Node's global fetch, whose undici is bundled with Node: choose it with --node"
        : client === 'bun-fetch' || client === 'deno-fetch'
          ? `${client} is built into its runtime and has no package version: choose the runtime with --${FETCH_RUNTIME_OF[client]}`
          : `${client} is built into Node and has no package version: choose the runtime with --node`,
    );
  if (!satisfiesRange(version, support.range))
    throw new UsageError(
      field,
      version.text,
      `${client} supports ${support.packageName} ${support.range}: ${support.why}`,
    );
  if (options !== null)
    for (const feature of FEATURE_SUPPORT) {
      if (
        feature.packageName === support.packageName &&
        feature.applies(options) &&
        !satisfiesRange(version, feature.range)
      )
        throw new UsageError(
          field,
          version.text,
          `${feature.option} as given needs ${support.packageName} ${feature.range}: ${feature.why}`,
        );
    }
  return support.packageName;
}

/** The runtimes whose global fetch is a client (bun-fetch, deno-fetch): each runs only on its own runtime. */
export type FetchRuntime = 'bun' | 'deno';

export const FETCH_RUNTIME_OF: Readonly<Record<'bun-fetch' | 'deno-fetch', FetchRuntime>> = {
  'bun-fetch': 'bun',
  'deno-fetch': 'deno',
};

/** The runtime a client must run on when it is another runtime's fetch; null for Node clients. */
export function fetchRuntimeOf(client: ClientName): FetchRuntime | null {
  return client === 'bun-fetch' || client === 'deno-fetch' ? FETCH_RUNTIME_OF[client] : null;
}

/**
 * Bun and Deno, installed from npm like Node (the version store): the versions their worker runs on, and the version a
 * run uses when none is chosen (pinned; the store pins its tarball by the registry's integrity).
 */
export const FETCH_RUNTIME_SUPPORT: Readonly<
  Record<FetchRuntime, { range: string; why: string; pinned: string; flag: string }>
> = {
  bun: {
    range: '>=1.2.0',
    why: 'the worker (CommonJS, node:child_process IPC as a child of Node with JSON serialization) runs on Bun 1.2 and later',
    pinned: '1.4.5',
    flag: '--bun',
  },
  deno: {
    range: '>=2.2.0',
    why: 'the worker runs on Deno 2.2 and later (Node IPC as a child, CommonJS detection with --unstable-detect-cjs)',
    pinned: '2.9.6',
    flag: '--deno',
  },
};

/** Refuse a Bun or Deno version outside FETCH_RUNTIME_SUPPORT (UsageError on the runtime's flag, or `field`). */
export function checkFetchRuntimeVersion(runtime: FetchRuntime, version: ExactVersion, field?: string): void {
  const support = FETCH_RUNTIME_SUPPORT[runtime];
  if (!satisfiesRange(version, support.range))
    throw new UsageError(
      field ?? support.flag,
      version.text,
      `${runtime} ${support.range} is supported: ${support.why}`,
    );
}

/** Refuse a runtime outside RUNTIME_SUPPORT (UsageError on `field`). */
export function checkRuntimeVersion(version: ExactVersion, field = '--node'): void {
  if (!satisfiesRange(version, RUNTIME_SUPPORT.range))
    throw new UsageError(
      field,
      version.text,
      `runtimes ${RUNTIME_SUPPORT.range} are supported: ${RUNTIME_SUPPORT.why}`,
    );
}

/**
 * Why `runtime` cannot run a client package whose package.json says `engines.node` (null when it can, or declares
 * nothing): got 16 and undici 8 need Node 22 or later, for instance.
 */
export function clientEnginesProblem(
  packageName: string,
  packageVersion: string,
  enginesNode: string | undefined,
  runtime: ExactVersion,
): string | null {
  if (enginesNode === undefined || enginesNode.trim() === '') return null;
  let ok: boolean;
  try {
    ok = satisfiesRange(runtime, enginesNode);
  } catch {
    // A form the range reader does not know: do not guess, let it run (the record says what ran).
    return null;
  }
  return ok
    ? null
    : `${packageName} ${packageVersion} needs Node ${enginesNode} (its engines field); the runtime is ${runtime.text}`;
}
