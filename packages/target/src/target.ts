import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { CasebookError } from '@casebook/results';
import { type ResolvedTargetOptions, resolveTargetOptions, type TargetOptions } from './options';
import { pinningPlan, spawnNode, stopChild } from './processes';
import type { TargetCounters, TargetMessage, TargetRequest } from './protocol';

export interface TargetHandle {
  origin: string;
  port: number;
  pid: number;
  /** Core the target was pinned to, or null when unpinned. */
  cpu: number | null;
  options: ResolvedTargetOptions;
  /** HTTPS targets: PEM of the run-time CA that signed the target's leaf (clients trust exactly this). */
  caPem: string | null;
  counters(): Promise<TargetCounters>;
  /** Returns the counters as they were just before the reset. */
  reset(): Promise<TargetCounters>;
  /** Resolves when the target process exits, with how it exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isAlive(): boolean;
  kill(signal?: NodeJS.Signals): void;
  close(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 15_000;
const CONTROL_TIMEOUT_MS = 5_000;

/** Start the target in its own process on an ephemeral loopback port. */
export async function startTarget(
  input: TargetOptions = {},
  placement: { cpu?: number | null } = {},
): Promise<TargetHandle> {
  const options = resolveTargetOptions(input);
  const cpu = placement.cpu === undefined ? pinningPlan().serverCpu : placement.cpu;
  const child: ChildProcess = spawnNode(
    path.join(__dirname, options.h2 ? 'h2-target-process.js' : 'target-process.js'),
    {
      cpu,
      args: [JSON.stringify(options)],
    },
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let nextId = 1;
  const pending = new Map<number, { resolve: (c: TargetCounters) => void; reject: (e: Error) => void }>();
  child.on('message', (message: TargetMessage) => {
    if (message.type === 'reply') {
      pending.get(message.id)?.resolve(message.counters);
      pending.delete(message.id);
    }
  });
  void exited.then(({ code, signal }) => {
    for (const p of pending.values())
      p.reject(new CasebookError('CASEBOOK_TARGET_EXITED', `target exited (code ${code}, signal ${signal})`));
    pending.clear();
  });

  const listening = await new Promise<Extract<TargetMessage, { type: 'listening' }>>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new CasebookError('CASEBOOK_TARGET_START', 'target did not start within 15 s')),
      STARTUP_TIMEOUT_MS,
    );
    child.on('message', (message: TargetMessage) => {
      if (message.type === 'listening') {
        clearTimeout(timer);
        resolve(message);
      } else if (message.type === 'fatal') {
        clearTimeout(timer);
        reject(new CasebookError('CASEBOOK_TARGET_START', `target failed: ${message.message}`));
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new CasebookError('CASEBOOK_TARGET_START', `target exited during start (code ${code}, signal ${signal})`));
    });
  }).catch(async (error: unknown) => {
    await stopChild(child, 100);
    throw error;
  });

  const ask = (type: TargetRequest['type']): Promise<TargetCounters> =>
    new Promise<TargetCounters>((resolve, reject) => {
      if (!child.connected) {
        reject(new CasebookError('CASEBOOK_TARGET_EXITED', 'target is not running'));
        return;
      }
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new CasebookError('CASEBOOK_TARGET_CONTROL', `target did not answer ${type} within 5 s`));
      }, CONTROL_TIMEOUT_MS);
      pending.set(id, {
        resolve: (c) => {
          clearTimeout(timer);
          resolve(c);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ type, id } satisfies TargetRequest);
    });

  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    origin: `${options.tls ? 'https' : 'http'}://${options.host}:${listening.port}`,
    caPem: listening.caPem ?? null,
    port: listening.port,
    pid: listening.pid,
    cpu,
    options,
    counters: () => ask('counters'),
    reset: () => ask('reset'),
    exited,
    isAlive: alive,
    kill: (signal = 'SIGKILL') => {
      child.kill(signal);
    },
    async close() {
      if (alive()) {
        try {
          await ask('close');
        } catch {
          // fall through to stopChild
        }
      }
      await stopChild(child);
    },
  };
}
