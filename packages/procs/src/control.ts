import type { ChildProcess } from 'node:child_process';
import { CasebookError } from '@casebook/results';
import { spawnNode, stopChild } from './placement';

/**
 * The parent's side of a lab server process (target, h2 target, proxy, DNS server): spawn it pinned, wait until it
 * announces `listening`, then ask it questions by id with a timeout. One implementation for every server, so start-up,
 * control timeouts and the exit of the child are handled (and reported) the same way everywhere.
 *
 * Wire format (both directions over Node IPC):
 *   parent → child  `{ type, id, ...payload }`
 *   child → parent  `{ type: 'listening', ...info }` once, then `{ type: 'reply', id, result }` per request, or
 *                   `{ type: 'error', id, code, message }` for a request it refuses, or `{ type: 'fatal', code?, message }`.
 */

/** Stable error codes for one kind of server, e.g. CASEBOOK_TARGET_START / _EXITED / _CONTROL. */
export interface ControlCodes {
  start: string;
  exited: string;
  control: string;
}

export interface ControlledChildOptions {
  /** The server's name in messages ("target", "proxy", "DNS server"). */
  name: string;
  script: string;
  args: string[];
  cpu: number | null;
  codes: ControlCodes;
  startupTimeoutMs?: number;
  controlTimeoutMs?: number;
}

export interface ControlledChild<Listening> {
  listening: Listening;
  child: ChildProcess;
  /** Send a request and resolve with the child's reply (rejects on timeout, refusal or exit). */
  ask<R>(type: string, payload?: Record<string, unknown>): Promise<R>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  isAlive(): boolean;
  kill(signal?: NodeJS.Signals): void;
  /** Ask the child to close, then make sure it exits (SIGKILL after a grace period). */
  close(): Promise<void>;
}

type ChildMessage =
  | ({ type: 'listening' } & Record<string, unknown>)
  | { type: 'reply'; id: number; result: unknown }
  | { type: 'error'; id: number; code: string; message: string }
  | { type: 'fatal'; code?: string; message: string };

export const STARTUP_TIMEOUT_MS = 15_000;
export const CONTROL_TIMEOUT_MS = 5_000;

export async function startControlledChild<Listening>(
  options: ControlledChildOptions,
): Promise<ControlledChild<Listening>> {
  const { name, codes } = options;
  const startupTimeoutMs = options.startupTimeoutMs ?? STARTUP_TIMEOUT_MS;
  const controlTimeoutMs = options.controlTimeoutMs ?? CONTROL_TIMEOUT_MS;
  const child = spawnNode(options.script, { cpu: options.cpu, args: options.args, role: name });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  let onListening: ((m: Record<string, unknown>) => void) | null = null;
  let onFatal: ((m: { code?: string; message: string }) => void) | null = null;
  child.on('message', (message: ChildMessage) => {
    switch (message.type) {
      case 'listening':
        onListening?.(message);
        break;
      case 'reply':
        pending.get(message.id)?.resolve(message.result);
        pending.delete(message.id);
        break;
      case 'error':
        pending.get(message.id)?.reject(new CasebookError(message.code, `${name}: ${message.message}`));
        pending.delete(message.id);
        break;
      case 'fatal':
        onFatal?.(message);
        break;
    }
  });
  void exited.then(({ code, signal }) => {
    for (const p of pending.values())
      p.reject(new CasebookError(codes.exited, `${name} exited (code ${code}, signal ${signal})`));
    pending.clear();
  });

  const listening = await new Promise<Listening>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new CasebookError(codes.start, `${name} did not start within ${startupTimeoutMs / 1000} s`)),
      startupTimeoutMs,
    );
    onListening = (m) => {
      clearTimeout(timer);
      const { type: _type, ...info } = m;
      resolve(info as Listening);
    };
    onFatal = (m) => {
      clearTimeout(timer);
      reject(new CasebookError(m.code ?? codes.start, `${name} failed: ${m.message}`));
    };
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new CasebookError(codes.start, `${name} exited during start (code ${code}, signal ${signal})`));
    });
  }).catch(async (error: unknown) => {
    await stopChild(child, 100);
    throw error;
  });
  onListening = null;
  onFatal = null;

  const alive = () => child.exitCode === null && child.signalCode === null;
  const ask = <R>(type: string, payload: Record<string, unknown> = {}): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      if (!child.connected) {
        reject(new CasebookError(codes.exited, `${name} is not running`));
        return;
      }
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new CasebookError(codes.control, `${name} did not answer ${type} within ${controlTimeoutMs / 1000} s`));
      }, controlTimeoutMs);
      pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r as R);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      // A closed channel rejects this request instead of emitting an 'error' nobody may be listening to.
      child.send({ ...payload, type, id }, (error: Error | null) => {
        if (error) pending.get(id)?.reject(error);
      });
    });

  return {
    listening,
    child,
    ask,
    exited,
    isAlive: alive,
    kill: (signal = 'SIGKILL') => {
      child.kill(signal);
    },
    async close() {
      if (alive()) await ask('close').catch(() => undefined);
      await stopChild(child);
    },
  };
}
