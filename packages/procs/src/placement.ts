import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { fileLimitWrapper } from './fd-limits';

/**
 * Child processes of a run: each measured party (client, target, proxies, DNS servers) runs in its own Node
 * process, pinned to a core with `taskset` where that exists. Every child is tracked and killed when the parent
 * exits; children also exit by themselves when their IPC channel to the parent closes (parent died, kernel
 * restarted), so no process outlives its run. Every child starts with its open-file soft limit raised to the hard
 * limit (fd-limits.ts): a reader's default of 1024 (macOS 256) is too few for hundreds of sockets.
 */

export interface PinningPlan {
  method: 'taskset' | 'none';
  reason: string;
  /** Core for the client under test. */
  clientCpu: number | null;
  /** Core for targets, proxies, DNS servers. */
  serverCpu: number | null;
}

let cachedPlan: PinningPlan | null = null;

function findTaskset(): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(':').concat(['/usr/bin', '/bin'])) {
    if (dir && fs.existsSync(`${dir}/taskset`)) return `${dir}/taskset`;
  }
  return null;
}

export function pinningPlan(): PinningPlan {
  if (cachedPlan) return cachedPlan;
  const cores = os.cpus().length;
  if (process.env['CASEBOOK_NO_PIN'] === '1') {
    cachedPlan = { method: 'none', reason: 'CASEBOOK_NO_PIN=1', clientCpu: null, serverCpu: null };
  } else if (process.platform !== 'linux') {
    cachedPlan = {
      method: 'none',
      reason: `taskset is Linux-only (platform ${process.platform}); processes unpinned`,
      clientCpu: null,
      serverCpu: null,
    };
  } else if (cores < 2) {
    cachedPlan = {
      method: 'none',
      reason: `only ${cores} core; client and target share it`,
      clientCpu: null,
      serverCpu: null,
    };
  } else {
    const taskset = findTaskset();
    let works = false;
    if (taskset) {
      try {
        execFileSync(taskset, ['-c', '0', 'true'], { stdio: 'ignore' });
        works = true;
      } catch {
        works = false;
      }
    }
    cachedPlan = works
      ? {
          method: 'taskset',
          reason: `taskset: client on cpu 0, target and helpers on cpu 1 (of ${cores})`,
          clientCpu: 0,
          serverCpu: 1,
        }
      : {
          method: 'none',
          reason: 'taskset not found or not permitted; processes unpinned',
          clientCpu: null,
          serverCpu: null,
        };
  }
  return cachedPlan;
}

const children = new Set<ChildProcess>();
let exitHookInstalled = false;

function killChildren(): void {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killChildren);
}

/**
 * Track a child this module did not spawn (npm for the version store): killed when the parent exits, like the
 * children of spawnPinned, and counted by liveChildren() until it exits.
 */
