import type { BodyConsumption, ClientName, ResolvedClientOptions } from '@casebook/clients';
import type { BodyDirection } from '@casebook/results';
import type { DriverMessage } from './driver';

/**
 * One block of the bodies case study, run by a fresh client process (body-worker-process.ts): a few warm-up
 * requests, then `trials` trials of `requestsPerTrial` sequential requests for a generated body of `expectedBytes`,
 * consumed as `consumption` says, with the client process's RSS sampled every `rssSampleMs`. A fresh process per
 * block makes its peak RSS (sampled, and the kernel's maxRSS) belong to this client and this size alone.
 */
export interface BodyJob {
  client: ClientName;
  origin: string;
  clientOptions: ResolvedClientOptions;
  path: string;
  /**
   * download: GET a generated body of `expectedBytes`, consumed as `consumption` says. upload: POST a request body of
   * `expectedBytes`, sent as `consumption` says ('buffer' or 'stream', see UPLOAD_MODES); the target counts it.
   */
  direction: BodyDirection;
  expectedBytes: number;
  consumption: BodyConsumption;
  warmupRequests: number;
  trials: number;
  requestsPerTrial: number;
  rssSampleMs: number;
  /** A request that has not finished (or, unread, not got its headers) by then is abandoned and counted as an error. */
  requestTimeoutMs: number;
  /** After each trial: wait this long (forcing GC every 50 ms when the process has --expose-gc), then read RSS again. */
  settleMs: number;
  /**
   * During the WARM-UP only (so timed trials are never perturbed): every this many ms force a GC (--expose-gc) and
   * read what is still reachable (heapUsed + external, and RSS), so what a transfer holds can be told from garbage
   * that peak RSS also counts. 0 turns it off.
   */
  liveSampleMs: number;
}

/**
 * Memory still reachable after a forced GC (process.memoryUsage), sampled every `sampleMs` during the phase: what the
 * process holds, without the garbage a peak RSS also counts. `baseline*` were read the same way with the client open
 * before its first request. Absent (or `gcForced` false) when the phase did not sample it.
 */
export interface LiveMemory {
  sampleMs: number;
  samples: number;
  gcForced: boolean;
  baselineLiveBytes: number;
  /** Peak of heapUsed + external (external includes arrayBuffers: Buffers' backing stores). */
  peakLiveBytes: number;
  baselineArrayBuffersBytes: number;
  peakArrayBuffersBytes: number;
  /** Peak RSS read right after a forced GC (freed memory the allocator has not returned still counts). */
  peakGcRssBytes: number;
}

export interface BodyTrialResult {
  index: number;
  requests: number;
  /** Bodies read whole with the expected byte count: the only responses counted as completed. */
  ok: number;
  /** Bodies read but with another byte count than expected (a truncated or padded body). */
  shortBodies: number;
  /** Responses whose body was left unread ('unread' consumption): reported, never counted as ok. */
  unread: number;
  errors: Record<string, number>;
  errorSamples: Record<string, string>;
  /** Body bytes the application received (uploads: handed to the client to send), summed. */
  bodyBytes: number;
  wallMs: number;
  cpuMicros: number;
  /** Per request, ms from start to body consumed (or headers, unread). */
  requestMs: number[];
  rssStartBytes: number;
  rssPeakBytes: number;
  /**
   * RSS when the client was open and had made no request yet (after a forced GC where exposed), and the sampled peak
   * since then: warm-up included, because a warm-up of the same size raises RSS to a level the trial then starts from.
   */
  baselineRssBytes: number;
  peakSinceBaselineBytes: number;
  rssEndBytes: number;
  rssSamples: number;
  rssSampleMs: number;
  /** Kernel high-water mark of the process so far (getrusage maxrss), bytes. */
  maxRssBytes: number;
  /** After the settle wait (and forced GC where available). */
  settled: { rssBytes: number; waitedMs: number; gcForced: boolean };
  /** RSS right after each request, in order (the first requests of a fresh process include its own warm-up). */
  rssAfterRequestBytes: number[];
  /** GC-settled memory sampled during this phase (the warm-up, when the job asks for it); null otherwise. */
  live: LiveMemory | null;
}

export type BodyWorkerToParent = DriverMessage<BodyTrialResult>;
/** `ack`: the parent has read the target's counters for the phase just ended (the worker closes its client only after). */
export type BodyParentToWorker = { type: 'job'; job: BodyJob } | { type: 'go' } | { type: 'ack' };
