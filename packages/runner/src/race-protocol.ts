import type { ClientName, RaceMethod, RetryChoice } from '@casebook/clients';
import type { DriverMessage } from './driver';

/**
 * One keep-alive race job for a client process (race-worker-process.ts): rounds of "warm the connection(s), wait a
 * gap, send `concurrency` requests at once", in the order of `gapsMs`. Each round is one `trial` phase of the run
 * driver (driver.ts): the parent's round hook runs while the connections are idle, before the gap is waited out.
 */
export interface RaceJob {
  client: ClientName;
  origin: string;
  method: RaceMethod;
  /** POST body bytes (GET sends none). */
  postBodyBytes: number;
  retry: RetryChoice;
  requestTimeoutMs: number | null;
  /**
   * The harness stops waiting for a request after this long and records it as given up (code
   * CASEBOOK_RACE_GAVE_UP), without touching the client's own timeouts: how long a client would hang on a stalled
   * server is then "at least this". null: wait for the client.
   */
  giveUpAfterMs: number | null;
  /** Requests sent at once per round (and connections warmed). */
  concurrency: number;
  /** Idle gap before each round's requests, in the order run. */
  gapsMs: number[];
  /** Header that carries the request id (the target's REQUEST_ID_HEADER; passed so the client process need not load the servers package). */
  idHeader: string;
  /** Prefix of every request id (ids are `${runId}-r${round}-${k}`, warm-ups `${runId}-w${round}-${k}`). */
  runId: string;
}

export interface RaceOutcome {
  id: string;
  ok: boolean;
  status: number | null;
  /** The first `code` along the error's cause chain (UND_ERR_SOCKET, ECONNRESET…), else its name; null when ok. */
  code: string | null;
  /** The messages along the cause chain, outermost first ("fetch failed ← other side closed"); null when ok. */
  message: string | null;
  /** ms from the request's start to its response end or its failure. */
  elapsedMs: number;
  /**
   * When the client handed this id's FIRST copy to a socket, in µs on the clock the race target records its FINs on
   * (race-writes.ts); null when no write time was recorded: the client's write channel did not fire (got writes a POST
   * body with write() and calls end() after its callback, and Node publishes http.client.request.start from _finish,
   * so a reset between the two leaves no stamp; or the client failed it before writing, on a socket it had already
   * seen closed; or it was still waiting when the harness gave up).
   */
  writtenAtUs: number | null;
  /** The local port of that first write's socket (the target's remotePort of the connection); null when unknown. */
  localPort: number | null;
  /** Writes of this id seen (attempts handed to a socket): 2 or more, the client sent it again. */
  writes: number;
}

export interface RaceRoundResult {
  index: number;
  gapMs: number;
  /**
   * ms from the end of the FIRST warm-up response to end, at the client, to this round's send (≥ gapMs). The
   * target's idle clock started earlier (at its write) for that connection and later for the others, so idleMs − T is
   * not "negative = before the close": read the target's own idle at arrival (RaceRequestRecord.targetIdleMs).
   */
  idleMs: number;
  warm: RaceOutcome[];
  outcomes: RaceOutcome[];
}

export type RaceWorkerToParent = DriverMessage<RaceRoundResult>;
export type RaceParentToWorker = { type: 'race'; job: RaceJob } | { type: 'go' };
