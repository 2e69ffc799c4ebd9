/**
 * The keep-alive race's client process: one client, one job (race-protocol.ts), a fresh process so pools and globals
 * start empty. Pinned by race.ts like every client; exits when its IPC channel closes.
 */
import { performance } from 'node:perf_hooks';
import { errorCode, openRaceSession, type RaceRequest, type RaceSession } from '@casebook/clients';
import type { RaceJob, RaceOutcome, RaceParentToWorker, RaceRoundResult } from './race-protocol';
import { type WriteLog, watchRequestWrites } from './race-writes';
import { serveWorker } from './worker-channel';

const round2 = (x: number): number => Math.round(x * 100) / 100;
/** The code of a request the harness stopped waiting for (RaceJob.giveUpAfterMs): still pending in the client. */
const GAVE_UP = 'CASEBOOK_RACE_GAVE_UP';
/** How long close() may take: an Agent with a request still hanging on a stalled server would wait for it forever. */
const CLOSE_WAIT_MS = 1000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Messages along the cause chain, outermost first: fetch's "fetch failed" says nothing without its cause. */
function causeMessages(error: unknown): string {
  const out: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    out.push(current.message);
    current = current.cause;
  }
  return out.length > 0 ? out.join(' ← ').slice(0, 400) : String(error).slice(0, 400);
}

/** The outcome of one request, with its writes on the shared clock (race-writes.ts) joined in. */
async function one(
  session: RaceSession,
  job: RaceJob,
  writes: WriteLog,
  id: string,
  body: Uint8Array | null,
): Promise<RaceOutcome> {
  const outcome = await attempt(session, job, id, body);
  const written = writes.take(id);
  return {
    ...outcome,
    writtenAtUs: written?.first.atUs ?? null,
    localPort: written?.first.localPort ?? null,
    writes: written?.writes ?? 0,
  };
}

type Attempt = Omit<RaceOutcome, 'writtenAtUs' | 'localPort' | 'writes'>;

/** Send one request and wait for its end (or the harness's give-up): the client's own view of the outcome. */
async function attempt(session: RaceSession, job: RaceJob, id: string, body: Uint8Array | null): Promise<Attempt> {
  const request: RaceRequest = { method: job.method, path: '/', headers: { [job.idHeader]: id }, body };
  const t0 = performance.now();
  const giveUp: { timer: NodeJS.Timeout | null } = { timer: null };
  try {
    const sent = session.send(request);
    const limit = job.giveUpAfterMs;
    const res =
      limit === null
        ? await sent
        : await Promise.race([
            sent,
            new Promise<null>((resolve) => {
              giveUp.timer = setTimeout(() => resolve(null), limit);
            }),
          ]);
    if (res === null) {
      sent.catch(() => undefined); // it may still fail later, after the process has moved on
      const message = `the harness stopped waiting after ${limit} ms; the request was still pending in the client`;
      return { id, ok: false, status: null, code: GAVE_UP, message, elapsedMs: round2(performance.now() - t0) };
    }
    return { id, ok: true, status: res.status, code: null, message: null, elapsedMs: round2(performance.now() - t0) };
  } catch (error) {
    return {
      id,
      ok: false,
      status: null,
      code: errorCode(error),
      message: causeMessages(error),
      elapsedMs: round2(performance.now() - t0),
    };
  } finally {
    if (giveUp.timer) clearTimeout(giveUp.timer);
  }
}

serveWorker<Extract<RaceParentToWorker, { type: 'race' }>, RaceRoundResult>('race', async ({ job }, channel) => {
  // Subscribed before the client module sends anything, so every write of every id is seen.
  const writes = watchRequestWrites(job.idHeader);
  const session = await openRaceSession(job.client, job.origin, {
    retry: job.retry,
    requestTimeoutMs: job.requestTimeoutMs,
  });
  const body = job.method === 'POST' ? new Uint8Array(job.postBodyBytes).fill(120) : null;
  /** performance.now() as each request of the last batch ended (response end or failure), in the order they ended. */
  let ends: number[] = [];
  const batch = (prefix: string): Promise<RaceOutcome[]> => {
    ends = [];
    const timed = async (k: number): Promise<RaceOutcome> => {
      const outcome = await one(session, job, writes, `${prefix}-${k}`, body);
      ends.push(performance.now());
      return outcome;
    };
    return Promise.all(Array.from({ length: job.concurrency }, (_, k) => timed(k)));
  };
  channel.send({ type: 'ready', pid: process.pid, defence: session.defence() });
  let defenceAfterWarm: Record<string, unknown> | null = null;
  for (const [index, gapMs] of job.gapsMs.entries()) {
    const warm = await batch(`${job.runId}-w${index}`);
    // The gap is armed from the FIRST warm-up response to end, not from the last: the target starts each connection's
    // idle timer at its own last write, so the connection answered first is the first to reach T. Armed from the end
    // of Promise.all (the slowest), a client gap of T − 1 ms was already past T on the target for the connections
    // answered earlier, and the bursts went out on fresh connections. The target's write still precedes this end by the loopback latency: what
    // decides whether a burst raced is the target's own idle clock (RaceRequestRecord.targetIdleMs), not this one.
    const idleFrom = ends[0] ?? performance.now();
    defenceAfterWarm ??= session.defence();
    await channel.phaseStart('trial', index);
    const left = gapMs - (performance.now() - idleFrom);
    if (left > 0) await sleep(left);
    const idleMs = round2(performance.now() - idleFrom);
    const outcomes = await batch(`${job.runId}-r${index}`);
    channel.send({ type: 'phase-end', phase: 'trial', index, result: { index, gapMs, idleMs, warm, outcomes } });
  }
  const defenceAtEnd = session.defence();
  writes.stop();
  await Promise.race([session.close().catch(() => undefined), sleep(CLOSE_WAIT_MS)]);
  channel.send({ type: 'done', settings: { defenceAfterWarm, defenceAtEnd } });
});
