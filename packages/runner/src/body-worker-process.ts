/**
 * The bodies case study's client process: one block (see body-protocol.ts) in a fresh process, started with
 * --expose-gc so an unread body's memory can be told from garbage. CPU is this process's own (process.cpuUsage) and
 * memory its RSS, sampled on a timer whose interval is recorded: a sample is late when the client blocks its event
 * loop (a large synchronous copy), so the kernel's maxRSS is recorded beside it as the exact high-water mark.
 */
import { performance } from 'node:perf_hooks';
import {
  type BodyResponse,
  type ClientSession,
  errorCode,
  getAdapter,
  prepareUploadBuffer,
  releaseUploadBuffer,
} from '@casebook/clients';
import type { BodyJob, BodyParentToWorker, BodyTrialResult, LiveMemory } from './body-protocol';
import { serveWorker, type WorkerChannel } from './worker-channel';

/** Forced GC every this many ms while settling: several passes let finalizers (fetch bodies) run in between. */
const GC_EVERY_MS = 50;

const rss = (): number => process.memoryUsage.rss();
/** RSS with the client open before any request, and the sampled peak since (see BodyTrialResult). */
const lifetime = { baselineBytes: 0, peakBytes: 0, baselineLiveBytes: 0, baselineArrayBuffersBytes: 0 };
/** What is reachable: the JS heap in use plus memory outside it (external includes Buffers' backing stores). */
const liveBytes = (m: NodeJS.MemoryUsage): number => m.heapUsed + m.external;
const round2 = (x: number): number => Math.round(x * 100) / 100;
const gc = (globalThis as { gc?: () => void }).gc;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      const error = new Error(`no answer within ${ms} ms`) as Error & { code: string };
      error.code = 'CASEBOOK_BODY_TIMEOUT';
      reject(error);
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

async function settle(ms: number): Promise<BodyTrialResult['settled']> {
  const start = performance.now();
  while (performance.now() - start < ms) {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, Math.min(GC_EVERY_MS, ms)));
  }
  gc?.();
  return { rssBytes: rss(), waitedMs: Math.round(performance.now() - start), gcForced: gc !== undefined };
}

async function trial(session: ClientSession, job: BodyJob, index: number, n: number): Promise<BodyTrialResult> {
  const requestBody = session.requestBody;
  const uploadBody = session.uploadBody;
  if (job.direction === 'download' && !requestBody) throw new Error(`${job.client} cannot consume bodies here`);
  if (job.direction === 'upload' && !uploadBody) throw new Error(`${job.client} cannot upload bodies here`);
  const one = async (): Promise<BodyResponse> => {
    if (job.direction === 'download' && requestBody) return requestBody.call(session, job.path, job.consumption);
    if (!uploadBody || job.consumption === 'unread') throw new Error(`${job.client} cannot upload ${job.consumption}`);
    const res = await uploadBody.call(session, job.path, job.expectedBytes, job.consumption);
    return { status: res.status, bodyBytes: res.sentBytes, read: true };
  };
  const errors: Record<string, number> = {};
  const errorSamples: Record<string, string> = {};
  const requestMs: number[] = [];
  let ok = 0;
  let shortBodies = 0;
  let unread = 0;
  let bodyBytes = 0;
  const rssStartBytes = rss();
  let rssPeakBytes = rssStartBytes;
  let rssSamples = 1;
  const sample = (): void => {
    const now = rss();
    rssSamples++;
    if (now > rssPeakBytes) rssPeakBytes = now;
    if (now > lifetime.peakBytes) lifetime.peakBytes = now;
  };
  // The application's Buffer of a buffered upload is filled before the clock starts (it is not the client's time or
  // CPU); it is allocated after the baseline, so RSS growth still counts it.
  if (job.direction === 'upload' && job.consumption === 'buffer') prepareUploadBuffer(job.expectedBytes);
  // GC-settled samples (warm-up only, see BodyJob.liveSampleMs): force a GC, then read what is still reachable.
  const live: LiveMemory | null =
    job.liveSampleMs > 0 && gc
      ? {
          sampleMs: job.liveSampleMs,
          samples: 0,
          gcForced: true,
          baselineLiveBytes: lifetime.baselineLiveBytes,
          peakLiveBytes: 0,
          baselineArrayBuffersBytes: lifetime.baselineArrayBuffersBytes,
          peakArrayBuffersBytes: 0,
          peakGcRssBytes: 0,
        }
      : null;
  const sampleLive = (): void => {
    if (!live || !gc) return;
    gc();
    const m = process.memoryUsage();
    live.samples++;
    live.peakLiveBytes = Math.max(live.peakLiveBytes, liveBytes(m));
    live.peakArrayBuffersBytes = Math.max(live.peakArrayBuffersBytes, m.arrayBuffers);
    live.peakGcRssBytes = Math.max(live.peakGcRssBytes, m.rss);
  };
  const liveSampler = live ? setInterval(sampleLive, job.liveSampleMs) : null;
  const rssAfterRequestBytes: number[] = [];
  const sampler = setInterval(sample, job.rssSampleMs);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    try {
      const res: BodyResponse = await withTimeout(one(), job.requestTimeoutMs);
      bodyBytes += res.bodyBytes;
      if (!res.read) unread++;
      else if (res.status === 200 && res.bodyBytes === job.expectedBytes) ok++;
      else shortBodies++;
    } catch (error) {
      const code = errorCode(error);
      errors[code] = (errors[code] ?? 0) + 1;
      if (errorSamples[code] === undefined)
        errorSamples[code] = (error instanceof Error ? error.message : String(error)).slice(0, 300);
    }
    requestMs.push(round2(performance.now() - start));
    sample();
    rssAfterRequestBytes.push(rss());
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  if (liveSampler) clearInterval(liveSampler);
  releaseUploadBuffer();
  const rssEndBytes = rss();
  const settled = await settle(job.settleMs);
  return {
    index,
    requests: n,
    ok,
    shortBodies,
    unread,
    errors,
    errorSamples,
    bodyBytes,
    wallMs: round2(wallMs),
    cpuMicros: cpu.user + cpu.system,
    requestMs,
    rssStartBytes,
    rssPeakBytes,
    rssEndBytes,
    rssSamples,
    rssSampleMs: job.rssSampleMs,
    baselineRssBytes: lifetime.baselineBytes,
    peakSinceBaselineBytes: lifetime.peakBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    settled,
    rssAfterRequestBytes,
    live,
  };
}

