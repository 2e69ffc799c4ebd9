import type { ClientName, ResolvedClientOptions } from '@casebook/clients';
import type { DriverMessage } from './driver';

/** One job for the DNS worker (a fresh client process: cold caches, its own threadpool size, maybe a namespace). */
export type DnsJob =
  | {
      kind: 'lookups';
      /** 'getaddrinfo': dns.lookup (libuv threadpool). 'cares': dns.Resolver#resolve4 on `servers`. */
      method: 'getaddrinfo' | 'cares';
      name: string;
      n: number;
      servers: string[];
      timeoutMs?: number;
      tries?: number;
    }
  | {
      kind: 'burst';
      client: ClientName;
      origin: string;
      path: string;
      clientOptions: ResolvedClientOptions;
      /** Requests started at once per round. */
      requests: number;
      rounds: number;
      /** Idle gap before each round after the first, ms. */
      gapMs: number;
    };

export interface DnsRequestOutcome {
  startMs: number;
  endMs: number;
  ok: boolean;
  code: string | null;
}

export interface DnsRoundResult {
  index: number;
  durationMs: number;
  ok: number;
  errors: Record<string, number>;
  errorSamples: Record<string, string>;
  /** Per request/lookup, ms since the round started. */
  outcomes: DnsRequestOutcome[];
  /** PerformanceObserver 'dns' entries in this round (lookups Node made through node:dns, queueing included). */
  perfDns: { count: number; durationsMs: number[] };
}

/** What a DNS worker says: the run driver's protocol (driver.ts); each round is a `trial` phase. */
export type DnsWorkerToParent = DriverMessage<DnsRoundResult>;

export type DnsParentToWorker = { type: 'job'; job: DnsJob } | { type: 'go' };
