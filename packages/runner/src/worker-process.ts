/**
 * The client under test, alone in its own process: opens one client, runs warm-up and trials as the parent says,
 * and reports raw numbers. Exits when the parent's IPC channel closes.
 */
import { getAdapter, openClientSession, useClientPackages } from '@casebook/clients';
import { runBareClosedLoop, runPhase } from './load';
import { type PhaseResult, type WorkerStart, workerRuntime } from './protocol';
import { serveWorker, type WorkerChannel } from './worker-channel';

async function main(start: WorkerStart, channel: WorkerChannel<PhaseResult>): Promise<void> {
  const { send } = channel;
  // Before the adapter loads its package: a version from the store replaces the workspace's.
  if (start.clientPackages) useClientPackages(start.clientPackages);
  const adapter = getAdapter(start.client);
  let session: Awaited<ReturnType<typeof adapter.open>>;
  try {
    session = await openClientSession(adapter, start.origin, start.clientOptions);
  } catch (error) {
    send({ type: 'fatal', code: 'CASEBOOK_CLIENT_OPEN', message: (error as Error).message });
    return;
  }
  send({
    type: 'ready',
    version: adapter.version(),
    sourceUrl: adapter.sourceUrl,
    runtime: workerRuntime(),
    settings: session.settings(),
  });
  if (start.warmupRequests > 0) {
    await channel.phaseStart('warmup', 0);
    const result = await runPhase(session, { ...start.load, mode: 'closed' }, start.warmupRequests);
    send({ type: 'phase-end', phase: 'warmup', index: 0, result });
  }
  for (let i = 0; i < start.trials; i++) {
    // Bursts after idle: the gap lets keep-alive timeouts and idle-socket limits act before the next trial.
    const idleMs = start.load.idleBeforeTrialMs ?? 0;
    if (idleMs > 0) await new Promise((resolve) => setTimeout(resolve, idleMs));
    await channel.phaseStart('trial', i);
    const result =
      start.instrumentation === 'bare'
        ? await runBareClosedLoop(session, start.load, start.load.requests ?? 0)
        : await runPhase(session, start.load, start.load.requests, (done) =>
            send({ type: 'progress', phase: 'trial', index: i, done, total: start.load.requests }),
          );
    send({ type: 'phase-end', phase: 'trial', index: i, result });
  }
  // The process's resident memory after the last trial, pool still open (`casebook bisect --metric rss`).
  const settings = { ...session.settings(), rssBytesAtFinish: process.memoryUsage.rss() };
  await session.close().catch(() => undefined);
  send({ type: 'done', settings });
}

serveWorker<WorkerStart, PhaseResult>('start', main);
