import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnPinned } from '@casebook/procs';
import { CasebookError } from '@casebook/results';
import { parseProcStatCpuMicros } from './proc-cpu';

/**
 * wrk (Debian's `wrk` 4.x) as a load generator: a closed loop of `connections` on one thread, latency timed from each
 * request's send (so it hides stalls: coordinated omission), percentiles from its `--latency` output. A tiny Lua
 * `done` hook prints wrk's own /proc/self/stat and run time, so its CPU share is read the same way as the app's. The
 * hook defines no `request`/`response` function, so wrk keeps sending its static request with no Lua per request.
 */

export interface WrkLatencyMs {
  mean: number;
  stdev: number;
  max: number;
  p50: number;
  p75: number;
  p90: number;
  p99: number;
}

export interface WrkResult {
  requests: number;
  durationMs: number;
  requestsPerSec: number;
  latencyMs: WrkLatencyMs;
  /** Socket errors by kind, and responses that were not 2xx or 3xx. */
  errors: { connect: number; read: number; write: number; timeout: number; non2xx3xx: number };
  /** From the Lua hook: wrk's measured run time and CPU (all threads), µs. Null when the hook's line is missing. */
  self: { durationMicros: number; cpuMicros: number | null } | null;
}

/** A reply slower than this is a timeout for wrk (its default, 2 s, would drop the slow tail at saturation). */
const WRK_TIMEOUT_S = 10;

const HOOK_TAG = 'casebook-wrk-self';

const LUA_HOOK = `-- casebook: report wrk's own run time and /proc/self/stat once, at the end (no per-request Lua).
done = function(summary, latency, requests)
  local f = io.open("/proc/self/stat", "r")
  local stat = f and f:read("*l") or ""
  if f then f:close() end
  io.write("${HOOK_TAG} " .. summary.duration .. " " .. stat .. "\\n")
end
`;

/** wrk's time units (units.c): us, ms, s, m, h. */
const MS_PER_UNIT: Readonly<Record<string, number>> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function durationMs(text: string, what: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text);
  const factor = m ? MS_PER_UNIT[m[2] as string] : undefined;
  if (!m || factor === undefined) throw new CasebookError('CASEBOOK_RUN', `wrk output: cannot read ${what} "${text}"`);
  return Number(m[1]) * factor;
}

function required(text: string, re: RegExp, what: string): RegExpExecArray {
  const m = re.exec(text);
  if (!m)
    throw new CasebookError('CASEBOOK_RUN', `wrk output: no ${what} line in ${JSON.stringify(text.slice(0, 300))}`);
  return m;
}

const count = (text: string, re: RegExp): number => Number(re.exec(text)?.[1] ?? 0);

/** Read wrk's `--latency` report (and the hook's line, when present). Throws CASEBOOK_RUN when a figure is missing. */
export function parseWrkOutput(text: string): WrkResult {
  const lat = required(text, /^\s*Latency\s+(\S+)\s+(\S+)\s+(\S+)/m, 'Latency');
  const pct = (p: number): number =>
    durationMs(required(text, new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm'), `${p}% latency`)[1] as string, `${p}%`);
  const total = required(text, /^\s*(\d+) requests in (\S+?),/m, 'requests');
  const rps = required(text, /^Requests\/sec:\s+([\d.]+)/m, 'Requests/sec');
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const hook = new RegExp(`^${HOOK_TAG} (\\d+) (.*)$`, 'm').exec(text);
  return {
    requests: Number(total[1]),
    durationMs: durationMs(total[2] as string, 'duration'),
    requestsPerSec: Number(rps[1]),
    latencyMs: {
      mean: durationMs(lat[1] as string, 'mean latency'),
      stdev: durationMs(lat[2] as string, 'latency stdev'),
      max: durationMs(lat[3] as string, 'max latency'),
      p50: pct(50),
      p75: pct(75),
      p90: pct(90),
      p99: pct(99),
    },
    errors: {
      connect: Number(socket?.[1] ?? 0),
      read: Number(socket?.[2] ?? 0),
      write: Number(socket?.[3] ?? 0),
      timeout: Number(socket?.[4] ?? 0),
      non2xx3xx: count(text, /Non-2xx or 3xx responses: (\d+)/),
    },
    self: hook ? { durationMicros: Number(hook[1]), cpuMicros: parseProcStatCpuMicros(hook[2] as string) } : null,
  };
}

/** wrk's errors as the runner's by-code counts (zeros left out). */
export function wrkErrorsByCode(errors: WrkResult['errors']): Record<string, number> {
  const byCode: Record<string, number> = {
    WRK_CONNECT: errors.connect,
    WRK_READ: errors.read,
    WRK_WRITE: errors.write,
    WRK_TIMEOUT: errors.timeout,
    HTTP_NON_2XX_3XX: errors.non2xx3xx,
  };
  return Object.fromEntries(Object.entries(byCode).filter(([, n]) => n > 0));
}

function wrkArgs(url: string, connections: number, durationMs: number, script: string): string[] {
  return [
    '--threads',
    '1',
    '--connections',
    String(connections),
    '--duration',
    `${Math.ceil(durationMs / 1000)}s`,
    '--timeout',
    `${WRK_TIMEOUT_S}s`,
    '--latency',
    '--script',
    script,
    url,
  ];
}

/** wrk on PATH, or null. */
export function findWrk(env: NodeJS.ProcessEnv = process.env): string | null {
  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    const file = dir && path.join(dir, 'wrk');
    if (file && fs.existsSync(file)) return file;
  }
  return null;
}

export interface WrkRun {
  result: WrkResult;
  pid: number | null;
  wallMs: number;
}

/** Longest a wrk run may take past its duration (start-up, the last replies, the report) before it is killed. */
const WRK_GRACE_MS = WRK_TIMEOUT_S * 1000 + 5000;

/** Run wrk once, pinned to `cpu`; resolves with its parsed report, its pid and its wall time from spawn to exit. */
export async function runWrk(input: {
  wrk: string;
  url: string;
  connections: number;
  durationMs: number;
  cpu: number | null;
}): Promise<WrkRun> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casebook-wrk-'));
  const script = path.join(dir, 'self.lua');
  fs.writeFileSync(script, LUA_HOOK);
  try {
    const t0 = performance.now();
    const child = spawnPinned(input.wrk, wrkArgs(input.url, input.connections, input.durationMs, script), {
      cpu: input.cpu,
      stdio: 'pipe',
      role: 'load generator',
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    const exited = new Promise<{ code: number | null; error: Error | null }>((resolve) => {
      child.once('error', (error) => resolve({ code: null, error }));
      // 'close': stdout drained, so the summary parsed below is whole.
      child.once('close', (code) => resolve({ code, error: null }));
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), input.durationMs + WRK_GRACE_MS);
    const { code, error } = await exited;
    clearTimeout(timer);
    const wallMs = performance.now() - t0;
    if (error) throw new CasebookError('CASEBOOK_RUN', `wrk could not start: ${error.message}`, { cause: error });
    if (code !== 0)
      throw new CasebookError('CASEBOOK_RUN', `wrk exited with code ${code}: ${(stderr || stdout).trim().slice(-300)}`);
    return { result: parseWrkOutput(stdout), pid: child.pid ?? null, wallMs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `wrk -v`'s first line (wrk prints its version and usage, and exits 1). */
export async function wrkVersion(wrk: string): Promise<string> {
  return new Promise((resolve) => {
    execFile(wrk, ['-v'], { timeout: 5000 }, (_error, stdout, stderr) => {
      resolve(`${stdout}${stderr}`.split('\n')[0]?.trim() || 'unknown');
    });
  });
}
