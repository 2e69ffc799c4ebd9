import { type Static, Type } from '@sinclair/typebox';
import { matches, validateAgainst } from '../validate';
import { CLOSED, Nullable } from './common';

/**
 * The recorded summary of the bodies lab's blocks (notebook 09): one row per direction × client × size × mode, the
 * medians over its blocks (rounds). A case-study record carries it in `notes.bodySummaries`, validated against this
 * schema when written (Study) and when read (`bodySummariesOf`), so cite/compare/index/site can show body runs without
 * a schemaVersion bump: `notes` is open-ended in every schema version, and an older record simply has none.
 */

/** The notes key the summaries are kept under. */
export const BODY_SUMMARIES_NOTE = 'bodySummaries';

export const BODY_DIRECTIONS = ['download', 'upload'] as const;
export type BodyDirection = (typeof BODY_DIRECTIONS)[number];

export const BodySummarySchema = Type.Object(
  {
    /** download: the client reads a response body; upload: it sends a request body. */
    direction: Type.Union(BODY_DIRECTIONS.map((d) => Type.Literal(d))),
    client: Type.String(),
    clientVersion: Type.String(),
    bytes: Type.Integer({ minimum: 0 }),
    /** download: stream, buffer or unread; upload: stream or buffer. */
    mode: Type.String(),
    /** Blocks (fresh client processes) summarised, errored ones included. */
    blocks: Type.Integer({ minimum: 0 }),
    requests: Type.Integer({ minimum: 0 }),
    ok: Type.Integer({ minimum: 0 }),
    /** Failed requests plus errored blocks. */
    errors: Type.Integer({ minimum: 0 }),
    /** Medians over the blocks that completed; null when none did. */
    msPerRequest: Nullable(Type.Number()),
    mbPerSecond: Nullable(Type.Number()),
    cpuMicrosPerMB: Nullable(Type.Number()),
    peakRssGrowthMiB: Nullable(Type.Number()),
  },
  { ...CLOSED, title: 'Body summary' },
);
export type BodySummary = Static<typeof BodySummarySchema>;

export const BodySummariesSchema = Type.Array(BodySummarySchema);

/** Throw CASEBOOK_RECORD_SCHEMA naming `file` and the first bad field, else return the summaries typed. */
export function validateBodySummaries(value: unknown, file: string): BodySummary[] {
  return validateAgainst(BodySummariesSchema, value, file, ` (notes.${BODY_SUMMARIES_NOTE})`);
}

/** The body summaries a record's notes carry: [] when there are none or they do not match the schema. */
export function bodySummariesOf(notes: Record<string, unknown>): BodySummary[] {
  const value = notes[BODY_SUMMARIES_NOTE];
  return matches(BodySummariesSchema, value) ? value : [];
}