export function trackChild(child: ChildProcess): ChildProcess {
  installExitHook();
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** The signals a command that runs measurements stops on: Ctrl-C, and what `kill` and process managers send. */
export type StopSignal = 'SIGINT' | 'SIGTERM';

/**
 * SIGINT or SIGTERM to a command that runs measurements: `record(signal)` writes what the run did (synchronously, so
 * nothing of the run moves meanwhile), then every tracked child is killed (SIGKILL) and the process exits at once with
 * 128 + the signal's number (130 for SIGINT, 143 for SIGTERM), the status a shell gives a process a signal ended.
 * Without this a signal ends the process with no record, and without the exit hook (a signal's default action skips
 * 'exit' handlers): its children then leave by themselves when their channel to it closes. A `record` that throws is
 * reported on stderr, and the process still exits. Returns the function that removes the handlers.
 */
export function exitOnSignals(record: (signal: StopSignal) => void): () => void {
  const handler = (signal: StopSignal): void => {
    try {
      record(signal);
    } catch (error) {
      process.stderr.write(
        `casebook: ${signal}: the run's record could not be written: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
    killChildren();
    process.exit(128 + (os.constants.signals[signal] ?? 0));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}

/** Live children started through spawnPinned/spawnNode (for tests asserting that nothing outlives a run). */
export function liveChildren(): number[] {
  return [...children].filter((c) => c.exitCode === null && c.signalCode === null).map((c) => c.pid ?? -1);
}

export interface SpawnPinnedOptions {
  cpu: number | null;
  env?: Record<string, string>;
  /** 'ipc': no stdin, inherited stdout/stderr and an IPC channel (Node children). 'pipe': stdio pipes (foreign workers). */
  stdio?: 'ipc' | 'pipe';
  /** Wrap the command (e.g. ['unshare', '-m', ...]); applied outside taskset. */
  wrapper?: string[];
  /** What this process is in the run ('client', 'target', 'proxy', 'DNS server'): recorded in `placements()`. */
  role?: string;
  /**
   * How IPC messages are encoded (stdio 'ipc' only): 'advanced' (the default, Node's structured clone) between Node
   * processes; 'json' for a worker on Bun or Deno, whose IPC channel reads JSON only.
   */
  serialization?: 'advanced' | 'json';
  /** Variables of this process's environment the child must not inherit (a runtime setting the run controls). */
  unsetEnv?: readonly string[];
}

const placed = new Map<string, number | null>();

/**
 * Where each role of process ran since the last `resetPlacements()`: the record's `environment.pinning.others`
 * (client and target have their own fields).
 */
export function placements(): Record<string, number | null> {
  return Object.fromEntries([...placed].sort(([a], [b]) => a.localeCompare(b)));
}

export function resetPlacements(): void {
  placed.clear();
}

/**
 * Spawn any command pinned to `cpu` with taskset when the plan allows, tracked in the child registry so it is
 * killed when the parent exits and counted by liveChildren(). Every child process of a run goes through here.
 * The command runs as `[wrapper] [taskset -c <cpu>] [sh -c 'ulimit -Sn <hard>; exec …'] command args`: the limit is
 * raised innermost, so it applies to exactly the measured command whatever wraps it, the shell runs already pinned,
 * and its exec keeps the PID (tracking, kill, the IPC channel unchanged).
 */
export function spawnPinned(command: string, args: readonly string[], options: SpawnPinnedOptions): ChildProcess {
  const raise = fileLimitWrapper();
  let cmd = raise ? raise.command : command;
  let argv = raise ? [...raise.args, command, ...args] : [...args];
  const plan = pinningPlan();
  if (plan.method === 'taskset' && options.cpu !== null) {
    argv = ['-c', String(options.cpu), cmd, ...argv];
    cmd = findTaskset() ?? 'taskset';
  }
  if (options.wrapper && options.wrapper.length > 0) {
    argv = [...options.wrapper.slice(1), cmd, ...argv];
    cmd = options.wrapper[0] as string;
  }
  const env = { ...process.env, ...(options.env ?? {}) };
  for (const name of options.unsetEnv ?? []) if (!(options.env && name in options.env)) delete env[name];
  const child =
    (options.stdio ?? 'ipc') === 'ipc'
      ? spawn(cmd, argv, {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          env,
          serialization: options.serialization ?? 'advanced',
        })
      : spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'], env });
  trackChild(child);
  // A late 'error' (a failed kill or IPC write after the run moved on) must not become an uncaught exception in the
  // process that ran the measurement (in a notebook, a failed cell with no error text); it is written to stderr.
  child.on('error', (error) => {
    process.stderr.write(`casebook: child process ${child.pid ?? '?'} (${command}): ${error.message}\n`);
  });
  if (options.role !== undefined)
    placed.set(options.role, plan.method === 'taskset' && options.cpu !== null ? options.cpu : null);
  return child;
}

export interface SpawnNodeOptions {
  cpu: number | null;
  env?: Record<string, string>;
  args?: string[];
  /** Extra arguments for node itself, e.g. --expose-gc. */
  execArgv?: string[];
  /** Wrap the command (e.g. ['unshare', '-m', ...]); applied outside taskset. */
  wrapper?: string[];
  role?: string;
  /**
   * Another binary to run the script on (a runtime from the version store); default this process's Node. Bun and
   * Deno run it too, with their own arguments in `execArgv` and `serialization: 'json'`.
   */
  execPath?: string;
  serialization?: 'advanced' | 'json';
  unsetEnv?: readonly string[];
}

/** Spawn `node script` (this process's Node, or `execPath`) with an IPC channel, pinned to `cpu` when the plan allows. */
export function spawnNode(script: string, options: SpawnNodeOptions): ChildProcess {
  const pinned: SpawnPinnedOptions = { cpu: options.cpu, stdio: 'ipc' };
  if (options.env) pinned.env = options.env;
  if (options.wrapper) pinned.wrapper = options.wrapper;
  if (options.role !== undefined) pinned.role = options.role;
  if (options.serialization !== undefined) pinned.serialization = options.serialization;
  if (options.unsetEnv !== undefined) pinned.unsetEnv = options.unsetEnv;
  return spawnPinned(
    options.execPath ?? process.execPath,
    [...(options.execArgv ?? []), script, ...(options.args ?? [])],
    pinned,
  );
}

/**
 * Ask the child to finish (close its IPC channel, or its stdin for a piped worker), resolve when it exits, and kill it
 * with SIGKILL if it has not exited within `graceMs`.
 */
export async function stopChild(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  if (child.connected) {
    try {
      child.disconnect();
    } catch {
      // channel already closed
    }
  } else {
    child.stdin?.end();
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  timer.unref();
  await exited;
  clearTimeout(timer);
}
