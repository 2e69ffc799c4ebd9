import { channelToParent } from './parent-channel';

/**
 * The child's side of the control channel (see control.ts): one loop for every lab server process. The server
 * announces itself once, then answers requests by id; `close` is always understood; the process exits, quietly and at
 * once (parent-channel.ts, exit code PARENT_GONE_EXIT_CODE), when its parent's IPC channel closes (parent died, kernel
 * restarted), even when that shows first as a failed reply, so no server outlives its run.
 */

export interface ControlRequest {
  type: string;
  id: number;
  [key: string]: unknown;
}

/** A refusal the parent sees as a CasebookError with this code (e.g. an option the server cannot honour). */
export class ControlRefusal extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ServeControlOptions {
  /** Answer one request; the result is sent back as the reply. Throw ControlRefusal to refuse it. */
  handle(request: ControlRequest): unknown;
  /** Stop serving (close listeners). The process exits after it, or after `closeGraceMs` at the latest. */
  close(): Promise<void> | void;
  closeGraceMs?: number;
}

const send = (message: unknown): void => {
  channelToParent().send(message);
};

/** Tell the parent where the server listens (call once, after it is ready). */
export function announceListening(info: Record<string, unknown>): void {
  send({ ...info, type: 'listening' });
}

/** Tell the parent the server cannot run, and exit. */
export function failFatal(message: string, code?: string): never {
  send(code === undefined ? { type: 'fatal', message } : { type: 'fatal', code, message });
  process.exit(1);
}

export function serveControl(options: ServeControlOptions): void {
  const exitSoon = (): void => {
    setTimeout(() => process.exit(0), options.closeGraceMs ?? 1000).unref();
  };
  // Requests are answered strictly in order: a reset that follows a counters request never overtakes it.
  let chain: Promise<void> = Promise.resolve();
  process.on('message', (request: ControlRequest) => {
    chain = chain.then(async () => {
      if (request.type === 'close') {
        send({ type: 'reply', id: request.id, result: null });
        exitSoon();
        await options.close();
        process.exit(0);
      }
      try {
        const result = await options.handle(request);
        send({ type: 'reply', id: request.id, result });
      } catch (error) {
        const code = error instanceof ControlRefusal ? error.code : 'CASEBOOK_CONTROL_REQUEST';
        send({ type: 'error', id: request.id, code, message: (error as Error).message });
      }
    });
  });
  // From now on, not only at the first send: a server that never answers a request still leaves with its parent.
  channelToParent();
}
