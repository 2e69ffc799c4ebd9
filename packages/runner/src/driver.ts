import type { WorkerTransport } from '@casebook/procs';
import { CasebookError } from '@casebook/results';

/**
 * The one phase/trial driver. Every client worker — Node clients over IPC, Python clients over JSON lines, the DNS
 * lab's client processes — speaks the same protocol:
 *
 *   parent → worker   a start message (its shape is the worker's), then `{type: 'go'}` once per phase (and
 *                     `{type: 'ack'}` after each phase's end has been handled, when the driver is asked to)
 *   worker → parent   `ready` → (`phase-start` → `progress`* → `phase-end`)* → `done` | `fatal`
 *
 * The driver answers each `phase-start` only after `onPhaseStart` (which resets the servers' counters) has finished,
 * and hands every message to its hook strictly in order, so a phase's counters are read before the next phase
 * resets them. A phase that runs past `phaseTimeoutMs` kills the worker; a worker that exits early, or says `fatal`,
 * rejects with a CasebookError naming what happened.
 */

export type Phase = 'warmup' | 'trial';

export type DriverMessage<Result> =
  | ({ type: 'ready' } & Record<string, unknown>)
  | { type: 'phase-start'; phase: Phase; index: number }
  | { type: 'progress'; phase: Phase; index: number; done: number; total: number | null }
  | { type: 'phase-end'; phase: Phase; index: number; result: Result }
  | { type: 'done'; settings: Record<string, unknown> }
  | { type: 'fatal'; code: string; message: string };

export interface GoMessage {
  type: 'go';
}

/** Sent after each phase's `onPhaseEnd` has finished, to a worker whose driver asked for it (`ackPhaseEnd`). */
export interface AckMessage {
  type: 'ack';
}

export interface DriveHooks<Result> {
  /** The worker's `ready` message (client version, settings read from the live objects, …). */
  onReady?(message: Record<string, unknown>): void;
  /** Before the worker is told to go: reset counters, arm faults. */
  onPhaseStart?(phase: Phase, index: number): Promise<void> | void;
  onProgress?(phase: Phase, index: number, done: number, total: number | null): void;
  /** After the phase: read counters, keep the result. */
  onPhaseEnd(phase: Phase, index: number, result: Result): Promise<void> | void;
}

export interface DriveOptions<Start, Result> extends DriveHooks<Result> {
  transport: WorkerTransport<DriverMessage<Result>, Start | GoMessage | AckMessage>;
  start: Start;
  phaseTimeoutMs: number;
  /**
   * Answer each `phase-end` with `ack` once `onPhaseEnd` has finished (its counters read), for a worker that must not
   * change what those counters see (close its client, destroy sockets) before they are read. Off: the worker does
   * not wait (the Python and race workers do not expect it).
   */
  ackPhaseEnd?: boolean;
  /** Set when the run fails for a reason the driver cannot see (e.g. the target died); reported instead of the exit. */
  failure?: () => CasebookError | null;
}

/** Drive one worker through its phases; resolves with the settings it reported at `done`. */
export function driveWorker<Start, Result>(options: DriveOptions<Start, Result>): Promise<Record<string, unknown>> {
  const { transport, phaseTimeoutMs } = options;
  const worker = transport.child;
  return new Promise<Record<string, unknown>>((resolve, reject) => {
    let phaseTimer: NodeJS.Timeout | null = null;
    let timedOut: CasebookError | null = null;
    const clearPhaseTimer = (): void => {
      if (phaseTimer) clearTimeout(phaseTimer);
      phaseTimer = null;
    };
    const fail = (error: unknown): void => {
      clearPhaseTimer();
      reject(error);
    };
    worker.once('error', (error) => fail(new CasebookError('CASEBOOK_WORKER_SPAWN', error.message, { cause: error })));
    // 'close', not 'exit': the worker's stdio and IPC channel are drained, so a `fatal` it wrote just before exiting
    // has arrived; once the messages so far are handled (`settled`), that fault has already failed the run and this
    // is a no-op.
    worker.once('close', (code, signal) => {
      void transport.settled().then(() => {
        const tail = transport.stderrTail();
        fail(
          timedOut ??
            options.failure?.() ??
            new CasebookError(
              'CASEBOOK_CLIENT_EXITED',
              `client process exited before finishing (code ${code}, signal ${signal})${tail ? `: ${tail}` : ''}`,
            ),
        );
      });
    });
    transport.onMessage(async (message) => {
      switch (message.type) {
        case 'ready':
          options.onReady?.(message);
          break;
        case 'phase-start':
          await options.onPhaseStart?.(message.phase, message.index);
          clearPhaseTimer();
          phaseTimer = setTimeout(() => {
            timedOut = new CasebookError(
              'CASEBOOK_TRIAL_TIMEOUT',
              `${message.phase} ${message.index} ran longer than ${phaseTimeoutMs} ms`,
            );
            worker.kill('SIGKILL');
          }, phaseTimeoutMs);
          transport.send({ type: 'go' });
          break;
        case 'progress':
          options.onProgress?.(message.phase, message.index, message.done, message.total);
          break;
        case 'phase-end':
          clearPhaseTimer();
          await options.onPhaseEnd(message.phase, message.index, message.result);
          if (options.ackPhaseEnd) transport.send({ type: 'ack' });
          break;
        case 'done':
          clearPhaseTimer();
          resolve(message.settings);
          break;
        case 'fatal':
          fail(new CasebookError(message.code, message.message));
          break;
      }
    }, fail);
    transport.send(options.start);
  });
}
