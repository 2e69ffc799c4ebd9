import { channelToParent } from '@casebook/procs';
import type { DriverMessage } from './driver';

/**
 * The worker's side of the run driver's protocol (driver.ts), for Node workers on IPC (the bench, continuous, race,
 * body and DNS workers): wait for the start message, run, and receive the parent's control messages in order (`go`
 * between phases; `block`, `pause`, `finish` for a continuous load). A failure becomes a `fatal` message with the stack.
 * Every message goes through the process's one channel to its parent (procs parent-channel.ts): when that channel
 * closes (the parent died or was stopped; seen as 'disconnect' or as a send that fails with EPIPE, whichever comes
 * first) the worker exits at once and quietly with PARENT_GONE_EXIT_CODE (0), its load and sockets ending with the
 * process, so no worker outlives its run or prints a stack trace for a parent that went first.
 */
export interface WorkerChannel<Result, Extra = never> {
  send(message: DriverMessage<Result> | Extra): void;
  /** The next control message from the parent (anything but the start message). */
  receive(): Promise<{ type: string; [key: string]: unknown }>;
  /** Announce a phase and wait until the parent has reset its counters and says go. */
  phaseStart(phase: 'warmup' | 'trial', index: number): Promise<void>;
}

type Control = { type: string; [key: string]: unknown };

export function serveWorker<Start extends { type: string }, Result, Extra = never>(
  startType: Start['type'],
  run: (start: Start, channel: WorkerChannel<Result, Extra>) => Promise<void>,
): void {
  const parent = channelToParent();
  const send = (message: DriverMessage<Result> | Extra): void => parent.send(message);
  const queued: Control[] = [];
  let waiting: ((m: Control) => void) | null = null;
  const channel: WorkerChannel<Result, Extra> = {
    send,
    receive() {
      const next = queued.shift();
      if (next) return Promise.resolve(next);
      return new Promise<Control>((resolve) => {
        waiting = resolve;
      });
    },
    async phaseStart(phase, index) {
      send({ type: 'phase-start', phase, index });
      const m = await channel.receive();
      if (m.type !== 'go') throw new Error(`expected go before ${phase} ${index}, got ${m.type}`);
    },
  };
  process.on('message', (message: Control) => {
    if (message.type === startType) {
      run(message as unknown as Start, channel).catch((error: unknown) =>
        send({
          type: 'fatal',
          code: 'CASEBOOK_WORKER',
          message: error instanceof Error ? (error.stack ?? error.message) : String(error),
        }),
      );
      return;
    }
    const resolve = waiting;
    waiting = null;
    if (resolve) resolve(message);
    else queued.push(message);
  });
}
