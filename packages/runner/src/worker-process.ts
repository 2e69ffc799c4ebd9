/**
 * The client under test, alone in its own process: opens one client, runs warm-up and trials as the parent says,
 * and reports raw numbers. Exits when the parent's IPC channel closes.
 */
import { getAdapter, openClientSession } from '@casebook/clients';
import { runBareClosedLoop, runPhase } from './load';
import type { ParentToWorker, WorkerStart, WorkerToParent } from './protocol';

const send = (message: WorkerToParent): void => {
  process.send?.(message);
};

let goResolver: (() => void) | null = null;
const waitForGo = (): Promise<void> =>
  new Promise<void>((resolve) => {
    goResolver = resolve;
  });

async function main(start: WorkerStart): Promise<void> {
  const adapter = getAdapter(start.client);
  let session: Awaited<ReturnType<typeof adapter.open>>;
  try {
    session = await openClientSession(adapter, start.origin, start.clientOptions);
  } catch (error) {
    send({ type: 'fatal', code: 'CASEBOOK_CLIENT_OPEN', message: (error as Error).message });
    return;
  }
  send({ type: 'ready', version: adapter.version(), settings: session.settings() });
  if (start.warmupRequests > 0) {
    send({ type: 'phase-start', phase: 'warmup', index: 0 });
    await waitForGo();
    const result = await runPhase(session, { ...start.load, mode: 'closed' }, start.warmupRequests);
    send({ type: 'phase-end', phase: 'warmup', index: 0, result });
  }
  for (let i = 0; i < start.trials; i++) {
    // Bursts after idle: the gap lets keep-alive timeouts and idle-socket limits act before the next trial.
    const idleMs = start.load.idleBeforeTrialMs ?? 0;
    if (idleMs > 0) await new Promise((resolve) => setTimeout(resolve, idleMs));
    send({ type: 'phase-start', phase: 'trial', index: i });
    await waitForGo();
    const result =
      start.instrumentation === 'bare'
        ? await runBareClosedLoop(session, start.load, start.load.requests ?? 0)
        : await runPhase(session, start.load, start.load.requests, (done) =>
            send({ type: 'progress', phase: 'trial', index: i, done, total: start.load.requests }),
          );
    send({ type: 'phase-end', phase: 'trial', index: i, result });
  }
  const settings = session.settings();
  await session.close().catch(() => undefined);
  send({ type: 'done', settings });
}

process.on('message', (message: ParentToWorker) => {
  if (message.type === 'start') {
    main(message).catch((error: unknown) => {
      send({
        type: 'fatal',
        code: 'CASEBOOK_WORKER',
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
    });
  } else if (message.type === 'go') {
    const resolve = goResolver;
    goResolver = null;
    resolve?.();
  }
});
process.on('disconnect', () => process.exit(0));
