/**
 * A child's IPC channel to its parent, for every Node process a run starts (client workers through the runner's
 * serveWorker, lab servers through serveControl): how it sends, and what it does when the channel closes.
 *
 * A closed channel means the parent is gone (it died, was stopped by a signal, or let the child go with disconnect()):
 * nobody reads what the child sends any more, and the parent can no longer stop it. The child then leaves at once and
 * quietly with PARENT_GONE_EXIT_CODE: process.exit stops its load (no timer or request callback runs again) and the
 * kernel closes its sockets; nothing is printed, since no run is left to fail.
 *
 * The child sees the channel close in any of three ways, in no fixed order: the 'disconnect' event (it read the end of
 * the channel), `process.connected === false`, or a send that fails (EPIPE when the parent's end closed before the child
 * read that; ERR_IPC_CHANNEL_CLOSED after). Node reports a failed send as an 'error' event on `process` unless the send
 * has a callback, and with no listener that is an uncaught exception with a stack trace on stderr: a continuous
 * worker's window timer sending after `casebook bisect` was stopped with SIGINT did exactly that. Every send here has a
 * callback, so the three are one event. A send that fails for any other reason also leaves (the channel is unusable),
 * with one line on stderr naming the error, since that is a fault, not a parent that went first.
 */

/**
 * The exit code of a child whose parent's channel closed: 0, because the child did not fail (its parent went first, or
 * asked it to go: stopChild disconnects a worker to end it). A parent that is still there learns that its child exited
 * before finishing from the exit itself (CASEBOOK_CLIENT_EXITED, CASEBOOK_TARGET_EXITED and the like).
 */
export const PARENT_GONE_EXIT_CODE = 0;

/** Send errors that mean the channel closed under the send: the parent is gone, and the child says nothing. */
const CHANNEL_CLOSED_CODES: ReadonlySet<string> = new Set(['EPIPE', 'ERR_IPC_CHANNEL_CLOSED', 'ECONNRESET']);

/** The part of `process` the channel uses (a test passes a fake). */
export interface ParentProcess {
  connected?: boolean;
  send?(message: unknown, handle: undefined, options: undefined, callback: (error: Error | null) => void): boolean;
  on(event: 'disconnect', listener: () => void): unknown;
}

export interface ParentChannel {
  /**
   * Send a message to the parent. On a closed channel the child leaves (PARENT_GONE_EXIT_CODE) instead; never throws
   * for a closed channel. A process started without IPC (by hand) sends nothing.
   */
  send(message: unknown): void;
}

/**
 * The channel of `proc` (this process by default): listens for 'disconnect' from now on, and leaves through `leave`
 * (default process.exit) the first time the channel is found closed.
 */
export function parentChannel(
  proc: ParentProcess = process,
  leave: (code: number) => void = (code) => process.exit(code),
): ParentChannel {
  let gone = false;
  const parentGone = (): void => {
    if (gone) return;
    gone = true;
    leave(PARENT_GONE_EXIT_CODE);
  };
  proc.on('disconnect', parentGone);
  return {
    send(message) {
      if (gone || proc.send === undefined) return;
      if (proc.connected === false) {
        parentGone();
        return;
      }
      proc.send(message, undefined, undefined, (error) => {
        if (error === null || error === undefined) return;
        const code = (error as NodeJS.ErrnoException).code;
        if (code === undefined || !CHANNEL_CLOSED_CODES.has(code))
          process.stderr.write(
            `casebook: process ${process.pid}: a message to the parent failed (${code ?? 'no code'}: ${error.message}); exiting\n`,
          );
        parentGone();
      });
    },
  };
}

let shared: ParentChannel | null = null;

/** This process's channel to its parent, made once, on first use (from then on a closed channel ends the process). */
export function channelToParent(): ParentChannel {
  shared ??= parentChannel();
  return shared;
}