async function run(job: BodyJob, channel: WorkerChannel<BodyTrialResult>): Promise<void> {
  const { send } = channel;
  let session: ClientSession;
  try {
    session = await getAdapter(job.client).open(job.origin, job.clientOptions);
  } catch (error) {
    send({ type: 'fatal', code: 'CASEBOOK_CLIENT_OPEN', message: (error as Error).message });
    return;
  }
  gc?.();
  const m0 = process.memoryUsage();
  lifetime.baselineLiveBytes = liveBytes(m0);
  lifetime.baselineArrayBuffersBytes = m0.arrayBuffers;
  lifetime.baselineBytes = rss();
  lifetime.peakBytes = lifetime.baselineBytes;
  send({ type: 'ready', settings: session.settings(), gcExposed: gc !== undefined });
  /**
   * Report a phase and wait until the parent has read the target's counters for it: closing the client (below) destroys
   * sockets still held (node:http's agent.destroy() ends in-use sockets too), and a close that reached the target
   * before its counters were read would count as the client's own (run bodies-d65bdee9: node-http "closed 7" of 32).
   */
  const phaseEnd = async (phase: 'warmup' | 'trial', index: number, result: BodyTrialResult): Promise<void> => {
    send({ type: 'phase-end', phase, index, result });
    const m = await channel.receive();
    if (m.type !== 'ack') throw new Error(`expected ack after ${phase} ${index}, got ${m.type}`);
  };
  if (job.warmupRequests > 0) {
    await channel.phaseStart('warmup', 0);
    const r = await trial(session, { ...job, settleMs: 0 }, 0, job.warmupRequests);
    await phaseEnd('warmup', 0, r);
  }
  for (let i = 0; i < job.trials; i++) {
    await channel.phaseStart('trial', i);
    const r = await trial(session, { ...job, liveSampleMs: 0 }, i, job.requestsPerTrial);
    await phaseEnd('trial', i, r);
  }
  const settings = session.settings();
  // An unread body may hold the pool open: closing must not hang the block.
  await withTimeout(session.close(), 2000).catch(() => undefined);
  send({ type: 'done', settings });
}

serveWorker<Extract<BodyParentToWorker, { type: 'job' }>, BodyTrialResult>('job', (message, channel) =>
  run(message.job, channel),
);
