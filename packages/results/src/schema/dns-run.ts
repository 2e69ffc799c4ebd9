import { type Static, Type } from '@sinclair/typebox';
import { ClientOptionsSchema } from './bench-params';
import {
  CLOSED,
  CountsSchema,
  Nullable,
  OpenRecordSchema,
  RunErrorSchema,
  RunIdSchema,
  TimestampSchema,
  withOutcome,
} from './common';
import { EnvironmentSchema } from './environment';
import { SCHEMA_VERSION } from './version';

/**
 * One job of the DNS lab (`kind: "dns-run"`): a burst of requests or a batch of lookups in a fresh client process,
 * per round with what the client saw and what the lab DNS server counted. DnsRunResult (runner/dns-lab.ts) is the
 * body; the record adds the envelope every record has (run id, outcome, environment, times).
 */

export const DnsJobSchema = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('lookups'),
      method: Type.Union([Type.Literal('getaddrinfo'), Type.Literal('cares')]),
      name: Type.String(),
      n: Type.Number(),
      servers: Type.Array(Type.String()),
      timeoutMs: Type.Optional(Type.Number()),
      tries: Type.Optional(Type.Number()),
    },
    { ...CLOSED, title: 'Lookups job' },
  ),
  Type.Object(
    {
      kind: Type.Literal('burst'),
      client: Type.String(),
      origin: Type.String(),
      path: Type.String(),
      clientOptions: ClientOptionsSchema,
      requests: Type.Number(),
      rounds: Type.Number(),
      gapMs: Type.Number(),
    },
    { ...CLOSED, title: 'Burst job' },
  ),
]);

export const DnsCountersSchema = Type.Object(
  {
    queries: Type.Number(),
    byNameType: CountsSchema,
    foreignQueries: Type.Number(),
    foreignNames: Type.Array(Type.String()),
    pending: Type.Number(),
    peakPending: Type.Number(),
    aArrivalsMs: Type.Array(Type.Number()),
    sourcePorts: Type.Number(),
  },
  CLOSED,
);

export const DnsRoundSchema = Type.Object(
  {
    index: Type.Number(),
    durationMs: Type.Number(),
    ok: Type.Number(),
    errors: CountsSchema,
    errorSamples: Type.Record(Type.String(), Type.String()),
    /** Per request or lookup, ms since the round started. */
    outcomes: Type.Array(
      Type.Object(
        { startMs: Type.Number(), endMs: Type.Number(), ok: Type.Boolean(), code: Nullable(Type.String()) },
        CLOSED,
      ),
    ),
    perfDns: Type.Object({ count: Type.Number(), durationsMs: Type.Array(Type.Number()) }, CLOSED),
    server: DnsCountersSchema,
  },
  CLOSED,
);

const dnsRunProperties = {
  job: DnsJobSchema,
  /** namespace: getaddrinfo reached the lab server; plain: c-ares only. */
  placement: Type.Union([Type.Literal('namespace'), Type.Literal('plain')]),
  threadpoolSize: Nullable(Type.String()),
  /** /etc/resolv.conf as the client process saw it. */
  resolvConf: Nullable(Type.String()),
  settings: OpenRecordSchema,
  rounds: Type.Array(DnsRoundSchema),
};

/** What DnsLab returns today (and what dns-runs.json files of schemaVersion 1 case studies hold). */
export const DnsRunResultSchema = Type.Object(
  { ...dnsRunProperties, error: Nullable(RunErrorSchema) },
  { ...CLOSED, title: 'DNS lab run result' },
);

export const DnsRunRecordSchema = withOutcome(
  { schemaVersion: Type.Literal(SCHEMA_VERSION), kind: Type.Literal('dns-run'), runId: RunIdSchema },
  {
    caseStudy: Type.String(),
    label: Type.String(),
    startedAt: TimestampSchema,
    finishedAt: TimestampSchema,
    environment: EnvironmentSchema,
    ...dnsRunProperties,
  },
  'DNS-run record',
);
export type DnsRunRecord = Static<typeof DnsRunRecordSchema>;
