/**
 * The client under test for a continuous load (the steady-state method): one process for the whole measurement,
 * across every block of an interleaved run, so the client's JIT and pool are never restarted by the harness. It opens
 * one client, then runs each block as a continuous load cut into windows (continuous.ts). Exits when the parent's IPC
 * channel closes.
 */
import { getAdapter, openClientSession, useClientPackages } from '@casebook/clients';
import { startContinuousLoad } from './continuous';
import { type ContinuousFromWorker, type ContinuousStart, type PhaseResult, workerRuntime } from './protocol';
import { serveWorker, type WorkerChannel } from './worker-channel';

async function main(start: ContinuousStart, channel: WorkerChannel<PhaseResult, ContinuousFromWorker>): Promise<void> {
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
  for (;;) {
    const m = await channel.receive();
    if (m.type === 'finish') break;
    if (m.type !== 'block' || typeof m['index'] !== 'number') throw new Error(`unexpected control message ${m.type}`);
    const block = m['index'];
    let index = 0;
    const load = startContinuousLoad(session, start.load, start.windowMs, (result) =>
      send({ type: 'window', block, index: index++, result }),
    );
    const pause = await channel.receive();
    if (pause.type !== 'pause') throw new Error(`expected pause in block ${block}, got ${pause.type}`);
    send({ type: 'paused', block, partial: await load.pause() });
  }
  const settings = session.settings();
  await session.close().catch(() => undefined);
  send({ type: 'done', settings });
}

serveWorker<ContinuousStart, PhaseResult, ContinuousFromWorker>('start', main);
