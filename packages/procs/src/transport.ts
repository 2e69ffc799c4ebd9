import type { ChildProcess } from 'node:child_process';
import * as readline from 'node:readline';
import { stopChild } from './placement';

/**
 * How the run driver talks to a client worker, whatever language it is written in: Node IPC for Node workers, JSON
 * lines on stdin/stdout for everything else (Python today). Messages are handed to the handler strictly in order: the
 * next one waits until the handler's promise for the previous one settles, so a phase's counters are always read
 * before the next phase resets them.
 */
export interface WorkerTransport<In, Out> {
  readonly child: ChildProcess;
  readonly kind: 'ipc' | 'json-lines';
  send(message: Out): void;
  /** Register the one message handler; a handler that throws ends the run with that error (see `onFailure`). */
  onMessage(handler: (message: In) => Promise<void> | void, onFailure: (error: unknown) => void): void;
  /** The last lines the worker wrote to stderr (json-lines workers), for error messages. */
  stderrTail(): string;
  /**
   * Resolves once every message received so far has been handled. A child's fault is a message written just before
   * it exits: whoever fails the run on the child's 'close' waits for this first, so the fault, not "exited", is the
   * error reported.
   */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** Messages handled one at a time, in order; `settled` is the chain's tail (never rejects). */
function orderedQueue<In>(): {
  deliver(handler: (message: In) => Promise<void> | void, onFailure: (error: unknown) => void): (message: In) => void;
  settled(): Promise<void>;
} {
  let chain: Promise<void> = Promise.resolve();
  return {
    deliver: (handler, onFailure) => (message) => {
      chain = chain.then(() => handler(message)).catch(onFailure);
    },
    settled: () => chain,
  };
}

/** A Node worker started by spawnNode (IPC channel, advanced serialization). */
export function ipcTransport<In, Out>(child: ChildProcess): WorkerTransport<In, Out> {
  const queue = orderedQueue<In>();
  return {
    child,
    kind: 'ipc',
    send: (message) => {
      // With a callback, a channel that closes between the check and the write reports to it instead of emitting
      // 'error' on the child, which nothing may be listening to by then (an uncaught error in whoever ran the
      // measurement). The child's 'close' is what the driver acts on.
      if (child.connected) child.send(message as object, (error: Error | null) => void error);
    },
    onMessage: (handler, onFailure) => {
      child.on('message', queue.deliver(handler, onFailure) as (m: unknown) => void);
    },
    stderrTail: () => '',
    settled: () => queue.settled(),
    stop: () => stopChild(child),
  };
}

const STDERR_TAIL_CHARS = 2000;

/**
 * A worker started by spawnPinned with stdio 'pipe': one JSON object per line each way. A stdout line that is not
 * JSON is kept with stderr (it is diagnostics, not a message).
 */
export function jsonLinesTransport<In, Out>(child: ChildProcess): WorkerTransport<In, Out> {
  let tail = '';
  const keep = (text: string) => {
    tail = (tail + text).slice(-STDERR_TAIL_CHARS);
  };
  child.stderr?.on('data', (chunk: Buffer) => keep(chunk.toString('utf8')));
  child.stdin?.on('error', () => undefined);
  const queue = orderedQueue<In>();
  return {
    child,
    kind: 'json-lines',
    send: (message) => {
      if (child.stdin?.writable) child.stdin.write(`${JSON.stringify(message)}\n`);
    },
    onMessage: (handler, onFailure) => {
      const deliver = queue.deliver(handler, onFailure);
      const lines = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
      lines.on('line', (line) => {
        let message: In;
        try {
          message = JSON.parse(line) as In;
        } catch {
          keep(`${line}\n`);
          return;
        }
        deliver(message);
      });
    },
    stderrTail: () => tail.trim().split('\n').slice(-3).join(' | '),
    settled: () => queue.settled(),
    stop: () => stopChild(child),
  };
}
