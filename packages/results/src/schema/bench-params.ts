import { type Static, Type } from '@sinclair/typebox';
import { CLOSED, Nullable } from './common';

/**
 * The resolved options of one measurement, as the runner records them in `params`: ResolvedBenchOptions
 * (runner/options.ts) with its ResolvedClientOptions (clients/types.ts) and ResolvedTargetOptions (servers/options.ts).
 * Names from registries that grow (clients, certificate types, lookup strategies) are strings here, so a record
 * stays readable when a registry changes; fixed vocabularies are literal unions.
 */

export const LoadSpecSchema = Type.Object(
  {
    mode: Type.Union([Type.Literal('closed'), Type.Literal('open')]),
    concurrency: Type.Number(),
    rateRps: Nullable(Type.Number()),
    requests: Nullable(Type.Number()),
    durationMs: Nullable(Type.Number()),
    path: Type.String(),
    expectedBodyBytes: Type.Number(),
    expectedStatus: Type.Number(),
    queueTiming: Type.Optional(Type.Boolean()),
    idleBeforeTrialMs: Type.Optional(Type.Number()),
  },
  CLOSED,
);

export const LookupSpecSchema = Type.Object(
  {
    strategy: Type.String(),
    servers: Type.Optional(Type.Array(Type.String())),
    timeoutMs: Type.Optional(Type.Number()),
    tries: Type.Optional(Type.Number()),
  },
  CLOSED,
);

export const ClientOptionsSchema = Type.Object(
  {
    connections: Nullable(Type.Number()),
    keepAlive: Type.Boolean(),
    pipelining: Type.Number(),
    pipelineBlocking: Type.Optional(Nullable(Type.Boolean())),
    connectTimeoutMs: Nullable(Type.Number()),
    requestTimeoutMs: Nullable(Type.Number()),
    tls: Nullable(Type.Object({ caPem: Type.String(), servername: Type.Optional(Type.String()) }, CLOSED)),
    protocol: Type.Union([Type.Literal('default'), Type.Literal('h1'), Type.Literal('h2')]),
    lookup: LookupSpecSchema,
    tlsSessionCacheSize: Nullable(Type.Number()),
    clientPerRequest: Type.Boolean(),
    connectDelayMs: Type.Number(),
  },
  CLOSED,
);

export const TargetOptionsSchema = Type.Object(
  {
    protocol: Type.Literal('http/1.1'),
    host: Type.Literal('127.0.0.1'),
    delayMs: Type.Number(),
    bodyBytes: Type.Number(),
    status: Type.Number(),
    keepAliveTimeoutMs: Type.Number(),
    stallEveryMs: Type.Number(),
    stallForMs: Type.Number(),
    slowEvery: Type.Number(),
    slowDelayMs: Type.Number(),
    backlog: Type.Number(),
    tls: Nullable(
      Type.Object(
        {
          version: Type.Union([Type.Literal('TLSv1.2'), Type.Literal('TLSv1.3'), Type.Literal('any')]),
          certType: Type.String(),
          alpn: Type.Array(Type.String()),
        },
        CLOSED,
      ),
    ),
    h2: Type.Optional(Type.Object({ allowHTTP1: Type.Boolean(), maxConcurrentStreams: Type.Number() }, CLOSED)),
  },
  CLOSED,
);

/** Node clients' ResolvedBenchOptions; foreign (Python) clients add `language`. */
export const BenchParamsSchema = Type.Object(
  {
    client: Type.String(),
    load: LoadSpecSchema,
    trials: Type.Number(),
    warmupRequests: Type.Number(),
    trialTimeoutMs: Type.Number(),
    clientOptions: ClientOptionsSchema,
    target: TargetOptionsSchema,
    caseStudy: Type.String(),
    label: Type.String(),
    faults: Type.Object({ killTargetAfterMs: Nullable(Type.Number()) }, CLOSED),
    proxy: Type.Optional(Type.Object({ rttMs: Type.Number() }, CLOSED)),
    language: Type.Optional(Type.Literal('python')),
  },
  CLOSED,
);
export type BenchParams = Static<typeof BenchParamsSchema>;
