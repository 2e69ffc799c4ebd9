import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * The open-file limit (RLIMIT_NOFILE) of this process and what its children get. A reader's machine is not ours: the
 * usual Linux soft limit is 1024 (macOS: 256), and a client holding hundreds of sockets fails with EMFILE under it.
 * Node cannot raise its own limit, so every child of a run is started through `sh -c 'ulimit -Sn <n>; exec …'`
 * (@casebook/procs fd-limits.ts) with the soft limit raised to the hard one. This file reads the limits (once per
 * process) and finds what a raise actually yields; it lives here, below procs, because the run environment
 * (environment.ts) records it.
 */

export interface FileLimits {
  /** This process's soft limit; null when it could not be read (no POSIX shell). */
  soft: number | null;
  /**
   * The soft limit the caller gave the first casebook process of this run (its shell's `ulimit -Sn`), inherited
   * through SOFT_AT_START_ENV; this process's `soft` when it is that first process. A notebook's kernel is itself a
   * child started with the raised limit, so its own `soft` is the harness's, not the reader's.
   */
  softAtStart: number | null;
  /** The hard limit (the most an unprivileged process may set); `unlimited` reads as UNLIMITED_OPEN_FILES. */
  hard: number | null;
  /** The soft limit children are started with (read back after setting it); null when no raise was possible. */
  raisedTo: number | null;
  reason: string;
}

/** How `ulimit` reports no limit, as a number: larger than any need, so comparisons with a need still hold. */
export const UNLIMITED_OPEN_FILES = Number.MAX_SAFE_INTEGER;

/**
 * Soft limits to try, highest first, when the hard limit is `unlimited` or setting it fails: macOS reports an
 * unlimited hard limit but refuses a soft limit above kern.maxfilesperproc. 1048576 is Linux's default nr_open,
 * 524288 systemd's default hard limit, 24576 and 10240 (OPEN_MAX) macOS's usual per-process caps.
 */
const RAISE_LADDER = [1_048_576, 524_288, 262_144, 65_536, 24_576, 10_240, 4_096] as const;

/**
 * Prints the soft limit, the hard limit, then the first candidate (the hard limit, then the ladder below it) that
 * `ulimit -Sn` accepts, as read back. Each try runs in a subshell, so a refused value changes nothing.
 */
const PROBE_SCRIPT = [
  'ulimit -Sn; h=$(ulimit -Hn); echo "$h"',
  'for n in "$h" "$@"; do',
  '  [ "$n" = unlimited ] && continue',
  '  [ "$h" != unlimited ] && [ "$n" -gt "$h" ] && continue',
  '  if got=$( (ulimit -Sn "$n" && ulimit -Sn) 2>/dev/null ); then echo "$got"; exit 0; fi',
  'done',
].join('\n');

const SHELL = '/bin/sh';

function parseLimit(text: string | undefined): number | null {
  const t = text?.trim();
  if (t === 'unlimited') return UNLIMITED_OPEN_FILES;
  if (t === undefined || !/^\d+$/.test(t)) return null;
  return Number(t);
}

function formatLimit(n: number | null): string {
  return n === UNLIMITED_OPEN_FILES ? 'unlimited' : String(n);
}

/**
 * The environment variable that carries the caller's soft limit to every casebook process below the first: set by
 * the first process that reads its limits, inherited by its children (a notebook kernel, the CLI it runs).
 */
export const SOFT_AT_START_ENV = 'CASEBOOK_OPEN_FILES_SOFT_AT_START';

/** The caller's soft limit from SOFT_AT_START_ENV (a count or `unlimited`), or null when absent or not a limit. */
export function softAtStartFromEnv(env: NodeJS.ProcessEnv = process.env): number | null {
  return parseLimit(env[SOFT_AT_START_ENV]);
}

/**
 * What the probe printed (three lines: soft, hard, raised) as FileLimits; `softAtStart` is the caller's soft limit
 * when a parent casebook process passed it down (default: this process's soft limit). Pure, for tests.
 */
export function parseFileLimitsProbe(output: string, softAtStartInherited: number | null = null): FileLimits {
  const [softLine, hardLine, raisedLine] = output.split('\n');
  const soft = parseLimit(softLine);
  const hard = parseLimit(hardLine);
  const softAtStart = softAtStartInherited ?? soft;
  if (soft === null || hard === null)
    return {
      soft,
      softAtStart,
      hard,
      raisedTo: null,
      reason: `could not read the open-file limits (got ${JSON.stringify(output)})`,
    };
  const raised = parseLimit(raisedLine);
  if (raised === null)
    return {
      soft,
      softAtStart,
      hard,
      raisedTo: null,
      reason: `soft limit ${formatLimit(soft)} could not be raised (hard ${formatLimit(hard)}); children keep it`,
    };
  if (raised <= soft)
    return {
      soft,
      softAtStart,
      hard,
      raisedTo: soft,
      reason: `soft limit ${formatLimit(soft)} already at the most it can be${callerNote(soft, softAtStart)}`,
    };
  const how = raised === hard ? 'the hard limit' : `the most ulimit accepts (hard ${formatLimit(hard)})`;
  return {
    soft,
    softAtStart,
    hard,
    raisedTo: raised,
    reason: `children raised from soft ${formatLimit(soft)} to ${formatLimit(raised)}, ${how}${callerNote(soft, softAtStart)}`,
  };
}

function callerNote(soft: number, softAtStart: number | null): string {
  return softAtStart !== null && softAtStart !== soft
    ? ` (the caller's soft limit was ${formatLimit(softAtStart)})`
    : '';
}

let cached: FileLimits | null = null;

/** This process's open-file limits and what children get; read once per process (one `sh` run). */
export function fileLimits(): FileLimits {
  if (cached) return cached;
  const inherited = softAtStartFromEnv();
  if (process.platform === 'win32' || !fs.existsSync(SHELL)) {
    cached = {
      soft: null,
      softAtStart: inherited,
      hard: null,
      raisedTo: null,
      reason: `no POSIX shell (${SHELL}) on ${process.platform}`,
    };
    return cached;
  }
  try {
    const output = execFileSync(SHELL, ['-c', PROBE_SCRIPT, 'sh', ...RAISE_LADDER.map(String)], {
      stdio: ['ignore', 'pipe', 'ignore'],
    }).toString();
    cached = parseFileLimitsProbe(output, inherited);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    cached = {
      soft: null,
      softAtStart: inherited,
      hard: null,
      raisedTo: null,
      reason: `reading the limits failed: ${message}`,
    };
  }
  // The first casebook process passes the caller's limit down; children (spawned with process.env) inherit it.
  if (inherited === null && cached.softAtStart !== null)
    process.env[SOFT_AT_START_ENV] = formatLimit(cached.softAtStart);
  return cached;
}

/** Where Linux keeps the range of local ports it picks from for outgoing connections ("32768\t60999"). */
const EPHEMERAL_PORTS_FILE = '/proc/sys/net/ipv4/ip_local_port_range';

/**
 * The ephemeral port range, [low, high]: a client opening and closing many connections runs out of these before it
 * runs out of descriptors. Null where it cannot be read (not Linux).
 */
export function ephemeralPorts(file: string = EPHEMERAL_PORTS_FILE): [number, number] | null {
  try {
    const [low, high] = fs.readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
    return low !== undefined && high !== undefined && Number.isInteger(low) && Number.isInteger(high)
      ? [low, high]
      : null;
  } catch {
    return null;
  }
}
