import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { PARENT_GONE_EXIT_CODE, type ParentProcess, parentChannel } from '@casebook/procs';
import { resolveBenchOptions } from '@casebook/runner';
import { startTarget } from '@casebook/servers';
import { describe, expect, test } from 'vitest';

/**
 * A child whose parent is gone leaves at once and quietly (procs parent-channel.ts): every client worker (the runner's
 * serveWorker) and every lab server (serveControl), whether it learns of it from 'disconnect' or from a send that fails
 * with EPIPE first. Before, a continuous worker whose window timer sent after `casebook bisect` was stopped threw an
 * unhandled 'error' event (write EPIPE) and printed its stack. Each child here is a real process on the production
 * loop; its parent's end of the channel is closed by this test (child.disconnect()). The Python client worker, on
 * JSON lines, does the same when a message finds its stdout closed.
 */

const FIXTURE = path.join(__dirname, 'fixtures', 'workers', 'busy-when-parent-goes.js');
const CONTINUOUS_WORKER = path.join(__dirname, '..', 'packages', 'runner', 'dist', 'continuous-worker-process.js');
const FOREIGN_WORKER = path.join(__dirname, '..', 'packages', 'runner', 'python', 'casebook_foreign_worker.py');
/** Any Python 3 runs the worker up to its start message (it imports only the standard library before that). */
const PYTHON = spawnSync('python3', ['--version']).status === 0 ? 'python3' : null;
/** How long a child may take to leave once its parent's channel closed: a hang guard (it takes milliseconds). */
const EXIT_BOUND_MS = 5000;
const NOISE = /Unhandled|EPIPE|ERR_IPC|Error/;

interface Started {
  child: ChildProcess;
  stderr(): string;
  /** The next message of this type. */
  next(type: string): Promise<Record<string, unknown>>;
}

function start(script: string, args: readonly string[] = []): Started {
  // As spawnNode starts workers and servers: an IPC channel with advanced serialization; stderr kept here.
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return {
    child,
    stderr: () => stderr,
    next: (type) =>
      new Promise((resolve, reject) => {
        const onMessage = (m: Record<string, unknown>) => {
          if (m['type'] !== type) return;
          child.off('message', onMessage);
          resolve(m);
        };
        child.on('message', onMessage);
        child.once('exit', (code, signal) =>
          reject(new Error(`child exited before ${type} (code ${code}, signal ${signal}): ${stderr}`)),
        );
      }),
  };
}

/** The child's exit (code, signal) once it leaves, or a failure (and SIGKILL) after EXIT_BOUND_MS. */
function exitWithin(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child was still running ${EXIT_BOUND_MS} ms after its parent's channel closed`));
    }, EXIT_BOUND_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

describe('a child whose parent is gone', () => {
  test('the channel: a send on a closed channel, or one that fails with EPIPE, leaves once and throws nothing', () => {
    const leaves: number[] = [];
    const listeners: (() => void)[] = [];
    const fake = (send: ParentProcess['send'], connected = true): ParentProcess => ({
      connected,
      ...(send === undefined ? {} : { send }),
      on: (_event, listener) => listeners.push(listener),
    });
    const epipe = Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
    const failing = parentChannel(
      fake((_m, _h, _o, callback) => {
        callback(epipe);
        return false;
      }),
      (code) => leaves.push(code),
    );
    expect(() => {
      failing.send({ type: 'window' });
      failing.send({ type: 'window' });
    }).not.toThrow();
    expect(leaves).toEqual([PARENT_GONE_EXIT_CODE]);

    // Known closed: no send is tried.
    const sent: unknown[] = [];
    const closed = parentChannel(
      fake((m) => sent.push(m) > 0, false),
      (code) => leaves.push(code),
    );
    closed.send({ type: 'window' });
    expect(sent).toEqual([]);
    expect(leaves).toEqual([PARENT_GONE_EXIT_CODE, PARENT_GONE_EXIT_CODE]);

    // 'disconnect' (the listener registered when the channel was made) leaves; an open channel sends.
    const open = parentChannel(
      fake((m, _h, _o, callback) => {
        sent.push(m);
        callback(null);
        return true;
      }),
      (code) => leaves.push(code),
    );
    open.send({ type: 'ready' });
    expect(sent).toEqual([{ type: 'ready' }]);
    expect(leaves).toHaveLength(2);
    listeners.at(-1)?.();
    open.send({ type: 'window' });
    expect(sent).toHaveLength(1);
    expect(leaves).toHaveLength(3);

    // Started by hand (no IPC): nothing is sent, nobody leaves.
    parentChannel(fake(undefined), (code) => leaves.push(code)).send({ type: 'ready' });
    expect(leaves).toHaveLength(3);
    expect(PARENT_GONE_EXIT_CODE).toBe(0);
  });

  for (const kind of ['worker', 'server'] as const)
    test(`${kind}: busy when its parent's channel closed, then sending (EPIPE): exits ${PARENT_GONE_EXIT_CODE} at once, nothing on stderr`, async () => {
      const s = start(FIXTURE, [kind]);
      if (kind === 'worker') {
        s.child.send({ type: 'start' });
        await s.next('ready');
      } else await s.next('listening');
      // The child blocks its thread on this message; the channel is closed meanwhile, so its next write fails.
      s.child.send(kind === 'worker' ? { type: 'block', index: 0 } : { type: 'block', id: 1 });
      s.child.disconnect();
      const exit = await exitWithin(s.child);
      expect(s.stderr()).not.toMatch(NOISE);
      expect(exit).toEqual({ code: PARENT_GONE_EXIT_CODE, signal: null });
    });

  test.skipIf(PYTHON === null)(
    'the Python worker: its stdout closed by the parent, its next message (EPIPE): exits 0 at once, nothing on stderr',
    async () => {
      const child = spawn(PYTHON as string, [FOREIGN_WORKER, '--continuous'], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
      });
      // The parent's reading end closes, as when the parent dies; then a start message the worker refuses, so that it
      // writes (a fatal message) into the closed pipe.
      child.stdout?.destroy();
      child.stdin?.end('{"type":"start"}\n');
      const exit = await exitWithin(child);
      expect(stderr).not.toMatch(/Traceback|BrokenPipe|Error/);
      expect(exit).toEqual({ code: 0, signal: null });
    },
  );

  test('the continuous client worker, mid-load against a real target: leaves when its parent does, quietly', async () => {
    const target = await startTarget({ delayMs: 1 }, { cpu: null });
    try {
      const o = resolveBenchOptions({ client: 'node-http', concurrency: 4, requests: 1000 });
      const s = start(CONTINUOUS_WORKER);
      s.child.send({
        type: 'start',
        client: o.client,
        origin: target.origin,
        clientOptions: o.clientOptions,
        load: o.load,
        windowMs: 20,
      });
      await s.next('ready');
      s.child.send({ type: 'block', index: 0 });
      // Windows are flowing (a timer sends one every 20 ms) when the parent goes.
      await s.next('window');
      await s.next('window');
      s.child.disconnect();
      const exit = await exitWithin(s.child);
      expect(s.stderr()).not.toMatch(NOISE);
      expect(exit).toEqual({ code: PARENT_GONE_EXIT_CODE, signal: null });
    } finally {
      await target.close();
    }
  });
});
