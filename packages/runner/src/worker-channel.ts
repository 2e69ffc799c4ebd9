import type { DriverMessage } from './driver';

/**
 * The worker's side of the run driver's protocol (driver.ts), for Node workers on IPC: wait for the start message,
 * run, and between phases wait for the parent's `go`. A failure becomes a `fatal` message with the stack; the process
 * exits when its parent's IPC channel closes, so no worker outlives its run.
 */
export interface WorkerChannel<Result> {
  send(message: DriverMessage<Result>): void;
  /** Announce a phase and wait until the parent has reset its counters and says go. */
  phaseStart(phase: 'warmup' | 'trial', index: number): Promise<void>;
}

export function serveWorker<Start extends { type: string }, Result>(
  startType: Start['type'],
  run: (start: Start, channel: WorkerChannel<Result>) => Promise<void>,
): void {
  const send = (message: DriverMessage<Result>): void => {
    process.send?.(message);
  };
  let goResolver: (() => void) | null = null;
  const channel: WorkerChannel<Result> = {
    send,
    phaseStart(phase, index) {
      const go = new Promise<void>((resolve) => {
        goResolver = resolve;
      });
      send({ type: 'phase-start', phase, index });
      return go;
    },
  };
  process.on('message', (message: Start | { type: 'go' }) => {
    if (message.type === 'go') {
      const resolve = goResolver;
      goResolver = null;
      resolve?.();
    } else if (message.type === startType) {
      run(message as Start, channel).catch((error: unknown) =>
        send({
          type: 'fatal',
          code: 'CASEBOOK_WORKER',
          message: error instanceof Error ? (error.stack ?? error.message) : String(error),
        }),
      );
    }
  });
  process.on('disconnect', () => process.exit(0));
}
