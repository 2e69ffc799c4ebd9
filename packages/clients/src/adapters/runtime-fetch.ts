import type { ClientAdapter, ClientName } from '../types';
import { pinnedSource } from '../version';
import { FETCH_RUNTIME_SUPPORT } from '../version-support';

/**
 * Bun's and Deno's global `fetch`: what application code on those runtimes gets, with the runtime's defaults. The
 * worker runs on that runtime (version-choice.ts launches it from the version store); opened anywhere else the adapter
 * refuses, so a run never measures Node's fetch under another name. Nothing is configured here: no connection cap,
 * keep-alive switch or CA (the capabilities say so and resolveClientOptions refuses them).
 *
 * Bun runs every fetch on its HTTP client thread and admits at most BUN_CONFIG_MAX_HTTP_REQUESTS of them at once per
 * process (default 256, src/http/AsyncHTTP.rs MAX_SIMULTANEOUS_REQUESTS; the rest wait in its queue): a configuration
 * of the runtime, read from the environment when the process starts, so the worker is started with it set when a run
 * raises it, and the record's settings say which value was in effect.
 */

/** Bun's default cap on fetches in flight per process, when BUN_CONFIG_MAX_HTTP_REQUESTS is not set. */
export const BUN_DEFAULT_MAX_HTTP_REQUESTS = 256;

type RuntimeName = 'bun' | 'deno';

/** This process's version of `runtime`, or null when it is not running on it. */
function runtimeVersion(runtime: RuntimeName): string | null {
  return process.versions[runtime] ?? null;
}

/** The cap Bun applies in this process: BUN_CONFIG_MAX_HTTP_REQUESTS when it is a valid value (1–65535), else 256. */
function bunMaxHttpRequests(): { value: number; source: 'BUN_CONFIG_MAX_HTTP_REQUESTS' | 'default' } {
  const raw = process.env['BUN_CONFIG_MAX_HTTP_REQUESTS'];
  const n = raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  return n >= 1 && n <= 65535
    ? { value: n, source: 'BUN_CONFIG_MAX_HTTP_REQUESTS' }
    : { value: BUN_DEFAULT_MAX_HTTP_REQUESTS, source: 'default' };
}

function runtimeFetch(
  name: ClientName,
  runtime: RuntimeName,
  description: string,
  source: (version: string) => string,
): ClientAdapter {
  return {
    name,
    description,
    packageName: runtime,
    get sourceUrl() {
      return source(runtimeVersion(runtime) ?? FETCH_RUNTIME_SUPPORT[runtime].pinned);
    },
    capabilities: { connectionCap: false, keepAliveOff: false, pipelining: false, tls: false, http2: false },
    // Outside its runtime (`casebook list` on Node): the version a run uses when none is chosen.
    version: () => runtimeVersion(runtime) ?? `${FETCH_RUNTIME_SUPPORT[runtime].pinned} (pinned; runs on ${runtime})`,
    async open(origin, options) {
      const version = runtimeVersion(runtime);
      if (version === null) throw new Error(`${name} runs on ${runtime} only; this process is Node ${process.version}`);
      const timeoutMs = options.requestTimeoutMs;
      const init = (): RequestInit => (timeoutMs === null ? {} : { signal: AbortSignal.timeout(timeoutMs) });
      return {
        async request(path) {
          const res = await fetch(origin + path, init());
          const body = await res.arrayBuffer();
          return { status: res.status, bodyBytes: body.byteLength, protocol: null };
        },
        settings: () => ({
          fetch: `${runtime} ${version} global fetch (runtime defaults)`,
          ...(runtime === 'bun' ? { bunMaxHttpRequests: bunMaxHttpRequests() } : {}),
          // How CPU per request is read on this runtime (load.ts): process.cpuUsage() is getrusage(RUSAGE_SELF) on
          // Bun and Deno as on Node, so it counts every thread (Bun's HTTP client thread, Deno's tokio workers):
          // checked against /proc/self/stat's utime+stime. Their eventLoopUtilization() is a stub that reads 0.
          cpuAccounting: 'process.cpuUsage() (getrusage RUSAGE_SELF: all threads of the process)',
          eventLoopUtilization: 'not measured (the runtime returns 0)',
        }),
        async close() {
          // The runtime's fetch has no client to close; the worker process exits after the run.
        },
      };
    },
  };
}

export const bunFetch = runtimeFetch(
  'bun-fetch',
  'bun',
  "Bun's global fetch() on a Bun runtime from the version store (BUN_CONFIG_MAX_HTTP_REQUESTS: 256 unless raised)",
  (v) => pinnedSource('oven-sh/bun', `bun-v${v}`, 'src/http/AsyncHTTP.rs'),
);

export const denoFetch = runtimeFetch(
  'deno-fetch',
  'deno',
  "Deno's global fetch() on a Deno runtime from the version store (runtime defaults)",
  (v) => pinnedSource('denoland/deno', `v${v}`, 'ext/fetch/26_fetch.js'),
);
