import { type FileLimits, fileLimits, UNLIMITED_OPEN_FILES, UsageError } from '@casebook/results';

/**
 * Open files on a reader's machine. Measured with `ulimit -n 1024` (the usual Linux soft limit; macOS: 256),
 * `casebook bench --client undici-request --concurrency 512` failed 12,306 of 20,480 requests with EMFILE. Node
 * cannot raise its own RLIMIT_NOFILE, so every child of a run (client, target, proxies, DNS servers, Python worker)
 * is started through a shell that raises its soft limit to the hard limit and then execs the command
 * (fileLimitWrapper, used by spawnPinned); and a run that cannot fit even then is refused before anything starts
 * (fdPreflight). The limits are read once per process (@casebook/results file-limits.ts, where the run environment
 * records them).
 */

export { type FileLimits, fileLimits } from '@casebook/results';

/**
 * `sh -c '…' sh <n> <cmd> <args…>`: set the soft limit, then exec the command, so the child keeps the PID spawn
 * returned (tracking, kill and the IPC channel are unchanged). A refused `ulimit` is ignored: the child then runs
 * with the inherited limit, which the record states.
 */
const RAISE_SCRIPT = 'ulimit -Sn "$1" 2>/dev/null; shift; exec "$@"';

/**
 * The command and leading arguments that start a command (appended after them) with the raised soft limit, or null
 * when there is nothing to raise (limits unknown, no POSIX shell, or already at the most).
 */
export function fileLimitWrapper(limits: FileLimits = fileLimits()): { command: string; args: string[] } | null {
  const { soft, raisedTo } = limits;
  if (soft === null || raisedTo === null || raisedTo <= soft) return null;
  return { command: '/bin/sh', args: ['-c', RAISE_SCRIPT, 'sh', String(raisedTo)] };
}

/**
 * Clients whose pools may hold about twice the in-flight sockets for a moment: undici (and Node's fetch, built on it)
 * opens a replacement connection before the closed one's descriptor is released, so under churn a pool of N can
 * hold up to 2N descriptors.
 */
const SOCKET_DOUBLING_CLIENTS: ReadonlySet<string> = new Set([
  'undici-request',
  'undici-dispatch',
  'undici-fetch',
  'node-fetch',
]);

/** Sockets per in-flight request for the clients above (see there). */
const DOUBLING_SOCKETS_PER_REQUEST = 2;

/** Sockets per in-flight request for other clients: one connection each, released when closed. */
const SOCKETS_PER_REQUEST = 1;

/**
 * Descriptors a process uses besides its sockets: stdio, the IPC channel, the event loop's epoll/kqueue and
 * eventfds, the loaded modules and libuv's threadpool files, the target's listening socket and TLS files. About 30
 * measured in a Node child; doubled for headroom.
 */
const BASE_DESCRIPTORS = 64;

export interface FdPreflightInput {
  /** Requests in flight (the highest of a list of measurements). */
  concurrency: number;
  /** The clients that will run at that concurrency (names as in `casebook list`, or a foreign client's). */
  clients: readonly string[];
  /** A per-origin connection cap: sockets never exceed it (null or absent: no cap). */
  connections?: number | null;
}

export interface FdNeed {
  /** Descriptors the client process needs. */
  client: number;
  /** Descriptors the target process needs: one socket per in-flight request. */
  target: number;
  /** The larger of the two: each is its own process with its own limit. */
  perProcess: number;
}

/** Descriptors a run at `concurrency` needs per process; pure. */
export function fdNeed(input: FdPreflightInput): FdNeed {
  const sockets = Math.min(input.concurrency, input.connections ?? Number.POSITIVE_INFINITY);
  const perRequest = input.clients.some((c) => SOCKET_DOUBLING_CLIENTS.has(c))
    ? DOUBLING_SOCKETS_PER_REQUEST
    : SOCKETS_PER_REQUEST;
  const client = perRequest * sockets + BASE_DESCRIPTORS;
  const target = sockets + BASE_DESCRIPTORS;
  return { client, target, perProcess: Math.max(client, target) };
}

function fixCommand(need: number, platform: NodeJS.Platform): string {
  return platform === 'darwin'
    ? `sudo launchctl limit maxfiles ${need} unlimited, then \`ulimit -n ${need}\` in the shell that runs casebook`
    : `\`ulimit -n ${need}\` in the shell that runs casebook (a hard limit below it needs root: /etc/security/limits.conf or systemd's LimitNOFILE)`;
}

function formatLimit(n: number | null): string {
  return n === null ? 'unknown' : n === UNLIMITED_OPEN_FILES ? 'unlimited' : String(n);
}

/**
 * Refuse a run whose processes cannot open the descriptors it needs: throws UsageError (CASEBOOK_USAGE, so the CLI
 * exits 2 with nothing written) naming the concurrency, the need, the limit and the command that fixes it. The limit
 * is what children are started with (the soft limit raised to the hard one); unknown limits pass. Returns the need.
 */
export function fdPreflight(
  input: FdPreflightInput,
  limits: FileLimits = fileLimits(),
  platform: NodeJS.Platform = process.platform,
): FdNeed {
  const need = fdNeed(input);
  const available = limits.raisedTo ?? limits.soft;
  if (available === null || available >= need.perProcess) return need;
  const doubling = input.clients.filter((c) => SOCKET_DOUBLING_CLIENTS.has(c));
  const why =
    doubling.length > 0
      ? `${DOUBLING_SOCKETS_PER_REQUEST} sockets per request in flight for ${doubling.join(', ')} + ${BASE_DESCRIPTORS}`
      : `1 socket per request in flight + ${BASE_DESCRIPTORS}`;
  throw new UsageError(
    'concurrency',
    input.concurrency,
    `needs ${need.perProcess} open files per process (${why}), but this machine lets a child open ${available} ` +
      `(your soft limit ${formatLimit(limits.softAtStart ?? limits.soft)}, hard limit ${formatLimit(limits.hard)}); raise it: ${fixCommand(need.perProcess, platform)}, or lower the concurrency`,
  );
}
